# mk/perf_search.mk: tests of TUI search at scale (issue 6).  The search
# code and its test (tests/unit/test_cache_search.c) build from mk/data.mk.
