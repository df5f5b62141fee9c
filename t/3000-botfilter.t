#!/bin/bash
# mp-botfilter: every rule, mode and option; range edges; bad list files;
# accuracy on the labelled user agents in t/3000-botfilter/.
. "$(dirname "$0")/lib.sh"
D=$top/t/3000-botfilter

# records with the given user agents, one a line, as NDJSON
uas() {
	jq -R -c '{ua: .}' "$@"
}

# --- the user-agent rule, with a list of our own
cat >"$T/l.list" <<'X'
# a test list
search-engine	googlebot
ai-crawler	re:\bgpt\w*bot\b
http-library curl/
crawler		re:\bbot\b
X
printf '%s\n' 'Mozilla/5.0 (compatible; Googlebot/2.1)' 'Mozilla GPTBot/1.0' \
    'a bot here' 'CUBOT X30' 'curl/8.5.0' 'Firefox' 'GOOGLEBOT curl/1' \
    'bot and googlebot' | uas >"$T/in"
run mp-botfilter --no-default-list -l "$T/l.list" --dropped="$T/drop" "$T/in"
printf '%s\n' '{"ua":"CUBOT X30"}' '{"ua":"Firefox"}' >"$T/want"
check "-l: bots dropped, humans pass byte for byte" 0 "$T/want" ""
is "$(jq -r .reason "$T/drop" | paste -sd' ')" \
    "ua:search-engine ua:ai-crawler ua:crawler ua:http-library ua:search-engine ua:search-engine" \
    "--dropped: each bot with its family; the first listed pattern wins"
is "$(jq -r '.line' "$T/drop" | paste -sd' ')" "1 2 3 5 7 8" \
    "--dropped keeps file and line"

# the shipped list comes after -l lists: -l can rename a family
printf 'my-family googlebot\n' >"$T/first.list"
printf '%s\n' 'Googlebot/2.1' | uas >"$T/g"
run mp-botfilter -l "$T/first.list" --tag "$T/g"
is "$(jq -r .bot.reason "$T/out")" "ua:my-family" "-l lists come before the shipped list"

# allow lists
printf '# exceptions\nour-monitor\tAcme-Uptime/\nin-app re:^Mozilla.*GoogleBot-Preview-Ours\n' >"$T/allow"
printf '%s\n' 'Acme-Uptime/1.0 bot' 'curl/8 Acme-Uptime/2' 'curl/8' \
    'Mozilla GoogleBot-Preview-Ours' | uas >"$T/in"
run mp-botfilter --no-default-list -l "$T/l.list" -a "$T/allow" \
    --stats="$T/st" "$T/in"
printf '%s\n' '{"ua":"Acme-Uptime/1.0 bot"}' '{"ua":"curl/8 Acme-Uptime/2"}' \
    '{"ua":"Mozilla GoogleBot-Preview-Ours"}' >"$T/want"
check "-a: allowed user agents pass the user-agent rule" 0 "$T/want" ""
jq -e '.ua_allowed == 3 and .flagged == 1 and .flagged_by == {"ua:http-library": 1}' \
    "$T/st" >/dev/null
ok $? "stats: ua_allowed, flagged, flagged_by"

# missing, null, empty and mistyped user agents
printf '%s\n' '{"a":1}' '{"ua":null}' '{"ua":""}' '{"ua":"Firefox"}' \
    '{"ua":7}' '{"ua":["x"]}' '{"ua":12}' >"$T/in"
run mp-botfilter --no-default-list --dropped="$T/drop" --rejects="$T/rej" "$T/in"
printf '{"ua":"Firefox"}\n' >"$T/want"
check "missing, null and empty user agents are dropped" 0 "$T/want" ""
is "$(jq -r .reason "$T/drop" | sort | uniq -c | tr -s ' ')" " 3 ua:missing" \
    "reason ua:missing"
is "$(jq -r '"\(.line) \(.reason)"' "$T/rej" | paste -sd,)" \
    "5 field '.ua' is not a string,6 field '.ua' is not a string,7 field '.ua' is not a string" \
    "a user agent that is not a string is rejected"
run mp-botfilter --no-default-list --ua-missing=pass --rejects=/dev/null "$T/in"
is "$(wc -l <"$T/out")" 4 "--ua-missing=pass lets them through"
run mp-botfilter --no-default-list --ua-missing=noua --tag --rejects=/dev/null "$T/in"
is "$(jq -r '.bot.reason // "-"' "$T/out" | paste -sd' ')" "noua noua noua -" \
    "--ua-missing=REASON names the reason"
run mp-botfilter --ua-missing= "$T/in"
check "--ua-missing with an empty reason: usage" 64 /dev/null "empty reason"

# -u names the field
printf '%s\n' '{"ua":"Firefox","h":{"user-agent":"curl/8"}}' >"$T/in"
run mp-botfilter --no-default-list -l "$T/l.list" -u '.h."user-agent"' "$T/in"
check "-u: the user agent at another path" 0 /dev/null ""
run mp-botfilter -u 'h' "$T/in"
check "-u with a bad path: usage" 64 /dev/null "^mp-botfilter: --ua: 'h'"

# --- bad list files: file and line, exit 78 (66 when unreadable)
# bad_file OPTION NAME CONTENT LINE MESSAGE
bad_file() {
	printf "$3" >"$T/bad.file"
	run mp-botfilter --no-default-list "$1" "$T/bad.file" /dev/null
	check "bad list ($1): $2" 78 /dev/null "^mp-botfilter: $T/bad.file:$4: $5"
}
bad_list() { bad_file -l "$@"; }
bad_cidr() { bad_file -c "$@"; }
bad_list "regex that does not compile" 'ok x\nbad re:(unclosed\n' 2 \
    "regular expression '\(unclosed': missing closing parenthesis"
bad_list "bad family" '# c\n\nBad_Family x\n' 3 "bad family 'Bad_Family'"
bad_list "family without a pattern" 'fam\n' 1 "empty pattern"
bad_list "empty regex" 'fam re:\n' 1 "empty pattern"
bad_list "over-long family" "$(printf 'a%.0s' $(seq 65)) x\n" 1 "bad family"
bad_list "NUL byte" 'fam a\0b\n' 1 "NUL byte in the line"
bad_cidr "NUL byte" '10.0.0.0/8\0\n' 1 "NUL byte in the line"
run mp-botfilter --no-default-list -l "$T/nonexistent" /dev/null
check "an unreadable list: 66" 66 /dev/null "nonexistent: No such file"
printf 'Bad x\n' >"$T/bad.list"
run mp-botfilter --no-default-list -a "$T/bad.list" /dev/null
check "bad allow list: 78" 78 /dev/null "bad.list:1: bad family"

# a regex that backtracks without end: the record is rejected, not guessed
printf 'evil re:(a+)+$\n' >"$T/evil.list"
printf '{"ua":"%s"}\n{"ua":"aaa"}\n' "$(printf 'a%.0s' $(seq 40))b" >"$T/in"
run mp-botfilter --no-default-list -l "$T/evil.list" --rejects="$T/rej" --tag "$T/in"
check "catastrophic backtracking: rejected with PCRE2's reason" 0 \
    <(echo '{"ua":"aaa","bot":{"reason":"ua:evil"}}') ""
is "$(jq -r .reason "$T/rej")" "user agent: pattern match failed: match limit exceeded" \
    "the reason names the limit"

# --- the shipped list: found beside the program, or under MP_DATADIR
mkdir -p "$T/data/bots"
printf 'custom Firefox\n' >"$T/data/bots/bots.list"
printf '{"ua":"Firefox"}\n{"ua":"Googlebot"}\n' >"$T/in"
MP_DATADIR=$T/data run mp-botfilter "$T/in"
check "MP_DATADIR: the shipped list is read from there" 0 <(echo '{"ua":"Googlebot"}') ""
MP_DATADIR=$T/nowhere run mp-botfilter "$T/in"
check "a missing shipped list: 66 and a hint" 66 /dev/null "no-default-list"
run mp-botfilter "$T/in"
check "the shipped list from the source tree" 0 <(echo '{"ua":"Firefox"}') ""

# an installed program finds the installed list, wherever the prefix
make -s -C "$top" install DESTDIR="$T/inst" PREFIX=/opt/mp >/dev/null 2>&1
cmp -s "$T/inst/opt/mp/share/mp/bots/bots.list" "$top/share/mp/bots/bots.list"
ok $? "make install puts the list in PREFIX/share/mp/bots"
printf '{"ua":"Firefox"}\n{"ua":"Googlebot"}\n' >"$T/in"
run "$T/inst/opt/mp/bin/mp-botfilter" "$T/in"
check "the installed program reads the installed list" 0 <(echo '{"ua":"Firefox"}') ""

# --- IP ranges
cat >"$T/dc.cidr" <<'X'
# datacenters
10.0.0.0/8
192.0.2.0/24	# documentation
2001:db8::/32
203.0.113.7
X
printf '10.1.0.0/16\n2001:db8:1::/48\n' >"$T/other.txt"
for ip in 9.255.255.255 10.0.0.0 10.1.2.3 10.255.255.255 11.0.0.0 \
    192.0.1.255 192.0.2.0 192.0.2.255 192.0.3.0 203.0.113.6 203.0.113.7 \
    203.0.113.8 ::ffff:10.0.0.1 ::FFFF:0a00:0001 ::10.0.0.1 \
    2001:db7:ffff:ffff:ffff:ffff:ffff:ffff 2001:db8:: 2001:db8:1::5 \
    2001:db8:ffff:ffff:ffff:ffff:ffff:ffff 2001:db9:: \
    010.0.0.1 10.1 0x0a.0.0.1 "10.0.0.1 " 10.0.0.1/32 fe80::1%eth0 \
    "[2001:db8::1]" 1::2::3 10.0.0.1:80 "" x; do
	jq -n -c --arg ip "$ip" '{ua: "Firefox", ip: $ip}'
done >"$T/in"
printf '%s\n' '{"ua":"Firefox","ip":3232235777}' '{"ua":"Firefox","ip":"10.0.0.\u0031"}' \
    '{"ua":"Firefox"}' '{"ua":"Firefox","ip":null}' >>"$T/in"
run mp-botfilter --no-default-list -c "$T/dc.cidr" -c "$T/other.txt" --tag \
    --stats="$T/st" "$T/in"
want="- ip:dc ip:dc ip:dc - - ip:dc ip:dc - - ip:dc - ip:dc ip:dc - - ip:dc ip:dc ip:dc -"
want="$want ip:invalid ip:invalid ip:invalid ip:invalid ip:invalid ip:invalid"
want="$want ip:invalid ip:invalid ip:invalid ip:invalid ip:invalid ip:invalid ip:dc - -"
is "$(jq -r '.bot.reason // "-"' "$T/out" | paste -sd' ')" "$want" \
    "ranges: first, last, one before and past each end; IPv4-mapped; strict parsing; JSON escapes decoded"
jq -e '.ip_missing == 2' "$T/st" >/dev/null
ok $? "a missing or null IP passes, counted as ip_missing"
run mp-botfilter --no-default-list -c other="$T/other.txt" -c "$T/dc.cidr" --tag "$T/in"
is "$(jq -r '.bot.reason // "-"' "$T/out" | sed -n '3p;18p' | paste -sd' ')" \
    "ip:other ip:other" "-c NAME=FILE; overlapping lists: the first given wins"
run mp-botfilter --no-default-list -c "$T/dc.cidr" --ip-missing=ip:none --tag "$T/in"
is "$(jq -r '.bot.reason // "-"' "$T/out" | tail -n 2 | paste -sd' ')" \
    "ip:none ip:none" "--ip-missing=REASON flags a missing IP"
printf '{"ua":"Firefox","client":{"addr":"10.9.9.9"},"ip":"8.8.8.8"}\n' >"$T/in2"
run mp-botfilter --no-default-list -c "$T/dc.cidr" -i .client.addr "$T/in2"
check "-i: the IP at another path" 0 /dev/null ""
cp "$T/dc.cidr" "$T/a.b.cidr"
run mp-botfilter --no-default-list -c "$T/a.b.cidr" --tag "$T/in2"
is "$(jq -r .bot.reason "$T/out")" "null" "an IP outside the ranges passes"
run mp-botfilter --no-default-list -c "$T/a.b.cidr" -i .client.addr --tag "$T/in2"
is "$(jq -r .bot.reason "$T/out")" "ip:a" "the reason: the file's base name up to a dot"

bad_cidr "host bits set" '10.0.0.0/8\n10.0.0.1/8\n' 2 "host bits set in '10.0.0.1/8'"
bad_cidr "prefix too long" '# x\n10.0.0.0/33\n' 2 "prefix length out of range"
bad_cidr "IPv6 prefix too long" '2001:db8::/129\n' 1 "prefix length out of range"
bad_cidr "not an address" 'example.com\n' 1 "invalid address in 'example.com'"
bad_cidr "octal" '010.0.0.0/8\n' 1 "invalid address"
bad_cidr "garbage after the range" '10.0.0.0/8 x\n' 1 "unexpected 'x' after the range"
bad_cidr "a range as two addresses" '10.0.0.0 - 10.0.0.255\n' 1 "unexpected '-"
run mp-botfilter --no-default-list -c "$T/none.cidr" /dev/null
check "an unreadable CIDR list: 66" 66 /dev/null "none.cidr: No such file"

# tens of thousands of ranges: addresses at and around their edges match
# as Python's ipaddress and a merged interval table say
python3 - "$T/big.cidr" "$T/big.in" "$T/big.want" <<'X'
import bisect, ipaddress, json, random, sys
r = random.Random(7)
nets = set()
while len(nets) < 30000:
    if r.random() < 0.8:
        n = ipaddress.ip_network((r.getrandbits(32), r.randint(12, 32)), strict=False)
    else:
        n = ipaddress.ip_network((r.getrandbits(128), r.randint(24, 128)), strict=False)
    nets.add(n)
nets = sorted(nets, key=lambda n: (n.version, n))
with open(sys.argv[1], "w") as f:
    for n in nets:
        f.write("%s\n" % n)
def table(v):
    iv = []
    for lo, hi in sorted((int(n.network_address), int(n.broadcast_address))
                         for n in nets if n.version == v):
        if iv and lo <= iv[-1][1] + 1:
            iv[-1][1] = max(iv[-1][1], hi)
        else:
            iv.append([lo, hi])
    return [a for a, b in iv], [b for a, b in iv]
tab = {4: table(4), 6: table(6)}
def hit(a):
    los, his = tab[a.version]
    i = bisect.bisect_right(los, int(a)) - 1
    return i >= 0 and int(a) <= his[i]
v4 = [n for n in nets if n.version == 4]
v6 = [n for n in nets if n.version == 6]
with open(sys.argv[2], "w") as fin, open(sys.argv[3], "w") as fw:
    for i in range(8000):
        k = i % 4
        if k in (0, 3):
            a = ipaddress.ip_address(r.getrandbits(32 if k == 0 else 128))
        else:
            n = r.choice(v4 if k == 1 else v6)
            top = 2**32 - 1 if k == 1 else 2**128 - 1
            c = r.choice([int(n.network_address), int(n.broadcast_address),
                          int(n.network_address) - 1, int(n.broadcast_address) + 1])
            a = ipaddress.ip_address(min(max(c, 0), top)) if k == 1 else \
                ipaddress.IPv6Address(min(max(c, 0), top))
        fin.write(json.dumps({"ua": "Firefox", "ip": str(a)}) + "\n")
        fw.write("%s\n" % ("ip:big" if hit(a) else "-"))
X
run mp-botfilter --no-default-list -c "$T/big.cidr" --tag "$T/big.in"
jq -r '.bot.reason // "-"' "$T/out" >"$T/big.got"
cmp -s "$T/big.got" "$T/big.want"
ok $? "30000 random ranges: 8000 lookups at and around their edges"

# lists made by scripts/cloud-ranges load as they are
cloud-ranges "$top/t/3001-cloud-ranges/aws.json" >"$T/aws.cidr" 2>/dev/null
ip=$(grep -v '^#' "$T/aws.cidr" | head -n 1 | cut -d/ -f1)
printf '{"ua":"Firefox","ip":"%s"}\n{"ua":"Firefox","ip":"192.0.2.1"}\n' "$ip" >"$T/in2"
run mp-botfilter --no-default-list -c "$T/aws.cidr" --tag "$T/in2"
is "$(jq -r '.bot.reason // "-"' "$T/out" | paste -sd' ')" "ip:aws -" \
    "a list from cloud-ranges flags its addresses"

# options from a file (-K)
cat >"$T/bf.conf" <<X
# bot filter of the pipeline
no-default-list
ua-list = $T/l.list
cidr-list = dc=$T/dc.cidr
tag = flag
ua-missing = pass
X
printf '{"ua":"curl/8"}\n{"ua":"Firefox","ip":"10.0.0.1"}\n{"ua":"Firefox"}\n' >"$T/in2"
run mp-botfilter -K "$T/bf.conf" "$T/in2"
is "$(jq -r '.flag.reason // "-"' "$T/out" | paste -sd' ')" "ua:http-library ip:dc -" \
    "-K: options from a file"

# --- rate
for s in 01 02 03 59; do
	printf '{"ua":"F","ip":"1.1.1.1","ts":"2026-11-20T00:00:%sZ"}\n' "$s"
done >"$T/in"
printf '%s\n' '{"ua":"F","ip":"1.1.1.1","ts":"2026-11-20T00:01:00Z"}' \
    '{"ua":"F","ip":"2.2.2.2","ts":"2026-11-20T00:00:30+00:00"}' \
    '{"ua":"F","ts":"2026-11-20T00:00:30Z"}' \
    '{"ua":"curl/8","ip":"1.1.1.1","ts":"2026-11-20T00:01:01Z"}' \
    '{"ua":"F","ip":"1.1.1.1","ts":"2026-11-20T00:01:02Z"}' \
    '{"ua":"F","ip":"1.1.1.1","ts":"2026-11-20T00:01:03Z"}' \
    '{"ua":"F","ip":"1.1.1.1"}' '{"ua":"F","ip":"1.1.1.1","ts":"yesterday"}' \
    '{"ua":"F","ip":"1.1.1.1","ts":1763596800}' \
    '{"ua":"F","ip":"1.1.1.1","ts":null}' >>"$T/in"
run mp-botfilter --no-default-list -l "$T/l.list" -r 2/1m --tag \
    --rejects="$T/rej" --stats="$T/st" "$T/in"
is "$(jq -r '.bot.reason // "-"' "$T/out" | paste -sd' ')" \
    "- - rate rate - - - ua:http-library - rate" \
    "-r 2/1m: the first 2 per IP per minute pass; windows align to the minute; bots do not count"
is "$(jq -r .reason "$T/rej" | paste -sd,)" \
    "missing field '.ts',field '.ts' is not an RFC 3339 time,field '.ts' is not an RFC 3339 time,field '.ts' is null" \
    "a missing or bad event time is rejected"
jq -e '.rate_unkeyed == 1 and .flagged_by.rate == 3' "$T/st" >/dev/null
ok $? "a record without the key passes, counted as rate_unkeyed"
printf '%s\n' '{"ua":"F","ip":"1.1.1.1","when":"2026-11-20T00:00:01Z","v":"a"}' \
    '{"ua":"F","ip":"1.1.1.1","when":"2026-11-20T00:00:02Z","v":"b"}' \
    '{"ua":"F","ip":"1.1.1.1","when":"2026-11-20T00:00:03Z","v":"a"}' \
    '{"ua":"F","ip":"1.1.1.1","when":"2026-11-20T00:00:04Z","v":"b"}' >"$T/in"
run mp-botfilter --no-default-list --max-rate=1/1h -k .ip,.v -T .when --tag "$T/in"
is "$(jq -r '.bot.reason // "-"' "$T/out" | paste -sd' ')" "- - rate rate" \
    "-k: a composite key; -T: the time at another path"
# a late record: its window two behind the newest is not counted, whatever
# else the table holds
{
	echo '{"ua":"F","ip":"9.9.9.9","ts":"2026-11-20T00:00:00Z"}'
	for i in $(seq 600); do
		printf '{"ua":"F","ip":"10.0.%d.%d","ts":"2026-11-20T01:00:00Z"}\n' $((i / 256)) $((i % 256))
	done
	echo '{"ua":"F","ip":"9.9.9.9","ts":"2026-11-20T00:00:30Z"}'
} >"$T/late"
run mp-botfilter --no-default-list -r 1/1m --tag --stats="$T/st" "$T/late"
is "$(tail -n 1 "$T/out" | jq -r '.bot.reason // "-"') $(jq .rate_late "$T/st")" "- 1" \
    "a record too late for its window passes uncounted (rate_late)"
run mp-botfilter --max-rate=1/1h --rate-key=.v --time=.when --no-default-list "$T/in"
is "$(wc -l <"$T/out")" 2 "long options --rate-key and --time"
for bad in 2 /1m 0/1m 2/ 2/1x 2/0s x/1m; do
	run mp-botfilter -r "$bad" /dev/null
	check "-r '$bad': usage" 64 /dev/null "^mp-botfilter: --max-rate: '$bad'"
done
run mp-botfilter -k '' /dev/null
check "-k with no path: usage" 64 /dev/null "^mp-botfilter: --rate-key"

# --- modes
printf '%s\n' '{"ua":"curl/8","n":1}' '{"ua":"Firefox","n":2}' \
    '{"ua":"Firefox","n":3,"meta":{"x":1}}' 'not json' >"$T/in"
run mp-botfilter --no-default-list -l "$T/l.list" --rejects="$T/rej" "$T/in"
printf '%s\n' '{"ua":"Firefox","n":2}' '{"ua":"Firefox","n":3,"meta":{"x":1}}' >"$T/want"
check "drop mode (the default)" 0 "$T/want" ""
is "$(jq -r .reason "$T/rej")" "invalid JSON: unexpected character 'n' at byte 1" \
    "a line that is not JSON is rejected"
run mp-botfilter --no-default-list -l "$T/l.list" "$T/in"
check "rejects not captured: exit 65" 65 "$T/want" "in:4: invalid JSON"
run mp-botfilter --no-default-list -l "$T/l.list" -s --rejects="$T/rej" "$T/in"
check "--strict stops at the first reject" 65 "$T/want" ""
run mp-botfilter --no-default-list -l "$T/l.list" --tag --rejects=/dev/null "$T/in"
printf '%s\n' '{"ua":"curl/8","n":1,"bot":{"reason":"ua:http-library"}}' \
    '{"ua":"Firefox","n":2}' '{"ua":"Firefox","n":3,"meta":{"x":1}}' >"$T/want"
check "--tag passes all and tags the bots" 0 "$T/want" ""
run mp-botfilter --no-default-list -l "$T/l.list" --tag=robot --rejects=/dev/null "$T/in"
is "$(head -n 1 "$T/out")" '{"ua":"curl/8","n":1,"robot":{"reason":"ua:http-library"}}' \
    "--tag=NAME"
run mp-botfilter --no-default-list -l "$T/l.list" --tag=.meta.bot --rejects=/dev/null "$T/in"
is "$(head -n 1 "$T/out")" '{"ua":"curl/8","n":1,"meta":{"bot":{"reason":"ua:http-library"}}}' \
    "--tag=PATH nests the tag"
run mp-botfilter --tag=.n.bot --no-default-list -l "$T/l.list" --rejects="$T/rej" "$T/in"
is "$(jq -r .reason "$T/rej" | head -n 1)" "cannot add '.n.bot': a parent is not an object" \
    "--tag through a non-object is rejected"
run mp-botfilter --tag='.a[0]' /dev/null
check "--tag with an index: usage" 64 /dev/null "not a field name"
run mp-botfilter --no-default-list -l "$T/l.list" -v --dropped="$T/drop" --rejects=/dev/null "$T/in"
check "-v passes only the bots" 0 <(echo '{"ua":"curl/8","n":1}') ""
is "$(jq -r .reason "$T/drop" | paste -sd' ')" "human human" "-v: humans dropped as human"
run mp-botfilter --no-default-list -l "$T/l.list" --invert --tag --rejects=/dev/null "$T/in"
check "--invert --tag: only bots, tagged" 0 \
    <(echo '{"ua":"curl/8","n":1,"bot":{"reason":"ua:http-library"}}') ""

# --- stats, metrics, nothing lost
scripts/gen-events -n 3000 --seed 3 --bad-rate 0.01 --cidr-out "$T/g.cidr" \
    >"$T/ev" 2>/dev/null
run mp-botfilter -c "$T/g.cidr" -r 50/1m --rejects="$T/rej" --dropped="$T/drop" \
    --stats="$T/st" --metrics="$T/prom" "$T/ev"
is "$(($(wc -l <"$T/out") + $(wc -l <"$T/rej") + $(wc -l <"$T/drop")))" \
    "$(grep -c . "$T/ev")" "every line ends up in exactly one place"
jq -e --argjson d "$(wc -l <"$T/drop")" '.dropped == $d and .flagged == $d and
    ([.flagged_by[]] | add) == $d and .dropped_by == .flagged_by' "$T/st" >/dev/null
ok $? "stats: dropped_by and flagged_by agree"
grep -q '^mp_flagged_by_total{prog="mp-botfilter",name="ip:g"} [1-9]' "$T/prom" &&
    grep -q '^mp_flagged_total{prog="mp-botfilter"} [1-9]' "$T/prom"
ok $? "metrics: flagged by reason"

# the generator's own ground truth: every bot and datacenter line, no other
scripts/gen-events -n 20000 --seed 5 --cidr-out "$T/g.cidr" --stats \
    >"$T/ev" 2>"$T/truth"
run mp-botfilter -c "$T/g.cidr" --ua-missing=pass --stats="$T/st" "$T/ev"
jq -e --slurpfile t "$T/truth" '.flagged == $t[0].bot_or_datacenter_lines' \
    "$T/st" >/dev/null
ok $? "generated events: flagged equals the generator's bot and datacenter lines ($(jq .flagged "$T/st") of $(jq .bot_or_datacenter_lines "$T/truth"))"

# --- hostile input never crashes
{
	printf '{"ua":"'; head -c 900000 /dev/zero | tr '\0' 'b'; printf ' bot"}\n'
	printf '{"ua":"%s"}\n' "$(printf 'a%.0s' $(seq 5000))"
	python3 -c 'print("[" * 100000)'
	printf '{"ua":"\\ud800"}\n{"ua":"\xff"}\n'
	printf '{"ua":"Mozilla \\u0000 bot"}\n'
} >"$T/in"
run mp-botfilter --rejects="$T/rej" --dropped="$T/drop" "$T/in"
is "$rc $(wc -l <"$T/out") $(wc -l <"$T/rej") $(wc -l <"$T/drop")" "0 1 3 2" \
    "a huge user agent, deep nesting, bad escapes, invalid UTF-8, NUL"

# --- accuracy on the labelled set
cut -f2 "$D/bots.tsv" | grep -v '^#' | uas >"$T/bots"
grep -v '^#' "$D/browsers.txt" | uas >"$T/humans"
nb=$(wc -l <"$T/bots") nh=$(wc -l <"$T/humans")
run mp-botfilter --tag "$T/bots"
flagged=$(jq -r 'select(.bot) | 1' "$T/out" | wc -l)
awk -v f="$flagged" -v n="$nb" 'BEGIN { exit !(n >= 300 && f >= 0.99 * n) }'
ok $? "bots flagged: $flagged of $nb (at least 99%)"
jq -r 'select(.bot == null) | .ua' "$T/out" | sed 's/^/# missed: /' >&2
run mp-botfilter --tag "$T/humans"
flagged=$(jq -r 'select(.bot) | 1' "$T/out" | wc -l)
is "$flagged" 0 "browsers flagged: $flagged of $nh"
[ "$nh" -ge 300 ]
ok $? "at least 300 browsers in the set ($nh)"
jq -r 'select(.bot) | "\(.bot.reason) \(.ua)"' "$T/out" | sed 's/^/# wrongly flagged: /' >&2

done_testing
