/*
 * cache_outbox.c: local writes and the outbox (cache.h).  A local write is
 * one transaction: snapshot the row (for undo), apply the change to it
 * optimistically, append the outbox entry.  The same "apply" code re-plays
 * unsent entries on top of rows that a pull replaced (rebase), so a local
 * change stays visible until the server has it.
 */
#include "config.h"
#include "cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sqlite3.h>

#include "cache_int.h"
#include "codec.h"
#include "xmalloc.h"

enum family { FAM_CONTACT, FAM_TASK, FAM_NOTE };

static enum family
op_family(const char *op)
{
	if (strncmp(op, "task.", 5) == 0)
		return FAM_TASK;
	if (strncmp(op, "note.", 5) == 0)
		return FAM_NOTE;
	return FAM_CONTACT;
}

static int
op_is(const char *op, const char *what)
{
	const char *dot = strchr(op, '.');

	return dot != NULL && strcmp(dot + 1, what) == 0;
}

static char *
now_iso(void)
{
	struct timespec ts;
	struct tm tm;
	char s[40];
	time_t t;

	clock_gettime(CLOCK_REALTIME, &ts);
	t = ts.tv_sec;
	gmtime_r(&t, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%03ldZ", s, ts.tv_nsec / 1000000);
}

static char *
local_id(void)
{
	static const char an[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char r[14];
	char id[6 + 14 + 1];

	sqlite3_randomness(sizeof r, r);
	memcpy(id, "local-", 6);
	for (size_t i = 0; i < sizeof r; i++)
		id[6 + i] = an[r[i] % (sizeof an - 1)];
	id[sizeof id - 1] = '\0';
	return xstrdup(id);
}

/* ---- applying one change to the cached row ---- */

static int
parse_err(struct err *e, const char *what, const char *id)
{
	return err_set(e, ERR_PARSE, "cache: %s %s: stored JSON is not an "
	    "object", what, id);
}

/* Merge payload onto the contact's raw and rewrite the row from it. */
static int
apply_contact_patch(struct cache *c, const char *cid, const char *patch,
    int fix_name, struct err *e)
{
	struct contact_state s;
	struct contact ct;
	char *merged = NULL, *name_patch = NULL, *tmp;
	int rc;

	memset(&ct, 0, sizeof ct);
	rc = cache_contact_state(c, cid, &s, e);
	if (rc)
		return rc;
	merged = codec_merge(s.raw != NULL ? s.raw : "{}", patch);
	if (merged == NULL) {
		rc = parse_err(e, "contact", cid);
		goto out;
	}
	rc = codec_contact(merged, strlen(merged), &ct, e);
	if (rc)
		goto out;
	/* The server derives name from the parts: do the same locally. */
	if (fix_name && (ct.first_name != NULL || ct.last_name != NULL)) {
		char *pn = codec_get_json(patch, "name");
		char *pf = codec_get_json(patch, "firstName");
		char *pl = codec_get_json(patch, "lastName");

		if (pn == NULL && (pf != NULL || pl != NULL)) {
			char *full = xasprintf("%s%s%s", ct.first_name != NULL ?
			    ct.first_name : "", ct.first_name != NULL &&
			    ct.last_name != NULL ? " " : "", ct.last_name !=
			    NULL ? ct.last_name : "");

			name_patch = cache_json_pairs("name", full,
			    (char *)NULL);
			tmp = codec_merge(merged, name_patch);
			if (tmp != NULL) {
				free(merged);
				merged = tmp;
				free(ct.name);
				ct.name = full;
				full = NULL;
			}
			free(full);
		}
		free(pn);
		free(pf);
		free(pl);
	}
	free(ct.id);
	ct.id = xstrdup(cid);
	rc = cache_contact_write(c, &ct, merged, s.synced_at, s.local, e);
out:
	contact_free(&ct);
	cache_contact_state_free(&s);
	free(merged);
	free(name_patch);
	return rc;
}

static int
apply_tags(struct cache *c, const char *cid, const char *payload, int add,
    struct err *e)
{
	struct contact_state s;
	struct contact ct;
	struct strv want = { 0 }, next = { 0 };
	char *body = NULL;
	int rc;

	memset(&ct, 0, sizeof ct);
	rc = cache_contact_state(c, cid, &s, e);
	if (rc)
		return rc;
	rc = codec_tags_response(payload, strlen(payload), &want, e);
	if (rc)
		goto out;
	rc = codec_contact(s.raw != NULL ? s.raw : "{}", s.raw != NULL ?
	    strlen(s.raw) : 2, &ct, e);
	if (rc)
		goto out;
	for (size_t i = 0; i < ct.tags.n; i++)
		if (add || !strv_contains_ci(&want, ct.tags.v[i]))
			strv_push(&next, ct.tags.v[i]);
	for (size_t i = 0; add && i < want.n; i++)
		if (!strv_contains_ci(&next, want.v[i]))
			strv_push(&next, want.v[i]);
	body = codec_tags_body(&next);
	rc = apply_contact_patch(c, cid, body, 0, e);
out:
	free(body);
	strv_free(&want);
	strv_free(&next);
	contact_free(&ct);
	cache_contact_state_free(&s);
	return rc;
}

static int
apply_contact_create(struct cache *c, const char *cid, const char *payload,
    struct err *e)
{
	struct contact ct;
	char *extra, *raw;
	int rc;

	extra = cache_json_pairs("id", cid, (char *)NULL);
	raw = codec_merge(payload, extra);
	free(extra);
	if (raw == NULL)
		return parse_err(e, "new contact", cid);
	rc = codec_contact(raw, strlen(raw), &ct, e);
	if (rc == 0) {
		free(ct.id);
		ct.id = xstrdup(cid);
		rc = cache_contact_write(c, &ct, raw, 0, 1, e);
		contact_free(&ct);
	}
	free(raw);
	return rc;
}

static int
child_write_raw(struct cache *c, int is_note, const char *cid,
    const char *tid, const char *raw, int local, struct err *e)
{
	int rc;

	if (is_note) {
		struct note n;

		rc = codec_note(raw, strlen(raw), &n, e);
		if (rc)
			return rc;
		free(n.id);
		n.id = xstrdup(tid);
		rc = cache_note_write(c, &n, cid, local, e);
		note_free(&n);
	} else {
		struct task t;

		rc = codec_task(raw, strlen(raw), &t, e);
		if (rc)
			return rc;
		free(t.id);
		t.id = xstrdup(tid);
		rc = cache_task_write(c, &t, cid, local, e);
		task_free(&t);
	}
	return rc;
}

static int
apply_child_create(struct cache *c, int is_note, const char *cid,
    const char *tid, const char *payload, struct err *e)
{
	char *extra, *raw, *now = now_iso();
	int rc;

	extra = cache_json_pairs("id", tid, "contactId", cid,
	    is_note ? "dateAdded" : (char *)NULL, now, (char *)NULL);
	raw = codec_merge(payload, extra);
	free(extra);
	free(now);
	if (raw == NULL)
		return parse_err(e, is_note ? "new note" : "new task", tid);
	rc = child_write_raw(c, is_note, cid, tid, raw, 1, e);
	free(raw);
	return rc;
}

static int
apply_child_patch(struct cache *c, int is_note, const char *tid,
    const char *patch, struct err *e)
{
	char *cid = NULL, *raw = NULL, *merged = NULL;
	int rc, local = 0;

	rc = cache_child_state(c, is_note, tid, &cid, &raw, &local, e);
	if (rc)
		return rc;
	merged = codec_merge(raw != NULL ? raw : "{}", patch);
	if (merged == NULL)
		rc = parse_err(e, is_note ? "note" : "task", tid);
	else
		rc = child_write_raw(c, is_note, cid, tid, merged, local, e);
	free(cid);
	free(raw);
	free(merged);
	return rc;
}

/* The optimistic effect of one outbox entry on the cached rows. */
static int
apply_op(struct cache *c, const char *op, const char *cid, const char *tid,
    const char *payload, struct err *e)
{
	enum family f = op_family(op);
	const char *body = payload != NULL ? payload : "{}";

	if (f == FAM_CONTACT) {
		if (strcmp(op, "contact.create") == 0)
			return apply_contact_create(c, cid, body, e);
		if (strcmp(op, "contact.update") == 0)
			return apply_contact_patch(c, cid, body, 1, e);
		if (strcmp(op, "contact.delete") == 0)
			return cache_contact_set_deleted(c, cid, 1, e);
		if (strcmp(op, "tags.add") == 0)
			return apply_tags(c, cid, body, 1, e);
		if (strcmp(op, "tags.remove") == 0)
			return apply_tags(c, cid, body, 0, e);
	} else {
		int is_note = f == FAM_NOTE;

		if (op_is(op, "create"))
			return apply_child_create(c, is_note, cid, tid, body, e);
		if (op_is(op, "delete"))
			return cache_run(c, is_note ? "DELETE FROM notes WHERE "
			    "id = ?1" : "DELETE FROM tasks WHERE id = ?1", tid,
			    NULL, NULL, e);
		if (op_is(op, "update") || op_is(op, "complete") ||
		    op_is(op, "reopen"))
			return apply_child_patch(c, is_note, tid, body, e);
	}
	return err_set(e, ERR_INVALID, "cache: unknown outbox op %s", op);
}

struct pending_op {
	char	*op, *cid, *tid, *payload;
};

static int
rebase(struct cache *c, enum cache_q q, const char *key, struct err *e)
{
	struct pending_op *v = NULL;
	size_t n = 0;
	sqlite3_stmt *st;
	int rc = 0, step;

	st = cache_stmt(c, q, e);
	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, key);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n].op = cache_col(st, 0);
		v[n].cid = cache_col(st, 1);
		v[n].tid = cache_col(st, 2);
		v[n].payload = cache_col(st, 3);
		n++;
	}
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		rc = cache_dberr(c, e, "outbox lookup");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = apply_op(c, v[i].op, v[i].cid, v[i].tid, v[i].payload, e);
		/* A row that is gone (deleted meanwhile) has nothing to
		 * re-apply onto. */
		if (rc == ERR_NOTFOUND)
			rc = 0;
	}
	for (size_t i = 0; i < n; i++) {
		free(v[i].op);
		free(v[i].cid);
		free(v[i].tid);
		free(v[i].payload);
	}
	free(v);
	return rc;
}

int
cache_outbox_any_active(struct cache *c)
{
	sqlite3_stmt *st;

	if (c->depth == 0)
		return 1;
	if (c->ob_any < 0) {
		st = cache_stmt(c, Q_OB_ANY_ACTIVE, NULL);
		if (st == NULL)
			return 1;
		if (sqlite3_step(st) != SQLITE_ROW) {
			sqlite3_reset(st);
			return 1;
		}
		c->ob_any = sqlite3_column_int(st, 0) != 0;
		sqlite3_reset(st);
	}
	return c->ob_any;
}

int
cache_rebase_contact(struct cache *c, const char *cid, struct err *e)
{
	if (!cache_outbox_any_active(c))
		return 0;
	return rebase(c, Q_ACTIVE_CONTACT, cid, e);
}

int
cache_rebase_target(struct cache *c, const char *tid, struct err *e)
{
	if (!cache_outbox_any_active(c))
		return 0;
	return rebase(c, Q_ACTIVE_TARGET, tid, e);
}

/* ---- snapshots for undo ---- */

static char *
snapshot(const char *raw, long long synced_at, int deleted, int local)
{
	return xasprintf("{\"raw\":%s,\"synced_at\":%lld,\"deleted\":%d,"
	    "\"local\":%d}", raw != NULL ? raw : "null", synced_at, deleted,
	    local);
}

static long long
snap_num(const char *prev, const char *key)
{
	char *s = codec_get_json(prev, key);
	long long v = s != NULL ? strtoll(s, NULL, 10) : 0;

	free(s);
	return v;
}

static int
drop_contact(struct cache *c, const char *cid, struct err *e)
{
	int rc;

	rc = cache_run(c, "DELETE FROM tasks WHERE contact_id = ?1", cid, NULL,
	    NULL, e);
	if (rc == 0)
		rc = cache_run(c, "DELETE FROM notes WHERE contact_id = ?1", cid,
		    NULL, NULL, e);
	if (rc == 0)
		rc = cache_run(c, "DELETE FROM appts WHERE contact_id = ?1", cid,
		    NULL, NULL, e);
	if (rc == 0)
		rc = cache_contact_purge(c, cid, e);
	return rc;
}

/* Put the row an entry touched back as prev describes. */
static int
restore(struct cache *c, const struct outbox_entry *en, struct err *e)
{
	enum family f = op_family(en->op);
	char *raw = en->prev != NULL ? codec_get_json(en->prev, "raw") : NULL;
	long long synced = en->prev != NULL ? snap_num(en->prev, "synced_at") :
	    0;
	int deleted = en->prev != NULL ? (int)snap_num(en->prev, "deleted") : 0;
	int local = en->prev != NULL ? (int)snap_num(en->prev, "local") : 0;
	int rc;

	if (raw == NULL || strcmp(raw, "null") == 0) {
		/* The row did not exist before: a create. */
		if (f == FAM_CONTACT)
			rc = drop_contact(c, en->contact_id, e);
		else
			rc = cache_run(c, f == FAM_NOTE ? "DELETE FROM notes "
			    "WHERE id = ?1" : "DELETE FROM tasks WHERE id = ?1",
			    en->target_id, NULL, NULL, e);
	} else if (f == FAM_CONTACT) {
		struct contact ct;

		rc = codec_contact(raw, strlen(raw), &ct, e);
		if (rc == 0) {
			free(ct.id);
			ct.id = xstrdup(en->contact_id);
			rc = cache_contact_write(c, &ct, raw, synced, local, e);
			contact_free(&ct);
		}
		if (rc == 0 && deleted)
			rc = cache_contact_set_deleted(c, en->contact_id, 1, e);
	} else {
		rc = child_write_raw(c, f == FAM_NOTE, en->contact_id,
		    en->target_id, raw, local, e);
	}
	free(raw);
	return rc;
}

/* ---- local writes ---- */

/*
 * The common path: check the rows exist, snapshot, apply, append the
 * entry; all in one (nested) transaction.
 */
static int
local_write(struct cache *c, const char *op, const char *cid,
    const char *tid, const char *payload, long long *entry_id,
    struct err *e)
{
	enum family f = op_family(op);
	struct contact_state s;
	sqlite3_stmt *st;
	char *prev = NULL;
	int rc, creating = op_is(op, "create");

	memset(&s, 0, sizeof s);
	if (entry_id != NULL)
		*entry_id = 0;
	rc = cache_begin(c, e);
	if (rc)
		return rc;
	if (!(f == FAM_CONTACT && creating)) {
		rc = cache_contact_state(c, cid, &s, e);
		if (rc == 0 && s.deleted)
			rc = err_set(e, ERR_NOTFOUND, "contact %s was deleted",
			    cid);
		if (rc)
			goto out;
	}
	if (f == FAM_CONTACT && !creating) {
		prev = snapshot(s.raw, s.synced_at, s.deleted, s.local);
	} else if (f != FAM_CONTACT && !creating) {
		char *owner = NULL, *raw = NULL;
		int local = 0;

		rc = cache_child_state(c, f == FAM_NOTE, tid, &owner, &raw,
		    &local, e);
		if (rc == 0 && strcmp(owner, cid) != 0)
			rc = err_set(e, ERR_NOTFOUND, "%s %s does not belong "
			    "to contact %s", f == FAM_NOTE ? "note" : "task",
			    tid, cid);
		if (rc == 0)
			prev = snapshot(raw, 0, 0, local);
		free(owner);
		free(raw);
		if (rc)
			goto out;
	}
	rc = apply_op(c, op, cid, tid, payload, e);
	if (rc)
		goto out;
	st = cache_stmt(c, Q_OB_INSERT, e);
	if (st == NULL) {
		rc = ERR_DB;
		goto out;
	}
	cache_bind(st, 1, op);
	cache_bind(st, 2, cid);
	cache_bind(st, 3, tid);
	cache_bind(st, 4, payload);
	cache_bind(st, 5, prev);
	sqlite3_bind_int64(st, 6, cache_now_ms());
	rc = cache_exec_stmt(c, st, e, "append to the outbox");
	if (rc == 0 && entry_id != NULL)
		*entry_id = sqlite3_last_insert_rowid(c->db);
out:
	cache_contact_state_free(&s);
	free(prev);
	if (rc) {
		cache_rollback(c);
		err_prefix(e, "%s", op);
		return rc;
	}
	rc = cache_commit(c, e);
	if (rc && entry_id != NULL)
		*entry_id = 0;
	return rc;
}

int
cache_task_set_completed(struct cache *c, const char *cid, const char *tid,
    int completed, long long *entry_id, struct err *e)
{
	char *body = codec_completed_body(completed);
	int rc;

	rc = local_write(c, completed ? "task.complete" : "task.reopen", cid,
	    tid, body, entry_id, e);
	free(body);
	return rc;
}

int
cache_task_create(struct cache *c, const char *cid, const struct task *t,
    char **local_id_out, long long *entry_id, struct err *e)
{
	struct task tmp = *t;
	char *body, *id = local_id();
	int rc;

	if (tmp.completed == TRI_UNSET)
		tmp.completed = TRI_FALSE;
	body = codec_task_body(&tmp);
	rc = local_write(c, "task.create", cid, id, body, entry_id, e);
	free(body);
	if (rc == 0 && local_id_out != NULL)
		*local_id_out = id;
	else
		free(id);
	return rc;
}

int
cache_task_update(struct cache *c, const char *cid, const struct task *t,
    long long *entry_id, struct err *e)
{
	char *body;
	int rc;

	if (t->id == NULL)
		return err_set(e, ERR_INVALID, "task.update: no task id");
	body = codec_task_body(t);
	if (strcmp(body, "{}") == 0)
		rc = err_set(e, ERR_INVALID, "task.update: task %s: nothing "
		    "to change", t->id);
	else
		rc = local_write(c, "task.update", cid, t->id, body, entry_id,
		    e);
	free(body);
	return rc;
}

int
cache_task_delete(struct cache *c, const char *cid, const char *tid,
    long long *entry_id, struct err *e)
{
	return local_write(c, "task.delete", cid, tid, NULL, entry_id, e);
}

static int
tags_write(struct cache *c, const char *op, const char *cid,
    const struct strv *tags, long long *entry_id, struct err *e)
{
	char *body;
	int rc;

	if (tags == NULL || tags->n == 0)
		return err_set(e, ERR_INVALID, "%s: contact %s: no tags", op,
		    cid);
	body = codec_tags_body(tags);
	rc = local_write(c, op, cid, NULL, body, entry_id, e);
	free(body);
	return rc;
}

int
cache_tags_add(struct cache *c, const char *cid, const struct strv *tags,
    long long *entry_id, struct err *e)
{
	return tags_write(c, "tags.add", cid, tags, entry_id, e);
}

int
cache_tags_remove(struct cache *c, const char *cid, const struct strv *tags,
    long long *entry_id, struct err *e)
{
	return tags_write(c, "tags.remove", cid, tags, entry_id, e);
}

int
cache_note_create(struct cache *c, const char *cid, const struct note *n,
    char **local_id_out, long long *entry_id, struct err *e)
{
	char *body, *id;
	int rc;

	if (n->body == NULL)
		return err_set(e, ERR_INVALID, "note.create: contact %s: a "
		    "note needs a body", cid);
	id = local_id();
	body = codec_note_body(n);
	rc = local_write(c, "note.create", cid, id, body, entry_id, e);
	free(body);
	if (rc == 0 && local_id_out != NULL)
		*local_id_out = id;
	else
		free(id);
	return rc;
}

int
cache_note_update(struct cache *c, const char *cid, const struct note *n,
    long long *entry_id, struct err *e)
{
	struct note tmp = *n, cur;
	char *body;
	int rc;

	if (n->id == NULL)
		return err_set(e, ERR_INVALID, "note.update: no note id");
	memset(&cur, 0, sizeof cur);
	if (tmp.body == NULL) {
		/* CONTRACT §4.20: the client always sends body. */
		rc = cache_get_note(c, n->id, &cur, e);
		if (rc) {
			err_prefix(e, "note.update");
			return rc;
		}
		if (cur.body == NULL)
			cur.body = xstrdup("");
		tmp.body = cur.body;
	}
	body = codec_note_body(&tmp);
	rc = local_write(c, "note.update", cid, n->id, body, entry_id, e);
	free(body);
	note_free(&cur);
	return rc;
}

int
cache_note_delete(struct cache *c, const char *cid, const char *nid,
    long long *entry_id, struct err *e)
{
	return local_write(c, "note.delete", cid, nid, NULL, entry_id, e);
}

int
cache_contact_create(struct cache *c, const struct contact *ct,
    const char *location_id, char **local_id_out, long long *entry_id,
    struct err *e)
{
	char *body, *id = local_id();
	int rc;

	body = codec_contact_body(ct, location_id);
	rc = local_write(c, "contact.create", id, id, body, entry_id, e);
	free(body);
	if (rc == 0 && local_id_out != NULL)
		*local_id_out = id;
	else
		free(id);
	return rc;
}

int
cache_contact_update(struct cache *c, const struct contact *ct,
    long long *entry_id, struct err *e)
{
	char *body;
	int rc;

	if (ct->id == NULL)
		return err_set(e, ERR_INVALID, "contact.update: no contact id");
	body = codec_contact_body(ct, NULL);
	if (strcmp(body, "{}") == 0)
		rc = err_set(e, ERR_INVALID, "contact.update: contact %s: "
		    "nothing to change", ct->id);
	else
		rc = local_write(c, "contact.update", ct->id, ct->id, body,
		    entry_id, e);
	free(body);
	return rc;
}

int
cache_contact_delete(struct cache *c, const char *cid, long long *entry_id,
    struct err *e)
{
	return local_write(c, "contact.delete", cid, cid, NULL, entry_id, e);
}

/* ---- the outbox ---- */

void
outbox_entry_free(struct outbox_entry *en)
{
	if (en == NULL)
		return;
	free(en->op);
	free(en->contact_id);
	free(en->target_id);
	free(en->payload);
	free(en->prev);
	free(en->status);
	free(en->error);
	memset(en, 0, sizeof *en);
}

void
outbox_entries_free(struct outbox_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		outbox_entry_free(&v[i]);
	free(v);
}

static void
entry_from_row(sqlite3_stmt *st, struct outbox_entry *en)
{
	en->id = sqlite3_column_int64(st, 0);
	en->op = cache_col(st, 1);
	en->contact_id = cache_col(st, 2);
	en->target_id = cache_col(st, 3);
	en->payload = cache_col(st, 4);
	en->prev = cache_col(st, 5);
	en->status = cache_col(st, 6);
	en->attempts = sqlite3_column_int(st, 7);
	en->error = cache_col(st, 8);
	en->created_at = sqlite3_column_int64(st, 9);
	en->updated_at = sqlite3_column_int64(st, 10);
	en->next_attempt_at = sqlite3_column_int64(st, 11);
}

/* Step st (bound) and collect every row. */
static int
entries(struct cache *c, sqlite3_stmt *st, struct outbox_entry **v,
    size_t *n, struct err *e)
{
	size_t cap = 0;
	int rc;

	*v = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*v = xreallocarray(*v, cap, sizeof **v);
		}
		entry_from_row(st, &(*v)[(*n)++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		outbox_entries_free(*v, *n);
		*v = NULL;
		*n = 0;
		return cache_dberr(c, e, "outbox");
	}
	return 0;
}

/* The first row of st (bound) into out, or ERR_NOTFOUND with what. */
static int
one_entry(struct cache *c, sqlite3_stmt *st, struct outbox_entry *out,
    struct err *e, const char *what)
{
	int rc;

	memset(out, 0, sizeof *out);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		entry_from_row(st, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOTFOUND, "%s", what);
	} else {
		rc = cache_dberr(c, e, "outbox");
	}
	sqlite3_reset(st);
	return rc;
}

int
cache_outbox_list(struct cache *c, const char *cid, int include_done,
    struct outbox_entry **v, size_t *n, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, cid != NULL ? Q_OB_LIST_C : Q_OB_LIST,
	    e);

	*v = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int(st, 1, include_done != 0);
	if (cid != NULL)
		cache_bind(st, 2, cid);
	return entries(c, st, v, n, e);
}

int
cache_outbox_get(struct cache *c, long long id, struct outbox_entry *out,
    struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_OB_GET, e);
	char what[64];

	memset(out, 0, sizeof *out);
	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, id);
	snprintf(what, sizeof what, "outbox entry %lld not found", id);
	return one_entry(c, st, out, e, what);
}

int
cache_outbox_next(struct cache *c, const char *cid, long long now_ms,
    struct outbox_entry *out, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_OB_NEXT, e);

	memset(out, 0, sizeof *out);
	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, now_ms);
	cache_bind(st, 2, cid);
	return one_entry(c, st, out, e, "no outbox entry is ready");
}

int
cache_outbox_next_time(struct cache *c, const char *cid, long long *when_ms,
    struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_OB_NEXT_TIME, e);
	int rc;

	*when_ms = 0;
	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, cid);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*when_ms = sqlite3_column_int64(st, 0);
		rc = 0;
	} else if (rc == SQLITE_ROW) {
		rc = err_set(e, ERR_NOTFOUND, "no pending outbox entry");
	} else {
		rc = cache_dberr(c, e, "outbox");
	}
	sqlite3_reset(st);
	return rc;
}

static int
set_status(struct cache *c, long long id, const char *status, int attempts,
    const char *error, long long next_at, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_OB_SET_STATUS, e);

	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, id);
	cache_bind(st, 2, status);
	sqlite3_bind_int(st, 3, attempts);
	cache_bind(st, 4, error);
	sqlite3_bind_int64(st, 5, next_at);
	sqlite3_bind_int64(st, 6, cache_now_ms());
	return cache_exec_stmt(c, st, e, "outbox status");
}

/* Fetch entry id and check its status is one of allowed ("a|b|c"). */
static int
entry_in(struct cache *c, long long id, const char *allowed,
    struct outbox_entry *en, struct err *e)
{
	char pat[48];
	int rc;

	rc = cache_outbox_get(c, id, en, e);
	if (rc)
		return rc;
	snprintf(pat, sizeof pat, "|%s|", en->status);
	if (strstr(allowed, pat) == NULL) {
		rc = err_set(e, ERR_CONFLICT, "outbox entry %lld is %s", id,
		    en->status);
		outbox_entry_free(en);
	}
	return rc;
}

int
cache_outbox_mark_inflight(struct cache *c, long long id, struct err *e)
{
	struct outbox_entry en;
	int rc;

	rc = entry_in(c, id, "|pending|", &en, e);
	if (rc)
		return rc;
	rc = set_status(c, id, "inflight", 1, en.error, en.next_attempt_at, e);
	outbox_entry_free(&en);
	return rc;
}

int
cache_outbox_mark_pending(struct cache *c, long long id, long long next_at,
    const char *error, struct err *e)
{
	struct outbox_entry en;
	int rc;

	rc = entry_in(c, id, "|pending|inflight|", &en, e);
	if (rc)
		return rc;
	rc = set_status(c, id, "pending", 0, error, next_at, e);
	outbox_entry_free(&en);
	return rc;
}

int
cache_outbox_mark_failed(struct cache *c, long long id, const char *error,
    struct err *e)
{
	struct outbox_entry en;
	int rc;

	rc = entry_in(c, id, "|pending|inflight|failed|", &en, e);
	if (rc)
		return rc;
	rc = set_status(c, id, "failed", 0, error, en.next_attempt_at, e);
	outbox_entry_free(&en);
	return rc;
}

int
cache_outbox_retry(struct cache *c, long long id, struct err *e)
{
	struct outbox_entry en;
	int rc;

	rc = cache_outbox_get(c, id, &en, e);
	if (rc)
		return rc;
	if (strcmp(en.status, "failed") != 0)
		rc = err_set(e, ERR_NOTFOUND, "outbox entry %lld is %s, not "
		    "failed", id, en.status);
	else
		rc = set_status(c, id, "pending", 0, en.error, 0, e);
	outbox_entry_free(&en);
	return rc;
}

int
cache_outbox_retry_all(struct cache *c, long *n, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_OB_RETRY_ALL, e);
	int rc;

	if (n != NULL)
		*n = 0;
	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, cache_now_ms());
	rc = cache_exec_stmt(c, st, e, "outbox retry");
	if (rc == 0 && n != NULL)
		*n = sqlite3_changes(c->db);
	return rc;
}

static int
delete_entry(struct cache *c, long long id, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_OB_DELETE, e);

	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, id);
	return cache_exec_stmt(c, st, e, "outbox delete");
}

int
cache_outbox_discard(struct cache *c, long long id, struct err *e)
{
	struct outbox_entry en;
	int rc;

	rc = entry_in(c, id, "|pending|failed|done|", &en, e);
	if (rc)
		return rc;
	rc = cache_begin(c, e);
	if (rc) {
		outbox_entry_free(&en);
		return rc;
	}
	if (op_is(en.op, "create") && strcmp(en.status, "done") != 0) {
		/* The local row never reached the server: drop it and every
		 * later entry that depends on it. */
		if (op_family(en.op) == FAM_CONTACT) {
			rc = drop_contact(c, en.contact_id, e);
			if (rc == 0)
				rc = cache_run(c, "DELETE FROM outbox WHERE "
				    "contact_id = ?1", en.contact_id, NULL,
				    NULL, e);
		} else {
			rc = cache_run(c, op_family(en.op) == FAM_NOTE ?
			    "DELETE FROM notes WHERE id = ?1" :
			    "DELETE FROM tasks WHERE id = ?1", en.target_id,
			    NULL, NULL, e);
			if (rc == 0)
				rc = cache_run(c, "DELETE FROM outbox WHERE "
				    "target_id = ?1", en.target_id, NULL, NULL,
				    e);
		}
	}
	if (rc == 0)
		rc = delete_entry(c, id, e);
	outbox_entry_free(&en);
	if (rc) {
		cache_rollback(c);
		return rc;
	}
	return cache_commit(c, e);
}

int
cache_outbox_undo_last(struct cache *c, char **cid_out, struct err *e)
{
	struct outbox_entry en;
	sqlite3_stmt *st;
	int rc;

	if (cid_out != NULL)
		*cid_out = NULL;
	rc = cache_begin(c, e);
	if (rc)
		return rc;
	st = cache_stmt(c, Q_OB_UNDO_PICK, e);
	if (st == NULL) {
		cache_rollback(c);
		return ERR_DB;
	}
	rc = one_entry(c, st, &en, e, "nothing to undo: no unsent change");
	if (rc) {
		cache_rollback(c);
		return rc;
	}
	rc = restore(c, &en, e);
	if (rc == 0)
		rc = delete_entry(c, en.id, e);
	if (rc == 0)
		rc = cache_commit(c, e);
	else
		cache_rollback(c);
	if (rc == 0 && cid_out != NULL)
		*cid_out = xstrdup(en.contact_id);
	outbox_entry_free(&en);
	return rc;
}

int
cache_outbox_inflight(struct cache *c, struct outbox_entry **v, size_t *n,
    struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_OB_INFLIGHT, e);

	*v = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	return entries(c, st, v, n, e);
}

int
cache_outbox_counts(struct cache *c, long *pending, long *failed,
    struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_OB_COUNTS, e);
	int rc;

	if (pending != NULL)
		*pending = 0;
	if (failed != NULL)
		*failed = 0;
	if (st == NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (pending != NULL)
			*pending = (long)sqlite3_column_int64(st, 0);
		if (failed != NULL)
			*failed = (long)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : cache_dberr(c, e, "outbox counts");
}

int
cache_outbox_prune_done(struct cache *c, long long older_than_ms,
    struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_OB_PRUNE, e);

	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, older_than_ms);
	return cache_exec_stmt(c, st, e, "outbox prune");
}

/* ---- done: the server's object replaces the row ---- */

static int
rewrite_child(struct cache *c, int is_note, const char *old, const char *new,
    struct err *e)
{
	int rc;

	if (strcmp(old, new) == 0)
		return 0;
	rc = cache_run(c, is_note ? "DELETE FROM notes WHERE id = ?1" :
	    "DELETE FROM tasks WHERE id = ?1", new, NULL, NULL, e);
	if (rc == 0)
		rc = cache_run(c, is_note ? "UPDATE notes SET id = ?2, local = 0 "
		    "WHERE id = ?1" : "UPDATE tasks SET id = ?2, local = 0 "
		    "WHERE id = ?1", old, new, NULL, e);
	if (rc == 0)
		rc = cache_run(c, "UPDATE outbox SET target_id = ?2 WHERE "
		    "target_id = ?1", old, new, NULL, e);
	return rc;
}

static int
rewrite_contact(struct cache *c, const char *old, const char *new,
    struct err *e)
{
	static const char *const sql[] = {
		"UPDATE contacts SET id = ?2, local = 0 WHERE id = ?1",
		"UPDATE tasks SET contact_id = ?2, raw = CASE WHEN "
		    "json_valid(raw) THEN json_set(raw, '$.contactId', ?2) "
		    "ELSE raw END WHERE contact_id = ?1",
		"UPDATE notes SET contact_id = ?2, raw = CASE WHEN "
		    "json_valid(raw) THEN json_set(raw, '$.contactId', ?2) "
		    "ELSE raw END WHERE contact_id = ?1",
		"UPDATE appts SET contact_id = ?2 WHERE contact_id = ?1",
		"UPDATE outbox SET contact_id = ?2 WHERE contact_id = ?1",
		"UPDATE outbox SET target_id = ?2 WHERE target_id = ?1",
		"UPDATE sync_log SET contact_id = ?2 WHERE contact_id = ?1",
	};
	int rc;

	if (strcmp(old, new) == 0)
		return 0;
	/* A copy pulled meanwhile (crash reconciliation) gives way. */
	rc = cache_contact_purge(c, new, e);
	for (size_t i = 0; rc == 0 && i < sizeof sql / sizeof sql[0]; i++)
		rc = cache_run(c, sql[i], old, new, NULL, e);
	return rc;
}

static int
done_child(struct cache *c, const struct outbox_entry *en, const char *raw,
    struct err *e)
{
	int is_note = op_family(en->op) == FAM_NOTE;
	const char *tid = en->target_id;
	char *cid = NULL, *id = NULL;
	int rc;

	if (op_is(en->op, "delete"))
		return cache_run(c, is_note ? "DELETE FROM notes WHERE id = ?1" :
		    "DELETE FROM tasks WHERE id = ?1", tid, NULL, NULL, e);
	if (raw == NULL) {
		if (op_is(en->op, "create"))
			return err_set(e, ERR_INVALID, "outbox entry %lld: a "
			    "create needs the server's object", en->id);
		return 0;
	}
	if (is_note) {
		struct note n;

		rc = codec_note(raw, strlen(raw), &n, e);
		if (rc == 0) {
			id = xstrdup0(n.id);
			cid = xstrdup0(n.contact_id);
			note_free(&n);
		}
	} else {
		struct task t;

		rc = codec_task(raw, strlen(raw), &t, e);
		if (rc == 0) {
			id = xstrdup0(t.id);
			cid = xstrdup0(t.contact_id);
			task_free(&t);
		}
	}
	if (rc)
		return rc;
	if (id == NULL) {
		if (op_is(en->op, "create")) {
			rc = err_set(e, ERR_PARSE, "outbox entry %lld: the "
			    "server's %s has no id", en->id, is_note ? "note" :
			    "task");
			goto out;
		}
		id = xstrdup(tid);
	}
	if (op_is(en->op, "create"))
		rc = rewrite_child(c, is_note, tid, id, e);
	if (rc == 0)
		rc = child_write_raw(c, is_note, cid != NULL ? cid :
		    en->contact_id, id, raw, 0, e);
	if (rc == 0)
		rc = cache_rebase_target(c, id, e);
out:
	free(id);
	free(cid);
	return rc;
}

static int
done_contact(struct cache *c, const struct outbox_entry *en, const char *raw,
    struct err *e)
{
	const char *cid = en->contact_id;
	struct contact ct;
	int rc;

	memset(&ct, 0, sizeof ct);
	if (strcmp(en->op, "contact.delete") == 0) {
		rc = cache_contact_set_deleted(c, cid, 1, e);
		return rc == ERR_NOTFOUND ? 0 : rc;
	}
	if (raw == NULL) {
		if (op_is(en->op, "create"))
			return err_set(e, ERR_INVALID, "outbox entry %lld: a "
			    "create needs the server's object", en->id);
		return 0;
	}
	if (strncmp(en->op, "tags.", 5) == 0) {
		struct strv tags = { 0 };
		char *wrapped = NULL, *body;
		const char *p = raw;

		while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
			p++;
		if (*p == '[')
			raw = wrapped = xasprintf("{\"tags\":%s}", p);
		rc = codec_tags_response(raw, strlen(raw), &tags, e);
		free(wrapped);
		if (rc)
			return rc;
		body = codec_tags_body(&tags);
		strv_free(&tags);
		rc = apply_contact_patch(c, cid, body, 0, e);
		free(body);
		if (rc == 0)
			rc = cache_rebase_contact(c, cid, e);
		return rc;
	}
	rc = codec_contact(raw, strlen(raw), &ct, e);
	if (rc)
		return rc;
	if (ct.id == NULL) {
		if (op_is(en->op, "create")) {
			rc = err_set(e, ERR_PARSE, "outbox entry %lld: the "
			    "server's contact has no id", en->id);
			goto out;
		}
		ct.id = xstrdup(cid);
	}
	if (op_is(en->op, "create")) {
		rc = rewrite_contact(c, cid, ct.id, e);
		if (rc == 0)
			rc = cache_contact_write(c, &ct, raw, 0, 0, e);
	} else {
		rc = cache_contact_write(c, &ct, raw, cache_now_ms(), 0, e);
	}
	if (rc == 0)
		rc = cache_rebase_contact(c, ct.id, e);
out:
	contact_free(&ct);
	return rc;
}

int
cache_outbox_mark_done(struct cache *c, long long id, const char *server_raw,
    struct err *e)
{
	struct outbox_entry en;
	int rc;

	rc = entry_in(c, id, "|pending|inflight|failed|", &en, e);
	if (rc)
		return rc;
	rc = cache_begin(c, e);
	if (rc) {
		outbox_entry_free(&en);
		return rc;
	}
	rc = set_status(c, id, "done", 0, NULL, en.next_attempt_at, e);
	if (rc == 0) {
		if (op_family(en.op) == FAM_CONTACT)
			rc = done_contact(c, &en, server_raw, e);
		else
			rc = done_child(c, &en, server_raw, e);
		/* The row may be gone meanwhile (deleted); the entry is
		 * still done. */
		if (rc == ERR_NOTFOUND)
			rc = 0;
	}
	if (rc) {
		cache_rollback(c);
		err_prefix(e, "outbox entry %lld (%s)", id, en.op);
	} else {
		rc = cache_commit(c, e);
	}
	outbox_entry_free(&en);
	return rc;
}
