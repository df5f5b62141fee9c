/*
 * records: a libFuzzer target for the record reader every tool reads its
 * input with (mp_run_loop, through mp_run_scan).  The first byte picks the
 * record limit (--max-record) and the sizes of the pieces the rest comes
 * in through a pipe; the rest is the input.  The records read must be
 * what a plain split says: each line, its CR and line 1's BOM dropped,
 * blank lines skipped and lines over the limit left out, in order, with
 * their line numbers, however the pieces fall.
 * Built and run by `make fuzz` (clang).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp.h"

#define NLIMIT	8

struct feed {
	int	 fd;
	const unsigned char *p;
	size_t	 n, piece;
};

struct want {
	const char *p;
	size_t	 n;
	long long line;
};

struct check {
	struct want *w;
	int	 nw, i;
};

static void *
writer(void *arg)
{
	struct feed *f = arg;
	size_t k, off = 0;
	ssize_t got;

	while (off < f->n) {
		k = f->n - off < f->piece ? f->n - off : f->piece;
		if ((got = write(f->fd, f->p + off, k)) <= 0)
			abort();
		off += got;
	}
	close(f->fd);
	return NULL;
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

/* The plain split: what the reader must give. */
static int
split(const char *s, size_t n, long long max, struct want *w)
{
	const char *end = s + n, *e, *p;
	long long line = 0;
	size_t k;
	int nw = 0;

	for (p = s; p < end; p = e + 1) {
		if ((e = memchr(p, '\n', end - p)) == NULL)
			e = end;
		k = e - p;
		line++;
		if (k > 0 && p[k - 1] == '\r')
			k--;
		if (line == 1 && k >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
			w[nw].p = p + 3;
			k -= 3;
		} else
			w[nw].p = p;
		if (blank(w[nw].p, k) || (long long)k > max)
			continue;
		w[nw].n = k;
		w[nw++].line = line;
	}
	return nw;
}

static int
onrec(struct mp_run *r, struct mp_rec *rec, void *arg)
{
	struct check *c = arg;
	struct want *w = &c->w[c->i];

	(void)r;
	if (c->i >= c->nw || rec->line != w->line || rec->n != w->n ||
	    (w->n > 0 && memcmp(rec->p, w->p, w->n) != 0))
		abort();
	c->i++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	static const long long limits[NLIMIT] = { 1, 2, 3, 4, 7, 16, 100, 0 };
	static struct mp_run *run[NLIMIT];
	struct mp_cfg cfg = { 0 };
	struct check c = { 0 };
	struct feed f;
	pthread_t th;
	int fds[2], li, st;
	long long max;

	if (n < 1)
		return 0;
	li = data[0] % NLIMIT;
	if (run[li] == NULL) {
		cfg.max_record = limits[li];
		cfg.progress = -1;
		run[li] = mp_run_new(&cfg);
	}
	max = limits[li] ? limits[li] : 1 << 20;
	c.w = xcalloc(n, sizeof *c.w);
	c.nw = split((const char *)data + 1, n - 1, max, c.w);
	/* the pipe's end is stdin ("-"): fd 0 was closed after the last */
	if (pipe(fds) < 0)
		abort();
	if (fds[0] != 0) {
		if (dup2(fds[0], 0) < 0)
			abort();
		close(fds[0]);
	}
	f.fd = fds[1];
	f.p = data + 1;
	f.n = n - 1;
	f.piece = (data[0] >> 3) + 1;
	if (pthread_create(&th, NULL, writer, &f) != 0)
		abort();
	if ((st = mp_run_scan(run[li], 0, NULL, onrec, &c)) != 0) {
		fprintf(stderr, "status %d\n", st);
		abort();
	}
	pthread_join(th, NULL);
	if (c.i != c.nw)
		abort();
	close(0);
	free(c.w);
	return 0;
}
