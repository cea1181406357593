# mk/core.mk: settings, the command line, --sandbox, and the ghlterm program.
libcore_a_SOURCES += src/conf.c src/cli.c src/cli.h \
	src/sandbox_spawn.c src/sandbox_spawn.h

bin_PROGRAMS += ghlterm
ghlterm_SOURCES = src/main.c
ghlterm_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/ui $(CURL_CFLAGS)
ghlterm_LDADD = libui.a $(CORE_LIBS) $(NCURSES_LIBS)

check_PROGRAMS += tests/unit/test_conf
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_LDADD = $(CORE_LIBS)
TESTS += tests/unit/test_conf

# Command-line tests against ghlterm-sandbox (TAP shell scripts).
CLI_TESTS = \
	tests/cli/001-usage.sh \
	tests/cli/002-config.sh \
	tests/cli/003-sync.sh \
	tests/cli/004-writes.sh \
	tests/cli/005-readonly.sh \
	tests/cli/006-down.sh \
	tests/cli/007-export.sh \
	tests/cli/008-sandbox.sh \
	tests/cli/009-doctor.sh \
	tests/cli/010-watch-usage.sh
TESTS += $(CLI_TESTS)
EXTRA_DIST += $(CLI_TESTS) tests/cli/lib.sh

# libFuzzer harness for the config parser (configure --enable-fuzzing).
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_conf
tests_fuzz_fuzz_conf_SOURCES = tests/fuzz/fuzz_conf.c
tests_fuzz_fuzz_conf_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_conf_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_conf_LDADD = $(CORE_LIBS)
endif
EXTRA_DIST += tests/fuzz/fuzz_conf.c
