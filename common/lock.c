/*
 * lock.c: lock files for the files a tool keeps between runs: flock, so
 * the lock dies with its process, however it dies.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "mp.h"

int
mp_lock(const char *file, const char *what, int *fdp)
{
	struct mp_buf lock = { 0 };
	int fd;

	mp_buf_printf(&lock, "%s.lock", file);
	if ((fd = open(lock.p, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		mp_warnx("%s '%s': cannot create lock '%s': %s", what, file,
		    lock.p, strerror(errno));
		mp_buf_free(&lock);
		return MP_EX_CANTCREAT;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK)
			mp_warnx("%s '%s' is in use by another run (lock '%s')",
			    what, file, lock.p);
		else
			mp_warnx("%s '%s': lock '%s': %s", what, file, lock.p,
			    strerror(errno));
		close(fd);
		mp_buf_free(&lock);
		return errno == EWOULDBLOCK ? MP_EX_TEMPFAIL : MP_EX_IOERR;
	}
	mp_buf_free(&lock);
	*fdp = fd;
	return 0;
}
