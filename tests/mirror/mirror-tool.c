/*
 * mirror-tool.c: runs `ghlterm mirror ARGS` (mirror_cli) or the Salesmate
 * doctor checks with the settings of the environment and $GHLTERM_CONFIG,
 * so tests can run the command in a child process (crash points) before
 * the lead wires it into ghlterm's dispatcher.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "conf.h"
#include "err.h"
#include "mirror_cli.h"

int
main(int argc, char **argv)
{
	struct conf cfg;
	struct err e;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: mirror-tool mirror ARGS | doctor\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	conf_defaults(&cfg);
	if (conf_load(&cfg, &e) != 0) {
		fprintf(stderr, "mirror-tool: %s\n", e.msg);
		conf_free(&cfg);
		return 2;
	}
	if (strcmp(argv[1], "doctor") == 0)
		rc = mirror_doctor(&cfg, stdout);
	else
		rc = mirror_cli(&cfg, argc - 1, argv + 1);
	conf_free(&cfg);
	curl_global_cleanup();
	return rc;
}
