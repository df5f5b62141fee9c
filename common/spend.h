/*
 * spend.h: spend spread over the events it covers (spend.c).  A lookup
 * table's row (lookup.h) with --allocate holds an amount; each event that
 * matches the row gets an exact share of it (mp_money_share), the shares
 * summing to the amount; what no event got can be written as cost records
 * of its own (--unallocated), one a row.
 */
#ifndef MP_SPEND_H
#define MP_SPEND_H

struct mp_lookups;
struct mp_lookup;
struct mp_lookup_add;
struct mp_run;

struct mp_spend_cfg {
	const char *type;	/* --unallocated: the records' type, or NULL */
	const char *timecol;	/* --unallocated-time: "date" */
	const struct mp_lookup_add *srcfield; /* --source-field, or NULL */
	char	**types;	/* --allocate-to: the types that get a share */
	int	 ntypes;	/* 0: every type */
	char	*typebuf;	/* where they are */
	int	 typeslot;	/* the type's field, in the lookups' fields */
	long long allocated;	/* shares given */
	long long excess;	/* events past a row's count */
	long long records;	/* cost records written */
};

/*
 * Readies the tables with --allocate of the set: a row's amount and count
 * are kept as it is read (and, with a type, what its cost record holds).
 * Returns 1 when a table has no --count-column: the events are counted in
 * a first pass (mp_spend_count).  Exits 64 for --unallocated without such
 * a table, an allocated field that is one of a cost record's own, or a
 * first pass with a query in batches.
 */
int	 mp_spend_init(struct mp_spend_cfg *, struct mp_lookups *);
/* --allocate-to: types, by commas; exits 64 with usage for none. */
void	 mp_spend_types(struct mp_spend_cfg *, const char *, const char *);
/* Whether the record looked up is of a type that gets a share. */
int	 mp_spend_istype(const struct mp_spend_cfg *, const struct mp_lookups *);
/*
 * The share of row r the next event gets into *share: 1, or 0 when the
 * row's events are all served (an excess; *share is 0).
 */
int	 mp_spend_share(struct mp_spend_cfg *, struct mp_lookup *, long,
	    int64_t *);
/* Takes back the last share of row r (its event was rejected). */
void	 mp_spend_unshare(struct mp_spend_cfg *, struct mp_lookup *, long);
/* Counts an event of row r (the first pass, without --count-column). */
void	 mp_spend_count(struct mp_lookup *, long);
/* Writes the cost records of the spend no event got, table by table. */
void	 mp_spend_records(struct mp_spend_cfg *, struct mp_run *,
	    struct mp_lookups *);
/* Bytes the tables' allocations hold. */
size_t	 mp_spend_memory(const struct mp_lookups *);
/*
 * Counts allocated, allocate_excess and unallocated_micros (when always,
 * or when a share was given) and, with --unallocated, cost_records.
 */
void	 mp_spend_stats(const struct mp_spend_cfg *,
	    const struct mp_lookups *, struct mp_run *, int);
/* Frees what the tables' allocations hold. */
void	 mp_spend_free(struct mp_lookups *);

#endif
