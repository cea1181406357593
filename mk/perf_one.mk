# mk/perf_one.mk: tests of the one-contact sync fast path (issue 6).
