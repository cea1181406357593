/*
 * cache_int.h: what the src/cache*.c files share and nobody else sees:
 * the handle, the table of prepared statements, and row helpers.  Not a
 * public interface; include it only from src/cache*.c.
 */
#ifndef GHL_CACHE_INT_H
#define GHL_CACHE_INT_H

#include <sqlite3.h>

#include "cache.h"
#include "err.h"
#include "model.h"

/* The fixed statements, prepared on first use and kept (cache.c: sqls[]). */
enum cache_q {
	Q_CONTACT_FIND,
	Q_CONTACT_INSERT,
	Q_CONTACT_UPDATE,
	Q_CONTACT_UNDELETE,
	Q_COUNT_INSERT,
	Q_CONTACT_GET,
	Q_CONTACT_DELETED,
	Q_CONTACT_PURGE,
	Q_FTS_ADD,
	Q_FTS_DEL,
	Q_CONTACT_SORTKEY,
	Q_TAGS_CLEAR,
	Q_TAG_INSERT,
	Q_TASK_UPSERT,
	Q_TASK_GET,
	Q_TASK_LIST,
	Q_TASK_DELETE,
	Q_TASK_PRUNE,
	Q_NOTE_UPSERT,
	Q_NOTE_GET,
	Q_NOTE_LIST,
	Q_NOTE_DELETE,
	Q_NOTE_PRUNE,
	Q_APPT_UPSERT,
	Q_APPT_LIST,
	Q_APPT_DELETE,
	Q_APPT_CLEAR,
	Q_PROTECTED,
	Q_ACTIVE_CONTACT,
	Q_ACTIVE_TARGET,
	Q_META_GET,
	Q_META_SET,
	Q_META_DEL,
	Q_KNOWN_TAGS,
	Q_KNOWN_TAGS_GE,
	Q_OB_INSERT,
	Q_OB_GET,
	Q_OB_LIST,
	Q_OB_LIST_C,
	Q_OB_NEXT,
	Q_OB_NEXT_TIME,
	Q_OB_INFLIGHT,
	Q_OB_SET_STATUS,
	Q_OB_RETRY_ALL,
	Q_OB_DELETE,
	Q_OB_UNDO_PICK,
	Q_OB_COUNTS,
	Q_OB_PRUNE,
	Q_OB_ANY_ACTIVE,
	Q_LOG_LAST,
	Q_LOG_BUMP,
	Q_LOG_INSERT,
	Q_LOG_TRIM,
	Q_LOG_LIST,
	Q_LOG_ACK,
	Q_LOG_UNACKED,
	Q_USAGE_REC,
	Q_USAGE_HEADERS,
	Q_USAGE_DAYS,
	Q_USAGE_HOURS,
	Q_USAGE_LAST,
	Q_DATA_VERSION,
	Q_MAX_RID,
	Q__COUNT
};

/* Outbox statuses of writes not yet acknowledged (SQL list literals). */
#define CACHE_ACTIVE "('pending', 'inflight')"
#define CACHE_UNSENT "('pending', 'inflight', 'failed')"

/* List statements are built from fragments: mode x fts x tag count. */
#define CACHE_LIST_SLOTS (7 * 3 * 3)

/* A contact whose search-index entry is rewritten at commit. */
struct cache_fts_pending {
	long long	 rid;
	int		 had_old;	/* the index has an entry to delete */
	char		*dname, *email, *phone, *company, *tags;	/* old */
};

struct cache {
	sqlite3		*db;
	char		*path;
	int		 depth;		/* transaction nesting */
	int		 doomed;	/* an inner level rolled back */
	/*
	 * Whether the outbox has pending or inflight entries: -1 unknown.
	 * Known only inside a transaction (BEGIN IMMEDIATE keeps other
	 * writers out); reset at its start and by every statement that can
	 * make an entry active.  Lets a page of puts skip the per-contact
	 * rebase lookup when nothing is waiting to be sent.
	 */
	int		 ob_any;
	/*
	 * This connection prepared a change to state that exists only here
	 * (the outbox, the mirror's maps, the schema...), not a copy of the
	 * server's data: closing it checkpoints the WAL (see cache_close).
	 */
	int		 local_writes;
	long long	 bulk_cache;	/* cache_size before cache_bulk, or 0 */
	/*
	 * FTS5 flushes its pending terms at every statement savepoint (any
	 * statement with triggers or several rows), which made puts ten
	 * times slower: index changes are queued and applied at commit.
	 */
	struct cache_fts_pending *fp;
	size_t		 nfp, capfp;
	size_t		*fh;		/* open-addressing rid -> fp index + 1 */
	size_t		 fhcap;
	/* The last cache_count, valid while nothing was written since. */
	char		*cnt_key;
	long		 cnt_val;
	long long	 cnt_dv, cnt_tc;
	/* The last search's number of matches, likewise. */
	char		*fcnt_key;
	long		 fcnt_val;
	long long	 fcnt_dv, fcnt_tc;
	sqlite3_stmt	*st[Q__COUNT];
	sqlite3_stmt	*lst[CACHE_LIST_SLOTS];
};

/* The statement q, reset with bindings cleared; NULL (e filled) when it
 * cannot be prepared. */
sqlite3_stmt	*cache_stmt(struct cache *, enum cache_q q, struct err *e);
/* 1 when the outbox may hold active entries (always 1 outside a
 * transaction or on error), 0 when it holds none. */
int		 cache_outbox_any_active(struct cache *);
/* ERR_DB with "cache: what: sqlite message". */
int		 cache_dberr(struct cache *, struct err *e, const char *what);
/* Step a statement that returns no row; resets it.  0 or ERR_DB. */
int		 cache_exec_stmt(struct cache *, sqlite3_stmt *, struct err *e,
		    const char *what);
/* Bind text (NULL binds NULL); the string must outlive the step. */
void		 cache_bind(sqlite3_stmt *, int i, const char *s);
/* Column i as a new string, NULL for SQL NULL. */
char		*cache_col(sqlite3_stmt *, int i);
/*
 * A contact's raw JSON from column i as a new string: stored as text, or
 * packed by rawz (a blob); NULL for SQL NULL or a blob that does not unpack.
 */
char		*cache_col_raw(sqlite3_stmt *, int i);
long long	 cache_now_ms(void);
/* Column i as a tri-state (NULL = TRI_UNSET). */
enum tri	 cache_col_tri(sqlite3_stmt *, int i);
/* Append the strings of a JSON array of strings to out (bad JSON: none). */
void		 cache_tags_from_json(const char *json, struct strv *out);
/* Run a one-off statement with up to three text parameters ?1..?3. */
int		 cache_run(struct cache *, const char *sql, const char *a,
		    const char *b, const char *d, struct err *e);
/* A JSON object of string pairs: key, value, ..., (char *)NULL; pairs
 * whose value is NULL are left out.  New string. */
char		*cache_json_pairs(const char *k, ...);

/* Rows with raw JSON, shared by the pull side and the outbox. */
struct contact_state {
	long long	 rid;
	long long	 synced_at;	/* 0 = NULL */
	int		 deleted;
	int		 local;
	char		*raw;
	char		*tags;		/* JSON text */
	char		*dname, *email, *phone, *company;	/* indexed */
	char		*sort_key;
};
/* ERR_NOTFOUND when id is unknown (deleted rows are found). */
int	 cache_contact_state(struct cache *, const char *id,
	    struct contact_state *out, struct err *e);
void	 cache_contact_state_free(struct contact_state *);
/* Write ct with raw (NULL: synthesised from ct) as the row of ct->id;
 * synced_at <= 0 writes NULL; local 0/1; deleted cleared. */
int	 cache_contact_write(struct cache *, const struct contact *ct,
	    const char *raw, long long synced_at, int local, struct err *e);
/* Remove the row (and its index entries and tags; children stay).  0 when
 * unknown. */
int	 cache_contact_purge(struct cache *, const char *id, struct err *e);
/* Hidden + tags dropped. */
int	 cache_contact_set_deleted(struct cache *, const char *id, int deleted,
	    struct err *e);
/* local < 0 keeps the row's flag (0 for a new row). */
int	 cache_task_write(struct cache *, const struct task *t,
	    const char *contact_id, int local, struct err *e);
int	 cache_note_write(struct cache *, const struct note *n,
	    const char *contact_id, int local, struct err *e);
/* Raw text and local flag of a child row; ERR_NOTFOUND. */
int	 cache_child_state(struct cache *, int is_note, const char *id,
	    char **contact_id, char **raw, int *local, struct err *e);
/* Re-apply pending/inflight entries on a contact / a child row. */
int	 cache_rebase_contact(struct cache *, const char *contact_id,
	    struct err *e);
int	 cache_rebase_target(struct cache *, const char *target_id,
	    struct err *e);

#endif
