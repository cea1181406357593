/*
 * urlenc.h: RFC 3986 percent-encoding for path segments, query values and
 * application/x-www-form-urlencoded fields.  Only the unreserved characters
 * (ALPHA DIGIT - . _ ~) pass through; every other byte, UTF-8 included,
 * becomes %XX, so "+" is sent as %2B and "/" as %2F (CONTRACT §1.1).
 */
#ifndef GHL_URLENC_H
#define GHL_URLENC_H

struct buf;

/* Encoded copy of s (NULL is treated as "").  Caller frees.  Any thread. */
char	*urlenc(const char *s);
/* Append the encoding of s to b.  Returns 0, or -1 when b's cap is hit. */
int	 urlenc_buf(struct buf *b, const char *s);
/*
 * Decode %XX escapes (and nothing else: "+" stays "+") of s into a new
 * string.  Returns NULL when an escape is malformed or decodes to NUL.
 * Caller frees.  Any thread.
 */
char	*urlenc_decode(const char *s);

#endif
