#!/bin/bash
# mp-enrich without a server: every table format and value type, the added
# fields and the bytes around them, key expressions, tables in priority
# order and their options, duplicate keys, --unmatched, cost allocation
# (two passes, --count-column, exact to the micro-unit on generated
# events), currency conversion, bad input, usage errors, stats, metrics
# and -K.  The pg: tables are in t/5001-enrich-pg.t.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-enrich" ] || skip_all "cmd/mp-enrich is not built"
command -v python3 >/dev/null || skip_all "python3 is not installed"

# --- helpers
# h: Python helpers reading JSON text as it is written (jq reads numbers
# as doubles and cannot say how a value was written)
H=$T/h.py
cat >"$H" <<'PY'
import csv, json, re, sys

dec = json.JSONDecoder()
WS = " \t\r\n"
NUM = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
DECIMAL = re.compile(r"(-?)([0-9]+)(?:\.([0-9]{1,6}))?")


def skip(s, i):
    while i < len(s) and s[i] in WS:
        i += 1
    return i


def members(s):
    """The top-level members of the JSON object s: (key, member text,
    value text), the texts as they are written."""
    i = skip(s, 0)
    if s[i:i + 1] != "{":
        raise ValueError("not an object")
    i = skip(s, i + 1)
    out = []
    if s[i:i + 1] == "}":
        return out
    while True:
        k0 = i
        key, i = dec.raw_decode(s, i)
        i = skip(s, i)
        if s[i:i + 1] != ":":
            raise ValueError("no colon at %d" % i)
        i = skip(s, i + 1)
        v0 = i
        _, i = dec.raw_decode(s, i)
        out.append((key, s[k0:i], s[v0:i]))
        i = skip(s, i)
        if s[i:i + 1] == ",":
            i = skip(s, i + 1)
        elif s[i:i + 1] == "}":
            if s[skip(s, i + 1):]:
                raise ValueError("text after the object")
            return out
        else:
            raise ValueError("bad separator at %d" % i)


def lines(f):
    with open(f, "rb") as fh:
        d = fh.read().decode("utf-8", "surrogateescape")
    if d.endswith("\n"):
        d = d[:-1]
    return d.split("\n") if d else []


def micros(t):
    """Exact micro-units of decimal text (a JSON number or string)."""
    if t.startswith('"'):
        t = json.loads(t)
    m = DECIMAL.fullmatch(t)
    if not m:
        raise ValueError("not an exact decimal: %r" % t)
    v = int(m.group(2)) * 10**6 + int((m.group(3) or "").ljust(6, "0"))
    return -v if m.group(1) else v


def rest(a, b, added):
    """Each line of b is the line of a with the members named in added
    spliced in or replaced: every other member byte for byte, no key
    twice, and a line without any added member is the line of a."""
    added = set(x for x in added.split(",") if x)
    la, lb = lines(a), lines(b)
    bad = []
    if len(la) != len(lb):
        bad.append("%d lines, want %d" % (len(lb), len(la)))
    for n, (x, y) in enumerate(zip(la, lb), 1):
        try:
            mb = members(y)
            keys = [k for k, _, _ in mb]
            if len(keys) != len(set(keys)):
                bad.append("line %d: a key twice" % n)
            elif not any(k in added for k in keys):
                if x != y:
                    bad.append("line %d: not byte for byte" % n)
            else:
                ma = members(x)
                if [t for k, t, _ in ma if k not in added] != \
                        [t for k, t, _ in mb if k not in added]:
                    bad.append("line %d: other members differ" % n)
        except ValueError as e:
            bad.append("line %d: %s" % (n, e))
    for x in bad[:5]:
        print(x)
    return 1 if bad else 0


def raw(f, field):
    """The value text of a top-level field of each line, - when absent."""
    for l in lines(f):
        try:
            v = [t for k, _, t in members(l) if k == field]
            print(v[0] if v else "-")
        except ValueError:
            print("!")
    return 0


def rawmicros(f, field):
    """Micro-units of a field of each line, - when absent, ! and the text
    when it is not a JSON number of exact decimal text."""
    for l in lines(f):
        try:
            v = [t for k, _, t in members(l) if k == field]
            if not v:
                print("-")
            elif not NUM.fullmatch(v[0]):
                print("!" + v[0])
            else:
                print(micros(v[0]))
        except ValueError:
            print("!")
    return 0


def part(s, n, i):
    return (s * (i + 1)) // n - (s * i) // n


def alloc(table, events, out, mode, name, field):
    """Checks a run of mp-enrich -k campaign_id -k date=.ts[0:10]
    -a network --allocate=spend=FIELD --allocate-to=click over EVENTS
    (every line passes) with TABLE (campaign_id,date,network,spend,
    clicks) named NAME: the ith click of a row gets part i of n (the
    man page's formula), n the row's clicks in EVENTS (mode pass) or its
    clicks column (mode count), 0 past n; every part a JSON number within
    one micro-unit of the even share; the parts of a row that got all n
    sum to its spend; other events of a row get FIELD 0; a matched
    line gets network and cost_source, its other members byte for byte;
    other lines pass byte for byte.  Prints what it found, as JSON."""
    rows = {}
    with open(table, newline="") as fh:
        for r in csv.DictReader(fh):
            rows[(r["campaign_id"], r["date"])] = {
                "spend": micros(r["spend"]), "net": r["network"],
                "count": int(r["clicks"]), "got": [], "n": 0}
    li, lo = lines(events), lines(out)
    bad = []
    if len(li) != len(lo):
        bad.append("%d lines out, %d in" % (len(lo), len(li)))
    evs = []
    for l in li:
        e = json.loads(l)
        cid, ts = e.get("campaign_id"), e.get("ts")
        k = (cid, ts[0:10]) if isinstance(cid, str) and \
            isinstance(ts, str) else None
        k = k if k in rows else None
        evs.append((e, k))
        if k and e.get("type") == "click":
            rows[k]["n"] += 1
    seen = {}
    allocated = excess = 0
    for ln, ((e, k), x, y) in enumerate(zip(evs, li, lo), 1):
        if not k:
            if x != y:
                bad.append("line %d: unmatched, not byte for byte" % ln)
            continue
        r = rows[k]
        try:
            ma, mb = members(x), members(y)
        except ValueError as err:
            bad.append("line %d: %s" % (ln, err))
            continue
        got = {kk: t for kk, _, t in mb}
        if len(got) != len(mb):
            bad.append("line %d: a key twice" % ln)
        other = {field, "network", "cost_source"}
        if [t for kk, t, _ in ma if kk not in other] != \
                [t for kk, t, _ in mb if kk not in other]:
            bad.append("line %d: other members differ" % ln)
        if got.get("network") != json.dumps(r["net"]) or \
                got.get("cost_source") != json.dumps(name):
            bad.append("line %d: network %s, cost_source %s" %
                       (ln, got.get("network"), got.get("cost_source")))
        if e.get("type") != "click":
            if got.get(field) != "0":
                bad.append("line %d: not a click, %s %s, want 0" %
                           (ln, field, got.get(field)))
            continue
        i = seen.get(k, 0)
        seen[k] = i + 1
        n = r["n"] if mode == "pass" else r["count"]
        t = got.get(field)
        if t is None or not NUM.fullmatch(t):
            bad.append("line %d: %s %s is not a JSON number" % (ln, field, t))
            continue
        v = micros(t)
        if i >= n:
            excess += 1
            if v != 0:
                bad.append("line %d: past the count, got %s" % (ln, t))
            continue
        allocated += 1
        r["got"].append(v)
        if v != part(r["spend"], n, i):
            bad.append("line %d: part %d of %d of %d is %d, want %d" %
                       (ln, i, n, r["spend"], v, part(r["spend"], n, i)))
        if abs(v * n - r["spend"]) > n:
            bad.append("line %d: %d is not within 1 of %d/%d" %
                       (ln, v, r["spend"], n))
    unalloc = summed = short = 0
    for k, r in rows.items():
        n = r["n"] if mode == "pass" else r["count"]
        if n > 0 and len(r["got"]) == n:
            summed += 1
            if sum(r["got"]) != r["spend"]:
                bad.append("row %s: parts sum to %d, spend %d" %
                           (k, sum(r["got"]), r["spend"]))
        elif n > 0:
            short += 1
        unalloc += r["spend"] - sum(r["got"])
    print(json.dumps({"rows": len(rows), "rows_summed": summed,
                      "rows_short": short, "allocated": allocated,
                      "excess": excess, "unallocated_micros": unalloc,
                      "bad": len(bad), "first_bad": bad[:8]}))
    return 0


def clicks(table, events):
    """The rows whose clicks column is not the number of click events of
    the campaign and day in EVENTS."""
    n = {}
    for l in lines(events):
        e = json.loads(l)
        if e.get("type") == "click":
            k = (e.get("campaign_id"), e.get("ts", "")[0:10])
            n[k] = n.get(k, 0) + 1
    with open(table, newline="") as fh:
        for r in csv.DictReader(fh):
            k = (r["campaign_id"], r["date"])
            if int(r["clicks"]) != n.get(k, 0):
                print("%s %s: %s clicks, events have %d" %
                      (k[0], k[1], r["clicks"], n.get(k, 0)))
    return 0


def fx(events, table, out, code):
    """Checks a conversion of EVENTS into CODE by TABLE (date,currency,
    rate): revenue and cost in micro-units times the rate of the event's
    UTC day (or of the latest of the 6 days before), rounded half away
    from zero; the currency set to code; fx the original amounts; events
    with no rate left out of OUT; the rest byte for byte."""
    import datetime
    from decimal import Decimal
    rates = {}
    with open(table, newline="") as fh:
        for r in csv.DictReader(fh):
            rates[(r["date"], r["currency"])] = Decimal(r["rate"])
    lo = iter(lines(out))
    bad, conv, rej = [], 0, 0
    for ln, x in enumerate(lines(events), 1):
        e = json.loads(x)
        cur = e.get("currency")
        if cur is None or cur == code:
            if next(lo, None) != x:
                bad.append("line %d: not byte for byte" % ln)
            continue
        day = datetime.datetime.fromisoformat(
            e["ts"].replace("Z", "+00:00")).astimezone(
            datetime.timezone.utc).date()
        rate = None
        for d in range(7):
            rate = rates.get((str(day - datetime.timedelta(days=d)), cur))
            if rate is not None:
                break
        if rate is None:
            rej += 1
            continue
        y = next(lo, None)
        conv += 1
        try:
            ma, mb = members(x), members(y)
        except (ValueError, TypeError) as err:
            bad.append("line %d: %s" % (ln, err))
            continue
        a, b = {k: t for k, _, t in ma}, {k: t for k, _, t in mb}
        if [t for k, t, _ in ma if k not in ("cost", "revenue", "currency")] \
                != [t for k, t, _ in mb if k not in
                    ("cost", "revenue", "currency", "fx")]:
            bad.append("line %d: other members differ" % ln)
        if b.get("currency") != json.dumps(code):
            bad.append("line %d: currency %s" % (ln, b.get("currency")))
        f = json.loads(b.get("fx", "null"))
        if not isinstance(f, dict) or f.get("from") != cur or \
                Decimal(str(f.get("rate"))) != rate:
            bad.append("line %d: fx %s" % (ln, b.get("fx")))
            continue
        for k in ("cost", "revenue"):
            if k not in a:
                if k in b or k in f:
                    bad.append("line %d: %s appeared" % (ln, k))
                continue
            m = micros(a[k]) * rate
            want = int(m.to_integral_value(rounding="ROUND_HALF_UP"))
            if not NUM.fullmatch(b.get(k, "")) or micros(b[k]) != want:
                bad.append("line %d: %s %s * %s is %s, want %d micro" %
                           (ln, k, a[k], rate, b.get(k), want))
            if Decimal(str(f.get(k))) != Decimal(a[k]):
                bad.append("line %d: fx.%s %s, was %s" %
                           (ln, k, f.get(k), a[k]))
    if next(lo, None) is not None:
        bad.append("more lines out than expected")
    print(json.dumps({"converted": conv, "rejected": rej, "bad": len(bad),
                      "first_bad": bad[:8]}))
    return 0


def rejok(rej, events):
    """Each reject names prog, file, line and a reason, and holds the
    line of EVENTS it names, as record or record_b64."""
    import base64
    with open(events, "rb") as fh:
        li = fh.read().split(b"\n")
    n = 0
    for l in lines(rej):
        r = json.loads(l)
        n += 1
        line = r.get("line")
        if r.get("prog") != "mp-enrich" or r.get("file") != events or \
                not isinstance(line, int) or not r.get("reason"):
            print("bad reject: %s" % l[:200])
            return 1
        want = li[line - 1].rstrip(b"\r")
        got = base64.b64decode(r["record_b64"]) if "record_b64" in r \
            else r.get("record", "").encode("utf-8", "surrogatepass")
        if got != want:
            print("line %d: record differs" % line)
            return 1
    return 0 if n else 1


def nest(depth, kind):
    """A line nested depth levels deep: an object around arrays, or
    arrays alone."""
    if kind == "obj":
        print('{"a":' + "[" * (depth - 1) + "]" * (depth - 1) + "}")
    else:
        print("[" * depth + "]" * depth)
    return 0


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "nest":
        sys.exit(nest(int(args[0]), args[1]))
    sys.exit(globals()[cmd](*args))
PY
h() { python3 "$H" "$@"; }

# checkj NAME WANT_RC WANT WANT_ERR_PATTERN [INPUT ADDED]: check, with
# stdout compared as JSON values line by line (WANT holds them); with
# INPUT, each output line is that line of INPUT with the ADDED fields
# (comma-separated top-level names) spliced in: the other members byte
# for byte, no key twice, a line with none of them the same bytes
checkj() {
	local name=$1 wrc=$2 want=$T/cj.want werr=$4 in= add=${6:-} bad=
	cat "$3" >"$want"
	[ -n "${5:-}" ] && in=$T/cj.in && cat "$5" >"$in"
	[ "$rc" = "$wrc" ] || bad="status $rc, want $wrc"
	if [ -z "$bad" ] && ! ndjson_eq "$T/out" "$want"; then
		bad="stdout differs: $(diff <(jq -S -c . "$T/out" 2>&1) \
		    <(jq -S -c . "$want") | head -c 600)"
	fi
	if [ -z "$bad" ] && [ -n "$in" ] &&
	    ! h rest "$in" "$T/out" "$add" >"$T/rest" 2>&1; then
		bad="bytes: $(head -c 400 "$T/rest")"
	fi
	verdict "$name" "$bad" "$werr"
}
# lines FILE N...: those lines of FILE
lines() { local f=$1; shift; for n; do sed -n "${n}p" "$f"; done; }
# field FILE FILTER: FILTER over each JSON line of FILE, on one line
field() { jq -r "$2" "$1" | paste -sd'|' -; }
# raw FILE FIELD: the field's text as written on each line, on one line
raw() { h raw "$1" "$2" | paste -sd'|' -; }
# mic FILE FIELD: the field's micro-units on each line, on one line
mic() { h rawmicros "$1" "$2" | paste -sd' ' -; }
# rejok FILE INPUT: each reject has prog, file, line, a reason and the
# line of INPUT it names, byte for byte (or as record_b64)
rejok() { h rejok "$1" "$2"; }
# nocrash: the last run ended by itself (no signal, no internal error)
nocrash() { [ "$rc" -lt 70 ] || [ "$rc" = 73 ] || [ "$rc" = 74 ]; }

cd "$T" || exit 1

# --- table formats: CSV (quotes, commas and line ends inside them, a
# byte order mark, CRLF), TSV, NDJSON and .jsonl, --format
printf 'id,name,note,n\r\n1,plain,"a, b",7\r\n2,"say ""hi""","two\nlines",\r\n"3",é😀,"",8\r\n' \
    >"$T/q.csv"
cat >"$T/in" <<'X'
{"id":"1","x":1}
{"id" : "2",  "nested":{"name":"keep"}}
{"id":"3","name":"old","z":[1, 2.50]}
{"id":"4","name":"no match", "w":1.0}
X
cat >"$T/want" <<'X'
{"id":"1","x":1,"name":"plain","note":"a, b","n":"7","cost_source":"q"}
{"id":"2","nested":{"name":"keep"},"name":"say \"hi\"","note":"two\nlines","cost_source":"q"}
{"id":"3","name":"é😀","z":[1,2.5],"n":"8","cost_source":"q"}
{"id":"4","name":"no match","w":1.0}
X
run mp-enrich -k id -t "$T/q.csv" "$T/in"
checkj "csv: CRLF, quoted fields, doubled quotes, a line end in quotes; empty cells add nothing; strings by default" \
    0 "$T/want" "" "$T/in" name,note,n,cost_source
printf '\357\273\277' | cat - "$T/q.csv" >"$T/bom.csv"
run mp-enrich -k id -t "$T/bom.csv" "$T/in"
checkj "csv: a byte order mark before the header" 0 \
    <(sed 's/"q"/"bom"/' "$T/want") "" "$T/in" name,note,n,cost_source
run mp-enrich --key=id --table="$T/q.csv" --rejects="$T/rej" \
    --stats="$T/st" "$T/in"
checkj "--key, --table: the same" 0 "$T/want" "" "$T/in" \
    name,note,n,cost_source
jqok "$T/st" '.records_in == 4 and .records_out == 4 and .matched == {"q": 3}
    and .unmatched == 1 and .table_rows == {"q": 3}' \
    "stats: matched and table_rows by table name, unmatched"

printf 'id\tv\tw\n1\t"x"\ta,b\n2\t\t"y z"\n' >"$T/tt.tsv"
cat >"$T/in" <<'X'
{"id":"1"}
{"id":"2"}
X
cat >"$T/want" <<'X'
{"id":"1","v":"\"x\"","w":"a,b","cost_source":"tt"}
{"id":"2","w":"\"y z\"","cost_source":"tt"}
X
run mp-enrich -k id -t "$T/tt.tsv" "$T/in"
checkj "tsv: tabs, no quoting (quotes and commas are text)" 0 "$T/want" "" \
    "$T/in" v,w,cost_source

cat >"$T/nd.ndjson" <<'X'
{"id":"1","v":12.50,"s":"\u00e9","o":{"a":[1, 2]}}
{"id":"2","v":-1,"extra":true}
{"o":"third","id":"3","s":null}
X
cat >"$T/in" <<'X'
{"id":"1"}
{"id":"2"}
{"id":"3","v":"old"}
X
cat >"$T/want" <<'X'
{"id":"1","v":12.5,"s":"é","o":{"a":[1,2]},"cost_source":"nd"}
{"id":"2","v":-1,"cost_source":"nd"}
{"id":"3","v":"old","s":null,"o":"third","cost_source":"nd"}
X
run mp-enrich -k id -t "$T/nd.ndjson" "$T/in"
checkj "ndjson: the first row's members are the columns; a missing member adds nothing" \
    0 "$T/want" "" "$T/in" v,s,o,cost_source
is "$(raw "$T/out" v)|$(raw "$T/out" s)|$(raw "$T/out" o)" \
    '12.50|-1|"old"|"\u00e9"|-|null|{"a":[1, 2]}|-|"third"' \
    "ndjson: values added as they are written in the table"
cp "$T/nd.ndjson" "$T/nd.jsonl"
run mp-enrich -k id -t "$T/nd.jsonl" "$T/in"
checkj ".jsonl is NDJSON" 0 "$T/want" "" "$T/in" v,s,o,cost_source

cp "$T/q.csv" "$T/q.txt"
cp "$T/tt.tsv" "$T/tt.dat"
cp "$T/nd.ndjson" "$T/nd.json"
printf '{"id":"1"}\n{"id":"2"}\n{"id":"3"}\n' >"$T/in"
cat >"$T/want" <<'X'
{"id":"1","name":"plain","note":"a, b","n":"7","cost_source":"q"}
{"id":"2","w":"\"y z\"","cost_source":"tt"}
{"id":"3","s":null,"o":"third","cost_source":"nd"}
X
run mp-enrich -k id -t "$T/nd.json" --format=ndjson -t "$T/tt.dat" \
    --format=tsv -t "$T/q.txt" --format=csv <(lines "$T/in" 3)
checkj "--format=ndjson for a name that does not say" 0 <(lines "$T/want" 3) \
    "" <(lines "$T/in" 3) s,o,cost_source
run mp-enrich -k id -t "$T/tt.dat" --format=tsv -t "$T/q.txt" --format=csv \
    <(lines "$T/in" 2)
checkj "--format=tsv" 0 <(lines "$T/want" 2) "" <(lines "$T/in" 2) \
    w,cost_source
run mp-enrich -k id -t "$T/q.txt" --format=csv <(lines "$T/in" 1)
checkj "--format=csv; the name is the file's without folder and extension" \
    0 <(lines "$T/want" 1) "" <(lines "$T/in" 1) name,note,n,cost_source
printf 'id,v\n3,three\n' >"$T/o3.dat"
run mp-enrich -k id --format=csv -t "$T/o3.dat" -t "$T/q.txt" "$T/in"
checkj "--format before the first -t: for every table" 0 \
    <(lines "$T/want" 1; echo '{"id":"2","name":"say \"hi\"","note":"two\nlines","cost_source":"q"}'
    echo '{"id":"3","v":"three","cost_source":"o3"}') \
    "" "$T/in" name,note,n,v,cost_source
run mp-enrich -k id -t "$T/q.txt" "$T/in"
is "$rc:$(wc -c <"$T/out"):$(grep -c 'q\.txt' "$T/err")" "$rc:0:1" \
    "a name that does not say the format, without --format: an error naming it, no output"
[ "$rc" != 0 ] && nocrash
ok $? "...a failure, not a crash (status $rc)"

# --- added fields: -a renames, types, nested paths, replacing
cat >"$T/ty.csv" <<'X'
id,s,n,m,j
1,12.50,12.50,12.50,"{""a"": [1, 2]}"
2,x,-0.5e3,-7,"""str"""
3,,0,0.000010,null
4,"a""b",1E+2,100.000000,[]
5,é,-0,-0.000001,true
X
printf '{"id":%s}\n' 1 2 3 4 5 >"$T/in"
run mp-enrich -k id -t "$T/ty.csv" -a s:string -a n:number -a m:money \
    -a j:json "$T/in"
cat >"$T/want" <<'X'
{"id":1,"s":"12.50","n":12.5,"m":12.5,"j":{"a":[1,2]},"cost_source":"ty"}
{"id":2,"s":"x","n":-500,"m":-7,"j":"str","cost_source":"ty"}
{"id":3,"n":0,"m":0.00001,"j":null,"cost_source":"ty"}
{"id":4,"s":"a\"b","n":100,"m":100,"j":[],"cost_source":"ty"}
{"id":5,"s":"é","n":-0,"m":-0.000001,"j":true,"cost_source":"ty"}
X
checkj "-a column:type: string, number, money, json" 0 "$T/want" "" \
    "$T/in" s,n,m,j,cost_source
is "$(raw "$T/out" n)" "12.50|-0.5e3|0|1E+2|-0" "number: written as in the table"
is "$(raw "$T/out" m)" "12.5|-7|0.00001|100|-0.000001" \
    "money: exact, no trailing zeros (12.50 is 12.5)"
is "$(raw "$T/out" j)" '{"a": [1, 2]}|"str"|null|[]|true' "json: as it is"
run mp-enrich -k id -t "$T/ty.csv" --add=s=label -a m=.data.cost "$T/in"
cat >"$T/want" <<'X'
{"id":1,"label":"12.50","data":{"cost":"12.50"},"cost_source":"ty"}
{"id":2,"label":"x","data":{"cost":"-7"},"cost_source":"ty"}
{"id":3,"data":{"cost":"0.000010"},"cost_source":"ty"}
{"id":4,"label":"a\"b","data":{"cost":"100.000000"},"cost_source":"ty"}
{"id":5,"label":"é","data":{"cost":"-0.000001"},"cost_source":"ty"}
X
checkj "--add=s=label, -a m=.data.cost: renamed, a nested field made" 0 \
    "$T/want" "" "$T/in" label,data,cost_source
run mp-enrich -k id -t "$T/ty.csv" -a n=.price.amount:money "$T/in"
check "-a n:money over a column holding -0.5e3: 65 naming ty.csv:3, nothing written" \
    65 /dev/null '^mp-enrich: .*ty\.csv:3: '
printf 'id,cost\n1,3.50\n2,4\n3,5\n' >"$T/c.csv"
cat >"$T/in" <<'X'
{"id":"1"}
{"id":"2","spend":{"currency":"EUR"},"x":"y"}
{"id":"3","spend":{"amount":0,"currency":"EUR"}}
X
cat >"$T/want" <<'X'
{"id":"1","spend":{"amount":3.5},"cost_source":"c"}
{"id":"2","spend":{"currency":"EUR","amount":4},"x":"y","cost_source":"c"}
{"id":"3","spend":{"amount":5,"currency":"EUR"},"cost_source":"c"}
X
run mp-enrich -k id -t "$T/c.csv" -a cost=.spend.amount:money "$T/in"
checkj "-a cost=.spend.amount: a nested path, made when missing, replaced when there" \
    0 "$T/want" "" "$T/in" spend,cost_source
cat >"$T/in" <<'X'
{"id":"1","cost":0.1,"a":"\u00e9\/","b":1.0e2}
{ "cost" : "old" , "id":"2" }
X
cat >"$T/want" <<'X'
{"id":"1","cost":"3.50","a":"é/","b":100,"cost_source":"c"}
{"cost":"4","id":"2","cost_source":"c"}
X
run mp-enrich -k id -t "$T/c.csv" "$T/in"
checkj "a field the record has is replaced, once; the rest byte for byte" \
    0 "$T/want" "" "$T/in" cost,cost_source
printf '{"id":"1","spend":5}\n{"id":"2","spend":[1]}\n{"id":"3"}\n' >"$T/in"
run mp-enrich -k id -t "$T/c.csv" -a cost=.spend.amount --rejects="$T/rej" \
    "$T/in"
[ "$rc" = 0 ] && [ $(($(wc -l <"$T/out") + $(wc -l <"$T/rej"))) = 3 ] &&
    [ "$(jq -c .spend "$T/out" | tail -n 1)" = '{"amount":"5"}' ]
ok $? "-a cost=.spend.amount through a number or an array: no crash, no line lost"
printf '{"id":"1","cost_source":"old"}\n{"id":"9","cost_source":"old"}\n' >"$T/in"
run mp-enrich -k id -t "$T/c.csv" "$T/in"
checkj "a cost_source the record has is replaced when a table matches" 0 \
    <(printf '%s\n' '{"id":"1","cost":"3.50","cost_source":"c"}' \
    '{"id":"9","cost_source":"old"}') "" "$T/in" cost,cost_source

# value and table errors: 65, naming file:line
tbad() {
	local name=$1 file=$2 line=$3; shift 3
	run mp-enrich "$@" "$T/in"
	check "$name: 65, naming ${file##*/}:$line" 65 /dev/null \
	    "^mp-enrich: .*${file##*/}:$line: "
}
printf '{"id":"1"}\n' >"$T/in"
printf 'id,n\n1,1\n2,"12,5"\n' >"$T/b1.csv"
tbad "number: 12,5" "$T/b1.csv" 3 -k id -t "$T/b1.csv" -a n:number
printf 'id,n\n1,01\n' >"$T/b2.csv"
tbad "number: 01" "$T/b2.csv" 2 -k id -t "$T/b2.csv" -a n:number
printf 'id,m\n1,1\n2,2\n3,1.1234567\n' >"$T/b3.csv"
tbad "money: 7 decimals" "$T/b3.csv" 4 -k id -t "$T/b3.csv" -a m:money
printf 'id,m\n1,1e3\n' >"$T/b4.csv"
tbad "money: an exponent" "$T/b4.csv" 2 -k id -t "$T/b4.csv" -a m:money
printf 'id,m\n1,abc\n' >"$T/b5.csv"
tbad "money: not a number" "$T/b5.csv" 2 -k id -t "$T/b5.csv" -a m:money
printf 'id,j\n1,[1]\n2,{bad\n' >"$T/b6.csv"
tbad "json: not JSON" "$T/b6.csv" 3 -k id -t "$T/b6.csv" -a j:json
printf '{"id":"1","m":1}\n{"id":"2","m":0.1234567}\n' >"$T/b7.ndjson"
tbad "ndjson money: 7 decimals" "$T/b7.ndjson" 2 -k id -t "$T/b7.ndjson" \
    -a m:money
printf '{"id":"1","m":1}\n{"id":"2",\n' >"$T/b8.ndjson"
tbad "ndjson: a row that is not JSON" "$T/b8.ndjson" 2 -k id \
    -t "$T/b8.ndjson"
printf '{"id":"1","m":1}\n{"m":2}\n' >"$T/b9.ndjson"
tbad "ndjson: a row without the key column" "$T/b9.ndjson" 2 -k id \
    -t "$T/b9.ndjson"
printf 'id,v\n1,"open\n' >"$T/b10.csv"
tbad "csv: a quote never closed" "$T/b10.csv" 2 -k id -t "$T/b10.csv"
printf 'id,v,w\n1,a,b\n2,c\n' >"$T/b11.csv"
tbad "csv: a row lacking the column -a names" "$T/b11.csv" 3 -k id \
    -t "$T/b11.csv" -a w
run mp-enrich -k id -t "$T/c.csv" -a nope "$T/in"
check "-a a column the header lacks: 65" 65 /dev/null "c\.csv.*nope|nope.*c\.csv"
run mp-enrich -k nope -t "$T/c.csv" "$T/in"
check "-k a column the header lacks: 65" 65 /dev/null "c\.csv.*nope|nope.*c\.csv"
run mp-enrich -t "$T/c.csv" "$T/in"
check "the default key event_id, lacking in the header: 65" 65 /dev/null \
    "c\.csv.*event_id|event_id.*c\.csv"

# --- key expressions
cat >"$T/k.csv" <<'X'
id,day,src,v
1,2026-11-20,GOOGLE_ADS,one
1,2026-11-21,GOOGLE_ADS,two
x,2026-11-20,META_ADS,three
true,2026-11-20,X,four
1.0,2026-11-20,Y,five
X
cat >"$T/in" <<'X'
{"id":1,"ts":"2026-11-20T23:59:59Z"}
{"id":"1","ts":"2026-11-21T00:00:00.5+01:00"}
{"id":1.0,"ts":"2026-11-20T00:00:00Z"}
{"id":"1","ts":"2026-11-22T00:00:00Z"}
{"id":"\u0078","ts":"2026-11-20T12:00:00Z"}
{"id":"x"}
{"id":null,"ts":"2026-11-20T12:00:00Z"}
{"id":true,"ts":"2026-11-20T12:00:00Z"}
{"id":"true","ts":"2026-11-20T12:00:00Z"}
{"ts":"2026-11-20T12:00:00Z"}
{"id":1.00,"ts":"2026-11-20T00:00:00Z"}
{"id":10,"ts":"2026-11-20T00:00:00Z"}
X
cat >"$T/want" <<'X'
{"id":1,"ts":"2026-11-20T23:59:59Z","v":"one","cost_source":"k"}
{"id":"1","ts":"2026-11-21T00:00:00.5+01:00","v":"two","cost_source":"k"}
{"id":1.0,"ts":"2026-11-20T00:00:00Z","v":"five","cost_source":"k"}
{"id":"1","ts":"2026-11-22T00:00:00Z"}
{"id":"x","ts":"2026-11-20T12:00:00Z","v":"three","cost_source":"k"}
{"id":"x"}
{"id":null,"ts":"2026-11-20T12:00:00Z"}
{"id":true,"ts":"2026-11-20T12:00:00Z","v":"four","cost_source":"k"}
{"id":"true","ts":"2026-11-20T12:00:00Z","v":"four","cost_source":"k"}
{"ts":"2026-11-20T12:00:00Z"}
{"id":1.00,"ts":"2026-11-20T00:00:00Z"}
{"id":10,"ts":"2026-11-20T00:00:00Z"}
X
run mp-enrich -k id -k 'day=.ts[0:10]' -a v --rejects="$T/rej" "$T/in" \
    -t "$T/k.csv"
checkj "-k path and -k day=.ts[0:10]: numbers by their text (1.0 is not 1), escapes decoded, true, missing and null keys do not match" \
    0 "$T/want" "" "$T/in" v,cost_source
is "$(wc -c <"$T/rej")" 0 "...and nothing rejected"
cat >"$T/in" <<'X'
{"source":"google_ads","ts":"2026-11-20T01:00:00Z"}
{"source":"meta_ads","ts":"2026-11-20T01:00:00Z","n":1}
{"source":5,"ts":"2026-11-20T01:00:00Z"}
{"source":"google_ads","ts":"2026-11-21T01:00:00Z"}
{"source":"tiktok_ads","ts":"2026-11-21T01:00:00Z"}
{"ts":"2026-11-20T01:00:00Z","source":{"a":1}}
X
cat >"$T/want" <<'X'
{"source":"google_ads","ts":"2026-11-20T01:00:00Z","v":"one","cost_source":"k"}
{"source":"meta_ads","ts":"2026-11-20T01:00:00Z","n":1,"v":"three","cost_source":"k"}
{"source":"google_ads","ts":"2026-11-21T01:00:00Z","v":"two","cost_source":"k"}
{"source":"tiktok_ads","ts":"2026-11-21T01:00:00Z"}
X
run mp-enrich -k 'src=(.source|ascii_upcase)' -k day=.ts[0:10] -a v \
    -t "$T/k.csv" --rejects="$T/rej" "$T/in"
checkj "-k src=(.source|ascii_upcase): a jq program" 0 "$T/want" "" \
    <(lines "$T/in" 1 2 4 5) v,cost_source
is "$(field "$T/rej" .line)" "3|6" "...a program that fails on a record rejects it"
rejok "$T/rej" "$T/in"
ok $? "...the rejects: prog, file, line, reason, the record"
run mp-enrich -k 'src=(.source|ascii_upcase)' -k day=.ts[0:10] -a v \
    -t "$T/k.csv" "$T/in"
checkj "...without --rejects: 65, the rest written" 65 "$T/want" \
    "^mp-enrich: .*in:3: "
cat >"$T/in" <<'X'
{"a":{"b":"1"},"ts":"2026-11-20T01:00:00Z"}
{"a":"1","ts":"2026-11-20T01:00:00Z"}
{"a":{"c":1},"ts":"2026-11-20T01:00:00Z"}
X
run mp-enrich -k id=.a.b -k day=.ts[0:10] -a v -t "$T/k.csv" \
    --rejects="$T/rej" "$T/in"
checkj "-k id=.a.b: a path through a string is absent, not an error" 0 \
    <(echo '{"a":{"b":"1"},"ts":"2026-11-20T01:00:00Z","v":"one","cost_source":"k"}'; lines "$T/in" 2 3) \
    "" "$T/in" v,cost_source
is "$(wc -c <"$T/rej")" 0 "...nothing rejected"
run mp-enrich -k 'id=(.a.b)' -k day=.ts[0:10] -a v -t "$T/k.csv" \
    --rejects="$T/rej" "$T/in"
is "$rc $(field "$T/rej" .line) $(wc -l <"$T/out")" "0 2 2" \
    "-k 'id=(.a.b)': the same as a program fails on .a a string: rejected"
run mp-enrich -k 'id=(.a | objects | .b // empty)' -k day=.ts[0:10] -a v \
    -t "$T/k.csv" -t second="$T/k.csv" -k 'id=("1")' -k day=.ts[0:10] -a v \
    --rejects="$T/rej" "$T/in"
is "$rc $(field "$T/out" .cost_source) $(wc -c <"$T/rej")" "0 k|second|second 0" \
    "a program with no output does not match: the next table is tried"
cat >"$T/u.csv" <<'X'
p,v
é😀a,ok
X
printf '%s\n' '{"name":"é😀ab"}' '{"name":"\u00e9\ud83d\ude00a"}' \
    '{"name":"é😀"}' '{"name":"e😀ab"}' >"$T/in"
run mp-enrich -k p=.name[0:3] -t "$T/u.csv" "$T/in"
checkj ".name[0:3]: characters, not bytes; decoded" 0 \
    <(jq -c '. + {v: "ok", cost_source: "u"}' <(lines "$T/in" 1 2); lines "$T/in" 3 4) \
    "" "$T/in" v,cost_source
printf '{"k1":"a,b","k2":"c","v":1}\n{"k1":"a","k2":"b,c","v":2}\n{"k1":"a\\u001fb","k2":"c","v":3}\n{"k1":"a","k2":"b\\u001fc","v":4}\n{"k1":"a\\u0000b","k2":"c","v":5}\n{"k1":"a","k2":"b\\u0000c","v":6}\n' \
    >"$T/m.ndjson"
jq -c '{k1, k2, n: .v}' "$T/m.ndjson" >"$T/in"
run mp-enrich -k k1 -k k2 -a v -t "$T/m.ndjson" "$T/in"
is "$rc $(field "$T/out" '.v == .n')" "0 true|true|true|true|true|true" \
    "a key of two columns: no two keys run together"

# --- tables in priority order
printf 'id,v\n1,A1\n4,A4\n' >"$T/t1.csv"
printf '{"id":"2","v":"B2"}\n{"id":"4","v":"B4"}\n{"id":"5","v":"B5"}\n' \
    >"$T/t2.ndjson"
printf 'id\tv\n3\tC3\n5\tC5\n4\tC4\n' >"$T/t3.tsv"
printf '{"id":"%s","n":%s}\n' 1 1 2 2 3 3 4 4 5 5 6 6 >"$T/in"
cat >"$T/want" <<'X'
{"id":"1","n":1,"v":"A1","cost_source":"t1"}
{"id":"2","n":2,"v":"B2","cost_source":"t2"}
{"id":"3","n":3,"v":"C3","cost_source":"t3"}
{"id":"4","n":4,"v":"A4","cost_source":"t1"}
{"id":"5","n":5,"v":"B5","cost_source":"t2"}
{"id":"6","n":6}
X
run mp-enrich -k id -t "$T/t1.csv" -t "$T/t2.ndjson" -t "$T/t3.tsv" \
    --stats="$T/st" "$T/in"
checkj "three tables: the first with a row wins, cost_source names it" 0 \
    "$T/want" "" "$T/in" v,cost_source
jqok "$T/st" '.matched.t1 == 2 and .matched.t2 == 2 and .matched.t3 == 1 and
    .unmatched == 1 and .table_rows == {"t1": 2, "t2": 3, "t3": 3} and
    (.table_load_ms | type) == "number" and .table_bytes > 0 and
    .records_in == 6 and .records_out == 6 and .rejected == 0 and
    .dropped == 0' "stats: matched, unmatched, table_rows, table_load_ms, table_bytes"
run mp-enrich -k id -t "$T/t3.tsv" -t "$T/t2.ndjson" -t "$T/t1.csv" "$T/in"
is "$(field "$T/out" '.v // "-"')" "A1|B2|C3|C4|C5|-" "the other order, the other winners"
run mp-enrich -k id -t net="$T/t1.csv" -t "tracker=$T/t2.ndjson" \
    --table=default="$T/t3.tsv" --source-field=src "$T/in"
checkj "name=source names a table; --source-field=src" 0 \
    <(jq -c 'if .cost_source then .src = {t1: "net", t2: "tracker", t3: "default"}[.cost_source] | del(.cost_source) else . end' "$T/want") \
    "" "$T/in" v,src
run mp-enrich -k id -t "$T/t1.csv" -t "$T/t2.ndjson" -t "$T/t3.tsv" \
    --source-field= "$T/in"
checkj "--source-field= : no field names the table" 0 \
    <(jq -c 'del(.cost_source)' "$T/want") "" "$T/in" v
printf '{"x":"9","y":"1"}\n{"x":null,"y":"1"}\n{"y":"1"}\n{"x":"4","y":"1"}\n' \
    >"$T/in"
run mp-enrich -t "$T/t2.ndjson" -k id=.x -t "$T/t1.csv" -k id=.y "$T/in"
is "$rc $(field "$T/out" '.v')" "0 A1|A1|A1|B4" \
    "no row, a null key, a missing key: the next table"

# table options before the first -t are for every table that does not
# give its own; after a -t, for that table
printf 'id,v,w\n1,g1v,g1w\n' >"$T/g1.csv"
printf 'code,v,w\n2,g2v,g2w\n' >"$T/g2.csv"
printf 'id,v,w\n3,g3v,g3w\n1,g3v1,g3w1\n' >"$T/g3.csv"
printf '{"id":"%s"}\n' 1 2 3 >"$T/in"
cat >"$T/want" <<'X'
{"id":"1","v":"g1v","cost_source":"g1"}
{"id":"2","v":"g2v","cost_source":"g2"}
{"id":"3","w":"g3w","cost_source":"g3"}
X
run mp-enrich -k id -a v -t "$T/g1.csv" -t "$T/g2.csv" -k code=.id \
    -t "$T/g3.csv" -a w "$T/in"
checkj "-k, -a before the first -t for all; after one, for it alone" 0 \
    "$T/want" "" "$T/in" v,w,cost_source
cat >"$T/want" <<'X'
{"id":"1","v":"g1v","w":"g1w","cost_source":"g1"}
{"id":"2","v":"g2v","w":"g2w","cost_source":"g2"}
{"id":"3","w":"g3w","cost_source":"g3"}
X
run mp-enrich -t "$T/g1.csv" -k id -t "$T/g2.csv" -k code=.id \
    -t "$T/g3.csv" -k id -a w "$T/in"
checkj "options after each -t: every column but the keys where -a is not given" \
    0 "$T/want" "" "$T/in" v,w,cost_source

# --- duplicate keys
printf 'id,v\n1,a\n2,b\n1,c\n' >"$T/dup.csv"
printf '{"id":"1"}\n{"id":"2"}\n' >"$T/in"
run mp-enrich -k id -t "$T/dup.csv" "$T/in"
check "a duplicate key: 65 before any record" 65 /dev/null \
    "^mp-enrich: .*dup\.csv:(2|4)\b"
grep -E 'dup\.csv' "$T/err" | grep -qE '\b2\b' &&
    grep -E 'dup\.csv' "$T/err" | grep -qE '\b4\b'
ok $? "...the message names both rows, lines 2 and 4"
run mp-enrich -k id -t "$T/dup.csv" --first "$T/in"
is "$rc $(field "$T/out" .v)" "0 a|b" "--first: the first row counts"
run mp-enrich -k id -t "$T/dup.csv" --last "$T/in"
is "$rc $(field "$T/out" .v)" "0 c|b" "--last: the last row counts"
run mp-enrich -k id --last -t "$T/dup.csv" -t "$T/t1.csv" "$T/in"
is "$rc $(field "$T/out" .v)" "0 c|b" "--last before the first -t: for every table"
printf '{"id":"1","v":"x"}\n{"id":1,"v":"y"}\n{"id":1.0,"v":"z"}\n{"id":"1","v":"w"}\n' \
    >"$T/dup.ndjson"
run mp-enrich -k id -t "$T/dup.ndjson" "$T/in"
check "ndjson: \"1\" and 1 are one key: 65" 65 /dev/null \
    "^mp-enrich: .*dup\.ndjson:(1|2|4)\b"
sed -n 2,3p "$T/dup.ndjson" >"$T/dup2.ndjson"
printf '{"id":1}\n{"id":1.0}\n' >"$T/in"
run mp-enrich -k id -t "$T/dup2.ndjson" "$T/in"
is "$rc $(field "$T/out" .v)" "0 y|z" "1 and 1.0 are two keys"
printf '{"id":"1"}\n{"id":"2"}\n' >"$T/in"
run mp-enrich -k id -t "$T/dup.csv" --last --first "$T/in"
is "$rc $(field "$T/out" .v)" "0 a|b" \
    "--last then --first on one table: the later wins, as options after win (mp(7))"

# --- --unmatched
printf 'id,v\n1,a\n' >"$T/um.csv"
printf '{"id":"1"}\n{"id":"2","x":[1, 2]}\n{"id":3}\n' >"$T/in"
run mp-enrich -k id -t "$T/um.csv" --stats="$T/st" "$T/in"
checkj "--unmatched=pass, the default: unchanged, counted" 0 \
    <(echo '{"id":"1","v":"a","cost_source":"um"}'; lines "$T/in" 2 3) "" \
    "$T/in" v,cost_source
jqok "$T/st" '.unmatched == 2 and .records_out == 3 and .dropped == 0' \
    "...stats: unmatched 2"
run mp-enrich -k id -t "$T/um.csv" --unmatched=pass "$T/in"
checkj "--unmatched=pass" 0 \
    <(echo '{"id":"1","v":"a","cost_source":"um"}'; lines "$T/in" 2 3) "" \
    "$T/in" v,cost_source
run mp-enrich -k id -t "$T/um.csv" --unmatched=drop --dropped="$T/drop" \
    --stats="$T/st" "$T/in"
checkj "--unmatched=drop" 0 <(echo '{"id":"1","v":"a","cost_source":"um"}') \
    "" <(lines "$T/in" 1) v,cost_source
is "$(field "$T/drop" '"\(.prog) \(.line) \(.reason) \(.record)"')" \
    "mp-enrich 2 unmatched $(lines "$T/in" 2)|mp-enrich 3 unmatched $(lines "$T/in" 3)" \
    "--dropped: the lines, reason unmatched"
jqok "$T/st" '.unmatched == 2 and .dropped == 2 and
    .dropped_by == {"unmatched": 2} and .records_out == 1' \
    "...stats: dropped_by unmatched"
run mp-enrich -k id -t "$T/um.csv" --unmatched=reject --rejects="$T/rej" \
    --stats="$T/st" "$T/in"
checkj "--unmatched=reject with --rejects: 0" 0 \
    <(echo '{"id":"1","v":"a","cost_source":"um"}') "" <(lines "$T/in" 1) \
    v,cost_source
is "$(field "$T/rej" .line)" "2|3" "...the rejects"
rejok "$T/rej" "$T/in"
ok $? "...with prog, file, line, reason and the record"
jqok "$T/st" '.unmatched == 2 and .rejected == 2 and .records_out == 1' \
    "...stats: rejected"
run mp-enrich -k id -t "$T/um.csv" --unmatched=reject "$T/in"
checkj "--unmatched=reject without --rejects: 65" 65 \
    <(echo '{"id":"1","v":"a","cost_source":"um"}') "^mp-enrich: .*in:2: "

# --- cost allocation
cat >"$T/al.csv" <<'X'
cid,tag,spend,n
a,A,10.000000,2
r,R,-1.000000,3
s,S,0.000010,3
o,O,123.456789,1
z,Z,5,1
b,B,1,4
X
cat >"$T/al.ndjson" <<'X'
{"e":1,"type":"click","cid":"a"}
{"e":2,"type":"click","cid":"r"}
{"e":3,"type":"impression","cid":"a","cost":0.1}
{"e":4,"type":"click","cid":"a"}
{"e":5,"type":"click","cid":"s"}
{"e":6,"type":"click","cid":"s"}
{"e":7,"type":"click","cid":"o","cost":9}
{"e":8,"type":"click","cid":"r"}
{"e":9,"type":"click","cid":"a"}
{"e":10,"type":"click","cid":"s"}
{"e":11,"type":"click","cid":"r"}
{"e":12,"type":"click","cid":"x"}
{"e":13,"type":"click","cid":"b"}
{"e":14,"type":"click","cid":"b"}
X
A="-k cid -a tag -t $T/al.csv --allocate=spend=cost --allocate-to=click"
# two passes: n is the clicks each row gets
want2="3333333 -333334 0 3333333 3 3 123456789 -333333 3333334 4 -333333 - 500000 500000"
cat >"$T/want" <<'X'
{"e":1,"type":"click","cid":"a","tag":"A","cost":3.333333,"cost_source":"al"}
{"e":2,"type":"click","cid":"r","tag":"R","cost":-0.333334,"cost_source":"al"}
{"e":3,"type":"impression","cid":"a","cost":0,"tag":"A","cost_source":"al"}
{"e":4,"type":"click","cid":"a","tag":"A","cost":3.333333,"cost_source":"al"}
{"e":5,"type":"click","cid":"s","tag":"S","cost":0.000003,"cost_source":"al"}
{"e":6,"type":"click","cid":"s","tag":"S","cost":0.000003,"cost_source":"al"}
{"e":7,"type":"click","cid":"o","cost":123.456789,"tag":"O","cost_source":"al"}
{"e":8,"type":"click","cid":"r","tag":"R","cost":-0.333333,"cost_source":"al"}
{"e":9,"type":"click","cid":"a","tag":"A","cost":3.333334,"cost_source":"al"}
{"e":10,"type":"click","cid":"s","tag":"S","cost":0.000004,"cost_source":"al"}
{"e":11,"type":"click","cid":"r","tag":"R","cost":-0.333333,"cost_source":"al"}
{"e":12,"type":"click","cid":"x"}
{"e":13,"type":"click","cid":"b","tag":"B","cost":0.5,"cost_source":"al"}
{"e":14,"type":"click","cid":"b","tag":"B","cost":0.5,"cost_source":"al"}
X
run mp-enrich $A --stats="$T/st" "$T/al.ndjson"
checkj "--allocate, two passes: the matched clicks get parts, the others the row's columns" \
    0 "$T/want" "" "$T/al.ndjson" tag,cost,cost_source
is "$(mic "$T/out" cost)" "$want2" \
    "floor(S(i+1)/n) - floor(Si/n) micro-units: 10/3, -1/3 (a refund), 0.000010/3, n=1; the impression's cost replaced by 0"
jqok "$T/st" '.allocated == 12 and .unallocated_micros == 5000000 and
    (.allocate_excess // 0) == 0' \
    "stats: allocated 12, unallocated_micros the spend of the row with no events"
cp "$T/out" "$T/al.out"
run mp-enrich $A "$T/al.ndjson"
cmp -s "$T/out" "$T/al.out"
ok $? "the same input, the same parts, byte for byte"
IN=$T/al.ndjson run mp-enrich $A
check "standard input redirected from a file: read twice" 0 "$T/al.out" ""
IN=$T/al.ndjson run mp-enrich $A -
check "'-' redirected from a file" 0 "$T/al.out" ""
head -n 6 "$T/al.ndjson" >"$T/al1"
tail -n +7 "$T/al.ndjson" >"$T/al2"
run mp-enrich $A "$T/al1" "$T/al2"
check "two files: counted across both, in input order" 0 "$T/al.out" ""
IN=$T/al2 run mp-enrich $A "$T/al1" -
check "a file and '-' redirected from a file: both read twice" 0 "$T/al.out" ""
cat "$T/al.ndjson" | mp-enrich $A >"$T/out" 2>"$T/err"
rc=$?
check "a pipe on standard input: 64" 64 /dev/null "^(mp-enrich|usage)"
cat "$T/al.ndjson" | mp-enrich $A - >"$T/out" 2>"$T/err"
rc=$?
check "a pipe on standard input given as '-': 64" 64 /dev/null \
    "^(mp-enrich|usage)"
run mp-enrich $A <(cat "$T/al.ndjson")
check "a pipe given as a file (/dev/fd/N): 64" 64 /dev/null \
    "^(mp-enrich|usage)"
mkfifo "$T/fifo"
cat "$T/al.ndjson" >"$T/fifo" &
wpid=$!
timeout 10 mp-enrich $A "$T/fifo" >"$T/out" 2>"$T/err"
rc=$?
check "a named pipe given as a file: 64 (not a hang: timeout gives 124)" 64 \
    /dev/null "^(mp-enrich|usage)"
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null
rm -f "$T/fifo"
jq -c '.kind = .type | del(.type)' "$T/al.ndjson" >"$T/alk"
run mp-enrich -k cid -a tag -t "$T/al.csv" --allocate=spend=cost \
    --allocate-to=click --type=.kind "$T/alk"
is "$rc $(mic "$T/out" cost)" "0 $want2" "--type=.kind"
run mp-enrich -k cid -a tag -t "$T/al.csv" --allocate=spend=cost "$T/al.ndjson"
is "$rc $(mic "$T/out" cost)" \
    "0 2500000 -333334 2500000 2500000 3 3 123456789 -333333 2500000 4 -333333 - 500000 500000" \
    "without --allocate-to every matched event gets a part"
run mp-enrich -k cid -a tag -t "$T/al.csv" --allocate=spend=cost \
    --allocate-to=impression,click "$T/al.ndjson"
is "$rc $(mic "$T/out" cost)" \
    "0 2500000 -333334 2500000 2500000 3 3 123456789 -333333 2500000 4 -333333 - 500000 500000" \
    "--allocate-to=impression,click"
run mp-enrich -k cid -a tag -t "$T/al.csv" --allocate=spend \
    --allocate-to=click "$T/al.ndjson"
is "$rc $(mic "$T/out" spend)|$(mic "$T/out" cost)" \
    "0 3333333 -333334 0 3333333 3 3 123456789 -333333 3333334 4 -333333 - 500000 500000|- - 100000 - - - 9000000 - - - - - - -" \
    "--allocate=spend: the field is the column's name; the impression gets spend 0, keeps its cost"
# --count-column: n from the row; past n 0, short of n unallocated
wantc="5000000 -333334 0 5000000 3 3 123456789 -333333 0 4 -333333 - 250000 250000"
run mp-enrich $A --count-column=n --stats="$T/st" "$T/al.ndjson"
is "$rc $(mic "$T/out" cost)" "0 $wantc" \
    "--count-column=n: 10 over 2 and a third click 0; 1 over 4 for 2 clicks"
jqok "$T/st" '.allocate_excess == 1 and .unallocated_micros == 5500000 and
    .allocated + .allocate_excess == 12' \
    "stats: allocate_excess 1, unallocated_micros 500000 + 5000000"
cat "$T/al.ndjson" | mp-enrich $A --count-column=n >"$T/out" 2>"$T/err"
rc=$?
is "$rc $(mic "$T/out" cost)" "0 $wantc" "--count-column: one pass, works on a pipe"
run mp-enrich -k cid -a tag -t "$T/al.csv" --count-column=n \
    --allocate=spend=cost --allocate-to=click "$T/al.ndjson"
is "$rc $(mic "$T/out" cost)" "0 $wantc" \
    "--count-column before --allocate, both table options of the same table"
printf 'cid,tag,spend,n\na,A,1,2\nb,B,1,x\n' >"$T/al3.csv"
run mp-enrich -k cid -t "$T/al3.csv" --allocate=spend=cost --count-column=n \
    "$T/al.ndjson"
check "--count-column: a count that is not an integer, 65 naming the row" 65 \
    /dev/null "^mp-enrich: .*al3\.csv:3: "
printf 'cid,tag,spend,n\na,A,1.5,2\nb,B,abc,2\n' >"$T/al4.csv"
run mp-enrich -k cid -t "$T/al4.csv" --allocate=spend=cost "$T/al.ndjson"
check "--allocate: spend that is not an exact decimal, 65 naming the row" 65 \
    /dev/null "^mp-enrich: .*al4\.csv:3: "
printf 'cid,tag,spend,n\na,A,1.1234567,2\n' >"$T/al5.csv"
run mp-enrich -k cid -t "$T/al5.csv" --allocate=spend=cost "$T/al.ndjson"
check "--allocate: spend with 7 decimals, 65" 65 /dev/null "al5\.csv:2: "
run mp-enrich -k cid -t "$T/al.csv" --allocate=nope=cost "$T/al.ndjson"
check "--allocate: a column the table lacks, 65" 65 /dev/null "nope"
run mp-enrich -k cid -t "$T/al.csv" --allocate=spend=cost --count-column=nope \
    "$T/al.ndjson"
check "--count-column: a column the table lacks, 65" 65 /dev/null "nope"

# the ends of the money range: no overflow, parts still exact
printf 'cid,spend\na,9223372036853.999999\nb,-9223372036853.999999\nc,1000000000000.000001\n' \
    >"$T/big.csv"
for c in a a a b b b c c c c c c c; do echo "{\"cid\":\"$c\"}"; done >"$T/bigin"
run mp-enrich -k cid -t "$T/big.csv" --allocate=spend=cost "$T/bigin"
is "$rc $(mic "$T/out" cost)" \
    "0 3074457345617999999 3074457345618000000 3074457345618000000 -3074457345618000000 -3074457345618000000 -3074457345617999999 142857142857142857 142857142857142857 142857142857142857 142857142857142858 142857142857142857 142857142857142857 142857142857142858" \
    "--allocate at the ends of the money range (9223372036853.999999 over 3, its negative, 1000000000000.000001 over 7): exact"

# many campaigns: every campaign and day, exact to the micro-unit
if gen-events --help 2>/dev/null | grep -q -- --spend-out; then
	gen-events -n 20000 --seed 21 --days 3 --dup-rate 0.05 --odd-rate 0.1 \
	    --spend-out "$T/spend.csv" >"$T/ev" 2>/dev/null
else
	gen-events -n 20000 --seed 21 --days 3 --dup-rate 0.05 --odd-rate 0.1 \
	    >"$T/ev" 2>/dev/null
	diag "gen-events has no --spend-out: a spend table made here"
	python3 - "$T/ev" "$T/spend.csv" <<'X'
import csv, json, sys
seen, rows = set(), {}
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event_id"] in seen:
        continue
    seen.add(e["event_id"])
    k = (e["campaign_id"], e["ts"][:10])
    if e["type"] != "postback":
        rows.setdefault(k, [e["source"], 0])
    if e["type"] == "click" and k in rows:
        rows[k][1] += 1
with open(sys.argv[2], "w") as f:
    f.write("campaign_id,date,network,spend,clicks\n")
    for n, (k, (net, c)) in enumerate(sorted(rows.items())):
        m = (c or 1) * ((n * 2654435761) % 1999999 + 1) + n % 7
        f.write("%s,%s,%s,%d.%06d,%d\n" % (k + (net, m // 10**6, m % 10**6, c)))
X
fi
G="-k campaign_id -k date=.ts[0:10] -a network --allocate=spend=cost --allocate-to=click"
run mp-enrich $G -t "$T/spend.csv" --stats="$T/st" "$T/ev"
h alloc "$T/spend.csv" "$T/ev" "$T/out" pass spend cost >"$T/chk"
jq -e '.bad == 0 and .rows > 500 and .rows_summed > 300 and
    .allocated > 3000' "$T/chk" >/dev/null && [ "$rc" = 0 ] &&
    [ ! -s "$T/err" ]
ok $? "20000 events, two passes: every part exact, within 1 micro-unit, every campaign and day sums to its spend"
[ "$(jq .bad "$T/chk")" = 0 ] || diag "rc $rc $(head -c 300 "$T/err")" \
    "$(jq -c .first_bad "$T/chk")"
jqok "$T/st" "$(jq -r '".allocated == \(.allocated) and
    .unallocated_micros == \(.unallocated_micros) and
    (.allocate_excess // 0) == 0"' "$T/chk")" \
    "...stats: allocated, unallocated_micros (the spend of rows without clicks)"
cp "$T/out" "$T/g1"
IN=$T/ev run mp-enrich $G -t "$T/spend.csv"
check "...deterministic: again, from standard input, byte for byte" 0 \
    "$T/g1" ""
mp-dedup "$T/ev" >"$T/evd"
h clicks "$T/spend.csv" "$T/evd" >"$T/chk"
[ ! -s "$T/chk" ]
ok $? "reference: the clicks column counts the distinct clicks of each campaign and day"
[ -s "$T/chk" ] && diag "$(head -n 3 "$T/chk")"
mp-dedup "$T/ev" | mp-enrich $G -t "$T/spend.csv" --count-column=clicks \
    --stats="$T/st" >"$T/out" 2>"$T/err"
rc=$?
h alloc "$T/spend.csv" "$T/evd" "$T/out" count spend cost >"$T/chk"
jq -e '.bad == 0 and .rows > 500 and .allocated > 3000' "$T/chk" \
    >/dev/null && [ "$rc" = 0 ] && [ ! -s "$T/err" ]
ok $? "--count-column=clicks on the deduplicated events, a pipe: every part exact"
[ "$(jq .bad "$T/chk")" = 0 ] || diag "rc $rc $(head -c 300 "$T/err")" \
    "$(jq -c .first_bad "$T/chk")"
jqok "$T/st" "$(jq -r '".allocated == \(.allocated) and
    .unallocated_micros == \(.unallocated_micros) and
    (.allocate_excess // 0) == \(.excess)"' "$T/chk")" \
    "...stats as the parts say"
is "$(jq -c '[.excess, .rows_short]' "$T/chk")" "[0,0]" \
    "...and the counts are right: no event past a count, no row short"

# --- currencies
cat >"$T/fx.csv" <<'X'
date,currency,rate
2026-11-19,EUR,1.08
2026-11-20,EUR,1.0833
2026-11-21,EUR,1.09
2026-11-14,GBP,1.25
2026-11-16,GBP,1.3
2026-11-14,JPY,0.0065
2026-11-13,CHF,1.1
2026-11-20,HLF,0.5
2026-11-20,PRC,1.000000000001
X
cat >"$T/in" <<'X'
{"id":1,"ts":"2026-11-20T10:00:00Z","revenue":50,"currency":"EUR"}
{"id":2,"ts":"2026-11-20T23:30:00-01:00","cost":2,"currency":"EUR"}
{"id":3,"ts":"2026-11-20T10:00:00Z","cost":1.5,"revenue":10.25,"currency":"GBP","x":[1, 2]}
{"id":4,"ts":"2026-11-15T10:00:00.123456Z","cost":1,"currency":"GBP"}
{"id":5,"ts":"2026-11-20T00:00:00Z","revenue":1000,"currency":"JPY"}
{"id":6,"ts":"2026-11-20T00:00:00Z","revenue":1,"currency":"CHF"}
{"id":7,"ts":"2026-11-18T12:00:00Z","revenue":1,"currency":"EUR"}
{"id":8,"ts":"2026-11-20T12:00:00Z","revenue":1,"currency":"XXX"}
{"id":9,"ts":"2026-11-20T12:00:00Z","revenue":1.50,"currency":"USD"}
{"id":10,"ts":"2026-11-20T12:00:00Z","revenue":1.50}
{"id":11,"ts":"2026-11-20T12:00:00Z","cost":0.000001,"revenue":-0.000001,"currency":"HLF"}
{"id":12,"ts":"2026-11-20T12:00:00Z","cost":0.000005,"revenue":-0.000003,"currency":"HLF"}
{"id":13,"ts":"2026-11-20T12:00:00Z","cost":0.000002,"revenue":-7.000001,"currency":"HLF"}
{"id":14,"ts":"2026-11-20T12:00:00Z","cost":1000000,"currency":"PRC"}
{"id":15,"ts":"2026-11-20T12:00:00Z","revenue":1.1234567,"currency":"EUR"}
{"id":16,"ts":"2026-11-20T12:00:00Z","revenue":1e2,"currency":"EUR"}
{"id":17,"revenue":1,"currency":"EUR"}
X
run mp-enrich --currency-table="$T/fx.csv" --currency=USD \
    --rejects="$T/rej" --stats="$T/st" "$T/in"
is "$rc $(field "$T/out" .id)" "0 1|2|3|4|5|9|10|11|12|13|14" \
    "--currency-table: no -t needed; the records with a rate pass"
is "$(mic "$T/out" revenue)" \
    "54165000 - 13325000 - 6500000 1500000 1500000 -1 -2 -3500001 -" \
    "revenue times the day's rate, exactly (50 EUR is 54.165 USD); halves away from zero"
is "$(mic "$T/out" cost)" \
    "- 2180000 1950000 1250000 - - - 1 3 1 1000000000001" \
    "cost: -01:00 is the next UTC day; the latest of the 6 days before; 12 decimals of rate"
is "$(field "$T/out" .currency)" "USD|USD|USD|USD|USD|USD|null|USD|USD|USD|USD" \
    "the currency set to USD"
cat >"$T/want" <<'X'
{"from":"EUR","rate":1.0833,"revenue":50}
{"from":"EUR","rate":1.09,"cost":2}
{"from":"GBP","rate":1.3,"cost":1.5,"revenue":10.25}
{"from":"GBP","rate":1.25,"cost":1}
{"from":"JPY","rate":0.0065,"revenue":1000}
null
null
{"from":"HLF","rate":0.5,"cost":0.000001,"revenue":-0.000001}
{"from":"HLF","rate":0.5,"cost":0.000005,"revenue":-0.000003}
{"from":"HLF","rate":0.5,"cost":0.000002,"revenue":-7.000001}
{"from":"PRC","rate":1.000000000001,"cost":1000000}
X
cmp -s <(jq -S -c .fx "$T/out") <(jq -S -c . "$T/want")
ok $? "fx: from, rate and what was converted"
h raw "$T/out" fx | sed -n 11p | grep -q '"rate":1\.000000000001\b'
ok $? "fx: the rate of 12 decimals as it is"
lines "$T/in" 9 10 | cmp -s - <(lines "$T/out" 6 7)
ok $? "already USD, or no currency field: the same bytes"
h rest <(lines "$T/in" 1 2 3 4 5 9 10 11 12 13 14) "$T/out" \
    revenue,cost,currency,fx >"$T/chk"
ok $? "the rest of each converted line byte for byte"
[ -s "$T/chk" ] && diag "$(cat "$T/chk")"
is "$(field "$T/rej" .line)" "6|7|8|15|16|17" \
    "rejected: 7 days back, only later rates, an unknown currency, 7 decimals, an exponent, no time"
rejok "$T/rej" "$T/in"
ok $? "...the rejects have prog, file, line, reason, record"
jqok "$T/st" '.converted == 9 and .rejected == 6 and .records_out == 11' \
    "stats: converted"
run mp-enrich --currency-table="$T/fx.csv" --currency=USD "$T/in"
is "$rc $(wc -l <"$T/out")" "65 11" "rejects without --rejects: 65"
run mp-enrich --currency-table="$T/fx.csv" --currency=USD --convert=.cost \
    --fx-field=conv --rejects="$T/rej" <(lines "$T/in" 3)
is "$rc $(jq -c '[.revenue, .cost, .currency, .conv, has("fx")]' "$T/out" | paste -sd' ' -)" \
    '0 [10.25,1.95,"USD",{"from":"GBP","rate":1.3,"cost":1.5},false]' \
    "--convert=.cost: the other money stays; --fx-field=conv"
run mp-enrich --currency-table="$T/fx.csv" --currency=USD --fx-field= \
    --rejects="$T/rej" <(lines "$T/in" 1 3)
is "$rc $(jq -c '[.revenue, .cost, .currency, has("fx")]' "$T/out" | paste -sd' ' -)" \
    '0 [54.165,null,"USD",false] [13.325,1.95,"USD",false]' "--fx-field= : nowhere"
cat >"$T/in2" <<'X'
{"when":"2026-11-21T00:00:00Z","ts":"x","d":{"amt":2,"cur":"GBP"},"cur":"EUR"}
{"when":"2026-11-20T10:00:00Z","d":{"amt":10,"cur":"EUR"},"cur":"USD"}
X
run mp-enrich --currency-table="$T/fx.csv" --currency=EUR \
    --convert=.d.amt,.cost --currency-field=.d.cur -T .when "$T/in2"
is "$rc $(jq -c '[.d.amt, .d.cur, .cur]' "$T/out" | paste -sd' ' -)" \
    '0 [2.6,"EUR","EUR"] [10,"EUR","USD"]' \
    "--convert=.d.amt, --currency-field=.d.cur, -T .when; EUR is the reporting currency"
run mp-enrich --currency-table="$T/fx.csv" --currency=EUR \
    --convert=.d.amt --currency-field=.d.cur --time=.ts "$T/in2"
is "$rc $(wc -l <"$T/out") $(jq -c .d.amt "$T/out")" "65 1 10" \
    "--time=.ts: not a time there, rejected; a record in EUR needs no time"
cat >"$T/cur.csv" <<'X'
currency,tag
USD,usd
EUR,eur
X
run mp-enrich --currency-table="$T/fx.csv" --currency=USD -k currency \
    -t "$T/cur.csv" <(lines "$T/in" 1 9 10)
is "$rc $(field "$T/out" '.tag // "-"')" "0 usd|usd|-" \
    "conversion happens before the lookups"
printf 'date,currency,rate\n2026-11-20,EUR,1.0000000000001\n' >"$T/fx1.csv"
run mp-enrich --currency-table="$T/fx1.csv" --currency=USD "$T/in"
check "a rate of 13 decimals: 65 naming the row" 65 /dev/null "fx1\.csv:2: "
printf 'date,currency,rate\n2026-11-20,EUR,1.1\n2026-11-21,EUR,1.2\n2026-11-20,EUR,1.3\n' \
    >"$T/fx2.csv"
run mp-enrich --currency-table="$T/fx2.csv" --currency=USD "$T/in"
check "two rates for a day and currency: 65" 65 /dev/null "fx2\.csv:(2|4)\b"
printf 'date,currency,rate\n20261120,EUR,1.1\n' >"$T/fx3.csv"
run mp-enrich --currency-table="$T/fx3.csv" --currency=USD "$T/in"
check "a date that is not YYYY-MM-DD: 65" 65 /dev/null "fx3\.csv:2: "
printf 'date,rate\n2026-11-20,1.1\n' >"$T/fx4.csv"
run mp-enrich --currency-table="$T/fx4.csv" --currency=USD "$T/in"
check "a rate table without a currency column: 65" 65 /dev/null "fx4\.csv"
if gen-events --help 2>/dev/null | grep -q -- --fx-out; then
	gen-events -n 5000 --seed 22 --days 3 --odd-rate 0 \
	    --fx-out "$T/gfx.csv" >"$T/gev" 2>/dev/null
	run mp-enrich --currency-table="$T/gfx.csv" --currency=USD \
	    --stats="$T/st" "$T/gev"
	h fx "$T/gev" "$T/gfx.csv" "$T/out" USD >"$T/chk"
	jq -e '.bad == 0 and .converted > 50 and .rejected == 0' "$T/chk" \
	    >/dev/null && [ "$rc" = 0 ] && [ ! -s "$T/err" ]
	ok $? "generated events and gen-events --fx-out: every conversion exact"
	[ "$(jq .bad "$T/chk")" = 0 ] || diag "$(cat "$T/chk")"
	jqok "$T/st" ".converted == $(jq .converted "$T/chk")" "...stats: converted"
fi

# --- bad input: rejected with reasons, never a crash
{
	echo '{"id":"1"}'
	echo 'not json'
	echo '[1,2]'
	echo '"str"'
	echo '{"id":"1","id":"2"}'
	printf '{"id":"\377"}\n'
	printf '{"id":"1","pad":"%s"}\n' "$(printf 'x%.0s' $(seq 1100))"
	h nest 129 obj
	h nest 128 obj
	echo '{"id":"1"} {}'
	echo '{"id":"1"}'
} >"$T/in"
printf 'id,v\n1,one\n' >"$T/one.csv"
run mp-enrich -k id -t "$T/one.csv" --max-record=1000 --rejects="$T/rej" \
    --stats="$T/st" "$T/in"
checkj "bad lines rejected, the good ones written" 0 \
    <(echo '{"id":"1","v":"one","cost_source":"one"}'; lines "$T/in" 9; \
    echo '{"id":"1","v":"one","cost_source":"one"}') "" \
    <(lines "$T/in" 1 9 11) v,cost_source
is "$(field "$T/rej" '"\(.line) \(.reason | split(":")[0])"')" \
    "2 invalid JSON|3 invalid JSON|4 invalid JSON|5 invalid JSON|6 invalid JSON|7 record longer than 1000 bytes|8 invalid JSON|10 invalid JSON" \
    "the reasons: invalid JSON (not JSON, not an object, a key twice, bad UTF-8, 129 deep, text after), too long"
is "$(field "$T/rej" 'select(.line == 5 or .line == 8) | .reason')" \
    "invalid JSON: duplicate key 'id' at byte 11|invalid JSON: nesting deeper than 128 at byte 133" \
    "...in mp(7)'s words"
is "$(field "$T/rej" 'select(.record_b64) | "\(.line) \(.bytes // "-")"')" \
    "6 -|7 $(($(lines "$T/in" 7 | wc -c) - 1))" \
    "invalid UTF-8 and the long line as record_b64, the long one with its bytes"
is "$(jq -r 'select(.line == 6) | .record_b64' "$T/rej" | base64 -d | od -An -c | tr -s ' ')" \
    "$(lines "$T/in" 6 | tr -d '\n' | od -An -c | tr -s ' ')" \
    "...the bad line byte for byte"
jqok "$T/st" '.records_in == 11 and .records_out == 3 and .rejected == 8 and
    .rejected_by["invalid JSON"] == 7' "stats: rejected_by invalid JSON"
{ h nest 200000 arr; h nest 100000 obj; echo '{"id":"1"}'; } >"$T/deep"
run mp-enrich -k id -t "$T/one.csv" --rejects="$T/rej" "$T/deep"
checkj "200000 brackets deep: rejected, no crash" 0 \
    <(echo '{"id":"1","v":"one","cost_source":"one"}') "" <(lines "$T/deep" 3) \
    v,cost_source
is "$(field "$T/rej" .line)" "1|2" "...both deep lines"
printf '\357\273\277{"id":"1"}\r\n\r\n  \n{"id":"2"}' >"$T/in"
run mp-enrich -k id -t "$T/one.csv" --stats="$T/st" "$T/in"
checkj "a byte order mark, CRLF, blank lines, no last newline" 0 \
    <(printf '{"id":"1","v":"one","cost_source":"one"}\n{"id":"2"}\n') ""
jqok "$T/st" '.blank_lines == 2 and .records_in == 2' "...blank lines counted"

# --- strict, log format, max-record, progress
printf '{"id":"1"}\n{"id":"2"}\n{"id":"1"}\n' >"$T/in"
run mp-enrich -k id -t "$T/one.csv" -s --unmatched=reject --rejects="$T/rej" \
    "$T/in"
checkj "-s: stops at the first reject, 65" 65 \
    <(echo '{"id":"1","v":"one","cost_source":"one"}') ""
run mp-enrich -k id -t "$T/one.csv" --strict --unmatched=reject "$T/in"
is "$rc $(wc -l <"$T/out")" "65 1" "--strict"
run mp-enrich -k id -t "$T/one.csv" --unmatched=reject --log-format=json \
    "$T/in"
[ "$rc" = 65 ] && jq -e 'select(.prog == "mp-enrich" and .line == 2 and
    .level and (.msg | length) > 0)' "$T/err" >/dev/null
ok $? "--log-format=json: the reject as JSON on stderr"
run mp-enrich -k id -t "$T/one.csv" --log-format=json -t "$T/none.csv" "$T/in"
[ "$rc" = 66 ] && jq -e 'select(.level == "error")' "$T/err" >/dev/null
ok $? "--log-format=json: a missing table, level error, 66"
run mp-enrich -k id -t "$T/one.csv" --progress "$T/in"
is "$rc $(field "$T/out" '.v // "-"')" "0 one|-|one" "--progress"
run mp-enrich -k id -t "$T/one.csv" --no-progress "$T/in"
checkj "--no-progress" 0 <(printf '%s\n' \
    '{"id":"1","v":"one","cost_source":"one"}' '{"id":"2"}' \
    '{"id":"1","v":"one","cost_source":"one"}') ""

# SIGTERM: the record in hand finished, stats with interrupted, 143
mkfifo "$T/fifo"
{ printf '{"id":"1"}\n{"id":"2"}\n'; exec sleep 60; } >"$T/fifo" &
wpid=$!
mp-enrich -k id -t "$T/one.csv" --stats="$T/st" "$T/fifo" >"$T/out" \
    2>"$T/err" &
epid=$!
# (the output may be held until exit: then the 5 s are the wait)
for i in $(seq 50); do
	[ "$(wc -l <"$T/out")" -ge 2 ] && break
	sleep 0.1
done
kill -TERM "$epid"
wait "$epid"
rc=$?
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null
rm -f "$T/fifo"
check "SIGTERM while reading: 143, the records read written" 143 \
    <(printf '%s\n' '{"id":"1","v":"one","cost_source":"one"}' '{"id":"2"}') ""
jqok "$T/st" '.interrupted == true and .exit == 143 and .records_in == 2' \
    "...stats: interrupted true"

# --- stats and metrics
run mp-enrich -k id -t "$T/t1.csv" -t "$T/t2.ndjson" --unmatched=drop \
    --stats="$T/st" --metrics="$T/prom" <(printf '{"id":"%s"}\n' 1 2 4 5 9)
jqok "$T/st" '.prog == "mp-enrich" and .records_in == 5 and
    .records_out == 4 and .dropped == 1 and .matched == {"t1": 2, "t2": 2}
    and .unmatched == 1 and .table_rows == {"t1": 2, "t2": 3} and .exit == 0' \
    "--stats=FILE"
grep -q '^mp_records_in_total{prog="mp-enrich"} 5$' "$T/prom" &&
    grep -q '^mp_unmatched_total{prog="mp-enrich"} 1$' "$T/prom" &&
    grep -qE '^mp_matched_total\{prog="mp-enrich",[a-z]+="t1"\} 2$' "$T/prom"
st=$?
ok $st "--metrics: the own counters, matched by table name"
[ $st = 0 ] || diag "$(grep -v '^#' "$T/prom" | head -20)"
run mp-enrich -k id -t "$T/t1.csv" --stats /dev/null
[ "$rc" = 0 ] && jq -e '.prog == "mp-enrich" and .records_in == 0' \
    "$T/err" >/dev/null
ok $? "--stats alone: to stderr"

# --- -K: the ordered table options from a file
mkdir -p "$T/ex"
if [ -f "$top/examples/enrich.conf" ]; then
	cp -R "$top/examples/." "$T/ex/"
	(cd "$T/ex" && mp-enrich -K enrich.conf events.ndjson >"$T/out" \
	    2>"$T/err")
	rc=$?
	cp "$T/ex/enrich-rejects.ndjson" "$T/kr" 2>/dev/null
	(cd "$T/ex" && mp-enrich -k campaign_id -k 'date=.ts[0:10]' \
	    -a spend=cost:money -t spend/google_ads.csv \
	    -t spend/meta_ads.ndjson -t default=spend/default-cpc.csv \
	    -k source -k type -a cpc=cost:money --rejects=enrich-rejects.ndjson \
	    events.ndjson >"$T/want" 2>/dev/null)
	check "-K examples/enrich.conf: what its options give on the command line" \
	    0 "$T/want" ""
	is "$(field "$T/out" '.cost_source // "-"' | tr '|' '\n' | sort -u |
	    paste -sd' ' -)" "- default google_ads meta_ads" \
	    "...every table of it wins somewhere"
	cmp -s "$T/kr" "$T/ex/enrich-rejects.ndjson" && [ -s "$T/kr" ]
	ok $? "...rejects = FILE"
fi
cat >"$T/k.conf" <<X
# tables in order, each with its options
key = id
source-field: src
--table=$T/dup.csv
last
table $T/t2.ndjson
-a v=w
unmatched = drop
dropped = $T/kdrop
X
printf '{"id":"%s"}\n' 1 4 7 >"$T/in"
run mp-enrich -K "$T/k.conf" "$T/in"
checkj "-K: key, source-field, a table with --last, a table with -a" 0 \
    <(printf '%s\n' '{"id":"1","v":"c","src":"dup"}' \
    '{"id":"4","w":"B4","src":"t2"}') "" <(lines "$T/in" 1 2) v,w,src
is "$(field "$T/kdrop" .line)" "3" "-K: unmatched = drop, dropped = FILE"
run mp-enrich --config="$T/k.conf" --source-field=s2 "$T/in"
is "$rc $(field "$T/out" .s2)" "0 dup|t2" "--config; an option after it wins"
run mp-enrich -K "$T/none.conf" "$T/in"
check "-K a file that is not there: 78" 78 /dev/null "none\.conf"

# --- usage and other errors
run mp-enrich -k id -t "$T/none.csv" "$T/in"
check "a table that cannot be read: 66, naming it" 66 /dev/null \
    "^mp-enrich: .*none\.csv: No such file or directory"
run mp-enrich -k id -t "$T/one.csv" "$T/in" "$T/none.ndjson"
is "$rc $(grep -c "^mp-enrich: $T/none.ndjson: " "$T/err") $(wc -l <"$T/out")" \
    "66 1 3" "an input file that cannot be read: reported, skipped, 66"
usage() {
	local name=$1 pat=$2; shift 2
	run mp-enrich "$@" "$T/in"
	check "usage: $name: 64" 64 /dev/null "$pat"
}
U='^(mp-enrich: |usage: mp-enrich)'
usage "no -t and no --currency-table" "$U" -k id
usage "--unmatched=maybe" "$U.*unmatched|^usage" -k id -t "$T/one.csv" \
    --unmatched=maybe
usage "--batch=0" "$U" -k id -t "$T/one.csv" --batch=0
usage "-b 1000001" "$U" -k id -t "$T/one.csv" -b 1000001
usage "-b x" "$U" -k id -t "$T/one.csv" -b x
usage "--cache=-1" "$U" -k id -t "$T/one.csv" --cache=-1
usage "--cache=100000001" "$U" -k id -t "$T/one.csv" --cache=100000001
usage "--currency-table without --currency" "$U.*currency|^usage" \
    --currency-table="$T/fx.csv"
usage "-a v:float" "$U" -k id -t "$T/one.csv" -a v:float
usage "-k a bad path" "$U" -k 'id=.a[' -t "$T/one.csv"
usage "-k a bad jq program" "$U" -k 'id=(.a|' -t "$T/one.csv"
usage "-k empty" "$U" -k '' -t "$T/one.csv"
usage "-a a bad path" "$U" -k id -t "$T/one.csv" -a 'v=.a..b'
usage "--format=xml" "$U" -k id -t "$T/one.csv" --format=xml
usage "--type=type (not a path)" "$U" -k id -t "$T/al.csv" --allocate=spend \
    --type=type
usage "-T ts (not a path)" "$U" --currency-table="$T/fx.csv" --currency=USD \
    -T ts
usage "--convert=cost (not a path)" "$U" --currency-table="$T/fx.csv" \
    --currency=USD --convert=cost
usage "--currency-field=currency" "$U" --currency-table="$T/fx.csv" \
    --currency=USD --currency-field=currency
run mp-enrich -k id -t "$T/one.csv" --rejects="$T/nodir/rej" "$T/in"
check "--rejects that cannot be created: 73" 73 /dev/null "nodir"
run mp-enrich -h
miss=0
for o in -s -k -a -t --format --first --last --allocate --count-column \
    -d -b --cache --source-field --unmatched --allocate-to --type \
    --currency-table --currency --convert --currency-field -T --fx-field \
    -K --rejects --dropped --stats --metrics --max-record --log-format; do
	grep -qE -- "[[ |]$o([][ =|]|\$)" "$T/out" || {
		miss=1
		diag "usage lacks $o"
	}
done
[ "$rc" = 0 ] && grep -q '^usage: mp-enrich ' "$T/out"
ok $((miss | $?)) "-h: the usage of the synopsis, on stdout"
run mp-enrich --version
is "$rc $(cut -d' ' -f1 "$T/out")" "0 mp-enrich" "--version"
run mp-enrich -V
is "$rc $(cut -d' ' -f1 "$T/out")" "0 mp-enrich" "-V"
if [ -w /dev/full ]; then
	mp-enrich -k id -t "$T/one.csv" "$T/in" >/dev/full 2>"$T/err"
	rc=$?
	: >"$T/out"
	check "stdout on a full disk: 74" 74 /dev/null "^mp-enrich: "
fi
gen-events -n 20000 --seed 3 >"$T/big" 2>/dev/null
mp-enrich -k id=.campaign_id -t "$T/t1.csv" "$T/big" 2>"$T/err" | head -n 1 \
    >"$T/out"
rc=${PIPESTATUS[0]}
check "stdout closed early: 0, quietly" 0 <(head -n 1 "$T/big") ""

# --- found in review
printf 'date,currency,rate\n2024-01-05,EUR,\n' >"$T/fxe.csv"
run mp-enrich --currency-table="$T/fxe.csv" --currency=USD \
    <(printf '{"ts":"2024-01-05T10:00:00Z","currency":"EUR","revenue":50}\n')
check "a rate table with an empty rate: 65 naming the row" 65 /dev/null \
    "fxe.csv:2: column 'rate' is empty"
printf 'campaign_id,spend\nc1,10\n' >"$T/sp1.csv"
printf 'date,currency,rate\n2024-01-05,EUR,1.1\n' >"$T/fx1.csv"
for cur in EUR GBP EUR; do
	printf '{"campaign_id":"c1","ts":"2024-01-05T10:00:00Z","currency":"%s","revenue":1}\n' $cur
done >"$T/ev3"
run mp-enrich -t "$T/sp1.csv" -k campaign_id --allocate=spend=share \
    --currency-table="$T/fx1.csv" --currency=USD --rejects="$T/r3" "$T/ev3"
is "$rc $(jq -r .share "$T/out" | paste -sd' ' -) $(wc -l <"$T/r3")" "0 5 5 1" \
    "a record the conversion rejects is not counted in the first pass"
printf '{"campaign_id":"c1","x":{}}\n{"campaign_id":"c1","x":1}\n{"campaign_id":"c1","x":{}}\n' >"$T/ev4"
run mp-enrich -t "$T/sp1.csv" -k campaign_id --allocate=spend=x.share \
    --rejects="$T/r4" --stats="$T/st4" "$T/ev4"
jqok "$T/st4" '.allocated == 2 and .unallocated_micros == 3333334' \
    "a share a rejected record could not take is counted unallocated"

# a field both added and allocated would be in the record twice
printf 'campaign_id,spend,clicks\nc1,1.00,3\n' >"$T/dupf.csv"
printf '{"event_id":"a","type":"click","campaign_id":"c1"}\n' >"$T/dupf"
run mp-enrich -k campaign_id -a spend=cost:money --allocate=spend=cost \
    --count-column=clicks -t "$T/dupf.csv" "$T/dupf"
check "-a and --allocate into one field: 64" 64 /dev/null \
    "'.cost' is both added \\(-a\\) and allocated"
run mp-enrich -k campaign_id -a spend:money --allocate=spend=cost \
    --count-column=clicks -t "$T/dupf.csv" "$T/dupf"
jqok "$T/out" '.spend == 1 and .cost == 0.333333' \
    "-a and --allocate into two fields: both there, once"

done_testing
