/*
 * tls_get.c: one GET through ghlterm's libcurl transport (http_curl.c, the
 * code every ghlterm request goes through), trusting only CA_FILE.  Used
 * by tests/security/002-tls.sh to check host name verification and that a
 * good certificate is accepted, which need a CA the system does not trust.
 */
#include "config.h"

#include <stdio.h>

#include <curl/curl.h>

#include "err.h"
#include "http.h"

/*
 * tls_get URL CA_FILE: prints "status N" and exits 0 when a response
 * arrived, else prints "error CODE no_retry=0|1: MESSAGE" and exits 1.
 */
int
main(int argc, char **argv)
{
	struct http_curl_opts o = { .connect_timeout_ms = 5000,
	    .timeout_ms = 10000 };
	struct http_req req = { .method = "GET" };
	struct http_resp resp;
	struct http *h;
	struct err e;
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: tls_get URL CA_FILE\n");
		return 2;
	}
	req.url = argv[1];
	o.ca_file = argv[2];
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "tls_get: curl_global_init failed\n");
		return 1;
	}
	h = http_curl_new(&o);
	http_resp_init(&resp);
	err_clear(&e);
	rc = http_request(h, &req, &resp, &e);
	if (rc == 0)
		printf("status %d\n", resp.status);
	else
		printf("error %s no_retry=%d: %s\n", err_name(rc),
		    e.no_retry, e.msg);
	http_resp_free(&resp);
	http_free(h);
	curl_global_cleanup();
	return rc == 0 ? 0 : 1;
}
