#!/bin/bash
# examples/pipeline.sh hour, as the crontab runs it every hour, and then
# the night's `pipeline.sh day` of the same day: the hourly runs share a
# dedup state and upsert in one transaction (--atomic); the day run
# replaces the day whole.  A fault in an hourly run commits nothing; the
# hours never make the day smaller: hours then the day leave the table a
# day run alone leaves.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 is not installed"
pg_start
day=$(date -u +%F)
D=$T/data W=$T/srv
mkdir -p "$D" "$W"
gen-events -n 3000 --seed 9004 --start "$day" --days 1 \
    --spend-out "$D/spend.csv" --fx-out "$W/fx.csv" --sales-out "$D/sales.ndjson" \
    --cidr-out "$W/datacenters.cidr" >"$D/events.ndjson"
mock-platform --data "$D" --port-file "$T/plat.port" --log "$T/plat.log" &
at_exit "kill $! 2>/dev/null"
waitfor "$T/plat.port" scripts/mock-platform
export http_proxy=http://127.0.0.1:$(cat "$T/plat.port") no_proxy= NO_PROXY=
cp -R "$top/examples/pipeline.sh" "$top/examples/pipeline" \
    "$top/examples/schemas" "$top/examples/sql" "$W/"
cd "$W" || exit 1
mp-load --table=events --print-ddl | q
q -f sql/views.sql >/dev/null
run=$day-$(date -u +%H)

snapshot() {
	q -c "SELECT event_id, cost, revenue, md5(data::text) FROM events
	    ORDER BY event_id" | md5sum
	q -F ' ' -c "SELECT count(*), sum(cost), sum(revenue) FROM events"
}
# the events of the day up to now, as the tracker serves them
sofar=$(python3 -c 'import json, sys, datetime
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["ts"][:19] < now))' \
    "$D/events.ndjson")

# --- an hourly run killed in mp-dedup, mid-stream: nothing committed
setsid ./pipeline.sh hour >/dev/null 2>"$T/err" &
sid=$!
# mp-load stopped as soon as it is there: the pipes fill, and every stage
# before it waits mid-stream
for i in $(seq 400); do
	pkill -STOP -s "$sid" -x mp-load && break
	sleep 0.01
done
sleep 0.3
pkill -9 -s "$sid" -x mp-dedup
landed=$?
pkill -CONT -s "$sid" -x mp-load
wait "$sid"
st=$?
if [ "$sofar" -gt 0 ] && [ "$landed" = 0 ]; then
	is "$st $(q -c 'SELECT count(*) FROM events')" "75 0" \
	    "an hourly run, mp-dedup killed -9: 75, nothing committed"
	jqok stats/$run.load.json '.exit == 75 and (.reason |
	    test("mp-dedup .* was killed"))' "...mp-load's stats say why"
	jqok stats/$run.run.json ".exit == 75" "...and so does the run's"
else
	ok 0 "# SKIP nothing of the day yet to fetch, or the kill missed"
	ok 0 "# SKIP"
	ok 0 "# SKIP"
fi

# --- the hourly run to the end, twice: what the first loaded stays as it
# was, the second adds what came since, nothing twice
# (rows before: their key, time and revenue; an hour's cost is the
# day's spend spread over the clicks the run saw, settled by the night's
# day run)
before() {
	q -c "SELECT event_id, ts, revenue FROM events WHERE ts < '$1'
	    ORDER BY event_id" | md5sum
}
t1=$(date -u +%FT%TZ)
./pipeline.sh hour >/dev/null 2>"$T/err"
is "$?" 0 "pipeline.sh hour: exit 0"
[ -s "$T/err" ] && diag "stderr: $(head -c 300 "$T/err")"
snapshot >"$T/h1"
before "$t1" >"$T/b1"
./pipeline.sh hour >/dev/null 2>"$T/err"
is "$?" 0 "pipeline.sh hour again: exit 0"
before "$t1" | cmp -s - "$T/b1"
ok $? "...what the first run loaded is still there: the lookback's overlap upserted"
is "$(q -c 'SELECT count(*) - count(DISTINCT event_id) FROM events')" 0 \
    "...no event twice"
jqok stats/$run.dedup.json '.earlier_run >= 0 and .exit == 0' \
    "...mp-dedup kept the hours' state"

# --- the night's day run after the hours: the day a day run alone gives
./pipeline.sh day "$day" >/dev/null 2>"$T/err"
is "$?" 0 "pipeline.sh day after the hours: exit 0"
[ -s "$T/err" ] && diag "stderr: $(head -c 300 "$T/err")"
snapshot >"$T/after"
n=$(q -c "SELECT count(*) FROM events")
q -c "TRUNCATE events"
./pipeline.sh day "$day" >/dev/null 2>&1
snapshot | cmp -s - "$T/after"
ok $? "hours then the day: the table a day run alone leaves ($n rows)"
[ "$n" -ge "$(sed -n 2p "$T/h1" | cut -d' ' -f1)" ]
ok $? "...never smaller than what the hours had loaded"

done_testing
