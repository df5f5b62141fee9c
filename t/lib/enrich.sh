# t/lib/enrich.sh: helpers of the mp-enrich tests without a server
# (t/5000-enrich.t, t/5010-enrich-alloc.t, t/5011-enrich-fx-usage.t);
# sourced after t/lib.sh
# h: Python helpers reading JSON text as it is written (jq reads numbers
# as doubles and cannot say how a value was written)
H=$top/t/lib/enrich.py
h() { python3 "$H" "$@"; }

# checkj NAME WANT_RC WANT WANT_ERR_PATTERN [INPUT ADDED]: check, with
# stdout compared as JSON values line by line (WANT holds them); with
# INPUT, each output line is that line of INPUT with the ADDED fields
# (comma-separated top-level names) spliced in: the other members byte
# for byte, no key twice, a line with none of them the same bytes
checkj() {
	local name=$1 wrc=$2 want=$T/cj.want werr=$4 in= add=${6:-} bad=
	cat "$3" >"$want"
	[ -n "${5:-}" ] && in=$T/cj.in && cat "$5" >"$in"
	[ "$rc" = "$wrc" ] || bad="status $rc, want $wrc"
	if [ -z "$bad" ] && ! ndjson_eq "$T/out" "$want"; then
		bad="stdout differs: $(diff <(jq -S -c . "$T/out" 2>&1) \
		    <(jq -S -c . "$want") | head -c 600)"
	fi
	if [ -z "$bad" ] && [ -n "$in" ] &&
	    ! h rest "$in" "$T/out" "$add" >"$T/rest" 2>&1; then
		bad="bytes: $(head -c 400 "$T/rest")"
	fi
	verdict "$name" "$bad" "$werr"
}
# lines FILE N...: those lines of FILE
lines() { local f=$1; shift; for n; do sed -n "${n}p" "$f"; done; }
# field FILE FILTER: FILTER over each JSON line of FILE, on one line
field() { jq -r "$2" "$1" | paste -sd'|' -; }
# raw FILE FIELD: the field's text as written on each line, on one line
raw() { h raw "$1" "$2" | paste -sd'|' -; }
# mic FILE FIELD: the field's micro-units on each line, on one line
mic() { h rawmicros "$1" "$2" | paste -sd' ' -; }
# rejok FILE INPUT: each reject has prog, file, line, a reason and the
# line of INPUT it names, byte for byte (or as record_b64)
rejok() { h rejok "$1" "$2"; }
# nocrash: the last run ended by itself (no signal, no internal error)
nocrash() { [ "$rc" -lt 70 ] || [ "$rc" = 73 ] || [ "$rc" = 74 ]; }
