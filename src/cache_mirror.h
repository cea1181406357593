/*
 * cache_mirror.h: the Salesmate mirror's tables in the cache database
 * (part of the cache module, salesmate CONTRACT §9.1): the map of GHL
 * contacts, tasks and notes to Salesmate ids with the hash of what was last
 * mirrored and a state (pending / ok / failed:<message> / ghl_deleted),
 * the company name cache, the one-run lock and the queue of contacts
 * waiting to be mirrored.  Bound parameters only.  Functions return 0 or an
 * enum errcode with e (may be NULL) filled; strings handed back are the
 * caller's.  A db handle belongs to one thread.
 */
#ifndef GHL_CACHE_MIRROR_H
#define GHL_CACHE_MIRROR_H

#include <stddef.h>

#include "err.h"
#include "model.h"

struct cache;
struct sqlite3;

/* The cache's database handle comes from cache_sqlite() in cache.h. */

/* Create the mirror's tables (CREATE TABLE IF NOT EXISTS); run at the
 * start of every mirror operation.  0 or ERR_DB. */
int	 cache_mirror_migrate(struct sqlite3 *);

enum cm_kind { CM_CONTACT, CM_TASK, CM_NOTE };

/* One map row.  For contacts ghl_contact_id == ghl_id and
 * sm_contact_id == sm_id. */
struct cm_item {
	enum cm_kind kind;
	char	*ghl_id;
	char	*ghl_contact_id;
	long long sm_id;		/* 0 when none yet */
	long long sm_contact_id;	/* notes: the contact the note is on */
	char	*state;			/* "pending" "ok" "failed:..." "ghl_deleted" */
	char	*hash;			/* payload hash, may be NULL */
	char	*tags_json;		/* contacts: GHL tags last mirrored */
	int	 pinned;		/* notes */
	long long mirrored_at;		/* unix ms */
	long long verified_at;		/* contacts: last seen in Salesmate */
};
void	 cm_item_free(struct cm_item *);
void	 cm_items_free(struct cm_item *v, size_t n);

/* One row by GHL id into out (zeroed first); ERR_NOTFOUND. */
int	 cache_mirror_get(struct sqlite3 *, enum cm_kind, const char *ghl_id,
	    struct cm_item *out, struct err *e);
/* Insert or replace the row (committed at once unless the caller holds
 * a transaction). */
int	 cache_mirror_put(struct sqlite3 *, const struct cm_item *,
	    struct err *e);
/* Delete one row; 0 when absent. */
int	 cache_mirror_del(struct sqlite3 *, enum cm_kind, const char *ghl_id,
	    struct err *e);
/* Task or note rows of a GHL contact, by GHL id.  *v new (NULL if none). */
int	 cache_mirror_children(struct sqlite3 *, enum cm_kind,
	    const char *ghl_contact_id, struct cm_item **v, size_t *n,
	    struct err *e);
/* Rows whose state is not "ok" (failed, pending), any kind, oldest
 * first, at most limit (<= 0: all). */
int	 cache_mirror_unfinished(struct sqlite3 *, int limit,
	    struct cm_item **v, size_t *n, struct err *e);

/* GHL ids of every mapped contact not marked ghl_deleted, appended to
 * out in id order. */
int	 cache_mirror_contact_ids(struct sqlite3 *, struct strv *out,
	    struct err *e);

struct cm_counts {
	long	 ok, pending, failed, deleted;
};
int	 cache_mirror_counts(struct sqlite3 *, enum cm_kind,
	    struct cm_counts *out, struct err *e);

/* Company id by lower-cased name; ERR_NOTFOUND. */
int	 cache_mirror_company_get(struct sqlite3 *, const char *name_lower,
	    long long *id, struct err *e);
int	 cache_mirror_company_put(struct sqlite3 *, const char *name_lower,
	    long long id, struct err *e);

/*
 * Take the one-run lock for pid (BEGIN IMMEDIATE on the lock row).  A lock
 * held by another live process is ERR_CONFLICT "mirror already running
 * (pid N)"; a stale one (dead pid) is taken over.
 */
int	 cache_mirror_lock(struct sqlite3 *, long pid, struct err *e);
/* Release the lock if pid holds it. */
void	 cache_mirror_unlock(struct sqlite3 *, long pid);

/* The queue of contacts to mirror (e.g. after a sync with
 * salesmate.auto).  enqueue is idempotent. */
int	 cache_mirror_enqueue(struct sqlite3 *, const char *ghl_contact_id,
	    struct err *e);
int	 cache_mirror_dequeue(struct sqlite3 *, const char *ghl_contact_id,
	    struct err *e);
/* Queued ids, oldest first, appended to out. */
int	 cache_mirror_queue(struct sqlite3 *, struct strv *out, struct err *e);

#endif
