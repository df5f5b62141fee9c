/*
 * 0001-libmp: unit tests of libmp's pure parts, as TAP: path lookup and
 * splicing round trips, queries, money, time, base64, options, schema
 * attributes.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp.h"
#include "tap.h"

/* The value at path in rec, as text, or "(absent)" or "(bad path)". */
static const char *
get(const char *rec, const char *path)
{
	static char out[256];
	struct mp_path p;
	struct mp_span v;
	const char *err;

	if (mp_path_parse(path, &p, &err) < 0)
		return "(bad path)";
	if (!mp_json_get(rec, strlen(rec), &p, &v))
		strcpy(out, "(absent)");
	else
		snprintf(out, sizeof out, "%.*s", (int)v.n, v.p);
	mp_path_free(&p);
	return out;
}

static void
t_get(const char *rec, const char *path, const char *want)
{
	const char *got = get(rec, path);

	ok(strcmp(got, want) == 0, "get %s in %s: %s", path, rec, got);
}

static void
t_splice(const char *rec, const char *path, const char *val,
    const char *want)
{
	struct mp_buf b = { 0 };
	struct mp_json_err e;
	struct mp_path p;
	const char *err, *got;
	int rc;

	if (mp_path_parse(path, &p, &err) < 0) {
		ok(0, "splice: bad path %s", path);
		return;
	}
	rc = mp_json_splice(rec, strlen(rec), &p, val, strlen(val), &b);
	got = rc < 0 ? "(error)" : mp_buf_str(&b);
	ok(strcmp(got, want) == 0, "splice %s=%s into %s: %s", path, val, rec,
	    got);
	/* a spliced record is still one valid object with the value in it */
	if (rc == 0) {
		ok(mp_json_check(b.p, b.len, &e) == 0 &&
		    strcmp(get(b.p, path), val) == 0,
		    "spliced record is valid and round-trips %s", path);
	}
	mp_path_free(&p);
	mp_buf_free(&b);
}

static void
t_money(const char *s, int64_t want, int valid)
{
	const char *err;
	int64_t v = 0;
	char buf[32];
	int rc = mp_money_parse(s, strlen(s), &v, &err);

	if (!valid) {
		ok(rc < 0, "money '%s' rejected (%s)", s, rc < 0 ? err : "");
		return;
	}
	ok(rc == 0 && v == want, "money '%s' = %lld micro", s, (long long)v);
	mp_money_fmt(v, buf);
	ok(mp_money_parse(buf, strlen(buf), &v, &err) == 0 && v == want,
	    "money %lld prints as '%s' and reads back", (long long)want, buf);
}

/* mp_money_fit(s, 19, 6), or the precision and scale given */
static void
t_fit(const char *s, int prec, int scale, int want)
{
	ok(mp_money_fit(s, strlen(s), prec, scale) == want,
	    "'%s' into numeric(%d,%d): %s", s, prec, scale,
	    want == MP_MONEY_DECIMALS ? "too many decimals" :
	    want == MP_MONEY_DIGITS ? "too many digits" : "taken as it is");
}

/* A schema of the lines given; NULL when it does not load. */
static struct mp_schema *
schema(const char *lines)
{
	char name[] = "/tmp/mp-0001.XXXXXX";
	struct mp_schema *s;
	int fd;

	if ((fd = mkstemp(name)) < 0)
		return NULL;
	if (write(fd, lines, strlen(lines)) != (ssize_t)strlen(lines)) {
		close(fd);
		return NULL;
	}
	close(fd);
	s = mp_schema_load(name);
	unlink(name);
	return s;
}

/* Whether the schema is refused; its message is not shown. */
static int
refused(const char *lines)
{
	struct mp_schema *s;
	int e = dup(2), null = open("/dev/null", O_WRONLY);

	dup2(null, 2);
	s = schema(lines);
	dup2(e, 2);
	close(e);
	close(null);
	mp_schema_free(s);
	return s == NULL;
}

/* The record against the schema: "ok", or the reason. */
static void
t_check(struct mp_schema *s, const char *rec, const char *want)
{
	struct mp_buf why = { 0 };
	const char *got;

	got = s && mp_schema_check(s, rec, strlen(rec), &why) < 0 ?
	    mp_buf_str(&why) : s ? "ok" : "(no schema)";
	ok(strcmp(got, want) == 0, "%s: %s%s%s", rec, got,
	    strcmp(got, want) ? ", want " : "", strcmp(got, want) ? want : "");
	mp_buf_free(&why);
}

static void
t_schema(void)
{
	struct mp_schema *s;

	s = schema("field .id string required nonblank max=8\n"
	    "field .c string min=2 max=3\nfield .a array min=2\n"
	    "field .o string nonblank\n");
	ok(s != NULL, "schema with nonblank and min= loads");
	t_check(s, "{\"id\":\"x\"}", "ok");
	t_check(s, "{\"id\":\"\"}", "field '.id' is empty");
	t_check(s, "{\"id\":\" \\t\\n \"}", "field '.id' is blank");
	t_check(s, "{\"id\":\"\\u0000\"}", "ok");
	t_check(s, "{\"id\":\" x \"}", "ok");
	t_check(s, "{\"id\":null}", "field '.id' is null");
	t_check(s, "{}", "missing field '.id'");
	t_check(s, "{\"id\":\"x\",\"o\":null}", "ok");
	t_check(s, "{\"id\":\"x\",\"o\":\"\"}", "field '.o' is empty");
	t_check(s, "{\"id\":\"x\",\"c\":\"\"}", "field '.c' is empty");
	t_check(s, "{\"id\":\"x\",\"c\":\"a\"}",
	    "field '.c' is shorter than 2 characters");
	t_check(s, "{\"id\":\"x\",\"c\":\"\u00e9\"}",
	    "field '.c' is shorter than 2 characters");
	t_check(s, "{\"id\":\"x\",\"c\":\"\u00e9\u00e9\"}", "ok");
	t_check(s, "{\"id\":\"x\",\"c\":\"abcd\"}",
	    "field '.c' is longer than 3 characters");
	t_check(s, "{\"id\":\"x\",\"a\":[1]}",
	    "field '.a' has fewer than 2 elements");
	t_check(s, "{\"id\":\"x\",\"a\":[1,[]]}", "ok");
	mp_schema_free(s);
	ok(refused("field .n integer nonblank\n"),
	    "nonblank on an integer: refused");
	ok(refused("field .n time min=1\n"),
	    "min= on a time: refused");
	ok(refused("field .n string min=0\n"), "min=0: refused");
	ok(refused("field .n string min=3 max=2\n"),
	    "min= above max=: refused");
}

static void
t_time(const char *s, int64_t want, int valid)
{
	int64_t v = 0;
	int rc = mp_time_parse(s, strlen(s), &v);

	if (valid)
		ok(rc == 0 && v == want, "time '%s' = %lld", s, (long long)v);
	else
		ok(rc < 0, "time '%s' rejected", s);
}

static void
t_b64(const char *in, const char *want)
{
	struct mp_buf b = { 0 };
	unsigned char carry[3];
	int nc = 0;
	size_t i, len = strlen(in);

	/* byte by byte, to exercise the carry between pieces */
	for (i = 0; i < len; i++)
		mp_buf_base64(&b, in + i, 1, carry, &nc, 0);
	mp_buf_base64(&b, "", 0, carry, &nc, 1);
	ok(strcmp(mp_buf_str(&b), want) == 0, "base64 '%s' = %s", in, b.p);
	mp_buf_free(&b);
}

static void
t_query(void)
{
	const char *rec = "{\"a\":1,\"b\":{\"c\":[10,{\"d\":\"x\"}],\"e\":2},"
	    "\"k\\u0065y\":3,\"last\":null}";
	const char *list = ".b.c[1].d,.a,.missing,.b.e,.key,.last,.b";
	const char *want[] = { "\"x\"", "1", "", "2", "3", "null",
	    "{\"c\":[10,{\"d\":\"x\"}],\"e\":2}" };
	struct mp_path *paths = NULL;
	struct mp_span v[7];
	struct mp_query *q;
	const char *err;
	int np = 0, i;

	ok(mp_path_parse_list(list, &paths, &np, &err) == 0 && np == 7,
	    "parse list of 7 paths");
	q = mp_query_new(paths, np);
	mp_query_run(q, rec, strlen(rec), v);
	for (i = 0; i < np; i++)
		ok(v[i].n == strlen(want[i]) && (v[i].n == 0 ||
		    memcmp(v[i].p, want[i], v[i].n) == 0), "query %s = %s",
		    paths[i].text, want[i]);
	mp_query_free(q);
	for (i = 0; i < np; i++)
		mp_path_free(&paths[i]);
	free(paths);
}

int
main(void)
{
	const char *r = "{\"a\":{\"b\":[1,{\"c\":2}]},\"odd key\":\"v\","
	    "\"esc\\\"q\":true, \"x\" : [ ] }";
	long long ll;
	const char *err;

	mp_prog = "0001-libmp";

	t_get(r, ".a.b[1].c", "2");
	t_get(r, ".a.b[0]", "1");
	t_get(r, ".a.b[2]", "(absent)");
	t_get(r, ".a.b", "[1,{\"c\":2}]");
	t_get(r, ".\"odd key\"", "\"v\"");
	t_get(r, ".[\"odd key\"]", "\"v\"");
	t_get(r, ".\"esc\\\"q\"", "true");
	t_get(r, ".x", "[ ]");
	t_get(r, ".a.b.c", "(absent)");
	t_get(r, ".nope", "(absent)");
	t_get(r, ".", r);
	t_get("{\"\\u00e9t\\u00e9\":1}", ".\"\xc3\xa9t\xc3\xa9\"", "1");
	t_get(r, "a.b", "(bad path)");
	t_get(r, ".a..b", "(bad path)");
	t_get(r, ".a[x]", "(bad path)");
	t_get(r, ".\"open", "(bad path)");

	t_splice("{\"a\":1}", ".b", "2", "{\"a\":1,\"b\":2}");
	t_splice("{}", ".b", "\"x\"", "{\"b\":\"x\"}");
	t_splice("{ }", ".b", "2", "{ \"b\":2}");
	t_splice("{\"a\":1,\"b\":2}", ".a", "\"new\"",
	    "{\"a\":\"new\",\"b\":2}");
	t_splice("{\"a\":{\"x\":1}}", ".a.y", "true",
	    "{\"a\":{\"x\":1,\"y\":true}}");
	t_splice("{\"a\":1}", ".p.q.r", "0", "{\"a\":1,\"p\":{\"q\":{\"r\":0}}}");
	t_splice("{\"a\":[1,2]}", ".a[1]", "9", "{\"a\":[1,9]}");
	t_splice("{\"a\":[1,2]}", ".a[5]", "9", "(error)");
	t_splice("{\"a\":1}", ".a.b", "9", "(error)");
	t_splice("{\"a\":1}", ".", "9", "(error)");
	t_splice("{\"a\":1}", ".\"odd \\\"k\\\"\"", "1",
	    "{\"a\":1,\"odd \\\"k\\\"\":1}");
	t_splice("{\"t\":\"caf\xc3\xa9\",\"n\":1.50}", ".cost", "0.25",
	    "{\"t\":\"caf\xc3\xa9\",\"n\":1.50,\"cost\":0.25}");

	t_query();

	t_money("0", 0, 1);
	t_money("1.5", 1500000, 1);
	t_money("-0.000001", -1, 1);
	t_money("12.345678", 12345678, 1);
	t_money("9223372036853.999999", 9223372036853999999LL, 1);
	t_money("1.2345678", 0, 0);
	t_money("9223372036854", 0, 0);
	t_money("01.5", 0, 0);
	t_money("1.", 0, 0);
	t_money(".5", 0, 0);
	t_money("1e3", 0, 0);
	t_money("+1", 0, 0);

	t_fit("1.000001", 19, 6, 0);
	t_fit("1.0000005", 19, 6, MP_MONEY_DECIMALS);
	t_fit("0.0000004", 19, 6, MP_MONEY_DECIMALS);
	t_fit("-0.0000004", 19, 6, MP_MONEY_DECIMALS);
	t_fit("1.50000000000", 19, 6, 0);
	t_fit("0.000000000", 19, 6, 0);
	t_fit("-0", 19, 6, 0);
	t_fit("1e-7", 19, 6, MP_MONEY_DECIMALS);
	t_fit("1E-6", 19, 6, 0);
	t_fit("1.5e2", 19, 6, 0);
	t_fit("1.23456789e2", 19, 6, 0);
	t_fit("1.234567891e2", 19, 6, MP_MONEY_DECIMALS);
	t_fit("100e-8", 19, 6, 0);
	t_fit("123e-8", 19, 6, MP_MONEY_DECIMALS);
	t_fit("9999999999999.999999", 19, 6, 0);
	t_fit("-9999999999999.999999", 19, 6, 0);
	t_fit("10000000000000", 19, 6, MP_MONEY_DIGITS);
	t_fit("00000000000001.5", 19, 6, 0);
	t_fit("1e13", 19, 6, MP_MONEY_DIGITS);
	t_fit("1e12", 19, 6, 0);
	t_fit("1e20", 19, 6, MP_MONEY_DIGITS);
	t_fit("1e999999999999", 19, 6, MP_MONEY_DIGITS);
	t_fit("1e-999999999999", 19, 6, MP_MONEY_DECIMALS);
	t_fit(" +1.0000005 ", 19, 6, MP_MONEY_DECIMALS);
	t_fit("1e +2", 19, 6, 0);
	t_fit(".5", 19, 6, 0);
	t_fit("5.", 19, 6, 0);
	t_fit(".0000005", 19, 6, MP_MONEY_DECIMALS);
	t_fit("1_000.000_000_5", 19, 6, MP_MONEY_DECIMALS);
	t_fit("1.5", 10, 0, MP_MONEY_DECIMALS);
	t_fit("1500", 5, -2, 0);
	t_fit("1550", 5, -2, MP_MONEY_DECIMALS);
	t_fit("0.0005", 3, 5, 0);
	t_fit("0.01", 3, 5, MP_MONEY_DIGITS);
	t_fit("0.00999", 3, 5, 0);
	t_fit("abc", 19, 6, 0);
	t_fit("NaN", 19, 6, 0);
	t_fit("1.0000005x", 19, 6, 0);
	t_fit("1..5", 19, 6, 0);
	t_fit("", 19, 6, 0);
	t_money("", 0, 0);

	t_time("1970-01-01T00:00:00Z", 0, 1);
	t_time("2026-11-20T13:04:05.123Z", 1795179845123000LL, 1);
	t_time("2026-11-20T14:04:05.123+01:00", 1795179845123000LL, 1);
	t_time("2026-11-20t13:04:05.1234567z", 1795179845123456LL, 1);
	t_time("2024-02-29T00:00:00Z", 1709164800000000LL, 1);
	t_time("2016-12-31T23:59:60Z", 1483228800000000LL, 1);
	t_time("2023-02-29T00:00:00Z", 0, 0);
	t_time("2026-11-20 13:04:05Z", 0, 0);
	t_time("2026-11-20T13:04:05", 0, 0);
	t_time("2026-11-20T24:00:00Z", 0, 0);
	t_time("2026-13-01T00:00:00Z", 0, 0);
	t_time("2026-11-20T13:04:05.Z", 0, 0);
	t_time("2026-11-20T13:04:05+0100", 0, 0);
	t_time("2026-11-20T13:04:05Zjunk", 0, 0);
	t_time("0000-01-01T00:00:00Z", -62167219200000000LL, 1);
	t_time("9999-12-31T23:59:59.999999Z", 253402300799999999LL, 1);
	t_time("0000-01-01T00:30:00+01:00", 0, 0);	/* year -1 in UTC */
	t_time("9999-12-31T23:30:00-01:00", 0, 0);	/* 10000 in UTC */
	t_time("9999-12-31T23:59:60Z", 0, 0);
	{
		char buf[32];

		ok(strcmp(mp_time_fmt(-62135596800LL, buf),
		    "0001-01-01T00:00:00Z") == 0, "a year before 1000 has "
		    "four digits: %s", buf);
	}

	t_b64("", "");
	t_b64("f", "Zg==");
	t_b64("fo", "Zm8=");
	t_b64("foo", "Zm9v");
	t_b64("foobar", "Zm9vYmFy");

	ok(mp_parse_size("1M", 0, 1LL << 40, &ll, &err) == 0 &&
	    ll == 1048576, "size 1M");
	ok(mp_parse_size("64KiB", 0, 1LL << 40, &ll, &err) < 0,
	    "size 64KiB rejected");
	ok(mp_parse_size("2k", 0, 1LL << 40, &ll, &err) == 0 && ll == 2048,
	    "size 2k");
	ok(mp_strtonum("12x", 0, 100, &ll, &err) < 0, "12x is no number");
	ok(mp_strtonum("101", 0, 100, &ll, &err) < 0 &&
	    strcmp(err, "too large") == 0, "101 too large");
	ok(mp_strtonum("99999999999999999999", 0, 100, &ll, &err) < 0,
	    "huge number rejected");

	t_schema();
	return done();
}
