/*
 * statedir.h: where the files a tool keeps between runs live: --state-dir,
 * else $MP_STATE_DIR, $XDG_STATE_HOME/mp, ~/.local/state/mp.
 */
#ifndef MP_STATEDIR_H
#define MP_STATEDIR_H

/*
 * The path of the state file name in dir (NULL: the default folder), the
 * folder and its parents made (0700) when missing.  Allocated.
 */
char	*mp_statedir_path(const char *dir, const char *name);

#endif
