/*
 * pgcopy.h: a batch of records through COPY into the staging table and
 * from there into the table (the loader's state, pgload.h): each record's
 * COPY line, and the split of a batch PostgreSQL refuses until only its
 * bad rows remain.
 */
#ifndef MP_PGCOPY_H
#define MP_PGCOPY_H

struct mp_pgload;
struct mp_pgbatch;
struct mp_rec;
struct pg_conn;
struct pg_result;

/* Builds the batch's statements: COPY, INSERT and INSERT; COMMIT. */
void	 mp_pgcopy_sql(struct mp_pgload *);
/*
 * Makes a session's staging tables; 0, or an exit status after a
 * message.
 */
int	 mp_pgcopy_stage(struct mp_pgload *, struct pg_conn *);
/*
 * Adds a record to the batch with its COPY line (and its day after the
 * NUL that ends its text, so that the day travels with the row), or
 * rejects it: a missing key, a time that is not RFC 3339, a number that
 * its numeric column would round.
 */
void	 mp_pgcopy_add(struct mp_pgload *, const struct mp_rec *, int64_t);
/*
 * Loads the batch's rows in the open transaction, splitting on a row's
 * data until only the bad rows remain (their why set).  Returns 0, or
 * MP_PG_RETRY or MP_PG_FATAL with the failure in *err.
 */
int	 mp_pgcopy_rows(struct mp_pgload *, struct pg_result **);
/* Whether a key of batch a is one of batch b's, by its COPY text. */
int	 mp_pgcopy_shared(struct mp_pgload *, const struct mp_pgbatch *,
	    const struct mp_pgbatch *);
/*
 * Marks the rows of the batch read whose key an earlier row of the batch
 * holds (with --on-conflict=update, a later row), then, when the table
 * may hold some of its keys (probe), asks which in the open transaction
 * of its session (conn) without waiting for the answer.  Returns 0 when
 * asked, 1 when not, or -1 with the failure in *err (or NULL).
 */
int	 mp_pgcopy_ask(struct mp_pgload *, struct pg_result **);
/*
 * With the answer, if asked, marks the rows whose key the table holds,
 * then sends the others by COPY straight into the table without waiting
 * for its result.  Returns 0 when the COPY is sent, 1 when no row is to
 * be sent, 2 when a row is to be updated (the staged way), or -1 with
 * the failure in *err (or NULL).
 */
int	 mp_pgcopy_direct(struct mp_pgload *, struct mp_pgbatch *,
	    struct pg_result **);
/* Empties a batch. */
void	 mp_pgcopy_clear(struct mp_pgbatch *);

#endif
