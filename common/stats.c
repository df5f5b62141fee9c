/*
 * stats.c: a run's counters, and the two ways they leave it: the stats
 * object (--stats) and Prometheus text for the textfile collector
 * (--metrics), written atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mp.h"

/* reasons and names are bounded: past MAXNAMES they count as "other" */
#define MAXNAMES	64

void
mp_stats_add(struct mp_stats_counters *c, const char *name, size_t len,
    long long n)
{
	int i;

	for (i = 0; i < c->n; i++)
		if (strlen(c->v[i].name) == len &&
		    memcmp(c->v[i].name, name, len) == 0) {
			c->v[i].n += n;
			return;
		}
	if (c->n >= MAXNAMES - 1 && (len != 5 || memcmp(name, "other", 5))) {
		mp_stats_add(c, "other", 5, n);
		return;
	}
	c->v = xrealloc(c->v, (c->n + 1) * sizeof *c->v);
	c->v[c->n].name = xstrndup(name, len);
	c->v[c->n++].n = n;
}

void
mp_stats_add_by(struct mp_stats *s, const char *group, const char *name,
    long long n)
{
	int i;

	for (i = 0; i < s->ngroup; i++)
		if (strcmp(s->group[i].name, group) == 0)
			break;
	if (i == s->ngroup) {
		s->group = xrealloc(s->group, (i + 1) * sizeof *s->group);
		s->group[i].name = xstrdup(group);
		s->group[i].c.v = NULL;
		s->group[i].c.n = 0;
		s->ngroup++;
	}
	mp_stats_add(&s->group[i].c, name, strlen(name), n);
}

static void
json_counters(struct mp_buf *b, const struct mp_stats_counters *c)
{
	int i;

	mp_buf_addc(b, '{');
	for (i = 0; i < c->n; i++) {
		if (i)
			mp_buf_addc(b, ',');
		mp_buf_json_str(b, c->v[i].name, strlen(c->v[i].name));
		mp_buf_printf(b, ":%lld", c->v[i].n);
	}
	mp_buf_addc(b, '}');
}

int
mp_stats_write(const struct mp_stats *r, const char *file, double secs,
    int status, int interrupted)
{
	struct mp_buf b = { 0 };
	const char *why = mp_chain_failure();
	char amount[32];
	FILE *f;
	int i, st = 0;

	mp_buf_adds(&b, "{\"prog\":");
	mp_buf_json_str(&b, mp_prog, strlen(mp_prog));
	mp_buf_printf(&b, ",\"records_in\":%lld,\"records_out\":%lld,"
	    "\"rejected\":%lld,\"dropped\":%lld,\"rejected_by\":", r->in,
	    r->out, r->rejected, r->dropped);
	json_counters(&b, &r->rejby);
	mp_buf_adds(&b, ",\"dropped_by\":");
	json_counters(&b, &r->dropby);
	for (i = 0; i < r->own.n; i++) {
		mp_buf_addc(&b, ',');
		mp_buf_json_str(&b, r->own.v[i].name,
		    strlen(r->own.v[i].name));
		mp_buf_printf(&b, ":%lld", r->own.v[i].n);
	}
	for (i = 0; i < r->money.n; i++) {
		mp_buf_addc(&b, ',');
		mp_buf_json_str(&b, r->money.v[i].name,
		    strlen(r->money.v[i].name));
		mp_buf_printf(&b, ":\"%s\"", mp_money_fmt(r->money.v[i].n,
		    amount));
	}
	for (i = 0; i < r->ngroup; i++) {
		mp_buf_addc(&b, ',');
		mp_buf_json_str(&b, r->group[i].name,
		    strlen(r->group[i].name));
		mp_buf_addc(&b, ':');
		json_counters(&b, &r->group[i].c);
	}
	mp_buf_printf(&b, ",\"blank_lines\":%lld,\"bytes_in\":%lld,"
	    "\"bytes_out\":%lld,\"seconds\":%.3f,\"interrupted\":%s,"
	    "\"exit\":%d", r->blank, r->bytes_in, r->bytes_out, secs,
	    interrupted ? "true" : "false", status);
	if (status != 0) {
		/* the first failure down the pipe, else this tool's own */
		if (why == NULL)
			why = mp_last_error();
		if (*why == '\0' && status == MP_EX_USAGE)
			why = "usage error";
		mp_buf_adds(&b, ",\"reason\":");
		mp_buf_json_str(&b, why, strlen(why));
	}
	mp_buf_adds(&b, "}\n");
	if (strcmp(file, "-") == 0) {
		mp_progress_clear();
		(void)!write(2, b.p, b.len);
	} else if ((f = fopen(file, "w")) == NULL) {
		mp_warnx("stats file '%s': %s", file, strerror(errno));
		st = MP_EX_CANTCREAT;
	} else {
		int short_write = fwrite(b.p, 1, b.len, f) != b.len;

		if (fclose(f) != 0 || short_write) {
			mp_warnx("stats file '%s': %s", file,
			    strerror(errno));
			st = MP_EX_IOERR;
		}
	}
	mp_buf_free(&b);
	return st;
}

static void
prom_label(struct mp_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			mp_buf_addc(b, '\\');
		if (*s == '\n')
			mp_buf_adds(b, "\\n");
		else
			mp_buf_addc(b, *s);
	}
}

static void
prom(struct mp_buf *b, const char *name, const char *type, const char *help,
    const char *label, const struct mp_stats_counters *c, long long v,
    double dv)
{
	int i;

	mp_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
	if (c == NULL) {
		mp_buf_printf(b, "%s{prog=\"%s\"} ", name, mp_prog);
		if (dv >= 0)
			mp_buf_printf(b, "%.3f\n", dv);
		else
			mp_buf_printf(b, "%lld\n", v);
		return;
	}
	for (i = 0; i < c->n; i++) {
		mp_buf_printf(b, "%s{prog=\"%s\",%s=\"", name, mp_prog, label);
		prom_label(b, c->v[i].name);
		mp_buf_printf(b, "\"} %lld\n", c->v[i].n);
	}
}

/*
 * The time of the last success the metrics file holds, so that a failed
 * run keeps it: an alert fires on "no success for N hours".
 */
static long long
last_success(const char *file)
{
	static const char key[] = "\nmp_last_success_timestamp_seconds{";
	struct mp_buf b = { 0 };
	long long t = 0;
	const char *p;
	ssize_t n;
	int fd;

	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	do {
		mp_buf_grow(&b, 65536);
		n = read(fd, b.p + b.len, b.cap - b.len);
		b.len += n > 0 ? (size_t)n : 0;
	} while (n > 0);
	close(fd);
	if ((p = strstr(mp_buf_str(&b), key)) != NULL &&
	    (p = strchr(p, '}')) != NULL)
		t = atoll(p + 1);
	mp_buf_free(&b);
	return t;
}

int
mp_stats_metrics(const struct mp_stats *r, const char *file, double secs,
    int status)
{
	struct mp_buf b = { 0 }, name = { 0 };
	struct mp_afile af;
	long long success;
	char amount[32];
	int i, st;

	prom(&b, "mp_records_in_total", "counter", "Records read.", NULL,
	    NULL, r->in, -1);
	prom(&b, "mp_records_out_total", "counter", "Records written.", NULL,
	    NULL, r->out, -1);
	prom(&b, "mp_records_rejected_total", "counter",
	    "Records rejected, by reason.", NULL, NULL, r->rejected, -1);
	prom(&b, "mp_records_rejected_by_reason_total", "counter",
	    "Records rejected, by reason.", "reason", &r->rejby, 0, -1);
	prom(&b, "mp_records_dropped_total", "counter", "Records dropped.",
	    NULL, NULL, r->dropped, -1);
	prom(&b, "mp_records_dropped_by_reason_total", "counter",
	    "Records dropped by a rule, by reason.", "reason", &r->dropby, 0,
	    -1);
	prom(&b, "mp_bytes_in_total", "counter", "Bytes read.", NULL, NULL,
	    r->bytes_in, -1);
	prom(&b, "mp_bytes_out_total", "counter", "Bytes written.", NULL,
	    NULL, r->bytes_out, -1);
	prom(&b, "mp_run_seconds", "gauge", "Duration of the last run.",
	    NULL, NULL, 0, secs);
	prom(&b, "mp_last_run_timestamp_seconds", "gauge",
	    "When the last run ended, in seconds since the epoch.", NULL,
	    NULL, (long long)time(NULL), -1);
	prom(&b, "mp_last_exit_status", "gauge", "Exit status of the last run.",
	    NULL, NULL, status, -1);
	success = status == 0 ? (long long)time(NULL) :
	    last_success(file);
	prom(&b, "mp_last_success_timestamp_seconds", "gauge",
	    "When the last run that exited 0 ended (0: none yet).", NULL,
	    NULL, success, -1);
	/* a tool's own counters: mp_NAME_total, groups labelled by name */
	for (i = 0; i < r->own.n; i++) {
		name.len = 0;
		mp_buf_printf(&name, "mp_%s_total", r->own.v[i].name);
		prom(&b, mp_buf_str(&name), "counter",
		    "A counter of the tool's own.", NULL, NULL, r->own.v[i].n,
		    -1);
	}
	/* money as the decimal text it is: exact, and a float to Prometheus */
	for (i = 0; i < r->money.n; i++) {
		mp_buf_printf(&b, "# HELP mp_%s An amount of the tool's own.\n"
		    "# TYPE mp_%s gauge\nmp_%s{prog=\"%s\"} %s\n",
		    r->money.v[i].name, r->money.v[i].name, r->money.v[i].name,
		    mp_prog, mp_money_fmt(r->money.v[i].n, amount));
	}
	for (i = 0; i < r->ngroup; i++) {
		name.len = 0;
		mp_buf_printf(&name, "mp_%s_total", r->group[i].name);
		prom(&b, mp_buf_str(&name), "counter",
		    "A counter of the tool's own, by name.", "name",
		    &r->group[i].c, 0, -1);
	}
	mp_buf_free(&name);
	/* a reader must never see half a file */
	if ((st = mp_afile_open(&af, file, 1)) == 0) {
		mp_afile_write(&af, b.p, b.len);
		st = mp_afile_commit(&af);
	}
	mp_buf_free(&b);
	return st;
}
