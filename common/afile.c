/*
 * afile.c: files replaced atomically: written aside, fsynced, renamed
 * over the old one, and the folder fsynced, so a crash leaves the old
 * file or the new, never half of one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp.h"

int
mp_afile_open(struct mp_afile *af, const char *file, int unique)
{
	struct mp_buf tmp = { 0 };

	memset(af, 0, sizeof *af);
	/* under a lock the name can be fixed: a killed run's is reused */
	if (unique)
		mp_buf_printf(&tmp, "%s.tmp.%ld", file, (long)getpid());
	else
		mp_buf_printf(&tmp, "%s.tmp", file);
	af->file = xstrdup(file);
	af->tmp = tmp.p;
	if ((af->fd = open(af->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) < 0) {
		mp_warnx("cannot create '%s': %s", af->tmp, strerror(errno));
		free(af->file);
		free(af->tmp);
		return MP_EX_CANTCREAT;
	}
	af->buf = xmalloc(MP_AFILE_BUF);
	return 0;
}

static int
drain(struct mp_afile *af)
{
	size_t off = 0;
	ssize_t k;

	while (off < af->len) {
		if ((k = write(af->fd, af->buf + off, af->len - off)) < 0) {
			if (errno == EINTR)
				continue;
			af->err = errno;
			return -1;
		}
		off += k;
	}
	af->len = 0;
	return 0;
}

void
mp_afile_write(struct mp_afile *af, const void *p, size_t n)
{
	const char *s = p;
	size_t k;

	while (n > 0 && af->err == 0) {
		k = MP_AFILE_BUF - af->len < n ? MP_AFILE_BUF - af->len : n;
		memcpy(af->buf + af->len, s, k);
		af->len += k;
		s += k;
		n -= k;
		if (af->len == MP_AFILE_BUF)
			drain(af);
	}
	af->size += s - (const char *)p;
}

static void
afile_free(struct mp_afile *af)
{
	free(af->buf);
	free(af->file);
	free(af->tmp);
	af->buf = af->file = af->tmp = NULL;
}

void
mp_afile_abort(struct mp_afile *af)
{
	close(af->fd);
	unlink(af->tmp);
	afile_free(af);
}

int
mp_afile_syncdir(const char *dir)
{
	int fd, rc, e = 0;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -1;
	if ((rc = fsync(fd)) != 0)
		e = errno;
	close(fd);
	if (rc != 0)
		errno = e;	/* fsync's, for the message */
	return rc;
}

/* Makes the rename itself durable: fsync of the folder holding the file. */
static int
syncparent(const char *file)
{
	char *dir = xstrdup(file), *slash = strrchr(dir, '/');
	int rc;

	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	rc = mp_afile_syncdir(dir);
	free(dir);
	return rc;
}

int
mp_afile_commit(struct mp_afile *af)
{
	if (af->err == 0 && drain(af) == 0 && fsync(af->fd) < 0)
		af->err = errno;
	if (close(af->fd) < 0 && af->err == 0)
		af->err = errno;
	if (af->err == 0 && rename(af->tmp, af->file) < 0)
		af->err = errno;
	if (af->err) {
		mp_warnx("cannot write '%s': %s", af->file,
		    strerror(af->err));
		unlink(af->tmp);
		afile_free(af);
		return MP_EX_IOERR;
	}
	if (syncparent(af->file) < 0) {
		mp_warnx("'%s': fsync of its folder: %s", af->file,
		    strerror(errno));
		afile_free(af);
		return MP_EX_IOERR;
	}
	afile_free(af);
	return 0;
}
