/*
 * loop.h: a poll() event loop with file-descriptor watchers and a sorted
 * list of one-shot timers (isync util.c style).  No curses, no threads:
 * one loop belongs to one thread, which runs loop_once() repeatedly.
 * Callbacks may add or remove watchers and arm or disarm timers freely.
 */
#ifndef GHL_LOOP_H
#define GHL_LOOP_H

struct loop;

/* Called with the revents poll() reported (POLLIN, POLLHUP, ...). */
typedef void (*loop_fd_fn)(void *arg, int fd, short revents);
typedef void (*loop_timer_fn)(void *arg);

/*
 * A timer is embedded in its owner's struct; the loop links it while it is
 * armed.  Initialise with loop_timer_init; fields are private to loop.c.
 */
struct loop_timer {
	struct loop_timer	*next, *prev;
	long long		 when_ms;	/* monotonic deadline */
	unsigned long		 seq;		/* arming order */
	int			 armed;
	loop_timer_fn		 fn;
	void			*arg;
};

/* A new, empty loop.  Caller owns; loop_free.  Never fails (aborts on OOM). */
struct loop	*loop_new(void);
/* Frees the loop; watched fds are not closed, armed timers are unlinked. */
void		 loop_free(struct loop *);

/*
 * Watch fd for events (POLLIN, POLLOUT); fn(arg, fd, revents) runs from
 * loop_once when poll reports any of them or POLLHUP/POLLERR/POLLNVAL.
 * Watching an fd again replaces its events and callback.
 */
void		 loop_watch(struct loop *, int fd, short events, loop_fd_fn fn,
		    void *arg);
/* Stop watching fd (no-op when it is not watched).  Safe in callbacks. */
void		 loop_unwatch(struct loop *, int fd);

void		 loop_timer_init(struct loop_timer *, loop_timer_fn fn,
		    void *arg);
/*
 * (Re)arm t to fire once, ms milliseconds from now (ms < 0 counts as 0).
 * Re-arming an armed timer moves it.  A timer armed from inside a timer
 * callback fires on the next loop_once at the earliest, never in the same
 * pass, so a 0 ms timer cannot starve the fds.
 */
void		 loop_timer_arm(struct loop *, struct loop_timer *, long ms);
void		 loop_timer_disarm(struct loop *, struct loop_timer *);
int		 loop_timer_armed(const struct loop_timer *);
/* Milliseconds until t fires (0 when due), or -1 when it is not armed. */
long		 loop_timer_remaining(const struct loop_timer *);

/* Monotonic clock in milliseconds. */
long long	 loop_now_ms(void);
/* Milliseconds until the next timer (0 when one is due), -1 when none. */
long		 loop_next_timeout(const struct loop *);

/*
 * Wait for at most max_wait_ms (-1: no limit but the timers), then run the
 * callbacks of ready fds and of due timers.  Returns the number of
 * callbacks run (0 on timeout or EINTR), or -1 with errno set when poll()
 * failed otherwise.
 */
int		 loop_once(struct loop *, long max_wait_ms);

#endif
