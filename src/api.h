/*
 * api.h: the HighLevel Contacts API v2 client (CONTRACT §0: 22 endpoints).
 * It builds each request (percent-encoded ids, Version/Authorization/
 * Accept/Content-Type headers, JSON bodies made by codec.c), paces requests
 * under the server's rate limits, retries what is safe to retry with
 * full-jitter backoff (honouring Retry-After), refreshes OAuth tokens on a
 * 401, and maps statuses to enum errcode with one readable line.  Bodies
 * are returned raw; decoding is codec.c's job.
 *
 * Threads: an api is used by one thread at a time (the worker, or the
 * CLI).  Every function returns 0 (2xx) or an errcode with e filled:
 * msg "METHOD /path/with/ids: STATUS Reason: server message",
 * http_status and retry_after_ms (-1 when none).
 */
#ifndef GHL_API_H
#define GHL_API_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "ratelimit.h"

struct api;
struct auth;
struct http;

/* Called after every response (any status) of every attempt, with the
 * endpoint as "METHOD /path/:template". */
typedef void (*api_response_fn)(void *arg, const char *endpoint_template,
    int status, int attempt, double seconds,
    const struct ratelimit_headers *);
/* Called before a wait of ms: why is "retry" (backoff) or "rate limit". */
typedef void (*api_backoff_fn)(void *arg, long ms, const char *why);

/* Time source and sleeper; tests inject fakes.  NULL members: real ones. */
struct api_clock {
	int64_t	(*now_ms)(void *arg);		/* monotonic milliseconds */
	time_t	(*wall)(void *arg);		/* unix seconds (token expiry, HTTP-date) */
	/* Sleep ms unless *cancel turns true; returns non-zero if canceled. */
	int	(*sleep_ms)(void *arg, long ms, atomic_bool *cancel);
	void	 *arg;
};

struct api_opts {
	const char	*base_url;	/* e.g. https://services.leadconnectorhq.com */
	const char	*location_id;	/* for the list and business queries */
	struct auth	*auth;		/* borrowed; must outlive the api */
	long		 connect_timeout_ms;	/* curl transport only; 0: 10 s */
	long		 timeout_ms;		/* curl transport only; 0: 30 s */
	struct http	*http;		/* borrowed; NULL: a curl transport owned by the api */
	atomic_bool	*cancel;	/* borrowed; may be NULL */
	int		 max_attempts;	/* per request, including the first; 0: 4 */
	long		 backoff_base_ms;	/* 0: 500 */
	long		 backoff_cap_ms;	/* 0: 30000 */
	uint64_t	 seed;		/* jitter seed; 0: from the clock */
	const struct api_clock *clock;	/* NULL: real time */
	api_response_fn	 on_response;
	void		*on_response_arg;
	api_backoff_fn	 on_backoff;
	void		*on_backoff_arg;
};

/* What the last call did (for reconciliation and reports). */
struct api_last {
	int	 status;	/* final HTTP status, 0 when none */
	int	 attempts;	/* requests sent, refresh not counted */
	/*
	 * A create (contact, task, note) or upsert failed after the request
	 * may have reached the server (transport error or 5xx): it was not
	 * retried and may or may not have been applied; reconcile before
	 * sending it again (CONTRACT §A12).
	 */
	int	 outcome_unknown;
	char	 trace_id[64];	/* the server's X-Trace-Id, else ours */
};

/*
 * Make a client.  opts is copied (strings duplicated); the borrowed
 * pointers must stay valid.  Returns 0 or ERR_USAGE (no base URL or auth).
 */
int	 api_new(struct api **, const struct api_opts *, struct err *);
void	 api_free(struct api *);
/* Borrowed until the next call on this api. */
const struct api_last *api_last(const struct api *);
/* The last X-RateLimit-* headers seen (fields -1 until seen). */
void	 api_ratelimit(const struct api *, struct ratelimit_headers *);
/* The transport in use (borrowed), e.g. for Salesmate calls sharing it. */
struct http *api_http(struct api *);

/*
 * Endpoints.  out (may be NULL) receives the response body on success
 * and, on an HTTP error, the error body; its previous contents are freed
 * and it need not be initialised beyond buf_init.  json is the request
 * body text (NUL-terminated).  Ids may hold any bytes; they are
 * percent-encoded.
 */
int	 api_get_contact(struct api *, const char *id, struct buf *out,
	    struct err *);
int	 api_get_tasks(struct api *, const char *contact_id, struct buf *out,
	    struct err *);
int	 api_get_task(struct api *, const char *contact_id,
	    const char *task_id, struct buf *out, struct err *);
int	 api_get_notes(struct api *, const char *contact_id, struct buf *out,
	    struct err *);
int	 api_get_note(struct api *, const char *contact_id,
	    const char *note_id, struct buf *out, struct err *);
int	 api_get_appointments(struct api *, const char *contact_id,
	    struct buf *out, struct err *);
/*
 * GET /contacts/?locationId=..  (deprecated list).  start_after_id may be
 * NULL, start_after_ms <= 0 and limit <= 0 are left out, query may be NULL.
 */
int	 api_list_contacts(struct api *, const char *start_after_id,
	    long long start_after_ms, int limit, const char *query,
	    struct buf *out, struct err *);
/* POST /contacts/search (a read: retried like a GET). */
int	 api_search(struct api *, const char *json, struct buf *out,
	    struct err *);
/* GET /contacts/business/:id?locationId=..&limit=..&skip=..&query=.. */
int	 api_business_contacts(struct api *, const char *business_id,
	    int limit, int skip, const char *query, struct buf *out,
	    struct err *);
/* Creates are never retried except on 429 (see struct api_last). */
int	 api_create_contact(struct api *, const char *json, struct buf *out,
	    struct err *);
int	 api_update_contact(struct api *, const char *id, const char *json,
	    struct buf *out, struct err *);
int	 api_delete_contact(struct api *, const char *id, struct buf *out,
	    struct err *);
int	 api_create_task(struct api *, const char *contact_id,
	    const char *json, struct buf *out, struct err *);
int	 api_update_task(struct api *, const char *contact_id,
	    const char *task_id, const char *json, struct buf *out,
	    struct err *);
int	 api_complete_task(struct api *, const char *contact_id,
	    const char *task_id, const char *json, struct buf *out,
	    struct err *);
int	 api_delete_task(struct api *, const char *contact_id,
	    const char *task_id, struct buf *out, struct err *);
/* POST tags is idempotent, so it is retried like a PUT. */
int	 api_add_tags(struct api *, const char *contact_id, const char *json,
	    struct buf *out, struct err *);
/* DELETE /contacts/:id/tags with a JSON body. */
int	 api_remove_tags(struct api *, const char *contact_id,
	    const char *json, struct buf *out, struct err *);
int	 api_create_note(struct api *, const char *contact_id,
	    const char *json, struct buf *out, struct err *);
int	 api_update_note(struct api *, const char *contact_id,
	    const char *note_id, const char *json, struct buf *out,
	    struct err *);
int	 api_delete_note(struct api *, const char *contact_id,
	    const char *note_id, struct buf *out, struct err *);
int	 api_upsert_contact(struct api *, const char *json, struct buf *out,
	    struct err *);

enum {
	API_BUNDLE_CONTACT,
	API_BUNDLE_TASKS,
	API_BUNDLE_NOTES,
	API_BUNDLE_APPOINTMENTS,
	API_BUNDLE_N
};
/*
 * The contact, its tasks, notes and appointments, fetched in parallel
 * (paced as 4 requests).  out[i], status[i], e[i] per API_BUNDLE_*: each
 * part succeeds or fails on its own, and failed parts are retried like a
 * GET.  Returns 0 when all four succeeded, else the errcode of the first
 * part (in API_BUNDLE_* order) that failed.
 */
int	 api_get_contact_bundle(struct api *, const char *id,
	    struct buf out[API_BUNDLE_N], int status[API_BUNDLE_N],
	    struct err e[API_BUNDLE_N]);
/*
 * The same, calling sent(arg) once on this thread as soon as the four
 * reads have gone out, while their responses are on their way (at the
 * latest before returning, also when nothing could be sent); before any
 * response is reported to on_response.  Retries come after it.
 */
int	 api_get_contact_bundle_then(struct api *, const char *id,
	    struct buf out[API_BUNDLE_N], int status[API_BUNDLE_N],
	    struct err e[API_BUNDLE_N], void (*sent)(void *), void *arg);

#endif
