#!/bin/bash
# mp-load: poison rows and their rejects, --replace=day, --pass, the chain,
# --atomic, --lock, stats and metrics, connection strings (-d, PG*
# variables, services) and -K.  The table, its columns and exactly once
# are in t/6000-load.t.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-load" ] || skip_all "cmd/mp-load is not built"
command -v psql >/dev/null || skip_all "psql is not installed"
pg_start

. "$top/t/lib/load.sh"

# what t/6000-load.t leaves for the cases below, made as there: the
# events, loaded into events, the first three of its first 60 distinct
# lines, and the table u
gen-events -n 400 --seed 60 --dup-rate 0.1 --odd-rate 0.1 >"$T/ev" 2>/dev/null
head -n 60 "$T/ev" | awk '!s[$0]++' >"$T/ev60"
head -n 3 "$T/ev60" >"$T/ev3"
mp-load -t events --create "$T/ev" >/dev/null 2>&1
q -c "CREATE TABLE u (event_id text, cost numeric(19,6), data jsonb NOT NULL);
    CREATE UNIQUE INDEX ON u (event_id)"

# --- poison rows: each class, among good rows, in one batch
q -c "CREATE TABLE poison (event_id text PRIMARY KEY, ts timestamptz,
    ua text, cost numeric(19,6), data jsonb NOT NULL);
    ALTER TABLE poison ADD CONSTRAINT cost_pos CHECK (cost >= 0);
    ALTER TABLE poison ADD COLUMN region text NOT NULL"
cat >"$T/p" <<'X'
{"event_id":"g1","ts":"2026-11-20T01:00:00Z","cost":1.5,"region":"eu"}
{"event_id":"p2","ts":"2026-11-20T02:00:00Z","cost":1e20,"region":"eu"}
{"event_id":"p3","ts":"2026-11-20T03:00:00Z","cost":"abc","region":"eu"}
{"event_id":"g4","ts":"2026-11-20T04:00:00Z","cost":2,"region":"eu"}
{"event_id":"p5","ts":"2026-11-20T05:00:00Z","ua":"x\u0000y","region":"eu"}
{"event_id":"p6","ts":"2026-11-20T06:00:00Z","x":"\u0000","region":"eu"}
{"event_id":"p7","ts":"2026-11-20T07:00:00Z","cost":-5,"region":"eu"}
{"event_id":"p8","ts":"2026-11-20T08:00:00Z","cost":0}
{"event_id":"p9","ts":"yesterday","region":"eu"}
{"event_id":"g10","ts":"2026-11-20T10:00:00Z","region":"eu"}
not json
{"event_id":"p12","ts":"2026-11-20T12:00:00","region":"eu"}
{"event_id":"g13","ts":"2026-11-20T13:00:00+01:00","region":"eu"}
X
cat >"$T/want" <<'X'
[2,"field '.cost' has more than 13 digits before the point for column \"cost\" numeric(19,6): 1e20"]
[3,"invalid input syntax for type numeric: \"abc\" (column cost)"]
[5,"invalid byte sequence for encoding \"UTF8\": 0x00"]
[6,"unsupported Unicode escape sequence (column data)"]
[7,"new row for relation \"poison\" violates check constraint \"cost_pos\""]
[8,"null value in column \"region\" of relation \"poison\" violates not-null constraint"]
[9,"field '.ts' is not an RFC 3339 time"]
[11,"invalid JSON: unexpected character 'n' at byte 1"]
[12,"field '.ts' is not an RFC 3339 time"]
X
run mp-load -t poison -c region:.region --rejects="$T/rej" --stats="$T/st" \
    "$T/p"
check "poison rows with --rejects: 0" 0 /dev/null ""
is "$(jq -c '[.line, .reason]' "$T/rej" | sort -t, -k1.2n)" "$(cat "$T/want")" \
    "rejects: each class with PostgreSQL's message and its column"
rejok "$T/rej" "$T/p" "rejects: prog, file, line, and the record byte for byte"
is "$(ids poison | paste -sd' ' -)" "g1 g10 g13 g4" "the good rows all load"
is "$(stat1 'records_in inserted rejected batches')" \
    "records_in=13 inserted=4 rejected=9 batches=1" \
    "stats: 9 rejected, one batch"
jqok "$T/st" '.rejected_by == {"field '"'.cost'"' has more than 13 digits before the point for column \"cost\" numeric(19,6)": 1,
    "invalid input syntax for type numeric": 1,
    "invalid byte sequence for encoding \"UTF8\"": 1,
    "unsupported Unicode escape sequence (column data)": 1,
    "new row for relation \"poison\" violates check constraint \"cost_pos\"": 1,
    "null value in column \"region\" of relation \"poison\" violates not-null constraint": 1,
    "field '"'.ts'"' is not an RFC 3339 time": 2, "invalid JSON": 1}' \
    "stats: rejected_by the class of each reason"
q -c "TRUNCATE poison"
run mp-load -t poison -c region:.region "$T/p"
check "poison rows without --rejects: 65" 65 /dev/null \
    "^mp-load: $T/p:2: field '\\.cost' has more than 13 digits before the point for column \"cost\" numeric\\(19,6\\): 1e20$"
is "$(sed 's/^mp-load: //' "$T/err" | sort -t: -k2n | cut -c1-60)" \
    "$(jq -r '"\(.file):\(.line): \(.reason)"' "$T/rej" | sort -t: -k2n |
    cut -c1-60)" "...each on stderr as file:line: reason"
is "$(ids poison | paste -sd' ' -)" "g1 g10 g13 g4" "...the good rows load"
q -c "TRUNCATE poison"
IN=$T/p run mp-load -t poison -c region:.region --rejects="$T/rej"
is "$rc $(jq -r .file "$T/rej" | sort -u)" "0 -" \
    "from standard input: file is -"
q -c "TRUNCATE poison"
run mp-load -t poison -c region:.region --strict --rejects="$T/rej" -b 1 \
    --stats="$T/st" "$T/p"
check "--strict: 65 at the first rejected row" 65 /dev/null ""
is "$(ids poison | paste -sd' ' -) $(jq -c '[.line, .reason]' "$T/rej") $(stat1 records_in)" \
    'g1 [2,"field '"'.cost'"' has more than 13 digits before the point for column \"cost\" numeric(19,6): 1e20"] records_in=2' \
    "...with -b 1: the rows before it load, none after"
{
	gen-events -n 3000 --seed 62 --dup-rate 0 2>/dev/null |
	    jq -c '. + {region: "eu"}' | sed '1000r '"$T/p"
} >"$T/big"
q -c "TRUNCATE poison"
run mp-load -t poison -c region:.region --rejects="$T/rej" --stats="$T/st" \
    "$T/big"
is "$rc $(jq -r .line "$T/rej" | sort -n | paste -sd' ' -) $(stat1 'inserted rejected batches')" \
    "0 1002 1003 1005 1006 1007 1008 1009 1011 1012 inserted=3004 rejected=9 batches=2" \
    "the same among 3000 good rows: split until only the bad remain"

# --- --replace=day
q -c "CREATE TABLE rep (event_id text PRIMARY KEY, ts timestamptz,
    cost numeric(19,6), data jsonb NOT NULL)"
cat >"$T/d1" <<'X'
{"event_id":"d1a","ts":"2026-11-20T00:00:00Z"}
{"event_id":"d1b","ts":"2026-11-20T02:00:00Z"}
{"event_id":"d1c","ts":"2026-11-20T23:59:59.999999Z"}
X
cat >"$T/d2" <<'X'
{"event_id":"d2a","ts":"2026-11-21T00:00:00Z"}
{"event_id":"d2b","ts":"2026-11-21T05:00:00+02:00"}
{"event_id":"d1x","ts":"2026-11-21T00:30:00+01:00"}
X
cat >"$T/d1new" <<'X'
{"event_id":"d1b","ts":"2026-11-20T02:00:00Z","cost":2}
{"event_id":"d1d","ts":"2026-11-20T12:00:00Z"}
{"event_id":"bad1","ts":"nope"}
{"event_id":"bad2"}
{"event_id":"bad3","ts":null}
{"event_id":"d1e","ts":"2026-11-20T13:00:00+02:00"}
{"event_id":"d1d","ts":"2026-11-20T14:00:00Z"}
X
tab() { q -c "SELECT string_agg(event_id || coalesce('=' || cost::int, ''),
    ' ' ORDER BY ts, event_id) FROM rep"; }
run mp-load -t rep --replace=day --stats="$T/st" "$T/d1" "$T/d2"
is "$rc $(tab) $(stat1 'inserted replaced')" \
    "0 d1a d1b d1x d1c d2a d2b inserted=6 replaced=0" \
    "--replace=day into an empty table: days D1 and D2"
run mp-load -t rep --replace=day --rejects="$T/rej" --stats="$T/st" \
    "$T/d1new"
check "--replace=day of a changed D1" 0 /dev/null ""
is "$(tab) $(stat1 'inserted skipped replaced')" \
    "d1b=2 d1e d1d d2a d2b inserted=3 skipped=1 replaced=4" \
    "...D1 (its UTC day) is exactly the new rows, D2 untouched, replaced=4"
is "$(jq -c '[.line, .reason]' "$T/rej" | paste -sd' ' -)" \
    "[3,\"field '.ts' is not an RFC 3339 time\"] [4,\"missing field '.ts'\"] [5,\"field '.ts' is null\"]" \
    "...a bad, missing or null .ts: rejected"
rejok "$T/rej" "$T/d1new" "...the rejects, byte for byte"
run mp-load -t rep --replace=day --rejects="$T/rej" --stats="$T/st" \
    "$T/d1new"
is "$rc $(tab) $(stat1 'inserted replaced')" \
    "0 d1b=2 d1e d1d d2a d2b inserted=3 replaced=3" \
    "the same replace again: the same table, never doubled"
# a table partitioned by day: the day's partition is replaced
q -c "CREATE TABLE pt (event_id text NOT NULL, ts timestamptz NOT NULL,
    cost numeric(19,6), data jsonb NOT NULL) PARTITION BY RANGE (ts);
    CREATE TABLE pt_20 PARTITION OF pt FOR VALUES FROM ('2026-11-20')
    TO ('2026-11-21'); CREATE TABLE pt_21 PARTITION OF pt FOR VALUES
    FROM ('2026-11-21') TO ('2026-11-22');
    CREATE UNIQUE INDEX pt_key ON pt (event_id, ts)"
ptab() { q -c "SELECT string_agg(tableoid::regclass || ':' || event_id ||
    coalesce('=' || cost::int, ''), ' ' ORDER BY ts, event_id) FROM pt"; }
run mp-load -t pt -k event_id,ts --replace=day --stats="$T/st" "$T/d1" "$T/d2"
is "$rc $(ptab) $(stat1 'inserted replaced')" \
    "0 pt_20:d1a pt_20:d1b pt_20:d1x pt_20:d1c pt_21:d2a pt_21:d2b inserted=6 replaced=0" \
    "--replace=day into a table partitioned by day"
run mp-load -t pt -k event_id,ts --replace=day --rejects="$T/rej" \
    --stats="$T/st" "$T/d1new"
is "$rc $(ptab) $(stat1 'inserted skipped replaced')" \
    "0 pt_20:d1b=2 pt_20:d1e pt_20:d1d pt_20:d1d pt_21:d2a pt_21:d2b inserted=4 skipped=0 replaced=4" \
    "...a changed D1: its partition holds exactly the new rows, D2 untouched"
run mp-load -t pt -k event_id,ts --replace=day --rejects="$T/rej" \
    --stats="$T/st" "$T/d1new"
is "$rc $(ptab) $(stat1 'inserted replaced') $(q -c "SELECT string_agg(
    c.relname || ' ' || pg_get_expr(c.relpartbound, c.oid), ', ' ORDER BY
    c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'pt'::regclass")" \
    "0 pt_20:d1b=2 pt_20:d1e pt_20:d1d pt_20:d1d pt_21:d2a pt_21:d2b inserted=4 replaced=4 pt_20 FOR VALUES FROM ('2026-11-20 00:00:00+00') TO ('2026-11-21 00:00:00+00'), pt_21 FOR VALUES FROM ('2026-11-21 00:00:00+00') TO ('2026-11-22 00:00:00+00')" \
    "...again: the same rows, the partitions as they were"
q -c "CREATE TABLE w (event_id text PRIMARY KEY, at timestamp, data jsonb)"
cat >"$T/in" <<'X'
{"event_id":"w1","when":"2026-11-20T23:30:00-01:00","ts":"2026-11-01T00:00:00Z"}
{"event_id":"w2","when":"2026-11-21T00:30:00+01:00"}
{"event_id":"w3","when":"2026-11-21T12:00:00Z"}
X
run mp-load -t w --replace=day --time=.when -c at:.when "$T/in"
check "--time=.when with --column at:.when (a timestamp column)" 0 \
    /dev/null ""
printf '{"event_id":"w4","when":"2026-11-21T01:00:00Z"}\n' >"$T/in2"
run mp-load -t w --replace=day -T .when -c at:.when --stats="$T/st" "$T/in2"
is "$rc $(q -c "SELECT string_agg(event_id || ' ' || at, ', ' ORDER BY at)
    FROM w") $(stat1 replaced)" \
    "0 w2 2026-11-20 23:30:00, w4 2026-11-21 01:00:00 replaced=2" \
    "...the UTC day of .when is replaced, the other day kept"
run mp-load -t w --replace=day "$T/in"
check "--replace=day without a column for .ts: 78" 78 /dev/null \
    "^mp-load: --replace=day: no column holds '.ts' \(--time, --column\)$"
run mp-load -t w --replace=day --time=.when "$T/in"
check "--replace=day, --time=.when but no column for it: 78" 78 /dev/null \
    "^mp-load: --replace=day: no column holds '.when'"
before=$(tab)
mkfifo "$T/fifo"
for sig in TERM INT; do
	exec 3<>"$T/fifo"
	mp-load -t rep --replace=day --pass -b 2 --stats="$T/st" "$T/fifo" \
	    >"$T/o1" 2>"$T/e1" 3>&- &
	pid=$!
	cat "$T/d1new" "$T/d2" >&3
	for i in $(seq 50); do
		[ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE
		    application_name = 'mp-load' AND state LIKE 'idle in%'")" = 1 ] &&
		    break
		sleep 0.1
	done
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	exec 3>&-
	is "$rc $(wc -c <"$T/o1") $(tab) $(jq .interrupted "$T/st")" \
	    "$((128 + $(kill -l $sig))) 0 $before true" \
	    "--replace=day, SIG$sig mid-run: $((128 + $(kill -l $sig))), rolled back, nothing passed"
done
run mp-load -t rep --replace=day --strict --stats="$T/st" "$T/d1new"
is "$rc $(tab)" "65 $before" \
    "--replace=day --strict: 65 at a rejected row, and nothing replaced"
run mp-load -t rep --replace=day --rejects="$T/rej" "$T/d1new" "$T/nosuch"
is "$rc $(tab) $(grep -c "$T/nosuch: No such file or directory" "$T/err")" \
    "66 $before 1" \
    "--replace=day with an input file missing: 66, and nothing replaced"

# --- --pass: exactly the rows not rejected, byte for byte, after commit
gen-events -n 2000 --seed 63 --odd-rate 0.2 --bad-rate 0.05 --dup-rate 0.1 \
    >"$T/in" 2>/dev/null
sed -n '5p;600p' "$T/in" | jq -c '.event_id += "-p" | .cost = 1e20' >>"$T/in"
printf '{"event_id":"crlf"}\r\n' >>"$T/in"
for r in "" --replace=day; do
	run mp-load -t "pass${r:+2}" --create $r --pass -b 7 --rejects="$T/rej" \
	    --stats="$T/st" "$T/in"
	check "--pass${r:+ $r}: every row not rejected, byte for byte, in order" \
	    0 <(awk 'NR == FNR { r[$1]; next } !(FNR in r)' \
	    <(jq .line "$T/rej") "$T/in" | sed 's/\r$//') ""
	is "$(stat1 'records_out rejected')" "records_out=$(wc -l <"$T/out") rejected=$(jq -s 'length' "$T/rej")" \
	    "...records_out counts them"
done
exec 3<>"$T/fifo"
mp-load -t u --pass -b 2 "$T/fifo" >"$T/o1" 2>"$T/e1" 3>&- &
pid=$!
printf '{"event_id":"f1"}\n{"event_id":"f2"}\n{"event_id":"f3"}\n' >&3
for i in $(seq 50); do
	[ "$(ids u | grep -c '^f')" = 2 ] && break
	sleep 0.1
done
sleep 0.3
is "$(ids u | grep '^f' | paste -sd' ' -)" "f1 f2" \
    "-b 2: a batch commits on its own while the input is still open"
exec 3>&-
wait "$pid"
is "$? $(paste -sd' ' "$T/o1") $(ids u | grep -c '^f')" \
    '0 {"event_id":"f1"} {"event_id":"f2"} {"event_id":"f3"} 3' \
    "--pass: the rows once committed, in order"
exec 3<>"$T/fifo"
mp-load -t pass2 --replace=day --trust-input --pass -b 1 "$T/fifo" \
    >"$T/o1" 2>"$T/e1" 3>&- &
pid=$!
head -n 3 "$T/ev" >&3
sleep 1
is "$(wc -c <"$T/o1")" 0 "--pass --replace=day: nothing before the commit"
exec 3>&-
wait "$pid"
is "$? $(wc -l <"$T/o1")" "0 3" "...all of it after"

# --- the chain: a day is replaced only from input known to be whole
mp-load -t chain --create --replace=day --stats="$T/s" "$T/ev" 2>"$T/e1"
is "$? $(q -c 'SELECT count(*) > 0 FROM chain')" "0 t" \
    "--replace=day from a file: the day loaded"
before=$(q -c 'SELECT count(*) FROM chain')
head -n 2 "$T/ev" | mp-load -t chain --replace=day --stats="$T/s" 2>"$T/e1"
is "$? $(q -c 'SELECT count(*) FROM chain')" "65 $before" \
    "--replace=day from a pipe of a program that is not an mp tool: refused, 65, the day kept"
grep -q "nothing replaced: the input may not hold whole days: .*not an mp tool" "$T/e1"
ok $? "...the message says why"
jqok "$T/s" '.exit == 65 and (.reason | test("not an mp tool"))' \
    "...and so do the stats"
head -n 2 "$T/ev" | mp-load -t chain --replace=day --trust-input 2>"$T/e1"
is "$?" 0 "--trust-input: the pipe's end taken as the end of whole days"
mp-load -t chain --replace=day "$T/ev" 2>/dev/null
mp-validate "$T/ev" | mp-load -t chain --replace=day --stats="$T/s" \
    2>"$T/e1"
is "$? $(q -c 'SELECT count(*) FROM chain')" "0 $before" \
    "--replace=day from mp-validate that finished: loaded"
(head -n 2 "$T/ev"; exec sleep 37.$$) | mp-validate --stats="$T/sv" |
    mp-load -t chain --replace=day --stats="$T/s" 2>"$T/e1" &
sleep 1
pkill -9 -f -x 'mp-validate --stats='"$T/sv"
sleep 0.2
pkill -f -x "sleep 37.$$"
wait $!
is "$? $(q -c 'SELECT count(*) FROM chain')" "75 $before" \
    "mp-validate killed -9 before mp-load: exit 75, the day kept"
jqok "$T/s" '.exit == 75 and (.reason | test("mp-validate .* was killed"))' \
    "...the stats say which stage and how"
mp-validate --no-such-option "$T/ev" 2>/dev/null |
    mp-load -t chain --replace=day --stats="$T/s" 2>"$T/e1"
is "$? $(q -c 'SELECT count(*) FROM chain')" "75 $before" \
    "a stage before that failed at once: exit 75, the day kept"
jqok "$T/s" '.reason | test("mp-validate exited 64")' "...its exit named"

# --atomic: the run is one transaction, committed only when every stage
# before finished; without it, batches that landed stay
mp-load -t atom --create --print-ddl | q
head -n 50 "$T/ev" | mp-validate | mp-load -t atom --atomic -b 5 \
    --stats="$T/s" 2>"$T/e1"
is "$? $(q -c 'SELECT count(*) > 0 FROM atom')" "0 t" \
    "--atomic from mp-validate that finished: committed"
q -c "TRUNCATE atom"
for atomic in --atomic ""; do
	(head -n 50 "$T/ev"; exec sleep 37.$$) | mp-validate --stats="$T/sv" |
	    mp-load -t atom $atomic -b 5 --on-conflict=update \
	    --stats="$T/s" 2>"$T/e1" &
	for i in $(seq 50); do
		[ "$(q -c 'SELECT count(*) FROM atom')" -gt 0 ] ||
		    [ -n "$atomic" ] && [ "$i" -gt 10 ] && break
		sleep 0.1
	done
	pkill -9 -f -x 'mp-validate --stats='"$T/sv"
	sleep 0.2
	pkill -f -x "sleep 37.$$"
	wait $!
	st=$?
	n=$(q -c 'SELECT count(*) FROM atom')
	if [ -n "$atomic" ]; then
		is "$st $n" "75 0" \
		    "--atomic, the stage before killed -9: 75, nothing committed"
		jqok "$T/s" '.exit == 75 and .inserted == 0' "...the stats say so"
	else
		[ "$st" = 75 ] && [ "$n" -gt 0 ]
		ok $? "without --atomic: 75, the batches that landed stay ($n rows)"
	fi
done

# --- --lock: a session's advisory lock
PGAPPNAME=holder q -c "SELECT pg_advisory_lock(hashtextextended('job', 0))" \
    -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
holder=$!
for i in $(seq 50); do
	[ "$(q -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
	    AND granted")" = 1 ] && break
	sleep 0.1
done
run mp-load -t events --lock=job --stats="$T/st" "$T/ev3"
check "--lock held by another session: 75" 75 /dev/null \
    "^mp-load: lock 'job' is held by another run; try again later$"
run mp-load -t events --lock=job --log-format=json "$T/ev3"
jq -e '.level == "error" or .level == "warning"' "$T/err" >/dev/null &&
    [ "$rc" = 75 ] && grep -q "lock 'job' is held" "$T/err"
ok $? "...as JSON with --log-format=json"
run mp-load -t events --lock=other "$T/ev3"
check "another lock name: 0" 0 /dev/null ""
q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE
    application_name = 'holder'" >/dev/null
wait "$holder" 2>/dev/null
run mp-load -t events --lock=job --stats="$T/st" "$T/ev3"
check "the holder gone: --lock=job loads" 0 /dev/null ""
is "$(q -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")" 0 \
    "...and the lock goes with the run"

# --- stats, metrics and the common options
run mp-load -t events --stats="$T/st" --metrics="$T/met" --dropped="$T/drop" \
    --no-progress "$T/ev"
check "--stats, --metrics, --dropped, --no-progress" 0 /dev/null ""
jqok "$T/st" '.prog == "mp-load" and (keys_unsorted | .[7:13]) ==
    ["inserted", "skipped", "updated", "replaced", "batches", "retries"] and
    .records_in == 400 and .records_out == 0 and .inserted == 0 and
    .skipped == 400 and .updated == 0 and .replaced == 0 and
    .batches == 1 and .retries == 0 and .exit == 0' \
    "stats: inserted, skipped, updated, replaced, batches, retries"
grep -q '^mp_inserted_total{prog="mp-load"} 0$' "$T/met" &&
    grep -q '^mp_skipped_total{prog="mp-load"} 400$' "$T/met" &&
    grep -q '^mp_retries_total{prog="mp-load"} 0$' "$T/met"
ok $? "metrics: mp_inserted_total, mp_skipped_total, mp_retries_total"
[ ! -s "$T/drop" ]
ok $? "--dropped: never written"
run mp-load -t events --progress "$T/ev"
is "$rc $(wc -c <"$T/out") $(tr '\r' '\n' <"$T/err" | grep -v '^$' |
    grep -cv '^mp-load: [0-9]* records, .* MiB')" "0 0 0" \
    "--progress: no other message"
IN=$T/ev run mp-load -t events --max-record=700 --rejects="$T/rej" \
    --stats="$T/st"
is "$rc $(jq -r .reason "$T/rej" | sed 's/ (.*//' | sort -u) $(stat1 rejected)" \
    "0 record longer than 700 bytes $(awk 'length > 700' "$T/ev" | wc -l | awk '{ print "rejected=" $1 }')" \
    "--max-record: longer lines rejected, from standard input"
run mp-load -t events --log-format=json "$T/p"
jq -e -s 'length > 0 and all(.prog == "mp-load" and .file and .line)' \
    "$T/err" >/dev/null && [ "$rc" = 65 ]
ok $? "--log-format=json: rejects as JSON messages with file and line"

# --- -d/--db and the PG* variables
q -c "CREATE DATABASE mpdb"
host=$PGHOST
run env -u PGHOST -u PGDATABASE mp-load -d "host=$host dbname=mpdb" \
    -t kv --create "$T/ev3"
check "-d key=value, no PG* variables" 0 /dev/null ""
is "$(ids kv mpdb | md5sum)" "$(jids "$T/ev3" | md5sum)" "...into that database"
run env -u PGHOST -u PGDATABASE mp-load --db="postgresql:///mpdb?host=$host" \
    -t uri --create "$T/ev3"
check "--db=URI" 0 /dev/null ""
is "$(ids uri mpdb | md5sum)" "$(jids "$T/ev3" | md5sum)" "...into that database"
PGDATABASE=mpdb run mp-load -t env --create "$T/ev3"
check "PG* variables alone (PGDATABASE=mpdb)" 0 /dev/null ""
is "$(ids env mpdb | md5sum)" "$(jids "$T/ev3" | md5sum)" "...into that database"
printf '[mp]\nhost=%s\ndbname=mpdb\n' "$host" >"$T/svc"
run env -u PGHOST PGSERVICEFILE="$T/svc" mp-load -d service=mp -t svc \
    --create "$T/ev3"
check "a service file (PGSERVICEFILE, -d service=mp)" 0 /dev/null ""
is "$(ids svc mpdb | md5sum)" "$(jids "$T/ev3" | md5sum)" "...into that database"
run mp-load -d "host=$host password=s3cret junk" -t events "$T/ev3"
check "a conninfo that does not parse: 78" 78 /dev/null \
    "^mp-load: --db: .*missing \"=\" after \"junk\" in connection info string$"
run mp-load -d "postgresql:///mpdb?host=$host&nosuch=1" -t events "$T/ev3"
check "a URI that does not parse: 78" 78 /dev/null \
    "^mp-load: --db: .*invalid URI query parameter"
run mp-load -d "host=$host dbname=nosuch" -t events "$T/ev3"
check "a missing database: 78" 78 /dev/null \
    "^mp-load: cannot connect to PostgreSQL: .*database \"nosuch\" does not exist$"
run mp-load -d "postgresql:///nosuch?host=$host" -t events "$T/ev3"
check "...in a URI too" 78 /dev/null "database \"nosuch\" does not exist"
run mp-load -d "postgresql://mp:s3cret@[::1/mpdb" -t events "$T/ev3"
is "$rc $(grep -c s3cret "$T/err")" "78 0" \
    "a bad URI holding a password: 78, the password not printed"
run mp-load -d "host=$host port=abc" -t events "$T/ev3"
check "port=abc: a bad conninfo, 78 at once" 78 /dev/null \
    "invalid integer value \"abc\" for connection option \"port\""
run mp-load -d "host=$host sslmode=bogus" -t events "$T/ev3"
check "sslmode=bogus: a bad conninfo, 78 at once" 78 /dev/null \
    "invalid sslmode value"

# --- -K: options from a file
cat >"$T/cfg" <<X
# mp-load -K load.conf
table = kcfg
db = host=$host dbname=mpdb
create
batch 2
rejects = $T/krej
stats = $T/st
X
run mp-load -K "$T/cfg" "$T/p"
check "-K: table, db, create, batch, rejects and stats from a file" 0 \
    /dev/null ""
is "$(q -d mpdb -c "SELECT count(*) FROM kcfg") $(jq -s length "$T/krej") $(stat1 batches)" \
    "6 7 batches=5" "...all of them taken"
run mp-load -K "$T/cfg" -t kcfg2 -b 100 "$T/p"
is "$rc $(q -d mpdb -c "SELECT count(*) FROM kcfg2") $(stat1 batches)" \
    "0 6 batches=1" "...options after -K win"

done_testing
