/* test_conf.c: settings precedence (flags > environment > file > defaults),
 * the config file's keys and its FILE:LINE errors. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "err.h"
#include "xmalloc.h"
#include "../tap.h"

static char tmpdir[] = "/tmp/test_conf.XXXXXX";
static char cfgpath[256];

static void
clean_env(void)
{
	static const char *const vars[] = { "GHL_API_BASE", "GHL_TOKEN",
	    "GHL_LOCATION_ID", "GHLTERM_CACHE", "GHLTERM_CONFIG",
	    "NO_COLOR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
	    "XDG_STATE_HOME" };
	char d[300];
	size_t i;

	for (i = 0; i < nitems(vars); i++)
		unsetenv(vars[i]);
	snprintf(d, sizeof d, "%s/config", tmpdir);
	setenv("XDG_CONFIG_HOME", d, 1);
	snprintf(d, sizeof d, "%s/cache", tmpdir);
	setenv("XDG_CACHE_HOME", d, 1);
	snprintf(d, sizeof d, "%s/state", tmpdir);
	setenv("XDG_STATE_HOME", d, 1);
}

static void
write_config(const char *text)
{
	FILE *f = fopen(cfgpath, "w");

	if (f == NULL)
		fatalx("cannot write %s", cfgpath);
	fputs(text, f);
	fclose(f);
}

/* Load with a config file holding text (NULL: no file). */
static int
load(struct conf *c, const char *text, struct err *e)
{
	if (text != NULL)
		write_config(text);
	else
		unlink(cfgpath);
	err_clear(e);
	return conf_load(c, e);
}

static void
test_defaults(void)
{
	struct conf c;
	struct err e;
	char want[300];

	clean_env();
	conf_defaults(&c);
	is_int(load(&c, NULL, &e), 0, "defaults: load without file");
	is_str(c.base_url, GHL_DEFAULT_BASE_URL, "defaults: base URL");
	ok(c.token == NULL && c.token_file == NULL, "defaults: no token");
	ok(c.location == NULL, "defaults: no location");
	snprintf(want, sizeof want, "%s/cache/ghlterm/default.db", tmpdir);
	is_str(c.cache_path, want, "defaults: cache under XDG_CACHE_HOME");
	snprintf(want, sizeof want, "%s/state/ghlterm", tmpdir);
	is_str(c.state_dir, want, "defaults: state dir under XDG_STATE_HOME");
	ok(c.config_path == NULL, "defaults: no config file read");
	is_int(c.replay_timeout_s, 20, "defaults: replay timeout 20 s");
	is_int(c.color, 1, "defaults: colour on");
	conf_free(&c);

	/* HOME fallback when XDG_CACHE_HOME is unset */
	unsetenv("XDG_CACHE_HOME");
	setenv("HOME", tmpdir, 1);
	conf_defaults(&c);
	setenv("GHL_LOCATION_ID", "Loc/../x", 1);
	load(&c, NULL, &e);
	snprintf(want, sizeof want, "%s/.cache/ghlterm/Loc____x.db", tmpdir);
	is_str(c.cache_path, want, "cache falls back to ~/.cache, location "
	    "made file-name safe");
	conf_free(&c);

	clean_env();
	conf_defaults(&c);
	c.sandbox = 1;
	setenv("GHL_LOCATION_ID", "L1", 1);
	load(&c, NULL, &e);
	snprintf(want, sizeof want, "%s/cache/ghlterm/sandbox.db", tmpdir);
	is_str(c.cache_path, want, "sandbox gets its own cache");
	conf_free(&c);
}

static void
test_precedence(void)
{
	static const char file[] =
	    "; comment\n"
	    "[api]\n"
	    "base_url = http://file.example/\n"
	    "location = FileLoc\n"
	    "token_file = /file/token\n"
	    "[cache]\n"
	    "path = /file/cache.db\n";
	struct conf c;
	struct err e;

	/* file over defaults */
	clean_env();
	conf_defaults(&c);
	is_int(load(&c, file, &e), 0, "file: loads");
	is_str(c.base_url, "http://file.example", "file: base URL (slash "
	    "trimmed)");
	is_str(c.location, "FileLoc", "file: location");
	is_str(c.token_file, "/file/token", "file: token file");
	is_str(c.cache_path, "/file/cache.db", "file: cache path");
	is_str(c.config_path, cfgpath, "file: config path recorded");
	conf_free(&c);

	/* environment over file */
	clean_env();
	setenv("GHL_API_BASE", "http://env.example", 1);
	setenv("GHL_LOCATION_ID", "EnvLoc", 1);
	setenv("GHL_TOKEN", "env-token", 1);
	setenv("GHLTERM_CACHE", "/env/cache.db", 1);
	conf_defaults(&c);
	is_int(load(&c, file, &e), 0, "env: loads");
	is_str(c.base_url, "http://env.example", "env beats file: base URL");
	is_str(c.location, "EnvLoc", "env beats file: location");
	is_str(c.token, "env-token", "env beats file: GHL_TOKEN");
	ok(c.token_file == NULL, "env beats file: file's token_file unused");
	is_str(c.cache_path, "/env/cache.db", "env beats file: cache");
	conf_free(&c);

	/* flags over environment */
	conf_defaults(&c);
	c.base_url = xstrdup("http://flag.example");
	c.location = xstrdup("FlagLoc");
	c.token_file = xstrdup("/flag/token");
	c.cache_path = xstrdup("/flag/cache.db");
	is_int(load(&c, file, &e), 0, "flags: loads");
	is_str(c.base_url, "http://flag.example", "flag beats env: base URL");
	is_str(c.location, "FlagLoc", "flag beats env: location");
	is_str(c.token_file, "/flag/token", "flag beats env: token file");
	ok(c.token == NULL, "flag --token-file drops GHL_TOKEN");
	is_str(c.cache_path, "/flag/cache.db", "flag beats env: cache");
	conf_free(&c);

	/* empty environment variables count as unset */
	clean_env();
	setenv("GHL_API_BASE", "", 1);
	conf_defaults(&c);
	load(&c, file, &e);
	is_str(c.base_url, "http://file.example", "empty env var ignored");
	conf_free(&c);

	/* GHLTERM_CONFIG overrides the path; a missing one is an error */
	clean_env();
	write_config("[api]\nlocation = Other\n");
	setenv("GHLTERM_CONFIG", cfgpath, 1);
	setenv("XDG_CONFIG_HOME", "/nonexistent", 1);
	conf_defaults(&c);
	is_int(conf_load(&c, &e), 0, "GHLTERM_CONFIG: loads");
	is_str(c.location, "Other", "GHLTERM_CONFIG: read");
	conf_free(&c);
	setenv("GHLTERM_CONFIG", "/nonexistent/config", 1);
	conf_defaults(&c);
	is_int(conf_load(&c, &e), ERR_IO, "GHLTERM_CONFIG missing: ERR_IO");
	ok(strstr(e.msg, "/nonexistent/config") != NULL,
	    "GHLTERM_CONFIG missing: message names the file");
	conf_free(&c);

	/* the last of two lines wins, as in any INI file */
	clean_env();
	conf_defaults(&c);
	load(&c, "[api]\nlocation = A\nlocation = B\n", &e);
	is_str(c.location, "B", "repeated key: last wins");
	conf_free(&c);

	/* ~ in paths */
	clean_env();
	setenv("HOME", "/home/u", 1);
	conf_defaults(&c);
	load(&c, "[api]\ntoken_file = ~/tok\n", &e);
	is_str(c.token_file, "/home/u/tok", "~/ expands to $HOME");
	conf_free(&c);
}

static void
test_sections(void)
{
	static const char file[] =
	    "[sync]\n"
	    "refresh_age = 10m\n"
	    "poll_interval = 0\n"
	    "replay_timeout = 15s\n"
	    "connect_timeout = 750ms\n"
	    "timeout = 2s\n"
	    "daily_warn = 5000\n"
	    "on_failure = notify-send ghlterm\n"
	    "[ui]\n"
	    "mouse = yes\n"
	    "hide_completed = on\n"
	    "theme = mono\n"
	    "bind = list ^R sync\n"
	    "unbind = global q\n"
	    "[autotag]\n"
	    "contact = vip|gold => vip, priority\n"
	    "task = renewal => renewal\n"
	    "[salesmate]\n"
	    "linkname = acme\n"
	    "auto = true\n"
	    "[webhook]\n"
	    "listen = 127.0.0.1:8787\n"
	    "max_body = 65536\n";
	struct conf c;
	struct err e;

	clean_env();
	conf_defaults(&c);
	is_int(load(&c, file, &e), 0, "all sections load");
	is_int(c.refresh_age_s, 600, "refresh_age 10m");
	is_int(c.poll_interval_s, 0, "poll_interval 0");
	is_int(c.replay_timeout_s, 15, "replay_timeout 15s");
	is_int(c.connect_timeout_ms, 750, "connect_timeout 750ms");
	is_int(c.timeout_ms, 2000, "timeout 2s");
	is_int(c.daily_warn, 5000, "daily_warn");
	is_str(c.on_failure, "notify-send ghlterm", "on_failure");
	is_int(c.mouse, 1, "mouse");
	is_int(c.hide_completed, 1, "hide_completed");
	is_int(c.color, 0, "theme mono turns colour off");
	is_int(c.nbinds, 2, "two binding lines");
	if (c.nbinds == 2) {
		is_str(c.binds[0].context, "list", "bind context");
		is_str(c.binds[0].key, "^R", "bind key");
		is_str(c.binds[0].command, "sync", "bind command");
		ok(c.binds[1].command == NULL, "unbind has no command");
	}
	is_int(c.nautotags, 2, "two autotag rules");
	if (c.nautotags == 2) {
		is_str(c.autotags[0].pattern, "vip|gold", "autotag pattern");
		is_int(c.autotags[0].ntags, 2, "autotag tags");
		is_str(c.autotags[0].tags[1], "priority", "autotag tag trimmed");
		is_int(c.autotags[0].match_tasks, 0, "contact rule");
		is_int(c.autotags[1].match_tasks, 1, "task rule");
	}
	is_str(c.sm_linkname, "acme", "salesmate linkname");
	is_int(c.sm_auto, 1, "salesmate auto");
	is_str(c.wh_listen, "127.0.0.1:8787", "[webhook] listen accepted");
	is_int(c.wh_max_body, 65536, "[webhook] max_body");
	conf_free(&c);

	clean_env();
	setenv("NO_COLOR", "1", 1);
	conf_defaults(&c);
	load(&c, "[ui]\ncolor = yes\n", &e);
	is_int(c.color, 0, "NO_COLOR beats color = yes");
	conf_free(&c);
}

static void
expect_error(const char *text, const char *want, const char *name)
{
	struct conf c;
	struct err e;
	char full[400];
	int rc;

	clean_env();
	conf_defaults(&c);
	rc = load(&c, text, &e);
	snprintf(full, sizeof full, "%s:%s", cfgpath, want);
	is_int(rc, ERR_USAGE, name);
	ok(strncmp(e.msg, full, strlen(full)) == 0, "%s: message", name);
	if (strncmp(e.msg, full, strlen(full)) != 0)
		printf("#   got \"%s\"\n#   want prefix \"%s\"\n", e.msg, full);
	conf_free(&c);
}

static void
test_errors(void)
{
	char longline[400];

	expect_error("[api]\nbase_url = http://x\nbogus = 1\n",
	    "3: unknown key 'bogus' in [api]", "unknown key");
	expect_error("\n\n[nope]\nx = 1\n", "4: unknown section [nope]",
	    "unknown section");
	expect_error("[ui]\nmouse = maybe\n", "2: mouse wants yes or no",
	    "bad boolean");
	expect_error("[sync]\npoll_interval = soon\n",
	    "2: poll_interval wants a duration", "bad duration");
	expect_error("[sync]\nreplay_timeout = 1500ms\n",
	    "2: replay_timeout is in whole seconds", "fractional seconds");
	expect_error("[sync]\nreplay_timeout = 0\n",
	    "2: replay_timeout '0' is out of range", "out of range");
	expect_error("[sync]\ndaily_warn = -3\n", "2: daily_warn wants a "
	    "number", "negative number");
	expect_error("[api]\njunk line\n", "2: syntax error", "syntax error");
	expect_error("location = x\n", "1: 'location' is outside any",
	    "key before any section");
	expect_error("[ui]\nbind = list x\n", "2: bind wants CONTEXT KEY "
	    "COMMAND", "short bind");
	expect_error("[ui]\ntheme = neon\n", "2: theme wants default or mono",
	    "bad theme");
	expect_error("[autotag]\ncontact = vip\n", "2: autotag rule wants",
	    "autotag without =>");
	expect_error("[api]\nlocation =\n", "2: location is empty",
	    "empty value");
	memset(longline, 'x', sizeof longline - 1);
	longline[sizeof longline - 1] = '\0';
	memcpy(longline, "[api]\nlocation = ", 17);
	expect_error(longline, "2: line longer than", "overlong line");

	{
		struct conf c;
		struct err e;

		clean_env();
		setenv("GHL_API_BASE", "ftp://x", 1);
		conf_defaults(&c);
		is_int(load(&c, NULL, &e), ERR_USAGE, "non-http base URL "
		    "refused");
		ok(strstr(e.msg, "ftp://x") != NULL, "message names the URL");
		conf_free(&c);
	}
}

static void
test_parsers(void)
{
	long ms;
	int b;

	ok(conf_parse_duration("90", &ms) == 0 && ms == 90000,
	    "bare duration is seconds");
	ok(conf_parse_duration("250ms", &ms) == 0 && ms == 250, "ms");
	ok(conf_parse_duration("2h", &ms) == 0 && ms == 7200000, "hours");
	ok(conf_parse_duration("-1s", &ms) == -1, "negative refused");
	ok(conf_parse_duration("5 s", &ms) == -1, "inner space refused");
	ok(conf_parse_duration("99999999999999999999", &ms) == -1,
	    "overflow refused");
	ok(conf_parse_bool("OFF", &b) == 0 && b == 0, "bool OFF");
	ok(conf_parse_bool("True", &b) == 0 && b == 1, "bool True");
	ok(conf_parse_bool("2", &b) == -1, "bool 2 refused");
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		fatalx("mkdtemp");
	snprintf(cfgpath, sizeof cfgpath, "%s/config/ghlterm/config", tmpdir);
	{
		char d[300];

		snprintf(d, sizeof d, "%s/config", tmpdir);
		mkdir(d, 0700);
		snprintf(d, sizeof d, "%s/config/ghlterm", tmpdir);
		mkdir(d, 0700);
	}
	test_defaults();
	test_precedence();
	test_sections();
	test_errors();
	test_parsers();
	unlink(cfgpath);
	{
		char d[300];

		snprintf(d, sizeof d, "%s/config/ghlterm", tmpdir);
		rmdir(d);
		snprintf(d, sizeof d, "%s/config", tmpdir);
		rmdir(d);
		rmdir(tmpdir);
	}
	return tap_done();
}
