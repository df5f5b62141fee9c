/*
 * bookmark.h: a fetch's bookmark, the end of the last window written
 * ({"next":"RFC 3339"}), in the state folder, locked for the run.
 */
#ifndef MP_BOOKMARK_H
#define MP_BOOKMARK_H

#include <stdint.h>

struct mp_bookmark {
	char	*file;
	int	 fd;		/* the lock's */
};

/*
 * Locks the bookmark name in the state folder dir (statedir.h) and reads
 * it: microseconds, or MP_NOTIME when it is new.  Exits 75 when another
 * run holds it, 66 when it cannot be read, 65 when it is corrupt.
 */
int64_t	 mp_bookmark_open(struct mp_bookmark *, const char *dir,
	    const char *name);
/* Moves the bookmark to secs, atomically; exits 73 or 74 on a failure. */
void	 mp_bookmark_save(struct mp_bookmark *, int64_t secs);
/* Unlocks it. */
void	 mp_bookmark_close(struct mp_bookmark *);

#endif
