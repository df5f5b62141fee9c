/*
 * fx.h: money converted into a reporting currency (fx.c) by the day's
 * rate from a lookup table (lookup.h) of date, currency and rate: the
 * rate of the record's day, or of the closest of the 6 days before.
 */
#ifndef MP_FX_H
#define MP_FX_H

struct mp_lookups;
struct mp_lookup_rec;
struct mp_run;
struct mp_buf;

struct mp_fx {
	struct mp_lookup tab;	/* date, currency, rate */
	const char *currency;	/* --currency */
	struct mp_path curpath;	/* --currency-field */
	struct mp_path timepath; /* --time */
	struct mp_path *conv;	/* --convert */
	int	 nconv;
	struct mp_lookup_add field; /* --fx-field: how it was converted */
	int	*convslot, curslot, timeslot;
	long long converted;
};

/*
 * The rates table from [name=]source, in ls's fields; exits 64 for a query
 * in batches.
 */
void	 mp_fx_table(struct mp_fx *, struct mp_lookups *, const char *);
/*
 * Converts the money fields of the record into the reporting currency,
 * into out: 1 when it did, 0 when nothing needed it, -1 after rejecting the
 * record (with run NULL, a first pass: -1 without a word).
 */
int	 mp_fx_convert(struct mp_fx *, struct mp_lookups *, struct mp_run *,
	    struct mp_lookup_rec *, struct mp_buf *);
void	 mp_fx_free(struct mp_fx *);

#endif
