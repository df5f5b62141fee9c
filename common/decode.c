/*
 * decode.c: the records of an answer.  A JSON value is checked where it
 * lies and walked without a tree; NDJSON is checked whole before any
 * line becomes a record, so that a cut page is never half read; files
 * are unpacked and made UTF-8 first, CSV and TSV rows become records by
 * csv.c.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mp.h"

static int
record(void *arg, const char *p, size_t n)
{
	struct mp_decode *d = arg;

	if (d->record(d->arg, p, n, 0) == 0)
		return 0;
	d->stopped = 1;
	return 1;
}

int
mp_decode_where(struct mp_decode *d, const char *arg, struct mp_buf *err)
{
	struct mp_buf b = { 0 };
	const char *errstr;
	int r = 0;

	d->name = arg ? arg : ".";
	mp_buf_adds(&b, ".r");
	if (arg && *arg == '.' && arg[1] == '[')
		mp_buf_adds(&b, arg + 1);
	else if (arg && strcmp(arg, ".") != 0)
		mp_buf_adds(&b, arg);
	if (mp_path_parse(mp_buf_str(&b), &d->path, &errstr) == 0) {
		d->mode = arg != NULL && strcmp(arg, ".") != 0;
		if (d->mode && mp_path_parse(arg, &d->userpath, &errstr) < 0)
			d->userpath.nseg = -1;	/* looked up the other way */
	} else {
		d->mode = 2;
		if ((d->jq = mp_jq_new(arg, err)) == NULL)
			r = -1;
	}
	mp_buf_free(&b);
	return r;
}

/* Checks the lines of an NDJSON body, or (rec set) hands them out. */
static int
ndjson(struct mp_decode *d, const char *body, size_t n, int rec,
    struct mp_buf *why)
{
	struct mp_json_err e;
	const char *nl;
	size_t i, j, a, z;
	long long line = 0;

	for (j = 0; j < n; j = i + 1) {
		nl = memchr(body + j, '\n', n - j);
		i = nl ? (size_t)(nl - body) : n;
		line++;
		for (a = j, z = i; a < z && isspace((unsigned char)body[a]); a++)
			;
		while (z > a && isspace((unsigned char)body[z - 1]))
			z--;
		if (z == a)
			continue;
		if (rec) {
			if (record(d, body + a, z - a) != 0)
				break;
		} else if (mp_json_check_value(body + a, z - a, &e) < 0) {
			mp_buf_printf(why, "bad JSON at line %lld: %s", line,
			    e.msg);
			return -1;
		}
	}
	return 0;
}

/* The records of a JSON (or NDJSON) body. */
static int
records(struct mp_decode *d, const char *body, size_t n, struct mp_buf *why)
{
	struct mp_buf wrap = { 0 };
	struct mp_json_err e;
	struct mp_span v, el;
	size_t it, i;
	int r = 0;

	while (n > 0 && isspace((unsigned char)body[n - 1]))
		n--;
	for (i = 0; i < n && isspace((unsigned char)body[i]); i++)
		;
	if (d->mode == 2)
		return mp_jq_each(d->jq, body, n, record, d, why) < 0 ? -1 : 0;
	if (d->mode == 0 && (i == n || body[i] != '[')) {
		/* NDJSON: each line a record (or the body one object) */
		if (i < n && mp_json_check(body + i, n - i, &e) == 0)
			return record(d, body + i, n - i);
		if (ndjson(d, body, n, 0, why) < 0)
			return -2;	/* the page is whole, or not at all */
		return ndjson(d, body, n, 1, why);
	}
	/* one JSON value, checked where it lies, then walked */
	if (mp_json_check_value(body + i, n - i, &e) < 0) {
		mp_buf_printf(why, "bad JSON at byte %zu: %s", i + e.off + 1,
		    e.msg);
		return -2;
	}
	if (d->mode == 0) {
		v.p = body + i;
		v.n = n - i;
	} else if (body[i] == '{' && d->userpath.nseg >= 0) {
		if (!mp_json_get(body + i, n - i, &d->userpath, &v))
			goto none;
	} else {
		/* a path into an array: looked up inside an object */
		mp_buf_adds(&wrap, "{\"r\":");
		mp_buf_add(&wrap, body + i, n - i);
		mp_buf_addc(&wrap, '}');
		if (!mp_json_get(wrap.p, wrap.len, &d->path, &v))
			goto none;
	}
	switch (mp_json_type(&v)) {
	case MP_JSON_ARRAY:
		for (it = 0; mp_json_elements(v.p, v.n, &it, &el);)
			if (record(d, el.p, el.n) != 0)
				break;
		break;
	case MP_JSON_OBJECT:
		r = record(d, v.p, v.n);
		break;
	case MP_JSON_NULL:
		mp_buf_printf(why, "no records at '%s': null", d->name);
		r = -2;
		break;
	default:
		mp_buf_printf(why, "records at '%s' are a %s", d->name,
		    mp_json_type_name(mp_json_type(&v)));
		r = -3;
	}
	mp_buf_free(&wrap);
	return r;
none:
	/*
	 * An error answer (a 200 with {"error":...}) has no records where
	 * they should be: worth another try, never an empty last page.
	 */
	mp_buf_printf(why, "no records at '%s': nothing there", d->name);
	mp_buf_free(&wrap);
	return -2;
}

int
mp_decode_byname(const char *name)
{
	static const char *const packs[] = { ".gz", ".zst", ".zip", NULL };
	char buf[256];
	size_t n;
	int i;

	snprintf(buf, sizeof buf, "%s", name);
	if ((n = strcspn(buf, "?#")) < strlen(buf))
		buf[n] = '\0';
	for (i = 0; packs[i]; i++) {
		n = strlen(buf);
		if (n > strlen(packs[i]) && strcasecmp(buf + n -
		    strlen(packs[i]), packs[i]) == 0)
			buf[n - strlen(packs[i])] = '\0';
	}
	n = strlen(buf);
#define ENDS(e) (n > strlen(e) && strcasecmp(buf + n - strlen(e), e) == 0)
	if (ENDS(".csv"))
		return MP_DECODE_CSV;
	if (ENDS(".tsv") || ENDS(".tab"))
		return MP_DECODE_TSV;
	if (ENDS(".ndjson") || ENDS(".jsonl"))
		return MP_DECODE_NDJSON;
	if (ENDS(".json"))
		return MP_DECODE_JSON;
#undef ENDS
	return MP_DECODE_AUTO;
}

/* The format a Content-Type says. */
static int
bytype(const struct mp_http_resp *resp)
{
	struct mp_buf v = { 0 };
	const char *t = mp_http_header(resp, "Content-Type", &v);
	int f = MP_DECODE_AUTO;

	if (t == NULL)
		f = MP_DECODE_AUTO;
	else if (strncasecmp(t, "text/csv", 8) == 0)
		f = MP_DECODE_CSV;
	else if (strncasecmp(t, "text/tab-separated-values", 25) == 0)
		f = MP_DECODE_TSV;
	else if (strncasecmp(t, "application/x-ndjson", 20) == 0 ||
	    strncasecmp(t, "application/ndjson", 18) == 0 ||
	    strncasecmp(t, "application/jsonl", 17) == 0)
		f = MP_DECODE_NDJSON;
	mp_buf_free(&v);
	return f;
}

/* A CSV row made a record; a totals row (--footer) goes aside. */
static int
csvrec(void *arg, const char *p, size_t n, long long line)
{
	struct mp_decode *d = arg;
	struct mp_buf v = { 0 };
	int r;

	if (d->footer && mp_jq_first(d->footer, p, n, -1, &v) == 1 &&
	    strcmp(mp_buf_str(&v), "false") != 0)
		r = d->footer_row(d->arg, p, n, line);
	else
		r = d->record(d->arg, p, n, line);
	mp_buf_free(&v);
	if (r)
		d->stopped = 1;
	return r;
}

static int
csvrej(void *arg, long long line, const char *why, const char *p, size_t n)
{
	struct mp_decode *d = arg;
	int r;

	if ((r = d->reject(d->arg, line, why, p, n)) != 0)
		d->stopped = 1;
	return r;
}

int
mp_decode_response(struct mp_decode *d, const struct mp_http_resp *resp,
    const char *url, const char *shown, struct mp_buf *why)
{
	struct mp_unpack *up = &d->up;
	struct mp_buf *text = &d->text, *entry = &d->entry;
	const char *body = resp->body.p ? resp->body.p : "";
	size_t n = resp->body.len;
	int kind = mp_unpack_kind(body, n), fmt, i, r;
	const char *name;
	struct mp_csvrec co;

	d->stopped = 0;
	d->where = shown;
	fmt = d->format ? d->format : mp_decode_byname(url);
	if (fmt == MP_DECODE_AUTO)
		fmt = bytype(resp);
	if (kind == MP_PACK_NONE && d->encoding == NULL &&
	    fmt != MP_DECODE_CSV && fmt != MP_DECODE_TSV && !(n >= 2 &&
	    ((unsigned char)body[0] == 0xff ||
	    (unsigned char)body[0] == 0xfe)) && !(n >= 3 &&
	    memcmp(body, "\xef\xbb\xbf", 3) == 0))
		return records(d, body, n, why);	/* the common case */
	if (mp_unpack(up, body, n, kind) < 0) {
		mp_buf_printf(why, "a corrupt file: %s", up->why);
		return -2;
	}
	for (i = 0; i < up->nent; i++) {
		name = up->ent[i].name && *up->ent[i].name ? up->ent[i].name : url;
		fmt = d->format ? d->format : mp_decode_byname(name);
		if (fmt == MP_DECODE_AUTO && kind != MP_PACK_ZIP)
			fmt = d->format ? d->format : mp_decode_byname(url);
		if (fmt == MP_DECODE_AUTO)
			fmt = bytype(resp);
		text->len = 0;
		if (kind == MP_PACK_ZIP) {
			/* records name the entry they came from */
			entry->len = 0;
			mp_buf_printf(entry, "%s!%s", shown, name);
			d->where = entry->p;
		}
		if (mp_text_utf8(up->ent[i].data.p ? up->ent[i].data.p : "",
		    up->ent[i].data.len, d->encoding, text, why) < 0) {
			if (kind == MP_PACK_ZIP)
				mp_buf_printf(why, " in '%s'", name);
			return -3;
		}
		if (fmt == MP_DECODE_CSV || fmt == MP_DECODE_TSV) {
			co = d->csv;
			if (fmt == MP_DECODE_TSV && co.sep == 0)
				co.sep = '\t';
			if (mp_csv_records(text->p ? text->p : "", text->len, &co,
			    csvrec, csvrej, d, why) < 0)
				return -3;
		} else if ((r = records(d, text->p ? text->p : "", text->len,
		    why)) < 0)
			return r;
		if (d->stopped)
			break;
	}
	return 0;
}

void
mp_decode_free(struct mp_decode *d)
{
	mp_path_free(&d->path);
	mp_path_free(&d->userpath);
	mp_jq_free(d->jq);
	mp_jq_free(d->footer);
	d->jq = d->footer = NULL;
	while (d->csv.nfield > 0) {
		d->csv.nfield--;
		free(d->csv.field[d->csv.nfield].name);
		free(d->csv.field[d->csv.nfield].fmt);
	}
	free(d->csv.field);
	d->csv.field = NULL;
	mp_unpack_free(&d->up);
	mp_buf_free(&d->text);
	mp_buf_free(&d->entry);
}

int
mp_decode_opt_format(void *ctx, const char *arg, const char **errstr)
{
	static const char *const names[] = { "json", "ndjson", "csv", "tsv",
	    NULL };
	struct mp_decode *d = ctx;
	int i;

	for (i = 0; names[i]; i++)
		if (strcmp(arg, names[i]) == 0) {
			d->format = MP_DECODE_JSON + i;
			return 0;
		}
	*errstr = "want json, ndjson, csv or tsv";
	return -1;
}

int
mp_decode_opt_separator(void *ctx, const char *arg, const char **errstr)
{
	struct mp_decode *d = ctx;

	*errstr = "want one byte, not a quote or a line end";
	if (strlen(arg) != 1 || strchr("\"\r\n", *arg))
		return -1;
	d->csv.sep = (unsigned char)*arg;
	return 0;
}

int
mp_decode_opt_field(void *ctx, const char *arg, const char **errstr)
{
	struct mp_csvrec *c = &((struct mp_decode *)ctx)->csv;

	c->field = xrealloc(c->field, (c->nfield + 1) * sizeof *c->field);
	if (mp_csv_field_parse(arg, &c->field[c->nfield], errstr) < 0)
		return -1;
	c->nfield++;
	return 0;
}

int
mp_decode_opt_footer(void *ctx, const char *arg, const char **errstr)
{
	static struct mp_buf err;
	struct mp_decode *d = ctx;

	mp_jq_free(d->footer);
	err.len = 0;
	if ((d->footer = mp_jq_new(arg, &err)) != NULL)
		return 0;
	*errstr = mp_buf_str(&err);
	return -1;
}

int
mp_decode_opt_quote(void *ctx, const char *arg, const char **errstr)
{
	(void)arg, (void)errstr;
	((struct mp_decode *)ctx)->csv.quote = 1;
	return 0;
}

int
mp_decode_opt_noquote(void *ctx, const char *arg, const char **errstr)
{
	(void)arg, (void)errstr;
	((struct mp_decode *)ctx)->csv.quote = 0;
	return 0;
}
