/*
 * alert.h: failure alerts.  Recording a failure in the sync log
 * (cache_log_add, which collapses repeats) is the caller's job; this module
 * runs the optional [sync] on_failure command with the details in the
 * environment, at most once per distinct failure every 10 minutes, without
 * ever blocking the caller on the command.
 */
#ifndef GHL_ALERT_H
#define GHL_ALERT_H

#include "err.h"

struct conf;

/* An identical failure within this window does not run the command again. */
#define ALERT_COLLAPSE_MS (10LL * 60 * 1000)

/* One failure.  Every string may be NULL. */
struct alert {
	const char	*kind;		/* "sync", "write", ... */
	const char	*contact_id;
	const char	*endpoint;	/* "PUT /contacts/:contactId" */
	int		 status;	/* HTTP status, 0 when no response */
	const char	*message;	/* server's or local message */
};

/*
 * Run cfg->on_failure (when set) as /bin/sh -c COMMAND in a detached
 * grandchild (double fork; stdin/stdout/stderr on /dev/null; signal mask
 * and dispositions reset), with GHLTERM_KIND, GHLTERM_CONTACT_ID,
 * GHLTERM_ENDPOINT, GHLTERM_STATUS, GHLTERM_MESSAGE (credentials redacted)
 * and GHLTERM_COUNT (occurrences since the command last ran for this
 * failure, this one included) added to the environment, and every variable
 * whose name holds TOKEN, SECRET or PASSWORD removed.  An identical failure
 * (same kind, contact, endpoint, status, message) seen within
 * ALERT_COLLAPSE_MS of the last run is only counted.  The collapse state
 * lives in cfg->state_dir/alerts (shared by every ghlterm process, locked
 * with flock) or, without a state_dir, in this process.  Never prints,
 * never fails the caller: problems go to the log (log_msg).  Any thread.
 */
void	 alert_failure(const struct conf *cfg, const char *kind,
	    const char *contact_id, const char *endpoint, int status,
	    const char *message);

/*
 * alert_failure with the clock given (unix ms) and the outcome returned:
 * *ran is 1 when the command was started, 0 when there is no command or
 * the failure was collapsed.  Returns 0 or ERR_IO (state file, fork) with
 * e filled.  For tests and for callers that report the outcome.
 */
int	 alert_failure_at(const struct conf *cfg, const struct alert *a,
	    long long now_ms, int *ran, struct err *e);

#endif
