/* test_cache_outbox.c: local writes (optimistic change + outbox entry in one
 * transaction), outbox ordering and state changes, local-id rewrites,
 * replace/put keeping unsent changes, undo and discard. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cache.h"
#include "model.h"
#include "xmalloc.h"
#include "../tap.h"

static struct err e;

static void
put_contact(struct cache *c, const char *id, const char *first,
    const char *tags)
{
	struct contact ct;

	memset(&ct, 0, sizeof ct);
	ct.id = xstrdup(id);
	ct.first_name = xstrdup(first);
	ct.dnd = TRI_UNSET;
	if (tags != NULL)
		strv_push(&ct.tags, tags);
	if (cache_put_contact(c, &ct, 1000, &e) != 0)
		printf("# put_contact: %s\n", e.msg);
	contact_free(&ct);
}

static void
set_tasks(struct cache *c, const char *cid, int n, ...)
{
	struct task *v = xcalloc((size_t)n + 1, sizeof *v);
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		v[i].id = xstrdup(va_arg(ap, const char *));
		v[i].title = xstrdup(va_arg(ap, const char *));
		v[i].completed = va_arg(ap, int) ? TRI_TRUE : TRI_FALSE;
		v[i].due_date = xstrdup("2026-01-01T00:00:00Z");
	}
	va_end(ap);
	if (cache_replace_tasks(c, cid, v, (size_t)n, &e) != 0)
		printf("# replace_tasks: %s\n", e.msg);
	tasks_free(v, (size_t)n);
}

static enum tri
task_completed(struct cache *c, const char *id, char **title)
{
	struct task t;
	enum tri r;

	if (title != NULL)
		*title = NULL;
	if (cache_get_task(c, id, &t, NULL) != 0)
		return (enum tri)-2;
	r = t.completed;
	if (title != NULL)
		*title = xstrdup0(t.title);
	task_free(&t);
	return r;
}

static char *
tags_of(struct cache *c, const char *id)
{
	struct contact ct;
	char out[256] = "";

	if (cache_get_contact(c, id, &ct, NULL, NULL) != 0)
		return xstrdup("(none)");
	for (size_t i = 0; i < ct.tags.n; i++) {
		if (i > 0)
			strncat(out, ",", sizeof out - strlen(out) - 1);
		strncat(out, ct.tags.v[i], sizeof out - strlen(out) - 1);
	}
	contact_free(&ct);
	return xstrdup(out);
}

static long
n_entries(struct cache *c, const char *cid)
{
	struct outbox_entry *v;
	size_t n;

	cache_outbox_list(c, cid, 0, &v, &n, NULL);
	outbox_entries_free(v, n);
	return (long)n;
}

static void
test_local_writes(const char *path)
{
	struct cache *c;
	struct outbox_entry en;
	struct strv tags = { 0 };
	long long id1, id2;
	char *s, *title;
	sqlite3 *db;
	int rc;

	unlink(path);
	cache_open(&c, path, &e);
	put_contact(c, "c1", "Carl", "old");
	put_contact(c, "c2", "Dora", NULL);
	set_tasks(c, "c1", 2, "t1", "call back", 0, "t2", "send quote", 0);
	set_tasks(c, "c2", 1, "u1", "other", 0);

	is_int(cache_task_set_completed(c, "c1", "t1", 1, &id1, &e), 0,
	    "complete task");
	ok(id1 > 0, "entry id returned");
	is_int(task_completed(c, "t1", NULL), TRI_TRUE, "row completed at once");
	is_int(cache_outbox_get(c, id1, &en, &e), 0, "entry stored");
	is_str(en.op, "task.complete", "op");
	is_str(en.contact_id, "c1", "contact id");
	is_str(en.target_id, "t1", "target id");
	is_str(en.payload, "{\"completed\":true}", "request body");
	is_str(en.status, "pending", "pending");
	is_int(en.attempts, 0, "never attempted");
	ok(en.prev != NULL && strstr(en.prev, "call back") != NULL,
	    "prev snapshot holds the row");
	outbox_entry_free(&en);
	{
		struct task t;

		cache_get_task(c, "t1", &t, &e);
		ok(t.raw != NULL && strstr(t.raw, "\"completed\":true") != NULL,
		    "raw JSON merged too");
		task_free(&t);
	}

	/* A failure in the middle leaves nothing half-applied. */
	sqlite3_open(path, &db);
	sqlite3_exec(db, "CREATE TRIGGER fail BEFORE INSERT ON outbox BEGIN "
	    "SELECT RAISE(ABORT, 'injected failure'); END", NULL, NULL, NULL);
	rc = cache_task_set_completed(c, "c1", "t2", 1, &id2, &e);
	is_int(rc, ERR_DB, "write fails when the outbox insert fails");
	ok(strstr(e.msg, "injected") != NULL && strstr(e.msg,
	    "task.complete") != NULL, "message names op and cause");
	is_int(task_completed(c, "t2", NULL), TRI_FALSE,
	    "row change rolled back");
	is_int(n_entries(c, NULL), 1, "no entry added");
	is_int(cache_depth(c), 0, "no transaction left open");
	strv_push(&tags, "new");
	is_int(cache_tags_add(c, "c1", &tags, NULL, &e), ERR_DB,
	    "tags write fails too");
	s = tags_of(c, "c1");
	is_str(s, "old", "tags unchanged");
	free(s);
	sqlite3_exec(db, "DROP TRIGGER fail", NULL, NULL, NULL);
	sqlite3_close(db);

	/* Not in the cache: ERR_NOTFOUND naming the id. */
	is_int(cache_task_set_completed(c, "c1", "nope", 1, NULL, &e),
	    ERR_NOTFOUND, "unknown task");
	ok(strstr(e.msg, "nope") != NULL, "message names the task");
	is_int(cache_task_set_completed(c, "zz", "t1", 1, NULL, &e),
	    ERR_NOTFOUND, "unknown contact");
	ok(strstr(e.msg, "zz") != NULL, "message names the contact");
	is_int(cache_task_set_completed(c, "c1", "u1", 1, NULL, &e),
	    ERR_NOTFOUND, "task of another contact");
	is_int(cache_tags_add(c, "zz", &tags, NULL, &e), ERR_NOTFOUND,
	    "tags on unknown contact");
	is_int(n_entries(c, NULL), 1, "still one entry");

	/* Tags: case-insensitive, case kept; weird characters intact. */
	strv_free(&tags);
	strv_push(&tags, "OLD");
	strv_push(&tags, "a\"b%/..\nc");
	is_int(cache_tags_add(c, "c1", &tags, &id2, &e), 0, "tags add");
	s = tags_of(c, "c1");
	is_str(s, "old,a\"b%/..\nc", "tags added once, odd chars intact");
	free(s);
	{
		struct cache_row *rows;
		struct cache_query q = { NULL, "A\"B%/..\nC" };
		size_t n;

		cache_list(c, &q, NULL, 10, &rows, &n, &e);
		ok(n == 1 && rows[0].pending == 2,
		    "found by the odd tag; row shows 2 pending");
		cache_rows_free(rows, n);
	}
	strv_free(&tags);
	strv_push(&tags, "Old");
	is_int(cache_tags_remove(c, "c1", &tags, NULL, &e), 0, "tags remove");
	s = tags_of(c, "c1");
	is_str(s, "a\"b%/..\nc", "removed case-insensitively");
	free(s);
	strv_free(&tags);

	/* Undo: newest unsent first. */
	is_int(cache_outbox_undo_last(c, &s, &e), 0, "undo tags.remove");
	is_str(s, "c1", "undo names the contact");
	free(s);
	s = tags_of(c, "c1");
	is_str(s, "old,a\"b%/..\nc", "tags restored");
	free(s);
	cache_outbox_undo_last(c, NULL, &e);
	s = tags_of(c, "c1");
	is_str(s, "old", "second undo restores the first tag set");
	free(s);
	is_int(n_entries(c, NULL), 1, "undone entries deleted");
	cache_outbox_mark_inflight(c, id1, &e);
	is_int(cache_outbox_undo_last(c, NULL, &e), ERR_NOTFOUND,
	    "an attempted entry cannot be undone");
	is_int(task_completed(c, "t1", NULL), TRI_TRUE, "still completed");
	cache_outbox_mark_pending(c, id1, 0, "timeout", &e);
	is_int(cache_outbox_undo_last(c, NULL, &e), ERR_NOTFOUND,
	    "nor once retried");

	/* Task create/update/delete and undo of each. */
	{
		struct task t;
		char *lid = NULL;

		memset(&t, 0, sizeof t);
		t.title = xstrdup("new one");
		t.due_date = xstrdup("2026-02-02T00:00:00Z");
		t.completed = TRI_UNSET;
		is_int(cache_task_create(c, "c2", &t, &lid, &id2, &e), 0,
		    "task create");
		ok(lid != NULL && strncmp(lid, "local-", 6) == 0 &&
		    strlen(lid) == 20, "local id format");
		is_int(task_completed(c, lid, &title), TRI_FALSE,
		    "local task visible at once, completed false");
		is_str(title, "new one", "title");
		free(title);
		cache_outbox_get(c, id2, &en, &e);
		ok(strstr(en.payload, "\"completed\":false") != NULL &&
		    strstr(en.payload, "\"dueDate\"") != NULL,
		    "create body has the required fields");
		outbox_entry_free(&en);
		free(t.title);
		t.title = xstrdup("renamed");
		free(t.due_date);
		t.due_date = NULL;
		t.id = xstrdup("u1");
		is_int(cache_task_update(c, "c2", &t, NULL, &e), 0,
		    "task update");
		task_completed(c, "u1", &title);
		is_str(title, "renamed", "update applied");
		free(title);
		is_int(cache_task_delete(c, "c2", "u1", NULL, &e), 0,
		    "task delete");
		is_int(task_completed(c, "u1", NULL), -2, "deleted at once");
		cache_outbox_undo_last(c, NULL, &e);
		task_completed(c, "u1", &title);
		is_str(title, "renamed", "undo delete brings it back");
		free(title);
		cache_outbox_undo_last(c, NULL, &e);
		task_completed(c, "u1", &title);
		is_str(title, "other", "undo update restores the title");
		free(title);
		cache_outbox_undo_last(c, NULL, &e);
		is_int(task_completed(c, lid, NULL), -2,
		    "undo create removes the local row");
		free(lid);
		task_free(&t);
	}

	/* Contact delete hides it; undo shows it again. */
	is_int(cache_contact_delete(c, "c2", NULL, &e), 0, "contact delete");
	{
		struct contact ct;

		is_int(cache_get_contact(c, "c2", &ct, NULL, NULL),
		    ERR_NOTFOUND, "hidden at once");
	}
	is_int(cache_task_set_completed(c, "c2", "u1", 1, NULL, &e),
	    ERR_NOTFOUND, "no writes to a deleted contact");
	cache_outbox_undo_last(c, NULL, &e);
	{
		struct contact ct;

		is_int(cache_get_contact(c, "c2", &ct, NULL, &e), 0,
		    "undo delete restores the contact");
		contact_free(&ct);
	}
	cache_close(c);
	{
		char *msg = NULL;

		sqlite3_open(path, &db);
		ok(sqlite3_exec(db, "INSERT INTO contacts_fts(contacts_fts, "
		    "rank) VALUES ('integrity-check', 1)", NULL, NULL, &msg) ==
		    SQLITE_OK, "search index consistent after writes and "
		    "undos");
		sqlite3_free(msg);
		sqlite3_close(db);
	}
	unlink(path);
}

static void
test_ordering(void)
{
	struct cache *c;
	struct outbox_entry en, *v;
	struct note nt;
	struct strv tags = { 0 };
	long long a1, a2, b1, now = 5000;
	long pending, failed, nr;
	size_t n;

	cache_open(&c, ":memory:", &e);
	put_contact(c, "A", "Ann", NULL);
	put_contact(c, "B", "Ben", NULL);
	set_tasks(c, "A", 1, "ta", "x", 0);
	strv_push(&tags, "t");
	cache_task_set_completed(c, "A", "ta", 1, &a1, &e);
	cache_tags_add(c, "A", &tags, &a2, &e);
	memset(&nt, 0, sizeof nt);
	nt.body = xstrdup("hello");
	nt.pinned = TRI_UNSET;
	cache_note_create(c, "B", &nt, NULL, &b1, &e);
	note_free(&nt);
	strv_free(&tags);

	is_int(cache_outbox_next(c, NULL, now, &en, &e), 0, "next");
	is_int(en.id, a1, "oldest first");
	outbox_entry_free(&en);
	cache_outbox_mark_inflight(c, a1, &e);
	cache_outbox_get(c, a1, &en, &e);
	ok(strcmp(en.status, "inflight") == 0 && en.attempts == 1,
	    "inflight, attempts 1");
	outbox_entry_free(&en);
	is_int(cache_outbox_mark_inflight(c, a1, &e), ERR_CONFLICT,
	    "cannot go inflight twice");
	cache_outbox_next(c, NULL, now, &en, &e);
	is_int(en.id, b1, "A is blocked by its inflight entry: B next");
	outbox_entry_free(&en);
	is_int(cache_outbox_next(c, "A", now, &en, &e), ERR_NOTFOUND,
	    "nothing ready for A");
	cache_outbox_inflight(c, &v, &n, &e);
	ok(n == 1 && v[0].id == a1, "inflight list (crash recovery)");
	outbox_entries_free(v, n);

	cache_outbox_mark_pending(c, a1, now + 1000, "timeout", &e);
	cache_outbox_mark_inflight(c, b1, &e);
	is_int(cache_outbox_next(c, NULL, now, &en, &e), ERR_NOTFOUND,
	    "backoff: A's entry waits, and blocks A's later one");
	{
		long long when;

		cache_outbox_next_time(c, NULL, &when, &e);
		is_int(when, now + 1000, "next attempt time");
	}
	cache_outbox_next(c, NULL, now + 1000, &en, &e);
	ok(en.id == a1 && en.attempts == 1 && strcmp(en.error, "timeout") ==
	    0, "after the backoff A's entry is ready, with its error");
	outbox_entry_free(&en);

	cache_outbox_mark_failed(c, a1, "422: bad", &e);
	is_int(cache_outbox_next(c, "A", now + 5000, &en, &e), ERR_NOTFOUND,
	    "a failed entry blocks the contact's later entries");
	cache_outbox_counts(c, &pending, &failed, &e);
	ok(pending == 2 && failed == 1, "counts: 2 pending (1 inflight), 1 "
	    "failed");
	is_int(cache_outbox_retry(c, a2, &e), ERR_NOTFOUND,
	    "retry only failed entries");
	is_int(cache_outbox_retry(c, a1, &e), 0, "retry");
	cache_outbox_next(c, "A", now, &en, &e);
	is_int(en.id, a1, "retried entry is next again, at once");
	outbox_entry_free(&en);
	cache_outbox_mark_failed(c, a1, "x", &e);
	cache_outbox_retry_all(c, &nr, &e);
	is_int(nr, 1, "retry all");

	is_int(cache_outbox_discard(c, b1, &e), ERR_CONFLICT,
	    "an inflight entry cannot be discarded");
	is_int(cache_outbox_mark_done(c, b1, NULL, &e), ERR_INVALID,
	    "a create needs the server's object");
	is_int(cache_outbox_mark_done(c, b1, "{\"id\":\"N1\",\"body\":"
	    "\"hello\",\"contactId\":\"B\"}", &e), 0, "note create done");
	is_int(cache_outbox_mark_done(c, a1, "{\"id\":\"ta\",\"title\":"
	    "\"server title\",\"completed\":true,\"contactId\":\"A\"}", &e), 0,
	    "done with the server's task");
	{
		char *title;

		is_int(task_completed(c, "ta", &title), TRI_TRUE, "completed");
		is_str(title, "server title", "row replaced by the server's");
		free(title);
	}
	is_int(cache_outbox_mark_done(c, a2, "not json", &e), ERR_PARSE,
	    "bad server body refused");
	cache_outbox_get(c, a2, &en, &e);
	is_str(en.status, "pending", "entry unchanged after a refused done");
	outbox_entry_free(&en);
	is_int(cache_outbox_mark_done(c, a2, "{\"tags\":[\"t\",\"srv\"]}",
	    &e), 0, "tags done");
	{
		struct contact ct;

		cache_get_contact(c, "A", &ct, NULL, &e);
		ok(ct.tags.n == 2 && strcmp(ct.tags.v[1], "srv") == 0,
		    "tags from the server's reply");
		contact_free(&ct);
	}
	cache_outbox_list(c, NULL, 0, &v, &n, &e);
	is_int(n, 0, "done entries hidden by default");
	outbox_entries_free(v, n);
	cache_outbox_list(c, NULL, 1, &v, &n, &e);
	is_int(n, 3, "and listed with include_done");
	outbox_entries_free(v, n);
	cache_outbox_prune_done(c, 1LL << 62, &e);
	cache_outbox_list(c, NULL, 1, &v, &n, &e);
	is_int(n, 0, "pruned");
	outbox_entries_free(v, n);
	cache_close(c);
}

static void
test_rewrite(void)
{
	struct cache *c;
	struct outbox_entry en, *v;
	struct contact ct;
	struct task t, *tv;
	struct note nt, *nv;
	char *cid = NULL, *tid = NULL, *nid = NULL, *tid2 = NULL;
	long long ec, et, en_, eu, et2;
	size_t n;

	cache_open(&c, ":memory:", &e);
	/* A contact created offline, with a task and a note. */
	memset(&ct, 0, sizeof ct);
	ct.first_name = xstrdup("Newbie");
	ct.email = xstrdup("new@example.com");
	ct.dnd = TRI_UNSET;
	strv_push(&ct.tags, "fresh");
	is_int(cache_contact_create(c, &ct, "loc1", &cid, &ec, &e), 0,
	    "contact create");
	contact_free(&ct);
	{
		struct cache_row *rows;
		struct cache_query q = { "newbie", NULL };

		cache_list(c, &q, NULL, 5, &rows, &n, &e);
		ok(n == 1 && rows[0].never_synced && rows[0].pending == 1,
		    "local contact searchable, never synced, pending");
		cache_rows_free(rows, n);
	}
	cache_outbox_get(c, ec, &en, &e);
	ok(strstr(en.payload, "\"locationId\":\"loc1\"") != NULL,
	    "create body has locationId");
	outbox_entry_free(&en);
	memset(&t, 0, sizeof t);
	t.title = xstrdup("welcome call");
	t.due_date = xstrdup("2026-03-03T00:00:00Z");
	t.completed = TRI_FALSE;
	is_int(cache_task_create(c, cid, &t, &tid, &et, &e), 0,
	    "task under a local contact");
	task_free(&t);
	memset(&nt, 0, sizeof nt);
	nt.body = xstrdup("met at the fair");
	nt.pinned = TRI_UNSET;
	is_int(cache_note_create(c, cid, &nt, &nid, &en_, &e), 0,
	    "note under a local contact");
	note_free(&nt);
	is_int(cache_task_set_completed(c, cid, tid, 1, &eu, &e), 0,
	    "complete the local task");

	is_int(cache_outbox_next(c, NULL, 0, &en, &e), 0, "next");
	is_int(en.id, ec, "the contact create goes first");
	outbox_entry_free(&en);
	cache_outbox_mark_inflight(c, ec, &e);
	is_int(cache_outbox_mark_done(c, ec, "{\"id\":\"SRVCONTACT\","
	    "\"firstName\":\"Newbie\",\"email\":\"new@example.com\","
	    "\"tags\":[\"fresh\"],\"locationId\":\"loc1\"}", &e), 0,
	    "contact create done");
	ok(!cache_has_contact(c, cid, NULL), "local contact id gone");
	ok(cache_has_contact(c, "SRVCONTACT", NULL), "server id in place");
	cache_get_tasks(c, "SRVCONTACT", &tv, &n, &e);
	ok(n == 1 && strcmp(tv[0].id, tid) == 0 && tv[0].completed ==
	    TRI_TRUE, "task moved to the server contact id");
	tasks_free(tv, n);
	cache_get_notes(c, "SRVCONTACT", &nv, &n, &e);
	is_int(n, 1, "note moved too");
	notes_free(nv, n);
	cache_outbox_list(c, NULL, 0, &v, &n, &e);
	ok(n == 3 && strcmp(v[0].contact_id, "SRVCONTACT") == 0 &&
	    strcmp(v[2].contact_id, "SRVCONTACT") == 0,
	    "later entries rewritten to the server contact id");
	outbox_entries_free(v, n);

	cache_outbox_next(c, NULL, 0, &en, &e);
	is_int(en.id, et, "then the task create");
	outbox_entry_free(&en);
	cache_outbox_mark_inflight(c, et, &e);
	is_int(cache_outbox_mark_done(c, et, "{\"id\":\"SRVTASK\",\"title\":"
	    "\"welcome call\",\"completed\":false,\"contactId\":\"SRVCONTACT\","
	    "\"dueDate\":\"2026-03-03T00:00:00Z\"}", &e), 0, "task create done");
	is_int(task_completed(c, tid, NULL), -2, "local task id gone");
	is_int(task_completed(c, "SRVTASK", NULL), TRI_TRUE,
	    "server task keeps the unsent completion");
	cache_outbox_get(c, eu, &en, &e);
	is_str(en.target_id, "SRVTASK", "later entry targets the server id");
	outbox_entry_free(&en);

	cache_outbox_mark_inflight(c, en_, &e);
	is_int(cache_outbox_mark_done(c, en_, "{\"id\":\"SRVNOTE\",\"body\":"
	    "\"met at the fair\",\"contactId\":\"SRVCONTACT\"}", &e), 0,
	    "note create done");
	ok(cache_get_note(c, "SRVNOTE", &nt, NULL) == 0, "note has server id");
	note_free(&nt);
	ok(cache_get_note(c, nid, &nt, NULL) == ERR_NOTFOUND,
	    "local note id gone");

	/* Discarding a create removes its row and dependants. */
	memset(&t, 0, sizeof t);
	t.title = xstrdup("doomed");
	t.due_date = xstrdup("2026-03-03T00:00:00Z");
	cache_task_create(c, "SRVCONTACT", &t, &tid2, &et2, &e);
	task_free(&t);
	cache_task_set_completed(c, "SRVCONTACT", tid2, 1, NULL, &e);
	cache_outbox_mark_failed(c, et2, "422", &e);
	is_int(cache_outbox_discard(c, et2, &e), 0, "discard failed create");
	is_int(task_completed(c, tid2, NULL), -2, "local row removed");
	is_int(n_entries(c, "SRVCONTACT"), 1, "its later entry dropped too");
	free(cid);
	free(tid);
	free(nid);
	free(tid2);
	cache_close(c);
}

static void
test_rebase(void)
{
	struct cache *c;
	struct task t, *tv;
	struct strv tags = { 0 };
	struct contact ct;
	char *lid = NULL, *s, *title;
	size_t n;
	long long ef;

	cache_open(&c, ":memory:", &e);
	put_contact(c, "c1", "Carl", "a");
	set_tasks(c, "c1", 4, "t1", "one", 0, "t2", "two", 0, "t3", "three", 0,
	    "t4", "four", 0);
	cache_task_set_completed(c, "c1", "t1", 1, NULL, &e);
	cache_task_delete(c, "c1", "t2", NULL, &e);
	cache_task_set_completed(c, "c1", "t4", 1, &ef, &e);
	cache_outbox_mark_failed(c, ef, "gone", &e);
	memset(&t, 0, sizeof t);
	t.title = xstrdup("local");
	t.due_date = xstrdup("2026-01-01T00:00:00Z");
	cache_task_create(c, "c1", &t, &lid, NULL, &e);
	task_free(&t);

	/* The server: t1 renamed and still open, t2 still there, t3 gone,
	 * t4 gone, t5 new. */
	set_tasks(c, "c1", 3, "t1", "one (server)", 0, "t2", "two", 0, "t5",
	    "five", 0);
	is_int(task_completed(c, "t1", &title), TRI_TRUE,
	    "pending completion kept over the server's row");
	is_str(title, "one (server)", "server's other changes taken");
	free(title);
	is_int(task_completed(c, "t2", NULL), -2,
	    "pending delete: not resurrected");
	is_int(task_completed(c, "t3", NULL), -2, "deleted on the server");
	ok(task_completed(c, "t4", NULL) != -2,
	    "row of a failed entry kept (not deleted)");
	is_int(task_completed(c, "t5", NULL), TRI_FALSE, "new server task");
	is_int(task_completed(c, lid, NULL), TRI_FALSE,
	    "local unsent task kept");
	cache_get_tasks(c, "c1", &tv, &n, &e);
	is_int(n, 4, "t1, t4, t5 and the local one");
	tasks_free(tv, n);
	free(lid);

	/* put_contact re-applies unsent tag changes. */
	strv_push(&tags, "b");
	cache_tags_add(c, "c1", &tags, NULL, &e);
	strv_free(&tags);
	memset(&ct, 0, sizeof ct);
	ct.id = xstrdup("c1");
	ct.first_name = xstrdup("Carl (server)");
	ct.dnd = TRI_UNSET;
	strv_push(&ct.tags, "a");
	strv_push(&ct.tags, "z");
	cache_put_contact(c, &ct, 2000, &e);
	contact_free(&ct);
	s = tags_of(c, "c1");
	is_str(s, "a,z,b", "server tags plus the unsent one");
	free(s);
	{
		struct contact got;

		cache_get_contact(c, "c1", &got, NULL, &e);
		is_str(got.first_name, "Carl (server)", "server fields taken");
		contact_free(&got);
	}

	/* contact.update: fields merged, the name follows its parts. */
	memset(&ct, 0, sizeof ct);
	ct.id = xstrdup("c1");
	ct.last_name = xstrdup("Jones");
	ct.dnd = TRI_UNSET;
	is_int(cache_contact_update(c, &ct, NULL, &e), 0, "contact update");
	contact_free(&ct);
	{
		struct contact got;

		cache_get_contact(c, "c1", &got, NULL, &e);
		is_str(got.last_name, "Jones", "last name updated");
		is_str(got.name, "Carl (server) Jones", "name follows");
		contact_free(&got);
	}
	{
		struct cache_row *rows;
		struct cache_query q = { "jones", NULL };

		cache_list(c, &q, NULL, 5, &rows, &n, &e);
		is_int(n, 1, "search finds the optimistic change");
		cache_rows_free(rows, n);
	}
	cache_close(c);
}

int
main(void)
{
	char path[64];

	snprintf(path, sizeof path, "/tmp/test_cache_outbox.%d.db",
	    (int)getpid());
	test_local_writes(path);
	{
		char p2[80];

		snprintf(p2, sizeof p2, "%s-wal", path);
		unlink(p2);
		snprintf(p2, sizeof p2, "%s-shm", path);
		unlink(p2);
	}
	test_ordering();
	test_rewrite();
	test_rebase();
	return tap_done();
}
