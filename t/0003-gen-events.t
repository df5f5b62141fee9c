#!/bin/bash
# scripts/gen-events, the synthetic events every other test stands on:
# deterministic, exactly -n lines, valid events, --stats that tell the
# truth, broken lines (--bad-rate) that really are broken, and side
# tables (--spend-out, --fx-out) that agree with the events.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
command -v jq >/dev/null || skip_all "jq not installed"
plan 80

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

# --mix realistic: a believable day, with its ground truth
# the basic mix (the default) is byte for byte what it always was
gen-events -n 3000 --seed 5 --days 2 --bad-rate 0.05 --dup-rate 0.1 --stats \
	--spend-out "$T/ck.csv" --fx-out "$T/ckfx.csv" --truth-out "$T/ckt.nd" \
	>"$T/ck" 2>"$T/ckst"
is "$(cat "$T/ck" "$T/ckst" "$T/ck.csv" "$T/ckfx.csv" "$T/ckt.nd" | sha256sum |
	cut -c1-64)" \
	f9307ed505c3d9f299f209f2075dae9431648ada1111fd336663f15a3ca27cab \
	"--mix basic (the default): the same bytes as before realistic existed"

real="-n 150000 --seed 3 --days 2 --mix realistic"
gen-events $real --stats --spend-out "$T/rs.csv" --fx-out "$T/rfx.csv" \
	--truth-out "$T/rt.nd" --sales-out "$T/rsales.nd" \
	--revenue-out "$T/rrev.nd" >"$T/r" 2>"$T/rst"
small="-n 30000 --seed 3 --days 2 --mix realistic"
for i in 1 2; do
	gen-events $small --stats --spend-out "$T/ds$i.csv" --fx-out "$T/dfx$i.csv" \
		--truth-out "$T/dt$i.nd" --sales-out "$T/dsales$i.nd" \
		--revenue-out "$T/drev$i.nd" >"$T/d$i" 2>"$T/dst$i"
done
gen-events $small >"$T/d3"
cmp -s "$T/d1" "$T/d2" && cmp -s "$T/dst1" "$T/dst2" &&
	cmp -s "$T/ds1.csv" "$T/ds2.csv" && cmp -s "$T/dt1.nd" "$T/dt2.nd" &&
	cmp -s "$T/dsales1.nd" "$T/dsales2.nd" &&
	cmp -s "$T/drev1.nd" "$T/drev2.nd" && cmp -s "$T/d1" "$T/d3" &&
	! cmp -s "$T/d1" <(gen-events ${small/--mix realistic/}) &&
	[ -s "$T/drev1.nd" ]
ok $? "--mix realistic: same arguments, same bytes, truth files or not"

# real.py CHECK: one property of the realistic run, in $T
cat >"$T/real.py" <<'EOF'
import collections, json, sys
from decimal import Decimal as D
T, check = sys.argv[1], sys.argv[2]
def nd(name):
    return [json.loads(l) for l in open(T + "/" + name)]
ev = nd("r")
first = {}                      # event_id: its first line
for e in ev:
    first.setdefault(e["event_id"], e)
REV = ("conversion", "postback", "adjustment")
clicks = {e["click_id"]: e for e in first.values() if e["type"] == "click"}
sales = nd("rsales.nd")
recs = nd("rrev.nd")
spend = [l.rstrip("\n").split(",") for l in open(T + "/rs.csv")][1:]
def fail(msg):
    print(msg)
    sys.exit(1)
if check == "rates":
    n = collections.Counter(c["campaign_id"] for c in clicks.values())
    s = collections.Counter(x["campaign_id"] for x in sales)
    rates = [s[c] / k for c, k in n.items() if k >= 1500]
    if len(rates) < 5 or not all(0.005 <= r <= 0.10 for r in rates):
        fail("rates %s" % rates)
    if not (min(rates) < 0.025 and max(rates) > 0.04):
        fail("rates do not vary: %s" % rates)
    conv = sum(1 for e in first.values() if e["type"] == "conversion")
    if not 0.01 < conv / len(clicks) < 0.06:
        fail("conversions %d of %d clicks" % (conv, len(clicks)))
elif check == "clicks":
    # every revenue record names an earlier click of its campaign
    for e in first.values():
        if e["type"] in REV:
            c = clicks.get(e["click_id"])
            if c is None or c["campaign_id"] != e["campaign_id"] or \
                    c["ts"] > e["ts"] or c.get("ua") != e.get("ua"):
                fail("%s: no earlier click of its campaign" % e["event_id"])
elif check == "kinds":
    by = collections.defaultdict(list)
    for e in first.values():
        if e["type"] in REV:
            by[e["click_id"]].append(e)
    types = [sorted(x["type"] for x in v) for v in by.values()]
    want = {
        "conversion only": ["conversion"] in types,
        "postback only": ["postback"] in types,
        "both": ["conversion", "postback"] in types,
        "two pieces": any(t.count("postback") == 2 for t in types),
        "reversal": sum(e.get("reason") == "reversal" and
                        D(str(e["revenue"])) < 0 for e in first.values()) >= 3,
        "late payment": sum(e.get("reason") == "late_payment" and
                            D(str(e["revenue"])) > 0
                            for e in first.values()) >= 3,
        "partner differs": any(
            len({str(x["revenue"]) for x in v}) > 1 for v in by.values()
            if sorted(x["type"] for x in v) == ["conversion", "postback"]),
        "source network": any(e["type"] == "postback" and
                              e["source"].endswith("_ads")
                              for e in first.values()),
        "source tracker": any(e["type"] == "postback" and
                              e["source"] in ("appsflyer", "adjust")
                              for e in first.values()),
        "event_id from transaction": all(
            e["event_id"] == e["source"] + ":" + e["data"]["transaction_id"]
            for e in first.values() if e["type"] in ("postback",
                                                     "adjustment")),
    }
    # a postback delivered twice: the same event_id, other bytes, the
    # same amount, the same day
    lines = collections.defaultdict(set)
    for l in open(T + "/r"):
        e = json.loads(l)
        if e["type"] == "postback":
            lines[e["event_id"]].add(json.dumps(e, sort_keys=True))
    again = [v for v in lines.values() if len(v) > 1]
    want["redelivered"] = len(again) >= 3 and all(
        len({(json.loads(x)["revenue"], json.loads(x)["ts"][:10])
             for x in v}) == 1 for v in again)
    bad = [k for k, v in want.items() if not v]
    if bad:
        fail("missing: %s" % bad)
elif check == "spend":
    n = collections.Counter((c["campaign_id"], c["ts"][:10])
                            for c in clicks.values())
    more = 0
    for cid, d, net, sp, k in spend:
        if int(k) < n[cid, d]:
            fail("%s %s: %s clicks < %d" % (cid, d, k, n[cid, d]))
        more += int(k) - n[cid, d]
    extra = sum(int(k) > n[c, d] for c, d, _, _, k in spend)
    if not (extra > 50 and 0.005 < more / len(clicks) < 0.04):
        fail("unseen clicks: %d rows, %d clicks" % (extra, more))
elif check == "truth":
    # --revenue-out: every revenue event once, as in the stream
    evs = [e for e in first.values() if e["type"] in REV]
    if sorted(e["event_id"] for e in evs) != sorted(r["event_id"]
                                                    for r in recs):
        fail("revenue-out is not the stream's revenue records")
    for r in recs:
        e = first[r["event_id"]]
        if (r["sale_id"], r["type"], r["campaign_id"], r["ts"],
                D(r["amount"]), r["currency"], r["filtered"]) != (
                e["click_id"], e["type"], e["campaign_id"], e["ts"],
                D(str(e["revenue"])), e["currency"], False):
            fail("record %s differs from its event" % r["event_id"])
    # --sales-out: each sale, its day, its current amount
    by = collections.defaultdict(list)
    for r in recs:
        by[r["sale_id"]].append(r)
    if sorted(by) != sorted(s["sale_id"] for s in sales):
        fail("sales-out is not the records' sales")
    for s in sales:
        rs = by[s["sale_id"]]
        cur = [r for r in rs if r["type"] != "conversion"] or rs
        if s["day"] != min(r["ts"] for r in rs)[:10] or \
                D(s["revenue"]) != sum(D(r["amount"]) for r in cur) or \
                D(s["revenue_usd"]) != sum(D(r["amount_usd"]) for r in cur) \
                or s["records"] != len(rs) or \
                {r["event_id"] for r in cur} != \
                {r["event_id"] for r in rs if r["counted"]}:
            fail("sale %s" % s["sale_id"])
    if [(s["day"], s["campaign_id"], s["sale_id"]) for s in sales] != \
            sorted((s["day"], s["campaign_id"], s["sale_id"]) for s in sales):
        fail("sales-out not sorted")
    st = collections.Counter(s["state"] for s in sales)
    if min(st[k] for k in ("estimated", "confirmed", "adjusted",
                           "reversed")) < 3:
        fail("states %s" % st)
elif check == "money":
    # money-truth's lines against the sales and spend files
    mt = nd("mt")
    cost, rev = collections.Counter(), collections.Counter()
    for cid, d, net, sp, k in spend:
        cost[cid, d] += D(sp)
    for s in sales:
        rev[s["campaign_id"], s["day"]] += D(s["revenue_usd"])
    got = {(m["campaign_id"], m["day"]): m for m in mt}
    if set(got) != set(cost) | set(rev):
        fail("groups differ")
    for k, m in got.items():
        if D(m["cost"]) != cost[k] or D(m["revenue"]) != rev[k] or \
                len(m["cost"].split(".")[1]) != 6:
            fail("%s: %s" % (k, m))
    # winners, break-even and losers (campaigns with some spend)
    c, r = collections.Counter(), collections.Counter()
    for m in mt:
        c[m["campaign_id"]] += D(m["cost"])
        r[m["campaign_id"]] += D(m["revenue"])
    q = [r[k] / c[k] for k in c if c[k] >= 50]
    win = sum(x > D("1.2") for x in q)
    even = sum(D("0.9") <= x <= D("1.1") for x in q)
    lose = sum(x < D("0.8") for x in q)
    if win < 5 or even < 3 or lose < 5:
        fail("win %d, even %d, lose %d" % (win, even, lose))
print("ok")
EOF
# realistic CHECK NAME: a check of real.py
realistic() {
	python3 "$T/real.py" "$T" "$1" >"$T/out" 2>&1
	ok $? "--mix realistic: $2"
	grep -q '^ok$' "$T/out" || diag "$(head -c 400 "$T/out")"
}
realistic rates "sales are 0.5-10% of a campaign's clicks, varying by campaign"
realistic clicks "every revenue record names an earlier click of its campaign"
realistic kinds "conversions, postbacks (event_id from the transaction), pieces, the partner's amounts, late payments, reversals, a postback delivered twice"
realistic spend "spend clicks >= the tracker's; clicks it never saw on some days"
realistic truth "--revenue-out and --sales-out agree with the stream and the model"
jq -e '.sales > 1000 and .redelivered > 0 and .by_type.adjustment > 0 and
	.lines == .events + .duplicates + .bad' "$T/rst" >/dev/null
ok $? "--mix realistic --stats: sales, redelivered, adjustments; lines add up"

# t/money-truth: cost and revenue per campaign and day from the truth alone
mt() { "$top/t/money-truth" --spend="$T/rs.csv" --revenue="$T/rrev.nd" \
	--fx="$T/rfx.csv" "$@"; }
mt >"$T/mt"
realistic money "t/money-truth = spend rows and sales, exactly; winners, break-even campaigns and losers"
cat >"$T/total.py" <<'PY'
import json, sys
from decimal import Decimal as D
c = sum(D(l.split(",")[3]) for l in list(open(sys.argv[1]))[1:])
s = [json.loads(l) for l in open(sys.argv[2])]
r = sum(D(x["revenue_usd"]) for x in s)
print(json.dumps({"cost": str(c.quantize(D("0.000001"))),
                  "revenue": str(r), "sales": len(s),
                  "conversions": sum(D(x["revenue_usd"]) > 0 for x in s)},
                 separators=(",", ":")))
PY
python3 "$T/total.py" "$T/rs.csv" "$T/rsales.nd" >"$T/want"
mt --by= >"$T/got"
cmp -s "$T/got" "$T/want" && [ -s "$T/got" ]
ok $? "t/money-truth --by=: total cost = the spend file's, revenue = the sales'"
cmp -s "$T/got" "$T/want" || diag "$(cat "$T/got" "$T/want")"
mt --truth="$T/rt.nd" >"$T/mt2"
mt --format=tsv >"$T/mt3"
cmp -s "$T/mt" "$T/mt2" && cmp -s "$T/mt3" <(jq -r '[.campaign_id, .day,
	.source, .network, .cost, .revenue, .sales, .conversions] | @tsv' "$T/mt") &&
	cmp -s <(LC_ALL=C sort "$T/mt3") "$T/mt3" && [ "$(wc -l <"$T/mt")" -gt 300 ]
ok $? "t/money-truth: --truth changes nothing (bots never buy); tsv; sorted"
mt --by=network,day >"$T/mtn"
jq -s -e 'length == 4 and (map(.network) | unique) == ["neta", "netb"]' \
	"$T/mtn" >/dev/null
ok $? "t/money-truth --by=network,day: neta and netb, each day"

# a restated spend row: its campaign-day's cost follows it, to the cent
awk -F, -v OFS=, 'NR == 2 { $4 = sprintf("%.2f", $4 + 0.01) } 1' \
	"$T/rs.csv" >"$T/rs4.csv"
"$top/t/money-truth" --spend="$T/rs4.csv" --revenue="$T/rrev.nd" \
	--fx="$T/rfx.csv" >"$T/mt4"
python3 "$T/total.py" "$T/rs4.csv" "$T/rsales.nd" >"$T/want4"
[ "$(diff "$T/mt" "$T/mt4" | grep -c '^[<>]')" = 2 ] &&
	[ "$(jq -r .cost "$T/want4")" = "$("$top/t/money-truth" \
	--spend="$T/rs4.csv" --revenue="$T/rrev.nd" --fx="$T/rfx.csv" --by= |
	jq -r .cost)" ] && [ "$(jq -r .cost "$T/want4")" != "$(jq -r .cost "$T/want")" ]
ok $? "t/money-truth: a restated spend row changes that campaign-day's cost"

# the basic mix: bots convert; --truth or the records' own flag drop them
gen-events -n 20000 --seed 8 --bot-rate 0.2 --truth-out "$T/bt.nd" \
	--spend-out "$T/bs.csv" --fx-out "$T/bfx.csv" --sales-out "$T/bsales.nd" \
	--revenue-out "$T/brev.nd" >/dev/null
b() { "$top/t/money-truth" --spend="$T/bs.csv" --revenue="$T/brev.nd" \
	--fx="$T/bfx.csv" --by= "$@" | jq -r .revenue; }
got=$(b --truth="$T/bt.nd")
[ -n "$got" ] && [ "$got" = "$(b)" ] &&
	[ "$got" = "$(python3 "$T/total.py" "$T/bs.csv" "$T/bsales.nd" |
	jq -r .revenue)" ] &&
	jq -e -s 'any(.[]; .filtered)' "$T/brev.nd" >/dev/null &&
	[ "$(jq -r .event_id "$T/brev.nd" | sort -u | wc -l)" = "$(wc -l <"$T/brev.nd")" ]
ok $? "--mix basic: the bots' records are dropped, the sales are what is left"

run "$top/t/money-truth" --spend="$T/rs.csv" --revenue="$T/rrev.nd" \
	--fx="$T/rfx.csv" --by=colour
check "t/money-truth --by=colour: usage error 64" 64 "$T/empty" "--by: 'colour'"
sed '3s/"amount":"[^"]*"/"amount":"1,5"/' "$T/rrev.nd" >"$T/rrevbad.nd"
run "$top/t/money-truth" --spend="$T/rs.csv" --revenue="$T/rrevbad.nd" \
	--fx="$T/rfx.csv"
check "t/money-truth: a bad amount is an error, 65, named" 65 "$T/empty" \
	"rrevbad.nd:3 amount: '1,5' is not a decimal"
run "$top/t/money-truth" --spend="$T/no-such" --revenue="$T/rrev.nd" \
	--fx="$T/rfx.csv"
check "t/money-truth: a missing file: 66" 66 "$T/empty" "cannot read"

# the mock's partners: their revenue totals are the truth's, per network
# and day; spend.csv and sales.ndjson read again when they change
mkdir "$T/data"
gen-events -n 6000 --seed 4 --days 2 --mix realistic \
	--spend-out "$T/data/spend.csv" --fx-out "$T/data/fx.csv" \
	--sales-out "$T/data/sales.ndjson" --revenue-out "$T/data/revenue.ndjson" \
	>"$T/data/events.ndjson"
mock-platform --data "$T/data" --port-file "$T/port" &
mock=$!
for _ in $(seq 300); do [ -s "$T/port" ] && break; sleep 0.1; done
url=http://127.0.0.1:$(cat "$T/port")
for d in 2026-11-20 2026-11-21; do
	curl -sf "$url/partners/v1/revenue?date=$d" | jq -c '.data[]'
done >"$T/partners"
"$top/t/money-truth" --spend="$T/data/spend.csv" \
	--revenue="$T/data/revenue.ndjson" --fx="$T/data/fx.csv" \
	--by=day,network | jq -c '{network, date: .day, revenue}' >"$T/want"
cmp -s "$T/partners" "$T/want" && [ "$(wc -l <"$T/want")" = 4 ]
ok $? "mock-platform /partners/v1/revenue: t/money-truth's revenue per network and day"
cmp -s "$T/partners" "$T/want" || diag "$(cat "$T/partners" "$T/want")"
c=$(grep -m1 ',google_ads,' "$T/data/spend.csv" | cut -d, -f1,2)
awk -F, -v OFS=, -v k="$c" '$1 "," $2 == k { $4 = "1234.56" } 1' \
	"$T/data/spend.csv" >"$T/sp.new" && mv "$T/sp.new" "$T/data/spend.csv"
grep -v '"day":"2026-11-21"' "$T/data/sales.ndjson" >"$T/sa.new" &&
	mv "$T/sa.new" "$T/data/sales.ndjson"
curl -sf "$url/neta/v2/spend?date=${c#*,}" |
	jq -e --arg c "${c%,*}" '.data[] | select(.campaign_id == $c) |
	.spend == 1234.56' >/dev/null &&
	curl -sf "$url/partners/v1/revenue?date=2026-11-21" |
	jq -e '.data == []' >/dev/null
ok $? "mock-platform: a restated spend.csv and sales.ndjson are served at once"
kill "$mock"
wait "$mock" 2>/dev/null
