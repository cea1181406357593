/*
 * cache_idle.h: work the cache does in a user interface's idle time
 * (cache_query.c).  Kept apart from cache.h only while that file is being
 * changed by others (issue 6); it belongs there.
 */
#ifndef GHL_CACHE_IDLE_H
#define GHL_CACHE_IDLE_H

#include "cache.h"
#include "err.h"

/*
 * One slice (about 2 ms) of the idle-time work for searches on this
 * connection: a map of the contact list's order (a byte a contact), so
 * that a search with many matches reads its page without walking the
 * list up to its first match, then the first 128 rows of each one-letter
 * search (a-z, 0-9).  cache_list, cache_list_before, cache_count and
 * cache_row_index use them while nothing has been written since they
 * were built; a write drops them.  At 1,000,000 contacts the whole work
 * is about 1.8 G instructions (~0.3 s of slices), at 100,000 0.25 G.  Call it while the
 * user is idle: *more is 1 while there is more to do (call again soon),
 * 2 when the cache was written since the work began or a transaction is
 * open (call again later, once writes pause), 0 when all is ready or no
 * map is needed (fewer than 20,000 contacts).  Returns 0 or ERR_DB (e
 * filled); searches give the same rows with or without it.
 */
int	 cache_search_idle(struct cache *, int *more, struct err *e);

#endif
