# mk/live.mk: live sync and automation (issue 7): the webhook receiver
# (ghlterm listen), webhook signature checks, auto-tag rules, failure
# alerts, the cache tables they use, and their tests.
libcore_a_SOURCES += src/listen.c src/listen.h src/whsig.c src/whsig.h \
	src/autotag.c src/autotag.h src/alert.c src/alert.h \
	src/cache_live.c src/cache_live.h

check_PROGRAMS += tests/unit/test_whsig tests/unit/test_autotag \
	tests/live/test_listen tests/live/test_alert tests/live/live_main
tests_unit_test_whsig_SOURCES = tests/unit/test_whsig.c
tests_unit_test_whsig_CPPFLAGS = $(AM_CPPFLAGS) $(CRYPTO_CFLAGS)
tests_unit_test_whsig_LDADD = $(CORE_LIBS)
tests_unit_test_autotag_SOURCES = tests/unit/test_autotag.c
tests_unit_test_autotag_LDADD = $(CORE_LIBS)
tests_live_test_listen_SOURCES = tests/live/test_listen.c
tests_live_test_listen_CPPFLAGS = $(AM_CPPFLAGS) $(CRYPTO_CFLAGS) \
	-DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_live_test_listen_LDADD = $(CORE_LIBS)
tests_live_test_alert_SOURCES = tests/live/test_alert.c
tests_live_test_alert_LDADD = $(CORE_LIBS)
# A minimal main() for the live commands, so their shell tests do not
# depend on the dispatcher in src/cli.c.
tests_live_live_main_SOURCES = tests/live/live_main.c
tests_live_live_main_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS)
tests_live_live_main_LDADD = $(CORE_LIBS)

TESTS += tests/unit/test_whsig tests/unit/test_autotag \
	tests/live/test_listen tests/live/test_alert

LIVE_TESTS = \
	tests/live/signatures.sh \
	tests/live/webhook-e2e.sh \
	tests/live/autotag-cli.sh
TESTS += $(LIVE_TESTS)
EXTRA_DIST += $(LIVE_TESTS) tests/live/lib.sh

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_webhook
tests_fuzz_fuzz_webhook_SOURCES = tests/fuzz/fuzz_webhook.c
tests_fuzz_fuzz_webhook_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_webhook_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_webhook_LDADD = $(CORE_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz_webhook.c
