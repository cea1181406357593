/*
 * commands.c: the command table built from commands.def, and name lookups
 * for the ':' command line, bind/unbind and completion.
 */
#include "config.h"
#include "commands.h"

#include <assert.h>
#include <string.h>

#include "model.h"
#include "xmalloc.h"

const struct cmd_def cmd_defs[CMD__COUNT] = {
#define CMD(id, n, c, k, h) [CMD_##id] = { .name = n, .ctx = c, .keys = k, .help = h },
#include "commands.def"
#undef CMD
};

static const char *const ctx_names[CTX__COUNT] = {
	"tasks", "notes", "appointments", "detail", "list", "outbox", "help",
	"usage", "global",
};

enum cmd_id
cmd_by_name(const char *name)
{
	int i;

	if (name == NULL)
		return CMD_NONE;
	for (i = 0; i < CMD__COUNT; i++)
		if (strcmp(cmd_defs[i].name, name) == 0)
			return (enum cmd_id)i;
	return CMD_NONE;
}

unsigned
cmd_ctx_by_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return 0;
	for (i = 0; i < nitems(ctx_names); i++)
		if (strcmp(ctx_names[i], name) == 0)
			return 1u << i;
	return 0;
}

const char *
cmd_ctx_name(unsigned bit)
{
	size_t i;

	for (i = 0; i < nitems(ctx_names); i++)
		if (bit == 1u << i)
			return ctx_names[i];
	return "?";
}

void
cmd_complete(const char *prefix, struct strv *out)
{
	size_t n = prefix != NULL ? strlen(prefix) : 0;
	int i;

	for (i = 0; i < CMD__COUNT; i++)
		if (n == 0 || strncmp(cmd_defs[i].name, prefix, n) == 0)
			strv_push(out, cmd_defs[i].name);
}
