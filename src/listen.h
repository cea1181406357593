/*
 * listen.h: the webhook receiver (ghlterm listen, CONTRACT §5).  An HTTP
 * server (libmicrohttpd, driven from one poll() loop) accepts POSTed
 * HighLevel events, checks their signatures and replay rules, and applies
 * each one to the cache at once: deletes delete, creates and updates merge
 * the fields present onto the cached object.  What a payload cannot tell
 * (a contact not in the cache, a task's completed state) is fetched by a
 * background sync of the contact through the worker thread, never in the
 * HTTP handler.  Auto-tag rules run on note and task events.
 */
#ifndef GHL_LISTEN_H
#define GHL_LISTEN_H

#include <stddef.h>

#include "err.h"
#include "worker.h"

struct conf;
struct listen;

#define LISTEN_DEFAULT_ADDR	"127.0.0.1:8765"
#define LISTEN_DEFAULT_MAX_BODY	(1024 * 1024)
#define LISTEN_MAX_AGE_MS	(5LL * 60 * 1000)

/* Settings of one receiver; strings are borrowed.  Zero means default. */
struct listen_opts {
	const char	*listen_addr;	/* HOST:PORT; port 0 picks one */
	const char	*rsa_key;	/* PEM file: x-wh-signature */
	const char	*ed25519_key;	/* PEM file: x-ghl-signature */
	size_t		 max_body;	/* larger bodies get 413 */
	int		 no_sync;	/* never start background syncs */
};

/*
 * Read the [webhook] section of the configuration file path (may be NULL)
 * into o: listen, rsa_public_key, ed25519_public_key, max_body.  Values
 * already set in o are kept (flags win).  Strings stored in o are new and
 * owned by *strs (free each with free(), then the array), so o stays
 * borrowing.  Other sections are ignored.  Returns 0, ERR_IO or ERR_USAGE
 * ("FILE:LINE: message").
 */
int	 listen_read_config(struct listen_opts *o, const char *path,
	    char ***strs, size_t *nstrs, struct err *e);

/*
 * The receiver's state without the network (tests use it directly): the
 * cache at cfg->cache_path (opened here, this thread's handle), the keys
 * of o (verification is on when one is set) and the replay rules.  cfg
 * and o are borrowed and must outlive l.  Returns 0 or an errcode (a key
 * that cannot be loaded, the cache) with e filled.
 */
int	 listen_open(struct listen **l, const struct conf *cfg,
	    const struct listen_opts *o, struct err *e);
void	 listen_close(struct listen *);

/* Where background work goes: fn(arg, JOB_SYNC_ONE, contact id) to pull a
 * contact, fn(arg, JOB_OUTBOX, NULL) to send queued writes.  Without it
 * the requests are only counted. */
typedef void (*listen_job_fn)(void *arg, enum job_kind, const char *id);
void	 listen_set_jobs(struct listen *, listen_job_fn fn, void *arg);

/*
 * Handle one delivery: body/len as received, the x-wh-signature and
 * x-ghl-signature header values (NULL when absent), now_ms the unix time.
 * Returns the HTTP status to answer: 200 applied, duplicate or ignored
 * (unknown type); 400 not a webhook payload, or a timestamp more than 5
 * minutes away from now; 401 unsigned or badly signed while verification
 * is on; 413 body over max_body; 500 the cache failed (the sender retries).
 * msg (msglen bytes) gets a one-line outcome; one log line per event.
 */
int	 listen_handle(struct listen *, const char *body, size_t len,
	    const char *wh_sig, const char *ghl_sig, long long now_ms,
	    char *msg, size_t msglen);

/* Counters since listen_open. */
struct listen_stats {
	long	 applied, duplicates, ignored, rejected, failed;
	long	 syncs;		/* background syncs requested */
};
void	 listen_get_stats(const struct listen *, struct listen_stats *);

/*
 * Serve until SIGINT, SIGTERM or SIGHUP: bind listen_addr (NULL: the
 * [webhook] listen key, else LISTEN_DEFAULT_ADDR), print the URL it
 * listens on ("http://127.0.0.1:PORT/") as the first line on stdout, and
 * apply events; unless cfg->offline, a worker thread runs the background
 * syncs.  Keys come from the [webhook] section of cfg->config_path.
 * Returns 0 after a signal, or an errcode (bind failed, bad key) with e
 * filled.  Main thread; installs its own signal handlers.
 */
int	 listen_run(const struct conf *cfg, const char *listen_addr,
	    struct err *e);
/* listen_run with the settings given (o is not merged with the file). */
int	 listen_run_opts(const struct conf *cfg, const struct listen_opts *o,
	    struct err *e);

/*
 * ghlterm listen [--listen HOST:PORT] [--rsa-key FILE] [--ed25519-key FILE]
 * [--max-body BYTES] [--no-sync]: flags over the [webhook] section, then
 * listen_run_opts.  argv[0] is "listen".  Prints failures as one
 * "ghlterm: ..." line on stderr.  Returns the exit status (0, 1, 2).
 */
int	 listen_cli(const struct conf *cfg, int argc, char **argv);

#endif
