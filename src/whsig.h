/*
 * whsig.h: verification of HighLevel webhook signatures (CONTRACT §5):
 * x-wh-signature (RSA-SHA256 over the raw body, base64) and
 * x-ghl-signature (Ed25519 over the raw body, base64), each against a PEM
 * public key.  OpenSSL libcrypto does the cryptography.  A verifier is
 * immutable once built and may be shared by threads.
 */
#ifndef GHL_WHSIG_H
#define GHL_WHSIG_H

#include <stddef.h>

#include "err.h"

struct whsig;

enum whsig_alg {
	WHSIG_RSA,	/* x-wh-signature: RSA PKCS#1 v1.5, SHA-256 */
	WHSIG_ED25519,	/* x-ghl-signature: Ed25519 */
};

/* An empty verifier (no key: verification off).  Caller owns; whsig_free. */
struct whsig	*whsig_new(void);
/* NULL is a no-op. */
void		 whsig_free(struct whsig *);

/*
 * Set the public key for alg from PEM text (a "PUBLIC KEY" block, len
 * bytes, need not be NUL-terminated).  The key's type must match alg (an
 * RSA key for WHSIG_RSA, an Ed25519 key for WHSIG_ED25519).  Returns 0, or
 * ERR_INVALID with e naming what is wrong (nothing changed).
 */
int		 whsig_set_key(struct whsig *, enum whsig_alg,
		    const char *pem, size_t len, struct err *e);
/* The same from a PEM file; ERR_IO when it cannot be read. */
int		 whsig_load_key(struct whsig *, enum whsig_alg,
		    const char *path, struct err *e);
/* Non-zero when at least one key is set (events must then be signed). */
int		 whsig_enabled(const struct whsig *);

/*
 * Check one delivery.  body/len is the raw request body; wh_sig and
 * ghl_sig are the header values (NULL when absent).  With no key set it
 * returns 0.  Otherwise a signature whose key is set is checked, Ed25519
 * first: 0 when it verifies; ERR_AUTH ("bad x-ghl-signature", "missing
 * signature", ...) when the signature is bad or malformed, or when no
 * signature for a configured key is present.
 */
int		 whsig_verify(const struct whsig *, const void *body,
		    size_t len, const char *wh_sig, const char *ghl_sig,
		    struct err *e);

/*
 * Decode base64 (standard alphabet, padding optional, whitespace
 * ignored) into a new buffer *out of *outlen bytes (caller frees).
 * Returns 0, or ERR_PARSE on any other character or bad length.
 */
int		 whsig_base64_decode(const char *s, unsigned char **out,
		    size_t *outlen);

#endif
