/*
 * test_api_sandbox.c: the real client stack (api + auth + libcurl
 * transport) against ghlterm-sandbox on loopback: a round trip through
 * all 22 endpoints, percent-encoded ids, error mapping with the server's
 * own messages, pacing that never draws a 429 from a server enforcing the
 * same limit, OAuth refresh on a 401, and retries under injected faults.
 * Skips (77) when $GHLTERM_SANDBOX is not set or not built.
 */
#include "config.h"

#include <errno.h>
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

#include "api.h"
#include "auth.h"
#include "buf.h"
#include "codec.h"
#include "model.h"
#include "xmalloc.h"
#include "../tap.h"

#define LOC "NetTestLocation00001"

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

/* Start the sandbox with extra args; 0 on success (base URL read). */
static int
sandbox_start(struct sandbox *sb, const char *const *extra)
{
	const char *bin = getenv("GHLTERM_SANDBOX");
	const char *argv[32];
	posix_spawn_file_actions_t fa;
	int fds[2], n = 0;
	size_t got = 0;
	double deadline;

	argv[n++] = bin;
	argv[n++] = "--listen";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "--location";
	argv[n++] = LOC;
	argv[n++] = "--contacts";
	argv[n++] = "12";
	argv[n++] = "--seed";
	argv[n++] = "5";
	while (extra != NULL && *extra != NULL && n < 30)
		argv[n++] = *extra++;
	argv[n] = NULL;
	if (pipe(fds) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	if (posix_spawn(&sb->pid, bin, &fa, NULL, (char *const *)argv,
	    environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
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
		if (r <= 0)
			break;
		if (sb->base[got] == '\n')
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

struct counts {
	int	 responses, n429, n5xx;
};

static void
count(void *arg, const char *tmpl, int status, int attempt, double secs,
    const struct ratelimit_headers *h)
{
	struct counts *c = arg;

	c->responses++;
	if (status == 429)
		c->n429++;
	if (status >= 500)
		c->n5xx++;
}

static struct api *
client(struct sandbox *sb, struct auth *auth, struct counts *c)
{
	struct api_opts o = { 0 };
	struct api *api;
	struct err e;

	o.base_url = sb->base;
	o.location_id = LOC;
	o.auth = auth;
	o.timeout_ms = 5000;
	o.backoff_base_ms = 20;
	o.backoff_cap_ms = 200;
	o.on_response = count;
	o.on_response_arg = c;
	if (api_new(&api, &o, &e) != 0)
		fatalx("api_new: %s", e.msg);
	return api;
}

/* The "id" of the object under key in a response body. */
static char *
id_of(const struct buf *b, const char *what)
{
	struct contact c;
	struct task t;
	struct note n;
	char *id = NULL;

	if (strcmp(what, "contact") == 0 &&
	    codec_contact_response(b->data, b->len, &c, NULL) == 0) {
		id = xstrdup0(c.id);
		contact_free(&c);
	} else if (strcmp(what, "task") == 0 &&
	    codec_task_response(b->data, b->len, &t, NULL) == 0) {
		id = xstrdup0(t.id);
		task_free(&t);
	} else if (strcmp(what, "note") == 0 &&
	    codec_note_response(b->data, b->len, &n, NULL) == 0) {
		id = xstrdup0(n.id);
		note_free(&n);
	}
	return id != NULL ? id : xstrdup("missing-id");
}

static void
round_trip(void)
{
	struct sandbox sb;
	struct counts c = { 0 };
	struct auth *auth, *ro;
	struct api *api, *rapi;
	struct buf out, parts[API_BUNDLE_N];
	struct err e, pe[API_BUNDLE_N];
	struct contact_page page;
	int status[API_BUNDLE_N], rc;
	char *first = NULL, *cid, *tid, *nid, *want;

	if (sandbox_start(&sb, NULL) != 0) {
		ok(0, "sandbox started");
		return;
	}
	auth_new_token(&auth, "sandbox-token", &e);
	api = client(&sb, auth, &c);
	buf_init(&out, 0);

	rc = api_search(api, "{\"locationId\":\"" LOC "\",\"pageLimit\":5}",
	    &out, &e);
	is_int(rc, 0, "search");
	if (rc != 0)
		printf("# %s\n", e.msg);
	if (codec_search_page(out.data, out.len, &page, &e) == 0) {
		ok(page.n == 5 && page.total == 12, "search page of 5 of 12");
		first = xstrdup(page.n > 0 ? page.v[0].id : "none");
		contact_page_free(&page);
	} else {
		ok(0, "search page decodes: %s", e.msg);
		first = xstrdup("none");
	}
	is_int(api_get_contact(api, first, &out, &e), 0, "get contact");
	is_int(api_get_tasks(api, first, &out, &e), 0, "get tasks");
	is_int(api_get_notes(api, first, &out, &e), 0, "get notes");
	is_int(api_get_appointments(api, first, &out, &e), 0, "get appointments");
	for (int i = 0; i < API_BUNDLE_N; i++)
		buf_init(&parts[i], 0);
	rc = api_get_contact_bundle(api, first, parts, status, pe);
	ok(rc == 0 && status[0] == 200 && status[1] == 200 &&
	    status[2] == 200 && status[3] == 200, "bundle: four 200s in parallel");
	ok(strstr(buf_str(&parts[API_BUNDLE_APPOINTMENTS]), "\"events\"") != NULL,
	    "bundle: appointments body");
	for (int i = 0; i < API_BUNDLE_N; i++)
		buf_free(&parts[i]);
	rc = api_list_contacts(api, NULL, 0, 5, NULL, &out, &e);
	is_int(rc, 0, "list contacts (deprecated)");
	if (codec_list_page(out.data, out.len, &page, &e) == 0) {
		char *sid = xstrdup0(page.start_after_id);
		long long sa = page.start_after;

		contact_page_free(&page);
		rc = api_list_contacts(api, sid, sa, 5, NULL, &out, &e);
		is_int(rc, 0, "list contacts, next page by cursor");
		ok(codec_list_page(out.data, out.len, &page, &e) == 0 &&
		    page.n == 5 && strcmp(page.v[0].id, sid != NULL ? sid : "")
		    != 0, "second page differs");
		contact_page_free(&page);
		free(sid);
	} else {
		ok(0, "list page decodes");
		ok(0, "second page");
	}
	is_int(api_business_contacts(api, "65f1c2a9e4b0d83f7a1c9e52", 10, 0,
	    NULL, &out, &e), 0, "contacts by business");

	rc = api_create_contact(api, "{\"locationId\":\"" LOC "\","
	    "\"firstName\":\"Net\",\"lastName\":\"Test\","
	    "\"email\":\"net+test@example.com\",\"phone\":\"+13125550199\"}",
	    &out, &e);
	is_int(rc, 0, "create contact (201)");
	is_int(api_last(api)->status, 201, "status 201");
	cid = id_of(&out, "contact");
	is_int(api_update_contact(api, cid, "{\"firstName\":\"Nett\"}", &out,
	    &e), 0, "update contact");
	ok(strstr(buf_str(&out), "Nett") != NULL, "update applied");
	is_int(api_add_tags(api, cid, "{\"tags\":[\"vip\",\"net test\"]}", &out,
	    &e), 0, "add tags");
	ok(strstr(buf_str(&out), "\"vip\"") != NULL, "tag added");
	is_int(api_remove_tags(api, cid, "{\"tags\":[\"vip\"]}", &out, &e), 0,
	    "remove tags (DELETE with a body)");
	ok(strstr(buf_str(&out), "\"vip\"") == NULL &&
	    strstr(buf_str(&out), "net test") != NULL, "only vip removed");

	rc = api_create_task(api, cid, "{\"title\":\"Call\",\"dueDate\":"
	    "\"2026-12-01T10:00:00Z\",\"completed\":false}", &out, &e);
	is_int(rc, 0, "create task");
	tid = id_of(&out, "task");
	is_int(api_get_task(api, cid, tid, &out, &e), 0, "get task");
	is_int(api_update_task(api, cid, tid, "{\"title\":\"Call back\"}", &out,
	    &e), 0, "update task");
	is_int(api_complete_task(api, cid, tid, "{\"completed\":true}", &out, &e),
	    0, "complete task");
	ok(strstr(buf_str(&out), "\"completed\":true") != NULL, "task completed");
	is_int(api_delete_task(api, cid, tid, &out, &e), 0, "delete task");
	is_int(api_get_task(api, cid, tid, &out, &e), ERR_NOTFOUND,
	    "deleted task is not found");

	rc = api_create_note(api, cid, "{\"body\":\"hello\"}", &out, &e);
	is_int(rc, 0, "create note");
	nid = id_of(&out, "note");
	is_int(api_get_note(api, cid, nid, &out, &e), 0, "get note");
	is_int(api_update_note(api, cid, nid, "{\"body\":\"hi\"}", &out, &e), 0,
	    "update note");
	is_int(api_delete_note(api, cid, nid, &out, &e), 0, "delete note");

	rc = api_upsert_contact(api, "{\"locationId\":\"" LOC "\","
	    "\"email\":\"NET+test@example.com\",\"firstName\":\"Up\"}", &out, &e);
	is_int(rc, 0, "upsert");
	ok(strstr(buf_str(&out), "\"new\":false") != NULL &&
	    strstr(buf_str(&out), cid) != NULL, "upsert matched by email");

	rc = api_create_task(api, cid, "{\"dueDate\":\"x\"}", &out, &e);
	is_int(rc, ERR_INVALID, "invalid task is ERR_INVALID");
	want = xasprintf("POST /contacts/%s/tasks: 422 Unprocessable Entity: ",
	    cid);
	ok(strncmp(e.msg, want, strlen(want)) == 0 && strstr(e.msg, "title"),
	    "422 message: %s", e.msg);
	free(want);

	is_int(api_delete_contact(api, cid, &out, &e), 0, "delete contact");
	is_int(api_delete_contact(api, cid, &out, &e), ERR_NOTFOUND,
	    "second delete is not found");
	want = xasprintf("DELETE /contacts/%s: 404 Not Found: ", cid);
	ok(strncmp(e.msg, want, strlen(want)) == 0, "404 message: %s", e.msg);
	free(want);
	is_int(api_get_contact(api, "a/b?c%d+e f", &out, &e), ERR_NOTFOUND,
	    "id with / ? %% + space is one encoded path segment");
	ok(strstr(e.msg, "/contacts/a%2Fb%3Fc%25d%2Be%20f: 404") != NULL,
	    "message names the encoded path: %s", e.msg);

	auth_new_token(&ro, "sandbox-readonly", &e);
	rapi = client(&sb, ro, &c);
	is_int(api_get_contact(rapi, first, &out, &e), 0, "read-only token reads");
	is_int(api_add_tags(rapi, first, "{\"tags\":[\"x\"]}", &out, &e),
	    ERR_AUTH, "read-only token cannot write");
	ok(strstr(e.msg, "missing scope contacts.write?") != NULL,
	    "scope hint: %s", e.msg);
	is_int(c.n429, 0, "no 429 during the round trip");
	api_free(rapi);
	auth_free(ro);

	free(first);
	free(cid);
	free(tid);
	free(nid);
	buf_free(&out);
	api_free(api);
	auth_free(auth);
	sandbox_stop(&sb);
}

static void
pacing(void)
{
	static const char *const args[] = { "--rate-limit", "10/500", NULL };
	struct sandbox sb;
	struct counts c = { 0 };
	struct auth *auth;
	struct api *api;
	struct buf out, parts[API_BUNDLE_N];
	struct err e, pe[API_BUNDLE_N];
	int status[API_BUNDLE_N], fails = 0;
	double t0, dt;

	if (sandbox_start(&sb, args) != 0) {
		ok(0, "sandbox started");
		return;
	}
	auth_new_token(&auth, "sandbox-token", &e);
	api = client(&sb, auth, &c);
	buf_init(&out, 0);
	for (int i = 0; i < API_BUNDLE_N; i++)
		buf_init(&parts[i], 0);
	t0 = mono();
	for (int i = 0; i < 40; i++)
		if (api_search(api, "{\"locationId\":\"" LOC "\",\"pageLimit\":1}",
		    &out, &e) != 0)
			fails++;
	for (int i = 0; i < 10; i++)
		if (api_get_contact_bundle(api, "nope", parts, status, pe) !=
		    ERR_NOTFOUND)
			fails++;
	dt = mono() - t0;
	is_int(fails, 0, "80 requests at 10/500 ms all answered");
	is_int(c.n429, 0, "never a 429 from a server with the same limit");
	ok(dt > 3.0 && dt < 20.0, "paced at ~20 req/s: 80 requests in %.2f s "
	    "(%.1f req/s)", dt, 80 / dt);
	for (int i = 0; i < API_BUNDLE_N; i++)
		buf_free(&parts[i]);
	buf_free(&out);
	api_free(api);
	auth_free(auth);
	sandbox_stop(&sb);
}

static void
oauth(void)
{
	static const char *const args[] = { "--oauth-client", "cid:csecret",
	    "--refresh-token", "rt-net-1", NULL };
	char dir[] = "/tmp/ghl-test-sbx.XXXXXX", *path, *text;
	struct sandbox sb;
	struct counts c = { 0 };
	struct auth *auth;
	struct api *api;
	struct buf out;
	struct err e;
	struct stat st;
	FILE *fp;

	if (mkdtemp(dir) == NULL || sandbox_start(&sb, args) != 0) {
		ok(0, "sandbox started");
		return;
	}
	path = xasprintf("%s/token", dir);
	fp = fopen(path, "w");
	fputs("access_token = expired-or-unknown\nrefresh_token = rt-net-1\n"
	    "client_id = cid\nclient_secret = csecret\n", fp);
	fclose(fp);
	chmod(path, 0600);
	is_int(auth_load_file(&auth, path, &e), 0, "OAuth token file");
	api = client(&sb, auth, &c);
	buf_init(&out, 0);
	is_int(api_search(api, "{\"locationId\":\"" LOC "\",\"pageLimit\":1}",
	    &out, &e), 0, "401 -> refresh -> retry succeeds");
	if (e.code != 0)
		printf("# %s\n", e.msg);
	fp = fopen(path, "r");
	text = xmalloc(4096);
	text[fread(text, 1, 4095, fp)] = '\0';
	fclose(fp);
	ok(strstr(text, "access_token = sbx-at-") != NULL &&
	    strstr(text, "refresh_token = sbx-rt-") != NULL,
	    "rotated pair written back");
	stat(path, &st);
	is_int(st.st_mode & 07777, 0600, "mode 0600");
	free(text);
	is_int(api_get_contact(api, "nope", &out, &e), ERR_NOTFOUND,
	    "new token keeps working");
	api_free(api);
	auth_free(auth);
	/* The old refresh token was used up: a second refresh is refused. */
	fp = fopen(path, "w");
	fputs("access_token = bad\nrefresh_token = rt-net-1\n"
	    "client_id = cid\nclient_secret = csecret\n", fp);
	fclose(fp);
	auth_load_file(&auth, path, &e);
	api = client(&sb, auth, &c);
	is_int(api_get_contact(api, "nope", &out, &e), ERR_AUTH,
	    "refused refresh is final");
	ok(strstr(e.msg, "token refresh failed: POST /oauth/token: 400") != NULL,
	    "message: %s", e.msg);
	api_free(api);
	auth_free(auth);
	buf_free(&out);
	unlink(path);
	free(path);
	rmdir(dir);
	sandbox_stop(&sb);
}

static void
faults(void)
{
	static const char *const args[] = { "--fault",
	    "5xx=0.2,drop=0.1,seed=11", NULL };
	struct sandbox sb;
	struct counts c = { 0 };
	struct auth *auth;
	struct api *api;
	struct buf out;
	struct err e;
	int fails = 0;

	if (sandbox_start(&sb, args) != 0) {
		ok(0, "sandbox started");
		return;
	}
	auth_new_token(&auth, "sandbox-token", &e);
	api = client(&sb, auth, &c);
	buf_init(&out, 0);
	for (int i = 0; i < 30; i++) {
		int rc = api_search(api, "{\"locationId\":\"" LOC "\","
		    "\"pageLimit\":1}", &out, &e);

		if (rc != 0) {
			fails++;
			printf("# %s\n", e.msg);
		}
	}
	ok(fails <= 1, "reads survive 20%% 5xx and 10%% drops (%d of 30 failed)",
	    fails);
	ok(c.n5xx > 0 && c.responses > 30, "faults were injected and retried "
	    "(%d responses, %d 5xx)", c.responses, c.n5xx);
	buf_free(&out);
	api_free(api);
	auth_free(auth);
	sandbox_stop(&sb);
}

int
main(void)
{
	const char *bin = getenv("GHLTERM_SANDBOX");

	if (bin == NULL || access(bin, X_OK) != 0) {
		printf("1..0 # SKIP ghlterm-sandbox not built\n");
		return 77;
	}
	signal(SIGPIPE, SIG_IGN);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	round_trip();
	pacing();
	oauth();
	faults();
	curl_global_cleanup();
	return tap_done();
}
