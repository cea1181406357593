/*
 * cache.h: the local SQLite cache (the only module with SQL).  It keeps
 * contacts, their tasks, notes and appointments (columns + raw JSON), an
 * FTS5 index for search, the outbox of pending writes, the sync log, API
 * usage and a key/value meta table.  A handle belongs to one thread: the
 * UI and the worker each open their own (WAL lets them run at once).
 *
 * Common contract: functions return 0 or an enum errcode and fill e (may be
 * NULL) with one line naming what failed.  Arguments are borrowed; strings
 * handed back are owned by the caller.  Times are unix milliseconds.
 */
#ifndef GHL_CACHE_H
#define GHL_CACHE_H

#include <stddef.h>

#include "err.h"
#include "model.h"

struct cache;

/* The schema version this build writes (PRAGMA user_version). */
#define CACHE_SCHEMA_VERSION 4

/*
 * Open (creating) the cache at path; ":memory:" gives a private in-memory
 * database.  Parent directories are created with mode 0700, the file gets
 * mode 0600.  Sets WAL, synchronous=NORMAL, foreign_keys, busy_timeout 5 s
 * and migrates the schema.  A file written by a newer ghlterm is refused
 * (ERR_DB, message says so).  On error *cp is NULL.
 */
int	 cache_open(struct cache **cp, const char *path, struct err *e);
/* Finalize statements and close.  NULL is a no-op. */
void	 cache_close(struct cache *);

/*
 * Transactions, nestable by a depth counter: the outermost begin starts a
 * write transaction (BEGIN IMMEDIATE), the outermost commit commits.  Inner
 * levels are not savepoints (FTS5 would flush at each): a rollback at an
 * inner level dooms the whole transaction, whose outermost commit then
 * rolls back and returns ERR_DB.  Every write function below runs in its
 * own (nested) transaction, so wrapping a page of puts in begin/commit
 * makes them one transaction; a function that fails inside the caller's
 * transaction leaves it doomed, never half-applied.
 */
int	 cache_begin(struct cache *, struct err *e);
int	 cache_commit(struct cache *, struct err *e);
void	 cache_rollback(struct cache *);
/* A 4 MB page cache instead of 16 MB, for a long-lived reader (the TUI):
 * browsing a million contacts then stays within its memory budget. */
void	 cache_small(struct cache *);
/* Bulk mode for a full sync: the WAL is checkpointed every 64 MB instead
 * of every 4 MB.  Turning it off checkpoints (passively) once. */
void	 cache_bulk(struct cache *, int on);
/* Current nesting depth (0 = no transaction). */
int	 cache_depth(const struct cache *);
/*
 * The SQLite handle, for the cache module's other files (cache_live.c,
 * cache_mirror.c) that keep their own tables.  Borrowed; same thread rules
 * as the cache.  Nothing outside src/cache*.c may run SQL on it.
 */
struct sqlite3;
struct sqlite3	*cache_sqlite(struct cache *);

/* ---- pull side (sync engine, webhooks) ---- */

/*
 * Upsert a contact from the server.  synced_at_ms > 0: a full object (GET
 * /contacts/:id): raw is replaced and synced_at set.  synced_at_ms <= 0: a
 * list/search item: raw is merged onto the stored one (fields the list
 * lacks survive) and synced_at is left as it was (NULL for a new row).  The
 * contact's children are kept; FTS and tags are updated; a deleted mark is
 * cleared.  Pending/inflight/failed local writes of the contact are
 * re-applied on top, so optimistic changes stay visible until sent.
 */
int	 cache_put_contact(struct cache *, const struct contact *,
	    long long synced_at_ms, struct err *e);
/* Mark deleted (hidden from lists, tags dropped; children kept).  0 even
 * when the id is unknown. */
int	 cache_contact_mark_deleted(struct cache *, const char *id,
	    struct err *e);
/*
 * Replace a contact's children with the server's set (v may be NULL when n
 * is 0).  Rows touched by a pending/inflight/failed outbox entry keep their
 * local version (including a local delete), and rows created locally and
 * not yet sent are kept.  Items' contact_id may be NULL (taken from the
 * argument).
 */
int	 cache_replace_tasks(struct cache *, const char *contact_id,
	    const struct task *v, size_t n, struct err *e);
int	 cache_replace_notes(struct cache *, const char *contact_id,
	    const struct note *v, size_t n, struct err *e);
int	 cache_replace_appts(struct cache *, const char *contact_id,
	    const struct appt *v, size_t n, struct err *e);
/* Single upserts (webhooks, one GET).  contact_id must be set in the item
 * (ERR_INVALID otherwise); local pending writes are re-applied on top. */
int	 cache_put_task(struct cache *, const struct task *, struct err *e);
int	 cache_put_note(struct cache *, const struct note *, struct err *e);
int	 cache_put_appt(struct cache *, const struct appt *, struct err *e);
/* Remove one child row; 0 even when the id is unknown. */
int	 cache_delete_task(struct cache *, const char *id, struct err *e);
int	 cache_delete_note(struct cache *, const char *id, struct err *e);
int	 cache_delete_appt(struct cache *, const char *id, struct err *e);

/* meta key/value.  get: *value is a new string, ERR_NOTFOUND when unset.
 * set: value NULL deletes the key. */
int	 cache_meta_get(struct cache *, const char *key, char **value,
	    struct err *e);
int	 cache_meta_set(struct cache *, const char *key, const char *value,
	    struct err *e);

/*
 * Pack ct->raw into ct->rawz the way the cache stores it, on any thread
 * and without a connection: a full sync does it off the writer's thread,
 * and cache_put_contact then binds those bytes instead of packing.
 */
void	 cache_contact_pack(struct contact *ct);

/* ---- read side (UI, CLI) ---- */

/*
 * One contact into *out (zeroed first; free with contact_free), with local
 * pending changes applied.  *synced_at (may be NULL) gets the last full
 * sync time or 0 when never synced.  ERR_NOTFOUND when unknown or deleted.
 */
int	 cache_get_contact(struct cache *, const char *id, struct contact *out,
	    long long *synced_at, struct err *e);
/* 1 when the contact exists (deleted or not), with *deleted set. */
int	 cache_has_contact(struct cache *, const char *id, int *deleted);
/* Children of a contact as new arrays (free with tasks_free etc.; NULL when
 * n is 0).  Tasks: open first, then by due date; notes: newest first;
 * appointments: by start time. */
int	 cache_get_tasks(struct cache *, const char *contact_id,
	    struct task **v, size_t *n, struct err *e);
int	 cache_get_notes(struct cache *, const char *contact_id,
	    struct note **v, size_t *n, struct err *e);
int	 cache_get_appts(struct cache *, const char *contact_id,
	    struct appt **v, size_t *n, struct err *e);
/* One child; ERR_NOTFOUND when unknown. */
int	 cache_get_task(struct cache *, const char *id, struct task *out,
	    struct err *e);
int	 cache_get_note(struct cache *, const char *id, struct note *out,
	    struct err *e);

/*
 * The contact list.  search is what the user typed (see fts_query.h; a
 * "tag:NAME" in it filters like tag); tag filters by one tag
 * (case-insensitive).  Either may be NULL or "".  Order: display name
 * case-insensitively (accents folded), then id.  Deleted contacts never
 * appear.
 */
struct cache_query {
	const char	*search;
	const char	*tag;
};

struct cache_row {
	char	*id;
	char	*name;		/* display name */
	char	*email;		/* may be NULL */
	char	*phone;
	char	*company;
	char	*tags;		/* comma-joined, "" when none */
	char	*sort_key;	/* pass as after_key / before_key */
	int	 pending;	/* pending + inflight outbox entries */
	int	 failed;	/* failed outbox entries */
	int	 never_synced;	/* no full sync yet (list stub or local) */
};

/*
 * Keyset paging, never OFFSET: up to limit rows strictly after after_key
 * (NULL = from the start) in list order.  *rows is a new array of *n rows
 * (NULL when none); free with cache_rows_free.
 */
int	 cache_list(struct cache *, const struct cache_query *q,
	    const char *after_key, int limit, struct cache_row **rows,
	    size_t *n, struct err *e);
/* Up to limit rows strictly before before_key (NULL = from the end),
 * returned in list order (ascending). */
int	 cache_list_before(struct cache *, const struct cache_query *q,
	    const char *before_key, int limit, struct cache_row **rows,
	    size_t *n, struct err *e);
void	 cache_rows_free(struct cache_row *rows, size_t n);
/* Number of contacts matching q. */
int	 cache_count(struct cache *, const struct cache_query *q, long *n,
	    struct err *e);
/*
 * One slice (about 2 ms) of the idle-time work for searches on this
 * connection: a map of the contact list's order (a byte a contact), so
 * that a search with many matches reads its page without walking the
 * list up to its first match, then the first 128 rows of each one-letter
 * search (a-z, 0-9).  cache_list, cache_list_before, cache_count and
 * cache_row_index use them while nothing has been written since they
 * were built; a write drops them.  At 1,000,000 contacts the whole work
 * is about 1.8 G instructions (~0.3 s of slices), at 100,000 0.25 G.
 * Call it while the user is idle: *more is 1 while there is more to do (call again soon),
 * 2 when the cache was written since the work began or a transaction is
 * open (call again later, once writes pause), 0 when all is ready or no
 * map is needed (fewer than 20,000 contacts).  Returns 0 or ERR_DB (e
 * filled); searches give the same rows with or without it.
 */
int	 cache_search_idle(struct cache *, int *more, struct err *e);
/* 0-based position of contact id in the ordering of q; ERR_NOTFOUND when
 * it does not match q. */
int	 cache_row_index(struct cache *, const struct cache_query *q,
	    const char *id, long *index, struct err *e);
/* The sort key of contact id (new string), to page around it;
 * ERR_NOTFOUND when unknown or deleted. */
int	 cache_sort_key(struct cache *, const char *id, char **key,
	    struct err *e);

/*
 * Stream every contact matching q (and, when since_iso is not NULL, with
 * dateUpdated >= since_iso) in list order, in constant memory.  The contact
 * passed to cb is borrowed for the call only.  cb returns 0 to go on or
 * non-zero to stop (that value is returned).  Do not write to the same
 * handle from cb.
 */
typedef int (*cache_contact_cb)(void *arg, const struct contact *,
	    long long synced_at);
int	 cache_foreach_contact(struct cache *, const struct cache_query *q,
	    const char *since_iso, cache_contact_cb cb, void *arg,
	    struct err *e);
/* Known tags starting with prefix (case-insensitive; NULL = all), sorted,
 * appended to *out. */
int	 cache_known_tags(struct cache *, const char *prefix, struct strv *out,
	    struct err *e);

/* ---- local writes: optimistic change + outbox entry, one transaction ----
 *
 * Each applies the change to the cached row (columns and raw, via
 * codec_merge) and appends an outbox entry (op, contact id, target id,
 * request body, prev snapshot for undo, status "pending") whose id goes to
 * *entry_id (may be NULL).  A contact or child not in the cache (or
 * deleted) is ERR_NOTFOUND naming the id; nothing is changed on any error.
 */
/* op "task.complete" / "task.reopen" */
int	 cache_task_set_completed(struct cache *, const char *contact_id,
	    const char *task_id, int completed, long long *entry_id,
	    struct err *e);
/* op "task.create": t's title, body, due_date, completed, assigned_to are
 * sent (completed unset is sent as false).  *local_id_out (may be NULL)
 * gets the new row's id: "local-" + 14 alphanumerics. */
int	 cache_task_create(struct cache *, const char *contact_id,
	    const struct task *t, char **local_id_out, long long *entry_id,
	    struct err *e);
/* op "task.update": t->id is the task; non-NULL/set fields change. */
int	 cache_task_update(struct cache *, const char *contact_id,
	    const struct task *t, long long *entry_id, struct err *e);
/* op "task.delete": the row disappears at once. */
int	 cache_task_delete(struct cache *, const char *contact_id,
	    const char *task_id, long long *entry_id, struct err *e);
/* op "tags.add" / "tags.remove" (case-insensitive match, case kept). */
int	 cache_tags_add(struct cache *, const char *contact_id,
	    const struct strv *tags, long long *entry_id, struct err *e);
int	 cache_tags_remove(struct cache *, const char *contact_id,
	    const struct strv *tags, long long *entry_id, struct err *e);
/* op "note.create" / "note.update" (n->id is the note; body is always sent,
 * taken from the cached row when n->body is NULL) / "note.delete". */
int	 cache_note_create(struct cache *, const char *contact_id,
	    const struct note *n, char **local_id_out, long long *entry_id,
	    struct err *e);
int	 cache_note_update(struct cache *, const char *contact_id,
	    const struct note *n, long long *entry_id, struct err *e);
int	 cache_note_delete(struct cache *, const char *contact_id,
	    const char *note_id, long long *entry_id, struct err *e);
/* op "contact.create" (body has locationId = location_id when not NULL) /
 * "contact.update" (c->id is the contact; non-NULL fields change; tags are
 * sent, replacing the set, only when c->tags.n > 0) / "contact.delete"
 * (hidden at once). */
int	 cache_contact_create(struct cache *, const struct contact *c,
	    const char *location_id, char **local_id_out, long long *entry_id,
	    struct err *e);
int	 cache_contact_update(struct cache *, const struct contact *c,
	    long long *entry_id, struct err *e);
int	 cache_contact_delete(struct cache *, const char *contact_id,
	    long long *entry_id, struct err *e);

/* ---- the outbox ---- */

struct outbox_entry {
	long long id;
	char	*op;		/* "task.complete", ... (DESIGN §4) */
	char	*contact_id;
	char	*target_id;	/* task/note id; contact id for contact.*;
				 * NULL for tags.* */
	char	*payload;	/* request body JSON, NULL for deletes */
	char	*prev;		/* snapshot for undo (internal JSON) */
	char	*status;	/* "pending" "inflight" "failed" "done" */
	int	 attempts;
	char	*error;		/* last error, or NULL */
	long long created_at, updated_at, next_attempt_at;
};
/* Frees the members (not the struct); NULL is a no-op. */
void	 outbox_entry_free(struct outbox_entry *);
/* Frees n entries and the array. */
void	 outbox_entries_free(struct outbox_entry *v, size_t n);

/* Entries (of one contact or all), ordered by id; done ones only when
 * include_done.  *v NULL when n is 0. */
int	 cache_outbox_list(struct cache *, const char *contact_id,
	    int include_done, struct outbox_entry **v, size_t *n,
	    struct err *e);
/* One entry by id; ERR_NOTFOUND. */
int	 cache_outbox_get(struct cache *, long long id,
	    struct outbox_entry *out, struct err *e);
/*
 * The oldest pending entry (of contact_id, or any when NULL) whose
 * next_attempt_at <= now_ms and that no older pending/inflight/failed entry
 * of the same contact precedes.  ERR_NOTFOUND when none is ready.
 */
int	 cache_outbox_next(struct cache *, const char *contact_id,
	    long long now_ms, struct outbox_entry *out, struct err *e);
/* Earliest next_attempt_at among the pending entries cache_outbox_next
 * could return once their time comes (the head of each contact's queue; of
 * contact_id or all); ERR_NOTFOUND when there are none. */
int	 cache_outbox_next_time(struct cache *, const char *contact_id,
	    long long *when_ms, struct err *e);
/* pending -> inflight, attempts + 1.  Commit it before sending. */
int	 cache_outbox_mark_inflight(struct cache *, long long id,
	    struct err *e);
/*
 * -> done.  server_raw is the server's object (the bare Contact / Task /
 * Note, not its {"task": ...} wrapper; for tags.* the {"tags": [...]}
 * body or the bare array; NULL for deletes or when unknown).  The cached
 * row is replaced by it (later local writes re-applied on top).  For a
 * create, the local id is rewritten to the server's everywhere: the row,
 * later entries' target_id/contact_id and, for contact.create, the
 * contact's children and log.  ERR_PARSE if server_raw is bad (nothing
 * changed).
 */
int	 cache_outbox_mark_done(struct cache *, long long id,
	    const char *server_raw, struct err *e);
/* -> pending again (transient failure) with a backoff time and error. */
int	 cache_outbox_mark_pending(struct cache *, long long id,
	    long long next_attempt_at_ms, const char *error, struct err *e);
/* -> failed (permanent) with the server's message. */
int	 cache_outbox_mark_failed(struct cache *, long long id,
	    const char *error, struct err *e);
/* failed -> pending, next attempt now.  ERR_NOTFOUND unless failed. */
int	 cache_outbox_retry(struct cache *, long long id, struct err *e);
/* Every failed entry -> pending; *n (may be NULL) gets how many. */
int	 cache_outbox_retry_all(struct cache *, long *n, struct err *e);
/* Remove the entry (any status but inflight); the caller then re-syncs
 * the contact.  A discarded create removes its local row. */
int	 cache_outbox_discard(struct cache *, long long id, struct err *e);
/* Undo the newest entry that is pending and never attempted: restore its
 * prev snapshot and delete it.  *contact_id_out (may be NULL) gets the
 * contact.  ERR_NOTFOUND when nothing can be undone. */
int	 cache_outbox_undo_last(struct cache *, char **contact_id_out,
	    struct err *e);
/* Entries left inflight (a crash mid-request), ordered by id. */
int	 cache_outbox_inflight(struct cache *, struct outbox_entry **v,
	    size_t *n, struct err *e);
/* pending (incl. inflight) and failed counts; either may be NULL. */
int	 cache_outbox_counts(struct cache *, long *pending, long *failed,
	    struct err *e);
/* Delete done entries updated before older_than_ms. */
int	 cache_outbox_prune_done(struct cache *, long long older_than_ms,
	    struct err *e);

/* ---- sync log and alerts ---- */

struct log_entry {
	long long id;
	char	*kind;		/* "sync" "write" "webhook" "mirror" */
	char	*level;		/* "info" "error" */
	char	*contact_id;	/* may be NULL */
	char	*endpoint;	/* may be NULL */
	int	 http_status;
	char	*message;
	long	 count;		/* collapsed repeats (>= 1) */
	long long first_at, last_at;
	int	 acknowledged;
};
/*
 * Append an entry (now).  An error identical (kind, contact, endpoint,
 * status, message) to the newest entry of the same kind and contact is
 * collapsed into it: count + 1, last_at = now, unacknowledged again.  The
 * log keeps the newest 10,000 entries.
 */
int	 cache_log_add(struct cache *, const char *kind, const char *level,
	    const char *contact_id, const char *endpoint, int http_status,
	    const char *message, struct err *e);
/* Newest first; limit <= 0 means all. */
int	 cache_log_list(struct cache *, int failed_only, int limit,
	    struct log_entry **v, size_t *n, struct err *e);
void	 cache_log_free(struct log_entry *v, size_t n);
int	 cache_log_ack_all(struct cache *, struct err *e);
int	 cache_log_unacked_errors(struct cache *, long *n, struct err *e);

/* ---- API usage ---- */

/* Count one request against endpoint (a template: "GET /contacts/:id") in
 * the UTC hour of when_ms: status 429 and >= 400 (or 0: no response) are
 * counted apart, retried marks a retry. */
int	 cache_usage_record(struct cache *, const char *endpoint, int status,
	    int retried, long long when_ms, struct err *e);
/* The last X-RateLimit-* values seen (-1 = header absent). */
int	 cache_usage_set_headers(struct cache *, long limit_daily,
	    long daily_remaining, long interval_ms, long max, long remaining,
	    long long when_ms, struct err *e);

struct usage_row {
	char	*endpoint;
	char	 day[11];	/* YYYY-MM-DD, UTC */
	long	 count, n429, errors, retries;
};
/* Per endpoint per UTC day over the last days days (counting the day of
 * now_ms), newest day first, then by endpoint.  Free with
 * cache_usage_free. */
int	 cache_usage_by_endpoint_day(struct cache *, int days,
	    long long now_ms, struct usage_row **v, size_t *n, struct err *e);
void	 cache_usage_free(struct usage_row *v, size_t n);

struct usage_hour {
	long long hour_ms;	/* start of the UTC hour */
	long	 count, n429, errors, retries;
};
/* Exactly hours buckets (oldest first, the last one holding now_ms), zero
 * where nothing was recorded.  *v is new (free()). */
int	 cache_usage_by_hour(struct cache *, int hours, long long now_ms,
	    struct usage_hour **v, struct err *e);

struct usage_headers {
	long	 limit_daily, daily_remaining, interval_ms, max, remaining;
	long long at_ms;
};
/* ERR_NOTFOUND when no headers were ever recorded. */
int	 cache_usage_last_headers(struct cache *, struct usage_headers *out,
	    struct err *e);

/* Internal to cache*.c: run the schema migrations on db (cache_schema.c). */
struct sqlite3;
int	 cache_schema_migrate(struct sqlite3 *db, const char *path,
	    struct err *e);

#endif
