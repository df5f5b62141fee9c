#!/bin/bash
# Every exit leaves its trace (mp.7, Statistics, Metrics), signals in
# pipelines (Signals), and the chain between stages (The chain): a stage
# whose upstream failed, was interrupted or killed says so and commits
# nothing, whatever the tool.
. "$(dirname "$0")/lib.sh"

tools=$(cd "$top/cmd" && ls mp-*.c | sed 's/\.c$//')
pg_start
args_mp_load="--table=exits --create"
printf 'event_id,cost\n' >"$T/costs.csv"
args_mp_enrich="--table=$T/costs.csv"
args_mp_archive="-d $T/archive"
args_mp_dedup="--state=$T/dedup.state"
args_mp_reconcile="--theirs=$T/costs.csv --key=event_id --amount=cost"
ev='{"event_id":"e1","ts":"2026-11-20T10:00:00Z","type":"click","ua":"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}'

for t in $tools; do
	eval "a=\${args_${t//-/_}:-}"
	rm -f "$T/stats" "$T/metrics"
	IN=/dev/null run "$t" $a --stats="$T/stats" --metrics="$T/metrics"
	ok0=$(sed -n 's/^mp_last_success_timestamp_seconds{.*} //p' \
	    "$T/metrics")
	[ "$rc" = 0 ] && [ "${ok0:-0}" -gt 0 ]
	ok $? "$t: a success sets mp_last_success_timestamp_seconds"
	sleep 1
	# mp-fetch finds a missing file before its run: a server that is not
	# there instead
	fail=no-such-file want=66
	[ "$t" = mp-fetch ] && fail="--retries=0 http://127.0.0.1:1/x" want=69
	IN=/dev/null run "$t" $a --stats="$T/stats" --metrics="$T/metrics" \
	    $fail
	jqok "$T/stats" ".exit == $want and (.reason | length > 0)" \
	    "$t: a failed run writes its stats, with exit and reason"
	grep -q "^mp_last_exit_status{prog=\"$t\"} $want$" "$T/metrics"
	ok $? "$t: ...and its metrics, mp_last_exit_status $want"
	is "$(sed -n 's/^mp_last_success_timestamp_seconds{.*} //p' \
	    "$T/metrics")" "$ok0" \
	    "$t: ...keeping the time of the last success"
	# before the run starts: a bad option after the outputs are named
	IN=/dev/null run "$t" $a --stats="$T/stats" --metrics="$T/metrics" \
	    --no-such-option
	jqok "$T/stats" '.exit == 64 and .reason == "usage error"' \
	    "$t: a usage error writes the stats too"
	grep -q "^mp_last_exit_status{prog=\"$t\"} 64$" "$T/metrics"
	ok $? "$t: ...and the metrics"

	# (mp-fetch reads an answer from standard input)
	# a stage before that fails at once, and one killed mid-stream
	rm -f "$T/stats"
	mp-validate --no-such-option 2>/dev/null |
	    "$t" $a --stats="$T/stats" >/dev/null 2>"$T/err"
	is "$?" 75 "$t: a stage before that failed: exit 75"
	jqok "$T/stats" '.exit == 75 and (.reason |
	    test("mp-validate exited 64"))' "$t: ...the stats name it"
	grep -q "input ended early: mp-validate exited 64" "$T/err"
	ok $? "$t: ...and so does its message"
	(echo "$ev"; exec sleep 37.$$) | mp-validate --stats="$T/v.$t" |
	    "$t" $a --stats="$T/stats" >/dev/null 2>"$T/err" &
	for i in $(seq 50); do
		[ -n "$(pgrep -f -x "mp-validate --stats=$T/v.$t")" ] && break
		sleep 0.1
	done
	sleep 0.3
	pkill -9 -f -x "mp-validate --stats=$T/v.$t"
	sleep 0.2
	pkill -f -x "sleep 37.$$"
	wait $!
	st=$?
	is "$st" 75 "$t: the stage before killed -9 mid-stream: exit 75"
	jqok "$T/stats" '.exit == 75 and (.reason |
	    test("mp-validate .* was killed"))' "$t: ...the stats say so"
done

# a stage whose upstream failed commits no state
printf '%s\n' "$ev" >"$T/one"
rm -f "$T/dedup.state"
cat "$T/one" | mp-validate --x 2>/dev/null |
    mp-dedup --state="$T/dedup.state" >/dev/null 2>&1
[ ! -e "$T/dedup.state" ]
ok $? "mp-dedup after a failed stage: no state written"

# --- Ctrl-C on a pipeline: every stage reports it, none fails on EINTR
seq -f '{"event_id":"c%g","ts":"2026-11-20T10:00:00Z","ua":"Mozilla/5.0 Firefox/1"}' \
    200000 >"$T/many"
setsid bash -c '(cat "$1"; exec sleep "$3") | mp-validate --stats="$2/s1" |
    mp-botfilter --stats="$2/s2" | mp-dedup --stats="$2/s3" |
    (sleep 1; cat >/dev/null)' _ "$T/many" "$T" 37.$$ 2>"$T/err" &
pid=$!
sleep 2
kill -INT -- -"$pid"
wait "$pid"
for s in s1 s2 s3; do
	jqok "$T/$s" '.interrupted == true and .exit == 130' \
	    "Ctrl-C: stage $s reports it, stats and 130"
done
pkill -f -x "sleep 37.$$"
grep -q "Interrupted system call" "$T/err"
ok $((!$?)) "Ctrl-C: no stage fails on an interrupted system call"

# --- a file size limit is a write error, 74, with a message
(ulimit -f 8; mp-validate "$T/many" >"$T/big" 2>"$T/err"; echo $? >"$T/rc")
is "$(cat "$T/rc")" 74 "ulimit -f: mp-validate exits 74, not by SIGXFSZ"
grep -q "^mp-validate: stdout: File too large" "$T/err"
ok $? "...with a message"
(ulimit -f 8; mp-dedup --state="$T/big.state" "$T/many" >/dev/null \
    2>"$T/err"; echo $? >"$T/rc")
is "$(cat "$T/rc")" 74 "ulimit -f: mp-dedup's state: exits 74"
grep -q "^mp-dedup: .*File too large" "$T/err"
ok $? "...with a message"

done_testing
