/*
 * text: a libFuzzer target for the small grammars of outside text: money
 * amounts and exchange rates, RFC 3339 times (mp-fetch's state file is
 * one), durations, sizes, integers, PostgreSQL's numeric fit, text in
 * the encodings report files come in, and what options name: paths,
 * CSV fields (NAME:TYPE) and [schema.]table names.  The input is the text; its first
 * byte also picks an encoding and numbers for the checks.  An amount or
 * time that parses must format and parse back to itself; a split amount
 * must sum back to the whole; converted text must be valid UTF-8.
 * Built and run by `make fuzz` (clang).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

static void
money(const char *s, size_t n, unsigned k)
{
	int64_t m, m2, r, part, sum = 0, parts;
	const char *errstr;
	char buf[64];
	int scale, i;

	if (mp_money_parse(s, n, &m, &errstr) == 0) {
		mp_money_fmt(m, buf);
		if (mp_money_parse(buf, strlen(buf), &m2, &errstr) != 0 ||
		    m2 != m)
			abort();
		mp_money_fmt_places(m, k % 7, buf);
		if (mp_money_parse(buf, strlen(buf), &m2, &errstr) != 0 ||
		    m2 != m)
			abort();
		parts = k % 13 + 1;
		for (i = 0; i < parts; i++) {
			part = mp_money_share(m, i, parts);
			sum += part;
		}
		if (sum != m)
			abort();
		if (mp_rate_parse("1.0825", 6, &r, &scale, &errstr) != 0)
			abort();
		(void)mp_money_convert(m, r, scale, &m2);
	} else if (errstr == NULL)
		abort();
	if (mp_rate_parse(s, n, &r, &scale, &errstr) == 0) {
		if (r < 0 || scale < 0 || scale > 12)
			abort();
		(void)mp_money_convert(k & 1 ? INT64_MAX : -123456789, r, scale,
		    &m2);
	}
	i = mp_money_fit(s, n, k % 40 + 1, k % 7);
	if (i != 0 && i != MP_MONEY_DECIMALS && i != MP_MONEY_DIGITS)
		abort();
}

static void
times(const char *s, size_t n)
{
	int64_t us, us2, secs;
	char buf[64];

	if (mp_time_parse(s, n, &us) != 0)
		return;
	secs = us / 1000000 - (us % 1000000 < 0);
	mp_time_fmt(secs, buf);
	if (mp_time_parse(buf, strlen(buf), &us2) != 0 ||
	    us2 != secs * 1000000)
		abort();
}

static void
numbers(const char *s)
{
	const char *errstr;
	long long v;
	int64_t us;

	if (mp_duration_parse(s, &us, &errstr) == 0) {
		if (us < 0)
			abort();
	} else if (errstr == NULL)
		abort();
	if (mp_parse_size(s, 1, 1LL << 40, &v, &errstr) == 0) {
		if (v < 1 || v > 1LL << 40)
			abort();
	} else if (errstr == NULL)
		abort();
	if (mp_strtonum(s, -5, 5, &v, &errstr) == 0 && (v < -5 || v > 5))
		abort();
}

static void
names(const char *s)
{
	struct mp_csvfield f = { 0 };
	struct mp_path p = { 0 }, *v = NULL;
	const char *errstr;
	char *schema, *table;
	int n = 0, i;

	if (mp_path_parse(s, &p, &errstr) == 0) {
		if (p.text == NULL || p.nseg < 0)
			abort();
		mp_path_free(&p);
	}
	if (mp_path_parse_list(s, &v, &n, &errstr) < 0 && errstr == NULL)
		abort();
	for (i = 0; i < n; i++)
		mp_path_free(&v[i]);
	free(v);
	if (mp_csv_field_parse(s, &f, &errstr) == 0) {
		if (f.name == NULL || f.type < MP_CSV_STRING ||
		    f.type > MP_CSV_BOOLEAN)
			abort();
		free(f.name);
		free(f.fmt);
	}
	if (mp_pg_qualname(s, &schema, &table) == 0) {
		if (table == NULL)
			abort();
		free(schema);
		free(table);
	}
}

static void
encodings(const char *s, size_t n, unsigned k)
{
	static const char *const enc[] = {
		NULL, "utf-8", "utf-16le", "utf-16be", "windows-1252",
		"iso-8859-1", "utf-16", "UTF-8",
	};
	struct mp_buf out = { 0 }, err = { 0 };

	mp_buf_adds(&out, "x");
	if (mp_text_utf8(s, n, enc[k % 8], &out, &err) == 0) {
		if (!mp_utf8_valid(out.p, out.len) || out.p[0] != 'x')
			abort();
	} else if (err.len == 0 || out.len != 1)
		abort();
	mp_buf_free(&out);
	mp_buf_free(&err);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	const char *s = (const char *)data + 1;
	unsigned k;
	char *z;

	if (n < 1)
		return 0;
	k = data[0];
	n--;
	money(s, n, k);
	times(s, n);
	z = xstrndup(s, n);
	numbers(z);
	names(z);
	free(z);
	encodings(s, n, k);
	return 0;
}
