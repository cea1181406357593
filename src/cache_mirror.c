/*
 * cache_mirror.c: SQL of the Salesmate mirror's map tables, company cache,
 * lock and queue (see cache_mirror.h).  Statements are prepared per call:
 * the mirror makes a few per contact, next to an HTTP round trip each.
 */
#include "config.h"
#include "cache_mirror.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "cache_int.h"
#include "xmalloc.h"

static const char schema[] =
"CREATE TABLE IF NOT EXISTS sm_contact_map ("
"  ghl_contact_id TEXT PRIMARY KEY, sm_contact_id INTEGER, state TEXT,"
"  payload_hash TEXT, ghl_tags_json TEXT, mirrored_at INTEGER,"
"  verified_at INTEGER);"
"CREATE TABLE IF NOT EXISTS sm_task_map ("
"  ghl_task_id TEXT PRIMARY KEY, ghl_contact_id TEXT, sm_activity_id INTEGER,"
"  state TEXT, payload_hash TEXT, mirrored_at INTEGER);"
"CREATE INDEX IF NOT EXISTS sm_task_map_contact ON sm_task_map(ghl_contact_id);"
"CREATE TABLE IF NOT EXISTS sm_note_map ("
"  ghl_note_id TEXT PRIMARY KEY, ghl_contact_id TEXT, sm_contact_id INTEGER,"
"  sm_note_id INTEGER, state TEXT, payload_hash TEXT, pinned INTEGER,"
"  mirrored_at INTEGER);"
"CREATE INDEX IF NOT EXISTS sm_note_map_contact ON sm_note_map(ghl_contact_id);"
"CREATE TABLE IF NOT EXISTS sm_company_map ("
"  name_lower TEXT PRIMARY KEY, sm_company_id INTEGER);"
"CREATE TABLE IF NOT EXISTS sm_lock ("
"  id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER, started_at INTEGER);"
"CREATE TABLE IF NOT EXISTS sm_queue ("
"  ghl_contact_id TEXT PRIMARY KEY, queued_at INTEGER);";

/* A uniform SELECT list per kind: ghl_id, ghl_contact_id, sm_id,
 * sm_contact_id, state, hash, tags_json, pinned, mirrored_at, verified_at. */
static const char *const sel[] = {
	"SELECT ghl_contact_id, ghl_contact_id, sm_contact_id, sm_contact_id,"
	" state, payload_hash, ghl_tags_json, 0, mirrored_at, verified_at"
	" FROM sm_contact_map",
	"SELECT ghl_task_id, ghl_contact_id, sm_activity_id, 0, state,"
	" payload_hash, NULL, 0, mirrored_at, 0 FROM sm_task_map",
	"SELECT ghl_note_id, ghl_contact_id, sm_note_id, sm_contact_id, state,"
	" payload_hash, NULL, pinned, mirrored_at, 0 FROM sm_note_map",
};
static const char *const idcol[] = {
	"ghl_contact_id", "ghl_task_id", "ghl_note_id"
};
static const char *const table[] = {
	"sm_contact_map", "sm_task_map", "sm_note_map"
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
dberr(sqlite3 *db, struct err *e, const char *what)
{
	return err_set(e, ERR_DB, "cache: mirror: %s: %s", what,
	    sqlite3_errmsg(db));
}

static sqlite3_stmt *
prep(sqlite3 *db, const char *sql, struct err *e)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		dberr(db, e, "prepare");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

static void
bind_s(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

static char *
col_s(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? xstrdup((const char *)t) : NULL;
}

/* Step a statement that returns no rows, finalize it. */
static int
run(sqlite3 *db, sqlite3_stmt *st, struct err *e, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return dberr(db, e, what);
	return 0;
}

int
cache_mirror_migrate(sqlite3 *db)
{
	return sqlite3_exec(db, schema, NULL, NULL, NULL) == SQLITE_OK ?
	    0 : ERR_DB;
}

void
cm_item_free(struct cm_item *it)
{
	if (it == NULL)
		return;
	free(it->ghl_id);
	free(it->ghl_contact_id);
	free(it->state);
	free(it->hash);
	free(it->tags_json);
	memset(it, 0, sizeof *it);
}

void
cm_items_free(struct cm_item *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		cm_item_free(&v[i]);
	free(v);
}

static void
read_item(sqlite3_stmt *st, enum cm_kind kind, struct cm_item *out)
{
	memset(out, 0, sizeof *out);
	out->kind = kind;
	out->ghl_id = col_s(st, 0);
	out->ghl_contact_id = col_s(st, 1);
	out->sm_id = sqlite3_column_int64(st, 2);
	out->sm_contact_id = sqlite3_column_int64(st, 3);
	out->state = col_s(st, 4);
	out->hash = col_s(st, 5);
	out->tags_json = col_s(st, 6);
	out->pinned = sqlite3_column_int(st, 7);
	out->mirrored_at = sqlite3_column_int64(st, 8);
	out->verified_at = sqlite3_column_int64(st, 9);
}

int
cache_mirror_get(sqlite3 *db, enum cm_kind kind, const char *ghl_id,
    struct cm_item *out, struct err *e)
{
	sqlite3_stmt *st;
	char *sql;
	int rc;

	memset(out, 0, sizeof *out);
	sql = xasprintf("%s WHERE %s = ?1", sel[kind], idcol[kind]);
	st = prep(db, sql, e);
	free(sql);
	if (st == NULL)
		return ERR_DB;
	bind_s(st, 1, ghl_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_item(st, kind, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOTFOUND, "no Salesmate mapping for %s",
		    ghl_id);
	} else {
		rc = dberr(db, e, "get");
	}
	sqlite3_finalize(st);
	return rc;
}

int
cache_mirror_put(sqlite3 *db, const struct cm_item *it, struct err *e)
{
	static const char *const ins[] = {
		"INSERT OR REPLACE INTO sm_contact_map (ghl_contact_id,"
		" sm_contact_id, state, payload_hash, ghl_tags_json,"
		" mirrored_at, verified_at) VALUES (?1, ?3, ?5, ?6, ?7, ?9, ?10)",
		"INSERT OR REPLACE INTO sm_task_map (ghl_task_id,"
		" ghl_contact_id, sm_activity_id, state, payload_hash,"
		" mirrored_at) VALUES (?1, ?2, ?3, ?5, ?6, ?9)",
		"INSERT OR REPLACE INTO sm_note_map (ghl_note_id,"
		" ghl_contact_id, sm_note_id, sm_contact_id, state,"
		" payload_hash, pinned, mirrored_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?8, ?9)",
	};
	sqlite3_stmt *st;

	st = prep(db, ins[it->kind], e);
	if (st == NULL)
		return ERR_DB;
	bind_s(st, 1, it->ghl_id);
	bind_s(st, 2, it->ghl_contact_id);
	if (it->sm_id > 0)
		sqlite3_bind_int64(st, 3, it->sm_id);
	if (it->sm_contact_id > 0)
		sqlite3_bind_int64(st, 4, it->sm_contact_id);
	bind_s(st, 5, it->state);
	bind_s(st, 6, it->hash);
	bind_s(st, 7, it->tags_json);
	sqlite3_bind_int(st, 8, it->pinned);
	sqlite3_bind_int64(st, 9, it->mirrored_at ? it->mirrored_at :
	    now_ms());
	sqlite3_bind_int64(st, 10, it->verified_at);
	return run(db, st, e, "put");
}

int
cache_mirror_del(sqlite3 *db, enum cm_kind kind, const char *ghl_id,
    struct err *e)
{
	sqlite3_stmt *st;
	char *sql;

	sql = xasprintf("DELETE FROM %s WHERE %s = ?1", table[kind],
	    idcol[kind]);
	st = prep(db, sql, e);
	free(sql);
	if (st == NULL)
		return ERR_DB;
	bind_s(st, 1, ghl_id);
	return run(db, st, e, "delete");
}

/* Collect every row of a prepared SELECT (bound) of kind. */
static int
collect(sqlite3 *db, sqlite3_stmt *st, int fixed_kind, enum cm_kind kind,
    struct cm_item **vp, size_t *np, struct err *e)
{
	struct cm_item *v = NULL;
	size_t n = 0, cap = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			v = xreallocarray(v, cap, sizeof *v);
		}
		read_item(st, fixed_kind ? kind :
		    (enum cm_kind)sqlite3_column_int(st, 10), &v[n++]);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		cm_items_free(v, n);
		return dberr(db, e, "list");
	}
	*vp = v;
	*np = n;
	return 0;
}

int
cache_mirror_children(sqlite3 *db, enum cm_kind kind,
    const char *ghl_contact_id, struct cm_item **vp, size_t *np,
    struct err *e)
{
	sqlite3_stmt *st;
	char *sql;

	*vp = NULL;
	*np = 0;
	sql = xasprintf("%s WHERE ghl_contact_id = ?1 ORDER BY %s",
	    sel[kind], idcol[kind]);
	st = prep(db, sql, e);
	free(sql);
	if (st == NULL)
		return ERR_DB;
	bind_s(st, 1, ghl_contact_id);
	return collect(db, st, 1, kind, vp, np, e);
}

int
cache_mirror_unfinished(sqlite3 *db, int limit, struct cm_item **vp,
    size_t *np, struct err *e)
{
	sqlite3_stmt *st;
	char *sql;

	*vp = NULL;
	*np = 0;
	sql = xasprintf("SELECT * FROM ("
	    "%s, 0 AS k FROM sm_contact_map WHERE state NOT IN ('ok',"
	    " 'ghl_deleted') UNION ALL "
	    "%s, 1 FROM sm_task_map WHERE state <> 'ok' UNION ALL "
	    "%s, 2 FROM sm_note_map WHERE state <> 'ok')"
	    " ORDER BY 9 LIMIT ?1",
	    "SELECT ghl_contact_id, ghl_contact_id, sm_contact_id,"
	    " sm_contact_id, state, payload_hash, ghl_tags_json, 0,"
	    " mirrored_at, verified_at",
	    "SELECT ghl_task_id, ghl_contact_id, sm_activity_id, 0, state,"
	    " payload_hash, NULL, 0, mirrored_at, 0",
	    "SELECT ghl_note_id, ghl_contact_id, sm_note_id, sm_contact_id,"
	    " state, payload_hash, NULL, pinned, mirrored_at, 0");
	st = prep(db, sql, e);
	free(sql);
	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int(st, 1, limit > 0 ? limit : -1);
	return collect(db, st, 0, CM_CONTACT, vp, np, e);
}

int
cache_mirror_contact_ids(sqlite3 *db, struct strv *out, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	st = prep(db, "SELECT ghl_contact_id FROM sm_contact_map"
	    " WHERE state <> 'ghl_deleted' ORDER BY ghl_contact_id", e);
	if (st == NULL)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		strv_push(out, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : dberr(db, e, "contact ids");
}

int
cache_mirror_counts(sqlite3 *db, enum cm_kind kind, struct cm_counts *out,
    struct err *e)
{
	sqlite3_stmt *st;
	char *sql;
	int rc;

	memset(out, 0, sizeof *out);
	sql = xasprintf("SELECT"
	    " sum(state = 'ok'), sum(state = 'pending'),"
	    " sum(state LIKE 'failed:%%'), sum(state = 'ghl_deleted')"
	    " FROM %s", table[kind]);
	st = prep(db, sql, e);
	free(sql);
	if (st == NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->ok = sqlite3_column_int64(st, 0);
		out->pending = sqlite3_column_int64(st, 1);
		out->failed = sqlite3_column_int64(st, 2);
		out->deleted = sqlite3_column_int64(st, 3);
		rc = 0;
	} else {
		rc = dberr(db, e, "counts");
	}
	sqlite3_finalize(st);
	return rc;
}

int
cache_mirror_company_get(sqlite3 *db, const char *name_lower, long long *id,
    struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	st = prep(db, "SELECT sm_company_id FROM sm_company_map"
	    " WHERE name_lower = ?1", e);
	if (st == NULL)
		return ERR_DB;
	bind_s(st, 1, name_lower);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOTFOUND, "company %s not mapped",
		    name_lower);
	} else {
		rc = dberr(db, e, "company");
	}
	sqlite3_finalize(st);
	return rc;
}

int
cache_mirror_company_put(sqlite3 *db, const char *name_lower, long long id,
    struct err *e)
{
	sqlite3_stmt *st;

	st = prep(db, "INSERT OR REPLACE INTO sm_company_map (name_lower,"
	    " sm_company_id) VALUES (?1, ?2)", e);
	if (st == NULL)
		return ERR_DB;
	bind_s(st, 1, name_lower);
	sqlite3_bind_int64(st, 2, id);
	return run(db, st, e, "company put");
}

static int
pid_alive(long pid)
{
	if (pid <= 0)
		return 0;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

int
cache_mirror_lock(sqlite3 *db, long pid, struct err *e)
{
	sqlite3_stmt *st;
	long holder = 0;
	int rc;

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return dberr(db, e, "lock");
	st = prep(db, "SELECT pid FROM sm_lock WHERE id = 1", e);
	if (st == NULL)
		goto fail;
	if (sqlite3_step(st) == SQLITE_ROW)
		holder = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (holder != 0 && holder != pid && pid_alive(holder)) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return err_set(e, ERR_CONFLICT, "mirror already running "
		    "(pid %ld)", holder);
	}
	st = prep(db, "INSERT OR REPLACE INTO sm_lock (id, pid, started_at)"
	    " VALUES (1, ?1, ?2)", e);
	if (st == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_int64(st, 2, now_ms());
	rc = run(db, st, e, "lock");
	if (rc)
		goto fail;
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		rc = dberr(db, e, "lock commit");
		goto fail;
	}
	return 0;
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return ERR_DB;
}

void
cache_mirror_unlock(sqlite3 *db, long pid)
{
	sqlite3_stmt *st;

	st = prep(db, "DELETE FROM sm_lock WHERE id = 1 AND pid = ?1", NULL);
	if (st == NULL)
		return;
	sqlite3_bind_int64(st, 1, pid);
	(void)run(db, st, NULL, "unlock");
}

int
cache_mirror_enqueue(sqlite3 *db, const char *ghl_contact_id, struct err *e)
{
	sqlite3_stmt *st;

	st = prep(db, "INSERT OR IGNORE INTO sm_queue (ghl_contact_id,"
	    " queued_at) VALUES (?1, ?2)", e);
	if (st == NULL)
		return ERR_DB;
	bind_s(st, 1, ghl_contact_id);
	sqlite3_bind_int64(st, 2, now_ms());
	return run(db, st, e, "enqueue");
}

int
cache_mirror_dequeue(sqlite3 *db, const char *ghl_contact_id, struct err *e)
{
	sqlite3_stmt *st;

	st = prep(db, "DELETE FROM sm_queue WHERE ghl_contact_id = ?1", e);
	if (st == NULL)
		return ERR_DB;
	bind_s(st, 1, ghl_contact_id);
	return run(db, st, e, "dequeue");
}

int
cache_mirror_queue(sqlite3 *db, struct strv *out, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	st = prep(db, "SELECT ghl_contact_id FROM sm_queue"
	    " ORDER BY queued_at, ghl_contact_id", e);
	if (st == NULL)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		strv_push(out, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : dberr(db, e, "queue");
}
