/*
 * autotag.c: auto-tag rules over a contact's notes and task titles (see
 * autotag.h).  An item is looked at again only when its text or the rule
 * set changed: the stored hash covers both.  The memory of what fired
 * lives in cache_live.c; the tag writes go through the ordinary outbox.
 */
#include "config.h"
#include "autotag.h"

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cache.h"
#include "cache_live.h"
#include "conf.h"
#include "model.h"
#include "sync.h"
#include "termsafe.h"
#include "xmalloc.h"

#define PROG "ghlterm"

struct rule {
	const struct cfg_autotag *cfg;
	regex_t		 re;
	int		 is_re;		/* else a substring match */
};

struct rules {
	struct rule	*v;
	size_t		 n;
	int		 any_tasks;
	char		 fp[CACHE_LIVE_HASH_LEN];	/* of the set */
};

/* One planned tag and why (for the CLI's lines). */
struct plan {
	char		*tag;
	const char	*rule;
	const char	*item_kind;
	char		*item_id;
};

struct plans {
	struct plan	*v;
	size_t		 n;
};

static void
rules_init(struct rules *r, const struct conf *cfg)
{
	struct buf b;
	size_t i, j;

	memset(r, 0, sizeof *r);
	buf_init(&b, 0);
	r->v = xcalloc(cfg->nautotags + 1, sizeof *r->v);
	r->n = cfg->nautotags;
	for (i = 0; i < r->n; i++) {
		const struct cfg_autotag *a = &cfg->autotags[i];

		r->v[i].cfg = a;
		r->v[i].is_re = regcomp(&r->v[i].re, a->pattern,
		    REG_EXTENDED | REG_ICASE | REG_NOSUB) == 0;
		if (a->match_tasks)
			r->any_tasks = 1;
		buf_printf(&b, "%s\x1f%d", a->pattern, a->match_tasks);
		for (j = 0; j < a->ntags; j++)
			buf_printf(&b, "\x1f%s", a->tags[j]);
		buf_putc(&b, '\x1e');
	}
	cache_live_hash(buf_str(&b), b.len, r->fp);
	buf_free(&b);
}

static void
rules_free(struct rules *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (r->v[i].is_re)
			regfree(&r->v[i].re);
	free(r->v);
	memset(r, 0, sizeof *r);
}

/* Case-insensitive substring (ASCII folding; UTF-8 bytes compare as is). */
static int
ci_contains(const char *hay, const char *needle)
{
	size_t nl = strlen(needle);

	for (; *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, nl) == 0)
			return 1;
	return nl == 0;
}

static int
rule_matches(const struct rule *r, const char *text)
{
	if (r->is_re)
		return regexec(&r->re, text, 0, NULL, 0) == 0;
	return ci_contains(text, r->cfg->pattern);
}

static void
plans_free(struct plans *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->v[i].tag);
		free(p->v[i].item_id);
	}
	free(p->v);
	memset(p, 0, sizeof *p);
}

static int
plans_has(const struct plans *p, const char *tag)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcasecmp(p->v[i].tag, tag) == 0)
			return 1;
	return 0;
}

struct run {
	struct cache		*c;
	const char		*contact_id;
	const struct contact	*ct;
	const struct rules	*rules;
	int			 dry_run;
	struct plans		*plans;
	struct err		*e;
};

/* A matching rule wants tag on the contact. */
static int
consider(struct run *r, const struct rule *rule, const char *tag,
    const char *kind, const char *item_id)
{
	struct plan *p;
	int fired = 0, rc;

	rc = cache_live_fired(r->c, r->contact_id, rule->cfg->pattern, tag,
	    &fired, r->e);
	if (rc || fired)
		return rc;	/* fired before: never again */
	if (!r->dry_run) {
		rc = cache_live_fired_set(r->c, r->contact_id,
		    rule->cfg->pattern, tag, r->e);
		if (rc)
			return rc;
	}
	if (strv_contains_ci(&r->ct->tags, tag) || plans_has(r->plans, tag))
		return 0;	/* already there: remembered, nothing to add */
	r->plans->v = xreallocarray(r->plans->v, r->plans->n + 1,
	    sizeof *r->plans->v);
	p = &r->plans->v[r->plans->n++];
	p->tag = xstrdup(tag);
	p->rule = rule->cfg->pattern;
	p->item_kind = kind;
	p->item_id = xstrdup(item_id);
	return 0;
}

/* Match one item's text, when it is new or changed since the last run. */
static int
item(struct run *r, const char *kind, const char *id, const char *text,
    int tasks_only)
{
	char have[CACHE_LIVE_HASH_LEN], want[CACHE_LIVE_HASH_LEN], *s;
	size_t i, j;
	int rc;

	if (id == NULL)
		return 0;
	s = xasprintf("%s\x1f%s", r->rules->fp, text);
	cache_live_hash(s, strlen(s), want);
	free(s);
	rc = cache_live_item_hash(r->c, kind, id, have, r->e);
	if (rc == 0 && strcmp(have, want) == 0)
		return 0;	/* unchanged since the last run */
	if (rc && rc != ERR_NOTFOUND)
		return rc;
	for (i = 0; i < r->rules->n; i++) {
		const struct rule *rule = &r->rules->v[i];

		if (tasks_only && !rule->cfg->match_tasks)
			continue;
		if (!rule_matches(rule, text))
			continue;
		for (j = 0; j < rule->cfg->ntags; j++) {
			rc = consider(r, rule, rule->cfg->tags[j], kind, id);
			if (rc)
				return rc;
		}
	}
	if (r->dry_run)
		return 0;
	return cache_live_item_hash_set(r->c, kind, id, r->contact_id, want,
	    r->e);
}

/* The shared body of autotag_apply and the CLI. */
static int
apply(struct cache *c, const struct conf *cfg, const char *contact_id,
    int dry_run, struct plans *plans, struct err *e)
{
	struct contact ct;
	struct rules rules;
	struct note *notes = NULL;
	struct task *tasks = NULL;
	size_t nnotes = 0, ntasks = 0, i;
	struct strv add = { NULL, 0 };
	struct run r;
	char *text;
	int rc, began = 0;

	memset(&ct, 0, sizeof ct);
	if (cfg->nautotags == 0)
		return 0;
	rc = cache_live_init(c, e);
	if (rc)
		return rc;
	rc = cache_get_contact(c, contact_id, &ct, NULL, e);
	if (rc == ERR_NOTFOUND) {
		err_clear(e);
		return 0;
	}
	if (rc)
		return rc;
	rules_init(&rules, cfg);
	if (!dry_run) {
		rc = cache_begin(c, e);
		if (rc)
			goto out;
		began = 1;
	}
	rc = cache_get_notes(c, contact_id, &notes, &nnotes, e);
	if (rc == 0 && rules.any_tasks)
		rc = cache_get_tasks(c, contact_id, &tasks, &ntasks, e);
	if (rc)
		goto out;
	r = (struct run){ c, contact_id, &ct, &rules, dry_run, plans, e };
	for (i = 0; i < nnotes && rc == 0; i++) {
		text = xasprintf("%s\n%s", notes[i].title ? notes[i].title : "",
		    notes[i].body ? notes[i].body : "");
		rc = item(&r, "note", notes[i].id, text, 0);
		free(text);
	}
	for (i = 0; i < ntasks && rc == 0; i++)
		rc = item(&r, "task", tasks[i].id,
		    tasks[i].title ? tasks[i].title : "", 1);
	if (rc)
		goto out;
	for (i = 0; i < plans->n; i++)
		strv_push(&add, plans->v[i].tag);
	if (!dry_run && add.n > 0)
		rc = cache_tags_add(c, contact_id, &add, NULL, e);
out:
	if (began) {
		if (rc)
			cache_rollback(c);
		else
			rc = cache_commit(c, e);
	}
	if (rc)
		err_prefix(e, "autotag %s", contact_id);
	strv_free(&add);
	notes_free(notes, nnotes);
	tasks_free(tasks, ntasks);
	rules_free(&rules);
	contact_free(&ct);
	return rc;
}

int
autotag_apply(struct cache *c, const struct conf *cfg, const char *contact_id,
    int dry_run, struct strv *planned, struct err *e)
{
	struct plans plans = { NULL, 0 };
	size_t i;
	int rc;

	rc = apply(c, cfg, contact_id, dry_run, &plans, e);
	if (rc == 0 && planned != NULL)
		for (i = 0; i < plans.n; i++)
			strv_push(planned, plans.v[i].tag);
	plans_free(&plans);
	return rc;
}

/* ---- ghlterm autotag ---- */

static int
fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int
collect_id(void *arg, const struct contact *ct, long long synced_at)
{
	(void)synced_at;
	if (ct->id != NULL)
		strv_push(arg, ct->id);
	return 0;
}

static void
print_plans(const struct conf *cfg, struct cache *c, const char *id,
    const struct plans *p, int dry_run)
{
	struct contact ct;
	char nbuf[256], *name, *tag, *rule;
	size_t i;

	(void)cfg;
	memset(&ct, 0, sizeof ct);
	if (cache_get_contact(c, id, &ct, NULL, NULL) != 0)
		ct.id = xstrdup(id);
	name = termsafe(contact_display_name(&ct, nbuf, sizeof nbuf),
	    (size_t)-1, 0);
	for (i = 0; i < p->n; i++) {
		tag = termsafe(p->v[i].tag, (size_t)-1, 0);
		rule = termsafe(p->v[i].rule, (size_t)-1, 0);
		printf("%s %s: %s tag '%s' (rule '%s', %s %s)\n", id, name,
		    dry_run ? "would add" : "add", tag, rule,
		    p->v[i].item_kind, p->v[i].item_id);
		free(tag);
		free(rule);
	}
	free(name);
	contact_free(&ct);
}

static void
usage(FILE *fp)
{
	fputs("usage: " PROG " autotag [--dry-run] [CONTACT_ID]\n", fp);
}

int
autotag_cli(const struct conf *cfg, int argc, char **argv)
{
	struct strv ids = { NULL, 0 };
	struct cache *c = NULL;
	struct sync *s = NULL;
	struct plans plans = { NULL, 0 };
	const char *one = NULL;
	struct err e;
	long queued = 0;
	int i, dry_run = 0, rc = 0, nfailed = 0, npending = 0;
	size_t k;

	err_clear(&e);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0 ||
		    strcmp(argv[i], "-n") == 0) {
			dry_run = 1;
		} else if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			fflush(stdout);
			fprintf(stderr, PROG ": autotag: unknown option '%s'\n",
			    argv[i]);
			usage(stderr);
			return 2;
		} else if (one == NULL) {
			one = argv[i];
		} else {
			fflush(stdout);
			fprintf(stderr, PROG ": autotag: one CONTACT_ID at "
			    "most\n");
			usage(stderr);
			return 2;
		}
	}
	if (cfg->nautotags == 0) {
		printf("no [autotag] rules configured: nothing to do\n");
		return 0;
	}
	rc = cache_open(&c, cfg->cache_path, &e);
	if (rc)
		return fail("%s", e.msg);
	if (one != NULL) {
		int deleted = 0;

		if (!cache_has_contact(c, one, &deleted) || deleted) {
			cache_close(c);
			return fail("autotag: contact %s is not in the cache "
			    "(run: " PROG " sync %s)", one, one);
		}
		strv_push(&ids, one);
	} else {
		struct cache_query q = { NULL, NULL };

		rc = cache_foreach_contact(c, &q, NULL, collect_id, &ids, &e);
		if (rc) {
			rc = fail("%s", e.msg);
			goto out;
		}
	}
	for (k = 0; k < ids.n; k++) {
		rc = apply(c, cfg, ids.v[k], dry_run, &plans, &e);
		if (rc) {
			rc = fail("%s", e.msg);
			goto out;
		}
		print_plans(cfg, c, ids.v[k], &plans, dry_run);
		queued += (long)plans.n;
		plans_free(&plans);
	}
	if (queued == 0)
		printf("autotag: no tag to add (%zu contact%s checked)\n",
		    ids.n, ids.n == 1 ? "" : "s");
	cache_close(c);
	c = NULL;
	if (dry_run || queued == 0 || cfg->offline)
		goto out;
	rc = sync_open(&s, cfg, &e);
	if (rc == 0)
		rc = sync_outbox(s, one, &nfailed, &npending, &e);
	if (rc) {
		rc = fail("autotag: tags queued, replay failed: %s (%d pending,"
		    " %d failed; see " PROG " outbox)", e.msg, npending,
		    nfailed);
		goto out;
	}
out:
	plans_free(&plans);
	sync_close(s);
	cache_close(c);
	strv_free(&ids);
	return rc;
}
