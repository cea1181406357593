/* test_urlenc.c: RFC 3986 percent-encoding of ids and query values. */
#include "config.h"

#include <stdlib.h>

#include "buf.h"
#include "urlenc.h"
#include "../tap.h"

static void
enc(const char *in, const char *want, const char *name)
{
	char *got = urlenc(in);

	is_str(got, want, name);
	free(got);
}

int
main(void)
{
	struct buf b;
	char *s;

	enc("Zp4mW8qR2tY6uI0oPa1S", "Zp4mW8qR2tY6uI0oPa1S", "plain id untouched");
	enc("AZaz09-._~", "AZaz09-._~", "unreserved set passes");
	enc("a/b", "a%2Fb", "slash encoded");
	enc("a?b#c", "a%3Fb%23c", "query and fragment marks encoded");
	enc("100%", "100%25", "percent encoded");
	enc("+13125550148", "%2B13125550148", "plus is %2B (CONTRACT §1.1)");
	enc("maya+tag@example.com", "maya%2Btag%40example.com", "email with plus");
	enc("a b", "a%20b", "space is %20, not +");
	enc("é", "%C3%A9", "UTF-8 bytes encoded, upper-case hex");
	enc("日本", "%E6%97%A5%E6%9C%AC", "CJK");
	enc("&=;,:", "%26%3D%3B%2C%3A", "sub-delims encoded");
	enc("", "", "empty string");
	enc(NULL, "", "NULL is empty");

	buf_init(&b, 4);
	is_int(urlenc_buf(&b, "ab"), 0, "append within cap");
	is_int(urlenc_buf(&b, "/"), -1, "escape past the cap is refused");
	buf_free(&b);

	s = urlenc_decode("a%2Fb%3Fc%25d%2Be%20f%C3%A9");
	is_str(s, "a/b?c%d+e fé", "decode round trip");
	free(s);
	s = urlenc_decode("a+b");
	is_str(s, "a+b", "decode leaves + alone");
	free(s);
	ok(urlenc_decode("%4") == NULL, "truncated escape rejected");
	ok(urlenc_decode("%zz") == NULL, "bad hex rejected");
	ok(urlenc_decode("a%00b") == NULL, "NUL escape rejected");
	{
		const char *odd = "x/y?z%w+v u\xe2\x82\xac";
		char *e = urlenc(odd), *d = urlenc_decode(e);

		is_str(d, odd, "encode then decode is identity");
		free(e);
		free(d);
	}
	return tap_done();
}
