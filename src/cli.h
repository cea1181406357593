/*
 * cli.h: the non-interactive commands of ghlterm (DESIGN §4): reads over
 * the cache (list, show, outbox, log, usage, export), writes through the
 * cache's outbox followed by a replay, sync, and doctor.  This module
 * prints: results on stdout, one "ghlterm: ..." line per failure on
 * stderr.  Main thread only.
 */
#ifndef GHL_CLI_H
#define GHL_CLI_H

#include <stdio.h>

struct conf;

/* Exit statuses of every command (DESIGN §4). */
enum cli_exit {
	CLI_OK = 0,
	CLI_FAIL = 1,
	CLI_USAGE = 2,
};

/*
 * Run the command argv[0] with its arguments (argv[1..argc-1]); cfg is
 * borrowed, fully loaded (conf_load done).  Returns the process exit
 * status: 0 success, 1 failure (one line on stderr), 2 usage error.
 */
int	 cli_run(const struct conf *cfg, int argc, char **argv);
/* Non-zero when name is a command cli_run knows. */
int	 cli_is_command(const char *name);
/* The global usage text (synopsis of every command) to fp. */
void	 cli_usage(FILE *fp);
/*
 * Pull every contact (sync --all) quietly but for failures, as
 * ghlterm --sandbox does before it opens the TUI.  Returns an exit status
 * as cli_run (a failure line was printed).
 */
int	 cli_first_sync(const struct conf *cfg);

#endif
