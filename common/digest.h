/*
 * digest.h: content digests through libsodium (link with -lsodium), the
 * one wrapper a tool calls for them.
 */
#ifndef MP_DIGEST_H
#define MP_DIGEST_H

#include <stddef.h>

/* The BLAKE2b-256 of p[0..n) as 64 hex digits and a NUL, into hex. */
void	 mp_digest_blake2b_hex(const void *p, size_t n, char hex[65]);

#endif
