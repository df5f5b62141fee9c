/*
 * rec.c: the record loop every tool runs, and where each record ends up:
 * stdout, the rejects file with its reason, or a counted drop; the
 * progress of a run.  Its counters are written by stats.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mp.h"

#define CHUNK		MP_PIPE_BYTES

struct mp_run {
	struct mp_cfg cfg;
	FILE	*rej, *drop;
	struct mp_stats s;	/* the counters */
	double	 t0, tnext;
	int	 progress;
	int	 status;	/* first read error */
	int	 stop;		/* --strict and a record was rejected */
	int	 flushed, final;	/* mp_run_flush ran; its status */
	int	 ended;		/* the stats are written */
	int	 scanning;	/* mp_run_scan: read without a word */
	void	(*idle)(void *);	/* mp_run_idle */
	void	*idlearg;
	/* a record longer than the limit, being streamed to the rejects */
	long long longbytes;
	unsigned char carry[3];
	int	 ncarry;
	struct mp_buf tmp;
};

static volatile sig_atomic_t caught;

static void
onsig(int sig)
{
	caught = sig;
}

int
mp_interrupted(void)
{
	return caught != 0;
}

long long
mp_run_rejected(const struct mp_run *r)
{
	return r->s.rejected;
}

void
mp_run_idle(struct mp_run *r, void (*fn)(void *), void *arg)
{
	r->idle = fn;
	r->idlearg = arg;
}

int
mp_run_stopped(const struct mp_run *r)
{
	return r->stop || caught;
}

static struct mp_run *current;	/* for outerr: one run per process */

static void
outerr(void)
{
	/*
	 * A reader that went away on its own (| head) ends the tool quietly;
	 * one that went because of a signal this tool got too does not.
	 */
	if (errno == EPIPE && caught)
		mp_errx(128 + caught, "interrupted");
	if (errno == EPIPE) {
		/* the reader went away: keep the rejects, commit nothing */
		if (current && current->rej)
			fclose(current->rej);
		if (current && current->drop)
			fclose(current->drop);
		_exit(0);
	}
	mp_err(MP_EX_IOERR, "stdout");
}

static FILE *
openout(const char *file, const char *what)
{
	FILE *f;

	if ((f = fopen(file, "w")) == NULL)
		mp_err(MP_EX_CANTCREAT, "%s file '%s'", what, file);
	return f;
}

int
mp_run_progress(const struct mp_cfg *cfg)
{
	struct stat st;

	/*
	 * In a pipeline every stage shares the terminal: only the last, the
	 * one whose output is not a pipe, shows its line unless asked.
	 */
	return cfg->progress > 0 || (cfg->progress == 0 && isatty(2) &&
	    mp_log_get_format() == MP_LOG_TEXT &&
	    !(fstat(1, &st) == 0 && S_ISFIFO(st.st_mode)));
}

static void atend(int, void *);

struct mp_run *
mp_run_new(const struct mp_cfg *cfg)
{
	struct mp_run *r = xcalloc(1, sizeof *r);
	struct sigaction sa;

	r->cfg = *cfg;
	if (r->cfg.max_record == 0)
		r->cfg.max_record = 1 << 20;
	if (cfg->rejects)
		r->rej = openout(cfg->rejects, "rejects");
	if (cfg->dropped)
		r->drop = openout(cfg->dropped, "dropped");
	r->progress = mp_run_progress(cfg);
	mp_pipe_stdio();
	r->t0 = mp_now();
	r->tnext = r->t0 + 0.5;
	current = r;
	on_exit(atend, r);
	/*
	 * Writes resume after a signal (no "Interrupted system call" on a
	 * pipe); the read loop polls first, and poll returns to say so.
	 */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = onsig;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return r;
}

void
mp_count(struct mp_run *r, const char *name, long long n)
{
	mp_stats_add(&r->s.own, name, strlen(name), n);
}

void
mp_count_money(struct mp_run *r, const char *name, int64_t micros)
{
	mp_stats_add(&r->s.money, name, strlen(name), micros);
}

void
mp_count_by(struct mp_run *r, const char *group, const char *name,
    long long n)
{
	mp_stats_add_by(&r->s, group, name, n);
}

/* The class of a reason: the text before its first ": " */
static size_t
reason_class(const char *reason)
{
	const char *c = strstr(reason, ": ");

	return c ? (size_t)(c - reason) : strlen(reason);
}

static void
put(struct mp_run *r, FILE *f, const char *what, const char *file,
    long long line, const char *reason, const char *extra, const char *p,
    size_t n, int b64)
{
	struct mp_buf *b = &r->tmp;

	b->len = 0;
	mp_buf_adds(b, "{\"prog\":");
	mp_buf_json_str(b, mp_prog, strlen(mp_prog));
	mp_buf_adds(b, ",\"file\":");
	mp_buf_json_str(b, file, strlen(file));
	mp_buf_printf(b, ",\"line\":%lld,\"reason\":", line);
	mp_buf_json_str(b, reason, strlen(reason));
	if (extra)
		mp_buf_adds(b, extra);
	if (b64 || !mp_utf8_valid(p, n)) {
		unsigned char carry[3];
		int nc = 0;

		mp_buf_adds(b, ",\"record_b64\":\"");
		mp_buf_base64(b, p, n, carry, &nc, 1);
		mp_buf_adds(b, "\"}\n");
	} else {
		mp_buf_adds(b, ",\"record\":");
		mp_buf_json_str(b, p, n);
		mp_buf_adds(b, "}\n");
	}
	if (fwrite(b->p, 1, b->len, f) != b->len)
		mp_err(MP_EX_IOERR, "%s file", what);
}

void
mp_reject(struct mp_run *r, const struct mp_rec *rec, const char *fmt, ...)
{
	struct mp_buf reason = { 0 };
	va_list ap;

	va_start(ap, fmt);
	mp_buf_vprintf(&reason, fmt, ap);
	va_end(ap);
	mp_buf_str(&reason);
	r->s.rejected++;
	r->stop = r->cfg.strict;
	mp_stats_add(&r->s.rejby, reason.p, reason_class(reason.p), 1);
	if (r->rej)
		put(r, r->rej, "rejects", rec->file, rec->line, reason.p,
		    NULL, rec->p, rec->n, 0);
	else
		mp_warnat(rec->file, rec->line, "%s", reason.p);
	mp_buf_free(&reason);
}

int
mp_rec_json(struct mp_run *r, const struct mp_rec *rec)
{
	struct mp_json_err e;

	if (mp_json_check(rec->p, rec->n, &e) == 0)
		return 0;
	mp_reject(r, rec, "invalid JSON: %s at byte %zu", e.msg, e.off + 1);
	return -1;
}

int
mp_rec_time(struct mp_run *r, const struct mp_rec *rec,
    const struct mp_span *v, const char *name, int64_t *us)
{
	static struct mp_buf dec;
	int bad;

	if (v->n == 0 || mp_json_type(v) == MP_JSON_NULL) {
		mp_reject(r, rec, v->n == 0 ? "missing field '%s'" :
		    "field '%s' is null", name);
		return -1;
	}
	if ((bad = mp_json_type(v) != MP_JSON_STRING) == 0) {
		if (memchr(v->p, '\\', v->n) == NULL)
			bad = mp_time_parse(v->p + 1, v->n - 2, us) < 0;
		else {
			/* a time written with escapes, "\u0032026-..." */
			dec.len = 0;
			mp_json_str_decode(v, &dec);
			bad = mp_time_parse(dec.p, dec.len, us) < 0;
		}
	}
	if (bad) {
		mp_reject(r, rec, "field '%s' is not an RFC 3339 time", name);
		return -1;
	}
	return 0;
}

void
mp_drop_with(struct mp_run *r, const struct mp_rec *rec, const char *reason,
    const char *extra)
{
	r->s.dropped++;
	mp_stats_add(&r->s.dropby, reason, reason_class(reason), 1);
	if (r->drop)
		put(r, r->drop, "dropped", rec->file, rec->line, reason, extra,
		    rec->p, rec->n, 0);
}

void
mp_drop(struct mp_run *r, const struct mp_rec *rec, const char *reason)
{
	mp_drop_with(r, rec, reason, NULL);
}

void
mp_emit_line(struct mp_run *r, const char *p, size_t n)
{
	r->s.out++;
	r->s.bytes_out += n + 1;
	if (fwrite_unlocked(p, 1, n, stdout) != n ||
	    putc_unlocked('\n', stdout) == EOF)
		outerr();
}

void
mp_emit(struct mp_run *r, const struct mp_rec *rec)
{
	mp_emit_line(r, rec->p, rec->n);
}

/*
 * A line over the limit is rejected whole without holding it: its bytes
 * stream into the rejects file as base64 while they are read.
 */
static void
long_begin(struct mp_run *r, const char *file, long long line)
{
	struct mp_buf *b = &r->tmp;

	r->longbytes = 0;
	r->ncarry = 0;
	if (r->rej == NULL || r->scanning)
		return;
	b->len = 0;
	mp_buf_adds(b, "{\"prog\":");
	mp_buf_json_str(b, mp_prog, strlen(mp_prog));
	mp_buf_adds(b, ",\"file\":");
	mp_buf_json_str(b, file, strlen(file));
	mp_buf_printf(b, ",\"line\":%lld,\"reason\":\"record longer than "
	    "%lld bytes\",\"record_b64\":\"", line, r->cfg.max_record);
	if (fwrite(b->p, 1, b->len, r->rej) != b->len)
		mp_err(MP_EX_IOERR, "rejects file");
}

static void
long_more(struct mp_run *r, const char *p, size_t n, int final)
{
	struct mp_buf *b = &r->tmp;

	r->longbytes += n;
	if (r->rej == NULL || r->scanning)
		return;
	b->len = 0;
	mp_buf_base64(b, p, n, r->carry, &r->ncarry, final);
	if (final)
		mp_buf_printf(b, "\",\"bytes\":%lld}\n", r->longbytes);
	if (fwrite(b->p, 1, b->len, r->rej) != b->len)
		mp_err(MP_EX_IOERR, "rejects file");
}

static void
long_end(struct mp_run *r, const char *file, long long line)
{
	char reason[64];

	if (r->scanning)
		return;
	long_more(r, "", 0, 1);
	snprintf(reason, sizeof reason, "record longer than %lld bytes",
	    r->cfg.max_record);
	r->s.rejected++;
	r->stop = r->cfg.strict;
	mp_stats_add(&r->s.rejby, reason, strlen(reason), 1);
	if (r->rej == NULL)
		mp_warnat(file, line, "%s (%lld bytes)", reason, r->longbytes);
}

static void
progress(struct mp_run *r)
{
	double now = mp_now(), dt = now - r->t0;

	if (now < r->tnext)
		return;
	r->tnext = now + 0.25;
	mp_progress_show("%lld records, %.1f MiB, %.1f MiB/s, %lld rejected",
	    r->s.in, r->s.bytes_in / 1048576.0, dt > 0 ? r->s.bytes_in / dt /
	    1048576.0 : 0.0, r->s.rejected);
}

static int
blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return 0;
	return 1;
}

/* Handles one line (without its \n); returns -1 to stop. */
static int
line(struct mp_run *r, struct mp_rec *rec, char *p, size_t n, mp_rec_fn *fn,
    void *arg)
{
	if (n > 0 && p[n - 1] == '\r')
		n--;
	if (rec->line == 1 && n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3, n -= 3;
	if (blank(p, n)) {
		r->s.blank++;
		return 0;
	}
	r->s.in++;
	if ((long long)n > r->cfg.max_record) {
		long_begin(r, rec->file, rec->line);
		long_more(r, p, n, 0);
		long_end(r, rec->file, rec->line);
		return r->stop ? -1 : 0;
	}
	rec->p = p;
	rec->n = n;
	if ((r->s.in & 0xfff) == 0 && r->progress)
		progress(r);
	return fn(r, rec, arg) < 0 || r->stop ? -1 : 0;
}

int
mp_run_upstream(const char *name, int fd)
{
	struct mp_buf why = { 0 };
	int st = 0;

	if (mp_chain_input(fd, &why) == MP_CHAIN_FAILED) {
		mp_warnx("%s: input ended early: %s", name, mp_buf_str(&why));
		st = MP_EX_TEMPFAIL;
	}
	mp_buf_free(&why);
	return st;
}

/* Reads one file; returns 0, 1 when fn asked to stop, or an exit status. */
static int
readfd(struct mp_run *r, int fd, const char *name, char *buf, size_t cap,
    mp_rec_fn *fn, void *arg)
{
	struct mp_rec rec = { NULL, 0, name, 0 };
	size_t len = 0, pos, rem;
	char *nl;
	ssize_t k;
	int skipping = 0;

	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		(void)mp_pipe_wait(fd, r->idle, r->idlearg);
		if (caught)	/* also one that came while output was flushed */
			return 1;
		k = read(fd, buf + len, cap - len);
		if (k < 0) {
			if (errno == EINTR && !caught)
				continue;
			if (errno == EINTR)
				return 1;
			mp_warnx("%s: %s", name, strerror(errno));
			return MP_EX_IOERR;
		}
		r->s.bytes_in += k;
		if (k == 0) {
			if (skipping)
				long_end(r, name, rec.line);
			else if (len > 0) {
				rec.line++;
				if (line(r, &rec, buf, len, fn, arg) < 0)
					return 1;
			}
			return r->scanning ? 0 : mp_run_upstream(name, fd);
		}
		pos = 0;
		len += k;
		if (skipping) {
			nl = memchr(buf, '\n', len);
			long_more(r, buf, nl ? (size_t)(nl - buf) : len, 0);
			if (nl == NULL) {
				len = 0;
				continue;
			}
			long_end(r, name, rec.line);
			if (r->stop)
				return 1;
			skipping = 0;
			pos = nl + 1 - buf;
		}
		while ((nl = memchr(buf + pos, '\n', len - pos)) != NULL) {
			rec.line++;
			if (line(r, &rec, buf + pos, nl - (buf + pos), fn,
			    arg) < 0 || caught)
				return 1;
			pos = nl + 1 - buf;
		}
		rem = len - pos;
		/* room for a CR, and line 1's BOM (line() drops both) */
		if ((long long)rem > r->cfg.max_record + 1 + (rec.line == 0 &&
		    rem >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0)) {
			/* no end in sight: reject it whole, as it streams */
			rec.line++;
			r->s.in++;
			long_begin(r, name, rec.line);
			long_more(r, buf + pos, rem, 0);
			skipping = 1;
			rem = 0;
		}
		memmove(buf, buf + pos, rem);
		len = rem;
	}
}

int
mp_run_loop(struct mp_run *r, int argc, char **argv, mp_rec_fn *fn,
    void *arg)
{
	size_t cap = r->cfg.max_record + 2 + CHUNK;
	char *buf = xmalloc(cap);
	int i, fd, st = 0;

	for (i = 0; i < argc || (argc == 0 && i == 0); i++) {
		const char *name = argc ? argv[i] : "-";

		if (strcmp(name, "-") == 0)
			fd = 0;
		else if ((fd = open(name, O_RDONLY)) < 0) {
			mp_warnx("%s: %s", name, strerror(errno));
			r->status = r->status ? r->status : MP_EX_NOINPUT;
			continue;
		}
		st = readfd(r, fd, name, buf, cap, fn, arg);
		if (fd != 0)
			close(fd);
		if (st > 1 && r->status == 0)
			r->status = st;
		if (st == 1 || caught)
			break;
	}
	free(buf);
	return r->status;
}

int
mp_run_scan(struct mp_run *r, int argc, char **argv, mp_rec_fn *fn,
    void *arg)
{
	long long in = r->s.in, blank = r->s.blank, bytes = r->s.bytes_in;
	int st;

	r->scanning = 1;
	st = mp_run_loop(r, argc, argv, fn, arg);
	r->scanning = 0;
	r->s.in = in;
	r->s.blank = blank;
	r->s.bytes_in = bytes;
	return st;
}

/* Output that lands in a regular file is synced before state commits. */
static int
syncout(FILE *f)
{
	struct stat st;

	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	    fsync(fileno(f)) != 0)
		return -1;
	return 0;
}

void
mp_run_input(struct mp_run *r, long long records, long long bytes)
{
	r->s.in += records;
	r->s.bytes_in += bytes;
}

void
mp_run_output(struct mp_run *r, long long records, long long bytes)
{
	r->s.out += records;
	r->s.bytes_out += bytes;
}

void
mp_run_sync(struct mp_run *r)
{
	if (fflush(stdout) != 0 || syncout(stdout) != 0)
		outerr();
	if ((r->rej && (fflush(r->rej) != 0 || syncout(r->rej) != 0)) ||
	    (r->drop && (fflush(r->drop) != 0 || syncout(r->drop) != 0)))
		mp_err(MP_EX_IOERR, "writing rejects");
}

int
mp_run_flush(struct mp_run *r, int status)
{
	if (r->flushed)
		return r->final;
	r->flushed = 1;
	if (fflush(stdout) != 0 || syncout(stdout) != 0)
		outerr();
	if (r->progress)
		mp_progress_clear();
	if ((r->rej && (fflush(r->rej) != 0 || syncout(r->rej) != 0 ||
	    fclose(r->rej) != 0)) || (r->drop && (fflush(r->drop) != 0 ||
	    syncout(r->drop) != 0 || fclose(r->drop) != 0)))
		mp_err(MP_EX_IOERR, "closing rejects");
	r->rej = r->drop = NULL;
	if (status == 0)
		status = r->status;
	if (status == 0 && caught)
		status = 128 + caught;
	if (status == 0 && r->stop)
		status = MP_EX_DATAERR;
	if (status == 0 && r->s.rejected > 0 && !r->cfg.rejects)
		status = MP_EX_DATAERR;
	return r->final = status;
}

/* Stats and metrics, once, whatever the way out. */
static int
trace(struct mp_run *r, int status)
{
	double secs = mp_now() - r->t0;
	int st = 0;

	if (r->ended)
		return 0;
	r->ended = 1;
	if (r->cfg.stats)
		st = mp_stats_write(&r->s, r->cfg.stats, secs, status,
		    caught != 0);
	if (r->cfg.metrics && (status = mp_stats_metrics(&r->s,
	    r->cfg.metrics, secs, status)) != 0)
		st = st ? st : status;
	return st;
}

/* Every exit leaves its trace: mp_errx, a write error, a signal. */
static void
atend(int status, void *arg)
{
	struct mp_run *r = arg;

	(void)trace(r, status);
}

/*
 * A tool that fails before its run starts (a usage or configuration
 * error, an input it cannot open) still leaves its trace, with what the
 * options named so far.
 */
static struct mp_cfg early;

static void
early_end(int status, void *arg)
{
	struct mp_run r;

	(void)arg;
	if (current != NULL || status == 0)
		return;
	memset(&r, 0, sizeof r);
	r.cfg = early;
	r.t0 = mp_now();
	(void)trace(&r, status);
}

void
mp_run_early(const struct mp_cfg *cfg)
{
	static int registered;

	early = *cfg;
	if (!registered++)
		on_exit(early_end, NULL);
}

int
mp_run_end(struct mp_run *r, int status)
{
	int st;

	if (!r->flushed)
		status = mp_run_flush(r, status);
	if ((st = trace(r, status)) != 0 && status == 0)
		status = st;
	mp_chain_end(status);
	if (fclose(stdout) != 0)
		outerr();
	return status;
}
