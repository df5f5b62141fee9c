# t/lib/mock.sh: t/mock-network, the loopback mock of ad-network APIs,
# and the events of its windows (sourced by t/lib.sh)

# mock NAME [OPTION...]: t/mock-network, the loopback mock of ad-network
# APIs, on a free port, as $B_NAME; stopped when the test ends
mocks=
mock() {
	local name=$1
	shift
	[ -n "$mocks" ] ||
	    at_exit 'for p in $mocks; do kill "$p" 2>/dev/null; done'
	"$top/t/mock-network" --port-file "$T/$name.port" \
	    --log "$T/$name.log" "$@" &
	mocks="$mocks $!"
	eval "pid_$name=$!"
	waitfor "$T/$name.port" "t/mock-network $name"
	eval "B_$name=http://127.0.0.1:$(cat "$T/$name.port")"
}
# mstop NAME: stops that mock
mstop() {
	local p
	eval "p=\$pid_$1"
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
}
# mstats BASE JQ: the mock's counters since its last reset, through JQ
mstats() { curl -s "$1/stats" | jq -c "$2"; }
# mreset BASE: the mock's counters and attempts forgotten
mreset() { curl -s -X POST "$1/reset" >/dev/null; }

# want FROM TO: the event ids of the mock's window [FROM, TO), in order
# (one event every 36 s from 2026-01-01T00:00:00Z)
e0=1767225600
kof() {
	local d=$(($(date -u -d "$1" +%s) - e0))
	[ "$d" -lt 0 ] && d=0
	echo $(((d + 35) / 36))
}
want() {
	local a b
	a=$(kof "$1") b=$(kof "$2")
	[ "$b" -gt "$a" ] && seq "$a" $((b - 1)) | sed 's/^/ev-/'
}
# sameids NAME FILE FROM TO: FILE's records are the window's events,
# each once, in order
sameids() {
	local name=$1 f=$2
	want "$3" "$4" >"$T/want.ids"
	jq -r .event_id "$f" >"$T/got.ids" 2>/dev/null
	if cmp -s "$T/got.ids" "$T/want.ids"; then
		ok 0 "$name"
	else
		ok 1 "$name"
		diag "got $(wc -l <"$T/got.ids") records," \
		    "$(sort "$T/got.ids" | uniq -d | wc -l) twice," \
		    "want $(wc -l <"$T/want.ids")," \
		    "first $(head -1 "$T/got.ids") last $(tail -1 "$T/got.ids")" \
		    "status $rc, stderr: $(head -c 400 "$T/err")"
	fi
}
