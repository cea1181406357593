/*
 * bench_write.c: a user write committed locally, timed inside one process
 * (no exec, no start-up): cache_task_set_completed (the optimistic change
 * and its outbox entry, one transaction) on each CONTACT TASK pair read
 * from stdin.  Prints one line per write: microseconds.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "err.h"

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int
main(int argc, char **argv)
{
	struct cache *c = NULL;
	struct err e;
	char cid[128], tid[128];
	long long t0, entry;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_write CACHE.db < pairs\n");
		return 2;
	}
	err_clear(&e);
	if (cache_open(&c, argv[1], &e) != 0) {
		fprintf(stderr, "bench_write: %s\n", e.msg);
		return 1;
	}
	while (scanf("%127s %127s", cid, tid) == 2) {
		t0 = now_us();
		rc = cache_task_set_completed(c, cid, tid, 1, &entry, &e);
		if (rc) {
			fprintf(stderr, "bench_write: %s\n", e.msg);
			cache_close(c);
			return 1;
		}
		printf("%lld\n", now_us() - t0);
	}
	cache_close(c);
	return 0;
}
