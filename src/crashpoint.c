/*
 * crashpoint.c: test-only crash injection (see crashpoint.h).  The process
 * dies exactly as a `kill -9` would: no atexit, no flushing, no cleanup.
 */
#include "config.h"
#include "crashpoint.h"

#ifdef GHL_TEST_HOOKS
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
crashpoint(const char *name)
{
	static long hits;
	const char *at = getenv("GHLTERM_CRASH_AT");
	size_t n;
	long want = 1;
	char *end;

	if (at == NULL || *at == '\0')
		return;
	n = strcspn(at, ":");
	if (strlen(name) != n || strncmp(at, name, n) != 0)
		return;
	if (at[n] == ':') {
		want = strtol(at + n + 1, &end, 10);
		if (*end != '\0' || want < 1)
			want = 1;
	}
	if (++hits < want)
		return;
	kill(getpid(), SIGKILL);
	_exit(137);
}
#endif
