#!/bin/bash
# mp-enrich without a server: tables in priority order and their options,
# duplicate keys, --unmatched, and cost allocation (two passes,
# --count-column, exact to the micro-unit on generated events).  The rest
# is in t/5000-enrich.t and t/5011-enrich-fx-usage.t.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-enrich" ] || skip_all "cmd/mp-enrich is not built"
command -v python3 >/dev/null || skip_all "python3 is not installed"
. "$top/t/lib/enrich.sh"

cd "$T" || exit 1

# --- tables in priority order
printf 'id,v\n1,A1\n4,A4\n' >"$T/t1.csv"
printf '{"id":"2","v":"B2"}\n{"id":"4","v":"B4"}\n{"id":"5","v":"B5"}\n' \
    >"$T/t2.ndjson"
printf 'id\tv\n3\tC3\n5\tC5\n4\tC4\n' >"$T/t3.tsv"
printf '{"id":"%s","n":%s}\n' 1 1 2 2 3 3 4 4 5 5 6 6 >"$T/in"
cat >"$T/want" <<'X'
{"id":"1","n":1,"v":"A1","cost_source":"t1"}
{"id":"2","n":2,"v":"B2","cost_source":"t2"}
{"id":"3","n":3,"v":"C3","cost_source":"t3"}
{"id":"4","n":4,"v":"A4","cost_source":"t1"}
{"id":"5","n":5,"v":"B5","cost_source":"t2"}
{"id":"6","n":6}
X
run mp-enrich -k id -t "$T/t1.csv" -t "$T/t2.ndjson" -t "$T/t3.tsv" \
    --stats="$T/st" "$T/in"
checkj "three tables: the first with a row wins, cost_source names it" 0 \
    "$T/want" "" "$T/in" v,cost_source
jqok "$T/st" '.matched.t1 == 2 and .matched.t2 == 2 and .matched.t3 == 1 and
    .unmatched == 1 and .table_rows == {"t1": 2, "t2": 3, "t3": 3} and
    (.table_load_ms | type) == "number" and .table_bytes > 0 and
    .records_in == 6 and .records_out == 6 and .rejected == 0 and
    .dropped == 0' "stats: matched, unmatched, table_rows, table_load_ms, table_bytes"
run mp-enrich -k id -t "$T/t3.tsv" -t "$T/t2.ndjson" -t "$T/t1.csv" "$T/in"
is "$(field "$T/out" '.v // "-"')" "A1|B2|C3|C4|C5|-" "the other order, the other winners"
run mp-enrich -k id -t net="$T/t1.csv" -t "tracker=$T/t2.ndjson" \
    --table=default="$T/t3.tsv" --source-field=src "$T/in"
checkj "name=source names a table; --source-field=src" 0 \
    <(jq -c 'if .cost_source then .src = {t1: "net", t2: "tracker", t3: "default"}[.cost_source] | del(.cost_source) else . end' "$T/want") \
    "" "$T/in" v,src
run mp-enrich -k id -t "$T/t1.csv" -t "$T/t2.ndjson" -t "$T/t3.tsv" \
    --source-field= "$T/in"
checkj "--source-field= : no field names the table" 0 \
    <(jq -c 'del(.cost_source)' "$T/want") "" "$T/in" v
printf '{"x":"9","y":"1"}\n{"x":null,"y":"1"}\n{"y":"1"}\n{"x":"4","y":"1"}\n' \
    >"$T/in"
run mp-enrich -t "$T/t2.ndjson" -k id=.x -t "$T/t1.csv" -k id=.y "$T/in"
is "$rc $(field "$T/out" '.v')" "0 A1|A1|A1|B4" \
    "no row, a null key, a missing key: the next table"

# table options before the first -t are for every table that does not
# give its own; after a -t, for that table
printf 'id,v,w\n1,g1v,g1w\n' >"$T/g1.csv"
printf 'code,v,w\n2,g2v,g2w\n' >"$T/g2.csv"
printf 'id,v,w\n3,g3v,g3w\n1,g3v1,g3w1\n' >"$T/g3.csv"
printf '{"id":"%s"}\n' 1 2 3 >"$T/in"
cat >"$T/want" <<'X'
{"id":"1","v":"g1v","cost_source":"g1"}
{"id":"2","v":"g2v","cost_source":"g2"}
{"id":"3","w":"g3w","cost_source":"g3"}
X
run mp-enrich -k id -a v -t "$T/g1.csv" -t "$T/g2.csv" -k code=.id \
    -t "$T/g3.csv" -a w "$T/in"
checkj "-k, -a before the first -t for all; after one, for it alone" 0 \
    "$T/want" "" "$T/in" v,w,cost_source
cat >"$T/want" <<'X'
{"id":"1","v":"g1v","w":"g1w","cost_source":"g1"}
{"id":"2","v":"g2v","w":"g2w","cost_source":"g2"}
{"id":"3","w":"g3w","cost_source":"g3"}
X
run mp-enrich -t "$T/g1.csv" -k id -t "$T/g2.csv" -k code=.id \
    -t "$T/g3.csv" -k id -a w "$T/in"
checkj "options after each -t: every column but the keys where -a is not given" \
    0 "$T/want" "" "$T/in" v,w,cost_source

# --- duplicate keys
printf 'id,v\n1,a\n2,b\n1,c\n' >"$T/dup.csv"
printf '{"id":"1"}\n{"id":"2"}\n' >"$T/in"
run mp-enrich -k id -t "$T/dup.csv" "$T/in"
check "a duplicate key: 65 before any record" 65 /dev/null \
    "^mp-enrich: .*dup\.csv:(2|4)\b"
grep -E 'dup\.csv' "$T/err" | grep -qE '\b2\b' &&
    grep -E 'dup\.csv' "$T/err" | grep -qE '\b4\b'
ok $? "...the message names both rows, lines 2 and 4"
run mp-enrich -k id -t "$T/dup.csv" --first "$T/in"
is "$rc $(field "$T/out" .v)" "0 a|b" "--first: the first row counts"
run mp-enrich -k id -t "$T/dup.csv" --last "$T/in"
is "$rc $(field "$T/out" .v)" "0 c|b" "--last: the last row counts"
run mp-enrich -k id --last -t "$T/dup.csv" -t "$T/t1.csv" "$T/in"
is "$rc $(field "$T/out" .v)" "0 c|b" "--last before the first -t: for every table"
printf '{"id":"1","v":"x"}\n{"id":1,"v":"y"}\n{"id":1.0,"v":"z"}\n{"id":"1","v":"w"}\n' \
    >"$T/dup.ndjson"
run mp-enrich -k id -t "$T/dup.ndjson" "$T/in"
check "ndjson: \"1\" and 1 are one key: 65" 65 /dev/null \
    "^mp-enrich: .*dup\.ndjson:(1|2|4)\b"
sed -n 2,3p "$T/dup.ndjson" >"$T/dup2.ndjson"
printf '{"id":1}\n{"id":1.0}\n' >"$T/in"
run mp-enrich -k id -t "$T/dup2.ndjson" "$T/in"
is "$rc $(field "$T/out" .v)" "0 y|z" "1 and 1.0 are two keys"
printf '{"id":"1"}\n{"id":"2"}\n' >"$T/in"
run mp-enrich -k id -t "$T/dup.csv" --last --first "$T/in"
is "$rc $(field "$T/out" .v)" "0 a|b" \
    "--last then --first on one table: the later wins, as options after win (mp(7))"

# --- --unmatched
printf 'id,v\n1,a\n' >"$T/um.csv"
printf '{"id":"1"}\n{"id":"2","x":[1, 2]}\n{"id":3}\n' >"$T/in"
run mp-enrich -k id -t "$T/um.csv" --stats="$T/st" "$T/in"
checkj "--unmatched=pass, the default: unchanged, counted" 0 \
    <(echo '{"id":"1","v":"a","cost_source":"um"}'; lines "$T/in" 2 3) "" \
    "$T/in" v,cost_source
jqok "$T/st" '.unmatched == 2 and .records_out == 3 and .dropped == 0' \
    "...stats: unmatched 2"
run mp-enrich -k id -t "$T/um.csv" --unmatched=pass "$T/in"
checkj "--unmatched=pass" 0 \
    <(echo '{"id":"1","v":"a","cost_source":"um"}'; lines "$T/in" 2 3) "" \
    "$T/in" v,cost_source
run mp-enrich -k id -t "$T/um.csv" --unmatched=drop --dropped="$T/drop" \
    --stats="$T/st" "$T/in"
checkj "--unmatched=drop" 0 <(echo '{"id":"1","v":"a","cost_source":"um"}') \
    "" <(lines "$T/in" 1) v,cost_source
is "$(field "$T/drop" '"\(.prog) \(.line) \(.reason) \(.record)"')" \
    "mp-enrich 2 unmatched $(lines "$T/in" 2)|mp-enrich 3 unmatched $(lines "$T/in" 3)" \
    "--dropped: the lines, reason unmatched"
jqok "$T/st" '.unmatched == 2 and .dropped == 2 and
    .dropped_by == {"unmatched": 2} and .records_out == 1' \
    "...stats: dropped_by unmatched"
run mp-enrich -k id -t "$T/um.csv" --unmatched=reject --rejects="$T/rej" \
    --stats="$T/st" "$T/in"
checkj "--unmatched=reject with --rejects: 0" 0 \
    <(echo '{"id":"1","v":"a","cost_source":"um"}') "" <(lines "$T/in" 1) \
    v,cost_source
is "$(field "$T/rej" .line)" "2|3" "...the rejects"
rejok "$T/rej" "$T/in"
ok $? "...with prog, file, line, reason and the record"
jqok "$T/st" '.unmatched == 2 and .rejected == 2 and .records_out == 1' \
    "...stats: rejected"
run mp-enrich -k id -t "$T/um.csv" --unmatched=reject "$T/in"
checkj "--unmatched=reject without --rejects: 65" 65 \
    <(echo '{"id":"1","v":"a","cost_source":"um"}') "^mp-enrich: .*in:2: "

# --- cost allocation
cat >"$T/al.csv" <<'X'
cid,tag,spend,n
a,A,10.000000,2
r,R,-1.000000,3
s,S,0.000010,3
o,O,123.456789,1
z,Z,5,1
b,B,1,4
X
cat >"$T/al.ndjson" <<'X'
{"e":1,"type":"click","cid":"a"}
{"e":2,"type":"click","cid":"r"}
{"e":3,"type":"impression","cid":"a","cost":0.1}
{"e":4,"type":"click","cid":"a"}
{"e":5,"type":"click","cid":"s"}
{"e":6,"type":"click","cid":"s"}
{"e":7,"type":"click","cid":"o","cost":9}
{"e":8,"type":"click","cid":"r"}
{"e":9,"type":"click","cid":"a"}
{"e":10,"type":"click","cid":"s"}
{"e":11,"type":"click","cid":"r"}
{"e":12,"type":"click","cid":"x"}
{"e":13,"type":"click","cid":"b"}
{"e":14,"type":"click","cid":"b"}
X
A="-k cid -a tag -t $T/al.csv --allocate=spend=cost --allocate-to=click"
# two passes: n is the clicks each row gets
want2="3333333 -333334 0 3333333 3 3 123456789 -333333 3333334 4 -333333 - 500000 500000"
cat >"$T/want" <<'X'
{"e":1,"type":"click","cid":"a","tag":"A","cost":3.333333,"cost_source":"al"}
{"e":2,"type":"click","cid":"r","tag":"R","cost":-0.333334,"cost_source":"al"}
{"e":3,"type":"impression","cid":"a","cost":0,"tag":"A","cost_source":"al"}
{"e":4,"type":"click","cid":"a","tag":"A","cost":3.333333,"cost_source":"al"}
{"e":5,"type":"click","cid":"s","tag":"S","cost":0.000003,"cost_source":"al"}
{"e":6,"type":"click","cid":"s","tag":"S","cost":0.000003,"cost_source":"al"}
{"e":7,"type":"click","cid":"o","cost":123.456789,"tag":"O","cost_source":"al"}
{"e":8,"type":"click","cid":"r","tag":"R","cost":-0.333333,"cost_source":"al"}
{"e":9,"type":"click","cid":"a","tag":"A","cost":3.333334,"cost_source":"al"}
{"e":10,"type":"click","cid":"s","tag":"S","cost":0.000004,"cost_source":"al"}
{"e":11,"type":"click","cid":"r","tag":"R","cost":-0.333333,"cost_source":"al"}
{"e":12,"type":"click","cid":"x"}
{"e":13,"type":"click","cid":"b","tag":"B","cost":0.5,"cost_source":"al"}
{"e":14,"type":"click","cid":"b","tag":"B","cost":0.5,"cost_source":"al"}
X
run mp-enrich $A --stats="$T/st" "$T/al.ndjson"
checkj "--allocate, two passes: the matched clicks get parts, the others the row's columns" \
    0 "$T/want" "" "$T/al.ndjson" tag,cost,cost_source
is "$(mic "$T/out" cost)" "$want2" \
    "floor(S(i+1)/n) - floor(Si/n) micro-units: 10/3, -1/3 (a refund), 0.000010/3, n=1; the impression's cost replaced by 0"
jqok "$T/st" '.allocated == 12 and .unallocated_micros == 5000000 and
    (.allocate_excess // 0) == 0' \
    "stats: allocated 12, unallocated_micros the spend of the row with no events"
cp "$T/out" "$T/al.out"
run mp-enrich $A "$T/al.ndjson"
cmp -s "$T/out" "$T/al.out"
ok $? "the same input, the same parts, byte for byte"
IN=$T/al.ndjson run mp-enrich $A
check "standard input redirected from a file: read twice" 0 "$T/al.out" ""
IN=$T/al.ndjson run mp-enrich $A -
check "'-' redirected from a file" 0 "$T/al.out" ""
head -n 6 "$T/al.ndjson" >"$T/al1"
tail -n +7 "$T/al.ndjson" >"$T/al2"
run mp-enrich $A "$T/al1" "$T/al2"
check "two files: counted across both, in input order" 0 "$T/al.out" ""
IN=$T/al2 run mp-enrich $A "$T/al1" -
check "a file and '-' redirected from a file: both read twice" 0 "$T/al.out" ""
cat "$T/al.ndjson" | mp-enrich $A >"$T/out" 2>"$T/err"
rc=$?
check "a pipe on standard input: 64" 64 /dev/null "^(mp-enrich|usage)"
cat "$T/al.ndjson" | mp-enrich $A - >"$T/out" 2>"$T/err"
rc=$?
check "a pipe on standard input given as '-': 64" 64 /dev/null \
    "^(mp-enrich|usage)"
run mp-enrich $A <(cat "$T/al.ndjson")
check "a pipe given as a file (/dev/fd/N): 64" 64 /dev/null \
    "^(mp-enrich|usage)"
mkfifo "$T/fifo"
cat "$T/al.ndjson" >"$T/fifo" &
wpid=$!
timeout 10 mp-enrich $A "$T/fifo" >"$T/out" 2>"$T/err"
rc=$?
check "a named pipe given as a file: 64 (not a hang: timeout gives 124)" 64 \
    /dev/null "^(mp-enrich|usage)"
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null
rm -f "$T/fifo"
jq -c '.kind = .type | del(.type)' "$T/al.ndjson" >"$T/alk"
run mp-enrich -k cid -a tag -t "$T/al.csv" --allocate=spend=cost \
    --allocate-to=click --type=.kind "$T/alk"
is "$rc $(mic "$T/out" cost)" "0 $want2" "--type=.kind"
run mp-enrich -k cid -a tag -t "$T/al.csv" --allocate=spend=cost "$T/al.ndjson"
is "$rc $(mic "$T/out" cost)" \
    "0 2500000 -333334 2500000 2500000 3 3 123456789 -333333 2500000 4 -333333 - 500000 500000" \
    "without --allocate-to every matched event gets a part"
run mp-enrich -k cid -a tag -t "$T/al.csv" --allocate=spend=cost \
    --allocate-to=impression,click "$T/al.ndjson"
is "$rc $(mic "$T/out" cost)" \
    "0 2500000 -333334 2500000 2500000 3 3 123456789 -333333 2500000 4 -333333 - 500000 500000" \
    "--allocate-to=impression,click"
run mp-enrich -k cid -a tag -t "$T/al.csv" --allocate=spend \
    --allocate-to=click "$T/al.ndjson"
is "$rc $(mic "$T/out" spend)|$(mic "$T/out" cost)" \
    "0 3333333 -333334 0 3333333 3 3 123456789 -333333 3333334 4 -333333 - 500000 500000|- - 100000 - - - 9000000 - - - - - - -" \
    "--allocate=spend: the field is the column's name; the impression gets spend 0, keeps its cost"
# --count-column: n from the row; past n 0, short of n unallocated
wantc="5000000 -333334 0 5000000 3 3 123456789 -333333 0 4 -333333 - 250000 250000"
run mp-enrich $A --count-column=n --stats="$T/st" "$T/al.ndjson"
is "$rc $(mic "$T/out" cost)" "0 $wantc" \
    "--count-column=n: 10 over 2 and a third click 0; 1 over 4 for 2 clicks"
jqok "$T/st" '.allocate_excess == 1 and .unallocated_micros == 5500000 and
    .allocated + .allocate_excess == 12' \
    "stats: allocate_excess 1, unallocated_micros 500000 + 5000000"
cat "$T/al.ndjson" | mp-enrich $A --count-column=n >"$T/out" 2>"$T/err"
rc=$?
is "$rc $(mic "$T/out" cost)" "0 $wantc" "--count-column: one pass, works on a pipe"
run mp-enrich -k cid -a tag -t "$T/al.csv" --count-column=n \
    --allocate=spend=cost --allocate-to=click "$T/al.ndjson"
is "$rc $(mic "$T/out" cost)" "0 $wantc" \
    "--count-column before --allocate, both table options of the same table"
printf 'cid,tag,spend,n\na,A,1,2\nb,B,1,x\n' >"$T/al3.csv"
run mp-enrich -k cid -t "$T/al3.csv" --allocate=spend=cost --count-column=n \
    "$T/al.ndjson"
check "--count-column: a count that is not an integer, 65 naming the row" 65 \
    /dev/null "^mp-enrich: .*al3\.csv:3: "
printf 'cid,tag,spend,n\na,A,1.5,2\nb,B,abc,2\n' >"$T/al4.csv"
run mp-enrich -k cid -t "$T/al4.csv" --allocate=spend=cost "$T/al.ndjson"
check "--allocate: spend that is not an exact decimal, 65 naming the row" 65 \
    /dev/null "^mp-enrich: .*al4\.csv:3: "
printf 'cid,tag,spend,n\na,A,1.1234567,2\n' >"$T/al5.csv"
run mp-enrich -k cid -t "$T/al5.csv" --allocate=spend=cost "$T/al.ndjson"
check "--allocate: spend with 7 decimals, 65" 65 /dev/null "al5\.csv:2: "
run mp-enrich -k cid -t "$T/al.csv" --allocate=nope=cost "$T/al.ndjson"
check "--allocate: a column the table lacks, 65" 65 /dev/null "nope"
run mp-enrich -k cid -t "$T/al.csv" --allocate=spend=cost --count-column=nope \
    "$T/al.ndjson"
check "--count-column: a column the table lacks, 65" 65 /dev/null "nope"

# the ends of the money range: no overflow, parts still exact
printf 'cid,spend\na,9223372036853.999999\nb,-9223372036853.999999\nc,1000000000000.000001\n' \
    >"$T/big.csv"
for c in a a a b b b c c c c c c c; do echo "{\"cid\":\"$c\"}"; done >"$T/bigin"
run mp-enrich -k cid -t "$T/big.csv" --allocate=spend=cost "$T/bigin"
is "$rc $(mic "$T/out" cost)" \
    "0 3074457345617999999 3074457345618000000 3074457345618000000 -3074457345618000000 -3074457345618000000 -3074457345617999999 142857142857142857 142857142857142857 142857142857142857 142857142857142858 142857142857142857 142857142857142857 142857142857142858" \
    "--allocate at the ends of the money range (9223372036853.999999 over 3, its negative, 1000000000000.000001 over 7): exact"

# many campaigns: every campaign and day, exact to the micro-unit
if gen-events --help 2>/dev/null | grep -q -- --spend-out; then
	gen-events -n 20000 --seed 21 --days 3 --dup-rate 0.05 --odd-rate 0.1 \
	    --spend-out "$T/spend.csv" >"$T/ev" 2>/dev/null
else
	gen-events -n 20000 --seed 21 --days 3 --dup-rate 0.05 --odd-rate 0.1 \
	    >"$T/ev" 2>/dev/null
	diag "gen-events has no --spend-out: a spend table made here"
	python3 - "$T/ev" "$T/spend.csv" <<'X'
import csv, json, sys
seen, rows = set(), {}
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_id"] in seen:
        continue
    seen.add(e["event_id"])
    k = (e["campaign_id"], e["ts"][:10])
    if e["type"] != "postback":
        rows.setdefault(k, [e["source"], 0])
    if e["type"] == "click" and k in rows:
        rows[k][1] += 1
with open(sys.argv[2], "w") as f:
    f.write("campaign_id,date,network,spend,clicks\n")
    for n, (k, (net, c)) in enumerate(sorted(rows.items())):
        m = (c or 1) * ((n * 2654435761) % 1999999 + 1) + n % 7
        f.write("%s,%s,%s,%d.%06d,%d\n" % (k + (net, m // 10**6, m % 10**6, c)))
X
fi
G="-k campaign_id -k date=.ts[0:10] -a network --allocate=spend=cost --allocate-to=click"
run mp-enrich $G -t "$T/spend.csv" --stats="$T/st" "$T/ev"
h alloc "$T/spend.csv" "$T/ev" "$T/out" pass spend cost >"$T/chk"
jq -e '.bad == 0 and .rows > 500 and .rows_summed > 300 and
    .allocated > 3000' "$T/chk" >/dev/null && [ "$rc" = 0 ] &&
    [ ! -s "$T/err" ]
ok $? "20000 events, two passes: every part exact, within 1 micro-unit, every campaign and day sums to its spend"
[ "$(jq .bad "$T/chk")" = 0 ] || diag "rc $rc $(head -c 300 "$T/err")" \
    "$(jq -c .first_bad "$T/chk")"
jqok "$T/st" "$(jq -r '".allocated == \(.allocated) and
    .unallocated_micros == \(.unallocated_micros) and
    (.allocate_excess // 0) == 0"' "$T/chk")" \
    "...stats: allocated, unallocated_micros (the spend of rows without clicks)"
cp "$T/out" "$T/g1"
IN=$T/ev run mp-enrich $G -t "$T/spend.csv"
check "...deterministic: again, from standard input, byte for byte" 0 \
    "$T/g1" ""
mp-dedup "$T/ev" >"$T/evd"
h clicks "$T/spend.csv" "$T/evd" >"$T/chk"
[ ! -s "$T/chk" ]
ok $? "reference: the clicks column counts the distinct clicks of each campaign and day"
[ -s "$T/chk" ] && diag "$(head -n 3 "$T/chk")"
mp-dedup "$T/ev" | mp-enrich $G -t "$T/spend.csv" --count-column=clicks \
    --stats="$T/st" >"$T/out" 2>"$T/err"
rc=$?
h alloc "$T/spend.csv" "$T/evd" "$T/out" count spend cost >"$T/chk"
jq -e '.bad == 0 and .rows > 500 and .allocated > 3000' "$T/chk" \
    >/dev/null && [ "$rc" = 0 ] && [ ! -s "$T/err" ]
ok $? "--count-column=clicks on the deduplicated events, a pipe: every part exact"
[ "$(jq .bad "$T/chk")" = 0 ] || diag "rc $rc $(head -c 300 "$T/err")" \
    "$(jq -c .first_bad "$T/chk")"
jqok "$T/st" "$(jq -r '".allocated == \(.allocated) and
    .unallocated_micros == \(.unallocated_micros) and
    (.allocate_excess // 0) == \(.excess)"' "$T/chk")" \
    "...stats as the parts say"
is "$(jq -c '[.excess, .rows_short]' "$T/chk")" "[0,0]" \
    "...and the counts are right: no event past a count, no row short"

done_testing
