/*
 * schema.c: event schemas (mp-schema(5)).  A schema is a text file of
 * "field PATH TYPE [required] [nonblank] [min=N] [max=N] [column=NAME]"
 * lines and an optional
 * "key COLUMN[,COLUMN...]" line; mp-validate checks records against it and
 * mp-load derives its table (columns, SQL types, key) from it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

static const struct {
	const char *name, *sql;
} types[] = {
	[MP_F_STRING] = { "string", "text" },
	[MP_F_INTEGER] = { "integer", "bigint" },
	[MP_F_NUMBER] = { "number", "numeric" },
	[MP_F_BOOLEAN] = { "boolean", "boolean" },
	[MP_F_OBJECT] = { "object", "jsonb" },
	[MP_F_ARRAY] = { "array", "jsonb" },
	[MP_F_TIME] = { "time", "timestamptz" },
	[MP_F_MONEY] = { "money", "numeric(19,6)" },
	[MP_F_ENUM] = { "enum", "text" },
};

const char *
mp_schema_sqltype(enum mp_ftype t)
{
	return types[t].sql;
}

const char *
mp_schema_typename(enum mp_ftype t)
{
	return types[t].name;
}

/* Splits a line into words; a double-quoted part may hold blanks. */
static int
words(char *s, char **w, int max)
{
	int n = 0, q;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		if (*s == '\0' || *s == '#')
			return n;
		if (n == max)
			return -1;
		w[n++] = s;
		for (q = 0; *s && (q || (*s != ' ' && *s != '\t' &&
		    *s != '\r' && *s != '\n')); s++) {
			if (*s == '\\' && q && s[1])
				s++;
			else if (*s == '"')
				q = !q;
		}
		if (*s)
			*s++ = '\0';
	}
}

static int
bad(const char *file, long long line, const char *fmt, ...)
    MP_PRINTF(3, 4);

static int
bad(const char *file, long long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mp_vwarnat(file, line, fmt, ap);
	va_end(ap);
	return -1;
}

static char **
split_list(const char *s, int *n)
{
	char **v = NULL;
	const char *e;

	*n = 0;
	for (;;) {
		e = s + strcspn(s, ",");
		v = xrealloc(v, (*n + 1) * sizeof *v);
		v[(*n)++] = xstrndup(s, e - s);
		if (*e == '\0')
			return v;
		s = e + 1;
	}
}

static int
field_parse(struct mp_schema *s, struct mp_field *fp, char **w, int nw,
    const char *file, long long ln)
{
	const char *errstr;
	const struct mp_seg *last;
	int i, t;

	if (nw < 3)
		return bad(file, ln, "field needs a path and a type");
	if (mp_path_parse(w[1], &fp->path, &errstr) < 0)
		return bad(file, ln, "'%s': %s", w[1], errstr);
	if (fp->path.nseg == 0)
		return bad(file, ln, "'%s': a field needs a name", w[1]);
	for (t = 0; t <= MP_F_ENUM; t++)
		if (strcmp(w[2], types[t].name) == 0 ||
		    (t == MP_F_ENUM && strncmp(w[2], "enum=", 5) == 0))
			break;
	if (t > MP_F_ENUM)
		return bad(file, ln, "unknown type '%s'", w[2]);
	fp->type = t;
	if (t == MP_F_ENUM) {
		if (strncmp(w[2], "enum=", 5) != 0 || w[2][5] == '\0')
			return bad(file, ln, "enum needs its values: "
			    "enum=a,b,c");
		fp->enums = split_list(w[2] + 5, &fp->nenum);
	}
	for (i = 3; i < nw; i++) {
		if (strcmp(w[i], "required") == 0)
			fp->required = 1;
		else if (strcmp(w[i], "nonblank") == 0) {
			if (t != MP_F_STRING)
				return bad(file, ln, "nonblank applies to "
				    "strings");
			fp->nonblank = 1;
		} else if (strncmp(w[i], "max=", 4) == 0 ||
		    strncmp(w[i], "min=", 4) == 0) {
			if (t != MP_F_STRING && t != MP_F_ARRAY)
				return bad(file, ln, "%.4s applies to "
				    "strings and arrays", w[i]);
			if (mp_strtonum(w[i] + 4, 1, 1LL << 30, w[i][1] ==
			    'a' ? &fp->max : &fp->min, &errstr) < 0)
				return bad(file, ln, "%.3s: '%s' is %s", w[i],
				    w[i] + 4, errstr);
		} else if (strncmp(w[i], "column=", 7) == 0 && w[i][7]) {
			free(fp->column);	/* the last one given */
			fp->column = xstrdup(w[i] + 7);
		} else
			return bad(file, ln, "unknown attribute '%s'", w[i]);
	}
	if (fp->max && fp->min > fp->max)
		return bad(file, ln, "min=%lld is more than max=%lld", fp->min,
		    fp->max);
	last = &fp->path.seg[fp->path.nseg - 1];
	if (fp->column == NULL) {
		if (last->key == NULL || memchr(last->key, '\0', last->keylen))
			return bad(file, ln, "'%s' needs column=NAME",
			    fp->path.text);
		fp->column = xstrdup(last->key);
	}
	for (i = 0; i < s->nfield; i++)
		if (strcmp(s->field[i].column, fp->column) == 0)
			return bad(file, ln, "column '%s' named twice",
			    fp->column);
	return 0;
}

/* A field line; what it held is freed when it is bad. */
static int
field(struct mp_schema *s, char **w, int nw, const char *file, long long ln)
{
	struct mp_field f;
	int i;

	memset(&f, 0, sizeof f);
	if (field_parse(s, &f, w, nw, file, ln) == 0) {
		s->field = xrealloc(s->field, (s->nfield + 1) *
		    sizeof *s->field);
		s->field[s->nfield++] = f;
		return 0;
	}
	mp_path_free(&f.path);
	for (i = 0; i < f.nenum; i++)
		free(f.enums[i]);
	free(f.enums);
	free(f.column);
	return -1;
}

struct mp_schema *
mp_schema_load(const char *file)
{
	struct mp_schema *s;
	struct mp_path *paths;
	struct mp_lines l;
	char *line, *w[16];
	const char *base, *dot;
	long long ln;
	int nw, i, j, rc = 0, lrc = 0;

	if (mp_lines_open(&l, file) != 0)
		return NULL;
	s = xcalloc(1, sizeof *s);
	s->file = xstrdup(file);
	base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	dot = strstr(base, ".schema");
	s->name = xstrndup(base, dot ? (size_t)(dot - base) : strlen(base));
	while (rc == 0 && (line = mp_lines_next(&l, &lrc)) != NULL) {
		ln = l.line;
		if ((nw = words(line, w, 16)) < 0)
			rc = bad(file, ln, "too many words");
		else if (nw == 0)
			continue;
		else if (strcmp(w[0], "field") == 0)
			rc = field(s, w, nw, file, ln);
		else if (strcmp(w[0], "key") == 0 && nw == 2 && !s->key)
			s->key = split_list(w[1], &s->nkey);
		else
			rc = bad(file, ln, "unknown line '%s'", w[0]);
	}
	if (rc == 0 && lrc != 0)
		rc = -1;		/* a NUL byte or a read error, said */
	mp_lines_close(&l);
	for (i = 0; rc == 0 && i < s->nkey; i++) {
		for (j = 0; j < s->nfield; j++)
			if (strcmp(s->key[i], s->field[j].column) == 0)
				break;
		if (j == s->nfield)
			rc = bad(file, 0, "key column '%s' is no field",
			    s->key[i]);
	}
	if (rc == 0 && s->nfield == 0)
		rc = bad(file, 0, "no fields");
	if (rc < 0) {
		mp_schema_free(s);
		return NULL;
	}
	paths = xcalloc(s->nfield, sizeof *paths);
	for (i = 0; i < s->nfield; i++)
		paths[i] = s->field[i].path;
	s->query = mp_query_new(paths, s->nfield);
	free(paths);
	s->vals = xcalloc(s->nfield, sizeof *s->vals);
	return s;
}

void
mp_schema_free(struct mp_schema *s)
{
	int i, j;

	if (s == NULL)
		return;
	for (i = 0; i < s->nfield; i++) {
		mp_path_free(&s->field[i].path);
		for (j = 0; j < s->field[i].nenum; j++)
			free(s->field[i].enums[j]);
		free(s->field[i].enums);
		free(s->field[i].column);
	}
	for (i = 0; i < s->nkey; i++)
		free(s->key[i]);
	free(s->key);
	free(s->field);
	mp_query_free(s->query);
	free(s->vals);
	free(s->name);
	free(s->file);
	free(s);
}

/* The text of a string value, decoded only when it has escapes. */
static void
text(const struct mp_span *v, struct mp_buf *tmp, const char **p, size_t *n)
{
	if (memchr(v->p, '\\', v->n) == NULL) {
		*p = v->p + 1;
		*n = v->n - 2;
		return;
	}
	tmp->len = 0;
	mp_json_str_decode(v, tmp);
	*p = tmp->p;
	*n = tmp->len;
}

static int
int64_text(const char *p, size_t n)
{
	const char *max = "9223372036854775807";
	size_t d = n - (p[0] == '-');

	/* "-9223372036854775808" fits too */
	if (d < 19)
		return 1;
	if (d > 19)
		return 0;
	return memcmp(p + (n - d), max, 18) < 0 || (memcmp(p + (n - d), max,
	    18) == 0 && p[n - 1] <= (p[0] == '-' ? '8' : '7'));
}

static long long
chars(const char *p, size_t n)
{
	long long c = 0;
	size_t i;

	for (i = 0; i < n; i++)
		c += ((unsigned char)p[i] & 0xc0) != 0x80;
	return c;
}

/* Whether the text is only white space (none at all included). */
static int
blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strchr(" \t\n\r\f\v", p[i]) || p[i] == '\0')
			return 0;
	return 1;
}

/* Whether the array has more than max elements: is there an element max? */
static int
too_long(const struct mp_span *v, long long max)
{
	struct mp_seg seg = { NULL, 0, max };
	struct mp_path p = { NULL, &seg, 1 };
	struct mp_span e;

	return mp_json_get(v->p, v->n, &p, &e);
}

int
mp_schema_check(struct mp_schema *s, const char *rec, size_t n,
    struct mp_buf *why)
{
	static struct mp_buf tmp;
	const struct mp_field *f;
	const struct mp_span *v;
	enum mp_json_type jt;
	const char *p, *errstr;
	size_t len;
	int64_t x;
	int i, j;

	mp_query_run(s->query, rec, n, s->vals);
	for (i = 0; i < s->nfield; i++) {
		f = &s->field[i];
		v = &s->vals[i];
		jt = mp_json_type(v);
		if (jt == MP_JSON_NONE || jt == MP_JSON_NULL) {
			if (!f->required)
				continue;
			mp_buf_printf(why, jt == MP_JSON_NONE ?
			    "missing field '%s'" : "field '%s' is null",
			    f->path.text);
			return -1;
		}
		switch (f->type) {
		case MP_F_STRING:
		case MP_F_TIME:
		case MP_F_ENUM:
			if (jt != MP_JSON_STRING)
				goto type;
			text(v, &tmp, &p, &len);
			if (len == 0 && (f->min || f->nonblank)) {
				mp_buf_printf(why, "field '%s' is empty",
				    f->path.text);
				return -1;
			}
			if (f->nonblank && blank(p, len)) {
				mp_buf_printf(why, "field '%s' is blank",
				    f->path.text);
				return -1;
			}
			if (f->min && (long long)len < f->min * 4 &&
			    chars(p, len) < f->min) {
				mp_buf_printf(why, "field '%s' is shorter than "
				    "%lld characters", f->path.text, f->min);
				return -1;
			}
			if (f->type == MP_F_STRING && f->max &&
			    (long long)len > f->max && chars(p, len) > f->max) {
				mp_buf_printf(why, "field '%s' is longer than "
				    "%lld characters", f->path.text, f->max);
				return -1;
			}
			if (f->type == MP_F_TIME && mp_time_parse(p, len,
			    &x) < 0) {
				mp_buf_printf(why, "field '%s' is not an RFC "
				    "3339 time", f->path.text);
				return -1;
			}
			if (f->type == MP_F_ENUM) {
				for (j = 0; j < f->nenum; j++)
					if (strlen(f->enums[j]) == len &&
					    memcmp(f->enums[j], p, len) == 0)
						break;
				if (j == f->nenum) {
					mp_buf_printf(why, "field '%s' is not "
					    "one of its enum values",
					    f->path.text);
					return -1;
				}
			}
			break;
		case MP_F_INTEGER:
			if (jt != MP_JSON_NUMBER || !mp_json_number_is_int(v))
				goto type;
			if (!int64_text(v->p, v->n)) {
				mp_buf_printf(why, "field '%s' is out of the "
				    "64-bit integer range", f->path.text);
				return -1;
			}
			break;
		case MP_F_NUMBER:
			if (jt != MP_JSON_NUMBER)
				goto type;
			break;
		case MP_F_BOOLEAN:
			if (jt != MP_JSON_TRUE && jt != MP_JSON_FALSE)
				goto type;
			break;
		case MP_F_OBJECT:
			if (jt != MP_JSON_OBJECT)
				goto type;
			break;
		case MP_F_ARRAY:
			if (jt != MP_JSON_ARRAY)
				goto type;
			if (f->max && too_long(v, f->max)) {
				mp_buf_printf(why, "field '%s' has more than "
				    "%lld elements", f->path.text, f->max);
				return -1;
			}
			if (f->min && !too_long(v, f->min - 1)) {
				mp_buf_printf(why, "field '%s' has fewer than "
				    "%lld elements", f->path.text, f->min);
				return -1;
			}
			break;
		case MP_F_MONEY:
			if (jt == MP_JSON_STRING)
				text(v, &tmp, &p, &len);
			else if (jt == MP_JSON_NUMBER)
				p = v->p, len = v->n;
			else
				goto type;
			if (mp_money_parse(p, len, &x, &errstr) < 0) {
				mp_buf_printf(why, "field '%s' is not money: "
				    "%s", f->path.text, errstr);
				return -1;
			}
			break;
		}
		continue;
type:
		mp_buf_printf(why, "field '%s' is %s %s, want %s",
		    f->path.text, jt == MP_JSON_ARRAY || jt == MP_JSON_OBJECT ?
		    "an" : "a", mp_json_type_name(jt),
		    f->type == MP_F_TIME || f->type == MP_F_ENUM ? "string" :
		    f->type == MP_F_MONEY ? "decimal number or string" :
		    types[f->type].name);
		return -1;
	}
	return 0;
}
