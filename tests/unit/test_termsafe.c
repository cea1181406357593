/*
 * test_termsafe.c: the terminal sanitiser against the escape sequences of
 * the git, less and kubectl advisories (title set, clipboard write, screen
 * clear, cursor moves, C1 CSI, bidi overrides) and against invalid UTF-8;
 * the width-aware cut and the word wrap with wide and combining characters.
 */
#include "config.h"

#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "termsafe.h"
#include "../tap.h"

/* 1 when s holds no byte that a terminal would act on. */
static int
inert(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7F)
			return 0;
		/* C1 encoded in UTF-8 (U+0080..U+009F) */
		if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
			return 0;
		/* raw C1 bytes not inside a multibyte sequence */
		if (*p >= 0x80 && *p <= 0x9F && (p == (const unsigned char *)s ||
		    p[-1] < 0x80))
			return 0;
		/* bidi U+202A..U+202E, U+2066..U+2069 */
		if (p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE)
			return 0;
		if (p[0] == 0xE2 && p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)
			return 0;
	}
	return 1;
}

static void
check(const char *in, const char *want, const char *name)
{
	char *got = termsafe(in, (size_t)-1, 0);

	is_str(got, want, name);
	ok(inert(got), "%s: inert", name);
	free(got);
}

static void
check_fit(const char *in, int cols, unsigned flags, const char *want,
    int want_w, const char *name)
{
	int w = -1;
	char *got = termsafe_fit(in, cols, flags, &w);

	is_str(got, want, name);
	is_int(w, want_w, name);
	free(got);
}

static void
test_wrap(void)
{
	const char *s, *next;
	size_t n;
	char *lines[8];
	int i = 0;

	s = "hello world foo\nbar";
	while (i < 8) {
		n = termsafe_wrap(s, 11, &next);
		if (n == 0 && next == s)
			break;
		lines[i++] = strndup(s, n);
		s = next;
	}
	is_int(i, 3, "wrap: three lines");
	is_str(lines[0], "hello world", "wrap: fits exactly");
	is_str(lines[1], "foo", "wrap: newline ends a line");
	is_str(lines[2], "bar", "wrap: last line");
	while (i > 0)
		free(lines[--i]);

	s = "abcdefgh";
	n = termsafe_wrap(s, 3, &next);
	is_int(n, 3, "wrap: hard break without spaces");
	is_str(next, "defgh", "wrap: continues after hard break");

	s = "\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97";	/* 3 wide chars */
	n = termsafe_wrap(s, 5, &next);
	is_int(n, 6, "wrap: wide chars never split (2 of 3)");
	n = termsafe_wrap(s, 1, &next);
	is_int(n, 3, "wrap: a wide char on a 1-column line still advances");

	s = "a\n\nb";
	n = termsafe_wrap(s, 10, &next);
	is_int(n, 1, "wrap: first of blank-line pair");
	s = next;
	n = termsafe_wrap(s, 10, &next);
	ok(n == 0 && next == s + 1, "wrap: empty line advances");
	n = termsafe_wrap("", 10, &next);
	is_int(n, 0, "wrap: end of text");
}

int
main(void)
{
	char *s;
	char big[4096];

	if (setlocale(LC_ALL, "C.UTF-8") == NULL &&
	    setlocale(LC_ALL, "en_US.UTF-8") == NULL) {
		printf("1..0 # SKIP no UTF-8 locale\n");
		return 0;
	}

	check("Ada Lovelace", "Ada Lovelace", "plain ASCII unchanged");
	check("J\xC3\xBCrgen \xE4\xB8\xAD\xE6\x96\x87", "J\xC3\xBCrgen \xE4\xB8\xAD\xE6\x96\x87",
	    "valid UTF-8 unchanged");
	check(NULL, "", "NULL reads as empty");

	/* git CVE-2024-52005 / kubectl / less: OSC title, clipboard */
	check("\x1b]0;pwned\x07", "^[]0;pwned^G", "OSC 0 title set (BEL)");
	check("\x1b]2;pwned\x1b\\", "^[]2;pwned^[\\", "OSC 2 title set (ST)");
	check("x\x1b]52;c;cm0gLXJmIH4K\x07y", "x^[]52;c;cm0gLXJmIH4K^Gy",
	    "OSC 52 clipboard write");
	check("\x1b[2J\x1b[H", "^[[2J^[[H", "CSI 2J clear + home");
	check("\x1b[10;10H\x1b[1A\x1b[K", "^[[10;10H^[[1A^[[K", "cursor moves");
	check("\x1bP1$r\x1b\\", "^[P1$r^[\\", "DCS");
	check("a\x9b" "31mb", "a\xEF\xBF\xBD" "31mb", "raw C1 CSI byte 0x9b");
	check("a\xC2\x9b" "31mb", "a^[[31mb", "C1 CSI U+009B as UTF-8");
	check("a\xC2\x9d" "0;x\xC2\x9c", "a^[]0;x^[\\", "C1 OSC and ST");
	check("\x07\x08\x7f\x0e", "^G^H^?^N", "BEL BS DEL SO");
	check("tab\there", "tab here", "tab becomes a space");
	check("one\ntwo", "one\xE2\x8F\x8Etwo", "newline marked in one-line");
	check("one\r\ntwo", "one\xE2\x8F\x8Etwo", "CRLF is one mark");
	check("over\rwrite", "over^Mwrite", "lone CR visible");
	/* Trojan Source: RLO, LRI, PDI, PDF */
	check("abc\xE2\x80\xAE" "fed", "abc\xEF\xBF\xBD" "fed", "RLO U+202E");
	check("\xE2\x81\xA6x\xE2\x81\xA9", "\xEF\xBF\xBDx\xEF\xBF\xBD",
	    "LRI/PDI isolates");
	check("\xE2\x80\xAA\xE2\x80\xAC", "\xEF\xBF\xBD\xEF\xBF\xBD", "LRE/PDF");
	check("a\xE2\x80\xA8" "b", "a\xEF\xBF\xBD" "b", "line separator");
	/* invalid UTF-8 */
	check("\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD", "overlong slash");
	check("\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD",
	    "surrogate half");
	check("\xF4\x90\x80\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD",
	    "above U+10FFFF");
	check("\xE4\xB8" "a", "\xEF\xBF\xBD" "a", "truncated sequence is one U+FFFD");
	check("end\xE4", "end\xEF\xBF\xBD", "truncated at end of input");
	check("\xFF\xFE", "\xEF\xBF\xBD\xEF\xBF\xBD", "bytes never valid");
	check("\xEF\xBF\xBE", "\xEF\xBF\xBD", "noncharacter U+FFFE");

	s = termsafe("one\ntwo\x1b[H", (size_t)-1, TERMSAFE_MULTILINE);
	is_str(s, "one\ntwo^[[H", "multiline keeps newline only");
	free(s);
	s = termsafe("abc\x1b[2J", 4, 0);
	is_str(s, "abc^[", "maxbytes bounds the input");
	free(s);
	s = termsafe("a\xE4\xB8\xAD", 3, 0);
	is_str(s, "a\xEF\xBF\xBD", "maxbytes cutting a char gives U+FFFD");
	free(s);

	/* every byte value, in every position: output always inert */
	for (int i = 0; i < 4095; i++)
		big[i] = (char)(i % 255 + 1);
	big[4095] = '\0';
	s = termsafe(big, sizeof big, 0);
	ok(inert(s), "all byte values: inert");
	free(s);

	/* width-aware cut */
	check_fit("hello", 10, 0, "hello", 5, "fit: short");
	check_fit("hello", 10, TERMSAFE_PAD, "hello     ", 10, "fit: pad");
	check_fit("hello world", 8, 0, "hello w\xE2\x80\xA6", 8, "fit: ellipsis");
	check_fit("hello world", 8, TERMSAFE_NOELLIPSIS, "hello wo", 8,
	    "fit: no ellipsis");
	check_fit("\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97", 5, 0,
	    "\xE4\xB8\xAD\xE6\x96\x87\xE2\x80\xA6", 5, "fit: wide chars");
	check_fit("\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97", 5, TERMSAFE_NOELLIPSIS,
	    "\xE4\xB8\xAD\xE6\x96\x87", 4, "fit: wide char never straddles");
	check_fit("\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97", 5,
	    TERMSAFE_NOELLIPSIS | TERMSAFE_PAD, "\xE4\xB8\xAD\xE6\x96\x87 ", 5,
	    "fit: padded after wide");
	check_fit("e\xCC\x81" "e\xCC\x81" "e\xCC\x81", 3, 0,
	    "e\xCC\x81" "e\xCC\x81" "e\xCC\x81", 3, "fit: combining marks are 0 wide");
	check_fit("e\xCC\x81" "e\xCC\x81" "e\xCC\x81", 2, 0,
	    "e\xCC\x81\xE2\x80\xA6", 2, "fit: combining kept with its base");
	check_fit("\x1b]0;x\x07", 20, 0, "^[]0;x^G", 8, "fit: sanitises");
	check_fit("a\nb", 5, 0, "a\xE2\x8F\x8E" "b", 3, "fit: one line");
	check_fit("abc", 0, 0, "", 0, "fit: zero columns");
	check_fit("abc", 1, 0, "\xE2\x80\xA6", 1, "fit: one column");
	check_fit("a\xCD\xB8" "b", 5, 0, "a\xEF\xBF\xBD" "b", 3,
	    "fit: unassigned U+0378 becomes U+FFFD");

	is_int(termsafe_width("ab\xE4\xB8\xAD" "e\xCC\x81"), 5, "width");
	test_wrap();
	return tap_done();
}
