#!/bin/bash
# Every cent accounted for, end to end (issue: spend conserved, revenue
# counted once, totals reconciled).  The views are compared with what
# t/money-truth computes from the generator's own ground truth (Decimal,
# never mp): for the demo's day; for two days with late postbacks, pieces,
# late payments and reversals, then a network that restates a day; and the
# table's cost is each network's spend, network-day by network-day, over
# 20 random seeds.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 is not installed"
pg_start
export PGTZ=UTC
tab=$(printf '\t')
mt() { "$top/t/money-truth" "$@"; }

# world DIR SEED N START DAYS: generated data in DIR/data, a server folder
# in DIR/srv with the pipeline, the mock serving DIR/data (port in $port)
world() {
	local w=$1
	mkdir -p "$w/data" "$w/srv"
	gen-events -n "$3" --seed "$2" --start "$4" --days "$5" --mix realistic \
	    --spend-out "$w/data/spend.csv" --fx-out "$w/srv/fx.csv" \
	    --sales-out "$w/data/sales.ndjson" \
	    --revenue-out "$w/data/revenue.ndjson" \
	    --cidr-out "$w/srv/datacenters.cidr" \
	    --truth-out "$w/data/truth.ndjson" >"$w/data/events.ndjson"
	mock-platform --data "$w/data" --port-file "$w/port" &
	at_exit "kill $! 2>/dev/null"
	waitfor "$w/port" scripts/mock-platform
	export http_proxy=http://127.0.0.1:$(cat "$w/port") no_proxy= NO_PROXY=
	cp -R "$top/examples/pipeline.sh" "$top/examples/pipeline" \
	    "$top/examples/schemas" "$top/examples/sql" "$w/srv/"
}

# same NAME DIR: the views by campaign and day, by source and by day
# equal t/money-truth's from DIR's ground truth, exactly
same() {
	local w=$2 f="--spend=$2/data/spend.csv --revenue=$2/data/revenue.ndjson"
	f="$f --fx=$w/srv/fx.csv --truth=$w/data/truth.ndjson --nonzero"
	money_views "$1" "$w/data" "$w/srv/fx.csv"
	mt $f --by=day | jq -r '[.day, .cost, .revenue] | @tsv' >"$T/want"
	q -F "$tab" -c "SELECT d.day, coalesce(c.cost, 0), coalesce(r.revenue, 0)
	    FROM (SELECT day FROM mp_roi_day UNION SELECT day FROM mp_sales) d
	    LEFT JOIN (SELECT (ts AT TIME ZONE 'UTC')::date AS day,
	        sum(cost) AS cost FROM events GROUP BY 1) c USING (day)
	    LEFT JOIN (SELECT day, sum(revenue) AS revenue FROM mp_sales
	        GROUP BY 1) r USING (day) ORDER BY 1" >"$T/got"
	cmp -s "$T/want" "$T/got"
	ok $? "$1: each day's cost in the table is the networks' spend; revenue each sale once"
	cmp -s "$T/want" "$T/got" || diag "$(diff "$T/want" "$T/got" | head -n 6)"
}

mp-load --table=events --print-ddl | q
q -f "$top/examples/sql/views.sql" >/dev/null

# --- the demo's day, as scripts/demo makes it
day=2026-11-20
world "$T/demo" 20261120 30000 $day 1
cd "$T/demo/srv" || exit 1
./pipeline.sh day $day >"$T/out" 2>"$T/err"
is "$?" 0 "the demo's day: pipeline.sh day exits 0, nothing drifts"
[ -s "$T/err" ] && diag "$(head -c 400 "$T/err")"
same "the demo's day" "$T/demo"
jqok stats/$day.enrich.json '.cost_records > 0 and .unallocated_micros > 0' \
    "the demo's day: the spend no kept click carries is written as cost records"
is "$(cat reconcile/$day.*.ndjson | wc -l)" 0 \
    "the demo's day: the reconciliation lists no difference"
jqok stats/$day.reconcile-neta.json \
    '.keys > 0 and .drift_total == "0" and .ours_total == .theirs_total' \
    "the demo's day: network A's spend, its total the table's"
is "$(q -c "SELECT count(*) > 0 FROM mp_roi_campaign WHERE profit > 0")" t \
    "the demo's day: winners"
[ "$(q -c "SELECT count(*) FROM mp_roi_campaign WHERE profit < 0 AND conversions > 0")" -gt 0 ]
ok $? "...some campaigns with conversions lose money"
q -c "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY conversions::numeric / clicks)
    FROM mp_roi_campaign WHERE clicks >= 100" >"$T/cr"
python3 -c 'import sys; v=float(open(sys.argv[1]).read()); sys.exit(not 0.005 <= v <= 0.10)' "$T/cr"
ok $? "the demo's day: the median conversion rate is $(cat "$T/cr") of clicks (0.5-10%)"
kill "$(pgrep -f "mock-platform --data $T/demo/data")" 2>/dev/null
q -c "TRUNCATE events"

# --- two days: late postbacks, pieces, late payments, reversals
d1=2026-11-21 d2=2026-11-22
world "$T/two" 9005 12000 $d1 2
cd "$T/two/srv" || exit 1
./pipeline.sh day $d1 >/dev/null 2>"$T/err1"
rc1=$?
./pipeline.sh day $d2 >/dev/null 2>"$T/err2"
is "$?" 0 "the second day: loaded and reconciled, 0 drift"
[ -s "$T/err2" ] && diag "$(head -c 400 "$T/err2")"
# the first day's revenue drifted while its late records had not come;
# with the second day in, it is reconciled
case $rc1 in
1) grep -q 'mp-reconcile: .* keys differ' "$T/err1"
   ok $? "the first day alone: its partners' total holds earnings that came the next day: drift, exit 1" ;;
0) ok 0 "the first day alone: exit 0 (no late earnings crossed the day)" ;;
*) ok 1 "the first day alone: exit $rc1"; diag "$(head -c 400 "$T/err1")" ;;
esac
./pipeline.sh day $d1 >/dev/null 2>"$T/err1"
is "$?" 0 "the first day again, its late earnings in the table: 0 drift"
same "two days" "$T/two"
is "$(q -c "SELECT count(*) > 0 FROM mp_sales WHERE state = 'reversed'")$(q -c "SELECT count(*) > 0 FROM mp_sales WHERE state = 'adjusted'")$(q -c "SELECT count(*) > 0 FROM mp_sales WHERE paid <> 0 AND records > 2")" \
    ttt "the days hold reversed sales, late payments and sales paid in pieces"
n=$(q -c "SELECT count(*) FROM mp_sales s WHERE day = '$d1' AND EXISTS
    (SELECT 1 FROM events e WHERE e.click_id = s.sale_id
     AND e.type IN ('postback', 'adjustment') AND e.ts >= '$d2')")
[ "$n" -gt 0 ]
ok $? "$n sales of the first day got earnings on the second, counted on their own day"
both=$(q -c "SELECT count(*) FROM (SELECT click_id FROM events
    WHERE type = 'conversion' INTERSECT SELECT click_id FROM events
    WHERE type = 'postback') x")
[ "$both" -gt 0 ]
ok $? "$both clicks have both a tracker conversion and a partner's postback"
is "$(q -c "SELECT count(*) FROM mp_sales WHERE estimated <> 0 AND paid <> 0")" \
    "$(q -c "SELECT count(*) FROM (SELECT click_id FROM events
    WHERE type = 'conversion' AND revenue <> 0 INTERSECT SELECT click_id
    FROM events WHERE type = 'postback' AND revenue <> 0) x")" \
    "...each one sale, not two"

# --- network A restates the first day: the reconciliation says so, naming
# the campaign-day; the day run again takes the new spend to the cent
python3 - "$T/two/data/spend.csv" $d1 >"$T/restated" <<'PY'
import csv, sys
from decimal import Decimal
f, day = sys.argv[1:]
rows = list(csv.DictReader(open(f)))
done = None
for r in rows:
    if (done is None and r["date"] == day and r["network"] == "google_ads"
            and Decimal(r["spend"]) > 5):
        r["spend"] = str(Decimal(r["spend"]) + Decimal("1.23"))
        done = r["campaign_id"]
w = csv.DictWriter(open(f + ".new", "w", newline=""), fieldnames=rows[0].keys(),
                   lineterminator="\n")
w.writeheader()
w.writerows(rows)
print(done)
PY
mv "$T/two/data/spend.csv.new" "$T/two/data/spend.csv"
camp=$(cat "$T/restated")
mp-fetch -K pipeline/neta.conf --from=$d1 --to=$d2 >"$T/neta.now" 2>"$T/err"
run mp-reconcile --key=date,campaign_id --amount=spend --missing-as-zero \
    --ours="pg:SELECT day::text AS date, campaign_id, cost AS spend
        FROM mp_spend WHERE network = 'neta' AND day = '$d1'" \
    --theirs="$T/neta.now"
is "$rc $(jq -r '"\(.key.campaign_id) \(.diff) \(.status)"' "$T/out")" \
    "1 $camp -1.23 drift" \
    "a restated report: mp-reconcile exits 1 and names the campaign-day, 1.23 short"
./pipeline.sh day $d1 >/dev/null 2>"$T/err1"
is "$?" 0 "the day run again: the restated spend, 0 drift"
same "restated" "$T/two"
kill "$(pgrep -f "mock-platform --data $T/two/data")" 2>/dev/null
unset http_proxy

# --- 20 random seeds: the table's cost is each network's spend, for every
# network-day (the day's stages over the generator's lines, each network's
# spend table as the networks would send it)
cd "$T" || exit 1
bad=0 seeds=
for i in $(seq 20); do
	s=$((RANDOM * 32768 + RANDOM))
	seeds="$seeds $s"
	rm -rf "$T/s" && mkdir -p "$T/s"
	gen-events -n 1500 --seed "$s" --start $d1 --days 2 --mix realistic \
	    --dup-rate 0.05 --bad-rate 0.01 --spend-out "$T/s/spend.csv" \
	    --fx-out "$T/s/fx.csv" --cidr-out "$T/s/dc.cidr" >"$T/s/ev" 2>/dev/null
	awk -F, 'NR == 1 { print > "s/neta.csv"; print > "s/netb.csv"; next }
	    $3 ~ /^(google_ads|microsoft_ads|tiktok_ads)$/ { print > "s/neta.csv"; next }
	    { print > "s/netb.csv" }' "$T/s/spend.csv"
	q -c "TRUNCATE events"
	mp-validate --schema-dir="$top/examples/schemas" --schema-by=.type \
	    --rejects=s/invalid "$T/s/ev" |
	mp-botfilter --cidr-list=s/dc.cidr |
	mp-dedup --window=48h --rejects=s/dedup |
	mp-enrich -K "$top/examples/pipeline/enrich.conf" --unallocated=cost \
	    -t neta=s/neta.csv -t netb=s/netb.csv --currency-table=s/fx.csv \
	    --rejects=s/enrich |
	mp-load --table=events --rejects=s/load
	st=("${PIPESTATUS[@]}")
	python3 - "$T/s/spend.csv" >"$T/s/want" <<'PY'
import csv, sys
from decimal import Decimal
t = {}
for r in csv.DictReader(open(sys.argv[1])):
    n = "neta" if r["network"] in ("google_ads", "microsoft_ads",
                                   "tiktok_ads") else "netb"
    k = (n, r["date"])
    t[k] = t.get(k, Decimal(0)) + Decimal(r["spend"])
for k in sorted(t):
    if t[k]:
        print("%s|%s|%s" % (k[0], k[1], t[k].quantize(Decimal("0.000001"))))
PY
	q -F '|' -c "SELECT network, day, sum(cost) FROM mp_spend GROUP BY 1, 2
	    HAVING sum(cost) <> 0 ORDER BY 1, 2" >"$T/s/got"
	if [ "${st[*]}" != "0 0 0 0 0" ] || ! cmp -s "$T/s/want" "$T/s/got" ||
	    [ "$(q -c "SELECT sum(cost) FROM events WHERE type NOT IN ('click', 'cost')")" != 0.000000 ]; then
		bad=1
		diag "seed $s: exits ${st[*]}; $(diff "$T/s/want" "$T/s/got" | head -n 4)"
	fi
done
diag "seeds:$seeds"
ok $bad "20 random seeds: every network-day's cost in the table is its spend, to the micro-unit; only clicks and cost records carry cost"

done_testing
