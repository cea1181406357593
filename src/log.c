/*
 * log.c: a tiny JSON-lines writer (it escapes its own strings; it is not
 * a JSON codec), one mutex around an O_APPEND descriptor, and a defensive
 * redactor for anything that looks like a credential.
 */
#include "config.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "xmalloc.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_fd = -1;
static enum log_level log_min = LOG_LEVEL_INFO;
static atomic_uint_fast64_t trace_seq;

static const char *const level_names[] = {
	[LOG_LEVEL_DEBUG] = "debug", [LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_WARN] = "warn", [LOG_LEVEL_ERROR] = "error",
};

/* mkdir -p of path's parent directory, new directories 0700. */
static int
make_parents(const char *path)
{
	char *dir = xstrdup(path);
	int rc = 0;

	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*p = '/';
	}
	free(dir);
	return rc;
}

int
log_open(const char *path, struct err *e)
{
	int fd;

	if (make_parents(path) != 0)
		return err_set(e, ERR_IO, "log %s: cannot create directory: %s",
		    path, strerror(errno));
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return err_set(e, ERR_IO, "log %s: %s", path, strerror(errno));
	/* An older file may have been made with a looser mode. */
	(void)fchmod(fd, 0600);
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0)
		close(log_fd);
	log_fd = fd;
	pthread_mutex_unlock(&log_lock);
	return 0;
}

void
log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_fd >= 0)
		close(log_fd);
	log_fd = -1;
	pthread_mutex_unlock(&log_lock);
}

void
log_set_level(enum log_level l)
{
	pthread_mutex_lock(&log_lock);
	log_min = l;
	pthread_mutex_unlock(&log_lock);
}

/* Credential markers and how far their value runs. */
enum redact_kind { RK_WORD, RK_LINE };

static const struct {
	const char *key;
	enum redact_kind kind;
} secrets[] = {
	{ "authorization", RK_LINE },
	{ "bearer ", RK_WORD },
	{ "access_token", RK_WORD },
	{ "refresh_token", RK_WORD },
	{ "client_secret", RK_WORD },
};

static int
value_char(char c, enum redact_kind kind)
{
	if (c == '\0' || c == '\n' || c == '\r' || c == '"')
		return 0;
	if (kind == RK_LINE)
		return 1;
	return c != ' ' && c != '\t' && c != '&' && c != ',' && c != ';' &&
	    c != '\'' && c != '}';
}

char *
log_redact(const char *s)
{
	struct buf b;
	const char *p = s;

	buf_init(&b, 0);
	if (s == NULL)
		return buf_take(&b);
	while (*p != '\0') {
		size_t i;

		for (i = 0; i < nitems(secrets); i++) {
			size_t kl = strlen(secrets[i].key);

			if (strncasecmp(p, secrets[i].key, kl) == 0)
				break;
		}
		if (i == nitems(secrets)) {
			buf_putc(&b, *p++);
			continue;
		}
		{
			size_t kl = strlen(secrets[i].key);
			const char *v = p + kl;
			int bearer = secrets[i].key[kl - 1] == ' ';

			if (!bearer) {
				/* key, then ":" or "=" (maybe quoted), then value */
				while (*v == '"' || *v == '\'' || *v == '\\' ||
				    *v == ' ' || *v == '\t')
					v++;
				if (*v != ':' && *v != '=') {
					buf_append(&b, p, kl);
					p += kl;
					continue;
				}
				while (*v == '"' || *v == '\'' || *v == ':' ||
				    *v == '=' || *v == ' ' || *v == '\t' ||
				    *v == '\\')
					v++;
			}
			buf_append(&b, p, (size_t)(v - p));
			if (value_char(*v, secrets[i].kind)) {
				while (value_char(*v, secrets[i].kind) &&
				    !(*v == '\\' && v[1] == '"'))
					v++;
				buf_puts(&b, "[REDACTED]");
			}
			p = v;
		}
	}
	return buf_take(&b);
}

/* Append s as a JSON string (or null). */
static void
json_str(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	if (s == NULL) {
		buf_puts(b, "null");
		return;
	}
	buf_putc(b, '"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '"':
			buf_puts(b, "\\\"");
			break;
		case '\\':
			buf_puts(b, "\\\\");
			break;
		case '\n':
			buf_puts(b, "\\n");
			break;
		case '\r':
			buf_puts(b, "\\r");
			break;
		case '\t':
			buf_puts(b, "\\t");
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				char u[6] = { '\\', 'u', '0', '0',
				    hex[c >> 4], hex[c & 15] };

				buf_append(b, u, sizeof u);
			} else {
				buf_putc(b, (char)c);
			}
		}
	}
	buf_putc(b, '"');
}

/* Append s redacted as a JSON string (or null). */
static void
json_redacted(struct buf *b, const char *s)
{
	char *r;

	if (s == NULL) {
		buf_puts(b, "null");
		return;
	}
	r = log_redact(s);
	json_str(b, r);
	free(r);
}

static void
line_start(struct buf *b, enum log_level level)
{
	struct timespec ts;
	struct tm tm;
	char when[40];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(b, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\"", when,
	    ts.tv_nsec / 1000000, level_names[level]);
}

static void
emit(struct buf *b)
{
	size_t off = 0;

	buf_puts(b, "}\n");
	pthread_mutex_lock(&log_lock);
	while (log_fd >= 0 && off < b->len) {
		ssize_t w = write(log_fd, b->data + off, b->len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)w;
	}
	pthread_mutex_unlock(&log_lock);
}

static int
wanted(enum log_level level)
{
	int yes;

	pthread_mutex_lock(&log_lock);
	yes = log_fd >= 0 && level >= log_min;
	pthread_mutex_unlock(&log_lock);
	return yes;
}

void
log_request(const char *method, const char *endpoint, const char *contact_id,
    int status, int attempt, long latency_ms, const char *trace_id)
{
	struct buf b;

	if (!wanted(LOG_LEVEL_INFO))
		return;
	buf_init(&b, 0);
	line_start(&b, LOG_LEVEL_INFO);
	buf_puts(&b, ",\"method\":");
	json_redacted(&b, method);
	buf_puts(&b, ",\"endpoint\":");
	json_redacted(&b, endpoint);
	buf_puts(&b, ",\"contact_id\":");
	json_redacted(&b, contact_id);
	buf_printf(&b, ",\"status\":%d,\"attempt\":%d,\"latency_ms\":%ld",
	    status, attempt, latency_ms);
	buf_puts(&b, ",\"trace_id\":");
	json_redacted(&b, trace_id);
	emit(&b);
	buf_free(&b);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	struct buf b;
	va_list ap;
	char *msg;

	if ((unsigned)level >= nitems(level_names) || !wanted(level))
		return;
	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	buf_init(&b, 0);
	line_start(&b, level);
	buf_puts(&b, ",\"msg\":");
	json_redacted(&b, msg);
	emit(&b);
	buf_free(&b);
	free(msg);
}

void
log_trace_id(char *out, size_t outlen)
{
	struct timespec ts;
	uint64_t x;

	clock_gettime(CLOCK_REALTIME, &ts);
	x = (uint64_t)ts.tv_sec * 1000000007ULL ^ (uint64_t)ts.tv_nsec ^
	    ((uint64_t)getpid() << 40) ^
	    (atomic_fetch_add(&trace_seq, 1) * 0x9E3779B97F4A7C15ULL);
	/* splitmix64 finaliser so consecutive ids look unrelated */
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	x ^= x >> 31;
	snprintf(out, outlen, "%016llx", (unsigned long long)x);
}
