/*
 * csvrec.c: whole CSV texts made into JSON records, with typed fields
 * (integer, number, money, boolean, time); rows are read by csv.c.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mp.h"

int
mp_csv_field_parse(const char *s, struct mp_csvfield *f, const char **errstr)
{
	static const char *types[] = {
		[MP_CSV_STRING] = "string", [MP_CSV_INTEGER] = "integer",
		[MP_CSV_NUMBER] = "number", [MP_CSV_MONEY] = "money",
		[MP_CSV_TIME] = "time", [MP_CSV_BOOLEAN] = "boolean",
	};
	const char *colon, *fmt = NULL;
	int t;

	/*
	 * Names and time formats may hold colons: NAME:TYPE splits at the
	 * last colon when a type follows it, else at the first ":time:".
	 */
	if ((colon = strrchr(s, ':')) == NULL) {
		*errstr = "want NAME:TYPE";
		return -1;
	}
	for (t = 0; t < (int)(sizeof types / sizeof types[0]); t++)
		if (strcmp(colon + 1, types[t]) == 0)
			break;
	if (t == (int)(sizeof types / sizeof types[0])) {
		if ((colon = strstr(s, ":time:")) == NULL) {
			*errstr = "unknown type (want string, integer, number, "
			    "money, boolean or time[:format])";
			return -1;
		}
		t = MP_CSV_TIME;
		fmt = colon + 6;
		if (*fmt == '\0') {
			*errstr = "empty time format";
			return -1;
		}
	}
	if (colon == s) {
		*errstr = "empty field name";
		return -1;
	}
	f->name = xstrndup(s, colon - s);
	f->type = t;
	f->fmt = fmt ? xstrdup(fmt) : NULL;
	return 0;
}

/* Whether s[0..n) is a JSON number (an integer only, when int_only). */
static int
isnum(const char *s, size_t n, int int_only)
{
	struct mp_span v = { s, n };

	return mp_json_is_number(s, n) &&
	    (!int_only || mp_json_number_is_int(&v) == 1);
}

/* Appends microseconds since the epoch as RFC 3339 UTC. */
static void
addtime(struct mp_buf *b, int64_t us)
{
	int64_t secs = us / 1000000, frac = us % 1000000;
	char buf[32];
	int k = 6;

	if (frac < 0)
		secs--, frac += 1000000;
	mp_time_fmt(secs, buf);
	buf[strlen(buf) - 1] = '\0';		/* the Z */
	mp_buf_adds(b, buf);
	if (frac) {
		while (frac % 10 == 0)
			frac /= 10, k--;
		mp_buf_printf(b, ".%0*lld", k, (long long)frac);
	}
	mp_buf_addc(b, 'Z');
}

/* strptime's time, in UTC unless the format has %z. */
static int
ptime(const char *s, size_t n, const char *fmt, int64_t *us)
{
	struct tm tm, norm;
	const char *end;
	time_t t;

	memset(&tm, 0, sizeof tm);
	tm.tm_mday = 1;
	tm.tm_year = 70;
	if ((end = strptime(s, fmt, &tm)) == NULL || end != s + n)
		return -1;
	norm = tm;
	norm.tm_isdst = 0;
	t = timegm(&norm);
	/* timegm makes 31 April 1 May: that is no date */
	if (norm.tm_year != tm.tm_year || norm.tm_mon != tm.tm_mon ||
	    norm.tm_mday != tm.tm_mday || norm.tm_hour != tm.tm_hour ||
	    norm.tm_min != tm.tm_min || norm.tm_sec != tm.tm_sec)
		return -1;
	*us = ((int64_t)t - tm.tm_gmtoff) * 1000000;
	return 0;
}

/*
 * Appends a cell as the JSON value of its type; returns 0, or -1 with
 * the reason in why.
 */
static int
cell(struct mp_buf *b, const char *s, size_t n, const char *name,
    const struct mp_csvfield *f, int dcomma, struct mp_buf *tmp,
    struct mp_buf *why)
{
	const char *errstr;
	char buf[32];
	int64_t v;
	size_t i;

	if (f == NULL || f->type == MP_CSV_STRING) {
		if (!mp_utf8_valid(s, n)) {
			mp_buf_printf(why, "field '%s' is not UTF-8", name);
			return -1;
		}
		mp_buf_json_str(b, s, n);
		return 0;
	}
	if (n == 0) {
		mp_buf_adds(b, "null");
		return 0;
	}
	switch (f->type) {
	case MP_CSV_INTEGER:
		if (!isnum(s, n, 1))
			goto bad;
		mp_buf_add(b, s, n);
		return 0;
	case MP_CSV_NUMBER:
	case MP_CSV_MONEY:
		tmp->len = 0;
		for (i = 0; i < n; i++) {
			if (dcomma && s[i] == '.')
				goto bad;	/* a thousands separator */
			mp_buf_addc(tmp, dcomma && s[i] == ',' ? '.' : s[i]);
		}
		if (f->type == MP_CSV_NUMBER) {
			if (!isnum(tmp->p, tmp->len, 0))
				goto bad;
			mp_buf_add(b, tmp->p, tmp->len);
			return 0;
		}
		if (mp_money_parse(tmp->p, tmp->len, &v, &errstr) == -1) {
			mp_buf_printf(why, "field '%s' is not money: %s",
			    name, errstr);
			return -1;
		}
		mp_buf_adds(b, mp_money_fmt(v, buf));
		return 0;
	case MP_CSV_BOOLEAN:
		if ((n == 1 && *s == '1') || strcasecmp(s, "true") == 0 ||
		    strcasecmp(s, "yes") == 0)
			mp_buf_adds(b, "true");
		else if ((n == 1 && *s == '0') || strcasecmp(s, "false") == 0 ||
		    strcasecmp(s, "no") == 0)
			mp_buf_adds(b, "false");
		else
			goto bad;
		return 0;
	case MP_CSV_TIME:
		if (f->fmt ? ptime(s, n, f->fmt, &v) : mp_time_parse(s, n, &v))
			goto bad;
		mp_buf_addc(b, '"');
		addtime(b, v);
		mp_buf_addc(b, '"');
		return 0;
	}
bad:
	mp_buf_printf(why, "field '%s' is not %s", name,
	    f->type == MP_CSV_INTEGER ? "an integer" :
	    f->type == MP_CSV_NUMBER ? "a number" :
	    f->type == MP_CSV_MONEY ? "money" :
	    f->type == MP_CSV_BOOLEAN ? "a boolean" :
	    f->fmt ? "a time in its format" : "an RFC 3339 time");
	if (f->type == MP_CSV_TIME && f->fmt)
		mp_buf_printf(why, " '%s'", f->fmt);
	return -1;
}

/* Where the record that a read starting at off begins: past blank lines. */
static size_t
rowstart(const char *s, size_t n, size_t off)
{
	for (;;) {
		if (off < n && s[off] == '\n')
			off++;
		else if (off + 1 < n && s[off] == '\r' && s[off + 1] == '\n')
			off += 2;
		else
			return off;
	}
}

/* The length of a row's text without its line end. */
static size_t
rowlen(const char *s, size_t n)
{
	if (n > 0 && s[n - 1] == '\n')
		n--;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	return n;
}

static long long
nlines(const char *s, size_t n)
{
	const char *e = s + n;
	long long k = 0;

	while ((s = memchr(s, '\n', e - s)) != NULL) {
		k++;
		s++;
	}
	return k;
}

int
mp_csv_records(const char *text, size_t n, const struct mp_csvrec *o,
    int (*rec)(void *, const char *, size_t, long long),
    int (*rej)(void *, long long, const char *, const char *, size_t),
    void *arg, struct mp_buf *why)
{
	struct mp_buf keys = { 0 }, out = { 0 }, tmp = { 0 }, r = { 0 };
	const struct mp_csvfield **col = NULL;
	char **name = NULL;
	struct mp_table *seen = NULL;
	struct mp_csv c;
	struct mp_span *v;
	size_t off = 0, k, *keyoff = NULL, pos, end, start, resume;
	int nf;
	const char *nl;
	long long line = 1, skip;
	int sep = o->sep, ncol = 0, i, j, rc = 0;
	long old;

	if (n >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	if (sep == 0) {
		sep = ',';
		if ((k = mp_csv_hintlen(text + off, n - off < 7 ? n - off :
		    7, n - off <= 7, o->quote)) > 0) {
			sep = (unsigned char)text[off + 4];
			off += k;
			line++;
		}
	}
	/* the hint is not one of the lines skipped */
	for (skip = o->skip; skip > 0 && off < n; skip--, line++)
		off = (nl = memchr(text + off, '\n', n - off)) ?
		    (size_t)(nl - text) + 1 : n;
	text += off;
	n -= off;
	if (mp_csv_open_mem(&c, "text", text, n, sep, o->quote) != 0)
		return -1;
	c.next = line;

	why->len = 0;
	if ((ncol = mp_csv_next(&c, &v)) <= 0) {
		if (ncol < 0) {
			mp_buf_printf(why, "line %lld: %s", c.line,
			    mp_csv_error(&c));
			rc = -1;
		}
		goto out;
	}
	seen = mp_table_new();
	keyoff = xcalloc(ncol + 1, sizeof *keyoff);
	col = xcalloc(ncol, sizeof *col);
	name = xcalloc(ncol, sizeof *name);
	for (i = 0; i < ncol; i++) {
		if (v[i].n == 0 || !mp_utf8_valid(v[i].p, v[i].n)) {
			mp_buf_printf(why, "line %lld: column %d: %s", c.line,
			    i + 1, v[i].n ? "name not UTF-8" : "empty name");
			rc = -1;
			goto out;
		}
		if (mp_table_add(seen, v[i].p, v[i].n, NULL, 0, i + 1,
		    MP_TABLE_ERROR, &old) == -1) {
			mp_buf_printf(why, "line %lld: column %d: duplicate "
			    "name '%s' (column %lld)", c.line, i + 1, v[i].p,
			    mp_table_line(seen, old));
			rc = -1;
			goto out;
		}
		name[i] = xstrndup(v[i].p, v[i].n);
		keyoff[i] = keys.len;
		mp_buf_json_str(&keys, v[i].p, v[i].n);
		mp_buf_addc(&keys, ':');
	}
	keyoff[ncol] = keys.len;
	for (j = 0; j < o->nfield; j++) {
		i = (int)mp_table_find(seen, o->field[j].name,
		    strlen(o->field[j].name));
		if (i < 0) {
			mp_buf_printf(why, "line %lld: no column '%s' in the "
			    "header", c.line, o->field[j].name);
			rc = -1;
			goto out;
		}
		if (col[i] == NULL)
			col[i] = &o->field[j];
	}

	for (pos = ftell(c.f);; pos = end) {
		nf = mp_csv_next(&c, &v);
		end = ftell(c.f);
		if (nf == 0)
			break;
		start = rowstart(text, n, pos);
		r.len = 0;
		if (nf < 0) {
			mp_buf_adds(&r, mp_csv_error(&c));
			/* an unterminated quote takes the rest of the text */
			if (strcmp(r.p, "unterminated quote") == 0) {
				rc = rej(arg, c.line, mp_buf_str(&r),
				    text + start, rowlen(text + start,
				    n - start));
				break;
			}
			/* else the row ends with the line of the failure */
			resume = (nl = memchr(text + end, '\n', n - end)) ?
			    (size_t)(nl - text) + 1 : n;
			if ((rc = rej(arg, c.line, mp_buf_str(&r),
			    text + start, rowlen(text + start,
			    resume - start))) != 0)
				break;
			clearerr(c.f);
			if (fseek(c.f, resume, SEEK_SET) == -1)
				mp_err(MP_EX_SOFTWARE, "fseek");
			c.err[0] = '\0';
			c.next = c.line + nlines(text + start, resume - start);
			end = resume;
			continue;
		}
		if (nf != ncol) {
			mp_buf_printf(&r, "%d field%s, the header has %d", nf,
			    nf == 1 ? "" : "s", ncol);
			goto reject;
		}
		out.len = 0;
		mp_buf_addc(&out, '{');
		for (i = 0; i < ncol; i++) {
			if (i > 0)
				mp_buf_addc(&out, ',');
			mp_buf_add(&out, keys.p + keyoff[i],
			    keyoff[i + 1] - keyoff[i]);
			if (cell(&out, v[i].p, v[i].n, name[i], col[i],
			    o->decimal_comma, &tmp, &r) == -1)
				goto reject;
		}
		mp_buf_addc(&out, '}');
		if ((rc = rec(arg, out.p, out.len, c.line)) != 0)
			break;
		continue;
reject:
		if ((rc = rej(arg, c.line, mp_buf_str(&r), text + start,
		    rowlen(text + start, end - start))) != 0)
			break;
	}
out:
	mp_csv_close(&c);
	if (seen)
		mp_table_free(seen);
	free(keyoff);
	free(col);
	for (i = 0; name && i < ncol; i++)
		free(name[i]);
	free(name);
	mp_buf_free(&keys);
	mp_buf_free(&out);
	mp_buf_free(&tmp);
	mp_buf_free(&r);
	return rc;
}
