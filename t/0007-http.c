/*
 * 0007-http: unit tests of HTTP through libcurl (http.c), as TAP.  Takes
 * the port of 0007-http.d/server.py on loopback and a scratch folder; also
 * tests Retry-After, URL redaction and backoff, which need no server.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mp.h"
#include "tap.h"

static char base[64];

static const char *
url(const char *path)
{
	static char u[256];

	snprintf(u, sizeof u, "%s%s", base, path);
	return u;
}

/* The body, NUL-terminated. */
static const char *
body(struct mp_http_resp *r)
{
	return mp_buf_str(&r->body);
}

/* A loopback port nothing listens on (just now). */
static int
closedport(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t n = sizeof a;
	int s, port;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(s, (struct sockaddr *)&a, sizeof a) == -1 ||
	    getsockname(s, (struct sockaddr *)&a, &n) == -1)
		mp_err(1, "socket");
	port = ntohs(a.sin_port);
	close(s);
	return port;
}

static void
test_do(const char *dir)
{
	static const char *const hdrs[] = {
		"X-Custom: abc 123", "Authorization: Bearer s3cret", NULL
	};
	static const char *const expect[] = { "Expect: 100-continue", NULL };
	struct mp_http_req q = { 0 };
	struct mp_http_resp r = { 0 };
	struct mp_buf v = { 0 }, u = { 0 };
	char file[512], port1[32];
	double t0;
	FILE *f;
	int rc;

	q.url = url("/hello");
	rc = mp_http_do(&q, &r);
	ok(rc == 0 && r.status == 200 &&
	    strcmp(body(&r), "hello world\n") == 0, "GET: 200 and the body");
	ok(mp_http_header(&r, "x-dup", &v) && strcmp(v.p, "two") == 0,
	    "a header: case-insensitive, the last of its name");
	ok(mp_http_header(&r, "X-CASE", &v) &&
	    strcmp(v.p, "Mixed Value") == 0, "a header's value is trimmed");
	ok(mp_http_header(&r, "content-length", &v) &&
	    strcmp(v.p, "12") == 0, "Content-Length among the headers");
	ok(mp_http_header(&r, "X-Du", &v) == NULL &&
	    mp_http_header(&r, "X-Nothing", &v) == NULL,
	    "an absent header is NULL (a prefix is not a name)");
	ok(strncmp(r.head.p, "HTTP/", 5) != 0 && r.head.len > 0 &&
	    r.head.p[r.head.len - 1] == '\n' &&
	    !memchr(r.head.p, '\r', r.head.len),
	    "head holds \"Name: value\\n\" lines, no status line");

	q.url = url("/port");
	mp_http_do(&q, &r);
	snprintf(port1, sizeof port1, "%s", body(&r));
	mp_http_do(&q, &r);
	ok(r.status == 200 && strcmp(port1, body(&r)) == 0 && *port1,
	    "keep-alive: the next request goes over the same connection");

	q.url = url("/echo");
	q.body = "a=1&b=2";
	q.bodylen = 7;
	rc = mp_http_do(&q, &r);
	ok(rc == 0 && r.status == 200 &&
	    strcmp(body(&r), "POST\na=1&b=2") == 0,
	    "a body makes a POST; the body arrives");
	q.body = "x\0y";
	q.bodylen = 3;
	rc = mp_http_do(&q, &r);
	ok(rc == 0 && r.body.len == 8 && memcmp(r.body.p, "POST\nx\0y", 8) == 0,
	    "a body of bytes, NUL and all, by its length");
	q.headers = expect;
	rc = mp_http_do(&q, &r);
	ok(rc == 0 && r.status == 200 && strcmp(body(&r), "POST\nx\0y") == 0 &&
	    mp_http_header(&r, "Content-Length", &v) && strcmp(v.p, "8") == 0,
	    "Expect: 100-continue: the final response, its headers");
	q.headers = NULL;
	q.method = "PUT";
	q.body = "put";
	q.bodylen = 3;
	rc = mp_http_do(&q, &r);
	ok(rc == 0 && strcmp(body(&r), "PUT\nput") == 0, "PUT with a body");
	q.method = "DELETE";
	q.body = NULL;
	q.bodylen = 0;
	rc = mp_http_do(&q, &r);
	ok(rc == 0 && strcmp(body(&r), "DELETE\n") == 0, "DELETE");
	q.method = "POST";
	rc = mp_http_do(&q, &r);
	ok(rc == 0 && strcmp(body(&r), "POST\n") == 0, "POST with no body");
	q.method = NULL;
	rc = mp_http_do(&q, &r);
	ok(rc == 0 && strcmp(body(&r), "GET\n") == 0,
	    "GET again on the same handle: nothing of the POST is left");
	q.method = "HEAD";
	q.url = url("/hello");
	rc = mp_http_do(&q, &r);
	ok(rc == 0 && r.status == 200 && r.body.len == 0 &&
	    mp_http_header(&r, "Content-Length", &v) &&
	    strcmp(v.p, "12") == 0, "HEAD: headers, no body");
	q.method = NULL;

	q.url = url("/headers");
	q.headers = hdrs;
	rc = mp_http_do(&q, &r);
	ok(rc == 0 && strstr(body(&r), "X-Custom: abc 123\n") &&
	    strstr(body(&r), "Authorization: Bearer s3cret\n"),
	    "custom headers arrive");
	ok(strstr(body(&r), "User-Agent: mp-fetch/" MP_VERSION "\n") != NULL,
	    "User-Agent: mp-fetch/" MP_VERSION);
	ok(strstr(body(&r), "Accept-Encoding: ") != NULL,
	    "Accept-Encoding is offered");
	q.headers = NULL;

	q.url = url("/gzip");
	rc = mp_http_do(&q, &r);
	ok(rc == 0 && strcmp(body(&r), "unzipped\n") == 0,
	    "a gzip body comes decoded");

	q.url = url("/missing");
	rc = mp_http_do(&q, &r);
	ok(rc == 0 && r.status == 404 && strcmp(body(&r), "no such thing\n")
	    == 0 && r.err[0] == '\0', "404 is a whole response: rc 0");

	q.url = url("/redirect");
	rc = mp_http_do(&q, &r);
	ok(rc == 0 && r.status == 200 && strcmp(body(&r), "hello world\n") == 0,
	    "a redirect is followed");
	ok(mp_http_header(&r, "X-Redirect", &v) == NULL &&
	    mp_http_header(&r, "Location", &v) == NULL &&
	    mp_http_header(&r, "X-Dup", &v) != NULL,
	    "head holds the final response's headers only");

	mp_buf_printf(&u, "http://127.0.0.1:%d/", closedport());
	q.url = mp_buf_str(&u);
	rc = mp_http_do(&q, &r);
	ok(rc == -1 && r.status == 0 && r.err[0], "connection refused: -1");
	printf("# %s\n", r.err);

	q.url = url("/short");
	rc = mp_http_do(&q, &r);
	ok(rc == -1 && r.status == 200 && r.err[0],
	    "Content-Length: 100 and 10 bytes, then closed: -1");
	printf("# %s\n", r.err);

	q.url = url("/badchunk");
	rc = mp_http_do(&q, &r);
	ok(rc == -1 && r.err[0], "a broken chunked encoding: -1");
	printf("# %s\n", r.err);

	q.url = url("/slow?ms=3000");
	q.timeout_ms = 300;
	t0 = mp_now();
	rc = mp_http_do(&q, &r);
	t0 = mp_now() - t0;
	ok(rc == -1 && r.err[0] && strstr(r.err, "imeout") && t0 < 2,
	    "a server slower than timeout_ms: -1 (after %.2f s)", t0);
	printf("# %s\n", r.err);
	q.timeout_ms = 0;

	q.url = url("/hello");
	rc = mp_http_do(&q, &r);
	ok(rc == 0 && r.status == 200 && r.err[0] == '\0' &&
	    strcmp(body(&r), "hello world\n") == 0,
	    "after failures, the handle works: err cleared");

	q.url = "ftp://127.0.0.1/x";
	rc = mp_http_do(&q, &r);
	ok(rc == -1 && r.err[0], "ftp:// is not allowed");
	printf("# %s\n", r.err);

	snprintf(file, sizeof file, "%s/a file", dir);
	if ((f = fopen(file, "w")) == NULL || fwrite("bytes\0\n", 1, 7, f) != 7 ||
	    fclose(f) != 0)
		mp_err(1, "%s", file);
	u.len = 0;
	mp_buf_printf(&u, "file://%s/a%%20file", dir);
	q.url = mp_buf_str(&u);
	rc = mp_http_do(&q, &r);
	ok(rc == 0 && r.status == 200 && r.body.len == 7 &&
	    memcmp(r.body.p, "bytes\0\n", 7) == 0,
	    "file:// of a file: 200 and its bytes");
	u.len = 0;
	mp_buf_printf(&u, "file://%s/none", dir);
	q.url = mp_buf_str(&u);
	rc = mp_http_do(&q, &r);
	ok(rc == 0 && r.status == 404 && r.body.len == 0,
	    "file:// of a missing file: 404");
	u.len = 0;
	mp_buf_printf(&u, "file://%s/a%%20file/under", dir);
	q.url = mp_buf_str(&u);
	rc = mp_http_do(&q, &r);
	ok(rc == 0 && r.status == 404, "file:// under a file: 404");
	u.len = 0;
	mp_buf_printf(&u, "file://%s", dir);
	q.url = mp_buf_str(&u);
	rc = mp_http_do(&q, &r);
	ok(rc == -1 && r.status == 0 && strstr(r.err, "directory"),
	    "file:// of a folder: -1, not an empty 200");
	printf("# %s\n", r.err);

	mp_http_resp_free(&r);
	mp_buf_free(&v);
	mp_buf_free(&u);
}

static void
test_many(void)
{
	struct mp_http_req q[8] = { { 0 } };
	struct mp_http_resp r[8] = { { 0 } };
	char urls[8][128], want[32];
	int rc[8], i, good;
	double t0;

	for (i = 0; i < 8; i++) {
		snprintf(urls[i], sizeof urls[i], "%s/slow?ms=200&id=%d", base,
		    i);
		q[i].url = urls[i];
		rc[i] = 99;
	}
	t0 = mp_now();
	mp_http_do_many(q, r, rc, 8, 8);
	t0 = mp_now() - t0;
	for (good = 1, i = 0; i < 8; i++) {
		snprintf(want, sizeof want, "slow %d", i);
		good &= rc[i] == 0 && r[i].status == 200 &&
		    strcmp(body(&r[i]), want) == 0;
	}
	ok(good, "8 requests at once: each response matched to its request");
	ok(t0 < 1.2, "8 requests of 200 ms, 8 in flight, in %.2f s", t0);

	/* fewer in flight than requests, failures among them; the pool again */
	snprintf(urls[2], sizeof urls[2], "http://127.0.0.1:%d/",
	    closedport());
	snprintf(urls[5], sizeof urls[5], "%s/missing", base);
	snprintf(urls[6], sizeof urls[6], "%s/slow?ms=2000&id=6", base);
	q[6].timeout_ms = 300;
	for (i = 0; i < 8; i++)
		rc[i] = 99;
	t0 = mp_now();
	mp_http_do_many(q, r, rc, 8, 3);
	t0 = mp_now() - t0;
	for (good = 1, i = 0; i < 8; i++) {
		if (i == 2 || i == 6) {
			good &= rc[i] == -1 && r[i].err[0] != '\0';
			continue;
		}
		if (i == 5) {
			good &= rc[i] == 0 && r[i].status == 404;
			continue;
		}
		snprintf(want, sizeof want, "slow %d", i);
		good &= rc[i] == 0 && r[i].status == 200 &&
		    strcmp(body(&r[i]), want) == 0 && r[i].err[0] == '\0';
	}
	ok(good, "8 requests, 3 in flight, a refusal, a 404 and a timeout "
	    "among them: each as mp_http_do's");
	ok(t0 >= 0.35 && t0 < 2.5, "3 in flight at most: %.2f s", t0);

	mp_http_do_many(q, r, rc, 1, 0);
	ok(rc[0] == 0 && strcmp(body(&r[0]), "slow 0") == 0,
	    "one request, max 0 taken as 1");
	for (i = 0; i < 8; i++)
		mp_http_resp_free(&r[i]);
}

/* An HTTP-date in the given form, d seconds from now. */
static const char *
date(const char *fmt, time_t now, long d)
{
	static char s[64];
	time_t t = now + d;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(s, sizeof s, fmt, &tm);
	return s;
}

#define IMF	"%a, %d %b %Y %H:%M:%S GMT"
#define RFC850	"%A, %d-%b-%y %H:%M:%S GMT"
#define ASCTIME	"%a %b %e %H:%M:%S %Y"

static void
test_retry_after(void)
{
	time_t now = time(NULL), t;
	double d;

	ok(mp_http_retry_after("120", now) == 120, "Retry-After: 120");
	ok(mp_http_retry_after("0", now) == 0, "Retry-After: 0");
	ok(mp_http_retry_after(" 7 ", now) == 7, "white space around");
	ok(mp_http_retry_after("-5", now) == -1 &&
	    mp_http_retry_after("abc", now) == -1 &&
	    mp_http_retry_after("", now) == -1 &&
	    mp_http_retry_after("+5", now) == -1 &&
	    mp_http_retry_after("1.5", now) == -1 &&
	    mp_http_retry_after("12abc", now) == -1,
	    "-5, abc, empty, +5, 1.5, 12abc: -1");
	d = mp_http_retry_after(date(IMF, now, 30), now);
	ok(d >= 29 && d <= 31, "an IMF-fixdate 30 s ahead: %g", d);
	ok(mp_http_retry_after(date(IMF, now, -3600), now) == 0,
	    "an IMF-fixdate in the past: 0");
	d = mp_http_retry_after(date(RFC850, now, 90), now);
	ok(d >= 89 && d <= 91, "an RFC 850 date: %g (%s)", d,
	    date(RFC850, now, 90));
	d = mp_http_retry_after(date(ASCTIME, now, 45), now);
	ok(d >= 44 && d <= 46, "an asctime date: %g (%s)", d,
	    date(ASCTIME, now, 45));
	/* the examples of RFC 9110 5.6.7, 784111777 */
	t = 784111777 - 10;
	ok(mp_http_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", t) == 10 &&
	    mp_http_retry_after("Sun Nov  6 08:49:37 1994", t) == 10,
	    "RFC 9110's examples, IMF-fixdate and asctime");
	ok(mp_http_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", t) == 10,
	    "RFC 850 with a year of the 1990s, seen from 1994");
	t = 1798761600;		/* 2027-01-01 */
	ok(mp_http_retry_after("Friday, 01-Jan-27 00:00:10 GMT", t) == 10 &&
	    mp_http_retry_after("Thursday, 31-Dec-26 00:00:00 GMT", t) == 0,
	    "RFC 850: a two-digit year is at most 50 years ahead");
	ok(mp_http_retry_after("Sun, 06 Nov 1994 08:49:37 UTC", t) == -1 &&
	    mp_http_retry_after("Sun, 6 Nov 1994 08:49:37 GMT", t) == -1 &&
	    mp_http_retry_after("Sun, 31 Feb 1994 08:49:37 GMT", t) == -1 &&
	    mp_http_retry_after("Sun, 06 Nov 1994 24:49:37 GMT", t) == -1 &&
	    mp_http_retry_after("Sun, 06 Foo 1994 08:49:37 GMT", t) == -1 &&
	    mp_http_retry_after("Sun, 06 Nov 1994 08:49:37 GMT x", t) == -1 &&
	    mp_http_retry_after("Sun Nov  6 08:49:37 94", t) == -1,
	    "not dates: other zones, one-digit days, 31 Feb, 24:49, "
	    "a bad month, trailing text, asctime's year in two digits");
}

/* Whether mp_http_redact gives want. */
static void
redact(const char *in, const char *want)
{
	struct mp_buf b = { 0 };
	const char *got;

	mp_http_redact(in, &b);
	got = mp_buf_str(&b);
	ok(strcmp(got, want) == 0, "redact '%s': '%s'", in, got);
	mp_buf_free(&b);
}

static void
test_redact(void)
{
	redact("https://user:pa55@api.example.com/v1?x=1",
	    "https://user:REDACTED@api.example.com/v1?x=1");
	redact("https://user:p@ss:w@host/p@th",
	    "https://user:REDACTED@host/p@th");
	redact("https://user@host/", "https://user@host/");
	redact("https://api.example.com/v1?access_token=x&page=2",
	    "https://api.example.com/v1?access_token=REDACTED&page=2");
	redact("https://h/?api_key=k1&API-KEY=k2&apikey",
	    "https://h/?api_key=REDACTED&API-KEY=REDACTED&apikey");
	redact("https://h/r?signature=abc%3D&id=7",
	    "https://h/r?signature=REDACTED&id=7");
	redact("https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256"
	    "&X-Amz-Credential=AKIA%2F20261120&X-Amz-Signature=f00d",
	    "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256"
	    "&X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED");
	redact("https://h/token?client_id=mp&client_secret=s3cret&"
	    "grant_type=client_credentials",
	    "https://h/token?client_id=mp&client_secret=REDACTED&"
	    "grant_type=client_credentials");
	redact("https://h/?password=a&passwd=b&auth=c&code=d&Token=e",
	    "https://h/?password=REDACTED&passwd=REDACTED&auth=REDACTED&"
	    "code=REDACTED&Token=REDACTED");
	redact("https://h/p?token=t#frag", "https://h/p?token=REDACTED#frag");
	redact("https://h/cb#access_token=t&state=s",
	    "https://h/cb#access_token=REDACTED&state=s");
	redact("https://h/p#sec?token=t", "https://h/p#sec?token=REDACTED");
	redact("https://h/path/only", "https://h/path/only");
	redact("https://h/key/secret", "https://h/key/secret");
	redact("https://h/?access%5Ftoken=t&%54OKEN=u&a%20key=v&%zz=w",
	    "https://h/?access%5Ftoken=REDACTED&%54OKEN=REDACTED&"
	    "a%20key=REDACTED&%zz=w");
	redact("https://h/?q=a=b&page=", "https://h/?q=a=b&page=");
	redact("file:///tmp/x?token=1", "file:///tmp/x?token=REDACTED");
	redact("", "");
}

static void
test_backoff(void)
{
	double v, hi, max[12] = { 0 };
	int n, i, good = 1;

	for (n = 0; n < 12; n++) {
		hi = 0.1 * (1 << n);
		if (hi > 30)
			hi = 30;
		for (i = 0; i < 2000; i++) {
			v = mp_backoff(n, 0.1, 30);
			good &= v >= 0 && v < hi;
			if (v > max[n])
				max[n] = v;
		}
		good &= max[n] > hi * 0.9;
	}
	ok(good, "mp_backoff: within [0, min(cap, base*2^n)), reaching near "
	    "its top");
	ok(max[3] > max[1] * 2 && max[6] > max[3] * 2,
	    "grows with n: %.3f %.3f %.3f", max[1], max[3], max[6]);
	ok(max[9] < 30 && max[11] < 30 && max[9] > 27 &&
	    mp_backoff(1000, 0.1, 30) < 30 && mp_backoff(-1, 0.1, 30) < 0.1,
	    "capped: %.3f; n 1000 and -1 stay in range", max[11]);
}

int
main(int argc, char **argv)
{
	mp_prog = "0007-http";
	if (argc != 3) {
		fprintf(stderr, "usage: 0007-http port dir\n");
		return 64;
	}
	snprintf(base, sizeof base, "http://127.0.0.1:%s", argv[1]);
	test_do(argv[2]);
	test_many();
	test_retry_after();
	test_redact();
	test_backoff();
	return done();
}
