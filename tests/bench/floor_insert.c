/*
 * floor_insert.c: the SQLite floor of the sync benchmark.  A plain loop
 * inserts the rows of a TSV file (id, name, email, phone, company, tags,
 * raw JSON; see run.sh) into a contacts table and its FTS5 index, 500 rows
 * per transaction, as fast as SQLite allows.  Prints rows and seconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#define ROWS_PER_TXN	500
#define NFIELDS		7

static const char schema[] =
"PRAGMA journal_mode = WAL;"
"PRAGMA synchronous = NORMAL;"
"PRAGMA cache_size = -16384;"
"CREATE TABLE contacts (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
"  dname TEXT, email TEXT, phone TEXT, company TEXT, tags TEXT, raw TEXT,"
"  sort_key TEXT NOT NULL);"
"CREATE INDEX contacts_sort ON contacts(sort_key);"
"CREATE VIRTUAL TABLE contacts_fts USING fts5(dname, email, phone, company,"
"  tags, content='contacts', content_rowid='rid',"
"  tokenize='unicode61 remove_diacritics 2', prefix='2 3');";

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "floor_insert: %s: %s\n", what,
	    db != NULL ? sqlite3_errmsg(db) : "failed");
	exit(1);
}

/* Split line in place at tabs into f[NFIELDS]; 0 when it has them all. */
static int
split(char *line, char **f)
{
	int i;

	for (i = 0; i < NFIELDS; i++) {
		f[i] = line;
		line = strchr(line, i == NFIELDS - 1 ? '\n' : '\t');
		if (line == NULL)
			return i == NFIELDS - 1 ? 0 : -1;
		*line++ = '\0';
	}
	return 0;
}

int
main(int argc, char **argv)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *ins, *fts;
	FILE *fp;
	char *line = NULL, *f[NFIELDS];
	size_t cap = 0;
	long n = 0;
	double t0;
	int i;

	if (argc != 3) {
		fprintf(stderr, "usage: floor_insert ROWS.tsv OUT.db\n");
		return 2;
	}
	fp = fopen(argv[1], "r");
	if (fp == NULL) {
		perror(argv[1]);
		return 1;
	}
	unlink(argv[2]);
	t0 = now_s();
	if (sqlite3_open(argv[2], &db) != SQLITE_OK)
		die(db, argv[2]);
	if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK)
		die(db, "schema");
	if (sqlite3_prepare_v2(db, "INSERT INTO contacts(id, dname, email, "
	    "phone, company, tags, raw, sort_key) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, lower(?2) || ' ' || ?1)", -1, &ins, NULL) != SQLITE_OK)
		die(db, "prepare insert");
	if (sqlite3_prepare_v2(db, "INSERT INTO contacts_fts(rowid, dname, "
	    "email, phone, company, tags) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	    -1, &fts, NULL) != SQLITE_OK)
		die(db, "prepare fts");
	while (getline(&line, &cap, fp) > 0) {
		if (split(line, f) != 0)
			continue;
		if (n % ROWS_PER_TXN == 0 &&
		    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
			die(db, "begin");
		for (i = 0; i < NFIELDS; i++)
			sqlite3_bind_text(ins, i + 1, f[i], -1, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			die(db, "insert");
		sqlite3_reset(ins);
		sqlite3_bind_int64(fts, 1, sqlite3_last_insert_rowid(db));
		for (i = 1; i < 6; i++)
			sqlite3_bind_text(fts, i + 1, f[i], -1, SQLITE_STATIC);
		if (sqlite3_step(fts) != SQLITE_DONE)
			die(db, "insert fts");
		sqlite3_reset(fts);
		if (++n % ROWS_PER_TXN == 0 &&
		    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			die(db, "commit");
	}
	if (n % ROWS_PER_TXN != 0 &&
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die(db, "commit");
	sqlite3_finalize(ins);
	sqlite3_finalize(fts);
	if (sqlite3_close(db) != SQLITE_OK)
		die(db, "close");
	printf("%ld rows %.3f s\n", n, now_s() - t0);
	free(line);
	fclose(fp);
	return n > 0 ? 0 : 1;
}
