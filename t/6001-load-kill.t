#!/bin/bash
# mp-load when things go wrong: kill -9 at any moment then a re-run (by
# batch, and --replace=day), runs at the same time (--lock, --create, none),
# retries after a lost connection, a deadlock, a serialization failure or
# a server restart, a server that is not there, and authentication and
# permission failures (77).
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-load" ] || skip_all "cmd/mp-load is not built"
command -v psql >/dev/null || skip_all "psql is not installed"
pg_start

# ms: now, in milliseconds
ms() { echo $(($(date +%s%N) / 1000000)); }
# later MS: sleeps a random time up to MS milliseconds
later() {
	sleep "$(awk -v r="$RANDOM" -v ms="$1" \
	    'BEGIN { printf "%.3f", r / 32767 * ms / 1000 }')"
}

# --- kill -9 at any moment, then a clean re-run: by batch
gen-events -n 20000 --seed 6001 --days 3 --dup-rate 0.05 >"$T/ev" 2>/dev/null
jids "$T/ev" >"$T/want"
mp-load -t clean --create </dev/null
t0=$(ms)
mp-load -t clean -b 100 "$T/ev"
rc=$?
dur=$(($(ms) - t0))
is "$rc $(ids clean | md5sum)" "0 $(md5sum <"$T/want")" \
    "a clean run: each distinct event once"
diag "a clean run of 20000 events, -b 100: $dur ms"
mp-load -t k --create </dev/null
# Rounds from an empty table: a run is killed once it has loaded some
# new rows (a re-run first skips the rows there: kills at random times
# would mostly land there), or every third time at a random moment of its
# first 300 ms (connecting, finding the table, the first batches); a run
# that ends before its kill must leave the distinct set, then the next
# round begins.
RANDOM=6001
bad= kills=0 runs=0 rounds=1 n=0 points=
while [ "$kills" -lt 25 ] && [ "$runs" -lt 80 ]; do
	runs=$((runs + 1))
	mp-load -t k -b 100 "$T/ev" >/dev/null 2>"$T/kerr" &
	pid=$!
	if [ $((runs % 3)) = 0 ]; then
		later 300
	else
		want=$((n + 300 + RANDOM % 1500))
		while kill -0 "$pid" 2>/dev/null &&
		    [ "$(q -c "SELECT count(*) FROM k")" -lt "$want" ]; do
			sleep 0.01
		done
		later 20
	fi
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	ids k >"$T/got"
	n=$(wc -l <"$T/got")
	case $rc in
	137)
		kills=$((kills + 1))
		points="$points $n"
		[ "$(sort -u "$T/got" | wc -l)" = "$n" ] ||
		    bad="$bad run $runs: a duplicate;"
		[ -z "$(comm -23 "$T/got" "$T/want")" ] ||
		    bad="$bad run $runs: a row not in the input;"
		;;
	0)
		cmp -s "$T/got" "$T/want" ||
		    bad="$bad run $runs: ended with $n rows;"
		q -c "TRUNCATE k"
		n=0 rounds=$((rounds + 1)) points="$points |"
		;;
	*) bad="$bad run $runs: exit $rc $(head -c 200 "$T/kerr");" ;;
	esac
done
diag "kill -9: $kills kills in $runs runs, $rounds rounds; rows after each:$points"
is "$bad" "" "kill -9 at $kills moments: no duplicate, no stray row; a run to the end: the distinct set"
ok $([ "$kills" -ge 20 ]; echo $?) "...at least 20 kills"
before=$(ids k | wc -l)
run mp-load -t k -b 100 --stats="$T/st" "$T/ev"
check "then a clean re-run: 0" 0 /dev/null ""
is "$(ids k | md5sum)" "$(md5sum <"$T/want")" \
    "...the table holds each distinct event_id of the input once"
is "$(stat1 'inserted skipped')" \
    "inserted=$(($(wc -l <"$T/want") - before)) skipped=$((20000 - $(wc -l <"$T/want") + before))" \
    "...inserting only what the killed runs had not"

# --- kill -9 at any moment: --replace=day, the days as they were or as
# the run makes them, never half.  The runs load A and B in turn (two sets
# of events over 2026-11-20..22), so that each commit changes the table;
# the 19th (from the first load) is never touched.
gen-events -n 20000 --seed 6003 --days 3 --dup-rate 0.05 >"$T/evb" \
    2>/dev/null
gen-events -n 3000 --seed 6002 --start 2026-11-19 --days 4 >"$T/old" \
    2>/dev/null
jq -r 'select(.ts | startswith("2026-11-19")) | .event_id' "$T/old" |
    sort -u >"$T/d19"
sort -u "$T/d19" "$T/want" | md5sum >"$T/sum.ev"
jids "$T/evb" | sort -u - "$T/d19" | md5sum >"$T/sum.evb"
mp-load -t rc --create "$T/old"
t0=$(ms)
mp-load -t rc -b 100 --replace=day --stats="$T/st" "$T/ev"
rc=$?
dur=$(($(ms) - t0))
is "$rc $(ids rc | md5sum) $(stat1 replaced)" \
    "0 $(cat "$T/sum.ev") replaced=$(jq -r 'select(.ts >= "2026-11-20") |
    .event_id' "$T/old" | sort -u | wc -l)" \
    "a clean --replace=day: days 20-22 are the new rows, the 19th kept"
diag "a clean --replace=day of 20000 events, -b 100: $dur ms"
mp-load -t r --create "$T/old"
mp-load -t r --replace=day "$T/ev"
bad= kills=0 runs=0 kept=0 made=0 cur=ev
while [ "$kills" -lt 20 ] && [ "$runs" -lt 50 ]; do
	runs=$((runs + 1))
	next=$([ "$cur" = ev ] && echo evb || echo ev)
	mp-load -t r -b 100 --replace=day "$T/$next" >/dev/null \
	    2>"$T/kerr" &
	pid=$!
	later $((dur * 12 / 10))
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	case $rc in
	137) kills=$((kills + 1)) ;;
	0) ;;
	*) bad="$bad run $runs: exit $rc $(head -c 200 "$T/kerr");" ;;
	esac
	got=$(ids r | md5sum)
	if [ "$got" = "$(cat "$T/sum.$cur")" ]; then
		kept=$((kept + 1))
		[ "$rc" = 0 ] && bad="$bad run $runs: ended, table unchanged;"
	elif [ "$got" = "$(cat "$T/sum.$next")" ]; then
		made=$((made + 1))
		cur=$next
	else
		bad="$bad run $runs: neither ($(ids r | wc -l) rows);"
	fi
done
diag "--replace=day, kill -9: $kills kills in $runs runs; $kept times as it was, $made as the run made it"
is "$bad" "" "--replace=day, kill -9 at $kills moments: the days as they were or as the run made them"
ok $([ "$kills" -ge 20 ] && [ "$kept" -ge 5 ]; echo $?) \
    "...at least 20 kills, 5 or more before the commit"
run mp-load -t r -b 100 --replace=day --stats="$T/st" "$T/ev"
check "then a clean re-run: 0" 0 /dev/null ""
is "$(ids r | md5sum)" "$(cat "$T/sum.ev")" \
    "...the days hold exactly the input's rows, the 19th untouched"
is "$(q -c "SELECT count(*) FROM r WHERE ts >= '2026-11-20'")" \
    "$(wc -l <"$T/want")" "...each once"

# --- runs at the same time
# --lock: a run holding it (reading a fifo) turns the next away
mkfifo "$T/fifo"
exec 3<>"$T/fifo"
mp-load -t l --create --lock=job --stats="$T/st1" "$T/fifo" >"$T/o1" \
    2>"$T/e1" 3>&- &
pid=$!
for i in $(seq 100); do
	[ "$(q -c "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
	    AND granted")" = 1 ] && break
	sleep 0.05
done
head -n 500 "$T/ev" >&3
run mp-load -t l --lock=job --stats="$T/st" "$T/ev"
check "--lock=job held by a run in progress: 75" 75 /dev/null \
    "^mp-load: lock 'job' is held by another run; try again later$"
run mp-load -t l2 --create --lock=other "$T/old"
check "...another lock name is another job: 0" 0 /dev/null ""
exec 3>&-
wait "$pid"
is "$? $(jq .records_in "$T/st1") $(cat "$T/e1")" "0 500 " \
    "the first run ends well when its input does"
run mp-load -t l --lock=job "$T/ev"
check "then the next run takes the lock: 0" 0 /dev/null ""
is "$(q -c "SELECT count(*) FROM l WHERE ts >= '2026-11-20'")" \
    "$(wc -l <"$T/want")" "...and loads"
# several runs with --lock at once: each loads or is turned away
mp-load -t l3 --create </dev/null
for i in 1 2 3 4; do
	mp-load -t l3 --lock=job2 -b 500 "$T/ev" >/dev/null 2>"$T/e$i" &
	eval "p$i=\$!"
done
res=
for i in 1 2 3 4; do
	eval "wait \$p$i"
	res="$res $?"
done
res=$(echo $res | tr ' ' '\n' | sort | uniq -c | awk '{ print $2 }' |
    paste -sd' ' -)
[ "$res" = 0 ] || [ "$res" = "0 75" ]
ok $? "4 runs at once with --lock: each exits 0 or 75 ($res)"
is "$(ids l3 | md5sum)" "$(md5sum <"$T/want")" "...the table is the distinct set"
# no lock: two runs of the same events in other orders meet in the unique
# index (deadlocks, retried) and still give the distinct set; the table's
# name is a reserved word
shuf --random-source=<(yes) "$T/ev" >"$T/shuf"
mp-load -t both --create </dev/null
PGOPTIONS='-c deadlock_timeout=100ms' mp-load -t both -b 500 --retries=30 \
    --stats="$T/st1" "$T/ev" 2>"$T/e1" &
p1=$!
PGOPTIONS='-c deadlock_timeout=100ms' mp-load -t both -b 500 --retries=30 \
    --stats="$T/st2" "$T/shuf" 2>"$T/e2" &
p2=$!
wait "$p1"
r1=$?
wait "$p2"
is "$r1 $?" "0 0" "two runs at once, no --lock: both 0"
is "$(ids '"both"' | md5sum) $(($(jq .inserted "$T/st1") + $(jq .inserted "$T/st2")))" \
    "$(md5sum <"$T/want") $(wc -l <"$T/want")" \
    "...each event once, inserted by one of them"
diag "two runs at once: retries $(jq .retries "$T/st1") and $(jq .retries "$T/st2")"
# --create at once: the advisory lock lets one make the table
head -n 50 "$T/ev" >"$T/ev50"
bad=
for i in $(seq 10); do
	for j in 1 2 3 4; do
		mp-load -t "cr$i" --create "$T/ev50" 2>"$T/e$j" &
		eval "p$j=\$!"
	done
	for j in 1 2 3 4; do
		eval "wait \$p$j" || bad="$bad cr$i: $(cat "$T/e$j");"
	done
	[ "$(ids "cr$i" | md5sum)" = "$(jids "$T/ev50" | md5sum)" ] ||
	    bad="$bad cr$i: rows;"
done
is "$bad" "" "4 runs with --create at once, 10 times: all 0, the rows once"

# --- retries: a statement-level trigger fails the first LIMIT inserts
# with MODE: kill (pg_terminate_backend of its own session), or an
# SQLSTATE; a sequence counts them, as a rollback does not undo it
head -n 1000 "$T/ev" >"$T/ev1k"
jids "$T/ev1k" >"$T/want1k"
q -c "CREATE SEQUENCE fails; CREATE TABLE boom (mode text, lim int);
    INSERT INTO boom VALUES ('kill', 2)"
q <<'X'
CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE b boom;
BEGIN
	SELECT * INTO b FROM boom;
	IF nextval('fails') <= b.lim THEN
		IF b.mode = 'kill' THEN
			PERFORM pg_terminate_backend(pg_backend_pid());
		ELSE
			RAISE EXCEPTION 'boom %', b.mode USING ERRCODE = b.mode;
		END IF;
	END IF;
	RETURN NULL;
END $$;
X
mp-load -t rt --create </dev/null
q -c "CREATE TRIGGER boom AFTER INSERT ON rt FOR EACH STATEMENT
    EXECUTE FUNCTION boom()"
# boom MODE LIMIT: the next LIMIT inserts into rt fail with MODE
boom() {
	q -c "UPDATE boom SET mode = '$1', lim = $2; ALTER SEQUENCE fails
	    RESTART; TRUNCATE rt"
}
# Without --replace a batch goes the fast way (COPY, then INSERT and COMMIT
# without waiting); when that fails, its retries are counted as any other
# batch's, towards the same --retries.
for r in "" "--replace=day --trust-input"; do
	for m in kill 40001 40P01; do
		boom "$m" 2
		run mp-load -t rt -b 300 $r --stats="$T/st" "$T/ev1k"
		is "$rc $(grep -c '; trying again$' "$T/err") $(stat1 retries) $(ids rt | md5sum)" \
		    "0 2 retries=2 $(md5sum <"$T/want1k")" \
		    "${r:+$r, }$m twice: 0, two messages, retries=2, each row once"
		if [ "$m" = kill ]; then
			grep -q 'terminating connection' "$T/err"
			ok $? "...the message says why"
		else
			grep -q "^mp-load: rt: boom $m; trying again$" "$T/err"
			ok $? "...the message: 'mp-load: rt: boom $m; trying again'"
		fi
		boom "$m" 3
		run mp-load -t rt -b 300 $r --retries=1 --stats="$T/st" \
		    "$T/ev1k"
		check "${r:+$r, }$m 3 times, --retries=1: 69" 69 /dev/null \
		    "; giving up after 1 retries$"
		is "$(stat1 'retries inserted') $(ids rt | wc -l)" \
		    "retries=1 inserted=0 0" "...one retry, nothing loaded"
	done
	boom 40001 2
	run mp-load -t rt -b 300 $r --retries=1 "$T/ev1k"
	check "${r:+$r, }40001 twice, --retries=1: 69" 69 /dev/null \
	    "; giving up after 1 retries$"
	boom 40001 1
	run mp-load -t rt -b 300 $r --retries=0 "$T/ev1k"
	check "${r:+$r, }40001 once, --retries=0: 69" 69 /dev/null \
	    "^mp-load: rt: boom 40001; giving up after 0 retries$"
done
# a failure at COMMIT: a deferred constraint trigger
q -c "DROP TRIGGER boom ON rt; CREATE CONSTRAINT TRIGGER boom AFTER INSERT
    ON rt DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION boom()"
for r in "" "--replace=day --trust-input"; do
	boom 40001 2
	run mp-load -t rt -b 300 $r --pass --rejects="$T/rej" --stats="$T/st" \
	    "$T/ev1k"
	is "$rc $(ids rt | md5sum) $(cmp -s "$T/out" "$T/ev1k"; echo $?) $(wc -c <"$T/rej")" \
	    "0 $(md5sum <"$T/want1k") 0 0" \
	    "${r:+$r, }40001 at COMMIT, twice: 0, each row once, passed once"
	is "$(grep -vc '; trying again$' "$T/err")" 0 \
	    "...no other message than 'trying again'"
done
q -c "DROP TRIGGER boom ON rt"

# the server restarts between two batches; then in a --replace=day run
# (a checkpoint first: the crash recovery of "stop -m immediate" is short)
for r in "" "--replace=day --trust-input"; do
	q -c "TRUNCATE rt; CHECKPOINT"
	exec 3<>"$T/fifo"
	# (the cluster runs with synchronous_commit off: a commit must be
	# written before its answer, or the restart loses it)
	PGOPTIONS='-c synchronous_commit=on' mp-load -t rt -b 2 $r \
	    --stats="$T/st" "$T/fifo" >"$T/o1" 2>"$T/e1" 3>&- &
	pid=$!
	sed -n 1,5p "$T/ev" >&3
	for i in $(seq 100); do
		if [ -z "$r" ]; then
			[ "$(q -c "SELECT count(*) FROM rt")" = \
			    "$(head -n 4 "$T/ev" | jids /dev/stdin | wc -l)" ] &&
			    break
		else
			[ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE
			    application_name = 'mp-load' AND
			    state = 'idle in transaction'")" = 1 ] && break
		fi
		sleep 0.05
	done
	sleep 0.2
	# (not holding the fifo open: the new server would keep it so)
	pg-local stop "$T/pg" >/dev/null 3>&-
	MP_PG_FAST=1 pg-local start "$T/pg" >/dev/null 3>&-
	sed -n 6,10p "$T/ev" >&3
	exec 3>&-
	wait "$pid"
	is "$? $(ids rt | md5sum) $(jq '.retries > 0' "$T/st")" \
	    "0 $(head -n 10 "$T/ev" | jq -r .event_id | sort -u | md5sum) true" \
	    "${r:+$r: }the server restarted mid-run: tried again, every row once"
done

# no server: a folder with no socket
mkdir "$T/empty"
PGHOST=$T/empty run mp-load -t rt --retries=0 "$T/ev1k"
check "no server, --retries=0: 69 at once" 69 /dev/null \
    "^mp-load: cannot connect to PostgreSQL: .*No such file or directory$"
t0=$(ms)
PGHOST=$T/empty run mp-load -t rt --retries=2 "$T/ev1k"
check "no server, --retries=2: 69 after the retries" 69 /dev/null \
    "^mp-load: cannot connect to PostgreSQL after retries: "
t1=$(($(ms) - t0))
[ "$t1" -lt 2000 ]
ok $? "...with backoff, in ${t1} ms (at most 0.1 + 0.2 s)"

# --- authentication (77), and what the role may do (42501: 77)
q -c "CREATE ROLE mp_auth LOGIN PASSWORD 'secret'"
mp-load -t a --create --replace=day "$T/ev1k"
export PGPASSFILE=$T/none
PGUSER=mp_auth PGPASSWORD=wrong run mp-load -t a "$T/ev1k"
check "a wrong password: 77" 77 /dev/null \
    "^mp-load: cannot connect to PostgreSQL: .*password authentication failed for user \"mp_auth\"$"
! grep -q wrong "$T/err"
ok $? "...and the password is not printed"
run mp-load -d "user=mp_auth password=wrong" -t a "$T/ev1k"
is "$rc $(grep -c wrong "$T/err")" "77 0" "...given in -d: 77, not printed"
run mp-load -d "postgresql://mp_auth:wrong@/postgres?host=$PGHOST" -t a \
    "$T/ev1k"
is "$rc $(grep -c wrong "$T/err")" "77 0" "...in a URI: 77, not printed"
PGUSER=mp_auth run mp-load -t a "$T/ev1k"
check "no password: 77" 77 /dev/null "no password supplied$"
PGUSER=nosuch run mp-load -t a "$T/ev1k"
check "a role that does not exist: 77" 77 /dev/null \
    "role \"nosuch\" does not exist$"
PGUSER=mp_auth PGPASSWORD=secret run mp-load -t a "$T/ev1k"
check "the right password, no privilege on the table: 77" 77 /dev/null \
    "^mp-load: a: permission denied for table a$"
q -c "GRANT SELECT, INSERT ON a TO mp_auth"
q -c "TRUNCATE a"
PGUSER=mp_auth PGPASSWORD=secret run mp-load -t a --stats="$T/st" "$T/ev1k"
check "the right password and INSERT: 0" 0 /dev/null ""
is "$(ids a | md5sum)" "$(md5sum <"$T/want1k")" "...the rows loaded"
printf '*:*:*:mp_auth:secret\n' >"$T/pass"
chmod 600 "$T/pass"
q -c "TRUNCATE a"
PGUSER=mp_auth PGPASSFILE=$T/pass run mp-load -t a "$T/ev1k"
check "the password from PGPASSFILE: 0" 0 /dev/null ""
is "$(ids a | md5sum)" "$(md5sum <"$T/want1k")" "...the rows loaded"
PGUSER=mp_auth PGPASSWORD=secret run mp-load -t a --replace=day "$T/ev1k"
check "--replace=day without DELETE: 77" 77 /dev/null \
    "^mp-load: a: permission denied for table a$"
q -c "REVOKE INSERT ON a FROM mp_auth"
PGUSER=mp_auth PGPASSWORD=secret run mp-load -t a "$T/ev1k"
check "a role without INSERT: 77" 77 /dev/null \
    "^mp-load: a: permission denied for table a$"
PGUSER=mp_auth PGPASSWORD=secret run mp-load -t nope --create "$T/ev1k"
check "--create without CREATE on the schema: 77" 77 /dev/null \
    "permission denied for schema public"

done_testing
