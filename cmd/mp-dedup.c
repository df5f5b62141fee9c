/*
 * mp-dedup: pass the first occurrence of each key and drop the rest,
 * exactly, within a window of event time and across runs (--state), and
 * mark the first event of each visitor (--mark-unique).  Records pass
 * byte for byte; the mark is spliced in.
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"

static const char usage[] =
    "usage: mp-dedup [-s] [-k paths | -f [-I paths]] [-w duration] "
    "[-T path] [-S file]\n"
    "                [-R id] [--late=pass|drop|reject] [-u name] "
    "[--unique-window=duration]\n"
    "                [--visitor=paths] [-K file] [--rejects=file] "
    "[--dropped=file]\n"
    "                [--stats[=file]] [--metrics=file] "
    "[--max-record=size]\n"
    "                [--log-format=text|json] [file ...]\n";

/* query slots: the key paths, then the time, address, browser, visitor */
enum { P_TIME, P_IP, P_UA, NSLOT };
#define MAXPATHS	16

static struct mp_keys *keys;
static struct mp_path path[NSLOT], *kpath, *vpath;
static struct mp_span val[NSLOT + 2 * MAXPATHS];
static struct mp_span *kval, *vval, *slot[NSLOT];	/* into val */
static struct mp_span none;		/* for paths not asked for */
static int nkey, nvis;
static struct mp_query *query;
static int fingerprint, late = MP_FATE_PASS, needtime;
static struct mp_path *ignore, unique;
static int nignore;
static struct mp_buf mat;		/* the bytes a key is hashed from */
static struct mp_span early;		/* the key as guessed, its hash */
static struct mp_keyhash earlyhash;
static const char *state, *runid;

static void
setpaths(const char *opt, const char *arg, struct mp_path **v, int *n)
{
	const char *errstr;

	while (*n > 0)
		mp_path_free(&(*v)[--*n]);
	if (mp_path_parse_list(arg, v, n, &errstr) < 0 || *n > MAXPATHS) {
		mp_warnx("--%s: '%s': %s", opt, arg, *n > MAXPATHS ?
		    "more than 16 paths" : errstr);
		mp_usage(usage);
	}
}

/*
 * Guesses the key from the line before it is checked, when the record
 * opens with a one-member key path as a plain string (as mp-record(5)
 * orders .event_id), and starts fetching its slot: the table's cache
 * miss then overlaps the check.  keyhash takes the guess only if the
 * checked record's key is that very string.
 */
static void
guess(const struct mp_rec *rec)
{
	static struct mp_buf b;

	early.p = NULL;
	if (fingerprint || nkey != 1 ||
	    !mp_keymat_lead(rec->p, rec->n, &kpath[0], &early))
		return;
	b.len = 0;
	mp_keymat_add(&b, &early);
	earlyhash = mp_keys_hash(keys, 'k', b.p, b.len);
	mp_keys_prefetch(keys, 0, earlyhash);
}

/* Whether a value is there: present, not null, not "". */
static int
present(const struct mp_span *v)
{
	return v->n > 0 && mp_json_type(v) != MP_JSON_NULL &&
	    !(v->n == 2 && *v->p == '"');
}

/* Hashes the record's key; -1 after rejecting it. */
static int
keyhash(struct mp_run *run, struct mp_rec *rec, struct mp_keyhash *h)
{
	struct mp_span *v;
	int i;

	mat.len = 0;
	if (fingerprint) {
		mp_json_canon(rec->p, rec->n, ignore, nignore, &mat);
		*h = mp_keys_hash(keys, 'f', mat.p, mat.len);
		return 0;
	}
	if (early.p && kval[0].p == early.p && kval[0].n == early.n) {
		*h = earlyhash;		/* a plain string, not empty */
		return 0;
	}
	for (i = 0; i < nkey; i++) {
		v = &kval[i];
		if (!present(v)) {
			mp_reject(run, rec, v->n == 0 ? "missing field '%s'" :
			    mp_json_type(v) == MP_JSON_NULL ?
			    "field '%s' is null" : "field '%s' is empty",
			    kpath[i].text);
			return -1;
		}
		mp_keymat_add(&mat, v);
	}
	*h = mp_keys_hash(keys, 'k', mat.p, mat.len);
	return 0;
}

/* The event time in seconds; MP_TIME_NONE after rejecting the record. */
static int64_t
eventtime(struct mp_run *run, struct mp_rec *rec)
{
	struct mp_span *t = slot[P_TIME];
	int64_t us, s;

	if (mp_rec_time(run, rec, t, path[P_TIME].text, &us) < 0)
		return MP_TIME_NONE;
	s = us / 1000000 - (us % 1000000 < 0);
	if (s < 1 || s > UINT32_MAX) {
		mp_reject(run, rec, "field '%s' is out of range",
		    path[P_TIME].text);
		return MP_TIME_NONE;
	}
	return s;
}

static void
drop_dup(struct mp_run *run, struct mp_rec *rec, const struct mp_keyinfo *ki)
{
	static struct mp_buf x;
	char buf[32];

	/*
	 * A key an earlier run saw: its record may be in the table already,
	 * and a day replaced by this run's output would lose it.
	 */
	if (ki->run && (runid == NULL || strcmp(ki->run, runid) != 0)) {
		mp_count(run, "earlier_run", 1);
		mp_chain_part("mp-dedup dropped records that run '%s' passed "
		    "(a run replacing a day needs that day's own --run-id)",
		    ki->run);
	} else if (state && runid == NULL)
		mp_chain_part("mp-dedup keeps --state without --run-id, so a "
		    "duplicate it drops may be one an earlier run passed");
	x.len = 0;
	if (ki->first != MP_TIME_NONE)
		mp_buf_printf(&x, ",\"first_seen\":\"%s\"",
		    mp_time_fmt(ki->first, buf));
	if (ki->run) {
		mp_buf_adds(&x, ",\"first_run\":");
		mp_buf_json_str(&x, ki->run, strlen(ki->run));
	}
	mp_drop_with(run, rec, "duplicate", mp_buf_str(&x));
}

/* Marks a passing record with whether it is its visitor's first. */
static void
emit_marked(struct mp_run *run, struct mp_rec *rec, int64_t t)
{
	static struct mp_buf out;
	struct mp_keyinfo ki;
	const char *mark = "null";
	struct mp_keyhash h;
	int i, any = 0, dom = 'v';

	mat.len = 0;
	for (i = 0; i < nvis; i++) {
		any |= present(&vval[i]);
		mp_keymat_add(&mat, &vval[i]);
	}
	if (!any) {
		/* no visitor id: the address and the browser stand in */
		mat.len = 0;
		any = present(slot[P_IP]) || present(slot[P_UA]);
		mp_keymat_add(&mat, slot[P_IP]);
		mp_keymat_add(&mat, slot[P_UA]);
		dom = 'i';
	}
	if (!any)
		mp_count(run, "unique_unknown", 1);
	else {
		h = mp_keys_hash(keys, dom, mat.p, mat.len);
		switch (mp_keys_see(keys, 1, h, t, &ki)) {
		case MP_KEYS_SEEN:
			mark = "false";
			mp_count(run, "repeat", 1);
			break;
		case MP_KEYS_LATE:
			mp_count(run, "unique_late", 1);
			/* FALLTHROUGH */
		default:
			mark = "true";
			mp_count(run, "unique", 1);
		}
	}
	out.len = 0;
	if (mp_json_splice(rec->p, rec->n, &unique, mark, strlen(mark),
	    &out) < 0)
		mp_errx(MP_EX_SOFTWARE, "cannot add '%s'", unique.text);
	mp_emit_line(run, out.p, out.len);
}

static int
dedup(struct mp_run *run, struct mp_rec *rec, void *arg)
{
	struct mp_keyinfo ki;
	int64_t t = MP_TIME_NONE;
	struct mp_keyhash h;

	(void)arg;
	guess(rec);
	if (mp_rec_json(run, rec) < 0)
		return 0;
	/*
	 * A checked record has one member of a name: a guessed key is the
	 * key, and the query is needed only for other fields.
	 */
	if (early.p && !needtime && !unique.nseg)
		kval[0] = early;
	else
		mp_query_run(query, rec->p, rec->n, val);
	if (keyhash(run, rec, &h) < 0)
		return 0;
	if (needtime && (t = eventtime(run, rec)) == MP_TIME_NONE)
		return 0;
	switch (mp_keys_see(keys, 0, h, t, &ki)) {
	case MP_KEYS_SEEN:
		mp_count(run, "duplicates", 1);
		drop_dup(run, rec, &ki);
		return 0;
	case MP_KEYS_LATE:
		mp_count(run, "late", 1);
		if (late == MP_FATE_DROP) {
			mp_drop(run, rec, "late");
			return 0;
		}
		if (late == MP_FATE_REJECT) {
			mp_reject(run, rec, "late: older than the window");
			return 0;
		}
	}
	if (unique.nseg)
		emit_marked(run, rec, t);
	else
		mp_emit(run, rec);
	return 0;
}

/* The query asks only for the fields the run uses. */
static struct mp_query *
ask(struct mp_path *kp, int nk, struct mp_path *vp, int nv)
{
	struct mp_path all[NSLOT + 2 * MAXPATHS];
	int n = 0, i;

	kpath = kp;
	vpath = vp;
	for (i = 0; i < nk; i++)
		all[n++] = kp[i];
	kval = val;
	for (i = 0; i < NSLOT; i++)
		slot[i] = &none;
	if (needtime) {
		slot[P_TIME] = &val[n];
		all[n++] = path[P_TIME];
	}
	if (unique.nseg) {
		slot[P_IP] = &val[n];
		all[n++] = path[P_IP];
		slot[P_UA] = &val[n];
		all[n++] = path[P_UA];
		vval = &val[n];
		for (i = 0; i < nv; i++)
			all[n++] = vp[i];
	}
	return mp_query_new(all, n);
}

/* What keys are made of, as text: a state remembers it. */
static const char *
keying(const struct mp_path *kp)
{
	static struct mp_buf b;
	int i;

	mp_buf_adds(&b, fingerprint ? "fingerprint" : "key");
	for (i = 0; i < (fingerprint ? nignore : nkey); i++) {
		mp_buf_addc(&b, ' ');
		mp_buf_adds(&b, fingerprint ? ignore[i].text : kp[i].text);
	}
	return mp_buf_str(&b);
}

static void
checkrunid(const char *id)
{
	const char *s;

	for (s = id; *s; s++)
		if (*s <= ' ' || *s > '~')
			break;
	if (*s || s == id || s - id > MP_KEYS_MAXRUNID) {
		mp_warnx("--run-id: '%s': want 1 to %d printable characters "
		    "without blanks", id, MP_KEYS_MAXRUNID);
		mp_usage(usage);
	}
}

static struct mp_path *vp;		/* --visitor */
static const char *keyarg;		/* --key */
static int64_t win[MP_KEYS_NSET] = { 0, 86400 };

/* --ignore, --visitor */
static int
opt_paths(void *ctx, const char *arg, const char **errstr)
{
	(void)errstr;
	if (ctx == &ignore)
		setpaths("ignore", arg, &ignore, &nignore);
	else
		setpaths("visitor", arg, &vp, &nvis);
	return 0;
}

/* --window, --unique-window: whole seconds into *ctx */
static int
opt_window(void *ctx, const char *arg, const char **errstr)
{
	int64_t us;

	if (mp_duration_parse(arg, &us, errstr) < 0)
		return -1;
	if (us % 1000000 != 0)
		*errstr = "not whole seconds";
	else if (us / 1000000 > UINT32_MAX)
		*errstr = "too large";
	else {
		*(int64_t *)ctx = us / 1000000;
		return 0;
	}
	return -1;
}

static int
opt_time(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx;
	mp_path_free(&path[P_TIME]);
	return mp_path_parse(arg, &path[P_TIME], errstr);
}

static int
opt_state(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx, (void)errstr;
	if (*arg == '\0') {
		mp_warnx("--state: empty file name");
		mp_usage(usage);
	}
	state = mp_opt_arg_path(arg);
	return 0;
}

static int
opt_runid(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx, (void)errstr;
	checkrunid(arg);
	runid = arg;
	return 0;
}

static int
opt_unique(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx, (void)errstr;
	mp_opt_field(&unique, "--mark-unique", arg, 1, usage);
	return 0;
}


int
main(int argc, char *argv[])
{
	const struct mp_opt opts[] = {
		MP_OPT_SET("key", 'k', MP_OPT_STRING, &keyarg, "paths",
		    "the fields that make the key (.event_id)"),
		MP_OPT_SET("fingerprint", 'f', MP_OPT_FLAG, &fingerprint, NULL,
		    "the key is a fingerprint of the whole record"),
		MP_OPT_FN("ignore", 'I', "paths", opt_paths, &ignore,
		    "members --fingerprint leaves out"),
		MP_OPT_FN("window", 'w', "duration", opt_window, &win[0],
		    "forget a key this long after its first record"),
		MP_OPT_FN("time", 'T', "path", opt_time, NULL,
		    "the event time's field (.ts)"),
		MP_OPT_FN("state", 'S', "file", opt_state, NULL,
		    "keep the keys in file across runs"),
		MP_OPT_FN("run-id", 'R', "id", opt_runid, NULL,
		    "name the run, so that a re-run gives the same"),
		{ "late", 0, MP_OPT_CHOICE, &late, "pass|drop|reject",
		  "what to do with a late record (pass)",
		  0, 0, mp_opt_fates, 0, NULL, NULL },
		MP_OPT_FN("mark-unique", 'u', "name", opt_unique, NULL,
		    "add name, true for a visitor's first record"),
		MP_OPT_FN("unique-window", 0, "duration", opt_window, &win[1],
		    "how long a visitor stays known (1d)"),
		MP_OPT_FN("visitor", 0, "paths", opt_paths, &vp,
		    "the fields naming a visitor (.visitor_id)"),
		MP_OPT_END
	};
	struct mp_cfg cfg = { 0 };
	struct mp_run *run;
	struct mp_path *kp = NULL;
	double t0;
	int i, st, lockfd = -1;

	mp_opt_path(&path[P_TIME], "--time", ".ts", usage);
	mp_opt_path(&path[P_IP], "--ip", ".ip", usage);
	mp_opt_path(&path[P_UA], "--ua", ".ua", usage);
	i = mp_opt_parse(argc, argv, opts, &cfg, usage);
	argc -= i;
	argv += i;
	if (fingerprint && keyarg) {
		mp_warnx("--key and --fingerprint exclude each other");
		mp_usage(usage);
	}
	if (nignore && !fingerprint) {
		mp_warnx("--ignore needs --fingerprint");
		mp_usage(usage);
	}
	if (vp == NULL)
		setpaths("visitor", ".visitor_id", &vp, &nvis);
	if (!fingerprint)
		setpaths("key", keyarg ? keyarg : ".event_id", &kp, &nkey);
	if (!unique.nseg) {
		win[1] = 0;
		nvis = 0;
	}
	needtime = win[0] > 0 || unique.nseg;
	query = ask(kp, nkey, vp, nvis);
	keys = mp_keys_new(win);
	mp_keys_keying(keys, keying(kp));
	t0 = mp_now();
	if (state && (st = mp_lock(state, "state", &lockfd)) != 0)
		return st;
	if ((st = mp_keys_load(keys, state, runid)) != 0)
		return st;
	t0 = mp_now() - t0;
	run = mp_run_new(&cfg);
	mp_count(run, "duplicates", 0);
	mp_count(run, "earlier_run", 0);
	mp_count(run, "late", 0);
	if (unique.nseg) {
		mp_count(run, "unique", 0);
		mp_count(run, "repeat", 0);
		mp_count(run, "unique_unknown", 0);
		mp_count(run, "unique_late", 0);
	}
	st = mp_run_loop(run, argc, argv, dedup, NULL);
	st = mp_run_flush(run, st);
	if (st == 0 && state)
		st = mp_keys_write(keys, state);
	for (i = 0; i < MP_KEYS_NSET; i++)
		mp_count(run, "expired", mp_keys_expired(keys, i));
	mp_count(run, "keys", mp_keys_count(keys, 0));
	if (unique.nseg)
		mp_count(run, "visitors", mp_keys_count(keys, 1));
	mp_count(run, "state_bytes", state ? mp_keys_bytes(keys) : 0);
	mp_count(run, "state_load_ms", (long long)(t0 * 1000));
	mp_count(run, "table_bytes", mp_keys_memory(keys));
	return mp_run_end(run, st);
}
