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

# pg_start: a throwaway PostgreSQL cluster (scripts/pg-local) for this test,
# its PG* variables exported, stopped and removed on exit
pg_start() {
	chmod 711 "$T"
	local env
	env=$(MP_PG_FAST=1 pg-local start "$T/pg") || {
		echo "Bail out! cannot start PostgreSQL"
		exit 1
	}
	eval "$env"
	at_exit 'pg-local stop "$T/pg" >/dev/null 2>&1'
}

# q SQL...: psql, quiet, unaligned, stopping at the first error
q() {
	PGOPTIONS='-c client_min_messages=warning' psql -qAtX \
	    -v ON_ERROR_STOP=1 "$@"
}
# money_views NAME DATA FX: the views' cost, revenue and conversions by
# campaign and day, and by source, are those t/money-truth computes from
# the generator's ground truth in DATA (spend.csv, revenue.ndjson,
# truth.ndjson) and the rates in FX, to the micro-unit: two tests
money_views() {
	local tab f="--spend=$2/spend.csv --revenue=$2/revenue.ndjson --fx=$3"
	tab=$(printf '\t')
	f="$f --truth=$2/truth.ndjson --nonzero"
	"$top/t/money-truth" $f --by=campaign_id,day |
	    jq -r '[.campaign_id, .day, .cost, .revenue, .conversions] | @tsv' \
	    >"$T/mv.want"
	q -F "$tab" -c "SELECT campaign_id, day, cost, revenue, conversions
	    FROM mp_roi_day WHERE cost <> 0 OR revenue <> 0 OR conversions > 0" |
	    LC_ALL=C sort >"$T/mv.got"
	cmp -s "$T/mv.want" "$T/mv.got"
	ok $? "$1: cost and revenue of every campaign and day as computed independently ($(wc -l <"$T/mv.want") campaign-days)"
	cmp -s "$T/mv.want" "$T/mv.got" ||
	    diag "$(diff "$T/mv.want" "$T/mv.got" | head -n 6)"
	"$top/t/money-truth" $f --by=source |
	    jq -r '[.source, .cost, .revenue, .conversions] | @tsv' \
	    >"$T/mv.want"
	q -F "$tab" -c "SELECT source, cost, revenue, conversions
	    FROM mp_roi_source" | LC_ALL=C sort >"$T/mv.got"
	cmp -s "$T/mv.want" "$T/mv.got"
	ok $? "$1: by source too"
	cmp -s "$T/mv.want" "$T/mv.got" ||
	    diag "$(diff "$T/mv.want" "$T/mv.got" | head -n 6)"
}
# ids TABLE [DB]: the table's event ids, sorted
ids() { q ${2:+-d "$2"} -c "SELECT event_id FROM $1" | sort; }
# jids FILE: the event ids of the JSON lines of FILE, distinct, sorted
jids() { jq -r .event_id "$1" | sort -u; }
# stat1 KEYS: the stats' counts, as "k=v k=v", from $T/st
stat1() {
	jq -r --arg k "$1" '[($k | split(" "))[] as $x | "\($x)=\(.[$x])"] |
	    join(" ")' "$T/st"
}

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

# ms: now, in milliseconds
ms() { echo $(($(date +%s%N) / 1000000)); }

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

# s3_start [BUCKET...]: s3rver (scripts/install-deps installs it) on a free
# loopback port, its data in $T/s3, with the buckets mp-archive and those
# named, behind t/s3proxy, which checks signatures; the proxy's
# http://BUCKET.s3.localhost:$S3_PROXY_PORT is virtual-hosted.  Exports
# S3_PORT, S3_PROXY_PORT and the AWS_* variables of its account
# (S3RVER/S3RVER; AWS_ENDPOINT_URL is the proxy's), writes
# $T/s3cfg for s3c (s3cmd); the server is stopped when the test ends (by
# a watchdog, too, should the test replace the EXIT trap later)
s3_start() {
	local bin=${MP_S3RVER:-/usr/local/lib/mp-npm/node_modules/.bin/s3rver}
	local i=0 b args=
	if [ ! -x "$bin" ] && ! bin=$(command -v s3rver); then
		echo "Bail out! s3rver is missing: run scripts/install-deps"
		exit 1
	fi
	if ! command -v s3cmd >/dev/null; then
		echo "Bail out! s3cmd is missing: run scripts/install-deps"
		exit 1
	fi
	for b in mp-archive "$@"; do
		args="$args --configure-bucket $b"
	done
	mkdir -p "$T/s3"
	# s3rver's continuation tokens are DES, which OpenSSL 3 (node 17 on)
	# has only in its legacy provider; -p 0: the kernel picks the port,
	# and s3rver prints it
	local nodeopt=$NODE_OPTIONS
	node --openssl-legacy-provider -e 0 2>/dev/null &&
	    nodeopt="$nodeopt --openssl-legacy-provider"
	NODE_OPTIONS=$nodeopt "$bin" -d "$T/s3" -a 127.0.0.1 -p 0 -s \
	    --service-endpoint localhost $args >"$T/s3rver.log" 2>&1 &
	s3_pid=$!
	at_exit "kill $s3_pid 2>/dev/null"
	(while kill -0 $$ 2>/dev/null; do sleep 0.5; done
	    kill $s3_pid) >/dev/null 2>&1 &
	S3_PORT=
	while [ -z "$S3_PORT" ]; do
		S3_PORT=$(sed -n \
		    's/^S3rver listening on [0-9.]*:\([0-9]*\)$/\1/p' \
		    "$T/s3rver.log")
		i=$((i + 1))
		if [ "$i" -gt 300 ] || ! kill -0 "$s3_pid" 2>/dev/null; then
			echo "Bail out! s3rver did not start:" \
			    "$(head -c 300 "$T/s3rver.log")"
			exit 1
		fi
		[ -n "$S3_PORT" ] || sleep 0.05
	done
	until curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/"; do
		i=$((i + 1))
		if [ "$i" -gt 300 ]; then
			echo "Bail out! s3rver does not answer on $S3_PORT"
			exit 1
		fi
		sleep 0.05
	done
	# the tools go through t/s3proxy, which checks their signatures as
	# AWS would (s3rver does not); s3cmd goes straight to s3rver
	python3 "$top/t/s3proxy" --upstream "$S3_PORT" --secret S3RVER \
	    --port-file "$T/s3proxy.port" --log "$T/s3proxy.log" &
	at_exit "kill $! 2>/dev/null"
	waitfor "$T/s3proxy.port" t/s3proxy
	S3_PROXY_PORT=$(cat "$T/s3proxy.port")
	export S3_PORT S3_PROXY_PORT
	export AWS_ENDPOINT_URL=http://127.0.0.1:$S3_PROXY_PORT
	export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER
	export AWS_REGION=us-east-1
	unset AWS_ENDPOINT_URL_S3 AWS_SESSION_TOKEN AWS_DEFAULT_REGION
	cat >"$T/s3cfg" <<-CFG
	[default]
	access_key = S3RVER
	secret_key = S3RVER
	host_base = 127.0.0.1:$S3_PORT
	host_bucket = 127.0.0.1:$S3_PORT
	bucket_location = us-east-1
	use_https = False
	signature_v2 = False
	CFG
}
# s3c ARG...: s3cmd against the s3rver of s3_start
s3c() { s3cmd -c "$T/s3cfg" "$@"; }
