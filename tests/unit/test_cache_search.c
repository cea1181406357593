/* test_cache_search.c: the list's search strategies (cache_query.c) give
 * exactly what one FTS5 query sorted by SQL gives: few and many matches,
 * one-letter prefixes checked row by row (and their fallback), paging
 * both ways, counts, row positions, after writes; the same through the
 * idle-time map of list order and the one-letter pages
 * (cache_search_idle), while it is being built, once built, and after
 * inserts, renames and deletes; tags and outbox marks of the rows. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cache.h"
#include "fts_query.h"
#include "model.h"
#include "xmalloc.h"
#include "../tap.h"

static char tmpdir[] = "/tmp/test_cache_search.XXXXXX";
static char path[300];
static unsigned long long seed = 12345;

static unsigned
rnd(unsigned n)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((seed >> 33) % n);
}

/* Few distinct names in long runs (as the sandbox makes them), so that
 * matches cluster in list order; words in other scripts and accents. */
static const char *const firsts[] = { "Aaliyah", "Maria", "Mario", "José",
	"Jon", "Mika", "Élodie", "Μαρία", "Zoe", "Quinn" };
static const char *const lasts[] = { "Brown", "Marino", "Jones", "Xu",
	"Γεωργίου", "Kowalski", "Martin" };
static const char *const companies[] = { "Acme Widgets, Inc.",
	"Mister Fix", "Κλειδί Α.Ε.", "株式会社さくら商事", "Jade & Co", NULL };
static const char *const tagset[] = { "vip", "lead", "marketing",
	"🔥 hot", "x-ray", "new lead" };

/* Slices of cache_search_idle until it says stop (at most max); the
 * last *more. */
static int
idle_until_done(struct cache *c, int max, int *slices)
{
	struct err e;
	int more = 1;

	for (*slices = 0; more == 1 && *slices < max; (*slices)++)
		if (cache_search_idle(c, &more, &e) != 0) {
			printf("# idle: %s\n", e.msg);
			return -1;
		}
	return more;
}

static int
put(struct cache *c, int i, const char *first, const char *last)
{
	struct contact ct;
	struct err e;
	char id[32], email[96], phone[32];
	int rc;

	memset(&ct, 0, sizeof ct);
	snprintf(id, sizeof id, "id%05d", i);
	ct.id = xstrdup(id);
	ct.first_name = xstrdup(first);
	ct.last_name = xstrdup(last);
	if (rnd(4) != 0) {
		snprintf(email, sizeof email, "%c%s.%u@%s.com", "amjqx"[rnd(5)],
		    rnd(2) ? "ail" : "ork", rnd(1000), rnd(2) ? "mail" :
		    "jmx");
		ct.email = xstrdup(email);
	}
	if (rnd(3) == 0) {
		snprintf(phone, sizeof phone, "+1 (312) 555-%04u", rnd(10000));
		ct.phone = xstrdup(phone);
	}
	if (companies[rnd(6)] != NULL)
		ct.company_name = xstrdup(companies[rnd(5)]);
	for (unsigned k = rnd(3); k > 0; k--)
		strv_push(&ct.tags, tagset[rnd(6)]);
	ct.dnd = TRI_UNSET;
	rc = cache_put_contact(c, &ct, 1, &e);
	if (rc)
		printf("# put %s: %s\n", id, e.msg);
	contact_free(&ct);
	return rc;
}

/* The ids FTS5 itself gives for search, in list order (reference). */
static char *
want_ids(sqlite3 *db, const char *search, long *n)
{
	char *match = fts_query_build(search, NULL);
	sqlite3_stmt *st;
	struct buf_s {
		char	*p;
		size_t	 len, cap;
	} b = { NULL, 0, 0 };

	*n = 0;
	sqlite3_prepare_v2(db, "SELECT id FROM contacts WHERE deleted = 0 AND "
	    "rid IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH "
	    "?1) ORDER BY sort_key", -1, &st, NULL);
	sqlite3_bind_text(st, 1, match, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		size_t l = strlen(id) + 1;

		if (b.len + l + 1 > b.cap) {
			b.cap = (b.len + l + 1) * 2;
			b.p = xrealloc(b.p, b.cap);
		}
		if (b.len > 0)
			b.p[b.len - 1] = ',';
		memcpy(b.p + b.len, id, l);
		b.len += l;
		(*n)++;
	}
	sqlite3_finalize(st);
	free(match);
	return b.p != NULL ? b.p : xstrdup("");
}

static void
append(char **out, size_t *len, const char *id)
{
	size_t l = strlen(id);

	*out = xrealloc(*out, *len + l + 2);
	if (*len > 0)
		(*out)[(*len)++] = ',';
	memcpy(*out + *len, id, l + 1);
	*len += l;
}

/* The ids cache_list pages through, page rows at a time. */
static char *
got_ids(struct cache *c, const char *search, int page)
{
	struct cache_query q = { search, NULL };
	struct cache_row *rows;
	char *out = xstrdup(""), *after = NULL;
	size_t n, len = 0;

	for (;;) {
		if (cache_list(c, &q, after, page, &rows, &n, NULL) != 0) {
			free(out);
			free(after);
			return xstrdup("ERROR");
		}
		for (size_t i = 0; i < n; i++)
			append(&out, &len, rows[i].id);
		free(after);
		after = n > 0 ? xstrdup(rows[n - 1].sort_key) : NULL;
		cache_rows_free(rows, n);
		if ((int)n < page)
			break;
	}
	free(after);
	return out;
}

/* The same read backwards with cache_list_before, put back in order. */
static char *
got_ids_back(struct cache *c, const char *search, int page)
{
	struct cache_query q = { search, NULL };
	struct cache_row *rows;
	char **ids = NULL, *out = xstrdup(""), *before = NULL;
	size_t nids = 0, n, len = 0;

	for (;;) {
		if (cache_list_before(c, &q, before, page, &rows, &n, NULL))
			break;
		ids = xreallocarray(ids, nids + n + 1, sizeof *ids);
		for (size_t i = n; i-- > 0;)
			ids[nids++] = xstrdup(rows[i].id);
		free(before);
		before = n > 0 ? xstrdup(rows[0].sort_key) : NULL;
		cache_rows_free(rows, n);
		if ((int)n < page)
			break;
	}
	free(before);
	for (size_t i = nids; i-- > 0;) {
		append(&out, &len, ids[i]);
		free(ids[i]);
	}
	free(ids);
	return out;
}

/* The i-th id (0-based) of a comma list, into buf. */
static int
nth_id(const char *ids, long i, char *buf, size_t len)
{
	const char *p = ids, *end;

	while (i-- > 0 && p != NULL) {
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	if (p == NULL || *p == '\0')
		return 0;
	end = strchr(p, ',');
	snprintf(buf, len, "%.*s", (int)(end != NULL ? end - p : (long)strlen(p)),
	    p);
	return 1;
}

static void
check_search(struct cache *c, sqlite3 *db, const char *search)
{
	struct cache_query q = { search, NULL };
	struct err e;
	long nwant = 0, cnt = -1, idx = -1;
	char *want = want_ids(db, search, &nwant), *got, id[32];
	int pos_ok = 1;

	got = got_ids(c, search, 38);
	ok(strcmp(got, want) == 0, "'%s': pages of 38 = FTS5 sorted (%ld)",
	    search, nwant);
	free(got);
	got = got_ids(c, search, 500);
	ok(strcmp(got, want) == 0, "'%s': pages of 500", search);
	free(got);
	got = got_ids_back(c, search, 38);
	ok(strcmp(got, want) == 0, "'%s': backwards", search);
	free(got);
	cache_count(c, &q, &cnt, &e);
	is_int(cnt, nwant, "count");
	for (long i = 0; i < nwant; i += nwant / 5 + 1) {
		if (!nth_id(want, i, id, sizeof id) ||
		    cache_row_index(c, &q, id, &idx, &e) != 0 || idx != i) {
			printf("# row %ld (%s): index %ld\n", i, id, idx);
			pos_ok = 0;
		}
	}
	ok(pos_ok, "'%s': row positions", search);
	free(want);
}

/* A comma list split into its ids (the list is changed); *n ids. */
static char **
split_ids(char *ids, long *n)
{
	char **v = xcalloc((size_t)*n + 1, sizeof *v);
	long k = 0;

	for (char *p = ids; *p != '\0' && k < *n; k++) {
		v[k] = p;
		p += strcspn(p, ",");
		if (*p == ',')
			*p++ = '\0';
	}
	*n = k;
	return v;
}

/* ids[from, from + n) (within [0, nids)), comma-joined. */
static char *
slice_ids(char **ids, long nids, long from, long n)
{
	char *out = xstrdup("");
	size_t len = 0;

	for (long i = from; i < from + n && i < nids; i++)
		if (i >= 0)
			append(&out, &len, ids[i]);
	return out;
}

/* One page after (before, when back) the row with id, as a comma list. */
static char *
page_at(struct cache *c, const char *search, const char *id, int back)
{
	struct cache_query q = { search, NULL };
	struct cache_row *rows = NULL;
	char *key = NULL, *out = xstrdup("");
	size_t n = 0, len = 0;
	int rc;

	if (cache_sort_key(c, id, &key, NULL) != 0)
		return out;
	rc = back ? cache_list_before(c, &q, key, 38, &rows, &n, NULL) :
	    cache_list(c, &q, key, 38, &rows, &n, NULL);
	for (size_t i = 0; rc == 0 && i < n; i++)
		append(&out, &len, rows[i].id);	/* both in list order */
	cache_rows_free(rows, n);
	free(key);
	return out;
}

/*
 * check_search for the large cache, in fewer calls: the whole list in
 * pages of 500 and backwards in pages of 211, the first three pages of
 * 38, and pages of 38 after and before 20 rows spread over the list.
 */
static void
check_big(struct cache *c, sqlite3 *db, const char *search)
{
	struct cache_query q = { search, NULL };
	struct err e;
	long nwant = 0, cnt = -1, idx = -1, nv;
	char *want = want_ids(db, search, &nwant), *got, *w, *copy, **v;
	int pages_ok = 1, pos_ok = 1;

	got = got_ids(c, search, 500);
	ok(strcmp(got, want) == 0, "'%s': pages of 500 = FTS5 sorted (%ld)",
	    search, nwant);
	free(got);
	got = got_ids_back(c, search, 211);
	ok(strcmp(got, want) == 0, "'%s': backwards", search);
	free(got);
	copy = xstrdup(want);
	nv = nwant;
	v = split_ids(copy, &nv);
	for (long i = 0; i < 3 * 38; i += 38) {
		struct cache_row *rows = NULL;
		size_t n = 0, len = 0;
		char *after = NULL;

		if (i > 0 && i <= nv)
			cache_sort_key(c, v[i - 1], &after, NULL);
		got = xstrdup("");
		if (i == 0 || after != NULL) {
			cache_list(c, &q, after, 38, &rows, &n, NULL);
			for (size_t k = 0; k < n; k++)
				append(&got, &len, rows[k].id);
			cache_rows_free(rows, n);
		}
		w = slice_ids(v, nv, i, i < nv ? 38 : 0);
		if (strcmp(got, w) != 0) {
			printf("# page at %ld: got %.60s want %.60s\n", i,
			    got, w);
			pages_ok = 0;
		}
		free(got);
		free(w);
		free(after);
	}
	for (int k = 0; k < 20 && nv > 0; k++) {
		long i = (long)rnd((unsigned)nv);

		for (int back = 0; back < 2; back++) {
			got = page_at(c, search, v[i], back);
			w = back ? slice_ids(v, nv, i - 38, 38) :
			    slice_ids(v, nv, i + 1, 38);
			if (strcmp(got, w) != 0) {
				printf("# %s row %ld: got %.60s want %.60s\n",
				    back ? "before" : "after", i, got, w);
				pages_ok = 0;
			}
			free(got);
			free(w);
		}
	}
	ok(pages_ok, "'%s': pages of 38 at the top and around 20 rows",
	    search);
	cache_count(c, &q, &cnt, &e);
	is_int(cnt, nwant, "count");
	for (long i = 0; i < nv; i += nv / 5 + 1) {
		if (cache_row_index(c, &q, v[i], &idx, &e) != 0 || idx != i) {
			printf("# row %ld (%s): index %ld\n", i, v[i], idx);
			pos_ok = 0;
		}
	}
	ok(pos_ok, "'%s': row positions", search);
	free(v);
	free(copy);
	free(want);
}

int
main(void)
{
	static const char *const searches[] = {
		"m", "ma", "mar", "mari", "maria", "j", "jo", "x", "q", "z",
		"μ", "μαρ", "e", "élo", "k", "5", "555-0", "a mar", "ma j",
		"jon.b", "x-r", "株", "🔥", "mister f",
		"ail.1", "nobody",
	};
	struct cache *c;
	struct err e;
	sqlite3 *db;
	struct cache_row *rows;
	size_t n;
	int i = 0;

	if (mkdtemp(tmpdir) == NULL) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	snprintf(path, sizeof path, "%s/s.db", tmpdir);
	is_int(cache_open(&c, path, &e), 0, "open");
	cache_begin(c, &e);
	/* 3,000 contacts in runs of one name (the scan for a one-letter
	 * prefix stops after 600 rows: some searches take the fallback) */
	while (i < 3000) {
		const char *f = firsts[rnd(10)], *l = lasts[rnd(7)];

		for (unsigned k = 50 + rnd(400); k > 0 && i < 3000; k--)
			put(c, i++, f, l);
	}
	is_int(cache_commit(c, &e), 0, "3,000 contacts");
	sqlite3_open(path, &db);

	for (size_t k = 0; k < sizeof searches / sizeof searches[0]; k++)
		check_search(c, db, searches[k]);

	/* A write moves the stamp: the set of matches is read again. */
	check_search(c, db, "mari");
	put(c, 90000, "Marianne", "Aaron");
	put(c, 90001, "Aaron", "Mariposa");
	cache_contact_mark_deleted(c, "id00007", &e);
	check_search(c, db, "mari");
	check_search(c, db, "m");
	check_search(c, db, "a");

	/* Rows carry their tags comma-joined, escapes and all. */
	{
		struct contact ct;
		struct cache_query q = { "zzquote", NULL };

		memset(&ct, 0, sizeof ct);
		ct.id = xstrdup("tq1");
		ct.first_name = xstrdup("Zzquote");
		ct.dnd = TRI_UNSET;
		strv_push(&ct.tags, "say \"hi\"");
		strv_push(&ct.tags, "back\\slash");
		strv_push(&ct.tags, "plain");
		cache_put_contact(c, &ct, 1, &e);
		contact_free(&ct);
		cache_list(c, &q, NULL, 5, &rows, &n, &e);
		ok(n == 1 && strcmp(rows[0].tags,
		    "say \"hi\",back\\slash,plain") == 0,
		    "tags with quotes and backslashes joined");
		if (n == 1)
			printf("# tags: %s\n", rows[0].tags);
		cache_rows_free(rows, n);
	}
	/* Outbox marks: a pending write marks its row, others stay clear. */
	{
		struct cache_query q = { "zzquote", NULL };
		struct strv tags = { 0 };
		long long entry = 0;

		strv_push(&tags, "extra");
		is_int(cache_tags_add(c, "tq1", &tags, &entry, &e), 0,
		    "tag write queued");
		strv_free(&tags);
		cache_list(c, &q, NULL, 5, &rows, &n, &e);
		ok(n == 1 && rows[0].pending == 1 && rows[0].failed == 0,
		    "the row shows one pending write");
		cache_rows_free(rows, n);
		q.search = "zoe";
		cache_list(c, &q, NULL, 50, &rows, &n, &e);
		{
			int clear = n > 0;

			for (size_t k = 0; k < n; k++)
				if (rows[k].pending || rows[k].failed)
					clear = 0;
			ok(clear, "other rows unmarked");
		}
		cache_rows_free(rows, n);
	}
	/*
	 * The map of list order: 21,000 contacts (over its 20,000 minimum),
	 * checked while it is built, once built (the map's blocks and the
	 * one-letter pages), after writes that leave it stale, and once it
	 * is built again.
	 */
	{
		static const char *const big[] = {
			"m", "ma", "mari", "j", "jo", "x", "q", "z", "5",
			"μ", "e", "a mar", "ma j", "x-r", "nobody", "k",
		};
		struct cache *c2;
		sqlite3 *db2;
		int more, slices, total = 0;

		snprintf(path, sizeof path, "%s/m.db", tmpdir);
		is_int(cache_open(&c2, path, &e), 0, "open the second cache");
		cache_begin(c2, &e);
		for (i = 0; i < 21000;) {
			const char *f = firsts[rnd(10)], *l = lasts[rnd(7)];

			for (unsigned k = 20 + rnd(600); k > 0 && i < 21000;
			    k--)
				put(c2, i++, f, l);
		}
		is_int(cache_commit(c2, &e), 0, "21,000 contacts");
		sqlite3_open(path, &db2);
		/* a few slices: the map is half built, searches as before */
		for (int k = 0; k < 3; k++)
			cache_search_idle(c2, &more, &e);
		is_int(more, 1, "the map is being built");
		check_big(c2, db2, "mari");
		more = idle_until_done(c2, 100000, &slices);
		is_int(more, 0, "map and one-letter pages built");
		printf("# built in %d slices\n", slices + 3);
		for (size_t k = 0; k < sizeof big / sizeof big[0]; k++)
			check_big(c2, db2, big[k]);
		is_int(idle_until_done(c2, 10, &slices), 0,
		    "ready: nothing more to do");
		/* typing back and forth reuses the sets read on the way */
		check_big(c2, db2, "mar");
		check_big(c2, db2, "mari");
		check_big(c2, db2, "mar");
		check_big(c2, db2, "ma j");
		check_big(c2, db2, "mari");

		/* writes: a new row near the top, a rename that moves a
		 * row, a delete; the map is stale and not used */
		put(c2, 90000, "Aaron", "Mariposa");
		put(c2, 90001, "Aaliyah", "Jx");
		put(c2, 10, "Zoe", "Marino");
		put(c2, 11, "Aaa", "Mario");
		cache_contact_mark_deleted(c2, "id00012", &e);
		cache_contact_mark_deleted(c2, "id00013", &e);
		check_big(c2, db2, "mari");
		check_big(c2, db2, "j");
		is_int(idle_until_done(c2, 1, &slices), 2,
		    "after a write the map is dropped (built again later)");
		check_big(c2, db2, "ma");
		more = idle_until_done(c2, 100000, &slices);
		is_int(more, 0, "built again");
		total = slices;
		for (size_t k = 0; k < sizeof big / sizeof big[0]; k++)
			check_big(c2, db2, big[k]);
		/* a write in the middle of the build starts it again */
		cache_search_idle(c2, &more, &e);
		put(c2, 90002, "Mariella", "Aab");
		is_int(idle_until_done(c2, 3, &slices), 2,
		    "a write during the build drops it");
		more = idle_until_done(c2, 100000, &slices);
		ok(more == 0, "built again (%d slices, %d the first time)",
		    slices, total);
		check_big(c2, db2, "mari");
		check_big(c2, db2, "m");
		sqlite3_close(db2);
		cache_close(c2);
	}

	ok(fts_query_broad("m") && fts_query_broad("anna j") &&
	    fts_query_broad("jon.b") && !fts_query_broad("jo") &&
	    !fts_query_broad("tag:v maria") && !fts_query_broad("") &&
	    !fts_query_broad(NULL), "fts_query_broad");

	sqlite3_close(db);
	cache_close(c);
	{
		static const char *const f[] = { "s.db", "s.db-wal", "s.db-shm",
			"m.db", "m.db-wal", "m.db-shm" };

		for (size_t k = 0; k < 6; k++) {
			snprintf(path, sizeof path, "%s/%s", tmpdir, f[k]);
			unlink(path);
		}
		rmdir(tmpdir);
	}
	return tap_done();
}
