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

int
mp_jq_first(struct mp_jq *q, const char *rec, size_t n, long long seq,
    struct mp_buf *out)
{
	jv v, msg;
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
		msg = jv_invalid_get_msg(jv_copy(v));
		if (jv_get_kind(msg) == JV_KIND_STRING)
			mp_buf_adds(out, jv_string_value(msg));
		else {
			jv d = jv_dump_string(jv_copy(msg), 0);

			mp_buf_adds(out, jv_string_value(d));
			jv_free(d);
		}
		jv_free(msg);
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
		msg = jv_invalid_get_msg(v);
		if (jv_get_kind(msg) == JV_KIND_STRING)
			mp_buf_adds(err, jv_string_value(msg));
		else {
			s = jv_dump_string(msg, 0);
			mp_buf_adds(err, jv_string_value(s));
			msg = s;
		}
		jv_free(msg);
		return -1;
	}
	jv_free(v);
	return rc;
}
