# mk/perf_search.mk: tests of TUI search at scale (issue 6).
