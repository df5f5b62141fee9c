/*
 * opt.c: option tables, the options every tool shares, and -K option
 * files: one option per line, "name value", "name = value" or
 * "--name=value", # comments, as curl's -K.  Each is put back into argv
 * where -K stood, so options after it on the command line win.  A file
 * name an option file gives is taken relative to the option file's folder.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mp.h"

const char *const mp_opt_fates[] = { "pass", "drop", "reject", NULL };
static const char *usage_text;

/*
 * What option files put into argv, with the file each came from, freed at
 * exit (after the run's own exit work, which still uses the names).
 */
static struct owned {
	char	*s;
	const char *file;	/* NULL: not from an option file */
} *owned;
static int nowned, capowned;
static char **files;		/* the option files read, resolved */
static int nfiles;
static char **argvs;		/* argv arrays built */
static int nargvs;
static char **paths;		/* PATH values resolved */
static int npaths;
static const char *cur_file;	/* the option file of the current option */

static void
opt_free(void)
{
	int i;

	for (i = 0; i < nowned; i++)
		free(owned[i].s);
	for (i = 0; i < nfiles; i++)
		free(files[i]);
	for (i = 0; i < nargvs; i++)
		free(argvs[i]);
	for (i = 0; i < npaths; i++)
		free(paths[i]);
	free(owned);
	free(files);
	free(argvs);
	free(paths);
	owned = NULL;
	files = argvs = paths = NULL;
	nowned = capowned = nfiles = nargvs = npaths = 0;
}

static void
keep(char ***v, int *n, char *s)
{
	static int registered;

	if (!registered++)
		atexit(opt_free);
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	(*v)[(*n)++] = s;
}

static char *
own(char *s, const char *file)
{
	if (nowned == capowned) {
		capowned = capowned ? capowned * 2 : 16;
		owned = xrealloc(owned, capowned * sizeof *owned);
	}
	owned[nowned].s = s;
	owned[nowned++].file = file;
	return s;
}

static void
addarg(int *argc, char ***argv, int *cap, char *s)
{
	if (*argc + 2 > *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*argv = xrealloc(*argv, *cap * sizeof **argv);
	}
	(*argv)[(*argc)++] = s;
	(*argv)[*argc] = NULL;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		*--e = '\0';
	return s;
}

char *
mp_opt_relpath(const char *optfile, const char *value)
{
	const char *slash;
	char *p;

	if (optfile == NULL || *value == '/' || *value == '\0' ||
	    strcmp(value, "-") == 0 || (slash = strrchr(optfile, '/')) == NULL)
		return xstrdup(value);
	p = xmalloc(slash - optfile + strlen(value) + 2);
	sprintf(p, "%.*s/%s", (int)(slash - optfile), optfile, value);
	return p;
}

static void readconf(const char *, int, int *, char ***, int *);

/* An option file another names: relative to the one that names it. */
static void
nested(const char *file, const char *val, int depth, int *argc,
    char ***argv, int *cap)
{
	char *p = mp_opt_relpath(file, val);

	keep(&files, &nfiles, p);
	readconf(p, depth + 1, argc, argv, cap);
}

static void
readconf(const char *file, int depth, int *argc, char ***argv, int *cap)
{
	char *line = NULL, *s, *name, *val, *arg;
	size_t sz = 0;
	long long lineno = 0;
	FILE *f;

	if (depth > 8)
		mp_errx(MP_EX_CONFIG, "%s: option files nested too deep", file);
	if ((f = fopen(file, "r")) == NULL)
		mp_err(MP_EX_CONFIG, "%s", file);
	while (getline(&line, &sz, f) != -1) {
		lineno++;
		s = trim(line);
		if (*s == '#' || *s == '\0')
			continue;
		if (s[0] == '-' && s[1] != '-') {	/* -x value */
			name = s;
			val = s + strcspn(s, " \t");
			if (*val)
				*val++ = '\0';
			val = trim(val);
			if (strcmp(name, "-K") == 0 && *val) {
				nested(file, val, depth, argc, argv, cap);
				continue;
			}
			addarg(argc, argv, cap, own(xstrdup(name), file));
			if (*val)
				addarg(argc, argv, cap, own(xstrdup(val), file));
			continue;
		}
		while (*s == '-')
			s++;
		name = s;
		s += strcspn(s, " \t=:");
		val = NULL;
		if (*s) {
			*s++ = '\0';
			val = trim(s);
			if (*val == '=' || *val == ':')
				val = trim(val + 1);
			if (*val == '"' && strlen(val) > 1 &&
			    val[strlen(val) - 1] == '"') {
				val++;
				val[strlen(val) - 1] = '\0';
			} else if (*val == '\0')
				val = NULL;	/* "strict =" is a flag */
		}
		if (*name == '\0')
			mp_errx(MP_EX_CONFIG, "%s:%lld: option name missing",
			    file, lineno);
		if (strcmp(name, "config") == 0 || strcmp(name, "K") == 0) {
			if (val == NULL)
				mp_errx(MP_EX_CONFIG, "%s:%lld: config needs a "
				    "file", file, lineno);
			nested(file, val, depth, argc, argv, cap);
			continue;
		}
		arg = xmalloc(strlen(name) + (val ? strlen(val) : 0) + 4);
		sprintf(arg, "--%s%s%s", name, val ? "=" : "", val ? val : "");
		addarg(argc, argv, cap, own(arg, file));
	}
	if (ferror(f))
		mp_err(MP_EX_CONFIG, "%s", file);
	fclose(f);
	free(line);
}

/* Sets mp_prog and what every tool does first; argv with -K expanded. */
static void
expand(int *argcp, char ***argvp)
{
	char **av = *argvp, **nv = NULL, *p;
	int ac = *argcp, nc = 0, cap = 0, i;

	if (ac > 0 && av[0]) {
		p = strrchr(av[0], '/');
		mp_prog = p ? p + 1 : av[0];
	}
	/* a file size limit is a write error (74), not a silent death */
	signal(SIGXFSZ, SIG_IGN);
	mp_chain_start();
	for (i = 0; i < ac; i++) {
		if (i > 0 && strcmp(av[i], "--") == 0) {
			for (; i < ac; i++)
				addarg(&nc, &nv, &cap, av[i]);
			break;
		}
		if (i > 0 && (strcmp(av[i], "-K") == 0 ||
		    strcmp(av[i], "--config") == 0)) {
			if (i + 1 >= ac)
				mp_errx(MP_EX_USAGE, "option '%s' needs a file",
				    av[i]);
			readconf(av[++i], 0, &nc, &nv, &cap);
		} else if (i > 0 && strncmp(av[i], "--config=", 9) == 0)
			readconf(av[i] + 9, 0, &nc, &nv, &cap);
		else if (i > 0 && strncmp(av[i], "-K", 2) == 0)
			readconf(av[i] + 2, 0, &nc, &nv, &cap);
		else
			addarg(&nc, &nv, &cap, av[i]);
	}
	if (nv == NULL)
		addarg(&nc, &nv, &cap, NULL), nc = 0;
	keep(&argvs, &nargvs, (char *)nv);
	*argcp = nc;
	*argvp = nv;
}

void
mp_opt_expand(int *argcp, char ***argvp)
{
	expand(argcp, argvp);
}

/* The option file the string arg lies in, or NULL. */
static const char *
source(const char *arg)
{
	int i;

	if (arg == NULL)
		return NULL;
	for (i = 0; i < nowned; i++)
		if (arg >= owned[i].s && arg <= owned[i].s +
		    strlen(owned[i].s))
			return owned[i].file;
	return NULL;
}

const char *
mp_opt_file(void)
{
	return cur_file;
}

const char *
mp_opt_arg_path(const char *arg)
{
	const char *file = source(arg);
	char *p;

	if (file == NULL)
		return arg;
	p = mp_opt_relpath(file, arg);
	keep(&paths, &npaths, p);
	return p;
}

/* A size as an option takes it: 512, 64K, 5M, 1G. */
static const char *
fmt_size(long long v, char *buf)
{
	static const char sfx[] = "KMGT";
	int i = -1;

	while (v != 0 && v % 1024 == 0 && i < 3) {
		v /= 1024;
		i++;
	}
	if (i < 0)
		snprintf(buf, 32, "%lld", v);
	else
		snprintf(buf, 32, "%lld%c", v, sfx[i]);
	return buf;
}

/* A duration as an option takes it: 1ms, 30s, 2d. */
static const char *
fmt_duration(long long us, char *buf)
{
	static const struct {
		const char *name;
		long long us;
	} unit[] = {
		{ "d", 86400000000LL }, { "h", 3600000000LL },
		{ "m", 60000000 }, { "s", 1000000 }, { "ms", 1000 },
	};
	size_t k;

	for (k = 0; k < sizeof unit / sizeof unit[0]; k++)
		if (us % unit[k].us == 0) {
			snprintf(buf, 32, "%lld%s", us / unit[k].us,
			    unit[k].name);
			return buf;
		}
	snprintf(buf, 32, "%lldus", us);
	return buf;
}

/* "want a, b or c" for a CHOICE. */
static const char *
fmt_choices(const char *const *c, struct mp_buf *b)
{
	int i;

	b->len = 0;
	mp_buf_adds(b, "want ");
	for (i = 0; c[i]; i++) {
		if (i > 0)
			mp_buf_adds(b, c[i + 1] ? ", " : " or ");
		mp_buf_adds(b, c[i]);
	}
	return mp_buf_str(b);
}

static void MP_NORETURN
bad(const struct mp_opt *o, const char *arg, const char *errstr)
{
	mp_warnx("--%s: '%s': %s", o->name, arg ? arg : "", errstr);
	mp_usage(usage_text);
}

/* Applies option o with argument arg (NULL: none). */
static void
apply(const struct mp_opt *o, const char *arg)
{
	static struct mp_buf msg;
	const char *errstr = NULL;
	char b1[32], b2[32];
	long long v, min = o->min, max = o->max;
	int64_t d;
	int i;

	switch (o->kind) {
	case MP_OPT_FLAG:
		*(int *)o->dst = o->val ? o->val : 1;
		return;
	case MP_OPT_STRING:
		*(const char **)o->dst = arg ? arg : "";
		return;
	case MP_OPT_PATH:
		*(const char **)o->dst = arg ? mp_opt_arg_path(arg) : "";
		return;
	case MP_OPT_INT:
		if (min == 0 && max == 0)
			min = LLONG_MIN, max = LLONG_MAX;
		if (mp_strtonum(arg, min, max, &v, &errstr) < 0) {
			mp_warnx("--%s: '%s': %s (%lld to %lld)", o->name,
			    arg, errstr, min, max);
			mp_usage(usage_text);
		}
		*(long long *)o->dst = v;
		return;
	case MP_OPT_SIZE:
		if (min == 0 && max == 0)
			max = LLONG_MAX;
		if (mp_parse_size(arg, min, max, &v, &errstr) < 0) {
			mp_warnx("--%s: '%s': %s (%s to %s)", o->name, arg,
			    errstr, fmt_size(min, b1), fmt_size(max, b2));
			mp_usage(usage_text);
		}
		*(long long *)o->dst = v;
		return;
	case MP_OPT_DURATION:
		if (mp_duration_parse(arg, &d, &errstr) < 0)
			bad(o, arg, errstr);
		if ((min || max) && (d < min || d > max)) {
			mp_warnx("--%s: '%s': %s (%s to %s)", o->name, arg,
			    d < min ? "too small" : "too large",
			    fmt_duration(min, b1), fmt_duration(max, b2));
			mp_usage(usage_text);
		}
		*(int64_t *)o->dst = d;
		return;
	case MP_OPT_MONEY:
		if (mp_money_parse(arg, strlen(arg), &d, &errstr) < 0)
			bad(o, arg, strcmp(errstr, "not a decimal") == 0 ?
			    "not an amount such as 12, 0.50 or 1999.99" :
			    errstr);
		if ((min || max) && (d < min || d > max)) {
			mp_warnx("--%s: '%s': %s (%s to %s)", o->name, arg,
			    d < min ? "too small" : "too large",
			    mp_money_fmt(min, b1), mp_money_fmt(max, b2));
			mp_usage(usage_text);
		}
		*(int64_t *)o->dst = d;
		return;
	case MP_OPT_CHOICE:
		for (i = 0; o->choices[i]; i++)
			if (strcmp(arg, o->choices[i]) == 0) {
				*(int *)o->dst = i;
				return;
			}
		bad(o, arg, fmt_choices(o->choices, &msg));
	case MP_OPT_CALL:
		if (o->call(o->ctx, arg, &errstr) < 0)
			bad(o, arg, errstr ? errstr : "invalid");
		return;
	}
}

static int
set_stats(void *ctx, const char *arg, const char **errstr)
{
	struct mp_cfg *cfg = ctx;

	(void)errstr;
	cfg->stats = arg ? mp_opt_arg_path(arg) : "-";
	mp_run_early(cfg);
	return 0;
}

static int
set_metrics(void *ctx, const char *arg, const char **errstr)
{
	struct mp_cfg *cfg = ctx;

	(void)errstr;
	cfg->metrics = mp_opt_arg_path(arg);
	mp_run_early(cfg);
	return 0;
}

static int
set_logfmt(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx;
	if (strcmp(arg, "json") == 0)
		mp_log_set_format(MP_LOG_JSON);
	else if (strcmp(arg, "text") == 0)
		mp_log_set_format(MP_LOG_TEXT);
	else {
		*errstr = "want text or json";
		return -1;
	}
	return 0;
}

enum { C_HELP, C_VERSION, C_CONFIG, C_N };

/* The common options, in the order --help lists them after the tool's. */
static int
common(struct mp_opt *t, struct mp_cfg *cfg)
{
	static int dummy;
	int n = 0;

#define O(nm, l, k, d, a, h) do {					\
	memset(&t[n], 0, sizeof t[n]);					\
	t[n].name = nm; t[n].letter = l; t[n].kind = k; t[n].dst = d;	\
	t[n].arg = a; t[n].help = h; n++;				\
} while (0)
	O("config", 'K', MP_OPT_FLAG, &dummy, "file",
	    "read options from file, one a line");
	if (cfg) {
		O("strict", 's', MP_OPT_FLAG, &cfg->strict, NULL,
		    "stop at the first reject, exit 65");
		O("rejects", 0, MP_OPT_PATH, &cfg->rejects, "file",
		    "write rejected records to file");
		O("dropped", 0, MP_OPT_PATH, &cfg->dropped, "file",
		    "write dropped records to file");
		O("stats", 0, MP_OPT_CALL, NULL, "[=file]",
		    "write counts as JSON to file, or stderr");
		t[n - 1].call = set_stats, t[n - 1].ctx = cfg;
		O("metrics", 0, MP_OPT_CALL, NULL, "file",
		    "write counts for Prometheus to file");
		t[n - 1].call = set_metrics, t[n - 1].ctx = cfg;
	}
	O("log-format", 0, MP_OPT_CALL, NULL, "text|json",
	    "messages as text lines or JSON objects");
	t[n - 1].call = set_logfmt;
	if (cfg) {
		O("max-record", 0, MP_OPT_SIZE, &cfg->max_record, "size",
		    "reject records longer than size (1M)");
		t[n - 1].min = 2, t[n - 1].max = 1LL << 30;
		O("progress", 0, MP_OPT_FLAG, &cfg->progress, NULL,
		    "show progress on stderr, terminal or not");
		O("no-progress", 0, MP_OPT_FLAG, &cfg->progress, NULL,
		    "show no progress line");
		t[n - 1].val = -1;
	}
	O("help", 'h', MP_OPT_FLAG, &dummy, NULL,
	    "show this help and exit");
	O("version", 'V', MP_OPT_FLAG, &dummy, NULL,
	    "show the version and exit");
#undef O
	return n;
}

/* Whether o's argument is optional: "[=file]" ("[name=]file" is not). */
static int
optional(const struct mp_opt *o)
{
	return o->arg && strncmp(o->arg, "[=", 2) == 0;
}

/* "-S, --schema=file" */
static void
optname(const struct mp_opt *o, struct mp_buf *b)
{
	b->len = 0;
	if (o->letter)
		mp_buf_printf(b, "-%c, ", o->letter);
	else
		mp_buf_adds(b, "    ");
	mp_buf_printf(b, "--%s", o->name);
	if (o->arg)
		mp_buf_printf(b, "%s%s", optional(o) ? "" : "=", o->arg);
}

/* Whether usage names option o. */
static int
named(const char *usage, const struct mp_opt *o)
{
	const char *p;
	size_t n = strlen(o->name);

	for (p = usage; (p = strstr(p, "--")) != NULL; p += 2)
		if (strncmp(p + 2, o->name, n) == 0 &&
		    strchr("=[] |\n", p[2 + n]))
			return 1;
	return 0;
}

static void MP_NORETURN
help(const struct mp_opt *t, int n, int ntool, const char *usage)
{
	struct mp_buf b = { 0 };
	size_t w = 0;
	int i;

	for (i = 0; i < n; i++) {
		optname(&t[i], &b);
		if (b.len > w)
			w = b.len;
	}
	if (w > 26)
		w = 26;
	printf("%s\nOptions:\n", usage);
	for (i = 0; i < n; i++) {
		/* a common option the tool has no use for */
		if (i >= ntool && strcmp(t[i].name, "dropped") == 0 &&
		    !named(usage, &t[i]))
			continue;
		optname(&t[i], &b);
		if (b.len > w)
			printf("  %s\n  %*s  %s\n", mp_buf_str(&b), (int)w, "",
			    t[i].help ? t[i].help : "");
		else
			printf("  %-*s  %s\n", (int)w, mp_buf_str(&b),
			    t[i].help ? t[i].help : "");
	}
	printf("\nThe manual: man %s, or man ./man/%s.1 in the source tree.\n",
	    mp_prog, mp_prog);
	mp_buf_free(&b);
	exit(fclose(stdout) == 0 ? 0 : MP_EX_IOERR);
}

/*
 * Whether s, given after an option whose argument is optional, is clearly
 * the file the option was meant to write (--stats st.json): a name that
 * does not exist yet, or one ending in .json (records are .ndjson).
 */
static int
filelike(const char *s)
{
	struct stat st;
	size_t n;

	if (s == NULL || *s == '-' || *s == '\0')
		return 0;
	n = strlen(s);
	if (n > 5 && strcmp(s + n - 5, ".json") == 0)
		return 1;
	return stat(s, &st) < 0 && errno == ENOENT;
}

/*
 * After --name given bare, at av[optind - 1]: exits 64 when the argument
 * after it is clearly the file it was meant to take ("[=file]": file).
 */
static void
swallow(const char *name, const char *arg, char **av, int ac)
{
	if (optind < 1 || optind >= ac || source(av[optind - 1]) ||
	    !filelike(av[optind]))
		return;
	mp_warnx("--%s takes its %.*s with '=': --%s=%s (or put --%s after "
	    "the files)", name, (int)strcspn(arg + 2, "]"), arg + 2, name,
	    av[optind], name);
	mp_usage(usage_text);
}

int
mp_opt_parse(int argc, char **argv, const struct mp_opt *tool,
    struct mp_cfg *cfg, const char *usage)
{
	struct mp_buf shorts = { 0 };
	struct option *lo;
	struct mp_opt *t;
	const struct mp_opt *o;
	char **av = argv;
	int ac = argc, ntool, n, i, c, k;

	usage_text = usage;
	expand(&ac, &av);
	for (ntool = 0; tool && tool[ntool].name; ntool++)
		;
	t = xcalloc(ntool + C_N + 16, sizeof *t);
	if (ntool)
		memcpy(t, tool, ntool * sizeof *t);
	n = ntool + common(t + ntool, cfg);
	lo = xcalloc(n + 1, sizeof *lo);
	for (i = 0; i < n; i++) {
		lo[i].name = t[i].name;
		lo[i].has_arg = t[i].arg == NULL ? no_argument :
		    optional(&t[i]) ? optional_argument : required_argument;
		lo[i].val = 0x10000 + i;
		if (t[i].letter) {
			mp_buf_printf(&shorts, "%c", t[i].letter);
			if (lo[i].has_arg != no_argument)
				mp_buf_adds(&shorts, lo[i].has_arg ==
				    optional_argument ? "::" : ":");
		}
	}
	mp_buf_str(&shorts);
	optind = 1;
	while ((c = getopt_long(ac, av, shorts.p, lo, NULL)) != -1) {
		if (c >= 0x10000 && c < 0x10000 + n)
			i = c - 0x10000;
		else
			for (i = 0; i < n && (c == 0 || t[i].letter != c); i++)
				;
		if (i == n)
			mp_usage(usage);	/* getopt said what */
		o = &t[i];
		if (i >= ntool && strcmp(o->name, "help") == 0)
			help(t, n, ntool, usage);
		if (i >= ntool && strcmp(o->name, "version") == 0) {
			printf("%s %s\n", mp_prog, MP_VERSION);
			exit(fclose(stdout) == 0 ? 0 : MP_EX_IOERR);
		}
		if (i >= ntool && strcmp(o->name, "config") == 0) {
			mp_warnx("--config: give it as -K file or "
			    "--config=file");
			mp_usage(usage);
		}
		if (lo[i].has_arg == optional_argument && optarg == NULL)
			swallow(o->name, o->arg, av, ac);
		cur_file = source(optarg);
		apply(o, optarg);
		cur_file = NULL;
	}
	/* the operands, back where the tool looks for them */
	k = ac - optind;
	if (k > argc - 1)
		mp_errx(MP_EX_USAGE, "operands in an option file");
	for (i = 0; i < k; i++)
		argv[argc - k + i] = av[optind + i];
	free(lo);
	free(t);
	mp_buf_free(&shorts);
	return argc - k;
}

void
mp_usage(const char *text)
{
	fprintf(stderr, "%s", text ? text : usage_text);
	exit(MP_EX_USAGE);
}

long long
mp_opt_number(const char *opt, const char *arg, long long min, long long max,
    const char *usage)
{
	const char *errstr;
	long long v;

	if (mp_strtonum(arg, min, max, &v, &errstr) < 0) {
		mp_warnx("%s: '%s': %s (%lld to %lld)", opt, arg, errstr, min,
		    max);
		mp_usage(usage);
	}
	return v;
}

void
mp_opt_path(struct mp_path *p, const char *opt, const char *arg,
    const char *usage)
{
	const char *errstr;

	mp_path_free(p);
	if (mp_path_parse(arg, p, &errstr) < 0) {
		mp_warnx("%s: '%s': %s", opt, arg, errstr);
		mp_usage(usage);
	}
}

void
mp_opt_field(struct mp_path *p, const char *opt, const char *arg, int top,
    const char *usage)
{
	const char *errstr = NULL;
	char *path = xmalloc(strlen(arg) + 2);

	sprintf(path, "%s%s", *arg == '.' ? "" : ".", arg);
	mp_path_free(p);
	if (mp_path_parse(path, p, &errstr) < 0 || p->nseg == 0 ||
	    p->seg[p->nseg - 1].key == NULL || (top && p->nseg > 1)) {
		mp_warnx("%s: '%s': %s", opt, arg, errstr ? errstr :
		    p->nseg > 1 && top ? "not a top-level field" :
		    "not a field name");
		mp_usage(usage);
	}
	free(path);
}

