/*
 * help.c: the help screen, generated from the command table and the keymap
 * in force: one section per context, each command with every key bound to
 * it there (or its ':' name when it has none), so it lists exactly the
 * keys that work, rebinds included.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "keymap.h"
#include "model.h"
#include "xmalloc.h"

struct help {
	struct screen	 base;
	int		 scroll;
};

static const struct {
	unsigned	 ctx;
	const char	*title;
} sections[] = {
	{ CTX_LIST, "Contact list" },
	{ CTX_DETAIL, "Contact view" },
	{ CTX_TASKS, "Tasks tab" },
	{ CTX_NOTES, "Notes tab" },
	{ CTX_APPTS, "Appointments tab" },
	{ CTX_OUTBOX, "Outbox" },
	{ CTX_HELP, "Help" },
	{ CTX_USAGE, "Usage view" },
	{ CTX_GLOBAL, "Everywhere" },
};

/* The help text as lines (owned by out); [0] and [1] are role hints via
 * a leading '#' for section titles. */
static void
build(struct app *a, struct strv *out)
{
	char keys[128], kn[32], line[512];
	int kv[16], i;
	size_t s, nk, k, before;

	strv_push(out, "#ghlterm keys (q or Esc closes; :NAME runs any "
	    "command; bind CONTEXT KEY COMMAND in the config)");
	strv_push(out, "  Marks in the list:  ! a write failed   * a write is "
	    "pending   ~ never fully synced");
	for (s = 0; s < nitems(sections); s++) {
		before = out->n;
		snprintf(line, sizeof line, "#%s", sections[s].title);
		strv_push(out, "");
		strv_push(out, line);
		for (i = 0; i < CMD__COUNT; i++) {
			nk = keymap_keys_for(a->km, sections[s].ctx,
			    (enum cmd_id)i, kv, nitems(kv));
			if (nk == 0 && !(cmd_defs[i].ctx & sections[s].ctx))
				continue;
			keys[0] = '\0';
			for (k = 0; k < nk; k++) {
				size_t l = strlen(keys);

				snprintf(keys + l, sizeof keys - l, "%s%s",
				    k ? " " : "", keymap_key_name(kv[k], kn,
				    sizeof kn));
			}
			if (nk == 0)
				snprintf(keys, sizeof keys, ":%s",
				    cmd_defs[i].name);
			snprintf(line, sizeof line, "  %-16s %-18s %s", keys,
			    cmd_defs[i].name, cmd_defs[i].help);
			strv_push(out, line);
		}
		if (out->n == before + 2) {
			/* nothing in this context */
			free(out->v[--out->n]);
			free(out->v[--out->n]);
		}
	}
}

static unsigned
help_contexts(struct screen *s)
{
	return CTX_HELP;
}

static void
help_resize(struct screen *s, int h, int w)
{
	s->h = h;
	s->w = w;
}

static void
help_draw(struct screen *s, int y, int x, int h, int w, int focused)
{
	struct help *hp = (struct help *)s;
	struct strv v = { 0 };
	int i;

	build(s->app, &v);
	for (i = 0; i < h; i++) {
		size_t li = (size_t)(hp->scroll + i);

		draw_fill(s->app, y + i, x, w, COL_NORMAL);
		if (li >= v.n)
			continue;
		if (v.v[li][0] == '#')
			draw_text(s->app, y + i, x, w, v.v[li] + 1, COL_TITLE, 0);
		else
			draw_text(s->app, y + i, x, w, v.v[li], COL_NORMAL, 0);
	}
	strv_free(&v);
}

static unsigned
help_command(struct screen *s, enum cmd_id cmd, const char *arg)
{
	struct help *hp = (struct help *)s;
	struct strv v = { 0 };
	int n, page = s->h > 1 ? s->h - 1 : 1;

	build(s->app, &v);
	n = (int)v.n;
	strv_free(&v);
	switch (cmd) {
	case CMD_DOWN:
		hp->scroll++;
		break;
	case CMD_UP:
		hp->scroll--;
		break;
	case CMD_PAGE_DOWN:
		hp->scroll += page;
		break;
	case CMD_PAGE_UP:
		hp->scroll -= page;
		break;
	case CMD_TOP:
		hp->scroll = 0;
		break;
	case CMD_BOTTOM:
		hp->scroll = n;
		break;
	case CMD_BACK:
	case CMD_HELP:
		return RX_POP;
	default:
		return RX_IGNORED;
	}
	if (hp->scroll > n - s->h)
		hp->scroll = n - s->h;
	if (hp->scroll < 0)
		hp->scroll = 0;
	return RX_REDRAW;
}

static void
help_requery(struct screen *s)
{
}

static const char *
help_contact_id(struct screen *s)
{
	return NULL;
}

static void
help_free(struct screen *s)
{
	free(s);
}

static const struct screen_ops help_ops = {
	.name = "help",
	.contexts = help_contexts,
	.resize = help_resize,
	.draw = help_draw,
	.command = help_command,
	.requery = help_requery,
	.event = NULL,
	.contact_id = help_contact_id,
	.free = help_free,
};

struct screen *
help_new(struct app *a)
{
	struct help *h = xcalloc(1, sizeof *h);

	h->base.ops = &help_ops;
	h->base.app = a;
	return &h->base;
}
