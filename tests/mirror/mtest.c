/*
 * mtest.c: helpers of the mirror's tests (see mtest.h).
 */
#include "config.h"
#include "mtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cache.h"
#include "codec.h"
#include "codec_sm.h"
#include "http.h"
#include "model.h"
#include "xmalloc.h"

char *
mt_fixture(const char *rel)
{
	char *path = xasprintf("%s/%s", TOP_SRCDIR, rel), tmp[4096];
	struct buf b;
	FILE *fp = fopen(path, "r");
	size_t n;

	if (fp == NULL)
		fatalx("fixture %s missing", path);
	buf_init(&b, 0);
	while ((n = fread(tmp, 1, sizeof tmp, fp)) > 0)
		(void)buf_append(&b, tmp, n);
	fclose(fp);
	free(path);
	return buf_take(&b);
}

void
mt_seed_example(struct cache *c)
{
	struct contact ct;
	struct task *tv;
	struct note *nv;
	size_t tn, nn;
	char *s;
	struct err e;

	s = mt_fixture("tests/data/api/get_contact.json");
	if (codec_contact_response(s, strlen(s), &ct, &e) != 0)
		fatalx("seed: %s", e.msg);
	free(s);
	if (cache_put_contact(c, &ct, 1, &e) != 0)
		fatalx("seed: %s", e.msg);
	contact_free(&ct);
	s = mt_fixture("tests/data/api/get_tasks.json");
	if (codec_tasks_response(s, strlen(s), &tv, &tn, &e) != 0)
		fatalx("seed: %s", e.msg);
	free(s);
	if (cache_replace_tasks(c, "Zp4mW8qR2tY6uI0oPa1S", tv, tn, &e) != 0)
		fatalx("seed: %s", e.msg);
	tasks_free(tv, tn);
	s = mt_fixture("tests/data/api/get_notes.json");
	if (codec_notes_response(s, strlen(s), &nv, &nn, &e) != 0)
		fatalx("seed: %s", e.msg);
	free(s);
	if (cache_replace_notes(c, "Zp4mW8qR2tY6uI0oPa1S", nv, nn, &e) != 0)
		fatalx("seed: %s", e.msg);
	notes_free(nv, nn);
}

static void
add_opt(cJSON *o, const char *k, const char *v)
{
	if (v != NULL)
		cJSON_AddStringToObject(o, k, v);
}

void
mt_seed_contact(struct cache *c, const char *id, const char *first,
    const char *last, const char *email, const char *phone,
    const char *company, const char *tags)
{
	cJSON *o = cJSON_CreateObject(), *t = cJSON_CreateArray();
	struct contact ct;
	struct err e;
	struct strv tv = { NULL, 0 };
	char *s;
	size_t i;

	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "locationId", "loc1");
	add_opt(o, "firstName", first);
	add_opt(o, "lastName", last);
	add_opt(o, "email", email);
	add_opt(o, "phone", phone);
	add_opt(o, "companyName", company);
	codec_sm_tags_split(tags, &tv);
	for (i = 0; i < tv.n; i++)
		cJSON_AddItemToArray(t, cJSON_CreateString(tv.v[i]));
	strv_free(&tv);
	cJSON_AddItemToObject(o, "tags", t);
	cJSON_AddStringToObject(o, "dateUpdated", "2025-10-01T00:00:00.000Z");
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (codec_contact(s, strlen(s), &ct, &e) != 0)
		fatalx("seed contact: %s", e.msg);
	free(s);
	if (cache_put_contact(c, &ct, 1, &e) != 0)
		fatalx("seed contact: %s", e.msg);
	contact_free(&ct);
}

void
mt_seed_task(struct cache *c, const char *contact_id, const char *id,
    const char *title, const char *body, const char *due, int completed)
{
	struct task t;
	struct err e;

	memset(&t, 0, sizeof t);
	t.id = (char *)id;
	t.contact_id = (char *)contact_id;
	t.title = (char *)title;
	t.body = (char *)body;
	t.due_date = (char *)due;
	t.completed = completed ? TRI_TRUE : TRI_FALSE;
	if (cache_put_task(c, &t, &e) != 0)
		fatalx("seed task: %s", e.msg);
}

void
mt_seed_note(struct cache *c, const char *contact_id, const char *id,
    const char *title, const char *body, int pinned)
{
	struct note n;
	struct err e;

	memset(&n, 0, sizeof n);
	n.id = (char *)id;
	n.contact_id = (char *)contact_id;
	n.title = (char *)title;
	n.body = (char *)body;
	n.pinned = pinned ? TRI_TRUE : TRI_FALSE;
	if (cache_put_note(c, &n, &e) != 0)
		fatalx("seed note: %s", e.msg);
}

cJSON *
mt_http(const char *base, const char *method, const char *path,
    const char *body, const char *token, int *status)
{
	struct http_curl_opts o;
	struct http *h;
	struct http_req req;
	struct http_resp resp;
	struct err e;
	const char *hdrs[4];
	char *url, *tok = NULL;
	cJSON *out = NULL;
	int n = 0;

	memset(&o, 0, sizeof o);
	h = http_curl_new(&o);
	url = xasprintf("%s%s", base, path);
	if (token != NULL) {
		tok = xasprintf("accessToken: %s", token);
		hdrs[n++] = tok;
	}
	hdrs[n++] = "x-linkname: acme.salesmate.io";
	hdrs[n++] = "Content-Type: application/json";
	hdrs[n] = NULL;
	memset(&req, 0, sizeof req);
	req.method = method;
	req.url = url;
	req.headers = hdrs;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	http_resp_init(&resp);
	*status = 0;
	if (http_request(h, &req, &resp, &e) == 0) {
		*status = resp.status;
		out = cJSON_Parse(buf_str(&resp.body));
	}
	http_resp_free(&resp);
	http_free(h);
	free(url);
	free(tok);
	return out;
}

cJSON *
mt_state(const char *base)
{
	int st;
	cJSON *r = mt_http(base, "GET", "/_sandbox/state", NULL, NULL, &st);
	cJSON *d;

	if (r == NULL)
		fatalx("sandbox state: no answer");
	d = cJSON_DetachItemFromObject(r, "Data");
	cJSON_Delete(r);
	return d;
}

static cJSON *
stats(const char *base)
{
	int st;
	cJSON *r = mt_http(base, "GET", "/_sandbox/stats", NULL, NULL, &st);
	cJSON *d;

	if (r == NULL)
		fatalx("sandbox stats: no answer");
	d = cJSON_DetachItemFromObject(r, "Data");
	cJSON_Delete(r);
	return d;
}

long
mt_calls(const char *base)
{
	cJSON *d = stats(base);
	long n = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(d, "calls"));

	cJSON_Delete(d);
	return n;
}

long
mt_route(const char *base, const char *name)
{
	cJSON *d = stats(base), *v;
	long n;

	v = cJSON_GetObjectItem(cJSON_GetObjectItem(d, "by_route"), name);
	n = cJSON_IsNumber(v) ? (long)v->valuedouble : 0;
	cJSON_Delete(d);
	return n;
}

int
mt_count(cJSON *state, const char *key, const char *field,
    const char *value, cJSON **first)
{
	cJSON *arr = cJSON_GetObjectItem(state, key), *it, *v;
	char buf[64];
	const char *s;
	int n = 0;

	if (first != NULL)
		*first = NULL;
	cJSON_ArrayForEach(it, arr) {
		v = cJSON_GetObjectItem(it, field);
		if (cJSON_IsString(v)) {
			s = v->valuestring;
		} else if (cJSON_IsNumber(v)) {
			snprintf(buf, sizeof buf, "%lld",
			    (long long)v->valuedouble);
			s = buf;
		} else if (cJSON_IsObject(v) && cJSON_IsNumber(
		    cJSON_GetObjectItem(v, "id"))) {
			snprintf(buf, sizeof buf, "%lld", (long long)
			    cJSON_GetObjectItem(v, "id")->valuedouble);
			s = buf;
		} else {
			continue;
		}
		if (value == NULL || strcmp(s, value) == 0) {
			if (n == 0 && first != NULL)
				*first = it;
			n++;
		}
	}
	return n;
}
