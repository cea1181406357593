/*
 * fuzz_termsafe.c: libFuzzer harness for the terminal sanitiser.  Checks
 * the invariants on any input: the output is valid UTF-8 with no control
 * character (but '\n' in multi-line mode), no C1 code point and no bidi
 * control; termsafe_fit never exceeds its columns (exactly them when
 * padded); termsafe_wrap always advances and never splits a character.
 */
#include "config.h"

#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "termsafe.h"

static void
check_safe(const char *s, int multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	mbstate_t st;
	size_t n = strlen(s), r;
	wchar_t wc;

	memset(&st, 0, sizeof st);
	while (n > 0) {
		r = mbrtowc(&wc, (const char *)p, n, &st);
		if (r == (size_t)-1 || r == (size_t)-2 || r == 0)
			abort();		/* invalid UTF-8 out */
		if (wc < 0x20 && !(multiline && wc == '\n'))
			abort();
		if (wc == 0x7F || (wc >= 0x80 && wc <= 0x9F))
			abort();
		if ((wc >= 0x202A && wc <= 0x202E) ||
		    (wc >= 0x2066 && wc <= 0x2069))
			abort();
		p += r;
		n -= r;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	char *in, *s, *line;
	const char *cur, *next;
	int cols, w, lines = 0;
	size_t len;

	if (!init) {
		setlocale(LC_ALL, "C.UTF-8");
		init = 1;
	}
	if (size < 1)
		return 0;
	cols = data[0] % 40;
	in = malloc(size);
	memcpy(in, data + 1, size - 1);
	in[size - 1] = '\0';

	s = termsafe(in, size, 0);
	check_safe(s, 0);
	free(s);

	s = termsafe(in, size, TERMSAFE_MULTILINE);
	check_safe(s, 1);
	for (cur = s; lines < 100000; lines++) {
		len = termsafe_wrap(cur, cols, &next);
		if (len == 0 && next == cur)
			break;
		if (next <= cur)
			abort();		/* must advance */
		line = strndup(cur, len);
		check_safe(line, 0);	/* no split character, no '\n' */
		free(line);
		cur = next;
	}
	free(s);

	s = termsafe_fit(in, cols, 0, &w);
	check_safe(s, 0);
	if (w > cols || termsafe_width(s) != w)
		abort();
	free(s);
	s = termsafe_fit(in, cols, TERMSAFE_PAD, &w);
	if (w != cols || termsafe_width(s) != cols)
		abort();
	free(s);
	free(in);
	return 0;
}
