/*
 * http: a libFuzzer target for what parses a server's answer: response
 * header lines (mp_http_header), Retry-After values, and the URL
 * redaction every message goes through.  The input is a response's
 * header block; its first line is also a Retry-After value and a URL.
 * Header values come back trimmed and on one line; Retry-After is -1 or
 * not negative, and the HTTP-dates it formats here (three forms) parse
 * back to their time; redaction hides nothing twice (it is idempotent).
 * Built and run by `make fuzz` (clang).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mp.h"

static void
dates(const unsigned char *d, size_t n, time_t now)
{
	static const char *const fmt[] = {
		"%a, %d %b %Y %H:%M:%S GMT",	/* IMF-fixdate */
		"%A, %d-%b-%y %H:%M:%S GMT",	/* RFC 850 */
		"%a %b %e %H:%M:%S %Y",		/* asctime */
	};
	uint64_t v = 0;
	char buf[128];
	struct tm tm;
	time_t t;
	double w;
	size_t i;
	int f;

	for (i = 0; i < n && i < 8; i++)
		v = v << 8 | d[i];
	/* within 49 years of now, so that RFC 850's year is not ambiguous */
	t = now - 49LL * 365 * 86400 + (time_t)(v % (98ULL * 365 * 86400));
	gmtime_r(&t, &tm);
	for (f = 0; f < 3; f++) {
		strftime(buf, sizeof buf, fmt[f], &tm);
		w = mp_http_retry_after(buf, now);
		if (w != (t > now ? (double)(t - now) : 0))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	static const char *const names[] = {
		"Retry-After", "Link", "Content-Type", "X-RateLimit-Reset",
		"ETag", "Content-Encoding", "Location", "",
	};
	struct mp_http_resp r = { 0 };
	struct mp_buf v = { 0 }, a = { 0 }, b = { 0 };
	const time_t now = 1795000000;	/* 2026-11-17 */
	const char *s, *nl;
	char *line;
	double w;
	size_t i;

	mp_buf_add(&r.head, data, n);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		if ((s = mp_http_header(&r, names[i], &v)) == NULL)
			continue;
		if (strlen(s) != v.len && memchr(s, '\0', v.len) == NULL)
			abort();
		if (memchr(s, '\n', v.len) || (v.len > 0 && (s[0] == ' ' ||
		    s[0] == '\t' || s[v.len - 1] == ' ' ||
		    s[v.len - 1] == '\t' || s[v.len - 1] == '\r')))
			abort();
		w = mp_http_retry_after(s, now);
		if (w < 0 && w != -1)
			abort();
	}
	nl = memchr(data, '\n', n);
	line = xstrndup((const char *)data, nl ? (size_t)(nl - (char *)data) :
	    n);
	w = mp_http_retry_after(line, now);
	if (w < 0 && w != -1)
		abort();
	mp_http_redact(line, &a);
	mp_http_redact(mp_buf_str(&a), &b);
	if (a.len != b.len || (a.len > 0 && memcmp(a.p, b.p, a.len) != 0))
		abort();
	dates(data, n, now);
	free(line);
	mp_buf_free(&a);
	mp_buf_free(&b);
	mp_buf_free(&v);
	mp_http_resp_free(&r);
	return 0;
}
