#!/bin/bash
# mp-dedup's state file: one run at a time, corrupt and truncated files
# refused and left alone, kill -9 at any moment then a re-run as good as a
# clean run, writes that are atomic.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-dedup" ] || skip_all "cmd/mp-dedup is not built"

# gen FIRST N PREFIX T0 SPAN: N records, keys PREFIX FIRST.., their times
# spread over SPAN seconds from T0 seconds after 2026-11-20T00:00:00Z
gen() {
	awk -v a="$1" -v n="$2" -v p="$3" -v t0="$4" -v span="$5" 'BEGIN {
		for (i = 0; i < n; i++) {
			t = t0 + int(i * span / n)
			printf "{\"event_id\":\"%s%07d\",\"ts\":" \
			    "\"2026-11-%02dT%02d:%02d:%02dZ\"}\n", p, a + i,
			    20 + int(t / 86400), int(t % 86400 / 3600),
			    int(t % 3600 / 60), t % 60
		}
	}'
}
# holds FILE: FILE.lock is flocked (waits up to 5 s for it); reads
# /proc/locks, as taking the lock to try it could turn the run away
holds() {
	local i
	for i in $(seq 100); do
		[ -e "$1.lock" ] && grep -q \
		    "FLOCK .*:$(stat -c %i "$1.lock") " /proc/locks && return 0
		sleep 0.05
	done
	return 1
}

# --- one run at a time
S=$T/l.state
printf '{"event_id":"a"}\n' >"$T/a"
printf '{"event_id":"b"}\n' >"$T/b"
run mp-dedup -S "$S" "$T/a"
mkfifo "$T/fifo"
exec 3<>"$T/fifo"
mp-dedup -S "$S" "$T/fifo" >"$T/o1" 2>"$T/e1" 3>&- &
pid=$!
holds "$S"
ok $? "a run holds the lock while it reads"
before=$(snap "$S")
IN=$T/b run timeout 10 mp-dedup -S "$S"
check "a second run on the same state: 75" 75 /dev/null \
    "^mp-dedup: state '$S' is in use by another run"
run timeout 10 mp-dedup --state="$S" -R other -w 1h "$T/b"
check "...whatever its options" 75 /dev/null "^mp-dedup: state '$S' is in use"
is "$(snap "$S")" "$before" "...and the state is left alone"
printf '{"event_id":"b"}\n{"event_id":"a"}\n' >&3
exec 3>&-
wait "$pid"
is "$? $(cat "$T/o1") $(cat "$T/e1")" '0 {"event_id":"b"} ' \
    "the first run ends well once its input does"
run mp-dedup -S "$S" "$T/b"
check "then the next run may go, and sees its keys" 0 /dev/null ""

# SIGTERM while waiting for input: the state is not written
exec 3<>"$T/fifo"
mp-dedup -S "$S" --stats="$T/st" "$T/fifo" >"$T/o1" 2>"$T/e1" 3>&- &
pid=$!
printf '{"event_id":"c"}\n' >&3
holds "$S"
sleep 0.3
before=$(snap "$S")
kill -TERM "$pid"
(sleep 5; kill -KILL "$pid" 2>/dev/null) &
dog=$!
wait "$pid"
rc=$?
kill "$dog" 2>/dev/null
wait "$dog" 2>/dev/null
exec 3>&-
is "$rc $(cat "$T/o1")" '143 {"event_id":"c"}' \
    "SIGTERM: exits 143, the record in hand written"
is "$(snap "$S")" "$before" "SIGTERM: the state is not written"
jq -e '.interrupted == true and .exit == 143' "$T/st" >/dev/null
ok $? "SIGTERM: stats say interrupted"

# --- corrupt and truncated states: 65, and the file left as it is
gen 0 2000 c 0 3600 >"$T/in"
S=$T/good.state
run mp-dedup -S "$S" -w 1d -R r1 "$T/in"
gen 5000 10 c 0 10 >"$T/new"
size=$(stat -c %s "$S")
# damage NAME PYTHON-EXPR: the good state, changed as the expression says
# of its bytes d
damage() {
	python3 -c 'import random, sys
d = bytearray(open(sys.argv[1], "rb").read())
r = random.Random(4001)
d = '"$2"'
open(sys.argv[2], "wb").write(bytes(d))' "$S" "$T/bad.state"
}
# refused NAME MESSAGE: the damaged state is refused with MESSAGE
refused() {
	local before
	before=$(snap "$T/bad.state")
	run mp-dedup -S "$T/bad.state" -w 1d -R r2 "$T/new"
	check "$1: 65" 65 /dev/null "^mp-dedup: state '$T/bad.state': $2"
	is "$(snap "$T/bad.state") $(ls "$T" | grep -c '^bad.state.tmp')" \
	    "$before 0" "$1: the file is left as it is"
}
damage flip 'd[:len(d) // 2] + bytes([d[len(d) // 2] ^ 1]) + d[len(d) // 2 + 1:]'
refused "a flipped byte in the middle" 'corrupt \(.+\)$'
damage flip 'd[:100] + bytes([d[100] ^ 0x10]) + d[101:]'
refused "a flipped byte in the first run" 'corrupt \(.+\)$'
damage flip 'd[:-12] + bytes([d[-12] ^ 0x80]) + d[-11:]'
refused "a flipped byte in the checksum" 'corrupt \(.+\)$'
damage cut 'd[:len(d) // 2]'
refused "cut in half" '(corrupt \()?truncated\)?$'
damage cut 'd[:-1]'
refused "one byte short" '(corrupt \()?truncated\)?$'
damage cut 'd[:40]'
refused "cut inside the header" '(corrupt \()?truncated\)?$'
damage zero 'b""'
refused "zero length" '(corrupt \()?truncated\)?$'
damage garbage 'bytes(r.getrandbits(8) for i in range(len(d)))'
refused "garbage" 'corrupt \(.+\)$'
damage magic 'b"MPDEDUP\0" + d[8:]'
refused "wrong magic" 'corrupt \(.+\)$'
damage endmagic 'd[:-1] + b"\r"'
refused "wrong end magic" 'corrupt \(.+\)$'
damage version 'd[:8] + bytes([3]) + d[9:]'
refused "version 3" 'corrupt \(.+\)$|version'
damage count 'd[:64] + bytes([d[64] ^ 4]) + d[65:]'
refused "a wrong key count" '(corrupt \(.+\)|truncated)$'
damage extra 'd + b"\n"'
refused "a byte after the end" 'corrupt \(.+\)$'
damage text '("{\"event_id\":\"a\"}\n" * 200).encode()'
refused "an NDJSON file given as the state" 'corrupt \(.+\)$'
run mp-dedup -S "$S" -w 1d -R r2 "$T/new"
check "the good state still loads" 0 "$T/new" ""

# a state made with other key options is refused (mp-dedup(1): 78)
for o in "-k .ts" "-f" "-f -I .ts"; do
	before=$(snap "$S")
	run mp-dedup -S "$S" -w 1d $o "$T/new"
	check "a state of -k .event_id, then $o: 78" 78 /dev/null \
	    "^mp-dedup: state '$S' was written with other key options"
	is "$(snap "$S")" "$before" "...and the state is left as it is"
done

# --- kill -9 at any moment, then a re-run with the same --run-id
# r1: 300000 keys over a day; r2: 100000 new keys over the next day, a
# third of r1's again, a tenth of its own twice; r3: some of each and new
gen 0 300000 k 0 86400 >"$T/A"
{
	gen 0 100000 k 86400 86400 | awk 'NR % 3 == 0'
	gen 300000 100000 k 86400 86400
	gen 300000 100000 k 86400 86400 | awk 'NR % 10 == 0'
} >"$T/B"
{
	gen 0 1000 k $((2 * 86400)) 600
	gen 298000 4000 k $((2 * 86400)) 600
	gen 600000 1000 k $((2 * 86400)) 600
} >"$T/C"
opts="-w 2d"
mp-dedup -S "$T/s1" $opts -R r1 "$T/A" >/dev/null
cp "$T/s1" "$T/s2"
t0=$(date +%s%N)
mp-dedup -S "$T/s2" $opts -R r2 "$T/B" >"$T/out2"
rc2=$?
t1=$(date +%s%N)
cp "$T/s2" "$T/s3"
mp-dedup -S "$T/s3" $opts -R r3 "$T/C" >"$T/out3"
is "$rc2 $? $(wc -l <"$T/out2") $(wc -l <"$T/out3")" "0 0 100000 2000" \
    "clean runs: r2 passes its new keys; r3 the new ones and those 2d old"
cp "$T/s1" "$T/s2b"
mp-dedup -S "$T/s2b" $opts -R r2 "$T/B" >/dev/null
cmp -s "$T/s2" "$T/s2b"
ok $? "a clean run writes the same state each time (needed below)"
us=$(((t1 - t0) / 1000))
diag "clean r2 run: $us us, state $(stat -c %s "$T/s2") bytes"
K=$T/k.state
bad= reading=0 writing=0 done=0 n=30
RANDOM=4001
for i in $(seq "$n"); do
	cp "$T/s1" "$K"
	mp-dedup -S "$K" $opts -R r2 "$T/B" >/dev/null 2>&1 &
	pid=$!
	if [ $((i % 3)) != 0 ]; then
		# any moment of the run, or a little after
		sleep "$(awk -v s="$RANDOM" -v us="$us" \
		    'BEGIN { printf "%.6f", s / 32767 * us * 1.2 / 1e6 }')"
	else
		# while the state is written
		while [ ! -e "$K.tmp" ] && kill -0 "$pid" 2>/dev/null; do :; done
		sleep "0.00$((RANDOM % 10))"
	fi
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	if [ -e "$K.tmp" ]; then
		writing=$((writing + 1))
	elif cmp -s "$K" "$T/s1"; then
		reading=$((reading + 1))
	fi
	if cmp -s "$K" "$T/s1"; then
		:
	elif cmp -s "$K" "$T/s2"; then
		done=$((done + 1))
	else
		bad="$bad $i:state-neither-old-nor-new"
	fi
	mp-dedup -S "$K" $opts -R r2 "$T/B" >"$T/outk" 2>"$T/errk"
	rc=$?
	[ "$rc" = 0 ] && [ ! -s "$T/errk" ] || bad="$bad $i:re-run-$rc"
	cmp -s "$T/outk" "$T/out2" || bad="$bad $i:re-run-output"
	[ -e "$K.tmp" ] && bad="$bad $i:tmp-left"
	mp-dedup -S "$K" $opts -R r3 "$T/C" >"$T/outk" 2>"$T/errk"
	rc=$?
	[ "$rc" = 0 ] && cmp -s "$T/outk" "$T/out3" || bad="$bad $i:next-run-$rc"
done
diag "kills: $reading before the write, $writing during it, $done after it"
is "$bad" "" "kill -9 at $n moments: the state is the old or the new one, a re-run with the same id gives the clean run's output, and so does the run after"
[ "$reading" -ge 3 ] && [ "$writing" -ge 3 ]
ok $? "kills landed while reading ($reading) and while writing the state ($writing)"

# --- atomic writes
S=$T/at.state
run mp-dedup -S "$S" "$T/a"
before=$(stat -c %i "$S")
run mp-dedup -S "$S" "$T/b"
[ "$rc" = 0 ] && [ ! -e "$S.tmp" ] && [ "$(stat -c %i "$S")" != "$before" ] &&
    [ -z "$(ls "$T" | grep '^at\.state\.tmp')" ]
ok $? "the state is written aside and renamed: a new inode, no FILE.tmp left"
head -c 5000 /dev/urandom >"$S.tmp"
printf '{"event_id":"c"}\n' >"$T/c"
run mp-dedup -S "$S" "$T/c"
check "a FILE.tmp left by a crash is not read" 0 "$T/c" ""
[ ! -e "$S.tmp" ]
ok $? "...and is replaced"
printf '{"event_id":"d"}\n' >"$T/d"
mkdir "$S.tmp"
before=$(snap "$S")
run mp-dedup -S "$S" "$T/d"
is "$rc $(grep -c "$S.tmp" "$T/err")" "73 1" "FILE.tmp cannot be created: 73"
is "$(snap "$S")" "$before" "...and the state is left as it is"
rmdir "$S.tmp"
run mp-dedup -S "$S" "$T/d"
check "the keys of that run were not kept" 0 "$T/d" ""

# --- a version 1 state (24-byte BLAKE2b keys), written by mp-dedup before
# version 2: runs r1 then r2 of v1.in1 and v1.in2, -w 1h --unique-window=2h
# -u unique; its undo records hold a key of r1 that r2 took over.  Each
# v1.RUN.out is what that mp-dedup gave for RUN over it (passed records,
# dropped records, counts), v1.r3.again.out for r3 given twice.
D=$top/t/4001-dedup-state
# v1run STATE INPUT ARGS...: the run's passed, dropped and counts in got
v1run() {
	local s=$1 in=$2
	shift 2
	run mp-dedup -w 1h --unique-window=2h -u unique -S "$s" \
	    --dropped="$T/v1.dropped" --stats="$T/v1.st" "$@" "$D/$in"
	{
		cat "$T/out"
		sed 's/^{"prog":"mp-dedup","file":"[^"]*",/{/' "$T/v1.dropped"
		jq -c '{duplicates, late, earlier_run, unique, repeat, keys,
		    visitors, expired}' "$T/v1.st"
	} >"$T/got"
}
for r in "r1 v1.in1" "r2 v1.in2" "r3 v1.in3" "none v1.in3"; do
	set -- $r
	cp "$D/v1.state" "$T/v1.state"
	if [ "$1" = none ]; then
		v1run "$T/v1.state" "$2" --late=drop
	else
		v1run "$T/v1.state" "$2" -R "$1"
	fi
	cmp -s "$T/got" "$D/v1.$1.out" && [ "$rc" = 0 ]
	ok $? "a version 1 state, then run $1: the decisions of the mp-dedup that wrote it" ||
	    diff "$T/got" "$D/v1.$1.out" | sed 's/^/# /' >&2
done
cp "$D/v1.state" "$T/v2.state"
v1run "$T/v2.state" v1.in3 -R r3
is "$(od -A n -t u4 -j 8 -N 4 "$T/v2.state" | tr -d ' ')\
 $(od -A n -t u4 -j 112 -N 4 "$T/v2.state" | tr -d ' ')" "2 1" \
    "...written back as version 2, the hash still BLAKE2b"
v1run "$T/v2.state" v1.in3 -R r3
cmp -s "$T/got" "$D/v1.r3.again.out" && [ "$rc" = 0 ]
ok $? "...and a re-run of r3 from version 2 decides as it did from version 1"

done_testing
