/*
 * xml.c: reading the elements of a small XML document by name.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

void
mp_xml_text(const char *s, const char *end, struct mp_buf *out)
{
	static const struct {
		const char *name;
		char	 c;
	} ent[] = {
		{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' },
		{ "quot;", '"' }, { "apos;", '\'' }, { NULL, 0 }
	};
	unsigned long cp;
	const char *p, *semi;
	char *e;
	int i;

	for (p = s; p < end; p++) {
		if (*p != '&') {
			mp_buf_addc(out, *p);
			continue;
		}
		for (i = 0; ent[i].name; i++)
			if ((size_t)(end - p - 1) >= strlen(ent[i].name) &&
			    strncmp(p + 1, ent[i].name, strlen(ent[i].name)) ==
			    0)
				break;
		if (ent[i].name) {
			mp_buf_addc(out, ent[i].c);
			p += strlen(ent[i].name);
			continue;
		}
		semi = memchr(p, ';', end - p);
		if (semi && end - p > 3 && p[1] == '#' && semi - p < 12 &&
		    (p[2] == 'x' ? isxdigit((unsigned char)p[3]) :
		    isdigit((unsigned char)p[2]))) {
			errno = 0;
			cp = p[2] == 'x' ? strtoul(p + 3, &e, 16) :
			    strtoul(p + 2, &e, 10);
			if (e == semi && errno == 0 && cp > 0 &&
			    cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff)) {
				mp_buf_utf8(out, cp);
				p = semi;
				continue;
			}
		}
		mp_buf_addc(out, '&');		/* not an entity: as it is */
	}
}

int
mp_xml_elem(const char **p, const char *end, const char *tag,
    const char **in, const char **inend)
{
	char open[64], close[64];
	const char *a, *b;
	int no, nc;

	no = snprintf(open, sizeof open, "<%s>", tag);
	nc = snprintf(close, sizeof close, "</%s>", tag);
	if ((a = memmem(*p, end - *p, open, no)) == NULL)
		return 0;
	a += no;
	if ((b = memmem(a, end - a, close, nc)) == NULL)
		return 0;
	*in = a;
	*inend = b;
	*p = b + nc;
	return 1;
}

int
mp_xml_get(const char *p, const char *end, const char *tag,
    struct mp_buf *out)
{
	const char *a, *b;

	out->len = 0;
	if (!mp_xml_elem(&p, end, tag, &a, &b))
		return 0;
	mp_xml_text(a, b, out);
	mp_buf_str(out);
	return 1;
}

int
mp_xml_root_is(const char *p, size_t n, const char *tag)
{
	const char *end = p + n;
	size_t k = strlen(tag);

	if (n == 0)
		return 0;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (end - p > 5 && strncmp(p, "<?xml", 5) == 0) {
		if ((p = memchr(p, '>', end - p)) == NULL)
			return 0;
		for (p++; p < end && isspace((unsigned char)*p); p++)
			;
	}
	return (size_t)(end - p) >= k + 2 && p[0] == '<' &&
	    strncmp(p + 1, tag, k) == 0 && p[k + 1] == '>';
}
