/*
 * 0008-unpack: unit tests of compressed files (unpack.c), as TAP.  Takes
 * the folder where 0008-unpack.d/make.py wrote its fixtures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "mp.h"
#include "tap.h"

#define A_LINE	"{\"event_id\":\"a1\",\"kind\":\"click\"}\n"
#define B_LINE	"{\"event_id\":\"b2\",\"kind\":\"impression\"}\n"

static const char *dir;
static struct mp_buf a, b;	/* what the fixtures hold, unpacked */

static struct mp_buf *
slurp(const char *name)
{
	static struct mp_buf f;
	char path[1024], blk[65536];
	size_t n;
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((fp = fopen(path, "rb")) == NULL)
		mp_err(1, "%s", path);
	f.len = 0;
	while ((n = fread(blk, 1, sizeof blk, fp)) > 0)
		mp_buf_add(&f, blk, n);
	if (ferror(fp))
		mp_err(1, "%s", path);
	fclose(fp);
	return &f;
}

static void
repeat(struct mp_buf *o, const char *line, int n)
{
	while (n-- > 0)
		mp_buf_adds(o, line);
}

static int
same(const struct mp_buf *x, const struct mp_buf *y)
{
	return x->len == y->len && memcmp(x->p, y->p, x->len) == 0;
}

/* Unpacks a fixture by its magic number; the return of mp_unpack. */
static int
unpack(struct mp_unpack *u, const char *name)
{
	struct mp_buf *f = slurp(name);

	return mp_unpack(u, f->p, f->len, mp_unpack_kind(f->p, f->len));
}

/* A fixture refused, and why (its start). */
static void
refused(const char *name, const char *why, const char *what)
{
	struct mp_unpack u = { 0 };
	int rc = unpack(&u, name);

	ok(rc == -1 && u.nent == 0 && u.ent == NULL &&
	    strncmp(u.why, why, strlen(why)) == 0, "%s: '%s'", what, u.why);
	mp_unpack_free(&u);
}

static long
maxrss(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;	/* KiB */
}

static void
test_kind(void)
{
	ok(mp_unpack_kind("\x1f\x8b\x08", 3) == MP_PACK_GZIP, "kind: gzip");
	ok(mp_unpack_kind("\x28\xb5\x2f\xfd\x00", 5) == MP_PACK_ZSTD,
	    "kind: zstd");
	ok(mp_unpack_kind("\x50\x2a\x4d\x18", 4) == MP_PACK_ZSTD,
	    "kind: a zstd skippable frame");
	ok(mp_unpack_kind("PK\3\4\x14", 5) == MP_PACK_ZIP, "kind: zip");
	ok(mp_unpack_kind("PK\5\6", 4) == MP_PACK_ZIP, "kind: an empty zip");
	ok(mp_unpack_kind(A_LINE, strlen(A_LINE)) == MP_PACK_NONE &&
	    mp_unpack_kind("PK,x", 4) == MP_PACK_NONE, "kind: plain text");
	ok(mp_unpack_kind("\x1f", 1) == MP_PACK_NONE &&
	    mp_unpack_kind("\x28\xb5\x2f", 3) == MP_PACK_NONE &&
	    mp_unpack_kind("", 0) == MP_PACK_NONE,
	    "kind: a magic number cut short is none");
	ok(mp_unpack_kind(slurp("one.gz")->p, 2) == MP_PACK_GZIP &&
	    mp_unpack_kind(slurp("one.zst")->p, 4) == MP_PACK_ZSTD &&
	    mp_unpack_kind(slurp("two.zip")->p, 4) == MP_PACK_ZIP &&
	    mp_unpack_kind(slurp("plain.txt")->p, 100) == MP_PACK_NONE,
	    "kind: of the fixtures");
}

static void
test_none(void)
{
	struct mp_unpack u = { 0 };
	struct mp_buf *f = slurp("plain.txt");

	ok(mp_unpack(&u, f->p, f->len, MP_PACK_NONE) == 0 && u.nent == 1 &&
	    strcmp(u.ent[0].name, "") == 0 && same(&u.ent[0].data, &a),
	    "none: one entry, the bytes as they are");
	ok(mp_unpack(&u, "", 0, MP_PACK_NONE) == 0 && u.nent == 1 &&
	    u.ent[0].data.len == 0, "none: empty input, one empty entry");
	ok(mp_unpack(&u, "", 0, MP_PACK_GZIP) == -1 && u.nent == 0 &&
	    strcmp(u.why, "empty file") == 0, "gzip: empty file");
	ok(mp_unpack(&u, "", 0, MP_PACK_ZIP) == -1 &&
	    strcmp(u.why, "empty file") == 0, "zip: empty file");
	ok(mp_unpack(&u, "x", 1, 42) == -1 && u.nent == 0,
	    "an unknown kind: '%s'", u.why);
	u.max_total = 100;
	ok(mp_unpack(&u, f->p, f->len, MP_PACK_NONE) == -1 &&
	    strcmp(u.why, "over 100 bytes unpacked") == 0,
	    "none: max_total holds too: '%s'", u.why);
	mp_unpack_free(&u);
}

static void
test_gzip(void)
{
	struct mp_unpack u = { 0 };
	struct mp_buf ab = { 0 };

	ok(unpack(&u, "one.gz") == 0 && u.nent == 1 &&
	    same(&u.ent[0].data, &a), "gzip: one member");
	ok(u.nent == 1 && strcmp(u.ent[0].name, "report.csv") == 0,
	    "gzip: FNAME kept");
	mp_buf_add(&ab, a.p, a.len);
	mp_buf_add(&ab, b.p, b.len);
	ok(unpack(&u, "two.gz") == 0 && u.nent == 1 &&
	    same(&u.ent[0].data, &ab) && strcmp(u.ent[0].name, "") == 0,
	    "gzip: two members, both in order, one entry");
	mp_buf_free(&ab);
	mp_unpack_free(&u);
	refused("cut.gz", "truncated gzip member", "gzip: cut 10 bytes");
	refused("badcrc.gz", "gzip member 1: bad CRC", "gzip: bad CRC");
	refused("crc2.gz", "gzip member 2: bad CRC",
	    "gzip: bad CRC in the second member");
	refused("badsize.gz", "gzip member 1: bad size", "gzip: bad ISIZE");
	refused("flip.gz", "gzip member 1: ", "gzip: a flipped data byte");
	refused("garbage.gz", "bytes after the last gzip member",
	    "gzip: trailing garbage");
	refused("zeros.gz", "bytes after the last gzip member",
	    "gzip: trailing zero padding");
}

static void
test_zstd(void)
{
	struct mp_unpack u = { 0 };
	struct mp_buf ab = { 0 };

	ok(unpack(&u, "one.zst") == 0 && u.nent == 1 &&
	    same(&u.ent[0].data, &a) && strcmp(u.ent[0].name, "") == 0,
	    "zstd: one frame");
	mp_buf_add(&ab, a.p, a.len);
	mp_buf_add(&ab, b.p, b.len);
	ok(unpack(&u, "two.zst") == 0 && u.nent == 1 &&
	    same(&u.ent[0].data, &ab),
	    "zstd: two frames (with and without checksum), in order");
	mp_buf_free(&ab);
	mp_unpack_free(&u);
	refused("badsum.zst", "zstd frame 1: checksum mismatch",
	    "zstd: a flipped byte, caught by the frame checksum");
	refused("cut.zst", "truncated zstd frame", "zstd: truncated");
	refused("garbage.zst", "bytes after the last zstd frame",
	    "zstd: trailing garbage");
}

static void
test_zip(void)
{
	struct mp_unpack u = { 0 };
	struct mp_buf *f;

	ok(unpack(&u, "two.zip") == 0 && u.nent == 2 &&
	    strcmp(u.ent[0].name, "a.csv") == 0 &&
	    strcmp(u.ent[1].name, "dir/b.csv") == 0 &&
	    same(&u.ent[0].data, &a) && same(&u.ent[1].data, &b),
	    "zip: two entries, apart, in order");
	ok(unpack(&u, "junk.zip") == 0 && u.nent == 2 &&
	    strcmp(u.ent[0].name, "a.csv") == 0 &&
	    strcmp(u.ent[1].name, "dir/b.csv") == 0 &&
	    same(&u.ent[0].data, &a) && same(&u.ent[1].data, &b),
	    "zip: directories, __MACOSX/ and ._* entries skipped");
	f = slurp("desc.zip");
	ok(f->len > 8 && (f->p[6] & 8) != 0,
	    "zip: the fixture's first entry has a data descriptor (bit 3)");
	ok(unpack(&u, "desc.zip") == 0 && u.nent == 2 &&
	    same(&u.ent[0].data, &a) && same(&u.ent[1].data, &b),
	    "zip: entries with data descriptors");
	ok(unpack(&u, "stored.zip") == 0 && u.nent == 2 &&
	    strcmp(u.ent[1].name, "b.csv") == 0 &&
	    same(&u.ent[0].data, &a) && same(&u.ent[1].data, &b),
	    "zip: stored entries");
	ok(unpack(&u, "empty.zip") == 0 && u.nent == 0,
	    "zip: an empty archive, no entries");
	mp_unpack_free(&u);
	refused("slip.zip", "zip entry '../evil.csv': path outside the archive",
	    "zip: ../evil.csv refused");
	refused("abs.zip", "zip entry '/abs.csv': path outside the archive",
	    "zip: /abs.csv refused");
	refused("deep.zip", "zip entry 'a/../../x.csv': path outside",
	    "zip: a .. inside the name refused");
	refused("badcrc.zip", "zip entry 'a.csv': bad CRC",
	    "zip: a wrong CRC-32 refused");
	refused("storedflip.zip", "zip entry 'a.csv': bad CRC",
	    "zip: a flipped byte of a stored entry refused");
	refused("cut.zip", "zip: truncated or damaged archive",
	    "zip: cut after its second entry");
	refused("enc.zip", "zip entry 'a.csv': encrypted",
	    "zip: an encrypted entry refused");
}

/* 50 MiB of zeros in each form: refused early, little allocated. */
static void
test_bombs(void)
{
	static const char *const bombs[] = { "bomb.zip", "bomb.gz",
	    "bomb.zst" };
	struct mp_unpack u = { 0 };
	struct mp_buf *f;
	double t0;
	long rss0;
	size_t i;

	for (i = 0; i < sizeof bombs / sizeof *bombs; i++) {
		rss0 = maxrss();
		t0 = mp_now();
		ok(unpack(&u, bombs[i]) == -1 && u.nent == 0 &&
		    strcmp(u.why, "compression ratio over 1000: "
		    "a zip bomb?") == 0 && mp_now() - t0 < 2 &&
		    maxrss() - rss0 < 16 * 1024,
		    "%s: refused by the ratio, %ld KiB more at most: '%s'",
		    bombs[i], maxrss() - rss0, u.why);
	}
	u.max_ratio = 1e9;
	u.max_total = 1 << 20;
	for (i = 0; i < sizeof bombs / sizeof *bombs; i++) {
		rss0 = maxrss();
		ok(unpack(&u, bombs[i]) == -1 && u.nent == 0 &&
		    strcmp(u.why, "over 1 MiB unpacked") == 0 &&
		    maxrss() - rss0 < 16 * 1024,
		    "%s: max_total 1 MiB: '%s'", bombs[i], u.why);
	}
	u.max_total = 50 << 20;
	ok(unpack(&u, "bomb.zip") == 0 && u.nent == 1 &&
	    u.ent[0].data.len == 50 << 20,
	    "bomb.zip: within limits raised, all of it");
	u.max_total = (50 << 20) - 1;
	ok(unpack(&u, "bomb.gz") == -1 &&
	    strcmp(u.why, "over 52428799 bytes unpacked") == 0,
	    "bomb.gz: one byte over the limit: '%s'", u.why);
	u.max_total = 0;
	u.max_ratio = 0;
	f = slurp("stored.zip");
	ok(mp_unpack(&u, f->p, f->len, MP_PACK_ZIP) == 0 && u.nent == 2,
	    "limits back to their defaults");
	mp_unpack_free(&u);
}

int
main(int argc, char **argv)
{
	mp_prog = "0008-unpack";
	if (argc != 2)
		mp_errx(MP_EX_USAGE, "usage: 0008-unpack dir");
	dir = argv[1];
	repeat(&a, A_LINE, 200);
	repeat(&b, B_LINE, 300);

	test_kind();
	test_none();
	test_gzip();
	test_zstd();
	test_zip();
	test_bombs();
	mp_buf_free(&a);
	mp_buf_free(&b);
	return done();
}
