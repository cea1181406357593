/*
 * test_arena.c: the bump allocator behind the JSON decoder: alignment,
 * ownership, large requests, reset (one chunk as large as all of them),
 * and that decoding a page through an arena gives the same contacts as
 * decoding without one, with nothing left in the arena afterwards.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "codec.h"
#include "err.h"
#include "../tap.h"
#include "xmalloc.h"

static char *
page_json(int n)
{
	struct buf b;
	char one[512];

	buf_init(&b, 0);
	buf_append(&b, "{\"contacts\":[", 13);
	for (int i = 0; i < n; i++) {
		int len = snprintf(one, sizeof one, "%s{\"id\":\"c%05d\","
		    "\"firstName\":\"N\\u00e9%d\",\"email\":\"e%d@x.test\","
		    "\"tags\":[\"a\",\"b%d\"],\"customFields\":[{\"id\":\"f\","
		    "\"value\":\"v\\\\u0000 %d\"}],\"searchAfter\":[%d,\"c%05d\"]}",
		    i ? "," : "", i, i, i, i, i, i, i);
		buf_append(&b, one, (size_t)len);
	}
	buf_append(&b, "],\"total\":1000}", 15);
	buf_append(&b, "", 1);
	return buf_take(&b);
}

int
main(void)
{
	struct arena *a = arena_new();
	struct contact_page p1, p2;
	struct err e;
	char *json, *p, *q, *big;
	int same = 1;

	p = arena_alloc(a, 1);
	q = arena_alloc(a, 3);
	ok(((uintptr_t)p % 16) == 0 && ((uintptr_t)q % 16) == 0,
	    "allocations are 16-byte aligned");
	ok(q != p && q >= p + 1, "allocations do not overlap");
	ok(arena_owns(a, p) && arena_owns(a, q), "arena owns what it gave");
	big = malloc(16);
	ok(!arena_owns(a, big), "and not malloc's memory");
	free(big);
	big = arena_alloc(a, 1 << 20);
	memset(big, 0x5a, 1 << 20);
	ok(arena_owns(a, big) && arena_owns(a, big + (1 << 20) - 1),
	    "a request larger than a chunk gets its own");
	ok(arena_size(a) >= (1u << 20) + 256 * 1024, "two chunks held");
	arena_reset(a);
	ok(!arena_owns(a, p) && !arena_owns(a, big),
	    "reset forgets every allocation");
	ok(arena_size(a) >= (1u << 20) + 256 * 1024,
	    "reset keeps one chunk as large as all of them");
	p = arena_alloc(a, (1 << 20) + 1000);
	ok(arena_size(a) >= (1u << 20) + 256 * 1024 &&
	    arena_owns(a, p), "which serves the next large page");

	json = page_json(1000);
	err_clear(&e);
	ok(codec_search_page(json, strlen(json), &p1, &e) == 0,
	    "page decoded without an arena");
	ok(codec_search_page_in(json, strlen(json), &p2, a, &e) == 0,
	    "page decoded with an arena");
	ok(p1.n == 1000 && p2.n == 1000, "1000 contacts each");
	{
		/* Another page through the same arena overwrites its chunk:
		 * anything of p2 left in there would be clobbered. */
		struct contact_page p3;
		char *other = page_json(999);

		ok(codec_search_page_in(other, strlen(other), &p3, a, &e) == 0,
		    "a second page through the same arena");
		contact_page_free(&p3);
		free(other);
	}
	for (size_t i = 0; i < p1.n && i < p2.n; i++)
		same &= strcmp(p1.v[i].id, p2.v[i].id) == 0 &&
		    strcmp(p1.v[i].first_name, p2.v[i].first_name) == 0 &&
		    strcmp(p1.v[i].raw, p2.v[i].raw) == 0 &&
		    p1.v[i].tags.n == 2 && p2.v[i].tags.n == 2 &&
		    strcmp(p1.v[i].tags.v[1], p2.v[i].tags.v[1]) == 0;
	ok(same, "same fields and raw JSON after the arena was reused");
	is_str(p2.search_after, p1.search_after, "same cursor");
	ok(!arena_owns(a, p2.search_after), "cursor not in the arena");
	contact_page_free(&p1);
	contact_page_free(&p2);
	ok(codec_search_page_in("{\"contacts\":[{\"id\":", 19, &p2, a, &e) ==
	    ERR_PARSE, "truncated page refused with an arena");
	ok(codec_search_page_in(json, strlen(json), &p2, a, &e) == 0 &&
	    p2.n == 1000, "the arena is usable after a failed parse");
	contact_page_free(&p2);
	free(json);
	arena_free(a);
	arena_free(NULL);
	return tap_done();
}
