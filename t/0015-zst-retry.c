/*
 * Unit tests of zstd frames (zst.c) and the retry policy (retry.c).
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"
#include "tap.h"

struct frames {
	struct mp_buf all;
	int	 n;
};

static int
collect(void *arg, const char *p, size_t n)
{
	struct frames *f = arg;

	mp_buf_add(&f->all, p, n);
	f->n++;
	return 0;
}

static void
t_zst(void)
{
	struct mp_buf z = { 0 }, out = { 0 };
	struct frames f = { { 0 }, 0 };
	struct mp_zst_reader *r;
	const char *err = NULL;
	size_t i, one;

	mp_zst_compress(&z, "{\"a\":1}\n", 8, 3);
	one = z.len;
	mp_zst_compress(&z, "{\"b\":2}\n", 8, 19);
	ok(mp_zst_decompress(&out, z.p, one, 1 << 20, &err) == 0 &&
	    out.len == 8 && memcmp(out.p, "{\"a\":1}\n", 8) == 0,
	    "one frame round trip");
	out.len = 0;
	ok(mp_zst_decompress(&out, z.p, one, 4, &err) < 0 &&
	    strstr(err, "larger"), "a frame over the limit is refused");
	ok(mp_zst_decompress(&out, "plain text", 10, 99, &err) < 0 &&
	    strcmp(err, "not a zstd frame") == 0, "plain text is no frame");
	ok(mp_zst_decompress(&out, z.p, one - 3, 99, &err) < 0,
	    "a cut frame is refused");

	r = mp_zst_reader_new(collect, &f);
	for (i = 0; i < z.len; i++)	/* a byte at a time */
		if (mp_zst_reader_feed(r, z.p + i, 1, &err) != 0)
			break;
	ok(i == z.len && mp_zst_reader_end(r, &err) == 0 && f.n == 2 &&
	    f.all.len == 16 && memcmp(f.all.p, "{\"a\":1}\n{\"b\":2}\n", 16)
	    == 0, "streamed byte by byte: two whole frames");
	ok(mp_zst_reader_offset(r) == (long long)z.len, "offset counts input");

	mp_zst_reader_reset(r);
	f.all.len = 0;
	f.n = 0;
	ok(mp_zst_reader_feed(r, z.p, z.len - 2, &err) == 0 && f.n == 1 &&
	    mp_zst_reader_end(r, &err) < 0 && strstr(err, "truncated"),
	    "a torn last frame: the whole one out, then 'truncated'");

	mp_zst_reader_reset(r);
	z.p[one + 6] ^= 0x55;
	ok(mp_zst_reader_feed(r, z.p, z.len, &err) != 0 &&
	    strncmp(err, "byte ", 5) == 0, "corrupt input names its byte "
	    "(%s)", err);

	/* a frame that ends short of the size its header declares */
	{
		static const unsigned char shortf[] = { 0x28, 0xb5, 0x2f, 0xfd,
		    0x61, 0x00, 0xe4, 0x61, 0x01, 0x00, 0x00 };
		int rc = 0;

		mp_zst_reader_reset(r);
		f.n = 0;
		for (i = 0; i < sizeof shortf && rc == 0; i++)
			rc = mp_zst_reader_feed(r, shortf + i, 1, &err);
		if (rc == 0)
			rc = mp_zst_reader_end(r, &err);
		ok(rc < 0 && f.n == 0 && strstr(err, "header says"),
		    "a frame shorter than its header says, fed a byte at a "
		    "time, is refused (%s)", rc < 0 ? err : "taken");
	}
	mp_zst_reader_free(r);
	mp_buf_free(&z);
	mp_buf_free(&out);
	mp_buf_free(&f.all);
}

static void
t_retry(void)
{
	struct mp_retry r = { .max_tries = 3, .base = 0.01, .cap = 0.02 };
	struct mp_retry t = { .max_tries = 10, .max_time = 5 };
	const char *why = NULL;
	double w;
	int i, fine = 1;

	for (i = 0; i < 3; i++) {
		w = mp_retry_next(&r, -1, &why);
		if (w < 0 || w > 0.02)
			fine = 0;
	}
	ok(fine, "three waits within the cap");
	ok(mp_retry_next(&r, -1, &why) < 0 && strcmp(why, "after 4 tries")
	    == 0, "the fourth is refused: %s", why);
	mp_retry_reset(&r);
	ok(mp_retry_next(&r, 7, &why) == 7, "a server's longer wait wins");
	ok(mp_retry_next(&t, 3, &why) == 3 && mp_retry_next(&t, 3, &why) < 0 &&
	    strcmp(why, "the retry time would pass") == 0,
	    "the time budget ends the tries");
	r.tries = 0;
	r.max_tries = 0;
	ok(mp_retry_next(&r, -1, &why) < 0 && strcmp(why, "after 1 try") == 0,
	    "no retries: the first failure ends it");
	ok(mp_retry_wait(&(struct mp_retry){ .max_tries = 1, .base = 0.001,
	    .cap = 0.001 }, -1, NULL) == 0, "a wait sleeps and returns");
}

int
main(void)
{
	mp_prog = "0015-zst-retry";
	t_zst();
	t_retry();
	return done();
}
