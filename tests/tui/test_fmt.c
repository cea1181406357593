/*
 * test_fmt.c: the TUI's time helpers (ui/fmt.c): ISO-8601 times with an
 * offset or Z shown in local time, zone-less times shown as they are
 * (CONTRACT §A9), and the due-date input of the task prompt.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "../tap.h"

static void
due(const char *in, long long now, const char *want, const char *name)
{
	char *got = fmt_parse_due(in, now);

	is_str(got, want, name);
	free(got);
}

int
main(void)
{
	char b[64];
	long long now;
	struct tm tm;

	/* Central European time without tzdata: CET-1, CEST-2 */
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();

	is_str(fmt_time("2026-03-04T10:00:00Z", b, sizeof b), "2026-03-04 11:00",
	    "Z converted to local (winter)");
	is_str(fmt_time("2026-07-01T10:00:00.000Z", b, sizeof b),
	    "2026-07-01 12:00", "Z with millis converted (summer)");
	is_str(fmt_time("2026-07-01T10:00:00+02:00", b, sizeof b),
	    "2026-07-01 10:00", "offset +02:00 converted");
	is_str(fmt_time("2026-07-01T03:30:00-05:00", b, sizeof b),
	    "2026-07-01 10:30", "negative offset converted");
	is_str(fmt_time("2026-07-01T03:30:00-0500", b, sizeof b),
	    "2026-07-01 10:30", "offset without colon");
	is_str(fmt_time("2021-07-16 11:00:00", b, sizeof b),
	    "2021-07-16 11:00:00", "zone-less shown as-is");
	is_str(fmt_time("2026-12-01", b, sizeof b), "2026-12-01",
	    "date alone shown as-is");
	is_str(fmt_time("garbage", b, sizeof b), "garbage", "unknown as-is");
	is_str(fmt_time(NULL, b, sizeof b), "-", "missing time");
	is_str(fmt_ms(0, b, sizeof b), "never", "never synced");

	/* 2026-11-29 14:00:00 UTC = 15:00 local */
	memset(&tm, 0, sizeof tm);
	tm.tm_year = 126;
	tm.tm_mon = 10;
	tm.tm_mday = 29;
	tm.tm_hour = 14;
	now = (long long)timegm(&tm);
	due("2026-12-01", now, "2026-12-01T08:00:00.000Z",
	    "a date is 09:00 local");
	due("2026-12-01 14:30", now, "2026-12-01T13:30:00.000Z",
	    "local date and time");
	due("2026-07-01 14:30", now, "2026-07-01T12:30:00.000Z",
	    "local time in summer");
	due("+3d", now, "2026-12-02T14:00:00.000Z", "+3d");
	due("+2h", now, "2026-11-29T16:00:00.000Z", "+2h");
	due("+1w", now, "2026-12-06T14:00:00.000Z", "+1w");
	due("+5", now, "2026-12-04T14:00:00.000Z", "+N means days");
	due("tomorrow", now, "2026-11-30T08:00:00.000Z", "tomorrow 09:00 local");
	due("today", now, "2026-11-29T08:00:00.000Z", "today 09:00 local");
	due("2026-12-01T10:00:00Z", now, "2026-12-01T10:00:00.000Z", "UTC ISO");
	due("2026-12-01T10:00:00+02:00", now, "2026-12-01T10:00:00+02:00",
	    "ISO with offset kept");
	due("  +1d", now, "2026-11-30T14:00:00.000Z", "leading blanks");
	due("13/45/2026", now, NULL, "nonsense refused");
	due("2026-13-01", now, NULL, "bad month refused");
	due("+3x", now, NULL, "bad unit refused");
	due("", now, NULL, "empty refused");
	return tap_done();
}
