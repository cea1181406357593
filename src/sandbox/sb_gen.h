/*
 * sb_gen.h: the deterministic demo data of ghlterm-sandbox.  Contact number
 * i of n is a pure function of (seed, i, n): nothing is stored, so a start
 * with a million contacts costs no time and no memory.  Same seed, same
 * bytes.  dateAdded grows strictly with i (the natural list order).
 */
#ifndef GHL_SB_GEN_H
#define GHL_SB_GEN_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Id namespaces for sb_util_id(). */
enum sb_gen_ns {
	SB_NS_CONTACT = 1, SB_NS_TASK, SB_NS_NOTE, SB_NS_APPT, SB_NS_USER,
	SB_NS_FIELD, SB_NS_CAL, SB_NS_MISC
};

/* The fixed "now" of generated data: 2026-07-01T00:00:00Z. */
#define SB_GEN_ANCHOR_MS 1782864000000LL

/* The fields that sorting and paging need, cheap to compute. */
struct sb_gen_basic {
	int64_t	 added;		/* dateAdded, epoch ms */
	int64_t	 updated;	/* dateUpdated, epoch ms */
	char	 first_lower[64];
	char	 last_lower[64];
	char	 email[128];	/* "" when the contact has none */
};

/* Fill *b for contact i of n.  Thread-safe. */
void	 sb_gen_basic(uint64_t seed, uint64_t i, uint64_t n,
	    struct sb_gen_basic *b);
/* dateAdded of contact i of n (what sb_gen_basic puts in b->added). */
int64_t	 sb_gen_added(uint64_t seed, uint64_t i, uint64_t n);
/* Flags of sb_gen_contact: leave out the attribution objects (search). */
#define SB_GEN_NO_ATTRIB 1
/*
 * Contact i of n as a full Contact object (CONTRACT §3.1) of location loc.
 * Caller owns the result (cJSON_Delete).  Thread-safe.
 */
cJSON	*sb_gen_contact(uint64_t seed, uint64_t i, uint64_t n,
	    const char *loc, int flags);
/*
 * The tasks, notes and events (appointments) of contact i as arrays of
 * Task, Note and Event objects (CONTRACT §3.8-3.10).  Caller owns them.
 */
cJSON	*sb_gen_tasks(uint64_t seed, uint64_t i, uint64_t n);
cJSON	*sb_gen_notes(uint64_t seed, uint64_t i, uint64_t n);
cJSON	*sb_gen_appts(uint64_t seed, uint64_t i, uint64_t n, const char *loc);
/* E.164 phone of contact i into buf (24+ bytes); -1 when it has none. */
int	 sb_gen_phone(uint64_t seed, uint64_t i, char *buf, size_t size);
/* User id number k (0..4) of the demo location into out[21]. */
void	 sb_gen_user(uint64_t seed, unsigned k, char *out);

#endif
