/*
 * fuzz_conf.c: libFuzzer harness for the config file parser (libinih plus
 * our key table, value parsers, bind/unbind and autotag lines) and the
 * duration/bool/number parsers.  Build with configure --enable-fuzzing.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "err.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c;
	struct err e;
	char *s = xmalloc(size + 1);
	long ms, n;
	size_t i, j;
	int b, rc;

	memcpy(s, data, size);
	s[size] = '\0';
	conf_defaults(&c);
	err_clear(&e);
	rc = conf_parse_text(&c, "fuzz", s, &e);
	if (rc != 0 && rc != ERR_USAGE && rc != ERR_IO)
		abort();
	if (rc != 0 && strncmp(e.msg, "fuzz:", 5) != 0)
		abort();	/* every error names the file and line */
	for (i = 0; i < c.nbinds; i++)
		if (c.binds[i].context == NULL || c.binds[i].key == NULL)
			abort();
	for (i = 0; i < c.nautotags; i++) {
		if (c.autotags[i].pattern == NULL || c.autotags[i].ntags == 0)
			abort();
		for (j = 0; j < c.autotags[i].ntags; j++)
			if (c.autotags[i].tags[j][0] == '\0')
				abort();
	}
	if (c.replay_timeout_s < 1 && rc == 0)
		abort();
	conf_free(&c);
	if (conf_parse_duration(s, &ms) == 0 && ms < 0)
		abort();
	if (conf_parse_bool(s, &b) == 0 && b != 0 && b != 1)
		abort();
	if (conf_parse_long(s, -5, 5, &n) == 0 && (n < -5 || n > 5))
		abort();
	free(s);
	return 0;
}
