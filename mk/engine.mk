# mk/engine.mk: the sync engine, the worker thread and crash points (lead).
libcore_a_SOURCES += src/sync.c src/sync.h src/worker.c src/worker.h \
	src/crashpoint.c src/crashpoint.h src/conf.h

# Crash consistency: named crash points and random kill -9 (issue 5).
TESTS += tests/crash/crash.sh
EXTRA_DIST += tests/crash/crash.sh tests/crash/state.py

# Rate pacing end to end (issue 3): deep sync at 20 requests / 2 s.
TESTS += tests/engine/ratelimit.sh
EXTRA_DIST += tests/engine/ratelimit.sh
