/*
 * fuzz_webhook.c: libFuzzer harness for the webhook receiver: arbitrary
 * bodies go through listen_handle (decode, replay rules, merge into an
 * in-memory cache, auto-tag) and through the signature header decoder.
 * Build with configure --enable-fuzzing (clang).
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "err.h"
#include "listen.h"
#include "whsig.h"
#include "xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct listen *l;
static struct conf cfg;

static void
setup(void)
{
	struct listen_opts o;
	struct err e;

	conf_defaults(&cfg);
	cfg.cache_path = xstrdup(":memory:");
	if (conf_parse_text(&cfg, "fuzz", "[autotag]\ncontact = re(fund|"
	    "turn) => billing\ntask = renew => renewal\n", &e) != 0)
		abort();
	memset(&o, 0, sizeof o);
	o.no_sync = 1;
	o.max_body = 65536;
	if (listen_open(&l, &cfg, &o, &e) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[600], *s;
	unsigned char *out;
	size_t outlen;

	if (l == NULL)
		setup();
	listen_handle(l, (const char *)data, size, NULL, NULL,
	    (long long)time(NULL) * 1000, msg, sizeof msg);
	s = xstrndup((const char *)data, size);
	if (whsig_base64_decode(s, &out, &outlen) == 0)
		free(out);
	free(s);
	return 0;
}
