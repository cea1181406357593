/*
 * termsafe.c: sanitising untrusted text for the terminal, and measuring
 * and cutting it by display columns.  A small UTF-8 decoder that follows
 * the Unicode "maximal subpart" rule decides what is valid; everything
 * that could move the cursor, change terminal state or reorder text is
 * rewritten into printable characters.
 */
#include "config.h"
#include "termsafe.h"

#include <stdint.h>
#include <string.h>
#include <wchar.h>

#include "buf.h"
#include "xmalloc.h"

#define BAD	0xFFFFFFFFu		/* invalid sequence marker */
#define REPL	"\xEF\xBF\xBD"		/* U+FFFD */
#define RETSYM	"\xE2\x8F\x8E"		/* U+23CE RETURN SYMBOL */
#define ELLIPSIS "\xE2\x80\xA6"		/* U+2026 */

/*
 * Decode one code point from s[0..n).  Returns the bytes consumed (>= 1)
 * and sets *cp, or BAD for an ill-formed sequence (its maximal valid
 * prefix is consumed as one unit).
 */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t need, i;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;		/* no surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;		/* <= U+10FFFF */
	} else {
		*cp = BAD;
		return 1;
	}
	for (i = 1; i <= need; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*cp = BAD;
			return i;
		}
		v = (v << 6) | (s[i] & 0x3F);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp = v;
	return need + 1;
}

static int
is_bidi_or_bad(uint32_t cp)
{
	if (cp >= 0x202A && cp <= 0x202E)	/* LRE RLE PDF LRO RLO */
		return 1;
	if (cp >= 0x2066 && cp <= 0x2069)	/* LRI RLI FSI PDI */
		return 1;
	if (cp == 0x061C)			/* ARABIC LETTER MARK */
		return 1;
	if (cp == 0x2028 || cp == 0x2029)	/* line/paragraph separator */
		return 1;
	if (cp >= 0xFDD0 && cp <= 0xFDEF)	/* noncharacters */
		return 1;
	if ((cp & 0xFFFE) == 0xFFFE)
		return 1;
	return 0;
}

static void
put_caret(struct buf *b, unsigned char c)
{
	buf_putc(b, '^');
	buf_putc(b, c == 0x7F ? '?' : (char)(c ^ 0x40));
}

static void
sanitise(struct buf *b, const char *in, size_t maxbytes, unsigned flags)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t n, i, len;
	uint32_t cp;

	if (in == NULL)
		return;
	n = strnlen(in, maxbytes);
	for (i = 0; i < n; i += len) {
		len = utf8_decode(s + i, n - i, &cp);
		if (cp == BAD) {
			buf_puts(b, REPL);
		} else if (cp == '\n') {
			if (flags & TERMSAFE_MULTILINE)
				buf_putc(b, '\n');
			else
				buf_puts(b, RETSYM);
		} else if (cp == '\r' && i + 1 < n && s[i + 1] == '\n') {
			continue;	/* CRLF: the '\n' is shown */
		} else if (cp == '\t') {
			buf_putc(b, ' ');
		} else if (cp < 0x20 || cp == 0x7F) {
			put_caret(b, (unsigned char)cp);
		} else if (cp >= 0x80 && cp <= 0x9F) {
			/* C1: the 7-bit equivalent, ESC + (cp - 0x40) */
			buf_puts(b, "^[");
			buf_putc(b, (char)(cp - 0x40));
		} else if (is_bidi_or_bad(cp)) {
			buf_puts(b, REPL);
		} else {
			buf_append(b, s + i, len);
		}
	}
}

char *
termsafe(const char *in, size_t maxbytes, unsigned flags)
{
	struct buf b;

	buf_init(&b, 0);
	sanitise(&b, in, maxbytes, flags);
	return buf_take(&b);
}

/* Columns of a code point of sanitised text: unprintable counts as 1. */
static int
cp_width(uint32_t cp, int *printable)
{
	int w;

	if (cp == '\n') {
		*printable = 1;
		return 0;
	}
	w = wcwidth((wchar_t)cp);
	*printable = w >= 0;
	return w < 0 ? 1 : w;
}

char *
termsafe_fit(const char *in, int cols, unsigned flags, int *width)
{
	struct buf safe, out;
	const unsigned char *s;
	size_t i, len, cut_len = 0;
	int w = 0, cut_w = 0, cw, pr, over = 0;
	uint32_t cp;

	if (cols < 0)
		cols = 0;
	buf_init(&safe, 0);
	buf_init(&out, 0);
	sanitise(&safe, in, (size_t)-1, flags & ~TERMSAFE_MULTILINE);
	s = (const unsigned char *)buf_str(&safe);
	for (i = 0; s[i] != '\0'; i += len) {
		len = utf8_decode(s + i, strlen((const char *)s + i), &cp);
		cw = cp_width(cp, &pr);
		if (w + cw > cols) {
			over = 1;
			break;
		}
		if (pr)
			buf_append(&out, s + i, len);
		else
			buf_puts(&out, REPL);
		w += cw;
		if (w <= cols - 1) {
			cut_len = out.len;
			cut_w = w;
		}
	}
	if (over && !(flags & TERMSAFE_NOELLIPSIS) && cols > 0) {
		out.len = cut_len;
		if (out.data != NULL)
			out.data[cut_len] = '\0';
		buf_puts(&out, ELLIPSIS);
		w = cut_w + 1;
	}
	if (flags & TERMSAFE_PAD)
		for (; w < cols; w++)
			buf_putc(&out, ' ');
	buf_free(&safe);
	if (width != NULL)
		*width = w;
	return buf_take(&out);
}

int
termsafe_width(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i, n, len;
	uint32_t cp;
	int w = 0, pr;

	if (str == NULL)
		return 0;
	n = strlen(str);
	for (i = 0; i < n; i += len) {
		len = utf8_decode(s + i, n - i, &cp);
		w += cp_width(cp, &pr);
	}
	return w;
}

size_t
termsafe_wrap(const char *str, int cols, const char **next)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i, n, len, brk = 0;
	uint32_t cp;
	int w = 0, cw, pr;

	if (cols < 1)
		cols = 1;
	n = strlen(str);
	for (i = 0; i < n; i += len) {
		len = utf8_decode(s + i, n - i, &cp);
		if (cp == '\n') {
			*next = str + i + 1;
			return i;
		}
		cw = cp_width(cp, &pr);
		if (w + cw > cols && i > 0) {
			if (cp != ' ' && brk > 0)
				i = brk;
			/* the line ends at i; the next starts after spaces */
			*next = str + i;
			while (**next == ' ')
				(*next)++;
			while (i > 0 && s[i - 1] == ' ')
				i--;
			return i;
		}
		w += cw;
		if (cp == ' ' && i > 0)
			brk = i;
	}
	*next = str + n;
	return n;
}
