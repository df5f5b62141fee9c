/*
 * Unit tests of durable zstd files (zfile.c, zst.c's writer), and of the
 * small readers split from s3.c: XML (xml.c), EnvironmentFile (envfile.c)
 * and percent-encoding (url.c).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mp.h"
#include "tap.h"

static char placed[512];
static int nplaced;

static void
onplace(void *arg, int fd, const char *rel, const char *name)
{
	(void)arg;
	(void)fd;
	snprintf(placed, sizeof placed, "%s/%s", rel, name);
	nplaced++;
}

static int
collect(void *arg, const char *p, size_t n)
{
	mp_buf_add(arg, p, n);
	return 0;
}

/* The content of a zstd file, or -1 when it is not whole. */
static int
readz(const char *path, struct mp_buf *out)
{
	struct mp_zst_reader *z = mp_zst_reader_new(collect, out);
	const char *err;
	char buf[4096];
	ssize_t n;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY)) == -1)
		return -1;
	while (rc == 0 && (n = read(fd, buf, sizeof buf)) > 0)
		rc = mp_zst_reader_feed(z, buf, (size_t)n, &err);
	if (rc == 0)
		rc = mp_zst_reader_end(z, &err);
	close(fd);
	mp_zst_reader_free(z);
	return rc;
}

static void
t_zfile(const char *dir)
{
	struct mp_zfiles zs = { 0 };
	struct mp_buf b = { 0 }, path = { 0 }, big = { 0 };
	struct mp_zfile *o;
	struct stat st;
	int64_t part;
	int i;

	zs.dir = dir;
	strcpy(zs.host, "t");
	zs.placed = onplace;
	mp_zfile_init(&zs);
	ok(stat(zs.tmp, &st) == 0 && S_ISDIR(st.st_mode), "init makes .tmp");
	part = mp_zfile_part(&zs, 1763647385000000LL);	/* 2025-11-20T14 */
	o = mp_zfile_get(&zs, part);
	ok(mp_zfile_find(&zs, part) == o, "find gives the open file");
	mp_zfile_add(&zs, o, "{\"a\":1}\n", 8);
	mp_zfile_add(&zs, o, "{\"a\":2}\n", 8);
	ok(zs.pending == 16, "add holds the lines (%lld)", zs.pending);
	mp_zfile_flush(&zs);
	mp_zfile_frame(&zs, o, "{\"a\":3}\n", 8, 1);
	for (i = 0; i < 3000; i++)
		mp_buf_adds(&big, "0123456789abcdef");
	mp_zfile_stream(&zs, o, big.p, big.len / 2, 0);
	mp_zfile_stream(&zs, o, big.p + big.len / 2, big.len - big.len / 2,
	    0);
	mp_zfile_stream(&zs, o, "\n", 1, 1);
	ok(o->lines == 4, "four lines written (%lld)", o->lines);
	mp_zfile_close(&zs, o);
	ok(nplaced == 1 && strncmp(placed, "2025/11/20/14/", 14) == 0 &&
	    strstr(placed, "-t-") != NULL, "placed in its hour: %s", placed);
	mp_buf_printf(&path, "%s/%s", dir, placed);
	ok(readz(path.p, &b) == 0 && b.len == 24 + big.len + 1 &&
	    memcmp(b.p, "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n", 24) == 0,
	    "the completed file is whole zstd, every line in order");

	/* a file cut inside its second frame, as kill -9 leaves it */
	o = mp_zfile_get(&zs, part);
	mp_zfile_frame(&zs, o, "{\"b\":1}\n", 8, 1);
	mp_zfile_frame(&zs, o, "{\"b\":2}\n", 8, 1);
	ok(ftruncate(o->fd, o->bytes - 3) == 0, "cut the last frame");
	path.len = 0;
	mp_buf_adds(&path, o->tmp);
	mp_zfile_free(&zs);		/* the writer is gone, unlocked */
	memset(&zs, 0, sizeof zs);
	zs.dir = dir;
	strcpy(zs.host, "t");
	zs.placed = onplace;
	mp_zfile_init(&zs);
	mp_zfile_recover(&zs);
	ok(nplaced == 2 && access(path.p, F_OK) == -1,
	    "recovered and placed: %s", placed);
	path.len = 0;
	mp_buf_printf(&path, "%s/%s", dir, placed);
	b.len = 0;
	ok(readz(path.p, &b) == 0 && b.len == 8 &&
	    memcmp(b.p, "{\"b\":1}\n", 8) == 0, "the torn frame is cut off");
	mp_zfile_prune(&zs, 4102444800LL, 1);	/* 2100 */
	ok(access(path.p, F_OK) == -1, "prune removes old files");
	path.len = 0;
	mp_buf_printf(&path, "%s/2025/11/20", dir);
	ok(access(path.p, F_OK) == -1, "and their emptied day and hour");
	mp_zfile_free(&zs);
	mp_buf_free(&b);
	mp_buf_free(&big);
	mp_buf_free(&path);
}

static int
env(void *arg, const char *name, size_t n, const char *value)
{
	mp_buf_printf(arg, "%.*s=[%s];", (int)n, name, value);
	return 0;
}

static void
t_text(const char *dir)
{
	static const char xml[] = "<?xml version=\"1.0\"?>\n<Error><Code>"
	    "NoSuchKey</Code><Message>a &amp; b &#x263A;</Message></Error>";
	struct mp_buf b = { 0 }, f = { 0 };
	const char *p = xml, *a, *e;
	FILE *fp;

	mp_url_encode(&b, "a b/c~é", 8, NULL);
	ok(strcmp(mp_buf_str(&b), "a%20b%2Fc~%C3%A9") == 0, "url: %s", b.p);
	b.len = 0;
	mp_url_encode(&b, "a b/c", 5, "/");
	ok(strcmp(mp_buf_str(&b), "a%20b/c") == 0, "url, path: %s", b.p);
	ok(mp_xml_root_is(xml, strlen(xml), "Error") &&
	    !mp_xml_root_is(xml, strlen(xml), "Err"), "xml: root element");
	ok(mp_xml_get(xml, xml + strlen(xml), "Message", &b) &&
	    strcmp(b.p, "a & b \xe2\x98\xba") == 0, "xml: text decoded");
	ok(mp_xml_elem(&p, xml + strlen(xml), "Code", &a, &e) &&
	    e - a == 9 && !mp_xml_elem(&p, xml + strlen(xml), "Code", &a, &e),
	    "xml: elements in turn");
	mp_buf_printf(&f, "%s/env", dir);
	fp = fopen(f.p, "w");
	fputs("# c\n; c\nexport A=1\nB = \"x \\\" y\" \nC='z'\n", fp);
	fclose(fp);
	b.len = 0;
	ok(mp_envfile_read(f.p, env, &b) == 0 &&
	    strcmp(mp_buf_str(&b), "A=[1];B=[x \" y];C=[z];") == 0,
	    "envfile: %s", b.p);
	fp = fopen(f.p, "w");
	fputs("A=\"open\n", fp);
	fclose(fp);
	ok(mp_envfile_read(f.p, env, &b) == MP_EX_CONFIG,
	    "envfile: a bad line is 78");
	mp_buf_free(&b);
	mp_buf_free(&f);
}

int
main(void)
{
	char dir[] = "/tmp/mp-t0016.XXXXXX";
	char cmd[64];

	if (mkdtemp(dir) == NULL)
		return 1;
	mp_log_set_format(MP_LOG_TEXT);
	t_zfile(dir);
	t_text(dir);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return done();
}
