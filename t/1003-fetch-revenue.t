#!/bin/bash
# Revenue from three partners of three shapes (examples/revenue: a JSON
# API in cents, a EUR CSV report, NDJSON postbacks) made into the canonical
# fields by option files alone, through mp-fetch --map (mp-fetch.1,
# Records and pages): each lands exactly the records it must, every amount
# exact, valid against examples/schemas; and --map's failures are rejects
# or usage errors, never a record lost or a number rounded.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-fetch" ] || skip_all "cmd/mp-fetch is not built"
command -v python3 >/dev/null || skip_all "python3 is not installed"

ex=$top/examples/revenue
want=$top/t/1003-fetch-revenue.d
cd "$T" || exit 1

# valid FILE NAME: FILE's records pass the schema their type names, all
valid() {
	mp-validate --schema-dir="$top/examples/schemas" --schema-by=.type \
	    --stats="$T/vst" "$1" >/dev/null 2>"$T/verr"
	local st=$? n
	n=$(wc -l <"$1")
	is "$st $(jq -c '[.records_out, .rejected]' "$T/vst")" "0 [$n,0]" "$2"
	[ "$st" = 0 ] || diag "$(head -c 400 "$T/verr")"
}

# exact FILE RAW KIND NAME: each record's revenue is, as a decimal, what
# the partner's raw report says (python's Decimal, not mp): KIND is cents,
# csv or postbacks
exact() {
	python3 - "$1" "$2" "$3" <<'EOF'
import csv, io, json, sys
from decimal import Decimal
out, raw, kind = sys.argv[1:]
want = {}
if kind == "cents":
    for t in json.load(open(raw))["transactions"]:
        a = Decimal(t["amount_cents"]) / 100
        if t["status"] in ("approved", "reversed"):
            want["shopx-%s" % t["id"]] = a
        if t["status"] == "reversed":
            want["shopx-%s-reversal" % t["id"]] = -a
elif kind == "csv":
    text = open(raw, encoding="cp1252").read().splitlines()[1:]
    for r in csv.DictReader(text, delimiter=";"):
        if r["Order ID"] == "Total":
            continue
        a = Decimal(r["Commission"].replace(",", "."))
        rev = "-reversal" if r["Type"] == "cancellation" else ""
        want["eurads-" + r["Order ID"] + rev] = a
else:
    for line in open(raw):
        p = json.loads(line)
        a = Decimal(p["payout"])
        if p["event"] == "chargeback":
            want["affnet-%s-chargeback" % p["txn"]] = -a
        else:
            want["affnet-%s" % p["txn"]] = a
got = {}
for line in open(out):
    r = json.loads(line, parse_float=Decimal)
    got[r["event_id"]] = Decimal(str(r["revenue"]))
bad = [(k, str(got.get(k)), str(v)) for k, v in want.items()
       if got.get(k) != v] + [k for k in got if k not in want]
print(bad or "exact", "total", sum(got.values()))
EOF
}

# --- a. ShopX's JSON API in cents, through the mock as its proxy
mkdir -p www/v1 www/export
cp "$ex/shopx-transactions.json" www/v1/transactions.json
cp "$ex/eurads-commissions.csv" www/export/commissions.csv
mock m --files "$T/www"
SHOPX_KEY=k http_proxy=$B_m run mp-fetch -K "$ex/shopx.conf" \
    --from=2026-11-20 --to=2026-11-21 --fetched-field= --stats="$T/st"
check "shopx.conf: the API's transactions, canonical (a reversal: its sale and an adjustment; a pending one left)" \
    0 "$want/shopx.ndjson" ""
is "$(jq -c 'select(.path == "/v1/transactions.json") | .query' \
    "$T/m.log")" '"updated_from=2026-11-20&updated_to=2026-11-21"' \
    "...one request, the window's days in the query"
is "$(stat1 'records_out rejected pages')" \
    "records_out=6 rejected=0 pages=1" "...6 records, none rejected"
is "$(exact "$T/out" "$ex/shopx-transactions.json" cents)" \
    "exact total 1234587.99" \
    "...each amount the cents / 100, exactly"
cp "$T/out" shopx.out
valid shopx.out "...valid: postback.schema and adjustment.schema"

# fetched again (a later run's lookback): the same events, the same ids
SHOPX_KEY=k http_proxy=$B_m run mp-fetch -K "$ex/shopx.conf" \
    --from=2026-11-20 --to=2026-11-21
is "$(jq -r '.fetched_at | test("^20[0-9-]+T[0-9:]+Z$")' "$T/out" |
    sort -u)" true "...a run as the file is: fetched_at added after --map"
is "$(jq -r .event_id "$T/out" | md5sum)" \
    "$(jq -r .event_id "$want/shopx.ndjson" | md5sum)" \
    "...fetched again, the same event_ids (a re-delivery is the same event)"

# --- b. EurAds' CSV report in EUR: a local file, and a download
run mp-fetch -K "$ex/eurads.conf" --fetched-field= --stats="$T/st" \
    "$ex/eurads-commissions.csv"
check "eurads.conf: the report's rows, canonical, in EUR (--tag after --map)" \
    0 "$want/eurads.ndjson" ""
is "$(stat1 'records_out footer_rows rejected')" \
    "records_out=5 footer_rows=1 rejected=0" \
    "...the totals row dropped by --footer before --map saw it"
is "$(exact "$T/out" "$ex/eurads-commissions.csv" csv)" \
    "exact total 1234568.00" "...each amount the report's, exactly"
cp "$T/out" eurads.out
valid eurads.out "...valid: postback.schema and adjustment.schema"
http_proxy=$B_m run mp-fetch -K "$ex/eurads.conf" --fetched-field= \
    http://reports.eurads.example/export/commissions.csv
check "eurads.conf: the same report downloaded, the same records" 0 \
    "$want/eurads.ndjson" ""

# --- c. AffNet's postbacks as a webhook collector writes them
run mp-fetch -K "$ex/affnet.conf" --fetched-field= \
    "$ex/affnet-postbacks.ndjson"
check "affnet.conf: the postbacks, canonical, amounts the strings sent" 0 \
    "$want/affnet.ndjson" ""
is "$(jq -r .event_id "$T/out" | sort -u | wc -l)" 5 \
    "...a postback delivered twice: one event_id"
is "$(exact "$T/out" "$ex/affnet-postbacks.ndjson" postbacks)" \
    "exact total 1234568.00" "...each amount the postback's, exactly"
cp "$T/out" affnet.out
valid affnet.out "...valid: postback.schema and adjustment.schema"
IN=$ex/affnet-postbacks.ndjson run mp-fetch -K "$ex/affnet.conf" \
    --fetched-field=
check "affnet.conf: the collector's lines on standard input, the same" 0 \
    "$want/affnet.ndjson" ""

# --- --map: a record it cannot make is rejected, with the reason
printf '%s\n' '{"txn":"T-1","event":"sale"}' >one.ndjson
mapcase() {
	local name=$1 prog=$2 why=$3
	run mp-fetch --fetched-field= --map="$prog" one.ndjson
	check "--map=$prog: $name: a reject, 65" 65 /dev/null \
	    "^mp-fetch: file://$T/one.ndjson:1: --map: $why\$"
}
mapcase "no output" 'empty' 'no output'
mapcase "null" 'null' 'the output is null, not an object'
mapcase "a string" '.txn' 'the output is a string, not an object'
mapcase "an array" '[.]' 'the output is an array, not an object'
mapcase "two records" '., .' 'more than one output'
mapcase "jq's error" 'error("no \(.txn)")' 'no T-1'
mapcase "an error after its record" '., error("late")' 'late'
mapcase "a sum a double rounds" '{r: (0.1 + 0.2)}' \
    "the output's number 0.30000000000000004 is not exact \\(more than 15 digits\\)"
printf '%s\n' '{"id":12345678901234567,"c":1}' >long.ndjson
run mp-fetch --map='{c}' long.ndjson
check "--map: a record with a number jq would round: a reject" 65 \
    /dev/null 'long.ndjson:1: --map: jq would round the number 12345678901234567'
printf '%s\n' '{"id":123456789012345,"c":1.5}' >edge.ndjson
run mp-fetch --fetched-field= --map='{id, c, r: (.id / 100)}' edge.ndjson
echo '{"id":123456789012345,"c":1.5,"r":1234567890123.45,"fetch_source":"file"}' >edge.want
check "--map: 15 digits pass as they are, and / 100 of them is exact" 0 \
    edge.want ""
printf '%s\n' '{"c":1234567890123456}' >edge.ndjson
run mp-fetch --map='{c}' edge.ndjson
check "--map: 16 digits are refused, though a double holds this integer" \
    65 /dev/null 'jq would round the number 1234567890123456 '

# rejects kept: the others go on, exit 0; the reject holds the record
cat "$ex/affnet-postbacks.ndjson" >mixed.ndjson
printf '%s\n' '{"txn":"T-9005","clickid":"clk-c5","offer":"cmp-301","payout":"5.00","cur":"usd","event":"refund","ts":"1795194000"}' >>mixed.ndjson
run mp-fetch -K "$ex/affnet.conf" --fetched-field= --rejects=rej.ndjson \
    --stats="$T/st" mixed.ndjson
check "affnet.conf: an unknown event rejected, the other lines written" 0 \
    "$want/affnet.ndjson" ""
jqok rej.ndjson '.reason == "--map: unknown event '"'"'refund'"'"'" and
    .line == 7 and (.record | fromjson | .txn) == "T-9005"' \
    "...the reject: jq's error, the line, the record as it came"
is "$(stat1 'records_out rejected')" "records_out=6 rejected=1" \
    "...counted as rejected"
run mp-fetch -s -K "$ex/affnet.conf" --fetched-field= mixed.ndjson
is "$rc $(wc -l <"$T/out")" "65 0" \
    "...with -s the page stops at it, nothing written"

# a CSV row's reject names its line in the file
{
	iconv -f windows-1252 -t utf-8 "$ex/eurads-commissions.csv" |
	    sed '4s/;sale;/;bonus;/'
} | iconv -f utf-8 -t windows-1252 >bonus.csv
run mp-fetch -K "$ex/eurads.conf" --fetched-field= --rejects=rej.ndjson \
    bonus.csv
is "$rc $(wc -l <"$T/out") $(jq -c '[.line, .reason]' rej.ndjson)" \
    "0 4 [4,\"--map: unknown Type 'bonus'\"]" \
    "eurads.conf: a row of an unknown Type rejected at its line (4)"

# mp-fetch(1)'s example: the report's own names made ours
mkdir revenue && cp "$ex/eurads-commissions.csv" revenue/
run mp-fetch --encoding=windows-1252 --separator=';' --skip-rows=1 \
    --footer='."Order ID" == "Total"' --decimal-comma \
    --field=Commission:money \
    --map='{order: ."Order ID", click_id: ."Click Ref", revenue: .Commission}' \
    revenue/eurads-commissions.csv
is "$rc $(jq -c '[.order, .click_id, .revenue]' "$T/out" | tr '\n' ' ')" \
    '0 ["EA-5001","clk-b1",0.1] ["EA-5002","clk-b2",19.99] ["EA-5003","clk-b3",1234567.89] ["EA-5004","clk-b4",0.01] ["EA-4990","clk-b0",-19.99] ' \
    "mp-fetch(1)'s example: the CSV's names, the amounts exact"

# --map sees the cells typed by --field, and the CSV's own names
printf 'a;b\n1,50;x\n' >typed.csv
run mp-fetch --separator=';' --decimal-comma --field=a:money \
    --fetched-field= --map='{t: (.a | type), a, "b b": .b}' typed.csv
echo '{"t":"number","a":1.5,"b b":"x","fetch_source":"file"}' >typed.want
check "--map after --field: a money cell is a number" 0 typed.want ""

# usage: a program that does not compile, on the command line or in -K
run mp-fetch --map='{a:' one.ndjson
check "--map that does not compile: 64" 64 /dev/null \
    "^mp-fetch: --map: '\\{a:': jq: error"
printf 'map = {event_id: .x\n' >bad.conf
run mp-fetch -K bad.conf one.ndjson
check "--map that does not compile, in an option file: 64" 64 /dev/null \
    "^mp-fetch: --map: '\\{event_id: .x': "
run mp-fetch -K "$T/missing.conf" one.ndjson
check "an option file that cannot be read: 78" 78 /dev/null \
    "missing.conf"

# --- cents / 100 in jq: exact, or rejected; never a wrong amount
python3 - >cents.ndjson <<'EOF'
import random
random.seed(19)
ns = list(range(-2000, 100001)) + [10**13 - 1, 10**15 - 1, 2**53]
ns += [random.randrange(10**15) for _ in range(50000)]
ns += [random.randrange(10**15, 2**53) for _ in range(20000)]
for n in ns:
    print('{"c":%d}' % n)
EOF
run mp-fetch --fetched-field= --source-field= --map='{c, r: (.c / 100)}' \
    --rejects=crej.ndjson cents.ndjson
is "$(python3 - "$T/out" crej.ndjson <<'EOF'
import json, sys
from decimal import Decimal
small = big = wrong = 0
for line in open(sys.argv[1]):
    r = json.loads(line, parse_float=Decimal)
    if Decimal(str(r["r"])) != Decimal(r["c"]) / 100:
        wrong += 1
    if abs(r["c"]) < 10**15:
        small += 1
    else:
        big += 1
rej = [json.loads(json.loads(l)["record"])["c"] for l in open(sys.argv[2])]
print("wrong", wrong, "small", small, "rejected below 10^15",
      sum(abs(c) < 10**15 for c in rej), "big ok", big > 0,
      "big rejected", len(rej) > 0)
EOF
)" "wrong 0 small 152003 rejected below 10^15 0 big ok True big rejected True" \
    "cents / 100: every amount below 10^15 cents exact; above, exact or rejected"

done_testing
