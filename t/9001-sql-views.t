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
views="mp_campaign_source mp_roi_campaign mp_roi_source mp_roi_day mp_funnel
mp_countries mp_timeseries mp_top_campaigns"

# The order each view's rows are compared in; mp_top_campaigns keeps its own
order_mp_campaign_source='campaign_id'
order_mp_roi_campaign='campaign_id'
order_mp_roi_source='source'
order_mp_roi_day='day, campaign_id'
order_mp_funnel='campaign_id'
order_mp_countries='country'
order_mp_timeseries='"time"'
order_mp_top_campaigns=

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
# of NDJSON (the first of each event_id, as mp-load keeps it), as psql
# -At -F, prints them: NULL empty, money with 6 decimals, ratios rounded
# half away from zero as numeric's round does
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

def nulls_last(v):
    return (v is None, "" if v is None else v)

class Sums:
    def __init__(self):
        self.impressions = self.clicks = self.conversions = 0
        self.visitors = set()
        self.cost = self.revenue = Decimal(0)

    def add(self, e):
        t = e.get("type")
        if t == "impression":
            self.impressions += 1
        elif t == "click":
            self.clicks += 1
            if e.get("visitor_id") is not None:
                self.visitors.add(e["visitor_id"])
            if money(e.get("cost")) is not None:
                self.cost += money(e.get("cost"))
        elif t in ("conversion", "postback"):
            self.conversions += 1
            if money(e.get("revenue")) is not None:
                self.revenue += money(e.get("revenue"))

    def roi(self):
        p = self.revenue - self.cost
        return [str(self.clicks), str(len(self.visitors)),
                str(self.conversions), fmt(self.cost, 6),
                fmt(self.revenue, 6), fmt(p, 6), ratio(p, self.cost, 4),
                ratio(self.revenue, self.clicks, 6)]

def group(key):
    g = {}
    for e in evs:
        g.setdefault(key(e), Sums()).add(e)
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

bycamp = group(lambda e: e["campaign_id"])
roi = [[cs[k], k] + bycamp[k].roi() for k in sorted(bycamp)]
write("mp_roi_campaign", roi)

bysrc = group(lambda e: cs[e["campaign_id"]])
write("mp_roi_source",
      [[k] + bysrc[k].roi() for k in sorted(bysrc, key=nulls_last)])

byday = group(lambda e: (utc(e).date().isoformat(), e["campaign_id"]))
write("mp_roi_day", [[d, cs[k], k] + byday[d, k].roi()
                     for d, k in sorted(byday)])

write("mp_funnel", [[cs[k], k, str(s.impressions), str(s.clicks),
                     str(s.conversions), ratio(s.clicks, s.impressions, 4),
                     ratio(s.conversions, s.clicks, 4)]
                    for k, s in sorted(bycamp.items())])

bycountry = group(lambda e: e.get("country"))
write("mp_countries", [[k, str(s.clicks), str(s.conversions),
                        fmt(s.cost, 6), fmt(s.revenue, 6),
                        fmt(s.revenue - s.cost, 6)]
                       for k, s in sorted(bycountry.items(),
                                          key=lambda i: nulls_last(i[0]))])

byhour = group(lambda e: utc(e).strftime("%Y-%m-%d %H:00:00+00"))
write("mp_timeseries", [[k, str(s.impressions), str(s.clicks),
                         str(s.conversions), fmt(s.cost, 6),
                         fmt(s.revenue, 6)]
                        for k, s in sorted(byhour.items())])

profit = {r[1]: Decimal(r[7]) for r in roi}
top = sorted(roi, key=lambda r: (-profit[r[1]], r[1]))
write("mp_top_campaigns",
      [[str(1 + sum(p > profit[r[1]] for p in profit.values()))] + r
       for r in top])
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
m='clicks unique_visitors conversions cost revenue profit roi revenue_per_click'
is "$(cols mp_campaign_source)" "campaign_id source" \
    "columns: mp_campaign_source"
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
is "$(q -c "SELECT string_agg(DISTINCT format_type(atttypid, atttypmod), ' ')
    FROM pg_attribute WHERE attrelid::regclass::text LIKE 'mp\_%'
    AND attname IN ('cost', 'revenue', 'profit', 'roi', 'revenue_per_click',
    'ctr', 'cvr')")" numeric "money and ratios are numeric, never float"

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
	# impression's, the conversion's cost and the click's revenue are not
	# counted; appsflyer's postback, at 00:30+01:00, counts for g-100 on
	# 2026-11-20 (UTC); 0.1 + "0.2" + 0.3 + 0.000001 exactly
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
    "google_ads,g-100,4,3,2,0.600001,12.750000,12.149999,20.2500,3.187500" \
    "g-100: google_ads by most clicks, appsflyer's postback counted, exact"
is "$(q -F, -c "SELECT cost, profit, roi FROM mp_roi_campaign
    WHERE campaign_id = 'm-200'")" "1.000000,-1.000000,-1.0000" \
    "m-200: clicks, no conversion: roi -1"
is "$(q -F, -c "SELECT cost, profit, coalesce(roi::text, 'NULL')
    FROM mp_roi_campaign WHERE campaign_id = 't-300'")" \
    "0.000000,5.000000,NULL" "t-300: no cost: roi NULL"
is "$(q -F, -c "SELECT source, clicks, conversions, revenue FROM
    mp_roi_campaign WHERE campaign_id = 'a-400'")" "adjust,0,2,5.000000" \
    "a-400: postbacks only: a tracker's source, the tie to the first name"
is "$(q -c "SELECT source FROM mp_campaign_source
    WHERE campaign_id = 'x-600'")" taboola \
    "x-600: clicks tied: the source with more impressions"
is "$(q -F, -c "SELECT roi, revenue_per_click FROM mp_roi_campaign
    WHERE campaign_id = 'b-700'")" \
    "3333333333333333332.0000,5000000000000.000000" \
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
    "google_ads,4,2,0.600001,12.750000" \
    "mp_roi_source: a campaign's stray clicks and postbacks under its source"
is "$(q -F, -c "SELECT ctr, cvr FROM mp_funnel WHERE campaign_id IN
    ('m-200', 'm-500') ORDER BY 1")" "0.0000,
1.5000,0.0000" "mp_funnel: ctr and cvr, NULL without clicks"

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
is "$(q -c "SELECT count(*) FROM pg_views WHERE schemaname = 'gen'")" 8 \
    "...the 8 views made in gen"
expect "$T/gen" "$T/wgen"
compare "generated events" "$T/wgen" -c "SET search_path = gen"

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
