/*
 * sb_hook.h: webhook delivery of ghlterm-sandbox.  Events are queued (a
 * bounded queue; the oldest is dropped when full) and POSTed to one URL by
 * a background thread with libcurl, so request handling never waits.
 */
#ifndef GHL_SB_HOOK_H
#define GHL_SB_HOOK_H

#include <stdint.h>

struct sb_hook;

struct sb_hook_stats {
	uint64_t queued, delivered, failed, dropped;
};

/*
 * Start the delivery thread for url (copied).  Return NULL (and set *why
 * to a static message) when the thread cannot start.
 */
struct sb_hook	*sb_hook_start(const char *url, const char **why);
/* Queue one event body (JSON text; ownership taken).  h may be NULL. */
void		 sb_hook_post(struct sb_hook *h, char *json);
/* Counters so far (h may be NULL: zeros). */
void		 sb_hook_stats(struct sb_hook *h, struct sb_hook_stats *out);
/* Deliver what is queued (within 2 s), stop the thread, free h. */
void		 sb_hook_stop(struct sb_hook *h);

#endif
