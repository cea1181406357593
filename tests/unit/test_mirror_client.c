/*
 * test_mirror_client.c: the Salesmate client over the scripted transport:
 * headers, the success rule (2xx and Status success), error names to
 * errcodes and messages, retries of repeatable calls on 429/5xx, creates
 * never repeated, token-bucket pacing (fake clock) and the token file.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "http.h"
#include "http_fake.h"
#include "salesmate.h"
#include "tap.h"
#include "xmalloc.h"

struct fclock {
	int64_t	 now;
	long	 slept, nsleep;
};

static int64_t
fnow(void *arg)
{
	return ((struct fclock *)arg)->now;
}

static void
fsleep(void *arg, long ms)
{
	struct fclock *c = arg;

	c->now += ms;
	c->slept += ms;
	c->nsleep++;
}

static struct sm_client *
client(struct http *h, struct fclock *fc, long per_hour, long burst)
{
	struct sm_opts o;
	struct sm_client *c;
	struct err e;

	memset(&o, 0, sizeof o);
	o.base_url = "http://127.0.0.1:9/";
	o.linkname = "acme";
	o.token = "s3cret";
	o.http = h;
	o.per_hour = per_hour;
	o.burst = burst;
	o.max_wait_ms = 10000;
	o.seed = 7;
	o.now_ms = fnow;
	o.sleep_ms = fsleep;
	o.clock_arg = fc;
	if (sm_client_new(&c, &o, &e) != 0)
		fatalx("client: %s", e.msg);
	return c;
}

static const char ok_id[] = "{\"Status\":\"success\",\"Data\":{\"id\":5}}";

int
main(void)
{
	struct http_fake *f;
	struct http *h = http_fake_new(&f);
	struct fclock fc = { 1000000, 0, 0 };
	struct sm_client *c = client(h, &fc, 0, 0);
	struct sm_result r;
	struct err e;
	struct sm_opts bad;
	struct sm_client *bc;
	int rc;

	/* Success and headers. */
	http_fake_push(f, 200, NULL, ok_id);
	rc = sm_call(c, "POST", "/apis/contact/v4", "{}", 1, &r, &e);
	is_int(rc, 0, "2xx + success is success");
	is_str(r.data, "{\"id\":5}", "Data handed back");
	sm_result_free(&r);
	is_str(http_fake_seen(f, 0)->url, "http://127.0.0.1:9/apis/contact/v4",
	    "base URL + path");
	is_str(http_fake_header(f, 0, "accessToken"), "s3cret",
	    "accessToken header");
	is_str(http_fake_header(f, 0, "x-linkname"), "acme.salesmate.io",
	    "x-linkname is the full host");
	is_str(http_fake_header(f, 0, "Content-Type"), "application/json",
	    "JSON content type on a body");
	ok(http_fake_header(f, 0, "Authorization") == NULL, "no bearer");

	/* Failure envelope at HTTP 200. */
	http_fake_push(f, 200, NULL, "{\"Status\":\"failure\",\"Error\":{"
	    "\"Code\":\"4005\",\"Name\":\"ObjectNotFound\",\"Message\":"
	    "\"Object not found\"}}");
	rc = sm_call(c, "GET", "/apis/contact/v4/99", NULL, 0, &r, &e);
	is_int(rc, ERR_NOTFOUND, "failure envelope with 200 is an error");
	ok(strstr(e.msg, "GET /apis/contact/v4/:id") != NULL,
	    "message names the endpoint");
	http_fake_push(f, 200, NULL, "<html>hi</html>");
	rc = sm_call(c, "GET", "/apis/core/v4/users", NULL, 0, &r, &e);
	is_int(rc, ERR_PARSE, "HTML 200 is an error");

	/* A body over the cap is permanent: one request, no retries. */
	{
		size_t before = http_fake_count(f);
		char *big = malloc(HTTP_BODY_MAX + 2);

		memset(big, ' ', HTTP_BODY_MAX + 1);
		big[HTTP_BODY_MAX + 1] = '\0';
		http_fake_push_raw(f, 200, NULL, big, HTTP_BODY_MAX + 1);
		http_fake_push_raw(f, 200, NULL, big, HTTP_BODY_MAX + 1);
		http_fake_push_raw(f, 200, NULL, big, HTTP_BODY_MAX + 1);
		free(big);
		rc = sm_call(c, "GET", "/apis/core/v4/users", NULL, 0, &r, &e);
		is_int(rc, ERR_TOOBIG, "body over 32 MB is ERR_TOOBIG");
		is_int((int)(http_fake_count(f) - before), 1,
		    "and is not retried");
		http_fake_reset(f);
	}

	/* Auth, permission, link, validation. */
	http_fake_push(f, 401, NULL, "{\"Status\":\"failure\",\"Error\":{"
	    "\"Name\":\"AuthenticationFailed\",\"Message\":\"Invalid access "
	    "token\"}}");
	rc = sm_call(c, "GET", "/apis/core/v4/users", NULL, 0, &r, &e);
	is_int(rc, ERR_AUTH, "401 is ERR_AUTH");
	ok(strstr(e.msg, "Salesmate rejected the access token") != NULL &&
	    strstr(e.msg, "s3cret") == NULL, "auth message, no token");
	http_fake_push(f, 200, NULL, "{\"Status\":\"failure\",\"Error\":{"
	    "\"name\":\"AuthorizationFailed\",\"message\":\"\"}}");
	rc = sm_call(c, "GET", "/apis/core/v4/users", NULL, 0, &r, &e);
	is_int(rc, ERR_AUTH, "AuthorizationFailed at 200 is ERR_AUTH");
	http_fake_push(f, 403, NULL, "{\"Status\":\"failure\",\"Error\":{"
	    "\"Name\":\"Forbidden\",\"Message\":\"Access Denied\"}}");
	rc = sm_call(c, "GET", "/apis/core/v4/users", NULL, 0, &r, &e);
	ok(rc == ERR_AUTH && strstr(e.msg, "permission denied: Access "
	    "Denied"), "Forbidden is a permission error");
	http_fake_push(f, 404, NULL, "{\"Status\":\"failure\",\"Error\":{"
	    "\"message\":\"Link  not found\",\"name\":\"NoSuchLinkExist\"}}");
	rc = sm_call(c, "GET", "/apis/core/v4/users", NULL, 0, &r, &e);
	ok(rc == ERR_AUTH && strstr(e.msg, "no such Salesmate account"),
	    "NoSuchLinkExist stops with a clear message");
	http_fake_push(f, 400, NULL, "{\"Status\":\"failure\",\"Error\":{"
	    "\"Code\":\"4001\",\"Name\":\"ValidationError\",\"Message\":"
	    "\"Last Name is required\"}}");
	rc = sm_call(c, "POST", "/apis/contact/v4", "{}", 1, &r, &e);
	ok(rc == ERR_INVALID && strstr(e.msg, "Last Name is required") &&
	    !r.unknown, "ValidationError: server message, outcome known");

	/* 429: wait Retry-After and repeat a read. */
	http_fake_reset(f);
	fc.slept = fc.nsleep = 0;
	http_fake_push(f, 429, "Retry-After: 2\r\n", "{\"Status\":\"failure\","
	    "\"Error\":{\"Name\":\"TooManyRequests\",\"Message\":\"API call "
	    "limit exceeded\"}}");
	http_fake_push(f, 200, NULL, ok_id);
	rc = sm_call(c, "PUT", "/apis/contact/v4/5", "{}", 0, &r, &e);
	is_int(rc, 0, "429 then success: a read/update is repeated");
	sm_result_free(&r);
	is_int(http_fake_count(f), 2, "two attempts");
	ok(fc.slept >= 2000, "waited Retry-After");
	is_int(sm_client_429s(c), 1, "429 counted");

	/* 429 with a wait beyond the cap: give up at once. */
	http_fake_reset(f);
	http_fake_push(f, 429, "Retry-After: 3000\r\n", "{\"Status\":"
	    "\"failure\",\"Error\":{\"Name\":\"TooManyRequests\",\"Message\":"
	    "\"API call limit exceeded\"}}");
	rc = sm_call(c, "GET", "/apis/core/v4/users", NULL, 0, &r, &e);
	is_int(rc, ERR_RATELIMIT, "long Retry-After: ERR_RATELIMIT");
	is_int(http_fake_count(f), 1, "not repeated");
	ok(strstr(e.msg, "retry after 3000 s") != NULL, "says how long");

	/* 429 three times: at most three attempts. */
	http_fake_reset(f);
	http_fake_push(f, 429, "Retry-After: 1\r\n", "{}");
	http_fake_push(f, 429, "Retry-After: 1\r\n", "{}");
	http_fake_push(f, 429, "Retry-After: 1\r\n", "{}");
	http_fake_push(f, 200, NULL, ok_id);
	rc = sm_call(c, "GET", "/apis/core/v4/users", NULL, 0, &r, &e);
	is_int(rc, ERR_RATELIMIT, "three 429s: give up");
	is_int(http_fake_count(f), 3, "three attempts at most");

	/* 5xx: reads retried, creates not (outcome unknown). */
	http_fake_reset(f);
	http_fake_push(f, 503, NULL, "oops");
	http_fake_push(f, 200, NULL, ok_id);
	rc = sm_call(c, "GET", "/apis/contact/v4/5", NULL, 0, &r, &e);
	is_int(rc, 0, "5xx on a read: retried");
	sm_result_free(&r);
	http_fake_reset(f);
	http_fake_push(f, 502, NULL, "bad gateway");
	http_fake_push(f, 200, NULL, ok_id);
	rc = sm_call(c, "POST", "/apis/contact/v4", "{}", 1, &r, &e);
	ok(rc == ERR_HTTP && r.unknown, "5xx on a create: unknown outcome");
	is_int(http_fake_count(f), 1, "a create is never repeated");
	http_fake_reset(f);
	http_fake_push_error(f, ERR_NET, "POST /apis/contact/v4: timeout");
	rc = sm_call(c, "POST", "/apis/contact/v4", "{}", 1, &r, &e);
	ok(rc == ERR_NET && r.unknown && http_fake_count(f) == 1,
	    "transport error on a create: unknown, not repeated");
	http_fake_reset(f);
	http_fake_push(f, 429, "Retry-After: 1\r\n", "{}");
	rc = sm_call(c, "POST", "/apis/activity/v4", "{}", 1, &r, &e);
	ok(rc == ERR_RATELIMIT && r.unknown && http_fake_count(f) == 1,
	    "429 on a create: not re-sent blindly");
	sm_client_free(c);

	/* Pacing: 3600/h = one per second after a burst of 2. */
	http_fake_reset(f);
	fc.slept = fc.nsleep = 0;
	c = client(h, &fc, 3600, 2);
	for (rc = 0; rc < 5; rc++)
		http_fake_push(f, 200, NULL, ok_id);
	for (rc = 0; rc < 5; rc++)
		(void)sm_call(c, "GET", "/apis/contact/v4/1", NULL, 0, NULL, &e);
	is_int(sm_client_calls(c), 5, "five calls");
	ok(fc.slept >= 2900 && fc.slept <= 3100,
	    "burst of 2, then one per second");
	sm_client_free(c);
	http_free(h);

	/* Construction checks. */
	memset(&bad, 0, sizeof bad);
	bad.base_url = "http://x";
	bad.linkname = "evil.example.com/";
	bad.token = "t";
	is_int(sm_client_new(&bc, &bad, &e), ERR_USAGE,
	    "link name must be one DNS label");
	bad.linkname = "acme";
	bad.token = "";
	is_int(sm_client_new(&bc, &bad, &e), ERR_AUTH, "token required");

	/* Token file must be private. */
	{
		struct conf cfg;
		char path[] = "/tmp/ghl-smtok-XXXXXX", *tok = NULL;
		int fd = mkstemp(path);
		FILE *fp = fdopen(fd, "w");

		fputs("file-token\n", fp);
		fclose(fp);
		memset(&cfg, 0, sizeof cfg);
		cfg.sm_token_file = path;
		unsetenv("SALESMATE_TOKEN");
		unsetenv("GHLTERM_SALESMATE_KEY");
		chmod(path, 0644);
		rc = sm_token_load(&cfg, &tok, &e);
		ok(rc == ERR_AUTH && strstr(e.msg, "readable by others"),
		    "world-readable token file refused");
		chmod(path, 0600);
		rc = sm_token_load(&cfg, &tok, &e);
		is_str(rc == 0 ? tok : NULL, "file-token", "private file read");
		free(tok);
		setenv("SALESMATE_TOKEN", "env-token", 1);
		rc = sm_token_load(&cfg, &tok, &e);
		is_str(rc == 0 ? tok : NULL, "env-token", "SALESMATE_TOKEN wins");
		free(tok);
		unsetenv("SALESMATE_TOKEN");
		cfg.sm_token_file = NULL;
		is_int(sm_token_load(&cfg, &tok, &e), ERR_AUTH,
		    "no token at all");
		unlink(path);
	}
	return tap_done();
}
