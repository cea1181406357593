/*
 * cache_query.c: the read side of the cache (cache.h): one contact and its
 * children, the contact list with keyset paging and FTS5 search, counts,
 * row positions, and the known tags.  Statements are in cache.c's table.
 */
#include "config.h"
#include "cache.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

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
	out->raw = cache_col_raw(st, 12);
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

/* How get_children reads one kind of a contact's children. */
struct child_kind {
	enum cache_q	 q;		/* a contact's rows */
	enum cache_q	 get_q;		/* one row by id */
	const char	*noun;
	size_t		 size;
	const char	*what;
	void		(*from_row)(sqlite3_stmt *, void *);
	void		(*free_v)(void *, size_t);
};

static void
task_row(sqlite3_stmt *st, void *p)
{
	task_from_row(st, p);
}

static void
note_row(sqlite3_stmt *st, void *p)
{
	note_from_row(st, p);
}

static void
appt_row(sqlite3_stmt *st, void *p)
{
	appt_from_row(st, p);
}

static void
tasks_drop(void *v, size_t n)
{
	tasks_free(v, n);
}

static void
notes_drop(void *v, size_t n)
{
	notes_free(v, n);
}

static void
appts_drop(void *v, size_t n)
{
	appts_free(v, n);
}

static const struct child_kind task_kind = {
	Q_TASK_LIST, Q_TASK_GET, "task", sizeof(struct task), "get tasks",
	task_row, tasks_drop,
};
static const struct child_kind note_kind = {
	Q_NOTE_LIST, Q_NOTE_GET, "note", sizeof(struct note), "get notes",
	note_row, notes_drop,
};
static const struct child_kind appt_kind = {
	Q_APPT_LIST, Q__COUNT, "appointment", sizeof(struct appt),
	"get appointments", appt_row, appts_drop,
};

/* The children of contact cid of one kind, in the statement's order. */
static int
get_children(struct cache *c, const struct child_kind *k, const char *cid,
    void **vp, size_t *n, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, k->q, e);
	unsigned char *v = NULL;
	size_t cap = 0;
	int rc;

	*vp = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, cid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			v = xreallocarray(v, cap, k->size);
		}
		k->from_row(st, v + (*n)++ * k->size);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		k->free_v(v, *n);
		*n = 0;
		return cache_dberr(c, e, k->what);
	}
	*vp = v;
	return 0;
}

int
cache_get_tasks(struct cache *c, const char *cid, struct task **v, size_t *n,
    struct err *e)
{
	void *p;
	int rc = get_children(c, &task_kind, cid, &p, n, e);

	*v = p;
	return rc;
}

int
cache_get_notes(struct cache *c, const char *cid, struct note **v, size_t *n,
    struct err *e)
{
	void *p;
	int rc = get_children(c, &note_kind, cid, &p, n, e);

	*v = p;
	return rc;
}

int
cache_get_appts(struct cache *c, const char *cid, struct appt **v, size_t *n,
    struct err *e)
{
	void *p;
	int rc = get_children(c, &appt_kind, cid, &p, n, e);

	*v = p;
	return rc;
}

/* One child row by id into out (zeroed first); ERR_NOTFOUND names it. */
static int
get_child(struct cache *c, const struct child_kind *k, const char *id,
    void *out, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, k->get_q, e);
	int rc;

	memset(out, 0, k->size);
	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		k->from_row(st, out);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOTFOUND, "%s %s is not in the cache",
		    k->noun, id);
	} else {
		rc = cache_dberr(c, e, k->noun);
	}
	sqlite3_reset(st);
	return rc;
}

int
cache_get_task(struct cache *c, const char *id, struct task *out,
    struct err *e)
{
	return get_child(c, &task_kind, id, out, e);
}

int
cache_get_note(struct cache *c, const char *id, struct note *out,
    struct err *e)
{
	return get_child(c, &note_kind, id, out, e);
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

/*
 * c->lst holds the list statements built from fragments, one per (mode,
 * search?, number of tags), then the fixed statements of the search.
 */
#define LIST_SLOT(m, fts, ntags) ((((int)(m)) * 2 + (fts)) * 3 + (ntags))
enum {
	XS_STATE = LM__COUNT * 2 * 3,	/* this connection's struct lstate */
	XS_MATCH,			/* the rowids an FTS expression matches */
	XS_WALK,			/* 4 slots: rids in list order */
	XS_TEXT = XS_WALK + 4,		/* one row's indexed text, by rid */
	XS_FETCH,			/* one row's ROW_COLS, by rid */
	XS_MARKS,			/* outbox entries per contact */
	XS_WALK_GE,			/* rids in list order from a key */
	XS_BUILD,			/* 2 slots: rids, keys for the map */
	XS_VOCAB = XS_BUILD + 2,	/* the index's first term from a key */
	XS_MATCH_RANGE,			/* XS_MATCH in a rowid range */
	XS_KEY,				/* one row's sort key, by rid */
	XS__END
};

_Static_assert(XS__END <= CACHE_LIST_SLOTS, "list slots");

/*
 * A search without a tag reads a page in one of three ways:
 * - few matches (up to SORTED_MAX): the matches sorted by SQL (cost: the
 *   matches);
 * - many: the sort index walked in order and each rid tested against the
 *   set of matches, a bitmap kept per connection until the next write
 *   (cost: the index entries up to the page, about page * rows / matches;
 *   the FTS doclist is read once, not once per page);
 * - a term that ends in a one-letter prefix: the index keeps no prefix
 *   entries for one letter (prefix='2 3'), so FTS5 would merge the
 *   doclists of every term with that letter (tens of ms at a million
 *   contacts, more than a keystroke may take).  Such a search walks the
 *   sort index and checks each row's indexed text itself with FTS5's own
 *   tokenizer, for up to CHECK_MAX rows (each is a random page read,
 *   30-100 us when the file is not in the OS cache); a rarer letter falls
 *   back to the index.
 */
#define SORTED_MAX	1500
#define CHECK_MAX	600
#define PHRASES_MAX	64	/* more search words: leave them to FTS5 */

/*
 * The map of list order (pmap_*), built in the UI's idle time
 * (cache_search_idle) and kept until the next write: the sort index cut
 * into PM_BLOCKS blocks of equal size, each block's first key, and each
 * rid's block (one byte a contact).  A search with many matches counts
 * its matches per block, then reads only the blocks that hold its page:
 * a block with up to PM_SPARSE matches gives them by rid (the caller
 * sorts the rows), a fuller one is walked (a block is ~4,000 index
 * entries at 1M, ~0.4 ms).  The cost of a page is then about the page,
 * not the depth of its first match ("mari" at 1M: 437,337 entries read
 * before).  Below PM_MIN contacts the walk is cheap and no map is made.
 */
#define PM_BLOCKS	255		/* block ids 0 .. 254 */
#define PM_NONE		255	/* not in the list when built */
#define PM_MIN		20000
#define PM_SPARSE	16

/* One-character prefixes rewritten over at most this many two-character
 * prefixes (prefix_or). */
#define PREFIX_OR_MAX	48

/*
 * The first pages of the one-letter searches (lt_*).  A search's first
 * keystroke is one letter; FTS5 has no prefix entries for one letter, and
 * where the letter's matches are sparse at the top of the list ("j" at
 * 1M: the 38th is 3,549 rows deep) no strategy above gives the page in a
 * keystroke's time (reading its 148,621 matches: 15 ms and more).  So,
 * once the map is ready, the idle calls keep each letter's first LT_K
 * rows in list order, until the next write: the first LT_SCAN rows of
 * the list are tokenized as FTS5 does (all letters at once; 31 of the 36
 * fill their page there at 1M), then each letter still short has its
 * matches read in rowid slices of LT_RANGE and placed through the map.
 * At 1M: 1.9 G instructions in all instead of 13.5 G reading every
 * letter's matches.
 */
#define LT_LETTERS	"abcdefghijklmnopqrstuvwxyz0123456789"
#define LT_N		36
#define LT_K		128
#define LT_SCAN		2048
#define LT_RANGE	16384

/*
 * Time an idle call may take, in microseconds (the map's build checks it
 * every 64 rows): a key pressed meanwhile waits for the slice, and with
 * 2 ms slices paging through 1M contacts while the map was built missed
 * 5 ms at p95.
 */
#define IDLE_US		1000

/* Column 5 (the tags' JSON) is joined by tags_joined, columns 7 and 8
 * (pending, failed) are filled by outbox_marks: no SQL per row. */
#define ROW_COLS "c.id, c.dname, c.email, c.phone, c.company, c.tags, " \
	"c.sort_key, 0, 0, c.synced_at IS NULL"
#define EACH_COLS "c.id, c.location_id, c.first_name, c.last_name, " \
	"c.name, c.email, c.phone, c.company, c.tags, c.dnd, c.date_added, " \
	"c.date_updated, c.raw, c.synced_at"

/* The tokenizer of contacts_fts (cache_schema.c). */
#define FTS_TOKENIZER	"unicode61"

/* Tokens: token i is the bytes b.data[end[i - 1] .. end[i]). */
struct tokv {
	struct buf	 b;
	size_t		*end;
	size_t		 n, cap;
};

/* A set of rids, one bit each. */
struct mbits {
	uint64_t	*bits;
	size_t		 nwords;
};

/* The first rows of a one-letter search in list order (LT_*). */
struct lt_page {
	int		 built;
	int		 all;	/* every match of the letter is here */
	size_t		 n;
	long long	*rid;
	char		**key;
};

/* The rows one FTS expression matches, reusable until a write. */
struct mset {
	char		*match;		/* NULL: bits not reusable */
	long long	 dv, tc;
	struct mbits	 ms;		/* bit rid set: rid matches */
	long		 nmatch;
	long		 cnt[PM_BLOCKS];	/* per block of the map */
	int		 cnt_ok;	/* 1 counted, -1 a match is not in */
};

/* Sets kept besides the current one: typing back ("mari" to "ma") finds
 * the sets read on the way (125 KB each at 1M). */
#define MSET_KEEP	3

/* Per-connection search state, owned by the connection (lstate_get). */
struct lstate {
	struct mset	 cur;		/* the last search's */
	struct mset	 old[MSET_KEEP];	/* before it, latest first */
	struct mbits	*mark;		/* ghlterm_mark's set */
	long		 mark_new;	/* bits it set */
	/* FTS5's tokenizer, to check rows of a one-letter prefix search */
	int		 tok_ok;	/* 0 not tried, 1 ready, -1 unavailable */
	fts5_tokenizer	 tok;
	Fts5Tokenizer	*ptok;
	struct tokv	 col;		/* one column's tokens (scratch) */
	int		 vocab_ok;	/* 0 not tried, 1 made, -1 not */
	/* the map of list order (PM_*), valid while dv, tc are current */
	enum { PM_EMPTY, PM_BUILDING, PM_READY } pm_state;
	unsigned char	*pm_blk;	/* rid -> block, PM_NONE */
	size_t		 pm_nrid;
	char		*pm_key[PM_BLOCKS];	/* first sort keys */
	int		 pm_nb;
	long		 pm_bsize, pm_rows;
	long long	 pm_dv, pm_tc;
	char		*pm_last;	/* building: the last key read */
	/* the one-letter pages (LT_*), built after the map, dropped with it */
	int		 lt_scanning;	/* 1: reading the top rows */
	long		 lt_scanned;	/* rows read */
	char		*lt_scan_last;	/* the last key read */
	int		 lt_next;	/* letter being read; LT_N: done */
	long long	 lt_from;	/* its next rowid */
	char		*lt_expr;	/* its FTS expression */
	struct mbits	 lt_ms;		/* its matches so far */
	long		 lt_nm;
	struct lt_page	 lt[LT_N];
};

/* A prepared statement kept in slot, reset with bindings cleared. */
static sqlite3_stmt *
xstmt(struct cache *c, int slot, const char *sql, struct err *e)
{
	if (c->lst[slot] != NULL) {
		sqlite3_reset(c->lst[slot]);
		sqlite3_clear_bindings(c->lst[slot]);
		return c->lst[slot];
	}
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &c->lst[slot], NULL) != SQLITE_OK) {
		cache_dberr(c, e, "prepare list");
		c->lst[slot] = NULL;
	}
	return c->lst[slot];
}

static void
tokv_reset(struct tokv *t)
{
	buf_reset(&t->b);
	t->n = 0;
}

static void
tokv_free(struct tokv *t)
{
	buf_free(&t->b);
	free(t->end);
	memset(t, 0, sizeof *t);
}

static const char *
tokv_at(const struct tokv *t, size_t i, size_t *len)
{
	size_t start = i > 0 ? t->end[i - 1] : 0;

	*len = t->end[i] - start;
	return t->b.data + start;
}

/* fts5_tokenizer.xTokenize's callback: keep each token. */
static int
tok_cb(void *arg, int tflags, const char *tok, int ntok, int start, int end)
{
	struct tokv *t = arg;

	(void)start;
	(void)end;
	if (tflags & FTS5_TOKEN_COLOCATED)
		return SQLITE_OK;	/* same position as the last one */
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->end = xreallocarray(t->end, t->cap, sizeof *t->end);
	}
	buf_append(&t->b, tok, (size_t)ntok);
	t->end[t->n++] = t->b.len;
	return SQLITE_OK;
}

/* Forget the map of list order. */
static void
pmap_drop(struct lstate *ls)
{
	free(ls->pm_blk);
	ls->pm_blk = NULL;
	ls->pm_nrid = 0;
	free(ls->pm_last);
	ls->pm_last = NULL;
	for (int i = 0; i < ls->pm_nb; i++) {
		free(ls->pm_key[i]);
		ls->pm_key[i] = NULL;
	}
	ls->pm_nb = 0;
	ls->pm_rows = 0;
	ls->cur.cnt_ok = 0;
	for (int i = 0; i < MSET_KEEP; i++)
		ls->old[i].cnt_ok = 0;
	ls->pm_state = PM_EMPTY;
	for (int i = 0; i < LT_N; i++) {
		struct lt_page *pg = &ls->lt[i];

		for (size_t k = 0; k < pg->n; k++)
			free(pg->key[k]);
		free(pg->key);
		free(pg->rid);
		memset(pg, 0, sizeof *pg);
	}
	free(ls->lt_ms.bits);
	memset(&ls->lt_ms, 0, sizeof ls->lt_ms);
	free(ls->lt_expr);
	ls->lt_expr = NULL;
	ls->lt_next = 0;
	ls->lt_from = 0;
	ls->lt_nm = 0;
	free(ls->lt_scan_last);
	ls->lt_scan_last = NULL;
	ls->lt_scanned = 0;
	ls->lt_scanning = 0;
}

static void
lstate_free(void *p)
{
	struct lstate *ls = p;

	if (ls == NULL)
		return;
	if (ls->ptok != NULL)
		ls->tok.xDelete(ls->ptok);
	tokv_free(&ls->col);
	free(ls->cur.match);
	free(ls->cur.ms.bits);
	for (int i = 0; i < MSET_KEEP; i++) {
		free(ls->old[i].match);
		free(ls->old[i].ms.bits);
	}
	pmap_drop(ls);
	free(ls);
}

/*
 * SQL ghlterm_mark(RID): sets bit RID of the set ls->mark (grown as
 * needed) and counts it in ls->mark_new when it was clear.  Setting the
 * bits inside one aggregate query costs a third less than stepping each
 * rowid out to C (52 M instead of 78 M instructions for 93,352 rows).
 */
static void
mark_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct lstate *ls = sqlite3_user_data(ctx);
	struct mbits *m = ls->mark;
	sqlite3_int64 rid = sqlite3_value_int64(argv[0]);
	size_t w;

	(void)argc;
	if (m == NULL || rid < 0)
		return;
	w = (size_t)(rid >> 6);
	if (w >= m->nwords) {
		size_t nw = w + 1;

		m->bits = xreallocarray(m->bits, nw, sizeof *m->bits);
		memset(m->bits + m->nwords, 0, (nw - m->nwords) *
		    sizeof *m->bits);
		m->nwords = nw;
	}
	if (!(m->bits[w] & ((uint64_t)1 << (rid & 63)))) {
		m->bits[w] |= (uint64_t)1 << (rid & 63);
		ls->mark_new++;
	}
}

/* SQL ghlterm_list_state(P): stores the state's address at pointer P. */
static void
lstate_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct lstate **out;

	(void)argc;
	out = sqlite3_value_pointer(argv[0], "ghlterm_lstate");
	if (out != NULL)
		*out = sqlite3_user_data(ctx);
	sqlite3_result_null(ctx);
}

/*
 * This connection's search state.  It hangs off an SQL function's user
 * data, so the connection frees it when it closes (struct cache has no
 * field for it); NULL (e filled) when SQLite refuses.
 */
static struct lstate *
lstate_get(struct cache *c, struct err *e)
{
	struct lstate *ls = NULL;
	sqlite3_stmt *st;

	if (c->lst[XS_STATE] == NULL) {
		ls = xcalloc(1, sizeof *ls);
		buf_init(&ls->col.b, 0);
		if (sqlite3_create_function_v2(c->db, "ghlterm_mark", 1,
		    SQLITE_UTF8 | SQLITE_DIRECTONLY, ls, mark_fn, NULL, NULL,
		    NULL) != SQLITE_OK) {
			free(ls);
			cache_dberr(c, e, "list state");
			return NULL;
		}
		/* On failure SQLite calls lstate_free itself. */
		if (sqlite3_create_function_v2(c->db, "ghlterm_list_state", 1,
		    SQLITE_UTF8 | SQLITE_DIRECTONLY, ls, lstate_fn, NULL, NULL,
		    lstate_free) != SQLITE_OK) {
			cache_dberr(c, e, "list state");
			return NULL;
		}
		ls = NULL;
	}
	st = xstmt(c, XS_STATE, "SELECT ghlterm_list_state(?1)", e);
	if (st == NULL)
		return NULL;
	sqlite3_bind_pointer(st, 1, &ls, "ghlterm_lstate", NULL);
	sqlite3_step(st);
	sqlite3_reset(st);
	if (ls == NULL)
		err_set(e, ERR_DB, "cache: list state: not registered");
	return ls;
}

/* Load FTS5's tokenizer with the index's options; 1 when ready. */
static int
tok_ready(struct cache *c, struct lstate *ls)
{
	const char *args[] = { "remove_diacritics", "2" };
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;
	void *ctx = NULL;

	if (ls->tok_ok != 0)
		return ls->tok_ok > 0;
	ls->tok_ok = -1;
	if (sqlite3_prepare_v2(c->db, "SELECT fts5(?1)", -1, &st, NULL) !=
	    SQLITE_OK) {
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (api == NULL || api->iVersion < 2 || api->xFindTokenizer(api,
	    FTS_TOKENIZER, &ctx, &ls->tok) != SQLITE_OK)
		return 0;
	if (ls->tok.xCreate(ctx, args, 2, &ls->ptok) != SQLITE_OK) {
		ls->ptok = NULL;
		return 0;
	}
	ls->tok_ok = 1;
	return 1;
}

/*
 * The phrase at p ("...", "" for a quote inside, then *, as fts_query.c
 * writes them) unquoted into raw; what follows the '*', or NULL when p
 * does not hold one.
 */
static const char *
phrase_take(const char *p, struct buf *raw)
{
	buf_reset(raw);
	for (p++; *p != '\0'; p++) {
		if (*p == '"' && p[1] != '"')
			break;
		if (*p == '"')
			p++;
		buf_putc(raw, *p);
	}
	if (*p != '"' || p[1] != '*')
		return NULL;
	return p + 2;
}

static void
phrases_free(struct tokv *ph, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tokv_free(&ph[i]);
	free(ph);
}

/*
 * The phrases of an expression made by fts_query_build ("ab"* "c""d"*
 * ...), each tokenized as FTS5 tokenizes a query.  *broad: some phrase
 * ends in a one-character prefix.  NULL when the expression has another
 * form or a phrase has no token (FTS5 drops those; leave them to it).
 */
static struct tokv *
phrases(struct lstate *ls, const char *match, size_t *nph, int *broad)
{
	struct tokv *v = NULL;
	struct buf raw;
	const char *p = match;
	size_t n = 0, cap = 0;
	int ok = 1;

	*nph = 0;
	*broad = 0;
	buf_init(&raw, 0);
	while (ok && *p == '"') {
		const char *last, *next;
		size_t len, chars = 0;

		if ((next = phrase_take(p, &raw)) == NULL) {
			ok = 0;
			break;
		}
		for (p = next; *p == ' '; p++)
			;
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			v = xreallocarray(v, cap, sizeof *v);
		}
		memset(&v[n], 0, sizeof v[n]);
		buf_init(&v[n].b, 0);
		ls->tok.xTokenize(ls->ptok, &v[n], FTS5_TOKENIZE_QUERY |
		    FTS5_TOKENIZE_PREFIX, buf_str(&raw), (int)raw.len, tok_cb);
		n++;
		if (v[n - 1].n == 0 || n > PHRASES_MAX) {
			ok = 0;
			break;
		}
		last = tokv_at(&v[n - 1], v[n - 1].n - 1, &len);
		for (size_t i = 0; i < len; i++)
			if (((unsigned char)last[i] & 0xc0) != 0x80)
				chars++;
		if (chars == 1)
			*broad = 1;
	}
	buf_free(&raw);
	if (!ok || *p != '\0' || n == 0) {
		phrases_free(v, n);
		return NULL;
	}
	*nph = n;
	return v;
}

/* Does phrase ph occur in tokens col (its last token as a prefix)? */
static int
phrase_in(const struct tokv *col, const struct tokv *ph)
{
	for (size_t i = 0; i + ph->n <= col->n; i++) {
		size_t j;

		for (j = 0; j < ph->n; j++) {
			size_t la, lb;
			const char *a = tokv_at(col, i + j, &la);
			const char *b = tokv_at(ph, j, &lb);

			if (j + 1 < ph->n ? la != lb : la < lb)
				break;
			if (memcmp(a, b, lb) != 0)
				break;
		}
		if (j == ph->n)
			return 1;
	}
	return 0;
}

/* Column col of txt (NULL: 0) into ls->col, tokenized as FTS5 indexes
 * it; 1 when it holds text. */
static int
col_tokenize(struct lstate *ls, sqlite3_stmt *txt, int col)
{
	const char *t = (const char *)sqlite3_column_text(txt, col);

	if (t == NULL)
		return 0;
	tokv_reset(&ls->col);
	ls->tok.xTokenize(ls->ptok, &ls->col, FTS5_TOKENIZE_DOCUMENT, t,
	    sqlite3_column_bytes(txt, col), tok_cb);
	return 1;
}

/* Does the row in txt (the five indexed columns) match every phrase? */
static int
row_matches(struct lstate *ls, sqlite3_stmt *txt, const struct tokv *ph,
    size_t nph)
{
	uint64_t found = 0, all = nph >= 64 ? ~(uint64_t)0 :
	    ((uint64_t)1 << nph) - 1;

	for (int col = 0; col < 5 && found != all; col++) {
		if (!col_tokenize(ls, txt, col))
			continue;
		for (size_t i = 0; i < nph; i++)
			if (!(found & ((uint64_t)1 << i)) &&
			    phrase_in(&ls->col, &ph[i]))
				found |= (uint64_t)1 << i;
	}
	return found == all;
}

/* The index's vocabulary, one row per term instance (prefix_or). */
static int
vocab_ready(struct cache *c, struct lstate *ls)
{
	if (ls->vocab_ok == 0)
		ls->vocab_ok = sqlite3_exec(c->db, "CREATE VIRTUAL TABLE IF "
		    "NOT EXISTS temp.ghlterm_vocab USING fts5vocab(main, "
		    "'contacts_fts', 'instance')", NULL, NULL, NULL) ==
		    SQLITE_OK ? 1 : -1;
	return ls->vocab_ok > 0;
}

/*
 * Append ("xa"* OR "xb"* ... OR "x") to out: the two-character prefixes
 * of the terms that start with the one character x (xl bytes), one seek
 * into the vocabulary each.  0, or -1 when there are too many or the
 * vocabulary cannot be read.
 */
static int
prefix_list(struct cache *c, const char *x, size_t xl, struct buf *out)
{
	sqlite3_stmt *st = xstmt(c, XS_VOCAB, "SELECT term FROM "
	    "temp.ghlterm_vocab WHERE term >= ?1 LIMIT 1", NULL);
	char from[32];
	size_t fl = xl;
	int n = 0, rc;

	if (st == NULL || xl + 6 > sizeof from)
		return -1;
	memcpy(from, x, xl);
	buf_putc(out, '(');
	while ((sqlite3_bind_text(st, 1, from, (int)fl, SQLITE_TRANSIENT),
	    rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		size_t tl = (size_t)sqlite3_column_bytes(st, 0), cl = 1;

		if (t == NULL || tl < xl || memcmp(t, x, xl) != 0)
			break;
		if (tl == xl) {
			/* the term x itself: on to the longer ones */
			from[xl] = '\x01';
			fl = xl + 1;
			sqlite3_reset(st);
			continue;
		}
		if (++n > PREFIX_OR_MAX)
			break;
		/* the next character's bytes (UTF-8) */
		while (xl + cl < tl && ((unsigned char)t[xl + cl] & 0xc0) ==
		    0x80)
			cl++;
		if (xl + cl + 1 > sizeof from)
			break;
		buf_putc(out, '"');
		for (size_t i = 0; i < xl + cl; i++) {
			if (t[i] == '"')
				buf_putc(out, '"');
			buf_putc(out, t[i]);
		}
		buf_puts(out, "\"* OR ");
		/* past every term with this prefix: no UTF-8 byte is 0xff */
		memcpy(from, t, xl + cl);
		from[xl + cl] = '\xff';
		fl = xl + cl + 1;
		sqlite3_reset(st);
	}
	sqlite3_reset(st);
	if (n > PREFIX_OR_MAX || (rc != SQLITE_ROW && rc != SQLITE_DONE))
		return -1;
	buf_putc(out, '"');
	for (size_t i = 0; i < xl; i++) {
		if (x[i] == '"')
			buf_putc(out, '"');
		buf_putc(out, x[i]);
	}
	buf_puts(out, "\")");
	return 0;
}

/*
 * FTS5 keeps no prefix entries for one character (prefix='2 3'), so a
 * phrase "x"* merges the doclists of every term that starts with x
 * (19,819 terms for "j" at 1M: 28 ms).  The same rows are those of the
 * two-character prefixes that follow x in the vocabulary, read off the
 * prefix index, and of the term "x" itself: "x"* becomes ("xa"* OR "xi"*
 * OR ... OR "x"), the phrases joined by AND (for "j" 118 M instructions
 * instead of 195 M).  match is an expression of fts_query_build; returns
 * the new one, or NULL to keep match (no such phrase, another form, too
 * many prefixes, no tokenizer).
 */
static char *
prefix_or(struct cache *c, struct lstate *ls, const char *match)
{
	struct buf out, raw;
	struct tokv tk;
	const char *p = match;
	int ok = 1, changed = 0;

	if (!tok_ready(c, ls))
		return NULL;
	buf_init(&out, 0);
	buf_init(&raw, 0);
	memset(&tk, 0, sizeof tk);
	buf_init(&tk.b, 0);
	while (ok && *p == '"') {
		const char *start = p, *t = NULL, *next;
		size_t len = 0, chars = 0, mark;

		if ((next = phrase_take(p, &raw)) == NULL) {
			ok = 0;
			break;
		}
		p = next;
		tokv_reset(&tk);
		ls->tok.xTokenize(ls->ptok, &tk, FTS5_TOKENIZE_QUERY |
		    FTS5_TOKENIZE_PREFIX, buf_str(&raw), (int)raw.len, tok_cb);
		if (tk.n == 1) {
			t = tokv_at(&tk, 0, &len);
			for (size_t i = 0; i < len; i++)
				if (((unsigned char)t[i] & 0xc0) != 0x80)
					chars++;
		}
		mark = out.len;
		if (chars == 1 && vocab_ready(c, ls) &&
		    prefix_list(c, t, len, &out) == 0) {
			changed = 1;
		} else {
			out.len = mark;	/* what prefix_list added */
			if (out.data != NULL)
				out.data[mark] = '\0';
			buf_append(&out, start, (size_t)(p - start));
		}
		for (; *p == ' '; p++)
			;
		/* FTS5 takes no implicit AND before a parenthesis */
		if (*p != '\0')
			buf_puts(&out, " AND ");
	}
	buf_free(&raw);
	tokv_free(&tk);
	if (!ok || *p != '\0' || !changed) {
		buf_free(&out);
		return NULL;
	}
	return buf_take(&out);
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

/* Is set m that of match, with nothing written since? */
static int
mset_valid(struct cache *c, const struct mset *m, const char *match)
{
	long long dv, tc;

	if (m->match == NULL || strcmp(m->match, match) != 0)
		return 0;
	write_stamp(c, &dv, &tc);
	return dv >= 0 && dv == m->dv && tc == m->tc;
}

/* Are ls's current bits those of match, with nothing written since? */
static int
matches_valid(struct cache *c, const struct lstate *ls, const char *match)
{
	return mset_valid(c, &ls->cur, match);
}

/*
 * Make a kept set of match the current one (1), or else keep the current
 * one, dropping the oldest, and give its bits to the current (0).
 */
static int
mset_switch(struct cache *c, struct lstate *ls, const char *match)
{
	struct mset t;
	int i;

	for (i = 0; i < MSET_KEEP; i++)
		if (mset_valid(c, &ls->old[i], match))
			break;
	if (i == MSET_KEEP && ls->cur.match == NULL)
		return 0;	/* nothing worth keeping */
	if (i == MSET_KEEP) {
		i = MSET_KEEP - 1;
		free(ls->old[i].match);
		ls->old[i].match = NULL;
	}
	t = ls->old[i];
	memmove(&ls->old[1], &ls->old[0], (size_t)i * sizeof ls->old[0]);
	ls->old[0] = ls->cur;
	ls->cur = t;
	return ls->cur.match != NULL;
}

static int
bit_get(const struct mbits *m, long long rid)
{
	if (rid < 0 || (size_t)(rid >> 6) >= m->nwords)
		return 0;
	return (m->bits[rid >> 6] >> (rid & 63)) & 1;
}

/* Empty m, sized for rids up to maxrid. */
static void
mbits_clear(struct mbits *m, long long maxrid)
{
	size_t words = maxrid > 0 ? (size_t)(maxrid >> 6) + 1 : 1;

	if (words > m->nwords) {
		free(m->bits);
		m->bits = xcalloc(words, sizeof *m->bits);
		m->nwords = words;
	} else {
		memset(m->bits, 0, m->nwords * sizeof *m->bits);
	}
}

static long long
max_rid(struct cache *c, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_MAX_RID, e);
	long long maxrid = -1;

	if (st == NULL)
		return -2;
	if (sqlite3_step(st) == SQLITE_ROW)
		maxrid = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return maxrid;
}

/*
 * Add the rows with from <= rowid < to that the FTS expression expr
 * matches to m; *n: how many were not in it yet.
 */
static int
mark_query(struct cache *c, struct lstate *ls, struct mbits *m,
    const char *expr, long long from, long long to, long *n, struct err *e)
{
	/* the bounds cost ~100 instructions a row each: only when wanted */
	int all = from <= 0 && to == INT64_MAX, rc;
	sqlite3_stmt *st = all ? xstmt(c, XS_MATCH, "SELECT count("
	    "ghlterm_mark(rowid)) FROM contacts_fts WHERE contacts_fts MATCH "
	    "?1", e) : xstmt(c, XS_MATCH_RANGE, "SELECT count(ghlterm_mark("
	    "rowid)) FROM contacts_fts WHERE contacts_fts MATCH ?1 AND "
	    "rowid >= ?2 AND rowid < ?3", e);

	*n = 0;
	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, expr);
	if (!all) {
		sqlite3_bind_int64(st, 2, from);
		sqlite3_bind_int64(st, 3, to);
	}
	ls->mark = m;
	ls->mark_new = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	ls->mark = NULL;
	if (rc != SQLITE_DONE)
		return cache_dberr(c, e, "search");
	*n = ls->mark_new;
	return 0;
}

/* The set of rows match matches into ls (read once, then reused). */
static int
matches_load(struct cache *c, struct lstate *ls, const char *match,
    struct err *e)
{
	long long dv, tc, maxrid;
	char *or;
	long n = 0;
	int rc;

	if (matches_valid(c, ls, match) || mset_switch(c, ls, match))
		return 0;
	free(ls->cur.match);
	ls->cur.match = NULL;
	ls->cur.cnt_ok = 0;
	write_stamp(c, &dv, &tc);
	maxrid = max_rid(c, e);
	if (maxrid < -1)
		return ERR_DB;
	mbits_clear(&ls->cur.ms, maxrid);
	or = prefix_or(c, ls, match);
	rc = mark_query(c, ls, &ls->cur.ms, or != NULL ? or : match, 0,
	    INT64_MAX, &n, e);
	free(or);
	if (rc)
		return rc;
	ls->cur.nmatch = n;
	/* Inside a write transaction the index lags the rows: use once. */
	if (c->depth == 0 && dv >= 0) {
		ls->cur.match = xstrdup(match);
		ls->cur.dv = dv;
		ls->cur.tc = tc;
	}
	return 0;
}

/* The rids of the sort index in list order after (before, desc) key. */
static sqlite3_stmt *
walk_stmt(struct cache *c, int desc, const char *key, struct err *e)
{
	static const char *const sql[4] = {
		"SELECT rid FROM contacts WHERE deleted = 0 ORDER BY sort_key",
		"SELECT rid FROM contacts WHERE deleted = 0 AND sort_key > ?1 "
		    "ORDER BY sort_key",
		"SELECT rid FROM contacts WHERE deleted = 0 ORDER BY sort_key "
		    "DESC",
		"SELECT rid FROM contacts WHERE deleted = 0 AND sort_key < ?1 "
		    "ORDER BY sort_key DESC",
	};
	int i = desc * 2 + (key != NULL);
	sqlite3_stmt *st = xstmt(c, XS_WALK + i, sql[i], e);

	if (st != NULL && key != NULL)
		cache_bind(st, 1, key);
	return st;
}

static void
rids_push(long long **v, size_t *n, size_t *cap, long long rid)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xreallocarray(*v, *cap, sizeof **v);
	}
	(*v)[(*n)++] = rid;
}

/*
 * Walk the sort index from key and check each row's text against the
 * phrases.  *done is 0 when CHECK_MAX rows gave fewer than limit matches
 * (the caller then asks the index).
 */
static int
check_walk(struct cache *c, struct lstate *ls, const struct tokv *ph,
    size_t nph, int desc, const char *key, int limit, long long **rids,
    size_t *nr, int *done, struct err *e)
{
	sqlite3_stmt *w, *txt;
	size_t cap = 0;
	int rc, checked = 0;

	*done = 0;
	txt = xstmt(c, XS_TEXT, "SELECT dname, email, phone, company, tags "
	    "FROM contacts_fts_src WHERE rid = ?1", e);
	if (txt == NULL)
		return ERR_DB;
	w = walk_stmt(c, desc, key, e);
	if (w == NULL)
		return ERR_DB;
	while ((rc = sqlite3_step(w)) == SQLITE_ROW) {
		long long rid = sqlite3_column_int64(w, 0);
		int hit = 0;

		if (checked++ == CHECK_MAX)
			break;
		sqlite3_bind_int64(txt, 1, rid);
		rc = sqlite3_step(txt);
		if (rc == SQLITE_ROW)
			hit = row_matches(ls, txt, ph, nph);
		sqlite3_reset(txt);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			break;
		if (hit)
			rids_push(rids, nr, &cap, rid);
		if (*nr == (size_t)limit) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_reset(w);
	if (rc == SQLITE_ROW) {
		/* too rare for a walk */
		free(*rids);
		*rids = NULL;
		*nr = 0;
		return 0;
	}
	if (rc != SQLITE_DONE)
		return cache_dberr(c, e, "search");
	*done = 1;
	return 0;
}

/* Walk the sort index from key and keep the rids in ls's bits. */
static int
bit_walk(struct cache *c, const struct lstate *ls, int desc, const char *key,
    int limit, long long **rids, size_t *nr, struct err *e)
{
	sqlite3_stmt *w = walk_stmt(c, desc, key, e);
	size_t cap = 0;
	int rc = SQLITE_DONE;

	if (w == NULL)
		return ERR_DB;
	while (*nr < (size_t)limit && (rc = sqlite3_step(w)) == SQLITE_ROW) {
		long long rid = sqlite3_column_int64(w, 0);

		if (bit_get(&ls->cur.ms, rid))
			rids_push(rids, nr, &cap, rid);
	}
	if (*nr == (size_t)limit)
		rc = SQLITE_DONE;
	sqlite3_reset(w);
	if (rc != SQLITE_DONE)
		return cache_dberr(c, e, "search");
	return 0;
}

/* ---- the map of list order (PM_*) ---- */

static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Is ls's map that of the rows as they are now? */
static int
pmap_valid(struct cache *c, const struct lstate *ls)
{
	long long dv, tc;

	if (ls->pm_state != PM_READY || c->depth > 0)
		return 0;
	write_stamp(c, &dv, &tc);
	return dv >= 0 && dv == ls->pm_dv && tc == ls->pm_tc;
}

static int
pmap_get(const struct lstate *ls, long long rid)
{
	if (rid < 0 || (size_t)rid >= ls->pm_nrid)
		return PM_NONE;
	return ls->pm_blk[rid];
}

/* The rids of m per block into cnt; 0 when one is not in the map. */
static int
pmap_count(const struct lstate *ls, const struct mbits *m, long *cnt)
{
	memset(cnt, 0, PM_BLOCKS * sizeof *cnt);
	for (size_t w = 0; w < m->nwords; w++) {
		for (uint64_t b = m->bits[w]; b != 0; b &= b - 1) {
			int k = pmap_get(ls, (long long)(w * 64 +
			    (size_t)__builtin_ctzll(b)));

			if (k >= ls->pm_nb)
				return 0;
			cnt[k]++;
		}
	}
	return 1;
}

/* ls's matches per block, once per set of matches; 0 when a match is not
 * in the map (then it is not used). */
static int
pmap_counts(struct lstate *ls)
{
	if (ls->cur.cnt_ok == 0)
		ls->cur.cnt_ok = pmap_count(ls, &ls->cur.ms, ls->cur.cnt) ?
		    1 : -1;
	return ls->cur.cnt_ok > 0;
}

/*
 * The block of the rows next to key: the last block whose first key is
 * <= key (< key when before: the block of the last row before key); -1
 * when there is none.
 */
static int
pmap_block(const struct lstate *ls, const char *key, int before)
{
	int lo = 0, hi = ls->pm_nb;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;
		int d = strcmp(ls->pm_key[mid], key);

		if (d < 0 || (d == 0 && !before))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

/*
 * Walk block b in list order (backwards when desc) from key (NULL: from
 * the block's start, or end), keeping up to limit of ls's matches;
 * *got: how many.
 */
static int
pmap_walk(struct cache *c, const struct lstate *ls, const struct mbits *m,
    int b, int desc, const char *key, long limit, long long **rids,
    size_t *nr, size_t *cap, long *got, struct err *e)
{
	sqlite3_stmt *w;
	int rc = SQLITE_DONE;

	*got = 0;
	if (key != NULL) {
		w = walk_stmt(c, desc, key, e);
	} else if (!desc) {
		w = xstmt(c, XS_WALK_GE, "SELECT rid FROM contacts WHERE "
		    "deleted = 0 AND sort_key >= ?1 ORDER BY sort_key", e);
		if (w != NULL)
			cache_bind(w, 1, ls->pm_key[b]);
	} else {
		w = walk_stmt(c, 1, b + 1 < ls->pm_nb ? ls->pm_key[b + 1] :
		    NULL, e);
	}
	if (w == NULL)
		return ERR_DB;
	while (*got < limit && (rc = sqlite3_step(w)) == SQLITE_ROW) {
		long long rid = sqlite3_column_int64(w, 0);

		if (pmap_get(ls, rid) != b) {
			rc = SQLITE_DONE;
			break;
		}
		if (bit_get(m, rid)) {
			rids_push(rids, nr, cap, rid);
			(*got)++;
		}
	}
	if (*got == limit)
		rc = SQLITE_DONE;
	sqlite3_reset(w);
	if (rc != SQLITE_DONE)
		return cache_dberr(c, e, "search");
	return 0;
}

/*
 * Up to limit of ls's matches after key in list order (before it when
 * desc), read through the map, plus a few more: the blocks from key's on
 * until they hold limit matches; a block with few matches gives all of
 * them (also those on the other side of key), a fuller one is walked.
 * The rids are in no order: the caller sorts the rows (rows_window).
 */
static int
pmap_rids(struct cache *c, const struct lstate *ls, const struct mbits *m,
    const long *cnt, int desc, const char *key, long limit, long long **rids,
    size_t *nr, struct err *e)
{
	unsigned char how[PM_NONE + 1];	/* 0 skip, 1 by rid, 2 walk */
	int dir = desc ? -1 : 1, b0, b, sparse = 0, rc;
	size_t cap = 0;
	long acc = 0, got;

	memset(how, 0, sizeof how);
	if (key == NULL)
		b0 = desc ? ls->pm_nb - 1 : 0;
	else if ((b0 = pmap_block(ls, key, desc)) < 0 && !desc)
		b0 = 0;
	if (b0 < 0)
		return 0;	/* nothing before key */
	if (cnt[b0] > PM_SPARSE) {
		rc = pmap_walk(c, ls, m, b0, desc, key, limit, rids, nr, &cap,
		    &got, e);
		if (rc)
			return rc;
		acc = got;
	} else if (cnt[b0] > 0) {
		how[b0] = 1;	/* all: which are after key is unknown */
		sparse = 1;
	}
	for (b = b0 + dir; acc < limit && b >= 0 && b < ls->pm_nb; b += dir) {
		if (cnt[b] == 0)
			continue;
		how[b] = cnt[b] > PM_SPARSE ? 2 : 1;
		sparse |= how[b] == 1;
		acc += cnt[b];
	}
	if (sparse) {
		for (size_t w = 0; w < m->nwords; w++) {
			for (uint64_t x = m->bits[w]; x != 0; x &= x - 1) {
				long long rid = (long long)(w * 64 +
				    (size_t)__builtin_ctzll(x));

				if (how[pmap_get(ls, rid)] == 1)
					rids_push(rids, nr, &cap, rid);
			}
		}
	}
	for (b = 0; b < ls->pm_nb; b++) {
		if (how[b] != 2)
			continue;
		rc = pmap_walk(c, ls, m, b, desc, NULL, limit, rids, nr, &cap,
		    &got, e);
		if (rc)
			return rc;
	}
	return 0;
}

/* How many of ls's matches are before key in list order. */
static int
pmap_before(struct cache *c, const struct lstate *ls, const char *key,
    long *n, struct err *e)
{
	int b0 = pmap_block(ls, key, 1);
	sqlite3_stmt *w;
	long k = 0;
	int rc = SQLITE_DONE;

	*n = 0;
	if (b0 < 0)
		return 0;
	for (int b = 0; b < b0; b++)
		k += ls->cur.cnt[b];
	w = walk_stmt(c, 1, key, e);
	if (w == NULL)
		return ERR_DB;
	while ((rc = sqlite3_step(w)) == SQLITE_ROW) {
		long long rid = sqlite3_column_int64(w, 0);

		if (pmap_get(ls, rid) != b0) {
			rc = SQLITE_DONE;
			break;
		}
		k += bit_get(&ls->cur.ms, rid);
	}
	sqlite3_reset(w);
	if (rc != SQLITE_DONE)
		return cache_dberr(c, e, "count contacts");
	*n = k;
	return 0;
}

/* The letter of an expression "x"* with x in LT_LETTERS, or -1. */
static int
lt_letter(const char *match)
{
	const char *p;
	char x;

	if (match == NULL || match[0] != '"' || match[1] == '\0' ||
	    strcmp(match + 2, "\"*") != 0)
		return -1;
	x = match[1];
	if (x >= 'A' && x <= 'Z')
		x = (char)(x - 'A' + 'a');
	p = strchr(LT_LETTERS, x);
	return p != NULL && x != '\0' ? (int)(p - LT_LETTERS) : -1;
}

/*
 * Up to limit rids of letter x's page after key (NULL: from the top), in
 * list order; 0 when the page does not hold them (then another way).
 */
static int
lt_rids(const struct lstate *ls, int x, const char *key, int limit,
    long long **rids, size_t *nr)
{
	const struct lt_page *pg = &ls->lt[x];
	size_t lo = 0, hi = pg->n, cap = 0;

	if (!pg->built)
		return 0;
	while (key != NULL && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(pg->key[mid], key) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pg->n - lo < (size_t)limit && !pg->all)
		return 0;
	for (size_t i = lo; i < pg->n && *nr < (size_t)limit; i++)
		rids_push(rids, nr, &cap, pg->rid[i]);
	return 1;
}

struct lt_row {
	long long	 rid;
	char		*key;
};

static int
lt_row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct lt_row *)a)->key,
	    ((const struct lt_row *)b)->key);
}

/* Letter lt_next's matches are read: keep its first LT_K rows. */
static int
lt_finish(struct cache *c, struct lstate *ls, struct err *e)
{
	struct lt_page *pg = &ls->lt[ls->lt_next];
	struct lt_row *v;
	long long *rids = NULL;
	size_t nr = 0, nv = 0;
	long cnt[PM_BLOCKS];
	sqlite3_stmt *st;
	int rc = 0;

	if (!pmap_count(ls, &ls->lt_ms, cnt))
		return err_set(e, ERR_DB, "cache: list map: a match of \"%c\" "
		    "is not in it", LT_LETTERS[ls->lt_next]);
	rc = pmap_rids(c, ls, &ls->lt_ms, cnt, 0, NULL, LT_K, &rids, &nr, e);
	st = xstmt(c, XS_KEY, "SELECT sort_key FROM contacts WHERE rid = ?1 "
	    "AND deleted = 0", e);
	if (rc == 0 && st == NULL)
		rc = ERR_DB;
	v = xcalloc(nr + 1, sizeof *v);
	for (size_t i = 0; rc == 0 && i < nr; i++) {
		sqlite3_bind_int64(st, 1, rids[i]);
		if (sqlite3_step(st) == SQLITE_ROW) {
			v[nv].rid = rids[i];
			v[nv++].key = cache_col(st, 0);
		} else {
			rc = cache_dberr(c, e, "list map");
		}
		sqlite3_reset(st);
	}
	free(rids);
	if (rc == 0)
		qsort(v, nv, sizeof *v, lt_row_cmp);
	pg->n = 0;
	pg->rid = xcalloc(nv + 1, sizeof *pg->rid);
	pg->key = xcalloc(nv + 1, sizeof *pg->key);
	for (size_t i = 0; i < nv; i++) {
		if (rc == 0 && i < LT_K && v[i].key != NULL) {
			pg->rid[pg->n] = v[i].rid;
			pg->key[pg->n++] = v[i].key;
		} else {
			free(v[i].key);
		}
	}
	free(v);
	pg->all = ls->lt_nm <= LT_K;
	pg->built = rc == 0;
	return rc;
}

/* The letters (bit i: LT_LETTERS[i]) that start a token of the row in
 * txt (the five indexed columns), tokenized as FTS5 indexes them. */
static uint64_t
lt_row_letters(struct lstate *ls, sqlite3_stmt *txt)
{
	uint64_t mask = 0;

	for (int col = 0; col < 5; col++) {
		if (!col_tokenize(ls, txt, col))
			continue;
		for (size_t i = 0; i < ls->col.n; i++) {
			size_t len;
			const char *k = tokv_at(&ls->col, i, &len);
			const char *p = len > 0 && k[0] != '\0' ?
			    strchr(LT_LETTERS, k[0]) : NULL;

			if (p != NULL)
				mask |= (uint64_t)1 << (p - LT_LETTERS);
		}
	}
	return mask;
}

/*
 * A slice (until t0 + IDLE_US) of reading the top LT_SCAN rows of the
 * list for every letter's page at once.  When done, the full pages are
 * built (all of a letter's matches too, when the list ended) and the
 * others left to the slices that read the letter's matches.
 */
static int
lt_scan(struct cache *c, struct lstate *ls, long long t0, struct err *e)
{
	sqlite3_stmt *w, *txt;
	int rc, full = 0, end = 0;

	if (!tok_ready(c, ls)) {
		ls->lt_scanning = 0;	/* no tokenizer: all by FTS */
		return 0;
	}
	for (int i = 0; i < LT_N; i++) {
		if (ls->lt[i].rid == NULL) {
			ls->lt[i].rid = xcalloc(LT_K, sizeof *ls->lt[i].rid);
			ls->lt[i].key = xcalloc(LT_K, sizeof *ls->lt[i].key);
		}
	}
	if (ls->lt_scan_last == NULL) {
		w = xstmt(c, XS_BUILD, "SELECT rid, sort_key FROM contacts "
		    "WHERE deleted = 0 ORDER BY sort_key", e);
	} else {
		w = xstmt(c, XS_BUILD + 1, "SELECT rid, sort_key FROM "
		    "contacts WHERE deleted = 0 AND sort_key > ?1 ORDER BY "
		    "sort_key", e);
		if (w != NULL)
			cache_bind(w, 1, ls->lt_scan_last);
	}
	txt = xstmt(c, XS_TEXT, "SELECT dname, email, phone, company, tags "
	    "FROM contacts_fts_src WHERE rid = ?1", e);
	if (w == NULL || txt == NULL)
		return ERR_DB;
	while ((rc = sqlite3_step(w)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(w, 1);
		uint64_t mask = 0;
		int trc;

		sqlite3_bind_int64(txt, 1, sqlite3_column_int64(w, 0));
		trc = sqlite3_step(txt);
		if (trc == SQLITE_ROW)
			mask = lt_row_letters(ls, txt);
		sqlite3_reset(txt);
		if (trc != SQLITE_ROW && trc != SQLITE_DONE) {
			rc = trc;
			break;
		}
		full = 1;
		for (int i = 0; i < LT_N; i++) {
			struct lt_page *pg = &ls->lt[i];

			if ((mask >> i) & 1 && pg->n < LT_K) {
				pg->rid[pg->n] = sqlite3_column_int64(w, 0);
				pg->key[pg->n++] = xstrdup(key != NULL ? key :
				    "");
			}
			full &= pg->n == LT_K;
		}
		free(ls->lt_scan_last);
		ls->lt_scan_last = xstrdup(key != NULL ? key : "");
		if (++ls->lt_scanned >= LT_SCAN || full ||
		    now_us() - t0 >= IDLE_US)
			break;
	}
	end = rc == SQLITE_DONE;
	sqlite3_reset(w);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return cache_dberr(c, e, "list map");
	if (!end && !full && ls->lt_scanned < LT_SCAN)
		return 0;	/* more rows next time */
	for (int i = 0; i < LT_N; i++) {
		struct lt_page *pg = &ls->lt[i];

		if (pg->n == LT_K || end) {
			pg->built = 1;
			pg->all = end;
			continue;
		}
		for (size_t k = 0; k < pg->n; k++)
			free(pg->key[k]);
		free(pg->key);
		free(pg->rid);
		memset(pg, 0, sizeof *pg);
	}
	ls->lt_scanning = 0;
	return 0;
}

/*
 * A slice of the one-letter pages: about IDLE_US of reading letter
 * lt_next's matches, LT_RANGE rowids at a time, then its page.  *more: 1
 * while letters are left.
 */
static int
lt_step(struct cache *c, struct lstate *ls, int *more, struct err *e)
{
	long long t0 = now_us();
	long n = 0;
	int rc = 0;

	*more = 0;
	if (ls->lt_scanning)
		rc = lt_scan(c, ls, t0, e);
	while (rc == 0 && !ls->lt_scanning && ls->lt_next < LT_N &&
	    now_us() - t0 < IDLE_US) {
		if (ls->lt[ls->lt_next].built) {
			ls->lt_next++;	/* filled by the scan */
			continue;
		}
		if (ls->lt_expr == NULL) {
			char q[8];

			snprintf(q, sizeof q, "\"%c\"*",
			    LT_LETTERS[ls->lt_next]);
			ls->lt_expr = prefix_or(c, ls, q);
			if (ls->lt_expr == NULL)
				ls->lt_expr = xstrdup(q);
			mbits_clear(&ls->lt_ms, (long long)ls->pm_nrid - 1);
			ls->lt_from = 0;
			ls->lt_nm = 0;
		}
		if (ls->lt_from < (long long)ls->pm_nrid) {
			rc = mark_query(c, ls, &ls->lt_ms, ls->lt_expr,
			    ls->lt_from, ls->lt_from + LT_RANGE, &n, e);
			ls->lt_from += LT_RANGE;
			ls->lt_nm += n;
			continue;
		}
		rc = lt_finish(c, ls, e);
		free(ls->lt_expr);
		ls->lt_expr = NULL;
		ls->lt_next++;
	}
	if (rc == 0 && (ls->lt_scanning || ls->lt_next < LT_N)) {
		*more = 1;
	} else {
		free(ls->lt_ms.bits);
		memset(&ls->lt_ms, 0, sizeof ls->lt_ms);
	}
	return rc;
}

/*
 * A tags column (a JSON array of strings) comma-joined, "" for none: a
 * fast path for plain strings, which is what the cache writes, and the
 * JSON parser for anything else (escapes).
 */
static char *
tags_joined(const char *json)
{
	const char *p = json;
	struct strv v;
	struct buf b;
	size_t items = 0;

	buf_init(&b, 0);
	if (json == NULL)
		return buf_take(&b);
	while (*p == ' ')
		p++;
	if (*p++ != '[')
		goto slow;
	for (;;) {
		const char *start;

		while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
			p++;
		if (*p == ']' && items == 0)
			break;
		if (*p != '"')
			goto slow;
		for (start = ++p; *p != '"' && *p != '\\' && *p != '\0'; p++)
			;
		if (*p != '"')
			goto slow;
		if (items++ > 0)
			buf_putc(&b, ',');
		buf_append(&b, start, (size_t)(p - start));
		for (p++; *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r';
		    p++)
			;
		if (*p == ']')
			break;
		if (*p++ != ',')
			goto slow;
	}
	return buf_take(&b);
slow:
	buf_reset(&b);
	cache_tags_from_json(json, &v);
	for (size_t i = 0; i < v.n; i++) {
		if (i > 0)
			buf_putc(&b, ',');
		buf_puts(&b, v.v[i]);
	}
	strv_free(&v);
	return buf_take(&b);
}

/*
 * Column values of a ROW_COLS row.  The strings share one allocation
 * that r->id starts (a list of thousands of rows spent a fifth of its
 * time in malloc); rows_clear frees it.
 */
static void
row_from_stmt(sqlite3_stmt *st, struct cache_row *r)
{
	static const int col[6] = { 0, 1, 2, 3, 4, 6 };
	char **dst[7] = { &r->id, &r->name, &r->email, &r->phone,
	    &r->company, &r->sort_key, &r->tags };
	const char *src[7];
	char *tags, *p;
	size_t len[7], total = 0;

	tags = tags_joined((const char *)sqlite3_column_text(st, 5));
	for (int i = 0; i < 6; i++)
		src[i] = (const char *)sqlite3_column_text(st, col[i]);
	src[6] = tags;
	if (src[0] == NULL)
		src[0] = "";
	for (int i = 0; i < 7; i++) {
		len[i] = src[i] != NULL ? strlen(src[i]) + 1 : 0;
		total += len[i];
	}
	p = xmalloc(total);
	for (int i = 0; i < 7; i++) {
		*dst[i] = src[i] != NULL ? p : NULL;
		if (src[i] != NULL)
			memcpy(p, src[i], len[i]);
		p += len[i];
	}
	free(tags);
	r->pending = sqlite3_column_int(st, 7);
	r->failed = sqlite3_column_int(st, 8);
	r->never_synced = sqlite3_column_int(st, 9);
}

/* The rows of rids, in that order (a row deleted meanwhile is left out). */
static int
fetch_rows(struct cache *c, const long long *rids, size_t nr,
    struct cache_row **rows, size_t *n, struct err *e)
{
	sqlite3_stmt *st = xstmt(c, XS_FETCH, "SELECT " ROW_COLS " FROM "
	    "contacts c WHERE c.rid = ?1 AND c.deleted = 0", e);
	int rc = SQLITE_DONE;

	*rows = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	if (nr == 0)
		return 0;
	*rows = xcalloc(nr, sizeof **rows);
	for (size_t i = 0; i < nr; i++) {
		sqlite3_bind_int64(st, 1, rids[i]);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			row_from_stmt(st, &(*rows)[(*n)++]);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		cache_rows_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		return cache_dberr(c, e, "list contacts");
	}
	return 0;
}

/*
 * One statement per (mode, search?, number of tags).  With a tag the page
 * is read off the tag index (tag, sort_key) in order, so a tag filter costs
 * the page, not the tag's size; otherwise off the sort index, or, with a
 * search, from the search's matches sorted.  Rows: the page's rids first,
 * then the columns (tags, outbox counts) for those rows only.
 */
static sqlite3_stmt *
list_stmt(struct cache *c, enum lmode m, int fts, int ntags, struct err *e)
{
	int slot = LIST_SLOT(m, fts, ntags);
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
		if (fts)
			buf_puts(&b, " AND c.rid IN (SELECT rowid FROM "
			    "contacts_fts WHERE contacts_fts MATCH :q)");
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

/*
 * Up to limit rids matching l (a search, no tag) after key in list order
 * (before it, nearest first, when desc).  *use_sql: the matches are few:
 * SQL sorts them instead; *use_sql == 2: all of them fit in limit, the
 * rids are every match in rid order (see sort_after); *use_sql == 3: the
 * rids of the map's blocks, in no order (see rows_window).
 */
static int
search_rids(struct cache *c, const struct lq *l, int desc, const char *key,
    int limit, long long **rids, size_t *nr, int *use_sql, struct err *e)
{
	struct lstate *ls = lstate_get(c, e);
	struct tokv *ph;
	size_t nph = 0;
	int rc, broad = 0, done = 0, x;

	*rids = NULL;
	*nr = 0;
	*use_sql = 0;
	if (ls == NULL)
		return ERR_DB;
	x = desc ? -1 : lt_letter(l->match);
	if (x >= 0 && ls->lt[x].built && pmap_valid(c, ls) &&
	    lt_rids(ls, x, key, limit, rids, nr)) {
		*use_sql = 3;
		return 0;
	}
	if (!matches_valid(c, ls, l->match) && !mset_switch(c, ls, l->match) &&
	    tok_ready(c, ls)) {
		ph = phrases(ls, l->match, &nph, &broad);
		rc = 0;
		if (ph != NULL && broad)
			rc = check_walk(c, ls, ph, nph, desc, key, limit, rids,
			    nr, &done, e);
		phrases_free(ph, nph);
		if (rc || done)
			return rc;
	}
	rc = matches_load(c, ls, l->match, e);
	if (rc)
		return rc;
	if (!desc && ls->cur.nmatch <= limit) {
		/* Every match is wanted (list): all of them in rid order,
		 * which is file order; the caller sorts the rows. */
		const struct mbits *m = &ls->cur.ms;
		size_t cap = 0;

		for (size_t w = 0; w < m->nwords; w++)
			for (uint64_t b = m->bits[w]; b != 0; b &= b - 1)
				rids_push(rids, nr, &cap, (long long)(w * 64 +
				    (size_t)__builtin_ctzll(b)));
		*use_sql = 2;
		return 0;
	}
	if (pmap_valid(c, ls) && pmap_counts(ls)) {
		*use_sql = 3;
		return pmap_rids(c, ls, &ls->cur.ms, ls->cur.cnt, desc, key,
		    limit, rids, nr, e);
	}
	if (ls->cur.nmatch <= SORTED_MAX) {
		*use_sql = 1;
		return 0;
	}
	return bit_walk(c, ls, desc, key, limit, rids, nr, e);
}

static sqlite3_stmt *
lq_stmt(struct cache *c, const struct lq *l, enum lmode m, struct err *e)
{
	sqlite3_stmt *st = list_stmt(c, m, l->match != NULL, l->ntags, e);

	if (st == NULL)
		return NULL;
	bind_named(st, ":q", l->match);
	bind_named(st, ":t1", l->tags[0]);
	bind_named(st, ":t2", l->tags[1]);
	return st;
}

/* The page cache a list or search call reads through, in KiB (SQLite's
 * default size). */
#define SCAN_CACHE_KB	2000
#define STR_(x)		#x
#define STR(x)		STR_(x)

/*
 * A list or search call reads each page about once (the sort index
 * walked, the matches' rows, a doclist), so the connection's large page
 * cache only costs: growing it made "list --search" twice as slow as the
 * same query at SQLite's default size, and filling it is most of the
 * TUI's memory.  The call runs with a small cache (pages beyond it are
 * dropped), then the connection's size is put back; it grows again only
 * for other reads.  Returns the size to restore (0: nothing changed).
 */
static long long
scan_begin(struct cache *c)
{
	sqlite3_stmt *st = NULL;
	long long was = 0, kb;

	if (sqlite3_prepare_v2(c->db, "PRAGMA cache_size", -1, &st, NULL) ==
	    SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		was = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	/* negative: KiB; positive: pages */
	kb = was < 0 ? -was : was * (sqlite3_int64)4;
	if (kb <= SCAN_CACHE_KB)
		return 0;
	if (sqlite3_exec(c->db, "PRAGMA cache_size = -" STR(SCAN_CACHE_KB),
	    NULL, NULL, NULL) != SQLITE_OK)
		return 0;
	return was;
}

static void
scan_end(struct cache *c, long long was)
{
	char sql[64];

	if (was == 0)
		return;
	snprintf(sql, sizeof sql, "PRAGMA cache_size = %lld", was);
	sqlite3_exec(c->db, sql, NULL, NULL, NULL);
}

/*
 * One read transaction around the statements of one call (the walk, a
 * statement per row): one snapshot, and one lock instead of one per
 * statement.  Returns 1 when it began one; snap_end ends it.
 */
static int
snap_begin(struct cache *c)
{
	if (c->depth > 0 || !sqlite3_get_autocommit(c->db))
		return 0;
	return sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
}

static void
snap_end(struct cache *c, int began)
{
	if (began && !sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
}

/* Free the strings of rows[0 .. n). */
static void
rows_clear(struct cache_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(rows[i].id);	/* and the others, in its block */
}

static int
row_key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cache_row *)a)->sort_key,
	    ((const struct cache_row *)b)->sort_key);
}

/*
 * Sort rows into list order and keep the limit nearest after key (before
 * it when desc, then nearest first, as the walks give them).
 */
static void
rows_window(struct cache_row *rows, size_t *n, const char *key, int desc,
    int limit)
{
	size_t lo = 0, hi = *n;

	if (*n == 0)
		return;
	qsort(rows, *n, sizeof *rows, row_key_cmp);
	if (!desc) {
		while (key != NULL && lo < hi && strcmp(rows[lo].sort_key,
		    key) <= 0)
			lo++;
		if (hi - lo > (size_t)limit)
			hi = lo + (size_t)limit;
	} else {
		while (key != NULL && hi > lo && strcmp(rows[hi - 1].sort_key,
		    key) >= 0)
			hi--;
		if (hi - lo > (size_t)limit)
			lo = hi - (size_t)limit;
	}
	rows_clear(rows, lo);
	rows_clear(rows + hi, *n - hi);
	memmove(rows, rows + lo, (hi - lo) * sizeof *rows);
	*n = hi - lo;
	for (size_t i = 0; desc && i < *n / 2; i++) {
		struct cache_row t = rows[i];

		rows[i] = rows[*n - 1 - i];
		rows[*n - 1 - i] = t;
	}
}

/* Sort rows into list order and drop those not after key (NULL: none). */
static void
sort_after(struct cache_row *rows, size_t *n, const char *key)
{
	size_t skip = 0;

	if (*n == 0)
		return;
	qsort(rows, *n, sizeof *rows, row_key_cmp);
	while (key != NULL && skip < *n && strcmp(rows[skip].sort_key, key) <= 0)
		skip++;
	if (skip == 0)
		return;
	rows_clear(rows, skip);
	memmove(rows, rows + skip, (*n - skip) * sizeof *rows);
	*n -= skip;
}

struct mark {
	char	*id;
	int	 pending, failed;
};

static int
mark_cmp(const void *a, const void *b)
{
	return strcmp(((const struct mark *)a)->id,
	    ((const struct mark *)b)->id);
}

/*
 * The outbox marks of rows (pending + inflight, failed entries), read
 * once per call from the few contacts with unsent writes instead of two
 * subqueries per row.
 */
static int
outbox_marks(struct cache *c, struct cache_row *rows, size_t n,
    struct err *e)
{
	sqlite3_stmt *st;
	struct mark *m = NULL;
	size_t nm = 0, cap = 0;
	int rc;

	if (n == 0)
		return 0;
	st = xstmt(c, XS_MARKS, "SELECT contact_id, sum(status IN "
	    CACHE_ACTIVE "), sum(status = 'failed') FROM outbox WHERE status "
	    "IN " CACHE_UNSENT " GROUP BY contact_id", e);
	if (st == NULL)
		return ERR_DB;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nm == cap) {
			cap = cap ? cap * 2 : 16;
			m = xreallocarray(m, cap, sizeof *m);
		}
		m[nm].id = cache_col(st, 0);
		m[nm].pending = sqlite3_column_int(st, 1);
		m[nm].failed = sqlite3_column_int(st, 2);
		if (m[nm].id != NULL)
			nm++;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE && nm > 0) {
		qsort(m, nm, sizeof *m, mark_cmp);
		for (size_t i = 0; i < n; i++) {
			struct mark k = { rows[i].id, 0, 0 }, *f;

			f = bsearch(&k, m, nm, sizeof *m, mark_cmp);
			if (f != NULL) {
				rows[i].pending = f->pending;
				rows[i].failed = f->failed;
			}
		}
	}
	for (size_t i = 0; i < nm; i++)
		free(m[i].id);
	free(m);
	if (rc != SQLITE_DONE)
		return cache_dberr(c, e, "outbox marks");
	return 0;
}

static int list_rows_in(struct cache *, const struct cache_query *,
    enum lmode, const char *, int, struct cache_row **, size_t *,
    struct err *);

static int
list_rows(struct cache *c, const struct cache_query *q, enum lmode m,
    const char *key, int limit, struct cache_row **rows, size_t *n,
    struct err *e)
{
	/* a page of the plain list reads a few dozen pages: as it is */
	int search = q != NULL && q->search != NULL && q->search[0] != '\0';
	long long was = search ? scan_begin(c) : 0;
	int began = search ? snap_begin(c) : 0;
	int rc = list_rows_in(c, q, m, key, limit, rows, n, e);

	snap_end(c, began);
	scan_end(c, was);
	return rc;
}

static int
list_rows_in(struct cache *c, const struct cache_query *q, enum lmode m,
    const char *key, int limit, struct cache_row **rows, size_t *n,
    struct err *e)
{
	int desc = m == LM_LAST || m == LM_BEFORE;
	struct lq l;
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, use_sql = 1;

	*rows = NULL;
	*n = 0;
	if (limit <= 0)
		return 0;
	lq_init(&l, q);
	if (l.match != NULL && l.ntags == 0) {
		long long *rids = NULL;
		size_t nr = 0;

		rc = search_rids(c, &l, desc, key, limit, &rids, &nr, &use_sql,
		    e);
		if (rc == 0 && use_sql != 1)
			rc = fetch_rows(c, rids, nr, rows, n, e);
		if (rc == 0 && use_sql == 2) {
			sort_after(*rows, n, key);
			use_sql = 0;
		}
		if (rc == 0 && use_sql == 3) {
			rows_window(*rows, n, key, desc, limit);
			use_sql = 0;
		}
		free(rids);
		if (rc) {
			lq_free(&l);
			return rc;
		}
	}
	if (use_sql) {
		st = lq_stmt(c, &l, m, e);
		if (st != NULL) {
			bind_named(st, ":k", key);
			sqlite3_bind_int(st,
			    sqlite3_bind_parameter_index(st, ":lim"), limit);
		}
		if (st == NULL) {
			lq_free(&l);
			return ERR_DB;
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (*n == cap) {
				cap = cap ? cap * 2 :
				    (size_t)(limit < 64 ? limit : 64);
				*rows = xreallocarray(*rows, cap, sizeof **rows);
			}
			row_from_stmt(st, &(*rows)[(*n)++]);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			lq_free(&l);
			cache_rows_free(*rows, *n);
			*rows = NULL;
			*n = 0;
			return cache_dberr(c, e, "list contacts");
		}
	}
	lq_free(&l);
	rc = outbox_marks(c, *rows, *n, e);
	if (rc) {
		cache_rows_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		return rc;
	}
	if (desc) {
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
	rows_clear(rows, n);
	free(rows);
}

/*
 * A search's matches (LM_COUNT), or those before key (LM_INDEX), from the
 * set of matches: counted off the bits, or, for a row index among many
 * matches, by walking the sort index before key.
 */
static int
count_search(struct cache *c, const struct lq *l, enum lmode m,
    const char *key, long *n, int *use_sql, struct err *e)
{
	struct lstate *ls = lstate_get(c, e);
	sqlite3_stmt *w;
	long k = 0;
	int rc;

	*use_sql = 0;
	if (ls == NULL)
		return ERR_DB;
	rc = matches_load(c, ls, l->match, e);
	if (rc)
		return rc;
	if (m == LM_COUNT) {
		*n = ls->cur.nmatch;
		return 0;
	}
	if (pmap_valid(c, ls) && pmap_counts(ls))
		return pmap_before(c, ls, key, n, e);
	if (ls->cur.nmatch <= SORTED_MAX) {
		*use_sql = 1;
		return 0;
	}
	w = walk_stmt(c, 1, key, e);
	if (w == NULL)
		return ERR_DB;
	while ((rc = sqlite3_step(w)) == SQLITE_ROW)
		k += bit_get(&ls->cur.ms, sqlite3_column_int64(w, 0));
	sqlite3_reset(w);
	if (rc != SQLITE_DONE)
		return cache_dberr(c, e, "count contacts");
	*n = k;
	return 0;
}

static int
count_where(struct cache *c, const struct cache_query *q, enum lmode m,
    const char *key, long *n, struct err *e)
{
	struct lq l;
	sqlite3_stmt *st;
	int rc, use_sql = 1;

	*n = 0;
	lq_init(&l, q);
	if (l.match != NULL && l.ntags == 0) {
		long long was = scan_begin(c);
		int began = snap_begin(c);

		rc = count_search(c, &l, m, key, n, &use_sql, e);
		snap_end(c, began);
		scan_end(c, was);
		if (rc || !use_sql) {
			lq_free(&l);
			return rc;
		}
	}
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
/*
 * One slice of the map's build: about IDLE_US of the sort index, from the
 * last key read, then the letters' pages, in the caller's read
 * transaction.  A write since the map was begun drops it (*more = 2:
 * build again later); *more = 1: more to do; 0: all ready, or no map
 * wanted.
 */
static int
pmap_step(struct cache *c, struct lstate *ls, int *more, struct err *e)
{
	sqlite3_stmt *st;
	long long dv, tc, t0;
	long n = 0;
	int rc;

	*more = 0;
	write_stamp(c, &dv, &tc);
	if (dv < 0)
		return 0;
	if (ls->pm_state != PM_EMPTY && (dv != ls->pm_dv || tc != ls->pm_tc)) {
		/* written since: build again once the writes pause */
		pmap_drop(ls);
		*more = 2;
		return 0;
	}
	if (ls->pm_state == PM_READY)
		return lt_step(c, ls, more, e);
	if (ls->pm_state == PM_EMPTY) {
		long long maxrid = -1;
		long total = 0;

		rc = count_all(c, &total, e);
		if (rc)
			return rc;
		st = cache_stmt(c, Q_MAX_RID, e);
		if (st == NULL)
			return ERR_DB;
		if (sqlite3_step(st) == SQLITE_ROW)
			maxrid = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		/* few rows, or rids too sparse for a byte each */
		if (total < PM_MIN || maxrid < 0 || maxrid > INT32_MAX ||
		    maxrid > (long long)total * 4 + 1000000)
			return 0;
		ls->pm_nrid = (size_t)maxrid + 1;
		ls->pm_blk = xmalloc(ls->pm_nrid);
		memset(ls->pm_blk, PM_NONE, ls->pm_nrid);
		ls->pm_bsize = total / PM_BLOCKS + 1;
		ls->pm_dv = dv;
		ls->pm_tc = tc;
		ls->pm_state = PM_BUILDING;
	}
	if (ls->pm_last != NULL) {
		st = xstmt(c, XS_BUILD + 1, "SELECT rid, sort_key FROM "
		    "contacts WHERE deleted = 0 AND sort_key > ?1 ORDER BY "
		    "sort_key", e);
		if (st != NULL)
			cache_bind(st, 1, ls->pm_last);
	} else {
		st = xstmt(c, XS_BUILD, "SELECT rid, sort_key FROM contacts "
		    "WHERE deleted = 0 ORDER BY sort_key", e);
	}
	if (st == NULL)
		return ERR_DB;
	t0 = now_us();
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long rid = sqlite3_column_int64(st, 0);
		long b = ls->pm_rows / ls->pm_bsize;

		if (rid < 0 || (size_t)rid >= ls->pm_nrid || b >= PM_BLOCKS) {
			/* not the rows counted: start again later */
			sqlite3_reset(st);
			pmap_drop(ls);
			*more = 2;
			return 0;
		}
		if (ls->pm_rows % ls->pm_bsize == 0) {
			ls->pm_key[b] = cache_col(st, 1);
			if (ls->pm_key[b] == NULL)
				ls->pm_key[b] = xstrdup("");
			ls->pm_nb = (int)b + 1;
		}
		ls->pm_blk[rid] = (unsigned char)b;
		ls->pm_rows++;
		if (++n % 64 == 0 && now_us() - t0 > IDLE_US)
			break;
	}
	if (rc == SQLITE_ROW) {
		free(ls->pm_last);
		ls->pm_last = cache_col(st, 1);
	}
	*more = 1;	/* more rows, or the letters' pages */
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		pmap_drop(ls);
		return cache_dberr(c, e, "list map");
	}
	if (rc == SQLITE_DONE) {
		free(ls->pm_last);
		ls->pm_last = NULL;
		ls->cur.cnt_ok = 0;
		ls->pm_state = PM_READY;
		ls->lt_scanning = 1;	/* then the one-letter pages */
	}
	return 0;
}

int
cache_search_idle(struct cache *c, int *more, struct err *e)
{
	struct lstate *ls;
	long long was;
	int began, rc;

	*more = 0;
	if (c->depth > 0) {
		*more = 2;
		return 0;
	}
	ls = lstate_get(c, e);
	if (ls == NULL)
		return ERR_DB;
	was = scan_begin(c);
	began = snap_begin(c);
	rc = pmap_step(c, ls, more, e);
	snap_end(c, began);
	scan_end(c, was);
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
