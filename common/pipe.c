/*
 * pipe.c: pipes at pipe speed.  A pipe holds 64 KiB and stdio writes to
 * one 4 KiB at a time, so each stage of a pipeline would wake the next
 * for every few records; a megabyte both ways lets each stage run for a
 * while on its own core.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <unistd.h>

#include "mp.h"

/* MP_PIPE_SIZE, else MP_PIPE_BYTES */
static long long
pipe_bytes(void)
{
	static long long bytes;
	const char *env = getenv("MP_PIPE_SIZE"), *errstr;

	if (bytes > 0)
		return bytes;
	bytes = MP_PIPE_BYTES;
	if (env && mp_parse_size(env, 4096, 64 << 20, &bytes, &errstr) < 0)
		mp_errx(MP_EX_CONFIG, "MP_PIPE_SIZE: '%s': %s (4K to 64M)",
		    env, errstr);
	return bytes;
}

void
mp_pipe_grow(int fd)
{
	int size = fcntl(fd, F_GETPIPE_SZ), want;

	/* the per-user limit on pipe memory may refuse the largest size */
	for (want = pipe_bytes(); size > 0 && size < want; want /= 2)
		if (fcntl(fd, F_SETPIPE_SZ, want) != -1)
			break;
}

void
mp_pipe_stdio(void)
{
	static char *outbuf;	/* stdout's, for as long as there is one */
	size_t bytes = pipe_bytes();

	mp_pipe_grow(0);
	mp_pipe_grow(1);
	if (outbuf == NULL) {
		outbuf = xmalloc(bytes);
		setvbuf(stdout, outbuf, _IOFBF, bytes);
	}
}

int
mp_pipe_wait(int fd, void (*idle)(void *), void *arg)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	int n;

	if (idle || __fpending(stdout) > 0) {
		if ((n = poll(&pfd, 1, 0)) != 0)
			return n;
		if (idle)
			idle(arg);
		(void)fflush(stdout);	/* a failure shows at the next write */
	}
	return poll(&pfd, 1, -1);
}
