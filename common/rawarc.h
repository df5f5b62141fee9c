/*
 * rawarc.h: the raw answers of a fetch, kept before they are parsed (one
 * zstd file each, and an index line naming its request, status, headers,
 * window, time and BLAKE2b), and played back in the same order without
 * the network.
 */
#ifndef MP_RAWARC_H
#define MP_RAWARC_H

#include <stdio.h>
#include <time.h>

struct mp_rawarc {
	char	*dir;		/* DIR/STAMP-PID of this run */
	FILE	*index;
	long long seq;
	/* replay */
	char	**dirs;		/* the runs, in order */
	int	 ndir, cur;
	FILE	*rfile;
	struct mp_buf z;
};

/*
 * Starts this run's archive in a new folder under dir, its index's first
 * line the run's times (microseconds, MP_NOTIME: none).  Exits 73 when it
 * cannot be made.
 */
void	 mp_rawarc_open(struct mp_rawarc *, const char *dir, int64_t from,
	    int64_t to);
/*
 * Keeps an answer (rc as mp_http_do's) to the request, for the window
 * named, fetched at time at; the URL's secrets and cookies hidden.
 * Exits 74 when it cannot be written.
 */
void	 mp_rawarc_put(struct mp_rawarc *, const struct mp_http_req *,
	    const struct mp_http_resp *, int rc, const char *window, time_t at);

/*
 * Opens dir to replay: one run's archive, or a folder of them (replayed
 * in name order).  Exits 66 when there is none.
 */
void	 mp_rawarc_replay(struct mp_rawarc *, const char *dir);
/* Starts the next run, its times into from and to; 0 when none is left. */
int	 mp_rawarc_run(struct mp_rawarc *, int64_t *from, int64_t *to);
/*
 * The run's next answer, its rc, time and (allocated) window name; 0 at
 * the end of the run.  Exits 65 on a broken archive, 66 when a file is
 * missing.
 */
int	 mp_rawarc_get(struct mp_rawarc *, struct mp_http_resp *, int *rc,
	    time_t *at, char **window);
/* The folder of the run being replayed. */
const char *mp_rawarc_current(const struct mp_rawarc *);
void	 mp_rawarc_close(struct mp_rawarc *);

#endif
