/* test_fts_query.c: the search box text -> FTS5 MATCH expression, and that
 * SQLite accepts every expression built (table-driven + random inputs). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "fts_query.h"
#include "../tap.h"

static const struct {
	const char *in, *want, *tag;
} cases[] = {
	{ "jane", "\"jane\"*", NULL },
	{ "  jane   doe ", "\"jane\"* \"doe\"*", NULL },
	{ "o\"brien", "\"o\"\"brien\"*", NULL },
	{ "a OR b", "\"a\"* \"OR\"* \"b\"*", NULL },
	{ "NOT x", "\"NOT\"* \"x\"*", NULL },
	{ "name:jane", "\"name:jane\"*", NULL },
	{ "(a) * ^b", "\"(a)\"* \"^b\"*", NULL },
	{ "tag:vip jane", "\"jane\"*", "vip" },
	{ "jane TAG:Vip", "\"jane\"*", "Vip" },
	{ "tag:\"new lead\" x", "\"x\"*", "new lead" },
	{ "tag:\"unterminated", NULL, "unterminated" },
	{ "tag: x", "\"x\"*", NULL },
	{ "tag:a tag:b", NULL, "b" },
	{ "-- * ()", NULL, NULL },
	{ "", NULL, NULL },
	{ "José 山田", "\"José\"* \"山田\"*", NULL },
	{ "+1312", "\"+1312\"*", NULL },
};

/* 1 if SQLite accepts q as a MATCH expression. */
static int
accepted(sqlite3 *db, const char *q)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM f WHERE f MATCH ?1",
	    -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW;
}

int
main(void)
{
	static const char alphabet[] = "ab\"*():^-+ \tNOTANDORNEAR{}[],.'\\"
	    "tag:\xc3\xa9\xe5\xb1\xb1\x01";
	sqlite3 *db;
	char *tag, *q;
	int bad = 0;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		q = fts_query_build(cases[i].in, &tag);
		is_str(q, cases[i].want, cases[i].in);
		is_str(tag, cases[i].tag, "tag of the same input");
		free(q);
		free(tag);
	}
	ok(fts_query_build(NULL, &tag) == NULL && tag == NULL, "NULL input");
	q = fts_query_build("tag:x y", NULL);
	is_str(q, "\"y\"*", "tag_out may be NULL");
	free(q);

	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlite3_exec(db, "CREATE VIRTUAL TABLE f USING fts5(a, b, "
	    "tokenize='unicode61 remove_diacritics 2', prefix='2 3');"
	    "INSERT INTO f VALUES ('José Müller', 'o''brien@example.com');",
	    NULL, NULL, NULL) != SQLITE_OK) {
		ok(0, "sqlite fts5 table");
		return tap_done();
	}
	q = fts_query_build("jose o\"brien", NULL);
	ok(accepted(db, q), "quoted input accepted by FTS5");
	free(q);
	srand(42);
	for (int i = 0; i < 20000; i++) {
		char in[24];
		size_t n = (size_t)(rand() % 23);

		for (size_t j = 0; j < n; j++)
			in[j] = alphabet[rand() % (int)(sizeof alphabet - 1)];
		in[n] = '\0';
		q = fts_query_build(in, &tag);
		if (q != NULL && !accepted(db, q)) {
			if (bad++ < 5)
				printf("# rejected: [%s] -> [%s]\n", in, q);
		}
		free(q);
		free(tag);
	}
	is_int(bad, 0, "20000 random inputs all give expressions FTS5 accepts");
	sqlite3_close(db);
	return tap_done();
}
