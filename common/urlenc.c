/* urlenc.c: percent-encoding of the values put into URLs and forms */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp.h"

void
mp_urlenc(struct mp_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (isalnum(c) || strchr("-._~", c))
			mp_buf_addc(b, c);
		else
			mp_buf_printf(b, "%%%02X", c);
	}
}

char *
mp_urlenc_file(const char *path)
{
	struct mp_buf b = { 0 };
	char *abs;
	const char *s;

	if (access(path, R_OK) < 0 || (abs = realpath(path, NULL)) == NULL)
		mp_err(MP_EX_NOINPUT, "%s", path);
	mp_buf_adds(&b, "file://");
	for (s = abs; *s; s++) {
		if (*s == '/')
			mp_buf_addc(&b, '/');
		else
			mp_urlenc(&b, s, 1);
	}
	free(abs);
	return (char *)mp_buf_str(&b);
}
