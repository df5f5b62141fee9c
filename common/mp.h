/*
 * libmp: what the mp tools share.  Grouped by file; each function is
 * documented where it is declared.  Functions named x* exit on failure.
 *
 * Spans point into a record; they are valid only while the record is (in a
 * record callback: until the callback returns).
 */
#ifndef MP_H
#define MP_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define MP_VERSION	"0.1.0"

/* sysexits(3) codes, as mp.7 lists them */
enum {
	MP_EX_OK = 0,
	MP_EX_CHECK = 1,
	MP_EX_USAGE = 64,
	MP_EX_DATAERR = 65,
	MP_EX_NOINPUT = 66,
	MP_EX_UNAVAILABLE = 69,
	MP_EX_SOFTWARE = 70,
	MP_EX_CANTCREAT = 73,
	MP_EX_IOERR = 74,
	MP_EX_TEMPFAIL = 75,
	MP_EX_NOPERM = 77,
	MP_EX_CONFIG = 78,
};

#if defined(__GNUC__)
#define MP_PRINTF(a, b)	__attribute__((format(printf, a, b)))
#define MP_NORETURN	__attribute__((noreturn))
#else
#define MP_PRINTF(a, b)
#define MP_NORETURN
#endif

/*
 * util.c: allocation that cannot fail, numbers, clocks, hashing; the
 * bottom of libmp, calling nothing above it (buf.c and diag.c call it)
 */
extern const char *mp_prog;	/* program name for messages */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/*
 * Parses a decimal integer in [min, max]; returns 0, or -1 with *errstr
 * set to "invalid", "too small" or "too large" (as strtonum(3)).
 */
int	 mp_strtonum(const char *, long long, long long, long long *,
	    const char **);
/* Parses a size with an optional K, M or G suffix (powers of 1024). */
int	 mp_parse_size(const char *, long long, long long, long long *,
	    const char **);
/* Seconds since an arbitrary point, monotonic. */
double	 mp_now(void);
/*
 * Sleep before try n+1 (n from 0): full jitter, uniform in [0, min(cap,
 * base * 2^n)).  Returns the seconds chosen; does not sleep.
 */
double	 mp_backoff(int, double, double);
/*
 * The path of a data file shipped with mp (rel is relative to share/mp):
 * under $MP_DATADIR, else under ../share/mp beside the program, else
 * under the install prefix.  The result is allocated.
 */
char	*mp_datafile(const char *);
/* The value of a hexadecimal digit, or -1. */
int	 mp_hexval(int);
/*
 * A fast 64-bit hash for in-memory tables and checksums (not for keys,
 * which must not be guessable).  Its values never change: state files
 * hold them.
 */
uint64_t mp_hash(const void *, size_t, uint64_t);

/* diag.c: messages on stderr, "prog: ..." or one JSON object per line */
enum mp_log_format { MP_LOG_TEXT, MP_LOG_JSON };
void	 mp_log_set_format(enum mp_log_format);
enum mp_log_format mp_log_get_format(void);
void	 mp_warnx(const char *, ...) MP_PRINTF(1, 2);
/* "prog: file:line: msg"; line 0 leaves the line out */
void	 mp_warnat(const char *, long long, const char *, ...)
	    MP_PRINTF(3, 4);
void	 mp_vwarnat(const char *, long long, const char *, va_list);
void	 mp_errx(int, const char *, ...) MP_PRINTF(2, 3) MP_NORETURN;
/* mp_errx with a place, "prog: file:line: msg" */
void	 mp_errat(int, const char *, long long, const char *, ...)
	    MP_PRINTF(4, 5) MP_NORETURN;
/* mp_errx with ": strerror(errno)" appended */
void	 mp_err(int, const char *, ...) MP_PRINTF(2, 3) MP_NORETURN;
/* The last error message, else the last warning, or "". */
const char *mp_last_error(void);
/* Progress line on a terminal: shown, cleared before any message. */
void	 mp_progress_show(const char *, ...) MP_PRINTF(1, 2);
void	 mp_progress_clear(void);

/* buf.c: a growable byte buffer (calls util.c and utf8.c only) */
struct mp_buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};
void	 mp_buf_grow(struct mp_buf *, size_t);
void	 mp_buf_add(struct mp_buf *, const void *, size_t);
void	 mp_buf_adds(struct mp_buf *, const char *);
void	 mp_buf_addc(struct mp_buf *, int);
void	 mp_buf_printf(struct mp_buf *, const char *, ...) MP_PRINTF(2, 3);
void	 mp_buf_vprintf(struct mp_buf *, const char *, va_list);
/*
 * Appends the bytes as a quoted JSON string; a byte that is not valid
 * UTF-8 becomes U+FFFD (records that are not UTF-8 go out as base64).
 */
void	 mp_buf_json_str(struct mp_buf *, const char *, size_t);
/* Appends the code point (at most U+10FFFF) encoded as UTF-8. */
void	 mp_buf_utf8(struct mp_buf *, unsigned long);
/*
 * Appends base64 of the bytes.  Streams: *carry and *ncarry keep up to two
 * bytes between calls; call with final set on the last piece.
 */
void	 mp_buf_base64(struct mp_buf *, const void *, size_t,
	    unsigned char *, int *, int);
const char *mp_buf_str(struct mp_buf *);	/* NUL-terminated view */
void	 mp_buf_free(struct mp_buf *);

/* utf8.c */
/*
 * Length of the valid UTF-8 sequence at p (1-4), or 0 and *why set when
 * the bytes are not valid UTF-8 (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF).
 */
int	 mp_utf8_seq(const unsigned char *, size_t, const char **);
/* Whether the bytes are valid UTF-8. */
int	 mp_utf8_valid(const char *, size_t);

/* json.c: a strict scanner; no tree is ever built */
#define MP_JSON_MAXDEPTH	128
struct mp_json_err {
	size_t	 off;		/* byte offset of the failure */
	char	 msg[160];	/* "lone surrogate escape", ... */
};
/*
 * Checks that p[0..n) is exactly one JSON object per RFC 8259 (white space
 * around allowed), with no duplicate keys at any depth and nesting of at
 * most MP_JSON_MAXDEPTH.  Returns 0, or -1 and fills *e.
 */
int	 mp_json_check(const char *, size_t, struct mp_json_err *);
/* mp_json_check for any one JSON value: an object, array, string, ... */
int	 mp_json_check_value(const char *, size_t, struct mp_json_err *);
/* Whether the bytes are exactly one JSON number, no white space around. */
int	 mp_json_is_number(const char *, size_t);

/* A value inside a record: p[0..n) is its text, first byte gives its kind. */
struct mp_span {
	const char *p;
	size_t	 n;
};
enum mp_json_type {
	MP_JSON_NONE, MP_JSON_NULL, MP_JSON_FALSE, MP_JSON_TRUE,
	MP_JSON_NUMBER, MP_JSON_STRING, MP_JSON_OBJECT, MP_JSON_ARRAY
};
enum mp_json_type mp_json_type(const struct mp_span *);
const char *mp_json_type_name(enum mp_json_type);
/*
 * A string or number member of a checked object, by its path without the
 * leading dot ("run.from"), as text (a string decoded; allocated); NULL
 * when absent or of another type.
 */
char	*mp_json_member_text(const char *, size_t, const char *);
/*
 * Decodes a JSON string span (with its quotes) into UTF-8, appended to the
 * buffer.  The span must have been checked.
 */
void	 mp_json_str_decode(const struct mp_span *, struct mp_buf *);
/* Whether a checked string span equals s[0..n) once decoded. */
int	 mp_json_str_eq(const struct mp_span *, const char *, size_t);
/*
 * Number kinds by grammar: returns 1 for an integer (no fraction, no
 * exponent), 0 for another number.  The span must have been checked.
 */
int	 mp_json_number_is_int(const struct mp_span *);

/* path.c: jq paths .a.b ."odd key" .a[0] .["k"], and lists of them */
struct mp_seg {
	char	*key;		/* NULL for an array index */
	size_t	 keylen;
	long	 index;
};
struct mp_path {
	char	*text;		/* as written, for messages */
	struct mp_seg *seg;
	int	 nseg;
};
/* Parses one path; returns 0, or -1 with *errstr set. */
int	 mp_path_parse(const char *, struct mp_path *, const char **);
/*
 * Parses a comma-separated list of paths, appending to *v and *n.  Returns
 * 0, or -1 with *errstr set.
 */
int	 mp_path_parse_list(const char *, struct mp_path **, int *,
	    const char **);
void	 mp_path_free(struct mp_path *);

/* json.c (continued): values by path in a checked record */
/*
 * Finds the value at a path in a checked record; returns 1 and fills *v,
 * or 0 when the path is absent.
 */
int	 mp_json_get(const char *, size_t, const struct mp_path *,
	    struct mp_span *);
/*
 * Writes the record to out with the value at path set to the JSON text
 * val[0..vlen): an existing value is replaced in place, a missing member
 * is added at the end of its object (missing objects on the way are
 * created); the rest of the record is copied byte for byte.  Returns 0,
 * or -1 when the path goes through something that is not an object.
 */
int	 mp_json_splice(const char *, size_t, const struct mp_path *,
	    const char *, size_t, struct mp_buf *);
/*
 * Iterates the elements of a checked array: *it 0 at first.  Returns 1
 * with the value set, 0 at the end.
 */
int	 mp_json_elements(const char *, size_t, size_t *, struct mp_span *);
/*
 * Iterates the members of a checked object: *it 0 at first.  Returns 1
 * with the key (a string span, quotes and all) and value set, 0 at the end.
 */
int	 mp_json_members(const char *, size_t, size_t *, struct mp_span *,
	    struct mp_span *);
/*
 * Appends the canonical form of a checked value: object members sorted by
 * key (bytes, once decoded), no white space, strings decoded and written
 * back with the fewest escapes, numbers and literals as written.  Members
 * and elements at the paths given (at most 64) are left out.
 */
void	 mp_json_canon(const char *, size_t, const struct mp_path *, int,
	    struct mp_buf *);

/* time.c */
/*
 * Parses an RFC 3339 date-time (2026-11-20T13:04:05.123Z, offsets
 * +hh:mm) into microseconds since the epoch, UTC.  Returns 0 or -1.
 */
int	 mp_time_parse(const char *, size_t, int64_t *);
/* Formats seconds since the epoch as RFC 3339 UTC; buf holds 32 bytes. */
char	*mp_time_fmt(int64_t, char *);
/* Formats seconds since the epoch as 20261120T140312Z; buf holds 17. */
char	*mp_time_compact(int64_t, char *);
/*
 * The time a JSON string value holds (escapes decoded) into *us.
 * Returns 0, or -1 when it is not a string or not RFC 3339.
 */
int	 mp_time_json(const struct mp_span *, int64_t *);

/*
 * Parses a duration: integers with units ms, s, m, h, d, one or more
 * (90s, 1h30m), into microseconds.  Returns 0, or -1 with *errstr set.
 */
int	 mp_duration_parse(const char *, int64_t *, const char **);

/* money.c */
/*
 * Parses decimal text (-12.345678, at most 6 fractional digits) into
 * integer micro-units.  Returns 0, or -1 with *errstr set.
 */
int	 mp_money_parse(const char *, size_t, int64_t *, const char **);
/* Formats micro-units as decimal text; buf holds at least 32 bytes. */
char	*mp_money_fmt(int64_t, char *);
/* mp_money_fmt with at least places decimals (at most 6): "1.50". */
char	*mp_money_fmt_places(int64_t, int, char *);
/*
 * Part i (from 0) of n > 0 parts of an amount, floor(a*(i+1)/n) -
 * floor(a*i/n): parts differ by at most one and the n of them sum to a.
 */
int64_t	 mp_money_share(int64_t, int64_t, int64_t);
/* Parts i to i+k-1 of n > 0 parts of an amount, together. */
int64_t	 mp_money_shares(int64_t, int64_t, int64_t, int64_t);
/*
 * Parses a non-negative decimal of at most 12 places (an exchange rate)
 * into *m / 10^*scale.  Returns 0, or -1 with *errstr set.
 */
int	 mp_rate_parse(const char *, size_t, int64_t *, int *, const char **);
/*
 * amount * m / 10^scale, rounded to the nearest micro-unit, halves away
 * from zero.  Returns 0, or -1 when the result is out of range.
 */
int	 mp_money_convert(int64_t, int64_t, int, int64_t *);
/*
 * Whether decimal text, as PostgreSQL reads it into numeric(prec,scale),
 * is taken without rounding: 0 when it is (or when it is no decimal at
 * all, which PostgreSQL refuses itself); MP_MONEY_DECIMALS when it has a
 * digit other than 0 past scale decimals; MP_MONEY_DIGITS when it has more
 * than prec - scale digits before the point.  Blanks around it, a sign,
 * an exponent and PostgreSQL 16's 1_000 are read as PostgreSQL does.
 */
enum { MP_MONEY_DECIMALS = 1, MP_MONEY_DIGITS };
int	 mp_money_fit(const char *, size_t, int, int);

/* lines.c: line-based list files */
struct mp_lines {
	const char *file;
	long long line;		/* of the line last returned */
	FILE	*f;
	char	*buf;
	size_t	 sz;
};
/* Opens a list file; returns 0, or 66 after a message. */
int	 mp_lines_open(struct mp_lines *, const char *);
/*
 * The next line that is neither blank nor a # comment, trimmed of blanks
 * and its line end; NULL at the end, or on an error with *rc set to an
 * exit status after a message (78 for a NUL byte, 74 a read error).
 */
char	*mp_lines_next(struct mp_lines *, int *);
void	 mp_lines_close(struct mp_lines *);

/* cidr.c: IP addresses and sets of ranges */
/* An address; IPv4 a.b.c.d is the IPv4-mapped ::ffff:a.b.c.d. */
__extension__ typedef unsigned __int128 mp_ip;
/*
 * Parses an address strictly: a dotted quad of four decimal parts without
 * leading zeros, or an RFC 4291 IPv6 text form (no zone, no brackets).
 * Returns 0 or -1.
 */
int	 mp_ip_parse(const char *, size_t, mp_ip *);
int	 mp_ip_is_v4(mp_ip);
/* Formats an address (RFC 5952 for IPv6); buf holds at least 46 bytes. */
char	*mp_ip_fmt(mp_ip, char *);
/*
 * Parses ADDRESS/LEN or a bare address into its first and last address;
 * host bits set are an error.  Returns 0, or -1 with *errstr set.
 */
int	 mp_cidr_parse(const char *, size_t, mp_ip *, mp_ip *, const char **);
/*
 * A set of ranges, each with a value.  Add ranges, build once, then find:
 * where ranges of several values overlap, the smallest value wins.
 */
struct mp_cidr;
struct mp_cidr *mp_cidr_new(void);
void	 mp_cidr_add(struct mp_cidr *, mp_ip, mp_ip, int);
/*
 * Adds the ranges of a list file (one range a line, # comments) with the
 * value.  Returns 0, or an exit status after a message naming file and
 * line: 66 when it cannot be read, 78 for a bad line.
 */
int	 mp_cidr_load(struct mp_cidr *, const char *, int);
void	 mp_cidr_build(struct mp_cidr *);
/* Disjoint ranges after build. */
size_t	 mp_cidr_count(const struct mp_cidr *);
/* The value of the range holding the address, or -1. */
int	 mp_cidr_find(const struct mp_cidr *, mp_ip);
void	 mp_cidr_free(struct mp_cidr *);

/* pat.c: many patterns, one pass (PCRE2: link with -lpcre2-8) */
struct mp_pat;
struct mp_pat *mp_pat_new(void);
/*
 * Adds a pattern with a label: a substring, matched with ASCII case
 * folding, or (regex set) a PCRE2 regular expression, caseless and
 * unanchored.  Returns the pattern's index, or -1 with the reason in err.
 */
int	 mp_pat_add(struct mp_pat *, const char *, const char *, size_t, int,
	    char *, size_t);
/*
 * Adds the patterns of a list file: "LABEL PATTERN" lines, "re:" before a
 * regular expression, # comments.  Returns 0, or an exit status after a
 * message naming file and line (66 unreadable, 78 a bad line).
 */
int	 mp_pat_load(struct mp_pat *, const char *);
/* Prepares matching; returns 0, or -1 with the reason in err. */
int	 mp_pat_build(struct mp_pat *, char *, size_t);
/*
 * The index of the first pattern added that matches the string, -1 when
 * none does, -2 when the regex engine failed (mp_pat_error says why).
 */
int	 mp_pat_match(struct mp_pat *, const char *, size_t);
const char *mp_pat_error(const struct mp_pat *);
const char *mp_pat_label(const struct mp_pat *, int);
int	 mp_pat_count(const struct mp_pat *);
void	 mp_pat_free(struct mp_pat *);

/* rate.c: events per key in fixed windows of event time */
struct mp_rate;
/* At most limit events per key in each window of width microseconds. */
struct mp_rate *mp_rate_new(long long, int64_t);
/*
 * Counts an event of the key at time t (microseconds since the epoch);
 * returns 1 while the key's count in t's window is within the limit, 0
 * over it, 2 when t's window is two or more behind the newest seen (too
 * late to count: not counted).
 */
int	 mp_rate_hit(struct mp_rate *, const void *, size_t, int64_t);
/* Counters held. */
size_t	 mp_rate_size(const struct mp_rate *);
void	 mp_rate_free(struct mp_rate *);

/*
 * keys.c: keys seen, kept as keyed 72-bit hashes with the time and run
 * they were first seen in, and their state file (libsodium: link with
 * -lsodium).  Set 0 holds keys, set 1 visitors; each has a window.
 */
#define MP_KEYS_NSET	2
#define MP_KEYS_MAXRUNID 200
#define MP_KEYS_MAXRUNS	16777215	/* runs with an id a state holds */
#define MP_TIME_NONE	INT64_MIN
enum { MP_KEYS_NEW, MP_KEYS_SEEN, MP_KEYS_LATE };
struct mp_keyinfo {
	int64_t	 first;		/* first seen, seconds; MP_TIME_NONE */
	const char *run;	/* the run that first saw it, or NULL */
};
/* A key's hash: h places it in the table, x tells apart keys of one h. */
struct mp_keyhash {
	uint64_t h;		/* the first 64 bits, never 0 */
	uint8_t	 x;		/* the next 8 */
};
struct mp_keys;
/* A store with a window (seconds, 0: none) per set and a random key. */
struct mp_keys *mp_keys_new(const int64_t *);
/*
 * Names what keys are made of (options, as text): a state written with
 * another is refused.
 */
void	 mp_keys_keying(struct mp_keys *, const char *);
/*
 * Loads a state file (none yet: a new state) and starts a run with the
 * id (or NULL), as mp-dedup(1) explains.  Returns 0, or an exit status
 * after a message: 65 a corrupt or truncated file, 66, 74, 78 a state of
 * other keys or one that holds MP_KEYS_MAXRUNS runs and would need one more.
 */
int	 mp_keys_load(struct mp_keys *, const char *, const char *);
/*
 * The keyed hash of the bytes, in a domain (one byte) of their own.  Call
 * it after mp_keys_load: a state chooses the hash function.
 */
struct mp_keyhash mp_keys_hash(const struct mp_keys *, int, const void *,
	    size_t);
/*
 * Starts fetching the table slot of a key into the cache, for the
 * mp_keys_see of it to come after other work.
 */
void	 mp_keys_prefetch(const struct mp_keys *, int, struct mp_keyhash);
/*
 * Looks a key up at event time t (seconds, or MP_TIME_NONE): returns
 * MP_KEYS_SEEN (with *ki filled) when it was seen within the window,
 * MP_KEYS_LATE when t is a window behind the newest time seen (nothing is
 * remembered), else MP_KEYS_NEW, and the key is remembered as of t.
 */
int	 mp_keys_see(struct mp_keys *, int, struct mp_keyhash, int64_t,
	    struct mp_keyinfo *);
/*
 * Writes the state file atomically, if anything changed, dropping expired
 * keys.  Returns 0, or an exit status after a message.
 */
int	 mp_keys_write(struct mp_keys *, const char *);
size_t	 mp_keys_count(const struct mp_keys *, int);
long long mp_keys_expired(const struct mp_keys *, int);
long long mp_keys_bytes(const struct mp_keys *);	/* of the state file */
long long mp_keys_memory(const struct mp_keys *);	/* of the tables */
void	 mp_keys_free(struct mp_keys *);

/*
 * chain.c: whether the stages before this one in a pipe finished.  A tool
 * whose stdout is a pipe leaves a note for its reader, locked while it
 * lives, that says at exit how it ended; a reader at the end of a pipe
 * reads its writers' notes (mp(7), The chain).
 */
enum { MP_CHAIN_WHOLE, MP_CHAIN_PART, MP_CHAIN_UNKNOWN, MP_CHAIN_FAILED };
/* Leaves the note "running" when stdout is a pipe (from mp_opt_parse). */
void	 mp_chain_start(void);
/*
 * Says that this tool's output leaves out records that an earlier run
 * delivered (mp-dedup across runs): a day must not be replaced by it.
 */
void	 mp_chain_part(const char *, ...) MP_PRINTF(1, 2);
/*
 * At the end of input fd: when it is a pipe, the verdict of its writers'
 * notes (the worst of them), with why; MP_CHAIN_WHOLE for a file.
 */
int	 mp_chain_input(int, struct mp_buf *);
/* Whether all input so far was whole and nothing left out; else why. */
int	 mp_chain_whole(const char **);
/* Why a stage before this one failed, or NULL. */
const char *mp_chain_failure(void);
/* Writes the note's end (once), before stdout closes. */
void	 mp_chain_end(int);

/* opt.c: options common to every tool */
struct mp_cfg {
	const char *rejects;	/* --rejects=FILE */
	const char *dropped;	/* --dropped=FILE */
	const char *stats;	/* --stats[=FILE]; "-" is stderr */
	const char *metrics;	/* --metrics=FILE */
	long long max_record;	/* --max-record=SIZE; 0 is 1 MiB */
	int	 progress;	/* 0 when stderr is a terminal, 1 on, -1 off */
	int	 strict;	/* -s: stop at the first reject, exit 65 */
};
/*
 * Replaces each -K FILE / --config=FILE in argv by the options the file
 * holds, in place, so that later command-line options win (the first step
 * of mp_opt_parse).
 */
void	 mp_opt_expand(int *, char ***);
/* Parses an integer in [min, max] an option gives, or exits 64. */
long long mp_opt_number(const char *, const char *, long long, long long,
	    const char *);
/* Parses the path an option gives, or exits 64 naming the option. */
void	 mp_opt_path(struct mp_path *, const char *, const char *,
	    const char *);
/*
 * Parses the field an option names for a tool to add (a name, or a path
 * ending in a name; with top, one name), or exits 64.
 */
void	 mp_opt_field(struct mp_path *, const char *, const char *, int,
	    const char *);
/* Prints the usage text to stderr and exits 64. */
void	 mp_usage(const char *) MP_NORETURN;

/* rec.c: the record loop, output, rejects, drops and counts (stats.c) */
struct mp_rec {
	const char *p;		/* the record, without its line end */
	size_t	 n;
	const char *file;	/* "-" for stdin */
	long long line;		/* 1-based */
};
struct mp_run;
/* The per-record callback: returns 0, or -1 to stop reading. */
typedef int mp_rec_fn(struct mp_run *, struct mp_rec *, void *);
/*
 * Starts a run: opens rejects, dropped and stats outputs, sets up stdout
 * and signals.
 */
struct mp_run *mp_run_new(const struct mp_cfg *);
/*
 * Reads each named file (or stdin when there are none; "-" is stdin) and
 * calls fn for each record: lines of up to max_record bytes, a CRLF line
 * end and a leading UTF-8 BOM accepted, blank lines skipped.  Longer lines
 * are rejected whole.  Returns 0, or an exit status when a file could not
 * be read.
 */
int	 mp_run_loop(struct mp_run *, int, char **, mp_rec_fn *, void *);
/*
 * A first pass: reads the inputs as mp_run_loop does, but without a word
 * (lines over the limit are skipped, nothing is counted); fn must not
 * reject, drop or emit.  The status of a file that cannot be read is
 * kept.
 */
int	 mp_run_scan(struct mp_run *, int, char **, mp_rec_fn *, void *);
/* Writes the record to stdout as it came, with a newline. */
void	 mp_emit(struct mp_run *, const struct mp_rec *);
/* Writes a line (no newline in it) to stdout as an output record. */
void	 mp_emit_line(struct mp_run *, const char *, size_t);
/*
 * Rejects the record: a line in the rejects file, or a message on stderr.
 * The reason's class (text before ": ") is counted in the stats.  With
 * --strict the loop then stops and the run ends with 65.
 */
void	 mp_reject(struct mp_run *, const struct mp_rec *, const char *, ...)
	    MP_PRINTF(3, 4);
/* Checks the record is JSON (mp_json_check); else rejects it, -1. */
int	 mp_rec_json(struct mp_run *, const struct mp_rec *);
/*
 * Reads the time at v (the value of the field named name) into *us, or
 * rejects the record (missing, null, not RFC 3339) and returns -1.
 */
int	 mp_rec_time(struct mp_run *, const struct mp_rec *,
	    const struct mp_span *, const char *, int64_t *);
/* Drops the record by a rule; reason is counted and kept with --dropped. */
void	 mp_drop(struct mp_run *, const struct mp_rec *, const char *);
/* mp_drop, with JSON members (",\"k\":v...") added to the dropped line */
void	 mp_drop_with(struct mp_run *, const struct mp_rec *, const char *,
	    const char *);
/*
 * Adds to a tool's own counter, shown in the stats (and in the metrics as
 * mp_NAME_total).
 */
void	 mp_count(struct mp_run *, const char *, long long);
/*
 * Adds to a counter in a group: the stats show the group as an object of
 * counters by name, the metrics as mp_GROUP_total{name="..."}.
 */
void	 mp_count_by(struct mp_run *, const char *, const char *, long long);
/*
 * Adds micro-units to an amount of the tool's own: the stats show it as
 * decimal text ("name":"12.5"), the metrics as the gauge mp_NAME.
 */
void	 mp_count_money(struct mp_run *, const char *, int64_t);
/*
 * Whether a run shows its progress line: asked for, or stderr a terminal,
 * text messages, and stdout not a pipe (in a pipeline the last stage
 * shows it).
 */
int	 mp_run_progress(const struct mp_cfg *);
/* Records rejected so far. */
long long mp_run_rejected(const struct mp_run *);
/*
 * Whether a tool that reads without mp_run_loop should stop: --strict
 * after a reject, or SIGINT or SIGTERM.
 */
int	 mp_run_stopped(const struct mp_run *);
/*
 * Has the loop call fn(arg) when the input has nothing to read yet, before
 * it waits: work in flight is pushed on meanwhile (NULL: none).
 */
void	 mp_run_idle(struct mp_run *, void (*)(void *), void *);
/* Whether SIGINT or SIGTERM arrived (the loop then stops). */
int	 mp_interrupted(void);
/*
 * Flushes stdout, the rejects and the dropped files (and fsyncs those that
 * are regular files), and returns the run's exit status: status if
 * non-zero, else 128+signal when interrupted, else 65 if records were
 * rejected with no rejects file or under --strict, else 0.  A tool that
 * keeps state commits it after this, only on 0.
 */
int	 mp_run_flush(struct mp_run *, int);
/*
 * Names the stats and metrics outputs before the run starts, so that a
 * failure before it still writes them (from mp_opt_parse).
 */
void	 mp_run_early(const struct mp_cfg *);
/*
 * At the end of input fd (a tool that reads without mp_run_loop): 0 when
 * it is a file or its pipe's writers finished, 75 after a message when
 * one failed, was interrupted or was killed (mp(7), The chain); the
 * records so far may go on, but nothing may be committed on them.
 */
int	 mp_run_upstream(const char *, int);
/*
 * Counts input that did not come through mp_run_loop (a tool that reads
 * from the network): records_in and bytes_in.
 */
void	 mp_run_input(struct mp_run *, long long, long long);
/* Counts output that did not go through mp_emit: records_out, bytes_out. */
void	 mp_run_output(struct mp_run *, long long, long long);
/*
 * Flushes stdout, the rejects and the dropped files (and fsyncs those that
 * are regular files) in the middle of a run: what was written is then
 * safe, before a tool moves a bookmark past it.
 */
void	 mp_run_sync(struct mp_run *);
/*
 * Ends the run: flushes (unless mp_run_flush did), writes stats and
 * metrics, and returns the exit status.
 */
int	 mp_run_end(struct mp_run *, int);

/*
 * pg.c: PostgreSQL through libpq (link with -lpq).  PGconn and PGresult
 * are libpq's struct pg_conn and struct pg_result.
 */
struct pg_conn;
struct mp_retry;
struct pg_result;
enum { MP_PG_ROW = 1, MP_PG_RETRY, MP_PG_FATAL };
/*
 * Connects with conninfo (a URI or key=value; NULL or "" leaves it to
 * libpq's PG* variables and service files, as psql), in UTF-8 and UTC,
 * dates in ISO form.  A server that cannot be reached is tried again up
 * to retries times, with backoff.  Returns the connection, or NULL after a message with *rc set:
 * 77 refused (authentication, permission), 78 a bad conninfo or no such
 * database, 69 unreachable.  Passwords never appear in messages.
 */
struct pg_conn *mp_pg_connect(const char *, int, int *);
/*
 * Starts PostgreSQL's retry policy (retry.h): tries more tries, the waits
 * from 0.1 s up to 30 s.
 */
void	 mp_pg_retry(struct mp_retry *, int);
/*
 * What a failure means: MP_PG_ROW, a row's data (SQLSTATE class 22 or 23,
 * 54000); MP_PG_RETRY, worth another try (a lost connection, 08, 40001,
 * 40P01, 57P, 53300); else MP_PG_FATAL.
 */
int	 mp_pg_class(struct pg_conn *, const struct pg_result *);
/* Whether a failure is worth another try: mp_pg_class's MP_PG_RETRY. */
int	 mp_pg_transient(struct pg_conn *, const struct pg_result *);
/* The exit status for a fatal failure: 77, 78, 70 or 69. */
int	 mp_pg_status(struct pg_conn *, const struct pg_result *);
/*
 * The failure as one line, PostgreSQL's own message, with " (column X)"
 * when COPY names the column; written into b.
 */
const char *mp_pg_error(struct pg_conn *, const struct pg_result *,
	    struct mp_buf *);
/* The line of COPY's data a failure names (1-based), or 0. */
long long mp_pg_copy_line(const struct pg_result *);
/* Appends the bytes as a double-quoted identifier. */
void	 mp_pg_ident(struct mp_buf *, const char *, size_t);
/*
 * Splits [schema.]name, each part plain (taken as written, case and all)
 * or "double-quoted"; *schema is NULL when not given.  Returns 0 or -1.
 */
int	 mp_pg_qualname(const char *, char **, char **);
/* Appends bytes in COPY's text format (backslash, tab, CR, LF escaped). */
void	 mp_pg_copy_text(struct mp_buf *, const char *, size_t);
/*
 * Takes a session advisory lock named by the text (its key is
 * hashtextextended(name, 0)).  Returns 0, or 75 after a message when
 * another session holds it, or the status of a failure.
 */
int	 mp_pg_lock(struct pg_conn *, const char *);
/*
 * A row of a query's result: ncol columns named names[i], each value's
 * text vals[i] of lens[i] bytes (vals[i] NULL for SQL NULL), the row's
 * number from 1.  Once, for a result without rows, vals is NULL and the
 * row 0: the names alone.  Returns 0 to go on, non-zero to stop.
 */
typedef int mp_pg_row_fn(void *, int, const char *const *,
	    const char *const *, const size_t *, long long);
/*
 * Runs a query (plain text, no parameters) and hands fn each row as it
 * comes (single-row mode: memory is one row), connecting *c first when it
 * is NULL (conninfo as mp_pg_connect, 3 retries).  A failure worth
 * another try (mp_pg_class) before the first row is retried 3 times with
 * backoff.  Returns 0, fn's non-zero value (the query is then abandoned
 * and *c closed and set to NULL), or an exit status after the message
 * "what: PostgreSQL's message" (mp_pg_status, or mp_pg_connect's).
 */
int	 mp_pg_rows(struct pg_conn **, const char *, const char *,
	    const char *, mp_pg_row_fn *, void *);
/*
 * Runs SQL (one or more statements, no parameters); returns 0 when it
 * succeeds, else -1.  The result (the last statement's, or the failure) is
 * left in *res when res is not NULL, else cleared.
 */
int	 mp_pg_exec(struct pg_conn *, const char *, struct pg_result **);
/*
 * A failure of setup or of a whole unit: "what: PostgreSQL's message",
 * the result cleared; returns its exit status (mp_pg_status).
 */
int	 mp_pg_fail(struct pg_conn *, struct pg_result *, const char *);
/* Ends the transaction in progress, if the session is alive and in one. */
void	 mp_pg_rollback(struct pg_conn *);
/* Closes a connection; NULL is fine. */
void	 mp_pg_close(struct pg_conn *);

/* http.c: HTTP and file:// through libcurl (link with -lcurl) */
struct mp_http_req {
	const char *method;		/* NULL: GET, or POST when body is set */
	const char *url;
	const char *const *headers;	/* "Name: value" lines, NULL-ended */
	const char *body;
	size_t	 bodylen;
	long	 timeout_ms;		/* the whole request; 0: 60 s */
	const char *userpwd;		/* "user:password" (CURLOPT_USERPWD) */
	/*
	 * Signs with AWS Signature Version 4 ("aws:amz:REGION:SERVICE", as
	 * CURLOPT_AWS_SIGV4), with userpwd as "key:secret".  The URL's path
	 * and query are then sent (and signed) as written, without dot
	 * segments removed, and no compressed encoding is asked for: the
	 * body is the bytes stored.
	 */
	const char *aws_sigv4;
	/*
	 * When set, a 2xx response's body goes to sink instead of body (status
	 * and head are set by then); sink returning non-zero aborts the
	 * transfer: -1, err "stopped".
	 */
	int	(*sink)(const char *, size_t, void *);
	void	*sinkarg;
};
/* Zeroed before first use; may be reused (its buffers are kept). */
struct mp_http_resp {
	long	 status;		/* 0 when no response came */
	struct mp_buf body;
	struct mp_buf head;		/* the final response's header lines */
	char	 err[256];		/* why there was no (whole) response */
};
/*
 * Performs one request, no retries.  Returns 0 when a whole response came
 * (any status; file:// gives 200, or 404 when the file is missing), -1
 * with err set on a transport failure: cannot connect, timeout, a body
 * shorter than its Content-Length, a broken chunked encoding, TLS.
 * Redirects are followed (10 at most); head holds the final response's
 * header lines, "Name: value\n" each.
 */
int	 mp_http_do(const struct mp_http_req *, struct mp_http_resp *);
/*
 * Performs n requests with at most max in flight at once (curl multi);
 * resp[i] and rc[i] are as mp_http_do's for req[i].
 */
void	 mp_http_do_many(const struct mp_http_req *, struct mp_http_resp *,
	    int *, int, int);
/*
 * A response header's value (the last one of that name, case-insensitive,
 * trimmed) copied into out; NULL when absent.
 */
const char *mp_http_header(const struct mp_http_resp *, const char *,
	    struct mp_buf *);
/*
 * Seconds to wait that a Retry-After value asks: delta-seconds or an
 * HTTP-date (RFC 9110: IMF-fixdate, and the obsolete RFC 850 and asctime
 * forms), relative to now; -1 when it is neither.  A date in the past is 0.
 */
double	 mp_http_retry_after(const char *, time_t);
/*
 * Appends the URL with its secrets hidden: a password in the userinfo, and
 * the values of query parameters whose names contain (case-insensitive)
 * token, key, secret, sig, password, passwd, auth, code or credential
 * become REDACTED.  Used in every message and archive that names a URL.
 */
void	 mp_http_redact(const char *, struct mp_buf *);
/* Whether a status is worth another try: 408, 429 and 5xx. */
int	 mp_http_transient(long);
/*
 * Seconds the server asks us to wait before the next try: Retry-After,
 * else the rate limit's reset header named (NULL: none) as seconds, or
 * as an epoch time when over 1e9 (X-RateLimit-Reset); -1 when neither.
 */
double	 mp_http_wait(const struct mp_http_resp *, const char *, time_t);
struct mp_retry;
/*
 * mp_http_do, tried again by the retry policy (retry.h) after a transport
 * failure or a transient status, waiting what the server asks (reset: as
 * mp_http_wait's).  Returns 0 when a response came that is not transient
 * (any other status: the caller's to judge), -1 when the policy is spent,
 * *why saying which budget ran out and resp holding the last try.
 */
int	 mp_http_do_retry(const struct mp_http_req *, struct mp_http_resp *,
	    struct mp_retry *, const char *, const char **);
void	 mp_http_resp_free(struct mp_http_resp *);

/* unpack.c: compressed files: gzip, zstd and zip (zlib, libzstd, libarchive) */
enum { MP_PACK_NONE, MP_PACK_GZIP, MP_PACK_ZSTD, MP_PACK_ZIP };
/* The compression of bytes, by their magic number; MP_PACK_NONE if none. */
int	 mp_unpack_kind(const void *, size_t);
struct mp_unpacked {
	char	*name;		/* the zip entry's name, gzip's FNAME, or "" */
	struct mp_buf data;
};
/* Zeroed, then the limits set, before first use. */
struct mp_unpack {
	size_t	 max_total;	/* bytes out, all entries; 0: 4 GiB */
	double	 max_ratio;	/* bytes out / bytes in; 0: 1000 */
	struct mp_unpacked *ent;
	int	 nent;
	char	 why[256];
};
/*
 * Decompresses a whole file held in memory into its entries, checking
 * every checksum before it returns: each gzip member's CRC-32 and size
 * (members are concatenated into one entry), each zstd frame's checksum
 * when it has one (frames concatenated), each zip entry's CRC-32 (entries
 * kept apart, in archive order; directories, __MACOSX/ and ._* entries
 * skipped; an entry whose name is absolute or holds a .. component is an
 * error, as is one encrypted).  Sizes a zip header claims are not trusted:
 * output is counted as it is made, and the run stops as soon as it passes
 * max_total or, after the first MiB, max_ratio.  Returns 0, or -1 with
 * why set ("gzip member 2: bad CRC", "truncated gzip member",
 * "zstd frame 1: checksum mismatch", "zip entry '../x': path outside
 * the archive", "over 4096 MiB unpacked", "compression ratio over 1000:
 * a zip bomb?", ...); nothing is kept on failure.  MP_PACK_NONE gives one
 * entry, the bytes as they are.  The entries of an earlier call are freed.
 */
int	 mp_unpack(struct mp_unpack *, const void *, size_t, int);
/* Frees the entries; the limits are kept. */
void	 mp_unpack_free(struct mp_unpack *);

/* csv.c: CSV (RFC 4180) and TSV files, one record at a time */
struct mp_csv {
	const char *file;	/* for messages */
	long long line;		/* the line the last record started on */
	long long nrec;		/* records read */
	/* private */
	FILE	*f;
	int	 sep, quote;	/* ',' and 1 for CSV; '\t' and 0 for TSV */
	int	 hint;		/* look for a sep= first line */
	long long next;		/* line the next read starts on */
	struct mp_buf buf;	/* field bytes, each NUL-terminated */
	struct mp_span *fld;
	int	 nfld, cap;
	unsigned char stop[256];	/* bytes that end plain field bytes */
	char	 err[128];
};
/*
 * Opens a file, "-" for stdin: CSV with RFC 4180 quotes for sep ',' or
 * any other byte (';', '|'), TSV (no quotes) for sep '\t'.  Sep 0 is
 * automatic: ',', unless the first line is exactly "sep=X" (Excel's hint;
 * X one byte, CRLF ok), which makes X the separator and is not a record.
 * A separator that is NUL, CR, LF or (with quotes) '"' is a bug (exit 70).
 * Returns 0, or 66 after a message.
 */
int	 mp_csv_open(struct mp_csv *, const char *, int);
/*
 * Reads buf[0..n) (which must outlive the reader) as mp_csv_open reads a
 * file, named name in messages: sep as there, quote 1 for RFC 4180
 * quotes, 0 for none.  Returns 0, or 70 after a message.
 */
int	 mp_csv_open_mem(struct mp_csv *, const char *, const char *, size_t,
	    int, int);
/*
 * Reads the next record: returns its number of fields (*f points at them,
 * valid until the next call), 0 at the end, or -1 with mp_csv_error()
 * saying why ("unterminated quote", "bare quote in an unquoted field",
 * "text after a closing quote", "NUL byte", "line too long", or a read
 * error).  Blank lines are skipped.
 */
int	 mp_csv_next(struct mp_csv *, struct mp_span **);
/* Why mp_csv_next failed ("" when it has not). */
const char *mp_csv_error(const struct mp_csv *);
/* Frees the reader and closes the file (never stdin). */
void	 mp_csv_close(struct mp_csv *);
/*
 * The length of Excel's "sep=X" line (its line end too) at the start of
 * s[0..n), or 0 when s does not start with one; at_end says the input
 * ends at n; quote as mp_csv_open_mem.
 */
size_t	 mp_csv_hintlen(const char *, size_t, int, int);

/* text.c: text in the encodings report files come in, as UTF-8 (iconv) */
/*
 * Converts text into UTF-8: encoding is "utf-8", "utf-16le", "utf-16be",
 * "windows-1252", "iso-8859-1" (names as iconv knows them, any case), or
 * NULL to tell by the byte order mark (UTF-8, UTF-16LE, UTF-16BE; none:
 * UTF-8).  A BOM is dropped.  Bytes invalid in the encoding are an error
 * naming the line (1-based, counted in the output) and the byte offset in
 * the input: never replaced, never guessed.  Returns 0, or -1 with why.
 *
 * The output is appended to out (left as it was on an error), why
 * replaces err's contents: "line 3, byte offset 41: ...".  "utf-16" takes
 * its order from a BOM and fails without one; a BOM that contradicts the
 * encoding (a UTF-8 one in windows-1252, UTF-16BE's in utf-16le) fails.
 */
int	 mp_text_utf8(const char *, size_t, const char *, struct mp_buf *,
	    struct mp_buf *);

/* table.c: rows found by key, in memory; rows are numbered from 0 */
enum { MP_TABLE_ERROR, MP_TABLE_FIRST, MP_TABLE_LAST };
struct mp_table;
struct mp_table *mp_table_new(void);
/*
 * Adds a row: key and value bytes, and its line (or row number) for
 * messages.  Returns the row's number; when a row of the key is there
 * already, *old is its number (else -1) and, unless how is MP_TABLE_LAST
 * (the new row takes its place), nothing is added and -1 returned.
 */
long	 mp_table_add(struct mp_table *, const void *, size_t, const void *,
	    size_t, long long, int, long *);
/* The row of a key, or -1. */
long	 mp_table_find(const struct mp_table *, const void *, size_t);
const char *mp_table_val(const struct mp_table *, long, size_t *);
const char *mp_table_key(const struct mp_table *, long, size_t *);
long long mp_table_line(const struct mp_table *, long);
size_t	 mp_table_count(const struct mp_table *);	/* keys */
size_t	 mp_table_rows(const struct mp_table *);	/* rows added */
size_t	 mp_table_memory(const struct mp_table *);	/* bytes in use */
/* Forgets every row, keeping the memory. */
void	 mp_table_clear(struct mp_table *);
void	 mp_table_free(struct mp_table *);

/*
 * totals.c: exact amounts by key, for comparing two sides (mp-reconcile);
 * memory is the keys.  A side's source is an NDJSON file ("-": stdin), a
 * CSV or TSV file with a header line (by a name ending in .csv or .tsv),
 * or "pg:SELECT ..." (a query through pg.c: link with -lpq).
 */
struct mp_totals;
/* Totals of keys of nkey values; with sum, a key met twice adds up. */
struct mp_totals *mp_totals_new(int, int);
/*
 * Reads a source into side 0 or 1: key[] and amt name the fields (top
 * level) or columns; label names a query's rows in messages
 * ("pg:LABEL:ROW") and its failures.  Key values are strings or integers
 * (their text), NUL bytes and all; amounts are decimal numbers or strings
 * of at most 6 places (zeros past them are fine), NULL or out of range
 * or not a decimal rejected, as is a key met twice without sum (naming
 * where it was first) and a row missing a key or the amount: each record
 * through mp_reject (CSV and query rows as a JSON object of their
 * columns), so the run counts them.  Returns 0, or an exit status after
 * a message: 66 a file that cannot be opened, 65 a CSV that cannot be
 * read on or a named column that is not there, the statuses of
 * mp_pg_rows.
 */
int	 mp_totals_read(struct mp_run *, struct mp_totals *, int,
	    const char *, const char *, char **, const char *, const char *);
/* Keys read, both sides. */
size_t	 mp_totals_count(const struct mp_totals *);
/* Orders the keys: their values one by one, as bytes. */
void	 mp_totals_sort(struct mp_totals *);
/*
 * The i-th key (in order once sorted): its values decoded into b, v[k]
 * pointing into it; each side's amount and whether the side has the key.
 * Returns 1, or 0 past the end.
 */
int	 mp_totals_get(const struct mp_totals *, size_t, struct mp_buf *,
	    struct mp_span *, int64_t *, int *);
void	 mp_totals_free(struct mp_totals *);

/*
 * jq.c: jq programs over records (libjq: link with -ljq).  No jv value
 * crosses into the rest of libmp: records go in as text, results come out
 * as text.
 */
struct mp_jq;
/* Compiles a program; NULL with jq's message in err when it does not. */
struct mp_jq *mp_jq_new(const char *, struct mp_buf *);
/*
 * Runs the program on a record (checked JSON text; seq numbers records,
 * so that a record is parsed once for all programs) and writes its first
 * output into out as key text: a string's characters, other values as jq
 * prints them.  Returns 1, 0 when the output is null or there is none,
 * or -1 with jq's error message in out.
 */
int	 mp_jq_first(struct mp_jq *, const char *, size_t, long long,
	    struct mp_buf *);
/*
 * Runs the program on a JSON text and calls fn with each output as
 * compact JSON (numbers as jq prints them) until fn returns non-zero.
 * Returns 0, fn's value, or -1 with the reason (the text is not JSON, or
 * jq's error) in err.
 */
int	 mp_jq_each(struct mp_jq *, const char *, size_t,
	    int (*)(void *, const char *, size_t), void *, struct mp_buf *);
/*
 * Runs a program that makes one record of another (checked JSON text).
 * Returns 0 with the output, a JSON object, as compact JSON in out; or -1
 * with the reason in out: no output, more than one, an output that is
 * not an object (null included), jq's error, or a number that jq's
 * doubles do not hold exactly (more than 15 significant digits), in the
 * record or in the output (0.1 + 0.2): never rounded silently.  So an
 * integer (cents) of the record divided by a power of 10 is exact.
 */
int	 mp_jq_map(struct mp_jq *, const char *, size_t, struct mp_buf *);
void	 mp_jq_free(struct mp_jq *);

/* schema.c: event schemas, mp-schema(5) */
enum mp_ftype {
	MP_F_STRING, MP_F_INTEGER, MP_F_NUMBER, MP_F_BOOLEAN, MP_F_OBJECT,
	MP_F_ARRAY, MP_F_TIME, MP_F_MONEY, MP_F_ENUM
};
struct mp_field {
	struct mp_path path;
	enum mp_ftype type;
	int	 required;
	long long max;		/* maximum length in characters; 0 none */
	long long min;		/* minimum length in characters; 0 none */
	int	 nonblank;	/* a string of more than white space */
	char	**enums;	/* enum values */
	int	 nenum;
	char	*column;	/* column name for mp-load */
};
struct mp_schema {
	char	*name;		/* file name without .schema */
	char	*file;
	struct mp_field *field;
	int	 nfield;
	char	**key;		/* key columns for mp-load */
	int	 nkey;
	struct mp_query *query;
	struct mp_span *vals;	/* scratch for the query */
};
/* Loads a schema file; returns NULL after a message naming file and line. */
struct mp_schema *mp_schema_load(const char *);
/*
 * Checks a record against the schema; returns 0, or -1 with the reason
 * written to why.
 */
int	 mp_schema_check(struct mp_schema *, const char *, size_t,
	    struct mp_buf *);
void	 mp_schema_free(struct mp_schema *);
/* The SQL type mp-load gives a field type. */
const char *mp_schema_sqltype(enum mp_ftype);
const char *mp_schema_typename(enum mp_ftype);

/* md5.c: RFC 1321 MD5, for S3's Content-MD5 and ETags (not for security) */
struct mp_md5 {
	uint32_t s[4];
	uint64_t n;			/* bytes hashed */
	unsigned char buf[64];
};
void	 mp_md5_init(struct mp_md5 *);
void	 mp_md5_update(struct mp_md5 *, const void *, size_t);
void	 mp_md5_final(struct mp_md5 *, unsigned char[16]);
void	 mp_md5(const void *, size_t, unsigned char[16]);

/*
 * s3.c: S3-compatible storage through libcurl's SigV4 (link with -lcurl
 * -lsodium).  The strings of struct mp_s3 are allocated: mp_s3_free frees
 * them.  Fields left 0 or NULL take their defaults in mp_s3_setup.
 */
enum { MP_S3_AUTO, MP_S3_PATH, MP_S3_VIRTUAL };
struct mp_s3 {
	char	*endpoint;	/* "http[s]://host[:port]"; NULL:
				   AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL,
				   else https://s3.REGION.amazonaws.com */
	char	*region;	/* NULL: AWS_REGION, AWS_DEFAULT_REGION,
				   us-east-1 */
	char	*akid, *secret, *token;	/* NULL: AWS_ACCESS_KEY_ID,
				   AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN */
	int	 style;		/* MP_S3_AUTO: virtual-hosted for AWS's own
				   endpoint (when the bucket's name can be a
				   host's), path-style for any other */
	int	 retries;	/* tries after the first; 0: 5, -1: none */
	double	 retry_max;	/* seconds spent retrying one request; 0: 300 */
	long long part_size;	/* multipart above this; parts of this size
				   (more when 10000 would not do); 0: 8 MiB,
				   at least 5 MiB, at most 5 GiB */
	int	 max_keys;	/* keys a listing page asks for; 0: the
				   server's (1000) */
	char	 err[512];	/* why the last call failed (no secrets) */
};
/*
 * Splits "s3://bucket/key/prefix" into bucket and key (allocated; the key
 * may be "", and is taken as written: no percent-decoding).  Returns 0, or
 * -1 when it is not s3:// or the bucket name is empty, longer than 255
 * bytes, or holds a byte other than letters, digits, '.', '-' and '_'.
 */
int	 mp_s3_parse(const char *, char **, char **);
/* As mp_s3_parse, the key a folder: "" or ending in '/'. */
int	 mp_s3_parse_folder(const char *, char **, char **);
/*
 * Reads "--s3-credentials=FILE": lines KEY=VALUE (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; other names are ignored; '#'
 * and ';' comments, values in single or double quotes, an "export "
 * prefix tolerated), the format of systemd's EnvironmentFile.  What the
 * file sets replaces what was set.  Returns 0, or an exit status after a
 * message naming file and line, never a value: 66 when the file cannot
 * be read, 78 a bad line.
 */
int	 mp_s3_credentials(struct mp_s3 *, const char *);
/*
 * Fills what is unset from the environment and defaults.  Returns 0, or
 * 78 after a message (err set too) when there are no credentials, the
 * endpoint is not an http(s) URL, or a setting is out of range.
 */
int	 mp_s3_setup(struct mp_s3 *);
/*
 * Uploads the file at path to bucket/key: one PUT when it is at most
 * part_size, else a multipart upload (parts read one at a time: memory is
 * one part).  Every request carries x-amz-content-sha256 (the SHA-256 of
 * its body; of "" for requests without one) and, with a body,
 * Content-MD5; the upload is confirmed when each ETag the server returns
 * equals the MD5 of what was sent and, for multipart, the completed
 * object's ETag is either the MD5 of the whole or AWS's MD5 of the parts'
 * MD5s with "-N", and a HEAD gives the same size.  A failed multipart
 * upload is aborted (best effort).
 *
 * Retries: connection failures, timeouts, 5xx, 429, 408, SlowDown,
 * RequestTimeout, an ETag mismatch, on the retry policy (retry.h: full
 * jitter from 0.5 s, capped at 30 s), up to retries and retry_max
 * seconds (tries and waits); each retry warns once,
 * "s3: s3://bucket/key: what: why; retrying in 0.4s".  Returns 0, or an
 * exit status with err set: 69 (unreachable, 5xx after the retries), 77
 * (403, InvalidAccessKeyId, SignatureDoesNotMatch), 78 (other 4xx, e.g.
 * NoSuchBucket; a bad bucket name, an empty key), 66 / 74 (the local file
 * cannot be read).
 */
int	 mp_s3_put_file(struct mp_s3 *, const char *, const char *,
	    const char *);
/*
 * Lists the objects under prefix (ListObjectsV2, every page), in key
 * order, calling fn(key, size, arg) for each; fn returning non-zero stops
 * the listing and is returned.  Same errors as above.
 */
int	 mp_s3_list(struct mp_s3 *, const char *, const char *,
	    int (*)(const char *, long long, void *), void *);
/*
 * Streams the object's bytes to fn (fn returns 0, or non-zero to stop,
 * which is returned).  A transfer that breaks after some bytes were
 * delivered is resumed with a Range request from the next byte (with
 * If-Match on the first response's ETag, so that a replaced object is not
 * spliced: 75 when it was); before any byte, simply retried.  A try that
 * delivered bytes starts the count of retries again.  Each byte reaches
 * fn once.  Same errors as above (404 NoSuchKey is 78).
 */
int	 mp_s3_get(struct mp_s3 *, const char *, const char *,
	    int (*)(const void *, size_t, void *), void *);
void	 mp_s3_free(struct mp_s3 *);

/* s3opt.c: the --s3-* options of mp-archive and mp-fetch */
/*
 * The same options as entries of an option table (opt.h), with their
 * help: MP_S3_OPT_TABLE(&s3) in a tool's table gives all six, each a CALL
 * whose ctx is the struct mp_s3.  A credentials file named in an option
 * file is relative to it.
 */
int	 mp_s3_opt_endpoint(void *, const char *, const char **);
int	 mp_s3_opt_region(void *, const char *, const char **);
int	 mp_s3_opt_addressing(void *, const char *, const char **);
int	 mp_s3_opt_credentials(void *, const char *, const char **);
int	 mp_s3_opt_part_size(void *, const char *, const char **);
int	 mp_s3_opt_retries(void *, const char *, const char **);
#define MP_S3_OPT_TABLE(s3) \
	MP_OPT_FN("s3-endpoint", 0, "url", mp_s3_opt_endpoint, (s3), \
	    "the S3 server (AWS_ENDPOINT_URL_S3, AWS's)"), \
	MP_OPT_FN("s3-region", 0, "name", mp_s3_opt_region, (s3), \
	    "the region signed for (AWS_REGION, us-east-1)"), \
	MP_OPT_FN("s3-addressing", 0, "path|virtual", \
	    mp_s3_opt_addressing, (s3), \
	    "the bucket in the URL's path or host name"), \
	MP_OPT_FN("s3-credentials", 0, "file", mp_s3_opt_credentials, \
	    (s3), "read the AWS_* keys from file"), \
	MP_OPT_FN("s3-part-size", 0, "size", mp_s3_opt_part_size, \
	    (s3), "upload in parts of size above it (8M)"), \
	MP_OPT_FN("s3-retries", 0, "n", mp_s3_opt_retries, (s3), \
	    "retries of a failed request (5)")

/*
 * Topics with their own header.  A new topic file adds its header here, one
 * line, so that a tool still includes only mp.h.
 */
#include "opt.h"
#include "retry.h"
#include "varint.h"
#include "pglookup.h"
#include "lookup.h"
#include "spend.h"
#include "fx.h"
#include "twopass.h"
#include "zst.h"
#include "stats.h"
#include "query.h"
#include "lock.h"
#include "afile.h"
#include "csvrec.h"
#include "zfile.h"
#include "url.h"
#include "xml.h"
#include "envfile.h"
#include "secret.h"
#include "statedir.h"
#include "digest.h"
#include "oauth2.h"
#include "window.h"
#include "decode.h"
#include "rawarc.h"
#include "bookmark.h"
#include "s3cat.h"
#include "fetch.h"
#include "pgtable.h"
#include "pgload.h"
#include "pgcopy.h"
#include "pgday.h"
#include "pipe.h"
#include "keymat.h"

#endif
