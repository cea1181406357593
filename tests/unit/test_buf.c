/* test_buf.c: the capped buffer and the error helpers. */
#include "config.h"

#include "buf.h"
#include "err.h"
#include "../tap.h"

int
main(void)
{
	struct buf b;
	struct err e;
	char *s;

	buf_init(&b, 8);
	is_str(buf_str(&b), "", "empty buffer reads as empty string");
	is_int(buf_puts(&b, "abcd"), 0, "append within cap");
	is_int(buf_puts(&b, "efgh"), 0, "append up to cap");
	is_int(buf_puts(&b, "i"), -1, "append past cap refused");
	is_str(buf_str(&b), "abcdefgh", "refused append leaves data intact");
	s = buf_take(&b);
	is_str(s, "abcdefgh", "take hands out the string");
	is_int(b.len, 0, "take resets");
	free(s);
	buf_init(&b, 0);
	for (int i = 0; i < 1000; i++)
		buf_printf(&b, "%d,", i);
	ok(b.len > 2000, "unlimited buffer grows");
	buf_free(&b);

	err_clear(&e);
	err_set(&e, ERR_NOTFOUND, "Contact not found");
	err_prefix(&e, "GET /contacts/%s", "abc");
	is_str(e.msg, "GET /contacts/abc: Contact not found", "err_prefix");
	ok(err_is_transient(ERR_NET) && !err_is_transient(ERR_AUTH), "transient classes");
	return tap_done();
}
