/*
 * fetch.c: the pages of an API's time windows, fetched in order, many at
 * once.  Each window's records are held until the window is whole, so a
 * window is written whole or not at all; an answer that is not whole is
 * tried again by the retry policy, one that never will be ends the run.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mp.h"

/* Ends the run on a failure that retrying will not mend. */
static void
fatal(int st, const struct mp_http_req *req, const struct mp_win *w,
    const char *fmt, ...) MP_PRINTF(4, 5) MP_NORETURN;

static void
fatal(int st, const struct mp_http_req *req, const struct mp_win *w,
    const char *fmt, ...)
{
	static struct mp_buf b, r;	/* it ends the run */
	va_list ap;

	va_start(ap, fmt);
	mp_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	mp_http_redact(req->url, &r);
	if (w->from == MP_NOTIME)
		mp_errx(st, "%s: %s", mp_buf_str(&r), mp_buf_str(&b));
	mp_errx(st, "%s: window %s: %s", mp_buf_str(&r), mp_window_name(w),
	    mp_buf_str(&b));
}

/* Whether a URL names a local file (not an answer of an API). */
static int
isfile(const char *url)
{
	return strncmp(url, "file://", 7) == 0;
}

/* Schedules another try of the window's request, or ends the run. */
static void
again(struct mp_fetch *f, const struct mp_http_req *req, struct mp_win *w,
    double after, const char *why)
{
	const char *spent;
	double wait;

	f->nretry++;
	/* a file here will not mend: no other try */
	if (strcmp(req->url, "-") == 0 || isfile(req->url))
		fatal(MP_EX_DATAERR, req, w, "%s", why);
	if ((wait = mp_retry_next(&w->retry, after, &spent)) < 0) {
		if (w->retry.tries >= w->retry.max_tries)
			fatal(MP_EX_UNAVAILABLE, req, w, "%s, %s", why, spent);
		fatal(MP_EX_UNAVAILABLE, req, w, "%s, and --retry-max-time "
		    "would pass", why);
	}
	w->notbefore = f->replay ? 0 : mp_now() + wait;
}

int
mp_fetch_reject(struct mp_fetch_page *pg, long long line, const char *why,
    const char *p, size_t n)
{
	struct mp_fetch *f = pg->f;

	pg->bad++;
	mp_window_defer(pg->w, 0, f->dec.where, line, why, p, n);
	f->stop |= f->strict;
	return f->stop;
}

static int
onrecord(void *arg, const char *p, size_t n, long long line)
{
	struct mp_fetch_page *pg = arg;

	return pg->f->record(pg->f->arg, pg, p, n, line);
}

static int
onfooter(void *arg, const char *p, size_t n, long long line)
{
	struct mp_fetch_page *pg = arg;

	mp_window_defer(pg->w, 1, pg->f->dec.where, line, "footer", p, n);
	return 0;
}

static int
onreject(void *arg, long long line, const char *why, const char *p, size_t n)
{
	return mp_fetch_reject(arg, line, why, p, n);
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
	    isfile(l))
		return xstrdup(l);
	if (l[0] != '/' || (s = strstr(base, "://")) == NULL)
		return NULL;
	mp_buf_add(&b, base, s + 3 - base + strcspn(s + 3, "/"));
	mp_buf_adds(&b, l);
	return (char *)mp_buf_str(&b);
}

/* A report job that failed or never got ready: another, or the end. */
static void
recreate(struct mp_fetch *f, const struct mp_http_req *req, struct mp_win *w,
    const char *why)
{
	if (w->jobs >= f->rretries)
		fatal(MP_EX_UNAVAILABLE, req, w, "report job %s %s, after %d "
		    "%s", w->job ? w->job : "?", why, w->jobs + 1,
		    w->jobs ? "jobs" : "job");
	mp_warnx("window %s: report job %s %s: asking for another",
	    mp_window_name(w), w->job ? w->job : "?", why);
	w->jobs++;
	free(w->job);
	w->job = NULL;
	w->phase = MP_WIN_CREATE;
	w->notbefore = 0;
}

/* Whether a jq program's first answer is there and not false. */
static int
yes(struct mp_jq *q, const char *p, size_t n, struct mp_buf *v)
{
	return q && mp_jq_first(q, p, n, -1, v) == 1 &&
	    strcmp(mp_buf_str(v), "false") != 0;
}

/* The answer to a report job's creation or poll; 1 when handled. */
static int
job(struct mp_fetch *f, struct mp_win *w, const struct mp_http_req *req,
    const struct mp_http_resp *resp)
{
	struct mp_buf *v = &f->v;

	const char *body = resp->body.p ? resp->body.p : "";
	size_t n = resp->body.len;
	char *u;

	if (w->phase == MP_WIN_CREATE) {
		if (mp_jq_first(f->jrid, body, n, -1, v) != 1 || v->len == 0) {
			again(f, req, w, -1, "no job id in the answer");
			return 1;
		}
		free(w->job);
		w->job = xstrdup(mp_buf_str(v));
		f->njobs++;
		w->reauth = 0;
		w->phase = MP_WIN_POLL;
		w->expired = 0;
		w->delay = f->pollus / 1e6;
		w->waited2 = w->delay;
		w->retry.tries = 0;
		w->notbefore = f->replay ? 0 : mp_now() + w->delay;
		return 1;
	}
	if (w->phase != MP_WIN_POLL)
		return 0;
	w->retry.tries = 0;
	w->reauth = 0;
	if (yes(f->jfailed, body, n, v)) {
		recreate(f, req, w, "failed");
		return 1;
	}
	if (yes(f->jready, body, n, v)) {
		if (mp_jq_first(f->jrurl, body, n, -1, v) != 1 || v->len == 0 ||
		    (u = urlof(req->url, mp_buf_str(v))) == NULL)
			fatal(MP_EX_DATAERR, req, w, "report job %s is ready, "
			    "but --report-url finds no link", w->job);
		free(w->next);
		w->next = u;
		w->phase = MP_WIN_GET;
		w->notbefore = 0;
		return 1;
	}
	/* the waits, not the clock, say when: a replay decides the same */
	if (w->waited2 * 1e6 >= f->polltimeoutus) {
		recreate(f, req, w, "was not ready in time");
		return 1;
	}
	w->delay = w->delay * 1.5 < 60 ? w->delay * 1.5 : 60;
	w->waited2 += w->delay;
	w->notbefore = f->replay ? 0 : mp_now() + w->delay;
	return 1;
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

static void
overflow(struct mp_fetch *f, struct mp_win *w)
{
	if (mp_window_splittable(w, f->minwinus)) {
		w->split = 1;
		return;
	}
	if (w->from != MP_NOTIME || f->cap) {
		mp_warnx("window %s: %lld records reach the cap of %lld at the "
		    "least window; fetched anyway: look at it",
		    mp_window_name(w), w->count >= 0 ? w->count : w->nrec,
		    f->cap);
		f->nover++;
		f->status = MP_EX_CHECK;
	}
}

/*
 * A status that is not a page: a new token, an expired report link, a
 * refusal, another try.  Returns 1 when handled.
 */
static int
status(struct mp_fetch *f, struct mp_win *w, const struct mp_http_req *req,
    const struct mp_http_resp *resp)
{
	struct mp_buf *why = &f->msg;
	long st = resp->status;

	if (st == 401 && f->oauth2 && !w->reauth) {
		w->reauth = 1;		/* a new token, once */
		if (!f->replay) {
			free(f->auth);
			f->auth = mp_oauth2_header(f->oauth2, 1);
		}
		return 1;
	}
	if (w->phase == MP_WIN_GET && (st == 403 || st == 404 || st == 410)) {
		/* an expired link: the job's poll gives a fresh one */
		if (++w->expired > 3)
			fatal(MP_EX_UNAVAILABLE, req, w, "report job %s's "
			    "file: HTTP %ld%s, link after link (%d links)",
			    w->job, st, reason(st), w->expired);
		why->len = 0;
		mp_http_redact(req->url, why);
		mp_warnx("%s: window %s: report job %s's file: HTTP %ld%s "
		    "(an expired link?): asking the job for a new link",
		    mp_buf_str(why), mp_window_name(w), w->job, st,
		    reason(st));
		w->phase = MP_WIN_POLL;
		w->notbefore = 0;
		return 1;
	}
	if (st == 401 || st == 403)
		fatal(MP_EX_NOPERM, req, w, "%ld: refused", st);
	if (mp_http_transient(st)) {
		why->len = 0;
		mp_buf_printf(why, "HTTP %ld", st);
		again(f, req, w, mp_http_wait(resp, f->reset, time(NULL)),
		    mp_buf_str(why));
		return 1;
	}
	if ((st < 200 || st > 299) && w->phase == MP_WIN_GET)
		fatal(MP_EX_CONFIG, req, w, "report job %s's file: HTTP %ld",
		    w->job, st);
	if (st < 200 || st > 299)
		fatal(MP_EX_CONFIG, req, w, "HTTP %ld", st);
	return 0;
}

/* Whether --error finds the answer an error; then another try. */
static int
apierror(struct mp_fetch *f, struct mp_win *w, const struct mp_http_req *req,
    const struct mp_http_resp *resp)
{
	struct mp_buf *why = &f->msg, *nx = &f->nx;
	int r;

	if (f->jerror == NULL || w->phase == MP_WIN_GET || isfile(req->url))
		return 0;
	r = mp_jq_first(f->jerror, resp->body.p ? resp->body.p : "",
	    resp->body.len, -1, why);
	mp_buf_str(why);
	if (r != 0 && !(r == 1 && strcmp(why->p, "false") == 0)) {
		nx->len = 0;
		mp_buf_printf(nx, "%s: %s", r > 0 ? "the API says" :
		    "bad response", why->p);
		again(f, req, w, -1, mp_buf_str(nx));
		r = 1;
	} else
		r = 0;
	return r;
}

/* Where the next page is, from the page just read; 1 when there is one. */
static int
nextpage(struct mp_fetch *f, struct mp_win *w, const struct mp_http_req *req,
    const struct mp_http_resp *resp, long long got, int more)
{
	struct mp_buf *nx = &f->nx;
	int r;

	if (w->phase == MP_WIN_GET)
		return 0;	/* a report file is whole */
	if (f->jnext) {
		r = mp_jq_first(f->jnext, resp->body.p ? resp->body.p : "",
		    resp->body.len, -1, nx);
		mp_buf_str(nx);
		if (r == 1 && nx->len > 0 && strcmp(nx->p, "false") != 0) {
			free(w->cursor);
			free(w->next);
			w->cursor = w->next = NULL;
			if ((w->next = urlof(req->url, nx->p)) == NULL)
				w->cursor = xstrdup(nx->p);
			w->page++;
			w->offset += got;
			return 1;
		}
		return 0;
	}
	if (f->pagesize && got > 0 && (got >= f->pagesize || more)) {
		/* {offset} counts what came: an API may clamp the size */
		w->page++;
		w->offset += got;
		return 1;
	}
	return 0;
}

/* Handles the response to the window's request. */
static void
handle(struct mp_fetch *f, struct mp_win *w, const struct mp_http_req *req,
    struct mp_http_resp *resp, int rc, time_t at)
{
	struct mp_buf *why = &f->why, *red = &f->red;
	struct mp_fetch_page pg = { 0 };
	size_t mark = w->out.len;
	int pmark = w->npend, r;
	char ts[32], fetched[40];
	long long got;

	why->len = 0;
	f->nbytes += resp->body.len;
	mp_run_input(f->run, 0, resp->body.len);
	if (rc < 0) {
		again(f, req, w, -1, resp->err);
		return;
	}
	if (status(f, w, req, resp) || apierror(f, w, req, resp) ||
	    job(f, w, req, resp))
		return;
	snprintf(fetched, sizeof fetched, "\"%s\"", mp_time_fmt(at, ts));
	red->len = 0;
	mp_http_redact(req->url, red);
	pg.f = f;
	pg.w = w;
	pg.out = &w->out;	/* taken back unless the page is whole */
	pg.fetched = fetched;
	f->dec.arg = &pg;
	if ((r = mp_decode_response(&f->dec, resp, req->url, mp_buf_str(red),
	    why)) < 0) {
		w->out.len = mark;
		mp_window_undefer(w, pmark, NULL);
		if (r == -3)
			fatal(MP_EX_DATAERR, req, w, "%s", mp_buf_str(why));
		again(f, req, w, -1, mp_buf_str(why));
		return;
	}
	if (f->stop) {
		w->out.len = mark;	/* -s: not a record of the page */
		mp_window_undefer(w, pmark, f->run);	/* but why it stopped */
		return;
	}
	got = pg.n + pg.bad;	/* what the API sent, rejects and all */
	if (!f->allowempty && got + (w->npend - pmark - pg.bad) == 0 &&
	    (w->phase == MP_WIN_GET || isfile(req->url)))
		fatal(MP_EX_DATAERR, req, w, "an empty report: no row, not "
		    "even a total (--allow-empty if that is a fair answer)");
	f->npage++;
	w->retry.tries = 0;
	w->reauth = 0;
	if (f->jcount && w->count < 0) {
		why->len = 0;
		if (mp_jq_first(f->jcount, resp->body.p ? resp->body.p : "",
		    resp->body.len, -1, why) == 1)
			w->count = total(mp_buf_str(why));
		if (f->cap && w->count > f->cap &&
		    mp_window_splittable(w, f->minwinus)) {
			w->out.len = mark;
			mp_window_undefer(w, pmark, NULL);
			overflow(f, w);
			return;
		}
	}
	w->nrec += got;
	w->nin += got + (w->npend - pmark - pg.bad);
	/* the API's total says more: a short page is not the last */
	if (nextpage(f, w, req, resp, got, w->count >= 0 &&
	    w->nrec < w->count))
		return;
	w->done = 1;
	if (f->cap && (w->count >= 0 ? w->count > f->cap : w->nrec >= f->cap))
		overflow(f, w);
	else if (w->count >= 0 && w->nrec < w->count)
		fatal(MP_EX_DATAERR, req, w, "%lld records of the %lld the "
		    "API's total gives (--count): paging ended early", w->nrec,
		    w->count);
}

/* A request's strings, kept between its tries. */
struct call {
	struct mp_http_req req;
	struct mp_http_resp resp;
	struct mp_buf url, body, hb;
	const char **hv;
	int	 rc;
};

/* The requests in flight, kept in the fetch while it runs. */
struct net {
	struct call *c;
	struct mp_http_req *req;
	struct mp_http_resp *resp;
	int	*rc, *pick;
};

/* The request of a window, into c. */
static void
request(struct mp_fetch *f, struct mp_win *w, struct call *c)
{
	size_t *off = xcalloc(f->nhdr + 1, sizeof *off);
	int i, n = 0;

	c->url.len = c->body.len = c->hb.len = 0;
	if (w->phase == MP_WIN_CREATE)
		mp_window_expand(f->rcreate, w, f->timefmt, f->pagesize, 1,
		    &c->url);
	else if (w->phase == MP_WIN_POLL)
		mp_window_expand(f->rpoll, w, f->timefmt, f->pagesize, 1,
		    &c->url);
	else if (w->next)
		mp_buf_adds(&c->url, w->next);
	else
		mp_window_expand(f->url, w, f->timefmt, f->pagesize, 1,
		    &c->url);
	mp_buf_str(&c->url);
	c->hv = xrealloc(c->hv, (f->nhdr + 2) * sizeof *c->hv);
	for (i = 0; i < f->nhdr; i++) {
		off[i] = c->hb.len;
		mp_window_expand(f->hdr[i], w, f->timefmt, f->pagesize, 0,
		    &c->hb);
		mp_buf_addc(&c->hb, '\0');
	}
	for (i = 0; i < f->nhdr; i++)
		c->hv[n++] = c->hb.p + off[i];
	free(off);
	if (f->auth)
		c->hv[n++] = f->auth;
	c->hv[n] = NULL;
	memset(&c->req, 0, sizeof c->req);
	c->req.url = c->url.p;
	c->req.method = w->phase == MP_WIN_POLL || w->phase == MP_WIN_GET ?
	    "GET" : w->phase == MP_WIN_CREATE ? (f->method ? f->method :
	    "POST") : f->method;
	if (w->phase == MP_WIN_CREATE ? f->rdata != NULL :
	    w->phase == MP_WIN_DATA && f->data != NULL) {
		mp_window_expand(w->phase == MP_WIN_CREATE ? f->rdata : f->data,
		    w, f->timefmt, f->pagesize, 0, &c->body);
		c->req.body = c->body.p ? c->body.p : "";
		c->req.bodylen = c->body.len;
	}
	c->req.headers = c->hv;
	c->req.timeout_ms = f->timeoutus / 1000;
}

static void
freecall(struct call *c)
{
	mp_http_resp_free(&c->resp);
	mp_buf_free(&c->url);
	mp_buf_free(&c->body);
	mp_buf_free(&c->hb);
	free(c->hv);
}

/* Writes the windows done at the front, in order; moves the bookmark. */
static void
flush(struct mp_fetch *f)
{
	struct mp_windows *ws = &f->ws;
	struct mp_win *w;
	const char *p, *nl, *end;
	int i;

	while (ws->flushed < ws->n && ws->w[ws->flushed].done &&
	    !ws->w[ws->flushed].split) {
		w = &ws->w[ws->flushed];
		end = w->out.len ? w->out.p + w->out.len : NULL;
		for (p = w->out.p; end && p < end; p = nl + 1) {
			nl = memchr(p, '\n', end - p);
			mp_emit_line(f->run, p, nl - p);
		}
		mp_buf_free(&w->out);
		for (i = 0; i < w->npend; i++)
			f->nfooter += w->pend[i].drop;
		mp_window_undefer(w, 0, f->run);
		mp_run_input(f->run, w->nin, 0);
		if (f->bookmark && w->to != MP_NOTIME) {
			mp_run_sync(f->run);
			mp_bookmark_save(f->bookmark, w->to);
		}
		ws->flushed++;
	}
}

/* After answers were handled: halves in, whole windows out. */
static void
after(struct mp_fetch *f)
{
	f->nsplit += mp_window_splits(&f->ws);
	flush(f);
}

static void
start(struct mp_fetch *f, int64_t from, int64_t to, int64_t len)
{
	f->ws.firstpage = f->firstpage;
	f->ws.phase = f->rcreate ? MP_WIN_CREATE : MP_WIN_DATA;
	f->ws.retry = f->retry;
	f->dec.record = onrecord;
	f->dec.footer_row = onfooter;
	f->dec.reject = onreject;
	mp_window_make(&f->ws, from, to, len);
}

/* Pauses until time t (mp_now's). */
static void
until(double t)
{
	double now = mp_now();

	if (t > now)
		usleep((t - now) * 1e6);
}

/* The windows, from the network, conc requests at a time. */
static void
network(struct mp_fetch *f)
{
	struct mp_windows *ws = &f->ws;
	struct net *nt = f->net = xcalloc(1, sizeof *nt);
	struct call *c = nt->c = xcalloc(f->conc, sizeof *c);
	struct mp_http_req *req = nt->req = xcalloc(f->conc, sizeof *req);
	struct mp_http_resp *resp = nt->resp = xcalloc(f->conc, sizeof *resp);
	int *rc = nt->rc = xcalloc(f->conc, sizeof *rc);
	int *pick = nt->pick = xcalloc(f->conc, sizeof *pick);
	int i, k, seen;
	double now, soon;
	time_t at;

	while (ws->flushed < ws->n && !mp_interrupted() && !f->stop) {
		now = mp_now();
		soon = 0;
		k = seen = 0;
		for (i = ws->flushed; i < ws->n && seen < f->conc; i++) {
			if (ws->w[i].done)
				continue;
			seen++;
			if (ws->w[i].notbefore <= now)
				pick[k++] = i;
			else if (soon == 0 || ws->w[i].notbefore < soon)
				soon = ws->w[i].notbefore;
		}
		if (k == 0) {
			until(soon);
			continue;
		}
		for (i = 0; i < k; i++) {
			request(f, &ws->w[pick[i]], &c[i]);
			req[i] = c[i].req;
		}
		if (f->rate > 0) {
			until(f->lastreq + k / f->rate);
			f->lastreq = mp_now();
		}
		f->nreq += k;
		if (k == 1)
			rc[0] = mp_http_do(&req[0], &resp[0]);
		else
			mp_http_do_many(req, resp, rc, k, k);
		at = time(NULL);
		for (i = 0; f->archive && i < k; i++)
			mp_rawarc_put(f->archive, &req[i], &resp[i], rc[i],
			    mp_window_name(&ws->w[pick[i]]), at);
		for (i = 0; i < k; i++)
			handle(f, &ws->w[pick[i]], &req[i], &resp[i], rc[i], at);
		after(f);
		if (f->progress)
			mp_progress_show("%lld requests, %d of %d windows, "
			    "%lld retries", f->nreq, ws->flushed, ws->n,
			    f->nretry);
	}
	for (i = 0; i < f->conc; i++) {
		freecall(&c[i]);
		mp_http_resp_free(&resp[i]);
	}
	free(c);
	free(req);
	free(resp);
	free(rc);
	free(pick);
	free(nt);
	f->net = NULL;
}

/* A response read from standard input: one page, no retries. */
static void
fromstdin(struct mp_fetch *f)
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
	f->nreq++;
	handle(f, &f->ws.w[0], &req, &resp, 0, time(NULL));
	flush(f);
	mp_http_resp_free(&resp);
}

void
mp_fetch_run(struct mp_fetch *f, int64_t from, int64_t to, int64_t len)
{
	start(f, from, to, len);
	if (strcmp(f->url, "-") == 0)
		fromstdin(f);
	else
		network(f);
}

/*
 * Replays a run: each archived response goes to the window it was for,
 * in the order they came, so every window sees what it saw.
 */
void
mp_fetch_replay(struct mp_fetch *f, int64_t len)
{
	struct mp_windows *ws = &f->ws;
	struct net *nt = f->net = xcalloc(1, sizeof *nt);
	struct call *c = nt->c = xcalloc(1, sizeof *c);
	int64_t from, to;
	char *wn = NULL, name[96];
	time_t at;
	int i;

	while (mp_rawarc_run(f->replay, &from, &to)) {
		start(f, from, to, len);
		while (!mp_interrupted() && !f->stop &&
		    mp_rawarc_get(f->replay, &c->resp, &c->rc, &at, &wn)) {
			for (i = ws->flushed; i < ws->n; i++)
				if (!ws->w[i].done && !ws->w[i].split && wn &&
				    strcmp(mp_window_name(&ws->w[i]), wn) == 0)
					break;
			snprintf(name, sizeof name, "%s", wn ? wn : "?");
			free(wn);
			wn = NULL;
			if (i == ws->n)
				mp_errx(MP_EX_DATAERR, "--replay: %s: a "
				    "response for window %s, which these "
				    "options do not have",
				    mp_rawarc_current(f->replay), name);
			request(f, &ws->w[i], c);
			f->nreq++;
			handle(f, &ws->w[i], &c->req, &c->resp, c->rc, at);
			after(f);
		}
		if (ws->flushed < ws->n && !mp_interrupted() && !f->stop)
			mp_errx(MP_EX_DATAERR, "--replay: %s: the archive ends "
			    "before window %s was complete",
			    mp_rawarc_current(f->replay),
			    mp_window_name(&ws->w[ws->flushed]));
	}
	freecall(c);
	free(c);
	free(nt);
	f->net = NULL;
}

void
mp_fetch_counts(struct mp_fetch *f)
{
	mp_count(f->run, "requests", f->nreq);
	mp_count(f->run, "retries", f->nretry);
	mp_count(f->run, "pages", f->npage);
	mp_count(f->run, "windows", f->ws.flushed);
	mp_count(f->run, "splits", f->nsplit);
	mp_count(f->run, "overflows", f->nover);
	mp_count(f->run, "bytes_fetched", f->nbytes);
	mp_count(f->run, "footer_rows", f->nfooter);
	if (f->rcreate)
		mp_count(f->run, "report_jobs", f->njobs);
}

void
mp_fetch_free(struct mp_fetch *f)
{
	struct mp_jq **q[] = { &f->jnext, &f->jcount, &f->jerror, &f->jrid,
	    &f->jready, &f->jfailed, &f->jrurl };
	size_t i;

	mp_window_free(&f->ws);
	mp_decode_free(&f->dec);
	for (i = 0; i < sizeof q / sizeof q[0]; i++) {
		mp_jq_free(*q[i]);
		*q[i] = NULL;
	}
	free(f->auth);
	free(f->hdr);
	f->auth = NULL;
	f->hdr = NULL;
	f->nhdr = 0;
	mp_buf_free(&f->why);
	mp_buf_free(&f->red);
	mp_buf_free(&f->msg);
	mp_buf_free(&f->nx);
	mp_buf_free(&f->v);
}
