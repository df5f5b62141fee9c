/*
 * secret.h: secrets read from files (never from argv), and the
 * Authorization headers made of them.
 */
#ifndef MP_SECRET_H
#define MP_SECRET_H

/*
 * The first line of file, trimmed of its line end and trailing spaces
 * (allocated; free it with mp_secret_free).  Exits 78 when the file
 * cannot be read or the line is empty, naming opt ("--bearer-file").
 */
char	*mp_secret_read(const char *opt, const char *file);
/* Overwrites the secret, then frees it; NULL is fine. */
void	 mp_secret_free(char *);
/*
 * "Authorization: Bearer SECRET" or, basic set, "Authorization: Basic "
 * and the base64 of the file's user:password line (allocated).
 */
char	*mp_secret_auth(const char *opt, const char *file, int basic);

#endif
