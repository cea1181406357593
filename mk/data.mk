# mk/data.mk: see Makefile.am; this fragment's owner lists its files here.

# codec
libcore_a_SOURCES += src/codec.c src/codec.h

check_PROGRAMS += tests/unit/test_codec
tests_unit_test_codec_SOURCES = tests/unit/test_codec.c
tests_unit_test_codec_CPPFLAGS = $(AM_CPPFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_codec_LDADD = $(CORE_LIBS)
TESTS += tests/unit/test_codec

if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_codec
tests_fuzz_fuzz_codec_SOURCES = tests/fuzz/fuzz_codec.c
tests_fuzz_fuzz_codec_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_codec_LDFLAGS = $(AM_LDFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_codec_LDADD = $(CORE_LIBS)
endif
