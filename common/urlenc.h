/*
 * urlenc.h: percent-encoding of a URL's values (RFC 3986: all but
 * letters, digits and -._~).
 */
#ifndef MP_URLENC_H
#define MP_URLENC_H

#include <stddef.h>

struct mp_buf;

/* Appends s[0..n) percent-encoded. */
void	 mp_urlenc(struct mp_buf *, const char *s, size_t n);
/*
 * A local file as a file:// URL (its absolute path, each name encoded;
 * allocated).  Exits 66 when it cannot be read.
 */
char	*mp_urlenc_file(const char *path);

#endif
