/*
 * lookread.c: reading a lookup table's rows (NDJSON, CSV, TSV, or a
 * PostgreSQL query's through pglookup.c): columns found by name, each
 * row's key and value bytes, duplicate keys, and the values checked
 * against the type of the column that adds them.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp.h"

void
mp_lookup_bad(const struct mp_lookup_row *r, const char *fmt, ...)
{
	struct mp_buf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	mp_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	mp_errat(MP_EX_DATAERR, r->file, r->line, "%s", mp_buf_str(&b));
}

int
mp_lookup_celltext(const struct mp_lookup_row *r, int i, struct mp_buf *b)
{
	const struct mp_span *c = &r->cell[i];

	if (c->p == NULL || (r->pgtype && r->pgtype[i] == '0'))
		return 0;	/* absent, or NULL */
	if (r->json)
		return mp_lookup_valtext(c, b);
	if (r->pgtype && r->pgtype[i] == 'b') {
		mp_buf_adds(b, *c->p == 't' ? "true" : "false");
		return 1;
	}
	mp_buf_add(b, c->p, c->n);
	return 1;
}

int
mp_lookup_cellvalue(const struct mp_lookup_row *r, int i,
    const struct mp_lookup_add *a, struct mp_buf *b)
{
	static struct mp_buf t;
	const struct mp_span *c = &r->cell[i];
	struct mp_json_err e;
	const char *errstr;
	char mbuf[32];
	int64_t m;
	int sc;

	if (c->p == NULL || (!r->json && c->n == 0 && !r->pgtype))
		return 0;
	if (a->type == MP_LOOKUP_AUTO) {
		if (r->json || (r->pgtype && r->pgtype[i] == 'j'))
			mp_buf_add(b, c->p, c->n);
		else if (r->pgtype && r->pgtype[i] == 'b')
			mp_buf_adds(b, *c->p == 't' ? "true" : "false");
		else if (r->pgtype && r->pgtype[i] == 'n' &&
		    mp_json_is_number(c->p, c->n))
			mp_buf_add(b, c->p, c->n);
		else if (r->pgtype && r->pgtype[i] == '0')
			mp_buf_adds(b, "null");
		else
			mp_buf_json_str(b, c->p, c->n);
		return 1;
	}
	t.len = 0;
	if (r->json && mp_json_type(c) == MP_JSON_NULL)
		return 0;
	if (r->json && mp_json_type(c) == MP_JSON_STRING)
		mp_json_str_decode(c, &t);
	else if (r->pgtype && r->pgtype[i] == '0')
		return 0;
	else
		mp_buf_add(&t, c->p, c->n);
	switch (a->type) {
	case MP_LOOKUP_STRING:
		if (r->json && mp_json_type(c) != MP_JSON_STRING)
			mp_buf_json_str(b, c->p, c->n);
		else
			mp_buf_json_str(b, t.p, t.len);
		break;
	case MP_LOOKUP_NUMBER:
		if (!mp_json_is_number(t.p, t.len))
			mp_lookup_bad(r, "column '%s': '%.*s' is not a number",
			    a->col, (int)t.len, t.p);
		mp_buf_add(b, t.p, t.len);
		break;
	case MP_LOOKUP_MONEY:
		if (mp_money_parse(t.p, t.len, &m, &errstr) < 0)
			mp_lookup_bad(r, "column '%s': '%.*s' is not an exact "
			    "decimal: %s", a->col, (int)t.len, t.p, errstr);
		mp_buf_adds(b, mp_money_fmt(m, mbuf));
		break;
	case MP_LOOKUP_JSON:
		if (!r->json && mp_json_check_value(t.p, t.len, &e) < 0)
			mp_lookup_bad(r, "column '%s': not JSON: %s", a->col,
			    e.msg);
		mp_buf_add(b, r->json ? c->p : t.p, r->json ? c->n : t.len);
		break;
	case MP_LOOKUP_RATE:
		if (mp_rate_parse(t.p, t.len, &m, &sc, &errstr) < 0)
			mp_lookup_bad(r, "column '%s': '%.*s' is not a rate: %s",
			    a->col, (int)t.len, t.p, errstr);
		mp_buf_add(b, t.p, t.len);
		break;
	}
	return 1;
}

/* The value bytes of a row (lookup.h). */
static void
rowvalue(const struct mp_lookup *t, const struct mp_lookup_row *r,
    struct mp_buf *v)
{
	static struct mp_buf c;
	unsigned char len[MP_VARINT_MAX];
	int i;

	v->len = 0;
	mp_buf_addc(v, 'Y');
	for (i = 0; i < t->nadd; i++) {
		c.len = 0;
		if (!mp_lookup_cellvalue(r, t->add[i].idx, &t->add[i], &c)) {
			if (t->add[i].type == MP_LOOKUP_RATE)
				mp_lookup_bad(r, "column '%s' is empty",
				    t->add[i].col);
			mp_buf_addc(v, 0);
		} else {
			mp_buf_add(v, len, mp_varint_put(len, c.len + 1));
			mp_buf_add(v, c.p, c.len);
		}
	}
}

int
mp_lookup_isday(const char *s, size_t n)
{
	char t[32];
	int64_t us;

	if (n != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	snprintf(t, sizeof t, "%.10sT00:00:00Z", s);
	return mp_time_parse(t, 20, &us) == 0;
}

/* Adds a row to a table (or a batch's table), minding duplicates. */
static void
addrow(struct mp_lookups *ls, struct mp_lookup *t, struct mp_table *into,
    const struct mp_lookup_row *r)
{
	static struct mp_buf k, v, tmp;
	long id, old;
	int i;

	k.len = 0;
	for (i = 0; i < t->nkey; i++) {
		tmp.len = 0;
		if (!mp_lookup_celltext(r, t->key[i].idx, &tmp))
			mp_lookup_bad(r, "key column '%s' is %s", t->key[i].col,
			    r->cell[t->key[i].idx].p ? "null" : "missing");
		if (t->day && i == 0 && !mp_lookup_isday(tmp.p, tmp.len))
			mp_lookup_bad(r, "column 'date': '%s' is not a day, "
			    "YYYY-MM-DD", mp_buf_str(&tmp));
		mp_lookup_keypart(&k, tmp.p, tmp.len);
	}
	rowvalue(t, r, &v);
	id = mp_table_add(into, k.p, k.len, v.p, v.len, r->line, t->dups,
	    &old);
	if (old >= 0 && t->dups == MP_TABLE_ERROR) {
		if (r->pgtype)
			mp_lookup_bad(r, "duplicate key: the same as row %lld; "
			    "--first or --last says which counts",
			    mp_table_line(into, old));
		mp_lookup_bad(r, "duplicate key: the same as line %lld; "
		    "--first or --last says which counts",
		    mp_table_line(into, old));
	}
	if (id >= 0 && t->alloc && ls->addrow)
		ls->addrow(ls->hookarg, t, r, id);
}

int
mp_lookup_colidx(char **cols, int ncol, const char *name)
{
	int i;

	for (i = 0; i < ncol; i++)
		if (strcmp(cols[i], name) == 0)
			return i;
	return -1;
}

/* Finds the columns the options name, by header. */
static void
resolve(struct mp_lookups *ls, struct mp_lookup *t, char **cols, int ncol,
    const char *where)
{
	struct mp_lookup_add *a;
	int i, j;

	for (i = 0; i < t->nkey; i++)
		if ((t->key[i].idx = mp_lookup_colidx(cols, ncol,
		    t->key[i].col)) < 0)
			mp_errat(MP_EX_DATAERR, where, 0, "no key column '%s'",
			    t->key[i].col);
	if (t->nadd == 0 && !(t->set & MP_LOOKUP_SET_ADD) &&
	    ls->dflt.nadd == 0) {
		/* every column but the keys and the allocation's */
		for (i = 0; i < ncol; i++) {
			for (j = 0; j < t->nkey; j++)
				if (t->key[j].idx == i)
					break;
			if (j < t->nkey || (t->alloc &&
			    strcmp(cols[i], t->alloc) == 0) ||
			    (t->countcol && strcmp(cols[i], t->countcol) == 0))
				continue;
			t->add = xrealloc(t->add, (t->nadd + 1) *
			    sizeof *t->add);
			a = &t->add[t->nadd++];
			memset(a, 0, sizeof *a);
			a->col = xstrdup(cols[i]);
			mp_lookup_field(ls, a, "--add", cols[i]);
			a->slot = mp_lookup_slot(ls, &a->field);
		}
	}
	for (i = 0; i < t->nadd; i++)
		if ((t->add[i].idx = mp_lookup_colidx(cols, ncol,
		    t->add[i].col)) < 0)
			mp_errat(MP_EX_DATAERR, where, 0, "no column '%s'",
			    t->add[i].col);
	if (t->alloc && (t->aidx = mp_lookup_colidx(cols, ncol,
	    t->alloc)) < 0)
		mp_errat(MP_EX_DATAERR, where, 0, "no column '%s'", t->alloc);
	if (t->countcol && (t->cidx = mp_lookup_colidx(cols, ncol,
	    t->countcol)) < 0)
		mp_errat(MP_EX_DATAERR, where, 0, "no column '%s'",
		    t->countcol);
	if (t->alloc && ls->resolved)
		ls->resolved(ls->hookarg, t, cols, ncol, where);
}

static void
load_csv(struct mp_lookups *ls, struct mp_lookup *t)
{
	struct mp_csv c;
	struct mp_span *f;
	struct mp_lookup_row r = { 0 };
	char **cols;
	int n, ncol, i, st;

	if ((st = mp_csv_open(&c, t->src, t->fmt == MP_LOOKUP_CSV ? ',' :
	    '\t')) != 0)
		exit(st);
	r.file = t->src;
	if ((n = mp_csv_next(&c, &f)) <= 0) {
		if (n < 0)
			mp_warnat(t->src, c.line, "%s", mp_csv_error(&c));
		else
			mp_warnx("%s: no header line", t->src);
		exit(MP_EX_DATAERR);
	}
	ncol = n;
	cols = xcalloc(ncol, sizeof *cols);
	for (i = 0; i < ncol; i++)
		cols[i] = xstrndup(f[i].p, f[i].n);
	resolve(ls, t, cols, ncol, t->src);
	for (i = 0; i < ncol; i++)
		free(cols[i]);
	free(cols);
	while ((n = mp_csv_next(&c, &f)) > 0) {
		r.line = c.line;
		if (n != ncol)
			mp_lookup_bad(&r, "%d fields, the header has %d", n,
			    ncol);
		r.cell = f;
		r.ncell = n;
		addrow(ls, t, t->rows, &r);
	}
	if (n < 0) {
		mp_warnat(t->src, c.line, "%s", mp_csv_error(&c));
		exit(MP_EX_DATAERR);
	}
	mp_csv_close(&c);
}

/* Adds a column the options name, when the first row lacks it. */
static void
need(char ***cols, int *ncol, const char *name)
{
	if (mp_lookup_colidx(*cols, *ncol, name) >= 0)
		return;
	*cols = xrealloc(*cols, (*ncol + 1) * sizeof **cols);
	(*cols)[(*ncol)++] = (char *)name;
}

static void
load_ndjson(struct mp_lookups *ls, struct mp_lookup *t)
{
	struct mp_lines l;
	struct mp_json_err e;
	struct mp_span k, v, *cells = NULL;
	struct mp_lookup_row r = { 0 };
	struct mp_buf name = { 0 };
	char **cols = NULL, *s;
	size_t it, n;
	int ncol = 0, own = 0, i, st, resolved = 0;

	if ((st = mp_lines_open(&l, t->src)) != 0)
		exit(st);
	r.file = t->src;
	r.json = 1;
	while ((s = mp_lines_next(&l, &st)) != NULL) {
		n = strlen(s);
		r.line = l.line;
		/* one JSON object */
		if (mp_json_check(s, n, &e) < 0)
			mp_lookup_bad(&r, "invalid JSON at byte %zu: %s",
			    e.off + 1, e.msg);
		if (!resolved) {
			/* the first row's members are the columns */
			for (it = 0; mp_json_members(s, n, &it, &k, &v);) {
				name.len = 0;
				mp_json_str_decode(&k, &name);
				cols = xrealloc(cols, (ncol + 1) *
				    sizeof *cols);
				cols[ncol++] = xstrdup(mp_buf_str(&name));
			}
			own = ncol;
			/* and those the options name, when it lacks them */
			for (i = 0; i < t->nkey; i++)
				need(&cols, &ncol, t->key[i].col);
			for (i = 0; i < t->nadd; i++)
				need(&cols, &ncol, t->add[i].col);
			if (t->alloc)
				need(&cols, &ncol, t->alloc);
			if (t->countcol)
				need(&cols, &ncol, t->countcol);
			if (t->alloc && ls->needcol)
				need(&cols, &ncol, ls->needcol);
			resolve(ls, t, cols, ncol, t->src);
			cells = xcalloc(ncol, sizeof *cells);
			resolved = 1;
		}
		for (i = 0; i < ncol; i++)
			cells[i].p = NULL;
		for (it = 0; mp_json_members(s, n, &it, &k, &v);) {
			name.len = 0;
			mp_json_str_decode(&k, &name);
			if ((i = mp_lookup_colidx(cols, ncol,
			    mp_buf_str(&name))) >= 0)
				cells[i] = v;
		}
		r.cell = cells;
		r.ncell = ncol;
		addrow(ls, t, t->rows, &r);
	}
	if (st)
		exit(st);
	mp_lines_close(&l);
	for (i = 0; i < own; i++)
		free(cols[i]);
	free(cols);
	free(cells);
	mp_buf_free(&name);
}

/* A query's rows on their way into a table. */
struct pgload {
	struct mp_lookups *ls;
	struct mp_lookup *t;
	struct mp_table *into;
};

void
mp_lookup_pgrow(struct mp_lookups *ls, struct mp_lookup *t,
    struct mp_table *into, const struct mp_pglookup_row *pr)
{
	struct mp_lookup_row r = { 0 };

	if (pr->row == 0) {
		resolve(ls, t, pr->name, pr->ncol, t->name);
		if (ls->query) {
			/* columns added by default: their fields are asked for */
			mp_query_free(ls->query);
			ls->query = mp_query_new(ls->path, ls->nq);
		}
		return;
	}
	r.file = t->name;
	r.line = pr->row;
	r.pgtype = pr->kind;
	r.cell = pr->cell;
	r.ncell = pr->ncol;
	addrow(ls, t, into, &r);
}

static void
pgrow(void *arg, const struct mp_pglookup_row *pr)
{
	struct pgload *pl = arg;

	mp_lookup_pgrow(pl->ls, pl->t, pl->into, pr);
}

void
mp_lookup_load(struct mp_lookups *ls, struct mp_lookup *t)
{
	struct pgload pl = { ls, t, NULL };
	double t0 = mp_now();
	int st;

	t->rows = mp_table_new();
	if (t->fmt != MP_LOOKUP_PG && strcmp(t->src, "-") != 0 &&
	    access(t->src, R_OK) < 0)
		mp_err(MP_EX_NOINPUT, "%s", t->src);
	if (t->batched) {
		t->bt = mp_table_new();
		t->cache[0] = mp_table_new();
		t->cache[1] = mp_table_new();
		return;
	}
	switch (t->fmt) {
	case MP_LOOKUP_NDJSON:
		load_ndjson(ls, t);
		break;
	case MP_LOOKUP_CSV:
	case MP_LOOKUP_TSV:
		load_csv(ls, t);
		break;
	case MP_LOOKUP_PG:
		pl.into = t->rows;
		if ((st = mp_pglookup_query(&ls->pg, t->src + 3, t->name, pgrow,
		    &pl)) != 0)
			exit(st);
		break;
	}
	ls->loadtime += mp_now() - t0;
}
