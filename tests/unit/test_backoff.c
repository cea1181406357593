/* test_backoff.c: full-jitter schedule bounds and distribution, Retry-After. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "backoff.h"
#include "../tap.h"

int
main(void)
{
	struct backoff_rng r, r2;
	long v, lo, hi;
	int bad = 0;

	backoff_rng_seed(&r, 42);
	/* Bounds: every delay in [0, min(cap, base * 2^k)]. */
	for (int k = 0; k < 12; k++) {
		long ceil = 500L << k;

		if (ceil > 30000)
			ceil = 30000;
		lo = 1L << 30;
		hi = -1;
		for (int i = 0; i < 2000; i++) {
			v = backoff_delay_ms(k, 500, 30000, &r);
			if (v < 0 || v > ceil)
				bad++;
			if (v < lo)
				lo = v;
			if (v > hi)
				hi = v;
		}
		ok(lo <= ceil / 20 + 1 && hi >= ceil - ceil / 20,
		    "attempt %d spans [0, %ld] (saw %ld..%ld)", k, ceil, lo, hi);
	}
	is_int(bad, 0, "no delay outside [0, min(cap, base*2^k)]");
	v = backoff_delay_ms(1000, 500, 30000, &r);
	ok(v >= 0 && v <= 30000, "huge attempt number capped, no overflow");
	v = backoff_delay_ms(62, 1L << 40, 1L << 50, &r);
	ok(v >= 0 && v <= (1L << 50), "huge base capped, no overflow");
	is_int(backoff_delay_ms(3, 0, 1000, &r), 0, "zero base gives zero");
	is_int(backoff_delay_ms(3, 500, 0, &r), 0, "zero cap gives zero");

	/* Distribution: uniform over [0, 4000] for attempt 3. */
	{
		int buckets[10] = { 0 }, n = 20000, even = 1;
		double sum = 0, mean;

		for (int i = 0; i < n; i++) {
			v = backoff_delay_ms(3, 500, 30000, &r);
			sum += (double)v;
			buckets[v * 10 / 4001]++;
		}
		mean = sum / n;
		ok(fabs(mean - 2000) < 60, "full jitter mean ~ ceil/2 (%.0f)", mean);
		for (int i = 0; i < 10; i++)
			if (buckets[i] < n / 10 * 85 / 100 ||
			    buckets[i] > n / 10 * 115 / 100)
				even = 0;
		ok(even, "deciles within 15%% of uniform");
	}

	/* Seeded: reproducible. */
	backoff_rng_seed(&r, 7);
	backoff_rng_seed(&r2, 7);
	bad = 0;
	for (int i = 0; i < 100; i++)
		if (backoff_delay_ms(i % 8, 100, 10000, &r) !=
		    backoff_delay_ms(i % 8, 100, 10000, &r2))
			bad++;
	is_int(bad, 0, "same seed, same schedule");
	backoff_rng_seed(&r2, 8);
	bad = 0;
	for (int i = 0; i < 100; i++)
		if (backoff_delay_ms(5, 100, 10000, &r) ==
		    backoff_delay_ms(5, 100, 10000, &r2))
			bad++;
	ok(bad < 10, "different seed, different schedule");
	backoff_rng_seed(&r, 1);
	bad = 0;
	for (int i = 0; i < 1000; i++)
		if (backoff_rng_upto(&r, 0) != 0)
			bad++;
	is_int(bad, 0, "upto(0) is always 0");

	/* Retry-After. */
	{
		time_t now = 784111777;	/* Sun, 06 Nov 1994 08:49:37 GMT */

		is_int(backoff_retry_after_ms("5", now), 5000, "delta seconds");
		is_int(backoff_retry_after_ms(" 7 \r\n", now), 7000, "blanks trimmed");
		is_int(backoff_retry_after_ms("0", now), 0, "zero");
		is_int(backoff_retry_after_ms("120", now), 60000, "clamped to 60 s");
		is_int(backoff_retry_after_ms("99999999999999999999", now), 60000,
		    "huge clamped, no overflow");
		is_int(backoff_retry_after_ms("-1", now), -1, "negative rejected");
		is_int(backoff_retry_after_ms("5s", now), -1, "trailing junk rejected");
		is_int(backoff_retry_after_ms("", now), -1, "empty rejected");
		is_int(backoff_retry_after_ms(NULL, now), -1, "absent");
		is_int(backoff_retry_after_ms("Sun, 06 Nov 1994 08:49:47 GMT", now),
		    10000, "IMF-fixdate 10 s ahead");
		is_int(backoff_retry_after_ms("Sunday, 06-Nov-94 08:49:49 GMT", now),
		    12000, "RFC 850 date");
		is_int(backoff_retry_after_ms("Sun Nov  6 08:49:52 1994", now),
		    15000, "asctime date");
		is_int(backoff_retry_after_ms("Sun, 06 Nov 1994 08:40:00 GMT", now),
		    0, "date in the past is 0");
		is_int(backoff_retry_after_ms("Sun, 06 Nov 1994 09:49:37 GMT", now),
		    60000, "far date clamped");
		is_int(backoff_retry_after_ms("Sun, 06 Foo 1994 08:49:47 GMT", now),
		    -1, "bad month rejected");
		is_int(backoff_retry_after_ms("Sun, 06 Nov 1994 08:49", now), -1,
		    "truncated date rejected");
	}
	return tap_done();
}
