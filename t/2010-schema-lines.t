#!/bin/bash
# Schema files are list files (lines.c): comments, blank lines, blanks and
# CRLF line ends are nothing, and a NUL byte is an error naming its line,
# not the end of the line.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-validate" ] || skip_all "cmd/mp-validate is not built"
plan 3

printf '{"a":"x","n":1}\n{"a":"y"}\n' >"$T/in"
printf '# a comment\r\n\r\n  field .a string required  \r\n\tfield .n integer\r\n' \
    >"$T/ok.schema"
printf '{"a":"x","n":1}\n{"a":"y"}\n' >"$T/want"
run mp-validate --schema="$T/ok.schema" "$T/in"
check "comments, blank lines, blanks and CRLF: nothing" 0 "$T/want" ""

printf 'field .a string required\nfield .n integer\0 junk\n' >"$T/nul.schema"
run mp-validate --schema="$T/nul.schema" "$T/in"
check "a NUL byte: 78, the file and line named" 78 /dev/null \
    "nul.schema:2: NUL byte in the line"

run mp-validate --schema="$T/nosuch.schema" "$T/in"
[ "$rc" = 78 ] && grep -q "nosuch.schema: No such file or directory" "$T/err"
ok $? "a schema that cannot be read: 78, the file named"
