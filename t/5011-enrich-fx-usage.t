#!/bin/bash
# mp-enrich without a server: currency conversion, bad input, --strict,
# the log format, --max-record, progress, stats, metrics, -K and usage
# errors, and what review found.  The rest is in t/5000-enrich.t and
# t/5010-enrich-alloc.t.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-enrich" ] || skip_all "cmd/mp-enrich is not built"
command -v python3 >/dev/null || skip_all "python3 is not installed"
. "$top/t/lib/enrich.sh"

cd "$T" || exit 1

# tables the cases below share with t/5010-enrich-alloc.t, made as there
printf 'id,v\n1,A1\n4,A4\n' >"$T/t1.csv"
printf '{"id":"2","v":"B2"}\n{"id":"4","v":"B4"}\n{"id":"5","v":"B5"}\n' \
    >"$T/t2.ndjson"
printf 'id,v\n1,a\n2,b\n1,c\n' >"$T/dup.csv"
cat >"$T/al.csv" <<'X'
cid,tag,spend,n
a,A,10.000000,2
r,R,-1.000000,3
s,S,0.000010,3
o,O,123.456789,1
z,Z,5,1
b,B,1,4
X

# --- currencies
cat >"$T/fx.csv" <<'X'
date,currency,rate
2026-11-19,EUR,1.08
2026-11-20,EUR,1.0833
2026-11-21,EUR,1.09
2026-11-14,GBP,1.25
2026-11-16,GBP,1.3
2026-11-14,JPY,0.0065
2026-11-13,CHF,1.1
2026-11-20,HLF,0.5
2026-11-20,PRC,1.000000000001
X
cat >"$T/in" <<'X'
{"id":1,"ts":"2026-11-20T10:00:00Z","revenue":50,"currency":"EUR"}
{"id":2,"ts":"2026-11-20T23:30:00-01:00","cost":2,"currency":"EUR"}
{"id":3,"ts":"2026-11-20T10:00:00Z","cost":1.5,"revenue":10.25,"currency":"GBP","x":[1, 2]}
{"id":4,"ts":"2026-11-15T10:00:00.123456Z","cost":1,"currency":"GBP"}
{"id":5,"ts":"2026-11-20T00:00:00Z","revenue":1000,"currency":"JPY"}
{"id":6,"ts":"2026-11-20T00:00:00Z","revenue":1,"currency":"CHF"}
{"id":7,"ts":"2026-11-18T12:00:00Z","revenue":1,"currency":"EUR"}
{"id":8,"ts":"2026-11-20T12:00:00Z","revenue":1,"currency":"XXX"}
{"id":9,"ts":"2026-11-20T12:00:00Z","revenue":1.50,"currency":"USD"}
{"id":10,"ts":"2026-11-20T12:00:00Z","revenue":1.50}
{"id":11,"ts":"2026-11-20T12:00:00Z","cost":0.000001,"revenue":-0.000001,"currency":"HLF"}
{"id":12,"ts":"2026-11-20T12:00:00Z","cost":0.000005,"revenue":-0.000003,"currency":"HLF"}
{"id":13,"ts":"2026-11-20T12:00:00Z","cost":0.000002,"revenue":-7.000001,"currency":"HLF"}
{"id":14,"ts":"2026-11-20T12:00:00Z","cost":1000000,"currency":"PRC"}
{"id":15,"ts":"2026-11-20T12:00:00Z","revenue":1.1234567,"currency":"EUR"}
{"id":16,"ts":"2026-11-20T12:00:00Z","revenue":1e2,"currency":"EUR"}
{"id":17,"revenue":1,"currency":"EUR"}
X
run mp-enrich --currency-table="$T/fx.csv" --currency=USD \
    --rejects="$T/rej" --stats="$T/st" "$T/in"
is "$rc $(field "$T/out" .id)" "0 1|2|3|4|5|9|10|11|12|13|14" \
    "--currency-table: no -t needed; the records with a rate pass"
is "$(mic "$T/out" revenue)" \
    "54165000 - 13325000 - 6500000 1500000 1500000 -1 -2 -3500001 -" \
    "revenue times the day's rate, exactly (50 EUR is 54.165 USD); halves away from zero"
is "$(mic "$T/out" cost)" \
    "- 2180000 1950000 1250000 - - - 1 3 1 1000000000001" \
    "cost: -01:00 is the next UTC day; the latest of the 6 days before; 12 decimals of rate"
is "$(field "$T/out" .currency)" "USD|USD|USD|USD|USD|USD|null|USD|USD|USD|USD" \
    "the currency set to USD"
cat >"$T/want" <<'X'
{"from":"EUR","rate":1.0833,"revenue":50}
{"from":"EUR","rate":1.09,"cost":2}
{"from":"GBP","rate":1.3,"cost":1.5,"revenue":10.25}
{"from":"GBP","rate":1.25,"cost":1}
{"from":"JPY","rate":0.0065,"revenue":1000}
null
null
{"from":"HLF","rate":0.5,"cost":0.000001,"revenue":-0.000001}
{"from":"HLF","rate":0.5,"cost":0.000005,"revenue":-0.000003}
{"from":"HLF","rate":0.5,"cost":0.000002,"revenue":-7.000001}
{"from":"PRC","rate":1.000000000001,"cost":1000000}
X
cmp -s <(jq -S -c .fx "$T/out") <(jq -S -c . "$T/want")
ok $? "fx: from, rate and what was converted"
h raw "$T/out" fx | sed -n 11p | grep -q '"rate":1\.000000000001\b'
ok $? "fx: the rate of 12 decimals as it is"
lines "$T/in" 9 10 | cmp -s - <(lines "$T/out" 6 7)
ok $? "already USD, or no currency field: the same bytes"
h rest <(lines "$T/in" 1 2 3 4 5 9 10 11 12 13 14) "$T/out" \
    revenue,cost,currency,fx >"$T/chk"
ok $? "the rest of each converted line byte for byte"
[ -s "$T/chk" ] && diag "$(cat "$T/chk")"
is "$(field "$T/rej" .line)" "6|7|8|15|16|17" \
    "rejected: 7 days back, only later rates, an unknown currency, 7 decimals, an exponent, no time"
rejok "$T/rej" "$T/in"
ok $? "...the rejects have prog, file, line, reason, record"
jqok "$T/st" '.converted == 9 and .rejected == 6 and .records_out == 11' \
    "stats: converted"
run mp-enrich --currency-table="$T/fx.csv" --currency=USD "$T/in"
is "$rc $(wc -l <"$T/out")" "65 11" "rejects without --rejects: 65"
run mp-enrich --currency-table="$T/fx.csv" --currency=USD --convert=.cost \
    --fx-field=conv --rejects="$T/rej" <(lines "$T/in" 3)
is "$rc $(jq -c '[.revenue, .cost, .currency, .conv, has("fx")]' "$T/out" | paste -sd' ' -)" \
    '0 [10.25,1.95,"USD",{"from":"GBP","rate":1.3,"cost":1.5},false]' \
    "--convert=.cost: the other money stays; --fx-field=conv"
run mp-enrich --currency-table="$T/fx.csv" --currency=USD --fx-field= \
    --rejects="$T/rej" <(lines "$T/in" 1 3)
is "$rc $(jq -c '[.revenue, .cost, .currency, has("fx")]' "$T/out" | paste -sd' ' -)" \
    '0 [54.165,null,"USD",false] [13.325,1.95,"USD",false]' "--fx-field= : nowhere"
cat >"$T/in2" <<'X'
{"when":"2026-11-21T00:00:00Z","ts":"x","d":{"amt":2,"cur":"GBP"},"cur":"EUR"}
{"when":"2026-11-20T10:00:00Z","d":{"amt":10,"cur":"EUR"},"cur":"USD"}
X
run mp-enrich --currency-table="$T/fx.csv" --currency=EUR \
    --convert=.d.amt,.cost --currency-field=.d.cur -T .when "$T/in2"
is "$rc $(jq -c '[.d.amt, .d.cur, .cur]' "$T/out" | paste -sd' ' -)" \
    '0 [2.6,"EUR","EUR"] [10,"EUR","USD"]' \
    "--convert=.d.amt, --currency-field=.d.cur, -T .when; EUR is the reporting currency"
run mp-enrich --currency-table="$T/fx.csv" --currency=EUR \
    --convert=.d.amt --currency-field=.d.cur --time=.ts "$T/in2"
is "$rc $(wc -l <"$T/out") $(jq -c .d.amt "$T/out")" "65 1 10" \
    "--time=.ts: not a time there, rejected; a record in EUR needs no time"
cat >"$T/cur.csv" <<'X'
currency,tag
USD,usd
EUR,eur
X
run mp-enrich --currency-table="$T/fx.csv" --currency=USD -k currency \
    -t "$T/cur.csv" <(lines "$T/in" 1 9 10)
is "$rc $(field "$T/out" '.tag // "-"')" "0 usd|usd|-" \
    "conversion happens before the lookups"
printf 'date,currency,rate\n2026-11-20,EUR,1.0000000000001\n' >"$T/fx1.csv"
run mp-enrich --currency-table="$T/fx1.csv" --currency=USD "$T/in"
check "a rate of 13 decimals: 65 naming the row" 65 /dev/null "fx1\.csv:2: "
printf 'date,currency,rate\n2026-11-20,EUR,1.1\n2026-11-21,EUR,1.2\n2026-11-20,EUR,1.3\n' \
    >"$T/fx2.csv"
run mp-enrich --currency-table="$T/fx2.csv" --currency=USD "$T/in"
check "two rates for a day and currency: 65" 65 /dev/null "fx2\.csv:(2|4)\b"
printf 'date,currency,rate\n20261120,EUR,1.1\n' >"$T/fx3.csv"
run mp-enrich --currency-table="$T/fx3.csv" --currency=USD "$T/in"
check "a date that is not YYYY-MM-DD: 65" 65 /dev/null "fx3\.csv:2: "
printf 'date,rate\n2026-11-20,1.1\n' >"$T/fx4.csv"
run mp-enrich --currency-table="$T/fx4.csv" --currency=USD "$T/in"
check "a rate table without a currency column: 65" 65 /dev/null "fx4\.csv"
if gen-events --help 2>/dev/null | grep -q -- --fx-out; then
	gen-events -n 5000 --seed 22 --days 3 --odd-rate 0 \
	    --fx-out "$T/gfx.csv" >"$T/gev" 2>/dev/null
	run mp-enrich --currency-table="$T/gfx.csv" --currency=USD \
	    --stats="$T/st" "$T/gev"
	h fx "$T/gev" "$T/gfx.csv" "$T/out" USD >"$T/chk"
	jq -e '.bad == 0 and .converted > 50 and .rejected == 0' "$T/chk" \
	    >/dev/null && [ "$rc" = 0 ] && [ ! -s "$T/err" ]
	ok $? "generated events and gen-events --fx-out: every conversion exact"
	[ "$(jq .bad "$T/chk")" = 0 ] || diag "$(cat "$T/chk")"
	jqok "$T/st" ".converted == $(jq .converted "$T/chk")" "...stats: converted"
fi

# --- bad input: rejected with reasons, never a crash
{
	echo '{"id":"1"}'
	echo 'not json'
	echo '[1,2]'
	echo '"str"'
	echo '{"id":"1","id":"2"}'
	printf '{"id":"\377"}\n'
	printf '{"id":"1","pad":"%s"}\n' "$(printf 'x%.0s' $(seq 1100))"
	h nest 129 obj
	h nest 128 obj
	echo '{"id":"1"} {}'
	echo '{"id":"1"}'
} >"$T/in"
printf 'id,v\n1,one\n' >"$T/one.csv"
run mp-enrich -k id -t "$T/one.csv" --max-record=1000 --rejects="$T/rej" \
    --stats="$T/st" "$T/in"
checkj "bad lines rejected, the good ones written" 0 \
    <(echo '{"id":"1","v":"one","cost_source":"one"}'; lines "$T/in" 9; \
    echo '{"id":"1","v":"one","cost_source":"one"}') "" \
    <(lines "$T/in" 1 9 11) v,cost_source
is "$(field "$T/rej" '"\(.line) \(.reason | split(":")[0])"')" \
    "2 invalid JSON|3 invalid JSON|4 invalid JSON|5 invalid JSON|6 invalid JSON|7 record longer than 1000 bytes|8 invalid JSON|10 invalid JSON" \
    "the reasons: invalid JSON (not JSON, not an object, a key twice, bad UTF-8, 129 deep, text after), too long"
is "$(field "$T/rej" 'select(.line == 5 or .line == 8) | .reason')" \
    "invalid JSON: duplicate key 'id' at byte 11|invalid JSON: nesting deeper than 128 at byte 133" \
    "...in mp(7)'s words"
is "$(field "$T/rej" 'select(.record_b64) | "\(.line) \(.bytes // "-")"')" \
    "6 -|7 $(($(lines "$T/in" 7 | wc -c) - 1))" \
    "invalid UTF-8 and the long line as record_b64, the long one with its bytes"
is "$(jq -r 'select(.line == 6) | .record_b64' "$T/rej" | base64 -d | od -An -c | tr -s ' ')" \
    "$(lines "$T/in" 6 | tr -d '\n' | od -An -c | tr -s ' ')" \
    "...the bad line byte for byte"
jqok "$T/st" '.records_in == 11 and .records_out == 3 and .rejected == 8 and
    .rejected_by["invalid JSON"] == 7' "stats: rejected_by invalid JSON"
{ h nest 200000 arr; h nest 100000 obj; echo '{"id":"1"}'; } >"$T/deep"
run mp-enrich -k id -t "$T/one.csv" --rejects="$T/rej" "$T/deep"
checkj "200000 brackets deep: rejected, no crash" 0 \
    <(echo '{"id":"1","v":"one","cost_source":"one"}') "" <(lines "$T/deep" 3) \
    v,cost_source
is "$(field "$T/rej" .line)" "1|2" "...both deep lines"
printf '\357\273\277{"id":"1"}\r\n\r\n  \n{"id":"2"}' >"$T/in"
run mp-enrich -k id -t "$T/one.csv" --stats="$T/st" "$T/in"
checkj "a byte order mark, CRLF, blank lines, no last newline" 0 \
    <(printf '{"id":"1","v":"one","cost_source":"one"}\n{"id":"2"}\n') ""
jqok "$T/st" '.blank_lines == 2 and .records_in == 2' "...blank lines counted"

# --- strict, log format, max-record, progress
printf '{"id":"1"}\n{"id":"2"}\n{"id":"1"}\n' >"$T/in"
run mp-enrich -k id -t "$T/one.csv" -s --unmatched=reject --rejects="$T/rej" \
    "$T/in"
checkj "-s: stops at the first reject, 65" 65 \
    <(echo '{"id":"1","v":"one","cost_source":"one"}') ""
run mp-enrich -k id -t "$T/one.csv" --strict --unmatched=reject "$T/in"
is "$rc $(wc -l <"$T/out")" "65 1" "--strict"
run mp-enrich -k id -t "$T/one.csv" --unmatched=reject --log-format=json \
    "$T/in"
[ "$rc" = 65 ] && jq -e 'select(.prog == "mp-enrich" and .line == 2 and
    .level and (.msg | length) > 0)' "$T/err" >/dev/null
ok $? "--log-format=json: the reject as JSON on stderr"
run mp-enrich -k id -t "$T/one.csv" --log-format=json -t "$T/none.csv" "$T/in"
[ "$rc" = 66 ] && jq -e 'select(.level == "error")' "$T/err" >/dev/null
ok $? "--log-format=json: a missing table, level error, 66"
run mp-enrich -k id -t "$T/one.csv" --progress "$T/in"
is "$rc $(field "$T/out" '.v // "-"')" "0 one|-|one" "--progress"
run mp-enrich -k id -t "$T/one.csv" --no-progress "$T/in"
checkj "--no-progress" 0 <(printf '%s\n' \
    '{"id":"1","v":"one","cost_source":"one"}' '{"id":"2"}' \
    '{"id":"1","v":"one","cost_source":"one"}') ""

# SIGTERM: the record in hand finished, stats with interrupted, 143
mkfifo "$T/fifo"
{ printf '{"id":"1"}\n{"id":"2"}\n'; exec sleep 60; } >"$T/fifo" &
wpid=$!
mp-enrich -k id -t "$T/one.csv" --stats="$T/st" "$T/fifo" >"$T/out" \
    2>"$T/err" &
epid=$!
# (the output may be held until exit: then the 5 s are the wait)
for i in $(seq 50); do
	[ "$(wc -l <"$T/out")" -ge 2 ] && break
	sleep 0.1
done
kill -TERM "$epid"
wait "$epid"
rc=$?
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null
rm -f "$T/fifo"
check "SIGTERM while reading: 143, the records read written" 143 \
    <(printf '%s\n' '{"id":"1","v":"one","cost_source":"one"}' '{"id":"2"}') ""
jqok "$T/st" '.interrupted == true and .exit == 143 and .records_in == 2' \
    "...stats: interrupted true"

# --- stats and metrics
run mp-enrich -k id -t "$T/t1.csv" -t "$T/t2.ndjson" --unmatched=drop \
    --stats="$T/st" --metrics="$T/prom" <(printf '{"id":"%s"}\n' 1 2 4 5 9)
jqok "$T/st" '.prog == "mp-enrich" and .records_in == 5 and
    .records_out == 4 and .dropped == 1 and .matched == {"t1": 2, "t2": 2}
    and .unmatched == 1 and .table_rows == {"t1": 2, "t2": 3} and .exit == 0' \
    "--stats=FILE"
grep -q '^mp_records_in_total{prog="mp-enrich"} 5$' "$T/prom" &&
    grep -q '^mp_unmatched_total{prog="mp-enrich"} 1$' "$T/prom" &&
    grep -qE '^mp_matched_total\{prog="mp-enrich",[a-z]+="t1"\} 2$' "$T/prom"
st=$?
ok $st "--metrics: the own counters, matched by table name"
[ $st = 0 ] || diag "$(grep -v '^#' "$T/prom" | head -20)"
run mp-enrich -k id -t "$T/t1.csv" --stats /dev/null
[ "$rc" = 0 ] && jq -e '.prog == "mp-enrich" and .records_in == 0' \
    "$T/err" >/dev/null
ok $? "--stats alone: to stderr"

# --- -K: the ordered table options from a file
mkdir -p "$T/ex"
if [ -f "$top/examples/enrich.conf" ]; then
	cp -R "$top/examples/." "$T/ex/"
	(cd "$T/ex" && mp-enrich -K enrich.conf events.ndjson >"$T/out" \
	    2>"$T/err")
	rc=$?
	cp "$T/ex/enrich-rejects.ndjson" "$T/kr" 2>/dev/null
	(cd "$T/ex" && mp-enrich -k campaign_id -k 'date=.ts[0:10]' \
	    -a spend=cost:money -t spend/google_ads.csv \
	    -t spend/meta_ads.ndjson -t default=spend/default-cpc.csv \
	    -k source -k type -a cpc=cost:money --rejects=enrich-rejects.ndjson \
	    events.ndjson >"$T/want" 2>/dev/null)
	check "-K examples/enrich.conf: what its options give on the command line" \
	    0 "$T/want" ""
	is "$(field "$T/out" '.cost_source // "-"' | tr '|' '\n' | sort -u |
	    paste -sd' ' -)" "- default google_ads meta_ads" \
	    "...every table of it wins somewhere"
	cmp -s "$T/kr" "$T/ex/enrich-rejects.ndjson" && [ -s "$T/kr" ]
	ok $? "...rejects = FILE"
fi
cat >"$T/k.conf" <<X
# tables in order, each with its options
key = id
source-field: src
--table=$T/dup.csv
last
table $T/t2.ndjson
-a v=w
unmatched = drop
dropped = $T/kdrop
X
printf '{"id":"%s"}\n' 1 4 7 >"$T/in"
run mp-enrich -K "$T/k.conf" "$T/in"
checkj "-K: key, source-field, a table with --last, a table with -a" 0 \
    <(printf '%s\n' '{"id":"1","v":"c","src":"dup"}' \
    '{"id":"4","w":"B4","src":"t2"}') "" <(lines "$T/in" 1 2) v,w,src
is "$(field "$T/kdrop" .line)" "3" "-K: unmatched = drop, dropped = FILE"
run mp-enrich --config="$T/k.conf" --source-field=s2 "$T/in"
is "$rc $(field "$T/out" .s2)" "0 dup|t2" "--config; an option after it wins"
run mp-enrich -K "$T/none.conf" "$T/in"
check "-K a file that is not there: 78" 78 /dev/null "none\.conf"

# --- usage and other errors
run mp-enrich -k id -t "$T/none.csv" "$T/in"
check "a table that cannot be read: 66, naming it" 66 /dev/null \
    "^mp-enrich: .*none\.csv: No such file or directory"
run mp-enrich -k id -t "$T/one.csv" "$T/in" "$T/none.ndjson"
is "$rc $(grep -c "^mp-enrich: $T/none.ndjson: " "$T/err") $(wc -l <"$T/out")" \
    "66 1 3" "an input file that cannot be read: reported, skipped, 66"
usage() {
	local name=$1 pat=$2; shift 2
	run mp-enrich "$@" "$T/in"
	check "usage: $name: 64" 64 /dev/null "$pat"
}
U='^(mp-enrich: |usage: mp-enrich)'
usage "no -t and no --currency-table" "$U" -k id
usage "--unmatched=maybe" "$U.*unmatched|^usage" -k id -t "$T/one.csv" \
    --unmatched=maybe
usage "--batch=0" "$U" -k id -t "$T/one.csv" --batch=0
usage "-b 1000001" "$U" -k id -t "$T/one.csv" -b 1000001
usage "-b x" "$U" -k id -t "$T/one.csv" -b x
usage "--cache=-1" "$U" -k id -t "$T/one.csv" --cache=-1
usage "--cache=100000001" "$U" -k id -t "$T/one.csv" --cache=100000001
usage "--currency-table without --currency" "$U.*currency|^usage" \
    --currency-table="$T/fx.csv"
usage "-a v:float" "$U" -k id -t "$T/one.csv" -a v:float
usage "-k a bad path" "$U" -k 'id=.a[' -t "$T/one.csv"
usage "-k a bad jq program" "$U" -k 'id=(.a|' -t "$T/one.csv"
usage "-k empty" "$U" -k '' -t "$T/one.csv"
usage "-a a bad path" "$U" -k id -t "$T/one.csv" -a 'v=.a..b'
usage "--format=xml" "$U" -k id -t "$T/one.csv" --format=xml
usage "--type=type (not a path)" "$U" -k id -t "$T/al.csv" --allocate=spend \
    --type=type
usage "-T ts (not a path)" "$U" --currency-table="$T/fx.csv" --currency=USD \
    -T ts
usage "--convert=cost (not a path)" "$U" --currency-table="$T/fx.csv" \
    --currency=USD --convert=cost
usage "--currency-field=currency" "$U" --currency-table="$T/fx.csv" \
    --currency=USD --currency-field=currency
run mp-enrich -k id -t "$T/one.csv" --rejects="$T/nodir/rej" "$T/in"
check "--rejects that cannot be created: 73" 73 /dev/null "nodir"
run mp-enrich -h
miss=0
for o in -s -k -a -t --format --first --last --allocate --count-column \
    -d -b --cache --source-field --unmatched --allocate-to --type \
    --currency-table --currency --convert --currency-field -T --fx-field \
    -K --rejects --dropped --stats --metrics --max-record --log-format; do
	grep -qE -- "[[ |]$o([][ =|]|\$)" "$T/out" || {
		miss=1
		diag "usage lacks $o"
	}
done
[ "$rc" = 0 ] && grep -q '^usage: mp-enrich ' "$T/out"
ok $((miss | $?)) "-h: the usage of the synopsis, on stdout"
run mp-enrich --version
is "$rc $(cut -d' ' -f1 "$T/out")" "0 mp-enrich" "--version"
run mp-enrich -V
is "$rc $(cut -d' ' -f1 "$T/out")" "0 mp-enrich" "-V"
if [ -w /dev/full ]; then
	mp-enrich -k id -t "$T/one.csv" "$T/in" >/dev/full 2>"$T/err"
	rc=$?
	: >"$T/out"
	check "stdout on a full disk: 74" 74 /dev/null "^mp-enrich: "
fi
gen-events -n 20000 --seed 3 >"$T/big" 2>/dev/null
mp-enrich -k id=.campaign_id -t "$T/t1.csv" "$T/big" 2>"$T/err" | head -n 1 \
    >"$T/out"
rc=${PIPESTATUS[0]}
check "stdout closed early: 0, quietly" 0 <(head -n 1 "$T/big") ""

# --- found in review
printf 'date,currency,rate\n2024-01-05,EUR,\n' >"$T/fxe.csv"
run mp-enrich --currency-table="$T/fxe.csv" --currency=USD \
    <(printf '{"ts":"2024-01-05T10:00:00Z","currency":"EUR","revenue":50}\n')
check "a rate table with an empty rate: 65 naming the row" 65 /dev/null \
    "fxe.csv:2: column 'rate' is empty"
printf 'campaign_id,spend\nc1,10\n' >"$T/sp1.csv"
printf 'date,currency,rate\n2024-01-05,EUR,1.1\n' >"$T/fx1.csv"
for cur in EUR GBP EUR; do
	printf '{"campaign_id":"c1","ts":"2024-01-05T10:00:00Z","currency":"%s","revenue":1}\n' $cur
done >"$T/ev3"
run mp-enrich -t "$T/sp1.csv" -k campaign_id --allocate=spend=share \
    --currency-table="$T/fx1.csv" --currency=USD --rejects="$T/r3" "$T/ev3"
is "$rc $(jq -r .share "$T/out" | paste -sd' ' -) $(wc -l <"$T/r3")" "0 5 5 1" \
    "a record the conversion rejects is not counted in the first pass"
printf '{"campaign_id":"c1","x":{}}\n{"campaign_id":"c1","x":1}\n{"campaign_id":"c1","x":{}}\n' >"$T/ev4"
run mp-enrich -t "$T/sp1.csv" -k campaign_id --allocate=spend=x.share \
    --rejects="$T/r4" --stats="$T/st4" "$T/ev4"
jqok "$T/st4" '.allocated == 2 and .unallocated_micros == 3333334' \
    "a share a rejected record could not take is counted unallocated"

# a field both added and allocated would be in the record twice
printf 'campaign_id,spend,clicks\nc1,1.00,3\n' >"$T/dupf.csv"
printf '{"event_id":"a","type":"click","campaign_id":"c1"}\n' >"$T/dupf"
run mp-enrich -k campaign_id -a spend=cost:money --allocate=spend=cost \
    --count-column=clicks -t "$T/dupf.csv" "$T/dupf"
check "-a and --allocate into one field: 64" 64 /dev/null \
    "'.cost' is both added \\(-a\\) and allocated"
run mp-enrich -k campaign_id -a spend:money --allocate=spend=cost \
    --count-column=clicks -t "$T/dupf.csv" "$T/dupf"
jqok "$T/out" '.spend == 1 and .cost == 0.333333' \
    "-a and --allocate into two fields: both there, once"

done_testing
