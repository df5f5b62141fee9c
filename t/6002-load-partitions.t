#!/bin/bash
# mp-load --replace=day into a table partitioned by day: the day's
# partition is swapped for a fresh one at the commit, readers see the old
# rows until then, other days and the default partition are untouched;
# a partitioned table without a partition for the day falls back to
# DELETE; SIGTERM in the middle of a replace changes nothing.
. "$(dirname "$0")/lib.sh"
pg_start


q <<'X'
CREATE TABLE pev (event_id text NOT NULL, ts timestamptz NOT NULL,
    cost numeric(19,6), data jsonb NOT NULL) PARTITION BY RANGE (ts);
CREATE UNIQUE INDEX pev_key ON pev (event_id, ts);
CREATE TABLE pev_20 PARTITION OF pev FOR VALUES FROM ('2026-11-20') TO ('2026-11-21');
CREATE TABLE pev_21 PARTITION OF pev FOR VALUES FROM ('2026-11-21') TO ('2026-11-22');
CREATE TABLE pev_rest PARTITION OF pev DEFAULT;
X
ev() { printf '{"event_id":"%s","ts":"%s","cost":%s}\n' "$@"; }
{
	ev a1 2026-11-20T01:00:00Z 1
	ev a2 2026-11-20T02:00:00Z 2
	ev b1 2026-11-21T01:00:00Z 3
	ev c1 2026-11-25T01:00:00Z 4
} >"$T/all.ndjson"
rows() { q -c "SELECT tableoid::regclass, event_id, cost FROM pev ORDER BY 2"; }

run mp-load -t pev -k event_id,ts --stats="$T/st" "$T/all.ndjson"
is "$rc $(jq -c '[.inserted, .skipped]' "$T/st")" "0 [4,0]" "first load into the partitioned table"
is "$(rows | tr '\n' ' ')" "pev_20|a1|1.000000 pev_20|a2|2.000000 pev_21|b1|3.000000 pev_rest|c1|4.000000 " \
    "rows routed to their partitions"

oid=$(q -c "SELECT 'pev_20'::regclass::oid")
{
	ev a2 2026-11-20T02:00:00Z 20
	ev a3 2026-11-20T03:00:00Z 30
	ev c2 2026-11-25T02:00:00Z 5
} >"$T/new.ndjson"
run mp-load -t pev -k event_id,ts --replace=day --stats="$T/st" "$T/new.ndjson"
is "$rc $(jq -c '[.inserted, .replaced]' "$T/st")" "0 [3,3]" \
    "replace: 3 rows in, 2 of day 20 swapped out and 1 of day 25 deleted"
is "$(rows | tr '\n' ' ')" "pev_20|a2|20.000000 pev_20|a3|30.000000 pev_21|b1|3.000000 pev_rest|c2|5.000000 " \
    "day 20 holds exactly the new rows; day 21 untouched; day 25 replaced in the default partition"
[ "$(q -c "SELECT 'pev_20'::regclass::oid")" != "$oid" ]
ok $? "the day's partition is a new table under the old name"
is "$(q -c "SELECT pg_get_expr(relpartbound, oid) FROM pg_class WHERE oid = 'pev_20'::regclass")" \
    "FOR VALUES FROM ('2026-11-20 00:00:00+00') TO ('2026-11-21 00:00:00+00')" \
    "attached again with the day's bounds"
is "$(q -c "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname LIKE 'mp_load_new_%'")" 0 \
    "no fresh table is left behind"
is "$(q -c "SELECT count(*) FROM pg_indexes WHERE tablename = 'pev_20'")" 1 \
    "the new partition has the key's index"

run mp-load -t pev -k event_id,ts --replace=day --stats="$T/st" "$T/new.ndjson"
is "$rc $(jq -c '[.inserted, .replaced]' "$T/st")|$(rows | tr '\n' ' ')" \
    "0 [3,3]|pev_20|a2|20.000000 pev_20|a3|30.000000 pev_21|b1|3.000000 pev_rest|c2|5.000000 " \
    "the same replace again: the same table, never doubled"

run mp-load -t pev -k event_id,ts --replace=day --on-conflict=update \
    --stats="$T/st" "$T/new.ndjson"
is "$rc $(jq -c '[.inserted, .updated, .replaced]' "$T/st")" "0 [3,0,3]" \
    "--on-conflict=update with a swap counts the new partition's rows as inserted"

# readers see the old partition while a replace is under way
gen-events -n 3000 --seed 7 --days 1 --start 2026-11-20 >"$T/big.ndjson"
mp-load -t pev -k event_id,ts "$T/big.ndjson" 2>/dev/null
before=$(q -c "SELECT count(*) FROM pev_20")
mkfifo "$T/fifo"
mp-load -t pev -k event_id,ts --replace=day --batch=100 --stats="$T/st2" \
    <"$T/fifo" 2>"$T/err2" &
pid=$!
exec 7>"$T/fifo"
head -n 500 "$T/big.ndjson" >&7
for i in $(seq 50); do
	q -c "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname LIKE 'mp_load_new_%'" |
	    grep -q 1 && break
	sleep 0.1
done
is "$(q -c "SELECT count(*) FROM pev_20")" "$before" \
    "during the replace, readers still see the day's old rows"
kill -TERM "$pid"
tail -n +501 "$T/big.ndjson" >&7
exec 7>&-
wait "$pid"
st=$?
[ "$st" -ge 128 ] || [ "$st" -eq 0 ]
ok $? "SIGTERM ends the replace (status $st)"
if [ "$st" -ne 0 ]; then
	is "$(q -c "SELECT count(*) FROM pev_20")" "$before" \
	    "an interrupted replace changes nothing"
else
	is "$(q -c "SELECT count(*) FROM pev_20")" "$(jq -r .event_id "$T/big.ndjson" | sort -u | wc -l)" \
	    "a replace that finished before the signal holds the day"
fi
is "$(q -c "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname LIKE 'mp_load_new_%'")" 0 \
    "no fresh table is left behind after the interruption"

# a partition that is not exactly one day is replaced by DELETE
q -c "CREATE TABLE pev_wk PARTITION OF pev FOR VALUES FROM ('2026-11-22') TO ('2026-11-25')"
ev w1 2026-11-23T01:00:00Z 7 >"$T/wk.ndjson"
mp-load -t pev -k event_id,ts "$T/wk.ndjson"
oid=$(q -c "SELECT 'pev_wk'::regclass::oid")
ev w2 2026-11-23T05:00:00Z 8 >"$T/wk2.ndjson"
run mp-load -t pev -k event_id,ts --replace=day --stats="$T/st" "$T/wk2.ndjson"
is "$rc $(jq -c '[.inserted, .replaced]' "$T/st")|$(q -c "SELECT string_agg(event_id, ',') FROM pev_wk")" \
    "0 [1,1]|w2" "a partition wider than a day: the day's rows deleted, not swapped"
is "$(q -c "SELECT 'pev_wk'::regclass::oid")" "$oid" "and the partition is the same table"

done_testing
