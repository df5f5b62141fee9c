/*
 * spend.c: a lookup table's spend shared among the events that match each
 * row, and the cost records of what no event got.
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"

/* A row's cost record but for its amount, reason and count: head, tail. */
struct resid {
	size_t	 off, hn, tn;
};

struct mp_spend {
	/* by row: the amount, the events it covers, the events seen */
	int64_t	*total, *n, *seen;
	size_t	 acap;
	/* --unallocated: what a row's record holds, made as it is read */
	int	 tidx;		/* the time column */
	int	 srcidx;	/* a column "source", or -1 */
	int	*ocol, nocol;	/* the other columns it keeps */
	char	**oname;	/* their names, as "name": */
	char	**kname;	/* the key columns', NULL: left out */
	const char *sname;	/* the source field, as "name":, or NULL */
	int	 ssplice;	/* the source field is a path, spliced in */
	struct resid *res;
	struct mp_buf rbuf;
};

/* A cost record's own members. */
static const char *own[] = { "event_id", "type", "ts", "source", "reason",
    "unallocated_count" };
#define NOWN	((int)(sizeof own / sizeof *own))

/* The cost record of a row, but for the amount, the reason and the count. */
static void
resrow(struct mp_spend_cfg *cfg, struct mp_lookup *t,
    const struct mp_lookup_row *r, long id)
{
	static const struct mp_lookup_add raw;	/* as in the table */
	static struct mp_buf ts, eid;
	struct mp_spend *s = t->spend;
	struct mp_buf *b = &s->rbuf;
	struct resid *x = &s->res[id];
	size_t at;
	int64_t us;
	int i;

	ts.len = 0;
	if (!mp_lookup_celltext(r, s->tidx, &ts) || ts.len == 0)
		mp_lookup_bad(r, "column '%s' is %s: table '%s' has no time "
		    "for this row's --unallocated record", cfg->timecol,
		    r->cell[s->tidx].p == NULL ? "missing" : "empty or null",
		    t->name);
	if (mp_lookup_isday(ts.p, ts.len))
		mp_buf_adds(&ts, "T00:00:00Z");
	else if (mp_time_parse(ts.p, ts.len, &us) < 0)
		mp_lookup_bad(r, "column '%s': '%s' is not a day (YYYY-MM-DD) "
		    "or an RFC 3339 time, for table '%s''s --unallocated "
		    "record", cfg->timecol, mp_buf_str(&ts), t->name);
	eid.len = 0;
	mp_buf_adds(&eid, "spend:");
	mp_buf_adds(&eid, t->name);
	for (i = 0; i < t->nkey; i++) {
		mp_buf_addc(&eid, ':');
		mp_lookup_celltext(r, t->key[i].idx, &eid);
	}
	x->off = b->len;
	mp_buf_adds(b, "{\"event_id\":");
	mp_buf_json_str(b, eid.p, eid.len);
	mp_buf_adds(b, ",\"type\":");
	mp_buf_json_str(b, cfg->type, strlen(cfg->type));
	mp_buf_adds(b, ",\"ts\":");
	mp_buf_json_str(b, ts.p, ts.len);
	/* the row's network, when one table reports for several */
	mp_buf_adds(b, ",\"source\":");
	eid.len = 0;
	if (s->srcidx >= 0 && mp_lookup_celltext(r, s->srcidx, &eid) &&
	    eid.len > 0)
		mp_buf_json_str(b, eid.p, eid.len);
	else
		mp_buf_json_str(b, t->name, strlen(t->name));
	if (s->sname) {
		mp_buf_addc(b, ',');
		mp_buf_adds(b, s->sname);
		mp_buf_json_str(b, t->name, strlen(t->name));
	}
	for (i = 0; i < t->nkey; i++) {
		if (s->kname[i] == NULL)
			continue;
		mp_buf_addc(b, ',');
		mp_buf_adds(b, s->kname[i]);
		eid.len = 0;
		mp_lookup_celltext(r, t->key[i].idx, &eid);
		mp_buf_json_str(b, eid.p, eid.len);
	}
	x->hn = b->len - x->off;
	for (i = 0; i < s->nocol; i++) {
		at = b->len;
		mp_buf_addc(b, ',');
		mp_buf_adds(b, s->oname[i]);
		if (!mp_lookup_cellvalue(r, s->ocol[i], &raw, b))
			b->len = at;	/* an empty cell: nothing */
	}
	mp_buf_addc(b, '}');
	x->tn = b->len - x->off - x->hn;
}

/* A row as it is read: its amount and count. */
static void
allocrow(void *arg, struct mp_lookup *t, const struct mp_lookup_row *r,
    long id)
{
	static struct mp_buf b;
	struct mp_spend_cfg *cfg = arg;
	struct mp_spend *s = t->spend;
	const char *errstr;
	long long cnt;

	if ((size_t)id >= s->acap) {
		s->acap = s->acap ? s->acap * 2 : 1024;
		while ((size_t)id >= s->acap)
			s->acap *= 2;
		s->total = xrealloc(s->total, s->acap * sizeof *s->total);
		s->n = xrealloc(s->n, s->acap * sizeof *s->n);
		s->seen = xrealloc(s->seen, s->acap * sizeof *s->seen);
		if (cfg->type)
			s->res = xrealloc(s->res, s->acap * sizeof *s->res);
	}
	b.len = 0;
	if (!mp_lookup_celltext(r, t->aidx, &b) || mp_money_parse(b.p, b.len,
	    &s->total[id], &errstr) < 0)
		mp_lookup_bad(r, "column '%s': '%s' is not an exact decimal",
		    t->alloc, mp_buf_str(&b));
	s->n[id] = 0;
	s->seen[id] = 0;
	if (t->countcol) {
		b.len = 0;
		if (!mp_lookup_celltext(r, t->cidx, &b) ||
		    mp_strtonum(mp_buf_str(&b), 0, INT64_MAX / 2, &cnt,
		    &errstr) < 0)
			mp_lookup_bad(r, "column '%s': '%s' is not a count",
			    t->countcol, mp_buf_str(&b));
		s->n[id] = cnt;
	}
	if (cfg->type)
		resrow(cfg, t, r, id);
}

/* "name": of a column, for a record being written. */
static char *
jsonname(const char *s, size_t n)
{
	struct mp_buf b = { 0 };

	mp_buf_json_str(&b, s, n);
	mp_buf_addc(&b, ':');
	return (char *)mp_buf_str(&b);
}

static int
taken(char **used, int n, const char *s, size_t len)
{
	int i;

	for (i = 0; i < n; i++)
		if (strlen(used[i]) == len && memcmp(used[i], s, len) == 0)
			return 1;
	return 0;
}

/*
 * The members of a table's cost records: their own, then the key columns,
 * then the other columns; a column whose name is taken already is left
 * out, so that no record has a member twice.
 */
static void
rescols(void *arg, struct mp_lookup *t, char **cols, int ncol,
    const char *where)
{
	struct mp_spend_cfg *cfg = arg;
	struct mp_spend *s = t->spend;
	const struct mp_lookup_add *sf = cfg->srcfield;
	const struct mp_seg *sg;
	char **used;
	int nused = 0, nfree, i, j;

	if (cfg->type == NULL)
		return;
	used = xcalloc(ncol + t->nkey + 9, sizeof *used);
	for (i = 0; i < NOWN; i++)
		used[nused++] = (char *)own[i];
	if ((sg = &t->afield.field.seg[0])->key)
		used[nused++] = xstrndup(sg->key, sg->keylen);
	s->sname = NULL;
	s->ssplice = 0;
	if (sf && sf->field.nseg && (sg = &sf->field.seg[0])->key &&
	    !taken(used, nused, sg->key, sg->keylen)) {
		if (sf->name)
			s->sname = sf->name;
		else
			s->ssplice = 1;
		used[nused++] = xstrndup(sg->key, sg->keylen);
	}
	nfree = nused;
	s->kname = xcalloc(t->nkey + 1, sizeof *s->kname);
	for (i = 0; i < t->nkey; i++)
		if (!taken(used, nused, t->key[i].col,
		    strlen(t->key[i].col))) {
			s->kname[i] = jsonname(t->key[i].col,
			    strlen(t->key[i].col));
			used[nused++] = t->key[i].col;
		}
	s->ocol = xcalloc(ncol + 1, sizeof *s->ocol);
	s->oname = xcalloc(ncol + 1, sizeof *s->oname);
	for (i = 0; i < ncol; i++) {
		for (j = 0; j < t->nkey; j++)
			if (t->key[j].idx == i)
				break;
		if (j < t->nkey || taken(used, nused, cols[i],
		    strlen(cols[i])))
			continue;
		s->ocol[s->nocol] = i;
		s->oname[s->nocol++] = jsonname(cols[i], strlen(cols[i]));
		used[nused++] = cols[i];
	}
	s->srcidx = mp_lookup_colidx(cols, ncol, "source");
	if ((s->tidx = mp_lookup_colidx(cols, ncol, cfg->timecol)) < 0)
		mp_errat(MP_EX_DATAERR, where, 0, "no column '%s' for the "
		    "time of the --unallocated records", cfg->timecol);
	for (i = NOWN; i < nfree; i++)
		free(used[i]);
	free(used);
}

int
mp_spend_init(struct mp_spend_cfg *cfg, struct mp_lookups *ls)
{
	const struct mp_seg *sg;
	struct mp_lookup *t;
	int i, j, any = 0, twopass = 0, batched = 0;

	for (i = 0; i < ls->ntab; i++) {
		any |= ls->tab[i].alloc != NULL;
		batched |= ls->tab[i].batched;
	}
	if (cfg->type && !any) {
		mp_warnx("--unallocated needs a table with --allocate");
		mp_usage(ls->usage);
	}
	for (i = 0; i < ls->ntab; i++) {
		t = &ls->tab[i];
		if (t->alloc == NULL)
			continue;
		twopass |= t->countcol == NULL;
		t->spend = xcalloc(1, sizeof *t->spend);
		sg = &t->afield.field.seg[0];
		for (j = 0; cfg->type && sg->key && j < NOWN; j++)
			if (strlen(own[j]) == sg->keylen &&
			    memcmp(own[j], sg->key, sg->keylen) == 0) {
				mp_warnx("--unallocated: the allocated field "
				    "'%s' is one of the record's own",
				    t->afield.field.text);
				mp_usage(ls->usage);
			}
	}
	if (twopass && batched) {
		mp_warnx("--allocate without --count-column cannot be used "
		    "with a query in batches");
		mp_usage(ls->usage);
	}
	ls->needcol = cfg->type ? cfg->timecol : NULL;
	ls->resolved = rescols;
	ls->addrow = allocrow;
	ls->hookarg = cfg;
	return twopass;
}

void
mp_spend_types(struct mp_spend_cfg *cfg, const char *arg, const char *usage)
{
	char *s = xstrdup(arg), *tok;

	free(cfg->typebuf);	/* the last --allocate-to's */
	cfg->typebuf = s;
	cfg->ntypes = 0;
	for (tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		cfg->types = xrealloc(cfg->types, (cfg->ntypes + 1) *
		    sizeof *cfg->types);
		cfg->types[cfg->ntypes++] = tok;
	}
	if (cfg->ntypes == 0) {
		mp_warnx("--allocate-to: no types");
		mp_usage(usage);
	}
}

int
mp_spend_istype(const struct mp_spend_cfg *cfg, const struct mp_lookups *ls)
{
	const struct mp_span *v;
	int i;

	if (cfg->ntypes == 0)
		return 1;
	v = &ls->val[cfg->typeslot];
	if (v->n == 0 || mp_json_type(v) != MP_JSON_STRING)
		return 0;
	for (i = 0; i < cfg->ntypes; i++)
		if (mp_json_str_eq(v, cfg->types[i], strlen(cfg->types[i])))
			return 1;
	return 0;
}

int
mp_spend_share(struct mp_spend_cfg *cfg, struct mp_lookup *t, long r,
    int64_t *share)
{
	struct mp_spend *s = t->spend;
	int given = 0;

	*share = 0;
	if (s->seen[r] < s->n[r]) {
		*share = mp_money_share(s->total[r], s->seen[r], s->n[r]);
		cfg->allocated++;
		given = 1;
	} else
		cfg->excess++;
	s->seen[r]++;
	return given;
}

void
mp_spend_unshare(struct mp_spend_cfg *cfg, struct mp_lookup *t, long r)
{
	t->spend->seen[r]--;
	cfg->allocated--;
}

void
mp_spend_count(struct mp_lookup *t, long r)
{
	t->spend->n[r]++;
}

/*
 * The spend of row r that no event got: of a row with fewer events than
 * its count, or with none; why, and how many of its count got nothing.
 */
static int64_t
residual(const struct mp_lookup *t, long r, const char **why,
    int64_t *left)
{
	const struct mp_spend *s = t->spend;
	const char *k;
	size_t kn;

	k = mp_table_key(t->rows, r, &kn);
	if (mp_table_find(t->rows, k, kn) != r)
		return 0;	/* replaced, with --last */
	*why = s->seen[r] == 0 ? "no-events" : "unmatched";
	*left = s->n[r] > s->seen[r] ? s->n[r] - s->seen[r] : 0;
	if (s->n[r] == 0)
		return s->total[r];
	if (s->seen[r] >= s->n[r])
		return 0;
	/* the shares of the events that did not come */
	return mp_money_shares(s->total[r], s->seen[r], s->n[r] - s->seen[r],
	    s->n[r]);
}

static int64_t
unallocated(const struct mp_lookup *t)
{
	const char *why;
	int64_t sum = 0, left;
	long r;

	for (r = 0; r < (long)mp_table_rows(t->rows); r++)
		sum += residual(t, r, &why, &left);
	return sum;
}

static void
records(struct mp_spend_cfg *cfg, struct mp_run *run, struct mp_lookup *t)
{
	static struct mp_buf out, alt, nm;
	struct mp_buf *src = &out, *dst = &alt, *x;
	const struct mp_spend *s = t->spend;
	const struct resid *rs;
	const char *why;
	char mbuf[32];
	int64_t amount, left;
	long r;

	for (r = 0; r < (long)mp_table_rows(t->rows); r++) {
		if ((amount = residual(t, r, &why, &left)) == 0)
			continue;
		rs = &s->res[r];
		mp_money_fmt(amount, mbuf);
		src->len = 0;
		mp_buf_add(src, s->rbuf.p + rs->off, rs->hn);
		if (t->afield.name) {
			mp_buf_addc(src, ',');
			mp_buf_adds(src, t->afield.name);
			mp_buf_adds(src, mbuf);
		}
		mp_buf_printf(src, ",\"reason\":\"%s\",\"unallocated_count\":"
		    "%lld", why, (long long)left);
		mp_buf_add(src, s->rbuf.p + rs->off + rs->hn, rs->tn);
		/* fields given as paths go in at the end */
		if (t->afield.name == NULL) {
			dst->len = 0;
			mp_json_splice(src->p, src->len, &t->afield.field,
			    mbuf, strlen(mbuf), dst);
			x = src, src = dst, dst = x;
		}
		if (s->ssplice) {
			nm.len = 0;
			mp_buf_json_str(&nm, t->name, strlen(t->name));
			dst->len = 0;
			mp_json_splice(src->p, src->len, &cfg->srcfield->field,
			    nm.p, nm.len, dst);
			x = src, src = dst, dst = x;
		}
		mp_emit_line(run, src->p, src->len);
		cfg->records++;
	}
}

void
mp_spend_records(struct mp_spend_cfg *cfg, struct mp_run *run,
    struct mp_lookups *ls)
{
	int i;

	for (i = 0; i < ls->ntab; i++)
		if (ls->tab[i].alloc)
			records(cfg, run, &ls->tab[i]);
}

size_t
mp_spend_memory(const struct mp_lookups *ls)
{
	const struct mp_spend *s;
	size_t mem = 0;
	int i;

	for (i = 0; i < ls->ntab; i++) {
		if ((s = ls->tab[i].spend) == NULL)
			continue;
		mem += s->acap * 3 * sizeof(int64_t);
		if (s->res)
			mem += s->acap * sizeof *s->res + s->rbuf.len;
	}
	return mem;
}

void
mp_spend_stats(const struct mp_spend_cfg *cfg,
    const struct mp_lookups *ls, struct mp_run *run, int always)
{
	int64_t sum = 0;
	int i;

	for (i = 0; i < ls->ntab; i++)
		if (ls->tab[i].spend)
			sum += unallocated(&ls->tab[i]);
	if (always || cfg->allocated) {
		mp_count(run, "allocated", cfg->allocated);
		mp_count(run, "allocate_excess", cfg->excess);
		mp_count(run, "unallocated_micros", sum);
	}
	if (cfg->type)
		mp_count(run, "cost_records", cfg->records);
}

static void
tabfree(struct mp_lookup *t)
{
	struct mp_spend *s = t->spend;
	int i;

	if (s == NULL)
		return;
	free(s->total);
	free(s->n);
	free(s->seen);
	free(s->ocol);
	for (i = 0; i < s->nocol; i++)
		free(s->oname[i]);
	free(s->oname);
	for (i = 0; s->kname && i < t->nkey; i++)
		free(s->kname[i]);
	free(s->kname);
	free(s->res);
	mp_buf_free(&s->rbuf);
	free(s);
	t->spend = NULL;
}

void
mp_spend_free(struct mp_lookups *ls)
{
	int i;

	for (i = 0; i < ls->ntab; i++)
		tabfree(&ls->tab[i]);
}
