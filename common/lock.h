/* lock.c: lock files */
#ifndef MP_LOCK_H
#define MP_LOCK_H

/*
 * Takes the lock FILE.lock (created if missing, never removed) for as long
 * as the process lives; what names the file in messages ("state").
 * Returns 0, or 75 after a message when another process holds it, 73 or
 * 74 when it cannot be taken.
 */
int	 mp_lock(const char *, const char *, int *);

#endif
