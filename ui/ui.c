/*
 * ui.c: curses set-up and tear-down, the signal pipe, the poll() loop
 * (keyboard, signals, the worker's wake fd, timers), key dispatch through
 * the keymap, worker events, the layout (two panes at >= 100 columns, one
 * below) and the render pass: handlers only change state, and one render
 * per loop pass ends in the single doupdate().  Main thread only.
 */
#include "config.h"
#include "ui.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "cache.h"
#include "cache_live.h"
#include "cache_mirror.h"
#include "conf.h"
#include "keymap.h"
#include "loop.h"
#include "usage.h"
#include "worker.h"
#include "xmalloc.h"

#define WIDE_COLS	100
#define MSG_MS		5000
#define MSG_ERR_MS	10000
#define SEARCH_MS	100
#define REQUERY_MS	250
#define FRAME_MS	50
#define DV_MS		1000

static int sig_wfd = -1;
static SCREEN *the_screen;

/*
 * Frame timing trace (GHLTERM_TRACE=FILE, for tests/bench): one line per
 * frame, "frame N CAUSE US", CAUSE being the key or event that dirtied it
 * ("start" for the first frame, "search" for the debounced query) and US
 * the microseconds from that input to the end of doupdate().
 */
static FILE *trace_fp;
static long long trace_t0;
static char trace_cause[32] = "start";

static long long
trace_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Note an input event; the first one since the last frame wins. */
static void
trace_input(const char *cause)
{
	if (trace_fp == NULL || trace_t0 != 0)
		return;
	trace_t0 = trace_now_us();
	snprintf(trace_cause, sizeof trace_cause, "%s", cause);
}

static void
trace_frame(long frame)
{
	if (trace_fp == NULL)
		return;
	fprintf(trace_fp, "frame %ld %s %lld\n", frame,
	    trace_t0 != 0 ? trace_cause : "other",
	    trace_t0 != 0 ? trace_now_us() - trace_t0 : 0LL);
	fflush(trace_fp);
	trace_t0 = 0;
}

static void
sig_handler(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	ssize_t r;

	r = write(sig_wfd, &b, 1);
	(void)r;
	errno = saved;
}

static void
fatal_hook(void)
{
	if (the_screen != NULL)
		endwin();
}

/* ---- messages, counts, requery ---- */

static void
on_msg_timer(void *arg)
{
	struct app *a = arg;

	a->st.msg[0] = '\0';
	a->dirty = 1;
}

void
app_message(struct app *a, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->st.msg, sizeof a->st.msg, fmt, ap);
	va_end(ap);
	a->st.msg_error = error;
	loop_timer_arm(a->loop, &a->msg_timer, error ? MSG_ERR_MS : MSG_MS);
	a->dirty = 1;
}

void
app_post(struct app *a, enum job_kind kind, const char *contact_id)
{
	if (a->cfg->offline || a->worker == NULL)
		return;
	worker_post(a->worker, kind, contact_id);
}

void
app_refresh_counts(struct app *a)
{
	long p = 0, f = 0;

	if (cache_outbox_counts(a->cache, &p, &f, NULL) == 0) {
		a->st.pending = p;
		a->st.failed = f;
	}
	a->dirty = 1;
}

void
app_requery(struct app *a)
{
	a->list->ops->requery(a->list);
	a->detail->ops->requery(a->detail);
	if (a->overlay != NULL && a->overlay != a->help)
		a->overlay->ops->requery(a->overlay);
	a->last_requery_ms = loop_now_ms();
	a->requery_pending = 0;
	a->dirty = 1;
}

static void
on_requery_timer(void *arg)
{
	struct app *a = arg;

	app_requery(a);
	app_refresh_counts(a);
}

/* Coalesce bursts of EV_CHANGED into one requery per REQUERY_MS. */
static void
schedule_requery(struct app *a)
{
	long long since = loop_now_ms() - a->last_requery_ms;

	if (loop_timer_armed(&a->requery_timer))
		return;
	loop_timer_arm(a->loop, &a->requery_timer,
	    since >= REQUERY_MS ? 0 : (long)(REQUERY_MS - since));
}

void
app_open_contact(struct app *a, const char *id)
{
	contact_detail_show(a->detail, id, 1);
	a->focus = a->detail;
	a->overlay = NULL;
	a->dirty = 1;
}

void
app_open_prompt(struct app *a, struct prompt *p)
{
	prompt_free(a->prompt);
	a->prompt = p;
	a->dirty = 1;
}

/* ---- commands ---- */

static struct screen *
front(struct app *a)
{
	return a->overlay != NULL ? a->overlay : a->focus;
}

static unsigned
contexts(struct app *a)
{
	struct screen *s = front(a);

	return s->ops->contexts(s) | CTX_GLOBAL;
}

unsigned
app_dispatch(struct app *a, enum cmd_id cmd, const char *arg)
{
	struct screen *s = front(a);
	unsigned rx;

	rx = s->ops->command(s, cmd, arg);
	if (rx == RX_IGNORED)
		rx = actions_command(a, cmd, arg);
	if (rx == RX_IGNORED) {
		app_message(a, 1, "%s: not available here", cmd_defs[cmd].name);
		return rx;
	}
	if (rx & RX_POP) {
		if (a->overlay != NULL)
			a->overlay = NULL;
		else if (a->focus == a->detail)
			a->focus = a->list;
	}
	if (rx & RX_QUIT)
		a->quit = 1;
	if (rx & RX_COUNTS)
		app_refresh_counts(a);
	a->dirty = 1;
	return rx;
}

/* ---- search as you type ---- */

static void
on_search_timer(void *arg)
{
	struct app *a = arg;

	trace_input("search");
	contact_list_set_search(a->list, a->search_text);
	a->dirty = 1;
}

static void
on_search_change(struct app *a, const char *text)
{
	snprintf(a->search_text, sizeof a->search_text, "%s", text);
	loop_timer_arm(a->loop, &a->search_timer, SEARCH_MS);
}

static void
on_search_done(struct app *a, int ok, const char *text, const char *cid,
    long long n, const char *ctx_text)
{
	loop_timer_disarm(a->loop, &a->search_timer);
	if (!ok) {
		/* Esc: clear the filter */
		contact_list_set_search(a->list, NULL);
		a->search_text[0] = '\0';
		return;
	}
	contact_list_set_search(a->list, text);
	contact_list_first(a->list);
}

static void
open_search(struct app *a)
{
	const char *cur = contact_list_search(a->list);
	struct prompt *p;

	p = prompt_new(PROMPT_LINE, "/", cur, on_search_done);
	p->changed = on_search_change;
	app_open_prompt(a, p);
}

/* ---- keyboard ---- */

static void
handle_resize(struct app *a)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	a->clear = 1;
	a->dirty = 1;
}

static void
feed_key(struct app *a, int key)
{
	struct prompt *p = a->prompt;
	enum prompt_result r;
	enum cmd_id cmd;
	char *text;

	if (p != NULL) {
		r = prompt_key(a, p, key);
		a->dirty = 1;
		if (r == PROMPT_GOING)
			return;
		a->prompt = NULL;
		text = prompt_text(p);
		if (p->done != NULL)
			p->done(a, r == PROMPT_ACCEPT, text, p->ctx_id, p->ctx_n,
			    p->ctx_text);
		free(text);
		prompt_free(p);
		return;
	}
	cmd = keymap_lookup(a->km, contexts(a), key);
	if (cmd == CMD_NONE)
		return;
	if (cmd == CMD_SEARCH && a->overlay == NULL && a->focus == a->list) {
		open_search(a);
		return;
	}
	app_dispatch(a, cmd, NULL);
}

static int
translate(int rc, wint_t wc)
{
	if (rc == KEY_CODE_YES) {
		if (wc == KEY_ENTER)
			return '\n';
		return KEYMAP_FN((int)wc);
	}
	if (wc == '\r')
		return '\n';
	if (wc == 0x7F || wc == 0x08)
		return KEYMAP_FN(KEY_BACKSPACE);
	return (int)wc;
}

static void
on_tty(void *arg, int fd, short revents)
{
	struct app *a = arg;
	wint_t wc;
	int rc, n = 0;

	if (revents & (POLLHUP | POLLERR | POLLNVAL) && !(revents & POLLIN)) {
		a->quit = 1;
		return;
	}
	/* drain: every queued key before the next redraw */
	while (!a->quit && (rc = get_wch(&wc)) != ERR) {
		n++;
		if (trace_fp != NULL && trace_t0 == 0) {
			char kn[24];

			if (rc == KEY_CODE_YES)
				snprintf(kn, sizeof kn, "key%d", (int)wc);
			else if (wc > 32 && wc < 127)
				snprintf(kn, sizeof kn, "%c", (int)wc);
			else
				snprintf(kn, sizeof kn, "0x%x", (unsigned)wc);
			trace_input(kn);
		}
		if (rc == KEY_CODE_YES && wc == KEY_RESIZE) {
			/* resizeterm() already ran (and queued this key) */
			a->clear = 1;
			a->dirty = 1;
			continue;
		}
		feed_key(a, translate(rc, wc));
	}
	if (n == 0 && (revents & POLLHUP))
		a->quit = 1;
}

static void
on_signal(void *arg, int fd, short revents)
{
	struct app *a = arg;
	unsigned char b[32];
	ssize_t n, i;

	while ((n = read(fd, b, sizeof b)) > 0) {
		for (i = 0; i < n; i++) {
			switch (b[i]) {
			case SIGWINCH:
				handle_resize(a);
				break;
			case SIGINT:
			case SIGTERM:
			case SIGHUP:
				if (!a->in_editor)
					a->quit = 1;
				break;
			case SIGCONT:
				a->clear = 1;
				a->dirty = 1;
				break;
			default:
				break;
			}
		}
	}
}

/* ---- worker ---- */

static void
on_worker(void *arg, int fd, short revents)
{
	struct app *a = arg;
	struct worker_event ev;

	while (worker_next_event(a->worker, &ev)) {
		statusbar_event(a, &ev);
		if (a->detail->ops->event != NULL)
			a->detail->ops->event(a->detail, &ev);
		if (ev.kind == EV_CHANGED)
			schedule_requery(a);
		if (ev.kind == EV_DONE || ev.kind == EV_FAILED)
			app_refresh_counts(a);
		a->dirty = 1;
	}
}

static void
on_tick(void *arg)
{
	struct app *a = arg;

	if (a->st.syncing)
		loop_timer_arm(a->loop, &a->tick_timer, 1000);
	a->dirty = 1;
}

/*
 * Polling (cfg->poll_interval_s > 0): a JOB_POLL every interval, none
 * while --offline (no worker), and while the server cannot be reached the
 * interval doubles per failed poll, up to 8 times (DESIGN §5).
 */
static void
on_poll_timer(void *arg)
{
	struct app *a = arg;
	long ms;
	int k;

	if (a->worker == NULL)
		return;
	if (!worker_busy(a->worker))
		app_post(a, JOB_POLL, NULL);
	if (a->cfg->poll_interval_s <= 0)
		return;
	ms = (long)a->cfg->poll_interval_s * 1000;
	for (k = 0; k < a->st.poll_fails && k < 3; k++)
		ms *= 2;
	loop_timer_arm(a->loop, &a->poll_timer, ms);
}

/*
 * Writes by another process (ghlterm listen on the same cache file): the
 * cache's data_version moves; re-query the list and the open contact
 * (screens keep their selection) within DV_MS.
 */
static void
on_dv_timer(void *arg)
{
	struct app *a = arg;
	long v = 0;

	loop_timer_arm(a->loop, &a->dv_timer, DV_MS);
	if (cache_data_version(a->cache, &v) != 0)
		return;
	if (v == a->data_version)
		return;
	a->data_version = v;
	trace_input("data_version");
	schedule_requery(a);
}

static void
on_frame_timer(void *arg)
{
	struct app *a = arg;

	a->dirty = 1;
	loop_timer_arm(a->loop, &a->frame_timer, FRAME_MS);
}

/* ---- $EDITOR ---- */

char *
app_run_editor(struct app *a, const char *initial)
{
	char path[] = "/tmp/ghlterm-note-XXXXXX", *cmd, *text = NULL;
	const char *editor = getenv("VISUAL");
	struct sigaction ign, oint, oquit;
	struct stat stt;
	int fd, status = -1;
	ssize_t r;
	pid_t pid;

	if (editor == NULL || *editor == '\0')
		editor = getenv("EDITOR");
	if (editor == NULL || *editor == '\0')
		editor = "vi";
	fd = mkstemp(path);
	if (fd == -1) {
		app_message(a, 1, "editor: temp file: %s", strerror(errno));
		return NULL;
	}
	if (initial != NULL && *initial != '\0' &&
	    write(fd, initial, strlen(initial)) < 0) {
		close(fd);
		unlink(path);
		app_message(a, 1, "editor: %s", strerror(errno));
		return NULL;
	}
	close(fd);

	def_prog_mode();
	endwin();
	a->in_editor = 1;
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGINT, &ign, &oint);
	sigaction(SIGQUIT, &ign, &oquit);
	cmd = xasprintf("%s \"$1\"", editor);
	pid = fork();
	if (pid == 0) {
		struct sigaction dfl;

		memset(&dfl, 0, sizeof dfl);
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGQUIT, &dfl, NULL);
		sigaction(SIGWINCH, &dfl, NULL);
		sigaction(SIGTERM, &dfl, NULL);
		sigaction(SIGHUP, &dfl, NULL);
		sigaction(SIGCONT, &dfl, NULL);
		execl("/bin/sh", "sh", "-c", cmd, "sh", path, (char *)NULL);
		_exit(127);
	}
	if (pid > 0) {
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	}
	free(cmd);
	sigaction(SIGINT, &oint, NULL);
	sigaction(SIGQUIT, &oquit, NULL);
	a->in_editor = 0;
	reset_prog_mode();
	a->clear = 1;
	a->dirty = 1;

	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		app_message(a, 1, "editor \"%s\" failed; note not saved",
		    editor);
		unlink(path);
		return NULL;
	}
	fd = open(path, O_RDONLY);
	if (fd != -1 && fstat(fd, &stt) == 0 && stt.st_size < (1 << 20)) {
		text = xcalloc(1, (size_t)stt.st_size + 1);
		r = read(fd, text, (size_t)stt.st_size);
		if (r < 0) {
			free(text);
			text = NULL;
		} else {
			text[r] = '\0';
		}
	}
	if (fd != -1)
		close(fd);
	unlink(path);
	if (text == NULL)
		app_message(a, 1, "editor: could not read the note back");
	return text;
}

/* ---- render ---- */

static void
render(struct app *a)
{
	int rows, cols, y0, ph, lw, alert;
	const char *sel;

	getmaxyx(stdscr, rows, cols);
	a->rows = rows;
	a->cols = cols;
	a->cur_y = -1;
	erase();
	if (a->clear) {
		clearok(curscr, TRUE);
		a->clear = 0;
	}
	if (rows < 4 || cols < 20) {
		mvaddnstr(0, 0, "too small", cols);
		goto out;
	}
	alert = a->st.alert[0] != '\0';
	y0 = 1;
	ph = rows - 2 - alert;
	hintbar_draw(a, 0, contexts(a));
	if (a->overlay != NULL) {
		a->overlay->ops->resize(a->overlay, ph, cols);
		a->overlay->ops->draw(a->overlay, y0, 0, ph, cols, 1);
	} else if (cols >= WIDE_COLS) {
		lw = cols * 2 / 5;
		a->list->ops->resize(a->list, ph, lw);
		a->detail->ops->resize(a->detail, ph, cols - lw - 1);
		/* the right pane follows the list's selection */
		if (a->focus == a->list) {
			sel = a->list->ops->contact_id(a->list);
			if (sel != NULL && (a->detail->ops->contact_id(a->detail) ==
			    NULL || strcmp(sel,
			    a->detail->ops->contact_id(a->detail)) != 0))
				contact_detail_show(a->detail, sel, 0);
		}
		a->list->ops->draw(a->list, y0, 0, ph, lw, a->focus == a->list);
		attron(draw_attr(a, COL_BORDER));
		mvvline(y0, lw, ACS_VLINE, ph);
		attroff(draw_attr(a, COL_BORDER));
		a->detail->ops->draw(a->detail, y0, lw + 1, ph, cols - lw - 1,
		    a->focus == a->detail);
	} else {
		a->focus->ops->resize(a->focus, ph, cols);
		a->focus->ops->draw(a->focus, y0, 0, ph, cols, 1);
	}
	if (alert) {
		char b[600];

		snprintf(b, sizeof b, "! %s   (! dismisses, o shows the outbox)",
		    a->st.alert);
		draw_fill(a, rows - 2, 0, cols, COL_ALERT);
		draw_text(a, rows - 2, 0, cols, b, COL_ALERT, 0);
	}
	statusbar_draw(a, rows - 1);
	if (a->prompt != NULL)
		prompt_draw(a, a->prompt, rows, cols);
out:
	if (a->cur_y >= 0) {
		curs_set(1);
		move(a->cur_y, a->cur_x);
	} else {
		curs_set(0);
	}
	wnoutrefresh(stdscr);
	doupdate();
	a->frames++;
	trace_frame(a->frames);
	a->dirty = 0;
}

/* ---- set-up and tear-down ---- */

static int
install_signals(struct app *a, struct err *e)
{
	static const int sigs[] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGCONT };
	struct sigaction sa;
	size_t i;

	if (pipe(a->sigpipe) == -1)
		return err_set(e, ERR_IO, "signal pipe: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		fcntl(a->sigpipe[i], F_SETFL,
		    fcntl(a->sigpipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(a->sigpipe[i], F_SETFD, FD_CLOEXEC);
	}
	sig_wfd = a->sigpipe[1];
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = sig_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < nitems(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	return 0;
}

static void
restore_signals(struct app *a)
{
	static const int sigs[] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGCONT };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (i = 0; i < nitems(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	sig_wfd = -1;
	close(a->sigpipe[0]);
	close(a->sigpipe[1]);
}

int
ui_run(const struct conf *cfg, long max_frames, struct err *e)
{
	struct app app, *a = &app;
	struct err we;
	long unacked = 0;
	int rc;

	memset(a, 0, sizeof *a);
	trace_t0 = trace_now_us();	/* the first frame's start */
	a->cfg = cfg;
	a->max_frames = max_frames;
	a->st.rl_remaining = a->st.rl_max = -1;
	a->cur_y = -1;
	if (setlocale(LC_ALL, "") == NULL)
		setlocale(LC_CTYPE, "C.UTF-8");
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return err_set(e, ERR_USAGE, "the TUI needs a terminal "
		    "(use a subcommand such as \"list\" in scripts)"), 1;
	rc = cache_open(&a->cache, cfg->cache_path, e);
	if (rc)
		return 1;
	cache_small(a->cache);	/* issue 6: RSS bounded at 1M contacts */
	/* the header reads the mirror state; listen's tables may be new */
	cache_mirror_migrate(cache_sqlite(a->cache));
	cache_live_init(a->cache, NULL);
	if (cache_data_version(a->cache, &a->data_version) == 0)
		a->live_ok = 1;
	a->km = keymap_new();
	err_clear(&we);
	if (keymap_apply(a->km, cfg->binds, cfg->nbinds, &we) != 0)
		snprintf(a->st.alert, sizeof a->st.alert, "config: %.400s",
		    we.msg);
	rc = install_signals(a, e);
	if (rc) {
		keymap_free(a->km);
		cache_close(a->cache);
		return 1;
	}
	/* The worker starts before curses, with every signal blocked in it. */
	if (!cfg->offline) {
		if (worker_start(&a->worker, cfg, &we) != 0) {
			a->worker = NULL;
			a->st.net = NET_LOCAL;
			snprintf(a->st.alert, sizeof a->st.alert,
			    "no sync: %.400s", we.msg);
		}
	}
	the_screen = newterm(NULL, stdout, stdin);
	if (the_screen == NULL) {
		err_set(e, ERR_IO, "cannot initialise the terminal (TERM=%s)",
		    getenv("TERM") ? getenv("TERM") : "");
		worker_stop(a->worker);
		restore_signals(a);
		keymap_free(a->km);
		cache_close(a->cache);
		return 1;
	}
	set_term(the_screen);
	if (getenv("GHLTERM_TRACE") != NULL && *getenv("GHLTERM_TRACE"))
		trace_fp = fopen(getenv("GHLTERM_TRACE"), "we");
	xmalloc_set_fatal_hook(fatal_hook);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	draw_colors_init(a);

	a->loop = loop_new();
	loop_timer_init(&a->msg_timer, on_msg_timer, a);
	loop_timer_init(&a->search_timer, on_search_timer, a);
	loop_timer_init(&a->requery_timer, on_requery_timer, a);
	loop_timer_init(&a->poll_timer, on_poll_timer, a);
	loop_timer_init(&a->frame_timer, on_frame_timer, a);
	loop_timer_init(&a->tick_timer, on_tick, a);
	loop_timer_init(&a->dv_timer, on_dv_timer, a);
	loop_watch(a->loop, STDIN_FILENO, POLLIN, on_tty, a);
	loop_watch(a->loop, a->sigpipe[0], POLLIN, on_signal, a);
	if (a->worker != NULL)
		loop_watch(a->loop, worker_fd(a->worker), POLLIN, on_worker, a);

	a->list = contact_list_new(a);
	a->detail = contact_detail_new(a);
	a->outbox = outbox_new(a);
	a->help = help_new(a);
	a->focus = a->list;
	getmaxyx(stdscr, a->rows, a->cols);
	app_refresh_counts(a);
	if (a->st.alert[0] == '\0' &&
	    cache_log_unacked_errors(a->cache, &unacked, NULL) == 0 &&
	    unacked > 0)
		snprintf(a->st.alert, sizeof a->st.alert, "%ld unacknowledged "
		    "error%s (ghlterm log --failed)", unacked,
		    unacked == 1 ? "" : "s");
	if (a->worker != NULL) {
		if (a->st.pending > 0)
			app_post(a, JOB_OUTBOX, NULL);
		/* a first poll tells whether the server can be reached */
		loop_timer_arm(a->loop, &a->poll_timer, 0);
	}
	if (max_frames > 0)
		loop_timer_arm(a->loop, &a->frame_timer, FRAME_MS);
	if (a->live_ok)
		loop_timer_arm(a->loop, &a->dv_timer, DV_MS);
	a->dirty = 1;

	while (!a->quit) {
		if (a->dirty) {
			render(a);
			if (max_frames > 0 && a->frames >= max_frames)
				break;
		}
		if (loop_once(a->loop, -1) < 0 && errno != EINTR) {
			err_set(e, ERR_IO, "poll: %s", strerror(errno));
			a->exit_status = 1;
			break;
		}
	}

	prompt_free(a->prompt);
	worker_stop(a->worker);
	endwin();
	xmalloc_set_fatal_hook(NULL);
	delscreen(the_screen);
	the_screen = NULL;
	a->list->ops->free(a->list);
	a->detail->ops->free(a->detail);
	a->outbox->ops->free(a->outbox);
	a->help->ops->free(a->help);
	usage_view_free();
	loop_free(a->loop);
	keymap_free(a->km);
	cache_close(a->cache);
	restore_signals(a);
	if (trace_fp != NULL) {
		fclose(trace_fp);
		trace_fp = NULL;
	}
	return a->exit_status;
}
