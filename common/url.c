/*
 * url.c: percent-encoding.  One encoder, so that a query signed by SigV4
 * and a URL template's value are written the same way.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp.h"

void
mp_url_encode(struct mp_buf *b, const char *s, size_t n, const char *keep)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)s, *end = p + n;

	for (; p < end; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || (*p && strchr("-._~", *p)) ||
		    (keep && *p && strchr(keep, *p)))
			mp_buf_addc(b, *p);
		else {
			mp_buf_addc(b, '%');
			mp_buf_addc(b, hex[*p >> 4]);
			mp_buf_addc(b, hex[*p & 15]);
		}
	}
}

char *
mp_url_file(const char *path)
{
	struct mp_buf b = { 0 };
	char *abs;

	if (access(path, R_OK) < 0 || (abs = realpath(path, NULL)) == NULL)
		mp_err(MP_EX_NOINPUT, "%s", path);
	mp_buf_adds(&b, "file://");
	mp_url_encode(&b, abs, strlen(abs), "/");
	free(abs);
	return (char *)mp_buf_str(&b);
}
