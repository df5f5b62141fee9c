#!/bin/bash
# mp-load: the table and its DDL (--create, --print-ddl, --gin), the
# columns (canonical, --column, --data-column, --schema), identifiers that
# need quoting, exactly once (--key, --on-conflict, --batch).  Poison rows,
# --replace=day, --pass, --lock, stats and metrics, connection strings and
# -K are in t/6010-load-options.t.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-load" ] || skip_all "cmd/mp-load is not built"
command -v psql >/dev/null || skip_all "psql is not installed"
pg_start

. "$top/t/lib/load.sh"

# --- --print-ddl: the exact SQL, without connecting
cat >"$T/ddl" <<'X'
CREATE TABLE IF NOT EXISTS "events" (
    "event_id" text NOT NULL,
    "ts" timestamptz,
    "type" text,
    "source" text,
    "campaign_id" text,
    "ad_id" text,
    "click_id" text,
    "visitor_id" text,
    "ip" text,
    "ua" text,
    "country" text,
    "cost" numeric(19,6),
    "revenue" numeric(19,6),
    "currency" text,
    "data" jsonb NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS "events_key" ON "events" ("event_id");
CREATE INDEX IF NOT EXISTS "events_ts" ON "events" ("ts");
X
PGHOST=$T/nowhere run mp-load --print-ddl -t events
check "--print-ddl: the default columns, key and time index, no server" 0 \
    "$T/ddl" ""
{
	echo 'CREATE SCHEMA IF NOT EXISTS "ads";'
	sed 's/"events"/"ads"."ev"/; s/"events_/"ev_/' "$T/ddl"
	echo 'CREATE INDEX IF NOT EXISTS "ev_data" ON "ads"."ev" USING gin ("data");'
} >"$T/want"
run mp-load --print-ddl --gin --table=ads.ev
check "--print-ddl --gin, schema-qualified: schema, GIN index on data" 0 \
    "$T/want" ""
{
	echo 'CREATE SCHEMA IF NOT EXISTS "odd schema";'
	sed 's/"events"/"odd schema"."Ev""ents.x"/; s/"events_/"Ev""ents.x_/' \
	    "$T/ddl"
} >"$T/want"
run mp-load --print-ddl -t '"odd schema"."Ev""ents.x"'
check "--print-ddl: a quoted schema and table, quotes doubled" 0 "$T/want" ""
sed '/"data"/d; s/"currency" text,/"currency" text,\
    "n" bigint NOT NULL,\
    "utm" jsonb/; s/("event_id")/("event_id", "n")/' "$T/ddl" >"$T/want"
run mp-load --print-ddl -t events -c n:.n:bigint -c utm:.data.utm:jsonb \
    --data-column= -k event_id,n
check "--print-ddl: --column types, --data-column= (none), a key of two" 0 \
    "$T/want" ""
cat >"$T/s.schema" <<'X'
# every type, a key of two columns, a column named by column=
key	click_id,source
field	.click_id	string	required
field	.source		string
field	.ts		time
field	.n		integer
field	.x		number
field	.ok		boolean
field	.tags		array
field	.cost		money
field	.type		enum=a,b
field	.data.utm.source	string	column=utm_source
X
cat >"$T/want" <<'X'
CREATE TABLE IF NOT EXISTS "sch" (
    "click_id" text NOT NULL,
    "source" text NOT NULL,
    "ts" timestamptz,
    "n" bigint,
    "x" numeric,
    "ok" boolean,
    "tags" jsonb,
    "cost" numeric(19,6),
    "type" text,
    "utm_source" text,
    "data" jsonb NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS "sch_key" ON "sch" ("click_id", "source");
CREATE INDEX IF NOT EXISTS "sch_ts" ON "sch" ("ts");
X
run mp-load --print-ddl -t sch --schema="$T/s.schema"
check "--print-ddl --schema: its columns, SQL types and key" 0 "$T/want" ""

# --- usage errors: 64, before connecting
# usage NAME ARGS...: mp-load ARGS exits 64 with the usage, no server needed
usage() {
	local name=$1; shift
	PGHOST=$T/nowhere run mp-load "$@"
	check "usage: $name: 64" 64 /dev/null "^usage: mp-load "
}
usage "--gin without --create" -t events --gin
usage "-b 0" -t events -b 0
usage "--batch=1000001" -t events --batch=1000001
usage "--retries=31" -t events --retries=31
usage "--on-conflict=replace" -t events --on-conflict=replace
usage "--replace=week" -t events --replace=week
usage "--lock= (empty)" -t events --lock=
usage "-T ts (not a path)" -t events -T ts
usage "-c nopath" -t events -c nopath
usage "-c x:.a:bad;type" -t events -c 'x:.a:bad;type'
usage "--key= (empty)" -t events --key=
usage "-t a.b.c" -t a.b.c
usage '-t "" (empty)' -t '""'
usage '-t "open' -t '"open'
usage "-t of 64 bytes" -t "$(printf 'a%.0s' $(seq 64))"
run mp-load --print-ddl
check "no --table: 64 with a message" 64 /dev/null \
    "^mp-load: --table is needed$"
run mp-load -t events --gin
check "--gin without --create: 64 with a message" 64 /dev/null \
    "^mp-load: --gin needs --create or --print-ddl$"

# --- --create, and a missing table
gen-events -n 400 --seed 60 --dup-rate 0.1 --odd-rate 0.1 >"$T/ev" 2>/dev/null
jids "$T/ev" >"$T/evids"
run mp-load -t events "$T/ev"
check "a missing table without --create: 78, the table named" 78 /dev/null \
    "^mp-load: table 'events' does not exist \(--create makes it\)$"
is "$(q -c "SELECT to_regclass('events') IS NULL")" t "...and nothing made"
run mp-load -t events --create --stats="$T/st" "$T/ev"
check "--create, then the load" 0 /dev/null ""
is "$(q -c "SELECT string_agg(column_name || ' ' || data_type || ' ' ||
    is_nullable, ', ' ORDER BY ordinal_position) FROM information_schema.columns
    WHERE table_name = 'events'")" \
    "event_id text NO, ts timestamp with time zone YES, type text YES, source text YES, campaign_id text YES, ad_id text YES, click_id text YES, visitor_id text YES, ip text YES, ua text YES, country text YES, cost numeric YES, revenue numeric YES, currency text YES, data jsonb NO" \
    "--create: the columns, their types, key and data NOT NULL"
is "$(q -c "SELECT string_agg(indexdef, '; ' ORDER BY indexname) FROM
    pg_indexes WHERE tablename = 'events'")" \
    "CREATE UNIQUE INDEX events_key ON public.events USING btree (event_id); CREATE INDEX events_ts ON public.events USING btree (ts)" \
    "--create: the unique index on the key and the index on time"
is "$(ids events | md5sum)" "$(md5sum <"$T/evids")" \
    "--create: each distinct event once"
is "$(stat1 'records_in inserted skipped rejected')" \
    "records_in=400 inserted=$(wc -l <"$T/evids") skipped=$((400 - $(wc -l <"$T/evids"))) rejected=0" \
    "stats: inserted the distinct events, skipped the replays"
run mp-load -t ads.gev --create --gin "$T/ev"
check "--create --gin into a new schema" 0 /dev/null ""
is "$(q -c "SELECT indexdef FROM pg_indexes WHERE indexname = 'gev_data'")" \
    "CREATE INDEX gev_data ON ads.gev USING gin (data)" \
    "--gin: a GIN index on data"
is "$(q -c "SELECT count(*) FROM ads.gev WHERE data @> '{\"type\":\"click\"}'")" \
    "$(jq -r 'select(.type == "click") | .event_id' "$T/ev" | sort -u |
    wc -l)" "...which answers @> as jq does"
run mp-load -t events --create "$T/ev"
check "--create on a table that exists: a load like any other" 0 /dev/null ""

# --- the columns: those of the table, the whole record in data
q -c "CREATE TABLE part (event_id text PRIMARY KEY, cost numeric(19,6),
    country text, data jsonb, raw jsonb, utm_source text, utm jsonb)"
head -n 60 "$T/ev" | awk '!s[$0]++' >"$T/ev60"
jq -r '[.event_id, (.cost // "" | tostring), .country] | join("|")' \
    "$T/ev60" | awk -F'|' '!s[$1]++' | sort >"$T/want"
run mp-load -t part "$T/ev60"
check "a table with some canonical columns: 0" 0 /dev/null ""
is "$(q -c "SELECT event_id, coalesce(trim(trailing '.' from
    trim(trailing '0' from cost::text)), ''), country FROM part" | sort |
    md5sum)" "$(md5sum <"$T/want")" \
    "...event_id, cost and country loaded from the record"
cmp -s <(q -c "SELECT data FROM part" | jq -S -c . | sort) \
    <(jq -S -c . "$T/ev60" | sort -u)
ok $? "...data holds the whole record (jq -S -c)"
is "$(q -c "SELECT count(*) FROM part WHERE raw IS NULL AND utm IS NULL
    AND utm_source IS NULL")" "$(wc -l <"$T/ev60")" \
    "...and the columns that are not canonical are left alone"
q -c "TRUNCATE part"
run mp-load -t part --data-column=raw -c utm_source:.data.utm.source \
    -c utm:.data.utm:jsonb "$T/ev60"
check "--data-column=raw, --column with a nested path and a jsonb object" \
    0 /dev/null ""
cmp -s <(q -c "SELECT raw FROM part" | jq -S -c . | sort) \
    <(jq -S -c . "$T/ev60" | sort -u)
ok $? "--data-column=raw: raw holds the whole record"
is "$(q -c "SELECT count(*) FROM part WHERE data IS NULL")" \
    "$(wc -l <"$T/ev60")" "...and data is left out"
cmp -s <(q -c "SELECT json_build_object('id', event_id, 's', utm_source,
    'u', utm) FROM part" | jq -S -c . | sort) \
    <(jq -S -c '{id: .event_id, s: .data.utm.source, u: .data.utm}' \
    "$T/ev60" | sort)
ok $? "--column: utm_source from .data.utm.source, utm the object as jsonb"
q -c "TRUNCATE part"
run mp-load -t part --data-column= "$T/ev60"
check "--data-column= (empty): no whole record" 0 /dev/null ""
is "$(q -c "SELECT count(*), count(data), count(raw) FROM part")" \
    "$(wc -l <"$T/ev60")|0|0" "...data and raw stay empty"
q -c "TRUNCATE part"
run mp-load -t part -c country:.data.utm.source -c data:.data.utm "$T/ev60"
check "--column named like a canonical column and like the data column" \
    0 /dev/null ""
cmp -s <(q -c "SELECT event_id, country, data->>'medium' FROM part" | sort) \
    <(jq -r '"\(.event_id)|\(.data.utm.source)|\(.data.utm.medium)"' \
    "$T/ev60" | sort -u)
ok $? "...it replaces the canonical one; data holds .data.utm, not the record"
run mp-load -t part --data-column=nope "$T/ev60"
check "--data-column naming a column the table lacks: 78" 78 /dev/null \
    "^mp-load: table 'part' has no column 'nope'$"
run mp-load -t part -c nope:.data.x "$T/ev60"
check "--column naming a column the table lacks: 78" 78 /dev/null \
    "^mp-load: table 'part' has no column 'nope'$"
run mp-load -t part -k nope "$T/ev60"
check "--key naming a column that is not loaded: 78" 78 /dev/null \
    "^mp-load: key column 'nope' is not loaded \(--column, --schema\)$"
run mp-load -t part -k country "$T/ev60"
check "--key without a unique index on it: 78, PostgreSQL's words" 78 \
    /dev/null "^mp-load: part: there is no unique or exclusion constraint matching the ON CONFLICT specification$"
q -c "CREATE TABLE empty ()"
run mp-load -t empty "$T/ev60"
check "a table with no columns: 78" 78 /dev/null "has no columns"
q -c "CREATE TABLE other (a text)"
run mp-load -t other "$T/ev60"
check "a table with none of the columns: 78" 78 /dev/null \
    "^mp-load: (table 'other' has none of the columns to load|key column 'event_id' is not loaded)"

# values: strings decoded, other JSON as its text, times in UTC
q -c "CREATE TABLE val (event_id text PRIMARY KEY, ts timestamptz,
    at timestamp, type text, source text, campaign_id text, ad_id text,
    click_id text, ip text, ua text, country text, n bigint, data jsonb)"
cat >"$T/in" <<'X'
{"event_id":"e1","ts":"2026-11-20T01:02:03.5+05:30","ua":"x\\ty","country":"a\tb","source":"\u00e9\ud83d\ude00\/","type":"line\nbreak\r","campaign_id":12,"ad_id":{"a":[1,2]},"click_id":true,"ip":"\\N","n":-7}
{"event_id":	"e2" ,  "ts" : "2026-11-20T23:30:00-01:00", "ua" : "\\N", "n": 1000}
{"event_id":"e3","ts":"2026-11-20T00:00:00.1234569Z","at":"2026-11-20T23:59:60Z"}
X
run mp-load -t val -c at:.ts -c n:.n "$T/in"
check "values of every JSON kind" 0 /dev/null ""
cat >"$T/want" <<'X'
e1|"2026-11-19T19:32:03.5+00:00"|"2026-11-19T19:32:03.5"|"line\nbreak\r"|"é😀/"|"12"|"{\"a\":[1,2]}"|"true"|"\\N"|"x\\ty"|"a\tb"|-7
e2|"2026-11-21T00:30:00+00:00"|"2026-11-21T00:30:00"|||||||"\\N"||1000
e3|"2026-11-20T00:00:00.123456+00:00"|"2026-11-20T00:00:00.123456"|||||||||
X
is "$(q -c "SELECT event_id, to_json(ts), to_json(at), to_json(type),
    to_json(source), to_json(campaign_id), to_json(ad_id), to_json(click_id),
    to_json(ip), to_json(ua), to_json(country), n FROM val ORDER BY 1")" \
    "$(cat "$T/want")" \
    "strings decoded, numbers/objects/true as JSON text, times in UTC (offset kept in a timestamp column, microseconds)"
q -c "TRUNCATE val"
run mp-load -t val -c at:.at "$T/in"
check "a leap second counts as the next minute" 0 /dev/null ""
is "$(q -c "SELECT at FROM val WHERE event_id = 'e3'")" \
    "2026-11-21 00:00:00" "...2026-11-20T23:59:60Z is 2026-11-21 00:00:00"

# --schema: columns, types and key from a schema file
cat >"$T/in" <<'X'
{"click_id":"c1","source":"s","ts":"2026-11-20T01:02:03Z","n":5,"x":1.5e3,"ok":true,"tags":["a",1],"cost":"0.25","type":"a","data":{"utm":{"source":"g"}}}
{"click_id":"c1","source":"t","n":6}
{"click_id":"c1","source":"s","n":7}
{"source":"s","n":8}
X
run mp-load --schema="$T/s.schema" -t sch --create --rejects="$T/rej" \
    --stats="$T/st" "$T/in"
check "--schema with --create" 0 /dev/null ""
is "$(q -c "SELECT click_id, source, ts, n, x, ok, tags, cost, type,
    utm_source, data->>'n' FROM sch ORDER BY source")" \
    "c1|s|2026-11-20 01:02:03+00|5|1500|t|[\"a\", 1]|0.250000|a|g|5
c1|t||6|||||||6" "--schema: each field in its column and type"
is "$(stat1 'inserted skipped rejected') $(jq -r .reason "$T/rej")" \
    "inserted=2 skipped=1 rejected=1 missing key '.click_id'" \
    "--schema: its key line (click_id,source) is the key"
S=$top/examples/schemas/click.schema
run mp-load --schema="$S" -t clicks --create "$T/ev60"
check "--schema=examples/schemas/click.schema" 0 /dev/null ""
is "$(q -c "SELECT count(*) FROM clicks")" "$(wc -l <"$T/ev60")" \
    "...every record loaded (mp-load does not validate)"
cmp -s <(q -c "SELECT json_build_object('id', event_id, 'device', device,
    'data', data) FROM clicks" | jq -S -c . | sort) \
    <(jq -S -c '{id: .event_id, device, data}' "$T/ev60" | sort)
ok $? "...device from the schema; its .data field wins the data column"

# --- identifiers that need quoting, and SQL in a table name
head -n 3 "$T/ev60" >"$T/ev3"
run mp-load -t '"odd schema"."Ev""ents.x"' --create "$T/ev3"
check "a schema with a blank, a table with a quote and a dot" 0 /dev/null ""
is "$(q -c 'SELECT event_id FROM "odd schema"."Ev""ents.x"' | sort)" \
    "$(jids "$T/ev3")" "...read back with psql"
is "$(q -c "SELECT string_agg(indexname, ' ' ORDER BY indexname) FROM
    pg_indexes WHERE schemaname = 'odd schema'")" 'Ev"ents.x_key Ev"ents.x_ts' \
    "...its indexes named after it"
run mp-load -t '"odd schema"."Ev""ents.x"' "$T/ev3"
check "...and loaded again without --create" 0 /dev/null ""
run mp-load -t 'Odd Schema.My Table' --create "$T/ev3"
check "unquoted parts: taken literally, capitals and blanks kept" 0 \
    /dev/null ""
is "$(q -c 'SELECT count(*) FROM "Odd Schema"."My Table"')" 3 \
    "...\"Odd Schema\".\"My Table\", not folded to lowercase"
run mp-load -t 'ODD SCHEMA.my table' "$T/ev3"
check "...so another case is another table: 78" 78 /dev/null \
    "^mp-load: table 'ODD SCHEMA.my table' does not exist"
q -c "CREATE TABLE victim (a int)"
run mp-load -t 'events; DROP TABLE victim; --' "$T/ev3"
check "SQL in a table name is a name: 78, no such table" 78 /dev/null \
    "^mp-load: table 'events; DROP TABLE victim; --' does not exist"
run mp-load -t 'x"; DROP TABLE victim; --' "$T/ev3"
check "a stray quote in a table name: 64" 64 /dev/null \
    "^mp-load: --table: 'x\"; DROP TABLE victim; --': want \[schema.\]name"
run mp-load -t "\"x\"\"); DROP TABLE victim; --\"" --create "$T/ev3"
check "a quoted name holding SQL: made and loaded as it is" 0 /dev/null ""
is "$(q -c "SELECT count(*) FROM \"x\"\"); DROP TABLE victim; --\"") $(q -c "SELECT to_regclass('victim') IS NOT NULL")" \
    "3 t" "...and the victim table is still there"
q -c "CREATE TABLE mp_load_stage (event_id text PRIMARY KEY, data jsonb)"
# (pg_temp comes first in the search path: the table must be named by its
# schema, or the staging table would hide it)
run mp-load -t mp_load_stage "$T/ev3"
check "a table named like the staging table (mp_load_stage)" 0 /dev/null ""
is "$(ids mp_load_stage | md5sum)" "$(jids "$T/ev3" | md5sum)" \
    "...the rows in it"
run mp-load -t public.mp_load_stage --stats="$T/st" "$T/ev3"
is "$rc $(stat1 skipped)" "0 skipped=3" "...and as public.mp_load_stage"
long=$(printf 'é%.0s' $(seq 30))
run mp-load -t "$long" --create "$T/ev3"
check "--create with a long non-ASCII name (60 bytes)" 0 /dev/null ""
is "$(q -c "SELECT string_agg(indexname, ' ' ORDER BY indexname) FROM
    pg_indexes WHERE tablename = '$long'")" \
    "$(printf 'é%.0s' $(seq 29))_key ${long}_ts" \
    "...index names cut to 63 bytes at a character's start"
long=$(printf 'a%.0s' $(seq 63))
run mp-load -t "$long" --create "$T/ev3"
check "--create with a 63-byte name: index names cut to 63 bytes" 0 \
    /dev/null ""
is "$(q -c "SELECT string_agg(length(indexname)::text, ' ') FROM
    pg_indexes WHERE tablename = '$long'")" "63 63" "...63 bytes each"

# --- exactly once: keys, in-batch duplicates, --on-conflict
before=$(ids events | md5sum)
run mp-load -t events --stats="$T/st" "$T/ev"
check "the same file again: 0" 0 /dev/null ""
is "$(stat1 'inserted skipped updated') $(ids events | md5sum)" \
    "inserted=0 skipped=400 updated=0 $before" \
    "...every row skipped, the table as it was"
q -c "CREATE TABLE u (event_id text, cost numeric(19,6), data jsonb NOT NULL);
    CREATE UNIQUE INDEX ON u (event_id)"
cat >"$T/u1" <<'X'
{"event_id":"k1","cost":1}
{"event_id":"k2","cost":2}
{"event_id":"k1","cost":3}
{"event_id":"k3","cost":4}
X
cat >"$T/u2" <<'X'
{"event_id":"k1","cost":3}
{"event_id":"k2","cost":5}
{"event_id":"k2","cost":6}
{"event_id":"k4","cost":7}
X
cost() { q -c "SELECT string_agg(event_id || '=' || cost::int, ' '
    ORDER BY event_id) FROM u"; }
run mp-load -t u --stats="$T/st" "$T/u1"
check "duplicates within a batch" 0 /dev/null ""
is "$(cost) $(stat1 'inserted skipped')" "k1=1 k2=2 k3=4 inserted=3 skipped=1" \
    "...the first wins, the others are skipped"
run mp-load -t u --on-conflict=nothing --stats="$T/st" "$T/u2"
is "$rc $(cost) $(stat1 'inserted skipped updated')" \
    "0 k1=1 k2=2 k3=4 k4=7 inserted=1 skipped=3 updated=0" \
    "--on-conflict=nothing: rows whose key exists are skipped"
q -c "TRUNCATE u"
run mp-load -t u --on-conflict=update --stats="$T/st" "$T/u1"
is "$rc $(cost) $(stat1 'inserted skipped updated')" \
    "0 k1=3 k2=2 k3=4 inserted=3 skipped=1 updated=0" \
    "--on-conflict=update: within a batch the last wins"
run mp-load -t u --on-conflict=update --stats="$T/st" "$T/u2"
is "$rc $(cost) $(stat1 'inserted skipped updated')" \
    "0 k1=3 k2=6 k3=4 k4=7 inserted=1 skipped=2 updated=1" \
    "--on-conflict=update: updated, unchanged rows counted skipped"
is "$(q -c "SELECT data FROM u WHERE event_id = 'k2'")" \
    '{"cost": 6, "event_id": "k2"}' "...data updated too"
run mp-load -t u --on-conflict=update -b 1 --stats="$T/st" "$T/u2"
is "$rc $(cost) $(stat1 'inserted skipped updated')" \
    "0 k1=3 k2=6 k3=4 k4=7 inserted=0 skipped=2 updated=2" \
    "--on-conflict=update -b 1: the same table, row by row"
run mp-load -t u --on-conflict=update --stats="$T/st" "$T/u2"
is "$rc $(stat1 'inserted skipped updated')" \
    "0 inserted=0 skipped=4 updated=0" \
    "--on-conflict=update of the same rows: all skipped, nothing rewritten"
q -c "CREATE TABLE k2 (source text, click_id text, cost numeric, data jsonb);
    CREATE UNIQUE INDEX ON k2 (source, click_id)"
cat >"$T/in" <<'X'
{"source":"a","click_id":"x","cost":1}
{"source":"b","click_id":"x","cost":2}
{"source":"a","click_id":"x","cost":3}
{"source":"a","click_id":"y","cost":4}
{"source":"a","cost":5}
{"source":"","click_id":"z","cost":6}
{"source":"a","click_id":null,"cost":7}
X
run mp-load -t k2 --key=source,click_id --rejects="$T/rej" \
    --stats="$T/st" "$T/in"
check "--key with two columns" 0 /dev/null ""
is "$(q -c "SELECT string_agg(source || click_id || '=' || cost, ' '
    ORDER BY source, click_id) FROM k2") $(stat1 'inserted skipped rejected')" \
    "ax=1 ay=4 bx=2 inserted=3 skipped=1 rejected=3" \
    "...the pair is the key"
is "$(jq -c '[.line, .reason]' "$T/rej" | paste -sd' ' -)" \
    "[5,\"missing key '.click_id'\"] [6,\"empty key '.source'\"] [7,\"missing key '.click_id'\"]" \
    "...a part missing, empty or null: rejected"
run mp-load -t k2 -k source,click_id --on-conflict=update --rejects="$T/rej" \
    "$T/in"
is "$rc $(q -c "SELECT string_agg(source || click_id || '=' || cost, ' '
    ORDER BY source, click_id) FROM k2")" "0 ax=3 ay=4 bx=2" \
    "...and with --on-conflict=update the last wins"
run mp-load -t k2 -k source "$T/in"
check "--key on part of a unique index: 78" 78 /dev/null \
    "no unique or exclusion constraint matching"

# --- --batch=1/2/3: the same table, rejects and counts as the default
gen-events -n 300 --seed 61 --dup-rate 0.2 --odd-rate 0.2 --bad-rate 0.03 \
    >"$T/b" 2>/dev/null
jq -c '.event_id += "-p" | .cost = 1e20' <(sed -n '2p;50p' "$T/b") >>"$T/b"
sed -n '100p' "$T/b" | jq -c '.event_id += "-q" | .cost = "abc"' >>"$T/b"
tail -n 150 "$T/b" >"$T/b2"
cat "$T/b2" >>"$T/b"
dump() { q -c "SELECT event_id, ts, type, source, campaign_id, ad_id,
    click_id, visitor_id, ip, ua, country, cost, revenue, currency,
    data::text FROM $1 ORDER BY event_id" | md5sum; }
want=
for b in "" 1 2 3; do
	run mp-load -t "bt$b" --create ${b:+--batch=$b} --rejects="$T/rej" \
	    --stats="$T/st" "$T/b"
	got="$rc $(dump "bt$b") $(jq -c '[.line, .reason]' "$T/rej" |
	    sort -n | md5sum) $(stat1 'records_in inserted skipped rejected')"
	[ -n "$want" ] || want=$got
	is "$got" "$want" \
	    "--batch=${b:-2000 (default)}: the same table, rejects and counts"
done
nloc=$(jq -r .reason "$T/rej" | grep -cE '^(invalid JSON|missing key|empty key|field )')
is "$(jq .batches "$T/st")" $(((453 - nloc + 2) / 3)) \
    "...-b 3: a batch of each 3 rows not rejected before PostgreSQL"

done_testing
