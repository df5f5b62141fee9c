/*
 * envfile.h: files of NAME=VALUE lines in the format of systemd's
 * EnvironmentFile (as --s3-credentials reads them).
 */
#ifndef MP_ENVFILE_H
#define MP_ENVFILE_H

#include <stddef.h>

/* Called with each setting; the value is unquoted, NUL-terminated. */
typedef int mp_envfile_fn(void *arg, const char *name, size_t namelen,
	    const char *value);

/*
 * Reads file: blank lines, '#' and ';' comments, NAME=VALUE lines (NAME
 * of letters, digits and '_', not starting with a digit; an "export "
 * prefix tolerated; the value in single or double quotes, or bare and
 * trimmed; in double quotes a backslash escapes the next byte).  Calls fn
 * for each setting, in order.  Returns 0, fn's non-zero value, or an exit
 * status after a message naming file and line, never a value: 66 when the
 * file cannot be read, 78 a bad line, 74 a read error.  The lines read
 * are wiped from memory: they may hold secrets.
 */
int	 mp_envfile_read(const char *file, mp_envfile_fn *fn, void *arg);

#endif
