/*
 * sb_util.h: small helpers of ghlterm-sandbox: a seeded PRNG, reversible
 * 20-character ids, time formatting, UTF-8 lower-casing and URL decoding.
 * Everything here is pure and thread-safe.
 */
#ifndef GHL_SB_UTIL_H
#define GHL_SB_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define SB_ID_LEN 20

/* splitmix64 step: advances *state and returns the next 64-bit value. */
uint64_t	 sb_util_rand(uint64_t *state);
/* A well-mixed hash of (a, b, c): the seed of one generated object. */
uint64_t	 sb_util_mix(uint64_t a, uint64_t b, uint64_t c);
/* Uniform value in [0, n) from *state; n > 0. */
uint64_t	 sb_util_below(uint64_t *state, uint64_t n);
/* Uniform double in [0, 1) from *state. */
double		 sb_util_unit(uint64_t *state);

/*
 * Write the id of object number n in namespace ns (contacts, tasks...) for
 * seed into out[SB_ID_LEN + 1].  The id looks random ([A-Za-z0-9]{20}) and
 * sb_util_id_decode() inverts it.
 */
void		 sb_util_id(uint64_t seed, unsigned ns, uint64_t n, char *out);
/* Return 0 and set *n when id was made by sb_util_id(seed, ns, ...), else -1. */
int		 sb_util_id_decode(uint64_t seed, unsigned ns, const char *id,
		    uint64_t *n);
/* 20 random [A-Za-z0-9] chars from *state into out[SB_ID_LEN + 1]. */
void		 sb_util_rand_id(uint64_t *state, char *out);

/* Milliseconds since the epoch, wall clock and monotonic. */
int64_t		 sb_util_now_ms(void);
int64_t		 sb_util_mono_ms(void);
/* "2025-06-02T14:21:07.512Z" into out (at least 25 bytes). */
void		 sb_util_iso(int64_t ms, char *out, size_t len);
/* "2025-06-02 14:21:07" (no zone) into out (at least 20 bytes). */
void		 sb_util_plain(int64_t ms, char *out, size_t len);
/* "2025-06-02" into out (at least 11 bytes). */
void		 sb_util_date(int64_t ms, char *out, size_t len);
/*
 * Parse an ISO-8601 date or date-time (Z, offset or none = UTC) into epoch
 * ms.  Return 0 or -1 when s is not such a time.
 */
int		 sb_util_parse_time(const char *s, int64_t *ms);

/* Lower-case UTF-8 s (towlower per code point); caller frees. */
char		*sb_util_lower(const char *s);
/* Case-insensitive substring test for UTF-8 (needle already lower-case). */
int		 sb_util_icontains(const char *hay, const char *lneedle);
/*
 * Decode %XX and (when plus is set) '+' in s[0..len) into a new string;
 * caller frees.  Return NULL when an escape is malformed or decodes to NUL.
 */
char		*sb_util_urldecode(const char *s, size_t len, int plus);

#endif
