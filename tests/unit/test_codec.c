/*
 * test_codec.c: the JSON codec against every example body of the contract
 * (tests/data/api: responses, errors, requests, webhooks), plus null, absent
 * and wrongly typed fields, truncated and malformed input, raw round trips,
 * the raw-JSON helpers and the exact output of every encoder.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "codec.h"
#include "err.h"
#include "model.h"
#include "xmalloc.h"
#include "../tap.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

/* Read DATA_DIR/api/rel into an exact-size buffer (no NUL after it, so
 * ASan sees any read past the end); *len gets its size. */
static char *
slurp(const char *rel, size_t *len)
{
	const char *dir;
	char path[1024], tmp[4096];
	struct buf b;
	char *p;
	FILE *f;
	size_t n;

	dir = getenv("DATA_DIR");
	if (dir == NULL || *dir == '\0')
		dir = TOP_SRCDIR "/tests/data";
	snprintf(path, sizeof path, "%s/api/%s", dir, rel);
	f = fopen(path, "rb");
	if (f == NULL) {
		printf("Bail out! cannot open %s\n", path);
		exit(1);
	}
	buf_init(&b, 0);
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
		buf_append(&b, tmp, n);
	fclose(f);
	*len = b.len;
	p = xmalloc(b.len > 0 ? b.len : 1);
	memcpy(p, b.data, b.len);
	buf_free(&b);
	return p;
}

/* A string literal copied to an exact-size heap buffer without its NUL. */
static char *
heap(const char *s, size_t *len)
{
	char *p;

	*len = strlen(s);
	p = xmalloc(*len > 0 ? *len : 1);
	memcpy(p, s, *len);
	return p;
}

/* The compact form of a file's JSON (the codec's own serialisation). */
static char *
compact_file(const char *rel)
{
	char *txt, *z, *out;
	size_t len;

	txt = slurp(rel, &len);
	z = xstrndup(txt, len);
	out = codec_merge(z, "{}");
	free(txt);
	free(z);
	return out;
}

static void
test_contact(void)
{
	struct contact c, c2;
	struct err e;
	char *txt, *s;
	size_t len;
	enum tri t;

	txt = slurp("get_contact.json", &len);
	is_int(codec_contact_response(txt, len, &c, &e), 0,
	    "get_contact decodes");
	is_str(c.id, "Zp4mW8qR2tY6uI0oPa1S", "contact id");
	is_str(c.name, "Maya Okafor", "contact name");
	is_str(c.first_name, "Maya", "firstName");
	is_str(c.last_name, "Okafor", "lastName");
	is_str(c.email, "maya.okafor@brightlane.io", "email");
	is_str(c.phone, "+13125550148", "phone");
	is_str(c.company_name, "Brightlane Logistics", "companyName");
	is_str(c.location_id, "k3VwQ9pLmT2xR7bNc4Ha", "locationId");
	is_str(c.date_added, "2025-06-02T14:21:07.512Z", "dateAdded");
	is_str(c.date_updated, "2025-09-18T09:03:44.120Z", "dateUpdated");
	is_int(c.dnd, TRI_FALSE, "dnd false");
	is_int(c.tags.n, 3, "three tags");
	is_str(c.tags.n == 3 ? c.tags.v[2] : NULL, "q3-2025", "third tag");
	s = codec_get_string(c.raw, "visitorId");
	is_str(s, "Vz3XcV7bN1mQ5wE9rT2y",
	    "unknown field visitorId kept in raw");
	free(s);
	s = codec_get_json(c.raw, "customFields");
	is_str(s, "[{\"id\":\"Cf1AbC2dEf3GhI4jKl5M\",\"value\":\"Growth\"},"
	    "{\"id\":\"Cf9ZyX8wVu7TsR6qPo5N\",\"value\":\"25\"}]",
	    "customFields kept as JSON");
	free(s);
	s = codec_get_json(c.raw, "attributionSource");
	ok(s != NULL && strstr(s, "\"utmContent\":null") != NULL,
	    "nested nulls kept in raw");
	free(s);
	ok(strchr(c.raw, '\n') == NULL, "raw is compact");

	/* Round trip: decoding the raw gives the same entity and raw. */
	is_int(codec_contact(c.raw, strlen(c.raw), &c2, &e), 0,
	    "raw re-decodes");
	is_str(c2.raw, c.raw, "raw round trip is stable");
	is_str(c2.name, c.name, "round trip keeps name");
	is_int(c2.tags.n, c.tags.n, "round trip keeps tags");
	contact_free(&c2);
	contact_free(&c);
	free(txt);

	txt = slurp("update_contact.json", &len);
	is_int(codec_contact_response(txt, len, &c, &e), 0,
	    "update_contact decodes");
	is_str(c.phone, "+13125550199", "updated phone");
	is_int(c.tags.n, 2, "updated tags replaced");
	is_str(c.tags.n == 2 ? c.tags.v[1] : NULL, "customer", "new tag");
	contact_free(&c);
	is_int(codec_succeeded(txt, len, &t, &e), 0, "update succeded parses");
	is_int(t, TRI_TRUE, "update succeded true");
	free(txt);

	txt = slurp("upsert_contact.json", &len);
	is_int(codec_upsert_response(txt, len, &c, &t, &e), 0,
	    "upsert decodes");
	is_int(t, TRI_FALSE, "upsert new false");
	is_str(c.company_name, "Brightlane Logistics LLC", "upsert company");
	contact_free(&c);
	is_int(codec_contact_response(txt, len, &c, &e), 0,
	    "upsert also decodes as a contact response");
	contact_free(&c);
	free(txt);

	txt = slurp("create_contact.json", &len);
	is_int(codec_contact_response(txt, len, &c, &e), 0,
	    "create_contact decodes");
	is_str(c.name, NULL, "created contact has no name");
	is_str(c.first_name, "Lena", "created firstName");
	is_str(c.id, "Rt6yU2iO8pA4sD0fG3hJ", "created id");
	is_int(c.tags.n, 2, "created tags");
	s = codec_get_json(c.raw, "birthMonth");
	is_str(s, "10", "birthMonth kept");
	free(s);
	contact_free(&c);
	free(txt);
}

static void
test_tasks_notes_events(void)
{
	static const char *const task_files[] = { "get_task.json",
	    "create_task.json", "update_task.json", "complete_task.json" };
	static const char *const note_files[] = { "get_note.json",
	    "create_note.json", "update_note.json" };
	struct task *tv, t;
	struct note *nv, n;
	struct appt *av;
	struct strv sv = { NULL, 0 };
	struct err e;
	size_t cnt, len;
	char *txt;
	enum tri ok_;

	txt = slurp("get_tasks.json", &len);
	is_int(codec_tasks_response(txt, len, &tv, &cnt, &e), 0,
	    "get_tasks decodes");
	is_int(cnt, 2, "two tasks");
	if (cnt == 2) {
		is_str(tv[0].id, "Tk2LmN8bV5cX1zQ7wE4r", "task 0 id");
		is_str(tv[0].title, "Send revised warehouse quote",
		    "task 0 title");
		is_int(tv[0].completed, TRI_FALSE, "task 0 open");
		is_int(tv[1].completed, TRI_TRUE, "task 1 completed");
		is_str(tv[1].due_date, "2025-10-09T17:30:00.000Z",
		    "task 1 dueDate");
		is_str(tv[1].assigned_to, "Mn8bV4cX0zL6kJ2hG5fD",
		    "task 1 assignedTo");
		is_str(tv[1].contact_id, "Zp4mW8qR2tY6uI0oPa1S",
		    "task 1 contactId");
	}
	tasks_free(tv, cnt);
	free(txt);

	for (size_t i = 0; i < nitems(task_files); i++) {
		txt = slurp(task_files[i], &len);
		is_int(codec_task_response(txt, len, &t, &e), 0, task_files[i]);
		ok(t.id != NULL && t.raw != NULL && t.completed != TRI_UNSET,
		    "%s: id, raw, completed", task_files[i]);
		if (i == 3)
			is_int(t.completed, TRI_TRUE,
			    "complete_task completed");
		if (i == 2)
			is_str(t.title, "Send revised warehouse quote (v2)",
			    "update_task title");
		task_free(&t);
		free(txt);
	}

	txt = slurp("get_notes.json", &len);
	is_int(codec_notes_response(txt, len, &nv, &cnt, &e), 0,
	    "get_notes decodes");
	is_int(cnt, 2, "two notes");
	if (cnt == 2) {
		is_str(nv[0].title, "Discovery call", "note 0 title");
		is_str(nv[0].color, "#FFD966", "note 0 color");
		is_int(nv[0].pinned, TRI_TRUE, "note 0 pinned");
		is_int(nv[1].pinned, TRI_FALSE, "note 1 not pinned");
		is_str(nv[1].user_id, "Mn8bV4cX0zL6kJ2hG5fD", "note 1 userId");
		is_str(nv[1].date_added, "2025-09-22T13:47:05.930Z",
		    "note 1 dateAdded");
	}
	notes_free(nv, cnt);
	free(txt);

	for (size_t i = 0; i < nitems(note_files); i++) {
		txt = slurp(note_files[i], &len);
		is_int(codec_note_response(txt, len, &n, &e), 0, note_files[i]);
		ok(n.id != NULL && n.body != NULL && n.contact_id != NULL,
		    "%s: id, body, contactId", note_files[i]);
		note_free(&n);
		free(txt);
	}

	txt = slurp("get_appointments.json", &len);
	is_int(codec_events_response(txt, len, &av, &cnt, &e), 0,
	    "get_appointments decodes");
	is_int(cnt, 2, "two events");
	if (cnt == 2) {
		is_str(av[0].id, "Ap6RtY0uI4oP8aS2dF5g", "event id");
		is_str(av[0].calendar_id, "Cl3DfG7hJ1kL5zX9cV2b", "calendarId");
		is_str(av[0].start_time, "2025-10-09 17:30:00",
		    "zone-less startTime");
		is_str(av[0].end_time, "2025-10-09 18:15:00", "endTime");
		is_str(av[0].status, "booked", "status");
		is_str(av[0].appointment_status, "confirmed",
		    "appointmentStatus");
		is_str(av[0].address,
		    "https://meet.example.com/brightlane-demo",
		    "address");
		is_str(av[1].notes, "", "empty notes stay empty, not NULL");
		is_str(av[1].title, "Intro call", "event 1 title");
	}
	appts_free(av, cnt);
	free(txt);

	txt = slurp("add_tags.json", &len);
	is_int(codec_tags_response(txt, len, &sv, &e), 0, "add_tags decodes");
	is_int(sv.n, 4, "four tags after add");
	is_str(sv.n == 4 ? sv.v[3] : NULL, "vip", "added tag");
	strv_free(&sv);
	free(txt);
	txt = slurp("remove_tags.json", &len);
	is_int(codec_tags_response(txt, len, &sv, &e), 0,
	    "remove_tags decodes");
	is_int(sv.n, 3, "three tags after remove");
	strv_free(&sv);
	free(txt);

	txt = slurp("delete_contact.json", &len);
	is_int(codec_succeeded(txt, len, &ok_, &e), 0, "delete_contact");
	is_int(ok_, TRI_TRUE, "delete_contact succeded");
	free(txt);
	txt = slurp("delete_task.json", &len);
	codec_succeeded(txt, len, &ok_, &e);
	is_int(ok_, TRI_TRUE, "delete_task succeded");
	free(txt);
	txt = slurp("delete_note.json", &len);
	codec_succeeded(txt, len, &ok_, &e);
	is_int(ok_, TRI_TRUE, "delete_note succeded");
	free(txt);
	txt = heap("{\"succeeded\":false}", &len);
	codec_succeeded(txt, len, &ok_, &e);
	is_int(ok_, TRI_FALSE, "v3 succeeded spelling");
	free(txt);
	txt = heap("{\"success\":true}", &len);
	codec_succeeded(txt, len, &ok_, &e);
	is_int(ok_, TRI_TRUE, "bulk success spelling");
	free(txt);
	txt = heap("{\"traceId\":\"x\"}", &len);
	is_int(codec_succeeded(txt, len, &ok_, &e), 0,
	    "no success key is fine");
	is_int(ok_, TRI_UNSET, "no success key is unset");
	free(txt);
}

static void
test_pages(void)
{
	struct contact_page pg;
	struct err e;
	char *txt, *s;
	size_t len;

	txt = slurp("search_contacts.json", &len);
	is_int(codec_search_page(txt, len, &pg, &e), 0, "search page decodes");
	is_int(pg.n, 2, "two search results");
	is_int(pg.total, 2, "search total");
	is_int(pg.count, -1, "search has no count");
	is_int(pg.has_meta, 0, "search has no meta");
	is_str(pg.search_after, "[1748874067512,\"Zp4mW8qR2tY6uI0oPa1S\"]",
	    "cursor is the last item's searchAfter");
	if (pg.n == 2) {
		is_int(pg.v[0].dnd, TRI_TRUE, "search item dnd");
		is_str(pg.v[0].first_name, "Dmitri", "search item firstName");
		s = codec_get_string(pg.v[1].raw, "address");
		is_str(s, "410 W Huron St", "search address kept as received");
		free(s);
		s = codec_get_json(pg.v[1].raw, "opportunities");
		ok(s != NULL && strstr(s, "\"monetary_value\":18000") != NULL,
		    "opportunities kept in raw");
		free(s);
	}
	contact_page_free(&pg);
	is_int(pg.n, 0, "page free zeroes");
	free(txt);

	txt = slurp("get_contacts_deprecated.json", &len);
	is_int(codec_list_page(txt, len, &pg, &e), 0,
	    "deprecated list decodes");
	is_int(pg.n, 3, "three listed");
	is_int(pg.count, 3, "count");
	is_int(pg.total, 57, "meta total");
	is_int(pg.has_meta, 1, "meta present");
	is_str(pg.start_after_id, "Zp4mW8qR2tY6uI0oPa1S", "meta startAfterId");
	ok(pg.start_after == 1748874067512LL, "meta startAfter epoch ms");
	is_str(pg.search_after, NULL, "list has no searchAfter");
	if (pg.n == 3) {
		is_str(pg.v[0].email, "lena.fischer@nordhaus.de",
		    "list item email");
		is_int(pg.v[2].tags.n, 3, "list item tags");
		is_str(pg.v[0].name, NULL, "sparse list item has no name");
	}
	contact_page_free(&pg);
	free(txt);

	txt = heap("{\"contacts\":[],\"count\":0,\"meta\":{\"total\":3,"
	    "\"startAfter\":null,\"startAfterId\":null,\"nextPage\":null}}",
	    &len);
	is_int(codec_list_page(txt, len, &pg, &e), 0, "last list page decodes");
	ok(pg.start_after == -1 && pg.start_after_id == NULL && pg.has_meta,
	    "null cursor reads as absent");
	contact_page_free(&pg);
	free(txt);

	txt = slurp("get_contacts_by_business.json", &len);
	is_int(codec_business_page(txt, len, &pg, &e), 0,
	    "business page decodes");
	is_int(pg.n, 2, "two in business");
	is_int(pg.count, 2, "business count");
	is_int(pg.total, 2, "business total from count");
	ok(pg.start_after == -1 && !pg.has_meta, "business has no cursor");
	contact_page_free(&pg);
	free(txt);

	txt = heap("{\"contacts\":[{\"id\":\"a\",\"contactName\":\"Ann\","
	    "\"searchAfter\":[\"x\",1]},null],\"total\":\"7\"}", &len);
	is_int(codec_search_page(txt, len, &pg, &e), 0, "null item skipped");
	is_int(pg.n, 1, "one contact");
	is_str(pg.n ? pg.v[0].name : NULL, "Ann", "contactName fallback");
	is_int(pg.total, 7, "numeric string total");
	is_str(pg.search_after, "[\"x\",1]", "mixed-type cursor");
	contact_page_free(&pg);
	free(txt);

	txt = heap("{\"contacts\":[],\"total\":0,\"searchAfter\":[5,\"z\"]}",
	    &len);
	codec_search_page(txt, len, &pg, &e);
	is_str(pg.search_after, "[5,\"z\"]", "top-level searchAfter used");
	contact_page_free(&pg);
	free(txt);

	txt = heap("{\"contacts\":{\"id\":\"a\"}}", &len);
	is_int(codec_search_page(txt, len, &pg, &e), ERR_PARSE,
	    "contacts object rejected");
	is_str(e.msg, "contacts: expected an array", "message names contacts");
	ok(pg.v == NULL && pg.n == 0 && pg.search_after == NULL, "page zeroed");
	free(txt);
}

static void
test_errors(void)
{
	static const struct {
		const char *file, *want;
	} files[] = {
		{ "errors/400.json", "Bad Request" },
		{ "errors/401.json", "Invalid token: access token is invalid" },
		{ "errors/403.json",
		    "You do not have permission to access this resource" },
		{ "errors/404.json", "Contact not found" },
		{ "errors/422.json",
		    "title should not be empty; dueDate must be a valid "
		    "ISO 8601 date string; completed must be a boolean "
		    "value" },
		{ "errors/429.json", "Too many requests" },
	};
	static const struct {
		const char *body, *want;
		int found;
	} inline_[] = {
		{ "{\"error\":\"Unauthorized\"}", "Unauthorized", 1 },
		{ "{\"message\":[],\"error\":\"Unprocessable Entity\"}",
		    "Unprocessable Entity", 1 },
		{ "{\"detail\":\"upstream timeout\"}", "upstream timeout", 1 },
		{ "{\"message\":[\"a\",2,null,\"b\"]}", "a; 2; b", 1 },
		{ "{\"statusCode\":500}", "", 0 },
		{ "<html><body>502 Bad Gateway</body></html>", "", 0 },
		{ "{\"message\":\"trunc", "", 0 },
		{ "", "", 0 },
		{ "[\"message\"]", "", 0 },
	};
	char msg[512], small[8], *txt;
	size_t len;

	for (size_t i = 0; i < nitems(files); i++) {
		txt = slurp(files[i].file, &len);
		is_int(codec_error_message(txt, len, msg, sizeof msg), 1,
		    files[i].file);
		is_str(msg, files[i].want, files[i].file);
		free(txt);
	}
	for (size_t i = 0; i < nitems(inline_); i++) {
		txt = heap(inline_[i].body, &len);
		is_int(codec_error_message(txt, len, msg, sizeof msg),
		    inline_[i].found, inline_[i].body);
		is_str(msg, inline_[i].want, "error message text");
		free(txt);
	}
	txt = slurp("errors/404.json", &len);
	codec_error_message(txt, len, small, sizeof small);
	is_str(small, "Contact", "message truncated to the buffer");
	free(txt);
}

static void
test_requests(void)
{
	static const char *const files[] = { "requests/complete_task.json",
	    "requests/create_contact.json", "requests/create_note.json",
	    "requests/create_task.json", "requests/search_contacts.json",
	    "requests/search_contacts_next_page.json", "requests/tags.json",
	    "requests/update_contact.json", "requests/update_note.json",
	    "requests/update_task.json", "requests/upsert_contact.json" };
	struct task t = { .completed = TRI_UNSET };
	struct note n = { .pinned = TRI_UNSET };
	struct contact c;
	struct strv tags = { NULL, 0 };
	struct search_req r;
	struct err e;
	char *txt, *z, *got, *want, *cursor;
	size_t len;

	for (size_t i = 0; i < nitems(files); i++) {
		txt = slurp(files[i], &len);
		ok(codec_valid(txt, len), "%s is valid JSON", files[i]);
		free(txt);
	}

	/* Encoders reproduce the example request bodies exactly. */
	t.title = xstrdup("Call about contract renewal");
	t.body = xstrdup("Renewal window opens 1 Nov.");
	t.due_date = xstrdup("2025-10-20T14:00:00.000Z");
	t.completed = TRI_FALSE;
	t.assigned_to = xstrdup("Uq1wE5rT9yU3iO7pA2sX");
	got = codec_task_body(&t);
	want = compact_file("requests/create_task.json");
	is_str(got, want, "task body = requests/create_task.json");
	free(got);
	free(want);

	task_free(&t);
	memset(&t, 0, sizeof t);
	t.completed = TRI_UNSET;
	t.title = xstrdup("Send revised warehouse quote (v2)");
	t.due_date = xstrdup("2025-10-07T15:00:00.000Z");
	got = codec_task_body(&t);
	want = compact_file("requests/update_task.json");
	is_str(got, want, "partial task body = requests/update_task.json");
	free(got);
	free(want);
	task_free(&t);

	got = codec_completed_body(1);
	want = compact_file("requests/complete_task.json");
	is_str(got, want, "completed body = requests/complete_task.json");
	free(got);
	free(want);
	got = codec_completed_body(0);
	is_str(got, "{\"completed\":false}", "reopen body");
	free(got);

	n.body = xstrdup("Left voicemail re: renewal timing.");
	n.user_id = xstrdup("Uq1wE5rT9yU3iO7pA2sX");
	n.title = xstrdup("Voicemail");
	n.color = xstrdup("#FFFFFF");
	n.pinned = TRI_FALSE;
	got = codec_note_body(&n);
	want = compact_file("requests/create_note.json");
	is_str(got, want, "note body = requests/create_note.json");
	free(got);
	free(want);
	note_free(&n);
	memset(&n, 0, sizeof n);
	n.body = xstrdup("Asked for SOC 2 report; sent via secure link. "
	    "Legal approved on 29 Sep.");
	n.pinned = TRI_TRUE;
	got = codec_note_body(&n);
	want = compact_file("requests/update_note.json");
	is_str(got, want, "note body = requests/update_note.json");
	free(got);
	free(want);
	note_free(&n);

	strv_push(&tags, "vip");
	got = codec_tags_body(&tags);
	want = compact_file("requests/tags.json");
	is_str(got, want, "tags body = requests/tags.json");
	free(got);
	free(want);
	strv_free(&tags);
	got = codec_tags_body(&tags);
	is_str(got, "{\"tags\":[]}", "empty tags body");
	free(got);

	/* A create request decodes as a bare contact. */
	txt = slurp("requests/create_contact.json", &len);
	is_int(codec_contact(txt, len, &c, &e), 0, "create request decodes");
	is_str(c.first_name, "Lena", "request firstName");
	is_int(c.tags.n, 2, "request tags");
	got = codec_contact_body(&c, c.location_id);
	is_str(got, "{\"locationId\":\"k3VwQ9pLmT2xR7bNc4Ha\",\"firstName\":"
	    "\"Lena\",\"lastName\":\"Fischer\",\"email\":"
	    "\"lena.fischer@nordhaus.de\",\"phone\":\"+4930901820\","
	    "\"companyName\":\"Nordhaus GmbH\",\"tags\":[\"trade-show\","
	    "\"berlin-2025\"]}", "contact create body");
	free(got);
	contact_free(&c);
	free(txt);

	memset(&c, 0, sizeof c);
	c.dnd = TRI_TRUE;
	c.first_name = xstrdup("Zoë");
	c.phone = xstrdup("+1 888-888-8888");
	strv_push(&c.tags, "a");
	strv_push(&c.tags, "b\"q");
	got = codec_contact_body(&c, NULL);
	is_str(got, "{\"firstName\":\"Zoë\",\"phone\":\"+1 888-888-8888\","
	    "\"tags\":[\"a\",\"b\\\"q\"],\"dnd\":true}", "contact update body");
	free(got);
	contact_free(&c);

	/* Search requests. */
	memset(&r, 0, sizeof r);
	r.location_id = "k3VwQ9pLmT2xR7bNc4Ha";
	r.page_limit = 100;
	r.page = 1;
	r.sort_field = "dateAdded";
	r.sort_dir = "desc";
	got = codec_search_request(&r);
	is_str(got,
	    "{\"locationId\":\"k3VwQ9pLmT2xR7bNc4Ha\",\"pageLimit\":100,"
	    "\"page\":1,\"sort\":[{\"field\":\"dateAdded\",\"direction\":"
	    "\"desc\"}]}", "search request, page mode");
	free(got);

	txt = slurp("requests/search_contacts_next_page.json", &len);
	z = xstrndup(txt, len);
	cursor = codec_get_json(z, "searchAfter");
	is_str(cursor, "[1748874067512,\"Zp4mW8qR2tY6uI0oPa1S\"]",
	    "cursor read from the example request");
	free(z);
	free(txt);
	r.search_after = cursor;
	r.page_limit = 500;
	r.page = 3;
	r.query = "brightlane";
	r.sort_field = "dateUpdated";
	r.sort_dir = NULL;
	r.updated_since = "2025-06-01T00:00:00.000Z";
	r.email_eq = "a@b.c";
	got = codec_search_request(&r);
	is_str(got,
	    "{\"locationId\":\"k3VwQ9pLmT2xR7bNc4Ha\",\"pageLimit\":500,"
	    "\"searchAfter\":[1748874067512,\"Zp4mW8qR2tY6uI0oPa1S\"],"
	    "\"query\":\"brightlane\",\"filters\":[{\"field\":\"dateUpdated\","
	    "\"operator\":\"range\",\"value\":{\"gte\":"
	    "\"2025-06-01T00:00:00.000Z\"}},{\"field\":\"email\",\"operator\":"
	    "\"eq\",\"value\":\"a@b.c\"}],\"sort\":[{\"field\":\"dateUpdated\","
	    "\"direction\":\"asc\"}]}",
	    "search request, cursor mode + filters");
	free(got);
	free(cursor);
	r.search_after = "{\"a\":1}";
	ok(codec_search_request(&r) == NULL, "non-array cursor refused");
	r.search_after = "[1,";
	ok(codec_search_request(&r) == NULL, "broken cursor refused");
}

static void
check_webhook(const char *file, int kind, int is_delete, const char *id)
{
	struct webhook_event w;
	struct err e;
	char *txt, name[128];
	size_t len;

	txt = slurp(file, &len);
	snprintf(name, sizeof name, "%s decodes", file);
	is_int(codec_webhook(txt, len, &w, &e), 0, name);
	ok(w.kind == kind && w.is_delete == is_delete,
	    "%s: kind %d delete %d", file, w.kind, w.is_delete);
	is_str(w.id, id, "webhook object id");
	is_str(w.contact_id, "Zp4mW8qR2tY6uI0oPa1S", "webhook contact id");
	is_str(w.location_id, "k3VwQ9pLmT2xR7bNc4Ha", "webhook locationId");
	ok(w.raw != NULL && strstr(w.raw, "\"type\":") != NULL, "payload raw");
	webhook_event_free(&w);
	free(txt);
}

static void
test_webhooks(void)
{
	static const char *const contact_types[] = { "ContactCreate",
	    "ContactUpdate", "ContactDelete", "ContactTagUpdate",
	    "ContactDndUpdate" };
	struct webhook_event w;
	struct err e;
	char path[128], *txt, *s;
	size_t len;

	for (size_t i = 0; i < nitems(contact_types); i++) {
		snprintf(path, sizeof path, "webhooks/%s.json",
		    contact_types[i]);
		check_webhook(path, WH_CONTACT, i == 2, "Zp4mW8qR2tY6uI0oPa1S");
	}
	check_webhook("webhooks/TaskCreate.json", WH_TASK, 0,
	    "Tk4ZaQ8xSw2EdC6rFv0T");
	check_webhook("webhooks/TaskComplete.json", WH_TASK, 0,
	    "Tk2LmN8bV5cX1zQ7wE4r");
	check_webhook("webhooks/TaskDelete.json", WH_TASK, 1,
	    "Tk9PoI3uY7tR2eW6qA1s");
	check_webhook("webhooks/NoteCreate.json", WH_NOTE, 0,
	    "Nt1ZxC5vB9nM3aS7dF2g");
	check_webhook("webhooks/NoteUpdate.json", WH_NOTE, 0,
	    "Nt8QwE2rT6yU0iO4pA7s");
	check_webhook("webhooks/NoteDelete.json", WH_NOTE, 1,
	    "Nt5GhJ1kL7zX3cV9bN2m");
	check_webhook("webhooks/AppointmentCreate.json", WH_APPT, 0,
	    "Ap6RtY0uI4oP8aS2dF5g");
	check_webhook("webhooks/AppointmentUpdate.json", WH_APPT, 0,
	    "Ap6RtY0uI4oP8aS2dF5g");
	check_webhook("webhooks/AppointmentDelete.json", WH_APPT, 1,
	    "Ap6RtY0uI4oP8aS2dF5g");

	txt = slurp("webhooks/ContactDndUpdate.json", &len);
	codec_webhook(txt, len, &w, &e);
	is_str(w.type, "ContactDndUpdate", "type kept");
	is_int(w.contact.dnd, TRI_TRUE, "DND update dnd true");
	is_str(w.contact.name, "Maya Okafor", "webhook contact name");
	s = codec_get_string(w.contact.raw, "type");
	is_str(s, NULL, "event type not in the contact's raw");
	free(s);
	s = codec_get_string(w.contact.raw, "locationId");
	is_str(s, "k3VwQ9pLmT2xR7bNc4Ha", "contact raw keeps locationId");
	free(s);
	s = codec_get_json(w.contact.raw, "dndSettings");
	ok(s != NULL && strstr(s, "Replied STOP") != NULL, "dndSettings kept");
	free(s);
	webhook_event_free(&w);
	free(txt);

	txt = slurp("webhooks/ContactTagUpdate.json", &len);
	codec_webhook(txt, len, &w, &e);
	ok(w.contact.tags.n == 2 && strcmp(w.contact.tags.v[1],
	    "customer") == 0,
	    "tag update carries the new tag set");
	webhook_event_free(&w);
	free(txt);

	txt = slurp("webhooks/TaskComplete.json", &len);
	codec_webhook(txt, len, &w, &e);
	is_int(w.task.completed, TRI_TRUE, "TaskComplete sets completed");
	s = codec_get_json(w.task.raw, "completed");
	is_str(s, "true", "TaskComplete raw carries completed");
	free(s);
	s = codec_get_string(w.task.raw, "locationId");
	is_str(s, NULL, "task raw drops locationId");
	free(s);
	is_str(w.task.title, "Send revised warehouse quote", "task title");
	webhook_event_free(&w);
	free(txt);

	txt = slurp("webhooks/TaskCreate.json", &len);
	codec_webhook(txt, len, &w, &e);
	is_int(w.task.completed, TRI_UNSET,
	    "TaskCreate leaves completed unset");
	webhook_event_free(&w);
	free(txt);

	txt = slurp("webhooks/NoteUpdate.json", &len);
	codec_webhook(txt, len, &w, &e);
	ok(w.note.body != NULL && strstr(w.note.body, "Legal approved") != NULL,
	    "note body");
	is_int(w.note.pinned, TRI_UNSET, "note webhook has no pinned");
	webhook_event_free(&w);
	free(txt);

	txt = slurp("webhooks/AppointmentDelete.json", &len);
	codec_webhook(txt, len, &w, &e);
	is_str(w.appt.appointment_status, "cancelled", "appointment status");
	is_str(w.appt.start_time, "2025-10-09T12:30:00-05:00",
	    "ISO start with offset");
	s = codec_get_string(w.appt.raw, "source");
	is_str(s, "booking_widget", "appointment raw is the nested object");
	free(s);
	webhook_event_free(&w);
	free(txt);

	txt = heap("{\"type\":\"NoteCreate\",\"locationId\":\"L\","
	    "\"id\":\"n1\",\"contactId\":\"c1\",\"body\":\"hi\","
	    "\"webhookId\":\"w-1\","
	    "\"timestamp\":\"2025-10-02T16:41:00.250Z\"}", &len);
	is_int(codec_webhook(txt, len, &w, &e), 0,
	    "webhook with replay fields");
	is_str(w.webhook_id, "w-1", "webhookId");
	is_str(w.timestamp, "2025-10-02T16:41:00.250Z", "timestamp");
	is_str(w.note.raw,
	    "{\"id\":\"n1\",\"contactId\":\"c1\",\"body\":\"hi\"}",
	    "note raw has only the note's fields");
	webhook_event_free(&w);
	free(txt);

	txt = heap("{\"type\":\"OpportunityCreate\",\"id\":\"o\"}", &len);
	is_int(codec_webhook(txt, len, &w, &e), 0, "unknown type accepted");
	is_int(w.kind, WH_UNKNOWN, "unknown type kind");
	webhook_event_free(&w);
	free(txt);
	txt = heap("{\"locationId\":\"L\",\"id\":\"x\"}", &len);
	is_int(codec_webhook(txt, len, &w, &e), ERR_PARSE,
	    "missing type rejected");
	ok(w.raw == NULL && w.type == NULL, "event zeroed on error");
	free(txt);
	txt = heap("{\"type\":\"AppointmentCreate\",\"appointment\":[1]}",
	    &len);
	is_int(codec_webhook(txt, len, &w, &e), ERR_PARSE,
	    "appointment not an object");
	is_str(e.msg,
	    "webhook AppointmentCreate: appointment: expected an object",
	    "appointment error message");
	ok(w.raw == NULL && w.type == NULL, "no leak on appointment error");
	free(txt);
}

static void
test_lenient(void)
{
	struct contact c;
	struct task t, *tv;
	struct note n;
	struct strv sv;
	struct err e;
	char *txt;
	size_t len, cnt;

	txt = heap("{\"contact\":{\"id\":\"a\",\"name\":null,\"contactName\":"
	    "\"Cn\",\"email\":null,\"dnd\":null,\"tags\":null}}", &len);
	is_int(codec_contact_response(txt, len, &c, &e), 0, "nulls decode");
	is_str(c.name, "Cn", "null name falls back to contactName");
	ok(c.email == NULL && c.dnd == TRI_UNSET && c.tags.n == 0,
	    "null email, dnd, tags");
	contact_free(&c);
	free(txt);

	txt = heap("{\"contact\":{}}", &len);
	is_int(codec_contact_response(txt, len, &c, &e), 0,
	    "empty contact decodes");
	ok(c.id == NULL && c.name == NULL && c.dnd == TRI_UNSET &&
	    c.tags.v == NULL, "absent fields are NULL/unset");
	is_str(c.raw, "{}", "empty raw");
	contact_free(&c);
	free(txt);

	txt = heap("{\"id\":123,\"firstName\":true,\"phone\":13125550148,"
	    "\"dnd\":\"true\",\"tags\":[\"a\",2,null,{\"x\":1},1.5],"
	    "\"email\":{\"a\":1},\"lastName\":[\"x\"]}", &len);
	is_int(codec_contact(txt, len, &c, &e), 0, "wrong types tolerated");
	is_str(c.id, "123", "number id as text");
	is_str(c.first_name, "true", "bool as text");
	is_str(c.phone, "13125550148", "big number as integer text");
	is_int(c.dnd, TRI_TRUE, "string boolean");
	ok(c.tags.n == 3 && strcmp(c.tags.v[1], "2") == 0 &&
	    strcmp(c.tags.v[2], "1.5") == 0,
	    "scalar tags kept, others skipped");
	ok(c.email == NULL && c.last_name == NULL,
	    "object/array as string ignored");
	contact_free(&c);
	free(txt);

	txt = heap("{\"tags\":\"solo\"}", &len);
	codec_contact(txt, len, &c, &e);
	ok(c.tags.n == 1 && strcmp(c.tags.v[0], "solo") == 0, "string tags");
	contact_free(&c);
	free(txt);

	txt = heap("{\"task\":{\"id\":\"t\",\"completed\":1}}", &len);
	codec_task_response(txt, len, &t, &e);
	is_int(t.completed, TRI_TRUE, "numeric completed");
	task_free(&t);
	free(txt);
	txt = heap("{\"note\":{\"id\":\"n\",\"pinned\":\"false\"}}", &len);
	codec_note_response(txt, len, &n, &e);
	is_int(n.pinned, TRI_FALSE, "string pinned");
	note_free(&n);
	free(txt);

	txt = heap("{\"tasks\":{}}", &len);
	is_int(codec_tasks_response(txt, len, &tv, &cnt, &e), ERR_PARSE,
	    "tasks object");
	is_str(e.msg, "tasks: expected an array", "tasks message");
	ok(tv == NULL && cnt == 0, "nothing returned on error");
	free(txt);
	txt = heap("{\"tasks\":[{\"id\":\"a\"},7]}", &len);
	is_int(codec_tasks_response(txt, len, &tv, &cnt, &e), ERR_PARSE,
	    "task item number");
	is_str(e.msg, "tasks[1]: expected an object", "item message");
	free(txt);
	txt = heap("{\"tasks\":null}", &len);
	is_int(codec_tasks_response(txt, len, &tv, &cnt, &e), 0, "null tasks");
	ok(tv == NULL && cnt == 0, "null tasks is empty");
	free(txt);
	txt = heap("{\"tasks\":[null,{\"id\":\"x\"}]}", &len);
	codec_tasks_response(txt, len, &tv, &cnt, &e);
	ok(cnt == 1 && strcmp(tv[0].id, "x") == 0, "null task item skipped");
	tasks_free(tv, cnt);
	free(txt);
	txt = heap("{\"task\":\"x\"}", &len);
	is_int(codec_task_response(txt, len, &t, &e), ERR_PARSE, "task string");
	is_str(e.msg, "task: expected an object", "task message");
	free(txt);
	txt = heap("{}", &len);
	is_int(codec_contact_response(txt, len, &c, &e), ERR_PARSE,
	    "contact missing");
	is_str(e.msg, "contact: missing", "missing message");
	ok(c.raw == NULL, "contact zeroed");
	free(txt);
	txt = heap("{\"tags\":5}", &len);
	is_int(codec_tags_response(txt, len, &sv, &e), ERR_PARSE,
	    "tags number");
	free(txt);

	/* UTF-8 and escapes. */
	txt = heap("{\"firstName\":\"Zo\\u00eb\",\"lastName\":\"山田\","
	    "\"name\":\"\\ud83d\\ude00 Ångström\"}", &len);
	is_int(codec_contact(txt, len, &c, &e), 0, "unicode decodes");
	is_str(c.first_name, "Zoë", "\\u escape to UTF-8");
	is_str(c.last_name, "山田", "raw UTF-8 kept");
	is_str(c.name, "😀 Ångström", "surrogate pair");
	is_str(c.raw, "{\"firstName\":\"Zoë\",\"lastName\":\"山田\",\"name\":"
	    "\"😀 Ångström\"}", "raw keeps UTF-8");
	contact_free(&c);
	free(txt);

	/* Unknown fields survive exactly. */
	txt = heap("{\"id\":\"x\",\"zzz\":{\"deep\":[1,\"two\",null,true,"
	    "{\"k\":-2.5}]},\"emptyObj\":{},\"n\":null}", &len);
	codec_contact(txt, len, &c, &e);
	ok(strlen(c.raw) == len && memcmp(c.raw, txt, len) == 0,
	    "unknown nested fields round-trip byte for byte");
	contact_free(&c);
	free(txt);
}

static int
all_decoders_fail(const char *json, size_t len)
{
	struct contact c;
	struct task t, *tv;
	struct note n, *nv;
	struct appt a, *av;
	struct strv sv;
	struct contact_page pg;
	struct oauth_token tok;
	struct webhook_event w;
	enum tri tr;
	size_t cnt;
	int bad = 0;

	bad += codec_contact(json, len, &c, NULL) != ERR_PARSE || c.raw != NULL;
	bad += codec_contact_response(json, len, &c, NULL) != ERR_PARSE;
	bad += codec_upsert_response(json, len, &c, &tr, NULL) != ERR_PARSE;
	bad += codec_task(json, len, &t, NULL) != ERR_PARSE || t.raw != NULL;
	bad += codec_task_response(json, len, &t, NULL) != ERR_PARSE;
	bad += codec_note(json, len, &n, NULL) != ERR_PARSE;
	bad += codec_note_response(json, len, &n, NULL) != ERR_PARSE;
	bad += codec_appt(json, len, &a, NULL) != ERR_PARSE;
	bad += codec_tasks_response(json, len, &tv, &cnt, NULL) != ERR_PARSE;
	bad += codec_notes_response(json, len, &nv, &cnt, NULL) != ERR_PARSE;
	bad += codec_events_response(json, len, &av, &cnt, NULL) != ERR_PARSE;
	bad += codec_tags_response(json, len, &sv, NULL) != ERR_PARSE;
	bad += codec_succeeded(json, len, &tr, NULL) != ERR_PARSE;
	bad += codec_search_page(json, len, &pg,
	    NULL) != ERR_PARSE || pg.v != NULL;
	bad += codec_list_page(json, len, &pg, NULL) != ERR_PARSE;
	bad += codec_business_page(json, len, &pg, NULL) != ERR_PARSE;
	bad += codec_oauth_token(json, len, &tok, NULL) != ERR_PARSE;
	bad += codec_webhook(json, len, &w, NULL) != ERR_PARSE || w.raw != NULL;
	return bad == 0;
}

static void
test_malformed(void)
{
	static const char *const files[] = { "get_contact.json",
	    "search_contacts.json", "get_tasks.json", "get_notes.json",
	    "get_appointments.json", "get_contacts_deprecated.json",
	    "webhooks/ContactDndUpdate.json", "webhooks/AppointmentUpdate.json",
	    "errors/422.json", "add_tags.json" };
	static const char *const bad[] = { "", " ", "{", "{\"a\":",
	    "{\"a\":1,}",
	    "{\"contact\":{\"id\":\"a\",}}", "[1,2]", "null", "\"s\"", "42",
	    "{}x", "{} {}", "{\"a\":\"\\ud800\"}", "{'a':1}", "{\"a\":tru}",
	    "{\"a\":\"\\x\"}" };
	struct err e;
	char msg[64], *txt, *p;
	size_t len, end, failures, tried, step;

	for (size_t i = 0; i < nitems(files); i++) {
		txt = slurp(files[i], &len);
		end = len;
		while (end > 0 && txt[end - 1] != '}')
			end--;
		/* Every strict prefix of the object, each in its own
		 * exact-size buffer, must fail every decoder. */
		failures = tried = 0;
		step = end / 250 + 1;
		for (size_t cut = 0; cut + 1 < end;
		    cut += (cut + 1 < 40 || cut + 40 > end) ? 1 : step) {
			p = xmalloc(cut > 0 ? cut : 1);
			memcpy(p, txt, cut);
			tried++;
			if (!all_decoders_fail(p, cut))
				failures++;
			free(p);
		}
		ok(failures == 0 && tried > 0,
		    "%s: %zu truncations all ERR_PARSE",
		    files[i], tried);
		free(txt);
	}
	txt = slurp("get_contact.json", &len);
	{
		struct contact c;

		is_int(codec_contact_response(txt, len / 2, &c, &e), ERR_PARSE,
		    "half a contact");
		ok(strstr(e.msg, "JSON") != NULL, "message says JSON: %s",
		    e.msg);
	}
	free(txt);
	for (size_t i = 0; i < nitems(bad); i++) {
		txt = heap(bad[i], &len);
		ok(all_decoders_fail(txt, len), "malformed %zu rejected", i);
		is_int(codec_error_message(txt, len, msg, sizeof msg), 0,
		    "no message from malformed");
		free(txt);
	}
	txt = heap("{\"a\":1} \n\t", &len);
	ok(codec_valid(txt, len), "trailing whitespace is fine");
	free(txt);
	txt = heap("[1,2]", &len);
	ok(codec_valid(txt, len), "array is valid JSON");
	free(txt);
	txt = heap("{\"a\":1}x", &len);
	ok(!codec_valid(txt, len), "trailing garbage invalid");
	free(txt);
	ok(!codec_valid(NULL, 0) && !codec_valid("{", 1),
	    "empty/partial invalid");
	txt = heap("\xef\xbb\xbf{\"a\":1}", &len);
	ok(codec_valid(txt, len), "a UTF-8 byte order mark is tolerated");
	free(txt);
}

static void
test_helpers(void)
{
	static const char *const keys[] = { "id", "firstName", "email", "tags",
	    NULL };
	char *s;

	s = codec_merge("{\"a\":1,\"b\":\"x\",\"c\":[1]}",
	    "{\"b\":null,\"d\":true,\"a\":{\"n\":2}}");
	is_str(s, "{\"a\":{\"n\":2},\"b\":null,\"c\":[1],\"d\":true}",
	    "merge replaces in place, nulls, appends");
	free(s);
	s = codec_merge("{\"tags\":[\"a\",\"b\"],\"x\":1}",
	    "{\"tags\":[\"c\"]}");
	is_str(s, "{\"tags\":[\"c\"],\"x\":1}", "merge is shallow");
	free(s);
	s = codec_merge("{\"a\":1}", "{}");
	is_str(s, "{\"a\":1}", "empty patch");
	free(s);
	ok(codec_merge("[1]", "{}") == NULL, "merge into array refused");
	ok(codec_merge("{}", "\"x\"") == NULL, "merge of string refused");
	ok(codec_merge("{", "{}") == NULL, "merge of broken raw refused");
	ok(codec_merge(NULL, "{}") == NULL, "merge of NULL refused");

	s = codec_quote("a\"b\\c\n\t\x01 é 山");
	is_str(s, "\"a\\\"b\\\\c\\n\\t\\u0001 é 山\"",
	    "quote escapes, keeps UTF-8");
	ok(codec_valid(s, strlen(s)), "quoted string is valid JSON");
	free(s);
	s = codec_quote(NULL);
	is_str(s, "null", "quote NULL");
	free(s);
	s = codec_quote("");
	is_str(s, "\"\"", "quote empty");
	free(s);

	s = codec_with_nulls("{\"id\":\"x\",\"email\":\"e\"}", keys);
	is_str(s,
	    "{\"id\":\"x\",\"email\":\"e\",\"firstName\":null,\"tags\":null}",
	    "with_nulls adds absent keys");
	free(s);
	s = codec_with_nulls("{\"id\":null}", keys + 3);
	is_str(s, "{\"id\":null,\"tags\":null}", "with_nulls keeps nulls");
	free(s);
	ok(codec_with_nulls("[]", keys) == NULL, "with_nulls needs an object");

	s = codec_get_string("{\"a\":\"x\",\"n\":5,\"z\":null}", "a");
	is_str(s, "x", "get_string");
	free(s);
	ok(codec_get_string("{\"n\":5}", "n") == NULL,
	    "get_string number is NULL");
	ok(codec_get_string("{\"z\":null}", "z") == NULL,
	    "get_string null is NULL");
	ok(codec_get_string("{}", "a") == NULL, "get_string absent");
	ok(codec_get_string("x", "a") == NULL, "get_string bad raw");
	s = codec_get_json("{\"z\":null}", "z");
	is_str(s, "null", "get_json null");
	free(s);
	ok(codec_get_json("{\"a\":1}", "b") == NULL, "get_json absent");
}

static void
test_oauth(void)
{
	struct oauth_token tok;
	struct err e;
	char *txt;
	size_t len;

	txt = heap("{\"access_token\":\"at\",\"token_type\":\"Bearer\","
	    "\"expires_in\":86399,\"refresh_token\":\"rt\",\"scope\":"
	    "\"contacts.readonly contacts.write\",\"userType\":\"Location\","
	    "\"locationId\":\"loc\",\"companyId\":\"co\",\"userId\":\"u\","
	    "\"approvedLocations\":[\"loc\"]}", &len);
	is_int(codec_oauth_token(txt, len, &tok, &e), 0, "token decodes");
	is_str(tok.access_token, "at", "access_token");
	is_str(tok.refresh_token, "rt", "refresh_token");
	is_str(tok.scope, "contacts.readonly contacts.write", "scope");
	is_str(tok.location_id, "loc", "token locationId");
	is_str(tok.token_type, "Bearer", "token_type");
	is_str(tok.user_type, "Location", "userType");
	is_int(tok.expires_in, 86399, "expires_in");
	oauth_token_free(&tok);
	free(txt);
	txt = heap("{\"access_token\":\"a\",\"expires_in\":\"3600\"}", &len);
	codec_oauth_token(txt, len, &tok, &e);
	ok(tok.expires_in == 3600 && tok.refresh_token == NULL,
	    "string expires_in, absent refresh");
	oauth_token_free(&tok);
	free(txt);
	txt = heap("{\"error\":\"invalid_grant\"}", &len);
	is_int(codec_oauth_token(txt, len, &tok, &e), ERR_PARSE,
	    "no access_token");
	is_str(e.msg, "access_token: missing", "token message");
	ok(tok.access_token == NULL, "token zeroed");
	free(txt);
}

/* A figure for the lead: decoding a full 500-contact search page. */
static void
test_speed(void)
{
	struct contact_page pg;
	struct buf b;
	struct err e;
	char *item, *txt;
	size_t len;
	struct timespec t0, t1;
	double ms;

	txt = slurp("search_contacts.json", &len);
	codec_search_page(txt, len, &pg, &e);
	item = xstrdup(pg.n == 2 ? pg.v[1].raw : "{}");
	contact_page_free(&pg);
	free(txt);
	buf_init(&b, 0);
	buf_puts(&b, "{\"contacts\":[");
	for (int i = 0; i < 500; i++)
		buf_printf(&b, "%s%s", i ? "," : "", item);
	buf_puts(&b, "],\"total\":500}");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	is_int(codec_search_page(b.data, b.len, &pg, &e), 0,
	    "500-contact page");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	is_int(pg.n, 500, "500 decoded");
	printf("# decoded 500 search contacts (%zu bytes) in %.2f ms\n", b.len,
	    ms);
	ok(pg.search_after != NULL, "cursor from the 500th");
	contact_page_free(&pg);
	buf_free(&b);
	free(item);
}


/* Decode a top-level response example with the decoder its key calls for;
 * returns the number of entities found, or -1 on a decoder error. */
static int
decode_by_key(const char *rel, const char *txt, size_t len)
{
	static const char *const keys[] = { "contacts", "contact", "task",
	    "note", "tasks", "notes", "events", "tags" };
	struct contact c;
	struct task t, *tv;
	struct note n, *nv;
	struct appt *av;
	struct strv sv = { NULL, 0 };
	struct contact_page pg;
	char *z, *k;
	enum tri tr;
	size_t cnt, which;
	int found = -1;

	z = xstrndup(txt, len);
	for (which = 0; which < nitems(keys); which++) {
		k = codec_get_json(z, keys[which]);
		free(k);
		if (k != NULL)
			break;
	}
	free(z);
	switch (which) {
	case 0:
		if (codec_search_page(txt, len, &pg, NULL) == 0)
			found = (int)pg.n;
		contact_page_free(&pg);
		break;
	case 1:
		if (codec_contact_response(txt, len, &c, NULL) == 0)
			found = c.id != NULL;
		contact_free(&c);
		break;
	case 2:
		if (codec_task_response(txt, len, &t, NULL) == 0)
			found = t.id != NULL;
		task_free(&t);
		break;
	case 3:
		if (codec_note_response(txt, len, &n, NULL) == 0)
			found = n.id != NULL;
		note_free(&n);
		break;
	case 4:
		if (codec_tasks_response(txt, len, &tv, &cnt, NULL) == 0) {
			found = (int)cnt;
			tasks_free(tv, cnt);
		}
		break;
	case 5:
		if (codec_notes_response(txt, len, &nv, &cnt, NULL) == 0) {
			found = (int)cnt;
			notes_free(nv, cnt);
		}
		break;
	case 6:
		if (codec_events_response(txt, len, &av, &cnt, NULL) == 0) {
			found = (int)cnt;
			appts_free(av, cnt);
		}
		break;
	case 7:
		if (codec_tags_response(txt, len, &sv, NULL) == 0)
			found = (int)sv.n;
		strv_free(&sv);
		break;
	default:
		if (codec_succeeded(txt, len, &tr, NULL) == 0 &&
		    tr != TRI_UNSET)
			found = tr == TRI_TRUE;
		else
			printf("# %s: no known top-level key\n", rel);
		break;
	}
	return found;
}

/* Every example file present under DATA_DIR/api, including ones added
 * after this test was written, decodes with the codec. */
static void
test_every_file(void)
{
	static const char *const sub[] = { "", "errors/", "requests/",
	    "webhooks/" };
	struct webhook_event w;
	struct dirent *de;
	const char *dir;
	char path[1024], rel[512], msg[512], *txt;
	size_t len, nfiles = 0;
	DIR *d;
	int r;

	dir = getenv("DATA_DIR");
	if (dir == NULL || *dir == '\0')
		dir = TOP_SRCDIR "/tests/data";
	for (size_t i = 0; i < nitems(sub); i++) {
		snprintf(path, sizeof path, "%s/api/%s", dir, sub[i]);
		d = opendir(path);
		ok(d != NULL, "open %s", path);
		if (d == NULL)
			continue;
		while ((de = readdir(d)) != NULL) {
			len = strlen(de->d_name);
			if (len < 6 || strcmp(de->d_name + len - 5,
			    ".json") != 0)
				continue;
			snprintf(rel, sizeof rel, "%s%s", sub[i], de->d_name);
			txt = slurp(rel, &len);
			nfiles++;
			if (i == 0) {
				r = decode_by_key(rel, txt, len);
				ok(r > 0, "%s decodes (%d entities)", rel, r);
			} else if (i == 1) {
				r = codec_error_message(txt, len, msg,
				    sizeof msg);
				ok(r == 1 && msg[0] != '\0', "%s: \"%s\"", rel,
				    msg);
			} else if (i == 2) {
				ok(codec_valid(txt, len), "%s is valid JSON",
				    rel);
			} else {
				r = codec_webhook(txt, len, &w, NULL);
				ok(r == 0 && w.kind != WH_UNKNOWN &&
				    w.id != NULL,
				    "%s: %s kind %d id %s", rel,
				    w.type ? w.type : "?", w.kind,
				    w.id ? w.id : "?");
				webhook_event_free(&w);
			}
			free(txt);
		}
		closedir(d);
	}
	ok(nfiles >= 53, "%zu example files checked", nfiles);
}

/* Regression (faults suite, badutf8): invalid UTF-8 from the server used
 * to reach the cache and --json output; it is replaced by U+FFFD. */
static void
test_bad_utf8(void)
{
	static const char js[] = "{\"id\":\"u1\",\"firstName\":\"A\xff"
	    "\xc0\xaf\xed\xa0\x80\xc3\xa9\"}";
	struct contact c;
	struct err e;
	int rc;

	memset(&e, 0, sizeof(e));
	rc = codec_contact(js, sizeof(js) - 1, &c, &e);
	is_int(rc, 0, "bad UTF-8: contact decodes");
	if (rc != 0)
		return;
	is_str(c.first_name, "A\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9",
	    "bad UTF-8: each invalid byte became U+FFFD, valid text kept");
	ok(strstr(c.raw, "\xff") == NULL, "bad UTF-8: raw JSON is valid");
	contact_free(&c);
}

int
main(void)
{
	test_bad_utf8();
	test_every_file();
	test_contact();
	test_tasks_notes_events();
	test_pages();
	test_errors();
	test_requests();
	test_webhooks();
	test_lenient();
	test_malformed();
	test_helpers();
	test_oauth();
	test_speed();
	return tap_done();
}
