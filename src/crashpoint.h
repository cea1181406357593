/*
 * crashpoint.h: named crash points for the crash-consistency suite.  In
 * builds with GHL_TEST_HOOKS, crashpoint("name") kills the process with
 * SIGKILL when $GHLTERM_CRASH_AT equals name (optionally "name:N" for the
 * Nth time it is reached).  Elsewhere it compiles to nothing.
 */
#ifndef GHL_CRASHPOINT_H
#define GHL_CRASHPOINT_H

#ifdef GHL_TEST_HOOKS
void	crashpoint(const char *name);
#else
#define crashpoint(name) ((void)0)
#endif

#endif
