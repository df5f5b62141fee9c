/*
 * digest.c: libsodium, the one file that calls it: digests of contents,
 * keyed hashes, random keys, hex and base64, and wiping secrets.
 */
#include <string.h>

#include <sodium.h>

#include "mp.h"

static void
start(void)
{
	static int started;

	if (!started && sodium_init() < 0)
		mp_errx(MP_EX_SOFTWARE, "libsodium cannot start");
	started = 1;
}

void
mp_digest_blake2b_hex(const void *p, size_t n, char hex[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof h, (const unsigned char *)(p ? p : ""),
	    n, NULL, 0);
	sodium_bin2hex(hex, 65, h, sizeof h);
}

void
mp_digest_sha256_hex(const void *p, size_t n, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, (const unsigned char *)(p ? p : ""), n);
	sodium_bin2hex(hex, 65, h, sizeof h);
}

void
mp_digest_keyed16(const unsigned char key[MP_DIGEST_KEYBYTES], int domain,
    const void *p, size_t n, unsigned char out[16])
{
	crypto_generichash_state st;
	unsigned char d = (unsigned char)domain;

	crypto_generichash_init(&st, key, MP_DIGEST_KEYBYTES, 16);
	crypto_generichash_update(&st, &d, 1);
	crypto_generichash_update(&st, p, n);
	crypto_generichash_final(&st, out, 16);
}

void
mp_digest_keyed16s(const unsigned char key[MP_DIGEST_KEYBYTES], int domain,
    const void *p, size_t n, unsigned char out[16])
{
	static struct mp_buf big;
	unsigned char small[256], *in = small;

	if (n + 1 > sizeof small) {
		big.len = 0;
		mp_buf_grow(&big, n + 1);
		in = (unsigned char *)big.p;
	}
	in[0] = (unsigned char)domain;
	memcpy(in + 1, p, n);
	crypto_shorthash_siphashx24(out, in, n + 1, key);
}

void
mp_digest_random(void *p, size_t n)
{
	start();
	randombytes_buf(p, n);
}

void
mp_digest_hex(const void *p, size_t n, char *out)
{
	sodium_bin2hex(out, 2 * n + 1, p, n);
}

void
mp_digest_base64(const void *p, size_t n, char *out, size_t outsize)
{
	sodium_bin2base64(out, outsize, p, n, sodium_base64_VARIANT_ORIGINAL);
}

void
mp_digest_wipe(void *p, size_t n)
{
	if (p != NULL)
		sodium_memzero(p, n);
}
