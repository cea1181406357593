/*
 * sb_store.h: the sandbox's data: N generated contacts (sb_gen) under an
 * overlay of created, modified and deleted ones, with their tasks, notes
 * and appointments, plus sorted views for search and list paging.
 * Locking: callers bracket every access with sb_store_rdlock/wrlock and
 * sb_store_unlock; views are reference-counted and safe to share.
 */
#ifndef GHL_SB_STORE_H
#define GHL_SB_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct sb_store;

enum sb_kind { SB_TASKS, SB_NOTES, SB_APPTS };

/* Sort fields of views. */
enum sb_sort {
	SB_SORT_ADDED, SB_SORT_UPDATED, SB_SORT_FIRST, SB_SORT_LAST,
	SB_SORT_EMAIL
};

/* One row of a view: its sort key and the contact's id and slot. */
struct sb_entry {
	int64_t	 num;		/* key of date sorts (epoch ms) */
	char	*str;		/* key of string sorts ("" when absent) */
	uint64_t slot;
	char	 id[21];
};

struct sb_view {
	struct sb_entry	*e;
	size_t		 n;
	enum sb_sort	 sort;
	int		 desc;
	/* private */
	char		*key;
	uint64_t	 version;
	int		 refs;
};

/*
 * Matcher of a view: return 1 to keep contact c (full Contact).  NULL
 * matcher keeps all.  Called with the store locked.
 */
typedef int (*sb_store_match_fn)(const cJSON *c, void *arg);

/* New store of n generated contacts for (seed, location loc).  Never NULL. */
struct sb_store	*sb_store_new(uint64_t seed, uint64_t n, const char *loc);
void		 sb_store_free(struct sb_store *);

void		 sb_store_rdlock(struct sb_store *);
void		 sb_store_wrlock(struct sb_store *);
void		 sb_store_unlock(struct sb_store *);

/* The location id (borrowed, lives as long as the store). */
const char	*sb_store_location(const struct sb_store *);
/* Number of live contacts. */
uint64_t	 sb_store_count(const struct sb_store *);

/* Return 0 and set *slot when id names a live contact, else -1. */
int		 sb_store_find(struct sb_store *, const char *id,
		    uint64_t *slot);
/* A copy of the contact in slot (live; flags of sb_gen_contact); caller frees. */
cJSON		*sb_store_contact(struct sb_store *, uint64_t slot, int flags);
/* Borrowed contact of slot, materialised for modification (write lock). */
cJSON		*sb_store_contact_mut(struct sb_store *, uint64_t slot);
/* Record that the contact of slot changed (after _mut): bumps dateUpdated. */
void		 sb_store_touch(struct sb_store *, uint64_t slot, int64_t now);
/* A copy of the children of a contact; caller frees. */
cJSON		*sb_store_children(struct sb_store *, uint64_t slot,
		    enum sb_kind);
/* Borrowed children array, materialised for modification (write lock). */
cJSON		*sb_store_children_mut(struct sb_store *, uint64_t slot,
		    enum sb_kind);
/*
 * Add contact c (ownership taken; its "id" is set here, dateAdded and
 * dateUpdated must be set by the caller).  Returns the new slot.
 */
uint64_t	 sb_store_create(struct sb_store *, cJSON *c);
/* Delete the contact of slot with its children (write lock). */
void		 sb_store_delete(struct sb_store *, uint64_t slot);
/* A fresh id for a task, note or appointment into out[21] (write lock). */
void		 sb_store_new_child_id(struct sb_store *, char *out);
/*
 * Slot of the live contact whose email equals email (case-insensitive) or
 * whose phone has the same digits; exclude (or UINT64_MAX) is skipped.
 * Return 0 when found, -1 otherwise.
 */
int		 sb_store_find_email(struct sb_store *, const char *email,
		    uint64_t exclude, uint64_t *slot);
int		 sb_store_find_phone(struct sb_store *, const char *phone,
		    uint64_t exclude, uint64_t *slot);

/*
 * The live contacts accepted by match, sorted by (sort, id) ascending or
 * descending.  key names (match, arg) for the cache: equal keys must mean
 * equal matchers; NULL disables caching.  gen_flags (sb_gen_contact's) say
 * which parts of generated contacts the matcher may skip.  Call with the store locked (read
 * is enough); release with sb_store_view_put.  Never NULL.
 */
struct sb_view	*sb_store_view(struct sb_store *, enum sb_sort, int desc,
		    sb_store_match_fn match, void *arg, const char *key,
		    int gen_flags);
void		 sb_store_view_put(struct sb_store *, struct sb_view *);
/*
 * Index of the first entry of v strictly after the cursor (num or str,
 * id) in the view's order.
 */
size_t		 sb_store_view_after(const struct sb_view *v, int64_t num,
		    const char *str, const char *id);

#endif
