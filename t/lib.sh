# t/lib.sh: TAP helpers for mp's shell tests.  Source it, call plan N (or
# no_plan), then ok/is/run checks; done_testing at the end when no plan.
export LC_ALL=C TZ=UTC
top=$(cd "$(dirname "$0")/.." && pwd)
PATH=$top/cmd:$top/scripts:$PATH
export PATH
T=$(mktemp -d "${TMPDIR:-/tmp}/mp-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
# the stages' notes to one another (mp(7), The chain): each test its own
export MP_CHAIN_DIR=$T/chain
_n=0 _fail=0

plan() { echo "1..$1"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
done_testing() { echo "1..$_n"; [ "$_fail" -eq 0 ]; }
diag() { printf '# %s\n' "$@" >&2; }

# ok COND-STATUS NAME: pass when the previous command's status was 0
ok() {
	local st=$1; shift
	_n=$((_n + 1))
	if [ "$st" -eq 0 ]; then
		echo "ok $_n - $*"
	else
		echo "not ok $_n - $*"
		_fail=$((_fail + 1))
	fi
}

# is GOT WANT NAME
is() {
	local got=$1 want=$2; shift 2
	if [ "$got" = "$want" ]; then
		ok 0 "$@"
	else
		ok 1 "$@"
		diag "got:  '$got'" "want: '$want'"
	fi
}

# run CMD...: runs CMD with stdin from $IN (default /dev/null), keeping
# stdout in $T/out, stderr in $T/err and the status in $rc
run() {
	"$@" <"${IN:-/dev/null}" >"$T/out" 2>"$T/err"
	rc=$?
}

# check NAME WANT_RC WANT_OUT_FILE WANT_ERR_PATTERN: one case checks stdout,
# stderr and status together, after run
check() {
	local name=$1 wrc=$2 wout=$3 werr=$4 bad=
	[ "$rc" = "$wrc" ] || bad="status $rc, want $wrc"
	if [ -z "$bad" ] && ! cmp -s "$T/out" "$wout"; then
		bad="stdout differs"
	fi
	verdict "$name" "$bad" "$werr"
}

# verdict NAME BAD WANT_ERR_PATTERN: the end of a check: passes when
# nothing was found bad and stderr is as wanted (empty, or matching)
verdict() {
	local name=$1 bad=$2 werr=$3
	if [ -z "$bad" ]; then
		if [ -z "$werr" ]; then
			[ -s "$T/err" ] && bad="stderr not empty"
		elif ! grep -qE -- "$werr" "$T/err"; then
			bad="stderr lacks /$werr/"
		fi
	fi
	if [ -z "$bad" ]; then
		ok 0 "$name"
	else
		ok 1 "$name"
		diag "$bad" "stderr: $(head -c 400 "$T/err")"
		diag "stdout: $(head -c 400 "$T/out")"
	fi
}

# jqok FILE EXPR NAME: EXPR holds for the JSON in FILE
jqok() {
	if jq -e "$2" "$1" >/dev/null 2>&1; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "$1: $(head -c 800 "$1" 2>/dev/null)"
	fi
}

# ndjson_eq A B: the two files hold the same JSON values, line by line
ndjson_eq() {
	cmp -s <(jq -S -c . "$1") <(jq -S -c . "$2")
}

# snap FILE: what changes when FILE is written: inode, size, mtime, bytes
snap() {
	if [ -e "$1" ]; then
		stat -c '%i %s %y' "$1"
		cksum <"$1"
	else
		echo none
	fi
}

# stat1 KEYS: the stats' counts, as "k=v k=v", from $T/st
stat1() {
	jq -r --arg k "$1" '[($k | split(" "))[] as $x | "\($x)=\(.[$x])"] |
	    join(" ")' "$T/st"
}

# waitfor FILE WHAT: waits up to 10 s for a server to write its port to
# FILE, else bails out saying WHAT did not start
waitfor() {
	local i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		if [ "$i" -gt 200 ]; then
			echo "Bail out! $2 did not start"
			exit 1
		fi
		sleep 0.05
	done
}
# at_exit CMD: runs CMD when the test ends (the last given first), then
# the EXIT trap that was set when at_exit was first called (lib.sh's, or a
# test's own)
_atexit=
at_exit() {
	if [ -z "$_atexit" ]; then
		_atexit_prev=$(trap -p EXIT)
		trap _atexit_run EXIT
	fi
	_atexit="$1; $_atexit"
}
_atexit_run() {
	eval "$_atexit"
	[ -n "$_atexit_prev" ] || return 0
	# "trap -- 'CMD' EXIT": its third word is CMD
	eval "set -- $_atexit_prev"
	eval "$3"
}

# ms: now, in milliseconds
ms() { echo $(($(date +%s%N) / 1000000)); }

# The servers' helpers, each in its own file: PostgreSQL (pg_start, q,
# money_views, ids, jids), the mock ad networks (mock, mstop, mstats,
# mreset, want, sameids) and S3 (s3_start, s3c).
. "$top/t/lib/pg.sh"
. "$top/t/lib/mock.sh"
. "$top/t/lib/s3.sh"
