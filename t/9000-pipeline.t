#!/bin/bash
# The day pipeline end to end (examples/pipeline.sh): mp-fetch from the
# mock platform and networks | mp-archive | mp-validate | mp-botfilter |
# mp-dedup | mp-enrich | mp-load into PostgreSQL.  The ROI views are
# checked against totals computed here, independently, from the
# generator's data and ground truth; then the pipeline is killed with
# kill -9 at random stages and moments, run again, and must leave the
# table a clean run leaves; a replay of the archive too.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 is not installed"
pg_start
day=2026-11-20
D=$T/data W=$T/srv
mkdir -p "$D" "$W"
gen-events -n 8000 --seed 909 --start $day --days 1 --mix realistic \
    --spend-out "$D/spend.csv" --fx-out "$W/fx.csv" \
    --sales-out "$D/sales.ndjson" --revenue-out "$D/revenue.ndjson" \
    --cidr-out "$W/datacenters.cidr" --truth-out "$D/truth.ndjson" \
    >"$D/events.ndjson"
mock-platform --data "$D" --port-file "$T/plat.port" --log "$T/plat.log" &
at_exit "kill $! 2>/dev/null"
waitfor "$T/plat.port" scripts/mock-platform
export http_proxy=http://127.0.0.1:$(cat "$T/plat.port") no_proxy= NO_PROXY=
cp -R "$top/examples/pipeline.sh" "$top/examples/pipeline" \
    "$top/examples/schemas" "$top/examples/sql" "$W/"
cd "$W" || exit 1
mp-load --table=events --print-ddl | q
q -f sql/views.sql >/dev/null

# snapshot: every row (its key, money and record) and every view
snapshot() {
	q -c "SELECT event_id, cost, revenue, md5(data::text) FROM events
	    ORDER BY event_id" | md5sum
	q -c "SELECT count(*) FROM events"
	for v in mp_roi_campaign mp_roi_source mp_roi_day mp_funnel \
	    mp_countries mp_timeseries mp_top_campaigns; do
		q -c "SELECT * FROM $v ORDER BY 1, 2, 3" | md5sum
	done
}

# --- a clean run
./pipeline.sh day $day >"$T/out" 2>"$T/err"
is "$?" 0 "pipeline.sh day $day: exit 0"
[ -s "$T/err" ] && diag "stderr: $(head -c 300 "$T/err")"
snapshot >"$T/clean"
jqok stats/$day.fetch.json '.records_out == 8000 and .splits > 0' \
    "the tracker's cap split windows; every line fetched"
jqok stats/$day.netb.json '.report_jobs == 1 and .records_out > 0' \
    "network B's spend came through an asynchronous report"
jqok stats/$day.archive.json '.records_in == 8000 and .files > 20' \
    "every line archived, by event hour"

# --- cost and revenue of each campaign and day, of each source, computed
# independently of mp (t/money-truth, Decimal, from the generator's
# ground truth): cost the networks' spend whatever mp filtered, revenue
# each sale once, its current amount
truth() {
	"$top/t/money-truth" --spend="$D/spend.csv" --revenue="$D/revenue.ndjson" \
	    --fx="$W/fx.csv" --truth="$D/truth.ndjson" --nonzero "$@"
}
money_views "the day" "$D" "$W/fx.csv"
is "$(q -c "SELECT sum(cost) FROM events")" \
    "$(truth --by= | jq -r .cost)" "the table's cost is the networks' spend"
[ "$(q -c "SELECT count(*) FROM events WHERE type <> 'cost'")" -eq \
    "$(python3 -c 'import json,sys
t=[json.loads(l) for l in open(sys.argv[1])]
print(sum(1 for x in t if not (x["bot"] or x["datacenter"] or x["no_ua"])))' "$D/truth.ndjson")" ]
ok $? "the table holds every person's event once, and nothing else but cost records"
jqok reconcile/../stats/$day.reconcile-partners.json '.exit == 0 and .keys > 0' \
    "the day's revenue reconciled with the partners' totals"

# --- the same day again, and a replay of the archive: the same table
./pipeline.sh day $day >/dev/null 2>"$T/err"
snapshot | cmp -s - "$T/clean"
ok $? "the day run again: the same table"
unset http_proxy
./pipeline.sh replay $day >/dev/null 2>"$T/err"
is "$?" 0 "replay from the archive: exit 0"
snapshot | cmp -s - "$T/clean"
ok $? "replay from the archive, no network: the same table"
export http_proxy=http://127.0.0.1:$(cat "$T/plat.port")

# --- kill -9 at random stages and moments, then a run to the end
stages="mp-fetch mp-archive mp-validate mp-botfilter mp-dedup mp-enrich mp-load"
kills=0 bad=0 tries=0 hit=
while [ "$kills" -lt 22 ] && [ "$tries" -lt 60 ]; do
	tries=$((tries + 1))
	setsid ./pipeline.sh day $day >/dev/null 2>&1 &
	pid=$!
	n=$((RANDOM % 8))
	if [ "$n" -eq 7 ]; then
		sleep "$((RANDOM % 2)).$((RANDOM % 10))"
		what=all
		kill -9 -- -"$pid" 2>/dev/null && kills=$((kills + 1)) || what=
	else
		# the stage once it runs (the day's spend and the partners'
		# totals come first), a random moment into its work
		what=$(echo $stages | cut -d' ' -f$((n + 1)))
		for _ in $(seq 100); do
			pgrep -s "$pid" -x "$what" >/dev/null && break
			sleep 0.03
		done
		sleep "0.$((RANDOM % 4))$((RANDOM % 10))"
		pkill -9 -s "$pid" -x "$what" && kills=$((kills + 1)) || what=
	fi
	wait "$pid" 2>/dev/null
	[ -n "$what" ] && hit="$hit $what"
	# whatever was left, a run to the end puts the day right
	if ! ./pipeline.sh day $day >/dev/null 2>"$T/err"; then
		bad=1
		diag "run after killing $what failed: $(head -c 300 "$T/err")"
	elif ! snapshot | cmp -s - "$T/clean"; then
		bad=1
		diag "after killing $what: the table differs from the clean run's"
	fi
done
diag "killed (kill -9):$hit"
[ "$kills" -ge 20 ]
ok $? "at least 20 kills -9 landed ($kills in $tries runs)"
ok $bad "after each, a run to the end leaves the clean run's table: no row twice, none missing"
q -c "SELECT count(*) - count(DISTINCT event_id) FROM events" >"$T/dups"
is "$(cat "$T/dups")" 0 "no event twice in the table"
is "$(find archive/.tmp -type f | wc -l)" 0 \
    "what a killed mp-archive left was recovered by the next run"

done_testing
