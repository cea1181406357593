/*
 * sync.h: the sync engine.  Synchronous and cancellable; the CLI calls it
 * directly, the TUI through the worker thread.  It owns an API client and a
 * cache connection.  Pull: one contact (its four resources fetched in
 * parallel, applied in one transaction) or every contact (paged, one commit
 * per page together with the cursor, resumable).  Push: replay the outbox
 * in order per contact (DESIGN §3).
 */
#ifndef GHL_SYNC_H
#define GHL_SYNC_H

#include "err.h"

struct conf;
struct cache;
struct api;
struct sync;

struct sync_progress {
	const char	*phase;		/* "contacts", "details", "outbox" */
	long		 done;		/* items done in this phase */
	long		 total;		/* -1 when unknown */
	const char	*contact_id;	/* current contact, or NULL */
	long		 backoff_ms;	/* > 0 while waiting before a retry */
	long		 requests;	/* HTTP requests made so far */
	long		 ratelimited;	/* 429s seen so far */
	long		 rl_remaining;	/* last X-RateLimit-Remaining, -1 unknown */
	long		 rl_max;	/* last X-RateLimit-Max, -1 unknown */
};

typedef void (*sync_progress_fn)(void *arg, const struct sync_progress *);

/*
 * Open the engine: an HTTP client configured from cfg (base URL, token,
 * timeouts) and its own connection to cfg->cache_path.  With cfg->offline
 * no request is ever sent (network operations return ERR_OFFLINE).
 * cfg is borrowed and must outlive the engine (auto-tag rules, alerts and
 * the Salesmate settings are read from it as the engine runs).
 * Returns 0 or an errcode (e.g. ERR_AUTH for an unreadable token file).
 */
int		 sync_open(struct sync **, const struct conf *, struct err *);
/*
 * sync_open for `sync CONTACT_ID`: contact id's four reads go out first
 * and the cache is opened (and the outbox checked) while they travel; the
 * next sync_contact(s, id) uses them, unless the contact had writes to
 * replay (then they are read again after the replay).  The reads' usage
 * is recorded either way.  Same errors as sync_open.
 */
int		 sync_open_contact(struct sync **, const struct conf *,
		    const char *id, struct err *);
void		 sync_close(struct sync *);
/* Borrowed; valid until sync_close. */
struct cache	*sync_cache(struct sync *);
struct api	*sync_api(struct sync *);
void		 sync_set_progress(struct sync *, sync_progress_fn, void *arg);
/*
 * Ask the running operation to stop (it returns ERR_CANCELED soon, also
 * from inside a transfer).  Thread-safe and async-signal-safe: the UI
 * thread or a SIGINT handler may call it.  sync_uncancel clears the flag
 * before the next operation.
 */
void		 sync_cancel(struct sync *);
void		 sync_uncancel(struct sync *);

/*
 * Replay contact id's pending writes, then pull the contact, its tasks,
 * notes and appointments.  A 404 marks the contact deleted (returns
 * ERR_NOTFOUND).  Children deleted on the server are removed unless a
 * pending local write touches them.
 */
int		 sync_contact(struct sync *, const char *id, struct err *);
/* Page through every contact of the location; deep: also each one's
 * children.  Resumes from a stored cursor after an interruption. */
int		 sync_all(struct sync *, int deep, struct err *);
/*
 * Replay pending writes (of one contact, or all when id is NULL).  Returns
 * 0 when every entry reached the server; ERR_NET/ERR_OFFLINE when the
 * server could not be reached within the configured time (entries stay
 * pending); otherwise the code of the first permanent failure (entries
 * marked failed, their contacts re-synced).  *nfailed and *npending (may
 * be NULL) receive the counts left after the replay.
 */
int		 sync_outbox(struct sync *, const char *id, int *nfailed,
		    int *npending, struct err *);
/* Contacts changed since the last poll cursor (search sorted by dateUpdated). */
int		 sync_poll(struct sync *, struct err *);

#endif
