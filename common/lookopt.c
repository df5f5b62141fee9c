/*
 * lookopt.c: the lookup tables' options as entries of a tool's option
 * table (MP_LOOKUP_OPT_TABLE): -t starts a table, and the table options
 * after it are that table's (before the first -t, every table's); a
 * table's file named in an option file is relative to it.
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"

const char *
mp_lookup_opt_source(const char *arg)
{
	size_t n = strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR"
	    "STUVWXYZ0123456789_-.");
	struct mp_buf b = { 0 };
	const char *src = arg[n] == '=' && n > 0 ? arg + n + 1 : arg;

	if (strncmp(src, "pg:", 3) == 0 || strcmp(src, "-") == 0 ||
	    *src == '\0')
		return arg;
	mp_buf_add(&b, arg, src - arg);
	mp_buf_adds(&b, mp_opt_arg_path(src));
	return mp_buf_str(&b);
}

static struct mp_lookup *
cur(struct mp_lookups *ls)
{
	return ls->cur ? ls->cur : &ls->dflt;
}

int
mp_lookup_opt_table(void *ctx, const char *arg, const char **errstr)
{
	struct mp_lookups *ls = ctx;
	const char *src = mp_lookup_opt_source(arg);

	(void)errstr;
	ls->cur = mp_lookup_new(ls, NULL, src);
	if (src != arg)
		free((char *)src);
	return 0;
}

int
mp_lookup_opt_key(void *ctx, const char *arg, const char **errstr)
{
	(void)errstr;
	mp_lookup_key(ctx, cur(ctx), arg);
	return 0;
}

int
mp_lookup_opt_add(void *ctx, const char *arg, const char **errstr)
{
	(void)errstr;
	mp_lookup_column(ctx, cur(ctx), arg);
	return 0;
}

int
mp_lookup_opt_format(void *ctx, const char *arg, const char **errstr)
{
	struct mp_lookup *t = cur(ctx);

	(void)errstr;
	t->fmt = mp_lookup_format(ctx, "--format", arg);
	t->set |= MP_LOOKUP_SET_FMT;
	return 0;
}

static int
dups(struct mp_lookups *ls, int how)
{
	struct mp_lookup *t = cur(ls);

	t->dups = how;
	t->set |= MP_LOOKUP_SET_DUPS;
	return 0;
}

int
mp_lookup_opt_first(void *ctx, const char *arg, const char **errstr)
{
	(void)arg, (void)errstr;
	return dups(ctx, MP_TABLE_FIRST);
}

int
mp_lookup_opt_last(void *ctx, const char *arg, const char **errstr)
{
	(void)arg, (void)errstr;
	return dups(ctx, MP_TABLE_LAST);
}

int
mp_lookup_opt_allocate(void *ctx, const char *arg, const char **errstr)
{
	struct mp_lookups *ls = ctx;
	struct mp_lookup *t = cur(ls);
	char *s = xstrdup(arg), *eq;

	(void)errstr;
	if ((eq = strchr(s, '=')) != NULL)
		*eq++ = '\0';
	if (*s == '\0') {
		mp_warnx("--allocate: '%s': no column", arg);
		mp_usage(ls->usage);
	}
	t->alloc = s;
	t->allocfield = eq;
	t->set |= MP_LOOKUP_SET_ALLOC;
	return 0;
}

int
mp_lookup_opt_count(void *ctx, const char *arg, const char **errstr)
{
	struct mp_lookups *ls = ctx;
	struct mp_lookup *t = cur(ls);

	(void)errstr;
	if (*arg == '\0') {
		mp_warnx("--count-column: no column");
		mp_usage(ls->usage);
	}
	t->countcol = (char *)arg;
	t->set |= MP_LOOKUP_SET_COUNT;
	return 0;
}
