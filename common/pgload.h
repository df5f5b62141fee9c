/*
 * pgload.h: loading records into a PostgreSQL table exactly once.  Each
 * batch goes by COPY into a temporary staging table, then INSERT ...
 * SELECT ... ON CONFLICT on the key, in one transaction; a batch
 * PostgreSQL refuses is split until only its bad rows remain, and they go
 * to the rejects with PostgreSQL's message.  Outside an atomic run, a
 * batch whose keys the table does not hold yet goes by COPY straight into
 * the table instead, and the staged way only when that fails; two such
 * batches may be in flight at once, in two sessions.  A failure worth another try
 * (mp_pg_transient) is tried again under retry.h's policy.  An atomic run
 * is one transaction, committed only at its end; replacing days (pgday.h)
 * implies it.
 */
#ifndef MP_PGLOAD_H
#define MP_PGLOAD_H

#include <stdint.h>
#include <stdio.h>

struct mp_rec;
struct mp_run;
struct pg_conn;
struct pg_result;

struct mp_pgrow {
	size_t	 off, n;	/* the record in text; its day after its NUL */
	size_t	 coff;		/* its COPY line in copy */
	size_t	 koff, klen;	/* its key's COPY text in keys */
	int	 skip;		/* not sent straight: MP_PGROW_* */
	const char *file;
	long long line;
	char	*why;		/* refused by PostgreSQL */
};
/* Why a row of a batch that goes straight into the table is not sent. */
enum {
	MP_PGROW_SEND,
	MP_PGROW_REPEAT,	/* its key is another row's of the batch */
	MP_PGROW_THERE		/* its key is in the table */
};
struct mp_pgbatch {
	struct mp_buf text, copy;
	struct mp_buf keys;	/* each row's key and its place, COPY text */
	struct mp_pgrow *row;
	size_t	 n, cap;
	struct pg_conn *conn;	/* the session it is sent on */
	/*
	 * sent straight into the table: 1, 2 by a COPY, 3 its keys asked
	 * about first; then known:
	 */
	int	 direct;
	int	 commit;	/* the COPY went in and the COMMIT is sent */
	long long copied;	/* the rows the COPY inserted */
	struct pg_result *fail;	/* or why the COPY or COMMIT failed */
	int	 done, ok;	/* the outcome is known: committed */
	int	 restage;	/* or a row to update: the staged way */
};
/* A day's partition and the fresh table that replaces it (pgday.c). */
struct mp_pgswap {
	int64_t	 day;
	char	*part;		/* the partition, qualified and quoted */
	char	*relname;	/* its name, quoted */
	char	*fresh;		/* its replacement */
	struct mp_buf sql;	/* moves the day's staged rows into it */
};

struct mp_pgload {
	/* the caller's, set before mp_pgload_open */
	struct mp_pgtable t;	/* its name, candidate columns and key */
	const char *db;		/* conninfo, as mp_pg_connect */
	const char *lock;	/* an advisory lock to hold, or NULL */
	const struct mp_path *time; /* the field that holds a row's time */
	long long batch;	/* rows a batch */
	int	 retries;	/* tries again of a failure worth it */
	int	 replace;	/* replace each day of the input; atomic too */
	int	 atomic;	/* the run is one transaction */
	int	 create, gin;	/* make a table that does not exist */
	int	 pass;		/* loaded rows go on to stdout */
	int	 strict;	/* -s: a refused row stops the commit */

	/* the loader's own */
	struct mp_run *run;
	struct pg_conn *conn;
	struct mp_retry retry;
	struct mp_query *query;
	struct mp_span *val;
	/*
	 * One batch is read while up to two are sent (fly, the oldest
	 * first): two sent straight, each in a session of its own, when
	 * their keys differ in text and so in value (two)
	 */
	struct mp_pgbatch bats[3], *bat, *fly[2];
	int	 nfly;
	struct pg_conn *conn2;	/* the second session, once needed */
	int	 two;
	struct mp_buf sql_copy, sql_insert, sql_finish, sql_delete;
	struct mp_buf sql_keys, sql_probe, sql_direct;
	/*
	 * Straight into the table: the batches to go the staged way first,
	 * after a batch that failed there, and how many the next failure
	 * makes (twice as many each time, up to 64)
	 */
	int	 staged, backoff;
	/*
	 * Whether to ask which keys the table holds before a batch goes
	 * straight: after a batch of which it held some, or a COPY that
	 * failed; the unique index catches the others
	 */
	int	 probe;
	int	 meet;		/* the batch read has keys of the one sent */
	size_t	*at;		/* where each column starts in a COPY line */
	size_t	*slot;		/* a batch's rows by key, a hash table */
	size_t	 nslot;
	struct mp_buf send;	/* the rows sent straight */
	struct mp_buf tmp, dec;	/* scratch */
	struct mp_buf row;	/* a row read back from the spool */
	/* counts of the transaction in progress, added at its commit */
	struct {
		long long inserted, skipped, updated, replaced, batches;
	} pend;
	/* replacing days: those seen, and the partitions swapped */
	int64_t	*days;
	size_t	 ndays;
	struct mp_pgswap *swaps;
	size_t	 nswap;
	/* an atomic run's rows and rejects so far */
	FILE	*spool, *rspool;
	long long nspool;
};

/*
 * Connects (and takes the lock), looks the table up (or makes it), keeps
 * the columns it has and makes the session's staging table.  Returns 0,
 * or an exit status after a message.
 */
int	 mp_pgload_open(struct mp_pgload *);
/*
 * Starts the run: its counts at 0 in the stats and, for an atomic run,
 * the transaction.  Returns 0, or an exit status after a message.
 */
int	 mp_pgload_begin(struct mp_pgload *, struct mp_run *);
/*
 * Adds a record (JSON text) of the given UTC day (days since 1970, for
 * replacing days) to the batch, or rejects it; loads the batch when full.
 * Returns 0, or an exit status after a message.
 */
int	 mp_pgload_add(struct mp_pgload *, const struct mp_rec *, int64_t);
/*
 * Loads the last batch and, for an atomic run, commits; then writes the
 * rejects and (pass) the rows that wait for the commit.  Returns 0, or an
 * exit status after a message.
 */
int	 mp_pgload_end(struct mp_pgload *);
/* Rolls back what is not committed. */
void	 mp_pgload_abort(struct mp_pgload *);
/* Closes the session and frees all, the table included. */
void	 mp_pgload_free(struct mp_pgload *);

#endif
