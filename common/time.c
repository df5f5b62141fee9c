/* time.c: RFC 3339 date-times, in UTC microseconds */
#include <string.h>
#include <time.h>

#include "mp.h"

static int
digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int
mp_time_parse(const char *s, size_t n, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, mo, d, h, mi, se, oh = 0, om = 0, frac = 0, k, leap;
	size_t i = 19;
	int64_t t, off = 0;

	/* 2026-11-20T13:04:05 */
	if (n < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) ||
	    s[7] != '-' || digits(s + 8, 2, &d) || (s[10] != 'T' &&
	    s[10] != 't') || digits(s + 11, 2, &h) || s[13] != ':' ||
	    digits(s + 14, 2, &mi) || s[16] != ':' || digits(s + 17, 2, &se))
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || se > 60)
		return -1;
	if (s[i] == '.') {
		for (k = 0, i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, k++)
			if (k < 6)
				frac = frac * 10 + (s[i] - '0');
		if (k == 0)
			return -1;
		for (; k < 6; k++)
			frac *= 10;
	}
	if (i < n && (s[i] == 'Z' || s[i] == 'z'))
		i++;
	else if (i + 6 == n && (s[i] == '+' || s[i] == '-')) {
		if (digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
		    digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		off = (oh * 60 + om) * 60;
		if (s[i] == '-')
			off = -off;
		i += 6;
	} else
		return -1;
	if (i != n)
		return -1;
	/* a leap second counts as the first second of the next minute */
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	/* in UTC, too, within years 0000 to 9999 (as mp_time_fmt writes) */
	if (t < -62167219200LL || t > 253402300799LL)
		return -1;
	*out = t * 1000000 + frac;
	return 0;
}

int
mp_duration_parse(const char *s, int64_t *out, const char **errstr)
{
	static const struct {
		const char *name;
		int64_t us;
	} unit[] = {
		{ "ms", 1000 }, { "s", 1000000 }, { "m", 60000000 },
		{ "h", 3600000000LL }, { "d", 86400000000LL },
	};
	int64_t total = 0, v;
	size_t i, k, len;

	*errstr = "not a duration such as 48h, 30m, 2d or 1h30m";
	if (*s == '\0')
		return -1;
	while (*s) {
		for (v = 0, i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
			if (v > INT64_MAX / 10 - 9) {
				*errstr = "too large";
				return -1;
			}
			v = v * 10 + (s[i] - '0');
		}
		if (i == 0)
			return -1;
		s += i;
		for (k = 0; k < sizeof unit / sizeof unit[0]; k++) {
			/* "ms" comes before "m" */
			len = strlen(unit[k].name);
			if (strncmp(s, unit[k].name, len) == 0)
				break;
		}
		if (k == sizeof unit / sizeof unit[0])
			return -1;
		s += len;
		if (v > (INT64_MAX - total) / unit[k].us) {
			*errstr = "too large";
			return -1;
		}
		total += v * unit[k].us;
	}
	if (total == 0) {
		*errstr = "too small";
		return -1;
	}
	*out = total;
	return 0;
}

char *
mp_time_fmt(int64_t secs, char *buf)
{
	time_t t = (time_t)secs;
	struct tm tm;
	int n;

	/* four digits of year, as RFC 3339 wants: 0999, not 999 */
	if (gmtime_r(&t, &tm) == NULL)
		strcpy(buf, "?");
	else {
		n = snprintf(buf, 32, "%04lld", (long long)tm.tm_year + 1900);
		strftime(buf + n, 32 - n, "-%m-%dT%H:%M:%SZ", &tm);
	}
	return buf;
}

char *
mp_time_compact(int64_t secs, char *buf)
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, 17, "%Y%m%dT%H%M%SZ", &tm) == 0)
		strcpy(buf, "?");
	return buf;
}

int
mp_time_json(const struct mp_span *v, int64_t *us)
{
	static struct mp_buf dec;

	if (mp_json_type(v) != MP_JSON_STRING)
		return -1;
	if (memchr(v->p, '\\', v->n) == NULL)
		return mp_time_parse(v->p + 1, v->n - 2, us);
	/* a time written with escapes, "\u0032026-..." */
	dec.len = 0;
	mp_json_str_decode(v, &dec);
	return mp_time_parse(dec.p, dec.len, us);
}
