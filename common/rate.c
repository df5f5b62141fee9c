/*
 * rate.c: counting events per key in fixed windows of event time.
 *
 * An open-addressing table of (key, window) counters.  A counter is
 * forgotten once its window is two or more windows behind the newest one
 * seen, so memory follows the keys active in the last two windows, not the
 * length of the input.  An event that late is not counted at all, so the
 * answer never depends on when the table was last swept.
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"

struct slot {
	uint64_t h;
	int64_t	 win;
	long long count;
	char	*key;		/* NULL for an empty slot */
	size_t	 n;
};

struct mp_rate {
	long long limit;
	int64_t	 width;
	int64_t	 newest;	/* newest window seen */
	struct slot *t;
	size_t	 cap, used;
};

struct mp_rate *
mp_rate_new(long long limit, int64_t width)
{
	struct mp_rate *r = xcalloc(1, sizeof *r);

	r->limit = limit;
	r->width = width;
	r->newest = INT64_MIN;
	r->cap = 1024;
	r->t = xcalloc(r->cap, sizeof *r->t);
	return r;
}

static struct slot *
find(struct slot *t, size_t cap, uint64_t h, int64_t win, const void *key,
    size_t n)
{
	size_t i = h & (cap - 1);

	for (;; i = (i + 1) & (cap - 1))
		if (t[i].key == NULL || (t[i].h == h && t[i].win == win &&
		    t[i].n == n && memcmp(t[i].key, key, n) == 0))
			return &t[i];
}

/* Rebuilds the table without expired counters, growing it when full. */
static void
rehash(struct mp_rate *r)
{
	struct slot *old = r->t, *s;
	size_t i, live = 0, cap = r->cap;

	for (i = 0; i < r->cap; i++)
		if (old[i].key != NULL && old[i].win >= r->newest - 1)
			live++;
	while (live * 4 > cap)
		cap *= 2;
	r->t = xcalloc(cap, sizeof *r->t);
	for (i = 0; i < r->cap; i++) {
		if (old[i].key == NULL)
			continue;
		if (old[i].win < r->newest - 1) {
			free(old[i].key);
			continue;
		}
		s = find(r->t, cap, old[i].h, old[i].win, old[i].key,
		    old[i].n);
		*s = old[i];
	}
	free(old);
	r->cap = cap;
	r->used = live;
}

int
mp_rate_hit(struct mp_rate *r, const void *key, size_t n, int64_t t)
{
	struct slot *s;
	int64_t win;
	uint64_t h;

	/* floor division: windows are aligned to the epoch */
	win = t / r->width - (t % r->width < 0);
	if (win > r->newest)
		r->newest = win;
	/* a window already forgotten, or about to be: not counted */
	if (win < r->newest - 1)
		return 2;
	h = mp_hash(key, n, (uint64_t)win);
	s = find(r->t, r->cap, h, win, key, n);
	if (s->key == NULL) {
		if ((r->used + 1) * 2 > r->cap) {
			rehash(r);
			s = find(r->t, r->cap, h, win, key, n);
		}
		s->h = h;
		s->win = win;
		s->count = 0;
		s->key = xmalloc(n ? n : 1);
		memcpy(s->key, key, n);
		s->n = n;
		r->used++;
	}
	return ++s->count <= r->limit;
}

size_t
mp_rate_size(const struct mp_rate *r)
{
	return r->used;
}

void
mp_rate_free(struct mp_rate *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->cap; i++)
		free(r->t[i].key);
	free(r->t);
	free(r);
}
