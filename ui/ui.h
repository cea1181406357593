/*
 * ui.h: the entry point of the ncurses front end (DESIGN §5).  The TUI runs
 * on the main thread only; it reads the cache with its own connection and
 * hands network work to the worker thread.  No curses types in this header.
 */
#ifndef GHL_UI_H
#define GHL_UI_H

#include "err.h"

struct conf;

/*
 * Run the TUI until the user quits, or until max_frames frames were
 * rendered when max_frames > 0 (ghlterm -n N).  Opens its own cache
 * connection (cfg->cache_path) and starts the worker unless cfg->offline.
 * cfg is borrowed for the duration of the call.  Installs signal handlers
 * for SIGWINCH/SIGINT/SIGTERM/SIGHUP/SIGCONT and restores the terminal on
 * return.  Returns the process exit status (0 normal quit, 1 failure with
 * e filled, e.g. no terminal or an unreadable cache).  Main thread only.
 */
int	 ui_run(const struct conf *cfg, long max_frames, struct err *e);

#endif
