/* bookmark.c: where a fetch goes on next time, kept between runs */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp.h"

int64_t
mp_bookmark_open(struct mp_bookmark *bm, const char *dir, const char *name)
{
	struct mp_json_err e;
	char buf[512], *v;
	int64_t us;
	size_t n;
	FILE *f;
	int st;

	bm->fd = -1;
	bm->file = mp_statedir_path(dir, name);
	if ((st = mp_lock(bm->file, "state", &bm->fd)) != 0)
		mp_errx(st, "nothing fetched");
	if ((f = fopen(bm->file, "r")) == NULL) {
		if (errno == ENOENT)
			return MP_NOTIME;
		mp_err(MP_EX_NOINPUT, "state %s", bm->file);
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (mp_json_check(buf, n, &e) < 0 ||
	    (v = mp_json_member_text(buf, n, "next")) == NULL ||
	    mp_window_time(v, &us) < 0)
		mp_errx(MP_EX_DATAERR, "state %s: corrupt", bm->file);
	free(v);
	return us;
}

void
mp_bookmark_save(struct mp_bookmark *bm, int64_t secs)
{
	struct mp_afile af;
	char buf[96], ts[32];
	int n;

	n = snprintf(buf, sizeof buf, "{\"next\":\"%s\"}\n",
	    mp_time_fmt(secs, ts));
	if (mp_afile_open(&af, bm->file, 0) != 0)
		mp_errx(MP_EX_CANTCREAT, "the bookmark was not moved");
	mp_afile_write(&af, buf, n);
	if (mp_afile_commit(&af) != 0)
		mp_errx(MP_EX_IOERR, "the bookmark was not moved");
}

void
mp_bookmark_close(struct mp_bookmark *bm)
{
	if (bm->fd >= 0)
		close(bm->fd);
	free(bm->file);
	bm->file = NULL;
	bm->fd = -1;
}
