# mk/lint.mk: architecture and style checks (STYLE §5).
# check-layering runs in `make check` as a TAP test; the others are opt-in.
TESTS += tests/lint/layering.sh
EXTRA_DIST += tests/lint/layering.sh .clang-format

check-layering:
	TESTS_DIR=$(abs_top_srcdir)/tests $(SHELL) $(top_srcdir)/tests/lint/layering.sh

check-format:
	cd $(top_srcdir) && clang-format --dry-run --Werror src/*.c src/*.h ui/*.c ui/*.h

cppcheck:
	cppcheck --quiet --enable=warning,portability --error-exitcode=1 \
		--suppress=missingIncludeSystem -I$(top_builddir) -I$(top_srcdir)/src \
		$(top_srcdir)/src $(top_srcdir)/ui

.PHONY: check-layering check-format cppcheck
