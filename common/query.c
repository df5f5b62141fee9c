/*
 * query.c: many jq paths found in one pass over a checked record: the
 * paths as a trie, walked once per record (the walk is in scan.h).
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"
#include "scan.h"

typedef const char *ptr;

struct qnode {
	struct mp_seg seg;
	int	*terms;		/* paths that end here */
	int	 nterms;
	struct qnode *kid;
	int	 nkid;
	int	 keyed;		/* kids are keys (else indexes) */
};

struct mp_query {
	struct qnode root;
	int	 npath;
};

struct qrun {
	struct mp_span *v;
	int	 left;		/* paths not found yet */
};

struct mp_query *
mp_query_new(const struct mp_path *paths, int n)
{
	struct mp_query *q = xcalloc(1, sizeof *q);
	struct qnode *nd, *k;
	int i, j, c;

	q->npath = n;
	for (i = 0; i < n; i++) {
		nd = &q->root;
		for (j = 0; j < paths[i].nseg; j++) {
			const struct mp_seg *s = &paths[i].seg[j];

			for (c = 0; c < nd->nkid; c++) {
				k = &nd->kid[c];
				if ((s->key == NULL) == (k->seg.key == NULL) &&
				    (s->key ? k->seg.keylen == s->keylen &&
				    memcmp(k->seg.key, s->key, s->keylen) == 0 :
				    k->seg.index == s->index))
					break;
			}
			if (c == nd->nkid) {
				nd->kid = xrealloc(nd->kid,
				    (nd->nkid + 1) * sizeof *nd->kid);
				k = &nd->kid[nd->nkid++];
				memset(k, 0, sizeof *k);
				k->seg = *s;
			}
			nd = &nd->kid[c];
		}
		nd->terms = xrealloc(nd->terms,
		    (nd->nterms + 1) * sizeof *nd->terms);
		nd->terms[nd->nterms++] = i;
	}
	return q;
}

/*
 * Walks the value at p for node nd; returns its end, or NULL once every
 * path has been found (no need to read further).
 */
static ptr
walk(const struct qnode *nd, ptr p, ptr end, struct qrun *r)
{
	struct mp_span k;
	ptr v, vend = NULL, c;
	long i = 0;
	int t, x, esc = 0;

	if (nd->nkid > 0 && (*p == '{' || *p == '[')) {
		c = p;
		while (mp_scan_next(&c, end, *p == '{' ? &k : NULL, &esc, &v)) {
			const struct qnode *kid = NULL;

			for (x = 0; x < nd->nkid; x++) {
				const struct mp_seg *s = &nd->kid[x].seg;

				if (*p == '{' ?
				    s->key && mp_scan_keyeq(&k, esc, s) :
				    !s->key && s->index == i) {
					kid = &nd->kid[x];
					break;
				}
			}
			i++;
			if (kid && walk(kid, v, end, r) == NULL)
				return NULL;
		}
		vend = c + 1;
	}
	if (nd->nterms) {
		if (vend == NULL)
			vend = mp_scan_value(p, end);
		for (t = 0; t < nd->nterms; t++) {
			r->v[nd->terms[t]].p = p;
			r->v[nd->terms[t]].n = vend - p;
		}
		if ((r->left -= nd->nterms) == 0)
			return NULL;
	}
	return vend ? vend : p;
}

void
mp_query_run(const struct mp_query *q, const char *rec, size_t n,
    struct mp_span *v)
{
	struct qrun r = { v, q->npath };
	ptr end = rec + n;
	int i;

	for (i = 0; i < q->npath; i++)
		v[i].p = NULL, v[i].n = 0;
	if (q->npath)
		walk(&q->root, mp_scan_ws(rec, end), end, &r);
}

static void
qnode_free(struct qnode *nd)
{
	int i;

	for (i = 0; i < nd->nkid; i++)
		qnode_free(&nd->kid[i]);
	free(nd->kid);
	free(nd->terms);
}

void
mp_query_free(struct mp_query *q)
{
	if (q) {
		qnode_free(&q->root);
		free(q);
	}
}
