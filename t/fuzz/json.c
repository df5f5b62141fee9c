/*
 * json: a libFuzzer target for the scanner and the path walker.  Any
 * input must be checked without a crash; an accepted one must survive
 * lookups, a query and a splice, and the spliced record must check again;
 * its canonical form must check, and be its own canonical form.  Any
 * value (a response body) that checks must walk into elements or members
 * that check too.
 * Built and run by `make fuzz` (clang).
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"

/* The elements or members of a checked value (as mp-fetch walks pages). */
static void
walk(const char *p, size_t n)
{
	struct mp_json_err e;
	struct mp_span v = { p, n }, k, el;
	size_t it = 0;

	while (v.n > 0 && strchr(" \t\r\n", *v.p))
		v.p++, v.n--;
	while (v.n > 0 && strchr(" \t\r\n", v.p[v.n - 1]))
		v.n--;
	if (mp_json_type(&v) == MP_JSON_ARRAY) {
		while (mp_json_elements(v.p, v.n, &it, &el))
			if (el.p < v.p || el.p + el.n > v.p + v.n ||
			    mp_json_check_value(el.p, el.n, &e) < 0)
				abort();
	} else if (mp_json_type(&v) == MP_JSON_OBJECT) {
		while (mp_json_members(v.p, v.n, &it, &k, &el))
			if (mp_json_type(&k) != MP_JSON_STRING ||
			    mp_json_check_value(el.p, el.n, &e) < 0)
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	static struct mp_path *paths;
	static struct mp_query *q;
	static int np;
	struct mp_json_err e;
	struct mp_span v[6];
	struct mp_buf b = { 0 };
	const char *err;
	int i;

	if (q == NULL) {
		if (mp_path_parse_list(".a,.a.b,.a[0],.\"k y\",.x[1].z,.", &paths,
		    &np, &err) < 0)
			abort();
		q = mp_query_new(paths, np);
	}
	if (mp_json_check_value((const char *)data, n, &e) == 0)
		walk((const char *)data, n);
	if (mp_json_check((const char *)data, n, &e) < 0) {
		if (e.off > n)
			abort();
		return 0;
	}
	mp_query_run(q, (const char *)data, n, v);
	for (i = 0; i < np; i++) {
		struct mp_span g;
		int found = mp_json_get((const char *)data, n, &paths[i], &g);

		if (found != (v[i].n > 0) || (found && (g.p != v[i].p ||
		    g.n != v[i].n)))
			abort();
		if (found && mp_json_type(&g) == MP_JSON_STRING) {
			mp_buf_str(&b);
			b.len = 0;
			mp_json_str_decode(&g, &b);
			if (!mp_utf8_valid(b.p, b.len))
				abort();
		}
	}
	for (i = 0; i < np - 1; i++) {
		b.len = 0;
		if (mp_json_splice((const char *)data, n, &paths[i], "[1]", 3,
		    &b) == 0 && mp_json_check(b.p, b.len, &e) < 0)
			abort();
	}
	{
		struct mp_buf c1 = { 0 }, c2 = { 0 };

		mp_json_canon((const char *)data, n, paths, np, &c1);
		if (mp_json_check(c1.p, c1.len, &e) < 0)
			abort();
		b.len = 0;
		mp_json_canon((const char *)data, n, NULL, 0, &b);
		mp_json_canon(b.p, b.len, NULL, 0, &c2);
		if (c2.len != b.len || memcmp(c2.p, b.p, b.len) != 0)
			abort();
		mp_buf_free(&c1);
		mp_buf_free(&c2);
	}
	mp_buf_free(&b);
	return 0;
}
