/*
 * http_fake.h: a scripted HTTP transport for unit tests (tests/fake).
 * Replies are queued in order (status + header block + body, or a
 * transport error such as a timeout); when the queue is empty an optional
 * responder function answers.  Every request is recorded (method, url,
 * headers, body, and the time from an optional clock) for assertions.
 */
#ifndef GHL_HTTP_FAKE_H
#define GHL_HTTP_FAKE_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

struct http_fake;

struct http_fake_seen {
	char	 *method;
	char	 *url;
	char	**headers;	/* NULL-terminated copies */
	char	 *body;		/* NULL when the request had none */
	size_t	  body_len;
	int64_t	  at_ms;	/* from the clock, 0 without one */
	int	  batch;	/* request_many call number, 0 for request */
};

typedef int (*http_fake_responder)(void *arg, const struct http_req *,
    struct http_resp *, struct err *);

/* A transport backed by a new fake (*fake is borrowed; http_free frees it). */
struct http	*http_fake_new(struct http_fake **fake);
/* Queue a reply; headers ("Name: v\r\n"...) and body may be NULL. */
void		 http_fake_push(struct http_fake *, int status,
		    const char *headers, const char *body);
/* Queue a body of len bytes (may hold anything). */
void		 http_fake_push_raw(struct http_fake *, int status,
		    const char *headers, const char *body, size_t len);
/* Queue a transport failure: rc (ERR_NET...) with message msg. */
void		 http_fake_push_error(struct http_fake *, int rc,
		    const char *msg);
/* Answer with fn once the queue is empty (else ERR_NET "no reply"). */
void		 http_fake_set_responder(struct http_fake *,
		    http_fake_responder fn, void *arg);
/* Time stamp each request with fn(arg). */
void		 http_fake_set_clock(struct http_fake *,
		    int64_t (*fn)(void *), void *arg);
/* Requests seen so far, and the i-th (borrowed until reset). */
size_t		 http_fake_count(const struct http_fake *);
const struct http_fake_seen *http_fake_seen(const struct http_fake *,
		    size_t i);
/* Value of header name in the i-th request (borrowed), or NULL. */
const char	*http_fake_header(const struct http_fake *, size_t i,
		    const char *name);
/* Replies still queued. */
size_t		 http_fake_pending(const struct http_fake *);
/* Forget requests and queued replies. */
void		 http_fake_reset(struct http_fake *);

#endif
