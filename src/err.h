/*
 * err.h: the error taxonomy of the core.  Core functions return 0 or an
 * enum errcode and fill a caller-supplied struct err with one line a person can
 * read: what failed (endpoint, contact id) and the server's message.
 */
#ifndef GHL_ERR_H
#define GHL_ERR_H

enum errcode {
	ERR_OK = 0,
	ERR_IO,		/* local file or system call */
	ERR_NET,	/* connect, DNS, TLS, timeout, dropped connection: transient */
	ERR_HTTP,	/* 5xx or unexpected status: transient */
	ERR_AUTH,	/* 401/403, missing scope, bad token: permanent */
	ERR_NOTFOUND,	/* 404 or "not found": permanent */
	ERR_INVALID,	/* 400/422, bad input: permanent */
	ERR_CONFLICT,	/* duplicate, state mismatch: permanent */
	ERR_RATELIMIT,	/* 429 after retries: transient */
	ERR_PARSE,	/* body not the JSON we expect: transient (truncation) */
	ERR_DB,		/* SQLite */
	ERR_CANCELED,	/* cancelled by the caller */
	ERR_USAGE,	/* bad arguments */
	ERR_OFFLINE,	/* --offline: nothing was sent */
	ERR_TOOBIG,	/* response over a size limit: permanent (it would be again) */
	ERR__COUNT
};

struct err {
	enum errcode code;
	int	 http_status;	/* 0 when no response */
	long	 retry_after_ms;/* from Retry-After, or -1 */
	/*
	 * A transient error that a retry soon would only repeat (a refused
	 * TLS certificate): report it now, keep writes pending.
	 */
	int	 no_retry;
	char	 msg[512];
};

/* Set e (may be NULL) and return code.  printf-style message; clears
 * no_retry. */
int		 err_set(struct err *, enum errcode, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
/* Prefix e->msg with "context: ". */
void		 err_prefix(struct err *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
void		 err_clear(struct err *);
const char	*err_name(enum errcode);
/* Transient errors are retried later; permanent ones are reported. */
int		 err_is_transient(enum errcode);
/*
 * Worth retrying now: a transient e->code without e->no_retry.  (A
 * no_retry error is still transient: writes stay pending for later.)
 */
int		 err_retry_now(const struct err *);

#endif
