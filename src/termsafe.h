/*
 * termsafe.h: the one sanitiser for untrusted text (API and cache strings)
 * drawn on a terminal, by the TUI and by the CLI's human output.  Control
 * characters, escape sequences, bidi overrides and invalid UTF-8 become
 * visible and inert; the display-width helpers keep wide and combining
 * characters aligned.  Pure functions, thread-safe, no curses.
 */
#ifndef GHL_TERMSAFE_H
#define GHL_TERMSAFE_H

#include <stddef.h>

enum termsafe_flags {
	TERMSAFE_MULTILINE = 1 << 0,	/* keep '\n' (else shown as U+23CE) */
	TERMSAFE_PAD = 1 << 1,		/* termsafe_fit: pad with spaces */
	TERMSAFE_NOELLIPSIS = 1 << 2,	/* termsafe_fit: cut without "…" */
};

/*
 * Return a newly allocated copy of in (at most maxbytes bytes of it, or up
 * to its NUL; in may be NULL, read as "") that is safe to print:
 *   - C0 controls and DEL shown in caret notation ("^[", "^G", "^?"), so an
 *     escape sequence (CSI, OSC, DCS, ...) is printed as harmless text;
 *   - C1 controls U+0080..U+009F shown as their 7-bit equivalent ("^[[" for
 *     CSI U+009B);
 *   - '\t' becomes a space; "\r\n" and '\n' become U+23CE, or stay '\n'
 *     with TERMSAFE_MULTILINE (a lone '\r' is "^M");
 *   - bidi embeddings, overrides and isolates (U+202A..U+202E,
 *     U+2066..U+2069, U+061C), U+2028/U+2029, noncharacters and every
 *     byte of invalid UTF-8 (overlong, surrogate, > U+10FFFF, truncated)
 *     become U+FFFD.
 * The result is valid UTF-8 with no control character but '\n'.  Caller
 * frees.  Never fails (aborts on OOM).
 */
char	*termsafe(const char *in, size_t maxbytes, unsigned flags);

/*
 * Sanitise in as termsafe() does (always one line: '\n' is U+23CE) and
 * cut it to at most cols display columns (wcwidth(3) in the current
 * locale; an unprintable code point becomes U+FFFD).  When cut, the last column is "…" unless
 * TERMSAFE_NOELLIPSIS.  A wide character never straddles the edge.  With
 * TERMSAFE_PAD the result is padded with spaces to exactly cols columns.
 * *width (may be NULL) receives the columns used.  Caller frees.
 */
char	*termsafe_fit(const char *in, int cols, unsigned flags, int *width);

/*
 * Display columns of s, a string already made safe by termsafe(); code
 * points wcwidth() rejects count as one column (they would have been
 * replaced by termsafe_fit).  '\n' counts as zero.
 */
int	 termsafe_width(const char *s);

/*
 * Word wrapping for multi-line text already made safe: returns the length
 * in bytes of the next display line of s (at most cols columns, broken
 * after a space when one is near, never inside a character), and sets
 * *next to where the following line starts (after a '\n' or the spaces it
 * broke at).  At the end of s returns 0 with *next == s.  cols < 1 is
 * treated as 1.
 */
size_t	 termsafe_wrap(const char *s, int cols, const char **next);

#endif
