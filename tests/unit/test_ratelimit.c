/* test_ratelimit.c: X-RateLimit-* parsing and sliding-window pacing. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "ratelimit.h"
#include "../tap.h"

/* Largest number of send times in any window [t, t + len). */
static long
worst_window(const int64_t *t, long n, int64_t len)
{
	long worst = 0;

	for (long i = 0, j = 0; i < n; i++) {
		while (j < n && t[j] < t[i] + len)
			j++;
		if (j - i > worst)
			worst = j - i;
	}
	return worst;
}

/*
 * Send batches of `batch` as soon as the pacer allows for `total`
 * requests; returns the send times (caller frees) and the end time.
 */
static int64_t *
run(struct ratelimit *rl, long total, int batch, int64_t *end)
{
	int64_t *t = calloc((size_t)total, sizeof *t), now = 1000;
	long n = 0;

	while (n < total) {
		long d = ratelimit_delay_ms(rl, now, batch);

		if (d > 0) {
			now += d;
			continue;
		}
		ratelimit_record(rl, now, batch);
		for (int i = 0; i < batch && n < total; i++)
			t[n++] = now;
		now += 3;	/* a request takes a few ms */
	}
	*end = now;
	return t;
}

int
main(void)
{
	struct ratelimit_headers h;
	struct ratelimit *rl;
	int64_t *t, end;
	long max, interval, margin;

	/* Parsing. */
	is_int(ratelimit_parse_headers(
	    "HTTP/2 200\r\n"
	    "x-ratelimit-limit-daily: 200000\r\n"
	    "X-RateLimit-Daily-Remaining: 199990\r\n"
	    "X-RATELIMIT-INTERVAL-MILLISECONDS: 10000\r\n"
	    "X-RateLimit-Max:100\r\n"
	    "X-RateLimit-Remaining:  42  \r\n"
	    "Content-Type: application/json\r\n\r\n", &h), 5,
	    "all five headers found, any case");
	ok(h.limit_daily == 200000 && h.daily_remaining == 199990 &&
	    h.interval_ms == 10000 && h.max == 100 && h.remaining == 42,
	    "values parsed");
	is_int(ratelimit_parse_headers("X-RateLimit-Max: abc\r\n"
	    "X-RateLimit-Remaining: -5\r\n"
	    "X-RateLimit-Interval-Milliseconds: 99999999999999999999999\r\n"
	    "X-RateLimit-Limit-Daily: 1 2\r\n"
	    "X-RateLimit-Daily-Remaining:\r\n", &h), 0,
	    "garbage values ignored");
	ok(h.max == -1 && h.remaining == -1 && h.interval_ms == -1 &&
	    h.limit_daily == -1 && h.daily_remaining == -1, "all left at -1");
	is_int(ratelimit_parse_headers("X-RateLimit-Maximum: 5\r\n"
	    "X-RateLimit-Max-Foo: 6\r\nX-RateLimit-Max 7\r\n"
	    "X-RateLimit-Remaining: 3", &h), 1,
	    "near-miss names ignored; last line without CRLF read");
	ok(h.max == -1 && h.remaining == 3, "only Remaining taken");
	is_int(ratelimit_parse_headers(NULL, &h), 0, "NULL block");
	is_int(ratelimit_parse_headers("\n\n:\n: 5\n\r\n", &h), 0, "empty lines");
	is_int(ratelimit_parse_headers("X-RateLimit-Max : 20\n", &h), 1,
	    "blank before the colon tolerated");
	is_int(h.max, 20, "max 20");

	/* Defaults: 100 per 10 s. */
	rl = ratelimit_new();
	ratelimit_limits(rl, &max, &interval, &margin);
	ok(max == 100 && interval == 10000, "defaults 100 / 10000 ms");
	ok(margin > 0 && margin <= interval / 10, "small margin (%ld ms)", margin);
	is_int(ratelimit_delay_ms(rl, 0, 1), 0, "first request goes at once");
	t = run(rl, 1000, 1, &end);
	ok(worst_window(t, 1000, 10000 + margin) <= 100,
	    "100/10 s: never more than 100 in any window (+margin)");
	ok(end - 1000 >= 9 * 10000 && end - 1000 <= 9 * (10000 + margin) + 2000,
	    "100/10 s: 1000 requests take ~9 windows (%lld ms)",
	    (long long)(end - 1000));
	free(t);
	ratelimit_free(rl);

	/* Headers switch it to 20 per 2 s; bundles of 4. */
	rl = ratelimit_new();
	ratelimit_parse_headers("X-RateLimit-Max: 20\r\n"
	    "X-RateLimit-Interval-Milliseconds: 2000\r\n"
	    "X-RateLimit-Remaining: 19\r\n", &h);
	ratelimit_update(rl, 0, &h);
	ratelimit_limits(rl, &max, &interval, &margin);
	ok(max == 20 && interval == 2000, "limits adopted from headers");
	t = run(rl, 400, 1, &end);
	ok(worst_window(t, 400, 2000 + margin) <= 20,
	    "20/2 s: never more than 20 in any window");
	/* The first window holds only the 19 the headers said were left. */
	ok(end - 1000 <= 20 * (2000 + margin) + 500,
	    "20/2 s: throughput close to the limit (%lld ms for 400)",
	    (long long)(end - 1000));
	free(t);
	ratelimit_free(rl);
	rl = ratelimit_new();
	ratelimit_update(rl, 0, &h);
	t = run(rl, 400, 4, &end);
	ok(worst_window(t, 400, 2000 + margin) <= 20,
	    "20/2 s in bundles of 4: never more than 20 in any window");
	free(t);

	/* Remaining 0: hold a full interval. */
	ratelimit_parse_headers("X-RateLimit-Remaining: 0\r\n", &h);
	ratelimit_update(rl, 500000, &h);
	is_int(ratelimit_delay_ms(rl, 500000, 1), 2000,
	    "Remaining 0 holds a full interval");
	is_int(ratelimit_delay_ms(rl, 501500, 1), 500, "hold counts down");
	is_int(ratelimit_delay_ms(rl, 502000, 1), 0, "then requests go");
	ratelimit_hold_until(rl, 510000);
	is_int(ratelimit_delay_ms(rl, 505000, 1), 5000, "explicit hold (429)");
	ratelimit_hold_until(rl, 506000);
	is_int(ratelimit_delay_ms(rl, 505000, 1), 5000, "a hold is never shortened");

	/* Daily quota. */
	ratelimit_parse_headers("X-RateLimit-Daily-Remaining: 2\r\n", &h);
	ratelimit_update(rl, 600000, &h);
	is_int(ratelimit_delay_ms(rl, 600000, 1), 0, "daily quota left");
	ratelimit_record(rl, 600000, 2);
	is_int(ratelimit_delay_ms(rl, 600001, 1), RATELIMIT_DAILY_EXHAUSTED,
	    "own sends count down the daily quota");
	is_int(ratelimit_delay_ms(rl, 600000 + RATELIMIT_DAILY_PROBE_MS - 1, 1),
	    RATELIMIT_DAILY_EXHAUSTED, "no request for a minute");
	is_int(ratelimit_delay_ms(rl, 600000 + RATELIMIT_DAILY_PROBE_MS, 1), 0,
	    "then one probe is let through");
	ratelimit_record(rl, 600000 + RATELIMIT_DAILY_PROBE_MS, 1);
	is_int(ratelimit_delay_ms(rl, 600000 + RATELIMIT_DAILY_PROBE_MS + 1, 1),
	    RATELIMIT_DAILY_EXHAUSTED, "only one");
	ratelimit_parse_headers("X-RateLimit-Daily-Remaining: 0\r\n", &h);
	ratelimit_update(rl, 700000, &h);
	is_int(ratelimit_delay_ms(rl, 700001, 1), RATELIMIT_DAILY_EXHAUSTED,
	    "Daily-Remaining 0 stops requests");
	ratelimit_parse_headers("X-RateLimit-Daily-Remaining: 5000\r\n", &h);
	ratelimit_update(rl, 800000, &h);
	is_int(ratelimit_delay_ms(rl, 800000, 1), 0, "a new day's quota");
	ratelimit_last(rl, &h);
	ok(h.daily_remaining == 5000 && h.max == 20, "last headers kept");
	ratelimit_free(rl);

	/* Absurd values are clamped, not trusted. */
	rl = ratelimit_new();
	ratelimit_parse_headers("X-RateLimit-Max: 2147483647\r\n"
	    "X-RateLimit-Interval-Milliseconds: 0\r\n", &h);
	ratelimit_update(rl, 0, &h);
	ratelimit_limits(rl, &max, &interval, NULL);
	ok(max == RATELIMIT_MAX_CAP && interval == 10000,
	    "huge Max capped, zero interval ignored");
	ratelimit_parse_headers("X-RateLimit-Max: 3\r\n", &h);
	ratelimit_update(rl, 0, &h);
	ratelimit_record(rl, 0, 3);
	ok(ratelimit_delay_ms(rl, 1, 1) > 9000, "Max 3 reached: the 4th waits a window");
	ok(ratelimit_delay_ms(rl, 1, 50) > 9000, "n above Max is clamped");
	ratelimit_free(rl);
	return tap_done();
}
