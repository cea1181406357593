# mk/fuzz.mk: reliability suites (issue 5).  The fault matrix and the
# security tests run in `make check`; `make fuzz` runs every libFuzzer
# target for FUZZ_SECONDS (configure --enable-fuzzing CC=clang);
# `make check-valgrind` runs the CLI and sync paths under valgrind;
# `make check-torture` walks every allocation failure of a small sync.

TESTS += tests/faults/001-transient.sh tests/faults/002-permanent.sh \
	tests/faults/003-retry-after.sh
EXTRA_DIST += tests/faults/lib.sh tests/faults/001-transient.sh \
	tests/faults/002-permanent.sh tests/faults/003-retry-after.sh \
	tests/fuzz/run.sh tests/valgrind/run.sh tests/torture/alloc.sh \
	doc/reliability.md

FUZZ_SECONDS = 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(SHELL) $(top_srcdir)/tests/fuzz/run.sh \
	    $(abs_top_builddir) $(abs_top_srcdir)

check-valgrind: all
	GHLTERM='$(abs_top_builddir)/ghlterm' \
	GHLTERM_SANDBOX='$(abs_top_builddir)/ghlterm-sandbox' \
	TESTS_DIR='$(abs_top_srcdir)/tests' PYTHON3='$(PYTHON3)' \
	    $(SHELL) $(top_srcdir)/tests/valgrind/run.sh

check-torture: all
	GHLTERM='$(abs_top_builddir)/ghlterm' \
	GHLTERM_SANDBOX='$(abs_top_builddir)/ghlterm-sandbox' \
	TESTS_DIR='$(abs_top_srcdir)/tests' PYTHON3='$(PYTHON3)' \
	    $(SHELL) $(top_srcdir)/tests/torture/alloc.sh

.PHONY: fuzz check-valgrind check-torture

TESTS += tests/security/001-token.sh
EXTRA_DIST += tests/security/001-token.sh
