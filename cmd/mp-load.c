/*
 * mp-load: load NDJSON records into a PostgreSQL table exactly once.  Each
 * batch goes by COPY into a temporary staging table, then INSERT ... SELECT
 * ... ON CONFLICT on the key, in one transaction; or, outside --atomic,
 * its rows whose keys the table lacks go by COPY straight into it, and
 * the staged way only when that fails.  A batch PostgreSQL refuses is
 * split until only its bad rows remain; they go to the rejects with
 * PostgreSQL's message.  --atomic makes the whole run one transaction,
 * committed only when the run and every stage before it finished;
 * --replace=day, which implies it, replaces each UTC day of the input.
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"

static const char usage[] =
    "usage: mp-load [-s] -t table [-d conninfo] [-c name:path[:type]] "
    "[--schema=file]\n"
    "               [--data-column=name] [-k columns] "
    "[--on-conflict=nothing|update]\n"
    "               [-b rows] [--atomic] [--replace=day [--trust-input]] "
    "[-T path]\n"
    "               [--lock=name] [--pass] [--create [--gin]] "
    "[--print-ddl]\n"
    "               [--retries=n] [-K file]\n"
    "               [--rejects=file] [--stats[=file]] [--metrics=file]\n"
    "               [--max-record=size] [--log-format=text|json] "
    "[file ...]\n";

/* The canonical fields of mp-record(5) and their SQL types. */
static const struct {
	const char *name, *type;
} canon[] = {
	{ "event_id", "text" }, { "ts", "timestamptz" }, { "type", "text" },
	{ "source", "text" }, { "campaign_id", "text" }, { "ad_id", "text" },
	{ "click_id", "text" }, { "visitor_id", "text" }, { "ip", "text" },
	{ "ua", "text" }, { "country", "text" },
	{ "cost", "numeric(19,6)" }, { "revenue", "numeric(19,6)" },
	{ "currency", "text" },
};

/* The run's loader and what the per-record work needs. */
static struct mp_pgload l = { .batch = 2000, .retries = 5 };
static struct mp_path tpath;	/* --time */
static int status;

/* A column taking a field (path) or the whole record; a bad path exits 64. */
static void
addcol(const char *name, const char *type, const char *path, int whole,
    int given)
{
	struct mp_pgcol *c = mp_pgtable_col(&l.t, name, type);
	const char *errstr;

	c->whole = whole;
	c->given = given;
	if (!whole && mp_path_parse(path, &c->path, &errstr) < 0) {
		mp_warnx("column '%s': '%s': %s", name, path, errstr);
		mp_usage(usage);
	}
}

/* --column=NAME:PATH[:TYPE] */
static void
optcolumn(const char *arg)
{
	struct mp_path p;
	const char *errstr, *s, *t;
	char *name, *path, *type;

	if ((s = strchr(arg, ':')) == NULL || s == arg) {
		mp_warnx("--column: '%s': want NAME:PATH[:TYPE]", arg);
		mp_usage(usage);
	}
	name = xstrndup(arg, s - arg);
	s++;
	if (mp_path_parse(s, &p, &errstr) == 0) {
		mp_path_free(&p);
		path = xstrdup(s);
		type = xstrdup("text");
	} else {
		if ((t = strrchr(s, ':')) == NULL) {
			mp_warnx("--column: '%s': %s", s, errstr);
			mp_usage(usage);
		}
		path = xstrndup(s, t - s);
		type = xstrdup(t + 1);
		if (*type == '\0' || type[strspn(type, "abcdefghijklmnopqrstu"
		    "vwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_ (),[]")]) {
			mp_warnx("--column: '%s': not a type name", type);
			mp_usage(usage);
		}
	}
	addcol(name, type, path, 0, 1);
	free(name);
	free(path);
	free(type);
}

static void
optkey(const char *arg)
{
	if (mp_pgtable_key(&l.t, arg) < 0) {
		mp_warnx("--key: '%s': no column", arg);
		mp_usage(usage);
	}
}

static void
optschema(const char *file)
{
	struct mp_schema *s;
	int i;

	if ((s = mp_schema_load(file)) == NULL)
		exit(MP_EX_CONFIG);
	for (i = 0; i < s->nfield; i++)
		addcol(s->field[i].column, mp_schema_sqltype(s->field[i].type),
		    s->field[i].path.text, 0, 0);
	if (s->nkey && l.t.key == NULL) {
		l.t.key = xcalloc(s->nkey, sizeof *l.t.key);
		for (i = 0; i < s->nkey; i++)
			l.t.key[i] = xstrdup(s->key[i]);
		l.t.nkey = s->nkey;
	}
	mp_schema_free(s);
}

static int
load(struct mp_run *r, struct mp_rec *rec, void *arg)
{
	struct mp_span tv;
	int64_t us = 0, day = 0;

	(void)arg;
	if (mp_rec_json(r, rec) < 0)
		return 0;
	if (l.replace) {
		mp_json_get(rec->p, rec->n, &tpath, &tv);
		if (mp_rec_time(r, rec, &tv, tpath.text, &us) < 0)
			return 0;
		day = us / 86400000000LL - (us % 86400000000LL < 0);
	}
	status = mp_pgload_add(&l, rec, day);
	return status ? -1 : 0;
}

/* --column: applied after the canonical or the schema's columns */
static char **colopt;
static int ncolopt;

static int
opt_column(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx;
	(void)errstr;
	colopt = xrealloc(colopt, (ncolopt + 1) * sizeof *colopt);
	colopt[ncolopt++] = xstrdup(arg);
	return 0;
}

static int
opt_key(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx;
	(void)errstr;
	optkey(arg);
	return 0;
}

static int
opt_replace(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx;
	*errstr = "want day";
	if (strcmp(arg, "day") != 0)
		return -1;
	l.replace = l.atomic = 1;
	return 0;
}

static int
opt_time(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx;
	mp_path_free(&tpath);
	return mp_path_parse(arg, &tpath, errstr);
}

static int
opt_lock(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx;
	(void)errstr;
	if (*arg == '\0') {
		mp_warnx("--lock: empty name");
		mp_usage(usage);
	}
	l.lock = arg;
	return 0;
}

int
main(int argc, char *argv[])
{
	static const char *const conflict[] = { "nothing", "update", NULL };
	static const char *data = "data", *schema, *table;
	static long long retries = 5;
	static int trust, ddl;
	const struct mp_opt opts[] = {
		MP_OPT_SET("db", 'd', MP_OPT_STRING, &l.db, "conninfo",
		    "the PostgreSQL to load into (PG* variables)"),
		MP_OPT_SET("table", 't', MP_OPT_STRING, &table, "table",
		    "the table, [schema.]name"),
		MP_OPT_FN("column", 'c', "name:path[:type]", opt_column, NULL,
		    "load a field into a column (text unless typed)"),
		MP_OPT_SET("schema", 0, MP_OPT_PATH, &schema, "file",
		    "the columns and key from a schema (mp-schema(5))"),
		MP_OPT_SET("data-column", 0, MP_OPT_STRING, &data, "name",
		    "the column of the whole record (data; '' none)"),
		MP_OPT_FN("key", 'k', "columns", opt_key, NULL,
		    "the key's columns, by commas (event_id)"),
		{ "on-conflict", 0, MP_OPT_CHOICE, &l.t.update,
		  "nothing|update", "a key met again: keep the row or "
		  "update it", 0, 0, conflict, 0, NULL, NULL },
		{ "batch", 'b', MP_OPT_INT, &l.batch, "rows",
		  "rows a transaction (2000)", 1, 1000000, NULL, 0, NULL,
		  NULL },
		MP_OPT_SET("atomic", 0, MP_OPT_FLAG, &l.atomic, NULL,
		    "the whole run in one transaction"),
		MP_OPT_FN("replace", 0, "day", opt_replace, NULL,
		    "replace each UTC day of the input (atomic)"),
		MP_OPT_SET("trust-input", 0, MP_OPT_FLAG, &trust, NULL,
		    "replace days even when the input may lack some"),
		MP_OPT_FN("time", 'T', "path", opt_time, NULL,
		    "the field that holds the time (.ts)"),
		MP_OPT_FN("lock", 0, "name", opt_lock, NULL,
		    "hold an advisory lock, else exit 75"),
		MP_OPT_SET("pass", 0, MP_OPT_FLAG, &l.pass, NULL,
		    "write the loaded records to stdout"),
		MP_OPT_SET("create", 0, MP_OPT_FLAG, &l.create, NULL,
		    "make the table when it does not exist"),
		MP_OPT_SET("gin", 0, MP_OPT_FLAG, &l.gin, NULL,
		    "with --create: a GIN index on the data column"),
		MP_OPT_SET("print-ddl", 0, MP_OPT_FLAG, &ddl, NULL,
		    "print the DDL of the table and exit"),
		{ "retries", 0, MP_OPT_INT, &retries, "n",
		  "tries again of a failure worth it (5)", 0, 30, NULL, 0,
		  NULL, NULL },
		MP_OPT_END
	};
	struct mp_cfg cfg = { 0 };
	struct mp_run *run;
	const char *why;
	int i, st;

	if (mp_path_parse(".ts", &tpath, &why) < 0)
		abort();
	i = mp_opt_parse(argc, argv, opts, &cfg, usage);
	argc -= i;
	argv += i;
	l.retries = (int)retries;
	l.strict = cfg.strict;
	l.time = &tpath;
	if (table == NULL) {
		mp_warnx("--table is needed");
		mp_usage(usage);
	}
	if (mp_pgtable_name(&l.t, table) < 0) {
		mp_warnx("--table: '%s': want [schema.]name, a part in double "
		    "quotes when it holds a dot or a quote", table);
		mp_usage(usage);
	}
	if (l.gin && !l.create && !ddl) {
		mp_warnx("--gin needs --create or --print-ddl");
		mp_usage(usage);
	}

	/* the columns: canonical or the schema's, then --column, then data */
	if (schema)
		optschema(schema);
	else
		for (i = 0; i < (int)(sizeof canon / sizeof canon[0]); i++) {
			char path[64];

			snprintf(path, sizeof path, ".%s", canon[i].name);
			addcol(canon[i].name, canon[i].type, path, 0, 0);
		}
	for (i = 0; i < ncolopt; i++) {
		optcolumn(colopt[i]);
		free(colopt[i]);
	}
	free(colopt);
	if (*data) {
		for (i = 0; i < l.t.ncol && strcmp(l.t.col[i].name, data);
		    i++)
			;
		if (i == l.t.ncol) {
			addcol(data, "jsonb", NULL, 1, strcmp(data, "data"));
			l.t.col[i].json = 1;
		}
	}
	if (l.t.key == NULL)
		optkey("event_id");
	mp_pgtable_mark(&l.t, &tpath, l.replace);
	if (ddl) {
		struct mp_buf b = { 0 };

		mp_pgtable_ddl(&l.t, &b, l.gin);
		fwrite(b.p, 1, b.len, stdout);
		mp_buf_free(&b);
		mp_pgload_free(&l);
		mp_path_free(&tpath);
		if (fclose(stdout) != 0)
			mp_err(MP_EX_IOERR, "stdout");
		return 0;
	}

	if ((st = mp_pgload_open(&l)) != 0)
		return st;
	run = mp_run_new(&cfg);
	if ((st = mp_pgload_begin(&l, run)) != 0)
		return st;
	st = mp_run_loop(run, argc, argv, load, NULL);
	if (status)
		st = status;
	else if (l.replace && st == 0 && !trust && !mp_chain_whole(&why)) {
		/* a day is replaced only by a whole day (mp(7), The chain) */
		mp_pgload_abort(&l);
		mp_warnx("%s: nothing replaced: the input may not hold whole "
		    "days: %s", table, why);
		st = MP_EX_DATAERR;
	} else if (l.atomic && (st != 0 || mp_interrupted() ||
	    (cfg.strict && mp_run_rejected(run) > 0))) {
		/* a run commits all of its input or none of it */
		mp_pgload_abort(&l);
		if (st || mp_interrupted())
			mp_warnx("%s: nothing %s", table, l.replace ?
			    "replaced" : "committed");
	} else if ((status = mp_pgload_end(&l)) != 0)
		st = status;
	st = mp_run_flush(run, st);
	mp_pgload_free(&l);
	mp_path_free(&tpath);
	return mp_run_end(run, st);
}
