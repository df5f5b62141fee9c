/*
 * path.c: jq paths, and finding and splicing values by path in records
 * that mp_json_check accepted.  Walking a checked record needs no
 * validation, so it only skips: strings by their closing quote, containers
 * by counting brackets.
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"
#include "scan.h"

typedef const char *ptr;

static ptr
skip_ws(ptr p, ptr end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* p at the opening quote; returns the byte after the closing one */
static ptr
skip_string(ptr p, ptr end, int *esc)
{
	const unsigned char *u = (const unsigned char *)p + 1,
	    *e = (const unsigned char *)end;

	for (;;) {
		u = mp_scan_plain(u, e, 0);
		if (u >= e)
			return end;
		if (*u == '"')
			return (ptr)u + 1;
		*esc = 1;
		u += 2;
	}
}

static ptr
skip_value(ptr p, ptr end)
{
	int depth = 0, esc;

	if (*p != '{' && *p != '[' && *p != '"') {
		while (p < end && *p != ',' && *p != '}' && *p != ']' &&
		    *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
		return p;
	}
	while (p < end) {
		switch (*p) {
		case '"':
			p = skip_string(p, end, &esc);
			if (depth == 0)
				return p;
			continue;
		case '{': case '[':
			depth++;
			break;
		case '}': case ']':
			if (--depth == 0)
				return p + 1;
			break;
		}
		p++;
	}
	return end;
}

/*
 * Iterates the members of an object or the elements of an array: *p at
 * the opening bracket or just after a member.  Returns 1 with *key (for
 * objects) and *val set, 0 at the end with *p at the closing bracket.
 */
static int
next(ptr *pp, ptr end, struct mp_span *key, int *kesc, ptr *val)
{
	ptr p;

	if (**pp == '}' || **pp == ']')
		return 0;		/* at the end already */
	p = skip_ws(*pp + 1, end);
	if (p >= end || *p == '}' || *p == ']') {
		*pp = p;
		return 0;
	}
	if (key) {
		key->p = p;
		*kesc = 0;
		p = skip_string(p, end, kesc);
		key->n = p - key->p;
		p = skip_ws(p, end) + 1;	/* ':' */
		p = skip_ws(p, end);
	}
	*val = p;
	p = skip_ws(skip_value(p, end), end);
	*pp = p;			/* at ',' or the closing bracket */
	return 1;
}

/* Whether key k (esc: it has escapes) names segment s */
static int
keyeq(const struct mp_span *k, int esc, const struct mp_seg *s)
{
	if (esc)
		return mp_json_str_eq(k, s->key, s->keylen);
	return k->n - 2 == s->keylen && memcmp(k->p + 1, s->key, s->keylen) == 0;
}

/* Finds segment s in the container at p; returns its value or NULL. */
static ptr
step(ptr p, ptr end, const struct mp_seg *s, ptr *close)
{
	struct mp_span k;
	ptr v;
	long i = 0;
	int esc;

	if (s->key ? *p != '{' : *p != '[')
		return *close = NULL, NULL;
	while (next(&p, end, s->key ? &k : NULL, &esc, &v))
		if (s->key ? keyeq(&k, esc, s) : i++ == s->index)
			return v;
	*close = p;
	return NULL;
}

int
mp_json_get(const char *rec, size_t n, const struct mp_path *path,
    struct mp_span *v)
{
	ptr end = rec + n, p = skip_ws(rec, end), close;
	int i;

	for (i = 0; i < path->nseg && p; i++)
		p = step(p, end, &path->seg[i], &close);
	if (p == NULL || p >= end)
		return v->p = NULL, v->n = 0, 0;
	v->p = p;
	v->n = skip_value(p, end) - p;
	return 1;
}

int
mp_json_splice(const char *rec, size_t n, const struct mp_path *path,
    const char *val, size_t vlen, struct mp_buf *out)
{
	ptr end = rec + n, p = skip_ws(rec, end), parent = NULL, close = NULL;
	int i, j;

	for (i = 0; i < path->nseg; i++) {
		parent = p;
		if ((p = step(p, end, &path->seg[i], &close)) == NULL)
			break;
	}
	if (i == 0 && path->nseg == 0)
		return -1;
	if (p) {
		mp_buf_add(out, rec, p - rec);
		mp_buf_add(out, val, vlen);
		p = skip_value(p, end);
		mp_buf_add(out, p, end - p);
		return 0;
	}
	if (close == NULL)
		return -1;		/* not an object, or an index */
	for (j = i; j < path->nseg; j++)
		if (path->seg[j].key == NULL)
			return -1;
	/* close is the '}' of the object that lacks seg[i] */
	mp_buf_add(out, rec, close - rec);
	if (skip_ws(parent + 1, end) != close)
		mp_buf_addc(out, ',');
	for (j = i; j < path->nseg; j++) {
		if (j > i)
			mp_buf_addc(out, '{');
		mp_buf_json_str(out, path->seg[j].key, path->seg[j].keylen);
		mp_buf_addc(out, ':');
	}
	mp_buf_add(out, val, vlen);
	for (j = i + 1; j < path->nseg; j++)
		mp_buf_addc(out, '}');
	mp_buf_add(out, close, end - close);
	return 0;
}

/* Queries: the paths as a trie, walked once per record */

struct qnode {
	struct mp_seg seg;
	int	*terms;		/* paths that end here */
	int	 nterms;
	struct qnode *kid;
	int	 nkid;
	int	 keyed;		/* kids are keys (else indexes) */
};

struct mp_query {
	struct qnode root;
	int	 npath;
};

struct qrun {
	struct mp_span *v;
	int	 left;		/* paths not found yet */
};

struct mp_query *
mp_query_new(const struct mp_path *paths, int n)
{
	struct mp_query *q = xcalloc(1, sizeof *q);
	struct qnode *nd, *k;
	int i, j, c;

	q->npath = n;
	for (i = 0; i < n; i++) {
		nd = &q->root;
		for (j = 0; j < paths[i].nseg; j++) {
			const struct mp_seg *s = &paths[i].seg[j];

			for (c = 0; c < nd->nkid; c++) {
				k = &nd->kid[c];
				if ((s->key == NULL) == (k->seg.key == NULL) &&
				    (s->key ? k->seg.keylen == s->keylen &&
				    memcmp(k->seg.key, s->key, s->keylen) == 0 :
				    k->seg.index == s->index))
					break;
			}
			if (c == nd->nkid) {
				nd->kid = xrealloc(nd->kid,
				    (nd->nkid + 1) * sizeof *nd->kid);
				k = &nd->kid[nd->nkid++];
				memset(k, 0, sizeof *k);
				k->seg = *s;
			}
			nd = &nd->kid[c];
		}
		nd->terms = xrealloc(nd->terms,
		    (nd->nterms + 1) * sizeof *nd->terms);
		nd->terms[nd->nterms++] = i;
	}
	return q;
}

/*
 * Walks the value at p for node nd; returns its end, or NULL once every
 * path has been found (no need to read further).
 */
static ptr
walk(const struct qnode *nd, ptr p, ptr end, struct qrun *r)
{
	struct mp_span k;
	ptr v, vend = NULL, c;
	long i = 0;
	int t, x, esc;

	if (nd->nkid > 0 && (*p == '{' || *p == '[')) {
		c = p;
		while (next(&c, end, *p == '{' ? &k : NULL, &esc, &v)) {
			const struct qnode *kid = NULL;

			for (x = 0; x < nd->nkid; x++) {
				const struct mp_seg *s = &nd->kid[x].seg;

				if (*p == '{' ? s->key && keyeq(&k, esc, s) :
				    !s->key && s->index == i) {
					kid = &nd->kid[x];
					break;
				}
			}
			i++;
			if (kid && walk(kid, v, end, r) == NULL)
				return NULL;
		}
		vend = c + 1;
	}
	if (nd->nterms) {
		if (vend == NULL)
			vend = skip_value(p, end);
		for (t = 0; t < nd->nterms; t++) {
			r->v[nd->terms[t]].p = p;
			r->v[nd->terms[t]].n = vend - p;
		}
		if ((r->left -= nd->nterms) == 0)
			return NULL;
	}
	return vend ? vend : p;
}

void
mp_query_run(const struct mp_query *q, const char *rec, size_t n,
    struct mp_span *v)
{
	struct qrun r = { v, q->npath };
	ptr end = rec + n;
	int i;

	for (i = 0; i < q->npath; i++)
		v[i].p = NULL, v[i].n = 0;
	if (q->npath)
		walk(&q->root, skip_ws(rec, end), end, &r);
}

static void
qnode_free(struct qnode *nd)
{
	int i;

	for (i = 0; i < nd->nkid; i++)
		qnode_free(&nd->kid[i]);
	free(nd->kid);
	free(nd->terms);
}

void
mp_query_free(struct mp_query *q)
{
	if (q) {
		qnode_free(&q->root);
		free(q);
	}
}

/* Path syntax */

static int
isid(int c, int first)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (!first && c >= '0' && c <= '9');
}

/* A quoted key at s; returns the byte after it or NULL. */
static const char *
quoted(const char *s, struct mp_seg *seg)
{
	struct mp_json_err e;
	struct mp_buf b = { 0 };
	struct mp_span sp;
	const char *q;

	for (q = s + 1; *q && *q != '"'; q++)
		if (*q == '\\' && q[1])
			q++;
	if (*q != '"')
		return NULL;
	mp_buf_addc(&b, '{');
	mp_buf_add(&b, s, q + 1 - s);
	mp_buf_adds(&b, ":0}");
	if (mp_json_check(b.p, b.len, &e) < 0) {
		mp_buf_free(&b);
		return NULL;
	}
	sp.p = s;
	sp.n = q + 1 - s;
	b.len = 0;
	mp_json_str_decode(&sp, &b);
	seg->keylen = b.len;
	seg->key = xstrndup(b.p, b.len);
	mp_buf_free(&b);
	return q + 1;
}

/* Parses a path at s up to a comma or the end; returns the end or NULL. */
static const char *
parse(const char *s, struct mp_path *path, const char **errstr)
{
	const char *st = s;
	struct mp_seg seg;
	char *e;

	memset(path, 0, sizeof *path);
	*errstr = "path must start with '.'";
	if (*s != '.')
		return NULL;
	if (s[1] == '\0' || s[1] == ',')
		s++;
	while (*s && *s != ',') {
		memset(&seg, 0, sizeof seg);
		*errstr = "bad path";
		if (*s == '.' && isid((unsigned char)s[1], 1)) {
			const char *k = ++s;

			while (isid((unsigned char)*s, 0))
				s++;
			seg.key = xstrndup(k, s - k);
			seg.keylen = s - k;
		} else if (*s == '.' && s[1] == '"') {
			if ((s = quoted(s + 1, &seg)) == NULL)
				goto bad;
		} else if (*s == '[' || (*s == '.' && s[1] == '[')) {
			if (*s == '.')
				s++;
			if (s[1] == '"') {
				if ((s = quoted(s + 1, &seg)) == NULL ||
				    *s++ != ']')
					goto bad;
			} else {
				if (s[1] < '0' || s[1] > '9')
					goto bad;
				seg.index = strtol(s + 1, &e, 10);
				if (*e != ']' || seg.index > 1L << 30)
					goto bad;
				s = e + 1;
			}
		} else
			goto bad;
		path->seg = xrealloc(path->seg,
		    (path->nseg + 1) * sizeof *path->seg);
		path->seg[path->nseg++] = seg;
	}
	path->text = xstrndup(st, s - st);
	*errstr = NULL;
	return s;
bad:
	free(seg.key);
	mp_path_free(path);
	return NULL;
}

int
mp_path_parse(const char *s, struct mp_path *path, const char **errstr)
{
	const char *e = parse(s, path, errstr);

	if (e && *e) {
		mp_path_free(path);
		*errstr = "bad path";
		return -1;
	}
	return e ? 0 : -1;
}

int
mp_path_parse_list(const char *s, struct mp_path **v, int *n,
    const char **errstr)
{
	struct mp_path p;

	for (;;) {
		if ((s = parse(s, &p, errstr)) == NULL)
			return -1;
		*v = xrealloc(*v, (*n + 1) * sizeof **v);
		(*v)[(*n)++] = p;
		if (*s == '\0')
			return 0;
		s++;
	}
}

void
mp_path_free(struct mp_path *p)
{
	int i;

	for (i = 0; i < p->nseg; i++)
		free(p->seg[i].key);
	free(p->seg);
	free(p->text);
	memset(p, 0, sizeof *p);
}

/* The canonical form of a value: members sorted, white space gone */

struct member {
	struct mp_span key;
	int	 esc;
	ptr	 val;
};

struct canon {
	struct member *m;
	size_t	 n, cap;
	struct mp_buf k1, k2, s;
	const struct mp_path *ign;
	int	 nign;
};

static const char *
keybytes(const struct member *m, struct mp_buf *b, size_t *n)
{
	if (!m->esc) {
		*n = m->key.n - 2;
		return m->key.p + 1;
	}
	b->len = 0;
	mp_json_str_decode(&m->key, b);
	*n = b->len;
	return b->p;
}

static int
membercmp(const void *a, const void *b, void *arg)
{
	struct canon *c = arg;
	const char *x, *y;
	size_t nx, ny;
	int d;

	x = keybytes(a, &c->k1, &nx);
	y = keybytes(b, &c->k2, &ny);
	if ((d = memcmp(x, y, nx < ny ? nx : ny)) != 0)
		return d;
	return nx < ny ? -1 : nx > ny;
}

/*
 * Whether the member (key k, or element i) is where an ignored path ends;
 * *mask keeps the paths that go on below it.
 */
static int
ignored(const struct canon *c, int depth, uint64_t *mask,
    const struct member *m, long i)
{
	const struct mp_seg *s;
	uint64_t in = *mask, out = 0;
	int j, hit = 0;

	for (j = 0; j < c->nign && in; j++) {
		if (!(in & (1ULL << j)))
			continue;
		s = &c->ign[j].seg[depth];
		if (m ? s->key == NULL || !keyeq(&m->key, m->esc, s) :
		    s->key != NULL || s->index != i)
			continue;
		if (c->ign[j].nseg == depth + 1)
			hit = 1;
		else
			out |= 1ULL << j;
	}
	*mask = out;
	return hit;
}

static void
canon(struct canon *c, ptr p, ptr end, int depth, uint64_t mask,
    struct mp_buf *out)
{
	size_t base, i;
	uint64_t sub;
	ptr v, q;
	int first = 1, esc = 0;
	long idx = 0;

	if (*p == '"') {
		q = skip_string(p, end, &esc);
		if (!esc) {
			/* plain strings are canonical as they stand */
			mp_buf_add(out, p, q - p);
			return;
		}
		c->s.len = 0;
		mp_json_str_decode(&(struct mp_span){ p,
		    skip_value(p, end) - p }, &c->s);
		mp_buf_json_str(out, c->s.p, c->s.len);
		return;
	}
	if (*p == '[') {
		mp_buf_addc(out, '[');
		while (next(&p, end, NULL, NULL, &v)) {
			sub = mask;
			if (mask && ignored(c, depth, &sub, NULL, idx++))
				continue;
			if (!first)
				mp_buf_addc(out, ',');
			first = 0;
			canon(c, v, end, depth + 1, sub, out);
		}
		mp_buf_addc(out, ']');
		return;
	}
	if (*p != '{') {
		mp_buf_add(out, p, skip_value(p, end) - p);
		return;
	}
	base = c->n;
	for (;;) {
		if (c->n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 64;
			c->m = xrealloc(c->m, c->cap * sizeof *c->m);
		}
		if (!next(&p, end, &c->m[c->n].key, &c->m[c->n].esc,
		    &c->m[c->n].val))
			break;
		c->n++;
	}
	/* objects are small: insertion sort */
	for (i = base + 1; i < c->n; i++) {
		struct member t = c->m[i];
		size_t j = i;

		for (; j > base && membercmp(&c->m[j - 1], &t, c) > 0; j--)
			c->m[j] = c->m[j - 1];
		c->m[j] = t;
	}
	mp_buf_addc(out, '{');
	for (i = base; i < c->n; i++) {
		struct member m = c->m[i];
		const char *k;
		size_t kn;

		sub = mask;
		if (mask && ignored(c, depth, &sub, &m, 0))
			continue;
		if (!first)
			mp_buf_addc(out, ',');
		first = 0;
		if (m.esc) {
			k = keybytes(&m, &c->k1, &kn);
			mp_buf_json_str(out, k, kn);
		} else
			mp_buf_add(out, m.key.p, m.key.n);
		mp_buf_addc(out, ':');
		canon(c, m.val, end, depth + 1, sub, out);
	}
	mp_buf_addc(out, '}');
	c->n = base;
}

void
mp_json_canon(const char *rec, size_t n, const struct mp_path *ign,
    int nign, struct mp_buf *out)
{
	static struct canon c;
	ptr end = rec + n;
	uint64_t mask = 0;
	int j;

	c.ign = ign;
	c.nign = nign > 64 ? 64 : nign;
	for (j = 0; j < c.nign; j++)
		if (ign[j].nseg > 0)
			mask |= 1ULL << j;
	canon(&c, skip_ws(rec, end), end, 0, mask, out);
}

int
mp_json_members(const char *obj, size_t n, size_t *it, struct mp_span *key,
    struct mp_span *val)
{
	ptr p, end = obj + n, v;
	int esc;

	p = *it ? obj + *it : skip_ws(obj, end);
	if (p >= end || (*p != '{' && *p != ','))
		return 0;
	if (!next(&p, end, key, &esc, &v))
		return 0;
	val->p = v;
	val->n = skip_value(v, end) - v;
	*it = p - obj;
	return 1;
}

int
mp_json_elements(const char *arr, size_t n, size_t *it, struct mp_span *val)
{
	ptr p, end = arr + n, v;

	p = *it ? arr + *it : skip_ws(arr, end);
	if (p >= end || (*p != '[' && *p != ','))
		return 0;
	if (!next(&p, end, NULL, NULL, &v))
		return 0;
	val->p = v;
	val->n = skip_value(v, end) - v;
	*it = p - arr;
	return 1;
}
