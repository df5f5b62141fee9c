/* text.c: text in the encodings report files come in, as UTF-8 (iconv) */
#include <errno.h>
#include <iconv.h>
#include <string.h>
#include <strings.h>

#include "mp.h"

enum { E_UTF8, E_UTF16LE, E_UTF16BE, E_UTF16, E_OTHER };

static int
kind(const char *enc)
{
	static const struct {
		const char *name;
		int kind;
	} known[] = {
		{ "utf-8", E_UTF8 }, { "utf8", E_UTF8 },
		{ "utf-16le", E_UTF16LE }, { "utf16le", E_UTF16LE },
		{ "utf-16be", E_UTF16BE }, { "utf16be", E_UTF16BE },
		{ "utf-16", E_UTF16 }, { "utf16", E_UTF16 },
	};
	size_t i;

	for (i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcasecmp(enc, known[i].name) == 0)
			return known[i].kind;
	return E_OTHER;
}

/* Fails at input offset off, having written out->p[base..len). */
static int
fail(struct mp_buf *out, size_t base, struct mp_buf *err, size_t off,
    const char *why)
{
	const char *p = out->p + base, *e = out->p + out->len;
	long long line = 1;

	while (p < e && (p = memchr(p, '\n', e - p)) != NULL) {
		line++;
		p++;
	}
	out->len = base;
	err->len = 0;
	mp_buf_printf(err, "line %lld, byte offset %zu: %s", line, off, why);
	return -1;
}

static int
utf8(const char *s, size_t n, size_t skip, struct mp_buf *out, size_t base,
    struct mp_buf *err)
{
	const unsigned char *p = (const unsigned char *)s;
	const char *why;
	size_t i;
	int k;

	if (mp_utf8_valid(s + skip, n - skip)) {
		mp_buf_add(out, s + skip, n - skip);
		return 0;
	}
	for (i = skip; i < n; i += k) {
		if (p[i] < 0x80)
			k = 1;
		else if ((k = mp_utf8_seq(p + i, n - i, &why)) == 0) {
			mp_buf_add(out, s + skip, i - skip);
			return fail(out, base, err, i, why);
		}
	}
	return 0;	/* not reached: the text was not valid */
}

int
mp_text_utf8(const char *s, size_t n, const char *enc, struct mp_buf *out,
    struct mp_buf *err)
{
	const unsigned char *u = (const unsigned char *)s;
	const char *from;
	char *in, *o, why[96];
	size_t base = out->len, skip = 0, inleft, outleft, done, r;
	iconv_t cd;
	int k, bom;

	bom = n >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf ? E_UTF8 :
	    n >= 2 && u[0] == 0xff && u[1] == 0xfe ? E_UTF16LE :
	    n >= 2 && u[0] == 0xfe && u[1] == 0xff ? E_UTF16BE : -1;
	k = enc ? kind(enc) : bom == -1 ? E_UTF8 : bom;
	if (k == E_UTF16) {
		/* never guessed: UTF-16 of no stated order needs a BOM */
		if (bom != E_UTF16LE && bom != E_UTF16BE)
			return fail(out, base, err, 0,
			    "UTF-16 without a byte order mark");
		k = bom;
	}
	if (bom == k)
		skip = k == E_UTF8 ? 3 : 2;
	else if (bom != -1 && (k != E_OTHER || bom == E_UTF8)) {
		snprintf(why, sizeof why, "%s byte order mark in %s text",
		    bom == E_UTF8 ? "UTF-8" : bom == E_UTF16LE ? "UTF-16LE" :
		    "UTF-16BE", enc);
		return fail(out, base, err, 0, why);
	}
	if (k == E_UTF8)
		return utf8(s, n, skip, out, base, err);

	from = k == E_UTF16LE ? "UTF-16LE" : k == E_UTF16BE ? "UTF-16BE" : enc;
	if ((cd = iconv_open("UTF-8", from)) == (iconv_t)-1) {
		err->len = 0;
		mp_buf_printf(err, "unknown encoding '%s'", enc);
		return -1;
	}
	in = (char *)s + skip;
	inleft = n - skip;
	while (inleft > 0) {
		/* a byte or 2-byte unit takes at most 3 bytes of UTF-8 */
		mp_buf_grow(out, inleft < 65536 ? inleft * 3 + 4 : 196608);
		o = out->p + out->len;
		outleft = out->cap - out->len - 1;
		r = iconv(cd, &in, &inleft, &o, &outleft);
		out->len = o - out->p;
		if (r != (size_t)-1 || errno == E2BIG)
			continue;
		iconv_close(cd);
		done = in - s;
		if (k != E_OTHER && errno == EINVAL && inleft % 2)
			return fail(out, base, err, n - 1,
			    "UTF-16 of an odd number of bytes");
		if (k != E_OTHER)
			return fail(out, base, err, done,
			    "lone surrogate in UTF-16");
		snprintf(why, sizeof why, "%s 0x%02x in %s", errno == EINVAL ?
		    "incomplete sequence at the end, byte" : "invalid byte",
		    u[done], enc);
		return fail(out, base, err, done, why);
	}
	iconv_close(cd);
	return 0;
}
