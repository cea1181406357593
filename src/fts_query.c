/*
 * fts_query.c: the search box text -> FTS5 MATCH expression (fts_query.h).
 * Tokens are split on ASCII whitespace; each one is emitted as a quoted
 * prefix phrase, so nothing the user types can reach the FTS5 parser as
 * syntax (AND, OR, NOT, NEAR, ^, column filters, parentheses, stars).
 */
#include "config.h"
#include "fts_query.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "xmalloc.h"

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* A token the unicode61 tokenizer would see something in: an ASCII letter
 * or digit, or any non-ASCII byte (letters of other scripts). */
static int
has_word_char(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80 || (c >= '0' && c <= '9') ||
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
			return 1;
	}
	return 0;
}

static void
emit_term(struct buf *b, const char *s, size_t len)
{
	if (!has_word_char(s, len))
		return;
	if (b->len > 0)
		buf_putc(b, ' ');
	buf_putc(b, '"');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			buf_putc(b, '"');
		buf_putc(b, s[i]);
	}
	buf_puts(b, "\"*");
}

char *
fts_query_build(const char *text, char **tag_out)
{
	struct buf b;
	char *tag = NULL;
	const char *p = text;

	if (tag_out != NULL)
		*tag_out = NULL;
	if (text == NULL)
		return NULL;
	buf_init(&b, 0);
	while (*p != '\0') {
		const char *start;

		while (is_space((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (strncasecmp(p, "tag:", 4) == 0) {
			const char *v = p + 4, *end;

			if (*v == '"') {
				v++;
				end = strchr(v, '"');
				if (end == NULL)
					end = v + strlen(v);
				p = *end == '"' ? end + 1 : end;
			} else {
				end = v;
				while (*end != '\0' && !is_space((unsigned char)*end))
					end++;
				p = end;
			}
			if (end > v) {
				free(tag);
				tag = xstrndup(v, (size_t)(end - v));
			}
			continue;
		}
		start = p;
		while (*p != '\0' && !is_space((unsigned char)*p))
			p++;
		emit_term(&b, start, (size_t)(p - start));
	}
	if (tag_out != NULL)
		*tag_out = tag;
	else
		free(tag);
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b);
}

/* The characters (UTF-8 lead bytes) of the last run of word characters
 * in s[0..len), as the tokenizer would see the word's last token. */
static size_t
last_run_chars(const char *s, size_t len)
{
	size_t n = 0, i = len;

	while (i > 0 && !has_word_char(s + i - 1, 1))
		i--;
	for (; i > 0 && has_word_char(s + i - 1, 1); i--)
		if (((unsigned char)s[i - 1] & 0xc0) != 0x80)
			n++;
	return n;
}

int
fts_query_broad(const char *text)
{
	char *q = fts_query_build(text, NULL);
	const char *p = q;
	struct buf w;
	int broad = 0;

	if (q == NULL)
		return 0;
	buf_init(&w, 0);
	/* the phrases fts_query_build wrote: "word"* "wo""rd"* ... */
	while (*p == '"' && !broad) {
		buf_reset(&w);
		for (p++; *p != '\0' && !(*p == '"' && p[1] != '"'); p++) {
			if (*p == '"')
				p++;
			buf_putc(&w, *p);
		}
		if (*p == '"')
			p++;
		while (*p == '*' || *p == ' ')
			p++;
		broad = last_run_chars(buf_str(&w), w.len) == 1;
	}
	buf_free(&w);
	free(q);
	return broad;
}
