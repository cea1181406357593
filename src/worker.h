/*
 * worker.h: the one background thread.  It owns its own HTTP client and
 * SQLite connection, runs sync jobs (sync.c) one at a time, and reports
 * progress and results as events.  The UI polls worker_fd() in its poll()
 * loop and drains events with worker_next_event().  Thread-safe: every
 * function here is called from the main thread only.
 */
#ifndef GHL_WORKER_H
#define GHL_WORKER_H

#include "err.h"

struct conf;
struct worker;

enum job_kind {
	JOB_SYNC_ONE,		/* replay one contact's outbox, then pull it */
	JOB_SYNC_ALL,		/* page through every contact */
	JOB_SYNC_ALL_DEEP,	/* ... and each contact's children */
	JOB_OUTBOX,		/* replay every pending write */
	JOB_POLL,		/* contacts updated since the last cursor */
	JOB_MIRROR_ONE,		/* Salesmate mirror of one contact */
};

enum ev_kind {
	EV_STARTED,		/* job began: kind, contact_id */
	EV_PROGRESS,		/* done/total */
	EV_CHANGED,		/* contact_id's rows changed in the cache ("" = many) */
	EV_BACKOFF,		/* waiting backoff_ms before the next request */
	EV_ONLINE,		/* a request succeeded */
	EV_OFFLINE,		/* network unreachable; msg says why */
	EV_FAILED,		/* a write or sync failed permanently: msg */
	EV_DONE,		/* job ended: code is 0 or the errcode, msg */
	EV_RATELIMIT,		/* remaining/max from the last headers */
};

struct worker_event {
	enum ev_kind	 kind;
	enum job_kind	 job;
	char		 contact_id[64];
	long		 done, total;
	long		 backoff_ms;
	long		 remaining, max;	/* EV_RATELIMIT */
	int		 code;			/* enum errcode for EV_DONE/EV_FAILED */
	char		 msg[512];
};

/*
 * Start the thread (signals blocked in it).  cfg is copied what is needed
 * and may be freed after.  Returns 0 or an errcode with e filled.
 */
int	 worker_start(struct worker **, const struct conf *, struct err *);
/* Readable (POLLIN) whenever events are queued. */
int	 worker_fd(const struct worker *);
/* Queue a job; contact_id may be NULL.  Duplicate queued jobs coalesce. */
void	 worker_post(struct worker *, enum job_kind, const char *contact_id);
/* Cancel the running job (it ends with EV_DONE code ERR_CANCELED). */
void	 worker_cancel(struct worker *);
/* Pop one event into ev; returns 1 if there was one, 0 if none. */
int	 worker_next_event(struct worker *, struct worker_event *ev);
/* Non-zero while a job runs or is queued. */
int	 worker_busy(struct worker *);
/* Cancel, join, free. */
void	 worker_stop(struct worker *);

#endif
