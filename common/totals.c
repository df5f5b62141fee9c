/*
 * totals.c: exact amounts by key, from NDJSON, CSV or TSV files or a
 * PostgreSQL query, for two sides to be compared.  Memory is the keys.
 *
 * A key is its values in order, each written with its NUL bytes as 00 01
 * and ended by 00 00, so that comparing the bytes compares the values one
 * by one, as text.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mp.h"

struct ent {
	int64_t	 amount[2];
	long long line[2];	/* where the side's first row was; 0: none */
	int	 src[2];	/* and in which source */
};

struct mp_totals {
	int	 nkey;
	int	 sum;		/* add repeated keys up */
	struct mp_table *t;
	struct ent *e;
	size_t	 n, cap;
	long	*order;		/* rows by key, once sorted */
	char	**name;		/* sources, for messages */
	int	 nname;
	struct pg_conn *conn;
	struct mp_buf key;	/* the key being built */
};

/* What one read needs: the side and the names it looks for. */
struct reader {
	struct mp_totals *t;
	struct mp_run *run;
	int	 side, src;
	char	**key;
	const char *amount;
	const char *word;	/* "field" or "column", for reasons */
	struct mp_path *path;	/* NDJSON: the keys, then the amount */
	struct mp_query *q;
	struct mp_span *v;
	int	*col;		/* CSV and query: the keys', the amount's */
	char	**cols;		/* their column names */
	int	 ncol;
	struct mp_buf val, row;
};

struct mp_totals *
mp_totals_new(int nkey, int sum)
{
	struct mp_totals *t = xcalloc(1, sizeof *t);

	t->nkey = nkey;
	t->sum = sum;
	t->t = mp_table_new();
	return t;
}

size_t
mp_totals_count(const struct mp_totals *t)
{
	return t->n;
}

/* Appends a key value in its sortable form. */
static void
keyval(struct mp_buf *b, const char *p, size_t n)
{
	const char *z;

	while ((z = memchr(p, '\0', n)) != NULL) {
		mp_buf_add(b, p, z - p);
		mp_buf_add(b, "\0\1", 2);
		n -= z - p + 1;
		p = z + 1;
	}
	mp_buf_add(b, p, n);
	mp_buf_add(b, "\0\0", 2);
}

/* The key's values as "name=value, ...", for messages. */
static void
keytext(struct reader *r, struct mp_buf *out)
{
	const char *p = r->t->key.p, *e = p + r->t->key.len;
	int i;

	for (i = 0; p < e; i++) {
		mp_buf_printf(out, "%s%s=", i ? ", " : "", r->key[i]);
		for (; !(p[0] == '\0' && p[1] == '\0'); p++)
			if (p[0] == '\0')
				mp_buf_addc(out, *++p == '\1' ? '\0' : '?');
			else
				mp_buf_addc(out, *p);
		p += 2;
	}
}

/*
 * Decimal text into micro-units: at most 6 places, but zeros past them
 * lose nothing (PostgreSQL's numeric keeps its scale: 1.500000000).
 */
static int
amount(const char *p, size_t n, int64_t *v, const char **why)
{
	const char *dot = memchr(p, '.', n);

	if (dot)
		while (n > (size_t)(dot - p) + 7 && p[n - 1] == '0')
			n--;
	return mp_money_parse(p, n, v, why);
}

/* The value as a short quoted text, for reasons. */
static const char *
shown(struct mp_buf *b, const char *p, size_t n)
{
	size_t cut = n > 40 ? 40 : n;

	while (cut < n && (p[cut] & 0xc0) == 0x80)
		cut--;
	b->len = 0;
	mp_buf_json_str(b, p, cut);
	if (cut < n)
		mp_buf_adds(b, "...");
	return mp_buf_str(b);
}

/*
 * Adds a row whose key is in t->key: the amount's text as it came.
 * Returns 0; a bad row is rejected.
 */
static int
add(struct reader *r, const struct mp_rec *rec, const char *ap, size_t an)
{
	struct mp_totals *t = r->t;
	struct mp_buf why = { 0 };
	struct ent *e;
	const char *errstr;
	int64_t v;
	long row, old;

	if (amount(ap, an, &v, &errstr) < 0) {
		mp_reject(r->run, rec, "%s '%s' is not money: %s (%s)", r->word,
		    r->amount, errstr, shown(&r->val, ap, an));
		return 0;
	}
	row = mp_table_add(t->t, t->key.p, t->key.len, NULL, 0, 0,
	    MP_TABLE_ERROR, &old);
	if (row >= 0) {
		if (t->n == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 1024;
			t->e = xrealloc(t->e, t->cap * sizeof *t->e);
		}
		memset(&t->e[t->n], 0, sizeof *t->e);
		old = t->n++;
	}
	e = &t->e[old];
	if (e->line[r->side] == 0) {
		e->amount[r->side] = v;
		e->line[r->side] = rec->line;
		e->src[r->side] = r->src;
		return 0;
	}
	if (!t->sum) {
		mp_buf_adds(&why, "duplicate key: ");
		keytext(r, &why);
		mp_buf_printf(&why, " (first at %s:%lld)", t->name[e->src[r->side]],
		    e->line[r->side]);
	} else if (__builtin_add_overflow(e->amount[r->side], v,
	    &e->amount[r->side])) {
		mp_buf_adds(&why, "total out of range: ");
		keytext(r, &why);
	}
	if (why.len)
		mp_reject(r->run, rec, "%s", mp_buf_str(&why));
	mp_buf_free(&why);
	return 0;
}

/* --- NDJSON --- */

static int
ndjson(struct mp_run *run, struct mp_rec *rec, void *arg)
{
	struct reader *r = arg;
	struct mp_totals *t = r->t;
	struct mp_span *v = r->v, *a = &r->v[t->nkey];
	enum mp_json_type ty;
	int i;

	if (mp_rec_json(run, rec) < 0)
		return 0;
	mp_query_run(r->q, rec->p, rec->n, v);
	t->key.len = 0;
	for (i = 0; i <= t->nkey; i++) {
		const char *name = i < t->nkey ? r->key[i] : r->amount;

		if (v[i].n == 0) {
			mp_reject(run, rec, "missing field '%s'", name);
			return 0;
		}
		if ((ty = mp_json_type(&v[i])) == MP_JSON_NULL) {
			mp_reject(run, rec, "field '%s' is null", name);
			return 0;
		}
		if (i < t->nkey && ty != MP_JSON_STRING &&
		    !(ty == MP_JSON_NUMBER && mp_json_number_is_int(&v[i]))) {
			mp_reject(run, rec, "field '%s' is not a string or an "
			    "integer", name);
			return 0;
		}
		if (i == t->nkey && ty != MP_JSON_STRING &&
		    ty != MP_JSON_NUMBER) {
			mp_reject(run, rec, "field '%s' is not a number or a "
			    "string", name);
			return 0;
		}
	}
	for (i = 0; i < t->nkey; i++) {
		if (mp_json_type(&v[i]) == MP_JSON_STRING) {
			r->val.len = 0;
			mp_json_str_decode(&v[i], &r->val);
			keyval(&t->key, r->val.p ? r->val.p : "", r->val.len);
		} else
			keyval(&t->key, v[i].p, v[i].n);
	}
	if (mp_json_type(a) == MP_JSON_STRING) {
		r->row.len = 0;
		mp_json_str_decode(a, &r->row);
		return add(r, rec, r->row.p ? r->row.p : "", r->row.len);
	}
	return add(r, rec, a->p, a->n);
}

/* --- CSV, TSV and queries: rows of columns --- */

/* Finds the columns; returns 0, or 65 after a message. */
static int
columns(struct reader *r, const char *where, int ncol,
    const char *const *name, const size_t *len)
{
	struct mp_buf b = { 0 };
	int i, j, n = r->t->nkey + 1;

	r->ncol = ncol;
	r->cols = xcalloc(ncol, sizeof *r->cols);
	for (i = 0; i < ncol; i++)
		r->cols[i] = len ? xstrndup(name[i], len[i]) :
		    xstrdup(name[i]);
	r->col = xcalloc(n, sizeof *r->col);
	for (j = 0; j < n; j++) {
		const char *want = j < n - 1 ? r->key[j] : r->amount;

		for (i = 0; i < ncol && strcmp(r->cols[i], want) != 0; i++)
			;
		if (i == ncol) {
			for (i = 0; i < ncol; i++)
				mp_buf_printf(&b, "%s%s", i ? ", " : "",
				    r->cols[i]);
			mp_warnx("%s: no column '%s' (columns: %s)", where,
			    want, mp_buf_str(&b));
			mp_buf_free(&b);
			return MP_EX_DATAERR;
		}
		r->col[j] = i;
	}
	return 0;
}

/* A row as a JSON object of its columns, for the rejects. */
static void
rowjson(struct reader *r, const char *const *val, const size_t *len,
    int n, struct mp_buf *b)
{
	int i;

	b->len = 0;
	mp_buf_addc(b, '{');
	for (i = 0; i < n && i < r->ncol; i++) {
		if (i)
			mp_buf_addc(b, ',');
		mp_buf_json_str(b, r->cols[i], strlen(r->cols[i]));
		mp_buf_addc(b, ':');
		if (val[i])
			mp_buf_json_str(b, val[i], len[i]);
		else
			mp_buf_adds(b, "null");
	}
	mp_buf_addc(b, '}');
}

/* A row of text cells (val[i] NULL for SQL NULL). */
static int
row(struct reader *r, const char *file, long long line, int n,
    const char *const *val, const size_t *len)
{
	struct mp_totals *t = r->t;
	struct mp_rec rec;
	int i, c;

	rowjson(r, val, len, n, &r->row);
	rec.p = r->row.p;
	rec.n = r->row.len;
	rec.file = file;
	rec.line = line;
	mp_run_input(r->run, 1, 0);
	if (n != r->ncol) {
		mp_reject(r->run, &rec, "%d fields, the header has %d", n,
		    r->ncol);
		return 0;
	}
	t->key.len = 0;
	for (i = 0; i <= t->nkey; i++) {
		const char *name = i < t->nkey ? r->key[i] : r->amount;

		c = r->col[i];
		if (val[c] == NULL) {
			mp_reject(r->run, &rec, "column '%s' is null", name);
			return 0;
		}
		if (!mp_utf8_valid(val[c], len[c])) {
			mp_reject(r->run, &rec, "column '%s' is not UTF-8",
			    name);
			return 0;
		}
		if (i < t->nkey)
			keyval(&t->key, val[c], len[c]);
	}
	c = r->col[t->nkey];
	return add(r, &rec, val[c], len[c]);
}

static int
csv(struct reader *r, const char *file, int sep)
{
	struct mp_csv c;
	struct mp_span *f;
	const char **val = NULL;
	size_t *len = NULL;
	int n, i, st = 0;

	if ((st = mp_csv_open(&c, file, sep)) != 0)
		return st;
	if ((n = mp_csv_next(&c, &f)) <= 0) {
		if (n < 0) {
			mp_warnat(file, c.line, "%s", mp_csv_error(&c));
			st = MP_EX_DATAERR;
		}
		goto out;	/* an empty file has no rows: fine */
	}
	val = xcalloc(n, sizeof *val);
	len = xcalloc(n, sizeof *len);
	for (i = 0; i < n; i++) {
		val[i] = f[i].p;
		len[i] = f[i].n;
	}
	if ((st = columns(r, file, n, val, len)) != 0)
		goto out;
	while ((n = mp_csv_next(&c, &f)) > 0 && !mp_interrupted()) {
		if (n > r->ncol) {
			val = xrealloc(val, n * sizeof *val);
			len = xrealloc(len, n * sizeof *len);
		}
		for (i = 0; i < n; i++) {
			val[i] = f[i].p;
			len[i] = f[i].n;
		}
		row(r, file, c.line, n, val, len);
		if (mp_run_stopped(r->run))
			break;
	}
	if (n < 0) {
		mp_warnat(file, c.line, "%s", mp_csv_error(&c));
		st = MP_EX_DATAERR;
	}
out:
	free(val);
	free(len);
	mp_csv_close(&c);
	return st;
}

static int
pgrow(void *arg, int ncol, const char *const *name, const char *const *val,
    const size_t *len, long long rowno)
{
	struct reader *r = arg;
	int st;

	if (r->col == NULL && (st = columns(r, r->t->name[r->src], ncol, name,
	    NULL)) != 0)
		return st;
	if (val == NULL)
		return 0;
	row(r, r->t->name[r->src], rowno, ncol, val, len);
	return mp_run_stopped(r->run) ? -1 : 0;
}

static int
endswith(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);

	return n > k && strcasecmp(s + n - k, suf) == 0;
}

int
mp_totals_read(struct mp_run *run, struct mp_totals *t, int side,
    const char *src, const char *label, char **key, const char *amt,
    const char *conninfo)
{
	struct reader r;
	char *one[1];
	int i, st;

	memset(&r, 0, sizeof r);
	r.t = t;
	r.run = run;
	r.side = side;
	r.key = key;
	r.amount = amt;
	r.src = t->nname;
	t->name = xrealloc(t->name, (t->nname + 1) * sizeof *t->name);
	if (strncmp(src, "pg:", 3) == 0) {
		t->name[t->nname] = xmalloc(strlen(label) + 4);
		sprintf(t->name[t->nname++], "pg:%s", label);
		r.word = "column";
		st = mp_pg_rows(&t->conn, conninfo, src + 3,
		    t->name[t->nname - 1], pgrow, &r);
		if (st < 0)
			st = 0;		/* stopped by --strict or a signal */
	} else if (endswith(src, ".csv") || endswith(src, ".tsv")) {
		t->name[t->nname++] = xstrdup(src);
		r.word = "column";
		st = csv(&r, src, endswith(src, ".tsv") ? '\t' : ',');
	} else {
		t->name[t->nname++] = xstrdup(src);
		r.word = "field";
		r.path = xcalloc(t->nkey + 1, sizeof *r.path);
		for (i = 0; i <= t->nkey; i++) {
			struct mp_path *p = &r.path[i];

			p->text = i < t->nkey ? key[i] : (char *)amt;
			p->seg = xcalloc(1, sizeof *p->seg);
			p->seg->key = p->text;
			p->seg->keylen = strlen(p->text);
			p->nseg = 1;
		}
		r.q = mp_query_new(r.path, t->nkey + 1);
		r.v = xcalloc(t->nkey + 1, sizeof *r.v);
		one[0] = (char *)src;
		st = mp_run_loop(run, 1, one, ndjson, &r);
		mp_query_free(r.q);
		for (i = 0; i <= t->nkey; i++)
			free(r.path[i].seg);
		free(r.path);
		free(r.v);
	}
	for (i = 0; r.cols && i < r.ncol; i++)
		free(r.cols[i]);
	free(r.cols);
	free(r.col);
	mp_buf_free(&r.val);
	mp_buf_free(&r.row);
	return st;
}

static int
cmpkey(const void *a, const void *b, void *arg)
{
	const struct mp_table *t = arg;
	const char *p, *q;
	size_t n, m;
	int c;

	p = mp_table_key(t, *(const long *)a, &n);
	q = mp_table_key(t, *(const long *)b, &m);
	if ((c = memcmp(p, q, n < m ? n : m)) != 0)
		return c;
	return n < m ? -1 : n > m;
}

void
mp_totals_sort(struct mp_totals *t)
{
	size_t i;

	free(t->order);
	t->order = xcalloc(t->n + 1, sizeof *t->order);
	for (i = 0; i < t->n; i++)
		t->order[i] = i;
	qsort_r(t->order, t->n, sizeof *t->order, cmpkey, t->t);
}

int
mp_totals_get(const struct mp_totals *t, size_t i, struct mp_buf *b,
    struct mp_span *v, int64_t *amt, int *have)
{
	const struct ent *e;
	const char *p, *end;
	size_t n, *off;
	long r;
	int k;

	if (i >= t->n)
		return 0;
	r = t->order ? t->order[i] : (long)i;
	e = &t->e[r];
	p = mp_table_key(t->t, r, &n);
	end = p + n;
	off = xcalloc(t->nkey + 1, sizeof *off);
	b->len = 0;
	for (k = 0; p < end && k < t->nkey; k++) {
		off[k] = b->len;
		for (; !(p[0] == '\0' && p[1] == '\0'); p++)
			if (p[0] == '\0')
				mp_buf_addc(b, *++p == '\1' ? '\0' : '?');
			else
				mp_buf_addc(b, *p);
		off[k + 1] = b->len;
		p += 2;
	}
	mp_buf_str(b);
	for (k = 0; k < t->nkey; k++) {
		v[k].p = b->p + off[k];
		v[k].n = off[k + 1] - off[k];
	}
	free(off);
	for (k = 0; k < 2; k++) {
		amt[k] = e->amount[k];
		have[k] = e->line[k] != 0;
	}
	return 1;
}

void
mp_totals_free(struct mp_totals *t)
{
	int i;

	if (t == NULL)
		return;
	mp_pg_close(t->conn);
	mp_table_free(t->t);
	free(t->e);
	free(t->order);
	for (i = 0; i < t->nname; i++)
		free(t->name[i]);
	free(t->name);
	mp_buf_free(&t->key);
	free(t);
}
