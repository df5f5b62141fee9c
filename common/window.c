/*
 * window.c: the time windows of a fetch and their pages: made, halved,
 * named, their rejects kept until they are written, and the URL
 * templates filled from them.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mp.h"

int
mp_window_time(const char *s, int64_t *us)
{
	const char *errstr;
	char buf[64];

	if (strcmp(s, "now") == 0) {
		*us = (int64_t)time(NULL) * 1000000;
		return 0;
	}
	if (*s == '-' && mp_duration_parse(s + 1, us, &errstr) == 0) {
		*us = (int64_t)time(NULL) * 1000000 - *us;
		return 0;
	}
	if (strlen(s) == 10) {
		snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
		s = buf;
	}
	return mp_time_parse(s, strlen(s), us);
}

void
mp_window_fmttime(const char *fmt, int64_t secs, struct mp_buf *b)
{
	char buf[128];
	time_t t = secs;
	struct tm tm;

	if (strcmp(fmt, "epoch") == 0)
		mp_buf_printf(b, "%lld", (long long)secs);
	else if (strcmp(fmt, "epoch_ms") == 0)
		mp_buf_printf(b, "%lld000", (long long)secs);
	else {
		gmtime_r(&t, &tm);
		if (strftime(buf, sizeof buf, fmt, &tm) > 0)
			mp_buf_adds(b, buf);
	}
}

const char *
mp_window_name(const struct mp_win *w)
{
	static char buf[96];
	char a[32], b[32];

	if (w->from == MP_NOTIME)
		return "(no window)";
	snprintf(buf, sizeof buf, "%s..%s", mp_time_fmt(w->from, a),
	    mp_time_fmt(w->to, b));
	return buf;
}

/* Whether the n bytes at name are the word w. */
static int
is(const char *name, size_t n, const char *w)
{
	return n == strlen(w) && strncmp(name, w, n) == 0;
}

void
mp_window_expand(const char *t, const struct mp_win *w, const char *fmt,
    long long limit, int enc, struct mp_buf *b)
{
	struct mp_buf v = { 0 };
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
		if (is(name, n, "from")) {
			if (w->from != MP_NOTIME)
				mp_window_fmttime(fmt, w->from, &v);
		} else if (is(name, n, "to")) {
			if (w->to != MP_NOTIME)
				mp_window_fmttime(fmt, w->to, &v);
		} else if (is(name, n, "cursor")) {
			if (w->cursor)
				mp_buf_adds(&v, w->cursor);
		} else if (is(name, n, "id")) {
			if (w->job)
				mp_buf_adds(&v, w->job);
		} else if (is(name, n, "page"))
			mp_buf_printf(&v, "%lld", w->page);
		else if (is(name, n, "offset"))
			mp_buf_printf(&v, "%lld", w->offset);
		else if (is(name, n, "limit"))
			mp_buf_printf(&v, "%lld", limit);
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
			mp_url_encode(b, v.p ? v.p : "", v.len, NULL);
		else
			mp_buf_add(b, v.p ? v.p : "", v.len);
		t = e;
	}
	mp_buf_free(&v);
}

static void
freewin(struct mp_win *w)
{
	free(w->cursor);
	free(w->next);
	free(w->job);
	mp_window_undefer(w, 0, NULL);
	free(w->pend);
	mp_buf_free(&w->out);
}

/* Forgets every window, keeping the array. */
static void
clear(struct mp_windows *ws)
{
	int i;

	for (i = 0; i < ws->n; i++)
		freewin(&ws->w[i]);
	ws->n = ws->flushed = 0;
}

void
mp_window_add(struct mp_windows *ws, int at, int64_t from, int64_t to)
{
	struct mp_win *w;

	if (ws->n == ws->cap) {
		ws->cap = ws->cap ? ws->cap * 2 : 64;
		ws->w = xrealloc(ws->w, ws->cap * sizeof *ws->w);
	}
	memmove(&ws->w[at + 1], &ws->w[at], (ws->n - at) * sizeof *ws->w);
	ws->n++;
	w = &ws->w[at];
	memset(w, 0, sizeof *w);
	w->from = from;
	w->to = to;
	w->page = ws->firstpage;
	w->count = -1;
	w->phase = ws->phase;
	w->retry = ws->retry;
}

void
mp_window_make(struct mp_windows *ws, int64_t fromus, int64_t tous,
    int64_t len)
{
	int64_t f, t, step = len / 1000000;

	clear(ws);
	if (fromus == MP_NOTIME) {
		mp_window_add(ws, 0, MP_NOTIME, MP_NOTIME);
		return;
	}
	f = fromus / 1000000;
	t = tous == MP_NOTIME ? time(NULL) : tous / 1000000;
	if (t <= f)
		return;
	if (len == 0) {
		mp_window_add(ws, 0, f, t);
		return;
	}
	for (; f < t; f += step)
		mp_window_add(ws, ws->n, f, f + step < t ? f + step : t);
}

int
mp_window_splittable(const struct mp_win *w, int64_t min)
{
	return w->from != MP_NOTIME && (w->to - w->from) * 1000000 > min &&
	    w->to - w->from >= 2;
}

int
mp_window_splits(struct mp_windows *ws)
{
	int64_t from, to, mid;
	int i, n = 0;

	for (i = ws->n - 1; i >= ws->flushed; i--) {
		if (!ws->w[i].split)
			continue;
		from = ws->w[i].from;
		to = ws->w[i].to;
		mid = from + (to - from) / 2;
		freewin(&ws->w[i]);
		memmove(&ws->w[i], &ws->w[i + 1], (ws->n - i - 1) *
		    sizeof *ws->w);
		ws->n--;
		mp_window_add(ws, i, mid, to);
		mp_window_add(ws, i, from, mid);
		n++;
	}
	return n;
}

void
mp_window_free(struct mp_windows *ws)
{
	clear(ws);
	free(ws->w);
	ws->w = NULL;
	ws->cap = 0;
}

void
mp_window_defer(struct mp_win *w, int drop, const char *file,
    long long line, const char *reason, const char *p, size_t n)
{
	struct mp_pend *e;

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

void
mp_window_undefer(struct mp_win *w, int from, struct mp_run *run)
{
	struct mp_rec rec;
	struct mp_pend *e;
	int i;

	for (i = from; i < w->npend; i++) {
		e = &w->pend[i];
		if (run) {
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
