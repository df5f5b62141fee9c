/*
 * digest.h: what mp takes from libsodium (link with -lsodium), the one
 * wrapper the tools and topics call.
 */
#ifndef MP_DIGEST_H
#define MP_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define MP_DIGEST_KEYBYTES	32	/* crypto_generichash_KEYBYTES */

/* The BLAKE2b-256 of p[0..n) as 64 hex digits and a NUL, into hex. */
void	 mp_digest_blake2b_hex(const void *p, size_t n, char hex[65]);
/* The SHA-256 of p[0..n) as 64 hex digits and a NUL, into hex. */
void	 mp_digest_sha256_hex(const void *p, size_t n, char hex[65]);
/*
 * A keyed BLAKE2b of 16 bytes over a domain byte and p[0..n): hashes that
 * must not be guessable from the input (mp-dedup's keys).
 */
void	 mp_digest_keyed16(const unsigned char key[MP_DIGEST_KEYBYTES],
	    int domain, const void *p, size_t n, unsigned char out[16]);
/*
 * A keyed SipHash-2-4 of 16 bytes (SipHash128) over a domain byte and
 * p[0..n), with the key's first 16 bytes: the same use, much faster for
 * short keys.
 */
void	 mp_digest_keyed16s(const unsigned char key[MP_DIGEST_KEYBYTES],
	    int domain, const void *p, size_t n, unsigned char out[16]);
/* n random bytes, for keys. */
void	 mp_digest_random(void *p, size_t n);
/* p[0..n) as 2n lower-case hex digits and a NUL, into out. */
void	 mp_digest_hex(const void *p, size_t n, char *out);
/* p[0..n) in standard base64 with padding and a NUL, into out. */
void	 mp_digest_base64(const void *p, size_t n, char *out, size_t outsize);
/* Zeroes p[0..n) so that a secret does not outlive its use (p may be NULL). */
void	 mp_digest_wipe(void *p, size_t n);

#endif
