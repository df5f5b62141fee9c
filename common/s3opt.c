/*
 * s3opt.c: the --s3-* options that mp-archive and mp-fetch share, so
 * that both read endpoint, region, addressing and credentials the same
 * way.
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"

int
mp_s3_opt(struct mp_s3 *s3, int c, int base, const char *arg,
    const char *usage)
{
	const char *errstr;
	long long v;
	int st;

	switch (c - base) {
	case MP_S3_OPT_ENDPOINT:
		free(s3->endpoint);
		s3->endpoint = xstrdup(arg);
		return 1;
	case MP_S3_OPT_REGION:
		free(s3->region);
		s3->region = xstrdup(arg);
		return 1;
	case MP_S3_OPT_ADDRESSING:
		if (strcmp(arg, "path") == 0)
			s3->style = MP_S3_PATH;
		else if (strcmp(arg, "virtual") == 0)
			s3->style = MP_S3_VIRTUAL;
		else {
			mp_warnx("--s3-addressing: '%s': path or virtual",
			    arg);
			mp_usage(usage);
		}
		return 1;
	case MP_S3_OPT_CREDENTIALS:
		if ((st = mp_s3_credentials(s3, arg)) != 0)
			exit(st);
		return 1;
	case MP_S3_OPT_PART_SIZE:
		if (mp_parse_size(arg, 5LL << 20, 5LL << 30, &v,
		    &errstr) < 0) {
			mp_warnx("--s3-part-size: '%s': %s (5M to 5G)", arg,
			    errstr);
			mp_usage(usage);
		}
		s3->part_size = v;
		return 1;
	case MP_S3_OPT_RETRIES:
		v = mp_opt_number("--s3-retries", arg, 0, 100, usage);
		s3->retries = v == 0 ? -1 : (int)v;
		return 1;
	}
	return 0;
}
