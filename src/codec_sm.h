/*
 * codec_sm.h: Salesmate v4 JSON (the second file of the codec module and
 * the only other place that includes cJSON): the {Status, Data|Error}
 * envelope, request bodies of the mirror (contact, company, activity,
 * note, search) and the parts of responses the mirror reads.  Pure: no
 * I/O, any thread.  Strings handed back are owned by the caller.
 */
#ifndef GHL_CODEC_SM_H
#define GHL_CODEC_SM_H

#include <stddef.h>

#include "err.h"
#include "model.h"

/* The outcome of one response envelope (salesmate.md §3.1). */
struct sm_envelope {
	int	 success;	/* Status == "success" */
	char	*data;		/* Data (or data) as JSON text, or NULL */
	char	*name;		/* Error Name/name, or NULL */
	char	*message;	/* Message, message, Name, name, Code, or NULL */
};

/*
 * Parse body as an envelope into env (zeroed first).  Returns 0, or
 * ERR_PARSE when body is not a JSON object with a Status string (env
 * stays empty).  Free with sm_envelope_free.
 */
int	 codec_sm_envelope(const char *body, size_t len,
	    struct sm_envelope *env);
void	 sm_envelope_free(struct sm_envelope *);

/* A Salesmate contact as the mirror writes it (all strings optional). */
struct sm_contact_body {
	const char	*first_name, *last_name, *email, *mobile, *website;
	const char	*addr1, *city, *state, *zip, *country;
	const char	*tags;		/* comma-joined, may be NULL */
	const char	*id_field;	/* custom field API name, or NULL */
	const char	*ghl_id;
	long long	 owner;		/* always sent */
	long long	 company;	/* sent when > 0 */
};
/* JSON text of a contact create/update body (key order as the docs'
 * sample).  Empty optional strings are left out, except firstName. */
char	*codec_sm_contact_json(const struct sm_contact_body *);

/* {"name", "owner"} */
char	*codec_sm_company_json(const char *name, long long owner);

struct sm_activity_body {
	const char	*title, *type, *description;
	long long	 owner, primary_contact;
	long long	 due_ms;	/* sent when >= 0 */
	int		 completed;
};
char	*codec_sm_activity_json(const struct sm_activity_body *);
/* {"note": html, "type": "Note", "attachments": []} */
char	*codec_sm_note_json(const char *html);

/*
 * A one-rule search body (§5.1): rule field EQUALS value in module
 * ("Contact", "Task", "Company"), returning fields (module-prefixed),
 * sorted by sort_field ascending.  lookup: field type "Lookup" (ids),
 * else "Text".
 */
char	*codec_sm_search_json(int module_id, const char *module_name,
	    const char *field, const char *value, int lookup,
	    const char *const *fields, size_t nfields, const char *sort_field);

/* Integer member key of the object in data ("id", "noteId"): 0 or
 * ERR_PARSE.  Accepts a number or a decimal string. */
int	 codec_sm_id(const char *data, const char *key, long long *id);

struct sm_user {
	long long id;
	char	*name;		/* "first last" or email */
	char	*email;
	int	 active;	/* true, 1 or "1" */
	int	 current;	/* isCurrentUser */
};
/* Data of GET users: an array.  *v is new (free with sm_users_free). */
int	 codec_sm_users(const char *data, struct sm_user **v, size_t *n);
void	 sm_users_free(struct sm_user *v, size_t n);

/* One search row, or one contact/activity/note read back. */
struct sm_row {
	long long id;
	char	*email, *mobile, *phone;
	char	*ghl_id;	/* value of the configured custom field */
	char	*title, *text;	/* activity title/description; note html */
	int	 pinned;	/* notes: isPinned */
	struct strv tags;	/* contact tags (string or array form) */
};
void	 sm_row_free(struct sm_row *);
void	 sm_rows_free(struct sm_row *v, size_t n);
/*
 * Rows of a search Data ({"data": [...], "totalRows"}).  id_field names
 * the custom field to copy into ghl_id (may be NULL).  *total gets
 * totalRows (or the row count).  *v is new.
 */
int	 codec_sm_search_rows(const char *data, const char *id_field,
	    struct sm_row **v, size_t *n, long *total);
/* A GET contact/activity/note Data object into out (zeroed first). */
int	 codec_sm_object(const char *data, const char *id_field,
	    struct sm_row *out);
/* Data of a note list (an array of Note). */
int	 codec_sm_note_list(const char *data, struct sm_row **v, size_t *n);

/*
 * Split a tags value: a comma-separated string, or an array of strings or
 * of {"name"|"value"|"tag": s} objects (JSON text).  Items are trimmed,
 * empties dropped.  Appends to out.
 */
void	 codec_sm_tags_split(const char *s, struct strv *out);

/* The GHL contact fields the mirror maps that struct contact lacks, read
 * from its raw JSON; each a new string or NULL. */
struct ghl_contact_extra {
	char	*website, *address1, *city, *state, *postal_code, *country;
};
void	 codec_sm_ghl_extra(const char *raw, struct ghl_contact_extra *out);
void	 ghl_contact_extra_free(struct ghl_contact_extra *);

/* strv <-> JSON array of strings.  from_json on bad input leaves out
 * empty and returns ERR_PARSE. */
char	*codec_sm_strv_json(const struct strv *);
int	 codec_sm_strv_from_json(const char *json, struct strv *out);
/* A JSON string literal for s (quoted, escaped).  Caller frees. */
char	*codec_sm_quote(const char *s);
/* Canonical (unformatted) print of a JSON text, or NULL if invalid. */
char	*codec_sm_canon(const char *json);

#endif
