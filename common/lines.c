/*
 * lines.c: line-based list files (bot lists, CIDR lists): each line
 * trimmed of blanks and its line end; blank lines and # comment lines
 * skipped; file and line kept for messages.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

int
mp_lines_open(struct mp_lines *l, const char *file)
{
	memset(l, 0, sizeof *l);
	l->file = file;
	if ((l->f = fopen(file, "r")) == NULL) {
		mp_warnx("%s: %s", file, strerror(errno));
		return MP_EX_NOINPUT;
	}
	return 0;
}

char *
mp_lines_next(struct mp_lines *l, int *rc)
{
	ssize_t len;
	char *s, *end;

	*rc = 0;
	while ((len = getline(&l->buf, &l->sz, l->f)) != -1) {
		l->line++;
		end = l->buf + len;
		while (end > l->buf && (end[-1] == '\n' || end[-1] == '\r' ||
		    end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*end = '\0';
		for (s = l->buf; *s == ' ' || *s == '\t'; s++)
			;
		if (*s == '\0' || *s == '#')
			continue;
		if (memchr(s, '\0', end - s)) {
			mp_warnat(l->file, l->line, "NUL byte in the line");
			*rc = MP_EX_CONFIG;
			return NULL;
		}
		return s;
	}
	if (ferror(l->f)) {
		mp_warnx("%s: %s", l->file, strerror(errno));
		*rc = MP_EX_IOERR;
	}
	return NULL;
}

void
mp_lines_close(struct mp_lines *l)
{
	if (l->f)
		fclose(l->f);
	free(l->buf);
	l->f = NULL;
	l->buf = NULL;
}
