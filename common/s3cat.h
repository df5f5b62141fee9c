/*
 * s3cat.h: the objects under an S3 prefix written to stdout in key order,
 * as zstdcat would: each zstd frame once it is whole and its checksum
 * matched, any other object as it is.
 */
#ifndef MP_S3CAT_H
#define MP_S3CAT_H

struct mp_s3;
struct mp_run;

/*
 * Writes the objects under s3://bucket/prefix (url) and counts their lines
 * and bytes as the run's input and output ("objects" too), a progress
 * line when progress is set.  Returns 0 (or on a signal, after the
 * object being read); exits 65 on a torn or corrupt object after its good
 * frames, and with mp_s3_*'s status when S3 fails.
 */
int	 mp_s3cat(struct mp_s3 *, const char *url, struct mp_run *,
	    int progress);

#endif
