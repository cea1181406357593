/*
 * worker.c: the one background thread (see worker.h).  Jobs go in through a
 * mutex + condition variable; events come out through a mutex-protected
 * queue and one byte written to a non-blocking wake pipe per batch.  The
 * thread opens its own sync engine (own HTTP client, own SQLite handle).
 * Cancellation is the engine's atomic flag (sync_cancel); never pthread_cancel.
 */
#include "config.h"
#include "worker.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "mirror_cli.h"
#include "sync.h"
#include "xmalloc.h"

#define WORKER_MAX_JOBS		64
#define WORKER_MAX_EVENTS	1024
#define PROGRESS_EVERY_MS	100
#define CHANGED_EVERY_MS	1000

struct job {
	enum job_kind	 kind;
	char		 contact_id[64];
};

struct worker {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cond;
	int		 wake[2];	/* [0] polled by the UI, [1] written here */

	struct job	 jobs[WORKER_MAX_JOBS];
	size_t		 njobs;
	int		 running;	/* a job is being run */
	int		 shutdown;

	struct worker_event *events;	/* ring buffer */
	size_t		 ev_head, ev_len;

	struct job	 current;
	long long	 last_progress_ms;
	long long	 last_changed_ms;
	long		 last_rl_remaining;

	struct conf	*cfg;		/* the thread's own copy of what it needs */
	struct sync	*sync;
	int		 open_rc;
	struct err	 open_err;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* A deep enough copy of the settings for the thread: strings it reads. */
static struct conf *
conf_clone(const struct conf *src)
{
	struct conf *c = xcalloc(1, sizeof *c);

	*c = *src;
	c->base_url = dup_or_null(src->base_url);
	c->token_file = dup_or_null(src->token_file);
	c->token = dup_or_null(src->token);
	c->location = dup_or_null(src->location);
	c->cache_path = dup_or_null(src->cache_path);
	c->config_path = dup_or_null(src->config_path);
	c->state_dir = dup_or_null(src->state_dir);
	c->on_failure = dup_or_null(src->on_failure);
	c->sm_base_url = dup_or_null(src->sm_base_url);
	c->sm_linkname = dup_or_null(src->sm_linkname);
	c->sm_token_file = dup_or_null(src->sm_token_file);
	c->sm_owner = dup_or_null(src->sm_owner);
	c->sm_id_field = dup_or_null(src->sm_id_field);
	c->sm_activity_type = dup_or_null(src->sm_activity_type);
	c->wh_listen = dup_or_null(src->wh_listen);
	c->wh_rsa_key = dup_or_null(src->wh_rsa_key);
	c->wh_ed25519_key = dup_or_null(src->wh_ed25519_key);
	/* The thread needs no key bindings; it does run auto-tag rules. */
	c->binds = NULL;
	c->nbinds = 0;
	c->autotags = src->nautotags ?
	    xcalloc(src->nautotags, sizeof *c->autotags) : NULL;
	for (size_t i = 0; i < src->nautotags; i++) {
		const struct cfg_autotag *a = &src->autotags[i];
		struct cfg_autotag *b = &c->autotags[i];

		b->pattern = xstrdup(a->pattern);
		b->match_tasks = a->match_tasks;
		b->ntags = a->ntags;
		b->tags = xcalloc(a->ntags ? a->ntags : 1, sizeof *b->tags);
		for (size_t k = 0; k < a->ntags; k++)
			b->tags[k] = xstrdup(a->tags[k]);
	}
	return c;
}

static void
conf_clone_free(struct conf *c)
{
	if (c == NULL)
		return;
	free(c->base_url); free(c->token_file); free(c->token);
	free(c->location); free(c->cache_path); free(c->config_path);
	free(c->state_dir); free(c->on_failure); free(c->sm_base_url);
	free(c->sm_linkname); free(c->sm_token_file); free(c->sm_owner);
	free(c->sm_id_field); free(c->sm_activity_type);
	free(c->wh_listen); free(c->wh_rsa_key); free(c->wh_ed25519_key);
	for (size_t i = 0; i < c->nautotags; i++) {
		for (size_t k = 0; k < c->autotags[i].ntags; k++)
			free(c->autotags[i].tags[k]);
		free(c->autotags[i].tags);
		free(c->autotags[i].pattern);
	}
	free(c->autotags);
	free(c);
}

/* Queue an event and wake the UI.  Called with w->mu NOT held. */
static void
emit(struct worker *w, const struct worker_event *ev)
{
	char byte = 1;
	int was_empty;

	pthread_mutex_lock(&w->mu);
	if (w->ev_len == WORKER_MAX_EVENTS) {
		/* The UI is not draining: drop the oldest progress event. */
		w->ev_head = (w->ev_head + 1) % WORKER_MAX_EVENTS;
		w->ev_len--;
	}
	w->events[(w->ev_head + w->ev_len) % WORKER_MAX_EVENTS] = *ev;
	was_empty = w->ev_len == 0;
	w->ev_len++;
	pthread_mutex_unlock(&w->mu);
	if (was_empty) {
		/* Non-blocking: a full pipe already means "wake up". */
		ssize_t r = write(w->wake[1], &byte, 1);
		(void)r;
	}
}

static void
emit_simple(struct worker *w, enum ev_kind kind, int code, const char *msg)
{
	struct worker_event ev;

	memset(&ev, 0, sizeof ev);
	ev.kind = kind;
	ev.job = w->current.kind;
	snprintf(ev.contact_id, sizeof ev.contact_id, "%s", w->current.contact_id);
	ev.code = code;
	if (msg != NULL)
		snprintf(ev.msg, sizeof ev.msg, "%s", msg);
	emit(w, &ev);
}

static void
on_progress(void *arg, const struct sync_progress *p)
{
	struct worker *w = arg;
	struct worker_event ev;
	long long t = now_ms();

	if (p->rl_max > 0 && p->rl_remaining != w->last_rl_remaining) {
		memset(&ev, 0, sizeof ev);
		ev.kind = EV_RATELIMIT;
		ev.job = w->current.kind;
		ev.remaining = p->rl_remaining;
		ev.max = p->rl_max;
		w->last_rl_remaining = p->rl_remaining;
		emit(w, &ev);
	}
	memset(&ev, 0, sizeof ev);
	ev.job = w->current.kind;
	if (p->contact_id != NULL)
		snprintf(ev.contact_id, sizeof ev.contact_id, "%s", p->contact_id);
	if (p->backoff_ms > 0) {
		ev.kind = EV_BACKOFF;
		ev.backoff_ms = p->backoff_ms;
		emit(w, &ev);
		return;
	}
	/* Throttle progress; the final count always goes through. */
	if (t - w->last_progress_ms < PROGRESS_EVERY_MS &&
	    !(p->total > 0 && p->done >= p->total))
		return;
	w->last_progress_ms = t;
	if (t - w->last_changed_ms >= CHANGED_EVERY_MS) {
		/* Pages land in the cache as a long sync runs: let the UI
		 * re-query now and then, not only at the end. */
		struct worker_event ch;

		memset(&ch, 0, sizeof ch);
		ch.kind = EV_CHANGED;
		ch.job = w->current.kind;
		w->last_changed_ms = t;
		emit(w, &ch);
	}
	ev.kind = EV_PROGRESS;
	ev.done = p->done;
	ev.total = p->total;
	if (p->phase != NULL)
		snprintf(ev.msg, sizeof ev.msg, "%s", p->phase);
	emit(w, &ev);
}

static int
run_job(struct worker *w, const struct job *j, struct err *e)
{
	const char *id = j->contact_id[0] != '\0' ? j->contact_id : NULL;
	int nfailed = 0, npending = 0;

	switch (j->kind) {
	case JOB_SYNC_ONE:
		if (id == NULL)
			return err_set(e, ERR_USAGE, "sync: no contact id");
		return sync_contact(w->sync, id, e);
	case JOB_SYNC_ALL:
		return sync_all(w->sync, 0, e);
	case JOB_SYNC_ALL_DEEP:
		return sync_all(w->sync, 1, e);
	case JOB_OUTBOX:
		return sync_outbox(w->sync, id, &nfailed, &npending, e);
	case JOB_POLL:
		return sync_poll(w->sync, e);
	case JOB_MIRROR_ONE:
		if (id == NULL)
			return err_set(e, ERR_USAGE, "mirror: no contact id");
		return mirror_one(w->cfg, sync_cache(w->sync), id, e);
	}
	return err_set(e, ERR_USAGE, "unknown job");
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct err e;
	struct job j;
	int rc;

	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (w->njobs == 0 && !w->shutdown)
			pthread_cond_wait(&w->cond, &w->mu);
		if (w->shutdown) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		j = w->jobs[0];
		memmove(&w->jobs[0], &w->jobs[1], (w->njobs - 1) * sizeof j);
		w->njobs--;
		w->running = 1;
		w->current = j;
		if (w->sync != NULL)
			sync_uncancel(w->sync);
		pthread_mutex_unlock(&w->mu);

		err_clear(&e);
		emit_simple(w, EV_STARTED, 0, NULL);
		if (w->sync == NULL) {
			rc = w->open_rc;
			e = w->open_err;
		} else
			rc = run_job(w, &j, &e);

		if (rc == 0)
			emit_simple(w, EV_ONLINE, 0, NULL);
		else if (rc == ERR_NET || rc == ERR_OFFLINE)
			emit_simple(w, EV_OFFLINE, rc, e.msg);
		else if (rc != ERR_CANCELED)
			emit_simple(w, EV_FAILED, rc, e.msg);
		emit_simple(w, EV_CHANGED, 0, NULL);
		emit_simple(w, EV_DONE, rc, rc ? e.msg : NULL);

		pthread_mutex_lock(&w->mu);
		w->running = 0;
		pthread_mutex_unlock(&w->mu);
	}
	return NULL;
}

int
worker_start(struct worker **out, const struct conf *cfg, struct err *e)
{
	struct worker *w;
	sigset_t all, old;
	int rc;

	w = xcalloc(1, sizeof *w);
	w->events = xcalloc(WORKER_MAX_EVENTS, sizeof *w->events);
	w->last_rl_remaining = -1;
	if (pipe(w->wake) == -1) {
		rc = err_set(e, ERR_IO, "worker: pipe: %s", strerror(errno));
		free(w->events);
		free(w);
		return rc;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(w->wake[i], F_SETFL, fcntl(w->wake[i], F_GETFL) | O_NONBLOCK);
		fcntl(w->wake[i], F_SETFD, FD_CLOEXEC);
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->cfg = conf_clone(cfg);

	/*
	 * Open the engine here, before the thread exists: SQLite handles may
	 * move between threads when used by one at a time, and an error (bad
	 * token file) is then reported to the caller at once.
	 */
	err_clear(&w->open_err);
	w->open_rc = sync_open(&w->sync, w->cfg, &w->open_err);
	if (w->open_rc != 0)
		w->sync = NULL;
	else {
		sync_set_progress(w->sync, on_progress, w);
	}

	/* The thread inherits a mask with every signal blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		if (w->sync != NULL)
			sync_close(w->sync);
		conf_clone_free(w->cfg);
		close(w->wake[0]);
		close(w->wake[1]);
		free(w->events);
		free(w);
		return err_set(e, ERR_IO, "worker: pthread_create: %s",
		    strerror(rc));
	}
	*out = w;
	return 0;
}

int
worker_fd(const struct worker *w)
{
	return w->wake[0];
}

void
worker_post(struct worker *w, enum job_kind kind, const char *contact_id)
{
	struct job j;

	memset(&j, 0, sizeof j);
	j.kind = kind;
	if (contact_id != NULL)
		snprintf(j.contact_id, sizeof j.contact_id, "%s", contact_id);

	pthread_mutex_lock(&w->mu);
	for (size_t i = 0; i < w->njobs; i++) {
		if (w->jobs[i].kind == kind &&
		    strcmp(w->jobs[i].contact_id, j.contact_id) == 0) {
			pthread_mutex_unlock(&w->mu);
			return;		/* already queued */
		}
		/* A deep sync covers a plain one. */
		if (kind == JOB_SYNC_ALL && w->jobs[i].kind == JOB_SYNC_ALL_DEEP) {
			pthread_mutex_unlock(&w->mu);
			return;
		}
	}
	if (w->njobs < WORKER_MAX_JOBS)
		w->jobs[w->njobs++] = j;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mu);
}

void
worker_cancel(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	/* Queued sync-all jobs go too: the user asked to stop syncing. */
	for (size_t i = 0; i < w->njobs;) {
		if (w->jobs[i].kind == JOB_SYNC_ALL ||
		    w->jobs[i].kind == JOB_SYNC_ALL_DEEP) {
			memmove(&w->jobs[i], &w->jobs[i + 1],
			    (w->njobs - i - 1) * sizeof w->jobs[0]);
			w->njobs--;
		} else
			i++;
	}
	if (w->running && w->sync != NULL)
		sync_cancel(w->sync);
	pthread_mutex_unlock(&w->mu);
}

int
worker_next_event(struct worker *w, struct worker_event *ev)
{
	char drain[64];
	int got = 0;

	pthread_mutex_lock(&w->mu);
	if (w->ev_len > 0) {
		*ev = w->events[w->ev_head];
		w->ev_head = (w->ev_head + 1) % WORKER_MAX_EVENTS;
		w->ev_len--;
		got = 1;
	}
	if (w->ev_len == 0) {
		/* Empty the pipe so poll() sleeps until the next batch. */
		while (read(w->wake[0], drain, sizeof drain) > 0)
			;
	}
	pthread_mutex_unlock(&w->mu);
	return got;
}

int
worker_busy(struct worker *w)
{
	int busy;

	pthread_mutex_lock(&w->mu);
	busy = w->running || w->njobs > 0;
	pthread_mutex_unlock(&w->mu);
	return busy;
}

void
worker_stop(struct worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->shutdown = 1;
	w->njobs = 0;
	if (w->sync != NULL)
		sync_cancel(w->sync);
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	if (w->sync != NULL)
		sync_close(w->sync);
	conf_clone_free(w->cfg);
	close(w->wake[0]);
	close(w->wake[1]);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cond);
	free(w->events);
	free(w);
}
