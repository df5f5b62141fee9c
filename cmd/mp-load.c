/*
 * mp-load: load NDJSON records into a PostgreSQL table exactly once.  Each
 * batch goes by COPY into a temporary staging table, then INSERT ... SELECT
 * ... ON CONFLICT on the key, in one transaction.  A batch PostgreSQL
 * refuses is split until only its bad rows remain; they go to the rejects
 * with PostgreSQL's message.  --atomic makes the whole run one
 * transaction, committed only when the run and every stage before it
 * finished; --replace=day, which implies it, replaces each UTC day of the
 * input.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "mp.h"

static const char usage[] =
    "usage: mp-load [-s] -t table [-d conninfo] [-c name:path[:type]] "
    "[--schema=file]\n"
    "               [--data-column=name] [-k columns] "
    "[--on-conflict=nothing|update]\n"
    "               [-b rows] [--atomic] [--replace=day [--trust-input]] "
    "[-T path]\n"
    "               [--lock=name] [--pass] [--create [--gin]] "
    "[--print-ddl]\n"
    "               [--retries=n] [-K file]\n"
    "               [--rejects=file] [--stats[=file]] [--metrics=file]\n"
    "               [--max-record=size] [--log-format=text|json] "
    "[file ...]\n";

/* The canonical fields of mp-record(5) and their SQL types. */
static const struct {
	const char *name, *type;
} canon[] = {
	{ "event_id", "text" }, { "ts", "timestamptz" }, { "type", "text" },
	{ "source", "text" }, { "campaign_id", "text" }, { "ad_id", "text" },
	{ "click_id", "text" }, { "visitor_id", "text" }, { "ip", "text" },
	{ "ua", "text" }, { "country", "text" },
	{ "cost", "numeric(19,6)" }, { "revenue", "numeric(19,6)" },
	{ "currency", "text" },
};

struct col {
	char	*name;
	char	*type;		/* for --create */
	struct mp_path path;	/* no segments: the whole record */
	int	 whole;
	int	 given;		/* by --column: the table must have it */
	int	 json;		/* json or jsonb: values go as JSON text */
	int	 time;		/* timestamp[tz]: RFC 3339 only, sent in UTC */
	int	 exact;		/* numeric(prec,scale), which rounds */
	int	 prec, scale;
	int	 key;
};
static struct col *col;
static int ncol;

struct row {
	size_t	 off, n;	/* the record in bat->text */
	size_t	 coff;		/* its COPY line in bat->copy */
	const char *file;
	long long line;
	char	*why;		/* refused by PostgreSQL */
};
struct batch {
	struct mp_buf text, copy;
	struct row *row;
	size_t	 n, cap;
};
/* Two batches: one is read while the other's INSERT runs on the server. */
static struct batch bats[2], *bat = &bats[0], *sent;

static struct {
	const char *db, *lock, *table;
	char	*schema, *name;	/* of the table */
	struct mp_buf qname;	/* quoted, qualified */
	char	**key;
	int	 nkey;
	int	 update, replace, pass, create, gin, ddl, strict;
	int	 trust;		/* --trust-input */
	int	 atomic;	/* --atomic, or --replace: one transaction */
	long long batch, retries;
	struct mp_path time;
	int	 tcol;		/* the column of --time, or -1 */
} o = { .batch = 2000, .retries = 5, .tcol = -1 };

static PGconn *conn;
static struct mp_run *run;
static struct mp_query *query;
static struct mp_span *val;
static struct mp_buf sql_copy, sql_insert, sql_finish, sql_delete, tmp;
static int parted;		/* the table is partitioned */

/* Counts of the transaction in progress, added to the stats at commit. */
static struct {
	long long inserted, skipped, updated, replaced, batches;
} pend;

/* --replace=day: the days seen, and what the run has staged so far */
static int64_t *days;
static size_t ndays;
static FILE *spool, *rspool;
static long long nspool;

static void
addcol(const char *name, const char *type, const char *path, int whole,
    int given)
{
	const char *errstr;
	struct col *c = NULL;
	int i;

	for (i = 0; i < ncol; i++)
		if (strcmp(col[i].name, name) == 0) {
			c = &col[i];
			free(c->name);
			free(c->type);
			mp_path_free(&c->path);
			break;
		}
	if (c == NULL) {
		col = xrealloc(col, (ncol + 1) * sizeof *col);
		c = &col[ncol++];
	}
	memset(c, 0, sizeof *c);
	c->name = xstrdup(name);
	c->type = xstrdup(type);
	c->whole = whole;
	c->given = given;
	if (!whole && mp_path_parse(path, &c->path, &errstr) < 0) {
		mp_warnx("column '%s': '%s': %s", name, path, errstr);
		mp_usage(usage);
	}
}

/* --column=NAME:PATH[:TYPE] */
static void
optcolumn(const char *arg)
{
	struct mp_path p;
	const char *errstr, *s, *t;
	char *name, *path, *type;

	if ((s = strchr(arg, ':')) == NULL || s == arg) {
		mp_warnx("--column: '%s': want NAME:PATH[:TYPE]", arg);
		mp_usage(usage);
	}
	name = xstrndup(arg, s - arg);
	s++;
	if (mp_path_parse(s, &p, &errstr) == 0) {
		mp_path_free(&p);
		path = xstrdup(s);
		type = xstrdup("text");
	} else {
		if ((t = strrchr(s, ':')) == NULL) {
			mp_warnx("--column: '%s': %s", s, errstr);
			mp_usage(usage);
		}
		path = xstrndup(s, t - s);
		type = xstrdup(t + 1);
		if (*type == '\0' || type[strspn(type, "abcdefghijklmnopqrstu"
		    "vwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ (),[]")]) {
			mp_warnx("--column: '%s': not a type name", type);
			mp_usage(usage);
		}
	}
	addcol(name, type, path, 0, 1);
	free(name);
	free(path);
	free(type);
}

static void
optkey(const char *arg)
{
	char *s = xstrdup(arg), *w, *save = NULL;

	o.nkey = 0;
	for (w = strtok_r(s, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		o.key = xrealloc(o.key, (o.nkey + 1) * sizeof *o.key);
		o.key[o.nkey++] = xstrdup(w);
	}
	free(s);
	if (o.nkey == 0) {
		mp_warnx("--key: '%s': no column", arg);
		mp_usage(usage);
	}
}

static void
optschema(const char *file)
{
	struct mp_schema *s;
	int i;

	if ((s = mp_schema_load(file)) == NULL)
		exit(MP_EX_CONFIG);
	for (i = 0; i < s->nfield; i++)
		addcol(s->field[i].column, mp_schema_sqltype(s->field[i].type),
		    s->field[i].path.text, 0, 0);
	if (s->nkey && o.key == NULL) {
		o.key = xcalloc(s->nkey, sizeof *o.key);
		for (i = 0; i < s->nkey; i++)
			o.key[i] = xstrdup(s->key[i]);
		o.nkey = s->nkey;
	}
	mp_schema_free(s);
}

static void
ident(struct mp_buf *b, const char *s)
{
	mp_pg_ident(b, s, strlen(s));
}

/* "name" of an index: the table's name and a suffix */
static void
indexname(struct mp_buf *b, const char *suffix)
{
	char n[64];
	int k = 62 - (int)strlen(suffix);

	if (k < (int)strlen(o.name))	/* cut at a character's start */
		while (k > 0 && (o.name[k] & 0xc0) == 0x80)
			k--;
	snprintf(n, sizeof n, "%.*s_%s", k, o.name, suffix);
	ident(b, n);
}

static void
ddl(struct mp_buf *b)
{
	int i, k;

	if (o.schema) {
		mp_buf_adds(b, "CREATE SCHEMA IF NOT EXISTS ");
		ident(b, o.schema);
		mp_buf_adds(b, ";\n");
	}
	mp_buf_printf(b, "CREATE TABLE IF NOT EXISTS %s (\n", o.qname.p);
	for (i = 0; i < ncol; i++) {
		mp_buf_adds(b, "    ");
		ident(b, col[i].name);
		mp_buf_printf(b, " %s%s%s\n", col[i].type,
		    col[i].key || col[i].whole ? " NOT NULL" : "",
		    i + 1 < ncol ? "," : "");
	}
	mp_buf_adds(b, ");\n");
	mp_buf_adds(b, "CREATE UNIQUE INDEX IF NOT EXISTS ");
	indexname(b, "key");
	mp_buf_printf(b, " ON %s (", o.qname.p);
	for (k = 0; k < o.nkey; k++) {
		ident(b, o.key[k]);
		mp_buf_adds(b, k + 1 < o.nkey ? ", " : ");\n");
	}
	if (o.tcol >= 0) {
		mp_buf_adds(b, "CREATE INDEX IF NOT EXISTS ");
		indexname(b, col[o.tcol].name);
		mp_buf_printf(b, " ON %s (", o.qname.p);
		ident(b, col[o.tcol].name);
		mp_buf_adds(b, ");\n");
	}
	for (i = 0; o.gin && i < ncol && !col[i].whole; i++)
		;
	if (o.gin && i == ncol)
		mp_errx(MP_EX_USAGE, "--gin: no column holds the whole record "
		    "(--data-column)");
	for (i = 0; o.gin && i < ncol; i++)
		if (col[i].whole) {
			mp_buf_adds(b, "CREATE INDEX IF NOT EXISTS ");
			indexname(b, col[i].name);
			mp_buf_printf(b, " ON %s USING gin (", o.qname.p);
			ident(b, col[i].name);
			mp_buf_adds(b, ");\n");
		}
}

/* Marks the key columns and the time column; exits 78 when one is absent. */
static void
keycols(void)
{
	int i, k;

	for (k = 0; k < o.nkey; k++) {
		for (i = 0; i < ncol; i++)
			if (strcmp(col[i].name, o.key[k]) == 0)
				break;
		if (i == ncol || col[i].whole)
			mp_errx(MP_EX_CONFIG, "key column '%s' is not loaded "
			    "(--column, --schema)", o.key[k]);
		col[i].key = 1;
	}
	o.tcol = -1;
	for (i = 0; i < ncol; i++)
		if (!col[i].whole && strcmp(col[i].path.text, o.time.text) == 0)
			o.tcol = i;
	if (o.replace && o.tcol < 0)
		mp_errx(MP_EX_CONFIG, "--replace=day: no column holds '%s' "
		    "(--time, --column)", o.time.text);
}

/* Ends the transaction in progress, if one is. */
static void
rollback(void)
{
	if (PQstatus(conn) == CONNECTION_OK &&
	    PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, "ROLLBACK"));
}

/* Runs a command that returns no rows; 0, or the failure's class. */
static int
cmd(const char *sql, PGresult **res)
{
	PGresult *r = PQexec(conn, sql);
	int st = PQresultStatus(r);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		if (res)
			*res = r;
		else
			PQclear(r);
		return 0;
	}
	if (res)
		*res = r;
	else
		PQclear(r);
	return -1;
}

/*
 * Runs a catalog query with text parameters (the table's name first):
 * 0 and *r, or an exit status after a message.
 */
static int fail(PGresult *, const char *);
static int
ask(const char *sql, int n, const char *const *v, PGresult **r)
{
	*r = PQexecParams(conn, sql, n, NULL, v, NULL, NULL, 0);
	return PQresultStatus(*r) == PGRES_TUPLES_OK ? 0 : fail(*r, o.table);
}

/* A failure of setup or of a whole unit: message, then exit status. */
static int
fail(PGresult *r, const char *what)
{
	int st = mp_pg_status(conn, r);

	mp_warnx("%s: %s", what, mp_pg_error(conn, r, &tmp));
	PQclear(r);
	return st;
}

/* Whether a type is numeric(prec,scale), which rounds what it takes. */
static int
numeric(const char *type, int *prec, int *scale)
{
	int n = 0;

	return sscanf(type, "numeric(%d,%d)%n", prec, scale, &n) == 2 &&
	    type[n] == '\0';
}

/*
 * Finds the table's columns, or creates the table (--create); keeps the
 * candidates the table has.  Returns 0 or an exit status.
 */
static int
table(void)
{
	static int looked;
	const char *v[1] = { o.qname.p }, *t;
	PGresult *r;
	int i, j, n, keep;

	/* the type, and a domain's base type with its modifier */
	if ((i = ask("SELECT a.attname, format_type(a.atttypid, "
	    "a.atttypmod), t.typname, CASE t.typtype WHEN 'd' THEN "
	    "format_type(t.typbasetype, t.typtypmod) ELSE format_type("
	    "a.atttypid, a.atttypmod) END FROM pg_attribute a JOIN pg_type t "
	    "ON t.oid = a.atttypid WHERE a.attrelid = to_regclass($1) AND "
	    "a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''",
	    1, v, &r)) != 0)
		return i;
	if ((n = PQntuples(r)) == 0) {
		PQclear(r);
		if ((i = ask("SELECT to_regclass($1) IS NULL", 1, v, &r)) != 0)
			return i;
		if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
			/* made by another run since the first look */
			PQclear(r);
			if (looked++ == 0)
				return table();
			mp_errx(MP_EX_CONFIG, "table '%s' has no columns",
			    o.table);
		}
		PQclear(r);
		if (!o.create) {
			mp_warnx("table '%s' does not exist (--create makes "
			    "it)", o.table);
			return MP_EX_CONFIG;
		}
		tmp.len = 0;
		mp_buf_adds(&tmp, "BEGIN;\nSELECT pg_advisory_xact_lock("
		    "hashtextextended(");
		mp_buf_adds(&tmp, "'mp-load create', 0));\n");
		ddl(&tmp);
		mp_buf_adds(&tmp, "COMMIT");
		if (cmd(mp_buf_str(&tmp), &r) < 0) {
			i = fail(r, "--create");
			rollback();
			return i;
		}
		PQclear(r);
		return table();
	}
	for (i = 0; i < ncol; i++) {
		keep = 0;
		for (j = 0; j < n; j++)
			if (strcmp(PQgetvalue(r, j, 0), col[i].name) == 0) {
				keep = 1;
				t = PQgetvalue(r, j, 2);
				col[i].json = strcmp(t, "jsonb") == 0 ||
				    strcmp(t, "json") == 0;
				col[i].time = strcmp(t, "timestamptz") == 0 ||
				    strcmp(t, "timestamp") == 0;
				col[i].exact = numeric(PQgetvalue(r, j, 3),
				    &col[i].prec, &col[i].scale);
			}
		if (!keep && col[i].given)
			mp_errx(MP_EX_CONFIG, "table '%s' has no column '%s'",
			    o.table, col[i].name);
		if (!keep) {
			free(col[i].name);
			free(col[i].type);
			mp_path_free(&col[i].path);
			memmove(&col[i], &col[i + 1], (ncol - i - 1) *
			    sizeof *col);
			ncol--;
			i--;
		}
	}
	PQclear(r);
	if (ncol == 0)
		mp_errx(MP_EX_CONFIG, "table '%s' has none of the columns to "
		    "load", o.table);
	if ((i = ask("SELECT c.relkind = 'p', n.nspname FROM pg_class c JOIN "
	    "pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = "
	    "to_regclass($1)", 1, v, &r)) != 0)
		return i;
	if (PQntuples(r) != 1)
		return fail(r, o.table);
	parted = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	if (o.schema == NULL) {
		/* the staging table in pg_temp must not hide the table */
		o.schema = xstrdup(PQgetvalue(r, 0, 1));
		o.qname.len = 0;
		ident(&o.qname, o.schema);
		mp_buf_addc(&o.qname, '.');
		ident(&o.qname, o.name);
		mp_buf_str(&o.qname);
	}
	PQclear(r);
	return 0;
}

static void
collist(struct mp_buf *b, const char *prefix)
{
	int i;

	for (i = 0; i < ncol; i++) {
		if (i)
			mp_buf_adds(b, ", ");
		mp_buf_adds(b, prefix);
		ident(b, col[i].name);
	}
}

/* The columns other than the key's, each as prefix."name", comparable. */
static void
values(struct mp_buf *b, const char *prefix)
{
	int i, k;

	for (i = k = 0; i < ncol; i++) {
		if (col[i].key)
			continue;
		if (k++)
			mp_buf_adds(b, ", ");
		mp_buf_adds(b, prefix);
		ident(b, col[i].name);
		if (col[i].json)
			mp_buf_adds(b, "::jsonb");
	}
}

/*
 * INSERT ... SELECT ... ON CONFLICT from the staging table into target (or
 * from the rows the statement "from" returns), giving the counts of rows
 * inserted and updated.
 */
static void
insertsql(struct mp_buf *b, const char *target, const char *from)
{
	static struct mp_buf e;
	size_t start = b->len;
	int i, k, nset = 0;

	if (from) {
		mp_buf_adds(b, "WITH m AS (");
		mp_buf_adds(b, from);
		mp_buf_adds(b, "), ");
	} else
		mp_buf_adds(b, "WITH ");
	mp_buf_printf(b, "r AS (INSERT INTO %s AS t (", target);
	collist(b, "");
	mp_buf_adds(b, ") SELECT ");
	for (i = 0; i < ncol; i++)
		nset += !col[i].key;
	if (o.update && nset) {
		mp_buf_adds(b, "DISTINCT ON (");
		for (k = 0; k < o.nkey; k++) {
			if (k)
				mp_buf_adds(b, ", ");
			ident(b, o.key[k]);
		}
		mp_buf_adds(b, ") ");
	}
	collist(b, "");
	mp_buf_adds(b, from ? " FROM m" : " FROM pg_temp.mp_load_stage");
	if (o.update && nset) {
		mp_buf_adds(b, " ORDER BY ");
		for (k = 0; k < o.nkey; k++) {
			ident(b, o.key[k]);
			mp_buf_adds(b, ", ");
		}
		mp_buf_adds(b, "\"mp-load ord\" DESC");
	}
	mp_buf_adds(b, " ON CONFLICT (");
	for (k = 0; k < o.nkey; k++) {
		if (k)
			mp_buf_adds(b, ", ");
		ident(b, o.key[k]);
	}
	if (o.update && nset) {
		mp_buf_adds(b, ") DO UPDATE SET ");
		for (i = k = 0; i < ncol; i++) {
			if (col[i].key)
				continue;
			if (k++)
				mp_buf_adds(b, ", ");
			ident(b, col[i].name);
			mp_buf_adds(b, " = EXCLUDED.");
			ident(b, col[i].name);
		}
		/* an unchanged row is not written again */
		mp_buf_adds(b, " WHERE (");
		values(b, "t.");
		mp_buf_adds(b, ") IS DISTINCT FROM (");
		values(b, "EXCLUDED.");
		mp_buf_adds(b, ")");
	} else
		mp_buf_adds(b, ") DO NOTHING");
	if (!parted || from) {
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
	e.len = 0;
	mp_buf_adds(&e, "WITH e AS (SELECT count(*) AS keys, count(*) FILTER "
	    "(WHERE EXISTS (SELECT 1 FROM ");
	mp_buf_adds(&e, target);
	mp_buf_adds(&e, " x WHERE ");
	for (k = 0; k < o.nkey; k++) {
		if (k)
			mp_buf_adds(&e, " AND ");
		mp_buf_adds(&e, "x.");
		ident(&e, o.key[k]);
		mp_buf_adds(&e, " = s.");
		ident(&e, o.key[k]);
	}
	mp_buf_adds(&e, ")) AS old FROM (SELECT DISTINCT ");
	for (k = 0; k < o.nkey; k++) {
		if (k)
			mp_buf_adds(&e, ", ");
		ident(&e, o.key[k]);
	}
	mp_buf_adds(&e, " FROM pg_temp.mp_load_stage) s), ");
	mp_buf_add(&e, b->p + start + 5, b->len - start - 5);
	b->len = start;
	mp_buf_add(b, e.p, e.len);
	mp_buf_str(b);
}

/* The statements of a batch, built once. */
static void
statements(void)
{

	mp_buf_adds(&sql_copy, "COPY pg_temp.mp_load_stage (");
	collist(&sql_copy, "");
	mp_buf_adds(&sql_copy, o.replace ? ", \"mp-load ord\", \"mp-load day\") "
	    "FROM STDIN" : ", \"mp-load ord\") FROM STDIN");

	insertsql(&sql_insert, o.qname.p, NULL);

	if (o.replace) {
		mp_buf_printf(&sql_delete, "DELETE FROM %s WHERE ", o.qname.p);
		ident(&sql_delete, col[o.tcol].name);
		mp_buf_adds(&sql_delete, " >= $1::timestamptz AND ");
		ident(&sql_delete, col[o.tcol].name);
		mp_buf_adds(&sql_delete, " < $1::timestamptz + interval "
		    "'1 day'");
		mp_buf_str(&sql_delete);
	}
	mp_buf_str(&sql_copy);
	mp_buf_printf(&sql_finish, "%s; TRUNCATE pg_temp.mp_load_stage; "
	    "COMMIT", sql_insert.p);
}

/* The session's staging table: the loaded columns and each row's place. */
static int
makestage(void)
{
	PGresult *r;

	/* a batch's rows fit in memory: 8 MB would spill them to disk */
	tmp.len = 0;
	mp_buf_adds(&tmp, "SET temp_buffers = '64MB'; ");
	mp_buf_adds(&tmp, "CREATE TEMP TABLE mp_load_stage AS SELECT ");
	collist(&tmp, "");
	mp_buf_printf(&tmp, ", 0::integer AS \"mp-load ord\"%s FROM %s WITH "
	    "NO DATA", o.replace ? ", 0::integer AS \"mp-load day\"" : "",
	    o.qname.p);
	if (cmd(mp_buf_str(&tmp), &r) < 0)
		return fail(r, "staging table");
	PQclear(r);
	return 0;
}

/*
 * Connects and takes the lock; with stage, makes the staging table too.
 * Returns 0 or an exit status.
 */
static int
session(int stage)
{
	int rc;

	if (conn)
		PQfinish(conn);
	if ((conn = mp_pg_connect(o.db, (int)o.retries, &rc)) == NULL)
		return rc;
	if (o.lock && (rc = mp_pg_lock(conn, o.lock)) != 0)
		return rc;
	return stage ? makestage() : 0;
}

/*
 * Rejects a number that numeric(prec,scale) would round, or that has too
 * many digits for it: PostgreSQL reads "1.0000005" into numeric(19,6) as
 * 1.000001 without a word.  Returns 0, or -1 after the reject.
 */
static int
exact(const struct mp_rec *rec, const struct col *c, const struct mp_span *v,
    const char *p, size_t n)
{
	static struct mp_buf why;
	int fit, k = c->prec - c->scale;

	if ((fit = mp_money_fit(p, n, c->prec, c->scale)) == 0)
		return 0;
	why.len = 0;
	mp_buf_printf(&why, "field '%s' ", c->path.text);
	if (fit == MP_MONEY_DIGITS && k > 0)
		mp_buf_printf(&why, "has more than %d digits before the point",
		    k);
	else if (fit == MP_MONEY_DIGITS)
		mp_buf_printf(&why, "is not below 1e%d", k);
	else if (c->scale > 0)
		mp_buf_printf(&why, "has more than %d decimals", c->scale);
	else if (c->scale == 0)
		mp_buf_adds(&why, "has decimals");
	else
		mp_buf_printf(&why, "is not a multiple of 1e%d", -c->scale);
	mp_buf_adds(&why, " for column ");
	ident(&why, c->name);
	mp_buf_printf(&why, " numeric(%d,%d): %.*s%s", c->prec, c->scale,
	    v->n > 40 ? 40 : (int)v->n, v->p, v->n > 40 ? "..." : "");
	mp_reject(run, rec, "%s", mp_buf_str(&why));
	return -1;
}

/* Appends the record's COPY line: its columns, then its place. */
static int
copyline(const struct mp_rec *rec, size_t ord, int64_t day)
{
	static struct mp_buf dec;
	struct mp_buf *b = &bat->copy;
	struct mp_span *v;
	int i;

	mp_query_run(query, rec->p, rec->n, val);
	for (i = 0; i < ncol; i++) {
		v = &val[i];
		if (i)
			mp_buf_addc(b, '\t');
		if (col[i].whole) {
			mp_pg_copy_text(b, rec->p, rec->n);
			continue;
		}
		if (v->n == 0 || mp_json_type(v) == MP_JSON_NULL ||
		    (col[i].key && mp_json_type(v) == MP_JSON_STRING &&
		    v->n == 2)) {
			if (col[i].key) {
				mp_reject(run, rec, "%s key '%s'", v->n == 2 ?
				    "empty" : "missing", col[i].path.text);
				return -1;
			}
			mp_buf_adds(b, "\\N");
		} else if (col[i].time) {
			/*
			 * PostgreSQL would take "yesterday" or a time without
			 * its offset; a re-run must load the same instant.
			 */
			char t[40];
			int64_t us, s;

			if (mp_rec_time(run, rec, v, col[i].path.text, &us) < 0)
				return -1;
			s = us / 1000000 - (us % 1000000 < 0);
			mp_time_fmt(s, t);
			t[strlen(t) - 1] = '\0';
			mp_buf_adds(b, t);
			if (us - s * 1000000)
				mp_buf_printf(b, ".%06lld", (long long)(us -
				    s * 1000000));
			mp_buf_adds(b, "+00");
		} else {
			const char *p = v->p;
			size_t n = v->n;

			if (mp_json_type(v) == MP_JSON_STRING && !col[i].json) {
				if (memchr(v->p, '\\', v->n) == NULL) {
					p++;
					n -= 2;
				} else {
					dec.len = 0;
					mp_json_str_decode(v, &dec);
					p = dec.p;
					n = dec.len;
				}
			}
			if (col[i].exact && exact(rec, &col[i], v, p, n) < 0)
				return -1;
			mp_pg_copy_text(b, p, n);
		}
	}
	if (o.replace)
		mp_buf_printf(b, "\t%zu\t%lld\n", ord, (long long)day);
	else
		mp_buf_printf(b, "\t%zu\n", ord);
	return 0;
}

/*
 * --replace=day into a table partitioned by day: a day's partition is
 * replaced by a fresh table that takes the day's rows, swapped in at the
 * commit; readers see the old partition until then.
 */
struct swap {
	int64_t	 day;
	char	*part;		/* the partition, qualified and quoted */
	char	*relname;	/* its name, quoted */
	char	*fresh;		/* its replacement */
	struct mp_buf sql;	/* moves the day's staged rows into it */
};
static struct swap *swaps;
static size_t nswap;
static int partitioned;		/* by range of the time column alone */

/*
 * Runs the INSERTs of the staged rows (n of them): the days swapped
 * first, the rest into the table.  Returns NULL, or the failure.
 */
static PGresult *
inserts(size_t n)
{
	long long ins = 0, upd = 0;
	PGresult *r;
	size_t i;

	for (i = 0; i <= nswap; i++) {
		r = PQexec(conn, i < nswap ? swaps[i].sql.p : sql_insert.p);
		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			return r;
		ins += atoll(PQgetvalue(r, 0, 0));
		upd += atoll(PQgetvalue(r, 0, 1));
		PQclear(r);
	}
	pend.inserted += ins;
	pend.updated += upd;
	pend.skipped += (long long)n - ins - upd;
	return NULL;
}

/* Loads rows [a, b) of the batch in a savepoint; 0 or a failure class. */
static int
attempt(size_t a, size_t b, PGresult **err)
{
	size_t from = bat->row[a].coff;
	size_t to = b < bat->n ? bat->row[b].coff : bat->copy.len;
	PGresult *r;

	*err = NULL;
	if (cmd("SAVEPOINT r", err) < 0)
		return mp_pg_class(conn, *err);
	PQclear(*err);
	*err = NULL;
	r = PQexec(conn, sql_copy.p);
	if (PQresultStatus(r) != PGRES_COPY_IN) {
		*err = r;
		goto bad;
	}
	PQclear(r);
	if (PQputCopyData(conn, bat->copy.p + from, (int)(to - from)) != 1 ||
	    PQputCopyEnd(conn, NULL) != 1) {
		*err = PQgetResult(conn);
		goto bad;
	}
	r = PQgetResult(conn);
	{
		PGresult *x;

		while ((x = PQgetResult(conn)) != NULL)
			PQclear(x);
	}
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		*err = r;
		goto bad;
	}
	PQclear(r);
	if ((*err = inserts(b - a)) != NULL)
		goto bad;
	if (cmd("TRUNCATE pg_temp.mp_load_stage; RELEASE SAVEPOINT r",
	    err) < 0)
		goto bad;
	PQclear(*err);
	*err = NULL;
	return 0;
bad:
	{
		int c = mp_pg_class(conn, *err);

		if (c != MP_PG_RETRY)
			PQclear(PQexec(conn, "ROLLBACK TO SAVEPOINT r; "
			    "RELEASE SAVEPOINT r"));
		return c;
	}
}

static void
refuse(size_t i, PGresult *r)
{
	free(bat->row[i].why);
	bat->row[i].why = xstrdup(mp_pg_error(conn, r, &tmp));
	PQclear(r);
}

/*
 * Loads rows [a, b): a failure of the rows' data splits them, at the row
 * COPY names or in halves, until only the bad rows remain.  Returns 0, or
 * MP_PG_RETRY or MP_PG_FATAL with *err kept.
 */
static int
range(size_t a, size_t b, PGresult **err)
{
	long long at;
	size_t k;
	int c;

	while (a < b) {
		if ((c = attempt(a, b, err)) == 0)
			return 0;
		if (c != MP_PG_ROW)
			return c;
		if (b - a == 1) {
			refuse(a, *err);
			return 0;
		}
		at = mp_pg_copy_line(*err);
		if (at > 0 && (size_t)at <= b - a) {
			k = a + at - 1;
			refuse(k, *err);
			if ((c = range(a, k, err)) != 0)
				return c;
			a = k + 1;
		} else {
			PQclear(*err);
			k = a + (b - a) / 2;
			if ((c = range(a, k, err)) != 0)
				return c;
			a = k;
		}
	}
	return 0;
}

/* A failure of a statement of the run's transaction: its class. */
static int
runfail(PGresult *r, PGresult **err)
{
	*err = r;
	return mp_pg_class(conn, r) == MP_PG_RETRY ? MP_PG_RETRY : MP_PG_FATAL;
}

/*
 * If a partition holds exactly the day (text: its start), makes its fresh
 * replacement.  Returns 0 (swaps grows when there is one) or a class.
 */
static int
swapday(int64_t d, const char *day, PGresult **err)
{
	const char *v[2] = { o.qname.p, day };
	struct swap *w;
	PGresult *r;

	r = PQexecParams(conn, "SELECT c.oid::regclass::text, "
	    "quote_ident(c.relname), quote_ident(n.nspname) || "
	    "'.' || quote_ident('mp_load_new_' || c.oid), c.oid::regclass::text "
	    "FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
	    "JOIN pg_namespace n ON n.oid = c.relnamespace "
	    "WHERE i.inhparent = to_regclass($1) AND c.relkind = 'r' AND "
	    "pg_get_expr(c.relpartbound, c.oid) = format("
	    "'FOR VALUES FROM (%L) TO (%L)', $2::timestamptz, "
	    "$2::timestamptz + interval '1 day')", 2, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return runfail(r, err);
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 0;
	}
	swaps = xrealloc(swaps, (nswap + 1) * sizeof *swaps);
	w = &swaps[nswap];
	memset(w, 0, sizeof *w);
	w->day = d;
	w->part = xstrdup(PQgetvalue(r, 0, 0));
	w->relname = xstrdup(PQgetvalue(r, 0, 1));
	w->fresh = xstrdup(PQgetvalue(r, 0, 2));
	PQclear(r);
	nswap++;
	tmp.len = 0;
	mp_buf_printf(&tmp, "CREATE TABLE %s (LIKE %s INCLUDING ALL); "
	    "SELECT count(*) FROM %s", w->fresh, w->part, w->part);
	if (cmd(mp_buf_str(&tmp), &r) < 0)
		return runfail(r, err);
	pend.replaced += atoll(PQgetvalue(r, 0, 0));
	PQclear(r);
	tmp.len = 0;
	mp_buf_printf(&tmp, "DELETE FROM pg_temp.mp_load_stage WHERE "
	    "\"mp-load day\" = %lld RETURNING *", (long long)d);
	insertsql(&w->sql, w->fresh, mp_buf_str(&tmp));
	return 0;
}

/*
 * Whether the table is partitioned by range of the time column alone, so
 * that --replace=day swaps partitions.  Returns 0 or an exit status.
 */
static int
bydays(void)
{
	const char *v[2] = { o.qname.p, col[o.tcol].name };
	PGresult *r;
	int st;

	if ((st = ask("SELECT 1 FROM pg_partitioned_table p "
	    "JOIN pg_attribute a ON a.attrelid = p.partrelid AND "
	    "a.attnum = p.partattrs[0] WHERE p.partrelid = to_regclass($1) "
	    "AND p.partstrat = 'r' AND p.partnatts = 1 AND a.attname = $2",
	    2, v, &r)) != 0)
		return st;
	partitioned = PQntuples(r) == 1;
	PQclear(r);
	return 0;
}

/* The swaps, made at the end of the run's transaction. */
static int
swapin(PGresult **err)
{
	char from[32], to[32];
	PGresult *r;
	size_t i;

	for (i = 0; i < nswap; i++) {
		mp_time_fmt(swaps[i].day * 86400, from);
		mp_time_fmt(swaps[i].day * 86400 + 86400, to);
		tmp.len = 0;
		mp_buf_printf(&tmp, "ALTER TABLE %s DETACH PARTITION %s; "
		    "DROP TABLE %s; ALTER TABLE %s RENAME TO %s; "
		    "ALTER TABLE %s ATTACH PARTITION %s FOR VALUES FROM "
		    "('%s') TO ('%s')", o.qname.p, swaps[i].part,
		    swaps[i].part, swaps[i].fresh, swaps[i].relname,
		    o.qname.p, swaps[i].part, from, to);
		if (cmd(mp_buf_str(&tmp), &r) < 0)
			return runfail(r, err);
		PQclear(r);
	}
	return 0;
}

static void
swapsfree(void)
{
	while (nswap > 0) {
		nswap--;
		free(swaps[nswap].part);
		free(swaps[nswap].relname);
		free(swaps[nswap].fresh);
		mp_buf_free(&swaps[nswap].sql);
	}
}

/* Deletes the days of the batch not yet replaced in this run. */
static int
newdays(PGresult **err)
{
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
		for (j = 0; j < ndays && days[j] != d; j++)
			;
		if (j < ndays)
			continue;
		mp_time_fmt(d * 86400, day);
		if (partitioned && (c = swapday(d, day, err)) != 0)
			return c;
		if (!(partitioned && nswap && swaps[nswap - 1].day == d)) {
			*err = PQexecParams(conn, sql_delete.p, 1, NULL, v,
			    NULL, NULL, 0);
			if (PQresultStatus(*err) != PGRES_COMMAND_OK)
				return mp_pg_class(conn, *err) == MP_PG_RETRY ?
				    MP_PG_RETRY : MP_PG_FATAL;
			pend.replaced += atoll(PQcmdTuples(*err));
			PQclear(*err);
			*err = NULL;
		}
		days = xrealloc(days, (ndays + 1) * sizeof *days);
		days[ndays++] = d;
	}
	return 0;
}

/* The batch in the open transaction: 0 or a failure class. */
static int
part(PGresult **err)
{
	size_t i;
	int c;

	for (i = 0; i < bat->n; i++) {
		free(bat->row[i].why);
		bat->row[i].why = NULL;
	}
	if (o.replace && (c = newdays(err)) != 0)
		return c;
	if ((c = range(0, bat->n, err)) != 0)
		return c;
	pend.batches++;
	return 0;
}

static void
commitcounts(void)
{
	mp_count(run, "inserted", pend.inserted);
	mp_count(run, "skipped", pend.skipped);
	mp_count(run, "updated", pend.updated);
	mp_count(run, "replaced", pend.replaced);
	mp_count(run, "batches", pend.batches);
	memset(&pend, 0, sizeof pend);
}

static struct mp_rec
rowrec(size_t i)
{
	struct mp_rec rec = { bat->text.p + bat->row[i].off, bat->row[i].n,
	    bat->row[i].file, bat->row[i].line };

	return rec;
}

/*
 * After a failure worth another try: rolls back (a new session when the
 * connection is gone) and waits.  Returns 0 to try again, or an exit
 * status when the tries are spent or the session cannot be had again.
 */
static int
again(int n, PGresult *err, const char *what)
{
	int rc;

	if (n >= o.retries) {
		mp_warnx("%s: %s; giving up after %d retries", what,
		    mp_pg_error(conn, err, &tmp), n);
		PQclear(err);
		return MP_EX_UNAVAILABLE;
	}
	mp_warnx("%s: %s; trying again", what, mp_pg_error(conn, err, &tmp));
	PQclear(err);
	mp_count(run, "retries", 1);
	memset(&pend, 0, sizeof pend);
	mp_pg_backoff(n);
	rollback();
	if (PQstatus(conn) != CONNECTION_OK && (rc = session(1)) != 0)
		return rc;
	return 0;
}

static void
clearbatch(void)
{
	size_t i;

	for (i = 0; i < bat->n; i++)
		free(bat->row[i].why);
	bat->n = 0;
	bat->text.len = 0;
	bat->copy.len = 0;
}

/* After a batch commits: its counts, its rejects, and (--pass) its rows. */
static void
settle(void)
{
	struct mp_rec rec;
	size_t i;

	commitcounts();
	for (i = 0; i < bat->n; i++) {
		rec = rowrec(i);
		if (bat->row[i].why)
			mp_reject(run, &rec, "%s", bat->row[i].why);
		else if (o.pass)
			mp_emit(run, &rec);
	}
	/*
	 * The next stage sees a batch as soon as it is in the table; a write
	 * error shows at the next write or at the end, as for any tool.
	 */
	if (o.pass)
		(void)fflush(stdout);
}

/*
 * One batch, one transaction, split on bad rows and retried whole, after
 * tried tries already.  Returns 0 or an exit status.
 */
static int
batch(int tried)
{
	PGresult *err = NULL;
	int c, n, rc;

	for (n = tried;; n++) {
		if (cmd("BEGIN", &err) < 0)
			c = mp_pg_class(conn, err);
		else {
			PQclear(err);
			if ((c = part(&err)) == 0) {
				if (cmd("COMMIT", &err) == 0) {
					PQclear(err);
					break;
				}
				c = mp_pg_class(conn, err);
			}
		}
		if (c != MP_PG_RETRY) {
			rollback();
			return fail(err, o.table);
		}
		if ((rc = again(n, err, o.table)) != 0)
			return rc;
	}
	settle();
	return 0;
}

/*
 * The fast way: COPY the batch, then send its INSERT and COMMIT without
 * waiting, so that the server works on them while the next batch is read.
 * Returns 0 when sent (the batch is then `sent`), else 1 after a rollback:
 * the batch must go the slow way, batch().
 */
static int
start(void)
{
	PGresult *r;
	size_t i;

	for (i = 0; i < bat->n; i++) {
		free(bat->row[i].why);
		bat->row[i].why = NULL;
	}
	if (cmd("BEGIN", &r) < 0) {
		PQclear(r);
		return 1;
	}
	PQclear(r);
	r = PQexec(conn, sql_copy.p);
	if (PQresultStatus(r) != PGRES_COPY_IN)
		goto slow;
	PQclear(r);
	if (PQputCopyData(conn, bat->copy.p, (int)bat->copy.len) != 1 ||
	    PQputCopyEnd(conn, NULL) != 1) {
		r = NULL;
		goto slow;
	}
	r = PQgetResult(conn);
	{
		PGresult *x;

		while ((x = PQgetResult(conn)) != NULL)
			PQclear(x);
	}
	if (PQresultStatus(r) != PGRES_COMMAND_OK ||
	    !PQsendQuery(conn, sql_finish.p))
		goto slow;
	PQclear(r);
	sent = bat;
	bat = bat == &bats[0] ? &bats[1] : &bats[0];
	return 0;
slow:
	PQclear(r);
	rollback();
	return 1;
}

/* Waits for the sent batch; when it failed, does it the slow way. */
static int
finish(void)
{
	struct batch *next = bat;
	PGresult *r, *bad = NULL;
	long long ins = 0, upd = 0;
	int ok = 1, st = 0;

	bat = sent;
	sent = NULL;
	while ((r = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(r) == PGRES_TUPLES_OK) {
			ins = atoll(PQgetvalue(r, 0, 0));
			upd = atoll(PQgetvalue(r, 0, 1));
		} else if (PQresultStatus(r) != PGRES_COMMAND_OK) {
			ok = 0;
			if (bad == NULL) {
				bad = r;
				continue;
			}
		}
		PQclear(r);
	}
	if (ok && PQstatus(conn) == CONNECTION_OK) {
		pend.inserted += ins;
		pend.updated += upd;
		pend.skipped += (long long)bat->n - ins - upd;
		pend.batches++;
		settle();
		PQclear(bad);
	} else if (mp_pg_class(conn, bad) == MP_PG_RETRY) {
		/* counted and waited for as any other try */
		if ((st = again(0, bad, o.table)) == 0)
			st = batch(1);
	} else {
		PQclear(bad);
		rollback();
		memset(&pend, 0, sizeof pend);
		st = batch(0);
	}
	clearbatch();
	bat = next;
	return st;
}

/*
 * A run in one transaction (--atomic, --replace=day) keeps its rows in a
 * spool file: on a failure worth another try the whole transaction is
 * made again from it, and only after the commit are its rejects written
 * and its rows passed on.  A spooled row: its length, its line, its file,
 * then its bytes.
 */
struct spooled {
	size_t	 n;
	long long line;
	const char *file;
	int64_t	 day;
};

static void
spoolbatch(void)
{
	struct spooled s;
	size_t i;

	for (i = 0; i < bat->n; i++) {
		s.n = bat->row[i].n;
		s.line = bat->row[i].line;
		s.file = bat->row[i].file;
		memcpy(&s.day, bat->text.p + bat->row[i].off + s.n + 1,
		    sizeof s.day);
		if (fwrite(&s, sizeof s, 1, spool) != 1 ||
		    fwrite(bat->text.p + bat->row[i].off, 1, s.n, spool) != s.n)
			mp_err(MP_EX_IOERR, "spool file");
	}
}

/* Rows refused in this part, by their place in the run. */
static void
spoolrejects(long long first)
{
	long long ord;
	size_t i, n;

	for (i = 0; i < bat->n; i++) {
		if (bat->row[i].why == NULL)
			continue;
		ord = first + (long long)i;
		n = strlen(bat->row[i].why);
		if (fwrite(&ord, sizeof ord, 1, rspool) != 1 ||
		    fwrite(&n, sizeof n, 1, rspool) != 1 ||
		    fwrite(bat->row[i].why, 1, n, rspool) != n)
			mp_err(MP_EX_IOERR, "spool file");
	}
}

static void addrow(const char *, size_t, const char *, long long, int64_t);

/* Reads the next spooled row into the batch; 0 at the end. */
static int
unspool(FILE *f)
{
	static struct mp_buf line;
	struct spooled s;
	struct mp_rec rec;

	if (fread(&s, sizeof s, 1, f) != 1)
		return 0;
	line.len = 0;
	mp_buf_grow(&line, s.n);
	if (fread(line.p, 1, s.n, f) != s.n)
		mp_errx(MP_EX_IOERR, "spool file: short read");
	rec.p = line.p;
	rec.n = s.n;
	rec.file = s.file;
	rec.line = s.line;
	addrow(rec.p, rec.n, rec.file, rec.line, s.day);
	return 1;
}


/* Makes the run's transaction again from the spool; 0 or an exit status. */
static int
replay(int n, PGresult *err)
{
	PGresult *e2 = NULL;
	long long first;
	int c, rc;

	for (;; n++) {
		if ((rc = again(n, err, o.table)) != 0)
			return rc;
		ndays = 0;
		swapsfree();
		if (fflush(spool) != 0 || fseeko(spool, 0, SEEK_SET) != 0 ||
		    fflush(rspool) != 0 || fseeko(rspool, 0, SEEK_SET) != 0 ||
		    ftruncate(fileno(rspool), 0) != 0)
			mp_err(MP_EX_IOERR, "spool file");
		if (cmd("BEGIN", &err) < 0) {
			if (mp_pg_class(conn, err) != MP_PG_RETRY)
				return fail(err, o.table);
			continue;
		}
		PQclear(err);
		clearbatch();
		first = 0;
		c = 0;
		for (;;) {
			int more = unspool(spool);

			if (bat->n && (bat->n == (size_t)o.batch || !more)) {
				if ((c = part(&e2)) != 0)
					break;
				spoolrejects(first);
				first += (long long)bat->n;
				clearbatch();
			}
			if (!more)
				break;
		}
		if (c == 0) {
			if (fseeko(spool, 0, SEEK_END) != 0)
				mp_err(MP_EX_IOERR, "spool file");
			return 0;
		}
		if (c != MP_PG_RETRY)
			return fail(e2, o.table);
		err = e2;
	}
}

/* A full batch of a run in one transaction; 0 or an exit status. */
static int
runbatch(void)
{
	PGresult *err = NULL;
	int c;

	spoolbatch();
	if ((c = part(&err)) == 0) {
		spoolrejects(nspool);
		nspool += (long long)bat->n;
		return 0;
	}
	nspool += (long long)bat->n;
	if (c != MP_PG_RETRY) {
		rollback();
		return fail(err, o.table);
	}
	clearbatch();
	return replay(0, err);
}

/* Commits the run's transaction, then writes its rejects and passes. */
static int
runcommit(void)
{
	static struct mp_buf why;
	PGresult *err = NULL;
	long long ord, next = -1, i;
	size_t n;
	int rc, tries = 0, commit = 1;

	if (o.strict && ftello(rspool) > 0) {
		/* -s: a row PostgreSQL refused stops the day from landing */
		rollback();
		memset(&pend, 0, sizeof pend);
		commit = 0;
	}
	for (; commit;) {
		if (swapin(&err) == 0) {
			if (cmd("COMMIT", &err) == 0)
				break;
		}
		if (mp_pg_class(conn, err) != MP_PG_RETRY) {
			rollback();
			return fail(err, o.table);
		}
		/* the commit's fate is unknown: doing it again is harmless */
		clearbatch();
		if ((rc = replay(tries++, err)) != 0)
			return rc;
		err = NULL;
	}
	PQclear(err);
	commitcounts();
	if (fflush(spool) != 0 || fseeko(spool, 0, SEEK_SET) != 0 ||
	    fflush(rspool) != 0 || fseeko(rspool, 0, SEEK_SET) != 0)
		mp_err(MP_EX_IOERR, "spool file");
	if (fread(&next, sizeof next, 1, rspool) != 1)
		next = -1;
	for (i = 0;; i++) {
		struct mp_rec rec;

		clearbatch();
		if (!unspool(spool))
			break;
		rec = rowrec(0);
		if (i == next) {
			if (fread(&n, sizeof n, 1, rspool) != 1)
				mp_errx(MP_EX_IOERR, "spool file: short read");
			why.len = 0;
			mp_buf_grow(&why, n);
			if (fread(why.p, 1, n, rspool) != n)
				mp_errx(MP_EX_IOERR, "spool file: short read");
			why.len = n;
			mp_reject(run, &rec, "%s", mp_buf_str(&why));
			if (fread(&ord, sizeof ord, 1, rspool) != 1)
				ord = -1;
			next = ord;
		} else if (o.pass && commit)
			mp_emit(run, &rec);
	}
	clearbatch();
	return 0;
}

/*
 * Adds a row to the batch: its bytes, then (--replace) its day after the
 * NUL that ends it, so the day travels with the row.
 */
static void
addrow(const char *p, size_t n, const char *file, long long line,
    int64_t day)
{
	struct mp_rec rec = { p, n, file, line };
	struct row *r;

	if (bat->n == bat->cap) {
		bat->cap = bat->cap ? bat->cap * 2 : 1024;
		bat->row = xrealloc(bat->row, bat->cap * sizeof *bat->row);
	}
	r = &bat->row[bat->n];
	r->off = bat->text.len;
	r->n = n;
	r->coff = bat->copy.len;
	r->file = file;
	r->line = line;
	r->why = NULL;
	if (copyline(&rec, bat->n, day) < 0) {
		bat->copy.len = r->coff;
		return;
	}
	mp_buf_add(&bat->text, p, n);
	mp_buf_addc(&bat->text, '\0');
	mp_buf_add(&bat->text, &day, sizeof day);
	bat->n++;
}

/* A full batch, or the last: 0 or an exit status. */
static int
flushbatch(void)
{
	int st;

	if (o.atomic) {
		st = bat->n ? runbatch() : 0;
		clearbatch();
		return st;
	}
	if (sent && (st = finish()) != 0)
		return st;
	if (bat->n == 0 || start() == 0)
		return 0;
	st = batch(0);
	clearbatch();
	return st;
}

static int status;

static int
load(struct mp_run *r, struct mp_rec *rec, void *arg)
{
	struct mp_span *tv;
	int64_t us = 0, day = 0;

	(void)arg;
	if (mp_rec_json(r, rec) < 0)
		return 0;
	if (o.replace) {
		tv = &val[ncol];
		mp_json_get(rec->p, rec->n, &o.time, tv);
		if (mp_rec_time(r, rec, tv, o.time.text, &us) < 0)
			return 0;
		day = us / 86400000000LL - (us % 86400000000LL < 0);
	}
	addrow(rec->p, rec->n, rec->file, rec->line, day);
	if (bat->n < (size_t)o.batch)
		return 0;
	status = flushbatch();
	return status ? -1 : 0;
}

/* Spooled files live unlinked in $TMPDIR (tmpfile(3) ignores it). */
static FILE *
spoolfile(void)
{
	const char *dir = getenv("TMPDIR");
	char *name;
	FILE *f;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	name = xmalloc(strlen(dir) + 32);
	sprintf(name, "%s/mp-load.XXXXXX", dir);
	if ((fd = mkstemp(name)) < 0 || unlink(name) < 0 ||
	    (f = fdopen(fd, "w+")) == NULL)
		mp_err(MP_EX_CANTCREAT, "spool file in %s", dir);
	free(name);
	return f;
}

int
main(int argc, char *argv[])
{
	enum { OPT_SCHEMA = MP_OPT_TOOL, OPT_DATA, OPT_CONFLICT, OPT_REPLACE,
	    OPT_LOCK, OPT_PASS, OPT_CREATE, OPT_GIN, OPT_DDL, OPT_RETRIES,
	    OPT_TRUST, OPT_ATOMIC };
	static const struct option opts[] = {
		MP_COMMON_OPTIONS,
		{ "db",		required_argument,	NULL, 'd' },
		{ "table",	required_argument,	NULL, 't' },
		{ "column",	required_argument,	NULL, 'c' },
		{ "schema",	required_argument,	NULL, OPT_SCHEMA },
		{ "data-column", required_argument,	NULL, OPT_DATA },
		{ "key",	required_argument,	NULL, 'k' },
		{ "on-conflict", required_argument,	NULL, OPT_CONFLICT },
		{ "batch",	required_argument,	NULL, 'b' },
		{ "replace",	required_argument,	NULL, OPT_REPLACE },
		{ "time",	required_argument,	NULL, 'T' },
		{ "lock",	required_argument,	NULL, OPT_LOCK },
		{ "pass",	no_argument,		NULL, OPT_PASS },
		{ "trust-input", no_argument,		NULL, OPT_TRUST },
		{ "atomic",	no_argument,		NULL, OPT_ATOMIC },
		{ "create",	no_argument,		NULL, OPT_CREATE },
		{ "gin",	no_argument,		NULL, OPT_GIN },
		{ "print-ddl",	no_argument,		NULL, OPT_DDL },
		{ "retries",	required_argument,	NULL, OPT_RETRIES },
		{ NULL, 0, NULL, 0 }
	};
	struct mp_cfg cfg = { 0 };
	struct mp_path *paths;
	const char *data = "data", *schema = NULL, *why;
	int c, i, st, ncolopt = 0;
	char **colopt = NULL;

	mp_opt_init(&argc, &argv);
	mp_opt_path(&o.time, "--time", ".ts", usage);
	while ((c = getopt_long(argc, argv, MP_COMMON_SHORT "d:t:c:k:b:T:",
	    opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.db = optarg;
			break;
		case 't':
			o.table = optarg;
			break;
		case 'c':
			colopt = xrealloc(colopt, (ncolopt + 1) *
			    sizeof *colopt);
			colopt[ncolopt++] = optarg;
			break;
		case OPT_SCHEMA:
			schema = optarg;
			break;
		case OPT_DATA:
			data = optarg;
			break;
		case 'k':
			optkey(optarg);
			break;
		case OPT_CONFLICT:
			if (strcmp(optarg, "nothing") == 0)
				o.update = 0;
			else if (strcmp(optarg, "update") == 0)
				o.update = 1;
			else {
				mp_warnx("--on-conflict: '%s': want nothing "
				    "or update", optarg);
				mp_usage(usage);
			}
			break;
		case 'b':
			o.batch = mp_opt_number("--batch", optarg, 1, 1000000,
			    usage);
			break;
		case OPT_REPLACE:
			if (strcmp(optarg, "day") != 0) {
				mp_warnx("--replace: '%s': want day", optarg);
				mp_usage(usage);
			}
			o.replace = o.atomic = 1;
			break;
		case 'T':
			mp_opt_path(&o.time, "--time", optarg, usage);
			break;
		case OPT_LOCK:
			if (*optarg == '\0') {
				mp_warnx("--lock: empty name");
				mp_usage(usage);
			}
			o.lock = optarg;
			break;
		case OPT_PASS:
			o.pass = 1;
			break;
		case OPT_TRUST:
			o.trust = 1;
			break;
		case OPT_ATOMIC:
			o.atomic = 1;
			break;
		case OPT_CREATE:
			o.create = 1;
			break;
		case OPT_GIN:
			o.gin = 1;
			break;
		case OPT_DDL:
			o.ddl = 1;
			break;
		case OPT_RETRIES:
			o.retries = mp_opt_number("--retries", optarg, 0, 30,
			    usage);
			break;
		default:
			mp_opt_common(&cfg, c, optarg, usage);
		}
	}
	argc -= optind;
	argv += optind;
	o.strict = cfg.strict;
	if (o.table == NULL) {
		mp_warnx("--table is needed");
		mp_usage(usage);
	}
	if (mp_pg_qualname(o.table, &o.schema, &o.name) < 0) {
		mp_warnx("--table: '%s': want [schema.]name, a part in double "
		    "quotes when it holds a dot or a quote", o.table);
		mp_usage(usage);
	}
	if (o.schema) {
		ident(&o.qname, o.schema);
		mp_buf_addc(&o.qname, '.');
	}
	ident(&o.qname, o.name);
	mp_buf_str(&o.qname);
	if (o.gin && !o.create && !o.ddl) {
		mp_warnx("--gin needs --create or --print-ddl");
		mp_usage(usage);
	}

	/* the columns: canonical or the schema's, then --column, then data */
	if (schema)
		optschema(schema);
	else
		for (i = 0; i < (int)(sizeof canon / sizeof canon[0]); i++) {
			char path[64];

			snprintf(path, sizeof path, ".%s", canon[i].name);
			addcol(canon[i].name, canon[i].type, path, 0, 0);
		}
	for (i = 0; i < ncolopt; i++)
		optcolumn(colopt[i]);
	free(colopt);
	if (*data) {
		for (i = 0; i < ncol && strcmp(col[i].name, data) != 0; i++)
			;
		if (i == ncol) {
			addcol(data, "jsonb", NULL, 1, strcmp(data, "data"));
			col[ncol - 1].json = 1;
		}
	}
	if (o.key == NULL)
		optkey("event_id");
	keycols();
	if (o.ddl) {
		tmp.len = 0;
		ddl(&tmp);
		fwrite(tmp.p, 1, tmp.len, stdout);
		if (fclose(stdout) != 0)
			mp_err(MP_EX_IOERR, "stdout");
		return 0;
	}

	if ((st = session(0)) != 0)
		return st;
	if ((st = table()) != 0)
		return st;
	keycols();
	statements();
	if ((st = makestage()) != 0)
		return st;
	if (o.replace && (st = bydays()) != 0)
		return st;

	paths = xcalloc(ncol + 1, sizeof *paths);
	for (i = 0; i < ncol; i++)
		paths[i] = col[i].path;
	query = mp_query_new(paths, ncol);
	free(paths);
	val = xcalloc(ncol + 1, sizeof *val);

	run = mp_run_new(&cfg);
	memset(&pend, 0, sizeof pend);
	commitcounts();
	mp_count(run, "retries", 0);
	if (o.atomic) {
		spool = spoolfile();
		rspool = spoolfile();
		if (cmd("BEGIN", NULL) < 0)
			return fail(NULL, o.table);
	}
	st = mp_run_loop(run, argc, argv, load, NULL);
	if (status)
		st = status;
	else if (o.replace && st == 0 && !o.trust && !mp_chain_whole(&why)) {
		/* a day is replaced only by a whole day (mp(7), The chain) */
		rollback();
		mp_warnx("%s: nothing replaced: the input may not hold whole "
		    "days: %s", o.table, why);
		st = MP_EX_DATAERR;
	} else if (o.atomic && (st != 0 || mp_interrupted() ||
	    (cfg.strict && mp_run_rejected(run) > 0))) {
		/* a run commits all of its input or none of it */
		rollback();
		if (st || mp_interrupted())
			mp_warnx("%s: nothing %s", o.table, o.replace ?
			    "replaced" : "committed");
	} else {
		status = flushbatch();
		if (status == 0 && sent)
			status = finish();
		if (status == 0 && o.atomic)
			status = runcommit();
		if (status)
			st = status;
	}
	st = mp_run_flush(run, st);
	PQfinish(conn);
	return mp_run_end(run, st);
}
