/*
 * 0009-text: unit tests of text.c, as TAP: text of each encoding made
 * UTF-8, with and without a byte order mark, and the errors of bytes that
 * are not of the encoding (their line and offset).
 */
#include <stdlib.h>
#include <string.h>

#include "mp.h"
#include "tap.h"

/* Converts in[0..n); "ok:TEXT" or "error: WHY". */
static const char *
conv(const char *in, size_t n, const char *enc)
{
	static struct mp_buf out, err, res;

	out.len = err.len = res.len = 0;
	mp_buf_adds(&out, "kept");	/* what was there stays */
	if (mp_text_utf8(in, n, enc, &out, &err) == 0) {
		if (out.len < 4 || memcmp(out.p, "kept", 4) != 0)
			return "(output not appended)";
		mp_buf_adds(&res, "ok:");
		mp_buf_add(&res, out.p + 4, out.len - 4);
	} else {
		if (out.len != 4)
			return "(output not restored on error)";
		mp_buf_adds(&res, "error: ");
		mp_buf_add(&res, err.p, err.len);
	}
	return mp_buf_str(&res);
}

static void
t(const char *name, const char *in, size_t n, const char *enc,
    const char *want)
{
	const char *got = conv(in, n, enc);

	ok(strcmp(got, want) == 0, "%s", name);
	if (strcmp(got, want) != 0)
		printf("# got:  %s\n# want: %s\n", got, want);
}

#define T(name, lit, enc, want) t(name, lit, sizeof lit - 1, enc, want)

/* "a\u00e9\u20ac\U0001F600\n" in each form */
#define UTF8	"a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\nz"
#define U16LE	"a\0\xe9\0\xac\x20\x3d\xd8\x00\xde\n\0z\0"
#define U16BE	"\0a\0\xe9\x20\xac\xd8\x3d\xde\x00\0\n\0z"

int
main(void)
{
	struct mp_buf in = { 0 }, out = { 0 }, err = { 0 };
	size_t i;
	int rc;

	mp_prog = "0009-text";

	T("utf-8", UTF8, "utf-8", "ok:" UTF8);
	T("utf-8 with BOM, dropped", "\xef\xbb\xbf" UTF8, "UTF-8",
	    "ok:" UTF8);
	T("utf-8 detected, no BOM", UTF8, NULL, "ok:" UTF8);
	T("utf-8 detected by BOM", "\xef\xbb\xbf" UTF8, NULL, "ok:" UTF8);
	T("utf8 alias", UTF8, "utf8", "ok:" UTF8);
	T("only a BOM", "\xef\xbb\xbf", NULL, "ok:");
	t("empty", "", 0, NULL, "ok:");
	t("empty windows-1252", "", 0, "windows-1252", "ok:");
	T("a BOM after the start is kept", "a\xef\xbb\xbf", "utf-8",
	    "ok:a\xef\xbb\xbf");
	T("a UTF-16 BOM after the start is kept", "a\0\xff\xfe",
	    "utf-16le", "ok:a\xef\xbb\xbf");
	T("utf-16le", U16LE, "utf-16le", "ok:" UTF8);
	T("utf-16le with BOM", "\xff\xfe" U16LE, "UTF-16LE", "ok:" UTF8);
	T("utf-16le detected by BOM", "\xff\xfe" U16LE, NULL, "ok:" UTF8);
	T("utf-16be", U16BE, "utf-16be", "ok:" UTF8);
	T("utf-16be with BOM", "\xfe\xff" U16BE, "Utf-16BE", "ok:" UTF8);
	T("utf-16be detected by BOM", "\xfe\xff" U16BE, NULL, "ok:" UTF8);
	T("utf-16 takes the order of its BOM (LE)", "\xff\xfe" U16LE,
	    "utf-16", "ok:" UTF8);
	T("utf-16 takes the order of its BOM (BE)", "\xfe\xff" U16BE,
	    "utf-16", "ok:" UTF8);
	T("utf-16 without a BOM is an error", U16LE, "utf-16",
	    "error: line 1, byte offset 0: UTF-16 without a byte order mark");
	T("a BOM of another order is an error", "\xfe\xff" U16BE,
	    "utf-16le", "error: line 1, byte offset 0: UTF-16BE byte order "
	    "mark in utf-16le text");
	T("windows-1252: an undefined byte after defined ones",
	    "caf\xe9 \x80\x9c\x9d", "windows-1252",
	    "error: line 1, byte offset 7: invalid byte 0x9d in "
	    "windows-1252");
	T("windows-1252 text", "caf\xe9 \x80 \x93\x9cq\x9f\n\xff",
	    "WINDOWS-1252", "ok:caf\xc3\xa9 \xe2\x82\xac \xe2\x80\x9c\xc5\x93"
	    "q\xc5\xb8\n\xc3\xbf");
	T("cp1252 alias", "\x80", "cp1252", "ok:\xe2\x82\xac");
	T("windows-1252 with a UTF-8 BOM is an error", "\xef\xbb\xbf" "abc",
	    "windows-1252", "error: line 1, byte offset 0: UTF-8 byte order "
	    "mark in windows-1252 text");
	T("windows-1252: FF FE is text", "\xff\xfe", "windows-1252",
	    "ok:\xc3\xbf\xc3\xbe");
	T("iso-8859-1", "caf\xe9 \x80\xff", "iso-8859-1",
	    "ok:caf\xc3\xa9 \xc2\x80\xc3\xbf");
	T("latin1 alias", "\xe9", "LATIN1", "ok:\xc3\xa9");
	T("unknown encoding", "x", "klingon",
	    "error: unknown encoding 'klingon'");

	/* invalid bytes: line counted in the output, offset in the input */
	T("utf-8: stray continuation byte", "ab\ncd\n\x80", "utf-8",
	    "error: line 3, byte offset 6: invalid UTF-8: stray continuation "
	    "byte");
	T("utf-8 after a BOM: the offset counts the BOM",
	    "\xef\xbb\xbf" "a\n\xc3", NULL,
	    "error: line 2, byte offset 5: invalid UTF-8: truncated sequence");
	T("utf-8: overlong", "\xc0\xaf", "utf-8",
	    "error: line 1, byte offset 0: overlong UTF-8 sequence");
	T("utf-8: encoded surrogate", "x\n\n\xed\xa0\x80", "utf-8",
	    "error: line 3, byte offset 3: UTF-8 encoded surrogate");
	T("utf-8: a UTF-16 BOM is not UTF-8", "\xff\xfe" "a\0", "utf-8",
	    "error: line 1, byte offset 0: UTF-16LE byte order mark in utf-8 "
	    "text");
	T("utf-8 detected: Latin-1 bytes are an error", "a\nb\ncaf\xe9", NULL,
	    "error: line 3, byte offset 7: invalid UTF-8: truncated sequence");
	{
		static const char *undef = "\x81\x8d\x8f\x90\x9d";
		char s[8], want[96], name[64];

		for (i = 0; i < 5; i++) {
			snprintf(s, sizeof s, "x\ny%c", undef[i]);
			snprintf(want, sizeof want, "error: line 2, byte "
			    "offset 3: invalid byte 0x%02x in windows-1252",
			    (unsigned char)undef[i]);
			snprintf(name, sizeof name, "windows-1252: 0x%02x is "
			    "undefined", (unsigned char)undef[i]);
			t(name, s, 4, "windows-1252", want);
		}
	}
	T("utf-16le: odd number of bytes", "a\0\n\0b", "utf-16le",
	    "error: line 2, byte offset 4: UTF-16 of an odd number of bytes");
	T("utf-16be: odd number of bytes", "\xfe\xff\0a\0", NULL,
	    "error: line 1, byte offset 4: UTF-16 of an odd number of bytes");
	T("utf-16le: lone high surrogate before a letter",
	    "a\0\n\0\x3d\xd8" "b\0", "utf-16le",
	    "error: line 2, byte offset 4: lone surrogate in UTF-16");
	T("utf-16le: lone high surrogate at the end", "a\0\x3d\xd8",
	    "utf-16le",
	    "error: line 1, byte offset 2: lone surrogate in UTF-16");
	T("utf-16le: lone low surrogate", "\xff\xfe" "a\0\0\xde", NULL,
	    "error: line 1, byte offset 4: lone surrogate in UTF-16");
	T("utf-16be: lone low surrogate", "\0a\0\n\0\n\xdc\0", "utf-16be",
	    "error: line 3, byte offset 6: lone surrogate in UTF-16");
	T("utf-16be: two high surrogates", "\xd8\x3d\xd8\x3d\xde\0",
	    "utf-16be",
	    "error: line 1, byte offset 0: lone surrogate in UTF-16");

	/* 10 MB of each: every byte right, and how long it took */
	for (i = 0; in.len < 10 * 1024 * 1024; i++)
		mp_buf_adds(&in, i % 64 ? "caf\xc3\xa9,12.5,x\n" :
		    "\xe2\x82\xac \xf0\x9f\x98\x80\n");
	{
		double t0 = mp_now();

		rc = mp_text_utf8(in.p, in.len, NULL, &out, &err);
		ok(rc == 0 && out.len == in.len &&
		    memcmp(out.p, in.p, in.len) == 0,
		    "10 MB of UTF-8 (%.3f s)", mp_now() - t0);
	}
	{
		static const char line[] = "caf\xe9 \x80 na\xefve\n";
		static const char want[] = "caf\xc3\xa9 \xe2\x82\xac "
		    "na\xc3\xafve\n";
		struct mp_buf l1 = { 0 }, u16 = { 0 };
		double t0;
		int same = 1;

		while (l1.len < 10 * 1024 * 1024)
			mp_buf_adds(&l1, line);
		t0 = mp_now();
		out.len = 0;
		rc = mp_text_utf8(l1.p, l1.len, "windows-1252", &out, &err);
		for (i = 0; rc == 0 && i < out.len; i += sizeof want - 1)
			if (memcmp(out.p + i, want, sizeof want - 1) != 0)
				same = 0;
		ok(rc == 0 && same && out.len == l1.len / (sizeof line - 1) *
		    (sizeof want - 1), "10 MB of windows-1252 (%.3f s)",
		    mp_now() - t0);

		while (u16.len < 10 * 1024 * 1024)
			mp_buf_add(&u16, U16LE, sizeof U16LE - 1);
		t0 = mp_now();
		out.len = 0;
		rc = mp_text_utf8(u16.p, u16.len, "utf-16le", &out, &err);
		same = 1;
		for (i = 0; rc == 0 && i < out.len; i += sizeof UTF8 - 1)
			if (memcmp(out.p + i, UTF8, sizeof UTF8 - 1) != 0)
				same = 0;
		ok(rc == 0 && same && out.len == u16.len /
		    (sizeof U16LE - 1) * (sizeof UTF8 - 1),
		    "10 MB of UTF-16LE (%.3f s)", mp_now() - t0);
		mp_buf_free(&l1);
		mp_buf_free(&u16);
	}
	mp_buf_free(&in);
	mp_buf_free(&out);
	mp_buf_free(&err);
	return done();
}
