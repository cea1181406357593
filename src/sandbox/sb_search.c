/*
 * sb_search.c: evaluation of search filters and free-text queries against
 * contact objects.  Strings compare case-insensitively; dates compare as
 * instants (ISO strings or epoch ms); tags compare as set membership.
 */
#include "config.h"
#include "sb_search.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sb_util.h"
#include "xmalloc.h"

static const char *const operators[] = {"eq", "not_eq", "contains",
    "not_contains", "exists", "not_exists", "range"};

static int
is_date_field(const char *f)
{
	return strcmp(f, "dateAdded") == 0 || strcmp(f, "dateUpdated") == 0 ||
	    strcmp(f, "lastActivity") == 0 || strcmp(f, "dateOfBirth") == 0;
}

static int
validate(const cJSON *filters, const char *path, cJSON *errs, int depth)
{
	const cJSON *f, *j, *op, *v;
	char p[128], *msg;
	size_t k;
	int i = 0, rc = 0, known;

	if (!cJSON_IsArray(filters)) {
		msg = xasprintf("%s must be an array", path);
		cJSON_AddItemToArray(errs, cJSON_CreateString(msg));
		free(msg);
		return -1;
	}
	cJSON_ArrayForEach(f, filters) {
		snprintf(p, sizeof(p), "%s[%d]", path, i++);
		if (!cJSON_IsObject(f)) {
			msg = xasprintf("%s must be an object", p);
			goto bad;
		}
		j = cJSON_GetObjectItemCaseSensitive(f, "group");
		if (j != NULL) {
			if (!cJSON_IsString(j) || (strcmp(j->valuestring,
			    "AND") != 0 && strcmp(j->valuestring, "OR") != 0)) {
				msg = xasprintf("%s.group must be one of the "
				    "following values: AND, OR", p);
				goto bad;
			}
			if (depth > 4) {
				msg = xasprintf("%s: groups nest too deep", p);
				goto bad;
			}
			j = cJSON_GetObjectItemCaseSensitive(f, "filters");
			snprintf(p + strlen(p), sizeof(p) - strlen(p),
			    ".filters");
			if (validate(j, p, errs, depth + 1))
				rc = -1;
			continue;
		}
		j = cJSON_GetObjectItemCaseSensitive(f, "field");
		if (!cJSON_IsString(j) || j->valuestring[0] == '\0') {
			msg = xasprintf("%s.field must be a non-empty string",
			    p);
			goto bad;
		}
		op = cJSON_GetObjectItemCaseSensitive(f, "operator");
		known = 0;
		for (k = 0; cJSON_IsString(op) && k < nitems(operators); k++)
			if (strcmp(op->valuestring, operators[k]) == 0)
				known = 1;
		if (!known) {
			msg = xasprintf("%s.operator must be one of the "
			    "following values: eq, not_eq, contains, "
			    "not_contains, exists, not_exists, range", p);
			goto bad;
		}
		v = cJSON_GetObjectItemCaseSensitive(f, "value");
		if (strcmp(op->valuestring, "range") == 0) {
			if (!cJSON_IsObject(v) || v->child == NULL) {
				msg = xasprintf("%s.value must be an object "
				    "with gt, gte, lt or lte", p);
				goto bad;
			}
		} else if (strncmp(op->valuestring, "exists", 6) != 0 &&
		    strcmp(op->valuestring, "not_exists") != 0) {
			if (!cJSON_IsString(v) && !cJSON_IsNumber(v) &&
			    !cJSON_IsBool(v)) {
				msg = xasprintf("%s.value must be a string, "
				    "number or boolean", p);
				goto bad;
			}
			if (cJSON_IsString(v) && strlen(v->valuestring) > 75) {
				msg = xasprintf("%s.value must be shorter than "
				    "or equal to 75 characters", p);
				goto bad;
			}
		}
		continue;
bad:
		cJSON_AddItemToArray(errs, cJSON_CreateString(msg));
		free(msg);
		rc = -1;
	}
	return rc;
}

int
sb_search_validate(const cJSON *filters, cJSON *errs)
{
	return validate(filters, "filters", errs, 0);
}

/* Value as text for comparisons; buf holds numbers.  NULL if absent. */
static const char *
as_text(const cJSON *j, char *buf, size_t len)
{
	if (cJSON_IsString(j))
		return j->valuestring;
	if (cJSON_IsBool(j))
		return cJSON_IsTrue(j) ? "true" : "false";
	if (cJSON_IsNumber(j)) {
		if (j->valuedouble == (double)(long long)j->valuedouble)
			snprintf(buf, len, "%lld", (long long)j->valuedouble);
		else
			snprintf(buf, len, "%g", j->valuedouble);
		return buf;
	}
	return NULL;
}

static int
ieq(const char *a, const char *b)
{
	char *la = sb_util_lower(a), *lb = sb_util_lower(b);
	int r = strcmp(la, lb) == 0;

	free(la);
	free(lb);
	return r;
}

static int
time_of(const cJSON *j, int64_t *ms)
{
	if (cJSON_IsNumber(j)) {
		*ms = (int64_t)j->valuedouble;
		return 0;
	}
	if (cJSON_IsString(j))
		return sb_util_parse_time(j->valuestring, ms);
	return -1;
}

static int
present(const cJSON *j)
{
	if (j == NULL || cJSON_IsNull(j))
		return 0;
	if (cJSON_IsString(j))
		return j->valuestring[0] != '\0';
	if (cJSON_IsArray(j) || cJSON_IsObject(j))
		return j->child != NULL;
	return 1;
}

static int
eq(const cJSON *fv, const cJSON *want)
{
	char b1[64], b2[64];
	const cJSON *t;
	const char *s1, *s2;

	if (cJSON_IsArray(fv)) {
		cJSON_ArrayForEach(t, fv)
			if (eq(t, want))
				return 1;
		return 0;
	}
	s1 = as_text(fv, b1, sizeof(b1));
	s2 = as_text(want, b2, sizeof(b2));
	if (s1 == NULL || s2 == NULL)
		return 0;
	return ieq(s1, s2);
}

static int
contains(const cJSON *fv, const cJSON *want)
{
	char b2[64], *l;
	const char *s2;
	int r;

	if (cJSON_IsArray(fv))
		return eq(fv, want);
	s2 = as_text(want, b2, sizeof(b2));
	if (!cJSON_IsString(fv) || s2 == NULL)
		return 0;
	l = sb_util_lower(s2);
	r = sb_util_icontains(fv->valuestring, l);
	free(l);
	return r;
}

/* Compare field value and bound: <0, 0, >0; 2 when incomparable. */
static int
order(const char *field, const cJSON *fv, const cJSON *bound)
{
	int64_t a, b;
	char b1[64], b2[64], *la, *lb;
	const char *s1, *s2;
	int r;

	if (is_date_field(field)) {
		if (time_of(fv, &a) || time_of(bound, &b))
			return 2;
		return a < b ? -1 : a > b;
	}
	if (cJSON_IsNumber(fv) && cJSON_IsNumber(bound))
		return fv->valuedouble < bound->valuedouble ? -1 :
		    fv->valuedouble > bound->valuedouble;
	s1 = as_text(fv, b1, sizeof(b1));
	s2 = as_text(bound, b2, sizeof(b2));
	if (s1 == NULL || s2 == NULL)
		return 2;
	la = sb_util_lower(s1);
	lb = sb_util_lower(s2);
	r = strcmp(la, lb);
	free(la);
	free(lb);
	return r < 0 ? -1 : r > 0;
}

static int
range(const char *field, const cJSON *fv, const cJSON *rv)
{
	const cJSON *b;
	int o;

	if (!present(fv))
		return 0;
	cJSON_ArrayForEach(b, rv) {
		o = order(field, fv, b);
		if (o == 2)
			return 0;
		if ((strcmp(b->string, "gt") == 0 && !(o > 0)) ||
		    ((strcmp(b->string, "gte") == 0 ||
		    strcmp(b->string, "start") == 0) && !(o >= 0)) ||
		    (strcmp(b->string, "lt") == 0 && !(o < 0)) ||
		    ((strcmp(b->string, "lte") == 0 ||
		    strcmp(b->string, "end") == 0) && !(o <= 0)))
			return 0;
	}
	return 1;
}

static const cJSON *
field_of(const cJSON *c, const char *field)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(c, field);

	if (j == NULL && strcmp(field, "address") == 0)
		j = cJSON_GetObjectItemCaseSensitive(c, "address1");
	if (j == NULL && strcmp(field, "businessName") == 0)
		j = cJSON_GetObjectItemCaseSensitive(c, "companyName");
	return j;
}

static int match_list(const cJSON *c, const cJSON *filters, int any);

static int
match_one(const cJSON *c, const cJSON *f)
{
	const cJSON *g, *fv, *v;
	const char *field, *op;

	g = cJSON_GetObjectItemCaseSensitive(f, "group");
	if (cJSON_IsString(g))
		return match_list(c, cJSON_GetObjectItemCaseSensitive(f,
		    "filters"), strcmp(g->valuestring, "OR") == 0);
	field = cJSON_GetObjectItemCaseSensitive(f, "field")->valuestring;
	op = cJSON_GetObjectItemCaseSensitive(f, "operator")->valuestring;
	v = cJSON_GetObjectItemCaseSensitive(f, "value");
	fv = field_of(c, field);
	if (strcmp(op, "exists") == 0)
		return present(fv);
	if (strcmp(op, "not_exists") == 0)
		return !present(fv);
	if (strcmp(op, "range") == 0)
		return range(field, fv, v);
	if (strcmp(op, "contains") == 0)
		return contains(fv, v);
	if (strcmp(op, "not_contains") == 0)
		return !contains(fv, v);
	if (is_date_field(field) && present(fv)) {
		int o = order(field, fv, v);

		return strcmp(op, "eq") == 0 ? o == 0 : o != 0;
	}
	if (strcmp(op, "eq") == 0)
		return eq(fv, v);
	return !eq(fv, v);
}

static int
match_list(const cJSON *c, const cJSON *filters, int any)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, filters) {
		if (match_one(c, f)) {
			if (any)
				return 1;
		} else if (!any) {
			return 0;
		}
	}
	return !any || filters->child == NULL;
}

int
sb_search_query(const cJSON *c, const char *lq)
{
	static const char *const keys[] = {"firstName", "lastName", "name",
	    "email", "phone", "companyName"};
	const cJSON *j, *t;
	char dq[80], dp[80], full[512];
	const char *s, *fn, *ln;
	size_t k, o;

	if (lq == NULL || *lq == '\0')
		return 1;
	for (k = 0; k < nitems(keys); k++) {
		j = cJSON_GetObjectItemCaseSensitive(c, keys[k]);
		if (cJSON_IsString(j) && sb_util_icontains(j->valuestring, lq))
			return 1;
	}
	j = cJSON_GetObjectItemCaseSensitive(c, "firstName");
	fn = cJSON_IsString(j) ? j->valuestring : "";
	j = cJSON_GetObjectItemCaseSensitive(c, "lastName");
	ln = cJSON_IsString(j) ? j->valuestring : "";
	snprintf(full, sizeof(full), "%s %s", fn, ln);
	if (sb_util_icontains(full, lq))
		return 1;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(c, "tags"))
		if (cJSON_IsString(t) && sb_util_icontains(t->valuestring, lq))
			return 1;
	/* "+1 312-555" finds "+13125550148". */
	for (o = 0, s = lq; *s != '\0' && o + 1 < sizeof(dq); s++) {
		if (*s >= '0' && *s <= '9')
			dq[o++] = *s;
		else if (strchr("+-(). ", *s) == NULL)
			return 0;
	}
	dq[o] = '\0';
	j = cJSON_GetObjectItemCaseSensitive(c, "phone");
	if (o < 3 || !cJSON_IsString(j))
		return 0;
	for (o = 0, s = j->valuestring; *s != '\0' && o + 1 < sizeof(dp); s++)
		if (*s >= '0' && *s <= '9')
			dp[o++] = *s;
	dp[o] = '\0';
	return strstr(dp, dq) != NULL;
}

int
sb_search_match(const cJSON *c, void *arg)
{
	const struct sb_search *s = arg;
	const cJSON *j;

	if (s->business != NULL) {
		j = cJSON_GetObjectItemCaseSensitive(c, "businessId");
		if (!cJSON_IsString(j) || strcmp(j->valuestring,
		    s->business) != 0)
			return 0;
	}
	if (s->lquery != NULL && !sb_search_query(c, s->lquery))
		return 0;
	if (s->filters != NULL && !match_list(c, s->filters, 0))
		return 0;
	return 1;
}
