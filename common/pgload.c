/*
 * pgload.c: the loader's run: its session, a batch's transaction and its
 * tries, batches sent (straight into the table or staged) while the next
 * is read, and a run in one transaction, kept in a spool file so that it
 * can be made again.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "mp.h"

static const char *
failure(struct mp_pgload *l, const PGresult *r)
{
	return mp_pg_error(l->conn, r, &l->tmp);
}

/*
 * Connects and takes the lock; with stage, makes the staging table too.
 * Returns 0 or an exit status.
 */
static int
session(struct mp_pgload *l, int stage)
{
	int rc;

	if (l->conn)
		PQfinish(l->conn);
	if ((l->conn = mp_pg_connect(l->db, l->retries, &rc)) == NULL)
		return rc;
	if (l->lock && (rc = mp_pg_lock(l->conn, l->lock)) != 0)
		return rc;
	return stage ? mp_pgcopy_stage(l, l->conn) : 0;
}

int
mp_pgload_open(struct mp_pgload *l)
{
	struct mp_path *paths;
	int i, st;

	l->bat = &l->bats[0];
	if ((st = session(l, 0)) != 0 ||
	    (st = mp_pgtable_look(&l->t, l->conn, l->create, l->gin)) != 0)
		return st;
	mp_pgtable_mark(&l->t, l->time, l->replace);
	mp_pgcopy_sql(l);
	if (l->replace)
		mp_pgday_sql(l);
	if ((st = mp_pgcopy_stage(l, l->conn)) != 0)
		return st;
	if (l->replace && (st = mp_pgtable_bydays(&l->t, l->conn)) != 0)
		return st;
	if (!l->atomic && (st = mp_pgtable_unique(&l->t, l->conn)) != 0)
		return st;
	paths = xcalloc(l->t.ncol + 1, sizeof *paths);
	for (i = 0; i < l->t.ncol; i++)
		paths[i] = l->t.col[i].path;
	l->query = mp_query_new(paths, l->t.ncol);
	free(paths);
	l->val = xcalloc(l->t.ncol + 1, sizeof *l->val);
	l->at = xcalloc(l->t.ncol + 1, sizeof *l->at);
	l->probe = 1;
	for (i = 0, l->two = l->t.unique; i < l->t.ncol; i++)
		if (l->t.col[i].key && !l->t.col[i].plain)
			l->two = 0;
	return 0;
}

static void
commitcounts(struct mp_pgload *l)
{
	mp_count(l->run, "inserted", l->pend.inserted);
	mp_count(l->run, "skipped", l->pend.skipped);
	mp_count(l->run, "updated", l->pend.updated);
	mp_count(l->run, "replaced", l->pend.replaced);
	mp_count(l->run, "batches", l->pend.batches);
	memset(&l->pend, 0, sizeof l->pend);
}

/*
 * After a failure worth another try: rolls back (a new session when the
 * connection is gone) and waits.  Returns 0 to try again, or an exit
 * status when the tries are spent or the session cannot be had again.
 */
static int
again(struct mp_pgload *l, PGresult *err)
{
	double wait;
	int rc;

	if ((wait = mp_retry_next(&l->retry, -1, NULL)) < 0) {
		mp_warnx("%s: %s; giving up after %d retries", l->t.table,
		    failure(l, err), l->retry.tries);
		PQclear(err);
		return MP_EX_UNAVAILABLE;
	}
	mp_warnx("%s: %s; trying again", l->t.table, failure(l, err));
	PQclear(err);
	mp_count(l->run, "retries", 1);
	memset(&l->pend, 0, sizeof l->pend);
	usleep((useconds_t)(wait * 1e6));
	mp_pg_rollback(l->conn);
	if (PQstatus(l->conn) != CONNECTION_OK && (rc = session(l, 1)) != 0)
		return rc;
	return 0;
}

static struct mp_rec
rowrec(const struct mp_pgbatch *bat, size_t i)
{
	struct mp_rec rec = { bat->text.p + bat->row[i].off, bat->row[i].n,
	    bat->row[i].file, bat->row[i].line };

	return rec;
}

static void
clearwhy(struct mp_pgbatch *bat)
{
	size_t i;

	for (i = 0; i < bat->n; i++) {
		free(bat->row[i].why);
		bat->row[i].why = NULL;
	}
}

/* The batch in the open transaction: 0 or a failure class. */
static int
part(struct mp_pgload *l, PGresult **err)
{
	int c;

	clearwhy(l->bat);
	if (l->replace && (c = mp_pgday_new(l, err)) != 0)
		return c;
	if ((c = mp_pgcopy_rows(l, err)) != 0)
		return c;
	l->pend.batches++;
	return 0;
}

/* After a batch commits: its counts, its rejects, and (pass) its rows. */
static void
settle(struct mp_pgload *l)
{
	struct mp_rec rec;
	size_t i;

	commitcounts(l);
	for (i = 0; i < l->bat->n; i++) {
		rec = rowrec(l->bat, i);
		if (l->bat->row[i].why)
			mp_reject(l->run, &rec, "%s", l->bat->row[i].why);
		else if (l->pass)
			mp_emit(l->run, &rec);
	}
	/*
	 * The next stage sees a batch as soon as it is in the table; a write
	 * error shows at the next write or at the end, as for any tool.
	 */
	if (l->pass)
		(void)fflush(stdout);
}

/*
 * One batch, one transaction, split on bad rows and retried whole (with
 * fresh, a fresh count of tries).  Returns 0 or an exit status.
 */
static int
batch(struct mp_pgload *l, int fresh)
{
	PGresult *err = NULL;
	int c, rc;

	if (fresh)
		mp_retry_reset(&l->retry);
	for (;;) {
		if (mp_pg_exec(l->conn, "BEGIN", &err) < 0)
			c = mp_pg_class(l->conn, err);
		else {
			PQclear(err);
			if ((c = part(l, &err)) == 0) {
				if (mp_pg_exec(l->conn, "COMMIT", &err) == 0) {
					PQclear(err);
					break;
				}
				c = mp_pg_class(l->conn, err);
			}
		}
		if (c != MP_PG_RETRY) {
			mp_pg_rollback(l->conn);
			return mp_pg_fail(l->conn, err, l->t.table);
		}
		if ((rc = again(l, err)) != 0)
			return rc;
	}
	settle(l);
	return 0;
}

/* A batch buffer neither read nor sent, for the next batch to read. */
static struct mp_pgbatch *
spare(struct mp_pgload *l)
{
	int i;

	for (i = 0; i < 3; i++)
		if (&l->bats[i] != l->bat && (l->nfly < 1 ||
		    &l->bats[i] != l->fly[0]) && (l->nfly < 2 ||
		    &l->bats[i] != l->fly[1]))
			break;
	return &l->bats[i];
}

/* The batch read is sent: it flies, another is read. */
static void
sent(struct mp_pgload *l)
{
	l->fly[l->nfly++] = l->bat;
	l->bat = spare(l);
}

/*
 * Straight into the table, in session c: BEGIN, then the question about
 * its keys, or the rows sent by COPY; the rest (push) when the input is
 * idle or at finish().
 * Returns 0 when sent, else 1 after a rollback: the batch must go the
 * staged way.
 */
static int
straight(struct mp_pgload *l, struct pg_conn *c)
{
	struct mp_pgbatch *bat = l->bat;
	PGresult *r;
	int k;

	clearwhy(bat);
	bat->conn = c;
	bat->direct = 0;
	if (mp_pg_exec(c, "BEGIN", &r) == 0) {
		PQclear(r);
		/* not asked about its keys: the rows go now */
		if ((k = mp_pgcopy_ask(l, &r)) == 1 &&
		    (k = mp_pgcopy_direct(l, bat, &r)) == 2)
			k = -1;
		if (k < 0)
			bat->direct = 0;
	}
	if (!bat->direct) {
		PQclear(r);
		mp_pg_rollback(c);
		return 1;
	}
	sent(l);
	return 0;
}

/* After a batch that could not go straight: a few the staged way. */
static void
backoff(struct mp_pgload *l)
{
	l->backoff = l->backoff ? l->backoff * 2 : 1;
	if (l->backoff > 64)
		l->backoff = 64;
	l->staged = l->backoff;
}

/*
 * The fast staged way: COPY the batch into the staging table, then send
 * its INSERT and COMMIT without waiting, so that the server works on them
 * while the next batch is read.  Returns 0 when sent, else 1 after a
 * rollback: the batch must go the slow way, batch().
 */
static int
start(struct mp_pgload *l)
{
	struct mp_pgbatch *bat = l->bat;
	PGresult *r, *x;

	clearwhy(bat);
	bat->conn = l->conn;
	if (mp_pg_exec(l->conn, "BEGIN", &r) < 0) {
		PQclear(r);
		return 1;
	}
	PQclear(r);
	r = PQexec(l->conn, l->sql_copy.p);
	if (PQresultStatus(r) != PGRES_COPY_IN)
		goto slow;
	PQclear(r);
	if (PQputCopyData(l->conn, bat->copy.p, (int)bat->copy.len) != 1 ||
	    PQputCopyEnd(l->conn, NULL) != 1) {
		r = NULL;
		goto slow;
	}
	r = PQgetResult(l->conn);
	while ((x = PQgetResult(l->conn)) != NULL)
		PQclear(x);
	if (PQresultStatus(r) != PGRES_COMMAND_OK ||
	    !PQsendQuery(l->conn, l->sql_finish.p))
		goto slow;
	PQclear(r);
	sent(l);
	return 0;
slow:
	PQclear(r);
	mp_pg_rollback(l->conn);
	return 1;
}

/* The result of a sent batch's COPY straight into the table. */
static void
copied(struct mp_pgbatch *bat)
{
	PGresult *r, *x;

	if (bat->direct != 2 || bat->commit || bat->fail)
		return;
	r = PQgetResult(bat->conn);
	while ((x = PQgetResult(bat->conn)) != NULL)
		PQclear(x);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		bat->fail = r;
		return;
	}
	bat->copied = atoll(PQcmdTuples(r));
	PQclear(r);
}

/*
 * The batch sent straight on: the answer about its keys and its COPY,
 * the COPY's result, then its COMMIT sent.
 */
static void
push(struct mp_pgload *l, struct mp_pgbatch *bat)
{
	PGresult *r;
	int c;

	if (!bat->direct || bat->commit || bat->fail || bat->restage)
		return;
	if (bat->direct == 3) {
		if ((c = mp_pgcopy_direct(l, bat, &r)) == 2)
			bat->restage = 1;
		else if (c < 0)
			bat->fail = r ? r : PQmakeEmptyPGresult(bat->conn,
			    PGRES_FATAL_ERROR);
		if (c < 0 || c == 2)
			return;
	}
	copied(bat);
	if (bat->fail == NULL && PQsendQuery(bat->conn, "COMMIT"))
		bat->commit = 1;
}

/*
 * While the input has nothing more yet: the COMMITs of the batches sent
 * straight, so that they land without waiting for the next batch.
 */
static void
pushed(void *arg)
{
	struct mp_pgload *l = arg;
	int i;

	for (i = 0; i < l->nfly; i++)
		push(l, l->fly[i]);
}

/*
 * The outcome of a batch sent straight, its COPY's, then its COMMIT's,
 * kept in it (done): committed (ok), or its failure (fail, or NULL).
 */
static void
outcome(struct mp_pgload *l, struct mp_pgbatch *bat)
{
	PGresult *r;

	if (bat->done)
		return;
	bat->done = 1;
	push(l, bat);
	if (bat->fail || !bat->commit)
		return;
	while ((r = PQgetResult(bat->conn)) != NULL) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK && bat->fail == NULL) {
			bat->fail = r;
			continue;
		}
		PQclear(r);
	}
	bat->ok = bat->fail == NULL;
}

/*
 * After a failure that ends the run: the batches still sent, each
 * committed or not, the committed ones counted and settled.
 */
static void
drain(struct mp_pgload *l)
{
	struct mp_pgbatch *next = l->bat, *bat;

	memset(&l->pend, 0, sizeof l->pend);
	while (l->nfly > 0) {
		bat = l->fly[0];
		l->fly[0] = l->fly[1];
		l->nfly--;
		if (bat->direct) {
			outcome(l, bat);
			if (bat->ok) {
				l->bat = bat;
				l->pend.inserted += bat->copied;
				l->pend.skipped += (long long)bat->n -
				    bat->copied;
				l->pend.batches++;
				settle(l);
			}
		}
		mp_pgcopy_clear(bat);
	}
	l->bat = next;
}

/*
 * Waits for the oldest batch sent; when it failed, does it the slow way in
 * the first session, once the outcome of a batch sent there after it is
 * known.
 */
static int
finish(struct mp_pgload *l)
{
	struct mp_pgbatch *next = l->bat, *bat = l->fly[0];
	PGresult *r, *bad = NULL;
	long long ins = 0, upd = 0;
	int ok = 1, st = 0, retry;

	l->fly[0] = l->fly[1];
	l->nfly--;
	l->bat = bat;
	if (bat->direct) {
		outcome(l, bat);
		ok = bat->ok;
		ins = bat->copied;
		bad = bat->fail;
		bat->fail = NULL;
	} else
		while ((r = PQgetResult(l->conn)) != NULL) {
			if (PQresultStatus(r) == PGRES_TUPLES_OK) {
				ins = atoll(PQgetvalue(r, 0, 0));
				upd = atoll(PQgetvalue(r, 0, 1));
			} else if (PQresultStatus(r) != PGRES_COMMAND_OK) {
				ok = 0;
				if (bad == NULL) {
					bad = r;
					continue;
				}
			}
			PQclear(r);
		}
	if (ok && PQstatus(bat->conn) == CONNECTION_OK) {
		if (bat->direct)
			l->backoff = 0;
		l->pend.inserted += ins;
		l->pend.updated += upd;
		l->pend.skipped += (long long)bat->n - ins - upd;
		l->pend.batches++;
		settle(l);
		PQclear(bad);
		goto out;
	}
	retry = !bat->restage && mp_pg_transient(bat->conn, bad);
	if (bat->conn != l->conn) {
		/* the second session is had again when next needed */
		mp_pg_rollback(l->conn2);
		if (PQstatus(l->conn2) != CONNECTION_OK) {
			PQfinish(l->conn2);
			l->conn2 = NULL;
		}
	}
	if (l->nfly && l->fly[0]->conn == l->conn)
		outcome(l, l->fly[0]);
	if (retry) {
		/* counted and waited for as any other try */
		mp_retry_reset(&l->retry);
		bat->direct = 0;
		if ((st = again(l, bad)) == 0)
			st = batch(l, 0);
	} else {
		/* a row refused, or (sent straight) a key the table got since */
		if (bat->direct) {
			backoff(l);
			l->probe = 1;
		}
		bat->direct = 0;
		PQclear(bad);
		mp_pg_rollback(l->conn);
		memset(&l->pend, 0, sizeof l->pend);
		st = batch(l, 1);
	}
out:
	mp_pgcopy_clear(bat);
	l->bat = next;
	if (st != 0)
		drain(l);
	return st;
}

/*
 * A run in one transaction (atomic) keeps its rows in a spool file: on a
 * failure worth another try the whole transaction is made again from it,
 * and only after the commit are its rejects written and its rows passed
 * on.  A spooled row: its length, its line, its file, then its bytes.
 */
struct spooled {
	size_t	 n;
	long long line;
	const char *file;
	int64_t	 day;
};

/* Spooled files live unlinked in $TMPDIR (tmpfile(3) ignores it). */
static FILE *
spoolfile(void)
{
	const char *dir = getenv("TMPDIR");
	char *name;
	FILE *f;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	name = xmalloc(strlen(dir) + 32);
	sprintf(name, "%s/mp-load.XXXXXX", dir);
	if ((fd = mkstemp(name)) < 0 || unlink(name) < 0 ||
	    (f = fdopen(fd, "w+")) == NULL)
		mp_err(MP_EX_CANTCREAT, "spool file in %s", dir);
	free(name);
	return f;
}

static void
spoolbatch(struct mp_pgload *l)
{
	const struct mp_pgbatch *bat = l->bat;
	struct spooled s;
	size_t i;

	for (i = 0; i < bat->n; i++) {
		s.n = bat->row[i].n;
		s.line = bat->row[i].line;
		s.file = bat->row[i].file;
		memcpy(&s.day, bat->text.p + bat->row[i].off + s.n + 1,
		    sizeof s.day);
		if (fwrite(&s, sizeof s, 1, l->spool) != 1 ||
		    fwrite(bat->text.p + bat->row[i].off, 1, s.n, l->spool) !=
		    s.n)
			mp_err(MP_EX_IOERR, "spool file");
	}
}

/* Rows refused in this part, by their place in the run. */
static void
spoolrejects(struct mp_pgload *l, long long first)
{
	const struct mp_pgbatch *bat = l->bat;
	long long ord;
	size_t i, n;

	for (i = 0; i < bat->n; i++) {
		if (bat->row[i].why == NULL)
			continue;
		ord = first + (long long)i;
		n = strlen(bat->row[i].why);
		if (fwrite(&ord, sizeof ord, 1, l->rspool) != 1 ||
		    fwrite(&n, sizeof n, 1, l->rspool) != 1 ||
		    fwrite(bat->row[i].why, 1, n, l->rspool) != n)
			mp_err(MP_EX_IOERR, "spool file");
	}
}

/* Reads the next spooled row into the batch; 0 at the end. */
static int
unspool(struct mp_pgload *l)
{
	struct mp_buf *line = &l->row;
	struct spooled s;
	struct mp_rec rec;

	if (fread(&s, sizeof s, 1, l->spool) != 1)
		return 0;
	line->len = 0;
	mp_buf_grow(line, s.n);
	if (fread(line->p, 1, s.n, l->spool) != s.n)
		mp_errx(MP_EX_IOERR, "spool file: short read");
	rec.p = line->p;
	rec.n = s.n;
	rec.file = s.file;
	rec.line = s.line;
	mp_pgcopy_add(l, &rec, s.day);
	return 1;
}

static void
rewind2(struct mp_pgload *l)
{
	if (fflush(l->spool) != 0 || fseeko(l->spool, 0, SEEK_SET) != 0 ||
	    fflush(l->rspool) != 0 || fseeko(l->rspool, 0, SEEK_SET) != 0)
		mp_err(MP_EX_IOERR, "spool file");
}

/* Makes the run's transaction again from the spool; 0 or an exit status. */
static int
replay(struct mp_pgload *l, PGresult *err)
{
	PGresult *e2 = NULL;
	long long first;
	int c, rc, more;

	for (;;) {
		if ((rc = again(l, err)) != 0)
			return rc;
		mp_pgday_reset(l);
		rewind2(l);
		if (ftruncate(fileno(l->rspool), 0) != 0)
			mp_err(MP_EX_IOERR, "spool file");
		if (mp_pg_exec(l->conn, "BEGIN", &err) < 0) {
			if (!mp_pg_transient(l->conn, err))
				return mp_pg_fail(l->conn, err, l->t.table);
			continue;
		}
		PQclear(err);
		mp_pgcopy_clear(l->bat);
		first = 0;
		c = 0;
		do {
			more = unspool(l);
			if (l->bat->n && (l->bat->n == (size_t)l->batch ||
			    !more)) {
				if ((c = part(l, &e2)) != 0)
					break;
				spoolrejects(l, first);
				first += (long long)l->bat->n;
				mp_pgcopy_clear(l->bat);
			}
		} while (more);
		if (c == 0) {
			if (fseeko(l->spool, 0, SEEK_END) != 0)
				mp_err(MP_EX_IOERR, "spool file");
			return 0;
		}
		if (c != MP_PG_RETRY)
			return mp_pg_fail(l->conn, e2, l->t.table);
		err = e2;
	}
}

/* A full batch of a run in one transaction; 0 or an exit status. */
static int
runbatch(struct mp_pgload *l)
{
	PGresult *err = NULL;
	int c;

	spoolbatch(l);
	if ((c = part(l, &err)) == 0) {
		spoolrejects(l, l->nspool);
		l->nspool += (long long)l->bat->n;
		return 0;
	}
	l->nspool += (long long)l->bat->n;
	if (c != MP_PG_RETRY) {
		mp_pg_rollback(l->conn);
		return mp_pg_fail(l->conn, err, l->t.table);
	}
	mp_pgcopy_clear(l->bat);
	mp_retry_reset(&l->retry);
	return replay(l, err);
}

/* Writes the run's rejects and (pass, when committed) its rows. */
static void
unspoolall(struct mp_pgload *l, int commit)
{
	struct mp_buf why = { 0 };
	struct mp_rec rec;
	long long ord, next = -1, i;
	size_t n;

	rewind2(l);
	if (fread(&next, sizeof next, 1, l->rspool) != 1)
		next = -1;
	for (i = 0;; i++) {
		mp_pgcopy_clear(l->bat);
		if (!unspool(l))
			break;
		rec = rowrec(l->bat, 0);
		if (i == next) {
			if (fread(&n, sizeof n, 1, l->rspool) != 1)
				mp_errx(MP_EX_IOERR, "spool file: short read");
			why.len = 0;
			mp_buf_grow(&why, n);
			if (fread(why.p, 1, n, l->rspool) != n)
				mp_errx(MP_EX_IOERR, "spool file: short read");
			why.len = n;
			mp_reject(l->run, &rec, "%s", mp_buf_str(&why));
			if (fread(&ord, sizeof ord, 1, l->rspool) != 1)
				ord = -1;
			next = ord;
		} else if (l->pass && commit)
			mp_emit(l->run, &rec);
	}
	mp_pgcopy_clear(l->bat);
	mp_buf_free(&why);
}

/* Commits the run's transaction, then writes its rejects and passes. */
static int
runcommit(struct mp_pgload *l)
{
	PGresult *err = NULL;
	int rc, commit = 1;

	if (l->strict && ftello(l->rspool) > 0) {
		/* -s: a row PostgreSQL refused stops the day from landing */
		mp_pg_rollback(l->conn);
		memset(&l->pend, 0, sizeof l->pend);
		commit = 0;
	}
	mp_retry_reset(&l->retry);
	while (commit) {
		if (mp_pgday_swapin(l, &err) == 0 &&
		    mp_pg_exec(l->conn, "COMMIT", &err) == 0)
			break;
		if (!mp_pg_transient(l->conn, err)) {
			mp_pg_rollback(l->conn);
			return mp_pg_fail(l->conn, err, l->t.table);
		}
		/* the commit's fate is unknown: doing it again is harmless */
		mp_pgcopy_clear(l->bat);
		if ((rc = replay(l, err)) != 0)
			return rc;
		err = NULL;
	}
	PQclear(err);
	commitcounts(l);
	unspoolall(l, commit);
	return 0;
}

/*
 * The session a batch may go straight in while another is sent, when it
 * has none of its keys: the one that batch does not use.  NULL when the
 * batch must wait for the other.
 */
static struct pg_conn *
beside(struct mp_pgload *l)
{
	const struct mp_pgbatch *other = l->fly[0];
	int rc;

	if (!l->two || !other->direct)
		return NULL;
	if (mp_pgcopy_shared(l, l->bat, other)) {
		/* after it, those keys are in the table */
		l->meet = 1;
		return NULL;
	}
	if (other->conn != l->conn)
		return l->conn;
	if (l->conn2 == NULL) {
		if ((l->conn2 = mp_pg_connect(l->db, 0, &rc)) == NULL ||
		    mp_pgcopy_stage(l, l->conn2) != 0) {
			/* one session will do */
			mp_pg_close(l->conn2);
			l->conn2 = NULL;
			l->two = 0;
			return NULL;
		}
	}
	return l->conn2;
}

/* A full batch, or the last: 0 or an exit status. */
static int
flushbatch(struct mp_pgload *l)
{
	struct pg_conn *c;
	int st;

	if (l->atomic) {
		st = l->bat->n ? runbatch(l) : 0;
		mp_pgcopy_clear(l->bat);
		return st;
	}
	if (l->bat->n == 0)
		return 0;
	if (l->t.unique && l->staged > 0)
		l->staged--;
	else if (l->t.unique) {
		c = l->conn;
		if (l->nfly == 2 && (st = finish(l)) != 0)
			return st;
		if (l->nfly == 1 && (c = beside(l)) == NULL) {
			if ((st = finish(l)) != 0)
				return st;
			c = l->conn;
		}
		/* a batch finished here may have failed straight */
		if (l->staged > 0)
			l->staged--;
		else if (straight(l, c) == 0)
			return 0;
		else
			backoff(l);
	}
	while (l->nfly > 0)
		if ((st = finish(l)) != 0)
			return st;
	if (start(l) == 0)
		return 0;
	st = batch(l, 1);
	mp_pgcopy_clear(l->bat);
	return st;
}

int
mp_pgload_begin(struct mp_pgload *l, struct mp_run *run)
{
	l->run = run;
	memset(&l->pend, 0, sizeof l->pend);
	commitcounts(l);
	mp_count(run, "retries", 0);
	mp_pg_retry(&l->retry, l->retries);
	if (!l->atomic) {
		mp_run_idle(run, pushed, l);
		return 0;
	}
	l->spool = spoolfile();
	l->rspool = spoolfile();
	if (mp_pg_exec(l->conn, "BEGIN", NULL) < 0)
		return mp_pg_fail(l->conn, NULL, l->t.table);
	return 0;
}

int
mp_pgload_add(struct mp_pgload *l, const struct mp_rec *rec, int64_t day)
{
	mp_pgcopy_add(l, rec, day);
	if (l->bat->n < (size_t)l->batch)
		return 0;
	return flushbatch(l);
}

int
mp_pgload_end(struct mp_pgload *l)
{
	int st;

	st = flushbatch(l);
	while (st == 0 && l->nfly > 0)
		st = finish(l);
	if (st == 0 && l->atomic)
		st = runcommit(l);
	return st;
}

void
mp_pgload_abort(struct mp_pgload *l)
{
	mp_pg_rollback(l->conn);
}

void
mp_pgload_free(struct mp_pgload *l)
{
	int i;

	mp_pg_close(l->conn);
	mp_pg_close(l->conn2);
	l->conn = l->conn2 = NULL;
	for (i = 0; i < 3; i++) {
		mp_pgcopy_clear(&l->bats[i]);
		free(l->bats[i].row);
		mp_buf_free(&l->bats[i].text);
		mp_buf_free(&l->bats[i].copy);
		mp_buf_free(&l->bats[i].keys);
	}
	mp_pgday_reset(l);
	free(l->swaps);
	free(l->days);
	if (l->spool)
		fclose(l->spool);
	if (l->rspool)
		fclose(l->rspool);
	if (l->query)
		mp_query_free(l->query);
	free(l->val);
	free(l->at);
	free(l->slot);
	mp_buf_free(&l->send);
	mp_buf_free(&l->sql_keys);
	mp_buf_free(&l->sql_probe);
	mp_buf_free(&l->sql_direct);
	mp_buf_free(&l->sql_copy);
	mp_buf_free(&l->sql_insert);
	mp_buf_free(&l->sql_finish);
	mp_buf_free(&l->sql_delete);
	mp_buf_free(&l->tmp);
	mp_buf_free(&l->dec);
	mp_buf_free(&l->row);
	mp_pgtable_free(&l->t);
}
