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
 * One slice (about 12,000 index entries, a few ms at most) of a map of
 * the contact list's order kept on this connection, so that a search with
 * many matches reads its page without walking the list up to its first
 * match (cache_list, cache_list_before and cache_row_index use it while
 * nothing has been written since it was built; any write drops it).  Call
 * it while the user is idle: *more is 1 while there is more to read (call
 * again soon), 2 when the cache changed under the build or a transaction
 * is open (call again later, e.g. after the next data_version change),
 * 0 when the map is ready or not needed (fewer than 20,000 contacts).
 * Returns 0 or ERR_DB (e filled).
 */
int	 cache_search_idle(struct cache *, int *more, struct err *e);

#endif
