# mk/core.mk: settings, the command line, --sandbox, and the ghlterm program.
libcore_a_SOURCES += src/conf.c src/cli.c src/cli.h \
	src/sandbox_spawn.c src/sandbox_spawn.h

check_PROGRAMS += tests/unit/test_conf
tests_unit_test_conf_SOURCES = tests/unit/test_conf.c
tests_unit_test_conf_LDADD = $(CORE_LIBS)
TESTS += tests/unit/test_conf
