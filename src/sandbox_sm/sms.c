/*
 * sms.c: the Salesmate sandbox server: an in-memory store of users,
 * contacts, companies, activities and notes (cJSON objects), the v4 routes
 * of salesmate CONTRACT §0 with the checks of §3.3 in order, the search
 * language of §5, and the /_sandbox/ control endpoints for tests.  One
 * mutex guards everything; libmicrohttpd runs one internal thread.
 */
#include "config.h"
#include "sms.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "xmalloc.h"

#define BODY_MAX	(1024 * 1024)

static const struct sms_user seeded_users[] = {
	{ 3, "Priya", "Raman", "priya.raman@acme-demo.example", 1, 1 },
	{ 7, "Tom", "Becker", "tom.becker@acme-demo.example", 1, 0 },
	{ 9, "Ina", "Vogel", "ina.vogel@acme-demo.example", 0, 0 },
};

struct fault {
	char		*method, *path;	/* path prefix; NULL matches any */
	long		 count;
	int		 status;	/* 0: no error reply */
	char		*name, *message;
	int		 drop_after;	/* apply, then drop the connection */
	struct fault	*next;
};

struct sms {
	struct MHD_Daemon *d;
	char		 url[80];
	pthread_mutex_t	 mu;
	char		*link;
	char		**keys;
	size_t		 nkeys;
	int		 live403, nf200, dup_email;
	long		 rate;
	long long	 fixed_now;
	cJSON		*users, *contacts, *companies, *activities, *notes;
	long long	 next_contact, next_company, next_activity, next_note;
	long long	 win_start;
	long		 win_calls;
	long		 calls, writes, n429;
	cJSON		*by_route;
	struct fault	*faults;
};

struct conn {
	char	*body;
	size_t	 len;
	int	 too_big;
};

struct reply {
	int	 status;
	char	*body;
	long	 retry_after;	/* seconds, -1: none */
	int	 drop;
	int	 close;		/* Connection: close */
};

/* ---- helpers ---- */

static long long
now_ms(const struct sms *s)
{
	struct timespec ts;

	if (s->fixed_now)
		return s->fixed_now;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "2025-10-01T12:00:05+00:00" */
static void
iso(long long ms, char *out, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}

static cJSON *
jnew(void)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		fatalx("sandbox: out of memory");
	return o;
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static long long
jid(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	char *end;
	long long x;

	if (cJSON_IsNumber(v))
		return (long long)v->valuedouble;
	if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
		x = strtoll(v->valuestring, &end, 10);
		if (*end == '\0')
			return x;
	}
	return 0;
}

static void
jset(cJSON *o, const char *k, cJSON *v)
{
	if (v == NULL)
		fatalx("sandbox: out of memory");
	if (cJSON_GetObjectItemCaseSensitive(o, k) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(o, k, v);
	else
		cJSON_AddItemToObject(o, k, v);
}

static void
jset_s(cJSON *o, const char *k, const char *v)
{
	jset(o, k, cJSON_CreateString(v));
}

static void
jset_n(cJSON *o, const char *k, double v)
{
	jset(o, k, cJSON_CreateNumber(v));
}

static char *
print(const cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j), *out;

	if (s == NULL)
		fatalx("sandbox: out of memory");
	out = xstrdup(s);
	cJSON_free(s);
	return out;
}

static cJSON *
find_id(cJSON *arr, long long id)
{
	cJSON *it;

	cJSON_ArrayForEach(it, arr)
		if (jid(it, "id") == id && !cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(it, "_deleted")))
			return it;
	return NULL;
}

static void
reply_json(struct reply *r, int status, cJSON *root)
{
	r->status = status;
	r->body = print(root);
	cJSON_Delete(root);
}

static void
reply_ok(struct reply *r, cJSON *data)
{
	cJSON *root = jnew();

	jset_s(root, "Status", "success");
	jset(root, "Data", data);
	reply_json(r, 200, root);
}

static void
reply_err(struct reply *r, int status, const char *code, const char *name,
    const char *msg)
{
	cJSON *root = jnew(), *e = jnew();

	jset_s(root, "Status", "failure");
	if (code != NULL)
		jset_s(e, "Code", code);
	jset_s(e, "Name", name);
	jset_s(e, "Message", msg);
	jset(root, "Error", e);
	reply_json(r, status, root);
}

static void
not_found(struct sms *s, struct reply *r)
{
	reply_err(r, s->nf200 ? 200 : 404, "4005", "ObjectNotFound",
	    "Object not found");
}

static void
invalid(struct reply *r, const char *msg)
{
	reply_err(r, 400, "4001", "ValidationError", msg);
}

static int
is_digits(const char *s)
{
	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static cJSON *
user_of(struct sms *s, long long id, int active_only)
{
	cJSON *u = find_id(s->users, id);

	if (u != NULL && active_only && !cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(u, "isActive")))
		return NULL;
	return u;
}

static char *
user_name(const cJSON *u)
{
	return xasprintf("%s %s", jstr(u, "firstName") ? jstr(u, "firstName") :
	    "", jstr(u, "lastName") ? jstr(u, "lastName") : "");
}

/* ---- contacts ---- */

static const char *const contact_keys[] = {
	"firstName", "lastName", "email", "mobile", "phone", "otherPhone",
	"website", "designation", "description", "billingAddressLine1",
	"billingAddressLine2", "billingCity", "billingState", "billingZipCode",
	"billingCountry", "tags",
};

static int
custom_key(const char *k)
{
	static const char *const pre[] = {
		"textArea", "text", "decimal", "number", "checkbox",
		"dateTime", "date", "select", "multiSelect", "email", "phone",
		"url"
	};
	size_t i, n;
	const char *p;

	for (i = 0; i < nitems(pre); i++) {
		n = strlen(pre[i]);
		if (strncmp(k, pre[i], n) != 0)
			continue;
		p = k + n;
		if (strncmp(p, "CustomField", 11) != 0)
			continue;
		if (is_digits(p + 11))
			return 1;
	}
	return 0;
}

static char *
lower_trim(const char *s)
{
	const char *e;
	char *out, *p;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	out = xstrndup(s, (size_t)(e - s));
	for (p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

/* Validate and apply a contact body onto c (create or update). */
static int
contact_apply(struct sms *s, cJSON *c, const cJSON *b, int create,
    long long self_id, struct reply *r)
{
	const char *ln = jstr(b, "lastName"), *em = jstr(b, "email");
	const cJSON *it, *comp;
	long long owner = jid(b, "owner"), cid;
	char *a, *bb;
	size_t i;

	(void)create;
	if (ln == NULL || *ln == '\0') {
		invalid(r, "Last Name is required");
		return -1;
	}
	if (user_of(s, owner, 1) == NULL) {
		invalid(r, "Invalid owner");
		return -1;
	}
	if (em != NULL && *em != '\0' && strchr(em, '@') == NULL) {
		invalid(r, "Invalid email");
		return -1;
	}
	comp = cJSON_GetObjectItemCaseSensitive(b, "company");
	cid = jid(b, "company");
	if (comp != NULL && !cJSON_IsNull(comp) && (cid <= 0 ||
	    find_id(s->companies, cid) == NULL)) {
		invalid(r, "Invalid company");
		return -1;
	}
	if (s->dup_email && em != NULL && *em != '\0') {
		a = lower_trim(em);
		cJSON_ArrayForEach(it, s->contacts) {
			if (jid(it, "id") == self_id || jstr(it, "email") ==
			    NULL)
				continue;
			bb = lower_trim(jstr(it, "email"));
			i = strcmp(a, bb) == 0;
			free(bb);
			if (i) {
				free(a);
				invalid(r, "Email already exists");
				return -1;
			}
		}
		free(a);
	}
	for (i = 0; i < nitems(contact_keys); i++) {
		it = cJSON_GetObjectItemCaseSensitive(b, contact_keys[i]);
		if (cJSON_IsString(it))
			jset_s(c, contact_keys[i], it->valuestring);
		else if (cJSON_IsNull(it))
			jset_s(c, contact_keys[i], "");
	}
	cJSON_ArrayForEach(it, b)
		if (it->string != NULL && custom_key(it->string))
			jset(c, it->string, cJSON_Duplicate(it, 1));
	jset_n(c, "owner", (double)owner);
	if (comp != NULL)
		jset_n(c, "company", (double)(cJSON_IsNull(comp) ? 0 : cid));
	return 0;
}

static cJSON *
contact_view(struct sms *s, const cJSON *c)
{
	cJSON *o = cJSON_Duplicate(c, 1), *ow, *co;
	const cJSON *u, *comp;
	char *name;
	size_t i;
	char t[40];

	for (i = 0; i < nitems(contact_keys); i++)
		if (cJSON_GetObjectItemCaseSensitive(o, contact_keys[i]) ==
		    NULL)
			jset_s(o, contact_keys[i], "");
	name = xasprintf("%s%s%s", jstr(c, "firstName") ? jstr(c,
	    "firstName") : "", jstr(c, "firstName") && *jstr(c, "firstName") ?
	    " " : "", jstr(c, "lastName") ? jstr(c, "lastName") : "");
	jset_s(o, "name", name);
	free(name);
	u = user_of(s, jid(c, "owner"), 0);
	ow = jnew();
	jset_n(ow, "id", (double)jid(c, "owner"));
	if (u != NULL) {
		name = user_name(u);
		jset_s(ow, "name", name);
		free(name);
		jset_s(ow, "firstName", jstr(u, "firstName"));
		jset_s(ow, "lastName", jstr(u, "lastName"));
		jset_s(ow, "email", jstr(u, "email"));
		jset_s(ow, "photo", "");
	}
	jset(o, "owner", ow);
	comp = find_id(s->companies, jid(c, "company"));
	if (comp != NULL) {
		co = jnew();
		jset_n(co, "id", (double)jid(comp, "id"));
		jset_s(co, "name", jstr(comp, "name"));
		jset(o, "company", co);
	} else {
		jset(o, "company", cJSON_CreateNull());
	}
	iso(jid(c, "_created"), t, sizeof t);
	jset_s(o, "createdAt", t);
	iso(jid(c, "_modified"), t, sizeof t);
	jset_s(o, "lastModifiedAt", t);
	cJSON_DeleteItemFromObjectCaseSensitive(o, "_created");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "_modified");
	return o;
}

/* ---- search (§5) ---- */

/* The value of field (module prefix stripped) of record o as a string
 * (new), or NULL when the field is absent/null. */
static char *
field_value(struct sms *s, const cJSON *o, const char *field)
{
	const char *k = strchr(field, '.');
	const cJSON *v;
	char t[40];

	k = k ? k + 1 : field;
	if (strcmp(k, "createdAt") == 0 || strcmp(k, "lastModifiedAt") == 0) {
		iso(jid(o, k[0] == 'c' ? "_created" : "_modified"), t,
		    sizeof t);
		return xstrdup(t);
	}
	if (strcmp(k, "owner") == 0 || strcmp(k, "owner.id") == 0)
		return xasprintf("%lld", jid(o, "owner"));
	if (strcmp(k, "primaryContact") == 0 ||
	    strcmp(k, "primaryContact.id") == 0)
		return jid(o, "primaryContact") ? xasprintf("%lld", jid(o,
		    "primaryContact")) : NULL;
	(void)s;
	v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (cJSON_IsBool(v))
		return xstrdup(cJSON_IsTrue(v) ? "true" : "false");
	if (cJSON_IsNumber(v))
		return xasprintf("%lld", (long long)v->valuedouble);
	return NULL;
}

static void
digits(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 1 < len; in++)
		if (isdigit((unsigned char)*in))
			out[n++] = *in;
	out[n] = '\0';
}

static int
rule_match(struct sms *s, const cJSON *o, const cJSON *rule)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(rule, "field");
	const char *fname = jstr(f, "fieldName"), *cond = jstr(rule,
	    "condition"), *data = jstr(rule, "data"), *k;
	char *val, *a, *b, da[64], db[64], me[32];
	int res = 0;
	size_t la, lb;

	if (fname == NULL || cond == NULL)
		return 0;
	if (data == NULL) {
		const cJSON *dv = cJSON_GetObjectItemCaseSensitive(rule,
		    "data");

		if (cJSON_IsNumber(dv)) {
			snprintf(me, sizeof me, "%lld",
			    (long long)dv->valuedouble);
			data = me;
		} else {
			data = "";
		}
	}
	if (strcmp(data, "$MYSELF$") == 0) {
		cJSON *u;

		snprintf(me, sizeof me, "0");
		cJSON_ArrayForEach(u, s->users)
			if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u,
			    "isCurrentUser")))
				snprintf(me, sizeof me, "%lld", jid(u, "id"));
		data = me;
	}
	k = strchr(fname, '.');
	k = k ? k + 1 : fname;
	val = field_value(s, o, fname);
	if (strcasecmp(cond, "EMPTY") == 0) {
		res = val == NULL || *val == '\0';
		free(val);
		return res;
	}
	if (strcasecmp(cond, "NOT_EMPTY") == 0) {
		res = val != NULL && *val != '\0';
		free(val);
		return res;
	}
	if (val == NULL)
		val = xstrdup("");
	if (strcmp(k, "mobile") == 0 || strcmp(k, "phone") == 0 ||
	    strcmp(k, "otherPhone") == 0) {
		digits(val, da, sizeof da);
		digits(data, db, sizeof db);
		a = xstrdup(da);
		b = xstrdup(db);
	} else {
		a = lower_trim(val);
		b = lower_trim(data);
	}
	la = strlen(a);
	lb = strlen(b);
	if (strcasecmp(cond, "EQUALS") == 0)
		res = (strcmp(k, "mobile") == 0 || strcmp(k, "phone") == 0 ||
		    strcmp(k, "otherPhone") == 0) ? la > 0 &&
		    strcmp(a, b) == 0 : strcmp(a, b) == 0;
	else if (strcasecmp(cond, "NOT_EQUALS") == 0)
		res = strcmp(a, b) != 0;
	else if (strcasecmp(cond, "CONTAINS") == 0)
		res = strstr(a, b) != NULL;
	else if (strcasecmp(cond, "DOES_NOT_CONTAINS") == 0)
		res = strstr(a, b) == NULL;
	else if (strcasecmp(cond, "STARTS_WITH") == 0)
		res = strncmp(a, b, lb) == 0;
	else if (strcasecmp(cond, "ENDS_WITH") == 0)
		res = la >= lb && strcmp(a + la - lb, b) == 0;
	free(a);
	free(b);
	free(val);
	return res;
}

static int
group_match(struct sms *s, const cJSON *o, const cJSON *g)
{
	const cJSON *rules = cJSON_GetObjectItemCaseSensitive(g, "rules"), *r;
	const char *op = jstr(g, "operator");
	int any = op != NULL && strcasecmp(op, "OR") == 0, m, n = 0;

	cJSON_ArrayForEach(r, rules) {
		const cJSON *sub = cJSON_GetObjectItemCaseSensitive(r, "group");

		m = sub != NULL ? group_match(s, o, sub) : rule_match(s, o, r);
		n++;
		if (any && m)
			return 1;
		if (!any && !m)
			return 0;
	}
	return any ? n == 0 : 1;
}

struct sortctx {
	struct sms	*s;
	const char	*field;
	int		 desc;
};

static struct sortctx *sort_ctx;	/* under s->mu */

static int
cmp_rec(const void *pa, const void *pb)
{
	const cJSON *a = *(const cJSON *const *)pa;
	const cJSON *b = *(const cJSON *const *)pb;
	const char *k;
	char *va, *vb;
	int r;

	k = strchr(sort_ctx->field, '.');
	k = k ? k + 1 : sort_ctx->field;
	if (strcmp(k, "id") == 0 || *k == '\0') {
		r = jid(a, "id") < jid(b, "id") ? -1 : jid(a, "id") > jid(b,
		    "id");
	} else {
		va = field_value(sort_ctx->s, a, sort_ctx->field);
		vb = field_value(sort_ctx->s, b, sort_ctx->field);
		r = strcasecmp(va ? va : "", vb ? vb : "");
		free(va);
		free(vb);
		if (r == 0)
			r = jid(a, "id") < jid(b, "id") ? -1 : jid(a, "id") >
			    jid(b, "id");
	}
	return sort_ctx->desc ? -r : r;
}

/* Put value v at dotted path p (lower-cased keys) in row. */
static void
row_put(cJSON *row, const char *p, cJSON *v)
{
	const char *dot = strchr(p, '.');
	char *k;
	cJSON *sub;

	if (dot == NULL) {
		jset(row, p, v);
		return;
	}
	k = xstrndup(p, (size_t)(dot - p));
	sub = cJSON_GetObjectItemCaseSensitive(row, k);
	if (!cJSON_IsObject(sub)) {
		sub = jnew();
		jset(row, k, sub);
	}
	free(k);
	row_put(sub, dot + 1, v);
}

static cJSON *
row_value(struct sms *s, const cJSON *o, const char *k)
{
	const cJSON *v;
	const cJSON *u;
	char *t;

	if (strcmp(k, "owner.id") == 0 || strcmp(k, "primaryContact.id") == 0 ||
	    strcmp(k, "company.id") == 0) {
		char *key = xstrndup(k, strcspn(k, "."));
		long long id = jid(o, key);

		free(key);
		return id ? cJSON_CreateNumber((double)id) : cJSON_CreateNull();
	}
	if (strcmp(k, "owner.name") == 0) {
		u = user_of(s, jid(o, "owner"), 0);
		if (u == NULL)
			return cJSON_CreateNull();
		t = user_name(u);
		v = cJSON_CreateString(t);
		free(t);
		return (cJSON *)v;
	}
	if (strcmp(k, "createdAt") == 0 || strcmp(k, "lastModifiedAt") == 0) {
		t = field_value(s, o, k);
		v = cJSON_CreateString(t);
		free(t);
		return (cJSON *)v;
	}
	v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (v == NULL || (k[0] == '_'))
		return cJSON_CreateNull();
	if (strcmp(k, "primaryContact") == 0 || strcmp(k, "owner") == 0 ||
	    strcmp(k, "company") == 0) {
		if (jid(o, k) == 0)
			return cJSON_CreateNull();
		u = jnew();
		jset_n((cJSON *)u, "id", (double)jid(o, k));
		return (cJSON *)u;
	}
	return cJSON_Duplicate(v, 1);
}

static void
do_search(struct sms *s, cJSON *arr, const cJSON *body,
    struct MHD_Connection *c, struct reply *r)
{
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(body,
	    "displayingFields"), *fq, *g, *sort, *f;
	const char *rows_s, *from_s, *order;
	struct sortctx sc;
	cJSON **v, *data, *out, *row, *rec;
	size_t n = 0, i;
	long rows = 10, from = 0, total;

	rows_s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "rows");
	from_s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
	if (rows_s != NULL)
		rows = strtol(rows_s, NULL, 10);
	if (from_s != NULL)
		from = strtol(from_s, NULL, 10);
	if (rows <= 0 || rows > 250)
		rows = rows <= 0 ? 10 : 250;
	if (from < 0)
		from = 0;
	if (!cJSON_IsArray(fields)) {
		invalid(r, "displayingFields is required");
		return;
	}
	fq = cJSON_GetObjectItemCaseSensitive(body, "filterQuery");
	g = cJSON_GetObjectItemCaseSensitive(fq, "group");
	v = xcalloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *v);
	cJSON_ArrayForEach(rec, arr) {
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec,
		    "_deleted")))
			continue;
		if (g != NULL && !group_match(s, rec, g))
			continue;
		v[n++] = rec;
	}
	sort = cJSON_GetObjectItemCaseSensitive(body, "sort");
	sc.s = s;
	sc.field = jstr(sort, "fieldName") && *jstr(sort, "fieldName") ?
	    jstr(sort, "fieldName") : "id";
	order = jstr(sort, "order") ? jstr(sort, "order") : jstr(sort,
	    "orderType");
	sc.desc = order != NULL && strcasecmp(order, "desc") == 0;
	sort_ctx = &sc;
	qsort(v, n, sizeof *v, cmp_rec);
	sort_ctx = NULL;
	total = (long)n;
	data = jnew();
	out = cJSON_AddArrayToObject(data, "data");
	for (i = (size_t)from; i < n && i < (size_t)(from + rows); i++) {
		row = jnew();
		jset_n(row, "id", (double)jid(v[i], "id"));
		cJSON_ArrayForEach(f, fields) {
			const char *k;

			if (!cJSON_IsString(f))
				continue;
			k = strchr(f->valuestring, '.');
			k = k ? k + 1 : f->valuestring;
			if (strcmp(k, "id") == 0)
				continue;
			row_put(row, k, row_value(s, v[i], k));
		}
		cJSON_AddItemToArray(out, row);
	}
	free(v);
	jset_n(data, "totalRows", (double)total);
	jset_n(data, "totalPages", (double)((total + rows - 1) / rows));
	reply_ok(r, data);
}

/* ---- activities ---- */

static int
parse_due(const cJSON *v, long long *ms)
{
	struct tm tm;
	const char *p;
	long long x;
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;

	if (cJSON_IsNumber(v)) {
		x = (long long)v->valuedouble;
		*ms = x < 100000000000LL ? x * 1000 : x;
		return 0;
	}
	if (!cJSON_IsString(v))
		return -1;
	p = v->valuestring;
	if (is_digits(p)) {
		x = strtoll(p, NULL, 10);
		*ms = x < 100000000000LL ? x * 1000 : x;
		return 0;
	}
	if (sscanf(p, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	p += n;
	if (*p == 'T' || *p == ' ') {
		if (sscanf(p + 1, "%2d:%2d:%2d", &h, &mi, &sec) < 2)
			return -1;
	}
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	*ms = (long long)timegm(&tm) * 1000;
	/* Fraction and offset. */
	p = strpbrk(p, "Zz+-");
	if (p != NULL && (*p == '+' || *p == '-') && strlen(p) >= 3) {
		int oh = 0, om = 0;

		if (sscanf(p + 1, "%2d:%2d", &oh, &om) < 1)
			return -1;
		*ms -= (*p == '-' ? -1 : 1) * ((long long)oh * 60 + om) * 60000;
	}
	return 0;
}

static int
activity_apply(struct sms *s, cJSON *a, const cJSON *b, int create,
    struct reply *r)
{
	const char *title = jstr(b, "title"), *type = jstr(b, "type");
	const cJSON *pc = cJSON_GetObjectItemCaseSensitive(b, "primaryContact");
	const cJSON *due = cJSON_GetObjectItemCaseSensitive(b, "dueDate");
	const cJSON *ic = cJSON_GetObjectItemCaseSensitive(b, "isCompleted");
	long long owner = jid(b, "owner"), ms = 0, pcid;
	int was;

	if (title == NULL || *title == '\0') {
		invalid(r, "Title is required");
		return -1;
	}
	if (user_of(s, owner, 1) == NULL) {
		invalid(r, "Invalid owner");
		return -1;
	}
	if (!create && (type == NULL || *type == '\0')) {
		invalid(r, "Type is required");
		return -1;
	}
	pcid = jid(b, "primaryContact");
	if (pc != NULL && !cJSON_IsNull(pc) && (pcid <= 0 ||
	    find_id(s->contacts, pcid) == NULL)) {
		invalid(r, "Invalid primaryContact");
		return -1;
	}
	if (due != NULL && !cJSON_IsNull(due) && !(cJSON_IsString(due) &&
	    due->valuestring[0] == '\0') && parse_due(due, &ms) != 0) {
		invalid(r, "Invalid dueDate");
		return -1;
	}
	jset_s(a, "title", title);
	if (type != NULL && *type != '\0')
		jset_s(a, "type", type);
	else if (create)
		jset_s(a, "type", "Task");
	jset_n(a, "owner", (double)owner);
	if (pc != NULL)
		jset_n(a, "primaryContact", (double)(cJSON_IsNull(pc) ? 0 :
		    pcid));
	if (due != NULL)
		jset_n(a, "dueDate", (double)ms);
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(b, "description")))
		jset_s(a, "description", jstr(b, "description"));
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(b, "tags")))
		jset_s(a, "tags", jstr(b, "tags"));
	if (cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(b,
	    "isCalendarInvite")))
		jset(a, "isCalendarInvite", cJSON_CreateBool(cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(b, "isCalendarInvite"))));
	if (cJSON_IsBool(ic)) {
		was = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a,
		    "isCompleted"));
		jset(a, "isCompleted", cJSON_CreateBool(cJSON_IsTrue(ic)));
		if (cJSON_IsTrue(ic) && !was)
			jset_n(a, "_completed", (double)now_ms(s));
		else if (!cJSON_IsTrue(ic))
			jset_n(a, "_completed", 0);
	}
	return 0;
}

static cJSON *
activity_view(struct sms *s, const cJSON *a)
{
	cJSON *o = jnew(), *ow, *pc;
	const cJSON *u, *c;
	char t[40], *name;
	long long done = jid(a, "_completed");

	jset_n(o, "id", (double)jid(a, "id"));
	jset_s(o, "title", jstr(a, "title") ? jstr(a, "title") : "");
	jset_s(o, "type", jstr(a, "type") ? jstr(a, "type") : "Task");
	jset_s(o, "description", jstr(a, "description") ? jstr(a,
	    "description") : "");
	if (cJSON_GetObjectItemCaseSensitive(a, "dueDate") != NULL)
		jset_n(o, "dueDate", (double)jid(a, "dueDate"));
	else
		jset(o, "dueDate", cJSON_CreateNull());
	jset_n(o, "duration", 0);
	jset(o, "isCompleted", cJSON_CreateBool(cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(a, "isCompleted"))));
	if (done) {
		iso(done, t, sizeof t);
		jset_s(o, "completedAt", t);
	} else {
		jset(o, "completedAt", cJSON_CreateNull());
	}
	jset(o, "isCalendarInvite", cJSON_CreateBool(cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(a, "isCalendarInvite"))));
	jset_s(o, "tags", jstr(a, "tags") ? jstr(a, "tags") : "");
	ow = jnew();
	jset_n(ow, "id", (double)jid(a, "owner"));
	u = user_of(s, jid(a, "owner"), 0);
	if (u != NULL) {
		name = user_name(u);
		jset_s(ow, "name", name);
		free(name);
	}
	jset(o, "owner", ow);
	c = find_id(s->contacts, jid(a, "primaryContact"));
	if (c != NULL) {
		pc = jnew();
		jset_n(pc, "id", (double)jid(c, "id"));
		name = xasprintf("%s %s", jstr(c, "firstName") ? jstr(c,
		    "firstName") : "", jstr(c, "lastName"));
		jset_s(pc, "name", name);
		free(name);
		jset(o, "primaryContact", pc);
	} else {
		jset(o, "primaryContact", cJSON_CreateNull());
	}
	iso(jid(a, "_created"), t, sizeof t);
	jset_s(o, "createdAt", t);
	iso(jid(a, "_modified"), t, sizeof t);
	jset_s(o, "lastModifiedAt", t);
	return o;
}

/* ---- notes ---- */

static cJSON *
note_view(struct sms *s, const cJSON *n)
{
	cJSON *o = jnew(), *by;
	const cJSON *u;
	char t[40], *name;

	jset_n(o, "id", (double)jid(n, "id"));
	jset_s(o, "note", jstr(n, "note"));
	jset_s(o, "type", jstr(n, "type") ? jstr(n, "type") : "Note");
	jset_n(o, "moduleId", 1);
	jset_n(o, "objectId", (double)jid(n, "objectId"));
	jset(o, "contactId", cJSON_CreateNull());
	jset_n(o, "isPinned", (double)jid(n, "isPinned"));
	jset(o, "attachments", cJSON_CreateArray());
	jset(o, "noteHistory", cJSON_CreateArray());
	by = jnew();
	u = user_of(s, jid(n, "_by"), 0);
	jset_n(by, "id", (double)jid(n, "_by"));
	name = u ? user_name(u) : xstrdup("");
	jset_s(by, "name", name);
	free(name);
	jset_s(by, "photo", "");
	jset_s(by, "type", "User");
	jset(o, "createdBy", by);
	iso(jid(n, "_created"), t, sizeof t);
	jset_s(o, "createAt", t);
	if (jid(n, "_modified") != jid(n, "_created")) {
		iso(jid(n, "_modified"), t, sizeof t);
		jset_s(o, "updatedAt", t);
	}
	return o;
}

static long long
current_user(struct sms *s)
{
	cJSON *u;

	cJSON_ArrayForEach(u, s->users)
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(u,
		    "isCurrentUser")))
			return jid(u, "id");
	return 0;
}

/* ---- routing ---- */

enum route {
	R_NONE, R_USERS, R_CONTACT_CREATE, R_CONTACT_ONE, R_CONTACT_SEARCH,
	R_COMPANY_CREATE, R_COMPANY_ONE, R_COMPANY_SEARCH, R_ACT_CREATE,
	R_ACT_ONE, R_ACT_SEARCH, R_NOTE_CREATE, R_NOTE_ONE_W, R_NOTE_LIST,
	R_NOTE_ONE_R, R_NOTE_PIN, R_NOTE_UNPIN
};

#define MAXSEG 12

static int
split(const char *url, char seg[MAXSEG][64])
{
	const char *p = url, *q;
	int n = 0;

	while (*p == '/')
		p++;
	while (*p != '\0' && *p != '?') {
		q = p + strcspn(p, "/?");
		if (n == MAXSEG || (size_t)(q - p) >= 64)
			return -1;
		memcpy(seg[n], p, (size_t)(q - p));
		seg[n][q - p] = '\0';
		n++;
		p = q;
		while (*p == '/')
			p++;
	}
	return n;
}

/* Match method + url; ids[0..1] get the numeric path ids. */
static enum route
route_of(const char *method, const char *url, long long ids[2],
    const char **name)
{
	char sg[MAXSEG][64];
	int n = split(url, sg);
	int get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	int put = !strcmp(method, "PUT"), del = !strcmp(method, "DELETE");
	int patch = !strcmp(method, "PATCH");

	ids[0] = ids[1] = 0;
	*name = "";
	if (n < 3 || strcmp(sg[0], "apis") != 0 || strcmp(sg[2], "v4") != 0)
		return R_NONE;
	if (!strcmp(sg[1], "core") && n == 4 && !strcmp(sg[3], "users") && get)
		return *name = "GET users", R_USERS;
	if (!strcmp(sg[1], "contact")) {
		if (n == 3 && post)
			return *name = "POST contact", R_CONTACT_CREATE;
		if (n == 4 && !strcmp(sg[3], "search") && post)
			return *name = "POST contact/search", R_CONTACT_SEARCH;
		if (n == 4 && is_digits(sg[3]) && (get || put || del)) {
			ids[0] = strtoll(sg[3], NULL, 10);
			*name = get ? "GET contact" : put ? "PUT contact" :
			    "DELETE contact";
			return R_CONTACT_ONE;
		}
		if (n >= 8 && !strcmp(sg[3], "modules") && !strcmp(sg[4], "1") &&
		    !strcmp(sg[5], "object") && is_digits(sg[6]) &&
		    !strcmp(sg[7], "notes")) {
			ids[0] = strtoll(sg[6], NULL, 10);
			if (n == 8 && post)
				return *name = "POST note", R_NOTE_CREATE;
			if (n >= 9 && is_digits(sg[8]))
				ids[1] = strtoll(sg[8], NULL, 10);
			else
				return R_NONE;
			if (n == 9 && (put || del)) {
				*name = put ? "PUT note" : "DELETE note";
				return R_NOTE_ONE_W;
			}
			if (n == 10 && patch && !strcmp(sg[9], "pin-it"))
				return *name = "PATCH note/pin-it", R_NOTE_PIN;
			if (n == 10 && patch && !strcmp(sg[9], "unpin-it"))
				return *name = "PATCH note/unpin-it",
				    R_NOTE_UNPIN;
		}
		return R_NONE;
	}
	if (!strcmp(sg[1], "company")) {
		if (n == 3 && post)
			return *name = "POST company", R_COMPANY_CREATE;
		if (n == 4 && !strcmp(sg[3], "search") && post)
			return *name = "POST company/search", R_COMPANY_SEARCH;
		if (n == 4 && is_digits(sg[3]) && get) {
			ids[0] = strtoll(sg[3], NULL, 10);
			return *name = "GET company", R_COMPANY_ONE;
		}
		return R_NONE;
	}
	if (!strcmp(sg[1], "activity")) {
		if (n == 3 && post)
			return *name = "POST activity", R_ACT_CREATE;
		if (n == 4 && !strcmp(sg[3], "search") && post)
			return *name = "POST activity/search", R_ACT_SEARCH;
		if (n == 4 && is_digits(sg[3]) && (get || put || del)) {
			ids[0] = strtoll(sg[3], NULL, 10);
			*name = get ? "GET activity" : put ? "PUT activity" :
			    "DELETE activity";
			return R_ACT_ONE;
		}
		return R_NONE;
	}
	if (!strcmp(sg[1], "module") && n >= 8 && !strcmp(sg[3], "modules") &&
	    !strcmp(sg[4], "1") && !strcmp(sg[5], "objects") &&
	    is_digits(sg[6]) && !strcmp(sg[7], "notes") && get) {
		ids[0] = strtoll(sg[6], NULL, 10);
		if (n == 8)
			return *name = "GET notes", R_NOTE_LIST;
		if (n == 9 && is_digits(sg[8])) {
			ids[1] = strtoll(sg[8], NULL, 10);
			return *name = "GET note", R_NOTE_ONE_R;
		}
	}
	return R_NONE;
}

static cJSON *
new_rec(struct sms *s, cJSON *arr, long long id)
{
	cJSON *o = jnew();

	jset_n(o, "id", (double)id);
	jset_n(o, "_created", (double)now_ms(s));
	jset_n(o, "_modified", (double)now_ms(s));
	cJSON_AddItemToArray(arr, o);
	return o;
}

static void
id_reply(struct reply *r, const char *key, long long id)
{
	cJSON *d = jnew();

	jset_n(d, key, (double)id);
	reply_ok(r, d);
}

/* Apply a body to a scratch copy first so a refused update changes
 * nothing. */
static void
api(struct sms *s, struct MHD_Connection *c, enum route rt,
    const long long ids[2], const char *method, const cJSON *b,
    struct reply *r)
{
	cJSON *o, *tmp, *arr, *it, *next;
	long long id;

	switch (rt) {
	case R_USERS: {
		const char *st = MHD_lookup_connection_value(c,
		    MHD_GET_ARGUMENT_KIND, "status");

		arr = cJSON_CreateArray();
		cJSON_ArrayForEach(it, s->users)
			if (st == NULL || strcmp(st, "active") != 0 ||
			    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it,
			    "isActive")))
				cJSON_AddItemToArray(arr, cJSON_Duplicate(it,
				    1));
		reply_ok(r, arr);
		return;
	}
	case R_CONTACT_CREATE:
		tmp = jnew();
		if (contact_apply(s, tmp, b, 1, 0, r) != 0) {
			cJSON_Delete(tmp);
			return;
		}
		id = s->next_contact++;
		o = new_rec(s, s->contacts, id);
		cJSON_ArrayForEach(it, tmp)
			jset(o, it->string, cJSON_Duplicate(it, 1));
		cJSON_Delete(tmp);
		s->writes++;
		id_reply(r, "id", id);
		return;
	case R_CONTACT_ONE:
		o = find_id(s->contacts, ids[0]);
		if (o == NULL) {
			not_found(s, r);
			return;
		}
		if (!strcmp(method, "GET")) {
			reply_ok(r, contact_view(s, o));
		} else if (!strcmp(method, "PUT")) {
			tmp = cJSON_Duplicate(o, 1);
			if (contact_apply(s, tmp, b, 0, ids[0], r) != 0) {
				cJSON_Delete(tmp);
				return;
			}
			jset_n(tmp, "_modified", (double)now_ms(s));
			cJSON_ReplaceItemViaPointer(s->contacts, o, tmp);
			s->writes++;
			id_reply(r, "id", ids[0]);
		} else {
			/* Delete: its notes go, activities lose the link. */
			for (it = s->notes->child; it != NULL; it = next) {
				next = it->next;
				if (jid(it, "objectId") == ids[0])
					cJSON_Delete(cJSON_DetachItemViaPointer(
					    s->notes, it));
			}
			cJSON_ArrayForEach(it, s->activities)
				if (jid(it, "primaryContact") == ids[0])
					jset_n(it, "primaryContact", 0);
			cJSON_Delete(cJSON_DetachItemViaPointer(s->contacts, o));
			s->writes++;
			reply_ok(r, jnew());
		}
		return;
	case R_CONTACT_SEARCH:
		do_search(s, s->contacts, b, c, r);
		return;
	case R_COMPANY_SEARCH:
		do_search(s, s->companies, b, c, r);
		return;
	case R_COMPANY_CREATE:
		if (jstr(b, "name") == NULL || *jstr(b, "name") == '\0') {
			invalid(r, "Name is required");
			return;
		}
		if (user_of(s, jid(b, "owner"), 1) == NULL) {
			invalid(r, "Invalid owner");
			return;
		}
		id = s->next_company++;
		o = new_rec(s, s->companies, id);
		jset_s(o, "name", jstr(b, "name"));
		jset_n(o, "owner", (double)jid(b, "owner"));
		s->writes++;
		id_reply(r, "id", id);
		return;
	case R_COMPANY_ONE:
		o = find_id(s->companies, ids[0]);
		if (o == NULL) {
			not_found(s, r);
			return;
		}
		tmp = jnew();
		jset_n(tmp, "id", (double)ids[0]);
		jset_s(tmp, "name", jstr(o, "name"));
		jset_n(tmp, "owner", (double)jid(o, "owner"));
		reply_ok(r, tmp);
		return;
	case R_ACT_CREATE:
		tmp = jnew();
		if (activity_apply(s, tmp, b, 1, r) != 0) {
			cJSON_Delete(tmp);
			return;
		}
		id = s->next_activity++;
		o = new_rec(s, s->activities, id);
		cJSON_ArrayForEach(it, tmp)
			jset(o, it->string, cJSON_Duplicate(it, 1));
		cJSON_Delete(tmp);
		s->writes++;
		id_reply(r, "id", id);
		return;
	case R_ACT_ONE:
		o = find_id(s->activities, ids[0]);
		if (o == NULL) {
			not_found(s, r);
			return;
		}
		if (!strcmp(method, "GET")) {
			reply_ok(r, activity_view(s, o));
		} else if (!strcmp(method, "PUT")) {
			tmp = cJSON_Duplicate(o, 1);
			if (activity_apply(s, tmp, b, 0, r) != 0) {
				cJSON_Delete(tmp);
				return;
			}
			jset_n(tmp, "_modified", (double)now_ms(s));
			cJSON_ReplaceItemViaPointer(s->activities, o, tmp);
			s->writes++;
			id_reply(r, "id", ids[0]);
		} else {
			jset(o, "_deleted", cJSON_CreateTrue());
			s->writes++;
			reply_ok(r, jnew());
		}
		return;
	case R_ACT_SEARCH:
		do_search(s, s->activities, b, c, r);
		return;
	case R_NOTE_CREATE:
		if (find_id(s->contacts, ids[0]) == NULL) {
			not_found(s, r);
			return;
		}
		if (jstr(b, "note") == NULL || *jstr(b, "note") == '\0') {
			invalid(r, "Note is required");
			return;
		}
		id = s->next_note++;
		o = new_rec(s, s->notes, id);
		jset_s(o, "note", jstr(b, "note"));
		jset_s(o, "type", jstr(b, "type") ? jstr(b, "type") : "Note");
		jset_n(o, "objectId", (double)ids[0]);
		jset_n(o, "isPinned", 0);
		jset_n(o, "_by", (double)current_user(s));
		s->writes++;
		id_reply(r, "noteId", id);
		return;
	case R_NOTE_ONE_W:
	case R_NOTE_PIN:
	case R_NOTE_UNPIN:
	case R_NOTE_ONE_R:
		o = find_id(s->notes, ids[1]);
		if (o == NULL || jid(o, "objectId") != ids[0] ||
		    find_id(s->contacts, ids[0]) == NULL) {
			not_found(s, r);
			return;
		}
		if (rt == R_NOTE_ONE_R) {
			reply_ok(r, note_view(s, o));
		} else if (rt == R_NOTE_PIN || rt == R_NOTE_UNPIN) {
			jset_n(o, "isPinned", rt == R_NOTE_PIN);
			s->writes++;
			reply_ok(r, jnew());
		} else if (!strcmp(method, "PUT")) {
			if (jstr(b, "note") == NULL || *jstr(b, "note") ==
			    '\0') {
				invalid(r, "Note is required");
				return;
			}
			jset_s(o, "note", jstr(b, "note"));
			jset_n(o, "_modified", (double)now_ms(s));
			s->writes++;
			reply_ok(r, jnew());
		} else {
			cJSON_Delete(cJSON_DetachItemViaPointer(s->notes, o));
			s->writes++;
			reply_ok(r, jnew());
		}
		return;
	case R_NOTE_LIST:
		if (find_id(s->contacts, ids[0]) == NULL) {
			not_found(s, r);
			return;
		}
		arr = cJSON_CreateArray();
		/* Newest first: walk the store backwards. */
		{
			cJSON **v;
			size_t nv = 0, k;

			v = xcalloc((size_t)cJSON_GetArraySize(s->notes) + 1,
			    sizeof *v);
			cJSON_ArrayForEach(it, s->notes)
				if (jid(it, "objectId") == ids[0])
					v[nv++] = it;
			for (k = nv; k > 0; k--)
				cJSON_AddItemToArray(arr, note_view(s, v[k - 1]));
			free(v);
		}
		reply_ok(r, arr);
		return;
	case R_NONE:
		break;
	}
	not_found(s, r);
}

/* ---- control endpoints ---- */

static cJSON *
views(struct sms *s, cJSON *arr, cJSON *(*fn)(struct sms *, const cJSON *))
{
	cJSON *out = cJSON_CreateArray(), *it;

	cJSON_ArrayForEach(it, arr)
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it,
		    "_deleted")))
			cJSON_AddItemToArray(out, fn(s, it));
	return out;
}

static cJSON *
company_view(struct sms *s, const cJSON *c)
{
	cJSON *o = jnew();

	(void)s;
	jset_n(o, "id", (double)jid(c, "id"));
	jset_s(o, "name", jstr(c, "name"));
	return o;
}

static void
control(struct sms *s, const char *method, const char *url, const char *body,
    struct reply *r)
{
	cJSON *o, *b;
	struct fault *f;

	if (!strcmp(url, "/_sandbox/state") && !strcmp(method, "GET")) {
		o = jnew();
		jset(o, "users", cJSON_Duplicate(s->users, 1));
		jset(o, "contacts", views(s, s->contacts, contact_view));
		jset(o, "companies", views(s, s->companies, company_view));
		jset(o, "activities", views(s, s->activities, activity_view));
		jset(o, "notes", views(s, s->notes, note_view));
		reply_ok(r, o);
		return;
	}
	if (!strcmp(url, "/_sandbox/stats") && !strcmp(method, "GET")) {
		o = jnew();
		jset_n(o, "calls", (double)s->calls);
		jset_n(o, "writes", (double)s->writes);
		jset_n(o, "rate_limited", (double)s->n429);
		jset_n(o, "window_calls", (double)s->win_calls);
		jset(o, "by_route", cJSON_Duplicate(s->by_route, 1));
		reply_ok(r, o);
		return;
	}
	if (!strcmp(url, "/_sandbox/reset_stats") && !strcmp(method, "POST")) {
		s->calls = s->writes = s->n429 = 0;
		cJSON_Delete(s->by_route);
		s->by_route = jnew();
		reply_ok(r, jnew());
		return;
	}
	if (!strcmp(url, "/_sandbox/reset_rate") && !strcmp(method, "POST")) {
		s->win_start = 0;
		s->win_calls = 0;
		reply_ok(r, jnew());
		return;
	}
	if (!strcmp(url, "/_sandbox/fault") && !strcmp(method, "POST")) {
		b = body ? cJSON_Parse(body) : NULL;
		if (!cJSON_IsObject(b)) {
			cJSON_Delete(b);
			invalid(r, "Invalid JSON");
			return;
		}
		f = xcalloc(1, sizeof *f);
		f->method = xstrdup0(jstr(b, "method"));
		f->path = xstrdup0(jstr(b, "path"));
		f->count = jid(b, "count") > 0 ? jid(b, "count") : 1;
		f->status = (int)jid(b, "status");
		f->name = xstrdup0(jstr(b, "name"));
		f->message = xstrdup0(jstr(b, "message"));
		f->drop_after = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b,
		    "drop_after"));
		f->next = s->faults;
		s->faults = f;
		cJSON_Delete(b);
		reply_ok(r, jnew());
		return;
	}
	if (!strcmp(url, "/_sandbox/contacts") && !strcmp(method, "POST")) {
		/* Seed a contact "by hand" (not counted in stats). */
		b = body ? cJSON_Parse(body) : NULL;
		if (!cJSON_IsObject(b)) {
			cJSON_Delete(b);
			invalid(r, "Invalid JSON");
			return;
		}
		if (jid(b, "owner") == 0)
			jset_n(b, "owner", (double)current_user(s));
		o = jnew();
		if (contact_apply(s, o, b, 1, 0, r) != 0) {
			cJSON_Delete(o);
			cJSON_Delete(b);
			return;
		}
		{
			long long id = s->next_contact++;
			cJSON *rec = new_rec(s, s->contacts, id), *it;

			cJSON_ArrayForEach(it, o)
				jset(rec, it->string, cJSON_Duplicate(it, 1));
			id_reply(r, "id", id);
		}
		cJSON_Delete(o);
		cJSON_Delete(b);
		return;
	}
	not_found(s, r);
}

/* ---- HTTP ---- */

static int
link_ok(struct sms *s, const char *v)
{
	size_t n, ln = strlen(s->link);

	if (v == NULL)
		return 0;
	n = strlen(v);
	if (n >= 13 && strcasecmp(v + n - 13, ".salesmate.io") == 0)
		n -= 13;
	return n == ln && strncasecmp(v, s->link, n) == 0;
}

static int
key_ok(struct sms *s, const char *v)
{
	size_t i;

	for (i = 0; v != NULL && i < s->nkeys; i++)
		if (strcmp(v, s->keys[i]) == 0)
			return 1;
	return 0;
}

static void
count_route(struct sms *s, const char *name)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(s->by_route, name);

	s->calls++;
	if (v == NULL)
		jset_n(s->by_route, name, 1);
	else
		cJSON_SetNumberValue(v, v->valuedouble + 1);
}

static void
handle(struct sms *s, struct MHD_Connection *c, const char *url,
    const char *method, const struct conn *cn, struct reply *r)
{
	long long ids[2], now;
	const char *name, *tok;
	enum route rt;
	struct fault *f, **fp;
	cJSON *b = NULL;
	int detached;

	if (strncmp(url, "/_sandbox/", 10) == 0) {
		control(s, method, url, cn->body, r);
		return;
	}
	rt = route_of(method, url, ids, &name);
	if (rt == R_NONE) {
		not_found(s, r);
		return;
	}
	if (!link_ok(s, MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "x-linkname"))) {
		cJSON *root = jnew(), *e = jnew();

		jset_s(root, "Status", "failure");
		jset_s(e, "message", "Link  not found");
		jset_s(e, "name", "NoSuchLinkExist");
		jset(root, "Error", e);
		reply_json(r, 404, root);
		return;
	}
	count_route(s, name);
	tok = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "accessToken");
	if (tok == NULL)
		tok = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    "sessionToken");
	now = now_ms(s);
	if (s->win_start == 0 || now >= s->win_start + 3600000) {
		s->win_start = now;
		s->win_calls = 0;
	}
	s->win_calls++;
	if (!key_ok(s, tok)) {
		if (s->live403) {
			cJSON *root = jnew(), *e = jnew();

			jset_s(root, "Status", "failure");
			jset_s(e, "name", "AuthorizationFailed");
			jset_s(e, "message", "");
			jset(root, "Error", e);
			reply_json(r, 403, root);
		} else {
			reply_err(r, 401, NULL, "AuthenticationFailed",
			    "Invalid access token");
		}
		return;
	}
	if (s->win_calls > s->rate) {
		s->n429++;
		reply_err(r, 429, NULL, "TooManyRequests",
		    "API call limit exceeded");
		r->retry_after = (long)((s->win_start + 3600000 - now + 999) /
		    1000);
		return;
	}
	detached = 0;
	for (fp = &s->faults; (f = *fp) != NULL; fp = &f->next) {
		size_t pl = f->path ? strlen(f->path) : 0;

		if (f->method && strcmp(f->method, method) != 0)
			continue;
		if (f->path && (strncmp(url, f->path, pl) != 0 ||
		    (url[pl] != '\0' && url[pl] != '?')))
			continue;
		if (--f->count <= 0) {
			*fp = f->next;
			detached = 1;
		}
		break;
	}
	if (f != NULL && f->status != 0) {
		if (f->status == 429) {
			s->n429++;
			r->retry_after = 1;
		}
		reply_err(r, f->status, f->status == 400 ? "4001" : NULL,
		    f->name ? f->name : f->status == 429 ? "TooManyRequests" :
		    f->status >= 500 ? "InternalError" : "ValidationError",
		    f->message ? f->message : "injected fault");
	} else if (f != NULL) {
		r->drop = f->drop_after;
	}
	if (f != NULL && detached) {
		free(f->method);
		free(f->path);
		free(f->name);
		free(f->message);
		free(f);
	}
	if (r->body != NULL)
		return;
	if (!strcmp(method, "POST") || !strcmp(method, "PUT") ||
	    !strcmp(method, "PATCH")) {
		b = cn->body && !cn->too_big ? cJSON_ParseWithLength(cn->body,
		    cn->len) : NULL;
		if (!cJSON_IsObject(b)) {
			cJSON_Delete(b);
			reply_err(r, 400, "4000", "ValidationError",
			    "Invalid JSON");
			return;
		}
	}
	api(s, c, rt, ids, method, b, r);
	cJSON_Delete(b);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct sms *s = cls;
	struct conn *cn = *con_cls;
	struct reply r;
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char ra[32];

	(void)version;
	if (cn == NULL) {
		*con_cls = xcalloc(1, sizeof *cn);
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (cn->len + *upload_size > BODY_MAX) {
			cn->too_big = 1;
		} else {
			cn->body = xrealloc(cn->body, cn->len + *upload_size +
			    1);
			memcpy(cn->body + cn->len, upload, *upload_size);
			cn->len += *upload_size;
			cn->body[cn->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	memset(&r, 0, sizeof r);
	r.retry_after = -1;
	pthread_mutex_lock(&s->mu);
	handle(s, c, url, method, cn, &r);
	/*
	 * While a drop fault is armed, answer on fresh connections only: a
	 * client (libcurl) silently re-sends a request whose reused
	 * connection died, which would hide the drop from the code under
	 * test.
	 */
	{
		struct fault *f;

		for (f = s->faults; f != NULL; f = f->next)
			if (f->drop_after)
				r.close = 1;
	}
	pthread_mutex_unlock(&s->mu);
	if (r.drop) {
		free(r.body);
		return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(strlen(r.body), r.body,
	    MHD_RESPMEM_MUST_FREE);
	MHD_add_response_header(resp, "Content-Type",
	    "application/json; charset=utf-8");
	if (r.close)
		MHD_add_response_header(resp, "Connection", "close");
	if (r.retry_after >= 0) {
		snprintf(ra, sizeof ra, "%ld", r.retry_after);
		MHD_add_response_header(resp, "Retry-After", ra);
	}
	ret = MHD_queue_response(c, (unsigned)r.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void
on_done(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (cn != NULL) {
		free(cn->body);
		free(cn);
		*con_cls = NULL;
	}
}

static cJSON *
user_json(const struct sms_user *u)
{
	cJSON *o = jnew(), *role = jnew(), *prof = jnew();

	jset_n(o, "id", (double)u->id);
	jset_s(o, "firstName", u->first);
	jset_s(o, "lastName", u->last);
	jset_s(o, "nickname", u->first);
	jset_s(o, "email", u->email);
	jset(o, "isActive", cJSON_CreateBool(u->active));
	jset(o, "isCurrentUser", cJSON_CreateBool(u->current));
	jset_s(o, "timezone", "UTC");
	jset_s(o, "dateFormat", "MMM DD, YYYY");
	jset_s(o, "timeFormat", "12 Hour");
	jset_s(o, "photo", "");
	jset_n(role, "id", 1);
	jset_s(role, "name", "Sales Rep");
	jset(o, "Role", role);
	jset_n(prof, "id", 1);
	jset_s(prof, "name", "Standard");
	jset(o, "Profile", prof);
	return o;
}

struct sms *
sms_start(const struct sms_opts *o, const char **why)
{
	struct sms *s;
	const struct sms_user *users = o->users ? o->users : seeded_users;
	size_t nusers = o->users ? o->nusers : nitems(seeded_users), i;
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sa;

	s = xcalloc(1, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	s->link = xstrdup(o->linkname ? o->linkname : "acme");
	if (o->keys != NULL && o->nkeys > 0) {
		s->keys = xcalloc(o->nkeys, sizeof *s->keys);
		for (i = 0; i < o->nkeys; i++)
			s->keys[i] = xstrdup(o->keys[i]);
		s->nkeys = o->nkeys;
	} else {
		s->keys = xcalloc(1, sizeof *s->keys);
		s->keys[0] = xstrdup("test-key");
		s->nkeys = 1;
	}
	s->live403 = o->auth_live403;
	s->nf200 = o->notfound_200;
	s->dup_email = o->reject_dup_email;
	s->rate = o->rate_per_hour > 0 ? o->rate_per_hour : 1500;
	s->fixed_now = o->fixed_now_ms;
	s->users = cJSON_CreateArray();
	for (i = 0; i < nusers; i++)
		cJSON_AddItemToArray(s->users, user_json(&users[i]));
	s->contacts = cJSON_CreateArray();
	s->companies = cJSON_CreateArray();
	s->activities = cJSON_CreateArray();
	s->notes = cJSON_CreateArray();
	s->by_route = jnew();
	s->next_contact = o->contact_base > 0 ? o->contact_base : 1588;
	s->next_company = o->company_base > 0 ? o->company_base : 371;
	s->next_activity = o->activity_base > 0 ? o->activity_base : 9041;
	s->next_note = o->note_base > 0 ? o->note_base : 203;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)o->port);
	if (inet_pton(AF_INET, o->host ? o->host : "127.0.0.1",
	    &sa.sin_addr) != 1) {
		*why = "bad listen address";
		sms_stop(s);
		return NULL;
	}
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_POLL, 0, NULL, NULL, on_request, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
	    MHD_OPTION_END);
	if (s->d == NULL) {
		*why = "cannot listen (address in use?)";
		sms_stop(s);
		return NULL;
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(s->url, sizeof s->url, "http://%s:%u",
	    o->host ? o->host : "127.0.0.1",
	    info ? (unsigned)info->port : o->port);
	return s;
}

const char *
sms_url(const struct sms *s)
{
	return s->url;
}

void
sms_stop(struct sms *s)
{
	struct fault *f, *n;
	size_t i;

	if (s == NULL)
		return;
	if (s->d != NULL)
		MHD_stop_daemon(s->d);
	for (f = s->faults; f != NULL; f = n) {
		n = f->next;
		free(f->method);
		free(f->path);
		free(f->name);
		free(f->message);
		free(f);
	}
	for (i = 0; i < s->nkeys; i++)
		free(s->keys[i]);
	free(s->keys);
	free(s->link);
	cJSON_Delete(s->users);
	cJSON_Delete(s->contacts);
	cJSON_Delete(s->companies);
	cJSON_Delete(s->activities);
	cJSON_Delete(s->notes);
	cJSON_Delete(s->by_route);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
