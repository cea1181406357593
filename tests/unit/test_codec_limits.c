/*
 * test_codec_limits.c: the codec's field and list limits (CODEC_MAX_FIELD,
 * CODEC_MAX_TEXT, CODEC_MAX_TAGS, CODEC_MAX_PAGE) exactly at and one past
 * each bound, for every decoder that applies them, and NUL escapes
 * (\u0000) decoded as U+FFFD without cutting the rest of the record.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "codec.h"
#include "err.h"
#include "model.h"
#include "xmalloc.h"
#include "../tap.h"

#define FFFD "\xef\xbf\xbd"

/* A string of n copies of c. */
static char *
rep(char c, size_t n)
{
	char *s = xmalloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* {"id":"c1","firstName":..., "tags":[ntags tags of taglen bytes]} */
static char *
contact_json(size_t namelen, size_t ntags, size_t taglen)
{
	struct buf b;
	char *name = rep('n', namelen), *tag = rep('t', taglen);

	buf_init(&b, 0);
	buf_printf(&b, "{\"id\":\"c1\",\"firstName\":\"%s\",\"lastName\":"
	    "\"Last\",\"tags\":[", name);
	for (size_t i = 0; i < ntags; i++)
		buf_printf(&b, "%s\"%s%zu\"", i ? "," : "", tag, i);
	buf_puts(&b, "]}");
	free(name);
	free(tag);
	return buf_take(&b);
}

static int
zeroed(const void *p, size_t n)
{
	const unsigned char *u = p;

	for (size_t i = 0; i < n; i++)
		if (u[i] != 0)
			return 0;
	return 1;
}

static void
test_fields(void)
{
	struct contact c;
	struct err e;
	char *j, *w;
	int rc;

	/* Exactly CODEC_MAX_FIELD bytes: accepted. */
	j = contact_json(CODEC_MAX_FIELD, 1, 1);
	err_clear(&e);
	rc = codec_contact(j, strlen(j), &c, &e);
	ok(rc == 0 && c.first_name != NULL &&
	    strlen(c.first_name) == CODEC_MAX_FIELD,
	    "firstName of %d bytes decodes", CODEC_MAX_FIELD);
	contact_free(&c);
	free(j);

	/* One byte more: refused, naming the contact and the field. */
	j = contact_json(CODEC_MAX_FIELD + 1, 1, 1);
	err_clear(&e);
	rc = codec_contact(j, strlen(j), &c, &e);
	is_int(rc, ERR_INVALID, "firstName of 4097 bytes is ERR_INVALID");
	is_str(e.msg, "contact c1: firstName: 4097 bytes, over the limit of "
	    "4096", "the message names the contact, the field and the limit");
	ok(zeroed(&c, sizeof c), "nothing is returned");

	/* The same through the {"contact": ...} wrapper. */
	w = xasprintf("{\"contact\":%s}", j);
	err_clear(&e);
	rc = codec_contact_response(w, strlen(w), &c, &e);
	ok(rc == ERR_INVALID && strstr(e.msg, "firstName") != NULL &&
	    zeroed(&c, sizeof c), "contact response: over-long field refused");
	free(w);
	free(j);

	/* An over-long id is refused and cut to 64 bytes in the message. */
	w = rep('i', CODEC_MAX_FIELD + 10);
	j = xasprintf("{\"id\":\"%s\"}", w);
	err_clear(&e);
	rc = codec_contact(j, strlen(j), &c, &e);
	ok(rc == ERR_INVALID && strstr(e.msg, ": id: 4106 bytes") != NULL &&
	    strlen(e.msg) < 160, "an over-long id is refused and cut in the "
	    "message (%s)", e.msg);
	free(w);
	free(j);
}

static void
test_tags(void)
{
	struct contact c;
	struct strv sv = { NULL, 0 };
	struct err e;
	struct buf b;
	char *j, *tag;
	int rc;

	j = contact_json(4, CODEC_MAX_TAGS, 3);
	err_clear(&e);
	rc = codec_contact(j, strlen(j), &c, &e);
	ok(rc == 0 && c.tags.n == CODEC_MAX_TAGS, "%d tags decode",
	    CODEC_MAX_TAGS);
	contact_free(&c);
	free(j);

	j = contact_json(4, 2000, 3);
	err_clear(&e);
	rc = codec_contact(j, strlen(j), &c, &e);
	is_int(rc, ERR_INVALID, "2000 tags are ERR_INVALID");
	is_str(e.msg, "contact c1: tags: 2000 tags, over the limit of 1000",
	    "the message names the contact and the count");
	ok(zeroed(&c, sizeof c), "nothing is returned");
	free(j);

	/* One tag of CODEC_MAX_FIELD + 1 bytes ("t...t0"). */
	j = contact_json(4, 1, CODEC_MAX_FIELD);
	err_clear(&e);
	rc = codec_contact(j, strlen(j), &c, &e);
	ok(rc == ERR_INVALID && strcmp(e.msg, "contact c1: tags[0]: 4097 "
	    "bytes, over the limit of 4096") == 0, "an over-long tag: %s",
	    e.msg);
	free(j);

	/* {"tags": [...]} of the tag endpoints. */
	buf_init(&b, 0);
	buf_puts(&b, "{\"tags\":[");
	for (int i = 0; i < CODEC_MAX_TAGS + 1; i++)
		buf_printf(&b, "%s\"x%d\"", i ? "," : "", i);
	buf_puts(&b, "]}");
	err_clear(&e);
	rc = codec_tags_response(b.data, b.len, &sv, &e);
	ok(rc == ERR_INVALID && sv.n == 0 && sv.v == NULL &&
	    strcmp(e.msg, "tags: 1001 tags, over the limit of 1000") == 0,
	    "tags response with 1001 tags refused (%s)", e.msg);
	buf_free(&b);
	tag = rep('x', CODEC_MAX_FIELD + 1);
	j = xasprintf("{\"tags\":[\"ok\",\"%s\"]}", tag);
	err_clear(&e);
	rc = codec_tags_response(j, strlen(j), &sv, &e);
	ok(rc == ERR_INVALID && sv.n == 0 && strstr(e.msg, "tags[1]") != NULL,
	    "tags response with an over-long tag refused");
	free(j);
	free(tag);
	j = xstrdup("{\"tags\":[\"a\",\"b\"]}");
	rc = codec_tags_response(j, strlen(j), &sv, NULL);
	ok(rc == 0 && sv.n == 2, "a short tags response still decodes");
	strv_free(&sv);
	free(j);
}

static void
test_text(void)
{
	struct note *nv = NULL;
	struct note n;
	struct task *tv = NULL;
	struct appt *av = NULL;
	size_t cnt = 9;
	struct err e;
	char *body, *j;
	int rc;

	body = rep('b', CODEC_MAX_TEXT);
	j = xasprintf("{\"notes\":[{\"id\":\"n1\",\"body\":\"short\"},"
	    "{\"id\":\"n2\",\"body\":\"%s\"}]}", body);
	err_clear(&e);
	rc = codec_notes_response(j, strlen(j), &nv, &cnt, &e);
	ok(rc == 0 && cnt == 2 && strlen(nv[1].body) == CODEC_MAX_TEXT,
	    "a note body of exactly 1 MB decodes");
	notes_free(nv, cnt);
	nv = NULL;
	free(j);
	free(body);

	body = rep('b', CODEC_MAX_TEXT + 1);
	j = xasprintf("{\"notes\":[{\"id\":\"n1\",\"body\":\"short\"},"
	    "{\"id\":\"n2\",\"body\":\"%s\"}]}", body);
	err_clear(&e);
	cnt = 9;
	rc = codec_notes_response(j, strlen(j), &nv, &cnt, &e);
	ok(rc == ERR_INVALID && nv == NULL && cnt == 0,
	    "a note body over 1 MB refuses the list (nothing returned)");
	is_str(e.msg, "note n2: body: 1048577 bytes, over the limit of "
	    "1048576", "the message names the note and the field");
	free(j);

	j = xasprintf("{\"note\":{\"id\":\"n9\",\"body\":\"%s\"}}", body);
	err_clear(&e);
	rc = codec_note_response(j, strlen(j), &n, &e);
	ok(rc == ERR_INVALID && zeroed(&n, sizeof n), "note response: body "
	    "over 1 MB refused");
	free(j);

	j = xasprintf("{\"tasks\":[{\"id\":\"t1\",\"title\":\"x\","
	    "\"body\":\"%s\"}]}", body);
	err_clear(&e);
	rc = codec_tasks_response(j, strlen(j), &tv, &cnt, &e);
	ok(rc == ERR_INVALID && tv == NULL && strstr(e.msg, "task t1: body")
	    != NULL, "task body over 1 MB refused");
	free(j);

	j = xasprintf("{\"events\":[{\"id\":\"a1\",\"notes\":\"%s\"}]}",
	    body);
	err_clear(&e);
	rc = codec_events_response(j, strlen(j), &av, &cnt, &e);
	ok(rc == ERR_INVALID && av == NULL &&
	    strstr(e.msg, "appointment a1: notes") != NULL,
	    "appointment notes over 1 MB refused");
	free(j);
	free(body);

	body = rep('T', CODEC_MAX_FIELD + 1);
	j = xasprintf("{\"tasks\":[{\"id\":\"t2\",\"title\":\"%s\"}]}", body);
	err_clear(&e);
	rc = codec_tasks_response(j, strlen(j), &tv, &cnt, &e);
	ok(rc == ERR_INVALID && strstr(e.msg, "task t2: title: 4097") != NULL,
	    "a task title is a short field (4 KB)");
	free(j);
	free(body);
}

static char *
page_json(size_t n)
{
	struct buf b;

	buf_init(&b, 0);
	buf_puts(&b, "{\"contacts\":[");
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s{\"id\":\"c%zu\",\"firstName\":\"F\"}",
		    i ? "," : "", i);
	buf_printf(&b, "],\"total\":%zu}", n);
	return buf_take(&b);
}

static void
test_page(void)
{
	struct contact_page pg;
	struct err e;
	char *j, *big;
	int rc;

	j = page_json(CODEC_MAX_PAGE);
	err_clear(&e);
	rc = codec_search_page(j, strlen(j), &pg, &e);
	ok(rc == 0 && pg.n == CODEC_MAX_PAGE, "a page of %d contacts decodes",
	    CODEC_MAX_PAGE);
	contact_page_free(&pg);
	free(j);

	j = page_json(CODEC_MAX_PAGE + 1);
	err_clear(&e);
	rc = codec_search_page(j, strlen(j), &pg, &e);
	ok(rc == ERR_INVALID && pg.n == 0 && pg.v == NULL,
	    "a page of 1001 contacts is refused");
	is_str(e.msg, "contacts: 1001 items in one page, over the limit of "
	    "1000", "the message gives the count and the limit");
	contact_page_free(&pg);
	free(j);

	/* One contact over a limit is left out of its page, with the
	 * reason: one bad record must not stop every full sync. */
	big = contact_json(10, 1500, 2);
	j = xasprintf("{\"contacts\":[{\"id\":\"ok1\"},%s,{\"id\":\"ok2\","
	    "\"searchAfter\":[2,\"ok2\"]}],\"count\":3}", big);
	err_clear(&e);
	rc = codec_search_page(j, strlen(j), &pg, &e);
	ok(rc == 0 && pg.n == 2 && pg.skipped == 1 &&
	    strcmp(pg.v[0].id, "ok1") == 0 && strcmp(pg.v[1].id, "ok2") == 0,
	    "a contact with 1500 tags is left out of the page, the rest kept");
	ok(strstr(pg.skip_err.msg, "contact c1: tags: 1500 tags") != NULL &&
	    pg.skip_err.code == ERR_INVALID,
	    "the page says why (%s)", pg.skip_err.msg);
	is_str(pg.search_after, "[2,\"ok2\"]", "the cursor is the page's");
	contact_page_free(&pg);
	free(j);
	free(big);
}

static void
test_webhook(void)
{
	struct webhook_event w;
	struct err e;
	char *c, *j;
	int rc;

	c = contact_json(3, 1001, 2);
	/* Turn {"id":...} into a ContactCreate payload. */
	j = xasprintf("{\"type\":\"ContactCreate\",\"locationId\":\"L\",%s",
	    c + 1);
	err_clear(&e);
	rc = codec_webhook(j, strlen(j), &w, &e);
	ok(rc == ERR_INVALID && w.type == NULL && strcmp(e.msg, "webhook "
	    "ContactCreate: contact c1: tags: 1001 tags, over the limit of "
	    "1000") == 0, "webhook with 1001 tags refused (%s)", e.msg);
	free(j);
	free(c);
}

static void
test_nul(void)
{
	static const char j1[] = "{\"id\":\"n\\u0000ul\",\"firstName\":"
	    "\"Ev\\u0000il\",\"lastName\":\"After\",\"tags\":[\"a\\u0000b\","
	    "\"c\"],\"email\":\"x@y\"}";
	static const char j2[] = "{\"id\":\"c2\",\"firstName\":\"lit\\\\u0000"
	    "eral\",\"lastName\":\"\\\\\\u0000\"}";
	static const char j3[] = "{\"notes\":[{\"id\":\"n1\",\"body\":"
	    "\"line\\u0000 one\\n\\u0000\\u0000end\"}]}";
	static const char j4[] = "{\"k\\u0000ey\":1,\"id\":\"c4\","
	    "\"name\":\"\\u0000\"}";
	struct contact c;
	struct note *nv = NULL;
	size_t n = 0;
	struct err e;
	int rc;

	err_clear(&e);
	rc = codec_contact(j1, sizeof j1 - 1, &c, &e);
	ok(rc == 0, "a contact with NUL escapes decodes");
	is_str(c.first_name, "Ev" FFFD "il", "NUL in a name becomes U+FFFD, "
	    "the rest kept");
	is_str(c.id, "n" FFFD "ul", "NUL in the id becomes U+FFFD");
	is_str(c.last_name, "After", "the fields after it are intact");
	ok(c.tags.n == 2 && strcmp(c.tags.v[0], "a" FFFD "b") == 0 &&
	    strcmp(c.tags.v[1], "c") == 0, "NUL in a tag becomes U+FFFD");
	is_str(c.email, "x@y", "the last field is intact");
	ok(c.raw != NULL && strstr(c.raw, "Ev" FFFD "il") != NULL &&
	    strstr(c.raw, "\\u0000") == NULL && codec_valid(c.raw,
	    strlen(c.raw)), "raw holds U+FFFD, no NUL, and is valid JSON");
	contact_free(&c);

	err_clear(&e);
	rc = codec_contact(j2, sizeof j2 - 1, &c, &e);
	ok(rc == 0, "escaped backslashes before u0000 decode");
	is_str(c.first_name, "lit\\u0000eral", "\"\\\\u0000\" is text, kept "
	    "as written");
	is_str(c.last_name, "\\" FFFD, "\"\\\\\\u0000\" is a backslash and "
	    "a NUL");
	contact_free(&c);

	err_clear(&e);
	rc = codec_notes_response(j3, sizeof j3 - 1, &nv, &n, &e);
	ok(rc == 0 && n == 1 && strcmp(nv[0].body, "line" FFFD " one\n"
	    FFFD FFFD "end") == 0, "NULs in a note body, the whole body kept");
	notes_free(nv, n);

	err_clear(&e);
	rc = codec_contact(j4, sizeof j4 - 1, &c, &e);
	ok(rc == 0 && strcmp(c.id, "c4") == 0 && strcmp(c.name, FFFD) == 0 &&
	    strstr(c.raw, "\"k" FFFD "ey\"") != NULL,
	    "NUL in a key and a lone NUL value");
	contact_free(&c);

	/* A \u0000 outside strings is a syntax error, as before. */
	err_clear(&e);
	rc = codec_contact("{\"a\":1,\\u0000}", 14, &c, &e);
	ok(rc == ERR_PARSE, "\\u0000 outside a string is not valid JSON");
}

int
main(void)
{
	test_fields();
	test_tags();
	test_text();
	test_page();
	test_webhook();
	test_nul();
	return tap_done();
}
