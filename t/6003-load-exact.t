#!/bin/bash
# mp-load never rounds: a number bound for a numeric column with a scale
# (money: numeric(19,6)) that has a digit past the scale, or too many
# before the point, is rejected before COPY, since PostgreSQL would round
# it without a word; numbers and numeric strings, exponents, negative
# values, plain loads, --replace=day, --on-conflict=update, --schema.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-load" ] || skip_all "cmd/mp-load is not built"
command -v psql >/dev/null || skip_all "psql is not installed"
pg_start

q <<'X'
CREATE DOMAIN amount AS numeric(12,2);
CREATE TABLE m (event_id text PRIMARY KEY, ts timestamptz,
    cost numeric(19,6), revenue numeric(19,6), n numeric(10,0),
    x numeric, a amount, data jsonb NOT NULL);
X
cat >"$T/in" <<'X'
{"event_id":"g1","ts":"2026-11-20T01:00:00Z","cost":1.000001}
{"event_id":"b2","ts":"2026-11-20T01:00:00Z","cost":1.0000005}
{"event_id":"b3","ts":"2026-11-20T01:00:00Z","cost":"0.0000004"}
{"event_id":"b4","ts":"2026-11-20T01:00:00Z","cost":1e-7}
{"event_id":"g5","ts":"2026-11-20T01:00:00Z","cost":1.5e2}
{"event_id":"b6","ts":"2026-11-20T01:00:00Z","revenue":-2.0000001}
{"event_id":"g7","ts":"2026-11-20T01:00:00Z","cost":"1.500000000","revenue":-0.000001}
{"event_id":"b8","ts":"2026-11-20T01:00:00Z","cost":10000000000000}
{"event_id":"b9","ts":"2026-11-20T01:00:00Z","cost":"-1E-7"}
{"event_id":"g10","ts":"2026-11-20T01:00:00Z","cost":-9999999999999.999999,"x":1.00000000001}
{"event_id":"b11","ts":"2026-11-20T01:00:00Z","n":1.5}
{"event_id":"b12","ts":"2026-11-20T01:00:00Z","cost":"\u0031.0000005"}
{"event_id":"g13","ts":"2026-11-20T01:00:00Z","cost":0.0000010e1,"n":12e2}
{"event_id":"b14","ts":"2026-11-20T01:00:00Z","a":0.125}
{"event_id":"g15","ts":"2026-11-20T01:00:00Z","a":-0.120,"cost":" 2.5 "}
X
cat >"$T/want" <<'X'
[2,"field '.cost' has more than 6 decimals for column \"cost\" numeric(19,6): 1.0000005"]
[3,"field '.cost' has more than 6 decimals for column \"cost\" numeric(19,6): \"0.0000004\""]
[4,"field '.cost' has more than 6 decimals for column \"cost\" numeric(19,6): 1e-7"]
[6,"field '.revenue' has more than 6 decimals for column \"revenue\" numeric(19,6): -2.0000001"]
[8,"field '.cost' has more than 13 digits before the point for column \"cost\" numeric(19,6): 10000000000000"]
[9,"field '.cost' has more than 6 decimals for column \"cost\" numeric(19,6): \"-1E-7\""]
[11,"field '.n' has decimals for column \"n\" numeric(10,0): 1.5"]
[12,"field '.cost' has more than 6 decimals for column \"cost\" numeric(19,6): \"\\u0031.0000005\""]
[14,"field '.a' has more than 2 decimals for column \"a\" numeric(12,2): 0.125"]
X
# tab TABLE: the rows as id=cost/revenue/n/x/a, in order
tab() {
	q -c "SELECT string_agg(event_id || '=' || concat_ws('/', cost,
	    revenue, n, x, a), ' ' ORDER BY event_id) FROM $1"
}
good='g1=1.000001 g10=-9999999999999.999999/1.00000000001 g13=0.000010/1200 g15=2.500000/-0.12 g5=150.000000 g7=1.500000/-0.000001'

run mp-load -t m -c n:.n -c x:.x -c a:.a --rejects="$T/rej" --stats="$T/st" \
    "$T/in"
check "a plain load: 0, the inexact numbers rejected" 0 /dev/null ""
is "$(jq -c '[.line, .reason]' "$T/rej")" "$(cat "$T/want")" \
    "...each with its field, value, column and type"
is "$(tab m)" "$good" "...the rest loads, every digit as written"
is "$(stat1 'records_in inserted rejected batches')" \
    "records_in=15 inserted=6 rejected=9 batches=1" \
    "...rejected before COPY: one batch, never split"
jqok "$T/st" '.rejected_by["field '"'.cost'"' has more than 6 decimals for column \"cost\" numeric(19,6)"] == 5' \
    "...rejected_by: the reason before the value, one class"

q -c "TRUNCATE m"
run mp-load -t m -c n:.n -c x:.x -c a:.a "$T/in"
check "without --rejects: 65, each on stderr" 65 /dev/null \
    "^mp-load: $T/in:2: field '\.cost' has more than 6 decimals for column \"cost\" numeric\(19,6\): 1\.0000005$"
is "$(grep -c . "$T/err") $(tab m)" "9 $good" "...nine messages, the rest loads"

q -c "TRUNCATE m"
run mp-load -t m -c n:.n -c x:.x -c a:.a --rejects="$T/rej" -b 2 "$T/in"
is "$rc $(tab m) $(jq -c '[.line, .reason]' "$T/rej" | sort -t, -k1.2n |
    md5sum)" "0 $good $(md5sum <"$T/want")" "the same in batches of 2"

# --- --replace=day: the day is the exact rows, the inexact ones rejected
q -c "TRUNCATE m; INSERT INTO m (event_id, ts, cost, data) VALUES
    ('old', '2026-11-20T05:00:00Z', 9, '{}')"
run mp-load -t m -c n:.n -c x:.x -c a:.a --replace=day --rejects="$T/rej" \
    --stats="$T/st" "$T/in"
check "--replace=day: 0" 0 /dev/null ""
is "$(tab m) $(stat1 'inserted rejected replaced')" \
    "$good inserted=6 rejected=9 replaced=1" \
    "...the day is the exact rows, the old one replaced"
is "$(jq -c '[.line, .reason]' "$T/rej")" "$(cat "$T/want")" \
    "...the same rejects"

# --- --on-conflict=update: an inexact value does not update the row
printf '%s\n' '{"event_id":"g1","cost":2.0000001}' \
    '{"event_id":"g5","cost":"2.25"}' >"$T/upd"
run mp-load -t m --on-conflict=update --rejects="$T/rej" \
    --stats="$T/st" "$T/upd"
check "--on-conflict=update: 0" 0 /dev/null ""
is "$(q -c "SELECT string_agg(event_id || '=' || cost, ' ' ORDER BY event_id)
    FROM m WHERE event_id IN ('g1', 'g5')") $(stat1 'updated rejected')" \
    "g1=1.000001 g5=2.250000 updated=1 rejected=1" \
    "...g1 keeps its cost, g5 is updated"
is "$(jq -r .reason "$T/rej")" \
    "field '.cost' has more than 6 decimals for column \"cost\" numeric(19,6): 2.0000001" \
    "...the rejected update's reason"

# --- --schema and --create: money is numeric(19,6), checked the same
printf '%s\n' 'key	event_id' 'field	.event_id	string	required' \
    'field	.ts	time' 'field	.cost	money' >"$T/s.schema"
run mp-load -t sm --create --schema="$T/s.schema" --rejects="$T/rej" "$T/in"
check "--schema --create: 0" 0 /dev/null ""
is "$(q -c "SELECT count(*), sum(cost) FROM sm")" "9|-9999999999844.999988" \
    "...9 rows, the inexact costs rejected"
is "$(jq -r .line "$T/rej" | paste -sd' ' -)" "2 3 4 8 9 12" \
    "...the rows of the inexact costs"
done_testing
