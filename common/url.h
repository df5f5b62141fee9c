/*
 * url.h: percent-encoding of URL parts, as RFC 3986 and SigV4 want it.
 */
#ifndef MP_URL_H
#define MP_URL_H

#include <stddef.h>

struct mp_buf;

/*
 * Appends s[0..n) percent-encoded: RFC 3986's unreserved bytes (letters,
 * digits, '-', '.', '_', '~') and the bytes of keep (NULL: none; "/" for
 * a path) as they are, every other byte as %XX with upper-case hex.
 */
void	 mp_url_encode(struct mp_buf *, const char *s, size_t n,
	    const char *keep);

#endif
