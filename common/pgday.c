/*
 * pgday.c: replacing the days of the input in the run's transaction, a
 * table partitioned by day a partition at a time.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "mp.h"

void
mp_pgday_sql(struct mp_pgload *l)
{
	struct mp_buf *b = &l->sql_delete;
	const char *tcol = l->t.col[l->t.tcol].name;

	mp_buf_printf(b, "DELETE FROM %s WHERE ", l->t.qname.p);
	mp_pg_ident(b, tcol, strlen(tcol));
	mp_buf_adds(b, " >= $1::timestamptz AND ");
	mp_pg_ident(b, tcol, strlen(tcol));
	mp_buf_adds(b, " < $1::timestamptz + interval '1 day'");
	mp_buf_str(b);
}

/* A failure of a statement of the run's transaction: its class. */
static int
runfail(struct mp_pgload *l, PGresult *r, PGresult **err)
{
	*err = r;
	return mp_pg_transient(l->conn, r) ? MP_PG_RETRY : MP_PG_FATAL;
}

/*
 * If a partition holds exactly the day (text: its start), makes its fresh
 * replacement.  Returns 0 (swaps grows when there is one) or a class.
 */
static int
swapday(struct mp_pgload *l, int64_t d, const char *day, PGresult **err)
{
	const char *v[2] = { l->t.qname.p, day };
	struct mp_buf *b = &l->tmp;
	struct mp_pgswap *w;
	PGresult *r;

	r = PQexecParams(l->conn, "SELECT c.oid::regclass::text, "
	    "quote_ident(c.relname), quote_ident(n.nspname) || "
	    "'.' || quote_ident('mp_load_new_' || c.oid), "
	    "c.oid::regclass::text "
	    "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
	    "JOIN pg_namespace n ON n.oid = c.relnamespace "
	    "WHERE i.inhparent = to_regclass($1) AND c.relkind = 'r' AND "
	    "pg_get_expr(c.relpartbound, c.oid) = format("
	    "'FOR VALUES FROM (%L) TO (%L)', $2::timestamptz, "
	    "$2::timestamptz + interval '1 day')", 2, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return runfail(l, r, err);
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 0;
	}
	l->swaps = xrealloc(l->swaps, (l->nswap + 1) * sizeof *l->swaps);
	w = &l->swaps[l->nswap];
	memset(w, 0, sizeof *w);
	w->day = d;
	w->part = xstrdup(PQgetvalue(r, 0, 0));
	w->relname = xstrdup(PQgetvalue(r, 0, 1));
	w->fresh = xstrdup(PQgetvalue(r, 0, 2));
	PQclear(r);
	l->nswap++;
	b->len = 0;
	mp_buf_printf(b, "CREATE TABLE %s (LIKE %s INCLUDING ALL); "
	    "SELECT count(*) FROM %s", w->fresh, w->part, w->part);
	if (mp_pg_exec(l->conn, mp_buf_str(b), &r) < 0)
		return runfail(l, r, err);
	l->pend.replaced += atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	b->len = 0;
	mp_buf_printf(b, "DELETE FROM pg_temp.mp_load_stage WHERE "
	    "\"mp-load day\" = %lld RETURNING *", (long long)d);
	mp_pgtable_insert(&l->t, &w->sql, w->fresh, mp_buf_str(b));
	return 0;
}

int
mp_pgday_new(struct mp_pgload *l, struct pg_result **err)
{
	const struct mp_pgbatch *bat = l->bat;
	char day[32];
	const char *v[1] = { day };
	int64_t d;
	size_t i, j;
	int c;

	for (i = 0; i < bat->n; i++) {
		d = 0;
		/* the day was worked out when the row was read */
		memcpy(&d, bat->text.p + bat->row[i].off + bat->row[i].n + 1,
		    sizeof d);
		for (j = 0; j < l->ndays && l->days[j] != d; j++)
			;
		if (j < l->ndays)
			continue;
		mp_time_fmt(d * 86400, day);
		if (l->t.bydays && (c = swapday(l, d, day, err)) != 0)
			return c;
		if (!(l->t.bydays && l->nswap &&
		    l->swaps[l->nswap - 1].day == d)) {
			*err = PQexecParams(l->conn, l->sql_delete.p, 1, NULL,
			    v, NULL, NULL, 0);
			if (PQresultStatus(*err) != PGRES_COMMAND_OK)
				return runfail(l, *err, err);
			l->pend.replaced += atoll(PQcmdTuples(*err));
			PQclear(*err);
			*err = NULL;
		}
		l->days = xrealloc(l->days, (l->ndays + 1) * sizeof *l->days);
		l->days[l->ndays++] = d;
	}
	return 0;
}

int
mp_pgday_swapin(struct mp_pgload *l, struct pg_result **err)
{
	const struct mp_pgswap *w;
	char from[32], to[32];
	PGresult *r;
	size_t i;

	for (i = 0; i < l->nswap; i++) {
		w = &l->swaps[i];
		mp_time_fmt(w->day * 86400, from);
		mp_time_fmt(w->day * 86400 + 86400, to);
		l->tmp.len = 0;
		mp_buf_printf(&l->tmp, "ALTER TABLE %s DETACH PARTITION %s; "
		    "DROP TABLE %s; ALTER TABLE %s RENAME TO %s; "
		    "ALTER TABLE %s ATTACH PARTITION %s FOR VALUES FROM "
		    "('%s') TO ('%s')", l->t.qname.p, w->part, w->part,
		    w->fresh, w->relname, l->t.qname.p, w->part, from, to);
		if (mp_pg_exec(l->conn, mp_buf_str(&l->tmp), &r) < 0)
			return runfail(l, r, err);
		PQclear(r);
	}
	return 0;
}

void
mp_pgday_reset(struct mp_pgload *l)
{
	struct mp_pgswap *w;

	l->ndays = 0;
	while (l->nswap > 0) {
		w = &l->swaps[--l->nswap];
		free(w->part);
		free(w->relname);
		free(w->fresh);
		mp_buf_free(&w->sql);
	}
}
