/*
 * keymap.c: key names (calcurse style: "^R" "ENTER" "ESC" "F1" "TAB")
 * and bindings.  The defaults in commands.def are parsed at start-up by
 * the same code as the user's bind lines; a bad default is fatal (tmux
 * key-bindings.c).  Bindings live in one small array searched linearly.
 */
#include "config.h"
#include "keymap.h"

#include <curses.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf.h"
#include "xmalloc.h"

struct binding {
	unsigned	 ctx;	/* one context bit */
	int		 key;
	enum cmd_id	 cmd;
};

struct keymap {
	struct binding	*b;
	size_t		 n, cap;
};

static const struct {
	const char	*name;
	int		 key;
} named[] = {
	{ "ENTER", '\n' },
	{ "ESC", 27 },
	{ "TAB", '\t' },
	{ "SPACE", ' ' },
	{ "BTAB", KEYMAP_FN(KEY_BTAB) },
	{ "BS", KEYMAP_FN(KEY_BACKSPACE) },
	{ "DEL", KEYMAP_FN(KEY_DC) },
	{ "INS", KEYMAP_FN(KEY_IC) },
	{ "UP", KEYMAP_FN(KEY_UP) },
	{ "DOWN", KEYMAP_FN(KEY_DOWN) },
	{ "LEFT", KEYMAP_FN(KEY_LEFT) },
	{ "RIGHT", KEYMAP_FN(KEY_RIGHT) },
	{ "PGUP", KEYMAP_FN(KEY_PPAGE) },
	{ "PGDN", KEYMAP_FN(KEY_NPAGE) },
	{ "HOME", KEYMAP_FN(KEY_HOME) },
	{ "END", KEYMAP_FN(KEY_END) },
};

/* One UTF-8 character; returns its length or 0 when s is not exactly one. */
static size_t
utf8_one(const char *s, int *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n, i;
	int v;

	if (u[0] < 0x80) {
		n = 1;
		v = u[0];
	} else if (u[0] >= 0xC2 && u[0] <= 0xDF) {
		n = 2;
		v = u[0] & 0x1F;
	} else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
		n = 3;
		v = u[0] & 0x0F;
	} else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
		n = 4;
		v = u[0] & 0x07;
	} else {
		return 0;
	}
	for (i = 1; i < n; i++) {
		if ((u[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (u[i] & 0x3F);
	}
	if (u[n] != '\0' || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000))
		return 0;
	*cp = v;
	return n;
}

int
keymap_parse_key(const char *name, int *key, struct err *e)
{
	size_t i;
	int cp, f;
	char *end;

	if (name == NULL || *name == '\0')
		return err_set(e, ERR_USAGE, "empty key name");
	for (i = 0; i < nitems(named); i++) {
		if (strcasecmp(named[i].name, name) == 0) {
			*key = named[i].key;
			return 0;
		}
	}
	if ((name[0] == 'F' || name[0] == 'f') && name[1] >= '1' &&
	    name[1] <= '9') {
		f = (int)strtol(name + 1, &end, 10);
		if (*end == '\0' && f >= 1 && f <= 12) {
			*key = KEYMAP_FN(KEY_F(f));
			return 0;
		}
	}
	if (name[0] == '^' && name[1] != '\0' && name[2] == '\0') {
		char c = name[1];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c == '?') {
			*key = 0x7F;
			return 0;
		}
		if (c >= '@' && c <= '_') {
			*key = c & 0x1F;
			return 0;
		}
	}
	if (utf8_one(name, &cp) > 0 && cp >= 0x20 && cp != 0x7F &&
	    !(cp >= 0x80 && cp < 0xA0)) {
		*key = cp;
		return 0;
	}
	return err_set(e, ERR_USAGE, "unknown key \"%s\"", name);
}

const char *
keymap_key_name(int key, char *buf, size_t len)
{
	size_t i;
	int fk;

	for (i = 0; i < nitems(named); i++) {
		if (named[i].key == key) {
			snprintf(buf, len, "%s", named[i].name);
			return buf;
		}
	}
	if (key >= KEYMAP_FN_BASE) {
		fk = key - KEYMAP_FN_BASE;
		if (fk >= KEY_F(1) && fk <= KEY_F(12))
			snprintf(buf, len, "F%d", fk - KEY_F0);
		else
			snprintf(buf, len, "<%d>", fk);
		return buf;
	}
	if (key == 0x7F) {
		snprintf(buf, len, "^?");
	} else if (key >= 0 && key < 0x20) {
		snprintf(buf, len, "^%c", key | 0x40);
	} else if (key < 0x80) {
		snprintf(buf, len, "%c", key);
	} else if (key < 0x800) {
		snprintf(buf, len, "%c%c", 0xC0 | (key >> 6),
		    0x80 | (key & 0x3F));
	} else if (key < 0x10000) {
		snprintf(buf, len, "%c%c%c", 0xE0 | (key >> 12),
		    0x80 | ((key >> 6) & 0x3F), 0x80 | (key & 0x3F));
	} else {
		snprintf(buf, len, "%c%c%c%c", 0xF0 | (key >> 18),
		    0x80 | ((key >> 12) & 0x3F), 0x80 | ((key >> 6) & 0x3F),
		    0x80 | (key & 0x3F));
	}
	return buf;
}

static struct binding *
find(const struct keymap *km, unsigned ctx, int key)
{
	size_t i;

	for (i = 0; i < km->n; i++)
		if (km->b[i].ctx == ctx && km->b[i].key == key)
			return &km->b[i];
	return NULL;
}

static void
set(struct keymap *km, unsigned ctx, int key, enum cmd_id cmd)
{
	struct binding *b = find(km, ctx, key);

	if (b != NULL) {
		b->cmd = cmd;
		return;
	}
	if (km->n == km->cap) {
		km->cap = km->cap ? km->cap * 2 : 64;
		km->b = xreallocarray(km->b, km->cap, sizeof *km->b);
	}
	km->b[km->n].ctx = ctx;
	km->b[km->n].key = key;
	km->b[km->n].cmd = cmd;
	km->n++;
}

static void
unset(struct keymap *km, unsigned ctx, int key)
{
	struct binding *b = find(km, ctx, key);

	if (b == NULL)
		return;
	memmove(b, b + 1, (size_t)(km->b + km->n - (b + 1)) * sizeof *b);
	km->n--;
}

struct keymap *
keymap_new(void)
{
	struct keymap *km = xcalloc(1, sizeof *km);
	char word[32];
	const char *p, *q;
	unsigned bit;
	struct err e;
	int i, key;

	for (i = 0; i < CMD__COUNT; i++) {
		for (p = cmd_defs[i].keys; *p != '\0'; p = q) {
			while (*p == ' ')
				p++;
			if (*p == '\0')
				break;
			for (q = p; *q != '\0' && *q != ' '; q++)
				;
			if ((size_t)(q - p) >= sizeof word)
				fatalx("command %s: key name too long",
				    cmd_defs[i].name);
			memcpy(word, p, (size_t)(q - p));
			word[q - p] = '\0';
			if (keymap_parse_key(word, &key, &e) != 0)
				fatalx("command %s: %s", cmd_defs[i].name,
				    e.msg);
			for (bit = 1; bit <= CTX_GLOBAL; bit <<= 1) {
				if (!(cmd_defs[i].ctx & bit))
					continue;
				if (find(km, bit, key) != NULL)
					fatalx("command %s: key %s already "
					    "bound in %s", cmd_defs[i].name,
					    word, cmd_ctx_name(bit));
				set(km, bit, key, (enum cmd_id)i);
			}
		}
	}
	return km;
}

void
keymap_free(struct keymap *km)
{
	if (km == NULL)
		return;
	free(km->b);
	free(km);
}

int
keymap_bind(struct keymap *km, const char *ctx, const char *keyname,
    const char *command, struct err *e)
{
	unsigned bit = cmd_ctx_by_name(ctx);
	enum cmd_id cmd = CMD_NONE;
	int key, rc;

	if (bit == 0)
		return err_set(e, ERR_USAGE, "unknown context \"%s\"",
		    ctx != NULL ? ctx : "");
	rc = keymap_parse_key(keyname, &key, e);
	if (rc)
		return rc;
	if (command == NULL) {
		unset(km, bit, key);
		return 0;
	}
	cmd = cmd_by_name(command);
	if (cmd == CMD_NONE)
		return err_set(e, ERR_USAGE, "unknown command \"%s\"", command);
	set(km, bit, key, cmd);
	return 0;
}

int
keymap_apply(struct keymap *km, const struct cfg_bind *binds, size_t n,
    struct err *e)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = keymap_bind(km, binds[i].context, binds[i].key,
		    binds[i].command, e);
		if (rc) {
			if (binds[i].command != NULL)
				err_prefix(e, "bind %s %s %s", binds[i].context,
				    binds[i].key, binds[i].command);
			else
				err_prefix(e, "unbind %s %s", binds[i].context,
				    binds[i].key);
			return rc;
		}
	}
	return 0;
}

enum cmd_id
keymap_lookup(const struct keymap *km, unsigned ctxmask, int key)
{
	struct binding *b;
	unsigned bit;

	for (bit = 1; bit <= CTX_GLOBAL; bit <<= 1) {
		if (!(ctxmask & bit))
			continue;
		b = find(km, bit, key);
		if (b != NULL)
			return b->cmd;
	}
	return CMD_NONE;
}

size_t
keymap_keys_for(const struct keymap *km, unsigned ctxmask, enum cmd_id cmd,
    int *keys, size_t max)
{
	size_t i, j, n = 0;
	int dup;

	for (i = 0; i < km->n && n < max; i++) {
		if (km->b[i].cmd != cmd || !(km->b[i].ctx & ctxmask))
			continue;
		if (keymap_lookup(km, ctxmask, km->b[i].key) != cmd)
			continue;
		for (dup = 0, j = 0; j < n; j++)
			dup |= keys[j] == km->b[i].key;
		if (!dup)
			keys[n++] = km->b[i].key;
	}
	return n;
}

size_t
keymap_count(const struct keymap *km, unsigned ctx)
{
	size_t i, n = 0;

	for (i = 0; i < km->n; i++)
		n += km->b[i].ctx == ctx;
	return n;
}

int
keymap_binding(const struct keymap *km, unsigned ctx, size_t idx, int *key,
    enum cmd_id *cmd)
{
	size_t i, n = 0;

	for (i = 0; i < km->n; i++) {
		if (km->b[i].ctx != ctx)
			continue;
		if (n++ == idx) {
			*key = km->b[i].key;
			*cmd = km->b[i].cmd;
			return 1;
		}
	}
	return 0;
}
