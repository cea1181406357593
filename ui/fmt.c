/*
 * fmt.c: times for the TUI (no curses): ISO-8601 with an offset shown in
 * local time, zone-less times as they are (CONTRACT §A9), and the due-date
 * input of the task prompt ("2026-12-01", "+3d", "tomorrow").
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "xmalloc.h"

/* Parse "YYYY-MM-DD[T ]HH:MM[:SS[.fff]]" into tm; returns chars used. */
static size_t
parse_datetime(const char *s, struct tm *tm, int *has_time)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	size_t used;

	memset(tm, 0, sizeof *tm);
	*has_time = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return 0;
	used = 10;
	if ((s[10] == 'T' || s[10] == ' ') && isdigit((unsigned char)s[11])) {
		n = 0;
		if (sscanf(s + 11, "%2d:%2d%n", &h, &mi, &n) == 2 && n == 5) {
			used = 16;
			*has_time = 1;
			if (s[16] == ':' && sscanf(s + 17, "%2d", &sec) == 1)
				used = 19;
			if (used == 19 && s[19] == '.') {
				used = 20;
				while (isdigit((unsigned char)s[used]))
					used++;
			}
		}
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return 0;
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_sec = sec;
	return used;
}

const char *
fmt_time(const char *iso, char *buf, size_t len)
{
	struct tm tm, lt;
	int has_time, oh, om, sign;
	size_t n;
	time_t t;

	if (iso == NULL || *iso == '\0') {
		snprintf(buf, len, "-");
		return buf;
	}
	n = parse_datetime(iso, &tm, &has_time);
	if (n == 0 || !has_time) {
		/* not a time we understand, or a plain date: as-is */
		snprintf(buf, len, "%s", iso);
		return buf;
	}
	if (iso[n] == 'Z' && iso[n + 1] == '\0') {
		t = timegm(&tm);
	} else if ((iso[n] == '+' || iso[n] == '-') &&
	    sscanf(iso + n + 1, "%2d:%2d", &oh, &om) == 2) {
		sign = iso[n] == '-' ? -1 : 1;
		t = timegm(&tm) - sign * (oh * 3600 + om * 60);
	} else if ((iso[n] == '+' || iso[n] == '-') && strlen(iso + n) == 5 &&
	    sscanf(iso + n + 1, "%2d%2d", &oh, &om) == 2) {
		sign = iso[n] == '-' ? -1 : 1;
		t = timegm(&tm) - sign * (oh * 3600 + om * 60);
	} else {
		/* zone-less (CONTRACT §A9): shown unconverted */
		snprintf(buf, len, "%s", iso);
		return buf;
	}
	localtime_r(&t, &lt);
	strftime(buf, len, "%Y-%m-%d %H:%M", &lt);
	return buf;
}

const char *
fmt_ms(long long unix_ms, char *buf, size_t len)
{
	struct tm lt;
	time_t t;

	if (unix_ms <= 0) {
		snprintf(buf, len, "never");
		return buf;
	}
	t = (time_t)(unix_ms / 1000);
	localtime_r(&t, &lt);
	strftime(buf, len, "%Y-%m-%d %H:%M", &lt);
	return buf;
}

static char *
iso_utc(time_t t)
{
	struct tm tm;
	char buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	return xstrdup(buf);
}

char *
fmt_parse_due(const char *in, long long now_s)
{
	struct tm tm;
	time_t t = (time_t)now_s;
	int has_time, n = 0;
	long v;
	char unit, *end;
	size_t used;

	while (in != NULL && isspace((unsigned char)*in))
		in++;
	if (in == NULL || *in == '\0')
		return NULL;
	if (strcmp(in, "today") == 0 || strcmp(in, "tomorrow") == 0) {
		localtime_r(&t, &tm);
		tm.tm_hour = 9;
		tm.tm_min = tm.tm_sec = 0;
		if (in[1] == 'o' && in[2] == 'm')
			tm.tm_mday++;
		tm.tm_isdst = -1;
		return iso_utc(mktime(&tm));
	}
	if (in[0] == '+') {
		v = strtol(in + 1, &end, 10);
		if (end == in + 1 || v < 0 || v > 36500)
			return NULL;
		unit = *end ? *end : 'd';
		if (*end && end[1] != '\0')
			return NULL;
		switch (unit) {
		case 'h':
			return iso_utc(t + v * 3600);
		case 'd':
			return iso_utc(t + v * 86400);
		case 'w':
			return iso_utc(t + v * 7 * 86400);
		default:
			return NULL;
		}
	}
	used = parse_datetime(in, &tm, &has_time);
	if (used == 0)
		return NULL;
	if (in[used] == '\0') {
		/* local time; a date alone means 09:00 local */
		if (!has_time)
			tm.tm_hour = 9;
		tm.tm_isdst = -1;
		return iso_utc(mktime(&tm));
	}
	if (in[used] == 'Z' && in[used + 1] == '\0')
		return iso_utc(timegm(&tm));
	if ((in[used] == '+' || in[used] == '-') &&
	    sscanf(in + used + 1, "%*2d:%*2d%n", &n) >= 0 && n == 5 &&
	    in[used + 1 + n] == '\0')
		return xstrdup(in);
	return NULL;
}
