#!/bin/bash
# mp-fetch's report jobs (mp-fetch.1, Report jobs) against t/mock-network's
# /reports: a job a window, created, polled (waits growing by half each
# time) until its file is ready, downloaded and read as Files says.  Every
# event of the window lands once and in order, whatever the windows, the
# concurrency, the file's format and encoding; failed and lost jobs are
# created again, up to --report-retries, then 69 naming the job; an
# expired link is asked for again from the poll; an archive replays byte
# for byte with no network.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-fetch" ] || skip_all "cmd/mp-fetch is not built"
mp-fetch --help 2>&1 | grep -q -- --report-create ||
    skip_all "mp-fetch has no --report-create"
command -v python3 >/dev/null || skip_all "python3 is not installed"
command -v curl >/dev/null || skip_all "curl is not installed"

# jobstats: reports created, polls, downloads since the last reset
jobstats() { mstats "$B" '[.reports_created, .polls, .downloads]'; }

# lastjob LOG: the id of the last job polled, from a mock's log
lastjob() {
	jq -r 'select(.path | test("^/reports/[^/]+$")) | .path' "$1" |
	    tail -1 | sed 's|^/reports/||'
}

cd "$T" || exit 1
export MP_STATE_DIR=$T/state
unset XDG_STATE_HOME
mock m
B=$B_m

# the options of a report job on the mock (a CSV file: a title line, a
# header, a totals row)
R0=(--report-id=.job.id --report-poll="$B/reports/{id}"
    --report-ready='.status == "done"' --report-failed='.status == "failed"'
    --report-url=.download.url)
R=("${R0[@]}" --poll-interval=100ms)
C=(--skip-rows=1 --footer='.event_id == "Total"' --field=cost:number)
# rep QUERY [OPTION...]: mp-fetch of a report job, &QUERY added to the
# creation's URL, after run
rep() {
	local x=$1
	shift
	run mp-fetch --report-create="$B/reports?from={from}&to={to}$x" \
	    "${R[@]}" "${C[@]}" "$@"
}

F1=2026-01-01T00:00:00Z T1=2026-01-01T05:00:00Z
F2=2026-01-01T00:10:00Z T2=2026-01-01T03:17:00Z
F4=2026-01-01T00:00:00Z T4=2026-01-01T03:00:00Z

# --- one window, one job
mreset "$B"
rep "" --from=$F1 --to=$T1
sameids "a job: [$F1, $T1), events 0-499, once, in order" "$T/out" $F1 $T1
is "$rc $(wc -c <"$T/err")" "0 0" "...exit 0, nothing on stderr"
is "$(jobstats)" "[1,3,1]" \
    "...one job created, polled 3 times (pending twice), one download"
jq -r 'select(.path | startswith("/reports")) | "\(.method) \(.path)"' \
    "$T/m.log" | sed 's/job-[0-9]*/ID/' | tr '\n' ' ' >"$T/seq"
is "$(cat "$T/seq")" "POST /reports GET /reports/ID GET /reports/ID GET /reports/ID GET /reports/ID/file " \
    "...POST to create, GET to poll and download"
rep "" --from=$F4 --to=$T4 --source-field= --fetched-field=
curl -s "$B/ndjson?from=$F4&to=$T4" | sed 's/,"n":[0-9]*}$/}/' >"$T/raw"
cmp -s "$T/out" "$T/raw"
st=$?; ok $st "...each row a record: the header's names, cost:number as written"
[ "$st" = 0 ] || diag "got $(head -2 "$T/out")" "want $(head -2 "$T/raw")"
! grep -q -e Total -e Report "$T/out"
st=$?; ok $st "...neither the title line nor the totals row is a record"

# --- windows and --concurrency: one job each, the same bytes
mreset "$B"
mp-fetch --report-create="$B/reports?from={from}&to={to}&ready_after=0" \
    "${R[@]}" "${C[@]}" --fetched-field= --source=x --from=$F1 --to=$T1 \
    >"$T/one" 2>"$T/err"
for v in "--window=1h" "--window=37m --concurrency=4" \
    "--window=1h --concurrency=5" "--window=7m --concurrency=16"; do
	mreset "$B"
	rep "&ready_after=1" $v --fetched-field= --source=x --from=$F1 --to=$T1
	cmp -s "$T/out" "$T/one" && [ "$rc" = 0 ]
	st=$?; ok $st "$v: the same bytes as one job"
	[ "$st" = 0 ] || diag "status $rc: $(head -c 300 "$T/err")"
	case $v in
	--window=1h*) n=5 ;;
	--window=37m*) n=9 ;;
	--window=7m*) n=43 ;;
	esac
	is "$(mstats "$B" '[.reports_created, .downloads]')" "[$n,$n]" \
	    "...a job a window: $n jobs, $n downloads"
done
rep "&ready_after=1" --window=13m --concurrency=3 --from=$F2 --to=$T2
sameids "windows not on the hour, --concurrency=3" "$T/out" $F2 $T2
t0=$(ms)
rep "&ready_after=1" --poll-interval=500ms --window=1h --concurrency=8 \
    --from=$F1 --to=2026-01-01T08:00:00Z
dt=$(($(ms) - t0))
sameids "--concurrency=8, 8 jobs" "$T/out" $F1 2026-01-01T08:00:00Z
ok $([ "$dt" -ge 1200 ] && [ "$dt" -lt 5000 ]; echo $?) \
    "...polled at once: 8 jobs of 1.25 s in $dt ms (one at a time: 10 s)"

# --- the waits between polls: --poll-interval, then half as long again
mreset "$B"
: >"$T/m.log"
t0=$(ms)
rep "&ready_after=3" --poll-interval=200ms --from=$F4 --to=$T4
dt=$(($(ms) - t0))
sameids "ready after 3 polls" "$T/out" $F4 $T4
jq -r 'select(.path | startswith("/reports")) | .t' "$T/m.log" >"$T/times"
gaps=$(awk 'NR > 1 { printf "%d ", ($1 - p) * 1000 } { p = $1 }' \
    "$T/times")
# create, 4 polls, the file: waits of 200, 300, 450, 675 ms, then none
set -- $gaps
ok $([ $# = 5 ] && [ "$1" -ge 190 ] && [ "$1" -lt 1000 ] &&
    [ "$2" -ge 285 ] && [ "$2" -lt 1100 ] && [ "$3" -ge 430 ] &&
    [ "$3" -lt 1250 ] && [ "$4" -ge 640 ] && [ "$4" -lt 1500 ] &&
    [ "$5" -lt 500 ]; echo $?) \
    "--poll-interval=200ms: waits of 200, 300, 450, 675 ms: $gaps($dt ms)"
is "$(jobstats)" "[1,4,1]" "...4 polls"
mreset "$B"
t0=$(ms)
run mp-fetch --report-create="$B/reports?from={from}&to={to}&ready_after=0" \
    "${R0[@]}" "${C[@]}" \
    --from=$F4 --to=$T4
dt=$(($(ms) - t0))
sameids "no --poll-interval" "$T/out" $F4 $T4
ok $([ "$dt" -ge 4900 ] && [ "$dt" -lt 9000 ]; echo $?) \
    "...the first poll after 5 s: $dt ms"

# --- failed jobs are created again, up to --report-retries
for v in "1 0 2" "2 0 3" "5 --report-retries=5 6" "1 --report-retries=1 2"; do
	set -- $v
	mreset "$B"
	rep "&ready_after=0&fail=$1" ${2#0} --from=$F4 --to=$T4
	o=${2#0}
	sameids "fail=$1${o:+ $o}: created again, then every event once" \
	    "$T/out" $F4 $T4
	is "$(mstats "$B" '[.reports_created, .downloads]')" "[$3,1]" \
	    "...$3 jobs created, one download"
done
for v in "3 0 3" "1 --report-retries=0 1" "4 --report-retries=3 4"; do
	set -- $v
	mreset "$B"
	: >"$T/m.log"
	rep "&ready_after=0&fail=$1" ${2#0} --from=$F4 --to=$T4
	j=$(lastjob "$T/m.log") o=${2#0}
	[ "$rc" = 69 ] && [ ! -s "$T/out" ] && [ -n "$j" ] &&
	    grep -q -- "$j\\b" "$T/err" && grep -q "$F4.*$T4" "$T/err"
	st=$?; ok $st "fail=$1${o:+ $o}: past the retries, 69 naming the job ($j) and window"
	[ "$st" = 0 ] || diag "status $rc: $(head -c 400 "$T/err")"
	is "$(mstats "$B" '[.reports_created, .downloads]')" "[$3,0]" \
	    "...$3 jobs created, none downloaded"
done
mreset "$B"
rep "&ready_after=1&fail=1" --window=1h --concurrency=3 --from=$F4 --to=$T4
sameids "fail=1, 3 windows at once: each job created again" "$T/out" $F4 $T4
is "$(mstats "$B" '[.reports_created, .downloads]')" "[6,3]" \
    "...6 jobs created, 3 downloads"

# --- jobs never ready: lost after --poll-timeout, created again, then 69
mreset "$B"
: >"$T/m.log"
t0=$(ms)
rep "&never=1" --poll-timeout=1s --report-retries=1 --from=$F4 --to=$T4
dt=$(($(ms) - t0))
j=$(lastjob "$T/m.log")
[ "$rc" = 69 ] && [ ! -s "$T/out" ] && [ -n "$j" ] &&
    grep -q -- "$j\\b" "$T/err" && grep -q "$F4.*$T4" "$T/err"
st=$?; ok $st "never ready, --poll-timeout=1s: 69 naming the job ($j) and window"
[ "$st" = 0 ] || diag "status $rc: $(head -c 400 "$T/err")"
is "$(mstats "$B" '[.reports_created, .downloads]')" "[2,0]" \
    "...created again once (--report-retries=1)"
# polls at 0.1, 0.25, 0.48, 0.81, 1.32 s: the last the first past 1 s
span=$(jq -sr 'map(select(.path | startswith("/reports"))) |
    [.[] | select(.method == "POST") | .t] as $c |
    [.[] | select(.method == "GET") | .t] as $p |
    [(($p | map(select(. < $c[1])) | max) - $c[0]),
     (($p | max) - $c[1])] | map(. * 1000 | floor) | join(" ")' "$T/m.log")
set -- $span
ok $([ $# = 2 ] && [ "$1" -ge 1000 ] && [ "$1" -lt 1600 ] &&
    [ "$2" -ge 1000 ] && [ "$2" -lt 1600 ]; echo $?) \
    "...each job lost at its first poll past 1 s (1.32 s): $span ms ($dt ms in all)"

# --- expired links: polled again for a fresh one, three times at most
mreset "$B"
: >"$T/m.log"
rep "&ready_after=0&expire=1&stale=1" --from=$F4 --to=$T4
sameids "an expired link (410): polled again, then every event once" \
    "$T/out" $F4 $T4
jq -r 'select(.path | endswith("/file")) | .status' "$T/m.log" |
    tr '\n' ' ' >"$T/st"
is "$(cat "$T/st")$(jobstats)" "410 200 [1,2,1]" \
    "...410, a second poll, 200; the job not created again"
mreset "$B"
rep "&ready_after=0&stale=3" --from=$F4 --to=$T4
sameids "three expired links in a row: polled again 3 times" \
    "$T/out" $F4 $T4
is "$(jobstats)" "[1,4,1]" "...one job, 4 polls"
mreset "$B"
: >"$T/m.log"
rep "&ready_after=0&stale=1000" --from=$F4 --to=$T4
nf=$(jq -r 'select(.path | endswith("/file")) | .path' "$T/m.log" | wc -l)
nj=$(mstats "$B" .reports_created)
[ "$rc" = 69 ] && [ ! -s "$T/out" ] && [ "$nf" -le $((4 * nj)) ] &&
    [ "$nj" -le 3 ]
st=$?; ok $st "links that always expire: 69, at most 4 tries of a link a job" \
    "($nf tries, $nj jobs)"
[ "$st" = 0 ] || diag "status $rc: $(head -c 400 "$T/err")"
for v in '403 .download.url | sub("sig=.*"; "sig=bad")' \
    '404 "/reports/job-0/file?sig=x"'; do
	mreset "$B"
	: >"$T/m.log"
	rep "&ready_after=0" --report-url="${v#* }" --from=$F4 --to=$T4
	jq -r 'select(.path | endswith("/file")) | .status' "$T/m.log" |
	    sort | uniq -c | tr -s ' \n' ' ' >"$T/st"
	is "$rc$(cat "$T/st")$(jobstats)" "69 4 ${v%% *} [1,4,0]" \
	    "links answered ${v%% *}: polled again 3 times, then 69"
done
mreset "$B"
rep "&ready_after=0&abs=1" --from=$F4 --to=$T4
sameids "an absolute link" "$T/out" $F4 $T4

# --- the files: zip, tsv, csv, json; windows-1252, UTF-16LE
for v in "format=csv" "format=zip" "format=tsv" \
    "encoding=windows-1252 --encoding=windows-1252" \
    "encoding=utf-16le --encoding=utf-16le" "encoding=utf-16le" \
    "format=zip&encoding=utf-16le" \
    "format=tsv&encoding=windows-1252 --encoding=windows-1252" \
    "format=csv&encoding=windows-1252 --encoding=windows-1252"; do
	set -- $v
	rep "&ready_after=0&$1" $2 --from=$F4 --to=$T4 --source-field= \
	    --fetched-field=
	cmp -s "$T/out" "$T/raw" && [ "$rc" = 0 ]
	st=$?; ok $st "$*: every record as in the CSV"
	[ "$st" = 0 ] || diag "status $rc: $(head -c 300 "$T/err")" \
	    "stdout: $(head -c 300 "$T/out")"
done
rep "&ready_after=0&encoding=windows-1252" --from=$F4 --to=$T4
[ "$rc" = 65 ] && [ ! -s "$T/out" ] && grep -qE 'line 1\b|:1:' "$T/err"
st=$?; ok $st "windows-1252 read as UTF-8: 65 naming line 1, no record"
[ "$st" = 0 ] || diag "status $rc: $(head -c 300 "$T/err")"
run mp-fetch --report-create="$B/reports?from={from}&to={to}&ready_after=0&format=json" \
    "${R[@]}" --from=$F4 --to=$T4 --source-field= --fetched-field=
cmp -s "$T/out" "$T/raw" && [ "$rc" = 0 ]
st=$?; ok $st "format=json: a JSON array (by its Content-Type), each record as sent"
[ "$st" = 0 ] || diag "status $rc: $(head -c 300 "$T/err")" \
    "stdout: $(head -c 300 "$T/out")"
run mp-fetch --report-create="$B/reports?from={from}&to={to}&ready_after=0&format=json&encoding=utf-16le" \
    "${R[@]}" --from=$F4 --to=$T4
sameids "format=json in UTF-16LE with a BOM" "$T/out" $F4 $T4

# --- an empty file is not "no rows": 65 unless --allow-empty
for e in bytes header; do
	rep "&ready_after=0&empty=$e" --from=$F4 --to=$T4
	[ "$rc" = 65 ] && [ ! -s "$T/out" ] &&
	    grep -q "reports/job-[0-9]*/file?sig=REDACTED: window $F4\.\.$T4: .*empty report" \
	    "$T/err"
	st=$?; ok $st "empty=$e: an empty report, 65 naming the link and window"
	[ "$st" = 0 ] || diag "status $rc: $(head -c 400 "$T/err")"
	rep "&ready_after=0&empty=$e" --allow-empty --from=$F4 --to=$T4
	check "...--allow-empty: no record, 0" 0 /dev/null ""
done

# --- --error is for the API's answers, not the file; a failed download
# says why
mreset "$B"
rep "&ready_after=0" --error=.error --from=$F4 --to=$T4
sameids "--error: the API's answers checked, the CSV file not" \
    "$T/out" $F4 $T4
is "$(jobstats)" "[1,1,1]" "...one job, one poll, one download"
rep "&ready_after=0&expire=1&stale=1" --error=.error --from=$F4 --to=$T4
sameids "--error and an expired link: polled again, every event once" \
    "$T/out" $F4 $T4
grep -q "reports/job-[0-9]*/file?sig=REDACTED: .*HTTP 410.*new link" "$T/err"
st=$?; ok $st "...the 410 said, the link redacted"
[ "$st" = 0 ] || diag "stderr: $(head -c 400 "$T/err")"
rep "&ready_after=0&stale=1000" --error=.error --from=$F4 --to=$T4
[ "$rc" = 69 ] && [ ! -s "$T/out" ] &&
    tail -1 "$T/err" | grep -q "file?sig=REDACTED: window $F4\.\.$T4: report job job-[0-9]*'s file: HTTP 410 Gone" &&
    ! grep -q -e 'does not parse' -e 'sig=[0-9a-f]' "$T/err"
st=$?; ok $st "links that always expire: 69, 'HTTP 410 Gone' and the link said"
[ "$st" = 0 ] || diag "status $rc: $(head -c 600 "$T/err")"

# --- the creation: a body, headers, {env:X}
mreset "$B"
: >"$T/m.log"
run mp-fetch --report-create="$B/reports" \
    --report-data='{"from":"{from}","to":"{to}","ready_after":0}' \
    -H 'Content-Type: application/json' "${R[@]}" "${C[@]}" \
    --from=$F4 --to=$T4
sameids "--report-data: a JSON body" "$T/out" $F4 $T4
is "$(jq -r 'select(.path == "/reports") | "\(.method) \(.query)"' \
    "$T/m.log")" "POST " "...POSTed, nothing in the query"
run mp-fetch --report-create="$B/reports" --window=1h \
    --report-data='from={from}&to={to}&ready_after=0&format=zip' \
    "${R[@]}" "${C[@]}" --from=$F4 --to=$T4
sameids "--report-data: a form body, 3 windows" "$T/out" $F4 $T4
mreset "$B"
: >"$T/m.log"
FMT=tsv run mp-fetch --report-create="$B/reports?from={from}&to={to}&format={env:FMT}&ready_after=0" \
    "${R[@]}" "${C[@]}" --from=$F4 --to=$T4
sameids "{env:X} in --report-create" "$T/out" $F4 $T4
jq -r 'select(.path == "/reports") | .query' "$T/m.log" | grep -q 'format=tsv'
st=$?; ok $st "...sent"
mreset "$B"
: >"$T/m.log"
run mp-fetch --report-create="$B/echo?from={from}" --report-id=.method \
    --report-poll="$B/echo?id={id}" --report-ready='.query == "id=POST"' \
    --report-url='"/report.json"' --poll-interval=100ms --from=$F4 --to=$T4
jq -r 'select(.path == "/echo") | "\(.method) \(.query)"' "$T/m.log" |
    head -2 | tr '\n' ' ' >"$T/echo"
is "$(cat "$T/echo")$(wc -l <"$T/out")" \
    "POST from=2026-01-01T00%3A00%3A00Z GET id=POST 3" \
    "{id} is what --report-id found; --report-url a jq program"

# --- examples/sources/report.conf through the mock as a proxy
sed "s|http://reports.network.example|$B|" \
    "$top/examples/sources/report.conf" >"$T/report.conf"
run mp-fetch -K "$T/report.conf" --poll-interval=100ms --from=$F4 --to=$T4
sameids "sources/report.conf" "$T/out" $F4 $T4
jqok "$T/out" '.fetch_source == "network-report"' "...--source"
mreset "$B"
http_proxy=$B run mp-fetch -K "$top/examples/sources/report.conf" \
    --from=$F4 --to=$T4
sameids "sources/report.conf as it is, the mock its proxy" "$T/out" $F4 $T4

# --- the archive, replayed with the mock stopped
mock arc
ra=(--report-create="$B_arc/reports?from={from}&to={to}&ready_after=1&fail=1&expire=1&stale=1&format=zip"
    --report-id=.job.id --report-poll="$B_arc/reports/{id}"
    --report-ready='.status == "done"' --report-failed='.status == "failed"'
    --report-url=.download.url --poll-interval=100ms "${C[@]}"
    --window=1h --concurrency=2 --from=$F4 --to=$T4)
run mp-fetch "${ra[@]}" --archive="$T/arc"
cp "$T/out" "$T/arc.out"
sameids "--archive: 3 jobs, each failed once, an expired link" \
    "$T/out" $F4 $T4
nreq=$(wc -l <"$T/arc.log")
mstop arc
run=$(ls "$T/arc")
n=$(jq -s 'map(select(.seq)) | length' "$T/arc/$run/index.ndjson" 2>/dev/null)
is "$n" "$nreq" "...an archived response for each request: creations," \
    "polls, downloads, 410s"
t0=$(ms)
run mp-fetch "${ra[@]}" --replay="$T/arc"
dt=$(($(ms) - t0))
cmp -s "$T/out" "$T/arc.out" && [ "$rc" = 0 ]
st=$?; ok $st "--replay, the mock stopped: the same bytes ($dt ms)"
[ "$st" = 0 ] || diag "status $rc: $(head -c 400 "$T/err")"

done_testing
