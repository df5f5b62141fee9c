/*
 * jq.c: jq programs over records, through libjq (link with -ljq).  A
 * record is parsed once however many programs read it.
 */
#include <stdlib.h>
#include <string.h>

#include <jq.h>

#include "mp.h"

struct mp_jq {
	jq_state *jq;
	struct mp_buf err;
};

/* The record last parsed, by the caller's sequence number. */
static jv cur;
static long long curseq = -1;
static int have;

static void
errcb(void *data, jv msg)
{
	struct mp_buf *b = data;

	if (jv_get_kind(msg) == JV_KIND_STRING && b->len == 0)
		mp_buf_adds(b, jv_string_value(msg));
	jv_free(msg);
}

struct mp_jq *
mp_jq_new(const char *prog, struct mp_buf *err)
{
	struct mp_jq *q = xcalloc(1, sizeof *q);

	if ((q->jq = jq_init()) == NULL)
		mp_errx(MP_EX_SOFTWARE, "out of memory");
	jq_set_error_cb(q->jq, errcb, &q->err);
	if (!jq_compile(q->jq, prog)) {
		err->len = 0;
		mp_buf_adds(err, q->err.len ? mp_buf_str(&q->err) :
		    "does not compile");
		mp_jq_free(q);
		return NULL;
	}
	return q;
}

/* Appends the text a value stands for as a key: see mp.h. */
static void
keytext(jv v, struct mp_buf *out)
{
	jv s;

	if (jv_get_kind(v) == JV_KIND_STRING) {
		mp_buf_add(out, jv_string_value(v),
		    jv_string_length_bytes(jv_copy(v)));
		return;
	}
	s = jv_dump_string(jv_copy(v), 0);
	mp_buf_adds(out, jv_string_value(s));
	jv_free(s);
}

/* Appends the message of an invalid value that has one; frees it. */
static void
errmsg(jv inv, struct mp_buf *out)
{
	jv msg = jv_invalid_get_msg(inv), d;

	if (jv_get_kind(msg) == JV_KIND_STRING)
		mp_buf_adds(out, jv_string_value(msg));
	else {
		d = jv_dump_string(jv_copy(msg), 0);
		mp_buf_adds(out, jv_string_value(d));
		jv_free(d);
	}
	jv_free(msg);
}

int
mp_jq_first(struct mp_jq *q, const char *rec, size_t n, long long seq,
    struct mp_buf *out)
{
	jv v;
	int rc;

	if (seq != curseq || seq < 0 || !have) {
		if (have)
			jv_free(cur);
		cur = jv_parse_sized(rec, (int)n);
		curseq = seq;
		have = 1;
	}
	out->len = 0;
	if (!jv_is_valid(cur)) {
		mp_buf_adds(out, "record does not parse");
		return -1;
	}
	jq_start(q->jq, jv_copy(cur), 0);
	v = jq_next(q->jq);
	if (jv_is_valid(v)) {
		rc = jv_get_kind(v) != JV_KIND_NULL;
		if (rc)
			keytext(v, out);
	} else if (jv_invalid_has_msg(jv_copy(v))) {
		errmsg(jv_copy(v), out);
		rc = -1;
	} else
		rc = 0;		/* no output */
	jv_free(v);
	return rc;
}

void
mp_jq_free(struct mp_jq *q)
{
	if (q == NULL)
		return;
	jq_teardown(&q->jq);
	mp_buf_free(&q->err);
	free(q);
}

int
mp_jq_each(struct mp_jq *q, const char *text, size_t n,
    int (*fn)(void *, const char *, size_t), void *arg, struct mp_buf *err)
{
	jv in = jv_parse_sized(text, (int)n), v, s, msg;
	int rc = 0;

	err->len = 0;
	if (!jv_is_valid(in)) {
		msg = jv_invalid_get_msg(in);
		mp_buf_adds(err, jv_get_kind(msg) == JV_KIND_STRING ?
		    jv_string_value(msg) : "not JSON");
		jv_free(msg);
		return -1;
	}
	jq_start(q->jq, in, 0);
	while (jv_is_valid(v = jq_next(q->jq))) {
		s = jv_dump_string(v, 0);
		if (rc == 0)
			rc = fn(arg, jv_string_value(s),
			    jv_string_length_bytes(jv_copy(s)));
		jv_free(s);
	}
	if (jv_invalid_has_msg(jv_copy(v))) {
		errmsg(v, err);
		return -1;
	}
	jv_free(v);
	return rc;
}

/*
 * The first number in JSON text that a double does not hold exactly, by
 * its text: more than 15 significant digits (DBL_DIG: any decimal of 15
 * digits comes back from a double as it went in), or a magnitude near
 * the ends of a double's range.  Integers up to 2^53 are exact too, but
 * 2^53 cents divided by 100 are not: they are refused with the rest.
 * NULL when there is none; *len its length.
 */
static const char *
inexact(const char *p, size_t n, size_t *len)
{
	size_t i = 0, a, nd, first, last, intd;
	long exp;
	int point, seen;

	while (i < n) {
		if (p[i] == '"') {
			for (i++; i < n && p[i] != '"'; i++)
				if (p[i] == '\\')
					i++;
			i++;
			continue;
		}
		if (p[i] != '-' && (p[i] < '0' || p[i] > '9')) {
			i++;
			continue;
		}
		a = i;
		nd = first = last = intd = 0;
		point = seen = 0;
		exp = 0;
		for (; i < n && p[i] != 'e' && p[i] != 'E'; i++) {
			if (p[i] == '.')
				point = 1;
			else if (p[i] >= '0' && p[i] <= '9') {
				if (p[i] != '0') {
					if (!seen)
						first = nd;
					last = nd;
					seen = 1;
				}
				nd++;
				intd += !point;
			} else if (p[i] != '-')
				break;
		}
		if (i < n && (p[i] == 'e' || p[i] == 'E')) {
			int neg = 0;

			if (++i < n && (p[i] == '+' || p[i] == '-'))
				neg = p[i++] == '-';
			for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
				if (exp < 100000)
					exp = exp * 10 + (p[i] - '0');
			if (neg)
				exp = -exp;
		}
		if (seen && (last - first + 1 > 15 ||
		    (long)intd - 1 - (long)first + exp > 300 ||
		    (long)intd - 1 - (long)first + exp < -300)) {
			*len = i - a;
			return p + a;
		}
	}
	return NULL;
}

int
mp_jq_map(struct mp_jq *q, const char *rec, size_t n, struct mp_buf *out)
{
	jv in, v, w;
	const char *num;
	size_t len;
	int k;

	out->len = 0;
	if ((num = inexact(rec, n, &len)) != NULL) {
		mp_buf_printf(out, "jq would round the number %.*s (its "
		    "doubles hold 15 digits)",
		    (int)(len > 40 ? 40 : len), num);
		return -1;
	}
	in = jv_parse_sized(rec, (int)n);
	if (!jv_is_valid(in)) {
		jv_free(in);
		mp_buf_adds(out, "record does not parse");
		return -1;
	}
	jq_start(q->jq, in, 0);
	v = jq_next(q->jq);
	if (!jv_is_valid(v)) {
		if (jv_invalid_has_msg(jv_copy(v)))
			errmsg(v, out);
		else {
			jv_free(v);
			mp_buf_adds(out, "no output");
		}
		return -1;
	}
	if ((k = jv_get_kind(v)) != JV_KIND_OBJECT) {
		mp_buf_printf(out, "the output is %s, not an object",
		    k == JV_KIND_NULL ? "null" : k == JV_KIND_ARRAY ?
		    "an array" : k == JV_KIND_STRING ? "a string" :
		    k == JV_KIND_NUMBER ? "a number" : "a boolean");
		jv_free(v);
		return -1;
	}
	w = jq_next(q->jq);
	if (jv_is_valid(w)) {
		jv_free(w);
		jv_free(v);
		mp_buf_adds(out, "more than one output");
		return -1;
	}
	if (jv_invalid_has_msg(jv_copy(w))) {	/* an error after it */
		jv_free(v);
		errmsg(w, out);
		return -1;
	}
	jv_free(w);
	v = jv_dump_string(v, 0);
	mp_buf_add(out, jv_string_value(v), jv_string_length_bytes(jv_copy(v)));
	jv_free(v);
	if ((num = inexact(out->p, out->len, &len)) != NULL) {
		static struct mp_buf t;

		t.len = 0;
		mp_buf_printf(&t, "the output's number %.*s is not exact "
		    "(more than 15 digits)", (int)(len > 40 ? 40 : len), num);
		out->len = 0;
		mp_buf_add(out, t.p, t.len);
		return -1;
	}
	return 0;
}
