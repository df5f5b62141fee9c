/* tap.h: TAP output for the C unit tests in t/: ok(), then done(). */
#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

static void
ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
}

/* Prints the plan; the exit status of main. */
static int
done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
