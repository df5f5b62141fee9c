/* buf.c: growable byte buffers, JSON string quoting, base64 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

void
mp_buf_grow(struct mp_buf *b, size_t n)
{
	size_t cap;

	if (b->cap - b->len >= n + 1)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap - b->len < n + 1)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void
mp_buf_add(struct mp_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;		/* p may be NULL */
	mp_buf_grow(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void
mp_buf_adds(struct mp_buf *b, const char *s)
{
	mp_buf_add(b, s, strlen(s));
}

void
mp_buf_addc(struct mp_buf *b, int c)
{
	mp_buf_grow(b, 1);
	b->p[b->len++] = c;
}

void
mp_buf_vprintf(struct mp_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return;
	mp_buf_grow(b, n);
	vsnprintf(b->p + b->len, n + 1, fmt, ap);
	b->len += n;
}

void
mp_buf_printf(struct mp_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mp_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
mp_buf_json_str(struct mp_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i, run = 0;

	mp_buf_grow(b, n + 2);
	mp_buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];
		char e[6];
		int el = 2;

		if (c >= 0x80) {
			const char *why;
			int k = mp_utf8_seq(p + i, n - i, &why);

			if (k > 0) {
				i += k - 1;
				continue;
			}
			/* never invalid JSON out: a bad byte becomes U+FFFD */
			mp_buf_add(b, s + run, i - run);
			run = i + 1;
			mp_buf_adds(b, "\\ufffd");
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		mp_buf_add(b, s + run, i - run);
		run = i + 1;
		e[0] = '\\';
		switch (c) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		default:
			memcpy(e + 1, "u00", 3);
			e[4] = hex[c >> 4];
			e[5] = hex[c & 15];
			el = 6;
		}
		mp_buf_add(b, e, el);
	}
	mp_buf_add(b, s + run, n - run);
	mp_buf_addc(b, '"');
}

void
mp_buf_utf8(struct mp_buf *b, unsigned long c)
{
	char u[4];
	int n;

	if (c < 0x80) {
		u[0] = c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = 0xc0 | c >> 6;
		u[1] = 0x80 | (c & 0x3f);
		n = 2;
	} else if (c < 0x10000) {
		u[0] = 0xe0 | c >> 12;
		u[1] = 0x80 | (c >> 6 & 0x3f);
		u[2] = 0x80 | (c & 0x3f);
		n = 3;
	} else {
		u[0] = 0xf0 | c >> 18;
		u[1] = 0x80 | (c >> 12 & 0x3f);
		u[2] = 0x80 | (c >> 6 & 0x3f);
		u[3] = 0x80 | (c & 0x3f);
		n = 4;
	}
	mp_buf_add(b, u, n);
}

void
mp_buf_base64(struct mp_buf *b, const void *v, size_t n, unsigned char *carry,
    int *ncarry, int final)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = v;
	unsigned char t[3];
	size_t i = 0;
	char *o;

	mp_buf_grow(b, (n + 3) / 3 * 4 + 4);
	o = b->p + b->len;
	for (;;) {
		int k = 0;

		while (k < *ncarry)
			t[k] = carry[k], k++;
		while (k < 3 && i < n)
			t[k++] = p[i++];
		if (k < 3) {
			if (!final || k == 0) {
				memcpy(carry, t, k);
				*ncarry = k;
				break;
			}
			o[0] = tab[t[0] >> 2];
			o[1] = tab[((t[0] & 3) << 4) | (k > 1 ? t[1] >> 4 : 0)];
			o[2] = k > 1 ? tab[(t[1] & 15) << 2] : '=';
			o[3] = '=';
			o += 4;
			*ncarry = 0;
			break;
		}
		*ncarry = 0;
		o[0] = tab[t[0] >> 2];
		o[1] = tab[((t[0] & 3) << 4) | (t[1] >> 4)];
		o[2] = tab[((t[1] & 15) << 2) | (t[2] >> 6)];
		o[3] = tab[t[2] & 63];
		o += 4;
	}
	b->len = o - b->p;
}

const char *
mp_buf_str(struct mp_buf *b)
{
	mp_buf_grow(b, 0);
	b->p[b->len] = '\0';
	return b->p;
}

void
mp_buf_free(struct mp_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
