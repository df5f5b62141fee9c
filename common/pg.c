/*
 * pg.c: PostgreSQL (libpq) for every caller: connecting the way psql
 * does, telling a row's bad data from a failure worth another try (under
 * retry.h's policy) from a wrong setup, quoting identifiers, COPY's text
 * format, advisory locks, statements and their failures.  The loader's
 * topics build on it: pgtable.c, pgcopy.c, pgday.c, pgload.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "mp.h"

/* Notices below WARNING ("relation exists, skipping") are not news. */
static void
notice(void *arg, const PGresult *r)
{
	const char *sev = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);

	(void)arg;
	if (sev && msg && strcmp(sev, "WARNING") == 0)
		mp_warnx("postgresql: %s", msg);
}

/*
 * libpq's message as one line: its lines joined by "; ", without the
 * CONTEXT, DETAIL, HINT and indented lines that follow a server's error.
 */
static const char *
oneline(const char *s, struct mp_buf *b)
{
	size_t n;

	b->len = 0;
	for (; *s; s += n + (s[n] == '\n')) {
		n = strcspn(s, "\n");
		if (n == 0 || *s == '\t' || *s == ' ' ||
		    strncmp(s, "CONTEXT:", 8) == 0 ||
		    strncmp(s, "DETAIL:", 7) == 0 ||
		    strncmp(s, "HINT:", 5) == 0 || strncmp(s, "LINE ", 5) == 0)
			continue;
		if (b->len)
			mp_buf_adds(b, "; ");
		for (; n > 0; s++, n--) {
			/* the server's "FATAL:  " inside libpq's own words */
			if (n >= 8 && (strncmp(s, "FATAL:  ", 8) == 0 ||
			    strncmp(s, "ERROR:  ", 8) == 0)) {
				s += 7;
				n -= 7;
				continue;
			}
			mp_buf_addc(b, *s);
		}
	}
	while (b->len && (b->p[b->len - 1] == '\r' || b->p[b->len - 1] == ' '))
		b->len--;
	return mp_buf_str(b);
}

/*
 * What a failed connection means.  libpq gives no SQLSTATE before the
 * session starts, so the server's (untranslated, lc_messages C) words
 * decide; anything else is worth another try.
 */
static int
connclass(const PGconn *c, const char *msg)
{
	static const char *const auth[] = {
		"password authentication failed", "no password supplied",
		"authentication failed", "pg_hba.conf", "permission denied",
		"role \"", "certificate", NULL
	};
	int i;

	if (PQconnectionNeedsPassword(c))
		return MP_EX_NOPERM;
	/* libpq's own checks: "invalid port number", "invalid sslmode" */
	if (strncmp(msg, "invalid ", 8) == 0 || strstr(msg, ": invalid "))
		return MP_EX_CONFIG;
	if (strstr(msg, "database \"") && strstr(msg, "does not exist"))
		return MP_EX_CONFIG;
	for (i = 0; auth[i]; i++)
		if (strstr(msg, auth[i]))
			return MP_EX_NOPERM;
	return MP_EX_UNAVAILABLE;
}

void
mp_pg_retry(struct mp_retry *rt, int tries)
{
	memset(rt, 0, sizeof *rt);
	rt->max_tries = tries;
	rt->base = 0.1;
	rt->cap = 30;
}

struct pg_conn *
mp_pg_connect(const char *conninfo, int retries, int *rc)
{
	const char *kw[] = { "dbname", "fallback_application_name", NULL };
	const char *val[] = { conninfo, mp_prog, NULL };
	struct mp_buf b = { 0 };
	PQconninfoOption *opts;
	char *err = NULL;
	PGconn *c;
	struct mp_retry rt;
	PGresult *r;

	mp_pg_retry(&rt, retries);
	if (conninfo && *conninfo) {
		if ((opts = PQconninfoParse(conninfo, &err)) == NULL) {
			/* libpq quotes the string, password and all */
			if (err && strstr(err, ": \""))
				*strstr(err, ": \"") = '\0';
			mp_warnx("--db: not a connection string: %s",
			    err ? oneline(err, &b) : "out of memory");
			PQfreemem(err);
			mp_buf_free(&b);
			*rc = MP_EX_CONFIG;
			return NULL;
		}
		PQconninfoFree(opts);
	} else
		val[0] = NULL;
	for (;;) {
		c = PQconnectdbParams(kw, val, 1);
		if (c && PQstatus(c) == CONNECTION_OK)
			break;
		oneline(c ? PQerrorMessage(c) : "out of memory", &b);
		*rc = c ? connclass(c, b.p) : MP_EX_UNAVAILABLE;
		PQfinish(c);
		if (*rc != MP_EX_UNAVAILABLE ||
		    mp_retry_wait(&rt, -1, NULL) < 0) {
			mp_warnx("cannot connect to PostgreSQL%s: %s",
			    *rc == MP_EX_UNAVAILABLE && rt.tries ?
			    " after retries" : "", b.p);
			mp_buf_free(&b);
			return NULL;
		}
	}
	mp_buf_free(&b);
	PQsetNoticeReceiver(c, notice, NULL);
	if (PQsetClientEncoding(c, "UTF8") != 0)
		goto bad;
	/* dates and times come back as ISO text, whatever the server's */
	r = PQexec(c, "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; "
	    "SET IntervalStyle = 'postgres'; SET client_min_messages = warning");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		PQclear(r);
		goto bad;
	}
	PQclear(r);
	return c;
bad:
	mp_warnx("cannot set up the session: %s",
	    oneline(PQerrorMessage(c), &b));
	mp_buf_free(&b);
	PQfinish(c);
	*rc = MP_EX_UNAVAILABLE;
	return NULL;
}

int
mp_pg_class(struct pg_conn *c, const struct pg_result *r)
{
	const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus(c) != CONNECTION_OK || st == NULL)
		return MP_PG_RETRY;
	if (strncmp(st, "08", 2) == 0 || strcmp(st, "40001") == 0 ||
	    strcmp(st, "40P01") == 0 || strncmp(st, "57P", 3) == 0 ||
	    strcmp(st, "53300") == 0)
		return MP_PG_RETRY;
	if (strncmp(st, "22", 2) == 0 || strncmp(st, "23", 2) == 0 ||
	    strcmp(st, "54000") == 0)
		return MP_PG_ROW;
	return MP_PG_FATAL;
}

int
mp_pg_transient(struct pg_conn *c, const struct pg_result *r)
{
	return mp_pg_class(c, r) == MP_PG_RETRY;
}

int
mp_pg_status(struct pg_conn *c, const struct pg_result *r)
{
	const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus(c) != CONNECTION_OK || st == NULL)
		return MP_EX_UNAVAILABLE;
	if (strncmp(st, "28", 2) == 0 || strcmp(st, "42501") == 0)
		return MP_EX_NOPERM;
	if (strncmp(st, "42", 2) == 0 || strncmp(st, "3F", 2) == 0 ||
	    strncmp(st, "3D", 2) == 0)
		return MP_EX_CONFIG;
	if (strncmp(st, "XX", 2) == 0)
		return MP_EX_SOFTWARE;
	return MP_EX_UNAVAILABLE;
}

const char *
mp_pg_error(struct pg_conn *c, const struct pg_result *r, struct mp_buf *b)
{
	const char *msg = NULL, *ctx, *col, *e;
	size_t n;

	if (r)
		msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	if (msg == NULL)
		return oneline(PQerrorMessage(c), b);
	oneline(msg, b);
	/* COPY's context names the column: "COPY t, line 3, column ts: ..." */
	ctx = PQresultErrorField(r, PG_DIAG_CONTEXT);
	if (ctx && (ctx = strstr(ctx, "COPY "))) {
		n = strcspn(ctx, "\n");
		col = memmem(ctx, n, ", column ", 9);
		if (col && (e = memchr(col + 9, ':', ctx + n - col - 9)))
			mp_buf_printf(b, " (column %.*s)", (int)(e - col - 9),
			    col + 9);
	}
	return mp_buf_str(b);
}

long long
mp_pg_copy_line(const struct pg_result *r)
{
	const char *ctx = r ? PQresultErrorField(r, PG_DIAG_CONTEXT) : NULL;
	long long n;

	if (ctx == NULL || (ctx = strstr(ctx, "COPY ")) == NULL ||
	    (ctx = strstr(ctx, ", line ")) == NULL)
		return 0;
	n = strtoll(ctx + 7, NULL, 10);
	return n > 0 ? n : 0;
}

void
mp_pg_ident(struct mp_buf *b, const char *s, size_t n)
{
	size_t i;

	mp_buf_addc(b, '"');
	for (i = 0; i < n; i++) {
		if (s[i] == '"')
			mp_buf_addc(b, '"');
		mp_buf_addc(b, s[i]);
	}
	mp_buf_addc(b, '"');
}

/* One part of a name: "quoted" ("" a quote) or plain up to a dot. */
static const char *
namepart(const char *s, char **out)
{
	struct mp_buf b = { 0 };

	if (*s == '"') {
		for (s++;; s++) {
			if (*s == '\0') {
				mp_buf_free(&b);
				return NULL;
			}
			if (*s == '"' && s[1] != '"')
				break;
			if (*s == '"')
				s++;
			mp_buf_addc(&b, *s);
		}
		s++;
	} else
		for (; *s && *s != '.' && *s != '"'; s++)
			mp_buf_addc(&b, *s);
	if (b.len == 0 || b.len > 63) {
		mp_buf_free(&b);
		return NULL;
	}
	*out = xstrdup(mp_buf_str(&b));
	mp_buf_free(&b);
	return s;
}

int
mp_pg_qualname(const char *s, char **schema, char **name)
{
	char *a = NULL, *c = NULL;

	*schema = *name = NULL;
	if ((s = namepart(s, &a)) == NULL)
		return -1;
	if (*s == '.') {
		if ((s = namepart(s + 1, &c)) == NULL || *s) {
			free(a);
			free(c);
			return -1;
		}
		*schema = a;
		*name = c;
		return 0;
	}
	if (*s) {
		free(a);
		return -1;
	}
	*name = a;
	return 0;
}

/* The bytes COPY's text format escapes, and the letter after the \. */
static const char copyesc[256] = {
	['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r', ['\\'] = '\\'
};

void
mp_pg_copy_text(struct mp_buf *b, const char *p, size_t n)
{
	const char *e = p + n, *s;

	mp_buf_grow(b, n);
	while (p < e) {
		for (s = p; s < e && !copyesc[(unsigned char)*s]; s++)
			;
		mp_buf_add(b, p, s - p);
		if (s == e)
			break;
		mp_buf_addc(b, '\\');
		mp_buf_addc(b, copyesc[(unsigned char)*s]);
		p = s + 1;
	}
}

int
mp_pg_lock(struct pg_conn *c, const char *name)
{
	const char *v[] = { name };
	struct mp_buf b = { 0 };
	PGresult *r;
	int rc = 0;

	r = PQexecParams(c, "SELECT pg_try_advisory_lock(hashtextextended("
	    "$1, 0))", 1, NULL, v, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		mp_warnx("--lock: %s", mp_pg_error(c, r, &b));
		rc = mp_pg_status(c, r);
	} else if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
		mp_warnx("lock '%s' is held by another run; try again later",
		    name);
		rc = MP_EX_TEMPFAIL;
	}
	PQclear(r);
	mp_buf_free(&b);
	return rc;
}

int
mp_pg_rows(struct pg_conn **c, const char *conninfo, const char *sql,
    const char *what, mp_pg_row_fn *fn, void *arg)
{
	struct mp_buf b = { 0 };
	const char **names = NULL;
	const char **vals = NULL;
	size_t *lens = NULL;
	long long row = 0;
	struct mp_retry rt;
	PGresult *res;
	int ncol = 0, ended = 0, i, st, rc = 0;

	mp_pg_retry(&rt, 3);
again:
	ended = 0;
	if (*c == NULL && (*c = mp_pg_connect(conninfo, 3, &rc)) == NULL)
		goto out;
	if (!PQsendQuery(*c, sql) || !PQsetSingleRowMode(*c)) {
		if (PQstatus(*c) != CONNECTION_OK &&
		    mp_retry_wait(&rt, -1, NULL) == 0)
			goto retry;
		res = NULL;
		goto fail;
	}
	while ((res = PQgetResult(*c)) != NULL) {
		st = PQresultStatus(res);
		if (st == PGRES_COMMAND_OK || ((st == PGRES_SINGLE_TUPLE ||
		    st == PGRES_TUPLES_OK) && ended)) {
			mp_warnx("%s: %s", what, st == PGRES_COMMAND_OK ?
			    "the query returns no rows" :
			    "more than one statement");
			rc = MP_EX_CONFIG;
			PQclear(res);
			PQfinish(*c);
			*c = NULL;
			goto out;
		}
		if (st == PGRES_SINGLE_TUPLE || st == PGRES_TUPLES_OK) {
			ended = st == PGRES_TUPLES_OK;
			if (names == NULL) {
				ncol = PQnfields(res);
				names = xcalloc(ncol + 1, sizeof *names);
				vals = xcalloc(ncol + 1, sizeof *vals);
				lens = xcalloc(ncol + 1, sizeof *lens);
			}
			for (i = 0; i < ncol; i++)
				names[i] = PQfname(res, i);
			/* the last result has the names and no rows */
			if (st == PGRES_TUPLES_OK && PQntuples(res) == 0 &&
			    row > 0) {
				PQclear(res);
				continue;
			}
			if (PQntuples(res) == 0)
				rc = fn(arg, ncol, names, NULL, NULL, 0);
			else {
				for (i = 0; i < ncol; i++) {
					vals[i] = PQgetisnull(res, 0, i) ?
					    NULL : PQgetvalue(res, 0, i);
					lens[i] = PQgetlength(res, 0, i);
				}
				rc = fn(arg, ncol, names, vals, lens, ++row);
			}
			PQclear(res);
			if (rc != 0) {
				/* stop now: the rest of the rows go unread */
				PQfinish(*c);
				*c = NULL;
				goto out;
			}
			continue;
		}
		if (row == 0 && mp_pg_transient(*c, res) &&
		    mp_retry_wait(&rt, -1, NULL) == 0) {
			PQclear(res);
			while ((res = PQgetResult(*c)) != NULL)
				PQclear(res);
			goto retry;
		}
		goto fail;
	}
	goto out;
fail:
	mp_warnx("%s: %s", what, mp_pg_error(*c, res, &b));
	rc = mp_pg_status(*c, res);
	PQclear(res);
	while ((res = PQgetResult(*c)) != NULL)
		PQclear(res);
	goto out;
retry:
	PQfinish(*c);
	*c = NULL;
	goto again;
out:
	free(names);
	free(vals);
	free(lens);
	mp_buf_free(&b);
	return rc;
}

int
mp_pg_exec(struct pg_conn *c, const char *sql, struct pg_result **res)
{
	PGresult *r = PQexec(c, sql);
	int st = PQresultStatus(r);

	if (res)
		*res = r;
	else
		PQclear(r);
	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
}

int
mp_pg_fail(struct pg_conn *c, struct pg_result *r, const char *what)
{
	struct mp_buf b = { 0 };
	int st = mp_pg_status(c, r);

	mp_warnx("%s: %s", what, mp_pg_error(c, r, &b));
	mp_buf_free(&b);
	PQclear(r);
	return st;
}

void
mp_pg_rollback(struct pg_conn *c)
{
	if (PQstatus(c) == CONNECTION_OK &&
	    PQtransactionStatus(c) != PQTRANS_IDLE)
		PQclear(PQexec(c, "ROLLBACK"));
}

void
mp_pg_close(struct pg_conn *c)
{
	if (c)
		PQfinish(c);
}
