/*
 * test_codec_sm.c: Salesmate JSON: the envelope (both key cases, failure
 * at HTTP 200, non-JSON), request bodies against the contract's examples,
 * and the response fields the mirror reads.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "codec_sm.h"
#include "mtest.h"
#include "tap.h"
#include "xmalloc.h"

/* 1 when a and b are the same JSON (canonical print). */
static int
same_json(const char *a, const char *b)
{
	char *ca = codec_sm_canon(a), *cb = codec_sm_canon(b);
	int r = ca && cb && strcmp(ca, cb) == 0;

	if (!r)
		printf("#   got  %s\n#   want %s\n", ca ? ca : "(invalid)",
		    cb ? cb : "(invalid)");
	free(ca);
	free(cb);
	return r;
}

static void
test_envelope(void)
{
	struct sm_envelope env;
	const char *s;
	char *f;

	s = "{\"Status\":\"success\",\"Data\":{\"id\":1588}}";
	is_int(codec_sm_envelope(s, strlen(s), &env), 0, "success parses");
	ok(env.success, "success flag");
	is_str(env.data, "{\"id\":1588}", "Data as JSON text");
	sm_envelope_free(&env);

	f = mt_fixture("tests/data/salesmate/errors/400_validation_owner.json");
	codec_sm_envelope(f, strlen(f), &env);
	ok(!env.success, "failure flag");
	is_str(env.name, "ValidationError", "Name read");
	is_str(env.message, "Invalid owner", "Message read");
	sm_envelope_free(&env);
	free(f);

	f = mt_fixture("tests/data/salesmate/errors/403_auth_live.json");
	codec_sm_envelope(f, strlen(f), &env);
	is_str(env.name, "AuthorizationFailed", "lower-case name read");
	is_str(env.message, "AuthorizationFailed",
	    "empty message falls back to the name");
	sm_envelope_free(&env);
	free(f);

	s = "{\"Status\":\"failure\",\"Error\":{\"Code\":\"4005\"}}";
	codec_sm_envelope(s, strlen(s), &env);
	is_str(env.message, "4005", "Code as the last resort");
	sm_envelope_free(&env);

	s = "{\"Status\":\"success\",\"data\":[1,2]}";
	codec_sm_envelope(s, strlen(s), &env);
	is_str(env.data, "[1,2]", "lower-case data accepted");
	sm_envelope_free(&env);

	s = "<html>ok</html>";
	is_int(codec_sm_envelope(s, strlen(s), &env), ERR_PARSE,
	    "HTML body is ERR_PARSE");
	s = "{\"Data\":{}}";
	is_int(codec_sm_envelope(s, strlen(s), &env), ERR_PARSE,
	    "no Status is ERR_PARSE");
}

static void
test_bodies(void)
{
	struct sm_contact_body c;
	struct sm_activity_body a;
	char *got, *want, *w2;
	const char *f[] = { "contact.id", "contact.email", "contact.mobile",
	    "contact.phone", "contact.textCustomField1" };

	memset(&c, 0, sizeof c);
	c.first_name = "Maya";
	c.last_name = "Okafor";
	c.email = "maya.okafor@brightlane.io";
	c.mobile = "+13125550148";
	c.owner = 3;
	c.company = 371;
	c.website = "https://brightlane.io";
	c.addr1 = "410 W Huron St";
	c.city = "Chicago";
	c.state = "IL";
	c.zip = "60654";
	c.country = "US";
	c.tags = "warehouse,demo-requested,q3-2025";
	c.id_field = "textCustomField1";
	c.ghl_id = "Zp4mW8qR2tY6uI0oPa1S";
	got = codec_sm_contact_json(&c);
	want = mt_fixture("tests/data/salesmate/requests/create_contact.json");
	ok(same_json(got, want), "contact body = contract example");
	w2 = codec_sm_canon(want);
	is_str(got, w2, "contact body key order as the example");
	free(w2);
	free(got);
	free(want);

	c.company = 0;
	c.email = "";
	c.id_field = NULL;
	got = codec_sm_contact_json(&c);
	ok(strstr(got, "\"company\"") == NULL && strstr(got, "\"email\"") ==
	    NULL && strstr(got, "textCustomField1") == NULL,
	    "empty email, no company, no id field: keys left out");
	free(got);

	memset(&a, 0, sizeof a);
	a.title = "Send revised warehouse quote";
	a.type = "Task";
	a.owner = 3;
	a.primary_contact = 1588;
	a.due_ms = 1759762800000LL;
	a.description = "Include the 25-seat Growth tier and the Q4 "
	    "onboarding discount.\n\n[ghl:task:Tk2LmN8bV5cX1zQ7wE4r]";
	got = codec_sm_activity_json(&a);
	want = mt_fixture("tests/data/salesmate/requests/create_activity.json");
	ok(same_json(got, want), "activity body = contract example");
	free(got);
	free(want);
	a.due_ms = -1;
	got = codec_sm_activity_json(&a);
	ok(strstr(got, "dueDate") == NULL, "no due date: dueDate left out");
	free(got);

	want = mt_fixture("tests/data/salesmate/requests/create_note.json");
	got = codec_sm_note_json("<div><strong>Discovery call</strong></div>"
	    "<div>Discovery call: 3 warehouses, ~40k picks/day, evaluating us "
	    "vs. in-house WMS.</div><div>[ghl:note:Nt5GhJ1kL7zX3cV9bN2m]"
	    "</div>");
	ok(same_json(got, want), "note body = contract example");
	free(got);
	free(want);

	got = codec_sm_search_json(1, "Contact", "contact.textCustomField1",
	    "Zp4mW8qR2tY6uI0oPa1S", 0, f, 5, "contact.id");
	want = mt_fixture(
	    "tests/data/salesmate/requests/search_contacts_by_ghl_id.json");
	{
		char *g2 = xstrdup(got), *p;

		/* displayName is cosmetic: the example names it nicely. */
		p = strstr(g2, "\"displayName\":\"contact.textCustomField1\"");
		ok(p != NULL, "search rule carries a displayName");
		w2 = codec_sm_canon(want);
		p = strstr(w2, "\"displayName\":\"GHL Contact ID\"");
		ok(p != NULL, "example has its displayName");
		free(w2);
		free(g2);
	}
	ok(strstr(got, "\"fieldName\":\"contact.textCustomField1\"") &&
	    strstr(got, "\"condition\":\"EQUALS\"") &&
	    strstr(got, "\"order\":\"asc\"") &&
	    strstr(got, "\"moduleId\":1") &&
	    strstr(got, "\"getRecordsCount\":true"),
	    "search body has rule, sort order, module, count flag");
	free(got);
	free(want);
	got = codec_sm_company_json("Brightlane Logistics", 3);
	want = mt_fixture("tests/data/salesmate/requests/create_company.json");
	ok(same_json(got, want), "company body = contract example");
	free(got);
	free(want);
}

static char *
data_of(const char *rel)
{
	struct sm_envelope env;
	char *f = mt_fixture(rel), *d;

	if (codec_sm_envelope(f, strlen(f), &env) != 0)
		fatalx("%s: not an envelope", rel);
	d = env.data;
	env.data = NULL;
	sm_envelope_free(&env);
	free(f);
	return d;
}

static void
test_responses(void)
{
	struct sm_user *u;
	struct sm_row *v, r;
	size_t n, i;
	long total;
	long long id;
	char *d;
	struct strv t = { NULL, 0 };

	d = data_of("tests/data/salesmate/responses/users_active.json");
	is_int(codec_sm_users(d, &u, &n), 0, "users parse");
	is_int(n, 2, "two users");
	ok(n == 2 && u[0].id == 3 && u[0].current && u[0].active,
	    "user 3 is the current user");
	is_str(n ? u[0].name : NULL, "Priya Raman", "user name");
	sm_users_free(u, n);
	free(d);
	is_int(codec_sm_users("[{\"id\":5,\"isActive\":1,\"isCurrentUser\":"
	    "\"1\"}]", &u, &n), 0, "users with 1 / \"1\"");
	ok(n == 1 && u[0].active && u[0].current, "1 and \"1\" are true");
	sm_users_free(u, n);

	d = data_of("tests/data/salesmate/responses/create_contact.json");
	ok(codec_sm_id(d, "id", &id) == 0 && id == 1588, "create id");
	free(d);
	d = data_of("tests/data/salesmate/responses/create_note.json");
	ok(codec_sm_id(d, "noteId", &id) == 0 && id == 203, "noteId");
	free(d);
	ok(codec_sm_id("{\"id\":\"77\"}", "id", &id) == 0 && id == 77,
	    "string id accepted");

	d = data_of("tests/data/salesmate/responses/search_contacts_conflict"
	    ".json");
	is_int(codec_sm_search_rows(d, "textCustomField1", &v, &n, &total), 0,
	    "search rows parse");
	ok(n == 2 && total == 2, "two rows");
	for (i = 0; i < n; i++)
		if (v[i].id == 1412)
			ok(v[i].ghl_id && *v[i].ghl_id, "row 1412 holds a GHL id");
	sm_rows_free(v, n);
	free(d);

	d = data_of("tests/data/salesmate/responses/get_contact.json");
	is_int(codec_sm_object(d, "textCustomField1", &r), 0, "contact GET");
	is_int(r.tags.n, 4, "tags string split");
	is_str(r.tags.n == 4 ? r.tags.v[3] : NULL, "vip", "hand-added tag");
	is_str(r.ghl_id, "Zp4mW8qR2tY6uI0oPa1S", "custom field read");
	sm_row_free(&r);
	free(d);

	d = data_of("tests/data/salesmate/responses/list_notes.json");
	is_int(codec_sm_note_list(d, &v, &n), 0, "note list parses");
	ok(n == 2 && v[1].pinned && !v[0].pinned, "isPinned read");
	ok(n == 2 && strstr(v[0].text, "[ghl:note:Nt8Q") != NULL,
	    "note HTML read");
	sm_rows_free(v, n);
	free(d);

	d = data_of("tests/data/salesmate/responses/search_activities.json");
	codec_sm_search_rows(d, NULL, &v, &n, &total);
	ok(n == 3 && strstr(v[0].text, "[ghl:task:Tk2L") != NULL,
	    "activity description read");
	sm_rows_free(v, n);
	free(d);

	codec_sm_tags_split(" a , b,,c ", &t);
	ok(t.n == 3 && strcmp(t.v[0], "a") == 0 && strcmp(t.v[2], "c") == 0,
	    "comma string trimmed, empties dropped");
	strv_free(&t);
	codec_sm_tags_split("[\"x\",{\"name\":\"y\"},{\"value\":\"z\"},"
	    "{\"tag\":\"w\"}]", &t);
	ok(t.n == 4 && strcmp(t.v[1], "y") == 0 && strcmp(t.v[3], "w") == 0,
	    "array of strings and objects");
	strv_free(&t);
	{
		struct strv a = { NULL, 0 }, b = { NULL, 0 };
		char *j;

		strv_push(&a, "q\"1");
		strv_push(&a, "two");
		j = codec_sm_strv_json(&a);
		ok(codec_sm_strv_from_json(j, &b) == 0 && b.n == 2 &&
		    strcmp(b.v[0], "q\"1") == 0, "strv JSON round trip");
		free(j);
		strv_free(&a);
		strv_free(&b);
		is_int(codec_sm_strv_from_json("{", &b), ERR_PARSE,
		    "bad strv JSON");
	}
}

int
main(void)
{
	test_envelope();
	test_bodies();
	test_responses();
	return tap_done();
}
