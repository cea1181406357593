/*
 * mirror.h: the one-way GHL -> Salesmate mirror (salesmate CONTRACT §7,
 * §9): mapping of contacts, tasks and notes, matching (local map, stored
 * GHL id, email, phone), and the exactly-once algorithm: write-ahead
 * "pending" rows before every create, recovery lookups instead of blind
 * retries, hashes so unchanged objects cost no call.  It reads GHL data
 * from the cache only.  One struct mirror per run, one thread.
 */
#ifndef GHL_MIRROR_H
#define GHL_MIRROR_H

#include <stddef.h>

#include "err.h"
#include "model.h"

struct cache;
struct sm_client;
struct mirror;

struct mirror_opts {
	struct cache	 *cache;	/* borrowed */
	struct sm_client *sm;		/* borrowed; may be NULL when dry_run */
	const char	*id_field;	/* contact custom field for the GHL id, or NULL */
	const char	*activity_type;	/* NULL: "Task" */
	const char	*owner;		/* user id or email, NULL: isCurrentUser */
	int		 no_company;	/* do not map companyName */
	int		 delete_contacts; /* also DELETE contacts deleted in GHL */
	int		 dry_run;	/* plan only: no request, no map write */
	long		 verify_ms;	/* skip the existence GET of an unchanged
					 * contact verified this recently;
					 * 0: 24 h, < 0: always GET */
	long		 pid;		/* lock owner, 0: getpid() */
};

/* Per entity counts of one run. */
struct mirror_counts {
	long	 created, updated, unchanged, deleted, failed, adopted;
};

struct mirror_report {
	struct mirror_counts contacts, tasks, notes, companies;
	long	 calls;			/* Salesmate requests made (or planned) */
	struct strv failures;		/* "contact ID: message" ... */
	struct strv duplicates;		/* "contact ID: Salesmate 1588 also matches 1412" */
	struct strv warnings;
	struct strv plan;		/* dry run: "METHOD /path body" */
};

/*
 * Start a run: create the mirror tables and take the lock (ERR_CONFLICT
 * "mirror already running" when another process holds it).  *mp is NULL
 * on error.
 */
int	 mirror_open(struct mirror **mp, const struct mirror_opts *,
	    struct err *e);
/* Release the lock and free.  NULL is a no-op. */
void	 mirror_close(struct mirror *);

/*
 * Mirror one GHL contact (from the cache) with its tasks and notes.
 * Returns 0 when everything reached Salesmate; ERR_INVALID when an item
 * was refused (kept as failed with the server's message; the run goes
 * on); ERR_AUTH / ERR_RATELIMIT / ERR_USAGE (owner) when the run must
 * stop; ERR_NET / ERR_HTTP / ERR_PARSE for transient trouble (work stays
 * pending and is recovered next time); ERR_NOTFOUND when the contact is
 * neither in the cache nor mapped.
 */
int	 mirror_contact(struct mirror *, const char *ghl_id, struct err *e);
/* 1 when rc must stop a run of several contacts. */
int	 mirror_fatal(int rc);
/* The counts so far (borrowed). */
const struct mirror_report *mirror_report(const struct mirror *);

/* ---- mapping, exported for tests ---- */

/* The Salesmate fields of a GHL contact (CONTRACT §7.1); all owned. */
struct mirror_contact_fields {
	char	*first_name, *last_name, *email, *mobile, *website;
	char	*addr1, *city, *state, *zip, *country, *company_name;
	struct strv tags;	/* GHL tags, commas replaced by spaces */
	int	 bad_email;	/* GHL had an email without '@' */
};
void	 mirror_map_contact(const struct contact *,
	    struct mirror_contact_fields *out);
void	 mirror_contact_fields_free(struct mirror_contact_fields *);
/* title (trimmed, <= 500 bytes, "(untitled task)") and description
 * (body + blank line + marker, <= 2000 bytes) of a GHL task; new. */
char	*mirror_task_title(const struct task *);
char	*mirror_task_description(const struct task *);
/* The note HTML of §7.3 with its marker block; new. */
char	*mirror_note_html(const struct note *);
/* ISO-8601 (Z, offset, fraction) to epoch ms; -1 when unparsable. */
long long mirror_parse_iso_ms(const char *);
/*
 * The tag merge rule: (sm_current - last_ghl) U ghl, case-insensitive,
 * first spelling kept, Salesmate's order first.  Appends to out.
 */
void	 mirror_merge_tags(const struct strv *sm_current,
	    const struct strv *last_ghl, const struct strv *ghl,
	    struct strv *out);
/* Comma-joined tags (no spaces); new. */
char	*mirror_join_tags(const struct strv *);
/* Truncate s in place to at most max bytes on a UTF-8 boundary. */
void	 mirror_truncate_utf8(char *s, size_t max);
/* SHA-256 hex of s into out[65]. */
void	 mirror_hash(const char *s, char out[65]);
/* Digits of s into out (truncated); for phone comparison. */
void	 mirror_digits(const char *s, char *out, size_t len);

#endif
