/*
 * 6004-pgtable: unit tests, as TAP, of what the loader says to PostgreSQL
 * without asking it: COPY's text format, a table's name quoted, its key,
 * its DDL and the INSERT that fills it; and PostgreSQL's retry policy.
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"
#include "tap.h"

static void
is(const char *got, const char *want, const char *name)
{
	ok(strcmp(got, want) == 0, "%s", name);
	if (strcmp(got, want) != 0)
		printf("# got:  %s\n# want: %s\n", got, want);
}

static const char *
copytext(const char *s, size_t n)
{
	static struct mp_buf b;

	b.len = 0;
	mp_pg_copy_text(&b, s, n);
	return mp_buf_str(&b);
}

/* The table events with the key event_id, a time and a data column. */
static void
table(struct mp_pgtable *t, const char *name, const char *key)
{
	struct mp_path ts;
	struct mp_pgcol *c;
	const char *errstr;

	memset(t, 0, sizeof *t);
	if (mp_pgtable_name(t, name) < 0)
		abort();
	c = mp_pgtable_col(t, "event_id", "text");
	mp_path_parse(".event_id", &c->path, &errstr);
	c = mp_pgtable_col(t, "ts", "timestamptz");
	mp_path_parse(".ts", &c->path, &errstr);
	c = mp_pgtable_col(t, "cost", "text");
	mp_path_parse(".cost", &c->path, &errstr);
	/* a column named again replaces the first */
	c = mp_pgtable_col(t, "cost", "numeric(19,6)");
	mp_path_parse(".cost", &c->path, &errstr);
	c = mp_pgtable_col(t, "data", "jsonb");
	c->whole = c->json = 1;
	mp_pgtable_key(t, key);
	mp_path_parse(".ts", &ts, &errstr);
	mp_pgtable_mark(t, &ts, 1);
	mp_path_free(&ts);
}

int
main(void)
{
	struct mp_pgtable t;
	struct mp_retry rt;
	struct mp_buf b = { 0 };
	double w;
	int i, fine;

	is(copytext("", 0), "", "copy text: nothing");
	is(copytext("plain é ✓", strlen("plain é ✓")), "plain é ✓",
	    "copy text: plain bytes as they are");
	is(copytext("a\tb\\c\nd\re", 9), "a\\tb\\\\c\\nd\\re",
	    "copy text: tab, backslash, LF, CR escaped");
	is(copytext("\\\\\n", 3), "\\\\\\\\\\n", "copy text: escapes in a row");
	ok(memcmp(copytext("a\0b\t", 4), "a\0b\\t", 6) == 0,
	    "copy text: a NUL byte is a byte");

	table(&t, "events", "event_id");
	is(t.qname.p, "\"events\"", "name: quoted");
	ok(t.ncol == 4 && strcmp(t.col[2].type, "numeric(19,6)") == 0,
	    "a column named twice is the last one");
	ok(t.tcol == 1 && t.col[0].key && !t.col[1].key,
	    "mark: the key's column and the time's");
	mp_pgtable_ddl(&t, &b, 1);
	is(mp_buf_str(&b),
	    "CREATE TABLE IF NOT EXISTS \"events\" (\n"
	    "    \"event_id\" text NOT NULL,\n"
	    "    \"ts\" timestamptz,\n"
	    "    \"cost\" numeric(19,6),\n"
	    "    \"data\" jsonb NOT NULL\n"
	    ");\n"
	    "CREATE UNIQUE INDEX IF NOT EXISTS \"events_key\" ON \"events\" "
	    "(\"event_id\");\n"
	    "CREATE INDEX IF NOT EXISTS \"events_ts\" ON \"events\" "
	    "(\"ts\");\n"
	    "CREATE INDEX IF NOT EXISTS \"events_data\" ON \"events\" "
	    "USING gin (\"data\");\n", "ddl: table, key, time and GIN");
	b.len = 0;
	mp_pgtable_insert(&t, &b, t.qname.p, NULL);
	is(mp_buf_str(&b),
	    "WITH r AS (INSERT INTO \"events\" AS t (\"event_id\", \"ts\", "
	    "\"cost\", \"data\") SELECT \"event_id\", \"ts\", \"cost\", "
	    "\"data\" FROM pg_temp.mp_load_stage ON CONFLICT (\"event_id\") "
	    "DO NOTHING RETURNING xmax = 0 AS ins) SELECT count(*) FILTER "
	    "(WHERE ins), count(*) FILTER (WHERE NOT ins) FROM r",
	    "insert: on conflict do nothing");
	b.len = 0;
	t.update = 1;
	mp_pgtable_insert(&t, &b, t.qname.p, NULL);
	ok(strstr(b.p, "SELECT DISTINCT ON (\"event_id\") ") &&
	    strstr(b.p, "ORDER BY \"event_id\", \"mp-load ord\" DESC") &&
	    strstr(b.p, "WHERE (t.\"ts\", t.\"cost\", t.\"data\"::jsonb) IS "
	    "DISTINCT FROM (EXCLUDED.\"ts\", EXCLUDED.\"cost\", "
	    "EXCLUDED.\"data\"::jsonb)") != NULL,
	    "insert: on conflict update, the last of a key, unchanged rows "
	    "not written");
	b.len = 0;
	t.update = 0;
	t.parted = 1;
	mp_pgtable_insert(&t, &b, t.qname.p, NULL);
	ok(strncmp(b.p, "WITH e AS (SELECT count(*) AS keys", 34) == 0 &&
	    strstr(b.p, ", r AS (INSERT INTO") &&
	    strstr(b.p, "RETURNING 1) SELECT e.keys - e.old") != NULL,
	    "insert: a partitioned table counts its new keys");
	mp_pgtable_free(&t);

	table(&t, "\"a.b\".\"x\"\"y\"", "event_id,ts");
	is(t.qname.p, "\"a.b\".\"x\"\"y\"", "name: schema and quotes");
	ok(t.nkey == 2 && t.col[0].key && t.col[1].key, "key: two columns");
	ok(mp_pgtable_key(&t, ",") < 0, "key: no column");
	mp_pgtable_free(&t);
	memset(&t, 0, sizeof t);
	ok(mp_pgtable_name(&t, "a.b.c") < 0 && mp_pgtable_name(&t, "") < 0,
	    "name: three parts, or none, refused");
	mp_pgtable_free(&t);

	mp_pg_retry(&rt, 3);
	fine = 1;
	for (i = 0; i < 3; i++)
		if ((w = mp_retry_next(&rt, -1, NULL)) < 0 ||
		    w > 0.1 * (1 << i))
			fine = 0;
	ok(fine && mp_retry_next(&rt, -1, NULL) < 0 && rt.tries == 3,
	    "retry: three tries after the first, from 0.1 s doubling");
	mp_pg_retry(&rt, 0);
	ok(mp_retry_next(&rt, -1, NULL) < 0, "retry: none");
	mp_buf_free(&b);
	return done();
}
