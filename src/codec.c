/*
 * codec.c: cJSON <-> the structs of model.h, for API responses, webhooks
 * and OAuth tokens, plus request-body encoders and raw-JSON helpers.  The
 * only file of the core that includes cJSON; a cJSON tree never leaves it.
 * Decoders are lenient about types (CONTRACT §1.5) and strict about syntax.
 */
#include "config.h"
#include "codec.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "buf.h"
#include "xmalloc.h"

/* cJSON reports allocation failure as NULL; the core aborts on OOM. */
static cJSON *
need(cJSON *p)
{
	if (p == NULL)
		fatalx("codec: out of memory");
	return p;
}

/*
 * cJSON allocates through these hooks.  While cj_arena is set (dec_page
 * with a scratch arena) the nodes of the tree come from the arena and
 * freeing them is a no-op: a page of 500 contacts was some 100,000
 * malloc/free pairs.  Everything else goes to malloc/free, so the hooks
 * can be installed before main() and shared by every thread.
 */
static _Thread_local struct arena *cj_arena;

static void *
cj_malloc(size_t n)
{
	return cj_arena != NULL ? arena_alloc(cj_arena, n) : malloc(n);
}

static void
cj_free(void *p)
{
	if (p != NULL && cj_arena != NULL && arena_owns(cj_arena, p))
		return;
	free(p);
}

__attribute__((constructor)) static void
codec_hooks(void)
{
	cJSON_Hooks h = { cj_malloc, cj_free };

	cJSON_InitHooks(&h);
}

/*
 * The compact JSON text of a tree, byte for byte what cJSON_PrintUnformatted
 * gives (tests/unit/test_codec_print.c compares them) in fewer than half
 * its instructions: a full sync prints every contact (its raw) on the
 * fetch thread.  Strings are copied in runs, not looked at twice; room is
 * made once per value.  Numbers that are not integers below 10^15 are
 * printed by cJSON itself.  -1 on a type it does not know.
 */
struct out {
	char	*s, *p, *end;
};

static void
out_room(struct out *o, size_t n)
{
	size_t len, cap;

	if ((size_t)(o->end - o->p) >= n)
		return;
	len = (size_t)(o->p - o->s);
	cap = (size_t)(o->end - o->s) * 2 + n + 256;
	o->s = xrealloc(o->s, cap);
	o->p = o->s + len;
	o->end = o->s + cap;
}

static void
out_put(struct out *o, const char *s, size_t n)
{
	out_room(o, n);
	memcpy(o->p, s, n);
	o->p += n;
}

static void
put_string(struct out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t n = strlen((const char *)p);
	char *w;

	/* Worst case: every byte a six-byte \u escape, and the quotes. */
	out_room(o, 6 * n + 2);
	w = o->p;
	*w++ = '"';
	for (; *p != '\0'; p++) {
		if (*p > 31 && *p != '"' && *p != '\\') {
			*w++ = (char)*p;
			continue;
		}
		*w++ = '\\';
		switch (*p) {
		case '"':
		case '\\':
			*w++ = (char)*p;
			break;
		case '\b':
			*w++ = 'b';
			break;
		case '\f':
			*w++ = 'f';
			break;
		case '\n':
			*w++ = 'n';
			break;
		case '\r':
			*w++ = 'r';
			break;
		case '\t':
			*w++ = 't';
			break;
		default:
			*w++ = 'u';
			*w++ = '0';
			*w++ = '0';
			*w++ = "0123456789abcdef"[*p >> 4];
			*w++ = "0123456789abcdef"[*p & 15];
			break;
		}
	}
	*w++ = '"';
	o->p = w;
}

static int
put_number(struct out *o, const cJSON *it)
{
	double d = it->valuedouble;
	char num[64];
	long long v;
	int n;

	/* An integer below 10^15 prints as its digits ("%d" or "%1.15g"
	 * in cJSON); -0 keeps its sign there, so it goes to cJSON. */
	if (d > -1e15 && d < 1e15 && d == (double)(long long)d &&
	    !(d == 0 && signbit(d)))
		v = (long long)d;
	else if (cJSON_PrintPreallocated((cJSON *)it, num, sizeof num, 0)) {
		out_put(o, num, strlen(num));
		return 0;
	} else
		return -1;
	n = snprintf(num, sizeof num, "%lld", v);
	out_put(o, num, (size_t)n);
	return 0;
}

static int
put_value(struct out *o, const cJSON *it)
{
	const cJSON *c;
	int object;

	switch (it->type & 0xff) {
	case cJSON_NULL:
		out_put(o, "null", 4);
		return 0;
	case cJSON_False:
		out_put(o, "false", 5);
		return 0;
	case cJSON_True:
		out_put(o, "true", 4);
		return 0;
	case cJSON_Number:
		return put_number(o, it);
	case cJSON_String:
		put_string(o, it->valuestring);
		return 0;
	case cJSON_Raw:
		if (it->valuestring == NULL)
			return -1;
		out_put(o, it->valuestring, strlen(it->valuestring));
		return 0;
	case cJSON_Array:
	case cJSON_Object:
		object = (it->type & 0xff) == cJSON_Object;
		out_put(o, object ? "{" : "[", 1);
		for (c = it->child; c != NULL; c = c->next) {
			if (c != it->child)
				out_put(o, ",", 1);
			if (object) {
				put_string(o, c->string);
				out_put(o, ":", 1);
			}
			if (put_value(o, c) != 0)
				return -1;
		}
		out_put(o, object ? "}" : "]", 1);
		return 0;
	default:
		return -1;
	}
}

/* Printed text is the caller's to free(): never from the arena. */
static char *
print(const cJSON *o)
{
	struct arena *saved = cj_arena;
	struct out w = { NULL, NULL, NULL };
	char *s;

	if (put_value(&w, o) == 0) {
		out_put(&w, "", 1);
		return w.s;
	}
	free(w.s);
	cj_arena = NULL;
	s = cJSON_PrintUnformatted(o);
	cj_arena = saved;
	if (s == NULL)
		fatalx("codec: out of memory printing JSON");
	return s;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0';
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/*
 * A copy of json/len with every byte that is not part of valid UTF-8
 * replaced by U+FFFD, NUL-terminated, or NULL when json is valid UTF-8.
 * Keeps invalid text the server sent out of the cache and --json output.
 */
static char *
utf8_repair(const char *json, size_t len, size_t *outlen)
{
	const unsigned char *u = (const unsigned char *)json;
	struct buf b;
	size_t i, k;

	for (i = 0; i < len; i += k) {
		uint64_t w;

		/* Eight ASCII bytes at a time: most of a body. */
		if (len - i >= 8) {
			memcpy(&w, u + i, 8);
			if ((w & 0x8080808080808080ULL) == 0) {
				k = 8;
				continue;
			}
		}
		if ((k = utf8_seq(u + i, len - i)) == 0)
			break;
	}
	if (i == len)
		return NULL;
	buf_init(&b, 0);
	buf_append(&b, json, i);
	while (i < len) {
		k = utf8_seq(u + i, len - i);
		if (k == 0) {
			buf_append(&b, "\xef\xbf\xbd", 3);
			i++;
		} else {
			buf_append(&b, json + i, k);
			i += k;
		}
	}
	*outlen = b.len;
	return buf_take(&b);
}

/* 1 if s (n bytes left) starts with the escape \u0000. */
static int
is_nul_escape(const char *s, size_t n)
{
	return n >= 6 && s[0] == '\\' && s[1] == 'u' && s[2] == '0' &&
	    s[3] == '0' && s[4] == '0' && s[5] == '0';
}

/*
 * A copy of json/len with every \u0000 escape inside a JSON string turned
 * into \ufffd, NUL-terminated, or NULL when there is none.  cJSON would
 * decode \u0000 to a NUL byte and every C string after it would end
 * there, silently cutting a name, tag or note; U+FFFD keeps the rest and
 * marks the spot, as for invalid UTF-8.  Escaped backslashes ("\\u0000"
 * is text, not a NUL) are skipped correctly; the JSON is not validated.
 */
static char *
nul_repair(const char *json, size_t len, size_t *outlen)
{
	const char *p = json, *end = json + len;
	char *out = NULL;

	/* A backslash outside a string is not JSON: the parse fails
	 * anyway, so every backslash can be taken as an escape. */
	while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
		if (is_nul_escape(p, (size_t)(end - p))) {
			if (out == NULL) {
				out = xmalloc(len + 1);
				memcpy(out, json, len);
				out[len] = '\0';
			}
			memcpy(out + (p - json) + 2, "fffd", 4);
			p += 6;
		} else {
			p += 2;	/* the escaped character */
		}
		if (p >= end)
			break;
	}
	if (out != NULL)
		*outlen = len;
	return out;
}

/*
 * Parse one complete JSON value from json/len (not necessarily
 * NUL-terminated).  Trailing whitespace (or NULs) is allowed, anything else
 * is an error.  Returns the tree, or NULL with e filled.
 */
static cJSON *
parse_any(const char *json, size_t len, struct err *e)
{
	const char *end = NULL;
	cJSON *root;
	char *fixed;
	size_t off, flen = 0;

	if (json == NULL || len == 0) {
		err_set(e, ERR_PARSE, "empty body, expected JSON");
		return NULL;
	}
	fixed = utf8_repair(json, len, &flen);
	if (fixed == NULL)
		fixed = nul_repair(json, len, &flen);
	if (fixed != NULL) {
		root = parse_any(fixed, flen, e);
		free(fixed);
		return root;
	}
	root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
	if (root == NULL) {
		off = (end != NULL && end >= json) ? (size_t)(end - json) : 0;
		if (off + 1 >= len)
			err_set(e, ERR_PARSE, "truncated JSON (ends after %zu "
			    "bytes)", len);
		else
			err_set(e, ERR_PARSE, "not valid JSON (at byte %zu of "
			    "%zu)", off, len);
		return NULL;
	}
	off = (end != NULL && end >= json) ? (size_t)(end - json) : len;
	for (; off < len; off++) {
		if (!is_blank(json[off])) {
			cJSON_Delete(root);
			err_set(e, ERR_PARSE, "unexpected data after JSON (at "
			    "byte %zu)", off);
			return NULL;
		}
	}
	return root;
}

/* As parse_any, but the value must be an object. */
static cJSON *
parse_object(const char *json, size_t len, struct err *e)
{
	cJSON *root;

	root = parse_any(json, len, e);
	if (root != NULL && !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		err_set(e, ERR_PARSE, "expected a JSON object");
		return NULL;
	}
	return root;
}

static const cJSON *
field(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* Text of a number: integers without a fraction, others exactly. */
static char *
number_text(double d)
{
	if (!isfinite(d))
		return NULL;
	if (d == floor(d) && fabs(d) < 9007199254740992.0)
		return xasprintf("%.0f", d);
	return xasprintf("%.17g", d);
}

/* A scalar as a new string: strings as-is, numbers and booleans as text. */
static char *
scalar_text(const cJSON *it)
{
	if (cJSON_IsString(it) && it->valuestring != NULL)
		return xstrdup(it->valuestring);
	if (cJSON_IsNumber(it))
		return number_text(it->valuedouble);
	if (cJSON_IsTrue(it))
		return xstrdup("true");
	if (cJSON_IsFalse(it))
		return xstrdup("false");
	return NULL;
}

static char *
str_field(const cJSON *o, const char *key)
{
	return scalar_text(field(o, key));
}

static enum tri
tri_of(const cJSON *it)
{
	const char *s;

	if (cJSON_IsTrue(it))
		return TRI_TRUE;
	if (cJSON_IsFalse(it))
		return TRI_FALSE;
	if (cJSON_IsNumber(it) && !isnan(it->valuedouble))
		return it->valuedouble != 0 ? TRI_TRUE : TRI_FALSE;
	if (cJSON_IsString(it) && it->valuestring != NULL) {
		s = it->valuestring;
		if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0)
			return TRI_TRUE;
		if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0)
			return TRI_FALSE;
	}
	return TRI_UNSET;
}

/* A whole number from a number or a numeric string, else dflt. */
static long long
int_of(const cJSON *it, long long dflt)
{
	char *end;
	double d;
	long long v;

	if (cJSON_IsNumber(it)) {
		d = it->valuedouble;
		if (!isfinite(d) || d >= 9.2e18 || d <= -9.2e18)
			return dflt;
		return (long long)d;
	}
	if (cJSON_IsString(it) && it->valuestring != NULL &&
	    it->valuestring[0] != '\0') {
		v = strtoll(it->valuestring, &end, 10);
		if (*end == '\0')
			return v;
	}
	return dflt;
}

static long
long_of(const cJSON *it, long dflt)
{
	long long v;

	v = int_of(it, dflt);
	if (v > LONG_MAX || v < LONG_MIN)
		return dflt;
	return (long)v;
}

/* Tags: an array of scalars (nulls skipped), or a lone string. */
static void
strv_of(const cJSON *it, struct strv *sv)
{
	const cJSON *t;
	char *s;

	sv->v = NULL;
	sv->n = 0;
	if (cJSON_IsString(it) && it->valuestring != NULL) {
		strv_push(sv, it->valuestring);
		return;
	}
	if (!cJSON_IsArray(it))
		return;
	cJSON_ArrayForEach(t, it) {
		s = scalar_text(t);
		if (s == NULL)
			continue;
		strv_push(sv, s);
		free(s);
	}
}

/* Entity decoders: o is an object; *out is overwritten. */

static void
dec_contact(const cJSON *o, struct contact *c)
{
	memset(c, 0, sizeof *c);
	c->id = str_field(o, "id");
	c->location_id = str_field(o, "locationId");
	c->first_name = str_field(o, "firstName");
	c->last_name = str_field(o, "lastName");
	c->name = str_field(o, "name");
	if (c->name == NULL)
		c->name = str_field(o, "contactName");
	c->email = str_field(o, "email");
	c->phone = str_field(o, "phone");
	c->company_name = str_field(o, "companyName");
	c->date_added = str_field(o, "dateAdded");
	c->date_updated = str_field(o, "dateUpdated");
	c->dnd = tri_of(field(o, "dnd"));
	strv_of(field(o, "tags"), &c->tags);
	c->raw = print(o);
}

static void
dec_task(const cJSON *o, struct task *t)
{
	memset(t, 0, sizeof *t);
	t->id = str_field(o, "id");
	t->contact_id = str_field(o, "contactId");
	t->title = str_field(o, "title");
	t->body = str_field(o, "body");
	t->assigned_to = str_field(o, "assignedTo");
	t->due_date = str_field(o, "dueDate");
	t->completed = tri_of(field(o, "completed"));
	t->raw = print(o);
}

static void
dec_note(const cJSON *o, struct note *n)
{
	memset(n, 0, sizeof *n);
	n->id = str_field(o, "id");
	n->contact_id = str_field(o, "contactId");
	n->body = str_field(o, "body");
	n->user_id = str_field(o, "userId");
	n->title = str_field(o, "title");
	n->color = str_field(o, "color");
	n->date_added = str_field(o, "dateAdded");
	n->pinned = tri_of(field(o, "pinned"));
	n->raw = print(o);
}

static void
dec_appt(const cJSON *o, struct appt *a)
{
	memset(a, 0, sizeof *a);
	a->id = str_field(o, "id");
	a->contact_id = str_field(o, "contactId");
	a->calendar_id = str_field(o, "calendarId");
	a->title = str_field(o, "title");
	a->status = str_field(o, "status");
	a->appointment_status = str_field(o, "appointmentStatus");
	a->start_time = str_field(o, "startTime");
	a->end_time = str_field(o, "endTime");
	a->address = str_field(o, "address");
	a->notes = str_field(o, "notes");
	a->raw = print(o);
}

/*
 * Limits (codec.h): one string field of a decoded object.  kind and id
 * name the object in the message; the id is cut to 64 bytes there.
 */
struct limit {
	const char	*name;		/* the API's field name */
	const char	*value;
	size_t		 max;
};

static int
check_fields(const char *kind, const char *id, const struct limit *l,
    size_t n, struct err *e)
{
	size_t len;

	for (size_t i = 0; i < n; i++) {
		if (l[i].value == NULL)
			continue;
		len = strlen(l[i].value);
		if (len > l[i].max)
			return err_set(e, ERR_INVALID, "%s %.64s: %s: %zu "
			    "bytes, over the limit of %zu", kind,
			    id != NULL ? id : "(no id)", l[i].name, len,
			    l[i].max);
	}
	return 0;
}

static int
check_contact(const struct contact *c, struct err *e)
{
	const struct limit l[] = {
		{ "id", c->id, CODEC_MAX_FIELD },
		{ "locationId", c->location_id, CODEC_MAX_FIELD },
		{ "firstName", c->first_name, CODEC_MAX_FIELD },
		{ "lastName", c->last_name, CODEC_MAX_FIELD },
		{ "name", c->name, CODEC_MAX_FIELD },
		{ "email", c->email, CODEC_MAX_FIELD },
		{ "phone", c->phone, CODEC_MAX_FIELD },
		{ "companyName", c->company_name, CODEC_MAX_FIELD },
		{ "dateAdded", c->date_added, CODEC_MAX_FIELD },
		{ "dateUpdated", c->date_updated, CODEC_MAX_FIELD },
	};
	const char *id = c->id != NULL ? c->id : "(no id)";
	size_t len;
	int rc;

	rc = check_fields("contact", c->id, l, nitems(l), e);
	if (rc)
		return rc;
	if (c->tags.n > CODEC_MAX_TAGS)
		return err_set(e, ERR_INVALID, "contact %.64s: tags: %zu tags, "
		    "over the limit of %d", id, c->tags.n, CODEC_MAX_TAGS);
	for (size_t i = 0; i < c->tags.n; i++) {
		len = strlen(c->tags.v[i]);
		if (len > CODEC_MAX_FIELD)
			return err_set(e, ERR_INVALID, "contact %.64s: tags[%zu]: "
			    "%zu bytes, over the limit of %d", id, i, len,
			    CODEC_MAX_FIELD);
	}
	return 0;
}

static int
check_task(const struct task *t, struct err *e)
{
	const struct limit l[] = {
		{ "id", t->id, CODEC_MAX_FIELD },
		{ "contactId", t->contact_id, CODEC_MAX_FIELD },
		{ "title", t->title, CODEC_MAX_FIELD },
		{ "body", t->body, CODEC_MAX_TEXT },
		{ "assignedTo", t->assigned_to, CODEC_MAX_FIELD },
		{ "dueDate", t->due_date, CODEC_MAX_FIELD },
	};

	return check_fields("task", t->id, l, nitems(l), e);
}

static int
check_note(const struct note *n, struct err *e)
{
	const struct limit l[] = {
		{ "id", n->id, CODEC_MAX_FIELD },
		{ "contactId", n->contact_id, CODEC_MAX_FIELD },
		{ "body", n->body, CODEC_MAX_TEXT },
		{ "userId", n->user_id, CODEC_MAX_FIELD },
		{ "title", n->title, CODEC_MAX_FIELD },
		{ "color", n->color, CODEC_MAX_FIELD },
		{ "dateAdded", n->date_added, CODEC_MAX_FIELD },
	};

	return check_fields("note", n->id, l, nitems(l), e);
}

static int
check_appt(const struct appt *a, struct err *e)
{
	const struct limit l[] = {
		{ "id", a->id, CODEC_MAX_FIELD },
		{ "contactId", a->contact_id, CODEC_MAX_FIELD },
		{ "calendarId", a->calendar_id, CODEC_MAX_FIELD },
		{ "title", a->title, CODEC_MAX_FIELD },
		{ "status", a->status, CODEC_MAX_FIELD },
		{ "appointmentStatus", a->appointment_status,
		  CODEC_MAX_FIELD },
		{ "startTime", a->start_time, CODEC_MAX_FIELD },
		{ "endTime", a->end_time, CODEC_MAX_FIELD },
		{ "address", a->address, CODEC_MAX_FIELD },
		{ "notes", a->notes, CODEC_MAX_TEXT },
	};

	return check_fields("appointment", a->id, l, nitems(l), e);
}

/* Type-erased entity operations for the list and wrapper helpers. */
struct entity_ops {
	size_t	  size;
	void	(*dec)(const cJSON *, void *);
	int	(*check)(const void *, struct err *);
	void	(*free)(void *);
};

static void dec_contact_v(const cJSON *o, void *p) { dec_contact(o, p); }
static void dec_task_v(const cJSON *o, void *p) { dec_task(o, p); }
static void dec_note_v(const cJSON *o, void *p) { dec_note(o, p); }
static void dec_appt_v(const cJSON *o, void *p) { dec_appt(o, p); }
static int check_contact_v(const void *p, struct err *e)
{ return check_contact(p, e); }
static int check_task_v(const void *p, struct err *e)
{ return check_task(p, e); }
static int check_note_v(const void *p, struct err *e)
{ return check_note(p, e); }
static int check_appt_v(const void *p, struct err *e)
{ return check_appt(p, e); }
static void free_contact_v(void *p) { contact_free(p); }
static void free_task_v(void *p) { task_free(p); }
static void free_note_v(void *p) { note_free(p); }
static void free_appt_v(void *p) { appt_free(p); }

static const struct entity_ops contact_ops = {
	.size = sizeof(struct contact), .dec = dec_contact_v,
	.check = check_contact_v, .free = free_contact_v,
};
static const struct entity_ops task_ops = {
	.size = sizeof(struct task), .dec = dec_task_v,
	.check = check_task_v, .free = free_task_v,
};
static const struct entity_ops note_ops = {
	.size = sizeof(struct note), .dec = dec_note_v,
	.check = check_note_v, .free = free_note_v,
};
static const struct entity_ops appt_ops = {
	.size = sizeof(struct appt), .dec = dec_appt_v,
	.check = check_appt_v, .free = free_appt_v,
};

/*
 * Decode the array root[key] into a new array.  Absent or null is empty.
 * More than max objects, or one over a field limit, is ERR_INVALID.
 */
static int
dec_list(const cJSON *root, const char *key, const struct entity_ops *ops,
    size_t max, void **v, size_t *n, size_t *skipped, struct err *e)
{
	const cJSON *arr, *it;
	unsigned char *out = NULL;
	size_t cnt = 0, i = 0;
	int rc;

	*v = NULL;
	*n = 0;
	arr = field(root, key);
	if (arr == NULL || cJSON_IsNull(arr))
		return 0;
	if (!cJSON_IsArray(arr))
		return err_set(e, ERR_PARSE, "%s: expected an array", key);
	cJSON_ArrayForEach(it, arr) {
		if (cJSON_IsNull(it)) {
			i++;
			continue;
		}
		if (!cJSON_IsObject(it))
			return err_set(e, ERR_PARSE, "%s[%zu]: expected an "
			    "object", key, i);
		cnt++;
		i++;
	}
	if (cnt == 0)
		return 0;
	if (cnt > max)
		return err_set(e, ERR_INVALID, "%s: %zu items in one page, over "
		    "the limit of %zu", key, cnt, max);
	out = xcalloc(cnt, ops->size);
	i = 0;
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsObject(it))
			continue;
		ops->dec(it, out + i * ops->size);
		i++;
	}
	for (i = 0; i < cnt; i++) {
		struct err ie;

		err_clear(&ie);
		rc = ops->check(out + i * ops->size, &ie);
		if (rc == 0)
			continue;
		if (skipped == NULL) {
			if (e != NULL)
				*e = ie;
			for (size_t j = 0; j < cnt; j++)
				ops->free(out + j * ops->size);
			free(out);
			return rc;
		}
		/* A page goes on without the item; the first one's reason
		 * is kept in e for the caller to report. */
		if (*skipped == 0 && e != NULL)
			*e = ie;
		(*skipped)++;
		ops->free(out + i * ops->size);
		memmove(out + i * ops->size, out + (i + 1) * ops->size,
		    (cnt - i - 1) * ops->size);
		cnt--;
		i--;
	}
	if (cnt == 0) {
		free(out);
		out = NULL;
	}
	*v = out;
	*n = cnt;
	return 0;
}

/* Check a freshly decoded object against the limits; on failure free it
 * and leave it zeroed. */
static int
decoded(const struct entity_ops *ops, void *out, struct err *e)
{
	int rc;

	rc = ops->check(out, e);
	if (rc) {
		ops->free(out);
		memset(out, 0, ops->size);
	}
	return rc;
}

/* Decode the object root[key] into *out.  Absent, null or another type is
 * an error: a wrapper response without its entity is not what we expect. */
static int
dec_wrapped(const cJSON *root, const char *key, const struct entity_ops *ops,
    void *out, struct err *e)
{
	const cJSON *o;

	memset(out, 0, ops->size);
	o = field(root, key);
	if (o == NULL || cJSON_IsNull(o))
		return err_set(e, ERR_PARSE, "%s: missing", key);
	if (!cJSON_IsObject(o))
		return err_set(e, ERR_PARSE, "%s: expected an object", key);
	ops->dec(o, out);
	return decoded(ops, out, e);
}

static int
bare(const char *json, size_t len, const struct entity_ops *ops, void *out,
    struct err *e)
{
	cJSON *root;

	memset(out, 0, ops->size);
	root = parse_object(json, len, e);
	if (root == NULL)
		return ERR_PARSE;
	ops->dec(root, out);
	cJSON_Delete(root);
	return decoded(ops, out, e);
}

static int
wrapped(const char *json, size_t len, const char *key,
    const struct entity_ops *ops, void *out, struct err *e)
{
	cJSON *root;
	int rc;

	memset(out, 0, ops->size);
	root = parse_object(json, len, e);
	if (root == NULL)
		return ERR_PARSE;
	rc = dec_wrapped(root, key, ops, out, e);
	cJSON_Delete(root);
	return rc;
}

static int
listed(const char *json, size_t len, const char *key,
    const struct entity_ops *ops, void **v, size_t *n, struct err *e)
{
	cJSON *root;
	int rc;

	*v = NULL;
	*n = 0;
	root = parse_object(json, len, e);
	if (root == NULL)
		return ERR_PARSE;
	rc = dec_list(root, key, ops, (size_t)-1, v, n, NULL, e);
	cJSON_Delete(root);
	return rc;
}

int
codec_contact(const char *json, size_t len, struct contact *out,
    struct err *e)
{
	return bare(json, len, &contact_ops, out, e);
}

int
codec_task(const char *json, size_t len, struct task *out, struct err *e)
{
	return bare(json, len, &task_ops, out, e);
}

int
codec_note(const char *json, size_t len, struct note *out, struct err *e)
{
	return bare(json, len, &note_ops, out, e);
}

int
codec_appt(const char *json, size_t len, struct appt *out, struct err *e)
{
	return bare(json, len, &appt_ops, out, e);
}

int
codec_contact_response(const char *json, size_t len, struct contact *out,
    struct err *e)
{
	return wrapped(json, len, "contact", &contact_ops, out, e);
}

int
codec_upsert_response(const char *json, size_t len, struct contact *out,
    enum tri *is_new, struct err *e)
{
	cJSON *root;
	int rc;

	memset(out, 0, sizeof *out);
	if (is_new != NULL)
		*is_new = TRI_UNSET;
	root = parse_object(json, len, e);
	if (root == NULL)
		return ERR_PARSE;
	rc = dec_wrapped(root, "contact", &contact_ops, out, e);
	if (rc == 0 && is_new != NULL)
		*is_new = tri_of(field(root, "new"));
	cJSON_Delete(root);
	return rc;
}

int
codec_task_response(const char *json, size_t len, struct task *out,
    struct err *e)
{
	return wrapped(json, len, "task", &task_ops, out, e);
}

int
codec_tasks_response(const char *json, size_t len, struct task **v,
    size_t *n, struct err *e)
{
	void *p;
	int rc;

	rc = listed(json, len, "tasks", &task_ops, &p, n, e);
	*v = p;
	return rc;
}

int
codec_note_response(const char *json, size_t len, struct note *out,
    struct err *e)
{
	return wrapped(json, len, "note", &note_ops, out, e);
}

int
codec_notes_response(const char *json, size_t len, struct note **v,
    size_t *n, struct err *e)
{
	void *p;
	int rc;

	rc = listed(json, len, "notes", &note_ops, &p, n, e);
	*v = p;
	return rc;
}

int
codec_events_response(const char *json, size_t len, struct appt **v,
    size_t *n, struct err *e)
{
	void *p;
	int rc;

	rc = listed(json, len, "events", &appt_ops, &p, n, e);
	*v = p;
	return rc;
}

int
codec_tags_response(const char *json, size_t len, struct strv *out,
    struct err *e)
{
	const cJSON *tags;
	cJSON *root;
	int rc = 0;

	out->v = NULL;
	out->n = 0;
	root = parse_object(json, len, e);
	if (root == NULL)
		return ERR_PARSE;
	tags = field(root, "tags");
	if (tags != NULL && !cJSON_IsNull(tags) && !cJSON_IsArray(tags))
		rc = err_set(e, ERR_PARSE, "tags: expected an array");
	else if (cJSON_GetArraySize(tags) > CODEC_MAX_TAGS)
		rc = err_set(e, ERR_INVALID, "tags: %d tags, over the limit "
		    "of %d", cJSON_GetArraySize(tags), CODEC_MAX_TAGS);
	else
		strv_of(tags, out);
	for (size_t i = 0; rc == 0 && i < out->n; i++)
		if (strlen(out->v[i]) > CODEC_MAX_FIELD)
			rc = err_set(e, ERR_INVALID, "tags[%zu]: %zu bytes, "
			    "over the limit of %d", i, strlen(out->v[i]),
			    CODEC_MAX_FIELD);
	if (rc)
		strv_free(out);
	cJSON_Delete(root);
	return rc;
}

int
codec_succeeded(const char *json, size_t len, enum tri *ok, struct err *e)
{
	static const char *const keys[] = { "succeded", "succeeded",
	    "success" };
	cJSON *root;
	enum tri t;

	*ok = TRI_UNSET;
	root = parse_object(json, len, e);
	if (root == NULL)
		return ERR_PARSE;
	for (size_t i = 0; i < nitems(keys); i++) {
		t = tri_of(field(root, keys[i]));
		if (t != TRI_UNSET) {
			*ok = t;
			break;
		}
	}
	cJSON_Delete(root);
	return 0;
}

/* Pages of contacts. */

static int
dec_page(const char *json, size_t len, struct contact_page *pg,
    struct arena *scratch, struct err *e)
{
	const cJSON *meta, *sa, *last, *it;
	cJSON *root;
	void *v;
	int rc;

	memset(pg, 0, sizeof *pg);
	pg->total = -1;
	pg->count = -1;
	pg->start_after = -1;
	cj_arena = scratch;
	root = parse_object(json, len, e);
	if (root == NULL) {
		cj_arena = NULL;
		if (scratch != NULL)
			arena_reset(scratch);
		return ERR_PARSE;
	}
	err_clear(&pg->skip_err);
	rc = dec_list(root, "contacts", &contact_ops, CODEC_MAX_PAGE, &v,
	    &pg->n, &pg->skipped, &pg->skip_err);
	if (rc && e != NULL)
		*e = pg->skip_err;
	if (rc)
		goto out;
	pg->v = v;
	pg->count = long_of(field(root, "count"), -1);
	pg->total = long_of(field(root, "total"), -1);

	/* Search cursor: the last item's searchAfter, else a top-level one. */
	last = NULL;
	cJSON_ArrayForEach(it, field(root, "contacts")) {
		if (cJSON_IsObject(it))
			last = it;
	}
	sa = last != NULL ? field(last, "searchAfter") : NULL;
	if (!cJSON_IsArray(sa))
		sa = field(root, "searchAfter");
	if (cJSON_IsArray(sa))
		pg->search_after = print(sa);

	meta = field(root, "meta");
	if (cJSON_IsObject(meta)) {
		pg->has_meta = 1;
		pg->start_after_id = str_field(meta, "startAfterId");
		pg->start_after = int_of(field(meta, "startAfter"), -1);
		if (pg->total < 0)
			pg->total = long_of(field(meta, "total"), -1);
	}
	if (pg->total < 0)
		pg->total = pg->count;
out:
	/* Every node is in the arena: resetting it frees the tree. */
	if (scratch == NULL)
		cJSON_Delete(root);
	cj_arena = NULL;
	if (scratch != NULL)
		arena_reset(scratch);
	if (rc)
		contact_page_free(pg);
	return rc;
}

int
codec_search_page(const char *json, size_t len, struct contact_page *out,
    struct err *e)
{
	return dec_page(json, len, out, NULL, e);
}

int
codec_search_page_in(const char *json, size_t len, struct contact_page *out,
    struct arena *scratch, struct err *e)
{
	return dec_page(json, len, out, scratch, e);
}

int
codec_list_page(const char *json, size_t len, struct contact_page *out,
    struct err *e)
{
	return dec_page(json, len, out, NULL, e);
}

int
codec_business_page(const char *json, size_t len, struct contact_page *out,
    struct err *e)
{
	return dec_page(json, len, out, NULL, e);
}

void
contact_page_free(struct contact_page *pg)
{
	if (pg == NULL)
		return;
	contacts_free(pg->v, pg->n);
	free(pg->search_after);
	free(pg->start_after_id);
	memset(pg, 0, sizeof *pg);
	pg->total = pg->count = -1;
	pg->start_after = -1;
}

/* Errors. */

static int
copy_out(const char *s, char *out, size_t outlen)
{
	if (outlen > 0)
		snprintf(out, outlen, "%s", s);
	return 1;
}

int
codec_error_message(const char *body, size_t len, char *out, size_t outlen)
{
	static const char *const alt[] = { "error", "detail" };
	const cJSON *m, *it;
	struct buf b;
	cJSON *root;
	char *s;
	int found = 0;

	if (outlen > 0)
		out[0] = '\0';
	root = parse_object(body, len, NULL);
	if (root == NULL)
		return 0;
	m = field(root, "message");
	if (cJSON_IsString(m) && m->valuestring[0] != '\0') {
		found = copy_out(m->valuestring, out, outlen);
		goto done;
	}
	if (cJSON_IsArray(m)) {
		buf_init(&b, 0);
		cJSON_ArrayForEach(it, m) {
			s = scalar_text(it);
			if (s == NULL || s[0] == '\0') {
				free(s);
				continue;
			}
			if (b.len > 0)
				buf_puts(&b, "; ");
			buf_puts(&b, s);
			free(s);
		}
		if (b.len > 0)
			found = copy_out(buf_str(&b), out, outlen);
		buf_free(&b);
		if (found)
			goto done;
	}
	for (size_t i = 0; i < nitems(alt); i++) {
		m = field(root, alt[i]);
		if (cJSON_IsString(m) && m->valuestring[0] != '\0') {
			found = copy_out(m->valuestring, out, outlen);
			break;
		}
	}
done:
	cJSON_Delete(root);
	return found;
}

/* OAuth. */

int
codec_oauth_token(const char *json, size_t len, struct oauth_token *out,
    struct err *e)
{
	cJSON *root;

	memset(out, 0, sizeof *out);
	out->expires_in = -1;
	root = parse_object(json, len, e);
	if (root == NULL)
		return ERR_PARSE;
	out->access_token = str_field(root, "access_token");
	if (out->access_token == NULL || out->access_token[0] == '\0') {
		cJSON_Delete(root);
		oauth_token_free(out);
		return err_set(e, ERR_PARSE, "access_token: missing");
	}
	out->refresh_token = str_field(root, "refresh_token");
	out->token_type = str_field(root, "token_type");
	out->scope = str_field(root, "scope");
	out->user_type = str_field(root, "userType");
	out->location_id = str_field(root, "locationId");
	out->company_id = str_field(root, "companyId");
	out->user_id = str_field(root, "userId");
	out->expires_in = long_of(field(root, "expires_in"), -1);
	cJSON_Delete(root);
	return 0;
}

void
oauth_token_free(struct oauth_token *t)
{
	if (t == NULL)
		return;
	free(t->access_token);
	free(t->refresh_token);
	free(t->token_type);
	free(t->scope);
	free(t->user_type);
	free(t->location_id);
	free(t->company_id);
	free(t->user_id);
	memset(t, 0, sizeof *t);
	t->expires_in = -1;
}

/* Webhooks. */

static const struct {
	const char	*type;
	int		 kind;
	int		 is_delete;
} webhook_types[] = {
	{ "ContactCreate", WH_CONTACT, 0 },
	{ "ContactUpdate", WH_CONTACT, 0 },
	{ "ContactDelete", WH_CONTACT, 1 },
	{ "ContactTagUpdate", WH_CONTACT, 0 },
	{ "ContactDndUpdate", WH_CONTACT, 0 },
	{ "TaskCreate", WH_TASK, 0 },
	{ "TaskComplete", WH_TASK, 0 },
	{ "TaskDelete", WH_TASK, 1 },
	{ "NoteCreate", WH_NOTE, 0 },
	{ "NoteUpdate", WH_NOTE, 0 },
	{ "NoteDelete", WH_NOTE, 1 },
	{ "AppointmentCreate", WH_APPT, 0 },
	{ "AppointmentUpdate", WH_APPT, 0 },
	{ "AppointmentDelete", WH_APPT, 1 },
};

/* A copy of the payload holding only the entity's own fields. */
static cJSON *
entity_copy(const cJSON *root, int drop_location)
{
	cJSON *o;

	o = need(cJSON_Duplicate(root, 1));
	cJSON_DeleteItemFromObjectCaseSensitive(o, "type");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "webhookId");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "timestamp");
	if (drop_location)
		cJSON_DeleteItemFromObjectCaseSensitive(o, "locationId");
	return o;
}

int
codec_webhook(const char *json, size_t len, struct webhook_event *out,
    struct err *e)
{
	const cJSON *t, *a;
	cJSON *root, *o;
	int rc = 0;

	memset(out, 0, sizeof *out);
	out->contact.dnd = TRI_UNSET;
	out->task.completed = TRI_UNSET;
	out->note.pinned = TRI_UNSET;
	root = parse_object(json, len, e);
	if (root == NULL)
		return ERR_PARSE;
	t = field(root, "type");
	if (!cJSON_IsString(t) || t->valuestring[0] == '\0') {
		rc = err_set(e, ERR_PARSE, "webhook: type: missing");
		goto out;
	}
	out->type = xstrdup(t->valuestring);
	out->location_id = str_field(root, "locationId");
	out->webhook_id = str_field(root, "webhookId");
	out->timestamp = str_field(root, "timestamp");
	out->raw = print(root);
	for (size_t i = 0; i < nitems(webhook_types); i++) {
		if (strcmp(out->type, webhook_types[i].type) == 0) {
			out->kind = webhook_types[i].kind;
			out->is_delete = webhook_types[i].is_delete;
			break;
		}
	}
	switch (out->kind) {
	case WH_CONTACT:
		o = entity_copy(root, 0);
		dec_contact(o, &out->contact);
		cJSON_Delete(o);
		out->id = xstrdup0(out->contact.id);
		out->contact_id = xstrdup0(out->contact.id);
		break;
	case WH_TASK:
		o = entity_copy(root, 1);
		if (strcmp(out->type, "TaskComplete") == 0) {
			cJSON_DeleteItemFromObjectCaseSensitive(o,
			    "completed");
			need(cJSON_AddTrueToObject(o, "completed"));
		}
		dec_task(o, &out->task);
		cJSON_Delete(o);
		out->id = xstrdup0(out->task.id);
		out->contact_id = xstrdup0(out->task.contact_id);
		break;
	case WH_NOTE:
		o = entity_copy(root, 1);
		dec_note(o, &out->note);
		cJSON_Delete(o);
		out->id = xstrdup0(out->note.id);
		out->contact_id = xstrdup0(out->note.contact_id);
		break;
	case WH_APPT:
		a = field(root, "appointment");
		if (!cJSON_IsObject(a)) {
			rc = err_set(e, ERR_PARSE, "webhook %s: appointment: "
			    "expected an object", out->type);
			goto out;
		}
		dec_appt(a, &out->appt);
		out->id = xstrdup0(out->appt.id);
		out->contact_id = xstrdup0(out->appt.contact_id);
		break;
	default:
		break;
	}
	if (out->kind == WH_CONTACT)
		rc = check_contact(&out->contact, e);
	else if (out->kind == WH_TASK)
		rc = check_task(&out->task, e);
	else if (out->kind == WH_NOTE)
		rc = check_note(&out->note, e);
	else if (out->kind == WH_APPT)
		rc = check_appt(&out->appt, e);
	if (rc)
		err_prefix(e, "webhook %s", out->type);
out:
	cJSON_Delete(root);
	if (rc)
		webhook_event_free(out);
	return rc;
}

void
webhook_event_free(struct webhook_event *w)
{
	if (w == NULL)
		return;
	free(w->type);
	free(w->location_id);
	free(w->webhook_id);
	free(w->timestamp);
	free(w->id);
	free(w->contact_id);
	contact_free(&w->contact);
	task_free(&w->task);
	note_free(&w->note);
	appt_free(&w->appt);
	free(w->raw);
	memset(w, 0, sizeof *w);
	w->contact.dnd = TRI_UNSET;
	w->task.completed = TRI_UNSET;
	w->note.pinned = TRI_UNSET;
}

/* Encoders. */

static void
add_str(cJSON *o, const char *key, const char *v)
{
	if (v != NULL)
		need(cJSON_AddStringToObject(o, key, v));
}

static void
add_tri(cJSON *o, const char *key, enum tri v)
{
	if (v != TRI_UNSET)
		need(cJSON_AddBoolToObject(o, key, v == TRI_TRUE));
}

static cJSON *
str_array(const struct strv *sv)
{
	cJSON *arr;

	arr = need(cJSON_CreateArray());
	for (size_t i = 0; i < sv->n; i++)
		cJSON_AddItemToArray(arr, need(cJSON_CreateString(sv->v[i])));
	return arr;
}

static char *
finish(cJSON *o)
{
	char *s;

	s = print(o);
	cJSON_Delete(o);
	return s;
}

static cJSON *
condition(const char *fld, const char *op, cJSON *value)
{
	cJSON *c;

	c = need(cJSON_CreateObject());
	add_str(c, "field", fld);
	add_str(c, "operator", op);
	cJSON_AddItemToObject(c, "value", value);
	return c;
}

char *
codec_search_request(const struct search_req *r)
{
	cJSON *o, *sa = NULL, *filters, *v, *sort, *s;

	if (r->search_after != NULL) {
		sa = cJSON_Parse(r->search_after);
		if (!cJSON_IsArray(sa)) {
			cJSON_Delete(sa);
			return NULL;
		}
	}
	o = need(cJSON_CreateObject());
	add_str(o, "locationId", r->location_id);
	need(cJSON_AddNumberToObject(o, "pageLimit", r->page_limit));
	if (sa != NULL)
		cJSON_AddItemToObject(o, "searchAfter", sa);
	else if (r->page > 0)
		need(cJSON_AddNumberToObject(o, "page", r->page));
	add_str(o, "query", r->query);
	if (r->updated_since != NULL || r->email_eq != NULL) {
		filters = need(cJSON_AddArrayToObject(o, "filters"));
		if (r->updated_since != NULL) {
			v = need(cJSON_CreateObject());
			add_str(v, "gte", r->updated_since);
			cJSON_AddItemToArray(filters,
			    condition("dateUpdated", "range", v));
		}
		if (r->email_eq != NULL)
			cJSON_AddItemToArray(filters, condition("email", "eq",
			    need(cJSON_CreateString(r->email_eq))));
	}
	if (r->sort_field != NULL) {
		sort = need(cJSON_AddArrayToObject(o, "sort"));
		s = need(cJSON_CreateObject());
		add_str(s, "field", r->sort_field);
		add_str(s, "direction",
		    r->sort_dir != NULL ? r->sort_dir : "asc");
		cJSON_AddItemToArray(sort, s);
	}
	return finish(o);
}

char *
codec_task_body(const struct task *t)
{
	cJSON *o;

	o = need(cJSON_CreateObject());
	add_str(o, "title", t->title);
	add_str(o, "body", t->body);
	add_str(o, "dueDate", t->due_date);
	add_tri(o, "completed", t->completed);
	add_str(o, "assignedTo", t->assigned_to);
	return finish(o);
}

char *
codec_completed_body(int completed)
{
	return xstrdup(completed ? "{\"completed\":true}" :
	    "{\"completed\":false}");
}

char *
codec_tags_body(const struct strv *tags)
{
	cJSON *o;

	o = need(cJSON_CreateObject());
	cJSON_AddItemToObject(o, "tags", str_array(tags));
	return finish(o);
}

char *
codec_note_body(const struct note *n)
{
	cJSON *o;

	o = need(cJSON_CreateObject());
	add_str(o, "body", n->body);
	add_str(o, "userId", n->user_id);
	add_str(o, "title", n->title);
	add_str(o, "color", n->color);
	add_tri(o, "pinned", n->pinned);
	return finish(o);
}

char *
codec_contact_body(const struct contact *c, const char *location_id)
{
	cJSON *o;

	o = need(cJSON_CreateObject());
	add_str(o, "locationId", location_id);
	add_str(o, "firstName", c->first_name);
	add_str(o, "lastName", c->last_name);
	add_str(o, "name", c->name);
	add_str(o, "email", c->email);
	add_str(o, "phone", c->phone);
	add_str(o, "companyName", c->company_name);
	if (c->tags.n > 0)
		cJSON_AddItemToObject(o, "tags", str_array(&c->tags));
	add_tri(o, "dnd", c->dnd);
	return finish(o);
}

/* Raw JSON helpers. */

static cJSON *
parse_str_object(const char *s)
{
	if (s == NULL)
		return NULL;
	return parse_object(s, strlen(s), NULL);
}

char *
codec_merge(const char *raw, const char *patch)
{
	cJSON *r, *p, *it;
	char *key;

	r = parse_str_object(raw);
	if (r == NULL)
		return NULL;
	p = parse_str_object(patch);
	if (p == NULL) {
		cJSON_Delete(r);
		return NULL;
	}
	while (p->child != NULL) {
		it = cJSON_DetachItemViaPointer(p, p->child);
		/* cJSON frees the item's own name before copying the key. */
		key = xstrdup(it->string != NULL ? it->string : "");
		if (cJSON_GetObjectItemCaseSensitive(r, key) != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(r, key, it);
		else
			cJSON_AddItemToObject(r, key, it);
		free(key);
	}
	cJSON_Delete(p);
	return finish(r);
}

char *
codec_quote(const char *s)
{
	if (s == NULL)
		return xstrdup("null");
	return finish(need(cJSON_CreateString(s)));
}

char *
codec_with_nulls(const char *raw, const char *const *keys)
{
	cJSON *r;

	r = parse_str_object(raw);
	if (r == NULL)
		return NULL;
	for (size_t i = 0; keys != NULL && keys[i] != NULL; i++)
		if (cJSON_GetObjectItemCaseSensitive(r, keys[i]) == NULL)
			need(cJSON_AddNullToObject(r, keys[i]));
	return finish(r);
}

int
codec_valid(const char *json, size_t len)
{
	cJSON *root;

	root = parse_any(json, len, NULL);
	if (root == NULL)
		return 0;
	cJSON_Delete(root);
	return 1;
}

char *
codec_get_string(const char *raw, const char *key)
{
	const cJSON *it;
	cJSON *r;
	char *s = NULL;

	r = parse_str_object(raw);
	if (r == NULL)
		return NULL;
	it = field(r, key);
	if (cJSON_IsString(it) && it->valuestring != NULL)
		s = xstrdup(it->valuestring);
	cJSON_Delete(r);
	return s;
}

char *
codec_get_json(const char *raw, const char *key)
{
	const cJSON *it;
	cJSON *r;
	char *s = NULL;

	r = parse_str_object(raw);
	if (r == NULL)
		return NULL;
	it = field(r, key);
	if (it != NULL)
		s = print(it);
	cJSON_Delete(r);
	return s;
}
