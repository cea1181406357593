/* test_cache.c: the cache's schema, pull side, read side (keyset paging,
 * FTS5 search, tags), meta, sync log and API usage. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cache.h"
#include "codec.h"
#include "model.h"
#include "xmalloc.h"
#include "../tap.h"

static char tmpdir[] = "/tmp/test_cache.XXXXXX";

static void
mk_contact(struct contact *c, const char *id, const char *first,
    const char *last, const char *email, const char *phone,
    const char *company, const char *tags)
{
	memset(c, 0, sizeof *c);
	c->id = xstrdup(id);
	c->first_name = xstrdup0(first);
	c->last_name = xstrdup0(last);
	c->email = xstrdup0(email);
	c->phone = xstrdup0(phone);
	c->company_name = xstrdup0(company);
	c->dnd = TRI_UNSET;
	if (tags != NULL) {
		char *t = xstrdup(tags), *p = t, *comma;

		while (p != NULL) {
			comma = strchr(p, ',');
			if (comma != NULL)
				*comma = '\0';
			strv_push(&c->tags, p);
			p = comma != NULL ? comma + 1 : NULL;
		}
		free(t);
	}
}

static int
put(struct cache *c, const char *id, const char *first, const char *last,
    const char *email, const char *phone, const char *company,
    const char *tags, long long synced)
{
	struct contact ct;
	struct err e;
	int rc;

	mk_contact(&ct, id, first, last, email, phone, company, tags);
	rc = cache_put_contact(c, &ct, synced, &e);
	if (rc)
		printf("# put %s: %s\n", id, e.msg);
	contact_free(&ct);
	return rc;
}

/* The ids of a whole listing, comma-joined, paging by page rows. */
static char *
list_ids(struct cache *c, const char *search, const char *tag, int page)
{
	struct cache_query q = { search, tag };
	struct cache_row *rows;
	char out[4096] = "", *after = NULL;
	size_t n;

	for (;;) {
		if (cache_list(c, &q, after, page, &rows, &n, NULL) != 0)
			return xstrdup("ERROR");
		for (size_t i = 0; i < n; i++) {
			if (out[0] != '\0')
				strncat(out, ",", sizeof out - strlen(out) - 1);
			strncat(out, rows[i].id, sizeof out - strlen(out) - 1);
		}
		free(after);
		after = n > 0 ? xstrdup(rows[n - 1].sort_key) : NULL;
		cache_rows_free(rows, n);
		if ((int)n < page)
			break;
	}
	free(after);
	return xstrdup(out);
}

/* The same listing read backwards with cache_list_before. */
static char *
list_ids_back(struct cache *c, const char *search, int page)
{
	struct cache_query q = { search, NULL };
	struct cache_row *rows;
	char *ids[256];
	size_t nids = 0, n;
	char out[4096] = "", *before = NULL;

	for (;;) {
		if (cache_list_before(c, &q, before, page, &rows, &n, NULL))
			return xstrdup("ERROR");
		for (size_t i = n; i-- > 0;)
			if (nids < 256)
				ids[nids++] = xstrdup(rows[i].id);
		free(before);
		before = n > 0 ? xstrdup(rows[0].sort_key) : NULL;
		cache_rows_free(rows, n);
		if ((int)n < page)
			break;
	}
	free(before);
	for (size_t i = nids; i-- > 0;) {
		if (out[0] != '\0')
			strncat(out, ",", sizeof out - strlen(out) - 1);
		strncat(out, ids[i], sizeof out - strlen(out) - 1);
		free(ids[i]);
	}
	return xstrdup(out);
}

static void
test_open(void)
{
	struct cache *c = NULL;
	struct err e;
	struct stat sb;
	char path[256], *v = NULL;
	sqlite3 *db;

	snprintf(path, sizeof path, "%s/a/b/cache.db", tmpdir);
	is_int(cache_open(&c, path, &e), 0, "open creates parent dirs");
	ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	    "cache file mode 0600");
	snprintf(path, sizeof path, "%s/a", tmpdir);
	ok(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0700,
	    "parent dir mode 0700");
	is_int(cache_meta_set(c, "cursor", "abc'\"%", &e), 0, "meta set");
	is_int(put(c, "c1", "Ann", "Lee", NULL, NULL, NULL, "x", 1), 0, "put");
	cache_close(c);

	snprintf(path, sizeof path, "%s/a/b/cache.db", tmpdir);
	is_int(cache_open(&c, path, &e), 0, "re-open");
	is_int(cache_meta_get(c, "cursor", &v, &e), 0, "meta survives");
	is_str(v, "abc'\"%", "meta value intact");
	free(v);
	is_int(cache_meta_get(c, "nope", &v, &e), ERR_NOTFOUND, "meta unset");
	is_int(cache_meta_set(c, "cursor", NULL, &e), 0, "meta delete");
	is_int(cache_meta_get(c, "cursor", &v, &e), ERR_NOTFOUND,
	    "meta deleted");
	ok(cache_has_contact(c, "c1", NULL), "contact survives re-open");
	cache_close(c);

	/* A second connection works beside the first (WAL). */
	{
		struct cache *c2 = NULL;

		cache_open(&c, path, &e);
		is_int(cache_open(&c2, path, &e), 0, "second handle");
		is_int(cache_begin(c, &e), 0, "writer begins");
		put(c, "c2", "Bob", NULL, NULL, NULL, NULL, NULL, 1);
		ok(cache_has_contact(c2, "c1", NULL) &&
		    !cache_has_contact(c2, "c2", NULL),
		    "reader sees committed data while the writer writes");
		{
			struct cache_query q = { NULL, NULL };
			long n1 = -1, n2 = -1;

			cache_count(c2, &q, &n1, &e);
			is_int(cache_commit(c, &e), 0, "writer commits");
			cache_count(c2, &q, &n2, &e);
			ok(n1 == 1 && n2 == 2, "reader's count follows the "
			    "other handle's commit");
			put(c2, "c3", "Cy", NULL, NULL, NULL, NULL, NULL, 1);
			cache_count(c2, &q, &n2, &e);
			is_int(n2, 3, "and its own writes");
		}
		ok(cache_has_contact(c2, "c2", NULL), "reader sees the commit");
		cache_close(c2);
		cache_close(c);
	}

	/* A new file has 8 KB pages (rows of ~1.5 KB pack five a page). */
	{
		sqlite3_stmt *st;

		sqlite3_open(path, &db);
		sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, NULL);
		ok(sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_int(st, 0) == 8192, "8 KB pages");
		sqlite3_finalize(st);
		sqlite3_close(db);
	}

	/* A newer schema is refused with a clear message. */
	sqlite3_open(path, &db);
	sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
	sqlite3_close(db);
	is_int(cache_open(&c, path, &e), ERR_DB, "newer schema refused");
	ok(strstr(e.msg, "newer") != NULL && strstr(e.msg, "99") != NULL,
	    "message says the schema is newer");
	ok(c == NULL, "no handle on error");

	/* Nested transactions: an inner rollback dooms the whole one. */
	cache_open(&c, ":memory:", &e);
	cache_begin(c, &e);
	put(c, "o1", "Outer", NULL, NULL, NULL, NULL, NULL, 1);
	cache_begin(c, &e);
	put(c, "i1", "Inner", NULL, NULL, NULL, NULL, NULL, 1);
	is_int(cache_depth(c), 2, "depth 2");
	cache_rollback(c);
	is_int(cache_commit(c, &e), ERR_DB, "outer commit refused");
	ok(strstr(e.msg, "rolled back") != NULL, "message says rolled back");
	ok(!cache_has_contact(c, "o1", NULL) && !cache_has_contact(c, "i1",
	    NULL), "nothing of the doomed transaction stayed");
	is_int(cache_depth(c), 0, "depth back to 0");
	cache_begin(c, &e);
	cache_begin(c, &e);
	put(c, "i2", "Inner", NULL, NULL, NULL, NULL, NULL, 1);
	cache_commit(c, &e);
	is_int(cache_commit(c, &e), 0, "nested commit");
	ok(cache_has_contact(c, "i2", NULL), "nested commit kept the write");
	cache_close(c);
}

static void
test_put_get(void)
{
	struct cache *c;
	struct contact ct, got;
	struct err e;
	long long synced;
	int deleted = -1;
	static const char *weird[] = { "id'quote", "id\"dq", "50%_off",
	    "a/b/../c", "line\nbreak", "semi;--", NULL };

	cache_open(&c, ":memory:", &e);
	mk_contact(&ct, "k1", "Jane", "Doe", "jane@example.com",
	    "+13125550148", "Acme", "vip,new lead");
	ct.raw = xstrdup("{\"id\":\"k1\",\"firstName\":\"Jane\",\"lastName\":"
	    "\"Doe\",\"email\":\"jane@example.com\",\"phone\":\"+13125550148\","
	    "\"companyName\":\"Acme\",\"tags\":[\"vip\",\"new lead\"],"
	    "\"customFields\":[{\"id\":\"f1\",\"value\":\"x\"}],"
	    "\"address1\":\"1 Main St\"}");
	is_int(cache_put_contact(c, &ct, 1000, &e), 0, "put full contact");
	is_int(cache_get_contact(c, "k1", &got, &synced, &e), 0, "get");
	is_str(got.first_name, "Jane", "first name");
	is_str(got.company_name, "Acme", "company");
	is_int(got.tags.n, 2, "two tags");
	is_str(got.tags.n == 2 ? got.tags.v[1] : NULL, "new lead", "tag order");
	is_int(synced, 1000, "synced_at");
	ok(got.raw != NULL && strstr(got.raw, "customFields") != NULL,
	    "unknown fields survive in raw");
	contact_free(&got);

	/* A list item (sparse) merged onto the full row keeps the rest. */
	free(ct.raw);
	free(ct.company_name);
	ct.company_name = NULL;
	free(ct.first_name);
	ct.first_name = xstrdup("Janet");
	ct.raw = xstrdup("{\"id\":\"k1\",\"firstName\":\"Janet\",\"lastName\":"
	    "\"Doe\",\"tags\":[\"vip\"]}");
	strv_free(&ct.tags);
	strv_push(&ct.tags, "vip");
	is_int(cache_put_contact(c, &ct, 0, &e), 0, "put list item");
	cache_get_contact(c, "k1", &got, &synced, &e);
	is_str(got.first_name, "Janet", "list item updates a field");
	is_str(got.company_name, "Acme", "field absent from the item kept");
	is_int(got.tags.n, 1, "tags replaced");
	is_int(synced, 1000, "synced_at kept for a list item");
	ok(strstr(got.raw, "address1") != NULL, "raw merged, not replaced");
	contact_free(&got);
	contact_free(&ct);

	put(c, "stub", "Stub", NULL, NULL, NULL, NULL, NULL, 0);
	cache_get_contact(c, "stub", &got, &synced, &e);
	is_int(synced, 0, "list-only contact is never synced");
	contact_free(&got);

	{
		struct cache_query all = { NULL, NULL };
		long before = -1, after = -1, again = -1;

		cache_count(c, &all, &before, &e);
		is_int(cache_contact_mark_deleted(c, "k1", &e), 0,
		    "mark deleted");
		cache_count(c, &all, &after, &e);
		is_int(after, before - 1, "count drops when a contact is deleted");
		cache_contact_mark_deleted(c, "k1", &e);
		cache_count(c, &all, &again, &e);
		is_int(again, after, "deleting twice counts once");
	}
	is_int(cache_get_contact(c, "k1", &got, NULL, &e), ERR_NOTFOUND,
	    "deleted contact not found");
	ok(cache_has_contact(c, "k1", &deleted) && deleted == 1,
	    "deleted row kept with the flag");
	is_int(cache_contact_mark_deleted(c, "nope", &e), 0,
	    "mark unknown deleted is fine");
	is_int(cache_get_contact(c, "nope", &got, NULL, &e), ERR_NOTFOUND,
	    "unknown contact");
	ok(strstr(e.msg, "nope") != NULL, "message names the id");

	for (int i = 0; weird[i] != NULL; i++) {
		char tag[64];

		snprintf(tag, sizeof tag, "t%s", weird[i]);
		put(c, weird[i], weird[i], NULL, NULL, NULL, NULL, tag, 1);
	}
	for (int i = 0; weird[i] != NULL; i++) {
		char tag[64], *ids;
		int found;

		snprintf(tag, sizeof tag, "t%s", weird[i]);
		found = cache_get_contact(c, weird[i], &got, NULL, &e) == 0 &&
		    strcmp(got.id, weird[i]) == 0 && got.tags.n == 1 &&
		    strcmp(got.tags.v[0], tag) == 0;
		contact_free(&got);
		ids = list_ids(c, NULL, tag, 10);
		ok(found && strcmp(ids, weird[i]) == 0,
		    "id and tag with special characters intact (%d)", i);
		free(ids);
	}
	cache_close(c);
}

static void
test_list(void)
{
	struct cache *c;
	struct cache_query q = { NULL, NULL };
	struct cache_row *rows;
	struct err e;
	struct strv tags = { 0 };
	char *ids, *ids2, path[300];
	size_t n;
	long cnt, idx;

	snprintf(path, sizeof path, "%s/list.db", tmpdir);
	cache_open(&c, path, &e);
	cache_begin(c, &e);
	/* Ties on the name: the id breaks them. */
	put(c, "z1", "Anna", NULL, "anna@x.org", NULL, NULL, "b", 1);
	put(c, "a9", "anna", NULL, NULL, NULL, NULL, NULL, 1);
	put(c, "m5", "ANNA", NULL, NULL, NULL, NULL, NULL, 1);
	put(c, "b1", "Ann", NULL, NULL, NULL, NULL, NULL, 1);
	put(c, "e1", "Élodie", "Martin", NULL, NULL, NULL, "VIP", 1);
	put(c, "e2", "Eloise", NULL, NULL, NULL, NULL, NULL, 1);
	put(c, "e0", "Ella", NULL, NULL, NULL, NULL, NULL, 1);
	put(c, "y1", "山田", "太郎", "yamada@example.jp", "+81 3-1234-5678",
	    "株式会社", "vip", 1);
	put(c, "p1", "Peter", "Parker", "peter@dailybugle.com",
	    "+1 (312) 555-0148", "Daily Bugle", "new lead,vip", 1);
	put(c, "n1", NULL, NULL, "nobody@nowhere.net", NULL, NULL, NULL, 1);
	is_int(cache_commit(c, &e), 0, "page committed");

	ids = list_ids(c, NULL, NULL, 100);
	is_str(ids, "b1,a9,m5,z1,e0,e1,e2,n1,p1,y1",
	    "order: folded name, then id");
	free(ids);
	for (int page = 1; page <= 4; page++) {
		ids = list_ids(c, NULL, NULL, page);
		ids2 = list_ids_back(c, NULL, page);
		ok(strcmp(ids, "b1,a9,m5,z1,e0,e1,e2,n1,p1,y1") == 0 &&
		    strcmp(ids2, ids) == 0,
		    "paging by %d forward and backward agree", page);
		free(ids);
		free(ids2);
	}
	cache_list(c, &q, NULL, 3, &rows, &n, &e);
	is_int(n, 3, "first page");
	{
		struct cache_row *prev;
		size_t pn;

		cache_list_before(c, &q, rows[2].sort_key, 5, &prev, &pn, &e);
		is_int(pn, 2, "before the third row: two rows");
		ok(pn == 2 && strcmp(prev[0].id, "b1") == 0 &&
		    strcmp(prev[1].id, "a9") == 0, "before rows in list order");
		cache_rows_free(prev, pn);
	}
	cache_rows_free(rows, n);
	cache_count(c, &q, &cnt, &e);
	is_int(cnt, 10, "count all");
	is_int(cache_row_index(c, &q, "e1", &idx, &e), 0, "row index");
	is_int(idx, 5, "index of e1");

	/* Search: prefix on name, email, phone, company, tags; accents,
	 * CJK. */
	ids = list_ids(c, "ann", NULL, 100);
	is_str(ids, "b1,a9,m5,z1", "prefix on name");
	free(ids);
	ids = list_ids(c, "elo", NULL, 100);
	is_str(ids, "e1,e2", "accent-insensitive prefix");
	free(ids);
	ids = list_ids(c, "élo", NULL, 100);
	is_str(ids, "e1,e2", "accented query");
	free(ids);
	ids = list_ids(c, "山田", NULL, 100);
	is_str(ids, "y1", "CJK name");
	free(ids);
	ids = list_ids(c, "株式", NULL, 100);
	is_str(ids, "y1", "CJK company prefix");
	free(ids);
	ids = list_ids(c, "dailybug", NULL, 100);
	is_str(ids, "p1", "email prefix");
	free(ids);
	ids = list_ids(c, "peter@daily", NULL, 100);
	is_str(ids, "p1", "email with @");
	free(ids);
	ids = list_ids(c, "bugle", NULL, 100);
	is_str(ids, "p1", "company word");
	free(ids);
	ids = list_ids(c, "312555", NULL, 100);
	is_str(ids, "p1", "phone digits without country code");
	free(ids);
	ids = list_ids(c, "+1312", NULL, 100);
	is_str(ids, "p1", "phone with +");
	free(ids);
	ids = list_ids(c, "555-0148", NULL, 100);
	is_str(ids, "p1", "phone local part");
	free(ids);
	ids = list_ids(c, "new", NULL, 100);
	is_str(ids, "p1", "tag word");
	free(ids);
	ids = list_ids(c, "peter parker", NULL, 100);
	is_str(ids, "p1", "two terms AND");
	free(ids);
	ids = list_ids(c, "peter anna", NULL, 100);
	is_str(ids, "", "AND excludes");
	free(ids);
	ids = list_ids(c, "OR NOT \" * (", NULL, 100);
	is_str(ids, "", "FTS syntax in the input is inert");
	free(ids);
	ids = list_ids(c, NULL, "vip", 100);
	is_str(ids, "e1,p1,y1", "tag filter, case-insensitive");
	free(ids);
	ids = list_ids(c, "tag:vip pet", NULL, 100);
	is_str(ids, "p1", "tag: in the search text");
	free(ids);
	ids = list_ids(c, "tag:\"new lead\"", NULL, 100);
	is_str(ids, "p1", "tag with a space");
	free(ids);
	ids = list_ids(c, "tag:b", "vip", 100);
	is_str(ids, "", "two tags AND");
	free(ids);
	q.search = "an";
	cache_count(c, &q, &cnt, &e);
	is_int(cnt, 4, "count with search");
	is_int(cache_row_index(c, &q, "z1", &idx, &e), 0, "index in search");
	is_int(idx, 3, "position in the filtered list");
	is_int(cache_row_index(c, &q, "p1", &idx, &e), ERR_NOTFOUND,
	    "row not in the filter");
	q.search = NULL;

	/* Updates reach the index; deleted contacts leave lists and tags. */
	put(c, "p1", "Miles", "Morales", NULL, NULL, NULL, "vip", 1);
	ids = list_ids(c, "peter", NULL, 100);
	is_str(ids, "", "old name no longer found");
	free(ids);
	ids = list_ids(c, "miles", NULL, 100);
	is_str(ids, "p1", "new name found");
	free(ids);
	cache_known_tags(c, NULL, &tags, &e);
	is_int(tags.n, 2, "known tags: b, vip");
	strv_free(&tags);
	cache_known_tags(c, "V", &tags, &e);
	ok(tags.n == 1 && strcasecmp(tags.v[0], "vip") == 0,
	    "known tags by prefix");
	strv_free(&tags);
	cache_contact_mark_deleted(c, "p1", &e);
	cache_contact_mark_deleted(c, "z1", &e);
	ids = list_ids(c, NULL, NULL, 100);
	is_str(ids, "b1,a9,m5,e0,e1,e2,n1,y1", "deleted contacts hidden");
	free(ids);
	cache_known_tags(c, NULL, &tags, &e);
	ok(tags.n == 1, "tags of deleted contacts forgotten");
	strv_free(&tags);
	put(c, "z1", "Anna", NULL, NULL, NULL, NULL, "b", 1);
	ids = list_ids(c, NULL, "b", 100);
	is_str(ids, "z1", "a re-put contact is back with its tags");
	free(ids);
	cache_close(c);
	{
		sqlite3 *db;
		char *msg = NULL;

		sqlite3_open(path, &db);
		ok(sqlite3_exec(db, "INSERT INTO contacts_fts(contacts_fts, "
		    "rank) VALUES ('integrity-check', 1)", NULL, NULL, &msg) ==
		    SQLITE_OK, "FTS index matches the rows (integrity-check)");
		if (msg != NULL)
			printf("# %s\n", msg);
		sqlite3_free(msg);
		sqlite3_close(db);
		unlink(path);
		snprintf(path, sizeof path, "%s/list.db-wal", tmpdir);
		unlink(path);
		snprintf(path, sizeof path, "%s/list.db-shm", tmpdir);
		unlink(path);
	}
}

struct each {
	int n;
	char ids[256];
};

static int
each_cb(void *arg, const struct contact *ct, long long synced)
{
	struct each *a = arg;

	if (a->n++ > 0)
		strncat(a->ids, ",", sizeof a->ids - strlen(a->ids) - 1);
	strncat(a->ids, ct->id, sizeof a->ids - strlen(a->ids) - 1);
	return a->n == 100 ? 7 : 0;
}

static void
test_children(void)
{
	struct cache *c;
	struct err e;
	struct task tv[3], *gt;
	struct note nv[2], *gn;
	struct appt av[2], *ga;
	struct each a = { 0 };
	struct cache_query q = { NULL, NULL };
	size_t n;

	cache_open(&c, ":memory:", &e);
	put(c, "c1", "Carl", NULL, NULL, NULL, NULL, NULL, 1);
	memset(tv, 0, sizeof tv);
	tv[0].id = xstrdup("t1"); tv[0].title = xstrdup("late"); tv[0].due_date =
	    xstrdup("2026-03-01T00:00:00Z"); tv[0].completed = TRI_FALSE;
	tv[1].id = xstrdup("t2"); tv[1].title = xstrdup("done"); tv[1].due_date =
	    xstrdup("2026-01-01T00:00:00Z"); tv[1].completed = TRI_TRUE;
	tv[2].id = xstrdup("t3"); tv[2].title = xstrdup("early"); tv[2].due_date =
	    xstrdup("2026-02-01T00:00:00Z"); tv[2].completed = TRI_FALSE;
	is_int(cache_replace_tasks(c, "c1", tv, 3, &e), 0, "replace tasks");
	cache_get_tasks(c, "c1", &gt, &n, &e);
	ok(n == 3 && strcmp(gt[0].id, "t3") == 0 && strcmp(gt[1].id, "t1") ==
	    0 && strcmp(gt[2].id, "t2") == 0, "tasks: open first, by due");
	ok(n == 3 && gt[0].raw != NULL && strstr(gt[0].raw, "\"t3\"") != NULL,
	    "task raw synthesised");
	tasks_free(gt, n);
	is_int(cache_replace_tasks(c, "c1", tv + 1, 1, &e), 0, "replace again");
	cache_get_tasks(c, "c1", &gt, &n, &e);
	ok(n == 1 && strcmp(gt[0].id, "t2") == 0, "server set replaces");
	tasks_free(gt, n);

	memset(nv, 0, sizeof nv);
	nv[0].id = xstrdup("n1"); nv[0].body = xstrdup("old"); nv[0].date_added =
	    xstrdup("2026-01-01T00:00:00Z");
	nv[1].id = xstrdup("n2"); nv[1].body = xstrdup("new"); nv[1].date_added =
	    xstrdup("2026-02-01T00:00:00Z");
	cache_replace_notes(c, "c1", nv, 2, &e);
	cache_get_notes(c, "c1", &gn, &n, &e);
	ok(n == 2 && strcmp(gn[0].id, "n2") == 0, "notes newest first");
	notes_free(gn, n);

	memset(av, 0, sizeof av);
	av[0].id = xstrdup("a1"); av[0].start_time = xstrdup("2026-05-02 10:00:00");
	av[1].id = xstrdup("a2"); av[1].start_time = xstrdup("2026-05-01 10:00:00");
	cache_replace_appts(c, "c1", av, 2, &e);
	cache_get_appts(c, "c1", &ga, &n, &e);
	ok(n == 2 && strcmp(ga[0].id, "a2") == 0, "appointments by start");
	appts_free(ga, n);
	cache_delete_appt(c, "a2", &e);
	cache_get_appts(c, "c1", &ga, &n, &e);
	is_int(n, 1, "appointment deleted");
	appts_free(ga, n);

	tv[0].contact_id = xstrdup("c1");
	is_int(cache_put_task(c, &tv[0], &e), 0, "put one task");
	free(tv[0].contact_id);
	tv[0].contact_id = NULL;
	is_int(cache_put_task(c, &tv[0], &e), ERR_INVALID,
	    "put task without contact id");
	cache_delete_task(c, "t1", &e);
	cache_get_tasks(c, "c1", &gt, &n, &e);
	is_int(n, 1, "task deleted");
	tasks_free(gt, n);

	put(c, "c2", "Dora", NULL, NULL, NULL, NULL, NULL, 1);
	cache_foreach_contact(c, &q, NULL, each_cb, &a, &e);
	is_str(a.ids, "c1,c2", "foreach streams in list order");
	{
		struct contact ct;

		mk_contact(&ct, "c3", "Eve", NULL, NULL, NULL, NULL, NULL);
		ct.date_updated = xstrdup("2026-06-01T00:00:00.000Z");
		cache_put_contact(c, &ct, 1, &e);
		contact_free(&ct);
	}
	memset(&a, 0, sizeof a);
	cache_foreach_contact(c, &q, "2026-01-01T00:00:00Z", each_cb, &a, &e);
	is_str(a.ids, "c3", "foreach since");
	for (int i = 0; i < 3; i++)
		task_free(&tv[i]);
	for (int i = 0; i < 2; i++) {
		note_free(&nv[i]);
		appt_free(&av[i]);
	}
	cache_close(c);
}

static void
test_log_usage(void)
{
	struct cache *c;
	struct err e;
	struct log_entry *v;
	struct usage_row *u;
	struct usage_hour *h;
	struct usage_headers hd;
	size_t n;
	long cnt;
	long long now = 1780000000000LL;	/* some hour in 2026 */

	cache_open(&c, ":memory:", &e);
	cache_log_add(c, "write", "error", "c1", "PUT /x", 500, "boom", &e);
	cache_log_add(c, "write", "error", "c2", "PUT /x", 500, "boom", &e);
	cache_log_add(c, "write", "error", "c1", "PUT /x", 500, "boom", &e);
	cache_log_add(c, "write", "error", "c1", "PUT /x", 500, "boom", &e);
	cache_log_add(c, "sync", "info", "c1", NULL, 200, "ok", &e);
	cache_log_add(c, "sync", "info", "c1", NULL, 200, "ok", &e);
	cache_log_add(c, "write", "error", "c1", "PUT /x", 500, "other", &e);
	cache_log_list(c, 0, 0, &v, &n, &e);
	is_int(n, 5, "identical errors collapsed, infos not");
	ok(n == 5 && v[4].count == 3 && strcmp(v[4].contact_id, "c1") == 0,
	    "collapsed entry counts 3 (interleaved with another contact)");
	ok(n == 5 && strcmp(v[0].message, "other") == 0, "newest first");
	cache_log_free(v, n);
	cache_log_list(c, 1, 2, &v, &n, &e);
	ok(n == 2 && strcmp(v[0].level, "error") == 0, "failed only, limit");
	cache_log_free(v, n);
	cache_log_unacked_errors(c, &cnt, &e);
	is_int(cnt, 3, "unacked errors");
	cache_log_ack_all(c, &e);
	cache_log_unacked_errors(c, &cnt, &e);
	is_int(cnt, 0, "acked");
	cache_log_add(c, "write", "error", "c1", "PUT /x", 500, "other", &e);
	cache_log_unacked_errors(c, &cnt, &e);
	is_int(cnt, 1, "a repeat makes the entry unacknowledged again");

	cache_usage_record(c, "GET /contacts/:id", 200, 0, now, &e);
	cache_usage_record(c, "GET /contacts/:id", 429, 1, now + 1000, &e);
	cache_usage_record(c, "GET /contacts/:id", 500, 1, now - 3600000, &e);
	cache_usage_record(c, "POST /contacts/search", 200, 0, now, &e);
	cache_usage_record(c, "GET /contacts/:id", 200, 0,
	    now - 3LL * 86400000, &e);
	cache_usage_by_endpoint_day(c, 2, now, &u, &n, &e);
	ok(n == 2 && strcmp(u[0].endpoint, "GET /contacts/:id") == 0 &&
	    u[0].count == 3 && u[0].n429 == 1 && u[0].errors == 1 &&
	    u[0].retries == 2, "per endpoint per day");
	cache_usage_free(u, n);
	cache_usage_by_hour(c, 24, now, &h, &e);
	ok(h[23].count == 3 && h[23].n429 == 1 && h[22].count == 1 &&
	    h[22].errors == 1 && h[0].count == 0, "24 hourly buckets");
	ok(h[23].hour_ms <= now && h[23].hour_ms + 3600000 > now,
	    "last bucket holds now");
	free(h);
	is_int(cache_usage_last_headers(c, &hd, &e), ERR_NOTFOUND,
	    "no headers yet");
	cache_usage_set_headers(c, 200000, 199000, 10000, 100, 97, now, &e);
	cache_usage_set_headers(c, 200000, 198999, 10000, 100, 96, now + 1,
	    &e);
	is_int(cache_usage_last_headers(c, &hd, &e), 0, "headers");
	ok(hd.daily_remaining == 198999 && hd.remaining == 96 &&
	    hd.at_ms == now + 1, "last headers kept");
	cache_close(c);
}

/* Many matches take the scan plan; the pages must be the same. */
static void
test_scan_plan(void)
{
	struct cache *c;
	struct cache_query q = { "zed", NULL };
	struct cache_row *rows;
	struct err e;
	char *after = NULL, *prev = NULL;
	size_t n, total = 0;
	int ordered = 1;
	long cnt;

	cache_open(&c, ":memory:", &e);
	cache_begin(c, &e);
	for (int i = 0; i < 3000; i++) {
		char id[32], name[32];

		snprintf(id, sizeof id, "z%05d", (i * 7919) % 3000);
		snprintf(name, sizeof name, "Zed %04d", i % 1500);
		put(c, id, name, NULL, NULL, NULL, NULL, NULL, 1);
	}
	for (int i = 0; i < 50; i++) {
		char id[32];

		snprintf(id, sizeof id, "a%03d", i);
		put(c, id, "Amy", NULL, NULL, NULL, NULL, NULL, 1);
	}
	cache_commit(c, &e);
	cache_count(c, &q, &cnt, &e);
	is_int(cnt, 3000, "3000 matches");
	do {
		cache_list(c, &q, after, 100, &rows, &n, &e);
		for (size_t i = 0; i < n; i++) {
			if (prev != NULL && strcmp(prev, rows[i].sort_key) >= 0)
				ordered = 0;
			free(prev);
			prev = xstrdup(rows[i].sort_key);
			if (strncmp(rows[i].id, "z", 1) != 0)
				ordered = 0;
		}
		total += n;
		free(after);
		after = n > 0 ? xstrdup(rows[n - 1].sort_key) : NULL;
		cache_rows_free(rows, n);
	} while (n == 100);
	is_int(total, 3000, "paging through many matches sees each once");
	ok(ordered, "in order, only matches");
	cache_list_before(c, &q, NULL, 3, &rows, &n, &e);
	ok(n == 3 && strcmp(rows[2].sort_key, prev) == 0,
	    "last page backwards ends at the same row");
	cache_rows_free(rows, n);
	free(prev);
	free(after);
	cache_close(c);
}

/* Remove a cache file and its -wal and -shm. */
static void
unlink_db(const char *db)
{
	char p[420];

	snprintf(p, sizeof p, "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", db);
	unlink(p);
	unlink(db);
}

/* Raw JSON is stored packed (a blob) and read back the same; a row an
 * older build wrote as text still reads. */
static void
test_raw_packed(void)
{
	char db[400], *type = NULL;
	struct cache *c = NULL;
	struct contact ct, got;
	struct err e;
	sqlite3 *raw_db = NULL;
	sqlite3_stmt *st = NULL;
	static const char raw[] = "{\"id\":\"pk1\",\"firstName\":\"Packed\","
	    "\"dndSettings\":{\"Call\":{\"status\":\"inactive\",\"message\":"
	    "\"\",\"code\":\"\"},\"Email\":{\"status\":\"inactive\","
	    "\"message\":\"\",\"code\":\"\"},\"SMS\":{\"status\":\"inactive\","
	    "\"message\":\"\",\"code\":\"\"}},\"customFields\":[{\"id\":"
	    "\"cf1\",\"value\":\"kept\"}],\"additionalEmails\":[]}";

	snprintf(db, sizeof db, "%s/packed.db", tmpdir);
	ok(cache_open(&c, db, &e) == 0, "packed: open");
	mk_contact(&ct, "pk1", "Packed", NULL, NULL, NULL, NULL, NULL);
	ct.raw = xstrdup(raw);
	ok(cache_put_contact(c, &ct, 1, &e) == 0, "packed: put");
	cache_contact_pack(&ct);
	ok(ct.rawz != NULL && ct.rawz_len < strlen(raw),
	    "packed: cache_contact_pack packs ahead (%zu -> %zu)",
	    strlen(raw), ct.rawz_len);
	free(ct.id);
	ct.id = xstrdup("pk2");
	ok(cache_put_contact(c, &ct, 1, &e) == 0,
	    "packed: put with the bytes packed ahead");
	contact_free(&ct);
	cache_close(c);

	if (sqlite3_open(db, &raw_db) == SQLITE_OK &&
	    sqlite3_prepare_v2(raw_db, "SELECT group_concat(typeof(raw)) "
	    "FROM (SELECT raw FROM contacts ORDER BY id)", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		type = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	ok(type != NULL && strcmp(type, "blob,blob") == 0,
	    "packed: both rows hold a blob (%s)", type ? type : "?");
	free(type);
	/* As an older build would have left it. */
	ok(sqlite3_exec(raw_db, "UPDATE contacts SET raw = "
	    "'{\"id\":\"pk2\",\"firstName\":\"Text\"}' WHERE id = 'pk2'",
	    NULL, NULL, NULL) == SQLITE_OK, "packed: one row set back to text");
	sqlite3_close(raw_db);

	c = NULL;
	ok(cache_open(&c, db, &e) == 0, "packed: reopen");
	memset(&got, 0, sizeof got);
	ok(c != NULL && cache_get_contact(c, "pk1", &got, NULL, &e) == 0 &&
	    got.raw != NULL && strcmp(got.raw, raw) == 0,
	    "packed: the packed row reads back byte for byte");
	contact_free(&got);
	memset(&got, 0, sizeof got);
	ok(c != NULL && cache_get_contact(c, "pk2", &got, NULL, &e) == 0 &&
	    got.raw != NULL && strstr(got.raw, "\"Text\"") != NULL,
	    "packed: the text row reads as text");
	contact_free(&got);
	cache_close(c);
	unlink_db(db);
}

/* The live-contact count (schema 4: inserts counted by cache.c, deletes
 * and undeletes by triggers) always equals the rows. */
static void
test_counts(void)
{
	char db[400];
	struct cache *c = NULL;
	struct cache_query q = { NULL, NULL };
	struct err e;
	sqlite3 *raw_db = NULL;
	sqlite3_stmt *st = NULL;
	long n = -1, rows = -2, kept = -3;

	snprintf(db, sizeof db, "%s/counts.db", tmpdir);
	ok(cache_open(&c, db, &e) == 0, "counts: open");
	ok(put(c, "n1", "A", NULL, NULL, NULL, NULL, NULL, 1) == 0 &&
	    put(c, "n2", "B", NULL, NULL, NULL, NULL, NULL, 1) == 0 &&
	    put(c, "n3", "C", NULL, NULL, NULL, NULL, NULL, 1) == 0 &&
	    put(c, "n2", "B2", NULL, NULL, NULL, NULL, NULL, 1) == 0,
	    "counts: three inserts and an update");
	ok(cache_count(c, &q, &n, &e) == 0 && n == 3, "counts: 3");
	ok(cache_contact_mark_deleted(c, "n1", &e) == 0 &&
	    cache_count(c, &q, &n, &e) == 0 && n == 2,
	    "counts: a delete takes one off");
	ok(put(c, "n1", "A", NULL, NULL, NULL, NULL, NULL, 1) == 0 &&
	    cache_count(c, &q, &n, &e) == 0 && n == 3,
	    "counts: the same contact synced again counts again");
	ok(cache_begin(c, &e) == 0 &&
	    put(c, "n4", "D", NULL, NULL, NULL, NULL, NULL, 1) == 0 &&
	    (cache_rollback(c), cache_count(c, &q, &n, &e)) == 0 &&
	    n == 3, "counts: a rolled back insert is not counted");
	cache_close(c);
	if (sqlite3_open(db, &raw_db) == SQLITE_OK &&
	    sqlite3_prepare_v2(raw_db, "SELECT (SELECT n FROM counts WHERE "
	    "name = 'contacts'), (SELECT count(*) FROM contacts WHERE "
	    "deleted = 0), (SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'trigger' AND name = 'counts_ins')", -1, &st,
	    NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		n = sqlite3_column_int(st, 0);
		rows = sqlite3_column_int(st, 1);
		kept = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	sqlite3_close(raw_db);
	ok(n == rows && n == 3, "counts: the stored count equals the rows "
	    "(%ld, %ld)", n, rows);
	ok(kept == 0, "counts: no insert trigger (schema 4)");
	unlink_db(db);
}

static long long
fsize(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/*
 * Closing leaves a small WAL of server data to the next opener (no
 * checkpoint, no fsync); a user's write, a large WAL or a schema change
 * make close checkpoint it into the database as before.
 */
static void
test_close_policy(void)
{
	char db[400], wal[420];
	struct cache *c = NULL;
	struct contact got;
	struct strv tags = { 0 };
	struct err e;
	long long entry = 0;
	int rc;

	snprintf(db, sizeof db, "%s/close.db", tmpdir);
	snprintf(wal, sizeof wal, "%s-wal", db);
	/* Opening a new file creates the schema: that close checkpoints. */
	ok(cache_open(&c, db, &e) == 0, "close: open a new cache");
	cache_close(c);
	ok(fsize(wal) == -1, "close: after the schema, the WAL is folded in");

	ok(cache_open(&c, db, &e) == 0, "close: reopen");
	ok(put(c, "cl1", "Close", "Policy", NULL, NULL, NULL, "a", 1) == 0,
	    "close: a synced contact put");
	cache_close(c);
	ok(fsize(wal) > 0, "close: server data only: the WAL is left "
	    "(%lld bytes)", fsize(wal));

	c = NULL;
	ok(cache_open(&c, db, &e) == 0, "close: reopen with a WAL");
	memset(&got, 0, sizeof got);
	rc = c != NULL ? cache_get_contact(c, "cl1", &got, NULL, &e) : -1;
	ok(rc == 0 && got.first_name != NULL &&
	    strcmp(got.first_name, "Close") == 0,
	    "close: the contact is read back from the WAL");
	contact_free(&got);
	strv_push(&tags, "vip");
	ok(cache_tags_add(c, "cl1", &tags, &entry, &e) == 0 && entry > 0,
	    "close: a user's write goes to the outbox");
	strv_free(&tags);
	cache_close(c);
	ok(fsize(wal) == -1, "close: after an outbox write the WAL is "
	    "checkpointed and removed");

	/*
	 * Two connections: the one with the user's write closes first, the
	 * lazy one last.  The write must be in the database file itself
	 * then, not only in the WAL the lazy close leaves.
	 */
	{
		struct cache *a = NULL, *b = NULL;
		char copy[420];
		sqlite3 *cp = NULL;
		sqlite3_stmt *q = NULL;
		int found = -1;
		FILE *in, *outf;

		ok(cache_open(&a, db, &e) == 0 && cache_open(&b, db, &e) == 0,
		    "close: two connections");
		strv_push(&tags, "second");
		ok(cache_tags_add(a, "cl1", &tags, &entry, &e) == 0,
		    "close: a user's write on the first");
		strv_free(&tags);
		ok(put(b, "cl2", "Lazy", "Last", NULL, NULL, NULL, NULL, 1) ==
		    0, "close: server data on the second");
		cache_close(a);
		cache_close(b);
		/* The database file alone, as after a power cut that lost
		 * the unsynced WAL. */
		snprintf(copy, sizeof copy, "%s/copy.db", tmpdir);
		in = fopen(db, "rb");
		outf = fopen(copy, "wb");
		if (in != NULL && outf != NULL) {
			char blk[8192];
			size_t nread;

			while ((nread = fread(blk, 1, sizeof blk, in)) > 0)
				fwrite(blk, 1, nread, outf);
		}
		if (in != NULL)
			fclose(in);
		if (outf != NULL)
			fclose(outf);
		if (sqlite3_open(copy, &cp) == SQLITE_OK &&
		    sqlite3_prepare_v2(cp, "SELECT count(*) FROM outbox WHERE "
		    "payload LIKE '%second%'", -1, &q, NULL) == SQLITE_OK &&
		    sqlite3_step(q) == SQLITE_ROW)
			found = sqlite3_column_int(q, 0);
		sqlite3_finalize(q);
		sqlite3_close(cp);
		ok(found == 1, "close: the user's write is in the database "
		    "file, not only the WAL (%d)", found);
		unlink_db(copy);
	}

	/* A WAL over 1 MB is folded in even when it is all server data. */
	c = NULL;
	ok(cache_open(&c, db, &e) == 0, "close: reopen for a big write");
	rc = 0;
	for (int i = 0, open = 0; rc == 0 && i < 100000; i++) {
		char id[32], first[64];

		if (!open && fsize(wal) >= (2L << 20))
			break;
		if (!open && (rc = cache_begin(c, &e)) != 0)
			break;
		open = 1;
		snprintf(id, sizeof id, "big%06d", i);
		snprintf(first, sizeof first, "Name%06d with some padding "
		    "text to fill the pages", i);
		rc = put(c, id, first, "Big", "big@example.test",
		    "+15550001111", "Bulk Company Incorporated", "x,y,z", 1);
		if (rc == 0 && i % 1000 == 999) {
			rc = cache_commit(c, &e);
			open = 0;
		}
	}
	ok(rc == 0 && fsize(wal) >= (2L << 20), "close: contacts put until "
	    "the WAL is over 2 MB (%lld bytes)", fsize(wal));
	cache_close(c);
	ok(fsize(wal) == -1, "close: a WAL over 1 MB is checkpointed");
	c = NULL;
	ok(cache_open(&c, db, &e) == 0, "close: the cache opens after");
	cache_close(c);
	unlink_db(db);
}

int
main(void)
{
	char cmd[300];

	if (mkdtemp(tmpdir) == NULL) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	test_open();
	test_put_get();
	test_list();
	test_children();
	test_scan_plan();
	test_log_usage();
	test_close_policy();
	test_raw_packed();
	test_counts();
	snprintf(cmd, sizeof cmd, "%s/a/b", tmpdir);
	{
		static const char *const f[] = { "cache.db", "cache.db-wal",
		    "cache.db-shm" };

		for (size_t i = 0; i < 3; i++) {
			char p[400];

			snprintf(p, sizeof p, "%s/%s", cmd, f[i]);
			unlink(p);
		}
		rmdir(cmd);
		snprintf(cmd, sizeof cmd, "%s/a", tmpdir);
		rmdir(cmd);
		rmdir(tmpdir);
	}
	return tap_done();
}
