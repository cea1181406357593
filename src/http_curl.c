/*
 * http_curl.c: the libcurl transport behind struct http, plus the small
 * http_resp helpers every transport shares.  Every transfer, single or
 * parallel, runs on one multi handle so that all of them share its
 * connection cache (keep-alive, HTTP/2 multiplexing); easy handles are
 * pooled and reused across calls.
 */
#include "config.h"
#include "http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "xmalloc.h"

/* --- helpers shared by every transport --- */

void
http_resp_init(struct http_resp *r)
{
	r->status = 0;
	buf_init(&r->body, HTTP_BODY_MAX);
	r->headers = NULL;
	r->seconds = 0;
}

void
http_resp_free(struct http_resp *r)
{
	buf_free(&r->body);
	free(r->headers);
	r->headers = NULL;
	r->status = 0;
}

void
http_resp_reset(struct http_resp *r)
{
	r->status = 0;
	buf_reset(&r->body);
	free(r->headers);
	r->headers = NULL;
	r->seconds = 0;
}

char *
http_header_value(const char *block, const char *name)
{
	size_t nlen = strlen(name);

	if (block == NULL)
		return NULL;
	while (*block != '\0') {
		const char *eol = strchr(block, '\n');
		const char *v, *end;

		if (eol == NULL)
			eol = block + strlen(block);
		if ((size_t)(eol - block) > nlen &&
		    strncasecmp(block, name, nlen) == 0) {
			v = block + nlen;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			if (v < eol && *v == ':') {
				v++;
				while (v < eol && (*v == ' ' || *v == '\t'))
					v++;
				end = eol;
				while (end > v && (end[-1] == '\r' ||
				    end[-1] == ' ' || end[-1] == '\t'))
					end--;
				return xstrndup(v, (size_t)(end - v));
			}
		}
		block = *eol != '\0' ? eol + 1 : eol;
	}
	return NULL;
}

char *
http_resp_header(const struct http_resp *r, const char *name)
{
	return http_header_value(r->headers, name);
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

void
http_url_path(const char *url, char *out, size_t outlen)
{
	const char *p = strstr(url, "://");
	size_t n;

	p = p != NULL ? strchr(p + 3, '/') : strchr(url, '/');
	if (p == NULL)
		p = "/";
	n = strcspn(p, "?#");
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

int
http_request(struct http *h, const struct http_req *req,
    struct http_resp *resp, struct err *e)
{
	return h->ops->request(h->impl, req, resp, e);
}

int
http_request_many(struct http *h, const struct http_req *reqs,
    struct http_resp *resps, struct err *errs, size_t n)
{
	return h->ops->request_many(h->impl, reqs, resps, errs, n);
}

int
http_request_many_then(struct http *h, const struct http_req *reqs,
    struct http_resp *resps, struct err *errs, size_t n,
    void (*sent)(void *), void *arg)
{
	if (h->ops->request_many_then != NULL)
		return h->ops->request_many_then(h->impl, reqs, resps, errs,
		    n, sent, arg);
	if (sent != NULL)
		sent(arg);
	return h->ops->request_many(h->impl, reqs, resps, errs, n);
}

void
http_free(struct http *h)
{
	if (h == NULL)
		return;
	if (h->ops->free != NULL)
		h->ops->free(h->impl);
	free(h);
}

/* --- libcurl --- */

struct xfer {
	CURL			*easy;
	struct curl_slist	*hdrs;
	struct http_resp	*resp;
	struct buf		 hbuf;
	int			 overflow;
	int			 done;
	int			 plain_refused;	/* http:// to a remote address */
	CURLcode		 result;
	struct curl_impl	*impl;
	char			 errbuf[CURL_ERROR_SIZE];
	char			 peer[INET6_ADDRSTRLEN];
};

struct curl_impl {
	CURLM		 *multi;
	struct xfer	**pool;
	size_t		  npool;
	long		  connect_timeout_ms;
	long		  timeout_ms;
	atomic_bool	 *cancel;
	char		 *ca_file;
};

static int
canceled(const struct curl_impl *c)
{
	return c->cancel != NULL && atomic_load(c->cancel);
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;

	if (buf_append(&x->resp->body, p, n) != 0) {
		x->overflow = 1;
		return 0;
	}
	return n;
}

static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;

	/* A new status line starts a new header block (100, redirects). */
	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0)
		buf_reset(&x->hbuf);
	buf_append(&x->hbuf, p, n);	/* past the cap: dropped */
	return n;
}

static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	struct xfer *x = arg;

	return canceled(x->impl) ? 1 : 0;
}

static int
is_loopback(const struct sockaddr *sa)
{
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

	switch (sa->sa_family) {
	case AF_INET:
		return (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
	case AF_INET6:
		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) &&
		    in6->sin6_addr.s6_addr[12] == 127;
	default:
		return 0;
	}
}

/*
 * Plain http carries the token in the clear: it may only go to a
 * loopback address (the sandbox).  Checked on the address actually
 * connected to (a proxy's, if any), before the socket exists.
 */
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct xfer *x = arg;
	const void *ip = NULL;

	if (purpose == CURLSOCKTYPE_IPCXN && !is_loopback(&a->addr)) {
		if (a->addr.sa_family == AF_INET)
			ip = &((const struct sockaddr_in *)&a->addr)->sin_addr;
		else if (a->addr.sa_family == AF_INET6)
			ip = &((const struct sockaddr_in6 *)&a->addr)->sin6_addr;
		if (ip == NULL || inet_ntop(a->addr.sa_family, ip, x->peer,
		    sizeof x->peer) == NULL)
			snprintf(x->peer, sizeof x->peer, "%s", "?");
		x->plain_refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static void
setopt_or_die(CURLcode cc, const char *what)
{
	if (cc != CURLE_OK)
		fatalx("curl_easy_setopt %s: %s", what, curl_easy_strerror(cc));
}

#define SETOPT(h, opt, val) setopt_or_die(curl_easy_setopt(h, opt, val), #opt)

static void
xfer_setup(struct curl_impl *c, struct xfer *x, const struct http_req *req,
    struct http_resp *resp)
{
	CURL *h = x->easy;

	curl_easy_reset(h);
	x->resp = resp;
	http_resp_reset(resp);
	buf_reset(&x->hbuf);
	x->overflow = 0;
	x->plain_refused = 0;
	x->peer[0] = '\0';
	x->done = 0;
	x->result = CURLE_OK;
	x->errbuf[0] = '\0';
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	for (size_t i = 0; req->headers != NULL && req->headers[i] != NULL;
	    i++) {
		x->hdrs = curl_slist_append(x->hdrs, req->headers[i]);
		if (x->hdrs == NULL)
			fatalx("curl_slist_append: out of memory");
	}
	/* No "Expect: 100-continue" round trip for bodies. */
	x->hdrs = curl_slist_append(x->hdrs, "Expect:");
	if (x->hdrs == NULL)
		fatalx("curl_slist_append: out of memory");

	SETOPT(h, CURLOPT_URL, req->url);
	SETOPT(h, CURLOPT_PRIVATE, (void *)x);
	SETOPT(h, CURLOPT_ERRORBUFFER, x->errbuf);
	SETOPT(h, CURLOPT_NOSIGNAL, 1L);
	SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	SETOPT(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	SETOPT(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file != NULL)
		SETOPT(h, CURLOPT_CAINFO, c->ca_file);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SETOPT(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
	if (req->fresh)
		SETOPT(h, CURLOPT_FRESH_CONNECT, 1L);
	/*
	 * Parallel transfers share one HTTP/2 connection when it offers it.
	 * Only https can (HTTP/2 is negotiated by TLS): on plain http waiting
	 * for the first connection would only serialise the first response
	 * and the rest (a contact's four reads took two round trips).
	 */
	if (strncasecmp(req->url, "https:", 6) == 0) {
		SETOPT(h, CURLOPT_PIPEWAIT, 1L);
	} else {
		SETOPT(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
		SETOPT(h, CURLOPT_OPENSOCKETDATA, (void *)x);
	}
	SETOPT(h, CURLOPT_ACCEPT_ENCODING, "");
	SETOPT(h, CURLOPT_USERAGENT, "ghlterm/" PACKAGE_VERSION);
	SETOPT(h, CURLOPT_HTTPHEADER, x->hdrs);
	SETOPT(h, CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(h, CURLOPT_WRITEDATA, (void *)x);
	SETOPT(h, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(h, CURLOPT_HEADERDATA, (void *)x);
	SETOPT(h, CURLOPT_NOPROGRESS, 0L);
	SETOPT(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	SETOPT(h, CURLOPT_XFERINFODATA, (void *)x);

	/*
	 * A Content-Length over the cap fails at once, before the body is
	 * downloaded only to be thrown away; a body that turns out longer
	 * than announced (or unannounced) is stopped by on_body.
	 */
	if (resp->body.max > 0 && strcmp(req->method, "HEAD") != 0)
		SETOPT(h, CURLOPT_MAXFILESIZE_LARGE,
		    (curl_off_t)resp->body.max);
	if (strcmp(req->method, "GET") == 0) {
		SETOPT(h, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(req->method, "HEAD") == 0) {
		SETOPT(h, CURLOPT_NOBODY, 1L);
	} else {
		if (req->body != NULL) {
			SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE,
			    (curl_off_t)req->body_len);
			SETOPT(h, CURLOPT_POSTFIELDS, req->body);
		} else if (strcmp(req->method, "DELETE") != 0) {
			SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
			SETOPT(h, CURLOPT_POSTFIELDS, "");
		}
		if (strcmp(req->method, "POST") != 0)
			SETOPT(h, CURLOPT_CUSTOMREQUEST, req->method);
	}
}

static void
human_size(size_t n, char *out, size_t outlen)
{
	if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
		snprintf(out, outlen, "%zu MB", n / (1024 * 1024));
	else
		snprintf(out, outlen, "%zu bytes", n);
}

/*
 * What a TLS failure means to a person ("TLS certificate refused for"
 * ...), or NULL when result is not one.  *refused: the certificate was
 * checked and refused, so a retry would fail the same way.
 */
static const char *
tls_failure(CURLcode result, int *refused)
{
	*refused = 0;
	switch (result) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		*refused = 1;
		return "TLS certificate refused for";
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
		*refused = 1;
		return "TLS: cannot verify";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_SHUTDOWN_FAILED:
		return "TLS handshake failed with";
	default:
		return NULL;
	}
}

/* "host[:port]" of url ("scheme://[user@]host[:port]/..."), truncated. */
static void
url_host(const char *url, char *out, size_t outlen)
{
	const char *p = strstr(url, "://"), *at;
	size_t n;

	p = p != NULL ? p + 3 : url;
	n = strcspn(p, "/?#");
	at = memchr(p, '@', n);
	if (at != NULL) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

static int
xfer_finish(struct curl_impl *c, struct xfer *x, const struct http_req *req,
    struct err *e)
{
	struct http_resp *resp = x->resp;
	char path[256], size[32], host[256];
	long code = 0;
	double secs = 0;
	const char *why, *tls;
	int refused;

	err_clear(e);
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(x->easy, CURLINFO_TOTAL_TIME, &secs);
	resp->seconds = secs;
	free(resp->headers);
	resp->headers = x->hbuf.len > 0 ? buf_take(&x->hbuf) : NULL;
	if (x->done && x->result == CURLE_OK) {
		resp->status = (int)code;
		return 0;
	}
	resp->status = 0;
	http_url_path(req->url, path, sizeof path);
	if (!x->done || x->result == CURLE_ABORTED_BY_CALLBACK)
		return err_set(e, ERR_CANCELED, "%s %s: canceled",
		    req->method, path);
	if (x->overflow || x->result == CURLE_FILESIZE_EXCEEDED) {
		human_size(resp->body.max, size, sizeof size);
		return err_set(e, ERR_PARSE, "%s %s: response body over %s",
		    req->method, path, size);
	}
	if (x->plain_refused) {
		url_host(req->url, host, sizeof host);
		err_set(e, ERR_NET, "%s %s: refusing plain http to %s (%s is "
		    "not loopback): the token would travel unencrypted; use "
		    "https://", req->method, path, host, x->peer);
		if (e != NULL)
			e->no_retry = 1;
		return ERR_NET;
	}
	why = x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(x->result);
	tls = tls_failure(x->result, &refused);
	if (tls != NULL) {
		url_host(req->url, host, sizeof host);
		err_set(e, ERR_NET, "%s %s: %s %s: %s", req->method, path,
		    tls, host, why);
		if (e != NULL)
			e->no_retry = refused;
		return ERR_NET;
	}
	return err_set(e, ERR_NET, "%s %s: %s", req->method, path, why);
}

static struct xfer *
xfer_new(struct curl_impl *c)
{
	struct xfer *x = xcalloc(1, sizeof *x);

	x->easy = curl_easy_init();
	if (x->easy == NULL)
		fatalx("curl_easy_init failed");
	buf_init(&x->hbuf, HTTP_HEADERS_MAX);
	x->impl = c;
	return x;
}

static void
xfer_free(struct xfer *x)
{
	curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->hdrs);
	buf_free(&x->hbuf);
	free(x);
}

/* Whether every transfer has sent its request (or ended). */
static int
all_sent(struct curl_impl *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		curl_off_t size = 0;

		if (c->pool[i]->done)
			continue;
		if (curl_easy_getinfo(c->pool[i]->easy, CURLINFO_REQUEST_SIZE,
		    &size) != CURLE_OK || size <= 0)
			return 0;
	}
	return 1;
}

static int
curl_request_many_then(void *impl, const struct http_req *reqs,
    struct http_resp *resps, struct err *errs, size_t n,
    void (*sent)(void *), void *arg)
{
	struct curl_impl *c = impl;
	int first = 0, running = 0;
	CURLMcode mc = CURLM_OK;

	if (n > c->npool) {
		c->pool = xreallocarray(c->pool, n, sizeof *c->pool);
		while (c->npool < n)
			c->pool[c->npool++] = xfer_new(c);
	}
	for (size_t i = 0; i < n; i++) {
		xfer_setup(c, c->pool[i], &reqs[i], &resps[i]);
		if (canceled(c))
			continue;
		mc = curl_multi_add_handle(c->multi, c->pool[i]->easy);
		if (mc != CURLM_OK)
			fatalx("curl_multi_add_handle: %s",
			    curl_multi_strerror(mc));
	}
	for (;;) {
		CURLMsg *msg;
		int left;

		if (canceled(c))
			break;
		mc = curl_multi_perform(c->multi, &running);
		if (mc != CURLM_OK)
			break;
		for (;;) {
			struct xfer *x = NULL;

			msg = curl_multi_info_read(c->multi, &left);
			if (msg == NULL)
				break;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&x);
			x->done = 1;
			x->result = msg->data.result;
		}
		if (running == 0)
			break;
		if (sent != NULL && all_sent(c, n)) {
			/* The caller's work while the responses travel. */
			sent(arg);
			sent = NULL;
			continue;
		}
		mc = curl_multi_poll(c->multi, NULL, 0, 100, NULL);
		if (mc != CURLM_OK)
			break;
	}
	for (size_t i = 0; i < n; i++) {
		struct xfer *x = c->pool[i];
		int rc;

		curl_multi_remove_handle(c->multi, x->easy);
		if (!x->done && mc != CURLM_OK && !canceled(c)) {
			x->done = 1;
			x->result = CURLE_RECV_ERROR;
			snprintf(x->errbuf, sizeof x->errbuf, "%s",
			    curl_multi_strerror(mc));
		}
		rc = xfer_finish(c, x, &reqs[i], &errs[i]);
		if (rc != 0 && first == 0)
			first = rc;
	}
	if (sent != NULL)
		sent(arg);
	return first;
}

static int
curl_request_many(void *impl, const struct http_req *reqs,
    struct http_resp *resps, struct err *errs, size_t n)
{
	return curl_request_many_then(impl, reqs, resps, errs, n, NULL,
	    NULL);
}

static int
curl_request(void *impl, const struct http_req *req, struct http_resp *resp,
    struct err *e)
{
	return curl_request_many(impl, req, resp, e, 1);
}

static void
curl_impl_free(void *impl)
{
	struct curl_impl *c = impl;

	for (size_t i = 0; i < c->npool; i++)
		xfer_free(c->pool[i]);
	free(c->pool);
	curl_multi_cleanup(c->multi);
	free(c->ca_file);
	free(c);
}

static const struct http_ops curl_ops = {
	.request = curl_request,
	.request_many = curl_request_many,
	.request_many_then = curl_request_many_then,
	.free = curl_impl_free,
};

struct http *
http_curl_new(const struct http_curl_opts *o)
{
	struct curl_impl *c = xcalloc(1, sizeof *c);
	struct http *h = xcalloc(1, sizeof *h);

	c->multi = curl_multi_init();
	if (c->multi == NULL)
		fatalx("curl_multi_init failed");
	curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	c->connect_timeout_ms = o != NULL && o->connect_timeout_ms > 0 ?
	    o->connect_timeout_ms : 10000;
	c->timeout_ms = o != NULL && o->timeout_ms > 0 ? o->timeout_ms : 30000;
	c->cancel = o != NULL ? o->cancel : NULL;
	c->ca_file = o != NULL ? xstrdup0(o->ca_file) : NULL;
	h->ops = &curl_ops;
	h->impl = c;
	return h;
}
