/*
 * twopass.c: a first pass over the inputs, which must be readable twice.
 */
#include <sys/stat.h>

#include <string.h>
#include <unistd.h>

#include "mp.h"

void
mp_twopass_check(int argc, char **argv, const char *why, const char *usage)
{
	struct stat st;
	int i, r;

	for (i = 0; i < argc || (argc == 0 && i == 0); i++) {
		const char *f = argc ? argv[i] : "-";

		r = strcmp(f, "-") == 0 ? fstat(0, &st) : stat(f, &st);
		if (r == 0 && !S_ISREG(st.st_mode)) {
			mp_warnx("%s: %s reads the input twice: give files, "
			    "or redirect standard input from one",
			    strcmp(f, "-") == 0 ? "standard input" : f, why);
			mp_usage(usage);
		}
	}
}

/* Whether standard input is among the inputs. */
static int
readsstdin(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "-") == 0)
			return 1;
	return argc == 0;
}

int
mp_twopass_scan(struct mp_run *run, int argc, char **argv, mp_rec_fn *fn,
    void *arg)
{
	off_t at = readsstdin(argc, argv) ? lseek(0, 0, SEEK_CUR) : 0;
	int st;

	if ((st = mp_run_scan(run, argc, argv, fn, arg)) != 0)
		return st;
	if (readsstdin(argc, argv) && lseek(0, at, SEEK_SET) < 0)
		mp_err(MP_EX_IOERR, "standard input");
	return 0;
}
