/*
 * xmalloc.c: allocation wrappers that never return NULL, plus fatalx().
 * Running out of memory ends the process cleanly (the fatal hook, one
 * line "ghlterm: out of memory", exit status XMALLOC_OOM_STATUS, no core);
 * test builds can force the Nth x*-allocation to fail (GHLTERM_FAIL_ALLOC).
 */
#include "config.h"
#include "xmalloc.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Exit status of a process that ran out of memory (sysexits' EX_OSERR). */
#define XMALLOC_OOM_STATUS 71

static void (*fatal_hook)(void);

void
xmalloc_set_fatal_hook(void (*fn)(void))
{
	fatal_hook = fn;
}

_Noreturn void
fatalx(const char *fmt, ...)
{
	va_list ap;

	if (fatal_hook != NULL)
		fatal_hook();
	va_start(ap, fmt);
	fputs("ghlterm: fatal: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/*
 * Out of memory: restore the terminal (hook), say so in one line and end
 * the process with XMALLOC_OOM_STATUS.  _exit, not exit: other threads may
 * hold locks that atexit handlers would need, and nothing here may
 * allocate.  Any thread may call it.
 */
static _Noreturn void
oom(void)
{
	static const char msg[] = "ghlterm: out of memory\n";
	ssize_t w;

	if (fatal_hook != NULL)
		fatal_hook();
	w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)w;
	_exit(XMALLOC_OOM_STATUS);
}

#ifdef GHL_TEST_HOOKS
/*
 * GHLTERM_FAIL_ALLOC=N: the Nth x*-allocation of the process (counted over
 * all threads from 1) fails as if memory ran out.  Read once.
 */
static int
fail_now(void)
{
	static long want = -1;
	static long count;
	const char *e;
	char *end;
	long w;

	w = __atomic_load_n(&want, __ATOMIC_RELAXED);
	if (w == -1) {
		e = getenv("GHLTERM_FAIL_ALLOC");
		w = 0;
		if (e != NULL && *e != '\0') {
			w = strtol(e, &end, 10);
			if (*end != '\0' || w < 0)
				w = 0;
		}
		__atomic_store_n(&want, w, __ATOMIC_RELAXED);
	}
	if (w == 0)
		return 0;
	return __atomic_add_fetch(&count, 1, __ATOMIC_RELAXED) == w;
}
#else
#define fail_now() 0
#endif

void *
xmalloc(size_t n)
{
	void *p;

	if (n == 0)
		n = 1;
	if (fail_now() || (p = malloc(n)) == NULL)
		oom();
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if (fail_now() || (p = calloc(nmemb, size)) == NULL)
		oom();
	return p;
}

void *
xrealloc(void *old, size_t n)
{
	void *p;

	if (n == 0)
		n = 1;
	if (fail_now() || (p = realloc(old, n)) == NULL)
		oom();
	return p;
}

void *
xreallocarray(void *old, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		fatalx("allocation overflow (%zu x %zu)", nmemb, size);
	return xrealloc(old, nmemb * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrdup0(const char *s)
{
	return s == NULL ? NULL : xstrdup(s);
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
	va_list ap2;
	char *p;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		fatalx("bad format: %s", fmt);
	p = xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}
