/*
 * scan.h: the inner loops of the JSON scanner, shared by json.c and
 * query.c.  Strings are most of an event's bytes; SSE2 (always there on
 * x86-64) looks at 16 of them at a time.
 */
#ifndef MP_SCAN_H
#define MP_SCAN_H

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__SSE2__)
/*
 * The 16 bytes from p as bits: returns the quotes; *other gets the other
 * bytes that end a run of plain string bytes: '\\', and, when strict,
 * control characters and non-ASCII bytes (which need checks).  Apart, the
 * quotes are ready a little sooner.
 */
static inline unsigned
mp_scan_block(const unsigned char *p, int strict, unsigned *other)
{
	const __m128i x = _mm_loadu_si128((const __m128i *)p);
	__m128i m = _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'));

	if (strict)	/* signed: below 0x20 or from 0x80 up */
		m = _mm_or_si128(m, _mm_cmpgt_epi8(_mm_set1_epi8(0x20), x));
	*other = _mm_movemask_epi8(m);
	return _mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')));
}
#endif

/* Skips the plain bytes of a string from p (see mp_scan_block). */
static inline const unsigned char *
mp_scan_plain(const unsigned char *p, const unsigned char *end, int strict)
{
#if defined(__SSE2__)
	unsigned bits, other;

	for (; end - p >= 16; p += 16)
		if ((bits = mp_scan_block(p, strict, &other) | other) != 0)
			return p + __builtin_ctz(bits);
#endif
	while (p < end && *p != '"' && *p != '\\' &&
	    (!strict || (*p >= 0x20 && *p < 0x80)))
		p++;
	return p;
}

/*
 * Reads up to 32 bytes of a string body from p: returns 1 when the string
 * ends there with nothing to check before its closing quote, *at on the
 * quote; else 0 and *at where mp_scan_plain is to go on.
 */
static inline int
mp_scan_short(const unsigned char *p, const unsigned char *end, int strict,
    const unsigned char **at)
{
#if defined(__SSE2__)
	unsigned q, other;

	*at = p;
	if (end - p < 16)
		return 0;
	if ((q = mp_scan_block(p, strict, &other)) == 0 && other == 0) {
		p += 16;	/* a plain block: the string may end in the next */
		*at = p;
		if (end - p < 16)
			return 0;
		q = mp_scan_block(p, strict, &other);
	}
	if (q == 0 || (other & (q ^ (q - 1))) != 0) {
		if ((q | other) == 0)
			*at = p + 16;
		return 0;
	}
	*at = p + __builtin_ctz(q);
	return 1;
#else
	(void)end, (void)strict;
	*at = p;
	return 0;
#endif
}

/*
 * Walking a record that mp_json_check accepted needs no validation, so it
 * only skips: strings by their closing quote, containers by counting
 * brackets.
 */

static inline const char *
mp_scan_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* p at the opening quote; returns the byte after the closing one */
static inline const char *
mp_scan_string(const char *p, const char *end, int *esc)
{
	const unsigned char *u = (const unsigned char *)p + 1,
	    *e = (const unsigned char *)end;

	if (mp_scan_short(u, e, 0, &u))
		return (const char *)u + 1;
	for (;;) {
		u = mp_scan_plain(u, e, 0);
		if (u >= e)
			return end;
		if (*u == '"')
			return (const char *)u + 1;
		*esc = 1;
		u += 2;
	}
}

static inline const char *
mp_scan_value(const char *p, const char *end)
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
			p = mp_scan_string(p, end, &esc);
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
static inline int
mp_scan_next(const char **pp, const char *end, struct mp_span *key, int *kesc,
    const char **val)
{
	const char *p;

	if (**pp == '}' || **pp == ']')
		return 0;		/* at the end already */
	p = mp_scan_ws(*pp + 1, end);
	if (p >= end || *p == '}' || *p == ']') {
		*pp = p;
		return 0;
	}
	if (key) {
		key->p = p;
		*kesc = 0;
		p = mp_scan_string(p, end, kesc);
		key->n = p - key->p;
		p = mp_scan_ws(p, end) + 1;	/* ':' */
		p = mp_scan_ws(p, end);
	}
	*val = p;
	p = mp_scan_ws(mp_scan_value(p, end), end);
	*pp = p;			/* at ',' or the closing bracket */
	return 1;
}

/* Whether key k (esc: it has escapes) names segment s */
static inline int
mp_scan_keyeq(const struct mp_span *k, int esc, const struct mp_seg *s)
{
	if (esc)
		return mp_json_str_eq(k, s->key, s->keylen);
	return k->n - 2 == s->keylen &&
	    memcmp(k->p + 1, s->key, s->keylen) == 0;
}

#endif
