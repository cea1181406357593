/*
 * cli.c: every non-interactive command (DESIGN §4).  Reads come from the
 * cache; writes go to the cache and the outbox in one transaction and are
 * then replayed through the sync engine unless --offline.  JSON output is
 * built from the API's raw objects with codec's helpers (never sanitised);
 * human output goes through termsafe and is aligned by display width.
 */
#include "config.h"
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <langinfo.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "auth.h"
#include "autotag.h"
#include "buf.h"
#include "cache.h"
#include "codec.h"
#include "conf.h"
#include "err.h"
#include "http.h"
#include "listen.h"
#include "mirror_cli.h"
#include "model.h"
#include "ratelimit.h"
#include "spark.h"
#include "sync.h"
#include "termsafe.h"
#include "xmalloc.h"

#define PROG "ghlterm"

/* ---- messages ---- */

static int
fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Write fmt/ap to fp made safe for a terminal: ids the user typed, server
 * messages and cached text can carry escape sequences and newlines, so
 * the whole message goes through termsafe (one line: a newline shows as
 * U+23CE, ESC as "^[").
 */
static void
vput_safe(FILE *fp, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
vput_safe(FILE *fp, const char *fmt, va_list ap)
{
	char *msg, *safe;

	msg = xvasprintf(fmt, ap);
	safe = termsafe(msg, (size_t)-1, 0);
	fputs(safe, fp);
	free(safe);
	free(msg);
}

static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stdout, made safe for a terminal. */
static void
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vput_safe(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

/* One line on stderr, made safe for a terminal; returns CLI_FAIL. */
static int
fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vput_safe(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_FAIL;
}

static int
usage_err(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One line on stderr naming the command, made safe for a terminal;
 * returns CLI_USAGE. */
static int
usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, PROG ": %s: ", cmd);
	va_start(ap, fmt);
	vput_safe(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '" PROG " %s --help')\n", cmd);
	return CLI_USAGE;
}

/* ---- help ---- */

struct cli_help {
	const char	*cmd;		/* "task add" */
	const char	*synopsis;
	const char	*text;
};

static const struct cli_help helps[] = {
	{ "doctor", "doctor",
	  "Test the connection: the token source and its file mode, the base\n"
	  "URL, a read (POST /contacts/search), the scopes the token has\n"
	  "(probed without changing data), the rate-limit headers, and the\n"
	  "cache file and its schema version.  One line per check; exit 1 if\n"
	  "any check fails." },
	{ "sync", "sync CONTACT_ID | --all [--deep] | --outbox | --watch "
	  "[--interval S]",
	  "CONTACT_ID  replay that contact's pending writes, then pull it with\n"
	  "            its tasks, notes and appointments\n"
	  "--all       pull every contact of the location (--deep: also their\n"
	  "            tasks, notes and appointments); a progress bar on a\n"
	  "            terminal and a summary line at the end\n"
	  "--outbox    replay every pending write\n"
	  "--watch     poll for contacts changed on the server every S seconds\n"
	  "            (default: [sync] poll_interval, else 60) until\n"
	  "            interrupted" },
	{ "list", "list [--search Q] [--tag T] [--limit N] [--json]",
	  "Contacts from the cache, by name.  --search matches names, email,\n"
	  "phone, company and tags (prefix words); --tag keeps contacts with\n"
	  "that tag.  Every match is printed unless --limit is given.  Marks:\n"
	  "'*' pending writes, '!' failed writes." },
	{ "show", "show CONTACT_ID [--json]",
	  "One contact from the cache with its tasks, notes, appointments and\n"
	  "pending writes.  --json prints {\"contact\", \"tasks\", \"notes\",\n"
	  "\"appointments\", \"pending\"}." },
	{ "task", "task complete|reopen|add|edit|delete ...",
	  "task complete CONTACT_ID TASK_ID\n"
	  "task reopen CONTACT_ID TASK_ID\n"
	  "task add CONTACT_ID --title T [--due DATE] [--body B]\n"
	  "task edit CONTACT_ID TASK_ID [--title T] [--due DATE] [--body B]\n"
	  "task delete CONTACT_ID TASK_ID\n"
	  "DATE is YYYY-MM-DD or an ISO-8601 time; a new task without --due is\n"
	  "due in 24 hours." },
	{ "task complete", "task complete CONTACT_ID TASK_ID",
	  "Mark a task completed." },
	{ "task reopen", "task reopen CONTACT_ID TASK_ID",
	  "Mark a completed task open again." },
	{ "task add", "task add CONTACT_ID --title T [--due DATE] [--body B]",
	  "Create a task.  DATE is YYYY-MM-DD or an ISO-8601 time; without\n"
	  "--due the task is due in 24 hours.  Prints the new task's id." },
	{ "task edit", "task edit CONTACT_ID TASK_ID [--title T] [--due DATE] "
	  "[--body B]",
	  "Change a task's title, due date or body." },
	{ "task delete", "task delete CONTACT_ID TASK_ID", "Delete a task." },
	{ "tag", "tag add|remove CONTACT_ID TAG...",
	  "tag add CONTACT_ID TAG...     add tags (case kept, no duplicates)\n"
	  "tag remove CONTACT_ID TAG...  remove tags (absent ones are fine)" },
	{ "tag add", "tag add CONTACT_ID TAG...", "Add tags to a contact." },
	{ "tag remove", "tag remove CONTACT_ID TAG...",
	  "Remove tags from a contact." },
	{ "note", "note add|edit|delete ...",
	  "note add CONTACT_ID TEXT            (TEXT '-' reads standard input)\n"
	  "note edit CONTACT_ID NOTE_ID TEXT\n"
	  "note delete CONTACT_ID NOTE_ID" },
	{ "note add", "note add CONTACT_ID TEXT",
	  "Add a note; TEXT '-' reads it from standard input.  Prints the new\n"
	  "note's id." },
	{ "note edit", "note edit CONTACT_ID NOTE_ID TEXT",
	  "Replace a note's text; TEXT '-' reads standard input." },
	{ "note delete", "note delete CONTACT_ID NOTE_ID", "Delete a note." },
	{ "contact", "contact add|edit|delete ...",
	  "contact add --first F --last L --email E --phone P [--company C]\n"
	  "            [--tag T]...\n"
	  "contact edit CONTACT_ID [--first F] [--last L] [--name N]\n"
	  "            [--email E] [--phone P] [--company C] [--dnd yes|no]\n"
	  "            [--tag T]...\n"
	  "contact delete CONTACT_ID" },
	{ "contact add", "contact add --first F --last L --email E --phone P "
	  "[--company C] [--tag T]...",
	  "Create a contact in the location (at least one of --first, --last,\n"
	  "--email, --phone).  Prints the new contact's id." },
	{ "contact edit", "contact edit CONTACT_ID [--first F] [--last L] "
	  "[--name N] [--email E] [--phone P] [--company C] [--dnd yes|no] "
	  "[--tag T]...",
	  "Change a contact's fields.  --tag (repeatable) replaces the whole\n"
	  "tag set; use 'tag add' and 'tag remove' for single tags." },
	{ "contact delete", "contact delete CONTACT_ID", "Delete a contact." },
	{ "outbox", "outbox [--json] | outbox retry ID|--all | outbox discard "
	  "ID",
	  "outbox          pending and failed writes\n"
	  "outbox retry    send a failed write again (--all: every failed one)\n"
	  "outbox discard  drop a write and re-sync its contact" },
	{ "outbox retry", "outbox retry ID|--all",
	  "Mark a failed write (or every failed write) pending and replay it." },
	{ "outbox discard", "outbox discard ID",
	  "Drop a pending or failed write and re-sync its contact from the\n"
	  "server so the cache shows the server's truth." },
	{ "log", "log [--failed] [--json]",
	  "Sync history and alerts, newest first (--failed: errors only)." },
	{ "usage", "usage [--json]",
	  "API calls by endpoint and day over the last 7 days, the last\n"
	  "rate-limit headers and the daily budget left." },
	{ "export", "export --format csv|ndjson [--output FILE] [--since TIME]",
	  "Stream the cached contacts for a data warehouse.  CSV follows\n"
	  "RFC 4180 (CRLF, quoted fields); NDJSON is one contact object as the\n"
	  "API sent it per line.  --since keeps contacts updated at or after\n"
	  "TIME: YYYY-MM-DD, an ISO-8601 time, or an age such as 24h or 7d.\n"
	  "--output writes FILE (mode 0600) atomically." },
	{ "mirror", "mirror CONTACT_ID... | --all | --queued [--dry-run] | "
	  "status [--json]",
	  "One-way mirror of contacts, their tasks (as activities) and notes\n"
	  "into Salesmate ([salesmate] in the config; see ghlterm(1))." },
	{ "listen", "listen [--listen HOST:PORT]",
	  "Receive HighLevel webhooks and apply them to the cache." },
	{ "autotag", "autotag [--dry-run] [CONTACT_ID]",
	  "Apply the [autotag] rules of the config to notes (and task titles)\n"
	  "and queue the tags they add as ordinary writes." },
};

static const struct cli_help *
help_find(const char *cmd)
{
	size_t i;

	for (i = 0; i < nitems(helps); i++)
		if (strcmp(helps[i].cmd, cmd) == 0)
			return &helps[i];
	return NULL;
}

static int
show_help(const char *cmd)
{
	const struct cli_help *h = help_find(cmd);

	if (h == NULL)
		return fail("no help for '%s'", cmd);
	printf("usage: " PROG " [global options] %s\n\n%s\n", h->synopsis,
	    h->text);
	return CLI_OK;
}

void
cli_usage(FILE *fp)
{
	size_t i;

	fputs("usage: " PROG " [global options] [command [args...]]\n\n"
	    "Global options (before the command):\n"
	    "  --base-url URL     API base URL (GHL_API_BASE)\n"
	    "  --token-file FILE  token file, mode 0600 (else GHL_TOKEN)\n"
	    "  --location ID      location id (GHL_LOCATION_ID)\n"
	    "  --cache FILE       cache file (GHLTERM_CACHE)\n"
	    "  --offline          never touch the network\n"
	    "  --sandbox          run against a local demo sandbox\n"
	    "  -n N               TUI: exit after N frames\n"
	    "  -v                 verbose log\n"
	    "  --help, --version\n\n"
	    "Without a command, " PROG " opens the TUI.  Commands:\n", fp);
	for (i = 0; i < nitems(helps); i++)
		if (strchr(helps[i].cmd, ' ') == NULL)
			fprintf(fp, "  %s\n", helps[i].synopsis);
	fputs("\nRun '" PROG " COMMAND --help' for details; see "
	    PROG "(1).\n", fp);
}

/* ---- option parsing ---- */

/*
 * getopt_long over argv (argv[0] is the command) with ':' and 'h' added;
 * positionals are gathered at the end.  Returns the option character, -1
 * at the end, or '?' after printing the usage error (*rc set).
 */
static int
next_opt(const char *cmd, int argc, char **argv, const char *shorts,
    const struct option *lo, int *rc)
{
	int ch;

	ch = getopt_long(argc, argv, shorts, lo, NULL);
	if (ch == '?') {
		if (optopt != 0 && optopt != '?')
			*rc = usage_err(cmd, "unknown option '-%c'", optopt);
		else
			*rc = usage_err(cmd, "unknown option '%s'",
			    argv[optind - 1]);
	} else if (ch == ':') {
		*rc = usage_err(cmd, "option '%s' needs a value",
		    argv[optind - 1]);
		ch = '?';
	}
	return ch;
}

static void
opt_reset(void)
{
	optind = 0;
	opterr = 0;
}

/* ---- small helpers ---- */

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ms since the epoch as ISO-8601 UTC with milliseconds into out (>= 25). */
static void
iso_ms(long long ms, char *out, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char tmp[32];

	gmtime_r(&t, &tm);
	strftime(tmp, sizeof tmp, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, len, "%.20s.%03dZ", tmp, (int)(ms % 1000));
}

/* Local time for people: "2026-11-29 14:02". */
static void
human_time(long long ms, char *out, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms <= 0) {
		snprintf(out, len, "never");
		return;
	}
	localtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M", &tm);
}

static int
all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/*
 * A user's time: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.mmm]][Z|+hh:mm]" or,
 * when allow_age, an age such as "24h" / "7d" before now.  Out gets an
 * ISO-8601 UTC string (ms precision) comparable with the API's.
 */
static int
parse_when(const char *s, int allow_age, char *out, size_t len)
{
	struct tm tm;
	long ms;
	time_t t;
	size_t n = strlen(s);

	if (allow_age && conf_parse_duration(s, &ms) == 0 &&
	    strspn(s, "0123456789") != n) {
		iso_ms(now_ms() - ms, out, len);
		return 0;
	}
	if (n < 10 || !all_digits(s, 4) || s[4] != '-' ||
	    !all_digits(s + 5, 2) || s[7] != '-' || !all_digits(s + 8, 2))
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 +
	    (s[2] - '0') * 10 + (s[3] - '0') - 1900;
	tm.tm_mon = (s[5] - '0') * 10 + (s[6] - '0') - 1;
	tm.tm_mday = (s[8] - '0') * 10 + (s[9] - '0');
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31)
		return -1;
	if (n == 10) {
		t = timegm(&tm);
		iso_ms((long long)t * 1000, out, len);
		return 0;
	}
	if (s[10] != 'T' || n < 16 || !all_digits(s + 11, 2) ||
	    s[13] != ':' || !all_digits(s + 14, 2))
		return -1;
	/* A full time: pass it through as written (the API compares ISO
	 * strings); normalise a missing zone to UTC. */
	if (strchr(s + 10, 'Z') == NULL && strchr(s + 10, '+') == NULL &&
	    strchr(s + 16, '-') == NULL)
		snprintf(out, len, "%sZ", s);
	else
		snprintf(out, len, "%s", s);
	return 0;
}

/* Open the cache; prints the failure.  Returns 0 or CLI_FAIL. */
static int
open_cache(const struct conf *cfg, struct cache **c)
{
	struct err e;

	err_clear(&e);
	if (cache_open(c, cfg->cache_path, &e))
		return fail("cache %s: %s", cfg->cache_path, e.msg);
	return 0;
}

/* Print s safe for a terminal, cut/padded to cols (0: uncut). */
static void
put_cell(const char *s, int cols, int pad)
{
	char *t;

	if (cols <= 0)
		t = termsafe(s != NULL ? s : "", (size_t)-1, 0);
	else
		t = termsafe_fit(s != NULL ? s : "", cols,
		    pad ? TERMSAFE_PAD : 0, NULL);
	fputs(t, stdout);
	free(t);
}

static void
put_json_str(const char *s)
{
	char *q = codec_quote(s);

	fputs(q, stdout);
	free(q);
}

/* Finish stdout: a write error (disk full, closed pipe) is a failure. */
static int
finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (rc == CLI_OK)
			rc = fail("writing standard output: %s",
			    strerror(errno));
	}
	return rc;
}

/* ---- list ---- */

static const char *const list_keys[] = { "id", "firstName", "lastName",
	"name", "email", "phone", "companyName", "tags", "dateAdded",
	"dateUpdated", NULL };

struct list_json {
	long	 n;
	long	 limit;
};

/*
 * put_cell for the list's rows: printable ASCII that fits is written as
 * it is (termsafe_fit would return it unchanged), the rest goes through
 * termsafe.  A list of thousands of rows spent most of its own time here.
 */
static void
put_list_cell(const char *s, int cols, int pad)
{
	size_t n = 0;

	if (s == NULL)
		s = "";
	while (s[n] >= 0x20 && s[n] < 0x7f)
		n++;
	if (s[n] != '\0' || n > (size_t)cols) {
		put_cell(s, cols, pad);
		return;
	}
	fwrite(s, 1, n, stdout);
	if (pad)
		fprintf(stdout, "%*s", cols - (int)n, "");
}

static int
list_json_cb(void *arg, const struct contact *c, long long synced_at)
{
	struct list_json *lj = arg;
	char *obj;

	(void)synced_at;
	if (lj->limit >= 0 && lj->n >= lj->limit)
		return 1;
	obj = codec_with_nulls(c->raw != NULL ? c->raw : "{}", list_keys);
	if (obj == NULL)
		obj = codec_with_nulls("{}", list_keys);
	fputs(lj->n == 0 ? "[\n" : ",\n", stdout);
	fputs(obj, stdout);
	free(obj);
	lj->n++;
	return ferror(stdout) ? 2 : 0;
}

static int
cmd_list(const struct conf *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "search", required_argument, NULL, 's' },
		{ "tag", required_argument, NULL, 't' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cache_query q = { NULL, NULL };
	struct cache_row *rows = NULL;
	struct cache *c = NULL;
	struct err e;
	char *after = NULL;
	long limit = -1, shown = 0;
	size_t n, i;
	int ch, json = 0, rc = CLI_OK, page;

	opt_reset();
	for (;;) {
		ch = next_opt("list", argc, argv, ":h", lo, &rc);
		if (ch == -1)
			break;
		switch (ch) {
		case 's':
			q.search = optarg;
			break;
		case 't':
			q.tag = optarg;
			break;
		case 'l':
			if (conf_parse_long(optarg, 0, 1000000000, &limit))
				return usage_err("list", "--limit wants a "
				    "number, got '%s'", optarg);
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			return show_help("list");
		default:
			return rc;
		}
	}
	if (optind < argc)
		return usage_err("list", "unexpected argument '%s'",
		    argv[optind]);
	rc = open_cache(cfg, &c);
	if (rc)
		return rc;
	err_clear(&e);
	if (json) {
		struct list_json lj = { 0, limit };

		rc = cache_foreach_contact(c, &q, NULL, list_json_cb, &lj, &e);
		if (rc == 1)
			rc = 0;
		if (rc) {
			cache_close(c);
			return fail("list: %s", e.msg[0] ? e.msg :
			    "writing standard output failed");
		}
		fputs(lj.n == 0 ? "[]\n" : "\n]\n", stdout);
		cache_close(c);
		return finish_stdout(CLI_OK);
	}
	for (;;) {
		/* A search whose matches fit in one page is read in one
		 * sorted pass; without one, keyset pages off the index. */
		page = q.search != NULL ? 50000 : 5000;
		if (limit >= 0 && limit - shown < page)
			page = (int)(limit - shown);
		if (page == 0)
			break;
		rc = cache_list(c, &q, after, page, &rows, &n, &e);
		if (rc) {
			rc = fail("list: %s", e.msg);
			break;
		}
		for (i = 0; i < n; i++) {
			const struct cache_row *r = &rows[i];

			fputs(r->failed ? "! " : r->pending ? "* " : "  ",
			    stdout);
			put_list_cell(r->name, 28, 1);
			fputs("  ", stdout);
			put_list_cell(r->email != NULL && *r->email ?
			    r->email : r->phone, 30, 1);
			fputs("  ", stdout);
			put_list_cell(r->id, 22, 1);
			fputs("  ", stdout);
			put_list_cell(r->tags, 40, 0);
			fputc('\n', stdout);
		}
		shown += (long)n;
		free(after);
		after = n > 0 ? xstrdup(rows[n - 1].sort_key) : NULL;
		cache_rows_free(rows, n);
		rows = NULL;
		if (n < (size_t)page)
			break;
	}
	free(after);
	cache_close(c);
	return finish_stdout(rc);
}

/* ---- show ---- */

static const char *
status_word(const char *s)
{
	return s != NULL ? s : "pending";
}

/* One outbox entry in the shape of DESIGN §4. */
static void
put_entry_json(const struct outbox_entry *o)
{
	char when[40];

	iso_ms(o->created_at, when, sizeof when);
	printf("{\"id\":%lld,\"op\":", o->id);
	put_json_str(o->op);
	fputs(",\"contactId\":", stdout);
	put_json_str(o->contact_id);
	fputs(",\"targetId\":", stdout);
	put_json_str(o->target_id);
	fputs(",\"status\":", stdout);
	put_json_str(status_word(o->status));
	printf(",\"attempts\":%d,\"error\":", o->attempts);
	put_json_str(o->error);
	fputs(",\"createdAt\":", stdout);
	put_json_str(when);
	fputc('}', stdout);
}

static void
put_raw_array(const char *name, char *const *raws, size_t n, int last)
{
	size_t i;

	printf("\"%s\":[", name);
	for (i = 0; i < n; i++) {
		if (i > 0)
			fputc(',', stdout);
		fputs(raws[i] != NULL ? raws[i] : "{}", stdout);
	}
	fputs(last ? "]" : "],", stdout);
}

static void
show_json(const struct contact *ct, const struct task *t, size_t nt,
    const struct note *no, size_t nn, const struct appt *a, size_t na,
    const struct outbox_entry *o, size_t no_)
{
	char **raws;
	size_t i, max = nt > nn ? nt : nn;

	if (na > max)
		max = na;
	raws = xcalloc(max + 1, sizeof *raws);
	fputs("{\"contact\":", stdout);
	fputs(ct->raw != NULL ? ct->raw : "{}", stdout);
	fputc(',', stdout);
	for (i = 0; i < nt; i++)
		raws[i] = t[i].raw;
	put_raw_array("tasks", raws, nt, 0);
	for (i = 0; i < nn; i++)
		raws[i] = no[i].raw;
	put_raw_array("notes", raws, nn, 0);
	for (i = 0; i < na; i++)
		raws[i] = a[i].raw;
	put_raw_array("appointments", raws, na, 0);
	fputs("\"pending\":[", stdout);
	for (i = 0; i < no_; i++) {
		if (i > 0)
			fputc(',', stdout);
		put_entry_json(&o[i]);
	}
	fputs("]}\n", stdout);
	free(raws);
}

static void
field_line(const char *label, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	printf("  %-9s ", label);
	put_cell(value, 0, 0);
	fputc('\n', stdout);
}

/* Multi-line text, sanitised and indented. */
static void
put_block(const char *text, const char *indent)
{
	char *t = termsafe(text != NULL ? text : "", (size_t)-1,
	    TERMSAFE_MULTILINE);
	const char *s = t, *next;
	size_t len;

	for (;;) {
		len = termsafe_wrap(s, 72, &next);
		if (len == 0 && next == s)
			break;
		printf("%s%.*s\n", len > 0 ? indent : "", (int)len, s);
		s = next;
	}
	free(t);
}

static void
show_human(const struct contact *ct, long long synced,
    const struct task *t, size_t nt, const struct note *no, size_t nn,
    const struct appt *a, size_t na, const struct outbox_entry *o,
    size_t no_)
{
	char name[256], when[64], *tags;
	struct buf b;
	size_t i;

	put_cell(contact_display_name(ct, name, sizeof name), 0, 0);
	fputs("  (", stdout);
	put_cell(ct->id, 0, 0);
	fputs(")\n", stdout);
	field_line("Email:", ct->email);
	field_line("Phone:", ct->phone);
	field_line("Company:", ct->company_name);
	buf_init(&b, 0);
	for (i = 0; i < ct->tags.n; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", ct->tags.v[i]);
	tags = buf_take(&b);
	field_line("Tags:", tags);
	free(tags);
	if (ct->dnd != TRI_UNSET)
		field_line("DND:", ct->dnd == TRI_TRUE ? "yes" : "no");
	field_line("Added:", ct->date_added);
	field_line("Updated:", ct->date_updated);
	human_time(synced, when, sizeof when);
	field_line("Synced:", when);

	printf("\nTasks (%zu)\n", nt);
	for (i = 0; i < nt; i++) {
		printf("  [%c] ", t[i].completed == TRI_TRUE ? 'x' : ' ');
		put_cell(t[i].title, 40, 1);
		fputs("  due ", stdout);
		put_cell(t[i].due_date != NULL ? t[i].due_date : "-", 24, 1);
		fputs("  ", stdout);
		put_cell(t[i].id, 0, 0);
		fputc('\n', stdout);
		if (t[i].body != NULL && *t[i].body)
			put_block(t[i].body, "      ");
	}
	printf("\nNotes (%zu)\n", nn);
	for (i = 0; i < nn; i++) {
		fputs("  ", stdout);
		put_cell(no[i].date_added != NULL ? no[i].date_added : "-", 24,
		    1);
		fputs("  ", stdout);
		put_cell(no[i].id, 0, 0);
		fputc('\n', stdout);
		put_block(no[i].body, "    ");
	}
	printf("\nAppointments (%zu)\n", na);
	for (i = 0; i < na; i++) {
		fputs("  ", stdout);
		put_cell(a[i].start_time != NULL ? a[i].start_time : "-", 25,
		    1);
		fputs("  ", stdout);
		put_cell(a[i].title, 30, 1);
		fputs("  ", stdout);
		put_cell(a[i].appointment_status != NULL ?
		    a[i].appointment_status : a[i].status, 10, 1);
		fputs("  ", stdout);
		put_cell(a[i].id, 0, 0);
		fputc('\n', stdout);
	}
	if (no_ > 0) {
		printf("\nPending writes (%zu)\n", no_);
		for (i = 0; i < no_; i++) {
			printf("  #%-5lld %-14s %-8s ", o[i].id, o[i].op,
			    status_word(o[i].status));
			if (o[i].error != NULL)
				put_cell(o[i].error, 0, 0);
			fputc('\n', stdout);
		}
	}
}

static int
cmd_show(const struct conf *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct contact ct;
	struct task *t = NULL;
	struct note *no = NULL;
	struct appt *a = NULL;
	struct outbox_entry *o = NULL;
	size_t nt = 0, nn = 0, na = 0, nobox = 0;
	struct cache *c = NULL;
	long long synced = 0;
	struct err e;
	const char *id;
	int ch, json = 0, rc = CLI_OK;

	opt_reset();
	for (;;) {
		ch = next_opt("show", argc, argv, ":h", lo, &rc);
		if (ch == -1)
			break;
		if (ch == 'j')
			json = 1;
		else if (ch == 'h')
			return show_help("show");
		else
			return rc;
	}
	if (argc - optind != 1)
		return usage_err("show", argc == optind ? "missing CONTACT_ID" :
		    "too many arguments");
	id = argv[optind];
	rc = open_cache(cfg, &c);
	if (rc)
		return rc;
	err_clear(&e);
	memset(&ct, 0, sizeof ct);
	rc = cache_get_contact(c, id, &ct, &synced, &e);
	if (rc == ERR_NOTFOUND) {
		cache_close(c);
		return fail("show: contact %s is not in the cache (try '"
		    PROG " sync %s')", id, id);
	}
	if (rc == 0)
		rc = cache_get_tasks(c, id, &t, &nt, &e);
	if (rc == 0)
		rc = cache_get_notes(c, id, &no, &nn, &e);
	if (rc == 0)
		rc = cache_get_appts(c, id, &a, &na, &e);
	if (rc == 0)
		rc = cache_outbox_list(c, id, 0, &o, &nobox, &e);
	if (rc) {
		rc = fail("show %s: %s", id, e.msg);
		goto out;
	}
	if (json)
		show_json(&ct, t, nt, no, nn, a, na, o, nobox);
	else
		show_human(&ct, synced, t, nt, no, nn, a, na, o, nobox);
	rc = finish_stdout(CLI_OK);
out:
	contact_free(&ct);
	tasks_free(t, nt);
	notes_free(no, nn);
	appts_free(a, na);
	outbox_entries_free(o, nobox);
	cache_close(c);
	return rc;
}

/* ---- outbox ---- */

/* An outbox entry id: a positive decimal number. */
static int
parse_entry_id(const char *s, long long *id)
{
	long v;

	if (conf_parse_long(s, 1, 2147483647L, &v))
		return -1;
	*id = v;
	return 0;
}

/* Replay one contact's writes (or all when id is NULL) and report; used
 * after a write, by outbox retry and by sync --outbox. */
static int replay(const struct conf *, const char *contact_id,
    long long entry_id, const char *what);

static int
outbox_list(const struct conf *cfg, int json)
{
	struct outbox_entry *o = NULL;
	struct cache *c = NULL;
	struct err e;
	size_t n = 0, i;
	char when[64];
	int rc;

	rc = open_cache(cfg, &c);
	if (rc)
		return rc;
	err_clear(&e);
	rc = cache_outbox_list(c, NULL, 0, &o, &n, &e);
	cache_close(c);
	if (rc)
		return fail("outbox: %s", e.msg);
	if (json) {
		fputc('[', stdout);
		for (i = 0; i < n; i++) {
			fputs(i ? ",\n" : "\n", stdout);
			put_entry_json(&o[i]);
		}
		fputs(n ? "\n]\n" : "]\n", stdout);
	} else if (n == 0) {
		puts("outbox empty");
	} else {
		printf("%-6s %-14s %-8s %-3s %-16s %-22s %-22s %s\n", "ID",
		    "OP", "STATUS", "TRY", "CREATED", "CONTACT", "TARGET",
		    "ERROR");
		for (i = 0; i < n; i++) {
			human_time(o[i].created_at, when, sizeof when);
			printf("%-6lld %-14s %-8s %-3d %-16s ", o[i].id,
			    o[i].op, status_word(o[i].status), o[i].attempts,
			    when);
			put_cell(o[i].contact_id, 22, 1);
			fputc(' ', stdout);
			put_cell(o[i].target_id != NULL ? o[i].target_id : "-",
			    22, 1);
			fputc(' ', stdout);
			put_cell(o[i].error != NULL ? o[i].error : "", 0, 0);
			fputc('\n', stdout);
		}
	}
	outbox_entries_free(o, n);
	return finish_stdout(CLI_OK);
}

static int
cmd_outbox(const struct conf *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct outbox_entry ent;
	struct cache *c = NULL;
	const char *sub = NULL;
	char name[64], *contact = NULL;
	struct err e;
	long long id = 0;
	long n;
	int ch, json = 0, all = 0, rc = CLI_OK;

	if (argc > 1 && (strcmp(argv[1], "retry") == 0 ||
	    strcmp(argv[1], "discard") == 0)) {
		sub = argv[1];
		argc--;
		argv++;
	}
	snprintf(name, sizeof name, "outbox%s%s", sub ? " " : "",
	    sub ? sub : "");
	opt_reset();
	for (;;) {
		ch = next_opt(name, argc, argv, ":h", lo, &rc);
		if (ch == -1)
			break;
		if (ch == 'j' && sub == NULL)
			json = 1;
		else if (ch == 'a' && sub != NULL &&
		    strcmp(sub, "retry") == 0)
			all = 1;
		else if (ch == 'h')
			return show_help(name);
		else if (ch == '?')
			return rc;
		else
			return usage_err(name, "option '%s' does not apply",
			    argv[optind - 1]);
	}
	if (sub == NULL) {
		if (optind < argc)
			return usage_err(name, "unknown subcommand '%s'",
			    argv[optind]);
		return outbox_list(cfg, json);
	}
	if (all && optind < argc)
		return usage_err(name, "give an ID or --all, not both");
	if (!all && argc - optind != 1)
		return usage_err(name, argc == optind ? "missing ID" :
		    "too many arguments");
	if (!all && parse_entry_id(argv[optind], &id))
		return usage_err(name, "ID wants an outbox entry number, got "
		    "'%s'", argv[optind]);
	rc = open_cache(cfg, &c);
	if (rc)
		return rc;
	err_clear(&e);
	memset(&ent, 0, sizeof ent);
	if (!all) {
		rc = cache_outbox_get(c, id, &ent, &e);
		if (rc) {
			cache_close(c);
			return fail("%s: outbox entry %lld: %s", name, id,
			    rc == ERR_NOTFOUND ? "no such entry" : e.msg);
		}
		contact = xstrdup(ent.contact_id);
	}
	if (strcmp(sub, "discard") == 0) {
		rc = cache_outbox_discard(c, id, &e);
		cache_close(c);
		outbox_entry_free(&ent);
		if (rc) {
			free(contact);
			return fail("outbox discard %lld: %s", id, e.msg);
		}
		printf("discarded outbox entry %lld\n", id);
		rc = CLI_OK;
		if (!cfg->offline && contact != NULL &&
		    strncmp(contact, "local-", 6) != 0) {
			struct sync *s = NULL;

			rc = sync_open(&s, cfg, &e);
			if (rc == 0)
				rc = sync_contact(s, contact, &e);
			sync_close(s);
			if (rc && rc != ERR_NOTFOUND)
				rc = fail("outbox discard %lld: re-syncing "
				    "contact %s: %s", id, contact, e.msg);
			else
				rc = CLI_OK;
		}
		free(contact);
		return finish_stdout(rc);
	}
	if (all) {
		rc = cache_outbox_retry_all(c, &n, &e);
		cache_close(c);
		if (rc)
			return fail("outbox retry --all: %s", e.msg);
		printf("%ld failed write%s queued again\n", n,
		    n == 1 ? "" : "s");
		return replay(cfg, NULL, 0, NULL);
	}
	rc = cache_outbox_retry(c, id, &e);
	cache_close(c);
	outbox_entry_free(&ent);
	if (rc) {
		free(contact);
		return fail("outbox retry %lld: %s", id, rc == ERR_NOTFOUND ?
		    "the entry has not failed" : e.msg);
	}
	snprintf(name, sizeof name, "outbox entry %lld sent", id);
	rc = replay(cfg, contact, id, name);
	free(contact);
	return rc;
}

/* ---- log ---- */

static int
cmd_log(const struct conf *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "failed", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct log_entry *v = NULL;
	struct cache *c = NULL;
	struct err e;
	char first[40], last[40];
	size_t n = 0, i;
	int ch, json = 0, failed = 0, rc = CLI_OK;

	opt_reset();
	for (;;) {
		ch = next_opt("log", argc, argv, ":h", lo, &rc);
		if (ch == -1)
			break;
		if (ch == 'f')
			failed = 1;
		else if (ch == 'j')
			json = 1;
		else if (ch == 'h')
			return show_help("log");
		else
			return rc;
	}
	if (optind < argc)
		return usage_err("log", "unexpected argument '%s'",
		    argv[optind]);
	rc = open_cache(cfg, &c);
	if (rc)
		return rc;
	err_clear(&e);
	rc = cache_log_list(c, failed, 0, &v, &n, &e);
	cache_close(c);
	if (rc)
		return fail("log: %s", e.msg);
	if (json)
		fputc('[', stdout);
	for (i = 0; i < n; i++) {
		if (json) {
			iso_ms(v[i].first_at, first, sizeof first);
			iso_ms(v[i].last_at, last, sizeof last);
			printf("%s{\"id\":%lld,\"kind\":", i ? ",\n" : "\n",
			    v[i].id);
			put_json_str(v[i].kind);
			fputs(",\"level\":", stdout);
			put_json_str(v[i].level);
			fputs(",\"contactId\":", stdout);
			put_json_str(v[i].contact_id);
			fputs(",\"endpoint\":", stdout);
			put_json_str(v[i].endpoint);
			printf(",\"status\":%d,\"message\":", v[i].http_status);
			put_json_str(v[i].message);
			printf(",\"count\":%ld,\"firstAt\":\"%s\","
			    "\"lastAt\":\"%s\",\"acknowledged\":%s}",
			    v[i].count, first, last,
			    v[i].acknowledged ? "true" : "false");
			continue;
		}
		human_time(v[i].last_at, last, sizeof last);
		printf("%s  %-5s %-7s ", last, v[i].level, v[i].kind);
		put_cell(v[i].contact_id != NULL ? v[i].contact_id : "-", 22,
		    1);
		fputc(' ', stdout);
		if (v[i].endpoint != NULL) {
			put_cell(v[i].endpoint, 0, 0);
			fputc(' ', stdout);
		}
		if (v[i].http_status > 0)
			printf("%d ", v[i].http_status);
		put_cell(v[i].message, 0, 0);
		if (v[i].count > 1)
			printf(" (x%ld)", v[i].count);
		fputc('\n', stdout);
	}
	if (json)
		fputs(n ? "\n]\n" : "]\n", stdout);
	else if (n == 0)
		puts(failed ? "no failures logged" : "log empty");
	cache_log_free(v, n);
	return finish_stdout(CLI_OK);
}

/* ---- usage ---- */

#define SPARK_HOURS	24

static void
put_long_or_null(long v)
{
	if (v < 0)
		fputs("null", stdout);
	else
		printf("%ld", v);
}

/*
 * Block characters only where the TUI would draw them: a UTF-8 locale
 * and colour not turned off (NO_COLOR or theme = mono, which the TUI
 * draws its usage chart in ASCII for).
 */
static int
usage_utf8(const struct conf *cfg)
{
	const char *cs = nl_langinfo(CODESET);

	return cfg->color && cs != NULL && (strcasecmp(cs, "UTF-8") == 0 ||
	    strcasecmp(cs, "utf8") == 0);
}

/* One sparkline row: label, the cells, the series' maximum. */
static void
put_spark(const char *label, const long *v, int utf8)
{
	char *line = spark_line(v, SPARK_HOURS, SPARK_HOURS, 0, utf8);

	printf("%-12s%s  max %ld\n", label, line, spark_max(v, SPARK_HOURS));
	free(line);
}

/*
 * On a terminal: requests and 429s per UTC hour over the last 24 hours
 * (the last cell is the current hour), oldest at the left, and the first
 * and last hour under them.
 */
static void
put_usage_sparks(const struct conf *cfg, const struct usage_hour *hv)
{
	long req[SPARK_HOURS], n429[SPARK_HOURS];
	char first[8], last[8];
	struct tm tm;
	time_t t;
	int i, utf8 = usage_utf8(cfg);

	for (i = 0; i < SPARK_HOURS; i++) {
		req[i] = hv[i].count;
		n429[i] = hv[i].n429;
	}
	t = (time_t)(hv[0].hour_ms / 1000);
	gmtime_r(&t, &tm);
	strftime(first, sizeof first, "%H:00", &tm);
	t = (time_t)(hv[SPARK_HOURS - 1].hour_ms / 1000);
	gmtime_r(&t, &tm);
	strftime(last, sizeof last, "%H:00", &tm);
	putchar('\n');
	put_spark("requests/h", req, utf8);
	put_spark("429s/h", n429, utf8);
	printf("%-12s%-5s%*s UTC\n", "", first, SPARK_HOURS - 5, last);
}

static int
cmd_usage(const struct conf *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct usage_headers h;
	struct usage_row *v = NULL;
	struct usage_hour *hv = NULL;
	struct cache *c = NULL;
	struct err e;
	long long now = now_ms();
	long budget = -1;
	char at[40], today[11];
	size_t n = 0, i;
	int ch, json = 0, rc = CLI_OK, have_h, spark;

	opt_reset();
	for (;;) {
		ch = next_opt("usage", argc, argv, ":h", lo, &rc);
		if (ch == -1)
			break;
		if (ch == 'j')
			json = 1;
		else if (ch == 'h')
			return show_help("usage");
		else
			return rc;
	}
	if (optind < argc)
		return usage_err("usage", "unexpected argument '%s'",
		    argv[optind]);
	rc = open_cache(cfg, &c);
	if (rc)
		return rc;
	err_clear(&e);
	rc = cache_usage_by_endpoint_day(c, 7, now, &v, &n, &e);
	if (rc) {
		cache_close(c);
		return fail("usage: %s", e.msg);
	}
	rc = cache_usage_last_headers(c, &h, &e);
	have_h = rc == 0;
	if (rc && rc != ERR_NOTFOUND) {
		cache_close(c);
		cache_usage_free(v, n);
		return fail("usage: %s", e.msg);
	}
	/* the sparklines are for people: a terminal, not --json or a pipe */
	spark = !json && isatty(STDOUT_FILENO);
	if (spark) {
		rc = cache_usage_by_hour(c, SPARK_HOURS, now, &hv, &e);
		if (rc) {
			cache_close(c);
			cache_usage_free(v, n);
			return fail("usage: %s", e.msg);
		}
	}
	cache_close(c);
	iso_ms(now, at, sizeof at);
	memcpy(today, at, 10);
	today[10] = '\0';
	if (have_h) {
		/* The daily quota restarts each UTC day. */
		iso_ms(h.at_ms, at, sizeof at);
		budget = strncmp(at, today, 10) == 0 ? h.daily_remaining :
		    h.limit_daily;
	}
	if (json) {
		fputs("{\"days\":[", stdout);
		for (i = 0; i < n; i++) {
			printf("%s{\"day\":\"%s\",\"endpoint\":",
			    i ? ",\n" : "\n", v[i].day);
			put_json_str(v[i].endpoint);
			printf(",\"count\":%ld,\"rateLimited\":%ld,"
			    "\"errors\":%ld,\"retries\":%ld}", v[i].count,
			    v[i].n429, v[i].errors, v[i].retries);
		}
		fputs(n ? "\n],\"rateLimit\":" : "],\"rateLimit\":", stdout);
		if (have_h) {
			fputs("{\"limitDaily\":", stdout);
			put_long_or_null(h.limit_daily);
			fputs(",\"dailyRemaining\":", stdout);
			put_long_or_null(h.daily_remaining);
			fputs(",\"intervalMs\":", stdout);
			put_long_or_null(h.interval_ms);
			fputs(",\"max\":", stdout);
			put_long_or_null(h.max);
			fputs(",\"remaining\":", stdout);
			put_long_or_null(h.remaining);
			printf(",\"at\":\"%s\"}", at);
		} else {
			fputs("null", stdout);
		}
		fputs(",\"dailyBudgetLeft\":", stdout);
		put_long_or_null(budget);
		fputs("}\n", stdout);
	} else {
		if (n == 0)
			puts("no API calls recorded in the last 7 days");
		else
			printf("%-10s  %-44s %7s %5s %6s %7s\n", "DAY (UTC)",
			    "ENDPOINT", "CALLS", "429", "ERRORS", "RETRIES");
		for (i = 0; i < n; i++) {
			printf("%-10s  ", v[i].day);
			put_cell(v[i].endpoint, 44, 1);
			printf(" %7ld %5ld %6ld %7ld\n", v[i].count, v[i].n429,
			    v[i].errors, v[i].retries);
		}
		if (have_h) {
			human_time(h.at_ms, at, sizeof at);
			printf("\nlast rate-limit headers (%s): burst %ld of "
			    "%ld left per %ld ms, daily %ld of %ld left\n", at,
			    h.remaining, h.max, h.interval_ms,
			    h.daily_remaining, h.limit_daily);
			printf("daily budget left: %ld\n", budget);
			if (budget >= 0 && budget < cfg->daily_warn)
				printf("warning: the daily budget left (%ld) "
				    "is below daily_warn = %ld\n", budget,
				    cfg->daily_warn);
		} else {
			puts("\nno rate-limit headers seen yet");
		}
		if (spark)
			put_usage_sparks(cfg, hv);
	}
	free(hv);
	cache_usage_free(v, n);
	return finish_stdout(CLI_OK);
}

/* ---- export ---- */

struct export_state {
	FILE	*fp;
	int	 csv;
	long	 n;
};

/* One RFC 4180 field: quoted when it holds a comma, quote, CR or LF. */
static void
csv_field(FILE *fp, const char *s, int last)
{
	const char *p;

	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, fp);
	} else {
		fputc('"', fp);
		for (p = s; *p != '\0'; p++) {
			if (*p == '"')
				fputc('"', fp);
			fputc(*p, fp);
		}
		fputc('"', fp);
	}
	fputs(last ? "\r\n" : ",", fp);
}

static int
export_cb(void *arg, const struct contact *c, long long synced_at)
{
	struct export_state *st = arg;
	char when[40], *tags;
	struct buf b;
	size_t i;

	st->n++;
	if (!st->csv) {
		fputs(c->raw != NULL ? c->raw : "{}", st->fp);
		fputc('\n', st->fp);
		return ferror(st->fp) ? -1 : 0;
	}
	buf_init(&b, 0);
	for (i = 0; i < c->tags.n; i++)
		buf_printf(&b, "%s%s", i ? ";" : "", c->tags.v[i]);
	tags = buf_take(&b);
	if (synced_at > 0)
		iso_ms(synced_at, when, sizeof when);
	else
		when[0] = '\0';
	csv_field(st->fp, c->id, 0);
	csv_field(st->fp, c->location_id, 0);
	csv_field(st->fp, c->first_name, 0);
	csv_field(st->fp, c->last_name, 0);
	csv_field(st->fp, c->name, 0);
	csv_field(st->fp, c->email, 0);
	csv_field(st->fp, c->phone, 0);
	csv_field(st->fp, c->company_name, 0);
	csv_field(st->fp, tags, 0);
	csv_field(st->fp, c->dnd == TRI_UNSET ? "" :
	    c->dnd == TRI_TRUE ? "true" : "false", 0);
	csv_field(st->fp, c->date_added, 0);
	csv_field(st->fp, c->date_updated, 0);
	csv_field(st->fp, when, 1);
	free(tags);
	return ferror(st->fp) ? -1 : 0;
}

static int
cmd_export(const struct conf *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "since", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cache_query q = { NULL, NULL };
	struct export_state st = { stdout, 0, 0 };
	const char *format = NULL, *output = NULL;
	char since[64], *tmp = NULL;
	struct cache *c = NULL;
	struct err e;
	int ch, fd, have_since = 0, rc = CLI_OK;

	opt_reset();
	for (;;) {
		ch = next_opt("export", argc, argv, ":h", lo, &rc);
		if (ch == -1)
			break;
		switch (ch) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 's':
			if (parse_when(optarg, 1, since, sizeof since))
				return usage_err("export", "--since wants "
				    "YYYY-MM-DD, an ISO-8601 time or an age "
				    "such as 7d, got '%s'", optarg);
			have_since = 1;
			break;
		case 'h':
			return show_help("export");
		default:
			return rc;
		}
	}
	if (optind < argc)
		return usage_err("export", "unexpected argument '%s'",
		    argv[optind]);
	if (format == NULL)
		return usage_err("export", "--format csv|ndjson is required");
	if (strcmp(format, "csv") == 0)
		st.csv = 1;
	else if (strcmp(format, "ndjson") != 0)
		return usage_err("export", "--format wants csv or ndjson, got "
		    "'%s'", format);
	rc = open_cache(cfg, &c);
	if (rc)
		return rc;
	if (output != NULL && strcmp(output, "-") != 0) {
		tmp = xasprintf("%s.tmpXXXXXX", output);
		fd = mkstemp(tmp);
		st.fp = fd >= 0 ? fdopen(fd, "w") : NULL;
		if (st.fp == NULL) {
			rc = fail("export: cannot create %s: %s", output,
			    strerror(errno));
			if (fd >= 0)
				close(fd);
			free(tmp);
			cache_close(c);
			return rc;
		}
		fchmod(fd, 0600);
	}
	if (st.csv)
		fputs("id,locationId,firstName,lastName,name,email,phone,"
		    "companyName,tags,dnd,dateAdded,dateUpdated,syncedAt\r\n",
		    st.fp);
	err_clear(&e);
	rc = cache_foreach_contact(c, &q, have_since ? since : NULL,
	    export_cb, &st, &e);
	cache_close(c);
	if (rc == -1 || (rc == 0 && fflush(st.fp) != 0))
		rc = fail("export: writing %s: %s", tmp != NULL ? output :
		    "standard output", strerror(errno));
	else if (rc)
		rc = fail("export: %s", e.msg);
	if (tmp != NULL) {
		if (rc == 0 && fsync(fileno(st.fp)) != 0)
			rc = fail("export: writing %s: %s", output,
			    strerror(errno));
		if (fclose(st.fp) != 0 && rc == 0)
			rc = fail("export: writing %s: %s", output,
			    strerror(errno));
		if (rc == 0 && rename(tmp, output) != 0)
			rc = fail("export: renaming to %s: %s", output,
			    strerror(errno));
		if (rc)
			unlink(tmp);
		free(tmp);
		if (rc == 0)
			say("exported %ld contact%s to %s", st.n,
			    st.n == 1 ? "" : "s", output);
		return finish_stdout(rc);
	}
	return finish_stdout(rc);
}

/* ---- writes ---- */

enum wr_kind { WR_TASK_DONE, WR_TASK_ADD, WR_TASK_EDIT, WR_TASK_DEL,
	WR_TAGS_ADD, WR_TAGS_DEL, WR_NOTE_ADD, WR_NOTE_EDIT, WR_NOTE_DEL,
	WR_CONTACT_ADD, WR_CONTACT_EDIT, WR_CONTACT_DEL };

struct wr {
	enum wr_kind	 kind;
	const char	*cmd;		/* "task add", for messages */
	const char	*cid;		/* contact id (NULL for contact add) */
	const char	*id;		/* task/note id */
	int		 completed;
	struct task	 task;
	struct note	 note;
	struct contact	 contact;
	struct strv	 tags;
	char		*local_id;	/* creates: the local id */
	long long	 entry;		/* the outbox entry made */
};

static int
apply_write(const struct conf *cfg, struct cache *c, struct wr *w,
    struct err *e)
{
	switch (w->kind) {
	case WR_TASK_DONE:
		return cache_task_set_completed(c, w->cid, w->id, w->completed,
		    &w->entry, e);
	case WR_TASK_ADD:
		return cache_task_create(c, w->cid, &w->task, &w->local_id,
		    &w->entry, e);
	case WR_TASK_EDIT:
		return cache_task_update(c, w->cid, &w->task, &w->entry, e);
	case WR_TASK_DEL:
		return cache_task_delete(c, w->cid, w->id, &w->entry, e);
	case WR_TAGS_ADD:
		return cache_tags_add(c, w->cid, &w->tags, &w->entry, e);
	case WR_TAGS_DEL:
		return cache_tags_remove(c, w->cid, &w->tags, &w->entry, e);
	case WR_NOTE_ADD:
		return cache_note_create(c, w->cid, &w->note, &w->local_id,
		    &w->entry, e);
	case WR_NOTE_EDIT:
		return cache_note_update(c, w->cid, &w->note, &w->entry, e);
	case WR_NOTE_DEL:
		return cache_note_delete(c, w->cid, w->id, &w->entry, e);
	case WR_CONTACT_ADD:
		return cache_contact_create(c, &w->contact, cfg->location,
		    &w->local_id, &w->entry, e);
	case WR_CONTACT_EDIT:
		return cache_contact_update(c, &w->contact, &w->entry, e);
	case WR_CONTACT_DEL:
		return cache_contact_delete(c, w->cid, &w->entry, e);
	}
	return err_set(e, ERR_USAGE, "bad write kind");
}

static void
wr_free(struct wr *w)
{
	task_free(&w->task);
	note_free(&w->note);
	contact_free(&w->contact);
	strv_free(&w->tags);
	free(w->local_id);
}

/*
 * An older failed entry of the same contact holds later ones back
 * (DESIGN §3: per contact, in order).  Returns its id, or 0.
 */
static long long
blocking_entry(struct cache *c, const char *contact_id, long long entry_id,
    char *op, size_t oplen)
{
	struct outbox_entry *v = NULL;
	long long found = 0;
	size_t n = 0, i;

	if (contact_id == NULL ||
	    cache_outbox_list(c, contact_id, 0, &v, &n, NULL) != 0)
		return 0;
	for (i = 0; i < n && found == 0; i++) {
		if ((entry_id <= 0 || v[i].id < entry_id) &&
		    v[i].status != NULL && strcmp(v[i].status, "failed") == 0) {
			found = v[i].id;
			snprintf(op, oplen, "%s", v[i].op);
		}
	}
	outbox_entries_free(v, n);
	return found;
}

static int
replay(const struct conf *cfg, const char *contact_id, long long entry_id,
    const char *what)
{
	struct outbox_entry ent;
	struct sync *s = NULL;
	struct err e;
	char op[32];
	long long blocker;
	int rc, nfailed = 0, npending = 0;

	if (cfg->offline) {
		if (what != NULL)
			say("%s (offline: queued, not sent)", what);
		return finish_stdout(CLI_OK);
	}
	err_clear(&e);
	rc = sync_open(&s, cfg, &e);
	if (rc)
		return fail("%s; %s", e.msg, entry_id > 0 ? "the write is "
		    "queued in the outbox, not sent" : "nothing sent");
	blocker = blocking_entry(sync_cache(s), contact_id, entry_id, op,
	    sizeof op);
	if (blocker > 0 && entry_id > 0) {
		sync_close(s);
		return fail("contact %s: the write is queued behind failed "
		    "outbox entry %lld (%s); run '" PROG " outbox retry %lld' "
		    "or '" PROG " outbox discard %lld'", contact_id, blocker,
		    op, blocker, blocker);
	}
	rc = sync_outbox(s, contact_id, &nfailed, &npending, &e);
	if (rc == 0 && entry_id > 0) {
		/* Our entry must have reached the server. */
		memset(&ent, 0, sizeof ent);
		if (cache_outbox_get(sync_cache(s), entry_id, &ent, NULL) ==
		    0 && ent.status != NULL &&
		    strcmp(ent.status, "pending") == 0)
			rc = ERR_NET;
		outbox_entry_free(&ent);
	}
	sync_close(s);
	if (rc == 0 && entry_id <= 0 && npending > 0)
		return fail("%d write%s still pending behind failed ones; see "
		    "'" PROG " outbox'", npending, npending == 1 ? "" : "s");
	if (rc == 0) {
		if (what != NULL)
			say("%s", what);
		return finish_stdout(CLI_OK);
	}
	if ((err_is_transient(rc) || rc == ERR_CANCELED) &&
	    strstr(e.msg, "pending") != NULL)
		return fail("%s; run '" PROG " sync --outbox' when the server "
		    "is reachable", e.msg);
	if (err_is_transient(rc) || rc == ERR_CANCELED)
		return fail("%s; %d write%s left pending: run '" PROG
		    " sync --outbox' when the server is reachable",
		    e.msg[0] ? e.msg : "server unreachable", npending,
		    npending == 1 ? "" : "s");
	return fail("%s (the write is kept as failed: see '" PROG
	    " outbox')", e.msg);
}

/*
 * An id given on the command line can name an object: not empty and not a
 * dot segment ("." or ".."), which HTTP clients and servers resolve away
 * (GET /contacts/.. is GET /), so it would reach another route.  Every
 * other byte is percent-encoded into one path segment.  NULL is fine (no
 * id of that kind).
 */
static int
id_ok(const char *id)
{
	return id == NULL || (*id != '\0' && strcmp(id, ".") != 0 &&
	    strcmp(id, "..") != 0);
}

/*
 * Apply w to the cache (fetching the contact first when it is not cached
 * yet and we are online), then replay.  what: the success line; creates
 * print the new id instead.
 */
static int
run_write(const struct conf *cfg, struct wr *w, const char *what)
{
	struct outbox_entry ent;
	struct cache *c = NULL;
	struct sync *s = NULL;
	struct err e;
	char *id = NULL;
	int rc, tries;

	if (!id_ok(w->cid))
		return usage_err(w->cmd, "'%s' is not a valid contact id",
		    w->cid);
	if (!id_ok(w->id))
		return usage_err(w->cmd, "'%s' is not a valid id", w->id);

	for (tries = 0; tries < 2; tries++) {
		rc = open_cache(cfg, &c);
		if (rc)
			return rc;
		err_clear(&e);
		rc = apply_write(cfg, c, w, &e);
		cache_close(c);
		c = NULL;
		if (rc != ERR_NOTFOUND || cfg->offline || w->cid == NULL ||
		    tries > 0)
			break;
		/* Not cached yet: pull the contact, then try again. */
		err_clear(&e);
		rc = sync_open(&s, cfg, &e);
		if (rc == 0)
			rc = sync_contact(s, w->cid, &e);
		sync_close(s);
		s = NULL;
		if (rc)
			return fail("%s %s: %s", w->cmd, w->cid, e.msg);
	}
	if (rc)
		return fail("%s: %s", w->cmd, e.msg);
	if (w->local_id == NULL)
		return replay(cfg, w->cid, w->entry, what);

	/* A create: report the id the server gave (or the local one). */
	rc = replay(cfg, w->kind == WR_CONTACT_ADD ? w->local_id : w->cid,
	    w->entry, NULL);
	if (rc != CLI_OK)
		return rc;
	id = xstrdup(w->local_id);
	if (!cfg->offline && open_cache(cfg, &c) == 0) {
		memset(&ent, 0, sizeof ent);
		if (cache_outbox_get(c, w->entry, &ent, NULL) == 0 &&
		    ent.target_id != NULL) {
			free(id);
			id = xstrdup(ent.target_id);
		}
		outbox_entry_free(&ent);
		cache_close(c);
	}
	say("%s", id);
	free(id);
	return finish_stdout(CLI_OK);
}

/* Text from an argument, or standard input for "-".  Caller frees. */
static char *
text_arg(const char *arg)
{
	struct buf b;
	char chunk[4096];
	size_t n;

	if (strcmp(arg, "-") != 0)
		return xstrdup(arg);
	buf_init(&b, 1024 * 1024);
	for (;;) {
		n = fread(chunk, 1, sizeof chunk, stdin);
		if (n == 0)
			break;
		if (buf_append(&b, chunk, n) != 0) {
			buf_free(&b);
			return NULL;
		}
	}
	/* A trailing newline from echo or a file is not part of the note. */
	while (b.len > 0 && (b.data[b.len - 1] == '\n' ||
	    b.data[b.len - 1] == '\r'))
		b.data[--b.len] = '\0';
	return buf_take(&b);
}

static int
due_arg(const char *cmd, const char *arg, char **out)
{
	char iso[64];

	if (parse_when(arg, 0, iso, sizeof iso))
		return usage_err(cmd, "--due wants YYYY-MM-DD or an ISO-8601 "
		    "time, got '%s'", arg);
	free(*out);
	*out = xstrdup(iso);
	return 0;
}

static int
cmd_task(const struct conf *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "title", required_argument, NULL, 't' },
		{ "due", required_argument, NULL, 'd' },
		{ "body", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const subs[] = { "complete", "reopen", "add",
	    "edit", "delete" };
	struct wr w;
	char name[32], what[256], iso[40];
	const char *sub;
	size_t i;
	int ch, rc = CLI_OK, npos, want, fields = 0;

	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0))
			return show_help("task");
		return usage_err("task", "missing subcommand (complete, "
		    "reopen, add, edit, delete)");
	}
	sub = argv[1];
	for (i = 0; i < nitems(subs); i++)
		if (strcmp(sub, subs[i]) == 0)
			break;
	if (i == nitems(subs))
		return usage_err("task", "unknown subcommand '%s'", sub);
	snprintf(name, sizeof name, "task %s", sub);
	memset(&w, 0, sizeof w);
	w.cmd = name;
	w.task.completed = TRI_UNSET;
	argc--;
	argv++;
	opt_reset();
	for (;;) {
		ch = next_opt(name, argc, argv, ":h", lo, &rc);
		if (ch == -1)
			break;
		if (ch == 'h') {
			wr_free(&w);
			return show_help(name);
		}
		if (ch == '?') {
			wr_free(&w);
			return rc;
		}
		if (strcmp(sub, "add") != 0 && strcmp(sub, "edit") != 0) {
			wr_free(&w);
			return usage_err(name, "option '%s' does not apply",
			    argv[optind - 1]);
		}
		fields++;
		if (ch == 't') {
			free(w.task.title);
			w.task.title = xstrdup(optarg);
		} else if (ch == 'b') {
			free(w.task.body);
			w.task.body = xstrdup(optarg);
		} else if (ch == 'd') {
			rc = due_arg(name, optarg, &w.task.due_date);
			if (rc) {
				wr_free(&w);
				return rc;
			}
		}
	}
	npos = argc - optind;
	want = strcmp(sub, "add") == 0 ? 1 : 2;
	if (npos != want) {
		wr_free(&w);
		return usage_err(name, npos < want ? (want == 1 ?
		    "missing CONTACT_ID" : "missing CONTACT_ID or TASK_ID") :
		    "too many arguments");
	}
	w.cid = argv[optind];
	w.id = want == 2 ? argv[optind + 1] : NULL;
	if (strcmp(sub, "complete") == 0 || strcmp(sub, "reopen") == 0) {
		w.kind = WR_TASK_DONE;
		w.completed = sub[0] == 'c';
		snprintf(what, sizeof what, "task %s %s", w.id,
		    w.completed ? "completed" : "reopened");
	} else if (strcmp(sub, "add") == 0) {
		if (w.task.title == NULL || *w.task.title == '\0') {
			wr_free(&w);
			return usage_err(name, "--title is required");
		}
		if (w.task.due_date == NULL) {
			iso_ms(now_ms() + 86400000LL, iso, sizeof iso);
			w.task.due_date = xstrdup(iso);
		}
		w.kind = WR_TASK_ADD;
		w.task.completed = TRI_FALSE;
		what[0] = '\0';
	} else if (strcmp(sub, "edit") == 0) {
		if (fields == 0) {
			wr_free(&w);
			return usage_err(name, "nothing to change (give "
			    "--title, --due or --body)");
		}
		w.kind = WR_TASK_EDIT;
		w.task.id = xstrdup(w.id);
		snprintf(what, sizeof what, "task %s updated", w.id);
	} else {
		w.kind = WR_TASK_DEL;
		snprintf(what, sizeof what, "task %s deleted", w.id);
	}
	rc = run_write(cfg, &w, what);
	wr_free(&w);
	return rc;
}

static int
cmd_tag(const struct conf *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct wr w;
	struct buf b;
	char name[32], *what;
	int ch, rc = CLI_OK, i, add;

	if (argc < 2 || (strcmp(argv[1], "add") != 0 &&
	    strcmp(argv[1], "remove") != 0)) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0))
			return show_help("tag");
		return usage_err("tag", argc < 2 ? "missing subcommand (add, "
		    "remove)" : "unknown subcommand '%s'", argv[1]);
	}
	add = strcmp(argv[1], "add") == 0;
	snprintf(name, sizeof name, "tag %s", argv[1]);
	argc--;
	argv++;
	opt_reset();
	for (;;) {
		ch = next_opt(name, argc, argv, ":h", lo, &rc);
		if (ch == -1)
			break;
		if (ch == 'h')
			return show_help(name);
		return rc;
	}
	if (argc - optind < 2)
		return usage_err(name, argc == optind ? "missing CONTACT_ID" :
		    "missing TAG");
	memset(&w, 0, sizeof w);
	w.cmd = name;
	w.kind = add ? WR_TAGS_ADD : WR_TAGS_DEL;
	w.cid = argv[optind];
	buf_init(&b, 0);
	for (i = optind + 1; i < argc; i++) {
		if (argv[i][0] == '\0') {
			buf_free(&b);
			wr_free(&w);
			return usage_err(name, "empty TAG");
		}
		strv_push(&w.tags, argv[i]);
		buf_printf(&b, "%s%s", i > optind + 1 ? ", " : "", argv[i]);
	}
	what = xasprintf("%s contact %s: %s", add ? "tagged" : "untagged",
	    w.cid, buf_str(&b));
	buf_free(&b);
	rc = run_write(cfg, &w, what);
	free(what);
	wr_free(&w);
	return rc;
}

static int
cmd_note(const struct conf *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct wr w;
	char name[32], what[256];
	const char *sub;
	int ch, rc = CLI_OK, want, npos;

	if (argc < 2 || (strcmp(argv[1], "add") != 0 &&
	    strcmp(argv[1], "edit") != 0 && strcmp(argv[1], "delete") != 0)) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0))
			return show_help("note");
		return usage_err("note", argc < 2 ? "missing subcommand (add, "
		    "edit, delete)" : "unknown subcommand '%s'", argv[1]);
	}
	sub = argv[1];
	snprintf(name, sizeof name, "note %s", sub);
	argc--;
	argv++;
	opt_reset();
	for (;;) {
		ch = next_opt(name, argc, argv, ":h", lo, &rc);
		if (ch == -1)
			break;
		if (ch == 'h')
			return show_help(name);
		return rc;
	}
	want = strcmp(sub, "edit") == 0 ? 3 : 2;
	npos = argc - optind;
	if (npos != want)
		return usage_err(name, npos > want ? "too many arguments" :
		    strcmp(sub, "add") == 0 ? "wants CONTACT_ID TEXT" :
		    strcmp(sub, "edit") == 0 ? "wants CONTACT_ID NOTE_ID TEXT" :
		    "wants CONTACT_ID NOTE_ID");
	memset(&w, 0, sizeof w);
	w.cmd = name;
	w.cid = argv[optind];
	w.note.pinned = TRI_UNSET;
	if (strcmp(sub, "delete") == 0) {
		w.kind = WR_NOTE_DEL;
		w.id = argv[optind + 1];
		snprintf(what, sizeof what, "note %s deleted", w.id);
	} else {
		w.note.body = text_arg(argv[argc - 1]);
		if (w.note.body == NULL) {
			wr_free(&w);
			return fail("%s: the text on standard input is over "
			    "1 MB", name);
		}
		if (*w.note.body == '\0') {
			wr_free(&w);
			return usage_err(name, "empty TEXT");
		}
		if (strcmp(sub, "add") == 0) {
			w.kind = WR_NOTE_ADD;
			what[0] = '\0';
		} else {
			w.kind = WR_NOTE_EDIT;
			w.id = argv[optind + 1];
			w.note.id = xstrdup(w.id);
			snprintf(what, sizeof what, "note %s updated", w.id);
		}
	}
	rc = run_write(cfg, &w, what);
	wr_free(&w);
	return rc;
}

static int
cmd_contact(const struct conf *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "first", required_argument, NULL, 'f' },
		{ "last", required_argument, NULL, 'l' },
		{ "name", required_argument, NULL, 'N' },
		{ "email", required_argument, NULL, 'e' },
		{ "phone", required_argument, NULL, 'p' },
		{ "company", required_argument, NULL, 'c' },
		{ "dnd", required_argument, NULL, 'D' },
		{ "tag", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct wr w;
	char name[32], what[256], **fp;
	const char *sub;
	int ch, rc = CLI_OK, npos, want, fields = 0, b;

	if (argc < 2 || (strcmp(argv[1], "add") != 0 &&
	    strcmp(argv[1], "edit") != 0 && strcmp(argv[1], "delete") != 0)) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0))
			return show_help("contact");
		return usage_err("contact", argc < 2 ? "missing subcommand "
		    "(add, edit, delete)" : "unknown subcommand '%s'",
		    argv[1]);
	}
	sub = argv[1];
	snprintf(name, sizeof name, "contact %s", sub);
	argc--;
	argv++;
	memset(&w, 0, sizeof w);
	w.cmd = name;
	w.contact.dnd = TRI_UNSET;
	opt_reset();
	for (;;) {
		ch = next_opt(name, argc, argv, ":h", lo, &rc);
		if (ch == -1)
			break;
		if (ch == 'h') {
			wr_free(&w);
			return show_help(name);
		}
		if (ch == '?') {
			wr_free(&w);
			return rc;
		}
		if (strcmp(sub, "delete") == 0 || (strcmp(sub, "add") == 0 &&
		    (ch == 'N' || ch == 'D'))) {
			wr_free(&w);
			return usage_err(name, "option '%s' does not apply",
			    argv[optind - 1]);
		}
		fields++;
		fp = NULL;
		switch (ch) {
		case 'f':
			fp = &w.contact.first_name;
			break;
		case 'l':
			fp = &w.contact.last_name;
			break;
		case 'N':
			fp = &w.contact.name;
			break;
		case 'e':
			fp = &w.contact.email;
			break;
		case 'p':
			fp = &w.contact.phone;
			break;
		case 'c':
			fp = &w.contact.company_name;
			break;
		case 'D':
			if (conf_parse_bool(optarg, &b)) {
				wr_free(&w);
				return usage_err(name, "--dnd wants yes or "
				    "no, got '%s'", optarg);
			}
			w.contact.dnd = b ? TRI_TRUE : TRI_FALSE;
			break;
		case 't':
			if (*optarg == '\0') {
				wr_free(&w);
				return usage_err(name, "empty --tag");
			}
			strv_push(&w.contact.tags, optarg);
			break;
		}
		if (fp != NULL) {
			free(*fp);
			*fp = xstrdup(optarg);
		}
	}
	want = strcmp(sub, "add") == 0 ? 0 : 1;
	npos = argc - optind;
	if (npos != want) {
		wr_free(&w);
		return usage_err(name, npos > want ? "too many arguments" :
		    "missing CONTACT_ID");
	}
	if (strcmp(sub, "add") == 0) {
		if (w.contact.first_name == NULL &&
		    w.contact.last_name == NULL && w.contact.email == NULL &&
		    w.contact.phone == NULL) {
			wr_free(&w);
			return usage_err(name, "give at least one of --first, "
			    "--last, --email, --phone");
		}
		if (cfg->location == NULL) {
			wr_free(&w);
			return usage_err(name, "no location id (use "
			    "--location or GHL_LOCATION_ID)");
		}
		w.kind = WR_CONTACT_ADD;
		what[0] = '\0';
	} else if (strcmp(sub, "edit") == 0) {
		if (fields == 0) {
			wr_free(&w);
			return usage_err(name, "nothing to change");
		}
		w.kind = WR_CONTACT_EDIT;
		w.cid = argv[optind];
		w.contact.id = xstrdup(w.cid);
		snprintf(what, sizeof what, "contact %s updated", w.cid);
	} else {
		w.kind = WR_CONTACT_DEL;
		w.cid = argv[optind];
		snprintf(what, sizeof what, "contact %s deleted", w.cid);
	}
	rc = run_write(cfg, &w, what);
	wr_free(&w);
	return rc;
}

/* ---- sync ---- */

struct prog {
	int	 tty;
	int	 drawn;
	double	 start, last_draw;
	char	 phase[16];
	long	 done, total, requests, ratelimited, contacts;
};

static void
prog_cb(void *arg, const struct sync_progress *p)
{
	struct prog *pr = arg;
	char bar[31];
	double now = mono_s();
	int fill, i;

	snprintf(pr->phase, sizeof pr->phase, "%s",
	    p->phase != NULL ? p->phase : "");
	pr->done = p->done;
	pr->total = p->total;
	pr->requests = p->requests;
	pr->ratelimited = p->ratelimited;
	if (p->phase != NULL && strcmp(p->phase, "contacts") == 0)
		pr->contacts = p->done;
	if (!pr->tty || now - pr->last_draw < 0.1)
		return;
	pr->last_draw = now;
	fill = 0;
	if (p->total > 0)
		fill = (int)(30.0 * (double)(p->done > p->total ? p->total :
		    p->done) / (double)p->total);
	for (i = 0; i < 30; i++)
		bar[i] = i < fill ? '#' : (p->total > 0 ? '-' : ' ');
	bar[30] = '\0';
	if (p->total > 0)
		fprintf(stderr, "\r%-8.8s [%s] %ld/%ld  %ld req", pr->phase,
		    bar, p->done, p->total, p->requests);
	else
		fprintf(stderr, "\r%-8.8s %ld  %ld req", pr->phase, p->done,
		    p->requests);
	if (p->ratelimited > 0)
		fprintf(stderr, "  %ld x 429", p->ratelimited);
	if (p->backoff_ms > 0)
		fprintf(stderr, "  waiting %.1f s", p->backoff_ms / 1000.0);
	fputs("\033[K", stderr);
	pr->drawn = 1;
}

static void
prog_clear(struct prog *pr)
{
	if (pr->drawn)
		fputs("\r\033[K", stderr);
	pr->drawn = 0;
}

static volatile sig_atomic_t watch_stop;
static struct sync *watch_sync;

static void
on_watch_signal(int sig)
{
	(void)sig;
	watch_stop = 1;
	if (watch_sync != NULL)
		sync_cancel(watch_sync);
}

static int
sync_watch(const struct conf *cfg, struct sync *s, long interval_ms)
{
	struct sigaction sa, old_int, old_term;
	sigset_t block, orig;
	struct timespec ts;
	struct err e;
	char when[32];
	time_t t;
	struct tm tm;
	int rc = CLI_OK, code;

	(void)cfg;
	watch_stop = 0;
	sync_uncancel(s);
	watch_sync = s;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_watch_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	while (!watch_stop) {
		err_clear(&e);
		code = sync_poll(s, &e);
		if (watch_stop)
			break;
		t = time(NULL);
		localtime_r(&t, &tm);
		strftime(when, sizeof when, "%H:%M:%S", &tm);
		if (code == 0) {
			printf("%s polled\n", when);
			fflush(stdout);
		} else if (err_is_transient(code)) {
			fail("%s sync --watch: %s (will try again)", when,
			    e.msg);
		} else {
			rc = fail("sync --watch: %s", e.msg);
			break;
		}
		/* Sleep for the interval unless a signal says stop. */
		sigprocmask(SIG_BLOCK, &block, &orig);
		if (!watch_stop) {
			ts.tv_sec = interval_ms / 1000;
			ts.tv_nsec = (interval_ms % 1000) * 1000000L;
			ppoll(NULL, 0, &ts, &orig);
		}
		sigprocmask(SIG_SETMASK, &orig, NULL);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	watch_sync = NULL;
	return finish_stdout(rc);
}

static int
cmd_sync(const struct conf *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "deep", no_argument, NULL, 'd' },
		{ "outbox", no_argument, NULL, 'o' },
		{ "watch", no_argument, NULL, 'w' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct prog pr;
	struct sync *s = NULL;
	struct cache *c;
	struct err e;
	const char *id = NULL;
	long interval_ms = -1, after = 0, failed = 0;
	size_t nt = 0, nn = 0, na = 0;
	struct task *t = NULL;
	struct note *no = NULL;
	struct appt *a = NULL;
	int ch, rc = CLI_OK, all = 0, deep = 0, outbox = 0, watch = 0;
	int modes;

	opt_reset();
	for (;;) {
		ch = next_opt("sync", argc, argv, ":h", lo, &rc);
		if (ch == -1)
			break;
		switch (ch) {
		case 'a':
			all = 1;
			break;
		case 'd':
			deep = 1;
			break;
		case 'o':
			outbox = 1;
			break;
		case 'w':
			watch = 1;
			break;
		case 'i':
			if (conf_parse_duration(optarg, &interval_ms) ||
			    interval_ms < 100)
				return usage_err("sync", "--interval wants "
				    "seconds (or 500ms, 5m), got '%s'",
				    optarg);
			break;
		case 'h':
			return show_help("sync");
		default:
			return rc;
		}
	}
	if (argc - optind > 1)
		return usage_err("sync", "too many arguments");
	if (argc - optind == 1)
		id = argv[optind];
	if (!id_ok(id))
		return usage_err("sync", "'%s' is not a valid contact id", id);
	modes = all + outbox + watch + (id != NULL);
	if (modes == 0)
		return usage_err("sync", "give CONTACT_ID, --all, --outbox or "
		    "--watch");
	if (modes > 1)
		return usage_err("sync", "give only one of CONTACT_ID, --all, "
		    "--outbox, --watch");
	if (deep && !all)
		return usage_err("sync", "--deep goes with --all");
	if (interval_ms >= 0 && !watch)
		return usage_err("sync", "--interval goes with --watch");
	if (cfg->offline)
		return fail("sync: --offline given, so nothing can be synced");
	if (outbox)
		return replay(cfg, NULL, 0, "outbox replayed: every pending "
		    "write reached the server");

	err_clear(&e);
	if (id != NULL)
		rc = sync_open_contact(&s, cfg, id, &e);
	else
		rc = sync_open(&s, cfg, &e);
	if (rc)
		return fail("sync: %s", e.msg);
	memset(&pr, 0, sizeof pr);
	pr.tty = isatty(STDERR_FILENO);
	pr.start = mono_s();
	sync_set_progress(s, prog_cb, &pr);
	if (watch) {
		if (interval_ms < 0)
			interval_ms = (cfg->poll_interval_s > 0 ?
			    cfg->poll_interval_s : 60) * 1000L;
		rc = sync_watch(cfg, s, interval_ms);
		sync_close(s);
		return rc;
	}
	if (all) {
		c = sync_cache(s);
		rc = sync_all(s, deep, &e);
		prog_clear(&pr);
		cache_count(c, &(struct cache_query){ NULL, NULL }, &after,
		    NULL);
		cache_outbox_counts(c, NULL, &failed, NULL);
		sync_close(s);
		if (rc)
			return fail("sync --all: %s", e.msg);
		printf("synced %ld contacts in %.1f s (%ld requests, %ld "
		    "rate-limited); %ld in the cache\n", pr.contacts,
		    mono_s() - pr.start, pr.requests, pr.ratelimited, after);
		return finish_stdout(CLI_OK);
	}
	rc = sync_contact(s, id, &e);
	prog_clear(&pr);
	if (rc) {
		sync_close(s);
		return fail("sync %s: %s", id, e.msg);
	}
	c = sync_cache(s);
	cache_get_tasks(c, id, &t, &nt, NULL);
	cache_get_notes(c, id, &no, &nn, NULL);
	cache_get_appts(c, id, &a, &na, NULL);
	tasks_free(t, nt);
	notes_free(no, nn);
	appts_free(a, na);
	sync_close(s);
	say("synced contact %s: %zu task%s, %zu note%s, %zu appointment%s",
	    id, nt, nt == 1 ? "" : "s", nn, nn == 1 ? "" : "s", na,
	    na == 1 ? "" : "s");
	return finish_stdout(CLI_OK);
}

int
cli_first_sync(const struct conf *cfg)
{
	struct prog pr;
	struct sync *s = NULL;
	struct err e;
	int rc;

	err_clear(&e);
	rc = sync_open(&s, cfg, &e);
	if (rc)
		return fail("sync: %s", e.msg);
	memset(&pr, 0, sizeof pr);
	pr.tty = isatty(STDERR_FILENO);
	pr.start = mono_s();
	sync_set_progress(s, prog_cb, &pr);
	rc = sync_all(s, 0, &e);
	prog_clear(&pr);
	sync_close(s);
	if (rc)
		return fail("sync --all: %s", e.msg);
	return CLI_OK;
}

/* ---- doctor ---- */

static int doctor_failed;

static void
check(int okay, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One line per check: "ok    what: detail" or "FAIL  what: detail". */
static void
check(int okay, const char *what, const char *fmt, ...)
{
	char msg[700], *safe;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	safe = termsafe(msg, (size_t)-1, 0);
	printf("%-5s %s: %s\n", okay > 0 ? "ok" : okay == 0 ? "FAIL" : "skip",
	    what, safe);
	free(safe);
	fflush(stdout);
	if (okay == 0)
		doctor_failed = 1;
}

static void
doctor_cache(const struct conf *cfg)
{
	struct cache *c = NULL;
	struct err e;
	long n = 0, pending = 0, failed = 0;

	err_clear(&e);
	if (cache_open(&c, cfg->cache_path, &e)) {
		check(0, "cache", "%s: %s", cfg->cache_path, e.msg);
		return;
	}
	cache_count(c, &(struct cache_query){ NULL, NULL }, &n, NULL);
	cache_outbox_counts(c, &pending, &failed, NULL);
	cache_close(c);
	check(1, "cache", "%s (schema version %d, %ld contacts, %ld pending "
	    "and %ld failed writes)", cfg->cache_path, CACHE_SCHEMA_VERSION,
	    n, pending, failed);
}

static int
cmd_doctor(const struct conf *cfg, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct http_curl_opts ho;
	struct ratelimit_headers rl;
	struct search_req sr;
	struct api_opts ao;
	struct http_resp resp;
	struct http_req req;
	struct auth *auth = NULL;
	struct http *h = NULL;
	struct api *api = NULL;
	struct buf out;
	struct err e;
	struct stat st;
	char *body = NULL, *url = NULL, *total = NULL;
	int ch, rc = CLI_OK, read_ok = 0;

	opt_reset();
	for (;;) {
		ch = next_opt("doctor", argc, argv, ":h", lo, &rc);
		if (ch == -1)
			break;
		if (ch == 'h')
			return show_help("doctor");
		return rc;
	}
	if (optind < argc)
		return usage_err("doctor", "unexpected argument '%s'",
		    argv[optind]);
	doctor_failed = 0;
	buf_init(&out, 0);
	err_clear(&e);

	/* 1. Where the token comes from; a shared token file is refused. */
	if (cfg->token != NULL) {
		rc = auth_new_token(&auth, cfg->token, &e);
		check(rc == 0, "token", rc == 0 ? "from GHL_TOKEN" : "%s",
		    e.msg);
	} else if (cfg->token_file != NULL) {
		rc = auth_load_file(&auth, cfg->token_file, &e);
		if (rc == 0 && stat(cfg->token_file, &st) == 0)
			check(1, "token", "file %s (mode %04o%s)",
			    cfg->token_file, (unsigned)(st.st_mode & 07777),
			    auth_can_refresh(auth) ? ", OAuth, refreshable" :
			    "");
		else
			check(0, "token", "%s", e.msg);
	} else {
		check(0, "token", "none: set GHL_TOKEN, or give --token-file "
		    "FILE (or token_file in [api] of the config file)");
	}
	if (cfg->location != NULL)
		check(1, "location", "%s", cfg->location);
	else
		check(0, "location", "none: give --location ID or set "
		    "GHL_LOCATION_ID");

	if (cfg->offline) {
		check(-1, "base URL", "%s (--offline: not contacted)",
		    cfg->base_url);
		doctor_cache(cfg);
		return finish_stdout(doctor_failed ? CLI_FAIL : CLI_OK);
	}

	/* 2. Reachability: any HTTP answer at all will do. */
	memset(&ho, 0, sizeof ho);
	ho.connect_timeout_ms = cfg->connect_timeout_ms;
	ho.timeout_ms = cfg->timeout_ms;
	h = http_curl_new(&ho);
	url = xasprintf("%s/", cfg->base_url);
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = url;
	http_resp_init(&resp);
	err_clear(&e);
	rc = http_request(h, &req, &resp, &e);
	if (rc == 0)
		check(1, "base URL", "%s answers (HTTP %d in %.0f ms)",
		    cfg->base_url, resp.status, resp.seconds * 1000);
	else
		check(0, "base URL", "%s: %s", cfg->base_url, e.msg);
	http_resp_free(&resp);
	free(url);
	if (rc != 0 || auth == NULL || cfg->location == NULL)
		goto done;

	memset(&ao, 0, sizeof ao);
	ao.base_url = cfg->base_url;
	ao.location_id = cfg->location;
	ao.auth = auth;
	ao.http = h;
	ao.max_attempts = 2;
	err_clear(&e);
	rc = api_new(&api, &ao, &e);
	if (rc) {
		check(0, "api", "%s", e.msg);
		goto done;
	}

	/* 3. A read. */
	memset(&sr, 0, sizeof sr);
	sr.location_id = cfg->location;
	sr.page_limit = 1;
	body = codec_search_request(&sr);
	err_clear(&e);
	rc = api_search(api, body, &out, &e);
	free(body);
	if (rc == 0) {
		total = codec_get_json(buf_str(&out), "total");
		check(1, "read", "POST /contacts/search: %d (%s contacts in "
		    "the location)", api_last(api)->status,
		    total != NULL ? total : "?");
		free(total);
		read_ok = 1;
	} else {
		check(0, "read", "%s", e.msg);
	}

	/*
	 * 4. Scopes, without changing data.  The write probe removes an empty
	 * list of tags (CONTRACT §4.18) from a contact id that cannot exist
	 * (real ids are 20 alphanumerics; this one has hyphens), so nothing
	 * can change even if it did.  Scope is checked before the contact is
	 * looked up (§1.3: a call outside the token's scopes is 401), so 401
	 * means no contacts.write, while 404, 400 or 422 (the unknown id or
	 * the empty list) mean the scope is there.
	 */
	if (read_ok) {
		err_clear(&e);
		rc = api_remove_tags(api, "doctor-probe-0000000",
		    "{\"tags\":[]}", &out, &e);
		if (rc == 0 || e.http_status == 404 || e.http_status == 400 ||
		    e.http_status == 422)
			check(1, "scopes", "contacts.readonly contacts.write");
		else if (e.http_status == 401 || e.http_status == 403)
			check(0, "scopes", "contacts.readonly only: writes "
			    "will fail (%s)", e.msg);
		else
			check(0, "scopes", "could not probe the write scope: "
			    "%s", e.msg);
	} else {
		check(0, "scopes", "no read access (contacts.readonly "
		    "missing or the token is invalid)");
	}

	/* 5. Rate-limit headers. */
	api_ratelimit(api, &rl);
	if (rl.max >= 0 || rl.daily_remaining >= 0)
		check(1, "rate limit", "burst %ld of %ld left per %ld ms, "
		    "daily %ld of %ld left", rl.remaining, rl.max,
		    rl.interval_ms, rl.daily_remaining, rl.limit_daily);
	else
		check(0, "rate limit", "no X-RateLimit-* headers in the "
		    "responses");
done:
	api_free(api);
	http_free(h);
	auth_free(auth);
	buf_free(&out);
	/* 6. The cache. */
	doctor_cache(cfg);
	/* 7. Salesmate, when the mirror is configured. */
	fflush(stdout);
	if (mirror_doctor(cfg, stdout) != 0)
		doctor_failed = 1;
	return finish_stdout(doctor_failed ? CLI_FAIL : CLI_OK);
}

/* ---- dispatch ---- */

static const struct {
	const char	*name;
	int		(*fn)(const struct conf *, int, char **);
} cmds[] = {
	{ "doctor", cmd_doctor },
	{ "sync", cmd_sync },
	{ "list", cmd_list },
	{ "show", cmd_show },
	{ "task", cmd_task },
	{ "tag", cmd_tag },
	{ "note", cmd_note },
	{ "contact", cmd_contact },
	{ "outbox", cmd_outbox },
	{ "log", cmd_log },
	{ "usage", cmd_usage },
	{ "export", cmd_export },
	{ "mirror", mirror_cli },
	{ "listen", listen_cli },
	{ "autotag", autotag_cli },
};

int
cli_is_command(const char *name)
{
	size_t i;

	for (i = 0; i < nitems(cmds); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return 1;
	return 0;
}

int
cli_run(const struct conf *cfg, int argc, char **argv)
{
	size_t i;

	for (i = 0; i < nitems(cmds); i++)
		if (strcmp(cmds[i].name, argv[0]) == 0)
			return cmds[i].fn(cfg, argc, argv);
	fprintf(stderr, PROG ": unknown command '%s' (see '" PROG
	    " --help')\n", argv[0]);
	return CLI_USAGE;
}
