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
gen-events -n 8000 --seed 909 --start $day --days 1 \
    --spend-out "$D/spend.csv" --fx-out "$W/fx.csv" \
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

# --- the ROI of each campaign, computed independently: the events the
# generator says are people (not bots, not data centres, with a user
# agent), each once; revenue into USD by the day's rate, half away from
# zero; each campaign-day's spend S over its n reported clicks, of which
# the k that are people get floor(S*k/n) between them
python3 - "$D" "$W/fx.csv" $day >"$T/want" <<'PY'
import csv, json, sys
from collections import Counter, defaultdict
from decimal import Decimal, ROUND_FLOOR, ROUND_HALF_UP
d, fxfile, day = sys.argv[1:]
M = Decimal("0.000001")
truth = {}
for ln in open(d + "/truth.ndjson"):
    t = json.loads(ln)
    truth[t["event_id"]] = not (t["bot"] or t["datacenter"] or t["no_ua"])
rate = {r["currency"]: Decimal(r["rate"]) for r in csv.DictReader(open(fxfile))
        if r["date"] == day}
seen, ev = set(), []
for ln in open(d + "/events.ndjson", encoding="utf-8"):
    e = json.loads(ln, parse_float=Decimal)
    if e["event_id"] in seen or not truth.get(e["event_id"]):
        continue
    seen.add(e["event_id"])
    ev.append(e)
spend = {(r["campaign_id"], r["date"]): (Decimal(r["spend"]), int(r["clicks"]))
         for r in csv.DictReader(open(d + "/spend.csv"))}
c = defaultdict(lambda: {"clicks": 0, "vis": set(), "conv": 0,
                         "rev": Decimal(0), "src": [Counter(), Counter(),
                                                   Counter()], "days": Counter()})
for e in ev:
    x = c[e["campaign_id"]]
    t = e["type"]
    x["src"][2][e["source"]] += 1
    if t == "click":
        x["clicks"] += 1
        x["vis"].add(e["visitor_id"])
        x["days"][e["ts"][:10]] += 1
        x["src"][0][e["source"]] += 1
    elif t == "impression":
        x["src"][1][e["source"]] += 1
    elif t in ("conversion", "postback"):
        x["conv"] += 1
        r = e["revenue"]
        if e.get("currency", "USD") != "USD":
            r = (r * rate[e["currency"]]).quantize(M, ROUND_HALF_UP)
        x["rev"] += r
def q(v, places):
    return str(v.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))
for cid in sorted(c):
    x = c[cid]
    cost = Decimal(0)
    for dd, k in x["days"].items():
        s, n = spend.get((cid, dd), (Decimal(0), 0))
        if n > 0:
            micros = int(s * 1000000)
            cost += Decimal(micros * min(k, n) // n) / 1000000
    src = next(sorted(cn.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
               for cn in x["src"] if cn)
    profit = x["rev"] - cost
    roi = q(profit / cost, 4) if cost else ""
    rpc = q(x["rev"] / x["clicks"], 6) if x["clicks"] else ""
    print("|".join([src, cid, str(x["clicks"]), str(len(x["vis"])),
                    str(x["conv"]), q(cost, 6), q(x["rev"], 6),
                    q(profit, 6), roi, rpc]))
PY
q -F '|' -c "SELECT source, campaign_id, clicks, unique_visitors,
    conversions, cost, revenue, profit, roi, revenue_per_click
  FROM mp_roi_campaign ORDER BY campaign_id" >"$T/got"
if cmp -s "$T/got" "$T/want"; then
	ok 0 "ROI by campaign: every figure as computed independently ($(wc -l <"$T/want") campaigns)"
else
	ok 1 "ROI by campaign: every figure as computed independently"
	diag "$(diff "$T/want" "$T/got" | head -n 8)"
fi
awk -F'|' '{ c[$1] += $3; r[$1] += $7 } END {
	for (s in c) printf "%s|%d|%.6f\n", s, c[s], r[s] }' "$T/want" |
    sort >"$T/want.src"
q -F '|' -c "SELECT source, clicks, revenue FROM mp_roi_source ORDER BY 1" \
    >"$T/got.src"
cmp -s "$T/got.src" "$T/want.src"
ok $? "ROI by source: the campaigns' sums"
[ "$(q -c "SELECT count(*) FROM events")" -eq \
    "$(python3 -c 'import json,sys
t=[json.loads(l) for l in open(sys.argv[1])]
print(sum(1 for x in t if not (x["bot"] or x["datacenter"] or x["no_ua"])))' "$D/truth.ndjson")" ]
ok $? "the table holds every person's event once, and nothing else"

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
	sleep "$((RANDOM % 2)).$((RANDOM % 10))"
	n=$((RANDOM % 8))
	if [ "$n" -eq 7 ]; then
		what=all
		kill -9 -- -"$pid" 2>/dev/null && kills=$((kills + 1)) || what=
	else
		what=$(echo $stages | cut -d' ' -f$((n + 1)))
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
