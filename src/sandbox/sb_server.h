/*
 * sb_server.h: the HTTP side of ghlterm-sandbox on libmicrohttpd (thread
 * pool + epoll): bearer tokens and scopes, the Version header, per-token
 * rate limits with X-RateLimit-* headers, seeded fault injection, latency,
 * POST /oauth/token, the /_sandbox/ control endpoints and the request log.
 */
#ifndef GHL_SB_SERVER_H
#define GHL_SB_SERVER_H

#include <stdint.h>
#include <stdio.h>

struct sb_server;
struct sb_api;

/*
 * Probabilities (0..1) of each fault kind per API request; the paging
 * kinds (pcrepeat, pendless, poversize) per POST /contacts/search that
 * got no other fault.
 */
struct sb_faults {
	double	 p5xx, p429, pdrop, pdropafter, ptrunc, pmal, pslow, phtml,
		 phuge, putf8;
	double	 pcrepeat, pendless, poversize;
	uint64_t seed;
	unsigned slow_ms;
};

struct sb_server_conf {
	const char	*host;		/* default "127.0.0.1" */
	unsigned	 port;		/* 0: any free port */
	const char	*location;
	uint64_t	 seed;
	char		**tokens;	/* "TOKEN[:readonly][:expired]" */
	size_t		 ntokens;
	long		 token_ttl_s;	/* 0: tokens never expire */
	const char	*oauth_client;	/* "ID:SECRET" or NULL */
	char		**refresh;	/* seeded refresh tokens */
	size_t		 nrefresh;
	unsigned	 rate_max;	/* per window */
	unsigned	 rate_window_ms;
	unsigned long	 rate_daily;
	unsigned	 latency_ms;
	struct sb_faults faults;
	FILE		*log;		/* NULL: no request log */
	char		**versions;	/* accepted Version values */
	size_t		 nversions;	/* 0: only 2021-07-28 */
	unsigned	 threads;
	size_t		 body_max;
};

/*
 * Parse a --fault SPEC ("5xx=0.1,429=0.05,drop=0.05,...,seed=7") into f.
 * A paging kind alone ("cursor-endless") means a share of 1.  Return 0,
 * or -1 with a static message in *why.
 */
int		 sb_server_parse_faults(const char *spec, struct sb_faults *f,
		    const char **why);
/*
 * Start serving api (borrowed) with conf (copied where needed).  Return
 * NULL and a static message in *why when the socket or threads fail.
 */
struct sb_server *sb_server_start(const struct sb_server_conf *conf,
		    struct sb_api *api, const char **why);
/* The base URL served, e.g. "http://127.0.0.1:41237" (borrowed). */
const char	*sb_server_url(const struct sb_server *);
/* Stop accepting, finish delayed responses, free everything. */
void		 sb_server_stop(struct sb_server *);

#endif
