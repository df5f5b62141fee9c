/*
 * lookbatch.c: tables that are a query with parameters ($1, ...): records
 * are held, then their keys are asked for in one query per batch; what
 * came back, and what did not, is kept in a cache of two generations.
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"

static void cache_put(struct mp_lookups *, struct mp_lookup *, const char *,
    size_t, const char *, size_t);

static long
cache_find(struct mp_lookups *ls, struct mp_lookup *t, const char *k,
    size_t n, const char **v, size_t *vn)
{
	static struct mp_buf kc, vc;
	long r;

	if ((r = mp_table_find(t->cache[0], k, n)) >= 0) {
		*v = mp_table_val(t->cache[0], r, vn);
		return r;
	}
	if ((r = mp_table_find(t->cache[1], k, n)) < 0)
		return -1;
	/* used again: into the newer generation, which may push it out */
	*v = mp_table_val(t->cache[1], r, vn);
	kc.len = vc.len = 0;
	mp_buf_add(&kc, k, n);
	mp_buf_add(&vc, *v, *vn);
	cache_put(ls, t, kc.p, kc.len, vc.p, vc.len);
	*v = vc.p;
	*vn = vc.len;
	return 0;
}

/*
 * The cache is two generations of at most half of --cache keys each: a
 * key used in neither of the last two is forgotten.
 */
static void
cache_put(struct mp_lookups *ls, struct mp_lookup *t, const char *k,
    size_t n, const char *v, size_t vn)
{
	long long cap = ls->cachen / 2 > 0 ? ls->cachen / 2 : 1;
	struct mp_table *x;
	long old;

	if (ls->cachen == 0)
		return;
	if ((long long)mp_table_count(t->cache[0]) >= cap) {
		x = t->cache[1];
		t->cache[1] = t->cache[0];
		t->cache[0] = x;
		mp_table_clear(t->cache[0]);
		if (ls->cachen == 1)
			mp_table_clear(t->cache[1]);
	}
	mp_table_add(t->cache[0], k, n, v, vn, 0, MP_TABLE_LAST, &old);
}

size_t
mp_lookup_cached(const struct mp_lookup *t)
{
	const char *k;
	size_t i, kn, c = mp_table_count(t->cache[0]);

	for (i = 0; i < mp_table_rows(t->cache[1]); i++) {
		k = mp_table_key(t->cache[1], i, &kn);
		if (mp_table_find(t->cache[1], k, kn) == (long)i &&
		    mp_table_find(t->cache[0], k, kn) < 0)
			c++;
	}
	return c;
}

/* A query's rows on their way into a batch's table. */
struct pgload {
	struct mp_lookups *ls;
	struct mp_lookup *t;
	struct mp_table *into;
};

static void
pgrow(void *arg, const struct mp_pglookup_row *pr)
{
	struct pgload *pl = arg;

	mp_lookup_pgrow(pl->ls, pl->t, pl->into, pr);
}

/* Asks the server for the keys of a batch; rows go into t->bt. */
static void
pgbatch(struct mp_lookups *ls, struct mp_lookup *t, struct mp_table *ask)
{
	static struct mp_buf *arr;
	static const char **vals;
	static struct mp_table *qt;
	struct pgload pl = { ls, t, NULL };
	const char *kp, *p, *v;
	size_t kn, n, i, vn;
	long old;
	int j, st;

	arr = xrealloc(arr, t->nkey * sizeof *arr);
	vals = xrealloc(vals, t->nkey * sizeof *vals);
	for (j = 0; j < t->nkey; j++) {
		memset(&arr[j], 0, sizeof arr[j]);
		for (i = 0; i < mp_table_rows(ask); i++) {
			kp = mp_table_key(ask, i, &kn);
			if (mp_lookup_keypart_get(kp, kn, j, &p, &n))
				mp_pglookup_array(&arr[j], p, n);
		}
		mp_buf_addc(&arr[j], '}');
		vals[j] = mp_buf_str(&arr[j]);
	}
	/*
	 * The rows come into a table of their own, duplicates judged there;
	 * a key the batch has from the cache already keeps that row.
	 */
	if (qt == NULL)
		qt = mp_table_new();
	mp_table_clear(qt);
	pl.into = qt;
	if ((st = mp_pglookup_batch(&ls->pg, t->src + 3, t->name, t->nkey,
	    vals, pgrow, &pl)) != 0)
		exit(st);
	for (i = 0; i < mp_table_rows(qt); i++) {
		kp = mp_table_key(qt, i, &kn);
		if (mp_table_find(qt, kp, kn) != (long)i ||
		    mp_table_find(t->bt, kp, kn) >= 0)
			continue;
		v = mp_table_val(qt, i, &vn);
		mp_table_add(t->bt, kp, kn, v, vn, mp_table_line(qt, i),
		    MP_TABLE_LAST, &old);
	}
	for (j = 0; j < t->nkey; j++)
		mp_buf_free(&arr[j]);
}

/* A held record as the one being looked up, its fields found. */
static void
unhold(struct mp_lookups *ls, size_t i, struct mp_rec *rec,
    struct mp_lookup_rec *c)
{
	const struct mp_lookup_held *hd = &ls->held[i];

	rec->p = ls->heldbuf.p + hd->off;
	rec->n = hd->n;
	rec->file = hd->file;
	rec->line = hd->line;
	mp_lookup_begin(ls, c, rec, rec->p, rec->n);
}

/* The held records' keys of a batched table: from the cache, or asked. */
static void
ask(struct mp_lookups *ls, struct mp_run *run, struct mp_lookup *t,
    struct mp_table *ask)
{
	static struct mp_buf k;
	struct mp_lookup_hit *h;
	struct mp_lookup_rec c;
	struct mp_rec rec;
	const char *v, *kp;
	size_t i, vn, kn, before;
	long old;
	int rc;

	for (i = 0; i < ls->nheld; i++) {
		h = &ls->held[i].h;
		if (h->tab != -1)
			continue;
		unhold(ls, i, &rec, &c);
		if ((rc = mp_lookup_recordkey(ls, run, &c, t, &k)) < 0) {
			h->tab = -2;
			continue;
		}
		if (rc == 0 || mp_table_find(t->bt, k.p, k.len) >= 0 ||
		    mp_table_find(ask, k.p, k.len) >= 0)
			continue;
		if (cache_find(ls, t, k.p, k.len, &v, &vn) >= 0) {
			ls->hits++;
			mp_table_add(t->bt, k.p, k.len, v, vn, 0,
			    MP_TABLE_LAST, &old);
		} else {
			ls->misses++;
			mp_table_add(ask, k.p, k.len, NULL, 0, 0,
			    MP_TABLE_ERROR, &old);
		}
	}
	if (mp_table_rows(ask) == 0)
		return;
	before = mp_table_rows(t->bt);
	pgbatch(ls, t, ask);
	/* cache what came back, and what did not */
	for (i = before; i < mp_table_rows(t->bt); i++) {
		kp = mp_table_key(t->bt, i, &kn);
		v = mp_table_val(t->bt, i, &vn);
		cache_put(ls, t, kp, kn, v, vn);
	}
	for (i = 0; i < mp_table_rows(ask); i++) {
		kp = mp_table_key(ask, i, &kn);
		if (mp_table_find(t->bt, kp, kn) >= 0)
			continue;
		cache_put(ls, t, kp, kn, "N", 1);
		mp_table_add(t->bt, kp, kn, "N", 1, 0, MP_TABLE_LAST, &old);
	}
}

void
mp_lookup_flush(struct mp_lookups *ls, struct mp_run *run, int strict,
    mp_lookup_done_fn *fn, void *arg)
{
	static struct mp_buf k;
	struct mp_lookup_hit *h;
	struct mp_lookup_rec c;
	struct mp_table *asked;
	struct mp_rec rec;
	const char *v;
	size_t i, vn;
	long r;
	int ti;

	asked = mp_table_new();
	for (ti = 0; ti < ls->ntab; ti++) {
		struct mp_lookup *t = &ls->tab[ti];

		if (!t->batched) {
			for (i = 0; i < ls->nheld; i++) {
				h = &ls->held[i].h;
				if (h->tab != -1)
					continue;
				unhold(ls, i, &rec, &c);
				if (mp_lookup_find(ls, run, &c, ti, h) < 0)
					h->tab = -2;
			}
			continue;
		}
		mp_table_clear(t->bt);
		mp_table_clear(asked);
		ask(ls, run, t, asked);
		for (i = 0; i < ls->nheld; i++) {
			h = &ls->held[i].h;
			if (h->tab != -1)
				continue;
			unhold(ls, i, &rec, &c);
			if (mp_lookup_recordkey(ls, NULL, &c, t, &k) <= 0)
				continue;
			if ((r = mp_table_find(t->bt, k.p, k.len)) < 0)
				continue;
			v = mp_table_val(t->bt, r, &vn);
			if (*v != 'Y')
				continue;
			h->tab = ti;
			h->row = -1;
			h->val = v;
			h->vn = vn;
		}
	}
	for (i = 0; i < ls->nheld; i++) {
		h = &ls->held[i].h;
		if (h->tab == -2) {
			if (strict)
				break;	/* -s: nothing after the first reject */
			continue;
		}
		unhold(ls, i, &rec, &c);
		fn(arg, run, &c, h);
	}
	mp_table_free(asked);
	ls->nheld = 0;
	ls->heldbuf.len = 0;
}

void
mp_lookup_hold(struct mp_lookups *ls, struct mp_run *run,
    struct mp_lookup_rec *c, int strict, mp_lookup_done_fn *fn, void *arg)
{
	struct mp_lookup_held *hd;

	if (ls->nheld == ls->heldcap) {
		ls->heldcap = ls->heldcap ? ls->heldcap * 2 : 1024;
		ls->held = xrealloc(ls->held, ls->heldcap * sizeof *ls->held);
	}
	hd = &ls->held[ls->nheld];
	hd->off = ls->heldbuf.len;
	hd->n = c->n;
	hd->file = c->rec->file;
	hd->line = c->rec->line;
	hd->h.tab = -1;
	mp_buf_add(&ls->heldbuf, c->p, c->n);
	if ((long long)++ls->nheld >= ls->batchn)
		mp_lookup_flush(ls, run, strict, fn, arg);
}

void
mp_lookup_stats(const struct mp_lookups *ls, struct mp_run *run,
    size_t mem)
{
	const struct mp_lookup *t;
	int i, batched = 0;

	for (i = 0; i < ls->ntab; i++) {
		t = &ls->tab[i];
		mp_count_by(run, "matched", t->name, t->matched);
		mp_count_by(run, "table_rows", t->name, t->batched ?
		    mp_lookup_cached(t) : mp_table_count(t->rows));
		mem += mp_table_memory(t->rows);
		if (t->batched)
			mem += mp_table_memory(t->cache[0]) +
			    mp_table_memory(t->cache[1]) +
			    mp_table_memory(t->bt);
		batched |= t->batched;
	}
	mp_count(run, "table_load_ms", (long long)(ls->loadtime * 1000));
	mp_count(run, "table_bytes", (long long)mem);
	if (batched) {
		mp_count(run, "queries", ls->pg.queries);
		mp_count(run, "cache_hits", ls->hits);
		mp_count(run, "cache_misses", ls->misses);
	}
}
