/*
 * opt.c: options every tool shares, and -K option files: one option per
 * line, "name value", "name = value" or "--name=value", # comments, as
 * curl's -K.  Each is put back into argv where -K stood, so options after
 * it on the command line win.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

static const char *usage_text;

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
				readconf(val, depth + 1, argc, argv, cap);
				continue;
			}
			addarg(argc, argv, cap, xstrdup(name));
			if (*val)
				addarg(argc, argv, cap, xstrdup(val));
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
			readconf(val, depth + 1, argc, argv, cap);
			continue;
		}
		arg = xmalloc(strlen(name) + (val ? strlen(val) : 0) + 4);
		sprintf(arg, "--%s%s%s", name, val ? "=" : "", val ? val : "");
		addarg(argc, argv, cap, arg);
	}
	if (ferror(f))
		mp_err(MP_EX_CONFIG, "%s", file);
	fclose(f);
	free(line);
}

void
mp_opt_init(int *argcp, char ***argvp)
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
	*argcp = nc;
	*argvp = nv;
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

int
mp_opt_common(struct mp_cfg *cfg, int c, const char *arg, const char *usage)
{
	const char *errstr;

	usage_text = usage;
	switch (c) {
	case 'h':
		printf("%s", usage);
		printf("See %s(1) for the options.\n", mp_prog);
		exit(fclose(stdout) == 0 ? 0 : MP_EX_IOERR);
	case 'V':
		printf("%s %s\n", mp_prog, MP_VERSION);
		exit(fclose(stdout) == 0 ? 0 : MP_EX_IOERR);
	case MP_OPT_REJECTS:
		cfg->rejects = arg;
		return 1;
	case MP_OPT_DROPPED:
		cfg->dropped = arg;
		return 1;
	case MP_OPT_STATS:
		cfg->stats = arg ? arg : "-";
		mp_run_early(cfg);
		return 1;
	case MP_OPT_METRICS:
		cfg->metrics = arg;
		mp_run_early(cfg);
		return 1;
	case MP_OPT_LOGFMT:
		if (strcmp(arg, "json") == 0)
			mp_log_set_format(MP_LOG_JSON);
		else if (strcmp(arg, "text") == 0)
			mp_log_set_format(MP_LOG_TEXT);
		else {
			mp_warnx("--log-format: '%s': want text or json", arg);
			mp_usage(usage);
		}
		return 1;
	case MP_OPT_MAXREC:
		if (mp_parse_size(arg, 2, 1LL << 30, &cfg->max_record,
		    &errstr) < 0) {
			mp_warnx("--max-record: '%s': %s (2 to 1G)", arg,
			    errstr);
			mp_usage(usage);
		}
		return 1;
	case MP_OPT_PROGRESS:
		cfg->progress = 1;
		return 1;
	case MP_OPT_NOPROGRESS:
		cfg->progress = -1;
		return 1;
	case 's':
		cfg->strict = 1;
		return 1;
	default:
		mp_usage(usage);
	}
}
