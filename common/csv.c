/*
 * csv.c: CSV (RFC 4180) and TSV files, one record at a time, and whole CSV
 * texts made into JSON records.  Field bytes go straight from stdio's
 * buffer (getc_unlocked) into one buffer reused for every record, so memory
 * is bounded by the largest record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mp.h"

#define CSV_MAX		(16 * 1024 * 1024)	/* bytes of a record */

/* Whether a byte can separate fields (quotes only when they are data). */
static int
sepok(int sep, int quote)
{
	return sep > 0 && sep < 256 && sep != '\n' && sep != '\r' &&
	    !(quote && sep == '"');
}

/* The bytes that end a run of plain field bytes. */
static void
setsep(struct mp_csv *c, int sep)
{
	memset(c->stop, 0, sizeof c->stop);
	c->stop['\0'] = c->stop['\n'] = c->stop['\r'] = 1;
	if (c->quote)
		c->stop['"'] = 1;
	c->stop[sep] = 1;
	c->sep = sep;
}

static int
start(struct mp_csv *c, const char *name, int sep, int quote)
{
	if (sep != 0 && !sepok(sep, quote))
		mp_errx(MP_EX_SOFTWARE, "mp_csv_open: separator %d", sep);
	memset(c, 0, sizeof *c);
	c->file = name;
	c->quote = quote;
	c->next = 1;
	c->hint = sep == 0;
	setsep(c, sep ? sep : ',');
	mp_buf_grow(&c->buf, 4096);
	return 0;
}

int
mp_csv_open(struct mp_csv *c, const char *file, int sep)
{
	start(c, file, sep, sep != '\t');
	if (strcmp(file, "-") == 0)
		c->f = stdin;
	else if ((c->f = fopen(file, "r")) == NULL) {
		mp_warnx("%s: %s", file, strerror(errno));
		mp_buf_free(&c->buf);
		return MP_EX_NOINPUT;
	}
	return 0;
}

int
mp_csv_open_mem(struct mp_csv *c, const char *name, const char *buf,
    size_t n, int sep, int quote)
{
	start(c, name, sep, quote);
	/* fmemopen wants a size of at least 1: an empty text is /dev/null */
	if (n == 0)
		c->f = fopen("/dev/null", "r");
	else
		c->f = fmemopen((void *)buf, n, "r");
	if (c->f == NULL) {
		mp_warnx("%s: %s", name, strerror(errno));
		mp_buf_free(&c->buf);
		return MP_EX_SOFTWARE;
	}
	return 0;
}

/*
 * The length of Excel's "sep=X" line (its line end too) at the start of
 * s[0..n), or 0 when s does not start with one; at_end says the input ends
 * at n.
 */
static size_t
hintlen(const char *s, size_t n, int at_end, int quote)
{
	if (n < 5 || memcmp(s, "sep=", 4) != 0 ||
	    !sepok((unsigned char)s[4], quote))
		return 0;
	if (n == 5)
		return at_end ? 5 : 0;
	if (s[5] == '\n')
		return 6;
	if (s[5] != '\r')
		return 0;
	if (n == 6)
		return at_end ? 6 : 0;
	return s[6] == '\n' ? 7 : 0;
}

/*
 * Takes the separator from a "sep=X" first line (then not a record).
 * Bytes read that are not one go back: at most 7, and glibc's and musl's
 * ungetc both take back at least 8.
 */
static void
hint(struct mp_csv *c)
{
	char s[7];
	size_t n = 0, k;
	int ch = 0;

	while (n < sizeof s && (ch = getc_unlocked(c->f)) != EOF) {
		s[n++] = ch;
		if (ch == '\n' || (n <= 4 && ch != "sep="[n - 1]))
			break;
	}
	if ((k = hintlen(s, n, ch == EOF, c->quote)) > 0) {
		setsep(c, (unsigned char)s[4]);
		c->next++;
		return;
	}
	while (n > 0)
		ungetc((unsigned char)s[--n], c->f);
}

static int
fail(struct mp_csv *c, const char *msg)
{
	snprintf(c->err, sizeof c->err, "%s", msg);
	return -1;
}

/* End of input: the end, or a read error. */
static int
eof(struct mp_csv *c)
{
	if (ferror(c->f))
		return fail(c, errno ? strerror(errno) : "read error");
	return 0;
}

/*
 * Makes room for one more byte at *p; *lim is where the room ends.  The
 * record (fields and their NULs) may take CSV_MAX + 1 bytes: CSV_MAX of
 * text with one NUL per field in place of the separators.
 */
static int
grow(struct mp_csv *c, char **p, char **lim)
{
	size_t len = *p - c->buf.p;

	if (len >= (size_t)CSV_MAX + 1)
		return -1;
	c->buf.len = len;
	mp_buf_grow(&c->buf, c->buf.cap - len);
	*p = c->buf.p + len;
	*lim = c->buf.p + (c->buf.cap < (size_t)CSV_MAX + 1 ? c->buf.cap :
	    (size_t)CSV_MAX + 1);
	return 0;
}

#define PUT(ch) do {							\
	if (p == lim && grow(c, &p, &lim) == -1)			\
		return fail(c, "line too long");			\
	*p++ = (ch);							\
} while (0)

/* Starts a field at offset off (kept in n until the record ends). */
static void
addfield(struct mp_csv *c, size_t off)
{
	if (c->nfld == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->fld = xrealloc(c->fld, c->cap * sizeof *c->fld);
	}
	c->fld[c->nfld].p = NULL;
	c->fld[c->nfld++].n = off;
}

/*
 * Drops a UTF-8 BOM at the start of the file.  Bytes that only begin like
 * one are field bytes (never special): they go in the buffer, *pp after
 * them, and the byte after them goes back for mp_csv_next.
 */
static void
bom(struct mp_csv *c, char **pp)
{
	static const unsigned char b[3] = { 0xef, 0xbb, 0xbf };
	int ch, i;

	for (i = 0; i < 3; i++) {
		if ((ch = getc_unlocked(c->f)) != b[i]) {
			if (ch != EOF)
				ungetc(ch, c->f);
			memcpy(*pp, b, i);
			*pp += i;
			return;
		}
	}
}

int
mp_csv_next(struct mp_csv *c, struct mp_span **fp)
{
	const unsigned char *stop = c->stop;
	FILE *f = c->f;
	char *p, *lim;
	size_t off, end;
	int ch, i, sep, quoted;

	*fp = NULL;
	if (c->err[0])
		return -1;
again:
	p = c->buf.p;
	lim = p + (c->buf.cap < (size_t)CSV_MAX + 1 ? c->buf.cap :
	    (size_t)CSV_MAX + 1);
	c->nfld = 0;
	if (c->line == 0) {
		bom(c, &p);
		if (c->hint && p == c->buf.p)
			hint(c);
		c->hint = 0;
	}
	sep = c->sep;
	c->line = c->next;
	for (;;) {
		/* the first field starts with what bom() left */
		addfield(c, c->nfld ? (size_t)(p - c->buf.p) : 0);
		ch = getc_unlocked(f);
		if ((quoted = ch == '"' && c->quote &&
		    p == c->buf.p + c->fld[c->nfld - 1].n)) {
			for (;;) {
				ch = getc_unlocked(f);
				if (ch == '"') {
					if ((ch = getc_unlocked(f)) != '"')
						break;
				} else if (ch == EOF) {
					if (eof(c) == -1)
						return -1;
					return fail(c, "unterminated quote");
				} else if (ch == '\0')
					return fail(c, "NUL byte");
				else if (ch == '\n')
					c->next++;
				PUT(ch);
			}
			if (ch == '\r') {
				ch = getc_unlocked(f);
				if (ch != '\n' && ch != EOF)
					return fail(c,
					    "text after a closing quote");
			}
			if (ch == '\0')
				return fail(c, "NUL byte");
			if (ch != sep && ch != '\n' && ch != EOF)
				return fail(c, "text after a closing quote");
		} else {
			for (;;) {
				while (ch != EOF && !stop[ch]) {
					PUT(ch);
					ch = getc_unlocked(f);
				}
				if (ch != '\r')
					break;
				/* CR LF (or CR at the end) is a line end */
				ch = getc_unlocked(f);
				if (ch == '\n' || ch == EOF)
					break;
				PUT('\r');
			}
			if (ch == '"')
				return fail(c,
				    "bare quote in an unquoted field");
			if (ch == '\0')
				return fail(c, "NUL byte");
		}
		if (ch == EOF && eof(c) == -1)
			return -1;
		if (ch == sep) {
			PUT('\0');
			continue;
		}
		/* the end of the line (or of the file) ends the record */
		if (c->nfld == 1 && !quoted && p == c->buf.p) {
			if (ch == EOF)
				return 0;
			c->next++;
			goto again;	/* a blank line */
		}
		PUT('\0');
		if (ch == '\n')
			c->next++;
		break;
	}
	c->buf.len = p - c->buf.p;
	for (i = 0; i < c->nfld; i++) {
		off = c->fld[i].n;
		end = i + 1 < c->nfld ? c->fld[i + 1].n : c->buf.len;
		c->fld[i].p = c->buf.p + off;
		c->fld[i].n = end - 1 - off;
	}
	c->nrec++;
	*fp = c->fld;
	return c->nfld;
}

const char *
mp_csv_error(const struct mp_csv *c)
{
	return c->err;
}

void
mp_csv_close(struct mp_csv *c)
{
	if (c->f && c->f != stdin)
		fclose(c->f);
	c->f = NULL;
	mp_buf_free(&c->buf);
	free(c->fld);
	c->fld = NULL;
	c->nfld = c->cap = 0;
}

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
isnum(const char *s, size_t n, int point, int int_only)
{
	size_t i = 0, d;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else {
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d || s[d] == '0')
			return 0;
	}
	if (int_only)
		return i == n;
	if (i < n && s[i] == point) {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	return i == n;
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
		if (!isnum(s, n, '.', 1))
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
			if (!isnum(tmp->p, tmp->len, '.', 0))
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
		if ((k = hintlen(text + off, n - off < 7 ? n - off : 7,
		    n - off <= 7, o->quote)) > 0) {
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
