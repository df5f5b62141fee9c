/*
 * twopass.h: input read twice (twopass.c): a first pass over the inputs
 * (mp_run_scan) before the record loop, for a tool that must know the
 * whole input first.  The inputs must be files, or standard input
 * redirected from one, so that they can be read again.
 */
#ifndef MP_TWOPASS_H
#define MP_TWOPASS_H

/*
 * Exits 64 with usage when an input (argv, or standard input when argc is
 * 0) is not a regular file: "INPUT: WHY reads the input twice: ...".
 */
void	 mp_twopass_check(int, char **, const char *, const char *);
/*
 * The first pass (mp_run_scan), standard input then rewound for the
 * second.  Returns 0 or mp_run_scan's status; exits 74 when standard
 * input cannot be rewound.
 */
int	 mp_twopass_scan(struct mp_run *, int, char **, mp_rec_fn *, void *);

#endif
