#!/bin/bash
# mp-enrich with pg: tables on a real PostgreSQL (pg_start): a query read
# whole (every column type, NULL, keys of two columns), batched queries
# with $1 and $1,$2 (the same output as the whole table, in input order;
# the queries, cache hits and misses counted), priority with file tables,
# duplicates, -d and the PG* variables, a rate table from a query, and the
# exit statuses of bad SQL, no server, a failed login and a missing
# privilege.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-enrich" ] || skip_all "cmd/mp-enrich is not built"
command -v psql >/dev/null || skip_all "psql is not installed"
command -v python3 >/dev/null || skip_all "python3 is not installed"
pg_start
cd "$T" || exit 1

# raw FILE FIELD: the text of a top-level field of each line as written,
# - when absent, on one line
raw() {
	python3 - "$1" "$2" <<'X' | paste -sd'|' -
import json, sys
dec = json.JSONDecoder()
for l in open(sys.argv[1], encoding="utf-8"):
    s, i, out = l.rstrip("\n"), 1, "-"
    while True:
        while s[i] in " \t": i += 1
        if s[i] == "}": break
        k, i = dec.raw_decode(s, i)
        while s[i] in " \t:": i += 1
        v0 = i
        _, i = dec.raw_decode(s, i)
        if k == sys.argv[2]: out = s[v0:i]
        while s[i] in " \t,": i += 1
    print(out)
X
}
# deceq A B: two lists of numbers (|-separated) are equal as exact decimals
deceq() {
	python3 -c 'import sys; from decimal import Decimal as D
a, b = (x.split("|") for x in sys.argv[1:])
sys.exit(0 if len(a) == len(b) and all(x == y or D(x) == D(y)
    for x, y in zip(a, b)) else 1)' "$1" "$2" 2>/dev/null
}
# field FILE FILTER: FILTER over each JSON line of FILE, on one line
field() { jq -r "$2" "$1" | paste -sd'|' -; }
# ck NAME WANT_RC WANT_NDJSON WANT_ERR: check, with stdout compared as JSON
ck() {
	local want=$T/ck.want
	cat "$3" >"$want"
	if [ "$rc" = "$2" ] && ndjson_eq "$T/out" "$want" && {
	    if [ -z "$4" ]; then [ ! -s "$T/err" ]; else
	    grep -qE -- "$4" "$T/err"; fi; }; then
		ok 0 "$1"
	else
		ok 1 "$1"
		diag "status $rc, want $2" "stderr: $(head -c 400 "$T/err")" \
		    "stdout: $(head -c 400 "$T/out")"
	fi
}
# stats: the stats' values as "k=v ..." (stat1 of lib.sh)
stats() { stat1 "$1"; }

# --- a query read whole: every type as the man page says
q <<'X'
CREATE TABLE ty (id int PRIMARY KEY, big bigint, n numeric, f float8,
    b bool, j jsonb, js json, s text, d date, x text, ts timestamptz);
INSERT INTO ty VALUES
    (1, 9007199254740993, 12.50, 0.5, true, '{"a": [1, 2]}', '{"k" : 1}',
     'é "q"', '2026-11-20', NULL, '2026-11-20 10:00:00+00'),
    (2, -1, 0.1000000000000000000001, -2.5e-3, false, '[1]', 'null', '',
     '2026-11-21', 'x', NULL);
X
cat >"$T/in" <<'X'
{"id":1}
{"id":"2","s":"old"}
{"id":3}
{"id":1.0}
X
cat >"$T/want" <<'X'
{"id":1,"big":9007199254740993,"n":12.5,"f":0.5,"b":true,"j":{"a":[1,2]},"js":{"k":1},"s":"é \"q\"","d":"2026-11-20","x":null,"ts":"2026-11-20 10:00:00+00","cost_source":"pg"}
{"id":"2","s":"","big":-1,"n":0.1,"f":-0.0025,"b":false,"j":[1],"js":null,"d":"2026-11-21","x":"x","ts":null,"cost_source":"pg"}
{"id":3}
{"id":1.0}
X
run mp-enrich -k id -t 'pg:SELECT * FROM ty' --stats="$T/st" "$T/in"
ck "pg: read whole: numbers, booleans, json and jsonb as they are, NULL null, the rest strings" \
    0 "$T/want" ""
is "$(raw "$T/out" big)" "9007199254740993|-1|-|-" \
    "bigint: every digit (not through a double)"
deceq "$(raw "$T/out" n | cut -d'|' -f1,2)" "12.50|0.1000000000000000000001"
ok $? "numeric: the exact value ($(raw "$T/out" n | cut -d'|' -f1,2))"
lines34=$(sed -n 3,4p "$T/out")
is "$lines34" "$(sed -n 3,4p "$T/in")" \
    "no row, and 1.0 is not 1: unchanged bytes"
jqok "$T/st" '.matched == {"pg": 2} and .unmatched == 2 and
    .table_rows == {"pg": 2} and (.queries // 0) == 0' \
    "stats: the table named pg; no batch queries"
run mp-enrich -k id -t 'costs=pg:SELECT id, n AS cost FROM ty' -a cost:money \
    "$T/in"
is "$rc $(raw "$T/out" cost) $(field "$T/out" '.cost_source // "-"')" \
    "65  " \
    "-a cost:money over 0.1000000000000000000001 (22 decimals): 65"
run mp-enrich -k id -t 'costs=pg:SELECT id, n AS cost FROM ty WHERE id = 1' \
    -a cost:money "$T/in"
is "$rc $(raw "$T/out" cost) $(field "$T/out" '.cost_source // "-"')" \
    "0 12.5|-|-|- costs|-|-|-" "name=pg:...; -a cost:money: 12.50 is 12.5"
q -c "CREATE TABLE nan (id int, f float8)" \
    -c "INSERT INTO nan VALUES (1, 'NaN'), (2, 'Infinity')"
printf '{"id":1}\n{"id":2}\n' >"$T/in2"
run mp-enrich -k id -t 'pg:SELECT * FROM nan' "$T/in2"
{ [ "$rc" = 65 ] && [ ! -s "$T/out" ]; } ||
    { [ "$rc" = 0 ] && jq -e . "$T/out" >/dev/null 2>&1; }
ok $? "float8 NaN and Infinity: refused (65) or valid JSON, never bad JSON (status $rc: $(head -c 100 "$T/out"))"

# a key of two columns, one a date
q <<'X'
CREATE TABLE sp (campaign_id text, day date, spend numeric, network text,
    PRIMARY KEY (campaign_id, day));
INSERT INTO sp SELECT 'c' || g, DATE '2026-11-19' + d, g * 1.25 + d,
    CASE WHEN g % 2 = 0 THEN 'meta_ads' ELSE 'google_ads' END
    FROM generate_series(1, 30) g, generate_series(0, 2) d;
X
python3 - >"$T/ev" <<'X'
import json
for i in range(40):
    c = "c%d" % (i * 7 % 37 + 1)
    d = 19 + i % 4
    print(json.dumps({"event_id": "e%d" % i, "campaign_id": c,
                      "ts": "2026-11-%02dT%02d:00:00Z" % (d, i % 24)},
                     separators=(",", ":")))
X
K="-k campaign_id -k day=.ts[0:10] -a spend=cost"
run mp-enrich $K -t 'spend=pg:SELECT campaign_id, day, spend FROM sp' \
    --stats="$T/st" "$T/ev"
python3 - "$T/ev" "$T/out" <<'X'
import json, sys
from decimal import Decimal
bad = 0
for a, b in zip(open(sys.argv[1]), open(sys.argv[2])):
    e, o = json.loads(a), json.loads(b, parse_float=Decimal)
    g, d = int(e["campaign_id"][1:]), int(e["ts"][8:10]) - 19
    if g <= 30 and 0 <= d <= 2:
        want = {**e, "cost": g * Decimal("1.25") + d, "cost_source": "spend"}
    else:
        want = e
    bad += o != want
sys.exit(1 if bad or len(open(sys.argv[2]).readlines()) != 40 else 0)
X
ok $? "a key of two columns, campaign_id and a date column against .ts[0:10]"
cp "$T/out" "$T/whole"
PGOPTIONS="-c DateStyle=SQL,DMY" run mp-enrich $K \
    -t 'spend=pg:SELECT campaign_id, day, spend FROM sp' "$T/ev"
cmp -s "$T/out" "$T/whole"
ok $? "a server whose DateStyle is SQL, DMY: dates still match as YYYY-MM-DD"
jqok "$T/st" '.matched.spend > 10 and .unmatched > 5 and
    .matched.spend + .unmatched == 40 and .table_rows.spend == 90' \
    "stats: table_rows of the whole table"

# --- batches: $1 and $1,$2; the same output; queries and cache counted
run mp-enrich $K -b 7 --stats="$T/st" -t 'spend=pg:SELECT s.campaign_id,
    s.day, s.spend FROM sp s JOIN unnest($1::text[], $2::date[]) AS k(c, d)
    ON s.campaign_id = k.c AND s.day = k.d' "$T/ev"
check "\$1,\$2 with unnest, -b 7: the whole table's output, in input order" \
    0 "$T/whole" ""
jqok "$T/st" '.queries == 6 and .cache_misses == 40 and .cache_hits == 0 and
    .matched.spend > 10 and .records_out == 40' \
    "stats: 40 distinct keys in batches of 7: 6 queries, 40 misses"
q <<'X'
CREATE TABLE cs (campaign_id text PRIMARY KEY, spend numeric);
INSERT INTO cs SELECT 'c' || g, g * 1.25 FROM generate_series(1, 50) g;
X
ev() { printf '{"campaign_id":"%s","n":%d}\n' "$@"; }
n=0
for c in c1 c2 c3 c4 c5 c6 c7 c8 c9 c10; do ev "$c" $((n += 1)); done >"$T/d10"
B='costs=pg:SELECT campaign_id, spend FROM cs WHERE campaign_id = ANY($1)'
W='costs=pg:SELECT campaign_id, spend FROM cs'
run mp-enrich -k campaign_id -a spend=cost -t "$W" "$T/d10"
cp "$T/out" "$T/w10"
is "$rc $(field "$T/out" .cost)" "0 1.25|2.5|3.75|5|6.25|7.5|8.75|10|11.25|12.5" \
    "the whole table: reference output"
run mp-enrich -k campaign_id -a spend=cost -b 3 -t "$B" --stats="$T/st" \
    "$T/d10"
check "= ANY(\$1), -b 3: the same bytes" 0 "$T/w10" ""
is "$(stats 'queries cache_misses cache_hits')" \
    "queries=4 cache_misses=10 cache_hits=0" \
    "10 distinct keys, -b 3: 4 queries, 10 misses"
jqok "$T/st" '.table_rows == {"costs": 10} and .matched == {"costs": 10}' \
    "stats: table_rows of a batched table are the rows cached"
run mp-enrich -k campaign_id -a spend=cost -b 4 \
    -t 'pg:SELECT campaign_id, spend FROM cs WHERE campaign_id = ANY($1)' "$T/d10"
is "$rc $(field "$T/out" .cost_source | cut -d'|' -f1)" "0 pg" \
    "a query with = in it and no name= is named pg"
run mp-enrich -k campaign_id -a spend=cost --batch=1000 -t "$B" \
    --stats="$T/st" "$T/d10"
is "$rc $(stats queries)" "0 queries=1" "--batch=1000: one query"
run mp-enrich -k campaign_id -a spend=cost -t "$B" --stats="$T/st" "$T/d10"
is "$rc $(stats queries)" "0 queries=1" "-b is 1000 by default"
run mp-enrich -k campaign_id -a spend=cost -b 1 -t "$B" --stats="$T/st" \
    "$T/d10"
check "-b 1" 0 "$T/w10" ""
is "$(stats queries)" "queries=10" "-b 1: a query per record"
run mp-enrich -k campaign_id -a spend=cost -b 1000000 -t "$B" "$T/d10"
check "-b 1000000, the most" 0 "$T/w10" ""
n=0
for c in c1 c2 c3 c1 c2 c3 c1 c2 c3 c1; do ev "$c" $((n += 1)); done >"$T/r10"
run mp-enrich -k campaign_id -a spend=cost -t "$W" "$T/r10"
cp "$T/out" "$T/wr10"
run mp-enrich -k campaign_id -a spend=cost -b 3 -t "$B" --stats="$T/st" \
    "$T/r10"
check "repeated keys from the cache: the same bytes" 0 "$T/wr10" ""
is "$(stats 'queries cache_misses cache_hits')" \
    "queries=1 cache_misses=3 cache_hits=7" \
    "3 keys, 10 records, -b 3: 1 query, 3 misses, 7 hits"
jqok "$T/st" '.table_rows == {"costs": 3}' "...table_rows: the 3 rows cached"
run mp-enrich -k campaign_id -a spend=cost -b 3 --cache=0 -t "$B" \
    --stats="$T/st" "$T/r10"
check "--cache=0: the same bytes" 0 "$T/wr10" ""
is "$(stats 'queries cache_misses cache_hits')" \
    "queries=4 cache_misses=10 cache_hits=0" "--cache=0: every batch asks"
run mp-enrich -k campaign_id -a spend=cost -b 3 --cache=2 -t "$B" \
    --stats="$T/st" "$T/r10"
check "--cache=2: the same bytes" 0 "$T/wr10" ""
jqok "$T/st" '.queries >= 3 and .queries <= 4 and .cache_misses >= 5 and
    .cache_hits + .cache_misses == 10' \
    "--cache=2 for 3 keys in every batch: a batch cannot find all 3 (at least 3 queries, 5 misses)"
jqok "$T/st" '.table_rows.costs <= 2' \
    "...and at most 2 rows held at the end (table_rows)"
run mp-enrich -k campaign_id -a spend=cost -b 3 --cache=100000000 -t "$B" \
    "$T/r10"
check "--cache=100000000, the most" 0 "$T/wr10" ""
n=0
for c in x1 x2 x3 x1 x2 x3; do ev "$c" $((n += 1)); done >"$T/x6"
run mp-enrich -k campaign_id -a spend=cost -b 3 -t "$B" --stats="$T/st" \
    "$T/x6"
check "keys the table lacks: unchanged" 0 "$T/x6" ""
is "$(stats 'queries cache_misses cache_hits unmatched')" \
    "queries=1 cache_misses=3 cache_hits=3 unmatched=6" \
    "...and kept in the cache as not found"
n=0
for c in c1 c1 c1; do ev "$c" $((n += 1)); done >"$T/s3"
run mp-enrich -k campaign_id -a spend=cost -b 3 -t "$B" --stats="$T/st" \
    "$T/s3"
is "$rc $(stats queries) $(field "$T/out" .cost)" "0 queries=1 1.25|1.25|1.25" \
    "one key three times in a batch: asked once"

# priority with file tables: only keys no earlier table matched are asked
printf 'campaign_id,spend\nc2,-2\nc4,-4\nc6,-6\nc8,-8\nc10,-10\n' >"$T/even.csv"
run mp-enrich -k campaign_id -a spend=cost:money -t "$T/even.csv" -t "$W" \
    "$T/d10"
cp "$T/out" "$T/wmix"
is "$rc $(field "$T/out" '"\(.cost_source):\(.cost)"')" \
    "0 costs:1.25|even:-2|costs:3.75|even:-4|costs:6.25|even:-6|costs:8.75|even:-8|costs:11.25|even:-10" \
    "a file table, then a query: the first with a row wins"
run mp-enrich -k campaign_id -a spend=cost:money -t "$T/even.csv" -b 3 \
    -t "$B" --stats="$T/st" "$T/d10"
check "...batched: the same bytes, in input order" 0 "$T/wmix" ""
is "$(stats 'queries cache_misses')" "queries=3 cache_misses=5" \
    "...the file table's keys are not asked; a batch with none asks nothing"
printf 'campaign_id,spend\nx1,-1\nc1,-100\n' >"$T/x.csv"
run mp-enrich -k campaign_id -a spend=cost:money -t "$W" -t "$T/x.csv" \
    <(cat "$T/x6" "$T/d10")
cp "$T/out" "$T/wmix2"
run mp-enrich -k campaign_id -a spend=cost:money -b 4 -t "$B" -t "$T/x.csv" \
    --stats="$T/st" <(cat "$T/x6" "$T/d10")
check "a query, then a file table: the same bytes" 0 "$T/wmix2" ""
jqok "$T/st" '.matched == {"costs": 10, "x": 2} and .unmatched == 4' \
    "...stats: matched by table"

# duplicates from a query
q -c "CREATE TABLE dupt (id int, s text)" \
    -c "INSERT INTO dupt VALUES (1, 'a'), (2, 'x'), (1, 'b')"
printf '{"id":1}\n{"id":2}\n' >"$T/in"
run mp-enrich -k id -t 'pg:SELECT id, s FROM dupt ORDER BY s' "$T/in"
check "a query with a duplicate key: 65" 65 /dev/null "^mp-enrich: "
grep -qE '\b1\b' "$T/err" && grep -qiE 'dup' "$T/err"
ok $? "...the message says so and names the key's rows"
run mp-enrich -k id -t 'pg:SELECT id, s FROM dupt ORDER BY s' --first "$T/in"
is "$rc $(field "$T/out" .s)" "0 a|x" "--first"
run mp-enrich -k id -t 'pg:SELECT id, s FROM dupt ORDER BY s' --last "$T/in"
is "$rc $(field "$T/out" .s)" "0 b|x" "--last"
run mp-enrich -k id -t 'pg:SELECT id, s FROM dupt WHERE id = ANY($1) ORDER BY s' \
    "$T/in"
is "$rc $(wc -c <"$T/out")" "65 0" "batched, a duplicate key: 65"
run mp-enrich -k id -t 'pg:SELECT id, s FROM dupt WHERE id = ANY($1) ORDER BY s' \
    --last "$T/in"
is "$rc $(field "$T/out" .s)" "0 b|x" "batched, --last"

# --allocate needs a table read whole
run mp-enrich -k campaign_id -t "$B" --allocate=spend=cost "$T/d10"
check "--allocate on a batched query: 64" 64 /dev/null \
    "^(mp-enrich: |usage: mp-enrich)"
run mp-enrich -k campaign_id -t "$W" --allocate=spend=cost "$T/d10"
is "$rc $(field "$T/out" .cost)" \
    "0 1.25|2.5|3.75|5|6.25|7.5|8.75|10|11.25|12.5" \
    "--allocate on a query read whole: one event per row gets it all"
# --unallocated from a query: a date column, typed columns as they are
q <<'X'
CREATE TABLE ud (campaign_id text, day date, spend numeric, clicks int,
    at timestamptz, ok boolean, note text);
INSERT INTO ud VALUES ('c1', '2026-11-20', 1.5, 3, '2026-11-20 10:00+00',
    true, NULL), ('c2', '2026-11-20', 2, 1, NULL, false, 'x"y'),
    ('c99', '2026-11-20', 0.25, 2, NULL, NULL, NULL);
X
run mp-enrich -k campaign_id -t 'sd=pg:SELECT campaign_id, day, spend, clicks, ok, note FROM ud ORDER BY campaign_id' \
    --allocate=spend=cost --count-column=clicks --unallocated=cost \
    --unallocated-time=day --stats="$T/st" "$T/d10"
cat >"$T/want" <<'X'
{"event_id":"spend:sd:c1","type":"cost","ts":"2026-11-20T00:00:00Z","source":"sd","cost_source":"sd","campaign_id":"c1","cost":1,"reason":"unmatched","unallocated_count":2,"day":"2026-11-20","spend":1.5,"clicks":3,"ok":true,"note":null}
{"event_id":"spend:sd:c99","type":"cost","ts":"2026-11-20T00:00:00Z","source":"sd","cost_source":"sd","campaign_id":"c99","cost":0.25,"reason":"no-events","unallocated_count":2,"day":"2026-11-20","spend":0.25,"clicks":2,"ok":null,"note":null}
X
tail -n 2 "$T/out" >"$T/recs"
cmp -s "$T/recs" "$T/want" && [ "$rc" = 0 ]
st=$?
ok $st "--unallocated from a query read whole: a date column as the day, the other columns as typed"
[ $st = 0 ] || diag "$(cat "$T/recs")"
jqok "$T/st" '.cost_records == 2 and .unallocated_micros == 1250000' \
    "...stats"
run mp-enrich -k campaign_id -t 'sd=pg:SELECT campaign_id, at, spend FROM ud' \
    --allocate=spend=cost --unallocated=cost --unallocated-time=at "$T/d10"
check "a time column that is NULL (and one not RFC 3339): 65, naming the row" \
    65 /dev/null "^mp-enrich: sd:[0-9]+: column 'at'"

# a rate table from a query
q <<'X'
CREATE TABLE fx (date date, currency text, rate numeric);
INSERT INTO fx VALUES ('2026-11-20', 'EUR', 1.0833), ('2026-11-14', 'GBP', 1.25);
X
printf '%s\n' '{"ts":"2026-11-20T10:00:00Z","revenue":50,"currency":"EUR"}' \
    '{"ts":"2026-11-20T10:00:00Z","revenue":2,"currency":"GBP"}' \
    '{"ts":"2026-11-20T10:00:00Z","revenue":2,"currency":"CHF"}' >"$T/in"
run mp-enrich --currency-table='pg:SELECT date, currency, rate FROM fx' \
    --currency=USD --rejects="$T/rej" "$T/in"
is "$rc $(field "$T/out" '"\(.revenue) \(.currency) \(.fx.from) \(.fx.rate)"') $(jq .line "$T/rej")" \
    "0 54.165 USD EUR 1.0833|2.5 USD GBP 1.25 3" \
    "--currency-table=pg:...: a date column, rates 6 days back, a missing one rejected"

# --- connections: -d, --db, PG* variables
run env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE mp-enrich -k campaign_id \
    -a spend=cost -t "$W" -d "host=$PGHOST port=$PGPORT user=postgres dbname=postgres" \
    "$T/d10"
check "-d key=value, no PG* variables" 0 "$T/w10" ""
run env -u PGHOST -u PGPORT -u PGUSER -u PGDATABASE mp-enrich -k campaign_id \
    -a spend=cost -b 4 -t "$B" \
    --db="postgresql://postgres@/postgres?host=$PGHOST&port=$PGPORT" "$T/d10"
check "--db=URI, batched" 0 "$T/w10" ""
q -c "CREATE DATABASE other"
q -d other -c "CREATE TABLE cs2 (campaign_id text, spend numeric)" \
    -c "INSERT INTO cs2 VALUES ('c1', 99)"
PGDATABASE=other run mp-enrich -k campaign_id -a spend=cost \
    -t 'pg:SELECT * FROM cs2' "$T/d10"
is "$rc $(field "$T/out" '.cost // "-"' | cut -d'|' -f1,2)" "0 99|-" \
    "PGDATABASE picks the database"
run mp-enrich -k campaign_id -a spend=cost -d dbname=other \
    -t 'pg:SELECT * FROM cs2' "$T/d10"
is "$rc $(field "$T/out" '.cost // "-"' | cut -d'|' -f1,2)" "0 99|-" \
    "-d dbname=other over the PG* variables"

# --- errors
printf '{"id":1}\n{"id":2}\n' >"$T/in"
run mp-enrich -k id -t 'pg:SELECT * FROM nosuch' "$T/in"
check "a table the server lacks: 78" 78 /dev/null "nosuch"
run mp-enrich -k id -t 'pg:SELECT nope FROM ty' "$T/in"
check "a column the table lacks: 78" 78 /dev/null "nope"
run mp-enrich -k id -t 'pg:SELECT id, nope FROM ty WHERE id = ANY($1)' \
    "$T/in"
check "a batched query naming a missing column: 78" 78 /dev/null "nope"
run mp-enrich -k id -t 'pg:SELEC id FROM ty' "$T/in"
check "bad SQL: 78" 78 /dev/null "syntax error"
run mp-enrich -k nope -t 'pg:SELECT id FROM ty' "$T/in"
check "-k a column the query lacks: 65" 65 /dev/null "nope"
run mp-enrich -k id -d 'dbname=nosuchdb' -t 'pg:SELECT id FROM ty' "$T/in"
check "a database that does not exist: 78" 78 /dev/null "nosuchdb"
run mp-enrich -k id -d 'nosuchkey=1' -t 'pg:SELECT id FROM ty' "$T/in"
check "a bad conninfo: 78" 78 /dev/null "nosuchkey"
run mp-enrich -k id -d 'host=/nonexistent' -t 'pg:SELECT id FROM ty' "$T/in"
check "no server: 69" 69 /dev/null "^mp-enrich: "
mkdir "$T/empty"
PGHOST=$T/empty run mp-enrich -k id -t 'pg:SELECT id FROM ty WHERE id = ANY($1)' \
    "$T/in"
check "no server, a batched query: 69" 69 /dev/null "^mp-enrich: "
q -c "CREATE ROLE mp_auth LOGIN PASSWORD 'secret'"
export PGPASSFILE=$T/none
PGUSER=mp_auth PGPASSWORD=wrong run mp-enrich -k id -t 'pg:SELECT id FROM ty' \
    "$T/in"
check "a wrong password: 77" 77 /dev/null "password authentication failed"
! grep -q wrong "$T/err"
ok $? "...and the password is not printed"
run mp-enrich -k id -d "user=mp_auth password=wrong" -t 'pg:SELECT id FROM ty' \
    "$T/in"
is "$rc $(grep -c wrong "$T/err")" "77 0" "...given in -d: 77, not printed"
PGUSER=mp_auth PGPASSWORD=secret run mp-enrich -k id \
    -t 'pg:SELECT id FROM ty' "$T/in"
check "no privilege on the table: 77" 77 /dev/null "permission denied"
PGUSER=mp_auth PGPASSWORD=secret run mp-enrich -k id \
    -t 'pg:SELECT id FROM ty WHERE id = ANY($1)' "$T/in"
check "no privilege, a batched query: 77" 77 /dev/null "permission denied"
q -c "GRANT SELECT ON ty TO mp_auth"
PGUSER=mp_auth PGPASSWORD=secret run mp-enrich -k id -a s \
    -t 'pg:SELECT id, s FROM ty' <(printf '{"id":2}\n')
is "$rc $(jq -S -c . "$T/out")" '0 {"cost_source":"pg","id":2,"s":""}' \
    "with SELECT granted: 0"

# --- found in review: each of these went wrong once
cols=$(seq 1 400 | sed 's/.*/1 AS x&/' | paste -sd, -)
run mp-enrich -k campaign_id -a x1 -t "pg:SELECT 'c1' AS campaign_id, $cols" \
    <(printf '{"campaign_id":"c1"}\n')
is "$rc $(jq -c .x1 "$T/out")" "0 1" "a query of 400 columns"
q -c "CREATE TABLE nk (campaign_id text, spend numeric)" \
    -c "INSERT INTO nk VALUES (NULL, 9), ('c1', 1)"
run mp-enrich -k campaign_id -t 'pg:SELECT campaign_id, spend FROM nk' \
    <(printf '{"campaign_id":""}\n')
check "a NULL key in a query's rows: 65, not the key \"\"" 65 /dev/null \
    "key column 'campaign_id' is null"
q -c "CREATE TABLE dflt (campaign_id text, spend numeric, network text)" \
    -c "INSERT INTO dflt VALUES ('c1', 1.5, 'meta')"
printf '{"campaign_id":"c1","spend":"old"}\n' >"$T/old"
run mp-enrich -k campaign_id \
    -t 'pg:SELECT campaign_id, spend, network FROM dflt WHERE campaign_id = ANY($1)' \
    "$T/old"
is "$(cat "$T/out")" '{"campaign_id":"c1","spend":1.5,"network":"meta","cost_source":"pg"}' \
    "a batched table's default columns replace the fields the record has"
q -c "CREATE TABLE sd (c text, d date, spend numeric)" \
    -c "INSERT INTO sd VALUES ('c1','2026-01-01',1), ('c1','2026-01-02',2), ('c2','2026-01-01',3)"
for e in c1:01 c3:03 c3:03 c1:01 c1:02 c2:01; do
	printf '{"c":"%s","ts":"2026-01-%sT00:00:00Z"}\n' "${e%:*}" "${e#*:}"
done >"$T/sd"
run mp-enrich -b 3 -k c -k 'd=.ts[0:10]' -a spend \
    -t 'pg:SELECT c, d, spend FROM sd WHERE c = ANY($1) AND d = ANY($2::date[])' \
    "$T/sd"
is "$rc $(jq -r '.spend // "-"' "$T/out" | paste -sd' ' -)" "0 1 - - 1 2 3" \
    "a two-key batch whose rows hold a key already cached"
printf '{"c":"c1","ts":"2026-01-01T00:00:00Z"}\n{"c":"c1","ts":5}\n{"c":"c2","ts":"2026-01-01T00:00:00Z"}\n' >"$T/s3"
run mp-enrich -s -b 10 -k c -k 'd=(.ts|.[0:10])' -a spend \
    -t 'pg:SELECT c, d::text, spend FROM sd WHERE c = ANY($1) AND d::text = ANY($2)' "$T/s3"
is "$rc $(wc -l <"$T/out")" "65 1" "-s with a batch: nothing after the first reject"

done_testing
