/*
 * window.h: time windows of a fetch, in order, each split in halves when
 * it holds too much; the pages of each (page, offset, cursor, report
 * job), what a window's pages made until the window is written whole, and
 * the URL templates filled from a window.
 */
#ifndef MP_WINDOW_H
#define MP_WINDOW_H

#include <stdint.h>

#include "retry.h"

#define MP_NOTIME	INT64_MIN

/* A reject or drop of a window's page, kept until the window is written. */
struct mp_pend {
	char	*file, *reason, *raw;
	size_t	 n;
	long long line;
	int	 drop;
};

/* What a window's next request is. */
enum { MP_WIN_DATA, MP_WIN_CREATE, MP_WIN_POLL, MP_WIN_GET };

struct mp_win {
	int64_t	 from, to;	/* seconds; MP_NOTIME: no window */
	int	 done, split;
	long long page, offset, nrec, count;
	char	*cursor, *next;
	struct mp_retry retry;	/* of the current request */
	int	 reauth;
	double	 notbefore;
	struct mp_buf out;	/* its records, until it is written */
	/* a report job: its phase, id, tries, and the polls' pace */
	int	 phase, jobs, expired;
	char	*job;
	double	 delay, waited2;	/* the next wait; the waits so far */
	struct mp_pend *pend;
	int	 npend, cpend;
	long long nin;		/* records read, rejects and drops too */
};

/* The windows of a run, in time order; those before flushed are written. */
struct mp_windows {
	struct mp_win *w;
	int	 n, cap, flushed;
	/* what a new window starts with */
	long long firstpage;
	int	 phase;
	struct mp_retry retry;
};

/*
 * Parses a time as options give it: RFC 3339, YYYY-MM-DD, now or
 * -DURATION (before now), into microseconds.  Returns 0 or -1.
 */
int	 mp_window_time(const char *, int64_t *);
/*
 * Appends seconds as a template writes them: by strftime's fmt in UTC, or
 * "epoch", or "epoch_ms".
 */
void	 mp_window_fmttime(const char *fmt, int64_t secs, struct mp_buf *);
/* "FROM..TO" as RFC 3339, or "(no window)"; a static buffer. */
const char *mp_window_name(const struct mp_win *);
/*
 * Appends template t with {from} {to} (by fmt), {cursor} {id} {page}
 * {offset} {limit} and {env:NAME} filled from the window, the values
 * percent-encoded when enc is set.  Other braces stay as they are.
 */
void	 mp_window_expand(const char *t, const struct mp_win *, const char *fmt,
	    long long limit, int enc, struct mp_buf *);

/*
 * The windows from..to (microseconds; from MP_NOTIME: one window without
 * times; to MP_NOTIME: now), each len long (0: one window).
 */
void	 mp_window_make(struct mp_windows *, int64_t from, int64_t to,
	    int64_t len);
/* Inserts a new window at index at. */
void	 mp_window_add(struct mp_windows *, int at, int64_t from, int64_t to);
/* Whether a window is longer than min (microseconds) and can be halved. */
int	 mp_window_splittable(const struct mp_win *, int64_t min);
/* Replaces the windows marked split by their halves; returns how many. */
int	 mp_window_splits(struct mp_windows *);
/* Frees every window. */
void	 mp_window_free(struct mp_windows *);

/* Keeps a reject (or, drop set, a drop) of the window's page. */
void	 mp_window_defer(struct mp_win *, int drop, const char *file,
	    long long line, const char *reason, const char *p, size_t n);
/*
 * Writes (run set) or forgets (run NULL) the window's pending rejects and
 * drops from entry from on.
 */
void	 mp_window_undefer(struct mp_win *, int from, struct mp_run *run);

#endif
