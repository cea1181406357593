/*
 * listen.c: the webhook receiver (see listen.h).  One thread: a poll()
 * loop over libmicrohttpd's epoll descriptor, a signal self-pipe and the
 * worker's event pipe.  Requests are answered from the cache write alone
 * (milliseconds); background syncs go to the worker, never inline.
 */
#include "config.h"
#include "listen.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <ini.h>
#include <microhttpd.h>

#include "alert.h"
#include "autotag.h"
#include "buf.h"
#include "cache.h"
#include "cache_live.h"
#include "codec.h"
#include "conf.h"
#include "log.h"
#include "model.h"
#include "whsig.h"
#include "xmalloc.h"

#define PROG "ghlterm"
/* webhookIds are kept well past the 5-minute timestamp window. */
#define LISTEN_KEEP_IDS_MS (24LL * 3600 * 1000)

struct listen {
	const struct conf	*cfg;
	struct cache		*cache;
	struct whsig		*sig;
	size_t			 max_body;
	listen_job_fn		 job_fn;
	void			*job_arg;
	struct listen_stats	 st;
};

/* ---- configuration ---- */

struct ini_ctx {
	struct listen_opts	*o;
	char			***strs;
	size_t			*nstrs;
	char			 err[256];
};

static const char *
keep(struct ini_ctx *x, const char *v)
{
	char *s = xstrdup(v);

	*x->strs = xreallocarray(*x->strs, *x->nstrs + 1, sizeof **x->strs);
	(*x->strs)[(*x->nstrs)++] = s;
	return s;
}

static int
on_ini(void *arg, const char *section, const char *name, const char *value)
{
	struct ini_ctx *x = arg;
	struct listen_opts *o = x->o;
	long n;

	if (strcmp(section, "webhook") != 0)
		return 1;
	if (value == NULL || *value == '\0') {
		snprintf(x->err, sizeof x->err, "%s is empty", name);
		return 0;
	}
	if (strcmp(name, "listen") == 0) {
		if (o->listen_addr == NULL)
			o->listen_addr = keep(x, value);
	} else if (strcmp(name, "rsa_public_key") == 0) {
		if (o->rsa_key == NULL)
			o->rsa_key = keep(x, value);
	} else if (strcmp(name, "ed25519_public_key") == 0) {
		if (o->ed25519_key == NULL)
			o->ed25519_key = keep(x, value);
	} else if (strcmp(name, "max_body") == 0) {
		if (conf_parse_long(value, 1024, 64L * 1024 * 1024, &n)) {
			snprintf(x->err, sizeof x->err, "max_body wants a "
			    "number of bytes from 1024 to 67108864, got '%s'",
			    value);
			return 0;
		}
		if (o->max_body == 0)
			o->max_body = (size_t)n;
	} else {
		snprintf(x->err, sizeof x->err, "unknown key '%s' in "
		    "[webhook]", name);
		return 0;
	}
	return 1;
}

int
listen_read_config(struct listen_opts *o, const char *path, char ***strs,
    size_t *nstrs, struct err *e)
{
	struct ini_ctx x;
	int line;

	if (path == NULL)
		return 0;
	memset(&x, 0, sizeof x);
	x.o = o;
	x.strs = strs;
	x.nstrs = nstrs;
	line = ini_parse(path, on_ini, &x);
	if (line == -1)
		return err_set(e, ERR_IO, "%s: cannot open: %s", path,
		    strerror(errno));
	if (line != 0)
		return err_set(e, ERR_USAGE, "%s:%d: %s", path, line,
		    x.err[0] != '\0' ? x.err : "syntax error");
	return 0;
}

/* ---- the receiver's core ---- */

int
listen_open(struct listen **lp, const struct conf *cfg,
    const struct listen_opts *o, struct err *e)
{
	struct listen *l;
	int rc = 0;

	*lp = NULL;
	l = xcalloc(1, sizeof *l);
	l->cfg = cfg;
	l->max_body = o->max_body > 0 ? o->max_body : LISTEN_DEFAULT_MAX_BODY;
	l->sig = whsig_new();
	if (o->rsa_key != NULL)
		rc = whsig_load_key(l->sig, WHSIG_RSA, o->rsa_key, e);
	if (rc == 0 && o->ed25519_key != NULL)
		rc = whsig_load_key(l->sig, WHSIG_ED25519, o->ed25519_key, e);
	if (rc == 0)
		rc = cache_open(&l->cache, cfg->cache_path, e);
	if (rc == 0)
		rc = cache_live_init(l->cache, e);
	if (rc) {
		listen_close(l);
		return rc;
	}
	*lp = l;
	return 0;
}

void
listen_close(struct listen *l)
{
	if (l == NULL)
		return;
	cache_close(l->cache);
	whsig_free(l->sig);
	free(l);
}

void
listen_set_jobs(struct listen *l, listen_job_fn fn, void *arg)
{
	l->job_fn = fn;
	l->job_arg = arg;
}

void
listen_get_stats(const struct listen *l, struct listen_stats *out)
{
	*out = l->st;
}

static void
job(struct listen *l, enum job_kind kind, const char *id)
{
	if (kind == JOB_SYNC_ONE)
		l->st.syncs++;
	if (l->job_fn != NULL)
		l->job_fn(l->job_arg, kind, id);
}

static int
digits(const char *s, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/*
 * An ISO-8601 time ("2025-10-02T16:38:12.004Z", "...+02:00", no zone =
 * UTC) or a number of seconds or milliseconds since the epoch, into unix
 * ms.  -1 when it is neither.
 */
static int
parse_time(const char *s, long long *ms)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, oh, om, frac = 0, fd = 0;
	long long v = 0;
	time_t t;
	const char *p;

	if (*s != '\0' && strspn(s, "0123456789") == strlen(s)) {
		if (strlen(s) > 15)
			return -1;
		for (p = s; *p != '\0'; p++)
			v = v * 10 + (*p - '0');
		*ms = v >= 100000000000LL ? v : v * 1000;
		return 0;
	}
	if (strlen(s) < 19 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++)
			if (fd < 3) {
				frac = frac * 10 + (*p - '0');
				fd++;
			}
		while (fd < 3) {
			frac *= 10;
			fd++;
		}
	}
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	v = (long long)t * 1000 + frac;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		if (digits(p + 1, 2, &oh) || (p[3] == ':' ?
		    digits(p + 4, 2, &om) : digits(p + 3, 2, &om)))
			return -1;
		v -= (*p == '+' ? 1 : -1) * ((long long)oh * 60 + om) * 60000;
		p += p[3] == ':' ? 6 : 5;
	}
	if (*p != '\0')
		return -1;
	*ms = v;
	return 0;
}

/* Applying one event.  Syncs wanted are collected and run after commit. */
struct apply {
	struct listen		*l;
	struct webhook_event	*ev;
	struct strv		 syncs;	/* contact ids to pull */
	const char		*autotag_for;	/* run the rules on it */
	struct err		*e;
};

static void
want_sync(struct apply *a, const char *contact_id)
{
	if (contact_id != NULL && !strv_contains_ci(&a->syncs, contact_id))
		strv_push(&a->syncs, contact_id);
}

/* 1 when contact id is in the cache and not deleted. */
static int
contact_known(struct listen *l, const char *id)
{
	int deleted = 0;

	return id != NULL && cache_has_contact(l->cache, id, &deleted) &&
	    !deleted;
}

static int
apply_contact(struct apply *a)
{
	struct webhook_event *ev = a->ev;
	struct contact old, merged_ct;
	char *merged = NULL;
	int rc;

	if (ev->is_delete)
		return cache_contact_mark_deleted(a->l->cache, ev->id, a->e);
	memset(&old, 0, sizeof old);
	memset(&merged_ct, 0, sizeof merged_ct);
	rc = cache_get_contact(a->l->cache, ev->id, &old, NULL, a->e);
	if (rc == ERR_NOTFOUND) {
		/* Unknown (or deleted): keep what the payload has, pull the
		 * whole contact in the background. */
		err_clear(a->e);
		want_sync(a, ev->id);
		return cache_put_contact(a->l->cache, &ev->contact, 0, a->e);
	}
	if (rc)
		return rc;
	if (old.raw != NULL && ev->contact.raw != NULL)
		merged = codec_merge(old.raw, ev->contact.raw);
	if (merged != NULL && codec_contact(merged, strlen(merged),
	    &merged_ct, a->e) == 0) {
		free(merged_ct.id);
		merged_ct.id = xstrdup(ev->id);
		rc = cache_put_contact(a->l->cache, &merged_ct, 0, a->e);
	} else {
		err_clear(a->e);
		rc = cache_put_contact(a->l->cache, &ev->contact, 0, a->e);
	}
	contact_free(&merged_ct);
	contact_free(&old);
	free(merged);
	return rc;
}

static int
apply_task(struct apply *a)
{
	struct webhook_event *ev = a->ev;
	struct task old, t;
	char *merged = NULL;
	int rc, have_old;

	if (ev->is_delete)
		return cache_delete_task(a->l->cache, ev->id, a->e);
	memset(&old, 0, sizeof old);
	memset(&t, 0, sizeof t);
	rc = cache_get_task(a->l->cache, ev->id, &old, a->e);
	if (rc && rc != ERR_NOTFOUND)
		return rc;
	err_clear(a->e);
	have_old = rc == 0;
	if (have_old && old.raw != NULL && ev->task.raw != NULL)
		merged = codec_merge(old.raw, ev->task.raw);
	if (merged != NULL) {
		rc = codec_task(merged, strlen(merged), &t, a->e);
	} else {
		rc = 0;
		t = ev->task;		/* borrowed; not freed below */
		memset(&ev->task, 0, sizeof ev->task);
		ev->task.completed = TRI_UNSET;
	}
	if (rc)
		goto out;
	if (t.contact_id == NULL)
		t.contact_id = xstrdup0(have_old ? old.contact_id :
		    ev->contact_id);
	if (t.contact_id == NULL) {
		/* Live TaskCreate may lack contactId (CONTRACT A17): nothing
		 * to attach it to and no contact to pull. */
		rc = err_set(a->e, ERR_INVALID, "task %s: no contactId and "
		    "not in the cache", ev->id);
		goto out;
	}
	rc = cache_put_task(a->l->cache, &t, a->e);
	if (rc)
		goto out;
	/* Task payloads carry no completed: the contact's pull tells. */
	if (t.completed == TRI_UNSET || !contact_known(a->l, t.contact_id))
		want_sync(a, t.contact_id);
	if (!contact_known(a->l, t.contact_id))
		goto out;
	free(ev->contact_id);
	ev->contact_id = xstrdup(t.contact_id);
	a->autotag_for = ev->contact_id;
out:
	task_free(&t);
	task_free(&old);
	free(merged);
	return rc;
}

static int
apply_note(struct apply *a)
{
	struct webhook_event *ev = a->ev;
	struct note old, n;
	char *merged = NULL;
	int rc, have_old;

	if (ev->is_delete)
		return cache_delete_note(a->l->cache, ev->id, a->e);
	memset(&old, 0, sizeof old);
	memset(&n, 0, sizeof n);
	rc = cache_get_note(a->l->cache, ev->id, &old, a->e);
	if (rc && rc != ERR_NOTFOUND)
		return rc;
	err_clear(a->e);
	have_old = rc == 0;
	if (have_old && old.raw != NULL && ev->note.raw != NULL)
		merged = codec_merge(old.raw, ev->note.raw);
	if (merged != NULL) {
		rc = codec_note(merged, strlen(merged), &n, a->e);
	} else {
		rc = 0;
		n = ev->note;
		memset(&ev->note, 0, sizeof ev->note);
		ev->note.pinned = TRI_UNSET;
	}
	if (rc)
		goto out;
	if (n.contact_id == NULL)
		n.contact_id = xstrdup0(have_old ? old.contact_id :
		    ev->contact_id);
	if (n.contact_id == NULL) {
		rc = err_set(a->e, ERR_INVALID, "note %s: no contactId and "
		    "not in the cache", ev->id);
		goto out;
	}
	rc = cache_put_note(a->l->cache, &n, a->e);
	if (rc)
		goto out;
	if (!contact_known(a->l, n.contact_id)) {
		want_sync(a, n.contact_id);
		goto out;
	}
	free(ev->contact_id);
	ev->contact_id = xstrdup(n.contact_id);
	a->autotag_for = ev->contact_id;
out:
	note_free(&n);
	note_free(&old);
	free(merged);
	return rc;
}

static int
apply_appt(struct apply *a)
{
	struct webhook_event *ev = a->ev;
	struct appt *v = NULL, ap;
	size_t n = 0, i;
	char *merged = NULL;
	int rc;

	if (ev->is_delete)
		return cache_delete_appt(a->l->cache, ev->id, a->e);
	if (ev->contact_id == NULL)
		return err_set(a->e, ERR_INVALID, "appointment %s: no "
		    "contactId", ev->id);
	memset(&ap, 0, sizeof ap);
	rc = cache_get_appts(a->l->cache, ev->contact_id, &v, &n, a->e);
	if (rc)
		return rc;
	for (i = 0; i < n; i++)
		if (v[i].id != NULL && strcmp(v[i].id, ev->id) == 0 &&
		    v[i].raw != NULL && ev->appt.raw != NULL)
			merged = codec_merge(v[i].raw, ev->appt.raw);
	if (merged != NULL) {
		rc = codec_appt(merged, strlen(merged), &ap, a->e);
	} else {
		ap = ev->appt;
		memset(&ev->appt, 0, sizeof ev->appt);
	}
	if (rc == 0) {
		if (ap.contact_id == NULL)
			ap.contact_id = xstrdup(ev->contact_id);
		rc = cache_put_appt(a->l->cache, &ap, a->e);
	}
	if (rc == 0 && !contact_known(a->l, ev->contact_id))
		want_sync(a, ev->contact_id);
	appt_free(&ap);
	appts_free(v, n);
	free(merged);
	return rc;
}

static int
apply_event(struct apply *a)
{
	switch (a->ev->kind) {
	case WH_CONTACT:
		return apply_contact(a);
	case WH_TASK:
		return apply_task(a);
	case WH_NOTE:
		return apply_note(a);
	case WH_APPT:
		return apply_appt(a);
	default:
		return 0;
	}
}

static int
reply(char *msg, size_t msglen, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
reply(char *msg, size_t msglen, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
	return status;
}

/* Record a rejected delivery in the sync log (repeats collapse there). */
static void
log_rejected(struct listen *l, const char *contact_id, int status,
    const char *msg)
{
	l->st.rejected++;
	log_msg(LOG_LEVEL_WARN, "webhook rejected (%d): %s", status, msg);
	cache_log_add(l->cache, "webhook", "error", contact_id, "POST webhook",
	    status, msg, NULL);
}

int
listen_handle(struct listen *l, const char *body, size_t len,
    const char *wh_sig, const char *ghl_sig, long long now_ms, char *msg,
    size_t msglen)
{
	struct webhook_event ev;
	struct apply a;
	struct err e;
	char hash[CACHE_LIVE_HASH_LEN], *cid = NULL;
	long long ts;
	int rc, seen = 0, status;
	size_t i;

	err_clear(&e);
	memset(&ev, 0, sizeof ev);
	hash[0] = '\0';
	if (len > l->max_body) {
		status = reply(msg, msglen, 413, "body of %zu bytes is over "
		    "the %zu-byte limit", len, l->max_body);
		log_rejected(l, NULL, status, msg);
		return status;
	}
	if (whsig_verify(l->sig, body, len, wh_sig, ghl_sig, &e) != 0) {
		status = reply(msg, msglen, 401, "%s", e.msg);
		log_rejected(l, NULL, status, msg);
		return status;
	}
	if (codec_webhook(body, len, &ev, &e) != 0) {
		status = reply(msg, msglen, 400, "%s", e.msg);
		log_rejected(l, NULL, status, msg);
		return status;
	}
	if (ev.kind == WH_UNKNOWN) {
		l->st.ignored++;
		status = reply(msg, msglen, 200, "webhook %s: ignored "
		    "(not a contact, task, note or appointment event)",
		    ev.type);
		log_msg(LOG_LEVEL_INFO, "%s", msg);
		goto out;
	}
	if (ev.id == NULL || *ev.id == '\0') {
		status = reply(msg, msglen, 400, "webhook %s: no id",
		    ev.type);
		log_rejected(l, NULL, status, msg);
		goto out;
	}
	if (ev.timestamp != NULL) {
		if (parse_time(ev.timestamp, &ts) != 0) {
			status = reply(msg, msglen, 400, "webhook %s %s: bad "
			    "timestamp '%.40s'", ev.type, ev.id, ev.timestamp);
			log_rejected(l, ev.contact_id, status, msg);
			goto out;
		}
		if (ts < now_ms - LISTEN_MAX_AGE_MS ||
		    ts > now_ms + LISTEN_MAX_AGE_MS) {
			status = reply(msg, msglen, 400, "webhook %s %s: "
			    "timestamp %s is more than 5 minutes %s (replay?)",
			    ev.type, ev.id, ev.timestamp, ts < now_ms ?
			    "old" : "ahead");
			log_rejected(l, ev.contact_id, status, msg);
			goto out;
		}
	}
	if (ev.webhook_id != NULL) {
		rc = cache_live_webhook_seen(l->cache, ev.webhook_id, &seen,
		    &e);
	} else {
		cache_live_hash(ev.raw, strlen(ev.raw), hash);
		rc = cache_live_event_dup(l->cache, ev.type, ev.id, hash,
		    &seen, &e);
	}
	if (rc)
		goto failed;
	if (seen) {
		l->st.duplicates++;
		status = reply(msg, msglen, 200, "webhook %s %s: duplicate "
		    "(%s seen before), not applied", ev.type, ev.id,
		    ev.webhook_id != NULL ? "webhookId" : "same content");
		log_msg(LOG_LEVEL_INFO, "%s", msg);
		goto out;
	}

	memset(&a, 0, sizeof a);
	a.l = l;
	a.ev = &ev;
	a.e = &e;
	rc = cache_begin(l->cache, &e);
	if (rc)
		goto failed;
	rc = apply_event(&a);
	if (rc == ERR_INVALID) {
		cache_rollback(l->cache);
		strv_free(&a.syncs);
		status = reply(msg, msglen, 400, "webhook %s: %s", ev.type,
		    e.msg);
		log_rejected(l, ev.contact_id, status, msg);
		goto out;
	}
	if (rc == 0) {
		if (ev.webhook_id != NULL)
			rc = cache_live_webhook_remember(l->cache,
			    ev.webhook_id, now_ms, LISTEN_KEEP_IDS_MS, &e);
		else
			rc = cache_live_event_set(l->cache, ev.type, ev.id,
			    hash, now_ms, &e);
	}
	if (rc) {
		cache_rollback(l->cache);
		strv_free(&a.syncs);
		goto failed;
	}
	rc = cache_commit(l->cache, &e);
	if (rc) {
		strv_free(&a.syncs);
		goto failed;
	}
	l->st.applied++;
	for (i = 0; i < a.syncs.n; i++)
		job(l, JOB_SYNC_ONE, a.syncs.v[i]);
	if (a.autotag_for != NULL && l->cfg->nautotags > 0) {
		struct strv planned = { NULL, 0 };

		cid = xstrdup(a.autotag_for);
		if (autotag_apply(l->cache, l->cfg, cid, 0, &planned,
		    &e) != 0)
			log_msg(LOG_LEVEL_WARN, "webhook %s %s: %s", ev.type,
			    ev.id, e.msg);
		else if (planned.n > 0)
			job(l, JOB_OUTBOX, NULL);
		strv_free(&planned);
	}
	status = reply(msg, msglen, 200, "webhook %s %s: applied%s", ev.type,
	    ev.id, a.syncs.n > 0 ? ", contact sync queued" : "");
	log_msg(LOG_LEVEL_INFO, "%s", msg);
	strv_free(&a.syncs);
	goto out;

failed:
	l->st.failed++;
	status = reply(msg, msglen, 500, "webhook %s %s: %s", ev.type,
	    ev.id != NULL ? ev.id : "-", e.msg);
	log_msg(LOG_LEVEL_ERROR, "%s", msg);
	cache_log_add(l->cache, "webhook", "error", ev.contact_id,
	    "POST webhook", status, msg, NULL);
	/* An event lost to a local failure is worth an alert (the sender
	 * retries, but someone should look). */
	alert_failure(l->cfg, "webhook", ev.contact_id, "POST webhook",
	    status, msg);
out:
	free(cid);
	webhook_event_free(&ev);
	return status;
}

/* ---- the HTTP server ---- */

static int sigpipe_fds[2] = { -1, -1 };

static void
on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	ssize_t r = write(sigpipe_fds[1], &b, 1);

	(void)r;
	errno = saved;
}

struct req {
	struct buf	 body;
	int		 too_big;
	int		 answered;
};

struct server {
	struct listen		*l;
	struct worker		*w;
	struct MHD_Daemon	*d;
};

static enum MHD_Result
respond(struct MHD_Connection *conn, int status, const char *msg)
{
	struct MHD_Response *res;
	enum MHD_Result r;
	char *q = codec_quote(msg), *body;

	body = xasprintf("{\"status\":%d,\"message\":%s}\n", status, q);
	free(q);
	res = MHD_create_response_from_buffer(strlen(body), body,
	    MHD_RESPMEM_MUST_FREE);
	if (res == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(res, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(res, MHD_HTTP_HEADER_ALLOW, "POST");
	r = MHD_queue_response(conn, (unsigned)status, res);
	MHD_destroy_response(res);
	return r;
}

static long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct server *s = cls;
	struct req *r = *con_cls;
	const char *cl;
	char msg[600];
	int status;

	(void)url;
	(void)version;
	if (r == NULL) {
		r = xcalloc(1, sizeof *r);
		buf_init(&r->body, s->l->max_body);
		*con_cls = r;
		if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
			r->answered = 1;
			return respond(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "webhooks are POSTed");
		}
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > s->l->max_body) {
			r->answered = 1;
			snprintf(msg, sizeof msg, "body of %s bytes is over "
			    "the %zu-byte limit", cl, s->l->max_body);
			log_rejected(s->l, NULL, 413, msg);
			return respond(conn, MHD_HTTP_CONTENT_TOO_LARGE, msg);
		}
		return MHD_YES;
	}
	if (r->answered) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!r->too_big && buf_append(&r->body, upload,
		    *upload_size) != 0)
			r->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	r->answered = 1;
	if (r->too_big) {
		snprintf(msg, sizeof msg, "body is over the %zu-byte limit",
		    s->l->max_body);
		log_rejected(s->l, NULL, 413, msg);
		return respond(conn, MHD_HTTP_CONTENT_TOO_LARGE, msg);
	}
	status = listen_handle(s->l, buf_str(&r->body), r->body.len,
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "x-wh-signature"),
	    MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "x-ghl-signature"), wall_ms(), msg, sizeof msg);
	return respond(conn, status, msg);
}

static void
on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (r == NULL)
		return;
	buf_free(&r->body);
	free(r);
	*con_cls = NULL;
}

static void
post_job(void *arg, enum job_kind kind, const char *id)
{
	struct server *s = arg;

	if (s->w != NULL)
		worker_post(s->w, kind, id);
}

/* Log what the worker reports; nothing waits on it. */
static void
drain_worker(struct server *s)
{
	struct worker_event ev;

	/* worker_next_event empties the wake pipe with the queue. */
	while (worker_next_event(s->w, &ev)) {
		if (ev.kind == EV_FAILED)
			log_msg(LOG_LEVEL_WARN, "listen: background sync of "
			    "%s: %s", ev.contact_id[0] ? ev.contact_id : "-",
			    ev.msg);
		else if (ev.kind == EV_DONE && ev.code != 0)
			log_msg(LOG_LEVEL_WARN, "listen: background %s of %s "
			    "ended: %s", ev.job == JOB_OUTBOX ? "replay" :
			    "sync", ev.contact_id[0] ? ev.contact_id : "-",
			    ev.msg);
		else if (ev.kind == EV_DONE)
			log_msg(LOG_LEVEL_INFO, "listen: background %s of %s "
			    "done", ev.job == JOB_OUTBOX ? "replay" : "sync",
			    ev.contact_id[0] ? ev.contact_id : "-");
	}
}

/* Split HOST:PORT ("[::1]:80" for IPv6) and resolve it numerically. */
static int
resolve(const char *addr, struct sockaddr_storage *ss, socklen_t *sslen,
    char *host, size_t hostlen, struct err *e)
{
	struct addrinfo hints, *res = NULL;
	const char *colon, *port;
	size_t hl;
	int gai;

	if (addr[0] == '[') {
		colon = strstr(addr, "]:");
		if (colon == NULL)
			goto bad;
		hl = (size_t)(colon - addr - 1);
		port = colon + 2;
		addr++;
	} else {
		colon = strrchr(addr, ':');
		if (colon == NULL)
			goto bad;
		hl = (size_t)(colon - addr);
		port = colon + 1;
	}
	if (hl == 0 || hl >= hostlen || *port == '\0' ||
	    strspn(port, "0123456789") != strlen(port) || strlen(port) > 5 ||
	    strtol(port, NULL, 10) > 65535)
		goto bad;
	memcpy(host, addr, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0 || res == NULL)
		return err_set(e, ERR_USAGE, "listen address %s: %s", host,
		    gai_strerror(gai));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
bad:
	return err_set(e, ERR_USAGE, "listen address '%s' is not HOST:PORT",
	    addr);
}

static int
serve(struct server *s, struct err *e)
{
	const union MHD_DaemonInfo *info;
	struct pollfd pfd[3];
	MHD_UNSIGNED_LONG_LONG to;
	int epfd, n, timeout, quit = 0;

	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL)
		return err_set(e, ERR_IO, "listen: no epoll descriptor");
	epfd = info->epoll_fd;
	while (!quit) {
		n = 0;
		pfd[n++] = (struct pollfd){ .fd = epfd, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = sigpipe_fds[0],
		    .events = POLLIN };
		if (s->w != NULL)
			pfd[n++] = (struct pollfd){ .fd = worker_fd(s->w),
			    .events = POLLIN };
		timeout = -1;
		if (MHD_get_timeout(s->d, &to) == MHD_YES)
			timeout = to > INT_MAX ? INT_MAX : (int)to;
		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return err_set(e, ERR_IO, "listen: poll: %s",
			    strerror(errno));
		}
		if (pfd[1].revents != 0)
			quit = 1;
		if (n > 2 && pfd[2].revents != 0)
			drain_worker(s);
		MHD_run(s->d);
	}
	return 0;
}

int
listen_run_opts(const struct conf *cfg, const struct listen_opts *o,
    struct err *e)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old[3], oldpipe;
	struct sockaddr_storage ss;
	struct server s;
	const union MHD_DaemonInfo *info;
	socklen_t sslen = 0;
	char host[256];
	unsigned flags;
	size_t i;
	int rc, port;

	memset(&s, 0, sizeof s);
	rc = resolve(o->listen_addr != NULL ? o->listen_addr :
	    LISTEN_DEFAULT_ADDR, &ss, &sslen, host, sizeof host, e);
	if (rc)
		return rc;
	rc = listen_open(&s.l, cfg, o, e);
	if (rc)
		return rc;
	if (pipe2(sigpipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
		rc = err_set(e, ERR_IO, "listen: pipe: %s", strerror(errno));
		listen_close(s.l);
		return rc;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < nitems(sigs); i++)
		sigaction(sigs[i], &sa, &old[i]);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &oldpipe);

	flags = MHD_USE_EPOLL;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s.d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, &s,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)256,
	    MHD_OPTION_END);
	if (s.d == NULL) {
		rc = err_set(e, ERR_IO, "listen: cannot listen on %s: %s",
		    o->listen_addr != NULL ? o->listen_addr :
		    LISTEN_DEFAULT_ADDR, strerror(errno));
		goto out;
	}
	info = MHD_get_daemon_info(s.d, MHD_DAEMON_INFO_BIND_PORT);
	port = info != NULL ? info->port : 0;
	if (ss.ss_family == AF_INET6)
		printf("http://[%s]:%d/\n", host, port);
	else
		printf("http://%s:%d/\n", host, port);
	fflush(stdout);
	log_msg(LOG_LEVEL_INFO, "listen: receiving webhooks on %s port %d "
	    "(signatures %s)", host, port, whsig_enabled(s.l->sig) ?
	    "required" : "not checked");

	if (!cfg->offline && !o->no_sync) {
		struct err we;

		err_clear(&we);
		if (worker_start(&s.w, cfg, &we) != 0) {
			log_msg(LOG_LEVEL_WARN, "listen: no background sync: "
			    "%s", we.msg);
			s.w = NULL;
		}
	}
	listen_set_jobs(s.l, post_job, &s);
	rc = serve(&s, e);
out:
	if (s.d != NULL)
		MHD_stop_daemon(s.d);
	if (s.w != NULL)
		worker_stop(s.w);
	for (i = 0; i < nitems(sigs); i++)
		sigaction(sigs[i], &old[i], NULL);
	sigaction(SIGPIPE, &oldpipe, NULL);
	close(sigpipe_fds[0]);
	close(sigpipe_fds[1]);
	sigpipe_fds[0] = sigpipe_fds[1] = -1;
	if (s.l != NULL) {
		struct listen_stats st = s.l->st;

		log_msg(LOG_LEVEL_INFO, "listen: stopped: %ld applied, %ld "
		    "duplicates, %ld ignored, %ld rejected, %ld failed, %ld "
		    "syncs", st.applied, st.duplicates, st.ignored,
		    st.rejected, st.failed, st.syncs);
	}
	listen_close(s.l);
	return rc;
}

static void
free_strs(char **strs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(strs[i]);
	free(strs);
}

int
listen_run(const struct conf *cfg, const char *listen_addr, struct err *e)
{
	struct listen_opts o;
	char **strs = NULL;
	size_t nstrs = 0;
	int rc;

	memset(&o, 0, sizeof o);
	o.listen_addr = listen_addr;
	rc = listen_read_config(&o, cfg->config_path, &strs, &nstrs, e);
	if (rc == 0)
		rc = listen_run_opts(cfg, &o, e);
	free_strs(strs, nstrs);
	return rc;
}

static void
usage(FILE *fp)
{
	fputs("usage: " PROG " listen [--listen HOST:PORT] [--rsa-key FILE] "
	    "[--ed25519-key FILE]\n"
	    "                      [--max-body BYTES] [--no-sync]\n", fp);
}

int
listen_cli(const struct conf *cfg, int argc, char **argv)
{
	struct listen_opts o;
	char **strs = NULL;
	size_t nstrs = 0;
	struct err e;
	long n;
	int i, rc;

	memset(&o, 0, sizeof o);
	err_clear(&e);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "--no-sync") == 0) {
			o.no_sync = 1;
			continue;
		}
		if (strcmp(a, "--listen") != 0 && strcmp(a, "--rsa-key") != 0 &&
		    strcmp(a, "--ed25519-key") != 0 &&
		    strcmp(a, "--max-body") != 0) {
			fprintf(stderr, PROG ": listen: unknown %s '%s'\n",
			    a[0] == '-' ? "option" : "argument", a);
			usage(stderr);
			return 2;
		}
		if (v == NULL) {
			fprintf(stderr, PROG ": listen: option '%s' needs a "
			    "value\n", a);
			return 2;
		}
		i++;
		if (strcmp(a, "--listen") == 0) {
			o.listen_addr = v;
		} else if (strcmp(a, "--rsa-key") == 0) {
			o.rsa_key = v;
		} else if (strcmp(a, "--ed25519-key") == 0) {
			o.ed25519_key = v;
		} else if (conf_parse_long(v, 1024, 64L * 1024 * 1024, &n)) {
			fprintf(stderr, PROG ": listen: --max-body wants a "
			    "number of bytes from 1024 to 67108864, got '%s'\n",
			    v);
			return 2;
		} else {
			o.max_body = (size_t)n;
		}
	}
	rc = listen_read_config(&o, cfg->config_path, &strs, &nstrs, &e);
	if (rc == 0)
		rc = listen_run_opts(cfg, &o, &e);
	free_strs(strs, nstrs);
	if (rc) {
		fflush(stdout);
		fprintf(stderr, PROG ": %s\n", e.msg);
		return rc == ERR_USAGE ? 2 : 1;
	}
	return 0;
}
