/*
 * cache_live.h: the cache tables of live sync and automation (part of the
 * cache module, the only place with their SQL): webhook replay protection
 * and deduplication, the auto-tag memory (a hash per note or task seen, and
 * which rule added which tag to which contact), and the data version the
 * TUI polls to notice writes made by another process (ghlterm listen).
 *
 * Common contract (as cache.h): functions return 0 or an enum errcode and
 * fill e (may be NULL); arguments are borrowed; one handle per thread.
 */
#ifndef GHL_CACHE_LIVE_H
#define GHL_CACHE_LIVE_H

#include <stddef.h>

#include "err.h"

struct cache;

/* Length of a cache_live_hash() text, NUL included. */
#define CACHE_LIVE_HASH_LEN 17

/*
 * Create the tables this module uses when they are missing (idempotent,
 * cheap).  Call once after cache_open before any other function here.
 * Returns 0 or ERR_DB.
 */
int	 cache_live_init(struct cache *, struct err *e);

/*
 * PRAGMA data_version of this connection into *v: it changes whenever
 * another connection (another process, or the worker) commits to the
 * database, so a reader can poll it cheaply (no table is read) and requery
 * only when it moved.  Returns 0 or ERR_DB.
 */
int	 cache_data_version(struct cache *, long *v);

/*
 * A 64-bit FNV-1a hash of s/len as 16 lowercase hex digits into out
 * (CACHE_LIVE_HASH_LEN bytes).  The hashes stored in these tables.
 */
void	 cache_live_hash(const void *s, size_t len,
	    char out[CACHE_LIVE_HASH_LEN]);

/* ---- webhooks (CONTRACT §5) ---- */

/* *seen = 1 when webhook_id was remembered before, else 0. */
int	 cache_live_webhook_seen(struct cache *, const char *webhook_id,
	    int *seen, struct err *e);
/*
 * Remember webhook_id as processed at now_ms; ids older than keep_ms are
 * forgotten at the same time (they are refused by their timestamp by
 * then).
 */
int	 cache_live_webhook_remember(struct cache *, const char *webhook_id,
	    long long now_ms, long long keep_ms, struct err *e);
/*
 * *dup = 1 when the last event applied for (type, id) had the content hash
 * hash (the same event delivered again), else 0.
 */
int	 cache_live_event_dup(struct cache *, const char *type,
	    const char *id, const char *hash, int *dup, struct err *e);
/* Record hash as the last content applied for (type, id). */
int	 cache_live_event_set(struct cache *, const char *type,
	    const char *id, const char *hash, long long now_ms, struct err *e);

/* ---- auto-tag memory ---- */

/*
 * The hash recorded for an item ("note" or "task" kind, item id) at the
 * last auto-tag run into out (CACHE_LIVE_HASH_LEN); ERR_NOTFOUND when the
 * item was never seen.
 */
int	 cache_live_item_hash(struct cache *, const char *kind,
	    const char *item_id, char out[CACHE_LIVE_HASH_LEN], struct err *e);
int	 cache_live_item_hash_set(struct cache *, const char *kind,
	    const char *item_id, const char *contact_id, const char *hash,
	    struct err *e);
/*
 * *fired = 1 when rule (its pattern text) already added (or found) tag on
 * contact_id (tag compared case-insensitively), else 0.
 */
int	 cache_live_fired(struct cache *, const char *contact_id,
	    const char *rule, const char *tag, int *fired, struct err *e);
int	 cache_live_fired_set(struct cache *, const char *contact_id,
	    const char *rule, const char *tag, struct err *e);

#endif
