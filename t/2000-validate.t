#!/bin/bash
# mp-validate: records pass byte for byte, every other line is rejected
# with its reason, and every line is accounted for.
. "$(dirname "$0")/lib.sh"
D=$top/t/2000-validate

# nothing lost: stdout lines + rejects = non-blank input lines
accounted() {
	local inl outl rejl
	inl=$(grep -cv '^[[:space:]]*$' "$1")
	outl=$(wc -l <"$T/out")
	rejl=$(wc -l <"$2")
	[ $((outl + rejl)) -eq "$inl" ]
}

# --- records pass byte for byte; CRLF, BOM and blank lines
printf '\xef\xbb\xbf{"a":1}\r\n\n  \t\n{ "b" : [ 1 , 2 ] }\n{"c":"\\u00e9"}' >"$T/in"
printf '{"a":1}\n{ "b" : [ 1 , 2 ] }\n{"c":"\\u00e9"}\n' >"$T/want"
run mp-validate --stats="$T/st" "$T/in"
check "BOM, CRLF, blank lines, last line without newline" 0 "$T/want" ""
jq -e '.records_in == 3 and .records_out == 3 and .blank_lines == 2' \
    "$T/st" >/dev/null
ok $? "stats count records and blank lines"

# --- rejects: format, reasons, line numbers, stdin name
printf '{"a":1}\nnot json\n{"a":\n{"b":"\xff\xfe"}\n[1]\n' >"$T/in"
IN=$T/in run mp-validate --rejects="$T/rej"
printf '{"a":1}\n' >"$T/want"
check "rejects go to the rejects file, exit 0" 0 "$T/want" ""
jq -e -s 'length == 4 and
    (map(.line) == [2,3,4,5]) and
    (map(.file) | unique == ["-"]) and
    (.[0] | .prog == "mp-validate" and .record == "not json" and
        (.reason | startswith("invalid JSON: unexpected character"))) and
    (.[1].reason | test("unexpected end of input.* at byte 6$")) and
    (.[2] | has("record") | not) and
    (.[3].reason | test("not an object"))' "$T/rej" >/dev/null
ok $? "reject lines carry prog, file, line, reason, record"
got=$(jq -r 'select(.line == 4) | .record_b64' "$T/rej" | base64 -d | od -An -tx1 | tr -d ' \n')
is "$got" "7b2262223a22fffe227d" "invalid UTF-8 kept byte for byte as record_b64"

IN=$T/in run mp-validate
check "without --rejects: reasons on stderr, exit 65" 65 "$T/want" \
    '^mp-validate: -:2: invalid JSON: unexpected character .n.'
is "$(wc -l <"$T/err")" 4 "one message per rejected record"

run mp-validate --log-format=json "$T/in"
jq -e -s 'length == 4 and all(.prog == "mp-validate" and .level and
    .file and .line and .msg and .ts)' "$T/err" >/dev/null
ok $? "--log-format=json: one JSON object per message"

# --- --strict stops at the first bad record
run mp-validate -s --rejects="$T/rej" "$T/in"
check "--strict stops at the first bad record, exit 65" 65 "$T/want" ""
is "$(wc -l <"$T/rej")" 1 "--strict: one reject"

# --- --require
printf '{"event_id":"e1","ts":"x"}\n{"ts":"x"}\n{"event_id":null,"ts":1}\n{"event_id":"e2"}\n' >"$T/in"
run mp-validate -r .event_id,.ts --rejects="$T/rej" "$T/in"
printf '{"event_id":"e1","ts":"x"}\n' >"$T/want"
check "--require passes records with every field" 0 "$T/want" ""
is "$(jq -r .reason "$T/rej" | tr '\n' '|')" \
    "missing field '.event_id'|field '.event_id' is null|missing field '.ts'|" \
    "--require: absent and null fields are missing"
run mp-validate --require=event_id "$T/in"
check "--require with a bad path exits 64" 64 /dev/null "require: 'event_id'"

# --- --schema: every type
cat >"$T/in" <<'X'
{"id":"a","n":-9223372036854775808,"x":1.5e300,"ok":true,"o":{},"a":[1,2],"ts":"2026-11-20T13:04:05Z","cost":"0.000001","kind":"click","odd key":"v","deep":{"er":[1]}}
{"id":"b","n":null,"cost":12.5,"ts":"2026-11-20T14:04:05.5+01:00"}
{"id":"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"}
{"id":"ccccccccc"}
{"n":1}
{"id":null}
{"id":"c","n":1.0}
{"id":"c","n":9223372036854775808}
{"id":"c","x":"1"}
{"id":"c","ok":"true"}
{"id":"c","o":[]}
{"id":"c","a":{}}
{"id":"c","a":[1,2,3]}
{"id":"c","ts":"2026-11-20 13:04:05Z"}
{"id":"c","ts":"2026-02-30T00:00:00Z"}
{"id":"c","cost":1.2345678}
{"id":"c","cost":1e3}
{"id":"c","cost":true}
{"id":"c","kind":"view"}
{"id":"c","odd key":1}
{"id":"c","deep":{"er":["1"]}}
X
run mp-validate -S "$D/test.schema" --rejects="$T/rej" "$T/in"
head -3 "$T/in" >"$T/want"
check "--schema passes valid records byte for byte" 0 "$T/want" ""
cat >"$T/wantr" <<'X'
field '.id' is longer than 8 characters
missing field '.id'
field '.id' is null
field '.n' is a number, want integer
field '.n' is out of the 64-bit integer range
field '.x' is a string, want number
field '.ok' is a string, want boolean
field '.o' is an array, want object
field '.a' is an object, want array
field '.a' has more than 2 elements
field '.ts' is not an RFC 3339 time
field '.ts' is not an RFC 3339 time
field '.cost' is not money: more than 6 decimal places
field '.cost' is not money: not a decimal
field '.cost' is a boolean, want decimal number or string
field '.kind' is not one of its enum values
field '."odd key"' is a number, want string
field '.deep.er[0]' is a string, want integer
X
jq -r .reason "$T/rej" >"$T/gotr"
cmp -s "$T/gotr" "$T/wantr"
ok $? "--schema: one precise reason per type error"
[ $? = 0 ] || diag "$(diff "$T/gotr" "$T/wantr")"
jq -e '.rejected_by | length > 5' <(mp-validate --schema="$D/test.schema" \
    --rejects=/dev/null --stats=/dev/stdout "$T/in" >/dev/null) >/dev/null
ok $? "stats count rejects by reason class"

for bad in 'field .a strin' 'field .a' 'field a string' 'key nope
field .a string' 'field .a enum' 'field .a string max=0' 'field .a[0] string' \
    'field .a string color=red' 'field .a string min=0' \
    'field .a integer nonblank' 'field .a string min=3 max=2' \
    'bogus line' ''; do
	printf '%s\n' "$bad" >"$T/bad.schema"
	run mp-validate --schema="$T/bad.schema"
	[ "$rc" = 78 ] && grep -q "bad.schema" "$T/err"
	ok $? "bad schema '$(echo $bad | head -c 30)' exits 78 naming the file"
done

# --- the shipped schemas: an empty, blank or null key is rejected, since
# mp-dedup would take every such event for one (each with a click_id,
# which an adjustment requires)
for f in "$top"/examples/schemas/*.schema; do
	n=$(basename "$f" .schema)
	[ "$n" = event ] && n=click
	jq -c --arg t "$n" '.type = $t | .click_id = "K1"' <<-'X' >"$T/in"
	{"event_id":"k1","ts":"2026-11-20T13:00:00Z","source":"s","campaign_id":"c","cost":"0.1","revenue":"1","currency":"USD"}
	{"event_id":"","ts":"2026-11-20T13:00:00Z","source":"s","campaign_id":"c","cost":"0.1","revenue":"1","currency":"USD"}
	{"event_id":" \t","ts":"2026-11-20T13:00:00Z","source":"s","campaign_id":"c","cost":"0.1","revenue":"1","currency":"USD"}
	{"event_id":null,"ts":"2026-11-20T13:00:00Z","source":"s","campaign_id":"c","cost":"0.1","revenue":"1","currency":"USD"}
	{"ts":"2026-11-20T13:00:00Z","source":"s","campaign_id":"c","cost":"0.1","revenue":"1","currency":"USD"}
	{"event_id":" k2 ","ts":"2026-11-20T13:00:00Z","source":"s","campaign_id":"c","cost":"0.1","revenue":"1","currency":"USD"}
	X
	run mp-validate --schema="$f" --rejects="$T/rej" "$T/in"
	check "$(basename "$f"): valid keys pass, even with blanks around" 0 \
	    <(sed -n '1p;6p' "$T/in") ""
	is "$(jq -r .reason "$T/rej" | tr '\n' '|')" \
	    "field '.event_id' is empty|field '.event_id' is blank|field '.event_id' is null|missing field '.event_id'|" \
	    "...an empty, blank, null or missing event_id is rejected"
done

# --- --schema-dir and --schema-by
mkdir "$T/schemas"
printf 'field .event_id string required\nfield .cost money required\n' >"$T/schemas/click.schema"
printf 'field .event_id string required\nfield .revenue money required\n' >"$T/schemas/conversion.schema"
cat >"$T/in" <<'X'
{"type":"click","event_id":"1","cost":"0.10"}
{"type":"conversion","event_id":"2","revenue":5}
{"type":"click","event_id":"3","revenue":5}
{"type":"view","event_id":"4"}
{"event_id":"5"}
{"type":7}
X
run mp-validate -D "$T/schemas" -B .type --rejects="$T/rej" "$T/in"
head -2 "$T/in" >"$T/want"
check "--schema-dir/--schema-by pick a schema per record" 0 "$T/want" ""
is "$(jq -r .reason "$T/rej" | tr '\n' '|')" \
    "missing field '.cost'|no schema: \"view\"|missing field '.type'|field '.type' is not a string|" \
    "records without a schema are rejected with a reason"
run mp-validate --schema-dir="$T/schemas" "$T/in"
check "--schema-dir without --schema-by is a usage error" 64 /dev/null "go together"
run mp-validate --schema-dir="$T/nope" --schema-by=.type "$T/in"
check "missing schema folder exits 78" 78 /dev/null "schema folder"

# --- --max-record: over-long lines rejected whole, streamed
{ printf '{"a":"%s"}\n' "$(head -c 300 /dev/zero | tr '\0' x)"; printf '{"b":1}\n'; } >"$T/in"
run mp-validate --max-record=100 --rejects="$T/rej" "$T/in"
printf '{"b":1}\n' >"$T/want"
check "--max-record rejects a longer record whole" 0 "$T/want" ""
jq -e '.line == 1 and .bytes == 308 and .reason == "record longer than 100 bytes"' \
    "$T/rej" >/dev/null &&
    cmp -s <(jq -r .record_b64 "$T/rej" | base64 -d) <(head -1 "$T/in" | tr -d '\n')
ok $? "an over-long record is kept whole in the rejects"

# 64 MiB with no newline, then more: flat memory, line numbers go on
{ head -c 67108864 /dev/zero | tr '\0' '['; printf '\n{"after":1}\n'; } >"$T/big"
/usr/bin/time -f %M -o "$T/rss" mp-validate --rejects="$T/rej" --stats="$T/st" "$T/big" >"$T/out"
printf '{"after":1}\n' >"$T/want"
cmp -s "$T/out" "$T/want" && jq -e '.records_in == 2 and .rejected == 1' "$T/st" >/dev/null
ok $? "a 64 MiB line is rejected and reading resumes at the next line"
rss=$(cat "$T/rss")
[ "$rss" -lt 16384 ]
ok $? "memory stays flat on a 64 MiB line (${rss} KiB)"
is "$(jq -r .record_b64 "$T/rej" | base64 -d | wc -c)" 67108864 "the 64 MiB line is in the rejects whole"
rm -f "$T/big" "$T/rej"

run mp-validate --max-record=100 --strict "$T/in"
check "--strict stops at an over-long record too" 65 /dev/null "record longer than 100 bytes"

# no newline at all, at EOF
head -c 3000000 /dev/zero | tr '\0' '{' >"$T/in"
run mp-validate "$T/in"
check "a 3 MB line without newline at EOF is rejected" 65 /dev/null "record longer than 1048576 bytes"

# --- hostile input never crashes
{ head -c 100000 /dev/zero | tr '\0' '['; echo; } >"$T/in"
run mp-validate --rejects="$T/rej" "$T/in"
jq -e '.reason | test("nesting deeper than 128")' "$T/rej" >/dev/null
ok $? "100000 nested [ is rejected"
printf '{"a":1}\0\n\0\n{"a":"\0"}\n{"a":1' >"$T/in"
run mp-validate --rejects="$T/rej" "$T/in"
[ "$rc" = 0 ] && [ "$(wc -l <"$T/rej")" = 4 ]
ok $? "NUL bytes and a truncated last line are rejected"
accounted "$T/in" "$T/rej"
ok $? "every line accounted for"

# --- several files; missing file; '-'
printf '{"f":1}\nbad\n' >"$T/f1"
printf '{"f":2}\n' >"$T/f2"
IN=$T/f2 run mp-validate --rejects="$T/rej" "$T/f1" "$T/nofile" -
printf '{"f":1}\n{"f":2}\n' >"$T/want"
check "files in order, a missing one reported, exit 66" 66 "$T/want" "nofile"
jq -e '.file == "'"$T/f1"'" and .line == 2' "$T/rej" >/dev/null
ok $? "rejects name the file and line"

f=$(printf '%s/bad\377name' "$T")
printf 'x\n' >"$f"
run mp-validate --rejects="$T/rej" --log-format=json "$f"
jq -e . "$T/rej" >/dev/null && [ "$rc" = 0 ]
ok $? "a file name that is not UTF-8 still gives valid JSON rejects"

# --- output errors
printf '{"a":1}\n' >"$T/in"
mp-validate "$T/in" >/dev/full 2>"$T/err"
rc=$?
[ "$rc" = 74 ] && grep -q "stdout" "$T/err"
ok $? "a full disk on stdout exits 74"
run mp-validate --rejects=/nonexistent/dir/rej "$T/in"
check "a rejects file that cannot be created exits 73" 73 /dev/null "rejects file"
yes '{"a":1}' | head -n 300000 >"$T/many"
(mp-validate "$T/many" | head -n 1 >/dev/null) 2>"$T/err"
[ ! -s "$T/err" ]
ok $? "a closed stdout ends quietly"
out=$(set -o pipefail; mp-validate "$T/many" 2>/dev/null | head -n 1)
is "$?:$out" '0:{"a":1}' "a closed stdout exits 0"

# --- signals: finish the record, flush, exit 128+N with stats
mkfifo "$T/fifo"
(printf '{"a":1}\n'; sleep 5) >"$T/fifo" &
writer=$!
mp-validate --stats="$T/st" "$T/fifo" >"$T/out" 2>"$T/err" &
pid=$!
sleep 0.5
kill -TERM $pid
wait $pid
rc=$?
kill $writer 2>/dev/null
[ "$rc" = 143 ] && [ "$(cat "$T/out")" = '{"a":1}' ] &&
    jq -e '.interrupted == true and .records_out == 1' "$T/st" >/dev/null
ok $? "SIGTERM: flushed output, stats, exit 143"

# --- progress
printf '{"a":1}\n' >"$T/in"
run mp-validate --progress "$T/in"
[ "$rc" = 0 ]
ok $? "--progress is accepted (draws only on long runs)"
run mp-validate --no-progress "$T/in"
is "$rc" 0 "--no-progress"

# --- --dropped is common to every tool; mp-validate drops nothing
run mp-validate --dropped="$T/drop" "$T/in"
[ "$rc" = 0 ] && [ ! -s "$T/drop" ]
ok $? "--dropped stays empty"

# --- metrics
printf '{"a":1}\nx\n' >"$T/in"
run mp-validate --rejects=/dev/null --metrics="$T/m.prom" "$T/in"
grep -q '^mp_records_rejected_by_reason_total{prog="mp-validate",reason="invalid JSON"} 1$' "$T/m.prom" &&
    grep -q '^mp_records_out_total{prog="mp-validate"} 1$' "$T/m.prom" &&
    [ -z "$(ls "$T" | grep 'm.prom.tmp')" ]
ok $? "--metrics writes Prometheus text atomically"

done_testing
