/*
 * pat.c: many patterns matched against one string in one pass.
 *
 * Substrings (ASCII case folded) go into one Aho-Corasick automaton,
 * stored as a full transition table over byte classes: bytes that occur
 * in no pattern share class 0, so the table stays small and a step is one
 * load.  A regular expression (PCRE2, ASCII caseless) runs only when the
 * same pass saw a literal it cannot match without (its longest plain
 * run, per top-level alternative), so a user agent pays for the few
 * regexes whose words it holds, not for every regex in the list.  The
 * answer is the first pattern added that matches: the order of a list is
 * its priority.
 *
 * Traffic repeats its user agents: the last answers are kept by the
 * string, so a user agent seen a moment ago costs a hash and a compare.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <errno.h>
#include <limits.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mp.h"

#define NONE	INT_MAX
#define MEMOS	1024		/* answers kept, by the string's hash */
#define MEMOLEN	248		/* the longest string kept */

/* an answer kept: the string and what mp_pat_match returned for it */
struct memo {
	uint32_t n;		/* 0: empty */
	int	 answer;
	char	 s[MEMOLEN];
};

/* a word of the automaton: a substring pattern, or a regex's trigger */
struct lit {
	char	*s;
	size_t	 n;
	int	 idx;		/* substring: its pattern index */
	int	 rx;		/* trigger: its regex, else -1 */
};

struct rx {
	pcre2_code *re;
	int	 idx;		/* pattern index */
	int	 always;	/* no literal to wait for: runs every time */
	unsigned stamp;		/* candidate in the match of this number */
};

struct mp_pat {
	char	**label;		/* per pattern */
	int	 n;
	struct lit *lit;
	int	 nlit;
	struct rx *rx;
	int	 nrx;
	/* the automaton */
	unsigned char cls[256];
	int	 ncls;
	int	*delta;			/* state * ncls + class: the next
					   state's row, ~row when it is hot */
	int	*out;			/* first pattern ending here, or NONE */
	int	*fail;
	int	*trig;			/* this state or the nearest on its
					   fail chain with triggers, or 0 */
	int	*thead, *tnext, *trx;	/* the triggers ending at a state */
	int	 nstate;
	struct memo *memo;	/* MEMOS of them */
	/* regexes */
	pcre2_match_data *md;
	pcre2_jit_stack *js;
	pcre2_match_context *mc;
	int	*cand;
	int	*always;		/* the regexes that always run */
	int	 nalways;
	unsigned stamp;
	char	 err[160];
};

struct mp_pat *
mp_pat_new(void)
{
	return xcalloc(1, sizeof(struct mp_pat));
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static void
addlit(struct mp_pat *p, const char *s, size_t n, int idx, int rx)
{
	size_t i;

	if ((p->nlit & (p->nlit - 1)) == 0)	/* doubles at powers of 2 */
		p->lit = xrealloc(p->lit, (p->nlit ? 2 * p->nlit : 1) *
		    sizeof *p->lit);
	p->lit[p->nlit].s = xmalloc(n);
	for (i = 0; i < n; i++)
		p->lit[p->nlit].s[i] = lower((unsigned char)s[i]);
	p->lit[p->nlit].n = n;
	p->lit[p->nlit].idx = idx;
	p->lit[p->nlit++].rx = rx;
}

/* The last byte of a POSIX class [:name:] at s[i], or i when none is. */
static size_t
posix_class(const char *s, size_t n, size_t i)
{
	size_t j = i + 2;

	if (j < n && s[j] == '^')
		j++;
	while (j < n && s[j] >= 'a' && s[j] <= 'z')
		j++;
	return j + 1 < n && s[j] == ':' && s[j + 1] == ']' ? j + 1 : i;
}

/* The end of the group or class that starts at s[i], or n. */
static size_t
skip_group(const char *s, size_t n, size_t i)
{
	int depth = 0;

	for (; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '[') {
			i++;
			if (i < n && s[i] == '^')
				i++;
			if (i < n && s[i] == ']')
				i++;
			for (; i < n && s[i] != ']'; i++)
				if (s[i] == '\\')
					i++;
				else if (s[i] == '[' && i + 1 < n &&
				    s[i + 1] == ':')
					i = posix_class(s, n, i);
			if (depth == 0)
				return i;
		} else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i;
	}
	return n;
}

/*
 * After a token ending at s[i-1]: skips a quantifier; returns 0 when there
 * is none, 1 when the token must occur at least once, 2 when it may not.
 */
static int
quant(const char *s, size_t n, size_t *ip)
{
	size_t i = *ip;
	int r;

	if (i >= n)
		return 0;
	if (s[i] == '?' || s[i] == '*')
		r = 2;
	else if (s[i] == '+')
		r = 1;
	else if (s[i] == '{' && i + 1 < n && s[i + 1] >= '0' &&
	    s[i + 1] <= '9') {
		/* {0}, {00,3}: the minimum is what counts */
		for (r = 2, i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (s[i] != '0')
				r = 1;
		while (i < n && s[i] != '}')
			i++;
	} else
		return 0;
	i++;
	if (i < n && (s[i] == '?' || s[i] == '+'))
		i++;			/* lazy, possessive */
	*ip = i;
	return r;
}

/*
 * The longest run of plain characters that every match of the regex
 * alternative s[0..n) contains; *len 0 when there is none.  Conservative:
 * groups, classes and anything unusual end a run.
 */
static const char *
literal(const char *s, size_t n, size_t *len)
{
	static char run[256], best[256];
	size_t i = 0, nrun = 0, nbest = 0;
	int c, q;

#define FLUSH() do { \
		if (nrun > nbest) { \
			memcpy(best, run, nrun); \
			nbest = nrun; \
		} \
		nrun = 0; \
	} while (0)
	while (i < n) {
		c = (unsigned char)s[i];
		if (c == '\\' && i + 1 < n) {
			c = (unsigned char)s[i + 1];
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9')) {
				if (!strchr("bBdDwWsShHvVRNAzZG", c))
					break;	/* \x41, \Q, \1: give up */
				FLUSH();
				i += 2;
				quant(s, n, &i);
				continue;
			}
			i += 2;
		} else if (c == '[' || c == '(') {
			FLUSH();
			i = skip_group(s, n, i) + 1;
			quant(s, n, &i);
			continue;
		} else if (c == '.' || c == '^' || c == '$') {
			FLUSH();
			i++;
			quant(s, n, &i);
			continue;
		} else if (strchr("*+?{|)", c))
			break;
		else
			i++;
		q = quant(s, n, &i);
		if (q == 2) {
			FLUSH();
			continue;
		}
		if (nrun < sizeof run)
			run[nrun++] = c;
		if (q == 1)
			FLUSH();
	}
	FLUSH();
#undef FLUSH
	*len = nbest;
	return best;
}

/* Whether an option setting such as (?x) or (?ix: turns on free spacing. */
static int
freespacing(const char *s, size_t n)
{
	const char *q = s, *e = s + n;

	while ((q = memmem(q, e - q, "(?", 2)) != NULL) {
		for (q += 2; q < e && ((*q >= 'a' && *q <= 'z') ||
		    (*q >= 'A' && *q <= 'Z') || *q == '-' || *q == '^'); q++)
			if (*q == 'x')
				return 1;
	}
	return 0;
}

/* Registers the literals a regex waits for; 0 when it has none. */
static int
triggers(struct mp_pat *p, const char *s, size_t n, int rx)
{
	size_t i, start = 0, len;
	const char *lit;
	int nlit0 = p->nlit;

	/*
	 * Free spacing, verbs, quoting, comments, \c (which takes any next
	 * character): read no literal.
	 */
	if (freespacing(s, n) || memmem(s, n, "(*", 2) ||
	    memmem(s, n, "\\Q", 2) || memmem(s, n, "\\E", 2) ||
	    memmem(s, n, "(?#", 3) || memmem(s, n, "\\c", 2))
		return 0;
	for (i = 0; i <= n; i++) {
		if (i < n && s[i] == '\\') {
			i++;
			continue;
		}
		if (i < n && (s[i] == '(' || s[i] == '[')) {
			i = skip_group(s, n, i);
			continue;
		}
		if (i < n && s[i] != '|')
			continue;
		lit = literal(s + start, i - start, &len);
		if (len == 0) {
			/* one alternative without: the regex always runs */
			while (p->nlit > nlit0)
				free(p->lit[--p->nlit].s);
			return 0;
		}
		addlit(p, lit, len, NONE, rx);
		start = i + 1;
	}
	return 1;
}

int
mp_pat_add(struct mp_pat *p, const char *label, const char *s, size_t n,
    int regex, char *err, size_t errsz)
{
	PCRE2_UCHAR msg[120];
	PCRE2_SIZE off;
	pcre2_code *re;
	int ec;

	if (n == 0) {
		snprintf(err, errsz, "empty pattern");
		return -1;
	}
	if (regex) {
		re = pcre2_compile((PCRE2_SPTR)s, n, PCRE2_CASELESS, &ec, &off,
		    NULL);
		if (re == NULL) {
			pcre2_get_error_message(ec, msg, sizeof msg);
			snprintf(err, errsz, "regular expression '%.*s': %s "
			    "at offset %zu", (int)n, s, (char *)msg,
			    (size_t)off);
			return -1;
		}
		pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
		if ((p->nrx & (p->nrx - 1)) == 0)
			p->rx = xrealloc(p->rx, (p->nrx ? 2 * p->nrx : 1) *
			    sizeof *p->rx);
		p->rx[p->nrx].re = re;
		p->rx[p->nrx].idx = p->n;
		p->rx[p->nrx].stamp = 0;
		p->rx[p->nrx].always = !triggers(p, s, n, p->nrx);
		p->nrx++;
	} else
		addlit(p, s, n, p->n, -1);
	if ((p->n & (p->n - 1)) == 0)
		p->label = xrealloc(p->label, (p->n ? 2 * p->n : 1) *
		    sizeof *p->label);
	p->label[p->n] = xstrdup(label);
	return p->n++;
}

static int
label_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') ||
	    (s[0] >= '0' && s[0] <= '9')))
		return 0;
	for (i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

int
mp_pat_load(struct mp_pat *p, const char *file)
{
	struct mp_lines l;
	char *s, *lab, err[300];
	size_t nlab;
	int rc, regex;

	if ((rc = mp_lines_open(&l, file)) != 0)
		return rc;
	while ((s = mp_lines_next(&l, &rc)) != NULL) {
		for (lab = s; *s && *s != ' ' && *s != '\t'; s++)
			;
		nlab = s - lab;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!label_ok(lab, nlab)) {
			mp_warnat(file, l.line, "bad family '%.*s' (want "
			    "[a-z0-9][a-z0-9._-]*, at most 64 characters)",
			    (int)nlab, lab);
			rc = MP_EX_CONFIG;
			break;
		}
		lab[nlab] = '\0';
		if ((regex = strncmp(s, "re:", 3) == 0))
			s += 3;
		if (mp_pat_add(p, lab, s, strlen(s), regex, err, sizeof err) <
		    0) {
			mp_warnat(file, l.line, "%s", err);
			rc = MP_EX_CONFIG;
			break;
		}
	}
	mp_lines_close(&l);
	return rc;
}

/* Transition cells at most: 1 GiB of table. */
#define MAXCELLS	((size_t)1 << 28)

static int
build_automaton(struct mp_pat *p, char *err, size_t errsz)
{
	int *queue, *child, i, c, st, t, qh = 0, qt = 0, cap;
	size_t k, total;

	/* byte classes: one per folded byte any word uses */
	p->ncls = 1;
	for (i = 0; i < p->nlit; i++)
		for (k = 0; k < p->lit[i].n; k++) {
			c = (unsigned char)p->lit[i].s[k];
			if (p->cls[c] == 0) {
				p->cls[c] = p->ncls;
				if (c >= 'a' && c <= 'z')
					p->cls[c - 32] = p->ncls;
				p->ncls++;
			}
		}
	total = 1;
	for (i = 0; i < p->nlit; i++)
		total += p->lit[i].n;
	if (total > INT_MAX / 2 || total * p->ncls > MAXCELLS) {
		snprintf(err, errsz, "the patterns are too many for one "
		    "automaton: %zu bytes of substrings over %d distinct "
		    "bytes", total, p->ncls);
		return -1;
	}
	cap = total;
	/* the trie: child[state * ncls + class], 0 for none */
	child = xcalloc((size_t)cap * p->ncls, sizeof *child);
	p->out = xmalloc(cap * sizeof *p->out);
	p->thead = xmalloc(cap * sizeof *p->thead);
	p->tnext = xmalloc((p->nlit + 1) * sizeof *p->tnext);
	p->trx = xmalloc((p->nlit + 1) * sizeof *p->trx);
	p->out[0] = NONE;
	p->thead[0] = -1;
	p->nstate = 1;
	for (i = 0; i < p->nlit; i++) {
		st = 0;
		for (k = 0; k < p->lit[i].n; k++) {
			c = p->cls[(unsigned char)p->lit[i].s[k]];
			if ((t = child[(size_t)st * p->ncls + c]) == 0) {
				t = p->nstate++;
				child[(size_t)st * p->ncls + c] = t;
				p->out[t] = NONE;
				p->thead[t] = -1;
			}
			st = t;
		}
		if (p->lit[i].rx >= 0) {
			p->trx[i] = p->lit[i].rx;
			p->tnext[i] = p->thead[st];
			p->thead[st] = i;
		} else if (p->lit[i].idx < p->out[st])
			p->out[st] = p->lit[i].idx;
	}
	/* breadth first: fail links, then the full transition table */
	p->fail = xcalloc(p->nstate, sizeof *p->fail);
	p->trig = xcalloc(p->nstate, sizeof *p->trig);
	queue = xmalloc(p->nstate * sizeof *queue);
	p->delta = child;
	for (c = 0; c < p->ncls; c++)
		if ((t = child[c]) != 0)
			queue[qt++] = t;
	while (qh < qt) {
		st = queue[qh++];
		if (p->out[p->fail[st]] < p->out[st])
			p->out[st] = p->out[p->fail[st]];
		p->trig[st] = p->thead[st] >= 0 ? st : p->trig[p->fail[st]];
		for (c = 0; c < p->ncls; c++) {
			t = child[(size_t)st * p->ncls + c];
			if (t != 0) {
				p->fail[t] = p->delta[(size_t)p->fail[st] * p->ncls + c];
				queue[qt++] = t;
			} else
				p->delta[(size_t)st * p->ncls + c] =
				    p->delta[(size_t)p->fail[st] * p->ncls + c];
		}
	}
	free(queue);
	/*
	 * Rows instead of states, and a state where something ends marked
	 * by a negative row: a step is one load and one sign test.
	 */
	for (i = 0; i < p->nstate * p->ncls; i++) {
		t = p->delta[i];
		p->delta[i] = p->out[t] != NONE || p->trig[t] != 0 ?
		    ~(t * p->ncls) : t * p->ncls;
	}
	return 0;
}

int
mp_pat_build(struct mp_pat *p, char *err, size_t errsz)
{
	int i;

	if (build_automaton(p, err, errsz) < 0)
		return -1;
	if (p->nrx == 0)
		return 0;
	p->md = pcre2_match_data_create(1, NULL);
	p->mc = pcre2_match_context_create(NULL);
	p->js = pcre2_jit_stack_create(32 * 1024, 1024 * 1024, NULL);
	pcre2_jit_stack_assign(p->mc, NULL, p->js);
	p->cand = xmalloc(p->nrx * sizeof *p->cand);
	p->always = xmalloc(p->nrx * sizeof *p->always);
	for (i = 0; i < p->nrx; i++)
		if (p->rx[i].always)
			p->always[p->nalways++] = i;
	return 0;
}

static int
cmpint(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int
match(struct mp_pat *p, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s, *e = u + n;
	const int *delta = p->delta, *out = p->out, *trig = p->trig;
	const unsigned char *cls = p->cls;
	int row = 0, st, best = NONE, ncls = p->ncls, nc = 0, i, t, k, r, rc;

	if (++p->stamp == 0)
		for (p->stamp = 1, i = 0; i < p->nrx; i++)
			p->rx[i].stamp = 0;
	for (i = 0; i < p->nalways; i++) {
		p->rx[p->always[i]].stamp = p->stamp;
		p->cand[nc++] = p->always[i];
	}
	for (; u < e; u++) {
		if ((row = delta[row + cls[*u]]) >= 0)
			continue;
		row = ~row;
		st = row / ncls;
		if (out[st] < best)
			best = out[st];
		for (t = trig[st]; t != 0; t = trig[p->fail[t]])
			for (k = p->thead[t]; k >= 0; k = p->tnext[k]) {
				r = p->trx[k];
				if (p->rx[r].stamp != p->stamp) {
					p->rx[r].stamp = p->stamp;
					p->cand[nc++] = r;
				}
			}
	}
	/* regexes in list order, while one could still come first */
	if (nc > 1)
		qsort(p->cand, nc, sizeof *p->cand, cmpint);
	for (i = 0; i < nc && p->rx[p->cand[i]].idx < best; i++) {
		rc = pcre2_match(p->rx[p->cand[i]].re, (PCRE2_SPTR)s, n, 0, 0,
		    p->md, p->mc);
		if (rc >= 0) {
			best = p->rx[p->cand[i]].idx;
			break;
		}
		if (rc != PCRE2_ERROR_NOMATCH) {
			pcre2_get_error_message(rc, (PCRE2_UCHAR *)p->err,
			    sizeof p->err);
			return -2;
		}
	}
	return best == NONE ? -1 : best;
}

/* Eight bytes at a time: the memo's slot, not a defence against anyone. */
static size_t
memo_slot(const char *s, size_t n)
{
	uint64_t h = n * 0x9e3779b97f4a7c15ull, w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	if (n > 0) {
		w = 0;
		memcpy(&w, s, n);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return (h ^ h >> 29) & (MEMOS - 1);
}

int
mp_pat_match(struct mp_pat *p, const char *s, size_t n)
{
	struct memo *m;
	int answer;

	if (n == 0 || n > MEMOLEN)
		return match(p, s, n);
	if (p->memo == NULL)
		p->memo = xcalloc(MEMOS, sizeof *p->memo);
	m = &p->memo[memo_slot(s, n)];
	if (m->n == n && memcmp(m->s, s, n) == 0)
		return m->answer;
	if ((answer = match(p, s, n)) != -2) {
		m->n = n;
		m->answer = answer;
		memcpy(m->s, s, n);
	}
	return answer;
}

const char *
mp_pat_error(const struct mp_pat *p)
{
	return p->err;
}

const char *
mp_pat_label(const struct mp_pat *p, int i)
{
	return p->label[i];
}

int
mp_pat_count(const struct mp_pat *p)
{
	return p->n;
}

void
mp_pat_free(struct mp_pat *p)
{
	int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		free(p->label[i]);
	for (i = 0; i < p->nlit; i++)
		free(p->lit[i].s);
	for (i = 0; i < p->nrx; i++)
		pcre2_code_free(p->rx[i].re);
	free(p->label);
	free(p->lit);
	free(p->rx);
	free(p->delta);
	free(p->out);
	free(p->fail);
	free(p->trig);
	free(p->thead);
	free(p->tnext);
	free(p->trx);
	free(p->cand);
	free(p->always);
	free(p->memo);
	pcre2_match_data_free(p->md);
	pcre2_match_context_free(p->mc);
	pcre2_jit_stack_free(p->js);
	free(p);
}
