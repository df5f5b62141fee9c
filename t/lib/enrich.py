#!/usr/bin/env python3
# t/lib/enrich.py: helpers of the mp-enrich tests (t/lib/enrich.sh), reading
# JSON text as it is written (jq reads numbers as doubles and cannot say
# how a value was written)
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
