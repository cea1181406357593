/*
 * main.c: the composition root of ghlterm.  Global flags, then the log,
 * the settings (flags > environment > config file > defaults), the
 * optional built-in sandboxes (HighLevel and Salesmate), and finally one
 * command (cli_run) or the TUI (ui_run).  The only file in src/ that may
 * reach the ui/ headers.
 */
#include "config.h"

#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli.h"
#include "conf.h"
#include "err.h"
#include "log.h"
#include "sandbox_spawn.h"
#include "termsafe.h"
#include "ui.h"
#include "xmalloc.h"

#define PROG "ghlterm"

static void
on_fatal_signal(int sig)
{
	sandbox_kill_async();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
catch_fatal_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fatal_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < nitems(sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

static int
usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stderr; returns the usage exit status. */
static int
usage_error(const char *fmt, ...)
{
	va_list ap;
	char msg[1024], *safe;

	/* What was typed goes back to the terminal: made inert first. */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	safe = termsafe(msg, (size_t)-1, 0);
	fprintf(stderr, PROG ": %s (see '" PROG " --help')\n", safe);
	free(safe);
	return CLI_USAGE;
}

static void
set_str(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value);
}

/* Remove the demo cache and its WAL files so each --sandbox starts clean. */
static void
remove_db(const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char *p;
	size_t i;

	for (i = 0; i < nitems(sfx); i++) {
		p = xasprintf("%s%s", path, sfx[i]);
		unlink(p);
		free(p);
	}
}

/*
 * --sandbox: unless the user configured Salesmate ([salesmate] linkname or
 * base_url), start the Salesmate sandbox beside the HighLevel one and
 * point the [salesmate] settings at it, the token through SALESMATE_TOKEN
 * (what sm_token_load reads first).  Returns CLI_OK or CLI_FAIL (said).
 */
static int
start_sm_sandbox(struct conf *cfg, struct sandbox_child *smsb)
{
	struct err e;
	char *log;
	int rc;

	if ((cfg->sm_linkname != NULL && *cfg->sm_linkname != '\0') ||
	    (cfg->sm_base_url != NULL && *cfg->sm_base_url != '\0'))
		return CLI_OK;
	err_clear(&e);
	log = xasprintf("%s/sandbox-salesmate.log", cfg->state_dir);
	rc = sandbox_spawn_salesmate(smsb, log, 15000, &e);
	free(log);
	if (rc) {
		fprintf(stderr, PROG ": --sandbox: Salesmate: %s\n", e.msg);
		return CLI_FAIL;
	}
	log_msg(LOG_LEVEL_INFO, "Salesmate sandbox at %s (pid %ld)",
	    smsb->base_url, (long)smsb->pid);
	set_str(&cfg->sm_base_url, smsb->base_url);
	set_str(&cfg->sm_linkname, SANDBOX_SM_LINK);
	set_str(&cfg->sm_owner, SANDBOX_SM_OWNER);
	set_str(&cfg->sm_id_field, SANDBOX_SM_ID_FIELD);
	free(cfg->sm_token_file);
	cfg->sm_token_file = NULL;
	setenv("SALESMATE_TOKEN", SANDBOX_SM_TOKEN, 1);
	return CLI_OK;
}

int
main(int argc, char **argv)
{
	enum { OPT_BASE_URL = 256, OPT_TOKEN_FILE, OPT_LOCATION, OPT_CACHE,
	    OPT_OFFLINE, OPT_SANDBOX };
	static const struct option lo[] = {
		{ "base-url", required_argument, NULL, OPT_BASE_URL },
		{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
		{ "location", required_argument, NULL, OPT_LOCATION },
		{ "cache", required_argument, NULL, OPT_CACHE },
		{ "offline", no_argument, NULL, OPT_OFFLINE },
		{ "sandbox", no_argument, NULL, OPT_SANDBOX },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sandbox_child sb, smsb;
	struct conf cfg;
	struct err e;
	struct rlimit rl;
	char *logpath;
	long frames = 0;
	int ch, rc, cache_given = 0;

	/* No core dumps: they would hold the access token. */
	rl.rlim_cur = rl.rlim_max = 0;
	setrlimit(RLIMIT_CORE, &rl);
	setlocale(LC_ALL, "");
	conf_defaults(&cfg);
	memset(&sb, 0, sizeof sb);
	memset(&smsb, 0, sizeof smsb);
	opterr = 0;
	for (;;) {
		ch = getopt_long(argc, argv, "+:n:vhV", lo, NULL);
		if (ch == -1)
			break;
		switch (ch) {
		case OPT_BASE_URL:
			set_str(&cfg.base_url, optarg);
			break;
		case OPT_TOKEN_FILE:
			set_str(&cfg.token_file, optarg);
			break;
		case OPT_LOCATION:
			set_str(&cfg.location, optarg);
			break;
		case OPT_CACHE:
			set_str(&cfg.cache_path, optarg);
			cache_given = 1;
			break;
		case OPT_OFFLINE:
			cfg.offline = 1;
			break;
		case OPT_SANDBOX:
			cfg.sandbox = 1;
			break;
		case 'n':
			if (conf_parse_long(optarg, 1, 1000000000L, &frames)) {
				conf_free(&cfg);
				return usage_error("-n wants a number of "
				    "frames, got '%s'", optarg);
			}
			break;
		case 'v':
			cfg.verbose = 1;
			break;
		case 'h':
			cli_usage(stdout);
			conf_free(&cfg);
			return CLI_OK;
		case 'V':
			printf(PROG " %s\n", PACKAGE_VERSION);
			conf_free(&cfg);
			return CLI_OK;
		case ':':
			conf_free(&cfg);
			return usage_error("option '%s' needs a value",
			    argv[optind - 1]);
		default:
			conf_free(&cfg);
			return usage_error("unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	if (cfg.sandbox && cfg.offline) {
		conf_free(&cfg);
		return usage_error("%s", "--sandbox and --offline do not go "
		    "together");
	}
	if (optind < argc && !cli_is_command(argv[optind])) {
		conf_free(&cfg);
		return usage_error("unknown command '%s'", argv[optind]);
	}
	if (getenv("GHLTERM_CACHE") != NULL && *getenv("GHLTERM_CACHE"))
		cache_given = 1;

	err_clear(&e);
	rc = conf_load(&cfg, &e);
	if (rc) {
		fprintf(stderr, PROG ": %s\n", e.msg);
		conf_free(&cfg);
		return rc == ERR_USAGE ? CLI_USAGE : CLI_FAIL;
	}
	logpath = xasprintf("%s/log.jsonl", cfg.state_dir);
	if (log_open(logpath, NULL) == 0)
		log_set_level(cfg.verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	free(logpath);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, PROG ": libcurl failed to initialise\n");
		conf_free(&cfg);
		return CLI_FAIL;
	}

	if (cfg.sandbox) {
		char *sblog = xasprintf("%s/sandbox.log", cfg.state_dir);

		catch_fatal_signals();
		rc = sandbox_spawn(&sb, NULL, sblog, 15000, &e);
		free(sblog);
		if (rc) {
			fprintf(stderr, PROG ": --sandbox: %s\n", e.msg);
			rc = CLI_FAIL;
			goto out;
		}
		log_msg(LOG_LEVEL_INFO, "sandbox %s at %s (pid %ld)", sb.exe,
		    sb.base_url, (long)sb.pid);
		set_str(&cfg.base_url, sb.base_url);
		set_str(&cfg.location, SANDBOX_LOCATION);
		set_str(&cfg.token, SANDBOX_TOKEN);
		free(cfg.token_file);
		cfg.token_file = NULL;
		if (!cache_given)
			remove_db(cfg.cache_path);
		rc = start_sm_sandbox(&cfg, &smsb);
		if (rc != CLI_OK)
			goto out;
		rc = cli_first_sync(&cfg);
		if (rc != CLI_OK)
			goto out;
	}

	if (optind < argc) {
		rc = cli_run(&cfg, argc - optind, argv + optind);
	} else {
		err_clear(&e);
		rc = ui_run(&cfg, frames, &e);
		if (rc != 0 && e.msg[0] != '\0')
			fprintf(stderr, PROG ": %s\n", e.msg);
	}
out:
	sandbox_stop(&smsb);
	sandbox_stop(&sb);
	curl_global_cleanup();
	log_close();
	conf_free(&cfg);
	return rc;
}
