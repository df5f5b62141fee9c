/*
 * mp-enrich: add fields from lookup tables to each record: what a click
 * cost, what a conversion earned.  Tables (NDJSON, CSV, TSV, or the rows
 * of a PostgreSQL query) are held in memory and tried in priority order;
 * the first that has the record's key wins.  Spend can be spread exactly
 * over the events it covers, and money converted by the day's rate.
 * Records pass byte for byte; fields are spliced in.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "mp.h"

static const char usage[] =
    "usage: mp-enrich [-s] [table-options] -t [name=]source "
    "[table-options] [-t ...]\n"
    "                 [-d conninfo] [-b n] [--cache=n] "
    "[--source-field=field]\n"
    "                 [--unmatched=pass|drop|reject] "
    "[--allocate-to=types] [--type=path]\n"
    "                 [--unallocated=type [--unallocated-time=column] "
    "[--trust-input]]\n"
    "                 [--currency-table=source] [--currency=code] "
    "[--convert=paths]\n"
    "                 [--currency-field=path] [-T path] "
    "[--fx-field=field] [-K file]\n"
    "                 [--rejects=file] [--dropped=file] "
    "[--stats[=file]] [--metrics=file]\n"
    "                 [--max-record=size] [--log-format=text|json] "
    "[file ...]\n"
    "table-options:   [-k column[=expr]] [-a column[=field][:type]] "
    "[--format=ndjson|csv|tsv]\n"
    "                 [--first | --last] [--allocate=column[=field]] "
    "[--count-column=column]\n";

enum { F_NONE, F_NDJSON, F_CSV, F_TSV, F_PG };
enum { T_AUTO, T_STRING, T_NUMBER, T_MONEY, T_JSON, T_RATE };
enum { U_PASS, U_DROP, U_REJECT };
enum { K_PATH, K_SLICE, K_JQ };

struct key {
	char	*col;
	char	*expr;
	int	 kind;
	int	 slot;		/* query slot of the path */
	long	 from, to;	/* a slice; to LONG_MAX: to the end */
	struct mp_jq *jq;
	int	 idx;		/* the table's column */
};

struct add {
	char	*col;
	struct mp_path field;
	int	 type;
	int	 idx;		/* the table's column */
	int	 slot;		/* query slot of the field */
	char	*name;		/* "field": for a top-level field */
};

struct tab {
	char	*name, *src;
	int	 fmt;
	int	 batched;
	struct key *key;
	int	 nkey;
	struct add *add;
	int	 nadd;
	int	 dups;		/* MP_TABLE_* */
	int	 set;		/* options given for this table: bit per kind */
	char	*alloc, *allocfield, *countcol;
	struct add afield;	/* where the share goes */
	int	 aidx, cidx;
	struct mp_table *rows;
	/* allocation, by row: the amount, the events it covers, seen */
	int64_t	*total, *n, *seen;
	size_t	 acap;
	/* batches: this batch's rows, and the cache in two generations */
	struct mp_table *bt, *cache[2];
	long long matched;
	/* --unallocated: what a row's record holds, made as it is read */
	int	 tidx;		/* the time column */
	int	 srcidx;	/* a column "source", or -1 */
	int	*ocol, nocol;	/* the other columns it keeps */
	char	**oname;	/* their names, as "name": */
	char	**kname;	/* the key columns', NULL: left out */
	const char *sname;	/* the source field, as "name":, or NULL */
	int	 ssplice;	/* the source field is a path, spliced in */
	struct resid {
		size_t	 off, hn, tn;	/* the head, then the tail */
	} *res;
	struct mp_buf rbuf;
};
enum { S_KEY = 1, S_ADD = 2, S_FMT = 4, S_DUPS = 8, S_ALLOC = 16,
    S_COUNT = 32 };

static struct tab *tabs, dflt;
static int ntab;
static struct tab fx;		/* the currency table */
static int hasfx;

static struct mp_path qpath[256];
static struct mp_span qval[256];
static int nq;
static struct mp_query *query;

static struct add srcfield;	/* --source-field */
static int unmatched = U_PASS, typeslot = -1, curslot, timeslot;
static char **alloctypes;
static int nalloctypes;
static struct mp_path typepath, curpath, timepath;
static struct mp_path *conv;
static int nconv, *convslot;
static char *currency;
static struct add fxfield;
static const char *conninfo;
static struct pg_conn *conn;
static long long batchn = 1000, cachen = 100000, queries, hits, misses;
static long long allocated, excess, converted, nunmatched, seq;
static const char *unalloctype, *unalloctime = "date";
static int trustinput;			/* --trust-input */
static long long costrecs;
static int twopass, anybatch, strict;

/* Adds a path to the query, once; returns its slot. */
static int
slot(const struct mp_path *p)
{
	int i;

	for (i = 0; i < nq; i++)
		if (strcmp(qpath[i].text, p->text) == 0)
			return i;
	if (nq == (int)(sizeof qpath / sizeof *qpath))
		mp_errx(MP_EX_USAGE, "too many fields");
	qpath[nq] = *p;
	return nq++;
}

static int
ext(const char *file, const char *e)
{
	size_t n = strlen(file), k = strlen(e);

	return n > k && strcmp(file + n - k, e) == 0;
}

/* Whether a checked value is an object. */
static int
isobject(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'))
		i++;
	return i < n && p[i] == '{';
}

static int
format(const char *opt, const char *s)
{
	if (strcmp(s, "ndjson") == 0)
		return F_NDJSON;
	if (strcmp(s, "csv") == 0)
		return F_CSV;
	if (strcmp(s, "tsv") == 0)
		return F_TSV;
	mp_warnx("%s: '%s': want ndjson, csv or tsv", opt, s);
	mp_usage(usage);
}

/* [name=]source: a name is letters, digits, '_', '-' and '.' */
static void
newtab(struct tab *t, const char *arg)
{
	size_t n = strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR"
	    "STUVWXYZ0123456789_-.");
	const char *src = arg, *b, *e;

	memset(t, 0, sizeof *t);
	if (arg[n] == '=' && n > 0) {
		t->name = xstrndup(arg, n);
		src = arg + n + 1;
	}
	if (*src == '\0') {
		mp_warnx("--table: '%s': no source", arg);
		mp_usage(usage);
	}
	t->src = xstrdup(src);
	if (strncmp(src, "pg:", 3) == 0) {
		t->fmt = F_PG;
		t->batched = strstr(src, "$1") != NULL;
		if (t->name == NULL)
			t->name = xstrdup("pg");
	} else if (t->name == NULL) {
		b = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
		e = strchr(b, '.') && strchr(b, '.') != b ? strchr(b, '.') :
		    b + strlen(b);
		t->name = xstrndup(b, e - b);
	}
}

static void
addkey(struct tab *t, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct key *k;

	if (!(t->set & S_KEY))
		t->nkey = 0;
	t->set |= S_KEY;
	t->key = xrealloc(t->key, (t->nkey + 1) * sizeof *t->key);
	k = &t->key[t->nkey++];
	memset(k, 0, sizeof *k);
	k->col = eq ? xstrndup(arg, eq - arg) : xstrdup(arg);
	if (*k->col == '\0') {
		mp_warnx("--key: '%s': no column", arg);
		mp_usage(usage);
	}
	if (eq)
		k->expr = xstrdup(eq + 1);
	else {
		k->expr = xmalloc(strlen(arg) + 2);
		sprintf(k->expr, ".%s", arg);
	}
}

static void
setfield(struct add *a, const char *opt, const char *field)
{
	struct mp_buf b = { 0 };

	mp_opt_field(&a->field, opt, field, 0, usage);
	if (a->field.nseg == 1) {
		mp_buf_json_str(&b, a->field.seg[0].key,
		    a->field.seg[0].keylen);
		mp_buf_addc(&b, ':');
		a->name = xstrdup(mp_buf_str(&b));
		mp_buf_free(&b);
	}
}

static void
addcol(struct tab *t, const char *arg)
{
	static const char *types[] = { "", "string", "number", "money",
	    "json" };
	char *s = xstrdup(arg), *c, *eq;
	struct add *a;
	int i;

	if (!(t->set & S_ADD))
		t->nadd = 0;
	t->set |= S_ADD;
	t->add = xrealloc(t->add, (t->nadd + 1) * sizeof *t->add);
	a = &t->add[t->nadd++];
	memset(a, 0, sizeof *a);
	if ((c = strrchr(s, ':')) != NULL) {
		for (i = 1; i < 5; i++)
			if (strcmp(c + 1, types[i]) == 0)
				break;
		if (i == 5) {
			mp_warnx("--add: '%s': want a type of string, number, "
			    "money or json after ':'", arg);
			mp_usage(usage);
		}
		a->type = i;
		*c = '\0';
	}
	if ((eq = strchr(s, '=')) != NULL)
		*eq++ = '\0';
	if (*s == '\0') {
		mp_warnx("--add: '%s': no column", arg);
		mp_usage(usage);
	}
	a->col = s;
	setfield(a, "--add", eq ? eq : s);
}

/* The options of a table it did not give itself come from the defaults. */
static void
inherit(struct tab *t)
{
	int i;

	if (!(t->set & S_KEY)) {
		t->nkey = dflt.nkey;
		t->key = xcalloc(dflt.nkey + 1, sizeof *t->key);
		for (i = 0; i < dflt.nkey; i++) {
			t->key[i].col = dflt.key[i].col;
			t->key[i].expr = dflt.key[i].expr;
		}
		if (t->nkey == 0)
			addkey(t, "event_id");
	}
	if (!(t->set & S_ADD)) {
		t->nadd = dflt.nadd;
		t->add = xcalloc(dflt.nadd + 1, sizeof *t->add);
		if (dflt.nadd > 0)
			memcpy(t->add, dflt.add, dflt.nadd * sizeof *t->add);
	}
	if (!(t->set & S_FMT) && t->fmt == F_NONE)
		t->fmt = dflt.fmt;
	if (!(t->set & S_DUPS))
		t->dups = dflt.dups;
	if (!(t->set & S_ALLOC)) {
		t->alloc = dflt.alloc;
		t->allocfield = dflt.allocfield;
	}
	if (!(t->set & S_COUNT))
		t->countcol = dflt.countcol;
	if (t->fmt == F_NONE) {
		if (ext(t->src, ".ndjson") || ext(t->src, ".jsonl") ||
		    ext(t->src, ".json"))
			t->fmt = F_NDJSON;
		else if (ext(t->src, ".csv"))
			t->fmt = F_CSV;
		else if (ext(t->src, ".tsv"))
			t->fmt = F_TSV;
		else {
			mp_warnx("%s: cannot tell the format from the name; "
			    "give --format", t->src);
			mp_usage(usage);
		}
	}
}

/* Compiles a table's key expressions. */
static void
prepare(struct tab *t)
{
	struct mp_buf err = { 0 };
	struct mp_path p;
	const char *errstr;
	struct key *k;
	char *br, *colon, *end;
	int i;

	for (i = 0; i < t->nkey; i++) {
		k = &t->key[i];
		k->to = -1;
		if (mp_path_parse(k->expr, &p, &errstr) == 0) {
			k->kind = K_PATH;
			k->slot = slot(&p);
			continue;
		}
		/* PATH[m:n] */
		br = strrchr(k->expr, '[');
		if (br && br != k->expr && k->expr[strlen(k->expr) - 1] == ']' &&
		    (colon = strchr(br, ':')) != NULL) {
			char *ps = xstrndup(k->expr, br - k->expr);
			long m = 0, n = -1;
			int okay = mp_path_parse(ps, &p, &errstr) == 0;

			if (okay && colon > br + 1) {
				m = strtol(br + 1, &end, 10);
				okay = end == colon && m >= 0;
			}
			if (okay && colon[1] != ']') {
				n = strtol(colon + 1, &end, 10);
				okay = *end == ']' && n >= 0 && end[1] == '\0';
			}
			free(ps);
			if (okay) {
				k->kind = K_SLICE;
				k->slot = slot(&p);
				k->from = m;
				k->to = n;
				continue;
			}
		}
		k->kind = K_JQ;
		if ((k->jq = mp_jq_new(k->expr, &err)) == NULL) {
			mp_warnx("--key: '%s': %s", k->expr, mp_buf_str(&err));
			mp_usage(usage);
		}
	}
	for (i = 0; i < t->nadd; i++)
		t->add[i].slot = slot(&t->add[i].field);
	if (t->alloc) {
		t->afield.col = t->alloc;
		setfield(&t->afield, "--allocate",
		    t->allocfield ? t->allocfield : t->alloc);
		t->afield.slot = slot(&t->afield.field);
		t->afield.type = T_MONEY;
		for (i = 0; i < t->nadd; i++)
			if (strcmp(t->add[i].field.text,
			    t->afield.field.text) == 0) {
				/* the record would get the field twice */
				mp_warnx("%s: '%s' is both added (-a) and "
				    "allocated (--allocate)", t->name,
				    t->afield.field.text);
				mp_usage(usage);
			}
		if (t->batched) {
			mp_warnx("%s: --allocate needs a table read whole, "
			    "not a query in batches", t->name);
			mp_usage(usage);
		}
		if (t->countcol == NULL)
			twopass = 1;
	}
	mp_buf_free(&err);
}

/* A varint of the length (plus bias), then the bytes. */
static void
varpart(struct mp_buf *k, const char *p, size_t n, size_t bias)
{
	unsigned char v[10];
	int i = 0;
	size_t x = n + bias;

	do {
		v[i++] = (x & 0x7f) | (x > 0x7f ? 0x80 : 0);
		x >>= 7;
	} while (x);
	mp_buf_add(k, v, i);
	mp_buf_add(k, p, n);
}

/* Key text: for each part, its length as a varint, then its bytes. */
static void
keypart(struct mp_buf *k, const char *p, size_t n)
{
	varpart(k, p, n, 0);
}

/*
 * The text of a JSON value as a key part: 1, 0 for null or absent or an
 * object or array (no key), the value's text appended to b.
 */
static int
valtext(const struct mp_span *v, struct mp_buf *b)
{
	switch (v->n ? mp_json_type(v) : MP_JSON_NONE) {
	case MP_JSON_STRING:
		if (memchr(v->p, '\\', v->n) == NULL)
			mp_buf_add(b, v->p + 1, v->n - 2);
		else
			mp_json_str_decode(v, b);
		return 1;
	case MP_JSON_NUMBER:
	case MP_JSON_TRUE:
	case MP_JSON_FALSE:
		mp_buf_add(b, v->p, v->n);
		return 1;
	default:
		return 0;
	}
}

/* The characters from..to of a UTF-8 string (jq's slice). */
static void
slice(const char *s, size_t n, long from, long to, struct mp_buf *b)
{
	size_t i = 0, start = n, stop = n;
	long c = 0;

	for (;;) {
		if (c == from)
			start = i;
		if (c == to) {
			stop = i;
			break;
		}
		if (i >= n)
			break;
		i++;
		while (i < n && ((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		c++;
	}
	if (start < stop)
		mp_buf_add(b, s + start, stop - start);
}

/* A record being enriched. */
struct cur {
	const char *p;
	size_t	 n;
	long long seq;
	struct mp_rec *rec;
};

/*
 * The record's key for a table into k: 1, 0 when it has none, -1 after
 * rejecting the record.
 */
static int
recordkey(struct mp_run *run, struct cur *c, struct tab *t, struct mp_buf *k)
{
	static struct mp_buf tmp;
	struct mp_span *v;
	struct key *key;
	int i, r;

	k->len = 0;
	for (i = 0; i < t->nkey; i++) {
		key = &t->key[i];
		tmp.len = 0;
		switch (key->kind) {
		case K_PATH:
			if (!valtext(&qval[key->slot], &tmp))
				return 0;
			break;
		case K_SLICE:
			v = &qval[key->slot];
			if (v->n == 0 || mp_json_type(v) == MP_JSON_NULL)
				return 0;
			if (mp_json_type(v) != MP_JSON_STRING) {
				if (run)
					mp_reject(run, c->rec, "key '%s': cannot "
					    "slice %s '%s'", key->col,
					    mp_json_type_name(mp_json_type(v)),
					    qpath[key->slot].text);
				return -1;
			}
			{
				static struct mp_buf s;

				s.len = 0;
				mp_json_str_decode(v, &s);
				slice(s.p, s.len, key->from, key->to, &tmp);
			}
			break;
		case K_JQ:
			r = mp_jq_first(key->jq, c->p, c->n, c->seq, &tmp);
			if (r < 0) {
				if (run)
					mp_reject(run, c->rec, "key '%s': jq: %s",
					    key->col, mp_buf_str(&tmp));
				return -1;
			}
			if (r == 0)
				return 0;
			break;
		}
		keypart(k, tmp.p, tmp.len);
	}
	return 1;
}

/* --- reading tables --- */

/* A table row on its way in: cells by column, as text or JSON. */
struct row {
	const char *file;
	long long line;
	int	 json;		/* cells are JSON values (NDJSON) */
	int	 ncell;
	struct mp_span *cell;	/* p NULL: absent */
	unsigned char *pgtype;	/* by cell, for query rows: 'n' 'b' 'j' */
};

static void
bad(const struct row *r, const char *fmt, ...) MP_PRINTF(2, 3) MP_NORETURN;

static void
bad(const struct row *r, const char *fmt, ...)
{
	struct mp_buf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	mp_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	mp_errat(MP_EX_DATAERR, r->file, r->line, "%s", mp_buf_str(&b));
}

/* Whether text is a JSON number, by the grammar. */
static int
isnumber(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i >= n || s[i] < '0' || s[i] > '9')
		return 0;
	if (s[i++] == '0' && i < n && s[i] >= '0' && s[i] <= '9')
		return 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i < n && s[i] == '.') {
		if (++i >= n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i == n;
}

/*
 * The text of a cell: a string's characters for JSON cells, as it is for
 * text cells; 0 when absent or null.
 */
static int
celltext(const struct row *r, int i, struct mp_buf *b)
{
	const struct mp_span *c = &r->cell[i];

	if (c->p == NULL || (r->pgtype && r->pgtype[i] == '0'))
		return 0;	/* absent, or NULL */
	if (r->json)
		return valtext(c, b);
	if (r->pgtype && r->pgtype[i] == 'b') {
		mp_buf_adds(b, *c->p == 't' ? "true" : "false");
		return 1;
	}
	mp_buf_add(b, c->p, c->n);
	return 1;
}

/* Appends a cell as the JSON value an added field gets; 0 adds nothing. */
static int
cellvalue(const struct row *r, int i, const struct add *a, struct mp_buf *b)
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
	if (a->type == T_AUTO) {
		if (r->json || (r->pgtype && r->pgtype[i] == 'j'))
			mp_buf_add(b, c->p, c->n);
		else if (r->pgtype && r->pgtype[i] == 'b')
			mp_buf_adds(b, *c->p == 't' ? "true" : "false");
		else if (r->pgtype && r->pgtype[i] == 'n' &&
		    isnumber(c->p, c->n))
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
	case T_STRING:
		if (r->json && mp_json_type(c) != MP_JSON_STRING)
			mp_buf_json_str(b, c->p, c->n);
		else
			mp_buf_json_str(b, t.p, t.len);
		break;
	case T_NUMBER:
		if (!isnumber(t.p, t.len))
			bad(r, "column '%s': '%.*s' is not a number", a->col,
			    (int)t.len, t.p);
		mp_buf_add(b, t.p, t.len);
		break;
	case T_MONEY:
		if (mp_money_parse(t.p, t.len, &m, &errstr) < 0)
			bad(r, "column '%s': '%.*s' is not an exact decimal: "
			    "%s", a->col, (int)t.len, t.p, errstr);
		mp_buf_adds(b, mp_money_fmt(m, mbuf));
		break;
	case T_JSON:
		if (r->json)
			mp_buf_add(b, c->p, c->n);
		else {
			/* check it as the one member of an object */
			static struct mp_buf o;

			o.len = 0;
			mp_buf_adds(&o, "{\"v\":");
			mp_buf_add(&o, t.p, t.len);
			mp_buf_addc(&o, '}');
			if (mp_json_check(o.p, o.len, &e) < 0)
				bad(r, "column '%s': not JSON: %s", a->col,
				    e.msg);
			mp_buf_add(b, t.p, t.len);
		}
		break;
	case T_RATE:
		if (mp_rate_parse(t.p, t.len, &m, &sc, &errstr) < 0)
			bad(r, "column '%s': '%.*s' is not a rate: %s",
			    a->col, (int)t.len, t.p, errstr);
		mp_buf_add(b, t.p, t.len);
		break;
	}
	return 1;
}

/*
 * Value bytes: 'Y', then for each added column a varint, its length + 1
 * (0: nothing to add), and its JSON text.
 */
static void
rowvalue(const struct tab *t, const struct row *r, struct mp_buf *v)
{
	static struct mp_buf c;
	int i;

	v->len = 0;
	mp_buf_addc(v, 'Y');
	for (i = 0; i < t->nadd; i++) {
		c.len = 0;
		if (!cellvalue(r, t->add[i].idx, &t->add[i], &c)) {
			if (t->add[i].type == T_RATE)
				bad(r, "column '%s' is empty", t->add[i].col);
			mp_buf_addc(v, 0);
		}
		else
			varpart(v, c.p, c.len, 1);
	}
}

/* The next column of value bytes: its JSON, or n 0 when it has none. */
static const char *
valnext(const char *v, const char **p, size_t *n)
{
	const unsigned char *u = (const unsigned char *)v;
	size_t len = 0;
	int sh = 0;

	do {
		len |= (size_t)(*u & 0x7f) << sh;
		sh += 7;
	} while (*u++ & 0x80);
	*n = len ? len - 1 : 0;
	*p = (const char *)u;
	return *p + *n;
}

static int isday(const char *, size_t);

/*
 * Makes the --unallocated record of a row, but for the amount, the
 * reason and the count: a head and a tail, kept in the table's buffer.
 */
static void
resrow(struct tab *t, const struct row *r, long id)
{
	static const struct add raw;	/* T_AUTO: as in the table */
	static struct mp_buf ts, eid;
	struct mp_buf *b = &t->rbuf;
	struct resid *x = &t->res[id];
	size_t at;
	int64_t us;
	int i;

	ts.len = 0;
	if (!celltext(r, t->tidx, &ts) || ts.len == 0)
		bad(r, "column '%s' is %s: table '%s' has no time for this "
		    "row's --unallocated record", unalloctime,
		    r->cell[t->tidx].p == NULL ? "missing" : "empty or null",
		    t->name);
	if (isday(ts.p, ts.len))
		mp_buf_adds(&ts, "T00:00:00Z");
	else if (mp_time_parse(ts.p, ts.len, &us) < 0)
		bad(r, "column '%s': '%s' is not a day (YYYY-MM-DD) or an RFC "
		    "3339 time, for table '%s''s --unallocated record",
		    unalloctime, mp_buf_str(&ts), t->name);
	eid.len = 0;
	mp_buf_adds(&eid, "spend:");
	mp_buf_adds(&eid, t->name);
	for (i = 0; i < t->nkey; i++) {
		mp_buf_addc(&eid, ':');
		celltext(r, t->key[i].idx, &eid);
	}
	x->off = b->len;
	mp_buf_adds(b, "{\"event_id\":");
	mp_buf_json_str(b, eid.p, eid.len);
	mp_buf_adds(b, ",\"type\":");
	mp_buf_json_str(b, unalloctype, strlen(unalloctype));
	mp_buf_adds(b, ",\"ts\":");
	mp_buf_json_str(b, ts.p, ts.len);
	/* the row's network, when one table reports for several */
	mp_buf_adds(b, ",\"source\":");
	eid.len = 0;
	if (t->srcidx >= 0 && celltext(r, t->srcidx, &eid) && eid.len > 0)
		mp_buf_json_str(b, eid.p, eid.len);
	else
		mp_buf_json_str(b, t->name, strlen(t->name));
	if (t->sname) {
		mp_buf_addc(b, ',');
		mp_buf_adds(b, t->sname);
		mp_buf_json_str(b, t->name, strlen(t->name));
	}
	for (i = 0; i < t->nkey; i++) {
		if (t->kname[i] == NULL)
			continue;
		mp_buf_addc(b, ',');
		mp_buf_adds(b, t->kname[i]);
		eid.len = 0;
		celltext(r, t->key[i].idx, &eid);
		mp_buf_json_str(b, eid.p, eid.len);
	}
	x->hn = b->len - x->off;
	for (i = 0; i < t->nocol; i++) {
		at = b->len;
		mp_buf_addc(b, ',');
		mp_buf_adds(b, t->oname[i]);
		if (!cellvalue(r, t->ocol[i], &raw, b))
			b->len = at;	/* an empty cell: nothing */
	}
	mp_buf_addc(b, '}');
	x->tn = b->len - x->off - x->hn;
}

static void
allocrow(struct tab *t, const struct row *r, long id)
{
	static struct mp_buf b;
	const char *errstr;
	long long cnt;

	if (t->alloc == NULL)
		return;
	if ((size_t)id >= t->acap) {
		t->acap = t->acap ? t->acap * 2 : 1024;
		while ((size_t)id >= t->acap)
			t->acap *= 2;
		t->total = xrealloc(t->total, t->acap * sizeof *t->total);
		t->n = xrealloc(t->n, t->acap * sizeof *t->n);
		t->seen = xrealloc(t->seen, t->acap * sizeof *t->seen);
		if (unalloctype)
			t->res = xrealloc(t->res, t->acap * sizeof *t->res);
	}
	b.len = 0;
	if (!celltext(r, t->aidx, &b) || mp_money_parse(b.p, b.len,
	    &t->total[id], &errstr) < 0)
		bad(r, "column '%s': '%s' is not an exact decimal", t->alloc,
		    mp_buf_str(&b));
	t->n[id] = 0;
	t->seen[id] = 0;
	if (t->countcol) {
		b.len = 0;
		if (!celltext(r, t->cidx, &b) || mp_strtonum(mp_buf_str(&b),
		    0, INT64_MAX / 2, &cnt, &errstr) < 0)
			bad(r, "column '%s': '%s' is not a count",
			    t->countcol, mp_buf_str(&b));
		t->n[id] = cnt;
	}
	if (unalloctype)
		resrow(t, r, id);
}

/* Whether text is a day, YYYY-MM-DD. */
static int
isday(const char *s, size_t n)
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
addrow(struct tab *t, struct mp_table *into, const struct row *r)
{
	static struct mp_buf k, v, tmp;
	long id, old;
	int i;

	k.len = 0;
	for (i = 0; i < t->nkey; i++) {
		tmp.len = 0;
		if (!celltext(r, t->key[i].idx, &tmp))
			bad(r, "key column '%s' is %s", t->key[i].col,
			    r->cell[t->key[i].idx].p ? "null" : "missing");
		if (t == &fx && i == 0 && !isday(tmp.p, tmp.len))
			bad(r, "column 'date': '%s' is not a day, YYYY-MM-DD",
			    mp_buf_str(&tmp));
		keypart(&k, tmp.p, tmp.len);
	}
	rowvalue(t, r, &v);
	id = mp_table_add(into, k.p, k.len, v.p, v.len, r->line, t->dups,
	    &old);
	if (old >= 0 && t->dups == MP_TABLE_ERROR) {
		if (r->pgtype)
			bad(r, "duplicate key: the same as row %lld; --first "
			    "or --last says which counts",
			    mp_table_line(into, old));
		bad(r, "duplicate key: the same as line %lld; --first or "
		    "--last says which counts", mp_table_line(into, old));
	}
	if (id >= 0)
		allocrow(t, r, id);
}

/* Finds the columns the options name, by header; -1 when absent. */
static int
colidx(char **cols, int ncol, const char *name)
{
	int i;

	for (i = 0; i < ncol; i++)
		if (strcmp(cols[i], name) == 0)
			return i;
	return -1;
}

/* "name": of a column, for a record being written. */
static char *
jsonname(const char *s, size_t n)
{
	struct mp_buf b = { 0 };

	mp_buf_json_str(&b, s, n);
	mp_buf_addc(&b, ':');
	return (char *)mp_buf_str(&b);
}

static int
taken(char **used, int n, const char *s, size_t len)
{
	int i;

	for (i = 0; i < n; i++)
		if (strlen(used[i]) == len && memcmp(used[i], s, len) == 0)
			return 1;
	return 0;
}

/*
 * The members of a table's --unallocated records: its own fields, then
 * the key columns, then the other columns; a column whose name is taken
 * already is left out, so that no record has a member twice.
 */
static void
rescols(struct tab *t, char **cols, int ncol, const char *where)
{
	static const char *fixed[] = { "event_id", "type", "ts", "source",
	    "reason", "unallocated_count" };
	const struct mp_seg *sg;
	char **used;
	int nused = 0, i, j;

	used = xcalloc(ncol + t->nkey + 9, sizeof *used);
	for (i = 0; i < 6; i++)
		used[nused++] = (char *)fixed[i];
	if ((sg = &t->afield.field.seg[0])->key)
		used[nused++] = xstrndup(sg->key, sg->keylen);
	t->sname = NULL;
	t->ssplice = 0;
	if (srcfield.field.nseg && (sg = &srcfield.field.seg[0])->key &&
	    !taken(used, nused, sg->key, sg->keylen)) {
		if (srcfield.name)
			t->sname = srcfield.name;
		else
			t->ssplice = 1;
		used[nused++] = xstrndup(sg->key, sg->keylen);
	}
	t->kname = xcalloc(t->nkey + 1, sizeof *t->kname);
	for (i = 0; i < t->nkey; i++)
		if (!taken(used, nused, t->key[i].col,
		    strlen(t->key[i].col))) {
			t->kname[i] = jsonname(t->key[i].col,
			    strlen(t->key[i].col));
			used[nused++] = t->key[i].col;
		}
	t->ocol = xcalloc(ncol + 1, sizeof *t->ocol);
	t->oname = xcalloc(ncol + 1, sizeof *t->oname);
	for (i = 0; i < ncol; i++) {
		for (j = 0; j < t->nkey; j++)
			if (t->key[j].idx == i)
				break;
		if (j < t->nkey || taken(used, nused, cols[i],
		    strlen(cols[i])))
			continue;
		t->ocol[t->nocol] = i;
		t->oname[t->nocol++] = jsonname(cols[i], strlen(cols[i]));
		used[nused++] = cols[i];
	}
	t->srcidx = colidx(cols, ncol, "source");
	if ((t->tidx = colidx(cols, ncol, unalloctime)) < 0)
		mp_errat(MP_EX_DATAERR, where, 0, "no column '%s' for the "
		    "time of the --unallocated records", unalloctime);
	free(used);
}

static void
resolve(struct tab *t, char **cols, int ncol, const char *where)
{
	int i, j;

	for (i = 0; i < t->nkey; i++)
		if ((t->key[i].idx = colidx(cols, ncol,
		    t->key[i].col)) < 0) {
			mp_errat(MP_EX_DATAERR, where, 0, "no key column '%s'",
			    t->key[i].col);
		}
	if (t->nadd == 0 && !(t->set & S_ADD) && dflt.nadd == 0) {
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
			memset(&t->add[t->nadd], 0, sizeof *t->add);
			t->add[t->nadd].col = xstrdup(cols[i]);
			setfield(&t->add[t->nadd], "--add", cols[i]);
			t->add[t->nadd].slot = slot(&t->add[t->nadd].field);
			t->nadd++;
		}
	}
	for (i = 0; i < t->nadd; i++)
		if ((t->add[i].idx = colidx(cols, ncol, t->add[i].col)) < 0) {
			mp_errat(MP_EX_DATAERR, where, 0, "no column '%s'",
			    t->add[i].col);
		}
	if (t->alloc && (t->aidx = colidx(cols, ncol, t->alloc)) < 0)
		mp_errat(MP_EX_DATAERR, where, 0, "no column '%s'", t->alloc);
	if (t->countcol && (t->cidx = colidx(cols, ncol, t->countcol)) < 0)
		mp_errat(MP_EX_DATAERR, where, 0, "no column '%s'",
		    t->countcol);
	if (t->alloc && unalloctype)
		rescols(t, cols, ncol, where);
}

static void
load_csv(struct tab *t)
{
	struct mp_csv c;
	struct mp_span *f;
	struct row r = { 0 };
	char **cols;
	int n, ncol, i, st;

	if ((st = mp_csv_open(&c, t->src, t->fmt == F_CSV ? ',' : '\t')) != 0)
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
	resolve(t, cols, ncol, t->src);
	while ((n = mp_csv_next(&c, &f)) > 0) {
		r.line = c.line;
		if (n != ncol)
			bad(&r, "%d fields, the header has %d", n, ncol);
		r.cell = f;
		r.ncell = n;
		addrow(t, t->rows, &r);
	}
	if (n < 0) {
		mp_warnat(t->src, c.line, "%s", mp_csv_error(&c));
		exit(MP_EX_DATAERR);
	}
	mp_csv_close(&c);
}

static void
load_ndjson(struct tab *t)
{
	struct mp_lines l;
	struct mp_json_err e;
	struct mp_span k, v, *cells = NULL;
	struct row r = { 0 };
	struct mp_buf name = { 0 };
	char **cols = NULL, *s;
	size_t it;
	int ncol = 0, i, st, resolved = 0;

	if ((st = mp_lines_open(&l, t->src)) != 0)
		exit(st);
	r.file = t->src;
	r.json = 1;
	while ((s = mp_lines_next(&l, &st)) != NULL) {
		size_t n = strlen(s);

		r.line = l.line;
		if (mp_json_check(s, n, &e) < 0)
			bad(&r, "invalid JSON at byte %zu: %s", e.off + 1,
			    e.msg);
		if (!isobject(s, n))
			bad(&r, "not a JSON object");
		if (!resolved) {
			/* the first row's members are the columns */
			for (it = 0; mp_json_members(s, n, &it, &k, &v);) {
				name.len = 0;
				mp_json_str_decode(&k, &name);
				cols = xrealloc(cols, (ncol + 1) *
				    sizeof *cols);
				cols[ncol++] = xstrdup(mp_buf_str(&name));
			}
			/* and those the options name, when it lacks them */
			for (i = 0; i < t->nkey; i++)
				if (colidx(cols, ncol, t->key[i].col) < 0) {
					cols = xrealloc(cols, (ncol + 1) *
					    sizeof *cols);
					cols[ncol++] = t->key[i].col;
				}
			for (i = 0; i < t->nadd; i++)
				if (colidx(cols, ncol, t->add[i].col) < 0) {
					cols = xrealloc(cols, (ncol + 1) *
					    sizeof *cols);
					cols[ncol++] = t->add[i].col;
				}
			if (t->alloc && colidx(cols, ncol, t->alloc) < 0) {
				cols = xrealloc(cols, (ncol + 1) * sizeof *cols);
				cols[ncol++] = t->alloc;
			}
			if (t->countcol && colidx(cols, ncol,
			    t->countcol) < 0) {
				cols = xrealloc(cols, (ncol + 1) * sizeof *cols);
				cols[ncol++] = t->countcol;
			}
			if (t->alloc && unalloctype && colidx(cols, ncol,
			    unalloctime) < 0) {
				cols = xrealloc(cols, (ncol + 1) *
				    sizeof *cols);
				cols[ncol++] = (char *)unalloctime;
			}
			resolve(t, cols, ncol, t->src);
			cells = xcalloc(ncol, sizeof *cells);
			resolved = 1;
		}
		for (i = 0; i < ncol; i++)
			cells[i].p = NULL;
		for (it = 0; mp_json_members(s, n, &it, &k, &v);) {
			name.len = 0;
			mp_json_str_decode(&k, &name);
			if ((i = colidx(cols, ncol, mp_buf_str(&name))) >= 0)
				cells[i] = v;
		}
		r.cell = cells;
		r.ncell = ncol;
		addrow(t, t->rows, &r);
	}
	if (st)
		exit(st);
	mp_lines_close(&l);
	free(cells);
	mp_buf_free(&name);
}

/* --- PostgreSQL --- */

static void
pgconnect(void)
{
	int rc;

	if (conn)
		return;
	if ((conn = mp_pg_connect(conninfo, 3, &rc)) == NULL)
		exit(rc);
}

static unsigned char
pgkind(Oid type)
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

/* Adds the rows of a result; cols resolved on the first. */
static void
pgrows(struct tab *t, struct mp_table *into, PGresult *res, int *resolved,
    long long *rowno)
{
	static struct mp_span *cells;
	static unsigned char *kinds, *k2;
	static char **cols;
	static int ncol;
	struct row r = { 0 };
	int i, j;

	if (!*resolved) {
		ncol = PQnfields(res);
		cols = xrealloc(cols, (ncol + 1) * sizeof *cols);
		cells = xrealloc(cells, (ncol + 1) * sizeof *cells);
		kinds = xrealloc(kinds, ncol + 1);
		for (i = 0; i < ncol; i++) {
			cols[i] = PQfname(res, i);
			kinds[i] = pgkind(PQftype(res, i));
		}
		resolve(t, cols, ncol, t->name);
		for (i = 0; i < ncol; i++)
			cols[i] = NULL;	/* PQfname's, gone with res */
		if (query) {
			/* columns added by default: their fields are asked for */
			mp_query_free(query);
			query = mp_query_new(qpath, nq);
		}
		*resolved = 1;
	}
	r.file = t->name;
	r.pgtype = kinds;
	r.cell = cells;
	r.ncell = ncol;
	k2 = xrealloc(k2, ncol + 1);
	for (j = 0; j < PQntuples(res); j++) {
		r.line = ++*rowno;
		for (i = 0; i < ncol; i++) {
			if (PQgetisnull(res, j, i)) {
				cells[i].p = "";
				cells[i].n = 0;
				k2[i] = '0';
			} else {
				cells[i].p = PQgetvalue(res, j, i);
				cells[i].n = PQgetlength(res, j, i);
				k2[i] = kinds[i];
			}
		}
		r.pgtype = k2;
		addrow(t, into, &r);
	}
}

static void
pgfail(PGresult *res, const char *what)
{
	struct mp_buf b = { 0 };
	int st = mp_pg_status(conn, res);

	mp_warnx("%s: %s", what, mp_pg_error(conn, res, &b));
	exit(st);
}

static void
load_pg(struct tab *t)
{
	PGresult *res;
	long long rowno = 0;
	int resolved = 0, tries = 0, st;

again:
	pgconnect();
	if (!PQsendQuery(conn, t->src + 3) || !PQsetSingleRowMode(conn))
		goto fail;
	while ((res = PQgetResult(conn)) != NULL) {
		st = PQresultStatus(res);
		if (st == PGRES_SINGLE_TUPLE || st == PGRES_TUPLES_OK) {
			pgrows(t, t->rows, res, &resolved, &rowno);
			PQclear(res);
			continue;
		}
		if (rowno == 0 && mp_pg_class(conn, res) == MP_PG_RETRY &&
		    tries < 3) {
			PQclear(res);
			while ((res = PQgetResult(conn)) != NULL)
				PQclear(res);
			goto retry;
		}
		pgfail(res, t->name);
	}
	return;
fail:
	if (tries < 3 && PQstatus(conn) != CONNECTION_OK)
		goto retry;
	pgfail(NULL, t->name);
retry:
	mp_pg_backoff(tries++);
	PQfinish(conn);
	conn = NULL;
	goto again;
}

/* Appends a text[] literal element. */
static void
arrayelem(struct mp_buf *b, const char *p, size_t n)
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

/* Decodes key part i of a key into out. */
static int
keypart_get(const char *k, size_t kn, int i, const char **p, size_t *n)
{
	size_t at = 0, len;
	int sh;

	for (;;) {
		len = 0;
		sh = 0;
		while (at < kn) {
			unsigned char c = k[at++];

			len |= (size_t)(c & 0x7f) << sh;
			sh += 7;
			if (!(c & 0x80))
				break;
		}
		if (i-- == 0) {
			*p = k + at;
			*n = len;
			return 1;
		}
		at += len;
		if (at >= kn)
			return 0;
	}
}

/* Asks the server for the keys of a batch; rows go into t->bt. */
static void
pgbatch(struct tab *t, struct mp_table *ask)
{
	static struct mp_buf *arr;
	static const char **vals;
	static struct mp_table *qt;
	static int resolved;
	const char *kp, *p;
	size_t kn, n, i;
	long long rowno = 0;
	PGresult *res;
	int j, tries = 0;

	arr = xrealloc(arr, t->nkey * sizeof *arr);
	vals = xrealloc(vals, t->nkey * sizeof *vals);
	for (j = 0; j < t->nkey; j++) {
		memset(&arr[j], 0, sizeof arr[j]);
		for (i = 0; i < mp_table_rows(ask); i++) {
			kp = mp_table_key(ask, i, &kn);
			if (keypart_get(kp, kn, j, &p, &n))
				arrayelem(&arr[j], p, n);
		}
		mp_buf_addc(&arr[j], '}');
		vals[j] = mp_buf_str(&arr[j]);
	}
	for (;;) {
		pgconnect();
		queries++;
		res = PQexecParams(conn, t->src + 3, t->nkey, NULL, vals, NULL,
		    NULL, 0);
		if (PQresultStatus(res) == PGRES_TUPLES_OK)
			break;
		if (mp_pg_class(conn, res) != MP_PG_RETRY || tries >= 3)
			pgfail(res, t->name);
		PQclear(res);
		mp_pg_backoff(tries++);
		if (PQstatus(conn) != CONNECTION_OK) {
			PQfinish(conn);
			conn = NULL;
		}
	}
	/*
	 * The rows come into a table of their own, duplicates judged there;
	 * a key the batch has from the cache already keeps that row.
	 */
	if (qt == NULL)
		qt = mp_table_new();
	mp_table_clear(qt);
	resolved = 0;
	pgrows(t, qt, res, &resolved, &rowno);
	PQclear(res);
	for (i = 0; i < mp_table_rows(qt); i++) {
		const char *v;
		size_t vn;
		long old;

		kp = mp_table_key(qt, i, &kn);
		if (mp_table_find(qt, kp, kn) != (long)i ||
		    mp_table_find(t->bt, kp, kn) >= 0)
			continue;
		v = mp_table_val(qt, i, &vn);
		mp_table_add(t->bt, kp, kn, v, vn, mp_table_line(qt, i),
		    MP_TABLE_LAST, &old);
	}
	for (j = 0; j < t->nkey; j++)
		mp_buf_free(&arr[j]);
}

/* --- the cache of a batched table --- */

static void cache_put(struct tab *, const char *, size_t, const char *,
    size_t);

static long
cache_find(struct tab *t, const char *k, size_t n, const char **v,
    size_t *vn)
{
	static struct mp_buf kc, vc;
	long r;

	if ((r = mp_table_find(t->cache[0], k, n)) >= 0) {
		*v = mp_table_val(t->cache[0], r, vn);
		return r;
	}
	if ((r = mp_table_find(t->cache[1], k, n)) < 0)
		return -1;
	/* used again: into the newer generation, which may push it out */
	*v = mp_table_val(t->cache[1], r, vn);
	kc.len = vc.len = 0;
	mp_buf_add(&kc, k, n);
	mp_buf_add(&vc, *v, *vn);
	cache_put(t, kc.p, kc.len, vc.p, vc.len);
	*v = vc.p;
	*vn = vc.len;
	return 0;
}

/*
 * The cache is two generations of at most half of --cache keys each: a
 * key used in neither of the last two is forgotten.
 */
static void
cache_put(struct tab *t, const char *k, size_t n, const char *v, size_t vn)
{
	long long cap = cachen / 2 > 0 ? cachen / 2 : 1;
	struct mp_table *x;
	long old;

	if (cachen == 0)
		return;
	if ((long long)mp_table_count(t->cache[0]) >= cap) {
		x = t->cache[1];
		t->cache[1] = t->cache[0];
		t->cache[0] = x;
		mp_table_clear(t->cache[0]);
		if (cachen == 1)
			mp_table_clear(t->cache[1]);
	}
	mp_table_add(t->cache[0], k, n, v, vn, 0, MP_TABLE_LAST, &old);
}

/* Keys in the cache. */
static size_t
cache_count(const struct tab *t)
{
	const char *k;
	size_t i, kn, c = mp_table_count(t->cache[0]);

	for (i = 0; i < mp_table_rows(t->cache[1]); i++) {
		k = mp_table_key(t->cache[1], i, &kn);
		if (mp_table_find(t->cache[1], k, kn) == (long)i &&
		    mp_table_find(t->cache[0], k, kn) < 0)
			c++;
	}
	return c;
}

/* The sum of the first k of n parts: floor(total * k / n). */
static int64_t
partsum(int64_t total, int64_t k, int64_t n)
{
	__int128 a = (__int128)total * k, q = a / n;

	return (int64_t)(a % n != 0 && a < 0 ? q - 1 : q);
}

/* --- records --- */

/* What a record became: the table that won and the row's value. */
struct hit {
	int	 tab;		/* -1 none, -2 rejected */
	long	 row;
	const char *val;
	size_t	 vn;
};

/* Looks the record up in a table read whole. */
static int
lookup(struct mp_run *run, struct cur *c, int ti, struct hit *h)
{
	static struct mp_buf k;
	struct tab *t = &tabs[ti];
	long r;
	int rc;

	if ((rc = recordkey(run, c, t, &k)) <= 0)
		return rc;
	if ((r = mp_table_find(t->rows, k.p, k.len)) < 0)
		return 0;
	h->tab = ti;
	h->row = r;
	h->val = mp_table_val(t->rows, r, &h->vn);
	return 1;
}

static int
istype(const struct mp_span *v)
{
	int i;

	if (nalloctypes == 0)
		return 1;
	if (v->n == 0 || mp_json_type(v) != MP_JSON_STRING)
		return 0;
	for (i = 0; i < nalloctypes; i++)
		if (mp_json_str_eq(v, alloctypes[i], strlen(alloctypes[i])))
			return 1;
	return 0;
}

/* The additions of a hit, as (field, JSON) pairs. */
struct piece {
	const struct add *a;
	const char *p;
	size_t	 n;
};

static void
emit(struct mp_run *run, struct cur *c, const struct hit *h)
{
	static struct mp_buf out, alt, shares;
	static struct piece *pc;
	static int pcap;
	const struct tab *t = &tabs[h->tab];
	const char *v = h->val + 1, *end = h->val + h->vn;
	struct mp_buf *src, *dst, *x;
	char mbuf[32];
	int np = 0, i, fast = 1;
	long arow = -1;
	const char *close;

	if (pcap < t->nadd + 2) {
		pcap = t->nadd + 2;
		pc = xrealloc(pc, pcap * sizeof *pc);
	}
	for (i = 0; i < t->nadd && v < end; i++) {
		v = valnext(v, &pc[np].p, &pc[np].n);
		if (pc[np].n == 0)
			continue;
		pc[np++].a = &t->add[i];
	}
	if (t->alloc && h->row >= 0 && (typeslot < 0 ||
	    istype(&qval[typeslot]))) {
		long r = h->row;
		int64_t share = 0;

		if (t->seen[r] < t->n[r]) {
			share = mp_money_share(t->total[r], t->seen[r],
			    t->n[r]);
			allocated++;
			arow = r;
		} else
			excess++;
		t->seen[r]++;
		shares.len = 0;
		mp_buf_adds(&shares, mp_money_fmt(share, mbuf));
		pc[np].a = &t->afield;
		pc[np].p = shares.p;
		pc[np++].n = shares.len;
	} else if (t->alloc && h->row >= 0) {
		/* the row's spend is the whole cost of what it matches */
		pc[np].a = &t->afield;
		pc[np].p = "0";
		pc[np++].n = 1;
	}
	if (srcfield.field.nseg) {
		static struct mp_buf nm;

		nm.len = 0;
		mp_buf_json_str(&nm, t->name, strlen(t->name));
		pc[np].a = &srcfield;
		pc[np].p = nm.p;
		pc[np++].n = nm.len;
	}
	for (i = 0; i < np; i++)
		if (pc[i].a->name == NULL || qval[pc[i].a->slot].n)
			fast = 0;
	out.len = 0;
	if (fast) {
		/* new top-level members go before the closing brace */
		close = c->p + c->n - 1;
		while (*close != '}')
			close--;
		mp_buf_add(&out, c->p, close - c->p);
		for (i = 0; i < np; i++) {
			if (i > 0 || memchr(c->p + 1, '"',
			    close - c->p - 1) != NULL)
				mp_buf_addc(&out, ',');
			mp_buf_adds(&out, pc[i].a->name);
			mp_buf_add(&out, pc[i].p, pc[i].n);
		}
		mp_buf_add(&out, close, c->n - (close - c->p));
		mp_emit_line(run, out.p, out.len);
		return;
	}
	src = &out;
	dst = &alt;
	mp_buf_add(src, c->p, c->n);
	for (i = 0; i < np; i++) {
		dst->len = 0;
		if (mp_json_splice(src->p, src->len, &pc[i].a->field, pc[i].p,
		    pc[i].n, dst) < 0) {
			mp_reject(run, c->rec, "cannot add '%s': something on "
			    "its path is not an object", pc[i].a->field.text);
			if (arow >= 0) {
				/* the share was not given: the next one's */
				t->seen[arow]--;
				allocated--;
			}
			return;
		}
		x = src;
		src = dst;
		dst = x;
	}
	mp_emit_line(run, src->p, src->len);
}

static void
nomatch(struct mp_run *run, struct cur *c)
{
	nunmatched++;
	switch (unmatched) {
	case U_PASS:
		mp_emit_line(run, c->p, c->n);
		break;
	case U_DROP:
		mp_drop(run, c->rec, "unmatched");
		break;
	case U_REJECT:
		mp_reject(run, c->rec, "unmatched: no table has its key");
		break;
	}
}

/*
 * Converts the money fields into the reporting currency, into out; 1 when
 * it did, 0 when nothing needed it, -1 after rejecting the record (with
 * run NULL, a first pass: -1 without a word).
 */
#define REJECT(...)	do { \
	if (run) \
		mp_reject(run, c->rec, __VA_ARGS__); \
} while (0)
static int
convert(struct mp_run *run, struct cur *c, struct mp_buf *out)
{
	static struct mp_buf key, a, b, fxo, cur;
	const struct mp_span *cv = &qval[curslot];
	struct mp_buf *src = &a, *dst = &b, *x;
	const char *errstr, *val;
	char day[32], mbuf[32];
	int64_t us, amount, m, res;
	size_t vn;
	long r = -1;
	int i, sc, any = 0;
	uint32_t len;

	if (cv->n == 0 || mp_json_type(cv) == MP_JSON_NULL)
		return 0;
	if (mp_json_type(cv) != MP_JSON_STRING) {
		REJECT( "field '%s' is not a string",
		    curpath.text);
		return -1;
	}
	if (mp_json_str_eq(cv, currency, strlen(currency)))
		return 0;
	if (run == NULL ? qval[timeslot].n < 2 ||
	    mp_json_type(&qval[timeslot]) != MP_JSON_STRING ||
	    mp_time_parse(qval[timeslot].p + 1, qval[timeslot].n - 2, &us) < 0 :
	    mp_rec_time(run, c->rec, &qval[timeslot], timepath.text, &us) < 0)
		return -1;
	cur.len = 0;
	mp_json_str_decode(cv, &cur);
	for (i = 0; i < 7 && r < 0; i++) {
		mp_time_fmt(us / 1000000 - (us % 1000000 < 0) - i * 86400,
		    day);
		key.len = 0;
		keypart(&key, day, 10);
		keypart(&key, cur.p, cur.len);
		r = mp_table_find(fx.rows, key.p, key.len);
	}
	mp_time_fmt(us / 1000000 - (us % 1000000 < 0), day);
	day[10] = '\0';
	if (r < 0) {
		REJECT( "no rate: '%s' on %s or the 6 days "
		    "before", mp_buf_str(&cur), day);
		return -1;
	}
	valnext(mp_table_val(fx.rows, r, &vn) + 1, &val, &vn);
	len = vn;
	mp_rate_parse(val, len, &m, &sc, &errstr);
	fxo.len = 0;
	mp_buf_adds(&fxo, "{\"from\":");
	mp_buf_json_str(&fxo, cur.p, cur.len);
	mp_buf_adds(&fxo, ",\"rate\":");
	mp_buf_add(&fxo, val, len);
	src->len = 0;
	mp_buf_add(src, c->p, c->n);
	for (i = 0; i < nconv; i++) {
		const struct mp_span *v = &qval[convslot[i]];
		const char *p = v->p;
		size_t n = v->n;
		int str = 0;

		if (n == 0 || mp_json_type(v) == MP_JSON_NULL)
			continue;
		if (mp_json_type(v) == MP_JSON_STRING) {
			p++;
			n -= 2;
			str = 1;
		}
		if ((mp_json_type(v) != MP_JSON_NUMBER && !str) ||
		    mp_money_parse(p, n, &amount, &errstr) < 0) {
			REJECT( "field '%s' is not an exact "
			    "decimal", conv[i].text);
			return -1;
		}
		if (mp_money_convert(amount, m, sc, &res) < 0) {
			REJECT( "field '%s' is out of range in "
			    "%s", conv[i].text, currency);
			return -1;
		}
		mp_buf_addc(&fxo, ',');
		mp_buf_json_str(&fxo, conv[i].seg[conv[i].nseg - 1].key ?
		    conv[i].seg[conv[i].nseg - 1].key : "",
		    conv[i].seg[conv[i].nseg - 1].key ?
		    conv[i].seg[conv[i].nseg - 1].keylen : 0);
		mp_buf_addc(&fxo, ':');
		mp_buf_add(&fxo, v->p, v->n);
		key.len = 0;
		if (str)
			mp_buf_addc(&key, '"');
		mp_buf_adds(&key, mp_money_fmt(res, mbuf));
		if (str)
			mp_buf_addc(&key, '"');
		dst->len = 0;
		mp_json_splice(src->p, src->len, &conv[i], key.p, key.len,
		    dst);
		x = src, src = dst, dst = x;
		any = 1;
	}
	(void)any;
	mp_buf_addc(&fxo, '}');
	key.len = 0;
	mp_buf_json_str(&key, currency, strlen(currency));
	dst->len = 0;
	mp_json_splice(src->p, src->len, &curpath, key.p, key.len, dst);
	x = src, src = dst, dst = x;
	if (fxfield.field.nseg) {
		dst->len = 0;
		if (mp_json_splice(src->p, src->len, &fxfield.field, fxo.p,
		    fxo.len, dst) < 0) {
			REJECT( "cannot add '%s'",
			    fxfield.field.text);
			return -1;
		}
		x = src, src = dst, dst = x;
	}
	out->len = 0;
	mp_buf_add(out, src->p, src->len);
	converted += run != NULL;
	return 1;
}

/* Checks and converts a record; 0 when it goes on to the lookups. */
static int
begin(struct mp_run *run, struct mp_rec *rec, struct cur *c)
{
	static struct mp_buf conv1;

	c->rec = rec;
	c->p = rec->p;
	c->n = rec->n;
	c->seq = ++seq;
	if (mp_rec_json(run, rec) < 0)
		return -1;
	if (!isobject(rec->p, rec->n)) {
		mp_reject(run, rec, "not a JSON object");
		return -1;
	}
	mp_query_run(query, c->p, c->n, qval);
	if (hasfx) {
		switch (convert(run, c, &conv1)) {
		case -1:
			return -1;
		case 1:
			c->p = conv1.p;
			c->n = conv1.len;
			c->seq = ++seq;
			mp_query_run(query, c->p, c->n, qval);
		}
	}
	return 0;
}

static int
enrich(struct mp_run *run, struct mp_rec *rec, void *arg)
{
	struct cur c;
	struct hit h;
	int i, rc;

	(void)arg;
	if (begin(run, rec, &c) < 0)
		return 0;
	for (i = 0; i < ntab; i++) {
		if ((rc = lookup(run, &c, i, &h)) < 0)
			return 0;
		if (rc > 0) {
			tabs[i].matched++;
			emit(run, &c, &h);
			return 0;
		}
	}
	nomatch(run, &c);
	return 0;
}

/* The first pass: counts the events each row's spend covers. */
static int
count(struct mp_run *run, struct mp_rec *rec, void *arg)
{
	struct mp_json_err e;
	struct cur c;
	struct hit h;
	int i, rc;

	(void)run;
	(void)arg;
	if (mp_json_check(rec->p, rec->n, &e) < 0 || !isobject(rec->p, rec->n))
		return 0;
	c.rec = rec;
	c.p = rec->p;
	c.n = rec->n;
	c.seq = ++seq;
	mp_query_run(query, c.p, c.n, qval);
	if (hasfx) {
		static struct mp_buf conv1;

		switch (convert(NULL, &c, &conv1)) {
		case -1:
			return 0;	/* the second pass rejects it */
		case 1:
			c.p = conv1.p;
			c.n = conv1.len;
			c.seq = ++seq;
			mp_query_run(query, c.p, c.n, qval);
		}
	}
	for (i = 0; i < ntab; i++) {
		/* a record the second pass rejects is not counted */
		if ((rc = lookup(NULL, &c, i, &h)) < 0)
			return 0;
		if (rc > 0) {
			if (tabs[i].alloc && !tabs[i].countcol &&
			    (typeslot < 0 || istype(&qval[typeslot])))
				tabs[i].n[h.row]++;
			return 0;
		}
	}
	return 0;
}

/* --- batches --- */

struct held {
	size_t	 off, n;
	const char *file;
	long long line;
	struct hit h;
	int	 conv;		/* off/n are the converted record's */
};
static struct held *held;
static size_t nheld;
static struct mp_buf heldbuf;

/* A held record as the one being enriched, its fields found. */
static void
unhold(size_t i, struct mp_rec *rec, struct cur *c)
{
	rec->p = heldbuf.p + held[i].off;
	rec->n = held[i].n;
	rec->file = held[i].file;
	rec->line = held[i].line;
	c->rec = rec;
	c->p = rec->p;
	c->n = rec->n;
	c->seq = ++seq;
	mp_query_run(query, c->p, c->n, qval);
}

static void
flushbatch(struct mp_run *run)
{
	static struct mp_buf k;
	struct mp_table *ask;
	struct mp_rec rec;
	struct cur c;
	struct hit *h;
	const char *v;
	size_t i, vn;
	long r;
	int ti, rc;

	ask = mp_table_new();
	for (ti = 0; ti < ntab; ti++) {
		struct tab *t = &tabs[ti];

		if (t->batched) {
			mp_table_clear(t->bt);
			mp_table_clear(ask);
		}
		for (i = 0; i < nheld; i++) {
			h = &held[i].h;
			if (h->tab != -1)
				continue;
			unhold(i, &rec, &c);
			if (!t->batched) {
				if ((rc = lookup(run, &c, ti, h)) < 0)
					h->tab = -2;
				continue;
			}
			if ((rc = recordkey(run, &c, t, &k)) < 0) {
				h->tab = -2;
				continue;
			}
			if (rc == 0 || mp_table_find(t->bt, k.p, k.len) >= 0 ||
			    mp_table_find(ask, k.p, k.len) >= 0)
				continue;
			if (cache_find(t, k.p, k.len, &v, &vn) >= 0) {
				long old;

				hits++;
				mp_table_add(t->bt, k.p, k.len, v, vn, 0,
				    MP_TABLE_LAST, &old);
			} else {
				long old;

				misses++;
				mp_table_add(ask, k.p, k.len, NULL, 0, 0,
				    MP_TABLE_ERROR, &old);
			}
		}
		if (!t->batched)
			continue;
		if (mp_table_rows(ask) > 0) {
			size_t before = mp_table_rows(t->bt);

			pgbatch(t, ask);
			/* cache what came back, and what did not */
			for (i = before; i < mp_table_rows(t->bt); i++) {
				const char *kp = mp_table_key(t->bt, i, &vn);
				size_t kn = vn;

				v = mp_table_val(t->bt, i, &vn);
				cache_put(t, kp, kn, v, vn);
			}
			for (i = 0; i < mp_table_rows(ask); i++) {
				const char *kp = mp_table_key(ask, i, &vn);
				size_t kn = vn;
				long old;

				if (mp_table_find(t->bt, kp, kn) >= 0)
					continue;
				cache_put(t, kp, kn, "N", 1);
				mp_table_add(t->bt, kp, kn, "N", 1, 0,
				    MP_TABLE_LAST, &old);
			}
		}
		for (i = 0; i < nheld; i++) {
			h = &held[i].h;
			if (h->tab != -1)
				continue;
			unhold(i, &rec, &c);
			if (recordkey(NULL, &c, t, &k) <= 0)
				continue;
			if ((r = mp_table_find(t->bt, k.p, k.len)) < 0)
				continue;
			v = mp_table_val(t->bt, r, &vn);
			if (*v != 'Y')
				continue;
			h->tab = ti;
			h->row = -1;
			h->val = v;
			h->vn = vn;
		}
	}
	for (i = 0; i < nheld; i++) {
		h = &held[i].h;
		if (h->tab == -2) {
			if (strict)
				break;	/* -s: nothing after the first reject */
			continue;
		}
		unhold(i, &rec, &c);
		if (h->tab < 0)
			nomatch(run, &c);
		else {
			tabs[h->tab].matched++;
			emit(run, &c, h);
		}
	}
	mp_table_free(ask);
	nheld = 0;
	heldbuf.len = 0;
}

static int
hold(struct mp_run *run, struct mp_rec *rec, void *arg)
{
	static size_t cap;
	struct cur c;

	(void)arg;
	if (begin(run, rec, &c) < 0)
		return 0;
	if (nheld == cap) {
		cap = cap ? cap * 2 : 1024;
		held = xrealloc(held, cap * sizeof *held);
	}
	held[nheld].off = heldbuf.len;
	held[nheld].n = c.n;
	held[nheld].file = rec->file;
	held[nheld].line = rec->line;
	held[nheld].h.tab = -1;
	mp_buf_add(&heldbuf, c.p, c.n);
	if ((long long)++nheld >= batchn)
		flushbatch(run);
	return 0;
}

/* --- main --- */

static void
paths(const char *opt, const char *arg, struct mp_path **v, int *n)
{
	const char *errstr;

	*n = 0;
	if (mp_path_parse_list(arg, v, n, &errstr) < 0) {
		mp_warnx("%s: '%s': %s", opt, arg, errstr);
		mp_usage(usage);
	}
}

static void
loadtable(struct tab *t)
{
	t->rows = mp_table_new();
	if (t->fmt != F_PG && strcmp(t->src, "-") != 0 &&
	    access(t->src, R_OK) < 0)
		mp_err(MP_EX_NOINPUT, "%s", t->src);
	if (t->batched) {
		t->bt = mp_table_new();
		t->cache[0] = mp_table_new();
		t->cache[1] = mp_table_new();
		return;
	}
	switch (t->fmt) {
	case F_NDJSON:
		load_ndjson(t);
		break;
	case F_CSV:
	case F_TSV:
		load_csv(t);
		break;
	case F_PG:
		load_pg(t);
		break;
	}
}

/*
 * The spend of row r that no event got: of a row with fewer events than
 * its count, or with none; why, and how many of its count got nothing.
 */
static int64_t
residual(const struct tab *t, long r, const char **why, int64_t *left)
{
	const char *k;
	int64_t got;
	size_t kn;

	k = mp_table_key(t->rows, r, &kn);
	if (mp_table_find(t->rows, k, kn) != r)
		return 0;	/* replaced, with --last */
	*why = t->seen[r] == 0 ? "no-events" : "unmatched";
	*left = t->n[r] > t->seen[r] ? t->n[r] - t->seen[r] : 0;
	if (t->n[r] == 0)
		got = 0;
	else if (t->seen[r] >= t->n[r])
		return 0;
	else
		got = partsum(t->total[r], t->seen[r], t->n[r]);
	return t->total[r] - got;
}

/* Spend no event got. */
static int64_t
unallocated(const struct tab *t)
{
	const char *why;
	int64_t sum = 0, left;
	long r;

	for (r = 0; r < (long)mp_table_rows(t->rows); r++)
		sum += residual(t, r, &why, &left);
	return sum;
}

/*
 * --unallocated: a record of the spend of each row that no event got, in
 * table order.
 */
static void
residuals(struct mp_run *run, struct tab *t)
{
	static struct mp_buf out, alt, nm;
	struct mp_buf *src = &out, *dst = &alt, *x;
	const struct resid *rs;
	const char *why;
	char mbuf[32];
	int64_t amount, left;
	long r;

	for (r = 0; r < (long)mp_table_rows(t->rows); r++) {
		if ((amount = residual(t, r, &why, &left)) == 0)
			continue;
		rs = &t->res[r];
		mp_money_fmt(amount, mbuf);
		src->len = 0;
		mp_buf_add(src, t->rbuf.p + rs->off, rs->hn);
		if (t->afield.name) {
			mp_buf_addc(src, ',');
			mp_buf_adds(src, t->afield.name);
			mp_buf_adds(src, mbuf);
		}
		mp_buf_printf(src, ",\"reason\":\"%s\",\"unallocated_count\":"
		    "%lld", why, (long long)left);
		mp_buf_add(src, t->rbuf.p + rs->off + rs->hn, rs->tn);
		/* fields given as paths go in at the end */
		if (t->afield.name == NULL) {
			dst->len = 0;
			mp_json_splice(src->p, src->len, &t->afield.field,
			    mbuf, strlen(mbuf), dst);
			x = src, src = dst, dst = x;
		}
		if (t->ssplice) {
			nm.len = 0;
			mp_buf_json_str(&nm, t->name, strlen(t->name));
			dst->len = 0;
			mp_json_splice(src->p, src->len, &srcfield.field,
			    nm.p, nm.len, dst);
			x = src, src = dst, dst = x;
		}
		mp_emit_line(run, src->p, src->len);
		costrecs++;
	}
}

/* The input must be readable twice: files, or stdin from a file. */
static void
rereadable(int argc, char **argv)
{
	struct stat st;
	int i, r;

	for (i = 0; i < argc || (argc == 0 && i == 0); i++) {
		const char *f = argc ? argv[i] : "-";

		r = strcmp(f, "-") == 0 ? fstat(0, &st) : stat(f, &st);
		if (r == 0 && !S_ISREG(st.st_mode)) {
			mp_warnx("%s: --allocate without --count-column reads "
			    "the input twice: give files, or redirect standard "
			    "input from one", strcmp(f, "-") == 0 ?
			    "standard input" : f);
			mp_usage(usage);
		}
	}
}

/* Whether standard input is among the inputs. */
static int
readsstdin(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "-") == 0)
			return 1;
	return argc == 0;
}

int
main(int argc, char *argv[])
{
	enum { OPT_FORMAT = MP_OPT_TOOL, OPT_FIRST, OPT_LAST, OPT_ALLOC,
	    OPT_COUNT, OPT_ALLOCTO, OPT_TYPE, OPT_CACHE, OPT_SOURCE,
	    OPT_UNMATCHED, OPT_CTABLE, OPT_CURRENCY, OPT_CONVERT,
	    OPT_CFIELD, OPT_FXFIELD, OPT_UNALLOC, OPT_UNALLOCTIME,
	    OPT_TRUST };
	static const struct option opts[] = {
		MP_COMMON_OPTIONS,
		{ "table",	required_argument,	NULL, 't' },
		{ "key",	required_argument,	NULL, 'k' },
		{ "add",	required_argument,	NULL, 'a' },
		{ "format",	required_argument,	NULL, OPT_FORMAT },
		{ "first",	no_argument,		NULL, OPT_FIRST },
		{ "last",	no_argument,		NULL, OPT_LAST },
		{ "allocate",	required_argument,	NULL, OPT_ALLOC },
		{ "count-column", required_argument,	NULL, OPT_COUNT },
		{ "allocate-to", required_argument,	NULL, OPT_ALLOCTO },
		{ "type",	required_argument,	NULL, OPT_TYPE },
		{ "db",		required_argument,	NULL, 'd' },
		{ "batch",	required_argument,	NULL, 'b' },
		{ "cache",	required_argument,	NULL, OPT_CACHE },
		{ "source-field", required_argument,	NULL, OPT_SOURCE },
		{ "unmatched",	required_argument,	NULL, OPT_UNMATCHED },
		{ "currency-table", required_argument,	NULL, OPT_CTABLE },
		{ "currency",	required_argument,	NULL, OPT_CURRENCY },
		{ "convert",	required_argument,	NULL, OPT_CONVERT },
		{ "currency-field", required_argument,	NULL, OPT_CFIELD },
		{ "time",	required_argument,	NULL, 'T' },
		{ "fx-field",	required_argument,	NULL, OPT_FXFIELD },
		{ "unallocated", required_argument,	NULL, OPT_UNALLOC },
		{ "unallocated-time", required_argument, NULL,
		    OPT_UNALLOCTIME },
		{ "trust-input", no_argument,		NULL, OPT_TRUST },
		{ NULL, 0, NULL, 0 }
	};
	struct mp_cfg cfg = { 0 };
	struct mp_run *run;
	struct tab *cur = &dflt;
	const char *fxsrc = NULL;
	char *s, *tok;
	double t0;
	size_t mem = 0;
	int64_t unalloc = 0;
	int c, i, st, timeset = 0, anyalloc = 0;

	mp_opt_init(&argc, &argv);
	mp_opt_path(&typepath, "--type", ".type", usage);
	mp_opt_path(&curpath, "--currency-field", ".currency", usage);
	mp_opt_path(&timepath, "--time", ".ts", usage);
	setfield(&srcfield, "--source-field", "cost_source");
	setfield(&fxfield, "--fx-field", "fx");
	paths("--convert", ".cost,.revenue", &conv, &nconv);
	while ((c = getopt_long(argc, argv, MP_COMMON_SHORT "t:k:a:d:b:T:",
	    opts, NULL)) != -1) {
		switch (c) {
		case 't':
			tabs = xrealloc(tabs, (ntab + 1) * sizeof *tabs);
			cur = &tabs[ntab++];
			newtab(cur, optarg);
			break;
		case 'k':
			addkey(cur, optarg);
			break;
		case 'a':
			addcol(cur, optarg);
			break;
		case OPT_FORMAT:
			cur->fmt = format("--format", optarg);
			cur->set |= S_FMT;
			break;
		case OPT_FIRST:
		case OPT_LAST:
			cur->dups = c == OPT_FIRST ? MP_TABLE_FIRST :
			    MP_TABLE_LAST;
			cur->set |= S_DUPS;
			break;
		case OPT_ALLOC:
			s = xstrdup(optarg);
			if ((tok = strchr(s, '=')) != NULL)
				*tok++ = '\0';
			if (*s == '\0') {
				mp_warnx("--allocate: '%s': no column", optarg);
				mp_usage(usage);
			}
			cur->alloc = s;
			cur->allocfield = tok;
			cur->set |= S_ALLOC;
			break;
		case OPT_COUNT:
			if (*optarg == '\0') {
				mp_warnx("--count-column: no column");
				mp_usage(usage);
			}
			cur->countcol = optarg;
			cur->set |= S_COUNT;
			break;
		case OPT_ALLOCTO:
			s = xstrdup(optarg);
			nalloctypes = 0;
			for (tok = strtok(s, ","); tok; tok = strtok(NULL,
			    ",")) {
				alloctypes = xrealloc(alloctypes,
				    (nalloctypes + 1) * sizeof *alloctypes);
				alloctypes[nalloctypes++] = tok;
			}
			if (nalloctypes == 0) {
				mp_warnx("--allocate-to: no types");
				mp_usage(usage);
			}
			break;
		case OPT_TYPE:
			mp_opt_path(&typepath, "--type", optarg, usage);
			break;
		case 'd':
			conninfo = optarg;
			break;
		case 'b':
			batchn = mp_opt_number("--batch", optarg, 1, 1000000,
			    usage);
			break;
		case OPT_CACHE:
			cachen = mp_opt_number("--cache", optarg, 0,
			    100000000, usage);
			break;
		case OPT_SOURCE:
			mp_path_free(&srcfield.field);
			free(srcfield.name);
			memset(&srcfield, 0, sizeof srcfield);
			if (*optarg)
				setfield(&srcfield, "--source-field", optarg);
			break;
		case OPT_UNMATCHED:
			if (strcmp(optarg, "pass") == 0)
				unmatched = U_PASS;
			else if (strcmp(optarg, "drop") == 0)
				unmatched = U_DROP;
			else if (strcmp(optarg, "reject") == 0)
				unmatched = U_REJECT;
			else {
				mp_warnx("--unmatched: '%s': want pass, drop "
				    "or reject", optarg);
				mp_usage(usage);
			}
			break;
		case OPT_CTABLE:
			fxsrc = optarg;
			break;
		case OPT_CURRENCY:
			if (*optarg == '\0') {
				mp_warnx("--currency: empty");
				mp_usage(usage);
			}
			currency = optarg;
			break;
		case OPT_CONVERT:
			paths("--convert", optarg, &conv, &nconv);
			break;
		case OPT_CFIELD:
			mp_opt_path(&curpath, "--currency-field", optarg,
			    usage);
			break;
		case 'T':
			mp_opt_path(&timepath, "--time", optarg, usage);
			break;
		case OPT_FXFIELD:
			mp_path_free(&fxfield.field);
			free(fxfield.name);
			memset(&fxfield, 0, sizeof fxfield);
			if (*optarg)
				setfield(&fxfield, "--fx-field", optarg);
			break;
		case OPT_UNALLOC:
			if (*optarg == '\0') {
				mp_warnx("--unallocated: no type");
				mp_usage(usage);
			}
			unalloctype = optarg;
			break;
		case OPT_TRUST:
			trustinput = 1;
			break;
		case OPT_UNALLOCTIME:
			if (*optarg == '\0') {
				mp_warnx("--unallocated-time: no column");
				mp_usage(usage);
			}
			unalloctime = optarg;
			timeset = 1;
			break;
		default:
			mp_opt_common(&cfg, c, optarg, usage);
		}
	}
	argc -= optind;
	argv += optind;
	if (ntab == 0 && fxsrc == NULL) {
		mp_warnx("no table: give --table (or --currency-table)");
		mp_usage(usage);
	}
	if (fxsrc && currency == NULL) {
		mp_warnx("--currency-table needs --currency");
		mp_usage(usage);
	}
	if (!fxsrc && currency) {
		mp_warnx("--currency needs --currency-table");
		mp_usage(usage);
	}
	if (nalloctypes)
		typeslot = slot(&typepath);
	for (i = 0; i < ntab; i++) {
		inherit(&tabs[i]);
		prepare(&tabs[i]);
		anybatch |= tabs[i].batched;
		anyalloc |= tabs[i].alloc != NULL;
	}
	if (timeset && !unalloctype) {
		mp_warnx("--unallocated-time needs --unallocated");
		mp_usage(usage);
	}
	if (unalloctype && !anyalloc) {
		mp_warnx("--unallocated needs a table with --allocate");
		mp_usage(usage);
	}
	for (i = 0; unalloctype && i < ntab; i++) {
		const struct mp_seg *sg = tabs[i].alloc ?
		    &tabs[i].afield.field.seg[0] : NULL;
		static const char *own[] = { "event_id", "type", "ts",
		    "source", "reason", "unallocated_count" };
		int j;

		for (j = 0; sg && sg->key && j < 6; j++)
			if (strlen(own[j]) == sg->keylen &&
			    memcmp(own[j], sg->key, sg->keylen) == 0) {
				mp_warnx("--unallocated: the allocated field "
				    "'%s' is one of the record's own",
				    tabs[i].afield.field.text);
				mp_usage(usage);
			}
	}
	if (srcfield.field.nseg)
		srcfield.slot = slot(&srcfield.field);
	if (twopass && anybatch) {
		mp_warnx("--allocate without --count-column cannot be used "
		    "with a query in batches");
		mp_usage(usage);
	}
	if (twopass)
		rereadable(argc, argv);
	if (fxsrc) {
		hasfx = 1;
		newtab(&fx, fxsrc);
		fx.set = S_KEY | S_ADD;
		addkey(&fx, "date");
		addkey(&fx, "currency");
		addcol(&fx, "rate");
		fx.add[0].type = T_RATE;
		fx.dups = dflt.dups;
		if (fx.fmt != F_PG && (ext(fxsrc, ".ndjson") ||
		    ext(fxsrc, ".jsonl") || ext(fxsrc, ".json")))
			fx.fmt = F_NDJSON;
		else if (fx.fmt != F_PG)
			fx.fmt = ext(fxsrc, ".tsv") ? F_TSV : F_CSV;
		if (fx.batched) {
			mp_warnx("--currency-table: a query with $1 is not "
			    "read in batches");
			mp_usage(usage);
		}
		curslot = slot(&curpath);
		timeslot = slot(&timepath);
		convslot = xcalloc(nconv + 1, sizeof *convslot);
		for (i = 0; i < nconv; i++)
			convslot[i] = slot(&conv[i]);
	}
	t0 = mp_now();
	for (i = 0; i < ntab; i++)
		loadtable(&tabs[i]);
	if (hasfx)
		loadtable(&fx);
	t0 = mp_now() - t0;
	query = mp_query_new(qpath, nq);
	strict = cfg.strict;
	run = mp_run_new(&cfg);
	mp_count(run, "unmatched", 0);
	if (twopass) {
		off_t at = readsstdin(argc, argv) ? lseek(0, 0, SEEK_CUR) : 0;

		if ((st = mp_run_scan(run, argc, argv, count, NULL)) != 0)
			return mp_run_end(run, st);
		if (readsstdin(argc, argv) && lseek(0, at, SEEK_SET) < 0)
			mp_err(MP_EX_IOERR, "standard input");
	}
	st = mp_run_loop(run, argc, argv, anybatch ? hold : enrich, NULL);
	if (anybatch)
		flushbatch(run);	/* what was read is written */
	/*
	 * What no event got is known only from the whole input: not after
	 * a stage before failed (75), a signal, an input that could not be
	 * read, or a reject that fails the run.
	 */
	if (unalloctype && st == 0 && !mp_interrupted() &&
	    (mp_run_rejected(run) == 0 || (cfg.rejects && !strict))) {
		const char *why;

		/* nor from input that may leave clicks out (mp(7), The chain) */
		if (!trustinput && !mp_chain_whole(&why)) {
			mp_warnx("--unallocated: no cost records: the input may "
			    "not hold whole days: %s", why);
			st = MP_EX_DATAERR;
		} else
			for (i = 0; i < ntab; i++)
				if (tabs[i].alloc)
					residuals(run, &tabs[i]);
	}
	st = mp_run_flush(run, st);
	for (i = 0; i < ntab; i++) {
		struct tab *t = &tabs[i];

		mp_count_by(run, "matched", t->name, t->matched);
		mp_count_by(run, "table_rows", t->name, t->batched ?
		    cache_count(t) : mp_table_count(t->rows));
		mem += mp_table_memory(t->rows);
		if (t->batched)
			mem += mp_table_memory(t->cache[0]) +
			    mp_table_memory(t->cache[1]) +
			    mp_table_memory(t->bt);
		if (t->alloc) {
			mem += t->acap * 3 * sizeof(int64_t);
			if (t->res)
				mem += t->acap * sizeof *t->res + t->rbuf.len;
			unalloc += unallocated(t);
		}
	}
	mp_count(run, "unmatched", nunmatched);
	mp_count(run, "table_load_ms", (long long)(t0 * 1000));
	mp_count(run, "table_bytes", (long long)mem);
	if (anybatch) {
		mp_count(run, "queries", queries);
		mp_count(run, "cache_hits", hits);
		mp_count(run, "cache_misses", misses);
	}
	if (nalloctypes || twopass || allocated) {
		mp_count(run, "allocated", allocated);
		mp_count(run, "allocate_excess", excess);
		mp_count(run, "unallocated_micros", unalloc);
	}
	if (unalloctype)
		mp_count(run, "cost_records", costrecs);
	if (hasfx)
		mp_count(run, "converted", converted);
	if (conn)
		PQfinish(conn);
	return mp_run_end(run, st);
}
