/*
 * test_mirror.c: the mirror end to end against the Salesmate sandbox (in
 * process) and a cache file: mapping of each object, matching by each key,
 * zero calls when nothing changed, tags added in Salesmate survive, a
 * process killed between a create and its record makes no duplicate,
 * auth / validation / 429 paths, --dry-run, and the call counts of a
 * 100-contact mirror.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cache.h"
#include "cache_mirror.h"
#include "codec.h"
#include "err.h"
#include "http.h"
#include "mirror.h"
#include "mtest.h"
#include "salesmate.h"
#include "sms.h"
#include "tap.h"
#include "xmalloc.h"

#define MAYA "Zp4mW8qR2tY6uI0oPa1S"

struct env {
	struct sms	*sb;
	const char	*url;
	struct cache	*c;
	struct http	*h;
	struct sm_client *sm;
	char		 dir[64];
	char		*cache_path;
	char		*conf_path;
	struct err	 e;
	struct mirror_report rep;	/* counts of the last run */
	long		 calls;		/* client calls of the last run */
};

static void
env_client(struct env *v, const char *token)
{
	struct sm_opts so;
	struct http_curl_opts ho;

	sm_client_free(v->sm);
	http_free(v->h);
	memset(&ho, 0, sizeof ho);
	v->h = http_curl_new(&ho);
	memset(&so, 0, sizeof so);
	so.base_url = v->url;
	so.linkname = "acme";
	so.token = token;
	so.http = v->h;
	so.per_hour = 100000000;
	so.burst = 100000;
	so.max_wait_ms = 2000;
	if (sm_client_new(&v->sm, &so, &v->e) != 0)
		fatalx("client: %s", v->e.msg);
}

static void
env_open(struct env *v, const struct sms_opts *so)
{
	struct sms_opts dflt;
	const char *why = "";
	FILE *fp;

	memset(v, 0, sizeof *v);
	memset(&dflt, 0, sizeof dflt);
	v->sb = sms_start(so ? so : &dflt, &why);
	if (v->sb == NULL)
		fatalx("sandbox: %s", why);
	v->url = sms_url(v->sb);
	snprintf(v->dir, sizeof v->dir, "/tmp/ghl-mirror-XXXXXX");
	if (mkdtemp(v->dir) == NULL)
		fatalx("mkdtemp: %s", strerror(errno));
	v->cache_path = xasprintf("%s/cache.db", v->dir);
	if (cache_open(&v->c, v->cache_path, &v->e) != 0)
		fatalx("cache: %s", v->e.msg);
	v->conf_path = xasprintf("%s/config", v->dir);
	fp = fopen(v->conf_path, "w");
	if (fp == NULL)
		fatalx("config: %s", strerror(errno));
	fprintf(fp, "[salesmate]\nbase_url = %s\nlinkname = acme\n"
	    "id_field = textCustomField1\n", v->url);
	fclose(fp);
	env_client(v, "test-key");
}

static void
env_close(struct env *v)
{
	char *cmd;

	cache_close(v->c);
	sm_client_free(v->sm);
	http_free(v->h);
	sms_stop(v->sb);
	cmd = xasprintf("%s-wal", v->cache_path);
	unlink(cmd);
	free(cmd);
	cmd = xasprintf("%s-shm", v->cache_path);
	unlink(cmd);
	free(cmd);
	unlink(v->cache_path);
	unlink(v->conf_path);
	rmdir(v->dir);
	free(v->cache_path);
	free(v->conf_path);
}

/* Mirror ids (NULL-terminated) in one run; returns the first error. */
static int
run_opts(struct env *v, const char *const *ids, const struct mirror_opts *o)
{
	struct mirror *m;
	struct mirror_opts mo;
	const struct mirror_report *r;
	int rc, first = 0;
	size_t i;

	if (o != NULL)
		mo = *o;
	else
		memset(&mo, 0, sizeof mo);
	mo.cache = v->c;
	mo.sm = v->sm;
	if (mo.id_field == NULL)
		mo.id_field = "textCustomField1";
	err_clear(&v->e);
	rc = mirror_open(&m, &mo, &v->e);
	if (rc)
		return rc;
	for (i = 0; ids[i] != NULL; i++) {
		struct err e;

		rc = mirror_contact(m, ids[i], &e);
		if (rc && first == 0) {
			first = rc;
			v->e = e;
		}
		if (rc && mirror_fatal(rc))
			break;
	}
	r = mirror_report(m);
	v->rep.contacts = r->contacts;
	v->rep.tasks = r->tasks;
	v->rep.notes = r->notes;
	v->rep.companies = r->companies;
	v->calls = r->calls;
	strv_free(&v->rep.plan);
	strv_copy(&v->rep.plan, &r->plan);
	strv_free(&v->rep.duplicates);
	strv_copy(&v->rep.duplicates, &r->duplicates);
	mirror_close(m);
	return first;
}

static int
run1(struct env *v, const char *id)
{
	const char *ids[2] = { id, NULL };

	return run_opts(v, ids, NULL);
}

static const char *
sget(cJSON *o, const char *k)
{
	cJSON *x = cJSON_GetObjectItem(o, k);

	return cJSON_IsString(x) ? x->valuestring : NULL;
}

static long long
nget(cJSON *o, const char *k)
{
	cJSON *x = cJSON_GetObjectItem(o, k);

	if (cJSON_IsObject(x))
		x = cJSON_GetObjectItem(x, "id");
	return cJSON_IsNumber(x) ? (long long)x->valuedouble : -1;
}

static char *
map_state(struct env *v, enum cm_kind k, const char *id)
{
	struct cm_item it;
	char *s;

	if (cache_mirror_get(cache_sqlite(v->c), k, id, &it, NULL) != 0)
		return xstrdup("(none)");
	s = xstrdup(it.state);
	cm_item_free(&it);
	return s;
}

/* ---- scenarios ---- */

static void
test_example(void)
{
	struct env v;
	cJSON *st, *c, *a, *n;
	char *note_req, *s, cid[32];
	long before;
	int rc;

	env_open(&v, NULL);
	mt_seed_example(v.c);
	rc = run1(&v, MAYA);
	is_int(rc, 0, "example: first mirror succeeds");
	if (rc)
		printf("# %s\n", v.e.msg);
	is_int(v.rep.contacts.created, 1, "example: contact created");
	is_int(v.rep.tasks.created, 2, "example: two activities created");
	is_int(v.rep.notes.created, 2, "example: two notes created");
	is_int(v.rep.companies.created, 1, "example: company created");
	printf("# first mirror of the example contact: %ld calls\n", v.calls);

	st = mt_state(v.url);
	is_int(mt_count(st, "contacts", "textCustomField1", MAYA, &c), 1,
	    "contact carries the GHL id in the custom field");
	is_str(sget(c, "firstName"), "Maya", "firstName mapped");
	is_str(sget(c, "lastName"), "Okafor", "lastName mapped");
	is_str(sget(c, "email"), "maya.okafor@brightlane.io", "email mapped");
	is_str(sget(c, "mobile"), "+13125550148", "phone -> mobile");
	is_str(sget(c, "phone"), "", "phone field left alone");
	is_str(sget(c, "tags"), "warehouse,demo-requested,q3-2025",
	    "tags joined with commas");
	is_str(sget(c, "website"), "https://brightlane.io", "website mapped");
	is_str(sget(c, "billingAddressLine1"), "410 W Huron St",
	    "address1 -> billingAddressLine1");
	is_str(sget(c, "billingCity"), "Chicago", "city -> billingCity");
	is_str(sget(c, "billingZipCode"), "60654", "postalCode -> zip");
	is_str(sget(cJSON_GetObjectItem(c, "company"), "name"),
	    "Brightlane Logistics", "companyName -> company");
	is_int(nget(c, "owner"), 3, "owner = the key's current user");
	snprintf(cid, sizeof cid, "%lld", nget(c, "id"));

	is_int(mt_count(st, "activities", "primaryContact", cid, NULL), 2,
	    "activities linked to the contact");
	a = NULL;
	{
		cJSON *it;

		cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "activities"))
			if (strstr(sget(it, "description"),
			    "[ghl:task:Tk2LmN8bV5cX1zQ7wE4r]") != NULL)
				a = it;
	}
	ok(a != NULL, "task marker ends the description");
	is_str(a ? sget(a, "title") : NULL, "Send revised warehouse quote",
	    "task title -> activity title");
	is_str(a ? sget(a, "description") : NULL,
	    "Include the 25-seat Growth tier and the Q4 onboarding discount."
	    "\n\n[ghl:task:Tk2LmN8bV5cX1zQ7wE4r]", "body + blank line + marker");
	is_int(a ? nget(a, "dueDate") : 0, 1759762800000LL,
	    "dueDate in epoch ms");
	ok(a && cJSON_IsFalse(cJSON_GetObjectItem(a, "isCompleted")),
	    "open task -> isCompleted false");
	is_str(a ? sget(a, "type") : NULL, "Task", "activity type Task");

	is_int(mt_count(st, "notes", "objectId", cid, NULL), 2,
	    "notes on the contact");
	note_req = mt_fixture("tests/data/salesmate/requests/create_note.json");
	{
		cJSON *req = cJSON_Parse(note_req), *it;

		n = NULL;
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "notes"))
			if (strstr(sget(it, "note"), "Nt5GhJ1kL7zX3cV9bN2m"))
				n = it;
		is_str(n ? sget(n, "note") : NULL, sget(req, "note"),
		    "note HTML as the contract's example");
		is_int(n ? nget(n, "isPinned") : -1, 1, "pinned note pinned");
		cJSON_Delete(req);
	}
	free(note_req);
	cJSON_Delete(st);

	/* Second run: nothing changed, nothing sent. */
	before = mt_calls(v.url);
	rc = run1(&v, MAYA);
	is_int(rc, 0, "second mirror succeeds");
	is_int(mt_calls(v.url) - before, 0,
	    "second mirror makes zero Salesmate calls");
	is_int(v.rep.contacts.unchanged, 1, "contact unchanged");
	is_int(v.rep.tasks.unchanged + v.rep.notes.unchanged, 4,
	    "tasks and notes unchanged");

	/* A Salesmate user adds "vip"; GHL drops demo-requested, adds
	 * pilot and completes a task. */
	{
		int hs;
		char *body = xasprintf("{\"lastName\":\"Okafor\",\"owner\":3,"
		    "\"tags\":\"warehouse,demo-requested,q3-2025,vip\"}");
		char *path = xasprintf("/apis/contact/v4/%s", cid);
		cJSON *r = mt_http(v.url, "PUT", path, body, "test-key", &hs);
		struct contact ct;
		char *raw, *p;

		is_int(hs, 200, "hand edit in Salesmate accepted");
		cJSON_Delete(r);
		free(body);
		free(path);
		raw = mt_fixture("tests/data/api/get_contact.json");
		p = strstr(raw, "\"demo-requested\"");
		memcpy(p, "\"pilot\"         ", 16);
		if (codec_contact_response(raw, strlen(raw), &ct, NULL) != 0)
			fatalx("decode");
		cache_put_contact(v.c, &ct, 1, NULL);
		contact_free(&ct);
		free(raw);
		mt_seed_task(v.c, MAYA, "Tk2LmN8bV5cX1zQ7wE4r",
		    "Send revised warehouse quote", "Include the 25-seat "
		    "Growth tier and the Q4 onboarding discount.",
		    "2025-10-06T15:00:00.000Z", 1);
	}
	before = mt_calls(v.url);
	{
		long g = mt_route(v.url, "GET contact");
		long pc = mt_route(v.url, "PUT contact");
		long pa = mt_route(v.url, "PUT activity");

		rc = run1(&v, MAYA);
		is_int(rc, 0, "mirror after changes succeeds");
		is_int(mt_route(v.url, "GET contact") - g, 1,
		    "changed contact: one GET (current tags)");
		is_int(mt_route(v.url, "PUT contact") - pc, 1,
		    "changed contact: one PUT");
		is_int(mt_route(v.url, "PUT activity") - pa, 1,
		    "only the changed task is updated");
		is_int(mt_calls(v.url) - before, 4,
		    "4 calls: users, GET+PUT contact, PUT activity");
	}
	st = mt_state(v.url);
	mt_count(st, "contacts", "textCustomField1", MAYA, &c);
	is_str(sget(c, "tags"), "warehouse,q3-2025,vip,pilot",
	    "tag added in Salesmate survives, removed GHL tag goes");
	{
		cJSON *it;

		a = NULL;
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(st, "activities"))
			if (strstr(sget(it, "description"), "Tk2LmN8b"))
				a = it;
		ok(a && cJSON_IsTrue(cJSON_GetObjectItem(a, "isCompleted")),
		    "completed in GHL -> isCompleted true");
		ok(a && sget(a, "completedAt") != NULL, "completedAt set");
	}
	cJSON_Delete(st);

	/* A task deleted in GHL is deleted in Salesmate. */
	cache_delete_task(v.c, "Tk9PoI3uY7tR2eW6qA1s", NULL);
	rc = run1(&v, MAYA);
	is_int(rc, 0, "mirror after a GHL delete succeeds");
	st = mt_state(v.url);
	is_int(mt_count(st, "activities", "primaryContact", cid, NULL), 1,
	    "deleted GHL task -> activity deleted");
	cJSON_Delete(st);
	s = map_state(&v, CM_TASK, "Tk9PoI3uY7tR2eW6qA1s");
	is_str(s, "(none)", "its map row is dropped");
	free(s);

	/* Deleted by hand in Salesmate: found missing, matched again and
	 * re-created; its note follows, its activity is re-linked. */
	{
		struct mirror_opts o;
		const char *ids[] = { MAYA, NULL };
		char *path = xasprintf("/apis/contact/v4/%s", cid);
		int hs;
		cJSON *r = mt_http(v.url, "DELETE", path, NULL, "test-key", &hs);

		cJSON_Delete(r);
		free(path);
		memset(&o, 0, sizeof o);
		o.verify_ms = -1;	/* always check existence */
		rc = run_opts(&v, ids, &o);
		is_int(rc, 0, "mirror after a Salesmate-side delete succeeds");
		is_int(v.rep.contacts.created, 1, "contact re-created");
		st = mt_state(v.url);
		is_int(mt_count(st, "contacts", "textCustomField1", MAYA, &c),
		    1, "one contact again");
		snprintf(cid, sizeof cid, "%lld", nget(c, "id"));
		is_int(mt_count(st, "notes", "objectId", cid, NULL), 2,
		    "notes re-created on the new contact");
		is_int(mt_count(st, "activities", "primaryContact", cid, NULL),
		    1, "activity re-linked to the new contact");
		cJSON_Delete(st);
	}

	/* Deleted in GHL: its activities and notes go, the contact stays. */
	cache_contact_mark_deleted(v.c, MAYA, NULL);
	rc = run1(&v, MAYA);
	is_int(rc, 0, "mirror of a contact deleted in GHL succeeds");
	is_int(v.rep.contacts.deleted, 1, "counted as deleted");
	st = mt_state(v.url);
	is_int(mt_count(st, "contacts", "textCustomField1", MAYA, NULL), 1,
	    "GHL delete: Salesmate contact kept (delete_contacts off)");
	is_int(mt_count(st, "activities", "primaryContact", cid, NULL), 0,
	    "GHL delete: its activities deleted");
	is_int(mt_count(st, "notes", "objectId", cid, NULL), 0,
	    "GHL delete: its notes deleted");
	cJSON_Delete(st);
	s = map_state(&v, CM_CONTACT, MAYA);
	is_str(s, "ghl_deleted", "GHL delete: map row marked ghl_deleted");
	free(s);
	strv_free(&v.rep.plan);
	strv_free(&v.rep.duplicates);
	env_close(&v);
}

static long long
seed_sm(struct env *v, const char *json)
{
	int st;
	cJSON *r = mt_http(v->url, "POST", "/_sandbox/contacts", json, NULL,
	    &st);
	long long id = nget(cJSON_GetObjectItem(r, "Data"), "id");

	cJSON_Delete(r);
	return id;
}

static void
test_matching(void)
{
	struct env v;
	cJSON *st, *c;
	long long byid, mail, mob, phone, other, dup1;
	const char *ids[] = { "GHLBYID0000000000001", "GHLMAIL0000000000001",
	    "GHLMOB00000000000001", "GHLPHONE000000000001",
	    "GHLOTHER000000000001", "GHLDUP00000000000001", NULL };
	int rc;

	env_open(&v, NULL);
	byid = seed_sm(&v, "{\"lastName\":\"Byid\",\"email\":\"old@x.io\","
	    "\"textCustomField1\":\"GHLBYID0000000000001\"}");
	mail = seed_sm(&v, "{\"lastName\":\"Mail\",\"email\":"
	    "\"Mail.Match@Example.com\"}");
	mob = seed_sm(&v, "{\"lastName\":\"Mob\",\"mobile\":"
	    "\"+1 (312) 555-0199\"}");
	phone = seed_sm(&v, "{\"lastName\":\"Ph\",\"phone\":"
	    "\"+1 312 555 0177\"}");
	other = seed_sm(&v, "{\"lastName\":\"Other\",\"email\":"
	    "\"shared@example.com\",\"textCustomField1\":\"SOMEONEELSE\"}");
	dup1 = seed_sm(&v, "{\"lastName\":\"Dup1\",\"email\":"
	    "\"dup@example.com\"}");
	(void)seed_sm(&v, "{\"lastName\":\"Dup2\",\"email\":"
	    "\"dup@example.com\"}");
	mt_seed_contact(v.c, ids[0], "By", "Id", "new@x.io", NULL, NULL, NULL);
	mt_seed_contact(v.c, ids[1], "Mai", "L", "mail.match@example.com",
	    NULL, NULL, NULL);
	mt_seed_contact(v.c, ids[2], "Mo", "B", NULL, "+13125550199", NULL,
	    NULL);
	mt_seed_contact(v.c, ids[3], "Ph", "One", NULL, "+13125550177", NULL,
	    NULL);
	mt_seed_contact(v.c, ids[4], "Sh", "Ared", "shared@example.com", NULL,
	    NULL, NULL);
	mt_seed_contact(v.c, ids[5], "Du", "P", "dup@example.com", NULL, NULL,
	    NULL);
	rc = run_opts(&v, ids, NULL);
	is_int(rc, 0, "matching run succeeds");
	if (rc)
		printf("# %s\n", v.e.msg);
	is_int(v.rep.contacts.created, 1, "only the conflicting one created");
	is_int(v.rep.contacts.adopted, 5, "five matched");
	st = mt_state(v.url);
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(st, "contacts")), 8,
	    "no duplicate contacts made");
	mt_count(st, "contacts", "textCustomField1", ids[0], &c);
	is_int(nget(c, "id"), byid, "matched by stored GHL id");
	is_str(sget(c, "email"), "new@x.io", "and updated from GHL");
	mt_count(st, "contacts", "textCustomField1", ids[1], &c);
	is_int(nget(c, "id"), mail, "matched by email (case-insensitive)");
	mt_count(st, "contacts", "textCustomField1", ids[2], &c);
	is_int(nget(c, "id"), mob, "matched by mobile digits");
	mt_count(st, "contacts", "textCustomField1", ids[3], &c);
	is_int(nget(c, "id"), phone, "matched by phone digits");
	mt_count(st, "contacts", "textCustomField1", ids[4], &c);
	ok(c != NULL && nget(c, "id") != other,
	    "candidate holding another GHL id rejected");
	mt_count(st, "contacts", "textCustomField1", ids[5], &c);
	is_int(nget(c, "id"), dup1, "several candidates: lowest id wins");
	is_int(v.rep.duplicates.n, 1, "possible duplicate reported");
	ok(v.rep.duplicates.n && strstr(v.rep.duplicates.v[0], "duplicates")
	    != NULL, "duplicate line names the others");
	cJSON_Delete(st);
	strv_free(&v.rep.plan);
	strv_free(&v.rep.duplicates);
	env_close(&v);
}

/* Run mirror-tool mirror --no-sync ID in a child with a crash point. */
static int
child_mirror(struct env *v, const char *crash_at, const char *id)
{
	char *tool = xasprintf("%s/tests/mirror/mirror-tool", TOP_BUILDDIR);
	pid_t pid;
	int status = 0;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		setenv("GHLTERM_CONFIG", v->conf_path, 1);
		setenv("GHLTERM_CACHE", v->cache_path, 1);
		setenv("SALESMATE_TOKEN", "test-key", 1);
		setenv("GHLTERM_SM_RATE_PER_HOUR", "100000000", 1);
		setenv("GHLTERM_SM_BURST", "100000", 1);
		setenv("XDG_STATE_HOME", v->dir, 1);
		setenv("HOME", v->dir, 1);
		if (crash_at != NULL)
			setenv("GHLTERM_CRASH_AT", crash_at, 1);
		if (freopen("/dev/null", "w", stdout) == NULL)
			_exit(127);
		execl(tool, tool, "mirror", "--no-sync", id, (char *)NULL);
		_exit(127);
	}
	free(tool);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

static void
test_crash(void)
{
	struct env v;
	cJSON *st, *c;
	char *s, cid[32];
	int status, rc;

	env_open(&v, NULL);
	mt_seed_contact(v.c, "CRASH000000000000001", "Cra", "Sh",
	    "crash@example.com", "+15550001111", NULL, "a,b");
	mt_seed_task(v.c, "CRASH000000000000001", "CRTASK00000000000001",
	    "Call back", "about the crash", NULL, 0);
	mt_seed_note(v.c, "CRASH000000000000001", "CRNOTE00000000000001",
	    NULL, "a note", 0);
	status = child_mirror(&v, "mirror.after_send",
	    "CRASH000000000000001");
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "crash: killed right after sending the contact create");
	st = mt_state(v.url);
	is_int(mt_count(st, "contacts", "email", "crash@example.com", NULL),
	    1, "crash: the create reached Salesmate");
	cJSON_Delete(st);
	s = map_state(&v, CM_CONTACT, "CRASH000000000000001");
	is_str(s, "pending", "crash: the map row says pending");
	free(s);
	rc = run1(&v, "CRASH000000000000001");
	is_int(rc, 0, "crash: next run succeeds");
	is_int(v.rep.contacts.adopted, 1, "crash: recovery lookup adopted it");
	is_int(v.rep.contacts.created, 0, "crash: create not re-sent");
	st = mt_state(v.url);
	is_int(mt_count(st, "contacts", "email", "crash@example.com", &c), 1,
	    "crash: no duplicate contact");
	snprintf(cid, sizeof cid, "%lld", nget(c, "id"));
	is_int(mt_count(st, "activities", "primaryContact", cid, NULL), 1,
	    "crash: its task mirrored once");
	is_int(mt_count(st, "notes", "objectId", cid, NULL), 1,
	    "crash: its note mirrored once");
	cJSON_Delete(st);
	s = map_state(&v, CM_CONTACT, "CRASH000000000000001");
	is_str(s, "ok", "crash: the map row is ok");
	free(s);

	/* Killed after the activity create (the 2nd create). */
	mt_seed_contact(v.c, "CRASH000000000000002", "Cra", "Two",
	    "crash2@example.com", NULL, NULL, NULL);
	mt_seed_task(v.c, "CRASH000000000000002", "CRTASK00000000000002",
	    "First", NULL, "2026-01-02T03:04:05Z", 0);
	mt_seed_task(v.c, "CRASH000000000000002", "CRTASK00000000000003",
	    "Second", NULL, NULL, 1);
	mt_seed_note(v.c, "CRASH000000000000002", "CRNOTE00000000000002",
	    "T", "n", 1);
	status = child_mirror(&v, "mirror.after_send:2",
	    "CRASH000000000000002");
	ok(WIFSIGNALED(status), "crash: killed after the activity create");
	rc = run1(&v, "CRASH000000000000002");
	is_int(rc, 0, "crash: run after the activity crash succeeds");
	is_int(v.rep.tasks.adopted, 1, "crash: activity found by its marker");
	st = mt_state(v.url);
	mt_count(st, "contacts", "email", "crash2@example.com", &c);
	snprintf(cid, sizeof cid, "%lld", c ? nget(c, "id") : 0);
	is_int(mt_count(st, "activities", "primaryContact", cid, NULL), 2,
	    "crash: two tasks, two activities (no duplicate)");
	is_int(mt_count(st, "notes", "objectId", cid, NULL), 1,
	    "crash: note mirrored once");
	cJSON_Delete(st);

	/* Killed after an activity create, and the activity search by
	 * primaryContact is refused: recovered by title (§8.12). */
	mt_seed_contact(v.c, "CRASH000000000000004", "Cra", "Four",
	    "crash4@example.com", NULL, NULL, NULL);
	mt_seed_task(v.c, "CRASH000000000000004", "CRTASK00000000000004",
	    "Title fallback", "b", NULL, 0);
	status = child_mirror(&v, "mirror.after_send:2",
	    "CRASH000000000000004");
	ok(WIFSIGNALED(status), "crash: killed after the activity create (2)");
	{
		int hs;
		cJSON *r = mt_http(v.url, "POST", "/_sandbox/fault",
		    "{\"method\":\"POST\",\"path\":\"/apis/activity/v4/search\","
		    "\"status\":400,\"name\":\"ValidationError\",\"message\":"
		    "\"Invalid filter field\"}", NULL, &hs);

		cJSON_Delete(r);
	}
	rc = run1(&v, "CRASH000000000000004");
	is_int(rc, 0, "crash: recovery with the title fallback succeeds");
	is_int(v.rep.tasks.adopted, 1, "crash: activity found by title");
	st = mt_state(v.url);
	is_int(mt_count(st, "activities", "title", "Title fallback", NULL), 1,
	    "crash: no duplicate activity");
	cJSON_Delete(st);

	/* Killed after the note create. */
	mt_seed_contact(v.c, "CRASH000000000000003", "Cra", "Three",
	    "crash3@example.com", NULL, NULL, NULL);
	mt_seed_note(v.c, "CRASH000000000000003", "CRNOTE00000000000003",
	    NULL, "only a note", 0);
	status = child_mirror(&v, "mirror.after_send:2",
	    "CRASH000000000000003");
	ok(WIFSIGNALED(status), "crash: killed after the note create");
	rc = run1(&v, "CRASH000000000000003");
	is_int(rc, 0, "crash: run after the note crash succeeds");
	is_int(v.rep.notes.adopted, 1, "crash: note found by its marker");
	st = mt_state(v.url);
	mt_count(st, "contacts", "email", "crash3@example.com", &c);
	snprintf(cid, sizeof cid, "%lld", c ? nget(c, "id") : 0);
	is_int(mt_count(st, "notes", "objectId", cid, NULL), 1,
	    "crash: no duplicate note");
	cJSON_Delete(st);
	strv_free(&v.rep.plan);
	strv_free(&v.rep.duplicates);
	env_close(&v);
}

static void
test_failures(void)
{
	struct env v;
	struct sms_opts so;
	cJSON *st, *r;
	char *s;
	int rc, hs;
	long w0;

	/* Auth failure: stop, nothing pending, nothing written. */
	env_open(&v, NULL);
	mt_seed_example(v.c);
	env_client(&v, "wrong-key");
	rc = run1(&v, MAYA);
	is_int(rc, ERR_AUTH, "auth: bad token is ERR_AUTH");
	ok(strstr(v.e.msg, "Salesmate rejected the access token") != NULL,
	    "auth: clear message");
	ok(strstr(v.e.msg, "wrong-key") == NULL, "auth: token not echoed");
	ok(mirror_fatal(rc), "auth: the run stops");
	s = map_state(&v, CM_CONTACT, MAYA);
	is_str(s, "(none)", "auth: no map row left behind");
	free(s);

	/* Validation error on create: failed with the server's message,
	 * retried by the next run. */
	env_client(&v, "test-key");
	r = mt_http(v.url, "POST", "/_sandbox/fault", "{\"method\":\"POST\","
	    "\"path\":\"/apis/contact/v4\",\"status\":400,\"name\":"
	    "\"ValidationError\",\"message\":\"Owner is required\"}", NULL,
	    &hs);
	cJSON_Delete(r);
	rc = run1(&v, MAYA);
	is_int(rc, ERR_INVALID, "validation: ERR_INVALID");
	ok(strstr(v.e.msg, "Owner is required") != NULL &&
	    strstr(v.e.msg, MAYA) != NULL,
	    "validation: message names the contact and the server's words");
	ok(!mirror_fatal(rc), "validation: the run goes on");
	s = map_state(&v, CM_CONTACT, MAYA);
	ok(strncmp(s, "failed:", 7) == 0 && strstr(s, "Owner is required"),
	    "validation: kept as failed with the message");
	free(s);
	st = mt_state(v.url);
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(st, "contacts")), 0,
	    "validation: nothing created");
	cJSON_Delete(st);
	rc = run1(&v, MAYA);
	is_int(rc, 0, "validation: retried by the next run");
	s = map_state(&v, CM_CONTACT, MAYA);
	is_str(s, "ok", "validation: now ok");
	free(s);

	/* 429 on a create: outcome unknown, stays pending, recovered. */
	mt_seed_contact(v.c, "RATE0000000000000001", "Ra", "Te",
	    "rate@example.com", NULL, NULL, NULL);
	r = mt_http(v.url, "POST", "/_sandbox/fault", "{\"method\":\"POST\","
	    "\"path\":\"/apis/contact/v4\",\"status\":429}", NULL, &hs);
	cJSON_Delete(r);
	rc = run1(&v, "RATE0000000000000001");
	is_int(rc, ERR_RATELIMIT, "429 on create: ERR_RATELIMIT");
	ok(strstr(v.e.msg, "rate limit") != NULL, "429: clear message");
	s = map_state(&v, CM_CONTACT, "RATE0000000000000001");
	is_str(s, "pending", "429 on create: kept pending (not re-sent)");
	free(s);
	rc = run1(&v, "RATE0000000000000001");
	is_int(rc, 0, "429: next run recovers");
	st = mt_state(v.url);
	is_int(mt_count(st, "contacts", "email", "rate@example.com", NULL), 1,
	    "429: exactly one contact");
	cJSON_Delete(st);

	/* The connection drops after Salesmate applied a create: the
	 * client cannot know; the next run adopts instead of re-sending. */
	mt_seed_contact(v.c, "DROP0000000000000001", "Dr", "Op",
	    "drop@example.com", NULL, NULL, NULL);
	mt_seed_task(v.c, "DROP0000000000000001", "DROPTASK000000000001",
	    "after the drop", NULL, NULL, 0);
	r = mt_http(v.url, "POST", "/_sandbox/fault", "{\"method\":\"POST\","
	    "\"path\":\"/apis/activity/v4\",\"drop_after\":true}", NULL, &hs);
	cJSON_Delete(r);
	rc = run1(&v, "DROP0000000000000001");
	is_int(rc, ERR_NET, "dropped create: transport error");
	s = map_state(&v, CM_TASK, "DROPTASK000000000001");
	is_str(s, "pending", "dropped create: kept pending");
	free(s);
	rc = run1(&v, "DROP0000000000000001");
	is_int(rc, 0, "dropped create: next run succeeds");
	is_int(v.rep.tasks.adopted, 1, "dropped create: adopted by marker");
	st = mt_state(v.url);
	is_int(mt_count(st, "activities", "title", "after the drop", NULL), 1,
	    "dropped create: exactly one activity");
	cJSON_Delete(st);

	/* Dry run: plans, sends nothing, records nothing. */
	mt_seed_contact(v.c, "DRY00000000000000001", "Dr", "Y",
	    "dry@example.com", NULL, "Dry Co", NULL);
	mt_seed_task(v.c, "DRY00000000000000001", "DRYTASK0000000000001",
	    "t", NULL, NULL, 0);
	w0 = mt_calls(v.url);
	{
		struct mirror_opts o;
		const char *ids[] = { "DRY00000000000000001", NULL };
		size_t i;
		int saw = 0;

		memset(&o, 0, sizeof o);
		o.dry_run = 1;
		rc = run_opts(&v, ids, &o);
		is_int(rc, 0, "dry-run succeeds");
		for (i = 0; i < v.rep.plan.n; i++)
			if (strncmp(v.rep.plan.v[i], "POST /apis/contact/v4 ",
			    22) == 0)
				saw = 1;
		ok(saw, "dry-run plans the contact create");
		ok(v.rep.plan.n >= 5, "dry-run lists the calls");
	}
	is_int(mt_calls(v.url) - w0, 0, "dry-run sends nothing");
	s = map_state(&v, CM_CONTACT, "DRY00000000000000001");
	is_str(s, "(none)", "dry-run writes no map row");
	free(s);
	strv_free(&v.rep.plan);
	strv_free(&v.rep.duplicates);
	env_close(&v);

	/* Hourly budget spent: stop with a clear message. */
	memset(&so, 0, sizeof so);
	so.rate_per_hour = 3;
	env_open(&v, &so);
	mt_seed_example(v.c);
	rc = run1(&v, MAYA);
	is_int(rc, ERR_RATELIMIT, "budget: ERR_RATELIMIT");
	ok(strstr(v.e.msg, "API call limit exceeded") != NULL &&
	    strstr(v.e.msg, "retry after") != NULL,
	    "budget: server message and wait");
	r = mt_http(v.url, "POST", "/_sandbox/reset_rate", "{}", NULL, &hs);
	cJSON_Delete(r);
	strv_free(&v.rep.plan);
	strv_free(&v.rep.duplicates);
	env_close(&v);

	/* No owner can be chosen: clear configuration error. */
	{
		static const struct sms_user u[] = {
			{ 3, "P", "R", "p@x.io", 1, 0 },
		};

		memset(&so, 0, sizeof so);
		so.users = u;
		so.nusers = 1;
		so.auth_live403 = 1;
		env_open(&v, &so);
		mt_seed_example(v.c);
		rc = run1(&v, MAYA);
		is_int(rc, ERR_USAGE, "owner: no current user is ERR_USAGE");
		ok(strstr(v.e.msg, "salesmate.owner") != NULL,
		    "owner: message says what to set");
		s = map_state(&v, CM_CONTACT, MAYA);
		ok(strcmp(s, "(none)") == 0, "owner: nothing pending");
		free(s);
		/* live403 auth shape */
		env_client(&v, "nope");
		rc = run1(&v, MAYA);
		is_int(rc, ERR_AUTH, "auth (live 403 shape) is ERR_AUTH");
		strv_free(&v.rep.plan);
		strv_free(&v.rep.duplicates);
		env_close(&v);
	}
}

static void
test_hundred(void)
{
	struct env v;
	const char **ids;
	char id[32], email[64], phone[32], co[32], tid[32], nid[32];
	long first, second;
	cJSON *st;
	int i, rc;

	env_open(&v, NULL);
	ids = xcalloc(101, sizeof *ids);
	cache_begin(v.c, NULL);
	for (i = 0; i < 100; i++) {
		snprintf(id, sizeof id, "HUND%016d", i);
		snprintf(email, sizeof email, "person%d@example.com", i);
		snprintf(phone, sizeof phone, "+1555%07d", i);
		snprintf(co, sizeof co, "Company %d", i % 10);
		mt_seed_contact(v.c, id, "Person", "Number", email, phone, co,
		    "lead,imported");
		snprintf(tid, sizeof tid, "HT%018d", i);
		mt_seed_task(v.c, id, tid, "Follow up", "call them",
		    "2026-02-01T10:00:00Z", i % 2);
		snprintf(nid, sizeof nid, "HN%018d", i);
		mt_seed_note(v.c, id, nid, NULL, "met at the fair", 0);
		ids[i] = xstrdup(id);
	}
	cache_commit(v.c, NULL);
	rc = run_opts(&v, ids, NULL);
	is_int(rc, 0, "100 contacts: first mirror succeeds");
	first = v.calls;
	rc = run_opts(&v, ids, NULL);
	is_int(rc, 0, "100 contacts: second mirror succeeds");
	second = v.calls;
	printf("# 100 contacts (1 task, 1 note each, 10 companies): first "
	    "mirror %ld calls, second mirror %ld calls\n", first, second);
	is_int(second, 0, "100 contacts: second mirror makes no call");
	st = mt_state(v.url);
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(st, "contacts")), 100,
	    "100 contacts in Salesmate");
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(st, "activities")), 100,
	    "100 activities");
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(st, "notes")), 100,
	    "100 notes");
	is_int(cJSON_GetArraySize(cJSON_GetObjectItem(st, "companies")), 10,
	    "10 companies (found, not re-created)");
	ok(first <= 100 * 7 + 21, "first mirror within 7 calls per contact");
	cJSON_Delete(st);
	for (i = 0; i < 100; i++)
		free((char *)ids[i]);
	free(ids);
	strv_free(&v.rep.plan);
	strv_free(&v.rep.duplicates);
	env_close(&v);
}

/* The command through mirror-tool: --dry-run, status --json, usage. */
static void
test_cli(void)
{
	struct env v;
	char *tool, *cmd, line[4096];
	FILE *p;
	int saw = 0, rc;
	size_t len = 0;
	char out[16384];

	env_open(&v, NULL);
	mt_seed_example(v.c);
	tool = xasprintf("%s/tests/mirror/mirror-tool", TOP_BUILDDIR);
	setenv("GHLTERM_CONFIG", v.conf_path, 1);
	setenv("GHLTERM_CACHE", v.cache_path, 1);
	setenv("SALESMATE_TOKEN", "test-key", 1);
	setenv("GHLTERM_SM_RATE_PER_HOUR", "100000000", 1);
	setenv("GHLTERM_SM_BURST", "100000", 1);
	setenv("XDG_STATE_HOME", v.dir, 1);
	cmd = xasprintf("%s mirror --dry-run " MAYA " 2>&1", tool);
	p = popen(cmd, "r");
	free(cmd);
	while (p && fgets(line, sizeof line, p) != NULL)
		if (strncmp(line, "would send: POST /apis/contact/v4 ", 34) == 0)
			saw = 1;
	rc = p ? pclose(p) : -1;
	ok(saw, "cli: --dry-run prints the planned create");
	is_int(WEXITSTATUS(rc), 0, "cli: --dry-run exits 0");
	is_int(mt_calls(v.url), 0, "cli: --dry-run sent nothing");

	cmd = xasprintf("%s mirror --no-sync " MAYA " 2>&1", tool);
	p = popen(cmd, "r");
	free(cmd);
	while (p && fgets(line, sizeof line, p) != NULL)
		;
	rc = p ? pclose(p) : -1;
	is_int(WEXITSTATUS(rc), 0, "cli: mirror CONTACT_ID exits 0");

	cmd = xasprintf("%s mirror --all 2>&1", tool);
	p = popen(cmd, "r");
	free(cmd);
	saw = 0;
	while (p && fgets(line, sizeof line, p) != NULL)
		if (strstr(line, "contacts: 0 created, 0 updated, 1 unchanged"))
			saw = 1;
	rc = p ? pclose(p) : -1;
	ok(saw && WEXITSTATUS(rc) == 0, "cli: mirror --all: nothing changed");

	cmd = xasprintf("%s mirror status --json", tool);
	p = popen(cmd, "r");
	free(cmd);
	out[0] = '\0';
	while (p && fgets(line, sizeof line, p) != NULL && len + strlen(line) <
	    sizeof out) {
		memcpy(out + len, line, strlen(line) + 1);
		len += strlen(line);
	}
	rc = p ? pclose(p) : -1;
	is_int(WEXITSTATUS(rc), 0, "cli: status --json exits 0");
	{
		cJSON *j = cJSON_Parse(out);

		ok(j != NULL, "cli: status --json is JSON");
		is_int(nget(cJSON_GetObjectItem(j, "contacts"), "ok"), 1,
		    "cli: status counts the mirrored contact");
		is_int(nget(cJSON_GetObjectItem(j, "tasks"), "ok"), 2,
		    "cli: status counts the tasks");
		cJSON_Delete(j);
	}
	cmd = xasprintf("%s mirror 2>/dev/null", tool);
	p = popen(cmd, "r");
	free(cmd);
	rc = p ? pclose(p) : -1;
	is_int(WEXITSTATUS(rc), 2, "cli: no contact is a usage error");

	cmd = xasprintf("%s doctor", tool);
	p = popen(cmd, "r");
	free(cmd);
	saw = 0;
	while (p && fgets(line, sizeof line, p) != NULL)
		if (strstr(line, "ok    salesmate credentials accepted"))
			saw = 1;
	rc = p ? pclose(p) : -1;
	ok(saw && WEXITSTATUS(rc) == 0, "cli: doctor checks pass");
	setenv("SALESMATE_TOKEN", "bad", 1);
	cmd = xasprintf("%s doctor", tool);
	p = popen(cmd, "r");
	free(cmd);
	saw = 0;
	while (p && fgets(line, sizeof line, p) != NULL)
		if (strstr(line, "FAIL  salesmate credentials"))
			saw = 1;
	rc = p ? pclose(p) : -1;
	ok(saw && WEXITSTATUS(rc) == 1, "cli: doctor reports a bad token");
	unsetenv("SALESMATE_TOKEN");
	free(tool);
	env_close(&v);
}

/* One mirror at a time (§9.4 rule 6); a dead holder is taken over. */
static void
test_lock(void)
{
	struct env v;
	struct mirror_opts o;
	struct mirror *a, *b;
	int rc;

	env_open(&v, NULL);
	memset(&o, 0, sizeof o);
	o.cache = v.c;
	o.sm = v.sm;
	o.pid = (long)getppid();	/* a live process that is not us */
	rc = mirror_open(&a, &o, &v.e);
	is_int(rc, 0, "lock: first run takes the lock");
	o.pid = (long)getpid();
	rc = mirror_open(&b, &o, &v.e);
	is_int(rc, ERR_CONFLICT, "lock: second run refused");
	ok(strstr(v.e.msg, "mirror already running") != NULL,
	    "lock: says mirror already running");
	mirror_close(a);
	rc = mirror_open(&b, &o, &v.e);
	is_int(rc, 0, "lock: free again after the first run");
	mirror_close(b);
	env_close(&v);
}

int
main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	signal(SIGPIPE, SIG_IGN);
	test_example();
	test_matching();
	test_crash();
	test_failures();
	test_hundred();
	test_cli();
	test_lock();
	curl_global_cleanup();
	return tap_done();
}
