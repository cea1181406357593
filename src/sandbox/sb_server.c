/*
 * sb_server.c: libmicrohttpd glue of ghlterm-sandbox.  Per request: the
 * /_sandbox/ control routes, then the "down" switch, a seeded fault draw,
 * routing, auth, the per-token fixed-window rate limit, the Version
 * header, scopes, the body cap, and finally sb_api.  Delays (--latency,
 * slow faults) suspend the connection and a timer thread resumes it, so
 * no pool thread ever sleeps.
 */
#include "config.h"
#include "sb_server.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "buf.h"
#include "sb_api.h"
#include "sb_util.h"
#include "xmalloc.h"

#define API_VERSION "2021-07-28"
#define DAY_MS 86400000LL
#define NSTATUS 600

/* Transport faults up to F_UTF8, then the paging faults of sb_api. */
enum fault {
	F_NONE, F_5XX, F_429, F_DROP, F_DROPAFTER, F_TRUNC, F_MAL, F_SLOW,
	F_HTML, F_HUGE, F_UTF8, F_CREPEAT, F_ENDLESS, F_OVERSIZE, F__COUNT
};

/* Length of the body of a "huge" fault: past the client's 32 MB cap. */
#define HUGE_LEN ((size_t)40 << 20)

static const char *const fault_names[F__COUNT] = {"none", "5xx", "429",
    "drop", "dropafter", "truncate", "malformed", "slow", "html", "huge",
    "badutf8", "cursor-repeat", "cursor-endless", "page-oversize"};

struct tok {
	char	*value;
	int	 write;
	int64_t	 expires;	/* wall ms; 0 = never */
	int	 expired;	/* forced by /_sandbox/expire-token */
	int64_t	 win_start, day_start;	/* mono ms; 0 = not started */
	unsigned long win_count, day_count;
};

struct delayed {
	struct MHD_Connection *conn;
	int64_t	 at;	/* mono ms */
};

struct sb_server {
	struct sb_server_conf conf;
	struct sb_api	*api;
	struct MHD_Daemon *d;
	char		 url[128];
	char		*client_id, *client_secret;

	pthread_mutex_t	 mu;		/* tokens, stats, faults, down */
	struct tok	*toks;
	size_t		 ntoks;
	char		**refresh;
	size_t		 nrefresh;
	uint64_t	 fault_n, pfault_n, mint_n;
	int64_t		 down_until;	/* mono ms */
	uint64_t	 total, rate_limited, dropped;
	uint64_t	 by_status[NSTATUS];
	uint64_t	 by_fault[F__COUNT];
	char		**route_names;
	uint64_t	*route_counts;
	size_t		 nroutes;

	pthread_mutex_t	 tmu;		/* delayed connections */
	pthread_cond_t	 tcv;
	pthread_t	 timer;
	struct delayed	*delayed;
	size_t		 ndelayed, capdelayed;
	int		 stopping;

	pthread_mutex_t	 lmu;		/* log */
};

struct creq {
	struct buf	 body;
	int		 too_big;
	int		 state;		/* 0 new, 1 suspended, 2 ready */
	struct MHD_Response *resp;
	unsigned	 status;
	int		 drop_after;
	int64_t		 t0;
	int64_t		 retry_ms;	/* Retry-After sent, -1: none */
	char		 tok[16];
	char		 route[64];
	enum fault	 fault;
	char		**q;
	size_t		 nq;
	char		 method[16];
	char		 path[512];
};

/* ---- faults ---- */

int
sb_server_parse_faults(const char *spec, struct sb_faults *f,
    const char **why)
{
	static const struct {
		const char *name;
		size_t off;
		int paging;
	} kinds[] = {
		{"5xx", offsetof(struct sb_faults, p5xx), 0},
		{"429", offsetof(struct sb_faults, p429), 0},
		{"drop", offsetof(struct sb_faults, pdrop), 0},
		{"dropafter", offsetof(struct sb_faults, pdropafter), 0},
		{"truncate", offsetof(struct sb_faults, ptrunc), 0},
		{"malformed", offsetof(struct sb_faults, pmal), 0},
		{"slow", offsetof(struct sb_faults, pslow), 0},
		{"html", offsetof(struct sb_faults, phtml), 0},
		{"huge", offsetof(struct sb_faults, phuge), 0},
		{"badutf8", offsetof(struct sb_faults, putf8), 0},
		{"cursor-repeat", offsetof(struct sb_faults, pcrepeat), 1},
		{"cursor-endless", offsetof(struct sb_faults, pendless), 1},
		{"page-oversize", offsetof(struct sb_faults, poversize), 1},
	};
	char *copy, *item, *next, *eq, *end;
	const char *val;
	double v, sum = 0, psum = 0;
	size_t k;
	int rc = -1, found;

	memset(f, 0, sizeof(*f));
	f->seed = 1;
	f->slow_ms = 3000;
	copy = xstrdup(spec);
	for (item = copy; item != NULL; item = next) {
		next = strchr(item, ',');
		if (next != NULL)
			*next++ = '\0';
		if (*item == '\0')
			continue;
		eq = strchr(item, '=');
		if (eq == NULL) {
			/* A paging kind alone is a flag: every search. */
			for (k = 0; k < nitems(kinds); k++)
				if (kinds[k].paging &&
				    strcmp(item, kinds[k].name) == 0)
					break;
			if (k == nitems(kinds)) {
				*why = "fault items are KIND=VALUE";
				goto out;
			}
			val = "1";
		} else {
			*eq = '\0';
			val = eq + 1;
		}
		if (strcmp(item, "seed") == 0) {
			f->seed = strtoull(val, &end, 10);
			if (*end != '\0' || end == val) {
				*why = "fault seed must be an integer";
				goto out;
			}
			continue;
		}
		if (strcmp(item, "slowms") == 0) {
			f->slow_ms = (unsigned)strtoul(val, &end, 10);
			if (*end != '\0' || end == val) {
				*why = "fault slowms must be an integer";
				goto out;
			}
			continue;
		}
		v = strtod(val, &end);
		if (*end != '\0' || end == val || v < 0 || v > 1) {
			*why = "fault shares must be numbers from 0 to 1";
			goto out;
		}
		found = 0;
		for (k = 0; k < nitems(kinds); k++) {
			if (strcmp(item, kinds[k].name) == 0) {
				*(double *)((char *)f + kinds[k].off) = v;
				found = 1;
				if (kinds[k].paging)
					psum += v;
				else
					sum += v;
			}
		}
		if (!found) {
			*why = "unknown fault kind (5xx 429 drop dropafter "
			    "truncate malformed slow html huge badutf8 "
			    "cursor-repeat cursor-endless page-oversize seed "
			    "slowms)";
			goto out;
		}
	}
	if (sum > 1.0 || psum > 1.0) {
		*why = "fault shares add up to more than 1";
		goto out;
	}
	rc = 0;
out:
	free(copy);
	return rc;
}

/* Draw the fault of the next API request (mu held). */
static enum fault
fault_draw(struct sb_server *s, uint64_t *sub)
{
	const struct sb_faults *f = &s->conf.faults;
	double p[F__COUNT] = {0}, u, acc = 0;
	uint64_t st;
	int k;

	p[F_5XX] = f->p5xx;
	p[F_429] = f->p429;
	p[F_DROP] = f->pdrop;
	p[F_DROPAFTER] = f->pdropafter;
	p[F_TRUNC] = f->ptrunc;
	p[F_MAL] = f->pmal;
	p[F_SLOW] = f->pslow;
	p[F_HTML] = f->phtml;
	p[F_HUGE] = f->phuge;
	p[F_UTF8] = f->putf8;
	st = sb_util_mix(f->seed, s->fault_n++, 0xfa17);
	u = sb_util_unit(&st);
	*sub = sb_util_rand(&st);
	for (k = 1; k <= F_UTF8; k++) {
		acc += p[k];
		if (u < acc)
			return (enum fault)k;
	}
	return F_NONE;
}

/*
 * Draw the paging fault of the next search that got no transport fault
 * (mu held).  A sequence of its own, so adding a paging kind to a SPEC
 * does not move the transport faults.
 */
static enum sb_api_pfault
pfault_draw(struct sb_server *s, unsigned long long *sub)
{
	const struct sb_faults *f = &s->conf.faults;
	double u;
	uint64_t st;

	if (f->pcrepeat + f->pendless + f->poversize <= 0)
		return SB_PF_NONE;
	st = sb_util_mix(f->seed, s->pfault_n++, 0xca75);
	u = sb_util_unit(&st);
	*sub = sb_util_rand(&st);
	if (u < f->pcrepeat)
		return SB_PF_CURSOR_REPEAT;
	if (u < f->pcrepeat + f->pendless)
		return SB_PF_ENDLESS;
	if (u < f->pcrepeat + f->pendless + f->poversize)
		return SB_PF_OVERSIZE;
	return SB_PF_NONE;
}

/* The stats/log name of a paging fault sb_api carried out. */
static enum fault
pfault_of(enum sb_api_pfault pf)
{
	switch (pf) {
	case SB_PF_CURSOR_REPEAT:
		return F_CREPEAT;
	case SB_PF_ENDLESS:
		return F_ENDLESS;
	case SB_PF_OVERSIZE:
		return F_OVERSIZE;
	default:
		return F_NONE;
	}
}

/* ---- responses ---- */

static struct MHD_Response *
resp_new(char *body, const char *ctype)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(strlen(body), body,
	    MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(r, "Content-Type", ctype);
	return r;
}

struct trunc {
	char	*body;
	size_t	 cut;
	size_t	 len;	/* huge: body, then spaces up to HUGE_LEN */
};

static ssize_t
trunc_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct trunc *t = cls;
	size_t n;

	if (pos >= t->cut)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = t->cut - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(out, t->body + pos, n);
	return (ssize_t)n;
}

/* A valid JSON body padded with whitespace to HUGE_LEN bytes. */
static ssize_t
huge_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct trunc *t = cls;
	size_t n = 0, k;

	if (pos >= HUGE_LEN)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (pos < t->len) {
		n = t->len - (size_t)pos;
		if (n > max)
			n = max;
		memcpy(out, t->body + pos, n);
	}
	k = max - n;
	if (k > HUGE_LEN - (size_t)pos - n)
		k = HUGE_LEN - (size_t)pos - n;
	memset(out + n, ' ', k);
	return (ssize_t)(n + k);
}

/*
 * Put invalid UTF-8 (a lone 0xff, an overlong "/", a surrogate) into the
 * first name, title or body string of a JSON body, or add it as an unknown
 * field; the result stays well-formed JSON apart from the encoding.
 */
static char *
bad_utf8(char *body)
{
	static const char *const keys[] = {"\"firstName\":\"",
	    "\"title\":\"", "\"body\":\"", "\"contactName\":\""};
	static const char bad[] = "\xff\xc0\xaf\xed\xa0\x80";
	const char *at = NULL;
	char *m;
	size_t i, n;

	for (i = 0; i < nitems(keys) && at == NULL; i++)
		if ((at = strstr(body, keys[i])) != NULL)
			at += strlen(keys[i]);
	if (at == NULL) {
		n = strlen(body);
		while (n > 0 && body[n - 1] != '}')
			n--;
		if (n == 0)
			return body;
		body[n - 1] = '\0';
		m = xasprintf("%s%s\"x%s\":\"%s\"}", body, n > 2 ? "," : "",
		    bad, bad);
	} else {
		n = (size_t)(at - body);
		m = xasprintf("%.*s%s%s", (int)n, body, bad, at);
	}
	free(body);
	return m;
}

static void
trunc_free(void *cls)
{
	struct trunc *t = cls;

	free(t->body);
	free(t);
}

/* Rate-limit headers of token t (mu held; t may be NULL). */
static void
add_rate_headers(struct sb_server *s, struct MHD_Response *r,
    const struct tok *t)
{
	char v[32];
	unsigned long used = t ? t->win_count : 0, dused = t ? t->day_count : 0;

	snprintf(v, sizeof(v), "%lu", s->conf.rate_daily);
	MHD_add_response_header(r, "X-RateLimit-Limit-Daily", v);
	snprintf(v, sizeof(v), "%lu", dused >= s->conf.rate_daily ? 0 :
	    s->conf.rate_daily - dused);
	MHD_add_response_header(r, "X-RateLimit-Daily-Remaining", v);
	snprintf(v, sizeof(v), "%u", s->conf.rate_window_ms);
	MHD_add_response_header(r, "X-RateLimit-Interval-Milliseconds", v);
	snprintf(v, sizeof(v), "%u", s->conf.rate_max);
	MHD_add_response_header(r, "X-RateLimit-Max", v);
	snprintf(v, sizeof(v), "%lu", used >= s->conf.rate_max ? 0 :
	    s->conf.rate_max - used);
	MHD_add_response_header(r, "X-RateLimit-Remaining", v);
}

/* ---- tokens ---- */

static struct tok *
tok_find(struct sb_server *s, const char *v)
{
	size_t i;

	for (i = 0; i < s->ntoks; i++)
		if (strcmp(s->toks[i].value, v) == 0)
			return &s->toks[i];
	return NULL;
}

static struct tok *
tok_add(struct sb_server *s, const char *v, int write, int64_t expires)
{
	struct tok *t;

	s->toks = xreallocarray(s->toks, s->ntoks + 1, sizeof(*s->toks));
	t = &s->toks[s->ntoks++];
	memset(t, 0, sizeof(*t));
	t->value = xstrdup(v);
	t->write = write;
	t->expires = expires;
	return t;
}

static void
redact(const char *tok, char *out, size_t len)
{
	if (tok == NULL || *tok == '\0')
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%.4s***", tok);
}

/* ---- stats ---- */

static void
count(struct sb_server *s, const char *route, unsigned status, enum fault f)
{
	size_t i;

	pthread_mutex_lock(&s->mu);
	s->total++;
	if (status < NSTATUS)
		s->by_status[status]++;
	if (status == 429)
		s->rate_limited++;
	s->by_fault[f]++;
	for (i = 0; i < s->nroutes; i++)
		if (strcmp(s->route_names[i], route) == 0)
			break;
	if (i == s->nroutes) {
		s->route_names = xreallocarray(s->route_names, i + 1,
		    sizeof(*s->route_names));
		s->route_counts = xreallocarray(s->route_counts, i + 1,
		    sizeof(*s->route_counts));
		s->route_names[i] = xstrdup(route);
		s->route_counts[i] = 0;
		s->nroutes++;
	}
	s->route_counts[i]++;
	pthread_mutex_unlock(&s->mu);
}

static char *
stats_json(struct sb_server *s)
{
	cJSON *o, *m;
	char k[16], *out;
	size_t i;

	o = cJSON_CreateObject();
	pthread_mutex_lock(&s->mu);
	cJSON_AddNumberToObject(o, "requests", (double)s->total);
	m = cJSON_AddObjectToObject(o, "byRoute");
	for (i = 0; i < s->nroutes; i++)
		cJSON_AddNumberToObject(m, s->route_names[i],
		    (double)s->route_counts[i]);
	m = cJSON_AddObjectToObject(o, "byStatus");
	for (i = 0; i < NSTATUS; i++) {
		if (s->by_status[i] == 0)
			continue;
		snprintf(k, sizeof(k), "%zu", i);
		cJSON_AddNumberToObject(m, k, (double)s->by_status[i]);
	}
	cJSON_AddNumberToObject(o, "rateLimited", (double)s->rate_limited);
	cJSON_AddNumberToObject(o, "dropped", (double)s->dropped);
	m = cJSON_AddObjectToObject(o, "faults");
	for (i = 1; i < F__COUNT; i++)
		cJSON_AddNumberToObject(m, fault_names[i],
		    (double)s->by_fault[i]);
	pthread_mutex_unlock(&s->mu);
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}

/* ---- request log ---- */

static void
log_line(struct sb_server *s, struct creq *c, const char *method,
    const char *url)
{
	cJSON *o;
	char t[32], *line;

	if (s->conf.log == NULL)
		return;
	o = cJSON_CreateObject();
	sb_util_iso(sb_util_now_ms(), t, sizeof(t));
	cJSON_AddStringToObject(o, "time", t);
	cJSON_AddStringToObject(o, "method", method);
	cJSON_AddStringToObject(o, "path", url);
	cJSON_AddStringToObject(o, "route", c->route);
	cJSON_AddNumberToObject(o, "status", c->status);
	cJSON_AddNumberToObject(o, "latency_ms",
	    (double)(sb_util_mono_ms() - c->t0));
	cJSON_AddStringToObject(o, "token", c->tok);
	if (c->fault != F_NONE)
		cJSON_AddStringToObject(o, "fault", fault_names[c->fault]);
	if (c->retry_ms >= 0)
		cJSON_AddNumberToObject(o, "retryAfter",
		    (double)((c->retry_ms + 999) / 1000));
	line = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	pthread_mutex_lock(&s->lmu);
	fprintf(s->conf.log, "%s\n", line);
	fflush(s->conf.log);
	pthread_mutex_unlock(&s->lmu);
	free(line);
}

/* ---- delays ---- */

static void *
timer_run(void *arg)
{
	struct sb_server *s = arg;
	struct timespec ts;
	int64_t now, next, wall;
	size_t i;

	pthread_mutex_lock(&s->tmu);
	for (;;) {
		now = sb_util_mono_ms();
		next = -1;
		for (i = 0; i < s->ndelayed;) {
			if (s->stopping || s->delayed[i].at <= now) {
				MHD_resume_connection(s->delayed[i].conn);
				s->delayed[i] = s->delayed[--s->ndelayed];
				continue;
			}
			if (next < 0 || s->delayed[i].at < next)
				next = s->delayed[i].at;
			i++;
		}
		if (s->stopping)
			break;
		if (next < 0) {
			pthread_cond_wait(&s->tcv, &s->tmu);
		} else {
			wall = sb_util_now_ms() + (next - now);
			ts.tv_sec = (time_t)(wall / 1000);
			ts.tv_nsec = (long)(wall % 1000) * 1000000;
			pthread_cond_timedwait(&s->tcv, &s->tmu, &ts);
		}
	}
	pthread_mutex_unlock(&s->tmu);
	return NULL;
}

/* Queue c->resp now or after delay_ms (suspending the connection). */
static enum MHD_Result
deliver(struct sb_server *s, struct MHD_Connection *conn, struct creq *c,
    unsigned delay_ms)
{
	enum MHD_Result r;

	if (delay_ms > 0) {
		pthread_mutex_lock(&s->tmu);
		if (!s->stopping) {
			if (s->ndelayed == s->capdelayed) {
				s->capdelayed = s->capdelayed ?
				    s->capdelayed * 2 : 16;
				s->delayed = xreallocarray(s->delayed,
				    s->capdelayed, sizeof(*s->delayed));
			}
			s->delayed[s->ndelayed].conn = conn;
			s->delayed[s->ndelayed].at = sb_util_mono_ms() +
			    delay_ms;
			s->ndelayed++;
			c->state = 1;
			MHD_suspend_connection(conn);
			pthread_cond_signal(&s->tcv);
			pthread_mutex_unlock(&s->tmu);
			return MHD_YES;
		}
		pthread_mutex_unlock(&s->tmu);
	}
	c->state = 2;
	if (c->drop_after) {
		MHD_destroy_response(c->resp);
		c->resp = NULL;
		return MHD_NO;
	}
	r = MHD_queue_response(conn, c->status, c->resp);
	MHD_destroy_response(c->resp);
	c->resp = NULL;
	return r;
}

/* ---- query lookup for sb_api ---- */

struct qarg {
	struct MHD_Connection *conn;
	struct creq *c;
};

static const char *
query_get(void *arg, const char *key)
{
	struct qarg *q = arg;
	const char *raw;
	char *v;

	raw = MHD_lookup_connection_value(q->conn, MHD_GET_ARGUMENT_KIND, key);
	if (raw == NULL)
		return NULL;
	v = sb_util_urldecode(raw, strlen(raw), 1);
	if (v == NULL)
		return NULL;
	q->c->q = xreallocarray(q->c->q, q->c->nq + 1, sizeof(*q->c->q));
	q->c->q[q->c->nq++] = v;
	return v;
}

/* ---- oauth ---- */

static char *
form_get(const char *body, const char *key)
{
	const char *p = body, *amp, *eq;
	size_t klen = strlen(key);

	while (p != NULL && *p != '\0') {
		amp = strchr(p, '&');
		eq = strchr(p, '=');
		if (eq != NULL && (amp == NULL || eq < amp) &&
		    (size_t)(eq - p) == klen && strncmp(p, key, klen) == 0)
			return sb_util_urldecode(eq + 1, amp ? (size_t)(amp -
			    eq - 1) : strlen(eq + 1), 1);
		p = amp ? amp + 1 : NULL;
	}
	return NULL;
}

static void
mint(struct sb_server *s, const char *prefix, char *out, size_t len)
{
	char id[SB_ID_LEN + 1], id2[SB_ID_LEN + 1];
	uint64_t st;

	st = sb_util_mix(s->conf.seed, s->mint_n++, 0x0a17);
	sb_util_rand_id(&st, id);
	sb_util_rand_id(&st, id2);
	snprintf(out, len, "%s%s%s", prefix, id, id2);
}

static void
oauth(struct sb_server *s, struct creq *c, unsigned *status, char **body)
{
	char *cid, *secret, *grant, *rt, access[64], refresh[64], user[32];
	char company[SB_ID_LEN + 1];
	cJSON *o, *errs;
	const char *b = buf_str(&c->body);
	size_t i;
	int found = -1;
	long ttl;

	cid = form_get(b, "client_id");
	secret = form_get(b, "client_secret");
	grant = form_get(b, "grant_type");
	rt = form_get(b, "refresh_token");
	errs = cJSON_CreateArray();
	if (cid == NULL || *cid == '\0')
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "client_id should not be empty"));
	if (secret == NULL || *secret == '\0')
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "client_secret should not be empty"));
	if (grant == NULL || *grant == '\0')
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "grant_type should not be empty"));
	if (cJSON_GetArraySize(errs) > 0) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "statusCode", 422);
		cJSON_AddItemToObject(o, "message", errs);
		cJSON_AddStringToObject(o, "error", "Unprocessable Entity");
		*status = 422;
		*body = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		goto out;
	}
	cJSON_Delete(errs);
	if (s->client_id != NULL && (strcmp(cid, s->client_id) != 0 ||
	    strcmp(secret, s->client_secret) != 0)) {
		*status = 401;
		*body = sb_api_error(401, "Invalid client credentials",
		    "Unauthorized");
		goto out;
	}
	if (strcmp(grant, "refresh_token") != 0) {
		*status = 400;
		*body = sb_api_error(400, "grant_type must be refresh_token "
		    "(the sandbox has no authorization codes)", NULL);
		goto out;
	}
	pthread_mutex_lock(&s->mu);
	for (i = 0; rt != NULL && i < s->nrefresh; i++)
		if (strcmp(s->refresh[i], rt) == 0)
			found = (int)i;
	if (found < 0) {
		pthread_mutex_unlock(&s->mu);
		*status = 400;
		*body = sb_api_error(400, "Invalid grant: refresh token is "
		    "invalid or was already used", NULL);
		goto out;
	}
	mint(s, "sbx-at-", access, sizeof(access));
	mint(s, "sbx-rt-", refresh, sizeof(refresh));
	free(s->refresh[found]);
	s->refresh[found] = xstrdup(refresh);
	ttl = s->conf.token_ttl_s > 0 ? s->conf.token_ttl_s : 86399;
	tok_add(s, access, 1, s->conf.token_ttl_s > 0 ? sb_util_now_ms() +
	    ttl * 1000 : 0);
	pthread_mutex_unlock(&s->mu);
	sb_util_id(s->conf.seed, 5, 0, user);
	sb_util_id(s->conf.seed, 8, 424242, company);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "access_token", access);
	cJSON_AddStringToObject(o, "token_type", "Bearer");
	cJSON_AddNumberToObject(o, "expires_in", (double)ttl);
	cJSON_AddStringToObject(o, "refresh_token", refresh);
	cJSON_AddStringToObject(o, "scope",
	    "contacts.readonly contacts.write");
	cJSON_AddStringToObject(o, "userType", "Location");
	cJSON_AddStringToObject(o, "locationId", s->conf.location);
	cJSON_AddStringToObject(o, "companyId", company);
	cJSON_AddStringToObject(o, "userId", user);
	*status = 200;
	*body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
out:
	free(cid);
	free(secret);
	free(grant);
	free(rt);
}

/* ---- /_sandbox/ ---- */

static enum MHD_Result
control(struct sb_server *s, struct MHD_Connection *conn, struct creq *c,
    const char *url, const char *method)
{
	struct qarg qa = {conn, c};
	const char *v;
	char *body;
	long long ms;
	struct tok *t;
	unsigned status = 200;

	if (strcmp(url, "/_sandbox/stats") == 0 && strcmp(method, "GET") == 0) {
		body = stats_json(s);
	} else if (strcmp(url, "/_sandbox/reset-stats") == 0 &&
	    strcmp(method, "POST") == 0) {
		pthread_mutex_lock(&s->mu);
		s->total = s->rate_limited = s->dropped = 0;
		memset(s->by_status, 0, sizeof(s->by_status));
		memset(s->by_fault, 0, sizeof(s->by_fault));
		/* No route counted yet: nothing allocated to clear. */
		if (s->route_counts != NULL)
			memset(s->route_counts, 0, s->nroutes *
			    sizeof(*s->route_counts));
		pthread_mutex_unlock(&s->mu);
		body = xstrdup("{\"ok\":true}");
	} else if (strcmp(url, "/_sandbox/down") == 0 &&
	    strcmp(method, "POST") == 0) {
		v = query_get(&qa, "ms");
		ms = v ? strtoll(v, NULL, 10) : 0;
		if (ms <= 0 || ms > 3600000) {
			status = 400;
			body = sb_api_error(400, "ms must be 1..3600000", NULL);
		} else {
			pthread_mutex_lock(&s->mu);
			s->down_until = sb_util_mono_ms() + ms;
			pthread_mutex_unlock(&s->mu);
			body = xasprintf("{\"ok\":true,\"downMs\":%lld}", ms);
		}
	} else if (strcmp(url, "/_sandbox/faults") == 0 &&
	    strcmp(method, "POST") == 0) {
		struct sb_faults nf;
		const char *why = NULL;

		v = query_get(&qa, "spec");
		if (sb_server_parse_faults(v ? v : "", &nf, &why) != 0) {
			status = 400;
			body = sb_api_error(400, why, NULL);
		} else {
			pthread_mutex_lock(&s->mu);
			s->conf.faults = nf;
			s->fault_n = 0;
			s->pfault_n = 0;
			pthread_mutex_unlock(&s->mu);
			body = xstrdup("{\"ok\":true}");
		}
	} else if (strcmp(url, "/_sandbox/expire-token") == 0 &&
	    strcmp(method, "POST") == 0) {
		v = query_get(&qa, "token");
		pthread_mutex_lock(&s->mu);
		t = v ? tok_find(s, v) : NULL;
		if (t != NULL)
			t->expired = 1;
		pthread_mutex_unlock(&s->mu);
		if (t == NULL) {
			status = 404;
			body = sb_api_error(404, "Token not found", NULL);
		} else {
			body = xstrdup("{\"ok\":true}");
		}
	} else {
		status = 404;
		body = sb_api_error(404, "Unknown sandbox control route",
		    NULL);
	}
	c->status = status;
	snprintf(c->route, sizeof(c->route), "%s", url);
	c->resp = resp_new(body, "application/json; charset=utf-8");
	return deliver(s, conn, c, 0);
}

/* ---- the request path ---- */

static int
version_ok(const struct sb_server *s, const char *v)
{
	size_t i;

	if (s->conf.nversions == 0)
		return strcmp(v, API_VERSION) == 0;
	for (i = 0; i < s->conf.nversions; i++)
		if (strcmp(v, s->conf.versions[i]) == 0)
			return 1;
	return 0;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct sb_server *s = cls;
	struct creq *c = *con_cls;
	struct sb_api_route rt;
	struct sb_api_req req;
	struct sb_api_resp ar;
	struct qarg qa;
	struct tok *t = NULL;
	const char *auth, *ver, *tokv = NULL;
	char *body = NULL, *m;
	const char *ctype = "application/json; charset=utf-8";
	unsigned status = 0, delay;
	uint64_t sub = 0;
	unsigned long long psub = 0;
	enum sb_api_pfault pf = SB_PF_NONE;
	enum fault f = F_NONE;
	int64_t now, wnow, left, retry_ms = -1;
	struct trunc *tr;
	int is_api, is_oauth;

	(void)version;
	memset(&rt, 0, sizeof(rt));
	if (c == NULL) {
		c = xcalloc(1, sizeof(*c));
		buf_init(&c->body, s->conf.body_max);
		c->t0 = sb_util_mono_ms();
		c->retry_ms = -1;
		snprintf(c->tok, sizeof(c->tok), "-");
		snprintf(c->method, sizeof(c->method), "%s", method);
		snprintf(c->path, sizeof(c->path), "%s", url);
		*con_cls = c;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!c->too_big && buf_append(&c->body, upload,
		    *upload_size) != 0)
			c->too_big = 1;
		*upload_size = 0;
		return MHD_YES;
	}
	if (c->state == 1 || c->state == 2) {
		/* Resumed after a delay. */
		c->state = 2;
		return deliver(s, conn, c, 0);
	}
	if (strncmp(url, "/_sandbox/", 10) == 0)
		return control(s, conn, c, url, method);

	is_oauth = strcmp(url, "/oauth/token") == 0;
	is_api = is_oauth ? 0 : sb_api_route(method, url, &rt) == 0;
	snprintf(c->route, sizeof(c->route), "%s", is_oauth ?
	    "POST /oauth/token" : rt.tmpl);
	now = sb_util_mono_ms();
	pthread_mutex_lock(&s->mu);
	if (now < s->down_until) {
		s->dropped++;
		pthread_mutex_unlock(&s->mu);
		c->fault = F_DROP;
		return MHD_NO;
	}
	f = fault_draw(s, &sub);
	if (f == F_NONE && is_api && rt.paging)
		pf = pfault_draw(s, &psub);
	auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    "Authorization");
	if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0) {
		tokv = auth + 7;
		while (*tokv == ' ')
			tokv++;
		t = tok_find(s, tokv);
	}
	redact(tokv, c->tok, sizeof(c->tok));
	c->fault = f;
	if (f == F_DROP) {
		pthread_mutex_unlock(&s->mu);
		count(s, c->route, 0, f);
		return MHD_NO;
	}
	wnow = sb_util_now_ms();
	if (f == F_5XX) {
		static const unsigned codes[] = {500, 502, 503};
		static const char *const msgs[] = {"Internal server error",
		    "Bad Gateway", "Service Unavailable"};

		status = codes[sub % 3];
		body = sb_api_error((int)status, msgs[sub % 3], NULL);
	} else if (f == F_429) {
		status = 429;
		body = sb_api_error(429, "Too many requests", NULL);
		if (sub % 2 == 0)
			retry_ms = 1000;
	} else if (f == F_HTML) {
		status = 502;
		body = xstrdup("<html>\r\n<head><title>502 Bad Gateway</title>"
		    "</head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
		    "</center>\r\n</body>\r\n</html>\r\n");
		ctype = "text/html";
	} else if (is_oauth) {
		if (strcmp(method, "POST") != 0) {
			status = 404;
			body = sb_api_error(404, "Cannot GET /oauth/token",
			    NULL);
		}
	} else if (!is_api) {
		status = 404;
		m = xasprintf("Cannot %s %s", method, url);
		body = sb_api_error(404, m, NULL);
		free(m);
	} else if (t == NULL) {
		status = 401;
		body = sb_api_error(401, auth == NULL ?
		    "Invalid token: the Authorization header is missing" :
		    "Invalid token: access token is invalid", "Unauthorized");
	} else if (t->expired || (t->expires != 0 && wnow >= t->expires)) {
		status = 401;
		body = sb_api_error(401, "Invalid token: access token has "
		    "expired", "Unauthorized");
	} else {
		/* Fixed windows from the token's first request. */
		if (t->win_start == 0 || now - t->win_start >=
		    s->conf.rate_window_ms) {
			t->win_start = now;
			t->win_count = 0;
		}
		if (t->day_start == 0 || now - t->day_start >= DAY_MS) {
			t->day_start = now;
			t->day_count = 0;
		}
		if (t->win_count >= s->conf.rate_max ||
		    t->day_count >= s->conf.rate_daily) {
			status = 429;
			body = sb_api_error(429, "Too many requests", NULL);
			left = t->day_count >= s->conf.rate_daily ?
			    t->day_start + DAY_MS - now :
			    t->win_start + s->conf.rate_window_ms - now;
			retry_ms = left > 0 ? left : 1;
		} else {
			t->win_count++;
			t->day_count++;
		}
	}
	if (status == 0 && !is_oauth) {
		ver = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    "Version");
		if (ver == NULL || *ver == '\0') {
			status = 400;
			body = sb_api_error(400, "Version header is required",
			    NULL);
		} else if (!version_ok(s, ver)) {
			status = 400;
			m = xasprintf("Version header value '%s' is not "
			    "supported; use %s", ver, s->conf.nversions ?
			    s->conf.versions[0] : API_VERSION);
			body = sb_api_error(400, m, NULL);
			free(m);
		} else if (rt.write && !t->write) {
			status = 401;
			body = sb_api_error(401, "The token is not authorized "
			    "for this scope (contacts.write)", "Unauthorized");
		}
	}
	if (status == 0 && c->too_big) {
		status = 413;
		m = xasprintf("Request body too large: the limit is %zu bytes",
		    s->conf.body_max);
		body = sb_api_error(413, m, NULL);
		free(m);
	}
	/* Headers reflect the state after this request was counted. */
	c->resp = NULL;
	if (status != 0) {
		c->status = status;
		c->resp = resp_new(body, ctype);
		add_rate_headers(s, c->resp, t);
	}
	pthread_mutex_unlock(&s->mu);

	if (status == 0) {
		if (is_oauth) {
			oauth(s, c, &status, &body);
		} else {
			qa.conn = conn;
			qa.c = c;
			memset(&req, 0, sizeof(req));
			req.method = method;
			req.path = url;
			req.query = query_get;
			req.qarg = &qa;
			req.body = c->body.len ? c->body.data : NULL;
			req.body_len = c->body.len;
			req.can_write = t->write;
			req.pfault = pf;
			req.endless = s->conf.faults.pendless > 0;
			req.pfault_sub = psub;
			sb_api_handle(s->api, &rt, &req, &ar);
			status = (unsigned)ar.status;
			body = ar.body;
			if (f == F_NONE && ar.pfault != SB_PF_NONE) {
				f = pfault_of(ar.pfault);
				c->fault = f;
			}
		}
		if (f == F_MAL) {
			/* Cut the JSON and leave it unterminated. */
			size_t n = strlen(body) / 2;

			body[n] = '\0';
			m = xasprintf("%s,\"x\":", body);
			free(body);
			body = m;
		}
		if (f == F_UTF8)
			body = bad_utf8(body);
		c->status = status;
		if (f == F_HUGE) {
			tr = xmalloc(sizeof(*tr));
			tr->body = body;
			tr->len = strlen(body);
			tr->cut = 0;
			c->resp = MHD_create_response_from_callback(
			    HUGE_LEN, 65536, huge_read, tr, trunc_free);
			MHD_add_response_header(c->resp, "Content-Type",
			    ctype);
		} else if (f == F_TRUNC && strlen(body) > 1) {
			tr = xmalloc(sizeof(*tr));
			tr->body = body;
			tr->cut = strlen(body) / 2;
			c->resp = MHD_create_response_from_callback(
			    strlen(body), 4096, trunc_read, tr, trunc_free);
			MHD_add_response_header(c->resp, "Content-Type",
			    ctype);
		} else {
			c->resp = resp_new(body, ctype);
		}
		pthread_mutex_lock(&s->mu);
		add_rate_headers(s, c->resp, t);
		pthread_mutex_unlock(&s->mu);
		if (f == F_DROPAFTER)
			c->drop_after = 1;
	}
	c->retry_ms = retry_ms;
	if (retry_ms >= 0) {
		char v[32];

		snprintf(v, sizeof(v), "%lld", (long long)((retry_ms + 999) /
		    1000));
		MHD_add_response_header(c->resp, "Retry-After", v);
	}
	count(s, c->route, c->drop_after ? 0 : c->status, f);
	delay = s->conf.latency_ms + (f == F_SLOW ? s->conf.faults.slow_ms :
	    0);
	return deliver(s, conn, c, delay);
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct creq *c = *con_cls;
	size_t i;

	(void)cls;
	(void)conn;
	(void)toe;
	if (c == NULL)
		return;
	if (c->resp != NULL)
		MHD_destroy_response(c->resp);
	buf_free(&c->body);
	for (i = 0; i < c->nq; i++)
		free(c->q[i]);
	free(c->q);
	free(c);
	*con_cls = NULL;
}

static size_t
unescape_none(void *cls, struct MHD_Connection *conn, char *s)
{
	(void)cls;
	(void)conn;
	return strlen(s);
}

/* Log every request once, when MHD is done with it. */
static void
log_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct sb_server *s = cls;
	struct creq *c = *con_cls;
	const char *method, *url;

	if (c != NULL && s->conf.log != NULL) {
		method = c->method;
		url = c->path;
		if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK &&
		    c->status != 0 && c->state != 2)
			c->status = 0;
		log_line(s, c, method, url);
	}
	completed(cls, conn, con_cls, toe);
}

struct sb_server *
sb_server_start(const struct sb_server_conf *conf, struct sb_api *api,
    const char **why)
{
	struct sb_server *s;
	struct addrinfo hints, *ai = NULL;
	const union MHD_DaemonInfo *di;
	char port[16], host[64];
	unsigned flags;
	size_t i;
	const char *colon;

	s = xcalloc(1, sizeof(*s));
	s->conf = *conf;
	s->api = api;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->tmu, NULL);
	pthread_mutex_init(&s->lmu, NULL);
	pthread_cond_init(&s->tcv, NULL);
	for (i = 0; i < conf->ntokens; i++) {
		char *v = xstrdup(conf->tokens[i]);
		int write = 1, expired = 0;

		/* Suffixes, in any order: ":readonly", ":expired". */
		for (;;) {
			colon = strrchr(v, ':');
			if (colon != NULL && strcmp(colon, ":readonly") == 0)
				write = 0;
			else if (colon != NULL && strcmp(colon, ":expired") == 0)
				expired = 1;
			else
				break;
			v[colon - v] = '\0';
		}
		tok_add(s, v, write, 0)->expired = expired;
		free(v);
		if (conf->token_ttl_s > 0)
			s->toks[s->ntoks - 1].expires = sb_util_now_ms() +
			    conf->token_ttl_s * 1000;
	}
	for (i = 0; i < conf->nrefresh; i++) {
		s->refresh = xreallocarray(s->refresh, s->nrefresh + 1,
		    sizeof(*s->refresh));
		s->refresh[s->nrefresh++] = xstrdup(conf->refresh[i]);
	}
	if (conf->oauth_client != NULL) {
		colon = strchr(conf->oauth_client, ':');
		s->client_id = xstrndup(conf->oauth_client,
		    (size_t)(colon - conf->oauth_client));
		s->client_secret = xstrdup(colon + 1);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	snprintf(port, sizeof(port), "%u", conf->port);
	if (getaddrinfo(conf->host, port, &hints, &ai) != 0 || ai == NULL) {
		*why = "cannot resolve the listen address";
		goto fail;
	}
	if (pthread_create(&s->timer, NULL, timer_run, s) != 0) {
		*why = "cannot start the timer thread";
		goto fail;
	}
	flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, handle, s,
	    MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)conf->threads,
	    MHD_OPTION_NOTIFY_COMPLETED, log_completed, s,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape_none, NULL,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
	    MHD_OPTION_END);
	if (s->d == NULL) {
		*why = "cannot listen on the address (in use?)";
		pthread_mutex_lock(&s->tmu);
		s->stopping = 1;
		pthread_cond_signal(&s->tcv);
		pthread_mutex_unlock(&s->tmu);
		pthread_join(s->timer, NULL);
		goto fail;
	}
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof(host),
	    NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(host, sizeof(host), "%s", conf->host);
	snprintf(s->url, sizeof(s->url), ai->ai_family == AF_INET6 ?
	    "http://[%s]:%u" : "http://%s:%u", host,
	    di != NULL ? (unsigned)di->port : conf->port);
	freeaddrinfo(ai);
	sb_api_set_base(api, s->url);
	return s;
fail:
	if (ai != NULL)
		freeaddrinfo(ai);
	sb_server_stop(s);
	return NULL;
}

const char *
sb_server_url(const struct sb_server *s)
{
	return s->url;
}

void
sb_server_stop(struct sb_server *s)
{
	size_t i;

	if (s == NULL)
		return;
	if (s->d != NULL) {
		pthread_mutex_lock(&s->tmu);
		s->stopping = 1;
		pthread_cond_signal(&s->tcv);
		pthread_mutex_unlock(&s->tmu);
		pthread_join(s->timer, NULL);
		MHD_stop_daemon(s->d);
	}
	for (i = 0; i < s->ntoks; i++)
		free(s->toks[i].value);
	free(s->toks);
	for (i = 0; i < s->nrefresh; i++)
		free(s->refresh[i]);
	free(s->refresh);
	for (i = 0; i < s->nroutes; i++)
		free(s->route_names[i]);
	free(s->route_names);
	free(s->route_counts);
	free(s->delayed);
	free(s->client_id);
	free(s->client_secret);
	pthread_mutex_destroy(&s->mu);
	pthread_mutex_destroy(&s->tmu);
	pthread_mutex_destroy(&s->lmu);
	pthread_cond_destroy(&s->tcv);
	free(s);
}
