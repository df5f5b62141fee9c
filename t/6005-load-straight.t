#!/bin/bash
# mp-load's two ways into the table: a batch goes by COPY straight into it,
# but for the rows whose key the table or the batch holds already, and by
# the staging table and INSERT ... ON CONFLICT when that fails (a row
# PostgreSQL refuses, a key equal to another in value but not in text) or
# a row is to be updated.  The switch between them, duplicates within a
# batch, a reject in a batch sent straight, and kill -9 while a COPY is in
# flight.  A statement trigger logs the way each committed statement took;
# the table is checked against the input, counted apart from mp-load.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-load" ] || skip_all "cmd/mp-load is not built"
command -v psql >/dev/null || skip_all "psql is not installed"
pg_start

q <<'X'
CREATE TABLE way (n serial, tab text, how text, rows bigint);
CREATE FUNCTION way() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO way (tab, how, rows) SELECT TG_TABLE_NAME,
	    CASE WHEN current_query() LIKE 'COPY %' THEN 'copy' ELSE 'staged'
	    END, count(*) FROM new;
	RETURN NULL;
END $$;
X
# mk TABLE [DDL]: the table (as --create makes it, or by DDL), its ways
# logged
mk() {
	if [ $# -gt 1 ]; then
		q -c "$2"
	else
		mp-load -t "$1" --create </dev/null
	fi
	q -c "CREATE TRIGGER way AFTER INSERT ON $1 REFERENCING NEW TABLE AS
	    new FOR EACH STATEMENT EXECUTE FUNCTION way()"
}
# ways TABLE: the ways of its statements since the last call, with the
# rows each inserted
ways() {
	q -c "SELECT coalesce(string_agg(how || ':' || rows, ' ' ORDER BY n), '')
	    FROM way WHERE tab = '$1'; DELETE FROM way WHERE tab = '$1'"
}
# evs FIRST LAST [COST]: events e<FIRST>..e<LAST>
evs() {
	awk -v a="$1" -v b="$2" -v c="${3:-1}" 'BEGIN { for (i = a; i <= b; i++)
	    printf "{\"event_id\":\"e%03d\",\"ts\":\"2026-11-20T%02d:00:00Z\",\"cost\":%s}\n",
	    i, i % 24, c }'
}

# --- new keys go straight in; keys the table holds are skipped, not sent
mk s
evs 1 200 >"$T/a"
run mp-load -t s -b 100 --stats="$T/st" "$T/a"
check "a batch of new keys: 0" 0 /dev/null ""
is "$(ways s) $(stat1 'inserted skipped batches')" \
    "copy:100 copy:100 inserted=200 skipped=0 batches=2" \
    "...each batch by one COPY straight into the table"
evs 151 350 >"$T/b"
run mp-load -t s -b 100 --stats="$T/st" "$T/b"
is "$rc $(ways s) $(stat1 'inserted skipped batches')" \
    "0 copy:50 copy:100 inserted=150 skipped=50 batches=2" \
    "half a batch in the table: the other half straight in, then a clean batch"
{ evs 351 400; evs 1 100; evs 401 450; } >"$T/c"
run mp-load -t s -b 100 --stats="$T/st" "$T/c"
is "$rc $(ways s) $(stat1 'inserted skipped batches')" \
    "0 copy:50 copy:50 inserted=100 skipped=100 batches=2" \
    "a clean half, then keys there: the batch with none new sends nothing"
is "$(ids s | md5sum)" "$(cat "$T/a" "$T/b" "$T/c" | jq -r .event_id |
    sort -u | md5sum)" "...the table: each distinct event once"
run mp-load -t s -b 100 --stats="$T/st" "$T/c"
is "$rc $(ways s) $(stat1 'inserted skipped')" "0  inserted=0 skipped=200" \
    "all of it again: nothing sent, all skipped"

# --- two sessions: a batch goes straight in beside the one in flight,
# unless they share a key: then after it, its keys looked up
mk p
q -c "ALTER TABLE way ADD pid int DEFAULT pg_backend_pid()"
run mp-load -t p -b 100 --stats="$T/st" <(evs 1 600)
is "$rc $(q -c "SELECT count(DISTINCT pid) FROM way") $(ways p)" \
    "0 2 copy:100 copy:100 copy:100 copy:100 copy:100 copy:100" \
    "six batches straight in, by two sessions"
q -c "DELETE FROM way"
run mp-load -t p -b 100 --stats="$T/st" <(evs 601 700; evs 650 750)
is "$rc $(ways p | tr ' ' '\n' | sort | paste -sd' ' -) $(stat1 'inserted skipped')" \
    "0 copy:1 copy:100 copy:49 inserted=150 skipped=51" \
    "a batch with keys of the one in flight: after it, those skipped"
is "$(ids p | md5sum)" "$(evs 1 750 | jq -r .event_id | md5sum)" \
    "...the table: each distinct event once"

# --- a key twice in a batch: the first stays, or the last with update
mk d
{ evs 1 2 1; evs 1 1 2; evs 3 3; } >"$T/d"
run mp-load -t d --stats="$T/st" "$T/d"
is "$rc $(ways d) $(stat1 'inserted skipped') $(q -c "SELECT cost FROM d
    WHERE event_id = 'e001'")" "0 copy:3 inserted=3 skipped=1 1.000000" \
    "a key twice in a batch: sent once, the first, the other skipped"
q -c "TRUNCATE d"
run mp-load -t d --on-conflict=update --stats="$T/st" "$T/d"
is "$rc $(ways d) $(stat1 'inserted updated skipped') $(q -c "SELECT cost
    FROM d WHERE event_id = 'e001'")" \
    "0 copy:3 inserted=3 updated=0 skipped=1 2.000000" \
    "...--on-conflict=update: the last"
run mp-load -t d --on-conflict=update --stats="$T/st" \
    <(evs 1 1 3; evs 4 4)
is "$rc $(ways d) $(stat1 'inserted updated skipped') $(q -c "SELECT cost
    FROM d WHERE event_id = 'e001'")" \
    "0 staged:1 inserted=1 updated=1 skipped=0 3.000000" \
    "...a row to update: the staged way (the log counts inserts)"

# --- a row PostgreSQL refuses in a batch sent straight: the batch goes
# the staged way and is split; the second, sent straight in a second
# session meanwhile, lands; the third goes the staged way
mk r
q -c "ALTER TABLE r ADD CHECK (cost >= 0)"
{ evs 1 3; evs 4 4 -1; evs 5 15; } >"$T/r"
run mp-load -t r -b 5 --rejects="$T/rej" --stats="$T/st" "$T/r"
is "$rc $(stat1 'inserted skipped rejected batches')" \
    "0 inserted=14 skipped=0 rejected=1 batches=3" \
    "a refused row in a batch sent straight: 0, the others loaded"
is "$(jq -c '[.line, (.reason | test("violates check constraint"))]' "$T/rej")" \
    "[4,true]" "...the row rejected with PostgreSQL's reason"
is "$(q -c "SELECT how || ':' || sum(rows) FROM way WHERE tab = 'r'
    GROUP BY how ORDER BY how" | paste -sd' ' -)" "copy:5 staged:9" \
    "...the first and the third the staged way, the second straight"
is "$(ids r | md5sum)" "$(grep -v '"e004"' "$T/r" | jq -r .event_id |
    md5sum)" "...the table: every row but the refused one"

# --- keys equal in value but not in text: the unique index refuses the
# COPY, the staged way keeps the first
mk nk "CREATE TABLE nk (n numeric PRIMARY KEY, data jsonb NOT NULL)"
printf '{"n":%s}\n' 1.0 2 1.00 3 4 5 6 7 8 9 10 11 >"$T/nk"
run mp-load -t nk -k n -c n:.n:numeric -b 4 --stats="$T/st" "$T/nk"
is "$rc $(stat1 'inserted skipped batches') $(q -c "SELECT count(*),
    min(n::text) FROM nk")" "0 inserted=11 skipped=1 batches=3 11|1.0" \
    "1.0 and 1.00 in a batch: the first kept, the other skipped"
is "$(q -c "SELECT how || ':' || sum(rows) FROM way WHERE tab = 'nk'
    GROUP BY how ORDER BY min(n)" | paste -sd' ' -)" "staged:7 copy:4" \
    "...that batch and the next the staged way, the third straight"

# --- kill -9 while a COPY straight into the table is in flight: whole
# batches or nothing; a re-run loads the rest exactly once
gen-events -n 6000 --seed 6005 --dup-rate 0 >"$T/k" 2>/dev/null
jids "$T/k" >"$T/want"
mk k
q -c "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS \$\$
    BEGIN PERFORM pg_sleep(0.0005); RETURN NEW; END \$\$;
    CREATE TRIGGER slow BEFORE INSERT ON k FOR EACH ROW EXECUTE FUNCTION slow()"
bad= kills=0
for i in 1 2 3 4 5 6; do
	mp-load -t k -b 500 "$T/k" >/dev/null 2>"$T/kerr" &
	pid=$!
	before=$(q -c "SELECT count(*) FROM k")
	for j in $(seq 100); do
		[ "$(q -c "SELECT count(*) FROM k")" -gt "$before" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	sleep "0.$((RANDOM % 5))"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rc=$?
	[ "$rc" = 137 ] && kills=$((kills + 1))
	[ "$rc" = 137 ] || [ "$rc" = 0 ] || bad="$bad exit $rc;"
	n=$(q -c "SELECT count(*) FROM k")
	[ $((n % 500)) = 0 ] || bad="$bad $n rows, not whole batches;"
	[ "$(q -c "SELECT count(DISTINCT event_id) FROM k")" = "$n" ] ||
	    bad="$bad a duplicate;"
	[ "$(q -c "SELECT count(*) FROM k")" = "$(q -c "SELECT coalesce(sum(rows), 0)
	    FROM way WHERE tab = 'k' AND how = 'copy'")" ] ||
	    bad="$bad rows not by COPY;"
done
is "$bad" "" "kill -9 during COPY straight in ($kills kills): whole batches, each row once"
n=$(q -c "SELECT count(*) FROM k")
run mp-load -t k -b 500 --stats="$T/st" "$T/k"
is "$rc $(stat1 'inserted skipped')" \
    "0 inserted=$((6000 - n)) skipped=$n" "...a re-run: the rest inserted, the rows there skipped"
is "$(ids k | md5sum)" "$(md5sum <"$T/want")" "...each distinct event once"

done_testing
