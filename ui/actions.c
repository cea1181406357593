/*
 * actions.c: the commands that are not tied to one screen, and every
 * write the TUI makes.  A write goes through the cache's local-write
 * functions (optimistic change + outbox entry in one transaction), then
 * the outbox job is posted to the worker unless running offline.  Prompts
 * chain through their done callbacks (task title, then due date).
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app.h"
#include "cache.h"
#include "conf.h"
#include "keymap.h"
#include "model.h"
#include "usage.h"
#include "xmalloc.h"

/* After a successful local write. */
static void
written(struct app *a, const char *contact_id)
{
	app_refresh_counts(a);
	app_requery(a);
	if (!a->cfg->offline)
		app_post(a, JOB_OUTBOX, NULL);
}

static const char *
current_contact(struct app *a)
{
	struct screen *s = a->overlay != NULL ? a->overlay : a->focus;
	const char *id = s->ops->contact_id(s);

	if (id == NULL && s == a->list && a->cols >= 100)
		id = a->detail->ops->contact_id(a->detail);
	return id;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

void
actions_task_toggle(struct app *a, const char *cid, const char *tid,
    int completed_now)
{
	struct err e;

	if (cache_task_set_completed(a->cache, cid, tid, !completed_now, NULL,
	    &e) != 0) {
		app_message(a, 1, "task %s: %s", tid, e.msg);
		return;
	}
	app_message(a, 0, completed_now ? "task reopened (u undoes)" :
	    "task completed (u undoes)");
	written(a, cid);
}

/* ---- tags ---- */

static void
split_tags(const char *text, struct strv *out)
{
	char *copy = xstrdup(text), *p = copy, *comma, *t;

	for (;;) {
		comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		t = trim(p);
		if (*t != '\0' && !strv_contains_ci(out, t))
			strv_push(out, t);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	free(copy);
}

static void
tags_write(struct app *a, const char *cid, const char *text, int add)
{
	struct strv tags = { 0 };
	struct err e;
	int rc;

	split_tags(text, &tags);
	if (tags.n == 0) {
		app_message(a, 0, "no tag given");
		return;
	}
	rc = add ? cache_tags_add(a->cache, cid, &tags, NULL, &e) :
	    cache_tags_remove(a->cache, cid, &tags, NULL, &e);
	if (rc != 0)
		app_message(a, 1, "tags: %s", e.msg);
	else {
		app_message(a, 0, "%s %zu tag%s", add ? "added" : "removed",
		    tags.n, tags.n == 1 ? "" : "s");
		written(a, cid);
	}
	strv_free(&tags);
}

static void
on_tag_add(struct app *a, int ok, const char *text, const char *cid,
    long long n, const char *ctx_text)
{
	if (ok)
		tags_write(a, cid, text, 1);
}

static void
on_tag_remove(struct app *a, int ok, const char *text, const char *cid,
    long long n, const char *ctx_text)
{
	if (ok)
		tags_write(a, cid, text, 0);
}

/* Known tags starting with word, not already on the contact. */
static void
complete_tags(struct app *a, const char *line, const char *word,
    const char *cid, struct strv *out)
{
	struct strv all = { 0 };
	struct contact c;
	size_t i;
	int have = 0;

	memset(&c, 0, sizeof c);
	if (cid != NULL && *cid != '\0')
		have = cache_get_contact(a->cache, cid, &c, NULL, NULL) == 0;
	if (cache_known_tags(a->cache, word, &all, NULL) == 0) {
		for (i = 0; i < all.n; i++)
			if (!have || !strv_contains_ci(&c.tags, all.v[i]))
				strv_push(out, all.v[i]);
	}
	strv_free(&all);
	if (have)
		contact_free(&c);
}

static void
tag_remove_menu(struct app *a, const char *cid)
{
	struct contact c;
	struct prompt *p;
	struct err e;

	memset(&c, 0, sizeof c);
	if (cache_get_contact(a->cache, cid, &c, NULL, &e) != 0) {
		app_message(a, 1, "%s", e.msg);
		return;
	}
	if (c.tags.n == 0) {
		app_message(a, 0, "this contact has no tags");
		contact_free(&c);
		return;
	}
	p = prompt_new(PROMPT_MENU, "Remove which tag?", NULL, on_tag_remove);
	p->items = xcalloc(1, sizeof *p->items);
	strv_copy(p->items, &c.tags);
	snprintf(p->ctx_id, sizeof p->ctx_id, "%s", cid);
	app_open_prompt(a, p);
	contact_free(&c);
}

/* ---- notes ---- */

static void
note_write(struct app *a, const char *cid, const char *text)
{
	struct note n;
	struct err e;
	char *body = xstrdup(text), *t;

	t = trim(body);
	if (*t == '\0') {
		app_message(a, 0, "empty note not saved");
		free(body);
		return;
	}
	memset(&n, 0, sizeof n);
	n.body = t;
	n.pinned = TRI_UNSET;
	if (cache_note_create(a->cache, cid, &n, NULL, NULL, &e) != 0)
		app_message(a, 1, "note: %s", e.msg);
	else {
		app_message(a, 0, "note added");
		written(a, cid);
	}
	free(body);
}

static void
on_note(struct app *a, int ok, const char *text, const char *cid,
    long long n, const char *ctx_text)
{
	if (ok)
		note_write(a, cid, text);
	else
		app_message(a, 0, "note discarded");
}

/* ---- tasks ---- */

static void
on_task_due(struct app *a, int ok, const char *text, const char *cid,
    long long n, const char *title)
{
	struct task t;
	struct err e;
	char *due;

	if (!ok) {
		app_message(a, 0, "task not added");
		return;
	}
	due = fmt_parse_due(text, (long long)time(NULL));
	if (due == NULL) {
		app_message(a, 1, "due date \"%s\" not understood (2026-12-01, "
		    "+3d, tomorrow)", text);
		return;
	}
	memset(&t, 0, sizeof t);
	t.title = (char *)title;
	t.due_date = due;
	t.completed = TRI_FALSE;
	if (cache_task_create(a->cache, cid, &t, NULL, NULL, &e) != 0)
		app_message(a, 1, "task: %s", e.msg);
	else {
		app_message(a, 0, "task added");
		written(a, cid);
	}
	free(due);
}

static void
ask_due(struct app *a, const char *cid, const char *title)
{
	struct prompt *p;

	p = prompt_new(PROMPT_LINE, "Due (2026-12-01, +3d, tomorrow): ",
	    "tomorrow", on_task_due);
	snprintf(p->ctx_id, sizeof p->ctx_id, "%s", cid);
	p->ctx_text = xstrdup(title);
	app_open_prompt(a, p);
}

static void
on_task_title(struct app *a, int ok, const char *text, const char *cid,
    long long n, const char *ctx_text)
{
	char *t, *copy;

	if (!ok)
		return;
	copy = xstrdup(text);
	t = trim(copy);
	if (*t == '\0')
		app_message(a, 0, "task not added: no title");
	else
		ask_due(a, cid, t);
	free(copy);
}

/* ---- the ':' command line ---- */

static void
complete_line(struct app *a, const char *line, const char *word,
    const char *cid, struct strv *out)
{
	char name[64];
	size_t n = strcspn(line, " ");
	enum cmd_id cmd;

	if (line[n] == '\0') {
		/* still typing the command name */
		cmd_complete(word, out);
		return;
	}
	snprintf(name, sizeof name, "%.*s", (int)n, line);
	cmd = cmd_by_name(name);
	if (cmd == CMD_TAG_ADD) {
		complete_tags(a, line, word, current_contact(a), out);
	} else if (cmd == CMD_TAG_REMOVE) {
		struct contact c;
		size_t i, wl = strlen(word);

		memset(&c, 0, sizeof c);
		if (current_contact(a) != NULL && cache_get_contact(a->cache,
		    current_contact(a), &c, NULL, NULL) == 0) {
			for (i = 0; i < c.tags.n; i++)
				if (strncasecmp(c.tags.v[i], word, wl) == 0)
					strv_push(out, c.tags.v[i]);
			contact_free(&c);
		}
	} else if (cmd == CMD_SEARCH) {
		cache_known_tags(a->cache, NULL, out, NULL);
	}
}

static void
on_line(struct app *a, int ok, const char *text, const char *cid,
    long long n, const char *ctx_text)
{
	if (ok)
		actions_run_line(a, text);
}

void
actions_run_line(struct app *a, const char *line)
{
	char *copy = xstrdup(line), *p = trim(copy), *arg, *w[3];
	enum cmd_id cmd;
	struct err e;
	int i, rc;

	if (*p == '\0')
		goto out;
	arg = p + strcspn(p, " ");
	if (*arg != '\0')
		*arg++ = '\0';
	arg = trim(arg);
	cmd = cmd_by_name(p);
	if (cmd == CMD_NONE) {
		app_message(a, 1, "unknown command \"%s\" (? lists them)", p);
		goto out;
	}
	if (cmd == CMD_BIND || cmd == CMD_UNBIND) {
		for (i = 0; i < 3; i++) {
			w[i] = arg;
			arg += strcspn(arg, " ");
			if (*arg != '\0')
				*arg++ = '\0';
			while (*arg == ' ')
				arg++;
		}
		rc = keymap_bind(a->km, w[0], w[1], cmd == CMD_BIND ? w[2] :
		    NULL, &e);
		if (rc == 0 && cmd == CMD_BIND && *w[2] == '\0')
			rc = err_set(&e, ERR_USAGE, "usage: bind CONTEXT KEY "
			    "COMMAND");
		if (rc != 0)
			app_message(a, 1, "%s", e.msg);
		else
			app_message(a, 0, "%s %s %s%s%s", p, w[0], w[1],
			    cmd == CMD_BIND ? " " : "", cmd == CMD_BIND ?
			    w[2] : "");
		goto out;
	}
	app_dispatch(a, cmd, *arg != '\0' ? arg : NULL);
out:
	free(copy);
}

static void
open_overlay(struct app *a, struct screen *s)
{
	a->overlay = s;
	s->ops->requery(s);
}

unsigned
actions_command(struct app *a, enum cmd_id cmd, const char *arg)
{
	const char *cid = current_contact(a);
	struct prompt *p;
	struct err e;
	char *text, *id = NULL;

	switch (cmd) {
	case CMD_QUIT:
		if (a->overlay != NULL || a->focus != a->list)
			return RX_POP;
		return RX_QUIT;
	case CMD_QUIT_ALL:
		return RX_QUIT;
	case CMD_BACK:
		return RX_POP;
	case CMD_HELP:
		if (a->overlay == a->help)
			return RX_POP;
		open_overlay(a, a->help);
		return RX_REDRAW;
	case CMD_OUTBOX:
		if (a->overlay == a->outbox)
			return RX_POP;
		open_overlay(a, a->outbox);
		/* seeing the outbox acknowledges the alert */
		a->st.alert[0] = '\0';
		cache_log_ack_all(a->cache, NULL);
		return RX_REDRAW;
	case CMD_USAGE:
		if (a->overlay != NULL && a->overlay == usage_view(a))
			return RX_POP;
		open_overlay(a, usage_view(a));
		return RX_REDRAW;
	case CMD_PROMPT:
		p = prompt_new(PROMPT_LINE, ":", NULL, on_line);
		p->complete = complete_line;
		app_open_prompt(a, p);
		return RX_REDRAW;
	case CMD_REDRAW:
		a->clear = 1;
		return RX_REDRAW;
	case CMD_ACK:
		a->st.alert[0] = '\0';
		cache_log_ack_all(a->cache, NULL);
		return RX_REDRAW;
	case CMD_SEARCH:
		if (arg != NULL) {
			contact_list_set_search(a->list, arg);
			a->overlay = NULL;
			a->focus = a->list;
			return RX_REDRAW;
		}
		return RX_IGNORED;
	case CMD_SYNC_ALL:
		if (a->cfg->offline || a->worker == NULL) {
			app_message(a, 1, "offline: not syncing");
			return RX_REDRAW;
		}
		if (a->st.syncing || a->st.sync_asked) {
			worker_cancel(a->worker);
			a->st.sync_asked = 0;
			app_message(a, 0, "cancelling sync...");
			return RX_REDRAW;
		}
		app_post(a, JOB_SYNC_ALL, NULL);
		a->st.sync_asked = 1;
		app_message(a, 0, "syncing every contact (S again cancels)");
		return RX_REDRAW;
	case CMD_CANCEL:
		if (a->worker != NULL && worker_busy(a->worker)) {
			worker_cancel(a->worker);
			a->st.sync_asked = 0;
			app_message(a, 0, "cancelling...");
		} else {
			app_message(a, 0, "nothing to cancel");
		}
		return RX_REDRAW;
	case CMD_UNDO:
		if (cache_outbox_undo_last(a->cache, &id, &e) != 0) {
			app_message(a, e.code != ERR_NOTFOUND, "%s",
			    e.code == ERR_NOTFOUND ? "nothing to undo (only "
			    "unsent writes can be undone)" : e.msg);
			return RX_REDRAW;
		}
		app_message(a, 0, "undone");
		free(id);
		app_refresh_counts(a);
		app_requery(a);
		return RX_REDRAW;
	default:
		break;
	}

	/* commands about one contact */
	switch (cmd) {
	case CMD_SYNC_ONE:
	case CMD_TAG_ADD:
	case CMD_TAG_REMOVE:
	case CMD_NOTE_ADD:
	case CMD_NOTE_EDITOR:
	case CMD_TASK_ADD:
	case CMD_MIRROR:
		if (cid == NULL) {
			app_message(a, 1, "no contact selected");
			return RX_REDRAW;
		}
		break;
	default:
		return RX_IGNORED;
	}
	switch (cmd) {
	case CMD_SYNC_ONE:
		if (a->cfg->offline || a->worker == NULL) {
			app_message(a, 1, "offline: not syncing");
			return RX_REDRAW;
		}
		app_post(a, JOB_SYNC_ONE, cid);
		app_message(a, 0, "syncing contact...");
		return RX_REDRAW;
	case CMD_MIRROR:
		if ((a->cfg->sm_linkname == NULL || *a->cfg->sm_linkname ==
		    '\0') && (a->cfg->sm_base_url == NULL ||
		    *a->cfg->sm_base_url == '\0')) {
			app_message(a, 1, "Salesmate is not configured "
			    "([salesmate] linkname in the config file)");
			return RX_REDRAW;
		}
		if (a->cfg->offline || a->worker == NULL) {
			app_message(a, 1, "offline: not mirroring");
			return RX_REDRAW;
		}
		app_post(a, JOB_MIRROR_ONE, cid);
		app_message(a, 0, "mirroring contact to Salesmate...");
		return RX_REDRAW;
	case CMD_TAG_ADD:
		if (arg != NULL) {
			tags_write(a, cid, arg, 1);
			return RX_REDRAW;
		}
		p = prompt_new(PROMPT_LINE, "Add tags (comma-separated, Tab "
		    "completes): ", NULL, on_tag_add);
		p->seps = ",";
		p->complete = complete_tags;
		snprintf(p->ctx_id, sizeof p->ctx_id, "%s", cid);
		app_open_prompt(a, p);
		return RX_REDRAW;
	case CMD_TAG_REMOVE:
		if (arg != NULL)
			tags_write(a, cid, arg, 0);
		else
			tag_remove_menu(a, cid);
		return RX_REDRAW;
	case CMD_NOTE_ADD:
		if (arg != NULL) {
			note_write(a, cid, arg);
			return RX_REDRAW;
		}
		p = prompt_new(PROMPT_TEXT, "New note", NULL, on_note);
		snprintf(p->ctx_id, sizeof p->ctx_id, "%s", cid);
		app_open_prompt(a, p);
		return RX_REDRAW;
	case CMD_NOTE_EDITOR:
		id = xstrdup(cid);
		text = app_run_editor(a, "");
		if (text != NULL)
			note_write(a, id, text);
		free(text);
		free(id);
		return RX_REDRAW;
	case CMD_TASK_ADD:
		if (arg != NULL) {
			ask_due(a, cid, arg);
			return RX_REDRAW;
		}
		p = prompt_new(PROMPT_LINE, "Task title: ", NULL, on_task_title);
		snprintf(p->ctx_id, sizeof p->ctx_id, "%s", cid);
		app_open_prompt(a, p);
		return RX_REDRAW;
	default:
		return RX_IGNORED;
	}
}
