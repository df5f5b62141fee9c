/*
 * mp-reconcile: compare our totals with a partner's, key by key, exactly:
 * one record for each key whose amounts differ past the tolerance or that
 * one side lacks; exit 1 when there is one.
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"

static const char usage[] =
    "usage: mp-reconcile [-s] -k keys -a field [--ours=source] "
    "--theirs=source\n"
    "                    [--ours-amount=field] [--theirs-amount=field] "
    "[--tolerance=amount]\n"
    "                    [--tolerance-pct=percent] [--missing-as-zero]\n"
    "                    [--all] [--sum] "
    "[-d conninfo] [-K file]\n"
    "                    [--rejects=file] [--stats[=file]] "
    "[--metrics=file]\n"
    "                    [--max-record=size] [--log-format=text|json] "
    "[file ...]\n";

static char **kours, **ktheirs;	/* --key: our names, theirs */
static int nkey;
static int64_t tol;			/* --tolerance, micro-units */
static int64_t pct;			/* --tolerance-pct, pct / 10^pscale */
static int pscale;
static int all;
static int zero;			/* --missing-as-zero */

/* a,b=c,...: each key ours[=theirs] */
static void
keys(const char *arg)
{
	static char *s;		/* the names point into it */
	char *p, *eq, *save = NULL;

	free(s);
	s = xstrdup(arg);
	nkey = 0;
	for (p = strtok_r(s, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		kours = xrealloc(kours, (nkey + 1) * sizeof *kours);
		ktheirs = xrealloc(ktheirs, (nkey + 1) * sizeof *ktheirs);
		if ((eq = strchr(p, '=')) != NULL)
			*eq++ = '\0';
		if (*p == '\0' || (eq && *eq == '\0')) {
			mp_warnx("--key: '%s': an empty name", arg);
			mp_usage(usage);
		}
		kours[nkey] = p;
		ktheirs[nkey++] = eq ? eq : p;
	}
	if (nkey == 0) {
		mp_warnx("--key: '%s': no key", arg);
		mp_usage(usage);
	}
}

/* Whether a difference is within --tolerance or --tolerance-pct. */
static int
within(__int128 d, int64_t a, int64_t b)
{
	__int128 big, scale = 100;
	int i;

	if (d < 0)
		d = -d;
	if (d <= tol)
		return 1;
	big = a < 0 ? -(__int128)a : a;
	if ((b < 0 ? -(__int128)b : b) > big)
		big = b < 0 ? -(__int128)b : b;
	for (i = 0; i < pscale; i++)
		scale *= 10;
	return d * scale <= (__int128)pct * big;
}

static void
amount(struct mp_buf *b, const char *name, int has, int64_t v)
{
	char num[40];

	mp_buf_printf(b, ",\"%s\":", name);
	if (has)
		mp_buf_printf(b, "\"%s\"", mp_money_fmt_places(v, 2, num));
	else
		mp_buf_adds(b, "null");
}

/* Compares the sides key by key; returns the exit status. */
static int
compare(struct mp_run *run, struct mp_totals *t)
{
	static const char *const status[] = {
		"match", "drift", "missing_ours", "missing_theirs"
	}, *const counter[] = {
		"matched", "drifted", "missing_ours", "missing_theirs"
	};
	struct mp_buf kb = { 0 }, out = { 0 };
	struct mp_span *v = xcalloc(nkey, sizeof *v);
	int64_t amt[2], sum[3] = { 0, 0, 0 }, diff;
	long long n[4] = { 0, 0, 0, 0 };
	__int128 d;
	size_t i;
	int have[2], k, s;

	mp_totals_sort(t);
	for (i = 0; mp_totals_get(t, i, &kb, v, amt, have); i++) {
		d = (__int128)(have[0] ? amt[0] : 0) - (have[1] ? amt[1] : 0);
		s = have[0] && have[1] ? !within(d, amt[0], amt[1]) :
		    zero && within(d, have[0] ? amt[0] : 0,
		    have[1] ? amt[1] : 0) ? 0 : have[0] ? 3 : 2;
		diff = (int64_t)d;
		if (d != diff ||
		    __builtin_add_overflow(sum[0], have[0] ? amt[0] : 0,
		    &sum[0]) ||
		    __builtin_add_overflow(sum[1], have[1] ? amt[1] : 0,
		    &sum[1]) ||
		    (s && __builtin_add_overflow(sum[2], diff < 0 ? -diff : diff,
		    &sum[2]))) {
			mp_warnx("amounts out of range: the totals pass "
			    "9223372036854 units");
			mp_buf_free(&kb);
			mp_buf_free(&out);
			free(v);
			return MP_EX_DATAERR;
		}
		mp_count(run, counter[s], 1);
		n[s]++;
		if (s == 0 && !all)
			continue;
		out.len = 0;
		mp_buf_adds(&out, "{\"key\":{");
		for (k = 0; k < nkey; k++) {
			if (k)
				mp_buf_addc(&out, ',');
			mp_buf_json_str(&out, kours[k], strlen(kours[k]));
			mp_buf_addc(&out, ':');
			mp_buf_json_str(&out, v[k].p, v[k].n);
		}
		mp_buf_addc(&out, '}');
		amount(&out, "ours", have[0], amt[0]);
		amount(&out, "theirs", have[1], amt[1]);
		amount(&out, "diff", 1, diff);
		mp_buf_printf(&out, ",\"status\":\"%s\"}", status[s]);
		mp_emit_line(run, out.p, out.len);
	}
	mp_count(run, "keys", i);
	mp_count_money(run, "ours_total", sum[0]);
	mp_count_money(run, "theirs_total", sum[1]);
	mp_count_money(run, "drift_total", sum[2]);
	free(v);
	mp_buf_free(&kb);
	mp_buf_free(&out);
	if (n[1] + n[2] + n[3] == 0)
		return 0;
	mp_warnx("%lld of %zu keys differ: %lld drifted, %lld missing ours, "
	    "%lld missing theirs", n[1] + n[2] + n[3], i, n[1], n[2], n[3]);
	return MP_EX_CHECK;
}

static int
opt_keys(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx, (void)errstr;
	keys(arg);
	return 0;
}

/* --ours, --theirs: a file, relative to its option file, or pg:query */
static int
opt_source(void *ctx, const char *arg, const char **errstr)
{
	(void)errstr;
	*(const char **)ctx = strncmp(arg, "pg:", 3) == 0 ? arg :
	    mp_opt_arg_path(arg);
	return 0;
}

static int
opt_tol(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx;
	if (mp_money_parse(arg, strlen(arg), &tol, errstr) < 0)
		return -1;
	if (tol < 0) {
		*errstr = "negative";
		return -1;
	}
	return 0;
}

static int
opt_pct(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx;
	return mp_rate_parse(arg, strlen(arg), &pct, &pscale, errstr);
}


int
main(int argc, char *argv[])
{
	static const char *ours, *theirs, *aours, *atheirs, *amt, *conninfo;
	static int sum;
	const struct mp_opt opts[] = {
		MP_OPT_FN("key", 'k', "keys", opt_keys, NULL,
		    "the key fields, ours[=theirs], by commas"),
		MP_OPT_SET("amount", 'a', MP_OPT_STRING, &amt, "field",
		    "the amount's field on both sides"),
		MP_OPT_FN("ours", 0, "source", opt_source, &ours,
		    "our side: a file or pg:query (the files)"),
		MP_OPT_FN("theirs", 0, "source", opt_source, &theirs,
		    "their side: a file or pg:query"),
		MP_OPT_SET("ours-amount", 0, MP_OPT_STRING, &aours, "field",
		    "the amount's field on our side"),
		MP_OPT_SET("theirs-amount", 0, MP_OPT_STRING, &atheirs, "field",
		    "the amount's field on their side"),
		MP_OPT_FN("tolerance", 0, "amount", opt_tol, NULL,
		    "the difference that still matches (0)"),
		MP_OPT_FN("tolerance-pct", 0, "percent", opt_pct, NULL,
		    "the difference in percent that still matches"),
		MP_OPT_SET("missing-as-zero", 0, MP_OPT_FLAG, &zero, NULL,
		    "a key one side lacks counts as 0 there"),
		MP_OPT_SET("all", 0, MP_OPT_FLAG, &all, NULL,
		    "a record for every key, matched too"),
		MP_OPT_SET("sum", 0, MP_OPT_FLAG, &sum, NULL,
		    "add up the rows of a key met twice on a side"),
		MP_OPT_SET("db", 'd', MP_OPT_STRING, &conninfo, "conninfo",
		    "the PostgreSQL of pg: sources (PG* variables)"),
		MP_OPT_END
	};
	static const char *const counters[] = {
		"keys", "matched", "drifted", "missing_ours", "missing_theirs"
	};
	struct mp_cfg cfg = { 0 };
	struct mp_run *run;
	struct mp_totals *t;
	int i, st = 0;

	i = mp_opt_parse(argc, argv, opts, &cfg, usage);
	argc -= i;
	argv += i;
	aours = aours ? aours : amt;
	atheirs = atheirs ? atheirs : amt;
	if (theirs == NULL || nkey == 0 || aours == NULL || atheirs == NULL) {
		mp_warnx("%s is required", theirs == NULL ? "--theirs" :
		    nkey == 0 ? "--key" : "--amount");
		mp_usage(usage);
	}
	if (ours && argc > 0) {
		mp_warnx("--ours and files: one or the other");
		mp_usage(usage);
	}
	if (strcmp(theirs, "-") == 0 && (ours ? strcmp(ours, "-") == 0 :
	    argc == 0 || (argc == 1 && strcmp(argv[0], "-") == 0))) {
		mp_warnx("both sides read standard input");
		mp_usage(usage);
	}
	run = mp_run_new(&cfg);
	for (i = 0; i < 5; i++)
		mp_count(run, counters[i], 0);
	mp_count_money(run, "ours_total", 0);
	mp_count_money(run, "theirs_total", 0);
	mp_count_money(run, "drift_total", 0);
	t = mp_totals_new(nkey, sum);
	if (ours)
		st = mp_totals_read(run, t, 0, ours, "ours", kours, aours,
		    conninfo);
	for (i = 0; !ours && (i < argc || (argc == 0 && i == 0)) && !st &&
	    !mp_run_stopped(run); i++)
		st = mp_totals_read(run, t, 0, argc ? argv[i] : "-", "ours",
		    kours, aours, conninfo);
	if (!st && !mp_run_stopped(run))
		st = mp_totals_read(run, t, 1, theirs, "theirs", ktheirs,
		    atheirs, conninfo);
	/* totals with a row left out are not totals: no verdict on them */
	if (!st && mp_run_rejected(run) > 0)
		st = MP_EX_DATAERR;
	if (!st && !mp_interrupted())
		st = compare(run, t);
	mp_totals_free(t);
	return mp_run_end(run, st);
}
