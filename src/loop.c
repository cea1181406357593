/*
 * loop.c: the poll() loop.  Watchers live in an array parallel to the
 * pollfd array handed to poll(); timers in a doubly linked list sorted by
 * deadline (then by arming order).  Removal during dispatch marks a slot
 * dead and the array is compacted after the pass.
 */
#include "config.h"
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

#include "xmalloc.h"

struct watcher {
	int		 fd;		/* -1 when removed during dispatch */
	short		 events;
	loop_fd_fn	 fn;
	void		*arg;
};

struct loop {
	struct watcher		*w;
	struct pollfd		*pfd;
	size_t			 n, cap;
	int			 dispatching;
	int			 dead;		/* slots removed while dispatching */
	struct loop_timer	*timers;	/* sorted */
	unsigned long		 seq;
};

long long
loop_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct loop *
loop_new(void)
{
	return xcalloc(1, sizeof(struct loop));
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	while (l->timers != NULL)
		loop_timer_disarm(l, l->timers);
	free(l->w);
	free(l->pfd);
	free(l);
}

static size_t
find_fd(const struct loop *l, int fd)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->w[i].fd == fd)
			return i;
	return (size_t)-1;
}

void
loop_watch(struct loop *l, int fd, short events, loop_fd_fn fn, void *arg)
{
	size_t i;

	if (fd < 0)
		fatalx("loop_watch: bad fd %d", fd);
	i = find_fd(l, fd);
	if (i == (size_t)-1) {
		if (l->n == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 8;
			l->w = xreallocarray(l->w, l->cap, sizeof *l->w);
			l->pfd = xreallocarray(l->pfd, l->cap, sizeof *l->pfd);
		}
		i = l->n++;
		/* not polled in the current pass: revents stay 0 */
		l->pfd[i].fd = -1;
		l->pfd[i].events = 0;
		l->pfd[i].revents = 0;
	}
	l->w[i].fd = fd;
	l->w[i].events = events;
	l->w[i].fn = fn;
	l->w[i].arg = arg;
}

static void
compact(struct loop *l)
{
	size_t i, j;

	for (i = j = 0; i < l->n; i++) {
		if (l->w[i].fd < 0)
			continue;
		if (i != j) {
			l->w[j] = l->w[i];
			l->pfd[j] = l->pfd[i];
		}
		j++;
	}
	l->n = j;
	l->dead = 0;
}

void
loop_unwatch(struct loop *l, int fd)
{
	size_t i;

	i = find_fd(l, fd);
	if (i == (size_t)-1)
		return;
	l->w[i].fd = -1;
	l->pfd[i].revents = 0;
	if (l->dispatching)
		l->dead = 1;
	else
		compact(l);
}

void
loop_timer_init(struct loop_timer *t, loop_timer_fn fn, void *arg)
{
	t->next = t->prev = NULL;
	t->when_ms = 0;
	t->seq = 0;
	t->armed = 0;
	t->fn = fn;
	t->arg = arg;
}

void
loop_timer_disarm(struct loop *l, struct loop_timer *t)
{
	if (!t->armed)
		return;
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		l->timers = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	t->next = t->prev = NULL;
	t->armed = 0;
}

void
loop_timer_arm(struct loop *l, struct loop_timer *t, long ms)
{
	struct loop_timer *p, *last;

	loop_timer_disarm(l, t);
	if (ms < 0)
		ms = 0;
	t->when_ms = loop_now_ms() + ms;
	t->seq = ++l->seq;
	t->armed = 1;
	last = NULL;
	for (p = l->timers; p != NULL; p = p->next) {
		if (p->when_ms > t->when_ms)
			break;
		last = p;
	}
	t->prev = last;
	t->next = p;
	if (last != NULL)
		last->next = t;
	else
		l->timers = t;
	if (p != NULL)
		p->prev = t;
}

int
loop_timer_armed(const struct loop_timer *t)
{
	return t->armed;
}

long
loop_timer_remaining(const struct loop_timer *t)
{
	long long d;

	if (!t->armed)
		return -1;
	d = t->when_ms - loop_now_ms();
	return d < 0 ? 0 : (long)d;
}

long
loop_next_timeout(const struct loop *l)
{
	if (l->timers == NULL)
		return -1;
	return loop_timer_remaining(l->timers);
}

static int
run_timers(struct loop *l)
{
	unsigned long limit = l->seq;
	long long now = loop_now_ms();
	struct loop_timer *t;
	int ran = 0;

	/*
	 * Fire due timers armed before this pass began.  The list is sorted
	 * by deadline, so stop at the first one not yet due; skip (but keep
	 * looking past) ones re-armed during the pass.
	 */
	for (;;) {
		for (t = l->timers; t != NULL; t = t->next) {
			if (t->when_ms > now)
				return ran;
			if (t->seq <= limit)
				break;
		}
		if (t == NULL)
			return ran;
		loop_timer_disarm(l, t);
		t->fn(t->arg);
		ran++;
	}
}

int
loop_once(struct loop *l, long max_wait_ms)
{
	long timeout;
	size_t i, n;
	int rc, ran = 0;

	timeout = loop_next_timeout(l);
	if (max_wait_ms >= 0 && (timeout < 0 || max_wait_ms < timeout))
		timeout = max_wait_ms;
	n = l->n;
	for (i = 0; i < n; i++) {
		l->pfd[i].fd = l->w[i].fd;
		l->pfd[i].events = l->w[i].events;
		l->pfd[i].revents = 0;
	}
	rc = poll(l->pfd, n, timeout > (long)1 << 30 ? 1 << 30 : (int)timeout);
	if (rc < 0) {
		if (errno == EINTR)
			return 0;
		return -1;
	}
	l->dispatching = 1;
	/* l->n may grow inside callbacks; new slots have revents 0 */
	for (i = 0; i < n; i++) {
		short re = l->pfd[i].revents;

		if (re == 0 || l->w[i].fd < 0)
			continue;
		l->pfd[i].revents = 0;
		l->w[i].fn(l->w[i].arg, l->w[i].fd, re);
		ran++;
	}
	l->dispatching = 0;
	if (l->dead)
		compact(l);
	ran += run_timers(l);
	return ran;
}
