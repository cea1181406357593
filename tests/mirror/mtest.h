/*
 * mtest.h: helpers shared by the mirror's tests: read fixtures, seed the
 * GHL cache, talk to a Salesmate sandbox over HTTP and look into its
 * JSON answers (tests may use cJSON directly).
 */
#ifndef GHL_MTEST_H
#define GHL_MTEST_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct cache;

/* The whole file at TOP_SRCDIR/rel as a new string; aborts when absent. */
char	*mt_fixture(const char *rel);
/* Put the example contact Maya (tests/data/api) with her tasks and notes
 * into the cache. */
void	 mt_seed_example(struct cache *);
/* Put a contact built from these fields (NULL = absent); tags is
 * comma-separated or NULL.  Replaces an existing one. */
void	 mt_seed_contact(struct cache *, const char *id, const char *first,
	    const char *last, const char *email, const char *phone,
	    const char *company, const char *tags);
/* Add a task / note to a cached contact (replacing the whole set is the
 * caller's business: these upsert one). */
void	 mt_seed_task(struct cache *, const char *contact_id, const char *id,
	    const char *title, const char *body, const char *due,
	    int completed);
void	 mt_seed_note(struct cache *, const char *contact_id, const char *id,
	    const char *title, const char *body, int pinned);

/* One request; returns the parsed body (caller cJSON_Deletes) or NULL;
 * *status gets the HTTP status (0 on transport error).  token NULL sends
 * no key; the link header is always acme.salesmate.io. */
cJSON	*mt_http(const char *base, const char *method, const char *path,
	    const char *body, const char *token, int *status);
/* GET /_sandbox/state Data (caller frees). */
cJSON	*mt_state(const char *base);
/* Salesmate calls counted by the sandbox so far. */
long	 mt_calls(const char *base);
/* by_route count of name ("POST contact") */
long	 mt_route(const char *base, const char *name);
/* Items of array key in state whose field equals value (string compare
 * of scalars); count, and the first one (borrowed) in *first. */
int	 mt_count(cJSON *state, const char *key, const char *field,
	    const char *value, cJSON **first);

#endif
