# mk/bench.mk: benchmarks (issue 6), not part of make check.
# "make bench" builds the programs and runs tests/bench/bench.py, which prints
# each figure's median, min, max, floor and ratio (doc/performance.md).
EXTRA_PROGRAMS = tests/bench/floor_insert tests/bench/bench_write
tests_bench_bench_write_SOURCES = tests/bench/bench_write.c
tests_bench_bench_write_LDADD = $(CORE_LIBS)
tests_bench_floor_insert_SOURCES = tests/bench/floor_insert.c
tests_bench_floor_insert_CPPFLAGS = $(AM_CPPFLAGS) $(SQLITE_CFLAGS)
tests_bench_floor_insert_LDADD = $(SQLITE_LIBS)
CLEANFILES += tests/bench/floor_insert$(EXEEXT) tests/bench/bench_write$(EXEEXT)
EXTRA_DIST += tests/bench/bench.py tests/bench/sandbox.sh \
	tests/bench/sandbox-get.lua

bench: ghlterm$(EXEEXT) ghlterm-sandbox$(EXEEXT) \
	tests/bench/floor_insert$(EXEEXT) tests/bench/bench_write$(EXEEXT)
	GHLTERM='$(abs_top_builddir)/ghlterm' \
	GHLTERM_SANDBOX='$(abs_top_builddir)/ghlterm-sandbox' \
	FLOOR_INSERT='$(abs_top_builddir)/tests/bench/floor_insert' \
	BENCH_WRITE='$(abs_top_builddir)/tests/bench/bench_write' \
	TMUX_BIN='$(TMUX)' \
	$(PYTHON3) $(top_srcdir)/tests/bench/bench.py
.PHONY: bench
