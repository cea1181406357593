/*
 * fuzz_ratelimit.c: libFuzzer harness for the X-RateLimit-* header
 * parser, the Retry-After parser and the pacer fed with whatever they
 * parse.  Build with configure --enable-fuzzing (clang).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backoff.h"
#include "http.h"
#include "ratelimit.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ratelimit_headers h;
	struct ratelimit *rl;
	char *s = xmalloc(size + 1), *v;
	int64_t now = 0;

	memcpy(s, data, size);
	s[size] = '\0';
	ratelimit_parse_headers(s, &h);
	rl = ratelimit_new();
	for (int i = 0; i < 3; i++) {
		long d;

		ratelimit_update(rl, now, &h);
		d = ratelimit_delay_ms(rl, now, 1 + i);
		if (d < RATELIMIT_DAILY_EXHAUSTED)
			abort();
		if (d > 0)
			now += d;
		ratelimit_record(rl, now, 1 + i);
	}
	ratelimit_free(rl);
	v = http_header_value(s, "Retry-After");
	if (backoff_retry_after_ms(v, 0) > BACKOFF_RETRY_AFTER_MAX_MS)
		abort();
	free(v);
	if (backoff_retry_after_ms(s, 1700000000) > BACKOFF_RETRY_AFTER_MAX_MS)
		abort();
	free(s);
	return 0;
}
