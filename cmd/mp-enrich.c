/*
 * mp-enrich: add fields from lookup tables to each record: what a click
 * cost, what a conversion earned.  Tables (NDJSON, CSV, TSV, or the rows
 * of a PostgreSQL query) are held in memory and tried in priority order;
 * the first that has the record's key wins.  Spend can be spread exactly
 * over the events it covers, and money converted by the day's rate.
 * Records pass byte for byte; fields are spliced in.
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"

static const char usage[] =
    "usage: mp-enrich [-s] [table-options] -t [name=]source "
    "[table-options] [-t ...]\n"
    "                 [-d conninfo] [-b n] [--cache=n] "
    "[--source-field=field]\n"
    "                 [--unmatched=pass|drop|reject] "
    "[--allocate-to=types] [--type=path]\n"
    "                 [--unallocated=type] [--unallocated-time=column] "
    "[--trust-input]\n"
    "                 [--currency-table=source] [--currency=code] "
    "[--convert=paths]\n"
    "                 [--currency-field=path] [-T path] "
    "[--fx-field=field] [-K file]\n"
    "                 [--rejects=file] [--dropped=file] "
    "[--stats[=file]] [--metrics=file]\n"
    "                 [--max-record=size] [--log-format=text|json] "
    "[file ...]\n"
    "table-options:   [-k column[=expr]] [-a column[=field][:type]] "
    "[--format=ndjson|csv|tsv]\n"
    "                 [--first | --last] [--allocate=column[=field]] "
    "[--count-column=column]\n";

static struct mp_lookups ls;
static struct mp_spend_cfg spend = { .timecol = "date", .typeslot = -1 };
static struct mp_fx fx;
static int hasfx;

static struct mp_lookup_add srcfield;	/* --source-field */
static struct mp_path typepath;		/* --type */
static int unmatched = MP_FATE_PASS;
static long long nunmatched;
static int trustinput;			/* --trust-input */
static int twopass, anybatch, strict;

/* Writes the record with the fields of its row, its share, its source. */
static void
emit(struct mp_run *run, struct mp_lookup_rec *c,
    const struct mp_lookup_hit *h)
{
	static struct mp_buf out, shares, nm;
	static struct mp_lookup_piece *pc;
	static int pcap;
	struct mp_lookup *t = &ls.tab[h->tab];
	char mbuf[32];
	int np, bad;
	int64_t share = 0;
	long arow = -1;

	if (pcap < t->nadd + 2) {
		pcap = t->nadd + 2;
		pc = xrealloc(pc, pcap * sizeof *pc);
	}
	np = mp_lookup_pieces(t, h, pc);
	if (t->alloc && h->row >= 0) {
		/* a row's spend is the whole cost of what it matches */
		if (mp_spend_istype(&spend, &ls) &&
		    mp_spend_share(&spend, t, h->row, &share))
			arow = h->row;
		shares.len = 0;
		mp_buf_adds(&shares, mp_money_fmt(share, mbuf));
		pc[np].a = &t->afield;
		pc[np].p = shares.p;
		pc[np++].n = shares.len;
	}
	if (srcfield.field.nseg) {
		nm.len = 0;
		mp_buf_json_str(&nm, t->name, strlen(t->name));
		pc[np].a = &srcfield;
		pc[np].p = nm.p;
		pc[np++].n = nm.len;
	}
	if (mp_lookup_splice(&ls, c, pc, np, &out, &bad) < 0) {
		mp_reject(run, c->rec, "cannot add '%s': something on its "
		    "path is not an object", pc[bad].a->field.text);
		if (arow >= 0)	/* the share goes to the next one */
			mp_spend_unshare(&spend, t, arow);
		return;
	}
	mp_emit_line(run, out.p, out.len);
}

/* A record looked up: written with what it found, or as --unmatched says. */
static void
done(void *arg, struct mp_run *run, struct mp_lookup_rec *c,
    struct mp_lookup_hit *h)
{
	(void)arg;
	if (h->tab >= 0) {
		ls.tab[h->tab].matched++;
		emit(run, c, h);
		return;
	}
	nunmatched++;
	switch (unmatched) {
	case MP_FATE_PASS:
		mp_emit_line(run, c->p, c->n);
		break;
	case MP_FATE_DROP:
		mp_drop(run, c->rec, "unmatched");
		break;
	case MP_FATE_REJECT:
		mp_reject(run, c->rec, "unmatched: no table has its key");
		break;
	}
}

/*
 * Starts a record, converted into the reporting currency; 0 when it goes
 * on to the lookups.  With run NULL (the first pass) nothing is rejected.
 */
static int
begin(struct mp_run *run, struct mp_rec *rec, struct mp_lookup_rec *c)
{
	static struct mp_buf conv1;

	mp_lookup_begin(&ls, c, rec, rec->p, rec->n);
	if (!hasfx)
		return 0;
	switch (mp_fx_convert(&fx, &ls, run, c, &conv1)) {
	case -1:
		return -1;
	case 1:
		mp_lookup_begin(&ls, c, rec, conv1.p, conv1.len);
	}
	return 0;
}

static int
enrich(struct mp_run *run, struct mp_rec *rec, void *arg)
{
	struct mp_lookup_rec c;
	struct mp_lookup_hit h = { -1, -1, NULL, 0 };
	int i, rc;

	(void)arg;
	/* mp_rec_json: one JSON object */
	if (mp_rec_json(run, rec) < 0 || begin(run, rec, &c) < 0)
		return 0;
	if (anybatch) {
		mp_lookup_hold(&ls, run, &c, strict, done, NULL);
		return 0;
	}
	for (i = 0; i < ls.ntab; i++) {
		if ((rc = mp_lookup_find(&ls, run, &c, i, &h)) < 0)
			return 0;
		if (rc > 0)
			break;
	}
	done(NULL, run, &c, &h);
	return 0;
}

/* The first pass: counts the events each row's spend covers. */
static int
count(struct mp_run *run, struct mp_rec *rec, void *arg)
{
	struct mp_json_err e;
	struct mp_lookup_rec c;
	struct mp_lookup_hit h;
	int i, rc;

	(void)run;
	(void)arg;
	if (mp_json_check(rec->p, rec->n, &e) < 0)
		return 0;
	if (begin(NULL, rec, &c) < 0)
		return 0;	/* the second pass rejects it */
	for (i = 0; i < ls.ntab; i++) {
		/* a record the second pass rejects is not counted */
		if ((rc = mp_lookup_find(&ls, NULL, &c, i, &h)) < 0)
			return 0;
		if (rc > 0) {
			if (ls.tab[i].alloc && !ls.tab[i].countcol &&
			    mp_spend_istype(&spend, &ls))
				mp_spend_count(&ls.tab[i], h.row);
			return 0;
		}
	}
	return 0;
}
static const char *fxsrc;		/* --currency-table */
static int timeset;

static void
paths(const char *opt, const char *arg, struct mp_path **v, int *n)
{
	const char *errstr;

	while (*n > 0)
		mp_path_free(&(*v)[--*n]);
	if (mp_path_parse_list(arg, v, n, &errstr) < 0) {
		mp_warnx("%s: '%s': %s", opt, arg, errstr);
		mp_usage(usage);
	}
}

/* An option that must not be empty. */
static const char *
given(const char *arg, const char *what)
{
	if (*arg == '\0') {
		mp_warnx("%s", what);
		mp_usage(usage);
	}
	return arg;
}

/* The field a --source-field or --fx-field names; none when empty. */
static void
field(struct mp_lookup_add *a, const char *opt, const char *arg)
{
	mp_path_free(&a->field);
	free(a->name);
	memset(a, 0, sizeof *a);
	if (*arg)
		mp_lookup_field(&ls, a, opt, arg);
}

static int
opt(void *ctx, const char *arg, const char **errstr)
{
	(void)errstr;
	switch (*(const char *)ctx) {
	case 'y':
		mp_spend_types(&spend, arg, usage);
		break;
	case 'p':
		mp_opt_path(&typepath, "--type", arg, usage);
		break;
	case 's':
		field(&srcfield, "--source-field", arg);
		break;
	case 'x':
		field(&fx.field, "--fx-field", arg);
		break;
	case 'C':
		fxsrc = mp_lookup_opt_source(arg);
		break;
	case 'u':
		fx.currency = given(arg, "--currency: empty");
		break;
	case 'v':
		paths("--convert", arg, &fx.conv, &fx.nconv);
		break;
	case 'r':
		mp_opt_path(&fx.curpath, "--currency-field", arg, usage);
		break;
	case 'T':
		mp_opt_path(&fx.timepath, "--time", arg, usage);
		break;
	case 'U':
		spend.type = given(arg, "--unallocated: no type");
		break;
	case 'W':
		spend.timecol = given(arg, "--unallocated-time: no column");
		timeset = 1;
		break;
	}
	return 0;
}

#define CALL(name, l, arg, code, help) \
	MP_OPT_FN(name, l, arg, opt, code, help)

int
main(int argc, char *argv[])
{
	const struct mp_opt opts[] = {
		MP_LOOKUP_OPT_TABLE(&ls),
		CALL("allocate-to", 0, "types", "y",
		    "the event types that get a share (all)"),
		CALL("type", 0, "path", "p", "the event type's field (.type)"),
		CALL("source-field", 0, "field", "s",
		    "add the winning table's name as field (cost_source)"),
		{ "unmatched", 0, MP_OPT_CHOICE, &unmatched, "pass|drop|reject",
		  "what to do with a record no table has (pass)",
		  0, 0, mp_opt_fates, 0, NULL, NULL },
		CALL("unallocated", 0, "type", "U",
		    "write the spend no event got as records of type"),
		CALL("unallocated-time", 0, "column", "W",
		    "the column of those records' time (date)"),
		MP_OPT_SET("trust-input", 0, MP_OPT_FLAG, &trustinput, NULL,
		    "write them even if the input may not hold whole days"),
		CALL("currency-table", 0, "source", "C",
		    "exchange rates: date, currency, rate"),
		CALL("currency", 0, "code", "u", "the reporting currency"),
		CALL("convert", 0, "paths", "v",
		    "the money fields to convert (.cost,.revenue)"),
		CALL("currency-field", 0, "path", "r",
		    "the record's currency field (.currency)"),
		CALL("time", 'T', "path", "T", "the event time's field (.ts)"),
		CALL("fx-field", 0, "field", "x",
		    "add the rate used as field (fx)"),
		MP_OPT_END
	};
	struct mp_cfg cfg = { 0 };
	struct mp_run *run;
	const char *why;
	int i, st;

	mp_lookup_init(&ls, usage);
	mp_opt_path(&typepath, "--type", ".type", usage);
	mp_opt_path(&fx.curpath, "--currency-field", ".currency", usage);
	mp_opt_path(&fx.timepath, "--time", ".ts", usage);
	mp_lookup_field(&ls, &srcfield, "--source-field", "cost_source");
	mp_lookup_field(&ls, &fx.field, "--fx-field", "fx");
	paths("--convert", ".cost,.revenue", &fx.conv, &fx.nconv);
	i = mp_opt_parse(argc, argv, opts, &cfg, usage);
	argc -= i;
	argv += i;
	if (ls.ntab == 0 && fxsrc == NULL) {
		mp_warnx("no table: give --table (or --currency-table)");
		mp_usage(usage);
	}
	if (fxsrc && fx.currency == NULL) {
		mp_warnx("--currency-table needs --currency");
		mp_usage(usage);
	}
	if (!fxsrc && fx.currency) {
		mp_warnx("--currency needs --currency-table");
		mp_usage(usage);
	}
	if (spend.ntypes)
		spend.typeslot = mp_lookup_slot(&ls, &typepath);
	for (i = 0; i < ls.ntab; i++) {
		mp_lookup_prepare(&ls, &ls.tab[i]);
		anybatch |= ls.tab[i].batched;
	}
	if (timeset && !spend.type) {
		mp_warnx("--unallocated-time needs --unallocated");
		mp_usage(usage);
	}
	spend.srcfield = &srcfield;
	twopass = mp_spend_init(&spend, &ls);
	if (srcfield.field.nseg)
		srcfield.slot = mp_lookup_slot(&ls, &srcfield.field);
	if (twopass)
		mp_twopass_check(argc, argv, "--allocate without --count-column",
		    usage);
	if ((hasfx = fxsrc != NULL))
		mp_fx_table(&fx, &ls, fxsrc);
	for (i = 0; i < ls.ntab; i++)
		mp_lookup_load(&ls, &ls.tab[i]);
	if (hasfx)
		mp_lookup_load(&ls, &fx.tab);
	ls.query = mp_query_new(ls.path, ls.nq);
	strict = cfg.strict;
	run = mp_run_new(&cfg);
	mp_count(run, "unmatched", 0);
	if (twopass && (st = mp_twopass_scan(run, argc, argv, count,
	    NULL)) != 0)
		return mp_run_end(run, st);
	st = mp_run_loop(run, argc, argv, enrich, NULL);
	if (anybatch)	/* what was read is written */
		mp_lookup_flush(&ls, run, strict, done, NULL);
	/*
	 * What no event got is known only from the whole input: not after
	 * a stage before failed (75), a signal, an input that could not be
	 * read, or a reject that fails the run; nor from input that may
	 * leave clicks out (mp(7), The chain).
	 */
	if (spend.type && st == 0 && !mp_interrupted() &&
	    (mp_run_rejected(run) == 0 || (cfg.rejects && !strict))) {
		if (!trustinput && !mp_chain_whole(&why)) {
			mp_warnx("--unallocated: no cost records: the input may "
			    "not hold whole days: %s", why);
			st = MP_EX_DATAERR;
		} else
			mp_spend_records(&spend, run, &ls);
	}
	st = mp_run_flush(run, st);
	mp_count(run, "unmatched", nunmatched);
	mp_lookup_stats(&ls, run, mp_spend_memory(&ls));
	mp_spend_stats(&spend, &ls, run, spend.ntypes || twopass);
	if (hasfx)
		mp_count(run, "converted", fx.converted);
	mp_spend_free(&ls);
	mp_fx_free(&fx);
	mp_lookup_free(&ls);
	return mp_run_end(run, st);
}
