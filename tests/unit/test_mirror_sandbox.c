/*
 * test_mirror_sandbox.c: the Salesmate sandbox as the contract describes
 * it: check order (route, link, key, rate limit, JSON, validation), both
 * key headers, error shapes, the note path trap, search semantics, update
 * semantics, soft-deleted activities and the control endpoints.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "http.h"
#include "mtest.h"
#include "sms.h"
#include "tap.h"
#include "xmalloc.h"

static const char *U;	/* base URL */

static cJSON *
req(const char *m, const char *p, const char *body, int *st)
{
	return mt_http(U, m, p, body, "test-key", st);
}

static const char *
ename(cJSON *r)
{
	cJSON *e = cJSON_GetObjectItem(r, "Error");
	cJSON *n = cJSON_GetObjectItem(e, "Name");

	if (n == NULL)
		n = cJSON_GetObjectItem(e, "name");
	return cJSON_IsString(n) ? n->valuestring : "";
}

static const char *
err_msg(cJSON *r)
{
	cJSON *n = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "Error"),
	    "Message");

	return cJSON_IsString(n) ? n->valuestring : "";
}

static long long
data_id(cJSON *r, const char *k)
{
	cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "Data"), k);

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : -1;
}

static void
basics(void)
{
	cJSON *r;
	int st;

	r = mt_http(U, "GET", "/apis/core/v4/users?status=active", NULL,
	    "bad", &st);
	is_int(st, 401, "wrong key: 401");
	is_str(ename(r), "AuthenticationFailed", "documented auth body");
	cJSON_Delete(r);
	{
		/* The legacy sessionToken header is accepted as an alias. */
		struct http_curl_opts ho;
		struct http *h;
		struct http_req rq;
		struct http_resp rs;
		const char *hd[] = { "sessionToken: test-key",
		    "x-linkname: acme", NULL };
		char *url = xasprintf("%s/apis/core/v4/users", U);

		memset(&ho, 0, sizeof ho);
		h = http_curl_new(&ho);
		memset(&rq, 0, sizeof rq);
		rq.method = "GET";
		rq.url = url;
		rq.headers = hd;
		http_resp_init(&rs);
		ok(http_request(h, &rq, &rs, NULL) == 0 && rs.status == 200,
		    "sessionToken alias and bare link name accepted");
		http_resp_free(&rs);
		http_free(h);
		free(url);
	}
	r = mt_http(U, "GET", "/apis/core/v4/nosuch", NULL, "bad", &st);
	is_int(st, 404, "unknown route before auth: 404");
	is_str(ename(r), "ObjectNotFound", "ObjectNotFound body");
	cJSON_Delete(r);
	r = req("GET", "/apis/core/v4/users?status=active", NULL, &st);
	is_int(st, 200, "users: 200");
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(r, "Data")), 2,
	    "active users only with status=active");
	cJSON_Delete(r);
	r = req("GET", "/apis/core/v4/users", NULL, &st);
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(r, "Data")), 3,
	    "all users without status");
	cJSON_Delete(r);

	r = req("POST", "/apis/contact/v4", "{\"owner\":3}", &st);
	is_int(st, 400, "missing lastName: 400");
	is_str(err_msg(r), "Last Name is required", "lastName message");
	cJSON_Delete(r);
	r = req("POST", "/apis/contact/v4", "{\"lastName\":\"X\"}", &st);
	is_str(err_msg(r), "Invalid owner", "missing owner refused");
	cJSON_Delete(r);
	r = req("POST", "/apis/contact/v4", "{\"lastName\":\"X\",\"owner\":9}",
	    &st);
	is_str(err_msg(r), "Invalid owner", "inactive owner refused");
	cJSON_Delete(r);
	r = req("POST", "/apis/contact/v4", "{\"lastName\":\"X\",\"owner\":3,"
	    "\"email\":\"nope\"}", &st);
	is_str(err_msg(r), "Invalid email", "email without @ refused");
	cJSON_Delete(r);
	r = req("POST", "/apis/contact/v4", "{nope", &st);
	ok(st == 400 && strcmp(err_msg(r), "Invalid JSON") == 0,
	    "bad JSON: 400 Invalid JSON");
	cJSON_Delete(r);
	r = req("POST", "/apis/contact/v4", "{\"lastName\":\"Okafor\","
	    "\"firstName\":\"Maya\",\"owner\":3,\"email\":\"M@X.io\","
	    "\"mobile\":\"+1 312 555 0148\",\"tags\":\"a,b\","
	    "\"textCustomField1\":\"G1\",\"bogus\":1}", &st);
	is_int(st, 200, "create contact: 200");
	is_int(data_id(r, "id"), 1588, "ids start at 1588");
	cJSON_Delete(r);
}

/* A one-rule contact search body. */
static char *
search(const char *field, const char *value)
{
	return xasprintf("{\"displayingFields\":[\"contact.id\","
	    "\"contact.email\",\"contact.textCustomField1\","
	    "\"contact.owner.id\"],\"filterQuery\":{\"group\":{"
	    "\"operator\":\"AND\",\"rules\":[{\"condition\":\"EQUALS\","
	    "\"moduleName\":\"Contact\",\"field\":{\"fieldName\":"
	    "\"contact.%s\",\"type\":\"Text\"},\"data\":\"%s\"}]}},"
	    "\"sort\":{\"fieldName\":\"contact.id\",\"order\":\"asc\"},"
	    "\"moduleId\":1,\"reportType\":\"get_data\","
	    "\"getRecordsCount\":true}", field, value);
}

static void
contacts(void)
{
	cJSON *r, *d, *row;
	int st;
	char *b;

	r = req("GET", "/apis/contact/v4/1588", NULL, &st);
	d = cJSON_GetObjectItem(r, "Data");
	is_int(st, 200, "GET contact");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(d, "name")),
	    "Maya Okafor", "name composed");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(d, "tags")), "a,b",
	    "tags string kept");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(d, "textCustomField1")),
	    "G1", "custom field stored");
	ok(cJSON_GetObjectItem(d, "bogus") == NULL, "unknown keys ignored");
	ok(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "owner"), "name") != NULL,
	    "owner expanded");
	ok(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(d, "createdAt")),
	    "+00:00") != NULL, "timestamps with +00:00");
	cJSON_Delete(r);

	b = search("email", " m@x.IO ");
	r = req("POST", "/apis/contact/v4/search?rows=10&from=0", b, &st);
	free(b);
	d = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "Data"), "data");
	is_int(cJSON_GetArraySize(d), 1, "email EQUALS: trimmed, lower-cased");
	row = cJSON_GetArrayItem(d, 0);
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(row, "textCustomField1")),
	    "G1", "row fields without the module prefix");
	ok(cJSON_IsNumber(cJSON_GetObjectItem(cJSON_GetObjectItem(row, "owner"),
	    "id")), "dotted field nested");
	cJSON_Delete(r);
	b = search("mobile", "(312) 555-0148");
	r = req("POST", "/apis/contact/v4/search?rows=10&from=0", b, &st);
	free(b);
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(r,
	    "Data"), "data")), 0, "mobile compares all digits");
	cJSON_Delete(r);
	b = search("mobile", "+13125550148");
	r = req("POST", "/apis/contact/v4/search?rows=10&from=0", b, &st);
	free(b);
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(r,
	    "Data"), "data")), 1, "mobile digits equal");
	cJSON_Delete(r);

	r = req("PUT", "/apis/contact/v4/1588", "{\"owner\":3}", &st);
	is_int(st, 400, "PUT requires lastName again");
	cJSON_Delete(r);
	r = req("PUT", "/apis/contact/v4/1588", "{\"lastName\":\"Okafor\","
	    "\"owner\":7,\"tags\":\"c\"}", &st);
	is_int(data_id(r, "id"), 1588, "PUT answers {id}");
	cJSON_Delete(r);
	r = req("GET", "/apis/contact/v4/1588", NULL, &st);
	d = cJSON_GetObjectItem(r, "Data");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(d, "tags")), "c",
	    "PUT replaces tags");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(d, "email")), "M@X.io",
	    "PUT is partial: absent keys kept");
	cJSON_Delete(r);
	r = req("GET", "/apis/contact/v4/77", NULL, &st);
	ok(st == 404 && strcmp(ename(r), "ObjectNotFound") == 0,
	    "unknown id: 404 ObjectNotFound");
	cJSON_Delete(r);
	r = req("GET", "/apis/contact/v4/abc", NULL, &st);
	is_int(st, 404, "non-numeric id: 404");
	cJSON_Delete(r);
}

static void
activities_notes(void)
{
	cJSON *r, *d;
	int st;
	long long a1, n1, n2;

	r = req("POST", "/apis/activity/v4", "{\"owner\":3}", &st);
	is_str(err_msg(r), "Title is required", "activity needs a title");
	cJSON_Delete(r);
	r = req("POST", "/apis/activity/v4", "{\"title\":\"t\",\"owner\":3,"
	    "\"primaryContact\":4}", &st);
	is_str(err_msg(r), "Invalid primaryContact", "unknown contact refused");
	cJSON_Delete(r);
	r = req("POST", "/apis/activity/v4", "{\"title\":\"t\",\"owner\":3,"
	    "\"dueDate\":\"soon\"}", &st);
	is_str(err_msg(r), "Invalid dueDate", "bad dueDate refused");
	cJSON_Delete(r);
	r = req("POST", "/apis/activity/v4", "{\"title\":\"Call\",\"owner\":3,"
	    "\"primaryContact\":1588,\"dueDate\":1759762800,\"description\":"
	    "\"x [ghl:task:T1]\"}", &st);
	a1 = data_id(r, "id");
	is_int(a1, 9041, "activity ids start at 9041");
	cJSON_Delete(r);
	r = req("GET", "/apis/activity/v4/9041", NULL, &st);
	d = cJSON_GetObjectItem(r, "Data");
	is_int((long long)cJSON_GetNumberValue(cJSON_GetObjectItem(d,
	    "dueDate")), 1759762800000LL, "seconds stored as ms");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(d, "type")), "Task",
	    "type defaults to Task");
	cJSON_Delete(r);
	r = req("PUT", "/apis/activity/v4/9041", "{\"title\":\"Call\","
	    "\"owner\":3}", &st);
	is_str(err_msg(r), "Type is required", "PUT requires type");
	cJSON_Delete(r);
	r = req("PUT", "/apis/activity/v4/9041", "{\"title\":\"Call\","
	    "\"owner\":3,\"type\":\"Task\",\"isCompleted\":true}", &st);
	is_int(st, 200, "complete by PUT");
	cJSON_Delete(r);
	r = req("GET", "/apis/activity/v4/9041", NULL, &st);
	ok(cJSON_IsString(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "Data"),
	    "completedAt")), "completedAt set");
	cJSON_Delete(r);
	r = req("POST", "/apis/activity/v4/search?rows=250&from=0&viewType=list",
	    "{\"displayingFields\":[\"activity.id\",\"activity.description\"],"
	    "\"filterQuery\":{\"group\":{\"operator\":\"AND\",\"rules\":[{"
	    "\"condition\":\"EQUALS\",\"moduleName\":\"Task\",\"field\":{"
	    "\"fieldName\":\"activity.primaryContact\",\"type\":\"Lookup\"},"
	    "\"data\":\"1588\"}]}},\"moduleId\":2}", &st);
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(r,
	    "Data"), "data")), 1, "activity search by primaryContact");
	cJSON_Delete(r);
	r = req("DELETE", "/apis/activity/v4/9041?hardDelete=false", NULL, &st);
	is_int(st, 200, "soft delete");
	cJSON_Delete(r);
	r = req("GET", "/apis/activity/v4/9041", NULL, &st);
	is_int(st, 404, "soft-deleted activity hidden");
	cJSON_Delete(r);

	r = req("POST", "/apis/contact/v4/modules/1/object/1588/notes",
	    "{\"note\":\"<div>one</div>\",\"type\":\"Note\",\"attachments\":[]}",
	    &st);
	n1 = data_id(r, "noteId");
	is_int(n1, 203, "note create answers noteId");
	cJSON_Delete(r);
	r = req("POST", "/apis/contact/v4/modules/1/object/1588/notes",
	    "{\"note\":\"<div>two</div>\"}", &st);
	n2 = data_id(r, "noteId");
	cJSON_Delete(r);
	r = req("POST", "/apis/contact/v4/modules/1/object/1588/notes",
	    "{\"note\":\"\"}", &st);
	is_str(err_msg(r), "Note is required", "empty note refused");
	cJSON_Delete(r);
	r = req("POST", "/apis/contact/v4/modules/1/objects/1588/notes",
	    "{\"note\":\"x\"}", &st);
	is_int(st, 404, "path trap: plural objects on the write path is 404");
	cJSON_Delete(r);
	r = req("GET", "/apis/contact/v4/modules/1/object/1588/notes", NULL,
	    &st);
	is_int(st, 404, "path trap: singular object on the read path is 404");
	cJSON_Delete(r);
	r = req("GET", "/apis/module/v4/modules/1/objects/1588/notes", NULL,
	    &st);
	d = cJSON_GetObjectItem(r, "Data");
	ok(cJSON_GetArraySize(d) == 2 && (long long)cJSON_GetNumberValue(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(d, 0), "id")) == n2,
	    "note list newest first");
	ok(cJSON_GetObjectItem(cJSON_GetArrayItem(d, 0), "createAt") != NULL,
	    "createAt (sic)");
	cJSON_Delete(r);
	r = req("PATCH", "/apis/contact/v4/modules/1/object/1588/notes/203/"
	    "pin-it", "{}", &st);
	is_int(st, 200, "pin-it");
	cJSON_Delete(r);
	r = req("GET", "/apis/module/v4/modules/1/objects/1588/notes/203", NULL,
	    &st);
	is_int((long long)cJSON_GetNumberValue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(r, "Data"), "isPinned")), 1, "isPinned 1");
	cJSON_Delete(r);
	r = req("PUT", "/apis/contact/v4/modules/1/object/1589/notes/203",
	    "{\"note\":\"x\"}", &st);
	is_int(st, 404, "note of another contact: 404");
	cJSON_Delete(r);
	r = req("DELETE", "/apis/contact/v4/1588", NULL, &st);
	is_int(st, 200, "delete contact");
	cJSON_Delete(r);
	r = req("GET", "/apis/module/v4/modules/1/objects/1588/notes", NULL,
	    &st);
	is_int(st, 404, "its notes are gone with it");
	cJSON_Delete(r);
	(void)n1;
}

static void
options(void)
{
	struct sms_opts o;
	struct sms *s;
	const char *why, *keys[] = { "k1", "k2" };
	cJSON *r;
	int st;

	memset(&o, 0, sizeof o);
	o.linkname = "beta";
	o.keys = keys;
	o.nkeys = 2;
	o.rate_per_hour = 2;
	o.auth_live403 = 1;
	o.notfound_200 = 1;
	s = sms_start(&o, &why);
	ok(s != NULL, "second sandbox on another port");
	r = mt_http(sms_url(s), "GET", "/apis/core/v4/users", NULL, "k2", &st);
	ok(st == 404 && strcmp(ename(r), "NoSuchLinkExist") == 0,
	    "wrong link: 404 NoSuchLinkExist (live shape)");
	cJSON_Delete(r);
	sms_stop(s);

	o.linkname = "acme";
	s = sms_start(&o, &why);
	r = mt_http(sms_url(s), "GET", "/apis/core/v4/users", NULL, "zz", &st);
	ok(st == 403 && strcmp(ename(r), "AuthorizationFailed") == 0,
	    "live403: 403 with the lower-case body");
	cJSON_Delete(r);
	r = mt_http(sms_url(s), "GET", "/apis/contact/v4/5", NULL, "k2", &st);
	ok(st == 200 && strcmp(ename(r), "ObjectNotFound") == 0,
	    "notfound_status 200: failure envelope with 200");
	cJSON_Delete(r);
	r = mt_http(sms_url(s), "GET", "/apis/contact/v4/5", NULL, "k1", &st);
	is_int(st, 429, "third call in the hour: 429");
	is_str(ename(r), "TooManyRequests", "429 body");
	cJSON_Delete(r);
	r = mt_http(sms_url(s), "GET", "/_sandbox/stats", NULL, NULL, &st);
	is_int((long)cJSON_GetNumberValue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(r, "Data"), "rate_limited")), 1,
	    "stats count the 429");
	cJSON_Delete(r);
	sms_stop(s);
}

int
main(void)
{
	struct sms_opts o;
	struct sms *s;
	const char *why = "";

	curl_global_init(CURL_GLOBAL_DEFAULT);
	memset(&o, 0, sizeof o);
	s = sms_start(&o, &why);
	ok(s != NULL, "sandbox starts on an ephemeral port");
	if (s == NULL) {
		printf("# %s\n", why);
		return tap_done();
	}
	U = sms_url(s);
	ok(strncmp(U, "http://127.0.0.1:", 17) == 0, "loopback URL");
	basics();
	contacts();
	activities_notes();
	is_int(mt_route(U, "POST contact"), 6, "stats count calls per route");
	sms_stop(s);
	options();
	curl_global_cleanup();
	return tap_done();
}
