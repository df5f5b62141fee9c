#!/bin/bash
# scripts/gen-events, the synthetic events every other test stands on:
# deterministic, exactly -n lines, valid events, --stats that tell the
# truth, and broken lines (--bad-rate) that really are broken.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 not installed"
command -v jq >/dev/null || skip_all "jq not installed"
plan 29

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
