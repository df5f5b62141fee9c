/*
 * csv: a libFuzzer target for the CSV and TSV reader and for CSV made
 * into records.  The first byte picks the separator, quoting and typed
 * fields; the rest is the text.  Any text must be read without a crash;
 * with quotes, the records read, written back quoted, must read back the
 * same; every record mp_csv_records makes must be one JSON object.
 * Built and run by `make fuzz` (clang).
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"

static const int seps[] = { 0, ',', ';', '\t', '|', ',', ';', '\t' };

/* Writes a record back, every field quoted, and reads it again. */
static void
roundtrip(struct mp_span *f, int n, int sep)
{
	struct mp_buf b = { 0 };
	struct mp_span *g;
	struct mp_csv c;
	size_t j;
	int i, m;

	for (i = 0; i < n; i++) {
		if (i > 0)
			mp_buf_addc(&b, sep);
		mp_buf_addc(&b, '"');
		for (j = 0; j < f[i].n; j++) {
			if (f[i].p[j] == '"')
				mp_buf_addc(&b, '"');
			mp_buf_addc(&b, f[i].p[j]);
		}
		mp_buf_addc(&b, '"');
	}
	mp_buf_addc(&b, '\n');
	if (mp_csv_open_mem(&c, "again", b.p, b.len, sep, 1) != 0)
		abort();
	if ((m = mp_csv_next(&c, &g)) != n)
		abort();
	for (i = 0; i < n; i++)
		if (g[i].n != f[i].n || memcmp(g[i].p, f[i].p, f[i].n) != 0)
			abort();
	if (mp_csv_next(&c, &g) != 0)
		abort();
	mp_csv_close(&c);
	mp_buf_free(&b);
}

static int
rec(void *arg, const char *p, size_t n, long long line)
{
	struct mp_json_err e;

	(void)arg;
	if (line < 1 || mp_json_check(p, n, &e) < 0)
		abort();
	return 0;
}

static int
rej(void *arg, long long line, const char *why, const char *p, size_t n)
{
	(void)arg;
	(void)p;
	(void)n;
	if (line < 1 || why == NULL || *why == '\0')
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	static struct mp_csvfield fields[] = {
		{ "a", MP_CSV_INTEGER, NULL }, { "b", MP_CSV_NUMBER, NULL },
		{ "c", MP_CSV_MONEY, NULL }, { "d", MP_CSV_BOOLEAN, NULL },
		{ "e", MP_CSV_TIME, NULL }, { "f", MP_CSV_TIME, "%d/%m/%Y %H:%M" },
		{ "g", MP_CSV_STRING, NULL },
	};
	const char *s = (const char *)data + 1;
	struct mp_csvrec o = { 0 };
	struct mp_buf why = { 0 };
	struct mp_span *f;
	struct mp_csv c;
	int mode, sep, quote, k, nrec = 0;

	if (n < 1)
		return 0;
	mode = data[0];
	n--;
	sep = seps[mode & 7];
	quote = sep != '\t' || (mode & 8);
	if (mp_csv_open_mem(&c, "fuzz", s, n, sep, quote) != 0)
		abort();
	while ((k = mp_csv_next(&c, &f)) > 0) {
		if (++nrec > 1000)
			break;
		if (quote)
			roundtrip(f, k, c.sep);
	}
	if (k < 0 && *mp_csv_error(&c) == '\0')
		abort();
	mp_csv_close(&c);

	o.sep = sep;
	o.quote = quote;
	o.skip = mode >> 6;
	o.decimal_comma = (mode >> 4) & 1;
	if (mode & 32) {
		o.field = fields;
		o.nfield = sizeof fields / sizeof fields[0];
	}
	if (mp_csv_records(s, n, &o, rec, rej, NULL, &why) < 0 &&
	    why.len == 0)
		abort();
	mp_buf_free(&why);
	return 0;
}
