/*
 * cache.c: the SQLite cache (cache.h): opening, transactions, the table of
 * prepared statements, the pull side (contacts and their children), the
 * read side (contact list with keyset paging and FTS5 search), meta, the
 * sync log and API usage.  The outbox and local writes are in
 * cache_outbox.c; the schema in cache_schema.c.
 */
#include "config.h"
#include "cache.h"

#include <errno.h>
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
#include "xmalloc.h"

#define OB_COLS "id, op, contact_id, target_id, payload, prev, status, " \
	"attempts, error, created_at, updated_at, next_attempt_at"
#define ACTIVE "('pending', 'inflight')"
#define UNSENT "('pending', 'inflight', 'failed')"

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
	    "local = ?16, sort_key = ?17, deleted = 0 WHERE rid = ?18",
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
	    "contact_id = ?1 AND status IN " UNSENT " AND target_id IS NOT "
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
	    "contact_id = ?1 AND status IN " UNSENT " AND target_id IS NOT "
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
	    "status IN " UNSENT " LIMIT 1",
	[Q_ACTIVE_CONTACT] = "SELECT op, contact_id, target_id, payload FROM "
	    "outbox WHERE contact_id = ?1 AND status IN " ACTIVE " AND op IN "
	    "('contact.update', 'contact.delete', 'tags.add', 'tags.remove') "
	    "ORDER BY id",
	[Q_ACTIVE_TARGET] = "SELECT op, contact_id, target_id, payload FROM "
	    "outbox WHERE target_id = ?1 AND status IN " ACTIVE " AND op IN "
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
	    "p.status IN " UNSENT ") ORDER BY o.id LIMIT 1",
	[Q_OB_NEXT_TIME] = "SELECT min(o.next_attempt_at) FROM outbox o WHERE "
	    "o.status = 'pending' AND (?1 IS NULL OR o.contact_id = ?1) AND "
	    "NOT EXISTS (SELECT 1 FROM outbox p WHERE p.contact_id = "
	    "o.contact_id AND p.id < o.id AND p.status IN " UNSENT ")",
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
	    ACTIVE "), (SELECT count(*) FROM outbox WHERE status = 'failed')",
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

static enum tri
col_tri(sqlite3_stmt *st, int i)
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

static void
tags_from_json(const char *json, struct strv *out)
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
		out->raw = cache_col(st, 4);
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

int
cache_contact_write(struct cache *c, const struct contact *ct,
    const char *raw, long long synced_at, int local, struct err *e)
{
	struct contact_state old;
	char namebuf[512], *tagsjson = NULL, *synth = NULL, *key = NULL;
	const char *dname;
	sqlite3_stmt *st;
	long long rid;
	int rc, exists;

	if (ct->id == NULL || ct->id[0] == '\0')
		return err_set(e, ERR_INVALID, "cache: contact without an id");
	rc = cache_contact_state(c, ct->id, &old, e);
	if (rc && rc != ERR_NOTFOUND)
		return rc;
	exists = rc == 0;
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
	cache_bind(st, 14, raw);
	if (synced_at > 0)
		sqlite3_bind_int64(st, 15, synced_at);
	sqlite3_bind_int(st, 16, local);
	cache_bind(st, 17, key);
	if (exists)
		sqlite3_bind_int64(st, 18, old.rid);
	rc = cache_exec_stmt(c, st, e, exists ? "update contact" :
	    "insert contact");
	if (rc)
		goto out;
	rid = exists ? old.rid : sqlite3_last_insert_rowid(c->db);
	if (!exists)
		rc = fts_queue(c, rid, NULL, e);
	else if (old.deleted || !(same(old.dname, dname) &&
	    same(old.email, ct->email) && same(old.phone, ct->phone) &&
	    same(old.company, ct->company_name) && same(old.tags, tagsjson)))
		rc = fts_queue(c, rid, &old, e);
	if (rc == 0 && (!exists || old.deleted || !same(old.tags, tagsjson) ||
	    !same(old.sort_key, key)))
		rc = write_tags(c, rid, exists, &ct->tags, key, e);
out:
	if (rc)
		err_prefix(e, "contact %s", ct->id);
	cache_contact_state_free(&old);
	free(tagsjson);
	free(synth);
	free(key);
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

		tags_from_json(s.tags, &tags);
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
	int rc, local = 0;

	memset(&merged_ct, 0, sizeof merged_ct);
	if (ct->id == NULL || ct->id[0] == '\0')
		return err_set(e, ERR_INVALID, "cache: contact without an id");
	rc = cache_begin(c, e);
	if (rc)
		return rc;
	rc = cache_contact_state(c, ct->id, &old, e);
	if (rc && rc != ERR_NOTFOUND)
		goto out;
	if (rc == 0) {
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
	cache_contact_state_free(&old);
	if (merged != NULL)
		rc = cache_contact_write(c, &merged_ct, merged, synced, local, e);
	else
		rc = cache_contact_write(c, ct, ct->raw, synced, local, e);
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

/* ---- read side ---- */

int
cache_has_contact(struct cache *c, const char *id, int *deleted)
{
	struct contact_state s;

	if (cache_contact_state(c, id, &s, NULL) != 0)
		return 0;
	if (deleted != NULL)
		*deleted = s.deleted;
	cache_contact_state_free(&s);
	return 1;
}

/* Columns 0-12 of Q_CONTACT_GET / the list's EACH mode into out. */
static void
contact_from_row(sqlite3_stmt *st, struct contact *out)
{
	memset(out, 0, sizeof *out);
	out->id = cache_col(st, 0);
	out->location_id = cache_col(st, 1);
	out->first_name = cache_col(st, 2);
	out->last_name = cache_col(st, 3);
	out->name = cache_col(st, 4);
	out->email = cache_col(st, 5);
	out->phone = cache_col(st, 6);
	out->company_name = cache_col(st, 7);
	tags_from_json((const char *)sqlite3_column_text(st, 8), &out->tags);
	out->dnd = col_tri(st, 9);
	out->date_added = cache_col(st, 10);
	out->date_updated = cache_col(st, 11);
	out->raw = cache_col(st, 12);
}

int
cache_get_contact(struct cache *c, const char *id, struct contact *out,
    long long *synced_at, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_CONTACT_GET, e);
	int rc;

	memset(out, 0, sizeof *out);
	if (synced_at != NULL)
		*synced_at = 0;
	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int(st, 14) == 0) {
		contact_from_row(st, out);
		if (synced_at != NULL)
			*synced_at = sqlite3_column_int64(st, 13);
		rc = 0;
	} else if (rc == SQLITE_ROW) {
		rc = err_set(e, ERR_NOTFOUND, "contact %s was deleted", id);
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOTFOUND, "contact %s is not in the cache",
		    id);
	} else {
		rc = cache_dberr(c, e, "get contact");
	}
	sqlite3_reset(st);
	return rc;
}

static void
task_from_row(sqlite3_stmt *st, struct task *t)
{
	memset(t, 0, sizeof *t);
	t->id = cache_col(st, 0);
	t->contact_id = cache_col(st, 1);
	t->title = cache_col(st, 2);
	t->body = cache_col(st, 3);
	t->assigned_to = cache_col(st, 4);
	t->due_date = cache_col(st, 5);
	t->completed = col_tri(st, 6);
	t->raw = cache_col(st, 7);
}

static void
note_from_row(sqlite3_stmt *st, struct note *n)
{
	memset(n, 0, sizeof *n);
	n->id = cache_col(st, 0);
	n->contact_id = cache_col(st, 1);
	n->body = cache_col(st, 2);
	n->user_id = cache_col(st, 3);
	n->title = cache_col(st, 4);
	n->color = cache_col(st, 5);
	n->date_added = cache_col(st, 6);
	n->pinned = col_tri(st, 7);
	n->raw = cache_col(st, 8);
}

static void
appt_from_row(sqlite3_stmt *st, struct appt *a)
{
	memset(a, 0, sizeof *a);
	a->id = cache_col(st, 0);
	a->contact_id = cache_col(st, 1);
	a->calendar_id = cache_col(st, 2);
	a->title = cache_col(st, 3);
	a->status = cache_col(st, 4);
	a->appointment_status = cache_col(st, 5);
	a->start_time = cache_col(st, 6);
	a->end_time = cache_col(st, 7);
	a->address = cache_col(st, 8);
	a->notes = cache_col(st, 9);
	a->raw = cache_col(st, 10);
}

int
cache_get_tasks(struct cache *c, const char *cid, struct task **v, size_t *n,
    struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_TASK_LIST, e);
	size_t cap = 0;
	int rc;

	*v = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, cid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*v = xreallocarray(*v, cap, sizeof **v);
		}
		task_from_row(st, &(*v)[(*n)++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		tasks_free(*v, *n);
		*v = NULL;
		*n = 0;
		return cache_dberr(c, e, "get tasks");
	}
	return 0;
}

int
cache_get_notes(struct cache *c, const char *cid, struct note **v, size_t *n,
    struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_NOTE_LIST, e);
	size_t cap = 0;
	int rc;

	*v = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, cid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*v = xreallocarray(*v, cap, sizeof **v);
		}
		note_from_row(st, &(*v)[(*n)++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		notes_free(*v, *n);
		*v = NULL;
		*n = 0;
		return cache_dberr(c, e, "get notes");
	}
	return 0;
}

int
cache_get_appts(struct cache *c, const char *cid, struct appt **v, size_t *n,
    struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_APPT_LIST, e);
	size_t cap = 0;
	int rc;

	*v = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, cid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*v = xreallocarray(*v, cap, sizeof **v);
		}
		appt_from_row(st, &(*v)[(*n)++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		appts_free(*v, *n);
		*v = NULL;
		*n = 0;
		return cache_dberr(c, e, "get appointments");
	}
	return 0;
}

int
cache_get_task(struct cache *c, const char *id, struct task *out,
    struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_TASK_GET, e);
	int rc;

	memset(out, 0, sizeof *out);
	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		task_from_row(st, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOTFOUND, "task %s is not in the cache", id);
	} else {
		rc = cache_dberr(c, e, "get task");
	}
	sqlite3_reset(st);
	return rc;
}

int
cache_get_note(struct cache *c, const char *id, struct note *out,
    struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_NOTE_GET, e);
	int rc;

	memset(out, 0, sizeof *out);
	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		note_from_row(st, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOTFOUND, "note %s is not in the cache", id);
	} else {
		rc = cache_dberr(c, e, "get note");
	}
	sqlite3_reset(st);
	return rc;
}

int
cache_child_state(struct cache *c, int is_note, const char *id,
    char **contact_id, char **raw, int *local, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, is_note ? Q_NOTE_GET : Q_TASK_GET, e);
	int rc;

	if (contact_id != NULL)
		*contact_id = NULL;
	if (raw != NULL)
		*raw = NULL;
	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (contact_id != NULL)
			*contact_id = cache_col(st, 1);
		if (raw != NULL)
			*raw = cache_col(st, is_note ? 8 : 7);
		if (local != NULL)
			*local = sqlite3_column_int(st, is_note ? 9 : 8);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOTFOUND, "%s %s is not in the cache",
		    is_note ? "note" : "task", id);
	} else {
		rc = cache_dberr(c, e, "child lookup");
	}
	sqlite3_reset(st);
	return rc;
}

/* ---- the contact list ---- */

enum lmode {
	LM_FIRST, LM_AFTER, LM_LAST, LM_BEFORE, LM_COUNT, LM_INDEX, LM_EACH,
	LM__COUNT
};

_Static_assert(LM__COUNT * 3 * 3 == CACHE_LIST_SLOTS, "list slots");

/* How a search drives the list: no search, its matches sorted, or the sort
 * index scanned and each row checked against the matches (many matches). */
enum { FTS_NONE, FTS_SORTED, FTS_SCAN };

/* The scan plan finds a page sooner when the matches are many and a large
 * share of all rows (so the scan meets them early). */
#define FTS_SCAN_MIN 2000
#define FTS_SCAN_SHARE 25	/* matches > rows / 25 */

#define ROW_COLS "c.id, c.dname, c.email, c.phone, c.company, " \
	"coalesce((SELECT group_concat(value, ',') FROM json_each(c.tags)), " \
	"''), c.sort_key, (SELECT count(*) FROM outbox o WHERE " \
	"o.contact_id = c.id AND o.status IN " ACTIVE "), (SELECT count(*) " \
	"FROM outbox o WHERE o.contact_id = c.id AND o.status = 'failed'), " \
	"c.synced_at IS NULL"
#define EACH_COLS "c.id, c.location_id, c.first_name, c.last_name, " \
	"c.name, c.email, c.phone, c.company, c.tags, c.dnd, c.date_added, " \
	"c.date_updated, c.raw, c.synced_at"

/*
 * One statement per (mode, search?, number of tags).  With a tag the page
 * is read off the tag index (tag, sort_key) in order, so a tag filter costs
 * the page, not the tag's size; otherwise off the sort index, or, with a
 * search alone, from the search's matches sorted.  Rows: the page's rids
 * first, then the columns (tags, outbox counts) for those rows only.
 */
static sqlite3_stmt *
list_stmt(struct cache *c, enum lmode m, int fts, int ntags, struct err *e)
{
	int slot = ((int)m * 3 + fts) * 3 + ntags;
	int rows = m == LM_FIRST || m == LM_AFTER || m == LM_LAST ||
	    m == LM_BEFORE;
	int desc = m == LM_LAST || m == LM_BEFORE;
	const char *key;	/* the sort key column of the driving table */
	struct buf b;

	if (c->lst[slot] != NULL) {
		sqlite3_reset(c->lst[slot]);
		sqlite3_clear_bindings(c->lst[slot]);
		return c->lst[slot];
	}
	buf_init(&b, 0);
	if (rows)
		buf_puts(&b, "SELECT " ROW_COLS " FROM (SELECT ");
	else
		buf_puts(&b, "SELECT ");
	if (m == LM_COUNT || m == LM_INDEX)
		buf_puts(&b, "count(*)");
	else if (m == LM_EACH)
		buf_puts(&b, EACH_COLS);
	if (ntags > 0) {
		key = "t.sort_key";
		if (rows)
			buf_puts(&b, "t.crid AS r");
		buf_puts(&b, m == LM_EACH ? " FROM contact_tags t JOIN contacts c "
		    "ON c.rid = t.crid" : " FROM contact_tags t");
		buf_puts(&b, " WHERE t.tag = :t1 COLLATE NOCASE");
		if (ntags > 1)
			buf_puts(&b, " AND t.crid IN (SELECT crid FROM "
			    "contact_tags WHERE tag = :t2 COLLATE NOCASE)");
		if (fts)
			buf_puts(&b, " AND t.crid IN (SELECT rowid FROM "
			    "contacts_fts WHERE contacts_fts MATCH :q)");
	} else if (fts && m == LM_COUNT) {
		/* Deleted contacts are not in the index. */
		key = NULL;
		buf_puts(&b, " FROM contacts_fts WHERE contacts_fts MATCH :q");
	} else {
		key = "c.sort_key";
		if (rows)
			buf_puts(&b, "c.rid AS r");
		buf_puts(&b, " FROM contacts c WHERE c.deleted = 0");
		/* "+c.rid" keeps the planner on the sort index. */
		if (fts)
			buf_printf(&b, " AND %sc.rid IN (SELECT rowid FROM "
			    "contacts_fts WHERE contacts_fts MATCH :q)",
			    fts == FTS_SCAN ? "+" : "");
	}
	if (key != NULL) {
		if (m == LM_AFTER)
			buf_printf(&b, " AND %s > :k", key);
		else if (m == LM_BEFORE || m == LM_INDEX)
			buf_printf(&b, " AND %s < :k", key);
		else if (m == LM_EACH)
			buf_puts(&b, " AND (:since IS NULL OR "
			    "c.date_updated >= :since)");
		if (rows || m == LM_EACH)
			buf_printf(&b, " ORDER BY %s%s", key, desc ? " DESC" : "");
	}
	if (rows)
		buf_printf(&b, " LIMIT :lim) s JOIN contacts c ON c.rid = s.r "
		    "ORDER BY c.sort_key%s", desc ? " DESC" : "");
	if (sqlite3_prepare_v3(c->db, buf_str(&b), -1,
	    SQLITE_PREPARE_PERSISTENT, &c->lst[slot], NULL) != SQLITE_OK) {
		cache_dberr(c, e, "prepare list");
		c->lst[slot] = NULL;
	}
	buf_free(&b);
	return c->lst[slot];
}

static void
bind_named(sqlite3_stmt *st, const char *name, const char *v)
{
	int i = sqlite3_bind_parameter_index(st, name);

	if (i > 0)
		cache_bind(st, i, v);
}

/* The parsed form of a cache_query. */
struct lq {
	char	*match;		/* FTS expression or NULL */
	char	*tag_text;	/* tag: from the search text */
	const char *tags[2];
	int	 ntags;
};

static void
lq_init(struct lq *l, const struct cache_query *q)
{
	memset(l, 0, sizeof *l);
	if (q == NULL)
		return;
	if (q->search != NULL)
		l->match = fts_query_build(q->search, &l->tag_text);
	if (q->tag != NULL && q->tag[0] != '\0')
		l->tags[l->ntags++] = q->tag;
	if (l->tag_text != NULL && (l->ntags == 0 ||
	    strcasecmp(l->tag_text, l->tags[0]) != 0))
		l->tags[l->ntags++] = l->tag_text;
}

static void
lq_free(struct lq *l)
{
	free(l->match);
	free(l->tag_text);
}

static void write_stamp(struct cache *, long long *, long long *);

/* The number of contacts an FTS expression matches (kept until a write). */
static long
fts_matches(struct cache *c, const char *match)
{
	sqlite3_stmt *st;
	long long dv, tc;
	long n = 0;

	write_stamp(c, &dv, &tc);
	if (c->fcnt_key != NULL && dv >= 0 && dv == c->fcnt_dv &&
	    tc == c->fcnt_tc && strcmp(c->fcnt_key, match) == 0)
		return c->fcnt_val;
	st = list_stmt(c, LM_COUNT, FTS_SORTED, 0, NULL);
	if (st == NULL)
		return 0;
	bind_named(st, ":q", match);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	free(c->fcnt_key);
	c->fcnt_key = xstrdup(match);
	c->fcnt_val = n;
	c->fcnt_dv = dv;
	c->fcnt_tc = tc;
	return n;
}

static sqlite3_stmt *
lq_stmt(struct cache *c, const struct lq *l, enum lmode m, struct err *e)
{
	int fts = l->match == NULL ? FTS_NONE : FTS_SORTED;
	sqlite3_stmt *st;

	if (fts != FTS_NONE && l->ntags == 0 && m <= LM_BEFORE) {
		long n = fts_matches(c, l->match);

		if (n > FTS_SCAN_MIN) {
			sqlite3_stmt *mx = cache_stmt(c, Q_MAX_RID, NULL);
			long long rows = 0;

			/* max(rid) is a cheap stand-in for the row count. */
			if (mx != NULL && sqlite3_step(mx) == SQLITE_ROW)
				rows = sqlite3_column_int64(mx, 0);
			if (mx != NULL)
				sqlite3_reset(mx);
			if ((long long)n * FTS_SCAN_SHARE > rows)
				fts = FTS_SCAN;
		}
	}
	st = list_stmt(c, m, fts, l->ntags, e);

	if (st == NULL)
		return NULL;
	bind_named(st, ":q", l->match);
	bind_named(st, ":t1", l->tags[0]);
	bind_named(st, ":t2", l->tags[1]);
	return st;
}

static int
list_rows(struct cache *c, const struct cache_query *q, enum lmode m,
    const char *key, int limit, struct cache_row **rows, size_t *n,
    struct err *e)
{
	struct lq l;
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if (limit <= 0)
		return 0;
	lq_init(&l, q);
	st = lq_stmt(c, &l, m, e);
	if (st == NULL) {
		lq_free(&l);
		return ERR_DB;
	}
	bind_named(st, ":k", key);
	sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":lim"), limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cache_row *r;

		if (*n == cap) {
			cap = cap ? cap * 2 : (size_t)(limit < 64 ? limit : 64);
			*rows = xreallocarray(*rows, cap, sizeof **rows);
		}
		r = &(*rows)[(*n)++];
		r->id = cache_col(st, 0);
		r->name = cache_col(st, 1);
		r->email = cache_col(st, 2);
		r->phone = cache_col(st, 3);
		r->company = cache_col(st, 4);
		r->tags = cache_col(st, 5);
		r->sort_key = cache_col(st, 6);
		r->pending = sqlite3_column_int(st, 7);
		r->failed = sqlite3_column_int(st, 8);
		r->never_synced = sqlite3_column_int(st, 9);
	}
	sqlite3_reset(st);
	lq_free(&l);
	if (rc != SQLITE_DONE) {
		cache_rows_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		return cache_dberr(c, e, "list contacts");
	}
	if (m == LM_LAST || m == LM_BEFORE) {
		for (size_t i = 0; i < *n / 2; i++) {
			struct cache_row t = (*rows)[i];

			(*rows)[i] = (*rows)[*n - 1 - i];
			(*rows)[*n - 1 - i] = t;
		}
	}
	return 0;
}

int
cache_list(struct cache *c, const struct cache_query *q, const char *after,
    int limit, struct cache_row **rows, size_t *n, struct err *e)
{
	return list_rows(c, q, after != NULL ? LM_AFTER : LM_FIRST, after,
	    limit, rows, n, e);
}

int
cache_list_before(struct cache *c, const struct cache_query *q,
    const char *before, int limit, struct cache_row **rows, size_t *n,
    struct err *e)
{
	return list_rows(c, q, before != NULL ? LM_BEFORE : LM_LAST, before,
	    limit, rows, n, e);
}

void
cache_rows_free(struct cache_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].id);
		free(rows[i].name);
		free(rows[i].email);
		free(rows[i].phone);
		free(rows[i].company);
		free(rows[i].tags);
		free(rows[i].sort_key);
	}
	free(rows);
}

static int
count_where(struct cache *c, const struct cache_query *q, enum lmode m,
    const char *key, long *n, struct err *e)
{
	struct lq l;
	sqlite3_stmt *st;
	int rc;

	*n = 0;
	lq_init(&l, q);
	st = lq_stmt(c, &l, m, e);
	if (st == NULL) {
		lq_free(&l);
		return ERR_DB;
	}
	bind_named(st, ":k", key);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*n = (long)sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		rc = cache_dberr(c, e, "count contacts");
	}
	sqlite3_reset(st);
	lq_free(&l);
	return rc;
}

/* Every live contact: the counter the schema's triggers keep. */
static int
count_all(struct cache *c, long *n, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*n = 0;
	if (sqlite3_prepare_v2(c->db, "SELECT n FROM counts WHERE name = "
	    "'contacts'", -1, &st, NULL) != SQLITE_OK)
		return cache_dberr(c, e, "count contacts");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*n = (long)sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		rc = cache_dberr(c, e, "count contacts");
	}
	sqlite3_finalize(st);
	return rc;
}

/* A stamp that changes whenever this or another connection writes. */
static void
write_stamp(struct cache *c, long long *dv, long long *tc)
{
	sqlite3_stmt *st = cache_stmt(c, Q_DATA_VERSION, NULL);

	*dv = -1;
	*tc = sqlite3_total_changes64(c->db);
	if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
		*dv = sqlite3_column_int64(st, 0);
	if (st != NULL)
		sqlite3_reset(st);
}

int
cache_count(struct cache *c, const struct cache_query *q, long *n,
    struct err *e)
{
	long long dv, tc;
	char *key;
	int rc;

	/* The list asks on every redraw: a count over a million rows is
	 * tens of ms, so the last answer is kept until something changes. */
	key = xasprintf("%s\x1f%s", q != NULL && q->search != NULL ?
	    q->search : "", q != NULL && q->tag != NULL ? q->tag : "");
	write_stamp(c, &dv, &tc);
	if (c->cnt_key != NULL && dv >= 0 && dv == c->cnt_dv &&
	    tc == c->cnt_tc && strcmp(key, c->cnt_key) == 0) {
		*n = c->cnt_val;
		free(key);
		return 0;
	}
	if ((q == NULL || ((q->search == NULL || q->search[0] == '\0') &&
	    (q->tag == NULL || q->tag[0] == '\0'))))
		rc = count_all(c, n, e);
	else
		rc = count_where(c, q, LM_COUNT, NULL, n, e);
	free(c->cnt_key);
	c->cnt_key = NULL;
	if (rc == 0 && c->depth == 0) {
		c->cnt_key = key;
		c->cnt_val = *n;
		c->cnt_dv = dv;
		c->cnt_tc = tc;
	} else {
		free(key);
	}
	return rc;
}

int
cache_sort_key(struct cache *c, const char *id, char **key, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_CONTACT_SORTKEY, e);
	int rc;

	*key = NULL;
	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*key = cache_col(st, 0);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOTFOUND, "contact %s is not in the list",
		    id);
	} else {
		rc = cache_dberr(c, e, "sort key");
	}
	sqlite3_reset(st);
	return rc;
}

int
cache_row_index(struct cache *c, const struct cache_query *q, const char *id,
    long *index, struct err *e)
{
	struct cache_row *rows = NULL;
	char *key = NULL, *before = NULL;
	size_t n = 0;
	int rc;

	*index = -1;
	rc = cache_sort_key(c, id, &key, e);
	if (rc)
		return rc;
	/* Is it in q?  The row just before key, then the next one. */
	rc = list_rows(c, q, LM_BEFORE, key, 1, &rows, &n, e);
	if (rc)
		goto out;
	if (n == 1)
		before = xstrdup(rows[0].sort_key);
	cache_rows_free(rows, n);
	rows = NULL;
	rc = list_rows(c, q, before != NULL ? LM_AFTER : LM_FIRST, before, 1,
	    &rows, &n, e);
	if (rc)
		goto out;
	if (n != 1 || strcmp(rows[0].sort_key, key) != 0) {
		rc = err_set(e, ERR_NOTFOUND, "contact %s does not match the "
		    "list's filter", id);
		goto out;
	}
	rc = count_where(c, q, LM_INDEX, key, index, e);
out:
	cache_rows_free(rows, n);
	free(key);
	free(before);
	return rc;
}

int
cache_foreach_contact(struct cache *c, const struct cache_query *q,
    const char *since_iso, cache_contact_cb cb, void *arg, struct err *e)
{
	struct lq l;
	sqlite3_stmt *st;
	int rc, stop = 0;

	lq_init(&l, q);
	st = lq_stmt(c, &l, LM_EACH, e);
	if (st == NULL) {
		lq_free(&l);
		return ERR_DB;
	}
	bind_named(st, ":since", since_iso);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct contact ct;

		contact_from_row(st, &ct);
		stop = cb(arg, &ct, sqlite3_column_int64(st, 13));
		contact_free(&ct);
		if (stop)
			break;
	}
	sqlite3_reset(st);
	lq_free(&l);
	if (stop)
		return stop;
	if (rc != SQLITE_DONE)
		return cache_dberr(c, e, "export contacts");
	return 0;
}

int
cache_known_tags(struct cache *c, const char *prefix, struct strv *out,
    struct err *e)
{
	size_t plen = prefix != NULL ? strlen(prefix) : 0;
	char *last = NULL;
	int rc;

	for (;;) {
		sqlite3_stmt *st = cache_stmt(c, last == NULL ?
		    Q_KNOWN_TAGS_GE : Q_KNOWN_TAGS, e);

		if (st == NULL) {
			free(last);
			return ERR_DB;
		}
		cache_bind(st, 1, last != NULL ? last : prefix != NULL ?
		    prefix : "");
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			free(last);
			last = cache_col(st, 0);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			break;
		if (plen > 0 && strncasecmp(last, prefix, plen) != 0) {
			rc = SQLITE_DONE;
			break;
		}
		strv_push(out, last);
	}
	free(last);
	return rc == SQLITE_DONE ? 0 : cache_dberr(c, e, "known tags");
}

/* ---- sync log ---- */

int
cache_log_add(struct cache *c, const char *kind, const char *level,
    const char *cid, const char *endpoint, int http_status, const char *msg,
    struct err *e)
{
	sqlite3_stmt *st;
	long long now = cache_now_ms(), same = 0;
	int rc;

	if (msg == NULL)
		msg = "";
	rc = cache_begin(c, e);
	if (rc)
		return rc;
	if (strcmp(level, "error") == 0) {
		st = cache_stmt(c, Q_LOG_LAST, e);
		if (st == NULL) {
			rc = ERR_DB;
			goto out;
		}
		cache_bind(st, 1, kind);
		cache_bind(st, 2, cid);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const char *lv = (const char *)sqlite3_column_text(st, 1);
			const char *ep = (const char *)sqlite3_column_text(st, 2);
			const char *m = (const char *)sqlite3_column_text(st, 4);

			if (lv != NULL && strcmp(lv, "error") == 0 &&
			    ((ep == NULL && endpoint == NULL) || (ep != NULL &&
			    endpoint != NULL && strcmp(ep, endpoint) == 0)) &&
			    sqlite3_column_int(st, 3) == http_status &&
			    m != NULL && strcmp(m, msg) == 0)
				same = sqlite3_column_int64(st, 0);
		}
		sqlite3_reset(st);
	}
	if (same != 0) {
		st = cache_stmt(c, Q_LOG_BUMP, e);
		if (st == NULL) {
			rc = ERR_DB;
			goto out;
		}
		sqlite3_bind_int64(st, 1, same);
		sqlite3_bind_int64(st, 2, now);
		rc = cache_exec_stmt(c, st, e, "log");
		goto out;
	}
	st = cache_stmt(c, Q_LOG_INSERT, e);
	if (st == NULL) {
		rc = ERR_DB;
		goto out;
	}
	cache_bind(st, 1, kind);
	cache_bind(st, 2, level);
	cache_bind(st, 3, cid);
	cache_bind(st, 4, endpoint);
	sqlite3_bind_int(st, 5, http_status);
	cache_bind(st, 6, msg);
	sqlite3_bind_int64(st, 7, now);
	rc = cache_exec_stmt(c, st, e, "log");
	if (rc == 0 && sqlite3_last_insert_rowid(c->db) % 100 == 0) {
		st = cache_stmt(c, Q_LOG_TRIM, e);
		rc = st != NULL ? cache_exec_stmt(c, st, e, "trim log") : ERR_DB;
	}
out:
	if (rc) {
		cache_rollback(c);
		return rc;
	}
	return cache_commit(c, e);
}

int
cache_log_list(struct cache *c, int failed_only, int limit,
    struct log_entry **v, size_t *n, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_LOG_LIST, e);
	size_t cap = 0;
	int rc;

	*v = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int(st, 1, failed_only != 0);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct log_entry *l;

		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*v = xreallocarray(*v, cap, sizeof **v);
		}
		l = &(*v)[(*n)++];
		l->id = sqlite3_column_int64(st, 0);
		l->kind = cache_col(st, 1);
		l->level = cache_col(st, 2);
		l->contact_id = cache_col(st, 3);
		l->endpoint = cache_col(st, 4);
		l->http_status = sqlite3_column_int(st, 5);
		l->message = cache_col(st, 6);
		l->count = (long)sqlite3_column_int64(st, 7);
		l->first_at = sqlite3_column_int64(st, 8);
		l->last_at = sqlite3_column_int64(st, 9);
		l->acknowledged = sqlite3_column_int(st, 10);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		cache_log_free(*v, *n);
		*v = NULL;
		*n = 0;
		return cache_dberr(c, e, "log list");
	}
	return 0;
}

void
cache_log_free(struct log_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].kind);
		free(v[i].level);
		free(v[i].contact_id);
		free(v[i].endpoint);
		free(v[i].message);
	}
	free(v);
}

int
cache_log_ack_all(struct cache *c, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_LOG_ACK, e);

	return st != NULL ? cache_exec_stmt(c, st, e, "ack log") : ERR_DB;
}

int
cache_log_unacked_errors(struct cache *c, long *n, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_LOG_UNACKED, e);
	int rc;

	*n = 0;
	if (st == NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : cache_dberr(c, e, "log count");
}

/* ---- API usage ---- */

#define HOUR_MS 3600000LL

int
cache_usage_record(struct cache *c, const char *endpoint, int status,
    int retried, long long when_ms, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_USAGE_REC, e);

	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, endpoint);
	sqlite3_bind_int64(st, 2, when_ms / HOUR_MS);
	sqlite3_bind_int(st, 3, status == 429);
	sqlite3_bind_int(st, 4, status == 0 || (status >= 400 && status != 429));
	sqlite3_bind_int(st, 5, retried != 0);
	return cache_exec_stmt(c, st, e, "record usage");
}

int
cache_usage_set_headers(struct cache *c, long limit_daily,
    long daily_remaining, long interval_ms, long max, long remaining,
    long long when_ms, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_USAGE_HEADERS, e);

	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, limit_daily);
	sqlite3_bind_int64(st, 2, daily_remaining);
	sqlite3_bind_int64(st, 3, interval_ms);
	sqlite3_bind_int64(st, 4, max);
	sqlite3_bind_int64(st, 5, remaining);
	sqlite3_bind_int64(st, 6, when_ms);
	return cache_exec_stmt(c, st, e, "record rate-limit headers");
}

int
cache_usage_by_endpoint_day(struct cache *c, int days, long long now_ms,
    struct usage_row **v, size_t *n, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_USAGE_DAYS, e);
	long long today = now_ms / HOUR_MS / 24;
	size_t cap = 0;
	int rc;

	*v = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	if (days <= 0)
		days = 1;
	sqlite3_bind_int64(st, 1, (today - days + 1) * 24);
	sqlite3_bind_int64(st, 2, today * 24 + 23);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct usage_row *u;
		time_t t;
		struct tm tm;

		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*v = xreallocarray(*v, cap, sizeof **v);
		}
		u = &(*v)[(*n)++];
		u->endpoint = cache_col(st, 0);
		t = (time_t)(sqlite3_column_int64(st, 1) * 86400);
		gmtime_r(&t, &tm);
		strftime(u->day, sizeof u->day, "%Y-%m-%d", &tm);
		u->count = (long)sqlite3_column_int64(st, 2);
		u->n429 = (long)sqlite3_column_int64(st, 3);
		u->errors = (long)sqlite3_column_int64(st, 4);
		u->retries = (long)sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		cache_usage_free(*v, *n);
		*v = NULL;
		*n = 0;
		return cache_dberr(c, e, "usage by day");
	}
	return 0;
}

void
cache_usage_free(struct usage_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].endpoint);
	free(v);
}

int
cache_usage_by_hour(struct cache *c, int hours, long long now_ms,
    struct usage_hour **v, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_USAGE_HOURS, e);
	long long last = now_ms / HOUR_MS, first;
	int rc;

	*v = NULL;
	if (st == NULL)
		return ERR_DB;
	if (hours <= 0)
		hours = 1;
	first = last - hours + 1;
	*v = xcalloc((size_t)hours, sizeof **v);
	for (int i = 0; i < hours; i++)
		(*v)[i].hour_ms = (first + i) * HOUR_MS;
	sqlite3_bind_int64(st, 1, first);
	sqlite3_bind_int64(st, 2, last);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long h = sqlite3_column_int64(st, 0);
		struct usage_hour *u = &(*v)[h - first];

		u->count = (long)sqlite3_column_int64(st, 1);
		u->n429 = (long)sqlite3_column_int64(st, 2);
		u->errors = (long)sqlite3_column_int64(st, 3);
		u->retries = (long)sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(*v);
		*v = NULL;
		return cache_dberr(c, e, "usage by hour");
	}
	return 0;
}

int
cache_usage_last_headers(struct cache *c, struct usage_headers *out,
    struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_USAGE_LAST, e);
	int rc;

	memset(out, 0, sizeof *out);
	if (st == NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->limit_daily = (long)sqlite3_column_int64(st, 0);
		out->daily_remaining = (long)sqlite3_column_int64(st, 1);
		out->interval_ms = (long)sqlite3_column_int64(st, 2);
		out->max = (long)sqlite3_column_int64(st, 3);
		out->remaining = (long)sqlite3_column_int64(st, 4);
		out->at_ms = sqlite3_column_int64(st, 5);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOTFOUND, "no rate-limit headers seen yet");
	} else {
		rc = cache_dberr(c, e, "rate-limit headers");
	}
	sqlite3_reset(st);
	return rc;
}
