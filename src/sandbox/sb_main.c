/*
 * sb_main.c: ghlterm-sandbox, a local implementation of the HighLevel
 * Contacts API v2 for tests and demos.  Parses the command line (DESIGN
 * §4), builds the store, API, webhook sender and server, prints the base
 * URL as the first line on stdout and runs until SIGINT or SIGTERM.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "sb_api.h"
#include "sb_hook.h"
#include "sb_server.h"
#include "sb_store.h"
#include "sms.h"
#include "xmalloc.h"

static void
usage(FILE *f)
{
	fprintf(f,
"usage: ghlterm-sandbox [options]\n"
"  --listen HOST:PORT        address to serve (default 127.0.0.1:0, any port)\n"
"  --contacts N --seed S     demo data: N contacts from seed S (200, 1)\n"
"  --location ID             location id (default SandboxLocation00001)\n"
"  --token TOKEN[:readonly][:expired]\n"
"                            accepted bearer token (repeatable; default\n"
"                            sandbox-token and sandbox-readonly:readonly)\n"
"  --token-ttl S             access tokens expire after S seconds\n"
"  --oauth-client ID:SECRET  client accepted by POST /oauth/token\n"
"  --refresh-token TOKEN     refresh token accepted once (repeatable)\n"
"  --rate-limit MAX/MS       burst limit per token (default 100/10000)\n"
"  --daily-limit N           daily limit per token (default 200000)\n"
"  --latency MS              delay every API response by MS\n"
"  --fault SPEC              inject faults, e.g. 5xx=0.1,429=0.05,drop=0.05,\n"
"                            dropafter=0.02,truncate=0.05,malformed=0.05,\n"
"                            slow=0.05,html=0.02,seed=7,slowms=3000;\n"
"                            paging faults of POST /contacts/search:\n"
"                            cursor-repeat=P, cursor-endless[=P],\n"
"                            page-oversize=P (see ghlterm-sandbox(1))\n"
"  --webhook URL             POST webhook events for every change to URL\n"
"  --log FILE                one JSON line per request\n"
"  --threads N               server threads (default 4)\n"
"  --max-body BYTES          request body cap (default 1048576)\n"
"  --accept-version V        accepted Version header value (repeatable;\n"
"                            default 2021-07-28 only)\n"
"  --api ghl|salesmate       serve the HighLevel Contacts API (default) or\n"
"                            the Salesmate API of the mirror (its options\n"
"                            then follow; see ghlterm-sandbox(1))\n"
"  --help, --version\n"
"The first line on stdout is the base URL.  See ghlterm-sandbox(1).\n");
}

static int
parse_ull(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	if (*s == '-' || *s == '\0')
		return -1;
	*out = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || *out > max)
		return -1;
	return 0;
}

static _Noreturn void
die_usage(const char *what, const char *arg)
{
	fprintf(stderr, "ghlterm-sandbox: %s: %s\n", what, arg);
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"listen", required_argument, NULL, 'l'},
		{"contacts", required_argument, NULL, 'n'},
		{"seed", required_argument, NULL, 's'},
		{"location", required_argument, NULL, 'L'},
		{"token", required_argument, NULL, 't'},
		{"token-ttl", required_argument, NULL, 'T'},
		{"oauth-client", required_argument, NULL, 'o'},
		{"refresh-token", required_argument, NULL, 'r'},
		{"rate-limit", required_argument, NULL, 'R'},
		{"daily-limit", required_argument, NULL, 'D'},
		{"latency", required_argument, NULL, 'a'},
		{"fault", required_argument, NULL, 'f'},
		{"webhook", required_argument, NULL, 'w'},
		{"log", required_argument, NULL, 'g'},
		{"threads", required_argument, NULL, 'j'},
		{"max-body", required_argument, NULL, 'b'},
		{"accept-version", required_argument, NULL, 'A'},
		{"api", required_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	static char def_rw[] = "sandbox-token";
	static char def_ro[] = "sandbox-readonly:readonly";
	struct sb_server_conf conf;
	struct sb_store *st = NULL;
	struct sb_api *api = NULL;
	struct sb_hook *hook = NULL;
	struct sb_server *srv = NULL;
	const char *why = NULL, *webhook = NULL, *logpath = NULL;
	char *host = NULL, *colon, *end;
	unsigned long long n = 200, v;
	sigset_t set;
	int c, sig, rc = 1;
	char *defaults[2] = {def_rw, def_ro};

	/* --api salesmate hands the whole command line to that sandbox. */
	for (c = 1; c < argc; c++) {
		const char *which = NULL;

		if (strcmp(argv[c], "--api") == 0 && c + 1 < argc)
			which = argv[c + 1];
		else if (strncmp(argv[c], "--api=", 6) == 0)
			which = argv[c] + 6;
		if (which != NULL && strcmp(which, "salesmate") == 0)
			return sm_sandbox_main(argc, argv);
	}
	memset(&conf, 0, sizeof(conf));
	conf.port = 0;
	conf.location = "SandboxLocation00001";
	conf.seed = 1;
	conf.rate_max = 100;
	conf.rate_window_ms = 10000;
	conf.rate_daily = 200000;
	conf.threads = 4;
	conf.body_max = 1048576;
	conf.faults.seed = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			free(host);
			colon = strrchr(optarg, ':');
			if (colon == NULL || parse_ull(colon + 1, 65535, &v))
				die_usage("--listen wants HOST:PORT", optarg);
			host = xstrndup(optarg, (size_t)(colon - optarg));
			if (host[0] == '[' && host[strlen(host) - 1] == ']') {
				memmove(host, host + 1, strlen(host));
				host[strlen(host) - 1] = '\0';
			}
			conf.port = (unsigned)v;
			break;
		case 'n':
			if (parse_ull(optarg, 10000000, &n))
				die_usage("--contacts wants 0..10000000",
				    optarg);
			break;
		case 's':
			if (parse_ull(optarg, UINT64_MAX, &v))
				die_usage("--seed wants an integer", optarg);
			conf.seed = v;
			break;
		case 'L':
			if (*optarg == '\0')
				die_usage("--location", "empty");
			conf.location = optarg;
			break;
		case 't':
			if (*optarg == '\0' || *optarg == ':')
				die_usage("--token", "empty token");
			conf.tokens = xreallocarray(conf.tokens,
			    conf.ntokens + 1, sizeof(*conf.tokens));
			conf.tokens[conf.ntokens++] = optarg;
			break;
		case 'T':
			if (parse_ull(optarg, 100000000, &v) || v == 0)
				die_usage("--token-ttl wants seconds > 0",
				    optarg);
			conf.token_ttl_s = (long)v;
			break;
		case 'o':
			colon = strchr(optarg, ':');
			if (colon == NULL || colon == optarg || colon[1] == '\0')
				die_usage("--oauth-client wants ID:SECRET",
				    optarg);
			conf.oauth_client = optarg;
			break;
		case 'r':
			if (*optarg == '\0')
				die_usage("--refresh-token", "empty");
			conf.refresh = xreallocarray(conf.refresh,
			    conf.nrefresh + 1, sizeof(*conf.refresh));
			conf.refresh[conf.nrefresh++] = optarg;
			break;
		case 'R':
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end != '/' || v == 0 ||
			    v > 100000000)
				die_usage("--rate-limit wants MAX/WINDOW_MS",
				    optarg);
			conf.rate_max = (unsigned)v;
			if (parse_ull(end + 1, 86400000, &v) || v == 0)
				die_usage("--rate-limit wants MAX/WINDOW_MS",
				    optarg);
			conf.rate_window_ms = (unsigned)v;
			break;
		case 'D':
			if (parse_ull(optarg, 1000000000, &v) || v == 0)
				die_usage("--daily-limit wants a count > 0",
				    optarg);
			conf.rate_daily = (unsigned long)v;
			break;
		case 'a':
			if (parse_ull(optarg, 600000, &v))
				die_usage("--latency wants milliseconds",
				    optarg);
			conf.latency_ms = (unsigned)v;
			break;
		case 'f':
			if (sb_server_parse_faults(optarg, &conf.faults, &why))
				die_usage(why, optarg);
			break;
		case 'w':
			if (strncmp(optarg, "http://", 7) != 0 &&
			    strncmp(optarg, "https://", 8) != 0)
				die_usage("--webhook wants an http(s) URL",
				    optarg);
			webhook = optarg;
			break;
		case 'g':
			logpath = optarg;
			break;
		case 'j':
			if (parse_ull(optarg, 64, &v) || v == 0)
				die_usage("--threads wants 1..64", optarg);
			conf.threads = (unsigned)v;
			break;
		case 'b':
			if (parse_ull(optarg, 1ULL << 30, &v) || v < 1024)
				die_usage("--max-body wants 1024..2^30", optarg);
			conf.body_max = (size_t)v;
			break;
		case 'A':
			if (*optarg == '\0')
				die_usage("--accept-version", "empty");
			conf.versions = xreallocarray(conf.versions,
			    conf.nversions + 1, sizeof(*conf.versions));
			conf.versions[conf.nversions++] = optarg;
			break;
		case 'P':
			if (strcmp(optarg, "ghl") != 0)
				die_usage("--api wants ghl or salesmate", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("ghlterm-sandbox %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc)
		die_usage("unexpected argument", argv[optind]);
	if (conf.ntokens == 0) {
		conf.tokens = defaults;
		conf.ntokens = 2;
	}
	conf.host = host != NULL ? host : "127.0.0.1";
	setlocale(LC_CTYPE, "C.UTF-8");
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (logpath != NULL) {
		conf.log = fopen(logpath, "a");
		if (conf.log == NULL) {
			fprintf(stderr, "ghlterm-sandbox: %s: %s\n", logpath,
			    strerror(errno));
			goto out;
		}
	}
	if (webhook != NULL) {
		hook = sb_hook_start(webhook, &why);
		if (hook == NULL) {
			fprintf(stderr, "ghlterm-sandbox: %s\n", why);
			goto out;
		}
	}
	st = sb_store_new(conf.seed, n, conf.location);
	api = sb_api_new(st, hook, conf.seed);
	srv = sb_server_start(&conf, api, &why);
	if (srv == NULL) {
		fprintf(stderr, "ghlterm-sandbox: %s:%u: %s\n", conf.host,
		    conf.port, why);
		goto out;
	}
	printf("%s\n", sb_server_url(srv));
	fflush(stdout);
	fprintf(stderr, "ghlterm-sandbox: %llu contacts (seed %llu), "
	    "location %s, at %s\n", n, (unsigned long long)conf.seed,
	    conf.location, sb_server_url(srv));
	for (;;) {
		if (sigwait(&set, &sig) == 0 && (sig == SIGINT ||
		    sig == SIGTERM))
			break;
	}
	rc = 0;
out:
	sb_server_stop(srv);
	sb_hook_stop(hook);
	sb_api_free(api);
	sb_store_free(st);
	if (conf.log != NULL)
		fclose(conf.log);
	if (conf.tokens != defaults)
		free(conf.tokens);
	free(conf.refresh);
	free(conf.versions);
	free(host);
	curl_global_cleanup();
	return rc;
}
