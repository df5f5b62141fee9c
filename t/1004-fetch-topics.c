/*
 * Unit tests of what mp-fetch's topics know: the waits a response asks
 * for and which statuses are worth another try (http.c), times and URL
 * templates (window.c), formats by name (decode.c), percent-encoding
 * (url.c), JSON members as text (json.c), digests (digest.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mp.h"
#include "tap.h"

static void
t_http(void)
{
	struct mp_http_resp r = { 0 };
	time_t now = 2000000000;

	ok(mp_http_transient(429) && mp_http_transient(408) &&
	    mp_http_transient(503) && !mp_http_transient(404) &&
	    !mp_http_transient(401) && !mp_http_transient(200),
	    "transient: 408, 429, 5xx; not 4xx, 2xx");
	ok(mp_http_wait(&r, "X-RateLimit-Reset", now) == -1,
	    "no header: no wait asked");
	mp_buf_adds(&r.head, "X-RateLimit-Reset: 7\n");
	ok(mp_http_wait(&r, "X-RateLimit-Reset", now) == 7,
	    "a reset header in seconds");
	ok(mp_http_wait(&r, NULL, now) == -1, "...not asked for: ignored");
	r.head.len = 0;
	mp_buf_adds(&r.head, "x-ratelimit-reset: 2000000030\n");
	ok(mp_http_wait(&r, "X-RateLimit-Reset", now) == 30,
	    "a reset header as an epoch time, any case");
	r.head.len = 0;
	mp_buf_adds(&r.head, "X-RateLimit-Reset: 1999999990\n");
	ok(mp_http_wait(&r, "X-RateLimit-Reset", now) == 0,
	    "a reset time passed: no wait");
	mp_buf_adds(&r.head, "Retry-After: 12\n");
	ok(mp_http_wait(&r, "X-RateLimit-Reset", now) == 12,
	    "Retry-After first");
	r.head.len = 0;
	mp_buf_adds(&r.head, "Retry-After: soon\nX-RateLimit-Reset: 5\n");
	ok(mp_http_wait(&r, "X-RateLimit-Reset", now) == 5,
	    "a Retry-After that does not parse: the reset header");
	mp_http_resp_free(&r);
}

static void
t_window(void)
{
	struct mp_win w = { 0 };
	struct mp_buf b = { 0 };
	int64_t us;

	ok(mp_window_time("2026-11-20", &us) == 0 &&
	    us == 1795132800LL * 1000000, "a date is its midnight, UTC");
	ok(mp_window_time("2026-11-20T13:04:05Z", &us) == 0 &&
	    us == (1795132800LL + 47045) * 1000000, "RFC 3339");
	ok(mp_window_time("-1h", &us) == 0 &&
	    llabs(us / 1000000 - (time(NULL) - 3600)) <= 1, "-1h");
	ok(mp_window_time("yesterday", &us) < 0, "not a time");
	w.from = 1795132800;
	w.to = w.from + 3600;
	w.page = 3;
	w.offset = 200;
	w.cursor = "a+b/c=";
	setenv("MP_T_KEY", "k y", 1);
	mp_window_expand("/x?from={from}&to={to}&p={page}&o={offset}"
	    "&n={limit}&c={cursor}&k={env:MP_T_KEY}&{other}", &w,
	    "%Y-%m-%dT%H:%M:%SZ", 100, 1, &b);
	ok(strcmp(mp_buf_str(&b), "/x?from=2026-11-20T00%3A00%3A00Z"
	    "&to=2026-11-20T01%3A00%3A00Z&p=3&o=200&n=100&c=a%2Bb%2Fc%3D"
	    "&k=k%20y&{other}") == 0, "a URL template, values encoded: %s",
	    b.p);
	b.len = 0;
	mp_window_expand("{from}-{to} {cursor}", &w, "epoch", 0, 0, &b);
	ok(strcmp(mp_buf_str(&b), "1795132800-1795136400 a+b/c=") == 0,
	    "epoch, and a header's values as they are: %s", b.p);
	b.len = 0;
	mp_window_fmttime("epoch_ms", 5, &b);
	ok(strcmp(mp_buf_str(&b), "5000") == 0, "epoch_ms");
	ok(strcmp(mp_window_name(&w), "2026-11-20T00:00:00Z.."
	    "2026-11-20T01:00:00Z") == 0, "a window's name");
	w.from = MP_NOTIME;
	ok(strcmp(mp_window_name(&w), "(no window)") == 0,
	    "no window's name");
	mp_buf_free(&b);
}

static void
t_windows(void)
{
	struct mp_windows ws = { 0 };

	ws.firstpage = 1;
	mp_window_make(&ws, 0, 10 * 3600 * 1000000LL, 4 * 3600 * 1000000LL);
	ok(ws.n == 3 && ws.w[2].from == 8 * 3600 && ws.w[2].to == 10 * 3600 &&
	    ws.w[0].page == 1 && ws.w[0].count == -1,
	    "windows of 4h over 10h: 3, the last short");
	ok(mp_window_splittable(&ws.w[0], 60000000), "4h splits at 1m");
	ok(!mp_window_splittable(&ws.w[0], 5 * 3600 * 1000000LL),
	    "...not at 5h");
	ws.w[1].split = 1;
	ok(mp_window_splits(&ws) == 1 && ws.n == 4 &&
	    ws.w[1].from == 4 * 3600 && ws.w[1].to == 6 * 3600 &&
	    ws.w[2].from == 6 * 3600 && ws.w[2].to == 8 * 3600,
	    "a split window: its halves in its place");
	mp_window_defer(&ws.w[0], 0, "f", 1, "bad", "x", 1);
	mp_window_defer(&ws.w[0], 1, "f", 2, "footer", "y", 1);
	mp_window_undefer(&ws.w[0], 1, NULL);
	ok(ws.w[0].npend == 1, "rejects of a page thrown away go with it");
	mp_window_free(&ws);
	mp_window_make(&ws, MP_NOTIME, MP_NOTIME, 0);
	ok(ws.n == 1 && ws.w[0].from == MP_NOTIME, "no times: one window");
	mp_window_free(&ws);
}

static void
t_misc(void)
{
	struct mp_buf b = { 0 };
	const char *obj = "{\"run\":{\"from\":\"x\\u0041\",\"n\":12},\"b\":true}";
	char *v, hex[65];

	ok(mp_decode_byname("r.csv.gz") == MP_DECODE_CSV &&
	    mp_decode_byname("r.TSV?x=1") == MP_DECODE_TSV &&
	    mp_decode_byname("a.jsonl") == MP_DECODE_NDJSON &&
	    mp_decode_byname("a.json.zst") == MP_DECODE_JSON &&
	    mp_decode_byname("/api/x") == MP_DECODE_AUTO,
	    "formats by name, a compression's extension aside");
	mp_url_encode(&b, "a b~/é", strlen("a b~/é"), NULL);
	ok(strcmp(mp_buf_str(&b), "a%20b~%2F%C3%A9") == 0, "percent-encoding");
	v = mp_json_member_text(obj, strlen(obj), "run.from");
	ok(v && strcmp(v, "xA") == 0, "a string member, decoded");
	free(v);
	v = mp_json_member_text(obj, strlen(obj), "run.n");
	ok(v && strcmp(v, "12") == 0, "a number member as its text");
	free(v);
	ok(mp_json_member_text(obj, strlen(obj), "b") == NULL &&
	    mp_json_member_text(obj, strlen(obj), "c") == NULL,
	    "other types and absent members: NULL");
	mp_digest_blake2b_hex("", 0, hex);
	ok(strcmp(hex, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45"
	    "cdf12fe3a8") == 0, "BLAKE2b-256 of nothing");
	mp_buf_free(&b);
}

int
main(void)
{
	t_http();
	t_window();
	t_windows();
	t_misc();
	return done();
}
