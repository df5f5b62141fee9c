/*
 * match: a libFuzzer target for the matching topics.  The input's first
 * line is a regular expression, the rest a subject.  A regex that PCRE2
 * compiles must match through mp_pat exactly when PCRE2 alone says so
 * (the literal it waits for must never hide a match); a substring must
 * match as a case-folded search says; an address that parses must format
 * and parse back to itself.  Built and run by `make fuzz` (clang).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

static int
folded_has(const char *s, size_t n, const char *w, size_t k)
{
	size_t i, j;

	for (i = 0; i + k <= n; i++) {
		for (j = 0; j < k; j++) {
			int a = (unsigned char)s[i + j], b = (unsigned char)w[j];

			if (a >= 'A' && a <= 'Z')
				a += 32;
			if (b >= 'A' && b <= 'Z')
				b += 32;
			if (a != b)
				break;
		}
		if (j == k)
			return 1;
	}
	return k == 0;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	const char *s = (const char *)data, *nl = memchr(s, '\n', n), *e;
	size_t rn = nl ? (size_t)(nl - s) : n, sn = nl ? n - rn - 1 : 0;
	const char *subj = s + rn + (nl != NULL);
	char err[300], buf[64];
	pcre2_match_data *md;
	struct mp_pat *p;
	pcre2_code *re;
	PCRE2_SIZE off;
	mp_ip ip, ip2, lo, hi;
	int ec, want, got;

	if (mp_ip_parse(s, rn, &ip) == 0) {
		mp_ip_fmt(ip, buf);
		if (mp_ip_parse(buf, strlen(buf), &ip2) < 0 || ip2 != ip)
			abort();
	}
	if (mp_cidr_parse(s, rn, &lo, &hi, &e) == 0 && lo > hi)
		abort();
	if (rn == 0 || rn > 200)
		return 0;
	p = mp_pat_new();
	if (mp_pat_add(p, "x", s, rn, 0, err, sizeof err) < 0 ||
	    mp_pat_build(p, err, sizeof err) < 0)
		abort();
	if ((mp_pat_match(p, subj, sn) == 0) != folded_has(subj, sn, s, rn))
		abort();
	mp_pat_free(p);
	re = pcre2_compile((PCRE2_SPTR)s, rn, PCRE2_CASELESS, &ec, &off, NULL);
	if (re == NULL)
		return 0;
	md = pcre2_match_data_create(1, NULL);
	want = pcre2_match(re, (PCRE2_SPTR)subj, sn, 0, 0, md, NULL);
	p = mp_pat_new();
	if (mp_pat_add(p, "x", s, rn, 1, err, sizeof err) < 0 ||
	    mp_pat_build(p, err, sizeof err) < 0)
		abort();
	got = mp_pat_match(p, subj, sn);
	/* engine errors (limits) aside, the answers must agree */
	if (want >= -1 && got != -2 && (want >= 0) != (got == 0))
		abort();
	mp_pat_free(p);
	pcre2_match_data_free(md);
	pcre2_code_free(re);
	return 0;
}
