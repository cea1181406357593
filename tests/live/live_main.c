/*
 * live_main.c: a minimal ghlterm main() for the live commands (listen,
 * autotag), so their shell tests run whether or not src/cli.c dispatches
 * them yet.  Settings come from the environment and the config file as in
 * ghlterm; the only global flag is --offline.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "autotag.h"
#include "conf.h"
#include "err.h"
#include "listen.h"
#include "log.h"
#include "xmalloc.h"

int
main(int argc, char **argv)
{
	struct conf cfg;
	struct err e;
	char *logpath;
	int i = 1, rc;

	conf_defaults(&cfg);
	if (i < argc && strcmp(argv[i], "--offline") == 0) {
		cfg.offline = 1;
		i++;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: live_main [--offline] listen|autotag "
		    "[ARGS]\n");
		return 2;
	}
	err_clear(&e);
	if (conf_load(&cfg, &e) != 0) {
		fprintf(stderr, "ghlterm: %s\n", e.msg);
		conf_free(&cfg);
		return 1;
	}
	logpath = xasprintf("%s/log.jsonl", cfg.state_dir);
	log_open(logpath, NULL);
	free(logpath);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (strcmp(argv[i], "listen") == 0) {
		rc = listen_cli(&cfg, argc - i, argv + i);
	} else if (strcmp(argv[i], "autotag") == 0) {
		rc = autotag_cli(&cfg, argc - i, argv + i);
	} else {
		fprintf(stderr, "ghlterm: unknown command '%s'\n", argv[i]);
		rc = 2;
	}
	curl_global_cleanup();
	log_close();
	conf_free(&cfg);
	return rc;
}
