/*
 * 0012-opt: a tool with an option of every kind and the --s3-* options,
 * for t/0012-options.t: prints what its options set, then its operands.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

static const char usage[] =
    "usage: 0012-opt [-f] [-n int] [-z size] [-d duration] [-m money]\n"
    "                [-c a|b|c] [--str=s] [--path=file] [--call[=x]] "
    "[file ...]\n";

static int flag, choice = -1, ncall;
static const char *str, *path;
static long long num, size;
static int64_t dur, money;

static int
call(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx;
	if (arg && strcmp(arg, "bad") == 0) {
		*errstr = "not a good one";
		return -1;
	}
	printf("call=%s from=%s\n", arg ? arg : "(none)",
	    mp_opt_file() ? mp_opt_file() : "(command line)");
	ncall++;
	return 0;
}

int
main(int argc, char *argv[])
{
	static const char *const abc[] = { "a", "b", "c", NULL };
	struct mp_s3 s3 = { 0 };
	struct mp_cfg cfg = { 0 };
	const struct mp_opt opts[] = {
		{ "flag", 'f', MP_OPT_FLAG, &flag, NULL, "a flag",
		  0, 0, NULL, 7, NULL, NULL },
		{ "num", 'n', MP_OPT_INT, &num, "int", "a number, 1 to 100",
		  1, 100, NULL, 0, NULL, NULL },
		{ "size", 'z', MP_OPT_SIZE, &size, "size", "a size, 1K to 1G",
		  1024, 1 << 30, NULL, 0, NULL, NULL },
		{ "dur", 'd', MP_OPT_DURATION, &dur, "duration",
		  "a duration, 1s to 2d", 1000000, 2 * 86400000000LL, NULL,
		  0, NULL, NULL },
		{ "money", 'm', MP_OPT_MONEY, &money, "money", "an amount",
		  0, 0, NULL, 0, NULL, NULL },
		{ "choice", 'c', MP_OPT_CHOICE, &choice, "a|b|c", "a choice",
		  0, 0, abc, 0, NULL, NULL },
		{ "str", 0, MP_OPT_STRING, &str, "s", "a string",
		  0, 0, NULL, 0, NULL, NULL },
		{ "path", 0, MP_OPT_PATH, &path, "file",
		  "a file, relative to its option file",
		  0, 0, NULL, 0, NULL, NULL },
		{ "call", 0, MP_OPT_CALL, NULL, "[=x]", "a call",
		  0, 0, NULL, 0, call, NULL },
		MP_S3_OPT_TABLE(&s3),
		MP_OPT_END
	};
	int i;

	/* OPT_NOCFG: as a tool without records */
	i = mp_opt_parse(argc, argv, opts, getenv("OPT_NOCFG") ? NULL : &cfg,
	    usage);
	printf("flag=%d num=%lld size=%lld dur=%" PRId64 " money=%" PRId64
	    " choice=%d\n", flag, num, size, dur, money, choice);
	printf("str=%s path=%s calls=%d\n", str ? str : "(null)",
	    path ? path : "(null)", ncall);
	printf("rejects=%s stats=%s strict=%d max_record=%lld progress=%d\n",
	    cfg.rejects ? cfg.rejects : "(null)",
	    cfg.stats ? cfg.stats : "(null)", cfg.strict, cfg.max_record,
	    cfg.progress);
	printf("s3 endpoint=%s region=%s style=%d part=%lld retries=%d\n",
	    s3.endpoint ? s3.endpoint : "(null)",
	    s3.region ? s3.region : "(null)", s3.style, s3.part_size,
	    s3.retries);
	for (; i < argc; i++)
		printf("operand=%s\n", argv[i]);
	free(s3.endpoint);
	free(s3.region);
	return fclose(stdout) == 0 ? 0 : MP_EX_IOERR;
}
