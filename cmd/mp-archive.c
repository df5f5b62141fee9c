/*
 * mp-archive: a tee that keeps every raw line.  Input goes to stdout
 * unchanged and, before it does, into durable zstd files under DIR
 * (zfile.h), partitioned by arrival time (or by the time a field of the
 * line gives).  Lines reach stdout only after the frame that holds them
 * was written, so what went downstream is always in the archive.  A
 * temporary file left by a killed run is recovered by the next one.
 * With --s3, every completed file is uploaded, and its local copy
 * removed once the server confirmed it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

static struct mp_zfiles zs;
static struct mp_path by;	/* --by */
static double flush = 0.2;	/* --flush: a line waits at most this long */

static struct mp_s3 s3;
static char *bucket, *prefix;	/* --s3 */
static int upstatus;		/* the first failed upload's exit status */
static int instatus;		/* an input that failed, or its writer */

static struct mp_run *run;
static int showprog;
static long long nin, nbytes;
static long long nout, noutbytes;	/* passed on */

/*
 * The reading buffer: in[0..fwd) are whole lines read and not yet
 * passed on, each also in its file's pend buffer; in[fwd..len) the
 * start of the next.
 */
static int infd;		/* the input being read */
static char *in;
static size_t cap, len, fwd;
static long long fwdlines;
static double tfirst;		/* when in[0..fwd) got its first line */
/* Without --by, in[0..segbytes) is archived in place, to seg: no copy. */
static struct mp_zfile *seg;
static size_t segbytes;
static long long seglines;
static int64_t lastpart;	/* the arrival partition of the last read */
static int gone;		/* the reader of stdout went away */

static void
count(void *arg, const char *name, long long n)
{
	mp_count(arg, name, n);
}

/*
 * Uploads DIR/rel/name (open as fd, locked) and removes it once the
 * server confirmed it.  A failure is reported and kept for the exit
 * status; the file stays for the next run.
 */
static void
upload(void *arg, int fd, const char *rel, const char *name)
{
	struct mp_buf path = { 0 }, key = { 0 };
	struct stat st;
	int r;

	(void)arg;
	mp_buf_printf(&path, "%s/%s/%s", zs.dir, rel, name);
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
		mp_zfile_remove(&zs, rel, name);
		mp_count(run, "uploaded", 1);
		mp_count(run, "upload_bytes", st.st_size);
	}
	mp_buf_free(&path);
	mp_buf_free(&key);
}

/* Uploads a file a killed run completed but did not upload. */
static void
upload_left(void *arg, int fd, const char *rel, const char *name)
{
	mp_count(run, "upload_left", 1);
	upload(arg, fd, rel, name);
}

/* Writes to stdout; a reader that went away (as head(1) does) stops us. */
static void
out(const char *p, size_t n)
{
	ssize_t w;

	while (n > 0 && !gone) {
		if ((w = write(1, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE) {
				gone = 1;	/* archive, then stop */
				return;
			}
			mp_err(MP_EX_IOERR, "writing stdout");
		}
		p += w;
		n -= (size_t)w;
	}
}

static void
progress(void)
{
	static double next;
	double now = mp_now();

	if (!showprog || now < next)
		return;
	next = now + 0.25;
	mp_progress_show("%lld lines, %.1f MiB in, %.1f MiB archived, "
	    "%lld files", nin, nbytes / 1048576.0, zs.written / 1048576.0,
	    zs.files);
}

/* Archives the lines read so far, then passes them on. */
static void
commit(void)
{
	if (fwd == 0)
		return;
	if (segbytes > 0)
		mp_zfile_frame(&zs, seg, in, segbytes, seglines);
	seg = NULL;
	segbytes = 0;
	seglines = 0;
	mp_zfile_flush(&zs);
	out(in, fwd);
	nout += fwdlines;
	noutbytes += (long long)fwd;
	memmove(in, in + fwd, len - fwd);
	len -= fwd;
	fwd = 0;
	fwdlines = 0;
	mp_zfile_rotate(&zs, 0);
	progress();
}

/* The partition a line goes to with --by: its time, else arrival. */
static int64_t
line_part(const char *p, size_t n, int64_t arrival)
{
	struct mp_span v;
	int64_t us;

	if (mp_json_get(p, n, &by, &v) && mp_time_json(&v, &us) == 0)
		return mp_zfile_part(&zs, us);
	mp_count(run, "by_fallback", 1);
	return arrival;
}

/*
 * A line longer than the buffer: archived as one frame of its own,
 * streamed, and passed on as it is archived (downstream may then see
 * the start of a line that a kill keeps out of the archive).
 */
static int
huge(int64_t arrival)
{
	struct mp_zfile *o;
	char *nl;
	size_t take;
	ssize_t n;
	int end;

	o = mp_zfile_get(&zs, arrival);
	o->used = mp_now();
	mp_count(run, "long_lines", 1);
	for (;;) {
		nl = memchr(in, '\n', len);
		take = nl ? (size_t)(nl - in) + 1 : len;
		end = nl != NULL || len == 0;
		if (len == 0) {
			in[0] = '\n';	/* end of input: close the line */
			take = 1;
		}
		mp_zfile_stream(&zs, o, in, take, end);
		if (len == 0)
			break;
		out(in, take);
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
	nin++;
	nout++;
	return len == 0;
}

/* Routes the whole lines of in[scan..len) to their files. */
static void
route(size_t *scan, int64_t arrival, double tread)
{
	struct mp_zfile *o;
	size_t used;
	char *nl;

	while ((nl = memchr(in + *scan, '\n', len - *scan)) != NULL) {
		used = (size_t)(nl - in) + 1;
		if (by.text == NULL) {
			if (seg == NULL)
				seg = mp_zfile_get(&zs, arrival);
			o = seg;
			segbytes = used;
			seglines++;
		} else {
			o = mp_zfile_get(&zs, line_part(in + fwd, used - fwd,
			    arrival));
			mp_zfile_add(&zs, o, in + fwd, used - fwd);
		}
		o->used = tread;
		if (fwdlines++ == 0)
			tfirst = tread;
		nin++;
		nbytes += (long long)(used - fwd);
		fwd = *scan = used;
		if ((by.text ? (size_t)zs.pending : segbytes) >= BLOCK) {
			commit();
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

	if (fwd > 0 && (d = tfirst + flush - now) < t)
		t = d;
	if (fwd == 0)
		t = mp_zfile_due(&zs, now, t);
	return t > 0 ? (int)(t * 1000) + 1 : 0;
}

static void
pass(void)
{
	struct pollfd pfd = { .fd = infd, .events = POLLIN };
	struct mp_zfile *o;
	size_t scan = 0;
	int64_t arrival;
	double tread, now;
	ssize_t n;
	int eof = 0, r;

	len = fwd = 0;
	while (!eof && !gone && !mp_interrupted()) {
		if (len == cap) {
			if (fwd > 0) {
				commit();
				scan = len;
				continue;
			}
			/* one line fills the buffer */
			eof = huge(mp_zfile_part_now(&zs));
			scan = 0;
			route(&scan, mp_zfile_part_now(&zs), mp_now());
			continue;
		}
		/*
		 * Due lines go on however the input trickles: a wait that
		 * restarted at every read would hold them without bound.
		 */
		now = mp_now();
		if (fwd > 0 && now - tfirst >= flush) {
			commit();
			scan = len;	/* what is left has no newline */
			continue;
		}
		if (fwd == 0)
			mp_zfile_rotate(&zs, 0);
		if ((r = poll(&pfd, 1, timeout(now))) == -1 && errno == EINTR)
			continue;
		if (r == 0) {
			commit();
			scan = len;
			mp_zfile_rotate(&zs, 0);
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
		arrival = mp_zfile_part_now(&zs);
		if (by.text == NULL && arrival != lastpart &&
		    mp_zfile_find(&zs, lastpart)) {
			/* a new hour: what came before is the old one's */
			scan -= fwd;	/* what was read is not routed yet */
			commit();
			if ((o = mp_zfile_find(&zs, lastpart)) && o->bytes > 0)
				mp_zfile_close(&zs, o);
		}
		lastpart = arrival;
		route(&scan, arrival, tread);
	}
	if (len > fwd && !gone && !mp_interrupted()) {
		/* the last line, without a newline */
		arrival = mp_zfile_part_now(&zs);
		o = mp_zfile_get(&zs, by.text ? line_part(in + fwd, len - fwd,
		    arrival) : arrival);
		in[len] = '\n';	/* the archive gets one */
		mp_zfile_add(&zs, o, in + fwd, len - fwd + 1);
		fwdlines++;
		nin++;
		nbytes += (long long)(len - fwd);
		fwd = len;
	}
	commit();
}

static int
opt_host(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx;
	if (!mp_zfile_host_ok(arg)) {
		*errstr = "letters, digits, _ and - only, 1 to 63";
		return -1;
	}
	strcpy(zs.host, arg);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const char *const parts[] = { "hour", "day", NULL };
	const char *dir = NULL, *s3url = NULL, *byarg = NULL;
	long long level = 3, maxopen = 16;
	int64_t maxage = 600000000, flushus = 200000, prune = 0;
	int i, st, maintain = 0;
	const struct mp_opt opts[] = {
		MP_OPT_SET("dir", 'd', MP_OPT_PATH, &dir, "dir",
		    "the archive's folder (required)"),
		{ "partition", 0, MP_OPT_CHOICE, &zs.byday, "hour|day",
		  "a file per hour (default) or per day of arrival",
		  0, 0, parts, 0, NULL, NULL },
		MP_OPT_SET("by", 0, MP_OPT_STRING, &byarg, "path",
		    "partition by the time this field gives, not arrival"),
		{ "level", 'l', MP_OPT_INT, &level, "level",
		  "zstd compression level (default 3)",
		  -7, mp_zst_max_level(), NULL, 0, NULL, NULL },
		{ "max-size", 0, MP_OPT_SIZE, &zs.max_size, "size",
		  "complete a file at this compressed size (default 64M)",
		  1024, 1LL << 40, NULL, 0, NULL, NULL },
		MP_OPT_SET("max-age", 0, MP_OPT_DURATION, &maxage, "duration",
		    "complete a file this old (default 10m)"),
		{ "max-open", 0, MP_OPT_INT, &maxopen, "n",
		  "files open at once with --by (default 16)",
		  1, 1000, NULL, 0, NULL, NULL },
		MP_OPT_SET("flush", 0, MP_OPT_DURATION, &flushus, "duration",
		    "how long a line may wait to be passed on (default 0.2s)"),
		MP_OPT_FN("host", 0, "name", opt_host, NULL,
		    "the host in file names (default this machine's)"),
		MP_OPT_SET("s3", 0, MP_OPT_STRING, &s3url, "s3://bucket/prefix",
		    "upload each completed file, then remove it here"),
		MP_S3_OPT_TABLE(&s3),
		MP_OPT_SET("prune", 0, MP_OPT_DURATION, &prune, "duration",
		    "remove files whose partition ended this long ago"),
		MP_OPT_SET("maintain", 0, MP_OPT_FLAG, &maintain, NULL,
		    "recover, upload and prune, then exit: no input"),
		MP_OPT_END
	};
	struct mp_cfg cfg = { 0 };

	zs.max_size = 64LL << 20;
	i = mp_opt_parse(argc, argv, opts, &cfg, usage);
	argc -= i;
	argv += i;
	if ((zs.dir = dir) == NULL) {
		mp_warnx("-d/--dir is required");
		mp_usage(usage);
	}
	if (byarg)
		mp_opt_path(&by, "--by", byarg, usage);
	zs.level = (int)level;
	zs.max_open = (int)maxopen;
	zs.max_age = maxage / 1e6;
	flush = flushus / 1e6;
	if (s3url) {
		if (mp_s3_parse_folder(s3url, &bucket, &prefix) < 0) {
			mp_warnx("--s3: '%s': not s3://bucket[/prefix]", s3url);
			mp_usage(usage);
		}
		if ((st = mp_s3_setup(&s3)) != 0)
			return st;
		zs.placed = upload;
	}
	showprog = mp_run_progress(&cfg);

	run = mp_run_new(&cfg);
	zs.count = count;
	zs.arg = run;
	mp_zfile_init(&zs);
	mp_zfile_recover(&zs);
	if (bucket)
		mp_zfile_each(&zs, upload_left, NULL);
	if (prune > 0)	/* with --s3 a file still here is not uploaded yet */
		mp_zfile_prune(&zs, (int64_t)time(NULL) - prune / 1000000,
		    !bucket);
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
	mp_zfile_rotate(&zs, 1);
	if (showprog)
		mp_progress_clear();
	mp_run_input(run, nin, nbytes);
	mp_run_output(run, nout, noutbytes);
	mp_count(run, "bytes_archived", zs.written);
	st = mp_run_end(run, instatus ? instatus : upstatus);
	mp_zfile_free(&zs);
	mp_s3_free(&s3);
	mp_path_free(&by);
	free(bucket);
	free(prefix);
	return st;
}
