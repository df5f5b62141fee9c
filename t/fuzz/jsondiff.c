/*
 * jsondiff: a libFuzzer target holding mp_json_check to a reference: a
 * plain checker, a byte at a time, that compares every key of an object
 * with every earlier one.  json.c's fast paths (strings 16 bytes at a time,
 * duplicate keys by hash) must give the same verdict, the same message and
 * the same byte offset on every input, as an object and as any value.  In
 * an accepted input, the walk that the lookups share (scan.h) must find
 * the end of every string and every value where the reference did.
 * Built and run by `make fuzz` (clang).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"
#include "scan.h"

typedef const unsigned char *ptr;

struct ref {
	ptr	 start, p, end;
	struct mp_json_err *e;
	struct mp_span *keys;	/* of the objects open, innermost last */
	int	*esc;
	size_t	 nkeys, cap;
	struct seen *seen;	/* every string and value read */
	size_t	 nseen, capseen;
};

struct seen {
	ptr	 p, end;
	int	 str;		/* a string (else any value) */
	int	 esc;		/* a string with escapes */
};

static void
note(struct ref *r, ptr p, ptr end, int str, int esc)
{
	if (r->nseen == r->capseen) {
		r->capseen = r->capseen ? 2 * r->capseen : 16;
		r->seen = xrealloc(r->seen, r->capseen * sizeof *r->seen);
	}
	r->seen[r->nseen++] = (struct seen){ p, end, str, esc };
}

static int
fail(struct ref *r, ptr at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->e->msg, sizeof r->e->msg, fmt, ap);
	va_end(ap);
	r->e->off = at - r->start;
	return -1;
}

static int
unexpected(struct ref *r, const char *what)
{
	const char *why, *sep = what ? ", expected " : "";
	unsigned char c;

	if (what == NULL)
		what = "";
	if (r->p >= r->end)
		return fail(r, r->p, "unexpected end of input%s%s", sep, what);
	c = *r->p;
	if (c >= 0x80 && mp_utf8_seq(r->p, r->end - r->p, &why) == 0)
		return fail(r, r->p, "%s", why);
	if (c > 0x20 && c < 0x7f)
		return fail(r, r->p, "unexpected character '%c'%s%s", c, sep,
		    what);
	return fail(r, r->p, "unexpected byte 0x%02x%s%s", c, sep, what);
}

static void
ws(struct ref *r)
{
	while (r->p < r->end && strchr(" \t\r\n", *r->p) && *r->p)
		r->p++;
}

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

static int
string(struct ref *r, int *esc)
{
	ptr p = r->p + 1;
	const char *why;
	long u, lo;
	int k;

	for (;;) {
		if (p >= r->end) {
			r->p = p;
			return fail(r, p, "unexpected end of input in string");
		}
		if (*p == '"') {
			note(r, r->p, p + 1, 1, *esc);
			r->p = p + 1;
			return 0;
		}
		if (*p == '\\') {
			*esc = 1;
			if (p + 1 >= r->end) {
				r->p = p + 1;
				return fail(r, p, "unexpected end of input in "
				    "escape");
			}
			if (strchr("\"\\/bfnrt", p[1]) && p[1]) {
				p += 2;
				continue;
			}
			if (p[1] != 'u') {
				if (p[1] >= 0x20 && p[1] < 0x7f)
					return fail(r, p, "bad escape '\\%c'",
					    p[1]);
				return fail(r, p, "bad escape");
			}
			if ((u = u4(p, r->end)) < 0)
				return fail(r, p, "bad \\u escape");
			if (u >= 0xdc00 && u <= 0xdfff)
				return fail(r, p, "lone surrogate escape "
				    "\\u%04lX", u);
			if (u >= 0xd800 && u <= 0xdbff) {
				lo = u4(p + 6, r->end);
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail(r, p, "lone surrogate "
					    "escape \\u%04lX", u);
				p += 12;
			} else
				p += 6;
			continue;
		}
		if (*p == 0)
			return fail(r, p, "control character NUL in string");
		if (*p < 0x20)
			return fail(r, p, "control character 0x%02x in string",
			    *p);
		if ((k = mp_utf8_seq(p, r->end - p, &why)) == 0)
			return fail(r, p, "%s", why);
		p += k;
	}
}

static int
digit(struct ref *r, ptr p)
{
	return p < r->end && *p >= '0' && *p <= '9';
}

static int
number(struct ref *r)
{
	ptr p = r->p, st = p;

	if (*p == '-')
		p++;
	if (!digit(r, p))
		return fail(r, st, "bad number");
	if (*p == '0') {
		if (digit(r, ++p))
			return fail(r, st, "bad number: leading zero");
	} else
		while (digit(r, p))
			p++;
	if (p < r->end && *p == '.') {
		if (!digit(r, ++p))
			return fail(r, st, "bad number");
		while (digit(r, p))
			p++;
	}
	if (p < r->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < r->end && (*p == '+' || *p == '-'))
			p++;
		if (!digit(r, p))
			return fail(r, st, "bad number");
		while (digit(r, p))
			p++;
	}
	if (p < r->end && (strchr(".+-", *p) || ((*p | 0x20) >= 'a' &&
	    (*p | 0x20) <= 'z') || digit(r, p)) && *p)
		return fail(r, st, "bad number");
	r->p = p;
	return 0;
}

static int
literal(struct ref *r, const char *lit)
{
	size_t n = strlen(lit);
	ptr p = r->p;

	if ((size_t)(r->end - p) < n || memcmp(p, lit, n) != 0 ||
	    (p + n < r->end && (((p[n] | 0x20) >= 'a' && (p[n] | 0x20) <= 'z') ||
	    (p[n] >= '0' && p[n] <= '9'))))
		return unexpected(r, NULL);
	r->p += n;
	return 0;
}

static void
keytext(struct mp_span *k, int esc, struct mp_buf *b)
{
	b->len = 0;
	if (esc)
		mp_json_str_decode(k, b);
	else
		mp_buf_add(b, k->p + 1, k->n - 2);
}

/* The first key equal to an earlier one, compared decoded. */
static int
nodups(struct ref *r, size_t base)
{
	static struct mp_buf a, b;
	size_t i, j, n;

	for (i = base + 1; i < r->nkeys; i++)
		for (j = base; j < i; j++) {
			keytext(&r->keys[i], r->esc[i], &a);
			keytext(&r->keys[j], r->esc[j], &b);
			if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0)
				continue;
			n = a.len;
			if (n > 40) {
				n = 40;
				while (n > 0 && (a.p[n] & 0xc0) == 0x80)
					n--;
			}
			return fail(r, (ptr)r->keys[i].p, "duplicate key "
			    "'%.*s'%s", (int)n, a.p,
			    n < a.len && r->esc[i] ? "..." : "");
		}
	return 0;
}

static int value(struct ref *, int);

static int
key(struct ref *r)
{
	ptr kp = r->p;
	int esc = 0;

	if (r->p >= r->end || *r->p != '"')
		return unexpected(r, "a string key");
	if (string(r, &esc) < 0)
		return -1;
	if (r->nkeys == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->keys = xrealloc(r->keys, r->cap * sizeof *r->keys);
		r->esc = xrealloc(r->esc, r->cap * sizeof *r->esc);
	}
	r->keys[r->nkeys].p = (const char *)kp;
	r->keys[r->nkeys].n = r->p - kp;
	r->esc[r->nkeys++] = esc;
	ws(r);
	if (r->p >= r->end || *r->p != ':')
		return unexpected(r, "':'");
	r->p++;
	ws(r);
	return 0;
}

static int
container(struct ref *r, int depth, int obj)
{
	size_t base = r->nkeys;
	int close = obj ? '}' : ']';

	if (depth > MP_JSON_MAXDEPTH)
		return fail(r, r->p, "nesting deeper than %d",
		    MP_JSON_MAXDEPTH);
	r->p++;
	ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return 0;
	}
	for (;;) {
		if ((obj && key(r) < 0) || value(r, depth) < 0)
			return -1;
		ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			ws(r);
			continue;
		}
		if (r->p < r->end && *r->p == close)
			break;
		return unexpected(r, obj ? "',' or '}'" : "',' or ']'");
	}
	r->p++;
	if (obj && nodups(r, base) < 0)
		return -1;
	r->nkeys = base;
	return 0;
}

static int
value1(struct ref *r, int depth)
{
	int esc = 0;

	if (r->p >= r->end)
		return unexpected(r, "a value");
	if (*r->p == '{' || *r->p == '[')
		return container(r, depth + 1, *r->p == '{');
	if (*r->p == '"')
		return string(r, &esc);
	if (strchr("-0123456789+.", *r->p) && *r->p)
		return number(r);
	if (*r->p == 't')
		return literal(r, "true");
	if (*r->p == 'f')
		return literal(r, "false");
	if (*r->p == 'n')
		return literal(r, "null");
	return unexpected(r, "a value");
}

static struct ref r;

static int
value(struct ref *r, int depth)
{
	ptr p = r->p;

	if (value1(r, depth) < 0)
		return -1;
	note(r, p, r->p, 0, 0);
	return 0;
}

static int
ref_check(const unsigned char *p, size_t n, struct mp_json_err *e, int object)
{
	ptr first;

	r.start = r.p = p;
	r.end = p + n;
	r.e = e;
	r.nkeys = 0;
	r.nseen = 0;
	ws(&r);
	first = r.p;
	if (r.p < r.end && *r.p != '{' && object) {
		if (value(&r, 0) < 0)
			return -1;
		return fail(&r, first, "not an object");
	}
	if (value(&r, 0) < 0)
		return -1;
	ws(&r);
	if (r.p < r.end)
		return fail(&r, r.p, object ? "trailing characters after the "
		    "object" : "trailing characters after the value");
	return 0;
}

static void
same(const unsigned char *data, size_t n, int object)
{
	struct mp_json_err want, got;
	size_t i;
	int w, g;

	w = ref_check(data, n, &want, object);
	g = object ? mp_json_check((const char *)data, n, &got) :
	    mp_json_check_value((const char *)data, n, &got);
	if (w != g || (w < 0 && (want.off != got.off ||
	    strcmp(want.msg, got.msg) != 0))) {
		fprintf(stderr, "jsondiff: %s: reference %d '%s' at %zu, "
		    "mp_json_check %d '%s' at %zu\n", object ? "object" :
		    "value", w, w < 0 ? want.msg : "", w < 0 ? want.off : 0,
		    g, g < 0 ? got.msg : "", g < 0 ? got.off : 0);
		abort();
	}
	for (i = 0; w == 0 && i < r.nseen; i++) {
		const char *p = (const char *)r.seen[i].p,
		    *end = (const char *)data + n;
		int esc = 0;

		if (r.seen[i].str ? mp_scan_string(p, end, &esc) !=
		    (const char *)r.seen[i].end || esc != r.seen[i].esc :
		    mp_scan_value(p, end) != (const char *)r.seen[i].end) {
			fprintf(stderr, "jsondiff: the %s at %zu ends elsewhere "
			    "in the walk\n", r.seen[i].str ? "string" :
			    "value", (size_t)(r.seen[i].p - data));
			abort();
		}
	}
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	unsigned char *copy;

	/* a copy exactly as long, so reading past the end is caught */
	copy = xmalloc(n ? n : 1);
	memcpy(copy, data, n);
	same(copy, n, 1);
	same(copy, n, 0);
	free(copy);
	return 0;
}
