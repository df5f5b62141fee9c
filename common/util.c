/* util.c: allocation that cannot fail, numbers, clocks, backoff, hashing */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mp.h"

const char *mp_prog = "mp";

/*
 * The bottom of libmp: it calls nothing above it (buf.c and diag.c call
 * it), and a message about memory must not need memory.  A second
 * failure while the exit handlers run ends the process at once.
 */
static void *
nomem(void)
{
	static const char msg[] = ": out of memory\n";
	static int again;

	if (again++)
		_exit(MP_EX_SOFTWARE);
	(void)!write(2, mp_prog, strlen(mp_prog));
	(void)!write(2, msg, sizeof msg - 1);
	exit(MP_EX_SOFTWARE);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	return p ? p : nomem();
}

void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz ? sz : 1);

	return p ? p : nomem();
}

void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	return p ? p : nomem();
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

int
mp_strtonum(const char *s, long long min, long long max, long long *out,
    const char **errstr)
{
	if (s[strspn(s, "-0123456789")] != '\0') {
		*errstr = "not a whole number";
		return -1;
	}
	if (mp_parse_size(s, min, max, out, errstr) == 0)
		return 0;
	if (strncmp(*errstr, "too ", 4) != 0)
		*errstr = "not a whole number";
	return -1;
}

int
mp_parse_size(const char *s, long long min, long long max, long long *out,
    const char **errstr)
{
	char *end;
	long long v, mul = 1;

	*errstr = NULL;
	if (*s == '\0' || *s == ' ' || *s == '+' || *s == '\t') {
		*errstr = "not a size such as 512, 64k, 1M or 2G";
		return -1;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s) {
		*errstr = "not a size such as 512, 64k, 1M or 2G";
		return -1;
	}
	if (*end != '\0') {
		switch (*end) {
		case 'k': case 'K': mul = 1LL << 10; break;
		case 'm': case 'M': mul = 1LL << 20; break;
		case 'g': case 'G': mul = 1LL << 30; break;
		default:
			*errstr = "not a size such as 512, 64k, 1M or 2G";
			return -1;
		}
		if (end[1] != '\0' && !(strchr("bB", end[1]) && !end[2])) {
			*errstr = "not a size such as 512, 64k, 1M or 2G";
			return -1;
		}
	}
	if (errno == ERANGE || (v > 0 && v > LLONG_MAX / mul) ||
	    (v < 0 && v < LLONG_MIN / mul)) {
		*errstr = v < 0 ? "too small" : "too large";
		return -1;
	}
	v *= mul;
	if (v < min) {
		*errstr = "too small";
		return -1;
	}
	if (v > max) {
		*errstr = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

double
mp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double
mp_backoff(int n, double base, double cap)
{
	static unsigned seed;
	double hi = base;

	if (seed == 0)
		seed = (unsigned)getpid() ^ (unsigned)time(NULL);
	while (n-- > 0 && hi < cap)
		hi *= 2;
	if (hi > cap)
		hi = cap;
	return hi * (rand_r(&seed) / (RAND_MAX + 1.0));	/* full jitter */
}

/* 64-bit multiply, folding the high half into the low */
static uint64_t
mix(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t
mp_hash(const void *key, size_t n, uint64_t seed)
{
	const unsigned char *p = key;
	uint64_t h = seed ^ 0x9e3779b97f4a7c15ULL ^ n, a, b;

	/* a wyhash-style mix of 16-byte blocks; for hash tables, not keys */
	for (; n >= 16; n -= 16, p += 16) {
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		h = mix(a ^ 0xa0761d6478bd642fULL, b ^ h);
	}
	a = b = 0;
	if (n >= 8) {
		memcpy(&a, p, 8);
		memcpy(&b, p + n - 8, 8);
	} else if (n > 0) {
		memcpy(&a, p, n > 4 ? 4 : n);
		memcpy(&b, p + n - (n > 4 ? 4 : n), n > 4 ? 4 : n);
	}
	return mix(mix(a ^ 0xe7037ed1a0b428dbULL, b ^ h),
	    0x8ebc6af09c88c6e3ULL ^ n);
}

/* an allocated "a/b/c" */
static char *
join(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *p = xmalloc(n);

	snprintf(p, n, "%s%s%s", a, b, c);
	return p;
}

char *
mp_datafile(const char *rel)
{
	char exe[4096], *slash, *p;
	const char *env;
	ssize_t n;

	if ((env = getenv("MP_DATADIR")) != NULL && *env)
		return join(env, "/", rel);
	/* bin/../share/mp installed, cmd/../share/mp in the source tree */
	if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			*slash = '\0';
			p = join(exe, "/../share/mp/", rel);
			if (access(p, F_OK) == 0)
				return p;
			free(p);
		}
	}
	return join(MP_DATADIR, "/", rel);
}

int
mp_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}
