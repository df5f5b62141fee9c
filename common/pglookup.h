/*
 * pglookup.h: a lookup table's rows from PostgreSQL (pglookup.c, libpq):
 * a query read whole, row by row, or asked for the keys of a batch as
 * text[] parameters; each row's cells with their kind.  Failures worth
 * another try are tried again on the retry policy (retry.h).
 */
#ifndef MP_PGLOOKUP_H
#define MP_PGLOOKUP_H

struct pg_conn;
struct mp_buf;
struct mp_span;

struct mp_pglookup {
	const char *conninfo;	/* -d; NULL: libpq's PG* variables */
	struct pg_conn *conn;	/* connected on the first query */
	long long queries;	/* batch queries asked */
};

/*
 * A result's columns or row, as the callback sees it: ncol columns; for
 * the columns (row 0, once a result) name[i] their names and kind[i] their
 * kinds ('n' a number, 'b' a boolean, 'j' JSON, 's' text); for a row (row
 * its number from 1) cell[i] its values and kind[i] as well, or '0' for
 * SQL NULL (the cell empty).  Valid only during the call.
 */
struct mp_pglookup_row {
	int	 ncol;
	char	**name;
	const unsigned char *kind;
	struct mp_span *cell;
	long long row;
};
typedef void mp_pglookup_fn(void *, const struct mp_pglookup_row *);

/*
 * Runs the query and hands fn its columns, then each row as it comes
 * (single-row mode).  A failure worth another try before the first row
 * is tried again, 3 times, with backoff.  Returns 0, or an exit status
 * after the message "what: PostgreSQL's message".
 */
int	 mp_pglookup_query(struct mp_pglookup *, const char *, const char *,
	    mp_pglookup_fn *, void *);
/*
 * Runs the query with n text parameters (text[] literals made by
 * mp_pglookup_array) and hands fn its columns, then its rows; as
 * mp_pglookup_query, but the whole query is tried again.
 */
int	 mp_pglookup_batch(struct mp_pglookup *, const char *, const char *,
	    int, const char *const *, mp_pglookup_fn *, void *);
/* Appends bytes as the next element of a text[] literal ("{" first). */
void	 mp_pglookup_array(struct mp_buf *, const char *, size_t);
/* Closes the connection. */
void	 mp_pglookup_close(struct mp_pglookup *);

#endif
