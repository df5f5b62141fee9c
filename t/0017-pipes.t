#!/bin/bash
# Pipes at pipe speed (mp.7, Pipes): every stream stage enlarges the pipes
# it reads and writes, writes its output a megabyte at a time rather than
# a record at a time, and still passes a record on at once when no more
# input is waiting, so that a live stream (tail -f) is not held back.
. "$(dirname "$0")/lib.sh"

pg_start
# the stages that read records and write records, with what each needs
args_mp_validate=
args_mp_botfilter=
args_mp_dedup="--state=$T/dedup.state"
printf 'campaign_id,spend\nc1,1.00\n' >"$T/spend.csv"
args_mp_enrich="--table=$T/spend.csv -k campaign_id --unmatched=pass"
args_mp_load="--table=pipes --create --pass --batch=1000"
stages="mp-validate mp-botfilter mp-dedup mp-enrich mp-load"

gen-events -n 20000 --seed 7 >"$T/ev"
# the writes are counted with strace: installed by scripts/install-deps, but
# a container may forbid tracing
tracing=
command -v strace >/dev/null || tracing="strace is not installed"
[ -n "$tracing" ] || strace -o /dev/null true 2>/dev/null ||
    tracing="strace cannot trace here"
[ -z "$tracing" ] || diag "$tracing: the writes are not counted"
bytes=$(wc -c <"$T/ev")

# live: one record in, its output out while the input stays open
cat >"$T/live.py" <<'X'
import fcntl, os, select, subprocess, sys, time
cmd = sys.argv[1:]
p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
rec = b'{"event_id":"live-1","ts":"2026-11-20T10:00:00Z","type":"click","campaign_id":"c1","ua":"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}\n'
p.stdin.write(rec)
p.stdin.flush()
r, _, _ = select.select([p.stdout], [], [], 10)
line = os.read(p.stdout.fileno(), 65536) if r else b''
print("live", "yes" if line.startswith(b'{"event_id":"live-1"') else "no")
print("in", fcntl.fcntl(p.stdin.fileno(), fcntl.F_GETPIPE_SZ))
print("out", fcntl.fcntl(p.stdout.fileno(), fcntl.F_GETPIPE_SZ))
p.stdin.close()
p.stdout.read()
print("exit", p.wait())
X

for t in $stages; do
	eval "a=\${args_${t//-/_}}"
	python3 "$T/live.py" $t $a >"$T/live" 2>"$T/live.err"
	# mp-load passes a batch on when it is committed, at its end
	[ $t = mp-load ] || is "$(sed -n 's/^live //p' "$T/live")" yes \
	    "$t: a record is passed on while the input stays open"
	is "$(sed -n 's/^in //p' "$T/live")" 1048576 "$t: its input pipe enlarged to 1 MiB"
	is "$(sed -n 's/^out //p' "$T/live")" 1048576 "$t: its output pipe enlarged to 1 MiB"
	is "$(sed -n 's/^exit //p' "$T/live")" 0 "$t: exits 0 when the input ends"
	rm -f "$T/dedup.state"
	psql -X -q -c 'DROP TABLE IF EXISTS pipes' >/dev/null 2>&1

	# writes to a pipe: a megabyte at a time, not one a record
	if [ -z "$tracing" ]; then
		strace -f -e trace=write -o "$T/trace" $t $a <"$T/ev" | cat >"$T/out"
		writes=$(grep -c '^[0-9]* *write(1,' "$T/trace")
		out=$(wc -c <"$T/out")
		# mp-load writes each batch on as it commits it
		batches=0
		[ $t != mp-load ] || batches=$(psql -X -At -c 'SELECT count(*) FROM pipes')
		batches=$(( (batches + 999) / 1000 ))
		[ "$out" -gt $((bytes / 2)) ] &&
		    [ "$writes" -le $((out / 1048576 + batches + 2)) ]
		ok $? "$t: $out bytes out in $writes writes"
	else
		echo "ok $((_n += 1)) # SKIP $tracing"
	fi
	rm -f "$T/dedup.state"
	psql -X -q -c 'DROP TABLE IF EXISTS pipes' >/dev/null 2>&1
done

# MP_PIPE_SIZE: smaller pipes and buffer; a size that is none is refused
MP_PIPE_SIZE=64K python3 "$T/live.py" mp-validate >"$T/live" 2>"$T/live.err"
is "$(sed -n 's/^out //p;s/^live //p' "$T/live" | paste -sd' ' -)" "yes 65536" \
    "MP_PIPE_SIZE=64K: a 64 KiB pipe, and a record still passed on at once"
if [ -z "$tracing" ]; then
	MP_PIPE_SIZE=64K strace -e trace=write -o "$T/trace" mp-validate <"$T/ev" | cat >/dev/null
	writes=$(grep -c '^write(1,' "$T/trace")
	[ "$writes" -ge $((bytes / 65536 - 2)) ] && [ "$writes" -le $((bytes / 65536 + 2)) ]
	ok $? "MP_PIPE_SIZE=64K: written 64 KiB at a time ($writes writes)"
else
	echo "ok $((_n += 1)) # SKIP $tracing"
fi
for bad in abc 1K 1G; do
	MP_PIPE_SIZE=$bad mp-validate </dev/null >/dev/null 2>"$T/err"
	is "$?:$(grep -c 'MP_PIPE_SIZE' "$T/err")" "78:1" "MP_PIPE_SIZE=$bad: refused, exit 78"
done

# a reader that goes away (head): the stage stops quietly, as before, though
# its first megabyte fitted in the pipe
cat "$T/ev" "$T/ev" "$T/ev" >"$T/ev3"
mp-validate --stats="$T/st" <"$T/ev3" 2>"$T/err" | head -c 100 >/dev/null
is "${PIPESTATUS[0]}:$(cat "$T/err")" "0:" "mp-validate: a reader that went away stops it quietly"
[ ! -s "$T/st" ]
ok $? "mp-validate: ... and it commits nothing (no stats)"
done_testing
