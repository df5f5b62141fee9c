/*
 * s3.c: S3-compatible object storage: uploads (one PUT, or a multipart
 * upload for a big file), listings and streamed downloads.  libcurl signs
 * each request (SigV4); what fails for a reason that may pass is tried
 * again.  Prints nothing but the warning of a retry, and the messages of
 * mp_s3_credentials and mp_s3_setup.
 *
 * libcurl 7.88 (Debian 12) signs the query as it is written, unsorted,
 * and adds no x-amz-content-sha256 header.  So queries are written here
 * in SigV4's canonical form (names sorted, every byte but the unreserved
 * ones percent-encoded, "name=" for a name without a value), and the
 * payload's SHA-256 is sent as x-amz-content-sha256, which libcurl then
 * signs as the payload hash (t/0010-s3.t checks each signature).  A
 * libcurl that sorts the query itself finds it sorted already.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>


#include "mp.h"

#define MIB		(1024LL * 1024)
#define PART_MIN	(5 * MIB)	/* S3's smallest part but the last */
#define PART_MAX	(5 * 1024 * MIB)
#define PART_DEFAULT	(8 * MIB)
#define PARTS_MAX	10000
#define GET_TIMEOUT	300000L		/* ms a try of a GET may take, then
					   it resumes where it was */

/* Where a request goes and what it carries. */
struct op {
	const char *what;		/* for messages: "put", "part 2" */
	const char *method;
	const char *bucket, *key;	/* key NULL: the bucket */
	const char *query;		/* canonical, or NULL */
	const char *body;		/* NULL: none */
	size_t	 bodylen;
	const char *ctype;
	const unsigned char *md5;	/* of the body: the ETag wanted back */
	struct get *get;		/* a GET streamed to a function */
	long	 timeout_ms;
	int	 tries;			/* made by call() */
	char	 code[64];		/* S3's error Code of the last try */
};

/* A GET in progress: what the function has had, where to go on. */
struct get {
	struct mp_http_resp *r;
	int	(*fn)(const void *, size_t, void *);
	void	*arg;
	long long got;			/* bytes fn has had */
	long long from;			/* the first byte this try asks for */
	long long skip;			/* bytes of this response fn has had */
	int	 first;			/* no byte of this try came yet */
	int	 rc;			/* fn's value when it stopped */
	const char *why;		/* the response is not what was asked */
	int	 whyst;			/* and the exit status it makes */
	struct mp_buf etag;		/* of the first response */
};

static int
fail(struct mp_s3 *s3, int st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s3->err, sizeof s3->err, fmt, ap);
	va_end(ap);
	return st;
}

/* "s3://bucket/key", for messages. */
static const char *
objname(const char *bucket, const char *key, struct mp_buf *b)
{
	b->len = 0;
	mp_buf_printf(b, "s3://%s/%s", bucket, key ? key : "");
	return mp_buf_str(b);
}

/* The endpoint's parts: "http://" or "https://", host[:port], a path. */
struct ep {
	const char *scheme, *host, *path;
	size_t	 nscheme, nhost, npath;
};

static int
splitep(const char *e, struct ep *ep)
{
	size_t n;

	if (strncasecmp(e, "http://", 7) == 0)
		ep->nscheme = 7;
	else if (strncasecmp(e, "https://", 8) == 0)
		ep->nscheme = 8;
	else
		return -1;
	ep->scheme = e;
	ep->host = e + ep->nscheme;
	ep->nhost = strcspn(ep->host, "/");
	ep->path = ep->host + ep->nhost;
	for (n = strlen(ep->path); n > 0 && ep->path[n - 1] == '/'; n--)
		;
	ep->npath = n;
	if (ep->nhost == 0 || memchr(ep->host, '@', ep->nhost) ||
	    strpbrk(ep->host, "?# \t\r\n"))
		return -1;
	return 0;
}

/* A bucket name that can be a label of a host name (no dots: TLS). */
static int
dnsok(const char *b)
{
	size_t n = strlen(b);

	if (n < 3 || n > 63 || b[0] == '-' || b[n - 1] == '-')
		return 0;
	return strspn(b, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

/* Whether the host is AWS's own (s3.REGION.amazonaws.com and such). */
static int
awshost(const struct ep *ep)
{
	static const char *const sfx[] = {
		".amazonaws.com", ".amazonaws.com.cn", NULL
	};
	size_t n = ep->nhost, k;
	const char *c;
	int i;

	if ((c = memchr(ep->host, ':', n)) != NULL)
		n = c - ep->host;
	for (i = 0; sfx[i]; i++) {
		k = strlen(sfx[i]);
		if (n > k && strncasecmp(ep->host + n - k, sfx[i], k) == 0)
			return 1;
	}
	return 0;
}

static void
mkurl(const struct mp_s3 *s3, const struct op *op, struct mp_buf *u)
{
	struct ep ep;
	int virt;

	(void)splitep(s3->endpoint, &ep);	/* mp_s3_setup checked it */
	virt = s3->style == MP_S3_VIRTUAL ||
	    (s3->style == MP_S3_AUTO && awshost(&ep) && dnsok(op->bucket));
	u->len = 0;
	mp_buf_add(u, ep.scheme, ep.nscheme);
	if (virt) {
		mp_buf_adds(u, op->bucket);
		mp_buf_addc(u, '.');
	}
	mp_buf_add(u, ep.host, ep.nhost);
	mp_buf_add(u, ep.path, ep.npath);
	if (!virt) {
		mp_buf_addc(u, '/');
		mp_url_encode(u, op->bucket, strlen(op->bucket), NULL);
	}
	if (op->key) {
		mp_buf_addc(u, '/');
		mp_url_encode(u, op->key, strlen(op->key), "/");
	} else if (virt)
		mp_buf_addc(u, '/');
	if (op->query && *op->query) {
		mp_buf_addc(u, '?');
		mp_buf_adds(u, op->query);
	}
}

/* Starts a try of a GET: from the byte after the last fn had. */
static void
getstart(struct get *g)
{
	g->from = g->got;
	g->first = 1;
	g->skip = 0;
	g->why = NULL;
}

static int
getsink(const char *p, size_t n, void *arg)
{
	struct get *g = arg;
	struct mp_buf v = { 0 };
	char want[32];
	size_t k;

	if (g->first) {
		g->first = 0;
		if (!mp_http_header(g->r, "ETag", &v))
			v.len = 0;
		if (g->etag.len == 0 && v.len > 0)
			mp_buf_add(&g->etag, v.p, v.len);
		else if (v.len > 0 && (v.len != g->etag.len ||
		    memcmp(v.p, g->etag.p, v.len) != 0)) {
			/* a server that does not know If-Match */
			g->why = "the object was replaced while it was read";
			g->whyst = MP_EX_TEMPFAIL;
		}
		if (g->from > 0 && g->r->status == 206) {
			snprintf(want, sizeof want, "bytes %lld-", g->from);
			if (!mp_http_header(g->r, "Content-Range", &v) ||
			    strncmp(v.p, want, strlen(want)) != 0) {
				g->why = "a range other than the one asked for";
				g->whyst = MP_EX_UNAVAILABLE;
			}
		} else if (g->from > 0)
			g->skip = g->from;	/* the whole object again */
		mp_buf_free(&v);
		if (g->why)
			return 1;
	}
	k = (long long)n < g->skip ? n : (size_t)g->skip;
	g->skip -= k;
	if ((n -= k) == 0)
		return 0;
	g->got += n;
	return (g->rc = g->fn(p + k, n, g->arg)) != 0;
}

/* Performs one try of the request. */
static int
perform(struct mp_s3 *s3, struct op *op, struct mp_http_resp *r)
{
	struct mp_http_req q = { 0 };
	struct mp_buf u = { 0 }, h = { 0 }, up = { 0 }, sig = { 0 };
	const char *hv[8];
	size_t off[8];
	char hex[65], b64[32];
	int nh = 0, i, rc;

	mkurl(s3, op, &u);
	mp_digest_sha256_hex(op->body, op->body ? op->bodylen : 0, hex);
	off[nh++] = h.len;
	mp_buf_printf(&h, "x-amz-content-sha256: %s%c", hex, 0);
	if (op->body && op->md5) {
		mp_digest_base64(op->md5, 16, b64, sizeof b64);
		off[nh++] = h.len;
		mp_buf_printf(&h, "Content-MD5: %s%c", b64, 0);
	}
	if (op->ctype) {
		off[nh++] = h.len;
		mp_buf_printf(&h, "Content-Type: %s%c", op->ctype, 0);
	}
	if (s3->token && *s3->token) {
		off[nh++] = h.len;
		mp_buf_printf(&h, "x-amz-security-token: %s%c", s3->token, 0);
	}
	if (op->get) {
		getstart(op->get);
		q.sink = getsink;
		q.sinkarg = op->get;
		op->get->r = r;
		if (op->get->from > 0) {
			off[nh++] = h.len;
			mp_buf_printf(&h, "Range: bytes=%lld-%c",
			    op->get->from, 0);
			if (op->get->etag.len > 0) {
				off[nh++] = h.len;
				mp_buf_printf(&h, "If-Match: %s%c",
				    mp_buf_str(&op->get->etag), 0);
			}
		}
	}
	for (i = 0; i < nh; i++)
		hv[i] = h.p + off[i];
	hv[nh] = NULL;

	mp_buf_printf(&up, "%s:%s", s3->akid, s3->secret);
	mp_buf_printf(&sig, "aws:amz:%s:s3", s3->region);
	q.method = op->method;
	q.url = mp_buf_str(&u);
	q.headers = hv;
	q.body = op->body;
	q.bodylen = op->bodylen;
	q.timeout_ms = op->timeout_ms;
	q.userpwd = mp_buf_str(&up);
	q.aws_sigv4 = mp_buf_str(&sig);
	rc = mp_http_do(&q, r);
	mp_digest_wipe(up.p, up.cap);
	mp_buf_free(&up);
	mp_buf_free(&sig);
	mp_buf_free(&h);
	mp_buf_free(&u);
	return rc;
}

/* The exit status of a response that failed, when it is not retried. */
static int
status(long http, const char *code)
{
	static const char *const denied[] = {
		"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch",
		"ExpiredToken", "InvalidToken", "TokenRefreshRequired", NULL
	};
	int i;

	for (i = 0; denied[i]; i++)
		if (strcmp(code, denied[i]) == 0)
			return MP_EX_NOPERM;
	if (http == 401 || http == 403)
		return MP_EX_NOPERM;
	if (http == 412)		/* If-Match: the object was replaced */
		return MP_EX_TEMPFAIL;
	if (http >= 500 || http == 429 || http == 408 ||
	    strcmp(code, "SlowDown") == 0 ||
	    strcmp(code, "RequestTimeout") == 0 ||
	    strcmp(code, "InternalError") == 0)
		return MP_EX_UNAVAILABLE;
	return MP_EX_CONFIG;
}

/* Whether the response's ETag is the MD5. */
static int
etagok(const struct mp_http_resp *r, const unsigned char *md5,
    struct mp_buf *why)
{
	struct mp_buf v = { 0 };
	char hex[33];
	const char *e;
	size_t n;
	int ok;

	mp_digest_hex(md5, 16, hex);
	if ((e = mp_http_header(r, "ETag", &v)) == NULL)
		e = "";
	if (*e == '"')
		e++;
	n = strcspn(e, "\"");
	ok = n == 32 && strncasecmp(e, hex, 32) == 0;
	if (!ok)
		mp_buf_printf(why, "ETag mismatch: sent MD5 %s, ETag '%.*s'",
		    hex, (int)(n > 64 ? 64 : n), e);
	mp_buf_free(&v);
	return ok;
}

/*
 * Performs the request until it succeeds, fails for good, or the retries
 * are spent.  Returns 0 with the 2xx response in r, -1 when the GET's
 * sink stopped it, else an exit status with err set.  A try of a GET
 * that moved on counts the retries from 0 again.
 */
static int
call(struct mp_s3 *s3, struct op *op, struct mp_http_resp *r)
{
	struct mp_buf why = { 0 }, msg = { 0 }, name = { 0 };
	struct mp_retry rt = { 0 };
	double t0 = mp_now(), d;
	int rc, st;
	long long got;

	rt.max_tries = s3->retries < 0 ? 0 : s3->retries;
	rt.max_time = s3->retry_max;

	objname(op->bucket, op->key, &name);
	for (op->tries = 1;; op->tries++) {
		why.len = 0;
		op->code[0] = '\0';
		got = op->get ? op->get->got : 0;
		rc = perform(s3, op, r);
		mp_buf_str(&r->body);	/* never NULL, even when empty */
		if (op->get && op->get->got > got) {
			mp_retry_reset(&rt);
			t0 = mp_now();
		}
		if (rc == -1 && op->get && strcmp(r->err, "stopped") == 0) {
			if (op->get->why == NULL) {
				st = -1;		/* fn stopped it */
				break;
			}
			mp_buf_adds(&why, op->get->why);
			st = op->get->whyst;
			break;
		}
		if (rc == -1) {
			mp_buf_adds(&why, r->err);
			st = MP_EX_UNAVAILABLE;
		} else if (r->status / 100 == 2 &&
		    !mp_xml_root_is(r->body.p, r->body.len, "Error")) {
			if (op->md5 == NULL || etagok(r, op->md5, &why)) {
				st = 0;
				break;
			}
			st = MP_EX_UNAVAILABLE;
		} else {
			mp_xml_get(r->body.p, r->body.p + r->body.len, "Code",
			    &msg);
			snprintf(op->code, sizeof op->code, "%s",
			    msg.len ? msg.p : "");
			if (*op->code) {
				mp_buf_printf(&why, "%ld %s", r->status,
				    op->code);
				if (mp_xml_get(r->body.p, r->body.p +
				    r->body.len, "Message", &msg) &&
				    msg.len > 0)
					mp_buf_printf(&why, ": %s", msg.p);
			} else
				mp_buf_printf(&why, "HTTP %ld", r->status);
			st = status(r->status, op->code);
			if (st != MP_EX_UNAVAILABLE)
				break;
		}
		/* retry_max bounds the tries' time as well as the waits */
		rt.waited = mp_now() - t0;
		if ((d = mp_retry_next(&rt, -1, NULL)) < 0)
			break;
		mp_warnx("s3: %s: %s: %s; retrying in %.1fs", mp_buf_str(&name),
		    op->what, mp_buf_str(&why), d);
		usleep((useconds_t)(d * 1e6));
	}
	if (st > 0 && op->tries > 1)
		fail(s3, st, "%s: %s: %s (%d tries)", mp_buf_str(&name),
		    op->what, mp_buf_str(&why), op->tries);
	else if (st > 0)
		fail(s3, st, "%s: %s: %s", mp_buf_str(&name), op->what,
		    mp_buf_str(&why));
	mp_buf_free(&why);
	mp_buf_free(&msg);
	mp_buf_free(&name);
	return st;
}

/* The length of the bucket name at b, or 0 when it is not one. */
static size_t
bucketlen(const char *b)
{
	size_t n = strspn(b, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_");

	return n <= 255 ? n : 0;
}

/* A bucket name that cannot go into a URL as it is: 78. */
static int
badbucket(struct mp_s3 *s3, const char *bucket)
{
	size_t n = bucketlen(bucket);

	s3->err[0] = '\0';
	if (n > 0 && bucket[n] == '\0')
		return 0;
	return fail(s3, MP_EX_CONFIG, "'%.255s' is not a bucket name",
	    bucket);
}

int
mp_s3_parse(const char *url, char **bucket, char **key)
{
	const char *b;
	size_t n;

	if (strncasecmp(url, "s3://", 5) != 0)
		return -1;
	b = url + 5;
	if ((n = bucketlen(b)) == 0 || (b[n] != '/' && b[n] != '\0'))
		return -1;
	*bucket = xstrndup(b, n);
	*key = xstrdup(b[n] ? b + n + 1 : "");
	return 0;
}

int
mp_s3_parse_folder(const char *url, char **bucket, char **prefix)
{
	size_t n;

	if (mp_s3_parse(url, bucket, prefix) < 0)
		return -1;
	if ((n = strlen(*prefix)) > 0 && (*prefix)[n - 1] != '/') {
		*prefix = xrealloc(*prefix, n + 2);
		strcpy(*prefix + n, "/");
	}
	return 0;
}

/* Keeps the settings of the three names --s3-credentials reads. */
static int
credential(void *arg, const char *name, size_t n, const char *value)
{
	static const char *const names[] = {
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", NULL
	};
	struct mp_s3 *s3 = arg;
	char **dst;
	int i;

	for (i = 0; names[i]; i++)
		if (strlen(names[i]) == n && strncmp(name, names[i], n) == 0)
			break;
	if (names[i] == NULL)
		return 0;	/* the file may set other things */
	dst = i == 0 ? &s3->akid : i == 1 ? &s3->secret : &s3->token;
	if (*dst)
		mp_digest_wipe(*dst, strlen(*dst));
	free(*dst);
	*dst = xstrdup(value);
	return 0;
}

int
mp_s3_credentials(struct mp_s3 *s3, const char *file)
{
	return mp_envfile_read(file, credential, s3);
}

/* The variable's value, allocated, or NULL when unset or empty. */
static char *
envdup(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? xstrdup(v) : NULL;
}

/* Whether the text has no control byte (it goes into headers). */
static int
plain(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int
badsetup(struct mp_s3 *s3, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s3->err, sizeof s3->err, fmt, ap);
	va_end(ap);
	mp_warnx("%s", s3->err);
	return MP_EX_CONFIG;
}

int
mp_s3_setup(struct mp_s3 *s3)
{
	struct mp_buf b = { 0 };
	struct ep ep;
	const char *p;

	if (s3->region == NULL && (s3->region = envdup("AWS_REGION")) ==
	    NULL && (s3->region = envdup("AWS_DEFAULT_REGION")) == NULL)
		s3->region = xstrdup("us-east-1");
	if (s3->endpoint == NULL &&
	    (s3->endpoint = envdup("AWS_ENDPOINT_URL_S3")) == NULL &&
	    (s3->endpoint = envdup("AWS_ENDPOINT_URL")) == NULL) {
		mp_buf_printf(&b, "https://s3.%s.amazonaws.com", s3->region);
		s3->endpoint = xstrdup(mp_buf_str(&b));
		mp_buf_free(&b);
	}
	if (s3->akid == NULL)
		s3->akid = envdup("AWS_ACCESS_KEY_ID");
	if (s3->secret == NULL)
		s3->secret = envdup("AWS_SECRET_ACCESS_KEY");
	if (s3->token == NULL)
		s3->token = envdup("AWS_SESSION_TOKEN");
	if (s3->retries == 0)
		s3->retries = 5;
	if (s3->retry_max == 0)
		s3->retry_max = 300;
	if (s3->part_size == 0)
		s3->part_size = PART_DEFAULT;

	for (p = s3->region; *p && (islower((unsigned char)*p) ||
	    isdigit((unsigned char)*p) || *p == '-'); p++)
		;
	if (*p || *s3->region == '\0')
		return badsetup(s3, "S3 region '%s' is not a region name",
		    plain(s3->region) ? s3->region : "?");
	if (splitep(s3->endpoint, &ep) == -1)
		return badsetup(s3, "S3 endpoint '%s' is not an http(s) URL",
		    plain(s3->endpoint) ? s3->endpoint : "?");
	if (s3->akid == NULL || *s3->akid == '\0' || s3->secret == NULL ||
	    *s3->secret == '\0')
		return badsetup(s3, "no S3 credentials: AWS_ACCESS_KEY_ID "
		    "and AWS_SECRET_ACCESS_KEY are needed");
	if (!plain(s3->akid) || strpbrk(s3->akid, ": ") ||
	    !plain(s3->secret) || (s3->token && !plain(s3->token)))
		return badsetup(s3, "S3 credentials hold a control byte, or "
		    "a colon or space in the access key id");
	if (s3->part_size < PART_MIN || s3->part_size > PART_MAX)
		return badsetup(s3, "S3 part size %lld is not within 5 MiB "
		    "and 5 GiB", s3->part_size);
	if (s3->retry_max < 0 || s3->max_keys < 0)
		return badsetup(s3, "S3 retry time or max keys below 0");
	return 0;
}

/* Reads n bytes at off; 0, or an exit status with err set. */
static int
readat(struct mp_s3 *s3, int fd, const char *path, char *buf, size_t n,
    long long off)
{
	ssize_t k;

	while (n > 0) {
		if ((k = pread(fd, buf, n, off)) == -1) {
			if (errno == EINTR)
				continue;
			return fail(s3, MP_EX_IOERR, "%s: %s", path,
			    strerror(errno));
		}
		if (k == 0)
			return fail(s3, MP_EX_IOERR, "%s: shorter than it "
			    "was (changed while read?)", path);
		buf += k;
		n -= k;
		off += k;
	}
	return 0;
}

/* The object's size, by a HEAD; 0, or an exit status with err set. */
static int
headsize(struct mp_s3 *s3, const char *bucket, const char *key,
    struct mp_http_resp *r, long long *size, struct mp_buf *etag)
{
	struct op op = { 0 };
	struct mp_buf v = { 0 };
	const char *errstr;
	int rc;

	op.what = "head";
	op.method = "HEAD";
	op.bucket = bucket;
	op.key = key;
	if ((rc = call(s3, &op, r)) != 0)
		return rc;
	if (mp_http_header(r, "Content-Length", &v) == NULL ||
	    mp_strtonum(v.p, 0, LLONG_MAX, size, &errstr) == -1)
		rc = fail(s3, MP_EX_UNAVAILABLE, "s3://%s/%s: head: no "
		    "Content-Length", bucket, key);
	etag->len = 0;
	if (mp_http_header(r, "ETag", &v))
		mp_buf_add(etag, v.p, v.len);
	mp_buf_str(etag);
	mp_buf_free(&v);
	return rc;
}

/* Whether an ETag (quotes and all) is hex, or hex "-" suffix. */
static int
sameetag(const char *etag, const char *hex, const char *suffix)
{
	size_t n;

	if (*etag == '"')
		etag++;
	n = strlen(hex);
	if (strncasecmp(etag, hex, n) != 0)
		return 0;
	etag += n;
	n = strlen(suffix);
	if (strncmp(etag, suffix, n) != 0)
		return 0;
	etag += n;
	return strcmp(etag, "\"") == 0 || *etag == '\0';
}

/*
 * Sets op up for a request on the multipart upload id: part (from 1), or
 * the whole upload when part is 0; its query, in canonical order, in q.
 */
static void
upload_op(struct op *op, struct mp_buf *q, int part, const char *id,
    const char *what, const char *method, const char *bucket,
    const char *key)
{
	q->len = 0;
	if (part > 0)
		mp_buf_printf(q, "partNumber=%d&", part);
	mp_buf_adds(q, "uploadId=");
	mp_url_encode(q, id, strlen(id), NULL);
	memset(op, 0, sizeof *op);
	op->what = what;
	op->method = method;
	op->bucket = bucket;
	op->key = key;
	op->query = mp_buf_str(q);
}

static int
putmulti(struct mp_s3 *s3, int fd, const char *path, const char *bucket,
    const char *key, long long size, struct mp_http_resp *r)
{
	struct op op = { 0 };
	struct mp_buf q = { 0 }, id = { 0 }, body = { 0 }, etag = { 0 },
	    what = { 0 };
	struct mp_md5 whole, ofparts;
	unsigned char md5[16];
	char (*etags)[33], hex[33], sfx[16];
	long long psize = s3->part_size, off, got;
	char *buf;
	int nparts, i, rc;

	if ((size + psize - 1) / psize > PARTS_MAX)
		psize = ((size + PARTS_MAX - 1) / PARTS_MAX + MIB - 1) /
		    MIB * MIB;
	nparts = (size + psize - 1) / psize;
	op.what = "start multipart upload";
	op.method = "POST";
	op.bucket = bucket;
	op.key = key;
	op.query = "uploads=";
	op.ctype = "application/octet-stream";
	if ((rc = call(s3, &op, r)) != 0)
		return rc;
	if (!mp_xml_get(r->body.p, r->body.p + r->body.len, "UploadId", &id) ||
	    id.len == 0) {
		mp_buf_free(&id);
		return fail(s3, MP_EX_UNAVAILABLE, "s3://%s/%s: %s: no "
		    "UploadId in the response", bucket, key, op.what);
	}

	buf = xmalloc(psize);
	etags = xcalloc(nparts, sizeof *etags);
	mp_md5_init(&whole);
	mp_md5_init(&ofparts);
	for (i = 0, off = 0; i < nparts; i++, off += psize) {
		size_t n = size - off < psize ? size - off : psize;

		if ((rc = readat(s3, fd, path, buf, n, off)) != 0)
			goto abort;
		mp_md5(buf, n, md5);
		mp_md5_update(&whole, buf, n);
		mp_md5_update(&ofparts, md5, 16);
		what.len = 0;
		mp_buf_printf(&what, "part %d of %d", i + 1, nparts);
		upload_op(&op, &q, i + 1, id.p, mp_buf_str(&what), "PUT",
		    bucket, key);
		op.body = buf;
		op.bodylen = n;
		op.md5 = md5;
		op.timeout_ms = 60000 + n / 256;	/* 256 KB/s at least */
		if ((rc = call(s3, &op, r)) != 0)
			goto abort;
		mp_digest_hex(md5, 16, etags[i]);
	}

	mp_buf_adds(&body, "<CompleteMultipartUpload>");
	for (i = 0; i < nparts; i++)
		mp_buf_printf(&body, "<Part><PartNumber>%d</PartNumber>"
		    "<ETag>\"%s\"</ETag></Part>", i + 1, etags[i]);
	mp_buf_adds(&body, "</CompleteMultipartUpload>");
	upload_op(&op, &q, 0, id.p, "complete multipart upload", "POST",
	    bucket, key);
	op.body = body.p;
	op.bodylen = body.len;
	op.ctype = "application/xml";
	op.timeout_ms = 600000;		/* S3 may take minutes to assemble */
	rc = call(s3, &op, r);
	mp_md5_final(&whole, md5);
	mp_digest_hex(md5, 16, hex);
	mp_md5_final(&ofparts, md5);
	snprintf(sfx, sizeof sfx, "-%d", nparts);
	if (rc == 0)
		mp_xml_get(r->body.p, r->body.p + r->body.len, "ETag", &etag);
	else if (op.tries > 1 && strcmp(op.code, "NoSuchUpload") == 0) {
		/* an earlier try may have completed it: look */
		if (headsize(s3, bucket, key, r, &got, &etag) == 0 &&
		    got == size)
			rc = 0;
		else {
			rc = MP_EX_UNAVAILABLE;
			goto abort;
		}
	} else
		goto abort;
	if (!sameetag(mp_buf_str(&etag), hex, "")) {
		mp_digest_hex(md5, 16, hex);
		if (!sameetag(mp_buf_str(&etag), hex, sfx)) {
			rc = fail(s3, MP_EX_UNAVAILABLE, "s3://%s/%s: the "
			    "object's ETag '%.80s' is neither the MD5 of the "
			    "file nor that of its parts", bucket, key, etag.p);
			goto out;
		}
	}
	if ((rc = headsize(s3, bucket, key, r, &got, &etag)) == 0 &&
	    got != size)
		rc = fail(s3, MP_EX_UNAVAILABLE, "s3://%s/%s: the object "
		    "holds %lld bytes, not %lld", bucket, key, got, size);
	goto out;

abort:
	/* best effort: the parts would cost until a lifecycle rule ends them */
	upload_op(&op, &q, 0, id.p, "abort multipart upload", "DELETE",
	    bucket, key);
	op.timeout_ms = 30000;
	{
		struct mp_http_resp ar = { 0 };

		(void)perform(s3, &op, &ar);
		mp_http_resp_free(&ar);
	}
out:
	free(buf);
	free(etags);
	mp_buf_free(&q);
	mp_buf_free(&id);
	mp_buf_free(&body);
	mp_buf_free(&etag);
	mp_buf_free(&what);
	return rc;
}

int
mp_s3_put_file(struct mp_s3 *s3, const char *path, const char *bucket,
    const char *key)
{
	struct mp_http_resp r = { 0 };
	struct op op = { 0 };
	unsigned char md5[16];
	struct stat st;
	char *buf;
	int fd, rc;

	if ((rc = badbucket(s3, bucket)) != 0)
		return rc;
	if (*key == '\0')
		return fail(s3, MP_EX_CONFIG, "s3://%s/: no key", bucket);
	if ((fd = open(path, O_RDONLY)) == -1)
		return fail(s3, MP_EX_NOINPUT, "%s: %s", path,
		    strerror(errno));
	if (fstat(fd, &st) == -1) {
		rc = fail(s3, MP_EX_IOERR, "%s: %s", path, strerror(errno));
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = fail(s3, MP_EX_NOINPUT, "%s: %s", path,
		    S_ISDIR(st.st_mode) ? strerror(EISDIR) :
		    "not a regular file");
		close(fd);
		return rc;
	}
	if (st.st_size > s3->part_size) {
		rc = putmulti(s3, fd, path, bucket, key, st.st_size, &r);
		goto out;
	}
	buf = xmalloc(st.st_size);
	if ((rc = readat(s3, fd, path, buf, st.st_size, 0)) == 0) {
		mp_md5(buf, st.st_size, md5);
		op.what = "put";
		op.method = "PUT";
		op.bucket = bucket;
		op.key = key;
		op.body = buf;
		op.bodylen = st.st_size;
		op.ctype = "application/octet-stream";
		op.md5 = md5;
		op.timeout_ms = 60000 + st.st_size / 256;
		rc = call(s3, &op, &r);
	}
	free(buf);
out:
	close(fd);
	mp_http_resp_free(&r);
	return rc;
}

int
mp_s3_list(struct mp_s3 *s3, const char *bucket, const char *prefix,
    int (*fn)(const char *, long long, void *), void *arg)
{
	struct mp_http_resp r = { 0 };
	struct mp_buf q = { 0 }, tok = { 0 }, key = { 0 }, v = { 0 };
	struct op op = { 0 };
	const char *p, *end, *a, *b, *errstr;
	long long size;
	int rc = 0, more = 0;

	if ((rc = badbucket(s3, bucket)) != 0)
		return rc;
	do {
		/* the names in order, as SigV4 wants them */
		q.len = 0;
		if (tok.len > 0) {
			mp_buf_adds(&q, "continuation-token=");
			mp_url_encode(&q, tok.p, tok.len, NULL);
			mp_buf_addc(&q, '&');
		}
		mp_buf_adds(&q, "list-type=2");
		if (s3->max_keys > 0)
			mp_buf_printf(&q, "&max-keys=%d", s3->max_keys);
		if (*prefix) {
			mp_buf_adds(&q, "&prefix=");
			mp_url_encode(&q, prefix, strlen(prefix), NULL);
		}
		op.what = "list";
		op.method = "GET";
		op.bucket = bucket;
		op.key = NULL;
		op.query = mp_buf_str(&q);
		if ((rc = call(s3, &op, &r)) != 0)
			break;
		p = r.body.p;
		end = r.body.p + r.body.len;
		while (mp_xml_elem(&p, end, "Contents", &a, &b)) {
			if (!mp_xml_get(a, b, "Key", &key) ||
			    !mp_xml_get(a, b, "Size", &v) ||
			    mp_strtonum(v.p, 0, LLONG_MAX, &size, &errstr)
			    == -1) {
				rc = fail(s3, MP_EX_UNAVAILABLE, "s3://%s/%s: "
				    "list: an entry without a key or size",
				    bucket, prefix);
				goto out;
			}
			if ((rc = fn(key.p, size, arg)) != 0)
				goto out;
		}
		more = mp_xml_get(r.body.p, end, "IsTruncated", &v) &&
		    strcmp(v.p, "true") == 0;
		if (more && (!mp_xml_get(r.body.p, end, "NextContinuationToken",
		    &tok) || tok.len == 0)) {
			rc = fail(s3, MP_EX_UNAVAILABLE, "s3://%s/%s: list: "
			    "truncated, without a continuation token",
			    bucket, prefix);
			break;
		}
	} while (more);
out:
	mp_http_resp_free(&r);
	mp_buf_free(&q);
	mp_buf_free(&tok);
	mp_buf_free(&key);
	mp_buf_free(&v);
	return rc;
}

int
mp_s3_get(struct mp_s3 *s3, const char *bucket, const char *key,
    int (*fn)(const void *, size_t, void *), void *arg)
{
	struct mp_http_resp r = { 0 };
	struct get g = { 0 };
	struct op op = { 0 };
	int rc;

	if ((rc = badbucket(s3, bucket)) != 0)
		return rc;
	if (*key == '\0')
		return fail(s3, MP_EX_CONFIG, "s3://%s/: no key", bucket);
	g.fn = fn;
	g.arg = arg;
	op.what = "get";
	op.method = "GET";
	op.bucket = bucket;
	op.key = key;
	op.get = &g;
	op.timeout_ms = GET_TIMEOUT;
	if ((rc = call(s3, &op, &r)) == -1)
		rc = g.rc;
	mp_http_resp_free(&r);
	mp_buf_free(&g.etag);
	return rc;
}

void
mp_s3_free(struct mp_s3 *s3)
{
	if (s3->secret)
		mp_digest_wipe(s3->secret, strlen(s3->secret));
	free(s3->endpoint);
	free(s3->region);
	free(s3->akid);
	free(s3->secret);
	free(s3->token);
	s3->endpoint = s3->region = s3->akid = s3->secret = s3->token = NULL;
}
