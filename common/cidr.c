/*
 * cidr.c: IP addresses, parsed strictly, and sets of address ranges looked
 * up by bisection over disjoint intervals, so a lookup costs the same
 * (about log2 of the range count, 16 steps for 50000) however the ranges
 * overlap.  IPv4 lives in the IPv4-mapped block ::ffff:0:0/96, which is
 * why an IPv4-mapped IPv6 address matches IPv4 ranges.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

#define V4MAPPED	((mp_ip)0xffff << 32)

struct range {
	mp_ip	 lo, hi;
	int	 val;
};

struct mp_cidr {
	struct range *r;
	size_t	 n, cap;
	int	 built;
};

static int
v4(const char *s, size_t n, uint32_t *out)
{
	size_t i = 0, start;
	unsigned part;
	int k;

	*out = 0;
	for (k = 0; k < 4; k++) {
		if (k > 0) {
			if (i >= n || s[i] != '.')
				return -1;
			i++;
		}
		start = i;
		part = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 3)
			part = part * 10 + (s[i++] - '0');
		/* no empty parts, no leading zeros (octal to some), <= 255 */
		if (i == start || part > 255 || (s[start] == '0' &&
		    i - start > 1))
			return -1;
		*out = *out << 8 | part;
	}
	return i == n ? 0 : -1;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* RFC 4291 section 2.2 text forms; no zone, no brackets. */
static int
v6(const char *s, size_t n, mp_ip *out)
{
	uint16_t g[8];
	size_t i = 0, start;
	uint32_t a4;
	int ng = 0, gap = -1, h, k;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (n > 0 && s[0] == ':')
		return -1;
	while (i < n) {
		start = i;
		for (h = 0; i < n && (k = hexval(s[i])) >= 0 && i - start < 4;
		    i++)
			h = h << 4 | k;
		if (i < n && s[i] == '.') {
			/* a dotted quad ends the address, taking two groups */
			if (ng > 6 || v4(s + start, n - start, &a4) < 0)
				return -1;
			g[ng++] = a4 >> 16;
			g[ng++] = a4 & 0xffff;
			i = n;
			break;
		}
		if (i == start || ng == 8)
			return -1;
		g[ng++] = h;
		if (i == n)
			break;
		if (s[i] != ':')
			return -1;
		i++;
		if (i < n && s[i] == ':') {
			if (gap >= 0)
				return -1;
			gap = ng;
			i++;
		} else if (i == n)
			return -1;	/* one trailing colon */
	}
	if (gap < 0 ? ng != 8 : ng > 7)
		return -1;
	*out = 0;
	for (k = 0; k < 8; k++) {
		int j = gap < 0 || k < gap ? k :
		    k < gap + 8 - ng ? -1 : k - (8 - ng);

		*out = *out << 16 | (j < 0 ? 0 : g[j]);
	}
	return 0;
}

int
mp_ip_parse(const char *s, size_t n, mp_ip *out)
{
	uint32_t a;

	if (memchr(s, ':', n))
		return v6(s, n, out);
	if (v4(s, n, &a) < 0)
		return -1;
	*out = V4MAPPED | a;
	return 0;
}

int
mp_ip_is_v4(mp_ip ip)
{
	return ip >> 32 == 0xffff;
}

char *
mp_ip_fmt(mp_ip ip, char *buf)
{
	int k, best = -1, bestn = 0, run, i;
	uint16_t g[8];
	char *p = buf;

	if (mp_ip_is_v4(ip)) {
		snprintf(buf, 46, "%u.%u.%u.%u", (unsigned)(ip >> 24) & 255,
		    (unsigned)(ip >> 16) & 255, (unsigned)(ip >> 8) & 255,
		    (unsigned)ip & 255);
		return buf;
	}
	for (k = 0; k < 8; k++)
		g[k] = ip >> (16 * (7 - k));
	/* RFC 5952: the longest run of two or more zero groups becomes :: */
	for (k = 0; k < 8; k += run ? run : 1) {
		for (run = 0; k + run < 8 && g[k + run] == 0; run++)
			;
		if (run > bestn && run >= 2) {
			best = k;
			bestn = run;
		}
	}
	for (k = 0; k < 8; k++) {
		if (k == best) {
			p += sprintf(p, "::");
			k += bestn - 1;
			continue;
		}
		i = k > 0 && k != best + bestn;
		p += sprintf(p, "%s%x", i ? ":" : "", g[k]);
	}
	return buf;
}

struct mp_cidr *
mp_cidr_new(void)
{
	return xcalloc(1, sizeof(struct mp_cidr));
}

int
mp_cidr_parse(const char *s, size_t n, mp_ip *lo, mp_ip *hi,
    const char **errstr)
{
	const char *slash = memchr(s, '/', n);
	size_t alen = slash ? (size_t)(slash - s) : n, i;
	long long len = 0, max;
	mp_ip ip, host;

	if (mp_ip_parse(s, alen, &ip) < 0) {
		*errstr = "invalid address";
		return -1;
	}
	max = mp_ip_is_v4(ip) && !memchr(s, ':', alen) ? 32 : 128;
	if (slash == NULL)
		len = max;
	else {
		for (i = alen + 1; i < n; i++)
			if (s[i] < '0' || s[i] > '9' || i - alen > 3)
				break;
		if (i != n || n == alen + 1 || (s[alen + 1] == '0' &&
		    n > alen + 2)) {
			*errstr = "invalid prefix length";
			return -1;
		}
		for (i = alen + 1; i < n; i++)
			len = len * 10 + (s[i] - '0');
		if (len > max) {
			*errstr = "prefix length out of range";
			return -1;
		}
	}
	if (max == 32)
		len += 96;
	host = len == 128 ? 0 : len == 0 ? ~(mp_ip)0 :
	    (((mp_ip)1 << (128 - len)) - 1);
	if (ip & host) {
		*errstr = "host bits set";
		return -1;
	}
	*lo = ip;
	*hi = ip | host;
	return 0;
}

void
mp_cidr_add(struct mp_cidr *c, mp_ip lo, mp_ip hi, int val)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->r = xrealloc(c->r, c->cap * sizeof *c->r);
	}
	c->r[c->n].lo = lo;
	c->r[c->n].hi = hi;
	c->r[c->n++].val = val;
	c->built = 0;
}

int
mp_cidr_load(struct mp_cidr *c, const char *file, int val)
{
	struct mp_lines l;
	const char *errstr;
	char *p, *tok;
	size_t len;
	mp_ip lo, hi;
	int rc;

	if ((rc = mp_lines_open(&l, file)) != 0)
		return rc;
	while ((p = mp_lines_next(&l, &rc)) != NULL) {
		for (tok = p; *p && *p != ' ' && *p != '\t'; p++)
			;
		len = p - tok;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '\0' && *p != '#') {
			mp_warnat(file, l.line, "unexpected '%s' after the range",
			    p);
			rc = MP_EX_CONFIG;
			break;
		}
		if (mp_cidr_parse(tok, len, &lo, &hi, &errstr) < 0) {
			mp_warnat(file, l.line, "%s in '%.*s'", errstr,
			    (int)len, tok);
			rc = MP_EX_CONFIG;
			break;
		}
		mp_cidr_add(c, lo, hi, val);
	}
	mp_lines_close(&l);
	return rc;
}

static int
cmprange(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->val != y->val)
		return x->val < y->val ? -1 : 1;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/*
 * Merges sorted ranges of one value into disjoint ones, in place; returns
 * the new count.
 */
static size_t
merge(struct range *r, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (o > 0 && (r[o - 1].hi == ~(mp_ip)0 ||
		    r[i].lo <= r[o - 1].hi + 1)) {
			if (r[i].hi > r[o - 1].hi)
				r[o - 1].hi = r[i].hi;
		} else
			r[o++] = r[i];
	}
	return o;
}

/*
 * The parts of the disjoint sorted ranges s[0..ns) that no range of
 * have[0..nh) covers, appended to out.
 */
static void
subtract(const struct range *s, size_t ns, const struct range *have,
    size_t nh, struct mp_cidr *out)
{
	size_t i, j = 0;
	mp_ip lo;

	for (i = 0; i < ns; i++) {
		lo = s[i].lo;
		while (j < nh && have[j].hi < lo)
			j++;
		for (; j < nh && have[j].lo <= s[i].hi; j++) {
			if (have[j].lo > lo)
				mp_cidr_add(out, lo, have[j].lo - 1, s[i].val);
			if (have[j].hi >= s[i].hi)
				goto next;
			lo = have[j].hi + 1;
		}
		mp_cidr_add(out, lo, s[i].hi, s[i].val);
next:		;
	}
}

static int
cmplo(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

void
mp_cidr_build(struct mp_cidr *c)
{
	struct mp_cidr acc = { 0 }, add = { 0 };
	size_t i, j, k, n;

	if (c->built)
		return;
	qsort(c->r, c->n, sizeof *c->r, cmprange);
	/* values in order: each adds only what earlier ones left uncovered */
	for (i = 0; i < c->n; i = j) {
		for (j = i; j < c->n && c->r[j].val == c->r[i].val; j++)
			;
		n = merge(c->r + i, j - i);
		add.n = 0;
		subtract(c->r + i, n, acc.r, acc.n, &add);
		for (k = 0; k < add.n; k++)
			mp_cidr_add(&acc, add.r[k].lo, add.r[k].hi,
			    add.r[k].val);
		qsort(acc.r, acc.n, sizeof *acc.r, cmplo);
	}
	free(add.r);
	free(c->r);
	c->r = acc.r;
	c->n = acc.n;
	c->cap = acc.cap;
	c->built = 1;
}

size_t
mp_cidr_count(const struct mp_cidr *c)
{
	return c->n;
}

int
mp_cidr_find(const struct mp_cidr *c, mp_ip ip)
{
	size_t lo = 0, hi = c->n, mid;

	/* the last range that starts at or below ip */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (c->r[mid].lo <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || c->r[lo - 1].hi < ip)
		return -1;
	return c->r[lo - 1].val;
}

void
mp_cidr_free(struct mp_cidr *c)
{
	if (c == NULL)
		return;
	free(c->r);
	free(c);
}
