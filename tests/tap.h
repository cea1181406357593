/*
 * tap.h: a tiny TAP producer for C unit tests (automake's tap-driver.sh
 * reads it).  Header-only: include it from exactly one file per test.
 */
#ifndef GHL_TAP_H
#define GHL_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static void __attribute__((format(printf, 2, 3)))
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)
#define is_int(got, want, name) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	tap_ok(g_ == w_, "%s", name);					\
	if (g_ != w_) printf("#   got %lld, want %lld\n", g_, w_);	\
} while (0)
#define is_str(got, want, name) do {					\
	const char *g_ = (got), *w_ = (want);				\
	int same_ = (g_ == NULL && w_ == NULL) ||			\
	    (g_ != NULL && w_ != NULL && strcmp(g_, w_) == 0);		\
	tap_ok(same_, "%s", name);					\
	if (!same_) printf("#   got \"%s\", want \"%s\"\n",		\
	    g_ ? g_ : "(null)", w_ ? w_ : "(null)");			\
} while (0)

static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
