# mk/sandbox.mk: ghlterm-sandbox, the local Contacts API (src/sandbox/),
# its tests (tests/sandbox/) and its benchmark (tests/bench/sandbox.sh).
bin_PROGRAMS += ghlterm-sandbox
ghlterm_sandbox_SOURCES = src/sandbox/sb_main.c \
	src/sandbox/sb_util.c src/sandbox/sb_util.h \
	src/sandbox/sb_gen.c src/sandbox/sb_gen.h \
	src/sandbox/sb_store.c src/sandbox/sb_store.h \
	src/sandbox/sb_search.c src/sandbox/sb_search.h \
	src/sandbox/sb_api.c src/sandbox/sb_api.h \
	src/sandbox/sb_hook.c src/sandbox/sb_hook.h \
	src/sandbox/sb_server.c src/sandbox/sb_server.h
ghlterm_sandbox_CPPFLAGS = $(AM_CPPFLAGS) $(CJSON_CFLAGS) $(MHD_CFLAGS) $(CURL_CFLAGS) \
	-I$(top_srcdir)/src/sandbox_sm
# --api salesmate runs the mirror's Salesmate sandbox (mk/mirror.mk).
ghlterm_sandbox_LDADD = $(SMSANDBOX_LIBS)

SANDBOX_TESTS = tests/sandbox/basics.sh tests/sandbox/endpoints.sh \
	tests/sandbox/paging.sh tests/sandbox/determinism.sh \
	tests/sandbox/oauth.sh tests/sandbox/webhooks.sh
TESTS += $(SANDBOX_TESTS)
EXTRA_DIST += $(SANDBOX_TESTS) tests/sandbox/sandbox-lib.sh \
	tests/sandbox/sbtest.py tests/sandbox/endpoints.py \
	tests/sandbox/paging.py tests/sandbox/determinism.py \
	tests/sandbox/oauth.py tests/sandbox/webhooks.py \
	tests/bench/sandbox.sh tests/bench/sandbox-get.lua
