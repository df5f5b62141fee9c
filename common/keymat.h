/*
 * keymat.h: key material, the bytes mp-dedup hashes a key from: for each
 * value its JSON kind, its length and its bytes (a string decoded, an
 * object or array in canonical form), so that equal values give equal
 * material however they are written.
 */
#ifndef MP_KEYMAT_H
#define MP_KEYMAT_H

/* Appends value v (a JSON value, or an absent one: n 0) to mat. */
void	mp_keymat_add(struct mp_buf *mat, const struct mp_span *v);

/*
 * Finds a one-member path's value when the line opens with it as a plain
 * string, {"name":"..." with no escape in either: sets v to the string
 * with its quotes and returns 1; else 0.  The line is not checked: the
 * caller compares v with what the checked record's query finds.
 */
int	mp_keymat_lead(const char *line, size_t n, const struct mp_path *path,
	    struct mp_span *v);

#endif
