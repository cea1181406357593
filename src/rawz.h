/*
 * rawz.h: the cache's packed form of a contact's raw JSON.  A contact is
 * ~1.2 KB of JSON of which most is the same keys and boilerplate every
 * time; zstd with a dictionary of that shape stores it in about a third.
 */
#ifndef RAWZ_H
#define RAWZ_H

#include <stddef.h>

/* The first byte of a packed value: the format (codec and dictionary). */
#define RAWZ_FORMAT1	0x01
/* Unpacked values larger than this are refused as corrupt. */
#define RAWZ_MAX	(64UL << 20)

/*
 * Pack len bytes of json into a new buffer (*out, *outlen; free() it):
 * the format byte, then a zstd frame.  1 when packed; 0 when it would not
 * be smaller or zstd failed (*out is NULL): store the text as it is.
 * Thread-safe.
 */
int	 rawz_pack(const char *json, size_t len, unsigned char **out,
	    size_t *outlen);
/*
 * The JSON text of a packed value as a new NUL-terminated string, or NULL
 * when it is not one this build can read (unknown format, corrupt frame,
 * over RAWZ_MAX).  Thread-safe.
 */
char	*rawz_unpack(const void *blob, size_t len);

#endif
