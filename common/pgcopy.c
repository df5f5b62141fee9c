/*
 * pgcopy.c: a batch of records through COPY into the staging table, and
 * from there into the table, split on bad rows; or, when the table holds
 * none of its keys yet, through COPY straight into the table.
 */
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "mp.h"

/* The key's columns, in the order of the table's, each after prefix. */
static void
keycols(const struct mp_pgtable *t, struct mp_buf *b, const char *prefix)
{
	int i, k;

	for (i = k = 0; i < t->ncol; i++) {
		if (!t->col[i].key)
			continue;
		if (k++)
			mp_buf_adds(b, ", ");
		mp_buf_adds(b, prefix);
		mp_pg_ident(b, t->col[i].name, strlen(t->col[i].name));
	}
}

void
mp_pgcopy_sql(struct mp_pgload *l)
{
	int i, k;

	mp_buf_adds(&l->sql_copy, "COPY pg_temp.mp_load_stage (");
	mp_pgtable_cols(&l->t, &l->sql_copy, "");
	mp_buf_adds(&l->sql_copy, l->replace ? ", \"mp-load ord\", "
	    "\"mp-load day\") FROM STDIN" : ", \"mp-load ord\") FROM STDIN");
	mp_buf_str(&l->sql_copy);
	mp_pgtable_insert(&l->t, &l->sql_insert, l->t.qname.p, NULL);
	mp_buf_printf(&l->sql_finish, "%s; TRUNCATE pg_temp.mp_load_stage; "
	    "COMMIT", l->sql_insert.p);

	mp_buf_printf(&l->sql_direct, "COPY %s (", l->t.qname.p);
	mp_pgtable_cols(&l->t, &l->sql_direct, "");
	mp_buf_adds(&l->sql_direct, ") FROM STDIN");
	mp_buf_str(&l->sql_direct);
	mp_buf_adds(&l->sql_keys, "COPY pg_temp.mp_load_keys (");
	keycols(&l->t, &l->sql_keys, "");
	mp_buf_adds(&l->sql_keys, ", \"mp-load ord\") FROM STDIN");
	mp_buf_str(&l->sql_keys);
	/*
	 * A scalar subquery is looked up row by row in the key's index: a
	 * semi-join could read the whole table for a batch.
	 */
	mp_buf_printf(&l->sql_probe, "SELECT k.\"mp-load ord\" FROM "
	    "pg_temp.mp_load_keys k WHERE (SELECT 1 FROM %s t WHERE ",
	    l->t.qname.p);
	for (i = k = 0; i < l->t.ncol; i++) {
		if (!l->t.col[i].key)
			continue;
		if (k++)
			mp_buf_adds(&l->sql_probe, " AND ");
		mp_buf_adds(&l->sql_probe, "t.");
		mp_pg_ident(&l->sql_probe, l->t.col[i].name,
		    strlen(l->t.col[i].name));
		mp_buf_adds(&l->sql_probe, " = k.");
		mp_pg_ident(&l->sql_probe, l->t.col[i].name,
		    strlen(l->t.col[i].name));
	}
	mp_buf_adds(&l->sql_probe, " LIMIT 1) IS NOT NULL; "
	    "TRUNCATE pg_temp.mp_load_keys");
	mp_buf_str(&l->sql_probe);
}

/* The session's staging table: the loaded columns and each row's place. */
int
mp_pgcopy_stage(struct mp_pgload *l, struct pg_conn *c)
{
	PGresult *r;

	/* a batch's rows fit in memory: 8 MB would spill them to disk */
	l->tmp.len = 0;
	mp_buf_adds(&l->tmp, "SET temp_buffers = '64MB'; ");
	mp_buf_adds(&l->tmp, "CREATE TEMP TABLE mp_load_stage AS SELECT ");
	mp_pgtable_cols(&l->t, &l->tmp, "");
	mp_buf_printf(&l->tmp, ", 0::integer AS \"mp-load ord\"%s FROM %s "
	    "WITH NO DATA", l->replace ? ", 0::integer AS \"mp-load day\"" :
	    "", l->t.qname.p);
	/* the keys of a batch, to ask which the table holds */
	mp_buf_adds(&l->tmp, "; CREATE TEMP TABLE mp_load_keys AS SELECT ");
	keycols(&l->t, &l->tmp, "");
	mp_buf_printf(&l->tmp, ", 0::integer AS \"mp-load ord\" FROM %s "
	    "WITH NO DATA", l->t.qname.p);
	if (mp_pg_exec(c, mp_buf_str(&l->tmp), &r) < 0)
		return mp_pg_fail(c, r, "staging table");
	PQclear(r);
	return 0;
}

/*
 * Rejects a number that numeric(prec,scale) would round, or that has too
 * many digits for it: PostgreSQL reads "1.0000005" into numeric(19,6) as
 * 1.000001 without a word.  Returns 0, or -1 after the reject.
 */
static int
exact(struct mp_pgload *l, const struct mp_rec *rec,
    const struct mp_pgcol *c, const struct mp_span *v, const char *p,
    size_t n)
{
	struct mp_buf *why = &l->tmp;
	int fit, k = c->prec - c->scale;

	if ((fit = mp_money_fit(p, n, c->prec, c->scale)) == 0)
		return 0;
	why->len = 0;
	mp_buf_printf(why, "field '%s' ", c->path.text);
	if (fit == MP_MONEY_DIGITS && k > 0)
		mp_buf_printf(why, "has more than %d digits before the point",
		    k);
	else if (fit == MP_MONEY_DIGITS)
		mp_buf_printf(why, "is not below 1e%d", k);
	else if (c->scale > 0)
		mp_buf_printf(why, "has more than %d decimals", c->scale);
	else if (c->scale == 0)
		mp_buf_adds(why, "has decimals");
	else
		mp_buf_printf(why, "is not a multiple of 1e%d", -c->scale);
	mp_buf_adds(why, " for column ");
	mp_pg_ident(why, c->name, strlen(c->name));
	mp_buf_printf(why, " numeric(%d,%d): %.*s%s", c->prec, c->scale,
	    v->n > 40 ? 40 : (int)v->n, v->p, v->n > 40 ? "..." : "");
	mp_reject(l->run, rec, "%s", mp_buf_str(why));
	return -1;
}

/*
 * A time as PostgreSQL must read it: PostgreSQL would take "yesterday" or
 * a time without its offset, and a re-run must load the same instant.
 */
static int
copytime(struct mp_pgload *l, const struct mp_rec *rec,
    const struct mp_pgcol *c, const struct mp_span *v)
{
	struct mp_buf *b = &l->bat->copy;
	char t[40];
	int64_t us, s;

	if (mp_rec_time(l->run, rec, v, c->path.text, &us) < 0)
		return -1;
	s = us / 1000000 - (us % 1000000 < 0);
	mp_time_fmt(s, t);
	t[strlen(t) - 1] = '\0';
	mp_buf_adds(b, t);
	if (us - s * 1000000)
		mp_buf_printf(b, ".%06lld", (long long)(us - s * 1000000));
	mp_buf_adds(b, "+00");
	return 0;
}

/* Appends the key's columns of the COPY line being made to keys. */
static void
keyline(struct mp_pgload *l, size_t ord)
{
	struct mp_pgbatch *bat = l->bat;
	struct mp_pgrow *r = &bat->row[bat->n];
	const struct mp_buf *b = &bat->copy;
	size_t end;
	int i, k;

	r->koff = bat->keys.len;
	for (i = k = 0; i < l->t.ncol; i++) {
		if (!l->t.col[i].key)
			continue;
		if (k++)
			mp_buf_addc(&bat->keys, '\t');
		end = i + 1 < l->t.ncol ? l->at[i + 1] - 1 : b->len;
		mp_buf_add(&bat->keys, b->p + l->at[i], end - l->at[i]);
	}
	r->klen = bat->keys.len - r->koff;
	mp_buf_printf(&bat->keys, "\t%zu\n", ord);
}

/* Appends the record's COPY line: its columns, then its place. */
static int
copyline(struct mp_pgload *l, const struct mp_rec *rec, size_t ord,
    int64_t day)
{
	struct mp_buf *b = &l->bat->copy;
	const struct mp_pgcol *c;
	struct mp_span *v;
	const char *p;
	size_t n;
	int i;

	mp_query_run(l->query, rec->p, rec->n, l->val);
	for (i = 0; i < l->t.ncol; i++) {
		v = &l->val[i];
		c = &l->t.col[i];
		if (i)
			mp_buf_addc(b, '\t');
		l->at[i] = b->len;
		if (c->whole) {
			mp_pg_copy_text(b, rec->p, rec->n);
			continue;
		}
		if (v->n == 0 || mp_json_type(v) == MP_JSON_NULL ||
		    (c->key && mp_json_type(v) == MP_JSON_STRING &&
		    v->n == 2)) {
			if (c->key) {
				mp_reject(l->run, rec, "%s key '%s'",
				    v->n == 2 ? "empty" : "missing",
				    c->path.text);
				return -1;
			}
			mp_buf_adds(b, "\\N");
			continue;
		}
		if (c->time) {
			if (copytime(l, rec, c, v) < 0)
				return -1;
			continue;
		}
		p = v->p;
		n = v->n;
		if (mp_json_type(v) == MP_JSON_STRING && !c->json) {
			if (memchr(v->p, '\\', v->n) == NULL) {
				p++;
				n -= 2;
			} else {
				l->dec.len = 0;
				mp_json_str_decode(v, &l->dec);
				p = l->dec.p;
				n = l->dec.len;
			}
		}
		if (c->exact && exact(l, rec, c, v, p, n) < 0)
			return -1;
		mp_pg_copy_text(b, p, n);
	}
	keyline(l, ord);
	if (l->replace)
		mp_buf_printf(b, "\t%zu\t%lld\n", ord, (long long)day);
	else
		mp_buf_printf(b, "\t%zu\n", ord);
	return 0;
}

void
mp_pgcopy_add(struct mp_pgload *l, const struct mp_rec *rec, int64_t day)
{
	struct mp_pgbatch *bat = l->bat;
	struct mp_pgrow *r;

	if (bat->n == bat->cap) {
		bat->cap = bat->cap ? bat->cap * 2 : 1024;
		bat->row = xrealloc(bat->row, bat->cap * sizeof *bat->row);
	}
	r = &bat->row[bat->n];
	r->off = bat->text.len;
	r->n = rec->n;
	r->coff = bat->copy.len;
	r->file = rec->file;
	r->line = rec->line;
	r->why = NULL;
	r->skip = MP_PGROW_SEND;
	if (copyline(l, rec, bat->n, day) < 0) {
		bat->copy.len = r->coff;
		return;
	}
	mp_buf_add(&bat->text, rec->p, rec->n);
	mp_buf_addc(&bat->text, '\0');
	mp_buf_add(&bat->text, &day, sizeof day);
	bat->n++;
}

void
mp_pgcopy_clear(struct mp_pgbatch *bat)
{
	size_t i;

	for (i = 0; i < bat->n; i++)
		free(bat->row[i].why);
	bat->n = 0;
	bat->text.len = 0;
	bat->copy.len = 0;
	bat->keys.len = 0;
	bat->direct = bat->commit = bat->done = bat->ok = 0;
	bat->restage = 0;
	bat->copied = 0;
	PQclear(bat->fail);
	bat->fail = NULL;
}

/*
 * Runs the INSERTs of the staged rows (n of them): the days swapped
 * first, the rest into the table.  Returns NULL, or the failure.
 */
static PGresult *
inserts(struct mp_pgload *l, size_t n)
{
	long long ins = 0, upd = 0;
	PGresult *r;
	size_t i;

	for (i = 0; i <= l->nswap; i++) {
		r = PQexec(l->conn, i < l->nswap ? l->swaps[i].sql.p :
		    l->sql_insert.p);
		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			return r;
		ins += atoll(PQgetvalue(r, 0, 0));
		upd += atoll(PQgetvalue(r, 0, 1));
		PQclear(r);
	}
	l->pend.inserted += ins;
	l->pend.updated += upd;
	l->pend.skipped += (long long)n - ins - upd;
	return NULL;
}

/* Loads rows [a, b) of the batch in a savepoint; 0 or a failure class. */
static int
attempt(struct mp_pgload *l, size_t a, size_t b, PGresult **err)
{
	struct mp_pgbatch *bat = l->bat;
	size_t from = bat->row[a].coff;
	size_t to = b < bat->n ? bat->row[b].coff : bat->copy.len;
	PGresult *r, *x;
	int c;

	*err = NULL;
	if (mp_pg_exec(l->conn, "SAVEPOINT r", err) < 0)
		return mp_pg_class(l->conn, *err);
	PQclear(*err);
	*err = NULL;
	r = PQexec(l->conn, l->sql_copy.p);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		*err = r;
		goto bad;
	}
	PQclear(r);
	if (PQputCopyData(l->conn, bat->copy.p + from, (int)(to - from)) != 1 ||
	    PQputCopyEnd(l->conn, NULL) != 1) {
		*err = PQgetResult(l->conn);
		goto bad;
	}
	r = PQgetResult(l->conn);
	while ((x = PQgetResult(l->conn)) != NULL)
		PQclear(x);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		*err = r;
		goto bad;
	}
	PQclear(r);
	if ((*err = inserts(l, b - a)) != NULL)
		goto bad;
	if (mp_pg_exec(l->conn, "TRUNCATE pg_temp.mp_load_stage; "
	    "RELEASE SAVEPOINT r", err) < 0)
		goto bad;
	PQclear(*err);
	*err = NULL;
	return 0;
bad:
	if ((c = mp_pg_class(l->conn, *err)) != MP_PG_RETRY)
		PQclear(PQexec(l->conn, "ROLLBACK TO SAVEPOINT r; "
		    "RELEASE SAVEPOINT r"));
	return c;
}

static void
refuse(struct mp_pgload *l, size_t i, PGresult *r)
{
	struct mp_pgrow *row = &l->bat->row[i];

	free(row->why);
	row->why = xstrdup(mp_pg_error(l->conn, r, &l->tmp));
	PQclear(r);
}

/*
 * Loads rows [a, b): a failure of the rows' data splits them, at the row
 * COPY names or in halves, until only the bad rows remain.
 */
static int
range(struct mp_pgload *l, size_t a, size_t b, PGresult **err)
{
	long long at;
	size_t k;
	int c;

	while (a < b) {
		if ((c = attempt(l, a, b, err)) == 0)
			return 0;
		if (c != MP_PG_ROW)
			return c;
		if (b - a == 1) {
			refuse(l, a, *err);
			return 0;
		}
		at = mp_pg_copy_line(*err);
		if (at > 0 && (size_t)at <= b - a) {
			k = a + at - 1;
			refuse(l, k, *err);
			if ((c = range(l, a, k, err)) != 0)
				return c;
			a = k + 1;
		} else {
			PQclear(*err);
			k = a + (b - a) / 2;
			if ((c = range(l, a, k, err)) != 0)
				return c;
			a = k;
		}
	}
	return 0;
}

int
mp_pgcopy_rows(struct mp_pgload *l, struct pg_result **err)
{
	return range(l, 0, l->bat->n, err);
}

/* Empties the key slots, at least twice as many as n; returns their mask. */
static size_t
keyslots(struct mp_pgload *l, size_t n)
{
	size_t k;

	for (k = 64; k < n * 2; k *= 2)
		;
	if (k > l->nslot) {
		free(l->slot);
		l->slot = xcalloc(k, sizeof *l->slot);
		l->nslot = k;
	} else
		memset(l->slot, 0, k * sizeof *l->slot);
	return k - 1;
}

/*
 * Marks the rows whose key another row of the batch has, by their COPY
 * text: all but the first, or with --on-conflict=update the last, which
 * is the one the staged way keeps.  Keys equal in value but not in text
 * are left to the unique index.  Returns the rows marked.
 */
static size_t
repeats(struct mp_pgload *l)
{
	struct mp_pgbatch *bat = l->bat;
	struct mp_pgrow *r, *o;
	size_t i, j, k, mask, nrep = 0;

	mask = keyslots(l, bat->n);
	for (j = 0; j < bat->n; j++) {
		i = l->t.update ? bat->n - 1 - j : j;
		r = &bat->row[i];
		k = mp_hash(bat->keys.p + r->koff, r->klen, 0) & mask;
		for (; l->slot[k]; k = (k + 1) & mask) {
			o = &bat->row[l->slot[k] - 1];
			if (o->klen == r->klen && memcmp(bat->keys.p + o->koff,
			    bat->keys.p + r->koff, r->klen) == 0)
				break;
		}
		if (l->slot[k]) {
			r->skip = MP_PGROW_REPEAT;
			nrep++;
		} else
			l->slot[k] = i + 1;
	}
	return nrep;
}

int
mp_pgcopy_shared(struct mp_pgload *l, const struct mp_pgbatch *a,
    const struct mp_pgbatch *b)
{
	const struct mp_pgrow *r, *o;
	size_t i, k, mask;

	mask = keyslots(l, b->n);
	for (i = 0; i < b->n; i++) {
		r = &b->row[i];
		k = mp_hash(b->keys.p + r->koff, r->klen, 0) & mask;
		while (l->slot[k])
			k = (k + 1) & mask;
		l->slot[k] = i + 1;
	}
	for (i = 0; i < a->n; i++) {
		r = &a->row[i];
		k = mp_hash(a->keys.p + r->koff, r->klen, 0) & mask;
		for (; l->slot[k]; k = (k + 1) & mask) {
			o = &b->row[l->slot[k] - 1];
			if (o->klen == r->klen && memcmp(b->keys.p + o->koff,
			    a->keys.p + r->koff, r->klen) == 0)
				return 1;
		}
	}
	return 0;
}

/*
 * Asks which keys of the batch the table holds, in the open transaction
 * of its session: the keys by COPY, then the question sent without
 * waiting for its answer.  Returns 0, or -1 with the failure in *err.
 */
static int
ask(struct mp_pgload *l, struct mp_pgbatch *bat, PGresult **err)
{
	struct mp_pgrow *row;
	PGresult *r, *x;
	size_t i, end;
	int ok = 1;

	*err = PQexec(bat->conn, l->sql_keys.p);
	if (PQresultStatus(*err) != PGRES_COPY_IN)
		return -1;
	PQclear(*err);
	*err = NULL;
	for (i = 0; i < bat->n && ok; i++) {
		row = &bat->row[i];
		if (row->skip != MP_PGROW_SEND)
			continue;
		end = i + 1 < bat->n ? bat->row[i + 1].koff : bat->keys.len;
		ok = PQputCopyData(bat->conn, bat->keys.p + row->koff,
		    (int)(end - row->koff)) == 1;
	}
	if (!ok || PQputCopyEnd(bat->conn, NULL) != 1) {
		*err = PQgetResult(bat->conn);
		while ((x = PQgetResult(bat->conn)) != NULL)
			PQclear(x);
		return -1;
	}
	r = PQgetResult(bat->conn);
	while ((x = PQgetResult(bat->conn)) != NULL)
		PQclear(x);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		*err = r;
		return -1;
	}
	PQclear(r);
	return PQsendQuery(bat->conn, l->sql_probe.p) ? 0 : -1;
}

/*
 * The answer: marks the rows whose key the table holds.  Returns how
 * many, or -1 with the failure in *err.
 */
static long long
heard(struct mp_pgbatch *bat, PGresult **err)
{
	PGresult *r;
	long long n = 0, ord;
	int j;

	*err = NULL;
	while ((r = PQgetResult(bat->conn)) != NULL) {
		if (PQresultStatus(r) == PGRES_TUPLES_OK) {
			for (j = 0; j < PQntuples(r); j++) {
				ord = atoll(PQgetvalue(r, j, 0));
				if (ord < 0 || (size_t)ord >= bat->n)
					continue;
				bat->row[ord].skip = MP_PGROW_THERE;
				n++;
			}
		} else if (PQresultStatus(r) != PGRES_COMMAND_OK &&
		    *err == NULL) {
			*err = r;
			continue;
		}
		PQclear(r);
	}
	return *err ? -1 : n;
}

int
mp_pgcopy_ask(struct mp_pgload *l, PGresult **err)
{
	struct mp_pgbatch *bat = l->bat;
	size_t i;

	*err = NULL;
	for (i = 0; i < bat->n; i++)
		bat->row[i].skip = MP_PGROW_SEND;
	repeats(l);
	if (!l->probe && !l->meet)
		return 1;
	l->meet = 0;
	if (ask(l, bat, err) < 0)
		return -1;
	bat->direct = 3;
	return 0;
}

int
mp_pgcopy_direct(struct mp_pgload *l, struct mp_pgbatch *bat,
    PGresult **err)
{
	struct mp_buf *b = &l->send;
	const char *p, *tab;
	PGresult *x;
	long long nthere = 0;
	size_t i, end;

	*err = NULL;
	if (bat->direct == 3 && (nthere = heard(bat, err)) < 0)
		return -1;
	l->probe = nthere > 0;
	/* an update of a row there is the staged way's */
	if (l->t.update && nthere > 0)
		return 2;
	b->len = 0;
	for (i = 0; i < bat->n; i++) {
		if (bat->row[i].skip != MP_PGROW_SEND)
			continue;
		/* the line without the row's place, its last field */
		p = bat->copy.p + bat->row[i].coff;
		end = i + 1 < bat->n ? bat->row[i + 1].coff : bat->copy.len;
		tab = memrchr(p, '\t', end - bat->row[i].coff);
		mp_buf_add(b, p, tab - p);
		mp_buf_addc(b, '\n');
	}
	bat->direct = 1;
	if (b->len == 0)
		return 1;
	bat->direct = 2;
	*err = PQexec(bat->conn, l->sql_direct.p);
	if (PQresultStatus(*err) != PGRES_COPY_IN)
		return -1;
	PQclear(*err);
	*err = NULL;
	if (PQputCopyData(bat->conn, b->p, (int)b->len) != 1 ||
	    PQputCopyEnd(bat->conn, NULL) != 1) {
		*err = PQgetResult(bat->conn);
		while ((x = PQgetResult(bat->conn)) != NULL)
			PQclear(x);
		return -1;
	}
	return 0;
}
