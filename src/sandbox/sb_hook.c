/*
 * sb_hook.c: a bounded queue of webhook bodies and one thread that POSTs
 * them in order with libcurl (one reused easy handle, 5 s timeout).
 */
#include "config.h"
#include "sb_hook.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "xmalloc.h"

#define QMAX 1024

#define STOP_GRACE_MS 2000	/* delivery time left at shutdown */

struct sb_hook {
	pthread_t	 thr;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	char		*url;
	char		*q[QMAX];
	size_t		 head, len;
	int		 stop;
	long long	 stop_deadline;	/* monotonic ms */
	struct sb_hook_stats st;
};

static size_t
discard(char *p, size_t sz, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return sz * n;
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *
run(void *arg)
{
	struct sb_hook *h = arg;
	struct curl_slist *hdr = NULL;
	CURL *cu;
	char *body;
	long code, timeout;
	CURLcode rc;

	cu = curl_easy_init();
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	hdr = curl_slist_append(hdr, "User-Agent: ghlterm-sandbox");
	for (;;) {
		pthread_mutex_lock(&h->mu);
		while (h->len == 0 && !h->stop)
			pthread_cond_wait(&h->cv, &h->mu);
		if (h->len == 0) {
			pthread_mutex_unlock(&h->mu);
			break;
		}
		timeout = 5000;
		if (h->stop) {
			/* Shutting down: deliver within the grace period. */
			timeout = (long)(h->stop_deadline - mono_ms());
			if (timeout <= 0) {
				pthread_mutex_unlock(&h->mu);
				break;
			}
		}
		body = h->q[h->head];
		h->head = (h->head + 1) % QMAX;
		h->len--;
		pthread_mutex_unlock(&h->mu);
		rc = CURLE_FAILED_INIT;
		code = 0;
		if (cu != NULL) {
			curl_easy_setopt(cu, CURLOPT_URL, h->url);
			curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hdr);
			curl_easy_setopt(cu, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
			curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, timeout);
			curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, discard);
			rc = curl_easy_perform(cu);
			curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &code);
		}
		free(body);
		pthread_mutex_lock(&h->mu);
		if (rc == CURLE_OK && code >= 200 && code < 300)
			h->st.delivered++;
		else
			h->st.failed++;
		pthread_mutex_unlock(&h->mu);
	}
	curl_slist_free_all(hdr);
	if (cu != NULL)
		curl_easy_cleanup(cu);
	return NULL;
}

struct sb_hook *
sb_hook_start(const char *url, const char **why)
{
	struct sb_hook *h;

	h = xcalloc(1, sizeof(*h));
	h->url = xstrdup(url);
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	if (pthread_create(&h->thr, NULL, run, h) != 0) {
		*why = "cannot start the webhook thread";
		pthread_mutex_destroy(&h->mu);
		pthread_cond_destroy(&h->cv);
		free(h->url);
		free(h);
		return NULL;
	}
	return h;
}

void
sb_hook_post(struct sb_hook *h, char *json)
{
	if (h == NULL) {
		free(json);
		return;
	}
	pthread_mutex_lock(&h->mu);
	if (h->len == QMAX) {
		free(h->q[h->head]);
		h->head = (h->head + 1) % QMAX;
		h->len--;
		h->st.dropped++;
	}
	h->q[(h->head + h->len) % QMAX] = json;
	h->len++;
	h->st.queued++;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

void
sb_hook_stats(struct sb_hook *h, struct sb_hook_stats *out)
{
	if (h == NULL) {
		memset(out, 0, sizeof(*out));
		return;
	}
	pthread_mutex_lock(&h->mu);
	*out = h->st;
	pthread_mutex_unlock(&h->mu);
}

void
sb_hook_stop(struct sb_hook *h)
{
	if (h == NULL)
		return;
	pthread_mutex_lock(&h->mu);
	h->stop = 1;
	h->stop_deadline = mono_ms() + STOP_GRACE_MS;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thr, NULL);
	while (h->len > 0) {
		free(h->q[h->head]);
		h->head = (h->head + 1) % QMAX;
		h->len--;
	}
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	free(h->url);
	free(h);
}
