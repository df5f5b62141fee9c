/*
 * zst: a libFuzzer target for zstd files read back (archives, raw
 * responses): mp_zst_decompress and the streaming reader.  The first byte
 * picks the size of the pieces the rest is fed in.  A torn or corrupt
 * input must be refused without a crash; the frames the reader hands out
 * must be the same when it is read whole and in pieces (unless it holds
 * a legacy zstd magic: libzstd reads v0.5-v0.7 frames only when their
 * magic comes in one piece); the bytes, compressed here, must come back.  Built and run by `make fuzz` (clang).
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"

static int
collect(void *arg, const char *p, size_t n)
{
	struct mp_buf *b = arg;

	mp_buf_add(b, p, n);
	mp_buf_addc(b, '|');	/* frame boundaries count too */
	return b->len > (64 << 20);
}

/* Feeds p in pieces of k; the frames into out; -1 when refused. */
static int
feed(const unsigned char *p, size_t n, size_t k, struct mp_buf *out)
{
	struct mp_zst_reader *r = mp_zst_reader_new(collect, out);
	const char *errstr = NULL;
	size_t i, m;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i += m) {
		m = n - i < k ? n - i : k;
		rc = mp_zst_reader_feed(r, p + i, m, &errstr);
	}
	if (rc == 0)
		rc = mp_zst_reader_end(r, &errstr);
	if (rc < 0 && errstr == NULL)
		abort();
	if (rc == 0 && mp_zst_reader_offset(r) != (long long)n)
		abort();
	mp_zst_reader_free(r);
	return rc < 0 ? -1 : rc;
}

/* Whether the bytes hold the magic number of a zstd v0.2-v0.7 frame. */
static int
legacy(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 4 <= n; i++)
		if (p[i] >= 0x22 && p[i] <= 0x27 &&
		    memcmp(p + i + 1, "\xb5\x2f\xfd", 3) == 0)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	struct mp_buf a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
	const unsigned char *p = data + 1;
	const char *errstr = NULL;
	int ra, rb;

	if (n < 1)
		return 0;
	n--;
	if (mp_zst_decompress(&a, p, n, 1 << 20, &errstr) < 0 &&
	    errstr == NULL)
		abort();
	a.len = 0;
	ra = feed(p, n, n ? n : 1, &a);
	rb = feed(p, n, data[0] % 64 + 1, &b);
	/*
	 * Both read it: the same frames.  (Fed in small pieces, libzstd can
	 * end a frame shorter than its header says; the reader refuses it,
	 * as libzstd does fed whole: corpus-zst/short-content-in-pieces.)
	 */
	if (!legacy(p, n) && ra == 0 && rb == 0 && (a.len != b.len ||
	    (a.len && memcmp(a.p, b.p, a.len))))
		abort();
	/* the bytes themselves, compressed: two frames, whole */
	mp_zst_compress(&c, p, n, 1);
	if (mp_zst_decompress(&d, c.p, c.len, n, &errstr) < 0 ||
	    d.len != n || (n && memcmp(d.p, p, n)))
		abort();
	d.len = 0;
	mp_buf_add(&d, c.p, c.len);
	mp_buf_add(&c, d.p, d.len);
	a.len = 0;
	if (feed((const unsigned char *)c.p, c.len, data[0] % 7 + 1, &a) != 0 ||
	    a.len != 2 * (n + 1))
		abort();
	mp_buf_free(&a);
	mp_buf_free(&b);
	mp_buf_free(&c);
	mp_buf_free(&d);
	return 0;
}
