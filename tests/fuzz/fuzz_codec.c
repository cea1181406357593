/*
 * fuzz_codec.c: libFuzzer harness feeding one input to every decoder and
 * raw-JSON helper of the codec.  The input is passed without a terminating
 * NUL (decoders take a length), so ASan catches any read past the end.
 * Build: configure --enable-fuzzing CC=clang; run: tests/fuzz/fuzz_codec
 * -max_len=65536 $(srcdir)/tests/data/api
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "codec.h"
#include "err.h"
#include "model.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The codec prints raw JSON with its own printer, which must give
 * cJSON_PrintUnformatted's bytes: cJSON printing the raw's own parse has
 * to give the raw back.
 */
static void
raw_as_cjson_prints(const char *raw)
{
	cJSON *t = cJSON_Parse(raw);
	char *p = t != NULL ? cJSON_PrintUnformatted(t) : NULL;

	if (p == NULL || strcmp(p, raw) != 0)
		abort();
	cJSON_free(p);
	cJSON_Delete(t);
}

static void
raw_helpers(const char *s)
{
	static const char *const keys[] = { "id", "firstName", "tags", NULL };
	char *m, *q;

	m = codec_merge(s, s);
	free(m);
	m = codec_merge("{\"id\":\"x\",\"tags\":[]}", s);
	free(m);
	m = codec_with_nulls(s, keys);
	free(m);
	m = codec_get_string(s, "id");
	free(m);
	m = codec_get_json(s, "tags");
	free(m);
	q = codec_quote(s);
	if (!codec_valid(q, strlen(q)))
		abort();	/* a quoted string must always be valid JSON */
	free(q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *json;
	char *copy, msg[256];
	struct contact c;
	struct task t, *tv;
	struct note n, *nv;
	struct appt a, *av;
	struct strv sv = { NULL, 0 };
	struct contact_page pg;
	struct oauth_token tok;
	struct webhook_event wh;
	struct err e;
	enum tri tr;
	size_t cnt;

	/* An exact-size heap copy: no NUL after the last byte. */
	copy = xmalloc(size > 0 ? size : 1);
	memcpy(copy, data, size);
	json = copy;

	if (codec_contact(json, size, &c, &e) == 0) {
		if (c.raw != NULL)
			raw_as_cjson_prints(c.raw);
		contact_free(&c);
	}
	if (codec_task(json, size, &t, &e) == 0)
		task_free(&t);
	if (codec_note(json, size, &n, &e) == 0)
		note_free(&n);
	if (codec_appt(json, size, &a, &e) == 0)
		appt_free(&a);
	if (codec_contact_response(json, size, &c, &e) == 0)
		contact_free(&c);
	if (codec_upsert_response(json, size, &c, &tr, &e) == 0)
		contact_free(&c);
	if (codec_task_response(json, size, &t, &e) == 0)
		task_free(&t);
	if (codec_note_response(json, size, &n, &e) == 0)
		note_free(&n);
	if (codec_tasks_response(json, size, &tv, &cnt, &e) == 0)
		tasks_free(tv, cnt);
	if (codec_notes_response(json, size, &nv, &cnt, &e) == 0)
		notes_free(nv, cnt);
	if (codec_events_response(json, size, &av, &cnt, &e) == 0)
		appts_free(av, cnt);
	if (codec_tags_response(json, size, &sv, &e) == 0)
		strv_free(&sv);
	(void)codec_succeeded(json, size, &tr, &e);
	if (codec_search_page(json, size, &pg, &e) == 0)
		contact_page_free(&pg);
	if (codec_list_page(json, size, &pg, &e) == 0)
		contact_page_free(&pg);
	if (codec_business_page(json, size, &pg, &e) == 0)
		contact_page_free(&pg);
	(void)codec_error_message(json, size, msg, sizeof msg);
	if (codec_oauth_token(json, size, &tok, &e) == 0)
		oauth_token_free(&tok);
	if (codec_webhook(json, size, &wh, &e) == 0)
		webhook_event_free(&wh);
	(void)codec_valid(json, size);
	free(copy);

	/* The string helpers take NUL-terminated text. */
	copy = xmalloc(size + 1);
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (strlen(copy) == size)
		raw_helpers(copy);
	free(copy);
	return 0;
}
