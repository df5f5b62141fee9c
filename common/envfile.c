/*
 * envfile.c: reading NAME=VALUE files as systemd's EnvironmentFile does.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

/* The value of a line, unquoted, into out.  Returns 0, or -1 with *why. */
static int
value(const char *s, struct mp_buf *out, const char **why)
{
	const char *e;
	int q;

	out->len = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '"' || *s == '\'') {
		q = *s++;
		for (; *s && *s != q; s++) {
			if (q == '"' && *s == '\\' && s[1])
				s++;
			mp_buf_addc(out, *s);
		}
		if (*s != q) {
			*why = "no closing quote";
			return -1;
		}
		for (s++; *s == ' ' || *s == '\t'; s++)
			;
		if (*s) {
			*why = "text after the closing quote";
			return -1;
		}
	} else {
		for (e = s + strlen(s); e > s && (e[-1] == ' ' ||
		    e[-1] == '\t'); e--)
			;
		mp_buf_add(out, s, e - s);
	}
	mp_buf_str(out);
	return 0;
}

int
mp_envfile_read(const char *file, mp_envfile_fn *fn, void *arg)
{
	struct mp_buf v = { 0 };
	const char *why = NULL;
	char *line = NULL, *s, *eq, *e;
	size_t sz = 0, n = 0;
	long long lineno = 0;
	ssize_t len;
	FILE *f;
	int rc = 0;

	if ((f = fopen(file, "r")) == NULL) {
		mp_warnx("%s: %s", file, strerror(errno));
		return MP_EX_NOINPUT;
	}
	while (rc == 0 && (len = getline(&line, &sz, f)) != -1) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			line[--len] = '\0';
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;
		if (strlen(s) != (size_t)(len - (s - line)))
			why = "NUL byte in the line";
		else if (strncmp(s, "export", 6) == 0 && (s[6] == ' ' ||
		    s[6] == '\t'))
			for (s += 6; *s == ' ' || *s == '\t'; s++)
				;
		if (why == NULL && (eq = strchr(s, '=')) == NULL)
			why = "not NAME=VALUE";
		if (why == NULL) {
			for (e = eq; e > s && (e[-1] == ' ' || e[-1] == '\t');
			    e--)
				;
			n = e - s;
			if (n == 0 || strspn(s, "abcdefghijklmnopqrstuvwxyz"
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != n ||
			    isdigit((unsigned char)*s))
				why = "not NAME=VALUE";
			else
				(void)value(eq + 1, &v, &why);
		}
		if (why) {
			mp_warnat(file, lineno, "%s", why);
			rc = MP_EX_CONFIG;
			break;
		}
		rc = fn(arg, s, n, v.len ? v.p : "");
	}
	if (rc == 0 && ferror(f)) {
		mp_warnx("%s: %s", file, strerror(errno));
		rc = MP_EX_IOERR;
	}
	fclose(f);
	if (line)
		explicit_bzero(line, sz);
	free(line);
	if (v.p)
		explicit_bzero(v.p, v.cap);
	mp_buf_free(&v);
	return rc;
}
