#!/bin/bash
# mp-enrich without a server: every table format and value type, the added
# fields and the bytes around them, and key expressions.  Tables in
# priority order, duplicate keys, --unmatched and cost allocation are in
# t/5010-enrich-alloc.t; currencies, bad input, the common options, stats,
# -K and usage errors in t/5011-enrich-fx-usage.t; the pg: tables in
# t/5001-enrich-pg.t.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-enrich" ] || skip_all "cmd/mp-enrich is not built"
command -v python3 >/dev/null || skip_all "python3 is not installed"
. "$top/t/lib/enrich.sh"

cd "$T" || exit 1

# --- table formats: CSV (quotes, commas and line ends inside them, a
# byte order mark, CRLF), TSV, NDJSON and .jsonl, --format
printf 'id,name,note,n\r\n1,plain,"a, b",7\r\n2,"say ""hi""","two\nlines",\r\n"3",é😀,"",8\r\n' \
    >"$T/q.csv"
cat >"$T/in" <<'X'
{"id":"1","x":1}
{"id" : "2",  "nested":{"name":"keep"}}
{"id":"3","name":"old","z":[1, 2.50]}
{"id":"4","name":"no match", "w":1.0}
X
cat >"$T/want" <<'X'
{"id":"1","x":1,"name":"plain","note":"a, b","n":"7","cost_source":"q"}
{"id":"2","nested":{"name":"keep"},"name":"say \"hi\"","note":"two\nlines","cost_source":"q"}
{"id":"3","name":"é😀","z":[1,2.5],"n":"8","cost_source":"q"}
{"id":"4","name":"no match","w":1.0}
X
run mp-enrich -k id -t "$T/q.csv" "$T/in"
checkj "csv: CRLF, quoted fields, doubled quotes, a line end in quotes; empty cells add nothing; strings by default" \
    0 "$T/want" "" "$T/in" name,note,n,cost_source
printf '\357\273\277' | cat - "$T/q.csv" >"$T/bom.csv"
run mp-enrich -k id -t "$T/bom.csv" "$T/in"
checkj "csv: a byte order mark before the header" 0 \
    <(sed 's/"q"/"bom"/' "$T/want") "" "$T/in" name,note,n,cost_source
run mp-enrich --key=id --table="$T/q.csv" --rejects="$T/rej" \
    --stats="$T/st" "$T/in"
checkj "--key, --table: the same" 0 "$T/want" "" "$T/in" \
    name,note,n,cost_source
jqok "$T/st" '.records_in == 4 and .records_out == 4 and .matched == {"q": 3}
    and .unmatched == 1 and .table_rows == {"q": 3}' \
    "stats: matched and table_rows by table name, unmatched"

printf 'id\tv\tw\n1\t"x"\ta,b\n2\t\t"y z"\n' >"$T/tt.tsv"
cat >"$T/in" <<'X'
{"id":"1"}
{"id":"2"}
X
cat >"$T/want" <<'X'
{"id":"1","v":"\"x\"","w":"a,b","cost_source":"tt"}
{"id":"2","w":"\"y z\"","cost_source":"tt"}
X
run mp-enrich -k id -t "$T/tt.tsv" "$T/in"
checkj "tsv: tabs, no quoting (quotes and commas are text)" 0 "$T/want" "" \
    "$T/in" v,w,cost_source

cat >"$T/nd.ndjson" <<'X'
{"id":"1","v":12.50,"s":"\u00e9","o":{"a":[1, 2]}}
{"id":"2","v":-1,"extra":true}
{"o":"third","id":"3","s":null}
X
cat >"$T/in" <<'X'
{"id":"1"}
{"id":"2"}
{"id":"3","v":"old"}
X
cat >"$T/want" <<'X'
{"id":"1","v":12.5,"s":"é","o":{"a":[1,2]},"cost_source":"nd"}
{"id":"2","v":-1,"cost_source":"nd"}
{"id":"3","v":"old","s":null,"o":"third","cost_source":"nd"}
X
run mp-enrich -k id -t "$T/nd.ndjson" "$T/in"
checkj "ndjson: the first row's members are the columns; a missing member adds nothing" \
    0 "$T/want" "" "$T/in" v,s,o,cost_source
is "$(raw "$T/out" v)|$(raw "$T/out" s)|$(raw "$T/out" o)" \
    '12.50|-1|"old"|"\u00e9"|-|null|{"a":[1, 2]}|-|"third"' \
    "ndjson: values added as they are written in the table"
cp "$T/nd.ndjson" "$T/nd.jsonl"
run mp-enrich -k id -t "$T/nd.jsonl" "$T/in"
checkj ".jsonl is NDJSON" 0 "$T/want" "" "$T/in" v,s,o,cost_source

cp "$T/q.csv" "$T/q.txt"
cp "$T/tt.tsv" "$T/tt.dat"
cp "$T/nd.ndjson" "$T/nd.json"
printf '{"id":"1"}\n{"id":"2"}\n{"id":"3"}\n' >"$T/in"
cat >"$T/want" <<'X'
{"id":"1","name":"plain","note":"a, b","n":"7","cost_source":"q"}
{"id":"2","w":"\"y z\"","cost_source":"tt"}
{"id":"3","s":null,"o":"third","cost_source":"nd"}
X
run mp-enrich -k id -t "$T/nd.json" --format=ndjson -t "$T/tt.dat" \
    --format=tsv -t "$T/q.txt" --format=csv <(lines "$T/in" 3)
checkj "--format=ndjson for a name that does not say" 0 <(lines "$T/want" 3) \
    "" <(lines "$T/in" 3) s,o,cost_source
run mp-enrich -k id -t "$T/tt.dat" --format=tsv -t "$T/q.txt" --format=csv \
    <(lines "$T/in" 2)
checkj "--format=tsv" 0 <(lines "$T/want" 2) "" <(lines "$T/in" 2) \
    w,cost_source
run mp-enrich -k id -t "$T/q.txt" --format=csv <(lines "$T/in" 1)
checkj "--format=csv; the name is the file's without folder and extension" \
    0 <(lines "$T/want" 1) "" <(lines "$T/in" 1) name,note,n,cost_source
printf 'id,v\n3,three\n' >"$T/o3.dat"
run mp-enrich -k id --format=csv -t "$T/o3.dat" -t "$T/q.txt" "$T/in"
checkj "--format before the first -t: for every table" 0 \
    <(lines "$T/want" 1; echo '{"id":"2","name":"say \"hi\"","note":"two\nlines","cost_source":"q"}'
    echo '{"id":"3","v":"three","cost_source":"o3"}') \
    "" "$T/in" name,note,n,v,cost_source
run mp-enrich -k id -t "$T/q.txt" "$T/in"
is "$rc:$(wc -c <"$T/out"):$(grep -c 'q\.txt' "$T/err")" "$rc:0:1" \
    "a name that does not say the format, without --format: an error naming it, no output"
[ "$rc" != 0 ] && nocrash
ok $? "...a failure, not a crash (status $rc)"

# --- added fields: -a renames, types, nested paths, replacing
cat >"$T/ty.csv" <<'X'
id,s,n,m,j
1,12.50,12.50,12.50,"{""a"": [1, 2]}"
2,x,-0.5e3,-7,"""str"""
3,,0,0.000010,null
4,"a""b",1E+2,100.000000,[]
5,é,-0,-0.000001,true
X
printf '{"id":%s}\n' 1 2 3 4 5 >"$T/in"
run mp-enrich -k id -t "$T/ty.csv" -a s:string -a n:number -a m:money \
    -a j:json "$T/in"
cat >"$T/want" <<'X'
{"id":1,"s":"12.50","n":12.5,"m":12.5,"j":{"a":[1,2]},"cost_source":"ty"}
{"id":2,"s":"x","n":-500,"m":-7,"j":"str","cost_source":"ty"}
{"id":3,"n":0,"m":0.00001,"j":null,"cost_source":"ty"}
{"id":4,"s":"a\"b","n":100,"m":100,"j":[],"cost_source":"ty"}
{"id":5,"s":"é","n":-0,"m":-0.000001,"j":true,"cost_source":"ty"}
X
checkj "-a column:type: string, number, money, json" 0 "$T/want" "" \
    "$T/in" s,n,m,j,cost_source
is "$(raw "$T/out" n)" "12.50|-0.5e3|0|1E+2|-0" "number: written as in the table"
is "$(raw "$T/out" m)" "12.5|-7|0.00001|100|-0.000001" \
    "money: exact, no trailing zeros (12.50 is 12.5)"
is "$(raw "$T/out" j)" '{"a": [1, 2]}|"str"|null|[]|true' "json: as it is"
run mp-enrich -k id -t "$T/ty.csv" --add=s=label -a m=.data.cost "$T/in"
cat >"$T/want" <<'X'
{"id":1,"label":"12.50","data":{"cost":"12.50"},"cost_source":"ty"}
{"id":2,"label":"x","data":{"cost":"-7"},"cost_source":"ty"}
{"id":3,"data":{"cost":"0.000010"},"cost_source":"ty"}
{"id":4,"label":"a\"b","data":{"cost":"100.000000"},"cost_source":"ty"}
{"id":5,"label":"é","data":{"cost":"-0.000001"},"cost_source":"ty"}
X
checkj "--add=s=label, -a m=.data.cost: renamed, a nested field made" 0 \
    "$T/want" "" "$T/in" label,data,cost_source
run mp-enrich -k id -t "$T/ty.csv" -a n=.price.amount:money "$T/in"
check "-a n:money over a column holding -0.5e3: 65 naming ty.csv:3, nothing written" \
    65 /dev/null '^mp-enrich: .*ty\.csv:3: '
printf 'id,cost\n1,3.50\n2,4\n3,5\n' >"$T/c.csv"
cat >"$T/in" <<'X'
{"id":"1"}
{"id":"2","spend":{"currency":"EUR"},"x":"y"}
{"id":"3","spend":{"amount":0,"currency":"EUR"}}
X
cat >"$T/want" <<'X'
{"id":"1","spend":{"amount":3.5},"cost_source":"c"}
{"id":"2","spend":{"currency":"EUR","amount":4},"x":"y","cost_source":"c"}
{"id":"3","spend":{"amount":5,"currency":"EUR"},"cost_source":"c"}
X
run mp-enrich -k id -t "$T/c.csv" -a cost=.spend.amount:money "$T/in"
checkj "-a cost=.spend.amount: a nested path, made when missing, replaced when there" \
    0 "$T/want" "" "$T/in" spend,cost_source
cat >"$T/in" <<'X'
{"id":"1","cost":0.1,"a":"\u00e9\/","b":1.0e2}
{ "cost" : "old" , "id":"2" }
X
cat >"$T/want" <<'X'
{"id":"1","cost":"3.50","a":"é/","b":100,"cost_source":"c"}
{"cost":"4","id":"2","cost_source":"c"}
X
run mp-enrich -k id -t "$T/c.csv" "$T/in"
checkj "a field the record has is replaced, once; the rest byte for byte" \
    0 "$T/want" "" "$T/in" cost,cost_source
printf '{"id":"1","spend":5}\n{"id":"2","spend":[1]}\n{"id":"3"}\n' >"$T/in"
run mp-enrich -k id -t "$T/c.csv" -a cost=.spend.amount --rejects="$T/rej" \
    "$T/in"
[ "$rc" = 0 ] && [ $(($(wc -l <"$T/out") + $(wc -l <"$T/rej"))) = 3 ] &&
    [ "$(jq -c .spend "$T/out" | tail -n 1)" = '{"amount":"5"}' ]
ok $? "-a cost=.spend.amount through a number or an array: no crash, no line lost"
printf '{"id":"1","cost_source":"old"}\n{"id":"9","cost_source":"old"}\n' >"$T/in"
run mp-enrich -k id -t "$T/c.csv" "$T/in"
checkj "a cost_source the record has is replaced when a table matches" 0 \
    <(printf '%s\n' '{"id":"1","cost":"3.50","cost_source":"c"}' \
    '{"id":"9","cost_source":"old"}') "" "$T/in" cost,cost_source

# value and table errors: 65, naming file:line
tbad() {
	local name=$1 file=$2 line=$3; shift 3
	run mp-enrich "$@" "$T/in"
	check "$name: 65, naming ${file##*/}:$line" 65 /dev/null \
	    "^mp-enrich: .*${file##*/}:$line: "
}
printf '{"id":"1"}\n' >"$T/in"
printf 'id,n\n1,1\n2,"12,5"\n' >"$T/b1.csv"
tbad "number: 12,5" "$T/b1.csv" 3 -k id -t "$T/b1.csv" -a n:number
printf 'id,n\n1,01\n' >"$T/b2.csv"
tbad "number: 01" "$T/b2.csv" 2 -k id -t "$T/b2.csv" -a n:number
printf 'id,m\n1,1\n2,2\n3,1.1234567\n' >"$T/b3.csv"
tbad "money: 7 decimals" "$T/b3.csv" 4 -k id -t "$T/b3.csv" -a m:money
printf 'id,m\n1,1e3\n' >"$T/b4.csv"
tbad "money: an exponent" "$T/b4.csv" 2 -k id -t "$T/b4.csv" -a m:money
printf 'id,m\n1,abc\n' >"$T/b5.csv"
tbad "money: not a number" "$T/b5.csv" 2 -k id -t "$T/b5.csv" -a m:money
printf 'id,j\n1,[1]\n2,{bad\n' >"$T/b6.csv"
tbad "json: not JSON" "$T/b6.csv" 3 -k id -t "$T/b6.csv" -a j:json
printf '{"id":"1","m":1}\n{"id":"2","m":0.1234567}\n' >"$T/b7.ndjson"
tbad "ndjson money: 7 decimals" "$T/b7.ndjson" 2 -k id -t "$T/b7.ndjson" \
    -a m:money
printf '{"id":"1","m":1}\n{"id":"2",\n' >"$T/b8.ndjson"
tbad "ndjson: a row that is not JSON" "$T/b8.ndjson" 2 -k id \
    -t "$T/b8.ndjson"
printf '{"id":"1","m":1}\n{"m":2}\n' >"$T/b9.ndjson"
tbad "ndjson: a row without the key column" "$T/b9.ndjson" 2 -k id \
    -t "$T/b9.ndjson"
printf 'id,v\n1,"open\n' >"$T/b10.csv"
tbad "csv: a quote never closed" "$T/b10.csv" 2 -k id -t "$T/b10.csv"
printf 'id,v,w\n1,a,b\n2,c\n' >"$T/b11.csv"
tbad "csv: a row lacking the column -a names" "$T/b11.csv" 3 -k id \
    -t "$T/b11.csv" -a w
run mp-enrich -k id -t "$T/c.csv" -a nope "$T/in"
check "-a a column the header lacks: 65" 65 /dev/null "c\.csv.*nope|nope.*c\.csv"
run mp-enrich -k nope -t "$T/c.csv" "$T/in"
check "-k a column the header lacks: 65" 65 /dev/null "c\.csv.*nope|nope.*c\.csv"
run mp-enrich -t "$T/c.csv" "$T/in"
check "the default key event_id, lacking in the header: 65" 65 /dev/null \
    "c\.csv.*event_id|event_id.*c\.csv"

# --- key expressions
cat >"$T/k.csv" <<'X'
id,day,src,v
1,2026-11-20,GOOGLE_ADS,one
1,2026-11-21,GOOGLE_ADS,two
x,2026-11-20,META_ADS,three
true,2026-11-20,X,four
1.0,2026-11-20,Y,five
X
cat >"$T/in" <<'X'
{"id":1,"ts":"2026-11-20T23:59:59Z"}
{"id":"1","ts":"2026-11-21T00:00:00.5+01:00"}
{"id":1.0,"ts":"2026-11-20T00:00:00Z"}
{"id":"1","ts":"2026-11-22T00:00:00Z"}
{"id":"\u0078","ts":"2026-11-20T12:00:00Z"}
{"id":"x"}
{"id":null,"ts":"2026-11-20T12:00:00Z"}
{"id":true,"ts":"2026-11-20T12:00:00Z"}
{"id":"true","ts":"2026-11-20T12:00:00Z"}
{"ts":"2026-11-20T12:00:00Z"}
{"id":1.00,"ts":"2026-11-20T00:00:00Z"}
{"id":10,"ts":"2026-11-20T00:00:00Z"}
X
cat >"$T/want" <<'X'
{"id":1,"ts":"2026-11-20T23:59:59Z","v":"one","cost_source":"k"}
{"id":"1","ts":"2026-11-21T00:00:00.5+01:00","v":"two","cost_source":"k"}
{"id":1.0,"ts":"2026-11-20T00:00:00Z","v":"five","cost_source":"k"}
{"id":"1","ts":"2026-11-22T00:00:00Z"}
{"id":"x","ts":"2026-11-20T12:00:00Z","v":"three","cost_source":"k"}
{"id":"x"}
{"id":null,"ts":"2026-11-20T12:00:00Z"}
{"id":true,"ts":"2026-11-20T12:00:00Z","v":"four","cost_source":"k"}
{"id":"true","ts":"2026-11-20T12:00:00Z","v":"four","cost_source":"k"}
{"ts":"2026-11-20T12:00:00Z"}
{"id":1.00,"ts":"2026-11-20T00:00:00Z"}
{"id":10,"ts":"2026-11-20T00:00:00Z"}
X
run mp-enrich -k id -k 'day=.ts[0:10]' -a v --rejects="$T/rej" "$T/in" \
    -t "$T/k.csv"
checkj "-k path and -k day=.ts[0:10]: numbers by their text (1.0 is not 1), escapes decoded, true, missing and null keys do not match" \
    0 "$T/want" "" "$T/in" v,cost_source
is "$(wc -c <"$T/rej")" 0 "...and nothing rejected"
cat >"$T/in" <<'X'
{"source":"google_ads","ts":"2026-11-20T01:00:00Z"}
{"source":"meta_ads","ts":"2026-11-20T01:00:00Z","n":1}
{"source":5,"ts":"2026-11-20T01:00:00Z"}
{"source":"google_ads","ts":"2026-11-21T01:00:00Z"}
{"source":"tiktok_ads","ts":"2026-11-21T01:00:00Z"}
{"ts":"2026-11-20T01:00:00Z","source":{"a":1}}
X
cat >"$T/want" <<'X'
{"source":"google_ads","ts":"2026-11-20T01:00:00Z","v":"one","cost_source":"k"}
{"source":"meta_ads","ts":"2026-11-20T01:00:00Z","n":1,"v":"three","cost_source":"k"}
{"source":"google_ads","ts":"2026-11-21T01:00:00Z","v":"two","cost_source":"k"}
{"source":"tiktok_ads","ts":"2026-11-21T01:00:00Z"}
X
run mp-enrich -k 'src=(.source|ascii_upcase)' -k day=.ts[0:10] -a v \
    -t "$T/k.csv" --rejects="$T/rej" "$T/in"
checkj "-k src=(.source|ascii_upcase): a jq program" 0 "$T/want" "" \
    <(lines "$T/in" 1 2 4 5) v,cost_source
is "$(field "$T/rej" .line)" "3|6" "...a program that fails on a record rejects it"
rejok "$T/rej" "$T/in"
ok $? "...the rejects: prog, file, line, reason, the record"
run mp-enrich -k 'src=(.source|ascii_upcase)' -k day=.ts[0:10] -a v \
    -t "$T/k.csv" "$T/in"
checkj "...without --rejects: 65, the rest written" 65 "$T/want" \
    "^mp-enrich: .*in:3: "
cat >"$T/in" <<'X'
{"a":{"b":"1"},"ts":"2026-11-20T01:00:00Z"}
{"a":"1","ts":"2026-11-20T01:00:00Z"}
{"a":{"c":1},"ts":"2026-11-20T01:00:00Z"}
X
run mp-enrich -k id=.a.b -k day=.ts[0:10] -a v -t "$T/k.csv" \
    --rejects="$T/rej" "$T/in"
checkj "-k id=.a.b: a path through a string is absent, not an error" 0 \
    <(echo '{"a":{"b":"1"},"ts":"2026-11-20T01:00:00Z","v":"one","cost_source":"k"}'; lines "$T/in" 2 3) \
    "" "$T/in" v,cost_source
is "$(wc -c <"$T/rej")" 0 "...nothing rejected"
run mp-enrich -k 'id=(.a.b)' -k day=.ts[0:10] -a v -t "$T/k.csv" \
    --rejects="$T/rej" "$T/in"
is "$rc $(field "$T/rej" .line) $(wc -l <"$T/out")" "0 2 2" \
    "-k 'id=(.a.b)': the same as a program fails on .a a string: rejected"
run mp-enrich -k 'id=(.a | objects | .b // empty)' -k day=.ts[0:10] -a v \
    -t "$T/k.csv" -t second="$T/k.csv" -k 'id=("1")' -k day=.ts[0:10] -a v \
    --rejects="$T/rej" "$T/in"
is "$rc $(field "$T/out" .cost_source) $(wc -c <"$T/rej")" "0 k|second|second 0" \
    "a program with no output does not match: the next table is tried"
cat >"$T/u.csv" <<'X'
p,v
é😀a,ok
X
printf '%s\n' '{"name":"é😀ab"}' '{"name":"\u00e9\ud83d\ude00a"}' \
    '{"name":"é😀"}' '{"name":"e😀ab"}' >"$T/in"
run mp-enrich -k p=.name[0:3] -t "$T/u.csv" "$T/in"
checkj ".name[0:3]: characters, not bytes; decoded" 0 \
    <(jq -c '. + {v: "ok", cost_source: "u"}' <(lines "$T/in" 1 2); lines "$T/in" 3 4) \
    "" "$T/in" v,cost_source
printf '{"k1":"a,b","k2":"c","v":1}\n{"k1":"a","k2":"b,c","v":2}\n{"k1":"a\\u001fb","k2":"c","v":3}\n{"k1":"a","k2":"b\\u001fc","v":4}\n{"k1":"a\\u0000b","k2":"c","v":5}\n{"k1":"a","k2":"b\\u0000c","v":6}\n' \
    >"$T/m.ndjson"
jq -c '{k1, k2, n: .v}' "$T/m.ndjson" >"$T/in"
run mp-enrich -k k1 -k k2 -a v -t "$T/m.ndjson" "$T/in"
is "$rc $(field "$T/out" '.v == .n')" "0 true|true|true|true|true|true" \
    "a key of two columns: no two keys run together"

done_testing
