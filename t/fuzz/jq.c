/*
 * jq: a libFuzzer target for response bodies handed to jq (mp-fetch's
 * --records program) and records handed to jq programs (mp-enrich's
 * maps): mp_jq_each, mp_jq_map and mp_jq_first over any text.  None may
 * crash or leak; what mp_jq_map makes is one JSON object.  Memory that
 * libjq allocates is left out of the leak checks: Debian's libjq 1.6
 * parser leaks a string on some bad input (jq's bug, not ours).
 * Built and run by `make fuzz` (clang).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

const char *__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libjq.so\n";
}

static int
each(void *arg, const char *p, size_t n)
{
	(*(int *)arg)++;
	if (n == 0 || memchr(p, '\n', n))
		abort();
	return *(int *)arg > 1000;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	static struct mp_jq *q[3];
	struct mp_buf out = { 0 }, err = { 0 };
	struct mp_json_err e;
	const char *s = (const char *)data;
	int i, k;

	if (q[0] == NULL) {
		q[0] = mp_jq_new(".data[]?, .[]?", &err);
		q[1] = mp_jq_new("{a: .a, n: ((.n // 0) / 100), s: .s}", &err);
		q[2] = mp_jq_new(".id // .a.b", &err);
		if (!q[0] || !q[1] || !q[2]) {
			fprintf(stderr, "jq: %s\n", mp_buf_str(&err));
			abort();
		}
	}
	k = 0;
	(void)mp_jq_each(q[0], s, n, each, &k, &err);
	if (mp_json_check(s, n, &e) == 0) {
		if (mp_jq_map(q[1], s, n, &out) == 0 &&
		    mp_json_check(out.p, out.len, &e) < 0)
			abort();
		for (i = 0; i < 2; i++)
			(void)mp_jq_first(q[2], s, n, 1, &out);
	}
	mp_buf_free(&out);
	mp_buf_free(&err);
	return 0;
}
