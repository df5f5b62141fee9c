/*
 * keymat.c: key material: each value's kind, length and bytes, as
 * mp-dedup hashes them.
 */
#include <stdint.h>
#include <string.h>

#include "mp.h"

/* Appends bytes to key material b, after their kind and length. */
static void
addpart(struct mp_buf *b, unsigned char kind, const void *p, uint32_t len)
{
	mp_buf_grow(b, 1 + sizeof len + len);
	b->p[b->len] = kind;
	memcpy(b->p + b->len + 1, &len, sizeof len);
	if (len > 0)	/* p may be NULL */
		memcpy(b->p + b->len + 1 + sizeof len, p, len);
	b->len += 1 + sizeof len + len;
}

void
mp_keymat_add(struct mp_buf *mat, const struct mp_span *v)
{
	static struct mp_buf tmp;
	unsigned char kind = mp_json_type(v);

	if (kind == MP_JSON_STRING && memchr(v->p, '\\', v->n) == NULL) {
		addpart(mat, kind, v->p + 1, v->n - 2);
		return;
	}
	tmp.len = 0;
	if (kind == MP_JSON_STRING)
		mp_json_str_decode(v, &tmp);
	else if (kind == MP_JSON_OBJECT || kind == MP_JSON_ARRAY)
		mp_json_canon(v->p, v->n, NULL, 0, &tmp);
	else
		mp_buf_add(&tmp, v->p, v->n);
	addpart(mat, kind, tmp.p, tmp.len);
}

int
mp_keymat_lead(const char *line, size_t n, const struct mp_path *path,
    struct mp_span *v)
{
	const struct mp_seg *s = path->seg;
	const char *p = line, *end = line + n, *q;

	if (path->nseg != 1)
		return 0;
	/* a name written with escapes is not its bytes on the line */
	if (s->key == NULL || memchr(s->key, '"', s->keylen) != NULL ||
	    memchr(s->key, '\\', s->keylen) != NULL ||
	    n < s->keylen + 6 || memcmp(p, "{\"", 2) != 0 ||
	    memcmp(p + 2, s->key, s->keylen) != 0 ||
	    memcmp(p + 2 + s->keylen, "\":\"", 3) != 0)
		return 0;
	p += s->keylen + 5;
	if ((q = memchr(p, '"', end - p)) == NULL || q == p ||
	    memchr(p, '\\', q - p) != NULL)
		return 0;
	v->p = p - 1;
	v->n = q + 1 - v->p;
	return 1;
}
