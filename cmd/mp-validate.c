/*
 * mp-validate: pass the records that are valid JSON objects and satisfy
 * the rules (required fields, a schema); reject every other line with its
 * reason.  Records pass byte for byte.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

static const char usage[] =
    "usage: mp-validate [-s] [-r paths] [-S file] [-D dir -B path] "
    "[-K file]\n"
    "                   [--rejects=file] [--stats[=file]] "
    "[--metrics=file]\n"
    "                   [--max-record=size] [--log-format=text|json] "
    "[file ...]\n";

static struct mp_path *req;
static int nreq;
static struct mp_query *reqq;
static struct mp_span *reqv;
static struct mp_schema *schema;	/* --schema */
static struct mp_schema **byname;	/* --schema-dir */
static int nbyname;
static struct mp_path by;		/* --schema-by */

static int
cmpname(const void *a, const void *b)
{
	return strcmp((*(struct mp_schema *const *)a)->name,
	    (*(struct mp_schema *const *)b)->name);
}

static void
load_dir(const char *dir)
{
	struct mp_buf path = { 0 };
	struct dirent *d;
	struct mp_schema *s;
	size_t n;
	DIR *dp;

	if ((dp = opendir(dir)) == NULL)
		mp_err(MP_EX_CONFIG, "schema folder '%s'", dir);
	while ((d = readdir(dp)) != NULL) {
		n = strlen(d->d_name);
		if (n <= 7 || d->d_name[0] == '.' ||
		    strcmp(d->d_name + n - 7, ".schema") != 0)
			continue;
		path.len = 0;
		mp_buf_printf(&path, "%s/%s", dir, d->d_name);
		if ((s = mp_schema_load(mp_buf_str(&path))) == NULL)
			exit(MP_EX_CONFIG);
		byname = xrealloc(byname, (nbyname + 1) * sizeof *byname);
		byname[nbyname++] = s;
	}
	closedir(dp);
	mp_buf_free(&path);
	if (nbyname == 0)
		mp_errx(MP_EX_CONFIG, "schema folder '%s' has no *.schema "
		    "files", dir);
	qsort(byname, nbyname, sizeof *byname, cmpname);
}

/* The schema the record's --schema-by value names, or NULL and why. */
static struct mp_schema *
pick(const char *p, size_t n, struct mp_buf *why)
{
	static struct mp_buf name;
	struct mp_span v;
	size_t cut;
	int lo = 0, hi = nbyname, mid, c;

	if (!mp_json_get(p, n, &by, &v)) {
		mp_buf_printf(why, "missing field '%s'", by.text);
		return NULL;
	}
	if (mp_json_type(&v) != MP_JSON_STRING) {
		mp_buf_printf(why, "field '%s' is not a string", by.text);
		return NULL;
	}
	name.len = 0;
	mp_json_str_decode(&v, &name);
	mp_buf_str(&name);
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((c = strcmp(name.p, byname[mid]->name)) == 0 &&
		    strlen(name.p) == name.len)
			return byname[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	/* name the value, cut short on a character boundary */
	cut = name.len > 64 ? 64 : name.len;
	while (cut < name.len && (name.p[cut] & 0xc0) == 0x80)
		cut--;
	mp_buf_adds(why, "no schema: ");
	mp_buf_json_str(why, name.p, cut);
	return NULL;
}

static int
validate(struct mp_run *run, struct mp_rec *rec, void *arg)
{
	static struct mp_buf why;
	struct mp_json_err e;
	struct mp_schema *s;
	int i;

	(void)arg;
	why.len = 0;
	if (mp_json_check(rec->p, rec->n, &e) < 0) {
		mp_buf_printf(&why, "invalid JSON: %s at byte %zu", e.msg,
		    e.off + 1);
		goto reject;
	}
	if (nreq) {
		mp_query_run(reqq, rec->p, rec->n, reqv);
		for (i = 0; i < nreq; i++) {
			if (reqv[i].n == 0) {
				mp_buf_printf(&why, "missing field '%s'",
				    req[i].text);
				goto reject;
			}
			if (mp_json_type(&reqv[i]) == MP_JSON_NULL) {
				mp_buf_printf(&why, "field '%s' is null",
				    req[i].text);
				goto reject;
			}
		}
	}
	if (schema && mp_schema_check(schema, rec->p, rec->n, &why) < 0)
		goto reject;
	if (nbyname) {
		if ((s = pick(rec->p, rec->n, &why)) == NULL ||
		    mp_schema_check(s, rec->p, rec->n, &why) < 0)
			goto reject;
	}
	mp_emit(run, rec);
	return 0;
reject:
	mp_reject(run, rec, "%s", mp_buf_str(&why));
	return 0;
}

static int
opt_require(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx;
	return mp_path_parse_list(arg, &req, &nreq, errstr);
}

static int
opt_schema(void *ctx, const char *arg, const char **errstr)
{
	(void)ctx, (void)errstr;
	if (schema)
		mp_schema_free(schema);
	if ((schema = mp_schema_load(mp_opt_arg_path(arg))) == NULL)
		exit(MP_EX_CONFIG);
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *dir = NULL, *byarg = NULL, *errstr;
	const struct mp_opt opts[] = {
		MP_OPT_FN("require", 'r', "paths", opt_require, NULL,
		    "reject records lacking a field, or with it null"),
		MP_OPT_FN("schema", 'S', "file", opt_schema, NULL,
		    "check records against a schema (mp-schema(5))"),
		MP_OPT_SET("schema-dir", 'D', MP_OPT_PATH, &dir, "dir",
		    "the schemas, NAME.schema, for --schema-by"),
		MP_OPT_SET("schema-by", 'B', MP_OPT_STRING, &byarg, "path",
		    "the field naming each record's schema"),
		MP_OPT_END
	};
	struct mp_cfg cfg = { 0 };
	struct mp_run *run;
	int i, st;

	i = mp_opt_parse(argc, argv, opts, &cfg, usage);
	argc -= i;
	argv += i;
	if ((dir == NULL) != (byarg == NULL)) {
		mp_warnx("--schema-dir and --schema-by go together");
		mp_usage(usage);
	}
	if (byarg) {
		if (mp_path_parse(byarg, &by, &errstr) < 0) {
			mp_warnx("--schema-by: '%s': %s", byarg, errstr);
			mp_usage(usage);
		}
		load_dir(dir);
	}
	if (nreq) {
		reqq = mp_query_new(req, nreq);
		reqv = xcalloc(nreq, sizeof *reqv);
	}
	run = mp_run_new(&cfg);
	st = mp_run_loop(run, argc, argv, validate, NULL);
	return mp_run_end(run, st);
}
