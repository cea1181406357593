/*
 * test_keymap.c: the command table and the keymap (STYLE §3): every
 * default parses, no key is bound twice in one context, every command has
 * a key or is reachable by ':', key names round-trip, bind/unbind and the
 * context precedence of lookups.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "conf.h"
#include "keymap.h"
#include "model.h"
#include "xmalloc.h"
#include "../tap.h"

/* Split a keys string into parsed codes; returns count or -1 on error. */
static int
parse_keys(const char *keys, int *out, int max)
{
	char word[32];
	const char *p = keys, *q;
	int n = 0;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		for (q = p; *q != '\0' && *q != ' '; q++)
			;
		if ((size_t)(q - p) >= sizeof word || n == max)
			return -1;
		memcpy(word, p, (size_t)(q - p));
		word[q - p] = '\0';
		if (keymap_parse_key(word, &out[n], NULL) != 0)
			return -1;
		n++;
		p = q;
	}
	return n;
}

static void
test_defaults(void)
{
	int keys[16], nk, all_parse = 1, dup = 0, unreachable = 0, i, j, k;
	int bound[CTX__COUNT][128], nb[CTX__COUNT] = { 0 };
	unsigned bit;
	int c;

	for (i = 0; i < CMD__COUNT; i++) {
		nk = parse_keys(cmd_defs[i].keys, keys, 16);
		if (nk < 0) {
			all_parse = 0;
			printf("# bad default keys for %s: %s\n",
			    cmd_defs[i].name, cmd_defs[i].keys);
			continue;
		}
		for (c = 0; c < CTX__COUNT; c++) {
			bit = 1u << c;
			if (!(cmd_defs[i].ctx & bit))
				continue;
			for (k = 0; k < nk; k++) {
				for (j = 0; j < nb[c]; j++)
					if (bound[c][j] == keys[k]) {
						dup++;
						printf("# key %d twice in %s\n",
						    keys[k], cmd_ctx_name(bit));
					}
				bound[c][nb[c]++] = keys[k];
			}
		}
		/* reachable: has a key or a unique ':' name */
		if (nk == 0 && cmd_by_name(cmd_defs[i].name) != i)
			unreachable++;
		if (cmd_by_name(cmd_defs[i].name) != i) {
			unreachable++;
			printf("# %s not found by name\n", cmd_defs[i].name);
		}
		if (strchr(cmd_defs[i].name, ' ') != NULL || cmd_defs[i].ctx == 0 ||
		    cmd_defs[i].help[0] == '\0')
			unreachable++;
	}
	ok(all_parse, "every default key parses");
	is_int(dup, 0, "no key bound twice in one context");
	is_int(unreachable, 0, "every command has a key or a ':' name");
}

static void
test_roundtrip(void)
{
	static const char *names[] = {
		"j", "?", ":", "/", "^L", "^A", "^_", "ENTER", "ESC", "TAB", "BTAB",
		"SPACE", "BS", "DEL", "INS", "UP", "DOWN", "LEFT", "RIGHT", "PGUP",
		"PGDN", "HOME", "END", "F1", "F12", "\xC3\xA9", "\xE4\xB8\xAD",
		"\xF0\x9F\x98\x80",
	};
	char buf[32];
	int key, key2, bad = 0, i;

	for (i = 0; i < (int)nitems(names); i++) {
		if (keymap_parse_key(names[i], &key, NULL) != 0 ||
		    strcmp(keymap_key_name(key, buf, sizeof buf), names[i]) != 0 ||
		    keymap_parse_key(buf, &key2, NULL) != 0 || key2 != key) {
			printf("# round trip failed for %s (got %s)\n", names[i], buf);
			bad++;
		}
	}
	is_int(bad, 0, "key name <-> code round trip");
	keymap_parse_key("enter", &key, NULL);
	is_int(key, '\n', "names are case-insensitive");
	keymap_parse_key("^l", &key, NULL);
	is_int(key, 12, "^l is ^L");
	ok(keymap_parse_key("F13", &key, NULL) != 0, "F13 refused");
	ok(keymap_parse_key("jj", &key, NULL) != 0, "two chars refused");
	ok(keymap_parse_key("\xC3", &key, NULL) != 0, "bad UTF-8 refused");
	ok(keymap_parse_key("\xC2\x9B", &key, NULL) != 0, "C1 refused");
	ok(keymap_parse_key("", &key, NULL) != 0, "empty refused");
	/* every bound key's name parses back */
	{
		struct keymap *km = keymap_new();
		size_t n, j;
		int c, k;
		enum cmd_id cmd;

		bad = 0;
		for (c = 0; c < CTX__COUNT; c++) {
			n = keymap_count(km, 1u << c);
			for (j = 0; j < n; j++) {
				keymap_binding(km, 1u << c, j, &k, &cmd);
				keymap_key_name(k, buf, sizeof buf);
				if (keymap_parse_key(buf, &key, NULL) || key != k)
					bad++;
			}
		}
		is_int(bad, 0, "every bound key's name round-trips");
		keymap_free(km);
	}
}

static void
test_lookup(void)
{
	struct keymap *km = keymap_new();
	unsigned detail = CTX_DETAIL | CTX_TASKS | CTX_GLOBAL;
	unsigned list = CTX_LIST | CTX_GLOBAL;
	struct cfg_bind binds[2];
	struct err e;
	int key, keys[8];
	size_t n;

	/* DESIGN §5 defaults */
	is_int(keymap_lookup(km, list, 'j'), CMD_DOWN, "j moves down in the list");
	is_int(keymap_lookup(km, list, 'k'), CMD_UP, "k moves up in the list");
	is_int(keymap_lookup(km, list, '/'), CMD_SEARCH, "/ searches");
	is_int(keymap_lookup(km, list, '\n'), CMD_OPEN, "ENTER opens");
	is_int(keymap_lookup(km, list, 'q'), CMD_QUIT, "q quits from the list");
	is_int(keymap_lookup(km, list, 'S'), CMD_SYNC_ALL, "S syncs all");
	is_int(keymap_lookup(km, list, 's'), CMD_SYNC_ONE, "s syncs one");
	is_int(keymap_lookup(km, list, 'o'), CMD_OUTBOX, "o outbox");
	is_int(keymap_lookup(km, list, 'u'), CMD_UNDO, "u undo");
	is_int(keymap_lookup(km, list, '?'), CMD_HELP, "? help");
	is_int(keymap_lookup(km, list, 'n'), CMD_SEARCH_NEXT, "n next match in list");
	is_int(keymap_lookup(km, list, 27), CMD_CLEAR_FILTER, "ESC clears filter in list");
	is_int(keymap_lookup(km, detail, 'c'), CMD_TASK_TOGGLE, "c completes a task");
	is_int(keymap_lookup(km, detail, 't'), CMD_TAG_ADD, "t adds tags");
	is_int(keymap_lookup(km, detail, 'T'), CMD_TAG_REMOVE, "T removes a tag");
	is_int(keymap_lookup(km, detail, 'n'), CMD_NOTE_ADD, "n adds a note in detail");
	is_int(keymap_lookup(km, detail, 'a'), CMD_TASK_ADD, "a adds a task");
	is_int(keymap_lookup(km, detail, '\t'), CMD_NEXT_TAB, "TAB next tab");
	is_int(keymap_lookup(km, detail, '1'), CMD_TAB_TASKS, "1 tasks tab");
	is_int(keymap_lookup(km, detail, '3'), CMD_TAB_APPTS, "3 appointments tab");
	is_int(keymap_lookup(km, detail, 27), CMD_BACK, "ESC back in detail");
	is_int(keymap_lookup(km, detail, 'q'), CMD_QUIT, "q closes the detail");
	is_int(keymap_lookup(km, CTX_DETAIL | CTX_NOTES | CTX_GLOBAL, 'c'), CMD_NONE,
	    "c unbound outside the tasks tab");
	is_int(keymap_lookup(km, list, 12), CMD_REDRAW, "^L redraws");
	keymap_parse_key("PGDN", &key, NULL);
	is_int(keymap_lookup(km, list, key), CMD_PAGE_DOWN, "PGDN pages");

	n = keymap_keys_for(km, list, CMD_DOWN, keys, 8);
	ok(n == 2 && keys[0] == 'j', "keys of a command, first is j");
	n = keymap_keys_for(km, list, CMD_NOTE_ADD, keys, 8);
	is_int(n, 0, "note-add has no key in the list");

	/* bind / unbind */
	is_int(keymap_bind(km, "list", "x", "quit", &e), 0, "bind list x quit");
	is_int(keymap_lookup(km, list, 'x'), CMD_QUIT, "x now quits");
	is_int(keymap_bind(km, "list", "j", "up", &e), 0, "rebind j");
	is_int(keymap_lookup(km, list, 'j'), CMD_UP, "j now goes up");
	is_int(keymap_bind(km, "global", "q", NULL, &e), 0, "unbind global q");
	is_int(keymap_lookup(km, list, 'q'), CMD_NONE, "q unbound");
	n = keymap_keys_for(km, list, CMD_QUIT, keys, 8);
	ok(n == 1 && keys[0] == 'x', "help would list x for quit");
	ok(keymap_bind(km, "nowhere", "x", "quit", &e) == ERR_USAGE &&
	    strstr(e.msg, "nowhere") != NULL, "unknown context refused");
	ok(keymap_bind(km, "list", "xyz", "quit", &e) == ERR_USAGE,
	    "bad key refused");
	ok(keymap_bind(km, "list", "x", "explode", &e) == ERR_USAGE &&
	    strstr(e.msg, "explode") != NULL, "unknown command refused");
	binds[0] = (struct cfg_bind){ .context = (char *)"tasks",
	    .key = (char *)"x", .command = (char *)"task-complete" };
	binds[1] = (struct cfg_bind){ .context = (char *)"tasks",
	    .key = (char *)"^Q", .command = (char *)"nope" };
	ok(keymap_apply(km, binds, 2, &e) == ERR_USAGE &&
	    strstr(e.msg, "bind tasks ^Q nope") != NULL, "apply names the bad line");
	is_int(keymap_lookup(km, detail, 'x'), CMD_TASK_TOGGLE,
	    "earlier lines applied");
	keymap_free(km);
}

static void
test_names(void)
{
	struct strv v = { 0 };

	is_int(cmd_by_name("tag-add"), CMD_TAG_ADD, "command by name");
	is_int(cmd_by_name("nope"), CMD_NONE, "unknown name");
	is_int(cmd_ctx_by_name("appointments"), CTX_APPTS, "context by name");
	is_str(cmd_ctx_name(CTX_OUTBOX), "outbox", "context name");
	cmd_complete("sync", &v);
	ok(v.n == 2 && strcmp(v.v[0], "sync-all") == 0 &&
	    strcmp(v.v[1], "sync-contact") == 0, "complete sync-*");
	strv_free(&v);
	cmd_complete("", &v);
	is_int(v.n, CMD__COUNT, "empty prefix completes everything");
	strv_free(&v);
}

int
main(void)
{
	test_defaults();
	test_roundtrip();
	test_lookup();
	test_names();
	return tap_done();
}
