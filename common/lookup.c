/*
 * lookup.c: lookup tables from options (-t, -k, -a, --format and the
 * rest, per table or as defaults), the record's fields they read, a
 * record's key for a table, and finding it in a table read whole.
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"

enum { K_PATH, K_SLICE, K_JQ };

void
mp_lookup_init(struct mp_lookups *ls, const char *usage)
{
	memset(ls, 0, sizeof *ls);
	ls->usage = usage;
	ls->batchn = 1000;
	ls->cachen = 100000;
}

int
mp_lookup_slot(struct mp_lookups *ls, const struct mp_path *p)
{
	int i;

	for (i = 0; i < ls->nq; i++)
		if (strcmp(ls->path[i].text, p->text) == 0)
			return i;
	if (ls->nq == MP_LOOKUP_MAXFIELDS)
		mp_errx(MP_EX_USAGE, "too many fields");
	ls->path[ls->nq] = *p;
	return ls->nq++;
}

static int
ext(const char *file, const char *e)
{
	size_t n = strlen(file), k = strlen(e);

	return n > k && strcmp(file + n - k, e) == 0;
}

int
mp_lookup_format_of(const char *file)
{
	if (ext(file, ".ndjson") || ext(file, ".jsonl") || ext(file, ".json"))
		return MP_LOOKUP_NDJSON;
	if (ext(file, ".csv"))
		return MP_LOOKUP_CSV;
	if (ext(file, ".tsv"))
		return MP_LOOKUP_TSV;
	return MP_LOOKUP_NONE;
}

int
mp_lookup_format(struct mp_lookups *ls, const char *opt, const char *s)
{
	if (strcmp(s, "ndjson") == 0)
		return MP_LOOKUP_NDJSON;
	if (strcmp(s, "csv") == 0)
		return MP_LOOKUP_CSV;
	if (strcmp(s, "tsv") == 0)
		return MP_LOOKUP_TSV;
	mp_warnx("%s: '%s': want ndjson, csv or tsv", opt, s);
	mp_usage(ls->usage);
}

/* [name=]source: a name is letters, digits, '_', '-' and '.' */
struct mp_lookup *
mp_lookup_new(struct mp_lookups *ls, struct mp_lookup *t, const char *arg)
{
	size_t n = strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR"
	    "STUVWXYZ0123456789_-.");
	const char *src = arg, *b, *e;

	if (t == NULL) {
		ls->tab = xrealloc(ls->tab, (ls->ntab + 1) * sizeof *ls->tab);
		t = &ls->tab[ls->ntab++];
	}
	memset(t, 0, sizeof *t);
	if (arg[n] == '=' && n > 0) {
		t->name = xstrndup(arg, n);
		src = arg + n + 1;
	}
	if (*src == '\0') {
		mp_warnx("--table: '%s': no source", arg);
		mp_usage(ls->usage);
	}
	t->src = xstrdup(src);
	if (strncmp(src, "pg:", 3) == 0) {
		t->fmt = MP_LOOKUP_PG;
		t->batched = strstr(src, "$1") != NULL;
		if (t->name == NULL)
			t->name = xstrdup("pg");
	} else if (t->name == NULL) {
		b = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
		e = strchr(b, '.') && strchr(b, '.') != b ? strchr(b, '.') :
		    b + strlen(b);
		t->name = xstrndup(b, e - b);
	}
	return t;
}

void
mp_lookup_key(struct mp_lookups *ls, struct mp_lookup *t, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct mp_lookup_key *k;

	if (!(t->set & MP_LOOKUP_SET_KEY))
		t->nkey = 0;
	t->set |= MP_LOOKUP_SET_KEY;
	t->key = xrealloc(t->key, (t->nkey + 1) * sizeof *t->key);
	k = &t->key[t->nkey++];
	memset(k, 0, sizeof *k);
	k->col = eq ? xstrndup(arg, eq - arg) : xstrdup(arg);
	if (*k->col == '\0') {
		mp_warnx("--key: '%s': no column", arg);
		mp_usage(ls->usage);
	}
	if (eq)
		k->expr = xstrdup(eq + 1);
	else {
		k->expr = xmalloc(strlen(arg) + 2);
		sprintf(k->expr, ".%s", arg);
	}
}

void
mp_lookup_field(struct mp_lookups *ls, struct mp_lookup_add *a,
    const char *opt, const char *field)
{
	struct mp_buf b = { 0 };

	mp_opt_field(&a->field, opt, field, 0, ls->usage);
	if (a->field.nseg == 1) {
		mp_buf_json_str(&b, a->field.seg[0].key,
		    a->field.seg[0].keylen);
		mp_buf_addc(&b, ':');
		a->name = xstrdup(mp_buf_str(&b));
		mp_buf_free(&b);
	}
}

void
mp_lookup_column(struct mp_lookups *ls, struct mp_lookup *t,
    const char *arg)
{
	static const char *types[] = { "", "string", "number", "money",
	    "json" };
	char *s = xstrdup(arg), *c, *eq;
	struct mp_lookup_add *a;
	int i;

	if (!(t->set & MP_LOOKUP_SET_ADD))
		t->nadd = 0;
	t->set |= MP_LOOKUP_SET_ADD;
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
			mp_usage(ls->usage);
		}
		a->type = i;
		*c = '\0';
	}
	if ((eq = strchr(s, '=')) != NULL)
		*eq++ = '\0';
	if (*s == '\0') {
		mp_warnx("--add: '%s': no column", arg);
		mp_usage(ls->usage);
	}
	a->col = s;
	mp_lookup_field(ls, a, "--add", eq ? eq : s);
}

/* The options of a table it did not give itself come from the defaults. */
static void
inherit(struct mp_lookups *ls, struct mp_lookup *t)
{
	const struct mp_lookup *d = &ls->dflt;
	int i;

	if (!(t->set & MP_LOOKUP_SET_KEY)) {
		t->nkey = d->nkey;
		t->key = xcalloc(d->nkey + 1, sizeof *t->key);
		for (i = 0; i < d->nkey; i++) {
			t->key[i].col = d->key[i].col;
			t->key[i].expr = d->key[i].expr;
		}
		if (t->nkey == 0)
			mp_lookup_key(ls, t, "event_id");
	}
	if (!(t->set & MP_LOOKUP_SET_ADD)) {
		t->nadd = d->nadd;
		t->add = xcalloc(d->nadd + 1, sizeof *t->add);
		if (d->nadd > 0)
			memcpy(t->add, d->add, d->nadd * sizeof *t->add);
	}
	if (!(t->set & MP_LOOKUP_SET_FMT) && t->fmt == MP_LOOKUP_NONE)
		t->fmt = d->fmt;
	if (!(t->set & MP_LOOKUP_SET_DUPS))
		t->dups = d->dups;
	if (!(t->set & MP_LOOKUP_SET_ALLOC)) {
		t->alloc = d->alloc;
		t->allocfield = d->allocfield;
	}
	if (!(t->set & MP_LOOKUP_SET_COUNT))
		t->countcol = d->countcol;
	if (t->fmt == MP_LOOKUP_NONE &&
	    (t->fmt = mp_lookup_format_of(t->src)) == MP_LOOKUP_NONE) {
		mp_warnx("%s: cannot tell the format from the name; "
		    "give --format", t->src);
		mp_usage(ls->usage);
	}
}

/* PATH[m:n]: 1 with the path, m and n (-1: to the end) set, else 0. */
static int
isslice(const char *expr, struct mp_path *p, long *from, long *to)
{
	const char *errstr;
	char *br, *colon, *end, *ps;
	long m = 0, n = -1;
	int okay, parsed;

	br = strrchr(expr, '[');
	if (br == NULL || br == expr || expr[strlen(expr) - 1] != ']' ||
	    (colon = strchr(br, ':')) == NULL)
		return 0;
	ps = xstrndup(expr, br - expr);
	okay = parsed = mp_path_parse(ps, p, &errstr) == 0;
	if (okay && colon > br + 1) {
		m = strtol(br + 1, &end, 10);
		okay = end == colon && m >= 0;
	}
	if (okay && colon[1] != ']') {
		n = strtol(colon + 1, &end, 10);
		okay = *end == ']' && n >= 0 && end[1] == '\0';
	}
	free(ps);
	if (parsed && !okay)
		mp_path_free(p);
	*from = m;
	*to = n;
	return okay;
}

void
mp_lookup_prepare(struct mp_lookups *ls, struct mp_lookup *t)
{
	struct mp_buf err = { 0 };
	struct mp_path p;
	const char *errstr;
	struct mp_lookup_key *k;
	int i, n;

	inherit(ls, t);
	for (i = 0; i < t->nkey; i++) {
		k = &t->key[i];
		k->to = -1;
		if (mp_path_parse(k->expr, &p, &errstr) == 0)
			k->kind = K_PATH;
		else if (isslice(k->expr, &p, &k->from, &k->to))
			k->kind = K_SLICE;
		else {
			k->kind = K_JQ;
			if ((k->jq = mp_jq_new(k->expr, &err)) == NULL) {
				mp_warnx("--key: '%s': %s", k->expr,
				    mp_buf_str(&err));
				mp_usage(ls->usage);
			}
			continue;
		}
		/* the set keeps the path, once */
		n = ls->nq;
		if ((k->slot = mp_lookup_slot(ls, &p)) < n)
			mp_path_free(&p);
	}
	for (i = 0; i < t->nadd; i++)
		t->add[i].slot = mp_lookup_slot(ls, &t->add[i].field);
	if (t->alloc) {
		t->afield.col = t->alloc;
		mp_lookup_field(ls, &t->afield, "--allocate",
		    t->allocfield ? t->allocfield : t->alloc);
		t->afield.slot = mp_lookup_slot(ls, &t->afield.field);
		t->afield.type = MP_LOOKUP_MONEY;
		for (i = 0; i < t->nadd; i++)
			if (strcmp(t->add[i].field.text,
			    t->afield.field.text) == 0) {
				/* the record would get the field twice */
				mp_warnx("%s: '%s' is both added (-a) and "
				    "allocated (--allocate)", t->name,
				    t->afield.field.text);
				mp_usage(ls->usage);
			}
		if (t->batched) {
			mp_warnx("%s: --allocate needs a table read whole, "
			    "not a query in batches", t->name);
			mp_usage(ls->usage);
		}
	}
	mp_buf_free(&err);
}

void
mp_lookup_keypart(struct mp_buf *k, const char *p, size_t n)
{
	unsigned char v[MP_VARINT_MAX];

	mp_buf_add(k, v, mp_varint_put(v, n));
	mp_buf_add(k, p, n);
}

int
mp_lookup_keypart_get(const char *k, size_t kn, int i, const char **p,
    size_t *n)
{
	const unsigned char *u = (const unsigned char *)k;
	size_t at = 0, len;

	for (;;) {
		at += mp_varint_get(u + at, kn - at, &len);
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

const char *
mp_lookup_valnext(const char *v, const char **p, size_t *n)
{
	size_t len;

	v += mp_varint_get((const unsigned char *)v, MP_VARINT_MAX, &len);
	*n = len ? len - 1 : 0;
	*p = v;
	return *p + *n;
}

int
mp_lookup_valtext(const struct mp_span *v, struct mp_buf *b)
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

int
mp_lookup_recordkey(struct mp_lookups *ls, struct mp_run *run,
    struct mp_lookup_rec *c, struct mp_lookup *t, struct mp_buf *k)
{
	static struct mp_buf tmp, s;
	struct mp_span *v;
	struct mp_lookup_key *key;
	int i, r;

	k->len = 0;
	for (i = 0; i < t->nkey; i++) {
		key = &t->key[i];
		tmp.len = 0;
		switch (key->kind) {
		case K_PATH:
			if (!mp_lookup_valtext(&ls->val[key->slot], &tmp))
				return 0;
			break;
		case K_SLICE:
			v = &ls->val[key->slot];
			if (v->n == 0 || mp_json_type(v) == MP_JSON_NULL)
				return 0;
			if (mp_json_type(v) != MP_JSON_STRING) {
				if (run)
					mp_reject(run, c->rec, "key '%s': cannot "
					    "slice %s '%s'", key->col,
					    mp_json_type_name(mp_json_type(v)),
					    ls->path[key->slot].text);
				return -1;
			}
			s.len = 0;
			mp_json_str_decode(v, &s);
			slice(s.p, s.len, key->from, key->to, &tmp);
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
		mp_lookup_keypart(k, tmp.p, tmp.len);
	}
	return 1;
}

int
mp_lookup_find(struct mp_lookups *ls, struct mp_run *run,
    struct mp_lookup_rec *c, int ti, struct mp_lookup_hit *h)
{
	static struct mp_buf k;
	struct mp_lookup *t = &ls->tab[ti];
	long r;
	int rc;

	if ((rc = mp_lookup_recordkey(ls, run, c, t, &k)) <= 0)
		return rc;
	if ((r = mp_table_find(t->rows, k.p, k.len)) < 0)
		return 0;
	h->tab = ti;
	h->row = r;
	h->val = mp_table_val(t->rows, r, &h->vn);
	return 1;
}

void
mp_lookup_begin(struct mp_lookups *ls, struct mp_lookup_rec *c,
    struct mp_rec *rec, const char *p, size_t n)
{
	c->rec = rec;
	c->p = p;
	c->n = n;
	c->seq = ++ls->seq;
	mp_query_run(ls->query, p, n, ls->val);
}

int
mp_lookup_pieces(const struct mp_lookup *t, const struct mp_lookup_hit *h,
    struct mp_lookup_piece *pc)
{
	const char *v = h->val + 1, *end = h->val + h->vn;
	int np = 0, i;

	for (i = 0; i < t->nadd && v < end; i++) {
		v = mp_lookup_valnext(v, &pc[np].p, &pc[np].n);
		if (pc[np].n == 0)
			continue;
		pc[np++].a = &t->add[i];
	}
	return np;
}

int
mp_lookup_splice(const struct mp_lookups *ls, const struct mp_lookup_rec *c,
    const struct mp_lookup_piece *pc, int np, struct mp_buf *out, int *bad)
{
	static struct mp_buf alt;
	struct mp_buf *src = out, *dst = &alt, *x;
	const char *close;
	int i, fast = 1;

	for (i = 0; i < np; i++)
		if (pc[i].a->name == NULL || ls->val[pc[i].a->slot].n)
			fast = 0;
	out->len = 0;
	if (fast) {
		close = c->p + c->n - 1;
		while (*close != '}')
			close--;
		mp_buf_add(out, c->p, close - c->p);
		for (i = 0; i < np; i++) {
			if (i > 0 || memchr(c->p + 1, '"',
			    close - c->p - 1) != NULL)
				mp_buf_addc(out, ',');
			mp_buf_adds(out, pc[i].a->name);
			mp_buf_add(out, pc[i].p, pc[i].n);
		}
		mp_buf_add(out, close, c->n - (close - c->p));
		return 0;
	}
	mp_buf_add(src, c->p, c->n);
	for (i = 0; i < np; i++) {
		dst->len = 0;
		if (mp_json_splice(src->p, src->len, &pc[i].a->field, pc[i].p,
		    pc[i].n, dst) < 0) {
			*bad = i;
			return -1;
		}
		x = src;
		src = dst;
		dst = x;
	}
	if (src != out) {
		out->len = 0;
		mp_buf_add(out, src->p, src->len);
	}
	return 0;
}

static void
tabfree(struct mp_lookup *t)
{
	int i;

	for (i = 0; i < t->nkey; i++)
		mp_jq_free(t->key[i].jq);
	mp_table_free(t->rows);
	mp_table_free(t->bt);
	mp_table_free(t->cache[0]);
	mp_table_free(t->cache[1]);
}

void
mp_lookup_free(struct mp_lookups *ls)
{
	int i;

	for (i = 0; i < ls->ntab; i++)
		tabfree(&ls->tab[i]);
	mp_query_free(ls->query);
	mp_pglookup_close(&ls->pg);
	free(ls->held);
	mp_buf_free(&ls->heldbuf);
}
