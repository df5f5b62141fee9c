/* diag.c: messages on stderr, as text or one JSON object per line */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mp.h"

static enum mp_log_format logfmt = MP_LOG_TEXT;
static int progress_shown;
/* the last error, else warning: why a run failed, for its stats */
static char last_error[512], last_warning[512];

void
mp_log_set_format(enum mp_log_format f)
{
	logfmt = f;
}

enum mp_log_format
mp_log_get_format(void)
{
	return logfmt;
}

static void
emit(const char *level, const char *file, long long line, const char *fmt,
    va_list ap)
{
	struct mp_buf b = { 0 }, m = { 0 };

	mp_buf_vprintf(&m, fmt, ap);
	if (strcmp(level, "error") == 0)
		snprintf(last_error, sizeof last_error, "%s", mp_buf_str(&m));
	else
		snprintf(last_warning, sizeof last_warning, "%s",
		    mp_buf_str(&m));
	mp_progress_clear();
	if (logfmt == MP_LOG_JSON) {
		time_t now = time(NULL);
		char ts[32];

		strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
		mp_buf_printf(&b, "{\"ts\":\"%s\",\"prog\":", ts);
		mp_buf_json_str(&b, mp_prog, strlen(mp_prog));
		mp_buf_printf(&b, ",\"level\":\"%s\"", level);
		if (file) {
			mp_buf_adds(&b, ",\"file\":");
			mp_buf_json_str(&b, file, strlen(file));
		}
		if (line > 0)
			mp_buf_printf(&b, ",\"line\":%lld", line);
		mp_buf_adds(&b, ",\"msg\":");
		mp_buf_json_str(&b, m.p, m.len);
		mp_buf_adds(&b, "}\n");
	} else {
		mp_buf_printf(&b, "%s: ", mp_prog);
		if (file && line > 0)
			mp_buf_printf(&b, "%s:%lld: ", file, line);
		else if (file)
			mp_buf_printf(&b, "%s: ", file);
		mp_buf_add(&b, m.p, m.len);
		mp_buf_addc(&b, '\n');
	}
	/* one write per message, so lines of tools in a pipe don't mix */
	(void)!write(2, b.p, b.len);
	mp_buf_free(&b);
	mp_buf_free(&m);
}

void
mp_vwarnat(const char *file, long long line, const char *fmt, va_list ap)
{
	emit("warning", file, line, fmt, ap);
}

void
mp_warnat(const char *file, long long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("warning", file, line, fmt, ap);
	va_end(ap);
}

void
mp_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("warning", NULL, 0, fmt, ap);
	va_end(ap);
}

const char *
mp_last_error(void)
{
	return last_error[0] ? last_error : last_warning;
}

void
mp_errx(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("error", NULL, 0, fmt, ap);
	va_end(ap);
	exit(status);
}

void
mp_errat(int status, const char *file, long long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("error", file, line, fmt, ap);
	va_end(ap);
	exit(status);
}

void
mp_err(int status, const char *fmt, ...)
{
	struct mp_buf b = { 0 };
	const char *e = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	mp_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	mp_errx(status, "%s: %s", mp_buf_str(&b), e);
}

void
mp_progress_show(const char *fmt, ...)
{
	char line[200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof line)
		n = sizeof line - 1;
	/* \r, the line, then clear to the end of the terminal line */
	dprintf(2, "\r%s: %.*s\033[K", mp_prog, n, line);
	progress_shown = 1;
}

void
mp_progress_clear(void)
{
	if (progress_shown) {
		(void)!write(2, "\r\033[K", 4);
		progress_shown = 0;
	}
}
