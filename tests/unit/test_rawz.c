/* test_rawz.c: packing contacts' raw JSON (rawz.h): round trips, the
 * size it saves, format 1's dictionary pinned by a stored frame, and
 * refusal of corrupt, truncated and foreign blobs. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rawz.h"
#include "../tap.h"

static const char contact[] =
    "{\"id\":\"07rGdlNYwALEATK3V4sK\",\"locationId\":\"SandboxLocation00001\","
    "\"firstName\":\"Fatima\",\"lastName\":\"Mansour\",\"email\":"
    "\"fatima.mansour0@nordhaus.ae\",\"companyName\":\"Nordhaus GmbH\","
    "\"phone\":\"+971530332946\",\"dnd\":false,\"dndSettings\":{\"Call\":"
    "{\"status\":\"inactive\",\"message\":\"\",\"code\":\"\"},\"Email\":"
    "{\"status\":\"inactive\",\"message\":\"\",\"code\":\"\"},\"SMS\":"
    "{\"status\":\"inactive\",\"message\":\"\",\"code\":\"\"},\"WhatsApp\":"
    "{\"status\":\"inactive\",\"message\":\"\",\"code\":\"\"},\"GMB\":"
    "{\"status\":\"inactive\",\"message\":\"\",\"code\":\"\"},\"FB\":"
    "{\"status\":\"inactive\",\"message\":\"\",\"code\":\"\"}},\"type\":"
    "\"lead\",\"source\":\"trade show\",\"assignedTo\":"
    "\"7VXFW6AKg47pgiDT6KJx\",\"country\":\"AE\",\"website\":"
    "\"https://nordhaus.ae\",\"tags\":[\"vip\"],\"dateAdded\":"
    "\"2022-07-01T00:12:04.911Z\",\"dateUpdated\":"
    "\"2022-07-01T00:12:04.911Z\",\"firstNameLowerCase\":\"fatima\","
    "\"lastNameLowerCase\":\"mansour\",\"customFields\":[],\"businessId\":"
    "\"54e1d6b0827931c74097c77f\",\"contactName\":\"Fatima Mansour\","
    "\"businessName\":\"Nordhaus GmbH\",\"phoneLabel\":\"Mobile\","
    "\"additionalEmails\":[],\"additionalPhones\":[],\"followers\":[],"
    "\"validEmail\":true,\"opportunities\":[]}";

/*
 * {"id":"abc","firstName":"Ann","dndSettings":{...inactive x6...}}
 * packed by format 1 when it was made.  If the dictionary's bytes ever
 * change, this stops unpacking to the same text: rows in users' caches
 * would too.
 */
static const char pinned_json[] =
    "{\"id\":\"abc\",\"firstName\":\"Ann\",\"dndSettings\":{\"Call\":"
    "{\"status\":\"inactive\",\"message\":\"\",\"code\":\"\"},\"Email\":"
    "{\"status\":\"inactive\",\"message\":\"\",\"code\":\"\"},\"SMS\":"
    "{\"status\":\"inactive\",\"message\":\"\",\"code\":\"\"},\"WhatsApp\":"
    "{\"status\":\"inactive\",\"message\":\"\",\"code\":\"\"},\"GMB\":"
    "{\"status\":\"inactive\",\"message\":\"\",\"code\":\"\"},\"FB\":"
    "{\"status\":\"inactive\",\"message\":\"\",\"code\":\"\"}}}";
#include "test_rawz_pinned.h"

static void
test_round_trip(void)
{
	unsigned char *z;
	size_t n;
	char *back;

	ok(rawz_pack(contact, strlen(contact), &z, &n) == 1,
	    "a contact packs");
	ok(z != NULL && z[0] == RAWZ_FORMAT1, "format byte first");
	ok(n * 2 < strlen(contact), "to less than half (%zu -> %zu bytes)",
	    strlen(contact), n);
	back = rawz_unpack(z, n);
	ok(back != NULL && strcmp(back, contact) == 0, "and back, the same");
	free(back);

	/* Every truncation and every single-byte flip is refused or gives
	 * bytes without a NUL; none crashes (ASan watches). */
	{
		int refused = 0, wrong = 0;

		for (size_t k = 0; k < n; k++) {
			back = rawz_unpack(z, k);
			refused += back == NULL;
			free(back);
		}
		ok(refused == (int)n, "all %zu truncations refused", n);
		for (size_t k = 0; k < n; k++) {
			unsigned char save = z[k];

			z[k] ^= 0x5a;
			back = rawz_unpack(z, n);
			if (back != NULL && strcmp(back, contact) == 0)
				wrong++;
			free(back);
			z[k] = save;
		}
		ok(wrong == 0, "no flipped byte unpacks to the original");
	}
	free(z);
}

static void
test_edges(void)
{
	unsigned char *z = (unsigned char *)"x";
	size_t n = 7;
	static const unsigned char foreign[] = { 0x02, 0x28, 0xb5, 0x2f, 0xfd,
	    0x00, 0x00 };
	static const unsigned char text[] = "{\"id\":\"a\"}";
	char *big, *back;

	ok(rawz_pack("{}", 2, &z, &n) == 0 && z == NULL && n == 0,
	    "a tiny object is not worth packing (stored as text)");
	ok(rawz_pack("", 0, &z, &n) == 0 && z == NULL, "empty: not packed");
	ok(rawz_unpack(foreign, sizeof foreign) == NULL,
	    "unknown format byte refused");
	ok(rawz_unpack(text, sizeof text - 1) == NULL,
	    "plain JSON is not a packed value");
	ok(rawz_unpack(NULL, 0) == NULL, "NULL refused");

	/* 2 MB of custom fields: packs and round-trips. */
	big = malloc(2 << 20);
	{
		size_t o = 0;
		int k = 0;

		o += (size_t)snprintf(big, 64, "{\"customFields\":[");
		for (; o < (2 << 20) - 100; k++)
			o += (size_t)snprintf(big + o, 100, "%s{\"id\":\"f%07d\","
			    "\"value\":\"v%d\"}", k ? "," : "", k, k * 7);
		snprintf(big + o, 4, "]}");
	}
	if (rawz_pack(big, strlen(big), &z, &n)) {
		back = rawz_unpack(z, n);
		ok(back != NULL && strcmp(back, big) == 0,
		    "2 MB round trip (%zu bytes packed)", n);
		free(back);
		free(z);
	} else {
		ok(0, "2 MB of custom fields should pack");
	}
	/* Letters at random: level -1 does not entropy-code, so they do
	 * not get smaller and stay text. */
	for (size_t i = 0, x = 1; i < (64 << 10); i++) {
		x = x * 1103515245 + 12345;
		big[i] = (char)('a' + (x >> 16) % 26);
	}
	big[64 << 10] = '\0';
	ok(rawz_pack(big, strlen(big), &z, &n) == 0 && z == NULL,
	    "what does not get smaller is not packed");
	free(big);
}

static void
test_pinned(void)
{
	char *back = rawz_unpack(pinned, sizeof pinned);

	/* Not "packing gives the same bytes": zstd's encoder may change
	 * between versions; its frame format and decoder do not. */
	ok(back != NULL && strcmp(back, pinned_json) == 0,
	    "a frame packed by format 1 when it was made still unpacks");
	free(back);
}

int
main(int argc, char **argv)
{
	/* --print-pinned: emit test_rawz_pinned.h (done once, by hand). */
	if (argc > 1 && strcmp(argv[1], "--print-pinned") == 0) {
		unsigned char *z;
		size_t n;

		if (!rawz_pack(pinned_json, strlen(pinned_json), &z, &n))
			return 1;
		printf("/* test_rawz_pinned.h: pinned_json packed by format 1 "
		    "(test_rawz --print-pinned). */\nstatic const unsigned "
		    "char pinned[] = {");
		for (size_t i = 0; i < n; i++)
			printf("%s0x%02x,", i % 10 == 0 ? "\n\t" : " ", z[i]);
		printf("\n};\n");
		free(z);
		return 0;
	}
	test_round_trip();
	test_edges();
	test_pinned();
	return tap_done();
}
