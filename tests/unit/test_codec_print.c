/*
 * test_codec_print.c: the codec's own JSON printer (the raw text of every
 * decoded contact) gives exactly cJSON_PrintUnformatted's bytes, on the
 * API's example bodies and on 20,000 random objects with every kind of
 * value, escape, number and nesting.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "codec.h"
#include "model.h"
#include "../tap.h"

static unsigned long long rng = 88172645463325252ULL;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* A JSON string literal: ASCII, every escape, control bytes, UTF-8. */
static void
gen_string(struct buf *b)
{
	static const char *const pieces[] = { "a", "Zoë", "\\\"", "\\\\",
	    "\\/", "\\b", "\\f", "\\n", "\\r", "\\t", "\\u0001", "\\u001f",
	    "\\u00e9", "\\u20ac", "\\ud83d\\ude00", "日本", "\xf0\x9f\x98\x80",
	    " ", "x y", "\\u007f", "\x7f", "é" };
	unsigned n = rnd(8);

	buf_putc(b, '"');
	for (unsigned i = 0; i < n; i++)
		buf_puts(b, pieces[rnd(sizeof pieces / sizeof *pieces)]);
	buf_putc(b, '"');
}

static void
gen_number(struct buf *b)
{
	static const char *const nums[] = { "0", "-0", "1", "-1", "42",
	    "2147483647", "-2147483648", "2147483648", "1656634324911",
	    "1e3", "1E-7", "3.14159", "-2.5e+300", "0.1", "1.0",
	    "123456789012345678901234567890", "9007199254740993",
	    "1.7976931348623157e308", "5e-324", "0.30000000000000004" };

	buf_puts(b, nums[rnd(sizeof nums / sizeof *nums)]);
}

static void gen_value(struct buf *b, int depth);

static void
gen_container(struct buf *b, int depth, int object)
{
	unsigned n = rnd(depth > 3 ? 2 : 6);

	buf_putc(b, object ? '{' : '[');
	for (unsigned i = 0; i < n; i++) {
		if (i)
			buf_puts(b, rnd(4) ? "," : " , ");
		if (object) {
			gen_string(b);
			buf_putc(b, ':');
		}
		gen_value(b, depth + 1);
	}
	buf_putc(b, object ? '}' : ']');
}

static void
gen_value(struct buf *b, int depth)
{
	switch (rnd(depth > 4 ? 6 : 8)) {
	case 0: buf_puts(b, "null"); break;
	case 1: buf_puts(b, "true"); break;
	case 2: buf_puts(b, "false"); break;
	case 3: case 4: gen_string(b); break;
	case 5: gen_number(b); break;
	case 6: gen_container(b, depth, 0); break;
	default: gen_container(b, depth, 1); break;
	}
}

/* 1 when the codec's raw of json equals cJSON's own printing of it. */
static int
same_as_cjson(const char *json, char **got_out, char **want_out)
{
	struct contact ct;
	struct err e;
	cJSON *root = cJSON_Parse(json);
	char *want = root != NULL ? cJSON_PrintUnformatted(root) : NULL;
	int same;

	cJSON_Delete(root);
	memset(&ct, 0, sizeof ct);
	if (want == NULL || codec_contact(json, strlen(json), &ct, &e) != 0) {
		*got_out = NULL;
		*want_out = want;
		contact_free(&ct);
		return want == NULL;	/* neither takes it: nothing to compare */
	}
	same = ct.raw != NULL && strcmp(ct.raw, want) == 0;
	*got_out = ct.raw;
	ct.raw = NULL;
	*want_out = want;
	contact_free(&ct);
	return same;
}

static void
test_random(void)
{
	int bad = 0, compared = 0;

	for (int i = 0; i < 20000; i++) {
		struct buf b;
		char *got, *want;

		buf_init(&b, 0);
		buf_puts(&b, "{\"id\":\"c1\"");
		for (unsigned k = rnd(6); k > 0; k--) {
			buf_putc(&b, ',');
			gen_string(&b);
			buf_putc(&b, ':');
			gen_value(&b, 1);
		}
		buf_putc(&b, '}');
		if (!same_as_cjson(buf_str(&b), &got, &want)) {
			if (bad++ < 3)
				printf("# differs on %s:\n#  codec %s\n#  cJSON %s\n",
				    buf_str(&b), got ? got : "(null)",
				    want ? want : "(null)");
		}
		compared += got != NULL;
		free(got);
		cJSON_free(want);
		buf_free(&b);
	}
	ok(bad == 0, "20,000 random objects print as cJSON prints them "
	    "(%d differ)", bad);
	ok(compared > 15000, "most of them were decoded and compared (%d)",
	    compared);
}

static void
test_examples(void)
{
	const char *data = getenv("DATA_DIR");
	char dir[900];
	const char *files[] = { "get_contact.json", "search_contacts.json",
	    "upsert_contact.json", "create_contact.json" };
	char path[1024];
	int bad = 0, n = 0;

	snprintf(dir, sizeof dir, "%s/api", data != NULL ? data :
	    "tests/data");
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		FILE *fp;
		char *body, *got, *want;
		long len;
		cJSON *root, *it, *arr;

		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		if ((fp = fopen(path, "rb")) == NULL)
			continue;
		fseek(fp, 0, SEEK_END);
		len = ftell(fp);
		rewind(fp);
		body = calloc(1, (size_t)len + 1);
		if (fread(body, 1, (size_t)len, fp) != (size_t)len)
			len = 0;
		fclose(fp);
		root = cJSON_Parse(body);
		arr = cJSON_GetObjectItem(root, "contacts");
		it = arr != NULL ? arr->child : cJSON_GetObjectItem(root,
		    "contact");
		for (; it != NULL; it = arr != NULL ? it->next : NULL) {
			char *one = cJSON_PrintUnformatted(it);

			if (!same_as_cjson(one, &got, &want))
				bad++;
			n++;
			free(got);
			cJSON_free(want);
			cJSON_free(one);
		}
		cJSON_Delete(root);
		free(body);
	}
	ok(n >= 3 && bad == 0, "the API's example contacts print as cJSON "
	    "prints them (%d of %d differ)", bad, n);
}

int
main(void)
{
	test_random();
	test_examples();
	return tap_done();
}
