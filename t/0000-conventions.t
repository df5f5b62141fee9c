#!/bin/bash
# Conventions every tool keeps (mp.7): --help (its usage, and every option
# with a line), --version, usage errors, empty input, a lint-clean man page,
# --stats as one JSON object.
. "$(dirname "$0")/lib.sh"

tools=$(cd "$top/cmd" && ls mp-*.c | sed 's/\.c$//')
[ -n "$tools" ] || skip_all "no tools"

# mp-load needs a server and a table, even for no input
pg_start
args_mp_load="--table=conventions --create"
# mp-enrich needs a table
printf 'event_id,cost\n' >"$T/costs.csv"
args_mp_enrich="--table=$T/costs.csv"
# mp-archive needs its folder
args_mp_archive="-d $T/archive"
# mp-reconcile needs their side, a key and an amount
args_mp_reconcile="--theirs=$T/costs.csv --key=event_id --amount=cost"

for t in $tools; do
	eval "a=\${args_${t//-/_}:-}"
	run "$t" --help
	[ "$rc" = 0 ] && grep -q "^usage: $t " "$T/out"
	ok $? "$t --help prints usage on stdout, exit 0"

	run "$t" -h
	[ "$rc" = 0 ] && grep -q "^usage: $t " "$T/out"
	ok $? "$t -h"

	# the usage block names the options of the man page's SYNOPSIS
	sed -n '/^usage:/,/^$/p' "$T/out" |
	    grep -oE -- '--[a-z0-9-]+|(^|[[ |])-[A-Za-z]+\b' |
	    sed 's/^[[ |]//' |
	    awk '/^--/ { print; next }
	        { for (i = 2; i <= length($0); i++) print "-" substr($0, i, 1) }' |
	    sort -u >"$T/uopts"
	sed -n '/^\.Sh SYNOPSIS/,/^\.Sh DESCRIPTION/p' "$top/man/$t.1" |
	    grep -oE 'Fl -?[A-Za-z0-9-]+' | sed 's/^Fl //' |
	    awk '/^-/ { print "-" $0; next }
	        { for (i = 1; i <= length($0); i++) print "-" substr($0, i, 1) }' |
	    sort -u >"$T/mopts"
	cmp -s "$T/uopts" "$T/mopts"
	ok $? "$t: --help's usage names the options of $t(1)'s SYNOPSIS"
	cmp -s "$T/uopts" "$T/mopts" ||
	    diag "usage vs SYNOPSIS: $(diff "$T/uopts" "$T/mopts" | grep '^[<>]' | tr '\n' ' ')"

	# then every option of the SYNOPSIS with a line on what it does
	# (tools with an option table: their help has an Options: list)
	run "$t" --help
	if grep -q '^Options:$' "$T/out"; then
		sed -n '/^Options:$/,/^$/p' "$T/out" | sed 1d |
		    awk '/^   *[^ -]/ && n { sub(/^ +/, "  "); l[n] = l[n] $0; next }
			{ l[++n] = $0 }
			END { for (i = 1; i <= n; i++) print l[i] }' >"$T/olist"
		miss=
		while read -r o; do
			case $o in
			--*) re="^  (-[A-Za-z0-9], |    )$o(=|\[=| |\$)" ;;
			*) re="^  $o, --" ;;
			esac
			grep -E -- "$re" "$T/olist" |
			    grep -qE '^ +-.*[^ ]  +[^ ]' || miss="$miss $o"
		done <"$T/mopts"
		[ -z "$miss" ]
		ok $? "$t --help: every option of the SYNOPSIS, with a line"
		[ -z "$miss" ] || diag "not in --help's options:$miss"
	else
		ok 0 "$t --help lists its options # SKIP no option table yet"
	fi
	! grep -q "See $t(1)" "$T/out" && grep -q "man ./man/$t.1" "$T/out"
	ok $? "$t --help: how to read the manual from the source tree"

	run "$t" --version
	[ "$rc" = 0 ] && grep -q "^$t [0-9]" "$T/out"
	ok $? "$t --version"

	run "$t" --no-such-option
	[ "$rc" = 64 ] && grep -q "^usage: $t " "$T/err" && [ ! -s "$T/out" ]
	ok $? "$t: bad option exits 64 with usage on stderr"

	run "$t" --max-record=12x
	is "$rc" 64 "$t: bad --max-record exits 64"

	IN=/dev/null run "$t" $a
	[ "$rc" = 0 ] && [ ! -s "$T/out" ] && [ ! -s "$T/err" ]
	ok $? "$t: empty input, no output, exit 0"

	IN=/dev/null run "$t" $a --stats
	[ "$rc" = 0 ] && jq -e 'type == "object" and .prog == "'"$t"'"' \
	    "$T/err" >/dev/null && [ "$(wc -l <"$T/err")" = 1 ]
	ok $? "$t --stats writes one JSON object to stderr"

	IN=/dev/null run "$t" $a --stats="$T/stats" --metrics="$T/metrics"
	jq -e '.records_in == 0 and .exit == 0' "$T/stats" >/dev/null &&
	    grep -q "^mp_records_in_total{prog=\"$t\"} 0$" "$T/metrics"
	ok $? "$t --stats=FILE and --metrics=FILE"

	IN=/dev/null run "$t" $a no-such-file
	[ "$rc" = 66 ] && grep -q "^$t: no-such-file: " "$T/err"
	ok $? "$t: missing input file exits 66"

	printf 'stats %s/cfgstats\n# a comment\n\nlog-format = json\n' \
	    "$T" >"$T/cfg"
	IN=/dev/null run "$t" $a -K "$T/cfg" no-such-file
	[ "$rc" = 66 ] && jq -e '.level and .msg' "$T/err" >/dev/null &&
	    jq -e '.exit == 66' "$T/cfgstats" >/dev/null
	ok $? "$t -K reads options from a file"

	man=$top/man/$t.1
	[ -f "$man" ]
	ok $? "$t has a man page"
	mandoc -Tlint -W warning "$man" >"$T/lint" 2>&1
	ok $? "man/$t.1 is lint-clean"
	[ -s "$T/lint" ] && diag "$(cat "$T/lint")"
	usage=$("$t" --help | sed -n '1p' | sed 's/^usage: //; s/ .*//')
	is "$usage" "$t" "$t: usage names the tool"
done

for m in "$top"/man/*.[0-9]; do
	mandoc -Tlint -W warning "$m" >"$T/lint" 2>&1
	ok $? "$(basename "$m") is lint-clean"
done

done_testing
