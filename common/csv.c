/*
 * csv.c: CSV (RFC 4180) and TSV files, one record at a time (csvrec.c
 * makes whole CSV texts into JSON records).  Field bytes go straight from
 * stdio's buffer (getc_unlocked) into one buffer reused for every record,
 * so memory is bounded by the largest record.
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

size_t
mp_csv_hintlen(const char *s, size_t n, int at_end, int quote)
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
	if ((k = mp_csv_hintlen(s, n, ch == EOF, c->quote)) > 0) {
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
