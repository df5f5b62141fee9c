/*
 * varint.h: unsigned integers in 7-bit groups, low group first, the high
 * bit set on every byte but the last (as protobuf's).  Lengths in the
 * lookup tables' keys and values and in table.c's arena are written so.
 * Inline: they sit on the hot path of every lookup.
 */
#ifndef MP_VARINT_H
#define MP_VARINT_H

#include <stddef.h>

/* The most bytes a varint of a size_t takes. */
#define MP_VARINT_MAX	10

/* Writes v at p; returns the bytes written (at most MP_VARINT_MAX). */
static inline size_t
mp_varint_put(unsigned char *p, size_t v)
{
	size_t i = 0;

	do {
		p[i++] = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		v >>= 7;
	} while (v);
	return i;
}

/*
 * Reads a varint of at most n bytes at p into *v; returns the bytes read
 * (a varint cut short by n ends where n does).
 */
static inline size_t
mp_varint_get(const unsigned char *p, size_t n, size_t *v)
{
	size_t i = 0, sh = 0;

	*v = 0;
	while (i < n) {
		*v |= (size_t)(p[i] & 0x7f) << sh;
		sh += 7;
		if (!(p[i++] & 0x80))
			break;
	}
	return i;
}

#endif
