/*
 * oauth2.h: OAuth2 access tokens (client credentials, or a refresh
 * token), kept in a cache file in the state folder while they live.
 */
#ifndef MP_OAUTH2_H
#define MP_OAUTH2_H

struct mp_oauth2 {
	const char *token_url;
	const char *client_id;		/* NULL: none sent */
	const char *secret_file;	/* the client secret's file, or NULL */
	const char *refresh_file;	/* a refresh token's file, or NULL */
	const char *scope;		/* NULL: none asked */
	const char *state_dir;		/* the cache's folder (statedir.h) */
	long	 timeout_ms;		/* each request */
	int	 retries;		/* tries after the first */
};

/*
 * "Authorization: Bearer TOKEN" (allocated): from the cache while the
 * token has a minute to live (unless renew), else from the token URL,
 * then cached (0600).  The cache is locked while it is renewed.  Exits
 * 77 when the token request is refused (400, 401, 403), 69 when no token
 * came after the retries, 75 when another run holds the cache's lock.
 */
char	*mp_oauth2_header(const struct mp_oauth2 *, int renew);

#endif
