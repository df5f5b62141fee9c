/*
 * pgtable.c: the table records are loaded into, as the catalog and the
 * DDL see it, and the statement that fills it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "mp.h"

static void
ident(struct mp_buf *b, const char *s)
{
	mp_pg_ident(b, s, strlen(s));
}

int
mp_pgtable_name(struct mp_pgtable *t, const char *table)
{
	t->table = table;
	t->tcol = -1;
	if (mp_pg_qualname(table, &t->schema, &t->name) < 0)
		return -1;
	if (t->schema) {
		ident(&t->qname, t->schema);
		mp_buf_addc(&t->qname, '.');
	}
	ident(&t->qname, t->name);
	mp_buf_str(&t->qname);
	return 0;
}

static void
colfree(struct mp_pgcol *c)
{
	free(c->name);
	free(c->type);
	mp_path_free(&c->path);
}

struct mp_pgcol *
mp_pgtable_col(struct mp_pgtable *t, const char *name, const char *type)
{
	struct mp_pgcol *c = NULL;
	int i;

	for (i = 0; i < t->ncol; i++)
		if (strcmp(t->col[i].name, name) == 0) {
			c = &t->col[i];
			colfree(c);
			break;
		}
	if (c == NULL) {
		t->col = xrealloc(t->col, (t->ncol + 1) * sizeof *t->col);
		c = &t->col[t->ncol++];
	}
	memset(c, 0, sizeof *c);
	c->name = xstrdup(name);
	c->type = xstrdup(type);
	return c;
}

static void
keyfree(struct mp_pgtable *t)
{
	while (t->nkey > 0)
		free(t->key[--t->nkey]);
	free(t->key);
	t->key = NULL;
}

int
mp_pgtable_key(struct mp_pgtable *t, const char *list)
{
	char *s = xstrdup(list), *w, *save = NULL;

	keyfree(t);
	for (w = strtok_r(s, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		t->key = xrealloc(t->key, (t->nkey + 1) * sizeof *t->key);
		t->key[t->nkey++] = xstrdup(w);
	}
	free(s);
	return t->nkey ? 0 : -1;
}

void
mp_pgtable_mark(struct mp_pgtable *t, const struct mp_path *time, int need)
{
	int i, k;

	for (k = 0; k < t->nkey; k++) {
		for (i = 0; i < t->ncol; i++)
			if (strcmp(t->col[i].name, t->key[k]) == 0)
				break;
		if (i == t->ncol || t->col[i].whole)
			mp_errx(MP_EX_CONFIG, "key column '%s' is not loaded "
			    "(--column, --schema)", t->key[k]);
		t->col[i].key = 1;
	}
	t->tcol = -1;
	for (i = 0; i < t->ncol; i++)
		if (!t->col[i].whole &&
		    strcmp(t->col[i].path.text, time->text) == 0)
			t->tcol = i;
	if (need && t->tcol < 0)
		mp_errx(MP_EX_CONFIG, "--replace=day: no column holds '%s' "
		    "(--time, --column)", time->text);
}

/* "name" of an index: the table's name and a suffix */
static void
indexname(const struct mp_pgtable *t, struct mp_buf *b, const char *suffix)
{
	char n[64];
	int k = 62 - (int)strlen(suffix);

	if (k < (int)strlen(t->name))	/* cut at a character's start */
		while (k > 0 && (t->name[k] & 0xc0) == 0x80)
			k--;
	snprintf(n, sizeof n, "%.*s_%s", k, t->name, suffix);
	ident(b, n);
}

/* CREATE INDEX IF NOT EXISTS "table_suffix" ON table [USING m] (col) */
static void
index1(const struct mp_pgtable *t, struct mp_buf *b, int i, const char *using)
{
	mp_buf_adds(b, "CREATE INDEX IF NOT EXISTS ");
	indexname(t, b, t->col[i].name);
	mp_buf_printf(b, " ON %s %s(", t->qname.p, using);
	ident(b, t->col[i].name);
	mp_buf_adds(b, ");\n");
}

void
mp_pgtable_ddl(struct mp_pgtable *t, struct mp_buf *b, int gin)
{
	int i, k;

	if (t->schema) {
		mp_buf_adds(b, "CREATE SCHEMA IF NOT EXISTS ");
		ident(b, t->schema);
		mp_buf_adds(b, ";\n");
	}
	mp_buf_printf(b, "CREATE TABLE IF NOT EXISTS %s (\n", t->qname.p);
	for (i = 0; i < t->ncol; i++) {
		mp_buf_adds(b, "    ");
		ident(b, t->col[i].name);
		mp_buf_printf(b, " %s%s%s\n", t->col[i].type,
		    t->col[i].key || t->col[i].whole ? " NOT NULL" : "",
		    i + 1 < t->ncol ? "," : "");
	}
	mp_buf_adds(b, ");\n");
	mp_buf_adds(b, "CREATE UNIQUE INDEX IF NOT EXISTS ");
	indexname(t, b, "key");
	mp_buf_printf(b, " ON %s (", t->qname.p);
	for (k = 0; k < t->nkey; k++) {
		ident(b, t->key[k]);
		mp_buf_adds(b, k + 1 < t->nkey ? ", " : ");\n");
	}
	if (t->tcol >= 0)
		index1(t, b, t->tcol, "");
	for (i = 0; gin && i < t->ncol && !t->col[i].whole; i++)
		;
	if (gin && i == t->ncol)
		mp_errx(MP_EX_USAGE, "--gin: no column holds the whole record "
		    "(--data-column)");
	for (i = 0; gin && i < t->ncol; i++)
		if (t->col[i].whole)
			index1(t, b, i, "USING gin ");
}

/*
 * Runs a catalog query with text parameters: 0 and *r, or an exit status
 * after a message naming the table.
 */
static int
ask(const struct mp_pgtable *t, PGconn *c, const char *sql, int n,
    const char *const *v, PGresult **r)
{
	*r = PQexecParams(c, sql, n, NULL, v, NULL, NULL, 0);
	return PQresultStatus(*r) == PGRES_TUPLES_OK ? 0 :
	    mp_pg_fail(c, *r, t->table);
}

/* Whether a type is numeric(prec,scale), which rounds what it takes. */
static int
numeric(const char *type, int *prec, int *scale)
{
	int n = 0;

	return sscanf(type, "numeric(%d,%d)%n", prec, scale, &n) == 2 &&
	    type[n] == '\0';
}

/* Makes the table (--create); 0 or an exit status. */
static int
create(struct mp_pgtable *t, PGconn *c, int gin)
{
	struct mp_buf b = { 0 };
	PGresult *r;
	int st = 0;

	mp_buf_adds(&b, "BEGIN;\nSELECT pg_advisory_xact_lock("
	    "hashtextextended(");
	mp_buf_adds(&b, "'mp-load create', 0));\n");
	mp_pgtable_ddl(t, &b, gin);
	mp_buf_adds(&b, "COMMIT");
	if (mp_pg_exec(c, mp_buf_str(&b), &r) < 0) {
		st = mp_pg_fail(c, r, "--create");
		mp_pg_rollback(c);
	} else
		PQclear(r);
	mp_buf_free(&b);
	return st;
}

/* Keeps the columns the table has, with their types, from r. */
static void
keep(struct mp_pgtable *t, PGresult *r)
{
	struct mp_pgcol *c;
	const char *ty;
	int i, j, n = PQntuples(r), kept;

	for (i = 0; i < t->ncol; i++) {
		c = &t->col[i];
		kept = 0;
		for (j = 0; j < n; j++)
			if (strcmp(PQgetvalue(r, j, 0), c->name) == 0) {
				kept = 1;
				ty = PQgetvalue(r, j, 2);
				c->json = strcmp(ty, "jsonb") == 0 ||
				    strcmp(ty, "json") == 0;
				c->time = strcmp(ty, "timestamptz") == 0 ||
				    strcmp(ty, "timestamp") == 0;
				c->exact = numeric(PQgetvalue(r, j, 3),
				    &c->prec, &c->scale);
				c->plain = c->time || ((strcmp(ty, "text") ==
				    0 || strcmp(ty, "varchar") == 0) &&
				    strcmp(PQgetvalue(r, j, 4), "t") == 0);
			}
		if (!kept && c->given)
			mp_errx(MP_EX_CONFIG, "table '%s' has no column '%s'",
			    t->table, c->name);
		if (!kept) {
			colfree(c);
			memmove(c, c + 1, (t->ncol - i - 1) * sizeof *c);
			t->ncol--;
			i--;
		}
	}
}

int
mp_pgtable_bydays(struct mp_pgtable *t, struct pg_conn *c)
{
	const char *v[2] = { t->qname.p, t->col[t->tcol].name };
	PGresult *r;
	int st;

	if ((st = ask(t, c, "SELECT 1 FROM pg_partitioned_table p "
	    "JOIN pg_attribute a ON a.attrelid = p.partrelid AND "
	    "a.attnum = p.partattrs[0] WHERE p.partrelid = to_regclass($1) "
	    "AND p.partstrat = 'r' AND p.partnatts = 1 AND a.attname = $2",
	    2, v, &r)) != 0)
		return st;
	t->bydays = PQntuples(r) == 1;
	PQclear(r);
	return 0;
}

int
mp_pgtable_unique(struct mp_pgtable *t, struct pg_conn *c)
{
	const char *v[1] = { t->qname.p };
	PGresult *r;
	int i, j, k, m, n, st;

	if ((st = ask(t, c, "SELECT i.indexrelid, a.attname FROM pg_index i "
	    "JOIN pg_attribute a ON a.attrelid = i.indrelid AND "
	    "a.attnum = ANY (i.indkey) WHERE i.indrelid = to_regclass($1) "
	    "AND i.indisunique AND i.indisvalid AND i.indimmediate AND "
	    "i.indpred IS NULL AND i.indexprs IS NULL AND "
	    "i.indnkeyatts = i.indnatts AND "
	    "has_table_privilege(i.indrelid, 'INSERT') ORDER BY 1", 1, v,
	    &r)) != 0)
		return st;
	t->unique = 0;
	n = PQntuples(r);
	for (i = 0; i < n && !t->unique; i = j) {
		/* the rows of one index, a column each */
		for (j = i, m = 0; j < n && strcmp(PQgetvalue(r, j, 0),
		    PQgetvalue(r, i, 0)) == 0; j++) {
			for (k = 0; k < t->nkey &&
			    strcmp(t->key[k], PQgetvalue(r, j, 1)); k++)
				;
			m += k < t->nkey;
		}
		t->unique = m == j - i && m == t->nkey;
	}
	PQclear(r);
	return 0;
}

int
mp_pgtable_look(struct mp_pgtable *t, struct pg_conn *c, int mk, int gin)
{
	const char *v[1] = { t->qname.p };
	PGresult *r;
	int st, looked = 0;

	for (;;) {
		/* the type, and a domain's base type with its modifier */
		if ((st = ask(t, c, "SELECT a.attname, format_type("
		    "a.atttypid, a.atttypmod), t.typname, CASE t.typtype "
		    "WHEN 'd' THEN format_type(t.typbasetype, t.typtypmod) "
		    "ELSE format_type(a.atttypid, a.atttypmod) END, "
		    "coalesce(o.collisdeterministic, true) FROM "
		    "pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
		    "LEFT JOIN pg_collation o ON o.oid = a.attcollation "
		    "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND "
		    "NOT a.attisdropped AND a.attgenerated = ''",
		    1, v, &r)) != 0)
			return st;
		if (PQntuples(r) > 0)
			break;
		PQclear(r);
		if ((st = ask(t, c, "SELECT to_regclass($1) IS NULL", 1, v,
		    &r)) != 0)
			return st;
		if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
			/* made by another run since the first look */
			PQclear(r);
			if (looked++ == 0)
				continue;
			mp_errx(MP_EX_CONFIG, "table '%s' has no columns",
			    t->table);
		}
		PQclear(r);
		if (!mk) {
			mp_warnx("table '%s' does not exist (--create makes "
			    "it)", t->table);
			return MP_EX_CONFIG;
		}
		if ((st = create(t, c, gin)) != 0)
			return st;
	}
	keep(t, r);
	PQclear(r);
	if (t->ncol == 0)
		mp_errx(MP_EX_CONFIG, "table '%s' has none of the columns to "
		    "load", t->table);
	if ((st = ask(t, c, "SELECT c.relkind = 'p', n.nspname FROM pg_class "
	    "c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = "
	    "to_regclass($1)", 1, v, &r)) != 0)
		return st;
	if (PQntuples(r) != 1)
		return mp_pg_fail(c, r, t->table);
	t->parted = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	if (t->schema == NULL) {
		/* the staging table in pg_temp must not hide the table */
		t->schema = xstrdup(PQgetvalue(r, 0, 1));
		t->qname.len = 0;
		ident(&t->qname, t->schema);
		mp_buf_addc(&t->qname, '.');
		ident(&t->qname, t->name);
		mp_buf_str(&t->qname);
	}
	PQclear(r);
	return 0;
}

void
mp_pgtable_cols(const struct mp_pgtable *t, struct mp_buf *b,
    const char *prefix)
{
	int i;

	for (i = 0; i < t->ncol; i++) {
		if (i)
			mp_buf_adds(b, ", ");
		mp_buf_adds(b, prefix);
		ident(b, t->col[i].name);
	}
}

/* The columns other than the key's, each as prefix."name", comparable. */
static void
values(const struct mp_pgtable *t, struct mp_buf *b, const char *prefix)
{
	int i, k;

	for (i = k = 0; i < t->ncol; i++) {
		if (t->col[i].key)
			continue;
		if (k++)
			mp_buf_adds(b, ", ");
		mp_buf_adds(b, prefix);
		ident(b, t->col[i].name);
		if (t->col[i].json)
			mp_buf_adds(b, "::jsonb");
	}
}

/* The key's columns, comma-separated. */
static void
keys(const struct mp_pgtable *t, struct mp_buf *b)
{
	int k;

	for (k = 0; k < t->nkey; k++) {
		if (k)
			mp_buf_adds(b, ", ");
		ident(b, t->key[k]);
	}
}

void
mp_pgtable_insert(const struct mp_pgtable *t, struct mp_buf *b,
    const char *target, const char *from)
{
	struct mp_buf e = { 0 };
	size_t start = b->len;
	int i, k, nset = 0;

	if (from) {
		mp_buf_adds(b, "WITH m AS (");
		mp_buf_adds(b, from);
		mp_buf_adds(b, "), ");
	} else
		mp_buf_adds(b, "WITH ");
	mp_buf_printf(b, "r AS (INSERT INTO %s AS t (", target);
	mp_pgtable_cols(t, b, "");
	mp_buf_adds(b, ") SELECT ");
	for (i = 0; i < t->ncol; i++)
		nset += !t->col[i].key;
	if (t->update && nset) {
		mp_buf_adds(b, "DISTINCT ON (");
		keys(t, b);
		mp_buf_adds(b, ") ");
	}
	mp_pgtable_cols(t, b, "");
	mp_buf_adds(b, from ? " FROM m" : " FROM pg_temp.mp_load_stage");
	if (t->update && nset) {
		mp_buf_adds(b, " ORDER BY ");
		keys(t, b);
		mp_buf_adds(b, ", \"mp-load ord\" DESC");
	}
	mp_buf_adds(b, " ON CONFLICT (");
	keys(t, b);
	if (t->update && nset) {
		mp_buf_adds(b, ") DO UPDATE SET ");
		for (i = k = 0; i < t->ncol; i++) {
			if (t->col[i].key)
				continue;
			if (k++)
				mp_buf_adds(b, ", ");
			ident(b, t->col[i].name);
			mp_buf_adds(b, " = EXCLUDED.");
			ident(b, t->col[i].name);
		}
		/* an unchanged row is not written again */
		mp_buf_adds(b, " WHERE (");
		values(t, b, "t.");
		mp_buf_adds(b, ") IS DISTINCT FROM (");
		values(t, b, "EXCLUDED.");
		mp_buf_adds(b, ")");
	} else
		mp_buf_adds(b, ") DO NOTHING");
	if (!t->parted || from) {
		mp_buf_adds(b, " RETURNING xmax = 0 AS ins) SELECT count(*) "
		    "FILTER (WHERE ins), count(*) FILTER (WHERE NOT ins) "
		    "FROM r");
		mp_buf_str(b);
		return;
	}
	/*
	 * A partitioned table cannot return xmax: rows whose key is new are
	 * the inserted ones, the rest it returns were updated.
	 */
	mp_buf_adds(b, " RETURNING 1) SELECT e.keys - e.old, (SELECT count(*) "
	    "FROM r) - (e.keys - e.old) FROM e");
	mp_buf_adds(&e, "WITH e AS (SELECT count(*) AS keys, count(*) FILTER "
	    "(WHERE EXISTS (SELECT 1 FROM ");
	mp_buf_adds(&e, target);
	mp_buf_adds(&e, " x WHERE ");
	for (k = 0; k < t->nkey; k++) {
		if (k)
			mp_buf_adds(&e, " AND ");
		mp_buf_adds(&e, "x.");
		ident(&e, t->key[k]);
		mp_buf_adds(&e, " = s.");
		ident(&e, t->key[k]);
	}
	mp_buf_adds(&e, ")) AS old FROM (SELECT DISTINCT ");
	keys(t, &e);
	mp_buf_adds(&e, " FROM pg_temp.mp_load_stage) s), ");
	mp_buf_add(&e, b->p + start + 5, b->len - start - 5);
	b->len = start;
	mp_buf_add(b, e.p, e.len);
	mp_buf_str(b);
	mp_buf_free(&e);
}

void
mp_pgtable_free(struct mp_pgtable *t)
{
	while (t->ncol > 0)
		colfree(&t->col[--t->ncol]);
	free(t->col);
	t->col = NULL;
	keyfree(t);
	free(t->schema);
	free(t->name);
	t->schema = t->name = NULL;
	mp_buf_free(&t->qname);
}
