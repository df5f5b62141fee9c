/*
 * rawarc.c: the raw answers of a fetch, archived as they came and played
 * back.  Each answer is a zstd file of its own, fsynced before its index
 * line is written, so an index line always names a whole file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mp.h"

/* "null", or the time as a JSON string. */
static void
jtime(struct mp_buf *b, int64_t us)
{
	char ts[32];

	if (us == MP_NOTIME)
		mp_buf_adds(b, "null");
	else
		mp_buf_printf(b, "\"%s\"", mp_time_fmt(us / 1000000, ts));
}

void
mp_rawarc_open(struct mp_rawarc *a, const char *dir, int64_t from, int64_t to)
{
	struct mp_buf b = { 0 };
	char ts[32];
	time_t now = time(NULL);

	mkdir(dir, 0755);
	mp_buf_printf(&b, "%s/%s-%ld", dir, mp_time_compact(now, ts),
	    (long)getpid());
	a->dir = xstrdup(mp_buf_str(&b));
	if (mkdir(a->dir, 0755) < 0)
		mp_err(MP_EX_CANTCREAT, "--archive: %s", a->dir);
	mp_buf_adds(&b, "/index.ndjson");
	if ((a->index = fopen(mp_buf_str(&b), "w")) == NULL)
		mp_err(MP_EX_CANTCREAT, "--archive: %s", b.p);
	b.len = 0;
	mp_buf_adds(&b, "{\"run\":{\"from\":");
	jtime(&b, from);
	mp_buf_adds(&b, ",\"to\":");
	jtime(&b, to);
	mp_buf_printf(&b, ",\"started\":\"%s\"}}\n", mp_time_fmt(now, ts));
	fwrite(b.p, 1, b.len, a->index);
	fflush(a->index);
	mp_buf_free(&b);
}

/* The response's headers, cookies' values hidden. */
static void
hidecookies(const struct mp_http_resp *resp, struct mp_buf *out)
{
	const char *p = resp->head.p, *end = p + resp->head.len, *nl;

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

void
mp_rawarc_put(struct mp_rawarc *a, const struct mp_http_req *req,
    const struct mp_http_resp *resp, int rc, const char *window, time_t at)
{
	struct mp_buf line = { 0 }, red = { 0 };
	char file[32], ts[32], hex[65];
	int fd;

	a->seq++;
	snprintf(file, sizeof file, "%06lld.zst", a->seq);
	a->z.len = 0;
	mp_zst_compress(&a->z, resp->body.p ? resp->body.p : "",
	    resp->body.len, 3);
	mp_buf_printf(&line, "%s/%s", a->dir, file);
	if ((fd = open(line.p, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0 ||
	    write(fd, a->z.p, a->z.len) != (ssize_t)a->z.len ||
	    fsync(fd) < 0)
		mp_err(MP_EX_IOERR, "--archive: %s", line.p);
	close(fd);
	mp_digest_blake2b_hex(resp->body.p, resp->body.len, hex);
	mp_http_redact(req->url, &red);
	line.len = 0;
	mp_buf_printf(&line, "{\"seq\":%lld,\"file\":\"%s\",\"url\":", a->seq,
	    file);
	mp_buf_json_str(&line, red.p, red.len);
	mp_buf_printf(&line, ",\"status\":%ld,\"ok\":%s", resp->status,
	    rc == 0 ? "true" : "false");
	if (rc != 0) {
		mp_buf_adds(&line, ",\"error\":");
		mp_buf_json_str(&line, resp->err, strlen(resp->err));
	}
	mp_buf_adds(&line, ",\"headers\":");
	red.len = 0;
	hidecookies(resp, &red);
	mp_buf_json_str(&line, red.p ? red.p : "", red.len);
	mp_buf_adds(&line, ",\"window\":");
	mp_buf_json_str(&line, window, strlen(window));
	mp_buf_printf(&line, ",\"time\":\"%s\",\"bytes\":%zu,"
	    "\"blake2b\":\"%s\"}\n", mp_time_fmt(at, ts), resp->body.len, hex);
	if (fwrite(line.p, 1, line.len, a->index) != line.len ||
	    fflush(a->index) != 0)
		mp_err(MP_EX_IOERR, "--archive: index");
	mp_buf_free(&line);
	mp_buf_free(&red);
}

/* A folder name as a glob(3) pattern matches it, its magic escaped. */
static void
globesc(struct mp_buf *b, const char *s)
{
	for (; *s; s++) {
		if (strchr("*?[]\\", *s))
			mp_buf_addc(b, '\\');
		mp_buf_addc(b, *s);
	}
}

void
mp_rawarc_replay(struct mp_rawarc *a, const char *dir)
{
	struct mp_buf b = { 0 };
	struct stat st;
	glob_t g;
	size_t i;

	mp_buf_printf(&b, "%s/index.ndjson", dir);
	if (stat(b.p, &st) == 0) {
		a->dirs = xcalloc(1, sizeof *a->dirs);
		a->dirs[a->ndir++] = xstrdup(dir);
	} else {
		/* the runs of a folder, in name order (the C locale's) */
		b.len = 0;
		globesc(&b, dir);
		mp_buf_adds(&b, "/*/index.ndjson");
		if (glob(mp_buf_str(&b), 0, NULL, &g) == 0) {
			a->dirs = xcalloc(g.gl_pathc, sizeof *a->dirs);
			for (i = 0; i < g.gl_pathc; i++)
				a->dirs[a->ndir++] = xstrndup(g.gl_pathv[i],
				    strlen(g.gl_pathv[i]) -
				    strlen("/index.ndjson"));
			globfree(&g);
		}
	}
	if (a->ndir == 0)
		mp_errx(MP_EX_NOINPUT, "--replay: %s: no archive (index.ndjson)",
		    dir);
	mp_buf_free(&b);
}

/* A time of the index, in microseconds; exits 65 when it is not one. */
static int64_t
itime(const char *what, char *v)
{
	int64_t us;

	if (mp_time_parse(v, strlen(v), &us) < 0)
		mp_errx(MP_EX_DATAERR, "--replay: %s: '%s': not a time", what, v);
	free(v);
	return us;
}

int
mp_rawarc_run(struct mp_rawarc *a, int64_t *from, int64_t *to)
{
	struct mp_buf b = { 0 };
	struct mp_json_err e;
	char *line = NULL, *v;
	size_t sz = 0;
	ssize_t n;

	if (a->rfile)
		fclose(a->rfile);
	a->rfile = NULL;
	if (a->cur >= a->ndir)
		return 0;
	mp_buf_printf(&b, "%s/index.ndjson", a->dirs[a->cur++]);
	if ((a->rfile = fopen(b.p, "r")) == NULL)
		mp_err(MP_EX_NOINPUT, "--replay: %s", b.p);
	if ((n = getline(&line, &sz, a->rfile)) <= 0 ||
	    mp_json_check(line, n, &e) < 0)
		mp_errx(MP_EX_DATAERR, "--replay: %s: no run line", b.p);
	*from = *to = MP_NOTIME;
	if ((v = mp_json_member_text(line, n, "run.from")) != NULL)
		*from = itime(b.p, v);
	if ((v = mp_json_member_text(line, n, "run.to")) != NULL)
		*to = itime(b.p, v);
	free(line);
	mp_buf_free(&b);
	return 1;
}

int
mp_rawarc_get(struct mp_rawarc *a, struct mp_http_resp *resp, int *rc,
    time_t *at, char **wn)
{
	struct mp_json_err e;
	struct mp_buf path = { 0 };
	const char *dir = a->dirs[a->cur - 1], *errstr;
	char *line = NULL, *v, *file;
	size_t sz = 0;
	ssize_t n, k;
	int fd;

	if ((n = getline(&line, &sz, a->rfile)) <= 0) {
		free(line);
		return 0;
	}
	if (mp_json_check(line, n, &e) < 0)
		mp_errx(MP_EX_DATAERR, "--replay: %s: a broken index line",
		    dir);
	*wn = mp_json_member_text(line, n, "window");
	resp->status = (v = mp_json_member_text(line, n, "status")) ?
	    atol(v) : 0;
	free(v);
	v = mp_json_member_text(line, n, "time");
	*at = v ? itime(dir, v) / 1000000 : 0;
	*rc = strstr(line, "\"ok\":true") ? 0 : -1;
	snprintf(resp->err, sizeof resp->err, "%s",
	    (v = mp_json_member_text(line, n, "error")) ? v : "");
	free(v);
	file = mp_json_member_text(line, n, "file");
	mp_buf_printf(&path, "%s/%s", dir, file ? file : "");
	free(file);
	if ((fd = open(path.p, O_RDONLY)) < 0)
		mp_err(MP_EX_NOINPUT, "--replay: %s", path.p);
	a->z.len = 0;
	for (;;) {
		mp_buf_grow(&a->z, 65536);
		if ((k = read(fd, a->z.p + a->z.len, a->z.cap - a->z.len)) <= 0)
			break;
		a->z.len += k;
	}
	close(fd);
	resp->body.len = 0;
	if (mp_zst_decompress(&resp->body, a->z.p, a->z.len, SIZE_MAX,
	    &errstr) < 0)
		mp_errx(MP_EX_DATAERR, "--replay: %s: %s", path.p, errstr);
	resp->head.len = 0;
	if ((v = mp_json_member_text(line, n, "headers")) != NULL) {
		mp_buf_adds(&resp->head, v);	/* Content-Type tells formats */
		free(v);
	}
	mp_buf_free(&path);
	free(line);
	return 1;
}

const char *
mp_rawarc_current(const struct mp_rawarc *a)
{
	return a->cur > 0 ? a->dirs[a->cur - 1] : "";
}

void
mp_rawarc_close(struct mp_rawarc *a)
{
	int i;

	if (a->index)
		fclose(a->index);
	if (a->rfile)
		fclose(a->rfile);
	for (i = 0; i < a->ndir; i++)
		free(a->dirs[i]);
	free(a->dirs);
	free(a->dir);
	mp_buf_free(&a->z);
	memset(a, 0, sizeof *a);
}
