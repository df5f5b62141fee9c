/*
 * pglookup.c: the rows of a lookup table from PostgreSQL, with their
 * kinds, for a query read whole or one asked for a batch of keys.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "mp.h"

/* Tries after the first, as mp_pg_connect's. */
#define RETRIES	3

static int
pgconnect(struct mp_pglookup *l)
{
	int rc;

	if (l->conn == NULL && (l->conn = mp_pg_connect(l->conninfo, RETRIES,
	    &rc)) == NULL)
		return rc;
	return 0;
}

static unsigned char
kind(Oid type)
{
	switch (type) {
	case 20: case 21: case 23: case 26: case 700: case 701: case 1700:
		return 'n';
	case 16:
		return 'b';
	case 114: case 3802:
		return 'j';
	default:
		return 's';
	}
}

/* The columns and kinds of a result, and the cells of its rows. */
struct res {
	struct mp_pglookup_row r;
	char	**name;
	unsigned char *kinds, *k;
	struct mp_span *cell;
	int	 ncol;
};

/* Hands fn the result's columns once, then its rows. */
static void
rows(struct res *x, PGresult *res, int *started, mp_pglookup_fn *fn,
    void *arg)
{
	int i, j;

	if (!*started) {
		x->ncol = PQnfields(res);
		x->name = xrealloc(x->name, (x->ncol + 1) * sizeof *x->name);
		x->cell = xrealloc(x->cell, (x->ncol + 1) * sizeof *x->cell);
		x->kinds = xrealloc(x->kinds, x->ncol + 1);
		x->k = xrealloc(x->k, x->ncol + 1);
		for (i = 0; i < x->ncol; i++) {
			x->name[i] = PQfname(res, i);
			x->kinds[i] = kind(PQftype(res, i));
		}
		x->r.ncol = x->ncol;
		x->r.name = x->name;
		x->r.kind = x->kinds;
		x->r.cell = x->cell;
		x->r.row = 0;
		fn(arg, &x->r);
		*started = 1;
	}
	x->r.name = NULL;	/* PQfname's, gone with res */
	x->r.kind = x->k;
	for (j = 0; j < PQntuples(res); j++) {
		x->r.row++;
		for (i = 0; i < x->ncol; i++) {
			if (PQgetisnull(res, j, i)) {
				x->cell[i].p = "";
				x->cell[i].n = 0;
				x->k[i] = '0';
			} else {
				x->cell[i].p = PQgetvalue(res, j, i);
				x->cell[i].n = PQgetlength(res, j, i);
				x->k[i] = x->kinds[i];
			}
		}
		fn(arg, &x->r);
	}
}

static void
resfree(struct res *x)
{
	free(x->name);
	free(x->kinds);
	free(x->k);
	free(x->cell);
}

static int
fail(struct mp_pglookup *l, PGresult *res, const char *what)
{
	struct mp_buf b = { 0 };
	int st = mp_pg_status(l->conn, res);

	mp_warnx("%s: %s", what, mp_pg_error(l->conn, res, &b));
	mp_buf_free(&b);
	PQclear(res);
	return st;
}

/* Closes the connection before another try, and waits. */
static int
again(struct mp_pglookup *l, struct mp_retry *rt, int close)
{
	if (mp_retry_wait(rt, -1, NULL) < 0)
		return -1;
	if (close) {
		PQfinish(l->conn);
		l->conn = NULL;
	}
	return 0;
}

int
mp_pglookup_query(struct mp_pglookup *l, const char *sql, const char *what,
    mp_pglookup_fn *fn, void *arg)
{
	struct mp_retry rt;
	struct res x = { 0 };
	PGresult *res;
	int started = 0, st, ps, retry;

	mp_pg_retry(&rt, RETRIES);
	for (;;) {
		if ((st = pgconnect(l)) != 0)
			break;
		if (!PQsendQuery(l->conn, sql) ||
		    !PQsetSingleRowMode(l->conn)) {
			if (PQstatus(l->conn) != CONNECTION_OK &&
			    again(l, &rt, 1) == 0)
				continue;
			st = fail(l, NULL, what);
			break;
		}
		retry = 0;
		while ((res = PQgetResult(l->conn)) != NULL) {
			ps = PQresultStatus(res);
			if (ps == PGRES_SINGLE_TUPLE || ps == PGRES_TUPLES_OK) {
				rows(&x, res, &started, fn, arg);
				PQclear(res);
				continue;
			}
			if (x.r.row == 0 && mp_pg_transient(l->conn, res) &&
			    rt.tries < rt.max_tries) {
				PQclear(res);
				while ((res = PQgetResult(l->conn)) != NULL)
					PQclear(res);
				retry = 1;
				break;
			}
			st = fail(l, res, what);
			goto out;
		}
		if (!retry)
			break;
		again(l, &rt, 1);
	}
out:
	resfree(&x);
	return st;
}

int
mp_pglookup_batch(struct mp_pglookup *l, const char *sql, const char *what,
    int n, const char *const *vals, mp_pglookup_fn *fn, void *arg)
{
	struct mp_retry rt;
	struct res x = { 0 };
	PGresult *res;
	int started = 0, st;

	mp_pg_retry(&rt, RETRIES);
	for (;;) {
		if ((st = pgconnect(l)) != 0)
			return st;
		l->queries++;
		res = PQexecParams(l->conn, sql, n, NULL, vals, NULL, NULL, 0);
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			break;
		if (!mp_pg_transient(l->conn, res) ||
		    rt.tries >= rt.max_tries)
			return fail(l, res, what);
		PQclear(res);
		again(l, &rt, PQstatus(l->conn) != CONNECTION_OK);
	}
	rows(&x, res, &started, fn, arg);
	PQclear(res);
	resfree(&x);
	return 0;
}

void
mp_pglookup_array(struct mp_buf *b, const char *p, size_t n)
{
	size_t i;

	mp_buf_addc(b, b->len > 1 ? ',' : '{');
	mp_buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\')
			mp_buf_addc(b, '\\');
		mp_buf_addc(b, p[i]);
	}
	mp_buf_addc(b, '"');
}

void
mp_pglookup_close(struct mp_pglookup *l)
{
	if (l->conn)
		PQfinish(l->conn);
	l->conn = NULL;
}
