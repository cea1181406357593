# mk/bench.mk: see Makefile.am; this fragment's owner lists its files here.
