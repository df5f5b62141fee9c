/*
 * pgday.h: replacing each UTC day of the input (the loader's state,
 * pgload.h) in the run's transaction.  A day is deleted before its first
 * rows are loaded; in a table partitioned by day, the day's partition is
 * replaced instead by a fresh table that takes the day's rows, swapped in
 * at the commit, so that readers see the old partition until then.
 */
#ifndef MP_PGDAY_H
#define MP_PGDAY_H

struct mp_pgload;
struct pg_result;

/* Builds the statement that deletes a day. */
void	 mp_pgday_sql(struct mp_pgload *);
/*
 * Deletes (or prepares to swap) the days of the batch not yet replaced in
 * this transaction.  Returns 0, or MP_PG_RETRY or MP_PG_FATAL with the
 * failure in *err.
 */
int	 mp_pgday_new(struct mp_pgload *, struct pg_result **);
/* Swaps the fresh partitions in; 0, or a class as mp_pgday_new. */
int	 mp_pgday_swapin(struct mp_pgload *, struct pg_result **);
/* Forgets the days and swaps of a transaction rolled back. */
void	 mp_pgday_reset(struct mp_pgload *);

#endif
