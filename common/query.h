/*
 * query.c: many paths found in one pass over a checked record.  Build a
 * query once from the paths, then run it per record: v[i] gets the value
 * of path i (n 0 when absent).
 */
#ifndef MP_QUERY_H
#define MP_QUERY_H

struct mp_query;
struct mp_query *mp_query_new(const struct mp_path *, int);
void	 mp_query_run(const struct mp_query *, const char *, size_t,
	    struct mp_span *);
void	 mp_query_free(struct mp_query *);

#endif
