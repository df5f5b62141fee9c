#!/bin/bash
# mp-fetch against t/mock-network, a loopback mock of ad-network and
# tracker APIs whose events are known in advance (event k at 2026-01-01 +
# 36 k seconds): every API shape of examples/sources gives every event of
# the window exactly once and in order, whatever the windows and the
# concurrency; caps are split; failures are retried or end the run with
# the man page's status; OAuth2 tokens are kept and renewed; the bookmark
# survives kill -9; an archive replays byte for byte with no network.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-fetch" ] || skip_all "cmd/mp-fetch is not built"
command -v python3 >/dev/null || skip_all "python3 is not installed"
command -v curl >/dev/null || skip_all "curl is not installed"


# src NAME [MOCK]: examples/sources/NAME.conf pointed at the mock
src() {
	local b
	eval "b=\$B_${2:-m}"
	sed "s|http://127.0.0.1:8080|$b|g" "$top/examples/sources/$1.conf" \
	    >"$T/$1.conf"
	echo "$T/$1.conf"
}

cd "$T" || exit 1
echo s3cret >client-secret
export MP_STATE_DIR=$T/state
unset XDG_STATE_HOME
mock m
B=$B_m

# --- the option files of examples/sources
shapes="offset page cursor next-url ndjson tracker-capped oauth2"
for s in $shapes; do
	f=$top/examples/sources/$s.conf
	[ "$(head -1 "$f" 2>/dev/null)" = "# mp-fetch -K sources/$s.conf" ] &&
	    grep -q '^url = http://127\.0\.0\.1:8080/' "$f"
	ok $? "sources/$s.conf: its first line, a URL on the mock's port 8080"
done

# --- every shape: every event of the window once, in order
F1=2026-01-01T00:00:00Z T1=2026-01-01T05:00:00Z
F2=2026-01-01T00:10:00Z T2=2026-01-01T03:17:00Z
for s in $shapes; do
	run mp-fetch -K "$(src $s)" --state-dir="$T/st-shapes" \
	    --from=$F1 --to=$T1
	sameids "$s: [$F1, $T1): events 0-499" "$T/out" $F1 $T1
	is "$rc $(wc -c <"$T/err")" "0 0" "$s: exit 0, nothing on stderr"
	run mp-fetch -K "$(src $s)" --state-dir="$T/st-shapes" \
	    --from=$F2 --to=$T2
	sameids "$s: [$F2, $T2), windows not on the hour" "$T/out" $F2 $T2
done
grep -q 'cursor=%2B%2B%2B%2B%2F%2F%2F%2F[^&]*%3D' "$T/m.log"
ok $? "cursor: the cursor's + / = are percent-encoded in the URL"

run mp-fetch --records=.items --from=$F1 --to=$T1 \
    --next='.links.next | if . then sub("^http://[^/]+"; "") else . end' \
    "$B/next-url?from={from}&to={to}"
sameids "--next giving a path on the same server" "$T/out" $F1 $T1

# --- windows and --concurrency: the same bytes as one request
mreset "$B"
mp-fetch --fetched-field= --source=x --from=$F1 --to=$T1 \
    "$B/ndjson?from={from}&to={to}" >"$T/one" 2>"$T/err"
is "$(wc -l <"$T/one") $(mstats "$B" '.requests["/ndjson"]')" "500 1" \
    "one request for the whole range"
for v in "offset --window=1h" "offset --window=7m --concurrency=8" \
    "page --window=1h --concurrency=256" \
    "cursor --window=13m --concurrency=5" \
    "next-url --window=2h --concurrency=3" \
    "ndjson --window=1m --concurrency=64" \
    "tracker-capped --window=5h --concurrency=4" \
    "tracker-capped --window=20m --concurrency=2"; do
	set -- $v
	run mp-fetch -K "$(src "$1")" "$2" ${3:+"$3"} --fetched-field= \
	    --source=x --from=$F1 --to=$T1
	cmp -s "$T/out" "$T/one" && [ "$rc" = 0 ]
	ok $? "$*: the same bytes as one request"
done
t0=$(ms)
mp-fetch --window=1h --from=$F1 --to=2026-01-01T08:00:00Z \
    "$B/slow?delay_ms=300&from={from}&to={to}&limit=500" >"$T/c1" 2>&1
t1=$(ms)
mp-fetch --window=1h --concurrency=8 --from=$F1 --to=2026-01-01T08:00:00Z \
    "$B/slow?delay_ms=300&from={from}&to={to}&limit=500" >"$T/c8" 2>&1
t2=$(ms)
diag "8 windows of 300 ms: $((t1 - t0)) ms one at a time," \
    "$((t2 - t1)) ms with --concurrency=8"
ok $([ $((t1 - t0)) -ge 2400 ] && [ $((t2 - t1)) -lt 2000 ]; echo $?) \
    "--concurrency=8: 8 slow windows at once"
cmp -s <(jq -c 'del(.fetched_at)' "$T/c1") \
    <(jq -c 'del(.fetched_at)' "$T/c8") &&
    [ "$(wc -l <"$T/c8")" = 800 ]
ok $? "...and the same records in the same order"

# --- caps
run mp-fetch -K "$(src tracker-capped)" --from=$F1 --to=$T1 --stats=st.json
sameids "tracker, --cap=100 --count=.total: split until complete" \
    "$T/out" $F1 $T1
jqok st.json '.exit == 0 and .splits > 0 and .overflows == 0' \
    "...splits counted, no overflow"
run mp-fetch --records=.rows --cap=100 --from=$F1 --to=$T1 \
    "$B/tracker?from={from}&to={to}"
sameids "tracker, --cap=100 alone: a window reaching the cap is split" \
    "$T/out" $F1 $T1
run mp-fetch -K "$(src tracker-capped)" --min-window=2h --from=$F1 \
    --to=$T1 --stats=st.json
is "$rc $(wc -l <"$T/out")" "1 400" \
    "over the cap at --min-window: exit 1, the capped records written"
grep -q '2026-01-01T00:00:00Z.*2026-01-01T01:15:00Z' "$T/err" &&
    grep -q '2026-01-01T03:45:00Z.*2026-01-01T05:00:00Z' "$T/err"
ok $? "...the message names each window"
jqok st.json '.overflows == 4 and .exit == 1' "...4 overflows in --stats"

# --- retries
F3=2026-01-01T00:00:00Z T3=2026-01-01T02:00:00Z
for v in "" "&date=1" "&reset=1"; do
	mreset "$B"
	t0=$(ms)
	run mp-fetch --page-size=100 --reset-header=X-RateLimit-Reset \
	    --from=$F3 --to=$T3 --stats=st.json \
	    "$B/ratelimit?from={from}&to={to}&offset={offset}&limit={limit}$v"
	dt=$(($(ms) - t0))
	sameids "429${v:+ $v}: every event once" "$T/out" $F3 $T3
	ok $([ "$dt" -ge 900 ] && [ "$dt" -lt 10000 ]; echo $?) \
	    "...waited as asked (about 1 s): $dt ms"
	jqok st.json '.retries == 1 and .exit == 0' "...one retry"
done
F4=2026-01-01T00:00:00Z T4=2026-01-01T03:00:00Z
for m in 500 503 truncate badjson; do
	mreset "$B"
	run mp-fetch --window=1h --from=$F4 --to=$T4 --stats=st.json \
	    "$B/flaky?from={from}&to={to}&limit=500&mode=$m"
	sameids "$m: retried, every event once" "$T/out" $F4 $T4
	case $m in
	50*) n=6 ;;
	*) n=3 ;;
	esac
	jqok st.json ".retries == $n and .exit == 0" "...$n retries"
done
mreset "$B"
run mp-fetch --retries=0 --from=$F4 --to=$T4 \
    "http://me:pa55w0rd@${B#http://}/flaky?from={from}&to={to}&api_key=SEKRIT&limit=500"
[ "$rc" = 69 ] && grep -q 'flaky?.*api_key=REDACTED' "$T/err" &&
    ! grep -q -e SEKRIT -e pa55w0rd "$T/err" &&
    grep -q "$F4..$T4" "$T/err"
ok $? "--retries=0: exit 69 naming the URL, secrets hidden, and the window"
[ $? = 0 ] || diag "$rc $(cat "$T/err")"
run mp-fetch --retries=1 --timeout=1s --from=$F4 --to=$T4 \
    "$B/slow?delay_ms=3000&from={from}&to={to}"
is "$rc" 69 "a timeout, twice: 69"

# --- refusals and errors
echo mp:pw >basic
echo mp:nope >basic-bad
echo statictoken >tok
echo forbidden >tok-forbidden
echo tok-zzzsecret >tok-bad
run mp-fetch --basic-file=basic --from=$F4 --to=$T4 \
    "$B/basic?from={from}&to={to}&limit=500"
sameids "--basic-file: HTTP Basic" "$T/out" $F4 $T4
run mp-fetch --from=$F4 --to=$T4 "$B/basic?from={from}&to={to}"
is "$rc" 77 "no credentials, 401: 77"
run mp-fetch --basic-file=basic-bad --from=$F4 --to=$T4 \
    "$B/basic?from={from}&to={to}"
[ "$rc" = 77 ] && ! grep -q nope "$T/err"
ok $? "bad Basic credentials: 77, the password in no message"
run mp-fetch --bearer-file=tok --from=$F4 --to=$T4 \
    "$B/bearer?from={from}&to={to}&limit=500"
sameids "--bearer-file" "$T/out" $F4 $T4
run mp-fetch --bearer-file=tok-forbidden --from=$F4 --to=$T4 \
    "$B/bearer?from={from}&to={to}"
is "$rc" 77 "403: 77"
run mp-fetch --bearer-file=tok-bad --from=$F4 --to=$T4 \
    "$B/secure?from={from}&to={to}"
[ "$rc" = 77 ] && ! grep -q zzzsecret "$T/err"
ok $? "a bad bearer token, 401: 77, the token in no message"
TOKEN=statictoken run mp-fetch -H 'Authorization: Bearer {env:TOKEN}' \
    --from=$F4 --to=$T4 "$B/bearer?from={from}&to={to}&limit=500"
sameids "a header from {env:NAME}" "$T/out" $F4 $T4
run mp-fetch --bearer-file=no-such-file --from=$F4 --to=$T4 \
    "$B/bearer?from={from}&to={to}"
is "$rc" 78 "a secret file that cannot be read: 78"
run mp-fetch --from=$F4 --to=$T4 "$B/no-such-endpoint?from={from}"
is "$rc" 78 "404: 78"
run mp-fetch --from=$F4 --to=$T4 "$B/offset?from={from}"
is "$rc" 78 "400: 78"
mreset "$B"
run mp-fetch --error=.error.message --retries=0 --from=$F4 --to=$T4 \
    "$B/error200?from={from}&to={to}"
[ "$rc" = 69 ] && [ ! -s "$T/out" ] &&
    grep -q 'quota exceeded for today' "$T/err"
ok $? "--error: an error inside a 200 is an error, with its text"
run mp-fetch --error='.error?.message' --from=$F4 --to=$T4 --window=1h \
    "$B/error200?from={from}&to={to}&limit=500&once=1"
sameids "--error: ...and is tried again" "$T/out" $F4 $T4
run mp-fetch --from=$F4 --to=$T4 "$B/error200?from={from}&to={to}"
jqok "$T/out" '.error.message == "quota exceeded for today"' \
    "without --error, a 200 object is the record"

# --- OAuth2
mreset "$B"
run mp-fetch -K "$(src oauth2)" --state-dir="$T/o1" --from=$F1 --to=$T1 \
    --stats=st.json
sameids "OAuth2 client credentials" "$T/out" $F1 $T1
is "$(mstats "$B" '[.tokens, .grants.client_credentials, .refused]')" \
    "[1,1,0]" "...one token"
tok1=$(jq -r 'select(.path == "/secure") | .auth' "$T/m.log" | tail -1)
ok $(case $tok1 in "Bearer tok-"*) echo 0 ;; *) echo 1 ;; esac) \
    "...sent as a Bearer token"
f=$(grep -rl "${tok1#Bearer }" "$T/o1" 2>/dev/null | head -1)
[ -n "$f" ] && [ "$(stat -c %a "$f")" = 600 ]
ok $? "...kept in the state folder, mode 0600"
! grep -q -e "tok-" -e s3cret "$T/err" st.json
ok $? "...neither token nor secret in messages or stats"
run mp-fetch -K "$(src oauth2)" --state-dir="$T/o1" --from=$F2 --to=$T2
sameids "a second run" "$T/out" $F2 $T2
is "$(mstats "$B" '[.tokens, .grants.client_credentials]')" "[1,1]" \
    "...reuses the kept token"
jq -r 'select(.path == "/secure") | .auth' "$T/m.log" | tail -1 |
    grep -qx "$tok1"
ok $? "...the same token"
echo r3fresh >refresh
mreset "$B"
run mp-fetch -K "$(src oauth2)" --refresh-token-file=refresh \
    --state-dir="$T/o2" --from=$F1 --to=$T1
sameids "OAuth2 refresh token" "$T/out" $F1 $T1
is "$(mstats "$B" '[.tokens, .grants.refresh_token]')" "[1,1]" \
    "...one token, by the refresh-token grant"
echo nope >bad-secret
run mp-fetch -K "$(src oauth2)" --client-secret-file=bad-secret \
    --state-dir="$T/o3" --from=$F1 --to=$T1
[ "$rc" = 77 ] && ! grep -q nope "$T/err"
ok $? "a token refused: 77"
mock uses4 --token-uses 4
run mp-fetch -K "$(src oauth2 uses4)" --state-dir="$T/o4" \
    --from=$F4 --to=$T4
sameids "a token refused mid-run (401) is renewed" "$T/out" $F4 $T4
is "$(mstats "$B_uses4" '[.tokens, .refused, .requests["/secure"]]')" \
    "[2,1,7]" "...once: 2 tokens, 1 refusal, 7 requests"
mock uses0 --token-uses 0
run mp-fetch -K "$(src oauth2 uses0)" --state-dir="$T/o5" \
    --from=$F4 --to=$T4
is "$rc $(mstats "$B_uses0" '[.tokens, .refused]')" "77 [2,2]" \
    "a renewed token refused again: 77, after one renewal"
mock ttl30 --token-ttl 30
for i in 1 2; do
	mp-fetch -K "$(src oauth2 ttl30)" --state-dir="$T/o6" --from=$F4 \
	    --to=$T4 >"$T/out" 2>"$T/err"
done
is "$(mstats "$B_ttl30" '[.tokens, .requests["/secure"]]')" "[2,12]" \
    "a token within a minute of its end is not kept for the next run"

# --- the bookmark
run mp-fetch -K "$(src offset)" --state=bm --from=$F1 \
    --to=2026-01-01T02:00:00Z
cp "$T/out" "$T/bm.all"
sameids "--state: a first run" "$T/out" $F1 2026-01-01T02:00:00Z
[ -f "$T/state/bm" ]
ok $? "...the bookmark is in MP_STATE_DIR"
run mp-fetch -K "$(src offset)" --state=bm --to=2026-01-01T03:30:00Z
cat "$T/out" >>"$T/bm.all"
sameids "...a second run starts where it ended" "$T/out" \
    2026-01-01T02:00:00Z 2026-01-01T03:30:00Z
sameids "...together: every event once" "$T/bm.all" $F1 \
    2026-01-01T03:30:00Z
run mp-fetch -K "$(src offset)" --state=bm --lookback=1h \
    --to=2026-01-01T04:00:00Z
sameids "...--lookback=1h asks again for the hour before" "$T/out" \
    2026-01-01T02:30:00Z 2026-01-01T04:00:00Z
run mp-fetch -K "$(src offset)" --state=new --to=$T1
[ "$rc" != 0 ] && [ ! -s "$T/out" ] && grep -q -- --from "$T/err"
ok $? "a first run with a state and no --from: an error asking for --from"
diag "...status $rc: $(cat "$T/err")"
mp-fetch -K "$(src offset)" --state-dir="$T/sd" --state=x --from=$F4 \
    --to=$T4 >/dev/null 2>&1
[ -f "$T/sd/x" ] && [ ! -e "$T/state/x" ]
ok $? "--state-dir wins over MP_STATE_DIR"
(unset MP_STATE_DIR; XDG_STATE_HOME=$T/xdg mp-fetch -K "$(src offset)" \
    --state=x --from=$F4 --to=$T4 >/dev/null 2>&1)
[ -f "$T/xdg/mp/x" ]
ok $? "\$XDG_STATE_HOME/mp"
(unset MP_STATE_DIR; HOME=$T/home mp-fetch -K "$(src offset)" \
    --state=x --from=$F4 --to=$T4 >/dev/null 2>&1)
[ -f "$T/home/.local/state/mp/x" ]
ok $? "~/.local/state/mp"

U="$B/slow?delay_ms=100&from={from}&to={to}&offset={offset}&limit={limit}"
mp-fetch --state=lk --from=$F1 --to=$T1 --window=1h --page-size=50 "$U" \
    >/dev/null 2>&1 &
pid=$!
sleep 0.5
run mp-fetch --state=lk --from=$F1 --to=$T1 "$B/offset?from={from}&to={to}"
is "$rc" 75 "a state in use by another run: 75"
wait "$pid"

# kill -9 (and SIGTERM) at several moments, then a run to the end: the
# union of the outputs is every event once, in order
T5=2026-01-01T10:00:00Z
Uk="$B/slow?delay_ms=200&from={from}&to={to}&offset={offset}&limit={limit}"
: >"$T/k.out"
codes=
for at in 0.3 1.1 1.9 2.3 TERM:1.0; do
	mp-fetch --state=k --from=$F1 --to=$T5 --window=1h --page-size=50 \
	    "$Uk" >>"$T/k.out" 2>"$T/kerr" &
	pid=$!
	case $at in
	TERM:*) sleep "${at#TERM:}"; kill -TERM "$pid" ;;
	*) sleep "$at"; kill -KILL "$pid" ;;
	esac
	wait "$pid" 2>/dev/null
	codes="$codes $?"
done
run mp-fetch --state=k --from=$F1 --to=$T5 --window=1h --page-size=50 "$Uk"
cat "$T/out" >>"$T/k.out"
diag "killed runs ended with$codes; records: $(wc -l <"$T/k.out")"
kills=0 bad=
for c in $codes; do
	case $c in
	137 | 143) kills=$((kills + 1)) ;;
	0) ;;
	*) bad="$bad $c" ;;
	esac
done
ok $([ -z "$bad" ] && [ "$kills" -ge 3 ]; echo $?) \
    "kill -9 four times, SIGTERM once: 137, 143 (or 0 once done)"
ok $(case $codes in *143*) echo 0 ;; *) echo 1 ;; esac) \
    "...SIGTERM: 128+15"
sameids "...then a run to the end: every event once, in order" \
    "$T/k.out" $F1 $T5

# --- the archive, replayed with the mock stopped
mock arc
a="--bearer-file=tok --window=1h --page-size=100 --from=$F1 --to=$T1"
ua="$B_arc/bearer?from={from}&to={to}&offset={offset}&limit={limit}&api_key=SEKRIT"
run mp-fetch $a --archive="$T/arc" "$ua"
cp "$T/out" "$T/arc.out"
sameids "--archive: the run" "$T/out" $F1 $T1
mp-fetch $a --archive="$T/arc2" "$ua" >"$T/arc2.out" 2>/dev/null
mp-fetch --bearer-file=tok --window=1h --page-size=100 --from=$T1 \
    --to=2026-01-01T07:00:00Z --archive="$T/arc2" "$ua" >>"$T/arc2.out" \
    2>/dev/null
mstop arc
run=$(ls "$T/arc")
is "$(ls "$T/arc" | wc -l) $(ls "$T/arc2" | wc -l)" "1 2" \
    "a folder for each run"
ok $(case $run in [0-9]*T[0-9]*Z-[0-9]*) echo 0 ;; *) echo 1 ;; esac) \
    "...named YYYYMMDDTHHMMSSZ-PID: $run"
head -1 "$T/arc/$run/index.ndjson" >"$T/idx1"
jqok "$T/idx1" '.run.from == "'$F1'" and .run.to == "'$T1'"' \
    "index.ndjson: the first line holds --from and --to"
n=$(jq -s 'map(select(.seq)) | length' "$T/arc/$run/index.ndjson")
is "$n $(ls "$T/arc/$run" | grep -c '^[0-9]\{6\}\.zst$')" "10 10" \
    "...a line and a .zst for each of the 10 responses"
bad=
while read -r file sum; do
	got=$(zstd -qdc "$T/arc/$run/$file" | b2sum -l 256 | cut -d' ' -f1)
	[ "$got" = "$sum" ] || bad="$bad $file"
done < <(jq -r 'select(.seq) | "\(.file) \(.blake2b)"' \
    "$T/arc/$run/index.ndjson")
is "$bad" "" "...each body's BLAKE2b as in the index"
zstd -qt "$T/arc/$run"/*.zst
ok $? "...zstd files that check"
! grep -rqa -e SEKRIT -e statictoken "$T/arc" &&
    ! zstd -qdc "$T/arc/$run"/*.zst | grep -qa -e SEKRIT -e statictoken
ok $? "...no secret anywhere in the archive"
grep -q 'api_key=REDACTED' "$T/arc/$run/index.ndjson"
ok $? "...URLs with their secrets hidden"
t0=$(ms)
run mp-fetch $a --replay="$T/arc/$run" "$ua"
dt=$(($(ms) - t0))
cmp -s "$T/out" "$T/arc.out" && [ "$rc" = 0 ]
ok $? "--replay of the run, the mock stopped: the same bytes ($dt ms)"
run mp-fetch $a --replay="$T/arc" "$ua"
cmp -s "$T/out" "$T/arc.out" && [ "$rc" = 0 ]
ok $? "--replay of the folder of one run"
run mp-fetch $a --replay="$T/arc2" "$ua"
cmp -s "$T/out" "$T/arc2.out" && [ "$rc" = 0 ]
ok $? "--replay of a folder of two runs: both, in order"
run mp-fetch $a --replay="$T/no-such-archive" "$ua"
is "$rc" 66 "--replay of a missing archive: 66"
run mp-fetch --retries=0 --from=$F4 --to=$T4 "$B_arc/offset?from={from}"
is "$rc" 69 "connection refused: 69"

# --- the fields added: source, fetch time, tags
t0=$(date -u +%FT%TZ)
run mp-fetch --from=$F4 --to=$T4 "$B/ndjson?from={from}&to={to}"
t1=$(date -u +%FT%TZ)
jqok "$T/out" '.fetch_source == "127.0.0.1"' \
    "fetch_source: by default the URL's host"
jq -r .fetched_at "$T/out" | sort -u >"$T/at"
at=$(head -1 "$T/at")
ok $([ "$(wc -l <"$T/at")" = 1 ] && [[ "$at" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z$ ]] &&
    [[ ! "$at" < "$t0" ]] && [[ ! "${at%%.*}" > "$t1" ]]; echo $?) \
    "fetched_at: RFC 3339 UTC, the time of the response: $at"
curl -s "$B/ndjson?from=$F4&to=$T4" >"$T/raw"
cmp -s <(sed 's/,"fetch_source":"127\.0\.0\.1","fetched_at":"[^"]*"}$/}/' \
    "$T/out") "$T/raw"
ok $? "...spliced in at the end: the rest of the record byte for byte"
run mp-fetch --tag=net=mock --tag=env=a=b --source=foo --from=$F4 --to=$T4 \
    "$B/ndjson?from={from}&to={to}"
jqok "$T/out" '.net == "mock" and .env == "a=b" and .fetch_source == "foo"' \
    "--tag (a value with =) and --source"
run mp-fetch --tag=n=1 --source-field=src --fetched-field=at --from=$F4 \
    --to=$T4 "$B/ndjson?from={from}&to={to}"
jqok "$T/out" '.src == "127.0.0.1" and (.at | type) == "string" and
    .n == "1" and (has("fetch_source") | not) and (has("fetched_at") | not)' \
    "--source-field, --fetched-field; a tag replaces a field, as a string"
run mp-fetch --source-field= --fetched-field= --from=$F4 --to=$T4 \
    "$B/ndjson?from={from}&to={to}"
cmp -s "$T/out" "$T/raw"
ok $? "--source-field= --fetched-field=: the records as the API wrote them"
IN=$T/raw run mp-fetch
jqok "$T/out" '.fetch_source == "stdin"' "no URL: a body from stdin"
IN=$T/raw run mp-fetch -
jqok "$T/out" '.fetch_source == "stdin"' "'-': a body from stdin"
sameids "...each NDJSON line a record" "$T/out" $F4 $T4
curl -s "$B/page?from=$F4&to=$T4&per_page=500" >"$T/resp.json"
run mp-fetch --records=.data resp.json
jqok "$T/out" '.fetch_source == "file"' "a local file"
sameids "...its records under .data" "$T/out" $F4 $T4
run mp-fetch --records=.data "file://$T/resp.json"
sameids "a file:// URL" "$T/out" $F4 $T4
run mp-fetch no-such-file.json
is "$rc" 66 "a local file missing: 66"

# --- templates and the other options
MYKEY=k+y/1 run mp-fetch -X PUT -H 'X-Key: {env:MYKEY}' -H 'X-Win: {from}' \
    -d '{"from":"{from}","to":{to},"x":"{nope}","p":{page}}' \
    --time-format=epoch --from=$F4 --to=$T4 \
    --source-field= --fetched-field= "$B/echo?k={env:MYKEY}&f={from}"
jqok "$T/out" '.method == "PUT" and .query == "k=k%2By%2F1&f=1767225600" and
    .headers["X-Key"] == "k+y/1" and .headers["X-Win"] == "1767225600" and
    .body == "{\"from\":\"1767225600\",\"to\":1767236400,\"x\":\"{nope}\",\"p\":1}"' \
    "-X, -H, -d: templates; percent-encoded in the URL only; other braces kept"
run mp-fetch -d 'a={from}' --from=$F4 --to=$T4 "$B/echo"
jqok "$T/out" '.method == "POST" and .body == "a=2026-01-01T00:00:00Z"' \
    "-d alone: POST"
for tf in "epoch_ms f=1767225600000" "%Y%m%d.%H f=20260101.00"; do
	run mp-fetch --time-format="${tf% *}" --from=$F4 --to=$T4 \
	    "$B/echo?f={from}"
	jqok "$T/out" ".query == \"${tf#* }\"" "--time-format=${tf% *}"
done
run mp-fetch --from=2026-01-01 --to=2026-01-02 --window=1h30m \
    --stats=st.json "$B/ndjson?from={from}&to={to}"
sameids "--from, --to as days; --window=1h30m" "$T/out" \
    2026-01-01T00:00:00Z 2026-01-02T00:00:00Z
jqok st.json '.windows == 16 and .requests == 16' "...16 windows"
run mp-fetch --from=-2h --to=now "$B/echo?f={from}&t={to}"
f=$(jq -r '.query | capture("f=(?<f>[^&]*)&t=(?<t>.*)") |
    [.f, .t] | map(sub("%3A"; ":"; "g") | fromdate) | .[1] - .[0]' "$T/out")
is "$f" 7200 "--from=-2h --to=now"
t0=$(ms)
run mp-fetch --rate=5/s --page-size=100 --from=$F1 --to=$T1 \
    --stats=st.json "$B/offset?from={from}&to={to}&offset={offset}&limit={limit}"
dt=$(($(ms) - t0))
ok $([ "$dt" -ge 900 ] && jq -e '.requests == 6' st.json >/dev/null
    echo $?) "--rate=5/s: 6 requests take a second or more ($dt ms)"
run mp-fetch --page-size=100 --from=$F1 --to=$T1 --stats=st.json \
    "$B/offset?from={from}&to={to}&offset={offset}&limit={limit}"
jqok st.json '.prog == "mp-fetch" and .requests == 6 and .retries == 0 and
    .pages == 6 and .windows == 1 and .splits == 0 and .overflows == 0 and
    .bytes_fetched > 40000 and .records_out == 500' \
    "--stats: requests, retries, pages, windows, splits, overflows, bytes_fetched"
run mp-fetch --records='.data[] | select(.n % 2 == 0)' resp.json
is "$(wc -l <"$T/out") $(jq -s 'all(.n % 2 == 0)' "$T/out")" "150 true" \
    "--records: a jq program"
run mp-fetch --records=.page resp.json
is "$rc" 65 "--records naming a number: 65"
echo '[1,{"a":1}]' >"$T/mixed"
IN=$T/mixed run mp-fetch
is "$rc $(wc -l <"$T/out")" "65 1" "a record that is not an object: 65"
IN=$T/mixed run mp-fetch --rejects=rej
is "$rc $(jq -r .record rej)" "0 1" "...with --rejects, kept there"
echo '[{"a":1}' >"$T/cut"
IN=$T/cut run mp-fetch
is "$rc" 65 "a bad body on stdin: 65"
for o in --concurrency=0 --concurrency=257 --retries=101 --window=0 \
    --from=yesterdayish --rate=0/s; do
	run mp-fetch "$o" --to=$T4 "$B/offset?from={from}&to={to}"
	is "$rc" 64 "$o: 64"
done

# --- more of the man page
# Failures: 408 and other 5xx are tried again; --retry-max-time bounds the
# waits of a request
for st in 408 502 504; do
	mreset "$B"
	run mp-fetch --from=$F4 --to=$T4 --stats=st.json \
	    "$B/flaky?from={from}&to={to}&limit=500&status=$st"
	sameids "$st: tried again" "$T/out" $F4 $T4
done
t0=$(ms)
run mp-fetch --error=.error.message --retries=100 --retry-max-time=2s \
    --from=$F4 --to=$T4 "$B/error200?from={from}&to={to}"
dt=$(($(ms) - t0))
ok $([ "$rc" = 69 ] && [ "$dt" -lt 4000 ]; echo $?) \
    "--retry-max-time=2s: 69 within it, whatever --retries ($dt ms)"

# --next ends on null, false, nothing or ""
for n in '.links.next // false' '.links.next // ""' '.links.next | values'; do
	run mp-fetch --records=.items --next="$n" --from=$F1 --to=$T1 \
	    "$B/next-url?from={from}&to={to}"
	sameids "--next='$n': paging ends" "$T/out" $F1 $T1
done

# --cap alone splits a window whose records reach n; with --count, a
# total of n exactly is not split
run mp-fetch --records=.rows --cap=100 --count=.total --window=1h \
    --from=$F4 --to=$T4 --stats=st.json "$B/tracker?from={from}&to={to}"
jqok st.json '.splits == 0 and .records_out == 300' \
    "--count: a total of exactly --cap is not split"
run mp-fetch --records=.rows --cap=100 --window=1h \
    --from=$F4 --to=$T4 --stats=st.json "$B/tracker?from={from}&to={to}"
jqok st.json '.splits == 3 and .records_out == 300' \
    "--cap alone: a window reaching the cap is split"

# --records as a path: the records byte for byte, as the API wrote them
run mp-fetch --records=.data --source-field= --fetched-field= resp.json
cmp -s "$T/out" "$T/raw"
ok $? "--records=.data: each record byte for byte"

# long options, the first page, durations
run mp-fetch --url="$B/echo?p={page}&o={offset}&l={limit}" --method=DELETE \
    --header='X-A: 1' --data=x --first-page=5 --page-size=7 \
    --from=$F4 --to=$T4
jqok "$T/out" '.method == "DELETE" and .query == "p=5&o=0&l=7" and
    .headers["X-A"] == "1" and .body == "x"' \
    "--url, --method, --header, --data, --first-page, --page-size"
for w in "90s 120" "2d 1" "15m 12"; do
	run mp-fetch --window="${w% *}" --from=$F4 --to=$T4 --stats=st.json \
	    "$B/ndjson?from={from}&to={to}"
	jqok st.json ".windows == ${w#* }" "--window=${w% *}: ${w#* } windows"
done
run mp-fetch --from=2026-01-01T01:00:00+01:00 --to=2026-01-01T03:00:00+01:00 \
    "$B/ndjson?from={from}&to={to}"
sameids "RFC 3339 times with an offset" "$T/out" 2026-01-01T00:00:00Z \
    2026-01-01T02:00:00Z
run mp-fetch --time-format=epoch_ms --from=2026-01-01T00:00:00.500Z \
    --to=$T4 "$B/echo?f={from}"
jqok "$T/out" '.query == "f=1767225600000"' \
    "windows are whole seconds: a fraction of a second is dropped"

# OAuth2: --scope, the client's credentials, no token in the archive
mreset "$B"
run mp-fetch -K "$(src oauth2)" --scope='read write' --state-dir="$T/o7" \
    --archive="$T/arco" --from=$F4 --to=$T4
sameids "OAuth2 with --scope and --archive" "$T/out" $F4 $T4
jqok <(curl -s "$B/stats") '.token_request | .grant_type ==
    "client_credentials" and .scope == "read write" and .client_id == "mp"' \
    "...the token request: the grant, --scope, --client-id"
! grep -rqa -e 'tok-[0-9]' -e s3cret "$T/arco" &&
    ! zstd -qdc "$T"/arco/*/*.zst | grep -qa -e 'tok-[0-9]' -e s3cret
ok $? "...neither token nor secret in the archive"

# the archive of a run with retries replays with no waits, and the
# bookmark is neither read nor moved
mreset "$B"
ur="$B/ratelimit?from={from}&to={to}&offset={offset}&limit={limit}"
mp-fetch --archive="$T/arr" --page-size=100 --from=$F3 --to=$T3 "$ur" \
    >"$T/arr.out" 2>/dev/null
: >"$T/arf.out"
for m in truncate badjson; do
	mp-fetch --archive="$T/arf" --from=$F3 --to=$T3 --window=1h \
	    "$B/flaky?from={from}&to={to}&limit=500&mode=$m" \
	    >>"$T/arf.out" 2>/dev/null
done
echo '{"next":"2026-01-01T00:00:00Z"}' >"$T/state/rp"
before=$(snap "$T/state/rp")
t0=$(ms)
mp-fetch --replay="$T/arr" --page-size=100 --from=$F3 --to=$T3 \
    --state=rp "$ur" >"$T/out" 2>"$T/err"
rc=$?
dt=$(($(ms) - t0))
jq -r 'select(.seq) | .status' "$T"/arr/*/index.ndjson | sort | uniq -c |
    tr -s ' \n' ' ' >"$T/statuses"
cmp -s "$T/out" "$T/arr.out" && [ "$rc" = 0 ] && [ "$dt" -lt 900 ] &&
    grep -q ' 429' "$T/statuses"
ok $? "--replay of a run with a 429: the same bytes, no wait ($dt ms)"
[ $? = 0 ] || diag "archived statuses: $(cat "$T/statuses")"
[ "$(snap "$T/state/rp")" = "$before" ]
ok $? "...the bookmark is neither read nor moved"
mp-fetch --replay="$T/arf" --from=$F3 --to=$T3 --window=1h \
    "$B/flaky?from={from}&to={to}&limit=500&mode=truncate" >"$T/out" \
    2>"$T/err"
cmp -s "$T/out" "$T/arf.out" && [ "$(wc -l <"$T/out")" = 400 ]
ok $? "--replay of two runs with a truncated body and bad JSON: the same bytes"

# exit statuses: 73, 74; a proxy is used
run mp-fetch --archive=/proc/no-such --from=$F4 --to=$T4 \
    "$B/ndjson?from={from}&to={to}"
is "$rc" 73 "an archive that cannot be created: 73"
run mp-fetch --state=x --state-dir=/proc/no-such --from=$F4 --to=$T4 \
    "$B/ndjson?from={from}&to={to}"
is "$rc" 73 "a state that cannot be created: 73"
IN=$T/mixed run mp-fetch --rejects=/proc/no-such/r
is "$rc" 73 "a rejects file that cannot be created: 73"
mp-fetch --from=$F4 --to=$T4 "$B/ndjson?from={from}&to={to}" \
    >/dev/full 2>"$T/err"
is "$?" 74 "standard output full: 74"
mreset "$B_uses4"
http_proxy=$B_uses4 run mp-fetch --from=$F4 --to=$T4 \
    "$B/ndjson?from={from}&to={to}"
sameids "http_proxy: the request goes through the proxy" "$T/out" $F4 $T4
is "$(mstats "$B_uses4" '.requests["/ndjson"]')" 1 "...which answered it"

# records that are not objects: each rejected, in an array or NDJSON;
# -s stops at the first
printf '{"a":1}\n2\n{"b":1}\n' >"$T/mixed.nd"
IN=$T/mixed.nd run mp-fetch --rejects=rej2
is "$rc $(jq -c '[.a, .b]' "$T/out" | tr -d '\n') $(wc -l <rej2)" \
    "0 [1,null][null,1] 1" \
    "NDJSON: a line that is not an object is rejected, the others kept"
echo '[1,{"a":1},2]' >"$T/mixed3"
IN=$T/mixed3 run mp-fetch -s
is "$rc $(wc -l <"$T/out") $(grep -c 'record' "$T/err")" "65 0 1" \
    "-s: stops at the first rejected record, exit 65"
[ "$rc $(wc -l <"$T/out")" = "65 0" ] || diag "stderr: $(cat "$T/err")"

# --- an answer that is not records is an error, never the last page
uc="$B/cursor?from={from}&to={to}&cursor={cursor}"
mreset "$B"
run mp-fetch --records=.data --next=.next_cursor --from=$F1 --to=$T1 \
    --stats=st.json "$uc&hiccup=200"
sameids "a 200 without .data mid-paging: tried again, every event once" \
    "$T/out" $F1 $T1
jqok st.json '.exit == 0 and .retries == 1' "...one retry"
run mp-fetch --records=.data --next=.next_cursor --retries=1 --from=$F1 \
    --to=$T1 "$uc&hiccup=200&hiccup_always=1"
[ "$rc" = 69 ] && [ ! -s "$T/out" ] &&
    grep -q "cursor?.*: window .*: no records at '\.data'" "$T/err"
st=$?; ok $st "...on every try: 69 naming the URL, the window and '.data'"
[ "$st" = 0 ] || diag "status $rc: $(head -c 400 "$T/err")"
echo '{"error":{"message":"quota"}}' >"$T/nodata.json"
run mp-fetch --records=.data "$T/nodata.json"
check "a file without .data: 65" 65 /dev/null "no records at '\.data'"
for b in '{"data":null}' '{"data":{"a":null}}'; do
	echo "$b" >"$T/body"
	IN=$T/body run mp-fetch --records=.data.a
	check "$b, --records=.data.a: 65" 65 /dev/null "no records at"
done
echo '{"data":[],"next_cursor":null}' >"$T/body"
IN=$T/body run mp-fetch --records=.data
check "an empty array at .data: no records, 0" 0 /dev/null ""
echo '{"data":null}' >"$T/body"
IN=$T/body run mp-fetch --records='.data // [] | .[]'
check "--records='.data // [] | .[]': null taken as empty" 0 /dev/null ""

# --- a total (--count) is checked: rows missing are an error
uo="$B/clamped?from={from}&to={to}&offset={offset}&limit={limit}"
run mp-fetch --records=.data --page-size=300 --count=.total --from=$F1 \
    --to=$T1 --stats=st.json "$uo"
sameids "--count, a page size the API clamps to 100: paging goes on" \
    "$T/out" $F1 $T1
jqok st.json '.exit == 0 and .pages == 5' "...5 pages of 100"
run mp-fetch --records=.data --page-size=300 --count=.total --window=2h \
    --from=$F1 --to=$T1 --concurrency=2 "$uo&clamp=70"
sameids "...in windows, clamped to 70" "$T/out" $F1 $T1
run mp-fetch --records=.rows --count=.total --from=$F4 --to=$T4 \
    "$B/tracker?from={from}&to={to}"
[ "$rc" = 65 ] && [ ! -s "$T/out" ] &&
    grep -q "window $F4\.\.$T4: 100 records of the 300 .*--count" "$T/err"
st=$?; ok $st "100 records of a total of 300: 65, the window named"
[ "$st" = 0 ] || diag "status $rc: $(head -c 400 "$T/err")"
run mp-fetch --records=.data --next=.next_cursor --count=.total \
    --from=$F1 --to=$T1 "$uc"
sameids "--count and --next: a total missing is not a shortfall" \
    "$T/out" $F1 $T1

# --- found in review: each of these went wrong once
run mp-fetch --from=2026-01-01T00:00:00Z --to=2026-01-01T02:00:00Z --cap=100 \
    --min-window=10m --rejects="$T/rjc" --stats="$T/stc" \
    --records='.rows[] | if .type == "click" then . else 1 end' \
    "$B/tracker?from={from}&to={to}"
jqok "$T/stc" '.splits > 0 and .records_out + .rejected == 200' \
    "--cap counts rejected records too: the window is split, none lost"
rm -rf "$T/arcn"
run mp-fetch --from=-1h --page-size=100 --archive="$T/arcn" \
    "$B/offset?from={from}&to={to}&offset={offset}&limit={limit}"
cp "$T/out" "$T/live-n"
sleep 1.2
run mp-fetch --page-size=100 --replay="$T/arcn" \
    "$B/offset?from={from}&to={to}&offset={offset}&limit={limit}"
is "$rc $(cmp -s "$T/out" "$T/live-n"; echo $?)" "0 0" \
    "an archive of --from with no --to replays: the run's end is kept"
( sleep 3 | mp-fetch >/dev/null 2>&1 & p=$!; sleep 0.5; kill -TERM $p
    wait $p; echo $? ) >"$T/sig"
is "$(cat "$T/sig")" 143 "SIGTERM while reading standard input: 143"

done_testing
