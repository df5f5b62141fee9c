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
/*
 * Input bytes fed since the last reset; while out runs, the end of the
 * frame it was handed.
 */
long long mp_zst_reader_offset(const struct mp_zst_reader *);
void	 mp_zst_reader_free(struct mp_zst_reader *);

/* The highest compression level. */
int	 mp_zst_max_level(void);

/*
 * A compressor that keeps its context from frame to frame (for many
 * frames into one file).  Its frames carry a checksum.
 */
struct mp_zst_writer;
struct mp_zst_writer *mp_zst_writer_new(int level);
/* Appends one whole frame holding p[0..n), with its content size. */
void	 mp_zst_writer_frame(struct mp_zst_writer *, struct mp_buf *out,
	    const void *p, size_t n);
/*
 * A frame written in pieces (its size unknown beforehand): appends what
 * p[0..n) compresses to, flushed, so that out holds all of the frame so
 * far; end: the frame ends with this piece.  mp_zst_writer_frame must not
 * be called while a streamed frame is open.
 */
void	 mp_zst_writer_stream(struct mp_zst_writer *, struct mp_buf *out,
	    const void *p, size_t n, int end);
void	 mp_zst_writer_free(struct mp_zst_writer *);

/*
 * Frames one after another, decompressed a step at a time, for a caller
 * that bounds what is made (unpack.c).  A step decompresses from
 * p[*pos..n), moving *pos, and appends at most room bytes to out; it
 * returns 0 when a frame just ended (or none began), 1 inside a frame,
 * or -1 with *errstr ("checksum mismatch", or zstd's message).  _new
 * returns NULL when libzstd cannot start.
 */
struct mp_zst_dstream;
struct mp_zst_dstream *mp_zst_dstream_new(void);
int	 mp_zst_dstream_step(struct mp_zst_dstream *, const void *p, size_t n,
	    size_t *pos, struct mp_buf *out, size_t room,
	    const char **errstr);
void	 mp_zst_dstream_free(struct mp_zst_dstream *);

#endif
