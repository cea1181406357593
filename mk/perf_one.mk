# mk/perf_one.mk: tests of the one-contact sync fast path (issue 6).
# Runs against $(GHLTERM_SANDBOX); skips when it is not built.
check_PROGRAMS += tests/unit/test_sync_one
TESTS += tests/unit/test_sync_one
tests_unit_test_sync_one_SOURCES = tests/unit/test_sync_one.c
tests_unit_test_sync_one_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS) \
	$(SQLITE_CFLAGS)
tests_unit_test_sync_one_LDADD = $(CORE_LIBS)
