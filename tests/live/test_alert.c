/*
 * test_alert.c: the on_failure command runs once per distinct failure
 * within 10 minutes (across processes: the state is a shared file), gets
 * the details in GHLTERM_* variables and never the token, and never
 * blocks the caller.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "conf.h"
#include "err.h"
#include "xmalloc.h"
#include "../tap.h"

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
count_lines(const char *path)
{
	FILE *fp = fopen(path, "r");
	int n = 0, ch;

	if (fp == NULL)
		return 0;
	while ((ch = fgetc(fp)) != EOF)
		if (ch == '\n')
			n++;
	fclose(fp);
	return n;
}

/* Wait (deadline 10 s) until path has at least n lines. */
static int
wait_lines(const char *path, int n)
{
	long long end = mono_ms() + 10000;
	struct timespec ts = { 0, 10 * 1000000 };

	while (count_lines(path) < n) {
		if (mono_ms() > end)
			return 0;
		nanosleep(&ts, NULL);
	}
	return 1;
}

/* Line n (1-based) of path, new string or NULL. */
static char *
line(const char *path, int n)
{
	FILE *fp = fopen(path, "r");
	char buf[2048];
	char *out = NULL;

	if (fp == NULL)
		return NULL;
	while (n-- > 0 && fgets(buf, sizeof buf, fp) != NULL)
		if (n == 0) {
			buf[strcspn(buf, "\n")] = '\0';
			out = xstrdup(buf);
		}
	fclose(fp);
	return out;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
fire(const struct conf *cfg, const struct alert *a, long long now)
{
	struct err e;
	int ran = -1;

	err_clear(&e);
	if (alert_failure_at(cfg, a, now, &ran, &e) != 0) {
		printf("# alert_failure_at: %s\n", e.msg);
		return -1;
	}
	return ran;
}

int
main(void)
{
	char dir[] = "/tmp/test_alert.XXXXXX";
	char *out, *out2, *l;
	struct conf cfg;
	struct alert a = { "write", "C1",
	    "PUT /contacts/:contactId/tasks/:taskId/completed", 422,
	    "Task not found (Authorization: Bearer secret-token-abc)" };
	struct alert b = a;
	long long now = 1700000000000LL, t0;
	pid_t pid;
	int st;

	if (mkdtemp(dir) == NULL)
		fatalx("mkdtemp");
	out = xasprintf("%s/out", dir);
	out2 = xasprintf("%s/late", dir);
	setenv("GHL_TOKEN", "secret-token-abc", 1);
	setenv("MY_API_TOKEN", "also-secret", 1);
	setenv("GHLTERM_COUNT", "stale", 1);
	setenv("KEEP_ME", "kept", 1);

	conf_defaults(&cfg);
	cfg.state_dir = xasprintf("%s/state/ghlterm", dir);
	cfg.token = xstrdup("secret-token-abc");
	is_int(fire(&cfg, &a, now), 0, "no on_failure: nothing runs");

	cfg.on_failure = xasprintf("printf '%%s|%%s|%%s|%%s|%%s|%%s|%%s|%%s"
	    "\\n' \"$GHLTERM_KIND\" \"$GHLTERM_CONTACT_ID\" "
	    "\"$GHLTERM_ENDPOINT\" \"$GHLTERM_STATUS\" \"$GHLTERM_MESSAGE\" "
	    "\"$GHLTERM_COUNT\" \"${GHL_TOKEN-unset}${MY_API_TOKEN-unset}\" "
	    "\"$KEEP_ME\" >> %s", out);

	is_int(fire(&cfg, &a, now), 1, "first failure runs the command");
	ok(wait_lines(out, 1), "the command wrote its line");
	l = line(out, 1);
	ok(l != NULL && strncmp(l, "write|C1|PUT /contacts/:contactId/tasks/"
	    ":taskId/completed|422|Task not found", 75) == 0,
	    "kind, contact, endpoint, status and message in the environment");
	ok(l != NULL && strstr(l, "|1|unsetunset|kept") != NULL,
	    "count 1, no token variable, other variables kept");
	ok(l != NULL && strstr(l, "secret-token-abc") == NULL &&
	    strstr(l, "REDACTED") != NULL, "the token is redacted from the "
	    "message");
	if (l != NULL)
		printf("# %s\n", l);
	free(l);

	is_int(fire(&cfg, &a, now + 1000), 0, "same failure 1 s later: "
	    "collapsed");
	is_int(fire(&cfg, &a, now + 9 * 60 * 1000), 0, "same failure 9 min "
	    "later: collapsed");
	pid = fork();
	if (pid == 0)
		_exit(fire(&cfg, &a, now + 9 * 60 * 1000 + 500) == 0 ? 0 : 1);
	waitpid(pid, &st, 0);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "another process sees the "
	    "failure as collapsed too (shared state file)");

	b.status = 500;
	b.message = "Internal Server Error";
	is_int(fire(&cfg, &b, now + 2000), 1, "a different failure runs");
	ok(wait_lines(out, 2), "second line written");
	l = line(out, 2);
	ok(l != NULL && strstr(l, "|500|Internal Server Error|1|") != NULL,
	    "second line has the other failure");
	free(l);

	is_int(fire(&cfg, &a, now + ALERT_COLLAPSE_MS + 1), 1,
	    "same failure after 10 minutes runs again");
	ok(wait_lines(out, 3), "third line written");
	l = line(out, 3);
	ok(l != NULL && strstr(l, "|422|") != NULL &&
	    strstr(l, "|4|unsetunset") != NULL,
	    "GHLTERM_COUNT counts the 3 collapsed repeats plus this one");
	free(l);
	is_int(count_lines(out), 3, "exactly three runs in all");

	/* The void wrapper, with the real clock. */
	b.message = "wrapper";
	alert_failure(&cfg, b.kind, b.contact_id, b.endpoint, b.status,
	    b.message);
	ok(wait_lines(out, 4), "alert_failure runs the command");

	/* Without a state_dir the collapse is per process. */
	free(cfg.state_dir);
	cfg.state_dir = NULL;
	b.message = "memory";
	is_int(fire(&cfg, &b, now), 1, "no state_dir: first runs");
	is_int(fire(&cfg, &b, now + 10), 0, "no state_dir: repeat collapsed");
	ok(wait_lines(out, 5), "fifth line written");

	/* Never blocks on the command. */
	free(cfg.on_failure);
	cfg.on_failure = xasprintf("sleep 3 && touch %s", out2);
	b.message = "slow";
	t0 = mono_ms();
	is_int(fire(&cfg, &b, now), 1, "slow command started");
	ok(mono_ms() - t0 < 1000, "the caller did not wait for it (%lld ms)",
	    mono_ms() - t0);
	ok(count_lines(out2) == 0, "it is still running in the background");

	conf_free(&cfg);
	free(out);
	free(out2);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return tap_done();
}
