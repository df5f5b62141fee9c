/*
 * mp-fetch: pull records from an HTTP API into NDJSON.  A source is a set
 * of options (usually a -K file): a URL template, how records and the next
 * page are found, time windows, a cap that splits windows, auth, retries.
 * Windows are written in order, each whole or not at all; --state keeps
 * the end of the last window written, --archive every raw response, and
 * --replay parses an archive again without the network.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mp.h"

static const char usage[] =
    "usage: mp-fetch [-s] [-X method] [-H header] [-d data] "
    "[--records=jq] [--next=jq]\n"
    "                [--page-size=n] [--first-page=n] "
    "[--from=time] [--to=time] [--window=duration]\n"
    "                [--time-format=format] [--concurrency=n] "
    "[--cap=n] [--count=jq]\n"
    "                [--min-window=duration] [--state=name] "
    "[--state-dir=dir] [--lookback=duration]\n"
    "                [--bearer-file=file] [--basic-file=file] "
    "[--oauth2-token-url=url]\n"
    "                [--client-id=id] [--client-secret-file=file] "
    "[--refresh-token-file=file]\n"
    "                [--scope=scope] [--retries=n] "
    "[--retry-max-time=duration] [--timeout=duration]\n"
    "                [--reset-header=name] [--rate=n/s] [--error=jq] "
    "[--tag=name=value]\n"
    "                [--source=name] [--source-field=field] "
    "[--fetched-field=field]\n"
    "                [--archive=dir] [--replay=dir] "
    "[--format=json|ndjson|csv|tsv]\n"
    "                [--encoding=name] [--separator=c] [--skip-rows=n] "
    "[--footer=jq]\n"
    "                [--decimal-comma] [--field=name:type] [--map=jq]\n"
    "                [--quote | --no-quote] [--allow-empty] "
    "[--report-create=url]\n"
    "                [--report-data=data] [--report-id=jq] "
    "[--report-poll=url]\n"
    "                [--report-ready=jq] [--report-failed=jq] "
    "[--report-url=jq]\n"
    "                [--poll-interval=duration] "
    "[--poll-timeout=duration]\n"
    "                [--report-retries=n] [--s3-endpoint=url] "
    "[--s3-region=name]\n"
    "                [--s3-addressing=path|virtual] "
    "[--s3-credentials=file]\n"
    "                [--s3-part-size=size] [--s3-retries=n] [-K file]\n"
    "                [--rejects=file]\n"
    "                [--dropped=file] [--stats[=file]]\n"
    "                [--metrics=file] [--log-format=text|json] [url]\n"
    "       mp-fetch [options] s3://bucket/prefix\n";

static struct mp_fetch f = {
	.timefmt = "%Y-%m-%dT%H:%M:%SZ", .firstpage = 1, .conc = 1,
	.minwinus = 60000000, .timeoutus = 60000000, .pollus = 5000000,
	.polltimeoutus = 1800000000, .rretries = 2,
	.dec = { .csv = { .quote = 1 } },
};
static int64_t fromus = MP_NOTIME, tous = MP_NOTIME, winus, lookbackus,
    retrymaxus = 300000000;
static long long retries = 5;
static const char *source, *statename, *statedir, *archivedir, *replaydir;
static const char *bearerfile, *basicfile, *recarg;
static struct mp_oauth2 oauth2;
static struct mp_path srcfield, fetchfield;
static struct { struct mp_path path; char *json; } *tag;
static int ntag;
static char *srcjson, *srcown;	/* the source as a JSON string */
static char *urlown;		/* a file's URL */
static struct mp_bookmark bm;
static struct mp_rawarc arc;
static struct mp_jq *jmap;	/* --map: a record made of each */
static struct mp_s3 s3;

/* At exit, also on a failure: what the run holds (jq's states too). */
static void
cleanup(void)
{
	int i;

	mp_rawarc_close(&arc);
	mp_bookmark_close(&bm);
	mp_fetch_free(&f);
	for (i = 0; i < ntag; i++) {
		mp_path_free(&tag[i].path);
		free(tag[i].json);
	}
	free(tag);
	free(srcjson);
	free(srcown);
	free(urlown);
	mp_jq_free(jmap);
	mp_path_free(&srcfield);
	mp_path_free(&fetchfield);
	tag = NULL;
	ntag = 0;
	srcjson = srcown = urlown = NULL;
	jmap = NULL;
}

/* Adds one record to the page, made by --map, with the source's fields. */
static int
keep(void *arg, struct mp_fetch_page *pg, const char *p, size_t n,
    long long line)
{
	static struct mp_buf a, b, why;
	struct mp_json_err e;
	struct mp_buf *src = &a, *dst = &b, *x;
	int i;

	(void)arg;
	if (line == 0)
		line = pg->n + pg->bad + 1;
	why.len = 0;
	if (mp_json_check(p, n, &e) < 0)
		mp_buf_printf(&why, "record %lld: not a JSON object", line);
	else if (jmap && mp_jq_map(jmap, p, n, src) < 0)
		mp_buf_printf(&why, "--map: %s", mp_buf_str(src));
	if (why.len)
		return mp_fetch_reject(pg, line, mp_buf_str(&why), p, n);
	if (jmap == NULL) {
		src->len = 0;
		mp_buf_add(src, p, n);
	}
	for (i = 0; i < ntag + 2; i++) {
		const struct mp_path *at = i < ntag ? &tag[i].path :
		    i == ntag ? &srcfield : &fetchfield;
		const char *v = i < ntag ? tag[i].json : i == ntag ? srcjson :
		    pg->fetched;

		if (at->nseg == 0)
			continue;
		dst->len = 0;
		mp_json_splice(src->p, src->len, at, v, strlen(v), dst);
		x = src, src = dst, dst = x;
	}
	mp_buf_add(pg->out, src->p, src->len);
	mp_buf_addc(pg->out, '\n');
	pg->n++;
	return 0;
}

/* --- options --- */

static int
opt_header(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx, (void)errstr;
	f.hdr = xrealloc(f.hdr, (f.nhdr + 1) * sizeof *f.hdr);
	f.hdr[f.nhdr++] = arg;
	return 0;
}

/* A jq program into *(struct mp_jq **)ctx. */
static int
opt_jq(void *ctx, const char *arg, const char **errstr)
{
	static struct mp_buf err;
	struct mp_jq **q = ctx;

	mp_jq_free(*q);
	err.len = 0;
	if ((*q = mp_jq_new(arg, &err)) == NULL) {
		*errstr = mp_buf_str(&err);
		return -1;
	}
	return 0;
}

static int
opt_time(void *ctx, const char *arg, const char **errstr)
{
	if (mp_window_time(arg, ctx) == 0)
		return 0;
	*errstr = "want RFC 3339, YYYY-MM-DD, now or -duration";
	return -1;
}

static int
opt_state(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx;
	statename = arg;
	*errstr = "a name, not a path";
	return *arg == '\0' || strchr(arg, '/') ? -1 : 0;
}

static int
opt_rate(void *ctx, const char *arg, const char **errstr)
{
	char *end;

	(void)ctx;
	f.rate = strtod(arg, &end);
	*errstr = "want requests a second, as 5/s";
	return end == arg || f.rate <= 0 || (*end && strcmp(end, "/s") != 0) ?
	    -1 : 0;
}

static int
opt_tag(void *ctx, const char *arg, const char **errstr)
{
	const char *eq = strchr(arg, '=');
	struct mp_buf b = { 0 };
	char *name;

	(void)ctx;
	*errstr = "want name=value";
	if (eq == NULL || eq == arg)
		return -1;
	tag = xrealloc(tag, (ntag + 1) * sizeof *tag);
	memset(&tag[ntag], 0, sizeof *tag);	/* mp_opt_field frees it */
	name = xstrndup(arg, eq - arg);
	mp_opt_field(&tag[ntag].path, "--tag", name, 0, usage);
	free(name);
	mp_buf_json_str(&b, eq + 1, strlen(eq + 1));
	tag[ntag++].json = (char *)mp_buf_str(&b);
	return 0;
}

/* --source-field, --fetched-field: "" for none. */
static int
opt_field(void *ctx, const char *arg, const char **errstr)
{
	struct mp_path *p = ctx;

	(void)errstr;
	mp_path_free(p);
	if (*arg)
		mp_opt_field(p, p == &srcfield ? "--source-field" :
		    "--fetched-field", arg, 0, usage);
	return 0;
}

#define D(v)	((int64_t)(v) * 1000000)
#define MAXD	D(36500 * 86400LL)
#define O(name, l, kind, dst, arg, help) \
	MP_OPT_SET(name, l, MP_OPT_##kind, dst, arg, help)
#define N(name, kind, dst, arg, help, min, max) { name, 0, MP_OPT_##kind, \
	dst, arg, help, (long long)(min), (long long)(max), NULL, 0, NULL, NULL }
#define C(name, l, fn, ctx, arg, help) MP_OPT_FN(name, l, arg, fn, ctx, help)

int
main(int argc, char *argv[])
{
	const struct mp_opt opts[] = {
	O("url", 0, STRING, &f.url, "url", "the URL template"),
	O("method", 'X', STRING, &f.method, "method", "the request's method"),
	C("header", 'H', opt_header, NULL, "header",
	    "a request header (a template), repeated"),
	O("data", 'd', STRING, &f.data, "data", "the body (a template)"),
	O("records", 0, STRING, &recarg, "jq",
	    "where the records are: a path or a jq program"),
	C("next", 0, opt_jq, &f.jnext, "jq", "the next page's URL or cursor"),
	N("page-size", INT, &f.pagesize, "n",
	    "records a page: {limit}, and a short page is the last", 1, 1e8),
	N("first-page", INT, &f.firstpage, "n",
	    "the number of the first {page} (1)", 0, 1e9),
	C("from", 0, opt_time, &fromus, "time", "the first window's start"),
	C("to", 0, opt_time, &tous, "time", "the last window's end (now)"),
	N("window", DURATION, &winus, "duration", "the windows' length",
	    D(1), MAXD),
	O("time-format", 0, STRING, &f.timefmt, "format",
	    "{from} and {to}: strftime, epoch or epoch_ms"),
	N("concurrency", INT, &f.conc, "n", "requests at once (1)", 1, 256),
	N("cap", INT, &f.cap, "n",
	    "the most records an answer gives: a window reaching it is split",
	    1, 1e9),
	C("count", 0, opt_jq, &f.jcount, "jq", "the API's total of a window"),
	N("min-window", DURATION, &f.minwinus, "duration",
	    "split no window shorter (1m)", D(1), MAXD),
	C("state", 0, opt_state, NULL, "name",
	    "the bookmark: go on from the last window written"),
	O("state-dir", 0, PATH, &statedir, "dir",
	    "the state folder (~/.local/state/mp)"),
	N("lookback", DURATION, &lookbackus, "duration",
	    "start this long before the bookmark", 0, 0),
	O("bearer-file", 0, PATH, &bearerfile, "file", "a bearer token's file"),
	O("basic-file", 0, PATH, &basicfile, "file",
	    "a user:password file for basic auth"),
	O("oauth2-token-url", 0, STRING, &oauth2.token_url, "url",
	    "get OAuth2 tokens from url"),
	O("client-id", 0, STRING, &oauth2.client_id, "id", "the client id"),
	O("client-secret-file", 0, PATH, &oauth2.secret_file, "file",
	    "the OAuth2 client secret's file"),
	O("refresh-token-file", 0, PATH, &oauth2.refresh_file, "file",
	    "an OAuth2 refresh token's file"),
	O("scope", 0, STRING, &oauth2.scope, "scope", "the OAuth2 scope"),
	N("retries", INT, &retries, "n", "tries after the first (5)", 0, 100),
	N("retry-max-time", DURATION, &retrymaxus, "duration",
	    "the most waiting for a request's retries (5m)", 0, 0),
	N("timeout", DURATION, &f.timeoutus, "duration",
	    "a request's time (1m)", 1000, MAXD),
	O("reset-header", 0, STRING, &f.reset, "name",
	    "the rate limit's reset header (seconds or epoch)"),
	C("rate", 0, opt_rate, NULL, "n/s", "requests a second at most"),
	C("error", 0, opt_jq, &f.jerror, "jq",
	    "an answer that is an error: another try"),
	C("tag", 0, opt_tag, NULL, "name=value",
	    "add a field to every record, repeated"),
	O("source", 0, STRING, &source, "name",
	    "the records' source (the URL's host)"),
	C("source-field", 0, opt_field, &srcfield, "field",
	    "the source's field (fetch_source; \"\": none)"),
	C("fetched-field", 0, opt_field, &fetchfield, "field",
	    "the fetch time's field (fetched_at; \"\": none)"),
	O("archive", 0, PATH, &archivedir, "dir", "keep every raw answer"),
	O("replay", 0, PATH, &replaydir, "dir",
	    "read the answers of an archive, not the network"),
	MP_DECODE_OPT_TABLE(&f.dec),
	C("map", 0, opt_jq, &jmap, "jq", "make each record by jq"),
	O("allow-empty", 0, FLAG, &f.allowempty, NULL,
	    "a file with no row is a fair answer"),
	O("report-create", 0, STRING, &f.rcreate, "url",
	    "create a report job (a template)"),
	O("report-data", 0, STRING, &f.rdata, "data", "the job request's body"),
	C("report-id", 0, opt_jq, &f.jrid, "jq", "the job's {id}"),
	O("report-poll", 0, STRING, &f.rpoll, "url",
	    "the job's state (a template)"),
	C("report-ready", 0, opt_jq, &f.jready, "jq", "the job is done"),
	C("report-failed", 0, opt_jq, &f.jfailed, "jq", "the job failed"),
	C("report-url", 0, opt_jq, &f.jrurl, "jq", "the report file's link"),
	N("poll-interval", DURATION, &f.pollus, "duration",
	    "the first wait for a job (5s)", 1000, MAXD),
	N("poll-timeout", DURATION, &f.polltimeoutus, "duration",
	    "a new job after so long (30m)", 1000, MAXD),
	N("report-retries", INT, &f.rretries, "n",
	    "new jobs after the first (2)", 0, 100),
	MP_S3_OPT_TABLE(&s3),
	MP_OPT_END
	};
	struct mp_cfg cfg = { 0 };
	struct mp_buf err = { 0 };
	int64_t mark;
	int i, st;

	opt_field(&srcfield, "fetch_source", NULL);
	opt_field(&fetchfield, "fetched_at", NULL);
	i = mp_opt_parse(argc, argv, opts, &cfg, usage);
	atexit(cleanup);
	argc -= i;
	argv += i;
	if (argc > 1)
		mp_usage(usage);
	if (argc == 1)
		f.url = argv[0];
	f.progress = mp_run_progress(&cfg);
	if (f.url && strncmp(f.url, "s3://", 5) == 0) {
		f.run = mp_run_new(&cfg);
		if ((st = mp_s3cat(&s3, f.url, f.run, f.progress)) != 0)
			return st;
		mp_s3_free(&s3);
		return mp_run_end(f.run, 0);
	}
	if (f.rcreate && (!f.jrid || !f.rpoll || !f.jready || !f.jrurl)) {
		mp_warnx("--report-create needs --report-id, --report-poll, "
		    "--report-ready and --report-url");
		mp_usage(usage);
	}
	if (f.url == NULL)
		f.url = f.rcreate ? f.rcreate : replaydir ? "replay:" : "-";
	if (strcmp(f.url, "-") == 0 && (f.jnext || f.pagesize ||
	    fromus != MP_NOTIME || statename || archivedir)) {
		mp_warnx("a body on standard input is one response: no paging, "
		    "windows, state or archive");
		mp_usage(usage);
	}
	if (strcmp(f.url, "-") != 0 && strstr(f.url, "://") == NULL)
		f.url = urlown = mp_url_file(f.url);
	if (mp_decode_where(&f.dec, recarg, &err) < 0) {
		mp_warnx("--records: '%s': %s", recarg, mp_buf_str(&err));
		mp_usage(usage);
	}
	mp_buf_free(&err);
	if (winus && fromus == MP_NOTIME && statename == NULL && !replaydir) {
		mp_warnx("--window needs --from (or --state)");
		mp_usage(usage);
	}
	if (replaydir)
		archivedir = NULL;	/* a source's file serves both */
	if (source == NULL) {
		const char *h = strstr(f.url, "://");

		if (h == NULL)
			source = replaydir ? "replay" : "stdin";
		else {
			h += 3;
			source = srcown = xstrndup(h, strcspn(h, ":/?#"));
			if (*source == '\0')
				source = "file";
		}
	}
	mp_buf_json_str(&err, source, strlen(source));
	srcjson = xstrdup(mp_buf_str(&err));
	mp_buf_free(&err);
	f.strict = cfg.strict;
	f.record = keep;
	f.retry.max_tries = retries;
	/* --retry-max-time=0: no waiting at all */
	f.retry.max_time = replaydir ? 0 : retrymaxus ? retrymaxus / 1e6 :
	    1e-9;
	f.run = mp_run_new(&cfg);
	if (statename && !replaydir) {
		f.bookmark = &bm;
		if ((mark = mp_bookmark_open(&bm, statedir, statename)) !=
		    MP_NOTIME)
			fromus = mark - lookbackus;
		else if (fromus == MP_NOTIME)
			mp_errx(MP_EX_USAGE, "state '%s' is new: give --from "
			    "for the first run", statename);
		if (tous == MP_NOTIME)
			tous = (int64_t)time(NULL) * 1000000;
	}
	oauth2.state_dir = statedir;
	oauth2.timeout_ms = f.timeoutus / 1000;
	oauth2.retries = retries;
	f.oauth2 = oauth2.token_url ? &oauth2 : NULL;
	if (bearerfile || basicfile)
		f.auth = mp_secret_auth(bearerfile ? "--bearer-file" :
		    "--basic-file", bearerfile ? bearerfile : basicfile,
		    bearerfile == NULL);
	else if (f.oauth2 && !replaydir)
		f.auth = mp_oauth2_header(&oauth2, 0);
	if (replaydir) {
		f.replay = &arc;
		mp_rawarc_replay(&arc, replaydir);
		mp_fetch_replay(&f, winus);
	} else {
		if (fromus != MP_NOTIME && tous == MP_NOTIME)
			tous = (int64_t)time(NULL) * 1000000;	/* kept */
		if (archivedir) {
			f.archive = &arc;
			mp_rawarc_open(&arc, archivedir, fromus, tous);
		}
		mp_fetch_run(&f, fromus, tous, winus);
	}
	mp_progress_clear();
	st = mp_run_flush(f.run, mp_interrupted() ? 0 : f.status);
	mp_fetch_counts(&f);
	return mp_run_end(f.run, st);
}
