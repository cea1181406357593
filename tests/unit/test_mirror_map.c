/*
 * test_mirror_map.c: the pure mapping rules of the mirror (CONTRACT §7):
 * contact fields and name fallbacks, tags (commas, merge rule), task
 * title/description with marker and limits, note HTML, ISO dates, UTF-8
 * truncation and the hash.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "mirror.h"
#include "mtest.h"
#include "tap.h"
#include "xmalloc.h"

static void
test_contact(void)
{
	struct mirror_contact_fields f;
	struct contact c;
	char *raw = mt_fixture("tests/data/api/get_contact.json");

	if (codec_contact_response(raw, strlen(raw), &c, NULL) != 0)
		fatalx("decode");
	free(raw);
	mirror_map_contact(&c, &f);
	is_str(f.first_name, "Maya", "firstName");
	is_str(f.last_name, "Okafor", "lastName");
	is_str(f.email, "maya.okafor@brightlane.io", "email");
	is_str(f.mobile, "+13125550148", "phone -> mobile");
	is_str(f.website, "https://brightlane.io", "website from raw");
	is_str(f.addr1, "410 W Huron St", "address1 from raw");
	is_str(f.zip, "60654", "postalCode from raw");
	is_str(f.country, "US", "country from raw");
	is_str(f.company_name, "Brightlane Logistics", "companyName");
	is_int(f.tags.n, 3, "three tags");
	mirror_contact_fields_free(&f);
	contact_free(&c);

	memset(&c, 0, sizeof c);
	c.first_name = xstrdup("  Solo ");
	c.email = xstrdup("  MIXED@Case.IO ");
	strv_push(&c.tags, "a,b");
	strv_push(&c.tags, "A b");
	strv_push(&c.tags, "  ");
	mirror_map_contact(&c, &f);
	is_str(f.last_name, "Solo", "no lastName: firstName moves over");
	is_str(f.first_name, "", "and firstName is sent empty");
	is_str(f.email, "mixed@case.io", "email trimmed and lower-cased");
	ok(f.tags.n == 1 && strcmp(f.tags.v[0], "a b") == 0,
	    "comma in a tag -> space; case-insensitive dedupe; blanks dropped");
	mirror_contact_fields_free(&f);
	contact_free(&c);

	memset(&c, 0, sizeof c);
	c.email = xstrdup("someone@example.com");
	mirror_map_contact(&c, &f);
	is_str(f.last_name, "someone", "no names: email local part");
	mirror_contact_fields_free(&f);
	contact_free(&c);

	memset(&c, 0, sizeof c);
	c.phone = xstrdup("+15550001");
	c.email = xstrdup("not-an-email");
	mirror_map_contact(&c, &f);
	is_str(f.last_name, "+15550001", "no names, no email: the phone");
	ok(f.bad_email && *f.email == '\0', "email without @ is not sent");
	mirror_contact_fields_free(&f);
	contact_free(&c);

	memset(&c, 0, sizeof c);
	mirror_map_contact(&c, &f);
	is_str(f.last_name, "(no name)", "nothing at all: (no name)");
	mirror_contact_fields_free(&f);
}

static void
test_tags(void)
{
	struct strv sm = { NULL, 0 }, last = { NULL, 0 }, ghl = { NULL, 0 };
	struct strv out = { NULL, 0 };
	char *s;

	strv_push(&sm, "warehouse");
	strv_push(&sm, "demo-requested");
	strv_push(&sm, "q3-2025");
	strv_push(&sm, "vip");
	strv_push(&last, "warehouse");
	strv_push(&last, "demo-requested");
	strv_push(&last, "q3-2025");
	strv_push(&ghl, "warehouse");
	strv_push(&ghl, "q3-2025");
	strv_push(&ghl, "pilot");
	mirror_merge_tags(&sm, &last, &ghl, &out);
	s = mirror_join_tags(&out);
	is_str(s, "warehouse,q3-2025,vip,pilot",
	    "merge: hand tag kept, dropped GHL tag removed, new one added");
	free(s);
	strv_free(&out);
	strv_free(&ghl);
	strv_push(&ghl, "VIP");
	mirror_merge_tags(&sm, &last, &ghl, &out);
	s = mirror_join_tags(&out);
	is_str(s, "vip", "merge is case-insensitive, first spelling kept");
	free(s);
	strv_free(&out);
	mirror_merge_tags(NULL, NULL, &ghl, &out);
	s = mirror_join_tags(&out);
	is_str(s, "VIP", "fresh create: GHL tags");
	free(s);
	strv_free(&out);
	strv_free(&sm);
	strv_free(&last);
	strv_free(&ghl);
}

static void
test_task_note(void)
{
	struct task t;
	struct note n;
	char *s, *big, *req;
	size_t i;

	memset(&t, 0, sizeof t);
	t.id = (char *)"Tk2LmN8bV5cX1zQ7wE4r";
	t.title = (char *)"  ";
	s = mirror_task_title(&t);
	is_str(s, "(untitled task)", "empty title");
	free(s);
	s = mirror_task_description(&t);
	is_str(s, "[ghl:task:Tk2LmN8bV5cX1zQ7wE4r]", "no body: marker only");
	free(s);
	big = xmalloc(3001);
	for (i = 0; i < 3000; i += 2) {
		big[i] = (char)0xc3;	/* é, two bytes */
		big[i + 1] = (char)0xa9;
	}
	big[3000] = '\0';
	t.title = big;
	t.body = big;
	s = mirror_task_title(&t);
	is_int(strlen(s), 500, "title cut to 500 bytes on a char boundary");
	free(s);
	s = mirror_task_description(&t);
	ok(strlen(s) <= 2000, "description within 2000 bytes");
	ok(strstr(s, "\n\n[ghl:task:Tk2LmN8bV5cX1zQ7wE4r]") != NULL,
	    "marker survives truncation");
	free(s);
	mirror_truncate_utf8(big, 3);
	is_int(strlen(big), 2, "no split UTF-8 character");
	free(big);

	memset(&n, 0, sizeof n);
	n.id = (char *)"Nt5GhJ1kL7zX3cV9bN2m";
	n.title = (char *)"Discovery call";
	n.body = (char *)"Discovery call: 3 warehouses, ~40k picks/day, evaluating us "
	    "vs. in-house WMS.";
	s = mirror_note_html(&n);
	req = mt_fixture("tests/data/salesmate/requests/create_note.json");
	ok(strstr(req, s) != NULL, "note HTML = contract example");
	free(req);
	free(s);
	n.title = NULL;
	n.body = (char *)"a < b & \"c\"\nline 2\n\n\npara 2\n";
	s = mirror_note_html(&n);
	is_str(s, "<div>a &lt; b &amp; &quot;c&quot;<br>line 2</div>"
	    "<div>para 2</div><div>[ghl:note:Nt5GhJ1kL7zX3cV9bN2m]</div>",
	    "escaping, <br>, blank-line blocks, marker last");
	free(s);
}

static void
test_dates(void)
{
	is_int(mirror_parse_iso_ms("2025-10-06T15:00:00.000Z"),
	    1759762800000LL, "ISO with Z and fraction");
	is_int(mirror_parse_iso_ms("2025-10-06T10:00:00-05:00"),
	    1759762800000LL, "ISO with offset");
	is_int(mirror_parse_iso_ms("2025-10-06T15:00:00.5+0000"),
	    1759762800500LL, "offset without colon, half second");
	is_int(mirror_parse_iso_ms("1970-01-01"), 0, "date only");
	is_int(mirror_parse_iso_ms("2024-02-29T00:00:00Z"), 1709164800000LL,
	    "leap day");
	is_int(mirror_parse_iso_ms("yesterday"), -1, "garbage is -1");
	is_int(mirror_parse_iso_ms("2025-13-01"), -1, "bad month is -1");
}

static void
test_hash(void)
{
	char h[65], d[16];

	mirror_hash("abc", h);
	is_str(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "SHA-256 of abc");
	mirror_digits("+1 (312) 555-0148", d, sizeof d);
	is_str(d, "13125550148", "digits of a phone");
}

int
main(void)
{
	test_contact();
	test_tags();
	test_task_note();
	test_dates();
	test_hash();
	return tap_done();
}
