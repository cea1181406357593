/*
 * test_loop.c: the poll() loop: fd dispatch, timer order, re-arming from
 * callbacks, unwatching during dispatch, and poll timeouts bounded by the
 * next timer (measured with deadlines, not fixed sleeps).
 */
#include "config.h"

#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "loop.h"
#include "../tap.h"

struct ctx {
	struct loop		*l;
	struct loop_timer	 t[4];
	int			 order[16];
	int			 norder;
	int			 reads;
	int			 other_fd;
	int			 rearm;
};

static struct ctx c;

static void
on_timer(void *arg)
{
	int id = (int)(intptr_t)arg;

	if (c.norder < 16)
		c.order[c.norder++] = id;
	if (id == 3 && c.rearm-- > 0)
		loop_timer_arm(c.l, &c.t[3], 0);
}

static void
on_read(void *arg, int fd, short re)
{
	char b[16];

	(void)arg;
	if (re & POLLIN)
		c.reads += (int)read(fd, b, sizeof b);
	/* removing the other watcher mid-dispatch must skip it */
	if (c.other_fd >= 0)
		loop_unwatch(c.l, c.other_fd);
}

int
main(void)
{
	int p1[2], p2[2], n;
	long long t0, dt;

	c.l = loop_new();
	for (int i = 0; i < 4; i++)
		loop_timer_init(&c.t[i], on_timer, (void *)(intptr_t)i);

	is_int(loop_next_timeout(c.l), -1, "no timers: no timeout");
	is_int(loop_once(c.l, 0), 0, "nothing to do returns 0");

	loop_timer_arm(c.l, &c.t[0], 30);
	loop_timer_arm(c.l, &c.t[1], 10);
	loop_timer_arm(c.l, &c.t[2], 20);
	ok(loop_timer_armed(&c.t[0]), "armed");
	ok(loop_next_timeout(c.l) <= 10, "next timeout is the earliest");
	loop_timer_disarm(c.l, &c.t[2]);
	ok(!loop_timer_armed(&c.t[2]), "disarmed");
	t0 = loop_now_ms();
	while (c.norder < 2 && loop_now_ms() - t0 < 2000)
		loop_once(c.l, -1);
	dt = loop_now_ms() - t0;
	is_int(c.norder, 2, "two timers fired");
	ok(c.order[0] == 1 && c.order[1] == 0, "in deadline order");
	ok(dt >= 29 && dt < 1000, "poll waited for the timer (%lld ms)", dt);

	/* re-arming a 0 ms timer from its callback must not starve the loop */
	c.norder = 0;
	c.rearm = 3;
	loop_timer_arm(c.l, &c.t[3], 0);
	n = loop_once(c.l, 0);
	is_int(n, 1, "re-armed timer fires once per pass");
	while (loop_timer_armed(&c.t[3]))
		loop_once(c.l, 0);
	is_int(c.norder, 4, "re-armed timer fired on later passes");

	/* fds */
	if (pipe(p1) || pipe(p2))
		return 1;
	c.other_fd = -1;
	loop_watch(c.l, p1[0], POLLIN, on_read, NULL);
	loop_watch(c.l, p2[0], POLLIN, on_read, NULL);
	is_int(write(p1[1], "abc", 3), 3, "write");
	n = loop_once(c.l, 1000);
	is_int(n, 1, "one ready fd dispatched");
	is_int(c.reads, 3, "callback read the bytes");

	/* both ready, the first callback unwatches the second */
	c.reads = 0;
	c.other_fd = p2[0];
	is_int(write(p1[1], "x", 1), 1, "write 1");
	is_int(write(p2[1], "yy", 2), 2, "write 2");
	n = loop_once(c.l, 1000);
	is_int(n, 1, "unwatched fd skipped in the same pass");
	is_int(c.reads, 1, "only the first read");
	c.other_fd = -1;
	n = loop_once(c.l, 0);
	is_int(n, 0, "unwatched fd stays silent");

	/* timeout bounded by max_wait */
	t0 = loop_now_ms();
	n = loop_once(c.l, 20);
	dt = loop_now_ms() - t0;
	ok(n == 0 && dt >= 19 && dt < 1000, "max_wait bounds the poll (%lld ms)", dt);

	/* hangup reported */
	close(p1[1]);
	c.reads = 0;
	n = loop_once(c.l, 1000);
	is_int(n, 1, "POLLHUP dispatched");

	loop_unwatch(c.l, p1[0]);
	loop_timer_arm(c.l, &c.t[0], 100000);
	ok(loop_timer_remaining(&c.t[0]) > 99000, "remaining");
	loop_free(c.l);
	close(p1[0]);
	close(p2[0]);
	close(p2[1]);
	return tap_done();
}
