/*
 * ratelimit.h: client-side pacing for the HighLevel burst and daily limits
 * (CONTRACT §1.4).  Pure logic with the clock passed in, so it is unit
 * testable: the caller asks how long to wait before sending n requests,
 * records what it sent, and feeds back the X-RateLimit-* headers of every
 * response.  Not thread-safe: one owner (the API client) at a time.
 */
#ifndef GHL_RATELIMIT_H
#define GHL_RATELIMIT_H

#include <stdint.h>

#define RATELIMIT_DEFAULT_MAX		100
#define RATELIMIT_DEFAULT_INTERVAL_MS	10000
/* Largest X-RateLimit-Max honoured (memory for the window is per slot). */
#define RATELIMIT_MAX_CAP		100000
/* Returned by ratelimit_delay_ms when the daily quota is spent. */
#define RATELIMIT_DAILY_EXHAUSTED	(-1L)
/* With the daily quota spent, one probe request is let through this often
 * (the quota resets on the server's schedule, which no header tells). */
#define RATELIMIT_DAILY_PROBE_MS	60000L

/* The five headers; each is -1 when absent or not a valid number. */
struct ratelimit_headers {
	long	 limit_daily;		/* X-RateLimit-Limit-Daily */
	long	 daily_remaining;	/* X-RateLimit-Daily-Remaining */
	long	 interval_ms;		/* X-RateLimit-Interval-Milliseconds */
	long	 max;			/* X-RateLimit-Max */
	long	 remaining;		/* X-RateLimit-Remaining */
};

struct ratelimit;

/* Set every field to -1. */
void	 ratelimit_headers_init(struct ratelimit_headers *);
/*
 * Parse a raw header block ("Name: value\r\n" lines; status lines and
 * garbage are skipped) into h, matching names case-insensitively.  A value
 * must be a decimal integer (surrounding blanks allowed) that fits a long;
 * anything else leaves the field at -1.  Returns how many of the five were
 * found.  block may be NULL.  Reentrant.
 */
int	 ratelimit_parse_headers(const char *block, struct ratelimit_headers *h);

/* New pacer with the defaults (100 per 10 s) until headers are seen. */
struct ratelimit *ratelimit_new(void);
void	 ratelimit_free(struct ratelimit *);
/*
 * Milliseconds to wait at now_ms before n requests may be sent so that no
 * window of the server's interval (plus a safety margin) holds more than
 * max of them; 0 when they can go now; RATELIMIT_DAILY_EXHAUSTED when the
 * daily quota is spent (by the last headers, or by our own count since)
 * and no probe is due.  n is clamped to [1, max].
 */
long	 ratelimit_delay_ms(const struct ratelimit *, int64_t now_ms, int n);
/* Note that n requests were sent at now_ms. */
void	 ratelimit_record(struct ratelimit *, int64_t now_ms, int n);
/*
 * Feed back one response's headers, received at now_ms: adopts Max and
 * Interval (when sane); when Remaining is 0 holds every request until the
 * server's window ends: an interval (plus the margin) after the response
 * where Remaining last went up (a new window), else a full interval.
 */
void	 ratelimit_update(struct ratelimit *, int64_t now_ms,
	    const struct ratelimit_headers *);
/* Hold every request until until_ms (after a 429 with Retry-After). */
void	 ratelimit_hold_until(struct ratelimit *, int64_t until_ms);
/* The effective limits: max requests per interval_ms, and the margin. */
void	 ratelimit_limits(const struct ratelimit *, long *max,
	    long *interval_ms, long *margin_ms);
/* The last headers seen (all -1 before the first response). */
void	 ratelimit_last(const struct ratelimit *, struct ratelimit_headers *);

#endif
