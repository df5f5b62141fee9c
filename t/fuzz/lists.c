/*
 * lists: a libFuzzer target for list files: bot lists ("FAMILY PATTERN"
 * lines, mp_pat_load), CIDR lists (mp_cidr_load) and the line reader
 * under both (mp_lines).  The first byte picks the kind; the rest is the
 * file.  Any file must load or be refused without a crash or a leak; the
 * lines read are trimmed and are no comments; a CIDR list's ranges hold
 * their first and last addresses, and each address that parses on a line
 * is found in the set.  Built and run by `make fuzz` (clang).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp.h"

static char file[64];

static void
lines(void)
{
	struct mp_lines l;
	char *s;
	size_t k;
	int rc;

	if (mp_lines_open(&l, file) != 0)
		abort();
	while ((s = mp_lines_next(&l, &rc)) != NULL) {
		k = strlen(s);
		if (k == 0 || *s == '#' || *s == ' ' || *s == '\t' ||
		    s[k - 1] == ' ' || s[k - 1] == '\t' || s[k - 1] == '\r' ||
		    strchr(s, '\n') || l.line < 1)
			abort();
	}
	if (rc != 0 && rc != MP_EX_CONFIG)
		abort();
	mp_lines_close(&l);
}

static void
cidrs(void)
{
	struct mp_cidr *c = mp_cidr_new();
	struct mp_lines l;
	const char *e;
	mp_ip lo, hi;
	char *s;
	int rc;

	if (mp_cidr_load(c, file, 3) == 0) {
		mp_cidr_build(c);
		if (mp_lines_open(&l, file) != 0)
			abort();
		while ((s = mp_lines_next(&l, &rc)) != NULL) {
			if (mp_cidr_parse(s, strlen(s), &lo, &hi, &e) < 0)
				continue;
			if (lo > hi || mp_cidr_find(c, lo) != 3 ||
			    mp_cidr_find(c, hi) != 3)
				abort();
		}
		mp_lines_close(&l);
		if (mp_cidr_count(c) > 100000)
			abort();
	}
	mp_cidr_free(c);
}

static void
pats(const char *subj, size_t n)
{
	struct mp_pat *p = mp_pat_new();
	char err[300];
	int i;

	if (mp_pat_load(p, file) == 0 &&
	    mp_pat_build(p, err, sizeof err) == 0) {
		i = mp_pat_match(p, subj, n);
		if (i < -2 || i >= mp_pat_count(p) ||
		    (i >= 0 && mp_pat_label(p, i) == NULL))
			abort();
		i = mp_pat_match(p, "Mozilla/5.0 (compatible; bingbot/2.0)",
		    38);
		if (i < -2 || i >= mp_pat_count(p))
			abort();
	}
	mp_pat_free(p);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	FILE *f;

	if (n < 1)
		return 0;
	if (file[0] == '\0')
		snprintf(file, sizeof file, "/tmp/mp-fuzz-list.%ld",
		    (long)getpid());
	if ((f = fopen(file, "w")) == NULL || (n > 1 &&
	    fwrite(data + 1, 1, n - 1, f) != n - 1) || fclose(f) != 0)
		abort();
	switch (data[0] % 3) {
	case 0:
		lines();
		break;
	case 1:
		cidrs();
		break;
	default:
		pats((const char *)data + 1, n - 1);
		break;
	}
	unlink(file);
	return 0;
}
