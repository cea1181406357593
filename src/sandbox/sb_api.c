/*
 * sb_api.c: the Contacts API endpoints of ghlterm-sandbox.  Each handler
 * validates its input (422 with an array message, 400 for bad JSON),
 * applies the change to the store under its lock, answers with the
 * contract's body and queues the matching webhook event.
 */
#include "config.h"
#include "sb_api.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sb_gen.h"
#include "sb_hook.h"
#include "sb_search.h"
#include "sb_store.h"
#include "sb_util.h"
#include "xmalloc.h"

enum route {
	R_GET, R_TASKS, R_TASK, R_NOTES, R_NOTE, R_APPTS, R_LIST, R_SEARCH,
	R_BUSINESS, R_CREATE, R_UPDATE, R_DELETE, R_TASK_NEW, R_TASK_PUT,
	R_TASK_DONE, R_TASK_DEL, R_TAGS_ADD, R_TAGS_DEL, R_NOTE_NEW,
	R_NOTE_PUT, R_NOTE_DEL, R_UPSERT, R__COUNT
};

static const struct {
	const char *tmpl;
	int write;
} routes[R__COUNT] = {
	[R_GET] = {"GET /contacts/:contactId", 0},
	[R_TASKS] = {"GET /contacts/:contactId/tasks", 0},
	[R_TASK] = {"GET /contacts/:contactId/tasks/:taskId", 0},
	[R_NOTES] = {"GET /contacts/:contactId/notes", 0},
	[R_NOTE] = {"GET /contacts/:contactId/notes/:id", 0},
	[R_APPTS] = {"GET /contacts/:contactId/appointments", 0},
	[R_LIST] = {"GET /contacts/", 0},
	[R_SEARCH] = {"POST /contacts/search", 0},
	[R_BUSINESS] = {"GET /contacts/business/:businessId", 0},
	[R_CREATE] = {"POST /contacts/", 1},
	[R_UPDATE] = {"PUT /contacts/:contactId", 1},
	[R_DELETE] = {"DELETE /contacts/:contactId", 1},
	[R_TASK_NEW] = {"POST /contacts/:contactId/tasks", 1},
	[R_TASK_PUT] = {"PUT /contacts/:contactId/tasks/:taskId", 1},
	[R_TASK_DONE] = {"PUT /contacts/:contactId/tasks/:taskId/completed", 1},
	[R_TASK_DEL] = {"DELETE /contacts/:contactId/tasks/:taskId", 1},
	[R_TAGS_ADD] = {"POST /contacts/:contactId/tags", 1},
	[R_TAGS_DEL] = {"DELETE /contacts/:contactId/tags", 1},
	[R_NOTE_NEW] = {"POST /contacts/:contactId/notes", 1},
	[R_NOTE_PUT] = {"PUT /contacts/:contactId/notes/:id", 1},
	[R_NOTE_DEL] = {"DELETE /contacts/:contactId/notes/:id", 1},
	[R_UPSERT] = {"POST /contacts/upsert", 1},
};

struct sb_api {
	struct sb_store	*st;
	struct sb_hook	*hook;
	uint64_t	 seed;
	char		*base;
	atomic_ullong	 trace;
};

#define MAXSEG 8

struct path {
	char	*seg[MAXSEG];
	size_t	 n;
	int	 bad;		/* undecodable segment */
};

static void
path_split(const char *path, struct path *p)
{
	const char *s = path, *e;

	memset(p, 0, sizeof(*p));
	while (*s != '\0') {
		while (*s == '/')
			s++;
		if (*s == '\0')
			break;
		e = strchr(s, '/');
		if (e == NULL)
			e = s + strlen(s);
		if (p->n == MAXSEG) {
			p->bad = 1;
			return;
		}
		p->seg[p->n] = sb_util_urldecode(s, (size_t)(e - s), 0);
		if (p->seg[p->n] == NULL) {
			p->bad = 1;
			return;
		}
		p->n++;
		s = e;
	}
}

static void
path_free(struct path *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		free(p->seg[i]);
}

static int
resolve(const char *m, const struct path *p)
{
	const char *a;
	int get = strcmp(m, "GET") == 0, post = strcmp(m, "POST") == 0;
	int put = strcmp(m, "PUT") == 0, del = strcmp(m, "DELETE") == 0;

	if (p->n == 0 || strcmp(p->seg[0], "contacts") != 0)
		return -1;
	if (p->n == 1)
		return get ? R_LIST : post ? R_CREATE : -1;
	if (p->n == 2 && strcmp(p->seg[1], "search") == 0)
		return post ? R_SEARCH : -1;
	if (p->n == 2 && strcmp(p->seg[1], "upsert") == 0)
		return post ? R_UPSERT : -1;
	if (strcmp(p->seg[1], "business") == 0)
		return p->n == 3 && get ? R_BUSINESS : -1;
	if (p->n == 2)
		return get ? R_GET : put ? R_UPDATE : del ? R_DELETE : -1;
	a = p->seg[2];
	if (p->n == 3) {
		if (strcmp(a, "tasks") == 0)
			return get ? R_TASKS : post ? R_TASK_NEW : -1;
		if (strcmp(a, "notes") == 0)
			return get ? R_NOTES : post ? R_NOTE_NEW : -1;
		if (strcmp(a, "tags") == 0)
			return post ? R_TAGS_ADD : del ? R_TAGS_DEL : -1;
		if (strcmp(a, "appointments") == 0)
			return get ? R_APPTS : -1;
		return -1;
	}
	if (p->n == 4 && strcmp(a, "tasks") == 0)
		return get ? R_TASK : put ? R_TASK_PUT : del ? R_TASK_DEL : -1;
	if (p->n == 4 && strcmp(a, "notes") == 0)
		return get ? R_NOTE : put ? R_NOTE_PUT : del ? R_NOTE_DEL : -1;
	if (p->n == 5 && strcmp(a, "tasks") == 0 &&
	    strcmp(p->seg[4], "completed") == 0)
		return put ? R_TASK_DONE : -1;
	return -1;
}

int
sb_api_route(const char *method, const char *path, struct sb_api_route *r)
{
	struct path p;
	int id;

	path_split(path, &p);
	id = p.bad ? -1 : resolve(method, &p);
	path_free(&p);
	r->id = id;
	r->tmpl = id >= 0 ? routes[id].tmpl : "unknown";
	r->write = id >= 0 ? routes[id].write : 0;
	r->paging = id == R_SEARCH;
	return id >= 0 ? 0 : -1;
}

struct sb_api *
sb_api_new(struct sb_store *st, struct sb_hook *hook, unsigned long long seed)
{
	struct sb_api *a;

	a = xcalloc(1, sizeof(*a));
	a->st = st;
	a->hook = hook;
	a->seed = seed;
	a->base = xstrdup("");
	atomic_init(&a->trace, 0);
	return a;
}

void
sb_api_free(struct sb_api *a)
{
	if (a == NULL)
		return;
	free(a->base);
	free(a);
}

void
sb_api_set_base(struct sb_api *a, const char *base)
{
	free(a->base);
	a->base = xstrdup(base);
}

char *
sb_api_error(int status, const char *msg, const char *error)
{
	cJSON *o;
	char *s;

	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "statusCode", status);
	cJSON_AddStringToObject(o, "message", msg);
	if (error != NULL)
		cJSON_AddStringToObject(o, "error", error);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* ---- replies ---- */

static void
reply(struct sb_api_resp *r, int status, cJSON *o)
{
	r->status = status;
	r->body = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
}

static void
reply_err(struct sb_api_resp *r, int status, const char *msg)
{
	r->status = status;
	r->body = sb_api_error(status, msg, status == 401 ? "Unauthorized" :
	    NULL);
}

static void
reply_422(struct sb_api_resp *r, cJSON *errs)
{
	cJSON *o;

	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "statusCode", 422);
	cJSON_AddItemToObject(o, "message", errs);
	cJSON_AddStringToObject(o, "error", "Unprocessable Entity");
	reply(r, 422, o);
}

static void __attribute__((format(printf, 2, 3)))
err_add(cJSON *errs, const char *fmt, ...)
{
	va_list ap;
	char *m;

	va_start(ap, fmt);
	m = xvasprintf(fmt, ap);
	va_end(ap);
	cJSON_AddItemToArray(errs, cJSON_CreateString(m));
	free(m);
}

static void
trace_id(struct sb_api *a, char *out, size_t len)
{
	uint64_t n, h1, h2;

	n = atomic_fetch_add(&a->trace, 1);
	h1 = sb_util_mix(a->seed, n, 0x7ace);
	h2 = sb_util_mix(a->seed, n, 0x7acf);
	snprintf(out, len, "%08x-%04x-4%03x-%04x-%012llx",
	    (unsigned)(h1 >> 32), (unsigned)(h1 >> 16) & 0xffff,
	    (unsigned)h1 & 0xfff, 0x8000 | ((unsigned)(h2 >> 48) & 0x3fff),
	    (unsigned long long)(h2 & 0xffffffffffffULL));
}

/* Parse the body as a JSON object: NULL after replying 400/422. */
static cJSON *
body_object(const struct sb_api_req *q, struct sb_api_resp *r)
{
	cJSON *o;
	const char *end = NULL;

	if (q->body == NULL || q->body_len == 0) {
		cJSON *errs = cJSON_CreateArray();

		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "request body must be a JSON object"));
		reply_422(r, errs);
		return NULL;
	}
	o = cJSON_ParseWithLengthOpts(q->body, q->body_len, &end, 0);
	if (o == NULL) {
		char *m = xasprintf("Unexpected token in JSON at position %ld",
		    end != NULL && end >= q->body ? (long)(end - q->body) :
		    0L);

		reply_err(r, 400, m);
		free(m);
		return NULL;
	}
	if (!cJSON_IsObject(o)) {
		reply_err(r, 400, "request body must be a JSON object");
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(j) ? j->valuestring : NULL;
}

static void
set_str(cJSON *o, const char *k, const char *v)
{
	if (cJSON_GetObjectItemCaseSensitive(o, k) != NULL)
		cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	if (v != NULL)
		cJSON_AddStringToObject(o, k, v);
}

static void
set_item(cJSON *o, const char *k, cJSON *v)
{
	if (cJSON_GetObjectItemCaseSensitive(o, k) != NULL)
		cJSON_DeleteItemFromObjectCaseSensitive(o, k);
	if (v != NULL)
		cJSON_AddItemToObject(o, k, v);
}

static void
set_time(cJSON *o, const char *k, int64_t ms)
{
	char t[32];

	sb_util_iso(ms, t, sizeof(t));
	set_str(o, k, t);
}

/* ---- webhook events ---- */

static void
emit(struct sb_api *a, cJSON *ev)
{
	char *s = cJSON_PrintUnformatted(ev);

	cJSON_Delete(ev);
	sb_hook_post(a->hook, s);
}

static cJSON *
ev_new(struct sb_api *a, const char *type)
{
	cJSON *ev = cJSON_CreateObject();

	cJSON_AddStringToObject(ev, "type", type);
	cJSON_AddStringToObject(ev, "locationId", sb_store_location(a->st));
	return ev;
}

static void
ev_copy(cJSON *ev, const cJSON *src, const char *const *keys, size_t n)
{
	const cJSON *j;
	size_t i;

	for (i = 0; i < n; i++) {
		j = cJSON_GetObjectItemCaseSensitive(src, keys[i]);
		if (j != NULL && !cJSON_IsNull(j))
			cJSON_AddItemToObject(ev, keys[i],
			    cJSON_Duplicate(j, 1));
	}
}

static void
ev_contact(struct sb_api *a, const char *type, const cJSON *c)
{
	static const char *const keys[] = {"id", "address1", "city", "state",
	    "companyName", "country", "source", "dateAdded", "dnd", "email",
	    "name", "firstName", "lastName", "phone", "postalCode", "tags",
	    "website", "assignedTo", "customFields"};
	cJSON *ev;
	const char *dob;
	char t[40];

	if (a->hook == NULL)
		return;
	ev = ev_new(a, type);
	ev_copy(ev, c, keys, nitems(keys));
	dob = jstr(c, "dateOfBirth");
	if (dob != NULL) {
		snprintf(t, sizeof(t), "%.10sT00:00:00.000Z", dob);
		cJSON_AddStringToObject(ev, "dateOfBirth", t);
	}
	cJSON_AddArrayToObject(ev, "attachments");
	if (strcmp(type, "ContactDndUpdate") == 0)
		ev_copy(ev, c, (const char *const[]){"dndSettings"}, 1);
	emit(a, ev);
}

static void
ev_task(struct sb_api *a, const char *type, const cJSON *t)
{
	static const char *const keys[] = {"id", "assignedTo", "body",
	    "contactId", "title", "dueDate"};
	cJSON *ev;

	if (a->hook == NULL)
		return;
	ev = ev_new(a, type);
	ev_copy(ev, t, keys, nitems(keys));
	set_time(ev, "dateAdded", sb_util_now_ms());
	emit(a, ev);
}

static void
ev_note(struct sb_api *a, const char *type, const cJSON *n)
{
	static const char *const keys[] = {"id", "body", "contactId",
	    "dateAdded"};
	cJSON *ev;

	if (a->hook == NULL)
		return;
	ev = ev_new(a, type);
	ev_copy(ev, n, keys, nitems(keys));
	emit(a, ev);
}

static void
ev_appt(struct sb_api *a, const char *type, const cJSON *e)
{
	static const char *const keys[] = {"id", "address", "title",
	    "calendarId", "contactId", "groupId", "appointmentStatus",
	    "assignedUserId", "users", "notes"};
	static const char *const times[] = {"startTime", "endTime",
	    "dateAdded", "dateUpdated"};
	cJSON *ev, *ap;
	const char *s;
	char t[40];
	size_t i;

	if (a->hook == NULL)
		return;
	ev = ev_new(a, type);
	ap = cJSON_AddObjectToObject(ev, "appointment");
	ev_copy(ap, e, keys, nitems(keys));
	cJSON_AddStringToObject(ap, "source", "booking_widget");
	for (i = 0; i < nitems(times); i++) {
		s = jstr(e, times[i]);
		if (s == NULL || strlen(s) < 19)
			continue;
		snprintf(t, sizeof(t), "%.10sT%.8s+00:00", s, s + 11);
		cJSON_AddStringToObject(ap, times[i], t);
	}
	emit(a, ev);
}

/* ---- contact field handling ---- */

static const char *const dnd_keys[] = {"Call", "Email", "SMS", "WhatsApp",
    "GMB", "FB"};

static const char *const str_fields[] = {"firstName", "lastName", "name",
    "email", "phone", "address1", "city", "state", "postalCode", "website",
    "timezone", "companyName", "source", "country", "assignedTo",
    "dateOfBirth", "gender"};

static int
valid_email(const char *s)
{
	const char *at = strchr(s, '@');

	return at != NULL && at != s && strchr(at + 1, '.') != NULL &&
	    strchr(s, ' ') == NULL && at[1] != '.' &&
	    s[strlen(s) - 1] != '.';
}

/* Normalise a phone to E.164-ish: "+" and digits.  -1 when too short. */
static int
norm_phone(const char *s, char *out, size_t len)
{
	size_t o = 0, nd = 0;
	const char *p;

	for (p = s; *p == ' '; p++)
		;
	if (*p == '+' && o + 1 < len)
		out[o++] = '+';
	for (; *p != '\0'; p++) {
		if (*p >= '0' && *p <= '9') {
			if (o + 1 >= len)
				return -1;
			out[o++] = *p;
			nd++;
		} else if (strchr(" -().+/", *p) == NULL) {
			return -1;
		}
	}
	out[o] = '\0';
	if (nd < 7 || nd > 15)
		return -1;
	if (out[0] != '+') {
		char tmp[40];

		snprintf(tmp, sizeof(tmp), "%s%s", nd == 10 ? "+1" : "+", out);
		snprintf(out, len, "%s", tmp);
	}
	return 0;
}

/* Accept the eight dateOfBirth formats; write YYYY-MM-DD. */
static int
norm_dob(const char *s, char *out, size_t len)
{
	int y, m, d, n = 0;
	char sep, sep2;

	if (strlen(s) >= 10 && sscanf(s, "%4d%c%2d%c%2d%n", &y, &sep, &m,
	    &sep2, &d, &n) == 5 && n == 10 && sep == sep2 &&
	    strchr("/-._", sep) != NULL) {
		;
	} else if (strlen(s) == 10 && sscanf(s, "%2d%c%2d%c%4d%n", &m, &sep,
	    &d, &sep2, &y, &n) == 5 && n == 10 && sep == sep2 &&
	    strchr("/-._", sep) != NULL) {
		;
	} else {
		return -1;
	}
	if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1900 || y > 2100)
		return -1;
	snprintf(out, len, "%04d-%02d-%02d", y, m, d);
	return 0;
}

static const char *
dnd_key(const char *k)
{
	size_t i;

	for (i = 0; i < nitems(dnd_keys); i++)
		if (strcasecmp(k, dnd_keys[i]) == 0)
			return dnd_keys[i];
	return NULL;
}

static int
valid_dnd_status(const cJSON *s)
{
	return cJSON_IsString(s) && (strcmp(s->valuestring, "active") == 0 ||
	    strcmp(s->valuestring, "inactive") == 0 ||
	    strcmp(s->valuestring, "permanent") == 0);
}

static void
check_tags(const cJSON *tags, const char *name, cJSON *errs)
{
	const cJSON *t;

	if (!cJSON_IsArray(tags)) {
		err_add(errs, "%s must be an array", name);
		return;
	}
	cJSON_ArrayForEach(t, tags) {
		if (!cJSON_IsString(t)) {
			err_add(errs, "each value in %s must be a string",
			    name);
			return;
		}
	}
}

/* Validate a contact body (create, update, upsert): messages into errs. */
static void
check_contact(const cJSON *b, cJSON *errs)
{
	const cJSON *j, *ch;
	char tmp[64];
	size_t i;

	for (i = 0; i < nitems(str_fields); i++) {
		j = cJSON_GetObjectItemCaseSensitive(b, str_fields[i]);
		if (j != NULL && !cJSON_IsNull(j) && !cJSON_IsString(j))
			err_add(errs, "%s must be a string", str_fields[i]);
	}
	j = cJSON_GetObjectItemCaseSensitive(b, "email");
	if (cJSON_IsString(j) && j->valuestring[0] != '\0' &&
	    !valid_email(j->valuestring))
		err_add(errs, "%s must be an email", "email");
	j = cJSON_GetObjectItemCaseSensitive(b, "phone");
	if (cJSON_IsString(j) && j->valuestring[0] != '\0' &&
	    norm_phone(j->valuestring, tmp, sizeof(tmp)) != 0)
		err_add(errs, "%s must be a valid phone number", "phone");
	j = cJSON_GetObjectItemCaseSensitive(b, "dateOfBirth");
	if (cJSON_IsString(j) && j->valuestring[0] != '\0' &&
	    norm_dob(j->valuestring, tmp, sizeof(tmp)) != 0)
		err_add(errs, "%s must be a valid date", "dateOfBirth");
	j = cJSON_GetObjectItemCaseSensitive(b, "dnd");
	if (j != NULL && !cJSON_IsBool(j))
		err_add(errs, "%s must be a boolean value", "dnd");
	j = cJSON_GetObjectItemCaseSensitive(b, "tags");
	if (j != NULL && !cJSON_IsNull(j))
		check_tags(j, "tags", errs);
	j = cJSON_GetObjectItemCaseSensitive(b, "dndSettings");
	if (j != NULL && !cJSON_IsNull(j)) {
		if (!cJSON_IsObject(j)) {
			err_add(errs, "%s must be an object", "dndSettings");
		} else {
			cJSON_ArrayForEach(ch, j) {
				if (dnd_key(ch->string) == NULL)
					err_add(errs, "dndSettings.%s is not a "
					    "known channel", ch->string);
				else if (!cJSON_IsObject(ch) ||
				    !valid_dnd_status(
				    cJSON_GetObjectItemCaseSensitive(ch,
				    "status")))
					err_add(errs, "dndSettings.%s.status "
					    "must be one of the following "
					    "values: active, inactive, "
					    "permanent", ch->string);
			}
		}
	}
	j = cJSON_GetObjectItemCaseSensitive(b, "customFields");
	if (j != NULL && !cJSON_IsNull(j)) {
		if (!cJSON_IsArray(j)) {
			err_add(errs, "%s must be an array", "customFields");
		} else {
			cJSON_ArrayForEach(ch, j) {
				if (!cJSON_IsObject(ch) || (jstr(ch, "id") ==
				    NULL && jstr(ch, "key") == NULL)) {
					err_add(errs, "each value in %s must "
					    "have an id or a key",
					    "customFields");
					break;
				}
			}
		}
	}
	j = cJSON_GetObjectItemCaseSensitive(b, "inboundDndSettings");
	if (j != NULL && !cJSON_IsNull(j) && !cJSON_IsObject(j))
		err_add(errs, "%s must be an object", "inboundDndSettings");
}

static void
tags_dedupe_into(cJSON *dst, const cJSON *src)
{
	const cJSON *t, *u;
	int dup;

	cJSON_ArrayForEach(t, src) {
		dup = 0;
		cJSON_ArrayForEach(u, dst)
			if (strcasecmp(u->valuestring, t->valuestring) == 0)
				dup = 1;
		if (!dup && t->valuestring[0] != '\0')
			cJSON_AddItemToArray(dst,
			    cJSON_CreateString(t->valuestring));
	}
}

static void
apply_custom(struct sb_api *a, cJSON *c, const cJSON *in)
{
	cJSON *cur, *o;
	const cJSON *f, *v;
	const char *id, *key;
	char fid[SB_ID_LEN + 1], num[64];
	uint64_t h;
	cJSON *val;

	cur = cJSON_GetObjectItemCaseSensitive(c, "customFields");
	if (!cJSON_IsArray(cur)) {
		set_item(c, "customFields", cJSON_CreateArray());
		cur = cJSON_GetObjectItemCaseSensitive(c, "customFields");
	}
	cJSON_ArrayForEach(f, in) {
		id = jstr(f, "id");
		if (id == NULL) {
			key = jstr(f, "key");
			if (key == NULL)
				continue;	/* check_contact refused it */
			for (h = 1469598103934665603ULL; *key != '\0'; key++)
				h = (h ^ (unsigned char)*key) *
				    1099511628211ULL;
			sb_util_id(a->seed, SB_NS_FIELD, 1000 + h % 100000,
			    fid);
			id = fid;
		}
		v = cJSON_GetObjectItemCaseSensitive(f, "field_value");
		if (v == NULL)
			v = cJSON_GetObjectItemCaseSensitive(f, "fieldValue");
		if (v == NULL)
			v = cJSON_GetObjectItemCaseSensitive(f, "value");
		/* Remove the old value of this field. */
		for (o = cur->child; o != NULL; o = o->next) {
			if (jstr(o, "id") != NULL && strcmp(jstr(o, "id"),
			    id) == 0) {
				cJSON_DetachItemViaPointer(cur, o);
				cJSON_Delete(o);
				break;
			}
		}
		if (v == NULL || cJSON_IsNull(v) || (cJSON_IsString(v) &&
		    v->valuestring[0] == '\0'))
			continue;
		if (cJSON_IsNumber(v)) {
			if (v->valuedouble == (double)(long long)v->valuedouble)
				snprintf(num, sizeof(num), "%lld",
				    (long long)v->valuedouble);
			else
				snprintf(num, sizeof(num), "%.15g",
				    v->valuedouble);
			val = cJSON_CreateString(num);
		} else if (cJSON_IsBool(v)) {
			val = cJSON_CreateString(cJSON_IsTrue(v) ? "true" :
			    "false");
		} else {
			val = cJSON_Duplicate(v, 1);
		}
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", id);
		cJSON_AddItemToObject(o, "value", val);
		cJSON_AddItemToArray(cur, o);
	}
}

/* Recompute name and lower-case forms from the first/last/email fields. */
static void
derive_names(cJSON *c)
{
	const char *f = jstr(c, "firstName"), *l = jstr(c, "lastName");
	const char *e = jstr(c, "email");
	char *lf = NULL, *ll = NULL, *le, *full;

	if (f != NULL || l != NULL) {
		full = xasprintf("%s%s%s", f ? f : "", f && l ? " " : "",
		    l ? l : "");
		set_str(c, "name", full);
		free(full);
	}
	lf = f ? sb_util_lower(f) : NULL;
	ll = l ? sb_util_lower(l) : NULL;
	set_str(c, "firstNameLowerCase", lf);
	set_str(c, "lastNameLowerCase", ll);
	if (lf != NULL || ll != NULL) {
		full = xasprintf("%s%s%s", lf ? lf : "", lf && ll ? " " : "",
		    ll ? ll : "");
		set_str(c, "fullNameLowerCase", full);
		free(full);
	} else {
		set_str(c, "fullNameLowerCase", NULL);
	}
	le = e ? sb_util_lower(e) : NULL;
	set_str(c, "emailLowerCase", le);
	free(lf);
	free(ll);
	free(le);
}

/*
 * Apply a validated body to contact c.  update: null clears a field and
 * dndSettings merges per channel.  Sets *tags_changed / *dnd_changed.
 */
static void
apply_contact(struct sb_api *a, cJSON *c, const cJSON *b, int *tags_changed,
    int *dnd_changed)
{
	const cJSON *j, *ch;
	cJSON *ds, *t;
	char tmp[64];
	size_t i;
	char *old, *now;

	for (i = 0; i < nitems(str_fields); i++) {
		if (strcmp(str_fields[i], "gender") == 0)
			continue;
		j = cJSON_GetObjectItemCaseSensitive(b, str_fields[i]);
		if (j == NULL)
			continue;
		if (cJSON_IsNull(j) || j->valuestring[0] == '\0') {
			set_str(c, str_fields[i], NULL);
			continue;
		}
		if (strcmp(str_fields[i], "phone") == 0 &&
		    norm_phone(j->valuestring, tmp, sizeof(tmp)) == 0)
			set_str(c, "phone", tmp);
		else if (strcmp(str_fields[i], "dateOfBirth") == 0 &&
		    norm_dob(j->valuestring, tmp, sizeof(tmp)) == 0)
			set_str(c, "dateOfBirth", tmp);
		else
			set_str(c, str_fields[i], j->valuestring);
	}
	j = cJSON_GetObjectItemCaseSensitive(b, "name");
	if (cJSON_IsString(j) && cJSON_GetObjectItemCaseSensitive(b,
	    "firstName") == NULL && cJSON_GetObjectItemCaseSensitive(b,
	    "lastName") == NULL && jstr(c, "firstName") == NULL &&
	    jstr(c, "lastName") == NULL) {
		const char *sp = strchr(j->valuestring, ' ');

		if (sp != NULL) {
			char *fn = xstrndup(j->valuestring,
			    (size_t)(sp - j->valuestring));

			set_str(c, "firstName", fn);
			set_str(c, "lastName", sp + 1);
			free(fn);
		} else {
			set_str(c, "firstName", j->valuestring);
		}
	}
	derive_names(c);
	j = cJSON_GetObjectItemCaseSensitive(b, "dnd");
	if (cJSON_IsBool(j)) {
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(c, "dnd");

		if (o == NULL || cJSON_IsTrue(o) != cJSON_IsTrue(j))
			*dnd_changed = 1;
		set_item(c, "dnd", cJSON_CreateBool(cJSON_IsTrue(j)));
	}
	j = cJSON_GetObjectItemCaseSensitive(b, "dndSettings");
	if (cJSON_IsObject(j)) {
		ds = cJSON_GetObjectItemCaseSensitive(c, "dndSettings");
		if (!cJSON_IsObject(ds)) {
			set_item(c, "dndSettings", cJSON_CreateObject());
			ds = cJSON_GetObjectItemCaseSensitive(c,
			    "dndSettings");
		}
		cJSON_ArrayForEach(ch, j) {
			cJSON *nc = cJSON_CreateObject();
			const char *msg = jstr(ch, "message");
			const char *code = jstr(ch, "code");

			cJSON_AddStringToObject(nc, "status", jstr(ch,
			    "status"));
			cJSON_AddStringToObject(nc, "message", msg ? msg : "");
			cJSON_AddStringToObject(nc, "code", code ? code : "");
			set_item(ds, dnd_key(ch->string), nc);
			*dnd_changed = 1;
		}
	} else if (j != NULL && cJSON_IsNull(j)) {
		set_item(c, "dndSettings", cJSON_CreateObject());
		*dnd_changed = 1;
	}
	j = cJSON_GetObjectItemCaseSensitive(b, "inboundDndSettings");
	if (cJSON_IsObject(j))
		set_item(c, "inboundDndSettings", cJSON_Duplicate(j, 1));
	j = cJSON_GetObjectItemCaseSensitive(b, "tags");
	if (j != NULL) {
		old = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(c,
		    "tags"));
		t = cJSON_CreateArray();
		if (cJSON_IsArray(j))
			tags_dedupe_into(t, j);
		set_item(c, "tags", t);
		now = cJSON_PrintUnformatted(t);
		if (old == NULL || strcmp(old, now) != 0)
			*tags_changed = 1;
		free(old);
		free(now);
	}
	j = cJSON_GetObjectItemCaseSensitive(b, "customFields");
	if (cJSON_IsArray(j))
		apply_custom(a, c, j);
	else if (j != NULL && cJSON_IsNull(j))
		set_item(c, "customFields", cJSON_CreateArray());
}

/* Check body locationId against the store's: reply and return -1 if bad. */
static int
check_location(struct sb_api *a, const char *loc, cJSON *errs,
    struct sb_api_resp *r)
{
	char *m;

	if (loc == NULL || *loc == '\0') {
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "locationId should not be empty"));
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "locationId must be a string"));
		return -1;
	}
	if (strcmp(loc, sb_store_location(a->st)) != 0) {
		m = xasprintf("The token does not have access to location %s",
		    loc);
		reply_err(r, 400, m);
		free(m);
		return -2;
	}
	return 0;
}

/* A new contact from a validated create/upsert body. */
static cJSON *
new_contact(struct sb_api *a, const cJSON *b, int64_t now)
{
	cJSON *c, *ds;
	int tc = 0, dc = 0;
	size_t k;

	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "locationId", sb_store_location(a->st));
	cJSON_AddStringToObject(c, "type", "lead");
	cJSON_AddBoolToObject(c, "dnd", 0);
	ds = cJSON_AddObjectToObject(c, "dndSettings");
	for (k = 0; k < nitems(dnd_keys); k++) {
		cJSON *ch = cJSON_AddObjectToObject(ds, dnd_keys[k]);

		cJSON_AddStringToObject(ch, "status", "inactive");
		cJSON_AddStringToObject(ch, "message", "");
		cJSON_AddStringToObject(ch, "code", "");
	}
	cJSON_AddArrayToObject(c, "tags");
	cJSON_AddArrayToObject(c, "customFields");
	cJSON_AddStringToObject(c, "source", "public api");
	apply_contact(a, c, b, &tc, &dc);
	set_time(c, "dateAdded", now);
	set_time(c, "dateUpdated", now);
	set_time(c, "lastActivity", now);
	return c;
}

/* CreatedContact (CONTRACT §3.2) view of a stored contact. */
static cJSON *
created_shape(const cJSON *c)
{
	cJSON *o;
	const char *dob, *added;
	char t[40];
	int y, m, d;

	o = cJSON_Duplicate(c, 1);
	cJSON_DeleteItemFromObjectCaseSensitive(o, "name");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "timezone");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "lastActivity");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "inboundDndSettings");
	cJSON_AddBoolToObject(o, "deleted", 0);
	cJSON_AddBoolToObject(o, "bounceEmail", 0);
	cJSON_AddBoolToObject(o, "unsubscribeEmail", 0);
	dob = jstr(c, "dateOfBirth");
	if (dob != NULL && sscanf(dob, "%4d-%2d-%2d", &y, &m, &d) == 3) {
		snprintf(t, sizeof(t), "%04d-%02d-%02dT00:00:00.000Z", y, m, d);
		set_str(o, "dateOfBirth", t);
		cJSON_AddNumberToObject(o, "birthMonth", m - 1);
		cJSON_AddNumberToObject(o, "birthDay", d);
	}
	added = jstr(c, "dateAdded");
	if (added != NULL)
		cJSON_AddStringToObject(o, "lastSessionActivityAt", added);
	cJSON_AddArrayToObject(o, "offers");
	cJSON_AddArrayToObject(o, "products");
	return o;
}

/* ContactListItem (CONTRACT §3.3) view. */
static cJSON *
list_item(const cJSON *c)
{
	static const char *const keys[] = {"id", "locationId", "firstName",
	    "lastName", "email", "phone", "companyName", "timezone", "country",
	    "source", "dateAdded", "customFields", "tags", "businessId"};
	cJSON *o, *at;
	const cJSON *j;
	size_t i;

	o = cJSON_CreateObject();
	for (i = 0; i < nitems(keys); i++) {
		j = cJSON_GetObjectItemCaseSensitive(c, keys[i]);
		if (j != NULL && !cJSON_IsNull(j))
			cJSON_AddItemToObject(o, keys[i], cJSON_Duplicate(j, 1));
		if (i == 3 && jstr(c, "name") != NULL)
			cJSON_AddStringToObject(o, "contactName",
			    jstr(c, "name"));
	}
	at = cJSON_AddArrayToObject(o, "attributions");
	j = cJSON_GetObjectItemCaseSensitive(c, "attributionSource");
	if (cJSON_IsObject(j))
		cJSON_AddItemToArray(at, cJSON_Duplicate(j, 1));
	cJSON_AddArrayToObject(o, "followers");
	return o;
}

/*
 * SearchContact (CONTRACT §3.4) view of contact c, with its cursor.  Takes
 * ownership of c and reshapes it in place (this is the hot path of paging).
 */
static cJSON *
search_item(cJSON *c, const struct sb_view *v, size_t i)
{
	static const char *const drop[] = {"name", "emailLowerCase",
	    "timezone", "fullNameLowerCase", "lastActivity", "visitorId",
	    "inboundDndSettings", "attachments", "keyword", "ssn"};
	cJSON *sa, *j;
	const char *s;
	size_t k;

	for (k = 0; k < nitems(drop); k++) {
		if (k == 0 && (s = jstr(c, "name")) != NULL) {
			j = cJSON_DetachItemFromObjectCaseSensitive(c, "name");
			cJSON_AddItemToObject(c, "contactName", j);
			continue;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(c, drop[k]);
	}
	j = cJSON_DetachItemFromObjectCaseSensitive(c, "address1");
	if (j != NULL)
		cJSON_AddItemToObject(c, "address", j);
	if ((s = jstr(c, "companyName")) != NULL)
		cJSON_AddStringToObject(c, "businessName", s);
	if (jstr(c, "phone") != NULL)
		cJSON_AddStringToObject(c, "phoneLabel", "Mobile");
	cJSON_AddArrayToObject(c, "additionalEmails");
	cJSON_AddArrayToObject(c, "additionalPhones");
	cJSON_AddArrayToObject(c, "followers");
	cJSON_AddBoolToObject(c, "validEmail", jstr(c, "email") != NULL);
	cJSON_AddArrayToObject(c, "opportunities");
	sa = cJSON_AddArrayToObject(c, "searchAfter");
	if (v->sort == SB_SORT_ADDED || v->sort == SB_SORT_UPDATED)
		cJSON_AddItemToArray(sa, cJSON_CreateNumber(
		    (double)v->e[i].num));
	else
		cJSON_AddItemToArray(sa, cJSON_CreateString(v->e[i].str));
	cJSON_AddItemToArray(sa, cJSON_CreateString(v->e[i].id));
	return c;
}

/*
 * The cursors of an endless search (--fault cursor-endless) go round the
 * view again and again; the id of a cursor in lap N > 0 is "ID~N", so the
 * next request continues the same lap and no cursor ever comes back.
 */
#define LAP_MARK '~'

/* Split cursor id cid into the contact id (into id) and its lap. */
static unsigned long
cursor_lap(const char *cid, char *id, size_t len)
{
	const char *m = strchr(cid, LAP_MARK);
	unsigned long lap;
	char *end;

	snprintf(id, len, "%s", cid);
	if (m == NULL)
		return 0;
	errno = 0;
	lap = strtoul(m + 1, &end, 10);
	if (errno != 0 || end == m + 1 || *end != '\0')
		return 0;
	snprintf(id, len, "%.*s", (int)(m - cid), cid);
	return lap;
}

/* Mark the cursor of search item it (contact id) as one of lap > 0. */
static void
item_lap(cJSON *it, const char *id, unsigned long lap)
{
	cJSON *sa = cJSON_GetObjectItemCaseSensitive(it, "searchAfter");
	char *v = xasprintf("%s%c%lu", id, LAP_MARK, lap);

	cJSON_ReplaceItemInArray(sa, 1, cJSON_CreateString(v));
	free(v);
}

/* ---- handlers ---- */

struct ctx {
	struct sb_api			*a;
	const struct sb_api_req		*q;
	struct sb_api_resp		*r;
	struct path			 p;
};

static int
find_contact(struct ctx *x, uint64_t *slot)
{
	if (sb_store_find(x->a->st, x->p.seg[1], slot) != 0) {
		reply_err(x->r, 404, "Contact not found");
		return -1;
	}
	return 0;
}

/* Index of the child with id in arr, or NULL. */
static cJSON *
find_child(cJSON *arr, const char *id)
{
	cJSON *t;

	cJSON_ArrayForEach(t, arr)
		if (jstr(t, "id") != NULL && strcmp(jstr(t, "id"), id) == 0)
			return t;
	return NULL;
}

static void
h_get(struct ctx *x)
{
	struct sb_store *st = x->a->st;
	uint64_t slot;
	cJSON *o;

	sb_store_rdlock(st);
	if (find_contact(x, &slot) == 0) {
		o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "contact", sb_store_contact(st, slot, 0));
		reply(x->r, 200, o);
	}
	sb_store_unlock(st);
}

static void
h_children(struct ctx *x, enum sb_kind k, const char *key)
{
	struct sb_store *st = x->a->st;
	uint64_t slot;
	cJSON *o;

	sb_store_rdlock(st);
	if (find_contact(x, &slot) == 0) {
		o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, key, sb_store_children(st, slot, k));
		reply(x->r, 200, o);
	}
	sb_store_unlock(st);
}

static void
h_child(struct ctx *x, enum sb_kind k, const char *key, const char *nf)
{
	struct sb_store *st = x->a->st;
	uint64_t slot;
	cJSON *arr, *t, *o;

	sb_store_rdlock(st);
	if (find_contact(x, &slot) == 0) {
		arr = sb_store_children(st, slot, k);
		t = find_child(arr, x->p.seg[3]);
		if (t == NULL) {
			reply_err(x->r, 404, nf);
		} else {
			o = cJSON_CreateObject();
			cJSON_DetachItemViaPointer(arr, t);
			cJSON_AddItemToObject(o, key, t);
			reply(x->r, 200, o);
		}
		cJSON_Delete(arr);
	}
	sb_store_unlock(st);
}

/* Parse an integer query value; -1 when absent, -2 when malformed. */
static long long
q_int(const struct sb_api_req *q, const char *key)
{
	const char *v = q->query(q->qarg, key);
	char *end;
	long long n;

	if (v == NULL)
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < 0)
		return -2;
	return n;
}

static void
h_list(struct ctx *x, int business)
{
	struct sb_api *a = x->a;
	const struct sb_api_req *q = x->q;
	struct sb_search s;
	struct sb_view *v;
	cJSON *errs, *o, *arr, *meta, *c;
	const char *loc, *qs, *sid;
	long long limit, skip = 0, after;
	char key[256], *url;
	size_t start, end, i;
	uint64_t slot;
	int64_t anum = 0;
	int rc;

	errs = cJSON_CreateArray();
	loc = q->query(q->qarg, "locationId");
	rc = check_location(a, loc, errs, x->r);
	limit = q_int(q, "limit");
	if (limit == -1)
		limit = business ? 25 : 20;
	if (limit < 1 || limit > 100)
		cJSON_AddItemToArray(errs, cJSON_CreateString(business ?
		    "limit must be a number string between 1 and 100" :
		    "limit must not be greater than 100"));
	if (business) {
		skip = q_int(q, "skip");
		if (skip == -1)
			skip = 0;
		if (skip < 0)
			cJSON_AddItemToArray(errs, cJSON_CreateString(
			    "skip must be a number string"));
	}
	after = business ? -1 : q_int(q, "startAfter");
	if (after == -2)
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "startAfter must be a number"));
	if (rc == -2) {
		cJSON_Delete(errs);
		return;
	}
	if (cJSON_GetArraySize(errs) > 0) {
		reply_422(x->r, errs);
		return;
	}
	cJSON_Delete(errs);
	memset(&s, 0, sizeof(s));
	qs = q->query(q->qarg, "query");
	if (qs != NULL && *qs != '\0')
		s.lquery = sb_util_lower(qs);
	if (business)
		s.business = x->p.seg[2];
	/* Without a business this is the view of a filterless search. */
	if (s.business != NULL)
		snprintf(key, sizeof(key), "business:%s:%s", s.business,
		    s.lquery ? s.lquery : "");
	else
		snprintf(key, sizeof(key), "search:%s:", s.lquery ? s.lquery :
		    "");
	sb_store_rdlock(a->st);
	v = sb_store_view(a->st, SB_SORT_ADDED, 1, s.business || s.lquery ?
	    sb_search_match : NULL, &s, key, SB_GEN_NO_ATTRIB);
	sid = business ? NULL : q->query(q->qarg, "startAfterId");
	start = 0;
	if (business) {
		start = (size_t)skip < v->n ? (size_t)skip : v->n;
	} else if (sid != NULL && *sid != '\0') {
		if (after >= 0)
			anum = after;
		else if (sb_store_find(a->st, sid, &slot) == 0) {
			c = sb_store_contact(a->st, slot, 0);
			if (jstr(c, "dateAdded") != NULL)
				sb_util_parse_time(jstr(c, "dateAdded"), &anum);
			cJSON_Delete(c);
		}
		start = sb_store_view_after(v, anum, NULL, sid);
	} else if (after >= 0) {
		start = sb_store_view_after(v, after, NULL, "");
	}
	end = start + (size_t)limit < v->n ? start + (size_t)limit : v->n;
	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "contacts");
	for (i = start; i < end; i++) {
		c = sb_store_contact(a->st, v->e[i].slot, 0);
		cJSON_AddItemToArray(arr, list_item(c));
		cJSON_Delete(c);
	}
	if (business) {
		cJSON_AddNumberToObject(o, "count", (double)v->n);
	} else {
		cJSON_AddNumberToObject(o, "count", (double)(end - start));
		meta = cJSON_AddObjectToObject(o, "meta");
		cJSON_AddNumberToObject(meta, "total", (double)v->n);
		if (end < v->n && end > start) {
			url = xasprintf("%s/contacts/?locationId=%s&limit=%lld"
			    "&startAfter=%" PRId64 "&startAfterId=%s", a->base,
			    sb_store_location(a->st), limit, v->e[end - 1].num,
			    v->e[end - 1].id);
			cJSON_AddStringToObject(meta, "nextPageUrl", url);
			free(url);
			cJSON_AddStringToObject(meta, "startAfterId",
			    v->e[end - 1].id);
			cJSON_AddNumberToObject(meta, "startAfter",
			    (double)v->e[end - 1].num);
		}
		cJSON_AddNumberToObject(meta, "currentPage",
		    (double)(start / (size_t)limit + 1));
		if (end < v->n && end > start)
			cJSON_AddNumberToObject(meta, "nextPage",
			    (double)(start / (size_t)limit + 2));
		if (start / (size_t)limit > 0)
			cJSON_AddNumberToObject(meta, "prevPage",
			    (double)(start / (size_t)limit));
		else
			cJSON_AddNullToObject(meta, "prevPage");
	}
	sb_store_view_put(a->st, v);
	sb_store_unlock(a->st);
	free(s.lquery);
	reply(x->r, 200, o);
}

static const struct {
	const char *name;
	enum sb_sort sort;
} sorts[] = {
	{"dateAdded", SB_SORT_ADDED}, {"dateUpdated", SB_SORT_UPDATED},
	{"firstNameLowerCase", SB_SORT_FIRST},
	{"lastNameLowerCase", SB_SORT_LAST}, {"email", SB_SORT_EMAIL},
};

/*
 * The paging fault q->pfault, if it applies to the page [start, end) of
 * view v (of limit contacts; lap of the request's cursor sa, or page).
 * Returns the fault carried out and sets the items to send, *n from view
 * position *first on (positions past the end go round the view again):
 * - cursor-endless, on the page that would end the search, and on every
 *   page after one: a full page, then the view again with new cursors;
 * - page-oversize: half as many contacts again as pageLimit;
 * - cursor-repeat: the last cursor is the request's own; or (*back, half
 *   of the draws, from the third page on) the page before the previous
 *   one is sent again, so the cursor is the previous request's.
 */
static enum sb_api_pfault
paging_fault(const struct sb_api_req *q, const struct sb_view *v,
    const cJSON *sa, long long page, unsigned long lap, size_t start,
    size_t end, long long limit, size_t *first, size_t *n, int *back)
{
	size_t lim = (size_t)limit;

	*back = 0;
	if (v->n == 0)
		return SB_PF_NONE;
	if ((lap > 0 && q->endless) || (q->pfault == SB_PF_ENDLESS &&
	    page == 0 && end == v->n)) {
		*n = lim;
		return SB_PF_ENDLESS;
	}
	if (q->pfault == SB_PF_OVERSIZE) {
		*n = lim + (lim / 2 > 0 ? lim / 2 : 1);
		return SB_PF_OVERSIZE;
	}
	if (q->pfault == SB_PF_CURSOR_REPEAT && sa != NULL && end > start) {
		if (q->pfault_sub % 2 == 1 && start >= 2 * lim) {
			*first = start - 2 * lim;
			*n = lim;
			*back = 1;
		}
		return SB_PF_CURSOR_REPEAT;
	}
	return SB_PF_NONE;
}

static void
h_search(struct ctx *x)
{
	struct sb_api *a = x->a;
	struct sb_search s;
	struct sb_view *v;
	cJSON *b, *errs, *o, *arr, *c;
	const cJSON *j, *sa = NULL, *filters = NULL, *sort;
	enum sb_sort so = SB_SORT_ADDED;
	int desc = 1, rc, known;
	long long limit = 0, page = 0;
	size_t start, end, i, k, first, n;
	char *key, *fkey, trace[64], rid[64];
	int64_t cnum = 0;
	const char *cstr = NULL, *cid = NULL;
	enum sb_api_pfault pf;
	unsigned long lap = 0, l;
	cJSON *last;
	int back = 0;

	b = body_object(x->q, x->r);
	if (b == NULL)
		return;
	errs = cJSON_CreateArray();
	rc = check_location(a, jstr(b, "locationId"), errs, x->r);
	if (rc == -2)
		goto out;
	j = cJSON_GetObjectItemCaseSensitive(b, "pageLimit");
	if (!cJSON_IsNumber(j) || j->valuedouble != (double)(long long)
	    j->valuedouble) {
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "pageLimit must be an integer number"));
	} else {
		limit = (long long)j->valuedouble;
		if (limit < 1)
			cJSON_AddItemToArray(errs, cJSON_CreateString(
			    "pageLimit must not be less than 1"));
		if (limit > 500)
			cJSON_AddItemToArray(errs, cJSON_CreateString(
			    "pageLimit must not be greater than 500"));
	}
	j = cJSON_GetObjectItemCaseSensitive(b, "page");
	if (j != NULL) {
		if (!cJSON_IsNumber(j) || j->valuedouble < 1 ||
		    j->valuedouble != (double)(long long)j->valuedouble)
			cJSON_AddItemToArray(errs, cJSON_CreateString(
			    "page must be a positive integer"));
		else
			page = (long long)j->valuedouble;
	}
	sa = cJSON_GetObjectItemCaseSensitive(b, "searchAfter");
	if (sa != NULL) {
		if (!cJSON_IsArray(sa) || cJSON_GetArraySize(sa) != 2 ||
		    !cJSON_IsString(cJSON_GetArrayItem(sa, 1)) ||
		    (!cJSON_IsString(sa->child) && !cJSON_IsNumber(sa->child)))
			cJSON_AddItemToArray(errs, cJSON_CreateString(
			    "searchAfter must be the searchAfter array of a "
			    "contact of the previous page"));
		if (j != NULL)
			cJSON_AddItemToArray(errs, cJSON_CreateString(
			    "page and searchAfter cannot be used together"));
	}
	j = cJSON_GetObjectItemCaseSensitive(b, "query");
	if (j != NULL && !cJSON_IsNull(j) && (!cJSON_IsString(j) ||
	    strlen(j->valuestring) > 75))
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "query must be a string of at most 75 characters"));
	filters = cJSON_GetObjectItemCaseSensitive(b, "filters");
	if (filters != NULL)
		sb_search_validate(filters, errs);
	sort = cJSON_GetObjectItemCaseSensitive(b, "sort");
	if (sort != NULL && !cJSON_IsArray(sort)) {
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "sort must be an array"));
	} else if (sort != NULL && sort->child != NULL) {
		const char *f = jstr(sort->child, "field");
		const char *d = jstr(sort->child, "direction");

		known = 0;
		for (k = 0; f != NULL && k < nitems(sorts); k++) {
			if (strcmp(f, sorts[k].name) == 0) {
				so = sorts[k].sort;
				known = 1;
			}
		}
		if (!known)
			cJSON_AddItemToArray(errs, cJSON_CreateString(
			    "sort.field must be one of the following values: "
			    "dateAdded, dateUpdated, firstNameLowerCase, "
			    "lastNameLowerCase, email"));
		if (d != NULL && strcmp(d, "asc") != 0 &&
		    strcmp(d, "desc") != 0)
			cJSON_AddItemToArray(errs, cJSON_CreateString(
			    "sort.direction must be one of the following "
			    "values: asc, desc"));
		desc = d != NULL && strcmp(d, "desc") == 0;
	}
	if (page > 0 && (page - 1) * limit >= 10000)
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "page * pageLimit must not exceed 10000; use searchAfter "
		    "to go further"));
	if (cJSON_GetArraySize(errs) > 0) {
		reply_422(x->r, errs);
		errs = NULL;
		goto out;
	}
	memset(&s, 0, sizeof(s));
	j = cJSON_GetObjectItemCaseSensitive(b, "query");
	if (cJSON_IsString(j) && j->valuestring[0] != '\0')
		s.lquery = sb_util_lower(j->valuestring);
	if (cJSON_IsArray(filters) && filters->child != NULL)
		s.filters = filters;
	fkey = s.filters ? cJSON_PrintUnformatted(s.filters) : NULL;
	key = xasprintf("search:%s:%s", s.lquery ? s.lquery : "",
	    fkey ? fkey : "");
	free(fkey);
	sb_store_rdlock(a->st);
	/* Matching skips generating attributions unless a filter uses them. */
	v = sb_store_view(a->st, so, desc, s.lquery || s.filters ?
	    sb_search_match : NULL, &s, key, strstr(key, "ttribution") ? 0 :
	    SB_GEN_NO_ATTRIB);
	free(key);
	if (sa != NULL) {
		if (cJSON_IsNumber(sa->child))
			cnum = (int64_t)sa->child->valuedouble;
		else if (so == SB_SORT_ADDED || so == SB_SORT_UPDATED)
			sb_util_parse_time(sa->child->valuestring, &cnum);
		else
			cstr = sa->child->valuestring;
		cid = cJSON_GetArrayItem(sa, 1)->valuestring;
		lap = cursor_lap(cid, rid, sizeof(rid));
		start = sb_store_view_after(v, cnum, cstr, rid);
		end = start + (size_t)limit;
	} else {
		start = page > 0 ? (size_t)((page - 1) * limit) : 0;
		end = start + (size_t)limit;
		if (end > 10000)
			end = 10000;
	}
	if (end > v->n)
		end = v->n;
	if (start > end)
		start = end;
	first = start;
	n = end - start;
	pf = paging_fault(x->q, v, sa, page, lap, start, end, limit, &first,
	    &n, &back);
	x->r->pfault = pf;
	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "contacts");
	last = NULL;
	for (k = 0; k < n; k++) {
		/* Past the end only with a fault: round the view again. */
		i = (first + k) % v->n;
		c = sb_store_contact(a->st, v->e[i].slot, SB_GEN_NO_ATTRIB);
		last = search_item(c, v, i);
		l = lap + (first + k) / v->n;
		if (pf == SB_PF_ENDLESS && l > 0)
			item_lap(last, v->e[i].id, l);
		cJSON_AddItemToArray(arr, last);
	}
	if (pf == SB_PF_CURSOR_REPEAT && !back && last != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(last, "searchAfter",
		    cJSON_Duplicate(sa, 1));
	cJSON_AddNumberToObject(o, "total", (double)v->n);
	trace_id(a, trace, sizeof(trace));
	cJSON_AddStringToObject(o, "traceId", trace);
	sb_store_view_put(a->st, v);
	sb_store_unlock(a->st);
	free(s.lquery);
	reply(x->r, 200, o);
out:
	cJSON_Delete(errs);
	cJSON_Delete(b);
}

static void
h_create(struct ctx *x, int upsert)
{
	struct sb_api *a = x->a;
	struct sb_store *st = a->st;
	cJSON *b, *errs, *c, *o;
	const char *email, *phone;
	uint64_t slot;
	int64_t now;
	int rc, found, tc = 0, dc = 0;
	char trace[64];

	b = body_object(x->q, x->r);
	if (b == NULL)
		return;
	errs = cJSON_CreateArray();
	rc = check_location(a, jstr(b, "locationId"), errs, x->r);
	if (rc == -2)
		goto out;
	check_contact(b, errs);
	if (upsert && cJSON_GetObjectItemCaseSensitive(b,
	    "createNewIfDuplicateAllowed") != NULL && !cJSON_IsBool(
	    cJSON_GetObjectItemCaseSensitive(b, "createNewIfDuplicateAllowed")))
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "createNewIfDuplicateAllowed must be a boolean value"));
	if (cJSON_GetArraySize(errs) > 0) {
		reply_422(x->r, errs);
		errs = NULL;
		goto out;
	}
	email = jstr(b, "email");
	phone = jstr(b, "phone");
	now = sb_util_now_ms();
	sb_store_wrlock(st);
	found = sb_store_find_email(st, email, UINT64_MAX, &slot) == 0;
	if (!found && upsert && phone != NULL && *phone != '\0')
		found = sb_store_find_phone(st, phone, UINT64_MAX, &slot) == 0;
	if (found && !upsert) {
		sb_store_unlock(st);
		reply_err(x->r, 400,
		    "This location does not allow duplicated contacts.");
		goto out;
	}
	if (found) {
		/* Upsert: the email (or phone) of another contact? */
		uint64_t other;

		if ((email != NULL && sb_store_find_email(st, email, slot,
		    &other) == 0)) {
			sb_store_unlock(st);
			reply_err(x->r, 400, "This location does not allow "
			    "duplicated contacts.");
			goto out;
		}
		c = sb_store_contact_mut(st, slot);
		apply_contact(a, c, b, &tc, &dc);
		sb_store_touch(st, slot, now);
		ev_contact(a, "ContactUpdate", c);
		if (tc)
			ev_contact(a, "ContactTagUpdate", c);
		if (dc)
			ev_contact(a, "ContactDndUpdate", c);
		c = cJSON_Duplicate(c, 1);
	} else {
		c = new_contact(a, b, now);
		slot = sb_store_create(st, c);
		ev_contact(a, "ContactCreate", c);
		c = cJSON_Duplicate(c, 1);
	}
	sb_store_unlock(st);
	o = cJSON_CreateObject();
	if (upsert) {
		cJSON_AddBoolToObject(o, "new", !found);
		cJSON_AddItemToObject(o, "contact", c);
		trace_id(a, trace, sizeof(trace));
		cJSON_AddStringToObject(o, "traceId", trace);
		reply(x->r, 200, o);
	} else {
		cJSON_AddItemToObject(o, "contact", created_shape(c));
		cJSON_Delete(c);
		reply(x->r, 201, o);
	}
out:
	cJSON_Delete(errs);
	cJSON_Delete(b);
}

static void
h_update(struct ctx *x)
{
	struct sb_api *a = x->a;
	struct sb_store *st = a->st;
	cJSON *b, *errs, *c, *o;
	uint64_t slot, other;
	int tc = 0, dc = 0;

	b = body_object(x->q, x->r);
	if (b == NULL)
		return;
	errs = cJSON_CreateArray();
	check_contact(b, errs);
	if (cJSON_GetArraySize(errs) > 0) {
		reply_422(x->r, errs);
		cJSON_Delete(b);
		return;
	}
	cJSON_Delete(errs);
	sb_store_wrlock(st);
	if (find_contact(x, &slot) != 0)
		goto unlock;
	if (jstr(b, "email") != NULL && sb_store_find_email(st, jstr(b,
	    "email"), slot, &other) == 0) {
		reply_err(x->r, 400,
		    "This location does not allow duplicated contacts.");
		goto unlock;
	}
	c = sb_store_contact_mut(st, slot);
	apply_contact(a, c, b, &tc, &dc);
	sb_store_touch(st, slot, sb_util_now_ms());
	ev_contact(a, "ContactUpdate", c);
	if (tc)
		ev_contact(a, "ContactTagUpdate", c);
	if (dc)
		ev_contact(a, "ContactDndUpdate", c);
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "succeded", 1);
	cJSON_AddItemToObject(o, "contact", cJSON_Duplicate(c, 1));
	reply(x->r, 200, o);
unlock:
	sb_store_unlock(st);
	cJSON_Delete(b);
}

static void
reply_ok(struct sb_api_resp *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "succeded", 1);
	reply(r, 200, o);
}

static void
h_delete(struct ctx *x)
{
	struct sb_api *a = x->a;
	struct sb_store *st = a->st;
	cJSON *c, *appts, *e;
	uint64_t slot;

	sb_store_wrlock(st);
	if (find_contact(x, &slot) == 0) {
		c = sb_store_contact(st, slot, 0);
		appts = sb_store_children(st, slot, SB_APPTS);
		sb_store_delete(st, slot);
		ev_contact(a, "ContactDelete", c);
		cJSON_ArrayForEach(e, appts)
			ev_appt(a, "AppointmentDelete", e);
		cJSON_Delete(appts);
		cJSON_Delete(c);
		reply_ok(x->r);
	}
	sb_store_unlock(st);
}

static void
check_task(const cJSON *b, int create, int only_completed, cJSON *errs)
{
	const cJSON *j;
	int64_t ms;

	j = cJSON_GetObjectItemCaseSensitive(b, "completed");
	if ((create || only_completed || j != NULL) && !cJSON_IsBool(j))
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "completed must be a boolean value"));
	if (only_completed)
		return;
	j = cJSON_GetObjectItemCaseSensitive(b, "title");
	if ((create || j != NULL) && (!cJSON_IsString(j) ||
	    j->valuestring[0] == '\0'))
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "title should not be empty"));
	j = cJSON_GetObjectItemCaseSensitive(b, "dueDate");
	if ((create || j != NULL) && (!cJSON_IsString(j) ||
	    sb_util_parse_time(j->valuestring, &ms) != 0))
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "dueDate must be a valid ISO 8601 date string"));
	j = cJSON_GetObjectItemCaseSensitive(b, "body");
	if (j != NULL && !cJSON_IsString(j) && !cJSON_IsNull(j))
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "body must be a string"));
	j = cJSON_GetObjectItemCaseSensitive(b, "assignedTo");
	if (j != NULL && !cJSON_IsString(j) && !cJSON_IsNull(j))
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "assignedTo must be a string"));
}

static void
apply_task(cJSON *t, const cJSON *b)
{
	const cJSON *j;
	int64_t ms;

	j = cJSON_GetObjectItemCaseSensitive(b, "title");
	if (cJSON_IsString(j))
		set_str(t, "title", j->valuestring);
	j = cJSON_GetObjectItemCaseSensitive(b, "body");
	if (cJSON_IsString(j))
		set_str(t, "body", j->valuestring);
	else if (cJSON_IsNull(j))
		set_str(t, "body", NULL);
	j = cJSON_GetObjectItemCaseSensitive(b, "assignedTo");
	if (cJSON_IsString(j))
		set_str(t, "assignedTo", j->valuestring);
	else if (cJSON_IsNull(j))
		set_str(t, "assignedTo", NULL);
	j = cJSON_GetObjectItemCaseSensitive(b, "dueDate");
	if (cJSON_IsString(j) && sb_util_parse_time(j->valuestring, &ms) == 0)
		set_time(t, "dueDate", ms);
	j = cJSON_GetObjectItemCaseSensitive(b, "completed");
	if (cJSON_IsBool(j))
		set_item(t, "completed", cJSON_CreateBool(cJSON_IsTrue(j)));
}

/* POST tasks (op 0), PUT task (1), PUT completed (2), DELETE task (3). */
static void
h_task_write(struct ctx *x, int op)
{
	struct sb_api *a = x->a;
	struct sb_store *st = a->st;
	cJSON *b = NULL, *errs, *arr, *t, *o;
	uint64_t slot;
	char id[SB_ID_LEN + 1];
	int was_done;

	if (op != 3) {
		b = body_object(x->q, x->r);
		if (b == NULL)
			return;
		errs = cJSON_CreateArray();
		check_task(b, op == 0, op == 2, errs);
		if (cJSON_GetArraySize(errs) > 0) {
			reply_422(x->r, errs);
			cJSON_Delete(b);
			return;
		}
		cJSON_Delete(errs);
	}
	sb_store_wrlock(st);
	if (find_contact(x, &slot) != 0)
		goto unlock;
	arr = sb_store_children_mut(st, slot, SB_TASKS);
	if (op == 0) {
		t = cJSON_CreateObject();
		sb_store_new_child_id(st, id);
		cJSON_AddStringToObject(t, "id", id);
		cJSON_AddStringToObject(t, "title", "");
		cJSON_AddStringToObject(t, "body", "");
		apply_task(t, b);
		cJSON_AddStringToObject(t, "contactId", x->p.seg[1]);
		cJSON_AddItemToArray(arr, t);
		ev_task(a, "TaskCreate", t);
		o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "task", cJSON_Duplicate(t, 1));
		reply(x->r, 201, o);
		goto unlock;
	}
	t = find_child(arr, x->p.seg[3]);
	if (t == NULL) {
		reply_err(x->r, 404, "Task not found");
		goto unlock;
	}
	if (op == 3) {
		ev_task(a, "TaskDelete", t);
		cJSON_DetachItemViaPointer(arr, t);
		cJSON_Delete(t);
		reply_ok(x->r);
		goto unlock;
	}
	was_done = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t,
	    "completed"));
	apply_task(t, b);
	if (!was_done && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t,
	    "completed")))
		ev_task(a, "TaskComplete", t);
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "task", cJSON_Duplicate(t, 1));
	reply(x->r, 200, o);
unlock:
	sb_store_unlock(st);
	cJSON_Delete(b);
}

static void
h_tags(struct ctx *x, int add)
{
	struct sb_api *a = x->a;
	struct sb_store *st = a->st;
	cJSON *b, *errs, *c, *tags, *t, *next, *o;
	const cJSON *in, *u;
	uint64_t slot;
	char *before, *after;
	int drop;

	b = body_object(x->q, x->r);
	if (b == NULL)
		return;
	errs = cJSON_CreateArray();
	in = cJSON_GetObjectItemCaseSensitive(b, "tags");
	if (in == NULL)
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "tags should not be empty"));
	else
		check_tags(in, "tags", errs);
	if (cJSON_GetArraySize(errs) > 0) {
		reply_422(x->r, errs);
		cJSON_Delete(b);
		return;
	}
	cJSON_Delete(errs);
	sb_store_wrlock(st);
	if (find_contact(x, &slot) != 0)
		goto unlock;
	c = sb_store_contact_mut(st, slot);
	tags = cJSON_GetObjectItemCaseSensitive(c, "tags");
	if (!cJSON_IsArray(tags)) {
		set_item(c, "tags", cJSON_CreateArray());
		tags = cJSON_GetObjectItemCaseSensitive(c, "tags");
	}
	before = cJSON_PrintUnformatted(tags);
	if (add) {
		tags_dedupe_into(tags, in);
	} else {
		for (t = tags->child; t != NULL; t = next) {
			next = t->next;
			drop = 0;
			cJSON_ArrayForEach(u, in)
				if (strcasecmp(u->valuestring,
				    t->valuestring) == 0)
					drop = 1;
			if (drop) {
				cJSON_DetachItemViaPointer(tags, t);
				cJSON_Delete(t);
			}
		}
	}
	after = cJSON_PrintUnformatted(tags);
	if (strcmp(before, after) != 0) {
		sb_store_touch(st, slot, sb_util_now_ms());
		ev_contact(a, "ContactTagUpdate", c);
	}
	free(before);
	free(after);
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "tags", cJSON_Duplicate(tags, 1));
	reply(x->r, add ? 201 : 200, o);
unlock:
	sb_store_unlock(st);
	cJSON_Delete(b);
}

static void
check_note(const cJSON *b, int create, cJSON *errs)
{
	static const char *const strs[] = {"userId", "title", "color"};
	const cJSON *j;
	size_t i;

	j = cJSON_GetObjectItemCaseSensitive(b, "body");
	if ((create || j != NULL) && (!cJSON_IsString(j) ||
	    j->valuestring[0] == '\0'))
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "body should not be empty"));
	for (i = 0; i < nitems(strs); i++) {
		j = cJSON_GetObjectItemCaseSensitive(b, strs[i]);
		if (j != NULL && !cJSON_IsString(j) && !cJSON_IsNull(j))
			err_add(errs, "%s must be a string", strs[i]);
	}
	j = cJSON_GetObjectItemCaseSensitive(b, "pinned");
	if (j != NULL && !cJSON_IsBool(j))
		cJSON_AddItemToArray(errs, cJSON_CreateString(
		    "pinned must be a boolean value"));
}

static void
apply_note(cJSON *n, const cJSON *b)
{
	static const char *const strs[] = {"body", "userId", "title", "color"};
	const cJSON *j;
	size_t i;

	for (i = 0; i < nitems(strs); i++) {
		j = cJSON_GetObjectItemCaseSensitive(b, strs[i]);
		if (cJSON_IsString(j))
			set_str(n, strs[i], j->valuestring);
		else if (cJSON_IsNull(j))
			set_str(n, strs[i], NULL);
	}
	j = cJSON_GetObjectItemCaseSensitive(b, "pinned");
	if (cJSON_IsBool(j))
		set_item(n, "pinned", cJSON_CreateBool(cJSON_IsTrue(j)));
}

/* POST notes (op 0), PUT note (1), DELETE note (2). */
static void
h_note_write(struct ctx *x, int op)
{
	struct sb_api *a = x->a;
	struct sb_store *st = a->st;
	cJSON *b = NULL, *errs, *arr, *n, *o;
	uint64_t slot;
	char id[SB_ID_LEN + 1];

	if (op != 2) {
		b = body_object(x->q, x->r);
		if (b == NULL)
			return;
		errs = cJSON_CreateArray();
		check_note(b, op == 0, errs);
		if (cJSON_GetArraySize(errs) > 0) {
			reply_422(x->r, errs);
			cJSON_Delete(b);
			return;
		}
		cJSON_Delete(errs);
	}
	sb_store_wrlock(st);
	if (find_contact(x, &slot) != 0)
		goto unlock;
	arr = sb_store_children_mut(st, slot, SB_NOTES);
	if (op == 0) {
		n = cJSON_CreateObject();
		sb_store_new_child_id(st, id);
		cJSON_AddStringToObject(n, "id", id);
		apply_note(n, b);
		set_time(n, "dateAdded", sb_util_now_ms());
		cJSON_AddStringToObject(n, "contactId", x->p.seg[1]);
		if (cJSON_GetObjectItemCaseSensitive(n, "pinned") == NULL)
			cJSON_AddBoolToObject(n, "pinned", 0);
		cJSON_AddItemToArray(arr, n);
		ev_note(a, "NoteCreate", n);
		o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "note", cJSON_Duplicate(n, 1));
		reply(x->r, 201, o);
		goto unlock;
	}
	n = find_child(arr, x->p.seg[3]);
	if (n == NULL) {
		reply_err(x->r, 404, "Note not found");
		goto unlock;
	}
	if (op == 2) {
		ev_note(a, "NoteDelete", n);
		cJSON_DetachItemViaPointer(arr, n);
		cJSON_Delete(n);
		reply_ok(x->r);
		goto unlock;
	}
	apply_note(n, b);
	ev_note(a, "NoteUpdate", n);
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "note", cJSON_Duplicate(n, 1));
	reply(x->r, 200, o);
unlock:
	sb_store_unlock(st);
	cJSON_Delete(b);
}

void
sb_api_handle(struct sb_api *a, const struct sb_api_route *rt,
    const struct sb_api_req *req, struct sb_api_resp *resp)
{
	struct ctx x;

	memset(&x, 0, sizeof(x));
	x.a = a;
	x.q = req;
	x.r = resp;
	resp->status = 500;
	resp->body = NULL;
	resp->pfault = SB_PF_NONE;
	path_split(req->path, &x.p);
	if (x.p.bad) {
		reply_err(resp, 400, "Invalid path parameter");
		goto out;
	}
	switch (rt->id) {
	case R_GET: h_get(&x); break;
	case R_TASKS: h_children(&x, SB_TASKS, "tasks"); break;
	case R_TASK: h_child(&x, SB_TASKS, "task", "Task not found"); break;
	case R_NOTES: h_children(&x, SB_NOTES, "notes"); break;
	case R_NOTE: h_child(&x, SB_NOTES, "note", "Note not found"); break;
	case R_APPTS: h_children(&x, SB_APPTS, "events"); break;
	case R_LIST: h_list(&x, 0); break;
	case R_SEARCH: h_search(&x); break;
	case R_BUSINESS: h_list(&x, 1); break;
	case R_CREATE: h_create(&x, 0); break;
	case R_UPSERT: h_create(&x, 1); break;
	case R_UPDATE: h_update(&x); break;
	case R_DELETE: h_delete(&x); break;
	case R_TASK_NEW: h_task_write(&x, 0); break;
	case R_TASK_PUT: h_task_write(&x, 1); break;
	case R_TASK_DONE: h_task_write(&x, 2); break;
	case R_TASK_DEL: h_task_write(&x, 3); break;
	case R_TAGS_ADD: h_tags(&x, 1); break;
	case R_TAGS_DEL: h_tags(&x, 0); break;
	case R_NOTE_NEW: h_note_write(&x, 0); break;
	case R_NOTE_PUT: h_note_write(&x, 1); break;
	case R_NOTE_DEL: h_note_write(&x, 2); break;
	default:
		reply_err(resp, 404, "Not found");
		break;
	}
out:
	if (resp->body == NULL)
		reply_err(resp, 500, "Internal server error");
	path_free(&x.p);
}
