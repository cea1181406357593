/*
 * sb_search.h: the filter language of POST /contacts/search (CONTRACT
 * §4.8): conditions {field, operator, value} and groups {group, filters},
 * plus the free-text query.  Pure functions over cJSON contacts.
 */
#ifndef GHL_SB_SEARCH_H
#define GHL_SB_SEARCH_H

#include <cjson/cJSON.h>

/* What a view keeps: every member may be NULL (no constraint). */
struct sb_search {
	const cJSON	*filters;	/* borrowed array */
	char		*lquery;	/* owned, lower-cased query */
	const char	*business;	/* borrowed businessId */
};

/*
 * Check a filters array; on a problem append messages (strings) to errs
 * and return -1, else 0.
 */
int	 sb_search_validate(const cJSON *filters, cJSON *errs);
/* sb_store_match_fn: 1 when contact c satisfies s (a struct sb_search). */
int	 sb_search_match(const cJSON *c, void *s);
/* Whether contact c matches the lower-cased free-text query lq. */
int	 sb_search_query(const cJSON *c, const char *lq);

#endif
