/*
 * app.h: the TUI's private state and the interfaces between its files:
 * the screen vtable (STYLE §3, tmux window_mode), reaction bits, the
 * status bar, prompts and popups, drawing helpers and the actions that
 * write through the cache and post worker jobs.  Only ui/ includes it.
 */
#ifndef GHL_UI_APP_H
#define GHL_UI_APP_H

#include <stddef.h>
#include <wchar.h>

#include "commands.h"
#include "err.h"
#include "loop.h"
#include "worker.h"

struct app;
struct cache;
struct conf;
struct keymap;
struct strv;
struct screen;

/* Colour roles, from colors.def. */
enum color_role {
#define COLOR(role, fg, bg, cattr, mattr) COL_##role,
#include "colors.def"
#undef COLOR
	COL__COUNT
};

/* What a handler asks ui.c to do; handlers never draw. */
enum reaction {
	RX_IGNORED = 0,
	RX_DONE = 1 << 0,	/* handled */
	RX_REDRAW = 1 << 1,	/* state changed: render */
	RX_POP = 1 << 2,	/* close this screen */
	RX_QUIT = 1 << 3,
	RX_COUNTS = 1 << 4,	/* outbox counts may have changed */
};

struct screen_ops {
	const char	*name;
	/* Contexts in force (CTX_* bits, without CTX_GLOBAL). */
	unsigned	 (*contexts)(struct screen *);
	/* The pane is now h x w (before draw; may re-page). */
	void		 (*resize)(struct screen *, int h, int w);
	/* Draw into the rectangle; focused: it receives the keys. */
	void		 (*draw)(struct screen *, int y, int x, int h, int w,
			    int focused);
	unsigned	 (*command)(struct screen *, enum cmd_id,
			    const char *arg);
	/* Re-read from the cache (keeping the selection). */
	void		 (*requery)(struct screen *);
	/* A worker event (may be NULL). */
	void		 (*event)(struct screen *, const struct worker_event *);
	/* The contact this screen is about, or NULL. */
	const char	*(*contact_id)(struct screen *);
	void		 (*free)(struct screen *);
};

struct screen {
	const struct screen_ops	*ops;
	struct app		*app;
	int			 h, w;		/* last drawn size */
};

/* ---- status bar (statusbar.c) ---- */
enum net_state { NET_UNKNOWN, NET_ONLINE, NET_OFFLINE, NET_LOCAL };

struct status {
	enum net_state	 net;
	char		 net_why[128];
	long		 pending, failed;
	int		 syncing;		/* a sync-all runs */
	int		 sync_asked;		/* posted, not yet started */
	long		 sync_done, sync_total;
	long long	 sync_start_ms;
	char		 sync_phase[32];
	long		 rl_remaining, rl_max;	/* -1: unknown */
	long		 backoff_ms;
	char		 msg[256];
	int		 msg_error;
	char		 alert[512];		/* "" when none */
	long		 nalerts;
	long long	 last_poll_ms;		/* wall clock; 0: never */
	int		 poll_fails;		/* polls in a row offline */
};

/* ---- prompts and popups (prompt.c) ---- */
enum prompt_kind {
	PROMPT_LINE,		/* one line on the bottom row */
	PROMPT_TEXT,		/* multi-line editor in a popup */
	PROMPT_CONFIRM,		/* y/n */
	PROMPT_MENU,		/* pick one of items */
};

/* Called when the user ends the prompt; text is the line (UTF-8), or the
 * chosen item for a menu, "y" for a confirmation.  The prompt is already
 * closed, so the callback may open another. */
typedef void (*prompt_done_fn)(struct app *, int accepted, const char *text,
    const char *ctx_id, long long ctx_n, const char *ctx_text);
/* Live edits (search as you type). */
typedef void (*prompt_change_fn)(struct app *, const char *text);
/* Candidates for the word being completed (word: UTF-8 before cursor). */
typedef void (*prompt_complete_fn)(struct app *, const char *line,
    const char *word, const char *ctx_id, struct strv *out);

struct prompt {
	enum prompt_kind	 kind;
	char			 label[128];
	wchar_t			*buf;
	size_t			 len, cap, cur;
	size_t			 scroll;	/* first shown line (TEXT) */
	prompt_done_fn		 done;
	prompt_change_fn	 changed;
	prompt_complete_fn	 complete;
	/* completion cycling */
	const char		*seps;		/* word separators */
	struct strv		*cands;
	size_t			 cand_i;
	size_t			 word_start;	/* in buf */
	int			 cycling;
	/* menu */
	struct strv		*items;
	int			 sel;
	/* context for the callback */
	char			 ctx_id[64];
	long long		 ctx_n;
	char			*ctx_text;
};

enum prompt_result { PROMPT_GOING, PROMPT_ACCEPT, PROMPT_CANCEL };

struct prompt	*prompt_new(enum prompt_kind, const char *label,
		    const char *initial, prompt_done_fn done);
void		 prompt_free(struct prompt *);
/* The text as a new UTF-8 string. */
char		*prompt_text(const struct prompt *);
/* Feed one key (keymap code); may call p->changed / p->complete. */
enum prompt_result prompt_key(struct app *, struct prompt *, int key);
void		 prompt_draw(struct app *, struct prompt *, int rows, int cols);

/* ---- the app ---- */
struct app {
	const struct conf	*cfg;
	struct cache		*cache;
	struct worker		*worker;
	struct loop		*loop;
	struct keymap		*km;
	int			 quit;
	int			 dirty;
	int			 clear;		/* clearok on next render */
	int			 exit_status;
	long			 frames, max_frames;
	int			 rows, cols;
	int			 sigpipe[2];
	int			 color;		/* colours in use */
	int			 in_editor;
	int			 cur_y, cur_x;	/* cursor; -1: hidden */

	struct screen		*list, *detail, *outbox, *help;
	struct screen		*focus;		/* list or detail */
	struct screen		*overlay;	/* outbox, help or NULL */
	struct prompt		*prompt;

	struct status		 st;
	struct loop_timer	 msg_timer, search_timer, requery_timer;
	struct loop_timer	 poll_timer, frame_timer, tick_timer;
	struct loop_timer	 dv_timer;	/* data_version check */
	long			 data_version;
	int			 live_ok;	/* cache_data_version usable */
	int			 requery_pending;
	long long		 last_requery_ms;
	char			 search_text[256];	/* debounced */
};

/* ui.c */
void		 app_open_prompt(struct app *, struct prompt *);
void		 app_message(struct app *, int error, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		 app_post(struct app *, enum job_kind, const char *contact_id);
void		 app_requery(struct app *);
void		 app_refresh_counts(struct app *);
void		 app_open_contact(struct app *, const char *id);
/* Run cmd on the screen in front, then the global handler; applies the
 * reaction.  Returns it. */
unsigned	 app_dispatch(struct app *, enum cmd_id, const char *arg);
/* Suspend curses, run $EDITOR on a temp file; returns its text (new) or
 * NULL when cancelled/empty/failed (message set). */
char		*app_run_editor(struct app *, const char *initial);

/* Copy src into dst[size], cut at a UTF-8 character boundary. */
void		 app_copy(char *dst, size_t size, const char *src);

/* draw.c: every string from the API or cache is drawn through these. */
int		 draw_attr(const struct app *, enum color_role);
/* Sanitised, cut to w columns (padded when pad); returns columns used. */
int		 draw_text(const struct app *, int y, int x, int w,
		    const char *untrusted, enum color_role, int pad);
int		 draw_text_attr(int y, int x, int w, const char *untrusted,
		    int attr, int pad);
void		 draw_fill(const struct app *, int y, int x, int w,
		    enum color_role);
void		 draw_box(const struct app *, int y, int x, int h, int w,
		    const char *title);
void		 draw_colors_init(struct app *);
/* Local rendering of an ISO-8601 time (offset converted to local time;
 * zone-less shown as-is, CONTRACT §A9) into buf. */
const char	*fmt_time(const char *iso, char *buf, size_t len);
const char	*fmt_ms(long long unix_ms, char *buf, size_t len);
/* Due date input: "2026-12-01", "2026-12-01 14:00", "+3d", "+2h", "+1w",
 * "today", "tomorrow" or full ISO.  Returns an ISO-8601 UTC string (new)
 * or NULL when it does not parse. */
char		*fmt_parse_due(const char *in, long long now_s);

/* screens */
struct screen	*contact_list_new(struct app *);
struct screen	*contact_detail_new(struct app *);
struct screen	*outbox_new(struct app *);
struct screen	*help_new(struct app *);
/* contact_list.c: search filter (debounced text) and the selected id. */
void		 contact_list_set_search(struct screen *, const char *text);
const char	*contact_list_search(struct screen *);
void		 contact_list_first(struct screen *);
/* contact_detail.c: show contact id (NULL: none); open: focus it. */
void		 contact_detail_show(struct screen *, const char *id, int open);
/* statusbar.c */
void		 statusbar_draw(struct app *, int y);
void		 hintbar_draw(struct app *, int y, unsigned ctx);
void		 statusbar_event(struct app *, const struct worker_event *);

/* actions.c: the writes and the global commands */
unsigned	 actions_command(struct app *, enum cmd_id, const char *arg);
void		 actions_task_toggle(struct app *, const char *contact_id,
		    const char *task_id, int completed_now);
void		 actions_run_line(struct app *, const char *line);

#endif
