/*
 * decode.h: the records of an API's answer or a report file: unpacked
 * (gzip, zstd, zip), made UTF-8, and read by their format (a JSON value
 * and the records in it, NDJSON lines, CSV or TSV rows).
 */
#ifndef MP_DECODE_H
#define MP_DECODE_H

enum { MP_DECODE_AUTO, MP_DECODE_JSON, MP_DECODE_NDJSON, MP_DECODE_CSV,
    MP_DECODE_TSV };

struct mp_decode {
	int	 format;	/* MP_DECODE_AUTO: by name, then type */
	const char *encoding;	/* NULL: UTF-8, or by its BOM */
	struct mp_csvrec csv;	/* CSV and TSV rows as records */
	struct mp_jq *footer;	/* a totals row, not a record */
	/* where the records are (mp_decode_where) */
	int	 mode;		/* 0 the body's own, 1 a path, 2 jq */
	const char *name;	/* as given, for messages */
	struct mp_path path, userpath;
	struct mp_jq *jq;
	/*
	 * Where records go; each returns non-zero to stop.  line is the CSV
	 * row's, or 0.  where names the file (the zip entry) they came from.
	 */
	int	(*record)(void *, const char *, size_t, long long line);
	int	(*footer_row)(void *, const char *, size_t, long long line);
	int	(*reject)(void *, long long line, const char *why,
		    const char *, size_t);
	void	*arg;
	const char *where;
	/* private */
	int	 stopped;
	struct mp_unpack up;
	struct mp_buf text, entry;
};

/*
 * Sets where the records of a JSON answer are (--records): "." or none
 * for the answer's own (an array of records, one record, or NDJSON), a
 * path (.data, .[0].rows), else a jq program.  Returns 0, or -1 with
 * jq's message in err.
 */
int	 mp_decode_where(struct mp_decode *, const char *, struct mp_buf *err);
/* The format a file's name says (a compression's extension aside). */
int	 mp_decode_byname(const char *);
/*
 * Reads the records of a response whose URL is url (named shown in
 * records' places, its secrets hidden) and hands them to record.  Returns
 * 0 (stopped or not), -1 or -2 with why when the answer is not whole or
 * not what it should be (worth another try), -3 when it never will be
 * (text not of its encoding, a CSV that cannot be read, records that are
 * not objects).
 */
int	 mp_decode_response(struct mp_decode *, const struct mp_http_resp *,
	    const char *url, const char *shown, struct mp_buf *why);
void	 mp_decode_free(struct mp_decode *);

/*
 * The options of decoding, as table entries (opt.h): MP_DECODE_OPT_TABLE(&d)
 * gives --format, --encoding, --separator, --skip-rows, --footer,
 * --decimal-comma, --field, --quote and --no-quote, each setting d (whose
 * csv.quote starts at 1).
 */
int	 mp_decode_opt_format(void *, const char *, const char **);
int	 mp_decode_opt_separator(void *, const char *, const char **);
int	 mp_decode_opt_field(void *, const char *, const char **);
int	 mp_decode_opt_footer(void *, const char *, const char **);
int	 mp_decode_opt_quote(void *, const char *, const char **);
int	 mp_decode_opt_noquote(void *, const char *, const char **);
#define MP_DECODE_OPT_TABLE(d) \
	MP_OPT_FN("format", 0, "json|ndjson|csv|tsv", mp_decode_opt_format, \
	    (d), "the answers' format (by name or type)"), \
	MP_OPT_SET("encoding", 0, MP_OPT_STRING, &(d)->encoding, "name", \
	    "the files' text encoding (by BOM, UTF-8)"), \
	MP_OPT_FN("separator", 0, "c", mp_decode_opt_separator, (d), \
	    "CSV's separator (,)"), \
	{ "skip-rows", 0, MP_OPT_INT, &(d)->csv.skip, "n", \
	  "lines before the CSV header", 0, 1000000, NULL, 0, NULL, NULL }, \
	MP_OPT_FN("footer", 0, "jq", mp_decode_opt_footer, (d), \
	    "a CSV row that is a total, not a record"), \
	MP_OPT_SET("decimal-comma", 0, MP_OPT_FLAG, &(d)->csv.decimal_comma, \
	    NULL, "CSV numbers have a decimal comma"), \
	MP_OPT_FN("field", 0, "name:type", mp_decode_opt_field, (d), \
	    "a CSV column's type, repeated"), \
	MP_OPT_FN("quote", 0, NULL, mp_decode_opt_quote, (d), \
	    "CSV cells may be quoted"), \
	MP_OPT_FN("no-quote", 0, NULL, mp_decode_opt_noquote, (d), \
	    "a quote is a character")

#endif
