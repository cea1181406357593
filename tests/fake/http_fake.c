/*
 * http_fake.c: the scripted transport of http_fake.h.
 */
#include "config.h"
#include "http_fake.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xmalloc.h"

struct reply {
	int	 status;
	int	 rc;
	char	*headers;
	char	*body;
	size_t	 len;
};

struct http_fake {
	struct reply		*q;
	size_t			 nq, head;
	struct http_fake_seen	*seen;
	size_t			 nseen;
	http_fake_responder	 responder;
	void			*responder_arg;
	int64_t			(*clock)(void *);
	void			*clock_arg;
	int			 batches;
	int			 cur_batch;
};

static void
push(struct http_fake *f, struct reply r)
{
	f->q = xreallocarray(f->q, f->nq + 1, sizeof *f->q);
	f->q[f->nq++] = r;
}

void
http_fake_push_raw(struct http_fake *f, int status, const char *headers,
    const char *body, size_t len)
{
	struct reply r = { .status = status,
	    .headers = xstrdup0(headers), .len = len };

	if (body != NULL) {
		r.body = xmalloc(len + 1);
		memcpy(r.body, body, len);
		r.body[len] = '\0';
	}
	push(f, r);
}

void
http_fake_push(struct http_fake *f, int status, const char *headers,
    const char *body)
{
	http_fake_push_raw(f, status, headers, body,
	    body != NULL ? strlen(body) : 0);
}

void
http_fake_push_error(struct http_fake *f, int rc, const char *msg)
{
	struct reply r = { .rc = rc, .body = xstrdup(msg) };

	push(f, r);
}

void
http_fake_set_responder(struct http_fake *f, http_fake_responder fn,
    void *arg)
{
	f->responder = fn;
	f->responder_arg = arg;
}

void
http_fake_set_clock(struct http_fake *f, int64_t (*fn)(void *), void *arg)
{
	f->clock = fn;
	f->clock_arg = arg;
}

static void
record(struct http_fake *f, const struct http_req *req)
{
	struct http_fake_seen *s;
	size_t n = 0;

	f->seen = xreallocarray(f->seen, f->nseen + 1, sizeof *f->seen);
	s = &f->seen[f->nseen++];
	memset(s, 0, sizeof *s);
	s->method = xstrdup(req->method);
	s->url = xstrdup(req->url);
	while (req->headers != NULL && req->headers[n] != NULL)
		n++;
	s->headers = xcalloc(n + 1, sizeof *s->headers);
	for (size_t i = 0; i < n; i++)
		s->headers[i] = xstrdup(req->headers[i]);
	if (req->body != NULL) {
		s->body = xmalloc(req->body_len + 1);
		memcpy(s->body, req->body, req->body_len);
		s->body[req->body_len] = '\0';
		s->body_len = req->body_len;
	}
	s->at_ms = f->clock != NULL ? f->clock(f->clock_arg) : 0;
	s->batch = f->cur_batch;
}

static int
fake_request(void *impl, const struct http_req *req, struct http_resp *resp,
    struct err *e)
{
	struct http_fake *f = impl;
	struct reply *r;
	char path[256];

	err_clear(e);
	http_resp_reset(resp);
	record(f, req);
	http_url_path(req->url, path, sizeof path);
	if (f->head == f->nq) {
		if (f->responder != NULL)
			return f->responder(f->responder_arg, req, resp, e);
		return err_set(e, ERR_NET, "%s %s: fake: no scripted reply",
		    req->method, path);
	}
	r = &f->q[f->head++];
	if (r->rc != 0)
		return err_set(e, r->rc, "%s %s: %s", req->method, path,
		    r->body);
	resp->status = r->status;
	resp->headers = xstrdup0(r->headers);
	resp->seconds = 0.001;
	if (r->body != NULL && buf_append(&resp->body, r->body, r->len) != 0) {
		resp->status = 0;
		return err_set(e, ERR_PARSE, "%s %s: response body over 32 MB",
		    req->method, path);
	}
	return 0;
}

static int
fake_request_many(void *impl, const struct http_req *reqs,
    struct http_resp *resps, struct err *errs, size_t n)
{
	struct http_fake *f = impl;
	int first = 0;

	f->cur_batch = ++f->batches;
	for (size_t i = 0; i < n; i++) {
		int rc = fake_request(impl, &reqs[i], &resps[i], &errs[i]);

		if (rc != 0 && first == 0)
			first = rc;
	}
	f->cur_batch = 0;
	return first;
}

void
http_fake_reset(struct http_fake *f)
{
	for (size_t i = 0; i < f->nq; i++) {
		free(f->q[i].headers);
		free(f->q[i].body);
	}
	free(f->q);
	f->q = NULL;
	f->nq = f->head = 0;
	for (size_t i = 0; i < f->nseen; i++) {
		struct http_fake_seen *s = &f->seen[i];

		free(s->method);
		free(s->url);
		for (size_t j = 0; s->headers[j] != NULL; j++)
			free(s->headers[j]);
		free(s->headers);
		free(s->body);
	}
	free(f->seen);
	f->seen = NULL;
	f->nseen = 0;
}

static void
fake_free(void *impl)
{
	struct http_fake *f = impl;

	http_fake_reset(f);
	free(f);
}

static const struct http_ops fake_ops = {
	.request = fake_request,
	.request_many = fake_request_many,
	.free = fake_free,
};

struct http *
http_fake_new(struct http_fake **fake)
{
	struct http *h = xcalloc(1, sizeof *h);
	struct http_fake *f = xcalloc(1, sizeof *f);

	h->ops = &fake_ops;
	h->impl = f;
	if (fake != NULL)
		*fake = f;
	return h;
}

size_t
http_fake_count(const struct http_fake *f)
{
	return f->nseen;
}

const struct http_fake_seen *
http_fake_seen(const struct http_fake *f, size_t i)
{
	return i < f->nseen ? &f->seen[i] : NULL;
}

const char *
http_fake_header(const struct http_fake *f, size_t i, const char *name)
{
	size_t nl = strlen(name);

	if (i >= f->nseen)
		return NULL;
	for (char **h = f->seen[i].headers; *h != NULL; h++) {
		if (strncasecmp(*h, name, nl) == 0 && (*h)[nl] == ':') {
			const char *v = *h + nl + 1;

			while (*v == ' ')
				v++;
			return v;
		}
	}
	return NULL;
}

size_t
http_fake_pending(const struct http_fake *f)
{
	return f->nq - f->head;
}
