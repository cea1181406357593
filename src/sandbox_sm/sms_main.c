/*
 * sms_main.c: the command line of the Salesmate sandbox
 * (ghlterm-sandbox --api salesmate ..., tests/mirror/sm-sandbox): parse
 * the options of salesmate CONTRACT §10, start the server, print its base
 * URL as the first stdout line and serve until SIGINT/SIGTERM.
 */
#include "config.h"
#include "sms.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xmalloc.h"

static const char usage[] =
"usage: sm-sandbox [--listen HOST:PORT] [--link NAME] [--key KEY]...\n"
"       [--auth-mode docs401|live403] [--notfound-status 404|200]\n"
"       [--rate-limit N] [--reject-duplicate-email] [--clock ISO]\n"
"       [--no-current-user]\n";

static int
parse_clock(const char *s, long long *ms)
{
	struct tm tm;
	char *end;

	memset(&tm, 0, sizeof tm);
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL || (*end != '\0' && *end != 'Z'))
		return -1;
	*ms = (long long)timegm(&tm) * 1000;
	return 0;
}

int
sm_sandbox_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "link", required_argument, NULL, 'k' },
		{ "key", required_argument, NULL, 'K' },
		{ "auth-mode", required_argument, NULL, 'a' },
		{ "notfound-status", required_argument, NULL, 'n' },
		{ "rate-limit", required_argument, NULL, 'r' },
		{ "reject-duplicate-email", no_argument, NULL, 'd' },
		{ "clock", required_argument, NULL, 'c' },
		{ "no-current-user", no_argument, NULL, 'u' },
		{ "api", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct sms_user nocur[] = {
		{ 3, "Priya", "Raman", "priya.raman@acme-demo.example", 1, 0 },
		{ 7, "Tom", "Becker", "tom.becker@acme-demo.example", 1, 0 },
	};
	struct sms_opts o;
	struct sms *s;
	const char **keys = NULL, *why = "";
	char *host = NULL, *colon, *end;
	size_t nkeys = 0;
	sigset_t set;
	int ch, sig;

	memset(&o, 0, sizeof o);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			free(host);
			host = xstrdup(optarg);
			colon = strrchr(host, ':');
			if (colon != NULL) {
				*colon = '\0';
				o.port = (unsigned)strtoul(colon + 1, &end, 10);
				if (*end != '\0') {
					fprintf(stderr, "sm-sandbox: bad "
					    "--listen %s\n", optarg);
					return 2;
				}
			}
			o.host = *host ? host : NULL;
			break;
		case 'k':
			o.linkname = optarg;
			break;
		case 'K':
			keys = xreallocarray(keys, nkeys + 1, sizeof *keys);
			keys[nkeys++] = optarg;
			break;
		case 'a':
			if (strcmp(optarg, "live403") == 0)
				o.auth_live403 = 1;
			else if (strcmp(optarg, "docs401") != 0) {
				fputs(usage, stderr);
				return 2;
			}
			break;
		case 'n':
			o.notfound_200 = strcmp(optarg, "200") == 0;
			break;
		case 'r':
			o.rate_per_hour = strtol(optarg, &end, 10);
			if (*end != '\0' || o.rate_per_hour <= 0) {
				fputs(usage, stderr);
				return 2;
			}
			break;
		case 'd':
			o.reject_dup_email = 1;
			break;
		case 'c':
			if (parse_clock(optarg, &o.fixed_now_ms) != 0) {
				fprintf(stderr, "sm-sandbox: bad --clock\n");
				return 2;
			}
			break;
		case 'u':
			o.users = nocur;
			o.nusers = nitems(nocur);
			break;
		case 'A':
			/* ghlterm-sandbox may pass its own --api through. */
			if (strcmp(optarg, "salesmate") != 0) {
				fputs(usage, stderr);
				return 2;
			}
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	o.keys = keys;
	o.nkeys = nkeys;
	/* Block the stop signals before the server thread starts. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	s = sms_start(&o, &why);
	if (s == NULL) {
		fprintf(stderr, "sm-sandbox: %s\n", why);
		free(keys);
		free(host);
		return 1;
	}
	printf("%s\n", sms_url(s));
	fflush(stdout);
	sigwait(&set, &sig);
	sms_stop(s);
	free(keys);
	free(host);
	return 0;
}
