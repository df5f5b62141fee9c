#!/bin/bash
# examples/sql, examples/cron and examples/systemd: the views over mp-load's
# table, on an empty table and on known events, each row checked against
# the same numbers worked out in Python from the NDJSON, not in SQL
# (Decimal, exact); views.sql run twice; then the crontab's entries parsed
# and run against a stub pipeline.sh, and the systemd units' structure.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-load" ] || skip_all "cmd/mp-load is not built"
command -v psql >/dev/null || skip_all "psql is not installed"
pg_start
export PGTZ=UTC
sql=$top/examples/sql
views="mp_campaign_source mp_sales mp_roi_campaign mp_roi_source mp_roi_day
mp_funnel mp_countries mp_timeseries mp_top_campaigns mp_spend
mp_revenue_network"

# The order each view's rows are compared in; mp_top_campaigns keeps its own
order_mp_campaign_source='campaign_id'
order_mp_sales='sale_id, first_ts'
order_mp_roi_campaign='campaign_id'
order_mp_roi_source='source'
order_mp_roi_day='day, campaign_id'
order_mp_funnel='campaign_id'
order_mp_countries='country'
order_mp_timeseries='"time"'
order_mp_top_campaigns=
order_mp_spend='network, day, campaign_id'
order_mp_revenue_network='network, day'

# rows VIEW [SQL...]: the view's rows as psql -At -F, prints them, in order,
# after the SQL given first (a SET search_path)
rows() {
	local v=$1 o
	shift
	eval "o=\$order_$v"
	q -F, "$@" -c "SELECT * FROM $v${o:+ ORDER BY $o}"
}

# views NAME [ENV...]: psql -f views.sql, with ENV set, quietly: 0, no output
views() {
	local name=$1
	shift
	env PGOPTIONS='-c client_min_messages=warning' "$@" \
	    psql -qX -f "$sql/views.sql" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	check "$name" 0 /dev/null ""
}

# expect NDJSON DIR: DIR/VIEW, each view's rows worked out from the events
# of NDJSON (the first of each event_id, as mp-load keeps it) by the models
# of mp-record(5), as psql -At -F, prints them: NULL empty, money with 6
# decimals, ratios rounded half away from zero as numeric's round does
expect() {
	mkdir -p "$2"
	python3 - "$1" "$2" <<'PY'
import json, sys
from datetime import datetime, timezone
from decimal import Decimal, ROUND_HALF_UP, getcontext

getcontext().prec = 80
src, out = sys.argv[1], sys.argv[2]
evs, seen = [], set()
for line in open(src, encoding="utf-8"):
    if line.strip():
        e = json.loads(line, parse_float=Decimal)
        if e["event_id"] not in seen:
            seen.add(e["event_id"])
            evs.append(e)
ZERO = Decimal(0)
REVENUE = ("conversion", "postback", "adjustment")

def money(v):
    if v is None:
        return None
    return Decimal(str(v)).quantize(Decimal("0.000001"), ROUND_HALF_UP)

def fmt(d, places):
    if d is None:
        return ""
    d = d.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return format(abs(d) if d == 0 else d, "f")

def ratio(a, b, places):
    return fmt(Decimal(a) / Decimal(b), places) if b else ""

def utc(e):
    t = datetime.fromisoformat(e["ts"].replace("Z", "+00:00"))
    return t.astimezone(timezone.utc)

def stamp(t):
    s = t.strftime("%Y-%m-%d %H:%M:%S")
    if t.microsecond:
        s += (".%06d" % t.microsecond).rstrip("0")
    return s + "+00"

def nulls_last(v):
    return (v is None, "" if v is None else v)

def key(*v):
    return tuple(nulls_last(x) for x in v)

# the sales: the revenue records of one click_id, or one record without
# it; campaign and country those of the earliest click the sale names,
# else of its earliest record; current amount the partner's word if any
order = lambda e: (utc(e), e["event_id"])
clicks = {}
for e in sorted(evs, key=order):
    if e.get("type") == "click" and e.get("click_id") is not None:
        clicks.setdefault(e["click_id"], e)
groups = {}
for e in sorted(evs, key=order):
    if e.get("type") in REVENUE:
        k = (e["click_id"], None) if e.get("click_id") is not None \
            else (None, e["event_id"])
        groups.setdefault(k, []).append(e)
sales = []
for (cid, own), rs in groups.items():
    first = rs[0]
    c = clicks.get(cid, first) if cid is not None else first
    amt = {t: sum((money(r.get("revenue")) or ZERO for r in rs
                   if r["type"] == t), ZERO) for t in REVENUE}
    partner = any(r["type"] in ("postback", "adjustment") for r in rs)
    adjusted = any(r["type"] == "adjustment" for r in rs)
    rev = amt["postback"] + amt["adjustment"] if partner \
        else amt["conversion"]
    state = ("reversed" if rev <= 0 else "adjusted") if adjusted else \
        "confirmed" if partner else "estimated"
    sales.append(dict(id=cid if cid is not None else own,
                      campaign=c.get("campaign_id"), country=c.get("country"),
                      t=utc(first), rev=rev, amt=amt, n=len(rs), state=state))

class Sums:
    def __init__(self):
        self.impressions = self.clicks = self.conversions = 0
        self.visitors = set()
        self.cost = self.click_cost = self.filtered_cost = ZERO
        self.revenue = ZERO

    def add(self, e):
        t = e.get("type")
        c = money(e.get("cost")) or ZERO
        self.cost += c
        if t == "impression":
            self.impressions += 1
        elif t == "click":
            self.clicks += 1
            self.click_cost += c
            if e.get("visitor_id") is not None:
                self.visitors.add(e["visitor_id"])
        elif t == "cost":
            self.filtered_cost += c

    def sale(self, s):
        self.conversions += s["rev"] > 0
        self.revenue += s["rev"]

    def roi(self):
        p = self.revenue - self.cost
        return [str(self.clicks), str(len(self.visitors)),
                str(self.conversions), fmt(self.cost, 6),
                fmt(self.click_cost, 6), fmt(self.filtered_cost, 6),
                ratio(self.click_cost, self.clicks, 6), fmt(self.revenue, 6),
                fmt(p, 6), ratio(100 * p, self.cost, 2),
                ratio(self.revenue, self.clicks, 6)]

def group(ek, sk):
    g = {}
    for e in evs:
        g.setdefault(ek(e), Sums()).add(e)
    for s in sales:
        g.setdefault(sk(s), Sums()).sale(s)
    return g

def write(view, rows):
    with open(f"{out}/{view}", "w") as f:
        for r in rows:
            f.write(",".join("" if v is None else v for v in r) + "\n")

# a campaign's source: most clicks, then impressions, then events, then
# the first name
counts = {}
for e in evs:
    c = counts.setdefault(e["campaign_id"], {}).setdefault(
        e.get("source"), [0, 0, 0])
    c[0] += e.get("type") == "click"
    c[1] += e.get("type") == "impression"
    c[2] += 1
cs = {k: min(v, key=lambda s: (-v[s][0], -v[s][1], -v[s][2], nulls_last(s)))
      for k, v in counts.items()}
write("mp_campaign_source", [[k, cs[k]] for k in sorted(cs)])

write("mp_sales", [[s["id"], s["campaign"], s["country"],
                    s["t"].date().isoformat(), stamp(s["t"]),
                    fmt(s["amt"]["conversion"], 6),
                    fmt(s["amt"]["postback"], 6),
                    fmt(s["amt"]["adjustment"], 6), fmt(s["rev"], 6),
                    str(s["n"]), s["state"]]
                   for s in sorted(sales, key=lambda s: (s["id"], s["t"]))])

bycamp = group(lambda e: e["campaign_id"], lambda s: s["campaign"])
roi = [[cs[k], k] + bycamp[k].roi() for k in sorted(bycamp)]
write("mp_roi_campaign", roi)

bysrc = group(lambda e: cs[e["campaign_id"]], lambda s: cs[s["campaign"]])
write("mp_roi_source",
      [[k] + bysrc[k].roi() for k in sorted(bysrc, key=nulls_last)])

byday = group(lambda e: (utc(e).date().isoformat(), e["campaign_id"]),
              lambda s: (s["t"].date().isoformat(), s["campaign"]))
write("mp_roi_day", [[d, cs[k], k] + byday[d, k].roi()
                     for d, k in sorted(byday)])

write("mp_funnel", [[cs[k], k, str(s.impressions), str(s.clicks),
                     str(s.conversions), ratio(s.clicks, s.impressions, 4),
                     ratio(s.conversions, s.clicks, 4)]
                    for k, s in sorted(bycamp.items())])

bycountry = group(lambda e: e.get("country"), lambda s: s["country"])
write("mp_countries", [[k, str(s.clicks), str(s.conversions),
                        fmt(s.cost, 6), fmt(s.revenue, 6),
                        fmt(s.revenue - s.cost, 6)]
                       for k, s in sorted(bycountry.items(),
                                          key=lambda i: nulls_last(i[0]))])

hour = lambda t: t.strftime("%Y-%m-%d %H:00:00+00")
byhour = group(lambda e: hour(utc(e)), lambda s: hour(s["t"]))
write("mp_timeseries", [[k, str(s.impressions), str(s.clicks),
                         str(s.conversions), fmt(s.cost, 6),
                         fmt(s.revenue, 6)]
                        for k, s in sorted(byhour.items())])

profit = {r[1]: Decimal(r[10]) for r in roi}
top = sorted(roi, key=lambda r: (-profit[r[1]], r[1]))
write("mp_top_campaigns",
      [[str(1 + sum(p > profit[r[1]] for p in profit.values()))] + r
       for r in top])

# the spend: rows of type click or cost, and any other with a cost
spend = {}
for e in evs:
    t, c = e.get("type"), money(e.get("cost"))
    if t not in ("click", "cost") and not c:
        continue
    c = c or ZERO
    net = e.get("cost_source")
    k = (e.get("source") if net is None else net, utc(e).date().isoformat(),
         e["campaign_id"])
    x = spend.setdefault(k, [0] + [ZERO] * 5)
    x[0] += t == "click"
    x[1] += c
    x[2] += c if t == "click" else 0
    x[3] += c if t == "cost" else 0
    x[4] += c if t == "cost" and e.get("reason") == "unmatched" else 0
    x[5] += c if t == "cost" and e.get("reason") == "no-events" else 0
write("mp_spend", [list(k) + [str(x[0])] + [fmt(v, 6) for v in x[1:]]
                   for k, x in sorted(spend.items(),
                                      key=lambda i: key(*i[0]))])

# a campaign's network: the cost_source most of its rows have, a tie to
# the first name, else its source; its sales by their day
priced = {}
for e in evs:
    if e.get("cost_source") is not None:
        n = priced.setdefault(e["campaign_id"], {})
        n[e["cost_source"]] = n.get(e["cost_source"], 0) + 1
net = {k: min(v, key=lambda n: (-v[n], n)) for k, v in priced.items()}
rn = {}
for s in sales:
    k = (net.get(s["campaign"], cs.get(s["campaign"])),
         s["t"].date().isoformat())
    x = rn.setdefault(k, [0, 0, ZERO])
    x[0] += 1
    x[1] += s["rev"] > 0
    x[2] += s["rev"]
write("mp_revenue_network", [[k[0], k[1], str(x[0]), str(x[1]),
                              fmt(x[2], 6)]
                             for k, x in sorted(rn.items(),
                                                key=lambda i: key(*i[0]))])
PY
}

# compare NAME DIR [SQL...]: each view's rows are DIR's, one test a view
compare() {
	local name=$1 dir=$2 v
	shift 2
	for v in $views; do
		rows "$v" "$@" >"$T/got" 2>&1
		if cmp -s "$T/got" "$dir/$v"; then
			ok 0 "$name: $v"
		else
			ok 1 "$name: $v"
			diag "$(diff "$dir/$v" "$T/got" | head -20)"
		fi
	done
}

# --- an empty table: views made twice, each view empty
run mp-load -t events --create
check "mp-load --create, no input: an empty table" 0 /dev/null ""
views "views.sql on an empty table"
views "views.sql again: CREATE OR REPLACE, idempotent"
for v in $views; do
	is "$(rows "$v" 2>&1)" "" "empty table: $v has no rows"
done

# the columns of each view, in order
cols() {
	q -c "SELECT string_agg(column_name, ' ' ORDER BY ordinal_position)
	    FROM information_schema.columns WHERE table_name = '$1'
	    AND table_schema = 'public'"
}
m='clicks unique_visitors conversions cost click_cost filtered_cost'
m="$m cost_per_click revenue profit roi_pct revenue_per_click"
is "$(cols mp_campaign_source)" "campaign_id source" \
    "columns: mp_campaign_source"
is "$(cols mp_sales)" "sale_id campaign_id country day first_ts estimated\
 paid adjusted revenue records state" "columns: mp_sales"
is "$(cols mp_roi_campaign)" "source campaign_id $m" "columns: mp_roi_campaign"
is "$(cols mp_roi_source)" "source $m" "columns: mp_roi_source"
is "$(cols mp_roi_day)" "day source campaign_id $m" "columns: mp_roi_day"
is "$(cols mp_funnel)" \
    "source campaign_id impressions clicks conversions ctr cvr" \
    "columns: mp_funnel"
is "$(cols mp_countries)" "country clicks conversions cost revenue profit" \
    "columns: mp_countries"
is "$(cols mp_timeseries)" "time impressions clicks conversions cost revenue" \
    "columns: mp_timeseries"
is "$(cols mp_top_campaigns)" "rank source campaign_id $m" \
    "columns: mp_top_campaigns"
is "$(cols mp_spend)" "network day campaign_id clicks cost click_cost\
 filtered_cost unmatched_cost no_events_cost" "columns: mp_spend"
is "$(cols mp_revenue_network)" "network day sales conversions revenue" \
    "columns: mp_revenue_network"
is "$(q -c "SELECT string_agg(DISTINCT format_type(atttypid, atttypmod), ' ')
    FROM pg_attribute WHERE attrelid::regclass::text LIKE 'mp\_%'
    AND attname IN ('cost', 'revenue', 'profit', 'roi_pct',
    'revenue_per_click', 'ctr', 'cvr', 'click_cost', 'filtered_cost',
    'cost_per_click', 'unmatched_cost', 'no_events_cost', 'estimated',
    'paid', 'adjusted')")" numeric "money and ratios are numeric, never float"
is "$(q -c "SELECT string_agg(DISTINCT format_type(atttypid, atttypmod), ' ')
    FROM pg_attribute WHERE attrelid::regclass::text LIKE 'mp\_%'
    AND attname IN ('clicks', 'impressions', 'conversions',
    'unique_visitors', 'records', 'sales')")" bigint "counts are bigint"

# --- known events: id ts type source campaign visitor country cost revenue,
# a visitor or country "-" for null, cost and revenue as JSON text (a
# number, a string, or null), written as they are: jq would make a number
# a double
ev() {
	local v=\"$6\" co=\"$7\"
	[ "$6" = - ] && v=null
	[ "$7" = - ] && co=null
	printf '{"event_id":"%s","ts":"%s","type":"%s","source":"%s",' \
	    "$1" "$2" "$3" "$4"
	printf '"campaign_id":"%s","visitor_id":%s,"country":%s,' "$5" "$v" "$co"
	printf '"cost":%s,"revenue":%s,"currency":"USD","data":{}}\n' "$8" "$9"
}
{
	# g-100: google_ads by most clicks (a stray taboola click); the
	# impression's and the conversion's cost count (no spend was
	# allocated: every row's cost is cost), the click's revenue does not;
	# no click_id: the conversion and appsflyer's postback are two sales;
	# the postback, at 00:30+01:00, counts for g-100 on 2026-11-20 (UTC);
	# 0.1 + "0.2" + 0.3 + 0.000001 exactly
	ev g1 2026-11-20T10:00:00Z impression google_ads g-100 v1 DE 1.5 null
	ev g2 2026-11-20T10:05:00Z click google_ads g-100 v1 DE 0.1 null
	ev g3 2026-11-20T10:10:00.5Z click google_ads g-100 v1 DE '"0.2"' 7
	ev g4 2026-11-20T11:00:00Z click google_ads g-100 v2 US 0.3 null
	ev g5 2026-11-20T11:01:00Z click taboola g-100 v3 US 0.000001 null
	ev g6 2026-11-20T11:30:00Z conversion google_ads g-100 v1 DE 0.5 10.5
	ev g7 2026-11-21T00:30:00+01:00 postback appsflyer g-100 v2 - null \
	    '"2.25"'
	# g2 again, another cost: mp-load keeps the first
	ev g2 2026-11-20T10:05:00Z click google_ads g-100 v1 DE 9 null
	# m-200: clicks, no conversion: roi -1; a click without a visitor
	ev m1 2026-11-20T12:00:00Z click meta_ads m-200 v4 FR 0.333333 null
	ev m2 2026-11-20T12:00:01Z click meta_ads m-200 v4 FR '"0.333333"' null
	ev m3 2026-11-21T12:00:02Z click meta_ads m-200 - FR 0.333334 null
	ev m4 2026-11-21T09:00:00Z impression meta_ads m-200 v4 FR null null
	ev m5 2026-11-21T09:10:00Z impression meta_ads m-200 v5 FR null null
	# t-300: clicks that cost nothing: roi NULL, profit 5
	ev t1 2026-11-21T13:00:00Z click tiktok_ads t-300 v6 DE null null
	ev t2 2026-11-21T13:20:00Z click tiktok_ads t-300 v7 DE 0 null
	ev t3 2026-11-21T13:40:00Z conversion tiktok_ads t-300 v6 DE null 5
	# a-400: trackers' postbacks only: the source a tie, "adjust" first;
	# profit 5 as t-300's, the same rank
	ev a1 2026-11-21T14:00:00Z postback appsflyer a-400 v8 US null 2.5
	ev a2 2026-11-21T14:05:00Z postback adjust a-400 v9 US null '"2.50"'
	# m-500: impressions only: ctr 0, cvr, roi and revenue_per_click NULL
	ev n1 2026-11-21T15:00:00Z impression meta_ads m-500 v10 GB 0.002 null
	ev n2 2026-11-21T15:01:00Z impression meta_ads m-500 v11 GB 0.002 null
	# x-600: a click each from outbrain and taboola, taboola's impression
	# settles the tie
	ev x1 2026-11-21T16:00:00Z click outbrain x-600 v12 GB 0.05 null
	ev x2 2026-11-21T16:01:00Z click taboola x-600 v13 GB 0.05 null
	ev x3 2026-11-21T16:02:00Z impression taboola x-600 v13 GB null null
	# b-700: the largest numeric(19,6) revenue on micro-unit costs
	ev b1 2026-11-21T17:00:00Z click microsoft_ads b-700 v14 US 0.000001 \
	    null
	ev b2 2026-11-21T17:00:01Z click microsoft_ads b-700 v14 US 0.000002 \
	    null
	ev b3 2026-11-21T17:30:00Z conversion microsoft_ads b-700 v14 US null \
	    9999999999999.999999
} >"$T/ev"
run mp-load -t events "$T/ev"
check "mp-load: the known events" 0 /dev/null ""
is "$(q -c "SELECT count(*) FROM events")" 25 "...25 rows, g2 once"
views "views.sql on the loaded table"
expect "$T/ev" "$T/want"
compare "known events" "$T/want"

# the cases, spelled out (the comparisons above cover them too)
is "$(q -F, -c "SELECT * FROM mp_roi_campaign WHERE campaign_id = 'g-100'")" \
    "google_ads,g-100,4,3,2,2.600001,0.600001,0.000000,0.150000,12.750000,\
10.149999,390.38,3.187500" \
    "g-100: google_ads by most clicks, every row's cost, two sales, exact"
is "$(q -F, -c "SELECT cost, profit, roi_pct FROM mp_roi_campaign
    WHERE campaign_id = 'm-200'")" "1.000000,-1.000000,-100.00" \
    "m-200: clicks, no conversion: roi_pct -100"
is "$(q -F, -c "SELECT cost, profit, coalesce(roi_pct::text, 'NULL')
    FROM mp_roi_campaign WHERE campaign_id = 't-300'")" \
    "0.000000,5.000000,NULL" "t-300: no cost: roi_pct NULL"
is "$(q -F, -c "SELECT source, clicks, conversions, revenue FROM
    mp_roi_campaign WHERE campaign_id = 'a-400'")" "adjust,0,2,5.000000" \
    "a-400: postbacks only: a tracker's source, the tie to the first name"
is "$(q -c "SELECT source FROM mp_campaign_source
    WHERE campaign_id = 'x-600'")" taboola \
    "x-600: clicks tied: the source with more impressions"
is "$(q -F, -c "SELECT roi_pct, revenue_per_click FROM mp_roi_campaign
    WHERE campaign_id = 'b-700'")" \
    "333333333333333333200.00,5000000000000.000000" \
    "b-700: 13 digits and 6 decimals, exact"
is "$(q -F, -c "SELECT day, conversions, revenue FROM mp_roi_day
    WHERE campaign_id = 'g-100'")" "2026-11-20,2,12.750000" \
    "mp_roi_day: 00:30+01:00 is the UTC day before"
is "$(q -c "SELECT string_agg(rank || ' ' || campaign_id, ', ')
    FROM mp_top_campaigns")" \
    "1 b-700, 2 g-100, 3 a-400, 3 t-300, 5 m-500, 6 x-600, 7 m-200" \
    "mp_top_campaigns: by profit, ties share a rank"
is "$(q -F, -c "SELECT source, clicks, conversions, cost, revenue
    FROM mp_roi_source WHERE source = 'google_ads'")" \
    "google_ads,4,2,2.600001,12.750000" \
    "mp_roi_source: a campaign's stray clicks and postbacks under its source"
is "$(q -F, -c "SELECT ctr, cvr FROM mp_funnel WHERE campaign_id IN
    ('m-200', 'm-500') ORDER BY 1")" "0.0000,
1.5000,0.0000" "mp_funnel: ctr and cvr, NULL without clicks"

# --- the money models of mp-record(5), by hand, in a schema of their own:
# r FIELD=VALUE...: a record, each value a JSON string (money as text)
r() {
	jq -nc '[$ARGS.positional[] | capture("^(?<k>[^=]*)=(?<v>.*)$") |
	    {(.k): .v}] | add' --args "$@"
}
{
	# c-1 on network A (spend table neta): 1.500000 billed for the day,
	# three kept clicks carry 1.000000, a cost record the 0.500000 of the
	# two billed clicks mp dropped; an impression the report priced at 0
	r event_id=i1 ts=2026-11-20T08:59:00Z type=impression \
	    source=google_ads campaign_id=c-1 visitor_id=v1 country=DE \
	    cost=0 cost_source=neta
	r event_id=k1 ts=2026-11-20T09:00:00Z type=click source=google_ads \
	    campaign_id=c-1 click_id=K1 visitor_id=v1 country=DE \
	    cost=0.333334 cost_source=neta
	r event_id=k2 ts=2026-11-20T09:30:00Z type=click source=google_ads \
	    campaign_id=c-1 click_id=K2 visitor_id=v2 country=US \
	    cost=0.333333 cost_source=neta
	r event_id=k3 ts=2026-11-20T10:00:00Z type=click source=google_ads \
	    campaign_id=c-1 click_id=K3 visitor_id=v3 country=FR \
	    cost=0.333333 cost_source=neta
	r event_id=spend:neta:c-1:2026-11-20 ts=2026-11-20T00:00:00Z \
	    type=cost source=neta cost_source=neta campaign_id=c-1 \
	    date=2026-11-20 cost=0.500000 reason=unmatched \
	    unallocated_count=2
	# sale K1: the tracker's 10.00, confirmed at 12.50 by a postback of
	# the next day that names another campaign: 12.50, c-1, the 20th
	r event_id=cv1 ts=2026-11-20T11:00:00Z type=conversion \
	    source=google_ads campaign_id=c-1 click_id=K1 revenue=10.00 \
	    currency=USD
	r event_id=pb-tx-1 ts=2026-11-21T02:00:00Z type=postback \
	    source=appsflyer campaign_id=c-1x click_id=K1 revenue=12.50 \
	    currency=USD
	# sale K2: paid in two pieces, the second delivered twice
	r event_id=pb-tx-2 ts=2026-11-20T12:00:00Z type=postback \
	    source=appsflyer campaign_id=c-1 click_id=K2 revenue=3.000001 \
	    currency=USD
	r event_id=pb-tx-3 ts=2026-11-20T13:00:00Z type=postback \
	    source=appsflyer campaign_id=c-1 click_id=K2 revenue=4.999999 \
	    currency=USD
	r event_id=pb-tx-3 ts=2026-11-20T13:00:00Z type=postback \
	    source=appsflyer campaign_id=c-1 click_id=K2 revenue=4.999999 \
	    currency=USD
	# sale K3: 20.00 estimated and confirmed, 5.25 more two days later:
	# 25.25 on the 20th
	r event_id=cv3 ts=2026-11-20T14:00:00Z type=conversion \
	    source=google_ads campaign_id=c-1 click_id=K3 revenue=20 \
	    currency=USD
	r event_id=pb-tx-4 ts=2026-11-20T15:00:00Z type=postback \
	    source=appsflyer campaign_id=c-1 click_id=K3 revenue=20.00 \
	    currency=USD
	r event_id=adj-4-1 ts=2026-11-22T10:00:00Z type=adjustment \
	    source=appsflyer campaign_id=c-1 click_id=K3 revenue=5.25 \
	    currency=USD "reason=late payment"
	# c-2 on network B: a click; sale K4 paid 30.00 and reversed; a
	# conversion without click_id (a sale of its own); a postback whose
	# click is not in the table; the next day's spend, no event matched
	r event_id=k4 ts=2026-11-21T09:00:00Z type=click source=meta_ads \
	    campaign_id=c-2 click_id=K4 visitor_id=v4 country=GB cost=0.75 \
	    cost_source=netb
	r event_id=pb-tx-5 ts=2026-11-21T10:00:00Z type=postback \
	    source=appsflyer campaign_id=c-2 click_id=K4 revenue=30 \
	    currency=USD
	r event_id=adj-5-r ts=2026-11-23T00:00:00Z type=adjustment \
	    source=appsflyer campaign_id=c-2 click_id=K4 revenue=-30.00 \
	    currency=USD reason=reversal
	r event_id=cv6 ts=2026-11-21T20:00:00Z type=conversion \
	    source=meta_ads campaign_id=c-2 country=NL revenue=7.5 currency=USD
	r event_id=pb-tx-7 ts=2026-11-21T21:00:00Z type=postback \
	    source=appsflyer campaign_id=c-2 click_id=K404 revenue=2 \
	    currency=USD
	r event_id=spend:netb:c-2:2026-11-22 ts=2026-11-22T00:00:00Z \
	    type=cost source=netb campaign_id=c-2 date=2026-11-22 cost=1.2 \
	    reason=no-events unallocated_count=0
	# c-3: spend of network C, and nothing else
	r event_id=spend:netc:c-3:2026-11-20 ts=2026-11-20T00:00:00Z \
	    type=cost source=netc campaign_id=c-3 date=2026-11-20 cost=2 \
	    reason=no-events unallocated_count=0
} >"$T/money"
run mp-load -t money.events --create "$T/money"
check "mp-load: the money model's records" 0 /dev/null ""
is "$(q -c "SELECT count(*) FROM money.events")" 19 \
    "...19 rows of 20 lines, the postback delivered twice kept once"
views "views.sql in schema money" PGOPTIONS='-c search_path=money'
expect "$T/money" "$T/wmoney"
compare "money model" "$T/wmoney" -c "SET search_path = money"

# mrows VIEW: the view's rows in schema money, as compare prints them
mrows() { rows "$1" -c "SET search_path = money"; }
is "$(mrows mp_sales)" \
"K1,c-1,DE,2026-11-20,2026-11-20 11:00:00+00,10.000000,12.500000,0.000000,\
12.500000,2,confirmed
K2,c-1,US,2026-11-20,2026-11-20 12:00:00+00,0.000000,8.000000,0.000000,\
8.000000,2,confirmed
K3,c-1,FR,2026-11-20,2026-11-20 14:00:00+00,20.000000,20.000000,5.250000,\
25.250000,3,adjusted
K4,c-2,GB,2026-11-21,2026-11-21 10:00:00+00,0.000000,30.000000,-30.000000,\
0.000000,2,reversed
K404,c-2,,2026-11-21,2026-11-21 21:00:00+00,0.000000,2.000000,0.000000,\
2.000000,1,confirmed
cv6,c-2,NL,2026-11-21,2026-11-21 20:00:00+00,7.500000,0.000000,0.000000,\
7.500000,1,estimated" \
    "mp_sales: confirmed once at the postback's amount, pieces summed, a \
re-delivery once, a late payment on the sale's day, a reversal, a sale \
without click, a postback without its click"
is "$(mrows mp_roi_campaign)" \
"google_ads,c-1,3,3,3,1.500000,1.000000,0.500000,0.333333,45.750000,\
44.250000,2950.00,15.250000
appsflyer,c-1x,0,0,0,0.000000,0.000000,0.000000,,0.000000,0.000000,,
meta_ads,c-2,1,1,2,1.950000,0.750000,1.200000,0.750000,9.500000,7.550000,\
387.18,9.500000
netc,c-3,0,0,0,2.000000,0.000000,2.000000,,0.000000,-2.000000,-100.00," \
    "mp_roi_campaign: the cost records' spend, the sales once, under the \
click's campaign; a reversed sale is no conversion; a campaign of spend \
only loses it all"
is "$(mrows mp_roi_day)" \
"2026-11-20,google_ads,c-1,3,3,3,1.500000,1.000000,0.500000,0.333333,\
45.750000,44.250000,2950.00,15.250000
2026-11-20,netc,c-3,0,0,0,2.000000,0.000000,2.000000,,0.000000,-2.000000,\
-100.00,
2026-11-21,appsflyer,c-1x,0,0,0,0.000000,0.000000,0.000000,,0.000000,\
0.000000,,
2026-11-21,meta_ads,c-2,1,1,2,0.750000,0.750000,0.000000,0.750000,\
9.500000,8.750000,1166.67,9.500000
2026-11-22,google_ads,c-1,0,0,0,0.000000,0.000000,0.000000,,0.000000,\
0.000000,,
2026-11-22,meta_ads,c-2,0,0,0,1.200000,0.000000,1.200000,,0.000000,\
-1.200000,-100.00,
2026-11-23,meta_ads,c-2,0,0,0,0.000000,0.000000,0.000000,,0.000000,\
0.000000,," \
    "mp_roi_day: a sale on the day of its first record, whatever day its \
adjustments came; spend on the day it is for"
is "$(mrows mp_spend)" \
"neta,2026-11-20,c-1,3,1.500000,1.000000,0.500000,0.500000,0.000000
netb,2026-11-21,c-2,1,0.750000,0.750000,0.000000,0.000000,0.000000
netb,2026-11-22,c-2,0,1.200000,0.000000,1.200000,0.000000,1.200000
netc,2026-11-20,c-3,0,2.000000,0.000000,2.000000,0.000000,2.000000" \
    "mp_spend: each network's bill per day and campaign, by reason"
is "$(q -F, -c "SET search_path = money" -c "SELECT
    (SELECT sum(cost) FROM events), (SELECT sum(cost) FROM mp_spend),
    (SELECT sum(cost) FROM mp_roi_campaign),
    (SELECT sum(cost) FROM mp_roi_day),
    (SELECT sum(revenue) FROM mp_sales),
    (SELECT sum(revenue) FROM mp_roi_day),
    (SELECT sum(conversions) FROM mp_funnel)")" \
    "5.450000,5.450000,5.450000,5.450000,55.250000,55.250000,5" \
    "money: the table's cost in every view, the sales' revenue in mp_roi_day"

# --- the same for 3000 generated events (money set so that it has 6
# decimals), in a schema of their own, the views made there by search_path
gen-events -n 3000 --seed 9001 --days 3 --dup-rate 0.02 --bad-rate 0 \
    --odd-rate 0 2>/dev/null | jq -c -n '
	def six: tostring | ("00000" + .)[-6:];
	[inputs] | to_entries[] | .key as $i | .value |
	if .type == "click" then .cost = "0.\(($i * 7919) % 1000000 | six)"
	elif .type == "conversion" or .type == "postback" then
		.revenue = "\($i % 60).\(($i * 104729) % 1000000 | six)" |
		.currency = "USD"
	else . end' >"$T/gen"
run mp-load -t gen.events --create "$T/gen"
check "mp-load: 3000 generated events" 0 /dev/null ""
views "views.sql in schema gen, by search_path" \
    PGOPTIONS='-c search_path=gen'
is "$(q -c "SELECT count(*) FROM pg_views WHERE schemaname = 'gen'")" 11 \
    "...the 11 views made in gen"
expect "$T/gen" "$T/wgen"
compare "generated events" "$T/wgen" -c "SET search_path = gen"

# --- over the views of before (a column roi): dropped and made again
q -c "CREATE SCHEMA old" -c "CREATE TABLE old.events (LIKE events)" \
    -c "CREATE VIEW old.mp_roi_campaign AS SELECT campaign_id,
        sum(cost) AS cost, 0::numeric AS roi FROM old.events GROUP BY 1" \
    -c "CREATE VIEW old.mp_top_campaigns AS SELECT * FROM old.mp_roi_campaign"
views "views.sql over the views of before" PGOPTIONS='-c search_path=old'
is "$(q -c "SELECT string_agg(column_name, ' ' ORDER BY ordinal_position)
    FROM information_schema.columns WHERE table_name = 'mp_top_campaigns'
    AND table_schema = 'old'")" "rank source campaign_id $m" \
    "...mp_top_campaigns with roi_pct"

# --- without the table: psql fails, and makes no view (one transaction)
q -c "CREATE DATABASE bare"
PGDATABASE=bare PGOPTIONS='-c client_min_messages=warning' \
    psql -qX -f "$sql/views.sql" </dev/null >"$T/out" 2>"$T/err"
rc=$? bad=
[ "$rc" -eq 0 ] && bad="status 0, want an error"
verdict "views.sql without the table: an error" "$bad" \
    'relation "events" does not exist'
is "$(q -d bare -c "SELECT count(*) FROM pg_views WHERE viewname LIKE 'mp%'")" \
    0 "...and no view made"

# --- examples/cron/crontab: NAME=value lines and entries of 5 time fields
# and a command, each field in range, every % escaped
cron=$top/examples/cron/crontab
awk '
function field(f, lo, hi,   n, i, p, r, a) {
	n = split(f, p, ",")
	for (i = 1; i <= n; i++) {
		if (p[i] !~ /^(\*|[0-9]+(-[0-9]+)?)(\/[0-9]+)?$/)
			return 0
		split(p[i], r, "/")
		if (r[1] == "*")
			continue
		split(r[1], a, "-")
		if (a[1] + 0 < lo || a[1] + 0 > hi || \
		    (a[2] != "" && (a[2] + 0 < a[1] + 0 || a[2] + 0 > hi)))
			return 0
	}
	return 1
}
/^[ \t]*(#|$)/ { next }
/^[A-Za-z_][A-Za-z0-9_]*=/ { next }
{
	if (NF < 6 || !field($1, 0, 59) || !field($2, 0, 23) ||
	    !field($3, 1, 31) || !field($4, 1, 12) || !field($5, 0, 7))
		print FILENAME ":" NR ": bad entry: " $0
	c = $0
	sub(/^([^ \t]+[ \t]+){5}/, "", c)
	gsub(/\\%/, "", c)
	if (c ~ /%/)
		print FILENAME ":" NR ": a bare %: " $0
}' "$cron" >"$T/cronerr" 2>&1
is "$(cat "$T/cronerr")" "" \
    "crontab: each entry has 5 time fields in range, a command, no bare %"
is "$(grep -cE '^[0-9*]' "$cron") $(grep -c '^MAILTO=' "$cron")" \
    "3 1" "crontab: 3 entries, a MAILTO"
grep -qx 'PATH=/usr/local/bin:/usr/bin:/bin' "$cron"
ok $? "crontab: PATH=/usr/local/bin:/usr/bin:/bin"

# The entries run as cron runs them (sh -c, \% as %), /srv/mp a folder of
# the test's, with a pipeline.sh that writes down its arguments
mkdir "$T/srv"
printf '#!/bin/sh\necho "$*" >>%s/srv/calls\n' "$T" >"$T/srv/pipeline.sh"
chmod +x "$T/srv/pipeline.sh"
grep -E '^[0-9*]' "$cron" | sed -E 's/^([^ \t]+[ \t]+){5}//; s/\\%/%/g' |
    sed "s#/srv/mp#$T/srv#g" >"$T/cmds"
bad=
while IFS= read -r c; do
	(cd "$T" && sh -c "$c") </dev/null >>"$T/out" 2>&1 || bad="$bad [$c]"
done <"$T/cmds"
is "$bad" "" "crontab: every entry runs with sh"
is "$(cat "$T/srv/calls" 2>&1)" "hour
day $(date -u -d yesterday +%F)" \
    "...pipeline.sh hour, then day with yesterday's date (UTC)"
[ -d "$T/srv/archive" ]
ok $? "...mp-archive --prune --maintain on the archive folder"

# --- examples/systemd: each unit's sections, in order; Key=Value lines
sections() {
	awk '/^\[/ { printf "%s", $0 } END { print "" }' "$1"
}
sd=$top/examples/systemd
for u in mp-hourly mp-day; do
	is "$(sections "$sd/$u.service")" "[Unit][Service]" \
	    "$u.service: [Unit] and [Service], started by its timer"
	is "$(sections "$sd/$u.timer")" "[Unit][Timer][Install]" \
	    "$u.timer: [Unit], [Timer] and [Install]"
	is "$(grep -hvE '^([#;].*|\[[A-Za-z]+\]|[A-Z][A-Za-z]*=.*|)$' \
	    "$sd/$u.service" "$sd/$u.timer")" "" \
	    "$u: only sections, comments and Key=Value lines"
	is "$(grep -cxE 'Type=oneshot|User=mp|WorkingDirectory=/srv/mp|'\
'EnvironmentFile=-/etc/mp/env|NoNewPrivileges=yes|ProtectSystem=strict|'\
'ReadWritePaths=/srv/mp|PrivateTmp=yes' "$sd/$u.service")" 8 \
	    "$u.service: oneshot, user mp, /srv/mp, /etc/mp/env, hardened"
	grep -qx 'Persistent=true' "$sd/$u.timer" &&
	    grep -qx 'WantedBy=timers.target' "$sd/$u.timer"
	ok $? "$u.timer: Persistent=true, WantedBy=timers.target"
done
grep -qx 'OnCalendar=\*-\*-\* \*:05:00' "$sd/mp-hourly.timer"
ok $? "mp-hourly.timer: every hour at :05"
grep -qx 'OnCalendar=\*-\*-\* 03:10:00 UTC' "$sd/mp-day.timer"
ok $? "mp-day.timer: 03:10 UTC"
grep -q '^ExecStart=.* \./pipeline\.sh day "\$(date -u -d yesterday +%%F)"' \
    "$sd/mp-day.service" &&
    ! grep '^ExecStart=' "$sd/mp-day.service" | sed 's/%%//g' | grep -q %
ok $? "mp-day.service: yesterday's date, every % written %%"
grep -q '^ExecStart=.* /srv/mp/pipeline\.sh hour$' "$sd/mp-hourly.service"
ok $? "mp-hourly.service: pipeline.sh hour"

done_testing
