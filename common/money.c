/* money.c: exact decimal money in integer micro-units */
#include <stdio.h>
#include <string.h>

#include "mp.h"

int
mp_money_parse(const char *s, size_t n, int64_t *out, const char **errstr)
{
	size_t i = 0, intdigits = 0;
	int64_t v = 0;
	int neg = 0, k = 0;

	*errstr = "not a decimal";
	if (i < n && s[i] == '-')
		neg = 1, i++;
	if (i >= n || s[i] < '0' || s[i] > '9')
		return -1;
	if (s[i] == '0' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')
		return -1;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		/* 9223372036854 whole units fit beside 6 decimals */
		if (++intdigits > 13 && (v != 0 || s[i] != '0'))
			goto big;
		v = v * 10 + (s[i] - '0');
	}
	if (v > 9223372036853LL)
		goto big;
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return -1;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, k++) {
			if (k == 6) {
				*errstr = "more than 6 decimal places";
				return -1;
			}
			v = v * 10 + (s[i] - '0');
		}
	}
	if (i != n)
		return -1;
	for (; k < 6; k++)
		v *= 10;
	*out = neg ? -v : v;
	return 0;
big:
	*errstr = "out of range";
	return -1;
}

char *
mp_money_fmt(int64_t v, char *buf)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	int n;

	n = snprintf(buf, 32, "%s%llu.%06llu", v < 0 ? "-" : "",
	    (unsigned long long)(u / 1000000),
	    (unsigned long long)(u % 1000000));
	/* trim trailing zeros of the fraction, and a bare point */
	while (buf[n - 1] == '0')
		buf[--n] = '\0';
	if (buf[n - 1] == '.')
		buf[--n] = '\0';
	return buf;
}

char *
mp_money_fmt_places(int64_t v, int places, char *buf)
{
	char *dot;
	int n, k;

	mp_money_fmt(v, buf);
	n = strlen(buf);
	if ((dot = strchr(buf, '.')) == NULL && places > 0) {
		buf[n++] = '.';
		buf[n] = '\0';
		dot = buf + n - 1;
	}
	for (k = dot ? n - (dot - buf) - 1 : 0; k < places && k < 6; k++)
		buf[n++] = '0';
	buf[n] = '\0';
	return buf;
}

/* floor(a / b) for b > 0 */
static __int128
floordiv(__int128 a, __int128 b)
{
	__int128 q = a / b;

	return a % b != 0 && a < 0 ? q - 1 : q;
}

int64_t
mp_money_share(int64_t total, int64_t i, int64_t n)
{
	return mp_money_shares(total, i, 1, n);
}

int64_t
mp_money_shares(int64_t total, int64_t i, int64_t k, int64_t n)
{
	return (int64_t)(floordiv((__int128)total * (i + k), n) -
	    floordiv((__int128)total * i, n));
}

int
mp_rate_parse(const char *s, size_t n, int64_t *m, int *scale,
    const char **errstr)
{
	size_t i = 0;
	uint64_t v = 0;
	int digits = 0, k = -1;

	*errstr = "not a decimal";
	for (; i < n; i++) {
		if (s[i] == '.' && k < 0 && digits > 0) {
			k = 0;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (k >= 0 && ++k > 12) {
			*errstr = "more than 12 decimal places";
			return -1;
		}
		if (++digits > 18 && v >= 100000000000000000ULL) {
			*errstr = "out of range";
			return -1;
		}
		v = v * 10 + (s[i] - '0');
	}
	if (digits == 0 || k == 0)
		return -1;
	*m = v;
	*scale = k < 0 ? 0 : k;
	return 0;
}

int
mp_money_convert(int64_t amount, int64_t m, int scale, int64_t *out)
{
	unsigned __int128 p, d = 1, q, r;
	int i;

	for (i = 0; i < scale; i++)
		d *= 10;
	p = (unsigned __int128)(amount < 0 ? -(__int128)amount : amount) *
	    (uint64_t)m;
	q = p / d;
	r = p % d;
	if (2 * r >= d)
		q++;			/* halves away from zero */
	if (q > INT64_MAX)
		return -1;
	*out = amount < 0 ? -(int64_t)q : (int64_t)q;
	return 0;
}

/* PostgreSQL's white space around a number (scanner_isspace) */
static int
pgspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

static int
digit(char c)
{
	return c >= '0' && c <= '9';
}

int
mp_money_fit(const char *s, size_t n, int prec, int scale)
{
	size_t i = 0;
	long long k = 0, nint = -1, first = -1, last = -1, e = 0, hi, lo;
	int eneg = 0;

	while (i < n && pgspace(s[i]))
		i++;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		i++;
	for (; i < n; i++) {
		if (digit(s[i])) {
			if (s[i] != '0') {
				if (first < 0)
					first = k;
				last = k;
			}
			k++;
		} else if (s[i] == '.' && nint < 0)
			nint = k;
		else if (s[i] == '_' && i > 0 && digit(s[i - 1]) &&
		    i + 1 < n && digit(s[i + 1]))
			continue;	/* 1_000, as PostgreSQL 16 reads */
		else
			break;
	}
	if (k == 0)
		return 0;
	if (nint < 0)
		nint = k;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		/* strtol(3) reads the exponent: blanks, then a sign */
		for (i++; i < n && pgspace(s[i]); i++)
			;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			eneg = s[i++] == '-';
		if (i >= n || !digit(s[i]))
			return 0;
		for (; i < n && digit(s[i]); i++)
			if (e < 100000000)
				e = e * 10 + (s[i] - '0');
		if (eneg)
			e = -e;
	}
	while (i < n && pgspace(s[i]))
		i++;
	if (i != n || first < 0)
		return 0;
	/* the digit at place k stands for 10^(nint - 1 - k + e) */
	hi = nint - 1 - first + e;
	lo = nint - 1 - last + e;
	if (lo < -scale)
		return MP_MONEY_DECIMALS;
	if (hi >= prec - scale)
		return MP_MONEY_DIGITS;
	return 0;
}
