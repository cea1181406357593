/*
 * buf.h: a growable byte buffer with a hard size cap (curl's dynbuf).
 * The data is always NUL-terminated so it can be used as a string.
 */
#ifndef GHL_BUF_H
#define GHL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*data;	/* owned; NULL until the first append */
	size_t	 len;
	size_t	 cap;
	size_t	 max;	/* hard cap on len; 0 means unlimited */
};

void	 buf_init(struct buf *, size_t max);
void	 buf_free(struct buf *);
void	 buf_reset(struct buf *);
/* Return 0, or -1 when the cap would be exceeded (the buffer is unchanged). */
int	 buf_append(struct buf *, const void *, size_t);
int	 buf_puts(struct buf *, const char *);
int	 buf_putc(struct buf *, char);
int	 buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Hand out the string (never NULL) and reset the buffer. */
char	*buf_take(struct buf *);
/* The contents as a string: "" when empty.  Borrowed until the next append. */
const char *buf_str(const struct buf *);

#endif
