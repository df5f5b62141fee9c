/*
 * table.c: rows found by key, held in memory.  A row is its key and value
 * bytes in one arena; the index is open addressing on the key's hash, with
 * a tag of the hash beside each slot so that most misses never touch the
 * arena.
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"

struct mp_table {
	char	*arena;
	size_t	 alen, acap;
	uint64_t *row;		/* arena offset of each row */
	size_t	 nrow, rcap;
	uint32_t *slot;		/* row + 1; 0 is empty */
	uint32_t *tag;
	size_t	 mask;		/* slots - 1 */
	size_t	 nkey;		/* keys in the index */
};

/*
 * An arena entry: the key's and the value's lengths as varints, the line
 * (4 bytes, at most UINT32_MAX), then the key and the value.
 */
struct ent {
	const char *key, *val;
	size_t	 klen, vlen;
	uint32_t line;
};

static uint64_t
hash(const void *k, size_t n)
{
	return mp_hash(k, n, 0x6d702d656e726963ULL);
}

struct mp_table *
mp_table_new(void)
{
	struct mp_table *t = xcalloc(1, sizeof *t);

	t->mask = 15;
	t->slot = xcalloc(t->mask + 1, sizeof *t->slot);
	t->tag = xcalloc(t->mask + 1, sizeof *t->tag);
	return t;
}

static void
ent(const struct mp_table *t, size_t r, struct ent *e)
{
	const unsigned char *p = (const unsigned char *)t->arena + t->row[r];

	p += mp_varint_get(p, MP_VARINT_MAX, &e->klen);
	p += mp_varint_get(p, MP_VARINT_MAX, &e->vlen);
	memcpy(&e->line, p, sizeof e->line);
	e->key = (const char *)p + sizeof e->line;
	e->val = e->key + e->klen;
}

/* The slot of the key, or of the empty slot where it would go. */
static size_t
find(const struct mp_table *t, const void *k, size_t n, uint64_t h)
{
	uint32_t tg = h >> 32;
	size_t i = h & t->mask;
	struct ent e;

	for (;; i = (i + 1) & t->mask) {
		if (t->slot[i] == 0)
			return i;
		if (t->tag[i] != tg)
			continue;
		ent(t, t->slot[i] - 1, &e);
		if (e.klen == n && memcmp(e.key, k, n) == 0)
			return i;
	}
}

static void
grow(struct mp_table *t)
{
	uint32_t *os = t->slot, *ot = t->tag;
	size_t omask = t->mask, i, j;
	struct ent e;

	t->mask = t->mask * 2 + 1;
	t->slot = xcalloc(t->mask + 1, sizeof *t->slot);
	t->tag = xcalloc(t->mask + 1, sizeof *t->tag);
	for (i = 0; i <= omask; i++) {
		if (os[i] == 0)
			continue;
		ent(t, os[i] - 1, &e);
		j = find(t, e.key, e.klen, hash(e.key, e.klen));
		t->slot[j] = os[i];
		t->tag[j] = ot[i];
	}
	free(os);
	free(ot);
}

long
mp_table_add(struct mp_table *t, const void *k, size_t kn, const void *v,
    size_t vn, long long line, int how, long *old)
{
	uint64_t h = hash(k, kn);
	size_t i = find(t, k, kn, h), need, at;
	uint32_t ln = line < 0 ? 0 : line > UINT32_MAX ? UINT32_MAX : line;
	unsigned char *p;

	*old = t->slot[i] ? (long)t->slot[i] - 1 : -1;
	if (*old >= 0 && how != MP_TABLE_LAST)
		return -1;
	if (kn > UINT32_MAX || vn > UINT32_MAX || t->nrow >= UINT32_MAX - 1)
		mp_errx(MP_EX_SOFTWARE, "table too large");
	need = 20 + sizeof ln + kn + vn;
	if (t->alen + need > t->acap) {
		t->acap = t->acap ? t->acap * 2 : 1 << 16;
		while (t->alen + need > t->acap)
			t->acap *= 2;
		t->arena = xrealloc(t->arena, t->acap);
	}
	if (t->nrow == t->rcap) {
		t->rcap = t->rcap ? t->rcap * 2 : 1024;
		t->row = xrealloc(t->row, t->rcap * sizeof *t->row);
	}
	at = t->alen;
	p = (unsigned char *)t->arena + at;
	p += mp_varint_put(p, kn);
	p += mp_varint_put(p, vn);
	memcpy(p, &ln, sizeof ln);
	p += sizeof ln;
	memcpy(p, k, kn);
	if (vn)
		memcpy(p + kn, v, vn);
	t->row[t->nrow] = at;
	t->alen = (char *)p + kn + vn - t->arena;
	t->slot[i] = ++t->nrow;
	t->tag[i] = h >> 32;
	if (*old < 0 && ++t->nkey * 2 > t->mask)
		grow(t);
	return t->nrow - 1;
}

long
mp_table_find(const struct mp_table *t, const void *k, size_t n)
{
	size_t i = find(t, k, n, hash(k, n));

	return (long)t->slot[i] - 1;
}

const char *
mp_table_val(const struct mp_table *t, long r, size_t *n)
{
	struct ent e;

	ent(t, r, &e);
	*n = e.vlen;
	return e.val;
}

const char *
mp_table_key(const struct mp_table *t, long r, size_t *n)
{
	struct ent e;

	ent(t, r, &e);
	*n = e.klen;
	return e.key;
}

long long
mp_table_line(const struct mp_table *t, long r)
{
	struct ent e;

	ent(t, r, &e);
	return e.line;
}

size_t
mp_table_count(const struct mp_table *t)
{
	return t->nkey;
}

size_t
mp_table_rows(const struct mp_table *t)
{
	return t->nrow;
}

size_t
mp_table_memory(const struct mp_table *t)
{
	/* what is in use: the arena's pages beyond its end are never touched */
	return t->alen + t->nrow * sizeof *t->row +
	    (t->mask + 1) * (sizeof *t->slot + sizeof *t->tag);
}

void
mp_table_clear(struct mp_table *t)
{
	memset(t->slot, 0, (t->mask + 1) * sizeof *t->slot);
	t->alen = t->nrow = t->nkey = 0;
}

void
mp_table_free(struct mp_table *t)
{
	if (t == NULL)
		return;
	free(t->arena);
	free(t->row);
	free(t->slot);
	free(t->tag);
	free(t);
}
