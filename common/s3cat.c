/*
 * s3cat.c: reading back what mp-archive uploaded: the objects under a
 * prefix, decompressed, nothing added to their lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

struct s3obj {
	struct mp_s3 *s3;
	struct mp_zst_reader *z;
	const char *bucket;
	long long off, lines, objects, bytes;
	int	 kind;		/* 0 not known yet, 1 zstd, 2 plain */
	int	 progress;
	const char *err;
};

static int
out(void *arg, const char *p, size_t n)
{
	struct s3obj *o = arg;
	const char *q;

	for (q = p; (q = memchr(q, '\n', n - (size_t)(q - p))) != NULL; q++)
		o->lines++;
	if (n > 0 && fwrite_unlocked(p, 1, n, stdout) != n)
		mp_err(MP_EX_IOERR, "stdout");
	return 0;
}

static int
chunk(const void *p, size_t n, void *arg)
{
	struct s3obj *o = arg;

	if (o->kind == 0)
		o->kind = n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0 ?
		    1 : 2;
	o->off += (long long)n;
	if (o->kind == 2)
		return out(o, p, n);
	return mp_zst_reader_feed(o->z, p, n, &o->err) < 0 ? MP_EX_DATAERR : 0;
}

static int
each(const char *key, long long size, void *arg)
{
	struct s3obj *o = arg;
	int st;

	(void)size;
	o->off = 0;
	o->kind = 0;
	o->err = NULL;
	mp_zst_reader_reset(o->z);
	if ((st = mp_s3_get(o->s3, o->bucket, key, chunk, o)) != 0) {
		if (o->err)
			mp_errx(st, "s3://%s/%s: %s", o->bucket, key, o->err);
		mp_errx(st, "%s", o->s3->err);
	}
	if (o->kind == 1 && mp_zst_reader_end(o->z, &o->err) < 0)
		mp_errx(MP_EX_DATAERR, "s3://%s/%s: %s", o->bucket, key,
		    o->err);
	o->objects++;
	o->bytes += o->off;
	if (o->progress)
		mp_progress_show("%lld objects, %lld lines, %.1f MiB",
		    o->objects, o->lines, o->bytes / 1048576.0);
	return mp_interrupted() ? 128 : 0;
}

int
mp_s3cat(struct mp_s3 *s3, const char *url, struct mp_run *run, int progress)
{
	struct s3obj o = { 0 };
	char *bucket, *prefix;
	int st;

	if (mp_s3_parse(url, &bucket, &prefix) < 0)
		mp_errx(MP_EX_USAGE, "'%s': not s3://bucket[/prefix]", url);
	if ((st = mp_s3_setup(s3)) != 0)
		return st;
	o.s3 = s3;
	o.bucket = bucket;
	o.progress = progress;
	o.z = mp_zst_reader_new(out, &o);
	st = mp_s3_list(s3, bucket, prefix, each, &o);
	if (st != 0 && st != 128)
		mp_errx(st, "%s", s3->err);
	mp_progress_clear();
	mp_run_input(run, o.lines, o.bytes);
	mp_run_output(run, o.lines, 0);
	mp_count(run, "objects", o.objects);
	mp_zst_reader_free(o.z);
	free(prefix);
	free(bucket);
	return 0;
}
