/* afile.c: files replaced atomically */
#ifndef MP_AFILE_H
#define MP_AFILE_H

/*
 * A file replaced atomically: written to FILE.tmp (FILE.tmp.PID when
 * unique is set, for files no lock guards), then fsynced, renamed over
 * FILE, and its folder fsynced.
 */
#define MP_AFILE_BUF	(1 << 20)
struct mp_afile {
	char	*file, *tmp;
	int	 fd;
	int	 err;		/* errno of the first failed write */
	char	*buf;
	size_t	 len;
	long long size;		/* bytes written */
};
/* Returns 0, or 73 after a message. */
int	 mp_afile_open(struct mp_afile *, const char *, int);
/* Buffered; a failure is kept and reported by mp_afile_commit. */
void	 mp_afile_write(struct mp_afile *, const void *, size_t);
/* Returns 0, or 74 after a message (the old file is left as it was). */
int	 mp_afile_commit(struct mp_afile *);
/* Removes the temporary file. */
void	 mp_afile_abort(struct mp_afile *);
/*
 * fsync of a folder, so that a rename into it (or a file made in it)
 * outlasts a crash.  Returns 0, or -1 with errno set.
 */
int	 mp_afile_syncdir(const char *);

#endif
