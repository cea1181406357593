/*
 * sb_util.c: PRNG, reversible ids, time and text helpers of the sandbox.
 * Ids are a keyed 64-bit Feistel permutation of the object number written
 * in base 62, behind nine check characters derived from the same key.
 */
#include "config.h"
#include "sb_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
#include <wctype.h>

#include "buf.h"
#include "xmalloc.h"

static const char b62[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

uint64_t
sb_util_rand(uint64_t *state)
{
	uint64_t z;

	z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t
sb_util_mix(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t s;

	s = a * 0x9e3779b97f4a7c15ULL;
	(void)sb_util_rand(&s);
	s ^= b * 0xc2b2ae3d27d4eb4fULL;
	(void)sb_util_rand(&s);
	s ^= c * 0x165667b19e3779f9ULL;
	return sb_util_rand(&s);
}

uint64_t
sb_util_below(uint64_t *state, uint64_t n)
{
	return sb_util_rand(state) % n;
}

double
sb_util_unit(uint64_t *state)
{
	return (double)(sb_util_rand(state) >> 11) / 9007199254740992.0;
}

static uint32_t
feistel_f(uint32_t r, uint64_t key)
{
	return (uint32_t)sb_util_mix(r, key, 0x5eed);
}

static uint64_t
permute(uint64_t seed, unsigned ns, uint64_t n, int inverse)
{
	uint32_t l = (uint32_t)(n >> 32), r = (uint32_t)n, t;
	int i;

	if (!inverse) {
		for (i = 0; i < 4; i++) {
			t = r;
			r = l ^ feistel_f(r, sb_util_mix(seed, ns, (uint64_t)i));
			l = t;
		}
	} else {
		for (i = 3; i >= 0; i--) {
			t = l;
			l = r ^ feistel_f(l, sb_util_mix(seed, ns, (uint64_t)i));
			r = t;
		}
	}
	return ((uint64_t)l << 32) | r;
}

void
sb_util_id(uint64_t seed, unsigned ns, uint64_t n, char *out)
{
	uint64_t x, h;
	int i;

	x = permute(seed, ns, n, 0);
	h = sb_util_mix(seed ^ 0xabcdefULL, ns, x);
	for (i = 0; i < 9; i++) {
		out[i] = b62[h % 62];
		h /= 62;
	}
	for (i = SB_ID_LEN - 1; i >= 9; i--) {
		out[i] = b62[x % 62];
		x /= 62;
	}
	out[SB_ID_LEN] = '\0';
}

int
sb_util_id_decode(uint64_t seed, unsigned ns, const char *id, uint64_t *n)
{
	char check[SB_ID_LEN + 1];
	const char *p;
	uint64_t x = 0, v;
	int i;

	if (strlen(id) != SB_ID_LEN)
		return -1;
	for (i = 9; i < SB_ID_LEN; i++) {
		p = strchr(b62, id[i]);
		if (p == NULL || *p == '\0')
			return -1;
		v = (uint64_t)(p - b62);
		if (x > (UINT64_MAX - v) / 62)
			return -1;
		x = x * 62 + v;
	}
	*n = permute(seed, ns, x, 1);
	sb_util_id(seed, ns, *n, check);
	return strcmp(check, id) == 0 ? 0 : -1;
}

void
sb_util_rand_id(uint64_t *state, char *out)
{
	int i;

	for (i = 0; i < SB_ID_LEN; i++)
		out[i] = b62[sb_util_below(state, 62)];
	out[SB_ID_LEN] = '\0';
}

int64_t
sb_util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
sb_util_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
split(int64_t ms, struct tm *tm, int *milli)
{
	time_t t;

	t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
	*milli = (int)(ms - (int64_t)t * 1000);
	gmtime_r(&t, tm);
}

void
sb_util_iso(int64_t ms, char *out, size_t len)
{
	struct tm tm;
	int milli;

	split(ms, &tm, &milli);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, milli);
}

void
sb_util_plain(int64_t ms, char *out, size_t len)
{
	struct tm tm;
	int milli;

	split(ms, &tm, &milli);
	snprintf(out, len, "%04d-%02d-%02d %02d:%02d:%02d",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
}

void
sb_util_date(int64_t ms, char *out, size_t len)
{
	struct tm tm;
	int milli;

	split(ms, &tm, &milli);
	snprintf(out, len, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday);
}

static int
digits(const char **s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*s)[i] < '0' || (*s)[i] > '9')
			return -1;
		*v = *v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	return 0;
}

int
sb_util_parse_time(const char *s, int64_t *ms)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0, milli = 0, oh, om, sign;
	int64_t off = 0, scale;
	time_t t;

	if (digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) ||
	    *s++ != '-' || digits(&s, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	if (*s == 'T' || *s == ' ') {
		s++;
		if (digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi))
			return -1;
		if (*s == ':') {
			s++;
			if (digits(&s, 2, &sec))
				return -1;
			if (*s == '.') {
				s++;
				for (scale = 100; *s >= '0' && *s <= '9'; s++) {
					milli += (int)((*s - '0') * scale);
					scale /= 10;
				}
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return -1;
		if (*s == 'Z') {
			s++;
		} else if (*s == '+' || *s == '-') {
			sign = *s++ == '-' ? -1 : 1;
			if (digits(&s, 2, &oh))
				return -1;
			if (*s == ':')
				s++;
			if (digits(&s, 2, &om))
				return -1;
			off = sign * ((int64_t)oh * 3600 + om * 60);
		}
	}
	if (*s != '\0')
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	*ms = ((int64_t)t - off) * 1000 + milli;
	return 0;
}

/* Decode one UTF-8 sequence; return its length (invalid bytes count 1). */
static size_t
u8dec(const unsigned char *s, uint32_t *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
		return 2;
	}
	if ((s[0] & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 &&
	    (s[2] & 0xc0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x0f) << 12) |
		    ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
		return 3;
	}
	if ((s[0] & 0xf8) == 0xf0 && (s[1] & 0xc0) == 0x80 &&
	    (s[2] & 0xc0) == 0x80 && (s[3] & 0xc0) == 0x80) {
		*cp = ((uint32_t)(s[0] & 0x07) << 18) |
		    ((uint32_t)(s[1] & 0x3f) << 12) |
		    ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
		return 4;
	}
	*cp = 0xfffd;
	return 1;
}

static void
u8enc(struct buf *b, uint32_t cp)
{
	char o[4];

	if (cp < 0x80) {
		buf_putc(b, (char)cp);
	} else if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		buf_append(b, o, 2);
	} else if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		buf_append(b, o, 3);
	} else {
		o[0] = (char)(0xf0 | (cp >> 18));
		o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[3] = (char)(0x80 | (cp & 0x3f));
		buf_append(b, o, 4);
	}
}

char *
sb_util_lower(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	struct buf b;
	uint32_t cp;

	buf_init(&b, 0);
	while (*p != '\0') {
		if (*p < 0x80) {
			buf_putc(&b, (char)(*p >= 'A' && *p <= 'Z' ?
			    *p + 32 : *p));
			p++;
			continue;
		}
		p += u8dec(p, &cp);
		u8enc(&b, (uint32_t)towlower((wint_t)cp));
	}
	return buf_take(&b);
}

int
sb_util_icontains(const char *hay, const char *lneedle)
{
	char *l;
	int r;

	if (hay == NULL)
		return 0;
	l = sb_util_lower(hay);
	r = strstr(l, lneedle) != NULL;
	free(l);
	return r;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
sb_util_urldecode(const char *s, size_t len, int plus)
{
	char *out, *o;
	size_t i;
	int hi, lo;

	out = o = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (i + 2 >= len)
				goto bad;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				goto bad;
			*o++ = (char)(hi * 16 + lo);
			i += 2;
		} else if (plus && s[i] == '+') {
			*o++ = ' ';
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}
