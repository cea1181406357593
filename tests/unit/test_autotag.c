/*
 * test_autotag.c: auto-tag rules on an in-memory cache: a matching note
 * queues one tags.add outbox write, unchanged notes are not looked at
 * again, a tag the user removed is never re-added, dry runs write
 * nothing, task rules read task titles, edited notes are re-checked.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autotag.h"
#include "cache.h"
#include "codec.h"
#include "conf.h"
#include "err.h"
#include "model.h"
#include "xmalloc.h"
#include "../tap.h"

static struct cache *c;

static void
put_contact(const char *id, const char *tags_json)
{
	struct contact ct;
	struct err e;
	char *json;

	json = xasprintf("{\"id\":\"%s\",\"firstName\":\"F%s\","
	    "\"locationId\":\"L\",\"tags\":%s}", id, id, tags_json);
	if (codec_contact(json, strlen(json), &ct, &e) != 0 ||
	    cache_put_contact(c, &ct, 1000, &e) != 0)
		fatalx("seed contact %s: %s", id, e.msg);
	contact_free(&ct);
	free(json);
}

static void
put_note(const char *cid, const char *id, const char *body)
{
	struct note n;
	struct err e;

	memset(&n, 0, sizeof n);
	n.pinned = TRI_UNSET;
	n.id = (char *)id;
	n.contact_id = (char *)cid;
	n.body = (char *)body;
	if (cache_put_note(c, &n, &e) != 0)
		fatalx("seed note %s: %s", id, e.msg);
}

static void
put_task(const char *cid, const char *id, const char *title)
{
	struct task t;
	struct err e;

	memset(&t, 0, sizeof t);
	t.completed = TRI_FALSE;
	t.id = (char *)id;
	t.contact_id = (char *)cid;
	t.title = (char *)title;
	if (cache_put_task(c, &t, &e) != 0)
		fatalx("seed task %s: %s", id, e.msg);
}

static size_t
outbox_n(const char *cid, const char *op, char **last_payload)
{
	struct outbox_entry *v = NULL;
	size_t n = 0, i, k = 0;
	struct err e;

	if (cache_outbox_list(c, cid, 0, &v, &n, &e) != 0)
		fatalx("outbox: %s", e.msg);
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].op, op) != 0)
			continue;
		k++;
		if (last_payload != NULL) {
			free(*last_payload);
			*last_payload = xstrdup0(v[i].payload);
		}
	}
	outbox_entries_free(v, n);
	return k;
}

/* Run the rules; the planned tags joined with ",". */
static char *
run(const struct conf *cfg, const char *cid, int dry, int *rc)
{
	struct strv planned = { NULL, 0 };
	struct err e;
	char *s = xstrdup("");
	size_t i;

	err_clear(&e);
	*rc = autotag_apply(c, cfg, cid, dry, &planned, &e);
	if (*rc)
		printf("# autotag_apply: %s\n", e.msg);
	for (i = 0; i < planned.n; i++) {
		char *t = xasprintf("%s%s%s", s, i ? "," : "", planned.v[i]);

		free(s);
		s = t;
	}
	strv_free(&planned);
	return s;
}

static int
has_tag(const char *cid, const char *tag)
{
	struct contact ct;
	int r;

	if (cache_get_contact(c, cid, &ct, NULL, NULL) != 0)
		return -1;
	r = strv_contains_ci(&ct.tags, tag);
	contact_free(&ct);
	return r;
}

int
main(void)
{
	const char *rules =
	    "[autotag]\n"
	    "contact = refund|charge ?back => billing, urgent\n"
	    "contact = gold => vip\n"
	    "task = renewal => renewal\n"
	    "contact = a(b => odd\n";
	struct conf cfg, none;
	struct err e;
	char *s, *payload = NULL;
	int rc;

	conf_defaults(&cfg);
	conf_defaults(&none);
	if (conf_parse_text(&cfg, "rules", rules, &e) != 0)
		fatalx("rules: %s", e.msg);
	if (cache_open(&c, ":memory:", &e) != 0)
		fatalx("cache: %s", e.msg);
	put_contact("C1", "[\"lead\"]");
	put_contact("C2", "[\"vip\"]");
	put_contact("C3", "[]");

	s = run(&cfg, "C1", 0, &rc);
	is_int(rc, 0, "no notes: ok");
	is_str(s, "", "no notes: nothing planned");
	free(s);
	s = run(&none, "C1", 0, &rc);
	is_str(s, "", "no rules: nothing planned");
	free(s);

	put_note("C1", "N1", "Customer asked for a REFUND of May's invoice");
	s = run(&cfg, "C1", 1, &rc);
	is_int(rc, 0, "dry run ok");
	is_str(s, "billing,urgent", "dry run plans both tags of the rule");
	free(s);
	is_int(outbox_n("C1", "tags.add", NULL), 0, "dry run queues nothing");
	is_int(has_tag("C1", "billing"), 0, "dry run leaves tags alone");
	s = run(&cfg, "C1", 1, &rc);
	is_str(s, "billing,urgent", "a second dry run plans the same");
	free(s);

	s = run(&cfg, "C1", 0, &rc);
	is_int(rc, 0, "apply ok");
	is_str(s, "billing,urgent", "apply adds both tags");
	free(s);
	is_int(outbox_n("C1", "tags.add", &payload), 1,
	    "one tags.add outbox entry");
	ok(payload != NULL && strstr(payload, "\"billing\"") != NULL &&
	    strstr(payload, "\"urgent\"") != NULL,
	    "the entry's body carries both tags");
	is_int(has_tag("C1", "billing"), 1, "tag shows on the contact at once");

	s = run(&cfg, "C1", 0, &rc);
	is_str(s, "", "unchanged notes are not matched again");
	free(s);
	is_int(outbox_n("C1", "tags.add", NULL), 1, "still one entry");

	/* The user removes the tag; a new matching note must not re-add it. */
	{
		struct strv rm = { NULL, 0 };

		strv_push(&rm, "billing");
		is_int(cache_tags_remove(c, "C1", &rm, NULL, &e), 0,
		    "user removes billing");
		strv_free(&rm);
	}
	put_note("C1", "N2", "second chargeback this month");
	s = run(&cfg, "C1", 1, &rc);
	is_str(s, "", "dry run: a removed tag is not planned again");
	free(s);
	s = run(&cfg, "C1", 0, &rc);
	is_str(s, "", "a removed tag is not re-added");
	free(s);
	is_int(outbox_n("C1", "tags.add", NULL), 1, "no new tags.add entry");
	is_int(has_tag("C1", "billing"), 0, "billing stays removed");

	/* A tag already present is remembered, not added, and not re-added
	 * after the user removes it. */
	put_note("C2", "N3", "upgraded to gold plan");
	s = run(&cfg, "C2", 0, &rc);
	is_str(s, "", "tag already present: nothing to add");
	free(s);
	is_int(outbox_n("C2", "tags.add", NULL), 0, "no entry for C2");

	/* Task rules read task titles; contact rules do not. */
	put_task("C3", "T1", "Renewal call in March");
	put_task("C3", "T2", "refund paperwork");
	s = run(&cfg, "C3", 0, &rc);
	is_str(s, "renewal", "task rule matches a task title, contact rule "
	    "does not");
	free(s);

	/* An edited note is looked at again. */
	put_note("C3", "N4", "nothing interesting");
	s = run(&cfg, "C3", 0, &rc);
	is_str(s, "", "non-matching note");
	free(s);
	put_note("C3", "N4", "nothing interesting, but gold customer");
	s = run(&cfg, "C3", 0, &rc);
	is_str(s, "vip", "edited note matches");
	free(s);

	/* An invalid ERE is matched as a plain substring. */
	put_note("C3", "N5", "see section a(b of the contract");
	s = run(&cfg, "C3", 0, &rc);
	is_str(s, "odd", "invalid regex falls back to a substring");
	free(s);

	s = run(&cfg, "NOPE", 0, &rc);
	is_int(rc, 0, "unknown contact is not an error");
	is_str(s, "", "unknown contact: nothing planned");
	free(s);

	free(payload);
	cache_close(c);
	conf_free(&cfg);
	conf_free(&none);
	return tap_done();
}
