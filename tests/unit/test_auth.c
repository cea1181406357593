/* test_auth.c: token sources, file permissions, OAuth refresh and write-back. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth.h"
#include "buf.h"
#include "http.h"
#include "http_fake.h"
#include "xmalloc.h"
#include "../tap.h"

static char dir[] = "/tmp/ghl-test-auth.XXXXXX";

static char *
write_file(const char *name, const char *text, mode_t mode)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
	chmod(path, mode);
	return path;
}

static char *
slurp(const char *path)
{
	struct buf b;
	char chunk[1024];
	size_t n;
	FILE *f = fopen(path, "r");

	buf_init(&b, 0);
	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	return buf_take(&b);
}

static int
files_in_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' || strncmp(de->d_name, ".ghl", 4) == 0)
			n++;
	closedir(d);
	return n;
}

int
main(void)
{
	struct auth *a;
	struct err e;
	struct http *h;
	struct http_fake *fake;
	struct stat st, st2;
	char *path, *hdr, *text, *jwt, *ini, *want;
	unsigned gen, gen2;

	if (mkdtemp(dir) == NULL)
		return 99;

	/* Fixed token. */
	is_int(auth_new_token(&a, "  pit-123  \n", &e), 0, "GHL_TOKEN accepted");
	hdr = auth_header(a, &gen);
	is_str(hdr, "Authorization: Bearer pit-123", "header built, blanks trimmed");
	free(hdr);
	ok(!auth_can_refresh(a), "a fixed token cannot be refreshed");
	ok(!auth_expiring(a, 0), "a fixed token never expires here");
	auth_free(a);
	is_int(auth_new_token(&a, "  ", &e), ERR_AUTH, "empty token refused");
	is_int(auth_new_token(&a, "a b", &e), ERR_AUTH, "token with blank refused");

	/* Bare token file. */
	path = write_file("pit", "pit-abcdef\n", 0600);
	is_int(auth_load_file(&a, path, &e), 0, "bare token file (0600) read");
	hdr = auth_header(a, NULL);
	is_str(hdr, "Authorization: Bearer pit-abcdef", "bare token used");
	free(hdr);
	ok(!auth_can_refresh(a), "a private integration token is not refreshable");
	auth_free(a);
	chmod(path, 0644);
	is_int(auth_load_file(&a, path, &e), ERR_AUTH, "0644 refused");
	want = xasprintf("token file %s is readable by others (mode 0644); "
	    "run: chmod 600 %s", path, path);
	is_str(e.msg, want, "permission message names the fix");
	free(want);
	chmod(path, 0640);
	is_int(auth_load_file(&a, path, &e), ERR_AUTH, "0640 refused");
	chmod(path, 0604);
	is_int(auth_load_file(&a, path, &e), ERR_AUTH, "0604 refused");
	chmod(path, 0400);
	is_int(auth_load_file(&a, path, &e), 0, "0400 accepted");
	auth_free(a);
	free(path);
	path = xasprintf("%s/missing", dir);
	is_int(auth_load_file(&a, path, &e), ERR_IO, "missing file is ERR_IO");
	free(path);
	path = write_file("empty", "\n\n", 0600);
	is_int(auth_load_file(&a, path, &e), ERR_AUTH, "empty file refused");
	free(path);
	path = write_file("noaccess", "refresh_token = r\n", 0600);
	is_int(auth_load_file(&a, path, &e), ERR_AUTH, "INI without access_token");
	ok(strstr(e.msg, "no access_token") != NULL, "message says so");
	free(path);

	/* OAuth INI with a long (JWT-sized) token: longer than inih's line. */
	jwt = xmalloc(1601);
	for (int i = 0; i < 1600; i++)
		jwt[i] = "abcdefghijklmnopqrstuvwxyz0123456789._-"[i % 39];
	jwt[1600] = '\0';
	ini = xasprintf("# comment\naccess_token = %s\nrefresh_token=rt-1\n"
	    "client_id = cid\nclient_secret = c s+/&\nexpires_at = 1000\n"
	    "location_id = k3VwQ9pLmT2xR7bNc4Ha\n", jwt);
	path = write_file("oauth", ini, 0600);
	is_int(auth_load_file(&a, path, &e), 0, "OAuth INI file read");
	hdr = auth_header(a, &gen);
	want = xasprintf("Authorization: Bearer %s", jwt);
	is_str(hdr, want, "1600-byte access token read whole");
	free(want);
	free(hdr);
	ok(auth_can_refresh(a), "refreshable");
	is_int(auth_expires_at(a), 1000, "expires_at read");
	ok(!auth_expiring(a, 900), "not expiring 100 s ahead");
	ok(auth_expiring(a, 971), "expiring within 30 s");
	ok(auth_expiring(a, 2000), "expired");

	/* Refresh: request shape, new pair written back atomically. */
	h = http_fake_new(&fake);
	http_fake_push(fake, 200, "Content-Type: application/json\r\n",
	    "{\"access_token\":\"at-2\",\"token_type\":\"Bearer\","
	    "\"expires_in\":86399,\"refresh_token\":\"rt-2\","
	    "\"scope\":\"contacts.readonly contacts.write\"}");
	stat(path, &st);
	is_int(auth_refresh(a, h, "http://127.0.0.1:9/", gen, 5000, &e), 0,
	    "refresh succeeds");
	is_int(http_fake_count(fake), 1, "one request");
	is_str(http_fake_seen(fake, 0)->method, "POST", "POST");
	is_str(http_fake_seen(fake, 0)->url, "http://127.0.0.1:9/oauth/token",
	    "to base/oauth/token");
	is_str(http_fake_header(fake, 0, "Content-Type"),
	    "application/x-www-form-urlencoded", "form-encoded");
	ok(http_fake_header(fake, 0, "Authorization") == NULL,
	    "no bearer on the refresh call");
	is_str(http_fake_seen(fake, 0)->body,
	    "client_id=cid&client_secret=c%20s%2B%2F%26&grant_type=refresh_token"
	    "&refresh_token=rt-1&user_type=Location", "form fields (CONTRACT §1.3)");
	hdr = auth_header(a, &gen2);
	is_str(hdr, "Authorization: Bearer at-2", "new token in use");
	free(hdr);
	ok(gen2 == gen + 1, "generation bumped");
	is_int(auth_expires_at(a), 5000 + 86399, "expires_at = now + expires_in");
	text = slurp(path);
	ok(text != NULL && strstr(text, "access_token = at-2\n") != NULL &&
	    strstr(text, "refresh_token = rt-2\n") != NULL &&
	    strstr(text, "client_id = cid\n") != NULL &&
	    strstr(text, "client_secret = c s+/&\n") != NULL &&
	    strstr(text, "expires_at = 91399\n") != NULL &&
	    strstr(text, "location_id = k3VwQ9pLmT2xR7bNc4Ha\n") != NULL &&
	    strstr(text, jwt) == NULL, "file holds the new pair and the rest");
	free(text);
	stat(path, &st2);
	is_int(st2.st_mode & 07777, 0600, "written back with mode 0600");
	ok(st.st_ino != st2.st_ino, "replaced by rename (new inode)");
	is_int(files_in_dir(), 4, "no temporary file left behind");
	auth_free(a);
	is_int(auth_load_file(&a, path, &e), 0, "rewritten file reads back");
	hdr = auth_header(a, &gen);
	is_str(hdr, "Authorization: Bearer at-2", "and gives the new token");
	free(hdr);

	/* Another process (a second auth on the same file) refreshes first. */
	{
		struct auth *b;
		unsigned bgen;

		is_int(auth_load_file(&b, path, &e), 0, "second reader of the file");
		http_fake_reset(fake);
		http_fake_push(fake, 200, NULL, "{\"access_token\":\"at-9\","
		    "\"refresh_token\":\"rt-9\",\"expires_in\":100}");
		free(auth_header(a, &gen));
		is_int(auth_refresh(a, h, "http://x", gen, 0, &e), 0,
		    "first process refreshes");
		free(auth_header(b, &bgen));
		is_int(auth_refresh(b, h, "http://x", bgen, 0, &e), 0,
		    "second process refresh");
		is_int(http_fake_count(fake), 1,
		    "takes the pair from the file instead of a request");
		hdr = auth_header(b, NULL);
		is_str(hdr, "Authorization: Bearer at-9", "and uses it");
		free(hdr);
		auth_free(b);
		free(auth_header(a, &gen));
	}

	/* A stale generation means someone else refreshed: no request. */
	http_fake_reset(fake);
	is_int(auth_refresh(a, h, "http://x", gen + 7, 0, &e), 0,
	    "stale generation: nothing to do");
	is_int(http_fake_count(fake), 0, "and no request");

	/* Refused refresh. */
	http_fake_push(fake, 401, NULL, "{\"statusCode\":401,"
	    "\"message\":\"Invalid refresh token\",\"error\":\"Unauthorized\"}");
	is_int(auth_refresh(a, h, "http://x", gen, 0, &e), ERR_AUTH,
	    "refused refresh is ERR_AUTH");
	is_str(e.msg, "POST /oauth/token: 401 Unauthorized: Invalid refresh token",
	    "one-line message with the server's reason");
	ok(strstr(e.msg, "rt-2") == NULL, "no token in the message");
	http_fake_push(fake, 503, NULL, "oops");
	is_int(auth_refresh(a, h, "http://x", gen, 0, &e), ERR_HTTP,
	    "5xx refresh is ERR_HTTP");
	http_fake_push(fake, 200, NULL, "{\"token_type\":\"Bearer\"}");
	is_int(auth_refresh(a, h, "http://x", gen, 0, &e), ERR_PARSE,
	    "reply without access_token is ERR_PARSE");
	http_fake_push_error(fake, ERR_NET, "Connection refused");
	is_int(auth_refresh(a, h, "http://x", gen, 0, &e), ERR_NET,
	    "transport error passed on");
	hdr = auth_header(a, NULL);
	is_str(hdr, "Authorization: Bearer at-9", "failed refreshes keep the token");
	free(hdr);

	/* Write-back failure: the token file's directory is gone. */
	{
		char *sub = xasprintf("%s/gone", dir), *tp;
		struct auth *g;

		mkdir(sub, 0700);
		tp = xasprintf("%s/token", sub);
		free(write_file("gone/token", "access_token = at-x\n"
		    "refresh_token = r\nclient_id = c\nclient_secret = s\n",
		    0600));
		is_int(auth_load_file(&g, tp, &e), 0, "token file in a subdirectory");
		unlink(tp);
		rmdir(sub);
		http_fake_push(fake, 200, NULL, "{\"access_token\":\"at-3\","
		    "\"expires_in\":10}");
		is_int(auth_refresh(g, h, "http://x", 0, 0, &e), ERR_IO,
		    "unwritable token file is ERR_IO");
		ok(strstr(e.msg, "cannot create a temporary file") != NULL,
		    "message: %s", e.msg);
		hdr = auth_header(g, NULL);
		is_str(hdr, "Authorization: Bearer at-3",
		    "the new token is still used in memory");
		free(hdr);
		auth_free(g);
		free(tp);
		free(sub);
	}
	auth_free(a);
	http_free(h);
	unlink(path);
	free(path);
	free(ini);
	free(jwt);
	path = xasprintf("%s/pit", dir);
	unlink(path);
	free(path);
	path = xasprintf("%s/empty", dir);
	unlink(path);
	free(path);
	path = xasprintf("%s/noaccess", dir);
	unlink(path);
	free(path);
	rmdir(dir);
	return tap_done();
}
