/*
 * cache_live.c: the SQL of live sync and automation (see cache_live.h).
 * Its tables are created on demand with CREATE TABLE IF NOT EXISTS, so a
 * cache written by a build without them simply gains them.  Every
 * statement binds its parameters; nothing is formatted into SQL.
 */
#include "config.h"
#include "cache_live.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "cache.h"
#include "cache_int.h"

static const char live_schema[] =
"CREATE TABLE IF NOT EXISTS live_webhook_ids ("
"  id TEXT PRIMARY KEY,"
"  at INTEGER NOT NULL) WITHOUT ROWID;"
"CREATE INDEX IF NOT EXISTS live_webhook_ids_at ON live_webhook_ids(at);"
"CREATE TABLE IF NOT EXISTS live_events ("
"  type TEXT NOT NULL,"
"  id TEXT NOT NULL,"
"  hash TEXT NOT NULL,"
"  at INTEGER NOT NULL,"
"  PRIMARY KEY (type, id)) WITHOUT ROWID;"
"CREATE TABLE IF NOT EXISTS autotag_items ("
"  kind TEXT NOT NULL,"
"  item_id TEXT NOT NULL,"
"  contact_id TEXT,"
"  hash TEXT NOT NULL,"
"  PRIMARY KEY (kind, item_id)) WITHOUT ROWID;"
"CREATE TABLE IF NOT EXISTS autotag_fired ("
"  contact_id TEXT NOT NULL,"
"  rule TEXT NOT NULL,"
"  tag TEXT NOT NULL COLLATE NOCASE,"
"  at INTEGER NOT NULL,"
"  PRIMARY KEY (contact_id, rule, tag)) WITHOUT ROWID;";

int
cache_live_init(struct cache *c, struct err *e)
{
	char *msg = NULL;

	if (sqlite3_exec(c->db, live_schema, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, ERR_DB, "cache: creating the live sync tables: %s",
		    msg != NULL ? msg : sqlite3_errmsg(c->db));
		sqlite3_free(msg);
		return ERR_DB;
	}
	return 0;
}

int
cache_data_version(struct cache *c, long *v)
{
	sqlite3_stmt *st = NULL;
	int rc = ERR_DB;

	if (sqlite3_prepare_v2(c->db, "PRAGMA data_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return ERR_DB;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*v = (long)sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

void
cache_live_hash(const void *s, size_t len, char out[CACHE_LIVE_HASH_LEN])
{
	const unsigned char *p = s;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	snprintf(out, CACHE_LIVE_HASH_LEN, "%016llx", (unsigned long long)h);
}

/*
 * Prepare sql and bind the text parameters given as (const char *) varargs
 * ?1..?n (n = nparams).  NULL with e filled on error.
 */
static sqlite3_stmt *
prep(struct cache *c, struct err *e, const char *sql, int nparams, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	int i;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
		err_set(e, ERR_DB, "cache: %s", sqlite3_errmsg(c->db));
		sqlite3_finalize(st);
		return NULL;
	}
	va_start(ap, nparams);
	for (i = 1; i <= nparams; i++) {
		const char *s = va_arg(ap, const char *);

		if (s == NULL)
			sqlite3_bind_null(st, i);
		else
			sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	}
	va_end(ap);
	return st;
}

/* Step st to completion (no rows expected), finalize it. */
static int
run(struct cache *c, sqlite3_stmt *st, struct err *e, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return err_set(e, ERR_DB, "cache: %s: %s", what,
		    sqlite3_errmsg(c->db));
	return 0;
}

/* *found = 1 when st yields a row; finalizes st. */
static int
exists(struct cache *c, sqlite3_stmt *st, int *found, struct err *e,
    const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc == SQLITE_ROW) {
		*found = 1;
		return 0;
	}
	*found = 0;
	if (rc != SQLITE_DONE)
		return err_set(e, ERR_DB, "cache: %s: %s", what,
		    sqlite3_errmsg(c->db));
	return 0;
}

int
cache_live_webhook_seen(struct cache *c, const char *webhook_id, int *seen,
    struct err *e)
{
	sqlite3_stmt *st;

	st = prep(c, e, "SELECT 1 FROM live_webhook_ids WHERE id = ?1", 1,
	    webhook_id);
	if (st == NULL)
		return ERR_DB;
	return exists(c, st, seen, e, "webhook id lookup");
}

int
cache_live_webhook_remember(struct cache *c, const char *webhook_id,
    long long now_ms, long long keep_ms, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	st = prep(c, e, "INSERT OR REPLACE INTO live_webhook_ids(id, at) "
	    "VALUES (?1, ?2)", 1, webhook_id);
	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 2, now_ms);
	rc = run(c, st, e, "remember webhook id");
	if (rc)
		return rc;
	st = prep(c, e, "DELETE FROM live_webhook_ids WHERE at < ?1", 0);
	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, now_ms - keep_ms);
	return run(c, st, e, "forget old webhook ids");
}

int
cache_live_event_dup(struct cache *c, const char *type, const char *id,
    const char *hash, int *dup, struct err *e)
{
	sqlite3_stmt *st;

	st = prep(c, e, "SELECT 1 FROM live_events WHERE type = ?1 AND "
	    "id = ?2 AND hash = ?3", 3, type, id != NULL ? id : "", hash);
	if (st == NULL)
		return ERR_DB;
	return exists(c, st, dup, e, "webhook dedupe lookup");
}

int
cache_live_event_set(struct cache *c, const char *type, const char *id,
    const char *hash, long long now_ms, struct err *e)
{
	sqlite3_stmt *st;

	st = prep(c, e, "INSERT OR REPLACE INTO live_events(type, id, hash, "
	    "at) VALUES (?1, ?2, ?3, ?4)", 3, type, id != NULL ? id : "",
	    hash);
	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 4, now_ms);
	return run(c, st, e, "record webhook content");
}

int
cache_live_item_hash(struct cache *c, const char *kind, const char *item_id,
    char out[CACHE_LIVE_HASH_LEN], struct err *e)
{
	sqlite3_stmt *st;
	const unsigned char *h;
	int rc;

	st = prep(c, e, "SELECT hash FROM autotag_items WHERE kind = ?1 AND "
	    "item_id = ?2", 2, kind, item_id);
	if (st == NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		h = sqlite3_column_text(st, 0);
		snprintf(out, CACHE_LIVE_HASH_LEN, "%s",
		    h != NULL ? (const char *)h : "");
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return ERR_NOTFOUND;
	return err_set(e, ERR_DB, "cache: auto-tag item lookup: %s",
	    sqlite3_errmsg(c->db));
}

int
cache_live_item_hash_set(struct cache *c, const char *kind,
    const char *item_id, const char *contact_id, const char *hash,
    struct err *e)
{
	sqlite3_stmt *st;

	st = prep(c, e, "INSERT OR REPLACE INTO autotag_items(kind, item_id, "
	    "contact_id, hash) VALUES (?1, ?2, ?3, ?4)", 4, kind, item_id,
	    contact_id, hash);
	if (st == NULL)
		return ERR_DB;
	return run(c, st, e, "record auto-tag item");
}

int
cache_live_fired(struct cache *c, const char *contact_id, const char *rule,
    const char *tag, int *fired, struct err *e)
{
	sqlite3_stmt *st;

	st = prep(c, e, "SELECT 1 FROM autotag_fired WHERE contact_id = ?1 "
	    "AND rule = ?2 AND tag = ?3", 3, contact_id, rule, tag);
	if (st == NULL)
		return ERR_DB;
	return exists(c, st, fired, e, "auto-tag rule lookup");
}

int
cache_live_fired_set(struct cache *c, const char *contact_id,
    const char *rule, const char *tag, struct err *e)
{
	sqlite3_stmt *st;

	st = prep(c, e, "INSERT OR IGNORE INTO autotag_fired(contact_id, rule, "
	    "tag, at) VALUES (?1, ?2, ?3, ?4)", 3, contact_id, rule, tag);
	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 4, cache_now_ms());
	return run(c, st, e, "record auto-tag rule");
}
