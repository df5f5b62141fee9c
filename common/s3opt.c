/*
 * s3opt.c: the --s3-* options that mp-archive and mp-fetch share, so
 * that both read endpoint, region, addressing and credentials the same
 * way: entries of an option table (MP_S3_OPT_TABLE).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

/* The options as table entries (MP_S3_OPT_TABLE): ctx is the mp_s3. */
int
mp_s3_opt_endpoint(void *ctx, const char *arg, const char **errstr)
{
	struct mp_s3 *s3 = ctx;

	(void)errstr;
	free(s3->endpoint);
	s3->endpoint = xstrdup(arg);
	return 0;
}

int
mp_s3_opt_region(void *ctx, const char *arg, const char **errstr)
{
	struct mp_s3 *s3 = ctx;

	(void)errstr;
	free(s3->region);
	s3->region = xstrdup(arg);
	return 0;
}

int
mp_s3_opt_addressing(void *ctx, const char *arg, const char **errstr)
{
	struct mp_s3 *s3 = ctx;

	if (strcmp(arg, "path") == 0)
		s3->style = MP_S3_PATH;
	else if (strcmp(arg, "virtual") == 0)
		s3->style = MP_S3_VIRTUAL;
	else {
		*errstr = "path or virtual";
		return -1;
	}
	return 0;
}

int
mp_s3_opt_credentials(void *ctx, const char *arg, const char **errstr)
{
	int st;

	(void)errstr;
	if ((st = mp_s3_credentials(ctx, mp_opt_arg_path(arg))) != 0)
		exit(st);
	return 0;
}

int
mp_s3_opt_part_size(void *ctx, const char *arg, const char **errstr)
{
	struct mp_s3 *s3 = ctx;
	long long v;

	static char why[64];

	if (mp_parse_size(arg, 5LL << 20, 5LL << 30, &v, errstr) < 0) {
		snprintf(why, sizeof why, "%s (5M to 5G)", *errstr);
		*errstr = why;
		return -1;
	}
	s3->part_size = v;
	return 0;
}

int
mp_s3_opt_retries(void *ctx, const char *arg, const char **errstr)
{
	struct mp_s3 *s3 = ctx;
	long long v;

	static char why[64];

	if (mp_strtonum(arg, 0, 100, &v, errstr) < 0) {
		snprintf(why, sizeof why, "%s (0 to 100)", *errstr);
		*errstr = why;
		return -1;
	}
	s3->retries = v == 0 ? -1 : (int)v;
	return 0;
}

