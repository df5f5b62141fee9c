#!/bin/bash
# The day pipeline (examples/pipeline.sh) under faults, mid-stream: in a
# run of the day and in a replay of its archive, each stage killed with
# SIGKILL, SIGINT and SIGTERM; Ctrl-C of the whole run; the platform gone
# mid-fetch; a full disk under the archive; PostgreSQL restarted mid-load;
# a run whose mp-dedup state holds half of the day under another run id.
# After each, the table is the one a clean run left, row for row (the
# run replaces that same day, so any partial commit shows), and the
# traces say what happened: the run's own stats/RUN.run.json, the
# signalled stage's "interrupted", and for every stage after the one that
# failed exit 75 with it named as the reason (mp(7), The chain).  A
# restart of PostgreSQL is absorbed by mp-load's retry: exit 0, the same
# table.  At the end a clean run gives the table again.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 is not installed"
command -v zstdcat >/dev/null || skip_all "zstd is not installed"
pg_start
day=2026-11-20
D=$T/data W=$T/srv
mkdir -p "$D" "$W"
# 8000 events: mp-load's first batch (2000 rows) is a quarter of the day,
# so when it has begun replacing the day every stage before it still has
# more to write than the pipes between them hold, at 64 KiB a pipe and
# an output buffer (1 MiB each would hold the whole day)
export MP_PIPE_SIZE=64K
gen-events -n 8000 --seed 9003 --start $day --days 1 \
    --spend-out "$D/spend.csv" --fx-out "$W/fx.csv" --sales-out "$D/sales.ndjson" \
    --cidr-out "$W/datacenters.cidr" >"$D/events.ndjson"

# plat_start [PORT]: scripts/mock-platform on PORT (a free one without),
# its process id in $plat
plat_start() {
	rm -f "$T/plat.port"
	mock-platform --data "$D" --port "${1:-0}" --port-file "$T/plat.port" \
	    --log "$T/plat.log" </dev/null >/dev/null 2>>"$T/plat.err" &
	plat=$!
	waitfor "$T/plat.port" scripts/mock-platform
}
plat_start
at_exit 'kill $plat 2>/dev/null'
port=$(cat "$T/plat.port")
export http_proxy=http://127.0.0.1:$port no_proxy= NO_PROXY=
cp -R "$top/examples/pipeline.sh" "$top/examples/pipeline" \
    "$top/examples/schemas" "$top/examples/sql" "$W/"
cd "$W" || exit 1
# the platform's outage: one retry, not five with backoff up to 15 s
cp -R pipeline pipeline.outage
echo "retries = 1" >>pipeline.outage/tracker.conf
# runs whose mp-dedup keeps its keys in a state, under the run id $RUNID
opt='--state=state\/runid.state --run-id="$RUNID"'
sed "s/^\([[:blank:]]*mp-dedup\) /\1 $opt /" pipeline.sh >pipeline.runid.sh
chmod +x pipeline.runid.sh
grep -q 'mp-dedup --state=state/runid.state --run-id="$RUNID"' \
    pipeline.runid.sh ||
    { echo "Bail out! pipeline.sh: no mp-dedup line to change"; exit 1; }
mp-load --table=events --print-ddl | q
q -f sql/views.sql >/dev/null

# snapshot: every row (key, money, record), the count and the sums
snapshot() {
	q -c "SELECT event_id, cost, revenue, md5(data::text) FROM events
	    ORDER BY event_id" | md5sum
	q -F ' ' -c "SELECT count(*), sum(cost), sum(revenue) FROM events"
}

# --- the clean run: G
./pipeline.sh day $day >"$T/out" 2>"$T/err"
is "$?" 0 "a clean run of the day: exit 0"
[ -s "$T/err" ] && diag "stderr: $(head -c 300 "$T/err")"
snapshot >"$T/G"
n=$(q -c "SELECT count(*) FROM events")
[ "$n" -gt 6000 ]
ok $? "...the table holds the day ($n rows)"

stages_replay="mp-validate mp-botfilter mp-dedup mp-enrich mp-load"
stages_day="mp-fetch mp-archive $stages_replay"

# start SCRIPT MODE: runs "SCRIPT MODE $day" in the background, in a
# session of its own ($sid), with the variables of $xenv, after clearing
# the day's stats so that every trace read after it is its own; $t0: when
# it started
start() {
	rm -f stats/$day.*.json
	t0=$(date -u +%FT%TZ)
	env $xenv setsid "./$1" "$2" $day >"$T/out" 2>"$T/err" </dev/null &
	sid=$!
}

# running: the run has not ended
running() {
	local st
	st=$(cut -d' ' -f3 "/proc/$sid/stat" 2>/dev/null) && [ "$st" != Z ]
}

# mid: waits for mp-load to begin replacing the day (it holds a row
# lock on the table: the day deleted in its open transaction), stops it,
# and waits for every stage before it to block on a full pipe; 1 when the
# run ended first
mid() {
	local i=0
	deleted=no
	until pgrep -s "$sid" -x mp-load >/dev/null; do
		i=$((i + 1))
		running && [ "$i" -lt 1500 ] || return 1
		sleep 0.02
	done
	i=0
	until [ "$(q -c "SELECT count(*) FROM pg_locks l JOIN
	    pg_stat_activity a USING (pid) WHERE a.application_name =
	    'mp-load' AND l.relation = 'events'::regclass AND
	    l.mode = 'RowExclusiveLock'" 2>/dev/null)" = 1 ]; do
		i=$((i + 1))
		[ "$i" -lt 500 ] || break
		pgrep -s "$sid" -x mp-load >/dev/null || return 1
		sleep 0.01
	done
	[ "$i" -lt 500 ] && deleted=yes
	pkill -STOP -s "$sid" -x mp-load || return 1
	sleep 0.3
	alive=$(ps -o comm= -s "$sid" | grep '^mp-' | sort | paste -sd' ' -)
	nalive=$(echo $alive | wc -w)
}

# finish: waits for the run, at most 60 s (then kills it: hung), its
# status in $rc
finish() {
	local i=0
	while running; do
		i=$((i + 1))
		if [ "$i" -gt 1200 ]; then
			hung=1
			kill -KILL -- -"$sid" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	wait "$sid"
	rc=$?
}

# expect STAGE EXIT [CAUSE]: the stage's stats of the run say it exited
# EXIT, interrupted when that is 130 or 143, with CAUSE in its reason
expect() {
	local f=stats/$day.${1#mp-}.json
	jq -e --argjson x "$2" --arg c "${3:-}" '.exit == $x and
	    .interrupted == ($x == 130 or $x == 143) and
	    ($c == "" or ((.reason // "") | contains($c)))' "$f" \
	    >/dev/null 2>&1 ||
	    bad="$bad $1: want exit $2${3:+ naming $3}, got $(jq -c \
	    '{exit, interrupted, reason}' "$f" 2>/dev/null || echo 'no stats');"
}
# after STAGE LIST: the stages of LIST after STAGE
after() {
	local s=$1 x seen=
	shift
	for x in "$@"; do
		[ -n "$seen" ] && echo "$x"
		[ "$x" = "$s" ] && seen=1
	done
}

matrix= landed=0 faults=0
fmt='%-7s %-13s %-10s %-7s %-6s %-8s %-5s %-5s %-9s %s'
# fault MODE STAGE FAULT [SCRIPT]: one run of MODE with FAULT injected
# into STAGE ("all" for the whole run), then its verdict: (a) the exit,
# (b) the table, (c) the traces
fault() {
	local mode=$1 stage=$2 f=$3 script=${4:-pipeline.sh} hit=no sig= x kind
	local name="$1 $3 $2" stages runf=stats/$day.run.json loadx xenv=
	[ "$mode" = replay ] && runf=stats/$day.replay.run.json
	eval "stages=\$stages_$mode"
	faults=$((faults + 1))
	hung= alive= nalive=- deleted=- bad=
	case $f in
	kill-9) sig=KILL ;;
	SIGINT) sig=INT ;;
	SIGTERM) sig=TERM ;;
	esac
	case $f in
	restart) q -c CHECKPOINT ;;		# fsync is off: keep G
	outage) xenv=MP_CONF=$W/pipeline.outage ;;
	run-id)
		# an earlier run (an hour's, say) passed half of the day: a
		# run under another id drops that half, and would shrink the day
		head -n 4000 "$D/events.ndjson" >"$T/half"
		mp-dedup --state=state/runid.state --run-id=$day.half \
		    --window=48h "$T/half" >/dev/null
		ok $? "$mode run-id: an earlier run passed half of the day"
		xenv=RUNID=$day.other
		;;
	disk-full)
		if ! mount -t tmpfs -o size=64k mp-full "$W/archive" \
		    2>/dev/null; then
			diag "$name: no tmpfs could be mounted: not run"
			faults=$((faults - 1))
			return
		fi
		hit=yes
		at_exit "umount -l '$W/archive' 2>/dev/null"
		;;
	esac
	start "$script" "$mode"
	case $f in
	kill-9|SIGINT|SIGTERM)
		if mid; then
			pkill -"$sig" -s "$sid" -x "$stage" && hit=yes
			[ "$stage:$sig" = mp-load:KILL ] ||
			    pkill -CONT -s "$sid" -x mp-load
		fi
		;;
	ctrl-c)
		if mid; then
			kill -INT -- -"$sid" && hit=yes
			pkill -CONT -s "$sid" -x mp-load
		fi
		;;
	outage)
		if mid; then
			if pgrep -s "$sid" -x mp-fetch >/dev/null &&
			    kill -KILL "$plat"; then
				hit=yes
				wait "$plat" 2>/dev/null
			fi
			pkill -CONT -s "$sid" -x mp-load
		fi
		;;
	restart)
		if mid; then
			pg-local stop "$T/pg" </dev/null >/dev/null 2>&1 &&
			    MP_PG_FAST=1 pg-local start "$T/pg" </dev/null \
			    >/dev/null 2>&1 && hit=yes
			pkill -CONT -s "$sid" -x mp-load
		fi
		;;
	run-id) hit=yes ;;
	esac
	finish
	if [ "$f:$hit" = outage:yes ]; then
		plat_start "$port"
	elif [ "$f" = disk-full ]; then
		umount "$W/archive" || umount -l "$W/archive"
	fi
	# a fault that missed (the run was over, or the stage) leaves a
	# clean run, which must be one
	kind=$f
	[ "$hit" = yes ] && landed=$((landed + 1)) || kind=missed

	# (a) the run's exit
	case $kind in
	restart|missed) [ "$rc" = 0 ] ;;
	ctrl-c) [ "$rc" = 130 ] ;;
	*) [ "$rc" != 0 ] ;;
	esac
	ok $? "$name: pipeline.sh exits $rc${hung:+ (hung: killed after 60 s)}"
	# (b) the table
	snapshot >"$T/snap"
	cmp -s "$T/snap" "$T/G"
	local same=$?
	ok $same "$name: the table is the clean run's, row for row"
	[ "$same" = 0 ] || diag "count sum(cost) sum(revenue): " \
	    "clean: $(sed -n 2p "$T/G")" "now:   $(sed -n 2p "$T/snap")"
	# (c) the traces
	jq -e --argjson rc "$rc" --arg t0 "$t0" --arg m "$mode" \
	    '.exit == $rc and .mode == $m and .end >= $t0' "$runf" \
	    >/dev/null 2>&1 || bad="$bad $runf: $(cat "$runf" 2>/dev/null ||
	    echo missing);"
	case $kind in
	kill-9|SIGINT|SIGTERM)
		case $sig in
		INT) expect "$stage" 130 ;;
		TERM) expect "$stage" 143 ;;
		esac
		for x in $(after "$stage" $stages); do
			expect "$x" 75 "$stage"
		done
		;;
	ctrl-c)
		for x in $stages; do
			expect "$x" 130
		done
		;;
	outage)
		expect mp-fetch 69
		for x in $(after mp-fetch $stages); do
			expect "$x" 75 mp-fetch
		done
		;;
	disk-full)
		expect mp-archive 74
		for x in $(after mp-archive $stages); do
			expect "$x" 75 mp-archive
		done
		;;
	restart)
		for x in $stages; do
			expect "$x" 0
		done
		jq -e '.retries > 0' stats/$day.load.json >/dev/null 2>&1 ||
		    bad="$bad mp-load: no retry counted;"
		;;
	missed)
		for x in $stages; do
			expect "$x" 0
		done
		;;
	run-id)
		# mp-enrich writes no cost record from a part of a day: the
		# spend no kept click carries would be overstated
		for x in $(echo $stages | sed 's/ mp-enrich mp-load$//'); do
			expect "$x" 0
		done
		jq -e '.earlier_run > 0 and .records_out > 0' \
		    stats/$day.dedup.json >/dev/null 2>&1 ||
		    bad="$bad mp-dedup: not a part dropped as an earlier run's;"
		expect mp-enrich 65 mp-dedup
		expect mp-load 75 mp-dedup
		;;
	esac
	is "$bad" "" "$name: the traces say so"
	[ -z "$bad" ] || diag "stderr: $(head -c 600 "$T/err")" \
	    "stages alive at the fault: $alive"
	loadx=$(jq -r '.exit // "-"' stats/$day.load.json 2>/dev/null ||
	    echo -)
	# a table that differs would fail every fault after: the day put
	# right, to judge each on its own
	if [ "$same" != 0 ]; then
		./pipeline.sh "$mode" $day >/dev/null 2>&1
		snapshot | cmp -s - "$T/G" ||
		    diag "...and a clean run did not give the table back"
	fi
	matrix="$matrix$(printf "$fmt" \
	    "$mode" "$stage" "$f" "$hit" "$nalive/$(echo $stages | wc -w)" \
	    "$deleted" "$rc" "$loadx" \
	    "$([ "$same" = 0 ] && echo yes || echo NO)" \
	    "$([ -z "$bad" ] && echo yes || echo NO)")
"
}

# --- the replay first, while the archive is the clean run's alone
for s in $stages_replay; do
	for f in kill-9 SIGINT SIGTERM; do
		fault replay "$s" "$f"
	done
done
fault replay all ctrl-c
fault replay mp-load restart
fault replay mp-dedup run-id pipeline.runid.sh
# --- then the day, from the platform
for s in $stages_day; do
	for f in kill-9 SIGINT SIGTERM; do
		fault day "$s" "$f"
	done
done
fault day all ctrl-c
fault day mp-fetch outage
fault day mp-archive disk-full		# root only: a tmpfs under archive/
fault day mp-load restart
fault day mp-dedup run-id pipeline.runid.sh

diag "the faults: landed; how many stages were alive at it, and whether" \
    "mp-load had deleted the day in its open transaction; the exit of" \
    "pipeline.sh and of mp-load (its stats); the table the clean run's;" \
    "the traces right" \
    "$(printf "$fmt" mode stage fault landed alive deleted exit load \
    table==G traces)"
while IFS= read -r l; do
	[ -n "$l" ] && diag "$l"
done <<<"$matrix"
[ "$landed" -ge 40 ]
ok $? "at least 40 faults landed ($landed of $faults)"

# --- and after all of them, clean runs give the table again
./pipeline.sh day $day >"$T/out" 2>"$T/err"
is "$? $(snapshot | md5sum)" "0 $(md5sum <"$T/G")" \
    "a clean run of the day after the faults: exit 0, the clean table"
unset http_proxy
./pipeline.sh replay $day >"$T/out" 2>"$T/err"
is "$? $(snapshot | md5sum)" "0 $(md5sum <"$T/G")" \
    "a clean replay, no network: exit 0, the clean table"
is "$(q -c "SELECT count(*) - count(DISTINCT event_id) FROM events")" 0 \
    "no event twice in the table"
is "$({ find archive/.tmp -type f; find state -name '.*' -type f; } \
    2>/dev/null | wc -l)" 0 \
    "nothing left behind: no temporary file in archive/.tmp or state/"
diag "notes no reader took, left to be swept: $(ls "$MP_CHAIN_DIR" | wc -l)"

done_testing
