/*
 * commands.h: TUI command ids, their table (from commands.def) and the
 * contexts a key binding belongs to.  No curses; pure tables and lookups.
 */
#ifndef GHL_UI_COMMANDS_H
#define GHL_UI_COMMANDS_H

#include <stddef.h>

struct strv;

/* Contexts, most specific first: lookups try them in bit order. */
enum cmd_ctx {
	CTX_TASKS = 1 << 0,
	CTX_NOTES = 1 << 1,
	CTX_APPTS = 1 << 2,
	CTX_DETAIL = 1 << 3,
	CTX_LIST = 1 << 4,
	CTX_OUTBOX = 1 << 5,
	CTX_HELP = 1 << 6,
	CTX_USAGE = 1 << 7,
	CTX_GLOBAL = 1 << 8,
};
#define CTX__COUNT 9

enum cmd_id {
	CMD_NONE = -1,
#define CMD(id, name, ctx, keys, help) CMD_##id,
#include "commands.def"
#undef CMD
	CMD__COUNT
};

struct cmd_def {
	const char	*name;
	unsigned	 ctx;
	const char	*keys;
	const char	*help;
};

extern const struct cmd_def cmd_defs[CMD__COUNT];

/* The command called name, or CMD_NONE. */
enum cmd_id	 cmd_by_name(const char *name);
/* The context bit called name ("list", "tasks", ...), or 0. */
unsigned	 cmd_ctx_by_name(const char *name);
/* The name of a single context bit; "?" for anything else. */
const char	*cmd_ctx_name(unsigned bit);
/* Append the names of commands starting with prefix to out, in table
 * order.  out's strings are owned by out. */
void		 cmd_complete(const char *prefix, struct strv *out);

#endif
