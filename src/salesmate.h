/*
 * salesmate.h: the Salesmate v4 client (salesmate CONTRACT §1-§4).  It
 * sends accessToken + x-linkname on every request, decides success as
 * HTTP 2xx and Status "success", maps error names to one-line messages,
 * paces requests with a token bucket within the account budget and backs
 * off on 429/5xx for requests that are safe to repeat.  Creates are never
 * repeated here: their failure is reported as "outcome unknown" and the
 * mirror runs its recovery lookup.  The token is never logged.
 * One client belongs to one thread.
 */
#ifndef GHL_SALESMATE_H
#define GHL_SALESMATE_H

#include <stdint.h>

#include "err.h"

struct http;
struct conf;
struct sm_client;

/* The account budget (CONTRACT §4.2). */
#define SM_DEFAULT_PER_HOUR	1500L
#define SM_DEFAULT_BURST	25L

struct sm_opts {
	const char	*base_url;	/* "https://acme.salesmate.io" or sandbox */
	const char	*linkname;	/* "acme" (sent as acme.salesmate.io) */
	const char	*token;		/* borrowed; never logged */
	struct http	*http;		/* borrowed transport */
	long		 per_hour;	/* <= 0: SM_DEFAULT_PER_HOUR */
	long		 burst;		/* <= 0: SM_DEFAULT_BURST */
	long		 max_wait_ms;	/* longest 429/backoff wait; <= 0: 60 s */
	uint64_t	 seed;		/* backoff jitter */
	/* Clock and sleep (tests); NULL: CLOCK_MONOTONIC and nanosleep. */
	int64_t		(*now_ms)(void *arg);
	void		(*sleep_ms)(void *arg, long ms);
	void		*clock_arg;
};

/* One call's outcome beyond the errcode. */
struct sm_result {
	int	 status;	/* HTTP status, 0 when none */
	char	*data;		/* Data as JSON text on success, else NULL */
	int	 unknown;	/* a create failed with its outcome unknown */
};

/*
 * New client.  Validates the link name (one DNS label, CONTRACT §2.3) and
 * that a token is given: ERR_USAGE / ERR_AUTH otherwise.  Caller frees
 * with sm_client_free (the transport is not freed).
 */
int	 sm_client_new(struct sm_client **, const struct sm_opts *,
	    struct err *e);
void	 sm_client_free(struct sm_client *);

/*
 * One API call: method, path with query ("/apis/contact/v4/search?rows=10
 * &from=0"), JSON body or NULL.  create: a POST that makes a record (never
 * repeated; a transport error, timeout, 429 or 5xx sets res->unknown).
 * Returns 0 with res->data set, or: ERR_AUTH (token rejected, permission,
 * unknown link; stop the run), ERR_INVALID (ValidationError, message of
 * the server), ERR_NOTFOUND (ObjectNotFound), ERR_RATELIMIT (429 after the
 * retries or a Retry-After beyond max_wait_ms), ERR_HTTP / ERR_NET / ERR_PARSE.
 * e->msg reads "METHOD /path: what happened".  res may be NULL; free its
 * data with sm_result_free.
 */
int	 sm_call(struct sm_client *, const char *method, const char *path,
	    const char *body, int create, struct sm_result *res,
	    struct err *e);
void	 sm_result_free(struct sm_result *);

/* Requests sent so far (every attempt), and 429 answers seen. */
long	 sm_client_calls(const struct sm_client *);
long	 sm_client_429s(const struct sm_client *);
/* The base URL in use (borrowed). */
const char *sm_client_base(const struct sm_client *);

/*
 * The access token: $SALESMATE_TOKEN (or $GHLTERM_SALESMATE_KEY), else the
 * first line of cfg->sm_token_file, which must not be readable or writable
 * by group or others (ERR_AUTH naming the file otherwise).  *token is new.
 * ERR_AUTH "no Salesmate token ..." when neither is set.
 */
int	 sm_token_load(const struct conf *, char **token, struct err *e);
/* The base URL of cfg: sm_base_url, else https://LINK.salesmate.io.
 * New string, or NULL when neither is set. */
char	*sm_base_url(const struct conf *);
/* 1 when s is one DNS label (the link-name rule). */
int	 sm_linkname_valid(const char *s);

#endif
