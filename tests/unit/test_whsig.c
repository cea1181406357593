/*
 * test_whsig.c: webhook signature verification.  Keys are generated here
 * (RSA 2048 and Ed25519, OpenSSL), bodies signed as HighLevel signs them,
 * and good, bad, foreign, malformed and missing signatures are checked.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "err.h"
#include "whsig.h"
#include "xmalloc.h"
#include "../tap.h"

static EVP_PKEY *
keygen(int rsa)
{
	EVP_PKEY *k = rsa ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048) :
	    EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");

	if (k == NULL)
		fatalx("keygen failed");
	return k;
}

/* The public half as PEM text (new string). */
static char *
pubpem(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *s;
	long n;

	PEM_write_bio_PUBKEY(b, k);
	n = BIO_get_mem_data(b, &p);
	s = xstrndup(p, (size_t)n);
	BIO_free(b);
	return s;
}

/* base64 signature of body: RSA-SHA256 or Ed25519. */
static char *
sign(EVP_PKEY *k, int rsa, const char *body)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char sig[1024];
	size_t sl = sizeof sig;
	char *out;

	if (EVP_DigestSignInit(ctx, NULL, rsa ? EVP_sha256() : NULL, NULL,
	    k) != 1 || EVP_DigestSign(ctx, sig, &sl,
	    (const unsigned char *)body, strlen(body)) != 1)
		fatalx("sign failed");
	EVP_MD_CTX_free(ctx);
	out = xmalloc(sl * 2 + 4);
	EVP_EncodeBlock((unsigned char *)out, sig, (int)sl);
	return out;
}

static void
test_base64(void)
{
	unsigned char *o;
	size_t n;

	is_int(whsig_base64_decode("aGVsbG8=", &o, &n), 0, "b64 padded");
	ok(n == 5 && memcmp(o, "hello", 5) == 0, "b64 decodes hello");
	free(o);
	is_int(whsig_base64_decode("aGVsbG8", &o, &n), 0, "b64 unpadded");
	ok(n == 5 && memcmp(o, "hello", 5) == 0, "b64 unpadded value");
	free(o);
	is_int(whsig_base64_decode("aGVs\nbA==", &o, &n), 0,
	    "b64 with newline");
	ok(n == 4 && memcmp(o, "hell", 4) == 0, "b64 whitespace skipped");
	free(o);
	is_int(whsig_base64_decode("aGVs!G8=", &o, &n), ERR_PARSE,
	    "b64 foreign character refused");
	is_int(whsig_base64_decode("a", &o, &n), ERR_PARSE,
	    "b64 lone character refused");
	is_int(whsig_base64_decode("aGVsbA=x", &o, &n), ERR_PARSE,
	    "b64 data after padding refused");
	is_int(whsig_base64_decode("aGVsbA=", &o, &n), ERR_PARSE,
	    "b64 short padding refused");
}

int
main(void)
{
	const char *body = "{\"type\":\"ContactUpdate\",\"locationId\":\"L\","
	    "\"id\":\"C1\",\"firstName\":\"Ana\"}";
	const char *other = "{\"type\":\"ContactUpdate\",\"locationId\":\"L\","
	    "\"id\":\"C1\",\"firstName\":\"Eve\"}";
	EVP_PKEY *rsa = keygen(1), *ed = keygen(0), *rsa2 = keygen(1);
	char *rsa_pem = pubpem(rsa), *ed_pem = pubpem(ed);
	char *rsa_sig = sign(rsa, 1, body), *ed_sig = sign(ed, 0, body);
	char *rsa2_sig = sign(rsa2, 1, body), *ed_other = sign(ed, 0, other);
	char path[] = "/tmp/test_whsig.XXXXXX";
	struct whsig *w;
	struct err e;
	FILE *fp;
	int fd;

	test_base64();

	w = whsig_new();
	ok(!whsig_enabled(w), "no key: verification off");
	is_int(whsig_verify(w, body, strlen(body), NULL, NULL, &e), 0,
	    "no key: unsigned event accepted");
	is_int(whsig_set_key(w, WHSIG_ED25519, rsa_pem, strlen(rsa_pem), &e),
	    ERR_INVALID, "RSA key refused as Ed25519 key");
	ok(strstr(e.msg, "another type") != NULL, "message says wrong type");
	is_int(whsig_set_key(w, WHSIG_RSA, "not a key", 9, &e), ERR_INVALID,
	    "garbage refused as a key");
	ok(!whsig_enabled(w), "failed loads leave verification off");

	/* RSA (x-wh-signature) */
	is_int(whsig_set_key(w, WHSIG_RSA, rsa_pem, strlen(rsa_pem), &e), 0,
	    "RSA public key loads");
	ok(whsig_enabled(w), "a key turns verification on");
	is_int(whsig_verify(w, body, strlen(body), rsa_sig, NULL, &e), 0,
	    "good RSA signature verifies");
	is_int(whsig_verify(w, other, strlen(other), rsa_sig, NULL, &e),
	    ERR_AUTH, "RSA signature of another body refused");
	ok(strstr(e.msg, "bad x-wh-signature") != NULL,
	    "message names the header");
	is_int(whsig_verify(w, body, strlen(body), rsa2_sig, NULL, &e),
	    ERR_AUTH, "signature by another RSA key refused");
	is_int(whsig_verify(w, body, strlen(body), NULL, NULL, &e), ERR_AUTH,
	    "unsigned event refused");
	ok(strstr(e.msg, "missing signature") != NULL, "says missing");
	is_int(whsig_verify(w, body, strlen(body), "", NULL, &e), ERR_AUTH,
	    "empty signature refused");
	is_int(whsig_verify(w, body, strlen(body), "%%%not-base64", NULL, &e),
	    ERR_AUTH, "malformed base64 refused");
	is_int(whsig_verify(w, body, strlen(body), NULL, ed_sig, &e),
	    ERR_AUTH, "Ed25519 header without an Ed25519 key refused");
	is_int(whsig_verify(w, body, strlen(body) - 1, rsa_sig, NULL, &e),
	    ERR_AUTH, "truncated body refused");
	whsig_free(w);

	/* Ed25519 (x-ghl-signature), from a file */
	fd = mkstemp(path);
	ok(fd >= 0, "temp key file");
	fp = fdopen(fd, "w");
	fputs(ed_pem, fp);
	fclose(fp);
	w = whsig_new();
	is_int(whsig_load_key(w, WHSIG_ED25519, "/nonexistent/key.pem", &e),
	    ERR_IO, "missing key file is ERR_IO");
	is_int(whsig_load_key(w, WHSIG_ED25519, path, &e), 0,
	    "Ed25519 key loads from a PEM file");
	is_int(whsig_verify(w, body, strlen(body), NULL, ed_sig, &e), 0,
	    "good Ed25519 signature verifies");
	is_int(whsig_verify(w, other, strlen(other), NULL, ed_sig, &e),
	    ERR_AUTH, "Ed25519 signature of another body refused");
	ok(strstr(e.msg, "bad x-ghl-signature") != NULL,
	    "message names x-ghl-signature");
	is_int(whsig_verify(w, body, strlen(body), rsa_sig, NULL, &e),
	    ERR_AUTH, "RSA header alone refused without an RSA key");

	/* both keys: Ed25519 is checked first, RSA is the fallback */
	is_int(whsig_set_key(w, WHSIG_RSA, rsa_pem, strlen(rsa_pem), &e), 0,
	    "both keys loaded");
	is_int(whsig_verify(w, body, strlen(body), rsa_sig, NULL, &e), 0,
	    "RSA alone verifies when both keys are set");
	is_int(whsig_verify(w, body, strlen(body), rsa_sig, ed_other, &e),
	    ERR_AUTH, "a bad Ed25519 signature is not rescued by RSA");
	is_int(whsig_verify(w, body, strlen(body), "AAAA", ed_sig, &e), 0,
	    "good Ed25519 wins over a junk RSA header");
	whsig_free(w);
	unlink(path);

	free(rsa_pem);
	free(ed_pem);
	free(rsa_sig);
	free(ed_sig);
	free(rsa2_sig);
	free(ed_other);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(rsa2);
	EVP_PKEY_free(ed);
	return tap_done();
}
