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
		for (h = 0; i < n && (k = mp_hexval(s[i])) >= 0 && i - start < 4;
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
cmplo(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* A min-heap of ranges by value, for the sweep below. */
static void
heap_push(struct range *h, size_t *n, struct range r)
{
	size_t i = (*n)++, up;

	for (; i > 0 && h[up = (i - 1) / 2].val > r.val; i = up)
		h[i] = h[up];
	h[i] = r;
}

static void
heap_pop(struct range *h, size_t *n)
{
	struct range last = h[--*n];
	size_t i = 0, c;

	for (; (c = 2 * i + 1) < *n; i = c) {
		if (c + 1 < *n && h[c + 1].val < h[c].val)
			c++;
		if (h[c].val >= last.val)
			break;
		h[i] = h[c];
	}
	if (*n > 0)
		h[i] = last;
}

/*
 * One sweep over all ranges sorted by start, the ranges covering the
 * current address kept in a heap by value: each stretch of addresses goes
 * to the smallest value covering it.  O(n log n) whatever the number of
 * lists and however they overlap.
 */
void
mp_cidr_build(struct mp_cidr *c)
{
	struct mp_cidr out = { 0 };
	struct range *heap, *last;
	size_t i = 0, nh = 0;
	mp_ip cur = 0, end;

	if (c->built)
		return;
	if (c->n > 0)
		qsort(c->r, c->n, sizeof *c->r, cmplo);
	heap = xmalloc((c->n ? c->n : 1) * sizeof *heap);
	while (i < c->n || nh > 0) {
		if (nh == 0 && c->r[i].lo > cur)
			cur = c->r[i].lo;
		while (i < c->n && c->r[i].lo <= cur)
			heap_push(heap, &nh, c->r[i++]);
		while (nh > 0 && heap[0].hi < cur)
			heap_pop(heap, &nh);
		if (nh == 0)
			continue;
		end = heap[0].hi;
		if (i < c->n && c->r[i].lo - 1 < end)
			end = c->r[i].lo - 1;
		last = out.n ? &out.r[out.n - 1] : NULL;
		if (last && last->val == heap[0].val && last->hi + 1 == cur)
			last->hi = end;
		else
			mp_cidr_add(&out, cur, end, heap[0].val);
		if (end == ~(mp_ip)0)
			break;
		cur = end + 1;
	}
	free(heap);
	free(c->r);
	c->r = out.r;
	c->n = out.n;
	c->cap = out.cap;
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
