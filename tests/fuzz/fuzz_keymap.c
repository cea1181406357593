/*
 * fuzz_keymap.c: libFuzzer harness for key names and bind/unbind lines.
 * Each input line is "bind CTX KEY CMD", "unbind CTX KEY" or a bare key
 * name.  Invariants: a key name that parses prints back to a name that
 * parses to the same key; a successful bind is what lookup returns; an
 * unbind leaves the key unbound in that context.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "keymap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
one_line(struct keymap *km, char *line)
{
	char *w[4] = { NULL }, *p = line, name[64];
	int n = 0, key, key2;
	unsigned ctx;

	while (n < 4 && p != NULL) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		w[n++] = p;
		p = strchr(p, ' ');
		if (p != NULL)
			*p++ = '\0';
	}
	if (n == 0)
		return;
	if (n == 4 && strcmp(w[0], "bind") == 0) {
		if (keymap_bind(km, w[1], w[2], w[3], NULL) == 0) {
			ctx = cmd_ctx_by_name(w[1]);
			if (keymap_parse_key(w[2], &key, NULL) != 0 ||
			    keymap_lookup(km, ctx, key) != cmd_by_name(w[3]))
				abort();
		}
		return;
	}
	if (n == 3 && strcmp(w[0], "unbind") == 0) {
		if (keymap_bind(km, w[1], w[2], NULL, NULL) == 0) {
			ctx = cmd_ctx_by_name(w[1]);
			if (keymap_parse_key(w[2], &key, NULL) != 0 ||
			    keymap_lookup(km, ctx, key) != CMD_NONE)
				abort();
		}
		return;
	}
	if (keymap_parse_key(w[0], &key, NULL) == 0) {
		keymap_key_name(key, name, sizeof name);
		if (keymap_parse_key(name, &key2, NULL) != 0 || key2 != key)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keymap *km = keymap_new();
	char *buf = malloc(size + 1), *line, *nl;

	memcpy(buf, data, size);
	buf[size] = '\0';
	for (line = buf; line != NULL; line = nl) {
		nl = strchr(line, '\n');
		if (nl != NULL)
			*nl++ = '\0';
		one_line(km, line);
	}
	free(buf);
	keymap_free(km);
	return 0;
}
