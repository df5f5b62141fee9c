/*
 * 0006-csv: unit tests of the CSV and TSV reader (csv.c) and of CSV texts
 * made into records (csvrec.c), as TAP: each input is written to a scratch
 * file and read back whole, records shown as "LINE:field|field" lines, or
 * "LINE:error: MSG" where reading failed.
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
readall_from(struct mp_csv *cp)
{
	static struct mp_buf b;
	struct mp_csv c = *cp;
	struct mp_span *v;
	long long n = 0;
	int i, k, nul = 1;

	b.len = 0;
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

static const char *
readall(int sep)
{
	struct mp_csv c;

	if (mp_csv_open(&c, file, sep) != 0)
		return "(open failed)";
	return readall_from(&c);
}

/* The same, from memory */
static void
t_mem(const char *name, int sep, int quote, const char *in, size_t n,
    const char *want)
{
	struct mp_csv c;
	const char *got;

	if (mp_csv_open_mem(&c, "mem", in, n, sep, quote) != 0)
		got = "(open failed)";
	else
		got = readall_from(&c);
	ok(strcmp(got, want) == 0, "memory: %s", name);
	if (strcmp(got, want) != 0)
		printf("# got:\n%s# want:\n%s", got, want);
}

/* Records of a CSV text: "LINE:json", "LINE:rejected: WHY: text" lines */
struct out {
	struct mp_buf b;
	int	 stop_at;	/* stop at the record or reject of line */
};

static int
rec(void *arg, const char *s, size_t n, long long line)
{
	struct out *o = arg;

	mp_buf_printf(&o->b, "%lld:%.*s\n", line, (int)n, s);
	return o->stop_at == line ? 42 : 0;
}

static int
rej(void *arg, long long line, const char *why, const char *s, size_t n)
{
	struct out *o = arg;

	mp_buf_printf(&o->b, "%lld:rejected: %s: ", line, why);
	show(&o->b, s, n);
	mp_buf_addc(&o->b, '\n');
	return o->stop_at == line ? 43 : 0;
}

/*
 * mp_csv_records with the options and fields ("NAME:TYPE", NULL-ended)
 * given; its output as above, then "rc N" and why when it failed.
 */
static void
t_rec(const char *name, const struct mp_csvrec *opt, const char **fields,
    int stop_at, const char *in, const char *want)
{
	struct mp_csvrec o = *opt;
	struct mp_csvfield f[16];
	struct out out = { { 0 }, stop_at };
	struct mp_buf why = { 0 };
	const char *errstr;
	int rc, i;

	for (o.nfield = 0; fields && fields[o.nfield]; o.nfield++)
		if (mp_csv_field_parse(fields[o.nfield], &f[o.nfield],
		    &errstr) == -1)
			mp_errx(1, "%s: %s", fields[o.nfield], errstr);
	o.field = f;
	rc = mp_csv_records(in, strlen(in), &o, rec, rej, &out, &why);
	if (rc != 0)
		mp_buf_printf(&out.b, "rc %d%s%s\n", rc, why.len ? ": " : "",
		    mp_buf_str(&why));
	ok(strcmp(mp_buf_str(&out.b), want) == 0, "records: %s", name);
	if (strcmp(mp_buf_str(&out.b), want) != 0)
		printf("# got:\n%s# want:\n%s", mp_buf_str(&out.b), want);
	for (i = 0; i < o.nfield; i++) {
		free(f[i].name);
		free(f[i].fmt);
	}
	mp_buf_free(&out.b);
	mp_buf_free(&why);
}

static void
t_field(const char *in, const char *want)
{
	struct mp_csvfield f;
	const char *errstr;
	char got[256];

	if (mp_csv_field_parse(in, &f, &errstr) == -1)
		snprintf(got, sizeof got, "error: %s", errstr);
	else {
		snprintf(got, sizeof got, "%s|%d|%s", f.name, f.type,
		    f.fmt ? f.fmt : "(null)");
		free(f.name);
		free(f.fmt);
	}
	ok(strcmp(got, want) == 0, "field %s: %s", in, got);
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

/* any separator, of a C string */
static void
t_s(const char *name, int sep, const char *in, const char *want)
{
	t_sep(name, sep, in, strlen(in), want);
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

	/* other separators: quotes work as in CSV */
	t_s("semicolons", ';', "a;b;\"c;d\"\n\"x\"\"\";,\n",
	    "1:a|b|c;d\n2:x\"|,\n");
	t_s("pipes", '|', "a|b|\"c|d\"\r\ne,f|\n",
	    "1:a|b|c\\|d\n2:e,f|\n");
	t_s("pipes: a bare quote is an error", '|', "a|b\"\n",
	    "1:error: bare quote in an unquoted field\n");

	/* Excel's sep= hint, only with sep 0 */
	t_s("hint: sep=;", 0, "sep=;\na;b,c\n", "2:a|b,c\n");
	t_s("hint: CRLF, pipes", 0, "sep=|\r\na|\"b|c\"\r\n",
	    "2:a|b\\|c\n");
	t_s("hint after a BOM", 0, "\xef\xbb\xbf" "sep=;\na;b\n",
	    "2:a|b\n");
	t_s("hint: a tab (quotes still work)", 0, "sep=\t\n\"a\tb\"\tc\n",
	    "2:a\\tb|c\n");
	t_s("hint: alone", 0, "sep=;", "");
	t_s("hint: alone with CR", 0, "sep=;\r", "");
	t_s("no hint: sep 0 without one is ','", 0, "a,b;c\n",
	    "1:a|b;c\n");
	t_s("no hint: sep given", ',', "sep=;\na;b\n",
	    "1:sep=;\n2:a;b\n");
	t_s("no hint: sep given (;)", ';', "sep=,\na,b\n",
	    "1:sep=,\n2:a,b\n");
	t_s("no hint: more after X", 0, "sep=;x\na\n",
	    "1:sep=;x\n2:a\n");
	t_s("no hint: sep=X then a separator", 0, "sep=;,y\n",
	    "1:sep=;|y\n");
	t_s("no hint: CR then more", 0, "sep=;\rx\n",
	    "1:sep=;\\rx\n");
	t_s("no hint: empty", 0, "sep=\na\n", "1:sep=\n2:a\n");
	t_s("no hint: a quote", 0, "sep=\"\n",
	    "1:error: bare quote in an unquoted field\n");
	t_s("no hint: capitals", 0, "SEP=;\n", "1:SEP=;\n");
	t_s("no hint: a prefix", 0, "se,p\n", "1:se|p\n");
	t_s("no hint: a prefix at the end", 0, "sep", "1:sep\n");
	t_s("no hint: on line 2", 0, "a\nsep=;\n", "1:a\n2:sep=;\n");
	t_s("no hint: after a blank line", 0, "\nsep=;\n",
	    "2:sep=;\n");

	/* from memory */
	t_mem("CSV", ',', 1, "a,\"b\nc\"\nd\n", 10, "1:a|b\\nc\n3:d\n");
	t_mem("no quotes", ';', 0, "a;\"b\n", 5, "1:a|\"b\n");
	t_mem("empty", ',', 1, "", 0, "");
	t_mem("only the bytes given", ',', 1, "a,b\nc,d\n", 5, "1:a|b\n2:c\n");
	t_mem("a hint, BOM, CRLF", 0, 1, "\xef\xbb\xbfsep=|\r\nx|y\r\n", 15,
	    "2:x|y\n");
	t_mem("an unterminated quote", ',', 1, "a\n\"b", 4,
	    "1:a\n2:error: unterminated quote\n");

	{
		static const struct mp_csvrec csv = { .quote = 1 },
		    csv_skip2 = { .quote = 1, .skip = 2 },
		    ssv = { .sep = ';', .quote = 1, .decimal_comma = 1 },
		    dcomma = { .quote = 1, .decimal_comma = 1 },
		    tsv = { .sep = '\t' };
		static const char *ints[] = { "n:integer", NULL },
		    *nums[] = { "n:number", NULL },
		    *money[] = { "n:money", NULL },
		    *bools[] = { "n:boolean", NULL },
		    *times[] = { "n:time", NULL },
		    *ftimes[] = { "n:time:%d/%m/%Y %H:%M", NULL },
		    *ztimes[] = { "n:time:%Y-%m-%d %H:%M %z", NULL },
		    *typed[] = { "i:integer", "m:money", "b:boolean", "t:time",
			"x:number", NULL },
		    *two[] = { "n:number", "m:money", NULL },
		    *nocol[] = { "zz:integer", NULL };

		t_rec("header keys", &csv, NULL, 0,
		    "a,b c,\"q\"\"\"\n1,x,\"\"\n",
		    "2:{\"a\":\"1\",\"b c\":\"x\",\"q\\\"\":\"\"}\n");
		t_rec("empty text", &csv, NULL, 0, "", "");
		t_rec("only a header", &csv, NULL, 0, "a,b\n", "");
		t_rec("a BOM", &csv, NULL, 0, "\xef\xbb\xbf" "a\n1\n",
		    "2:{\"a\":\"1\"}\n");
		t_rec("skip rows (lines, quotes or not)", &csv_skip2, NULL, 0,
		    "Report \"Nov\nfrom,to\nh1,h2\n1,2\n",
		    "4:{\"h1\":\"1\",\"h2\":\"2\"}\n");
		t_rec("skip more lines than there are", &csv_skip2, NULL, 0,
		    "x\n", "");
		t_rec("ragged rows rejected, the rest go on", &csv, NULL, 0,
		    "a,b\n1,2\n3\n4,5,6\n\n7,8\n",
		    "2:{\"a\":\"1\",\"b\":\"2\"}\n"
		    "3:rejected: 1 field, the header has 2: 3\n"
		    "4:rejected: 3 fields, the header has 2: 4,5,6\n"
		    "6:{\"a\":\"7\",\"b\":\"8\"}\n");
		t_rec("unterminated quote ends the file", &csv, NULL, 0,
		    "a,b\n1,2\n\"x,y\n3,4\n",
		    "2:{\"a\":\"1\",\"b\":\"2\"}\n"
		    "3:rejected: unterminated quote: \"x,y\\n3,4\n");
		t_rec("a bare quote rejects its line", &csv, NULL, 0,
		    "a,b\nx\"y,1\n\n3,4\n\"p\nq\"r,s\nt\n5,6",
		    "2:rejected: bare quote in an unquoted field: x\"y,1\n"
		    "4:{\"a\":\"3\",\"b\":\"4\"}\n"
		    "5:rejected: text after a closing quote: \"p\\nq\"r,s\n"
		    "7:rejected: 1 field, the header has 2: t\n"
		    "8:{\"a\":\"5\",\"b\":\"6\"}\n");
		t_rec("embedded newlines: the row's line is where it starts",
		    &csv, NULL, 0, "a,b\n\"x\ny\",1\n\"\n\n\"\n2,3\n",
		    "2:{\"a\":\"x\\ny\",\"b\":\"1\"}\n"
		    "4:rejected: 1 field, the header has 2: \"\\n\\n\"\n"
		    "7:{\"a\":\"2\",\"b\":\"3\"}\n");
		t_rec("CRLF", &csv, NULL, 0,
		    "a,b\r\n1,2\r\n3\r\n\"4\r\n5\",6\r\n",
		    "2:{\"a\":\"1\",\"b\":\"2\"}\n"
		    "3:rejected: 1 field, the header has 2: 3\n"
		    "4:{\"a\":\"4\\r\\n5\",\"b\":\"6\"}\n");
		t_rec("TSV: quotes are data", &tsv, NULL, 0,
		    "a\tb\n\"x\t1\"\n",
		    "2:{\"a\":\"\\\"x\",\"b\":\"1\\\"\"}\n");
		t_rec("sep= hint, semicolons, decimal comma", &dcomma, two, 0,
		    "sep=;\nn;m;s\n1,5;2,250;a,b\n;;\n",
		    "3:{\"n\":1.5,\"m\":2.25,\"s\":\"a,b\"}\n"
		    "4:{\"n\":null,\"m\":null,\"s\":\"\"}\n");
		t_rec("sep= hint then skip (the hint is not counted)",
		    &(struct mp_csvrec){ .quote = 1, .skip = 1 }, NULL, 0,
		    "sep=|\nTitle\na|b\n1|2\n",
		    "4:{\"a\":\"1\",\"b\":\"2\"}\n");
		t_rec("sep given: no hint", &(struct mp_csvrec){ .sep = ',',
		    .quote = 1 }, NULL, 0, "sep=;\n1\n",
		    "2:{\"sep=;\":\"1\"}\n");
		t_rec("empty cells: \"\" for strings, null for typed", &csv,
		    typed, 0, "i,m,b,t,x,s\n,,,,,\n",
		    "2:{\"i\":null,\"m\":null,\"b\":null,\"t\":null,\"x\":null,"
		    "\"s\":\"\"}\n");
		t_rec("integers", &csv, ints, 0,
		    "n\n0\n-12\n123456789012345678901234567890\n012\n1.0\n+1\n"
		    "\"1,000\"\n\" 1\"\n-\n1e3\n",
		    "2:{\"n\":0}\n3:{\"n\":-12}\n"
		    "4:{\"n\":123456789012345678901234567890}\n"
		    "5:rejected: field 'n' is not an integer: 012\n"
		    "6:rejected: field 'n' is not an integer: 1.0\n"
		    "7:rejected: field 'n' is not an integer: +1\n"
		    "8:rejected: field 'n' is not an integer: \"1,000\"\n"
		    "9:rejected: field 'n' is not an integer: \" 1\"\n"
		    "10:rejected: field 'n' is not an integer: -\n"
		    "11:rejected: field 'n' is not an integer: 1e3\n");
		t_rec("numbers", &csv, nums, 0,
		    "n\n1.50\n-0.5e3\n1E+10\n7\n\"1,234.5\"\n.5\n1.\nNaN\n",
		    "2:{\"n\":1.50}\n3:{\"n\":-0.5e3}\n4:{\"n\":1E+10}\n"
		    "5:{\"n\":7}\n"
		    "6:rejected: field 'n' is not a number: \"1,234.5\"\n"
		    "7:rejected: field 'n' is not a number: .5\n"
		    "8:rejected: field 'n' is not a number: 1.\n"
		    "9:rejected: field 'n' is not a number: NaN\n");
		t_rec("numbers with a decimal comma", &ssv, nums, 0,
		    "n\n1,5\n-0,25e2\n1.234,5\n1.5\n1 234\n",
		    "2:{\"n\":1.5}\n3:{\"n\":-0.25e2}\n"
		    "4:rejected: field 'n' is not a number: 1.234,5\n"
		    "5:rejected: field 'n' is not a number: 1.5\n"
		    "6:rejected: field 'n' is not a number: 1 234\n");
		t_rec("money", &csv, money, 0,
		    "n\n12.345678\n-0.10\n100\n12.3456789\n\"1,000.00\"\n1e3\n"
		    "99999999999999\n",
		    "2:{\"n\":12.345678}\n3:{\"n\":-0.1}\n4:{\"n\":100}\n"
		    "5:rejected: field 'n' is not money: more than 6 decimal "
		    "places: 12.3456789\n"
		    "6:rejected: field 'n' is not money: not a decimal: "
		    "\"1,000.00\"\n"
		    "7:rejected: field 'n' is not money: not a decimal: 1e3\n"
		    "8:rejected: field 'n' is not money: out of range: "
		    "99999999999999\n");
		t_rec("money with a decimal comma", &ssv, money, 0,
		    "n\n1,50\n1.000,50\n",
		    "2:{\"n\":1.5}\n"
		    "3:rejected: field 'n' is not money: 1.000,50\n");
		t_rec("booleans", &csv, bools, 0,
		    "n\ntrue\nFALSE\n1\n0\nYes\nno\nmaybe\n2\n",
		    "2:{\"n\":true}\n3:{\"n\":false}\n4:{\"n\":true}\n"
		    "5:{\"n\":false}\n6:{\"n\":true}\n7:{\"n\":false}\n"
		    "8:rejected: field 'n' is not a boolean: maybe\n"
		    "9:rejected: field 'n' is not a boolean: 2\n");
		t_rec("times, RFC 3339", &csv, times, 0,
		    "n\n2026-11-20T13:04:05Z\n2026-11-20T13:04:05.250+01:00\n"
		    "1969-12-31T23:59:59.5Z\n2026-11-20 13:04:05\n"
		    "2026-02-30T00:00:00Z\n0226-11-20T13:04:05+01:00\n",
		    "2:{\"n\":\"2026-11-20T13:04:05Z\"}\n"
		    "3:{\"n\":\"2026-11-20T12:04:05.25Z\"}\n"
		    "4:{\"n\":\"1969-12-31T23:59:59.5Z\"}\n"
		    "5:rejected: field 'n' is not an RFC 3339 time: "
		    "2026-11-20 13:04:05\n"
		    "6:rejected: field 'n' is not an RFC 3339 time: "
		    "2026-02-30T00:00:00Z\n"
		    "7:{\"n\":\"0226-11-20T12:04:05Z\"}\n");
		t_rec("times with a format, UTC", &csv, ftimes, 0,
		    "n\n20/11/2026 13:04\n31/04/2026 00:00\n20/11/2026\n"
		    "20/11/2026 13:04:05\n",
		    "2:{\"n\":\"2026-11-20T13:04:00Z\"}\n"
		    "3:rejected: field 'n' is not a time in its format "
		    "'%d/%m/%Y %H:%M': 31/04/2026 00:00\n"
		    "4:rejected: field 'n' is not a time in its format "
		    "'%d/%m/%Y %H:%M': 20/11/2026\n"
		    "5:rejected: field 'n' is not a time in its format "
		    "'%d/%m/%Y %H:%M': 20/11/2026 13:04:05\n");
		t_rec("times with a format and %z", &csv, ztimes, 0,
		    "n\n2026-11-20 13:04 +0130\n",
		    "2:{\"n\":\"2026-11-20T11:34:00Z\"}\n");
		t_rec("a string that is not UTF-8", &csv, NULL, 0,
		    "a,b\nx,\xe9t\xe9\ny,z\n",
		    "2:rejected: field 'b' is not UTF-8: x,\xe9t\xe9\n"
		    "3:{\"a\":\"y\",\"b\":\"z\"}\n");
		t_rec("the first bad cell is the reason", &csv, typed, 0,
		    "i,m,b,t,x\nx,1,maybe,,\n",
		    "2:rejected: field 'i' is not an integer: x,1,maybe,,\n");
		t_rec("rec's non-zero stops and is returned", &csv, NULL, 3,
		    "a\n1\n2\n3\n",
		    "2:{\"a\":\"1\"}\n3:{\"a\":\"2\"}\nrc 42\n");
		t_rec("rej's non-zero stops and is returned", &csv, NULL, 3,
		    "a\n1\n2,2\n3\n",
		    "2:{\"a\":\"1\"}\n3:rejected: 2 fields, the header has 1: "
		    "2,2\nrc 43\n");
		t_rec("error: duplicate header name", &csv, NULL, 0,
		    "\n a,b,c,b\n1,2,3,4\n",
		    "rc -1: line 2: column 4: duplicate name 'b' (column 2)\n");
		t_rec("error: empty header name", &csv, NULL, 0,
		    "a,,c\n1,2,3\n", "rc -1: line 1: column 2: empty name\n");
		t_rec("error: a header that does not parse", &csv, NULL, 0,
		    "a,\"b\n1\n", "rc -1: line 1: unterminated quote\n");
		t_rec("error: a field that names no column", &csv, nocol, 0,
		    "a\n1\n", "rc -1: line 1: no column 'zz' in the header\n");
	}

	t_field("clicks:integer", "clicks|1|(null)");
	t_field("cost:money", "cost|3|(null)");
	t_field("n:number", "n|2|(null)");
	t_field("ok:boolean", "ok|5|(null)");
	t_field("s:string", "s|0|(null)");
	t_field("ts:time", "ts|4|(null)");
	t_field("ts:time:%Y-%m-%d %H:%M", "ts|4|%Y-%m-%d %H:%M");
	t_field("a:b:string", "a:b|0|(null)");
	t_field("Time: UTC:time:%H:%M", "Time: UTC|4|%H:%M");
	t_field("x", "error: want NAME:TYPE");
	t_field("x:float", "error: unknown type (want string, integer, "
	    "number, money, boolean or time[:format])");
	t_field(":integer", "error: empty field name");
	t_field("t:time:", "error: empty time format");

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
