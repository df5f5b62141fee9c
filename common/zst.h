/*
 * zst.h: zstd, the one file that calls libzstd.  Frames carry their
 * content size and a checksum, so a reader can tell a whole frame from a
 * cut one.
 */
#ifndef MP_ZST_H
#define MP_ZST_H

#include <stddef.h>

struct mp_buf;

/* Appends one frame holding p[0..n) to out.  Exits 70 on a zstd error. */
void	 mp_zst_compress(struct mp_buf *out, const void *p, size_t n,
	    int level);
/*
 * Appends the content of the one frame in p[0..n) to out, at most max
 * bytes.  Returns 0, or -1 with *errstr set (not zstd, cut short, no
 * content size, larger than max, checksum wrong).
 */
int	 mp_zst_decompress(struct mp_buf *out, const void *p, size_t n,
	    size_t max, const char **errstr);

/*
 * A streaming decompressor: feed it compressed bytes in pieces of any
 * size; it calls out with each frame's content once the whole frame is
 * read and its checksum matched, so a torn frame never reaches out.
 * Errors name the byte of the input ("byte 812: Restored data doesn't
 * match checksum").  mp_zst_reader_end returns -1 (*errstr set) when the
 * input ended inside a frame; mp_zst_reader_reset starts a new input.
 */
struct mp_zst_reader;
struct mp_zst_reader *mp_zst_reader_new(int (*out)(void *arg,
	    const char *p, size_t n), void *arg);
/* Returns 0, -1 with *errstr on corrupt input, or out's non-zero answer. */
int	 mp_zst_reader_feed(struct mp_zst_reader *, const void *p, size_t n,
	    const char **errstr);
int	 mp_zst_reader_end(struct mp_zst_reader *, const char **errstr);
void	 mp_zst_reader_reset(struct mp_zst_reader *);
/* Input bytes fed since the last reset. */
long long mp_zst_reader_offset(const struct mp_zst_reader *);
void	 mp_zst_reader_free(struct mp_zst_reader *);

#endif
