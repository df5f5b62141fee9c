/*
 * zst.c: zstd frames, whole or streamed.  The only file that calls
 * libzstd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>
#include <zstd_errors.h>

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
	unsigned char hdr[18];	/* a frame header at most: its first bytes */
	size_t	 hdrlen;
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
	long long base = z->off;
	unsigned long long want;
	size_t r, from, k;
	int st;

	while (in.pos < in.size) {
		mp_buf_grow(&z->frame, ZSTD_DStreamOutSize());
		zo.dst = z->frame.p + z->frame.len;
		zo.size = z->frame.cap - z->frame.len;
		zo.pos = 0;
		from = in.pos;
		r = ZSTD_decompressStream(z->dctx, &zo, &in);
		if (!ZSTD_isError(r) && z->hdrlen < sizeof z->hdr) {
			k = in.pos - from;
			if (k > sizeof z->hdr - z->hdrlen)
				k = sizeof z->hdr - z->hdrlen;
			memcpy(z->hdr + z->hdrlen, (const char *)p + from, k);
			z->hdrlen += k;
		}
		if (ZSTD_isError(r)) {
			z->off = base + (long long)in.pos;
			snprintf(z->err, sizeof z->err, "byte %lld: %s",
			    z->off, ZSTD_getErrorName(r));
			*errstr = z->err;
			return -1;
		}
		z->frame.len += zo.pos;
		z->midframe = r != 0;
		z->off = base + (long long)in.pos;
		if (r == 0) {
			/*
			 * Fed in small pieces, libzstd can end a frame that
			 * holds less than its header says: not a whole frame.
			 */
			want = ZSTD_getFrameContentSize(z->hdr, z->hdrlen);
			z->hdrlen = 0;
			if (want != ZSTD_CONTENTSIZE_UNKNOWN &&
			    want != ZSTD_CONTENTSIZE_ERROR &&
			    want != z->frame.len) {
				snprintf(z->err, sizeof z->err, "byte %lld: a "
				    "frame of %zu bytes, its header says %llu",
				    z->off, z->frame.len, want);
				*errstr = z->err;
				return -1;
			}
			st = z->out(z->arg, z->frame.p, z->frame.len);
			z->frame.len = 0;
			if (st != 0)
				return st;
		}
	}
	z->off = base + (long long)n;
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
	z->hdrlen = 0;
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

int
mp_zst_max_level(void)
{
	return ZSTD_maxCLevel();
}

struct mp_zst_writer {
	ZSTD_CCtx *cc;
};

struct mp_zst_writer *
mp_zst_writer_new(int level)
{
	struct mp_zst_writer *w = xcalloc(1, sizeof *w);

	if ((w->cc = ZSTD_createCCtx()) == NULL)
		mp_errx(MP_EX_SOFTWARE, "out of memory");
	ZSTD_CCtx_setParameter(w->cc, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(w->cc, ZSTD_c_checksumFlag, 1);
	return w;
}

void
mp_zst_writer_frame(struct mp_zst_writer *w, struct mp_buf *out,
    const void *p, size_t n)
{
	size_t zn;

	mp_buf_grow(out, ZSTD_compressBound(n));
	zn = ZSTD_compress2(w->cc, out->p + out->len, out->cap - out->len,
	    p ? p : "", n);
	if (ZSTD_isError(zn))
		mp_errx(MP_EX_SOFTWARE, "zstd: %s", ZSTD_getErrorName(zn));
	out->len += zn;
}

void
mp_zst_writer_stream(struct mp_zst_writer *w, struct mp_buf *out,
    const void *p, size_t n, int end)
{
	ZSTD_inBuffer zi = { p ? p : "", n, 0 };
	ZSTD_outBuffer zo;
	size_t r;

	do {
		mp_buf_grow(out, ZSTD_CStreamOutSize());
		zo.dst = out->p + out->len;
		zo.size = out->cap - out->len;
		zo.pos = 0;
		r = ZSTD_compressStream2(w->cc, &zo, &zi,
		    end ? ZSTD_e_end : ZSTD_e_flush);
		if (ZSTD_isError(r))
			mp_errx(MP_EX_SOFTWARE, "zstd: %s",
			    ZSTD_getErrorName(r));
		out->len += zo.pos;
	} while (r != 0 || zi.pos < zi.size);
}

void
mp_zst_writer_free(struct mp_zst_writer *w)
{
	if (w == NULL)
		return;
	ZSTD_freeCCtx(w->cc);
	free(w);
}

struct mp_zst_dstream {
	ZSTD_DCtx *dctx;
};

struct mp_zst_dstream *
mp_zst_dstream_new(void)
{
	struct mp_zst_dstream *d;
	ZSTD_DCtx *z;

	if ((z = ZSTD_createDCtx()) == NULL)
		return NULL;
	d = xcalloc(1, sizeof *d);
	d->dctx = z;
	return d;
}

int
mp_zst_dstream_step(struct mp_zst_dstream *d, const void *p, size_t n,
    size_t *pos, struct mp_buf *out, size_t room, const char **errstr)
{
	ZSTD_inBuffer in = { p, n, *pos };
	ZSTD_outBuffer ob;
	size_t zr;

	mp_buf_grow(out, room);
	ob.dst = out->p + out->len;
	ob.size = room;
	ob.pos = 0;
	zr = ZSTD_decompressStream(d->dctx, &ob, &in);
	*pos = in.pos;
	out->len += ob.pos;
	if (ZSTD_isError(zr)) {
		*errstr = ZSTD_getErrorCode(zr) == ZSTD_error_checksum_wrong ?
		    "checksum mismatch" : ZSTD_getErrorName(zr);
		return -1;
	}
	return zr != 0;
}

void
mp_zst_dstream_free(struct mp_zst_dstream *d)
{
	if (d == NULL)
		return;
	ZSTD_freeDCtx(d->dctx);
	free(d);
}
