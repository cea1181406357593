/*
 * test_listen.c: the webhook receiver's core without the network
 * (listen_handle): merging partial payloads, deletes, background syncs
 * for what a payload cannot tell, auto-tag on notes, replay protection
 * (timestamp, webhookId) and content dedupe, size limit, signatures, the
 * contract's example payloads, and cache_data_version seen from a second
 * connection.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "cache.h"
#include "cache_live.h"
#include "codec.h"
#include "conf.h"
#include "err.h"
#include "listen.h"
#include "model.h"
#include "xmalloc.h"
#include "../tap.h"

#ifndef TOP_SRCDIR
#define TOP_SRCDIR "."
#endif

static struct listen *l;
static struct cache *rd;	/* a second connection, as the TUI has */
static long long now;
static char msg[600];
static struct strv jobs;

static void
on_job(void *arg, enum job_kind kind, const char *id)
{
	char *s = xasprintf("%s:%s", kind == JOB_SYNC_ONE ? "sync" :
	    kind == JOB_OUTBOX ? "outbox" : "other", id ? id : "-");

	(void)arg;
	strv_push(&jobs, s);
	free(s);
}

static int
post(const char *body)
{
	return listen_handle(l, body, strlen(body), NULL, NULL, now, msg,
	    sizeof msg);
}

/* A field of contact id as the cache has it (new string or NULL). */
static char *
cfield(const char *id, const char *key)
{
	struct contact ct;
	char *v;

	if (cache_get_contact(rd, id, &ct, NULL, NULL) != 0)
		return NULL;
	v = codec_get_string(ct.raw, key);
	contact_free(&ct);
	return v;
}

static int
jobs_has(const char *s)
{
	size_t i;

	for (i = 0; i < jobs.n; i++)
		if (strcmp(jobs.v[i], s) == 0)
			return 1;
	return 0;
}

static void
iso(long long ms, char *out, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + strlen(out), len - strlen(out), ".%03lldZ", ms % 1000);
}

static void
test_contacts(void)
{
	char *s;
	struct contact ct;
	struct err e;
	const char *seed = "{\"id\":\"C1\",\"locationId\":\"L\","
	    "\"firstName\":\"Maya\",\"lastName\":\"Okafor\",\"email\":"
	    "\"maya@example.com\",\"tags\":[\"lead\"],\"customThing\":42}";

	if (codec_contact(seed, strlen(seed), &ct, &e) != 0 ||
	    cache_put_contact(rd, &ct, 1000, &e) != 0)
		fatalx("seed: %s", e.msg);
	contact_free(&ct);

	is_int(post("{\"type\":\"ContactUpdate\",\"locationId\":\"L\","
	    "\"id\":\"C1\",\"firstName\":\"Ann\",\"tags\":[\"lead\",\"vip\"]}"),
	    200, "partial ContactUpdate applied");
	s = cfield("C1", "firstName");
	is_str(s, "Ann", "field present in the payload updated");
	free(s);
	s = cfield("C1", "email");
	is_str(s, "maya@example.com", "field absent from the payload kept");
	free(s);
	s = cfield("C1", "lastName");
	is_str(s, "Okafor", "lastName kept");
	free(s);
	{
		struct contact c2;

		cache_get_contact(rd, "C1", &c2, NULL, NULL);
		ok(strstr(c2.raw, "\"customThing\":42") != NULL,
		    "unknown field kept");
		ok(strv_contains_ci(&c2.tags, "vip"), "tags replaced");
		contact_free(&c2);
	}
	is_int(jobs.n, 0, "known contact: no background sync");

	is_int(post("{\"type\":\"ContactUpdate\",\"locationId\":\"L\","
	    "\"id\":\"C1\",\"firstName\":\"Ann\",\"tags\":[\"lead\",\"vip\"]}"),
	    200, "same event again answers 200");
	ok(strstr(msg, "duplicate") != NULL, "... as a duplicate");
	is_int(post("{\"type\":\"ContactUpdate\",\"locationId\":\"L\","
	    "\"id\":\"C1\",\"firstName\":\"Anna\"}"), 200,
	    "changed content applied");
	ok(strstr(msg, "applied") != NULL, "... applied, not deduped");
	is_int(post("{\"type\":\"ContactUpdate\",\"locationId\":\"L\","
	    "\"id\":\"C1\",\"firstName\":\"Ann\",\"tags\":[\"lead\",\"vip\"]}"),
	    200, "back to earlier content (A, B, A)");
	ok(strstr(msg, "applied") != NULL, "... applied: dedupe is against "
	    "the last content only");

	is_int(post("{\"type\":\"ContactCreate\",\"locationId\":\"L\","
	    "\"id\":\"C9\",\"firstName\":\"New\",\"email\":\"n@x.io\"}"), 200,
	    "ContactCreate for an unknown contact");
	s = cfield("C9", "email");
	is_str(s, "n@x.io", "new contact in the cache at once");
	free(s);
	ok(jobs_has("sync:C9"), "and its full pull is queued");
	is_int(post("{\"type\":\"ContactDelete\",\"locationId\":\"L\","
	    "\"id\":\"C9\"}"), 200, "ContactDelete");
	ok(cache_get_contact(rd, "C9", &ct, NULL, NULL) == ERR_NOTFOUND,
	    "deleted contact gone from the cache");
}

static void
test_tasks_notes(void)
{
	struct task t;
	struct note n;
	struct appt *v = NULL;
	size_t nv = 0;
	struct outbox_entry *ob = NULL;
	size_t nob = 0, i, adds = 0;
	struct err e;

	strv_free(&jobs);
	is_int(post("{\"type\":\"TaskCreate\",\"locationId\":\"L\",\"id\":"
	    "\"T9\",\"contactId\":\"C1\",\"title\":\"Call back\",\"dueDate\":"
	    "\"2030-01-01T10:00:00.000Z\"}"), 200, "TaskCreate");
	ok(cache_get_task(rd, "T9", &t, &e) == 0 && t.title != NULL &&
	    strcmp(t.title, "Call back") == 0, "task in the cache");
	task_free(&t);
	ok(jobs_has("sync:C1"), "no completed in the payload: contact pull "
	    "queued");
	strv_free(&jobs);
	is_int(post("{\"type\":\"TaskComplete\",\"locationId\":\"L\",\"id\":"
	    "\"T9\",\"contactId\":\"C1\",\"title\":\"Call back\"}"), 200,
	    "TaskComplete");
	ok(cache_get_task(rd, "T9", &t, &e) == 0 &&
	    t.completed == TRI_TRUE, "task completed");
	ok(t.due_date != NULL, "due date kept from the cached task");
	task_free(&t);
	is_int(jobs.n, 0, "completion known: no pull");
	is_int(post("{\"type\":\"TaskCreate\",\"locationId\":\"L\",\"id\":"
	    "\"T9\",\"title\":\"Call back today\"}"), 200,
	    "task event without contactId, task known");
	ok(cache_get_task(rd, "T9", &t, &e) == 0 && t.contact_id != NULL &&
	    strcmp(t.contact_id, "C1") == 0 && t.completed == TRI_TRUE,
	    "attached to the cached task's contact, completed kept");
	task_free(&t);
	is_int(post("{\"type\":\"TaskCreate\",\"locationId\":\"L\",\"id\":"
	    "\"T77\",\"title\":\"orphan\"}"), 400,
	    "task event without contactId, task unknown: 400");
	is_int(post("{\"type\":\"TaskDelete\",\"locationId\":\"L\",\"id\":"
	    "\"T9\",\"contactId\":\"C1\"}"), 200, "TaskDelete");
	is_int(cache_get_task(rd, "T9", &t, &e), ERR_NOTFOUND, "task gone");

	/* Notes: a partial update keeps fields the payload lacks. */
	memset(&n, 0, sizeof n);
	n.pinned = TRI_TRUE;
	n.id = (char *)"N1";
	n.contact_id = (char *)"C1";
	n.body = (char *)"first";
	n.user_id = (char *)"U1";
	n.title = (char *)"Call notes";
	if (cache_put_note(rd, &n, &e) != 0)
		fatalx("seed note: %s", e.msg);
	is_int(post("{\"type\":\"NoteUpdate\",\"locationId\":\"L\",\"id\":"
	    "\"N1\",\"contactId\":\"C1\",\"body\":\"second\"}"), 200,
	    "NoteUpdate");
	ok(cache_get_note(rd, "N1", &n, &e) == 0 && n.body != NULL &&
	    strcmp(n.body, "second") == 0 && n.user_id != NULL &&
	    strcmp(n.user_id, "U1") == 0 && n.pinned == TRI_TRUE,
	    "body updated; userId and pinned kept");
	note_free(&n);

	/* A matching note fires the auto-tag rule: one tags.add queued. */
	strv_free(&jobs);
	is_int(post("{\"type\":\"NoteCreate\",\"locationId\":\"L\",\"id\":"
	    "\"N2\",\"contactId\":\"C1\",\"body\":\"asks for a refund\"}"),
	    200, "NoteCreate");
	cache_outbox_list(rd, "C1", 0, &ob, &nob, &e);
	for (i = 0; i < nob; i++)
		if (strcmp(ob[i].op, "tags.add") == 0 &&
		    strstr(ob[i].payload, "billing") != NULL)
			adds++;
	outbox_entries_free(ob, nob);
	is_int(adds, 1, "auto-tag rule queued tags.add billing");
	ok(jobs_has("outbox:-"), "and asked for an outbox replay");
	is_int(post("{\"type\":\"NoteDelete\",\"locationId\":\"L\",\"id\":"
	    "\"N2\",\"contactId\":\"C1\"}"), 200, "NoteDelete");
	is_int(cache_get_note(rd, "N2", &n, &e), ERR_NOTFOUND, "note gone");

	is_int(post("{\"type\":\"AppointmentCreate\",\"locationId\":\"L\","
	    "\"appointment\":{\"id\":\"A1\",\"contactId\":\"C1\",\"title\":"
	    "\"Demo\",\"startTime\":\"2030-01-01T10:00:00+01:00\"}}"), 200,
	    "AppointmentCreate");
	is_int(post("{\"type\":\"AppointmentUpdate\",\"locationId\":\"L\","
	    "\"appointment\":{\"id\":\"A1\",\"contactId\":\"C1\","
	    "\"appointmentStatus\":\"cancelled\"}}"), 200,
	    "AppointmentUpdate");
	cache_get_appts(rd, "C1", &v, &nv, &e);
	ok(nv == 1 && v[0].title != NULL && strcmp(v[0].title, "Demo") == 0 &&
	    v[0].appointment_status != NULL &&
	    strcmp(v[0].appointment_status, "cancelled") == 0,
	    "appointment merged (title kept, status updated)");
	appts_free(v, nv);
	is_int(post("{\"type\":\"AppointmentDelete\",\"locationId\":\"L\","
	    "\"appointment\":{\"id\":\"A1\",\"contactId\":\"C1\"}}"), 200,
	    "AppointmentDelete");
	v = NULL;
	nv = 0;
	cache_get_appts(rd, "C1", &v, &nv, &e);
	is_int(nv, 0, "appointment gone");
	appts_free(v, nv);
}

static void
test_replay(void)
{
	char ts[40], *body;

	is_int(post("{\"type\":\"OpportunityCreate\",\"locationId\":\"L\","
	    "\"id\":\"O1\"}"), 200, "unknown type answered 200");
	ok(strstr(msg, "ignored") != NULL, "... and ignored");
	is_int(post("not json"), 400, "not JSON: 400");
	is_int(post("{\"locationId\":\"L\"}"), 400, "no type: 400");
	is_int(post("{\"type\":\"ContactUpdate\"}"), 400, "no id: 400");

	iso(now - 1000, ts, sizeof ts);
	body = xasprintf("{\"type\":\"ContactUpdate\",\"locationId\":\"L\","
	    "\"id\":\"C1\",\"lastName\":\"W1\",\"webhookId\":\"wh-1\","
	    "\"timestamp\":\"%s\"}", ts);
	is_int(post(body), 200, "fresh signed-style event applied");
	ok(strstr(msg, "applied") != NULL, "... applied");
	free(body);
	body = xasprintf("{\"type\":\"ContactUpdate\",\"locationId\":\"L\","
	    "\"id\":\"C1\",\"lastName\":\"W1-replayed\",\"webhookId\":"
	    "\"wh-1\",\"timestamp\":\"%s\"}", ts);
	is_int(post(body), 200, "same webhookId again answered 200");
	ok(strstr(msg, "duplicate") != NULL, "... as a duplicate");
	free(body);
	body = cfield("C1", "lastName");
	is_str(body, "W1", "the replayed event was not applied");
	free(body);

	iso(now - 6 * 60 * 1000, ts, sizeof ts);
	body = xasprintf("{\"type\":\"ContactUpdate\",\"locationId\":\"L\","
	    "\"id\":\"C1\",\"lastName\":\"old\",\"webhookId\":\"wh-2\","
	    "\"timestamp\":\"%s\"}", ts);
	is_int(post(body), 400, "timestamp 6 minutes old refused");
	ok(strstr(msg, "5 minutes") != NULL, "message says why");
	free(body);
	iso(now + 6 * 60 * 1000, ts, sizeof ts);
	body = xasprintf("{\"type\":\"ContactUpdate\",\"locationId\":\"L\","
	    "\"id\":\"C1\",\"lastName\":\"future\",\"webhookId\":\"wh-3\","
	    "\"timestamp\":\"%s\"}", ts);
	is_int(post(body), 400, "timestamp 6 minutes ahead refused");
	free(body);
	is_int(post("{\"type\":\"ContactUpdate\",\"locationId\":\"L\",\"id\":"
	    "\"C1\",\"timestamp\":\"yesterday\"}"), 400, "bad timestamp: 400");
	iso(now - 4 * 60 * 1000, ts, sizeof ts);
	ts[19] = '\0';	/* no fraction, then an offset */
	body = xasprintf("{\"type\":\"ContactUpdate\",\"locationId\":\"L\","
	    "\"id\":\"C1\",\"lastName\":\"offset\",\"timestamp\":"
	    "\"%s+00:00\"}", ts);
	is_int(post(body), 200, "4-minute-old timestamp with offset applied");
	free(body);
	body = cfield("C1", "lastName");
	is_str(body, "offset", "... and written");
	free(body);
}

static void
test_limits_and_signatures(const struct conf *cfg)
{
	struct listen_opts o;
	struct listen *ls;
	struct err e;
	char path[] = "/tmp/test_listen_key.XXXXXX", *big, *sig;
	const char *body = "{\"type\":\"ContactUpdate\",\"locationId\":\"L\","
	    "\"id\":\"C1\",\"firstName\":\"Signed\"}";
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char raw[128];
	size_t rl = sizeof raw;
	FILE *fp;
	int fd;

	memset(&o, 0, sizeof o);
	o.max_body = 1024;
	o.no_sync = 1;
	fd = mkstemp(path);
	fp = fdopen(fd, "w");
	PEM_write_PUBKEY(fp, k);
	fclose(fp);
	o.ed25519_key = path;
	is_int(listen_open(&ls, cfg, &o, &e), 0, "receiver with a key opens");
	big = xmalloc(2001);
	memset(big, ' ', 2000);
	big[2000] = '\0';
	is_int(listen_handle(ls, big, 2000, NULL, NULL, now, msg, sizeof msg),
	    413, "body over max_body: 413");
	free(big);
	is_int(listen_handle(ls, body, strlen(body), NULL, NULL, now, msg,
	    sizeof msg), 401, "unsigned event refused when a key is set");
	EVP_DigestSignInit(ctx, NULL, NULL, NULL, k);
	EVP_DigestSign(ctx, raw, &rl, (const unsigned char *)body,
	    strlen(body));
	EVP_MD_CTX_free(ctx);
	sig = xcalloc(1, rl * 2 + 4);
	EVP_EncodeBlock((unsigned char *)sig, raw, (int)rl);
	is_int(listen_handle(ls, body, strlen(body) - 1, NULL, sig, now, msg,
	    sizeof msg), 401, "signature over another body refused");
	is_int(listen_handle(ls, body, strlen(body), NULL, sig, now, msg,
	    sizeof msg), 200, "correctly signed event applied");
	ok(strstr(msg, "applied") != NULL, "... applied");
	{
		struct listen_stats st;

		listen_get_stats(ls, &st);
		is_int(st.rejected, 3, "three rejected deliveries counted");
		is_int(st.applied, 1, "one applied");
	}
	listen_close(ls);
	unlink(path);
	free(sig);
	EVP_PKEY_free(k);
	o.ed25519_key = "/nonexistent.pem";
	is_int(listen_open(&ls, cfg, &o, &e), ERR_IO, "missing key file: "
	    "the receiver does not start");
}

static void
test_examples(void)
{
	static const char *const names[] = { "ContactCreate", "ContactUpdate",
	    "ContactDndUpdate", "ContactTagUpdate", "TaskCreate",
	    "TaskComplete", "NoteCreate", "NoteUpdate", "AppointmentCreate",
	    "AppointmentUpdate", "AppointmentDelete", "NoteDelete",
	    "TaskDelete", "ContactDelete" };
	char path[512], *body;
	size_t i, n;
	FILE *fp;
	int okall = 1, st;

	for (i = 0; i < nitems(names); i++) {
		snprintf(path, sizeof path,
		    "%s/tests/data/api/webhooks/%s.json", TOP_SRCDIR, names[i]);
		fp = fopen(path, "r");
		if (fp == NULL) {
			okall = 0;
			printf("# cannot open %s\n", path);
			continue;
		}
		body = xcalloc(1, 65536);
		n = fread(body, 1, 65535, fp);
		fclose(fp);
		st = listen_handle(l, body, n, NULL, NULL, now, msg,
		    sizeof msg);
		if (st != 200 || strstr(msg, "applied") == NULL) {
			okall = 0;
			printf("# %s: %d %s\n", names[i], st, msg);
		}
		free(body);
	}
	ok(okall, "every example payload of the contract is applied");
	ok(cache_has_contact(rd, "Zp4mW8qR2tY6uI0oPa1S", &st) && st == 1,
	    "and ContactDelete marked the example contact deleted");
}

/* Write text to a new temp file; returns its path (new string). */
static char *
temp_file(const char *text)
{
	char *path = xstrdup("/tmp/test_listen_conf.XXXXXX");
	int fd = mkstemp(path);
	FILE *fp;

	if (fd < 0)
		fatalx("mkstemp");
	fp = fdopen(fd, "w");
	fputs(text, fp);
	fclose(fp);
	return path;
}

static void
test_config(void)
{
	struct listen_opts o;
	struct err e;
	char **strs = NULL, *p;
	size_t nstrs = 0, i;

	memset(&o, 0, sizeof o);
	o.listen_addr = "127.0.0.1:0";	/* a flag */
	p = temp_file("[api]\nbase_url = http://x\n[webhook]\n"
	    "listen = 0.0.0.0:9999\nrsa_public_key = /k/rsa.pem\n"
	    "ed25519_public_key = /k/ed.pem\nmax_body = 4096\n");
	is_int(listen_read_config(&o, p, &strs, &nstrs, &e), 0,
	    "[webhook] section read");
	is_str(o.listen_addr, "127.0.0.1:0", "a flag wins over the file");
	is_str(o.rsa_key, "/k/rsa.pem", "rsa_public_key");
	is_str(o.ed25519_key, "/k/ed.pem", "ed25519_public_key");
	is_int(o.max_body, 4096, "max_body");
	for (i = 0; i < nstrs; i++)
		free(strs[i]);
	free(strs);
	unlink(p);
	free(p);

	strs = NULL;
	nstrs = 0;
	memset(&o, 0, sizeof o);
	p = temp_file("[webhook]\nlisten = 127.0.0.1:1\nbogus = 1\n");
	is_int(listen_read_config(&o, p, &strs, &nstrs, &e), ERR_USAGE,
	    "unknown key refused");
	ok(strstr(e.msg, ":3: unknown key 'bogus' in [webhook]") != NULL,
	    "message has FILE:LINE (%s)", e.msg);
	for (i = 0; i < nstrs; i++)
		free(strs[i]);
	free(strs);
	unlink(p);
	free(p);

	strs = NULL;
	nstrs = 0;
	memset(&o, 0, sizeof o);
	p = temp_file("[webhook]\nmax_body = 12\n");
	is_int(listen_read_config(&o, p, &strs, &nstrs, &e), ERR_USAGE,
	    "max_body out of range refused");
	free(strs);
	unlink(p);
	free(p);
	is_int(listen_read_config(&o, "/nonexistent/config", &strs, &nstrs,
	    &e), ERR_IO, "missing config file is ERR_IO");
	is_int(listen_read_config(&o, NULL, &strs, &nstrs, &e), 0,
	    "no config file: nothing to read");
}

int
main(void)
{
	char dir[] = "/tmp/test_listen.XXXXXX";
	struct listen_opts o;
	struct conf cfg;
	struct err e;
	long v1 = 0, v2 = 0;

	if (mkdtemp(dir) == NULL)
		fatalx("mkdtemp");
	now = (long long)time(NULL) * 1000;
	conf_defaults(&cfg);
	cfg.cache_path = xasprintf("%s/cache.db", dir);
	if (conf_parse_text(&cfg, "rules", "[autotag]\ncontact = refund => "
	    "billing\n", &e) != 0)
		fatalx("rules: %s", e.msg);
	memset(&o, 0, sizeof o);
	is_int(listen_open(&l, &cfg, &o, &e), 0, "receiver opens its cache");
	listen_set_jobs(l, on_job, NULL);
	if (cache_open(&rd, cfg.cache_path, &e) != 0)
		fatalx("reader: %s", e.msg);

	is_int(cache_data_version(rd, &v1), 0, "data_version readable");
	test_contacts();
	cache_data_version(rd, &v2);
	ok(v2 != v1, "data_version moved after the receiver wrote (%ld -> "
	    "%ld)", v1, v2);
	v1 = v2;
	cache_data_version(rd, &v2);
	is_int(v2, v1, "and stays put while nobody writes");
	test_tasks_notes();
	test_replay();
	test_examples();
	test_limits_and_signatures(&cfg);
	test_config();

	listen_close(l);
	cache_close(rd);
	strv_free(&jobs);
	conf_free(&cfg);
	{
		char *p;

		p = xasprintf("%s/cache.db", dir); unlink(p); free(p);
		p = xasprintf("%s/cache.db-wal", dir); unlink(p); free(p);
		p = xasprintf("%s/cache.db-shm", dir); unlink(p); free(p);
		rmdir(dir);
	}
	return tap_done();
}
