/* digest.c: BLAKE2b digests of contents (libsodium) */
#include <sodium.h>

#include "mp.h"

void
mp_digest_blake2b_hex(const void *p, size_t n, char hex[65])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof h, (const unsigned char *)(p ? p : ""),
	    n, NULL, 0);
	sodium_bin2hex(hex, 65, h, sizeof h);
}
