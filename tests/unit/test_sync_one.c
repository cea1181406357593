/*
 * test_sync_one.c: sync CONTACT_ID through the real engine (sync.c, api,
 * libcurl, cache) against ghlterm-sandbox on loopback: the contact and its
 * usage rows land in one commit, every request is in the usage tables
 * (also 404s, 5xx and 429s, counted against the sandbox's own stats), and
 * a pending write of the contact is replayed before it is read.
 * Skips (77) when $GHLTERM_SANDBOX is not set or not built.
 */
#include "config.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sqlite3.h>

#include "buf.h"
#include "cache.h"
#include "conf.h"
#include "model.h"
#include "sync.h"
#include "xmalloc.h"
#include "../tap.h"

#define LOC	"SyncOneLocation00001"
#define TOKEN	"sandbox-token"

extern char **environ;

struct sandbox {
	pid_t	 pid;
	char	 base[128];
};

static double
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start the sandbox; 0 once its base URL was read. */
static int
sandbox_start(struct sandbox *sb)
{
	const char *bin = getenv("GHLTERM_SANDBOX");
	const char *argv[] = { bin, "--listen", "127.0.0.1:0", "--location",
	    LOC, "--contacts", "12", "--seed", "5", "--token", TOKEN, NULL };
	posix_spawn_file_actions_t fa;
	int fds[2];
	size_t got = 0;
	double deadline;

	if (pipe(fds) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	if (posix_spawn(&sb->pid, bin, &fa, NULL, (char *const *)argv,
	    environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	deadline = mono() + 10;
	while (got < sizeof sb->base - 1 && mono() < deadline) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 200) <= 0)
			continue;
		r = read(fds[0], sb->base + got, 1);
		if (r <= 0 || sb->base[got] == '\n')
			break;
		got++;
	}
	sb->base[got] = '\0';
	close(fds[0]);
	if (strncmp(sb->base, "http", 4) != 0) {
		kill(sb->pid, SIGTERM);
		waitpid(sb->pid, NULL, 0);
		return -1;
	}
	return 0;
}

static void
sandbox_stop(struct sandbox *sb)
{
	kill(sb->pid, SIGTERM);
	waitpid(sb->pid, NULL, 0);
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	buf_append(arg, p, size * n);
	return size * n;
}

/* One control request to the sandbox; its body (caller frees) or NULL. */
static char *
control(const struct sandbox *sb, const char *method, const char *path)
{
	CURL *h = curl_easy_init();
	struct buf b;
	char *url = xasprintf("%s%s", sb->base, path);
	long code = 0;

	buf_init(&b, 0);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "POST") == 0)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	free(url);
	if (code != 200) {
		buf_free(&b);
		return NULL;
	}
	buf_append(&b, "", 1);
	return buf_take(&b);
}

/* A number from the sandbox's stats ("requests", "rateLimited"), -1. */
static long
stat_of(const struct sandbox *sb, const char *key)
{
	char *body = control(sb, "GET", "/_sandbox/stats");
	char *pat = xasprintf("\"%s\":", key), *p;
	long v = -1;

	if (body != NULL && (p = strstr(body, pat)) != NULL)
		v = strtol(p + strlen(pat), NULL, 10);
	free(pat);
	free(body);
	return v;
}

struct usage_sum {
	long	 count, n429, errors;
};

/* The usage tables' totals over every endpoint (today). */
static struct usage_sum
usage_sum(struct cache *c)
{
	struct usage_sum u = { 0, 0, 0 };
	struct usage_row *v = NULL;
	size_t n = 0;

	if (cache_usage_by_endpoint_day(c, 1, (long long)time(NULL) * 1000,
	    &v, &n, NULL) != 0)
		return (struct usage_sum){ -1, -1, -1 };
	for (size_t i = 0; i < n; i++) {
		u.count += v[i].count;
		u.n429 += v[i].n429;
		u.errors += v[i].errors;
	}
	cache_usage_free(v, n);
	return u;
}

/* How many of the four reads of one contact the usage rows hold. */
static long
reads_of(struct cache *c)
{
	struct usage_row *v = NULL;
	size_t n = 0;
	long reads = 0;

	if (cache_usage_by_endpoint_day(c, 1, (long long)time(NULL) * 1000,
	    &v, &n, NULL) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strncmp(v[i].endpoint, "GET /contacts/:contactId", 24) ==
		    0)
			reads += v[i].count;
	cache_usage_free(v, n);
	return reads;
}

static int
on_commit(void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static void
set(char **field, const char *v)
{
	free(*field);
	*field = xstrdup(v);
}

int
main(void)
{
	char dir[] = "/tmp/test_sync_one.XXXXXX";
	struct sandbox sb;
	struct conf cfg;
	struct sync *s = NULL;
	struct cache *c;
	struct cache_row *rows = NULL;
	struct note *notes = NULL, note;
	struct usage_headers h;
	struct usage_sum u0, u1;
	struct err e;
	char *path, *id = NULL, *local = NULL, *reply;
	const char *sbin = getenv("GHLTERM_SANDBOX");
	size_t nrows = 0, nnotes = 0;
	long reads0, pending = -1, failed = -1, req0, req1, rl0, rl1;
	long long t0, entry = 0;
	char body[] = "written before the sync";
	char body2[] = "written before sync_open_contact";
	int commits = 0, rc, found;

	if (sbin == NULL || access(sbin, X_OK) != 0) {
		printf("1..0 # SKIP GHLTERM_SANDBOX not built\n");
		return 77;
	}
	if (sandbox_start(&sb) != 0) {
		printf("1..0 # SKIP the sandbox did not start\n");
		return 77;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (mkdtemp(dir) == NULL)
		return 1;
	path = xasprintf("%s/one.db", dir);
	conf_defaults(&cfg);
	set(&cfg.base_url, sb.base);
	set(&cfg.location, LOC);
	set(&cfg.token, TOKEN);
	set(&cfg.cache_path, path);
	cfg.replay_timeout_s = 10;

	err_clear(&e);
	rc = sync_open(&s, &cfg, &e);
	ok(rc == 0, "sync_open (%s)", e.msg);
	if (rc)
		goto out;
	c = sync_cache(s);
	rc = sync_all(s, 0, &e);
	ok(rc == 0, "sync --all of 12 contacts (%s)", e.msg);
	if (cache_list(c, &(struct cache_query){ NULL, NULL }, 0, 1, &rows,
	    &nrows, NULL) == 0 && nrows == 1)
		id = xstrdup(rows[0].id);
	cache_rows_free(rows, nrows);
	ok(id != NULL, "a contact id from the cache");
	if (id == NULL)
		goto out;

	/* 1. Nothing pending: the reads and their usage in one commit. */
	sqlite3_commit_hook(cache_sqlite(c), on_commit, &commits);
	reads0 = reads_of(c);
	t0 = (long long)time(NULL) * 1000;
	commits = 0;
	err_clear(&e);
	rc = sync_contact(s, id, &e);
	ok(rc == 0, "sync %s (%s)", id, e.msg);
	ok(commits == 1, "the contact, its children and the usage of its "
	    "four reads in one commit (%d)", commits);
	ok(reads_of(c) - reads0 == 4, "four reads in the usage rows (%ld)",
	    reads_of(c) - reads0);
	ok(cache_usage_last_headers(c, &h, NULL) == 0 && h.at_ms >= t0 &&
	    h.max > 0, "the rate-limit headers of the reads recorded");

	/* 2. A contact the server does not have: usage kept, few commits. */
	u0 = usage_sum(c);
	commits = 0;
	err_clear(&e);
	rc = sync_contact(s, "NoSuchContactId00001", &e);
	u1 = usage_sum(c);
	ok(rc == ERR_NOTFOUND, "unknown contact: ERR_NOTFOUND (%d: %s)", rc,
	    e.msg);
	ok(u1.count - u0.count == 4 && u1.errors - u0.errors == 4,
	    "its four 404s are in the usage rows (%ld requests, %ld errors)",
	    u1.count - u0.count, u1.errors - u0.errors);
	ok(commits <= 2, "in at most two commits (%d)", commits);

	/* 3. A pending write of the contact is replayed before the read. */
	err_clear(&e);
	memset(&note, 0, sizeof note);
	note.body = body;
	rc = cache_note_create(c, id, &note, &local, &entry, &e);
	ok(rc == 0 && local != NULL, "a note queued offline (%s)", e.msg);
	err_clear(&e);
	rc = sync_contact(s, id, &e);
	ok(rc == 0, "sync with a pending write (%s)", e.msg);
	cache_outbox_counts(c, &pending, &failed, NULL);
	ok(pending == 0 && failed == 0, "outbox empty after the sync "
	    "(%ld pending, %ld failed)", pending, failed);
	found = 0;
	if (cache_get_notes(c, id, &notes, &nnotes, NULL) == 0)
		for (size_t i = 0; i < nnotes; i++)
			if (notes[i].body != NULL && strcmp(notes[i].body,
			    "written before the sync") == 0 &&
			    strncmp(notes[i].id, "local-", 6) != 0)
				found++;
	notes_free(notes, nnotes);
	ok(found == 1, "the read after the replay has the note under the "
	    "server's id (%d)", found);

	/* 4. 5xx and 429 answers: every request is in the usage rows. */
	free(control(&sb, "POST", "/_sandbox/reset-stats"));
	req0 = stat_of(&sb, "requests");
	rl0 = stat_of(&sb, "rateLimited");
	u0 = usage_sum(c);
	reply = control(&sb, "POST", "/_sandbox/faults?spec=5xx%3D0.3%2C429%3D"
	    "0.15%2Cseed%3D4");
	ok(reply != NULL, "sandbox: 30%% 5xx and 15%% 429 from now on");
	free(reply);
	for (int i = 0; i < 3; i++) {
		err_clear(&e);
		rc = sync_contact(s, id, &e);
		if (rc)
			printf("# sync under faults: %s\n", e.msg);
	}
	reply = control(&sb, "POST", "/_sandbox/faults?spec=");
	ok(reply != NULL, "sandbox: no more faults");
	free(reply);
	req1 = stat_of(&sb, "requests");
	rl1 = stat_of(&sb, "rateLimited");
	u1 = usage_sum(c);
	/* The sandbox counts API requests, not its control ones. */
	ok(req0 >= 0 && req1 - req0 == u1.count - u0.count,
	    "every request under faults is in the usage rows (server "
	    "%ld, usage %ld)", req1 - req0, u1.count - u0.count);
	ok(rl1 - rl0 > 0 && rl1 - rl0 == u1.n429 - u0.n429,
	    "and every 429 (server %ld, usage %ld)", rl1 - rl0,
	    u1.n429 - u0.n429);
	ok(u1.errors - u0.errors > 0, "5xx answers counted as errors (%ld)",
	    u1.errors - u0.errors);
	/* 5. sync_open_contact: the reads go out before the cache opens. */
	sync_close(s);
	s = NULL;
	err_clear(&e);
	rc = sync_open_contact(&s, &cfg, id, &e);
	ok(rc == 0, "sync_open_contact (%s)", e.msg);
	if (rc)
		goto out;
	c = sync_cache(s);
	reads0 = reads_of(c);
	err_clear(&e);
	rc = sync_contact(s, id, &e);
	ok(rc == 0, "sync %s after sync_open_contact (%s)", id, e.msg);
	ok(reads_of(c) - reads0 == 4, "its four early reads used and in the "
	    "usage rows (%ld)", reads_of(c) - reads0);
	free(local);
	local = NULL;
	err_clear(&e);
	note.body = body2;
	rc = cache_note_create(c, id, &note, &local, &entry, &e);
	ok(rc == 0, "another note queued offline (%s)", e.msg);
	sync_close(s);
	s = NULL;
	rc = sync_open_contact(&s, &cfg, id, &e);
	ok(rc == 0, "sync_open_contact with a pending write (%s)", e.msg);
	if (rc)
		goto out;
	c = sync_cache(s);
	reads0 = reads_of(c);
	err_clear(&e);
	rc = sync_contact(s, id, &e);
	ok(rc == 0, "sync with a pending write after sync_open_contact (%s)",
	    e.msg);
	found = 0;
	if (cache_get_notes(c, id, &notes, &nnotes, NULL) == 0)
		for (size_t i = 0; i < nnotes; i++)
			if (notes[i].body != NULL &&
			    strcmp(notes[i].body, body2) == 0 &&
			    strncmp(notes[i].id, "local-", 6) != 0)
				found++;
	notes_free(notes, nnotes);
	ok(found == 1, "the write was replayed and read back (%d)", found);
	ok(reads_of(c) - reads0 == 4, "the early reads' usage kept before the "
	    "replay, read again after it (%ld since open)",
	    reads_of(c) - reads0);
	sync_close(s);
	s = NULL;
	set(&cfg.cache_path, dir);	/* a directory: cannot be opened */
	err_clear(&e);
	rc = sync_open_contact(&s, &cfg, id, &e);
	ok(rc != 0 && s == NULL && strstr(e.msg, "cache") != NULL,
	    "an unopenable cache fails sync_open_contact (%s)", e.msg);
out:
	sync_close(s);
	conf_free(&cfg);
	free(id);
	free(local);
	unlink(path);
	free(path);
	{
		char *p = xasprintf("%s/one.db-wal", dir);

		unlink(p);
		free(p);
		p = xasprintf("%s/one.db-shm", dir);
		unlink(p);
		free(p);
	}
	rmdir(dir);
	sandbox_stop(&sb);
	curl_global_cleanup();
	return tap_done();
}
