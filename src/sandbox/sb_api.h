/*
 * sb_api.h: the 22 Contacts API endpoints of CONTRACT §0 on top of
 * sb_store: routing (literal routes before :contactId), validation, the
 * contract's bodies and statuses, and webhook events for every change.
 * Transport concerns (auth, rate limits, faults) live in sb_server.
 */
#ifndef GHL_SB_API_H
#define GHL_SB_API_H

#include <stddef.h>

struct sb_store;
struct sb_hook;
struct sb_api;

/*
 * Paging faults (--fault cursor-repeat, cursor-endless, page-oversize):
 * sb_server draws one for each POST /contacts/search and hands it over;
 * sb_api answers with the one it carried out.
 */
enum sb_api_pfault {
	SB_PF_NONE, SB_PF_CURSOR_REPEAT, SB_PF_ENDLESS, SB_PF_OVERSIZE,
	SB_PF__COUNT
};

/* One request as the server hands it over.  All members borrowed. */
struct sb_api_req {
	const char	*method;
	const char	*path;		/* undecoded, without the query */
	/* Query parameter lookup (decoded value or NULL). */
	const char	*(*query)(void *qarg, const char *key);
	void		*qarg;
	const char	*body;		/* NULL or body_len bytes */
	size_t		 body_len;
	int		 can_write;	/* token has contacts.write */
	enum sb_api_pfault pfault;	/* paging fault drawn for it */
	unsigned long long pfault_sub;	/* its variant (random bits) */
	int		 endless;	/* cursor-endless is on: the laps of
					 * an endless search go on */
};

/* The answer: status, JSON body (owned, malloc'd). */
struct sb_api_resp {
	int	 status;
	char	*body;
	/* The paging fault carried out: the drawn one when it applied,
	 * SB_PF_ENDLESS for every page after an endless one. */
	enum sb_api_pfault pfault;
};

/* Route resolution result. */
struct sb_api_route {
	int		 id;		/* internal endpoint number, -1: none */
	const char	*tmpl;		/* "GET /contacts/:contactId", static */
	int		 write;		/* needs contacts.write */
	int		 paging;	/* takes paging faults (the search) */
};

/* New API over store st (borrowed), posting events to hook (may be NULL). */
struct sb_api	*sb_api_new(struct sb_store *st, struct sb_hook *hook,
		    unsigned long long seed);
void		 sb_api_free(struct sb_api *);
/* Set the base URL used in meta.nextPageUrl (copied). */
void		 sb_api_set_base(struct sb_api *, const char *base);
/*
 * Resolve method + path to an endpoint.  Returns 0, or -1 with r->tmpl set
 * to "unknown" when no endpoint matches.  Thread-safe.
 */
int		 sb_api_route(const char *method, const char *path,
		    struct sb_api_route *r);
/*
 * Handle a request for the resolved route r: fills resp (status + body).
 * Scope and headers were checked by the caller.  Thread-safe.
 */
void		 sb_api_handle(struct sb_api *, const struct sb_api_route *r,
		    const struct sb_api_req *req, struct sb_api_resp *resp);
/* JSON error body {"statusCode":status,"message":msg[,"error":error]}. */
char		*sb_api_error(int status, const char *msg, const char *error);

#endif
