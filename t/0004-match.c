/*
 * 0004-match: unit tests of the matching topics as TAP: strict address
 * parsing, range sets (edges, overlaps, priorities, against a linear scan
 * on random ranges), the multi-pattern matcher (against a naive search),
 * durations and rate windows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "mp.h"
#include "tap.h"

/* want: the address formatted back, or NULL when it must not parse */
static void
t_ip(const char *s, const char *want)
{
	char buf[64];
	mp_ip ip;
	int rc = mp_ip_parse(s, strlen(s), &ip);

	if (want == NULL)
		ok(rc < 0, "'%s' is not an address", s);
	else
		ok(rc == 0 && strcmp(mp_ip_fmt(ip, buf), want) == 0,
		    "'%s' is %s (%s)", s, want, rc == 0 ? buf : "invalid");
}

static void
t_cidr(const char *s, const char *lo, const char *hi, const char *err)
{
	char a[64], b[64];
	const char *e = NULL;
	mp_ip l, h;
	int rc = mp_cidr_parse(s, strlen(s), &l, &h, &e);

	if (err)
		ok(rc < 0 && strcmp(e, err) == 0, "range '%s': %s", s,
		    rc < 0 ? e : "accepted");
	else
		ok(rc == 0 && strcmp(mp_ip_fmt(l, a), lo) == 0 &&
		    strcmp(mp_ip_fmt(h, b), hi) == 0, "range '%s' is %s-%s",
		    s, lo, hi);
}

static int
find(struct mp_cidr *c, const char *s)
{
	mp_ip ip;

	if (mp_ip_parse(s, strlen(s), &ip) < 0)
		return -9;
	return mp_cidr_find(c, ip);
}

static void
add(struct mp_cidr *c, const char *s, int v)
{
	const char *e;
	mp_ip l, h;

	if (mp_cidr_parse(s, strlen(s), &l, &h, &e) < 0)
		abort();
	mp_cidr_add(c, l, h, v);
}

static uint64_t seed = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

/* random ranges of three values against a linear scan */
static void
t_cidr_random(void)
{
	struct { mp_ip lo, hi; int v; } r[300];
	struct mp_cidr *c = mp_cidr_new();
	int i, j, bad = 0, want, len;
	mp_ip ip, base = (mp_ip)0xffff << 32;

	for (i = 0; i < 300; i++) {
		len = 8 + rnd() % 17;		/* /8 to /24 inside 10/8 */
		ip = base | 0x0a000000 | (rnd() & 0xffffff);
		ip &= ~(((mp_ip)1 << (32 - len)) - 1);
		r[i].lo = ip;
		r[i].hi = ip | (((mp_ip)1 << (32 - len)) - 1);
		r[i].v = rnd() % 3;
		mp_cidr_add(c, r[i].lo, r[i].hi, r[i].v);
	}
	mp_cidr_build(c);
	for (j = 0; j < 20000; j++) {
		ip = base | (j % 4 == 0 ? rnd() & 0xffffffff :
		    0x0a000000 | (rnd() & 0xffffff));
		want = -1;
		for (i = 0; i < 300; i++)
			if (ip >= r[i].lo && ip <= r[i].hi && (want < 0 ||
			    r[i].v < want))
				want = r[i].v;
		bad += mp_cidr_find(c, ip) != want;
	}
	ok(bad == 0, "300 random ranges agree with a linear scan on 20000 "
	    "addresses (%d differ)", bad);
	mp_cidr_free(c);
}

static void
t_cidr_set(void)
{
	struct mp_cidr *c = mp_cidr_new();

	add(c, "10.0.0.0/8", 1);
	add(c, "10.1.0.0/16", 0);	/* a lower value wins inside */
	add(c, "192.168.1.0/24", 1);
	add(c, "192.168.2.0/24", 1);	/* adjacent: merged */
	add(c, "2001:db8::/32", 2);
	add(c, "::ffff:8.8.8.0/120", 2);
	add(c, "0.0.0.0/32", 1);
	add(c, "255.255.255.255", 0);
	add(c, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00/120", 0);
	mp_cidr_build(c);
	ok(find(c, "10.0.0.0") == 1, "first address of 10/8");
	ok(find(c, "9.255.255.255") == -1, "one before 10/8");
	ok(find(c, "10.255.255.255") == 1, "last address of 10/8");
	ok(find(c, "11.0.0.0") == -1, "one past 10/8");
	ok(find(c, "10.1.0.0") == 0, "10.1/16 wins inside 10/8 (first)");
	ok(find(c, "10.1.255.255") == 0, "10.1/16 last");
	ok(find(c, "10.0.255.255") == 1, "10/8 just before 10.1/16");
	ok(find(c, "10.2.0.0") == 1, "10/8 just after 10.1/16");
	ok(find(c, "192.168.1.255") == 1 && find(c, "192.168.2.0") == 1,
	    "adjacent ranges");
	ok(find(c, "192.168.3.0") == -1, "one past adjacent ranges");
	ok(find(c, "::ffff:10.1.2.3") == 0, "IPv4-mapped matches IPv4");
	ok(find(c, "::ffff:0a01:0203") == 0, "IPv4-mapped in hex too");
	ok(find(c, "::10.1.2.3") == -1, "IPv4-compatible is IPv6");
	ok(find(c, "8.8.8.8") == 2, "IPv4 in an IPv4-mapped range");
	ok(find(c, "2001:db8::") == 2 && find(c, "2001:db8:ffff:ffff:ffff:"
	    "ffff:ffff:ffff") == 2, "IPv6 first and last");
	ok(find(c, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff") == -1 &&
	    find(c, "2001:db9::") == -1, "IPv6 one before, one past");
	ok(find(c, "0.0.0.0") == 1 && find(c, "0.0.0.1") == -1,
	    "the lowest IPv4 address");
	ok(find(c, "255.255.255.255") == 0 && find(c, "255.255.255.254") ==
	    -1, "the highest IPv4 address");
	ok(find(c, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == 0 &&
	    find(c, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:feff") == -1,
	    "the highest IPv6 address");
	ok(find(c, "::") == -1, "::");
	ok(mp_cidr_count(c) == 9, "disjoint ranges: %zu",
	    mp_cidr_count(c));
	mp_cidr_free(c);

	c = mp_cidr_new();
	add(c, "::/0", 3);
	add(c, "1.2.3.0/24", 1);
	mp_cidr_build(c);
	ok(find(c, "1.2.3.4") == 1 && find(c, "1.2.4.0") == 3 &&
	    find(c, "::") == 3 && find(c, "ffff:ffff:ffff:ffff:ffff:ffff:"
	    "ffff:ffff") == 3, "a range inside ::/0");
	mp_cidr_free(c);

	c = mp_cidr_new();
	mp_cidr_build(c);
	ok(find(c, "1.2.3.4") == -1, "empty set");
	mp_cidr_free(c);
}

/* the first pattern that occurs in s, case folded: the naive way */
static int
naive(char **pat, int np, const char *s)
{
	int i;

	for (i = 0; i < np; i++)
		if (strcasestr(s, pat[i]))
			return i;
	return -1;
}

static int pm(struct mp_pat *, const char *);

/* 200 random substrings of 1 to 5 letters of "abAB/ c", kept in pat */
static struct mp_pat *
random_pat(char *pat[200])
{
	static const char alpha[] = "abAB/ c";
	struct mp_pat *p = mp_pat_new();
	char err[200];
	int i, j, k;

	for (i = 0; i < 200; i++) {
		k = 1 + rnd() % 5;
		pat[i] = xmalloc(k + 1);
		for (j = 0; j < k; j++)
			pat[i][j] = alpha[rnd() % 7];
		pat[i][k] = '\0';
		mp_pat_add(p, "x", pat[i], k, 0, err, sizeof err);
	}
	mp_pat_build(p, err, sizeof err);
	return p;
}

static void
t_pat_random(void)
{
	static const char alpha[] = "abAB/ c";
	char *pat[200], s[80];
	struct mp_pat *p;
	int i, j, k, bad = 0;

	p = random_pat(pat);
	for (i = 0; i < 5000; i++) {
		k = rnd() % 40;
		for (j = 0; j < k; j++)
			s[j] = alpha[rnd() % 7];
		s[k] = '\0';
		bad += mp_pat_match(p, s, k) != naive(pat, 200, s);
	}
	ok(bad == 0, "200 random substrings agree with a naive search on "
	    "5000 strings (%d differ)", bad);
	for (i = 0; i < 200; i++)
		free(pat[i]);
	mp_pat_free(p);
}

/*
 * The answers kept by string: strings seen again, in any order, some
 * longer than those kept, some sharing a slot, still agree.
 */
static void
t_pat_memo(void)
{
	static const char alpha[] = "abAB/ c";
	char *pat[200], *str[64];
	struct mp_pat *p;
	int i, j, k, bad = 0;

	p = random_pat(pat);
	for (i = 0; i < 64; i++) {
		k = i < 8 ? 240 + i * 3 : 1 + (int)(rnd() % 12);
		str[i] = xmalloc(k + 1);
		for (j = 0; j < k; j++)
			str[i][j] = alpha[rnd() % 7];
		str[i][k] = '\0';
	}
	for (i = 0; i < 20000; i++) {
		k = rnd() % 64;
		bad += pm(p, str[k]) != naive(pat, 200, str[k]);
	}
	ok(bad == 0, "64 strings matched 20000 times over, some longer than "
	    "the answers kept: each agrees with a naive search (%d differ)",
	    bad);
	for (i = 0; i < 200; i++)
		free(pat[i]);
	for (i = 0; i < 64; i++)
		free(str[i]);
	mp_pat_free(p);
}

/*
 * Random regexes, each alone in a set, against PCRE2 itself: the literal
 * a regex waits for must never hide a match.
 */
static void
t_pat_regex_random(void)
{
	static const char *piece[] = { "a", "b", "ab", "ba", "/", "\\.", ".",
	    "\\b", "[ab]", "[^a]", "(?:a|b/)", "(a)", "\\d", "\\w", "^", "$",
	    "(?!b)", "(?<=a)", " ", "x", "(?:ab)", "\\s", "[[:alpha:]]", "\\E",
	    "(?ix)", "[[:a]", "(?i)" };
	static const char *q[] = { "", "", "", "?", "*", "+", "{0,2}", "{2}",
	    "+?", "*+", "{00}", "{00,1}", "{01}" };
	static const char alpha[] = "abAB/ .x1";
	struct mp_buf re = { 0 };
	char s[40], err[300];
	int i, j, k, m, bad = 0, tried = 0, ec, want, got;
	PCRE2_SIZE off;
	pcre2_code *code;
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	struct mp_pat *p;

	for (i = 0; i < 400; i++) {
		re.len = 0;
		k = 1 + rnd() % 5;
		for (j = 0; j < k; j++) {
			if (j > 0 && rnd() % 6 == 0)
				mp_buf_addc(&re, '|');
			mp_buf_adds(&re, piece[rnd() % 27]);
			if (re.len && re.p[re.len - 1] != '^' &&
			    re.p[re.len - 1] != '$' &&
			    re.p[re.len - 1] != '|')
				mp_buf_adds(&re, q[rnd() % 13]);
		}
		code = pcre2_compile((PCRE2_SPTR)re.p, re.len,
		    PCRE2_CASELESS, &ec, &off, NULL);
		if (code == NULL)
			continue;
		p = mp_pat_new();
		if (mp_pat_add(p, "r", re.p, re.len, 1, err, sizeof err) < 0 ||
		    mp_pat_build(p, err, sizeof err) < 0) {
			bad++;
			continue;
		}
		for (m = 0; m < 40; m++) {
			k = rnd() % 12;
			for (j = 0; j < k; j++)
				s[j] = alpha[rnd() % 9];
			want = pcre2_match(code, (PCRE2_SPTR)s, k, 0, 0, md,
			    NULL) >= 0 ? 0 : -1;
			got = mp_pat_match(p, s, k);
			if (got != want && bad++ < 5)
				printf("# regex '%s' on '%.*s': %d, want %d\n",
				    mp_buf_str(&re), k, s, got, want);
			tried++;
		}
		pcre2_code_free(code);
		mp_pat_free(p);
	}
	ok(bad == 0 && tried > 8000, "%d random regexes on random strings "
	    "agree with PCRE2 alone (%d differ)", tried, bad);
	pcre2_match_data_free(md);
	mp_buf_free(&re);
}

static int
pm(struct mp_pat *p, const char *s)
{
	return mp_pat_match(p, s, strlen(s));
}

static void
t_pat(void)
{
	struct mp_pat *p = mp_pat_new();
	char err[300];

	ok(mp_pat_add(p, "a", "GoogleBot", 9, 0, err, sizeof err) == 0,
	    "substring added");
	ok(mp_pat_add(p, "b", "\\bbot\\b", 7, 1, err, sizeof err) == 1,
	    "regex added");
	ok(mp_pat_add(p, "c", "curl/", 5, 0, err, sizeof err) == 2,
	    "substring after a regex");
	ok(mp_pat_add(p, "d", "^(x+)y\\1$", 9, 1, err, sizeof err) == 3,
	    "regex with a back reference");
	ok(mp_pat_add(p, "e", "(a)\\1z", 6, 1, err, sizeof err) == 4,
	    "a second back reference to group 1");
	ok(mp_pat_add(p, "f", "bot", 3, 0, err, sizeof err) == 5,
	    "a generic substring last");
	ok(mp_pat_add(p, "g", "(", 1, 1, err, sizeof err) == -1 &&
	    strstr(err, "missing closing parenthesis") != NULL,
	    "bad regex: %s", err);
	ok(mp_pat_add(p, "g", "", 0, 0, err, sizeof err) == -1,
	    "empty pattern refused");
	ok(mp_pat_build(p, err, sizeof err) == 0, "built");
	ok(pm(p, "Mozilla/5.0 (compatible; googlebot/2.1)") == 0,
	    "case folded substring");
	ok(pm(p, "a bot and googlebot") == 0, "the first listed wins over "
	    "an earlier position");
	ok(pm(p, "curl/8 bot") == 1, "a regex listed first wins");
	ok(pm(p, "curl/8.5") == 2, "substring");
	ok(pm(p, "CUBOT X30") == 5, "word-bounded regex skips CUBOT, the "
	    "generic substring does not");
	ok(pm(p, "xxyxx") == 3 && pm(p, "xxyx") == -1,
	    "back reference in its own alternative");
	ok(pm(p, "aaz") == 4, "group numbers restart in each regex");
	ok(pm(p, "Firefox") == -1, "no match");
	ok(pm(p, "") == -1, "empty string");
	ok(pm(p, "\xff\xfe bot") == 1, "invalid UTF-8 still matched");
	ok(strcmp(mp_pat_label(p, 3), "d") == 0 && mp_pat_count(p) == 6,
	    "labels and count");
	mp_pat_free(p);

	p = mp_pat_new();
	mp_pat_add(p, "r", "CAF\xc3\xa9", 5, 1, err, sizeof err);
	mp_pat_build(p, err, sizeof err);
	ok(pm(p, "caf\xc3\xa9") == 0 && pm(p, "caf\xc3\x89") == -1,
	    "regexes fold ASCII case only, as substrings do");
	mp_pat_free(p);

	p = mp_pat_new();
	mp_pat_build(p, err, sizeof err);
	ok(pm(p, "anything") == -1, "an empty set matches nothing");
	mp_pat_free(p);
}

static void
t_duration(const char *s, int64_t want)
{
	const char *e;
	int64_t us = 0;
	int rc = mp_duration_parse(s, &us, &e);

	if (want < 0)
		ok(rc < 0, "duration '%s' refused", s);
	else
		ok(rc == 0 && us == want, "duration '%s' is %lld us", s,
		    (long long)us);
}

static void
t_rate(void)
{
	struct mp_rate *r = mp_rate_new(2, 60000000);
	int64_t m = 60000000, t0 = 1763596800LL * 1000000;
	int i, pass = 0;

	ok(mp_rate_hit(r, "a", 1, t0) && mp_rate_hit(r, "a", 1, t0 + 1) &&
	    !mp_rate_hit(r, "a", 1, t0 + m - 1), "third in a window is over");
	ok(mp_rate_hit(r, "b", 1, t0 + 5), "another key has its own count");
	ok(mp_rate_hit(r, "a", 1, t0 + m), "the next window starts afresh");
	ok(mp_rate_hit(r, "z", 1, t0) == 1 && mp_rate_hit(r, "z", 1, t0) == 1 &&
	    mp_rate_hit(r, "z", 1, t0) == 0, "the window before the newest "
	    "still counts");
	ok(mp_rate_hit(r, "z", 1, t0 - m) == 2, "two windows back: too late "
	    "to count");
	mp_rate_free(r);
	r = mp_rate_new(2, 60000000);
	ok(mp_rate_hit(r, "a", 1, -1) && mp_rate_hit(r, "a", 1, -m) &&
	    !mp_rate_hit(r, "a", 1, -30), "windows before the epoch");
	/* many keys over many windows: memory follows the live ones */
	for (i = 0; i < 200000; i++)
		pass += mp_rate_hit(r, &i, sizeof i, t0 + (int64_t)i / 1000 *
		    m);
	ok(pass == 200000, "200000 distinct keys pass");
	ok(mp_rate_size(r) <= 8000, "counters held stay within 4x the 2000 "
	    "live ones: %zu",
	    mp_rate_size(r));
	mp_rate_free(r);
}

int
main(void)
{
	mp_prog = "0004-match";

	t_ip("1.2.3.4", "1.2.3.4");
	t_ip("0.0.0.0", "0.0.0.0");
	t_ip("255.255.255.255", "255.255.255.255");
	t_ip("256.1.1.1", NULL);
	t_ip("01.2.3.4", NULL);
	t_ip("1.2.3", NULL);
	t_ip("1.2.3.4.5", NULL);
	t_ip("1.2.3.", NULL);
	t_ip(".1.2.3", NULL);
	t_ip("0x7f.0.0.1", NULL);
	t_ip("127.1", NULL);
	t_ip("2130706433", NULL);
	t_ip("1.2.3.4 ", NULL);
	t_ip(" 1.2.3.4", NULL);
	t_ip("1.2.3.4/32", NULL);
	t_ip("1.2.3.4:80", NULL);
	t_ip("1..3.4", NULL);
	t_ip("", NULL);
	t_ip("::", "::");
	t_ip("::1", "::1");
	t_ip("1::", "1::");
	t_ip("2001:DB8::0:1", "2001:db8::1");
	t_ip("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
	t_ip("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8");
	t_ip("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0");
	t_ip("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8");
	t_ip("1:0:0:2:0:0:0:3", "1:0:0:2::3");
	t_ip("::ffff:1.2.3.4", "1.2.3.4");
	t_ip("::FFFF:0102:0304", "1.2.3.4");
	t_ip("64:ff9b::1.2.3.4", "64:ff9b::102:304");
	t_ip("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304");
	t_ip("1:2:3:4:5:6:7:1.2.3.4", NULL);
	t_ip("::ffff:01.2.3.4", NULL);
	t_ip("::ffff:1.2.3", NULL);
	t_ip("1:2:3:4:5:6:7:8:9", NULL);
	t_ip("1:2:3:4:5:6:7", NULL);
	t_ip("1::2::3", NULL);
	t_ip(":::", NULL);
	t_ip(":1::", NULL);
	t_ip("1::2:", NULL);
	t_ip("1:2:3:4:5:6:7:8:", NULL);
	t_ip("12345::", NULL);
	t_ip("g::", NULL);
	t_ip("fe80::1%eth0", NULL);
	t_ip("[::1]", NULL);
	t_ip("::1.2.3.4:5", NULL);

	t_cidr("10.0.0.0/8", "10.0.0.0", "10.255.255.255", NULL);
	t_cidr("1.2.3.4", "1.2.3.4", "1.2.3.4", NULL);
	t_cidr("0.0.0.0/0", "0.0.0.0", "255.255.255.255", NULL);
	t_cidr("2001:db8::/32", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:"
	    "ffff:ffff", NULL);
	t_cidr("::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", NULL);
	t_cidr("::1/128", "::1", "::1", NULL);
	t_cidr("10.0.0.1/8", NULL, NULL, "host bits set");
	t_cidr("10.0.0.0/33", NULL, NULL, "prefix length out of range");
	t_cidr("2001:db8::/129", NULL, NULL, "prefix length out of range");
	t_cidr("10.0.0.0/08", NULL, NULL, "invalid prefix length");
	t_cidr("10.0.0.0/", NULL, NULL, "invalid prefix length");
	t_cidr("10.0.0.0/+8", NULL, NULL, "invalid prefix length");
	t_cidr("10.0.0.0/8x", NULL, NULL, "invalid prefix length");
	t_cidr("10.0.0/8", NULL, NULL, "invalid address");
	t_cidr("::ffff:10.0.0.0/104", "10.0.0.0", "10.255.255.255", NULL);

	t_cidr_set();
	t_cidr_random();
	t_pat();
	t_pat_random();
	t_pat_memo();
	t_pat_regex_random();

	t_duration("1s", 1000000);
	t_duration("500ms", 500000);
	t_duration("1m", 60000000);
	t_duration("1h30m", 5400000000LL);
	t_duration("1d", 86400000000LL);
	t_duration("90s", 90000000);
	t_duration("0s", -1);
	t_duration("", -1);
	t_duration("1", -1);
	t_duration("s", -1);
	t_duration("1w", -1);
	t_duration("-1s", -1);
	t_duration("1.5h", -1);
	t_duration("99999999999999999999d", -1);
	t_duration("9999999999d", -1);

	t_rate();

	return done();
}
