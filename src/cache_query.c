/*
 * cache_query.c: the read side of the cache (cache.h): one contact and its
 * children, the contact list with keyset paging and FTS5 search, counts,
 * row positions, and the known tags.  Statements are in cache.c's table.
 */
#include "config.h"
#include "cache.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sqlite3.h>

#include "buf.h"
#include "cache_int.h"
#include "codec.h"
#include "fts_query.h"
#include "xmalloc.h"

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
	cache_tags_from_json((const char *)sqlite3_column_text(st, 8), &out->tags);
	out->dnd = cache_col_tri(st, 9);
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
	t->completed = cache_col_tri(st, 6);
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
	n->pinned = cache_col_tri(st, 7);
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
	"o.contact_id = c.id AND o.status IN " CACHE_ACTIVE "), (SELECT count(*) " \
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
