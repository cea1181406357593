/*
 * contact_detail.c: one contact: a header (name, email, phone, company,
 * tags, DND, last synced, pending writes) and three tabs, Tasks (open
 * first, completed dimmed and hideable), Notes (full text, wrapped and
 * scrollable) and Appointments (times in local time, CONTRACT §A9).
 * Everything comes from the cache; a stale contact is refreshed by a
 * background JOB_SYNC_ONE when it is opened.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "cache.h"
#include "cache_mirror.h"
#include "conf.h"
#include "model.h"
#include "termsafe.h"
#include "xmalloc.h"

enum { TAB_TASKS, TAB_NOTES, TAB_APPTS, TAB__COUNT };

struct cdetail {
	struct screen	 base;
	char		 id[64];
	int		 found;
	struct contact	 c;
	long long	 synced_at;
	struct task	*tasks;
	size_t		 ntasks;
	struct note	*notes;
	size_t		 nnotes;
	struct appt	*appts;
	size_t		 nappts;
	struct outbox_entry *ob;
	size_t		 nob;
	int		 tab;
	int		 sel;		/* visible task index */
	char		 sel_task[64];
	int		 scroll[TAB__COUNT];
	int		 hide_done;
	int		 refreshing;
	int		 content_h;	/* rows of the tab content last drawn */
	int		 mirroring;	/* a JOB_MIRROR_ONE of it runs */
	char		 mirror[320];	/* Salesmate state, "" when none */
	char		 err[256];
};

static void
clear_data(struct cdetail *d)
{
	contact_free(&d->c);
	memset(&d->c, 0, sizeof d->c);
	for (size_t i = 0; i < d->ntasks; i++)
		task_free(&d->tasks[i]);
	free(d->tasks);
	for (size_t i = 0; i < d->nnotes; i++)
		note_free(&d->notes[i]);
	free(d->notes);
	for (size_t i = 0; i < d->nappts; i++)
		appt_free(&d->appts[i]);
	free(d->appts);
	outbox_entries_free(d->ob, d->nob);
	d->tasks = NULL;
	d->notes = NULL;
	d->appts = NULL;
	d->ob = NULL;
	d->ntasks = d->nnotes = d->nappts = d->nob = 0;
	d->found = 0;
}

/* Tasks shown (completed ones hidden when asked). */
static int
visible(const struct cdetail *d, size_t i)
{
	return !(d->hide_done && d->tasks[i].completed == TRI_TRUE);
}

static size_t
nvisible(const struct cdetail *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->ntasks; i++)
		n += visible(d, i);
	return n;
}

static struct task *
vis_task(struct cdetail *d, int idx)
{
	size_t i;
	int n = 0;

	for (i = 0; i < d->ntasks; i++) {
		if (!visible(d, i))
			continue;
		if (n++ == idx)
			return &d->tasks[i];
	}
	return NULL;
}

static void
fix_sel(struct cdetail *d)
{
	int n = (int)nvisible(d), i;
	struct task *t;

	/* keep the selected task by id */
	if (d->sel_task[0] != '\0') {
		for (i = 0; i < n; i++) {
			t = vis_task(d, i);
			if (t->id != NULL && strcmp(t->id, d->sel_task) == 0) {
				d->sel = i;
				break;
			}
		}
	}
	if (d->sel >= n)
		d->sel = n - 1;
	if (d->sel < 0)
		d->sel = 0;
	t = vis_task(d, d->sel);
	snprintf(d->sel_task, sizeof d->sel_task, "%s",
	    t != NULL && t->id != NULL ? t->id : "");
}

/* The Salesmate mirror state of the contact, as the header shows it. */
static void
load_mirror(struct cdetail *d)
{
	struct app *a = d->base.app;
	struct cm_item it;
	char when[64];
	int rc;

	d->mirror[0] = '\0';
	rc = cache_mirror_get(cache_sqlite(a->cache), CM_CONTACT, d->id, &it,
	    NULL);
	if (rc == 0) {
		if (it.state == NULL || strcmp(it.state, "pending") == 0)
			snprintf(d->mirror, sizeof d->mirror, "pending");
		else if (strcmp(it.state, "ok") == 0)
			snprintf(d->mirror, sizeof d->mirror, "mirrored at %s",
			    fmt_ms(it.mirrored_at, when, sizeof when));
		else if (strncmp(it.state, "failed:", 7) == 0)
			snprintf(d->mirror, sizeof d->mirror, "failed: %.300s",
			    it.state + 7);
		else
			snprintf(d->mirror, sizeof d->mirror, "%.300s",
			    it.state);
		cm_item_free(&it);
	} else if (rc == ERR_NOTFOUND && ((a->cfg->sm_linkname != NULL &&
	    *a->cfg->sm_linkname) || (a->cfg->sm_base_url != NULL &&
	    *a->cfg->sm_base_url))) {
		snprintf(d->mirror, sizeof d->mirror, "not mirrored");
	}
}

static void
load(struct cdetail *d)
{
	struct cache *c = d->base.app->cache;
	struct err e;

	clear_data(d);
	d->err[0] = '\0';
	if (d->id[0] == '\0')
		return;
	if (cache_get_contact(c, d->id, &d->c, &d->synced_at, &e) != 0) {
		app_copy(d->err, sizeof d->err, e.msg);
		return;
	}
	d->found = 1;
	load_mirror(d);
	if (cache_get_tasks(c, d->id, &d->tasks, &d->ntasks, &e) ||
	    cache_get_notes(c, d->id, &d->notes, &d->nnotes, &e) ||
	    cache_get_appts(c, d->id, &d->appts, &d->nappts, &e) ||
	    cache_outbox_list(c, d->id, 0, &d->ob, &d->nob, &e))
		app_copy(d->err, sizeof d->err, e.msg);
	fix_sel(d);
}

/* '*' pending or '!' failed write touching target id, else NULL. */
static const char *
ob_mark(const struct cdetail *d, const char *target)
{
	const char *m = NULL;
	size_t i;

	if (target == NULL)
		return NULL;
	for (i = 0; i < d->nob; i++) {
		if (d->ob[i].target_id == NULL ||
		    strcmp(d->ob[i].target_id, target) != 0)
			continue;
		if (strcmp(d->ob[i].status, "failed") == 0)
			return "!";
		m = "*";
	}
	return m;
}

static unsigned
cd_contexts(struct screen *s)
{
	struct cdetail *d = (struct cdetail *)s;
	static const unsigned tabctx[TAB__COUNT] = {
		CTX_TASKS, CTX_NOTES, CTX_APPTS,
	};

	return CTX_DETAIL | tabctx[d->tab];
}

static void
cd_resize(struct screen *s, int h, int w)
{
	s->h = h;
	s->w = w;
}

static int
header_rows(int h)
{
	return h >= 12 ? 4 : h >= 7 ? 2 : 1;
}

static void
draw_header(struct cdetail *d, int y, int x, int w, int rows)
{
	struct app *a = d->base.app;
	char name[256], line[1024], when[64];
	long np = 0, nf = 0;
	size_t i;
	int cx;

	for (i = 0; i < d->nob; i++) {
		if (strcmp(d->ob[i].status, "failed") == 0)
			nf++;
		else
			np++;
	}
	cx = x + draw_text(a, y, x, w, contact_display_name(&d->c, name,
	    sizeof name), COL_TITLE, 0);
	if (np > 0) {
		snprintf(line, sizeof line, "  * %ld pending", np);
		cx += draw_text(a, y, cx, x + w - cx, line, COL_PENDING, 0);
	}
	if (nf > 0) {
		snprintf(line, sizeof line, "  ! %ld failed", nf);
		cx += draw_text(a, y, cx, x + w - cx, line, COL_FAILED, 0);
	}
	if (d->refreshing)
		draw_text(a, y, cx, x + w - cx, "  (refreshing...)", COL_LABEL,
		    0);
	if (rows < 2)
		return;
	snprintf(line, sizeof line, "%s  %s  %s",
	    d->c.email ? d->c.email : "-", d->c.phone ? d->c.phone : "-",
	    d->c.company_name ? d->c.company_name : "");
	draw_text(a, y + 1, x, w, line, COL_NORMAL, 0);
	if (rows < 4)
		return;
	cx = x + draw_text(a, y + 2, x, w, "Tags: ", COL_LABEL, 0);
	line[0] = '\0';
	for (i = 0; i < d->c.tags.n; i++) {
		size_t l = strlen(line);

		snprintf(line + l, sizeof line - l, "%s%s", i ? ", " : "",
		    d->c.tags.v[i]);
	}
	draw_text(a, y + 2, cx, x + w - cx, d->c.tags.n ? line : "-", COL_TAG,
	    0);
	snprintf(line, sizeof line, "DND: %s   Last synced: %s%s%s",
	    d->c.dnd == TRI_TRUE ? "on" : d->c.dnd == TRI_FALSE ? "off" : "-",
	    fmt_ms(d->synced_at, when, sizeof when),
	    d->mirroring || d->mirror[0] ? "   Salesmate: " : "",
	    d->mirroring ? "mirroring..." : d->mirror);
	draw_text(a, y + 3, x, w, line, COL_LABEL, 0);
}

static void
draw_tabs(struct cdetail *d, int y, int x, int w, int focused)
{
	struct app *a = d->base.app;
	char b[64];
	int cx = x, t;
	const char *names[TAB__COUNT] = { "Tasks", "Notes", "Appointments" };
	size_t counts[TAB__COUNT] = { d->ntasks, d->nnotes, d->nappts };

	draw_fill(a, y, x, w, COL_NORMAL);
	for (t = 0; t < TAB__COUNT && cx < x + w; t++) {
		snprintf(b, sizeof b, " %d %s (%zu) ", t + 1, names[t],
		    counts[t]);
		cx += draw_text(a, y, cx, x + w - cx, b,
		    t == d->tab ? COL_TAB_ACTIVE : COL_TAB, 0);
		cx += 1;
	}
}

static void
draw_tasks(struct cdetail *d, int y, int x, int h, int w, int focused)
{
	struct app *a = d->base.app;
	int n = (int)nvisible(d), top, i, cx, dw;
	char due[64], b[96];
	size_t hidden = d->ntasks - (size_t)n;

	if (n == 0) {
		snprintf(b, sizeof b, hidden ? "No open tasks (%zu completed "
		    "hidden: H shows them)." : "No tasks.", hidden);
		draw_text(a, y, x + 1, w - 1, b, COL_LABEL, 0);
		return;
	}
	top = d->sel >= h ? d->sel - h + 1 : 0;
	for (i = 0; i < h && top + i < n; i++) {
		struct task *t = vis_task(d, top + i);
		int done = t->completed == TRI_TRUE;
		enum color_role role = done ? COL_DONE : COL_NORMAL;
		const char *m = ob_mark(d, t->id);

		if (top + i == d->sel && focused)
			role = COL_SELECTED;
		else if (top + i == d->sel)
			role = COL_SELECTED_DIM;
		draw_fill(a, y + i, x, w, role);
		if (m != NULL)
			draw_text(a, y + i, x, 1, m, role == COL_SELECTED ? role :
			    *m == '!' ? COL_FAILED : COL_PENDING, 0);
		cx = x + 1;
		cx += draw_text(a, y + i, cx, w - 1, done ? "[x] " : "[ ] ",
		    role, 0);
		snprintf(b, sizeof b, " due %s",
		    fmt_time(t->due_date, due, sizeof due));
		dw = termsafe_width(b);
		if (t->due_date == NULL || x + w - cx - dw < 10)
			dw = 0;
		draw_text(a, y + i, cx, x + w - cx - dw, t->title ? t->title :
		    "(untitled)", role, 0);
		if (dw > 0)
			draw_text(a, y + i, x + w - dw, dw, b, role == COL_NORMAL ?
			    COL_LABEL : role, 0);
	}
}

/*
 * The notes (or appointments) tab as display lines: calls emit for each
 * line (text, role) in order; returns the line count.  Used both to draw
 * and to bound scrolling.
 */
typedef void (*line_fn)(void *arg, int idx, const char *text,
    enum color_role role);

static int
note_lines(struct cdetail *d, int w, line_fn emit, void *arg)
{
	char when[64], *hdr, *body, *seg;
	const char *p, *next;
	size_t i, len;
	int n = 0;

	if (w < 1)
		w = 1;
	for (i = 0; i < d->nnotes; i++) {
		struct note *no = &d->notes[i];
		const char *m = ob_mark(d, no->id);

		hdr = xasprintf("%s%s %s%s%s", m ? m : "-",
		    no->pinned == TRI_TRUE ? " [pinned]" : "",
		    fmt_time(no->date_added, when, sizeof when),
		    no->title && *no->title ? "  " : "",
		    no->title ? no->title : "");
		if (emit)
			emit(arg, n, hdr, COL_LABEL);
		n++;
		free(hdr);
		body = termsafe(no->body, (size_t)-1, TERMSAFE_MULTILINE);
		for (p = body;;) {
			len = termsafe_wrap(p, w - 2, &next);
			if (len == 0 && next == p)
				break;
			seg = xstrndup(p, len);
			if (emit)
				emit(arg, n, seg, COL_NORMAL);
			n++;
			free(seg);
			p = next;
		}
		free(body);
		if (emit)
			emit(arg, n, "", COL_NORMAL);
		n++;
	}
	return n;
}

static int
appt_lines(struct cdetail *d, int w, line_fn emit, void *arg)
{
	char s[64], e[64], *line;
	size_t i;
	int n = 0;

	for (i = 0; i < d->nappts; i++) {
		struct appt *ap = &d->appts[i];
		const char *st = ap->appointment_status && *ap->appointment_status ?
		    ap->appointment_status : ap->status;

		line = xasprintf("%s - %s  %s  [%s]",
		    fmt_time(ap->start_time, s, sizeof s),
		    fmt_time(ap->end_time, e, sizeof e),
		    ap->title ? ap->title : "(untitled)", st ? st : "-");
		if (emit)
			emit(arg, n, line, COL_NORMAL);
		n++;
		free(line);
		if (ap->address != NULL && *ap->address) {
			line = xasprintf("    %s", ap->address);
			if (emit)
				emit(arg, n, line, COL_LABEL);
			n++;
			free(line);
		}
	}
	return n;
}

struct emit_ctx {
	struct app	*a;
	int		 y, x, w, top, h;
};

static void
emit_draw(void *arg, int idx, const char *text, enum color_role role)
{
	struct emit_ctx *c = arg;

	if (idx < c->top || idx >= c->top + c->h)
		return;
	draw_text(c->a, c->y + idx - c->top, c->x + 1, c->w - 1, text, role, 0);
}

static int
content_lines(struct cdetail *d)
{
	int w = d->base.w;

	if (d->tab == TAB_NOTES)
		return note_lines(d, w - 1, NULL, NULL);
	if (d->tab == TAB_APPTS)
		return appt_lines(d, w - 1, NULL, NULL);
	return (int)nvisible(d);
}

static void
cd_draw(struct screen *s, int y, int x, int h, int w, int focused)
{
	struct cdetail *d = (struct cdetail *)s;
	struct app *a = s->app;
	struct emit_ctx ec;
	int hr, i;

	s->h = h;
	s->w = w;
	for (i = 0; i < h; i++)
		draw_fill(a, y + i, x, w, COL_NORMAL);
	if (d->id[0] == '\0') {
		draw_text(a, y, x + 1, w - 1, "No contact selected.", COL_LABEL,
		    0);
		return;
	}
	if (!d->found) {
		draw_text(a, y, x + 1, w - 1, d->err[0] ? d->err :
		    "Contact not in the cache.", COL_FAILED, 0);
		return;
	}
	hr = header_rows(h);
	draw_header(d, y, x, w, hr);
	if (h <= hr + 1)
		return;
	draw_tabs(d, y + hr, x, w, focused);
	d->content_h = h - hr - 1;
	ec = (struct emit_ctx){ a, y + hr + 1, x, w, d->scroll[d->tab],
	    d->content_h };
	switch (d->tab) {
	case TAB_TASKS:
		draw_tasks(d, y + hr + 1, x, d->content_h, w, focused);
		break;
	case TAB_NOTES:
		if (d->nnotes == 0)
			draw_text(a, ec.y, x + 1, w - 1, "No notes.", COL_LABEL,
			    0);
		note_lines(d, w - 1, emit_draw, &ec);
		break;
	case TAB_APPTS:
		if (d->nappts == 0)
			draw_text(a, ec.y, x + 1, w - 1, "No appointments.",
			    COL_LABEL, 0);
		appt_lines(d, w - 1, emit_draw, &ec);
		break;
	}
}

static void
scroll_by(struct cdetail *d, int delta)
{
	int n = content_lines(d), h = d->content_h > 0 ? d->content_h : 1;
	int *sc = &d->scroll[d->tab], max = n - h;

	if (delta == -1000000)
		*sc = 0;
	else if (delta == 1000000)
		*sc = max;
	else
		*sc += delta;
	if (*sc > max)
		*sc = max;
	if (*sc < 0)
		*sc = 0;
}

static void
move_sel(struct cdetail *d, int delta)
{
	int n = (int)nvisible(d);
	struct task *t;

	if (delta == -1000000)
		d->sel = 0;
	else if (delta == 1000000)
		d->sel = n - 1;
	else
		d->sel += delta;
	if (d->sel >= n)
		d->sel = n - 1;
	if (d->sel < 0)
		d->sel = 0;
	t = vis_task(d, d->sel);
	snprintf(d->sel_task, sizeof d->sel_task, "%s",
	    t != NULL && t->id != NULL ? t->id : "");
}

static unsigned
cd_command(struct screen *s, enum cmd_id cmd, const char *arg)
{
	struct cdetail *d = (struct cdetail *)s;
	int page = d->content_h > 1 ? d->content_h - 1 : 1, delta = 0;
	struct task *t;

	switch (cmd) {
	case CMD_DOWN:
		delta = 1;
		break;
	case CMD_UP:
		delta = -1;
		break;
	case CMD_PAGE_DOWN:
		delta = page;
		break;
	case CMD_PAGE_UP:
		delta = -page;
		break;
	case CMD_TOP:
		delta = -1000000;
		break;
	case CMD_BOTTOM:
		delta = 1000000;
		break;
	case CMD_BACK:
		return RX_POP;
	case CMD_NEXT_TAB:
		d->tab = (d->tab + 1) % TAB__COUNT;
		return RX_REDRAW;
	case CMD_PREV_TAB:
		d->tab = (d->tab + TAB__COUNT - 1) % TAB__COUNT;
		return RX_REDRAW;
	case CMD_TAB_TASKS:
		d->tab = TAB_TASKS;
		return RX_REDRAW;
	case CMD_TAB_NOTES:
		d->tab = TAB_NOTES;
		return RX_REDRAW;
	case CMD_TAB_APPTS:
		d->tab = TAB_APPTS;
		return RX_REDRAW;
	case CMD_HIDE_DONE:
		d->hide_done = !d->hide_done;
		fix_sel(d);
		app_message(s->app, 0, d->hide_done ? "completed tasks hidden" :
		    "completed tasks shown");
		return RX_REDRAW;
	case CMD_TASK_TOGGLE:
		if (d->tab != TAB_TASKS || !d->found)
			return RX_IGNORED;
		t = vis_task(d, d->sel);
		if (t == NULL || t->id == NULL) {
			app_message(s->app, 1, "no task selected");
			return RX_REDRAW;
		}
		actions_task_toggle(s->app, d->id, t->id,
		    t->completed == TRI_TRUE);
		return RX_REDRAW | RX_COUNTS;
	default:
		return RX_IGNORED;
	}
	if (d->tab == TAB_TASKS)
		move_sel(d, delta);
	else
		scroll_by(d, delta);
	return RX_REDRAW;
}

static void
cd_requery(struct screen *s)
{
	load((struct cdetail *)s);
}

static void
cd_event(struct screen *s, const struct worker_event *ev)
{
	struct cdetail *d = (struct cdetail *)s;

	if (ev->job == JOB_MIRROR_ONE && strcmp(ev->contact_id, d->id) == 0) {
		if (ev->kind == EV_STARTED)
			d->mirroring = 1;
		else if (ev->kind == EV_DONE) {
			d->mirroring = 0;
			load_mirror(d);
		}
		return;
	}
	if (ev->job != JOB_SYNC_ONE || strcmp(ev->contact_id, d->id) != 0)
		return;
	if (ev->kind == EV_STARTED)
		d->refreshing = 1;
	else if (ev->kind == EV_DONE)
		d->refreshing = 0;
}

static const char *
cd_contact_id(struct screen *s)
{
	struct cdetail *d = (struct cdetail *)s;

	return d->found ? d->id : NULL;
}

static void
cd_free(struct screen *s)
{
	struct cdetail *d = (struct cdetail *)s;

	clear_data(d);
	free(d);
}

static const struct screen_ops contact_detail_ops = {
	.name = "detail",
	.contexts = cd_contexts,
	.resize = cd_resize,
	.draw = cd_draw,
	.command = cd_command,
	.requery = cd_requery,
	.event = cd_event,
	.contact_id = cd_contact_id,
	.free = cd_free,
};

struct screen *
contact_detail_new(struct app *a)
{
	struct cdetail *d = xcalloc(1, sizeof *d);

	d->base.ops = &contact_detail_ops;
	d->base.app = a;
	d->hide_done = a->cfg->hide_completed;
	return &d->base;
}

void
contact_detail_show(struct screen *s, const char *id, int open)
{
	struct cdetail *d = (struct cdetail *)s;
	long long age_ms;
	int same = id != NULL && strcmp(d->id, id) == 0;

	if (!same) {
		snprintf(d->id, sizeof d->id, "%s", id != NULL ? id : "");
		d->sel = 0;
		d->sel_task[0] = '\0';
		memset(d->scroll, 0, sizeof d->scroll);
		d->refreshing = 0;
		d->mirroring = 0;
	}
	if (open) {
		/* Tasks tab, first open task (open tasks come first) */
		d->tab = TAB_TASKS;
		d->sel = 0;
		d->sel_task[0] = '\0';
	}
	load(d);
	if (!open || !d->found)
		return;
	age_ms = (long long)time(NULL) * 1000 - d->synced_at;
	if (d->synced_at <= 0 ||
	    age_ms > (long long)s->app->cfg->refresh_age_s * 1000) {
		if (!s->app->cfg->offline && s->app->worker != NULL) {
			app_post(s->app, JOB_SYNC_ONE, d->id);
			d->refreshing = 1;
		}
	}
}
