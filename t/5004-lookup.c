/*
 * Unit tests of the lookup tables' bytes: varints (varint.h), key parts
 * (lookup.c), value bytes, and the spend's shares (mp_money_shares).
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"
#include "tap.h"

static void
t_varint(void)
{
	static const size_t v[] = { 0, 1, 127, 128, 300, 16383, 16384,
	    (size_t)1 << 35, SIZE_MAX };
	unsigned char b[MP_VARINT_MAX];
	size_t i, n, got, k;
	int bad = 0;

	for (i = 0; i < sizeof v / sizeof *v; i++) {
		n = mp_varint_put(b, v[i]);
		k = mp_varint_get(b, n, &got);
		bad |= k != n || got != v[i] || (b[n - 1] & 0x80);
	}
	ok(!bad, "varint: put then get, 0 to SIZE_MAX");
	ok(mp_varint_put(b, 127) == 1 && mp_varint_put(b, 128) == 2 &&
	    b[0] == 0x80 && b[1] == 1, "varint: 7 bits a byte, low first");
	b[0] = 0x80;
	ok(mp_varint_get(b, 1, &got) == 1, "varint: cut short, ends at n");
}

static void
t_keypart(void)
{
	struct mp_buf k = { 0 };
	const char *p;
	size_t n;
	char big[200];

	memset(big, 'x', sizeof big);
	mp_lookup_keypart(&k, "2026-11-20", 10);
	mp_lookup_keypart(&k, big, sizeof big);
	mp_lookup_keypart(&k, "", 0);
	ok(k.len == 1 + 10 + 2 + 200 + 1, "key parts: lengths as varints");
	ok(mp_lookup_keypart_get(k.p, k.len, 0, &p, &n) && n == 10 &&
	    memcmp(p, "2026-11-20", 10) == 0, "key part 0");
	ok(mp_lookup_keypart_get(k.p, k.len, 1, &p, &n) && n == 200 &&
	    p[0] == 'x', "key part 1, of a two-byte length");
	ok(!mp_lookup_keypart_get(k.p, k.len - 1, 3, &p, &n),
	    "key part past the end: none");
	mp_buf_free(&k);
}

static void
t_valnext(void)
{
	const char v[] = { 3, '"', 'a', 0, 2, '1' }, *p, *at = v;
	size_t n;

	at = mp_lookup_valnext(at, &p, &n);
	ok(n == 2 && memcmp(p, "\"a", 2) == 0, "value bytes: a column");
	at = mp_lookup_valnext(at, &p, &n);
	ok(n == 0, "value bytes: a column with nothing to add");
	at = mp_lookup_valnext(at, &p, &n);
	ok(n == 1 && *p == '1' && at == v + sizeof v, "value bytes: the last");
}

static void
t_shares(void)
{
	static const int64_t total[] = { 1000000, -1000000, 10, 7, -7, 0 };
	int64_t t, n, i, k, sum;
	int bad = 0;
	size_t j;

	for (j = 0; j < sizeof total / sizeof *total; j++)
		for (n = 1; n <= 7; n++)
			for (i = 0; i <= n; i++) {
				t = total[j];
				for (sum = 0, k = i; k < n; k++)
					sum += mp_money_share(t, k, n);
				bad |= mp_money_shares(t, i, n - i, n) != sum;
				bad |= mp_money_shares(t, 0, n, n) != t;
			}
	ok(!bad, "mp_money_shares: the sum of the parts, which sum to all");
}

int
main(void)
{
	t_varint();
	t_keypart();
	t_valnext();
	t_shares();
	return done();
}
