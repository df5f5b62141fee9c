/*
 * json.c: a strict RFC 8259 scanner for one-object lines.  It decides
 * whether a line is exactly one JSON object, and why not, in one pass
 * and without building a tree.  Duplicate keys are an error at any depth
 * (mp.7 says why), so a checked record has one value per path.  Then
 * values in checked records, by path: found, replaced or added, iterated,
 * and written in canonical form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"
#include "scan.h"

typedef const unsigned char *ptr;

struct key {
	uint64_t hash;
	size_t	 off;		/* of the opening quote */
	size_t	 len;		/* with the quotes */
	int	 esc;		/* has a backslash: compare decoded */
};

/*
 * The checker hands the position from function to function (each returns
 * where it stopped, or NULL after fail()), so that it stays in a register.
 */
struct scan {
	ptr	 start, end;
	struct mp_json_err *e;
	struct key *keys;	/* keys of the objects being scanned */
	size_t	 nkeys, capkeys;
};

static ptr
fail(struct scan *s, ptr at, const char *fmt, ...) MP_PRINTF(3, 4);

static ptr
fail(struct scan *s, ptr at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->e->msg, sizeof s->e->msg, fmt, ap);
	va_end(ap);
	s->e->off = at - s->start;
	return NULL;
}

static ptr
unexpected(struct scan *s, ptr p, const char *what)
{
	const char *why;
	unsigned char c;

	if (p >= s->end)
		return fail(s, p, "unexpected end of input%s%s",
		    what ? ", expected " : "", what ? what : "");
	c = *p;
	if (c >= 0x80 && mp_utf8_seq(p, s->end - p, &why) == 0)
		return fail(s, p, "%s", why);
	if (c > 0x20 && c < 0x7f)
		return fail(s, p, "unexpected character '%c'%s%s", c,
		    what ? ", expected " : "", what ? what : "");
	return fail(s, p, "unexpected byte 0x%02x%s%s", c,
	    what ? ", expected " : "", what ? what : "");
}

static inline ptr
ws(ptr p, ptr end)
{
	while (p < end && *p <= ' ' && (*p == ' ' || *p == '\t' ||
	    *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* Reads \uXXXX at p; returns the code unit or -1. */
static long
u4(ptr p, ptr end)
{
	long v = 0;
	int i, h;

	if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
		return -1;
	for (i = 2; i < 6; i++) {
		if ((h = mp_hexval(p[i])) < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/*
 * p in the body of a string, after plain bytes only; returns the byte after
 * the closing quote
 */
static ptr
longstring(struct scan *s, ptr p, int *esc)
{
	ptr end = s->end, q;
	const char *why;
	long u, lo;
	int k;

	for (;;) {
		p = mp_scan_plain(p, end, 1);
		if (p >= end)
			return fail(s, p, "unexpected end of input in string");
		if (*p == '"')
			return p + 1;
		if (*p == '\\') {
			*esc = 1;
			if (p + 1 >= end)
				return fail(s, p, "unexpected end of input in "
				    "escape");
			switch (p[1]) {
			case '"': case '\\': case '/': case 'b':
			case 'f': case 'n': case 'r': case 't':
				p += 2;
				continue;
			case 'u':
				break;
			default:
				if (p[1] >= 0x20 && p[1] < 0x7f)
					return fail(s, p, "bad escape '\\%c'",
					    p[1]);
				return fail(s, p, "bad escape");
			}
			if ((u = u4(p, end)) < 0)
				return fail(s, p, "bad \\u escape");
			if (u >= 0xdc00 && u <= 0xdfff)
				return fail(s, p, "lone surrogate escape "
				    "\\u%04lX", u);
			if (u >= 0xd800 && u <= 0xdbff) {
				q = p + 6;
				lo = u4(q, end);
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail(s, p, "lone surrogate "
					    "escape \\u%04lX", u);
				p = q + 6;
			} else
				p += 6;
			continue;
		}
		if (*p < 0x20) {
			if (*p == 0)
				return fail(s, p, "control character NUL in "
				    "string");
			return fail(s, p, "control character 0x%02x in "
			    "string", *p);
		}
		if ((k = mp_utf8_seq(p, end - p, &why)) == 0)
			return fail(s, p, "%s", why);
		p += k;
	}
}

/* p at the opening quote: most strings end in the 32 bytes after it */
static inline ptr
string(struct scan *s, ptr p, int *esc)
{
	ptr at;

	if (mp_scan_short(p + 1, s->end, 1, &at))
		return at + 1;
	return longstring(s, at, esc);
}

static ptr
number(struct scan *s, ptr p)
{
	ptr end = s->end, st = p;

	if (*p == '-')
		p++;
	if (p >= end || *p < '0' || *p > '9')
		goto bad;
	if (*p == '0') {
		p++;
		if (p < end && *p >= '0' && *p <= '9')
			return fail(s, st, "bad number: leading zero");
	} else
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	if (p < end && *p == '.') {
		p++;
		if (p >= end || *p < '0' || *p > '9')
			goto bad;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			goto bad;
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	/* 0x1F, 1.2.3, 1e5e: a number that goes on is a bad number */
	if (p < end && (*p == '.' || *p == '+' || *p == '-' ||
	    (*p >= '0' && *p <= '9') || (unsigned)((*p | 0x20) - 'a') < 26u))
		goto bad;
	return p;
bad:
	return fail(s, st, "bad number");
}

static ptr
literal(struct scan *s, ptr p, const char *lit, size_t n)
{
	if ((size_t)(s->end - p) < n || memcmp(p, lit, n) != 0 ||
	    (p + n < s->end && ((unsigned)((p[n] | 0x20) - 'a') < 26u ||
	    (p[n] >= '0' && p[n] <= '9'))))
		return unexpected(s, p, NULL);
	return p + n;
}

/*
 * Duplicate keys.  Each key gets a quick hash of its length and its first
 * and last 8 bytes (decoded, when it has escapes).  While an object has
 * at most SMALLOBJ keys, a key whose hash bit is already set in the
 * object's 256-bit filter is compared with the keys before it.  A larger
 * object has every key hashed whole and sorted when it closes, so that no
 * input makes the check quadratic.  Either way the key reported is the
 * first one that repeats an earlier key.
 */
#define SMALLOBJ	32

static inline uint64_t
quickhash(const unsigned char *p, size_t n)
{
	uint64_t a = 0, b = 0;
	uint32_t x, y;

	if (n >= 8) {
		memcpy(&a, p, 8);
		memcpy(&b, p + n - 8, 8);
	} else if (n >= 4) {
		memcpy(&x, p, 4);
		memcpy(&y, p + n - 4, 4);
		a = x;
		b = y;
	} else if (n > 0)
		a = p[0] | p[n / 2] << 8 | p[n - 1] << 16;
	return (a ^ n) * 0x9e3779b97f4a7c15ULL ^ b * 0xc2b2ae3d27d4eb4fULL;
}

static uint64_t
fnv(const void *v, size_t n)
{
	const unsigned char *p = v;
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--)
		h = (h ^ *p++) * 0x100000001b3ULL;
	return h;
}

static struct mp_buf dec1, dec2;

static void
keytext(struct scan *s, const struct key *k, struct mp_buf *b,
    const char **p, size_t *n)
{
	struct mp_span sp = { (const char *)s->start + k->off, k->len };

	if (!k->esc) {
		*p = sp.p + 1;
		*n = sp.n - 2;
		return;
	}
	b->len = 0;
	mp_json_str_decode(&sp, b);
	*p = b->p;
	*n = b->len;
}

static int
keycmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

static int
samekey(struct scan *s, const struct key *a, const struct key *b)
{
	const char *pa, *pb;
	size_t na, nb;

	if (a->hash != b->hash)
		return 0;
	keytext(s, a, &dec1, &pa, &na);
	keytext(s, b, &dec2, &pb, &nb);
	return na == nb && memcmp(pa, pb, na) == 0;
}

static ptr
dupfail(struct scan *s, const struct key *k)
{
	const char *p;
	size_t n;

	keytext(s, k, &dec1, &p, &n);
	if (n > 40) {
		n = 40;
		while (n > 0 && (p[n] & 0xc0) == 0x80)
			n--;
	}
	return fail(s, s->start + k->off, "duplicate key '%.*s'%s", (int)n, p,
	    n < dec1.len && k->esc ? "..." : "");
}

/* Whether the key just read repeats one of the object's keys from base. */
static int
repeats(struct scan *s, size_t base, uint64_t filter[4])
{
	const struct key *k = &s->keys[s->nkeys - 1], *o;
	unsigned bit = k->hash >> 56;
	uint64_t m = 1ULL << (bit & 63);

	if (!(filter[bit >> 6] & m)) {
		filter[bit >> 6] |= m;
		return 0;
	}
	for (o = &s->keys[base]; o < k; o++)
		if (o->hash == k->hash && samekey(s, o, k))
			return 1;
	return 0;
}

/*
 * Checks the keys of an object of more than SMALLOBJ keys from base;
 * returns 0, or -1 after fail().
 */
static int
nodups(struct scan *s, size_t base)
{
	struct key *k = s->keys + base;
	size_t n = s->nkeys - base, i, j, tn;
	const struct key *d = NULL;
	const char *t;

	for (i = 0; i < n; i++) {
		keytext(s, &k[i], &dec1, &t, &tn);
		k[i].hash = fnv(t, tn);
	}
	qsort(k, n, sizeof *k, keycmp);
	for (i = 1; i < n; i++)
		for (j = i; j-- > 0 && k[j].hash == k[i].hash;)
			if (samekey(s, &k[i], &k[j]) &&
			    (!d || k[i].off < d->off))
				d = &k[i];
	if (d) {
		dupfail(s, d);
		return -1;
	}
	return 0;
}

static ptr value(struct scan *, ptr, int);

/* Reads a key at p onto the key stack; returns the byte after the ':'. */
static ptr
key(struct scan *s, ptr p)
{
	struct key *k;
	ptr kp = p;
	int esc = 0;

	if (p >= s->end || *p != '"')
		return unexpected(s, p, "a string key");
	if ((p = string(s, p, &esc)) == NULL)
		return NULL;
	if (s->nkeys == s->capkeys) {
		s->capkeys = s->capkeys ? s->capkeys * 2 : 64;
		s->keys = xrealloc(s->keys, s->capkeys * sizeof *s->keys);
	}
	k = &s->keys[s->nkeys++];
	k->off = kp - s->start;
	k->len = p - kp;
	k->esc = esc;
	if (esc) {
		const char *t;
		size_t tn;

		keytext(s, k, &dec1, &t, &tn);
		k->hash = quickhash((ptr)t, tn);
	} else
		k->hash = quickhash(kp + 1, k->len - 2);
	p = ws(p, s->end);
	if (p >= s->end || *p != ':')
		return unexpected(s, p, "':'");
	return ws(p + 1, s->end);
}

/* An object (obj set) or an array, p at its opening bracket */
static ptr
container(struct scan *s, ptr p, int depth, int obj)
{
	size_t base = s->nkeys, dup = 0;
	uint64_t filter[4] = { 0, 0, 0, 0 };
	ptr end = s->end;
	int close = obj ? '}' : ']', esc;

	if (depth > MP_JSON_MAXDEPTH)
		return fail(s, p, "nesting deeper than %d", MP_JSON_MAXDEPTH);
	p = ws(p + 1, end);
	if (p < end && *p == close)
		return p + 1;
	for (;;) {
		if (obj) {
			if ((p = key(s, p)) == NULL)
				return NULL;
			if (!dup && s->nkeys - base <= SMALLOBJ &&
			    repeats(s, base, filter))
				dup = s->nkeys;
		}
		/* most values are strings: no call for them */
		if (p < end && *p == '"')
			p = string(s, p, &esc);
		else
			p = value(s, p, depth);
		if (p == NULL)
			return NULL;
		p = ws(p, end);
		if (p < end && *p == ',') {
			p = ws(p + 1, end);
			continue;
		}
		if (p < end && *p == close)
			break;
		return unexpected(s, p, obj ? "',' or '}'" : "',' or ']'");
	}
	if (dup)
		return dupfail(s, &s->keys[dup - 1]);
	if (s->nkeys - base > SMALLOBJ && nodups(s, base) < 0)
		return NULL;
	s->nkeys = base;
	return p + 1;
}

static ptr
value(struct scan *s, ptr p, int depth)
{
	int esc;

	if (p >= s->end)
		return unexpected(s, p, "a value");
	switch (*p) {
	case '{':
		return container(s, p, depth + 1, 1);
	case '[':
		return container(s, p, depth + 1, 0);
	case '"':
		return string(s, p, &esc);
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
	case '+': case '.':
		return number(s, p);
	case 't':
		return literal(s, p, "true", 4);
	case 'f':
		return literal(s, p, "false", 5);
	case 'n':
		return literal(s, p, "null", 4);
	default:
		return unexpected(s, p, "a value");
	}
}

static int check(const char *, size_t, struct mp_json_err *, int);

int
mp_json_check(const char *p, size_t n, struct mp_json_err *e)
{
	return check(p, n, e, 1);
}

int
mp_json_check_value(const char *p, size_t n, struct mp_json_err *e)
{
	return check(p, n, e, 0);
}

static int
check(const char *text, size_t n, struct mp_json_err *e, int object)
{
	static struct scan s;
	ptr p, first;

	s.start = (ptr)text;
	s.end = s.start + n;
	s.e = e;
	s.nkeys = 0;
	first = p = ws(s.start, s.end);
	if (p < s.end && *p != '{' && object) {
		if (value(&s, p, 0) == NULL)
			return -1;
		fail(&s, first, "not an object");
		return -1;
	}
	if ((p = value(&s, p, 0)) == NULL)
		return -1;
	p = ws(p, s.end);
	if (p < s.end) {
		fail(&s, p, object ? "trailing characters after the object" :
		    "trailing characters after the value");
		return -1;
	}
	return 0;
}

/*
 * Values by path in a checked record (the walk is in scan.h): found,
 * replaced or added, iterated, and written in canonical form.
 */

typedef const char *cptr;

/* Finds segment s in the container at p; returns its value or NULL. */
static cptr
step(cptr p, cptr end, const struct mp_seg *s, cptr *close)
{
	struct mp_span k;
	cptr v;
	long i = 0;
	int esc = 0;

	if (s->key ? *p != '{' : *p != '[')
		return *close = NULL, NULL;
	while (mp_scan_next(&p, end, s->key ? &k : NULL, &esc, &v))
		if (s->key ? mp_scan_keyeq(&k, esc, s) : i++ == s->index)
			return v;
	*close = p;
	return NULL;
}

int
mp_json_get(const char *rec, size_t n, const struct mp_path *path,
    struct mp_span *v)
{
	cptr end = rec + n, p = mp_scan_ws(rec, end), close;
	int i;

	for (i = 0; i < path->nseg && p; i++)
		p = step(p, end, &path->seg[i], &close);
	if (p == NULL || p >= end)
		return v->p = NULL, v->n = 0, 0;
	v->p = p;
	v->n = mp_scan_value(p, end) - p;
	return 1;
}

int
mp_json_splice(const char *rec, size_t n, const struct mp_path *path,
    const char *val, size_t vlen, struct mp_buf *out)
{
	cptr end = rec + n, p = mp_scan_ws(rec, end), parent = NULL;
	cptr close = NULL;
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
		p = mp_scan_value(p, end);
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
	if (mp_scan_ws(parent + 1, end) != close)
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

/* The canonical form of a value: members sorted, white space gone */

struct member {
	struct mp_span key;
	int	 esc;
	cptr	 val;
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
		if (m ? s->key == NULL || !mp_scan_keyeq(&m->key, m->esc, s) :
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
canon(struct canon *c, cptr p, cptr end, int depth, uint64_t mask,
    struct mp_buf *out)
{
	size_t base, i;
	uint64_t sub;
	cptr v, q;
	int first = 1, esc = 0;
	long idx = 0;

	if (*p == '"') {
		q = mp_scan_string(p, end, &esc);
		if (!esc) {
			/* plain strings are canonical as they stand */
			mp_buf_add(out, p, q - p);
			return;
		}
		c->s.len = 0;
		mp_json_str_decode(&(struct mp_span){ p,
		    mp_scan_value(p, end) - p }, &c->s);
		mp_buf_json_str(out, c->s.p, c->s.len);
		return;
	}
	if (*p == '[') {
		mp_buf_addc(out, '[');
		while (mp_scan_next(&p, end, NULL, NULL, &v)) {
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
		mp_buf_add(out, p, mp_scan_value(p, end) - p);
		return;
	}
	base = c->n;
	for (;;) {
		if (c->n == c->cap) {
			c->cap = c->cap ? 2 * c->cap : 64;
			c->m = xrealloc(c->m, c->cap * sizeof *c->m);
		}
		if (!mp_scan_next(&p, end, &c->m[c->n].key, &c->m[c->n].esc,
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
	cptr end = rec + n;
	uint64_t mask = 0;
	int j;

	c.ign = ign;
	c.nign = nign > 64 ? 64 : nign;
	for (j = 0; j < c.nign; j++)
		if (ign[j].nseg > 0)
			mask |= 1ULL << j;
	canon(&c, mp_scan_ws(rec, end), end, 0, mask, out);
}

int
mp_json_members(const char *obj, size_t n, size_t *it, struct mp_span *key,
    struct mp_span *val)
{
	cptr p, end = obj + n, v;
	int esc;

	p = *it ? obj + *it : mp_scan_ws(obj, end);
	if (p >= end || (*p != '{' && *p != ','))
		return 0;
	if (!mp_scan_next(&p, end, key, &esc, &v))
		return 0;
	val->p = v;
	val->n = mp_scan_value(v, end) - v;
	*it = p - obj;
	return 1;
}

int
mp_json_elements(const char *arr, size_t n, size_t *it, struct mp_span *val)
{
	cptr p, end = arr + n, v;

	p = *it ? arr + *it : mp_scan_ws(arr, end);
	if (p >= end || (*p != '[' && *p != ','))
		return 0;
	if (!mp_scan_next(&p, end, NULL, NULL, &v))
		return 0;
	val->p = v;
	val->n = mp_scan_value(v, end) - v;
	*it = p - arr;
	return 1;
}

char *
mp_json_member_text(const char *obj, size_t n, const char *name)
{
	struct mp_buf b = { 0 };
	struct mp_seg seg = { NULL, 0, 0 };
	struct mp_span v;
	cptr end = obj + n, p = mp_scan_ws(obj, end), close;
	const char *s = name, *dot;

	/* "a.b": a member of a member, each name as written */
	do {
		dot = strchr(s, '.');
		seg.key = (char *)s;
		seg.keylen = dot ? (size_t)(dot - s) : strlen(s);
		if (seg.keylen == 0 || p >= end ||
		    (p = step(p, end, &seg, &close)) == NULL || p >= end)
			return NULL;
		s = dot + 1;
	} while (dot);
	v.p = p;
	v.n = mp_scan_value(p, end) - p;
	if (mp_json_type(&v) == MP_JSON_STRING)
		mp_json_str_decode(&v, &b);
	else if (mp_json_type(&v) == MP_JSON_NUMBER)
		mp_buf_add(&b, v.p, v.n);
	else
		return NULL;
	return (char *)mp_buf_str(&b);
}

int
mp_json_is_number(const char *s, size_t n)
{
	struct mp_json_err e;

	/* a value that starts with '-' or a digit and ends with one */
	return n > 0 && (*s == '-' || (*s >= '0' && *s <= '9')) &&
	    s[n - 1] >= '0' && s[n - 1] <= '9' &&
	    mp_json_check_value(s, n, &e) == 0;
}

enum mp_json_type
mp_json_type(const struct mp_span *v)
{
	if (v->n == 0)
		return MP_JSON_NONE;
	switch (v->p[0]) {
	case 'n': return MP_JSON_NULL;
	case 'f': return MP_JSON_FALSE;
	case 't': return MP_JSON_TRUE;
	case '"': return MP_JSON_STRING;
	case '{': return MP_JSON_OBJECT;
	case '[': return MP_JSON_ARRAY;
	default: return MP_JSON_NUMBER;
	}
}

const char *
mp_json_type_name(enum mp_json_type t)
{
	static const char *names[] = { "absent", "null", "boolean",
	    "boolean", "number", "string", "object", "array" };

	return names[t];
}

void
mp_json_str_decode(const struct mp_span *v, struct mp_buf *b)
{
	ptr p = (ptr)v->p + 1, end = (ptr)v->p + v->n - 1, q;
	unsigned long c, lo;

	while (p < end) {
		q = memchr(p, '\\', end - p);
		if (q == NULL) {
			mp_buf_add(b, p, end - p);
			return;
		}
		mp_buf_add(b, p, q - p);
		p = q + 2;
		switch (q[1]) {
		case 'b': mp_buf_addc(b, '\b'); break;
		case 'f': mp_buf_addc(b, '\f'); break;
		case 'n': mp_buf_addc(b, '\n'); break;
		case 'r': mp_buf_addc(b, '\r'); break;
		case 't': mp_buf_addc(b, '\t'); break;
		case 'u':
			c = u4(q, end);
			p = q + 6;
			if (c >= 0xd800 && c <= 0xdbff) {
				lo = u4(p, end);
				c = 0x10000 + ((c - 0xd800) << 10) +
				    (lo - 0xdc00);
				p += 6;
			}
			mp_buf_utf8(b, c);
			break;
		default:
			mp_buf_addc(b, q[1]);
		}
	}
}

int
mp_json_str_eq(const struct mp_span *v, const char *s, size_t n)
{
	static struct mp_buf b;

	if (v->n < 2 || v->p[0] != '"')
		return 0;
	if (memchr(v->p, '\\', v->n) == NULL)
		return v->n - 2 == n && memcmp(v->p + 1, s, n) == 0;
	b.len = 0;
	mp_json_str_decode(v, &b);
	return b.len == n && memcmp(b.p, s, n) == 0;
}

int
mp_json_number_is_int(const struct mp_span *v)
{
	size_t i = 0;

	if (v->n == 0)
		return -1;
	if (v->p[0] == '-')
		i++;
	if (i == v->n)
		return -1;
	for (; i < v->n; i++)
		if (v->p[i] < '0' || v->p[i] > '9')
			return 0;
	return 1;
}
