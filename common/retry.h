/*
 * retry.h: the one retry policy every HTTP and PostgreSQL caller keeps.
 * Full-jitter exponential backoff, capped; a wait the server asks for
 * (Retry-After, a rate limit's reset) is honoured when longer; a budget of
 * tries and of total waiting time.  Which failures are worth another try
 * is the caller's topic (mp_http_transient, mp_pg_transient); the policy
 * only counts and waits.
 */
#ifndef MP_RETRY_H
#define MP_RETRY_H

struct mp_retry {
	int	 max_tries;	/* tries after the first; 0: none */
	double	 base;		/* first backoff ceiling, seconds (0: 0.5) */
	double	 cap;		/* backoff ceiling, seconds (0: 30) */
	double	 max_time;	/* total seconds of waiting; 0: no limit */
	int	 tries;		/* tries after the first so far */
	double	 waited;	/* seconds waited so far */
};

/*
 * Seconds to wait before the next try, or -1 when the policy is spent;
 * then *why (if not NULL) says which budget ran out ("after N tries" or
 * "the retry time would pass").  after is the wait the server asked for,
 * or a negative number when it asked for none.  Counts the try.
 */
double	 mp_retry_next(struct mp_retry *, double after, const char **why);
/* mp_retry_next, then sleeps that long; returns 0, or -1 when spent. */
int	 mp_retry_wait(struct mp_retry *, double after, const char **why);
/* Starts the count again (a success after failures). */
void	 mp_retry_reset(struct mp_retry *);

#endif
