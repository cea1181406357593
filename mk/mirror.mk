# mk/mirror.mk: the Salesmate mirror (issue 8): client, codec, mapping and
# exactly-once algorithm, its cache tables, the `mirror` command, and the
# Salesmate sandbox (libsmsandbox.a; ghlterm-sandbox --api salesmate calls
# sm_sandbox_main from it).
libcore_a_SOURCES += src/salesmate.c src/salesmate.h \
	src/codec_sm.c src/codec_sm.h src/mirror.c src/mirror.h \
	src/cache_mirror.c src/cache_mirror.h \
	src/mirror_cli.c src/mirror_cli.h

noinst_LIBRARIES += libsmsandbox.a
libsmsandbox_a_SOURCES = src/sandbox_sm/sms.c src/sandbox_sm/sms.h \
	src/sandbox_sm/sms_main.c
libsmsandbox_a_CPPFLAGS = $(AM_CPPFLAGS) $(CJSON_CFLAGS) $(MHD_CFLAGS)
SMSANDBOX_LIBS = libsmsandbox.a $(CORE_LIBS)

# The sandbox as its own program for tests (stand-alone servers).
check_PROGRAMS += tests/mirror/sm-sandbox tests/mirror/mirror-tool
tests_mirror_sm_sandbox_SOURCES = tests/mirror/sm-sandbox.c
tests_mirror_sm_sandbox_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/src/sandbox_sm
tests_mirror_sm_sandbox_LDADD = $(SMSANDBOX_LIBS)
tests_mirror_mirror_tool_SOURCES = tests/mirror/mirror-tool.c
tests_mirror_mirror_tool_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS)
tests_mirror_mirror_tool_LDADD = $(CORE_LIBS)

MIRROR_TEST_CPPFLAGS = $(AM_CPPFLAGS) $(CJSON_CFLAGS) $(CURL_CFLAGS) -I$(top_srcdir)/tests/mirror -I$(top_srcdir)/tests \
	-I$(top_srcdir)/src/sandbox_sm -I$(top_srcdir)/tests/fake \
	-DTOP_SRCDIR='"$(abs_top_srcdir)"' -DTOP_BUILDDIR='"$(abs_top_builddir)"'
MIRROR_TEST_HELPERS = tests/mirror/mtest.c tests/mirror/mtest.h

check_PROGRAMS += tests/unit/test_codec_sm tests/unit/test_mirror_map \
	tests/unit/test_mirror_client tests/unit/test_mirror_sandbox \
	tests/unit/test_mirror
TESTS += tests/unit/test_codec_sm tests/unit/test_mirror_map \
	tests/unit/test_mirror_client tests/unit/test_mirror_sandbox \
	tests/unit/test_mirror

tests_unit_test_codec_sm_SOURCES = tests/unit/test_codec_sm.c \
	$(MIRROR_TEST_HELPERS)
tests_unit_test_codec_sm_CPPFLAGS = $(MIRROR_TEST_CPPFLAGS)
tests_unit_test_codec_sm_LDADD = $(CORE_LIBS)
tests_unit_test_mirror_map_SOURCES = tests/unit/test_mirror_map.c \
	$(MIRROR_TEST_HELPERS)
tests_unit_test_mirror_map_CPPFLAGS = $(MIRROR_TEST_CPPFLAGS)
tests_unit_test_mirror_map_LDADD = $(CORE_LIBS)
tests_unit_test_mirror_client_SOURCES = tests/unit/test_mirror_client.c \
	$(NET_FAKE)
tests_unit_test_mirror_client_CPPFLAGS = $(MIRROR_TEST_CPPFLAGS)
tests_unit_test_mirror_client_LDADD = $(CORE_LIBS)
tests_unit_test_mirror_sandbox_SOURCES = tests/unit/test_mirror_sandbox.c \
	$(MIRROR_TEST_HELPERS)
tests_unit_test_mirror_sandbox_CPPFLAGS = $(MIRROR_TEST_CPPFLAGS)
tests_unit_test_mirror_sandbox_LDADD = $(SMSANDBOX_LIBS)
tests_unit_test_mirror_SOURCES = tests/unit/test_mirror.c \
	$(MIRROR_TEST_HELPERS)
tests_unit_test_mirror_CPPFLAGS = $(MIRROR_TEST_CPPFLAGS)
tests_unit_test_mirror_LDADD = $(SMSANDBOX_LIBS)


# The sandbox program itself (TAP shell test).
TESTS += tests/mirror/sandbox-cli.sh
EXTRA_DIST += tests/mirror/sandbox-cli.sh doc/mirror.md
