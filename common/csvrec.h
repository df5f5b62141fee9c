/*
 * csvrec.c: CSV text made into JSON records (rows read by csv.c): what
 * the text is, and its typed fields
 */
#ifndef MP_CSVREC_H
#define MP_CSVREC_H

struct mp_csvrec {
	int	 sep;		/* 0: ',' or the sep= hint */
	int	 quote;		/* 1: RFC 4180 quotes (CSV, and TSV as
				   spreadsheets write it), 0: none */
	long long skip;		/* lines before the header to drop */
	int	 decimal_comma;	/* typed numbers use ',' as the point */
	struct mp_csvfield { char *name; int type; char *fmt; } *field;
	int	 nfield;	/* --field=NAME:TYPE; the rest are strings */
};
enum { MP_CSV_STRING, MP_CSV_INTEGER, MP_CSV_NUMBER, MP_CSV_MONEY,
    MP_CSV_TIME, MP_CSV_BOOLEAN };
/*
 * Parses NAME:TYPE (string, integer, number, money, boolean,
 * time[:strptime-format]) into a field (name and fmt allocated; fmt NULL
 * without a format); returns 0, or -1 with *errstr.  NAME may hold
 * colons: the text splits at the last colon a type follows, else at the
 * first ":time:".
 */
int	 mp_csv_field_parse(const char *, struct mp_csvfield *, const char **);
/*
 * Turns CSV text (UTF-8) into one JSON object per row, keys from the
 * header line, and calls rec for each with its first line; a row that
 * cannot be a record (more or fewer cells than the header, an unterminated
 * quote, a cell that is not of its field's type) goes to rej with its
 * line, reason and text (without its line end), and the rest go on (an
 * unterminated quote ends the file; another broken row ends with the line
 * where it broke).  Empty cells are "" for strings and null for typed
 * fields.  Typed cells: integer and number keep their exact text as JSON
 * numbers (a decimal comma becomes a point; thousands separators are an
 * error), money is an exact decimal of at most 6 places (mp_money_parse,
 * mp_money_fmt) written as a JSON number, boolean true/false/1/0/yes/no
 * (any case), time with a strptime format (UTC, unless it has %z) or
 * RFC 3339 without one, written as RFC 3339 UTC.  A string cell that is
 * not UTF-8 rejects its row.  The sep= hint is on the text's first line
 * and is not one of the lines skipped; lines are the text's.  A duplicate
 * or empty header name, or a field that names no column, is an error.
 * Returns 0, or -1 with why (a broken header); rec or rej returning
 * non-zero stops and is returned.
 */
int	 mp_csv_records(const char *, size_t, const struct mp_csvrec *,
	    int (*rec)(void *, const char *, size_t, long long),
	    int (*rej)(void *, long long, const char *, const char *, size_t),
	    void *, struct mp_buf *);

#endif
