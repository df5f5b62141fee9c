/*
 * opt: a libFuzzer target for -K option files, through mp_opt_expand (the
 * input is the file).  A file the tool would refuse with exit 78 (a line
 * without an option name, a nested -K / config line: it names another
 * file) is skipped, since refusing exits.  Every option read must come
 * out as one argument; when all are --name[=value] (no CR in them),
 * writing them back as --name="value" lines must read back the same.
 * What it reads opt.c keeps until exit (and frees then): nothing else
 * may leak.  Built and run by `make fuzz` (clang).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "mp.h"

/* Whether readconf would exit on the line (a copy, up to a NUL). */
static int
refused(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && strchr(" \t\r\n", e[-1]))
		*--e = '\0';
	if (*s == '#' || *s == '\0')
		return 0;
	if (s[0] == '-' && s[1] != '-')
		return strncmp(s, "-K", 2) == 0;
	while (*s == '-')
		s++;
	if (*s == '\0' || strchr(" \t=:", *s))
		return 1;
	return strncmp(s, "config", 6) == 0 || *s == 'K';
}

static char **
readfile(const char *file, const void *p, size_t n, int *ac)
{
	char *av0[] = { "mp-fuzz", "-K", (char *)file, NULL }, **av = av0;
	FILE *f;

	if ((f = fopen(file, "w")) == NULL || (n > 0 &&
	    fwrite(p, 1, n, f) != n) || fclose(f) != 0)
		abort();
	*ac = 3;
	mp_opt_expand(ac, &av);
	if (*ac < 1 || strcmp(av[0], "mp-fuzz") != 0 || av[*ac] != NULL)
		abort();
	return av;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd = open("/dev/null", O_WRONLY);

	(void)argc;
	(void)argv;
	/* mp_opt_expand leaves a note for a pipe's reader: no pipe here */
	if (fd < 0 || dup2(fd, 1) < 0)
		abort();
	close(fd);
	return 0;
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t n)
{
	static char file[64];
	struct mp_buf b = { 0 };
	const char *s = (const char *)data, *end = s + n, *e;
	char **av, **av2, *eq;
	int ac, ac2, i, all = 1;

	for (; s < end; s = e + 1) {
		char *line;

		if ((e = memchr(s, '\n', end - s)) == NULL)
			e = end;
		line = xstrndup(s, e - s);
		i = refused(line);
		free(line);
		if (i)
			return 0;
	}
	if (file[0] == '\0')
		snprintf(file, sizeof file, "/tmp/mp-fuzz-opt.%ld",
		    (long)getpid());
	av = readfile(file, data, n, &ac);
	for (i = 1; i < ac; i++) {
		if (av[i][0] != '-' && (i == 1 || av[i - 1][0] != '-' ||
		    av[i - 1][1] == '-'))
			abort();	/* a value without its option */
		/* a CR ending a flag's name is a line end when written back */
		if (strncmp(av[i], "--", 2) != 0 || strchr(av[i], '\r'))
			all = 0;
	}
	if (all) {
		for (i = 1; i < ac; i++) {
			if ((eq = strchr(av[i], '=')) != NULL)
				mp_buf_printf(&b, "%.*s=\"%s\"\n",
				    (int)(eq - av[i]), av[i], eq + 1);
			else
				mp_buf_printf(&b, "%s\n", av[i]);
		}
		av2 = readfile(file, b.p, b.len, &ac2);
		if (ac2 != ac)
			abort();
		for (i = 1; i < ac; i++)
			if (strcmp(av[i], av2[i]) != 0)
				abort();
	}
	mp_buf_free(&b);
	unlink(file);
	return 0;
}
