/*
 * cache.c: the SQLite cache (cache.h): opening, transactions, the table of
 * prepared statements, the pull side (contacts and their children) and
 * meta.  The read side is in cache_query.c, the sync log and API usage in
 * cache_log.c, the outbox and local writes in cache_outbox.c, the schema
 * in cache_schema.c.
 */
#include "config.h"
#include "cache.h"

#include <errno.h>
#include <stdio.h>
#include <pthread.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "buf.h"
#include "cache_int.h"
#include "codec.h"
#include "fts_query.h"
#include "rawz.h"
#include "xmalloc.h"

#define OB_COLS "id, op, contact_id, target_id, payload, prev, status, " \
	"attempts, error, created_at, updated_at, next_attempt_at"

static const char *const sqls[Q__COUNT] = {
	[Q_CONTACT_FIND] = "SELECT rid, synced_at, deleted, local, raw, tags, "
	    "dname, email, phone, company, sort_key FROM contacts "
	    "WHERE id = ?1",
	[Q_CONTACT_INSERT] = "INSERT INTO contacts(id, location_id, "
	    "first_name, last_name, name, dname, email, phone, company, tags, "
	    "dnd, date_added, date_updated, raw, synced_at, local, sort_key) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14, ?15, ?16, ?17)",
	[Q_CONTACT_UPDATE] = "UPDATE contacts SET id = ?1, location_id = ?2, "
	    "first_name = ?3, last_name = ?4, name = ?5, dname = ?6, "
	    "email = ?7, phone = ?8, company = ?9, tags = ?10, dnd = ?11, "
	    "date_added = ?12, date_updated = ?13, raw = ?14, synced_at = ?15, "
	    "local = ?16, sort_key = ?17 WHERE rid = ?18",
	/* Apart, so the common update does not carry the counts_upd
	 * trigger (and a statement journal with it). */
	[Q_CONTACT_UNDELETE] = "UPDATE contacts SET deleted = 0 WHERE rid = ?1",
	/* An insert's count, in place of a trigger (schema version 4). */
	[Q_COUNT_INSERT] = "UPDATE counts SET n = n + 1 WHERE name = "
	    "'contacts'",
	[Q_CONTACT_GET] = "SELECT id, location_id, first_name, last_name, "
	    "name, email, phone, company, tags, dnd, date_added, date_updated, "
	    "raw, synced_at, deleted FROM contacts WHERE id = ?1",
	[Q_CONTACT_DELETED] = "UPDATE contacts SET deleted = ?2 WHERE id = ?1",
	[Q_CONTACT_PURGE] = "DELETE FROM contacts WHERE rid = ?1",
	[Q_FTS_ADD] = "INSERT INTO contacts_fts(rowid, dname, email, phone, "
	    "company, tags) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_FTS_DEL] = "INSERT INTO contacts_fts(contacts_fts, rowid, dname, "
	    "email, phone, company, tags) VALUES ('delete', ?1, ?2, ?3, ?4, "
	    "?5, ?6)",
	[Q_CONTACT_SORTKEY] = "SELECT sort_key FROM contacts WHERE id = ?1 "
	    "AND deleted = 0",
	[Q_TAGS_CLEAR] = "DELETE FROM contact_tags WHERE crid = ?1",
	[Q_TAG_INSERT] = "INSERT OR IGNORE INTO contact_tags(crid, pos, tag, "
	    "sort_key) VALUES (?1, ?2, ?3, ?4)",
	[Q_TASK_UPSERT] = "INSERT INTO tasks(id, contact_id, title, body, "
	    "assigned_to, due_date, completed, raw, local) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7, ?8, max(?9, 0)) ON CONFLICT(id) DO UPDATE SET "
	    "contact_id = excluded.contact_id, title = excluded.title, "
	    "body = excluded.body, assigned_to = excluded.assigned_to, "
	    "due_date = excluded.due_date, completed = excluded.completed, "
	    "raw = excluded.raw, "
	    "local = CASE WHEN ?9 < 0 THEN local ELSE ?9 END",
	[Q_TASK_GET] = "SELECT id, contact_id, title, body, assigned_to, "
	    "due_date, completed, raw, local FROM tasks WHERE id = ?1",
	[Q_TASK_LIST] = "SELECT id, contact_id, title, body, assigned_to, "
	    "due_date, completed, raw, local FROM tasks WHERE contact_id = ?1 "
	    "ORDER BY coalesce(completed, 0), due_date IS NULL, due_date, id",
	[Q_TASK_DELETE] = "DELETE FROM tasks WHERE id = ?1",
	[Q_TASK_PRUNE] = "DELETE FROM tasks WHERE contact_id = ?1 AND "
	    "local = 0 AND id NOT IN (SELECT target_id FROM outbox WHERE "
	    "contact_id = ?1 AND status IN " CACHE_UNSENT " AND target_id IS NOT "
	    "NULL)",
	[Q_NOTE_UPSERT] = "INSERT INTO notes(id, contact_id, body, user_id, "
	    "title, color, date_added, pinned, raw, local) VALUES (?1, ?2, ?3, "
	    "?4, ?5, ?6, ?7, ?8, ?9, max(?10, 0)) ON CONFLICT(id) DO UPDATE "
	    "SET contact_id = excluded.contact_id, body = excluded.body, "
	    "user_id = excluded.user_id, title = excluded.title, "
	    "color = excluded.color, date_added = excluded.date_added, "
	    "pinned = excluded.pinned, raw = excluded.raw, "
	    "local = CASE WHEN ?10 < 0 THEN local ELSE ?10 END",
	[Q_NOTE_GET] = "SELECT id, contact_id, body, user_id, title, color, "
	    "date_added, pinned, raw, local FROM notes WHERE id = ?1",
	[Q_NOTE_LIST] = "SELECT id, contact_id, body, user_id, title, color, "
	    "date_added, pinned, raw, local FROM notes WHERE contact_id = ?1 "
	    "ORDER BY date_added IS NULL, date_added DESC, id",
	[Q_NOTE_DELETE] = "DELETE FROM notes WHERE id = ?1",
	[Q_NOTE_PRUNE] = "DELETE FROM notes WHERE contact_id = ?1 AND "
	    "local = 0 AND id NOT IN (SELECT target_id FROM outbox WHERE "
	    "contact_id = ?1 AND status IN " CACHE_UNSENT " AND target_id IS NOT "
	    "NULL)",
	[Q_APPT_UPSERT] = "INSERT OR REPLACE INTO appts(id, contact_id, "
	    "calendar_id, title, status, appointment_status, start_time, "
	    "end_time, address, notes, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
	    "?7, ?8, ?9, ?10, ?11)",
	[Q_APPT_LIST] = "SELECT id, contact_id, calendar_id, title, status, "
	    "appointment_status, start_time, end_time, address, notes, raw "
	    "FROM appts WHERE contact_id = ?1 "
	    "ORDER BY start_time IS NULL, start_time, id",
	[Q_APPT_DELETE] = "DELETE FROM appts WHERE id = ?1",
	[Q_APPT_CLEAR] = "DELETE FROM appts WHERE contact_id = ?1",
	[Q_PROTECTED] = "SELECT 1 FROM outbox WHERE target_id = ?1 AND "
	    "status IN " CACHE_UNSENT " LIMIT 1",
	[Q_ACTIVE_CONTACT] = "SELECT op, contact_id, target_id, payload FROM "
	    "outbox WHERE contact_id = ?1 AND status IN " CACHE_ACTIVE " AND op IN "
	    "('contact.update', 'contact.delete', 'tags.add', 'tags.remove') "
	    "ORDER BY id",
	[Q_ACTIVE_TARGET] = "SELECT op, contact_id, target_id, payload FROM "
	    "outbox WHERE target_id = ?1 AND status IN " CACHE_ACTIVE " AND op IN "
	    "('task.update', 'task.complete', 'task.reopen', 'task.delete', "
	    "'note.update', 'note.delete') ORDER BY id",
	[Q_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[Q_META_SET] = "INSERT INTO meta(key, value) VALUES (?1, ?2) "
	    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	[Q_META_DEL] = "DELETE FROM meta WHERE key = ?1",
	/* The next distinct tag: one index probe per known tag. */
	[Q_KNOWN_TAGS_GE] = "SELECT tag FROM contact_tags WHERE tag >= ?1 "
	    "COLLATE NOCASE ORDER BY tag COLLATE NOCASE LIMIT 1",
	[Q_KNOWN_TAGS] = "SELECT tag FROM contact_tags WHERE tag > ?1 "
	    "COLLATE NOCASE ORDER BY tag COLLATE NOCASE LIMIT 1",
	[Q_OB_INSERT] = "INSERT INTO outbox(op, contact_id, target_id, "
	    "payload, prev, status, attempts, created_at, updated_at, "
	    "next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?6, "
	    "?6, 0)",
	[Q_OB_GET] = "SELECT " OB_COLS " FROM outbox WHERE id = ?1",
	[Q_OB_LIST] = "SELECT " OB_COLS " FROM outbox WHERE "
	    "(?1 OR status <> 'done') ORDER BY id",
	[Q_OB_LIST_C] = "SELECT " OB_COLS " FROM outbox WHERE "
	    "contact_id = ?2 AND (?1 OR status <> 'done') ORDER BY id",
	[Q_OB_NEXT] = "SELECT " OB_COLS " FROM outbox o WHERE "
	    "o.status = 'pending' AND o.next_attempt_at <= ?1 AND "
	    "(?2 IS NULL OR o.contact_id = ?2) AND NOT EXISTS (SELECT 1 FROM "
	    "outbox p WHERE p.contact_id = o.contact_id AND p.id < o.id AND "
	    "p.status IN " CACHE_UNSENT ") ORDER BY o.id LIMIT 1",
	[Q_OB_NEXT_TIME] = "SELECT min(o.next_attempt_at) FROM outbox o WHERE "
	    "o.status = 'pending' AND (?1 IS NULL OR o.contact_id = ?1) AND "
	    "NOT EXISTS (SELECT 1 FROM outbox p WHERE p.contact_id = "
	    "o.contact_id AND p.id < o.id AND p.status IN " CACHE_UNSENT ")",
	[Q_OB_INFLIGHT] = "SELECT " OB_COLS " FROM outbox WHERE "
	    "status = 'inflight' ORDER BY id",
	[Q_OB_SET_STATUS] = "UPDATE outbox SET status = ?2, "
	    "attempts = attempts + ?3, error = ?4, next_attempt_at = ?5, "
	    "updated_at = ?6 WHERE id = ?1",
	[Q_OB_RETRY_ALL] = "UPDATE outbox SET status = 'pending', "
	    "next_attempt_at = 0, updated_at = ?1 WHERE status = 'failed'",
	[Q_OB_DELETE] = "DELETE FROM outbox WHERE id = ?1",
	[Q_OB_UNDO_PICK] = "SELECT " OB_COLS " FROM outbox WHERE "
	    "status = 'pending' AND attempts = 0 ORDER BY id DESC LIMIT 1",
	[Q_OB_COUNTS] = "SELECT (SELECT count(*) FROM outbox WHERE status IN "
	    CACHE_ACTIVE "), (SELECT count(*) FROM outbox WHERE status = 'failed')",
	[Q_OB_ANY_ACTIVE] = "SELECT EXISTS (SELECT 1 FROM outbox WHERE "
	    "status IN " CACHE_ACTIVE ")",
	[Q_OB_PRUNE] = "DELETE FROM outbox WHERE status = 'done' AND "
	    "updated_at < ?1",
	[Q_LOG_LAST] = "SELECT id, level, endpoint, http_status, message FROM "
	    "sync_log WHERE kind = ?1 AND contact_id IS ?2 ORDER BY id DESC "
	    "LIMIT 1",
	[Q_LOG_BUMP] = "UPDATE sync_log SET count = count + 1, last_at = ?2, "
	    "acknowledged = 0 WHERE id = ?1",
	[Q_LOG_INSERT] = "INSERT INTO sync_log(kind, level, contact_id, "
	    "endpoint, http_status, message, count, first_at, last_at) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?7)",
	[Q_LOG_TRIM] = "DELETE FROM sync_log WHERE id <= "
	    "(SELECT max(id) FROM sync_log) - 10000",
	[Q_LOG_LIST] = "SELECT id, kind, level, contact_id, endpoint, "
	    "http_status, message, count, first_at, last_at, acknowledged FROM "
	    "sync_log WHERE (?1 = 0 OR level = 'error') ORDER BY id DESC "
	    "LIMIT ?2",
	[Q_LOG_ACK] = "UPDATE sync_log SET acknowledged = 1 WHERE "
	    "acknowledged = 0",
	[Q_LOG_UNACKED] = "SELECT count(*) FROM sync_log WHERE "
	    "level = 'error' AND acknowledged = 0",
	[Q_USAGE_REC] = "INSERT INTO api_usage(endpoint, hour, count, n429, "
	    "errors, retries) VALUES (?1, ?2, 1, ?3, ?4, ?5) ON "
	    "CONFLICT(endpoint, hour) DO UPDATE SET count = count + 1, "
	    "n429 = n429 + excluded.n429, errors = errors + excluded.errors, "
	    "retries = retries + excluded.retries",
	[Q_USAGE_HEADERS] = "INSERT OR REPLACE INTO api_limits(one, "
	    "limit_daily, daily_remaining, interval_ms, max, remaining, at) "
	    "VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
	[Q_USAGE_DAYS] = "SELECT endpoint, hour / 24 AS day, sum(count), "
	    "sum(n429), sum(errors), sum(retries) FROM api_usage WHERE "
	    "hour >= ?1 AND hour <= ?2 GROUP BY endpoint, day "
	    "ORDER BY day DESC, endpoint",
	[Q_USAGE_HOURS] = "SELECT hour, sum(count), sum(n429), sum(errors), "
	    "sum(retries) FROM api_usage WHERE hour >= ?1 AND hour <= ?2 "
	    "GROUP BY hour",
	[Q_USAGE_LAST] = "SELECT limit_daily, daily_remaining, interval_ms, "
	    "max, remaining, at FROM api_limits WHERE one = 1",
	[Q_DATA_VERSION] = "PRAGMA data_version",
	[Q_MAX_RID] = "SELECT max(rid) FROM contacts",
};

/* ---- helpers ---- */

static void	 fts_pending_clear(struct cache *);
static int	 fts_flush(struct cache *, struct err *);

long long
cache_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
cache_dberr(struct cache *c, struct err *e, const char *what)
{
	return err_set(e, ERR_DB, "cache: %s: %s", what, sqlite3_errmsg(c->db));
}

sqlite3_stmt *
cache_stmt(struct cache *c, enum cache_q q, struct err *e)
{
	if (q == Q_OB_INSERT || q == Q_OB_SET_STATUS || q == Q_OB_RETRY_ALL)
		c->ob_any = -1;
	if (c->st[q] == NULL) {
		if (sqlite3_prepare_v3(c->db, sqls[q], -1,
		    SQLITE_PREPARE_PERSISTENT, &c->st[q], NULL) != SQLITE_OK) {
			cache_dberr(c, e, "prepare");
			c->st[q] = NULL;
			return NULL;
		}
		return c->st[q];
	}
	sqlite3_reset(c->st[q]);
	sqlite3_clear_bindings(c->st[q]);
	return c->st[q];
}

int
cache_exec_stmt(struct cache *c, sqlite3_stmt *st, struct err *e,
    const char *what)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		cache_dberr(c, e, what);
		sqlite3_reset(st);
		return ERR_DB;
	}
	sqlite3_reset(st);
	return 0;
}

void
cache_bind(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static void
bind_tri(sqlite3_stmt *st, int i, enum tri t)
{
	if (t == TRI_UNSET)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_int(st, i, t == TRI_TRUE);
}

char *
cache_col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? xstrdup((const char *)s) : NULL;
}

char *
cache_col_raw(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_BLOB)
		return rawz_unpack(sqlite3_column_blob(st, i),
		    (size_t)sqlite3_column_bytes(st, i));
	return cache_col(st, i);
}

void
cache_contact_pack(struct contact *ct)
{
	free(ct->rawz);
	ct->rawz = NULL;
	ct->rawz_len = 0;
	if (ct->raw != NULL)
		rawz_pack(ct->raw, strlen(ct->raw), &ct->rawz, &ct->rawz_len);
}

/*
 * A contact's raw JSON is stored packed (rawz.h: a blob, a third of the
 * size; 2,162 -> ~1,400 bytes a contact at 1M) when that is smaller, else
 * as text; cache_col_raw reads either.
 */
static void
bind_raw(sqlite3_stmt *st, int i, const char *raw)
{
	unsigned char *z;
	size_t n;

	if (raw != NULL && rawz_pack(raw, strlen(raw), &z, &n))
		sqlite3_bind_blob64(st, i, z, n, free);
	else
		cache_bind(st, i, raw);
}

enum tri
cache_col_tri(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return TRI_UNSET;
	return sqlite3_column_int(st, i) ? TRI_TRUE : TRI_FALSE;
}

/* A one-off statement with up to three text parameters. */
int
cache_run(struct cache *c, const char *sql, const char *a, const char *b,
    const char *d, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
		return cache_dberr(c, e, "prepare");
	if (sqlite3_bind_parameter_count(st) >= 1)
		cache_bind(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		cache_bind(st, 2, b);
	if (sqlite3_bind_parameter_count(st) >= 3)
		cache_bind(st, 3, d);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		rc = cache_dberr(c, e, "update");
	else
		rc = 0;
	sqlite3_finalize(st);
	return rc;
}

char *
cache_json_pairs(const char *k, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b, 0);
	buf_putc(&b, '{');
	va_start(ap, k);
	while (k != NULL) {
		const char *v = va_arg(ap, const char *);

		if (v != NULL) {
			char *qk = codec_quote(k), *qv = codec_quote(v);

			if (b.len > 1)
				buf_putc(&b, ',');
			buf_printf(&b, "%s:%s", qk, qv);
			free(qk);
			free(qv);
		}
		k = va_arg(ap, const char *);
	}
	va_end(ap);
	buf_putc(&b, '}');
	return buf_take(&b);
}

/* ["a","b"] */
static char *
tags_json(const struct strv *tags)
{
	struct buf b;

	buf_init(&b, 0);
	buf_putc(&b, '[');
	for (size_t i = 0; i < tags->n; i++) {
		char *q = codec_quote(tags->v[i]);

		if (i > 0)
			buf_putc(&b, ',');
		buf_puts(&b, q);
		free(q);
	}
	buf_putc(&b, ']');
	return buf_take(&b);
}

void
cache_tags_from_json(const char *json, struct strv *out)
{
	char *wrapped;

	out->v = NULL;
	out->n = 0;
	if (json == NULL)
		return;
	wrapped = xasprintf("{\"tags\":%s}", json);
	if (codec_tags_response(wrapped, strlen(wrapped), out, NULL) != 0) {
		out->v = NULL;
		out->n = 0;
	}
	free(wrapped);
}

/*
 * Fold one code point for sorting: ASCII and Latin-1/Latin Extended-A
 * letters to lower-case ASCII without accents, Greek and Cyrillic capitals
 * to lower case.  Returns the folded code point.
 */
static unsigned
fold_cp(unsigned cp)
{
	static const char latin[] =
	    "aaaaaaaceeeeiiii" "dnooooo\0ouuuuyts"	/* U+00C0 */
	    "aaaaaaaceeeeiiii" "dnooooo\0ouuuuyty"	/* U+00E0 */
	    "aaaaaaccccccccdd" "ddeeeeeeeeeegggg"	/* U+0100 */
	    "gggghhhhiiiiiiii" "iiiijjkkklllllll"	/* U+0120 */
	    "lllnnnnnnnnnoooo" "oooorrrrrrssssss"	/* U+0140 */
	    "sstttttttuuuuuuu" "uuuuwwyyyzzzzzzs";	/* U+0160 */

	if (cp >= 'A' && cp <= 'Z')
		return cp + 32;
	if (cp >= 0xC0 && cp <= 0x17F && latin[cp - 0xC0] != '\0')
		return (unsigned char)latin[cp - 0xC0];
	if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2)
		return cp + 32;
	if (cp >= 0x410 && cp <= 0x42F)
		return cp + 32;
	if (cp >= 0x400 && cp <= 0x40F)
		return cp + 80;
	return cp;
}

static void
put_utf8(struct buf *b, unsigned cp)
{
	char s[4];
	size_t n;

	if (cp < 0x80) {
		s[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		s[0] = (char)(0xC0 | (cp >> 6));
		s[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		s[0] = (char)(0xE0 | (cp >> 12));
		s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		s[0] = (char)(0xF0 | (cp >> 18));
		s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_append(b, s, n);
}

/*
 * The list's keyset: the display name folded (control characters dropped),
 * "\x01", the id.  "\x01" sorts below every kept character, so a name that
 * is a prefix of another sorts first and ties fall to the id.
 */
static char *
sort_key_make(const char *name, const char *id)
{
	const unsigned char *p = (const unsigned char *)name;
	struct buf b;

	buf_init(&b, 0);
	while (*p != '\0') {
		unsigned cp = *p;
		size_t n = 1;

		if (cp >= 0xC2 && cp <= 0xDF && (p[1] & 0xC0) == 0x80) {
			cp = ((cp & 0x1F) << 6) | (p[1] & 0x3F);
			n = 2;
		} else if (cp >= 0xE0 && cp <= 0xEF && (p[1] & 0xC0) == 0x80 &&
		    (p[2] & 0xC0) == 0x80) {
			cp = ((cp & 0x0F) << 12) | ((p[1] & 0x3Fu) << 6) |
			    (p[2] & 0x3F);
			n = 3;
		} else if (cp >= 0x80) {
			/* 4-byte or invalid: copied as is */
			buf_putc(&b, (char)*p);
			p++;
			continue;
		}
		p += n;
		if (cp < 0x20 || cp == 0x7F)
			continue;
		put_utf8(&b, fold_cp(cp));
	}
	buf_putc(&b, '\x01');
	buf_puts(&b, id);
	return buf_take(&b);
}

/* ---- open, close, transactions ---- */

static int
mkdirs(const char *path, struct err *e)
{
	char *dir = xstrdup(path), *slash;
	int rc = 0;

	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	for (char *p = dir + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char save = *p;

			*p = '\0';
			if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
				rc = err_set(e, ERR_IO, "cache: mkdir %s: %s",
				    dir, strerror(errno));
				break;
			}
			*p = save;
			if (save == '\0')
				break;
		}
	}
	free(dir);
	return rc;
}

static int
exec_sql(struct cache *c, const char *sql, struct err *e)
{
	char *msg = NULL;

	if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, ERR_DB, "cache %s: %s: %s", c->path, sql,
		    msg != NULL ? msg : sqlite3_errmsg(c->db));
		sqlite3_free(msg);
		return ERR_DB;
	}
	return 0;
}

/*
 * Tables whose rows are copies of the server's data, or counters of our
 * use of it: losing their last commits to a power cut costs a re-fetch,
 * never a user's write.  Any other table written (the outbox, the
 * mirror's maps, the live tables, the schema) makes close checkpoint.
 */
static const char *const refetchable[] = {
	"contacts", "contact_tags", "tasks", "notes", "appts", "counts",
	"api_usage", "api_limits", "sync_log", "meta",
};

/* sqlite3_set_authorizer callback: notes writes to local state.  Runs
 * when a statement is prepared, so it errs towards a checkpoint. */
static int
write_auth(void *arg, int action, const char *a, const char *b,
    const char *db, const char *trigger)
{
	struct cache *c = arg;
	size_t i;

	(void)b, (void)db, (void)trigger;
	switch (action) {
	case SQLITE_INSERT:
	case SQLITE_UPDATE:
	case SQLITE_DELETE:
		/* sqlite_master changes come with a CREATE, DROP or ALTER
		 * below; sqlite_sequence with the row that needed it. */
		if (a == NULL || strncmp(a, "contacts_fts", 12) == 0 ||
		    strncmp(a, "sqlite_", 7) == 0)
			break;
		for (i = 0; i < sizeof refetchable / sizeof *refetchable; i++)
			if (strcmp(a, refetchable[i]) == 0)
				break;
		if (i == sizeof refetchable / sizeof *refetchable)
			c->local_writes = 1;
		break;
	case SQLITE_CREATE_TABLE:
	case SQLITE_CREATE_INDEX:
	case SQLITE_CREATE_TRIGGER:
	case SQLITE_CREATE_VIEW:
	case SQLITE_CREATE_VTABLE:
	case SQLITE_DROP_TABLE:
	case SQLITE_DROP_INDEX:
	case SQLITE_DROP_TRIGGER:
	case SQLITE_DROP_VIEW:
	case SQLITE_DROP_VTABLE:
	case SQLITE_ALTER_TABLE:
		c->local_writes = 1;
		break;
	}
	return SQLITE_OK;
}

/*
 * Whether closing may leave the WAL to the next connection instead of
 * checkpointing it (two fsyncs and a page write each, ~3 ms of a 130 ms
 * one-contact sync).  Only when everything this connection wrote can be
 * fetched again (synchronous=NORMAL syncs the WAL only at a checkpoint,
 * so the checkpoint on close is what makes a user's write survive a power
 * cut) and the WAL is small: the next opener reads all of it to rebuild
 * its index (~2.4 ms more to open at 4 MB than empty; ~11 one-contact
 * syncs fit in 1 MB).  The WAL belongs with the database either way; the
 * next connection's checkpoint folds it in.
 */
#define CACHE_LAZY_WAL_MAX	(1L << 20)

static int
lazy_close(struct cache *c)
{
	struct stat sb;
	char *wal;
	int ok;

	if (c->local_writes || c->path == NULL ||
	    strcmp(c->path, ":memory:") == 0)
		return 0;
	wal = xasprintf("%s-wal", c->path);
	ok = stat(wal, &sb) == 0 && sb.st_size <= CACHE_LAZY_WAL_MAX;
	free(wal);
	return ok;
}

/*
 * Once per process, before SQLite initialises: no memory statistics.
 * With them every sqlite3_malloc and sqlite3_free takes a global mutex;
 * they cost the full sync's writer thread ~8% of its instructions and
 * nothing here reads them.
 */
static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT;

static void
sqlite_setup(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int
cache_open(struct cache **cp, const char *path, struct err *e)
{
	struct cache *c;
	int rc, memory = strcmp(path, ":memory:") == 0;

	*cp = NULL;
	if (!memory) {
		int fd;

		rc = mkdirs(path, e);
		if (rc)
			return rc;
		/*
		 * Create it 0600 ourselves: SQLite would honour the umask.
		 * Only when it does not exist yet: closing any descriptor of
		 * a file drops every POSIX lock this process holds on it, so
		 * opening an existing cache this way would silently unlock
		 * the process's other connections to it (another process
		 * could then checkpoint away the WAL they still read).
		 */
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			return err_set(e, ERR_IO, "cache: open %s: %s", path,
			    strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	pthread_once(&sqlite_once, sqlite_setup);
	c = xcalloc(1, sizeof *c);
	c->path = xstrdup(path);
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		rc = err_set(e, ERR_DB, "cache: open %s: %s", path,
		    c->db != NULL ? sqlite3_errmsg(c->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, 5000);
	sqlite3_set_authorizer(c->db, write_auth, c);
	/*
	 * A contact row is ~1.5 KB (its raw JSON): two fit in a 4 KB page
	 * and a quarter of the table was empty space.  8 KB pages hold five
	 * (2,520 -> 2,132 bytes a contact at 100k).  Only a new file takes
	 * it (before WAL mode writes the header); an old one keeps its size.
	 */
	rc = exec_sql(c, "PRAGMA page_size = 8192", e);
	if (rc == 0)
		rc = exec_sql(c, "PRAGMA foreign_keys = ON", e);
	if (rc == 0 && !memory)
		rc = exec_sql(c, "PRAGMA journal_mode = WAL", e);
	if (rc == 0)
		rc = exec_sql(c, "PRAGMA synchronous = NORMAL", e);
	/* Up to 16 MB of page cache, sorts in memory.  Bounded so that a
	 * browser over a million contacts stays small (issue 6: RSS). */
	if (rc == 0)
		rc = exec_sql(c, "PRAGMA cache_size = -16384", e);
	if (rc == 0)
		rc = exec_sql(c, "PRAGMA temp_store = MEMORY", e);
	/* No memory-mapped I/O: mapped pages of a multi-GB file count in
	 * the process's RSS; reads go through the page cache above. */
	if (rc == 0 && !memory)
		rc = exec_sql(c, "PRAGMA mmap_size = 0", e);
	/* A WAL grown by a bulk sync (cache_bulk) is cut back when reset. */
	if (rc == 0 && !memory)
		rc = exec_sql(c, "PRAGMA journal_size_limit = 16777216", e);
	if (rc)
		goto fail;
	rc = cache_schema_migrate(c->db, path, e);
	if (rc)
		goto fail;
	*cp = c;
	return 0;
fail:
	cache_close(c);
	return rc;
}

void
cache_close(struct cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < Q__COUNT; i++)
		sqlite3_finalize(c->st[i]);
	for (size_t i = 0; i < CACHE_LIST_SLOTS; i++)
		sqlite3_finalize(c->lst[i]);
	if (c->db != NULL && c->depth > 0 && !sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	/*
	 * SQLite checkpoints on close only in the last connection to the
	 * file, which may be a lazy one: a user's write is synced and copied
	 * into the database by its own connection first.
	 */
	if (c->db != NULL && c->local_writes)
		sqlite3_wal_checkpoint_v2(c->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	else if (c->db != NULL && lazy_close(c))
		sqlite3_db_config(c->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1,
		    NULL);
	sqlite3_close(c->db);
	fts_pending_clear(c);
	free(c->fp);
	free(c->fh);
	free(c->cnt_key);
	free(c->fcnt_key);
	free(c->path);
	free(c);
}

int
cache_begin(struct cache *c, struct err *e)
{
	int rc;

	/*
	 * Inner levels are not savepoints: FTS5 flushes its pending terms at
	 * every savepoint, which would make a page of puts ten times slower.
	 */
	if (c->depth > 0) {
		c->depth++;
		return 0;
	}
	rc = exec_sql(c, "BEGIN IMMEDIATE", e);
	if (rc)
		return rc;
	c->depth = 1;
	c->doomed = 0;
	c->ob_any = -1;
	return 0;
}

int
cache_commit(struct cache *c, struct err *e)
{
	int rc;

	if (c->depth == 0)
		return err_set(e, ERR_DB, "cache: commit without begin");
	if (c->depth > 1) {
		c->depth--;
		return 0;
	}
	if (c->doomed) {
		cache_rollback(c);
		return err_set(e, ERR_DB, "cache %s: transaction rolled back: "
		    "a step inside it failed", c->path);
	}
	rc = fts_flush(c, e);
	if (rc) {
		cache_rollback(c);
		return rc;
	}
	rc = exec_sql(c, "COMMIT", e);
	if (rc && !sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	c->depth = 0;
	return rc;
}

void
cache_rollback(struct cache *c)
{
	if (c->depth == 0)
		return;
	if (c->depth > 1) {
		c->depth--;
		c->doomed = 1;
		return;
	}
	for (size_t i = 0; i < CACHE_LIST_SLOTS; i++)
		if (c->lst[i] != NULL)
			sqlite3_reset(c->lst[i]);
	for (size_t i = 0; i < Q__COUNT; i++)
		if (c->st[i] != NULL)
			sqlite3_reset(c->st[i]);
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	fts_pending_clear(c);
	c->depth = 0;
	c->doomed = 0;
}

void
cache_small(struct cache *c)
{
	/* 4 MB: the browser's reads are a few pages a screen, and the
	 * list and search keep their own 2 MB while they run. */
	exec_sql(c, "PRAGMA cache_size = -4096", NULL);
}

void
cache_bulk(struct cache *c, int on)
{
	/*
	 * A full sync writes hundreds of megabytes.  Checkpointing at 64 MB
	 * of WAL instead of SQLite's 4 MB copies the pages that every commit
	 * rewrites (b-tree interiors, the FTS index) back once instead of
	 * sixteen times, with a sixteenth of the fsyncs.  Off: back to the
	 * default, and a checkpoint that does not wait for readers.
	 */
	exec_sql(c, on ? "PRAGMA wal_autocheckpoint = 16384" :
	    "PRAGMA wal_autocheckpoint = 1000", NULL);
	/*
	 * And a 64 MB page cache while it runs: past a few hundred thousand
	 * contacts the indexes outgrow 16 MB and every insert re-reads their
	 * pages (300,000 contacts: 45.1 -> 38.0 s; 128 MB: 37.3 s).  The
	 * connection's own size comes back after.
	 */
	if (on && c->bulk_cache == 0) {
		sqlite3_stmt *st = NULL;

		if (sqlite3_prepare_v2(c->db, "PRAGMA cache_size", -1, &st,
		    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
			c->bulk_cache = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (c->bulk_cache != 0)
			exec_sql(c, "PRAGMA cache_size = -65536", NULL);
	} else if (!on && c->bulk_cache != 0) {
		char q[64];

		snprintf(q, sizeof q, "PRAGMA cache_size = %lld",
		    c->bulk_cache);
		exec_sql(c, q, NULL);
		c->bulk_cache = 0;
	}
	if (!on)
		sqlite3_wal_checkpoint_v2(c->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

struct sqlite3 *
cache_sqlite(struct cache *c)
{
	return c->db;
}

int
cache_depth(const struct cache *c)
{
	return c->depth;
}

/* ---- contacts: rows ---- */

int
cache_contact_state(struct cache *c, const char *id, struct contact_state *out,
    struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof *out);
	st = cache_stmt(c, Q_CONTACT_FIND, e);
	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->rid = sqlite3_column_int64(st, 0);
		out->synced_at = sqlite3_column_int64(st, 1);
		out->deleted = sqlite3_column_int(st, 2);
		out->local = sqlite3_column_int(st, 3);
		out->raw = cache_col_raw(st, 4);
		out->tags = cache_col(st, 5);
		out->dname = cache_col(st, 6);
		out->email = cache_col(st, 7);
		out->phone = cache_col(st, 8);
		out->company = cache_col(st, 9);
		out->sort_key = cache_col(st, 10);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOTFOUND, "contact %s is not in the cache",
		    id);
	} else {
		rc = cache_dberr(c, e, "contact lookup");
	}
	sqlite3_reset(st);
	return rc;
}

void
cache_contact_state_free(struct contact_state *s)
{
	free(s->raw);
	free(s->tags);
	free(s->dname);
	free(s->email);
	free(s->phone);
	free(s->company);
	free(s->sort_key);
	memset(s, 0, sizeof *s);
}

/*
 * The phone column's FTS text; the same as contacts_fts_src computes:
 * the phone, its digits (without "+-() ." ) and, for +1 and ten digits,
 * the number without the 1 and its last seven.
 */
static char *
phone_keys(const char *phone)
{
	struct buf b, d;
	size_t nchars = 0;

	buf_init(&b, 0);
	buf_init(&d, 0);
	for (const char *p = phone != NULL ? phone : ""; *p != '\0'; p++) {
		if (strchr("+-() .", *p) != NULL)
			continue;
		buf_putc(&d, *p);
		if ((*p & 0xC0) != 0x80)
			nchars++;
	}
	buf_puts(&b, phone != NULL ? phone : "");
	buf_putc(&b, ' ');
	buf_puts(&b, buf_str(&d));
	if (nchars == 11 && d.len == 11 && d.data[0] == '1') {
		buf_putc(&b, ' ');
		buf_puts(&b, d.data + 1);
		buf_putc(&b, ' ');
		buf_puts(&b, d.data + 4);
	}
	buf_free(&d);
	return buf_take(&b);
}

/* Add (Q_FTS_ADD) or remove (Q_FTS_DEL) a contact's index entry. */
static int
fts_entry(struct cache *c, enum cache_q q, long long rid, const char *dname,
    const char *email, const char *phone, const char *company,
    const char *tags, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, q, e);
	char *keys;
	int rc;

	if (st == NULL)
		return ERR_DB;
	keys = phone_keys(phone);
	sqlite3_bind_int64(st, 1, rid);
	cache_bind(st, 2, dname);
	cache_bind(st, 3, email);
	cache_bind(st, 4, keys);
	cache_bind(st, 5, company);
	cache_bind(st, 6, tags);
	rc = cache_exec_stmt(c, st, e, "search index");
	free(keys);
	return rc;
}

static void
fts_pending_clear(struct cache *c)
{
	for (size_t i = 0; i < c->nfp; i++) {
		struct cache_fts_pending *p = &c->fp[i];

		free(p->dname);
		free(p->email);
		free(p->phone);
		free(p->company);
		free(p->tags);
	}
	c->nfp = 0;
	if (c->fh != NULL)
		memset(c->fh, 0, c->fhcap * sizeof *c->fh);
}

static size_t
fts_slot(const struct cache *c, long long rid)
{
	unsigned long long h = (unsigned long long)rid * 0x9E3779B97F4A7C15ULL;
	size_t i = (size_t)(h >> 32) & (c->fhcap - 1);

	while (c->fh[i] != 0 && c->fp[c->fh[i] - 1].rid != rid)
		i = (i + 1) & (c->fhcap - 1);
	return i;
}

/*
 * Note that contact rid's index entry must be rewritten; old holds the
 * row as it is now (NULL for a new row; a deleted row has no entry).  The
 * first call per rid in a transaction wins: the index still holds that
 * row's values.
 */
static int
fts_queue(struct cache *c, long long rid, const struct contact_state *old,
    struct err *e)
{
	struct cache_fts_pending *p;
	size_t i;

	if (c->nfp + 1 > c->fhcap / 2) {
		size_t ncap = c->fhcap ? c->fhcap * 2 : 1024;

		free(c->fh);
		c->fh = xcalloc(ncap, sizeof *c->fh);
		c->fhcap = ncap;
		for (size_t k = 0; k < c->nfp; k++)
			c->fh[fts_slot(c, c->fp[k].rid)] = k + 1;
	}
	i = fts_slot(c, rid);
	if (c->fh[i] != 0)
		return 0;
	if (c->nfp == c->capfp) {
		c->capfp = c->capfp ? c->capfp * 2 : 64;
		c->fp = xreallocarray(c->fp, c->capfp, sizeof *c->fp);
	}
	p = &c->fp[c->nfp++];
	memset(p, 0, sizeof *p);
	p->rid = rid;
	if (old != NULL && !old->deleted) {
		p->had_old = 1;
		p->dname = xstrdup0(old->dname);
		p->email = xstrdup0(old->email);
		p->phone = xstrdup0(old->phone);
		p->company = xstrdup0(old->company);
		p->tags = xstrdup0(old->tags);
	}
	c->fh[i] = c->nfp;
	if (c->depth == 0)
		return fts_flush(c, e);
	return 0;
}

/* Apply the queued index changes (before the outermost COMMIT). */
static int
fts_flush(struct cache *c, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (c->nfp == 0)
		return 0;
	if (sqlite3_prepare_v2(c->db, "SELECT dname, email, phone, company, "
	    "tags FROM contacts WHERE rid = ?1 AND deleted = 0", -1, &st,
	    NULL) != SQLITE_OK) {
		fts_pending_clear(c);
		return cache_dberr(c, e, "search index");
	}
	for (size_t i = 0; rc == 0 && i < c->nfp; i++) {
		struct cache_fts_pending *p = &c->fp[i];
		int step;

		if (p->had_old)
			rc = fts_entry(c, Q_FTS_DEL, p->rid, p->dname, p->email,
			    p->phone, p->company, p->tags, e);
		if (rc)
			break;
		sqlite3_bind_int64(st, 1, p->rid);
		step = sqlite3_step(st);
		if (step == SQLITE_ROW)
			rc = fts_entry(c, Q_FTS_ADD, p->rid,
			    (const char *)sqlite3_column_text(st, 0),
			    (const char *)sqlite3_column_text(st, 1),
			    (const char *)sqlite3_column_text(st, 2),
			    (const char *)sqlite3_column_text(st, 3),
			    (const char *)sqlite3_column_text(st, 4), e);
		else if (step != SQLITE_DONE)
			rc = cache_dberr(c, e, "search index");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	fts_pending_clear(c);
	return rc;
}

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
cache_contact_purge(struct cache *c, const char *id, struct err *e)
{
	struct contact_state s;
	sqlite3_stmt *st;
	int rc;

	rc = cache_contact_state(c, id, &s, e);
	if (rc)
		return rc == ERR_NOTFOUND ? 0 : rc;
	rc = fts_queue(c, s.rid, &s, e);
	if (rc == 0) {
		st = cache_stmt(c, Q_CONTACT_PURGE, e);
		if (st == NULL)
			rc = ERR_DB;
		else {
			sqlite3_bind_int64(st, 1, s.rid);
			rc = cache_exec_stmt(c, st, e, "delete contact");
		}
	}
	cache_contact_state_free(&s);
	return rc;
}

/* A raw object for a contact that came without one. */
static char *
contact_synth_raw(const struct contact *ct)
{
	char *body = codec_contact_body(ct, ct->location_id);
	char *extra = cache_json_pairs("id", ct->id, "dateAdded",
	    ct->date_added, "dateUpdated", ct->date_updated, (char *)NULL);
	char *raw = codec_merge(body, extra);

	free(body);
	free(extra);
	return raw != NULL ? raw : xstrdup("{}");
}

/* The contact's rows in contact_tags (one per tag, case-insensitively). */
static int
write_tags(struct cache *c, long long rid, int clear, const struct strv *tags,
    const char *sort_key, struct err *e)
{
	sqlite3_stmt *st;
	int rc;

	if (clear) {
		st = cache_stmt(c, Q_TAGS_CLEAR, e);
		if (st == NULL)
			return ERR_DB;
		sqlite3_bind_int64(st, 1, rid);
		rc = cache_exec_stmt(c, st, e, "clear tags");
		if (rc)
			return rc;
	}
	for (size_t i = 0; tags != NULL && i < tags->n; i++) {
		int dup = 0;

		for (size_t j = 0; j < i && !dup; j++)
			dup = strcasecmp(tags->v[i], tags->v[j]) == 0;
		if (dup)
			continue;
		st = cache_stmt(c, Q_TAG_INSERT, e);
		if (st == NULL)
			return ERR_DB;
		sqlite3_bind_int64(st, 1, rid);
		sqlite3_bind_int64(st, 2, (long long)i);
		cache_bind(st, 3, tags->v[i]);
		cache_bind(st, 4, sort_key);
		rc = cache_exec_stmt(c, st, e, "insert tag");
		if (rc)
			return rc;
	}
	return 0;
}

/* The row of ct->id written over old, its current state (NULL: a new
 * row).  cache_contact_write without the lookup. */
static int
contact_write(struct cache *c, const struct contact *ct, const char *raw,
    long long synced_at, int local, const struct contact_state *oldp,
    struct err *e)
{
	static const struct contact_state none;
	const struct contact_state *old = oldp != NULL ? oldp : &none;
	char namebuf[512], *tagsjson = NULL, *synth = NULL, *key = NULL;
	const char *dname;
	sqlite3_stmt *st;
	long long rid;
	int rc, exists = oldp != NULL;

	if (raw == NULL)
		raw = synth = contact_synth_raw(ct);
	tagsjson = tags_json(&ct->tags);
	dname = contact_display_name(ct, namebuf, sizeof namebuf);
	key = sort_key_make(dname, ct->id);
	st = cache_stmt(c, exists ? Q_CONTACT_UPDATE : Q_CONTACT_INSERT, e);
	if (st == NULL) {
		rc = ERR_DB;
		goto out;
	}
	cache_bind(st, 1, ct->id);
	cache_bind(st, 2, ct->location_id);
	cache_bind(st, 3, ct->first_name);
	cache_bind(st, 4, ct->last_name);
	cache_bind(st, 5, ct->name);
	cache_bind(st, 6, dname);
	cache_bind(st, 7, ct->email);
	cache_bind(st, 8, ct->phone);
	cache_bind(st, 9, ct->company_name);
	cache_bind(st, 10, tagsjson);
	bind_tri(st, 11, ct->dnd);
	cache_bind(st, 12, ct->date_added);
	cache_bind(st, 13, ct->date_updated);
	if (raw == ct->raw && ct->rawz != NULL)
		sqlite3_bind_blob64(st, 14, ct->rawz, ct->rawz_len,
		    SQLITE_STATIC);
	else
		bind_raw(st, 14, raw);
	if (synced_at > 0)
		sqlite3_bind_int64(st, 15, synced_at);
	sqlite3_bind_int(st, 16, local);
	cache_bind(st, 17, key);
	if (exists)
		sqlite3_bind_int64(st, 18, old->rid);
	rc = cache_exec_stmt(c, st, e, exists ? "update contact" :
	    "insert contact");
	if (rc)
		goto out;
	rid = exists ? old->rid : sqlite3_last_insert_rowid(c->db);
	if (exists && old->deleted) {
		st = cache_stmt(c, Q_CONTACT_UNDELETE, e);
		if (st == NULL) {
			rc = ERR_DB;
			goto out;
		}
		sqlite3_bind_int64(st, 1, rid);
		rc = cache_exec_stmt(c, st, e, "undelete contact");
	} else if (!exists) {
		st = cache_stmt(c, Q_COUNT_INSERT, e);
		rc = st != NULL ? cache_exec_stmt(c, st, e, "count contact") :
		    ERR_DB;
	}
	if (rc)
		goto out;
	if (!exists)
		rc = fts_queue(c, rid, NULL, e);
	else if (old->deleted || !(same(old->dname, dname) &&
	    same(old->email, ct->email) && same(old->phone, ct->phone) &&
	    same(old->company, ct->company_name) && same(old->tags, tagsjson)))
		rc = fts_queue(c, rid, old, e);
	if (rc == 0 && (!exists || old->deleted || !same(old->tags, tagsjson) ||
	    !same(old->sort_key, key)))
		rc = write_tags(c, rid, exists, &ct->tags, key, e);
out:
	if (rc)
		err_prefix(e, "contact %s", ct->id);
	free(tagsjson);
	free(synth);
	free(key);
	return rc;
}

int
cache_contact_write(struct cache *c, const struct contact *ct,
    const char *raw, long long synced_at, int local, struct err *e)
{
	struct contact_state old;
	int rc;

	if (ct->id == NULL || ct->id[0] == '\0')
		return err_set(e, ERR_INVALID, "cache: contact without an id");
	rc = cache_contact_state(c, ct->id, &old, e);
	if (rc && rc != ERR_NOTFOUND)
		return rc;
	rc = contact_write(c, ct, raw, synced_at, local, rc == 0 ? &old : NULL,
	    e);
	cache_contact_state_free(&old);
	return rc;
}

int
cache_contact_set_deleted(struct cache *c, const char *id, int deleted,
    struct err *e)
{
	struct contact_state s;
	sqlite3_stmt *st;
	int rc;

	rc = cache_contact_state(c, id, &s, e);
	if (rc)
		return rc;
	st = cache_stmt(c, Q_CONTACT_DELETED, e);
	if (st == NULL) {
		rc = ERR_DB;
		goto out;
	}
	cache_bind(st, 1, id);
	sqlite3_bind_int(st, 2, deleted);
	rc = cache_exec_stmt(c, st, e, "mark contact deleted");
	if (rc)
		goto out;
	if (deleted == s.deleted)
		goto out;
	/* Deleted contacts have no tags rows and no search entry. */
	rc = fts_queue(c, s.rid, &s, e);
	if (rc)
		goto out;
	if (deleted) {
		rc = write_tags(c, s.rid, 1, NULL, NULL, e);
	} else {
		struct strv tags;

		cache_tags_from_json(s.tags, &tags);
		rc = write_tags(c, s.rid, 1, &tags, s.sort_key, e);
		strv_free(&tags);
	}
out:
	cache_contact_state_free(&s);
	return rc;
}

/* ---- pull side ---- */

int
cache_put_contact(struct cache *c, const struct contact *ct,
    long long synced_at_ms, struct err *e)
{
	struct contact_state old;
	struct contact merged_ct;
	char *merged = NULL;
	long long synced = synced_at_ms;
	int rc, local = 0, exists;

	memset(&merged_ct, 0, sizeof merged_ct);
	if (ct->id == NULL || ct->id[0] == '\0')
		return err_set(e, ERR_INVALID, "cache: contact without an id");
	rc = cache_begin(c, e);
	if (rc)
		return rc;
	rc = cache_contact_state(c, ct->id, &old, e);
	if (rc && rc != ERR_NOTFOUND)
		goto out;
	exists = rc == 0;
	if (exists) {
		local = old.local;
		if (synced_at_ms <= 0)
			synced = old.synced_at;
		/* A list item or webhook: keep the fields it lacks. */
		if (synced_at_ms <= 0 && old.raw != NULL && ct->raw != NULL &&
		    strcmp(old.raw, ct->raw) != 0) {
			merged = codec_merge(old.raw, ct->raw);
			if (merged != NULL && codec_contact(merged,
			    strlen(merged), &merged_ct, NULL) == 0) {
				free(merged_ct.id);
				merged_ct.id = xstrdup(ct->id);
			} else {
				free(merged);
				merged = NULL;
			}
		}
	}
	if (merged != NULL)
		rc = contact_write(c, &merged_ct, merged, synced, local,
		    exists ? &old : NULL, e);
	else
		rc = contact_write(c, ct, ct->raw, synced, local,
		    exists ? &old : NULL, e);
	cache_contact_state_free(&old);
	if (rc == 0)
		rc = cache_rebase_contact(c, ct->id, e);
out:
	contact_free(&merged_ct);
	free(merged);
	if (rc) {
		cache_rollback(c);
		return rc;
	}
	return cache_commit(c, e);
}

int
cache_contact_mark_deleted(struct cache *c, const char *id, struct err *e)
{
	int rc = cache_contact_set_deleted(c, id, 1, e);

	return rc == ERR_NOTFOUND ? 0 : rc;
}

int
cache_task_write(struct cache *c, const struct task *t, const char *cid,
    int local, struct err *e)
{
	sqlite3_stmt *st;
	char *synth = NULL;
	const char *raw = t->raw;
	int rc;

	if (t->id == NULL || cid == NULL)
		return err_set(e, ERR_INVALID, "cache: task without %s",
		    t->id == NULL ? "an id" : "a contact id");
	if (raw == NULL) {
		char *body = codec_task_body(t);
		char *extra = cache_json_pairs("id", t->id, "contactId", cid,
		    (char *)NULL);

		synth = codec_merge(body, extra);
		free(body);
		free(extra);
		raw = synth;
	}
	st = cache_stmt(c, Q_TASK_UPSERT, e);
	if (st == NULL) {
		free(synth);
		return ERR_DB;
	}
	cache_bind(st, 1, t->id);
	cache_bind(st, 2, cid);
	cache_bind(st, 3, t->title);
	cache_bind(st, 4, t->body);
	cache_bind(st, 5, t->assigned_to);
	cache_bind(st, 6, t->due_date);
	bind_tri(st, 7, t->completed);
	cache_bind(st, 8, raw);
	sqlite3_bind_int(st, 9, local);
	rc = cache_exec_stmt(c, st, e, "write task");
	if (rc)
		err_prefix(e, "task %s", t->id);
	free(synth);
	return rc;
}

int
cache_note_write(struct cache *c, const struct note *n, const char *cid,
    int local, struct err *e)
{
	sqlite3_stmt *st;
	char *synth = NULL;
	const char *raw = n->raw;
	int rc;

	if (n->id == NULL || cid == NULL)
		return err_set(e, ERR_INVALID, "cache: note without %s",
		    n->id == NULL ? "an id" : "a contact id");
	if (raw == NULL) {
		char *body = codec_note_body(n);
		char *extra = cache_json_pairs("id", n->id, "contactId", cid,
		    "dateAdded", n->date_added, (char *)NULL);

		synth = codec_merge(body, extra);
		free(body);
		free(extra);
		raw = synth;
	}
	st = cache_stmt(c, Q_NOTE_UPSERT, e);
	if (st == NULL) {
		free(synth);
		return ERR_DB;
	}
	cache_bind(st, 1, n->id);
	cache_bind(st, 2, cid);
	cache_bind(st, 3, n->body);
	cache_bind(st, 4, n->user_id);
	cache_bind(st, 5, n->title);
	cache_bind(st, 6, n->color);
	cache_bind(st, 7, n->date_added);
	bind_tri(st, 8, n->pinned);
	cache_bind(st, 9, raw);
	sqlite3_bind_int(st, 10, local);
	rc = cache_exec_stmt(c, st, e, "write note");
	if (rc)
		err_prefix(e, "note %s", n->id);
	free(synth);
	return rc;
}

static int
appt_write(struct cache *c, const struct appt *a, const char *cid,
    struct err *e)
{
	sqlite3_stmt *st;

	if (a->id == NULL || cid == NULL)
		return err_set(e, ERR_INVALID, "cache: appointment without %s",
		    a->id == NULL ? "an id" : "a contact id");
	st = cache_stmt(c, Q_APPT_UPSERT, e);
	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, a->id);
	cache_bind(st, 2, cid);
	cache_bind(st, 3, a->calendar_id);
	cache_bind(st, 4, a->title);
	cache_bind(st, 5, a->status);
	cache_bind(st, 6, a->appointment_status);
	cache_bind(st, 7, a->start_time);
	cache_bind(st, 8, a->end_time);
	cache_bind(st, 9, a->address);
	cache_bind(st, 10, a->notes);
	cache_bind(st, 11, a->raw);
	return cache_exec_stmt(c, st, e, "write appointment");
}

/* 1 when an unsent outbox entry targets id. */
static int
is_protected(struct cache *c, const char *id, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_PROTECTED, e);
	int rc;

	if (st == NULL)
		return -1;
	cache_bind(st, 1, id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return cache_dberr(c, e, "outbox lookup"), -1;
	return rc == SQLITE_ROW;
}

static int
prune_children(struct cache *c, enum cache_q q, const char *cid,
    struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, q, e);

	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, cid);
	return cache_exec_stmt(c, st, e, "prune children");
}

int
cache_replace_tasks(struct cache *c, const char *cid, const struct task *v,
    size_t n, struct err *e)
{
	int rc, p;

	rc = cache_begin(c, e);
	if (rc)
		return rc;
	rc = prune_children(c, Q_TASK_PRUNE, cid, e);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		p = is_protected(c, v[i].id, e);
		if (p < 0) {
			rc = ERR_DB;
			break;
		}
		rc = cache_task_write(c, &v[i], v[i].contact_id != NULL ?
		    v[i].contact_id : cid, 0, e);
		if (rc == 0 && p)
			rc = cache_rebase_target(c, v[i].id, e);
	}
	if (rc) {
		cache_rollback(c);
		err_prefix(e, "contact %s: tasks", cid);
		return rc;
	}
	return cache_commit(c, e);
}

int
cache_replace_notes(struct cache *c, const char *cid, const struct note *v,
    size_t n, struct err *e)
{
	int rc, p;

	rc = cache_begin(c, e);
	if (rc)
		return rc;
	rc = prune_children(c, Q_NOTE_PRUNE, cid, e);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		p = is_protected(c, v[i].id, e);
		if (p < 0) {
			rc = ERR_DB;
			break;
		}
		rc = cache_note_write(c, &v[i], v[i].contact_id != NULL ?
		    v[i].contact_id : cid, 0, e);
		if (rc == 0 && p)
			rc = cache_rebase_target(c, v[i].id, e);
	}
	if (rc) {
		cache_rollback(c);
		err_prefix(e, "contact %s: notes", cid);
		return rc;
	}
	return cache_commit(c, e);
}

int
cache_replace_appts(struct cache *c, const char *cid, const struct appt *v,
    size_t n, struct err *e)
{
	int rc;

	rc = cache_begin(c, e);
	if (rc)
		return rc;
	rc = prune_children(c, Q_APPT_CLEAR, cid, e);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = appt_write(c, &v[i], v[i].contact_id != NULL ?
		    v[i].contact_id : cid, e);
	if (rc) {
		cache_rollback(c);
		err_prefix(e, "contact %s: appointments", cid);
		return rc;
	}
	return cache_commit(c, e);
}

int
cache_put_task(struct cache *c, const struct task *t, struct err *e)
{
	int rc;

	if (t->contact_id == NULL)
		return err_set(e, ERR_INVALID, "cache: task %s without a "
		    "contact id", t->id != NULL ? t->id : "(null)");
	rc = cache_begin(c, e);
	if (rc)
		return rc;
	rc = cache_task_write(c, t, t->contact_id, 0, e);
	if (rc == 0)
		rc = cache_rebase_target(c, t->id, e);
	if (rc) {
		cache_rollback(c);
		return rc;
	}
	return cache_commit(c, e);
}

int
cache_put_note(struct cache *c, const struct note *n, struct err *e)
{
	int rc;

	if (n->contact_id == NULL)
		return err_set(e, ERR_INVALID, "cache: note %s without a "
		    "contact id", n->id != NULL ? n->id : "(null)");
	rc = cache_begin(c, e);
	if (rc)
		return rc;
	rc = cache_note_write(c, n, n->contact_id, 0, e);
	if (rc == 0)
		rc = cache_rebase_target(c, n->id, e);
	if (rc) {
		cache_rollback(c);
		return rc;
	}
	return cache_commit(c, e);
}

int
cache_put_appt(struct cache *c, const struct appt *a, struct err *e)
{
	if (a->contact_id == NULL)
		return err_set(e, ERR_INVALID, "cache: appointment %s without "
		    "a contact id", a->id != NULL ? a->id : "(null)");
	return appt_write(c, a, a->contact_id, e);
}

static int
delete_by_id(struct cache *c, enum cache_q q, const char *id, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, q, e);

	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, id);
	return cache_exec_stmt(c, st, e, "delete");
}

int
cache_delete_task(struct cache *c, const char *id, struct err *e)
{
	return delete_by_id(c, Q_TASK_DELETE, id, e);
}

int
cache_delete_note(struct cache *c, const char *id, struct err *e)
{
	return delete_by_id(c, Q_NOTE_DELETE, id, e);
}

int
cache_delete_appt(struct cache *c, const char *id, struct err *e)
{
	return delete_by_id(c, Q_APPT_DELETE, id, e);
}

/* ---- meta ---- */

int
cache_meta_get(struct cache *c, const char *key, char **value, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_META_GET, e);
	int rc;

	*value = NULL;
	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*value = cache_col(st, 0);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOTFOUND, "cache: meta %s is not set", key);
	} else {
		rc = cache_dberr(c, e, "meta get");
	}
	sqlite3_reset(st);
	return rc;
}

int
cache_meta_set(struct cache *c, const char *key, const char *value,
    struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, value != NULL ? Q_META_SET :
	    Q_META_DEL, e);

	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, key);
	if (value != NULL)
		cache_bind(st, 2, value);
	return cache_exec_stmt(c, st, e, "meta set");
}
