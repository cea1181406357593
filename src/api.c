/*
 * api.c: the Contacts API v2 client.  One generic call path (pace, send,
 * judge the outcome, retry/refresh/fail) serves the 22 endpoint
 * functions, and the bundle fetch runs four of them in parallel through
 * the transport's request_many.
 */
#include "config.h"
#include "api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "backoff.h"
#include "buf.h"
#include "codec.h"
#include "conf.h"
#include "http.h"
#include "log.h"
#include "urlenc.h"
#include "xmalloc.h"

#define DEFAULT_ATTEMPTS	4
#define DEFAULT_BASE_MS		500
#define DEFAULT_CAP_MS		30000
#define SLEEP_SLICE_MS		50
#define NOTIFY_PACING_MS	1000

struct api {
	char			*base;		/* no trailing slash */
	char			*location;
	struct auth		*auth;
	struct http		*http;
	int			 own_http;
	atomic_bool		*cancel;
	int			 max_attempts;
	long			 base_ms, cap_ms;
	struct backoff_rng	 rng;
	struct api_clock	 clock;
	api_response_fn		 on_response;
	void			*on_response_arg;
	api_backoff_fn		 on_backoff;
	void			*on_backoff_arg;
	struct ratelimit	*rl;
	struct api_last		 last;
};

/* Which failures a call may retry on its own. */
enum retry {
	RETRY_SAFE,	/* reads and idempotent writes: 429, 5xx, network */
	RETRY_CREATE,	/* POST creates and upsert: 429 only (§A12) */
};

struct call {
	const char	*method;
	const char	*tmpl;		/* "/contacts/:contactId/tasks" */
	char		*path;		/* encoded path and query */
	const char	*contact_id;	/* for the log; may be NULL */
	const char	*body;		/* may be NULL */
	enum retry	 retry;
	int		 write;		/* needs contacts.write */
	int		 empty_id;	/* an id is "": no such resource */
};

enum verdict { V_OK, V_FAIL, V_RETRY, V_REFRESH };

/* --- time --- */

static int64_t
real_now_ms(void *arg)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static time_t
real_wall(void *arg)
{
	return time(NULL);
}

static int
real_sleep_ms(void *arg, long ms, atomic_bool *cancel)
{
	while (ms > 0) {
		long slice = ms < SLEEP_SLICE_MS ? ms : SLEEP_SLICE_MS;
		struct timespec ts = { slice / 1000, (slice % 1000) * 1000000L };

		if (cancel != NULL && atomic_load(cancel))
			return 1;
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
		ms -= slice;
	}
	return cancel != NULL && atomic_load(cancel);
}

static int64_t
now_ms(struct api *a)
{
	return a->clock.now_ms(a->clock.arg);
}

static time_t
wall(struct api *a)
{
	return a->clock.wall(a->clock.arg);
}

static int
canceled(struct api *a)
{
	return a->cancel != NULL && atomic_load(a->cancel);
}

/* --- construction --- */

int
api_new(struct api **out, const struct api_opts *o, struct err *e)
{
	struct api *a;
	size_t n;

	*out = NULL;
	if (o->base_url == NULL || o->base_url[0] == '\0')
		return err_set(e, ERR_USAGE, "no API base URL");
	if (o->auth == NULL)
		return err_set(e, ERR_USAGE, "no API token");
	a = xcalloc(1, sizeof *a);
	n = strlen(o->base_url);
	while (n > 0 && o->base_url[n - 1] == '/')
		n--;
	a->base = xstrndup(o->base_url, n);
	a->location = xstrdup0(o->location_id);
	a->auth = o->auth;
	a->cancel = o->cancel;
	if (o->http != NULL) {
		a->http = o->http;
	} else {
		struct http_curl_opts co = {
			.connect_timeout_ms = o->connect_timeout_ms,
			.timeout_ms = o->timeout_ms,
			.cancel = o->cancel,
		};

		a->http = http_curl_new(&co);
		a->own_http = 1;
	}
	a->max_attempts = o->max_attempts > 0 ? o->max_attempts :
	    DEFAULT_ATTEMPTS;
	a->base_ms = o->backoff_base_ms > 0 ? o->backoff_base_ms :
	    DEFAULT_BASE_MS;
	a->cap_ms = o->backoff_cap_ms > 0 ? o->backoff_cap_ms : DEFAULT_CAP_MS;
	a->clock.now_ms = real_now_ms;
	a->clock.wall = real_wall;
	a->clock.sleep_ms = real_sleep_ms;
	if (o->clock != NULL) {
		if (o->clock->now_ms != NULL)
			a->clock.now_ms = o->clock->now_ms;
		if (o->clock->wall != NULL)
			a->clock.wall = o->clock->wall;
		if (o->clock->sleep_ms != NULL)
			a->clock.sleep_ms = o->clock->sleep_ms;
		a->clock.arg = o->clock->arg;
	}
	if (o->seed != 0) {
		backoff_rng_seed(&a->rng, o->seed);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		backoff_rng_seed(&a->rng, (uint64_t)ts.tv_nsec ^
		    ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)(uintptr_t)a);
	}
	a->on_response = o->on_response;
	a->on_response_arg = o->on_response_arg;
	a->on_backoff = o->on_backoff;
	a->on_backoff_arg = o->on_backoff_arg;
	a->rl = ratelimit_new();
	*out = a;
	return 0;
}

void
api_free(struct api *a)
{
	if (a == NULL)
		return;
	if (a->own_http)
		http_free(a->http);
	ratelimit_free(a->rl);
	free(a->base);
	free(a->location);
	free(a);
}

const struct api_last *
api_last(const struct api *a)
{
	return &a->last;
}

void
api_ratelimit(const struct api *a, struct ratelimit_headers *h)
{
	ratelimit_last(a->rl, h);
}

struct http *
api_http(struct api *a)
{
	return a->http;
}

/* --- requests --- */

/* tmpl with each ":name" segment replaced by the next encoded id. */
static char *
expand(const char *tmpl, const char *const *ids)
{
	struct buf b;
	size_t k = 0;

	buf_init(&b, 0);
	for (const char *p = tmpl; *p != '\0';) {
		if (*p == ':') {
			const char *id = ids[k++];

			/*
			 * "." and ".." are dot-segments: libcurl (and any
			 * server) would resolve them, so GET /contacts/..
			 * reached GET /.  Encoded dots are plain data.
			 */
			if (id != NULL && strcmp(id, ".") == 0)
				buf_append(&b, "%2E", 3);
			else if (id != NULL && strcmp(id, "..") == 0)
				buf_append(&b, "%2E%2E", 6);
			else
				urlenc_buf(&b, id);
			p += strcspn(p, "/");
			continue;
		}
		buf_putc(&b, *p++);
	}
	return buf_take(&b);
}

static void
call_init(struct call *c, const char *method, const char *tmpl,
    const char *const *ids, const char *contact_id, const char *body,
    enum retry retry)
{
	memset(c, 0, sizeof *c);
	c->method = method;
	c->tmpl = tmpl;
	c->path = expand(tmpl, ids);
	for (size_t i = 0; ids[i] != NULL; i++)
		if (ids[i][0] == '\0')
			c->empty_id = 1;
	c->contact_id = contact_id;
	c->body = body;
	c->retry = retry;
	c->write = strcmp(method, "GET") != 0 &&
	    strcmp(tmpl, "/contacts/search") != 0;
}

static void
call_free(struct call *c)
{
	free(c->path);
	c->path = NULL;
}

/* "METHOD /path" without the query, for messages. */
static void
where(const struct call *c, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s %.*s", c->method,
	    (int)strcspn(c->path, "?"), c->path);
}

struct wire {
	char		*url;
	char		*authz;
	const char	*headers[6];
	struct http_req	 req;
};

static void
wire_build(struct api *a, const struct call *c, struct wire *w,
    unsigned *gen)
{
	size_t n = 0;

	w->url = xasprintf("%s%s", a->base, c->path);
	w->authz = auth_header(a->auth, gen);
	w->headers[n++] = w->authz;
	w->headers[n++] = "Version: " GHL_API_VERSION;
	w->headers[n++] = "Accept: application/json";
	if (c->body != NULL)
		w->headers[n++] = "Content-Type: application/json";
	w->headers[n] = NULL;
	w->req = (struct http_req){ .method = c->method, .url = w->url,
	    .headers = w->headers, .body = c->body,
	    .body_len = c->body != NULL ? strlen(c->body) : 0,
	    .fresh = c->retry == RETRY_CREATE };
}

static void
wire_free(struct wire *w)
{
	free(w->url);
	if (w->authz != NULL) {
		/* do not leave the token lying in freed memory */
		memset(w->authz, 0, strlen(w->authz));
		free(w->authz);
	}
	w->url = w->authz = NULL;
}

/* Note one attempt's response: pacing, usage callback, log. */
static void
observe(struct api *a, const struct call *c, int attempt, int trc,
    const struct http_resp *resp)
{
	struct ratelimit_headers h;
	char *trace = NULL;

	ratelimit_headers_init(&h);
	if (trc == 0) {
		ratelimit_parse_headers(resp->headers, &h);
		ratelimit_update(a->rl, now_ms(a), &h);
		trace = http_resp_header(resp, "X-Trace-Id");
	}
	if (trace != NULL && trace[0] != '\0')
		snprintf(a->last.trace_id, sizeof a->last.trace_id, "%s",
		    trace);
	else
		log_trace_id(a->last.trace_id, sizeof a->last.trace_id);
	free(trace);
	a->last.status = trc == 0 ? resp->status : 0;
	if (trc == 0 && a->on_response != NULL) {
		char label[160];

		/* "POST /contacts/search": the usage report's endpoint key. */
		snprintf(label, sizeof label, "%s %s", c->method, c->tmpl);
		a->on_response(a->on_response_arg, label, resp->status,
		    attempt, resp->seconds, &h);
	}
	log_request(c->method, c->tmpl, c->contact_id,
	    trc == 0 ? resp->status : 0, attempt,
	    (long)(resp->seconds * 1000), a->last.trace_id);
}

static int
says_not_found(const char *msg)
{
	static const char *const phrases[] = { "not found", "does not exist",
	    "doesn't exist", "not exist" };
	size_t n = strlen(msg);

	for (size_t i = 0; i < nitems(phrases); i++) {
		size_t pl = strlen(phrases[i]);

		for (size_t j = 0; j + pl <= n; j++)
			if (strncasecmp(msg + j, phrases[i], pl) == 0)
				return 1;
	}
	return 0;
}

static const char create_note[] =
    " (not retried: the server may have applied it; reconcile first)";

/* Fill e for a final HTTP status and return the code. */
static int
fail_status(struct api *a, const struct call *c, const struct http_resp *r,
    long retry_after, struct err *e)
{
	char at[300], smsg[400];
	const char *reason = http_reason(r->status), *hint = "";
	int have, st = r->status;
	enum errcode code;

	have = codec_error_message(r->body.data, r->body.len, smsg,
	    sizeof smsg) && smsg[0] != '\0';
	if (st == 400 || st == 422)
		code = have && says_not_found(smsg) ? ERR_NOTFOUND :
		    ERR_INVALID;
	else if (st == 401 || st == 403)
		code = ERR_AUTH;
	else if (st == 404 || st == 410)
		code = ERR_NOTFOUND;
	else if (st == 409)
		code = ERR_CONFLICT;
	else if (st == 429)
		code = ERR_RATELIMIT;
	else if (st >= 400 && st < 500)
		code = ERR_INVALID;
	else
		code = ERR_HTTP;
	if ((st == 401 || st == 403) && c->write)
		hint = " (missing scope contacts.write?)";
	else if (code == ERR_HTTP && c->retry == RETRY_CREATE)
		hint = create_note;
	where(c, at, sizeof at);
	err_set(e, code, "%s: %d%s%s%s%s%s", at, st, reason[0] ? " " : "",
	    reason, have ? ": " : "", have ? smsg : "", hint);
	if (code == ERR_HTTP && c->retry == RETRY_CREATE)
		a->last.outcome_unknown = 1;
	if (e != NULL) {
		e->http_status = st;
		e->retry_after_ms = retry_after;
	}
	return code;
}

/*
 * Decide what to do after attempt number attempt (1-based).  On V_RETRY
 * *delay is the wait; on V_FAIL *rc and e are set.
 */
static enum verdict
judge(struct api *a, const struct call *c, int attempt, int refreshed,
    int trc, const struct err *terr, struct http_resp *r, long *delay,
    int *rc, struct err *e)
{
	long ra = -1;
	char *v;
	int more = attempt < a->max_attempts;

	*delay = 0;
	if (trc != 0) {
		if (trc == ERR_NET && c->retry == RETRY_SAFE && more &&
		    err_retry_now(terr)) {
			*delay = backoff_delay_ms(attempt - 1, a->base_ms,
			    a->cap_ms, &a->rng);
			return V_RETRY;
		}
		if (e != NULL && terr != NULL && e != terr)
			*e = *terr;
		if (trc == ERR_PARSE) {
			/*
			 * The transport's only ERR_PARSE: the body was over
			 * HTTP_BODY_MAX.  It will be again, so it is
			 * permanent: no retry here or by the caller.
			 */
			trc = ERR_TOOBIG;
			if (e != NULL) {
				e->code = ERR_TOOBIG;
				snprintf(e->msg + strlen(e->msg),
				    sizeof e->msg - strlen(e->msg), "%s",
				    "; giving up");
			}
		}
		if (c->retry == RETRY_CREATE && trc != ERR_CANCELED) {
			a->last.outcome_unknown = 1;
			if (e != NULL)
				snprintf(e->msg + strlen(e->msg),
				    sizeof e->msg - strlen(e->msg), "%s",
				    create_note);
		}
		*rc = trc;
		return V_FAIL;
	}
	if (r->status >= 200 && r->status <= 299)
		return V_OK;
	v = http_resp_header(r, "Retry-After");
	ra = backoff_retry_after_ms(v, wall(a));
	free(v);
	if (r->status == 401 && !refreshed && auth_can_refresh(a->auth))
		return V_REFRESH;
	if (r->status == 429 && more) {
		long max, interval;

		ratelimit_limits(a->rl, &max, &interval, NULL);
		if (ra >= 0)
			*delay = ra;
		else
			*delay = interval + (long)backoff_rng_upto(&a->rng,
			    (uint64_t)a->base_ms);
		ratelimit_hold_until(a->rl, now_ms(a) + *delay);
		return V_RETRY;
	}
	if (r->status >= 500 && r->status <= 599 && c->retry == RETRY_SAFE &&
	    more) {
		*delay = backoff_delay_ms(attempt - 1, a->base_ms, a->cap_ms,
		    &a->rng);
		if (ra > *delay)
			*delay = ra;
		return V_RETRY;
	}
	*rc = fail_status(a, c, r, ra, e);
	return V_FAIL;
}

/* Sleep ms (reporting it); non-zero when canceled meanwhile. */
static int
wait_ms(struct api *a, long ms, const char *why)
{
	if (ms <= 0)
		return 0;
	if (a->on_backoff != NULL &&
	    (strcmp(why, "retry") == 0 || ms >= NOTIFY_PACING_MS))
		a->on_backoff(a->on_backoff_arg, ms, why);
	return a->clock.sleep_ms(a->clock.arg, ms, a->cancel);
}

/* Wait until n requests may be sent, then count them as sent. */
static int
pace(struct api *a, const struct call *c, int n, struct err *e)
{
	char at[300];

	where(c, at, sizeof at);
	for (;;) {
		int64_t now;
		long d;

		if (canceled(a))
			return err_set(e, ERR_CANCELED, "%s: canceled", at);
		now = now_ms(a);
		d = ratelimit_delay_ms(a->rl, now, n);
		if (d == RATELIMIT_DAILY_EXHAUSTED)
			return err_set(e, ERR_RATELIMIT, "%s: daily request "
			    "quota used up (X-RateLimit-Daily-Remaining: 0); "
			    "try again later", at);
		if (d == 0) {
			ratelimit_record(a->rl, now, n);
			return 0;
		}
		if (wait_ms(a, d, "rate limit") != 0)
			return err_set(e, ERR_CANCELED, "%s: canceled", at);
	}
}

/* Refresh ahead of expiry; only a refused refresh is an error. */
static int
fresh_token(struct api *a, struct err *e)
{
	struct err tmp;
	unsigned gen;
	char *hdr;
	int rc;

	if (!auth_expiring(a->auth, wall(a)))
		return 0;
	hdr = auth_header(a->auth, &gen);
	memset(hdr, 0, strlen(hdr));
	free(hdr);
	err_clear(&tmp);
	rc = auth_refresh(a->auth, a->http, a->base, gen, wall(a), &tmp);
	if (rc == 0)
		return 0;
	log_msg(LOG_LEVEL_WARN, "token refresh: %s", tmp.msg);
	if (rc == ERR_AUTH || rc == ERR_CANCELED) {
		if (e != NULL)
			*e = tmp;
		return rc;
	}
	return 0;
}

/* After a 401: refresh once, unless someone already did. */
static int
refresh_after_401(struct api *a, const struct call *c, unsigned gen,
    struct http_resp *r, struct err *e)
{
	struct err tmp;
	int rc;

	err_clear(&tmp);
	rc = auth_refresh(a->auth, a->http, a->base, gen, wall(a), &tmp);
	if (rc == 0)
		return 0;
	if (rc == ERR_IO) {
		/* The new token works; only saving it failed. */
		log_msg(LOG_LEVEL_ERROR, "%s", tmp.msg);
		return 0;
	}
	fail_status(a, c, r, -1, e);
	if (e != NULL) {
		size_t n = strlen(e->msg);

		snprintf(e->msg + n, sizeof e->msg - n,
		    "; token refresh failed: %s", tmp.msg);
		if (rc != ERR_AUTH)
			e->code = rc;
	}
	return rc;
}

static void
give(struct buf *out, struct http_resp *r)
{
	if (out == NULL)
		return;
	buf_free(out);
	*out = r->body;
	buf_init(&r->body, HTTP_BODY_MAX);
}

/*
 * Run c from attempt number first; refreshed says whether the one
 * refresh was already spent.
 */
static int
run(struct api *a, const struct call *c, int first, int refreshed,
    struct buf *out, struct err *e)
{
	struct http_resp resp;
	int rc = 0, attempt = first;

	http_resp_init(&resp);
	for (;;) {
		struct wire w;
		struct err terr;
		enum verdict v;
		unsigned gen;
		long delay;
		int trc;

		rc = fresh_token(a, e);
		if (rc != 0)
			break;
		rc = pace(a, c, 1, e);
		if (rc != 0)
			break;
		wire_build(a, c, &w, &gen);
		err_clear(&terr);
		trc = http_request(a->http, &w.req, &resp, &terr);
		wire_free(&w);
		a->last.attempts++;
		observe(a, c, attempt, trc, &resp);
		v = judge(a, c, attempt, refreshed, trc, &terr, &resp, &delay,
		    &rc, e);
		if (v == V_OK) {
			rc = 0;
			give(out, &resp);
			break;
		}
		if (v == V_FAIL) {
			if (trc == 0)
				give(out, &resp);
			break;
		}
		if (v == V_REFRESH) {
			refreshed = 1;
			rc = refresh_after_401(a, c, gen, &resp, e);
			if (rc != 0)
				break;
			continue;
		}
		if (wait_ms(a, delay, "retry") != 0) {
			char at[300];

			where(c, at, sizeof at);
			rc = err_set(e, ERR_CANCELED, "%s: canceled", at);
			break;
		}
		attempt++;
	}
	http_resp_free(&resp);
	return rc;
}

static int
call(struct api *a, struct call *c, struct buf *out, struct err *e)
{
	int rc;

	err_clear(e);
	memset(&a->last, 0, sizeof a->last);
	/* "/contacts/" + "" would be another endpoint (the list). */
	if (c->empty_id)
		rc = err_set(e, ERR_INVALID, "%s %s: empty id", c->method,
		    c->tmpl);
	else
		rc = run(a, c, 1, 0, out, e);
	call_free(c);
	return rc;
}

/* --- endpoints --- */

#define IDS(...) ((const char *const[]){ __VA_ARGS__, NULL })

int
api_get_contact(struct api *a, const char *id, struct buf *out,
    struct err *e)
{
	struct call c;

	call_init(&c, "GET", "/contacts/:contactId", IDS(id), id, NULL,
	    RETRY_SAFE);
	return call(a, &c, out, e);
}

int
api_get_tasks(struct api *a, const char *cid, struct buf *out,
    struct err *e)
{
	struct call c;

	call_init(&c, "GET", "/contacts/:contactId/tasks", IDS(cid), cid,
	    NULL, RETRY_SAFE);
	return call(a, &c, out, e);
}

int
api_get_task(struct api *a, const char *cid, const char *tid,
    struct buf *out, struct err *e)
{
	struct call c;

	call_init(&c, "GET", "/contacts/:contactId/tasks/:taskId",
	    IDS(cid, tid), cid, NULL, RETRY_SAFE);
	return call(a, &c, out, e);
}

int
api_get_notes(struct api *a, const char *cid, struct buf *out,
    struct err *e)
{
	struct call c;

	call_init(&c, "GET", "/contacts/:contactId/notes", IDS(cid), cid,
	    NULL, RETRY_SAFE);
	return call(a, &c, out, e);
}

int
api_get_note(struct api *a, const char *cid, const char *nid,
    struct buf *out, struct err *e)
{
	struct call c;

	call_init(&c, "GET", "/contacts/:contactId/notes/:id", IDS(cid, nid),
	    cid, NULL, RETRY_SAFE);
	return call(a, &c, out, e);
}

int
api_get_appointments(struct api *a, const char *cid, struct buf *out,
    struct err *e)
{
	struct call c;

	call_init(&c, "GET", "/contacts/:contactId/appointments", IDS(cid),
	    cid, NULL, RETRY_SAFE);
	return call(a, &c, out, e);
}

static void
query_add(struct buf *b, const char *name, const char *value)
{
	buf_putc(b, b->len == 0 ? '?' : '&');
	buf_puts(b, name);
	buf_putc(b, '=');
	urlenc_buf(b, value);
}

/* Append q (owned, from a buf) to c's path. */
static void
call_query(struct call *c, struct buf *q)
{
	char *p = xasprintf("%s%s", c->path, buf_str(q));

	free(c->path);
	c->path = p;
	buf_free(q);
}

int
api_list_contacts(struct api *a, const char *start_after_id,
    long long start_after_ms, int limit, const char *query,
    struct buf *out, struct err *e)
{
	struct call c;
	struct buf q;
	char num[32];

	if (a->location == NULL)
		return err_set(e, ERR_USAGE, "GET /contacts/: no location id");
	call_init(&c, "GET", "/contacts/", IDS(NULL), NULL, NULL,
	    RETRY_SAFE);
	buf_init(&q, 0);
	query_add(&q, "locationId", a->location);
	if (limit > 0) {
		snprintf(num, sizeof num, "%d", limit);
		query_add(&q, "limit", num);
	}
	if (start_after_id != NULL && start_after_id[0] != '\0')
		query_add(&q, "startAfterId", start_after_id);
	if (start_after_ms > 0) {
		snprintf(num, sizeof num, "%lld", start_after_ms);
		query_add(&q, "startAfter", num);
	}
	if (query != NULL && query[0] != '\0')
		query_add(&q, "query", query);
	call_query(&c, &q);
	return call(a, &c, out, e);
}

int
api_search(struct api *a, const char *json, struct buf *out, struct err *e)
{
	struct call c;

	call_init(&c, "POST", "/contacts/search", IDS(NULL), NULL, json,
	    RETRY_SAFE);
	return call(a, &c, out, e);
}

int
api_business_contacts(struct api *a, const char *business_id, int limit,
    int skip, const char *query, struct buf *out, struct err *e)
{
	struct call c;
	struct buf q;
	char num[32];

	if (a->location == NULL)
		return err_set(e, ERR_USAGE,
		    "GET /contacts/business/%s: no location id", business_id);
	call_init(&c, "GET", "/contacts/business/:businessId",
	    IDS(business_id), NULL, NULL, RETRY_SAFE);
	buf_init(&q, 0);
	query_add(&q, "locationId", a->location);
	if (limit > 0) {
		snprintf(num, sizeof num, "%d", limit);
		query_add(&q, "limit", num);
	}
	if (skip > 0) {
		snprintf(num, sizeof num, "%d", skip);
		query_add(&q, "skip", num);
	}
	if (query != NULL && query[0] != '\0')
		query_add(&q, "query", query);
	call_query(&c, &q);
	return call(a, &c, out, e);
}

int
api_create_contact(struct api *a, const char *json, struct buf *out,
    struct err *e)
{
	struct call c;

	call_init(&c, "POST", "/contacts/", IDS(NULL), NULL, json,
	    RETRY_CREATE);
	return call(a, &c, out, e);
}

int
api_update_contact(struct api *a, const char *id, const char *json,
    struct buf *out, struct err *e)
{
	struct call c;

	call_init(&c, "PUT", "/contacts/:contactId", IDS(id), id, json,
	    RETRY_SAFE);
	return call(a, &c, out, e);
}

int
api_delete_contact(struct api *a, const char *id, struct buf *out,
    struct err *e)
{
	struct call c;

	call_init(&c, "DELETE", "/contacts/:contactId", IDS(id), id, NULL,
	    RETRY_SAFE);
	return call(a, &c, out, e);
}

int
api_create_task(struct api *a, const char *cid, const char *json,
    struct buf *out, struct err *e)
{
	struct call c;

	call_init(&c, "POST", "/contacts/:contactId/tasks", IDS(cid), cid,
	    json, RETRY_CREATE);
	return call(a, &c, out, e);
}

int
api_update_task(struct api *a, const char *cid, const char *tid,
    const char *json, struct buf *out, struct err *e)
{
	struct call c;

	call_init(&c, "PUT", "/contacts/:contactId/tasks/:taskId",
	    IDS(cid, tid), cid, json, RETRY_SAFE);
	return call(a, &c, out, e);
}

int
api_complete_task(struct api *a, const char *cid, const char *tid,
    const char *json, struct buf *out, struct err *e)
{
	struct call c;

	call_init(&c, "PUT", "/contacts/:contactId/tasks/:taskId/completed",
	    IDS(cid, tid), cid, json, RETRY_SAFE);
	return call(a, &c, out, e);
}

int
api_delete_task(struct api *a, const char *cid, const char *tid,
    struct buf *out, struct err *e)
{
	struct call c;

	call_init(&c, "DELETE", "/contacts/:contactId/tasks/:taskId",
	    IDS(cid, tid), cid, NULL, RETRY_SAFE);
	return call(a, &c, out, e);
}

int
api_add_tags(struct api *a, const char *cid, const char *json,
    struct buf *out, struct err *e)
{
	struct call c;

	call_init(&c, "POST", "/contacts/:contactId/tags", IDS(cid), cid,
	    json, RETRY_SAFE);
	return call(a, &c, out, e);
}

int
api_remove_tags(struct api *a, const char *cid, const char *json,
    struct buf *out, struct err *e)
{
	struct call c;

	call_init(&c, "DELETE", "/contacts/:contactId/tags", IDS(cid), cid,
	    json, RETRY_SAFE);
	return call(a, &c, out, e);
}

int
api_create_note(struct api *a, const char *cid, const char *json,
    struct buf *out, struct err *e)
{
	struct call c;

	call_init(&c, "POST", "/contacts/:contactId/notes", IDS(cid), cid,
	    json, RETRY_CREATE);
	return call(a, &c, out, e);
}

int
api_update_note(struct api *a, const char *cid, const char *nid,
    const char *json, struct buf *out, struct err *e)
{
	struct call c;

	call_init(&c, "PUT", "/contacts/:contactId/notes/:id", IDS(cid, nid),
	    cid, json, RETRY_SAFE);
	return call(a, &c, out, e);
}

int
api_delete_note(struct api *a, const char *cid, const char *nid,
    struct buf *out, struct err *e)
{
	struct call c;

	call_init(&c, "DELETE", "/contacts/:contactId/notes/:id",
	    IDS(cid, nid), cid, NULL, RETRY_SAFE);
	return call(a, &c, out, e);
}

int
api_upsert_contact(struct api *a, const char *json, struct buf *out,
    struct err *e)
{
	struct call c;

	call_init(&c, "POST", "/contacts/upsert", IDS(NULL), NULL, json,
	    RETRY_CREATE);
	return call(a, &c, out, e);
}

int
api_get_contact_bundle(struct api *a, const char *id,
    struct buf out[API_BUNDLE_N], int status[API_BUNDLE_N],
    struct err e[API_BUNDLE_N])
{
	return api_get_contact_bundle_then(a, id, out, status, e, NULL,
	    NULL);
}

int
api_get_contact_bundle_then(struct api *a, const char *id,
    struct buf out[API_BUNDLE_N], int status[API_BUNDLE_N],
    struct err e[API_BUNDLE_N], void (*sent)(void *), void *arg)
{
	static const char *const tmpls[API_BUNDLE_N] = {
		[API_BUNDLE_CONTACT] = "/contacts/:contactId",
		[API_BUNDLE_TASKS] = "/contacts/:contactId/tasks",
		[API_BUNDLE_NOTES] = "/contacts/:contactId/notes",
		[API_BUNDLE_APPOINTMENTS] = "/contacts/:contactId/appointments",
	};
	struct call c[API_BUNDLE_N];
	struct wire w[API_BUNDLE_N];
	struct http_req req[API_BUNDLE_N];
	struct http_resp resp[API_BUNDLE_N];
	struct err terr[API_BUNDLE_N];
	enum verdict v[API_BUNDLE_N];
	int rc[API_BUNDLE_N], first = 0, need_refresh = 0;
	long delay[API_BUNDLE_N], wait = 0;
	unsigned gen = 0;
	int prc;

	memset(&a->last, 0, sizeof a->last);
	for (int i = 0; i < API_BUNDLE_N; i++) {
		err_clear(&e[i]);
		err_clear(&terr[i]);
		status[i] = 0;
		rc[i] = 0;
		call_init(&c[i], "GET", tmpls[i], IDS(id), id, NULL,
		    RETRY_SAFE);
		http_resp_init(&resp[i]);
	}
	prc = c[0].empty_id ? err_set(&e[0], ERR_INVALID, "GET %s: empty "
	    "id", c[0].tmpl) : fresh_token(a, &e[0]);
	if (prc == 0)
		prc = pace(a, &c[0], API_BUNDLE_N, &e[0]);
	if (prc != 0) {
		for (int i = 1; i < API_BUNDLE_N; i++)
			e[i] = e[0];
		for (int i = 0; i < API_BUNDLE_N; i++)
			rc[i] = prc;
		if (sent != NULL)
			sent(arg);
		goto out;
	}
	for (int i = 0; i < API_BUNDLE_N; i++) {
		wire_build(a, &c[i], &w[i], &gen);
		req[i] = w[i].req;
	}
	http_request_many_then(a->http, req, resp, terr, API_BUNDLE_N, sent,
	    arg);
	for (int i = 0; i < API_BUNDLE_N; i++) {
		int trc = terr[i].code;

		wire_free(&w[i]);
		a->last.attempts++;
		observe(a, &c[i], 1, trc, &resp[i]);
		v[i] = judge(a, &c[i], 1, 0, trc, &terr[i], &resp[i],
		    &delay[i], &rc[i], &e[i]);
		status[i] = trc == 0 ? resp[i].status : 0;
		if (v[i] == V_OK || (v[i] == V_FAIL && trc == 0))
			give(&out[i], &resp[i]);
		if (v[i] == V_REFRESH)
			need_refresh = 1;
		if (v[i] == V_RETRY && delay[i] > wait)
			wait = delay[i];
	}
	if (need_refresh) {
		int i = 0;

		while (v[i] != V_REFRESH)
			i++;
		prc = refresh_after_401(a, &c[i], gen, &resp[i], &e[i]);
		if (prc != 0) {
			for (int j = 0; j < API_BUNDLE_N; j++) {
				if (v[j] != V_REFRESH)
					continue;
				e[j] = e[i];
				rc[j] = prc;
				v[j] = V_FAIL;
			}
		}
	}
	if (wait > 0) {
		prc = wait_ms(a, wait, "retry");
		if (prc != 0) {
			for (int i = 0; i < API_BUNDLE_N; i++) {
				char at[300];

				if (v[i] != V_RETRY)
					continue;
				where(&c[i], at, sizeof at);
				err_set(&e[i], ERR_CANCELED, "%s: canceled", at);
				rc[i] = ERR_CANCELED;
				v[i] = V_FAIL;
			}
		}
	}
	for (int i = 0; i < API_BUNDLE_N; i++) {
		if (v[i] != V_RETRY && v[i] != V_REFRESH)
			continue;
		err_clear(&e[i]);
		rc[i] = run(a, &c[i], v[i] == V_RETRY ? 2 : 1,
		    v[i] == V_REFRESH, &out[i], &e[i]);
		status[i] = a->last.status;
	}
out:
	for (int i = 0; i < API_BUNDLE_N; i++) {
		if (rc[i] != 0 && first == 0)
			first = rc[i];
		call_free(&c[i]);
		http_resp_free(&resp[i]);
	}
	return first;
}
