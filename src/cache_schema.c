/*
 * cache_schema.c: the cache's schema as ordered migrations.  The database's
 * PRAGMA user_version is the number of migrations applied; opening runs
 * the missing ones, each in its own transaction, and refuses a file whose
 * version is newer than this build knows.
 */
#include "config.h"
#include "cache.h"

#include <stdio.h>

#include <sqlite3.h>

/*
 * Version 1.  Contacts are a rowid table (rid) so the external-content FTS
 * index can point at them; id is the API's id.  sort_key is the folded
 * display name, "\x01", then the id: unique, so it is the keyset for
 * paging.  contact_tags repeats it so a tag filter reads its page straight
 * off the tag index, in order.  Deleted contacts have no tags and no index
 * entry.  cache.c keeps the FTS index in step with the rows (not
 * triggers: a trigger's statement savepoint makes FTS5 flush its pending
 * terms on every row, ten times slower); contacts_fts_src gives the same
 * text for 'rebuild' and 'integrity-check'.  The FTS text
 * also indexes the phone's bare digits and, for a North American number
 * (+1 and ten digits), the number without the 1 and its local seven.
 */
static const char migration_1[] =
"CREATE TABLE contacts ("
"  rid INTEGER PRIMARY KEY,"
"  id TEXT NOT NULL UNIQUE,"
"  location_id TEXT,"
"  first_name TEXT, last_name TEXT, name TEXT,"
"  dname TEXT NOT NULL DEFAULT '',"
"  email TEXT, phone TEXT, company TEXT,"
"  tags TEXT NOT NULL DEFAULT '[]',"
"  dnd INTEGER,"
"  date_added TEXT, date_updated TEXT,"
"  raw TEXT,"
"  synced_at INTEGER,"
"  deleted INTEGER NOT NULL DEFAULT 0,"
"  local INTEGER NOT NULL DEFAULT 0,"
"  sort_key TEXT NOT NULL);"
"CREATE INDEX contacts_sort ON contacts(sort_key) WHERE deleted = 0;"
"CREATE VIEW contacts_fts_src(rid, dname, email, phone, company, tags) AS"
"  SELECT rid, dname, email,"
"    coalesce(phone, '') || ' ' || d || CASE WHEN length(d) = 11 AND"
"    d LIKE '1%' THEN ' ' || substr(d, 2) || ' ' || substr(d, 5) ELSE ''"
"    END, company, tags"
"  FROM (SELECT *, replace(replace(replace(replace(replace(replace("
"    coalesce(phone, ''), '+', ''), '-', ''), ' ', ''), '(', ''), ')', ''),"
"    '.', '') AS d FROM contacts WHERE deleted = 0);"
"CREATE VIRTUAL TABLE contacts_fts USING fts5("
"  dname, email, phone, company, tags,"
"  content='contacts_fts_src', content_rowid='rid',"
"  tokenize='unicode61 remove_diacritics 2', prefix='2 3');"
"CREATE TABLE contact_tags ("
"  crid INTEGER NOT NULL REFERENCES contacts(rid) ON DELETE CASCADE,"
"  pos INTEGER NOT NULL,"
"  tag TEXT NOT NULL,"
"  sort_key TEXT NOT NULL,"
"  PRIMARY KEY (crid, pos)) WITHOUT ROWID;"
"CREATE INDEX contact_tags_tag ON contact_tags(tag COLLATE NOCASE, sort_key);"
"CREATE TABLE tasks ("
"  id TEXT PRIMARY KEY,"
"  contact_id TEXT NOT NULL,"
"  title TEXT, body TEXT, assigned_to TEXT, due_date TEXT,"
"  completed INTEGER,"
"  raw TEXT,"
"  local INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
"CREATE INDEX tasks_contact ON tasks(contact_id);"
"CREATE TABLE notes ("
"  id TEXT PRIMARY KEY,"
"  contact_id TEXT NOT NULL,"
"  body TEXT, user_id TEXT, title TEXT, color TEXT, date_added TEXT,"
"  pinned INTEGER,"
"  raw TEXT,"
"  local INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
"CREATE INDEX notes_contact ON notes(contact_id);"
"CREATE TABLE appts ("
"  id TEXT PRIMARY KEY,"
"  contact_id TEXT NOT NULL,"
"  calendar_id TEXT, title TEXT, status TEXT, appointment_status TEXT,"
"  start_time TEXT, end_time TEXT, address TEXT, notes TEXT,"
"  raw TEXT) WITHOUT ROWID;"
"CREATE INDEX appts_contact ON appts(contact_id);"
"CREATE TABLE outbox ("
"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
"  op TEXT NOT NULL,"
"  contact_id TEXT NOT NULL,"
"  target_id TEXT,"
"  payload TEXT,"
"  prev TEXT,"
"  status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN"
"    ('pending', 'inflight', 'failed', 'done')),"
"  attempts INTEGER NOT NULL DEFAULT 0,"
"  error TEXT,"
"  created_at INTEGER NOT NULL,"
"  updated_at INTEGER NOT NULL,"
"  next_attempt_at INTEGER NOT NULL DEFAULT 0);"
"CREATE INDEX outbox_contact ON outbox(contact_id, status);"
"CREATE INDEX outbox_target ON outbox(target_id) WHERE target_id IS NOT NULL;"
"CREATE INDEX outbox_status ON outbox(status, next_attempt_at);"
"CREATE TABLE sync_log ("
"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
"  kind TEXT NOT NULL,"
"  level TEXT NOT NULL,"
"  contact_id TEXT,"
"  endpoint TEXT,"
"  http_status INTEGER NOT NULL DEFAULT 0,"
"  message TEXT NOT NULL DEFAULT '',"
"  count INTEGER NOT NULL DEFAULT 1,"
"  first_at INTEGER NOT NULL,"
"  last_at INTEGER NOT NULL,"
"  acknowledged INTEGER NOT NULL DEFAULT 0);"
"CREATE INDEX sync_log_kc ON sync_log(kind, contact_id, id);"
"CREATE INDEX sync_log_unacked ON sync_log(level, acknowledged);"
"CREATE TABLE api_usage ("
"  endpoint TEXT NOT NULL,"
"  hour INTEGER NOT NULL,"
"  count INTEGER NOT NULL DEFAULT 0,"
"  n429 INTEGER NOT NULL DEFAULT 0,"
"  errors INTEGER NOT NULL DEFAULT 0,"
"  retries INTEGER NOT NULL DEFAULT 0,"
"  PRIMARY KEY (endpoint, hour)) WITHOUT ROWID;"
"CREATE INDEX api_usage_hour ON api_usage(hour);"
"CREATE TABLE api_limits ("
"  one INTEGER PRIMARY KEY CHECK (one = 1),"
"  limit_daily INTEGER, daily_remaining INTEGER, interval_ms INTEGER,"
"  max INTEGER, remaining INTEGER, at INTEGER NOT NULL);"
"CREATE TABLE meta ("
"  key TEXT PRIMARY KEY,"
"  value TEXT NOT NULL) WITHOUT ROWID;";

/*
 * 2: the number of live contacts, kept by triggers, so the list's "n/N"
 * costs one row read instead of a walk over the sort index (tens of ms
 * cold at a million contacts, which the first screen waited for).
 */
static const char migration_2[] =
"CREATE TABLE counts ("
"  name TEXT PRIMARY KEY,"
"  n INTEGER NOT NULL) WITHOUT ROWID;"
"INSERT INTO counts(name, n)"
"  SELECT 'contacts', count(*) FROM contacts WHERE deleted = 0;"
"CREATE TRIGGER counts_ins AFTER INSERT ON contacts WHEN NEW.deleted = 0"
"  BEGIN UPDATE counts SET n = n + 1 WHERE name = 'contacts'; END;"
"CREATE TRIGGER counts_del AFTER DELETE ON contacts WHEN OLD.deleted = 0"
"  BEGIN UPDATE counts SET n = n - 1 WHERE name = 'contacts'; END;"
"CREATE TRIGGER counts_upd AFTER UPDATE OF deleted ON contacts"
"  WHEN (OLD.deleted = 0) != (NEW.deleted = 0)"
"  BEGIN UPDATE counts SET n = n + CASE WHEN NEW.deleted = 0 THEN 1"
"    ELSE -1 END WHERE name = 'contacts'; END;";

/*
 * 3: contacts.raw may hold a blob, the JSON packed by rawz.h (a format
 * byte and a zstd frame), read by cache_col_raw.  No table changes: rows
 * written before stay text and read as before; the version keeps older
 * builds, which would take the blob for text, from opening the file.
 */
static const char migration_3[] =
"SELECT 1;";

/*
 * 4: no insert trigger on contacts; cache.c counts an insert itself.  Any
 * trigger makes SQLite keep a statement journal (a savepoint) for every
 * INSERT: with it, a full sync's writer spent 22% of its instructions
 * opening and closing them.  Deletes and undeletes are rare and keep
 * their triggers (contact_write sets deleted apart from the other
 * columns).  The count is taken afresh in case anything else inserted.
 */
static const char migration_4[] =
"DROP TRIGGER counts_ins;"
"UPDATE counts SET n = (SELECT count(*) FROM contacts WHERE deleted = 0)"
"  WHERE name = 'contacts';";

static const char *const migrations[] = {
	migration_1,
	migration_2,
	migration_3,
	migration_4,
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) ==
    CACHE_SCHEMA_VERSION, "one migration per schema version");

static int
exec(sqlite3 *db, const char *sql, struct err *e, const char *what)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, ERR_DB, "cache schema: %s: %s", what,
		    msg != NULL ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return ERR_DB;
	}
	return 0;
}

int
cache_schema_migrate(struct sqlite3 *db, const char *path, struct err *e)
{
	sqlite3_stmt *st = NULL;
	int version, rc;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		err_set(e, ERR_DB, "cache %s: cannot read the schema version: "
		    "%s", path, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return ERR_DB;
	}
	version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (version > CACHE_SCHEMA_VERSION)
		return err_set(e, ERR_DB, "cache %s: schema version %d is newer "
		    "than this ghlterm supports (%d); upgrade ghlterm or use "
		    "another cache file", path, version, CACHE_SCHEMA_VERSION);
	if (version < 0)
		return err_set(e, ERR_DB, "cache %s: bad schema version %d",
		    path, version);
	for (int v = version + 1; v <= CACHE_SCHEMA_VERSION; v++) {
		char pragma[64];

		rc = exec(db, "BEGIN IMMEDIATE", e, "begin");
		if (rc)
			return rc;
		/* Another connection may have migrated meanwhile. */
		if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st,
		    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_int(st, 0) >= v) {
			sqlite3_finalize(st);
			exec(db, "COMMIT", e, "commit");
			continue;
		}
		sqlite3_finalize(st);
		rc = exec(db, migrations[v - 1], e, "migration");
		if (rc == 0) {
			snprintf(pragma, sizeof pragma,
			    "PRAGMA user_version = %d", v);
			rc = exec(db, pragma, e, "set version");
		}
		if (rc) {
			sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
			err_prefix(e, "%s: migrating to version %d", path, v);
			return rc;
		}
		rc = exec(db, "COMMIT", e, "commit");
		if (rc)
			return rc;
	}
	return 0;
}
