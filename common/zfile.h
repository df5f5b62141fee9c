/*
 * zfile.h: durable zstd files.  Lines are appended to files under a
 * folder DIR, partitioned by time:
 *
 *	DIR/2026/11/20/14/20261120T140312Z-HOST-PID-000001.ndjson.zst
 *
 * A file is written as DIR/.tmp/2026-11-20T14.NAME, a zstd frame (with
 * its checksum) at a time, and renamed into its partition only when it
 * is complete and synced; every folder it makes or renames into is
 * synced too.  A file being written is locked (flock), so that another
 * process recovering the folder leaves it alone.  Recovery keeps the
 * whole frames of a file a killed process left, and cuts its torn tail:
 * a completed file is always whole, readable by zstdcat.
 */
#ifndef MP_ZFILE_H
#define MP_ZFILE_H

#include <stdint.h>

/* (mp.h includes this after struct mp_buf and zst.h) */

/* A file being written. */
struct mp_zfile {
	int64_t	 part;		/* its partition: hours or days since 1970 */
	int	 fd;
	char	*name;		/* STAMP-HOST-PID-SEQ.ndjson.zst */
	char	*tmp;		/* DIR/.tmp/LABEL.NAME */
	long long bytes;	/* compressed, written */
	long long lines;
	double	 opened, used;	/* mp_now() */
	struct mp_buf pend;	/* lines for its next frame */
};

/* The folder and the files open in it. */
struct mp_zfiles {
	/* set before mp_zfile_init (0: the default in brackets) */
	const char *dir;
	int	 byday;		/* partitions of a day, not an hour */
	int	 level;		/* zstd's [3] */
	long long max_size;	/* compressed bytes completing a file [64M] */
	double	 max_age;	/* seconds that complete a file [600] */
	int	 max_open;	/* files open at once [16] */
	char	 host[64];	/* in names; "": this machine's, cut at '.' */
	/* fd (locked) is complete, at DIR/rel/name; e.g. to upload it */
	void	(*placed)(void *arg, int fd, const char *rel,
		    const char *name);
	/* an event to count ("files", "frames", "recovered", ...) */
	void	(*count)(void *arg, const char *name, long long n);
	void	*arg;
	/* kept here */
	long long written;	/* compressed bytes, every file */
	long long files;	/* completed */
	long long pending;	/* bytes in the pend buffers */
	char	*tmp;		/* DIR/.tmp */
	int	 seq;
	struct mp_zst_writer *w;
	struct mp_buf zb;
	struct mp_zfile **open, *last;
	int	 nopen;
};

/*
 * Makes DIR and DIR/.tmp (exits 73 when it cannot).  A host given must
 * hold letters, digits, '_' and '-' only (mp_zfile_host_ok).
 */
void	 mp_zfile_init(struct mp_zfiles *);
/* Whether a name can be the host in file names. */
int	 mp_zfile_host_ok(const char *);
/* The partition of a time in microseconds. */
int64_t	 mp_zfile_part(const struct mp_zfiles *, int64_t us);
/* The partition of the time now. */
int64_t	 mp_zfile_part_now(const struct mp_zfiles *);
/* The partition's open file, or NULL. */
struct mp_zfile *mp_zfile_find(struct mp_zfiles *, int64_t part);
/*
 * The partition's open file, or a new one; when max_open files are open,
 * the one used least recently is completed first (its pend buffer
 * written as a frame).
 */
struct mp_zfile *mp_zfile_get(struct mp_zfiles *, int64_t part);
/* Writes p[0..n) to the file as one frame holding lines lines. */
void	 mp_zfile_frame(struct mp_zfiles *, struct mp_zfile *,
	    const char *p, size_t n, long long lines);
/* Adds a line to the file's pend buffer, for its next frame. */
void	 mp_zfile_add(struct mp_zfiles *, struct mp_zfile *, const char *p,
	    size_t n);
/* Writes every pend buffer as a frame. */
void	 mp_zfile_flush(struct mp_zfiles *);
/*
 * Writes p[0..n) into a frame too long to hold in memory, flushed to
 * the file at once; end: the frame (and its line) ends with it.
 */
void	 mp_zfile_stream(struct mp_zfiles *, struct mp_zfile *,
	    const char *p, size_t n, int end);
/* Makes what was written to the file durable (fsync); exits 74. */
void	 mp_zfile_sync(struct mp_zfile *);
/*
 * Completes the file: synced, renamed into its partition (never over
 * another file: a name that is taken gets a new sequence number), then
 * placed is called.  A file without a byte is removed.
 */
void	 mp_zfile_close(struct mp_zfiles *, struct mp_zfile *);
/* Completes the files that are full or old enough; all: every file. */
void	 mp_zfile_rotate(struct mp_zfiles *, int all);
/* Seconds from now until the first file is old enough, at most max. */
double	 mp_zfile_due(const struct mp_zfiles *, double now, double max);
/*
 * Recovers the temporary files a killed process left: the longest run of
 * whole frames whose checksums match is kept (the file truncated to it,
 * synced, renamed into its partition, placed called); a file without one
 * is removed.  Files still locked by a live writer are left alone.
 */
void	 mp_zfile_recover(struct mp_zfiles *);
/*
 * Calls fn for each complete file under DIR, open and locked (a file
 * another process holds is skipped), with its partition folder (relative
 * to DIR) and its name.
 */
void	 mp_zfile_each(struct mp_zfiles *, void (*fn)(void *arg, int fd,
	    const char *rel, const char *name), void *arg);
/*
 * Removes the partition folders left empty that ended before old
 * (seconds since 1970); with files, the complete files in them first.
 */
void	 mp_zfile_prune(struct mp_zfiles *, int64_t old, int files);
/* Removes the complete file DIR/rel/name, durably; exits 74. */
void	 mp_zfile_remove(struct mp_zfiles *, const char *rel,
	    const char *name);
/* Frees what mp_zfile_init and the files hold (completes none). */
void	 mp_zfile_free(struct mp_zfiles *);

#endif
