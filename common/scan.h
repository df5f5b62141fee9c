/*
 * scan.h: the inner loops of the JSON scanner, shared by json.c and
 * path.c.  Strings are most of an event's bytes; SSE2 (always there on
 * x86-64) looks at 16 of them at a time.
 */
#ifndef MP_SCAN_H
#define MP_SCAN_H

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/*
 * Skips the plain bytes of a string from p: stops at '"', '\\', and, when
 * strict, at control characters and non-ASCII bytes (which need checks).
 */
static inline const unsigned char *
mp_scan_plain(const unsigned char *p, const unsigned char *end, int strict)
{
#if defined(__SSE2__)
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'),
	    sp = _mm_set1_epi8(0x20);

	while (end - p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)p);
		__m128i m = _mm_or_si128(_mm_cmpeq_epi8(x, q),
		    _mm_cmpeq_epi8(x, bs));
		unsigned bits;

		if (strict)	/* signed: below 0x20 or from 0x80 up */
			m = _mm_or_si128(m, _mm_cmplt_epi8(x, sp));
		if ((bits = _mm_movemask_epi8(m)) != 0)
			return p + __builtin_ctz(bits);
		p += 16;
	}
#endif
	while (p < end && *p != '"' && *p != '\\' &&
	    (!strict || (*p >= 0x20 && *p < 0x80)))
		p++;
	return p;
}

#endif
