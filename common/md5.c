/*
 * md5.c: MD5 as RFC 1321 defines it.  Not for security: S3 names an
 * object's bytes by their MD5 (Content-MD5, ETags), and libsodium has
 * none.
 */
#include <stdint.h>
#include <string.h>

#include "mp.h"

#define ROL(x, c)	((x) << (c) | (x) >> (32 - (c)))

/* per round, the shifts of its four steps (RFC 1321 3.4) */
static const unsigned char shift[4][4] = {
	{ 7, 12, 17, 22 }, { 5, 9, 14, 20 }, { 4, 11, 16, 23 },
	{ 6, 10, 15, 21 }
};

/* T[i] = floor(2^32 * abs(sin(i + 1))) */
static const uint32_t T[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf,
	0x4787c62a, 0xa8304613, 0xfd469501, 0x698098d8, 0x8b44f7af,
	0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e,
	0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa,
	0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6,
	0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8,
	0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
	0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039,
	0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244, 0x432aff97,
	0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d,
	0x85845dd1, 0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391
};

/* One 64-byte block into the state. */
static void
block(uint32_t s[4], const unsigned char *p)
{
	uint32_t x[16], a = s[0], b = s[1], c = s[2], d = s[3], f, t;
	int i, k;

	for (i = 0; i < 16; i++)
		x[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		    (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
	for (i = 0; i < 64; i++) {
		switch (i / 16) {
		case 0:
			f = (b & c) | (~b & d);
			k = i;
			break;
		case 1:
			f = (b & d) | (c & ~d);
			k = (5 * i + 1) % 16;
			break;
		case 2:
			f = b ^ c ^ d;
			k = (3 * i + 5) % 16;
			break;
		default:
			f = c ^ (b | ~d);
			k = (7 * i) % 16;
			break;
		}
		t = a + f + x[k] + T[i];
		a = d;
		d = c;
		c = b;
		b += ROL(t, shift[i / 16][i % 4]);
	}
	s[0] += a;
	s[1] += b;
	s[2] += c;
	s[3] += d;
}

void
mp_md5_init(struct mp_md5 *m)
{
	m->s[0] = 0x67452301;
	m->s[1] = 0xefcdab89;
	m->s[2] = 0x98badcfe;
	m->s[3] = 0x10325476;
	m->n = 0;
}

void
mp_md5_update(struct mp_md5 *m, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t have = m->n % 64, k;

	m->n += len;
	if (have > 0) {
		k = 64 - have < len ? 64 - have : len;
		memcpy(m->buf + have, p, k);
		p += k;
		len -= k;
		if (have + k < 64)
			return;
		block(m->s, m->buf);
	}
	for (; len >= 64; p += 64, len -= 64)
		block(m->s, p);
	memcpy(m->buf, p, len);
}

void
mp_md5_final(struct mp_md5 *m, unsigned char out[16])
{
	static const unsigned char pad[64] = { 0x80 };
	unsigned char len[8];
	uint64_t bits = m->n * 8;
	int i;

	for (i = 0; i < 8; i++)
		len[i] = bits >> (8 * i);
	mp_md5_update(m, pad, 1 + (119 - m->n % 64) % 64);
	mp_md5_update(m, len, 8);
	for (i = 0; i < 16; i++)
		out[i] = m->s[i / 4] >> (8 * (i % 4));
}

void
mp_md5(const void *data, size_t len, unsigned char out[16])
{
	struct mp_md5 m;

	mp_md5_init(&m);
	mp_md5_update(&m, data, len);
	mp_md5_final(&m, out);
}
