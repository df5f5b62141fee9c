/*
 * keys.c: the key store of mp-dedup.  A key is kept as a 72-bit keyed
 * hash (the first 72 bits of a 128-bit SipHash-2-4) with the event time
 * (seconds) and the run it was first seen in (24 bits): 16 bytes in an
 * open-addressing table that grows to be half full once it is 3/4 full,
 * so 21 to 32 bytes a key.  Two different keys are taken for one with a
 * chance of n^2 / 2^73 over n keys.  A slot's home is the hash's first 64
 * bits scaled to the table's size, (h * cap) >> 64: the table is in hash
 * order whatever its size, so a state file written out in slot order
 * loads back almost in order.
 *
 * Version 1 state files kept 128-bit BLAKE2b hashes in 24-byte slots.
 * Their first 72 bits are the key, and a state read from one goes on
 * hashing with BLAKE2b: the keys cannot be hashed again.
 *
 * Runs make re-runs exact.  The state remembers each run's id and the
 * watermark (newest event time) it began with, and, for the last run
 * committed, the entries it overwrote (its undo records).  A run whose id
 * the state knows starts over: the keys it first saw are forgotten, its
 * undo records put back (if it was the last), and the watermark set back.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>


#include "mp.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the state file format is little-endian"
#endif

#define NONE		INT64_MIN
#define MINCAP		1024
#define MAGIC		"mpdedup"	/* with its NUL: 8 bytes */
#define ENDMAGIC	"mpdedup\n"
#define VERSION		2
#define HEADER1		112		/* version 1 */
#define HEADER		120		/* and the hash */
#define CKSBLK		65536

/* 2 was a 64-bit SipHash-2-4, in files of no release */
enum { HASH_BLAKE2B = 1, HASH_SIPHASH = 3 };

/* Runs with an id a state holds (a test lowers it); a slot has 24 bits */
#ifndef MAXRUNS
#define MAXRUNS		MP_KEYS_MAXRUNS
#endif
_Static_assert(MAXRUNS <= 0xffffff, "a slot's run has 24 bits");

struct slot {
	uint64_t h;		/* the hash's first 64 bits; 0: an empty slot */
	uint32_t t;		/* first seen, seconds since the epoch; 0 none */
	uint32_t rx;		/* the run << 8 | the hash's next 8 bits; the
				 * run indexes runs, 0 a run without an id */
};

/* A slot of a version 1 state file. */
struct slot1 {
	uint64_t h[2];
	uint32_t t;
	uint32_t run;
};

struct set {
	struct slot *s;
	size_t	 cap, n;
	int64_t	 window;	/* seconds; 0 never expires */
	struct slot *undo;	/* entries of other runs this run overwrote */
	size_t	 nundo, capundo;
	long long expired;
};

struct run {
	char	*id;
	int64_t	 prewm;		/* the watermark when the run began */
};

struct mp_keys {
	unsigned char key[MP_DIGEST_KEYBYTES];
	int64_t	 wm;		/* the state's watermark */
	int64_t	 xwm, startwm;	/* this run's, and where it began */
	struct run *run;
	uint32_t nrun, last, cur;
	uint32_t keying;	/* a hash of what keys are made of */
	uint32_t hash;		/* HASH_*: the function keys are made with */
	struct set set[MP_KEYS_NSET];
	int	 dirty;
	long long bytes;
};

/* A checksum of 64 KiB blocks: the same whatever the I/O sizes. */
struct cks {
	unsigned char blk[CKSBLK];
	size_t	 n;
	uint64_t h;
};

static void
cks_add(struct cks *c, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t k;

	while (n > 0) {
		k = CKSBLK - c->n < n ? CKSBLK - c->n : n;
		memcpy(c->blk + c->n, s, k);
		c->n += k;
		s += k;
		n -= k;
		if (c->n == CKSBLK) {
			c->h = mp_hash(c->blk, CKSBLK, c->h);
			c->n = 0;
		}
	}
}

static uint64_t
cks_end(struct cks *c)
{
	return mp_hash(c->blk, c->n, c->h);
}

static int
empty(const struct slot *e)
{
	return e->h == 0;
}

static uint32_t
runof(const struct slot *e)
{
	return e->rx >> 8;
}

static uint32_t
xof(const struct slot *e)
{
	return e->rx & 0xff;
}

static size_t
home(const struct set *s, uint64_t h)
{
	return (unsigned __int128)h * s->cap >> 64;
}

static size_t
next(const struct set *s, size_t i)
{
	return i + 1 == s->cap ? 0 : i + 1;
}

/*
 * A table is a mapping of its own, grown by mremap: its slots are not
 * copied, so growing takes no more memory than the grown table.  Large
 * tables go on huge pages: a lookup is a random access.
 */
static struct slot *
table(struct slot *old, size_t oldcap, size_t cap)
{
	size_t bytes = cap * sizeof *old;
	void *p;

	if (old == NULL)
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else
		p = mremap(old, oldcap * sizeof *old, bytes, MREMAP_MAYMOVE);
	if (p == MAP_FAILED)
		mp_errx(MP_EX_SOFTWARE, "no memory for a table of %zu keys",
		    cap);
	if (bytes >= (4 << 20))
		madvise(p, bytes, MADV_HUGEPAGE);
	return p;
}

/* A table for n keys, 2/3 full. */
static void
set_alloc(struct set *s, size_t n)
{
	s->cap = n / 2 * 3 > MINCAP ? n / 2 * 3 : MINCAP;
	s->s = table(NULL, 0, s->cap);
	s->n = 0;
}

static void
set_free(struct set *s)
{
	if (s->s != NULL)
		munmap(s->s, s->cap * sizeof *s->s);
	s->s = NULL;
}

/* The slot holding the hash h, x, or the empty slot where it would go. */
static struct slot *
lookup(const struct set *s, uint64_t h, uint32_t x)
{
	size_t i = home(s, h);

	for (;; i = next(s, i)) {
		struct slot *e = &s->s[i];

		if ((e->h == h && xof(e) == x) || empty(e))
			return e;
	}
}

/*
 * Grows the table in place to cap slots.  A slot's new home is at or after
 * its old one, so slots are moved from the last to the first, each to the
 * first free slot from its new home: all after the slot being moved have
 * been moved, and a moved slot stays, so every probe path stays unbroken.
 * The few slots whose new home is before them (pushed far from a home
 * near the start) or whose probe would wrap go in last.  The moves run
 * backwards through memory, and no second table is needed.
 */
static void
grow(struct set *s, size_t cap)
{
	struct slot e, *later = NULL;
	size_t old = s->cap, i, j, n = 0, max = 0;

	s->s = table(s->s, old, cap);	/* the new slots are zeros */
	s->cap = cap;
	for (i = old; i-- > 0;) {
		if (empty(&s->s[i]))
			continue;
		e = s->s[i];
		s->s[i].h = 0;
		j = home(s, e.h);
		if (j >= i) {
			while (j < cap && !empty(&s->s[j]))
				j++;
			if (j < cap) {
				s->s[j] = e;
				continue;
			}
		}
		if (n == max) {
			max = max ? 2 * max : 64;
			later = xrealloc(later, max * sizeof *later);
		}
		later[n++] = e;
	}
	for (i = 0; i < n; i++)
		*lookup(s, later[i].h, xof(&later[i])) = later[i];
	free(later);
}

/* Deletes slot i, shifting back the slots of its cluster. */
static void
del(struct set *s, size_t i)
{
	size_t j = i, k;

	for (;;) {
		j = next(s, j);
		if (empty(&s->s[j]))
			break;
		k = home(s, s->s[j].h);
		/* the slot at j may fill the hole at i unless k is in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		s->s[i] = s->s[j];
		i = j;
	}
	memset(&s->s[i], 0, sizeof s->s[i]);
	s->n--;
}

/*
 * Whether a key has expired for good: first seen a window before the
 * watermark this run began with, or (a key of this run) before the
 * current watermark.  Keys of earlier runs live on until the next run, so
 * that a re-run of this one sees them as it did.
 */
static int
dead(const struct mp_keys *k, const struct set *s, const struct slot *e)
{
	if (s->window == 0)
		return 0;
	if (k->startwm != NONE && (int64_t)e->t < k->startwm - s->window)
		return 1;
	return runof(e) == k->cur && k->xwm != NONE &&
	    (int64_t)e->t < k->xwm - s->window;
}

static void
purge(struct mp_keys *k, struct set *s)
{
	size_t i = 0;

	while (i < s->cap)
		if (!empty(&s->s[i]) && dead(k, s, &s->s[i])) {
			del(s, i);
			s->expired++;
			k->dirty = 1;
		} else
			i++;
}

/*
 * Inserts or overwrites at e, the slot lookup gave v; returns the slot.
 * A table 3/4 full is purged, and grown to be half full unless that left
 * it at most 5/8 full: growing by 1.25 to 1.5 times, not 2, keeps a key
 * within 32 bytes.
 */
static struct slot *
put(struct mp_keys *k, struct set *s, struct slot *e, const struct slot *v)
{
	if (empty(e)) {
		if (s->n + 1 > s->cap / 4 * 3) {
			if (s->window > 0)
				purge(k, s);
			if (s->n + 1 > s->cap / 8 * 5)
				grow(s, 2 * (s->n + 1));
			e = lookup(s, v->h, xof(v));
		}
		s->n++;
	}
	*e = *v;
	return e;
}

struct mp_keys *
mp_keys_new(const int64_t *window)
{
	struct mp_keys *k = xcalloc(1, sizeof *k);
	int i;

	mp_digest_random(k->key, sizeof k->key);
	k->hash = HASH_SIPHASH;
	k->wm = k->xwm = k->startwm = NONE;
	k->run = xcalloc(1, sizeof *k->run);
	k->nrun = 1;
	for (i = 0; i < MP_KEYS_NSET; i++) {
		k->set[i].window = window[i];
		set_alloc(&k->set[i], 0);
	}
	return k;
}

void
mp_keys_keying(struct mp_keys *k, const char *spec)
{
	k->keying = (uint32_t)mp_hash(spec, strlen(spec), 0);
}

struct mp_keyhash
mp_keys_hash(const struct mp_keys *k, int domain, const void *p, size_t n)
{
	unsigned char out[16];
	struct mp_keyhash kh;

	if (k->hash == HASH_SIPHASH)
		mp_digest_keyed16s(k->key, domain, p, n, out);
	else
		mp_digest_keyed16(k->key, domain, p, n, out);
	memcpy(&kh.h, out, sizeof kh.h);
	if (kh.h == 0)
		kh.h = 1;	/* 0 marks an empty slot */
	kh.x = out[8];
	return kh;
}

/* Sets the run up once the run table is known; 0, or an exit status. */
static int
begin(struct mp_keys *k, const char *file, const char *runid)
{
	uint32_t i;

	k->cur = 0;
	k->startwm = k->xwm = k->wm;
	if (runid == NULL)
		return 0;
	for (i = 1; i < k->nrun; i++)
		if (strcmp(k->run[i].id, runid) == 0)
			break;
	if (i == k->nrun) {
		/* its index would not fit a slot's 24 bits */
		if (k->nrun - 1 >= MAXRUNS) {
			mp_warnx("state '%s' is full (%u runs): use another "
			    "state for run '%s'", file, k->nrun - 1, runid);
			return MP_EX_CONFIG;
		}
		k->run = xrealloc(k->run, (k->nrun + 1) * sizeof *k->run);
		k->run[i].id = xstrdup(runid);
		k->run[i].prewm = k->wm;
		k->nrun++;
		k->dirty = 1;
	}
	k->cur = i;
	k->startwm = k->xwm = k->run[i].prewm;
	return 0;
}

/* A buffered reader of the state file that checksums what it reads. */
struct rd {
	int	 fd;
	const char *file;
	char	*buf;
	size_t	 len, pos;
	struct cks cks;
	int	 hash;
};

static int
rd(struct rd *r, void *dst, size_t n)
{
	char *d = dst;
	size_t k;
	ssize_t got;

	while (n > 0) {
		if (r->pos == r->len) {
			r->pos = 0;
			do
				got = read(r->fd, r->buf, MP_AFILE_BUF);
			while (got < 0 && errno == EINTR);
			if (got < 0) {
				mp_warnx("state '%s': %s", r->file,
				    strerror(errno));
				return MP_EX_IOERR;
			}
			if ((r->len = got) == 0) {
				mp_warnx("state '%s': truncated", r->file);
				return MP_EX_DATAERR;
			}
		}
		k = r->len - r->pos < n ? r->len - r->pos : n;
		memcpy(d, r->buf + r->pos, k);
		if (r->hash)
			cks_add(&r->cks, r->buf + r->pos, k);
		r->pos += k;
		d += k;
		n -= k;
	}
	return 0;
}

static int
corrupt(const char *file, const char *why)
{
	mp_warnx("state '%s': corrupt (%s)", file, why);
	return MP_EX_DATAERR;
}

/* Reads a slot of a version 1 or 2 file. */
static int
rdslot(struct rd *r, int version, struct slot *v)
{
	struct slot1 v1;
	int st;

	if (version == VERSION)
		return rd(r, v, sizeof *v);
	if ((st = rd(r, &v1, sizeof v1)) != 0)
		return st;
	if ((v1.h[0] | v1.h[1]) == 0)
		v->h = 0;
	else
		v->h = v1.h[0] ? v1.h[0] : 1;	/* as mp_keys_hash */
	v->t = v1.t;
	if (v1.run > MAXRUNS)	/* more than nrun, checked before */
		return corrupt(r->file, "a key of an unknown run");
	v->rx = v1.run << 8 | (uint8_t)v1.h[1];
	return 0;
}

/* Reads n slots of a set (undo: undo records of the last run). */
static int
load_slots(struct mp_keys *k, struct rd *r, int version, struct set *s,
    uint64_t n, int undo)
{
	struct slot v, *e;
	int st;

	for (; n > 0; n--) {
		if ((st = rdslot(r, version, &v)) != 0)
			return st;
		if (empty(&v) || runof(&v) >= k->nrun)
			return corrupt(r->file, empty(&v) ? "an empty key" :
			    "a key of an unknown run");
		if (undo && k->cur == 0)
			continue;
		if (undo && k->cur != k->last) {
			k->dirty = 1;	/* undo records of another run */
			continue;
		}
		if (!undo && runof(&v) == k->cur && k->cur != 0) {
			k->dirty = 1;	/* first seen in this run: forgotten */
			continue;
		}
		if (dead(k, s, &v)) {
			s->expired++;
			k->dirty = 1;
			continue;
		}
		e = lookup(s, v.h, xof(&v));
		if (!undo && !empty(e))
			return corrupt(r->file, "a key twice");
		if (undo)
			k->dirty = 1;
		put(k, s, e, &v);
	}
	return 0;
}

/*
 * Whether a watermark is not a time a slot can hold (seconds in 32 bits):
 * a file holding one is corrupt, and window arithmetic on it overflows.
 */
static int
badwm(int64_t t)
{
	return t != NONE && (t < 0 || t > (int64_t)UINT32_MAX);
}

static uint32_t
le32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t
le64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

int
mp_keys_load(struct mp_keys *k, const char *file, const char *runid)
{
	unsigned char h[HEADER], tail[16];
	uint64_t slotsize;
	uint64_t nkeys[MP_KEYS_NSET], nundo[MP_KEYS_NSET], sum;
	struct rd r = { 0 };
	struct stat sb;
	uint32_t i, last, nrun;
	uint16_t len;
	char extra;
	int st = 0, j, version;

	if (file == NULL || (r.fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
		if (file && errno != ENOENT) {
			mp_warnx("state '%s': %s", file, strerror(errno));
			return MP_EX_NOINPUT;
		}
		k->dirty = file != NULL;	/* a new state is written */
		return begin(k, file, runid);
	}
	r.file = file;
	r.buf = xmalloc(MP_AFILE_BUF);
	r.hash = 1;
	if (fstat(r.fd, &sb) < 0) {
		mp_warnx("state '%s': %s", file, strerror(errno));
		close(r.fd);
		free(r.buf);
		return MP_EX_IOERR;
	}
	k->bytes = sb.st_size;
	if ((st = rd(&r, h, HEADER1)) != 0)
		goto out;
	if (memcmp(h, MAGIC, 8) != 0) {
		st = corrupt(file, "not an mp-dedup state file");
		goto out;
	}
	if ((version = le32(h + 8)) != 1 && version != VERSION) {
		mp_warnx("state '%s': version %u, this mp-dedup reads 1 and %d",
		    file, le32(h + 8), VERSION);
		st = MP_EX_DATAERR;
		goto out;
	}
	k->hash = HASH_BLAKE2B;
	slotsize = sizeof(struct slot1);
	if (version == VERSION) {
		if ((st = rd(&r, h + HEADER1, HEADER - HEADER1)) != 0)
			goto out;
		k->hash = le32(h + HEADER1);
		slotsize = sizeof(struct slot);
		if ((k->hash != HASH_BLAKE2B && k->hash != HASH_SIPHASH) ||
		    le32(h + HEADER1 + 4) != 0) {
			st = corrupt(file, "an unknown hash");
			goto out;
		}
	}
	if (le32(h + 12) != k->keying) {
		mp_warnx("state '%s' was written with other key options "
		    "(--key, --fingerprint, --ignore): use the same ones, or "
		    "another state", file);
		st = MP_EX_CONFIG;
		goto out;
	}
	memcpy(k->key, h + 16, 32);
	k->wm = (int64_t)le64(h + 48);
	nrun = le32(h + 56);
	last = le32(h + 60);
	for (j = 0; j < MP_KEYS_NSET; j++) {
		nkeys[j] = le64(h + 64 + 8 * j);
		nundo[j] = le64(h + 80 + 8 * j);
	}
	for (j = 0; j < MP_KEYS_NSET; j++)
		if (nkeys[j] > (1ULL << 40) || nundo[j] > (1ULL << 40))
			break;
	if (j < MP_KEYS_NSET || nrun == 0 || nrun > (1u << 30) ||
	    last >= nrun) {
		st = corrupt(file, "bad counts");
		goto out;
	}
	if (version == 1 && nrun - 1 > MAXRUNS) {
		mp_warnx("state '%s' holds %u runs with an id, more than the "
		    "%u a state can now: use another state", file, nrun - 1,
		    (unsigned)MAXRUNS);
		st = MP_EX_CONFIG;
		goto out;
	}
	if (version == VERSION && nrun - 1 > MAXRUNS) {
		st = corrupt(file, "bad counts");
		goto out;
	}
	if (badwm(k->wm)) {
		st = corrupt(file, "a bad watermark");
		goto out;
	}
	if ((uint64_t)sb.st_size < (version == 1 ? HEADER1 : HEADER) + 16 +
	    slotsize * (nkeys[0] + nkeys[1] + nundo[0] + nundo[1]) +
	    10ULL * (nrun - 1)) {
		mp_warnx("state '%s': truncated", file);
		st = MP_EX_DATAERR;
		goto out;
	}
	/* the run table and its size change together (mp_keys_free) */
	k->run = xrealloc(k->run, nrun * sizeof *k->run);
	memset(k->run, 0, nrun * sizeof *k->run);
	k->nrun = nrun;
	for (i = 1; i < k->nrun; i++) {
		if ((st = rd(&r, &len, 2)) != 0)
			goto out;
		if (len == 0 || len > MP_KEYS_MAXRUNID) {
			st = corrupt(file, "a bad run id");
			goto out;
		}
		k->run[i].id = xmalloc(len + 1);
		if ((st = rd(&r, k->run[i].id, len)) != 0 ||
		    (st = rd(&r, &k->run[i].prewm, 8)) != 0)
			goto out;
		k->run[i].id[len] = '\0';
		if (strlen(k->run[i].id) != len) {	/* written with strlen */
			st = corrupt(file, "a bad run id");
			goto out;
		}
		if (badwm(k->run[i].prewm)) {
			st = corrupt(file, "a bad watermark");
			goto out;
		}
	}
	k->last = last;
	if ((st = begin(k, file, runid)) != 0)
		goto out;
	for (j = 0; j < MP_KEYS_NSET; j++) {
		set_free(&k->set[j]);
		set_alloc(&k->set[j], nkeys[j] + nundo[j]);
		if ((st = load_slots(k, &r, version, &k->set[j], nkeys[j],
		    0)) != 0)
			goto out;
	}
	for (j = 0; j < MP_KEYS_NSET; j++)
		if ((st = load_slots(k, &r, version, &k->set[j], nundo[j],
		    1)) != 0)
			goto out;
	sum = cks_end(&r.cks);
	r.hash = 0;
	if ((st = rd(&r, tail, 16)) != 0)
		goto out;
	if (le64(tail) != sum || memcmp(tail + 8, ENDMAGIC, 8) != 0) {
		st = corrupt(file, "checksum mismatch");
		goto out;
	}
	if (r.pos < r.len || read(r.fd, &extra, 1) != 0)
		st = corrupt(file, "bytes after the end");
out:
	close(r.fd);
	free(r.buf);
	return st;
}

void
mp_keys_prefetch(const struct mp_keys *k, int set, struct mp_keyhash kh)
{
	const struct set *s = &k->set[set];

	__builtin_prefetch(&s->s[home(s, kh.h)]);
}

int
mp_keys_see(struct mp_keys *k, int set, struct mp_keyhash kh, int64_t t,
    struct mp_keyinfo *ki)
{
	struct set *s = &k->set[set];
	struct slot *e = lookup(s, kh.h, kh.x), v;
	int64_t w = s->window;
	int rc = MP_KEYS_NEW;

	if (!empty(e) && (w == 0 || k->xwm == NONE ||
	    (int64_t)e->t >= k->xwm - w) && (w == 0 || t == NONE ||
	    (t > (int64_t)e->t ? t - (int64_t)e->t : (int64_t)e->t - t) <
	    w)) {
		ki->first = e->t ? (int64_t)e->t : NONE;
		ki->run = runof(e) ? k->run[runof(e)].id : NULL;
		rc = MP_KEYS_SEEN;
	} else if (w > 0 && t != NONE && k->xwm != NONE && t < k->xwm - w)
		rc = MP_KEYS_LATE;
	else {
		if (!empty(e) && runof(e) != k->cur && k->cur != 0) {
			if (s->nundo == s->capundo) {
				s->capundo = s->capundo ? 2 * s->capundo : 64;
				s->undo = xrealloc(s->undo, s->capundo *
				    sizeof *s->undo);
			}
			s->undo[s->nundo++] = *e;
		}
		v.h = kh.h;
		v.t = t == NONE ? 0 : (uint32_t)t;
		v.rx = k->cur << 8 | kh.x;
		put(k, s, e, &v);
		k->dirty = 1;
	}
	if (t != NONE && (k->xwm == NONE || t > k->xwm))
		k->xwm = t;
	return rc;
}

static void
put32(struct mp_afile *af, struct cks *c, uint32_t v)
{
	mp_afile_write(af, &v, 4);
	cks_add(c, &v, 4);
}

static void
put64(struct mp_afile *af, struct cks *c, uint64_t v)
{
	mp_afile_write(af, &v, 8);
	cks_add(c, &v, 8);
}

static void
putslots(struct mp_afile *af, struct cks *c, const struct slot *v,
    size_t n, const uint32_t *map, int table)
{
	struct slot out[1024];
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		if (table && empty(&v[i]))
			continue;
		out[m] = v[i];
		out[m++].rx = map[runof(&v[i])] << 8 | xof(&v[i]);
		if (m == 1024) {
			mp_afile_write(af, out, m * sizeof *out);
			cks_add(c, out, m * sizeof *out);
			m = 0;
		}
	}
	if (m > 0) {
		mp_afile_write(af, out, m * sizeof *out);
		cks_add(c, out, m * sizeof *out);
	}
}

int
mp_keys_write(struct mp_keys *k, const char *file)
{
	static struct cks c;
	struct mp_afile af;
	uint32_t *map, nrun = 1, i;
	unsigned char *used;
	size_t j;
	uint16_t len;
	int s, st;

	for (s = 0; s < MP_KEYS_NSET; s++)
		purge(k, &k->set[s]);
	if (k->xwm != NONE && (k->wm == NONE || k->xwm > k->wm)) {
		k->wm = k->xwm;
		k->dirty = 1;
	}
	if (!k->dirty)
		return 0;
	/* runs no key refers to are left out; the rest renumbered */
	used = xcalloc(k->nrun, 1);
	map = xcalloc(k->nrun, sizeof *map);
	used[k->cur] = 1;
	for (s = 0; s < MP_KEYS_NSET; s++) {
		for (j = 0; j < k->set[s].cap; j++)
			if (!empty(&k->set[s].s[j]))
				used[runof(&k->set[s].s[j])] = 1;
		for (j = 0; j < k->set[s].nundo; j++)
			used[runof(&k->set[s].undo[j])] = 1;
	}
	for (i = 1; i < k->nrun; i++)
		if (used[i])
			map[i] = nrun++;
	if ((st = mp_afile_open(&af, file, 0)) != 0) {
		free(used);
		free(map);
		return st;
	}
	memset(&c, 0, sizeof c);
	mp_afile_write(&af, MAGIC, 8);
	cks_add(&c, MAGIC, 8);
	put32(&af, &c, VERSION);
	put32(&af, &c, k->keying);
	mp_afile_write(&af, k->key, 32);
	cks_add(&c, k->key, 32);
	put64(&af, &c, (uint64_t)k->wm);
	put32(&af, &c, nrun);
	put32(&af, &c, map[k->cur]);
	for (s = 0; s < MP_KEYS_NSET; s++)
		put64(&af, &c, k->set[s].n);
	for (s = 0; s < MP_KEYS_NSET; s++)
		put64(&af, &c, k->cur ? k->set[s].nundo : 0);
	for (s = 0; s < MP_KEYS_NSET; s++)
		put64(&af, &c, (uint64_t)k->set[s].window);
	put32(&af, &c, k->hash);
	put32(&af, &c, 0);
	for (i = 1; i < k->nrun; i++) {
		if (!used[i])
			continue;
		len = strlen(k->run[i].id);
		mp_afile_write(&af, &len, 2);
		cks_add(&c, &len, 2);
		mp_afile_write(&af, k->run[i].id, len);
		cks_add(&c, k->run[i].id, len);
		put64(&af, &c, (uint64_t)k->run[i].prewm);
	}
	for (s = 0; s < MP_KEYS_NSET; s++)
		putslots(&af, &c, k->set[s].s, k->set[s].cap, map, 1);
	for (s = 0; s < MP_KEYS_NSET && k->cur; s++)
		putslots(&af, &c, k->set[s].undo, k->set[s].nundo, map, 0);
	mp_afile_write(&af, &(uint64_t){ cks_end(&c) }, 8);
	mp_afile_write(&af, ENDMAGIC, 8);
	k->bytes = af.size;
	free(used);
	free(map);
	return mp_afile_commit(&af);
}

void
mp_keys_free(struct mp_keys *k)
{
	uint32_t i;
	int s;

	if (k == NULL)
		return;
	for (i = 1; i < k->nrun; i++)
		free(k->run[i].id);
	free(k->run);
	for (s = 0; s < MP_KEYS_NSET; s++) {
		set_free(&k->set[s]);
		free(k->set[s].undo);
	}
	mp_digest_wipe(k->key, sizeof k->key);
	free(k);
}

size_t
mp_keys_count(const struct mp_keys *k, int set)
{
	return k->set[set].n;
}

long long
mp_keys_expired(const struct mp_keys *k, int set)
{
	return k->set[set].expired;
}

long long
mp_keys_bytes(const struct mp_keys *k)
{
	return k->bytes;
}

long long
mp_keys_memory(const struct mp_keys *k)
{
	long long m = 0;
	int s;

	for (s = 0; s < MP_KEYS_NSET; s++)
		m += (k->set[s].cap + k->set[s].capundo) * sizeof(struct slot);
	return m;
}
