/*
 * mirror.c: the GHL -> Salesmate mirror (salesmate CONTRACT §7, §9).  Per
 * contact: match or create the Salesmate contact (write-ahead pending row,
 * recovery lookup before any re-send), then its tasks as activities and
 * its notes as notes, each keyed by a map row holding the hash of what was
 * last sent so unchanged objects cost no request.
 */
#include "config.h"
#include "mirror.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "cache.h"
#include "cache_mirror.h"
#include "codec_sm.h"
#include "crashpoint.h"
#include "salesmate.h"
#include "xmalloc.h"

#define DAY_MS		(24L * 3600 * 1000)
#define TITLE_MAX	500
#define DESC_MAX	2000
#define NAME_MAX_SM	255

struct mirror {
	struct mirror_opts o;
	struct sqlite3	*db;
	long		 pid;
	int		 locked;
	long long	 owner;		/* resolved owner id, 0 until needed */
	long		 calls0;	/* client calls at open */
	long		 planned;
	int		 warned_field;
	struct mirror_report r;
};

/* ---- small helpers ---- */

static long long
wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *
trim_dup(const char *s)
{
	const char *e;

	if (s == NULL)
		return xstrdup("");
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	return xstrndup(s, (size_t)(e - s));
}

static int
empty(const char *s)
{
	return s == NULL || *s == '\0';
}

void
mirror_truncate_utf8(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return;
	n = max;
	/* Step back over continuation bytes to a character start. */
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	s[n] = '\0';
}

void
mirror_hash(const char *s, char out[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	if (EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL) != 1)
		fatalx("mirror: SHA-256 failed");
	for (i = 0; i < len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}

void
mirror_digits(const char *s, char *out, size_t len)
{
	size_t n = 0;

	if (len == 0)
		return;
	for (; s != NULL && *s != '\0' && n + 1 < len; s++)
		if (isdigit((unsigned char)*s))
			out[n++] = *s;
	out[n] = '\0';
}

/* ---- mapping (§7) ---- */

void
mirror_contact_fields_free(struct mirror_contact_fields *f)
{
	if (f == NULL)
		return;
	free(f->first_name);
	free(f->last_name);
	free(f->email);
	free(f->mobile);
	free(f->website);
	free(f->addr1);
	free(f->city);
	free(f->state);
	free(f->zip);
	free(f->country);
	free(f->company_name);
	strv_free(&f->tags);
	memset(f, 0, sizeof *f);
}

static char *
capped(const char *s)
{
	char *t = trim_dup(s);

	mirror_truncate_utf8(t, NAME_MAX_SM);
	return t;
}

void
mirror_map_contact(const struct contact *c, struct mirror_contact_fields *f)
{
	struct ghl_contact_extra x;
	char *email, *p, *t;
	size_t i;

	memset(f, 0, sizeof *f);
	f->first_name = capped(c->first_name);
	f->last_name = capped(c->last_name);
	email = trim_dup(c->email);
	for (p = email; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (*email != '\0' && strchr(email, '@') == NULL) {
		f->bad_email = 1;
		*email = '\0';
	}
	mirror_truncate_utf8(email, NAME_MAX_SM);
	f->email = email;
	f->mobile = capped(c->phone);
	if (*f->last_name == '\0') {
		free(f->last_name);
		if (*f->first_name != '\0') {
			f->last_name = f->first_name;
			f->first_name = xstrdup("");
		} else if (*f->email != '\0') {
			f->last_name = xstrndup(f->email,
			    strcspn(f->email, "@"));
		} else if (*f->mobile != '\0') {
			f->last_name = xstrdup(f->mobile);
		} else {
			f->last_name = xstrdup("(no name)");
		}
	}
	codec_sm_ghl_extra(c->raw, &x);
	f->website = capped(x.website);
	f->addr1 = capped(x.address1);
	f->city = capped(x.city);
	f->state = capped(x.state);
	f->zip = capped(x.postal_code);
	f->country = capped(x.country);
	ghl_contact_extra_free(&x);
	f->company_name = capped(c->company_name);
	for (i = 0; i < c->tags.n; i++) {
		t = trim_dup(c->tags.v[i]);
		for (p = t; *p != '\0'; p++)
			if (*p == ',')
				*p = ' ';
		if (*t != '\0' && !strv_contains_ci(&f->tags, t))
			strv_push(&f->tags, t);
		free(t);
	}
}

char *
mirror_task_title(const struct task *t)
{
	char *s = trim_dup(t->title);

	if (*s == '\0') {
		free(s);
		return xstrdup("(untitled task)");
	}
	mirror_truncate_utf8(s, TITLE_MAX);
	return s;
}

char *
mirror_task_description(const struct task *t)
{
	char *marker, *body, *out;
	size_t room;

	marker = xasprintf("[ghl:task:%s]", t->id ? t->id : "");
	body = trim_dup(t->body);
	if (*body == '\0') {
		free(body);
		return marker;
	}
	room = DESC_MAX > strlen(marker) + 2 ? DESC_MAX - strlen(marker) - 2 :
	    0;
	mirror_truncate_utf8(body, room);
	out = xasprintf("%s\n\n%s", body, marker);
	free(body);
	free(marker);
	return out;
}

static void
html_escape(struct buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&':
			(void)buf_puts(b, "&amp;");
			break;
		case '<':
			(void)buf_puts(b, "&lt;");
			break;
		case '>':
			(void)buf_puts(b, "&gt;");
			break;
		case '"':
			(void)buf_puts(b, "&quot;");
			break;
		case '\r':
			break;
		case '\n':
			(void)buf_puts(b, "<br>");
			break;
		default:
			(void)buf_putc(b, s[i]);
		}
	}
}

char *
mirror_note_html(const struct note *n)
{
	struct buf b;
	const char *p, *q, *blk, *end;
	char *title;

	buf_init(&b, 0);
	title = trim_dup(n->title);
	if (*title != '\0') {
		(void)buf_puts(&b, "<div><strong>");
		html_escape(&b, title, strlen(title));
		(void)buf_puts(&b, "</strong></div>");
	}
	free(title);
	/* Blocks are separated by blank lines (\n, optional blanks, \n). */
	p = n->body ? n->body : "";
	while (*p != '\0') {
		while (*p == '\n' || *p == '\r')
			p++;
		if (*p == '\0')
			break;
		blk = p;
		end = NULL;
		for (q = p; *q != '\0'; q++) {
			const char *r = q + 1;

			if (*q != '\n')
				continue;
			while (*r == ' ' || *r == '\t' || *r == '\r')
				r++;
			if (*r == '\n' || *r == '\0') {
				end = q;
				break;
			}
		}
		if (end == NULL)
			end = blk + strlen(blk);
		while (end > blk && isspace((unsigned char)end[-1]))
			end--;
		if (end > blk) {
			(void)buf_puts(&b, "<div>");
			html_escape(&b, blk, (size_t)(end - blk));
			(void)buf_puts(&b, "</div>");
		}
		p = *q != '\0' ? q + 1 : q;
	}
	(void)buf_printf(&b, "<div>[ghl:note:%s]</div>", n->id ? n->id : "");
	return buf_take(&b);
}

long long
mirror_parse_iso_ms(const char *s)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, oh, om;
	long long days, ms = 0, off = 0;
	const char *p;

	if (s == NULL || sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 ||
	    n != 10)
		return -1;
	p = s + n;
	if (*p == 'T' || *p == ' ') {
		if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &n) != 2 || n != 5)
			return -1;
		p += 1 + n;
		if (*p == ':') {
			if (sscanf(p + 1, "%2d%n", &sec, &n) != 1 || n != 2)
				return -1;
			p += 3;
			if (*p == '.') {
				long long scale = 100;

				for (p++; isdigit((unsigned char)*p); p++) {
					ms += (*p - '0') * scale;
					scale /= 10;
				}
			}
		}
		if (*p == 'Z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			if (sscanf(p + 1, "%2d:%2d", &oh, &om) == 2)
				n = 6;
			else if (sscanf(p + 1, "%2d%2d", &oh, &om) == 2)
				n = 5;
			else
				return -1;
			off = ((long long)oh * 60 + om) * 60000;
			if (*p == '-')
				off = -off;
			p += n;
		}
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	/* Days from civil (Howard Hinnant). */
	y -= mo <= 2;
	{
		long long era = (y >= 0 ? y : y - 399) / 400;
		long long yoe = y - era * 400;
		long long doy = (153LL * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 +
		    d - 1;
		long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

		days = era * 146097 + doe - 719468;
	}
	return ((days * 24 + h) * 60 + mi) * 60000LL + sec * 1000LL + ms - off;
}

void
mirror_merge_tags(const struct strv *sm, const struct strv *last,
    const struct strv *ghl, struct strv *out)
{
	size_t i;

	for (i = 0; sm != NULL && i < sm->n; i++)
		if ((last == NULL || !strv_contains_ci(last, sm->v[i]) ||
		    strv_contains_ci(ghl, sm->v[i])) &&
		    !strv_contains_ci(out, sm->v[i]))
			strv_push(out, sm->v[i]);
	for (i = 0; ghl != NULL && i < ghl->n; i++)
		if (!strv_contains_ci(out, ghl->v[i]))
			strv_push(out, ghl->v[i]);
}

char *
mirror_join_tags(const struct strv *sv)
{
	struct buf b;
	size_t i;

	buf_init(&b, 0);
	for (i = 0; i < sv->n; i++) {
		if (i > 0)
			(void)buf_putc(&b, ',');
		(void)buf_puts(&b, sv->v[i]);
	}
	return buf_take(&b);
}

/* ---- run state ---- */

int
mirror_open(struct mirror **mp, const struct mirror_opts *o, struct err *e)
{
	struct mirror *m;
	int rc;

	*mp = NULL;
	if (o->sm == NULL && !o->dry_run)
		return err_set(e, ERR_USAGE, "mirror: no Salesmate client");
	m = xcalloc(1, sizeof *m);
	m->o = *o;
	if (m->o.activity_type == NULL || *m->o.activity_type == '\0')
		m->o.activity_type = "Task";
	if (m->o.verify_ms == 0)
		m->o.verify_ms = DAY_MS;
	m->pid = o->pid ? o->pid : (long)getpid();
	m->db = cache_sqlite(o->cache);
	if (cache_mirror_migrate(m->db) != 0) {
		free(m);
		return err_set(e, ERR_DB, "mirror: cannot create the mirror "
		    "tables in the cache");
	}
	if (!o->dry_run) {
		rc = cache_mirror_lock(m->db, m->pid, e);
		if (rc) {
			free(m);
			return rc;
		}
		m->locked = 1;
	}
	m->calls0 = o->sm ? sm_client_calls(o->sm) : 0;
	*mp = m;
	return 0;
}

void
mirror_close(struct mirror *m)
{
	if (m == NULL)
		return;
	if (m->locked)
		cache_mirror_unlock(m->db, m->pid);
	strv_free(&m->r.failures);
	strv_free(&m->r.duplicates);
	strv_free(&m->r.warnings);
	strv_free(&m->r.plan);
	free(m);
}

const struct mirror_report *
mirror_report(const struct mirror *m)
{
	struct mirror *mm = (struct mirror *)m;

	mm->r.calls = m->o.dry_run ? m->planned :
	    sm_client_calls(m->o.sm) - m->calls0;
	return &m->r;
}

int
mirror_fatal(int rc)
{
	return rc == ERR_AUTH || rc == ERR_RATELIMIT || rc == ERR_USAGE ||
	    rc == ERR_DB || rc == ERR_CANCELED;
}

static void
run_log(struct mirror *m, const char *level, const char *contact_id,
    const char *msg)
{
	if (!m->o.dry_run)
		(void)cache_log_add(m->o.cache, "mirror", level, contact_id,
		    "salesmate", 0, msg, NULL);
}

static void
fail_note(struct mirror *m, const char *what, const char *id,
    const char *contact_id, const struct err *e)
{
	char *s = xasprintf("%s %s: %s", what, id, e->msg);

	strv_push(&m->r.failures, s);
	run_log(m, "error", contact_id, s);
	free(s);
}

/*
 * Every request goes through here.  A dry run records the call in the
 * plan and answers with an empty result so the algorithm goes on as if
 * nothing existed yet.
 */
static int
call(struct mirror *m, const char *method, const char *path,
    const char *body, int create, struct sm_result *res, struct err *e)
{
	const char *fake;

	if (!m->o.dry_run)
		return sm_call(m->o.sm, method, path, body, create, res, e);
	m->planned++;
	if (body != NULL) {
		char *line = xasprintf("%s %s %s", method, path, body);

		strv_push(&m->r.plan, line);
		free(line);
	} else {
		char *line = xasprintf("%s %s", method, path);

		strv_push(&m->r.plan, line);
		free(line);
	}
	memset(res, 0, sizeof *res);
	res->status = 200;
	if (strstr(path, "/search") != NULL)
		fake = "{\"data\":[],\"totalRows\":0}";
	else if (strstr(path, "/objects/") != NULL && strcmp(method,
	    "GET") == 0 && strstr(path, "/notes/") == NULL)
		fake = "[]";
	else if (strstr(path, "/core/v4/users") != NULL)
		fake = "[]";
	else if (create)
		fake = "{\"id\":0,\"noteId\":0}";
	else
		fake = "{}";
	res->data = xstrdup(fake);
	return 0;
}

static int
put_row(struct mirror *m, const struct cm_item *it, struct err *e)
{
	if (m->o.dry_run)
		return 0;
	return cache_mirror_put(m->db, it, e);
}

static int
del_row(struct mirror *m, enum cm_kind k, const char *id, struct err *e)
{
	if (m->o.dry_run)
		return 0;
	return cache_mirror_del(m->db, k, id, e);
}

/* Record a failure on a row: state "failed:<message>", hash cleared so
 * the next run retries. */
static void
mark_failed(struct mirror *m, struct cm_item *it, const struct err *e)
{
	free(it->state);
	it->state = xasprintf("failed:%s", e->msg);
	free(it->hash);
	it->hash = NULL;
	it->mirrored_at = wall_ms();
	(void)put_row(m, it, NULL);
}

/* §4.1: configured owner (id or email, must be active), else the key's
 * own user.  One users request per run, only when a write needs it. */
static int
ensure_owner(struct mirror *m, struct err *e)
{
	struct sm_result res;
	struct sm_user *u = NULL;
	size_t n = 0, i;
	const char *want = m->o.owner;
	char *end;
	long long id = 0;
	int rc;

	if (m->owner != 0)
		return 0;
	rc = call(m, "GET", "/apis/core/v4/users?status=active", NULL, 0,
	    &res, e);
	if (rc)
		return rc;
	rc = codec_sm_users(res.data, &u, &n);
	sm_result_free(&res);
	if (rc)
		return err_set(e, ERR_PARSE, "GET /apis/core/v4/users: "
		    "unexpected users list");
	if (m->o.dry_run) {
		m->owner = -1;
		if (!empty(want)) {
			id = strtoll(want, &end, 10);
			if (*end == '\0' && id > 0)
				m->owner = id;
		}
		sm_users_free(u, n);
		return 0;
	}
	if (!empty(want)) {
		errno = 0;
		id = strtoll(want, &end, 10);
		for (i = 0; i < n; i++) {
			if (!u[i].active)
				continue;
			if ((*end == '\0' && u[i].id == id) || (*end != '\0' &&
			    u[i].email && strcasecmp(u[i].email, want) == 0)) {
				m->owner = u[i].id;
				break;
			}
		}
		if (m->owner == 0)
			rc = err_set(e, ERR_USAGE, "salesmate.owner %s is not "
			    "an active Salesmate user (see `ghlterm doctor`)",
			    want);
	} else {
		for (i = 0; i < n; i++)
			if (u[i].active && u[i].current)
				m->owner = u[i].id;
		if (m->owner == 0)
			rc = err_set(e, ERR_USAGE, "Salesmate did not say which "
			    "user the key belongs to: set salesmate.owner to "
			    "a user id");
	}
	sm_users_free(u, n);
	return rc;
}

/* ---- contacts (§9.3) ---- */

struct ctx {
	const char	*ghl_id;
	struct contact	 c;
	struct mirror_contact_fields f;
	char		 hash[65];
	long long	 sm_id;
	int		 fresh;		/* created in this run */
	struct sm_row	*acts;		/* activities of the contact (lazy) */
	size_t		 nacts;
	int		 have_acts;
	int		 acts_by_title;	/* primaryContact filter refused */
	struct sm_row	*notes;
	size_t		 nnotes;
	int		 have_notes;
};

static const char *
id_field(const struct mirror *m)
{
	return empty(m->o.id_field) ? NULL : m->o.id_field;
}

/* The contact body; owner/company 0 and tags GHL-only give the hash
 * input (GHL data alone, §9.1). */
static char *
contact_body(struct mirror *m, const struct ctx *x, long long owner,
    long long company, const char *tags)
{
	struct sm_contact_body b;
	const struct mirror_contact_fields *f = &x->f;

	memset(&b, 0, sizeof b);
	b.first_name = f->first_name;
	b.last_name = f->last_name;
	b.email = f->email;
	b.mobile = f->mobile;
	b.website = f->website;
	b.addr1 = f->addr1;
	b.city = f->city;
	b.state = f->state;
	b.zip = f->zip;
	b.country = f->country;
	b.tags = tags;
	b.id_field = id_field(m);
	b.ghl_id = x->ghl_id;
	b.owner = owner;
	b.company = company;
	return codec_sm_contact_json(&b);
}

static void
contact_hash(struct mirror *m, struct ctx *x)
{
	char *tags = mirror_join_tags(&x->f.tags);
	char *body = contact_body(m, x, 0, 0, tags);
	char *in;

	in = xasprintf("%s\ncompany:%s", body, m->o.no_company ? "" :
	    x->f.company_name);
	mirror_hash(in, x->hash);
	free(in);
	free(body);
	free(tags);
}

/* One contact search (#6) on field = value; rows appended to *v. */
static int
search_contacts(struct mirror *m, const char *field, const char *value,
    struct sm_row **vp, size_t *np, struct err *e)
{
	const char *fields[5];
	struct sm_result res;
	char *body, *fname, *idf = NULL;
	size_t nf = 0;
	long total;
	int rc;

	fields[nf++] = "contact.id";
	fields[nf++] = "contact.email";
	fields[nf++] = "contact.mobile";
	fields[nf++] = "contact.phone";
	if (id_field(m) != NULL) {
		idf = xasprintf("contact.%s", id_field(m));
		fields[nf++] = idf;
	}
	fname = xasprintf("contact.%s", field);
	body = codec_sm_search_json(1, "Contact", fname, value, 0, fields, nf,
	    "contact.id");
	rc = call(m, "POST", "/apis/contact/v4/search?rows=10&from=0", body,
	    0, &res, e);
	free(body);
	free(fname);
	free(idf);
	if (rc)
		return rc;
	rc = codec_sm_search_rows(res.data, id_field(m), vp, np, &total);
	sm_result_free(&res);
	if (rc)
		return err_set(e, ERR_PARSE, "POST /apis/contact/v4/search: "
		    "unexpected search result");
	return 0;
}

/*
 * Keep the candidates of one step: not holding another GHL id (steps 2-3),
 * matching digits (step 3).  Lowest id wins; the others are reported as
 * possible duplicates.  Returns 1 with *id set when one was found.
 */
static int
pick(struct mirror *m, struct ctx *x, struct sm_row *v, size_t n,
    const char *digits, long long *id)
{
	char d[64], *line;
	struct buf dups;
	size_t i;
	long long best = 0;

	buf_init(&dups, 0);
	for (i = 0; i < n; i++) {
		if (id_field(m) != NULL && !empty(v[i].ghl_id) &&
		    strcmp(v[i].ghl_id, x->ghl_id) != 0)
			continue;
		if (digits != NULL) {
			mirror_digits(v[i].mobile, d, sizeof d);
			if (strcmp(d, digits) != 0) {
				mirror_digits(v[i].phone, d, sizeof d);
				if (strcmp(d, digits) != 0)
					continue;
			}
		}
		if (best == 0 || v[i].id < best) {
			if (best != 0)
				(void)buf_printf(&dups, " %lld", best);
			best = v[i].id;
		} else {
			(void)buf_printf(&dups, " %lld", v[i].id);
		}
	}
	if (best != 0 && dups.len > 0) {
		line = xasprintf("contact %s: Salesmate %lld chosen; possible "
		    "duplicates:%s", x->ghl_id, best, buf_str(&dups));
		strv_push(&m->r.duplicates, line);
		run_log(m, "info", x->ghl_id, line);
		free(line);
	}
	buf_free(&dups);
	*id = best;
	return best != 0;
}

/* Matching steps 1-3 (also the recovery of a pending create). */
static int
match_contact(struct mirror *m, struct ctx *x, long long *id, struct err *e)
{
	struct sm_row *v = NULL;
	size_t n = 0;
	char digits[64];
	int rc, found = 0;

	*id = 0;
	if (id_field(m) != NULL) {
		rc = search_contacts(m, id_field(m), x->ghl_id, &v, &n, e);
		if (rc)
			return rc;
		found = pick(m, x, v, n, NULL, id);
		sm_rows_free(v, n);
		if (found)
			return 0;
	}
	if (!empty(x->f.email)) {
		rc = search_contacts(m, "email", x->f.email, &v, &n, e);
		if (rc)
			return rc;
		found = pick(m, x, v, n, NULL, id);
		sm_rows_free(v, n);
		if (found)
			return 0;
	}
	mirror_digits(x->f.mobile, digits, sizeof digits);
	if (digits[0] != '\0') {
		rc = search_contacts(m, "mobile", x->f.mobile, &v, &n, e);
		if (rc)
			return rc;
		found = pick(m, x, v, n, digits, id);
		sm_rows_free(v, n);
		if (found)
			return 0;
		rc = search_contacts(m, "phone", x->f.mobile, &v, &n, e);
		if (rc)
			return rc;
		found = pick(m, x, v, n, digits, id);
		sm_rows_free(v, n);
	}
	return 0;
}

/* Find or create the company named like the GHL companyName (§7.1). */
static int
ensure_company(struct mirror *m, const char *name, long long *id,
    struct err *e)
{
	static const char *const fields[] = { "company.id", "company.name" };
	struct sm_result res;
	struct sm_row *v = NULL;
	size_t n = 0, i;
	char *lower, *p, *body;
	long total;
	int rc;

	*id = 0;
	if (m->o.no_company || empty(name))
		return 0;
	lower = xstrdup(name);
	for (p = lower; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (cache_mirror_company_get(m->db, lower, id, NULL) == 0 && *id > 0) {
		free(lower);
		return 0;
	}
	body = codec_sm_search_json(5, "Company", "company.name", name, 0,
	    fields, nitems(fields), "company.id");
	rc = call(m, "POST", "/apis/company/v4/search?rows=10&from=0", body,
	    0, &res, e);
	free(body);
	if (rc)
		goto out;
	rc = codec_sm_search_rows(res.data, NULL, &v, &n, &total);
	sm_result_free(&res);
	if (rc) {
		rc = err_set(e, ERR_PARSE, "POST /apis/company/v4/search: "
		    "unexpected search result");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (*id == 0 || v[i].id < *id)
			*id = v[i].id;
	sm_rows_free(v, n);
	if (*id == 0) {
		rc = ensure_owner(m, e);
		if (rc)
			goto out;
		body = codec_sm_company_json(name, m->owner);
		rc = call(m, "POST", "/apis/company/v4", body, 1, &res, e);
		free(body);
		if (rc) {
			err_prefix(e, "company \"%s\"", name);
			goto out;
		}
		rc = codec_sm_id(res.data, "id", id);
		sm_result_free(&res);
		if (rc) {
			rc = err_set(e, ERR_PARSE, "POST /apis/company/v4: no id "
			    "in the response");
			goto out;
		}
		m->r.companies.created++;
	}
	if (!m->o.dry_run)
		(void)cache_mirror_company_put(m->db, lower, *id, NULL);
out:
	free(lower);
	return rc;
}

/* POST the contact (write-ahead pending row first). */
static int
create_contact(struct mirror *m, struct ctx *x, struct cm_item *row,
    struct err *e)
{
	struct sm_result res;
	long long company = 0, id;
	char *tags, *body;
	int rc;

	rc = ensure_owner(m, e);
	if (rc)
		return rc;
	rc = ensure_company(m, x->f.company_name, &company, e);
	if (rc)
		return rc;
	tags = mirror_join_tags(&x->f.tags);
	body = contact_body(m, x, m->owner, company, tags);
	free(tags);
	/* Write-ahead: pending before the request is sent (§9.4 rule 1). */
	cm_item_free(row);
	row->kind = CM_CONTACT;
	row->ghl_id = xstrdup(x->ghl_id);
	row->ghl_contact_id = xstrdup(x->ghl_id);
	row->state = xstrdup("pending");
	row->hash = xstrdup(x->hash);
	row->tags_json = codec_sm_strv_json(&x->f.tags);
	row->mirrored_at = wall_ms();
	rc = put_row(m, row, e);
	if (rc) {
		free(body);
		return rc;
	}
	rc = call(m, "POST", "/apis/contact/v4", body, 1, &res, e);
	free(body);
	crashpoint("mirror.after_send");
	if (rc) {
		err_prefix(e, "contact %s", x->ghl_id);
		if (!res.unknown && !mirror_fatal(rc)) {
			mark_failed(m, row, e);
			m->r.contacts.failed++;
		} else if (!res.unknown) {
			/* Refused before anything was made: not pending. */
			(void)del_row(m, CM_CONTACT, x->ghl_id, NULL);
		} else {
			m->r.contacts.failed++;
		}
		fail_note(m, "contact", x->ghl_id, x->ghl_id, e);
		return rc;
	}
	rc = codec_sm_id(res.data, "id", &id);
	sm_result_free(&res);
	if (rc) {
		m->r.contacts.failed++;
		return err_set(e, ERR_PARSE, "POST /apis/contact/v4: no id in "
		    "the response (contact %s stays pending)", x->ghl_id);
	}
	row->sm_id = id;
	row->sm_contact_id = id;
	free(row->state);
	row->state = xstrdup("ok");
	row->verified_at = row->mirrored_at = wall_ms();
	rc = put_row(m, row, e);
	x->sm_id = id;
	x->fresh = 1;
	m->r.contacts.created++;
	return rc;
}

/* GET the Salesmate contact, merge tags, PUT (§7.1, §9.4 rule 3). */
static int
update_contact(struct mirror *m, struct ctx *x, struct cm_item *row,
    int *gone, struct err *e)
{
	struct sm_result res;
	struct sm_row cur;
	struct strv last = { NULL, 0 }, merged = { NULL, 0 };
	long long company = 0;
	char path[64], *tags, *body;
	int rc;

	*gone = 0;
	snprintf(path, sizeof path, "/apis/contact/v4/%lld", row->sm_id);
	rc = call(m, "GET", path, NULL, 0, &res, e);
	if (rc == ERR_NOTFOUND) {
		*gone = 1;
		return 0;
	}
	if (rc)
		return rc;
	rc = codec_sm_object(res.data, id_field(m), &cur);
	sm_result_free(&res);
	if (rc)
		return err_set(e, ERR_PARSE, "GET %s: unexpected contact", path);
	row->verified_at = wall_ms();
	if (row->hash != NULL && strcmp(row->hash, x->hash) == 0 &&
	    strcmp(row->state, "ok") == 0) {
		/* Verified and unchanged. */
		sm_row_free(&cur);
		m->r.contacts.unchanged++;
		return put_row(m, row, e);
	}
	rc = ensure_owner(m, e);
	if (rc == 0)
		rc = ensure_company(m, x->f.company_name, &company, e);
	if (rc) {
		sm_row_free(&cur);
		return rc;
	}
	if (row->tags_json != NULL)
		(void)codec_sm_strv_from_json(row->tags_json, &last);
	mirror_merge_tags(&cur.tags, &last, &x->f.tags, &merged);
	sm_row_free(&cur);
	tags = mirror_join_tags(&merged);
	body = contact_body(m, x, m->owner, company, tags);
	free(tags);
	strv_free(&last);
	strv_free(&merged);
	rc = call(m, "PUT", path, body, 0, &res, e);
	free(body);
	if (rc == ERR_NOTFOUND) {
		*gone = 1;
		return 0;
	}
	if (rc) {
		err_prefix(e, "contact %s", x->ghl_id);
		if (!mirror_fatal(rc))
			mark_failed(m, row, e);
		m->r.contacts.failed++;
		fail_note(m, "contact", x->ghl_id, x->ghl_id, e);
		return rc;
	}
	sm_result_free(&res);
	free(row->state);
	row->state = xstrdup("ok");
	free(row->hash);
	row->hash = xstrdup(x->hash);
	free(row->tags_json);
	row->tags_json = codec_sm_strv_json(&x->f.tags);
	row->mirrored_at = wall_ms();
	m->r.contacts.updated++;
	return put_row(m, row, e);
}

/* The contact itself; sets x->sm_id. */
static int
sync_contact_row(struct mirror *m, struct ctx *x, struct err *e)
{
	struct cm_item row;
	long long id = 0;
	int rc, gone, have, rounds;

	memset(&row, 0, sizeof row);
	have = cache_mirror_get(m->db, CM_CONTACT, x->ghl_id, &row, NULL) == 0;
	if (have && strcmp(row.state, "pending") == 0) {
		/* A create whose outcome is unknown: recover first. */
		rc = match_contact(m, x, &id, e);
		if (rc)
			goto out;
		if (id == 0) {
			rc = create_contact(m, x, &row, e);
			goto out;
		}
		row.sm_id = row.sm_contact_id = id;
		free(row.state);
		row.state = xstrdup("ok");
		m->r.contacts.adopted++;
		rc = put_row(m, &row, e);
		if (rc)
			goto out;
	}
	for (rounds = 0; rounds < 2; rounds++) {
		if (have && row.sm_id > 0) {
			x->sm_id = row.sm_id;
			if (row.hash != NULL && strcmp(row.hash, x->hash) == 0 &&
			    strcmp(row.state, "ok") == 0 &&
			    m->o.verify_ms > 0 &&
			    row.verified_at > wall_ms() - m->o.verify_ms) {
				m->r.contacts.unchanged++;
				rc = 0;
				goto out;
			}
			rc = update_contact(m, x, &row, &gone, e);
			if (rc || !gone)
				goto out;
			/* Deleted in Salesmate: forget it and match again. */
			(void)del_row(m, CM_CONTACT, x->ghl_id, NULL);
			cm_item_free(&row);
			have = 0;
			x->sm_id = 0;
		}
		rc = match_contact(m, x, &id, e);
		if (rc)
			goto out;
		if (id == 0) {
			rc = create_contact(m, x, &row, e);
			goto out;
		}
		/* Matched: record it, then update it (carries the GHL id). */
		cm_item_free(&row);
		row.kind = CM_CONTACT;
		row.ghl_id = xstrdup(x->ghl_id);
		row.ghl_contact_id = xstrdup(x->ghl_id);
		row.sm_id = row.sm_contact_id = id;
		row.state = xstrdup("ok");
		m->r.contacts.adopted++;
		rc = put_row(m, &row, e);
		if (rc)
			goto out;
		have = 1;
	}
	rc = err_set(e, ERR_CONFLICT, "contact %s: Salesmate contact vanished "
	    "twice while mirroring", x->ghl_id);
out:
	cm_item_free(&row);
	return rc;
}

/* ---- tasks and notes (§9.5) ---- */

static int
load_acts(struct mirror *m, struct ctx *x, struct err *e)
{
	static const char *const fields[] = {
		"activity.id", "activity.title", "activity.description",
		"activity.isCompleted", "activity.dueDate"
	};
	struct sm_result res;
	struct sm_row *v;
	size_t n, i;
	long from = 0, total;
	char path[128], val[32], *body;
	int rc;

	if (x->have_acts)
		return 0;
	snprintf(val, sizeof val, "%lld", x->sm_id);
	body = codec_sm_search_json(2, "Task", "activity.primaryContact", val,
	    1, fields, nitems(fields), "activity.id");
	for (;;) {
		snprintf(path, sizeof path, "/apis/activity/v4/search?rows=250"
		    "&from=%ld&viewType=list", from);
		rc = call(m, "POST", path, body, 0, &res, e);
		if (rc)
			break;
		rc = codec_sm_search_rows(res.data, NULL, &v, &n, &total);
		sm_result_free(&res);
		if (rc) {
			rc = err_set(e, ERR_PARSE, "POST /apis/activity/v4/"
			    "search: unexpected result");
			break;
		}
		x->acts = xreallocarray(x->acts, x->nacts + n + 1,
		    sizeof *x->acts);
		for (i = 0; i < n; i++)
			x->acts[x->nacts++] = v[i];
		free(v);
		from += 250;
		if (n == 0 || from >= total)
			break;
	}
	free(body);
	if (rc == 0)
		x->have_acts = 1;
	return rc;
}

static long long find_marker(const struct sm_row *, size_t, const char *);

/* Fallback recovery: activities titled like t, carrying marker. */
static int
find_act_by_title(struct mirror *m, const struct task *t, const char *marker,
    long long *id, struct err *e)
{
	static const char *const fields[] = {
		"activity.id", "activity.title", "activity.description"
	};
	struct sm_result res;
	struct sm_row *v;
	size_t n;
	long total;
	char *title = mirror_task_title(t), *body;
	int rc;

	*id = 0;
	body = codec_sm_search_json(2, "Task", "activity.title", title, 0,
	    fields, nitems(fields), "activity.id");
	free(title);
	rc = call(m, "POST", "/apis/activity/v4/search?rows=250&from=0"
	    "&viewType=list", body, 0, &res, e);
	free(body);
	if (rc)
		return rc;
	rc = codec_sm_search_rows(res.data, NULL, &v, &n, &total);
	sm_result_free(&res);
	if (rc)
		return err_set(e, ERR_PARSE, "POST /apis/activity/v4/search: "
		    "unexpected result");
	*id = find_marker(v, n, marker);
	sm_rows_free(v, n);
	return 0;
}

static int
load_notes(struct mirror *m, struct ctx *x, struct err *e)
{
	struct sm_result res;
	char path[128];
	int rc;

	if (x->have_notes)
		return 0;
	snprintf(path, sizeof path, "/apis/module/v4/modules/1/objects/%lld/"
	    "notes", x->sm_id);
	rc = call(m, "GET", path, NULL, 0, &res, e);
	if (rc)
		return rc;
	rc = codec_sm_note_list(res.data, &x->notes, &x->nnotes);
	sm_result_free(&res);
	if (rc)
		return err_set(e, ERR_PARSE, "GET %s: unexpected note list",
		    path);
	x->have_notes = 1;
	return 0;
}

/* Salesmate id of the item whose text carries marker, or 0. */
static long long
find_marker(const struct sm_row *v, size_t n, const char *marker)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].text != NULL && strstr(v[i].text, marker) != NULL)
			return v[i].id;
	return 0;
}

static struct cm_item *
find_row(struct cm_item *v, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].ghl_id != NULL && strcmp(v[i].ghl_id, id) == 0)
			return &v[i];
	return NULL;
}

static char *
task_body(struct mirror *m, struct ctx *x, const struct task *t,
    long long owner)
{
	struct sm_activity_body b;
	char *title = mirror_task_title(t), *desc = mirror_task_description(t);
	char *out;

	memset(&b, 0, sizeof b);
	b.title = title;
	b.type = m->o.activity_type;
	b.description = desc;
	b.owner = owner;
	b.primary_contact = x->sm_id;
	b.due_ms = t->due_date ? mirror_parse_iso_ms(t->due_date) : -1;
	b.completed = t->completed == TRI_TRUE;
	out = codec_sm_activity_json(&b);
	free(title);
	free(desc);
	return out;
}

/*
 * Send one item: PUT when sm_id is known (ObjectNotFound sets *gone), else
 * POST with a write-ahead pending row.  row is updated and stored.
 */
static int
send_item(struct mirror *m, struct ctx *x, struct cm_item *row,
    struct mirror_counts *cnt, const char *what, const char *create_path,
    const char *update_path, const char *id_key, const char *body,
    const char *hash, int *gone, struct err *e)
{
	struct sm_result res;
	long long id;
	int rc, create = row->sm_id <= 0;

	*gone = 0;
	if (create) {
		free(row->state);
		row->state = xstrdup("pending");
		free(row->hash);
		row->hash = xstrdup(hash);
		row->sm_contact_id = x->sm_id;
		row->mirrored_at = wall_ms();
		rc = put_row(m, row, e);
		if (rc)
			return rc;
		rc = call(m, "POST", create_path, body, 1, &res, e);
		crashpoint("mirror.after_send");
	} else {
		rc = call(m, "PUT", update_path, body, 0, &res, e);
		if (rc == ERR_NOTFOUND) {
			*gone = 1;
			return 0;
		}
	}
	if (rc) {
		err_prefix(e, "%s %s", what, row->ghl_id);
		if (create && res.unknown) {
			/* stays pending: recovered next run */
		} else if (create && mirror_fatal(rc)) {
			(void)del_row(m, row->kind, row->ghl_id, NULL);
		} else if (!mirror_fatal(rc)) {
			mark_failed(m, row, e);
		}
		cnt->failed++;
		fail_note(m, what, row->ghl_id, x->ghl_id, e);
		return rc;
	}
	if (create) {
		rc = codec_sm_id(res.data, id_key, &id);
		sm_result_free(&res);
		if (rc) {
			cnt->failed++;
			return err_set(e, ERR_PARSE, "POST %s: no %s in the "
			    "response (%s %s stays pending)", create_path,
			    id_key, what, row->ghl_id);
		}
		row->sm_id = id;
		cnt->created++;
	} else {
		sm_result_free(&res);
		cnt->updated++;
	}
	free(row->state);
	row->state = xstrdup("ok");
	free(row->hash);
	row->hash = xstrdup(hash);
	row->sm_contact_id = x->sm_id;
	row->mirrored_at = wall_ms();
	return put_row(m, row, e);
}

static int
delete_item(struct mirror *m, const char *path, struct cm_item *row,
    struct mirror_counts *cnt, const char *what, const char *contact_id,
    struct err *e)
{
	struct sm_result res;
	int rc;

	rc = call(m, "DELETE", path, NULL, 0, &res, e);
	sm_result_free(&res);
	if (rc && rc != ERR_NOTFOUND) {
		err_prefix(e, "%s %s", what, row->ghl_id);
		cnt->failed++;
		fail_note(m, what, row->ghl_id, contact_id, e);
		return rc;
	}
	cnt->deleted++;
	return del_row(m, row->kind, row->ghl_id, e);
}

/* Remember the first non-fatal error; return 1 when rc must stop. */
static int
keep(int rc, int *first, struct err *e, struct err *firste)
{
	if (rc == 0)
		return 0;
	if (*first == 0) {
		*first = rc;
		if (e != NULL && firste != NULL)
			*firste = *e;
	}
	return mirror_fatal(rc);
}

static int
mirror_tasks(struct mirror *m, struct ctx *x, struct err *e)
{
	struct task *tv = NULL;
	struct cm_item *rows = NULL, *row, fresh;
	size_t tn = 0, rn = 0, i;
	struct err first_e;
	char hash[65], marker[128], upath[64], dpath[96], *hbody, *body;
	int rc, first = 0, gone, found;
	long long adopt;

	memset(&first_e, 0, sizeof first_e);
	rc = cache_get_tasks(m->o.cache, x->ghl_id, &tv, &tn, e);
	if (rc)
		return rc;
	rc = cache_mirror_children(m->db, CM_TASK, x->ghl_id, &rows, &rn, e);
	if (rc)
		goto out;
	for (i = 0; i < tn; i++) {
		const struct task *t = &tv[i];

		if (t->id == NULL || strncmp(t->id, "local-", 6) == 0)
			continue;	/* not created in GHL yet */
		hbody = task_body(m, x, t, 0);
		mirror_hash(hbody, hash);
		free(hbody);
		row = find_row(rows, rn, t->id);
		memset(&fresh, 0, sizeof fresh);
		if (row == NULL) {
			fresh.kind = CM_TASK;
			fresh.ghl_id = xstrdup(t->id);
			fresh.ghl_contact_id = xstrdup(x->ghl_id);
			row = &fresh;
		}
		if (row->sm_id > 0 && row->state && strcmp(row->state,
		    "ok") == 0 && row->hash && strcmp(row->hash, hash) == 0) {
			m->r.tasks.unchanged++;
			cm_item_free(&fresh);
			continue;
		}
		if (row->sm_id <= 0 && (!x->fresh ||
		    (row->state && strcmp(row->state, "pending") == 0))) {
			/* Recovery lookup by marker before any POST. */
			snprintf(marker, sizeof marker, "[ghl:task:%s]", t->id);
			rc = x->acts_by_title ? ERR_INVALID : load_acts(m, x, e);
			if (rc == ERR_INVALID) {
				/* The primaryContact filter was refused:
				 * fall back to the title (§8.12). */
				x->acts_by_title = 1;
				rc = find_act_by_title(m, t, marker, &adopt, e);
			} else if (rc == 0) {
				adopt = find_marker(x->acts, x->nacts, marker);
			}
			if (keep(rc, &first, e, &first_e)) {
				cm_item_free(&fresh);
				goto out;
			}
			if (rc) {
				cm_item_free(&fresh);
				continue;
			}
			if (adopt > 0) {
				row->sm_id = adopt;
				m->r.tasks.adopted++;
			}
		}
		for (found = 0; found < 2; found++) {
			if (m->owner == 0) {
				rc = ensure_owner(m, e);
				if (rc)
					break;
			}
			body = task_body(m, x, t, m->owner);
			snprintf(upath, sizeof upath, "/apis/activity/v4/%lld",
			    row->sm_id);
			rc = send_item(m, x, row, &m->r.tasks, "task",
			    "/apis/activity/v4", upath, "id", body, hash,
			    &gone, e);
			free(body);
			if (rc || !gone)
				break;
			row->sm_id = 0;	/* deleted in Salesmate: re-create */
		}
		cm_item_free(&fresh);
		if (keep(rc, &first, e, &first_e))
			goto out;
	}
	/* Mapped tasks gone from GHL: delete in Salesmate (§9.5). */
	for (i = 0; i < rn; i++) {
		size_t j;

		for (j = 0; j < tn; j++)
			if (tv[j].id && strcmp(tv[j].id, rows[i].ghl_id) == 0)
				break;
		if (j < tn)
			continue;
		if (rows[i].sm_id <= 0) {
			(void)del_row(m, CM_TASK, rows[i].ghl_id, NULL);
			continue;
		}
		snprintf(dpath, sizeof dpath, "/apis/activity/v4/%lld"
		    "?hardDelete=false", rows[i].sm_id);
		rc = delete_item(m, dpath, &rows[i], &m->r.tasks, "task",
		    x->ghl_id, e);
		if (keep(rc, &first, e, &first_e))
			goto out;
	}
	rc = 0;
out:
	if (rc == 0 && first != 0) {
		rc = first;
		if (e != NULL)
			*e = first_e;
	}
	tasks_free(tv, tn);
	cm_items_free(rows, rn);
	return rc;
}

static int
pin_note(struct mirror *m, struct ctx *x, struct cm_item *row, int pinned,
    struct err *e)
{
	struct sm_result res;
	char path[160];
	int rc;

	snprintf(path, sizeof path, "/apis/contact/v4/modules/1/object/%lld/"
	    "notes/%lld/%s", x->sm_id, row->sm_id, pinned ? "pin-it" :
	    "unpin-it");
	rc = call(m, "PATCH", path, "{}", 0, &res, e);
	sm_result_free(&res);
	if (rc) {
		err_prefix(e, "note %s", row->ghl_id);
		fail_note(m, "note", row->ghl_id, x->ghl_id, e);
		return rc;
	}
	row->pinned = pinned;
	return put_row(m, row, e);
}

static int
mirror_notes(struct mirror *m, struct ctx *x, struct err *e)
{
	struct note *nv = NULL;
	struct cm_item *rows = NULL, *row, fresh;
	size_t nn = 0, rn = 0, i;
	struct err first_e;
	char hash[65], marker[128], cpath[96], upath[128], *html, *body;
	int rc, first = 0, gone, round, pinned;
	long long adopt;

	memset(&first_e, 0, sizeof first_e);
	rc = cache_get_notes(m->o.cache, x->ghl_id, &nv, &nn, e);
	if (rc)
		return rc;
	rc = cache_mirror_children(m->db, CM_NOTE, x->ghl_id, &rows, &rn, e);
	if (rc)
		goto out;
	snprintf(cpath, sizeof cpath, "/apis/contact/v4/modules/1/object/%lld/"
	    "notes", x->sm_id);
	for (i = 0; i < nn; i++) {
		const struct note *n = &nv[i];

		if (n->id == NULL || strncmp(n->id, "local-", 6) == 0)
			continue;
		pinned = n->pinned == TRI_TRUE;
		html = mirror_note_html(n);
		body = codec_sm_note_json(html);
		free(html);
		mirror_hash(body, hash);
		row = find_row(rows, rn, n->id);
		memset(&fresh, 0, sizeof fresh);
		if (row != NULL && row->sm_contact_id != x->sm_id) {
			/* The contact was re-created: its notes went with it. */
			row->sm_id = 0;
			free(row->state);
			row->state = NULL;
		}
		if (row == NULL) {
			fresh.kind = CM_NOTE;
			fresh.ghl_id = xstrdup(n->id);
			fresh.ghl_contact_id = xstrdup(x->ghl_id);
			fresh.pinned = 0;
			row = &fresh;
		}
		if (row->sm_id > 0 && row->state && strcmp(row->state,
		    "ok") == 0 && row->hash && strcmp(row->hash, hash) == 0) {
			rc = 0;
			if (row->pinned != pinned)
				rc = pin_note(m, x, row, pinned, e);
			else
				m->r.notes.unchanged++;
			free(body);
			cm_item_free(&fresh);
			if (keep(rc, &first, e, &first_e))
				goto out;
			continue;
		}
		if (row->sm_id <= 0 && (!x->fresh ||
		    (row->state && strcmp(row->state, "pending") == 0))) {
			rc = load_notes(m, x, e);
			if (rc) {
				free(body);
				cm_item_free(&fresh);
				if (keep(rc, &first, e, &first_e))
					goto out;
				continue;
			}
			snprintf(marker, sizeof marker, "[ghl:note:%s]", n->id);
			adopt = find_marker(x->notes, x->nnotes, marker);
			if (adopt > 0) {
				row->sm_id = adopt;
				m->r.notes.adopted++;
			}
		}
		for (round = 0; round < 2; round++) {
			snprintf(upath, sizeof upath, "%s/%lld", cpath,
			    row->sm_id);
			rc = send_item(m, x, row, &m->r.notes, "note", cpath,
			    upath, "noteId", body, hash, &gone, e);
			if (rc || !gone)
				break;
			row->sm_id = 0;
		}
		if (rc == 0 && row->pinned != pinned)
			rc = pin_note(m, x, row, pinned, e);
		free(body);
		cm_item_free(&fresh);
		if (keep(rc, &first, e, &first_e))
			goto out;
	}
	for (i = 0; i < rn; i++) {
		size_t j;

		for (j = 0; j < nn; j++)
			if (nv[j].id && strcmp(nv[j].id, rows[i].ghl_id) == 0)
				break;
		if (j < nn)
			continue;
		if (rows[i].sm_id <= 0) {
			(void)del_row(m, CM_NOTE, rows[i].ghl_id, NULL);
			continue;
		}
		snprintf(upath, sizeof upath, "/apis/contact/v4/modules/1/"
		    "object/%lld/notes/%lld", rows[i].sm_contact_id,
		    rows[i].sm_id);
		rc = delete_item(m, upath, &rows[i], &m->r.notes, "note",
		    x->ghl_id, e);
		if (keep(rc, &first, e, &first_e))
			goto out;
	}
	rc = 0;
out:
	if (rc == 0 && first != 0) {
		rc = first;
		if (e != NULL)
			*e = first_e;
	}
	notes_free(nv, nn);
	cm_items_free(rows, rn);
	return rc;
}

/* §9.6: the contact is deleted in GHL. */
static int
contact_deleted(struct mirror *m, struct cm_item *row, struct err *e)
{
	struct cm_item *v = NULL;
	size_t n = 0, i;
	char path[160];
	int rc;

	rc = cache_mirror_children(m->db, CM_TASK, row->ghl_id, &v, &n, e);
	for (i = 0; rc == 0 && i < n; i++) {
		if (v[i].sm_id <= 0) {
			(void)del_row(m, CM_TASK, v[i].ghl_id, NULL);
			continue;
		}
		snprintf(path, sizeof path, "/apis/activity/v4/%lld"
		    "?hardDelete=false", v[i].sm_id);
		rc = delete_item(m, path, &v[i], &m->r.tasks, "task",
		    row->ghl_id, e);
	}
	cm_items_free(v, n);
	if (rc)
		return rc;
	rc = cache_mirror_children(m->db, CM_NOTE, row->ghl_id, &v, &n, e);
	for (i = 0; rc == 0 && i < n; i++) {
		if (v[i].sm_id <= 0) {
			(void)del_row(m, CM_NOTE, v[i].ghl_id, NULL);
			continue;
		}
		snprintf(path, sizeof path, "/apis/contact/v4/modules/1/object/"
		    "%lld/notes/%lld", v[i].sm_contact_id, v[i].sm_id);
		rc = delete_item(m, path, &v[i], &m->r.notes, "note",
		    row->ghl_id, e);
	}
	cm_items_free(v, n);
	if (rc)
		return rc;
	if (strcmp(row->state, "ghl_deleted") == 0)
		return 0;
	if (m->o.delete_contacts && row->sm_id > 0) {
		struct sm_result res;

		snprintf(path, sizeof path, "/apis/contact/v4/%lld",
		    row->sm_id);
		rc = call(m, "DELETE", path, NULL, 0, &res, e);
		sm_result_free(&res);
		if (rc && rc != ERR_NOTFOUND)
			return rc;
	}
	free(row->state);
	row->state = xstrdup("ghl_deleted");
	row->mirrored_at = wall_ms();
	m->r.contacts.deleted++;
	return put_row(m, row, e);
}

int
mirror_contact(struct mirror *m, const char *ghl_id, struct err *e)
{
	struct ctx x;
	struct cm_item row;
	int rc, rc2, deleted = 0;
	char *w;

	memset(&x, 0, sizeof x);
	x.ghl_id = ghl_id;
	rc = cache_get_contact(m->o.cache, ghl_id, &x.c, NULL, e);
	if (rc == ERR_NOTFOUND) {
		if (cache_mirror_get(m->db, CM_CONTACT, ghl_id, &row,
		    NULL) != 0)
			return err_set(e, ERR_NOTFOUND, "contact %s is not in "
			    "the cache (sync it first)", ghl_id);
		if (cache_has_contact(m->o.cache, ghl_id, &deleted) &&
		    deleted)
			rc = contact_deleted(m, &row, e);
		else
			rc = err_set(e, ERR_NOTFOUND, "contact %s is not in "
			    "the cache (sync it first)", ghl_id);
		cm_item_free(&row);
		return rc;
	}
	if (rc)
		return rc;
	if (strncmp(ghl_id, "local-", 6) == 0) {
		contact_free(&x.c);
		return err_set(e, ERR_INVALID, "contact %s is not on "
		    "HighLevel yet (pending create)", ghl_id);
	}
	if (id_field(m) == NULL && !m->warned_field) {
		m->warned_field = 1;
		w = xstrdup("salesmate.id_field is not set: contacts are "
		    "matched by the local map, email and phone only");
		strv_push(&m->r.warnings, w);
		run_log(m, "info", NULL, w);
		free(w);
	}
	mirror_map_contact(&x.c, &x.f);
	if (x.f.bad_email) {
		w = xasprintf("contact %s: email \"%s\" has no @, not sent",
		    ghl_id, x.c.email);
		strv_push(&m->r.warnings, w);
		run_log(m, "info", ghl_id, w);
		free(w);
	}
	contact_hash(m, &x);
	rc = sync_contact_row(m, &x, e);
	if (rc == 0 && x.sm_id <= 0 && !m->o.dry_run)
		rc = err_set(e, ERR_CONFLICT, "contact %s: no Salesmate id",
		    ghl_id);
	if (rc == 0) {
		/* Order: contact, tasks, notes (§9.4 rule 5). */
		rc = mirror_tasks(m, &x, e);
		if (!mirror_fatal(rc)) {
			struct err e2;

			rc2 = mirror_notes(m, &x, &e2);
			if (rc2 && (rc == 0 || mirror_fatal(rc2))) {
				rc = rc2;
				if (e != NULL)
					*e = e2;
			}
		}
	}
	/* Tasks and notes of a failed contact wait for the next run. */
	contact_free(&x.c);
	mirror_contact_fields_free(&x.f);
	sm_rows_free(x.acts, x.nacts);
	sm_rows_free(x.notes, x.nnotes);
	return rc;
}
