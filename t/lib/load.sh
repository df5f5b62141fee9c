# t/lib/load.sh: what the mp-load tests share (sourced after lib.sh)

# rejok REJECTS INPUT NAME: each reject has prog, file, line, a reason and
# the input line itself, byte for byte
rejok() {
	local bad=
	jq -e --arg f "$2" '.prog == "mp-load" and .file == $f and
	    (.line | type) == "number" and (.reason | length) > 0 and
	    (.record | type) == "string"' "$1" >/dev/null || bad=fields
	[ -z "$bad" ] && ! cmp -s <(jq -r .record "$1") \
	    <(jq -r .line "$1" | while read -r n; do
		sed -n "${n}p" "$2"; done) && bad=records
	ok "$([ -z "$bad" ]; echo $?)" "$3"
	[ -z "$bad" ] || diag "$bad: $(head -c 800 "$1")"
}
