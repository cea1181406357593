/*
 * test_api.c: the API client against the scripted transport: request
 * shapes for all 22 endpoints, status -> error mapping and messages,
 * retries and what is never retried, Retry-After, pacing against a
 * simulated fixed-window server, OAuth refresh on 401, the parallel
 * bundle, cancellation and the request log.  Time is simulated.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "buf.h"
#include "codec.h"
#include "http.h"
#include "http_fake.h"
#include "log.h"
#include "xmalloc.h"
#include "../tap.h"

#define TOKEN "tok-SECRET-1234567890"
#define CID "Zp4mW8qR2tY6uI0oPa1S"
#define TID "Tk2LmN8pQ4rS6tU0vW1x"
#define ODD "a/b?c%d+e f\xc3\xa9"
#define ODD_ENC "a%2Fb%3Fc%25d%2Be%20f%C3%A9"
#define BASE "http://127.0.0.1:9"

/* --- simulated time --- */

struct sim {
	int64_t	 now;		/* ms */
	long	 slept;		/* total ms slept */
	int	 sleeps;
	atomic_bool *cancel_after_sleep;
};

static int64_t
sim_now(void *arg)
{
	return ((struct sim *)arg)->now;
}

static time_t
sim_wall(void *arg)
{
	return 1700000000 + (time_t)(((struct sim *)arg)->now / 1000);
}

static int
sim_sleep(void *arg, long ms, atomic_bool *cancel)
{
	struct sim *s = arg;

	s->now += ms;
	s->slept += ms;
	s->sleeps++;
	if (s->cancel_after_sleep != NULL)
		atomic_store(s->cancel_after_sleep, 1);
	return cancel != NULL && atomic_load(cancel);
}

/* --- fixture --- */

struct fx {
	struct sim	 sim;
	struct api_clock clock;
	struct http	*http;
	struct http_fake *fake;
	struct auth	*auth;
	struct api	*api;
	atomic_bool	 cancel;
	int		 responses, backoffs;
	long		 backoff_ms;
	char		 last_tmpl[128];
	long		 last_remaining;
};

static void
on_resp(void *arg, const char *tmpl, int status, int attempt, double secs,
    const struct ratelimit_headers *h)
{
	struct fx *f = arg;

	f->responses++;
	snprintf(f->last_tmpl, sizeof f->last_tmpl, "%s", tmpl);
	f->last_remaining = h->remaining;
}

static void
on_backoff(void *arg, long ms, const char *why)
{
	struct fx *f = arg;

	if (strcmp(why, "retry") == 0) {
		f->backoffs++;
		f->backoff_ms += ms;
	}
}

static void
fx_open(struct fx *f, struct auth *auth)
{
	struct api_opts o;
	struct err e;

	memset(f, 0, sizeof *f);
	f->sim.now = 100000;
	f->clock = (struct api_clock){ sim_now, sim_wall, sim_sleep, &f->sim };
	f->http = http_fake_new(&f->fake);
	http_fake_set_clock(f->fake, sim_now, &f->sim);
	if (auth == NULL)
		auth_new_token(&auth, TOKEN, &e);
	f->auth = auth;
	atomic_init(&f->cancel, 0);
	memset(&o, 0, sizeof o);
	o.base_url = BASE "/";
	o.location_id = "k3VwQ9pLmT2xR7bNc4Ha";
	o.auth = f->auth;
	o.http = f->http;
	o.cancel = &f->cancel;
	o.seed = 12345;
	o.clock = &f->clock;
	o.on_response = on_resp;
	o.on_response_arg = f;
	o.on_backoff = on_backoff;
	o.on_backoff_arg = f;
	if (api_new(&f->api, &o, &e) != 0)
		fatalx("api_new: %s", e.msg);
}

static void
fx_close(struct fx *f)
{
	api_free(f->api);
	http_free(f->http);
	auth_free(f->auth);
}

static const char *
url(struct fx *f, size_t i)
{
	const struct http_fake_seen *s = http_fake_seen(f->fake, i);

	return s != NULL ? s->url : "(none)";
}

/* --- request shapes --- */

struct shape {
	const char *name, *method, *url, *body;
};

static void
check_shape(struct fx *f, int rc, const struct shape *s)
{
	const struct http_fake_seen *r;
	size_t n = http_fake_count(f->fake);

	r = http_fake_seen(f->fake, n - 1);
	ok(rc == 0 && r != NULL && strcmp(r->method, s->method) == 0 &&
	    strcmp(r->url, s->url) == 0, "%s: %s %s", s->name, s->method,
	    s->url);
	if (r != NULL && (strcmp(r->method, s->method) != 0 ||
	    strcmp(r->url, s->url) != 0))
		printf("#   got %s %s\n", r->method, r->url);
	ok(r != NULL &&
	    strcmp(http_fake_header(f->fake, n - 1, "Authorization") ?: "",
	    "Bearer " TOKEN) == 0 &&
	    strcmp(http_fake_header(f->fake, n - 1, "Version") ?: "",
	    "2021-07-28") == 0 &&
	    strcmp(http_fake_header(f->fake, n - 1, "Accept") ?: "",
	    "application/json") == 0, "%s: Authorization, Version, Accept",
	    s->name);
	if (s->body != NULL)
		ok(r != NULL && r->body != NULL &&
		    strcmp(r->body, s->body) == 0 &&
		    strcmp(http_fake_header(f->fake, n - 1, "Content-Type") ?: "",
		    "application/json") == 0, "%s: JSON body and Content-Type",
		    s->name);
	else
		ok(r != NULL && r->body == NULL &&
		    http_fake_header(f->fake, n - 1, "Content-Type") == NULL,
		    "%s: no body, no Content-Type", s->name);
}

static void
test_shapes(void)
{
	struct fx f;
	struct buf out;
	struct err e;
	int rc;
	const char *j = "{\"x\":1}";

	fx_open(&f, NULL);
	buf_init(&out, 0);
#define SHAPE(call, status, n, m, u, b) do {				\
	http_fake_push(f.fake, status, NULL, "{\"ok\":true}");		\
	rc = (call);							\
	check_shape(&f, rc, &(struct shape){ n, m, BASE u, b });	\
} while (0)
	SHAPE(api_get_contact(f.api, CID, &out, &e), 200, "get contact",
	    "GET", "/contacts/" CID, NULL);
	is_str(buf_str(&out), "{\"ok\":true}", "body returned in out");
	SHAPE(api_get_contact(f.api, ODD, &out, &e), 200, "odd id encoded",
	    "GET", "/contacts/" ODD_ENC, NULL);
	SHAPE(api_get_tasks(f.api, ODD, &out, &e), 200, "get tasks",
	    "GET", "/contacts/" ODD_ENC "/tasks", NULL);
	SHAPE(api_get_task(f.api, CID, ODD, &out, &e), 200, "get task",
	    "GET", "/contacts/" CID "/tasks/" ODD_ENC, NULL);
	SHAPE(api_get_notes(f.api, CID, &out, &e), 200, "get notes",
	    "GET", "/contacts/" CID "/notes", NULL);
	SHAPE(api_get_note(f.api, CID, "n 1", &out, &e), 200, "get note",
	    "GET", "/contacts/" CID "/notes/n%201", NULL);
	SHAPE(api_get_appointments(f.api, CID, &out, &e), 200, "appointments",
	    "GET", "/contacts/" CID "/appointments", NULL);
	SHAPE(api_list_contacts(f.api, NULL, 0, 0, NULL, &out, &e), 200,
	    "list (first page)", "GET",
	    "/contacts/?locationId=k3VwQ9pLmT2xR7bNc4Ha", NULL);
	SHAPE(api_list_contacts(f.api, "id/9", 1717000000123LL, 100,
	    "+1 312&x", &out, &e), 200, "list (cursor, query)", "GET",
	    "/contacts/?locationId=k3VwQ9pLmT2xR7bNc4Ha&limit=100"
	    "&startAfterId=id%2F9&startAfter=1717000000123&query=%2B1%20312%26x",
	    NULL);
	SHAPE(api_search(f.api, j, &out, &e), 200, "search", "POST",
	    "/contacts/search", j);
	SHAPE(api_business_contacts(f.api, "65f1c2a9e4b0d83f7a1c9e52", 25, 50,
	    "maya", &out, &e), 200, "business", "GET",
	    "/contacts/business/65f1c2a9e4b0d83f7a1c9e52?locationId="
	    "k3VwQ9pLmT2xR7bNc4Ha&limit=25&skip=50&query=maya", NULL);
	SHAPE(api_create_contact(f.api, j, &out, &e), 201, "create contact",
	    "POST", "/contacts/", j);
	SHAPE(api_update_contact(f.api, ODD, j, &out, &e), 200,
	    "update contact", "PUT", "/contacts/" ODD_ENC, j);
	SHAPE(api_delete_contact(f.api, CID, &out, &e), 200, "delete contact",
	    "DELETE", "/contacts/" CID, NULL);
	SHAPE(api_create_task(f.api, CID, j, &out, &e), 201, "create task",
	    "POST", "/contacts/" CID "/tasks", j);
	SHAPE(api_update_task(f.api, CID, TID, j, &out, &e), 200,
	    "update task", "PUT", "/contacts/" CID "/tasks/" TID, j);
	SHAPE(api_complete_task(f.api, CID, TID, "{\"completed\":true}", &out,
	    &e), 200, "complete task", "PUT",
	    "/contacts/" CID "/tasks/" TID "/completed", "{\"completed\":true}");
	SHAPE(api_delete_task(f.api, CID, ODD, &out, &e), 200, "delete task",
	    "DELETE", "/contacts/" CID "/tasks/" ODD_ENC, NULL);
	SHAPE(api_add_tags(f.api, CID, "{\"tags\":[\"vip\"]}", &out, &e), 201,
	    "add tags", "POST", "/contacts/" CID "/tags", "{\"tags\":[\"vip\"]}");
	SHAPE(api_remove_tags(f.api, CID, "{\"tags\":[\"vip\"]}", &out, &e),
	    200, "remove tags (DELETE with body)", "DELETE",
	    "/contacts/" CID "/tags", "{\"tags\":[\"vip\"]}");
	SHAPE(api_create_note(f.api, CID, j, &out, &e), 201, "create note",
	    "POST", "/contacts/" CID "/notes", j);
	SHAPE(api_update_note(f.api, CID, "N1", j, &out, &e), 200,
	    "update note", "PUT", "/contacts/" CID "/notes/N1", j);
	SHAPE(api_delete_note(f.api, CID, "N1", &out, &e), 200, "delete note",
	    "DELETE", "/contacts/" CID "/notes/N1", NULL);
	SHAPE(api_upsert_contact(f.api, j, &out, &e), 200, "upsert",
	    "POST", "/contacts/upsert", j);
#undef SHAPE
	is_int(f.responses, 24, "usage callback once per response");
	is_str(f.last_tmpl, "POST /contacts/upsert", "callback gets method and template");
	buf_free(&out);
	fx_close(&f);
}

/* --- errors --- */

static void
test_errors(void)
{
	struct fx f;
	struct buf out;
	struct err e;

	fx_open(&f, NULL);
	buf_init(&out, 0);

	/* Ids that would name another resource: "" (GET /contacts/ is the
	 * list) is refused before sending; "." and ".." go out encoded, so
	 * neither libcurl nor the server resolves them as dot-segments. */
	is_int(api_get_contact(f.api, "", &out, &e), ERR_INVALID,
	    "empty id refused");
	is_str(e.msg, "GET /contacts/:contactId: empty id", "message says so");
	is_int((int)http_fake_count(f.fake), 0, "nothing sent for it");
	http_fake_push(f.fake, 404, NULL, "{\"message\":\"nope\"}");
	api_get_notes(f.api, "..", &out, &e);
	is_str(url(&f, 0), BASE "/contacts/%2E%2E/notes", "'..' encoded");
	http_fake_push(f.fake, 404, NULL, "{\"message\":\"nope\"}");
	api_get_contact(f.api, ".", &out, &e);
	is_str(url(&f, 1), BASE "/contacts/%2E", "'.' encoded");
	http_fake_reset(f.fake);

	http_fake_push(f.fake, 404, NULL,
	    "{\"statusCode\":404,\"message\":\"Contact not found\"}");
	is_int(api_get_contact(f.api, CID, &out, &e), ERR_NOTFOUND, "404");
	is_str(e.msg, "GET /contacts/" CID ": 404 Not Found: Contact not found",
	    "404 message");
	is_int(e.http_status, 404, "http_status set");
	is_int(e.retry_after_ms, -1, "no Retry-After");
	is_str(buf_str(&out), "{\"statusCode\":404,\"message\":\"Contact not found\"}",
	    "error body handed back");

	http_fake_push(f.fake, 422, NULL, "{\"statusCode\":422,\"message\":"
	    "[\"title must be a string\",\"dueDate must be a valid ISO 8601 "
	    "date string\"],\"error\":\"Unprocessable Entity\"}");
	is_int(api_complete_task(f.api, CID, TID, "{}", &out, &e), ERR_INVALID,
	    "422 is ERR_INVALID");
	is_str(e.msg, "PUT /contacts/" CID "/tasks/" TID "/completed: 422 "
	    "Unprocessable Entity: title must be a string; dueDate must be a "
	    "valid ISO 8601 date string", "422 message joins the array");
	is_int(http_fake_count(f.fake), 2, "4xx not retried");

	http_fake_push(f.fake, 400, NULL,
	    "{\"statusCode\":400,\"message\":\"Contact with id X does not exist\"}");
	is_int(api_get_contact(f.api, "X", &out, &e), ERR_NOTFOUND,
	    "400 'does not exist' is ERR_NOTFOUND (§8)");
	http_fake_push(f.fake, 422, NULL,
	    "{\"statusCode\":422,\"message\":[\"Contact not found\"]}");
	is_int(api_get_tasks(f.api, "X", &out, &e), ERR_NOTFOUND,
	    "422 'not found' is ERR_NOTFOUND");
	http_fake_push(f.fake, 400, NULL,
	    "{\"statusCode\":400,\"message\":\"This location does not allow "
	    "duplicated contacts.\"}");
	is_int(api_create_contact(f.api, "{}", &out, &e), ERR_INVALID,
	    "400 is ERR_INVALID");
	is_str(e.msg, "POST /contacts/: 400 Bad Request: This location does "
	    "not allow duplicated contacts.", "400 message");
	http_fake_push(f.fake, 400, NULL, "<html>bad</html>");
	is_int(api_get_contact(f.api, CID, &out, &e), ERR_INVALID,
	    "non-JSON 400");
	is_str(e.msg, "GET /contacts/" CID ": 400 Bad Request",
	    "reason phrase when the body has no message");

	http_fake_push(f.fake, 401, NULL, "{\"statusCode\":401,\"message\":"
	    "\"Invalid token: access token is invalid\",\"error\":\"Unauthorized\"}");
	is_int(api_get_contact(f.api, CID, &out, &e), ERR_AUTH, "401 is ERR_AUTH");
	is_str(e.msg, "GET /contacts/" CID ": 401 Unauthorized: Invalid token: "
	    "access token is invalid", "401 message");
	http_fake_push(f.fake, 401, NULL, "{\"statusCode\":401,\"message\":"
	    "\"The token is not authorized for this scope.\"}");
	is_int(api_add_tags(f.api, CID, "{}", &out, &e), ERR_AUTH,
	    "401 on a write");
	ok(strstr(e.msg, "(missing scope contacts.write?)") != NULL,
	    "write 401 hints at the scope");
	http_fake_push(f.fake, 403, NULL, "{\"message\":\"Forbidden\"}");
	is_int(api_delete_note(f.api, CID, "N", &out, &e), ERR_AUTH,
	    "403 is ERR_AUTH");
	ok(strstr(e.msg, "TOKEN") == NULL && strstr(e.msg, TOKEN) == NULL,
	    "no token in messages");
	http_fake_push(f.fake, 409, NULL, "{}");
	is_int(api_get_contact(f.api, CID, &out, &e), ERR_CONFLICT, "409");
	http_fake_push(f.fake, 302, "Location: http://evil/\r\n", "");
	is_int(api_get_contact(f.api, CID, &out, &e), ERR_HTTP,
	    "redirect not followed: ERR_HTTP");
	http_fake_push(f.fake, 200, "X-RateLimit-Daily-Remaining: 0\r\n", "{}");
	is_int(api_get_contact(f.api, CID, &out, &e), 0, "last of the day's quota");
	{
		size_t before = http_fake_count(f.fake);

		is_int(api_get_contact(f.api, CID, &out, &e), ERR_RATELIMIT,
		    "daily quota spent: ERR_RATELIMIT");
		is_int(http_fake_count(f.fake), before, "without sending");
		ok(strstr(e.msg, "daily") != NULL, "message: %s", e.msg);
	}
	buf_free(&out);
	fx_close(&f);
}

/* --- retries --- */

static void
test_retries(void)
{
	struct fx f;
	struct buf out;
	struct err e;
	char *big;

	fx_open(&f, NULL);
	buf_init(&out, 0);
	http_fake_push(f.fake, 500, NULL, "{}");
	http_fake_push(f.fake, 502, NULL, "{}");
	http_fake_push(f.fake, 200, NULL, "{\"contact\":{}}");
	is_int(api_get_contact(f.api, CID, &out, &e), 0, "GET after two 5xx");
	is_int(http_fake_count(f.fake), 3, "three requests");
	is_int(api_last(f.api)->attempts, 3, "api_last counts attempts");
	is_int(f.backoffs, 2, "backoff reported twice");
	ok(f.backoff_ms <= 500 + 1000, "full-jitter delays within base*2^k (%ld)",
	    f.backoff_ms);

	http_fake_reset(f.fake);
	for (int i = 0; i < 6; i++)
		http_fake_push(f.fake, 503, NULL, "{\"message\":\"down\"}");
	is_int(api_update_task(f.api, CID, TID, "{}", &out, &e), ERR_HTTP,
	    "persistent 5xx is ERR_HTTP");
	is_int(http_fake_count(f.fake), 4, "PUT tried 4 times (default)");
	is_str(e.msg, "PUT /contacts/" CID "/tasks/" TID ": 503 Service "
	    "Unavailable: down", "5xx message");

	http_fake_reset(f.fake);
	for (int i = 0; i < 5; i++)
		http_fake_push_error(f.fake, ERR_NET, "Operation timed out "
		    "after 30000 milliseconds with 0 bytes received");
	is_int(api_delete_task(f.api, CID, TID, &out, &e), ERR_NET,
	    "persistent timeout is ERR_NET");
	is_int(http_fake_count(f.fake), 4, "DELETE tried 4 times");
	ok(strstr(e.msg, "DELETE /contacts/" CID "/tasks/" TID ": Operation "
	    "timed out") == e.msg, "transport message names the endpoint");

	http_fake_reset(f.fake);
	http_fake_push_error(f.fake, ERR_NET,
	    "transfer closed with 512 bytes remaining to read");
	http_fake_push(f.fake, 200, NULL, "{\"tasks\":[]}");
	is_int(api_get_tasks(f.api, CID, &out, &e), 0,
	    "truncated body: GET retried and succeeds");

	http_fake_reset(f.fake);
	http_fake_push(f.fake, 500, NULL, "{}");
	http_fake_push(f.fake, 201, NULL, "{\"tags\":[]}");
	is_int(api_add_tags(f.api, CID, "{}", &out, &e), 0,
	    "POST tags (idempotent) retried");
	http_fake_push(f.fake, 500, NULL, "{}");
	http_fake_push(f.fake, 200, NULL, "{}");
	is_int(api_search(f.api, "{}", &out, &e), 0, "POST search retried");

	/* Creates are never retried on 5xx or transport errors. */
	http_fake_reset(f.fake);
	http_fake_push(f.fake, 500, NULL, "{}");
	http_fake_push(f.fake, 201, NULL, "{}");
	is_int(api_create_contact(f.api, "{}", &out, &e), ERR_HTTP,
	    "create contact: 5xx returned");
	is_int(http_fake_count(f.fake), 1, "create contact: one request");
	ok(api_last(f.api)->outcome_unknown, "create contact: outcome unknown");
	ok(strstr(e.msg, "not retried") != NULL, "message says it was not retried");
	http_fake_reset(f.fake);
	http_fake_push_error(f.fake, ERR_NET, "Operation timed out");
	http_fake_push(f.fake, 201, NULL, "{}");
	is_int(api_create_task(f.api, CID, "{}", &out, &e), ERR_NET,
	    "create task: timeout returned");
	is_int(http_fake_count(f.fake), 1, "create task: one request");
	ok(api_last(f.api)->outcome_unknown, "create task: outcome unknown");
	http_fake_reset(f.fake);
	http_fake_push_error(f.fake, ERR_NET, "Connection reset by peer");
	is_int(api_create_note(f.api, CID, "{}", &out, &e), ERR_NET,
	    "create note: not retried");
	is_int(http_fake_count(f.fake), 1, "create note: one request");
	http_fake_reset(f.fake);
	http_fake_push(f.fake, 502, NULL, "{}");
	is_int(api_upsert_contact(f.api, "{}", &out, &e), ERR_HTTP,
	    "upsert: not retried");
	is_int(http_fake_count(f.fake), 1, "upsert: one request");
	http_fake_reset(f.fake);
	http_fake_push(f.fake, 429, "Retry-After: 1\r\n", "{}");
	http_fake_push(f.fake, 201, NULL, "{\"contact\":{}}");
	is_int(api_create_contact(f.api, "{}", &out, &e), 0,
	    "create after 429 is retried (not processed)");
	is_int(http_fake_count(f.fake), 2, "two requests");
	ok(!api_last(f.api)->outcome_unknown, "outcome known");
	http_fake_push(f.fake, 422, NULL, "{\"message\":[\"x\"]}");
	api_create_contact(f.api, "{}", &out, &e);
	ok(!api_last(f.api)->outcome_unknown, "a 422 create is a known failure");

	/* Oversized body: ERR_PARSE, not retried. */
	http_fake_reset(f.fake);
	big = xmalloc(HTTP_BODY_MAX + 2);
	memset(big, ' ', HTTP_BODY_MAX + 1);
	big[HTTP_BODY_MAX + 1] = '\0';
	http_fake_push_raw(f.fake, 200, NULL, big, HTTP_BODY_MAX + 1);
	free(big);
	is_int(api_get_notes(f.api, CID, &out, &e), ERR_TOOBIG,
	    "body over 32 MB is ERR_TOOBIG (permanent)");
	ok(strstr(e.msg, "response body over 32 MB") != NULL, "message says so");
	is_int(http_fake_count(f.fake), 1, "and is not retried");
	buf_free(&out);
	fx_close(&f);
}

/* --- Retry-After and 429 --- */

static void
test_retry_after(void)
{
	struct fx f;
	struct buf out;
	struct err e;
	int64_t t0;

	fx_open(&f, NULL);
	buf_init(&out, 0);
	http_fake_push(f.fake, 429, "Retry-After: 7\r\n",
	    "{\"statusCode\":429,\"message\":\"Too many requests\"}");
	http_fake_push(f.fake, 200, NULL, "{}");
	is_int(api_get_contact(f.api, CID, &out, &e), 0, "429 then 200");
	ok(http_fake_seen(f.fake, 1)->at_ms - http_fake_seen(f.fake, 0)->at_ms
	    >= 7000, "no request before Retry-After (7 s)");
	ok(http_fake_seen(f.fake, 1)->at_ms - http_fake_seen(f.fake, 0)->at_ms
	    < 8000, "and not much later");

	http_fake_reset(f.fake);
	http_fake_push(f.fake, 429, NULL, "{}");
	http_fake_push(f.fake, 200, NULL, "{}");
	is_int(api_get_contact(f.api, CID, &out, &e), 0, "429 without Retry-After");
	ok(http_fake_seen(f.fake, 1)->at_ms - http_fake_seen(f.fake, 0)->at_ms
	    >= 10000, "waits the interval (10 s) plus jitter");

	http_fake_reset(f.fake);
	http_fake_push(f.fake, 503, "Retry-After: 20\r\n", "{}");
	http_fake_push(f.fake, 200, NULL, "{}");
	is_int(api_get_contact(f.api, CID, &out, &e), 0, "503 with Retry-After");
	ok(http_fake_seen(f.fake, 1)->at_ms - http_fake_seen(f.fake, 0)->at_ms
	    >= 20000, "Retry-After never undercut by a shorter backoff");

	http_fake_reset(f.fake);
	{
		time_t when = sim_wall(&f.sim) + 30;
		struct tm tm;
		char hdr[80];

		gmtime_r(&when, &tm);
		strftime(hdr, sizeof hdr,
		    "Retry-After: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
		http_fake_push(f.fake, 429, hdr, "{}");
	}
	http_fake_push(f.fake, 200, NULL, "{}");
	t0 = f.sim.now;
	is_int(api_get_contact(f.api, CID, &out, &e), 0, "HTTP-date Retry-After");
	ok(http_fake_seen(f.fake, 1)->at_ms - t0 >= 29000 &&
	    http_fake_seen(f.fake, 1)->at_ms - t0 <= 31000,
	    "HTTP-date 30 s ahead honoured (%lld ms)",
	    (long long)(http_fake_seen(f.fake, 1)->at_ms - t0));

	http_fake_reset(f.fake);
	for (int i = 0; i < 5; i++)
		http_fake_push(f.fake, 429, "Retry-After: 2\r\n",
		    "{\"statusCode\":429,\"message\":\"Too many requests\"}");
	is_int(api_get_contact(f.api, CID, &out, &e), ERR_RATELIMIT,
	    "persistent 429 is ERR_RATELIMIT");
	is_int(http_fake_count(f.fake), 4, "1 try + 3 retries (§1.4)");
	is_int(e.retry_after_ms, 2000, "retry_after_ms reported");
	is_int(e.http_status, 429, "status 429");
	is_str(e.msg, "GET /contacts/" CID ": 429 Too Many Requests: Too many "
	    "requests", "429 message");

	/* Cancellation stops a wait and sends nothing more. */
	http_fake_reset(f.fake);
	http_fake_push(f.fake, 500, NULL, "{}");
	http_fake_push(f.fake, 200, NULL, "{}");
	f.sim.cancel_after_sleep = &f.cancel;
	is_int(api_get_contact(f.api, CID, &out, &e), ERR_CANCELED,
	    "cancel during backoff");
	is_int(http_fake_count(f.fake), 1, "no request after cancel");
	f.sim.cancel_after_sleep = NULL;
	is_int(api_get_contact(f.api, CID, &out, &e), ERR_CANCELED,
	    "a set cancel flag stops the next call");
	is_int(http_fake_count(f.fake), 1, "before it sends");
	atomic_store(&f.cancel, 0);
	buf_free(&out);
	fx_close(&f);
}

/* --- pacing against a simulated fixed-window server --- */

struct server {
	struct sim	*sim;
	long		 max, interval;
	int64_t		 window_start;
	long		 used;
	int		 n429, served;
	unsigned	 jitter;
};

static int
server_reply(void *arg, const struct http_req *req, struct http_resp *resp,
    struct err *e)
{
	struct server *s = arg;
	/* The request reaches the server after 5..45 ms of latency. */
	int64_t t;
	char hdr[256];

	s->jitter = s->jitter * 1103515245u + 12345u;
	t = s->sim->now + 5 + (s->jitter >> 16) % 41;
	if (s->used == 0 || t >= s->window_start + s->interval) {
		s->window_start = t;
		s->used = 0;
	}
	s->used++;
	snprintf(hdr, sizeof hdr, "X-RateLimit-Max: %ld\r\n"
	    "X-RateLimit-Interval-Milliseconds: %ld\r\n"
	    "X-RateLimit-Remaining: %ld\r\n"
	    "X-RateLimit-Limit-Daily: 200000\r\n"
	    "X-RateLimit-Daily-Remaining: 150000\r\n",
	    s->max, s->interval, s->used > s->max ? 0 : s->max - s->used);
	resp->headers = xstrdup(hdr);
	if (s->used > s->max) {
		s->n429++;
		resp->status = 429;
		free(resp->headers);
		resp->headers = xasprintf("%sRetry-After: %ld\r\n", hdr,
		    (long)((s->window_start + s->interval - t) / 1000 + 1));
		buf_puts(&resp->body, "{\"statusCode\":429}");
	} else {
		resp->status = 200;
		buf_puts(&resp->body, "{}");
	}
	s->served++;
	s->sim->now += 10;	/* the round trip */
	return 0;
}

static void
pacing_run(long max, long interval, int bundles, int n)
{
	struct fx f;
	struct server s;
	struct buf out[API_BUNDLE_N];
	struct err e[API_BUNDLE_N];
	int status[API_BUNDLE_N], fails = 0;
	int64_t t0;

	fx_open(&f, NULL);
	memset(&s, 0, sizeof s);
	s.sim = &f.sim;
	s.max = max;
	s.interval = interval;
	http_fake_set_responder(f.fake, server_reply, &s);
	for (int i = 0; i < API_BUNDLE_N; i++)
		buf_init(&out[i], 0);
	/* Learn the limits from a first response, as a real client does. */
	api_get_contact(f.api, CID, &out[0], &e[0]);
	t0 = f.sim.now;
	for (int i = 0; i < n; i++) {
		if (bundles) {
			if (api_get_contact_bundle(f.api, CID, out, status, e))
				fails++;
		} else if (api_get_contact(f.api, CID, &out[0], &e[0])) {
			fails++;
		}
	}
	is_int(s.n429, 0, "no 429 at steady state");
	is_int(fails, 0, "every call succeeded");
	{
		long sent = s.served - 1, windows = sent / max;
		double per = (double)(f.sim.now - t0) / (double)(sent > 0 ? sent : 1);

		ok(f.sim.now - t0 <= (windows + 1) * (interval * 11 / 10),
		    "%ld/%ld ms%s: %ld requests in %.1f s (%.1f ms each, "
		    "limit %.1f)", max, interval, bundles ? " bundles" : "",
		    sent, (double)(f.sim.now - t0) / 1000, per,
		    (double)interval / (double)max);
	}
	{
		struct ratelimit_headers h;

		api_ratelimit(f.api, &h);
		ok(h.max == max && h.interval_ms == interval &&
		    h.daily_remaining == 150000, "last headers exposed");
	}
	for (int i = 0; i < API_BUNDLE_N; i++)
		buf_free(&out[i]);
	fx_close(&f);
}

/* --- OAuth --- */

static char tmpdir[] = "/tmp/ghl-test-api.XXXXXX";

static struct auth *
oauth(const char *name, long long expires_at, char **pathp)
{
	char *path = xasprintf("%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "w");
	struct auth *a;
	struct err e;

	fprintf(fp, "access_token = old-" TOKEN "\nrefresh_token = rt-1\n"
	    "client_id = cid\nclient_secret = csecret\nexpires_at = %lld\n",
	    expires_at);
	fclose(fp);
	chmod(path, 0600);
	if (auth_load_file(&a, path, &e) != 0)
		fatalx("auth_load_file: %s", e.msg);
	*pathp = path;
	return a;
}

static void
test_oauth(void)
{
	struct fx f;
	struct buf out;
	struct err e;
	struct stat st;
	char *path;
	const char *tok_reply = "{\"access_token\":\"new-" TOKEN "\","
	    "\"refresh_token\":\"rt-2\",\"expires_in\":86399}";
	const char *unauth = "{\"statusCode\":401,\"message\":\"Invalid "
	    "token: access token is invalid\",\"error\":\"Unauthorized\"}";

	buf_init(&out, 0);
	fx_open(&f, oauth("tok1", 0, &path));
	http_fake_push(f.fake, 401, NULL, unauth);
	http_fake_push(f.fake, 200, NULL, tok_reply);
	http_fake_push(f.fake, 200, NULL, "{\"contact\":{}}");
	is_int(api_get_contact(f.api, CID, &out, &e), 0,
	    "401 -> refresh -> retry succeeds");
	is_int(http_fake_count(f.fake), 3, "three requests");
	is_str(url(&f, 1), BASE "/oauth/token", "second is the refresh");
	is_str(http_fake_header(f.fake, 0, "Authorization"),
	    "Bearer old-" TOKEN, "first with the old token");
	is_str(http_fake_header(f.fake, 2, "Authorization"),
	    "Bearer new-" TOKEN, "retry with the new token");
	stat(path, &st);
	is_int(st.st_mode & 07777, 0600, "token file still 0600");
	{
		FILE *fp = fopen(path, "r");
		char line[512];
		int found = 0;

		while (fgets(line, sizeof line, fp) != NULL)
			if (strcmp(line, "access_token = new-" TOKEN "\n") == 0)
				found = 1;
		fclose(fp);
		ok(found, "new token written back before the retry");
	}

	http_fake_reset(f.fake);
	http_fake_push(f.fake, 401, NULL, unauth);
	http_fake_push(f.fake, 200, NULL, tok_reply);
	http_fake_push(f.fake, 401, NULL, unauth);
	http_fake_push(f.fake, 200, NULL, "{}");
	is_int(api_get_contact(f.api, CID, &out, &e), ERR_AUTH,
	    "second 401 is final");
	is_int(http_fake_count(f.fake), 3, "one refresh, one retry, no more");

	http_fake_reset(f.fake);
	http_fake_push(f.fake, 401, NULL, unauth);
	http_fake_push(f.fake, 400, NULL, "{\"statusCode\":400,\"message\":"
	    "\"Invalid grant: refresh token is invalid\"}");
	is_int(api_get_contact(f.api, CID, &out, &e), ERR_AUTH,
	    "refused refresh is final");
	ok(strstr(e.msg, "GET /contacts/" CID ": 401 Unauthorized") == e.msg &&
	    strstr(e.msg, "token refresh failed: POST /oauth/token: 400 Bad "
	    "Request: Invalid grant") != NULL, "message tells both (%s)", e.msg);
	is_int(http_fake_count(f.fake), 2, "no retry without a token");
	fx_close(&f);
	unlink(path);
	free(path);

	/* Proactive refresh when the token expires within 30 s. */
	fx_open(&f, oauth("tok2", 1700000000 + 100 + 20, &path));
	http_fake_push(f.fake, 200, NULL, tok_reply);
	http_fake_push(f.fake, 200, NULL, "{}");
	is_int(api_get_contact(f.api, CID, &out, &e), 0, "expiring token");
	is_str(url(&f, 0), BASE "/oauth/token", "refreshed first");
	is_str(http_fake_header(f.fake, 1, "Authorization"),
	    "Bearer new-" TOKEN, "request carries the new token");
	http_fake_push(f.fake, 200, NULL, "{}");
	api_get_contact(f.api, CID, &out, &e);
	is_int(http_fake_count(f.fake), 3, "no second refresh once renewed");
	fx_close(&f);
	unlink(path);
	free(path);

	/* A private integration token's 401 is final. */
	fx_open(&f, NULL);
	http_fake_push(f.fake, 401, NULL, unauth);
	http_fake_push(f.fake, 200, NULL, "{}");
	is_int(api_get_contact(f.api, CID, &out, &e), ERR_AUTH, "PIT 401 final");
	is_int(http_fake_count(f.fake), 1, "no refresh, no retry");
	fx_close(&f);
	buf_free(&out);
}

/* --- parallel bundle --- */

static void
test_bundle(void)
{
	struct fx f;
	struct buf out[API_BUNDLE_N];
	struct err e[API_BUNDLE_N];
	int status[API_BUNDLE_N], rc;

	fx_open(&f, NULL);
	for (int i = 0; i < API_BUNDLE_N; i++)
		buf_init(&out[i], 0);
	http_fake_push(f.fake, 200, NULL, "{\"contact\":{}}");
	http_fake_push(f.fake, 200, NULL, "{\"tasks\":[]}");
	http_fake_push(f.fake, 200, NULL, "{\"notes\":[]}");
	http_fake_push(f.fake, 200, NULL, "{\"events\":[]}");
	rc = api_get_contact_bundle(f.api, ODD, out, status, e);
	is_int(rc, 0, "bundle ok");
	is_int(http_fake_count(f.fake), 4, "four requests");
	ok(http_fake_seen(f.fake, 0)->batch != 0 &&
	    http_fake_seen(f.fake, 0)->batch == http_fake_seen(f.fake, 3)->batch,
	    "sent together through request_many");
	is_str(url(&f, 0), BASE "/contacts/" ODD_ENC, "contact");
	is_str(url(&f, 1), BASE "/contacts/" ODD_ENC "/tasks", "tasks");
	is_str(url(&f, 2), BASE "/contacts/" ODD_ENC "/notes", "notes");
	is_str(url(&f, 3), BASE "/contacts/" ODD_ENC "/appointments",
	    "appointments");
	is_str(buf_str(&out[API_BUNDLE_NOTES]), "{\"notes\":[]}", "bodies in order");
	ok(status[0] == 200 && status[3] == 200, "statuses");

	http_fake_reset(f.fake);
	http_fake_push(f.fake, 404, NULL, "{\"message\":\"Contact not found\"}");
	http_fake_push(f.fake, 500, NULL, "{}");
	http_fake_push_error(f.fake, ERR_NET, "Connection reset by peer");
	http_fake_push(f.fake, 200, NULL, "{\"events\":[]}");
	http_fake_push(f.fake, 200, NULL, "{\"tasks\":[1]}");
	http_fake_push(f.fake, 200, NULL, "{\"notes\":[1]}");
	rc = api_get_contact_bundle(f.api, CID, out, status, e);
	is_int(rc, ERR_NOTFOUND, "first failing part's code");
	is_int(e[0].code, ERR_NOTFOUND, "contact: not found");
	ok(status[0] == 404 && status[1] == 200 && status[2] == 200 &&
	    status[3] == 200, "each part has its own status");
	is_str(buf_str(&out[API_BUNDLE_TASKS]), "{\"tasks\":[1]}",
	    "5xx part retried");
	is_str(buf_str(&out[API_BUNDLE_NOTES]), "{\"notes\":[1]}",
	    "network part retried");
	is_int(http_fake_count(f.fake), 6, "only failed parts re-sent");
	for (int i = 0; i < API_BUNDLE_N; i++)
		buf_free(&out[i]);
	fx_close(&f);
}

/* --- log --- */

static void
test_log(void)
{
	struct fx f;
	struct buf out, text;
	struct err e;
	char *path = xasprintf("%s/state/ghlterm/log.jsonl", tmpdir), *r;
	char chunk[4096];
	struct stat st;
	int fd, lines = 0, valid = 0;
	ssize_t n;

	is_int(log_open(path, &e), 0, "log opened (directories made)");
	stat(path, &st);
	is_int(st.st_mode & 07777, 0600, "log file 0600");
	{
		char *d = xasprintf("%s/state/ghlterm", tmpdir);

		stat(d, &st);
		is_int(st.st_mode & 07777, 0700, "log directory 0700");
		free(d);
	}
	fx_open(&f, NULL);
	buf_init(&out, 0);
	http_fake_push(f.fake, 500, NULL, "{}");
	http_fake_push(f.fake, 200, "X-Trace-Id: tr-77\r\n", "{}");
	api_get_tasks(f.api, "c\"1\\\n", &out, &e);
	log_msg(LOG_LEVEL_WARN, "header Authorization: Bearer %s seen", TOKEN);
	log_msg(LOG_LEVEL_INFO, "form access_token=%s&refresh_token=%s", TOKEN,
	    TOKEN);
	log_msg(LOG_LEVEL_INFO, "json {\"access_token\":\"%s\"}", TOKEN);
	log_msg(LOG_LEVEL_DEBUG, "dropped below the level");
	log_close();
	log_msg(LOG_LEVEL_ERROR, "after close: not written");

	buf_init(&text, 0);
	fd = open(path, O_RDONLY);
	while ((n = read(fd, chunk, sizeof chunk)) > 0)
		buf_append(&text, chunk, (size_t)n);
	close(fd);
	for (char *l = text.data, *nl; l != NULL && *l != '\0'; l = nl + 1) {
		nl = strchr(l, '\n');
		if (nl == NULL)
			break;
		lines++;
		if (codec_valid(l, (size_t)(nl - l)))
			valid++;
	}
	is_int(lines, 5, "two request lines and three messages");
	is_int(valid, lines, "every line is valid JSON");
	ok(strstr(buf_str(&text), TOKEN) == NULL, "the token never appears");
	ok(strstr(buf_str(&text), "\"endpoint\":\"/contacts/:contactId/tasks\"")
	    != NULL, "endpoint template logged");
	ok(strstr(buf_str(&text), "\"contact_id\":\"c\\\"1\\\\\\n\"") != NULL,
	    "strings escaped");
	ok(strstr(buf_str(&text), "\"status\":500,\"attempt\":1") != NULL &&
	    strstr(buf_str(&text), "\"status\":200,\"attempt\":2") != NULL,
	    "status and attempt per request");
	ok(strstr(buf_str(&text), "\"trace_id\":\"tr-77\"") != NULL,
	    "server trace id used when present");
	ok(strstr(buf_str(&text), "\"time\":\"20") != NULL &&
	    strstr(buf_str(&text), "Z\",\"level\":\"info\"") != NULL,
	    "ISO UTC time and level");
	ok(strstr(buf_str(&text), "[REDACTED]") != NULL, "credentials redacted");
	buf_free(&text);

	r = log_redact("Authorization: Bearer abc.def\r\nX: y");
	is_str(r, "Authorization: [REDACTED]\r\nX: y", "redact header line");
	free(r);
	r = log_redact("curl -H 'authorization=Bearer zz' ok");
	ok(strstr(r, "zz") == NULL, "redact any case (%s)", r);
	free(r);
	r = log_redact("grant access_token=aaa&refresh_token=bbb&x=1");
	is_str(r, "grant access_token=[REDACTED]&refresh_token=[REDACTED]&x=1",
	    "redact form fields");
	free(r);
	r = log_redact("{\"refresh_token\": \"ccc\", \"a\": 1}");
	is_str(r, "{\"refresh_token\": \"[REDACTED]\", \"a\": 1}", "redact JSON");
	free(r);
	r = log_redact("no access_token in file; authorization failed");
	is_str(r, "no access_token in file; authorization failed",
	    "plain words left alone");
	free(r);
	buf_free(&out);
	fx_close(&f);
	unlink(path);
	free(path);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		return 99;
	test_shapes();
	test_errors();
	test_retries();
	test_retry_after();
	pacing_run(100, 10000, 0, 450);
	pacing_run(20, 2000, 0, 300);
	pacing_run(20, 2000, 1, 60);
	test_oauth();
	test_bundle();
	test_log();
	{
		char *p = xasprintf("%s/state/ghlterm", tmpdir);

		rmdir(p);
		free(p);
		p = xasprintf("%s/state", tmpdir);
		rmdir(p);
		free(p);
		rmdir(tmpdir);
	}
	return tap_done();
}
