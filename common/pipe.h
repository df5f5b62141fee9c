/*
 * pipe.h: standard input and output sized for pipes: the kernel's pipe
 * enlarged where the system allows, and output written a megabyte at a
 * time, flushed whenever the input runs dry so that a live stream is not
 * held back.
 */
#ifndef MP_PIPE_H
#define MP_PIPE_H

#define MP_PIPE_BYTES	(1024 * 1024)

/*
 * Enlarges fd's pipe towards MP_PIPE_BYTES, or the size in the environment's
 * MP_PIPE_SIZE; other files are left alone.
 */
void	mp_pipe_grow(int fd);

/* Grows the pipes of fds 0 and 1 and gives stdout a buffer of that size. */
void	mp_pipe_stdio(void);

/*
 * Waits until fd can be read.  If no input is waiting, first calls idle
 * (when not NULL) with arg, to push on work in flight, and flushes stdout.
 * Returns poll(2)'s result: -1 with errno EINTR on a signal.
 */
int	mp_pipe_wait(int fd, void (*idle)(void *), void *arg);

#endif
