/*
 * oauth2.c: OAuth2 access tokens from a token URL, by the client
 * credentials grant or a refresh token, cached in the state folder.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mp.h"

/* The cached token when it has a minute to live, else NULL. */
static char *
cached(const char *file, time_t now)
{
	struct mp_json_err e;
	char buf[8192], *tok = NULL, *exp = NULL;
	size_t n;
	FILE *f;

	if ((f = fopen(file, "r")) == NULL)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (mp_json_check(buf, n, &e) == 0 &&
	    (tok = mp_json_member_text(buf, n, "access_token")) != NULL &&
	    (exp = mp_json_member_text(buf, n, "expires_at")) != NULL &&
	    atoll(exp) > now + 60) {
		free(exp);
		return tok;
	}
	free(exp);
	mp_secret_free(tok);
	return NULL;
}

/* "&name=" and the value, percent-encoded. */
static void
param(struct mp_buf *b, const char *name, const char *v)
{
	mp_buf_printf(b, "%s=", name);
	mp_url_encode(b, v, strlen(v), NULL);
}

/* A new token from the token URL; its lifetime into *expires. */
static char *
request(const struct mp_oauth2 *o, time_t now, long long *expires)
{
	struct mp_buf body = { 0 };
	struct mp_http_req req = { 0 };
	struct mp_http_resp resp = { 0 };
	struct mp_retry r = { 0 };
	struct mp_json_err e;
	const char *h[2] = { "Content-Type: application/x-www-form-urlencoded",
	    NULL }, *why;
	char *s, *tok, *exp, msg[400];
	int rc, st;

	if (o->refresh_file) {
		mp_buf_adds(&body, "grant_type=refresh_token&");
		s = mp_secret_read("--refresh-token-file", o->refresh_file);
		param(&body, "refresh_token", s);
		mp_secret_free(s);
	} else
		mp_buf_adds(&body, "grant_type=client_credentials");
	if (o->client_id)
		param(&body, "&client_id", o->client_id);
	if (o->secret_file) {
		s = mp_secret_read("--client-secret-file", o->secret_file);
		param(&body, "&client_secret", s);
		mp_secret_free(s);
	}
	if (o->scope)
		param(&body, "&scope", o->scope);
	req.method = "POST";
	req.url = o->token_url;
	req.headers = h;
	req.body = body.p;
	req.bodylen = body.len;
	req.timeout_ms = o->timeout_ms;
	r.max_tries = o->retries;
	rc = mp_http_do_retry(&req, &resp, &r, NULL, &why);
	explicit_bzero(body.p, body.cap);
	mp_buf_free(&body);
	tok = NULL;
	st = MP_EX_UNAVAILABLE;
	if (rc < 0)
		snprintf(msg, sizeof msg, "no token %s: %s", why, resp.status ?
		    "an HTTP error" : resp.err);
	else if (resp.status == 400 || resp.status == 401 ||
	    resp.status == 403) {
		st = MP_EX_NOPERM;
		snprintf(msg, sizeof msg, "the token request was refused "
		    "(%ld)", resp.status);
	}
	else if (resp.status != 200)
		snprintf(msg, sizeof msg, "no token: HTTP %ld", resp.status);
	else if (mp_json_check(resp.body.p, resp.body.len, &e) < 0 ||
	    (tok = mp_json_member_text(resp.body.p, resp.body.len,
	    "access_token")) == NULL)
		snprintf(msg, sizeof msg, "no access_token in the response");
	if (tok == NULL) {
		mp_http_resp_free(&resp);
		mp_errx(st, "%s: %s", o->token_url, msg);
	}
	exp = mp_json_member_text(resp.body.p, resp.body.len, "expires_in");
	*expires = now + (exp ? atoll(exp) : 3600);
	free(exp);
	mp_http_resp_free(&resp);
	return tok;
}

char *
mp_oauth2_header(const struct mp_oauth2 *o, int renew)
{
	struct mp_buf b = { 0 };
	struct mp_afile af;
	char *file, *tok = NULL, *h, name[64];
	int lockfd = -1, st;
	long long expires;
	time_t now = time(NULL);

	mp_buf_printf(&b, "%s %s %s", o->token_url, o->client_id ?
	    o->client_id : "", o->scope ? o->scope : "");
	snprintf(name, sizeof name, "oauth2-%016llx.json",
	    (unsigned long long)mp_hash(b.p, b.len, 0));
	file = mp_statedir_path(o->state_dir, name);
	if ((st = mp_lock(file, "token cache", &lockfd)) != 0) {
		free(file);
		mp_buf_free(&b);
		mp_errx(st, "nothing fetched");
	}
	if (renew || (tok = cached(file, now)) == NULL) {
		tok = request(o, now, &expires);
		b.len = 0;
		mp_buf_adds(&b, "{\"access_token\":");
		mp_buf_json_str(&b, tok, strlen(tok));
		mp_buf_printf(&b, ",\"expires_at\":%lld}\n", expires);
		if (mp_afile_open(&af, file, 0) == 0) {
			fchmod(af.fd, 0600);
			mp_afile_write(&af, b.p, b.len);
			mp_afile_commit(&af);
		}
	}
	b.len = 0;
	mp_buf_printf(&b, "Authorization: Bearer %s", tok);
	h = xstrdup(mp_buf_str(&b));
	mp_secret_free(tok);
	explicit_bzero(b.p, b.cap);
	mp_buf_free(&b);
	close(lockfd);
	free(file);
	return h;
}
