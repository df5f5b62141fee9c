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

/*
 * A local file as a file:// URL (its absolute path, each name encoded;
 * allocated).  Exits 66 when it cannot be read.
 */
char	*mp_url_file(const char *path);

#endif
