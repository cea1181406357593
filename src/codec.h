/*
 * codec.h: JSON <-> structs for the Contacts API v2 (CONTRACT.md), webhook
 * payloads, OAuth token responses and the raw-JSON helpers the cache and
 * the CLI use.  codec.c is the only file that includes cJSON; no cJSON type
 * ever crosses this interface.  Every function is reentrant and may be
 * called from any thread; nothing here does I/O.
 */
#ifndef GHL_CODEC_H
#define GHL_CODEC_H

#include <stddef.h>

#include "err.h"
#include "model.h"

/*
 * Decoders.  Common contract:
 * - json/len is the body as received; it need not be NUL-terminated.  One
 *   JSON value, optionally after a UTF-8 BOM and followed by whitespace.
 * - On success they return 0 and fill *out, whose members the caller then
 *   owns and frees with the matching *_free().  Any field may be absent or
 *   null (string members stay NULL, booleans TRI_UNSET).  Wrong scalar types
 *   are tolerated: a number or boolean where a string is expected becomes its
 *   text ("25", "true"); a string "true"/"false" or a number where a boolean
 *   is expected is read as one.  Objects/arrays where a scalar is expected
 *   are ignored (NULL).
 * - Each entity's raw is the object exactly as received (all fields,
 *   unknown ones included) re-serialised compactly.
 * - On failure they return ERR_PARSE, fill e (may be NULL) with a message
 *   naming what was wrong ("tasks: expected an array", "not valid JSON"),
 *   and leave *out zeroed (nothing to free, nothing leaked).
 * - A NUL escape (\u0000) inside a string, key or value, is decoded as
 *   U+FFFD, as invalid UTF-8 is: C strings cannot hold NUL, and cutting the
 *   string there would hide the rest of it.  raw carries the U+FFFD too.
 * - Limits (doc/reliability.md, "Field and list limits"): a decoded string
 *   field longer than CODEC_MAX_FIELD bytes (CODEC_MAX_TEXT for note and
 *   task bodies and appointment notes), a tag longer than CODEC_MAX_FIELD,
 *   more than CODEC_MAX_TAGS tags on one contact, or more than
 *   CODEC_MAX_PAGE contacts in one page is refused, never truncated:
 *   ERR_INVALID (permanent) with a message naming the object, its id and
 *   the field ("contact abc: tags: 2000 tags, over the limit of 1000"), and
 *   nothing of the response is returned.  Unknown fields are only bounded
 *   by the response-body cap.
 */
#define CODEC_MAX_FIELD	4096		/* bytes: names, ids, emails, tags */
#define CODEC_MAX_TEXT	(1024 * 1024)	/* bytes: note/task bodies */
#define CODEC_MAX_TAGS	1000		/* tags on one contact */
#define CODEC_MAX_PAGE	1000		/* contacts in one page (pageLimit
					 * is at most 500, CONTRACT §4.8) */

/* A bare contact object (e.g. a cached raw after codec_merge). */
int	 codec_contact(const char *json, size_t len, struct contact *out,
	    struct err *e);
/* A bare task / note / appointment ("event") object. */
int	 codec_task(const char *json, size_t len, struct task *out,
	    struct err *e);
int	 codec_note(const char *json, size_t len, struct note *out,
	    struct err *e);
int	 codec_appt(const char *json, size_t len, struct appt *out,
	    struct err *e);

/* {"contact": {...}}: GET/PUT /contacts/:id, POST /contacts/.  A missing
 * or non-object "contact" is ERR_PARSE. */
int	 codec_contact_response(const char *json, size_t len,
	    struct contact *out, struct err *e);
/* {"new": bool, "contact": {...}}: POST /contacts/upsert.  *is_new (may be
 * NULL) receives TRI_TRUE/TRI_FALSE, or TRI_UNSET when "new" is absent. */
int	 codec_upsert_response(const char *json, size_t len,
	    struct contact *out, enum tri *is_new, struct err *e);
/* {"task": {...}} */
int	 codec_task_response(const char *json, size_t len, struct task *out,
	    struct err *e);
/* {"tasks": [...]}: *v is a new array of *n tasks (NULL when n is 0); free
 * with tasks_free(*v, *n).  An absent or null "tasks" is an empty list;
 * null items are skipped; a non-array or a non-object item is ERR_PARSE. */
int	 codec_tasks_response(const char *json, size_t len, struct task **v,
	    size_t *n, struct err *e);
/* {"note": {...}} */
int	 codec_note_response(const char *json, size_t len, struct note *out,
	    struct err *e);
/* {"notes": [...]}: as codec_tasks_response; free with notes_free(). */
int	 codec_notes_response(const char *json, size_t len, struct note **v,
	    size_t *n, struct err *e);
/* {"events": [...]}: GET /contacts/:id/appointments; free with
 * appts_free(). */
int	 codec_events_response(const char *json, size_t len, struct appt **v,
	    size_t *n, struct err *e);
/* {"tags": [...]}: POST/DELETE /contacts/:id/tags.  *out is reset first
 * (it must be zeroed or already freed); free with strv_free(). */
int	 codec_tags_response(const char *json, size_t len, struct strv *out,
	    struct err *e);
/* {"succeded"|"succeeded"|"success": bool}.  *ok receives TRI_TRUE,
 * TRI_FALSE, or TRI_UNSET when none of the keys is present (the HTTP status
 * is what counts, CONTRACT §6). */
int	 codec_succeeded(const char *json, size_t len, enum tri *ok,
	    struct err *e);

/*
 * One page of contacts from search, the deprecated list or a business.
 * total: search "total"; list meta.total (else "count"); business "count";
 * -1 when absent.  count: "count" as sent, or -1.  search_after: the JSON
 * text of the LAST item's searchAfter array (or of a top-level one), or
 * NULL.  start_after_id / start_after: the list's meta.startAfterId and
 * meta.startAfter (epoch ms), NULL / -1 when absent or null.  has_meta: a
 * "meta" object was present.
 */
struct contact_page {
	struct contact	*v;	/* owned array of n contacts */
	size_t		 n;
	/* Contacts left out for breaking a limit (codec.h CODEC_MAX_*);
	 * skip_err says why the first one was. */
	size_t		 skipped;
	struct err	 skip_err;
	long		 total;
	long		 count;
	char		*search_after;
	char		*start_after_id;
	long long	 start_after;
	int		 has_meta;
};

/* POST /contacts/search: {"contacts": [...], "total": n, "traceId": s}. */
int	 codec_search_page(const char *json, size_t len,
	    struct contact_page *out, struct err *e);
/* The same, with the parse tree built in scratch (reset before it
 * returns; the page owns nothing in it): for a long walk over pages. */
struct arena;
int	 codec_search_page_in(const char *json, size_t len,
	    struct contact_page *out, struct arena *scratch, struct err *e);
/* GET /contacts/ (deprecated): {"contacts", "count", "meta": {...}}. */
int	 codec_list_page(const char *json, size_t len,
	    struct contact_page *out, struct err *e);
/* GET /contacts/business/:id: {"contacts": [...], "count": n}. */
int	 codec_business_page(const char *json, size_t len,
	    struct contact_page *out, struct err *e);
/* Frees the members (not the struct) and zeroes it; NULL is a no-op. */
void	 contact_page_free(struct contact_page *);

/*
 * The server's message of an error body (CONTRACT §2): "message" when it is
 * a string, or its string items joined with "; " when it is an array; else
 * "error"; else "detail".  Writes it (truncated, NUL-terminated) to out and
 * returns 1; returns 0 (out = "") when the body is not JSON or has none of
 * these, and the caller uses the HTTP reason phrase instead.
 */
int	 codec_error_message(const char *body, size_t len, char *out,
	    size_t outlen);

/* POST /oauth/token response. */
struct oauth_token {
	char	*access_token;
	char	*refresh_token;
	char	*token_type;
	char	*scope;		/* space-separated */
	char	*user_type;
	char	*location_id;
	char	*company_id;
	char	*user_id;
	long	 expires_in;	/* seconds; -1 when absent */
};
/* ERR_PARSE when the body is not an object or has no access_token. */
int	 codec_oauth_token(const char *json, size_t len,
	    struct oauth_token *out, struct err *e);
/* Frees the members (not the struct) and zeroes it; NULL is a no-op. */
void	 oauth_token_free(struct oauth_token *);

/* Webhooks (CONTRACT §5). */
enum webhook_kind {
	WH_UNKNOWN = 0,	/* a type we do not handle: ignore the event */
	WH_CONTACT,	/* ContactCreate/Update/Delete/TagUpdate/DndUpdate */
	WH_TASK,	/* TaskCreate/Complete/Delete */
	WH_NOTE,	/* NoteCreate/Update/Delete */
	WH_APPT		/* AppointmentCreate/Update/Delete */
};

struct webhook_event {
	char	*type;		/* "ContactCreate", ... */
	char	*location_id;
	char	*webhook_id;	/* NULL when absent */
	char	*timestamp;	/* ISO, NULL when absent */
	char	*id;		/* the object's (contact/task/...) */
	char	*contact_id;	/* its contact (= id for contact
				 * events); may be NULL */
	int	 kind;		/* enum webhook_kind */
	int	 is_delete;	/* *Delete events */
	/*
	 * Exactly one of these is filled, per kind.  Its raw is the entity's
	 * own fields as received, for codec_merge onto the cached row: the
	 * payload without "type", "webhookId", "timestamp" (and without
	 * "locationId" for tasks and notes); for appointments the nested
	 * "appointment" object.  TaskComplete sets task.completed = TRI_TRUE
	 * and adds "completed": true to task.raw (the payload has no such
	 * field), so merging task.raw onto the cached task completes it.
	 */
	struct contact	contact;
	struct task	task;
	struct note	note;
	struct appt	appt;
	char	*raw;		/* the whole payload, compact */
};
/* ERR_PARSE when the body is not an object or has no string "type".  An
 * unknown type returns 0 with kind WH_UNKNOWN. */
int	 codec_webhook(const char *json, size_t len,
	    struct webhook_event *out, struct err *e);
/* Frees the members (not the struct) and zeroes it; NULL is a no-op. */
void	 webhook_event_free(struct webhook_event *);

/*
 * Encoders.  Each returns a new compact JSON string the caller frees with
 * free().  NULL string members and TRI_UNSET booleans are omitted; keys come
 * out in the order listed.
 */
struct search_req {
	const char	*location_id;
	int		 page_limit;	/* always sent */
	const char	*search_after;	/* JSON array text, or NULL */
	int		 page;		/* if > 0, no search_after */
	const char	*query;
	const char	*sort_field;	/* [{field, direction}] */
	const char	*sort_dir;	/* "asc"/"desc"; "asc" if NULL */
	const char	*updated_since;	/* ISO: a range gte filter on
					 * dateUpdated */
	const char	*email_eq;	/* an eq filter on email */
};
/* {"locationId","pageLimit","page"|"searchAfter","query","filters","sort"}.
 * Returns NULL only when search_after is not a JSON array. */
char	*codec_search_request(const struct search_req *);
/* {"title","body","dueDate","completed","assignedTo"} */
char	*codec_task_body(const struct task *);
/* {"completed": true|false} (non-zero is true) */
char	*codec_completed_body(int completed);
/* {"tags": [...]} (an empty strv gives {"tags":[]}) */
char	*codec_tags_body(const struct strv *);
/* {"body","userId","title","color","pinned"} */
char	*codec_note_body(const struct note *);
/* {"locationId"?,"firstName","lastName","name","email","phone",
 * "companyName","tags","dnd"}; locationId only when location_id is not
 * NULL (create/upsert); tags only when c->tags.n > 0. */
char	*codec_contact_body(const struct contact *,
	    const char *location_id);

/*
 * Raw JSON helpers.  Strings returned are new (free()).
 */
/* raw with every top-level key of patch set to patch's value (shallow; a
 * null in patch sets null).  NULL if either is not a JSON object. */
char	*codec_merge(const char *raw, const char *patch);
/* s as a JSON string literal with quotes; UTF-8 kept, control characters,
 * '"' and '\\' escaped.  s NULL gives "null". */
char	*codec_quote(const char *s);
/* raw with each key of the NULL-terminated keys added as null when absent.
 * NULL if raw is not a JSON object. */
char	*codec_with_nulls(const char *raw, const char *const *keys);
/* 1 if json/len is one complete JSON value, else 0. */
int	 codec_valid(const char *json, size_t len);
/* The top-level string field key of the object raw, or NULL (absent, null,
 * not a string, raw not an object).  Numbers are not converted. */
char	*codec_get_string(const char *raw, const char *key);
/* The top-level field key of the object raw as compact JSON text (any
 * type, "null" included), or NULL when absent or raw is not an object. */
char	*codec_get_json(const char *raw, const char *key);

#endif
