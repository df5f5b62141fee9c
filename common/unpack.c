/*
 * unpack.c: compressed report files, whole in memory: gzip (zlib), zstd
 * (zst.c) and zip (libarchive).  Every checksum is checked before the
 * entries are handed over, and output is counted as it is made, so that
 * a bomb is stopped near its limit, whatever its headers claim.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

#include "mp.h"

#define MIB		((size_t)1 << 20)
#define CHUNK		(256 * 1024)	/* output made between two checks */
#define MAXIN		((size_t)1 << 30)	/* input a zlib call is given */

/* What a run has made so far, against its limits. */
struct run {
	struct mp_unpack *u;
	size_t	 max;		/* bytes out */
	double	 ratio;
	size_t	 out;		/* bytes out, all entries */
	size_t	 in;		/* bytes in that made them */
};

static int
fail(struct mp_unpack *u, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->why, sizeof u->why, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Checks the limits once out bytes were made from in; -1 when they are
 * passed.
 */
static int
check(struct run *r)
{
	if (r->out > r->max) {
		if (r->max % MIB == 0)
			return fail(r->u, "over %zu MiB unpacked",
			    r->max / MIB);
		return fail(r->u, "over %zu bytes unpacked", r->max);
	}
	if (r->out > MIB && (double)r->out > r->ratio * (double)r->in)
		return fail(r->u, "compression ratio over %g: a zip bomb?",
		    r->ratio);
	return 0;
}

/*
 * Room for the next piece of output at the end of b: never more than one
 * byte past the limit, so that a bomb is caught before it is made.
 */
static size_t
room(struct run *r, struct mp_buf *b)
{
	size_t n = CHUNK;

	if (r->max - r->out < n)
		n = r->max - r->out + 1;
	mp_buf_grow(b, n);
	return n;
}

static struct mp_unpacked *
addent(struct mp_unpack *u, const char *name)
{
	struct mp_unpacked *e;

	u->ent = xrealloc(u->ent, (u->nent + 1) * sizeof *u->ent);
	e = &u->ent[u->nent++];
	e->name = xstrdup(name);
	memset(&e->data, 0, sizeof e->data);
	return e;
}

int
mp_unpack_kind(const void *v, size_t n)
{
	const unsigned char *p = v;

	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return MP_PACK_GZIP;
	/* a zstd frame, or a skippable frame (magic 0x184D2A5?) */
	if (n >= 4 && ((p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f &&
	    p[3] == 0xfd) || ((p[0] & 0xf0) == 0x50 && p[1] == 0x2a &&
	    p[2] == 0x4d && p[3] == 0x18)))
		return MP_PACK_ZSTD;
	/* a local file header, or the end record of an empty archive */
	if (n >= 4 && p[0] == 'P' && p[1] == 'K' &&
	    ((p[2] == 3 && p[3] == 4) || (p[2] == 5 && p[3] == 6)))
		return MP_PACK_ZIP;
	return MP_PACK_NONE;
}

/*
 * Gzip members one after another (RFC 1952, 2.2), into one entry; zlib
 * checks each member's CRC-32 and ISIZE at its end.
 */
static int
gunzip(struct run *r, const unsigned char *p, size_t n)
{
	struct mp_unpack *u = r->u;
	struct mp_unpacked *e;
	z_stream zs;
	gz_header h;
	char name[1025];
	size_t off = 0, k;
	int member, zr, rc = -1;

	memset(&zs, 0, sizeof zs);
	memset(&h, 0, sizeof h);
	memset(name, 0, sizeof name);
	h.name = (Bytef *)name;
	h.name_max = sizeof name - 1;
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return fail(u, "cannot initialize zlib");
	inflateGetHeader(&zs, &h);
	e = addent(u, "");
	for (member = 1;; member++) {
		do {
			k = n - off < MAXIN ? n - off : MAXIN;
			zs.next_in = (Bytef *)(p + off);
			zs.avail_in = k;
			zs.avail_out = room(r, &e->data);
			zs.next_out = (Bytef *)e->data.p + e->data.len;
			zr = inflate(&zs, Z_NO_FLUSH);
			off += k - zs.avail_in;
			r->in += k - zs.avail_in;
			r->out += (char *)zs.next_out - (e->data.p +
			    e->data.len);
			e->data.len = (char *)zs.next_out - e->data.p;
			if (zr == Z_BUF_ERROR ||
			    (zr == Z_OK && off == n && zs.avail_out > 0)) {
				fail(u, "truncated gzip member");
				goto out;
			}
			if (zr == Z_DATA_ERROR && zs.msg &&
			    strcmp(zs.msg, "incorrect data check") == 0) {
				fail(u, "gzip member %d: bad CRC", member);
				goto out;
			}
			if (zr == Z_DATA_ERROR && zs.msg &&
			    strcmp(zs.msg, "incorrect length check") == 0) {
				fail(u, "gzip member %d: bad size", member);
				goto out;
			}
			if (zr != Z_OK && zr != Z_STREAM_END) {
				fail(u, "gzip member %d: %s", member,
				    zs.msg ? zs.msg : "zlib error");
				goto out;
			}
			if (check(r) == -1)
				goto out;
		} while (zr != Z_STREAM_END);
		if (member == 1 && h.done == 1 && h.name != Z_NULL &&
		    name[0] != '\0') {
			free(e->name);
			e->name = xstrdup(name);
		}
		if (off == n)
			break;
		/* RFC 1952 allows nothing but members: padding is garbage */
		if (n - off < 2 || p[off] != 0x1f || p[off + 1] != 0x8b) {
			fail(u, "bytes after the last gzip member");
			goto out;
		}
		inflateReset(&zs);
	}
	rc = 0;
out:
	inflateEnd(&zs);
	return rc;
}

static int
iszstd(const unsigned char *p, size_t n)
{
	return n >= 4 && mp_unpack_kind(p, n) == MP_PACK_ZSTD;
}

/* Zstd frames one after another (RFC 8878), into one entry. */
static int
unzstd(struct run *r, const unsigned char *p, size_t n)
{
	struct mp_unpack *u = r->u;
	struct mp_unpacked *e;
	struct mp_zst_dstream *z;
	const char *why;
	size_t pos = 0, before, made;
	int zr = 0, frame = 1, rc = -1;

	if ((z = mp_zst_dstream_new()) == NULL)
		return fail(u, "cannot initialize libzstd");
	e = addent(u, "");
	while (pos < n) {
		if (zr == 0 && !iszstd(p + pos, n - pos)) {
			fail(u, "bytes after the last zstd frame");
			goto out;
		}
		before = pos;
		made = e->data.len;
		zr = mp_zst_dstream_step(z, p, n, &pos, &e->data,
		    room(r, &e->data), &why);
		r->in += pos - before;
		r->out += e->data.len - made;
		if (zr == -1) {
			fail(u, "zstd frame %d: %s", frame, why);
			goto out;
		}
		if (check(r) == -1)
			goto out;
		if (zr == 0)
			frame++;
	}
	/* the last frame may still hold output it could not flush */
	while (zr != 0) {
		made = e->data.len;
		zr = mp_zst_dstream_step(z, p, n, &pos, &e->data,
		    room(r, &e->data), &why);
		r->out += e->data.len - made;
		if (zr == -1) {
			fail(u, "zstd frame %d: %s", frame, why);
			goto out;
		}
		if (check(r) == -1)
			goto out;
		if (zr != 0 && e->data.len == made) {
			fail(u, "truncated zstd frame");
			goto out;
		}
	}
	rc = 0;
out:
	mp_zst_dstream_free(z);
	return rc;
}

/*
 * Whether a zip entry's name stays inside the archive: not absolute (/,
 * \, or a drive letter), no .. component (either slash separates, as on
 * Windows, where such archives are often made).
 */
static int
safename(const char *s)
{
	const char *c;
	size_t k;

	if (*s == '/' || *s == '\\' || (s[0] != '\0' && s[1] == ':'))
		return 0;
	for (c = s;; c += k + 1) {
		k = strcspn(c, "/\\");
		if (k == 2 && c[0] == '.' && c[1] == '.')
			return 0;
		if (c[k] == '\0')
			return 1;
	}
}

/* Entries that are not data: folders, and macOS's resource forks. */
static int
skipname(const char *s)
{
	const char *base = strrchr(s, '/');

	base = base ? base + 1 : s;
	return strncmp(s, "__MACOSX/", 9) == 0 || strncmp(base, "._", 2) == 0;
}

/*
 * Zip entries, each kept apart.  libarchive reads the central directory
 * (the memory is seekable) and checks each entry's CRC-32 at its end;
 * the bytes of input it has consumed measure the ratio.
 */
static int
unzip(struct run *r, const unsigned char *p, size_t n)
{
	struct mp_unpack *u = r->u;
	struct archive *a;
	struct archive_entry *ae;
	struct mp_unpacked *e;
	const char *name, *why;
	const void *blk;
	size_t len;
	la_int64_t boff, in0, at;
	int ar, rc = -1;

	if ((a = archive_read_new()) == NULL)
		return fail(u, "cannot initialize libarchive");
	archive_read_support_format_zip(a);
	if (archive_read_open_memory(a, p, n) != ARCHIVE_OK) {
		why = archive_error_string(a);
		fail(u, "zip: %s", why ? why : "not a zip archive");
		goto out;
	}
	for (;;) {
		ar = archive_read_next_header(a, &ae);
		if (ar == ARCHIVE_EOF)
			break;
		if (ar != ARCHIVE_OK) {
			why = archive_error_string(a);
			fail(u, "zip: %s", why ? why :
			    "truncated or damaged archive");
			goto out;
		}
		if ((name = archive_entry_pathname_utf8(ae)) == NULL &&
		    (name = archive_entry_pathname(ae)) == NULL)
			name = "";
		if (!safename(name)) {
			fail(u, "zip entry '%s': path outside the archive",
			    name);
			goto out;
		}
		if (archive_entry_filetype(ae) == AE_IFDIR ||
		    (*name != '\0' && name[strlen(name) - 1] == '/') ||
		    skipname(name))
			continue;
		if (archive_entry_is_encrypted(ae)) {
			fail(u, "zip entry '%s': encrypted", name);
			goto out;
		}
		if (archive_entry_filetype(ae) != AE_IFREG) {
			fail(u, "zip entry '%s': not a regular file", name);
			goto out;
		}
		e = addent(u, name);
		in0 = archive_filter_bytes(a, 0);
		while ((ar = archive_read_data_block(a, &blk, &len,
		    &boff)) != ARCHIVE_EOF) {
			if (ar != ARCHIVE_OK) {
				if ((why = archive_error_string(a)) == NULL)
					why = "cannot read";
				else if (strstr(why, "CRC") != NULL)
					why = "bad CRC";
				fail(u, "zip entry '%s': %s", e->name, why);
				goto out;
			}
			if (boff < 0 || (size_t)boff != e->data.len) {
				fail(u, "zip entry '%s': a hole in its data",
				    e->name);
				goto out;
			}
			at = archive_filter_bytes(a, 0);
			r->in += at > in0 ? at - in0 : 0;
			in0 = at > in0 ? at : in0;
			/* counted before it is kept: stored, it is one block */
			r->out += len;
			if (check(r) == -1)
				goto out;
			mp_buf_add(&e->data, blk, len);
		}
	}
	rc = 0;
out:
	archive_read_free(a);
	return rc;
}

int
mp_unpack(struct mp_unpack *u, const void *p, size_t n, int kind)
{
	struct run r = { 0 };
	int rc;

	mp_unpack_free(u);
	u->why[0] = '\0';
	r.u = u;
	r.max = u->max_total;
	if (r.max == 0)
		r.max = SIZE_MAX >> 32 ? (size_t)4 << 30 : SIZE_MAX - 1;
	else if (r.max == SIZE_MAX)
		r.max--;	/* room() asks for one byte past it */
	r.ratio = u->max_ratio > 0 ? u->max_ratio : 1000;
	if (n == 0 && kind != MP_PACK_NONE)
		return fail(u, "empty file");
	switch (kind) {
	case MP_PACK_NONE:
		r.out = r.in = n;
		if (check(&r) == -1)
			return -1;
		mp_buf_add(&addent(u, "")->data, p, n);
		return 0;
	case MP_PACK_GZIP:
		rc = gunzip(&r, p, n);
		break;
	case MP_PACK_ZSTD:
		rc = unzstd(&r, p, n);
		break;
	case MP_PACK_ZIP:
		rc = unzip(&r, p, n);
		break;
	default:
		return fail(u, "unknown compression %d", kind);
	}
	if (rc == -1)
		mp_unpack_free(u);
	return rc;
}

void
mp_unpack_free(struct mp_unpack *u)
{
	int i;

	for (i = 0; i < u->nent; i++) {
		free(u->ent[i].name);
		mp_buf_free(&u->ent[i].data);
	}
	free(u->ent);
	u->ent = NULL;
	u->nent = 0;
}
