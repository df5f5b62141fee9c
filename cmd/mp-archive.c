/*
 * mp-archive: a tee that keeps every raw line.  Input goes to stdout
 * unchanged and, before it does, into zstd files under DIR, partitioned
 * by arrival time (or by the time a field of the line gives):
 *
 *	DIR/2026/11/20/14/20261120T140312Z-HOST-PID-000001.ndjson.zst
 *
 * A file is written as DIR/.tmp/2026-11-20T14.NAME, a zstd frame (with
 * its checksum) at a time, and renamed into its partition only when it is
 * complete and synced.  Lines reach stdout only after the frame that holds
 * them was written, so what went downstream is always in the archive.  A
 * temporary file left by a killed run is recovered by the next one: its
 * complete frames are kept, the torn tail is cut off.  With --s3, every
 * completed file is uploaded, and its local copy removed once the server
 * confirmed it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "mp.h"

#define BLOCK	(1 << 20)	/* input bytes per frame, at most */

static const char usage[] =
    "usage: mp-archive -d dir [--partition=hour|day] [--by=path] "
    "[-l level]\n"
    "                  [--max-size=size] [--max-age=duration] "
    "[--max-open=n]\n"
    "                  [--flush=duration] [--host=name] "
    "[--s3=s3://bucket/prefix]\n"
    "                  [--s3-endpoint=url] [--s3-region=name]\n"
    "                  [--s3-addressing=path|virtual] "
    "[--s3-credentials=file]\n"
    "                  [--s3-part-size=size] [--s3-retries=n] "
    "[--prune=duration]\n"
    "                  [--maintain] [-K file] [--stats[=file]] "
    "[--metrics=file]\n"
    "                  [--log-format=text|json] [--progress | --no-progress]"
    " [file ...]\n";

/* An archive file being written. */
struct out {
	int64_t	 part;		/* its partition: hours or days since 1970 */
	int	 fd;
	char	*name;		/* STAMP-HOST-PID-SEQ.ndjson.zst */
	char	*tmp;		/* DIR/.tmp/LABEL.NAME */
	long long bytes;	/* compressed, written */
	long long lines;
	double	 opened, used;	/* mp_now() */
	struct mp_buf pend;	/* lines for its next frame (--by) */
};

static const char *dir;
static char *tmpdir;		/* DIR/.tmp */
static int byday;		/* --partition=day */
static struct mp_path by;	/* --by */
static int level = 3;
static long long maxsize = 64LL << 20;
static double maxage = 600;
static double flush = 0.2;	/* --flush: a line waits at most this long */
static int maxopen = 16;
static char host[64];
static int seq;

static struct mp_s3 s3;
static char *bucket, *prefix;	/* --s3 */
static int uploads;		/* --s3 given */
static int upstatus;		/* the first failed upload's exit status */
static int instatus;		/* an input that failed, or its writer */

static struct mp_run *run;
static ZSTD_CCtx *cctx;
static struct mp_buf zb;	/* a compressed frame */
static struct out **outs;
static int nouts;
static long long pending;	/* bytes in the pend buffers */
static int showprog;
static long long nin, nbytes, narch, nfiles;
static long long nout, noutbytes;	/* passed on */

/* Hours or days since 1970 of a time in microseconds, rounded down. */
static int64_t
part_of(int64_t us)
{
	int64_t span = (byday ? 86400LL : 3600LL) * 1000000;

	return us >= 0 ? us / span : -((-us + span - 1) / span);
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * The partition's folder under DIR (2026/11/20/14, or 2026/11/20 by day)
 * and its label in temporary names (2026-11-20T14, or 2026-11-20).
 */
static void
part_names(int64_t part, char *rel, size_t nrel, char *label, size_t nlabel)
{
	time_t t = (time_t)part * (byday ? 86400 : 3600);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (byday) {
		snprintf(rel, nrel, "%04d/%02d/%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday);
		snprintf(label, nlabel, "%04d-%02d-%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday);
	} else {
		snprintf(rel, nrel, "%04d/%02d/%02d/%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour);
		snprintf(label, nlabel, "%04d-%02d-%02dT%02d",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour);
	}
}

/*
 * The partition a temporary file's label names, into rel; -1 when the
 * label is not one of ours.  Both forms are read whatever --partition
 * says, so a run recovers what a run with the other setting left.
 */
static int
label_rel(const char *label, size_t n, char *rel, size_t nrel)
{
	int y, m, d, h = -1, len = 0;

	if (n == 10 && sscanf(label, "%4d-%2d-%2d%n", &y, &m, &d, &len) == 3 &&
	    len == 10)
		snprintf(rel, nrel, "%04d/%02d/%02d", y, m, d);
	else if (n == 13 && sscanf(label, "%4d-%2d-%2dT%2d%n", &y, &m, &d, &h,
	    &len) == 4 && len == 13 && h >= 0 && h < 24)
		snprintf(rel, nrel, "%04d/%02d/%02d/%02d", y, m, d, h);
	else
		return -1;
	return m >= 1 && m <= 12 && d >= 1 && d <= 31 ? 0 : -1;
}

/* Syncs a folder, so that a rename or a new entry in it is durable. */
static void
syncdir(const char *path)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_DIRECTORY)) == -1 ||
	    fsync(fd) == -1)
		mp_err(MP_EX_IOERR, "%s", path);
	close(fd);
}

/* Creates DIR/rel and the folders above it, each synced into its parent. */
static void
mkdirs(const char *rel)
{
	struct mp_buf p = { 0 };
	const char *s;
	size_t cut;

	mp_buf_printf(&p, "%s/%s", dir, rel);
	for (s = rel; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		cut = strlen(dir) + 1 + (size_t)(s - rel);
		p.p[cut] = '\0';
		if (mkdir(p.p, 0755) == 0) {
			char *up = strrchr(p.p, '/');

			*up = '\0';
			syncdir(p.p);
			*up = '/';
		} else if (errno != EEXIST)
			mp_err(MP_EX_CANTCREAT, "%s", p.p);
		if (*s == '\0')
			break;
		p.p[cut] = '/';
	}
	mp_buf_free(&p);
}

/*
 * Renames a complete file into DIR/rel/name, never over another file: a
 * name that is taken (a PID reused after a reboot) gets a new sequence
 * number.  The folders are synced.  Returns the name used, allocated.
 */
static char *
place(const char *from, const char *rel, const char *name)
{
	struct mp_buf to = { 0 }, d = { 0 };
	char *nm = xstrdup(name), stamp[32];
	time_t t = time(NULL);
	struct tm tm;
	int r, tries = 0;

	mkdirs(rel);
	mp_buf_printf(&d, "%s/%s", dir, rel);
	for (;;) {
		to.len = 0;
		mp_buf_printf(&to, "%s/%s", d.p, nm);
		r = renameat2(AT_FDCWD, from, AT_FDCWD, to.p, RENAME_NOREPLACE);
		if (r == -1 && errno == EINVAL) {
			/* no RENAME_NOREPLACE here: link fails as well */
			if ((r = link(from, to.p)) == 0)
				unlink(from);
		}
		if (r == 0)
			break;
		if (errno == ENOENT && tries++ < 3) {
			mkdirs(rel);	/* pruned meanwhile */
			continue;
		}
		if (errno != EEXIST)
			mp_err(MP_EX_IOERR, "renaming %s to %s", from, to.p);
		gmtime_r(&t, &tm);
		strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
		free(nm);
		to.len = 0;
		mp_buf_printf(&to, "%s-%s-%ld-%06d.ndjson.zst", stamp, host,
		    (long)getpid(), ++seq);
		nm = xstrdup(mp_buf_str(&to));
	}
	syncdir(d.p);
	syncdir(tmpdir);
	mp_buf_free(&to);
	mp_buf_free(&d);
	return nm;
}

/*
 * Uploads DIR/rel/name (open as fd, locked) and removes it once the
 * server confirmed it.  A failure is reported and kept for the exit
 * status; the file stays for the next run.
 */
static void
upload(int fd, const char *rel, const char *name)
{
	struct mp_buf path = { 0 }, key = { 0 }, d = { 0 };
	struct stat st;
	int r;

	mp_buf_printf(&d, "%s/%s", dir, rel);
	mp_buf_printf(&path, "%s/%s", d.p, name);
	mp_buf_printf(&key, "%s%s/%s", prefix, rel, name);
	if (fstat(fd, &st) == -1)
		mp_err(MP_EX_IOERR, "%s", path.p);
	if ((r = mp_s3_put_file(&s3, path.p, bucket, key.p)) != 0) {
		mp_warnx("%s: not uploaded, kept for the next run: %s", path.p,
		    s3.err);
		mp_count(run, "upload_failed", 1);
		if (upstatus == 0)
			upstatus = r;
	} else {
		if (unlink(path.p) == -1)
			mp_err(MP_EX_IOERR, "%s", path.p);
		syncdir(d.p);
		mp_count(run, "uploaded", 1);
		mp_count(run, "upload_bytes", st.st_size);
	}
	mp_buf_free(&path);
	mp_buf_free(&key);
	mp_buf_free(&d);
}

static int gone;		/* the reader of stdout went away */

static void
writeall(int fd, const char *p, size_t n, const char *what)
{
	ssize_t w;

	while (n > 0 && !(fd == 1 && gone)) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			if (fd == 1 && errno == EPIPE) {
				/* as head(1) closes it: archive, then stop */
				gone = 1;
				return;
			}
			mp_err(MP_EX_IOERR, "writing %s", what);
		}
		p += w;
		n -= (size_t)w;
	}
}

static struct out *
out_open(int64_t part)
{
	struct out *o = xcalloc(1, sizeof *o);
	struct mp_buf b = { 0 };
	char rel[32], label[32], stamp[32];
	time_t t = time(NULL);
	struct tm tm;

	part_names(part, rel, sizeof rel, label, sizeof label);
	gmtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
	for (;;) {
		b.len = 0;
		mp_buf_printf(&b, "%s-%s-%ld-%06d.ndjson.zst", stamp, host,
		    (long)getpid(), ++seq);
		free(o->name);
		free(o->tmp);
		o->name = xstrdup(mp_buf_str(&b));
		b.len = 0;
		mp_buf_printf(&b, "%s/%s.%s", tmpdir, label, o->name);
		o->tmp = xstrdup(mp_buf_str(&b));
		if ((o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0644)) != -1)
			break;
		if (errno != EEXIST)
			mp_err(MP_EX_CANTCREAT, "%s", o->tmp);
	}
	/* held until the file is in place: recovery leaves it alone */
	if (flock(o->fd, LOCK_EX) == -1)
		mp_err(MP_EX_IOERR, "locking %s", o->tmp);
	mp_buf_free(&b);
	o->part = part;
	o->opened = o->used = mp_now();
	outs = xrealloc(outs, (nouts + 1) * sizeof *outs);
	outs[nouts++] = o;
	return o;
}

/* Writes p[0..n) to the file as one zstd frame, with its checksum. */
static void
frame(struct out *o, const char *p, size_t n, long long lines)
{
	size_t z;

	mp_buf_grow(&zb, ZSTD_compressBound(n));
	z = ZSTD_compress2(cctx, zb.p, zb.cap, p, n);
	if (ZSTD_isError(z))
		mp_errx(MP_EX_SOFTWARE, "zstd: %s", ZSTD_getErrorName(z));
	writeall(o->fd, zb.p, z, o->tmp);
	o->bytes += (long long)z;
	o->lines += lines;
	narch += (long long)z;
	mp_count(run, "frames", 1);
}

/* Completes the file: synced, renamed into place, uploaded. */
static void
out_close(struct out *o)
{
	char rel[32], label[32], *name;
	int i;

	for (i = 0; i < nouts && outs[i] != o; i++)
		;
	outs[i] = outs[--nouts];
	if (o->bytes == 0) {
		unlink(o->tmp);
		close(o->fd);
	} else {
		if (fsync(o->fd) == -1)
			mp_err(MP_EX_IOERR, "%s", o->tmp);
		part_names(o->part, rel, sizeof rel, label, sizeof label);
		/* renamed while locked, so recovery never takes it */
		name = place(o->tmp, rel, o->name);
		nfiles++;
		mp_count(run, "files", 1);
		if (uploads)
			upload(o->fd, rel, name);
		close(o->fd);
		free(name);
	}
	mp_buf_free(&o->pend);
	free(o->name);
	free(o->tmp);
	free(o);
}

static struct out *
out_find(int64_t part)
{
	static struct out *last;
	int i;

	if (last && last->part == part && nouts > 0)
		for (i = 0; i < nouts; i++)
			if (outs[i] == last)
				return last;
	for (i = 0; i < nouts; i++)
		if (outs[i]->part == part)
			return last = outs[i];
	return last = NULL;
}

/*
 * The reading buffer: in[0..fwd) are whole lines read and not yet
 * passed on; in[fwd..len) the start of the next.  Without --by, the
 * lines of in[0..fwd) are all for cur.
 */
static int infd;		/* the input being read */
static char *in;
static size_t cap, len, fwd;
static long long fwdlines;
static double tfirst;		/* when in[0..fwd) got its first line */
static struct out *cur;

static void
progress(void)
{
	static double next;
	double now = mp_now();

	if (!showprog || now < next)
		return;
	next = now + 0.25;
	mp_progress_show("%lld lines, %.1f MiB in, %.1f MiB archived, "
	    "%lld files", nin, nbytes / 1048576.0, narch / 1048576.0,
	    nfiles);
}

/* Closes files that are full or old enough. */
static void
rotate(int all)
{
	double now = mp_now();
	int i;

	for (i = nouts - 1; i >= 0; i--) {
		struct out *o = outs[i];

		if (all || o->bytes >= maxsize ||
		    (o->bytes > 0 && now - o->opened >= maxage)) {
			if (o == cur)
				cur = NULL;
			out_close(o);
		}
	}
}

/*
 * Archives the lines read so far, then passes them on.  eofnl: the last
 * line has no newline (end of input); the archive gets one.
 */
static void
commit(int eofnl)
{
	int i;

	if (fwd == 0)
		return;
	if (by.text == NULL) {
		if (eofnl)
			in[fwd] = '\n';
		frame(cur, in, fwd + (eofnl ? 1 : 0), fwdlines);
	} else {
		for (i = 0; i < nouts; i++) {
			struct out *o = outs[i];

			if (o->pend.len > 0) {
				frame(o, o->pend.p, o->pend.len, 0);
				o->pend.len = 0;
			}
		}
		pending = 0;
	}
	writeall(1, in, fwd, "stdout");
	nout += fwdlines;
	noutbytes += (long long)fwd;
	memmove(in, in + fwd, len - fwd);
	len -= fwd;
	fwd = 0;
	fwdlines = 0;
	rotate(0);
	progress();
}

/* The partition a line goes to with --by: its time, else arrival. */
static int64_t
line_part(const char *p, size_t n, int64_t arrival)
{
	static struct mp_buf dec;
	struct mp_span v;
	int64_t us;

	if (mp_json_get(p, n, &by, &v) && mp_json_type(&v) ==
	    MP_JSON_STRING) {
		if (memchr(v.p, '\\', v.n) == NULL) {
			if (mp_time_parse(v.p + 1, v.n - 2, &us) == 0)
				return part_of(us);
		} else {
			dec.len = 0;
			mp_json_str_decode(&v, &dec);
			if (mp_time_parse(dec.p, dec.len, &us) == 0)
				return part_of(us);
		}
	}
	mp_count(run, "by_fallback", 1);
	return arrival;
}

/* The file for a partition: open, or a new one (closing the oldest). */
static struct out *
target(int64_t part)
{
	struct out *o;
	int i, old;

	if ((o = out_find(part)) != NULL)
		return o;
	if (nouts >= maxopen) {
		for (old = 0, i = 1; i < nouts; i++)
			if (outs[i]->used < outs[old]->used)
				old = i;
		o = outs[old];
		if (o == cur)
			cur = NULL;
		/* archived now, passed on with the others at the next commit */
		if (o->pend.len > 0) {
			frame(o, o->pend.p, o->pend.len, 0);
			pending -= (long long)o->pend.len;
		}
		out_close(o);
	}
	return out_open(part);
}

/*
 * A line longer than the buffer: archived as one frame of its own,
 * streamed, and passed on as it is archived (downstream may then see
 * the start of a line that a kill keeps out of the archive).
 */
static int
huge(int64_t arrival)
{
	ZSTD_inBuffer zi;
	ZSTD_outBuffer zo;
	struct out *o;
	char *nl;
	size_t r, take;
	ssize_t n;
	int end;

	o = target(arrival);
	o->used = mp_now();
	mp_count(run, "long_lines", 1);
	ZSTD_CCtx_reset(cctx, ZSTD_reset_session_only);
	mp_buf_grow(&zb, ZSTD_CStreamOutSize());
	for (;;) {
		nl = memchr(in, '\n', len);
		take = nl ? (size_t)(nl - in) + 1 : len;
		end = nl != NULL || len == 0;
		if (len == 0) {
			in[0] = '\n';	/* end of input: close the line */
			take = 1;
		}
		zi.src = in;
		zi.size = take;
		zi.pos = 0;
		do {
			zo.dst = zb.p;
			zo.size = zb.cap;
			zo.pos = 0;
			r = ZSTD_compressStream2(cctx, &zo, &zi,
			    end ? ZSTD_e_end : ZSTD_e_flush);
			if (ZSTD_isError(r))
				mp_errx(MP_EX_SOFTWARE, "zstd: %s",
				    ZSTD_getErrorName(r));
			writeall(o->fd, zb.p, zo.pos, o->tmp);
			o->bytes += (long long)zo.pos;
			narch += (long long)zo.pos;
		} while (r != 0 || zi.pos < zi.size);
		if (len == 0)
			break;
		writeall(1, in, take, "stdout");
		nbytes += (long long)take;
		noutbytes += (long long)take;
		memmove(in, in + take, len - take);
		len -= take;
		if (end)
			break;
		while ((n = read(infd, in + len, cap - len)) == -1 &&
		    errno == EINTR && !mp_interrupted())
			;
		if (n < 0)
			mp_err(MP_EX_IOERR, "reading stdin");
		if (n == 0)	/* end of input within the line */
			len = 0;
		len += (size_t)n;
	}
	mp_count(run, "frames", 1);
	o->lines++;
	nin++;
	nout++;
	return len == 0;
}

/* Routes the whole lines of in[scan..len) to their files. */
static void
route(size_t *scan, int64_t arrival, double tread)
{
	size_t used;
	char *nl;

	while ((nl = memchr(in + *scan, '\n', len - *scan)) != NULL) {
		used = (size_t)(nl - in) + 1;
		if (by.text == NULL) {
			if (cur == NULL)
				cur = target(arrival);
			cur->used = tread;
		} else {
			struct out *o = target(line_part(in + fwd, used - fwd,
			    arrival));

			o->used = tread;
			mp_buf_add(&o->pend, in + fwd, used - fwd);
			o->lines++;
			pending += (long long)(used - fwd);
		}
		if (fwdlines++ == 0)
			tfirst = tread;
		nin++;
		nbytes += (long long)(used - fwd);
		fwd = *scan = used;
		if ((by.text ? (size_t)pending : fwd) >= BLOCK) {
			commit(0);
			*scan = 0;
		}
	}
	*scan = len;
}

/*
 * How long to wait for input, in milliseconds: until the lines held are
 * due (--flush, counted from the first of them), or, with none held,
 * until a file is due (--max-age); bounded, so that a signal between
 * checks is seen soon.
 */
static int
timeout(double now)
{
	double t = showprog ? 0.25 : 1, d;
	int i;

	if (fwd > 0 && (d = tfirst + flush - now) < t)
		t = d;
	for (i = 0; fwd == 0 && i < nouts; i++)
		if (outs[i]->bytes > 0 &&
		    (d = outs[i]->opened + maxage - now) < t)
			t = d;
	return t > 0 ? (int)(t * 1000) + 1 : 0;
}

static void
pass(void)
{
	struct pollfd pfd = { .fd = infd, .events = POLLIN };
	size_t scan = 0;
	int64_t arrival;
	double tread, now;
	ssize_t n;
	int eof = 0, r;

	len = fwd = 0;
	while (!eof && !gone && !mp_interrupted()) {
		if (len == cap) {
			if (fwd > 0) {
				commit(0);
				scan = len;
				continue;
			}
			/* one line fills the buffer */
			eof = huge(part_of(now_us()));
			scan = 0;
			route(&scan, part_of(now_us()), mp_now());
			continue;
		}
		/*
		 * Due lines go on however the input trickles: a wait that
		 * restarted at every read would hold them without bound.
		 */
		now = mp_now();
		if (fwd > 0 && now - tfirst >= flush) {
			commit(0);
			scan = len;	/* what is left has no newline */
			continue;
		}
		if (fwd == 0)
			rotate(0);
		if ((r = poll(&pfd, 1, timeout(now))) == -1 && errno == EINTR)
			continue;
		if (r == 0) {
			commit(0);
			scan = len;
			rotate(0);
			progress();
			continue;
		}
		if ((n = read(infd, in + len, cap - len)) == -1) {
			if (errno == EINTR)
				continue;
			mp_err(MP_EX_IOERR, "reading stdin");
		}
		if (n == 0) {
			if ((r = mp_run_upstream(infd ? "input" : "-",
			    infd)) != 0 && instatus == 0)
				instatus = r;
			break;
		}
		len += (size_t)n;
		tread = mp_now();
		arrival = part_of(now_us());
		if (by.text == NULL && cur && cur->part != arrival) {
			/* a new hour: what came before is the old one's */
			commit(0);
			scan = len;
			if (cur->bytes > 0) {
				struct out *o = cur;

				cur = NULL;
				out_close(o);
			}
		}
		route(&scan, arrival, tread);
	}
	if (len > fwd && !gone && !mp_interrupted()) {
		/* the last line, without a newline */
		arrival = part_of(now_us());
		if (by.text == NULL) {
			if (cur == NULL)
				cur = target(arrival);
		} else {
			struct out *o = target(line_part(in + fwd, len - fwd,
			    arrival));

			mp_buf_add(&o->pend, in + fwd, len - fwd);
			mp_buf_addc(&o->pend, '\n');
			o->lines++;
		}
		fwdlines++;
		nin++;
		nbytes += (long long)(len - fwd);
		fwd = len;
		commit(by.text == NULL);
	} else
		commit(0);
}

/*
 * Recovers a temporary file a killed run left: the longest run of
 * complete frames whose checksums match is kept (truncated to it,
 * synced, renamed into its partition); a file without one is removed.
 * Files still locked by a live writer are left alone.
 */
static void
recover_one(const char *ent)
{
	static ZSTD_DCtx *dctx;
	struct mp_buf path = { 0 };
	char rel[32], buf[1 << 16], *sink;
	const char *dot;
	ZSTD_inBuffer zi;
	ZSTD_outBuffer zo;
	off_t off = 0, good = 0;
	long long lines = 0, goodlines = 0;
	struct stat st;
	size_t r = 0;
	ssize_t n;
	int fd, bad = 0;

	if ((dot = strchr(ent, '.')) == NULL ||
	    label_rel(ent, (size_t)(dot - ent), rel, sizeof rel) < 0) {
		mp_warnx("%s/%s: not an mp-archive temporary file, left alone",
		    tmpdir, ent);
		return;
	}
	mp_buf_printf(&path, "%s/%s", tmpdir, ent);
	if ((fd = open(path.p, O_RDWR | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			mp_err(MP_EX_IOERR, "%s", path.p);
		goto done;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1 || fstat(fd, &st) == -1 ||
	    st.st_nlink == 0) {
		close(fd);	/* being written, or just placed */
		goto done;
	}
	if (dctx == NULL && (dctx = ZSTD_createDCtx()) == NULL)
		mp_errx(MP_EX_SOFTWARE, "out of memory");
	ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
	sink = xmalloc(ZSTD_DStreamOutSize());
	while (!bad && (n = read(fd, buf, sizeof buf)) > 0) {
		zi.src = buf;
		zi.size = (size_t)n;
		zi.pos = 0;
		while (zi.pos < zi.size) {
			zo.dst = sink;
			zo.size = ZSTD_DStreamOutSize();
			zo.pos = 0;
			r = ZSTD_decompressStream(dctx, &zo, &zi);
			if (ZSTD_isError(r)) {
				bad = 1;
				break;
			}
			for (char *p = sink; (p = memchr(p, '\n',
			    zo.pos - (size_t)(p - sink))) != NULL; p++)
				lines++;
			if (r == 0) {
				/* a frame ended, its checksum matched */
				good = off + (off_t)zi.pos;
				goodlines = lines;
			}
		}
		off += n;
	}
	free(sink);
	if (good == 0) {
		if (unlink(path.p) == -1)
			mp_err(MP_EX_IOERR, "%s", path.p);
		mp_count(run, "removed_temp", 1);
		close(fd);
		goto done;
	}
	if ((good < st.st_size && ftruncate(fd, good) == -1) ||
	    fsync(fd) == -1)
		mp_err(MP_EX_IOERR, "%s", path.p);
	if (good < st.st_size)
		mp_warnx("%s: cut a torn tail of %lld bytes", path.p,
		    (long long)(st.st_size - good));
	{
		char *name = place(path.p, rel, dot + 1);

		mp_count(run, "recovered", 1);
		mp_count(run, "recovered_lines", goodlines);
		if (uploads)
			upload(fd, rel, name);
		free(name);
	}
	close(fd);
done:
	mp_buf_free(&path);
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of a folder, sorted; NULL when it cannot be read. */
static char **
entries(const char *path, int *n)
{
	struct dirent *d;
	char **v;
	DIR *dp;

	*n = 0;
	if ((dp = opendir(path)) == NULL)
		return NULL;
	v = xmalloc(sizeof *v);
	while ((d = readdir(dp)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		v = xrealloc(v, (*n + 1) * sizeof *v);
		v[(*n)++] = xstrdup(d->d_name);
	}
	closedir(dp);
	if (*n > 0)
		qsort(v, *n, sizeof *v, cmpstr);
	return v;
}

static void
freeents(char **v, int n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

static void
recover(void)
{
	char **v;
	int i, n;

	if ((v = entries(tmpdir, &n)) == NULL)
		mp_err(MP_EX_IOERR, "%s", tmpdir);
	for (i = 0; i < n; i++)
		if (v[i][0] != '.')
			recover_one(v[i]);
	freeents(v, n);
}

static int64_t rel_end(const char *);

/*
 * Walks the partitions (YYYY/MM/DD[/HH]) under DIR, calling fn for each
 * archive file with its folder relative to DIR and its name.  With old
 * (seconds, --prune), a partition folder left empty that ended before
 * old is removed.  Returns how many entries the folder keeps.
 */
typedef void walk_fn(const char *, const char *, int64_t);
static int
walk(const char *rel, int depth, walk_fn *fn, int64_t old)
{
	struct mp_buf sub = { 0 }, full = { 0 };
	struct stat st;
	char **v;
	int i, n, left = 0;
	int64_t end;

	mp_buf_printf(&full, "%s%s%s", dir, *rel ? "/" : "", rel);
	if ((v = entries(full.p, &n)) == NULL) {
		mp_buf_free(&full);
		return 1;
	}
	for (i = 0; i < n; i++) {
		sub.len = 0;
		mp_buf_printf(&sub, "%s%s%s", rel, *rel ? "/" : "", v[i]);
		full.len = 0;
		mp_buf_printf(&full, "%s/%s", dir, sub.p);
		left++;
		if (depth < 4 && v[i][0] != '.' &&
		    strspn(v[i], "0123456789") == strlen(v[i]) &&
		    stat(full.p, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (walk(sub.p, depth + 1, fn, old) == 0 && old > 0 &&
			    (end = rel_end(sub.p)) >= 0 && end <= old &&
			    rmdir(full.p) == 0)
				left--;
		} else if (depth >= 3 && v[i][0] != '.' &&
		    strlen(v[i]) > 11 &&
		    strcmp(v[i] + strlen(v[i]) - 11, ".ndjson.zst") == 0) {
			fn(rel, v[i], old);
			if (access(full.p, F_OK) == -1)
				left--;
		}
	}
	freeents(v, n);
	mp_buf_free(&sub);
	mp_buf_free(&full);
	return left;
}

/* Uploads a file a killed run completed but did not upload. */
static void
upload_left(const char *rel, const char *name, int64_t old)
{
	struct mp_buf p = { 0 };
	struct stat st;
	int fd;

	(void)old;
	mp_buf_printf(&p, "%s/%s/%s", dir, rel, name);
	if ((fd = open(p.p, O_RDONLY | O_CLOEXEC)) == -1) {
		mp_buf_free(&p);
		return;
	}
	/* another run may be uploading it right now */
	if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &st) == 0 &&
	    st.st_nlink > 0) {
		mp_count(run, "upload_left", 1);
		upload(fd, rel, name);
	}
	close(fd);
	mp_buf_free(&p);
}

/* The end of a partition folder's time span, in seconds; -1 if not one. */
static int64_t
rel_end(const char *rel)
{
	struct tm tm = { 0 };
	int y, m, d, h = -1, n;

	n = sscanf(rel, "%4d/%2d/%2d/%2d", &y, &m, &d, &h);
	if (n < 3)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = n == 4 ? h : 0;
	return (int64_t)timegm(&tm) + (n == 4 ? 3600 : 86400);
}

/* --prune: removes a file whose partition ended before old (seconds). */
static void
prune_one(const char *rel, const char *name, int64_t old)
{
	struct mp_buf p = { 0 };
	int64_t end = rel_end(rel);
	int fd;

	if (end < 0 || end > old)
		return;
	mp_buf_printf(&p, "%s/%s/%s", dir, rel, name);
	/* with --s3 a file still here is not uploaded yet: it stays */
	if (!uploads && (fd = open(p.p, O_RDONLY | O_CLOEXEC)) != -1) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0 && unlink(p.p) == 0)
			mp_count(run, "pruned", 1);
		close(fd);
	}
	mp_buf_free(&p);
}

int
main(int argc, char *argv[])
{
	enum {
		OPT_PARTITION = MP_OPT_TOOL, OPT_BY, OPT_MAXSIZE, OPT_MAXAGE,
		OPT_MAXOPEN, OPT_HOST, OPT_S3, OPT_PRUNE, OPT_MAINTAIN,
		OPT_FLUSH, OPT_S3BASE
	};
	static const struct option opts[] = {
		MP_COMMON_OPTIONS,
		{ "dir",		required_argument, NULL, 'd' },
		{ "partition",		required_argument, NULL, OPT_PARTITION },
		{ "by",			required_argument, NULL, OPT_BY },
		{ "level",		required_argument, NULL, 'l' },
		{ "max-size",		required_argument, NULL, OPT_MAXSIZE },
		{ "max-age",		required_argument, NULL, OPT_MAXAGE },
		{ "max-open",		required_argument, NULL, OPT_MAXOPEN },
		{ "flush",		required_argument, NULL, OPT_FLUSH },
		{ "host",		required_argument, NULL, OPT_HOST },
		{ "s3",			required_argument, NULL, OPT_S3 },
		MP_S3_OPTIONS(OPT_S3BASE),
		{ "prune",		required_argument, NULL, OPT_PRUNE },
		{ "maintain",		no_argument,	   NULL, OPT_MAINTAIN },
		{ NULL, 0, NULL, 0 }
	};
	struct mp_cfg cfg = { 0 };
	const char *errstr, *s3url = NULL;
	int64_t us, prune = 0;
	int c, i, st, maintain = 0;
	char *p;

	mp_opt_init(&argc, &argv);
	while ((c = getopt_long(argc, argv, MP_COMMON_SHORT "d:l:", opts,
	    NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case OPT_PARTITION:
			if (strcmp(optarg, "hour") == 0)
				byday = 0;
			else if (strcmp(optarg, "day") == 0)
				byday = 1;
			else {
				mp_warnx("--partition: '%s': hour or day",
				    optarg);
				mp_usage(usage);
			}
			break;
		case OPT_BY:
			mp_opt_path(&by, "--by", optarg, usage);
			break;
		case 'l':
			level = (int)mp_opt_number("--level", optarg, -7,
			    ZSTD_maxCLevel(), usage);
			break;
		case OPT_MAXSIZE:
			if (mp_parse_size(optarg, 1024, 1LL << 40, &maxsize,
			    &errstr) < 0) {
				mp_warnx("--max-size: '%s': %s", optarg,
				    errstr);
				mp_usage(usage);
			}
			break;
		case OPT_MAXAGE:
		case OPT_PRUNE:
		case OPT_FLUSH:
			/* us > 0: a duration of 0 is "too small" */
			if (mp_duration_parse(optarg, &us, &errstr) < 0) {
				mp_warnx("--%s: '%s': %s", c == OPT_PRUNE ?
				    "prune" : c == OPT_FLUSH ? "flush" :
				    "max-age", optarg, errstr);
				mp_usage(usage);
			}
			if (c == OPT_PRUNE)
				prune = us / 1000000;
			else if (c == OPT_FLUSH)
				flush = us / 1e6;
			else
				maxage = us / 1e6;
			break;
		case OPT_MAXOPEN:
			maxopen = (int)mp_opt_number("--max-open", optarg, 1,
			    1000, usage);
			break;
		case OPT_HOST:
			if (!*optarg || strlen(optarg) >= sizeof host ||
			    strspn(optarg, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
			    strlen(optarg)) {
				mp_warnx("--host: '%s': letters, digits, _ "
				    "and - only, 1 to %zu", optarg,
				    sizeof host - 1);
				mp_usage(usage);
			}
			strcpy(host, optarg);
			break;
		case OPT_S3:
			s3url = optarg;
			break;
		case OPT_MAINTAIN:
			maintain = 1;
			break;
		default:
			if (!mp_s3_opt(&s3, c, OPT_S3BASE, optarg, usage))
				mp_opt_common(&cfg, c, optarg, usage);
		}
	}
	argc -= optind;
	argv += optind;
	if (dir == NULL) {
		mp_warnx("-d/--dir is required");
		mp_usage(usage);
	}
	if (s3url) {
		if (mp_s3_parse(s3url, &bucket, &prefix) < 0 || !*bucket) {
			mp_warnx("--s3: '%s': not s3://bucket[/prefix]", s3url);
			mp_usage(usage);
		}
		if (*prefix && prefix[strlen(prefix) - 1] != '/') {
			p = xmalloc(strlen(prefix) + 2);
			sprintf(p, "%s/", prefix);
			free(prefix);
			prefix = p;
		}
		if ((st = mp_s3_setup(&s3)) != 0)
			return st;
		uploads = 1;
	}
	if (!*host) {
		if (gethostname(host, sizeof host - 1) == -1)
			strcpy(host, "localhost");
		host[strcspn(host, ".")] = '\0';
		for (p = host; *p; p++)
			if (!strchr("abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", *p))
				*p = '_';
	}
	showprog = cfg.progress == 1 || (cfg.progress == 0 && isatty(2) &&
	    mp_log_get_format() == MP_LOG_TEXT);

	run = mp_run_new(&cfg);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		mp_err(MP_EX_CANTCREAT, "%s", dir);
	tmpdir = xmalloc(strlen(dir) + 6);
	sprintf(tmpdir, "%s/.tmp", dir);
	if (mkdir(tmpdir, 0755) == 0)
		syncdir(dir);
	else if (errno != EEXIST)
		mp_err(MP_EX_CANTCREAT, "%s", tmpdir);
	if ((cctx = ZSTD_createCCtx()) == NULL)
		mp_errx(MP_EX_SOFTWARE, "out of memory");
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);

	recover();
	if (uploads)
		walk("", 0, upload_left, 0);
	if (prune > 0)
		walk("", 0, prune_one, (int64_t)time(NULL) - prune);
	if (!maintain) {
		cap = 2 * (size_t)BLOCK;
		in = xmalloc(cap + 1);	/* + the newline of a last line */
		if (argc == 0)
			pass();
		for (i = 0; i < argc && !gone && !mp_interrupted(); i++) {
			infd = 0;
			if (strcmp(argv[i], "-") != 0 && (infd = open(argv[i],
			    O_RDONLY | O_CLOEXEC)) == -1) {
				mp_warnx("%s: %s", argv[i], strerror(errno));
				instatus = MP_EX_NOINPUT;
				break;
			}
			pass();
			if (infd != 0)
				close(infd);
		}
		free(in);
	}
	rotate(1);
	if (showprog)
		mp_progress_clear();
	mp_run_input(run, nin, nbytes);
	mp_run_output(run, nout, noutbytes);
	mp_count(run, "bytes_archived", narch);
	st = mp_run_end(run, instatus ? instatus : upstatus);
	ZSTD_freeCCtx(cctx);
	return st;
}
