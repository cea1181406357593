/*
 * codec_sm.c: Salesmate v4 JSON with cJSON (salesmate CONTRACT §3, §5, §6):
 * envelope parsing, the bodies the mirror sends and the few response
 * fields it reads.  Unknown keys are ignored everywhere.
 */
#include "config.h"
#include "codec_sm.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "xmalloc.h"

/* Print and free a cJSON tree; aborts on OOM like every x* allocator. */
static char *
take_print(cJSON *j)
{
	char *s, *out;

	s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (s == NULL)
		fatalx("codec_sm: out of memory printing JSON");
	out = xstrdup(s);
	cJSON_free(s);
	return out;
}

static void
add_str(cJSON *o, const char *k, const char *v)
{
	if (cJSON_AddStringToObject(o, k, v) == NULL)
		fatalx("codec_sm: out of memory");
}

static void
add_num(cJSON *o, const char *k, double v)
{
	if (cJSON_AddNumberToObject(o, k, v) == NULL)
		fatalx("codec_sm: out of memory");
}

static void
add_opt(cJSON *o, const char *k, const char *v)
{
	if (v != NULL && *v != '\0')
		add_str(o, k, v);
}

static cJSON *
new_obj(void)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL)
		fatalx("codec_sm: out of memory");
	return o;
}

/* A string member, case-sensitive key; NULL when absent or not a string. */
static const char *
get_s(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A scalar member as a new string: strings as is, numbers as %lld or
 * %g, booleans "true"/"false"; NULL otherwise. */
static char *
scalar_dup(const cJSON *v)
{
	if (cJSON_IsString(v))
		return xstrdup(v->valuestring);
	if (cJSON_IsNumber(v)) {
		if (v->valuedouble == (double)(long long)v->valuedouble)
			return xasprintf("%lld", (long long)v->valuedouble);
		return xasprintf("%g", v->valuedouble);
	}
	if (cJSON_IsBool(v))
		return xstrdup(cJSON_IsTrue(v) ? "true" : "false");
	return NULL;
}

static int
to_id(const cJSON *v, long long *id)
{
	char *end;
	long long x;

	if (cJSON_IsNumber(v)) {
		*id = (long long)v->valuedouble;
		return 0;
	}
	if (cJSON_IsString(v) && v->valuestring[0] != '\0') {
		errno = 0;
		x = strtoll(v->valuestring, &end, 10);
		if (errno == 0 && *end == '\0') {
			*id = x;
			return 0;
		}
	}
	return -1;
}

/* true, 1, "1", "true" */
static int
truthy(const cJSON *v)
{
	if (cJSON_IsTrue(v))
		return 1;
	if (cJSON_IsNumber(v))
		return v->valuedouble != 0;
	if (cJSON_IsString(v))
		return strcmp(v->valuestring, "1") == 0 ||
		    strcmp(v->valuestring, "true") == 0;
	return 0;
}

int
codec_sm_envelope(const char *body, size_t len, struct sm_envelope *env)
{
	static const char *const keys[] = {
		"Message", "message", "Name", "name", "Code", "code"
	};
	const cJSON *st, *data, *er, *v;
	cJSON *root;
	char *s;
	size_t i;

	memset(env, 0, sizeof *env);
	if (body == NULL)
		return ERR_PARSE;
	root = cJSON_ParseWithLength(body, len);
	if (root == NULL)
		return ERR_PARSE;
	st = cJSON_GetObjectItemCaseSensitive(root, "Status");
	if (!cJSON_IsString(st))
		st = cJSON_GetObjectItemCaseSensitive(root, "status");
	if (!cJSON_IsObject(root) || !cJSON_IsString(st)) {
		cJSON_Delete(root);
		return ERR_PARSE;
	}
	env->success = strcmp(st->valuestring, "success") == 0;
	data = cJSON_GetObjectItemCaseSensitive(root, "Data");
	if (data == NULL)
		data = cJSON_GetObjectItemCaseSensitive(root, "data");
	if (data != NULL && !cJSON_IsNull(data)) {
		s = cJSON_PrintUnformatted(data);
		if (s == NULL)
			fatalx("codec_sm: out of memory");
		env->data = xstrdup(s);
		cJSON_free(s);
	}
	er = cJSON_GetObjectItemCaseSensitive(root, "Error");
	if (er == NULL)
		er = cJSON_GetObjectItemCaseSensitive(root, "error");
	if (cJSON_IsObject(er)) {
		v = cJSON_GetObjectItemCaseSensitive(er, "Name");
		if (!cJSON_IsString(v))
			v = cJSON_GetObjectItemCaseSensitive(er, "name");
		env->name = scalar_dup(v);
		for (i = 0; i < nitems(keys) && env->message == NULL; i++) {
			v = cJSON_GetObjectItemCaseSensitive(er, keys[i]);
			s = scalar_dup(v);
			if (s != NULL && *s == '\0') {
				free(s);
				s = NULL;
			}
			env->message = s;
		}
	} else if (cJSON_IsString(er) && er->valuestring[0] != '\0') {
		env->message = xstrdup(er->valuestring);
	}
	cJSON_Delete(root);
	return 0;
}

void
sm_envelope_free(struct sm_envelope *env)
{
	if (env == NULL)
		return;
	free(env->data);
	free(env->name);
	free(env->message);
	memset(env, 0, sizeof *env);
}

char *
codec_sm_contact_json(const struct sm_contact_body *b)
{
	cJSON *o = new_obj();

	add_str(o, "firstName", b->first_name ? b->first_name : "");
	add_str(o, "lastName", b->last_name ? b->last_name : "");
	add_opt(o, "email", b->email);
	add_opt(o, "mobile", b->mobile);
	add_num(o, "owner", (double)b->owner);
	if (b->company > 0)
		add_num(o, "company", (double)b->company);
	add_opt(o, "website", b->website);
	add_opt(o, "billingAddressLine1", b->addr1);
	add_opt(o, "billingCity", b->city);
	add_opt(o, "billingState", b->state);
	add_opt(o, "billingZipCode", b->zip);
	add_opt(o, "billingCountry", b->country);
	if (b->tags != NULL)
		add_str(o, "tags", b->tags);
	if (b->id_field != NULL && *b->id_field != '\0' && b->ghl_id != NULL)
		add_str(o, b->id_field, b->ghl_id);
	return take_print(o);
}

char *
codec_sm_company_json(const char *name, long long owner)
{
	cJSON *o = new_obj();

	add_str(o, "name", name);
	add_num(o, "owner", (double)owner);
	return take_print(o);
}

char *
codec_sm_activity_json(const struct sm_activity_body *b)
{
	cJSON *o = new_obj();

	add_str(o, "title", b->title);
	add_str(o, "type", b->type ? b->type : "Task");
	add_num(o, "owner", (double)b->owner);
	add_num(o, "primaryContact", (double)b->primary_contact);
	if (b->due_ms >= 0)
		add_num(o, "dueDate", (double)b->due_ms);
	if (cJSON_AddBoolToObject(o, "isCompleted", b->completed != 0) == NULL ||
	    cJSON_AddBoolToObject(o, "isCalendarInvite", 0) == NULL)
		fatalx("codec_sm: out of memory");
	add_str(o, "description", b->description ? b->description : "");
	return take_print(o);
}

char *
codec_sm_note_json(const char *html)
{
	cJSON *o = new_obj();

	add_str(o, "note", html);
	add_str(o, "type", "Note");
	if (cJSON_AddArrayToObject(o, "attachments") == NULL)
		fatalx("codec_sm: out of memory");
	return take_print(o);
}

char *
codec_sm_search_json(int module_id, const char *module_name,
    const char *field, const char *value, int lookup,
    const char *const *fields, size_t nfields, const char *sort_field)
{
	cJSON *o = new_obj(), *arr, *fq, *grp, *rules, *rule, *f, *sort;
	size_t i;

	arr = cJSON_AddArrayToObject(o, "displayingFields");
	if (arr == NULL)
		fatalx("codec_sm: out of memory");
	for (i = 0; i < nfields; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(fields[i]));
	fq = cJSON_AddObjectToObject(o, "filterQuery");
	grp = fq ? cJSON_AddObjectToObject(fq, "group") : NULL;
	if (grp == NULL)
		fatalx("codec_sm: out of memory");
	add_str(grp, "operator", "AND");
	rules = cJSON_AddArrayToObject(grp, "rules");
	rule = new_obj();
	cJSON_AddItemToArray(rules, rule);
	add_str(rule, "condition", "EQUALS");
	add_str(rule, "moduleName", module_name);
	f = cJSON_AddObjectToObject(rule, "field");
	if (f == NULL)
		fatalx("codec_sm: out of memory");
	add_str(f, "fieldName", field);
	add_str(f, "displayName", field);
	add_str(f, "type", lookup ? "Lookup" : "Text");
	add_str(rule, "data", value);
	add_str(rule, "eventType", lookup ? "Lookup" : "String");
	sort = cJSON_AddObjectToObject(o, "sort");
	if (sort == NULL)
		fatalx("codec_sm: out of memory");
	add_str(sort, "fieldName", sort_field);
	add_str(sort, "order", "asc");
	add_num(o, "moduleId", module_id);
	add_str(o, "reportType", "get_data");
	if (cJSON_AddBoolToObject(o, "getRecordsCount", 1) == NULL)
		fatalx("codec_sm: out of memory");
	return take_print(o);
}

int
codec_sm_id(const char *data, const char *key, long long *id)
{
	cJSON *root;
	int rc;

	if (data == NULL)
		return ERR_PARSE;
	root = cJSON_Parse(data);
	if (root == NULL)
		return ERR_PARSE;
	rc = to_id(cJSON_GetObjectItemCaseSensitive(root, key), id) ?
	    ERR_PARSE : 0;
	cJSON_Delete(root);
	return rc;
}

int
codec_sm_users(const char *data, struct sm_user **vp, size_t *np)
{
	const cJSON *u;
	cJSON *root;
	struct sm_user *v;
	const char *fn, *ln, *em;
	size_t n = 0;

	*vp = NULL;
	*np = 0;
	root = data ? cJSON_Parse(data) : NULL;
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return ERR_PARSE;
	}
	v = xcalloc((size_t)cJSON_GetArraySize(root) + 1, sizeof *v);
	cJSON_ArrayForEach(u, root) {
		if (!cJSON_IsObject(u) ||
		    to_id(cJSON_GetObjectItemCaseSensitive(u, "id"), &v[n].id))
			continue;
		fn = get_s(u, "firstName");
		ln = get_s(u, "lastName");
		em = get_s(u, "email");
		if (get_s(u, "name") != NULL)
			v[n].name = xstrdup(get_s(u, "name"));
		else if (fn != NULL || ln != NULL)
			v[n].name = xasprintf("%s%s%s", fn ? fn : "",
			    fn && ln ? " " : "", ln ? ln : "");
		else
			v[n].name = xstrdup(em ? em : "");
		v[n].email = xstrdup0(em);
		v[n].active = truthy(cJSON_GetObjectItemCaseSensitive(u,
		    "isActive"));
		v[n].current = truthy(cJSON_GetObjectItemCaseSensitive(u,
		    "isCurrentUser"));
		n++;
	}
	cJSON_Delete(root);
	*vp = v;
	*np = n;
	return 0;
}

void
sm_users_free(struct sm_user *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].name);
		free(v[i].email);
	}
	free(v);
}

void
sm_row_free(struct sm_row *r)
{
	if (r == NULL)
		return;
	free(r->email);
	free(r->mobile);
	free(r->phone);
	free(r->ghl_id);
	free(r->title);
	free(r->text);
	strv_free(&r->tags);
	memset(r, 0, sizeof *r);
}

void
sm_rows_free(struct sm_row *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		sm_row_free(&v[i]);
	free(v);
}

static void
split_string(const char *s, struct strv *out)
{
	const char *p = s, *q, *a, *b;

	while (*p != '\0') {
		q = strchr(p, ',');
		if (q == NULL)
			q = p + strlen(p);
		a = p;
		b = q;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		if (b > a) {
			char *t = xstrndup(a, (size_t)(b - a));

			strv_push(out, t);
			free(t);
		}
		p = *q ? q + 1 : q;
	}
}

static void
tags_from(const cJSON *v, struct strv *out)
{
	static const char *const keys[] = { "name", "value", "tag" };
	const cJSON *it;
	const char *s;
	size_t i;

	if (cJSON_IsString(v)) {
		split_string(v->valuestring, out);
		return;
	}
	if (!cJSON_IsArray(v))
		return;
	cJSON_ArrayForEach(it, v) {
		s = NULL;
		if (cJSON_IsString(it))
			s = it->valuestring;
		for (i = 0; s == NULL && cJSON_IsObject(it) &&
		    i < nitems(keys); i++)
			s = get_s(it, keys[i]);
		if (s != NULL)
			split_string(s, out);
	}
}

void
codec_sm_tags_split(const char *s, struct strv *out)
{
	cJSON *root;

	if (s == NULL)
		return;
	if (s[0] == '[') {
		root = cJSON_Parse(s);
		if (root != NULL) {
			tags_from(root, out);
			cJSON_Delete(root);
			return;
		}
	}
	split_string(s, out);
}

static void
fill_row(const cJSON *o, const char *id_field, struct sm_row *r)
{
	const cJSON *v;

	memset(r, 0, sizeof *r);
	(void)to_id(cJSON_GetObjectItemCaseSensitive(o, "id"), &r->id);
	r->email = scalar_dup(cJSON_GetObjectItemCaseSensitive(o, "email"));
	r->mobile = scalar_dup(cJSON_GetObjectItemCaseSensitive(o, "mobile"));
	r->phone = scalar_dup(cJSON_GetObjectItemCaseSensitive(o, "phone"));
	if (id_field != NULL && *id_field != '\0')
		r->ghl_id = scalar_dup(cJSON_GetObjectItemCaseSensitive(o,
		    id_field));
	r->title = scalar_dup(cJSON_GetObjectItemCaseSensitive(o, "title"));
	v = cJSON_GetObjectItemCaseSensitive(o, "description");
	if (v == NULL || cJSON_IsNull(v))
		v = cJSON_GetObjectItemCaseSensitive(o, "note");
	r->text = scalar_dup(v);
	r->pinned = truthy(cJSON_GetObjectItemCaseSensitive(o, "isPinned"));
	tags_from(cJSON_GetObjectItemCaseSensitive(o, "tags"), &r->tags);
}

int
codec_sm_search_rows(const char *data, const char *id_field,
    struct sm_row **vp, size_t *np, long *total)
{
	const cJSON *rows, *it, *t;
	cJSON *root;
	struct sm_row *v;
	size_t n = 0;

	*vp = NULL;
	*np = 0;
	*total = 0;
	root = data ? cJSON_Parse(data) : NULL;
	rows = cJSON_GetObjectItemCaseSensitive(root, "data");
	if (!cJSON_IsObject(root) || (rows != NULL && !cJSON_IsArray(rows) &&
	    !cJSON_IsNull(rows))) {
		cJSON_Delete(root);
		return ERR_PARSE;
	}
	v = xcalloc((size_t)cJSON_GetArraySize(rows) + 1, sizeof *v);
	cJSON_ArrayForEach(it, rows) {
		if (!cJSON_IsObject(it))
			continue;
		fill_row(it, id_field, &v[n]);
		if (v[n].id <= 0) {
			sm_row_free(&v[n]);
			continue;
		}
		n++;
	}
	t = cJSON_GetObjectItemCaseSensitive(root, "totalRows");
	*total = cJSON_IsNumber(t) ? (long)t->valuedouble : (long)n;
	cJSON_Delete(root);
	*vp = v;
	*np = n;
	return 0;
}

int
codec_sm_object(const char *data, const char *id_field, struct sm_row *out)
{
	cJSON *root;

	memset(out, 0, sizeof *out);
	root = data ? cJSON_Parse(data) : NULL;
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return ERR_PARSE;
	}
	fill_row(root, id_field, out);
	cJSON_Delete(root);
	return 0;
}

int
codec_sm_note_list(const char *data, struct sm_row **vp, size_t *np)
{
	const cJSON *it;
	cJSON *root;
	struct sm_row *v;
	size_t n = 0;

	*vp = NULL;
	*np = 0;
	root = data ? cJSON_Parse(data) : NULL;
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return ERR_PARSE;
	}
	v = xcalloc((size_t)cJSON_GetArraySize(root) + 1, sizeof *v);
	cJSON_ArrayForEach(it, root) {
		if (!cJSON_IsObject(it))
			continue;
		fill_row(it, NULL, &v[n]);
		if (v[n].id <= 0) {
			sm_row_free(&v[n]);
			continue;
		}
		n++;
	}
	cJSON_Delete(root);
	*vp = v;
	*np = n;
	return 0;
}

void
codec_sm_ghl_extra(const char *raw, struct ghl_contact_extra *out)
{
	cJSON *root;

	memset(out, 0, sizeof *out);
	root = raw ? cJSON_Parse(raw) : NULL;
	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return;
	}
	out->website = xstrdup0(get_s(root, "website"));
	out->address1 = xstrdup0(get_s(root, "address1"));
	out->city = xstrdup0(get_s(root, "city"));
	out->state = xstrdup0(get_s(root, "state"));
	out->postal_code = xstrdup0(get_s(root, "postalCode"));
	out->country = xstrdup0(get_s(root, "country"));
	cJSON_Delete(root);
}

void
ghl_contact_extra_free(struct ghl_contact_extra *x)
{
	if (x == NULL)
		return;
	free(x->website);
	free(x->address1);
	free(x->city);
	free(x->state);
	free(x->postal_code);
	free(x->country);
	memset(x, 0, sizeof *x);
}

char *
codec_sm_strv_json(const struct strv *sv)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	if (a == NULL)
		fatalx("codec_sm: out of memory");
	for (i = 0; sv != NULL && i < sv->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(sv->v[i]));
	return take_print(a);
}

int
codec_sm_strv_from_json(const char *json, struct strv *out)
{
	const cJSON *it;
	cJSON *root;

	root = json ? cJSON_Parse(json) : NULL;
	if (!cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return ERR_PARSE;
	}
	cJSON_ArrayForEach(it, root)
		if (cJSON_IsString(it))
			strv_push(out, it->valuestring);
	cJSON_Delete(root);
	return 0;
}

char *
codec_sm_quote(const char *s)
{
	cJSON *j = cJSON_CreateString(s ? s : "");

	if (j == NULL)
		fatalx("codec_sm: out of memory");
	return take_print(j);
}

char *
codec_sm_canon(const char *json)
{
	cJSON *root = json ? cJSON_Parse(json) : NULL;

	if (root == NULL)
		return NULL;
	return take_print(root);
}
