#!/bin/bash
# scripts/gen-events, the synthetic events every other test stands on:
# deterministic, exactly -n lines, valid events, --stats that tell the
# truth, broken lines (--bad-rate) that really are broken, and side
# tables (--spend-out, --fx-out) that agree with the events.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
command -v jq >/dev/null || skip_all "jq not installed"
plan 61

# options
run gen-events --help
[ "$rc" = 0 ] && grep -q '^usage: gen-events ' "$T/out" && [ ! -s "$T/err" ]
ok $? "--help: usage on stdout, exit 0"

: >"$T/empty"
run gen-events --no-such-option
check "unknown option: usage error 64" 64 "$T/empty" '^usage: gen-events'
run gen-events --dup-rate 1.5
check "--dup-rate out of 0..1: 64" 64 "$T/empty" "argument --dup-rate: '1.5'"
run gen-events --start 2026-13-01
check "--start not a date: 64" 64 "$T/empty" "not a YYYY-MM-DD date"
run gen-events -n -1
check "-n negative: 64" 64 "$T/empty" "argument -n"
run gen-events -n 0
check "-n 0 writes nothing" 0 "$T/empty" ""
run gen-events -n 0 --cidr-out "$T/no/such/dir/dc"
check "--cidr-out FILE unwritable: 73" 73 "$T/empty" \
	"^gen-events: cannot write '"

# determinism
gen-events -n 2000 --seed 5 >"$T/a"
gen-events -n 2000 --seed 5 >"$T/b"
gen-events -n 2000 --seed 6 >"$T/c"
cmp -s "$T/a" "$T/b"
ok $? "same seed: same bytes"
! cmp -s "$T/a" "$T/c"
ok $? "different seed: different bytes"

bad=
for args in "-n 1" "-n 7" "-n 2000" "-n 999 --dup-rate 0.5" \
	"-n 500 --bad-rate 0.3" "-n 300 --bad-rate 1" "-n 100 --days 30"; do
	set -- $args
	got=$(gen-events $args | wc -l)
	[ "$got" = "$2" ] || bad="$bad [$args: $got lines]"
done
[ -z "$bad" ]
ok $? "-n N writes exactly N lines$bad"

# every line is an event
n=$(jq -c 'select(type == "object" and (.event_id | type) == "string"
	and (.ts | type) == "string")' "$T/a" | wc -l)
is "$n" 2000 "every line parses as an object with event_id and ts"

gen-events -n 3000 --days 2 --start 2026-02-28 >"$T/days"
n=$(jq -r .ts "$T/days" | grep -cvE \
	'^2026-(02-28|03-01)T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{3}Z$')
is "$n" 0 "ts: RFC 3339 UTC with milliseconds, inside --start and --days"

n=$(jq -c 'select((.click_id == null) != (.type == "impression") or
	has("cost") != (.type == "impression" or .type == "click") or
	has("revenue") == has("cost") or has("currency") != has("revenue") or
	(has("currency") and (.currency | . != "USD" and . != "EUR" and
	. != "GBP")) or (.data.utm | keys) != ["campaign", "medium", "source"])' \
	"$T/a" | wc -l)
is "$n" 0 "click_id null just for impressions; cost, or revenue and currency"

LC_ALL=C.UTF-8 grep -qaxv '.*' "$T/a"
[ $? = 1 ] && LC_ALL=C grep -qP '[\x80-\xff]' "$T/a"
ok $? "output is UTF-8, with raw non-ASCII text"

# --stats: the ground truth
gen-events -n 5000 --seed 3 --days 2 --bad-rate 0.1 --stats \
	>"$T/s" 2>"$T/stats"
jq -e 'type == "object"' "$T/stats" >/dev/null &&
	[ "$(wc -l <"$T/stats")" = 1 ]
ok $? "--stats writes one JSON object on stderr"
is "$(jq '[.lines, .events + .duplicates + .bad,
	(.by_type | add) - .events] | join(" ")' -r "$T/stats")" "5000 5000 0" \
	"--stats: lines = events + duplicates + bad, by_type adds up"

gen-events -n 5000 --seed 3 --days 2 --dup-rate 0.1 --stats \
	>"$T/d" 2>"$T/stats"
dups=$(( $(wc -l <"$T/d") - $(sort -u "$T/d" | wc -l) ))
is "$dups" "$(jq .duplicates "$T/stats")" "--stats duplicates = repeated lines"
[ "$(sort "$T/d" | uniq -d | wc -l)" -gt 0 ]
ok $? "some lines are replayed"
is "$(jq -r .event_id "$T/d" | sort -u | wc -l)" "$(jq .events "$T/stats")" \
	"--stats events = distinct event_ids; a replay keeps its event_id"
ids=$(jq -r .event_id "$T/d" | sort | uniq -d | wc -l)
is "$ids" "$(sort "$T/d" | uniq -d | wc -l)" \
	"a repeated event_id is always a byte-for-byte replay"

botua='bot|Bot|spider|curl/|Wget/|python-|Go-http-client|Scrapy|axios/'
botua="$botua|HeadlessChrome|facebookexternalhit"
bots=$(jq -r 'select(.ua != null) | [.event_id, .ua] | @tsv' "$T/d" | sort -u |
	grep -cE "$botua")
is "$bots" "$(jq .bots "$T/stats")" "--stats bots = events with a bot ua"

# --cidr-out
gen-events -n 0 --cidr-out "$T/dc"
head -1 "$T/dc" | grep -q '^#' && grep -q '^[0-9]*\.' "$T/dc" &&
	grep -q '^[0-9a-f]*:' "$T/dc" && python3 -c '
import ipaddress, sys
for line in open(sys.argv[1]):
    if not line.startswith("#"):
        ipaddress.ip_network(line.strip())
' "$T/dc"
ok $? "--cidr-out: '#' header, then IPv4 and IPv6 CIDRs that parse"

n=$(jq -r '[.event_id, .ip] | @tsv' "$T/d" | sort -u | cut -f2 | python3 -c '
import ipaddress, sys
nets = [ipaddress.ip_network(l.strip()) for l in open(sys.argv[1])
        if not l.startswith("#")]
print(sum(any(ipaddress.ip_address(ip.strip()) in n for n in nets)
          for ip in sys.stdin))
' "$T/dc")
is "$n" "$(jq .datacenter "$T/stats")" \
	"--stats datacenter = events whose ip is in the --cidr-out ranges"

# --cidr-count N: the built-in ranges, then padding no event's ip is in
nbuiltin=$(grep -vc '^#' "$T/dc")
run gen-events -n 0 --cidr-out "$T/dc49" --cidr-count $((nbuiltin - 1))
check "--cidr-count below the $nbuiltin built-in ranges: 64" 64 "$T/empty" \
	"argument --cidr-count: '$((nbuiltin - 1))' is below the $nbuiltin built-in"
run gen-events -n 0 --cidr-count 60000
check "--cidr-count without --cidr-out: 64" 64 "$T/empty" \
	'--cidr-count needs --cidr-out'
gen-events -n 0 --cidr-out "$T/dc50" --cidr-count "$nbuiltin"
cmp -s "$T/dc" "$T/dc50"
ok $? "--cidr-count $nbuiltin: the same file as without it"

gen-events -n 0 --seed 3 --cidr-out "$T/big" --cidr-count 50000
gen-events -n 777 --seed 3 --cidr-out "$T/big2" --cidr-count 50000 >/dev/null
gen-events -n 0 --seed 3 --cidr-out "$T/small3" --cidr-count 1000
gen-events -n 0 --seed 4 --cidr-out "$T/small4" --cidr-count 1000
is "$(grep -vc '^#' "$T/big")" 50000 "--cidr-count 50000: exactly 50000 ranges"
cmp -s "$T/big" "$T/big2" && ! cmp -s "$T/small3" "$T/small4" &&
	cmp -s <(grep -v '^#' "$T/dc") \
	<(grep -v '^#' "$T/small4" | head -n "$nbuiltin")
ok $? "--cidr-count: deterministic, by --seed not -n; built-in ranges first"

# valid (no host bits), one per line; padding overlaps neither itself nor
# the built-in ranges (two of which nest); mostly IPv4 /16-/28, ~20% IPv6
cat >"$T/nets.py" <<'EOF'
import bisect, ipaddress, sys
lines = [l.rstrip("\n") for l in open(sys.argv[1]) if not l.startswith("#")]
nb = int(sys.argv[2])
nets = [ipaddress.ip_network(l) for l in lines]   # strict: no host bits
assert all(str(n) == l for n, l in zip(nets, lines)), "not canonical"
pad = nets[nb:]
for v in (4, 6):
    iv = sorted((int(n.network_address), int(n.broadcast_address))
                for n in pad if n.version == v)
    for (s0, e0), (s1, e1) in zip(iv, iv[1:]):
        assert s1 > e0, "padding overlaps padding"
    ends = [e for _, e in iv]
    for b in nets[:nb]:
        if b.version != v:
            continue
        bs, be = int(b.network_address), int(b.broadcast_address)
        i = bisect.bisect_left(ends, bs)
        assert i == len(iv) or iv[i][0] > be, "padding overlaps %s" % b
v6 = [n for n in pad if n.version == 6]
v4 = [n for n in pad if n.version == 4]
assert v4 + v6 == pad, "padding not IPv4 then IPv6"
assert 0.17 < len(v6) / len(pad) < 0.23, "IPv6 share"
assert sum(16 <= n.prefixlen <= 28 for n in v4) > 0.9 * len(v4), "IPv4 /len"
assert all(32 <= n.prefixlen <= 64 for n in v6), "IPv6 /len"
assert len({n.prefixlen for n in v4}) > 10, "IPv4 mix"
assert len({n.prefixlen for n in v6}) > 5, "IPv6 mix"
EOF
python3 "$T/nets.py" "$T/big" "$nbuiltin"
ok $? "--cidr-count: valid networks, padding overlapping nothing, a mix"

# the events do not change; no human ip is in the list: ips in it are
# exactly the lines --stats counts as datacenter, none in the padding
gen-events -n 20000 --seed 3 --stats >"$T/e0" 2>"$T/s0"
gen-events -n 20000 --seed 3 --stats --cidr-out "$T/big4" \
	--cidr-count 50000 >"$T/e1" 2>"$T/s1"
cmp -s "$T/e0" "$T/e1" && cmp -s "$T/s0" "$T/s1" && cmp -s "$T/big" "$T/big4"
ok $? "--cidr-count: the same events and --stats as without it"

# inlist.py LIST NBUILTIN < ips: how many ips are in the list, and how
# many in its padding (the ranges after the first NBUILTIN)
cat >"$T/inlist.py" <<'EOF'
import bisect, ipaddress, sys
lines = [l.strip() for l in open(sys.argv[1]) if not l.startswith("#")]
nb = int(sys.argv[2])
def table(cidrs):
    iv = {4: [], 6: []}
    for c in cidrs:
        n = ipaddress.ip_network(c)
        iv[n.version].append((int(n.network_address),
                              int(n.broadcast_address)))
    out = {}
    for v, x in iv.items():   # merge: built-in ranges may nest
        m = []
        for s, e in sorted(x):
            if m and s <= m[-1][1] + 1:
                m[-1][1] = max(m[-1][1], e)
            else:
                m.append([s, e])
        out[v] = ([s for s, _ in m], [e for _, e in m])
    return out
def inside(t, ip):
    starts, ends = t[ip.version]
    i = bisect.bisect_right(starts, int(ip)) - 1
    return i >= 0 and int(ip) <= ends[i]
full, pad = table(lines), table(lines[nb:])
n_full = n_pad = 0
for l in sys.stdin:
    ip = ipaddress.ip_address(l.strip())
    n_full += inside(full, ip)
    n_pad += inside(pad, ip)
print(n_full, n_pad)
EOF
got=$(jq -r .ip "$T/e0" | python3 "$T/inlist.py" "$T/big" "$nbuiltin")
is "$got" "$(jq .datacenter_lines "$T/s0") 0" \
	"lines with ip in the padded list = datacenter_lines; none in padding"
got=$(gen-events -n 20000 --seed 9 --dc-rate 0 | jq -r .ip |
	python3 "$T/inlist.py" "$T/big" "$nbuiltin")
is "$got" "0 0" "--dc-rate 0: no human ip is in the padded list"

# odd but valid lines change the writing, not the events
gen-events -n 3000 --odd-rate 0 >"$T/o0"
gen-events -n 3000 --odd-rate 1 >"$T/o1"
! cmp -s "$T/o0" "$T/o1" && ndjson_eq "$T/o0" "$T/o1"
ok $? "--odd-rate 1: every line written differently, the same JSON values"
grep -q '\\u[dD]83[c-fC-F]\\u[dD][c-fC-F]' "$T/o1" &&
	grep -q '\\u00[eE]9' "$T/o1" &&
	grep -qP '"\s+:|:\t' "$T/o1" && grep -qE '[0-9]e-[0-9]' "$T/o1" &&
	[ "$(grep -c '^{"event_id"' "$T/o1")" -lt 2500 ]
ok $? "odd lines: \\u escapes and pairs, whitespace, exponents, key order"

# broken FILE: numbers of the lines that jq 1.6 may accept but are not
# JSON: invalid UTF-8, raw control characters (tab is whitespace outside
# strings, and jq rejects it inside), lone surrogate escapes, bad numbers
broken() {
	local hi='\\u[dD][89abAB][0-9a-fA-F]{2}' lo='\\u[dD][c-fC-F][0-9a-fA-F]{2}'
	{
		LC_ALL=C.UTF-8 grep -naxv '.*' "$1"
		LC_ALL=C grep -naP '[\x00-\x08\x0a-\x1f]' "$1"
		LC_ALL=C grep -naP "$hi(?!$lo)|(?<!$hi)$lo" "$1"
		LC_ALL=C grep -naE \
		    '":(-?0[0-9]|[-+]?[0-9]+\.([^0-9]|$)|\+|-?\.|-?NaN|-?Infinity)' "$1"
	} | cut -d: -f1 | sort -u
}

# --bad-rate 1: every line is broken.  jq 1.6 is lax (it takes 01, 1., +1,
# NaN, invalid UTF-8, raw NUL, lone low surrogates, duplicate keys), so
# what jq lets through must be caught by broken or, for duplicate keys,
# by jq --stream, which still sees both keys.
gen-events -n 400 --seed 2 --bad-rate 1 >"$T/bad"
jq -R -r 'try (fromjson | if type == "object" and (.event_id | type) ==
	"string" and .event_id != "" then "ok" else "shape" end)
	catch "parse"' "$T/bad" >"$T/jq"
grep -n '^ok$' "$T/jq" | cut -d: -f1 | sort >"$T/jqok"
broken "$T/bad" >"$T/grepped"
left= dupkeys=0
for i in $(comm -23 "$T/jqok" "$T/grepped"); do
	if sed -n "${i}p" "$T/bad" | jq -c --stream 'select(length == 2) | .[0]' |
		sort | uniq -d | grep -q .; then
		dupkeys=$((dupkeys + 1))
	else
		left="$left $i"
	fi
done
is "$(jq -R . "$T/bad" | wc -l) ${left:-none}" "400 none" \
	"--bad-rate 1: every line is invalid, not an object, or lacks event_id"
grep -q parse "$T/jq" && grep -q shape "$T/jq" && [ "$dupkeys" -gt 0 ] &&
	[ "$(comm -12 "$T/jqok" "$T/grepped" | wc -l)" -gt 0 ]
ok $? "bad lines of every sort: jq errors, not events, grepped, duplicate keys"

# the same detectors find nothing in good lines, odd ones included
broken "$T/o1" | wc -l | grep -qx 0
ok $? "good lines pass the bad-line detectors"

# a closed stdout ends the run quietly
gen-events -n 200000 2>"$T/err" | head -1 >/dev/null
st=${PIPESTATUS[0]}
[ "$st" = 0 ] && [ ! -s "$T/err" ]
ok $? "gen-events | head: no error, exit 0"

# --spend-out and --fx-out: side tables for mp-enrich, the same run's truth
nets='google_ads meta_ads microsoft_ads outbrain taboola tiktok_ads'
args="-n 20000 --seed 11 --days 3 --dup-rate 0.2 --bot-rate 0.2 --odd-rate 0.1"
gen-events $args --stats --spend-out "$T/sp.csv" --fx-out "$T/fx.csv" \
	>"$T/ev" 2>"$T/evst"
gen-events $args --stats >"$T/ev0" 2>"$T/evst0"
cmp -s "$T/ev" "$T/ev0" && cmp -s "$T/evst" "$T/evst0"
ok $? "--spend-out, --fx-out: the same events and --stats as without them"
gen-events -n 3000 --seed 2 --bad-rate 0.2 --odd-rate 0.3 >"$T/bev0"
gen-events -n 3000 --seed 2 --bad-rate 0.2 --odd-rate 0.3 \
	--spend-out "$T/bsp.tsv" --fx-out "$T/bfx.ndjson" >"$T/bev1"
cmp -s "$T/bev0" "$T/bev1"
ok $? "--spend-out, --fx-out with bad and odd lines: the same events"

gen-events $args --spend-out "$T/sp2.csv" --fx-out "$T/fx2.csv" >/dev/null
gen-events ${args/--seed 11/--seed 12} --spend-out "$T/sp3.csv" \
	--fx-out "$T/fx3.csv" >/dev/null
cmp -s "$T/sp.csv" "$T/sp2.csv" && cmp -s "$T/fx.csv" "$T/fx2.csv" &&
	! cmp -s "$T/sp.csv" "$T/sp3.csv"
ok $? "--spend-out, --fx-out: same arguments, same bytes; --seed changes spend"

is "$(head -1 "$T/sp.csv")|$(head -1 "$T/fx.csv")" \
	"campaign_id,date,network,spend,clicks|date,currency,rate" \
	"csv headers"

# from the events alone: every campaign and day with an event, in order,
# with its distinct click event_ids counted (replays and odd lines are
# the same events; bots count)
jq -r '[.campaign_id, .ts[:10], (if .type == "click" then .event_id
	else "" end)] | @tsv' "$T/ev" | sort -u | awk -F '\t' '
	{ k = $1 "," $2; if (!(k in n)) { n[k] = 0; keys[++m] = k }
	  if ($3 != "") n[k]++ }
	END { for (i = 1; i <= m; i++) print keys[i] "," n[keys[i]] }' \
	>"$T/want"
tail -n +2 "$T/sp.csv" | cut -d, -f1,2,5 >"$T/got"
cmp -s "$T/want" "$T/got" && [ "$(wc -l <"$T/got")" -gt 300 ] &&
	[ "$(awk -F, '$3 > 0' "$T/got" | wc -l)" -gt 100 ]
ok $? "spend rows: each campaign/day with events once, sorted, clicks = jq's"
[ -s "$T/got" ] || diag "$(diff "$T/want" "$T/got" | head -5)"
is "$(awk -F, 'NR > 1 { s += $5 } END { print s }' "$T/sp.csv")" \
	"$(jq .by_type.click "$T/evst")" "spend clicks add up to --stats clicks"

gen-events -n 4000 --seed 3 --days 2 --bad-rate 0.3 --stats \
	--spend-out "$T/bsp.csv" >/dev/null 2>"$T/bst"
is "$(awk -F, 'NR > 1 { s += $5 } END { print s }' "$T/bsp.csv")" \
	"$(jq .by_type.click "$T/bst")" \
	"--bad-rate 0.3: bad lines count no clicks (sum = --stats clicks)"

n=$(tail -n +2 "$T/sp.csv" | cut -d, -f4 | grep -cvE '^(0|[1-9][0-9]*)\.[0-9]{2}$')
is "$n" 0 "spend: a decimal with 2 decimals"
# spend = the day's distinct impression and click cost times 0.90..1.30,
# rounded to cents
jq -r 'select(.cost != null) | [.event_id, .campaign_id, .ts[:10],
	(.cost | tostring)] | @tsv' "$T/ev" | sort -u >"$T/costs"
python3 - "$T/costs" "$T/sp.csv" <<'EOF'
import sys
from decimal import Decimal
cost = {}
for l in open(sys.argv[1]):
    _, c, d, x = l.rstrip("\n").split("\t")
    cost[c, d] = cost.get((c, d), 0) + Decimal(x)
rows = [l.rstrip("\n").split(",") for l in open(sys.argv[2])][1:]
factors = []
for c, d, net, spend, clicks in rows:
    s, k = Decimal(spend), cost.get((c, d), Decimal(0))
    assert k * Decimal("0.9") - Decimal("0.005") <= s <= \
        k * Decimal("1.3") + Decimal("0.005"), (c, d, spend, k)
    if k > 5:
        factors.append(s / k)
assert sum(Decimal(r[3]) for r in rows) > 1000, "spend too small"
assert min(factors) < Decimal("0.95") and max(factors) > Decimal("1.25")
EOF
ok $? "spend: the day's cost times 0.90..1.30, rounded to cents"

# network: the source of the campaign's impressions and clicks, one per
# campaign, never a tracker
jq -r 'select(.type == "impression" or .type == "click") |
	[.campaign_id, .source] | @csv' "$T/ev" | tr -d '"' | sort -u >"$T/srcs"
tail -n +2 "$T/sp.csv" | cut -d, -f1,3 | sort -u >"$T/spnets"
[ -z "$(comm -23 "$T/srcs" "$T/spnets")" ] &&
	[ "$(cut -d, -f1 "$T/spnets" | uniq -d | wc -l)" = 0 ] &&
	[ -z "$(cut -d, -f2 "$T/spnets" | sort -u | grep -vxF "${nets// /
}")" ] && ! grep -qE 'appsflyer|adjust' "$T/sp.csv" &&
	jq -r 'select(.type == "postback") | .source' "$T/ev" | sort -u |
	grep -qx appsflyer
ok $? "network: the campaign's network, one per campaign, never a tracker"

# fx: every non-USD currency of the events, every day of the range
# fxcover.py EVENTS FX START DAYS
cat >"$T/fxcover.py" <<'EOF'
import datetime, json, sys
curs = sorted({json.loads(l).get("currency") for l in open(sys.argv[1])}
              - {None, "USD"})
assert curs == ["EUR", "GBP"], curs
d0, n = datetime.date.fromisoformat(sys.argv[3]), int(sys.argv[4])
want = ["%s,%s" % (d0 + datetime.timedelta(days=i), c)
        for i in range(n) for c in curs]
rows = [l.rstrip("\n").split(",") for l in open(sys.argv[2])][1:]
assert [r[0] + "," + r[1] for r in rows] == want, rows
EOF
gen-events -n 2000 --seed 4 --days 45 --start 2026-12-10 \
	--fx-out "$T/fx45.csv" >"$T/ev45"
python3 "$T/fxcover.py" "$T/ev" "$T/fx.csv" 2026-11-20 3 &&
	python3 "$T/fxcover.py" "$T/ev45" "$T/fx45.csv" 2026-12-10 45
ok $? "fx: a row for every non-USD currency of the events and every day"

n=$(tail -n +2 "$T/fx45.csv" | awk -F, '
	$3 !~ /^[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]$/ { print; next }
	$2 == "EUR" && ($3 < 1.08 * 0.95 || $3 > 1.08 * 1.05) { print; next }
	$2 == "GBP" && ($3 < 1.27 * 0.95 || $3 > 1.27 * 1.05) { print; next }
	$2 != "EUR" && $2 != "GBP" { print }' | wc -l)
is "$n $(tail -n +2 "$T/fx45.csv" | wc -l)" "0 90" \
	"fx: 45 days x 2, rates with 6 decimals near EUR 1.08 and GBP 1.27"
gen-events -n 500 --seed 9 --days 2 --start 2027-01-05 \
	--fx-out "$T/fx2d.csv" >/dev/null
grep -q '^2027-01-06,EUR,' "$T/fx2d.csv" &&
	[ -z "$(comm -23 <(tail -n +2 "$T/fx2d.csv" | sort) \
	<(sort "$T/fx45.csv"))" ] &&
	[ "$(cut -d, -f3 "$T/fx45.csv" | sort -u | wc -l)" -gt 80 ]
ok $? "fx: rates drift day by day and depend on the date alone"

# formats: by name, or --spend-format / --fx-format
gen-events $args --spend-out "$T/sp.tsv" --fx-out "$T/fx.tsv" >/dev/null
gen-events $args --spend-out "$T/sp.ndjson" --fx-out "$T/fx.jsonl" >/dev/null
gen-events $args --spend-out "$T/sp.out" --spend-format ndjson \
	--fx-out "$T/fx.json" --fx-format tsv >/dev/null
gen-events $args --spend-out "$T/spc.ndjson" --spend-format csv >/dev/null
cmp -s <(tr '\t' , <"$T/sp.tsv") "$T/sp.csv" &&
	cmp -s <(tr '\t' , <"$T/fx.tsv") "$T/fx.csv" &&
	grep -q '	' "$T/sp.tsv" && ! grep -q , "$T/sp.tsv"
ok $? "tsv: the csv rows, tab separated, with the header"

ndcsv() {
	sed -E 's/^\{"campaign_id":"([^"]*)","date":"([^"]*)","network":"([^"]*)","spend":([0-9.]+),"clicks":([0-9]+)\}$/\1,\2,\3,\4,\5/
		s/^\{"date":"([^"]*)","currency":"([^"]*)","rate":([0-9.]+)\}$/\1,\2,\3/' "$1"
}
cmp -s <(ndcsv "$T/sp.ndjson") <(tail -n +2 "$T/sp.csv") &&
	cmp -s <(ndcsv "$T/fx.jsonl") <(tail -n +2 "$T/fx.csv")
ok $? "ndjson/jsonl: one object per row, the csv values, number text kept"
jq -e -s 'length > 300 and all(.[]; (.spend | type) == "number" and
	(.clicks | type) == "number" and .clicks == (.clicks | floor) and
	(.campaign_id | type) == "string" and (keys | length) == 5)' \
	"$T/sp.ndjson" >/dev/null &&
	jq -e -s 'all(.[]; (.rate | type) == "number" and
	(.currency | type) == "string")' "$T/fx.jsonl" >/dev/null
ok $? "ndjson: spend, rate and clicks are JSON numbers, ids strings"
cmp -s "$T/sp.out" "$T/sp.ndjson" && cmp -s "$T/fx.json" "$T/fx.tsv" &&
	cmp -s "$T/spc.ndjson" "$T/sp.csv"
ok $? "--spend-format, --fx-format override the file name"

# usage errors, unwritable files, -n 0, a closed stdout
run gen-events -n 5 --spend-out "$T/sp.txt"
check "--spend-out FILE of no known format: 64" 64 "$T/empty" \
	"cannot tell the format.*--spend-format"
run gen-events -n 5 --fx-format csv
check "--fx-format without --fx-out: 64" 64 "$T/empty" \
	'--fx-format needs --fx-out'
run gen-events -n 5 --spend-out "$T/s.csv" --spend-format xml
check "--spend-format xml: 64" 64 "$T/empty" "argument --spend-format"
run gen-events -n 5 --fx-out "$T/no/such/dir/fx.csv"
check "--fx-out FILE unwritable: 73, no events written" 73 "$T/empty" \
	"^gen-events: cannot write '"

run gen-events -n 0 --spend-out "$T/s0.csv" --fx-out "$T/f0.ndjson"
[ "$rc" = 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ] &&
	[ "$(cat "$T/s0.csv")" = "campaign_id,date,network,spend,clicks" ] &&
	[ -f "$T/f0.ndjson" ] && [ ! -s "$T/f0.ndjson" ]
ok $? "-n 0: the header alone (csv), an empty file (ndjson)"

gen-events -n 30000 --spend-out "$T/h.csv" 2>"$T/err" | head -1 >/dev/null
st=${PIPESTATUS[0]}
gen-events -n 30000 --spend-out "$T/h2.csv" >/dev/null
[ "$st" = 0 ] && [ ! -s "$T/err" ] && cmp -s "$T/h.csv" "$T/h2.csv"
ok $? "gen-events --spend-out | head: exit 0, the whole table still written"
