# mk/cursor.mk: sandbox paging faults and write replay under faults (issue 5).
# The faults live in src/sandbox/ (mk/sandbox.mk); these are their tests.
CURSOR_TESTS = tests/sandbox/paging-faults.sh
TESTS += $(CURSOR_TESTS)
EXTRA_DIST += $(CURSOR_TESTS)
