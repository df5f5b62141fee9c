/*
 * opt.h: option tables.  A tool describes each of its options once, in a
 * table: its names, what it sets, how its argument is parsed and one line
 * of help.  mp_opt_parse reads the command line and -K option files from
 * the table, with the common options added, and --help prints the usage
 * block and then every option with its line, as curl and zstd do.
 */
#ifndef MP_OPT_H
#define MP_OPT_H

#include <stdint.h>

struct mp_cfg;

enum mp_opt_kind {
	MP_OPT_FLAG,		/* no argument: *(int *)dst = val */
	MP_OPT_STRING,		/* *(const char **)dst = arg */
	MP_OPT_PATH,		/* as STRING; relative to its option file */
	MP_OPT_INT,		/* *(long long *)dst, in [min, max] */
	MP_OPT_SIZE,		/* *(long long *)dst, K M G suffixes, [min, max] */
	MP_OPT_DURATION,	/* *(int64_t *)dst microseconds, [min, max] */
	MP_OPT_MONEY,		/* *(int64_t *)dst micro-units, [min, max] */
	MP_OPT_CHOICE,		/* *(int *)dst = index of arg in choices */
	MP_OPT_CALL,		/* call(ctx, arg): repeated or composite */
};

struct mp_opt {
	const char *name;	/* long name without --, "schema-dir" */
	int	 letter;	/* short option letter, or 0 */
	enum mp_opt_kind kind;
	void	*dst;		/* what the option sets (not for CALL) */
	const char *arg;	/* the argument's name in --help ("file");
				   NULL: no argument; "[=file]": optional */
	const char *help;	/* one line for --help */
	long long min, max;	/* INT, SIZE, DURATION, MONEY; 0, 0: any */
	const char *const *choices; /* CHOICE: NULL-terminated */
	int	 val;		/* FLAG: the value stored (0 means 1) */
	/*
	 * CALL: arg is NULL for a flag or an absent optional argument.
	 * Returns 0, or -1 with *errstr naming what was expected; then
	 * mp_opt_parse prints "--name: 'arg': errstr" and the usage, and
	 * exits 64.  Exits itself for other failures (78 for a bad file).
	 */
	int	(*call)(void *ctx, const char *arg, const char **errstr);
	void	*ctx;
};
/*
 * What becomes of a record an option is about (--late, --unmatched): the
 * choices "pass", "drop" and "reject", in this order, for MP_OPT_CHOICE.
 */
enum { MP_FATE_PASS, MP_FATE_DROP, MP_FATE_REJECT };
extern const char *const mp_opt_fates[];

#define MP_OPT_END	{ NULL, 0, MP_OPT_FLAG, NULL, NULL, NULL, 0, 0, \
			  NULL, 0, NULL, NULL }
/* Entries without range, choices or value: a variable, or a call. */
#define MP_OPT_SET(name, letter, kind, dst, arg, help) \
	{ name, letter, kind, dst, arg, help, 0, 0, NULL, 0, NULL, NULL }
#define MP_OPT_FN(name, letter, arg, call, ctx, help) \
	{ name, letter, MP_OPT_CALL, NULL, arg, help, 0, 0, NULL, 0, call, ctx }

/*
 * Sets mp_prog, starts the tool's note in the chain, ignores SIGXFSZ, then
 * parses argv by the tool's table followed by the common options (-h,
 * -V, -K, -s, --rejects, --dropped, --stats, --metrics, --log-format,
 * --max-record, --progress, --no-progress) into cfg.  -K FILE lines are
 * options as on the command line, in place (later options win); a PATH
 * option's relative value read from a file is taken relative to that
 * file's folder.  On a bad option, prints what was wrong and the usage
 * and exits 64.  Returns the index of the first operand: the operands are
 * moved to the end of argv, so argv + index holds them all (a tool does
 * argc -= i, argv += i).  cfg may be NULL for a tool without records:
 * then only -h, -V, -K and --log-format are added.  Strings the options
 * point to (optarg, option file values) live until exit; option files
 * are freed at exit, after the run's own exit work.
 *
 *	i = mp_opt_parse(argc, argv, opts, &cfg, usage);
 *	argc -= i;
 *	argv += i;
 */
int	 mp_opt_parse(int argc, char **argv, const struct mp_opt *,
	    struct mp_cfg *, const char *usage);
/* The path an option file's relative value names (allocated). */
char	*mp_opt_relpath(const char *optfile, const char *value);
/*
 * For a CALL option: arg, the optarg an
 * option got, made relative to the option file it was read from, if any
 * (owned by opt.c until exit).  PATH options get this already.
 */
const char *mp_opt_arg_path(const char *arg);
/* The option file the option being applied came from, or NULL. */
const char *mp_opt_file(void);
/*
 * Also, in mp_opt_parse: an option whose argument is optional takes it only
 * after '=' (--stats=FILE).  Given as a bare --stats on the command line
 * and followed by a name that ends in .json or does not exist, it exits 64
 * rather than read that file as input.  An absent optional argument gives STRING and PATH options "".
 * INT and MONEY with min and max 0 take any value, SIZE any from 0,
 * DURATION any above 0.  A value out of range names the range: "--num:
 * '0': too small (1 to 100)".
 */

#endif
