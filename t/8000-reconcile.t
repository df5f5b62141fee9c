#!/bin/bash
# mp-reconcile: matching sides, drift one micro-unit past a tolerance,
# the edges of --tolerance and --tolerance-pct, keys missing on either
# side, CSV, TSV, stdin and PostgreSQL query sides (pg_start), bad input
# (not money, more than 6 places, a key twice: 65 naming the line), --sum,
# --all, --stats and --metrics, and the usage errors.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-reconcile" ] || skip_all "cmd/mp-reconcile is not built"
command -v psql >/dev/null || skip_all "psql is not installed"
cd "$T" || exit 1

# out LINE...: the wanted stdout, one record a line, in $T/want
out() {
	: >"$T/want"
	for l in "$@"; do
		printf '%s\n' "$l" >>"$T/want"
	done
}
K="-k network,date -a cost"

cat >ours.ndjson <<'X'
{"network":"net-a","date":"2026-11-20","cost":133.68,"extra":true}
{"network":"net-b","date":"2026-11-20","cost":"20.5"}
{"network":"net-a","date":"2026-11-21","cost":0.000001}
X
cat >same.ndjson <<'X'
{"date":"2026-11-21","network":"net-a","cost":"0.000001"}
{"network":"net-b","date":"2026-11-20","cost":20.500000}
{"network":"net-a","date":"2026-11-20","cost":"133.680"}
X

# --- matching sides
run mp-reconcile $K --theirs=same.ndjson ours.ndjson
check "matching sides: no output, exit 0" 0 /dev/null ""
run mp-reconcile $K --ours=ours.ndjson --theirs=same.ndjson
check "--ours=FILE: the same" 0 /dev/null ""
IN=ours.ndjson run mp-reconcile $K --theirs=same.ndjson
check "our side from stdin" 0 /dev/null ""
IN=same.ndjson run mp-reconcile $K --ours=ours.ndjson --theirs=-
check "their side from stdin (--theirs=-)" 0 /dev/null ""

# --- one micro-unit past the tolerance names the key
sed 's/133.680/133.670/' same.ndjson >t1.ndjson
run mp-reconcile $K --theirs=t1.ndjson --tolerance=0.01 ours.ndjson
check "a difference of exactly --tolerance matches" 0 /dev/null ""
sed 's/133.680/133.669999/' same.ndjson >t2.ndjson
run mp-reconcile $K --theirs=t2.ndjson --tolerance=0.01 ours.ndjson
out '{"key":{"network":"net-a","date":"2026-11-20"},"ours":"133.68","theirs":"133.669999","diff":"0.010001","status":"drift"}'
check "one micro-unit past --tolerance: 1, the key named" 1 "$T/want" \
    "^mp-reconcile: 1 of 3 keys differ: 1 drifted, 0 missing ours, 0 missing theirs$"
sed 's/"0.000001"/"0.000002"/' same.ndjson >t3.ndjson
run mp-reconcile $K --theirs=t3.ndjson ours.ndjson
out '{"key":{"network":"net-a","date":"2026-11-21"},"ours":"0.000001","theirs":"0.000002","diff":"-0.000001","status":"drift"}'
check "no tolerance: one micro-unit is drift" 1 "$T/want" "1 drifted"

# --- --tolerance-pct: of the larger amount, exactly, either tolerance
pct() {
	printf '{"network":"n","date":"d","cost":"%s"}\n' "$1" >po.ndjson
	printf '{"network":"n","date":"d","cost":"%s"}\n' "$2" >pt.ndjson
	shift 2
	mp-reconcile $K --theirs=pt.ndjson "$@" po.ndjson >/dev/null 2>&1
	echo $?
}
is "$(pct 99 100 --tolerance-pct=1) $(pct 100 99 --tolerance-pct=1)" "0 0" \
    "1% of the larger amount, exactly: a match, either way round"
is "$(pct 98.999999 100 --tolerance-pct=1) $(pct 100 98.999999 --tolerance-pct=1)" \
    "1 1" "one micro-unit past 1%: drift, either way round"
is "$(pct 0.001 0.0011 --tolerance-pct=9.090909090909)" 1 \
    "a tolerance of 12 places, just short: drift (exact, no float)"
is "$(pct 0.001 0.0011 --tolerance-pct=9.090909090910)" 0 \
    "and just enough: a match"
is "$(pct 10 10.6 --tolerance=0.5 --tolerance-pct=1) $(pct 1000 1009 --tolerance=0.5 --tolerance-pct=1) $(pct 10 10.5 --tolerance=0.5 --tolerance-pct=1)" \
    "1 0 0" "past both: drift; within either (pct, absolute): a match"
is "$(pct -5 5 --tolerance=10) $(pct -5 5 --tolerance=9.999999)" "0 1" \
    "negative amounts: the difference is 10"
is "$(pct 0 0) $(pct 0 0.000001 --tolerance-pct=100)" "0 0" \
    "0 against 0; 100% of the larger always covers the other at 0"

# --- keys missing on either side, --all, sorted by key
cat >o4.ndjson <<'X'
{"network":"net-b","date":"2026-11-20","cost":5}
{"network":"net-a","date":"2026-11-21","cost":1.25}
{"network":"net-a","date":"2026-11-20","cost":0}
X
cat >t4.ndjson <<'X'
{"network":"net-c","date":"2026-11-20","cost":"7.5"}
{"network":"net-a","date":"2026-11-20","cost":"0"}
{"network":"net-b","date":"2026-11-20","cost":"5.00"}
X
run mp-reconcile $K --theirs=t4.ndjson o4.ndjson
out '{"key":{"network":"net-a","date":"2026-11-21"},"ours":"1.25","theirs":null,"diff":"1.25","status":"missing_theirs"}' \
    '{"key":{"network":"net-c","date":"2026-11-20"},"ours":null,"theirs":"7.50","diff":"-7.50","status":"missing_ours"}'
check "missing on either side: null, diff against 0, exit 1" 1 "$T/want" \
    "2 of 4 keys differ: 0 drifted, 1 missing ours, 1 missing theirs"
run mp-reconcile $K --theirs=t4.ndjson --tolerance=100 o4.ndjson
check "a missing key is reported whatever the tolerance" 1 "$T/want" \
    "1 missing ours"
{ cat t4.ndjson; printf '%s\n' '{"network":"net-d","date":"2026-11-20","cost":"0.00"}' \
    '{"network":"net-e","date":"2026-11-20","cost":"0.01"}'; } >t4z.ndjson
run mp-reconcile $K --missing-as-zero --tolerance=0.01 --theirs=t4z.ndjson \
    o4.ndjson
out '{"key":{"network":"net-a","date":"2026-11-21"},"ours":"1.25","theirs":null,"diff":"1.25","status":"missing_theirs"}' \
    '{"key":{"network":"net-c","date":"2026-11-20"},"ours":null,"theirs":"7.50","diff":"-7.50","status":"missing_ours"}'
check "--missing-as-zero: a lacking key is 0 there, within the tolerance a match" \
    1 "$T/want" "2 of 6 keys differ: 0 drifted, 1 missing ours, 1 missing theirs"
run mp-reconcile $K --missing-as-zero --theirs=t4z.ndjson o4.ndjson
[ "$rc" = 1 ] && [ "$(jq -r '"\(.key.network)=\(.status)"' "$T/out" | paste -sd' ' -)" = \
    "net-a=missing_theirs net-c=missing_ours net-e=missing_ours" ]
ok $? "--missing-as-zero: 0.00 matches nothing at all, 0.01 past no tolerance is missing"
run mp-reconcile $K --all --theirs=t4.ndjson o4.ndjson
out '{"key":{"network":"net-a","date":"2026-11-20"},"ours":"0.00","theirs":"0.00","diff":"0.00","status":"match"}' \
    '{"key":{"network":"net-a","date":"2026-11-21"},"ours":"1.25","theirs":null,"diff":"1.25","status":"missing_theirs"}' \
    '{"key":{"network":"net-b","date":"2026-11-20"},"ours":"5.00","theirs":"5.00","diff":"0.00","status":"match"}' \
    '{"key":{"network":"net-c","date":"2026-11-20"},"ours":null,"theirs":"7.50","diff":"-7.50","status":"missing_ours"}'
check "--all: every key, sorted, matches too" 1 "$T/want" "missing"
run mp-reconcile $K --all --theirs=same.ndjson ours.ndjson
[ "$rc" = 0 ] && [ "$(jq -r .status "$T/out" | sort -u)" = match ] &&
    [ "$(wc -l <"$T/out")" = 3 ]
ok $? "--all on matching sides: 3 match records, exit 0"

# keys compared as text: the string "42" and the number 42 are one key;
# sorted as bytes, value by value
printf '%s\n' '{"c":42,"cost":1}' '{"c":"9","cost":1}' '{"c":"","cost":1}' \
    '{"c":-3,"cost":1}' >o5.ndjson
printf '%s\n' '{"c":"42","cost":1}' '{"c":9,"cost":2}' '{"c":"","cost":1}' \
    '{"c":"-3","cost":1}' >t5.ndjson
run mp-reconcile -k c -a cost --all --theirs=t5.ndjson o5.ndjson
is "$(jq -r '"\(.key.c)=\(.status)"' "$T/out" | paste -sd' ' -)" \
    "=match -3=match 42=match 9=drift" \
    "integer and string keys as text; sorted as bytes"

# --- CSV and TSV sides; names that differ on their side
cat >theirs.csv <<'X'
network,day,spend,note
net-a,2026-11-20,133.68,"a, b"
net-b,2026-11-20,20.50,
net-a,2026-11-21,0.000001000,x
X
run mp-reconcile -k network,date=day -a cost --theirs-amount=spend \
    --theirs=theirs.csv ours.ndjson
check "a CSV side, key and amount named differently (date=day, --theirs-amount)" \
    0 /dev/null ""
printf 'network\tdate\tamount\nnet-a\t2026-11-20\t133.68\nnet-b\t2026-11-20\t20.5\nnet-a\t2026-11-21\t0.000002\n' >theirs.TSV
cp theirs.TSV theirs.tsv
run mp-reconcile $K --theirs-amount=amount --theirs=theirs.tsv ours.ndjson
out '{"key":{"network":"net-a","date":"2026-11-21"},"ours":"0.000001","theirs":"0.000002","diff":"-0.000001","status":"drift"}'
check "a TSV side" 1 "$T/want" "1 drifted"
run mp-reconcile $K --theirs-amount=amount --theirs=theirs.TSV ours.ndjson
check "a .TSV name is TSV too" 1 "$T/want" "1 drifted"
printf 'network,date,cost\n' >empty.csv
run mp-reconcile $K --ours=empty.csv --theirs=empty.csv
check "CSV with a header only: no keys, exit 0" 0 /dev/null ""
: >nothing.csv
run mp-reconcile $K --ours=nothing.csv --theirs=empty.csv
check "an empty CSV file: no rows" 0 /dev/null ""
printf 'network,date,cost\nnet-a,2026-11-20,133.68\n' >o.csv
run mp-reconcile $K --ours-amount=cost --theirs-amount=spend \
    -k network,date=day --ours=o.csv --theirs=theirs.csv
[ "$rc" = 1 ] && [ "$(jq -r .status "$T/out" | paste -sd' ' -)" = \
    "missing_ours missing_ours" ]
ok $? "CSV on both sides, --ours-amount and --theirs-amount"

# several files of ours, in turn
head -1 ours.ndjson >p1.ndjson
tail -n +2 ours.ndjson >p2.ndjson
run mp-reconcile $K --theirs=same.ndjson p1.ndjson p2.ndjson
check "our side from several files" 0 /dev/null ""

# --- bad input: 65, every bad line named, no verdict
cat >bad.ndjson <<'X'
{"network":"net-a","date":"2026-11-20","cost":"1e3"}
{"network":"net-a","date":"2026-11-20","cost":1.0000001}
{"network":"net-b","date":"2026-11-20","cost":"1,5"}
{"network":"net-c","date":"2026-11-20","cost":9223372036854}
{"network":"net-d","date":"2026-11-20"}
{"date":"2026-11-20","cost":1}
{"network":null,"date":"2026-11-20","cost":1}
{"network":1.5,"date":"2026-11-20","cost":1}
{"network":"net-e","date":"2026-11-20","cost":true}
{"network":"net-f","date":"2026-11-20","cost":null}
not json
{"network":"net-g","date":"2026-11-20","cost":" 1"}
{"network":"net-h","date":"2026-11-20","cost":"abc"}
X
run mp-reconcile $K --theirs=same.ndjson bad.ndjson
cat >"$T/wanterr" <<'X'
mp-reconcile: bad.ndjson:1: field 'cost' is not money: not a decimal ("1e3")
mp-reconcile: bad.ndjson:2: field 'cost' is not money: more than 6 decimal places ("1.0000001")
mp-reconcile: bad.ndjson:3: field 'cost' is not money: not a decimal ("1,5")
mp-reconcile: bad.ndjson:4: field 'cost' is not money: out of range ("9223372036854")
mp-reconcile: bad.ndjson:5: missing field 'cost'
mp-reconcile: bad.ndjson:6: missing field 'network'
mp-reconcile: bad.ndjson:7: field 'network' is null
mp-reconcile: bad.ndjson:8: field 'network' is not a string or an integer
mp-reconcile: bad.ndjson:9: field 'cost' is not a number or a string
mp-reconcile: bad.ndjson:10: field 'cost' is null
mp-reconcile: bad.ndjson:11: invalid JSON: unexpected character 'n' at byte 1
mp-reconcile: bad.ndjson:12: field 'cost' is not money: not a decimal (" 1")
mp-reconcile: bad.ndjson:13: field 'cost' is not money: not a decimal ("abc")
X
[ "$rc" = 65 ] && [ ! -s "$T/out" ] && cmp -s "$T/err" "$T/wanterr"
ok $? "bad amounts and keys: 65, each line named with its reason, nothing out"
[ "$rc" = 65 ] || diag "status $rc"
cmp -s "$T/err" "$T/wanterr" || diag "$(diff "$T/wanterr" "$T/err")"

cat >dup.ndjson <<'X'
{"network":"net-a","date":"2026-11-20","cost":1}
{"network":"net-b","date":"2026-11-20","cost":2}
{"network":"net-a","date":"2026-11-20","cost":3}
X
run mp-reconcile $K --theirs=same.ndjson dup.ndjson
check "the same key twice on our side: 65, both lines named" 65 /dev/null \
    "^mp-reconcile: dup.ndjson:3: duplicate key: network=net-a, date=2026-11-20 \(first at dup.ndjson:1\)$"
run mp-reconcile $K --theirs=dup.ndjson ours.ndjson
check "and on their side" 65 /dev/null "^mp-reconcile: dup.ndjson:3: duplicate key"
run mp-reconcile $K --theirs=same.ndjson p1.ndjson p1.ndjson
check "a key twice across our files names the first file" 65 /dev/null \
    "^mp-reconcile: p1.ndjson:1: duplicate key: .*\(first at p1.ndjson:1\)$"
printf 'network,date,cost\nnet-a,2026-11-20,1\nnet-a,2026-11-20,2\n' >dup.csv
run mp-reconcile $K --theirs=dup.csv ours.ndjson
check "a key twice in a CSV: its line" 65 /dev/null \
    "^mp-reconcile: dup.csv:3: duplicate key: network=net-a, date=2026-11-20 \(first at dup.csv:2\)$"

# --sum adds repeated keys, explicitly
run mp-reconcile $K --sum --all --theirs=dup.csv dup.ndjson
out '{"key":{"network":"net-a","date":"2026-11-20"},"ours":"4.00","theirs":"3.00","diff":"1.00","status":"drift"}' \
    '{"key":{"network":"net-b","date":"2026-11-20"},"ours":"2.00","theirs":null,"diff":"2.00","status":"missing_theirs"}'
check "--sum: repeated keys added up on each side" 1 "$T/want" "2 of 2"
printf '%s\n' '{"network":"n","date":"d","cost":9223372036853}' \
    '{"network":"n","date":"d","cost":9223372036853}' >big.ndjson
run mp-reconcile $K --sum --theirs=same.ndjson big.ndjson
check "--sum past the range: 65, not wrapped" 65 /dev/null \
    "big.ndjson:2: total out of range: network=n, date=d"
printf '%s\n' '{"network":"n","date":"a","cost":9223372036853}' \
    '{"network":"n","date":"b","cost":9223372036853}' >big2.ndjson
run mp-reconcile $K --theirs=big2.ndjson big2.ndjson
check "totals past the range: 65" 65 /dev/null "amounts out of range"

printf 'network,date,cost\nnet-a,2026-11-20\nnet-b,2026-11-20,1.5e2\nnet-c,2026-11-20,\n' >bad.csv
run mp-reconcile $K --theirs=bad.csv ours.ndjson
[ "$rc" = 65 ] && [ ! -s "$T/out" ] &&
    grep -q "^mp-reconcile: bad.csv:2: 2 fields, the header has 3$" "$T/err" &&
    grep -q "^mp-reconcile: bad.csv:3: column 'cost' is not money: not a decimal (\"1.5e2\")$" "$T/err" &&
    grep -q "^mp-reconcile: bad.csv:4: column 'cost' is not money: not a decimal (\"\")$" "$T/err"
ok $? "bad CSV rows: short, an exponent, empty: 65, each line named"
printf 'network,day,cost\n' >nocol.csv
run mp-reconcile $K --theirs=nocol.csv ours.ndjson
check "a CSV without a key column: 65, naming it and the columns" 65 \
    /dev/null "^mp-reconcile: nocol.csv: no column 'date' \(columns: network, day, cost\)$"
printf 'network,date,cost\n"net-a,2026-11-20,1\n' >quote.csv
run mp-reconcile $K --theirs=quote.csv ours.ndjson
check "a CSV that breaks (unterminated quote): 65" 65 /dev/null \
    "quote.csv:2: unterminated quote"

# --rejects keeps the lines, still 65; --strict stops at the first
run mp-reconcile $K --theirs=bad.csv --rejects=rej.ndjson bad.ndjson
[ "$rc" = 65 ] && [ ! -s "$T/out" ] && [ "$(wc -l <rej.ndjson)" = 16 ] &&
    jq -se 'map(select(.file == "bad.csv" and .line == 3))[0] |
    .reason == "column '"'cost'"' is not money: not a decimal (\"1.5e2\")" and
    (.record | fromjson) == {"network":"net-b","date":"2026-11-20","cost":"1.5e2"}' \
    rej.ndjson >/dev/null &&
    jq -se 'map(select(.file == "bad.ndjson" and .line == 11))[0] |
    .record == "not json"' \
    rej.ndjson >/dev/null
ok $? "--rejects: every bad line kept (CSV rows as JSON objects), still 65, no verdict"
run mp-reconcile $K -s --theirs=bad.csv bad.ndjson
[ "$rc" = 65 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q 'bad.ndjson:1:' "$T/err"
ok $? "-s: stops at the first bad line, 65"
run mp-reconcile $K --strict --theirs=bad.csv ours.ndjson
[ "$rc" = 65 ] && [ "$(wc -l <"$T/err")" = 1 ] && grep -q 'bad.csv:2:' "$T/err"
ok $? "--strict: on a CSV side too"

# --- stats and metrics
run mp-reconcile $K --theirs=t4.ndjson --stats=st.json --metrics=m.prom \
    o4.ndjson
jqok st.json '.keys == 4 and .matched == 2 and .drifted == 0 and
    .missing_ours == 1 and .missing_theirs == 1 and
    .ours_total == "6.25" and .theirs_total == "12.5" and
    .drift_total == "8.75" and .records_in == 6 and .records_out == 2 and
    .exit == 1 and (.reason | test("2 of 4 keys differ"))' \
    "--stats: keys, statuses, totals as decimal text, the reason of exit 1"
grep -qx 'mp_drift_total{prog="mp-reconcile"} 8.75' m.prom &&
    grep -qx 'mp_ours_total{prog="mp-reconcile"} 6.25' m.prom &&
    grep -qx 'mp_theirs_total{prog="mp-reconcile"} 12.5' m.prom &&
    grep -qx 'mp_keys_total{prog="mp-reconcile"} 4' m.prom &&
    grep -qx 'mp_matched_total{prog="mp-reconcile"} 2' m.prom &&
    grep -qx 'mp_missing_ours_total{prog="mp-reconcile"} 1' m.prom &&
    grep -qx 'mp_missing_theirs_total{prog="mp-reconcile"} 1' m.prom &&
    grep -qx 'mp_drifted_total{prog="mp-reconcile"} 0' m.prom &&
    grep -qx 'mp_last_exit_status{prog="mp-reconcile"} 1' m.prom &&
    grep -qx '# TYPE mp_drift_total gauge' m.prom
ok $? "--metrics: the counters, the amounts as gauges, exit 1"
run mp-reconcile $K --theirs=t2.ndjson --tolerance=0.01 --stats=st.json \
    ours.ndjson
jqok st.json '.drifted == 1 and .drift_total == "0.010001" and
    .ours_total == "154.180001" and .theirs_total == "154.17"' \
    "--stats: drift_total is the money past tolerance, to the micro-unit"
run mp-reconcile $K --theirs=same.ndjson --stats=st.json ours.ndjson
jqok st.json '.keys == 3 and .matched == 3 and .drift_total == "0" and
    .exit == 0' "--stats on matching sides: drift_total 0, exit 0"
run mp-reconcile $K --theirs=same.ndjson --stats=st.json bad.ndjson
jqok st.json '.exit == 65 and .rejected == 13 and .keys == 0 and
    .drift_total == "0" and .rejected_by["duplicate key"] == null and
    .rejected_by["field '"'cost'"' is not money"] == 6' \
    "--stats after bad input: rejected by reason, nothing compared"

# --- a query side against PostgreSQL
pg_start
q <<'X'
CREATE TABLE events (event_id text PRIMARY KEY, network text,
    ts timestamptz, campaign_id bigint, cost numeric(18,6));
INSERT INTO events VALUES
    ('e1', 'net-a', '2026-11-20 01:00Z', 7, 100.000000),
    ('e2', 'net-a', '2026-11-20 02:00Z', 7, 33.680000),
    ('e3', 'net-b', '2026-11-20 03:00Z', 8, 20.500000),
    ('e4', 'net-a', '2026-11-21 03:00Z', 7, 0.000001),
    ('e5', 'net-a', '2026-11-21 04:00Z', 7, NULL);
CREATE TABLE spend (network text, date date, cost numeric(20,9));
INSERT INTO spend VALUES ('net-a', '2026-11-20', 133.680000000),
    ('net-b', '2026-11-20', 20.5), ('net-a', '2026-11-21', 0.000001);
X
SQL="pg:SELECT network, (ts AT TIME ZONE 'UTC')::date::text AS date, sum(cost) AS cost FROM events GROUP BY 1, 2"
run mp-reconcile $K --ours="$SQL" --theirs=same.ndjson
check "pg: our side a query (date::text, sum(cost) AS cost) matches the file" \
    0 /dev/null ""
run mp-reconcile $K --ours="$SQL" --theirs='pg:SELECT * FROM spend'
check "pg: both sides queries; a date column as ISO text, numeric(20,9)'s zeros" \
    0 /dev/null ""
q -c "UPDATE spend SET cost = 133.680001 WHERE network = 'net-a' AND date = '2026-11-20'"
run mp-reconcile $K --ours="$SQL" --theirs='pg:SELECT * FROM spend' \
    --stats=st.json
out '{"key":{"network":"net-a","date":"2026-11-20"},"ours":"133.68","theirs":"133.680001","diff":"-0.000001","status":"drift"}'
check "pg: a restated report, one micro-unit off: drift, exit 1" 1 \
    "$T/want" "1 drifted"
jqok st.json '.records_in == 6 and .theirs_total == "154.180002"' \
    "pg: rows counted in, totals exact"
cat >camp.ndjson <<'X'
{"network":"net-a","date":"2026-11-20","campaign_id":"7","cost":"133.68"}
{"network":"net-b","date":"2026-11-20","campaign_id":8,"cost":20.5}
{"network":"net-a","date":"2026-11-21","campaign_id":7,"cost":0.000001}
X
IN=camp.ndjson run mp-reconcile -k network,date,campaign_id -a cost \
    --ours="pg:SELECT network, ts::date AS date, campaign_id, sum(cost) AS cost FROM events WHERE cost IS NOT NULL GROUP BY 1, 2, 3" \
    --theirs=- --all
[ "$rc" = 0 ] && [ "$(jq -r .key.campaign_id "$T/out" | paste -sd' ' -)" = "7 7 8" ]
ok $? "pg: a bigint key and a JSON string or number: the same key (stdin side)"
host=$PGHOST
run env -u PGHOST -u PGDATABASE mp-reconcile $K -d "host=$host dbname=$PGDATABASE" \
    --ours="$SQL" --theirs=same.ndjson
check "-d conninfo in place of the PG* variables" 0 /dev/null ""
run env -u PGHOST -u PGDATABASE mp-reconcile $K \
    --db="postgresql:///$PGDATABASE?host=$host" --ours="$SQL" --theirs=same.ndjson
check "--db=URI" 0 /dev/null ""
run mp-reconcile $K --ours="pg:SELECT network, ts::date::text AS date, cost FROM events" \
    --theirs=same.ndjson
check "pg: the same key in two rows: 65, the rows named" 65 /dev/null \
    "^mp-reconcile: pg:ours:2: duplicate key: network=net-a, date=2026-11-20 \(first at pg:ours:1\)$"
run mp-reconcile $K --sum --ours="pg:SELECT network, ts::date::text AS date, cost FROM events WHERE cost IS NOT NULL" \
    --theirs=same.ndjson
check "pg: --sum adds them" 0 /dev/null ""
run mp-reconcile $K --ours="pg:SELECT network, ts::date::text AS date, cost FROM events WHERE event_id = 'e5'" \
    --theirs=same.ndjson
check "pg: a NULL amount: 65, the row named" 65 /dev/null \
    "^mp-reconcile: pg:ours:1: column 'cost' is null$"
run mp-reconcile $K --ours="pg:SELECT 'n' AS network, 'd' AS date, 1.0000001 AS cost" \
    --theirs=same.ndjson
check "pg: more than 6 places: 65" 65 /dev/null \
    "pg:ours:1: column 'cost' is not money: more than 6 decimal places"
run mp-reconcile $K --ours="pg:SELECT network, sum(cost) FROM events GROUP BY 1" \
    --theirs=same.ndjson
check "pg: a column the options name is not there: 65, the columns listed" \
    65 /dev/null "^mp-reconcile: pg:ours: no column 'date' \(columns: network, sum\)$"
run mp-reconcile $K --ours="pg:SELECT * FROM no_such_table" --theirs=same.ndjson
check "pg: bad SQL: 78, PostgreSQL's message" 78 /dev/null \
    "^mp-reconcile: pg:ours: relation \"no_such_table\" does not exist$"
run mp-reconcile $K --ours="pg:CREATE TABLE x (a int)" --theirs=same.ndjson
check "pg: a query without rows: 78" 78 /dev/null "the query returns no rows"
run mp-reconcile $K --ours="pg:SELECT 'n' AS network, 'd' AS date, 1 AS cost; SELECT 2" --theirs=same.ndjson
check "pg: two statements: 78" 78 /dev/null "more than one statement"
run mp-reconcile $K --ours="pg:SELECT network, date::text, cost FROM spend WHERE false" \
    --theirs=empty.csv
check "pg: no rows, an empty CSV: nothing to compare, 0" 0 /dev/null ""
run env PGCONNECT_TIMEOUT=2 mp-reconcile $K -d "host=$T/nowhere" \
    --ours="$SQL" --theirs=same.ndjson
check "pg: no server: 69 after retries" 69 /dev/null \
    "cannot connect to PostgreSQL after retries"
run mp-reconcile $K -d "host=$host dbname=no_such_db" --ours="$SQL" \
    --theirs=same.ndjson
check "pg: no such database: 78" 78 /dev/null "does not exist"

# --- options, usage
cat >rec.conf <<X
# the spend check
key = network,date
amount = cost
theirs = $T/t2.ndjson
tolerance = 0.01
X
run mp-reconcile -K rec.conf ours.ndjson
out '{"key":{"network":"net-a","date":"2026-11-20"},"ours":"133.68","theirs":"133.669999","diff":"0.010001","status":"drift"}'
check "-K: options from a file" 1 "$T/want" "1 drifted"
run mp-reconcile $K --theirs=same.ndjson --dropped=dr.ndjson --no-progress \
    --max-record=1K --log-format=json ours.ndjson
[ "$rc" = 0 ] && [ -f dr.ndjson ] && [ ! -s dr.ndjson ]
ok $? "--dropped stays empty; --no-progress, --max-record, --log-format"
printf '{"network":"n","date":"d","cost":1,"pad":"%s"}\n' "$(head -c 2000 /dev/zero | tr '\0' x)" >long.ndjson
run mp-reconcile $K --theirs=same.ndjson --max-record=1K long.ndjson
check "--max-record: a longer line is rejected, 65" 65 /dev/null \
    "long.ndjson:1: record longer than 1024 bytes"
run mp-reconcile $K --theirs=t2.ndjson --tolerance=0.01 --log-format=json \
    ours.ndjson
[ "$rc" = 1 ] && jq -e '.msg | test("1 of 3 keys differ")' "$T/err" >/dev/null
ok $? "--log-format=json: the summary as JSON"
run mp-reconcile --progress $K --theirs=same.ndjson ours.ndjson
is "$rc" 0 "--progress"

usage() {
	run mp-reconcile "$@"
	[ "$rc" = 64 ] && grep -q "^usage: mp-reconcile " "$T/err" &&
	    [ ! -s "$T/out" ]
}
usage -a cost --theirs=same.ndjson ours.ndjson
ok $? "no --key: 64"
usage -k network --theirs=same.ndjson ours.ndjson
ok $? "no amount: 64"
usage -k network -a cost ours.ndjson
ok $? "no --theirs: 64"
usage -k network --ours-amount=cost --theirs=same.ndjson
ok $? "--ours-amount without their amount: 64"
usage -k 'network,=day' -a cost --theirs=same.ndjson
ok $? "--key with an empty name: 64"
usage $K --tolerance=-1 --theirs=same.ndjson
ok $? "a negative --tolerance: 64"
usage $K --tolerance=0.0000001 --theirs=same.ndjson
ok $? "a --tolerance of 7 places: 64"
usage $K --tolerance-pct=1e2 --theirs=same.ndjson
ok $? "--tolerance-pct that is not a decimal: 64"
usage $K --ours=ours.ndjson --theirs=same.ndjson ours.ndjson
ok $? "--ours and files: 64"
usage $K --theirs=-
ok $? "both sides on stdin: 64"
run mp-reconcile $K --theirs=no-such.ndjson ours.ndjson
check "their file missing: 66" 66 /dev/null "no-such.ndjson: No such file"
run mp-reconcile $K --theirs=no-such.csv ours.ndjson
check "their CSV missing: 66" 66 /dev/null "no-such.csv: No such file"

done_testing
