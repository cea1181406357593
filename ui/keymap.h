/*
 * keymap.h: key names <-> key codes, and the per-context bindings built
 * from the command table's defaults plus the user's bind/unbind lines.
 * Key codes are ints: a Unicode code point for a character (control keys
 * are their C0 code, ENTER is '\n', ESC 27, TAB 9), or KEYMAP_FN(curses
 * key code) for function keys.  No curses types in this header.
 */
#ifndef GHL_UI_KEYMAP_H
#define GHL_UI_KEYMAP_H

#include <stddef.h>

#include "commands.h"
#include "err.h"

struct keymap;
struct cfg_bind;

#define KEYMAP_FN_BASE	0x200000
#define KEYMAP_FN(k)	(KEYMAP_FN_BASE + (k))

/*
 * Parse a key name: a single UTF-8 character ("j", "?", "é"), "^X"
 * (control), or one of ENTER ESC TAB BTAB SPACE BS DEL INS UP DOWN LEFT
 * RIGHT PGUP PGDN HOME END F1..F12 (case-insensitive).  Returns 0 and sets
 * *key, or ERR_USAGE with e naming the bad key.
 */
int		 keymap_parse_key(const char *name, int *key, struct err *e);
/* The canonical name of key into buf (always NUL-terminated); returns
 * buf.  keymap_parse_key(keymap_key_name(k)) == k for every valid key. */
const char	*keymap_key_name(int key, char *buf, size_t len);

/*
 * A keymap with every default of commands.def bound.  A default that does
 * not parse, or a key bound twice in one context by the defaults, is a
 * programming error: fatalx.  Caller owns; keymap_free.
 */
struct keymap	*keymap_new(void);
void		 keymap_free(struct keymap *);

/*
 * bind CONTEXT KEY COMMAND (command NULL: unbind CONTEXT KEY).  A new
 * binding replaces the key's binding in that context.  Returns 0, or
 * ERR_USAGE naming the bad context, key or command.
 */
int		 keymap_bind(struct keymap *, const char *ctx, const char *key,
		    const char *command, struct err *e);
/* Apply the config's bind lines in order; stops at the first bad one,
 * with e saying "bind CTX KEY CMD: ...". */
int		 keymap_apply(struct keymap *, const struct cfg_bind *binds,
		    size_t n, struct err *e);

/* The command bound to key in the first context of ctxmask (in bit order:
 * the most specific first, CTX_GLOBAL last) that binds it, or CMD_NONE. */
enum cmd_id	 keymap_lookup(const struct keymap *, unsigned ctxmask, int key);
/*
 * Up to max keys bound to cmd in any context of ctxmask whose lookup
 * really reaches cmd (not shadowed by a more specific context), in
 * binding order, into keys.  Returns how many.
 */
size_t		 keymap_keys_for(const struct keymap *, unsigned ctxmask,
		    enum cmd_id cmd, int *keys, size_t max);
/* Number of bindings of ctx (one context bit); *key_at(i) for tests. */
size_t		 keymap_count(const struct keymap *, unsigned ctx);
int		 keymap_binding(const struct keymap *, unsigned ctx, size_t i,
		    int *key, enum cmd_id *cmd);

#endif
