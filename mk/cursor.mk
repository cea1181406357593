# mk/cursor.mk: sandbox paging faults and write replay under faults (issue 5).
# The faults live in src/sandbox/ (mk/sandbox.mk); these are their tests:
# the sandbox's own, sync --all and sync --watch against each paging
# fault, and exactly-once outbox replay under a 30% fault mix.
CURSOR_TESTS = tests/sandbox/paging-faults.sh \
	tests/faults/004-paging.sh tests/faults/005-writes.sh
TESTS += $(CURSOR_TESTS)
EXTRA_DIST += $(CURSOR_TESTS)
