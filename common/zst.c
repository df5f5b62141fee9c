/*
 * zst.c: zstd frames, whole or streamed.  The only file that calls
 * libzstd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "mp.h"

void
mp_zst_compress(struct mp_buf *out, const void *p, size_t n, int level)
{
	static ZSTD_CCtx *cc;
	size_t zn;

	if (cc == NULL) {
		if ((cc = ZSTD_createCCtx()) == NULL)
			mp_errx(MP_EX_SOFTWARE, "out of memory");
		ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	}
	ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, level);
	mp_buf_grow(out, ZSTD_compressBound(n));
	zn = ZSTD_compress2(cc, out->p + out->len, out->cap - out->len,
	    p ? p : "", n);
	if (ZSTD_isError(zn))
		mp_errx(MP_EX_SOFTWARE, "zstd: %s", ZSTD_getErrorName(zn));
	out->len += zn;
}

int
mp_zst_decompress(struct mp_buf *out, const void *p, size_t n, size_t max,
    const char **errstr)
{
	unsigned long long size = ZSTD_getFrameContentSize(p, n);
	size_t r;

	if (size == ZSTD_CONTENTSIZE_ERROR) {
		*errstr = "not a zstd frame";
		return -1;
	}
	if (size == ZSTD_CONTENTSIZE_UNKNOWN) {
		*errstr = "zstd frame without its content size";
		return -1;
	}
	if (size > max) {
		*errstr = "zstd frame larger than allowed";
		return -1;
	}
	mp_buf_grow(out, size + 1);
	r = ZSTD_decompress(out->p + out->len, size + 1, p, n);
	if (ZSTD_isError(r) || r != size) {
		*errstr = "corrupt";
		return -1;
	}
	out->len += r;
	return 0;
}

struct mp_zst_reader {
	ZSTD_DCtx *dctx;
	struct mp_buf frame;	/* the current frame's content so far */
	int	(*out)(void *, const char *, size_t);
	void	*arg;
	long long off;		/* input bytes fed */
	int	 midframe;
	char	 err[160];
};

struct mp_zst_reader *
mp_zst_reader_new(int (*out)(void *, const char *, size_t), void *arg)
{
	struct mp_zst_reader *z = xcalloc(1, sizeof *z);

	if ((z->dctx = ZSTD_createDCtx()) == NULL)
		mp_errx(MP_EX_SOFTWARE, "out of memory");
	z->out = out;
	z->arg = arg;
	return z;
}

int
mp_zst_reader_feed(struct mp_zst_reader *z, const void *p, size_t n,
    const char **errstr)
{
	ZSTD_inBuffer in = { p, n, 0 };
	ZSTD_outBuffer zo;
	size_t r;
	int st;

	while (in.pos < in.size) {
		mp_buf_grow(&z->frame, ZSTD_DStreamOutSize());
		zo.dst = z->frame.p + z->frame.len;
		zo.size = z->frame.cap - z->frame.len;
		zo.pos = 0;
		r = ZSTD_decompressStream(z->dctx, &zo, &in);
		if (ZSTD_isError(r)) {
			snprintf(z->err, sizeof z->err, "byte %lld: %s",
			    z->off + (long long)in.pos, ZSTD_getErrorName(r));
			*errstr = z->err;
			z->off += (long long)in.pos;
			return -1;
		}
		z->frame.len += zo.pos;
		z->midframe = r != 0;
		if (r == 0) {
			st = z->out(z->arg, z->frame.p, z->frame.len);
			z->frame.len = 0;
			if (st != 0) {
				z->off += (long long)in.pos;
				return st;
			}
		}
	}
	z->off += (long long)n;
	return 0;
}

int
mp_zst_reader_end(struct mp_zst_reader *z, const char **errstr)
{
	if (z->midframe) {
		snprintf(z->err, sizeof z->err, "truncated: the last zstd "
		    "frame ends at byte %lld, unfinished", z->off);
		*errstr = z->err;
		return -1;
	}
	return 0;
}

void
mp_zst_reader_reset(struct mp_zst_reader *z)
{
	ZSTD_DCtx_reset(z->dctx, ZSTD_reset_session_only);
	z->frame.len = 0;
	z->off = 0;
	z->midframe = 0;
}

long long
mp_zst_reader_offset(const struct mp_zst_reader *z)
{
	return z->off;
}

void
mp_zst_reader_free(struct mp_zst_reader *z)
{
	if (z == NULL)
		return;
	ZSTD_freeDCtx(z->dctx);
	mp_buf_free(&z->frame);
	free(z);
}
