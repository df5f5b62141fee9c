/*
 * 0006-csv: unit tests of the CSV and TSV reader (csv.c), as TAP: each
 * input is written to a scratch file and read back whole, records shown as
 * "LINE:field|field" lines, or "LINE:error: MSG" where reading failed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp.h"
#include "tap.h"

#define MiB	(1024 * 1024)

static char dir[] = "/tmp/mp-csv.XXXXXX";
static char file[64];

static void
put(const char *s, size_t n)
{
	FILE *f;

	if ((f = fopen(file, "w")) == NULL || fwrite(s, 1, n, f) != n ||
	    fclose(f) != 0)
		mp_err(1, "%s", file);
}

/* Appends a field, control bytes and | made visible. */
static void
show(struct mp_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '\n': mp_buf_adds(b, "\\n"); break;
		case '\r': mp_buf_adds(b, "\\r"); break;
		case '\t': mp_buf_adds(b, "\\t"); break;
		case '|': mp_buf_adds(b, "\\|"); break;
		default: mp_buf_addc(b, s[i]);
		}
	}
}

/*
 * Reads the file; returns what it held, as above.  Also checks each field
 * is followed by a NUL, that an error (or the end) stays, and the count.
 */
static const char *
readall(int sep)
{
	static struct mp_buf b;
	struct mp_csv c;
	struct mp_span *v;
	long long n = 0;
	int i, k, nul = 1;

	b.len = 0;
	if (mp_csv_open(&c, file, sep) != 0)
		return "(open failed)";
	while ((k = mp_csv_next(&c, &v)) > 0) {
		n++;
		mp_buf_printf(&b, "%lld:", c.line);
		for (i = 0; i < k; i++) {
			if (i > 0)
				mp_buf_addc(&b, '|');
			show(&b, v[i].p, v[i].n);
			if (v[i].p[v[i].n] != '\0')
				nul = 0;
		}
		mp_buf_addc(&b, '\n');
	}
	if (k < 0)
		mp_buf_printf(&b, "%lld:error: %s\n", c.line, mp_csv_error(&c));
	if (!nul)
		mp_buf_adds(&b, "(field without a NUL after it)\n");
	if (c.nrec != n)
		mp_buf_adds(&b, "(nrec wrong)\n");
	if (mp_csv_next(&c, &v) != k || v != NULL)
		mp_buf_adds(&b, "(next call differs)\n");
	mp_csv_close(&c);
	return mp_buf_str(&b);
}

static void
t_sep(const char *name, int sep, const char *in, size_t n, const char *want)
{
	const char *got;

	put(in, n);
	got = readall(sep);
	ok(strcmp(got, want) == 0, "%s", name);
	if (strcmp(got, want) != 0)
		printf("# got:\n%s# want:\n%s", got, want);
}

/* CSV of a C string */
static void
t(const char *name, const char *in, const char *want)
{
	t_sep(name, ',', in, strlen(in), want);
}

static void
t_tsv(const char *name, const char *in, const char *want)
{
	t_sep(name, '\t', in, strlen(in), want);
}

/* A record of nf fields "f0,f1,..." then "last"; checks every field. */
static void
t_wide(int nf)
{
	struct mp_buf in = { 0 };
	struct mp_csv c;
	struct mp_span *v;
	char want[32];
	int i, k, bad = 0;

	for (i = 0; i < nf; i++)
		mp_buf_printf(&in, "%sf%d", i ? "," : "", i);
	mp_buf_adds(&in, "\nlast\n");
	put(in.p, in.len);
	mp_csv_open(&c, file, ',');
	k = mp_csv_next(&c, &v);
	ok(k == nf && c.line == 1, "%d fields in a record: %d", nf, k);
	for (i = 0; i < k && i < nf; i++) {
		snprintf(want, sizeof want, "f%d", i);
		if (v[i].n != strlen(want) || strcmp(v[i].p, want) != 0)
			bad++;
	}
	ok(bad == 0, "each of the %d fields right", nf);
	k = mp_csv_next(&c, &v);
	ok(k == 1 && c.line == 2 && strcmp(v[0].p, "last") == 0,
	    "the record after them, line 2");
	ok(mp_csv_next(&c, &v) == 0, "then the end");
	mp_csv_close(&c);
	mp_buf_free(&in);
}

/* One field of n bytes (quoted, or over two lines); ok or too long. */
static void
t_long(size_t n, int quoted, int nl)
{
	struct mp_csv c;
	struct mp_span *v;
	char *in = xmalloc(n + 4), *s = in;
	int k;

	if (quoted)
		*s++ = '"';
	memset(s, 'x', n);
	if (nl)
		s[n / 2] = '\n';
	s += n;
	if (quoted)
		*s++ = '"';
	*s++ = '\n';
	put(in, s - in);
	free(in);
	mp_csv_open(&c, file, ',');
	k = mp_csv_next(&c, &v);
	if (n <= 16 * MiB)
		ok(k == 1 && v[0].n == n && v[0].p[n] == '\0' &&
		    mp_csv_next(&c, &v) == 0,
		    "a record of %zu bytes%s%s is read", n,
		    quoted ? ", quoted" : "", nl ? ", two lines" : "");
	else
		ok(k == -1 && strcmp(mp_csv_error(&c), "line too long") == 0 &&
		    c.line == 1,
		    "a record of %zu bytes%s%s: line too long", n,
		    quoted ? ", quoted" : "", nl ? ", two lines" : "");
	mp_csv_close(&c);
}

int
main(void)
{
	struct mp_csv c;
	struct mp_span *v;
	int fd, k, e;

	mp_prog = "0006-csv";
	if (mkdtemp(dir) == NULL)
		mp_err(1, "mkdtemp");
	snprintf(file, sizeof file, "%s/in", dir);

	t("simple", "a,b,c\nd,e,f\n", "1:a|b|c\n2:d|e|f\n");
	t("one field a line", "a\nb\n", "1:a\n2:b\n");
	t("empty file", "", "");
	t("quoted fields with commas", "\"a,b\",c,\"d,\"\n\",\",x\n",
	    "1:a,b|c|d,\n2:,|x\n");
	t("doubled quotes", "\"say \"\"hi\"\"\",\"\"\"\",\"\"\"\"\"\"\n",
	    "1:say \"hi\"|\"|\"\"\n");
	t("quoted empty field, a record of one empty field", "\"\"\n\"\",\n",
	    "1:\n2:|\n");
	t("LF in quotes: the record's line is where it starts",
	    "a,\"x\ny\nz\"\nb,c\nd\n", "1:a|x\\ny\\nz\n4:b|c\n5:d\n");
	t("CRLF in quotes, CRLF line ends",
	    "a,\"x\r\ny\"\r\nb,c\r\n\"\r\n\"\r\nd\r\n",
	    "1:a|x\\r\\ny\n3:b|c\n4:\\r\\n\n6:d\n");
	t("a lone CR in quotes is data", "\"x\ry\",\"\r\"\n",
	    "1:x\\ry|\\r\n");
	t("a lone CR outside quotes is data", "a\rb,c\n\rd\n",
	    "1:a\\rb|c\n2:\\rd\n");
	t("CRLF line ends", "a,b\r\nc,d\r\n", "1:a|b\n2:c|d\n");
	t("CR at the end of the file ends the line", "a,b\r", "1:a|b\n");
	t("BOM dropped", "\xef\xbb\xbf" "a,b\nc\n", "1:a|b\n2:c\n");
	t("BOM before a quoted field", "\xef\xbb\xbf\"a\",b\n", "1:a|b\n");
	t("BOM alone", "\xef\xbb\xbf", "");
	t("BOM then a blank line", "\xef\xbb\xbf\r\n\nx\n", "3:x\n");
	t("bytes that only begin a BOM are data",
	    "\xef\xbb" "x,y\n\xef,\xef\xbb\n",
	    "1:\xef\xbbx|y\n2:\xef|\xef\xbb\n");
	t("the start of a BOM then a separator", "\xef\xbb,y\n",
	    "1:\xef\xbb|y\n");
	t("the start of a BOM then a quote", "\xef\"a\"\n",
	    "1:error: bare quote in an unquoted field\n");
	t("the start of a BOM at the end", "\xef\xbb", "1:\xef\xbb\n");
	t("a BOM after the start is data", "a\n\xef\xbb\xbf" "b\n",
	    "1:a\n2:\xef\xbb\xbf" "b\n");
	t("blank lines skipped", "\n\na\n\n\r\nb\n\r\n\n",
	    "3:a\n6:b\n");
	t("only blank lines", "\n\r\n\n", "");
	t("empty fields", "a,,b\n,\n,,\n", "1:a||b\n2:|\n3:||\n");
	t("trailing empty field", "a,b,\n", "1:a|b|\n");
	t("trailing empty field without a newline", "a,b,", "1:a|b|\n");
	t("last line without newline", "a,b\nc,d", "1:a|b\n2:c|d\n");
	t("last line quoted without newline", "a\n\"c\nd\"",
	    "1:a\n2:c\\nd\n");
	t("white space is data", " a , b \n", "1: a | b \n");
	t("tabs are data in CSV", "a\tb,c\n", "1:a\\tb|c\n");
	t("UTF-8 passes through", "\xc3\xa9t\xc3\xa9,\"\xe2\x82\xac\"\n",
	    "1:\xc3\xa9t\xc3\xa9|\xe2\x82\xac\n");

	t_tsv("TSV: tabs split, quotes are data",
	    "a\t\"b\"\tc,d\n\"x\ty\"\n", "1:a|\"b\"|c,d\n2:\"x|y\"\n");
	t_tsv("TSV: a quote inside a field", "a\"b\t\"\"\n", "1:a\"b|\"\"\n");
	t_tsv("TSV: no escapes", "a\\tb\t\\n\n", "1:a\\tb|\\n\n");
	t_tsv("TSV: CRLF, blank lines, empty fields, BOM",
	    "\xef\xbb\xbf" "a\t\tb\r\n\r\n\t\n\t", "1:a||b\n3:|\n4:|\n");
	t_tsv("TSV: an unterminated quote is data", "\"a\nb\n",
	    "1:\"a\n2:b\n");

	t("error: unterminated quote", "a\n\"b,c\nd\n",
	    "1:a\n2:error: unterminated quote\n");
	t("error: unterminated quote after doubled quotes", "\"a\"\"",
	    "1:error: unterminated quote\n");
	t("error: bare quote in an unquoted field", "a,b\"c\n",
	    "1:error: bare quote in an unquoted field\n");
	t("error: bare quote at the end of a field", "x\ny,a\"\n",
	    "1:x\n2:error: bare quote in an unquoted field\n");
	t("error: text after a closing quote", "\"a\"b,c\n",
	    "1:error: text after a closing quote\n");
	t("error: a space after a closing quote", "\"a\" ,c\n",
	    "1:error: text after a closing quote\n");
	t("error: a lone CR after a closing quote", "\"a\"\rb\n",
	    "1:error: text after a closing quote\n");
	t("error: line numbers after a record over lines",
	    "\"a\nb\"\n\nc\"\n", "1:a\\nb\n4:error: bare quote in an "
	    "unquoted field\n");
	t_sep("error: NUL byte", ',', "a,b\nc\0d\n", 8,
	    "1:a|b\n2:error: NUL byte\n");
	t_sep("error: NUL byte in quotes", ',', "\"a\0\"\n", 5,
	    "1:error: NUL byte\n");
	t_sep("error: NUL byte after a closing quote", ',', "\"a\"\0\n", 5,
	    "1:error: NUL byte\n");
	t_sep("error: NUL byte alone", ',', "\0", 1, "1:error: NUL byte\n");
	t_sep("error: NUL byte in TSV", '\t', "a\t\0\n", 4,
	    "1:error: NUL byte\n");

	t_wide(1000);
	t_long(16 * MiB, 0, 0);
	t_long(16 * MiB + 1, 0, 0);
	t_long(16 * MiB, 1, 1);
	t_long(16 * MiB + 1, 1, 1);
	t_long(64 * MiB, 0, 0);

	/* a directory opens but cannot be read: a read error */
	mp_csv_open(&c, dir, ',');
	k = mp_csv_next(&c, &v);
	ok(k == -1 && strcmp(mp_csv_error(&c), "Is a directory") == 0,
	    "a read error: %s", mp_csv_error(&c));
	mp_csv_close(&c);

	/* quiet, for the missing file's message */
	e = dup(2);
	if ((fd = open("/dev/null", O_WRONLY)) == -1 || dup2(fd, 2) == -1)
		mp_err(1, "/dev/null");
	k = mp_csv_open(&c, "/nonexistent/in.csv", ',');
	dup2(e, 2);
	close(fd);
	close(e);
	ok(k == MP_EX_NOINPUT, "a missing file: %d", k);

	put("a,b\n\"c\nd\"\n", 10);
	if (freopen(file, "r", stdin) == NULL)
		mp_err(1, "%s", file);
	k = mp_csv_open(&c, "-", ',');
	ok(k == 0 && mp_csv_next(&c, &v) == 2 && c.line == 1 &&
	    mp_csv_next(&c, &v) == 1 && c.line == 2 &&
	    mp_csv_next(&c, &v) == 0 && c.nrec == 2, "\"-\" reads stdin");
	mp_csv_close(&c);
	ok(fileno(stdin) == 0 && fseek(stdin, 0, SEEK_SET) == 0 &&
	    getchar() == 'a', "close leaves stdin open");

	unlink(file);
	rmdir(dir);
	return done();
}
