/*
 * sandbox_spawn.h: start ghlterm-sandbox for `ghlterm --sandbox` (DESIGN
 * §4): found next to our own executable or on $PATH, listening on an
 * ephemeral loopback port with seeded demo data; its base URL is read from
 * the first line it prints.  The child never sees a token in its argv and
 * dies with us (PR_SET_PDEATHSIG) even if we are killed.
 */
#ifndef GHL_SANDBOX_SPAWN_H
#define GHL_SANDBOX_SPAWN_H

#include <sys/types.h>

#include "err.h"

/* The demo token and location the sandbox serves by default. */
#define SANDBOX_TOKEN		"sandbox-token"
#define SANDBOX_LOCATION	"SandboxLocation00001"
/* The Salesmate sandbox of --sandbox: link name, accepted token, the
 * seeded active user that owns what we create, the custom field holding
 * the GHL id. */
#define SANDBOX_SM_LINK		"sandbox"
#define SANDBOX_SM_TOKEN	"sandbox-sm-token"
#define SANDBOX_SM_OWNER	"3"
#define SANDBOX_SM_ID_FIELD	"textCustomField1"

struct sandbox_child {
	pid_t	 pid;		/* 0 when not running */
	char	*base_url;	/* "http://127.0.0.1:PORT", owned */
	char	*exe;		/* the program started, owned */
};

/*
 * Start the sandbox with extra arguments appended to "--listen
 * 127.0.0.1:0 --contacts 500 --seed 1" (extra may be NULL).  Its stderr
 * goes to log_path (created 0600; NULL: /dev/null).  Waits up to
 * timeout_ms for the URL line.  Returns 0 with sb filled, or ERR_IO
 * (program not found, exited early, no URL in time) with e filled and
 * nothing left running.  Main thread.
 */
int	 sandbox_spawn(struct sandbox_child *sb, const char *const *extra,
	    const char *log_path, long timeout_ms, struct err *e);
/*
 * Start "ghlterm-sandbox --api salesmate --listen 127.0.0.1:0 --link
 * SANDBOX_SM_LINK --key SANDBOX_SM_TOKEN" the same way (same contract as
 * sandbox_spawn).  Both children may run at once.
 */
int	 sandbox_spawn_salesmate(struct sandbox_child *sb,
	    const char *log_path, long timeout_ms, struct err *e);
/*
 * Stop it: SIGTERM, wait up to 2 s, then SIGKILL; frees the members.
 * Safe to call twice or on a zeroed struct.
 */
void	 sandbox_stop(struct sandbox_child *sb);
/*
 * Async-signal-safe: send SIGTERM to the running sandboxes, if any.
 * For fatal-signal handlers.
 */
void	 sandbox_kill_async(void);

#endif
