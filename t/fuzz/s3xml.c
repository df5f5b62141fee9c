/*
 * s3xml: a libFuzzer target for what S3 answers: the XML of a listing and
 * of an <Error>, read as mp_s3_list and the error path read it, and the
 * credentials file (EnvironmentFile lines) and s3:// URLs, through
 * xml.c, envfile.c and s3.c's public functions.  The input is
 * the body; its first line is also an s3:// URL and a credentials file.
 * Text escaped here must decode to itself; a listing's sizes are numbers.
 * Built and run by `make fuzz` (clang).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp.h"

/* The text with XML's specials escaped, then decoded: the same bytes. */
static void
text_roundtrip(const char *s, size_t n)
{
	struct mp_buf e = { 0 }, d = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '&')
			mp_buf_adds(&e, i % 2 ? "&amp;" : "&#38;");
		else if (s[i] == '<')
			mp_buf_adds(&e, i % 2 ? "&lt;" : "&#x3C;");
		else if (s[i] == '>')
			mp_buf_adds(&e, "&gt;");
		else if (s[i] == '"')
			mp_buf_adds(&e, "&quot;");
		else
			mp_buf_addc(&e, s[i]);
	}
	mp_xml_text(mp_buf_str(&e), e.p + e.len, &d);
	if (d.len != n || (n > 0 && memcmp(d.p, s, n) != 0))
		abort();
	mp_buf_free(&e);
	mp_buf_free(&d);
}

static void
listing(const char *body, size_t n)
{
	struct mp_buf key = { 0 }, v = { 0 }, tok = { 0 };
	const char *p = body, *end = body + n, *a, *b, *errstr;
	long long size;
	int k = 0;

	while (mp_xml_elem(&p, end, "Contents", &a, &b)) {
		if (a < body || b > end || a > b || p > end)
			abort();
		if (mp_xml_get(a, b, "Key", &key) && mp_xml_get(a, b, "Size", &v) &&
		    mp_strtonum(v.p, 0, LLONG_MAX, &size, &errstr) == 0 &&
		    size < 0)
			abort();
		if (++k > 10000)
			abort();	/* p must move on */
	}
	if (mp_xml_get(body, end, "IsTruncated", &v) && strcmp(v.p, "true") == 0)
		mp_xml_get(body, end, "NextContinuationToken", &tok);
	mp_xml_get(body, end, "Code", &v);
	mp_xml_get(body, end, "Message", &v);
	mp_buf_free(&key);
	mp_buf_free(&v);
	mp_buf_free(&tok);
}

static void
credentials(const char *s, size_t n)
{
	static char file[64];
	struct mp_s3 s3 = { 0 };
	FILE *f;

	if (file[0] == '\0')
		snprintf(file, sizeof file, "/tmp/mp-fuzz-s3cred.%ld",
		    (long)getpid());
	if ((f = fopen(file, "w")) == NULL || (n > 0 &&
	    fwrite(s, 1, n, f) != n) || fclose(f) != 0)
		abort();
	if (mp_s3_credentials(&s3, file) == 0 && ((s3.akid &&
	    strchr(s3.akid, '\n')) || (s3.secret && strchr(s3.secret, '\n'))))
		abort();
	mp_s3_free(&s3);
	unlink(file);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	const char *s = (const char *)data, *nl = memchr(s, '\n', n);
	struct mp_buf body = { 0 };
	char *url, *bucket, *key;

	mp_buf_add(&body, s, n);
	(void)mp_xml_root_is(mp_buf_str(&body), body.len, "Error");
	listing(s, n);
	text_roundtrip(s, n);
	url = xstrndup(s, nl ? (size_t)(nl - s) : n);
	if (mp_s3_parse(url, &bucket, &key) == 0) {
		if (*bucket == '\0' || strlen(bucket) > 255)
			abort();
		free(bucket);
		free(key);
	}
	free(url);
	credentials(s, n);
	mp_buf_free(&body);
	return 0;
}
