/*
 * stats.c: a run's counters (rec.c keeps them), written as the stats
 * object and as Prometheus metrics
 */
#ifndef MP_STATS_H
#define MP_STATS_H

struct mp_stats_counter {
	char	*name;
	long long n;
};
struct mp_stats_counters {
	struct mp_stats_counter *v;
	int	 n;
};
struct mp_stats {
	long long in, out, rejected, dropped, blank, bytes_in, bytes_out;
	struct mp_stats_counters rejby, dropby, own;
	struct mp_stats_counters money;	/* micro-units, shown as decimals */
	struct mp_stats_group {
		char	*name;
		struct mp_stats_counters c;
	} *group;
	int	 ngroup;
};
/*
 * Adds n to the counter named by the len bytes at name; past 64 names, to
 * "other".
 */
void	 mp_stats_add(struct mp_stats_counters *, const char *, size_t,
	    long long);
/* Adds n to the counter name of the group (made on first use). */
void	 mp_stats_add_by(struct mp_stats *, const char *, const char *,
	    long long);
/*
 * Writes the stats object to file ("-": stderr) for a run that took secs
 * and ends with status (its reason: the first failure down the pipe, else
 * the last error); interrupted says a signal stopped it.  Returns 0, or
 * 73 or 74 after a message.
 */
int	 mp_stats_write(const struct mp_stats *, const char *, double, int,
	    int);
/*
 * Replaces file atomically with the counters in Prometheus text format;
 * keeps the last success's time from the old file when status is not 0.
 * Returns 0 or an exit status.
 */
int	 mp_stats_metrics(const struct mp_stats *, const char *, double, int);

#endif
