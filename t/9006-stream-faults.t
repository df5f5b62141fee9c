#!/bin/bash
# Faults in the stream pipeline that loads without replacing days, where
# mp-load sends its batches by COPY straight into the table (two sessions
# at once): mp-validate | mp-botfilter | mp-dedup --state | mp-load.  Each
# stage killed or terminated while mp-load is loading, and the server
# restarted; then a run to the end.  The end state must be the clean
# run's: every event once, and the money, to the micro-unit, what an
# independent computation over the same input makes it.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip_all "python3 is not installed"
pg_start
# commits that last: the test's server is otherwise fast and forgetful
# (synchronous_commit off), and its restart is a crash (immediate stop)
# that would lose the last commits of any client
q -c 'ALTER SYSTEM SET synchronous_commit = on' -c 'SELECT pg_reload_conf()' >/dev/null
# small pipes and buffers, so that every stage still has work when mp-load
# has begun (1 MiB pipes would hold much of the input)
export MP_PIPE_SIZE=64K
gen-events -n 40000 --seed 9006 --dup-rate 0.1 >"$T/ev"

# pipe: the pipeline over the input into events, its statuses in $T/st
pipe() {
	mp-validate --rejects="$T/v.rej" <"$T/ev" |
	    mp-botfilter --rejects="$T/b.rej" |
	    mp-dedup --state="$T/dedup.state" |
	    mp-load --table=events --create --rejects="$T/l.rej" \
		--stats="$T/load.st"
	echo "${PIPESTATUS[*]}" >"$T/st"
}
reset() {
	q -c 'DROP TABLE IF EXISTS events'
	rm -f "$T/dedup.state" "$T/dedup.state.lock" "$T/load.st"
}
snapshot() {
	q -c "SELECT event_id, cost, revenue FROM events ORDER BY event_id"
}

# the clean run
reset
pipe
is "$(cat "$T/st")" "0 0 0 0" "a clean run: every stage exits 0"
snapshot >"$T/clean"
jqok "$T/load.st" '.inserted > 30000 and .skipped == 0' \
    "a clean run: mp-load inserted every row, skipped none"

# the independent computation: what passes mp-validate and mp-botfilter,
# the first of each event_id, cost and revenue summed as decimals
mp-validate --rejects=/dev/null <"$T/ev" | mp-botfilter >"$T/passed"
cat >"$T/sum.py" <<'X'
import json, sys
from decimal import Decimal
seen, cost, rev = set(), Decimal(0), Decimal(0)
for line in open(sys.argv[1]):
    r = json.loads(line, parse_float=Decimal, parse_int=Decimal)
    if r["event_id"] in seen:
        continue
    seen.add(r["event_id"])
    cost += r.get("cost") or 0
    rev += r.get("revenue") or 0
print(len(seen), f"{cost:.6f}", f"{rev:.6f}")
X
want=$(python3 "$T/sum.py" "$T/passed")
got=$(q -c "SELECT count(*), to_char(coalesce(sum(cost), 0), 'FM999999999990.000000'),
    to_char(coalesce(sum(revenue), 0), 'FM999999999990.000000') FROM events" | tr '|' ' ')
is "$got" "$want" "a clean run: events, cost and revenue as computed independently"

# fault STAGE SIG: the pipeline, STAGE sent SIG once mp-load has committed
# rows; then a run to the end
landed=0 faults=0
fault() {
	local stage=$1 sig=$2 sid i hit=no
	faults=$((faults + 1))
	reset
	setsid bash -c "$(declare -f pipe); T=$T; pipe" &
	sid=$!
	for i in $(seq 300); do
		[ "$(q -c "SELECT count(*) FROM pg_class WHERE relname = 'events'")" = 1 ] &&
		    [ "$(q -c 'SELECT count(*) FROM events' 2>/dev/null || echo 0)" -gt 0 ] &&
		    break
		kill -0 "$sid" 2>/dev/null || break
		sleep 0.01
	done
	if [ "$stage" = server ]; then
		pg-local stop "$T/pg" >/dev/null 2>&1 &&
		    MP_PG_FAST=1 pg-local start "$T/pg" >/dev/null 2>&1 && hit=yes
	else
		pkill -"$sig" -s "$sid" -x "$stage" && hit=yes
	fi
	wait "$sid"
	diag "$stage $sig: the faulted run's statuses: $(cat "$T/st" 2>/dev/null), mp-load: $(jq -c '{records_in, inserted, skipped, exit}' "$T/load.st" 2>/dev/null), rows $(q -c 'SELECT count(*) FROM events')"
	[ "$hit" = yes ] && landed=$((landed + 1))
	pipe
	is "$(cat "$T/st")" "0 0 0 0" "$stage $sig (landed: $hit): the run after it exits 0"
	snapshot | cmp -s - "$T/clean"
	ok $? "$stage $sig: then the table is the clean run's, every event once"
	jqok "$T/load.st" '.records_in == .inserted + .skipped and .rejected == 0' \
	    "$stage $sig: mp-load's count adds up (inserted + skipped)"
}
for s in mp-validate mp-botfilter mp-dedup mp-load; do
	fault $s KILL
	fault $s TERM
done
fault server restart
[ "$landed" -ge 6 ]
ok $? "at least 6 faults landed while mp-load was loading ($landed of $faults)"
got=$(q -c "SELECT count(*) - count(DISTINCT event_id) FROM events")
is "$got" 0 "no event twice in the table"
done_testing
