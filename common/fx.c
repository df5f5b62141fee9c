/*
 * fx.c: converting a record's money fields by the day's exchange rate,
 * exactly (mp_money_convert), noting the rate used in the record.
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"

void
mp_fx_table(struct mp_fx *fx, struct mp_lookups *ls, const char *src)
{
	struct mp_lookup *t = &fx->tab;
	int i, f;

	mp_lookup_new(ls, t, src);
	t->set = MP_LOOKUP_SET_KEY | MP_LOOKUP_SET_ADD;
	t->day = 1;
	mp_lookup_key(ls, t, "date");
	mp_lookup_key(ls, t, "currency");
	mp_lookup_column(ls, t, "rate");
	t->add[0].type = MP_LOOKUP_RATE;
	t->dups = ls->dflt.dups;
	if (t->fmt != MP_LOOKUP_PG) {
		f = mp_lookup_format_of(src);
		t->fmt = f == MP_LOOKUP_NDJSON || f == MP_LOOKUP_TSV ? f :
		    MP_LOOKUP_CSV;
	}
	if (t->batched) {
		mp_warnx("--currency-table: a query with $1 is not read in "
		    "batches");
		mp_usage(ls->usage);
	}
	fx->curslot = mp_lookup_slot(ls, &fx->curpath);
	fx->timeslot = mp_lookup_slot(ls, &fx->timepath);
	fx->convslot = xcalloc(fx->nconv + 1, sizeof *fx->convslot);
	for (i = 0; i < fx->nconv; i++)
		fx->convslot[i] = mp_lookup_slot(ls, &fx->conv[i]);
}

#define REJECT(...)	do { \
	if (run) \
		mp_reject(run, c->rec, __VA_ARGS__); \
} while (0)

/* The record's time: 0, or -1 (after rejecting it, on a second pass). */
static int
rectime(struct mp_fx *fx, struct mp_lookups *ls, struct mp_run *run,
    struct mp_lookup_rec *c, int64_t *us)
{
	const struct mp_span *tv = &ls->val[fx->timeslot];

	if (run)
		return mp_rec_time(run, c->rec, tv, fx->timepath.text, us);
	if (tv->n < 2 || mp_json_type(tv) != MP_JSON_STRING ||
	    mp_time_parse(tv->p + 1, tv->n - 2, us) < 0)
		return -1;
	return 0;
}

int
mp_fx_convert(struct mp_fx *fx, struct mp_lookups *ls, struct mp_run *run,
    struct mp_lookup_rec *c, struct mp_buf *out)
{
	static struct mp_buf key, a, b, fxo, cur;
	const struct mp_span *cv = &ls->val[fx->curslot];
	const struct mp_table *rates = fx->tab.rows;
	struct mp_buf *src = &a, *dst = &b, *x;
	const struct mp_path *cp;
	const struct mp_seg *last;
	const char *errstr, *val;
	char day[32], mbuf[32];
	int64_t us, amount, m, res;
	size_t vn;
	long r = -1;
	int i, sc;

	if (cv->n == 0 || mp_json_type(cv) == MP_JSON_NULL)
		return 0;
	if (mp_json_type(cv) != MP_JSON_STRING) {
		REJECT("field '%s' is not a string", fx->curpath.text);
		return -1;
	}
	if (mp_json_str_eq(cv, fx->currency, strlen(fx->currency)))
		return 0;
	if (rectime(fx, ls, run, c, &us) < 0)
		return -1;
	cur.len = 0;
	mp_json_str_decode(cv, &cur);
	for (i = 0; i < 7 && r < 0; i++) {
		mp_time_fmt(us / 1000000 - (us % 1000000 < 0) - i * 86400,
		    day);
		key.len = 0;
		mp_lookup_keypart(&key, day, 10);
		mp_lookup_keypart(&key, cur.p, cur.len);
		r = mp_table_find(rates, key.p, key.len);
	}
	mp_time_fmt(us / 1000000 - (us % 1000000 < 0), day);
	day[10] = '\0';
	if (r < 0) {
		REJECT("no rate: '%s' on %s or the 6 days before",
		    mp_buf_str(&cur), day);
		return -1;
	}
	mp_lookup_valnext(mp_table_val(rates, r, &vn) + 1, &val, &vn);
	mp_rate_parse(val, vn, &m, &sc, &errstr);
	fxo.len = 0;
	mp_buf_adds(&fxo, "{\"from\":");
	mp_buf_json_str(&fxo, cur.p, cur.len);
	mp_buf_adds(&fxo, ",\"rate\":");
	mp_buf_add(&fxo, val, vn);
	src->len = 0;
	mp_buf_add(src, c->p, c->n);
	for (i = 0; i < fx->nconv; i++) {
		const struct mp_span *v = &ls->val[fx->convslot[i]];
		const char *p = v->p;
		size_t n = v->n;
		int str = 0;

		cp = &fx->conv[i];
		if (n == 0 || mp_json_type(v) == MP_JSON_NULL)
			continue;
		if (mp_json_type(v) == MP_JSON_STRING) {
			p++;
			n -= 2;
			str = 1;
		}
		if ((mp_json_type(v) != MP_JSON_NUMBER && !str) ||
		    mp_money_parse(p, n, &amount, &errstr) < 0) {
			REJECT("field '%s' is not an exact decimal", cp->text);
			return -1;
		}
		if (mp_money_convert(amount, m, sc, &res) < 0) {
			REJECT("field '%s' is out of range in %s", cp->text,
			    fx->currency);
			return -1;
		}
		last = &cp->seg[cp->nseg - 1];
		mp_buf_addc(&fxo, ',');
		mp_buf_json_str(&fxo, last->key ? last->key : "",
		    last->key ? last->keylen : 0);
		mp_buf_addc(&fxo, ':');
		mp_buf_add(&fxo, v->p, v->n);
		key.len = 0;
		if (str)
			mp_buf_addc(&key, '"');
		mp_buf_adds(&key, mp_money_fmt(res, mbuf));
		if (str)
			mp_buf_addc(&key, '"');
		dst->len = 0;
		mp_json_splice(src->p, src->len, cp, key.p, key.len, dst);
		x = src, src = dst, dst = x;
	}
	mp_buf_addc(&fxo, '}');
	key.len = 0;
	mp_buf_json_str(&key, fx->currency, strlen(fx->currency));
	dst->len = 0;
	mp_json_splice(src->p, src->len, &fx->curpath, key.p, key.len, dst);
	x = src, src = dst, dst = x;
	if (fx->field.field.nseg) {
		dst->len = 0;
		if (mp_json_splice(src->p, src->len, &fx->field.field, fxo.p,
		    fxo.len, dst) < 0) {
			REJECT("cannot add '%s'", fx->field.field.text);
			return -1;
		}
		x = src, src = dst, dst = x;
	}
	out->len = 0;
	mp_buf_add(out, src->p, src->len);
	fx->converted += run != NULL;
	return 1;
}

void
mp_fx_free(struct mp_fx *fx)
{
	mp_table_free(fx->tab.rows);
	free(fx->convslot);
}
