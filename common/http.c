/*
 * http.c: HTTP, HTTPS and file:// through libcurl, one request at a time
 * or many at once (signed with AWS SigV4 when asked, a body streamed to a
 * sink when asked), and what callers need around it: response headers,
 * Retry-After, URLs with their secrets hidden.  One easy handle serves
 * mp_http_do and a pool of them mp_http_do_many, kept between calls so
 * that connections are kept alive.  Never prints anything.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>

#include "mp.h"

#define HTTP_TIMEOUT	60000L		/* ms, when the request gives none */

/* One transfer: where its response goes, and what it holds meanwhile. */
struct xfer {
	struct mp_http_resp *resp;
	int	*rc;
	struct curl_slist *hdrs;
	CURL	*h;
	int	(*sink)(const char *, size_t, void *);
	void	*sinkarg;
	int	 stopped;		/* by the sink */
	char	 errbuf[CURL_ERROR_SIZE];
};

/* The handles, and their transfers (libcurl keeps pointers into them). */
static int inited;
static CURL *easy;
static struct xfer one;
static CURLM *multi;
static CURL **pool;
static struct xfer *xpool;
static int npool;

static void
init(void)
{
	if (inited)
		return;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		mp_errx(MP_EX_SOFTWARE, "cannot initialize libcurl");
	inited = 1;
}

static CURL *
xeasy(void)
{
	CURL *h;

	if ((h = curl_easy_init()) == NULL)
		mp_errx(MP_EX_SOFTWARE, "cannot initialize libcurl");
	return h;
}

/* The body: to the sink when there is one and the status is 2xx. */
static size_t
onbody(char *p, size_t sz, size_t n, void *arg)
{
	struct xfer *x = arg;
	long code = 0;

	if (x->sink) {
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 200 && code <= 299) {
			x->resp->status = code;
			if (x->sink(p, sz * n, x->sinkarg) != 0) {
				x->stopped = 1;
				return 0;	/* a write error ends it */
			}
			return sz * n;
		}
	}
	mp_buf_add(&x->resp->body, p, sz * n);
	return sz * n;
}

/*
 * Keeps the header lines of the final response only: a status line
 * starts a new response (after a redirect, a 100 Continue, a proxy's
 * CONNECT).  Lines go in as "Name: value\n"; a folded line (obs-fold)
 * joins the one before.
 */
static size_t
onheader(char *p, size_t sz, size_t n, void *arg)
{
	struct mp_buf *b = &((struct xfer *)arg)->resp->head;
	size_t len = sz * n;

	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0)
		b->len = 0;
	else if ((*p == ' ' || *p == '\t') && b->len > 0) {
		for (; len > 0 && (*p == ' ' || *p == '\t'); p++, len--)
			;
		b->p[b->len - 1] = ' ';
		mp_buf_add(b, p, len);
		mp_buf_addc(b, '\n');
	} else if (len > 0) {
		mp_buf_add(b, p, len);
		mp_buf_addc(b, '\n');
	}
	return sz * n;
}

/* Sets a handle up for a request; the handle keeps its connections. */
static void
setup(CURL *h, struct xfer *x, const struct mp_http_req *req,
    struct mp_http_resp *resp, int *rc)
{
	const char *m = req->method;
	int i;

	x->resp = resp;
	x->rc = rc;
	x->h = h;
	x->sink = req->sink;
	x->sinkarg = req->sinkarg;
	x->stopped = 0;
	resp->status = 0;
	resp->body.len = 0;
	resp->head.len = 0;
	resp->err[0] = '\0';
	x->errbuf[0] = '\0';
	x->hdrs = NULL;
	for (i = 0; req->headers && req->headers[i]; i++) {
		struct curl_slist *l = curl_slist_append(x->hdrs,
		    req->headers[i]);

		if (l == NULL)
			mp_errx(MP_EX_SOFTWARE, "out of memory");
		x->hdrs = l;
	}

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https,file");
	/* a server must not send us to a local file */
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	if (req->aws_sigv4 == NULL)
		curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "mp-fetch/" MP_VERSION);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
	    req->timeout_ms > 0 ? req->timeout_ms : HTTP_TIMEOUT);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, onbody);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, onheader);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_PRIVATE, x);
	if (x->hdrs)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->hdrs);
	if (req->userpwd)
		curl_easy_setopt(h, CURLOPT_USERPWD, req->userpwd);
	if (req->aws_sigv4) {
		curl_easy_setopt(h, CURLOPT_AWS_SIGV4, req->aws_sigv4);
		/* the path signed is the path sent: "a/../b" is a key */
		curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
	}

	if (req->body || (m && strcmp(m, "POST") == 0)) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(req->body ? req->bodylen : 0));
		curl_easy_setopt(h, CURLOPT_POSTFIELDS,
		    req->body ? req->body : "");
	}
	if (m == NULL || strcmp(m, "POST") == 0)
		return;
	if (strcmp(m, "GET") == 0 && req->body == NULL)
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	else if (strcmp(m, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m);
}

/*
 * What is wrong with the file a file:// URL names, as an errno: ENOENT
 * or ENOTDIR when it is not there, EISDIR for a folder (which libcurl
 * reads as empty); 0 when it is a file.
 */
static int
fileerr(CURL *h)
{
	const char *url = NULL;
	char *path = NULL;
	struct stat st;
	CURLU *u;
	int e = 0;

	curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &url);
	if (url == NULL || (u = curl_url()) == NULL)
		return 0;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) ==
	    CURLUE_OK) {
		if (stat(path, &st) == -1)
			e = errno;
		else if (S_ISDIR(st.st_mode))
			e = EISDIR;
	}
	curl_free(path);
	curl_url_cleanup(u);
	return e;
}

/* Ends a transfer: its status, and why it failed. */
static int
finish(CURL *h, CURLcode cc, struct xfer *x)
{
	struct mp_http_resp *r = x->resp;
	struct mp_buf b = { 0 };
	const char *scheme = NULL;
	size_t n;
	int file, e = 0;

	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	if (x->stopped) {
		snprintf(r->err, sizeof r->err, "stopped");
		return -1;
	}
	curl_easy_getinfo(h, CURLINFO_SCHEME, &scheme);
	file = scheme && strcasecmp(scheme, "file") == 0;
	if (file && (cc == CURLE_OK || cc == CURLE_FILE_COULDNT_READ_FILE)) {
		e = fileerr(h);
		if (cc != CURLE_OK && (e == ENOENT || e == ENOTDIR)) {
			r->status = 404;
			r->body.len = 0;
			return 0;
		}
		if (e == EISDIR) {
			snprintf(r->err, sizeof r->err, "%s", strerror(e));
			return -1;
		}
		if (cc == CURLE_OK)
			r->status = 200;
	}
	if (cc == CURLE_OK)
		return 0;
	/* the error buffer says more than the code's text, when it is set */
	mp_buf_adds(&b, curl_easy_strerror(cc));
	if (x->errbuf[0])
		mp_buf_printf(&b, ": %s", x->errbuf);
	if (e)
		mp_buf_printf(&b, ": %s", strerror(e));
	n = b.len < sizeof r->err ? b.len : sizeof r->err - 1;
	memcpy(r->err, b.p, n);
	r->err[n] = '\0';
	mp_buf_free(&b);
	return -1;
}

int
mp_http_do(const struct mp_http_req *req, struct mp_http_resp *resp)
{
	init();
	if (easy == NULL)
		easy = xeasy();
	setup(easy, &one, req, resp, NULL);
	return finish(easy, curl_easy_perform(easy), &one);
}

void
mp_http_do_many(const struct mp_http_req *req, struct mp_http_resp *resp,
    int *rc, int n, int max)
{
	CURLMsg *msg;
	int i, next = 0, running, left, slot;

	if (n <= 0)
		return;
	init();
	if (max < 1)
		max = 1;
	if (max > n)
		max = n;
	if (multi == NULL && (multi = curl_multi_init()) == NULL)
		mp_errx(MP_EX_SOFTWARE, "cannot initialize libcurl");
	if (npool < max) {
		pool = xrealloc(pool, max * sizeof *pool);
		xpool = xrealloc(xpool, max * sizeof *xpool);
		for (; npool < max; npool++)
			pool[npool] = xeasy();
	}
	for (slot = 0; slot < max; slot++, next++) {
		setup(pool[slot], &xpool[slot], &req[next], &resp[next],
		    &rc[next]);
		curl_multi_add_handle(multi, pool[slot]);
	}
	for (left = n; left > 0;) {
		if (curl_multi_perform(multi, &running) != CURLM_OK)
			mp_errx(MP_EX_SOFTWARE, "curl_multi_perform failed");
		while ((msg = curl_multi_info_read(multi, &i)) != NULL) {
			struct xfer *t;
			CURL *h = msg->easy_handle;
			char *pv;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(h, CURLINFO_PRIVATE, &pv);
			t = (struct xfer *)pv;
			*t->rc = finish(h, msg->data.result, t);
			curl_multi_remove_handle(multi, h);
			left--;
			if (next < n) {
				setup(h, t, &req[next], &resp[next],
				    &rc[next]);
				next++;
				curl_multi_add_handle(multi, h);
			}
		}
		if (left > 0 &&
		    curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK)
			mp_errx(MP_EX_SOFTWARE, "curl_multi_poll failed");
	}
}

const char *
mp_http_header(const struct mp_http_resp *r, const char *name,
    struct mp_buf *out)
{
	const char *p, *end, *e, *v, *found = NULL, *fe = NULL;
	size_t nl = strlen(name);

	if (r->head.len == 0)
		return NULL;
	for (p = r->head.p, end = p + r->head.len; p < end; p = e + 1) {
		if ((e = memchr(p, '\n', end - p)) == NULL)
			e = end;
		if ((size_t)(e - p) <= nl || p[nl] != ':' ||
		    strncasecmp(p, name, nl) != 0)
			continue;
		for (v = p + nl + 1; v < e && (*v == ' ' || *v == '\t'); v++)
			;
		found = v;
		for (fe = e; fe > v && (fe[-1] == ' ' || fe[-1] == '\t' ||
		    fe[-1] == '\r'); fe--)
			;
	}
	if (found == NULL)
		return NULL;
	out->len = 0;
	mp_buf_add(out, found, fe - found);
	return mp_buf_str(out);
}

/* Retry-After's HTTP-date: a cursor over the text, and its parts. */
static int
eat(const char **s, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*s, lit, n) != 0)
		return 0;
	*s += n;
	return 1;
}

/* n digits exactly (or, with pad, a space then n-1 digits). */
static int
digits(const char **s, int n, int pad, int *v)
{
	int i = 0;

	*v = 0;
	if (pad && **s == ' ')
		i++, (*s)++;
	for (; i < n; i++, (*s)++) {
		if (**s < '0' || **s > '9')
			return 0;
		*v = *v * 10 + (**s - '0');
	}
	return 1;
}

static int
month(const char **s, int *mon)
{
	static const char m[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int i;

	for (i = 0; i < 12; i++)
		if (strncmp(*s, m + 3 * i, 3) == 0) {
			*s += 3;
			*mon = i;
			return 1;
		}
	return 0;
}

/* A day name, short (Sun) or, with lng, long (Sunday). */
static int
dayname(const char **s, int lng)
{
	static const char *const d[] = {
		"Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
		"Saturday", "Sunday"
	};
	int i;

	for (i = 0; i < 7; i++)
		if (lng ? eat(s, d[i]) : strncmp(*s, d[i], 3) == 0) {
			if (!lng)
				*s += 3;
			return 1;
		}
	return 0;
}

static int
hms(const char **s, struct tm *tm)
{
	return digits(s, 2, 0, &tm->tm_hour) && eat(s, ":") &&
	    digits(s, 2, 0, &tm->tm_min) && eat(s, ":") &&
	    digits(s, 2, 0, &tm->tm_sec) && tm->tm_hour < 24 &&
	    tm->tm_min < 60 && tm->tm_sec <= 60;
}

/*
 * Parses an HTTP-date (RFC 9110 5.6.7) into seconds since the epoch;
 * now places a two-digit year (RFC 850): not more than 50 years ahead.
 */
static int
httpdate(const char *s, const char *end, time_t now, time_t *t)
{
	static const int mdays[] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	struct tm tm = { 0 }, nt;
	const char *p = s;
	int y, leap;

	if (dayname(&p, 0) && eat(&p, ", ")) {		/* IMF-fixdate */
		if (!digits(&p, 2, 0, &tm.tm_mday) || !eat(&p, " ") ||
		    !month(&p, &tm.tm_mon) || !eat(&p, " ") ||
		    !digits(&p, 4, 0, &y) || !eat(&p, " ") || !hms(&p, &tm) ||
		    !eat(&p, " GMT"))
			return -1;
	} else if (p = s, dayname(&p, 1) && eat(&p, ", ")) {	/* RFC 850 */
		if (!digits(&p, 2, 0, &tm.tm_mday) || !eat(&p, "-") ||
		    !month(&p, &tm.tm_mon) || !eat(&p, "-") ||
		    !digits(&p, 2, 0, &y) || !eat(&p, " ") || !hms(&p, &tm) ||
		    !eat(&p, " GMT"))
			return -1;
		gmtime_r(&now, &nt);
		y += (nt.tm_year + 1900) / 100 * 100;
		if (y > nt.tm_year + 1900 + 50)
			y -= 100;
	} else if (p = s, dayname(&p, 0) && eat(&p, " ")) {	/* asctime */
		if (!month(&p, &tm.tm_mon) || !eat(&p, " ") ||
		    !digits(&p, 2, 1, &tm.tm_mday) || !eat(&p, " ") ||
		    !hms(&p, &tm) || !eat(&p, " ") || !digits(&p, 4, 0, &y))
			return -1;
	} else
		return -1;
	if (p != end)
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (tm.tm_mday < 1 || tm.tm_mday > mdays[tm.tm_mon] ||
	    (tm.tm_mon == 1 && tm.tm_mday == 29 && !leap))
		return -1;
	tm.tm_year = y - 1900;
	*t = timegm(&tm);
	return 0;
}

double
mp_http_retry_after(const char *s, time_t now)
{
	const char *p;
	double v = 0;
	time_t t;
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n == 0)
		return -1;
	for (p = s; p < s + n && *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (*p - '0');
	if (p == s + n)
		return v;
	if (httpdate(s, s + n, now, &t) == -1)
		return -1;
	return t > now ? difftime(t, now) : 0;
}

/* Whether a parameter's name (percent-encoded) names a secret. */
static int
secret(const char *s, size_t n)
{
	static const char *const words[] = {
		"token", "key", "secret", "sig", "password", "passwd", "auth",
		"code", "credential", NULL
	};
	char name[256];
	size_t i, k = 0;
	int a, b;

	for (i = 0; i < n && k < sizeof name - 1; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    (a = mp_hexval(s[i + 1])) >= 0 &&
		    (b = mp_hexval(s[i + 2])) >= 0) {
			name[k++] = a << 4 | b;
			i += 2;
		} else
			name[k++] = s[i] == '+' ? ' ' : s[i];
	}
	name[k] = '\0';
	for (i = 0; i < k; i++)
		if (name[i] >= 'A' && name[i] <= 'Z')
			name[i] += 'a' - 'A';
	for (i = 0; words[i]; i++)
		if (memmem(name, k, words[i], strlen(words[i])))
			return 1;
	return 0;
}

/* Appends name=value&... pairs, the values of secret names hidden. */
static void
params(const char *s, size_t n, struct mp_buf *out)
{
	const char *end = s + n, *e, *eq;

	for (; s < end; s = e) {
		if ((e = memchr(s, '&', end - s)) == NULL)
			e = end;
		eq = memchr(s, '=', e - s);
		if (eq && secret(s, eq - s)) {
			mp_buf_add(out, s, eq + 1 - s);
			mp_buf_adds(out, "REDACTED");
		} else
			mp_buf_add(out, s, e - s);
		if (e < end)
			mp_buf_addc(out, *e++);
	}
}

void
mp_http_redact(const char *url, struct mp_buf *out)
{
	const char *p = url, *auth, *aend, *at, *colon, *q, *f;

	/* scheme "://" authority: the password is in the userinfo */
	while (*p && (strchr("+-.", *p) || (*p >= '0' && *p <= '9') ||
	    ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')))
		p++;
	if (p > url && strncmp(p, "://", 3) == 0) {
		auth = p + 3;
		aend = auth + strcspn(auth, "/?#");
		at = NULL;
		for (q = auth; q < aend; q++)
			if (*q == '@')
				at = q;
		if (at && (colon = memchr(auth, ':', at - auth)) != NULL) {
			mp_buf_add(out, url, colon + 1 - url);
			mp_buf_adds(out, "REDACTED");
			url = at;
		}
	}
	/* the query, and a fragment of name=value pairs (OAuth's) */
	q = url + strcspn(url, "?#");
	mp_buf_add(out, url, q - url);
	if (*q == '?') {
		f = q + strcspn(q, "#");
		mp_buf_addc(out, '?');
		params(q + 1, f - q - 1, out);
		q = f;
	}
	if (*q == '#') {
		mp_buf_addc(out, '#');
		params(q + 1, strlen(q + 1), out);
	}
}

int
mp_http_transient(long status)
{
	return status == 408 || status == 429 || status >= 500;
}

double
mp_http_wait(const struct mp_http_resp *resp, const char *reset, time_t now)
{
	struct mp_buf v = { 0 };
	const char *s;
	double d = -1;

	if ((s = mp_http_header(resp, "Retry-After", &v)) != NULL &&
	    (d = mp_http_retry_after(s, now)) >= 0)
		goto done;
	d = -1;
	if (reset && (s = mp_http_header(resp, reset, &v)) != NULL) {
		d = strtod(s, NULL);
		if (d > 1e9)	/* a time, not seconds */
			d -= now;
		if (d < 0)
			d = 0;
	}
done:
	mp_buf_free(&v);
	return d;
}

int
mp_http_do_retry(const struct mp_http_req *req, struct mp_http_resp *resp,
    struct mp_retry *r, const char *reset, const char **why)
{
	for (;;) {
		if (mp_http_do(req, resp) == 0 &&
		    !mp_http_transient(resp->status))
			return 0;
		if (mp_retry_wait(r, resp->status ? mp_http_wait(resp, reset,
		    time(NULL)) : -1, why) < 0)
			return -1;
	}
}

void
mp_http_resp_free(struct mp_http_resp *r)
{
	mp_buf_free(&r->body);
	mp_buf_free(&r->head);
}
