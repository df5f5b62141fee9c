/* path.c: jq paths (.a.b ."odd key" .a[0] .["k"]) and lists of them */
#include <stdlib.h>
#include <string.h>

#include "mp.h"

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
