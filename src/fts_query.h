/*
 * fts_query.h: turns what a person types into the search box into a safe
 * FTS5 MATCH expression.  Pure string work, no SQLite: every token becomes
 * a quoted prefix term, so FTS5 operators and syntax in the input are inert.
 */
#ifndef GHL_FTS_QUERY_H
#define GHL_FTS_QUERY_H

/*
 * Build the MATCH expression for user_text (may be NULL): each
 * whitespace-separated token becomes "tok"* (inner quotes doubled), the
 * terms joined with spaces (implicit AND).  "tag:NAME" or tag:"two words"
 * is taken out of the text: the last one goes to *tag_out (a new string;
 * tag_out may be NULL to drop it; *tag_out is NULL when there is none).
 * Tokens with no letter or digit (e.g. "-", "*", "()") are dropped since
 * the tokenizer ignores them.  Returns a new string, or NULL when there is
 * nothing to search.  Thread-safe; never fails (aborts on OOM).
 */
char	*fts_query_build(const char *user_text, char **tag_out);

/*
 * 1 when a word of user_text ends in a one-character prefix ("m",
 * "anna j"): the index keeps no entries for one-letter prefixes, so
 * FTS5 counts such a search's matches by reading the doclists of every
 * term with that letter (tens of ms at a million contacts).  Callers use
 * it to count such a search later than they show its first page.
 * Thread-safe; never fails.
 */
int	 fts_query_broad(const char *user_text);

#endif
