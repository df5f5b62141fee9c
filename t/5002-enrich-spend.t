#!/bin/bash
# mp-enrich: spend is conserved.  Events a spend row matches that are not
# of --allocate-to get 0; --unallocated writes the spend no kept event
# carries as records of its own (no-events, unmatched), in one pass
# (--count-column) and in two; for every spend row the parts and its
# record sum to the spend exactly, checked by an independent computation
# (python3 Decimal) over generated events with a random share of the
# clicks dropped and some cloned, for several seeds.  Excess clicks,
# event_id determinism, escaping, the time of a record, a stage before
# that failed, every new option.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-enrich" ] || skip_all "cmd/mp-enrich is not built"
command -v python3 >/dev/null || skip_all "python3 is not installed"

H=$T/h.py
cat >"$H" <<'PY'
import csv, json, random, sys
from decimal import Decimal


def dec(t):
    return json.loads(t, parse_float=Decimal, parse_int=Decimal)


def tables(specs):
    """name=file.csv ... -> [(name, [row dict in file order])]"""
    out = []
    for s in specs:
        name, f = s.split("=", 1)
        with open(f, newline="") as fh:
            out.append((name, list(csv.DictReader(fh))))
    return out


def check(mode, out, *specs):
    """Checks mp-enrich -k campaign_id -k date=.ts[0:10] -a network
    --allocate=spend=cost --allocate-to=click --unallocated=cost (mode
    count: --count-column=clicks) over the tables: for every row, the
    costs of the clicks it matched and its record's cost sum to its
    spend exactly; a record iff they do not; its members; other events
    of a row get cost 0; the records come last, in table order."""
    tabs = tables(specs)
    rows, order = {}, []
    for name, rs in tabs:
        for r in rs:
            k = (r["campaign_id"], r["date"])
            if k in rows:
                continue            # an earlier table wins
            rows[k] = {"name": name, "row": r, "spend": Decimal(r["spend"]),
                       "count": int(r["clicks"]), "given": Decimal(0),
                       "k": 0, "rec": None}
            order.append(k)
    bad, recs, events, tail = [], [], 0, False
    with open(out, encoding="utf-8") as fh:
        for ln, l in enumerate(fh, 1):
            e = dec(l)
            if str(e.get("event_id", "")).startswith("spend:"):
                tail = True
                recs.append((ln, e))
                continue
            events += 1
            if tail:
                bad.append("line %d: an event after the records" % ln)
            ts = e.get("ts")
            k = (e.get("campaign_id"), ts[0:10] if isinstance(ts, str)
                 else None)
            if k not in rows:
                continue
            r = rows[k]
            if e.get("cost_source") != r["name"]:
                bad.append("line %d: cost_source %s" % (ln, e.get("cost_source")))
            c = e.get("cost")
            if not isinstance(c, Decimal):
                bad.append("line %d: cost %r" % (ln, c))
                continue
            if e.get("type") == "click":
                r["given"] += c
                r["k"] += 1
            elif c != 0:
                bad.append("line %d: a %s of a row with cost %s" %
                           (ln, e.get("type"), c))
    want = []
    for k in order:
        r = rows[k]
        left = r["spend"] - r["given"]
        if left != 0:
            want.append(k)
    got = []
    for ln, e in recs:
        k = (e.get("campaign_id"), e.get("date"))
        got.append(k)
        if k not in rows:
            bad.append("line %d: a record of no row: %s" % (ln, k))
            continue
        r = rows[k]
        left = r["spend"] - r["given"]
        n = r["count"] if mode == "count" else r["k"]
        row = r["row"]
        exp = {"event_id": "spend:%s:%s:%s" % (r["name"], k[0], k[1]),
               "type": "cost", "ts": k[1] + "T00:00:00Z",
               "source": r["name"], "cost_source": r["name"],
               "campaign_id": k[0], "date": k[1], "cost": left,
               "reason": "no-events" if r["k"] == 0 else "unmatched",
               "unallocated_count": max(n - r["k"], 0),
               "network": row["network"], "spend": row["spend"],
               "clicks": row["clicks"]}
        keys = list(json.loads(l_of(out, ln)).keys())
        if keys != list(exp.keys()):
            bad.append("line %d: members %s" % (ln, keys))
        for x, v in exp.items():
            if e.get(x) != v or isinstance(v, str) != \
                    isinstance(e.get(x), str):
                bad.append("line %d: %s %r, want %r" % (ln, x, e.get(x), v))
        if r["given"] + e["cost"] != r["spend"]:
            bad.append("row %s: %s + %s != %s" %
                       (k, r["given"], e["cost"], r["spend"]))
    if got != want:
        bad.append("records for %d rows, want %d, in table order" %
                   (len(got), len(want)))
    for k in order:
        r = rows[k]
        if k not in got and r["given"] != r["spend"]:
            bad.append("row %s: given %s of %s, no record" %
                       (k, r["given"], r["spend"]))
    reasons = {}
    for _, e in recs:
        reasons[e.get("reason")] = reasons.get(e.get("reason"), 0) + 1
    excess = sum(1 for k in order if mode == "count" and
                 rows[k]["k"] > rows[k]["count"])
    print(json.dumps({
        "rows": len(order), "records": len(recs), "events": events,
        "reasons": reasons, "excess_rows": excess,
        "micros": int(sum((e["cost"] for _, e in recs), Decimal(0)) * 10**6),
        "spend": str(sum((rows[k]["spend"] for k in order), Decimal(0))),
        "bad": len(bad), "first_bad": bad[:6]}))
    return 0


_lines = {}


def l_of(f, n):
    if f not in _lines:
        with open(f, encoding="utf-8") as fh:
            _lines[f] = fh.read().split("\n")
    return _lines[f][n - 1]


def thin(seed, drop, clone):
    """Events on stdin to stdout: a share drop of the clicks left out, a
    share clone of them written twice (the second with an event_id of its
    own: more kept than the network counted)."""
    rnd = random.Random(int(seed))
    for l in sys.stdin:
        e = json.loads(l)
        if e.get("type") == "click":
            x = rnd.random()
            if x < float(drop):
                continue
            if x > 1 - float(clone):
                sys.stdout.write(l)
                e["event_id"] += "-again"
                l = json.dumps(e, separators=(",", ":")) + "\n"
        sys.stdout.write(l)
    return 0


def split(spend, a, b):
    """The spend rows of google_ads and meta_ads into a, the others into b."""
    with open(spend, newline="") as fh:
        rs = list(csv.reader(fh))
    with open(a, "w") as fa, open(b, "w") as fb:
        for f in (fa, fb):
            f.write(",".join(rs[0]) + "\n")
        for r in rs[1:]:
            (fa if r[2] in ("google_ads", "meta_ads") else fb).write(
                ",".join(r) + "\n")
    return 0


sys.exit(globals()[sys.argv[1]](*sys.argv[2:]))
PY
h() { python3 "$H" "$@"; }

# --- a small case, by hand
cat >"$T/sp.csv" <<'X'
cid,date,tag,spend,n
a,2026-11-20,A,10.000000,2
b,2026-11-20,B,1,4
s,2026-11-20,S,0.000010,3
z,2026-11-20,Z,5,1
r,2026-11-20,R,-1,3
e,2026-11-20,E,0,2
X
cat >"$T/ev" <<'X'
{"e":1,"type":"click","cid":"a"}
{"e":2,"type":"impression","cid":"a","cost":0.1}
{"e":3,"type":"click","cid":"a"}
{"e":4,"type":"click","cid":"a"}
{"e":5,"type":"click","cid":"b"}
{"e":6,"type":"click","cid":"s","cost":7}
{"e":7,"type":"conversion","cid":"z","revenue":3}
{"e":8,"type":"impression","cid":"x","cost":0.2}
{"e":9,"type":"click","cid":"r"}
X
A="-k cid -a tag -t $T/sp.csv --allocate=spend=cost --allocate-to=click"
cat >"$T/want" <<'X'
{"e":1,"type":"click","cid":"a","tag":"A","cost":5,"cost_source":"sp"}
{"e":2,"type":"impression","cid":"a","cost":0,"tag":"A","cost_source":"sp"}
{"e":3,"type":"click","cid":"a","tag":"A","cost":5,"cost_source":"sp"}
{"e":4,"type":"click","cid":"a","tag":"A","cost":0,"cost_source":"sp"}
{"e":5,"type":"click","cid":"b","tag":"B","cost":0.25,"cost_source":"sp"}
{"e":6,"type":"click","cid":"s","cost":0.000003,"tag":"S","cost_source":"sp"}
{"e":7,"type":"conversion","cid":"z","revenue":3,"tag":"Z","cost":0,"cost_source":"sp"}
{"e":8,"type":"impression","cid":"x","cost":0.2}
{"e":9,"type":"click","cid":"r","tag":"R","cost":-0.333334,"cost_source":"sp"}
{"event_id":"spend:sp:b","type":"cost","ts":"2026-11-20T00:00:00Z","source":"sp","cost_source":"sp","cid":"b","cost":0.75,"reason":"unmatched","unallocated_count":3,"date":"2026-11-20","tag":"B","spend":"1","n":"4"}
{"event_id":"spend:sp:s","type":"cost","ts":"2026-11-20T00:00:00Z","source":"sp","cost_source":"sp","cid":"s","cost":0.000007,"reason":"unmatched","unallocated_count":2,"date":"2026-11-20","tag":"S","spend":"0.000010","n":"3"}
{"event_id":"spend:sp:z","type":"cost","ts":"2026-11-20T00:00:00Z","source":"sp","cost_source":"sp","cid":"z","cost":5,"reason":"no-events","unallocated_count":1,"date":"2026-11-20","tag":"Z","spend":"5","n":"1"}
{"event_id":"spend:sp:r","type":"cost","ts":"2026-11-20T00:00:00Z","source":"sp","cost_source":"sp","cid":"r","cost":-0.666666,"reason":"unmatched","unallocated_count":2,"date":"2026-11-20","tag":"R","spend":"-1","n":"3"}
X
run mp-enrich $A --count-column=n --unallocated=cost --stats="$T/st" "$T/ev"
check "--count-column, --unallocated=cost: parts, impressions and conversions 0, the records of no-events and unmatched, byte for byte" \
    0 "$T/want" ""
jqok "$T/st" '.cost_records == 4 and .unallocated_micros == 5083341 and
    .allocated == 5 and .allocate_excess == 1 and .records_out == 13' \
    "stats: cost_records 4, unallocated_micros the sum of their costs (0.75 + 0.000007 + 5 - 0.666666)"
cp "$T/out" "$T/one"
run mp-enrich $A --count-column=n --unallocated=cost "$T/ev"
cmp -s "$T/out" "$T/one"
ok $? "the same input again: the same bytes, the same event_ids"
sed -n 10p "$T/want" >"$T/w1"
mp-enrich $A --count-column=n --unallocated=cost <"$T/ev" |
    grep -F '"spend:sp:b"' >"$T/out"
cmp -s "$T/out" "$T/w1"
ok $? "one pass on a pipe: the same record"
# two passes: n is what the input has, so only rows with no events
cat >"$T/want" <<'X'
{"event_id":"spend:sp:z","type":"cost","ts":"2026-11-20T00:00:00Z","source":"sp","cost_source":"sp","cid":"z","cost":5,"reason":"no-events","unallocated_count":0,"date":"2026-11-20","tag":"Z","spend":"5","n":"1"}
X
run mp-enrich $A --unallocated=cost --stats="$T/st" "$T/ev"
tail -n +10 "$T/out" >"$T/recs"
cmp -s "$T/recs" "$T/want" && [ "$rc" = 0 ] &&
    [ "$(grep -c '"cost":' "$T/out")" = 10 ]
ok $? "two passes: one record, no-events, the row with no click"
[ $? = 0 ] || diag "$(cat "$T/recs")"
jqok "$T/st" '.cost_records == 1 and .unallocated_micros == 5000000' \
    "two passes: stats"
# the count column need not be there in two passes, nor written
run mp-enrich -k cid -a tag -t "$T/sp.csv" --allocate=spend=cost \
    --allocate-to=click --unallocated=adj "$T/ev"
is "$rc $(grep -c '"type":"adj"' "$T/out")" "0 1" "--unallocated=adj: the type as given"

# a restated row (--last): the record of the row that counts
printf 'cid,date,spend,n\nz,2026-11-20,5,1\ny,2026-11-20,1,1\nz,2026-11-20,7,2\n' \
    >"$T/re.csv"
run mp-enrich -k cid -t "$T/re.csv" --last --allocate=spend=cost \
    --allocate-to=click --count-column=n --unallocated=cost "$T/ev"
is "$rc $(jq -r 'select(.type == "cost") | "\(.event_id)=\(.cost)"' "$T/out" |
    paste -sd' ' -)" "0 spend:re:y=1 spend:re:z=7" \
    "--last: one record of the key, of the row that counts, in its place"

# excess: more clicks kept than the network counted
printf 'cid,date,spend,clicks\nc,2026-11-20,1,2\n' >"$T/ex.csv"
for i in 1 2 3; do echo "{\"type\":\"click\",\"cid\":\"c\",\"i\":$i}"; done \
    >"$T/exev"
run mp-enrich -k cid -t "$T/ex.csv" --allocate=spend=cost --allocate-to=click \
    --count-column=clicks --unallocated=cost --stats="$T/st" "$T/exev"
is "$rc $(jq -r .cost "$T/out" | paste -sd' ' -) $(jq -c \
    '[.allocate_excess, .cost_records, .unallocated_micros]' "$T/st")" \
    "0 0.5 0.5 0 [1,0,0]" "excess clicks: the spend still whole, no record"

# the event_id and the members escaped; keys with ':' and odd text
printf '%s\n' 'cid,date,tag,spend,n' \
    $'"q""uo\te:1",2026-11-20,"back\\slash, ""x""",1,1' \
    '"line
feed",2026-11-20,é ☃ 😀,2,1' >"$T/odd.csv"
run mp-enrich -k cid -t "$T/odd.csv" --allocate=spend=cost --count-column=n \
    --unallocated=cost "$T/ev"
jq -e -s 'map(select(.type == "cost")) | length == 2 and
    .[0].event_id == "spend:odd:q\"uo\te:1" and
    .[0].cid == "q\"uo\te:1" and .[0].tag == "back\\slash, \"x\"" and
    .[1].event_id == "spend:odd:line\nfeed" and
    .[1].tag == "é ☃ 😀"' "$T/out" >/dev/null && [ "$rc" = 0 ]
ok $? "odd key values: quotes, a tab, a backslash, a newline, ':', UTF-8 escaped in JSON"
grep -c . "$T/out" | grep -qx "$(($(wc -l <"$T/ev") + 2))"
ok $? "...one line each"

# an NDJSON table: its other columns as they are written
printf '%s\n' '{"cid":"z","date":"2026-11-20","spend":5,"n":1,"meta":{"a":[1]},"note":null}' \
    >"$T/sp.ndjson"
run mp-enrich -k cid -t "$T/sp.ndjson" --allocate=spend=cost --count-column=n \
    --allocate-to=click --unallocated=cost "$T/ev"
is "$(tail -n 1 "$T/out")" \
    '{"event_id":"spend:sp:z","type":"cost","ts":"2026-11-20T00:00:00Z","source":"sp","cost_source":"sp","cid":"z","cost":5,"reason":"no-events","unallocated_count":1,"date":"2026-11-20","spend":5,"n":1,"meta":{"a":[1]},"note":null}' \
    "an NDJSON table: the other columns as written there"

# --unallocated-time, --source-field, a name taken
printf 'cid,at,spend,n,type\nz,2026-11-20T23:59:59.5Z,5,1,x\n' >"$T/t.csv"
run mp-enrich -k cid -t net=$T/t.csv --allocate=spend=cost --count-column=n \
    --allocate-to=click --unallocated=cost --unallocated-time=at \
    --source-field=src "$T/ev"
is "$(tail -n 1 "$T/out")" \
    '{"event_id":"spend:net:z","type":"cost","ts":"2026-11-20T23:59:59.5Z","source":"net","src":"net","cid":"z","cost":5,"reason":"no-events","unallocated_count":1,"at":"2026-11-20T23:59:59.5Z","spend":"5","n":"1"}' \
    "--unallocated-time=at: an RFC 3339 time kept; --source-field=src; a column 'type' left out"
run mp-enrich -k cid -t net=$T/t.csv --allocate=spend=cost --count-column=n \
    --allocate-to=click --unallocated=cost --unallocated-time=at \
    --source-field= "$T/ev"
jqok <(tail -n 1 "$T/out") 'has("cost_source") | not' "--source-field= : none"
run mp-enrich -k cid -t net=$T/t.csv --allocate=spend=x.cost --count-column=n \
    --allocate-to=click --unallocated=cost --unallocated-time=at "$T/ev"
jqok <(tail -n 1 "$T/out") '.x.cost == 5 and (keys_unsorted | last) == "x"' \
    "--allocate=spend=x.cost: a path, at the end"

# a row without a usable time: 65, naming the table and the row
printf 'cid,date,spend,n\na,2026-11-20,1,1\nb,,2,1\n' >"$T/nt1.csv"
run mp-enrich -k cid -t "$T/nt1.csv" --allocate=spend=cost --count-column=n \
    --unallocated=cost "$T/ev"
check "a row with an empty date: 65, naming the table's file and row" 65 \
    /dev/null "nt1\\.csv:3: column 'date' is .*table 'nt1'"
printf 'cid,date,spend,n\na,20/11/2026,1,1\n' >"$T/nt2.csv"
run mp-enrich -k cid -t "$T/nt2.csv" --allocate=spend=cost --count-column=n \
    --unallocated=cost "$T/ev"
check "a date that is not one: 65, nothing guessed" 65 /dev/null \
    "nt2\\.csv:2: column 'date': '20/11/2026' is not a day"
printf 'cid,day,spend,n\na,2026-11-20,1,1\n' >"$T/nt3.csv"
run mp-enrich -k cid -t "$T/nt3.csv" --allocate=spend=cost --count-column=n \
    --unallocated=cost "$T/ev"
check "a table with no column 'date': 65" 65 /dev/null \
    "nt3\\.csv: no column 'date'"
run mp-enrich -k cid -t "$T/nt3.csv" --allocate=spend=cost --count-column=n \
    "$T/ev"
is "$rc" 0 "...which without --unallocated it need not have"
printf '%s\n' '{"cid":"a","date":"2026-11-20","spend":1,"n":1}' \
    '{"cid":"b","spend":1,"n":1}' >"$T/nt4.ndjson"
run mp-enrich -k cid -t "$T/nt4.ndjson" --allocate=spend=cost --count-column=n \
    --unallocated=cost "$T/ev"
check "an NDJSON row without the member: 65, naming it" 65 /dev/null \
    "nt4\\.ndjson:2: column 'date' is missing"

# a stage before that failed: what it passed goes on, no record
mp-validate "$T/ev" "$T/none" 2>/dev/null |
    mp-enrich $A --count-column=n --unallocated=cost --stats="$T/st" \
    >"$T/out" 2>"$T/err"
rc=$?
is "$rc $(grep -c '"spend:' "$T/out") $(grep -c . "$T/out")" "75 0 9" \
    "the stage before failed: 75, the events passed, no record (the input was not whole)"
jqok "$T/st" '.cost_records == 0 and .exit == 75' "...stats: cost_records 0"
mp-validate "$T/ev" | mp-enrich $A --count-column=n --unallocated=cost \
    >"$T/out" 2>"$T/err"
is "$? $(grep -c '"spend:' "$T/out")" "0 4" "...and when it finished: the records"
# input that may leave clicks out: no record, loudly
cat "$T/ev" | mp-enrich $A --count-column=n --unallocated=cost \
    >"$T/out" 2>"$T/err"
is "$? $(grep -c '"spend:' "$T/out") $(grep -c . "$T/out")" "65 0 9" \
    "a pipe from a program that is not an mp tool: 65, the events passed, no record"
grep -q 'no cost records: the input may not hold whole days' "$T/err"
ok $? "...saying why"
cat "$T/ev" | mp-enrich $A --count-column=n --unallocated=cost --trust-input \
    >"$T/out" 2>"$T/err"
is "$? $(grep -c '"spend:' "$T/out")" "0 4" "--trust-input: the writer's end taken as whole"
mp-dedup --key=.e --state="$T/dd.state" --run-id=r1 "$T/ev" >/dev/null
head -n 4 "$T/ev" | mp-dedup --key=.e --state="$T/dd.state" --run-id=r2 |
    mp-enrich $A --count-column=n --unallocated=cost >"$T/out" 2>"$T/err"
is "$? $(grep -c '"spend:' "$T/out")" "65 0" \
    "mp-dedup dropped what an earlier run passed: 65, no record (the spend would be overstated)"
# a reject that fails the run: no record; captured: the records
printf '{"type":"click","cid":"a"}\nnot json\n' >"$T/rj"
run mp-enrich $A --count-column=n --unallocated=cost "$T/rj"
is "$rc $(grep -c '"spend:' "$T/out")" "65 0" "a record rejected, no --rejects: 65, no record"
run mp-enrich $A --count-column=n --unallocated=cost --rejects="$T/rjr" "$T/rj"
is "$rc $(grep -c '"spend:' "$T/out")" "0 5" "...with --rejects: the records"
run mp-enrich $A --count-column=n --unallocated=cost "$T/ev" "$T/none"
is "$rc $(grep -c '"spend:' "$T/out")" "66 0" "an input that cannot be read: 66, no record"

# several tables: the records of each, in table order
printf 'cid,date,spend,n\nz,2026-11-20,9,1\nq,2026-11-21,3,1\n' >"$T/second.csv"
run mp-enrich -k cid --allocate=spend=cost --count-column=n --allocate-to=click \
    -t "$T/sp.csv" -a tag -t "$T/second.csv" --unallocated=cost "$T/ev"
is "$rc $(jq -r 'select(.type == "cost") | .event_id' "$T/out" | paste -sd' ' -)" \
    "0 spend:sp:b spend:sp:s spend:sp:z spend:sp:r spend:second:z spend:second:q" \
    "two tables: the records of each, in table order (a key the first has is still the second's spend)"

# -K, usage
cat >"$T/k.conf" <<X
key = cid
table = $T/t.csv
allocate = spend=cost
count-column = n
allocate-to = click
unallocated = cost
unallocated-time = at
X
run mp-enrich -K "$T/k.conf" "$T/ev"
is "$rc $(tail -n 1 "$T/out" | jq -r '[.ts, .reason] | join(" ")')" \
    "0 2026-11-20T23:59:59.5Z no-events" "-K: unallocated = cost, unallocated-time = at"
U='^(mp-enrich: |usage: mp-enrich)'
run mp-enrich -k cid -t "$T/sp.csv" --unallocated=cost "$T/ev"
check "--unallocated with no table that allocates: 64" 64 /dev/null "$U"
run mp-enrich $A --unallocated= "$T/ev"
check "--unallocated= (empty): 64" 64 /dev/null "$U"
run mp-enrich $A --unallocated-time=date "$T/ev"
check "--unallocated-time without --unallocated: 64" 64 /dev/null "$U"
run mp-enrich $A --unallocated=cost --unallocated-time= "$T/ev"
check "--unallocated-time= (empty): 64" 64 /dev/null "$U"
run mp-enrich -k cid -t "$T/sp.csv" --allocate=spend=reason --unallocated=cost \
    "$T/ev"
check "--allocate into a field of the record's own: 64" 64 /dev/null \
    "'.reason' is one of the record's own"
run mp-enrich -h
grep -q -- '--unallocated=type' "$T/out" &&
    grep -q -- '--unallocated-time=column' "$T/out"
ok $? "-h: --unallocated, --unallocated-time"

# --- conservation over generated days: for every row, parts + record =
# spend, exactly; a random share of the clicks dropped (bots, duplicates,
# clicks the tracker never saw), some cloned (more kept than counted)
G="-k campaign_id -k date=.ts[0:10] -a network --allocate=spend=cost --allocate-to=click --unallocated=cost"
for seed in 3 17 29 41 58; do
	gen-events -n 4000 --seed "$seed" --days 2 --dup-rate 0.05 \
	    --spend-out "$T/spend.csv" 2>/dev/null | mp-dedup >"$T/evd"
	drop=0.$((seed % 5 + 1))
	h thin "$seed" "$drop" 0.03 <"$T/evd" >"$T/evt"
	h split "$T/spend.csv" "$T/ga.csv" "$T/other.csv"
	run mp-enrich $G --count-column=clicks -t "$T/ga.csv" -t "$T/other.csv" \
	    --stats="$T/st" "$T/evt"
	h check count "$T/out" ga="$T/ga.csv" other="$T/other.csv" >"$T/chk"
	jq -e --argjson rc "$rc" '$rc == 0 and .bad == 0 and
	    .reasons.unmatched > 10 and .reasons["no-events"] > 10 and
	    .excess_rows > 0' "$T/chk" >/dev/null
	ok $? "seed $seed, --count-column, $drop of the clicks dropped: every row's parts and record sum to its spend $(jq -c '{rows, records, reasons, excess_rows, spend}' "$T/chk")"
	[ "$(jq .bad "$T/chk")" = 0 ] || diag "$(jq -c .first_bad "$T/chk")"
	jqok "$T/st" "$(jq -r '".cost_records == \(.records) and
	    .unallocated_micros == \(.micros)"' "$T/chk")" \
	    "...stats: cost_records, unallocated_micros the sum of the records"
	cp "$T/out" "$T/o1"
	h thin "$seed" "$drop" 0.03 <"$T/evd" |
	    mp-enrich $G --count-column=clicks --trust-input -t "$T/ga.csv" \
	    -t "$T/other.csv" >"$T/out" 2>"$T/err"
	cmp -s "$T/out" "$T/o1"
	ok $? "...on a pipe: the same bytes"
	run mp-enrich $G -t "$T/ga.csv" -t "$T/other.csv" --stats="$T/st" \
	    "$T/evt"
	h check pass "$T/out" ga="$T/ga.csv" other="$T/other.csv" >"$T/chk"
	jq -e --argjson rc "$rc" '$rc == 0 and .bad == 0 and
	    .reasons["no-events"] > 10 and (.reasons.unmatched // 0) == 0' \
	    "$T/chk" >/dev/null
	ok $? "seed $seed, two passes: every row's parts and record sum to its spend $(jq -c '{records, reasons}' "$T/chk")"
	[ "$(jq .bad "$T/chk")" = 0 ] || diag "$(jq -c .first_bad "$T/chk")"
	jqok "$T/st" "$(jq -r '".cost_records == \(.records) and
	    .unallocated_micros == \(.micros)"' "$T/chk")" \
	    "...stats"
done

# --- the man page's example: the sum of cost is the report's spend
mkdir "$T/ex"
cp -R "$top/examples/." "$T/ex/"
(cd "$T/ex" && mp-enrich -t spend/google_ads.csv -k campaign_id \
    -k 'date=.ts[0:10]' --allocate=spend=cost --allocate-to=click \
    --count-column=clicks --unallocated=cost --rejects=rejects.ndjson \
    events.ndjson >costed.ndjson)
is "$?" 0 "mp-enrich(1) EXAMPLES: --unallocated=cost on examples/"
python3 - "$T/ex/costed.ndjson" "$T/ex/spend/google_ads.csv" >"$T/out" <<'X'
import csv, json, sys
from decimal import Decimal
tot = Decimal(0)
for l in open(sys.argv[1]):
    e = json.loads(l, parse_float=Decimal, parse_int=Decimal)
    if e.get("cost_source") == "google_ads":
        tot += e["cost"]
print(tot == sum(Decimal(r["spend"]) for r in csv.DictReader(open(sys.argv[2]))))
X
is "$(cat "$T/out")" True "...the sum of cost over its output is the sum of spend in spend/google_ads.csv"

done_testing
