/*
 * mirror_cli.h: the `ghlterm mirror` command and the Salesmate checks of
 * `ghlterm doctor`.  Part of the CLI module: these print to stdout/stderr.
 */
#ifndef GHL_MIRROR_CLI_H
#define GHL_MIRROR_CLI_H

#include <stdio.h>

struct conf;

/*
 * ghlterm mirror CONTACT_ID... | --all | --queued [--dry-run] [--no-sync]
 * ghlterm mirror status [--json]
 * argv[0] is the subcommand name ("mirror").  Prints a summary on stdout
 * and one line per failure on stderr.  Returns the exit status: 0 success,
 * 1 failure (any item failed, or the run stopped), 2 usage error.
 */
int	 mirror_cli(const struct conf *, int argc, char **argv);

/*
 * The Salesmate part of `ghlterm doctor`: configuration present (link
 * name, token, file mode), credentials accepted (users list), the
 * configured owner active (or the key's own user found), the id field
 * named like a custom field.  One "ok"/"FAIL"/"warn" line per check on
 * out.  Returns 0 when every check passed (or Salesmate is not
 * configured: one "skip" line), else 1.
 */
int	 mirror_doctor(const struct conf *, FILE *out);

struct cache;
struct err;
/*
 * Mirror one cached contact (with its tasks and notes) now, without
 * printing: for the worker thread and for salesmate.auto after a sync.
 * cache is the caller's handle (its thread).  Returns 0 or the errcode of
 * mirror_contact(), e filled; ERR_USAGE when Salesmate is not configured.
 */
int	 mirror_one(const struct conf *, struct cache *, const char *id,
	    struct err *e);

#endif
