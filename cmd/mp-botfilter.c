/*
 * mp-botfilter: pass human traffic; drop (or tag, or keep only) records
 * whose user agent is a bot's, whose IP is in a listed range, or whose key
 * exceeds a rate, each with its reason.  Records pass byte for byte.
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"

static const char usage[] =
    "usage: mp-botfilter [-sv] [-u path] [-l file] [-a file] "
    "[--no-default-list]\n"
    "                    [--ua-missing=pass|reason] [-i path] "
    "[-c [name=]file]\n"
    "                    [--ip-missing=pass|reason] [-r n/duration] "
    "[-k paths] [-T path]\n"
    "                    [--tag[=name]] [-K file] [--rejects=file] "
    "[--dropped=file]\n"
    "                    [--stats[=file]] [--metrics=file] "
    "[--max-record=size]\n"
    "                    [--log-format=text|json] [file ...]\n";

enum { P_UA, P_IP, P_TIME, P_KEY };	/* query slots; keys from P_KEY */

static struct mp_pat *bots, *allow;
static char **uareason;			/* "ua:FAMILY" per pattern */
static const char *uamissing = "ua:missing";
static struct mp_cidr *cidr;
static char **ipreason;			/* "ip:NAME" per list */
static int nlist;
static const char *ipmissing;		/* NULL: pass */
static struct mp_rate *rate;
static struct mp_path path[P_KEY + 16];
static int npath = P_KEY;
static struct mp_query *query;
static struct mp_span val[P_KEY + 16];
static struct mp_path tagpath;
static int tag, invert;

/* The name a list file gives its reason: its base name up to a dot. */
static char *
listname(const char *arg, const char **file)
{
	const char *eq = strchr(arg, '='), *s, *base, *dot;

	/* NAME=FILE when what precedes '=' is a plain name */
	if (eq && eq > arg) {
		for (s = arg; s < eq && strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *s); s++)
			;
		if (s == eq) {
			*file = eq + 1;
			return xstrndup(arg, eq - arg);
		}
	}
	*file = arg;
	base = strrchr(arg, '/') ? strrchr(arg, '/') + 1 : arg;
	dot = strchr(base, '.');
	if (dot == base)
		return xstrdup(base);
	return xstrndup(base, dot ? (size_t)(dot - base) : strlen(base));
}

static void
setrate(const char *arg)
{
	const char *slash = strchr(arg, '/'), *errstr;
	char *n = NULL;
	long long lim;
	int64_t width;

	if (slash)
		n = xstrndup(arg, slash - arg);
	if (slash == NULL || mp_strtonum(n, 1, 1LL << 40, &lim, &errstr) <
	    0 || mp_duration_parse(slash + 1, &width, &errstr) < 0) {
		mp_warnx("--max-rate: '%s': %s (want N/DURATION, e.g. "
		    "100/1m)", arg, slash ? errstr : "invalid");
		mp_usage(usage);
	}
	free(n);
	mp_rate_free(rate);
	rate = mp_rate_new(lim, width);
}

static void
load_lists(char **ualist, int nua, char **allowlist, int nallow, int dflt)
{
	char err[300], *def;
	int i, st;

	bots = mp_pat_new();
	for (i = 0; i < nua; i++)
		if ((st = mp_pat_load(bots, ualist[i])) != 0)
			exit(st);
	if (dflt) {
		def = mp_datafile("bots/bots.list");
		if ((st = mp_pat_load(bots, def)) != 0) {
			if (st == MP_EX_NOINPUT)
				mp_warnx("the shipped list is missing; set "
				    "MP_DATADIR, or use --no-default-list");
			exit(st);
		}
		free(def);
	}
	if (mp_pat_build(bots, err, sizeof err) < 0)
		mp_errx(MP_EX_CONFIG, "user-agent lists: %s", err);
	uareason = xcalloc(mp_pat_count(bots) + 1, sizeof *uareason);
	for (i = 0; i < mp_pat_count(bots); i++) {
		uareason[i] = xmalloc(strlen(mp_pat_label(bots, i)) + 4);
		sprintf(uareason[i], "ua:%s", mp_pat_label(bots, i));
	}
	if (nallow == 0)
		return;
	allow = mp_pat_new();
	for (i = 0; i < nallow; i++)
		if ((st = mp_pat_load(allow, allowlist[i])) != 0)
			exit(st);
	if (mp_pat_build(allow, err, sizeof err) < 0)
		mp_errx(MP_EX_CONFIG, "allow lists: %s", err);
}

/* The reason the user-agent rule gives, or NULL; -1 to reject. */
static int
check_ua(struct mp_run *run, struct mp_rec *rec, const char **reason)
{
	static struct mp_buf ua;
	struct mp_span *v = &val[P_UA];
	struct mp_pat *set;
	int m;

	if (v->n == 0 || mp_json_type(v) == MP_JSON_NULL) {
		*reason = uamissing;
		return 0;
	}
	if (mp_json_type(v) != MP_JSON_STRING) {
		mp_reject(run, rec, "field '%s' is not a string",
		    path[P_UA].text);
		return -1;
	}
	ua.len = 0;
	mp_json_str_decode(v, &ua);
	if (ua.len == 0) {
		*reason = uamissing;
		return 0;
	}
	if ((set = allow) != NULL &&
	    (m = mp_pat_match(allow, ua.p, ua.len)) != -1) {
		if (m == -2)
			goto fail;
		mp_count(run, "ua_allowed", 1);
		return 0;
	}
	if ((m = mp_pat_match((set = bots), ua.p, ua.len)) == -2)
		goto fail;
	if (m >= 0)
		*reason = uareason[m];
	return 0;
fail:
	mp_reject(run, rec, "user agent: pattern match failed: %s",
	    mp_pat_error(set));
	return -1;
}

static const char *
check_ip(struct mp_run *run)
{
	static struct mp_buf s;
	struct mp_span *v = &val[P_IP];
	mp_ip ip;
	int i;

	if (v->n == 0 || mp_json_type(v) == MP_JSON_NULL) {
		if (ipmissing == NULL)
			mp_count(run, "ip_missing", 1);
		return ipmissing;
	}
	if (mp_json_type(v) != MP_JSON_STRING || v->n > 256)
		return "ip:invalid";
	s.len = 0;
	mp_json_str_decode(v, &s);
	if (mp_ip_parse(s.p, s.len, &ip) < 0)
		return "ip:invalid";
	if ((i = mp_cidr_find(cidr, ip)) < 0)
		return NULL;
	return ipreason[i];
}

/* Whether the record's key is over the rate; -1 to reject. */
static int
check_rate(struct mp_run *run, struct mp_rec *rec, const char **reason)
{
	static struct mp_buf key;
	struct mp_span *t = &val[P_TIME];
	int64_t us;
	uint32_t len;
	int i, any = 0;

	if (mp_rec_time(run, rec, t, path[P_TIME].text, &us) < 0)
		return -1;
	key.len = 0;
	for (i = P_KEY; i < npath; i++) {
		len = val[i].n;
		any |= len != 0;
		mp_buf_add(&key, &len, sizeof len);
		mp_buf_add(&key, val[i].p, len);
	}
	if (!any) {
		mp_count(run, "rate_unkeyed", 1);
		return 0;
	}
	switch (mp_rate_hit(rate, key.p, key.len, us)) {
	case 0:
		*reason = "rate";
		break;
	case 2:
		mp_count(run, "rate_late", 1);
		break;
	}
	return 0;
}

static void
emit_tagged(struct mp_run *run, struct mp_rec *rec, const char *reason)
{
	static struct mp_buf v, out;

	v.len = out.len = 0;
	mp_buf_adds(&v, "{\"reason\":");
	mp_buf_json_str(&v, reason, strlen(reason));
	mp_buf_addc(&v, '}');
	if (mp_json_splice(rec->p, rec->n, &tagpath, v.p, v.len, &out) < 0) {
		mp_reject(run, rec, "cannot add '%s': a parent is not an "
		    "object", tagpath.text);
		return;
	}
	mp_emit_line(run, out.p, out.len);
}

static int
filter(struct mp_run *run, struct mp_rec *rec, void *arg)
{
	const char *reason = NULL;

	(void)arg;
	if (mp_rec_json(run, rec) < 0)
		return 0;
	mp_query_run(query, rec->p, rec->n, val);
	if (check_ua(run, rec, &reason) < 0)
		return 0;
	if (reason == NULL && cidr)
		reason = check_ip(run);
	if (reason == NULL && rate && check_rate(run, rec, &reason) < 0)
		return 0;
	if (reason) {
		mp_count(run, "flagged", 1);
		mp_count_by(run, "flagged_by", reason, 1);
	}
	if (invert && reason == NULL)
		mp_drop(run, rec, "human");
	else if (reason && !invert && !tag)
		mp_drop(run, rec, reason);
	else if (reason && tag)
		emit_tagged(run, rec, reason);
	else
		mp_emit(run, rec);
	return 0;
}

/* --ua, --ip, --time: the path in ctx */
static int
opt_path(void *ctx, const char *arg, const char **errstr)
{
	mp_path_free(ctx);
	return mp_path_parse(arg, ctx, errstr);
}

static char **ualist, **allowlist;	/* --ua-list, --ua-allow */
static int nua, nallow, nodflt;
static const char *tagname = "bot", *keyarg = ".ip";

static int
opt_list(void *ctx, const char *arg, const char **errstr)
{
	char ***list = ctx;
	int *n = list == &ualist ? &nua : &nallow;

	(void)errstr;
	*list = xrealloc(*list, (*n + 1) * sizeof **list);
	(*list)[(*n)++] = (char *)mp_opt_arg_path(arg);
	return 0;
}

/* --ua-missing, --ip-missing: a reason, or pass */
static int
opt_missing(void *ctx, const char *arg, const char **errstr)
{
	(void)errstr;
	if (*arg == '\0') {
		mp_warnx("--%s: empty reason", ctx == &uamissing ?
		    "ua-missing" : "ip-missing");
		mp_usage(NULL);
	}
	*(const char **)ctx = strcmp(arg, "pass") == 0 ? NULL : arg;
	return 0;
}

static int
opt_cidr(void *ctx, const char *arg, const char **errstr)
{
	const char *file;
	char *name;
	int st;

	(void)ctx, (void)errstr;
	name = listname(arg, &file);
	ipreason = xrealloc(ipreason, (nlist + 1) * sizeof *ipreason);
	ipreason[nlist] = xmalloc(strlen(name) + 4);
	sprintf(ipreason[nlist], "ip:%s", name);
	free(name);
	if ((st = mp_cidr_load(cidr, mp_opt_arg_path(file), nlist)) != 0)
		exit(st);
	nlist++;
	return 0;
}

static int
opt_rate(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx, (void)errstr;
	setrate(arg);
	return 0;
}

static int
opt_tag(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx, (void)errstr;
	tag = 1;
	tagname = arg ? arg : "bot";
	return 0;
}


int
main(int argc, char *argv[])
{
	const struct mp_opt opts[] = {
		MP_OPT_FN("ua", 'u', "path", opt_path, &path[P_UA],
		    "the user agent's field (.ua)"),
		MP_OPT_FN("ua-list", 'l', "file", opt_list, &ualist,
		    "more bots' user-agent patterns (repeatable)"),
		MP_OPT_FN("ua-allow", 'a', "file", opt_list, &allowlist,
		    "user-agent patterns never flagged (repeatable)"),
		MP_OPT_SET("no-default-list", 0, MP_OPT_FLAG, &nodflt, NULL,
		    "leave out the shipped list of bots' user agents"),
		MP_OPT_FN("ua-missing", 0, "pass|reason", opt_missing,
		    &uamissing,
		    "flag a record lacking a user agent (ua:missing)"),
		MP_OPT_FN("ip", 'i', "path", opt_path, &path[P_IP],
		    "the IP address's field (.ip)"),
		MP_OPT_FN("cidr-list", 'c', "[name=]file", opt_cidr, NULL,
		    "flag addresses in these ranges, as ip:name"),
		MP_OPT_FN("ip-missing", 0, "pass|reason", opt_missing,
		    &ipmissing,
		    "flag a record lacking an address (pass)"),
		MP_OPT_FN("max-rate", 'r', "n/duration", opt_rate, NULL,
		    "flag a key's records past n per duration"),
		MP_OPT_SET("rate-key", 'k', MP_OPT_STRING, &keyarg, "paths",
		    "the fields --max-rate counts by (.ip)"),
		MP_OPT_FN("time", 'T', "path", opt_path, &path[P_TIME],
		    "the time's field, for --max-rate (.ts)"),
		MP_OPT_FN("tag", 0, "[=name]", opt_tag, NULL,
		    "drop nothing: add name (bot) to flagged records"),
		MP_OPT_SET("invert", 'v', MP_OPT_FLAG, &invert, NULL,
		    "pass only flagged records, drop the rest"),
		MP_OPT_END
	};
	struct mp_cfg cfg = { 0 };
	struct mp_run *run;
	struct mp_path *keys = NULL;
	const char *errstr;
	int nkeys = 0, i, st;

	mp_opt_path(&path[P_UA], "--ua", ".ua", usage);
	mp_opt_path(&path[P_IP], "--ip", ".ip", usage);
	mp_opt_path(&path[P_TIME], "--time", ".ts", usage);
	cidr = mp_cidr_new();
	i = mp_opt_parse(argc, argv, opts, &cfg, usage);
	argc -= i;
	argv += i;
	if (mp_path_parse_list(keyarg, &keys, &nkeys, &errstr) < 0 ||
	    nkeys > 16) {
		mp_warnx("--rate-key: '%s': %s", keyarg, nkeys > 16 ?
		    "more than 16 paths" : errstr);
		mp_usage(usage);
	}
	for (i = 0; i < nkeys; i++)
		path[npath++] = keys[i];
	free(keys);
	if (tag)
		mp_opt_field(&tagpath, "--tag", tagname, 0, usage);
	load_lists(ualist, nua, allowlist, nallow, !nodflt);
	if (nlist)
		mp_cidr_build(cidr);
	else {
		mp_cidr_free(cidr);
		cidr = NULL;
	}
	query = mp_query_new(path, npath);
	run = mp_run_new(&cfg);
	st = mp_run_loop(run, argc, argv, filter, NULL);
	return mp_run_end(run, st);
}
