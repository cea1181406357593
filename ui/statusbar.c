/*
 * statusbar.c: the hint bar (first bound key of the commands in force,
 * derived from the command table like htop's FunctionBar), the status
 * line (online/offline/sandbox, pending and failed writes, sync progress,
 * rate-limit headroom, the last message) and the alert line, plus the
 * status side of worker events.
 */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "conf.h"
#include "keymap.h"
#include "loop.h"

/* Commands left out of the hint bar: movement and the obvious. */
static int
hint_skip(int i)
{
	switch (i) {
	case CMD_DOWN: case CMD_UP: case CMD_PAGE_UP: case CMD_PAGE_DOWN:
	case CMD_TOP: case CMD_BOTTOM: case CMD_REDRAW: case CMD_PROMPT:
	case CMD_ACK: case CMD_SEARCH_NEXT: case CMD_SEARCH_PREV:
	case CMD_CLEAR_FILTER: case CMD_PREV_TAB: case CMD_TAB_TASKS:
	case CMD_TAB_NOTES: case CMD_TAB_APPTS: case CMD_BACK:
		return 1;
	default:
		return 0;
	}
}

void
hintbar_draw(struct app *a, int y, unsigned ctx)
{
	char item[96], kn[32];
	int keys[4], x = 0, i, n;
	unsigned bit;
	size_t nk;

	draw_fill(a, y, 0, a->cols, COL_HINTS);
	x += draw_text(a, y, 0, a->cols, "ghlterm ", COL_HINTS, 0);
	/* the most specific context first, the global commands last */
	for (bit = 1; bit <= CTX_GLOBAL; bit <<= 1) {
		if (!(ctx & bit) && bit != CTX_GLOBAL)
			continue;
		for (i = 0; i < CMD__COUNT; i++) {
			if (!(cmd_defs[i].ctx & bit) || hint_skip(i))
				continue;
			/* shown once, under its most specific context */
			if (cmd_defs[i].ctx & ctx & (bit - 1))
				continue;
			nk = keymap_keys_for(a->km, ctx | CTX_GLOBAL,
			    (enum cmd_id)i, keys, 1);
			if (nk == 0)
				continue;
			keymap_key_name(keys[0], kn, sizeof kn);
			n = snprintf(item, sizeof item, " %s:%s", kn,
			    cmd_defs[i].name);
			if (x + n > a->cols)
				return;
			x += draw_text(a, y, x, a->cols - x, item, COL_HINTS, 0);
		}
	}
}

static int
put(struct app *a, int y, int x, const char *s, enum color_role r)
{
	if (x >= a->cols)
		return x;
	return x + draw_text(a, y, x, a->cols - x, s, r, 0);
}

void
statusbar_draw(struct app *a, int y)
{
	struct status *st = &a->st;
	char b[160];
	long long el;
	int x = 0;

	draw_fill(a, y, 0, a->cols, COL_STATUS);
	if (a->cfg->offline)
		x = put(a, y, x, "[offline]", COL_OFFLINE);
	else if (st->net == NET_OFFLINE)
		x = put(a, y, x, a->cfg->sandbox ? "[sandbox offline]" :
		    "[offline]", COL_OFFLINE);
	else if (a->cfg->sandbox)
		x = put(a, y, x, "[sandbox]", COL_STATUS);
	else if (st->net == NET_LOCAL)
		x = put(a, y, x, "[cache only]", COL_OFFLINE);
	else
		x = put(a, y, x, st->net == NET_ONLINE ? "[online]" :
		    "[online?]", COL_STATUS);
	if (st->pending > 0) {
		snprintf(b, sizeof b, " %ld pending", st->pending);
		x = put(a, y, x, b, COL_STATUS);
	}
	if (st->failed > 0) {
		snprintf(b, sizeof b, " %ld failed", st->failed);
		x = put(a, y, x, b, COL_OFFLINE);
	}
	if (st->syncing) {
		el = (loop_now_ms() - st->sync_start_ms) / 1000;
		if (st->sync_total > 0)
			snprintf(b, sizeof b, " | sync %ld/%ld %lld:%02lld",
			    st->sync_done, st->sync_total, el / 60, el % 60);
		else
			snprintf(b, sizeof b, " | sync %ld %lld:%02lld",
			    st->sync_done, el / 60, el % 60);
		x = put(a, y, x, b, COL_STATUS);
	}
	if (st->backoff_ms > 0) {
		snprintf(b, sizeof b, " | waiting %.1fs", st->backoff_ms / 1000.0);
		x = put(a, y, x, b, COL_STATUS);
	}
	if (a->cfg->poll_interval_s > 0 && st->last_poll_ms > 0) {
		time_t t = (time_t)(st->last_poll_ms / 1000);
		struct tm tm;

		localtime_r(&t, &tm);
		strftime(b, sizeof b, " | polled %H:%M:%S", &tm);
		x = put(a, y, x, b, COL_STATUS);
	}
	if (st->rl_max > 0) {
		snprintf(b, sizeof b, " | rate %ld/%ld", st->rl_remaining,
		    st->rl_max);
		x = put(a, y, x, b, st->rl_remaining * 10 < st->rl_max ?
		    COL_OFFLINE : COL_STATUS);
	}
	if (st->msg[0] != '\0') {
		x = put(a, y, x, " | ", COL_STATUS);
		put(a, y, x, st->msg, st->msg_error ? COL_OFFLINE : COL_STATUS);
	}
}

void
statusbar_event(struct app *a, const struct worker_event *ev)
{
	struct status *st = &a->st;
	int all = ev->job == JOB_SYNC_ALL || ev->job == JOB_SYNC_ALL_DEEP;
	long long el;

	switch (ev->kind) {
	case EV_STARTED:
		if (all) {
			st->syncing = 1;
			st->sync_asked = 0;
			st->sync_done = 0;
			st->sync_total = -1;
			st->sync_start_ms = loop_now_ms();
			loop_timer_arm(a->loop, &a->tick_timer, 1000);
		}
		break;
	case EV_PROGRESS:
		if (all) {
			st->sync_done = ev->done;
			st->sync_total = ev->total;
			app_copy(st->sync_phase, sizeof st->sync_phase,
			    ev->msg);
		}
		st->backoff_ms = 0;
		break;
	case EV_BACKOFF:
		st->backoff_ms = ev->backoff_ms;
		break;
	case EV_ONLINE:
		st->net = NET_ONLINE;
		st->net_why[0] = '\0';
		st->backoff_ms = 0;
		break;
	case EV_OFFLINE:
		if (st->net != NET_OFFLINE)
			app_message(a, 1, "offline, browsing the cache: %.200s",
			    ev->msg);
		st->net = NET_OFFLINE;
		app_copy(st->net_why, sizeof st->net_why, ev->msg);
		break;
	case EV_FAILED:
		snprintf(st->alert, sizeof st->alert, "%s failed: %.480s",
		    ev->job == JOB_OUTBOX ? "write" : ev->job ==
		    JOB_MIRROR_ONE ? "mirror" : "sync", ev->msg);
		st->nalerts++;
		break;
	case EV_RATELIMIT:
		st->rl_remaining = ev->remaining;
		st->rl_max = ev->max;
		break;
	case EV_DONE:
		st->backoff_ms = 0;
		if (all) {
			st->syncing = 0;
			loop_timer_disarm(a->loop, &a->tick_timer);
			el = (loop_now_ms() - st->sync_start_ms) / 1000;
			if (ev->code == ERR_CANCELED)
				app_message(a, 0, "sync cancelled after %ld "
				    "contacts", st->sync_done);
			else if (ev->code == 0 && st->sync_total > 0)
				app_message(a, 0, "sync done: %ld/%ld contacts "
				    "in %lld:%02lld", st->sync_done,
				    st->sync_total, el / 60, el % 60);
			else if (ev->code == 0)
				app_message(a, 0, "sync done: %ld contacts in "
				    "%lld:%02lld", st->sync_done, el / 60,
				    el % 60);
			else
				app_message(a, 1, "sync stopped: %.200s", ev->msg);
		} else if (ev->job == JOB_SYNC_ONE && ev->code == 0) {
			app_message(a, 0, "contact synced");
		} else if (ev->job == JOB_MIRROR_ONE) {
			if (ev->code == 0)
				app_message(a, 0, "mirrored to Salesmate");
			else
				app_message(a, 1, "mirror failed: %.200s",
				    ev->msg);
		} else if (ev->job == JOB_POLL) {
			st->last_poll_ms = (long long)time(NULL) * 1000;
			if (ev->code == ERR_NET)
				st->poll_fails++;
			else
				st->poll_fails = 0;
		}
		break;
	case EV_CHANGED:
		break;
	}
}
