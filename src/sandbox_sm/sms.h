/*
 * sms.h: the Salesmate sandbox (salesmate CONTRACT §10), an in-memory
 * implementation of the v4 endpoints the mirror uses, served on loopback
 * with libmicrohttpd: users, contacts (+search), companies, activities
 * (+search), notes with the object/objects path trap, the error envelope,
 * link and key checks, the hourly rate limit, and /_sandbox/ endpoints to
 * inspect state and call counts and to inject faults in tests.
 */
#ifndef GHL_SMS_H
#define GHL_SMS_H

#include <stddef.h>

struct sms;

struct sms_user {
	long long	 id;
	const char	*first, *last, *email;
	int		 active, current;
};

struct sms_opts {
	const char	*host;		/* default 127.0.0.1 */
	unsigned	 port;		/* 0: ephemeral */
	const char	*linkname;	/* default "acme" */
	const char *const *keys;	/* accepted keys; NULL: {"test-key"} */
	size_t		 nkeys;
	int		 auth_live403;	/* 403 + lower-case live body */
	int		 notfound_200;	/* ObjectNotFound with HTTP 200 */
	long		 rate_per_hour;	/* 0: 1500 */
	int		 reject_dup_email;
	long long	 fixed_now_ms;	/* 0: the real clock */
	const struct sms_user *users;	/* NULL: the seeded users 3, 7, 9 */
	size_t		 nusers;
	long long	 contact_base, company_base, activity_base, note_base;
};

/*
 * Start serving in a background thread.  Returns NULL with a static
 * message in *why when the socket cannot be bound.
 */
struct sms	*sms_start(const struct sms_opts *, const char **why);
/* "http://127.0.0.1:PORT" (borrowed). */
const char	*sms_url(const struct sms *);
/* Stop the server and free everything.  NULL is a no-op. */
void		 sms_stop(struct sms *);

/* The program: ghlterm-sandbox --api salesmate ARGS, and the test
 * helper tests/mirror/sm-sandbox.  Prints the base URL as the first
 * stdout line and serves until SIGTERM/SIGINT or stdin EOF with
 * --stdin-eof. */
int		 sm_sandbox_main(int argc, char **argv);

#endif
