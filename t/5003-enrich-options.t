#!/bin/bash
# mp-enrich's option table: a table's file (and the rate table's) named in
# an option file is found from the option file's folder, from any folder;
# a name=, a pg: query and - are left as written; the last --allocate-to
# wins; --help lists every option with a line.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-enrich" ] || skip_all "cmd/mp-enrich is not built"

mkdir -p "$T/conf/spend" "$T/else"
printf 'id,v\n1,a\n' >"$T/conf/spend/t.csv"
printf 'date,currency,rate\n2026-11-20,EUR,2\n' >"$T/conf/spend/fx.csv"
printf '{"id":"1","ts":"2026-11-20T12:00:00Z","cost":1,"currency":"EUR"}\n' \
    >"$T/in"
cat >"$T/conf/e.conf" <<'X'
key = id
table = named=spend/t.csv
currency-table = spend/fx.csv
currency = USD
X
run sh -c 'cd "$1/else" && mp-enrich -K ../conf/e.conf "$1/in"' sh "$T"
is "$rc $(jq -c '[.v, .cost, .currency, .cost_source]' "$T/out")" \
    '0 ["a",2,"USD","named"]' \
    "-K: table files are relative to the option file, from another folder"
run sh -c 'cd "$1/conf" && mp-enrich -k id -t spend/t.csv "$1/in"' sh "$T"
is "$rc $(jq -c '[.v, .cost_source]' "$T/out")" '0 ["a","t"]' \
    "on the command line: relative to the working folder, as before"
run sh -c 'cd "$1/else" && mp-enrich -k id -t spend/t.csv "$1/in"' sh "$T"
is "$rc" 66 "...and not found from elsewhere: 66"

printf 'id,spend\n1,3\n' >"$T/conf/sp.csv"
printf '{"id":"1","type":"view"}\n{"id":"1","type":"click"}\n' >"$T/ev"
run mp-enrich -k id -t "$T/conf/sp.csv" --allocate=spend=cost \
    --allocate-to=view --allocate-to=click "$T/ev"
is "$rc $(jq -c .cost "$T/out" | paste -sd' ' -)" "0 0 3" \
    "--allocate-to given twice: the last wins"

run mp-enrich --help
miss=
for o in table key add format first last allocate count-column allocate-to \
    type db batch cache source-field unmatched unallocated unallocated-time \
    trust-input currency-table currency convert currency-field time fx-field; do
	grep -qE -- "--$o(=| |\$)" "$T/out" || miss="$miss $o"
done
is "$rc${miss:+ lacks$miss}" 0 "--help: every option with a line"

done_testing
