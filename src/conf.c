/*
 * conf.c: settings from the environment and the config file (INI, parsed
 * by libinih) on top of defaults, never overriding what a flag already set
 * (DESIGN §4).  Every key is one row of a table; an unknown key or a bad
 * value is a "FILE:LINE: message" error.
 */
#include "config.h"
#include "conf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include "xmalloc.h"

#define CONF_MAX_LINE 198	/* what libinih's line buffer holds */

enum conf_type { CT_STR, CT_PATH, CT_BOOL, CT_DUR_S, CT_DUR_MS, CT_LONG,
	CT_THEME, CT_BIND, CT_UNBIND, CT_AUTOTAG };

struct conf_key {
	const char	*section;
	const char	*name;
	enum conf_type	 type;
	size_t		 off;	/* offset of the field in struct conf */
	long		 min, max;
	int		 guarded;	/* skipped when a flag or env set it */
};

#define F(f) offsetof(struct conf, f)
static const struct conf_key conf_keys[] = {
	{ "api", "base_url", CT_STR, F(base_url), 0, 0, 1 },
	{ "api", "token_file", CT_PATH, F(token_file), 0, 0, 1 },
	{ "api", "location", CT_STR, F(location), 0, 0, 1 },
	{ "cache", "path", CT_PATH, F(cache_path), 0, 0, 1 },
	{ "sync", "refresh_age", CT_DUR_S, F(refresh_age_s), 0, 86400 * 365, 0 },
	{ "sync", "poll_interval", CT_DUR_S, F(poll_interval_s), 0, 86400, 0 },
	{ "sync", "replay_timeout", CT_DUR_S, F(replay_timeout_s), 1, 3600, 0 },
	{ "sync", "connect_timeout", CT_DUR_MS, F(connect_timeout_ms), 100,
	    600000, 0 },
	{ "sync", "timeout", CT_DUR_MS, F(timeout_ms), 100, 3600000, 0 },
	{ "sync", "daily_warn", CT_LONG, F(daily_warn), 0, 100000000, 0 },
	{ "sync", "on_failure", CT_STR, F(on_failure), 0, 0, 0 },
	{ "ui", "color", CT_BOOL, F(color), 0, 1, 0 },
	{ "ui", "theme", CT_THEME, F(color), 0, 0, 0 },
	{ "ui", "mouse", CT_BOOL, F(mouse), 0, 1, 0 },
	{ "ui", "hide_completed", CT_BOOL, F(hide_completed), 0, 1, 0 },
	{ "ui", "bind", CT_BIND, 0, 0, 0, 0 },
	{ "ui", "unbind", CT_UNBIND, 0, 0, 0, 0 },
	{ "autotag", "contact", CT_AUTOTAG, 0, 0, 0, 0 },
	{ "autotag", "task", CT_AUTOTAG, 1, 0, 0, 0 },
	{ "salesmate", "base_url", CT_STR, F(sm_base_url), 0, 0, 0 },
	{ "salesmate", "linkname", CT_STR, F(sm_linkname), 0, 0, 0 },
	{ "salesmate", "token_file", CT_PATH, F(sm_token_file), 0, 0, 0 },
	{ "salesmate", "owner", CT_STR, F(sm_owner), 0, 0, 0 },
	{ "salesmate", "id_field", CT_STR, F(sm_id_field), 0, 0, 0 },
	{ "salesmate", "activity_type", CT_STR, F(sm_activity_type), 0, 0, 0 },
	{ "salesmate", "auto", CT_BOOL, F(sm_auto), 0, 1, 0 },
	{ "webhook", "listen", CT_STR, F(wh_listen), 0, 0, 0 },
	{ "webhook", "rsa_public_key", CT_PATH, F(wh_rsa_key), 0, 0, 0 },
	{ "webhook", "ed25519_public_key", CT_PATH, F(wh_ed25519_key), 0, 0, 0 },
	{ "webhook", "max_body", CT_LONG, F(wh_max_body), 1024, 67108864, 0 },
};
#undef F

/* State of one parse: where we are, and the first error. */
struct conf_parse {
	struct conf	*cfg;
	const char	*name;		/* file name for messages */
	const char	*text;		/* string source, or NULL */
	size_t		 pos;
	FILE		*fp;		/* file source, or NULL */
	int		 lineno;	/* line of the chunk last read */
	int		 next_lineno;
	int		 failed;
	struct err	*e;
	/* what a flag or the environment set before the file was read */
	unsigned	 preset;	/* bit i: conf_keys[i] (guarded keys) */
	int		 had_token;
};

void
conf_defaults(struct conf *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->refresh_age_s = 300;
	cfg->poll_interval_s = 60;
	cfg->replay_timeout_s = 20;
	cfg->connect_timeout_ms = 5000;
	cfg->timeout_ms = 30000;
	cfg->daily_warn = 10000;
	cfg->color = 1;
}

static void
bind_free(struct cfg_bind *b)
{
	free(b->context);
	free(b->key);
	free(b->command);
}

void
conf_free(struct conf *cfg)
{
	size_t i, j;

	if (cfg == NULL)
		return;
	free(cfg->base_url);
	free(cfg->token_file);
	if (cfg->token != NULL) {
		explicit_bzero(cfg->token, strlen(cfg->token));
		free(cfg->token);
	}
	free(cfg->location);
	free(cfg->cache_path);
	free(cfg->config_path);
	free(cfg->state_dir);
	free(cfg->on_failure);
	for (i = 0; i < cfg->nbinds; i++)
		bind_free(&cfg->binds[i]);
	free(cfg->binds);
	for (i = 0; i < cfg->nautotags; i++) {
		free(cfg->autotags[i].pattern);
		for (j = 0; j < cfg->autotags[i].ntags; j++)
			free(cfg->autotags[i].tags[j]);
		free(cfg->autotags[i].tags);
	}
	free(cfg->autotags);
	free(cfg->sm_base_url);
	free(cfg->sm_linkname);
	free(cfg->sm_token_file);
	free(cfg->sm_owner);
	free(cfg->sm_id_field);
	free(cfg->sm_activity_type);
	free(cfg->wh_listen);
	free(cfg->wh_rsa_key);
	free(cfg->wh_ed25519_key);
	memset(cfg, 0, sizeof *cfg);
}

int
conf_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };
	size_t i;

	for (i = 0; i < nitems(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

int
conf_parse_duration(const char *s, long *ms)
{
	static const struct { const char *sfx; long mult; } units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	unsigned long long v;
	char *end;
	size_t i;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || v > (unsigned long long)LONG_MAX / 86400000)
		return -1;
	for (i = 0; i < nitems(units); i++) {
		if (strcmp(end, units[i].sfx) == 0) {
			*ms = (long)v * units[i].mult;
			return 0;
		}
	}
	return -1;
}

int
conf_parse_long(const char *s, long min, long max, long *out)
{
	long v;
	char *end;

	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "~/x" -> "$HOME/x"; other paths unchanged.  Caller frees. */
static char *
expand_path(const char *p)
{
	const char *home = getenv("HOME");

	if (p[0] == '~' && p[1] == '/' && home != NULL && *home != '\0')
		return xasprintf("%s%s", home, p + 1);
	return xstrdup(p);
}

/* Split s on blanks into at most max words; returns the count (max+1 when
 * there are more).  Words point into s, which is modified. */
static size_t
split_words(char *s, char **w, size_t max)
{
	size_t n = 0;

	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			return n;
		if (n == max)
			return max + 1;
		w[n++] = s;
		while (*s != '\0' && !isspace((unsigned char)*s))
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
}

static int
perr(struct conf_parse *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
perr(struct conf_parse *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (p->failed)
		return 0;
	p->failed = 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	err_set(p->e, ERR_USAGE, "%s:%d: %s", p->name, p->lineno, msg);
	return 0;
}

static int
add_bind(struct conf_parse *p, const char *value, int unbind)
{
	char *copy = xstrdup(value), *w[3];
	size_t n, want = unbind ? 2 : 3;
	struct cfg_bind *b;

	n = split_words(copy, w, want);
	if (n != want) {
		free(copy);
		return perr(p, unbind ?
		    "unbind wants CONTEXT KEY, got '%s'" :
		    "bind wants CONTEXT KEY COMMAND, got '%s'", value);
	}
	p->cfg->binds = xreallocarray(p->cfg->binds, p->cfg->nbinds + 1,
	    sizeof *p->cfg->binds);
	b = &p->cfg->binds[p->cfg->nbinds++];
	b->context = xstrdup(w[0]);
	b->key = xstrdup(w[1]);
	b->command = unbind ? NULL : xstrdup(w[2]);
	free(copy);
	return 1;
}

/* "PATTERN => tag1, tag2"; the rule is added only when it is whole. */
static int
add_autotag(struct conf_parse *p, const char *value, int tasks)
{
	const char *arrow = strstr(value, "=>");
	struct cfg_autotag a;
	char *list, *s, *comma, *t;
	size_t plen;

	if (arrow == NULL)
		return perr(p, "autotag rule wants PATTERN => TAG[, TAG...], "
		    "got '%s'", value);
	plen = (size_t)(arrow - value);
	while (plen > 0 && isspace((unsigned char)value[plen - 1]))
		plen--;
	if (plen == 0)
		return perr(p, "autotag rule has an empty pattern");
	memset(&a, 0, sizeof a);
	list = xstrdup(arrow + 2);
	for (s = list; s != NULL; s = comma) {
		comma = strchr(s, ',');
		if (comma != NULL)
			*comma++ = '\0';
		while (isspace((unsigned char)*s))
			s++;
		t = s + strlen(s);
		while (t > s && isspace((unsigned char)t[-1]))
			*--t = '\0';
		if (*s == '\0')
			continue;
		a.tags = xreallocarray(a.tags, a.ntags + 1, sizeof *a.tags);
		a.tags[a.ntags++] = xstrdup(s);
	}
	free(list);
	if (a.ntags == 0) {
		free(a.tags);
		return perr(p, "autotag rule for '%.*s' names no tag",
		    (int)plen, value);
	}
	a.pattern = xstrndup(value, plen);
	a.match_tasks = tasks;
	p->cfg->autotags = xreallocarray(p->cfg->autotags,
	    p->cfg->nautotags + 1, sizeof *p->cfg->autotags);
	p->cfg->autotags[p->cfg->nautotags++] = a;
	return 1;
}

static int
set_value(struct conf_parse *p, const struct conf_key *k, const char *value)
{
	char *base = (char *)p->cfg, **sp;
	long l;
	int b;

	switch (k->type) {
	case CT_STR:
	case CT_PATH:
		sp = (char **)(base + k->off);
		if (k->guarded && (p->preset & 1u << (k - conf_keys)))
			return 1;	/* a flag or the environment won */
		if (k->off == offsetof(struct conf, token_file) &&
		    p->had_token)
			return 1;	/* GHL_TOKEN wins over the file */
		if (*value == '\0')
			return perr(p, "%s is empty", k->name);
		free(*sp);
		*sp = k->type == CT_PATH ? expand_path(value) : xstrdup(value);
		return 1;
	case CT_BOOL:
		if (conf_parse_bool(value, &b))
			return perr(p, "%s wants yes or no, got '%s'",
			    k->name, value);
		*(int *)(base + k->off) = b;
		return 1;
	case CT_DUR_S:
	case CT_DUR_MS:
		if (conf_parse_duration(value, &l))
			return perr(p, "%s wants a duration such as 30s, "
			    "500ms or 5m, got '%s'", k->name, value);
		if (k->type == CT_DUR_S) {
			if (l % 1000 != 0)
				return perr(p, "%s is in whole seconds, got "
				    "'%s'", k->name, value);
			l /= 1000;
		}
		if (l < k->min || l > k->max)
			return perr(p, "%s '%s' is out of range", k->name,
			    value);
		*(int *)(base + k->off) = (int)l;
		return 1;
	case CT_LONG:
		if (conf_parse_long(value, k->min, k->max, &l))
			return perr(p, "%s wants a number from %ld to %ld, "
			    "got '%s'", k->name, k->min, k->max, value);
		*(long *)(base + k->off) = l;
		return 1;
	case CT_THEME:
		if (strcmp(value, "default") == 0)
			return 1;
		if (strcmp(value, "mono") == 0) {
			p->cfg->color = 0;
			return 1;
		}
		return perr(p, "theme wants default or mono, got '%s'", value);
	case CT_BIND:
		return add_bind(p, value, 0);
	case CT_UNBIND:
		return add_bind(p, value, 1);
	case CT_AUTOTAG:
		return add_autotag(p, value, (int)k->off);
	}
	return perr(p, "internal: bad key type");
}

static int
on_pair(void *arg, const char *section, const char *name, const char *value)
{
	struct conf_parse *p = arg;
	int known_section = 0;
	size_t i;

	if (p->failed)
		return 0;
	for (i = 0; i < nitems(conf_keys); i++) {
		if (strcmp(conf_keys[i].section, section) != 0)
			continue;
		known_section = 1;
		if (strcmp(conf_keys[i].name, name) == 0)
			return set_value(p, &conf_keys[i],
			    value != NULL ? value : "");
	}
	if (*section == '\0')
		return perr(p, "'%s' is outside any [section]", name);
	if (!known_section)
		return perr(p, "unknown section [%s]", section);
	return perr(p, "unknown key '%s' in [%s]", name, section);
}

/* fgets-style reader over a file or a string, counting lines. */
static char *
reader(char *str, int num, void *stream)
{
	struct conf_parse *p = stream;
	size_t n = 0, len;

	if (num < 2)
		return NULL;
	if (p->fp != NULL) {
		if (fgets(str, num, p->fp) == NULL)
			return NULL;
		n = strlen(str);
	} else {
		if (p->text[p->pos] == '\0')
			return NULL;
		while (n < (size_t)num - 1 && p->text[p->pos] != '\0') {
			str[n] = p->text[p->pos++];
			if (str[n++] == '\n')
				break;
		}
		str[n] = '\0';
	}
	p->lineno = p->next_lineno;
	len = strlen(str);	/* a NUL byte ends the line early */
	if (n > 0 && str[n - 1] == '\n')
		p->next_lineno++;
	else if (n == (size_t)num - 1 && !(p->fp != NULL && feof(p->fp)) &&
	    !(p->fp == NULL && p->text[p->pos] == '\0'))
		perr(p, "line longer than %d bytes", CONF_MAX_LINE);
	if (len != n)
		perr(p, "NUL byte in line");
	return str;
}

static int
parse_stream(struct conf_parse *p)
{
	size_t i;
	int rc;

	p->lineno = 0;
	p->next_lineno = 1;
	p->had_token = p->cfg->token != NULL;
	p->preset = 0;
	for (i = 0; i < nitems(conf_keys); i++)
		if (conf_keys[i].guarded &&
		    *(char **)((char *)p->cfg + conf_keys[i].off) != NULL)
			p->preset |= 1u << i;
	rc = ini_parse_stream(reader, p, on_pair, p);
	if (p->failed)
		return p->e != NULL ? p->e->code : ERR_USAGE;
	if (rc > 0) {
		p->lineno = rc;
		perr(p, "syntax error (want [section] or key = value)");
		return ERR_USAGE;
	}
	if (rc < 0)
		return err_set(p->e, ERR_IO, "%s: cannot read config",
		    p->name);
	return 0;
}

int
conf_parse_text(struct conf *cfg, const char *name, const char *text,
    struct err *e)
{
	struct conf_parse p;

	memset(&p, 0, sizeof p);
	p.cfg = cfg;
	p.name = name;
	p.text = text;
	p.e = e;
	return parse_stream(&p);
}

int
conf_parse_file(struct conf *cfg, const char *path, struct err *e)
{
	struct conf_parse p;
	int rc;

	memset(&p, 0, sizeof p);
	p.cfg = cfg;
	p.name = path;
	p.e = e;
	p.fp = fopen(path, "r");
	if (p.fp == NULL)
		return err_set(e, ERR_IO, "%s: %s", path, strerror(errno));
	rc = parse_stream(&p);
	if (rc == 0 && ferror(p.fp))
		rc = err_set(e, ERR_IO, "%s: read error", path);
	fclose(p.fp);
	return rc;
}

/* The value of environment variable name, or NULL when unset or empty. */
static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* $XDG_<var> or $HOME/<fallback>, plus "/ghlterm".  Caller frees. */
static char *
xdg_dir(const char *var, const char *fallback)
{
	const char *v = env(var), *home = env("HOME");

	if (v != NULL && v[0] == '/')
		return xasprintf("%s/ghlterm", v);
	if (home == NULL)
		home = "/tmp";
	return xasprintf("%s/%s/ghlterm", home, fallback);
}

/* Location ids are opaque: keep a file name safe. */
static char *
safe_name(const char *s)
{
	char *out = xstrdup(s), *c;

	for (c = out; *c != '\0'; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
			*c = '_';
	return out;
}

static void
set_from_env(char **field, const char *var)
{
	const char *v = env(var);

	if (*field == NULL && v != NULL)
		*field = xstrdup(v);
}

int
conf_load(struct conf *cfg, struct err *e)
{
	const char *path;
	char *dir, *name;
	size_t len;
	int rc;

	set_from_env(&cfg->base_url, "GHL_API_BASE");
	set_from_env(&cfg->location, "GHL_LOCATION_ID");
	set_from_env(&cfg->cache_path, "GHLTERM_CACHE");
	if (cfg->token_file == NULL)
		set_from_env(&cfg->token, "GHL_TOKEN");
	if (env("NO_COLOR") != NULL)
		cfg->color = 0;

	free(cfg->config_path);
	cfg->config_path = NULL;
	path = env("GHLTERM_CONFIG");
	if (path != NULL) {
		cfg->config_path = xstrdup(path);
	} else {
		dir = xdg_dir("XDG_CONFIG_HOME", ".config");
		cfg->config_path = xasprintf("%s/config", dir);
		free(dir);
		if (access(cfg->config_path, F_OK) != 0) {
			free(cfg->config_path);
			cfg->config_path = NULL;
		}
	}
	if (cfg->config_path != NULL) {
		rc = conf_parse_file(cfg, cfg->config_path, e);
		if (rc)
			return rc;
	}
	/* The file may have unset colour; NO_COLOR still wins. */
	if (env("NO_COLOR") != NULL)
		cfg->color = 0;

	if (cfg->base_url == NULL)
		cfg->base_url = xstrdup(GHL_DEFAULT_BASE_URL);
	len = strlen(cfg->base_url);
	while (len > 0 && cfg->base_url[len - 1] == '/')
		cfg->base_url[--len] = '\0';
	if (strncmp(cfg->base_url, "http://", 7) != 0 &&
	    strncmp(cfg->base_url, "https://", 8) != 0)
		return err_set(e, ERR_USAGE, "base URL '%s' is not an http:// "
		    "or https:// URL", cfg->base_url);
	if (cfg->token_file != NULL && cfg->token != NULL) {
		/* A token file given as a flag beats GHL_TOKEN. */
		explicit_bzero(cfg->token, strlen(cfg->token));
		free(cfg->token);
		cfg->token = NULL;
	}

	if (cfg->cache_path == NULL) {
		dir = xdg_dir("XDG_CACHE_HOME", ".cache");
		if (cfg->sandbox)
			name = xstrdup("sandbox");
		else if (cfg->location != NULL)
			name = safe_name(cfg->location);
		else
			name = xstrdup("default");
		cfg->cache_path = xasprintf("%s/%s.db", dir, name);
		free(name);
		free(dir);
	}
	if (cfg->state_dir == NULL)
		cfg->state_dir = xdg_dir("XDG_STATE_HOME", ".local/state");
	return 0;
}
