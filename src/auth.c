/*
 * auth.c: token sources (a fixed token, or a private token file holding a
 * bare token or OAuth INI lines read with libinih), proactive and on-401
 * OAuth refresh, and the atomic write-back of a refreshed pair.
 */
#include "config.h"
#include "auth.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "buf.h"
#include "codec.h"
#include "http.h"
#include "urlenc.h"
#include "xmalloc.h"

#define TOKEN_FILE_MAX	(64 * 1024)
/*
 * libinih is built with a 200-byte line buffer and OAuth tokens (JWTs)
 * are longer, so values of long lines are swapped for short references
 * ("\001N") before parsing and swapped back in the handler.
 */
#define LONG_LINE	120

struct auth {
	pthread_mutex_t	 lock;
	char		*path;		/* token file, or NULL */
	char		*access;
	char		*refresh;
	char		*client_id;
	char		*client_secret;
	time_t		 expires_at;	/* 0: unknown */
	char		**extra;	/* other "key = value" lines, kept */
	size_t		 nextra;
	unsigned	 gen;
};

static struct auth *
auth_alloc(void)
{
	struct auth *a = xcalloc(1, sizeof *a);

	pthread_mutex_init(&a->lock, NULL);
	return a;
}

void
auth_free(struct auth *a)
{
	if (a == NULL)
		return;
	pthread_mutex_destroy(&a->lock);
	free(a->path);
	free(a->access);
	free(a->refresh);
	free(a->client_id);
	free(a->client_secret);
	for (size_t i = 0; i < a->nextra; i++)
		free(a->extra[i]);
	free(a->extra);
	free(a);
}

/* The trimmed token of s, or NULL when empty or holding blanks inside. */
static char *
bare_token(const char *s, size_t len)
{
	const char *e = s + len;

	while (s < e && isspace((unsigned char)*s))
		s++;
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	if (s == e)
		return NULL;
	for (const char *p = s; p < e; p++)
		if (isspace((unsigned char)*p) || !isprint((unsigned char)*p))
			return NULL;
	return xstrndup(s, (size_t)(e - s));
}

int
auth_new_token(struct auth **out, const char *token, struct err *e)
{
	char *t;

	*out = NULL;
	t = token != NULL ? bare_token(token, strlen(token)) : NULL;
	if (t == NULL)
		return err_set(e, ERR_AUTH,
		    "token is empty or contains blanks");
	*out = auth_alloc();
	(*out)->access = t;
	return 0;
}

struct ini_ctx {
	struct auth	 *a;
	char		**longv;	/* values swapped out of long lines */
	size_t		  nlong;
	int		  bad;
};

static int
on_ini(void *arg, const char *section, const char *name, const char *value)
{
	struct ini_ctx *c = arg;
	struct auth *a = c->a;
	char **slot = NULL;

	if (value[0] == '\001') {
		char *end;
		unsigned long i = strtoul(value + 1, &end, 10);

		if (*end != '\0' || i >= c->nlong) {
			c->bad = 1;
			return 0;
		}
		value = c->longv[i];
	}
	if (strcmp(name, "access_token") == 0)
		slot = &a->access;
	else if (strcmp(name, "refresh_token") == 0)
		slot = &a->refresh;
	else if (strcmp(name, "client_id") == 0)
		slot = &a->client_id;
	else if (strcmp(name, "client_secret") == 0)
		slot = &a->client_secret;
	if (slot != NULL) {
		free(*slot);
		*slot = value[0] != '\0' ? xstrdup(value) : NULL;
		return 1;
	}
	if (strcmp(name, "expires_at") == 0) {
		char *end;
		long long v = strtoll(value, &end, 10);

		if (*end != '\0' || v < 0) {
			c->bad = 1;
			return 0;
		}
		a->expires_at = (time_t)v;
		return 1;
	}
	a->extra = xreallocarray(a->extra, a->nextra + 1, sizeof *a->extra);
	a->extra[a->nextra++] = xasprintf("%s = %s", name, value);
	return 1;
}

/* Does the text look like INI (some line has a "key =" or a section)? */
static int
looks_ini(const char *s)
{
	for (const char *l = s; l != NULL && *l != '\0';) {
		const char *p = l;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '[')
			return 1;
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (p > l && (*p == '=' || *p == ':'))
			return 1;
		l = strchr(l, '\n');
		if (l != NULL)
			l++;
	}
	return 0;
}

/* Parse INI text into a; returns the inih result (0 = fine). */
static int
parse_ini(struct auth *a, const char *text)
{
	struct ini_ctx c = { .a = a };
	struct buf b;
	const char *l = text;
	int rc;

	buf_init(&b, 0);
	while (*l != '\0') {
		const char *eol = strchr(l, '\n');
		size_t len;
		const char *eq;

		if (eol == NULL)
			eol = l + strlen(l);
		len = (size_t)(eol - l);
		eq = memchr(l, '=', len);
		if (eq == NULL)
			eq = memchr(l, ':', len);
		if (len >= LONG_LINE && eq != NULL) {
			const char *v = eq + 1, *ve = eol;

			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && isspace((unsigned char)ve[-1]))
				ve--;
			c.longv = xreallocarray(c.longv, c.nlong + 1,
			    sizeof *c.longv);
			c.longv[c.nlong] = xstrndup(v, (size_t)(ve - v));
			buf_append(&b, l, (size_t)(eq - l));
			buf_printf(&b, "=\001%zu\n", c.nlong);
			c.nlong++;
		} else {
			buf_append(&b, l, len);
			buf_putc(&b, '\n');
		}
		l = *eol != '\0' ? eol + 1 : eol;
	}
	rc = ini_parse_string(buf_str(&b), on_ini, &c);
	if (rc == 0 && c.bad)
		rc = -2;
	for (size_t i = 0; i < c.nlong; i++)
		free(c.longv[i]);
	free(c.longv);
	buf_free(&b);
	return rc;
}

int
auth_load_file(struct auth **out, const char *path, struct err *e)
{
	struct auth *a = NULL;
	struct stat st;
	struct buf b;
	char chunk[4096];
	int fd, rc = 0;

	*out = NULL;
	buf_init(&b, TOKEN_FILE_MAX);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ERR_IO, "token file %s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = err_set(e, ERR_IO, "token file %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = err_set(e, ERR_IO, "token file %s: not a regular file",
		    path);
		goto out;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		rc = err_set(e, ERR_AUTH, "token file %s is readable by "
		    "others (mode %04o); run: chmod 600 %s", path,
		    (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = err_set(e, ERR_IO, "token file %s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (buf_append(&b, chunk, (size_t)n) != 0) {
			rc = err_set(e, ERR_AUTH, "token file %s: larger "
			    "than %d bytes", path, TOKEN_FILE_MAX);
			goto out;
		}
	}
	if (memchr(buf_str(&b), '\0', b.len) != NULL) {
		rc = err_set(e, ERR_AUTH, "token file %s: not a text file",
		    path);
		goto out;
	}
	a = auth_alloc();
	a->path = xstrdup(path);
	if (looks_ini(buf_str(&b))) {
		int line = parse_ini(a, buf_str(&b));

		char *t;

		if (line > 0) {
			rc = err_set(e, ERR_AUTH, "token file %s: syntax "
			    "error on line %d", path, line);
			goto out;
		}
		if (line != 0) {
			rc = err_set(e, ERR_AUTH, "token file %s: bad "
			    "expires_at (want unix seconds)", path);
			goto out;
		}
		if (a->access == NULL) {
			rc = err_set(e, ERR_AUTH,
			    "token file %s: no access_token", path);
			goto out;
		}
		t = bare_token(a->access, strlen(a->access));
		if (t == NULL) {
			rc = err_set(e, ERR_AUTH, "token file %s: "
			    "access_token contains blanks", path);
			goto out;
		}
		free(a->access);
		a->access = t;
	} else {
		a->access = bare_token(buf_str(&b), b.len);
		if (a->access == NULL) {
			rc = err_set(e, ERR_AUTH, "token file %s: no token "
			    "(expected one token, or access_token = ... lines)",
			    path);
			goto out;
		}
	}
out:
	close(fd);
	buf_free(&b);
	if (rc != 0) {
		auth_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

int
auth_can_refresh(const struct auth *a)
{
	return a->refresh != NULL && a->client_id != NULL &&
	    a->client_secret != NULL;
}

time_t
auth_expires_at(const struct auth *a)
{
	return a->expires_at;
}

char *
auth_header(struct auth *a, unsigned *gen)
{
	char *h;

	pthread_mutex_lock(&a->lock);
	h = xasprintf("Authorization: Bearer %s", a->access);
	if (gen != NULL)
		*gen = a->gen;
	pthread_mutex_unlock(&a->lock);
	return h;
}

int
auth_expiring(struct auth *a, time_t now)
{
	int yes;

	pthread_mutex_lock(&a->lock);
	yes = auth_can_refresh(a) && a->expires_at != 0 &&
	    a->expires_at - now <= 30;
	pthread_mutex_unlock(&a->lock);
	return yes;
}

static void
form_field(struct buf *b, const char *name, const char *value)
{
	if (b->len > 0)
		buf_putc(b, '&');
	buf_puts(b, name);
	buf_putc(b, '=');
	urlenc_buf(b, value);
}

/* Write a's pair to its file: temp + fsync + rename + dir fsync. */
static int
write_back(struct auth *a, struct err *e)
{
	char *dir, *tmp, *slash;
	struct buf b;
	size_t off = 0;
	int fd, dfd, rc = 0;

	dir = xstrdup(a->path);
	slash = strrchr(dir, '/');
	if (slash == NULL) {
		free(dir);
		dir = xstrdup(".");
	} else if (slash == dir) {
		slash[1] = '\0';
	} else {
		*slash = '\0';
	}
	tmp = xasprintf("%s/.ghlterm-token.XXXXXX", dir);
	buf_init(&b, 0);
	buf_puts(&b, "# ghlterm OAuth token; rewritten on every refresh\n");
	buf_printf(&b, "access_token = %s\n", a->access);
	if (a->refresh != NULL)
		buf_printf(&b, "refresh_token = %s\n", a->refresh);
	if (a->client_id != NULL)
		buf_printf(&b, "client_id = %s\n", a->client_id);
	if (a->client_secret != NULL)
		buf_printf(&b, "client_secret = %s\n", a->client_secret);
	if (a->expires_at != 0)
		buf_printf(&b, "expires_at = %lld\n",
		    (long long)a->expires_at);
	for (size_t i = 0; i < a->nextra; i++)
		buf_printf(&b, "%s\n", a->extra[i]);

	fd = mkstemp(tmp);
	if (fd < 0) {
		rc = err_set(e, ERR_IO, "token file %s: cannot create a "
		    "temporary file in %s: %s", a->path, dir, strerror(errno));
		goto out;
	}
	if (fchmod(fd, 0600) != 0)
		goto fail;
	while (off < b.len) {
		ssize_t w = write(fd, b.data + off, b.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, a->path) != 0)
		goto fail;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	goto out;
fail:
	rc = err_set(e, ERR_IO, "token file %s: cannot write the refreshed "
	    "token: %s", a->path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	/* The buffer held the token: clear it before it is freed. */
	if (b.data != NULL)
		memset(b.data, 0, b.cap);
	buf_free(&b);
	free(tmp);
	free(dir);
	return rc;
}

/*
 * Another process using the same token file may have refreshed already
 * (and so used up our refresh token): take its pair when the file holds a
 * different access token.  Called with a->lock held.  Returns 1 if taken.
 */
static int
adopt_file(struct auth *a)
{
	struct auth *f;
	int taken = 0;

	if (a->path == NULL || auth_load_file(&f, a->path, NULL) != 0)
		return 0;
	if (strcmp(f->access, a->access) != 0) {
		char *t;

#define SWAP(x) do { t = a->x; a->x = f->x; f->x = t; } while (0)
		SWAP(access);
		SWAP(refresh);
		SWAP(client_id);
		SWAP(client_secret);
#undef SWAP
		a->expires_at = f->expires_at;
		a->gen++;
		taken = 1;
	}
	auth_free(f);
	return taken;
}

int
auth_refresh(struct auth *a, struct http *h, const char *base_url,
    unsigned gen, time_t now, struct err *e)
{
	static const char *const headers[] = {
		"Content-Type: application/x-www-form-urlencoded",
		"Accept: application/json",
		NULL,
	};
	struct oauth_token tok;
	struct http_resp resp;
	struct http_req req;
	struct buf form;
	char *url, *fresh, msg[300];
	size_t blen;
	int rc = 0;

	memset(&tok, 0, sizeof tok);
	pthread_mutex_lock(&a->lock);
	if (a->gen != gen)
		goto unlock;	/* someone else refreshed meanwhile */
	if (!auth_can_refresh(a)) {
		rc = err_set(e, ERR_AUTH, "token cannot be refreshed "
		    "(need refresh_token, client_id and client_secret)");
		goto unlock;
	}
	if (adopt_file(a))
		goto unlock;	/* refreshed by another process */
	blen = strlen(base_url);
	while (blen > 0 && base_url[blen - 1] == '/')
		blen--;
	url = xasprintf("%.*s/oauth/token", (int)blen, base_url);
	buf_init(&form, 0);
	form_field(&form, "client_id", a->client_id);
	form_field(&form, "client_secret", a->client_secret);
	form_field(&form, "grant_type", "refresh_token");
	form_field(&form, "refresh_token", a->refresh);
	form_field(&form, "user_type", "Location");
	req = (struct http_req){ .method = "POST", .url = url,
	    .headers = headers, .body = buf_str(&form), .body_len = form.len };
	http_resp_init(&resp);
	rc = http_request(h, &req, &resp, e);
	memset(form.data, 0, form.cap);
	buf_free(&form);
	free(url);
	if (rc != 0)
		goto done;
	if (resp.status < 200 || resp.status > 299) {
		enum errcode code = ERR_AUTH;

		if (resp.status == 429)
			code = ERR_RATELIMIT;
		else if (resp.status >= 500 || resp.status < 400)
			code = ERR_HTTP;
		if (!codec_error_message(resp.body.data, resp.body.len, msg,
		    sizeof msg))
			snprintf(msg, sizeof msg, "%s", http_reason(resp.status));
		rc = err_set(e, code, "POST /oauth/token: %d %s%s%s",
		    resp.status, http_reason(resp.status),
		    strcmp(msg, http_reason(resp.status)) != 0 ? ": " : "",
		    strcmp(msg, http_reason(resp.status)) != 0 ? msg : "");
		if (e != NULL)
			e->http_status = resp.status;
		goto done;
	}
	rc = codec_oauth_token(resp.body.data, resp.body.len, &tok, e);
	if (rc != 0) {
		err_prefix(e, "POST /oauth/token");
		goto done;
	}
	fresh = bare_token(tok.access_token, strlen(tok.access_token));
	if (fresh == NULL) {
		rc = err_set(e, ERR_PARSE, "POST /oauth/token: the new "
		    "access_token is empty or contains blanks");
		goto done;
	}
	free(a->access);
	a->access = fresh;
	if (tok.refresh_token != NULL && tok.refresh_token[0] != '\0') {
		free(a->refresh);
		a->refresh = tok.refresh_token;
		tok.refresh_token = NULL;
	}
	a->expires_at = tok.expires_in > 0 ? now + tok.expires_in : 0;
	a->gen++;
	if (a->path != NULL)
		rc = write_back(a, e);
done:
	oauth_token_free(&tok);
	http_resp_free(&resp);
unlock:
	pthread_mutex_unlock(&a->lock);
	return rc;
}
