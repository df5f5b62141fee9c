#!/bin/bash
# mp-dedup: the distinct set of generated events against one found by jq;
# keys, fingerprints, windows and late records; state across runs and
# --run-id re-runs; unique visitors; stats, options, usage errors, and the
# runs that must not write the state.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-dedup" ] || skip_all "cmd/mp-dedup is not built"
B=$(date -u -d 2026-11-20 +%s)

# evs: lines "ID SECONDS [JSON]" to records {"event_id":ID,"ts":TIME}, TIME
# SECONDS after 2026-11-20T00:00:00Z, with the members of JSON added
evs() {
	jq -R -c --argjson b "$B" 'split(" ") | {event_id: .[0],
	    ts: ($b + (.[1] | tonumber) | todate)} + (.[2] // "{}" | fromjson)'
}
# ids [FILE]: the event ids in FILE (the last output), on one line
ids() { jq -r .event_id "${1:-$T/out}" | paste -sd' ' -; }
# lines FILE N...: those lines of FILE
lines() { local f=$1; shift; for n; do sed -n "${n}p" "$f"; done; }
# field FILE FILTER: FILTER over each JSON line of FILE, on one line
field() { jq -r "$2" "$1" | paste -sd'|' -; }
# layout FILE: the state file's fields as JSON, or an error (the format of
# the man page: header, runs, 16-byte keys and undo records (24 in version
# 1), checksum, end)
layout() {
	python3 - "$1" <<'X'
import json, struct, sys
d = open(sys.argv[1], "rb").read()
out = {"size": len(d)}
try:
    assert d[:8] == b"mpdedup\0", "magic"
    assert d[-8:] == b"mpdedup\n", "end magic"
    ver, flags = struct.unpack_from("<II", d, 8)
    wm, = struct.unpack_from("<q", d, 48)
    nruns, last = struct.unpack_from("<II", d, 56)
    nk0, nk1, nu0, nu1 = struct.unpack_from("<QQQQ", d, 64)
    w0, w1 = struct.unpack_from("<QQ", d, 96)
    # version 1: 24-byte keys, BLAKE2b; 2: the hash named, 16-byte keys
    hash, = struct.unpack_from("<I", d, 112) if ver == 2 else (1,)
    # nruns counts the runs without an id (index 0), which have no entry
    off, runs = 112 if ver == 1 else 120, []
    for i in range(nruns - 1):
        n, = struct.unpack_from("<H", d, off)
        rid = d[off + 2:off + 2 + n].decode()
        pre, = struct.unpack_from("<q", d, off + 2 + n)
        runs.append({"id": rid, "pre": None if pre == -2**63 else pre})
        off += 2 + n + 8
    # version 2: a key's run is the high 24 bits of its last u32
    keyruns = sorted({struct.unpack_from("<I", d, off + 16 * i + 12)[0] >> 8
                      for i in range(nk0 + nk1)}) if ver == 2 else None
    off += (24 if ver == 1 else 16) * (nk0 + nk1 + nu0 + nu1)
    assert off + 16 == len(d), "size %d, fields say %d" % (len(d), off + 16)
    out.update(version=ver, hash=hash, wm=None if wm == -2**63 else wm, runs=runs,
               keyruns=keyruns,
               last=last, nkeys=[nk0, nk1], nundo=[nu0, nu1],
               window=[w0, w1])
except Exception as e:
    out["error"] = str(e) or type(e).__name__
print(json.dumps(out))
X
}

# --- the distinct set: the first line of each event, as jq finds them
gen-events -n 20000 --seed 7 --dup-rate 0.1 --odd-rate 0.05 --stats \
    >"$T/ev" 2>"$T/truth"
jq -r .event_id "$T/ev" | awk '!seen[$0]++ { print NR }' >"$T/keep"
awk 'NR == FNR { k[$1]; next } FNR in k' "$T/keep" "$T/ev" >"$T/want"
awk 'NR == FNR { k[$1]; next } !(FNR in k)' "$T/keep" "$T/ev" >"$T/wdrop"
is "$(wc -l <"$T/want") $(wc -l <"$T/wdrop")" \
    "$(jq -r '"\(.events) \(.duplicates)"' "$T/truth")" \
    "reference: jq finds the generator's distinct events and replays"
run mp-dedup --dropped="$T/drop" --stats="$T/st" "$T/ev"
check "default key .event_id: the first line of each event, byte for byte" \
    0 "$T/want" ""
jq -r .record "$T/drop" | cmp -s - "$T/wdrop" &&
    [ "$(jq -r .reason "$T/drop" | sort -u)" = duplicate ] &&
    [ "$(jq -r .prog "$T/drop" | sort -u)" = mp-dedup ]
ok $? "--dropped: every other line, as it was, reason duplicate"
is "$(jq -r .line "$T/drop" | md5sum)" \
    "$(seq 20000 | awk 'NR == FNR { k[$1]; next } !($1 in k)' "$T/keep" - |
    md5sum)" "--dropped: the line numbers"
jq -e --slurpfile t "$T/truth" '.prog == "mp-dedup" and
    .records_in == 20000 and .records_out == $t[0].events and
    .dropped == $t[0].duplicates and .duplicates == $t[0].duplicates and
    .dropped_by == {"duplicate": $t[0].duplicates} and .rejected == 0 and
    (.late // 0) == 0 and (.expired // 0) == 0 and .state_bytes == 0 and
    (.state_load_ms | type) == "number"' "$T/st" >/dev/null
st=$?
ok $st "stats: records, duplicates, dropped_by; state_bytes 0 without --state"
[ $st = 0 ] || diag "$(cat "$T/st")"
run mp-dedup --fingerprint "$T/ev"
check "--fingerprint: the same set (replays are byte for byte)" 0 "$T/want" ""
gen-events -n 5000 --seed 8 --dup-rate 0.1 --odd-rate 0 >"$T/ev8" 2>/dev/null
jq -r .event_id "$T/ev8" | awk '!seen[$0]++ { print NR }' >"$T/keep8"
IN=$T/ev8 run mp-dedup -w 7d
check "standard input, -w 7d: the same set" 0 \
    <(awk 'NR == FNR { k[$1]; next } FNR in k' "$T/keep8" "$T/ev8") ""
head -n 10000 "$T/ev" >"$T/ev1"
tail -n +10001 "$T/ev" >"$T/ev2"
run mp-dedup -S "$T/g.state" "$T/ev1"
cp "$T/out" "$T/out1"
run mp-dedup --state="$T/g.state" --stats="$T/st" "$T/ev2"
cat "$T/out1" "$T/out" | cmp -s - "$T/want" && [ "$rc" = 0 ]
ok $? "two runs on one state: together the same set"
jq -e --argjson n "$(jq .events "$T/truth")" \
    --argjson sz "$(stat -c %s "$T/g.state")" \
    '.keys == $n and .state_bytes == $sz' "$T/st" >/dev/null
ok $? "stats: keys as written, state_bytes the size of the state file"
is "$(layout "$T/g.state" | jq -c '[.error, .version, .hash, (.nkeys // [] | add), .keyruns]')" \
    "[null,2,3,$(jq .events "$T/truth"),[0]]" \
    "the state file: magic, version 2, SipHash (3), the keys (of no run), the size its fields say"
run mp-dedup -S "$T/g2.state" "$T/ev1"
run mp-dedup -S "$T/g3.state" "$T/ev1"
! cmp -s <(head -c 48 "$T/g2.state" | tail -c 32) \
    <(head -c 48 "$T/g3.state" | tail -c 32)
ok $? "a fresh state has a hash key of its own"

# --- keys: composite, typed, decoded; missing, null and empty rejected
cat >"$T/in" <<'X'
{"source":"a","click_id":"x"}
{"source":"b","click_id":"x"}
{"click_id":"x","source":"a","n":2}
{"source":"a","click_id":"\u0078"}
{"source":"a,x","click_id":"y"}
{"source":"a","click_id":"x,y"}
{"source":"a"}
{"source":"a","click_id":null}
{"source":"a","click_id":""}
{"click_id":"x"}
{"source":"","click_id":null}
{"source":"a","click_id":1}
{"source":"a","click_id":1.0}
{"source":"a","click_id":1}
{"source":"a","click_id":"1"}
{"source":"a","click_id":{"p":1,"q":[1,2]}}
{"source":"a","click_id":{ "q" : [1, 2], "\u0070":1}}
{"source":"a","click_id":{"p":1,"q":[2,1]}}
{"source":"a","click_id":"\u00e9\ud83d\ude00"}
{"source":"a","click_id":"é😀"}
{"source":"a","click_id":true}
{"source":"a","click_id":"true"}
{"source":"a","click_id":"A\/b"}
{"source":"a","click_id":"A/b"}
not json
X
run mp-dedup --key=.source,.click_id --rejects="$T/rej" --dropped="$T/drop" \
    "$T/in"
check "--key composite: parts compared decoded, typed, objects canonical" 0 \
    <(lines "$T/in" 1 2 5 6 12 13 15 16 18 19 21 22 23) ""
is "$(field "$T/drop" .line)" "3|4|14|17|20|24" "the duplicates dropped"
is "$(field "$T/rej" '"\(.line) \(.reason)"')" \
    "7 missing field '.click_id'|8 field '.click_id' is null|9 field '.click_id' is empty|10 missing field '.source'|11 field '.source' is empty|25 invalid JSON: unexpected character 'n' at byte 1" \
    "a missing, null or empty part is rejected with its reason; the first part first"
is "$(field "$T/rej" '"\(.prog) \(.file) \(.record)"' | cut -d'|' -f1)" \
    "mp-dedup $T/in {\"source\":\"a\"}" "rejects: prog, file, the record"
# a record with an empty key in a day with a state: with --rejects it is
# rejected and the day goes on, state and all; without, the run fails (65)
# and writes no state, which stops a pipeline run with pipefail
printf '%s\n' '{"event_id":"a","ts":"2026-11-20T01:00:00Z"}' \
    '{"event_id":"","ts":"2026-11-20T01:00:00Z"}' \
    '{"event_id":"b","ts":"2026-11-20T01:00:00Z"}' >"$T/in"
run mp-dedup --state="$T/ek.state" --rejects="$T/rej" "$T/in"
check "an empty event_id with --rejects and --state: 0, the rest passes" 0 \
    <(lines "$T/in" 1 3) ""
is "$(field "$T/rej" '"\(.line) \(.reason)"') $(test -s "$T/ek.state"; echo $?)" \
    "2 field '.event_id' is empty 0" "...rejected with its reason, the state written"
run mp-dedup --state="$T/ek2.state" "$T/in"
check "...without --rejects: 65, no state written" 65 <(lines "$T/in" 1 3) \
    "^mp-dedup: $T/in:2: field '\\.event_id' is empty$"
is "$(test -e "$T/ek2.state"; echo $?)" 1 "...no state file"
printf '%s\n' '{"d":{"id":1},"event_id":1}' '{"d":{"id":1},"event_id":2}' \
    '{"d":{"id":2}}' '{"odd key":1,"d":{"id":3}}' '{"odd key":1}' >"$T/in"
run mp-dedup -k .d.id --rejects=/dev/null "$T/in"
check "-k a nested path" 0 <(lines "$T/in" 1 3 4) ""
run mp-dedup -k '."odd key"' --rejects="$T/rej" "$T/in"
check "-k a quoted key" 0 <(lines "$T/in" 4) ""
run mp-dedup --rejects="$T/rej" "$T/in"
is "$rc $(wc -l <"$T/out") $(field "$T/rej" .reason)" \
    "0 2 missing field '.event_id'|missing field '.event_id'|missing field '.event_id'" \
    "default key .event_id; 1 and 2 are two keys"
# the key is read off the line's start before the record is checked, and
# that guess is taken only if the checked record makes the same key
printf '%s\n' '{"event_id":"ab","x":1}' '{"event_id":"a\u0062"}' \
    '{"ts":"t","event_id":"ab"}' '{ "event_id" : "ab" }' \
    '{"event_id":"cd","event_id":"ef"}' '{"event_id":"cd",}' \
    '{"event_id":"cd"}' '{"event_id":"ab\"}' '{"event_id":"ab\""}' \
    '{"event_id":"ef"}' '{"event_id":["ef"]}' '{"event_id":"ab\""}' >"$T/in"
run mp-dedup --rejects=/dev/null "$T/in"
check "a key at the line's start, escaped, later, spaced, twice, in a bad record" \
    0 <(lines "$T/in" 1 7 9 10 11) ""
printf '%s\n' '{"a\"b":"1"}' '{"a\"b":"1"}' '{"a\\":"1"}' '{"a\\":"1"}' >"$T/in"
run mp-dedup -k '."a\"b"' --rejects=/dev/null "$T/in"
check "...a key whose name has a quote" 0 <(lines "$T/in" 1) ""
run mp-dedup -k '."a\\"' --rejects=/dev/null "$T/in"
check "...or a backslash" 0 <(lines "$T/in" 3) ""
printf '{"event_id":"a"}\n{"event_id":"a","ts":"yesterday"}\n{"event_id":"b","ts":"x"}\n' >"$T/in"
run mp-dedup "$T/in"
check "without --window or --mark-unique the time is not read" 0 \
    <(lines "$T/in" 1 3) ""

# --- fingerprints
cat >"$T/in" <<'X'
{"a":1,"b":"x","c":{"d":[1,{"e":2,"f":3}]}}
{ "c" : {"d":[ 1 , {"f":3,"e":2}]},	"b":"\u0078","a":1 }
{"a":1,"b":"x","c":{"d":[1,{"e":2,"f":4}]}}
{"a":1,"b":"x","c":{"d":[{"e":2,"f":3},1]}}
{"a":1.0,"b":"x","c":{"d":[1,{"e":2,"f":3}]}}
{"a":1,"b":"x","c":{"d":[1,{"e":2,"f":3}]},"g":null}
{"a":1,"b":"/x"}
{"b":"\/x","\u0061":1}
{"a":1,"b":"/X"}
{"a":"1","b":"/x"}
{"s":"é\u001f"}
{"s":"\u00e9\u001F"}
X
run mp-dedup -f --dropped="$T/drop" "$T/in"
check "-f: key order, white space, escapes make no difference; values do" 0 \
    <(lines "$T/in" 1 3 4 5 6 7 9 10 11) ""
is "$(field "$T/drop" '"\(.line) \(.reason)"')" "2 duplicate|8 duplicate|12 duplicate" \
    "-f: the duplicates dropped"
cat >"$T/in" <<'X'
{"id":1,"received_at":"t1","meta":{"seq":1,"src":"a"}}
{"id":1,"received_at":"t2","meta":{"seq":2,"src":"a"}}
{"meta":{"src":"a","seq":3},"id":1}
{"id":1,"received_at":"t1","meta":{"seq":1,"src":"b"}}
{"id":2,"received_at":"t1","meta":{"seq":1,"src":"a"}}
{"id":1,"meta":{"src":"a"},"seq":9}
X
run mp-dedup --fingerprint --ignore=.received_at,.meta.seq "$T/in"
check "--ignore: those fields are left out of the fingerprint" 0 \
    <(lines "$T/in" 1 4 5 6) ""
run mp-dedup -f -I .meta "$T/in"
check "-I a whole object" 0 <(lines "$T/in" 1 2 3 5 6) ""

# --- windows: exactly W apart is not a duplicate, W-1 s apart is
printf '%s\n' 'a 0' 'a 10' 'b 10' 'b 19' | evs >"$T/in"
run mp-dedup -w 10s --dropped="$T/drop" --stats="$T/st" "$T/in"
check "-w 10s: 10 s apart passes, 9 s apart is a duplicate" 0 \
    <(lines "$T/in" 1 2 3) ""
is "$(field "$T/drop" '"\(.line) \(.reason) \(.first_seen) \(has("first_run"))"')" \
    "4 duplicate 2026-11-20T00:00:10Z false" \
    "--dropped: first_seen; no first_run without --run-id"
printf '%s\n' 'c 0 {"ts":"2026-11-20T00:00:00.999Z"}' \
    'c 0 {"ts":"2026-11-20T00:00:10.000Z"}' \
    'd 0 {"ts":"2026-11-20T01:00:00+01:00"}' \
    'd 0 {"ts":"2026-11-19T23:00:09.999999-01:00"}' \
    'c 0 {"ts":"2026-11-20T00:00:19.999Z"}' | evs >"$T/in"
run mp-dedup --window=10s --dropped="$T/drop" "$T/in"
check "times truncated to the second, offsets read" 0 <(lines "$T/in" 1 2 3) ""
is "$(field "$T/drop" '"\(.line) \(.first_seen)"')" \
    "4 2026-11-20T00:00:00Z|5 2026-11-20T00:00:10Z" "first_seen in UTC, to the second"
printf '%s\n' 'x 100' 'y 95' 'y 96' 'y 104' 'y 105' 'z 95' 'w 94' 'w 96' \
    'w 97' | evs >"$T/late"
run mp-dedup -w 10s --dropped="$T/drop" --stats="$T/st" "$T/late"
check "out of order within the window; a late record passes (--late=pass)" 0 \
    <(lines "$T/late" 1 2 5 6 7 8) ""
is "$(field "$T/drop" .line)" "3|4|9" "the duplicates behind and ahead"
jqok "$T/st" '.late == 1 and .duplicates == 3 and .dropped_by == {"duplicate": 3}' \
    "stats: late counts a late record passed"
run mp-dedup -w 10s --late=pass "$T/late"
check "--late=pass" 0 <(lines "$T/late" 1 2 5 6 7 8) ""
run mp-dedup -w 10s --late=drop --dropped="$T/drop" --stats="$T/st" "$T/late"
check "--late=drop" 0 <(lines "$T/late" 1 2 5 6 8) ""
is "$(field "$T/drop" '"\(.line) \(.reason)"')" \
    "3 duplicate|4 duplicate|7 late|9 duplicate" "--late=drop: reason late"
jqok "$T/st" '.late == 1 and .duplicates == 3 and .dropped == 4 and
    .dropped_by == {"duplicate": 3, "late": 1}' "stats: dropped_by late"
run mp-dedup -w 10s --late=reject --rejects="$T/rej" --stats="$T/st" "$T/late"
check "--late=reject" 0 <(lines "$T/late" 1 2 5 6 8) ""
is "$(field "$T/rej" '"\(.line) \(.reason)"')" "7 late: older than the window" \
    "--late=reject: the reason"
jqok "$T/st" '.rejected == 1 and .rejected_by == {"late": 1} and .late == 1' \
    "stats: rejected_by late"
run mp-dedup -w 10s --late=reject "$T/late"
check "--late=reject without --rejects: 65" 65 <(lines "$T/late" 1 2 5 6 8) \
    "late: older than the window"
printf '%s\n' 'a 5' 'b 10' 'z 20' 'a 12' 'b 12' | evs >"$T/in"
run mp-dedup -w 10s "$T/in"
check "expiry: a key older than WM-W is forgotten, one at WM-W is not" 0 \
    <(lines "$T/in" 1 2 3 4) ""
printf '%s\n' 'a 1000' 'a 1009' 'c 998' 'c 999' | evs >"$T/in"
run mp-dedup -w 10s --late=drop --dropped="$T/drop" "$T/in"
check "a duplicate moves the watermark too" 0 <(lines "$T/in" 1 4) ""
is "$(field "$T/drop" .reason)" "duplicate|late" "the late record behind it"
printf '%s\n' 'a 0' 'a 119' 'b 0' 'b 120' | evs >"$T/in"
run mp-dedup -w 2m "$T/in"
check "-w 2m is 120 s" 0 <(lines "$T/in" 1 3 4) ""

# the time: missing, null, not RFC 3339, out of range; -T
cat >"$T/in" <<'X'
{"event_id":"a"}
{"event_id":"b","ts":null}
{"event_id":"c","ts":"yesterday"}
{"event_id":"d","ts":1795132800}
{"event_id":"e","ts":"1970-01-01T00:00:00Z"}
{"event_id":"f","ts":"1970-01-01T00:00:01Z"}
{"event_id":"g","ts":"2106-02-07T06:28:16Z"}
{"event_id":"h","ts":"2026-11-20T00:00:00"}
{"event_id":"i","ts":"2106-02-07T00:00:00Z"}
X
run mp-dedup -w 1h --rejects="$T/rej" "$T/in"
check "with --window, a record without a usable time is rejected" 0 \
    <(lines "$T/in" 6 9) ""
is "$(field "$T/rej" '"\(.line) \(.reason)"')" \
    "1 missing field '.ts'|2 field '.ts' is null|3 field '.ts' is not an RFC 3339 time|4 field '.ts' is not an RFC 3339 time|5 field '.ts' is out of range|7 field '.ts' is out of range|8 field '.ts' is not an RFC 3339 time" \
    "time reasons; 1970-01-01T00:00:01Z and 2106-02-07 are in range"
printf '%s\n' '{"event_id":"a","ts":"2026-11-20T00:00:00Z"}' \
    '{"event_id":"a","ts":"2026-11-20T00:00:0\u0039Z"}' \
    '{"event_id":"b","ts":"2026-11-20T00:00:1\u0030Z"}' >"$T/in"
run mp-dedup -w 10s "$T/in"
check "a time is read after its JSON escapes are decoded" 0 <(lines "$T/in" 1 3) ""
printf '%s\n' '{"event_id":"a","when":"2026-11-20T00:00:00Z","ts":"x"}' \
    '{"event_id":"a","when":"2026-11-20T00:00:09Z"}' \
    '{"event_id":"b","ts":"2026-11-20T00:00:09Z"}' >"$T/in"
run mp-dedup -w 10s --time=.when --rejects="$T/rej" "$T/in"
check "--time: the time at another path" 0 <(lines "$T/in" 1) ""
is "$(field "$T/rej" .reason)" "missing field '.when'" "--time: its name in the reason"
run mp-dedup -w 10s -T .when --rejects=/dev/null "$T/in"
check "-T" 0 <(lines "$T/in" 1) ""

# --- state across runs
printf '{"event_id":"a"}\n{"event_id":"b"}\n' >"$T/in1"
printf '{"event_id":"b"}\n{"event_id":"c"}\n' >"$T/in2"
S=$T/s.state
run mp-dedup -S "$S" --stats="$T/st" "$T/in1"
check "-S: a missing state is a fresh start" 0 "$T/in1" ""
[ -f "$S" ] && [ -f "$S.lock" ] && [ ! -e "$S.tmp" ]
ok $? "the state and its lock file are there, no FILE.tmp"
jqok "$T/st" ".keys == 2 and .state_bytes == $(stat -c %s "$S")" \
    "stats: keys 2, state_bytes the file's size"
run mp-dedup -S "$S" --dropped="$T/drop" --stats="$T/st" "$T/in2"
check "the second run drops the keys of the first" 0 <(lines "$T/in2" 2) ""
is "$(field "$T/drop" '"\(.line) \(.reason) \(has("first_run"))"')" \
    "1 duplicate false" "--dropped: no first_run when that run had no id"
jqok "$T/st" ".keys == 3 and .duplicates == 1 and .state_bytes == $(stat -c %s "$S")" \
    "stats after the second run"

# expiry across runs: kept are the keys of earlier runs live when the run
# began, and the run's own keys live at its end
printf '%s\n' 'a 0' 'b 5' 'z 100' | evs >"$T/in1"
printf '%s\n' 'y 101' | evs >"$T/in2"
S=$T/x.state
run mp-dedup -S "$S" -w 10s --stats="$T/st" "$T/in1"
jqok "$T/st" '.keys == 1 and .expired == 2' \
    "a run of 3 keys: its own keys past the window expire at its end"
run mp-dedup -S "$S" -w 10s --stats="$T/st" "$T/in2"
jqok "$T/st" ".keys == 2 and .expired == 0 and .state_bytes == $(stat -c %s "$S")" \
    "the next run keeps the key live when it began: expired 0, keys 2"
printf '%s\n' 'c 0' 'd 20' | evs >"$T/x1"
printf '%s\n' 'e 120' | evs >"$T/x2"
printf '%s\n' 'f 121' | evs >"$T/x3"
S2=$T/x2.state
run mp-dedup -S "$S2" -w 10s -R r1 "$T/x1"
run mp-dedup -S "$S2" -w 10s -R r2 --stats="$T/st" "$T/x2"
jqok "$T/st" '.keys == 2 and .expired == 0' \
    "r2 keeps r1's key that was live when r2 began"
run mp-dedup -S "$S2" -w 10s -R r3 --stats="$T/st" "$T/x3"
jqok "$T/st" '.keys == 2 and .expired == 1' \
    "r3 drops it: dead when r3 began"
printf '%s\n' 'a 95' 'z 99' | evs >"$T/in"
run mp-dedup -S "$S" -w 10s "$T/in"
check "an expired key passes again, a live one does not" 0 <(lines "$T/in" 1) ""

# --- --run-id: a re-run of the last run gives the same output, repeated
printf '%s\n' '{"event_id":"a"}' '{"event_id":"b"}' '{"event_id":"c"}' \
    '{"event_id":"a"}' >"$T/A"
printf '%s\n' '{"event_id":"c"}' '{"event_id":"d"}' '{"event_id":"e"}' \
    '{"event_id":"d"}' >"$T/B"
S=$T/r.state
run mp-dedup -S "$S" -R r1 "$T/A"
check "-R r1: first run" 0 <(lines "$T/A" 1 2 3) ""
run mp-dedup -S "$S" --run-id=r2 --dropped="$T/drop" "$T/B"
check "--run-id=r2: the keys of r1 dropped" 0 <(lines "$T/B" 2 3) ""
is "$(field "$T/drop" '"\(.line) \(.first_run)"')" "1 r1|4 r2" \
    "--dropped: first_run names the run that saw the key first"
cp "$T/out" "$T/o2"
cp "$T/drop" "$T/d2"
cp "$S" "$T/r2.state"
bad=
for i in 1 2 3; do
	run mp-dedup -S "$S" -R r2 --dropped="$T/drop" "$T/B"
	[ "$rc" = 0 ] && cmp -s "$T/out" "$T/o2" && cmp -s "$T/drop" "$T/d2" &&
	    [ ! -s "$T/err" ] || bad="$bad $i"
done
is "$bad" "" "a re-run of the last run, three times: the same output and --dropped"
{ cat "$T/A"; echo '{"event_id":"d"}'; } >"$T/A2"
run mp-dedup -S "$S" -R r1 --dropped="$T/drop" "$T/A2"
check "a re-run of an older run passes its own keys again" 0 \
    <(lines "$T/A" 1 2 3) ""
is "$(field "$T/drop" '"\(.line) \(.first_run)"')" "4 r1|5 r2" \
    "...and checks the rest against the state"
printf '%s\n' '{"event_id":"a"}' '{"event_id":"d"}' '{"event_id":"f"}' >"$T/C"
run mp-dedup -S "$S" -R r3 --dropped="$T/drop" "$T/C"
check "a run after it" 0 <(lines "$T/C" 3) ""
is "$(field "$T/drop" .first_run)" "r1|r2" "...sees each key's first run"
run mp-dedup -S "$T/r2.state" "$T/B"
check "without --run-id a re-run is a new run" 0 /dev/null ""
run mp-dedup -S "$T/n.state" "$T/A"
run mp-dedup -S "$T/n.state" --dropped="$T/drop" "$T/A"
check "without --run-id a re-run drops everything" 0 /dev/null ""
is "$(field "$T/drop" .reason)" "duplicate|duplicate|duplicate|duplicate" \
    "...as duplicates of itself"

# with a window: the watermark goes back to where the re-run run began
printf '%s\n' 'a 100' | evs >"$T/A"
printf '%s\n' 'c 95' 'b 200' 'a 150' | evs >"$T/B"
S=$T/w.state
run mp-dedup -S "$S" -w 10s --late=drop -R r1 "$T/A"
run mp-dedup -S "$S" -w 10s --late=drop -R r2 "$T/B"
check "-w: r2 after r1" 0 <(lines "$T/B" 1 2) ""
bad=
for i in 1 2 3; do
	run mp-dedup -S "$S" -w 10s --late=drop -R r2 "$T/B"
	[ "$rc" = 0 ] && cmp -s "$T/out" <(lines "$T/B" 1 2) || bad="$bad $i"
done
is "$bad" "" "-w: a re-run of the last run starts from its watermark, three times"
is "$(layout "$S" | jq -c --argjson b "$B" \
    '[.error, [.runs // [] | .[] | .id, (if .pre then .pre - $b else null end)], .keyruns]')" \
    '[null,["r1",null,"r2",100],[1,2]]' "the state: each run with the watermark it began with, keys of both"
# a re-run of an older run also starts from the watermark it began with
printf '%s\n' 'a 100' | evs >"$T/A"
printf '%s\n' 'b 200' | evs >"$T/B"
printf '%s\n' 'a 100' 'c 150' 'b 195' | evs >"$T/A2"
S=$T/o.state
run mp-dedup -S "$S" -w 10s --late=drop -R r1 "$T/A"
run mp-dedup -S "$S" -w 10s --late=drop -R r2 "$T/B"
run mp-dedup -S "$S" -w 10s --late=drop -R r1 --dropped="$T/drop" "$T/A2"
check "-w: a re-run of an older run: not late behind the newer run's watermark" \
    0 <(lines "$T/A2" 1 2) ""
is "$(field "$T/drop" '"\(.line) \(.reason) \(.first_run)"')" "3 duplicate r2" \
    "...and a key of the newer run within the window is a duplicate"
# an older run's key, expired by this run's watermark, is there for its re-run
printf '%s\n' 'k 0' | evs >"$T/A"
printf '%s\n' 'k 5' 'z 100' | evs >"$T/B"
S=$T/e.state
run mp-dedup -S "$S" -w 10s -R r0 "$T/A"
run mp-dedup -S "$S" -w 10s -R r1 "$T/B"
check "r1: k a duplicate of r0's" 0 <(lines "$T/B" 2) ""
run mp-dedup -S "$S" -w 10s -R r1 "$T/B"
check "a re-run of r1: still a duplicate" 0 <(lines "$T/B" 2) ""
# the keys a last run overwrote are put back when it is re-run
printf '%s\n' 'a 100' | evs >"$T/A"
printf '%s\n' 'a 200' | evs >"$T/B"
printf '%s\n' 'b 200' | evs >"$T/B2"
printf '%s\n' 'a 150' | evs >"$T/C"
S=$T/u.state
run mp-dedup -S "$S" -w 100s -R r1 "$T/A"
run mp-dedup -S "$S" -w 100s -R r2 "$T/B"
check "a passes 100 s after r1: its key now belongs to r2" 0 "$T/B" ""
run mp-dedup -S "$S" -w 100s -R r2 "$T/B2"
check "a re-run of r2 without it" 0 "$T/B2" ""
run mp-dedup -S "$S" -w 100s -R r3 --dropped="$T/drop" "$T/C"
check "...puts back the key r2 overwrote" 0 /dev/null ""
is "$(field "$T/drop" '"\(.first_seen) \(.first_run)"')" \
    "2026-11-20T00:01:40Z r1" "...with its first_seen and first_run"

# run ids: 1 to 200 printable bytes, no white space
run mp-dedup -S "$T/id.state" -R "$(printf 'x%.0s' $(seq 200))" /dev/null
check "a 200-byte run id" 0 /dev/null ""
for id in '' 'a b' "$(printf 'a\tb')" "$(printf 'a\001')" \
    "$(printf 'x%.0s' $(seq 201))"; do
	run mp-dedup -S "$T/id.state" -R "$id" /dev/null
	check "-R '$(printf %q "$id" | cut -c1-20)': usage" 64 /dev/null \
	    "^mp-dedup: .*(run-id|-R)"
done

run mp-dedup --window=48 /dev/null
check "--window=48: usage, naming the form expected" 64 /dev/null \
    "^mp-dedup: --window: '48': not a duration such as 48h, 30m, 2d or 1h30m"
run mp-dedup --max-record=12x /dev/null
check "--max-record=12x: usage, naming the form expected" 64 /dev/null \
    "^mp-dedup: --max-record: '12x': not a size such as 512, 64k, 1M or 2G"

# --- unique visitors
cat <<'X' | evs >"$T/in"
e1 0 {"visitor_id":"v1"}
e2 59 {"visitor_id":"v1"}
e3 60 {"visitor_id":"v1"}
e1 61 {"visitor_id":"v2"}
e4 62 {"visitor_id":"v2"}
e5 63 {"visitor_id":"v2"}
e6 64 {"ip":"192.0.2.1","ua":"X"}
e7 65 {"visitor_id":null,"ip":"192.0.2.1","ua":"X"}
e8 66 {"visitor_id":"","ip":"192.0.2.1","ua":"Y"}
e9 67
e10 68 {"visitor_id":null}
e11 119 {"visitor_id":"v1"}
e12 0 {"visitor_id":"v3"}
e13 1 {"visitor_id":"v3"}
e14 70 {"visitor_id":"v4","uniq":"old"}
X
run mp-dedup -u uniq --unique-window=60s --dropped="$T/drop" --stats="$T/st" "$T/in"
is "$rc $(jq -c .uniq "$T/out" | paste -sd' ' -)" \
    "0 true false true true false true false true null null false true true true" \
    "--mark-unique: window edges, fallback to ip+ua, null when unknown, late"
cmp -s <(jq -c 'del(.uniq)' "$T/out") \
    <(lines "$T/in" 1 2 3 5 6 7 8 9 10 11 12 13 14 15 | jq -c 'del(.uniq)') &&
    [ "$(tail -n 1 "$T/out" | grep -o '"uniq"' | wc -l)" = 1 ]
ok $? "the mark is spliced in; an existing one is replaced"
is "$(jq -r .record "$T/drop")" "$(lines "$T/in" 4)" "a duplicate is not marked"
jqok "$T/st" '.unique == 8 and .repeat == 4 and .unique_unknown == 2 and
    .unique_late == 2 and .visitors == 5' \
    "stats: unique, repeat, unique_unknown, unique_late, visitors"
printf '%s\n' 'e1 0 {"visitor_id":"v"}' 'e2 86399 {"visitor_id":"v"}' \
    'e3 86400 {"visitor_id":"v"}' | evs >"$T/in"
run mp-dedup --mark-unique=u "$T/in"
is "$rc $(jq -c .u "$T/out" | paste -sd' ' -)" "0 true false true" \
    "--unique-window is 24h unless told"
printf '%s\n' 'e1 0 {"a":1,"b":2}' 'e2 1 {"a":1,"b":3}' 'e3 2 {"b":2,"a":1}' \
    'e4 3 {"a":"1","b":2}' 'e5 4 {"a":null,"b":"","ip":"::1","ua":"Z"}' \
    'e6 5 {"ip":"::1","ua":"Z","visitor_id":"q"}' | evs >"$T/in"
run mp-dedup -u u --visitor=.a,.b "$T/in"
is "$rc $(jq -c .u "$T/out" | paste -sd' ' -)" "0 true true false true true false" \
    "--visitor: a composite visitor; all parts empty: ip+ua"
printf '{"event_id":"x","visitor_id":"v"}\n' >"$T/in"
run mp-dedup -u u --rejects="$T/rej" "$T/in"
is "$rc $(wc -l <"$T/out") $(field "$T/rej" .reason)" "0 0 missing field '.ts'" \
    "--mark-unique needs the time"
S=$T/v.state
printf '%s\n' 'e1 0 {"visitor_id":"v1"}' | evs >"$T/in1"
printf '%s\n' 'e2 10 {"visitor_id":"v1"}' 'e3 10 {"visitor_id":"v2"}' | evs >"$T/in2"
run mp-dedup -S "$S" -u u "$T/in1"
run mp-dedup -S "$S" -u u --stats="$T/st" "$T/in2"
is "$rc $(jq -c .u "$T/out" | paste -sd' ' -)" "0 false true" \
    "visitors are kept in the state across runs"
jqok "$T/st" ".visitors == 2 and .keys == 3 and .state_bytes == $(stat -c %s "$S")" \
    "stats: visitors, keys"

# re-runs with visitors: the marks come out the same
printf '%s\n' 'e1 0 {"visitor_id":"v1"}' 'e2 10 {"visitor_id":"v2"}' | evs >"$T/A"
printf '%s\n' 'e3 20 {"visitor_id":"v2"}' 'e4 30 {"visitor_id":"v3"}' \
    'e5 40 {"visitor_id":"v3"}' 'e1 50 {"visitor_id":"v4"}' | evs >"$T/B"
S=$T/vr.state
run mp-dedup -S "$S" -u u -R r1 "$T/A"
run mp-dedup -S "$S" -u u -R r2 "$T/B"
cp "$T/out" "$T/o2"
is "$rc $(jq -c .u "$T/out" | paste -sd' ' -)" "0 false true false" \
    "-u with --run-id: the second run"
bad=
for i in 1 2; do
	run mp-dedup -S "$S" -u u -R r2 "$T/B"
	[ "$rc" = 0 ] && cmp -s "$T/out" "$T/o2" || bad="$bad $i"
done
is "$bad" "" "a re-run of the last run marks the same, twice"

# --- stats and metrics
run mp-dedup -w 10s --late=drop -u u --metrics="$T/prom" "$T/late"
grep -q '^mp_duplicates_total{prog="mp-dedup"} 3$' "$T/prom" &&
    grep -q '^mp_late_total{prog="mp-dedup"} 1$' "$T/prom" &&
    grep -q '^mp_records_dropped_by_reason_total{prog="mp-dedup",reason="late"} 1$' "$T/prom"
st=$?
ok $st "--metrics: the own counters"
[ $st = 0 ] || diag "$(grep -v '^#' "$T/prom" | head -20)"

# --- the common options
cat >"$T/cfg" <<X
# the pipeline's dedup
key = .id
window = 10s
late = drop
dropped = $T/kdrop
X
printf '%s\n' "{\"id\":1,\"ts\":\"2026-11-20T00:00:00Z\"}" \
    "{\"id\":1,\"ts\":\"2026-11-20T00:00:09Z\"}" \
    "{\"id\":2,\"ts\":\"2026-11-20T00:01:40Z\"}" \
    "{\"id\":3,\"ts\":\"2026-11-20T00:00:00Z\"}" >"$T/in"
run mp-dedup -K "$T/cfg" "$T/in"
check "-K: options from a file" 0 <(lines "$T/in" 1 3) ""
is "$(field "$T/kdrop" .reason)" "duplicate|late" "-K: dropped = FILE"
run mp-dedup --config="$T/cfg" "$T/in"
check "--config" 0 <(lines "$T/in" 1 3) ""
printf '{"event_id":"%s"}\n' a "$(printf 'b%.0s' $(seq 100))" c >"$T/in"
run mp-dedup --max-record=64 --rejects="$T/rej" "$T/in"
check "--max-record" 0 <(lines "$T/in" 1 3) ""
is "$(field "$T/rej" '"\(.line) \(.reason) \(.bytes)"')" \
    "2 record longer than 64 bytes $(($(sed -n 2p "$T/in" | wc -c) - 1))" \
    "--max-record: the reason"
printf '{"event_id":"a"}\n{"id":1}\n{"event_id":"b"}\n' >"$T/in"
run mp-dedup --log-format=json "$T/in"
[ "$rc" = 65 ] && jq -e 'select(.msg | test("missing field .\\.event_id."))' \
    "$T/err" >/dev/null && cmp -s "$T/out" <(lines "$T/in" 1 3)
ok $? "--log-format=json: rejects as JSON on stderr, 65"
S=$T/strict.state
run mp-dedup -s -S "$S" --rejects="$T/rej" "$T/in"
check "-s: stops at the first reject, 65" 65 <(lines "$T/in" 1) ""
[ ! -e "$S" ]
ok $? "-s: the state is not written"
run mp-dedup --strict --rejects="$T/rej" "$T/in"
is "$rc $(wc -l <"$T/out")" "65 1" "--strict"
run mp-dedup --no-progress --progress "$T/in1"
[ "$rc" = 0 ] && cmp -s "$T/out" "$T/in1"
ok $? "--progress"
run mp-dedup --no-progress "$T/in1"
check "--no-progress" 0 "$T/in1" ""
run mp-dedup --stats /dev/null
[ "$rc" = 0 ] && jq -e '.prog == "mp-dedup"' "$T/err" >/dev/null
ok $? "--stats alone: to stderr"
run mp-dedup -h
miss=0
for o in -s -k -f -I -w -T -S -R --late -u --unique-window --visitor -K \
    --rejects --dropped --stats --metrics --max-record --log-format; do
	grep -qE -- "[[ ]$o([][ =]|\$)" "$T/out" || { miss=1; diag "usage lacks $o"; }
done
[ "$rc" = 0 ] && grep -q '^usage: mp-dedup ' "$T/out"
ok $((miss | $?)) "-h: the usage of the spec's synopsis, on stdout"
run mp-dedup --help
is "$rc $(head -c 15 "$T/out")" "0 usage: mp-dedup" "--help"
run mp-dedup -V
is "$rc $(cut -d' ' -f1 "$T/out")" "0 mp-dedup" "-V"
run mp-dedup --version
is "$rc $(cut -d' ' -f1 "$T/out")" "0 mp-dedup" "--version"

# --- usage errors: 64, nothing written
usage() {
	local name=$1 pat=$2; shift 2
	run mp-dedup "$@" /dev/null
	check "usage: $name" 64 /dev/null "^mp-dedup: .*($pat)"
}
usage "--key with --fingerprint" "fingerprint" -f -k .a
usage "--fingerprint with --key" "fingerprint|key" --key=.a --fingerprint
usage "--ignore without --fingerprint" "ignore" --ignore=.a
usage "-I without -f" "ignore" -k .a -I .b
usage "--window=500ms" "window" --window=500ms
usage "--window=0s" "window" --window=0s
usage "--window=1.5s" "window" --window=1.5s
usage "--window=-5s" "window" --window=-5s
usage "--window=soon" "window" --window=soon
usage "-w with nothing" "window" -w ''
usage "--unique-window=500ms" "unique-window" -u u --unique-window=500ms
usage "--late=maybe" "late" -w 1s --late=maybe
usage "-k with a bad path" "key" -k event_id
usage "-k empty" "key" -k ''
usage "-k with an empty part" "key" -k .a,
usage "-T with a bad path" "time" -w 1s -T ts
usage "--visitor with a bad path" "visitor" -u u --visitor=visitor_id
usage "-u with an empty name" "mark-unique|-u" -u ''
cd "$T" && usage "-S with an empty name" "state|-S" -S '' && cd "$OLDPWD"

# --- when the state is not written
printf '{"event_id":"a"}\n{"event_id":"b"}\n' >"$T/in1"
S=$T/k.state
run mp-dedup -S "$S" "$T/in1"
before=$(snap "$S")
printf '{"event_id":"a"}\n{"id":2}\n{"event_id":"c"}\n' >"$T/in"
run mp-dedup -S "$S" "$T/in"
check "rejects without --rejects: 65" 65 <(lines "$T/in" 3) \
    "^mp-dedup: $T/in:2: missing field '.event_id'"
is "$(snap "$S")" "$before" "...and the state is not written"
run mp-dedup -S "$T/k2.state" "$T/in"
[ "$rc" = 65 ] && [ ! -e "$T/k2.state" ]
ok $? "...nor created"
run mp-dedup -S "$S" --stats="$T/st" "$T/in1"
check "nothing new: exit 0" 0 /dev/null ""
is "$(snap "$S")" "$before" "...and the state is not rewritten (inode, mtime)"
jqok "$T/st" ".keys == 2 and .state_bytes == $(stat -c %s "$S")" \
    "...stats: keys and state_bytes as loaded"
run mp-dedup -S "$S" /dev/null
is "$rc $(snap "$S")" "0 $before" "empty input: not rewritten"
sleep 0.01
mp-dedup -S "$S" "$T/ev" 2>"$T/err" | head -n 1 >"$T/out"
rc=${PIPESTATUS[0]}
check "stdout closed early: 0, quietly" 0 <(head -n 1 "$T/want") ""
is "$(snap "$S")" "$before" "...and the state is not written"
mp-dedup -S "$T/k3.state" "$T/ev" 2>/dev/null | head -n 1 >/dev/null
[ ! -e "$T/k3.state" ]
ok $? "...nor created"
if [ -w /dev/full ]; then
	cp "$S" "$T/k4.state"
	before=$(snap "$T/k4.state")
	mp-dedup -S "$T/k4.state" "$T/ev2" >/dev/full 2>"$T/err"
	rc=$?
	: >"$T/out"
	check "stdout on a full disk: 74" 74 /dev/null "^mp-dedup: "
	is "$(snap "$T/k4.state")" "$before" "...and the state is not written"
fi
: >"$T/file"
run mp-dedup -S "$T/file/state" "$T/in1"
check "a state that cannot be created: 73" 73 /dev/null "$T/file/state"
before=$(snap "$S")
printf '{"event_id":"new"}\n' >"$T/in3"
run mp-dedup -S "$S" "$T/in3" "$T/none"
is "$rc $(grep -c "^mp-dedup: $T/none: " "$T/err")" "66 1" "a missing input file: 66"
is "$(snap "$S")" "$before" "...and the state is not written"

done_testing
