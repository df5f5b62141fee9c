/*
 * mp-fetch: pull records from an HTTP API into NDJSON.  A source is a set
 * of options (usually a -K file): a URL template, how records and the next
 * page are found, time windows, a cap that splits windows, auth, retries.
 * Windows are written in order, each whole or not at all; --state keeps
 * the end of the last window written, --archive every raw response, and
 * --replay parses an archive again without the network.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <zstd.h>

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

#define NOTIME	INT64_MIN

/* options */
static const char *url0, *method, *data, *timefmt = "%Y-%m-%dT%H:%M:%SZ";
static char **hdr;
static int nhdr;
static const char *bearerfile, *basicfile, *tokenurl, *clientid,
    *secretfile, *refreshfile, *scope, *resethdr, *source;
static const char *statename, *statedir, *archivedir, *replaydir;
static struct mp_jq *jrecords, *jnext, *jcount, *jerror;
static struct mp_path recpath, userpath;	/* .r + the path, the path */
static int recmode;		/* 0 the body's own, 1 a path, 2 jq */
static const char *recname = ".";	/* --records, for messages */
static long long pagesize, firstpage = 1, cap, conc = 1, retries = 5;
static int64_t fromus = NOTIME, tous = NOTIME, winus, minwinus = 60000000,
    lookbackus, retrymaxus = 300000000, timeoutus = 60000000;
static double rate;
static struct mp_path srcfield, fetchfield;
static struct { struct mp_path path; char *json; } *tag;
static int ntag;
/* files: the format, the encoding, and how CSV becomes records */
enum { FMT_AUTO, FMT_JSON, FMT_NDJSON, FMT_CSV, FMT_TSV };
static int format;
static const char *encoding;
static struct mp_csvrec csvopt;
static struct mp_jq *jfooter;
static struct mp_jq *jmap;	/* --map: a record made of each */
static long long nfooter;
static int quote = 1;		/* CSV and TSV cells may be quoted */
static int allowempty;		/* a file with no row is a fair answer */
/* report jobs: create, poll until ready, download */
static const char *rcreate, *rdata, *rpoll;
static struct mp_jq *jrid, *jready, *jfailed, *jrurl;
static int64_t pollus = 5000000, polltimeoutus = 1800000000;
static long long rretries = 2, njobs;

/* run state */
static struct mp_run *run;
static char *auth;		/* the Authorization header, never logged */
static long long nreq, nretry, npage, nsplit, nover, nbytes;
static double t0, lastreq;
static int status;		/* 1 when a window overflowed at its least */
static int strict, stopnow;	/* -s, and a record was rejected */
static int showprog;

struct win {
	int64_t	 from, to;	/* seconds; NOTIME: no window */
	int	 done, split;
	long long page, offset, nrec, count;
	char	*cursor, *next;
	int	 tries, reauth;
	double	 notbefore, waited;
	struct mp_buf out;
	/* a report job: its phase, id, tries, and the polls' pace */
	int	 phase, jobs, expired;
	char	*job;
	double	 delay, waited2;	/* the next wait; the waits so far */
	/* rejects and drops of its pages, written with its records */
	struct pend *pend;
	int	 npend, cpend;
	long long nin;		/* records read, rejects and drops too */
};
struct pend {
	char	*file, *reason, *raw;
	size_t	 n;
	long long line;
	int	 drop;
};
enum { PH_DATA, PH_CREATE, PH_POLL, PH_GET };
static struct win *win;
static int nwin, capwin;

/* --- time --- */

static int64_t
parsetime(const char *opt, const char *s)
{
	const char *errstr;
	char buf[64];
	int64_t us;

	if (strcmp(s, "now") == 0)
		return (int64_t)time(NULL) * 1000000;
	if (*s == '-' && mp_duration_parse(s + 1, &us, &errstr) == 0)
		return (int64_t)time(NULL) * 1000000 - us;
	if (strlen(s) == 10) {
		snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
		s = buf;
	}
	if (mp_time_parse(s, strlen(s), &us) < 0) {
		mp_warnx("%s: '%s': want RFC 3339, YYYY-MM-DD, now or "
		    "-duration", opt, s);
		mp_usage(usage);
	}
	return us;
}

static int64_t
duration(const char *opt, const char *s, int64_t min)
{
	const char *errstr;
	int64_t us;

	if (mp_duration_parse(s, &us, &errstr) < 0 || us < min) {
		mp_warnx("%s: '%s': %s", opt, s, us < min ? "too small" :
		    errstr);
		mp_usage(usage);
	}
	return us;
}

static void
fmttime(int64_t secs, struct mp_buf *b)
{
	char buf[128];
	time_t t = secs;
	struct tm tm;

	if (strcmp(timefmt, "epoch") == 0)
		mp_buf_printf(b, "%lld", (long long)secs);
	else if (strcmp(timefmt, "epoch_ms") == 0)
		mp_buf_printf(b, "%lld000", (long long)secs);
	else {
		gmtime_r(&t, &tm);
		if (strftime(buf, sizeof buf, timefmt, &tm) > 0)
			mp_buf_adds(b, buf);
	}
}

static const char *
wname(const struct win *w)
{
	static char buf[96];
	char a[32], b[32];

	if (w->from == NOTIME)
		return "(no window)";
	snprintf(buf, sizeof buf, "%s..%s", mp_time_fmt(w->from, a),
	    mp_time_fmt(w->to, b));
	return buf;
}

/* --- templates --- */

static void
urlenc(struct mp_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (isalnum(c) || strchr("-._~", c))
			mp_buf_addc(b, c);
		else
			mp_buf_printf(b, "%%%02X", c);
	}
}

/* Expands {from} {to} {cursor} {page} {offset} {limit} {env:NAME}. */
static void
expand(const char *t, const struct win *w, int enc, struct mp_buf *b)
{
	static struct mp_buf v;
	const char *e, *name;
	size_t n;

	for (; *t; t++) {
		if (*t != '{' || (e = strchr(t, '}')) == NULL) {
			mp_buf_addc(b, *t);
			continue;
		}
		name = t + 1;
		n = e - name;
		v.len = 0;
		if (n == 4 && strncmp(name, "from", 4) == 0) {
			if (w->from != NOTIME)
				fmttime(w->from, &v);
		} else if (n == 2 && strncmp(name, "to", 2) == 0) {
			if (w->to != NOTIME)
				fmttime(w->to, &v);
		} else if (n == 6 && strncmp(name, "cursor", 6) == 0) {
			if (w->cursor)
				mp_buf_adds(&v, w->cursor);
		} else if (n == 2 && strncmp(name, "id", 2) == 0) {
			if (w->job)
				mp_buf_adds(&v, w->job);
		} else if (n == 4 && strncmp(name, "page", 4) == 0)
			mp_buf_printf(&v, "%lld", w->page);
		else if (n == 6 && strncmp(name, "offset", 6) == 0)
			mp_buf_printf(&v, "%lld", w->offset);
		else if (n == 5 && strncmp(name, "limit", 5) == 0)
			mp_buf_printf(&v, "%lld", pagesize);
		else if (n > 4 && strncmp(name, "env:", 4) == 0) {
			char *k = xstrndup(name + 4, n - 4);
			const char *ev = getenv(k);

			free(k);
			if (ev)
				mp_buf_adds(&v, ev);
		} else {
			mp_buf_addc(b, *t);
			continue;
		}
		if (enc)
			urlenc(b, v.p ? v.p : "", v.len);
		else
			mp_buf_add(b, v.p ? v.p : "", v.len);
		t = e;
	}
}

/* --- secrets --- */

/* The first line of a file, trimmed; exits 78 when it cannot be read. */
static char *
secret(const char *opt, const char *file)
{
	char *line = NULL;
	size_t sz = 0;
	ssize_t n;
	FILE *f;

	if ((f = fopen(file, "r")) == NULL)
		mp_err(MP_EX_CONFIG, "%s: %s", opt, file);
	n = getline(&line, &sz, f);
	fclose(f);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
	    line[n - 1] == ' '))
		line[--n] = '\0';
	if (n <= 0)
		mp_errx(MP_EX_CONFIG, "%s: %s: empty", opt, file);
	return line;
}

static void
base64(struct mp_buf *b, const char *s)
{
	unsigned char carry[3];
	int nc = 0;

	mp_buf_base64(b, s, strlen(s), carry, &nc, 1);
}

static char *
statepath(const char *name)
{
	struct mp_buf b = { 0 };
	const char *d = statedir, *x;

	if (d == NULL && (d = getenv("MP_STATE_DIR")) == NULL) {
		if ((x = getenv("XDG_STATE_HOME")) != NULL && *x)
			mp_buf_printf(&b, "%s/mp", x);
		else if ((x = getenv("HOME")) != NULL)
			mp_buf_printf(&b, "%s/.local/state/mp", x);
		else
			mp_buf_adds(&b, ".");
		d = xstrdup(mp_buf_str(&b));
		b.len = 0;
	}
	if (mkdir(d, 0700) < 0 && errno == ENOENT) {
		/* the parents too */
		char *p = xstrdup(d), *s;

		for (s = p + 1; *s; s++)
			if (*s == '/') {
				*s = '\0';
				mkdir(p, 0700);
				*s = '/';
			}
		mkdir(p, 0700);
		free(p);
	}
	mp_buf_printf(&b, "%s/%s", d, name);
	return b.p;
}

/* A number or string member of a checked object, as text; NULL if none. */
static char *
member(const char *obj, size_t n, const char *name)
{
	struct mp_buf b = { 0 };
	struct mp_path p;
	struct mp_span v;
	const char *errstr;
	char path[128];

	snprintf(path, sizeof path, ".%s", name);
	if (mp_path_parse(path, &p, &errstr) < 0)
		return NULL;
	if (!mp_json_get(obj, n, &p, &v)) {
		mp_path_free(&p);
		return NULL;
	}
	mp_path_free(&p);
	if (mp_json_type(&v) == MP_JSON_STRING)
		mp_json_str_decode(&v, &b);
	else if (mp_json_type(&v) == MP_JSON_NUMBER)
		mp_buf_add(&b, v.p, v.n);
	else
		return NULL;
	return (char *)mp_buf_str(&b);
}

/*
 * An OAuth2 access token: from the cache in the state folder while it has
 * a minute to live, else from the token URL (client credentials, or a
 * refresh token).  The cache is locked while it is renewed.
 */
static void
oauth2(int renew)
{
	struct mp_buf body = { 0 }, key = { 0 }, hb = { 0 };
	struct mp_http_req req = { 0 };
	struct mp_http_resp resp = { 0 };
	struct mp_json_err e;
	char *file, *tok, *exp, name[64], *cs;
	const char *h[2] = { "Content-Type: application/x-www-form-urlencoded",
	    NULL };
	struct mp_afile af;
	int lockfd = -1, st, tries;
	long long expires = 0;
	time_t now = time(NULL);
	FILE *f;

	mp_buf_printf(&key, "%s %s %s", tokenurl, clientid ? clientid : "",
	    scope ? scope : "");
	snprintf(name, sizeof name, "oauth2-%016llx.json",
	    (unsigned long long)mp_hash(key.p, key.len, 0));
	file = statepath(name);
	if ((st = mp_lock(file, "token cache", &lockfd)) != 0)
		mp_errx(st, "nothing fetched");
	if (!renew && (f = fopen(file, "r")) != NULL) {
		char buf[8192];
		size_t n = fread(buf, 1, sizeof buf - 1, f);

		fclose(f);
		buf[n] = '\0';
		if (mp_json_check(buf, n, &e) == 0 &&
		    (tok = member(buf, n, "access_token")) != NULL &&
		    (exp = member(buf, n, "expires_at")) != NULL &&
		    atoll(exp) > now + 60) {
			free(auth);
			mp_buf_printf(&hb, "Authorization: Bearer %s", tok);
			auth = hb.p;
			free(tok);
			free(exp);
			close(lockfd);
			free(file);
			mp_buf_free(&key);
			return;
		}
	}
	if (refreshfile) {
		mp_buf_adds(&body, "grant_type=refresh_token&refresh_token=");
		cs = secret("--refresh-token-file", refreshfile);
		urlenc(&body, cs, strlen(cs));
		free(cs);
	} else
		mp_buf_adds(&body, "grant_type=client_credentials");
	if (clientid) {
		mp_buf_adds(&body, "&client_id=");
		urlenc(&body, clientid, strlen(clientid));
	}
	if (secretfile) {
		mp_buf_adds(&body, "&client_secret=");
		cs = secret("--client-secret-file", secretfile);
		urlenc(&body, cs, strlen(cs));
		free(cs);
	}
	if (scope) {
		mp_buf_adds(&body, "&scope=");
		urlenc(&body, scope, strlen(scope));
	}
	req.method = "POST";
	req.url = tokenurl;
	req.headers = h;
	req.body = body.p;
	req.bodylen = body.len;
	req.timeout_ms = timeoutus / 1000;
	for (tries = 0;; tries++) {
		if (mp_http_do(&req, &resp) == 0 && resp.status == 200)
			break;
		if (resp.status == 400 || resp.status == 401 ||
		    resp.status == 403) {
			mp_errx(MP_EX_NOPERM, "%s: the token request was "
			    "refused (%ld)", tokenurl, resp.status);
		}
		if (tries >= retries)
			mp_errx(MP_EX_UNAVAILABLE, "%s: no token after %d "
			    "tries: %s", tokenurl, tries + 1, resp.status ?
			    "an HTTP error" : resp.err);
		usleep(mp_backoff(tries, 0.5, 30) * 1e6);
	}
	mp_buf_free(&body);
	if (mp_json_check(resp.body.p, resp.body.len, &e) < 0 ||
	    (tok = member(resp.body.p, resp.body.len, "access_token")) == NULL)
		mp_errx(MP_EX_UNAVAILABLE, "%s: no access_token in the "
		    "response", tokenurl);
	if ((exp = member(resp.body.p, resp.body.len, "expires_in")) != NULL)
		expires = now + atoll(exp);
	else
		expires = now + 3600;
	free(exp);
	body.len = 0;
	mp_buf_adds(&body, "{\"access_token\":");
	mp_buf_json_str(&body, tok, strlen(tok));
	mp_buf_printf(&body, ",\"expires_at\":%lld}\n", expires);
	if (mp_afile_open(&af, file, 0) == 0) {
		fchmod(af.fd, 0600);
		mp_afile_write(&af, body.p, body.len);
		mp_afile_commit(&af);
	}
	free(auth);
	mp_buf_printf(&hb, "Authorization: Bearer %s", tok);
	auth = hb.p;
	free(tok);
	mp_buf_free(&body);
	mp_http_resp_free(&resp);
	close(lockfd);
	free(file);
	mp_buf_free(&key);
}

/* --- the archive --- */

static FILE *aindex;
static char *adir;
static long long aseq;
static ZSTD_CCtx *zc;

static void
archive_open(void)
{
	struct mp_buf b = { 0 };
	char ts[32], a[32], c[32];
	time_t now = time(NULL);
	struct tm tm;

	mkdir(archivedir, 0755);
	gmtime_r(&now, &tm);
	strftime(ts, sizeof ts, "%Y%m%dT%H%M%SZ", &tm);
	mp_buf_printf(&b, "%s/%s-%ld", archivedir, ts, (long)getpid());
	adir = xstrdup(mp_buf_str(&b));
	if (mkdir(adir, 0755) < 0)
		mp_err(MP_EX_CANTCREAT, "--archive: %s", adir);
	mp_buf_adds(&b, "/index.ndjson");
	if ((aindex = fopen(mp_buf_str(&b), "w")) == NULL)
		mp_err(MP_EX_CANTCREAT, "--archive: %s", b.p);
	b.len = 0;
	mp_buf_adds(&b, "{\"run\":{\"from\":");
	if (fromus != NOTIME)
		mp_buf_printf(&b, "\"%s\"", mp_time_fmt(fromus / 1000000, a));
	else
		mp_buf_adds(&b, "null");
	mp_buf_adds(&b, ",\"to\":");
	if (tous != NOTIME)
		mp_buf_printf(&b, "\"%s\"", mp_time_fmt(tous / 1000000, c));
	else
		mp_buf_adds(&b, "null");
	mp_buf_printf(&b, ",\"started\":\"%s\"}}\n", mp_time_fmt(now, a));
	fwrite(b.p, 1, b.len, aindex);
	fflush(aindex);
	zc = ZSTD_createCCtx();
	ZSTD_CCtx_setParameter(zc, ZSTD_c_compressionLevel, 3);
	ZSTD_CCtx_setParameter(zc, ZSTD_c_checksumFlag, 1);
	mp_buf_free(&b);
}

/* The response's headers, cookies' values hidden. */
static void
hidecookies(const struct mp_http_resp *resp, struct mp_buf *out)
{
	const char *p = resp->head.p, *end = p + resp->head.len, *nl;

	out->len = 0;
	for (; p && p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		if (strncasecmp(p, "Set-Cookie:", 11) == 0)
			mp_buf_adds(out, "Set-Cookie: REDACTED\n");
		else {
			mp_buf_add(out, p, nl - p);
			mp_buf_addc(out, '\n');
		}
	}
}

/* Keeps a raw response, before it is parsed. */
static void
archive_put(const struct mp_http_req *req, const struct mp_http_resp *resp,
    int rc, const struct win *w, time_t at)
{
	static struct mp_buf z, line, red, hd;
	unsigned char h[32];
	char file[32], ts[32];
	size_t zn;
	int fd, i;

	aseq++;
	snprintf(file, sizeof file, "%06lld.zst", aseq);
	mp_buf_grow(&z, ZSTD_compressBound(resp->body.len));
	zn = ZSTD_compress2(zc, z.p, z.cap, resp->body.p ? resp->body.p : "",
	    resp->body.len);
	if (ZSTD_isError(zn))
		mp_errx(MP_EX_SOFTWARE, "zstd: %s", ZSTD_getErrorName(zn));
	line.len = 0;
	mp_buf_printf(&line, "%s/%s", adir, file);
	if ((fd = open(line.p, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0 ||
	    write(fd, z.p, zn) != (ssize_t)zn || fsync(fd) < 0)
		mp_err(MP_EX_IOERR, "--archive: %s", line.p);
	close(fd);
	crypto_generichash(h, sizeof h, (const unsigned char *)(resp->body.p ?
	    resp->body.p : ""), resp->body.len, NULL, 0);
	red.len = 0;
	mp_http_redact(req->url, &red);
	line.len = 0;
	mp_buf_printf(&line, "{\"seq\":%lld,\"file\":\"%s\",\"url\":", aseq,
	    file);
	mp_buf_json_str(&line, red.p, red.len);
	mp_buf_printf(&line, ",\"status\":%ld,\"ok\":%s", resp->status,
	    rc == 0 ? "true" : "false");
	if (rc != 0) {
		mp_buf_adds(&line, ",\"error\":");
		mp_buf_json_str(&line, resp->err, strlen(resp->err));
	}
	mp_buf_adds(&line, ",\"headers\":");
	hidecookies(resp, &hd);
	mp_buf_json_str(&line, hd.p ? hd.p : "", hd.len);
	mp_buf_adds(&line, ",\"window\":");
	mp_buf_json_str(&line, wname(w), strlen(wname(w)));
	mp_buf_printf(&line, ",\"time\":\"%s\",\"bytes\":%zu,"
	    "\"blake2b\":\"", mp_time_fmt(at, ts), resp->body.len);
	for (i = 0; i < (int)sizeof h; i++)
		mp_buf_printf(&line, "%02x", h[i]);
	mp_buf_adds(&line, "\"}\n");
	if (fwrite(line.p, 1, line.len, aindex) != line.len ||
	    fflush(aindex) != 0)
		mp_err(MP_EX_IOERR, "--archive: index");
}

/* --- replay --- */

static char **rdirs;
static int nrdir, rcur;
static FILE *rfile;

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
replay_open(void)
{
	struct mp_buf b = { 0 };
	struct dirent *d;
	struct stat st;
	DIR *dp;

	mp_buf_printf(&b, "%s/index.ndjson", replaydir);
	if (stat(b.p, &st) == 0) {
		rdirs = xcalloc(1, sizeof *rdirs);
		rdirs[nrdir++] = xstrdup(replaydir);
	} else if ((dp = opendir(replaydir)) != NULL) {
		while ((d = readdir(dp)) != NULL) {
			if (d->d_name[0] == '.')
				continue;
			b.len = 0;
			mp_buf_printf(&b, "%s/%s/index.ndjson", replaydir,
			    d->d_name);
			if (stat(b.p, &st) < 0)
				continue;
			rdirs = xrealloc(rdirs, (nrdir + 1) * sizeof *rdirs);
			b.len = 0;
			mp_buf_printf(&b, "%s/%s", replaydir, d->d_name);
			rdirs[nrdir++] = xstrdup(b.p);
		}
		closedir(dp);
		qsort(rdirs, nrdir, sizeof *rdirs, cmpstr);
	}
	if (nrdir == 0)
		mp_errx(MP_EX_NOINPUT, "--replay: %s: no archive (index.ndjson)",
		    replaydir);
	mp_buf_free(&b);
}

/*
 * Starts replaying run i: its index, and the window of the run.  Returns
 * 0 when there is no run left.
 */
static int
replay_run(void)
{
	struct mp_buf b = { 0 };
	struct mp_json_err e;
	char *line = NULL, *v;
	size_t sz = 0;
	ssize_t n;

	if (rfile)
		fclose(rfile);
	rfile = NULL;
	if (rcur >= nrdir)
		return 0;
	mp_buf_printf(&b, "%s/index.ndjson", rdirs[rcur++]);
	if ((rfile = fopen(b.p, "r")) == NULL)
		mp_err(MP_EX_NOINPUT, "--replay: %s", b.p);
	if ((n = getline(&line, &sz, rfile)) <= 0 ||
	    mp_json_check(line, n, &e) < 0)
		mp_errx(MP_EX_DATAERR, "--replay: %s: no run line", b.p);
	fromus = tous = NOTIME;
	if ((v = member(line, n, "run.from")) != NULL)
		fromus = parsetime("--replay", v);
	if ((v = member(line, n, "run.to")) != NULL)
		tous = parsetime("--replay", v);
	free(line);
	mp_buf_free(&b);
	return 1;
}

/*
 * The next response of the archive, and (into wn) the window it was for;
 * 0 at the end of the run's archive.
 */
static int
replay_get(struct mp_http_resp *resp, int *rc, time_t *at, char **wn)
{
	static struct mp_buf z;
	struct mp_json_err e;
	char *line = NULL, *v, *file, *dir = rdirs[rcur - 1];
	size_t sz = 0;
	ssize_t n;
	unsigned long long sizeh;
	struct mp_buf path = { 0 };
	int fd;
	ssize_t k;

	if ((n = getline(&line, &sz, rfile)) <= 0) {
		free(line);
		return 0;
	}
	if (mp_json_check(line, n, &e) < 0)
		mp_errx(MP_EX_DATAERR, "--replay: %s: a broken index line",
		    dir);
	*wn = member(line, n, "window");
	resp->status = (v = member(line, n, "status")) ? atol(v) : 0;
	free(v);
	v = member(line, n, "time");
	*at = v ? parsetime("--replay", v) / 1000000 : 0;
	free(v);
	*rc = strstr(line, "\"ok\":true") ? 0 : -1;
	snprintf(resp->err, sizeof resp->err, "%s", (v = member(line, n,
	    "error")) ? v : "");
	free(v);
	file = member(line, n, "file");
	mp_buf_printf(&path, "%s/%s", dir, file ? file : "");
	free(file);
	if ((fd = open(path.p, O_RDONLY)) < 0)
		mp_err(MP_EX_NOINPUT, "--replay: %s", path.p);
	z.len = 0;
	for (;;) {
		mp_buf_grow(&z, 65536);
		if ((k = read(fd, z.p + z.len, z.cap - z.len)) <= 0)
			break;
		z.len += k;
	}
	close(fd);
	sizeh = ZSTD_getFrameContentSize(z.p, z.len);
	if (sizeh == ZSTD_CONTENTSIZE_ERROR || sizeh == ZSTD_CONTENTSIZE_UNKNOWN)
		mp_errx(MP_EX_DATAERR, "--replay: %s: not a zstd frame", path.p);
	resp->body.len = 0;
	mp_buf_grow(&resp->body, sizeh + 1);
	if (ZSTD_isError(ZSTD_decompress(resp->body.p, sizeh + 1, z.p, z.len)))
		mp_errx(MP_EX_DATAERR, "--replay: %s: corrupt", path.p);
	resp->body.len = sizeh;
	resp->head.len = 0;
	if ((v = member(line, n, "headers")) != NULL) {
		mp_buf_adds(&resp->head, v);	/* Content-Type tells formats */
		free(v);
	}
	mp_buf_free(&path);
	free(line);
	return 1;
}

/* --- records --- */

struct page {
	struct win *w;
	struct mp_buf *out;
	const char *fetched;	/* the fetch time as a JSON string */
	const char *url;
	long long n, bad;
};

/*
 * A reject or drop of a window's page, kept until the window is written
 * (a page or window thrown away takes its rejects with it).
 */
static void
defer(struct win *w, int drop, const char *file, long long line,
    const char *reason, const char *p, size_t n)
{
	struct pend *e;

	if (w->npend == w->cpend) {
		w->cpend = w->cpend ? w->cpend * 2 : 16;
		w->pend = xrealloc(w->pend, w->cpend * sizeof *w->pend);
	}
	e = &w->pend[w->npend++];
	e->file = xstrdup(file);
	e->reason = xstrdup(reason);
	e->raw = xmalloc(n + 1);
	memcpy(e->raw, p, n);
	e->n = n;
	e->line = line;
	e->drop = drop;
}

/* Writes (from entry i on) or forgets (to i) a window's pending lines. */
static void
undefer(struct win *w, int from, int write)
{
	struct mp_rec rec;
	struct pend *e;
	int i;

	for (i = from; i < w->npend; i++) {
		e = &w->pend[i];
		if (write) {
			rec.p = e->raw;
			rec.n = e->n;
			rec.file = e->file;
			rec.line = e->line;
			if (e->drop)
				mp_drop(run, &rec, e->reason);
			else
				mp_reject(run, &rec, "%s", e->reason);
		}
		free(e->file);
		free(e->reason);
		free(e->raw);
	}
	w->npend = from;
}

/*
 * Adds one record to the page (line: its CSV row's, or 0), made by --map,
 * with the fields of the source.
 */
static int
keep(struct page *pg, const char *p, size_t n, long long line)
{
	static struct mp_buf a, b, why;
	struct mp_json_err e;
	struct mp_buf *src = &a, *dst = &b, *x;
	int i;

	if (line == 0)
		line = pg->n + pg->bad + 1;
	why.len = 0;
	if (mp_json_check(p, n, &e) < 0)
		mp_buf_printf(&why, "record %lld: not a JSON object", line);
	else if (jmap && mp_jq_map(jmap, p, n, src) < 0)
		mp_buf_printf(&why, "--map: %s", mp_buf_str(src));
	if (why.len) {
		pg->bad++;
		defer(pg->w, 0, pg->url, line, mp_buf_str(&why), p, n);
		stopnow |= strict;
		return stopnow;
	}
	if (jmap == NULL) {
		src->len = 0;
		mp_buf_add(src, p, n);
	}
	for (i = 0; i < ntag; i++) {
		dst->len = 0;
		mp_json_splice(src->p, src->len, &tag[i].path, tag[i].json,
		    strlen(tag[i].json), dst);
		x = src, src = dst, dst = x;
	}
	if (srcfield.nseg) {
		static struct mp_buf s;

		s.len = 0;
		mp_buf_json_str(&s, source, strlen(source));
		dst->len = 0;
		mp_json_splice(src->p, src->len, &srcfield, s.p, s.len, dst);
		x = src, src = dst, dst = x;
	}
	if (fetchfield.nseg) {
		dst->len = 0;
		mp_json_splice(src->p, src->len, &fetchfield, pg->fetched,
		    strlen(pg->fetched), dst);
		x = src, src = dst, dst = x;
	}
	mp_buf_add(pg->out, src->p, src->len);
	mp_buf_addc(pg->out, '\n');
	pg->n++;
	return 0;
}

static int
record(void *arg, const char *p, size_t n)
{
	return keep(arg, p, n, 0);
}

/* Whether text is one JSON value (an object or not); e says why not. */
static int
isvalue(const char *p, size_t n, struct mp_json_err *e)
{
	static struct mp_buf w;

	w.len = 0;
	mp_buf_adds(&w, "{\"r\":");
	mp_buf_add(&w, p, n);
	mp_buf_addc(&w, '}');
	if (mp_json_check(w.p, w.len, e) == 0)
		return 1;
	e->off = e->off > 5 ? e->off - 5 : 0;
	return 0;
}

/* Checks the lines of an NDJSON body, or (pg set) adds their records. */
static int
ndjson(const char *body, size_t n, struct page *pg, struct mp_buf *why)
{
	struct mp_json_err e;
	const char *nl;
	size_t i, j, a, z;
	long long line = 0;

	for (j = 0; j < n; j = i + 1) {
		nl = memchr(body + j, '\n', n - j);
		i = nl ? (size_t)(nl - body) : n;
		line++;
		for (a = j, z = i; a < z && isspace((unsigned char)body[a]); a++)
			;
		while (z > a && isspace((unsigned char)body[z - 1]))
			z--;
		if (z == a)
			continue;
		if (pg) {
			if (record(pg, body + a, z - a) != 0)
				break;
		} else if (mp_json_check(body + a, z - a, &e) < 0 &&
		    !isvalue(body + a, z - a, &e)) {
			mp_buf_printf(why, "bad JSON at line %lld: %s", line,
			    e.msg);
			return -1;
		}
	}
	return 0;
}

/*
 * The records of a body into pg; -1 with the reason in why when the body
 * is not what it should be (bad JSON: worth another try).
 */
static int
records(const char *body, size_t n, struct page *pg, struct mp_buf *why)
{
	static struct mp_buf wrap;
	struct mp_json_err e;
	struct mp_span v, el;
	size_t it, i;

	while (n > 0 && isspace((unsigned char)body[n - 1]))
		n--;
	for (i = 0; i < n && isspace((unsigned char)body[i]); i++)
		;
	if (recmode == 2)
		return mp_jq_each(jrecords, body, n, record, pg, why) < 0 ?
		    -1 : 0;
	if (recmode == 0 && (i == n || body[i] != '[')) {
		/* NDJSON: each line a record (or the body one object) */
		if (i < n && mp_json_check(body + i, n - i, &e) == 0)
			return record(pg, body + i, n - i);
		if (ndjson(body, n, NULL, why) < 0)
			return -2;	/* the page is whole, or not at all */
		return ndjson(body, n, pg, why);
	}
	/* one JSON value, checked where it lies, then walked */
	if (mp_json_check_value(body + i, n - i, &e) < 0) {
		mp_buf_printf(why, "bad JSON at byte %zu: %s", i + e.off + 1,
		    e.msg);
		return -2;
	}
	if (recmode == 0) {
		v.p = body + i;
		v.n = n - i;
	} else if (body[i] == '{' && userpath.nseg >= 0) {
		if (!mp_json_get(body + i, n - i, &userpath, &v))
			goto none;
	} else {
		/* a path into an array: looked up inside an object */
		wrap.len = 0;
		mp_buf_adds(&wrap, "{\"r\":");
		mp_buf_add(&wrap, body + i, n - i);
		mp_buf_addc(&wrap, '}');
		if (!mp_json_get(wrap.p, wrap.len, &recpath, &v))
			goto none;
	}
	switch (mp_json_type(&v)) {
	case MP_JSON_ARRAY:
		for (it = 0; mp_json_elements(v.p, v.n, &it, &el);)
			if (record(pg, el.p, el.n) != 0)
				break;
		return 0;
	case MP_JSON_OBJECT:
		return record(pg, v.p, v.n);
	case MP_JSON_NULL:
		mp_buf_printf(why, "no records at '%s': null", recname);
		return -2;
	default:
		mp_buf_printf(why, "records at '%s' are a %s", recname,
		    mp_json_type_name(mp_json_type(&v)));
		return -3;
	}
none:
	/*
	 * An error answer (a 200 with {"error":...}) has no records where
	 * they should be: worth another try, never an empty last page.
	 */
	mp_buf_printf(why, "no records at '%s': nothing there", recname);
	return -2;
}

/* The format a file's name says, its compression's extension aside. */
static int
byname(const char *name)
{
	static const char *const packs[] = { ".gz", ".zst", ".zip", NULL };
	char buf[256];
	size_t n;
	int i;

	snprintf(buf, sizeof buf, "%s", name);
	if ((n = strcspn(buf, "?#")) < strlen(buf))
		buf[n] = '\0';
	for (i = 0; packs[i]; i++) {
		n = strlen(buf);
		if (n > strlen(packs[i]) && strcasecmp(buf + n -
		    strlen(packs[i]), packs[i]) == 0)
			buf[n - strlen(packs[i])] = '\0';
	}
	n = strlen(buf);
#define ENDS(e) (n > strlen(e) && strcasecmp(buf + n - strlen(e), e) == 0)
	if (ENDS(".csv"))
		return FMT_CSV;
	if (ENDS(".tsv") || ENDS(".tab"))
		return FMT_TSV;
	if (ENDS(".ndjson") || ENDS(".jsonl"))
		return FMT_NDJSON;
	if (ENDS(".json"))
		return FMT_JSON;
#undef ENDS
	return FMT_AUTO;
}

/* The format a Content-Type says. */
static int
bytype(const struct mp_http_resp *resp)
{
	static struct mp_buf v;
	const char *t = mp_http_header(resp, "Content-Type", &v);

	if (t == NULL)
		return FMT_AUTO;
	if (strncasecmp(t, "text/csv", 8) == 0)
		return FMT_CSV;
	if (strncasecmp(t, "text/tab-separated-values", 25) == 0)
		return FMT_TSV;
	if (strncasecmp(t, "application/x-ndjson", 20) == 0 ||
	    strncasecmp(t, "application/ndjson", 18) == 0 ||
	    strncasecmp(t, "application/jsonl", 17) == 0)
		return FMT_NDJSON;
	return FMT_AUTO;
}

/* A CSV row made a record; a totals row (--footer) is dropped. */
static int
csvrec(void *arg, const char *p, size_t n, long long line)
{
	static struct mp_buf v;
	struct page *pg = arg;

	if (jfooter && mp_jq_first(jfooter, p, n, -1, &v) == 1 &&
	    strcmp(mp_buf_str(&v), "false") != 0) {
		defer(pg->w, 1, pg->url, line, "footer", p, n);
		return 0;
	}
	return keep(pg, p, n, line);
}

static int
csvrej(void *arg, long long line, const char *why, const char *p, size_t n)
{
	struct page *pg = arg;

	pg->bad++;
	defer(pg->w, 0, pg->url, line, why, p, n);
	stopnow |= strict;
	return stopnow;
}

/*
 * The records of a response: unpacked (gzip, zstd, zip), made UTF-8, and
 * read by its format.  Returns as records() does; a file whose checksums
 * fail is worth another try (the download may be cut), text that is not
 * of its encoding is not (-3).
 */
static int
decode(const struct mp_http_resp *resp, const char *url, struct page *pg,
    struct mp_buf *why)
{
	static struct mp_unpack up;
	static struct mp_buf text, entry;
	const char *body = resp->body.p ? resp->body.p : "";
	size_t n = resp->body.len;
	int kind = mp_unpack_kind(body, n), fmt, i, r;
	const char *name, *base;
	struct mp_csvrec co;

	base = pg->url;		/* the URL, its secrets hidden */
	fmt = format ? format : byname(url);
	if (fmt == FMT_AUTO)
		fmt = bytype(resp);
	if (kind == MP_PACK_NONE && encoding == NULL && fmt != FMT_CSV &&
	    fmt != FMT_TSV && !(n >= 2 && ((unsigned char)body[0] == 0xff ||
	    (unsigned char)body[0] == 0xfe)) && !(n >= 3 &&
	    memcmp(body, "\xef\xbb\xbf", 3) == 0))
		return records(body, n, pg, why);	/* the common case */
	if (mp_unpack(&up, body, n, kind) < 0) {
		mp_buf_printf(why, "a corrupt file: %s", up.why);
		return -2;
	}
	for (i = 0; i < up.nent; i++) {
		name = up.ent[i].name && *up.ent[i].name ? up.ent[i].name : url;
		fmt = format ? format : byname(name);
		if (fmt == FMT_AUTO && kind != MP_PACK_ZIP)
			fmt = format ? format : byname(url);
		if (fmt == FMT_AUTO)
			fmt = bytype(resp);
		text.len = 0;
		if (kind == MP_PACK_ZIP) {
			/* records name the entry they came from */
			entry.len = 0;
			mp_buf_printf(&entry, "%s!%s", base, name);
			pg->url = entry.p;
		}
		if (mp_text_utf8(up.ent[i].data.p ? up.ent[i].data.p : "",
		    up.ent[i].data.len, encoding, &text, why) < 0) {
			if (kind == MP_PACK_ZIP)
				mp_buf_printf(why, " in '%s'", name);
			return -3;
		}
		if (fmt == FMT_CSV || fmt == FMT_TSV) {
			co = csvopt;
			co.quote = quote;
			if (fmt == FMT_TSV && co.sep == 0)
				co.sep = '\t';
			r = mp_csv_records(text.p ? text.p : "", text.len, &co,
			    csvrec, csvrej, pg, why);
			if (r < 0)
				return -3;
		} else if ((r = records(text.p ? text.p : "", text.len, pg,
		    why)) < 0)
			return r;
		if (stopnow)
			break;
	}
	return 0;
}

/* --- windows --- */

static void
addwin(int at, int64_t from, int64_t to)
{
	struct win *w;

	if (nwin == capwin) {
		capwin = capwin ? capwin * 2 : 64;
		win = xrealloc(win, capwin * sizeof *win);
	}
	memmove(&win[at + 1], &win[at], (nwin - at) * sizeof *win);
	nwin++;
	w = &win[at];
	memset(w, 0, sizeof *w);
	w->from = from;
	w->to = to;
	w->page = firstpage;
	w->count = -1;
	w->phase = rcreate ? PH_CREATE : PH_DATA;
}

static void
freewin(struct win *w)
{
	free(w->cursor);
	free(w->next);
	free(w->job);
	undefer(w, 0, 0);
	free(w->pend);
	mp_buf_free(&w->out);
}

/* Whether a window can be split further. */
static int
splittable(const struct win *w)
{
	return w->from != NOTIME && (w->to - w->from) * 1000000 > minwinus &&
	    w->to - w->from >= 2;
}

static void
overflow(struct win *w)
{
	if (splittable(w)) {
		w->split = 1;
		return;
	}
	if (w->from != NOTIME || cap) {
		mp_warnx("window %s: %lld records reach the cap of %lld at the "
		    "least window; fetched anyway: look at it", wname(w),
		    w->count >= 0 ? w->count : w->nrec, cap);
		nover++;
		status = MP_EX_CHECK;
	}
}

/* Ends the run on a failure that retrying will not mend. */
static void
fatal(int st, const struct mp_http_req *req, const struct win *w,
    const char *fmt, ...) MP_PRINTF(4, 5) MP_NORETURN;

static void
fatal(int st, const struct mp_http_req *req, const struct win *w,
    const char *fmt, ...)
{
	struct mp_buf b = { 0 }, r = { 0 };
	va_list ap;

	va_start(ap, fmt);
	mp_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	mp_http_redact(req->url, &r);
	if (w->from == NOTIME)
		mp_errx(st, "%s: %s", mp_buf_str(&r), mp_buf_str(&b));
	mp_errx(st, "%s: window %s: %s", mp_buf_str(&r), wname(w),
	    mp_buf_str(&b));
}

/* Schedules another try of the window's request, or ends the run. */
static void
again(const struct mp_http_req *req, struct win *w, double after,
    const char *why)
{
	double wait;

	nretry++;
	/* a file here will not mend: no other try */
	if (strcmp(req->url, "-") == 0 || strncmp(req->url, "file://", 7) == 0)
		fatal(MP_EX_DATAERR, req, w, "%s", why);
	if (w->tries >= retries)
		fatal(MP_EX_UNAVAILABLE, req, w, "%s, after %d %s", why,
		    w->tries + 1, w->tries ? "tries" : "try");
	wait = mp_backoff(w->tries, 0.5, 30);
	if (after > wait)
		wait = after;
	if (!replaydir && (w->waited + wait) * 1e6 > retrymaxus)
		fatal(MP_EX_UNAVAILABLE, req, w, "%s, and --retry-max-time "
		    "would pass", why);
	w->tries++;
	w->waited += wait;
	w->notbefore = replaydir ? 0 : mp_now() + wait;
}

/* How long the server asks us to wait; -1 when it does not say. */
static double
waitfor(const struct mp_http_resp *resp)
{
	static struct mp_buf v;
	const char *s;
	double d;

	if ((s = mp_http_header(resp, "Retry-After", &v)) != NULL &&
	    (d = mp_http_retry_after(s, time(NULL))) >= 0)
		return d;
	if (resethdr && (s = mp_http_header(resp, resethdr, &v)) != NULL) {
		d = strtod(s, NULL);
		if (d > 1e9)	/* a time, not seconds */
			d -= time(NULL);
		return d > 0 ? d : 0;
	}
	return -1;
}

/*
 * A link in a response as a URL: as it is when absolute, on the server of
 * base when a path; NULL otherwise (a cursor).
 */
static char *
urlof(const char *base, const char *l)
{
	struct mp_buf b = { 0 };
	const char *s;

	if (strncmp(l, "http://", 7) == 0 || strncmp(l, "https://", 8) == 0 ||
	    strncmp(l, "file://", 7) == 0)
		return xstrdup(l);
	if (l[0] != '/' || (s = strstr(base, "://")) == NULL)
		return NULL;
	mp_buf_add(&b, base, s + 3 - base + strcspn(s + 3, "/"));
	mp_buf_adds(&b, l);
	return (char *)mp_buf_str(&b);
}

/* A report job that failed or never got ready: another, or the end. */
static void
recreate(const struct mp_http_req *req, struct win *w, const char *why)
{
	if (w->jobs >= rretries)
		fatal(MP_EX_UNAVAILABLE, req, w, "report job %s %s, after %d "
		    "%s", w->job ? w->job : "?", why, w->jobs + 1,
		    w->jobs ? "jobs" : "job");
	mp_warnx("window %s: report job %s %s: asking for another",
	    wname(w), w->job ? w->job : "?", why);
	w->jobs++;
	free(w->job);
	w->job = NULL;
	w->phase = PH_CREATE;
	w->notbefore = 0;
}

/* The answer to a report job's creation or poll; 1 when handled. */
static int
job(struct win *w, const struct mp_http_req *req,
    const struct mp_http_resp *resp)
{
	static struct mp_buf v;
	const char *body = resp->body.p ? resp->body.p : "";
	size_t n = resp->body.len;
	char *u;

	if (w->phase == PH_CREATE) {
		if (mp_jq_first(jrid, body, n, -1, &v) != 1 || v.len == 0) {
			again(req, w, -1, "no job id in the answer");
			return 1;
		}
		free(w->job);
		w->job = xstrdup(mp_buf_str(&v));
		njobs++;
		w->reauth = 0;
		w->phase = PH_POLL;
		w->expired = 0;
		w->delay = pollus / 1e6;
		w->waited2 = w->delay;
		w->tries = 0;
		w->notbefore = replaydir ? 0 : mp_now() + w->delay;
		return 1;
	}
	if (w->phase != PH_POLL)
		return 0;
	w->tries = 0;
	w->reauth = 0;
	if (jfailed && mp_jq_first(jfailed, body, n, -1, &v) == 1 &&
	    strcmp(mp_buf_str(&v), "false") != 0) {
		recreate(req, w, "failed");
		return 1;
	}
	if (mp_jq_first(jready, body, n, -1, &v) == 1 &&
	    strcmp(mp_buf_str(&v), "false") != 0) {
		if (mp_jq_first(jrurl, body, n, -1, &v) != 1 || v.len == 0 ||
		    (u = urlof(req->url, mp_buf_str(&v))) == NULL)
			fatal(MP_EX_DATAERR, req, w, "report job %s is ready, "
			    "but --report-url finds no link", w->job);
		free(w->next);
		w->next = u;
		w->phase = PH_GET;
		w->notbefore = 0;
		return 1;
	}
	/* the waits, not the clock, say when: a replay decides the same */
	if (w->waited2 * 1e6 >= polltimeoutus) {
		recreate(req, w, "was not ready in time");
		return 1;
	}
	w->delay = w->delay * 1.5 < 60 ? w->delay * 1.5 : 60;
	w->waited2 += w->delay;
	w->notbefore = replaydir ? 0 : mp_now() + w->delay;
	return 1;
}

/* Whether a URL names a local file (not an answer of an API). */
static int
isfile(const char *url)
{
	return strncmp(url, "file://", 7) == 0;
}

/* The words of the statuses a report's link fails with. */
static const char *
reason(long st)
{
	switch (st) {
	case 403:
		return " Forbidden";
	case 404:
		return " Not Found";
	case 410:
		return " Gone";
	default:
		return "";
	}
}

/* The API's total (--count), or -1 when it gives none. */
static long long
total(const char *s)
{
	const char *errstr;
	long long n;

	return mp_strtonum(s, 0, LLONG_MAX, &n, &errstr) < 0 ? -1 : n;
}

/* Handles the response to the window's request. */
static void
handle(struct win *w, const struct mp_http_req *req,
    struct mp_http_resp *resp, int rc, time_t at)
{
	static struct mp_buf why, nx;
	size_t mark = w->out.len;
	int pmark = w->npend;
	struct mp_buf red = { 0 };
	struct page pg = { 0 };
	char ts[32], fetched[40];
	long st = resp->status;
	long long got;
	int r, more;

	why.len = 0;
	nbytes += resp->body.len;
	mp_run_input(run, 0, resp->body.len);
	if (rc < 0) {
		again(req, w, -1, resp->err);
		return;
	}
	if (st == 401 && tokenurl && !w->reauth) {
		w->reauth = 1;		/* a new token, once */
		if (!replaydir)
			oauth2(1);
		return;
	}
	if (w->phase == PH_GET && (st == 403 || st == 404 || st == 410)) {
		/* an expired link: the job's poll gives a fresh one */
		if (++w->expired > 3)
			fatal(MP_EX_UNAVAILABLE, req, w, "report job %s's "
			    "file: HTTP %ld%s, link after link (%d links)",
			    w->job, st, reason(st), w->expired);
		mp_http_redact(req->url, &red);
		mp_warnx("%s: window %s: report job %s's file: HTTP %ld%s "
		    "(an expired link?): asking the job for a new link",
		    mp_buf_str(&red), wname(w), w->job, st, reason(st));
		mp_buf_free(&red);
		w->phase = PH_POLL;
		w->notbefore = 0;
		return;
	}
	if (st == 401 || st == 403)
		fatal(MP_EX_NOPERM, req, w, "%ld: refused", st);
	if (st == 429 || st == 408 || st >= 500) {
		mp_buf_printf(&why, "HTTP %ld", st);
		again(req, w, waitfor(resp), mp_buf_str(&why));
		return;
	}
	if ((st < 200 || st > 299) && w->phase == PH_GET)
		fatal(MP_EX_CONFIG, req, w, "report job %s's file: HTTP %ld",
		    w->job, st);
	if (st < 200 || st > 299)
		fatal(MP_EX_CONFIG, req, w, "HTTP %ld", st);
	if (jerror && w->phase != PH_GET && !isfile(req->url)) {
		r = mp_jq_first(jerror, resp->body.p ? resp->body.p : "",
		    resp->body.len, -1, &why);
		mp_buf_str(&why);
		if (r != 0 && !(r == 1 && strcmp(mp_buf_str(&why),
		    "false") == 0)) {
			if (r > 0) {
				nx.len = 0;
				mp_buf_printf(&nx, "the API says: %s", why.p);
			} else {
				nx.len = 0;
				mp_buf_printf(&nx, "bad response: %s", why.p);
			}
			again(req, w, -1, mp_buf_str(&nx));
			return;
		}
		why.len = 0;
	}
	if (job(w, req, resp))
		return;
	snprintf(fetched, sizeof fetched, "\"%s\"", mp_time_fmt(at, ts));
	mp_http_redact(req->url, &red);
	pg.w = w;
	pg.out = &w->out;	/* taken back unless the page is whole */
	pg.fetched = fetched;
	pg.url = mp_buf_str(&red);
	if ((r = decode(resp, req->url, &pg, &why)) < 0) {
		w->out.len = mark;
		undefer(w, pmark, 0);
		if (r == -3)
			fatal(MP_EX_DATAERR, req, w, "%s", mp_buf_str(&why));
		again(req, w, -1, mp_buf_str(&why));
		mp_buf_free(&red);
		return;
	}
	mp_buf_free(&red);
	if (stopnow) {
		w->out.len = mark;	/* -s: not a record of the page */
		undefer(w, pmark, 1);	/* but why it stopped */
		return;
	}
	got = pg.n + pg.bad;	/* what the API sent, rejects and all */
	if (!allowempty && got + (w->npend - pmark - pg.bad) == 0 &&
	    (w->phase == PH_GET || isfile(req->url)))
		fatal(MP_EX_DATAERR, req, w, "an empty report: no row, not "
		    "even a total (--allow-empty if that is a fair answer)");
	npage++;
	w->tries = 0;
	w->reauth = 0;
	if (jcount && w->count < 0) {
		why.len = 0;
		if (mp_jq_first(jcount, resp->body.p ? resp->body.p : "",
		    resp->body.len, -1, &why) == 1)
			w->count = total(mp_buf_str(&why));
		if (cap && w->count > cap && splittable(w)) {
			w->out.len = mark;
			undefer(w, pmark, 0);
			overflow(w);
			return;
		}
	}
	w->nrec += got;
	w->nin += got + (w->npend - pmark - pg.bad);
	/* the API's total says more: a short page is not the last */
	more = w->count >= 0 && w->nrec < w->count;
	/* the next page */
	if (w->phase == PH_GET) {
		/* a report file is whole */
	} else if (jnext) {
		nx.len = 0;
		r = mp_jq_first(jnext, resp->body.p ? resp->body.p : "",
		    resp->body.len, -1, &nx);
		mp_buf_str(&nx);
		if (r == 1 && nx.len > 0 && strcmp(nx.p, "false") != 0) {
			free(w->cursor);
			free(w->next);
			w->cursor = w->next = NULL;
			if ((w->next = urlof(req->url, nx.p)) == NULL)
				w->cursor = xstrdup(nx.p);
			w->page++;
			w->offset += got;
			return;
		}
	} else if (pagesize && got > 0 && (got >= pagesize || more)) {
		/* {offset} counts what came: an API may clamp the size */
		w->page++;
		w->offset += got;
		return;
	}
	w->done = 1;
	if (cap && (w->count >= 0 ? w->count > cap : w->nrec >= cap))
		overflow(w);
	else if (more)
		fatal(MP_EX_DATAERR, req, w, "%lld records of the %lld the "
		    "API's total gives (--count): paging ended early", w->nrec,
		    w->count);
}

/* The request of a window, into req (strings in b). */
static void
request(struct win *w, struct mp_http_req *req, struct mp_buf *u,
    struct mp_buf *body, struct mp_buf *hb, const char ***hv)
{
	int i, n = 0;

	u->len = body->len = hb->len = 0;
	if (w->phase == PH_CREATE)
		expand(rcreate, w, 1, u);
	else if (w->phase == PH_POLL)
		expand(rpoll, w, 1, u);
	else if (w->next)
		mp_buf_adds(u, w->next);
	else
		expand(url0, w, 1, u);
	mp_buf_str(u);
	*hv = xrealloc(*hv, (nhdr + 2) * sizeof **hv);
	{
		size_t *off = xcalloc(nhdr + 1, sizeof *off);

		for (i = 0; i < nhdr; i++) {
			off[i] = hb->len;
			expand(hdr[i], w, 0, hb);
			mp_buf_addc(hb, '\0');
		}
		for (i = 0; i < nhdr; i++)
			(*hv)[n++] = hb->p + off[i];
		free(off);
	}
	if (auth)
		(*hv)[n++] = auth;
	(*hv)[n] = NULL;
	memset(req, 0, sizeof *req);
	req->url = u->p;
	req->method = w->phase == PH_POLL || w->phase == PH_GET ? "GET" :
	    w->phase == PH_CREATE ? (method ? method : "POST") : method;
	if (w->phase == PH_CREATE ? rdata != NULL : w->phase == PH_DATA &&
	    data != NULL) {
		expand(w->phase == PH_CREATE ? rdata : data, w, 0, body);
		req->body = body->p ? body->p : "";
		req->bodylen = body->len;
	}
	req->headers = *hv;
	req->timeout_ms = timeoutus / 1000;
}

/* The state: the end of the last window written, as RFC 3339. */
static char *statefile;
static int statefd = -1;

static int64_t
state_load(void)
{
	struct mp_json_err e;
	char buf[512], *v;
	size_t n;
	FILE *f;
	int st;

	statefile = statepath(statename);
	if ((st = mp_lock(statefile, "state", &statefd)) != 0)
		mp_errx(st, "nothing fetched");
	if ((f = fopen(statefile, "r")) == NULL) {
		if (errno == ENOENT)
			return NOTIME;
		mp_err(MP_EX_NOINPUT, "state %s", statefile);
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (mp_json_check(buf, n, &e) < 0 ||
	    (v = member(buf, n, "next")) == NULL)
		mp_errx(MP_EX_DATAERR, "state %s: corrupt", statefile);
	return parsetime("state", v);
}

static void
state_save(int64_t secs)
{
	struct mp_afile af;
	char buf[96], ts[32];
	int n;

	n = snprintf(buf, sizeof buf, "{\"next\":\"%s\"}\n",
	    mp_time_fmt(secs, ts));
	if (mp_afile_open(&af, statefile, 0) != 0)
		mp_errx(MP_EX_CANTCREAT, "the bookmark was not moved");
	mp_afile_write(&af, buf, n);
	if (mp_afile_commit(&af) != 0)
		mp_errx(MP_EX_IOERR, "the bookmark was not moved");
}

/* Writes the windows done at the front, in order; moves the bookmark. */
static int flushed;

static void
flush(void)
{
	struct win *w;

	while (flushed < nwin && win[flushed].done && !win[flushed].split) {
		const char *p, *nl, *end;

		w = &win[flushed];
		end = w->out.len ? w->out.p + w->out.len : NULL;
		for (p = w->out.p; end && p < end; p = nl + 1) {
			nl = memchr(p, '\n', end - p);
			mp_emit_line(run, p, nl - p);
		}
		mp_buf_free(&w->out);
		for (int i = 0; i < w->npend; i++)
			nfooter += w->pend[i].drop;
		undefer(w, 0, 1);
		mp_run_input(run, w->nin, 0);
		if (statefile && w->to != NOTIME) {
			mp_run_sync(run);
			state_save(w->to);
		}
		flushed++;
	}
}

/* Replaces split windows by their halves. */
static void
splits(void)
{
	int64_t from, to, mid;
	int i;

	for (i = nwin - 1; i >= flushed; i--) {
		if (!win[i].split)
			continue;
		from = win[i].from;
		to = win[i].to;
		mid = from + (to - from) / 2;
		freewin(&win[i]);
		memmove(&win[i], &win[i + 1], (nwin - i - 1) * sizeof *win);
		nwin--;
		addwin(i, mid, to);
		addwin(i, from, mid);
		nsplit++;
	}
}

static void
fetch(void)
{
	struct mp_http_req *req = xcalloc(conc, sizeof *req);
	struct mp_http_resp *resp = xcalloc(conc, sizeof *resp);
	struct mp_buf *u = xcalloc(conc, sizeof *u),
	    *body = xcalloc(conc, sizeof *body), *hb = xcalloc(conc, sizeof *hb);
	const char ***hv = xcalloc(conc, sizeof *hv);
	int *rc = xcalloc(conc, sizeof *rc), *pick = xcalloc(conc, sizeof *pick);
	int i, k, seen;
	double now, soon;
	time_t at;

	while (flushed < nwin && !mp_interrupted() && !stopnow) {
		now = mp_now();
		soon = 0;
		k = seen = 0;
		for (i = flushed; i < nwin && seen < conc; i++) {
			if (win[i].done)
				continue;
			seen++;
			if (win[i].notbefore <= now)
				pick[k++] = i;
			else if (soon == 0 || win[i].notbefore < soon)
				soon = win[i].notbefore;
		}
		if (k == 0) {
			if (soon > now)
				usleep((soon - now) * 1e6);
			continue;
		}
		for (i = 0; i < k; i++)
			request(&win[pick[i]], &req[i], &u[i], &body[i], &hb[i],
			    &hv[i]);
		if (rate > 0) {
			double next = lastreq + k / rate;

			if ((now = mp_now()) < next)
				usleep((next - now) * 1e6);
			lastreq = mp_now();
		}
		nreq += k;
		if (k == 1)
			rc[0] = mp_http_do(&req[0], &resp[0]);
		else
			mp_http_do_many(req, resp, rc, k, k);
		at = time(NULL);
		if (archivedir)
			for (i = 0; i < k; i++)
				archive_put(&req[i], &resp[i], rc[i],
				    &win[pick[i]], at);
		for (i = 0; i < k; i++)
			handle(&win[pick[i]], &req[i], &resp[i], rc[i], at);
		splits();
		flush();
		if (showprog)
			mp_progress_show("%lld requests, %d of %d windows, "
			    "%lld retries", nreq, flushed, nwin, nretry);
	}
	for (i = 0; i < conc; i++) {
		mp_http_resp_free(&resp[i]);
		mp_buf_free(&u[i]);
		mp_buf_free(&body[i]);
		mp_buf_free(&hb[i]);
		free(hv[i]);
	}
	free(req);
	free(resp);
	free(u);
	free(body);
	free(hb);
	free(hv);
	free(rc);
	free(pick);
}

/*
 * Replays a run: each archived response goes to the window it was for,
 * in the order they came, so every window sees what it saw.
 */
static void
replay(void)
{
	struct mp_http_req req;
	struct mp_http_resp resp = { 0 };
	struct mp_buf u = { 0 }, body = { 0 }, hb = { 0 };
	const char **hv = NULL;
	char *wn = NULL;
	time_t at;
	int rc, i;

	while (!mp_interrupted() && !stopnow &&
	    replay_get(&resp, &rc, &at, &wn)) {
		for (i = flushed; i < nwin; i++)
			if (!win[i].done && !win[i].split && wn &&
			    strcmp(wname(&win[i]), wn) == 0)
				break;
		if (i == nwin)
			mp_errx(MP_EX_DATAERR, "--replay: %s: a response for "
			    "window %s, which these options do not have",
			    rdirs[rcur - 1], wn ? wn : "?");
		free(wn);
		wn = NULL;
		request(&win[i], &req, &u, &body, &hb, &hv);
		nreq++;
		handle(&win[i], &req, &resp, rc, at);
		splits();
		flush();
	}
	if (flushed < nwin && !mp_interrupted() && !stopnow)
		mp_errx(MP_EX_DATAERR, "--replay: %s: the archive ends before "
		    "window %s was complete", rdirs[rcur - 1], wname(&win[flushed]));
	mp_http_resp_free(&resp);
	mp_buf_free(&u);
	mp_buf_free(&body);
	mp_buf_free(&hb);
	free(hv);
}

static void
windows(void)
{
	int64_t f, t;

	nwin = flushed = 0;
	if (fromus == NOTIME) {
		addwin(0, NOTIME, NOTIME);
		return;
	}
	f = fromus / 1000000;
	t = tous == NOTIME ? time(NULL) : tous / 1000000;
	if (t <= f)
		return;
	if (winus == 0) {
		addwin(0, f, t);
		return;
	}
	for (; f < t; f += winus / 1000000)
		addwin(nwin, f, f + winus / 1000000 < t ? f + winus / 1000000 :
		    t);
}

/* A local file as a file:// URL; exits 66 when it cannot be read. */
static const char *
fileurl(const char *path)
{
	struct mp_buf b = { 0 };
	char *abs;
	const char *s;

	if (access(path, R_OK) < 0 || (abs = realpath(path, NULL)) == NULL)
		mp_err(MP_EX_NOINPUT, "%s", path);
	mp_buf_adds(&b, "file://");
	for (s = abs; *s; s++) {
		if (*s == '/')
			mp_buf_addc(&b, '/');
		else
			urlenc(&b, s, 1);
	}
	free(abs);
	return mp_buf_str(&b);
}

/* A response read from standard input: one page, no retries. */
static void
fromstdin(void)
{
	struct mp_http_req req = { 0 };
	struct mp_http_resp resp = { 0 };
	ssize_t k;

	for (;;) {
		mp_buf_grow(&resp.body, 65536);
		k = read(0, resp.body.p + resp.body.len,
		    resp.body.cap - resp.body.len);
		if (k < 0 && errno == EINTR && !mp_interrupted())
			continue;
		if (k < 0 && errno == EINTR) {
			mp_http_resp_free(&resp);
			return;		/* a signal: the run ends with it */
		}
		if (k < 0)
			mp_err(MP_EX_IOERR, "standard input");
		if (k == 0) {
			/* an answer cut short by a stage that died: not one */
			if ((k = mp_run_upstream("-", 0)) != 0)
				exit((int)k);
			break;
		}
		resp.body.len += k;
	}
	resp.status = 200;
	req.url = "-";
	nreq++;
	handle(&win[0], &req, &resp, 0, time(NULL));
	flush();
	mp_http_resp_free(&resp);
}

/* --- main --- */

static struct mp_jq *
program(const char *opt, const char *prog)
{
	struct mp_buf err = { 0 };
	struct mp_jq *q;

	if ((q = mp_jq_new(prog, &err)) == NULL) {
		mp_warnx("%s: '%s': %s", opt, prog, mp_buf_str(&err));
		mp_usage(usage);
	}
	mp_buf_free(&err);
	return q;
}

static void
settag(const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct mp_buf b = { 0 };
	char *name;

	if (eq == NULL || eq == arg) {
		mp_warnx("--tag: '%s': want name=value", arg);
		mp_usage(usage);
	}
	tag = xrealloc(tag, (ntag + 1) * sizeof *tag);
	memset(&tag[ntag], 0, sizeof *tag);	/* mp_opt_field frees it */
	name = xstrndup(arg, eq - arg);
	mp_opt_field(&tag[ntag].path, "--tag", name, 0, usage);
	free(name);
	mp_buf_json_str(&b, eq + 1, strlen(eq + 1));
	tag[ntag++].json = (char *)mp_buf_str(&b);
}

static void
field(struct mp_path *p, const char *opt, const char *arg)
{
	mp_path_free(p);
	memset(p, 0, sizeof *p);
	if (*arg)
		mp_opt_field(p, opt, arg, 0, usage);
}

/*
 * s3://bucket/prefix: the objects under the prefix, in key order, as
 * mp-archive uploaded them, written out decompressed: each zstd frame
 * once its checksum matched (a torn or corrupt object stops the run with
 * 65 after its good frames), any other object as it is.  The lines are
 * the archive's bytes: nothing is added to them.
 */
struct s3obj {
	ZSTD_DCtx *dctx;
	struct mp_buf out;	/* a frame's lines, until its checksum */
	const char *key;
	long long off;		/* bytes of the object read */
	long long lines;
	int	 kind;		/* 0 not known yet, 1 zstd, 2 plain */
	int	 midframe;
	char	 err[256];
};
static struct mp_s3 s3;
static char *s3bucket;
static long long s3objects;

static void
s3out(struct s3obj *o, const char *p, size_t n)
{
	const char *q;

	for (q = p; (q = memchr(q, '\n', n - (size_t)(q - p))) != NULL; q++)
		o->lines++;
	if (n > 0 && fwrite_unlocked(p, 1, n, stdout) != n)
		mp_err(MP_EX_IOERR, "stdout");
}

static int
s3chunk(const void *p, size_t n, void *arg)
{
	struct s3obj *o = arg;
	ZSTD_inBuffer zi = { p, n, 0 };
	ZSTD_outBuffer zo;
	size_t r;

	if (o->kind == 0)
		o->kind = n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0 ?
		    1 : 2;
	if (o->kind == 2) {
		s3out(o, p, n);
		o->off += (long long)n;
		return 0;
	}
	while (zi.pos < zi.size) {
		mp_buf_grow(&o->out, ZSTD_DStreamOutSize());
		zo.dst = o->out.p + o->out.len;
		zo.size = o->out.cap - o->out.len;
		zo.pos = 0;
		r = ZSTD_decompressStream(o->dctx, &zo, &zi);
		if (ZSTD_isError(r)) {
			snprintf(o->err, sizeof o->err, "byte %lld: %s",
			    o->off + (long long)zi.pos, ZSTD_getErrorName(r));
			return MP_EX_DATAERR;
		}
		o->out.len += zo.pos;
		o->midframe = r != 0;
		if (r == 0) {
			s3out(o, o->out.p, o->out.len);
			o->out.len = 0;
		}
	}
	o->off += (long long)n;
	return 0;
}

static int
s3each(const char *key, long long size, void *arg)
{
	struct s3obj *o = arg;
	int st;

	(void)size;
	o->key = key;
	o->off = 0;
	o->kind = 0;
	o->midframe = 0;
	o->out.len = 0;
	o->err[0] = '\0';
	ZSTD_DCtx_reset(o->dctx, ZSTD_reset_session_only);
	if ((st = mp_s3_get(&s3, s3bucket, key, s3chunk, o)) != 0) {
		if (o->err[0])
			mp_errx(st, "s3://%s/%s: %s", s3bucket, key, o->err);
		mp_errx(st, "%s", s3.err);
	}
	if (o->kind == 1 && o->midframe)
		mp_errx(MP_EX_DATAERR, "s3://%s/%s: truncated: the last zstd "
		    "frame ends at byte %lld, unfinished", s3bucket, key,
		    o->off);
	s3objects++;
	nbytes += o->off;
	if (showprog)
		mp_progress_show("%lld objects, %lld lines, %.1f MiB",
		    s3objects, o->lines, nbytes / 1048576.0);
	return mp_interrupted() ? 128 : 0;
}

static int
s3fetch(const char *url)
{
	struct s3obj o = { 0 };
	char *prefix;
	int st;

	if (mp_s3_parse(url, &s3bucket, &prefix) < 0)
		mp_errx(MP_EX_USAGE, "'%s': not s3://bucket[/prefix]", url);
	if ((st = mp_s3_setup(&s3)) != 0)
		return st;
	if ((o.dctx = ZSTD_createDCtx()) == NULL)
		mp_errx(MP_EX_SOFTWARE, "out of memory");
	st = mp_s3_list(&s3, s3bucket, prefix, s3each, &o);
	if (st != 0 && st != 128)
		mp_errx(st, "%s", s3.err);
	mp_progress_clear();
	mp_run_input(run, o.lines, nbytes);
	mp_run_output(run, o.lines, 0);
	mp_count(run, "objects", s3objects);
	ZSTD_freeDCtx(o.dctx);
	mp_buf_free(&o.out);
	free(prefix);
	return mp_run_end(run, 0);
}

int
main(int argc, char *argv[])
{
	enum { OPT_RECORDS = MP_OPT_TOOL, OPT_NEXT, OPT_PAGESIZE,
	    OPT_FIRSTPAGE, OPT_FROM, OPT_TO, OPT_WINDOW, OPT_TIMEFMT,
	    OPT_CONC, OPT_CAP, OPT_COUNT, OPT_MINWIN, OPT_STATE,
	    OPT_STATEDIR, OPT_LOOKBACK, OPT_BEARER, OPT_BASIC, OPT_TOKENURL,
	    OPT_CLIENTID, OPT_SECRET, OPT_REFRESH, OPT_SCOPE, OPT_RETRIES,
	    OPT_RETRYMAX, OPT_TIMEOUT, OPT_RESET, OPT_RATE, OPT_ERROR,
	    OPT_TAG, OPT_SOURCE, OPT_SRCFIELD, OPT_FETCHFIELD, OPT_ARCHIVE,
	    OPT_REPLAY, OPT_URL, OPT_FORMAT, OPT_ENCODING, OPT_SKIPROWS,
	    OPT_FOOTER, OPT_MAP, OPT_DECCOMMA, OPT_FIELD, OPT_SEPARATOR,
	    OPT_RCREATE, OPT_RDATA, OPT_RID, OPT_RPOLL, OPT_RREADY, OPT_RFAILED,
	    OPT_RURL,
	    OPT_PINTERVAL, OPT_PTIMEOUT, OPT_RRETRIES, OPT_QUOTE, OPT_NOQUOTE,
	    OPT_ALLOWEMPTY, OPT_S3BASE };
	static const struct option opts[] = {
		MP_COMMON_OPTIONS,
		{ "url",	required_argument,	NULL, OPT_URL },
		{ "method",	required_argument,	NULL, 'X' },
		{ "header",	required_argument,	NULL, 'H' },
		{ "data",	required_argument,	NULL, 'd' },
		{ "records",	required_argument,	NULL, OPT_RECORDS },
		{ "next",	required_argument,	NULL, OPT_NEXT },
		{ "page-size",	required_argument,	NULL, OPT_PAGESIZE },
		{ "first-page",	required_argument,	NULL, OPT_FIRSTPAGE },
		{ "from",	required_argument,	NULL, OPT_FROM },
		{ "to",		required_argument,	NULL, OPT_TO },
		{ "window",	required_argument,	NULL, OPT_WINDOW },
		{ "time-format", required_argument,	NULL, OPT_TIMEFMT },
		{ "concurrency", required_argument,	NULL, OPT_CONC },
		{ "cap",	required_argument,	NULL, OPT_CAP },
		{ "count",	required_argument,	NULL, OPT_COUNT },
		{ "min-window",	required_argument,	NULL, OPT_MINWIN },
		{ "state",	required_argument,	NULL, OPT_STATE },
		{ "state-dir",	required_argument,	NULL, OPT_STATEDIR },
		{ "lookback",	required_argument,	NULL, OPT_LOOKBACK },
		{ "bearer-file", required_argument,	NULL, OPT_BEARER },
		{ "basic-file",	required_argument,	NULL, OPT_BASIC },
		{ "oauth2-token-url", required_argument, NULL, OPT_TOKENURL },
		{ "client-id",	required_argument,	NULL, OPT_CLIENTID },
		{ "client-secret-file", required_argument, NULL, OPT_SECRET },
		{ "refresh-token-file", required_argument, NULL, OPT_REFRESH },
		{ "scope",	required_argument,	NULL, OPT_SCOPE },
		{ "retries",	required_argument,	NULL, OPT_RETRIES },
		{ "retry-max-time", required_argument,	NULL, OPT_RETRYMAX },
		{ "timeout",	required_argument,	NULL, OPT_TIMEOUT },
		{ "reset-header", required_argument,	NULL, OPT_RESET },
		{ "rate",	required_argument,	NULL, OPT_RATE },
		{ "error",	required_argument,	NULL, OPT_ERROR },
		{ "tag",	required_argument,	NULL, OPT_TAG },
		{ "source",	required_argument,	NULL, OPT_SOURCE },
		{ "source-field", required_argument,	NULL, OPT_SRCFIELD },
		{ "fetched-field", required_argument,	NULL, OPT_FETCHFIELD },
		{ "archive",	required_argument,	NULL, OPT_ARCHIVE },
		{ "replay",	required_argument,	NULL, OPT_REPLAY },
		{ "format",	required_argument,	NULL, OPT_FORMAT },
		{ "encoding",	required_argument,	NULL, OPT_ENCODING },
		{ "skip-rows",	required_argument,	NULL, OPT_SKIPROWS },
		{ "footer",	required_argument,	NULL, OPT_FOOTER },
		{ "map",	required_argument,	NULL, OPT_MAP },
		{ "decimal-comma", no_argument,		NULL, OPT_DECCOMMA },
		{ "field",	required_argument,	NULL, OPT_FIELD },
		{ "separator",	required_argument,	NULL, OPT_SEPARATOR },
		{ "quote",	no_argument,		NULL, OPT_QUOTE },
		{ "no-quote",	no_argument,		NULL, OPT_NOQUOTE },
		{ "allow-empty", no_argument,		NULL, OPT_ALLOWEMPTY },
		{ "report-create", required_argument,	NULL, OPT_RCREATE },
		{ "report-data", required_argument,	NULL, OPT_RDATA },
		{ "report-id",	required_argument,	NULL, OPT_RID },
		{ "report-poll", required_argument,	NULL, OPT_RPOLL },
		{ "report-ready", required_argument,	NULL, OPT_RREADY },
		{ "report-failed", required_argument,	NULL, OPT_RFAILED },
		{ "report-url",	required_argument,	NULL, OPT_RURL },
		{ "poll-interval", required_argument,	NULL, OPT_PINTERVAL },
		{ "poll-timeout", required_argument,	NULL, OPT_PTIMEOUT },
		{ "report-retries", required_argument,	NULL, OPT_RRETRIES },
		MP_S3_OPTIONS(OPT_S3BASE),
		{ NULL, 0, NULL, 0 }
	};
	struct mp_cfg cfg = { 0 };
	struct mp_buf b = { 0 };
	const char *errstr, *recarg = NULL;
	char *s, *end;
	int64_t mark;
	int c, st;

	mp_opt_init(&argc, &argv);
	field(&srcfield, "--source-field", "fetch_source");
	field(&fetchfield, "--fetched-field", "fetched_at");
	while ((c = getopt_long(argc, argv, MP_COMMON_SHORT "X:H:d:", opts,
	    NULL)) != -1) {
		switch (c) {
		case OPT_URL:
			url0 = optarg;
			break;
		case 'X':
			method = optarg;
			break;
		case 'H':
			hdr = xrealloc(hdr, (nhdr + 1) * sizeof *hdr);
			hdr[nhdr++] = optarg;
			break;
		case 'd':
			data = optarg;
			break;
		case OPT_RECORDS:
			recarg = recname = optarg;
			break;
		case OPT_NEXT:
			jnext = program("--next", optarg);
			break;
		case OPT_PAGESIZE:
			pagesize = mp_opt_number("--page-size", optarg, 1,
			    100000000, usage);
			break;
		case OPT_FIRSTPAGE:
			firstpage = mp_opt_number("--first-page", optarg, 0,
			    1000000000, usage);
			break;
		case OPT_FROM:
			fromus = parsetime("--from", optarg);
			break;
		case OPT_TO:
			tous = parsetime("--to", optarg);
			break;
		case OPT_WINDOW:
			winus = duration("--window", optarg, 1000000);
			break;
		case OPT_TIMEFMT:
			timefmt = optarg;
			break;
		case OPT_CONC:
			conc = mp_opt_number("--concurrency", optarg, 1, 256,
			    usage);
			break;
		case OPT_CAP:
			cap = mp_opt_number("--cap", optarg, 1, 1000000000,
			    usage);
			break;
		case OPT_COUNT:
			jcount = program("--count", optarg);
			break;
		case OPT_MINWIN:
			minwinus = duration("--min-window", optarg, 1000000);
			break;
		case OPT_STATE:
			if (*optarg == '\0' || strchr(optarg, '/')) {
				mp_warnx("--state: '%s': a name, not a path",
				    optarg);
				mp_usage(usage);
			}
			statename = optarg;
			break;
		case OPT_STATEDIR:
			statedir = optarg;
			break;
		case OPT_LOOKBACK:
			lookbackus = duration("--lookback", optarg, 0);
			break;
		case OPT_BEARER:
			bearerfile = optarg;
			break;
		case OPT_BASIC:
			basicfile = optarg;
			break;
		case OPT_TOKENURL:
			tokenurl = optarg;
			break;
		case OPT_CLIENTID:
			clientid = optarg;
			break;
		case OPT_SECRET:
			secretfile = optarg;
			break;
		case OPT_REFRESH:
			refreshfile = optarg;
			break;
		case OPT_SCOPE:
			scope = optarg;
			break;
		case OPT_RETRIES:
			retries = mp_opt_number("--retries", optarg, 0, 100,
			    usage);
			break;
		case OPT_RETRYMAX:
			retrymaxus = duration("--retry-max-time", optarg, 0);
			break;
		case OPT_TIMEOUT:
			timeoutus = duration("--timeout", optarg, 1000);
			break;
		case OPT_RESET:
			resethdr = optarg;
			break;
		case OPT_RATE:
			rate = strtod(optarg, &end);
			if (end == optarg || rate <= 0 || (*end &&
			    strcmp(end, "/s") != 0)) {
				mp_warnx("--rate: '%s': want requests a "
				    "second, as 5/s", optarg);
				mp_usage(usage);
			}
			break;
		case OPT_ERROR:
			jerror = program("--error", optarg);
			break;
		case OPT_TAG:
			settag(optarg);
			break;
		case OPT_SOURCE:
			source = optarg;
			break;
		case OPT_SRCFIELD:
			field(&srcfield, "--source-field", optarg);
			break;
		case OPT_FETCHFIELD:
			field(&fetchfield, "--fetched-field", optarg);
			break;
		case OPT_ARCHIVE:
			archivedir = optarg;
			break;
		case OPT_REPLAY:
			replaydir = optarg;
			break;
		case OPT_FORMAT:
			if ((format = strcmp(optarg, "json") == 0 ? FMT_JSON :
			    strcmp(optarg, "ndjson") == 0 ? FMT_NDJSON :
			    strcmp(optarg, "csv") == 0 ? FMT_CSV :
			    strcmp(optarg, "tsv") == 0 ? FMT_TSV : -1) < 0) {
				mp_warnx("--format: '%s': want json, ndjson, csv "
				    "or tsv", optarg);
				mp_usage(usage);
			}
			break;
		case OPT_ENCODING:
			encoding = optarg;
			break;
		case OPT_SKIPROWS:
			csvopt.skip = mp_opt_number("--skip-rows", optarg, 0,
			    1000000, usage);
			break;
		case OPT_FOOTER:
			jfooter = program("--footer", optarg);
			break;
		case OPT_MAP:
			mp_jq_free(jmap);
			jmap = program("--map", optarg);
			break;
		case OPT_DECCOMMA:
			csvopt.decimal_comma = 1;
			break;
		case OPT_FIELD:
			csvopt.field = xrealloc(csvopt.field,
			    (csvopt.nfield + 1) * sizeof *csvopt.field);
			if (mp_csv_field_parse(optarg,
			    &csvopt.field[csvopt.nfield], &errstr) < 0) {
				mp_warnx("--field: '%s': %s", optarg, errstr);
				mp_usage(usage);
			}
			csvopt.nfield++;
			break;
		case OPT_RCREATE:
			rcreate = optarg;
			break;
		case OPT_RDATA:
			rdata = optarg;
			break;
		case OPT_RID:
			jrid = program("--report-id", optarg);
			break;
		case OPT_RPOLL:
			rpoll = optarg;
			break;
		case OPT_RREADY:
			jready = program("--report-ready", optarg);
			break;
		case OPT_RFAILED:
			jfailed = program("--report-failed", optarg);
			break;
		case OPT_RURL:
			jrurl = program("--report-url", optarg);
			break;
		case OPT_PINTERVAL:
			pollus = duration("--poll-interval", optarg, 1000);
			break;
		case OPT_PTIMEOUT:
			polltimeoutus = duration("--poll-timeout", optarg, 1000);
			break;
		case OPT_RRETRIES:
			rretries = mp_opt_number("--report-retries", optarg, 0,
			    100, usage);
			break;
		case OPT_QUOTE:
			quote = 1;
			break;
		case OPT_NOQUOTE:
			quote = 0;
			break;
		case OPT_ALLOWEMPTY:
			allowempty = 1;
			break;
		case OPT_SEPARATOR:
			if (strlen(optarg) != 1 || strchr("\"\r\n", *optarg)) {
				mp_warnx("--separator: '%s': want one byte, not "
				    "a quote or a line end", optarg);
				mp_usage(usage);
			}
			csvopt.sep = (unsigned char)*optarg;
			break;
		default:
			if (!mp_s3_opt(&s3, c, OPT_S3BASE, optarg, usage))
				mp_opt_common(&cfg, c, optarg, usage);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1)
		mp_usage(usage);
	if (argc == 1)
		url0 = argv[0];
	if (url0 && strncmp(url0, "s3://", 5) == 0) {
		showprog = cfg.progress == 1 || (cfg.progress == 0 &&
		    isatty(2));
		run = mp_run_new(&cfg);
		return s3fetch(url0);
	}
	if (rcreate && (!jrid || !rpoll || !jready || !jrurl)) {
		mp_warnx("--report-create needs --report-id, --report-poll, "
		    "--report-ready and --report-url");
		mp_usage(usage);
	}
	if (url0 == NULL)
		url0 = rcreate ? rcreate : replaydir ? "replay:" : "-";
	if (strcmp(url0, "-") == 0 && (jnext || pagesize || fromus != NOTIME ||
	    statename || archivedir)) {
		mp_warnx("a body on standard input is one response: no paging, "
		    "windows, state or archive");
		mp_usage(usage);
	}
	if (strcmp(url0, "-") != 0 && strstr(url0, "://") == NULL)
		url0 = fileurl(url0);
	/* records: the body's own, a path, or a jq program */
	mp_buf_adds(&b, ".r");
	if (recarg && *recarg == '.' && recarg[1] == '[')
		mp_buf_adds(&b, recarg + 1);
	else if (recarg && strcmp(recarg, ".") != 0)
		mp_buf_adds(&b, recarg);
	if (mp_path_parse(mp_buf_str(&b), &recpath, &errstr) == 0) {
		recmode = recarg != NULL && strcmp(recarg, ".") != 0;
		if (recmode && mp_path_parse(recarg, &userpath, &errstr) < 0)
			userpath.nseg = -1;	/* looked up the other way */
	}
	else {
		recmode = 2;
		jrecords = program("--records", recarg);
	}
	if (winus && fromus == NOTIME && statename == NULL && !replaydir) {
		mp_warnx("--window needs --from (or --state)");
		mp_usage(usage);
	}
	if (replaydir)
		archivedir = NULL;	/* a source's file serves both */
	if (source == NULL) {
		const char *h = strstr(url0, "://");

		if (h == NULL)
			source = replaydir ? "replay" : "stdin";
		else {
			h += 3;
			source = xstrndup(h, strcspn(h, ":/?#"));
			if (*source == '\0')
				source = "file";
		}
	}
	t0 = mp_now();
	showprog = cfg.progress == 1 || (cfg.progress == 0 && isatty(2));
	strict = cfg.strict;
	run = mp_run_new(&cfg);
	if (statename && !replaydir) {
		mark = state_load();
		if (mark != NOTIME)
			fromus = mark - lookbackus;
		else if (fromus == NOTIME)
			mp_errx(MP_EX_USAGE, "state '%s' is new: give --from "
			    "for the first run", statename);
		if (tous == NOTIME)
			tous = (int64_t)time(NULL) * 1000000;
	}
	if (bearerfile) {
		s = secret("--bearer-file", bearerfile);
		b.len = 0;
		mp_buf_printf(&b, "Authorization: Bearer %s", s);
		auth = xstrdup(b.p);
		free(s);
	} else if (basicfile) {
		s = secret("--basic-file", basicfile);
		b.len = 0;
		mp_buf_adds(&b, "Authorization: Basic ");
		base64(&b, s);
		auth = xstrdup(mp_buf_str(&b));
		free(s);
	} else if (tokenurl && !replaydir)
		oauth2(0);
	if (replaydir) {
		replay_open();
		while (replay_run()) {
			windows();
			replay();
		}
	} else {
		if (fromus != NOTIME && tous == NOTIME)
			tous = (int64_t)time(NULL) * 1000000;	/* kept */
		if (archivedir)
			archive_open();
		windows();
		if (strcmp(url0, "-") == 0)
			fromstdin();
		else
			fetch();
	}
	mp_progress_clear();
	st = mp_run_flush(run, mp_interrupted() ? 0 : status);
	mp_count(run, "requests", nreq);
	mp_count(run, "retries", nretry);
	mp_count(run, "pages", npage);
	mp_count(run, "windows", flushed);
	mp_count(run, "splits", nsplit);
	mp_count(run, "overflows", nover);
	mp_count(run, "bytes_fetched", nbytes);
	mp_count(run, "footer_rows", nfooter);
	if (rcreate)
		mp_count(run, "report_jobs", njobs);
	(void)t0;
	mp_buf_free(&b);
	return mp_run_end(run, st);
}
