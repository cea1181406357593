/*
 * mirror_cli.c: `ghlterm mirror` (one contact, --all, --queued, --dry-run,
 * status [--json]) and the Salesmate checks of `ghlterm doctor`.  CLI
 * module: prints a summary on stdout and one line per failure on stderr.
 */
#include "config.h"
#include "mirror_cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "cache_mirror.h"
#include "codec_sm.h"
#include "conf.h"
#include "http.h"
#include "mirror.h"
#include "salesmate.h"
#include "sync.h"
#include "xmalloc.h"

static const char usage[] =
"usage: ghlterm mirror [--dry-run] [--no-sync] CONTACT_ID...\n"
"       ghlterm mirror [--dry-run] --all | --queued\n"
"       ghlterm mirror status [--json]\n";

/* Loopback base URLs (the sandbox) may be paced faster than the real
 * account allows; a real account only slower. */
static int
is_loopback(const char *url)
{
	return strncmp(url, "http://127.0.0.1", 16) == 0 ||
	    strncmp(url, "http://localhost", 16) == 0 ||
	    strncmp(url, "http://[::1]", 12) == 0;
}

static long
env_long(const char *name, long dflt)
{
	const char *v = getenv(name);
	char *end;
	long x;

	if (v == NULL || *v == '\0')
		return dflt;
	x = strtol(v, &end, 10);
	return *end == '\0' && x > 0 ? x : dflt;
}

/* The transport and client of cfg.  Both NULL on error. */
static int
make_client(const struct conf *cfg, struct http **hp, struct sm_client **cp,
    struct err *e)
{
	struct http_curl_opts ho;
	struct sm_opts so;
	char *base, *token = NULL;
	long rate;
	int rc;

	*hp = NULL;
	*cp = NULL;
	if (cfg->sm_linkname == NULL || *cfg->sm_linkname == '\0')
		return err_set(e, ERR_USAGE, "Salesmate is not configured: "
		    "set salesmate.linkname (and a token)");
	rc = sm_token_load(cfg, &token, e);
	if (rc)
		return rc;
	base = sm_base_url(cfg);
	memset(&ho, 0, sizeof ho);
	ho.connect_timeout_ms = cfg->connect_timeout_ms;
	ho.timeout_ms = cfg->timeout_ms;
	*hp = http_curl_new(&ho);
	memset(&so, 0, sizeof so);
	so.base_url = base;
	so.linkname = cfg->sm_linkname;
	so.token = token;
	so.http = *hp;
	rate = env_long("GHLTERM_SM_RATE_PER_HOUR", SM_DEFAULT_PER_HOUR);
	if (rate > SM_DEFAULT_PER_HOUR && !is_loopback(base))
		rate = SM_DEFAULT_PER_HOUR;
	so.per_hour = rate;
	so.burst = env_long("GHLTERM_SM_BURST", SM_DEFAULT_BURST);
	if (so.burst > SM_DEFAULT_BURST && !is_loopback(base))
		so.burst = SM_DEFAULT_BURST;
	so.max_wait_ms = env_long("GHLTERM_SM_MAX_WAIT_MS", 60000);
	rc = sm_client_new(cp, &so, e);
	explicit_bzero(token, strlen(token));
	free(token);
	free(base);
	if (rc) {
		http_free(*hp);
		*hp = NULL;
	}
	return rc;
}

/*
 * Mirror one cached contact now (no printing): for the worker thread and
 * for salesmate.auto after a sync.  Uses its own Salesmate client and the
 * caller's cache handle (the caller's thread).
 */
int
mirror_one(const struct conf *cfg, struct cache *cache, const char *id,
    struct err *e)
{
	struct http *http = NULL;
	struct sm_client *sm = NULL;
	struct mirror_opts mo;
	struct mirror *m = NULL;
	int rc;

	rc = make_client(cfg, &http, &sm, e);
	if (rc)
		return rc;
	memset(&mo, 0, sizeof mo);
	mo.cache = cache;
	mo.sm = sm;
	mo.id_field = cfg->sm_id_field;
	mo.activity_type = cfg->sm_activity_type;
	mo.owner = cfg->sm_owner;
	rc = mirror_open(&m, &mo, e);
	if (rc == 0) {
		rc = mirror_contact(m, id, e);
		if (rc == 0)
			cache_mirror_dequeue(cache_sqlite(cache), id, NULL);
		mirror_close(m);
	}
	sm_client_free(sm);
	http_free(http);
	return rc;
}

static void
print_counts(const char *what, const struct mirror_counts *c)
{
	printf("%s: %ld created, %ld updated, %ld unchanged, %ld deleted, "
	    "%ld failed", what, c->created, c->updated, c->unchanged,
	    c->deleted, c->failed);
	if (c->adopted)
		printf(", %ld matched", c->adopted);
	putchar('\n');
}

static void
print_report(const struct mirror_report *r, int dry)
{
	size_t i;

	for (i = 0; i < r->plan.n; i++)
		printf("would send: %s\n", r->plan.v[i]);
	print_counts("contacts", &r->contacts);
	print_counts("tasks", &r->tasks);
	print_counts("notes", &r->notes);
	if (r->companies.created)
		printf("companies: %ld created\n", r->companies.created);
	printf("salesmate calls: %ld%s\n", r->calls, dry ? " (planned, none "
	    "sent)" : "");
	for (i = 0; i < r->warnings.n; i++)
		fprintf(stderr, "ghlterm: mirror: warning: %s\n",
		    r->warnings.v[i]);
	for (i = 0; i < r->duplicates.n; i++)
		fprintf(stderr, "ghlterm: mirror: possible duplicate: %s\n",
		    r->duplicates.v[i]);
	for (i = 0; i < r->failures.n; i++)
		fprintf(stderr, "ghlterm: mirror: failed: %s\n",
		    r->failures.v[i]);
}

struct collect {
	struct strv *ids;
};

static int
collect_cb(void *arg, const struct contact *c, long long synced_at)
{
	struct collect *cl = arg;

	(void)synced_at;
	if (c->id != NULL && strncmp(c->id, "local-", 6) != 0)
		strv_push(cl->ids, c->id);
	return 0;
}

static int
status_cmd(struct cache *cache, int json)
{
	static const char *const names[] = { "contacts", "tasks", "notes" };
	static const char *const kinds[] = { "contact", "task", "note" };
	struct sqlite3 *db = cache_sqlite(cache);
	struct cm_counts c[3];
	struct cm_item *v = NULL;
	struct strv q = { NULL, 0 };
	struct err e;
	size_t n = 0, i;
	char *s;
	int k;

	err_clear(&e);
	if (cache_mirror_migrate(db) != 0) {
		fprintf(stderr, "ghlterm: mirror status: cannot create the "
		    "mirror tables\n");
		return 1;
	}
	for (k = 0; k < 3; k++)
		if (cache_mirror_counts(db, (enum cm_kind)k, &c[k], &e) != 0)
			goto fail;
	if (cache_mirror_unfinished(db, json ? 0 : 20, &v, &n, &e) != 0 ||
	    cache_mirror_queue(db, &q, &e) != 0)
		goto fail;
	if (json) {
		printf("{");
		for (k = 0; k < 3; k++)
			printf("\"%s\":{\"ok\":%ld,\"pending\":%ld,\"failed\":"
			    "%ld,\"ghl_deleted\":%ld},", names[k], c[k].ok,
			    c[k].pending, c[k].failed, c[k].deleted);
		printf("\"queued\":%zu,\"unfinished\":[", q.n);
		for (i = 0; i < n; i++) {
			printf("%s{\"type\":\"%s\",\"ghl_id\":", i ? "," : "",
			    kinds[v[i].kind]);
			s = codec_sm_quote(v[i].ghl_id);
			printf("%s,\"ghl_contact_id\":", s);
			free(s);
			s = codec_sm_quote(v[i].ghl_contact_id);
			printf("%s,\"salesmate_id\":", s);
			free(s);
			if (v[i].sm_id > 0)
				printf("%lld", v[i].sm_id);
			else
				printf("null");
			s = codec_sm_quote(v[i].state);
			printf(",\"state\":%s}", s);
			free(s);
		}
		printf("]}\n");
	} else {
		for (k = 0; k < 3; k++)
			printf("%s: %ld mirrored, %ld pending, %ld failed%s\n",
			    names[k], c[k].ok, c[k].pending, c[k].failed,
			    k == 0 && c[k].deleted ? "" : "");
		if (c[0].deleted)
			printf("contacts deleted in HighLevel: %ld\n",
			    c[0].deleted);
		if (q.n)
			printf("queued: %zu\n", q.n);
		for (i = 0; i < n; i++)
			printf("%s %s: %s\n", kinds[v[i].kind], v[i].ghl_id,
			    v[i].state);
	}
	cm_items_free(v, n);
	strv_free(&q);
	return 0;
fail:
	fprintf(stderr, "ghlterm: mirror status: %s\n", e.msg);
	cm_items_free(v, n);
	strv_free(&q);
	return 1;
}

/* Pull one contact from HighLevel first when we can (online). */
static void
pull_first(const struct conf *cfg, const char *id)
{
	struct sync *sy = NULL;
	struct err e;

	err_clear(&e);
	if (cfg->offline)
		return;
	if (sync_open(&sy, cfg, &e) != 0) {
		fprintf(stderr, "ghlterm: mirror: warning: not refreshing "
		    "%s from HighLevel: %s\n", id, e.msg);
		return;
	}
	if (sync_contact(sy, id, &e) != 0)
		fprintf(stderr, "ghlterm: mirror: warning: refreshing %s from "
		    "HighLevel: %s (mirroring the cached copy)\n", id, e.msg);
	sync_close(sy);
}

int
mirror_cli(const struct conf *cfg, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "queued", no_argument, NULL, 'q' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "no-sync", no_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct mirror_opts mo;
	struct mirror *m = NULL;
	struct cache *cache = NULL;
	struct http *http = NULL;
	struct sm_client *sm = NULL;
	struct strv ids = { NULL, 0 };
	struct collect cl;
	struct err e;
	int ch, all = 0, queued = 0, dry = 0, nosync = 0, json = 0;
	int rc = 0, status = 0, stopped = 0, k;
	size_t i;

	err_clear(&e);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
			all = 1;
			break;
		case 'q':
			queued = 1;
			break;
		case 'n':
			dry = 1;
			break;
		case 'S':
			nosync = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0 && strcmp(argv[0], "status") == 0) {
		/* options may follow: status --json */
		for (k = 1; k < argc; k++) {
			if (strcmp(argv[k], "--json") == 0) {
				json = 1;
			} else {
				fputs(usage, stderr);
				return 2;
			}
		}
		if (cache_open(&cache, cfg->cache_path, &e) != 0) {
			fprintf(stderr, "ghlterm: mirror status: %s\n", e.msg);
			return 1;
		}
		status = status_cmd(cache, json);
		cache_close(cache);
		return status;
	}
	if ((all || queued) ? argc != 0 : argc == 0) {
		fputs(usage, stderr);
		return 2;
	}
	if (!dry) {
		rc = make_client(cfg, &http, &sm, &e);
		if (rc) {
			fprintf(stderr, "ghlterm: mirror: %s\n", e.msg);
			return rc == ERR_USAGE ? 2 : 1;
		}
	}
	if (!all && !queued && !nosync && !dry)
		for (k = 0; k < argc; k++)
			pull_first(cfg, argv[k]);
	rc = cache_open(&cache, cfg->cache_path, &e);
	if (rc)
		goto out;
	memset(&mo, 0, sizeof mo);
	mo.cache = cache;
	mo.sm = sm;
	mo.id_field = cfg->sm_id_field;
	mo.activity_type = cfg->sm_activity_type;
	mo.owner = cfg->sm_owner;
	mo.dry_run = dry;
	rc = mirror_open(&m, &mo, &e);
	if (rc)
		goto out;
	if (all) {
		struct cache_query q = { NULL, NULL };

		cl.ids = &ids;
		rc = cache_foreach_contact(cache, &q, NULL, collect_cb, &cl,
		    &e);
		if (rc == 0)
			rc = cache_mirror_contact_ids(cache_sqlite(cache), &ids,
			    &e);
		if (rc)
			goto out;
	} else if (queued) {
		rc = cache_mirror_queue(cache_sqlite(cache), &ids, &e);
		if (rc)
			goto out;
	} else {
		for (k = 0; k < argc; k++)
			strv_push(&ids, argv[k]);
	}
	for (i = 0; i < ids.n; i++) {
		/* --all lists mapped ids too: skip repeats. */
		size_t j;

		for (j = 0; j < i; j++)
			if (strcmp(ids.v[j], ids.v[i]) == 0)
				break;
		if (j < i)
			continue;
		rc = mirror_contact(m, ids.v[i], &e);
		if (rc == 0 && queued && !dry)
			(void)cache_mirror_dequeue(cache_sqlite(cache),
			    ids.v[i], NULL);
		if (rc && !mirror_fatal(rc)) {
			status = 1;
			if (rc == ERR_NOTFOUND || rc == ERR_CONFLICT ||
			    rc == ERR_NET || rc == ERR_HTTP || rc == ERR_PARSE)
				fprintf(stderr, "ghlterm: mirror: %s\n", e.msg);
			rc = 0;
			continue;
		}
		if (rc) {
			stopped = 1;
			break;
		}
	}
out:
	if (m != NULL)
		print_report(mirror_report(m), dry);
	if (rc) {
		fprintf(stderr, "ghlterm: mirror: %s%s\n", e.msg, stopped ?
		    " (run stopped; pending work is kept)" : "");
		status = rc == ERR_USAGE && !stopped ? 2 : 1;
	}
	if (m != NULL && (mirror_report(m)->contacts.failed ||
	    mirror_report(m)->tasks.failed || mirror_report(m)->notes.failed))
		status = status ? status : 1;
	mirror_close(m);
	cache_close(cache);
	strv_free(&ids);
	sm_client_free(sm);
	http_free(http);
	return status;
}

int
mirror_doctor(const struct conf *cfg, FILE *out)
{
	struct http *http = NULL;
	struct sm_client *sm = NULL;
	struct sm_result res;
	struct sm_user *u = NULL;
	struct err e;
	size_t n = 0, i;
	int rc, bad = 0, found = 0;
	const char *f = cfg->sm_id_field;
	char *end;
	long long want;

	err_clear(&e);
	if (cfg->sm_linkname == NULL || *cfg->sm_linkname == '\0') {
		fprintf(out, "skip  salesmate: not configured "
		    "(salesmate.linkname unset)\n");
		return 0;
	}
	if (!sm_linkname_valid(cfg->sm_linkname)) {
		fprintf(out, "FAIL  salesmate.linkname '%s' is not one DNS "
		    "label\n", cfg->sm_linkname);
		return 1;
	}
	rc = make_client(cfg, &http, &sm, &e);
	if (rc) {
		fprintf(out, "FAIL  salesmate: %s\n", e.msg);
		return 1;
	}
	fprintf(out, "ok    salesmate: %s, token present\n",
	    sm_client_base(sm));
	rc = sm_call(sm, "GET", "/apis/core/v4/users?status=active", NULL, 0,
	    &res, &e);
	if (rc) {
		fprintf(out, "FAIL  salesmate credentials: %s%s\n", e.msg,
		    rc == ERR_AUTH ? " (paste the Session Key of My Account "
		    "> Access Key; if it is refused, try the Access Key)" : "");
		bad = 1;
		goto out;
	}
	rc = codec_sm_users(res.data, &u, &n);
	sm_result_free(&res);
	if (rc) {
		fprintf(out, "FAIL  salesmate users: unexpected response\n");
		bad = 1;
		goto out;
	}
	fprintf(out, "ok    salesmate credentials accepted (%zu users)\n", n);
	if (cfg->sm_owner != NULL && *cfg->sm_owner != '\0') {
		want = strtoll(cfg->sm_owner, &end, 10);
		for (i = 0; i < n; i++)
			if (u[i].active && ((*end == '\0' && u[i].id == want) ||
			    (*end != '\0' && u[i].email &&
			    strcasecmp(u[i].email, cfg->sm_owner) == 0)))
				found = 1;
		if (found) {
			fprintf(out, "ok    salesmate.owner %s is an active "
			    "user\n", cfg->sm_owner);
		} else {
			fprintf(out, "FAIL  salesmate.owner %s is not an "
			    "active Salesmate user\n", cfg->sm_owner);
			bad = 1;
		}
	} else {
		for (i = 0; i < n; i++)
			if (u[i].active && u[i].current) {
				fprintf(out, "ok    owner: the key's user %lld "
				    "(%s)\n", u[i].id, u[i].name);
				found = 1;
			}
		if (!found) {
			fprintf(out, "FAIL  owner: no current user in the "
			    "users list; set salesmate.owner\n");
			bad = 1;
		}
	}
	if (f == NULL || *f == '\0') {
		fprintf(out, "warn  salesmate.id_field unset: contacts are "
		    "matched by email and phone only\n");
	} else if (strstr(f, "CustomField") == NULL ||
	    strspn(strstr(f, "CustomField") + 11, "0123456789") == 0 ||
	    strstr(f, "CustomField")[11 + strspn(strstr(f, "CustomField") + 11,
	    "0123456789")] != '\0') {
		fprintf(out, "FAIL  salesmate.id_field '%s' is not a custom "
		    "field API name (e.g. textCustomField1)\n", f);
		bad = 1;
	} else {
		fprintf(out, "ok    salesmate.id_field %s\n", f);
	}
out:
	sm_users_free(u, n);
	sm_client_free(sm);
	http_free(http);
	return bad;
}
