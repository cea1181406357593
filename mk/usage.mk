# mk/usage.mk: the TUI usage view (U) and the usage sparkline (issue 7).
libcore_a_SOURCES += src/spark.c src/spark.h

check_PROGRAMS += tests/unit/test_spark
tests_unit_test_spark_SOURCES = tests/unit/test_spark.c
tests_unit_test_spark_LDADD = $(CORE_LIBS)
TESTS += tests/unit/test_spark

USAGE_TESTS = tests/cli/011-usage-spark.sh tests/tui/14-usage.sh
TESTS += $(USAGE_TESTS)
EXTRA_DIST += $(USAGE_TESTS)

libui_a_SOURCES += ui/usage.c ui/usage.h
