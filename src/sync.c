/*
 * sync.c: the sync engine (see sync.h).  Pulls contacts from the API into
 * the cache and pushes the outbox back, following DESIGN §3: in order per
 * contact, transient failures retried with backoff, permanent ones marked
 * failed and the contact re-synced, and a create that may already have
 * reached the server reconciled before it is ever sent again.
 */
#include "config.h"
#include "sync.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "api.h"
#include "arena.h"
#include "auth.h"
#include "autotag.h"
#include "backoff.h"
#include "buf.h"
#include "cache.h"
#include "cache_mirror.h"
#include "codec.h"
#include "conf.h"
#include "crashpoint.h"
#include "http.h"
#include "log.h"
#include "mirror_cli.h"
#include "model.h"
#include "xmalloc.h"

#define SYNC_PAGE_LIMIT		500	/* search pageLimit, the API's maximum */
#define SYNC_MAX_PAGES		100000	/* a server that never ends is stopped */
#define REPLAY_BACKOFF_BASE_MS	1000
#define REPLAY_BACKOFF_CAP_MS	30000
#define REPLAY_BACKOFF_MIN_MS	250

#define META_ALL_CURSOR		"sync.all.cursor"
#define META_ALL_DONE		"sync.all.done"
#define META_ALL_STARTED	"sync.all.started"
#define META_ALL_FINISHED	"sync.all.finished"
#define META_POLL_SINCE		"sync.poll.since"

struct sync {
	const struct conf	*cfg;		/* borrowed: outlives the engine */
	struct cache		*cache;
	struct auth		*auth;
	struct api		*api;		/* NULL when offline */
	char			*location;
	int			 offline;
	long			 replay_timeout_ms;
	sync_progress_fn	 progress;
	void			*progress_arg;
	atomic_bool		 cancel;	/* shared with the api's transfers */
	struct sync_progress	 p;
	struct backoff_rng	 rng;
	long			 skipped;	/* contacts left out (limits) */
	struct err		 skip_first;	/* and why the first was */
	/*
	 * While a contact's reads run (hold set), their usage rows wait
	 * here and are written in the transaction that stores the contact:
	 * one commit instead of one per response.
	 */
	int			 hold;
	struct held_resp	*held;
	size_t			 nheld, capheld;
	/* sync_open_contact's reads, for the next sync_contact of early_id */
	struct bundle		*early;
	char			*early_id;
};

/* A response whose usage row is still to be written. */
struct held_resp {
	char			*endpoint;
	int			 status, attempt;
	long long		 at;
	int			 has_rl;
	struct ratelimit_headers rl;
};

struct bundle;
static void	init_poll_cursor(struct sync *);
static void	bundle_free(struct bundle *);

/* Search page size; test builds can shrink it to put crash points between
 * pages of a small data set. */
static int
page_limit(void)
{
#ifdef GHL_TEST_HOOKS
	const char *v = getenv("GHLTERM_TEST_PAGE_LIMIT");
	long n;

	if (v != NULL && (n = strtol(v, NULL, 10)) >= 1 && n <= SYNC_PAGE_LIMIT)
		return (int)n;
#endif
	return SYNC_PAGE_LIMIT;
}
static long	replay_backoff(struct sync *, int);

static long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
canceled(const struct sync *s)
{
	return atomic_load(&s->cancel);
}

static void
report(struct sync *s)
{
	if (s->progress != NULL)
		s->progress(s->progress_arg, &s->p);
}

/* Sleep ms in short slices; returns ERR_CANCELED when cancelled. */
static int
nap(struct sync *s, long ms)
{
	struct timespec ts;
	long step;

	while (ms > 0) {
		if (canceled(s))
			return ERR_CANCELED;
		step = ms < 50 ? ms : 50;
		ts.tv_sec = 0;
		ts.tv_nsec = step * 1000000L;
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return canceled(s) ? ERR_CANCELED : 0;
}

/*
 * The search-page prefetch thread (below) must not touch the cache or the
 * progress callback: its responses and backoffs are queued for the sync's
 * own thread.  Set only on that thread.
 */
static _Thread_local struct prefetch *pf_self;
static void	pf_queue_response(struct prefetch *, const char *endpoint,
		    int status, int attempt, const struct ratelimit_headers *);
static void	pf_queue_backoff(struct prefetch *, long ms);

/* Whether a response carried rate-limit headers worth keeping. */
static int
has_limits(const struct ratelimit_headers *rl)
{
	return rl != NULL && (rl->max >= 0 || rl->remaining >= 0);
}

/* A response: count it for the progress report. */
static void
count_response(struct sync *s, int status, const struct ratelimit_headers *rl)
{
	s->p.requests++;
	if (status == 429)
		s->p.ratelimited++;
	if (has_limits(rl)) {
		s->p.rl_remaining = rl->remaining;
		s->p.rl_max = rl->max;
	}
}

/* Its usage row and rate-limit headers, in the open transaction if any. */
static void
store_response(struct sync *s, const char *endpoint, int status,
    int attempt, long long now, const struct ratelimit_headers *rl)
{
	cache_usage_record(s->cache, endpoint, status, attempt > 1, now, NULL);
	if (has_limits(rl))
		cache_usage_set_headers(s->cache, rl->limit_daily,
		    rl->daily_remaining, rl->interval_ms, rl->max,
		    rl->remaining, now, NULL);
}

/* A response: count it, record usage and the rate-limit headers. */
static void
record_response(struct sync *s, const char *endpoint, int status,
    int attempt, long long now, const struct ratelimit_headers *rl)
{
	count_response(s, status, rl);
	store_response(s, endpoint, status, attempt, now, rl);
}

static void
hold_response(struct sync *s, const char *endpoint, int status, int attempt,
    const struct ratelimit_headers *rl)
{
	struct held_resp *h;

	if (s->nheld == s->capheld) {
		s->capheld = s->capheld ? s->capheld * 2 : 8;
		s->held = xreallocarray(s->held, s->capheld, sizeof *s->held);
	}
	h = &s->held[s->nheld++];
	memset(h, 0, sizeof *h);
	h->endpoint = xstrdup0(endpoint);
	h->status = status;
	h->attempt = attempt;
	h->at = wall_ms();
	if (rl != NULL) {
		h->has_rl = 1;
		h->rl = *rl;
	}
}

/* Write the held usage rows into the open transaction; they stay held
 * until drop_held, in case that transaction is rolled back. */
static void
store_held(struct sync *s)
{
	for (size_t i = 0; i < s->nheld; i++)
		store_response(s, s->held[i].endpoint, s->held[i].status,
		    s->held[i].attempt, s->held[i].at,
		    s->held[i].has_rl ? &s->held[i].rl : NULL);
}

static void
drop_held(struct sync *s)
{
	for (size_t i = 0; i < s->nheld; i++)
		free(s->held[i].endpoint);
	s->nheld = 0;
}

/* Write the held usage rows in a transaction of their own. */
static void
flush_held(struct sync *s)
{
	if (s->nheld == 0 || s->cache == NULL)
		return;
	if (cache_begin(s->cache, NULL) == 0) {
		store_held(s);
		if (cache_commit(s->cache, NULL) != 0)
			cache_rollback(s->cache);
	} else {
		store_held(s);		/* each row on its own */
	}
	drop_held(s);
}

static void
on_response(void *arg, const char *endpoint, int status, int attempt,
    double seconds, const struct ratelimit_headers *rl)
{
	struct sync *s = arg;

	(void)seconds;
	if (pf_self != NULL) {
		pf_queue_response(pf_self, endpoint, status, attempt, rl);
	} else if (s->hold) {
		count_response(s, status, rl);
		hold_response(s, endpoint, status, attempt, rl);
	} else {
		record_response(s, endpoint, status, attempt, wall_ms(), rl);
	}
}

static void
report_backoff(struct sync *s, long ms)
{
	s->p.backoff_ms = ms;
	report(s);
	s->p.backoff_ms = 0;
}

static void
on_backoff(void *arg, long ms, const char *why)
{
	struct sync *s = arg;

	(void)why;
	if (pf_self != NULL) {
		pf_queue_backoff(pf_self, ms);
		return;
	}
	/* Before a wait, not after it: a process killed meanwhile keeps
	 * the usage of what it sent. */
	flush_held(s);
	report_backoff(s, ms);
}

static struct sync *
sync_new(const struct conf *cfg)
{
	struct sync *s = xcalloc(1, sizeof *s);

	s->cfg = cfg;
	s->offline = cfg->offline;
	s->location = xstrdup0(cfg->location);
	s->replay_timeout_ms = (cfg->replay_timeout_s > 0 ?
	    cfg->replay_timeout_s : 20) * 1000L;
	s->p.rl_remaining = s->p.rl_max = -1;
	s->p.total = -1;
	atomic_init(&s->cancel, false);
	backoff_rng_seed(&s->rng, (uint64_t)wall_ms());
	return s;
}

/* The token and the API client (nothing when offline). */
static int
open_api(struct sync *s, const struct conf *cfg, struct err *e)
{
	struct api_opts o;
	int rc;

	if (s->offline)
		return 0;
	if (cfg->token != NULL && cfg->token[0] != '\0')
		rc = auth_new_token(&s->auth, cfg->token, e);
	else if (cfg->token_file != NULL)
		rc = auth_load_file(&s->auth, cfg->token_file, e);
	else
		rc = err_set(e, ERR_AUTH, "no token: set GHL_TOKEN or use "
		    "--token-file FILE (or token_file in the config file)");
	if (rc)
		return rc;

	memset(&o, 0, sizeof o);
	o.base_url = cfg->base_url;
	o.location_id = cfg->location;
	o.auth = s->auth;
	o.connect_timeout_ms = cfg->connect_timeout_ms;
	o.timeout_ms = cfg->timeout_ms;
	o.cancel = &s->cancel;
	o.on_response = on_response;
	o.on_response_arg = s;
	o.on_backoff = on_backoff;
	o.on_backoff_arg = s;
	return api_new(&s->api, &o, e);
}

int
sync_open(struct sync **out, const struct conf *cfg, struct err *e)
{
	struct sync *s = sync_new(cfg);
	int rc;

	*out = NULL;
	rc = cache_open(&s->cache, cfg->cache_path, e);
	if (rc == 0)
		rc = open_api(s, cfg, e);
	if (rc) {
		sync_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void
sync_close(struct sync *s)
{
	if (s == NULL)
		return;
	api_free(s->api);
	auth_free(s->auth);
	if (s->cache != NULL)
		flush_held(s);
	free(s->held);
	if (s->early != NULL) {
		bundle_free(s->early);
		free(s->early);
	}
	free(s->early_id);
	cache_close(s->cache);
	free(s->location);
	free(s);
}

struct cache *
sync_cache(struct sync *s)
{
	return s->cache;
}

struct api *
sync_api(struct sync *s)
{
	return s->api;
}

void
sync_set_progress(struct sync *s, sync_progress_fn fn, void *arg)
{
	s->progress = fn;
	s->progress_arg = arg;
}

void
sync_cancel(struct sync *s)
{
	atomic_store(&s->cancel, true);
}

void
sync_uncancel(struct sync *s)
{
	atomic_store(&s->cancel, false);
}

static int
need_network(struct sync *s, struct err *e)
{
	if (s->offline || s->api == NULL)
		return err_set(e, ERR_OFFLINE, "offline: nothing was sent");
	return 0;
}

static int
is_local_id(const char *id)
{
	return id != NULL && strncmp(id, "local-", 6) == 0;
}

/* ---- pull ---- */

/* A contact's four reads: bodies, statuses and each read's error. */
struct bundle {
	struct buf	 out[API_BUNDLE_N];
	int		 status[API_BUNDLE_N];
	struct err	 pe[API_BUNDLE_N];
	int		 rc;
};

static void
bundle_init(struct bundle *b)
{
	memset(b, 0, sizeof *b);
	for (int i = 0; i < API_BUNDLE_N; i++) {
		buf_init(&b->out[i], 0);
		err_clear(&b->pe[i]);
	}
}

static void
bundle_free(struct bundle *b)
{
	for (int i = 0; i < API_BUNDLE_N; i++)
		buf_free(&b->out[i]);
}

/* Send the four reads in parallel and wait for them.  Touches only the
 * api (and, through on_response, the held usage or a prefetch queue). */
static void
bundle_fetch(struct sync *s, const char *id, struct bundle *b)
{
	b->rc = api_get_contact_bundle(s->api, id, b->out, b->status, b->pe);
}

/*
 * Apply contact id's fetched reads in one transaction, together with the
 * held usage rows of the requests (written on their own when the apply
 * fails).  A 404 on the contact marks it deleted.
 */
static int
pull_apply(struct sync *s, const char *id, struct bundle *b, struct err *e)
{
	struct buf *out = b->out;
	struct err *pe = b->pe;
	struct contact c;
	struct task *tasks = NULL;
	struct note *notes = NULL;
	struct appt *appts = NULL;
	size_t ntasks = 0, nnotes = 0, nappts = 0;
	int rc = b->rc, i;

	memset(&c, 0, sizeof c);
	if (pe[API_BUNDLE_CONTACT].code == ERR_NOTFOUND) {
		/* The contact is gone on the server. */
		cache_contact_mark_deleted(s->cache, id, NULL);
		*e = pe[API_BUNDLE_CONTACT];
		rc = ERR_NOTFOUND;
		goto out;
	}
	if (rc) {
		for (i = 0; i < API_BUNDLE_N; i++)
			if (pe[i].code != ERR_OK) {
				*e = pe[i];
				break;
			}
		goto out;
	}
	rc = codec_contact_response(out[0].data, out[0].len, &c, e);
	if (rc == 0)
		rc = codec_tasks_response(out[1].data, out[1].len, &tasks,
		    &ntasks, e);
	if (rc == 0)
		rc = codec_notes_response(out[2].data, out[2].len, &notes,
		    &nnotes, e);
	if (rc == 0)
		rc = codec_events_response(out[3].data, out[3].len, &appts,
		    &nappts, e);
	if (rc) {
		err_prefix(e, "GET /contacts/%s", id);
		goto out;
	}
	/* The usage of the four reads commits with what they read. */
	rc = cache_begin(s->cache, e);
	if (rc)
		goto out;
	store_held(s);
	rc = cache_put_contact(s->cache, &c, wall_ms(), e);
	if (rc == 0)
		rc = cache_replace_tasks(s->cache, id, tasks, ntasks, e);
	if (rc == 0)
		rc = cache_replace_notes(s->cache, id, notes, nnotes, e);
	if (rc == 0)
		rc = cache_replace_appts(s->cache, id, appts, nappts, e);
	if (rc == 0)
		rc = cache_commit(s->cache, e);
	else
		cache_rollback(s->cache);
	if (rc == 0)
		drop_held(s);
out:
	/* Failed or rolled back: the usage rows on their own. */
	flush_held(s);
	s->p.contact_id = NULL;
	contact_free(&c);
	tasks_free(tasks, ntasks);
	notes_free(notes, nnotes);
	appts_free(appts, nappts);
	return rc;
}

/*
 * Fetch a contact's four resources in parallel and apply them in one
 * transaction.  A 404 on the contact marks it deleted.
 */
static int
pull_contact(struct sync *s, const char *id, struct err *e)
{
	struct bundle b;
	int rc;

	bundle_init(&b);
	s->p.contact_id = id;
	s->hold = 1;
	bundle_fetch(s, id, &b);
	s->hold = 0;
	rc = pull_apply(s, id, &b, e);
	bundle_free(&b);
	return rc;
}

/*
 * The API client already retries each request a few times; a long sync on
 * a flaky link also retries whole steps (a contact's bundle, a page), so
 * one unlucky request does not end a sync of thousands of contacts.
 */
#define STEP_TRIES	5

/* Short: the API client has already backed off within each step. */
static long
step_backoff(struct sync *s, int i)
{
	return 100 + backoff_delay_ms(i, 250, 2000, &s->rng);
}

/* first: reads already made for the first try, or NULL. */
static int
pull_contact_retry(struct sync *s, const char *id, struct bundle *first,
    struct err *e)
{
	int rc = 0;

	for (int i = 0; i < STEP_TRIES; i++) {
		err_clear(e);
		if (i == 0 && first != NULL) {
			s->p.contact_id = id;
			rc = pull_apply(s, id, first, e);
		} else {
			rc = pull_contact(s, id, e);
		}
		/* A refused certificate (no_retry) will be refused again. */
		if (rc == 0 || !err_is_transient(rc) || e->no_retry ||
		    rc == ERR_OFFLINE)
			break;
		if (nap(s, step_backoff(s, i)) != 0)
			return err_set(e, ERR_CANCELED, "sync cancelled");
	}
	return rc;
}

static int
search_retry(struct sync *s, const char *req, struct buf *body,
    struct contact_page *page, struct arena *scratch, struct err *e)
{
	int rc = 0;

	for (int i = 0; i < STEP_TRIES; i++) {
		err_clear(e);
		contact_page_free(page);
		rc = api_search(s->api, req, body, e);
		if (rc == 0) {
			rc = codec_search_page_in(body->data, body->len, page,
			    scratch, e);
			if (rc)
				err_prefix(e, "POST /contacts/search");
			else if (page->skipped > 0)
				err_prefix(&page->skip_err,
				    "POST /contacts/search");
			/* Packed here, on the prefetch thread of a full sync,
			 * not by the writer, the bottleneck (-38K
			 * instructions a contact there). */
			for (size_t k = 0; rc == 0 && k < page->n; k++)
				cache_contact_pack(&page->v[k]);
		}
		if (rc == 0 || !err_is_transient(rc) || e->no_retry)
			break;
		if (nap(s, step_backoff(s, i)) != 0)
			return err_set(e, ERR_CANCELED, "sync cancelled");
	}
	return rc;
}

/*
 * ---- search pages ----
 *
 * A walk over POST /contacts/search, shared by the full sync and the poll:
 * each call fetches and decodes the next page and checks that the server
 * makes progress.  A cursor repeated, a page without one, more pages than
 * SYNC_MAX_PAGES or than the server's own total can explain: the walk
 * stops with an error rather than loop.
 */
struct pager {
	struct sync	*s;
	const char	*sort_field;	/* "dateAdded" or "dateUpdated" */
	const char	*updated_since;	/* the poll's lower bound, or NULL */
	int		 full;		/* a full sync: ends on total */
	char		*cursor;	/* searchAfter of the last page */
	char		*prev;		/* and of the one before */
	long		 pages;
	long		 seen;		/* contacts so far, resumed ones too */
	int		 end;		/* the last page was returned */
	struct buf	 body;
	struct arena	*scratch;	/* the decoder's parse trees */
};

static void
pager_init(struct pager *pg, struct sync *s, const char *sort_field,
    const char *updated_since, int full, char *cursor, long seen)
{
	memset(pg, 0, sizeof *pg);
	pg->s = s;
	pg->sort_field = sort_field;
	pg->updated_since = updated_since;
	pg->full = full;
	pg->cursor = cursor;
	pg->seen = seen;
	buf_init(&pg->body, 0);
	pg->scratch = arena_new();
}

static void
pager_free(struct pager *pg)
{
	free(pg->cursor);
	free(pg->prev);
	buf_free(&pg->body);
	arena_free(pg->scratch);
}

/* The request for the page after the current cursor; NULL when the
 * cursor is not a JSON array (a damaged stored cursor). */
static char *
pager_request(const struct pager *pg)
{
	struct search_req q;

	memset(&q, 0, sizeof q);
	q.location_id = pg->s->location;
	q.page_limit = page_limit();
	q.search_after = pg->cursor;
	q.sort_field = pg->sort_field;
	q.sort_dir = "asc";
	q.updated_since = pg->updated_since;
	return codec_search_request(&q);
}

/*
 * The next page into *page (freed first): 0 with page->n == 0 after the
 * last one.  Errors name the endpoint and what the server did wrong.
 */
static int
pager_next(struct pager *pg, struct contact_page *page, struct err *e)
{
	struct sync *s = pg->s;
	long expect;
	char *req;
	int rc;

	contact_page_free(page);
	memset(page, 0, sizeof *page);
	if (pg->end)
		return 0;
	if (canceled(s))
		return err_set(e, ERR_CANCELED, "sync cancelled after %ld "
		    "contacts", pg->seen);
	if (++pg->pages > SYNC_MAX_PAGES)
		return err_set(e, ERR_PARSE, "POST /contacts/search: more "
		    "than %d pages; stopping", SYNC_MAX_PAGES);
	req = pager_request(pg);
	if (req == NULL)
		return err_set(e, ERR_PARSE, "POST /contacts/search: cursor "
		    "%s is not a JSON array", pg->cursor);
	rc = search_retry(s, req, &pg->body, page, pg->scratch, e);
	free(req);
	if (rc)
		return rc;
	if (page->n == 0 && page->skipped == 0) {
		pg->end = 1;
		return 0;
	}
	/* More than pageLimit: a server that ignores it may wrap round or
	 * never end; nothing of the page is kept. */
	if (page->n > (size_t)page_limit())
		return err_set(e, ERR_PARSE, "POST /contacts/search: a page "
		    "of %zu contacts for pageLimit %d; stopping", page->n,
		    page_limit());
	if (page->search_after == NULL)
		return err_set(e, ERR_PARSE, "POST /contacts/search: page "
		    "without a searchAfter cursor; stopping");
	if ((pg->cursor != NULL && strcmp(pg->cursor,
	    page->search_after) == 0) || (pg->prev != NULL &&
	    strcmp(pg->prev, page->search_after) == 0))
		return err_set(e, ERR_PARSE, "POST /contacts/search: the "
		    "server repeated cursor %s; stopping", page->search_after);
	/*
	 * A list that goes on far past the total the server reports is
	 * endless: twice the pages the total needs, and ten more for
	 * contacts added meanwhile.
	 */
	expect = page->total >= 0 ? page->total / page_limit() + 1 : -1;
	if (expect >= 0 && pg->pages > 2 * expect + 10)
		return err_set(e, ERR_PARSE, "POST /contacts/search: %ld pages "
		    "for %ld contacts; the page list does not end; stopping",
		    pg->pages, page->total);
	pg->seen += (long)(page->n + page->skipped);
	free(pg->prev);
	pg->prev = pg->cursor;
	pg->cursor = xstrdup(page->search_after);
	if (page->n + page->skipped < (size_t)page_limit() && (!pg->full ||
	    (page->total >= 0 && pg->seen >= page->total)))
		pg->end = 1;
	return 0;
}

/*
 * ---- prefetch ----
 *
 * A full sync fetches and decodes the next page on a second thread while
 * this one writes the current page: on two cores the network, the JSON
 * decoding and SQLite overlap.  The thread uses only the api (its own
 * curl handle) and the pager; its responses and backoffs are queued and
 * applied here, so the cache and the progress callback stay on one
 * thread.  At most PREFETCH_DEPTH decoded pages wait.
 */
#define PREFETCH_DEPTH	2

struct pf_item {
	struct contact_page	 page;
	int			 rc;
	struct err		 e;
};

struct pf_resp {
	char			*endpoint;
	int			 status, attempt;
	long long		 at;
	int			 has_rl;
	struct ratelimit_headers rl;
};

struct prefetch {
	struct pager		*pg;
	pthread_t		 th;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;	/* any change below */
	struct pf_item		 q[PREFETCH_DEPTH];
	size_t			 head, n;
	int			 stop;		/* the consumer quits */
	int			 finished;	/* the thread pushed its last */
	struct pf_resp		*resp;
	size_t			 nresp, capresp;
	long			 backoff_ms;	/* to report, 0 none */
};

static void
pf_queue_response(struct prefetch *pf, const char *endpoint, int status,
    int attempt, const struct ratelimit_headers *rl)
{
	struct pf_resp *r;

	pthread_mutex_lock(&pf->mu);
	if (pf->nresp == pf->capresp) {
		pf->capresp = pf->capresp ? pf->capresp * 2 : 8;
		pf->resp = xreallocarray(pf->resp, pf->capresp,
		    sizeof *pf->resp);
	}
	r = &pf->resp[pf->nresp++];
	memset(r, 0, sizeof *r);
	r->endpoint = xstrdup0(endpoint);
	r->status = status;
	r->attempt = attempt;
	r->at = wall_ms();
	if (rl != NULL) {
		r->has_rl = 1;
		r->rl = *rl;
	}
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
}

static void
pf_queue_backoff(struct prefetch *pf, long ms)
{
	pthread_mutex_lock(&pf->mu);
	pf->backoff_ms = ms;
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
}

static void *
pf_main(void *arg)
{
	struct prefetch *pf = arg;
	struct pf_item it;
	int last;

	pf_self = pf;
	for (;;) {
		memset(&it, 0, sizeof it);
		err_clear(&it.e);
		it.rc = pager_next(pf->pg, &it.page, &it.e);
		last = it.rc != 0 || it.page.n == 0;
		pthread_mutex_lock(&pf->mu);
		while (pf->n == PREFETCH_DEPTH && !pf->stop)
			pthread_cond_wait(&pf->cv, &pf->mu);
		if (pf->stop) {
			pthread_mutex_unlock(&pf->mu);
			contact_page_free(&it.page);
			break;
		}
		pf->q[(pf->head + pf->n) % PREFETCH_DEPTH] = it;
		pf->n++;
		pthread_cond_broadcast(&pf->cv);
		pthread_mutex_unlock(&pf->mu);
		if (last)
			break;
	}
	pthread_mutex_lock(&pf->mu);
	pf->finished = 1;
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
	pf_self = NULL;
	return NULL;
}

/* Apply what the thread queued: usage, rate headers, a backoff. */
static void
pf_apply(struct sync *s, struct pf_resp *v, size_t n, long backoff_ms)
{
	for (size_t i = 0; i < n; i++) {
		record_response(s, v[i].endpoint, v[i].status, v[i].attempt,
		    v[i].at, v[i].has_rl ? &v[i].rl : NULL);
		free(v[i].endpoint);
	}
	free(v);
	if (backoff_ms > 0)
		report_backoff(s, backoff_ms);
}

/* 0 when the thread runs; otherwise the caller fetches pages itself. */
static int
pf_start(struct prefetch *pf, struct pager *pg)
{
	memset(pf, 0, sizeof *pf);
	pf->pg = pg;
	pthread_mutex_init(&pf->mu, NULL);
	pthread_cond_init(&pf->cv, NULL);
	if (pthread_create(&pf->th, NULL, pf_main, pf) != 0) {
		pthread_mutex_destroy(&pf->mu);
		pthread_cond_destroy(&pf->cv);
		return -1;
	}
	return 0;
}

/* The next page as pager_next would return it, from the thread. */
static int
pf_next(struct sync *s, struct prefetch *pf, struct contact_page *page,
    struct err *e)
{
	struct pf_resp *resp;
	size_t nresp;
	long backoff;
	int got, fin;

	contact_page_free(page);
	memset(page, 0, sizeof *page);
	for (;;) {
		pthread_mutex_lock(&pf->mu);
		while (pf->n == 0 && !pf->finished && pf->nresp == 0 &&
		    pf->backoff_ms == 0)
			pthread_cond_wait(&pf->cv, &pf->mu);
		resp = pf->resp;
		nresp = pf->nresp;
		pf->resp = NULL;
		pf->nresp = pf->capresp = 0;
		backoff = pf->backoff_ms;
		pf->backoff_ms = 0;
		got = pf->n > 0;
		fin = pf->finished;
		if (got) {
			struct pf_item *it = &pf->q[pf->head];
			int rc = it->rc;

			*page = it->page;
			*e = it->e;
			pf->head = (pf->head + 1) % PREFETCH_DEPTH;
			pf->n--;
			pthread_cond_broadcast(&pf->cv);
			pthread_mutex_unlock(&pf->mu);
			pf_apply(s, resp, nresp, backoff);
			return rc;
		}
		pthread_mutex_unlock(&pf->mu);
		pf_apply(s, resp, nresp, backoff);
		if (fin)	/* not reached: the last item ends the walk */
			return 0;
	}
}

/* Stop the thread (an in-flight request is cancelled) and free it all. */
static void
pf_stop(struct sync *s, struct prefetch *pf)
{
	bool expect = false, set = false;

	/* Cut a request or a backoff short unless the thread is done. */
	pthread_mutex_lock(&pf->mu);
	pf->stop = 1;
	if (!pf->finished)
		set = atomic_compare_exchange_strong(&s->cancel, &expect, true);
	pthread_cond_broadcast(&pf->cv);
	pthread_mutex_unlock(&pf->mu);
	pthread_join(pf->th, NULL);
	if (set)
		atomic_store(&s->cancel, false);
	while (pf->n > 0) {
		contact_page_free(&pf->q[pf->head].page);
		pf->head = (pf->head + 1) % PREFETCH_DEPTH;
		pf->n--;
	}
	pf_apply(s, pf->resp, pf->nresp, 0);
	pthread_mutex_destroy(&pf->mu);
	pthread_cond_destroy(&pf->cv);
}

static void
log_failure(struct sync *s, const char *kind, const char *contact_id,
    const struct err *e)
{
	cache_log_add(s->cache, kind, "error", contact_id, NULL,
	    e->http_status, e->msg, NULL);
	log_msg(LOG_LEVEL_ERROR, "%s %s: %s", kind,
	    contact_id != NULL ? contact_id : "-", e->msg);
	alert_failure(s->cfg, kind, contact_id, NULL, e->http_status, e->msg);
}

/*
 * Contacts of a page that break a limit (a 2,000-tag contact, a 5 KB
 * name) are left out so that one bad record cannot stop every full sync;
 * the first one's reason goes to the sync log and the alert hook.
 */
static void
report_skipped(struct sync *s, const struct contact_page *page)
{
	struct err e = page->skip_err;

	if (s->skipped == 0)
		s->skip_first = page->skip_err;
	s->skipped += (long)page->skipped;
	if (page->skipped > 1)
		snprintf(e.msg + strlen(e.msg), sizeof e.msg - strlen(e.msg),
		    " (and %zu more contacts of the page); left out",
		    page->skipped - 1);
	else
		snprintf(e.msg + strlen(e.msg), sizeof e.msg - strlen(e.msg),
		    "; left out");
	log_failure(s, "sync", NULL, &e);
}

static int sync_outbox_quiet(struct sync *, const char *);
static void recover_inflight(struct sync *);

/*
 * After a contact was pulled: the auto-tag rules on its new or changed
 * notes (their tags go out as ordinary writes), then, with
 * salesmate.auto, the mirror of the contact (now when mirror_now, else
 * queued for `ghlterm mirror --queued`).
 */
static void
after_pull(struct sync *s, const char *id, int mirror_now)
{
	struct strv planned = { NULL, 0 };
	struct err e;

	err_clear(&e);
	if (s->cfg->nautotags > 0) {
		if (autotag_apply(s->cache, s->cfg, id, 0, &planned, &e) != 0)
			log_failure(s, "autotag", id, &e);
		else if (planned.n > 0 && mirror_now)
			sync_outbox_quiet(s, id);
		strv_free(&planned);
	}
	if (!s->cfg->sm_auto || s->cfg->sm_linkname == NULL)
		return;
	err_clear(&e);
	if (!mirror_now) {
		if (cache_mirror_migrate(cache_sqlite(s->cache)) == 0)
			cache_mirror_enqueue(cache_sqlite(s->cache), id, &e);
		return;
	}
	if (mirror_one(s->cfg, s->cache, id, &e) != 0)
		log_failure(s, "mirror", id, &e);
}

/*
 * Whether contact id has writes sync_outbox would replay: pending ones
 * not held back by an earlier unsent one (after entries a dead process
 * left inflight went back to pending).  Errs towards yes.
 */
static int
outbox_has_work(struct sync *s, const char *id)
{
	long long when;

	recover_inflight(s);
	return cache_outbox_next_time(s->cache, id, &when, NULL) !=
	    ERR_NOTFOUND;
}

int
sync_contact(struct sync *s, const char *id, struct err *e)
{
	struct bundle *early = NULL;
	int rc = 0;

	err_clear(e);
	rc = need_network(s, e);
	if (rc)
		return rc;
	if (s->early != NULL && strcmp(s->early_id, id) == 0) {
		/* sync_open_contact read it, and found nothing to replay. */
		early = s->early;
		s->early = NULL;
	} else if (outbox_has_work(s, id)) {
		/* Nothing to replay (the usual case): straight to the reads. */
		rc = sync_outbox(s, id, NULL, NULL, e);
	}
	if (rc == ERR_NET || rc == ERR_CANCELED || rc == ERR_OFFLINE)
		return rc;
	/* A permanent write failure does not stop the pull: it shows the
	 * server's truth.  Keep its message if the pull succeeds. */
	if (is_local_id(id))
		return rc;
	{
		struct err pe;
		int prc;

		err_clear(&pe);
		prc = pull_contact_retry(s, id, early, &pe);
		if (early != NULL) {
			bundle_free(early);
			free(early);
		}
		if (prc) {
			if (prc != ERR_NOTFOUND)
				log_failure(s, "sync", id, &pe);
			*e = pe;
			return prc;
		}
		after_pull(s, id, 1);
	}
	return rc;
}

/* What sync_open_contact does while the reads travel. */
struct opener {
	struct sync	*s;
	const char	*id;
	int		 rc, work;
	struct err	 e;
};

static void
open_while_sent(void *arg)
{
	struct opener *o = arg;

	o->rc = cache_open(&o->s->cache, o->s->cfg->cache_path, &o->e);
	if (o->rc == 0)
		o->work = outbox_has_work(o->s, o->id);
}

int
sync_open_contact(struct sync **out, const struct conf *cfg, const char *id,
    struct err *e)
{
	struct opener o;
	struct sync *s;
	int rc;

	*out = NULL;
	if (cfg->offline || id == NULL || is_local_id(id))
		return sync_open(out, cfg, e);
	s = sync_new(cfg);
	rc = open_api(s, cfg, e);
	if (rc)
		goto fail;
	memset(&o, 0, sizeof o);
	o.s = s;
	o.id = id;
	err_clear(&o.e);
	s->early = xcalloc(1, sizeof *s->early);
	bundle_init(s->early);
	s->p.contact_id = id;
	s->hold = 1;
	s->early->rc = api_get_contact_bundle_then(s->api, id, s->early->out,
	    s->early->status, s->early->pe, open_while_sent, &o);
	s->hold = 0;
	s->p.contact_id = NULL;
	if (o.rc) {
		/* No cache: nowhere to keep the reads' usage. */
		drop_held(s);
		*e = o.e;
		rc = o.rc;
		goto fail;
	}
	if (o.work) {
		/* Read before the writes reached the server: again later. */
		flush_held(s);
		bundle_free(s->early);
		free(s->early);
		s->early = NULL;
	} else {
		s->early_id = xstrdup(id);
	}
	*out = s;
	return 0;
fail:
	sync_close(s);
	return rc;
}

/* Does the stored cursor belong to an interrupted full sync? */
static char *
meta_get(struct sync *s, const char *key)
{
	char *v = NULL;

	if (cache_meta_get(s->cache, key, &v, NULL) != 0)
		return NULL;
	return v;
}

int
sync_all(struct sync *s, int deep, struct err *e)
{
	struct pager pg;
	struct prefetch pf;
	struct contact_page page;
	char *cursor, *v, *req;
	char num[32];
	long done = 0;
	int rc, threaded = 0;

	err_clear(e);
	rc = need_network(s, e);
	if (rc)
		return rc;
	if (s->location == NULL)
		return err_set(e, ERR_USAGE, "no location id: use --location "
		    "ID or GHL_LOCATION_ID");
	/* Pending writes go first, so the pull shows them applied. */
	rc = sync_outbox(s, NULL, NULL, NULL, e);
	if (rc == ERR_NET || rc == ERR_CANCELED)
		return rc;
	err_clear(e);

	/* Resume an interrupted sync from its stored cursor. */
	cursor = meta_get(s, META_ALL_CURSOR);
	if (cursor != NULL && (v = meta_get(s, META_ALL_DONE)) != NULL) {
		done = strtol(v, NULL, 10);
		free(v);
	}
	pager_init(&pg, s, "dateAdded", NULL, 1, cursor, done);
	s->skipped = 0;
	if (cursor != NULL) {
		/* A stored cursor that is not an array: start over. */
		if ((req = pager_request(&pg)) == NULL) {
			free(pg.cursor);
			pg.cursor = NULL;
			pg.seen = done = 0;
			cache_meta_set(s->cache, META_ALL_CURSOR, NULL, NULL);
		}
		free(req);
	}
	if (pg.cursor == NULL) {
		snprintf(num, sizeof num, "%lld", wall_ms());
		cache_meta_set(s->cache, META_ALL_STARTED, num, NULL);
	}

	memset(&page, 0, sizeof page);
	s->p.phase = "contacts";
	s->p.done = done;
	s->p.total = -1;
	report(s);
	/* A deep sync pulls each contact between pages with the same api
	 * handle: it fetches its pages itself. */
	if (!deep && pf_start(&pf, &pg) == 0)
		threaded = 1;
	cache_bulk(s->cache, 1);
	for (;;) {
		rc = threaded ? pf_next(s, &pf, &page, e) :
		    pager_next(&pg, &page, e);
		if (rc || (page.n == 0 && page.skipped == 0))
			break;
		if (page.skipped > 0)
			report_skipped(s, &page);

		/* The page and the cursor after it commit together. */
		rc = cache_begin(s->cache, e);
		if (rc)
			break;
		for (size_t i = 0; i < page.n && rc == 0; i++)
			rc = cache_put_contact(s->cache, &page.v[i], 0, e);
		if (rc == 0 && !deep) {
			rc = cache_meta_set(s->cache, META_ALL_CURSOR,
			    page.search_after, e);
			snprintf(num, sizeof num, "%ld", done + (long)page.n);
			if (rc == 0)
				rc = cache_meta_set(s->cache, META_ALL_DONE,
				    num, e);
		}
		if (rc == 0)
			rc = cache_commit(s->cache, e);
		else
			cache_rollback(s->cache);
		if (rc)
			break;
		crashpoint("sync.all.page");

		if (deep) {
			s->p.phase = "details";
			for (size_t i = 0; i < page.n; i++) {
				struct err pe;

				if (canceled(s))
					break;
				if (page.v[i].id == NULL)
					continue;
				err_clear(&pe);
				rc = pull_contact_retry(s, page.v[i].id, NULL,
				    &pe);
				if (rc == ERR_NOTFOUND)
					rc = 0;	/* deleted meanwhile */
				else if (rc == 0)
					after_pull(s, page.v[i].id, 0);
				if (rc) {
					*e = pe;
					break;
				}
				s->p.done = done + (long)i + 1;
				report(s);
				crashpoint("sync.deep.contact");
			}
			if (rc)
				break;
			if (canceled(s))
				continue;	/* pager_next reports it */
			rc = cache_begin(s->cache, e);
			if (rc == 0)
				rc = cache_meta_set(s->cache, META_ALL_CURSOR,
				    page.search_after, e);
			snprintf(num, sizeof num, "%ld", done + (long)page.n);
			if (rc == 0)
				rc = cache_meta_set(s->cache, META_ALL_DONE,
				    num, e);
			if (rc == 0)
				rc = cache_commit(s->cache, e);
			else
				cache_rollback(s->cache);
			if (rc)
				break;
		}
		done += (long)page.n;
		s->p.done = done;
		s->p.total = page.total;
		s->p.phase = "contacts";
		report(s);
	}
	if (threaded)
		pf_stop(s, &pf);
	cache_bulk(s->cache, 0);
	if (rc == 0 && deep && s->cfg->nautotags > 0)
		sync_outbox_quiet(s, NULL);	/* tags the rules queued */
	if (rc == 0) {
		/* Finished: the next sync starts from the beginning. */
		snprintf(num, sizeof num, "%lld", wall_ms());
		cache_begin(s->cache, NULL);
		cache_meta_set(s->cache, META_ALL_CURSOR, NULL, NULL);
		cache_meta_set(s->cache, META_ALL_DONE, NULL, NULL);
		cache_meta_set(s->cache, META_ALL_FINISHED, num, NULL);
		if ((v = meta_get(s, META_POLL_SINCE)) == NULL)
			init_poll_cursor(s);
		free(v);
		cache_commit(s->cache, NULL);
		s->p.total = done;
		s->p.done = done;
		report(s);
	} else if (rc != ERR_CANCELED) {
		log_failure(s, "sync", NULL, e);
	}
	/* Everything else is in: the walk still fails, naming the first
	 * contact left out (each was logged as it went). */
	if (rc == 0 && s->skipped > 0)
		rc = err_set(e, ERR_INVALID, "%ld contact%s left out: %s",
		    s->skipped, s->skipped == 1 ? "" : "s", s->skip_first.msg);
	contact_page_free(&page);
	pager_free(&pg);
	s->p.phase = NULL;
	return rc;
}

/* ---- polling ---- */

static void
iso_from_ms(long long ms, char *out, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	char sec[32];
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(sec, sizeof sec, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%.20s.%03dZ", sec, (int)(ms % 1000));
}

/* After a full sync, changes are looked for from the moment it began. */
static void
init_poll_cursor(struct sync *s)
{
	char iso[40], *v;
	long long started = wall_ms();

	if ((v = meta_get(s, META_ALL_STARTED)) != NULL) {
		started = strtoll(v, NULL, 10);
		free(v);
	}
	iso_from_ms(started, iso, sizeof iso);
	cache_meta_set(s->cache, META_POLL_SINCE, iso, NULL);
}

int
sync_poll(struct sync *s, struct err *e)
{
	struct pager pg;
	struct contact_page page;
	char *since, *newest = NULL;
	long changed = 0;
	int rc;

	err_clear(e);
	rc = need_network(s, e);
	if (rc)
		return rc;
	if (s->location == NULL)
		return err_set(e, ERR_USAGE, "no location id: use --location "
		    "ID or GHL_LOCATION_ID");
	rc = sync_outbox(s, NULL, NULL, NULL, e);
	if (rc == ERR_NET || rc == ERR_CANCELED)
		return rc;
	err_clear(e);
	if ((since = meta_get(s, META_POLL_SINCE)) == NULL) {
		/* Never synced: start watching from now. */
		init_poll_cursor(s);
		return 0;
	}
	pager_init(&pg, s, "dateUpdated", since, 0, NULL, 0);
	memset(&page, 0, sizeof page);
	s->p.phase = "poll";
	s->p.done = 0;
	s->p.total = -1;
	for (;;) {
		rc = pager_next(&pg, &page, e);
		if (rc || (page.n == 0 && page.skipped == 0))
			break;
		if (page.skipped > 0)
			report_skipped(s, &page);
		rc = cache_begin(s->cache, e);
		if (rc)
			break;
		for (size_t i = 0; i < page.n && rc == 0; i++) {
			struct contact *c = &page.v[i];

			/* A changed contact: take its list fields now; its
			 * children are pulled when someone opens it. */
			rc = cache_put_contact(s->cache, c, 0, e);
			if (rc == 0 && c->id != NULL && s->cfg->sm_auto &&
			    s->cfg->sm_linkname != NULL &&
			    cache_mirror_migrate(cache_sqlite(s->cache)) == 0)
				cache_mirror_enqueue(cache_sqlite(s->cache),
				    c->id, NULL);
			if (c->date_updated != NULL && (newest == NULL ||
			    strcmp(c->date_updated, newest) > 0)) {
				free(newest);
				newest = xstrdup(c->date_updated);
			}
		}
		if (rc == 0 && newest != NULL)
			rc = cache_meta_set(s->cache, META_POLL_SINCE, newest, e);
		if (rc == 0)
			rc = cache_commit(s->cache, e);
		else
			cache_rollback(s->cache);
		if (rc)
			break;
		changed += (long)page.n;
		s->p.done = changed;
		report(s);
	}
	if (rc && rc != ERR_CANCELED)
		log_failure(s, "sync", NULL, e);
	contact_page_free(&page);
	pager_free(&pg);
	free(since);
	free(newest);
	s->p.phase = NULL;
	return rc;
}

/* ---- push: the outbox ---- */

enum op_kind {
	OP_CONTACT_CREATE, OP_CONTACT_UPDATE, OP_CONTACT_DELETE,
	OP_TASK_CREATE, OP_TASK_UPDATE, OP_TASK_COMPLETE, OP_TASK_REOPEN,
	OP_TASK_DELETE, OP_TAGS_ADD, OP_TAGS_REMOVE, OP_NOTE_CREATE,
	OP_NOTE_UPDATE, OP_NOTE_DELETE, OP__UNKNOWN
};

static const char *const op_names[OP__UNKNOWN] = {
	[OP_CONTACT_CREATE] = "contact.create",
	[OP_CONTACT_UPDATE] = "contact.update",
	[OP_CONTACT_DELETE] = "contact.delete",
	[OP_TASK_CREATE] = "task.create",
	[OP_TASK_UPDATE] = "task.update",
	[OP_TASK_COMPLETE] = "task.complete",
	[OP_TASK_REOPEN] = "task.reopen",
	[OP_TASK_DELETE] = "task.delete",
	[OP_TAGS_ADD] = "tags.add",
	[OP_TAGS_REMOVE] = "tags.remove",
	[OP_NOTE_CREATE] = "note.create",
	[OP_NOTE_UPDATE] = "note.update",
	[OP_NOTE_DELETE] = "note.delete",
};

static enum op_kind
op_kind(const char *name)
{
	for (int i = 0; i < OP__UNKNOWN; i++)
		if (name != NULL && strcmp(name, op_names[i]) == 0)
			return (enum op_kind)i;
	return OP__UNKNOWN;
}

static int
op_is_create(enum op_kind k)
{
	return k == OP_CONTACT_CREATE || k == OP_TASK_CREATE ||
	    k == OP_NOTE_CREATE;
}

static int
op_is_delete(enum op_kind k)
{
	return k == OP_CONTACT_DELETE || k == OP_TASK_DELETE ||
	    k == OP_NOTE_DELETE;
}

/*
 * Send one entry.  On success *server_raw gets what mark_done wants: the
 * bare object for creates/updates, the {"tags": [...]} body for tags, NULL
 * for deletes.
 */
static int
send_entry(struct sync *s, const struct outbox_entry *ob, enum op_kind k,
    char **server_raw, struct err *e)
{
	const char *cid = ob->contact_id, *tid = ob->target_id;
	const char *json = ob->payload != NULL ? ob->payload : "{}";
	struct buf out;
	struct contact c;
	struct task t;
	struct note n;
	int rc;

	*server_raw = NULL;
	buf_init(&out, 0);
	switch (k) {
	case OP_CONTACT_CREATE:
		rc = api_create_contact(s->api, json, &out, e);
		break;
	case OP_CONTACT_UPDATE:
		rc = api_update_contact(s->api, tid, json, &out, e);
		break;
	case OP_CONTACT_DELETE:
		rc = api_delete_contact(s->api, tid, &out, e);
		break;
	case OP_TASK_CREATE:
		rc = api_create_task(s->api, cid, json, &out, e);
		break;
	case OP_TASK_UPDATE:
		rc = api_update_task(s->api, cid, tid, json, &out, e);
		break;
	case OP_TASK_COMPLETE:
	case OP_TASK_REOPEN:
		rc = api_complete_task(s->api, cid, tid, json, &out, e);
		break;
	case OP_TASK_DELETE:
		rc = api_delete_task(s->api, cid, tid, &out, e);
		break;
	case OP_TAGS_ADD:
		rc = api_add_tags(s->api, cid, json, &out, e);
		break;
	case OP_TAGS_REMOVE:
		rc = api_remove_tags(s->api, cid, json, &out, e);
		break;
	case OP_NOTE_CREATE:
		rc = api_create_note(s->api, cid, json, &out, e);
		break;
	case OP_NOTE_UPDATE:
		rc = api_update_note(s->api, cid, tid, json, &out, e);
		break;
	case OP_NOTE_DELETE:
		rc = api_delete_note(s->api, cid, tid, &out, e);
		break;
	default:
		rc = err_set(e, ERR_INVALID, "outbox entry %lld: unknown "
		    "operation \"%s\"", ob->id, ob->op ? ob->op : "");
		break;
	}
	crashpoint("outbox.after_send");
	if (rc) {
		/* Deleting what is already gone is success. */
		if (rc == ERR_NOTFOUND && op_is_delete(k)) {
			err_clear(e);
			rc = 0;
		}
		buf_free(&out);
		return rc;
	}

	memset(&c, 0, sizeof c);
	memset(&t, 0, sizeof t);
	memset(&n, 0, sizeof n);
	switch (k) {
	case OP_CONTACT_CREATE:
	case OP_CONTACT_UPDATE:
		rc = codec_contact_response(out.data, out.len, &c, e);
		if (rc == 0)
			*server_raw = xstrdup(c.raw);
		break;
	case OP_TASK_CREATE:
	case OP_TASK_UPDATE:
	case OP_TASK_COMPLETE:
	case OP_TASK_REOPEN:
		rc = codec_task_response(out.data, out.len, &t, e);
		if (rc == 0)
			*server_raw = xstrdup(t.raw);
		break;
	case OP_NOTE_CREATE:
	case OP_NOTE_UPDATE:
		rc = codec_note_response(out.data, out.len, &n, e);
		if (rc == 0)
			*server_raw = xstrdup(n.raw);
		break;
	case OP_TAGS_ADD:
	case OP_TAGS_REMOVE:
		if (codec_valid(out.data, out.len))
			*server_raw = xstrndup(out.data, out.len);
		break;
	default:
		break;
	}
	if (rc) {
		/*
		 * The server applied the write but its answer was garbled:
		 * the write is done; the next pull shows the real object.
		 */
		err_clear(e);
		rc = 0;
	}
	contact_free(&c);
	task_free(&t);
	note_free(&n);
	buf_free(&out);
	return rc;
}

/* A task from the server that the cache does not know yet. */
static int
unknown_task(struct sync *s, const char *id)
{
	struct task t;
	int rc;

	memset(&t, 0, sizeof t);
	rc = cache_get_task(s->cache, id, &t, NULL);
	task_free(&t);
	return rc == ERR_NOTFOUND;
}

static int
unknown_note(struct sync *s, const char *id)
{
	struct note n;
	int rc;

	memset(&n, 0, sizeof n);
	rc = cache_get_note(s->cache, id, &n, NULL);
	note_free(&n);
	return rc == ERR_NOTFOUND;
}

static int
same_str(const char *a, const char *b)
{
	if (a == NULL || *a == '\0')
		return b == NULL || *b == '\0';
	return b != NULL && strcmp(a, b) == 0;
}

/* Same due time, whatever the server did to the format (to the minute). */
static int
same_due(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strncmp(a, b, 16) == 0;
}

/*
 * A create that may already have reached the server (it was sent at least
 * once): look for the object it would have made.  *found_raw gets the
 * server's object when it is there (then the entry is done, and nothing is
 * sent again).  Returns 0 when the search itself worked.
 */
static int
reconcile_create(struct sync *s, const struct outbox_entry *ob,
    enum op_kind k, char **found_raw, struct err *e)
{
	struct buf out;
	int rc = 0;

	*found_raw = NULL;
	buf_init(&out, 0);
	if (k == OP_TASK_CREATE) {
		struct task want, *v = NULL;
		size_t n = 0;

		memset(&want, 0, sizeof want);
		rc = codec_task(ob->payload, strlen(ob->payload), &want, e);
		if (rc == 0)
			rc = api_get_tasks(s->api, ob->contact_id, &out, e);
		if (rc == 0)
			rc = codec_tasks_response(out.data, out.len, &v, &n, e);
		for (size_t i = 0; rc == 0 && i < n && *found_raw == NULL; i++)
			if (v[i].id != NULL && same_str(want.title, v[i].title) &&
			    same_str(want.body, v[i].body) &&
			    same_due(want.due_date, v[i].due_date) &&
			    unknown_task(s, v[i].id))
				*found_raw = xstrdup(v[i].raw);
		tasks_free(v, n);
		task_free(&want);
	} else if (k == OP_NOTE_CREATE) {
		struct note want, *v = NULL;
		size_t n = 0;

		memset(&want, 0, sizeof want);
		rc = codec_note(ob->payload, strlen(ob->payload), &want, e);
		if (rc == 0)
			rc = api_get_notes(s->api, ob->contact_id, &out, e);
		if (rc == 0)
			rc = codec_notes_response(out.data, out.len, &v, &n, e);
		for (size_t i = 0; rc == 0 && i < n && *found_raw == NULL; i++)
			if (v[i].id != NULL && same_str(want.body, v[i].body) &&
			    unknown_note(s, v[i].id))
				*found_raw = xstrdup(v[i].raw);
		notes_free(v, n);
		note_free(&want);
	} else if (k == OP_CONTACT_CREATE) {
		struct contact want;
		struct contact_page page;
		struct search_req q;
		char *req;
		int dummy;

		memset(&want, 0, sizeof want);
		memset(&page, 0, sizeof page);
		rc = codec_contact(ob->payload, strlen(ob->payload), &want, e);
		if (rc == 0 && want.email != NULL) {
			memset(&q, 0, sizeof q);
			q.location_id = s->location;
			q.page_limit = 10;
			q.email_eq = want.email;
			req = codec_search_request(&q);
			rc = api_search(s->api, req, &out, e);
			free(req);
			if (rc == 0)
				rc = codec_search_page(out.data, out.len, &page, e);
			for (size_t i = 0; rc == 0 && i < page.n; i++)
				if (page.v[i].id != NULL &&
				    !cache_has_contact(s->cache, page.v[i].id,
				    &dummy)) {
					*found_raw = xstrdup(page.v[i].raw);
					break;
				}
		}
		contact_page_free(&page);
		contact_free(&want);
	}
	buf_free(&out);
	return rc;
}

static long
replay_backoff(struct sync *s, int attempts)
{
	long ms = backoff_delay_ms(attempts > 0 ? attempts - 1 : 0,
	    REPLAY_BACKOFF_BASE_MS, REPLAY_BACKOFF_CAP_MS, &s->rng);

	return ms < REPLAY_BACKOFF_MIN_MS ? REPLAY_BACKOFF_MIN_MS : ms;
}

/* A write failed for good: keep it as failed, show the server's truth. */
static void
fail_entry(struct sync *s, const struct outbox_entry *ob, const struct err *why)
{
	struct err pe;

	cache_outbox_mark_failed(s->cache, ob->id, why->msg, NULL);
	cache_log_add(s->cache, "write", "error", ob->contact_id, ob->op,
	    why->http_status, why->msg, NULL);
	alert_failure(s->cfg, "write", ob->contact_id, ob->op,
	    why->http_status, why->msg);
	log_msg(LOG_LEVEL_ERROR, "write %s %s failed: %s", ob->op,
	    ob->contact_id ? ob->contact_id : "-", why->msg);
	if (ob->contact_id != NULL && !is_local_id(ob->contact_id)) {
		err_clear(&pe);
		pull_contact(s, ob->contact_id, &pe);
	}
}

/*
 * Entries left inflight by a process that died mid-request go back to
 * pending; since they were sent (attempts > 0), creates among them are
 * reconciled before anything is sent again.
 */
static void
recover_inflight(struct sync *s)
{
	struct outbox_entry *v = NULL;
	size_t n = 0;

	if (cache_outbox_inflight(s->cache, &v, &n, NULL) != 0)
		return;
	for (size_t i = 0; i < n; i++)
		cache_outbox_mark_pending(s->cache, v[i].id, 0,
		    "interrupted; will be checked on the server before it is "
		    "sent again", NULL);
	outbox_entries_free(v, n);
}

/*
 * Replay one entry.  Returns 0 when the entry is settled for now (done,
 * failed for good, or pending again after a transient failure: then
 * *transient holds why), ERR_NET when the server could not be reached,
 * or another errcode for a local (cache) failure.
 */
static int
replay_one(struct sync *s, struct outbox_entry *ob, int *nfailed,
    struct err *first, struct err *transient)
{
	enum op_kind k = op_kind(ob->op);
	char *raw = NULL;
	struct err e;
	int rc;

	err_clear(&e);
	s->p.contact_id = ob->contact_id;
	if (k == OP__UNKNOWN) {
		err_set(&e, ERR_INVALID, "outbox entry %lld: unknown operation "
		    "\"%s\"", ob->id, ob->op ? ob->op : "");
		fail_entry(s, ob, &e);
		(*nfailed)++;
		if (first->code == ERR_OK)
			*first = e;
		return 0;
	}
	if (op_is_create(k) && ob->attempts > 0) {
		/* It may have reached the server already (CONTRACT §A12). */
		rc = reconcile_create(s, ob, k, &raw, &e);
		if (rc && err_is_transient(rc)) {
			cache_outbox_mark_pending(s->cache, ob->id,
			    wall_ms() + replay_backoff(s, ob->attempts),
			    e.msg, NULL);
			*transient = e;
			return rc == ERR_NET ? ERR_NET : 0;
		}
		if (rc == ERR_CANCELED)
			return rc;
		if (rc == 0 && raw != NULL) {
			rc = cache_outbox_mark_done(s->cache, ob->id, raw, &e);
			free(raw);
			return rc;
		}
		/* Not there (or the contact is gone, which sending will
		 * report): send it. */
		err_clear(&e);
	}
	rc = cache_outbox_mark_inflight(s->cache, ob->id, &e);
	if (rc)
		return rc;
	crashpoint("outbox.after_inflight");
	rc = send_entry(s, ob, k, &raw, &e);
	if (rc == 0) {
		rc = cache_outbox_mark_done(s->cache, ob->id, raw, &e);
		if (rc == ERR_PARSE)
			rc = cache_outbox_mark_done(s->cache, ob->id, NULL, &e);
		free(raw);
		crashpoint("outbox.after_done");
		return rc;
	}
	if (rc == ERR_CANCELED) {
		/* Unknown whether it arrived: treat it like a crash. */
		cache_outbox_mark_pending(s->cache, ob->id, 0, "cancelled",
		    NULL);
		return rc;
	}
	if (err_is_transient(rc)) {
		cache_outbox_mark_pending(s->cache, ob->id,
		    wall_ms() + replay_backoff(s, ob->attempts + 1), e.msg,
		    NULL);
		*transient = e;
		/*
		 * A create is sent once (the api never resends it on a
		 * network error), so one dropped connection says little about
		 * the server: go on with the other writes, and reconcile this
		 * one after its backoff (tests/faults/005-writes.sh).
		 */
		return rc == ERR_NET && !op_is_create(k) ? ERR_NET : 0;
	}
	fail_entry(s, ob, &e);
	(*nfailed)++;
	if (first->code == ERR_OK)
		*first = e;
	return 0;
}

int
sync_outbox(struct sync *s, const char *id, int *nfailed_out,
    int *npending_out, struct err *e)
{
	struct outbox_entry ob;
	struct err first, last_net, transient;
	long long deadline, when;
	long pending = 0, failed = 0;
	int nfailed = 0, rc = 0, unreachable = 0;

	err_clear(e);
	err_clear(&first);
	err_clear(&last_net);
	if (s->offline || s->api == NULL) {
		cache_outbox_counts(s->cache, &pending, &failed, NULL);
		if (nfailed_out != NULL)
			*nfailed_out = (int)failed;
		if (npending_out != NULL)
			*npending_out = (int)pending;
		if (pending > 0)
			return err_set(e, ERR_OFFLINE, "offline: %ld write%s "
			    "kept pending", pending, pending == 1 ? "" : "s");
		return 0;
	}
	recover_inflight(s);
	deadline = mono_ms() + s->replay_timeout_ms;
	s->p.phase = "outbox";
	s->p.done = 0;
	s->p.total = -1;
	for (;;) {
		if (canceled(s)) {
			rc = ERR_CANCELED;
			err_set(e, ERR_CANCELED, "replay cancelled");
			break;
		}
		memset(&ob, 0, sizeof ob);
		rc = cache_outbox_next(s->cache, id, wall_ms(), &ob, e);
		if (rc == ERR_NOTFOUND) {
			/* Nothing ready: wait for a backoff if time allows. */
			err_clear(e);
			rc = 0;
			if (cache_outbox_next_time(s->cache, id, &when,
			    NULL) != 0)
				break;		/* nothing pending at all */
			when -= wall_ms();
			if (when < 0)
				when = 0;
			if (mono_ms() + when > deadline) {
				unreachable = last_net.code != ERR_OK;
				break;
			}
			s->p.backoff_ms = when;
			report(s);
			s->p.backoff_ms = 0;
			rc = nap(s, when);
			if (rc) {
				err_set(e, ERR_CANCELED, "replay cancelled");
				break;
			}
			continue;
		}
		if (rc)
			break;
		err_clear(&transient);
		rc = replay_one(s, &ob, &nfailed, &first, &transient);
		s->p.contact_id = NULL;		/* it pointed into ob */
		if (transient.code != ERR_OK)
			last_net = transient;
		if (rc == ERR_NET) {
			/* Unreachable: retrying now is pointless (the API
			 * client already retried with backoff). */
			outbox_entry_free(&ob);
			unreachable = 1;
			rc = 0;
			break;
		}
		if (rc) {
			if (rc != ERR_CANCELED)
				err_prefix(e, "outbox entry %lld", ob.id);
			outbox_entry_free(&ob);
			break;
		}
		outbox_entry_free(&ob);
		s->p.done++;
		report(s);
		if (mono_ms() > deadline && last_net.code != ERR_OK) {
			unreachable = 1;
			break;
		}
	}
	s->p.contact_id = NULL;
	s->p.phase = NULL;
	cache_outbox_counts(s->cache, &pending, &failed, NULL);
	if (nfailed_out != NULL)
		*nfailed_out = (int)failed;
	if (npending_out != NULL)
		*npending_out = (int)pending;
	if (rc)
		return rc;
	if (unreachable || (pending > 0 && last_net.code != ERR_OK)) {
		return err_set(e, ERR_NET, "%s; %ld write%s kept pending",
		    last_net.msg, pending, pending == 1 ? "" : "s");
	}
	if (first.code != ERR_OK) {
		*e = first;
		return first.code;
	}
	return 0;
}

/* Replay, keeping the outcome in the outbox and the log only. */
static int
sync_outbox_quiet(struct sync *s, const char *id)
{
	struct err e;

	err_clear(&e);
	return sync_outbox(s, id, NULL, NULL, &e);
}
