/*
 * retry.c: counting tries and choosing the wait before the next one.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "mp.h"

double
mp_retry_next(struct mp_retry *r, double after, const char **why)
{
	static char msg[64];
	double wait;

	if (r->tries >= r->max_tries) {
		snprintf(msg, sizeof msg, "after %d %s", r->tries + 1,
		    r->tries ? "tries" : "try");
		if (why)
			*why = msg;
		return -1;
	}
	wait = mp_backoff(r->tries, r->base > 0 ? r->base : 0.5,
	    r->cap > 0 ? r->cap : 30);
	if (after > wait)
		wait = after;
	if (r->max_time > 0 && r->waited + wait > r->max_time) {
		if (why)
			*why = "the retry time would pass";
		return -1;
	}
	r->tries++;
	r->waited += wait;
	return wait;
}

int
mp_retry_wait(struct mp_retry *r, double after, const char **why)
{
	struct timespec ts;
	double wait;

	if ((wait = mp_retry_next(r, after, why)) < 0)
		return -1;
	ts.tv_sec = (time_t)wait;
	ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
	return 0;
}

void
mp_retry_reset(struct mp_retry *r)
{
	r->tries = 0;
	r->waited = 0;
}
