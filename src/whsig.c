/*
 * whsig.c: webhook signature verification with OpenSSL's EVP interface
 * (see whsig.h).  Keys are parsed once; each verification uses its own
 * EVP_MD_CTX, so one verifier can serve concurrent requests.
 */
#include "config.h"
#include "whsig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "buf.h"
#include "xmalloc.h"

#define WHSIG_MAX_PEM (64 * 1024)
#define WHSIG_MAX_SIG 8192	/* base64 characters of one header */

struct whsig {
	EVP_PKEY	*rsa;
	EVP_PKEY	*ed;
};

struct whsig *
whsig_new(void)
{
	return xcalloc(1, sizeof(struct whsig));
}

void
whsig_free(struct whsig *w)
{
	if (w == NULL)
		return;
	EVP_PKEY_free(w->rsa);
	EVP_PKEY_free(w->ed);
	free(w);
}

static const char *
alg_name(enum whsig_alg alg)
{
	return alg == WHSIG_RSA ? "RSA" : "Ed25519";
}

int
whsig_set_key(struct whsig *w, enum whsig_alg alg, const char *pem,
    size_t len, struct err *e)
{
	EVP_PKEY *k;
	BIO *bio;
	int id;

	if (len > WHSIG_MAX_PEM)
		return err_set(e, ERR_INVALID, "webhook %s key: too large",
		    alg_name(alg));
	bio = BIO_new_mem_buf(pem, (int)len);
	if (bio == NULL)
		fatalx("BIO_new_mem_buf failed");
	k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (k == NULL)
		return err_set(e, ERR_INVALID, "webhook %s key: not a PEM "
		    "public key (-----BEGIN PUBLIC KEY-----)", alg_name(alg));
	id = EVP_PKEY_get_base_id(k);
	if ((alg == WHSIG_RSA && id != EVP_PKEY_RSA) ||
	    (alg == WHSIG_ED25519 && id != EVP_PKEY_ED25519)) {
		EVP_PKEY_free(k);
		return err_set(e, ERR_INVALID, "webhook %s key: the PEM holds "
		    "a key of another type", alg_name(alg));
	}
	if (alg == WHSIG_RSA) {
		EVP_PKEY_free(w->rsa);
		w->rsa = k;
	} else {
		EVP_PKEY_free(w->ed);
		w->ed = k;
	}
	return 0;
}

int
whsig_load_key(struct whsig *w, enum whsig_alg alg, const char *path,
    struct err *e)
{
	struct buf b;
	char chunk[4096];
	size_t n;
	FILE *fp;
	int rc;

	fp = fopen(path, "r");
	if (fp == NULL)
		return err_set(e, ERR_IO, "webhook %s key %s: %s",
		    alg_name(alg), path, strerror(errno));
	buf_init(&b, WHSIG_MAX_PEM);
	rc = 0;
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
		if (buf_append(&b, chunk, n) != 0) {
			rc = err_set(e, ERR_INVALID, "webhook %s key %s: too "
			    "large", alg_name(alg), path);
			break;
		}
	}
	if (rc == 0 && ferror(fp))
		rc = err_set(e, ERR_IO, "webhook %s key %s: read error",
		    alg_name(alg), path);
	fclose(fp);
	if (rc == 0) {
		rc = whsig_set_key(w, alg, buf_str(&b), b.len, e);
		if (rc)
			err_prefix(e, "%s", path);
	}
	buf_free(&b);
	return rc;
}

int
whsig_enabled(const struct whsig *w)
{
	return w != NULL && (w->rsa != NULL || w->ed != NULL);
}

static int
b64val(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

int
whsig_base64_decode(const char *s, unsigned char **out, size_t *outlen)
{
	unsigned char *o;
	unsigned long acc = 0;
	size_t n = 0, bits = 0, pad = 0, nchars = 0, len = strlen(s);
	int v;

	*out = NULL;
	*outlen = 0;
	o = xmalloc(len / 4 * 3 + 3);
	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			continue;
		if (*s == '=') {
			pad++;
			continue;
		}
		v = b64val((unsigned char)*s);
		if (v < 0 || pad > 0)
			goto bad;	/* foreign, or data after '=' */
		acc = (acc << 6) | (unsigned long)v;
		nchars++;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (unsigned char)(acc >> bits);
			acc &= (1UL << bits) - 1;
		}
	}
	/* 6 leftover bits can never be valid; the rest must be zero. */
	if (bits >= 6 || acc != 0 || (pad > 0 && (nchars + pad) % 4 != 0))
		goto bad;
	*out = o;
	*outlen = n;
	return 0;
bad:
	free(o);
	return ERR_PARSE;
}

static int
verify_one(EVP_PKEY *k, enum whsig_alg alg, const void *body, size_t len,
    const char *sig64, struct err *e)
{
	const char *hdr = alg == WHSIG_RSA ? "x-wh-signature" :
	    "x-ghl-signature";
	unsigned char *sig = NULL;
	size_t siglen;
	EVP_MD_CTX *ctx;
	int ok;

	if (strlen(sig64) > WHSIG_MAX_SIG ||
	    whsig_base64_decode(sig64, &sig, &siglen) != 0 || siglen == 0) {
		free(sig);
		return err_set(e, ERR_AUTH, "webhook: %s is not valid base64",
		    hdr);
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		fatalx("EVP_MD_CTX_new failed");
	ok = EVP_DigestVerifyInit(ctx, NULL, alg == WHSIG_RSA ?
	    EVP_sha256() : NULL, NULL, k) == 1 &&
	    EVP_DigestVerify(ctx, sig, siglen, body, len) == 1;
	EVP_MD_CTX_free(ctx);
	free(sig);
	if (!ok)
		return err_set(e, ERR_AUTH, "webhook: bad %s (%s signature "
		    "does not match the body)", hdr, alg_name(alg));
	return 0;
}

int
whsig_verify(const struct whsig *w, const void *body, size_t len,
    const char *wh_sig, const char *ghl_sig, struct err *e)
{
	if (!whsig_enabled(w))
		return 0;
	if (ghl_sig != NULL && *ghl_sig == '\0')
		ghl_sig = NULL;
	if (wh_sig != NULL && *wh_sig == '\0')
		wh_sig = NULL;
	if (w->ed != NULL && ghl_sig != NULL)
		return verify_one(w->ed, WHSIG_ED25519, body, len, ghl_sig, e);
	if (w->rsa != NULL && wh_sig != NULL)
		return verify_one(w->rsa, WHSIG_RSA, body, len, wh_sig, e);
	return err_set(e, ERR_AUTH, "webhook: missing signature (expected "
	    "%s%s%s)", w->ed != NULL ? "x-ghl-signature" : "",
	    w->ed != NULL && w->rsa != NULL ? " or " : "",
	    w->rsa != NULL ? "x-wh-signature" : "");
}
