/*
 * backoff.c: full-jitter exponential backoff ("Exponential Backoff And
 * Jitter", AWS architecture blog) and Retry-After parsing.
 */
#include "config.h"
#include "backoff.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <time.h>

void
backoff_rng_seed(struct backoff_rng *r, uint64_t seed)
{
	r->state = seed;
}

uint64_t
backoff_rng_next(struct backoff_rng *r)
{
	uint64_t z;

	r->state += 0x9E3779B97F4A7C15ULL;
	z = r->state;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

uint64_t
backoff_rng_upto(struct backoff_rng *r, uint64_t n)
{
	uint64_t span, limit, x;

	if (n == UINT64_MAX)
		return backoff_rng_next(r);
	span = n + 1;
	/* Reject the top partial bucket so every value is equally likely. */
	limit = UINT64_MAX - (UINT64_MAX % span + 1) % span;
	do
		x = backoff_rng_next(r);
	while (x > limit);
	return x % span;
}

long
backoff_delay_ms(int attempt, long base_ms, long cap_ms,
    struct backoff_rng *rng)
{
	long ceil;

	if (base_ms < 0)
		base_ms = 0;
	if (cap_ms < 0)
		cap_ms = 0;
	if (attempt < 0)
		attempt = 0;
	ceil = base_ms;
	for (int i = 0; i < attempt && ceil < cap_ms; i++) {
		if (ceil > LONG_MAX / 2) {
			ceil = cap_ms;
			break;
		}
		ceil *= 2;
	}
	if (ceil > cap_ms)
		ceil = cap_ms;
	return (long)backoff_rng_upto(rng, (uint64_t)ceil);
}

static long
clamp_ms(long long ms)
{
	if (ms < 0)
		return 0;
	if (ms > BACKOFF_RETRY_AFTER_MAX_MS)
		return BACKOFF_RETRY_AFTER_MAX_MS;
	return (long)ms;
}

static int
month_index(const char *s)
{
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

	for (int i = 0; i < 12; i++)
		if (strncmp(s, months[i], 3) == 0)
			return i;
	return -1;
}

/* Parse an unsigned decimal of 1..maxd digits; advance *p. */
static int
num(const char **p, int maxd, int *out)
{
	int v = 0, d = 0;

	while (d < maxd && isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		(*p)++;
		d++;
	}
	if (d == 0)
		return -1;
	*out = v;
	return 0;
}

static int
hms(const char **p, struct tm *tm)
{
	if (num(p, 2, &tm->tm_hour) || *(*p)++ != ':' ||
	    num(p, 2, &tm->tm_min) || *(*p)++ != ':' ||
	    num(p, 2, &tm->tm_sec))
		return -1;
	return 0;
}

/* The three HTTP-date forms of RFC 9110 §5.6.7; returns -1 or unix time. */
static long long
http_date(const char *s)
{
	struct tm tm;
	const char *p;
	int year;

	memset(&tm, 0, sizeof tm);
	p = strchr(s, ',');
	if (p != NULL) {
		/* "Sun, 06 Nov 1994 08:49:37 GMT" or "Sunday, 06-Nov-94 ..." */
		p++;
		while (*p == ' ')
			p++;
		if (num(&p, 2, &tm.tm_mday))
			return -1;
		if (*p != ' ' && *p != '-')
			return -1;
		p++;
		tm.tm_mon = month_index(p);
		if (tm.tm_mon < 0)
			return -1;
		p += 3;
		if (*p != ' ' && *p != '-')
			return -1;
		p++;
		if (num(&p, 4, &year))
			return -1;
		if (year < 100)
			year += year < 70 ? 2000 : 1900;
		if (*p++ != ' ' || hms(&p, &tm))
			return -1;
		while (*p == ' ')
			p++;
		if (strncmp(p, "GMT", 3) != 0 && strncmp(p, "UTC", 3) != 0)
			return -1;
	} else {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		p = s;
		while (isalpha((unsigned char)*p))
			p++;
		if (p - s != 3 || *p++ != ' ')
			return -1;
		tm.tm_mon = month_index(p);
		if (tm.tm_mon < 0)
			return -1;
		p += 3;
		while (*p == ' ')
			p++;
		if (num(&p, 2, &tm.tm_mday) || *p++ != ' ' || hms(&p, &tm))
			return -1;
		if (*p++ != ' ' || num(&p, 4, &year))
			return -1;
	}
	if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year = year - 1900;
	return (long long)timegm(&tm);
}

long
backoff_retry_after_ms(const char *value, time_t now)
{
	const char *p;
	long long secs = 0, t;

	if (value == NULL)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	if (isdigit((unsigned char)*value)) {
		for (p = value; isdigit((unsigned char)*p); p++) {
			if (secs < 1000000000LL)
				secs = secs * 10 + (*p - '0');
		}
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p != '\0')
			return -1;
		return clamp_ms(secs * 1000);
	}
	t = http_date(value);
	if (t < 0)
		return -1;
	return clamp_ms((t - (long long)now) * 1000);
}
