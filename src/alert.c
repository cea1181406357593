/*
 * alert.c: runs the on_failure command for a failure (see alert.h).  The
 * collapse state is a small text file of "KEY LAST_RUN_MS PENDING" lines,
 * read and replaced (temp file + rename) under an flock'd lock file, so
 * the TUI, the CLI and ghlterm listen share it.  Everything the child
 * needs is built before fork(); the child only calls async-signal-safe
 * functions.
 */
#include "config.h"
#include "alert.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cache_live.h"
#include "conf.h"
#include "log.h"
#include "xmalloc.h"

extern char **environ;

#define ALERT_FORGET_MS (24LL * 3600 * 1000)
#define ALERT_MAX_ENTRIES 512

struct alert_state {
	char		 key[CACHE_LIVE_HASH_LEN];
	long long	 last_run;
	long		 pending;	/* collapsed since last_run */
};

struct alert_table {
	struct alert_state *v;
	size_t		 n;
};

/* Without a state_dir: this process's table. */
static pthread_mutex_t mem_mu = PTHREAD_MUTEX_INITIALIZER;
static struct alert_table mem_table;

static long long
now_unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
alert_key(const struct alert *a, char out[CACHE_LIVE_HASH_LEN])
{
	char *s;

	s = xasprintf("%s\x1f%s\x1f%s\x1f%d\x1f%s", a->kind ? a->kind : "",
	    a->contact_id ? a->contact_id : "", a->endpoint ? a->endpoint : "",
	    a->status, a->message ? a->message : "");
	cache_live_hash(s, strlen(s), out);
	free(s);
}

static struct alert_state *
table_find(struct alert_table *t, const char *key)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->v[i].key, key) == 0)
			return &t->v[i];
	return NULL;
}

static struct alert_state *
table_add(struct alert_table *t, const char *key)
{
	struct alert_state *s;

	if (t->n == ALERT_MAX_ENTRIES) {
		/* Full: forget the oldest entry. */
		size_t i, old = 0;

		for (i = 1; i < t->n; i++)
			if (t->v[i].last_run < t->v[old].last_run)
				old = i;
		t->v[old] = t->v[--t->n];
	}
	t->v = xreallocarray(t->v, t->n + 1, sizeof *t->v);
	s = &t->v[t->n++];
	memset(s, 0, sizeof *s);
	snprintf(s->key, sizeof s->key, "%s", key);
	return s;
}

/* Drop entries whose last run is older than a day. */
static void
table_prune(struct alert_table *t, long long now)
{
	size_t i = 0;

	while (i < t->n) {
		if (now - t->v[i].last_run > ALERT_FORGET_MS)
			t->v[i] = t->v[--t->n];
		else
			i++;
	}
}

static void
table_read(struct alert_table *t, FILE *fp)
{
	char line[128], key[CACHE_LIVE_HASH_LEN + 8];
	long long last;
	long pending;
	struct alert_state *s;

	while (fgets(line, sizeof line, fp) != NULL) {
		if (sscanf(line, "%20s %lld %ld", key, &last, &pending) != 3 ||
		    strlen(key) != CACHE_LIVE_HASH_LEN - 1 || pending < 0)
			continue;	/* a damaged line: state lost */
		s = table_find(t, key);
		if (s == NULL)
			s = table_add(t, key);
		s->last_run = last;
		s->pending = pending;
	}
}

static int
mkdir_p(const char *dir)
{
	char *p = xstrdup(dir), *s;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

/*
 * Decide under the lock whether a (key) failure runs now: *run and the
 * count to report.  Updates the shared state.
 */
static int
decide_file(const char *dir, const char *key, long long now, int *run,
    long *count, struct err *e)
{
	struct alert_table t = { NULL, 0 };
	struct alert_state *s;
	char *lockpath, *path, *tmp;
	FILE *fp;
	int lockfd, rc = 0;
	size_t i;

	if (mkdir_p(dir) != 0)
		return err_set(e, ERR_IO, "alert: %s: %s", dir,
		    strerror(errno));
	lockpath = xasprintf("%s/alerts.lock", dir);
	path = xasprintf("%s/alerts", dir);
	tmp = xasprintf("%s/alerts.tmp", dir);
	lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0) {
		rc = err_set(e, ERR_IO, "alert: %s: %s", lockpath,
		    strerror(errno));
		goto out;
	}
	while (flock(lockfd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			rc = err_set(e, ERR_IO, "alert: lock %s: %s",
			    lockpath, strerror(errno));
			goto out;
		}
	}
	fp = fopen(path, "re");
	if (fp != NULL) {
		table_read(&t, fp);
		fclose(fp);
	}
	table_prune(&t, now);
	s = table_find(&t, key);
	if (s != NULL && now - s->last_run < ALERT_COLLAPSE_MS &&
	    now >= s->last_run) {
		s->pending++;
		*run = 0;
		*count = s->pending + 1;
	} else {
		if (s == NULL)
			s = table_add(&t, key);
		*run = 1;
		*count = s->pending + 1;
		s->pending = 0;
		s->last_run = now;
	}
	fp = fopen(tmp, "we");
	if (fp == NULL) {
		rc = err_set(e, ERR_IO, "alert: %s: %s", tmp, strerror(errno));
		goto out;
	}
	for (i = 0; i < t.n; i++)
		fprintf(fp, "%s %lld %ld\n", t.v[i].key, t.v[i].last_run,
		    t.v[i].pending);
	if (fclose(fp) != 0 || rename(tmp, path) != 0) {
		rc = err_set(e, ERR_IO, "alert: writing %s: %s", path,
		    strerror(errno));
		unlink(tmp);
	}
out:
	if (lockfd >= 0)
		close(lockfd);	/* releases the lock */
	free(t.v);
	free(lockpath);
	free(path);
	free(tmp);
	return rc;
}

static void
decide_mem(const char *key, long long now, int *run, long *count)
{
	struct alert_state *s;

	pthread_mutex_lock(&mem_mu);
	table_prune(&mem_table, now);
	s = table_find(&mem_table, key);
	if (s != NULL && now - s->last_run < ALERT_COLLAPSE_MS &&
	    now >= s->last_run) {
		s->pending++;
		*run = 0;
		*count = s->pending + 1;
	} else {
		if (s == NULL)
			s = table_add(&mem_table, key);
		*run = 1;
		*count = s->pending + 1;
		s->pending = 0;
		s->last_run = now;
	}
	pthread_mutex_unlock(&mem_mu);
}

/* Variables a child must not inherit: credentials and our own names. */
static int
env_dropped(const char *kv)
{
	static const char *const words[] = { "TOKEN", "SECRET", "PASSWORD",
	    "PASSWD", "CREDENTIAL" };
	const char *eq = strchr(kv, '=');
	size_t len = eq != NULL ? (size_t)(eq - kv) : strlen(kv), i, j, w;

	if (len > 8 && strncmp(kv, "GHLTERM_", 8) == 0) {
		static const char *const ours[] = { "KIND", "CONTACT_ID",
		    "ENDPOINT", "STATUS", "MESSAGE", "COUNT" };

		for (i = 0; i < nitems(ours); i++)
			if (len - 8 == strlen(ours[i]) &&
			    strncmp(kv + 8, ours[i], len - 8) == 0)
				return 1;
	}
	for (i = 0; i < nitems(words); i++) {
		w = strlen(words[i]);
		for (j = 0; j + w <= len; j++)
			if (strncasecmp(kv + j, words[i], w) == 0)
				return 1;
	}
	return 0;
}

/* The message with credentials removed: log_redact, then the token. */
static char *
clean_message(const struct conf *cfg, const char *msg)
{
	char *s = log_redact(msg != NULL ? msg : ""), *hit, *t;
	size_t tl;

	if (cfg->token == NULL || (tl = strlen(cfg->token)) < 4)
		return s;
	while ((hit = strstr(s, cfg->token)) != NULL) {
		*hit = '\0';
		t = xasprintf("%s[REDACTED]%s", s, hit + tl);
		free(s);
		s = t;
	}
	for (t = s; *t != '\0'; t++)
		if ((unsigned char)*t < 0x20 && *t != '\t')
			*t = ' ';	/* one line */
	return s;
}

static char **
build_env(const struct conf *cfg, const struct alert *a, long count)
{
	char **env, *msg;
	size_t n = 0, i, k = 0;

	while (environ != NULL && environ[n] != NULL)
		n++;
	env = xcalloc(n + 7, sizeof *env);
	for (i = 0; i < n; i++)
		if (!env_dropped(environ[i]))
			env[k++] = xstrdup(environ[i]);
	msg = clean_message(cfg, a->message);
	env[k++] = xasprintf("GHLTERM_KIND=%s", a->kind ? a->kind : "");
	env[k++] = xasprintf("GHLTERM_CONTACT_ID=%s",
	    a->contact_id ? a->contact_id : "");
	env[k++] = xasprintf("GHLTERM_ENDPOINT=%s",
	    a->endpoint ? a->endpoint : "");
	env[k++] = xasprintf("GHLTERM_STATUS=%d", a->status);
	env[k++] = xasprintf("GHLTERM_MESSAGE=%s", msg);
	env[k++] = xasprintf("GHLTERM_COUNT=%ld", count);
	env[k] = NULL;
	free(msg);
	return env;
}

static void
free_env(char **env)
{
	size_t i;

	for (i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

/* In the grandchild: async-signal-safe calls only, then exec. */
static _Noreturn void
child_exec(char *const argv[], char *const envp[])
{
	static const int sigs[] = { SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP,
	    SIGCHLD, SIGWINCH, SIGTSTP, SIGTTIN, SIGTTOU, SIGALRM };
	struct sigaction sa;
	sigset_t none;
	size_t i;
	int fd, maxfd;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (i = 0; i < nitems(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
	}
	maxfd = (int)sysconf(_SC_OPEN_MAX);
	if (maxfd < 0 || maxfd > 65536)
		maxfd = 65536;
	for (fd = 3; fd < maxfd; fd++)
		close(fd);
	execve("/bin/sh", argv, envp);
	_exit(127);
}

/* Double fork: the command's process is reparented, nothing to reap. */
static int
spawn(const char *cmd, char **envp, struct err *e)
{
	char sh[] = "sh", dash_c[] = "-c", *copy = xstrdup(cmd);
	char *argv[] = { sh, dash_c, copy, NULL };
	pid_t pid, w;
	int st, rc = 0;

	pid = fork();
	if (pid < 0) {
		free(copy);
		return err_set(e, ERR_IO, "alert: fork: %s", strerror(errno));
	}
	if (pid == 0) {
		pid_t gc = fork();

		if (gc == 0)
			child_exec(argv, envp);
		_exit(gc < 0 ? 1 : 0);
	}
	do
		w = waitpid(pid, &st, 0);
	while (w < 0 && errno == EINTR);
	if (w == pid && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
		rc = err_set(e, ERR_IO, "alert: cannot start the on_failure "
		    "command (fork failed)");
	/* w < 0 (ECHILD when SIGCHLD is ignored): the child was reaped. */
	free(copy);
	return rc;
}

int
alert_failure_at(const struct conf *cfg, const struct alert *a,
    long long now_ms, int *ran, struct err *e)
{
	char key[CACHE_LIVE_HASH_LEN], **envp;
	long count = 1;
	int run = 0, rc;

	*ran = 0;
	if (cfg == NULL || cfg->on_failure == NULL || *cfg->on_failure == '\0')
		return 0;
	alert_key(a, key);
	if (cfg->state_dir != NULL) {
		rc = decide_file(cfg->state_dir, key, now_ms, &run, &count, e);
		if (rc)
			return rc;
	} else {
		decide_mem(key, now_ms, &run, &count);
	}
	if (!run)
		return 0;
	envp = build_env(cfg, a, count);
	rc = spawn(cfg->on_failure, envp, e);
	free_env(envp);
	if (rc == 0)
		*ran = 1;
	return rc;
}

void
alert_failure(const struct conf *cfg, const char *kind,
    const char *contact_id, const char *endpoint, int status,
    const char *message)
{
	struct alert a = { kind, contact_id, endpoint, status, message };
	struct err e;
	int ran = 0;

	err_clear(&e);
	if (alert_failure_at(cfg, &a, now_unix_ms(), &ran, &e) != 0)
		log_msg(LOG_LEVEL_WARN, "%s", e.msg);
	else if (ran)
		log_msg(LOG_LEVEL_INFO, "alert: on_failure started for %s "
		    "failure (contact %s)", kind ? kind : "?",
		    contact_id ? contact_id : "-");
}
