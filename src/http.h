/*
 * http.h: the HTTP transport interface (isync driver.h style).  The API
 * client talks only to a struct http; http_curl.c implements it with
 * libcurl and tests/fake/http_fake.c with scripted replies, so every layer
 * above can be tested without a network.
 */
#ifndef GHL_HTTP_H
#define GHL_HTTP_H

#include <stdatomic.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * Response bodies over this fail with ERR_PARSE "response body over 32 MB";
 * the API client turns that into ERR_TOOBIG (permanent: never retried).
 */
#define HTTP_BODY_MAX ((size_t)32 * 1024 * 1024)
/* The raw header block is capped too (headers are small). */
#define HTTP_HEADERS_MAX ((size_t)256 * 1024)

struct http_req {
	const char		 *method;	/* "GET", "POST", "PUT", "DELETE" */
	const char		 *url;		/* absolute, already encoded */
	const char *const	 *headers;	/* "Name: value", NULL-terminated; may be NULL */
	const char		 *body;		/* may be NULL (no body) */
	size_t			  body_len;
	/*
	 * Send on a new connection.  libcurl silently re-sends a request
	 * whose reused connection died before any reply; for a create that
	 * could apply it twice, so non-idempotent requests set this.
	 */
	int			  fresh;
};

struct http_resp {
	int		 status;	/* 0 until a status line arrived */
	struct buf	 body;		/* capped at HTTP_BODY_MAX */
	char		*headers;	/* raw header block of the final response, or NULL */
	double		 seconds;	/* total time of the transfer */
};

struct http_ops {
	/*
	 * One request.  resp must have been http_resp_init'ed; it is filled
	 * (previous contents replaced).  Returns 0 when a response arrived
	 * (any status), else ERR_NET (connect/DNS/TLS/timeout/reset, message
	 * "METHOD /path: what failed"; TLS failures name the host, and a
	 * refused certificate sets e->no_retry), ERR_CANCELED or ERR_PARSE
	 * (body over the cap).
	 */
	int	(*request)(void *impl, const struct http_req *,
		    struct http_resp *, struct err *);
	/*
	 * n requests in parallel; resp[i] and err[i] as for request.
	 * Returns 0 when every one got a response, else the code of the
	 * first (by index) that did not.
	 */
	int	(*request_many)(void *impl, const struct http_req *,
		    struct http_resp *, struct err *, size_t n);
	/*
	 * request_many that calls sent(arg) once, on this thread, as soon
	 * as every request has gone out, while the responses are on their
	 * way (at the latest before returning).  May be NULL (then
	 * http_request_many_then calls sent before request_many).
	 */
	int	(*request_many_then)(void *impl, const struct http_req *,
		    struct http_resp *, struct err *, size_t n,
		    void (*sent)(void *), void *arg);
	void	(*free)(void *impl);
};

struct http {
	const struct http_ops	*ops;
	void			*impl;
};

struct http_curl_opts {
	long		 connect_timeout_ms;	/* 0: 10 s */
	long		 timeout_ms;		/* whole transfer; 0: 30 s */
	atomic_bool	*cancel;		/* may be NULL; borrowed */
	const char	*ca_file;		/* extra CA bundle (tests); may be NULL */
};

/*
 * A libcurl transport: keep-alive, HTTP/2 over TLS where offered, TLS
 * peer and host verification always on (nothing turns it off; ca_file
 * only chooses the CAs trusted), plain http only to loopback addresses
 * (else ERR_NET with no_retry, before connecting), User-Agent
 * ghlterm/VERSION.
 * curl_global_init must have been called (by main).  The transport may be
 * used by one thread at a time.  Caller frees with http_free.
 */
struct http	*http_curl_new(const struct http_curl_opts *);
/* Free a transport made by any constructor; NULL is a no-op. */
void		 http_free(struct http *);
/* Shorthands for h->ops->request / request_many. */
int		 http_request(struct http *, const struct http_req *,
		    struct http_resp *, struct err *);
int		 http_request_many(struct http *, const struct http_req *,
		    struct http_resp *, struct err *, size_t n);
int		 http_request_many_then(struct http *,
		    const struct http_req *, struct http_resp *, struct err *,
		    size_t n, void (*sent)(void *), void *arg);

/* Empty response with the body cap set.  Pair with http_resp_free. */
void		 http_resp_init(struct http_resp *);
void		 http_resp_free(struct http_resp *);
/* Clear status, body and headers for reuse. */
void		 http_resp_reset(struct http_resp *);
/*
 * Value of header name (case-insensitive, blanks trimmed) in resp's raw
 * block: a new string the caller frees, or NULL when absent.
 */
char		*http_resp_header(const struct http_resp *, const char *name);
/* Same lookup in a raw header block (NULL allowed). */
char		*http_header_value(const char *block, const char *name);
/* "Not Found" for 404, "" for codes it does not know.  Static string. */
const char	*http_reason(int status);
/* The path of url (from the first "/" after "scheme://host"), without
 * query or fragment, into out (truncated).  "/" when there is none. */
void		 http_url_path(const char *url, char *out, size_t outlen);

#endif
