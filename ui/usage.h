/*
 * usage.h: the API usage view of the TUI (key U, ":usage"): requests and
 * 429s per hour as a bar chart, the daily budget, the latest rate-limit
 * headers and the calls by endpoint, all read from the cache.
 */
#ifndef GHL_UI_USAGE_H
#define GHL_UI_USAGE_H

struct app;
struct screen;

/*
 * The usage view of the running TUI, created on the first call (there is
 * one TUI per process).  The screen stays owned by this module until
 * usage_view_free(); main thread only.
 */
struct screen	*usage_view(struct app *);

/* Free the usage view (at the end of ui_run; NULL-safe when never made). */
void		 usage_view_free(void);

#endif
