/*
 * chain.c: whether the stages before this one in a pipe finished.
 *
 * The end of a pipe looks the same whether its writer finished or died,
 * and a day replaced by the part a dead writer got out is the worst fault
 * mp can have.  So an mp tool whose stdout is a pipe leaves a note beside
 * it: a small file in a folder of the user's, named by the pipe and the
 * tool's pid, locked for as long as the tool lives.  At exit, before its
 * reader can see the end of the pipe, the note says how the tool ended
 * and whether its output holds all of its input.  The reader, at the end
 * of its input, reads the notes of the pipe's writers: a note that still
 * says "running" once its lock is free is a writer that died without a
 * word (kill -9).  A pipe with no note was written by a program that is
 * not an mp tool, whose end cannot be told.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mp.h"

#define WAIT_MS		30000	/* for a writer that closed its end */
#define STALE_SECS	86400	/* notes no reader took */

static char *dir;		/* NULL: no folder, no notes */
static int notefd = -1;		/* this tool's note, or -1 */
static int ended;
static int whole = 1;		/* everything read so far was whole */
static struct mp_buf partwhy;	/* why not whole */
static struct mp_buf failwhy;	/* why a writer before this one failed */

/* The folder of notes: MP_CHAIN_DIR, else one of the user's own. */
static char *
notedir(void)
{
	struct mp_buf b = { 0 };
	const char *env = getenv("MP_CHAIN_DIR"), *run;
	struct stat st;

	if (env && *env)
		mp_buf_adds(&b, env);
	else if ((run = getenv("XDG_RUNTIME_DIR")) != NULL && *run == '/')
		mp_buf_printf(&b, "%s/mp-chain", run);
	else
		mp_buf_printf(&b, "/tmp/mp-chain-%ld", (long)getuid());
	if (mkdir(mp_buf_str(&b), 0700) < 0 && errno != EEXIST)
		goto none;
	/* a folder someone else made, or a link, is not ours to trust */
	if (lstat(b.p, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != getuid() || (st.st_mode & 022))
		goto none;
	return (char *)mp_buf_str(&b);
none:
	mp_buf_free(&b);
	return NULL;
}

static int
ispipe(int fd, struct stat *st)
{
	return fstat(fd, st) == 0 && (S_ISFIFO(st->st_mode) ||
	    S_ISSOCK(st->st_mode));
}

/* Notes no reader took (the reader was not an mp tool) are swept. */
static void
sweep(void)
{
	struct dirent *d;
	struct stat st;
	char path[4096];
	time_t now = time(NULL);
	DIR *dp;
	int fd;

	if ((dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, d->d_name);
		if (lstat(path, &st) < 0 || now - st.st_mtime < STALE_SECS)
			continue;
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			unlink(path);
		close(fd);
	}
	closedir(dp);
}

static void
writenote(const char *state, int status, const struct mp_buf *why)
{
	struct mp_buf b = { 0 };

	mp_buf_adds(&b, "{\"prog\":");
	mp_buf_json_str(&b, mp_prog, strlen(mp_prog));
	mp_buf_printf(&b, ",\"pid\":%ld,\"state\":\"%s\"", (long)getpid(),
	    state);
	if (strcmp(state, "done") == 0) {
		mp_buf_printf(&b, ",\"exit\":%d,\"whole\":%s", status,
		    whole ? "true" : "false");
		if (why->len) {
			mp_buf_adds(&b, ",\"cause\":");
			mp_buf_json_str(&b, why->p, why->len);
		}
	}
	mp_buf_adds(&b, "}\n");
	/*
	 * Over the old note, then cut to length: a reader that catches it
	 * half written (no final newline) waits for the writer to be gone.
	 */
	if (pwrite(notefd, b.p, b.len, 0) == (ssize_t)b.len)
		(void)!ftruncate(notefd, (off_t)b.len);
	mp_buf_free(&b);
}

static void
atend(int status, void *arg)
{
	(void)arg;
	mp_chain_end(status);
}

void
mp_chain_start(void)
{
	struct mp_buf b = { 0 };
	struct stat st;

	if (!ispipe(1, &st) || (dir = notedir()) == NULL)
		return;
	sweep();
	mp_buf_printf(&b, "%s/%llx.%llx.%ld", dir,
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
	    (long)getpid());
	notefd = open(b.p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (notefd < 0 || flock(notefd, LOCK_EX) < 0) {
		mp_warnx("cannot leave a note for the next stage '%s': %s",
		    b.p, strerror(errno));
		if (notefd >= 0)
			close(notefd);
		notefd = -1;
		mp_buf_free(&b);
		return;
	}
	mp_buf_free(&b);
	writenote("running", 0, &partwhy);
	on_exit(atend, NULL);
}

void
mp_chain_part(const char *fmt, ...)
{
	va_list ap;

	if (!whole)
		return;
	whole = 0;
	va_start(ap, fmt);
	mp_buf_vprintf(&partwhy, fmt, ap);
	va_end(ap);
}

void
mp_chain_end(int status)
{
	if (ended || notefd < 0)
		return;
	ended = 1;
	if (status != 0 && failwhy.len == 0) {
		const char *e = mp_last_error();

		mp_buf_printf(&failwhy, "%s exited %d%s%s", mp_prog, status,
		    *e ? ": " : "", e);
	}
	writenote("done", status, status ? &failwhy : &partwhy);
	/* the lock goes with the process; the reader removes the note */
}

/* Reads a note into its fields; 0, or -1 when it is not one. */
static int
readnote(int fd, struct mp_buf *text, char *state, int *exit,
    int *notewhole, struct mp_buf *why, struct mp_buf *prog)
{
	static struct mp_path p_state, p_exit, p_whole, p_cause, p_prog;
	struct mp_json_err err;
	const char *errstr;
	struct mp_span v;
	char buf[4096];
	ssize_t n;

	if (p_state.nseg == 0) {
		mp_path_parse(".state", &p_state, &errstr);
		mp_path_parse(".exit", &p_exit, &errstr);
		mp_path_parse(".whole", &p_whole, &errstr);
		mp_path_parse(".cause", &p_cause, &errstr);
		mp_path_parse(".prog", &p_prog, &errstr);
	}
	if ((n = pread(fd, buf, sizeof buf, 0)) <= 0 || buf[n - 1] != '\n')
		return -1;
	text->len = 0;
	mp_buf_add(text, buf, n - 1);
	if (mp_json_check(text->p, text->len, &err) < 0 ||
	    !mp_json_get(text->p, text->len, &p_state, &v) || v.n < 3)
		return -1;
	*state = v.p[1];		/* 'r'unning or 'd'one */
	prog->len = 0;
	if (mp_json_get(text->p, text->len, &p_prog, &v))
		mp_json_str_decode(&v, prog);
	mp_buf_str(prog);
	*exit = -1;
	if (mp_json_get(text->p, text->len, &p_exit, &v))
		*exit = atoi(v.p);
	*notewhole = mp_json_get(text->p, text->len, &p_whole, &v) &&
	    v.p[0] == 't';
	why->len = 0;
	if (mp_json_get(text->p, text->len, &p_cause, &v))
		mp_json_str_decode(&v, why);
	return 0;
}

/*
 * Waits for the writer of a note to be gone (its lock free), at most
 * WAIT_MS; returns 0 when it is.
 */
static int
gone(int fd)
{
	struct timespec ms = { 0, 1000000 };
	int i;

	for (i = 0; i < WAIT_MS; i++) {
		if (flock(fd, LOCK_SH | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		nanosleep(&ms, NULL);
	}
	return -1;
}

/* Reads one writer's note; returns its verdict, with why. */
static int
judge(const char *path, struct mp_buf *why)
{
	struct mp_buf text = { 0 }, prog = { 0 }, c = { 0 };
	char state = 0;
	int fd, ex, nw, ok, v, tries;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return MP_CHAIN_UNKNOWN;
	ok = readnote(fd, &text, &state, &ex, &nw, &c, &prog) == 0;
	if (!ok || state != 'd') {
		/* still running, or between writes: wait for it to go */
		if (gone(fd) < 0) {
			mp_buf_printf(why, "%s did not finish within %d s of "
			    "closing its output", prog.len ? prog.p :
			    "the stage before", WAIT_MS / 1000);
			v = MP_CHAIN_FAILED;
			goto out;
		}
		for (tries = 0; tries < 3; tries++)
			if ((ok = readnote(fd, &text, &state, &ex, &nw, &c,
			    &prog) == 0))
				break;
	}
	if (!ok || state != 'd') {
		mp_buf_printf(why, "%s (%s) was killed before it finished",
		    prog.len ? prog.p : "the stage before", path);
		v = MP_CHAIN_FAILED;
	} else if (ex != 0) {
		if (c.len)
			mp_buf_add(why, c.p, c.len);
		else
			mp_buf_printf(why, "%s exited %d", prog.p, ex);
		v = MP_CHAIN_FAILED;
	} else if (!nw) {
		mp_buf_add(why, c.p, c.len);
		v = MP_CHAIN_PART;
	} else
		v = MP_CHAIN_WHOLE;
out:
	close(fd);
	mp_buf_free(&text);
	mp_buf_free(&prog);
	mp_buf_free(&c);
	return v;
}

int
mp_chain_input(int fd, struct mp_buf *why)
{
	struct mp_buf prefix = { 0 }, path = { 0 }, w = { 0 };
	struct dirent *d;
	struct stat st;
	int v = MP_CHAIN_WHOLE, one, n = 0;
	DIR *dp;

	if (!ispipe(fd, &st))
		return MP_CHAIN_WHOLE;
	if (dir == NULL)
		dir = notedir();
	if (dir && (dp = opendir(dir)) != NULL) {
		mp_buf_printf(&prefix, "%llx.%llx.",
		    (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino);
		while ((d = readdir(dp)) != NULL) {
			if (strncmp(d->d_name, prefix.p, prefix.len) != 0)
				continue;
			path.len = 0;
			mp_buf_printf(&path, "%s/%s", dir, d->d_name);
			w.len = 0;
			one = judge(mp_buf_str(&path), &w);
			unlink(path.p);
			n++;
			/* the worst verdict wins, with its reason */
			if (one > v) {
				v = one;
				why->len = 0;
				mp_buf_add(why, w.p, w.len);
			}
		}
		closedir(dp);
	}
	if (n == 0) {
		v = MP_CHAIN_UNKNOWN;
		mp_buf_adds(why, "its input is a pipe from a program that is "
		    "not an mp tool, or from one that died before it started, "
		    "so whether that finished cannot be told");
	}
	mp_buf_str(why);
	if (v != MP_CHAIN_WHOLE && whole) {
		whole = 0;
		mp_buf_add(&partwhy, why->p, why->len);
	}
	if (v == MP_CHAIN_FAILED && failwhy.len == 0)
		mp_buf_add(&failwhy, why->p, why->len);
	mp_buf_free(&prefix);
	mp_buf_free(&path);
	mp_buf_free(&w);
	return v;
}

const char *
mp_chain_failure(void)
{
	return failwhy.len ? mp_buf_str(&failwhy) : NULL;
}

int
mp_chain_whole(const char **why)
{
	*why = mp_buf_str(&partwhy);
	return whole;
}
