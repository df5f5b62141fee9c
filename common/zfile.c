/*
 * zfile.c: durable zstd files, written a frame at a time into a
 * temporary folder, placed into their time partition when complete, and
 * recovered after a kill.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mp.h"

#define HOSTCHARS	"abcdefghijklmnopqrstuvwxyz" \
			"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"

static void
count(struct mp_zfiles *zs, const char *name, long long n)
{
	if (zs->count)
		zs->count(zs->arg, name, n);
}

int
mp_zfile_host_ok(const char *s)
{
	return *s && strlen(s) < 64 && strspn(s, HOSTCHARS) == strlen(s);
}

int64_t
mp_zfile_part(const struct mp_zfiles *zs, int64_t us)
{
	int64_t span = (zs->byday ? 86400LL : 3600LL) * 1000000;

	return us >= 0 ? us / span : -((-us + span - 1) / span);
}

int64_t
mp_zfile_part_now(const struct mp_zfiles *zs)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return mp_zfile_part(zs, (int64_t)ts.tv_sec * 1000000 +
	    ts.tv_nsec / 1000);
}

/*
 * The partition's folder under DIR (2026/11/20/14, or 2026/11/20 by day)
 * and its label in temporary names (2026-11-20T14, or 2026-11-20).
 */
static void
part_names(const struct mp_zfiles *zs, int64_t part, char *rel, size_t nrel,
    char *label, size_t nlabel)
{
	time_t t = (time_t)part * (zs->byday ? 86400 : 3600);
	struct tm tm;

	gmtime_r(&t, &tm);
	if (zs->byday) {
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
 * label is not one of ours.  Both forms are read whatever byday says, so
 * a run recovers what a run with the other setting left.
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
mkdirs(const struct mp_zfiles *zs, const char *rel)
{
	struct mp_buf p = { 0 };
	const char *s;
	size_t cut;

	mp_buf_printf(&p, "%s/%s", zs->dir, rel);
	for (s = rel; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		cut = strlen(zs->dir) + 1 + (size_t)(s - rel);
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

/* A new file name: STAMP-HOST-PID-SEQ.ndjson.zst, STAMP the time now. */
static char *
newname(struct mp_zfiles *zs, struct mp_buf *b)
{
	char stamp[17];

	mp_time_compact(time(NULL), stamp);
	b->len = 0;
	mp_buf_printf(b, "%s-%s-%ld-%06d.ndjson.zst", stamp, zs->host,
	    (long)getpid(), ++zs->seq);
	return xstrdup(mp_buf_str(b));
}

/*
 * Renames a complete file into DIR/rel/name, never over another file: a
 * name that is taken (a PID reused after a reboot) gets a new sequence
 * number.  The folders are synced.  Returns the name used, allocated.
 */
static char *
place(struct mp_zfiles *zs, const char *from, const char *rel,
    const char *name)
{
	struct mp_buf to = { 0 }, d = { 0 };
	char *nm = xstrdup(name);
	int r, tries = 0;

	mkdirs(zs, rel);
	mp_buf_printf(&d, "%s/%s", zs->dir, rel);
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
			mkdirs(zs, rel);	/* pruned meanwhile */
			continue;
		}
		if (errno != EEXIST)
			mp_err(MP_EX_IOERR, "renaming %s to %s", from, to.p);
		free(nm);
		nm = newname(zs, &to);
	}
	syncdir(d.p);
	syncdir(zs->tmp);
	mp_buf_free(&to);
	mp_buf_free(&d);
	return nm;
}

/* Places the file at path (open as fd, locked) and hands it on. */
static void
complete(struct mp_zfiles *zs, int fd, const char *path, const char *rel,
    const char *name)
{
	char *nm;

	/* renamed while locked, so recovery never takes it */
	nm = place(zs, path, rel, name);
	if (zs->placed)
		zs->placed(zs->arg, fd, rel, nm);
	free(nm);
}

void
mp_zfile_init(struct mp_zfiles *zs)
{
	char *p;

	if (zs->level == 0)
		zs->level = 3;
	if (zs->max_size == 0)
		zs->max_size = 64LL << 20;
	if (zs->max_age == 0)
		zs->max_age = 600;
	if (zs->max_open == 0)
		zs->max_open = 16;
	if (!*zs->host) {
		if (gethostname(zs->host, sizeof zs->host - 1) == -1)
			strcpy(zs->host, "localhost");
		zs->host[strcspn(zs->host, ".")] = '\0';
		for (p = zs->host; *p; p++)
			if (!strchr(HOSTCHARS, *p))
				*p = '_';
	}
	if (mkdir(zs->dir, 0755) == -1 && errno != EEXIST)
		mp_err(MP_EX_CANTCREAT, "%s", zs->dir);
	zs->tmp = xmalloc(strlen(zs->dir) + 6);
	sprintf(zs->tmp, "%s/.tmp", zs->dir);
	if (mkdir(zs->tmp, 0755) == 0)
		syncdir(zs->dir);
	else if (errno != EEXIST)
		mp_err(MP_EX_CANTCREAT, "%s", zs->tmp);
	zs->w = mp_zst_writer_new(zs->level);
}

static struct mp_zfile *
zopen(struct mp_zfiles *zs, int64_t part)
{
	struct mp_zfile *o = xcalloc(1, sizeof *o);
	struct mp_buf b = { 0 };
	char rel[32], label[32];

	part_names(zs, part, rel, sizeof rel, label, sizeof label);
	for (;;) {
		free(o->name);
		free(o->tmp);
		o->name = newname(zs, &b);
		b.len = 0;
		mp_buf_printf(&b, "%s/%s.%s", zs->tmp, label, o->name);
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
	zs->open = xrealloc(zs->open, (zs->nopen + 1) * sizeof *zs->open);
	zs->open[zs->nopen++] = o;
	return o;
}

static void
writeall(int fd, const char *p, size_t n, const char *what)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			mp_err(MP_EX_IOERR, "writing %s", what);
		}
		p += w;
		n -= (size_t)w;
	}
}

void
mp_zfile_frame(struct mp_zfiles *zs, struct mp_zfile *o, const char *p,
    size_t n, long long lines)
{
	zs->zb.len = 0;
	mp_zst_writer_frame(zs->w, &zs->zb, p, n);
	writeall(o->fd, zs->zb.p, zs->zb.len, o->tmp);
	o->bytes += (long long)zs->zb.len;
	o->lines += lines;
	zs->written += (long long)zs->zb.len;
	count(zs, "frames", 1);
}

void
mp_zfile_add(struct mp_zfiles *zs, struct mp_zfile *o, const char *p,
    size_t n)
{
	mp_buf_add(&o->pend, p, n);
	o->lines++;
	zs->pending += (long long)n;
}

void
mp_zfile_flush(struct mp_zfiles *zs)
{
	int i;

	for (i = 0; i < zs->nopen; i++) {
		struct mp_zfile *o = zs->open[i];

		if (o->pend.len > 0) {
			mp_zfile_frame(zs, o, o->pend.p, o->pend.len, 0);
			o->pend.len = 0;
		}
	}
	zs->pending = 0;
}

void
mp_zfile_stream(struct mp_zfiles *zs, struct mp_zfile *o, const char *p,
    size_t n, int end)
{
	zs->zb.len = 0;
	mp_zst_writer_stream(zs->w, &zs->zb, p, n, end);
	writeall(o->fd, zs->zb.p, zs->zb.len, o->tmp);
	o->bytes += (long long)zs->zb.len;
	zs->written += (long long)zs->zb.len;
	if (end) {
		o->lines++;
		count(zs, "frames", 1);
	}
}

void
mp_zfile_sync(struct mp_zfile *o)
{
	if (fsync(o->fd) == -1)
		mp_err(MP_EX_IOERR, "%s", o->tmp);
}

void
mp_zfile_close(struct mp_zfiles *zs, struct mp_zfile *o)
{
	char rel[32], label[32];
	int i;

	for (i = 0; i < zs->nopen && zs->open[i] != o; i++)
		;
	zs->open[i] = zs->open[--zs->nopen];
	if (zs->last == o)
		zs->last = NULL;
	if (o->bytes == 0)
		unlink(o->tmp);
	else {
		mp_zfile_sync(o);
		part_names(zs, o->part, rel, sizeof rel, label, sizeof label);
		zs->files++;
		count(zs, "files", 1);
		complete(zs, o->fd, o->tmp, rel, o->name);
	}
	close(o->fd);
	mp_buf_free(&o->pend);
	free(o->name);
	free(o->tmp);
	free(o);
}

struct mp_zfile *
mp_zfile_find(struct mp_zfiles *zs, int64_t part)
{
	int i;

	if (zs->last && zs->last->part == part)
		return zs->last;
	for (i = 0; i < zs->nopen; i++)
		if (zs->open[i]->part == part)
			return zs->last = zs->open[i];
	return NULL;
}

struct mp_zfile *
mp_zfile_get(struct mp_zfiles *zs, int64_t part)
{
	struct mp_zfile *o;
	int i, old;

	if ((o = mp_zfile_find(zs, part)) != NULL)
		return o;
	if (zs->nopen >= zs->max_open) {
		for (old = 0, i = 1; i < zs->nopen; i++)
			if (zs->open[i]->used < zs->open[old]->used)
				old = i;
		o = zs->open[old];
		if (o->pend.len > 0) {
			mp_zfile_frame(zs, o, o->pend.p, o->pend.len, 0);
			zs->pending -= (long long)o->pend.len;
		}
		mp_zfile_close(zs, o);
	}
	return zs->last = zopen(zs, part);
}

void
mp_zfile_rotate(struct mp_zfiles *zs, int all)
{
	double now = mp_now();
	int i;

	for (i = zs->nopen - 1; i >= 0; i--) {
		struct mp_zfile *o = zs->open[i];

		if (all || o->bytes >= zs->max_size ||
		    (o->bytes > 0 && now - o->opened >= zs->max_age))
			mp_zfile_close(zs, o);
	}
}

double
mp_zfile_due(const struct mp_zfiles *zs, double now, double max)
{
	double d;
	int i;

	for (i = 0; i < zs->nopen; i++)
		if (zs->open[i]->bytes > 0 &&
		    (d = zs->open[i]->opened + zs->max_age - now) < max)
			max = d;
	return max;
}

/* Counts the newlines of each whole frame; notes where the last ended. */
struct scan {
	struct mp_zst_reader *z;
	long long lines, good, goodlines;
};

static int
scanframe(void *arg, const char *p, size_t n)
{
	struct scan *s = arg;
	const char *end = p + n;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		s->lines++;
		p++;
	}
	s->good = mp_zst_reader_offset(s->z);
	s->goodlines = s->lines;
	return 0;
}

static void
recover_one(struct mp_zfiles *zs, const char *ent)
{
	struct mp_zst_reader *z;
	struct mp_buf path = { 0 };
	struct scan s = { 0 };
	char rel[32], buf[1 << 16];
	const char *dot, *errstr;
	struct stat st;
	ssize_t n;
	int fd;

	if ((dot = strchr(ent, '.')) == NULL ||
	    label_rel(ent, (size_t)(dot - ent), rel, sizeof rel) < 0) {
		mp_warnx("%s/%s: not an mp-archive temporary file, left alone",
		    zs->tmp, ent);
		return;
	}
	mp_buf_printf(&path, "%s/%s", zs->tmp, ent);
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
	s.z = z = mp_zst_reader_new(scanframe, &s);
	while ((n = read(fd, buf, sizeof buf)) > 0 &&
	    mp_zst_reader_feed(z, buf, (size_t)n, &errstr) == 0)
		;
	mp_zst_reader_free(z);
	if (s.good == 0) {
		if (unlink(path.p) == -1)
			mp_err(MP_EX_IOERR, "%s", path.p);
		count(zs, "removed_temp", 1);
		close(fd);
		goto done;
	}
	if ((s.good < st.st_size && ftruncate(fd, s.good) == -1) ||
	    fsync(fd) == -1)
		mp_err(MP_EX_IOERR, "%s", path.p);
	if (s.good < st.st_size)
		mp_warnx("%s: cut a torn tail of %lld bytes", path.p,
		    (long long)(st.st_size - s.good));
	count(zs, "recovered", 1);
	count(zs, "recovered_lines", s.goodlines);
	complete(zs, fd, path.p, rel, dot + 1);
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

void
mp_zfile_recover(struct mp_zfiles *zs)
{
	char **v;
	int i, n;

	if ((v = entries(zs->tmp, &n)) == NULL)
		mp_err(MP_EX_IOERR, "%s", zs->tmp);
	for (i = 0; i < n; i++)
		if (v[i][0] != '.')
			recover_one(zs, v[i]);
	freeents(v, n);
}

void
mp_zfile_remove(struct mp_zfiles *zs, const char *rel, const char *name)
{
	struct mp_buf p = { 0 };

	mp_buf_printf(&p, "%s/%s/%s", zs->dir, rel, name);
	if (unlink(p.p) == -1)
		mp_err(MP_EX_IOERR, "%s", p.p);
	p.len = 0;
	mp_buf_printf(&p, "%s/%s", zs->dir, rel);
	syncdir(p.p);
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

/* What a walk does with each complete file. */
struct walk {
	void	(*fn)(void *, int, const char *, const char *);
	void	*arg;
	int64_t	 old;		/* prune: partitions ended before this */
	int	 prune;		/* prune files too, not only folders */
};

/* Opens a complete file locked, unless another process holds it; or -1. */
static int
lockfile(const char *path)
{
	struct stat st;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1 &&
	    (flock(fd, LOCK_EX | LOCK_NB) == -1 || fstat(fd, &st) == -1 ||
	    st.st_nlink == 0)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void
visit(struct mp_zfiles *zs, const struct walk *w, const char *rel,
    const char *name, const char *path)
{
	int64_t end;
	int fd;

	if (w->fn == NULL && (!w->prune || (end = rel_end(rel)) < 0
	    || end > w->old))
		return;
	/* another process may be handling it right now */
	if ((fd = lockfile(path)) == -1)
		return;
	if (w->fn)
		w->fn(w->arg, fd, rel, name);
	else if (unlink(path) == 0)
		count(zs, "pruned", 1);
	close(fd);
}

/* Walks DIR/rel at depth; returns how many entries the folder keeps. */
static int
walk(struct mp_zfiles *zs, const char *rel, int depth,
    const struct walk *w)
{
	struct mp_buf sub = { 0 }, full = { 0 };
	struct stat st;
	char **v;
	int i, n, left = 0;
	int64_t end;

	mp_buf_printf(&full, "%s%s%s", zs->dir, *rel ? "/" : "", rel);
	if ((v = entries(full.p, &n)) == NULL) {
		mp_buf_free(&full);
		return 1;
	}
	for (i = 0; i < n; i++) {
		sub.len = 0;
		mp_buf_printf(&sub, "%s%s%s", rel, *rel ? "/" : "", v[i]);
		full.len = 0;
		mp_buf_printf(&full, "%s/%s", zs->dir, sub.p);
		left++;
		if (depth < 4 && v[i][0] != '.' &&
		    strspn(v[i], "0123456789") == strlen(v[i]) &&
		    stat(full.p, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (walk(zs, sub.p, depth + 1, w) == 0 &&
			    w->old > 0 && (end = rel_end(sub.p)) >= 0
			    && end <= w->old && rmdir(full.p) == 0)
				left--;
		} else if (depth >= 3 && v[i][0] != '.' &&
		    strlen(v[i]) > 11 &&
		    strcmp(v[i] + strlen(v[i]) - 11, ".ndjson.zst") == 0) {
			visit(zs, w, rel, v[i], full.p);
			if (access(full.p, F_OK) == -1)
				left--;
		}
	}
	freeents(v, n);
	mp_buf_free(&sub);
	mp_buf_free(&full);
	return left;
}

void
mp_zfile_each(struct mp_zfiles *zs, void (*fn)(void *, int, const char *,
    const char *), void *arg)
{
	struct walk w = { fn, arg, 0, 0 };

	(void)walk(zs, "", 0, &w);
}

void
mp_zfile_prune(struct mp_zfiles *zs, int64_t old, int files)
{
	struct walk w = { NULL, NULL, old, files };

	(void)walk(zs, "", 0, &w);
}

void
mp_zfile_free(struct mp_zfiles *zs)
{
	while (zs->nopen > 0) {
		struct mp_zfile *o = zs->open[--zs->nopen];

		close(o->fd);
		mp_buf_free(&o->pend);
		free(o->name);
		free(o->tmp);
		free(o);
	}
	free(zs->open);
	zs->open = NULL;
	zs->last = NULL;
	free(zs->tmp);
	zs->tmp = NULL;
	mp_zst_writer_free(zs->w);
	zs->w = NULL;
	mp_buf_free(&zs->zb);
}
