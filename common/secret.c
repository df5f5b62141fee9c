/*
 * secret.c: secrets from files, one a file, and the Authorization
 * headers made of them.  A secret is never printed, and its memory is
 * overwritten before it is freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

char *
mp_secret_read(const char *opt, const char *file)
{
	char *line = NULL;
	size_t sz = 0;
	ssize_t n;
	FILE *f;

	if ((f = fopen(file, "r")) == NULL)
		mp_err(MP_EX_CONFIG, "%s: %s", opt, file);
	n = getline(&line, &sz, f);
	fclose(f);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
	    line[n - 1] == ' '))
		line[--n] = '\0';
	if (n <= 0) {
		free(line);
		mp_errx(MP_EX_CONFIG, "%s: %s: empty", opt, file);
	}
	return line;
}

void
mp_secret_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

char *
mp_secret_auth(const char *opt, const char *file, int basic)
{
	struct mp_buf b = { 0 };
	unsigned char carry[3];
	char *s = mp_secret_read(opt, file), *h;
	int nc = 0;

	if (basic) {
		mp_buf_adds(&b, "Authorization: Basic ");
		mp_buf_base64(&b, s, strlen(s), carry, &nc, 1);
	} else
		mp_buf_printf(&b, "Authorization: Bearer %s", s);
	mp_secret_free(s);
	h = xstrdup(mp_buf_str(&b));
	explicit_bzero(b.p, b.cap);
	mp_buf_free(&b);
	return h;
}
