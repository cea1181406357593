/*
 * outbox.c: the outbox screen: pending, in-flight and failed writes, each
 * with its contact, operation, attempts and the server's message.  r
 * retries a failed entry, R every failed one, d discards after a y/n
 * confirmation (the contact is then re-synced so the cache shows the
 * server's truth again).
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cache.h"
#include "model.h"
#include "termsafe.h"
#include "xmalloc.h"

struct outbox {
	struct screen		 base;
	struct outbox_entry	*v;
	size_t			 n;
	char			**names;	/* contact display names */
	int			 sel, top;
	long long		 sel_id;
	char			 err[256];
};

static void
ob_clear(struct outbox *o)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		free(o->names[i]);
	free(o->names);
	outbox_entries_free(o->v, o->n);
	o->v = NULL;
	o->names = NULL;
	o->n = 0;
}

static void
ob_requery(struct screen *s)
{
	struct outbox *o = (struct outbox *)s;
	struct contact c;
	char name[256];
	struct err e;
	size_t i;

	ob_clear(o);
	o->err[0] = '\0';
	if (cache_outbox_list(s->app->cache, NULL, 0, &o->v, &o->n, &e) != 0) {
		app_copy(o->err, sizeof o->err, e.msg);
		return;
	}
	o->names = xcalloc(o->n + 1, sizeof *o->names);
	for (i = 0; i < o->n; i++) {
		memset(&c, 0, sizeof c);
		if (o->v[i].contact_id != NULL && cache_get_contact(s->app->cache,
		    o->v[i].contact_id, &c, NULL, NULL) == 0) {
			o->names[i] = xstrdup(contact_display_name(&c, name,
			    sizeof name));
			contact_free(&c);
		} else {
			o->names[i] = xstrdup(o->v[i].contact_id ?
			    o->v[i].contact_id : "-");
		}
		if (o->v[i].id == o->sel_id)
			o->sel = (int)i;
	}
	if (o->sel >= (int)o->n)
		o->sel = (int)o->n - 1;
	if (o->sel < 0)
		o->sel = 0;
	o->sel_id = o->n > 0 ? o->v[o->sel].id : 0;
}

static unsigned
ob_contexts(struct screen *s)
{
	return CTX_OUTBOX;
}

static void
ob_resize(struct screen *s, int h, int w)
{
	s->h = h;
	s->w = w;
}

static void
ob_draw(struct screen *s, int y, int x, int h, int w, int focused)
{
	struct outbox *o = (struct outbox *)s;
	struct app *a = s->app;
	char line[1024], when[64];
	int per = 2, rows, i, r;

	for (i = 0; i < h; i++)
		draw_fill(a, y + i, x, w, COL_NORMAL);
	snprintf(line, sizeof line, "Outbox: %zu unsent write%s   "
	    "r retry  R retry all  d discard  q back", o->n, o->n == 1 ? "" :
	    "s");
	draw_text(a, y, x, w, line, COL_TITLE, 0);
	if (o->err[0] != '\0') {
		draw_text(a, y + 1, x + 1, w - 1, o->err, COL_FAILED, 0);
		return;
	}
	if (o->n == 0) {
		if (h > 1)
			draw_text(a, y + 1, x + 1, w - 1, "Nothing waiting: "
			    "every write reached the server.", COL_LABEL, 0);
		return;
	}
	/* the selected entry's whole message, wrapped, at the bottom */
	if (h >= 10 && o->v[o->sel].error != NULL && *o->v[o->sel].error) {
		char *safe = termsafe(o->v[o->sel].error, (size_t)-1, 0), *seg;
		const char *p = safe, *next;
		int k, avail = 3;

		draw_text(a, y + h - avail - 1, x, w, "Message:", COL_LABEL, 0);
		for (k = 0; k < avail; k++) {
			size_t len = termsafe_wrap(p, w - 2, &next);

			if (len == 0 && next == p)
				break;
			seg = xstrndup(p, len);
			draw_text(a, y + h - avail + k, x + 2, w - 2, seg,
			    COL_FAILED, 0);
			free(seg);
			p = next;
		}
		free(safe);
		h -= avail + 1;
	}
	rows = (h - 1) / per;
	if (rows < 1)
		rows = 1;
	if (o->sel < o->top)
		o->top = o->sel;
	if (o->sel >= o->top + rows)
		o->top = o->sel - rows + 1;
	for (i = 0; i < rows && o->top + i < (int)o->n; i++) {
		struct outbox_entry *en = &o->v[o->top + i];
		int failed = strcmp(en->status, "failed") == 0;
		enum color_role role = o->top + i == o->sel ? COL_SELECTED :
		    COL_NORMAL;

		r = y + 1 + i * per;
		fmt_ms(en->created_at, when, sizeof when);
		snprintf(line, sizeof line, "#%lld %-8s %-14s %s  (%d attempt%s, "
		    "%s)", en->id, en->status, en->op, o->names[o->top + i],
		    en->attempts, en->attempts == 1 ? "" : "s", when);
		draw_fill(a, r, x, w, role);
		draw_text(a, r, x, w, line, role == COL_NORMAL && failed ?
		    COL_FAILED : role, 0);
		if (r + 1 < y + h && en->error != NULL && *en->error) {
			snprintf(line, sizeof line, "    %s", en->error);
			draw_text(a, r + 1, x, w, line, failed ? COL_FAILED :
			    COL_LABEL, 0);
		}
	}
}

static void
on_discard(struct app *a, int accepted, const char *text, const char *ctx_id,
    long long id, const char *ctx_text)
{
	struct err e;

	if (!accepted) {
		app_message(a, 0, "kept entry #%lld", id);
		return;
	}
	if (cache_outbox_discard(a->cache, id, &e) != 0) {
		app_message(a, 1, "discard #%lld: %s", id, e.msg);
		return;
	}
	app_message(a, 0, "discarded #%lld", id);
	if (ctx_id[0] != '\0')
		app_post(a, JOB_SYNC_ONE, ctx_id);
	app_refresh_counts(a);
	app_requery(a);
}

static unsigned
ob_command(struct screen *s, enum cmd_id cmd, const char *arg)
{
	struct outbox *o = (struct outbox *)s;
	struct outbox_entry *en = o->n > 0 ? &o->v[o->sel] : NULL;
	int rows = s->h > 2 ? (s->h - 1) / 2 : 1;
	struct prompt *p;
	char label[256];
	struct err e;
	long n;

	switch (cmd) {
	case CMD_DOWN:
		o->sel++;
		break;
	case CMD_UP:
		o->sel--;
		break;
	case CMD_PAGE_DOWN:
		o->sel += rows;
		break;
	case CMD_PAGE_UP:
		o->sel -= rows;
		break;
	case CMD_TOP:
		o->sel = 0;
		break;
	case CMD_BOTTOM:
		o->sel = (int)o->n - 1;
		break;
	case CMD_BACK:
		return RX_POP;
	case CMD_RETRY:
		if (en == NULL)
			return RX_DONE;
		if (cache_outbox_retry(s->app->cache, en->id, &e) != 0) {
			app_message(s->app, 1, "retry #%lld: %s", en->id,
			    e.code == ERR_NOTFOUND ? "only a failed write can "
			    "be retried" : e.msg);
			return RX_REDRAW;
		}
		app_message(s->app, 0, "retrying #%lld", en->id);
		app_post(s->app, JOB_OUTBOX, NULL);
		app_requery(s->app);
		return RX_REDRAW | RX_COUNTS;
	case CMD_RETRY_ALL:
		if (cache_outbox_retry_all(s->app->cache, &n, &e) != 0) {
			app_message(s->app, 1, "retry: %s", e.msg);
			return RX_REDRAW;
		}
		app_message(s->app, 0, "retrying %ld failed write%s", n,
		    n == 1 ? "" : "s");
		app_post(s->app, JOB_OUTBOX, NULL);
		app_requery(s->app);
		return RX_REDRAW | RX_COUNTS;
	case CMD_DISCARD:
		if (en == NULL)
			return RX_DONE;
		snprintf(label, sizeof label, "Discard #%lld %s for %s? (y/n) ",
		    en->id, en->op, o->names[o->sel]);
		p = prompt_new(PROMPT_CONFIRM, label, NULL, on_discard);
		snprintf(p->ctx_id, sizeof p->ctx_id, "%s",
		    en->contact_id ? en->contact_id : "");
		p->ctx_n = en->id;
		app_open_prompt(s->app, p);
		return RX_REDRAW;
	default:
		return RX_IGNORED;
	}
	if (o->sel >= (int)o->n)
		o->sel = (int)o->n - 1;
	if (o->sel < 0)
		o->sel = 0;
	o->sel_id = o->n > 0 ? o->v[o->sel].id : 0;
	return RX_REDRAW;
}

static const char *
ob_contact_id(struct screen *s)
{
	struct outbox *o = (struct outbox *)s;

	return o->n > 0 ? o->v[o->sel].contact_id : NULL;
}

static void
ob_free(struct screen *s)
{
	ob_clear((struct outbox *)s);
	free(s);
}

static const struct screen_ops outbox_ops = {
	.name = "outbox",
	.contexts = ob_contexts,
	.resize = ob_resize,
	.draw = ob_draw,
	.command = ob_command,
	.requery = ob_requery,
	.event = NULL,
	.contact_id = ob_contact_id,
	.free = ob_free,
};

struct screen *
outbox_new(struct app *a)
{
	struct outbox *o = xcalloc(1, sizeof *o);

	o->base.ops = &outbox_ops;
	o->base.app = a;
	return &o->base;
}
