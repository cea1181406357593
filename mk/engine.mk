# mk/engine.mk: the sync engine, the worker thread and crash points (lead).
libcore_a_SOURCES += src/sync.c src/sync.h src/worker.c src/worker.h \
	src/crashpoint.c src/crashpoint.h src/conf.h
