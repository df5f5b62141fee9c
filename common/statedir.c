/* statedir.c: the folder of the state files, made when missing */
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>

#include "mp.h"

char *
mp_statedir_path(const char *dir, const char *name)
{
	struct mp_buf b = { 0 }, d = { 0 };
	const char *x;
	char *s;

	if (dir == NULL && (dir = getenv("MP_STATE_DIR")) == NULL) {
		if ((x = getenv("XDG_STATE_HOME")) != NULL && *x)
			mp_buf_printf(&d, "%s/mp", x);
		else if ((x = getenv("HOME")) != NULL)
			mp_buf_printf(&d, "%s/.local/state/mp", x);
		else
			mp_buf_adds(&d, ".");
		dir = mp_buf_str(&d);
	}
	if (mkdir(dir, 0700) < 0 && errno == ENOENT) {
		/* the parents too */
		char *p = xstrdup(dir);

		for (s = p + 1; *s; s++)
			if (*s == '/') {
				*s = '\0';
				mkdir(p, 0700);
				*s = '/';
			}
		mkdir(p, 0700);
		free(p);
	}
	mp_buf_printf(&b, "%s/%s", dir, name);
	mp_buf_free(&d);
	return (char *)mp_buf_str(&b);
}
