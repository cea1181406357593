# mk/perf_search.mk: tests of TUI search at scale (issue 6).

# The idle-time map of list order (cache_query.c) has its header here until
# it moves into cache.h.
libcore_a_SOURCES += src/cache_idle.h
