/*
 * conf.h: the settings every part of ghlterm reads, filled from flags >
 * environment > config file ($XDG_CONFIG_HOME/ghlterm/config, INI, read
 * with libinih) > defaults (DESIGN §4).  Also holds the TUI's key bindings
 * and the [autotag]/[salesmate] sections as raw lines for their modules.
 */
#ifndef GHL_CONF_H
#define GHL_CONF_H

#include <stddef.h>

#include "err.h"

#define GHL_DEFAULT_BASE_URL "https://services.leadconnectorhq.com"
#define GHL_API_VERSION "2021-07-28"

struct cfg_bind {
	char	*context;	/* "list", "detail", "tasks", "global", ... */
	char	*key;		/* "^R", "ENTER", "x" */
	char	*command;	/* command name, or NULL for unbind */
};

struct cfg_autotag {
	char	*pattern;	/* case-insensitive substring or POSIX ERE */
	char	**tags;
	size_t	 ntags;
	int	 match_tasks;	/* also match task titles */
};

struct conf {
	char	*base_url;	/* never NULL after conf_load */
	char	*token_file;	/* --token-file, or config "token_file" */
	char	*token;		/* GHL_TOKEN; never logged */
	char	*location;	/* location (sub-account) id */
	char	*cache_path;	/* resolved path, never NULL after conf_load */
	char	*config_path;	/* the file read, or NULL */
	char	*state_dir;	/* $XDG_STATE_HOME/ghlterm, for log.jsonl */
	int	 offline;
	int	 sandbox;
	int	 verbose;

	/* [sync] */
	int	 refresh_age_s;		/* TUI: refresh a contact older than this on open */
	int	 poll_interval_s;	/* TUI/--watch polling; 0 = off */
	int	 replay_timeout_s;	/* give up replay when unreachable */
	int	 connect_timeout_ms;
	int	 timeout_ms;
	long	 daily_warn;		/* warn when daily remaining below this */
	char	*on_failure;		/* command run on a failed sync/write */

	/* [ui] */
	int	 mouse;
	int	 color;			/* 0 when NO_COLOR or theme=mono */
	int	 hide_completed;
	struct cfg_bind *binds;
	size_t	 nbinds;

	/* [autotag] */
	struct cfg_autotag *autotags;
	size_t	 nautotags;

	/* [salesmate] */
	char	*sm_base_url, *sm_linkname, *sm_token_file, *sm_owner;
	char	*sm_id_field, *sm_activity_type;
	int	 sm_auto;

	/* [webhook] (ghlterm listen; flags override) */
	char	*wh_listen;		/* HOST:PORT */
	char	*wh_rsa_key;		/* PEM public key for x-wh-signature */
	char	*wh_ed25519_key;	/* PEM public key for x-ghl-signature */
	long	 wh_max_body;		/* bytes; 0: the receiver's default */
};

/* Defaults only; no environment or file.  Caller owns; conf_free. */
void	 conf_defaults(struct conf *);
/*
 * Read the environment and then the config file (path from $GHLTERM_CONFIG,
 * else $XDG_CONFIG_HOME/ghlterm/config) into cfg, never overriding fields
 * that flags already set (non-NULL / flagged).  Resolves cache_path and
 * state_dir.  Returns 0 or ERR_IO/ERR_USAGE with "FILE:LINE: message".
 */
int	 conf_load(struct conf *, struct err *);
/* Free every member and zero the struct; NULL is a no-op. */
void	 conf_free(struct conf *);

/*
 * Parse INI text (name is used in messages) or a file into cfg.  Keys that
 * a flag or the environment set (non-NULL before the call) are kept.
 * Returns 0, ERR_USAGE ("NAME:LINE: message" for an unknown section or
 * key, a bad value or a syntax error) or ERR_IO.  Any thread; cfg is the
 * caller's.
 */
int	 conf_parse_text(struct conf *, const char *name, const char *text,
	    struct err *);
int	 conf_parse_file(struct conf *, const char *path, struct err *);

/* Value parsers shared with the command line.  Return 0 or -1. */
/* yes/no/true/false/on/off/1/0, any case. */
int	 conf_parse_bool(const char *, int *out);
/* "30" (seconds), "30s", "500ms", "5m", "2h", "1d" into milliseconds. */
int	 conf_parse_duration(const char *, long *ms);
/* A whole decimal number within [min, max]. */
int	 conf_parse_long(const char *, long min, long max, long *out);

#endif
