/*
 * cache_log.c: the sync log (failures and alerts, collapsed with a count)
 * and the API usage tables (requests by endpoint and hour, the latest
 * X-RateLimit values) of the cache (cache.h).
 */
#include "config.h"
#include "cache.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sqlite3.h>

#include "buf.h"
#include "cache_int.h"
#include "codec.h"
#include "fts_query.h"
#include "xmalloc.h"

/* ---- sync log ---- */

int
cache_log_add(struct cache *c, const char *kind, const char *level,
    const char *cid, const char *endpoint, int http_status, const char *msg,
    struct err *e)
{
	sqlite3_stmt *st;
	long long now = cache_now_ms(), same = 0;
	int rc;

	if (msg == NULL)
		msg = "";
	rc = cache_begin(c, e);
	if (rc)
		return rc;
	if (strcmp(level, "error") == 0) {
		st = cache_stmt(c, Q_LOG_LAST, e);
		if (st == NULL) {
			rc = ERR_DB;
			goto out;
		}
		cache_bind(st, 1, kind);
		cache_bind(st, 2, cid);
		if (sqlite3_step(st) == SQLITE_ROW) {
			const char *lv = (const char *)sqlite3_column_text(st, 1);
			const char *ep = (const char *)sqlite3_column_text(st, 2);
			const char *m = (const char *)sqlite3_column_text(st, 4);

			if (lv != NULL && strcmp(lv, "error") == 0 &&
			    ((ep == NULL && endpoint == NULL) || (ep != NULL &&
			    endpoint != NULL && strcmp(ep, endpoint) == 0)) &&
			    sqlite3_column_int(st, 3) == http_status &&
			    m != NULL && strcmp(m, msg) == 0)
				same = sqlite3_column_int64(st, 0);
		}
		sqlite3_reset(st);
	}
	if (same != 0) {
		st = cache_stmt(c, Q_LOG_BUMP, e);
		if (st == NULL) {
			rc = ERR_DB;
			goto out;
		}
		sqlite3_bind_int64(st, 1, same);
		sqlite3_bind_int64(st, 2, now);
		rc = cache_exec_stmt(c, st, e, "log");
		goto out;
	}
	st = cache_stmt(c, Q_LOG_INSERT, e);
	if (st == NULL) {
		rc = ERR_DB;
		goto out;
	}
	cache_bind(st, 1, kind);
	cache_bind(st, 2, level);
	cache_bind(st, 3, cid);
	cache_bind(st, 4, endpoint);
	sqlite3_bind_int(st, 5, http_status);
	cache_bind(st, 6, msg);
	sqlite3_bind_int64(st, 7, now);
	rc = cache_exec_stmt(c, st, e, "log");
	if (rc == 0 && sqlite3_last_insert_rowid(c->db) % 100 == 0) {
		st = cache_stmt(c, Q_LOG_TRIM, e);
		rc = st != NULL ? cache_exec_stmt(c, st, e, "trim log") : ERR_DB;
	}
out:
	if (rc) {
		cache_rollback(c);
		return rc;
	}
	return cache_commit(c, e);
}

int
cache_log_list(struct cache *c, int failed_only, int limit,
    struct log_entry **v, size_t *n, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_LOG_LIST, e);
	size_t cap = 0;
	int rc;

	*v = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int(st, 1, failed_only != 0);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct log_entry *l;

		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*v = xreallocarray(*v, cap, sizeof **v);
		}
		l = &(*v)[(*n)++];
		l->id = sqlite3_column_int64(st, 0);
		l->kind = cache_col(st, 1);
		l->level = cache_col(st, 2);
		l->contact_id = cache_col(st, 3);
		l->endpoint = cache_col(st, 4);
		l->http_status = sqlite3_column_int(st, 5);
		l->message = cache_col(st, 6);
		l->count = (long)sqlite3_column_int64(st, 7);
		l->first_at = sqlite3_column_int64(st, 8);
		l->last_at = sqlite3_column_int64(st, 9);
		l->acknowledged = sqlite3_column_int(st, 10);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		cache_log_free(*v, *n);
		*v = NULL;
		*n = 0;
		return cache_dberr(c, e, "log list");
	}
	return 0;
}

void
cache_log_free(struct log_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].kind);
		free(v[i].level);
		free(v[i].contact_id);
		free(v[i].endpoint);
		free(v[i].message);
	}
	free(v);
}

int
cache_log_ack_all(struct cache *c, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_LOG_ACK, e);

	return st != NULL ? cache_exec_stmt(c, st, e, "ack log") : ERR_DB;
}

int
cache_log_unacked_errors(struct cache *c, long *n, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_LOG_UNACKED, e);
	int rc;

	*n = 0;
	if (st == NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = (long)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : cache_dberr(c, e, "log count");
}

/* ---- API usage ---- */

#define HOUR_MS 3600000LL

int
cache_usage_record(struct cache *c, const char *endpoint, int status,
    int retried, long long when_ms, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_USAGE_REC, e);

	if (st == NULL)
		return ERR_DB;
	cache_bind(st, 1, endpoint);
	sqlite3_bind_int64(st, 2, when_ms / HOUR_MS);
	sqlite3_bind_int(st, 3, status == 429);
	sqlite3_bind_int(st, 4, status == 0 || (status >= 400 && status != 429));
	sqlite3_bind_int(st, 5, retried != 0);
	return cache_exec_stmt(c, st, e, "record usage");
}

int
cache_usage_set_headers(struct cache *c, long limit_daily,
    long daily_remaining, long interval_ms, long max, long remaining,
    long long when_ms, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_USAGE_HEADERS, e);

	if (st == NULL)
		return ERR_DB;
	sqlite3_bind_int64(st, 1, limit_daily);
	sqlite3_bind_int64(st, 2, daily_remaining);
	sqlite3_bind_int64(st, 3, interval_ms);
	sqlite3_bind_int64(st, 4, max);
	sqlite3_bind_int64(st, 5, remaining);
	sqlite3_bind_int64(st, 6, when_ms);
	return cache_exec_stmt(c, st, e, "record rate-limit headers");
}

int
cache_usage_by_endpoint_day(struct cache *c, int days, long long now_ms,
    struct usage_row **v, size_t *n, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_USAGE_DAYS, e);
	long long today = now_ms / HOUR_MS / 24;
	size_t cap = 0;
	int rc;

	*v = NULL;
	*n = 0;
	if (st == NULL)
		return ERR_DB;
	if (days <= 0)
		days = 1;
	sqlite3_bind_int64(st, 1, (today - days + 1) * 24);
	sqlite3_bind_int64(st, 2, today * 24 + 23);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct usage_row *u;
		time_t t;
		struct tm tm;

		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*v = xreallocarray(*v, cap, sizeof **v);
		}
		u = &(*v)[(*n)++];
		u->endpoint = cache_col(st, 0);
		t = (time_t)(sqlite3_column_int64(st, 1) * 86400);
		gmtime_r(&t, &tm);
		strftime(u->day, sizeof u->day, "%Y-%m-%d", &tm);
		u->count = (long)sqlite3_column_int64(st, 2);
		u->n429 = (long)sqlite3_column_int64(st, 3);
		u->errors = (long)sqlite3_column_int64(st, 4);
		u->retries = (long)sqlite3_column_int64(st, 5);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		cache_usage_free(*v, *n);
		*v = NULL;
		*n = 0;
		return cache_dberr(c, e, "usage by day");
	}
	return 0;
}

void
cache_usage_free(struct usage_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].endpoint);
	free(v);
}

int
cache_usage_by_hour(struct cache *c, int hours, long long now_ms,
    struct usage_hour **v, struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_USAGE_HOURS, e);
	long long last = now_ms / HOUR_MS, first;
	int rc;

	*v = NULL;
	if (st == NULL)
		return ERR_DB;
	if (hours <= 0)
		hours = 1;
	first = last - hours + 1;
	*v = xcalloc((size_t)hours, sizeof **v);
	for (int i = 0; i < hours; i++)
		(*v)[i].hour_ms = (first + i) * HOUR_MS;
	sqlite3_bind_int64(st, 1, first);
	sqlite3_bind_int64(st, 2, last);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long h = sqlite3_column_int64(st, 0);
		struct usage_hour *u = &(*v)[h - first];

		u->count = (long)sqlite3_column_int64(st, 1);
		u->n429 = (long)sqlite3_column_int64(st, 2);
		u->errors = (long)sqlite3_column_int64(st, 3);
		u->retries = (long)sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(*v);
		*v = NULL;
		return cache_dberr(c, e, "usage by hour");
	}
	return 0;
}

int
cache_usage_last_headers(struct cache *c, struct usage_headers *out,
    struct err *e)
{
	sqlite3_stmt *st = cache_stmt(c, Q_USAGE_LAST, e);
	int rc;

	memset(out, 0, sizeof *out);
	if (st == NULL)
		return ERR_DB;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->limit_daily = (long)sqlite3_column_int64(st, 0);
		out->daily_remaining = (long)sqlite3_column_int64(st, 1);
		out->interval_ms = (long)sqlite3_column_int64(st, 2);
		out->max = (long)sqlite3_column_int64(st, 3);
		out->remaining = (long)sqlite3_column_int64(st, 4);
		out->at_ms = sqlite3_column_int64(st, 5);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = err_set(e, ERR_NOTFOUND, "no rate-limit headers seen yet");
	} else {
		rc = cache_dberr(c, e, "rate-limit headers");
	}
	sqlite3_reset(st);
	return rc;
}
