/*
 * rawz.c: packs and unpacks contacts' raw JSON for the cache (rawz.h).
 * One compression and one decompression context, each behind a mutex
 * (packing runs on the sync's writer thread, unpacking on readers; they
 * rarely meet), and the dictionary digested once.
 */
#include "config.h"
#include "rawz.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "rawz_dict.h"
#include "xmalloc.h"

/*
 * Level -1 (no entropy coding of literals): on 100,000 sandbox contacts
 * 1,226 -> 402 bytes on average, packed in ~3.2 us and unpacked in
 * ~0.8 us.  Level 1 gives 387 bytes but takes ~7 us and ~2.7 us: packing
 * runs on the full sync's writer thread, its bottleneck.
 */
#define RAWZ_LEVEL	(-1)

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t cmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t dmu = PTHREAD_MUTEX_INITIALIZER;
static ZSTD_CDict *cdict;
static ZSTD_DDict *ddict;
static ZSTD_CCtx *cctx;
static ZSTD_DCtx *dctx;

static void
init(void)
{
	/*
	 * A raw-content dictionary: the bytes themselves, no header, so
	 * frames carry no dictionary id (the format byte names it); the
	 * frame holds the content size and no checksum (SQLite has its own
	 * integrity check).
	 */
	cdict = ZSTD_createCDict(rawz_dict1, sizeof rawz_dict1 - 1,
	    RAWZ_LEVEL);
	ddict = ZSTD_createDDict(rawz_dict1, sizeof rawz_dict1 - 1);
	cctx = ZSTD_createCCtx();
	dctx = ZSTD_createDCtx();
}

int
rawz_pack(const char *json, size_t len, unsigned char **out, size_t *outlen)
{
	unsigned char *buf;
	size_t cap, n;

	*out = NULL;
	*outlen = 0;
	pthread_once(&once, init);
	if (cdict == NULL || cctx == NULL || len == 0)
		return 0;
	cap = 1 + ZSTD_compressBound(len);
	buf = xmalloc(cap);
	buf[0] = RAWZ_FORMAT1;
	pthread_mutex_lock(&cmu);
	n = ZSTD_compress_usingCDict(cctx, buf + 1, cap - 1, json, len, cdict);
	pthread_mutex_unlock(&cmu);
	if (ZSTD_isError(n) || 1 + n >= len) {
		free(buf);
		return 0;
	}
	*out = buf;
	*outlen = 1 + n;
	return 1;
}

char *
rawz_unpack(const void *blob, size_t len)
{
	const unsigned char *p = blob;
	unsigned long long size;
	char *s;
	size_t n;

	if (p == NULL || len < 2 || p[0] != RAWZ_FORMAT1)
		return NULL;
	pthread_once(&once, init);
	if (ddict == NULL || dctx == NULL)
		return NULL;
	size = ZSTD_getFrameContentSize(p + 1, len - 1);
	if (size == ZSTD_CONTENTSIZE_UNKNOWN ||
	    size == ZSTD_CONTENTSIZE_ERROR || size > RAWZ_MAX)
		return NULL;
	s = xmalloc((size_t)size + 1);
	pthread_mutex_lock(&dmu);
	n = ZSTD_decompress_usingDDict(dctx, s, (size_t)size, p + 1, len - 1,
	    ddict);
	pthread_mutex_unlock(&dmu);
	if (ZSTD_isError(n) || n != size || memchr(s, '\0', n) != NULL) {
		free(s);
		return NULL;
	}
	s[n] = '\0';
	return s;
}
