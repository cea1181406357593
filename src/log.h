/*
 * log.h: the request and event log, JSON lines appended to a file
 * ($XDG_STATE_HOME/ghlterm/log.jsonl; the caller picks the path).  Never
 * writes to stdout or stderr.  Thread-safe: the worker and the UI both log.
 * Credentials are never passed in on purpose, and any Authorization header,
 * Bearer token, access_token/refresh_token/client_secret value that does
 * reach it is redacted before it is written.
 */
#ifndef GHL_LOG_H
#define GHL_LOG_H

#include <stddef.h>

#include "err.h"

enum log_level {
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
};

/*
 * Open (create) path for appending: missing parent directories are made
 * mode 0700, the file is created 0600.  Replaces a log already open.
 * Returns 0 or ERR_IO (e filled, may be NULL).  Until it succeeds every
 * log call is a no-op.
 */
int	 log_open(const char *path, struct err *e);
/* Close the log; later calls are no-ops until the next log_open. */
void	 log_close(void);
/* Lines below level are dropped (default LOG_LEVEL_INFO). */
void	 log_set_level(enum log_level);

/*
 * One line per HTTP attempt: {"time","level":"info","method","endpoint",
 * "contact_id","status","attempt","latency_ms","trace_id"}.  endpoint is
 * the path template ("/contacts/:contactId/tasks"); contact_id and
 * trace_id may be NULL (null in the line); status 0 means no response.
 */
void	 log_request(const char *method, const char *endpoint,
	    const char *contact_id, int status, int attempt, long latency_ms,
	    const char *trace_id);
/* {"time","level","msg"}; the message is redacted and JSON-escaped. */
void	 log_msg(enum log_level, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* A fresh client trace id: 16 lowercase hex digits into out (>= 17). */
void	 log_trace_id(char *out, size_t outlen);
/*
 * Copy s into a new string with credentials replaced by "[REDACTED]"
 * (see above).  Caller frees.  Exposed for tests and for any module that
 * must show a header block.  Reentrant.
 */
char	*log_redact(const char *s);

#endif
