/*
 * contact_list.c: the contact list screen.  The list is virtual: only the
 * rows on screen are in memory, read with keyset paging (cache_list /
 * cache_list_before after a row's sort key, never OFFSET), so memory stays
 * flat however large the cache.  The search filter is the text typed after
 * '/' ("tag:NAME" narrows to a tag), applied through the cache's FTS5.
 * A search shows its first page at once; a "broad" one (a word ending in
 * one letter, fts_query.h) is counted, and its position found, once the
 * typing pauses, so a keystroke never waits for a count.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cache.h"
#include "fts_query.h"
#include "loop.h"
#include "xmalloc.h"

/* Typing pause after which a broad search is counted. */
#define COUNT_MS	300

/* The cache's idle work for searches (cache_search_idle): first slice
 * after the list was read, gap between slices, wait after the cache
 * changed (doubled while writes keep coming, up to IDLE_MAX_MS). */
#define IDLE_START_MS	50
#define IDLE_GAP_MS	0
#define IDLE_LATER_MS	1000
#define IDLE_MAX_MS	32000

struct clist {
	struct screen	 base;
	char		*search;	/* NULL: no filter */
	struct cache_row *rows;		/* the page; rows[0] is index top */
	size_t		 nrows;
	long		 top;		/* -1: unknown */
	int		 sel;		/* row in the page */
	long		 count;		/* -1: not counted yet */
	int		 page_h;
	struct loop_timer count_timer;	/* counts a broad search */
	struct loop_timer idle_timer;	/* the cache's idle work */
	long		 idle_wait;	/* ms to wait after a write */
	char		 sel_id[64];
	char		 err[256];
};

static struct cache_query
query(const struct clist *l)
{
	struct cache_query q = { .search = l->search, .tag = NULL };

	return q;
}

static void
set_page(struct clist *l, struct cache_row *rows, size_t n)
{
	cache_rows_free(l->rows, l->nrows);
	l->rows = rows;
	l->nrows = n;
	if (l->sel >= (int)n)
		l->sel = n > 0 ? (int)n - 1 : 0;
	if (l->sel < 0)
		l->sel = 0;
	if (n > 0)
		snprintf(l->sel_id, sizeof l->sel_id, "%s", rows[l->sel].id);
}

static int
page_h(const struct clist *l)
{
	return l->page_h > 0 ? l->page_h : 1;
}

static void
note_err(struct clist *l, const struct err *e)
{
	app_copy(l->err, sizeof l->err, e->msg);
}

static void
load_start(struct clist *l)
{
	struct cache_query q = query(l);
	struct cache_row *rows = NULL;
	size_t n = 0;
	struct err e;

	if (cache_list(l->base.app->cache, &q, NULL, page_h(l), &rows, &n, &e))
		note_err(l, &e);
	l->top = 0;
	l->sel = 0;
	set_page(l, rows, n);
}

static void
load_end(struct clist *l)
{
	struct cache_query q = query(l);
	struct cache_row *rows = NULL;
	size_t n = 0;
	struct err e;

	if (cache_list_before(l->base.app->cache, &q, NULL, page_h(l), &rows,
	    &n, &e))
		note_err(l, &e);
	l->top = l->count >= 0 ? l->count - (long)n : -1;
	l->sel = n > 0 ? (int)n - 1 : 0;
	set_page(l, rows, n);
}

/*
 * Take rows [start, start + n) of all (na rows) as the page; free the
 * rest.  all's array is freed.
 */
static void
take_window(struct clist *l, struct cache_row *all, size_t na, size_t start,
    size_t n, int sel)
{
	struct cache_row *page = NULL, *rest;
	size_t i, nr = 0;

	if (n > 0) {
		page = xcalloc(n, sizeof *page);
		memcpy(page, all + start, n * sizeof *page);
	}
	rest = xcalloc(na + 1, sizeof *rest);
	for (i = 0; i < na; i++)
		if (i < start || i >= start + n)
			rest[nr++] = all[i];
	cache_rows_free(rest, nr);
	free(all);
	l->sel = sel;
	set_page(l, page, n);
}

/* Join a ++ b into one new array (a and b's arrays are freed). */
static struct cache_row *
join(struct cache_row *a, size_t na, struct cache_row *b, size_t nb)
{
	struct cache_row *all = xcalloc(na + nb + 1, sizeof *all);

	if (na > 0)
		memcpy(all, a, na * sizeof *all);
	if (nb > 0)
		memcpy(all + na, b, nb * sizeof *all);
	free(a);
	free(b);
	return all;
}

/*
 * A page holding the row with sort key key (or where it would be, when it
 * no longer matches) at screen row r, as near as the list's ends allow.
 */
static void
load_around(struct clist *l, const char *key, int r)
{
	struct cache_query q = query(l);
	struct cache *c = l->base.app->cache;
	struct cache_row *before = NULL, *from = NULL, *all;
	size_t nb = 0, nf = 0, na, start, n;
	int h = page_h(l);
	long k;
	struct err e;

	if (cache_list_before(c, &q, key, h, &before, &nb, &e))
		note_err(l, &e);
	if (cache_list(c, &q, nb > 0 ? before[nb - 1].sort_key : NULL, h,
	    &from, &nf, &e))
		note_err(l, &e);
	na = nb + nf;
	all = join(before, nb, from, nf);
	k = (long)nb;
	if (r < 0)
		r = 0;
	start = k > r ? (size_t)(k - r) : 0;
	if (na > (size_t)h && start > na - (size_t)h)
		start = na - (size_t)h;
	if (na <= (size_t)h)
		start = 0;
	n = na - start < (size_t)h ? na - start : (size_t)h;
	if (k >= (long)na)
		k = (long)na - 1;
	take_window(l, all, na, start, n, k - (long)start < 0 ? 0 :
	    (int)(k - (long)start));
}

static void
locate_top(struct clist *l)
{
	struct cache_query q = query(l);
	struct err e;
	long idx;

	l->top = -1;
	if (l->nrows == 0) {
		l->top = 0;
		return;
	}
	if (cache_row_index(l->base.app->cache, &q, l->rows[0].id, &idx,
	    &e) == 0)
		l->top = idx;
}

/* The number of rows in the filter; a broad search only after a pause. */
static void
count_rows(struct clist *l, int now)
{
	struct cache_query q = query(l);
	struct err e;

	loop_timer_disarm(l->base.app->loop, &l->count_timer);
	if (!now && l->search != NULL && fts_query_broad(l->search)) {
		l->count = -1;
		loop_timer_arm(l->base.app->loop, &l->count_timer, COUNT_MS);
		return;
	}
	if (cache_count(l->base.app->cache, &q, &l->count, &e)) {
		note_err(l, &e);
		l->count = 0;
	}
}

static void
on_count_timer(void *arg)
{
	struct clist *l = arg;

	count_rows(l, 1);
	if (l->top < 0)
		locate_top(l);
	l->base.app->dirty = 1;
}

/*
 * A slice of the cache's map of list order, which makes a search's page
 * about as cheap at a million contacts as at a thousand; a slice is ~2
 * ms, run only when no frame is due, and keys are read between slices
 * (about 0.3 s of slices at a million contacts, 0.04 s at 100,000).
 * Searches work without it (as before), so a failure only stops the
 * work until the next requery.  After a write the map is built again
 * once writes pause.
 */
static void
on_idle_timer(void *arg)
{
	struct clist *l = arg;
	struct err e;
	int more = 0;

	if (l->base.app->dirty) {
		/* a key or an event is waiting for its frame: that first */
		loop_timer_arm(l->base.app->loop, &l->idle_timer, IDLE_GAP_MS);
		return;
	}
	if (cache_search_idle(l->base.app->cache, &more, &e) != 0)
		return;
	if (more == 1) {
		loop_timer_arm(l->base.app->loop, &l->idle_timer, IDLE_GAP_MS);
	} else if (more == 2) {
		loop_timer_arm(l->base.app->loop, &l->idle_timer, l->idle_wait);
		if (l->idle_wait < IDLE_MAX_MS)
			l->idle_wait *= 2;
	} else {
		l->idle_wait = IDLE_LATER_MS;
	}
}

static void
cl_requery(struct screen *s)
{
	struct clist *l = (struct clist *)s;
	char *key = NULL;
	int r = l->sel;

	l->err[0] = '\0';
	/* after a write the map is rebuilt: look once things are read */
	if (!loop_timer_armed(&l->idle_timer))
		loop_timer_arm(s->app->loop, &l->idle_timer, IDLE_START_MS);
	count_rows(l, 0);
	if (l->sel_id[0] != '\0' &&
	    cache_sort_key(s->app->cache, l->sel_id, &key, NULL) == 0) {
		load_around(l, key, r);
		free(key);
		if (l->count >= 0)
			locate_top(l);
		else
			l->top = -1;	/* found with the count */
	} else {
		load_start(l);
	}
}

static void
move_sel(struct clist *l, int delta)
{
	struct cache_query q = query(l);
	struct cache *c = l->base.app->cache;
	struct cache_row *rows = NULL;
	size_t n = 0;
	struct err e;
	int h = page_h(l);

	if (l->nrows == 0)
		return;
	if (delta == 1 && l->sel + 1 < (int)l->nrows) {
		l->sel++;
	} else if (delta == -1 && l->sel > 0) {
		l->sel--;
	} else if (delta == 1) {
		/* scroll by one: the page after the first row */
		if (cache_list(c, &q, l->rows[l->nrows - 1].sort_key, 1, &rows,
		    &n, &e) == 0 && n == 1) {
			cache_rows_free(rows, n);
			rows = NULL;
			if (cache_list(c, &q, l->rows[0].sort_key, h, &rows, &n,
			    &e) == 0 && n > 0) {
				l->top = l->top >= 0 ? l->top + 1 : -1;
				l->sel = (int)n - 1;
				set_page(l, rows, n);
				return;
			}
		}
		cache_rows_free(rows, n);
	} else if (delta == -1) {
		if (cache_list_before(c, &q, l->rows[0].sort_key, 1, &rows, &n,
		    &e) == 0 && n == 1) {
			char *k = xstrdup(rows[0].sort_key);

			long prev = l->top - 1;

			cache_rows_free(rows, n);
			load_around(l, k, 0);
			free(k);
			/* the previous row is now at screen row sel */
			l->top = l->top >= 0 ? prev - l->sel : -1;
			if (l->top < -1)
				l->top = -1;
			return;
		}
		cache_rows_free(rows, n);
	} else if (delta > 1) {
		if (l->nrows < (size_t)h || cache_list(c, &q,
		    l->rows[l->nrows - 1].sort_key, h, &rows, &n, &e) || n == 0) {
			cache_rows_free(rows, n);
			l->sel = (int)l->nrows - 1;
		} else if (n < (size_t)h) {
			cache_rows_free(rows, n);
			load_end(l);
		} else {
			l->top = l->top >= 0 ? l->top + h : -1;
			set_page(l, rows, n);
		}
	} else {
		if (cache_list_before(c, &q, l->rows[0].sort_key, h, &rows, &n,
		    &e) || n == 0) {
			cache_rows_free(rows, n);
			l->sel = 0;
		} else if (n < (size_t)h) {
			cache_rows_free(rows, n);
			load_start(l);
		} else {
			l->top = l->top < 0 ? -1 : l->top >= h ?
			    l->top - h : 0;
			set_page(l, rows, n);
		}
	}
	if (l->nrows > 0)
		snprintf(l->sel_id, sizeof l->sel_id, "%s", l->rows[l->sel].id);
}

static unsigned
cl_contexts(struct screen *s)
{
	return CTX_LIST;
}

static void
cl_resize(struct screen *s, int h, int w)
{
	struct clist *l = (struct clist *)s;
	int ph = h - 1;		/* one title row */

	s->w = w;
	if (ph < 1)
		ph = 1;
	if (ph == l->page_h && s->h == h)
		return;
	s->h = h;
	l->page_h = ph;
	cl_requery(s);
}

static void
cl_draw(struct screen *s, int y, int x, int h, int w, int focused)
{
	struct clist *l = (struct clist *)s;
	struct app *a = s->app;
	char title[512], pos[64];
	int nw, ew, tw, i, cx;

	if (l->count < 0 && l->top >= 0 && l->nrows > 0)
		snprintf(pos, sizeof pos, "%ld/?", l->top + l->sel + 1);
	else if (l->count < 0)
		snprintf(pos, sizeof pos, "%s/?", l->nrows ? "?" : "0");
	else if (l->top >= 0 && l->nrows > 0)
		snprintf(pos, sizeof pos, "%ld/%ld", l->top + l->sel + 1,
		    l->count);
	else
		snprintf(pos, sizeof pos, "%s/%ld", l->nrows ? "?" : "0",
		    l->count);
	snprintf(title, sizeof title, "Contacts %s%s%s", pos,
	    l->search ? "  /" : "", l->search ? l->search : "");
	draw_fill(a, y, x, w, COL_NORMAL);
	draw_text(a, y, x, w, title, COL_TITLE, 0);
	nw = w * 42 / 100;
	ew = w * 28 / 100;
	if (nw < 8)
		nw = 8;
	tw = w - 2 - nw - ew - 2;
	for (i = 0; i < h - 1; i++) {
		const struct cache_row *r;
		enum color_role role = COL_NORMAL;
		const char *contact;

		if ((size_t)i >= l->nrows) {
			draw_fill(a, y + 1 + i, x, w, COL_NORMAL);
			continue;
		}
		r = &l->rows[i];
		if (i == l->sel)
			role = focused ? COL_SELECTED : COL_SELECTED_DIM;
		draw_fill(a, y + 1 + i, x, w, role);
		if (r->failed > 0)
			draw_text(a, y + 1 + i, x, 1, "!", i == l->sel ? role :
			    COL_FAILED, 0);
		else if (r->pending > 0)
			draw_text(a, y + 1 + i, x, 1, "*", i == l->sel ? role :
			    COL_PENDING, 0);
		else if (r->never_synced)
			draw_text(a, y + 1 + i, x, 1, "~", i == l->sel ? role :
			    COL_DONE, 0);
		cx = x + 2;
		draw_text(a, y + 1 + i, cx, nw, r->name, role, 0);
		cx += nw + 1;
		contact = r->email != NULL && *r->email ? r->email : r->phone;
		if (ew > 0 && contact != NULL)
			draw_text(a, y + 1 + i, cx, ew, contact, role, 0);
		cx += ew + 1;
		if (tw > 0 && r->tags != NULL && *r->tags)
			draw_text(a, y + 1 + i, cx, tw, r->tags,
			    i == l->sel ? role : COL_TAG, 0);
	}
	if (l->nrows == 0 && h > 2) {
		if (l->err[0] != '\0')
			draw_text(a, y + 2, x + 2, w - 2, l->err, COL_FAILED, 0);
		else if (l->search != NULL)
			draw_text(a, y + 2, x + 2, w - 2, "No match.", COL_LABEL,
			    0);
		else
			draw_text(a, y + 2, x + 2, w - 2,
			    "No contacts in the cache: press S to sync.",
			    COL_LABEL, 0);
	}
}

static unsigned
cl_command(struct screen *s, enum cmd_id cmd, const char *arg)
{
	struct clist *l = (struct clist *)s;

	switch (cmd) {
	case CMD_DOWN:
	case CMD_SEARCH_NEXT:
		move_sel(l, 1);
		return RX_REDRAW;
	case CMD_UP:
	case CMD_SEARCH_PREV:
		move_sel(l, -1);
		return RX_REDRAW;
	case CMD_PAGE_DOWN:
		move_sel(l, 2);
		return RX_REDRAW;
	case CMD_PAGE_UP:
		move_sel(l, -2);
		return RX_REDRAW;
	case CMD_TOP:
		load_start(l);
		return RX_REDRAW;
	case CMD_BOTTOM:
		load_end(l);	/* the count places it */
		return RX_REDRAW;
	case CMD_OPEN:
		if (l->nrows == 0)
			return RX_DONE;
		app_open_contact(s->app, l->rows[l->sel].id);
		return RX_REDRAW;
	case CMD_CLEAR_FILTER:
		if (l->search == NULL)
			return RX_DONE;
		contact_list_set_search(s, NULL);
		return RX_REDRAW;
	default:
		return RX_IGNORED;
	}
}

static const char *
cl_contact_id(struct screen *s)
{
	struct clist *l = (struct clist *)s;

	return l->nrows > 0 ? l->rows[l->sel].id : NULL;
}

static void
cl_free(struct screen *s)
{
	struct clist *l = (struct clist *)s;

	loop_timer_disarm(s->app->loop, &l->count_timer);
	loop_timer_disarm(s->app->loop, &l->idle_timer);
	cache_rows_free(l->rows, l->nrows);
	free(l->search);
	free(l);
}

static const struct screen_ops contact_list_ops = {
	.name = "list",
	.contexts = cl_contexts,
	.resize = cl_resize,
	.draw = cl_draw,
	.command = cl_command,
	.requery = cl_requery,
	.event = NULL,
	.contact_id = cl_contact_id,
	.free = cl_free,
};

struct screen *
contact_list_new(struct app *a)
{
	struct clist *l = xcalloc(1, sizeof *l);

	l->base.ops = &contact_list_ops;
	l->base.app = a;
	l->page_h = 1;
	l->top = 0;
	l->idle_wait = IDLE_LATER_MS;
	loop_timer_init(&l->count_timer, on_count_timer, l);
	loop_timer_init(&l->idle_timer, on_idle_timer, l);
	return &l->base;
}

void
contact_list_set_search(struct screen *s, const char *text)
{
	struct clist *l = (struct clist *)s;

	if (text != NULL && *text == '\0')
		text = NULL;
	if ((text == NULL && l->search == NULL) ||
	    (text != NULL && l->search != NULL && strcmp(text, l->search) == 0))
		return;
	free(l->search);
	l->search = text != NULL ? xstrdup(text) : NULL;
	if (text == NULL) {
		/* filter cleared: the selected contact stays selected */
		cl_requery(s);
		return;
	}
	/* a new filter selects the first match: its page first */
	l->err[0] = '\0';
	load_start(l);
	count_rows(l, 0);
}

const char *
contact_list_search(struct screen *s)
{
	return ((struct clist *)s)->search;
}

void
contact_list_first(struct screen *s)
{
	load_start((struct clist *)s);
}
