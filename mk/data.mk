# mk/data.mk: see Makefile.am; this fragment's owner lists its files here.

# codec
libcore_a_SOURCES += src/codec.c src/codec.h

check_PROGRAMS += tests/unit/test_codec
tests_unit_test_codec_SOURCES = tests/unit/test_codec.c
tests_unit_test_codec_CPPFLAGS = $(AM_CPPFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_codec_LDADD = $(CORE_LIBS)
TESTS += tests/unit/test_codec

check_PROGRAMS += tests/unit/test_cache_search
tests_unit_test_cache_search_SOURCES = tests/unit/test_cache_search.c
tests_unit_test_cache_search_LDADD = $(CORE_LIBS)
TESTS += tests/unit/test_cache_search

check_PROGRAMS += tests/unit/test_arena
tests_unit_test_arena_SOURCES = tests/unit/test_arena.c
tests_unit_test_arena_LDADD = $(CORE_LIBS)
TESTS += tests/unit/test_arena

# The fuzzer compiles the codec and its helpers itself so that they carry
# libFuzzer's coverage instrumentation (libcore.a is built without it).
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_codec
tests_fuzz_fuzz_codec_SOURCES = tests/fuzz/fuzz_codec.c src/codec.c src/arena.c \
	src/model.c src/xmalloc.c src/err.c src/buf.c
tests_fuzz_fuzz_codec_CPPFLAGS = $(AM_CPPFLAGS) $(CJSON_CFLAGS)
tests_fuzz_fuzz_codec_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_codec_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer,address,undefined
tests_fuzz_fuzz_codec_LDADD = $(CJSON_LIBS) -lm
endif

# cache
libcore_a_SOURCES += src/cache.c src/cache.h src/cache_int.h \
	src/cache_query.c src/cache_log.c src/arena.c src/arena.h \
	src/cache_schema.c src/cache_outbox.c src/fts_query.c src/fts_query.h \
	src/rawz.c src/rawz.h src/rawz_dict.h

check_PROGRAMS += tests/unit/test_cache tests/unit/test_cache_outbox \
	tests/unit/test_fts_query tests/unit/test_rawz \
	tests/unit/test_codec_print
tests_unit_test_codec_print_SOURCES = tests/unit/test_codec_print.c
tests_unit_test_codec_print_CPPFLAGS = $(AM_CPPFLAGS) $(CJSON_CFLAGS)
tests_unit_test_codec_print_LDADD = $(CORE_LIBS)
tests_unit_test_rawz_SOURCES = tests/unit/test_rawz.c tests/unit/test_rawz_pinned.h
tests_unit_test_rawz_LDADD = $(CORE_LIBS)
tests_unit_test_cache_SOURCES = tests/unit/test_cache.c
tests_unit_test_cache_LDADD = $(CORE_LIBS)
tests_unit_test_cache_outbox_SOURCES = tests/unit/test_cache_outbox.c
tests_unit_test_cache_outbox_LDADD = $(CORE_LIBS)
tests_unit_test_fts_query_SOURCES = tests/unit/test_fts_query.c
tests_unit_test_fts_query_LDADD = $(CORE_LIBS)
TESTS += tests/unit/test_cache tests/unit/test_cache_outbox \
	tests/unit/test_fts_query tests/unit/test_rawz \
	tests/unit/test_codec_print

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_fts_query
tests_fuzz_fuzz_fts_query_SOURCES = tests/fuzz/fuzz_fts_query.c
tests_fuzz_fuzz_fts_query_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_fts_query_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_fts_query_LDADD = $(CORE_LIBS)
endif
