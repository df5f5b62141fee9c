/*
 * fetch.h: pulling records from an HTTP API: the requests of each time
 * window's pages (or report job: create, poll, download) in order, many
 * at once, retried by the retry policy; windows that hold too much split;
 * every window's records written whole, in order, and the bookmark moved
 * after each.  The answers come from the network, a raw archive's replay,
 * or standard input.
 */
#ifndef MP_FETCH_H
#define MP_FETCH_H

#include <stdint.h>

struct mp_fetch;

/* The page being read: where a record of it goes. */
struct mp_fetch_page {
	struct mp_fetch *f;
	struct mp_win *w;
	struct mp_buf *out;	/* its records, one a line */
	const char *fetched;	/* the fetch time as a JSON string */
	long long n, bad;	/* records kept, rejected */
};

struct mp_fetch {
	/* the requests */
	const char *url;	/* a template; "-" standard input */
	const char *method, *data;
	const char **hdr;	/* templates */
	int	 nhdr;
	const char *timefmt;	/* of {from} and {to} */
	long long pagesize, firstpage, cap, conc;
	struct mp_jq *jnext, *jcount, *jerror;
	int64_t	 minwinus, timeoutus;
	struct mp_retry retry;	/* max_tries and max_time set */
	const char *reset;	/* the rate limit's reset header */
	double	 rate;		/* requests a second; 0: no limit */
	int	 allowempty;
	char	*auth;		/* the Authorization header, never shown */
	struct mp_oauth2 *oauth2; /* tokens from there, or NULL */
	/* report jobs */
	const char *rcreate, *rdata, *rpoll;
	struct mp_jq *jrid, *jready, *jfailed, *jrurl;
	int64_t	 pollus, polltimeoutus;
	long long rretries;
	/* the answers' records */
	struct mp_decode dec;
	/*
	 * Takes a record of a page (line: its CSV row's, or 0); returns
	 * non-zero to stop the run (mp_fetch_reject's answer).
	 */
	int	(*record)(void *, struct mp_fetch_page *, const char *,
		    size_t, long long line);
	void	*arg;
	int	 strict;	/* a reject stops the run */
	int	 progress;
	/* the run */
	struct mp_run *run;
	struct mp_windows ws;
	struct mp_rawarc *archive; /* keeps every answer, or NULL */
	struct mp_rawarc *replay;  /* answers from there, or NULL */
	struct mp_bookmark *bookmark; /* moved after each window, or NULL */
	int	 status;	/* 1 when a window overflowed at its least */
	int	 stop;		/* -s, and a record was rejected */
	long long nreq, nretry, npage, nsplit, nover, nbytes, njobs,
	    nfooter;
	double	 lastreq;
	/* private: scratch, and the requests in flight */
	struct mp_buf why, red, msg, nx, v;
	void	*net;
};

/* Rejects a record of the page (kept with the window); returns -s's stop. */
int	 mp_fetch_reject(struct mp_fetch_page *, long long line,
	    const char *why, const char *p, size_t n);
/*
 * Fetches the windows from..to (microseconds; MP_NOTIME: none) of len
 * (0: one): from the network, or, for url "-", one answer read from
 * standard input.  Exits with the man page's status on a failure that
 * retries do not mend.
 */
void	 mp_fetch_run(struct mp_fetch *, int64_t from, int64_t to, int64_t len);
/* Replays every run of f->replay, with the windows of each. */
void	 mp_fetch_replay(struct mp_fetch *, int64_t len);
/* The run's counters into the stats. */
void	 mp_fetch_counts(struct mp_fetch *);
/* Frees what the fetch holds; may be called again (from atexit). */
void	 mp_fetch_free(struct mp_fetch *);

#endif
