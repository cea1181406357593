# mk/net.mk: the network layer: HTTP transport (libcurl), API client, rate
# pacing, backoff, auth (tokens, OAuth refresh), log, percent-encoding.
libcore_a_SOURCES += src/http.h src/http_curl.c src/api.c src/api.h \
	src/ratelimit.c src/ratelimit.h src/backoff.c src/backoff.h \
	src/auth.c src/auth.h src/log.c src/log.h src/urlenc.c src/urlenc.h

NET_FAKE = tests/fake/http_fake.c tests/fake/http_fake.h
NET_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/fake

check_PROGRAMS += tests/unit/test_urlenc tests/unit/test_backoff \
	tests/unit/test_ratelimit tests/unit/test_auth tests/unit/test_api \
	tests/unit/test_http_curl tests/unit/test_api_sandbox
TESTS += tests/unit/test_urlenc tests/unit/test_backoff \
	tests/unit/test_ratelimit tests/unit/test_auth tests/unit/test_api \
	tests/unit/test_http_curl tests/unit/test_api_sandbox

tests_unit_test_urlenc_SOURCES = tests/unit/test_urlenc.c
tests_unit_test_urlenc_LDADD = $(CORE_LIBS)
tests_unit_test_backoff_SOURCES = tests/unit/test_backoff.c
tests_unit_test_backoff_LDADD = $(CORE_LIBS)
tests_unit_test_ratelimit_SOURCES = tests/unit/test_ratelimit.c
tests_unit_test_ratelimit_LDADD = $(CORE_LIBS)
tests_unit_test_auth_SOURCES = tests/unit/test_auth.c $(NET_FAKE)
tests_unit_test_auth_CPPFLAGS = $(NET_TEST_CPPFLAGS)
tests_unit_test_auth_LDADD = $(CORE_LIBS)
tests_unit_test_api_SOURCES = tests/unit/test_api.c $(NET_FAKE)
tests_unit_test_api_CPPFLAGS = $(NET_TEST_CPPFLAGS)
tests_unit_test_api_LDADD = $(CORE_LIBS)
tests_unit_test_http_curl_SOURCES = tests/unit/test_http_curl.c
tests_unit_test_http_curl_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS) $(MHD_CFLAGS)
tests_unit_test_http_curl_LDADD = $(CORE_LIBS)
# Runs against $(GHLTERM_SANDBOX); skips when it is not built.
tests_unit_test_api_sandbox_SOURCES = tests/unit/test_api_sandbox.c
tests_unit_test_api_sandbox_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS)
tests_unit_test_api_sandbox_LDADD = $(CORE_LIBS)

# libFuzzer harness (configure --enable-fuzzing, clang).
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_ratelimit
tests_fuzz_fuzz_ratelimit_SOURCES = tests/fuzz/fuzz_ratelimit.c
tests_fuzz_fuzz_ratelimit_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_ratelimit_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_ratelimit_LDADD = $(CORE_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz_ratelimit.c
