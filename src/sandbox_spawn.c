/*
 * sandbox_spawn.c: run ghlterm-sandbox as a child for `ghlterm --sandbox`.
 * Its stdout goes to an unlinked temporary file that we read (pread) for
 * the URL line, so whatever it prints later can never block it on a full
 * pipe; its stderr goes to a log file so it never scribbles on the TUI.
 */
#include "config.h"
#include "sandbox_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_PRCTL
#include <sys/prctl.h>
#endif

#include "xmalloc.h"

#define SANDBOX_PROG "ghlterm-sandbox"

/* The running children (GHL, Salesmate) for sandbox_kill_async(). */
static volatile pid_t running_pids[2];

/* Next to /proc/self/exe, else the first executable one on $PATH. */
static char *
find_exe(void)
{
	char self[PATH_MAX], *slash, *path, *dir, *next, *cand;
	const char *env;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			cand = xasprintf("%s/%s", self, SANDBOX_PROG);
			if (access(cand, X_OK) == 0)
				return cand;
			free(cand);
		}
	}
	env = getenv("PATH");
	if (env == NULL)
		return NULL;
	path = xstrdup(env);
	for (dir = path; dir != NULL; dir = next) {
		next = strchr(dir, ':');
		if (next != NULL)
			*next++ = '\0';
		cand = xasprintf("%s/%s", *dir ? dir : ".", SANDBOX_PROG);
		if (access(cand, X_OK) == 0) {
			free(path);
			return cand;
		}
		free(cand);
	}
	free(path);
	return NULL;
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reap pid if it exited; returns 1 (and *status) when it did. */
static int
exited(pid_t pid, int *status)
{
	return waitpid(pid, status, WNOHANG) == pid;
}

static void
track(pid_t pid)
{
	size_t i;

	for (i = 0; i < nitems(running_pids); i++) {
		if (running_pids[i] == 0) {
			running_pids[i] = pid;
			return;
		}
	}
}

static void
untrack(pid_t pid)
{
	size_t i;

	for (i = 0; i < nitems(running_pids); i++)
		if (running_pids[i] == pid)
			running_pids[i] = 0;
}

static int
spawn(struct sandbox_child *sb, const char *const *base, size_t nbase,
    const char *const *extra, const char *log_path, long timeout_ms,
    struct err *e)
{
	const char **argv;
	char line[512], *nl;
	struct timespec nap = { 0, 10 * 1000000L };
	long long deadline;
	size_t nextra = 0, i, n;
	ssize_t got;
	pid_t pid, parent = getpid();
	FILE *out;
	int errfd, status;

	memset(sb, 0, sizeof *sb);
	sb->exe = find_exe();
	if (sb->exe == NULL)
		return err_set(e, ERR_IO, SANDBOX_PROG " not found next to "
		    "ghlterm or on $PATH");
	while (extra != NULL && extra[nextra] != NULL)
		nextra++;
	argv = xcalloc(nbase + nextra + 2, sizeof *argv);
	argv[0] = sb->exe;
	for (i = 0; i < nbase; i++)
		argv[1 + i] = base[i];
	for (i = 0; i < nextra; i++)
		argv[1 + nbase + i] = extra[i];
	out = tmpfile();
	if (out == NULL) {
		free(argv);
		free(sb->exe);
		sb->exe = NULL;
		return err_set(e, ERR_IO, "sandbox: temporary file: %s",
		    strerror(errno));
	}
	errfd = open(log_path != NULL ? log_path : "/dev/null",
	    O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (errfd < 0)
		errfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fclose(out);
		if (errfd >= 0)
			close(errfd);
		free(argv);
		free(sb->exe);
		sb->exe = NULL;
		return err_set(e, ERR_IO, "sandbox: fork: %s",
		    strerror(errno));
	}
	if (pid == 0) {
#ifdef HAVE_PRCTL
		prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
		if (getppid() != parent)
			_exit(127);
		dup2(fileno(out), STDOUT_FILENO);
		if (errfd >= 0)
			dup2(errfd, STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	free(argv);
	if (errfd >= 0)
		close(errfd);
	track(pid);
	sb->pid = pid;

	deadline = mono_ms() + timeout_ms;
	for (;;) {
		got = pread(fileno(out), line, sizeof line - 1, 0);
		n = got > 0 ? (size_t)got : 0;
		line[n] = '\0';
		nl = strchr(line, '\n');
		if (nl != NULL)
			break;
		if (exited(pid, &status)) {
			untrack(pid);
			sb->pid = 0;
			fclose(out);
			sandbox_stop(sb);
			return err_set(e, ERR_IO, SANDBOX_PROG " exited (status "
			    "%d) before printing its URL%s%s",
			    WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
			    WTERMSIG(status), log_path ? "; see " : "",
			    log_path ? log_path : "");
		}
		if (mono_ms() > deadline) {
			fclose(out);
			sandbox_stop(sb);
			return err_set(e, ERR_IO, SANDBOX_PROG " printed no URL "
			    "within %ld ms", timeout_ms);
		}
		nanosleep(&nap, NULL);
	}
	fclose(out);
	*nl = '\0';
	if (nl > line && nl[-1] == '\r')
		nl[-1] = '\0';
	if (strncmp(line, "http://", 7) != 0) {
		sandbox_stop(sb);
		return err_set(e, ERR_IO, SANDBOX_PROG " printed '%.100s', not "
		    "a URL", line);
	}
	n = strlen(line);
	while (n > 0 && line[n - 1] == '/')
		line[--n] = '\0';
	sb->base_url = xstrdup(line);
	return 0;
}

int
sandbox_spawn(struct sandbox_child *sb, const char *const *extra,
    const char *log_path, long timeout_ms, struct err *e)
{
	static const char *const base[] = { "--listen", "127.0.0.1:0",
	    "--contacts", "500", "--seed", "1" };

	return spawn(sb, base, nitems(base), extra, log_path, timeout_ms, e);
}

int
sandbox_spawn_salesmate(struct sandbox_child *sb, const char *log_path,
    long timeout_ms, struct err *e)
{
	static const char *const base[] = { "--api", "salesmate", "--listen",
	    "127.0.0.1:0", "--link", SANDBOX_SM_LINK, "--key",
	    SANDBOX_SM_TOKEN };

	return spawn(sb, base, nitems(base), NULL, log_path, timeout_ms, e);
}

void
sandbox_stop(struct sandbox_child *sb)
{
	struct timespec nap = { 0, 10 * 1000000L };
	long long deadline;
	int status;

	if (sb->pid > 0) {
		kill(sb->pid, SIGTERM);
		deadline = mono_ms() + 2000;
		while (!exited(sb->pid, &status)) {
			if (mono_ms() > deadline) {
				kill(sb->pid, SIGKILL);
				waitpid(sb->pid, &status, 0);
				break;
			}
			nanosleep(&nap, NULL);
		}
		untrack(sb->pid);
	}
	sb->pid = 0;
	free(sb->base_url);
	free(sb->exe);
	sb->base_url = NULL;
	sb->exe = NULL;
}

void
sandbox_kill_async(void)
{
	size_t i;
	pid_t pid;

	for (i = 0; i < nitems(running_pids); i++) {
		pid = running_pids[i];
		if (pid > 0)
			kill(pid, SIGTERM);
	}
}
