/*
 * lookup.h: lookup tables (lookup.c, lookread.c, lookbatch.c).  A table
 * is NDJSON, CSV, TSV or the rows of a PostgreSQL query, held in memory by
 * key (table.c) or asked for in batches of keys with a cache; tables are
 * tried in order and the first with a record's key wins.  A row's value
 * is the fields it adds, as value bytes: 'Y', then per added column a
 * varint of its JSON text's length + 1 (0: nothing to add) and the text.
 */
#ifndef MP_LOOKUP_H
#define MP_LOOKUP_H

struct mp_jq;
struct mp_run;
struct mp_rec;
struct mp_spend;

enum { MP_LOOKUP_NONE, MP_LOOKUP_NDJSON, MP_LOOKUP_CSV, MP_LOOKUP_TSV,
    MP_LOOKUP_PG };
/* The type of an added column (-a column:type). */
enum { MP_LOOKUP_AUTO, MP_LOOKUP_STRING, MP_LOOKUP_NUMBER, MP_LOOKUP_MONEY,
    MP_LOOKUP_JSON, MP_LOOKUP_RATE };
/* The options a table gave itself (the rest come from the defaults). */
enum { MP_LOOKUP_SET_KEY = 1, MP_LOOKUP_SET_ADD = 2, MP_LOOKUP_SET_FMT = 4,
    MP_LOOKUP_SET_DUPS = 8, MP_LOOKUP_SET_ALLOC = 16,
    MP_LOOKUP_SET_COUNT = 32 };

/* A key column and the record's side of it: a path, a slice or jq. */
struct mp_lookup_key {
	char	*col;
	char	*expr;
	int	 kind;
	int	 slot;		/* query slot of the path */
	long	 from, to;	/* a slice; to -1: to the end */
	struct mp_jq *jq;
	int	 idx;		/* the table's column */
};

/* A column added to a record, or a field a tool adds. */
struct mp_lookup_add {
	char	*col;
	struct mp_path field;
	int	 type;
	int	 idx;		/* the table's column */
	int	 slot;		/* query slot of the field */
	char	*name;		/* "field": for a top-level field */
};

struct mp_lookup {
	char	*name, *src;
	int	 fmt;
	int	 batched;	/* a query with $1: asked in batches */
	int	 day;		/* the first key is a day, YYYY-MM-DD */
	struct mp_lookup_key *key;
	int	 nkey;
	struct mp_lookup_add *add;
	int	 nadd;
	int	 dups;		/* MP_TABLE_* */
	int	 set;		/* MP_LOOKUP_SET_* */
	char	*alloc, *allocfield, *countcol;
	struct mp_lookup_add afield;	/* where a share of alloc goes */
	int	 aidx, cidx;
	struct mp_table *rows;
	/* batches: this batch's rows, and the cache in two generations */
	struct mp_table *bt, *cache[2];
	long long matched;
	struct mp_spend *spend;	/* spend.c's, for --allocate */
};

/* A table's row on its way in: cells by column, as text or JSON. */
struct mp_lookup_row {
	const char *file;
	long long line;
	int	 json;		/* cells are JSON values (NDJSON) */
	int	 ncell;
	struct mp_span *cell;	/* p NULL: absent */
	const unsigned char *pgtype; /* by cell, for query rows (pglookup.h) */
};

/* A record being looked up (perhaps converted: p, n are then the new). */
struct mp_lookup_rec {
	const char *p;
	size_t	 n;
	long long seq;
	struct mp_rec *rec;
};

/* What a record found: the table that won and the row's value. */
struct mp_lookup_hit {
	int	 tab;		/* -1 none, -2 rejected */
	long	 row;		/* -1 for a row of a batch */
	const char *val;
	size_t	 vn;
};

#define MP_LOOKUP_MAXFIELDS	256

/* A record held for a batch. */
struct mp_lookup_held {
	size_t	 off, n;
	const char *file;
	long long line;
	struct mp_lookup_hit h;
};

/* The tables a tool looks records up in, and the fields they read. */
struct mp_lookups {
	struct mp_lookup *tab;
	int	 ntab;
	struct mp_lookup dflt;	/* options before the first --table */
	struct mp_lookup *cur;	/* the table options go to; NULL: dflt */
	const char *usage;
	/* the record's fields every table reads, found in one pass */
	struct mp_path path[MP_LOOKUP_MAXFIELDS];
	struct mp_span val[MP_LOOKUP_MAXFIELDS];
	int	 nq;
	struct mp_query *query;
	struct mp_pglookup pg;
	long long seq;		/* records looked up (for jq's $__loc__) */
	long long batchn, cachen, hits, misses;
	double	 loadtime;	/* seconds reading tables */
	struct mp_lookup_held *held;
	size_t	 nheld, heldcap;
	struct mp_buf heldbuf;
	/*
	 * For tables with --allocate: a column the hook reads (added to an
	 * NDJSON table's columns), called once the columns are known, and
	 * for each row added.
	 */
	const char *needcol;
	void	(*resolved)(void *, struct mp_lookup *, char **, int,
		    const char *);
	void	(*addrow)(void *, struct mp_lookup *,
		    const struct mp_lookup_row *, long);
	void	*hookarg;
};

/* lookup.c: tables from options; a record's key; lookups */
/* Starts the set: batch 1000, cache 100000. */
void	 mp_lookup_init(struct mp_lookups *, const char *usage);
/* The slot of a path in the fields the tables read; added once. */
int	 mp_lookup_slot(struct mp_lookups *, const struct mp_path *);
/* A new table of [name=]source, at the end of the set (or t, when not NULL). */
struct mp_lookup *mp_lookup_new(struct mp_lookups *, struct mp_lookup *,
	    const char *);
/* -k column[=expr]; -a column[=field][:type]; --format; exit 64 if bad. */
void	 mp_lookup_key(struct mp_lookups *, struct mp_lookup *, const char *);
void	 mp_lookup_column(struct mp_lookups *, struct mp_lookup *,
	    const char *);
int	 mp_lookup_format(struct mp_lookups *, const char *, const char *);
/* The format a file's name says, or MP_LOOKUP_NONE. */
int	 mp_lookup_format_of(const char *);
/* The field an option names for a tool to add, "name": when top-level. */
void	 mp_lookup_field(struct mp_lookups *, struct mp_lookup_add *,
	    const char *, const char *);
/*
 * A table's options, those it did not give from the defaults; its key
 * expressions compiled and the fields it reads added.  Exits 64 if bad.
 */
void	 mp_lookup_prepare(struct mp_lookups *, struct mp_lookup *);
/*
 * The record's key for a table into k: 1, 0 when it has none, -1 after
 * rejecting the record (with run NULL: without a word).
 */
int	 mp_lookup_recordkey(struct mp_lookups *, struct mp_run *,
	    struct mp_lookup_rec *, struct mp_lookup *, struct mp_buf *);
/* Looks the record up in table i, read whole: 1, 0, -1 as recordkey. */
int	 mp_lookup_find(struct mp_lookups *, struct mp_run *,
	    struct mp_lookup_rec *, int, struct mp_lookup_hit *);
/* Starts a record: finds its fields. */
void	 mp_lookup_begin(struct mp_lookups *, struct mp_lookup_rec *,
	    struct mp_rec *, const char *, size_t);
/* Appends a key part: a varint of its length, then its bytes. */
void	 mp_lookup_keypart(struct mp_buf *, const char *, size_t);
/*
 * The text of a JSON value as a key part, appended to b: 1, or 0 for null,
 * absent, an object or an array (no key).
 */
int	 mp_lookup_valtext(const struct mp_span *, struct mp_buf *);
/* Decodes key part i of a key: 1, or 0 when it has fewer parts. */
int	 mp_lookup_keypart_get(const char *, size_t, int, const char **,
	    size_t *);
/* The next column of value bytes: its JSON, or *n 0 when it has none. */
const char *mp_lookup_valnext(const char *, const char **, size_t *);
/* A field a record gets: where, and its JSON text. */
struct mp_lookup_piece {
	const struct mp_lookup_add *a;
	const char *p;
	size_t	 n;
};
/* The fields a hit's row adds, into pc (room for t->nadd); how many. */
int	 mp_lookup_pieces(const struct mp_lookup *, const struct mp_lookup_hit *,
	    struct mp_lookup_piece *);
/*
 * The record with the pieces added, into out: new top-level members go
 * before its closing brace, the rest by mp_json_splice.  Returns 0, or -1
 * when something on piece *bad's path is not an object.
 */
int	 mp_lookup_splice(const struct mp_lookups *, const struct mp_lookup_rec *,
	    const struct mp_lookup_piece *, int, struct mp_buf *, int *);
/* Frees what the set holds. */
void	 mp_lookup_free(struct mp_lookups *);

/* lookread.c: reading a table's rows */
/*
 * Reads a table whole (or, for a batched query, makes its cache); exits
 * 66 when a file cannot be read, 65 on bad data, a query's status.
 */
void	 mp_lookup_load(struct mp_lookups *, struct mp_lookup *);
/* Adds a query's rows to into, a table of t's (lookbatch.c). */
void	 mp_lookup_pgrow(struct mp_lookups *, struct mp_lookup *,
	    struct mp_table *, const struct mp_pglookup_row *);
/* Exits 65 with "file:line: message". */
void	 mp_lookup_bad(const struct mp_lookup_row *, const char *, ...)
	    MP_PRINTF(2, 3) MP_NORETURN;
/*
 * The text of cell i: a string's characters for JSON cells, as it is for
 * text cells, appended to b; 0 when absent or null.
 */
int	 mp_lookup_celltext(const struct mp_lookup_row *, int, struct mp_buf *);
/*
 * Appends cell i as the JSON value the column a adds; 0 adds nothing.
 * Exits 65 when it is not of a's type.
 */
int	 mp_lookup_cellvalue(const struct mp_lookup_row *, int,
	    const struct mp_lookup_add *, struct mp_buf *);
/* The column of that name, or -1. */
int	 mp_lookup_colidx(char **, int, const char *);
/* Whether text is a day, YYYY-MM-DD. */
int	 mp_lookup_isday(const char *, size_t);

/* lookbatch.c: queries asked for a batch of records, with a cache */
/* Called for each record of a batch, when it is done: hit->tab < 0: none. */
typedef void mp_lookup_done_fn(void *, struct mp_run *,
	    struct mp_lookup_rec *, struct mp_lookup_hit *);
/* Holds a record (c from mp_lookup_begin); flushes a full batch. */
void	 mp_lookup_hold(struct mp_lookups *, struct mp_run *,
	    struct mp_lookup_rec *, int strict, mp_lookup_done_fn *, void *);
/*
 * Looks up the held records, each table in turn, and hands each to fn;
 * with strict, none after the first rejected.
 */
void	 mp_lookup_flush(struct mp_lookups *, struct mp_run *, int strict,
	    mp_lookup_done_fn *, void *);
/* Keys in a batched table's cache. */
size_t	 mp_lookup_cached(const struct mp_lookup *);
/*
 * Counts matched and table_rows by table, table_load_ms, table_bytes (with extra bytes
 * the caller holds) and, with batched tables, queries and the cache's
 * hits and misses.
 */
void	 mp_lookup_stats(const struct mp_lookups *, struct mp_run *, size_t);


/*
 * lookopt.c: the options as entries of an option table (opt.h), each a
 * CALL whose ctx is the struct mp_lookups: MP_LOOKUP_OPT_TABLE(&ls) gives
 * -t, -k, -a, --format, --first, --last, --allocate, --count-column, -d,
 * -b and --cache.
 */
int	 mp_lookup_opt_table(void *, const char *, const char **);
int	 mp_lookup_opt_key(void *, const char *, const char **);
int	 mp_lookup_opt_add(void *, const char *, const char **);
int	 mp_lookup_opt_format(void *, const char *, const char **);
int	 mp_lookup_opt_first(void *, const char *, const char **);
int	 mp_lookup_opt_last(void *, const char *, const char **);
int	 mp_lookup_opt_allocate(void *, const char *, const char **);
int	 mp_lookup_opt_count(void *, const char *, const char **);
/*
 * [name=]source with a file's name made relative to the option file the
 * option came from (allocated, unless it is arg itself); pg: queries and
 * - as they are.
 */
const char *mp_lookup_opt_source(const char *);
#define MP_LOOKUP_OPT_ENTRY(name, l, arg, fn, ls, help) \
	MP_OPT_FN(name, l, arg, fn, ls, help)
#define MP_LOOKUP_OPT_TABLE(ls) \
	MP_LOOKUP_OPT_ENTRY("table", 't', "[name=]source", \
	    mp_lookup_opt_table, (ls), \
	    "a table: a file (NDJSON, CSV, TSV) or pg:query"), \
	MP_LOOKUP_OPT_ENTRY("key", 'k', "column[=expr]", mp_lookup_opt_key, \
	    (ls), "a key column, and the record's side (.column)"), \
	MP_LOOKUP_OPT_ENTRY("add", 'a', "column[=field][:type]", \
	    mp_lookup_opt_add, (ls), "a column to add, as field (every column)"), \
	MP_LOOKUP_OPT_ENTRY("format", 0, "ndjson|csv|tsv", \
	    mp_lookup_opt_format, (ls), "the table's format (by its name)"), \
	MP_LOOKUP_OPT_ENTRY("first", 0, NULL, mp_lookup_opt_first, (ls), \
	    "of rows with the same key, the first"), \
	MP_LOOKUP_OPT_ENTRY("last", 0, NULL, mp_lookup_opt_last, (ls), \
	    "of rows with the same key, the last"), \
	MP_LOOKUP_OPT_ENTRY("allocate", 0, "column[=field]", \
	    mp_lookup_opt_allocate, (ls), \
	    "spread a row's column over the events it matches"), \
	MP_LOOKUP_OPT_ENTRY("count-column", 0, "column", \
	    mp_lookup_opt_count, (ls), \
	    "the column of how many events a row covers"), \
	MP_OPT_SET("db", 'd', MP_OPT_STRING, &(ls)->pg.conninfo, "conninfo", \
	    "the PostgreSQL of pg: tables (PG* variables)"), \
	{ "batch", 'b', MP_OPT_INT, &(ls)->batchn, "n", \
	  "records a query with $1 is asked for at once (1000)", \
	  1, 1000000, NULL, 0, NULL, NULL }, \
	{ "cache", 0, MP_OPT_INT, &(ls)->cachen, "n", \
	  "keys of a query with $1 kept (100000)", \
	  0, 100000000, NULL, 0, NULL, NULL }

#endif
