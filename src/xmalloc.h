/*
 * xmalloc.h: allocators that never return NULL.  On exhaustion they run the
 * registered cleanup hook (the TUI's endwin), print "ghlterm: out of
 * memory" and _exit(71) (no core dump).
 * Debug/test builds can make the Nth allocation fail (GHLTERM_FAIL_ALLOC=N)
 * to walk every allocation failure path of a command.
 */
#ifndef GHL_XMALLOC_H
#define GHL_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
/* xstrdup(NULL) is NULL: convenient for optional fields. */
char	*xstrdup0(const char *);
char	*xstrndup(const char *, size_t);
char	*xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));
char	*xvasprintf(const char *, va_list) __attribute__((format(printf, 1, 0)));

/* Called once before abort() on OOM or a broken invariant; may be NULL. */
void	 xmalloc_set_fatal_hook(void (*)(void));
_Noreturn void fatalx(const char *, ...) __attribute__((format(printf, 1, 2)));

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

#endif
