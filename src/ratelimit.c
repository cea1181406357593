/*
 * ratelimit.c: a sliding window of the client's own send times.  Before
 * sending n requests, the (count + n - max)-th oldest send inside the
 * window must have left it.  The window is the server's interval plus a
 * margin so that latency jitter can never put max + 1 requests into one
 * of the server's fixed windows.
 */
#include "config.h"
#include "ratelimit.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xmalloc.h"

/* Responses in flight together may report Remaining out of order. */
#define RATELIMIT_REORDER	8

struct ratelimit {
	int64_t	*ring;		/* send times, oldest at head */
	long	 cap;		/* slots in ring (== max) */
	long	 head, count;
	long	 max, interval_ms;
	int64_t	 hold_until;	/* no request before this */
	long	 last_remaining; /* Remaining of the last response; -1 none */
	long	 since;		/* our sends since that response */
	int64_t	 last_at;	/* when it came */
	int64_t	 win_start;	/* server window began at or before this */
	long	 daily_remaining; /* -1 unknown; decremented on send */
	int64_t	 daily_zero_at;	/* when it reached 0 */
	struct ratelimit_headers last;
};

void
ratelimit_headers_init(struct ratelimit_headers *h)
{
	h->limit_daily = h->daily_remaining = h->interval_ms = -1;
	h->max = h->remaining = -1;
}

static long
parse_long(const char *p, const char *end)
{
	long v = 0;
	int digits = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		end--;
	for (; p < end; p++) {
		if (!isdigit((unsigned char)*p))
			return -1;
		if (v > (LONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p - '0');
		digits++;
	}
	return digits > 0 ? v : -1;
}

int
ratelimit_parse_headers(const char *block, struct ratelimit_headers *h)
{
	static const struct {
		const char *name;
		size_t off;
	} names[] = {
		{ "x-ratelimit-limit-daily",
		    offsetof(struct ratelimit_headers, limit_daily) },
		{ "x-ratelimit-daily-remaining",
		    offsetof(struct ratelimit_headers, daily_remaining) },
		{ "x-ratelimit-interval-milliseconds",
		    offsetof(struct ratelimit_headers, interval_ms) },
		{ "x-ratelimit-max",
		    offsetof(struct ratelimit_headers, max) },
		{ "x-ratelimit-remaining",
		    offsetof(struct ratelimit_headers, remaining) },
	};
	unsigned seen = 0;
	int found = 0;

	ratelimit_headers_init(h);
	if (block == NULL)
		return 0;
	while (*block != '\0') {
		const char *eol = strchr(block, '\n');
		const char *colon, *next;

		if (eol == NULL)
			eol = block + strlen(block);
		next = *eol != '\0' ? eol + 1 : eol;
		colon = memchr(block, ':', (size_t)(eol - block));
		if (colon != NULL) {
			const char *ne = colon;
			size_t nlen;

			while (ne > block && (ne[-1] == ' ' || ne[-1] == '\t'))
				ne--;
			nlen = (size_t)(ne - block);
			for (size_t i = 0; i < nitems(names); i++) {
				long v;

				if (strlen(names[i].name) != nlen ||
				    strncasecmp(block, names[i].name, nlen) != 0)
					continue;
				v = parse_long(colon + 1, eol);
				if (v < 0)
					break;
				*(long *)((char *)h + names[i].off) = v;
				if (!(seen & (1u << i))) {
					seen |= 1u << i;
					found++;
				}
				break;
			}
		}
		block = next;
	}
	return found;
}

struct ratelimit *
ratelimit_new(void)
{
	struct ratelimit *r = xcalloc(1, sizeof *r);

	r->max = RATELIMIT_DEFAULT_MAX;
	r->interval_ms = RATELIMIT_DEFAULT_INTERVAL_MS;
	r->cap = r->max;
	r->ring = xcalloc((size_t)r->cap, sizeof *r->ring);
	r->daily_remaining = -1;
	r->last_remaining = -1;
	ratelimit_headers_init(&r->last);
	return r;
}

void
ratelimit_free(struct ratelimit *r)
{
	if (r == NULL)
		return;
	free(r->ring);
	free(r);
}

static long
margin_ms(const struct ratelimit *r)
{
	/*
	 * Covers latency jitter between our clock and the server's window:
	 * 50 ms at 1 s, 140 ms at 10 s (was 100 + 2%, which alone held the
	 * client to 89% of a 100/1000 ms budget).
	 */
	return 40 + r->interval_ms / 100;
}

static int64_t
at(const struct ratelimit *r, long i)
{
	return r->ring[(r->head + i) % r->cap];
}

long
ratelimit_delay_ms(const struct ratelimit *r, int64_t now_ms, int n)
{
	int64_t window = r->interval_ms + margin_ms(r), wait = 0;
	long live = 0, first_live;

	if (r->daily_remaining == 0 &&
	    now_ms - r->daily_zero_at < RATELIMIT_DAILY_PROBE_MS)
		return RATELIMIT_DAILY_EXHAUSTED;
	if (n < 1)
		n = 1;
	if (n > r->max)
		n = (int)r->max;
	if (r->hold_until > now_ms)
		wait = r->hold_until - now_ms;
	/* Sends still inside the window ending now. */
	first_live = r->count;
	for (long i = 0; i < r->count; i++) {
		if (at(r, i) + window > now_ms) {
			first_live = i;
			break;
		}
	}
	live = r->count - first_live;
	/*
	 * Another client on the same budget: when the last Remaining, less
	 * our sends since, cannot cover n, wait for the server's window to
	 * end (see ratelimit_update) instead of collecting 429s.
	 */
	if (r->last_remaining >= 0 && r->last_remaining - r->since < n) {
		int64_t end = r->last_at + r->interval_ms;

		if (r->win_start > r->last_at - r->interval_ms &&
		    r->win_start <= r->last_at)
			end = r->win_start + r->interval_ms + margin_ms(r);
		if (end - now_ms > wait)
			wait = end - now_ms;
	}
	if (live + n > r->max) {
		/* The k-th oldest live send must leave the window first. */
		long k = live + n - r->max;	/* 1-based */
		int64_t t = at(r, first_live + k - 1) + window - now_ms;

		if (t > wait)
			wait = t;
	}
	return wait > LONG_MAX ? LONG_MAX : (long)wait;
}

static void
push(struct ratelimit *r, int64_t t)
{
	if (r->count == r->cap) {
		r->head = (r->head + 1) % r->cap;
		r->count--;
	}
	r->ring[(r->head + r->count) % r->cap] = t;
	r->count++;
}

void
ratelimit_record(struct ratelimit *r, int64_t now_ms, int n)
{
	r->since += n;
	for (int i = 0; i < n; i++) {
		push(r, now_ms);
		/* A send at 0 is a probe: the next one waits a while. */
		if (r->daily_remaining == 0 ||
		    (r->daily_remaining > 0 && --r->daily_remaining == 0))
			r->daily_zero_at = now_ms;
	}
}

/* Resize the ring to new_cap slots, keeping the newest sends. */
static void
resize(struct ratelimit *r, long new_cap)
{
	int64_t *ring = xcalloc((size_t)new_cap, sizeof *ring);
	long keep = r->count < new_cap ? r->count : new_cap;

	for (long i = 0; i < keep; i++)
		ring[i] = at(r, r->count - keep + i);
	free(r->ring);
	r->ring = ring;
	r->cap = new_cap;
	r->head = 0;
	r->count = keep;
}

void
ratelimit_update(struct ratelimit *r, int64_t now_ms,
    const struct ratelimit_headers *h)
{
	if (h->interval_ms > 0 && h->interval_ms <= 24L * 3600 * 1000)
		r->interval_ms = h->interval_ms;
	if (h->max > 0) {
		long m = h->max > RATELIMIT_MAX_CAP ? RATELIMIT_MAX_CAP : h->max;

		if (m != r->max) {
			resize(r, m);
			r->max = m;
		}
	}
	/*
	 * Remaining going up (by more than parallel responses arriving out
	 * of order can explain) means the server opened a new window, no
	 * later than this response's request arrived, so no later than now.
	 * When
	 * the window is spent, waiting until that start plus an interval is
	 * enough; a full interval from now (when the start is not known)
	 * wasted up to a window of budget on every window.
	 */
	if (h->remaining >= 0) {
		if (r->last_remaining < 0 ||
		    h->remaining > r->last_remaining + RATELIMIT_REORDER)
			r->win_start = now_ms;
		r->last_remaining = h->remaining;
		r->since = 0;
		r->last_at = now_ms;
	}
	if (h->remaining == 0) {
		if (r->win_start > now_ms - r->interval_ms &&
		    r->win_start <= now_ms)
			ratelimit_hold_until(r, r->win_start + r->interval_ms +
			    margin_ms(r));
		else
			ratelimit_hold_until(r, now_ms + r->interval_ms);
	}
	if (h->daily_remaining >= 0) {
		if (h->daily_remaining == 0 && r->daily_remaining != 0)
			r->daily_zero_at = now_ms;
		r->daily_remaining = h->daily_remaining;
	}
	if (h->limit_daily >= 0)
		r->last.limit_daily = h->limit_daily;
	if (h->daily_remaining >= 0)
		r->last.daily_remaining = h->daily_remaining;
	if (h->interval_ms >= 0)
		r->last.interval_ms = h->interval_ms;
	if (h->max >= 0)
		r->last.max = h->max;
	if (h->remaining >= 0)
		r->last.remaining = h->remaining;
}

void
ratelimit_hold_until(struct ratelimit *r, int64_t until_ms)
{
	if (until_ms > r->hold_until)
		r->hold_until = until_ms;
}

void
ratelimit_limits(const struct ratelimit *r, long *max, long *interval_ms,
    long *margin)
{
	if (max != NULL)
		*max = r->max;
	if (interval_ms != NULL)
		*interval_ms = r->interval_ms;
	if (margin != NULL)
		*margin = margin_ms(r);
}

void
ratelimit_last(const struct ratelimit *r, struct ratelimit_headers *h)
{
	*h = r->last;
}
