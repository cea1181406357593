/*
 * err.c: filling and naming struct err.
 */
#include "config.h"
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
err_set(struct err *e, enum errcode code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	e->code = code;
	e->no_retry = 0;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return code;
}

void
err_prefix(struct err *e, const char *fmt, ...)
{
	char tmp[sizeof e->msg];
	size_t n, m;
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	/* "prefix: message", cut to fit. */
	n = strlen(tmp);
	if (n + 2 < sizeof tmp) {
		memcpy(tmp + n, ": ", 2);
		n += 2;
		m = strnlen(e->msg, sizeof e->msg);
		if (m > sizeof tmp - 1 - n)
			m = sizeof tmp - 1 - n;
		memcpy(tmp + n, e->msg, m);
		n += m;
	}
	tmp[n] = '\0';
	memcpy(e->msg, tmp, sizeof e->msg);
}

void
err_clear(struct err *e)
{
	if (e == NULL)
		return;
	e->code = ERR_OK;
	e->http_status = 0;
	e->retry_after_ms = -1;
	e->no_retry = 0;
	e->msg[0] = '\0';
}

const char *
err_name(enum errcode code)
{
	static const char *const names[ERR__COUNT] = {
		[ERR_OK] = "ok", [ERR_IO] = "io", [ERR_NET] = "network",
		[ERR_HTTP] = "http", [ERR_AUTH] = "auth",
		[ERR_NOTFOUND] = "not-found", [ERR_INVALID] = "invalid",
		[ERR_CONFLICT] = "conflict", [ERR_RATELIMIT] = "rate-limit",
		[ERR_PARSE] = "parse", [ERR_DB] = "database",
		[ERR_CANCELED] = "canceled", [ERR_USAGE] = "usage",
		[ERR_OFFLINE] = "offline", [ERR_TOOBIG] = "too-big",
	};

	if ((unsigned)code >= ERR__COUNT)
		return "unknown";
	return names[code];
}

int
err_is_transient(enum errcode code)
{
	switch (code) {
	case ERR_NET:
	case ERR_HTTP:
	case ERR_RATELIMIT:
	case ERR_PARSE:
	case ERR_OFFLINE:
		return 1;
	default:
		return 0;
	}
}

int
err_retry_now(const struct err *e)
{
	return e != NULL && err_is_transient(e->code) && !e->no_retry;
}
