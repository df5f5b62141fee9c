/*
 * pgtable.h: a PostgreSQL table that records are loaded into: its name,
 * its columns and the record field each takes, its key, the DDL that makes
 * it, what the catalog says of it, and the INSERT ... ON CONFLICT that
 * fills it from a staging table.
 */
#ifndef MP_PGTABLE_H
#define MP_PGTABLE_H

struct pg_conn;

struct mp_pgcol {
	char	*name;
	char	*type;		/* for the DDL */
	struct mp_path path;	/* the field; not parsed for a whole column */
	int	 whole;		/* takes the whole record */
	int	 given;		/* asked for by name: the table must have it */
	int	 json;		/* json or jsonb: values go as JSON text */
	int	 time;		/* timestamp[tz]: RFC 3339 only, sent in UTC */
	int	 exact;		/* numeric(prec,scale), which rounds */
	int	 prec, scale;
	int	 key;
	/*
	 * Two values are equal only when their COPY text is, as mp-load
	 * writes them: text, varchar with a deterministic collation, times
	 */
	int	 plain;
};

struct mp_pgtable {
	const char *table;	/* as the user wrote it, for messages */
	char	*schema, *name;	/* its parts (schema NULL when not given) */
	struct mp_buf qname;	/* quoted, qualified once looked up */
	struct mp_pgcol *col;
	int	 ncol;
	char	**key;		/* the key's columns */
	int	 nkey;
	int	 tcol;		/* the time column, or -1 */
	int	 update;	/* a key met again updates the row */
	int	 parted;	/* the table is partitioned */
	int	 bydays;	/* by range of the time column alone */
	int	 unique;	/* a unique index on the key alone, checked at once */
};

/* Splits and quotes [schema.]name (mp_pg_qualname); 0 or -1. */
int	 mp_pgtable_name(struct mp_pgtable *, const char *);
/*
 * The column of that name and type, made anew (one of the same name
 * before is replaced); the caller sets its path and flags.
 */
struct mp_pgcol *mp_pgtable_col(struct mp_pgtable *, const char *,
	    const char *);
/* The key's columns, a comma-separated list; 0, or -1 when it has none. */
int	 mp_pgtable_key(struct mp_pgtable *, const char *);
/*
 * Marks the key's columns and the column that holds the time field (with
 * need, one must); exits 78 when one is not loaded.
 */
void	 mp_pgtable_mark(struct mp_pgtable *, const struct mp_path *, int);
/*
 * The DDL that makes the table, its schema and its indexes (with gin, a
 * GIN index on each whole-record column: exits 64 when there is none).
 */
void	 mp_pgtable_ddl(struct mp_pgtable *, struct mp_buf *, int);
/*
 * Looks the table up: keeps the columns it has (exits 78 when it lacks a
 * given one, or has none), learns their types and whether it is
 * partitioned, and qualifies its name; mp_pgtable_mark again after.  With
 * create, a table that does not exist is made.  Returns 0, or an exit
 * status after a message.
 */
int	 mp_pgtable_look(struct mp_pgtable *, struct pg_conn *, int, int);
/*
 * Whether the table is partitioned by range of the time column alone
 * (bydays).  Returns 0, or an exit status after a message.
 */
int	 mp_pgtable_bydays(struct mp_pgtable *, struct pg_conn *);
/*
 * Whether a unique index of the table is on the key's columns alone, not
 * partial nor deferred, and the session may insert into the table
 * (unique): the index ON CONFLICT would take, so that rows may go in by
 * COPY and meet it, and a run that inserts nothing is refused as one that
 * does.  Returns 0, or an exit status after a message.
 */
int	 mp_pgtable_unique(struct mp_pgtable *, struct pg_conn *);
/* Appends the columns' quoted names, each after prefix, comma-separated. */
void	 mp_pgtable_cols(const struct mp_pgtable *, struct mp_buf *,
	    const char *);
/*
 * Appends INSERT ... SELECT ... ON CONFLICT into target from the staging
 * table pg_temp.mp_load_stage (or from the rows the statement from
 * returns), a statement whose one row counts the rows inserted and
 * updated.
 */
void	 mp_pgtable_insert(const struct mp_pgtable *, struct mp_buf *,
	    const char *, const char *);
void	 mp_pgtable_free(struct mp_pgtable *);

#endif
