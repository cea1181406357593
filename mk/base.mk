# mk/base.mk: the smallest shared pieces of the core library.
libcore_a_SOURCES += src/xmalloc.c src/xmalloc.h src/err.c src/err.h \
	src/buf.c src/buf.h src/model.c src/model.h

check_PROGRAMS += tests/unit/test_buf
tests_unit_test_buf_SOURCES = tests/unit/test_buf.c
tests_unit_test_buf_LDADD = $(CORE_LIBS)
TESTS += tests/unit/test_buf

man_MANS += man/ghlterm.1 man/ghlterm-sandbox.1 man/ghlterm.conf.5
EXTRA_DIST += man/ghlterm.1.in man/ghlterm-sandbox.1.in man/ghlterm.conf.5.in
EXTRA_DIST += tests/data .ci/deps
