/*
 * salesmate.c: the Salesmate v4 HTTP client over struct http: headers,
 * envelope and error mapping, token-bucket pacing (1,500 calls an hour,
 * burst 25 by default) and retries of repeatable requests on 429/5xx.
 */
#include "config.h"
#include "salesmate.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "buf.h"
#include "codec_sm.h"
#include "conf.h"
#include "http.h"
#include "log.h"
#include "xmalloc.h"

#define SM_MAX_ATTEMPTS	3

struct sm_client {
	char		*base;
	char		*link_header;
	char		*token_header;
	struct http	*http;
	double		 tokens, capacity, per_ms;
	int64_t		 last_ms;
	long		 max_wait_ms;
	long		 calls, n429;
	struct backoff_rng rng;
	int64_t		(*now_ms)(void *);
	void		(*sleep_ms)(void *, long);
	void		*clock_arg;
};

static int64_t
mono_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
real_sleep(void *arg, long ms)
{
	struct timespec ts;

	(void)arg;
	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int
sm_linkname_valid(const char *s)
{
	size_t i, n;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

int
sm_client_new(struct sm_client **cp, const struct sm_opts *o, struct err *e)
{
	struct sm_client *c;
	size_t n;
	long per_hour, burst;

	*cp = NULL;
	if (!sm_linkname_valid(o->linkname))
		return err_set(e, ERR_USAGE, "salesmate.linkname '%s' is not "
		    "a valid link name (one DNS label, e.g. acme)",
		    o->linkname ? o->linkname : "");
	if (o->token == NULL || *o->token == '\0')
		return err_set(e, ERR_AUTH, "no Salesmate access token");
	if (o->base_url == NULL || *o->base_url == '\0')
		return err_set(e, ERR_USAGE, "no Salesmate base URL");
	c = xcalloc(1, sizeof *c);
	c->base = xstrdup(o->base_url);
	n = strlen(c->base);
	while (n > 0 && c->base[n - 1] == '/')
		c->base[--n] = '\0';
	c->link_header = xasprintf("x-linkname: %s.salesmate.io", o->linkname);
	c->token_header = xasprintf("accessToken: %s", o->token);
	c->http = o->http;
	per_hour = o->per_hour > 0 ? o->per_hour : SM_DEFAULT_PER_HOUR;
	burst = o->burst > 0 ? o->burst : SM_DEFAULT_BURST;
	c->capacity = (double)burst;
	c->tokens = c->capacity;
	c->per_ms = (double)per_hour / 3600000.0;
	c->max_wait_ms = o->max_wait_ms > 0 ? o->max_wait_ms : 60000;
	c->now_ms = o->now_ms ? o->now_ms : mono_ms;
	c->sleep_ms = o->sleep_ms ? o->sleep_ms : real_sleep;
	c->clock_arg = o->clock_arg;
	c->last_ms = c->now_ms(c->clock_arg);
	backoff_rng_seed(&c->rng, o->seed ? o->seed : (uint64_t)time(NULL));
	*cp = c;
	return 0;
}

void
sm_client_free(struct sm_client *c)
{
	if (c == NULL)
		return;
	free(c->base);
	free(c->link_header);
	if (c->token_header != NULL) {
		explicit_bzero(c->token_header, strlen(c->token_header));
		free(c->token_header);
	}
	free(c);
}

long
sm_client_calls(const struct sm_client *c)
{
	return c->calls;
}

long
sm_client_429s(const struct sm_client *c)
{
	return c->n429;
}

const char *
sm_client_base(const struct sm_client *c)
{
	return c->base;
}

void
sm_result_free(struct sm_result *r)
{
	if (r == NULL)
		return;
	free(r->data);
	memset(r, 0, sizeof *r);
}

/* Take one token from the bucket, sleeping until one is there. */
static void
pace(struct sm_client *c)
{
	int64_t now = c->now_ms(c->clock_arg);
	long wait;

	c->tokens += (double)(now - c->last_ms) * c->per_ms;
	if (c->tokens > c->capacity)
		c->tokens = c->capacity;
	c->last_ms = now;
	if (c->tokens < 1.0) {
		wait = (long)((1.0 - c->tokens) / c->per_ms) + 1;
		c->sleep_ms(c->clock_arg, wait);
		now = c->now_ms(c->clock_arg);
		c->tokens += (double)(now - c->last_ms) * c->per_ms;
		c->last_ms = now;
		if (c->tokens < 1.0)
			c->tokens = 1.0;
	}
	c->tokens -= 1.0;
}

/* The endpoint template of a path for the log: numbers become ":id". */
static void
endpoint_of(const char *path, char *out, size_t len)
{
	struct buf b;
	const char *p = path, *q;
	char *s;

	buf_init(&b, len > 0 ? len - 1 : 0);
	while (*p != '\0' && *p != '?') {
		q = p + strcspn(p, "/?");
		if (q > p && strspn(p, "0123456789") == (size_t)(q - p))
			(void)buf_puts(&b, ":id");
		else
			(void)buf_append(&b, p, (size_t)(q - p));
		if (*q == '/')
			(void)buf_putc(&b, '/');
		p = *q == '/' ? q + 1 : q;
	}
	s = buf_take(&b);
	snprintf(out, len, "%s", s);
	free(s);
}

/* Retry-After in ms: delta-seconds unclamped, else the shared parser. */
static long
retry_after(const struct http_resp *resp)
{
	char *v = http_resp_header(resp, "Retry-After"), *end;
	long ms = -1, s;

	if (v == NULL)
		return -1;
	errno = 0;
	s = strtol(v, &end, 10);
	if (end != v && *end == '\0' && errno == 0 && s >= 0)
		ms = s > 86400 ? 86400000L : s * 1000;
	else
		ms = backoff_retry_after_ms(v, time(NULL));
	free(v);
	return ms;
}

static int
name_is(const struct sm_envelope *env, const char *name)
{
	return env->name != NULL && strcasecmp(env->name, name) == 0;
}

/*
 * Classify a response that arrived.  Returns 0 on success (data moved to
 * res), else an errcode with e filled; *retry_ms gets how long to wait
 * before a repeat is sensible (-1: never repeat).
 */
static int
classify(struct sm_client *c, const char *what, struct http_resp *resp,
    struct sm_result *res, long *retry_ms, struct err *e)
{
	struct sm_envelope env;
	int st = resp->status, perr, rc;
	const char *msg;

	*retry_ms = -1;
	perr = codec_sm_envelope(resp->body.data, resp->body.len, &env);
	msg = env.message ? env.message : (env.name ? env.name :
	    http_reason(st));
	if (perr == 0 && env.success && st >= 200 && st < 300) {
		res->data = env.data;
		env.data = NULL;
		sm_envelope_free(&env);
		return 0;
	}
	if (name_is(&env, "AuthenticationFailed") ||
	    name_is(&env, "AuthorizationFailed") ||
	    (st == 401 && env.name == NULL)) {
		rc = err_set(e, ERR_AUTH, "%s: Salesmate rejected the access "
		    "token (HTTP %d%s%s)", what, st, env.name ? " " : "",
		    env.name ? env.name : "");
	} else if (name_is(&env, "NoSuchLinkExist")) {
		rc = err_set(e, ERR_AUTH, "%s: no such Salesmate account "
		    "(%s: %s)", what, c->link_header + 12, msg);
	} else if (name_is(&env, "Forbidden") || st == 403) {
		rc = err_set(e, ERR_AUTH, "%s: Salesmate permission denied: %s",
		    what, msg);
	} else if (name_is(&env, "ObjectNotFound") || st == 404) {
		rc = err_set(e, ERR_NOTFOUND, "%s: not found in Salesmate "
		    "(%s)", what, msg);
	} else if (name_is(&env, "TooManyRequests") || st == 429) {
		c->n429++;
		*retry_ms = retry_after(resp);
		if (*retry_ms < 0)
			*retry_ms = 60000 + (long)backoff_rng_upto(&c->rng,
			    5000);
		rc = err_set(e, ERR_RATELIMIT, "%s: Salesmate rate limit: %s "
		    "(retry after %ld s)", what, msg,
		    (*retry_ms + 999) / 1000);
	} else if (st >= 500 || st == 0) {
		rc = err_set(e, ERR_HTTP, "%s: Salesmate server error HTTP "
		    "%d%s%s", what, st, env.message || env.name ? ": " : "",
		    env.message || env.name ? msg : "");
		*retry_ms = 0;
	} else if (name_is(&env, "ValidationError") || st == 400 ||
	    st == 422) {
		rc = err_set(e, ERR_INVALID, "%s: %s", what, msg);
	} else if (perr) {
		rc = err_set(e, ERR_PARSE, "%s: HTTP %d with a body that is "
		    "not a Salesmate response", what, st);
	} else {
		rc = err_set(e, ERR_HTTP, "%s: HTTP %d %s", what, st, msg);
	}
	if (e != NULL)
		e->http_status = st;
	sm_envelope_free(&env);
	return rc;
}

int
sm_call(struct sm_client *c, const char *method, const char *path,
    const char *body, int create, struct sm_result *resp_out, struct err *e)
{
	const char *hdrs[7];
	struct http_req req;
	struct http_resp resp;
	struct sm_result local;
	struct sm_result *res = resp_out ? resp_out : &local;
	char *url, what[200], ep[160];
	int attempt, rc = 0;
	long wait;
	int64_t t0;

	memset(res, 0, sizeof *res);
	url = xasprintf("%s%s", c->base, path);
	endpoint_of(path, ep, sizeof ep);
	snprintf(what, sizeof what, "%s %s", method, ep);
	hdrs[0] = c->token_header;
	hdrs[1] = c->link_header;
	hdrs[2] = "Accept: application/json";
	hdrs[3] = "User-Agent: ghlterm/" PACKAGE_VERSION;
	hdrs[4] = body ? "Content-Type: application/json" : NULL;
	hdrs[5] = NULL;
	memset(&req, 0, sizeof req);
	req.method = method;
	req.url = url;
	req.headers = hdrs;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.fresh = create;
	http_resp_init(&resp);
	for (attempt = 0; attempt < SM_MAX_ATTEMPTS; attempt++) {
		pace(c);
		c->calls++;
		t0 = c->now_ms(c->clock_arg);
		http_resp_reset(&resp);
		rc = http_request(c->http, &req, &resp, e);
		log_request(method, ep, NULL, rc ? 0 : resp.status, attempt + 1,
		    (long)(c->now_ms(c->clock_arg) - t0), NULL);
		if (rc == ERR_CANCELED)
			break;
		if (rc) {
			/* e names method and path already (http.h). */
			if (rc == ERR_PARSE) {
				/* The body was over HTTP_BODY_MAX: it will be
				 * again.  Permanent, as in the API client. */
				rc = ERR_TOOBIG;
				e->code = ERR_TOOBIG;
				res->unknown = create;	/* it may have been made */
				break;
			}
			if (e->no_retry)	/* a refused certificate */
				break;
			if (create) {
				res->unknown = 1;
				break;
			}
			wait = attempt == 0 ? 2000 : 8000;
		} else {
			res->status = resp.status;
			rc = classify(c, what, &resp, res, &wait, e);
			if (rc == 0 || wait < 0)
				break;
			if (create) {
				res->unknown = 1;
				break;
			}
			if (rc == ERR_HTTP)
				wait = attempt == 0 ? 2000 : 8000;
		}
		if (attempt + 1 >= SM_MAX_ATTEMPTS)
			break;
		if (wait > c->max_wait_ms) {
			if (rc != ERR_RATELIMIT)
				wait = c->max_wait_ms;
			else
				break;
		}
		c->sleep_ms(c->clock_arg, wait);
		/* Anything sent during the wait would count against the
		 * same budget: start the bucket empty after a 429. */
		if (rc == ERR_RATELIMIT) {
			c->tokens = 0;
			c->last_ms = c->now_ms(c->clock_arg);
		}
	}
	http_resp_free(&resp);
	free(url);
	if (res == &local)
		sm_result_free(&local);
	return rc;
}

char *
sm_base_url(const struct conf *cfg)
{
	if (cfg->sm_base_url != NULL && *cfg->sm_base_url != '\0')
		return xstrdup(cfg->sm_base_url);
	if (cfg->sm_linkname != NULL && *cfg->sm_linkname != '\0')
		return xasprintf("https://%s.salesmate.io", cfg->sm_linkname);
	return NULL;
}

int
sm_token_load(const struct conf *cfg, char **token, struct err *e)
{
	const char *v = getenv("SALESMATE_TOKEN");
	char line[1024];
	struct stat st;
	FILE *fp;
	size_t n;
	int fd;

	*token = NULL;
	if (v == NULL || *v == '\0')
		v = getenv("GHLTERM_SALESMATE_KEY");
	if (v != NULL && *v != '\0') {
		*token = xstrdup(v);
		return 0;
	}
	if (cfg->sm_token_file == NULL || *cfg->sm_token_file == '\0')
		return err_set(e, ERR_AUTH, "no Salesmate token: set "
		    "SALESMATE_TOKEN or salesmate.token_file");
	fd = open(cfg->sm_token_file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ERR_AUTH, "Salesmate token file %s: %s",
		    cfg->sm_token_file, strerror(errno));
	if (fstat(fd, &st) != 0 || (st.st_mode & 077) != 0) {
		close(fd);
		return err_set(e, ERR_AUTH, "Salesmate token file %s is "
		    "readable by others (chmod 600 it)", cfg->sm_token_file);
	}
	fp = fdopen(fd, "r");
	if (fp == NULL) {
		close(fd);
		return err_set(e, ERR_IO, "Salesmate token file %s: %s",
		    cfg->sm_token_file, strerror(errno));
	}
	if (fgets(line, sizeof line, fp) == NULL)
		line[0] = '\0';
	fclose(fp);
	n = strlen(line);
	while (n > 0 && isspace((unsigned char)line[n - 1]))
		line[--n] = '\0';
	if (n == 0)
		return err_set(e, ERR_AUTH, "Salesmate token file %s is empty",
		    cfg->sm_token_file);
	*token = xstrdup(line);
	explicit_bzero(line, sizeof line);
	return 0;
}
