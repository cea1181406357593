/* fuzz_fts_query.c: libFuzzer harness: whatever is typed, the expression
 * fts_query_build() returns must be accepted by SQLite's FTS5 parser. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "fts_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static sqlite3 *db;
	static sqlite3_stmt *st;
	char *in, *q, *tag = NULL;

	if (db == NULL) {
		if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
		    sqlite3_exec(db, "CREATE VIRTUAL TABLE f USING fts5(a, "
		    "tokenize='unicode61 remove_diacritics 2', prefix='2 3');"
		    "INSERT INTO f VALUES ('x y');", NULL, NULL, NULL) !=
		    SQLITE_OK || sqlite3_prepare_v2(db, "SELECT count(*) FROM "
		    "f WHERE f MATCH ?1", -1, &st, NULL) != SQLITE_OK)
			abort();
	}
	in = malloc(size + 1);
	if (in == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	q = fts_query_build(in, &tag);
	if (q != NULL) {
		sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW)
			abort();
		sqlite3_reset(st);
	}
	free(q);
	free(tag);
	free(in);
	return 0;
}
