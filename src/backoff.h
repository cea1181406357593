/*
 * backoff.h: retry delays.  Exponential backoff with full jitter (a
 * uniformly random delay in [0, min(cap, base * 2^attempt)]) drawn from a
 * small seedable generator so tests are reproducible, and the parser for
 * the Retry-After header (delta-seconds or an HTTP-date).
 */
#ifndef GHL_BACKOFF_H
#define GHL_BACKOFF_H

#include <stdint.h>
#include <time.h>

/* Retry-After is clamped to this (CONTRACT §1.4 leaves it open). */
#define BACKOFF_RETRY_AFTER_MAX_MS 60000L

struct backoff_rng {
	uint64_t state;
};

/* Seed the generator; the same seed gives the same sequence.  Any seed. */
void	 backoff_rng_seed(struct backoff_rng *, uint64_t seed);
/* Next 64 random bits (splitmix64).  Not thread-safe per rng. */
uint64_t backoff_rng_next(struct backoff_rng *);
/* Uniform integer in [0, n] (inclusive), without modulo bias. */
uint64_t backoff_rng_upto(struct backoff_rng *, uint64_t n);

/*
 * Delay before retry number attempt (0 for the first retry): uniform in
 * [0, min(cap_ms, base_ms * 2^attempt)].  Negative base/cap count as 0;
 * never overflows.  Pure apart from advancing rng.
 */
long	 backoff_delay_ms(int attempt, long base_ms, long cap_ms,
	    struct backoff_rng *rng);

/*
 * Parse a Retry-After value: delta-seconds ("120") or an HTTP-date
 * (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850 or asctime form),
 * relative to now (unix seconds).  Returns the delay in ms clamped to
 * [0, BACKOFF_RETRY_AFTER_MAX_MS], or -1 when value is NULL or unparseable.
 */
long	 backoff_retry_after_ms(const char *value, time_t now);

#endif
