/*
 * usage.c: the API usage view (U): requests per UTC hour over the last 24
 * hours as a bar chart with the 429s in a second colour (another glyph in
 * ASCII), today's requests against the daily quota with the daily_warn
 * warning, the latest X-RateLimit-* headers and their age, and calls,
 * 429s and retries by endpoint for today and the last 7 days.  Reads only
 * the cache; re-read on the data_version requery and each new hour.
 */
#include "config.h"
#include "usage.h"

#include <curses.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "cache.h"
#include "conf.h"
#include "loop.h"
#include "spark.h"
#include "xmalloc.h"

#define HOURS		24
#define DAYS		7
#define HOUR_MS		3600000LL
#define TICK_MS		1000
#define WIDE_TABLE	72	/* one line per endpoint from here */

struct ep_sum {
	char	*endpoint;
	long	 t_count, t_429, t_retries;	/* today (UTC) */
	long	 w_count, w_429, w_retries;	/* the last 7 days */
};

struct usage {
	struct screen		 base;
	struct usage_hour	*hv;		/* HOURS buckets, oldest first */
	struct ep_sum		*ep;		/* busiest first */
	size_t			 nep;
	struct ep_sum		 total;
	struct usage_headers	 h;
	int			 have_h;
	long long		 hour;		/* UTC hour of the last query */
	char			 today[11];	/* YYYY-MM-DD, UTC */
	char			 err[256];
	int			 scroll, nlines;
	struct loop_timer	 tick;
};

static struct usage *the_usage;

static long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Block characters need a UTF-8 locale and colour (mono draws ASCII). */
static int
use_utf8(const struct app *a)
{
	const char *cs = nl_langinfo(CODESET);

	return a->color && cs != NULL && (strcasecmp(cs, "UTF-8") == 0 ||
	    strcasecmp(cs, "utf8") == 0);
}

/* ---- data ---- */

static void
clear_data(struct usage *u)
{
	size_t i;

	for (i = 0; i < u->nep; i++)
		free(u->ep[i].endpoint);
	free(u->ep);
	free(u->hv);
	u->ep = NULL;
	u->hv = NULL;
	u->nep = 0;
	memset(&u->total, 0, sizeof u->total);
	u->have_h = 0;
}

static int
by_calls(const void *x, const void *y)
{
	const struct ep_sum *a = x, *b = y;

	if (a->w_count != b->w_count)
		return a->w_count < b->w_count ? 1 : -1;
	return strcmp(a->endpoint, b->endpoint);
}

/* Fold the per-day rows into one sum per endpoint (v is consumed). */
static void
fold(struct usage *u, struct usage_row *v, size_t n)
{
	struct ep_sum *s;
	size_t i, k;
	int today;

	u->ep = xcalloc(n + 1, sizeof *u->ep);
	for (i = 0; i < n; i++) {
		for (k = 0; k < u->nep; k++)
			if (strcmp(u->ep[k].endpoint, v[i].endpoint) == 0)
				break;
		s = &u->ep[k];
		if (k == u->nep) {
			s->endpoint = v[i].endpoint;
			v[i].endpoint = NULL;
			u->nep++;
		}
		today = strcmp(v[i].day, u->today) == 0;
		s->w_count += v[i].count;
		s->w_429 += v[i].n429;
		s->w_retries += v[i].retries;
		u->total.w_count += v[i].count;
		u->total.w_429 += v[i].n429;
		u->total.w_retries += v[i].retries;
		if (today) {
			s->t_count += v[i].count;
			s->t_429 += v[i].n429;
			s->t_retries += v[i].retries;
			u->total.t_count += v[i].count;
			u->total.t_429 += v[i].n429;
			u->total.t_retries += v[i].retries;
		}
	}
	cache_usage_free(v, n);
	qsort(u->ep, u->nep, sizeof *u->ep, by_calls);
}

static void
us_requery(struct screen *s)
{
	struct usage *u = (struct usage *)s;
	struct app *a = s->app;
	struct usage_row *v = NULL;
	long long now = wall_ms();
	struct err e;
	struct tm tm;
	time_t t;
	size_t n = 0;
	int rc;

	clear_data(u);
	u->err[0] = '\0';
	u->hour = now / HOUR_MS;
	t = (time_t)(now / 1000);
	gmtime_r(&t, &tm);
	strftime(u->today, sizeof u->today, "%Y-%m-%d", &tm);
	if (!loop_timer_armed(&u->tick))
		loop_timer_arm(a->loop, &u->tick, TICK_MS);
	err_clear(&e);
	rc = cache_usage_by_hour(a->cache, HOURS, now, &u->hv, &e);
	if (rc == 0)
		rc = cache_usage_by_endpoint_day(a->cache, DAYS, now, &v, &n,
		    &e);
	if (rc) {
		app_copy(u->err, sizeof u->err, e.msg);
		clear_data(u);
		return;
	}
	fold(u, v, n);
	rc = cache_usage_last_headers(a->cache, &u->h, &e);
	u->have_h = rc == 0;
	if (rc && rc != ERR_NOTFOUND)
		app_copy(u->err, sizeof u->err, e.msg);
}

/*
 * Each second while shown: redraw (the headers' age moves) and re-read
 * when a new UTC hour starts (the chart slides).  Stops when hidden;
 * opening the view re-arms it.
 */
static void
on_tick(void *arg)
{
	struct usage *u = arg;
	struct app *a = u->base.app;

	if (a->overlay != &u->base)
		return;
	if (wall_ms() / HOUR_MS != u->hour)
		us_requery(&u->base);
	a->dirty = 1;
	loop_timer_arm(a->loop, &u->tick, TICK_MS);
}

/* ---- drawing ---- */

/* Lines of the body, drawn top to bottom; those scrolled out are skipped. */
struct pen {
	struct app	*a;
	int		 y0, x, h, w;
	int		 line, scroll;
};

/* The screen row of the next body line, or -1 when it is not visible. */
static int
pen_row(struct pen *p)
{
	int r = p->line++ - p->scroll;

	return r >= 0 && r < p->h ? p->y0 + r : -1;
}

static void
pen_text(struct pen *p, const char *s, enum color_role role)
{
	int y = pen_row(p);

	if (y >= 0)
		draw_text(p->a, y, p->x, p->w, s, role, 0);
}

/*
 * first and second on one line (joined by sep) when they fit, else on two
 * (the second indented), so a 40-column terminal cuts nothing.
 */
static void
pen_pair(struct pen *p, const char *first, const char *sep,
    const char *second, enum color_role role)
{
	char b[512];

	if (strlen(first) + strlen(sep) + strlen(second) <= (size_t)p->w) {
		snprintf(b, sizeof b, "%s%s%s", first, sep, second);
		pen_text(p, b, role);
		return;
	}
	pen_text(p, first, role);
	snprintf(b, sizeof b, "  %s", second);
	pen_text(p, b, role);
}

static void
put_glyph(const struct app *a, int y, int x, const char *g,
    enum color_role role)
{
	int attr = draw_attr(a, role);

	attron(attr);
	mvaddstr(y, x, g);
	attroff(attr);
}

/* An axis piece: the box-drawing character, or its ASCII stand-in. */
static void
put_axis(const struct app *a, int y, int x, int utf8, const char *box,
    const char *ascii)
{
	put_glyph(a, y, x, utf8 ? box : ascii, COL_BORDER);
}

#define REQ_GLYPH	"#"
#define N429_GLYPH	"x"

static void
draw_legend(struct usage *u, struct pen *p, int utf8, long max)
{
	const char *full = "\xe2\x96\x88";	/* U+2588 */
	char b[96];
	int y = pen_row(p), x = p->x;

	if (y < 0)
		return;
	put_glyph(p->a, y, x, utf8 ? full : REQ_GLYPH, COL_TAG);
	x += 1 + draw_text(p->a, y, x + 1, p->w - 1, " requests", COL_NORMAL,
	    0);
	if (x + 2 >= p->x + p->w)
		return;
	put_glyph(p->a, y, x + 1, utf8 ? full : N429_GLYPH, COL_FAILED);
	snprintf(b, sizeof b, " 429s   max %ld/h", max);
	draw_text(p->a, y, x + 2, p->x + p->w - x - 2, b, COL_NORMAL, 0);
}

/*
 * The chart: rows rows of bars, one slot per hour (1 to 4 columns wide
 * as the width allows; when even one column per hour does not fit, the
 * newest hours), the y scale at the left, the x axis and the hours under
 * it, labelled every 1, 2 or 3 hours as the slots allow, on the clock.
 */
static void
draw_chart(struct usage *u, struct pen *p, int rows, int utf8)
{
	long req[HOURS], n429[HOURS], top;
	int lt[HOURS], lk[HOURS], units = spark_units(utf8);
	int lw, avail, sw, bw, nshow, first, every, r, i, k, y, cx, hh;
	char lab[32];
	enum color_role role;
	const char *g;

	for (i = 0; i < HOURS; i++) {
		req[i] = u->hv[i].count;
		n429[i] = u->hv[i].n429;
	}
	top = spark_nice(spark_max(req, HOURS));
	spark_bars(req, HOURS, top, rows, utf8, lt);
	spark_bars(n429, HOURS, top, rows, utf8, lk);
	lw = snprintf(lab, sizeof lab, "%ld", top);
	avail = p->w - lw - 1;
	sw = avail / HOURS;
	if (sw > 4)
		sw = 4;
	if (sw < 1)
		sw = 1;
	nshow = avail / sw;
	if (nshow > HOURS)
		nshow = HOURS;
	if (nshow < 1)
		nshow = 1;
	first = HOURS - nshow;
	bw = sw > 1 ? sw - 1 : 1;
	every = sw >= 3 ? 1 : sw == 2 ? 2 : 3;

	draw_legend(u, p, utf8, spark_max(req, HOURS));
	for (r = rows - 1; r >= 0; r--) {
		y = pen_row(p);
		if (y < 0)
			continue;
		if (r == rows - 1)
			snprintf(lab, sizeof lab, "%*ld", lw, top);
		else if (rows >= 4 && rows % 2 == 0 && r == rows / 2 - 1 &&
		    top % 2 == 0)
			snprintf(lab, sizeof lab, "%*ld", lw, top / 2);
		else
			snprintf(lab, sizeof lab, "%*s", lw, "");
		draw_text(p->a, y, p->x, lw, lab, COL_LABEL, 0);
		put_axis(p->a, y, p->x + lw, utf8, "\xe2\x94\x82", "|");
		for (i = first; i < HOURS; i++) {
			/* a cell the 429s reach is theirs: a few stay visible */
			role = lk[i] > r * units ? COL_FAILED : COL_TAG;
			g = spark_cell(lt[i], r, utf8, role == COL_FAILED ?
			    N429_GLYPH : REQ_GLYPH);
			cx = p->x + lw + 1 + (i - first) * sw;
			for (k = 0; k < bw; k++)
				put_glyph(p->a, y, cx + k, g, role);
		}
	}
	y = pen_row(p);
	if (y >= 0) {
		snprintf(lab, sizeof lab, "%*s", lw, "0");
		draw_text(p->a, y, p->x, lw, lab, COL_LABEL, 0);
		put_axis(p->a, y, p->x + lw, utf8, "\xe2\x94\x94", "+");
		for (i = 0; i < nshow * sw; i++)
			put_axis(p->a, y, p->x + lw + 1 + i, utf8,
			    "\xe2\x94\x80", "-");
	}
	y = pen_row(p);
	if (y >= 0) {
		for (i = first; i < HOURS; i++) {
			hh = (int)((u->hv[i].hour_ms / HOUR_MS) % 24);
			cx = p->x + lw + 1 + (i - first) * sw;
			if (hh % every != 0 || cx + 2 > p->x + p->w)
				continue;
			snprintf(lab, sizeof lab, "%02d", hh);
			draw_text(p->a, y, cx, 2, lab, COL_LABEL, 0);
		}
	}
}

static void
fmt_age(long long ms, char *b, size_t n)
{
	long long s = ms / 1000;

	if (s < 0)
		s = 0;
	if (s < 90)
		snprintf(b, n, "%lld s ago", s);
	else if (s < 90 * 60)
		snprintf(b, n, "%lld min ago", s / 60);
	else if (s < 48 * 3600)
		snprintf(b, n, "%lld h ago", s / 3600);
	else
		snprintf(b, n, "%lld days ago", s / 86400);
}

/* Today against the daily quota, and the daily_warn warning. */
static void
draw_budget(struct usage *u, struct pen *p)
{
	const struct usage_headers *h = &u->h;
	long warn = p->a->cfg->daily_warn, left, used;
	char b[256], b2[128], day[40];
	time_t t;
	struct tm tm;

	snprintf(b, sizeof b, "Today (UTC): %ld request%s", u->total.t_count,
	    u->total.t_count == 1 ? "" : "s");
	snprintf(b2, sizeof b2, "%ld 429s, %ld retries", u->total.t_429,
	    u->total.t_retries);
	pen_pair(p, b, ", ", b2, COL_NORMAL);
	if (!u->have_h || h->limit_daily < 0) {
		pen_pair(p, "Daily budget: unknown", " ",
		    "(no rate-limit headers seen yet)", COL_LABEL);
		return;
	}
	/* the quota restarts each UTC day */
	t = (time_t)(h->at_ms / 1000);
	gmtime_r(&t, &tm);
	strftime(day, sizeof day, "%Y-%m-%d", &tm);
	left = strcmp(day, u->today) == 0 && h->daily_remaining >= 0 ?
	    h->daily_remaining : h->limit_daily;
	used = h->limit_daily - left;
	snprintf(b, sizeof b, "Daily budget: %ld of %ld left", left,
	    h->limit_daily);
	snprintf(b2, sizeof b2, "(%ld used, %.1f%%)", used,
	    h->limit_daily > 0 ? 100.0 * (double)used /
	    (double)h->limit_daily : 0.0);
	pen_pair(p, b, " ", b2, COL_NORMAL);
	if (left < warn) {
		snprintf(b, sizeof b, "WARNING: %ld requests left today,",
		    left);
		snprintf(b2, sizeof b2, "below daily_warn = %ld", warn);
		pen_pair(p, b, " ", b2, COL_ALERT);
	} else {
		snprintf(b, sizeof b, "Warns below %ld left (daily_warn)",
		    warn);
		pen_text(p, b, COL_LABEL);
	}
}

/* name and value; narrow: without the common "X-RateLimit-" prefix. */
static void
put_header(struct pen *p, const char *name, long v)
{
	int narrow = p->w < 48;
	char b[96];

	if (narrow)
		name += strlen("X-RateLimit-");
	if (v < 0)
		snprintf(b, sizeof b, "  %-*s -", narrow ? 22 : 34, name);
	else
		snprintf(b, sizeof b, "  %-*s %ld", narrow ? 22 : 34, name, v);
	pen_text(p, b, COL_NORMAL);
}

static void
draw_headers(struct usage *u, struct pen *p)
{
	char b[160], b2[80], when[64], age[48];

	if (!u->have_h) {
		pen_text(p, "X-RateLimit-* headers: none seen yet", COL_LABEL);
		return;
	}
	fmt_ms(u->h.at_ms, when, sizeof when);
	fmt_age(wall_ms() - u->h.at_ms, age, sizeof age);
	snprintf(b, sizeof b, "X-RateLimit-* headers, %s", age);
	snprintf(b2, sizeof b2, "(%s):", when);
	pen_pair(p, b, " ", b2, COL_TITLE);
	put_header(p, "X-RateLimit-Limit-Daily", u->h.limit_daily);
	put_header(p, "X-RateLimit-Daily-Remaining", u->h.daily_remaining);
	put_header(p, "X-RateLimit-Max", u->h.max);
	put_header(p, "X-RateLimit-Remaining", u->h.remaining);
	put_header(p, "X-RateLimit-Interval-Milliseconds", u->h.interval_ms);
}

static void
put_counts(struct pen *p, const struct ep_sum *s, const char *name, int wide,
    enum color_role role)
{
	char b[512], nums[96];
	int y, ew = p->w - 42;

	snprintf(nums, sizeof nums, "%7ld %5ld %5ld  %7ld %5ld %5ld",
	    s->t_count, s->t_429, s->t_retries, s->w_count, s->w_429,
	    s->w_retries);
	if (wide) {
		y = pen_row(p);
		if (y < 0)
			return;
		draw_text(p->a, y, p->x, ew, name, role, 1);
		draw_text(p->a, y, p->x + ew, p->w - ew, nums, role, 0);
		return;
	}
	pen_text(p, name, role);
	snprintf(b, sizeof b, "%.*s", p->w, nums);
	pen_text(p, b, COL_NORMAL);
}

/* Calls, 429s and retries by endpoint: today and the last 7 days. */
static void
draw_table(struct usage *u, struct pen *p)
{
	int wide = p->w >= WIDE_TABLE, y;
	char hdr[64];
	size_t i;

	snprintf(hdr, sizeof hdr, "%7s %5s %5s  %7s %5s %5s", "TODAY", "429",
	    "RETRY", "7 DAYS", "429", "RETRY");

	if (u->nep == 0) {
		pen_text(p, "No API calls recorded in the last 7 days.",
		    COL_LABEL);
		return;
	}
	if (wide) {
		y = pen_row(p);
		if (y >= 0) {
			draw_text(p->a, y, p->x, p->w - 42, "ENDPOINT",
			    COL_TITLE, 1);
			draw_text(p->a, y, p->x + p->w - 42, 42, hdr,
			    COL_TITLE, 0);
		}
	} else {
		pen_text(p, "ENDPOINT", COL_TITLE);
		pen_text(p, hdr, COL_TITLE);
	}
	for (i = 0; i < u->nep; i++)
		put_counts(p, &u->ep[i], u->ep[i].endpoint, wide, COL_NORMAL);
	put_counts(p, &u->total, "all endpoints", wide, COL_LABEL);
}

static int
chart_rows(int h)
{
	int r = h / 3;

	return r < 3 ? 3 : r > 10 ? 10 : r;
}

static void
us_draw(struct screen *s, int y, int x, int h, int w, int focused)
{
	struct usage *u = (struct usage *)s;
	struct pen p = { .a = s->app, .y0 = y + 1, .x = x, .h = h - 1,
	    .w = w, .line = 0, .scroll = u->scroll };
	int i, utf8 = use_utf8(s->app);

	for (i = 0; i < h; i++)
		draw_fill(s->app, y + i, x, w, COL_NORMAL);
	draw_text(s->app, y, x, w, "API usage (UTC)  j/k scroll  q back",
	    COL_TITLE, 0);
	if (u->err[0] != '\0') {
		pen_text(&p, u->err, COL_FAILED);
		u->nlines = p.line;
		return;
	}
	if (u->hv == NULL) {
		u->nlines = 0;
		return;
	}
	draw_chart(u, &p, chart_rows(h), utf8);
	pen_text(&p, "", COL_NORMAL);
	draw_budget(u, &p);
	pen_text(&p, "", COL_NORMAL);
	draw_headers(u, &p);
	pen_text(&p, "", COL_NORMAL);
	draw_table(u, &p);
	u->nlines = p.line;
}

/* ---- the screen ---- */

static unsigned
us_contexts(struct screen *s)
{
	/* a scrolling page with nothing to select */
	return CTX_USAGE;
}

static void
us_resize(struct screen *s, int h, int w)
{
	s->h = h;
	s->w = w;
}

static unsigned
us_command(struct screen *s, enum cmd_id cmd, const char *arg)
{
	struct usage *u = (struct usage *)s;
	int body = s->h > 2 ? s->h - 1 : 1, page = body > 1 ? body - 1 : 1;

	switch (cmd) {
	case CMD_DOWN:
		u->scroll++;
		break;
	case CMD_UP:
		u->scroll--;
		break;
	case CMD_PAGE_DOWN:
		u->scroll += page;
		break;
	case CMD_PAGE_UP:
		u->scroll -= page;
		break;
	case CMD_TOP:
		u->scroll = 0;
		break;
	case CMD_BOTTOM:
		u->scroll = u->nlines;
		break;
	case CMD_BACK:
	case CMD_USAGE:
		return RX_POP;
	default:
		return RX_IGNORED;
	}
	if (u->scroll > u->nlines - body)
		u->scroll = u->nlines - body;
	if (u->scroll < 0)
		u->scroll = 0;
	return RX_REDRAW;
}

static const char *
us_contact_id(struct screen *s)
{
	return NULL;
}

static void
us_free(struct screen *s)
{
	struct usage *u = (struct usage *)s;

	loop_timer_disarm(s->app->loop, &u->tick);
	clear_data(u);
	free(u);
}

static const struct screen_ops usage_ops = {
	.name = "usage",
	.contexts = us_contexts,
	.resize = us_resize,
	.draw = us_draw,
	.command = us_command,
	.requery = us_requery,
	.event = NULL,
	.contact_id = us_contact_id,
	.free = us_free,
};

struct screen *
usage_view(struct app *a)
{
	struct usage *u = the_usage;

	if (u != NULL)
		return &u->base;
	u = xcalloc(1, sizeof *u);
	u->base.ops = &usage_ops;
	u->base.app = a;
	loop_timer_init(&u->tick, on_tick, u);
	the_usage = u;
	return &u->base;
}

void
usage_view_free(void)
{
	if (the_usage == NULL)
		return;
	us_free(&the_usage->base);
	the_usage = NULL;
}
