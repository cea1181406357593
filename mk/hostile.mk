# mk/hostile.mk: hostile ids, tags and text end to end; field limits (issue 5).

# The codec's field, tag and page limits and NUL escapes.
check_PROGRAMS += tests/unit/test_codec_limits
tests_unit_test_codec_limits_SOURCES = tests/unit/test_codec_limits.c
tests_unit_test_codec_limits_LDADD = $(CORE_LIBS)
TESTS += tests/unit/test_codec_limits

# Hostile ids, tags, notes and escape sequences through the CLI and the
# sandbox (TAP shell scripts; tests/cli/lib.sh).
HOSTILE_TESTS = \
	tests/security/003-injection.sh \
	tests/security/004-cli-escapes.sh
TESTS += $(HOSTILE_TESTS)
EXTRA_DIST += $(HOSTILE_TESTS)
