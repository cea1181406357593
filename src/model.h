/*
 * model.h: the entities of the Contacts API as plain C structs.  No I/O.
 * Every string field may be NULL (absent or null in the JSON).  Each entity
 * keeps the object's raw JSON text so unknown fields survive a round trip
 * through the cache (CONTRACT §1.5).  All strings are owned by the struct.
 */
#ifndef GHL_MODEL_H
#define GHL_MODEL_H

#include <stddef.h>

/* Tri-state booleans: absent/null in JSON is TRI_UNSET. */
enum tri { TRI_UNSET = -1, TRI_FALSE = 0, TRI_TRUE = 1 };

struct strv {
	char	**v;	/* owned strings */
	size_t	  n;
};

struct contact {
	char	*id;
	char	*location_id;
	char	*first_name;
	char	*last_name;
	char	*name;		/* "name" or "contactName"; may be NULL */
	char	*email;
	char	*phone;
	char	*company_name;
	char	*date_added;	/* ISO-8601 as received */
	char	*date_updated;
	enum tri dnd;
	struct strv tags;
	char	*raw;		/* the whole object as JSON text */
	/*
	 * raw packed for the cache (cache_contact_pack), done ahead by a
	 * producer off the writer's thread; NULL when not.  Whoever replaces
	 * raw frees and clears it.
	 */
	unsigned char *rawz;
	size_t	 rawz_len;
};

struct task {
	char	*id;
	char	*contact_id;
	char	*title;
	char	*body;
	char	*assigned_to;
	char	*due_date;
	enum tri completed;
	char	*raw;
};

struct note {
	char	*id;
	char	*contact_id;
	char	*body;
	char	*user_id;
	char	*title;
	char	*color;
	char	*date_added;
	enum tri pinned;
	char	*raw;
};

struct appt {
	char	*id;
	char	*contact_id;
	char	*calendar_id;
	char	*title;
	char	*status;
	char	*appointment_status;
	char	*start_time;	/* raw string: zone-less or ISO with offset */
	char	*end_time;
	char	*address;
	char	*notes;
	char	*raw;
};

void	 strv_push(struct strv *, const char *);
void	 strv_free(struct strv *);
void	 strv_copy(struct strv *dst, const struct strv *src);
int	 strv_contains_ci(const struct strv *, const char *);

void	 contact_free(struct contact *);	/* frees members, not the struct */
void	 task_free(struct task *);
void	 note_free(struct note *);
void	 appt_free(struct appt *);
/* Free n entities and the array itself (from a codec list decoder);
 * NULL is a no-op. */
void	 contacts_free(struct contact *, size_t n);
void	 tasks_free(struct task *, size_t n);
void	 notes_free(struct note *, size_t n);
void	 appts_free(struct appt *, size_t n);
/* Best display name: name, else "first last", else email, else phone, else id. */
const char *contact_display_name(const struct contact *, char *buf, size_t len);

#endif
