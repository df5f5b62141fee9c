/*
 * unpack: a libFuzzer target for report unpacking (gzip, zstd, zip).  The
 * first byte picks the kind (0: by the magic number, as mp-fetch does);
 * the rest is the file.  Any file must be unpacked or refused without a
 * crash; a zip entry kept must not name a path outside the archive (a
 * gzip name only tells the format); the bytes, gzipped or
 * zstd-compressed here, must unpack to themselves.
 * Built and run by `make fuzz` (clang).
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#include <zstd.h>

#include "mp.h"

static void
same(struct mp_unpack *u, const void *p, size_t n)
{
	if (u->nent != 1 || u->ent[0].data.len != n ||
	    (n > 0 && memcmp(u->ent[0].data.p, p, n) != 0))
		abort();
}

static void
gzipped(struct mp_unpack *u, const unsigned char *p, size_t n)
{
	unsigned char out[16384];
	z_stream z = { 0 };

	if (n > 8192)
		return;
	if (deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	z.next_in = (unsigned char *)p;
	z.avail_in = n;
	z.next_out = out;
	z.avail_out = sizeof out;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	if (mp_unpack(u, out, z.total_out, MP_PACK_GZIP) != 0)
		abort();
	same(u, p, n);
	deflateEnd(&z);
}

static void
zstded(struct mp_unpack *u, const unsigned char *p, size_t n)
{
	size_t cap = ZSTD_compressBound(n), k;
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	void *out = malloc(cap);

	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	k = ZSTD_compress2(cc, out, cap, p, n);
	if (ZSTD_isError(k))
		abort();
	if (mp_unpack(u, out, k, MP_PACK_ZSTD) != 0)
		abort();
	same(u, p, n);
	ZSTD_freeCCtx(cc);
	free(out);
}

/* Whether a zip entry's name is absolute or holds a .. component. */
static int
outside(const char *s)
{
	size_t n = strlen(s);

	return *s == '/' || strcmp(s, "..") == 0 || strncmp(s, "../", 3) == 0 ||
	    strstr(s, "/../") || (n >= 3 && strcmp(s + n - 3, "/..") == 0);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	struct mp_unpack u = { 0 };
	const unsigned char *p = data + 1;
	int kind, i;

	if (n < 1)
		return 0;
	n--;
	kind = data[0] == 0 ? mp_unpack_kind(p, n) : data[0] % 4;
	u.max_total = 64 << 20;
	if (mp_unpack(&u, p, n, kind) == 0) {
		for (i = 0; i < u.nent; i++)
			if (u.ent[i].name == NULL || (kind == MP_PACK_ZIP &&
			    outside(u.ent[i].name)))
				abort();
		if (kind == MP_PACK_NONE)
			same(&u, p, n);
	} else if (u.why[0] == '\0' || u.nent != 0)
		abort();
	gzipped(&u, p, n);
	zstded(&u, p, n);
	mp_unpack_free(&u);
	return 0;
}
