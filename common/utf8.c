/* utf8.c: UTF-8 validation per RFC 3629, and encoding */
#include "mp.h"

int
mp_utf8_seq(const unsigned char *p, size_t n, const char **why)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	int len, i;

	if (c < 0x80)
		return 1;
	if (c < 0xc0) {
		*why = "invalid UTF-8: stray continuation byte";
		return 0;
	}
	if (c < 0xc2) {
		*why = "overlong UTF-8 sequence";
		return 0;
	}
	if (c < 0xe0)
		len = 2;
	else if (c < 0xf0) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c < 0xf5) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		*why = "invalid UTF-8: bad lead byte";
		return 0;
	}
	if (n < 2) {
		*why = "invalid UTF-8: truncated sequence";
		return 0;
	}
	if (p[1] < lo || p[1] > hi) {
		if (p[1] < 0x80 || p[1] > 0xbf)
			*why = "invalid UTF-8: truncated sequence";
		else if (c == 0xed)
			*why = "UTF-8 encoded surrogate";
		else if (c == 0xf4)
			*why = "UTF-8 code point above U+10FFFF";
		else
			*why = "overlong UTF-8 sequence";
		return 0;
	}
	for (i = 2; i < len; i++) {
		if ((size_t)i >= n || p[i] < 0x80 || p[i] > 0xbf) {
			*why = "invalid UTF-8: truncated sequence";
			return 0;
		}
	}
	return len;
}

int
mp_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	const char *why;
	size_t i = 0;
	int k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = mp_utf8_seq(p + i, n - i, &why)) == 0)
			return 0;
		i += k;
	}
	return 1;
}
