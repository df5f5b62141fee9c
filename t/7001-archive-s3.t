#!/bin/bash
# mp-archive --s3 and mp-fetch s3:// against a real S3-compatible server
# (s3rver, which checks SigV4 signatures), cross-checked with s3cmd:
# uploads, multipart, both addressing styles, credentials, failures kept
# for the next run, kill -9 during uploads, and the archive read back.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-archive" ] || skip_all "cmd/mp-archive is not built"
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
s3_start replay
B=s3://mp-archive

# keys PREFIX: the object keys under the prefix, as s3cmd lists them
keys() { s3c ls -r "$B/$1" | awk '{ print $4 }' | sed "s|^$B/||" | sort; }
# s3lines PREFIX: every line of the objects under the prefix, got by s3cmd
s3lines() {
	local k
	rm -rf "$T/get"
	mkdir -p "$T/get"
	for k in $(keys "$1"); do
		s3c get -q "$B/$k" "$T/get/x" >/dev/null 2>&1 || echo "GET FAILED $k"
		zstdcat "$T/get/x"
		rm -f "$T/get/x"
	done
}
# local_files DIR: complete archive files still in DIR
local_files() { find "$1" -path "$1/.tmp" -prune -o -type f -name '*.zst' \
    -print 2>/dev/null | wc -l; }

scripts/gen-events -n 6000 --seed 21 >"$T/ev" 2>/dev/null

# --- every completed file uploaded, then removed locally
IN=$T/ev run mp-archive -d "$T/a" --by=.ts --max-size=64K --host up \
    --s3=$B/ev --stats="$T/st"
check "--s3: stdout is the input" 0 "$T/ev" ""
jqok "$T/st" '.files > 24 and .uploaded == .files and .upload_bytes > 0 and
    (.upload_failed // 0) == 0' "--s3: every file uploaded"
is "$(local_files "$T/a")" 0 "--s3: local copies removed once confirmed"
keys ev/ >"$T/keys"
n=$(grep -cE '^ev/2026/11/[0-9]{2}/[0-9]{2}/[0-9]{8}T[0-9]{6}Z-up-[0-9]+-[0-9]{6}\.ndjson\.zst$' "$T/keys")
is "$n" "$(jq .files "$T/st")" "s3cmd lists every file, under prefix/YYYY/MM/DD/HH/"
cmp -s <(sort "$T/ev") <(s3lines ev/ | sort)
ok $? "s3cmd gets the objects back: every line once"

# mp-fetch s3:// reads them back, decompressed, checked
IN= run mp-fetch "$B/ev/" --stats="$T/st"
[ "$rc" -eq 0 ] && cmp -s <(sort "$T/ev") <(sort "$T/out")
ok $? "mp-fetch s3://bucket/prefix/: every line once"
is "$(stat1 "objects records_in")" "objects=$(wc -l <"$T/keys") records_in=6000" \
    "mp-fetch s3://: objects and lines counted"
run mp-fetch "$B/ev/2026/11/20/05/"
grep '"ts":"2026-11-20T05:' "$T/ev" | sort >"$T/want"
[ -s "$T/want" ] && sort "$T/out" | cmp -s - "$T/want"
ok $? "mp-fetch s3://bucket/prefix/2026/11/20/05/: that hour's events only"
run mp-fetch "$B/nothing-here/"
check "an empty prefix: nothing, exit 0" 0 /dev/null ""

# --- multipart: a file larger than a part goes up in parts
awk 'BEGIN { srand(3); for (i = 0; i < 150000; i++) {
	s = ""; for (j = 0; j < 12; j++) s = s sprintf("%08x", int(rand() * 4294967296))
	printf "{\"n\":%d,\"r\":\"%s\"}\n", i, s } }' >"$T/rand"
IN=$T/rand run mp-archive -d "$T/mp" --level=1 --s3=$B/multi \
    --s3-part-size=5M --stats="$T/st"
check "multipart upload" 0 "$T/rand" ""
jqok "$T/st" '.uploaded == 1 and .upload_bytes > 5 * 1048576' \
    "one file of more than 5 MiB uploaded"
s3lines multi/ | cmp -s - "$T/rand"
ok $? "multipart: s3cmd gets back the whole file, exact"
s3c multipart "$B" 2>&1 | grep -q "multi/" && bad=1 || bad=0
ok $bad "multipart: no upload left open"
IN= run mp-fetch "$B/multi/"
check "multipart: mp-fetch reads it back" 0 "$T/rand" ""

# --- virtual-hosted addressing, endpoint and region as options
env -u AWS_ENDPOINT_URL -u AWS_REGION mp-archive -d "$T/vh" \
    --s3=$B/vhost --s3-endpoint="http://s3.localhost:$S3_PORT" \
    --s3-addressing=virtual --s3-region=us-east-1 --host vh \
    <"$T/ev" >/dev/null 2>"$T/err"
is "$?" 0 "--s3-addressing=virtual: http://mp-archive.s3.localhost:PORT"
keys vhost/ | grep -q 'vhost/.*-vh-'
ok $? "virtual-hosted: s3cmd sees the object"
env -u AWS_ENDPOINT_URL mp-fetch "$B/vhost/" \
    --s3-endpoint="http://s3.localhost:$S3_PORT" --s3-addressing=virtual \
    --s3-region=us-east-1 >"$T/out" 2>"$T/err"
[ $? -eq 0 ] && cmp -s "$T/out" "$T/ev"
ok $? "virtual-hosted: mp-fetch reads it back"
run mp-archive -d "$T/x" --s3=$B/x --s3-addressing=sideways
check "--s3-addressing=sideways: 64" 64 /dev/null "path or virtual"

# --- credentials from a file; a refused key keeps the file for later
printf '# keys\nexport AWS_ACCESS_KEY_ID=S3RVER\nAWS_SECRET_ACCESS_KEY="S3RVER"\n' \
    >"$T/cred"
head -50 "$T/ev" >"$T/ev50"
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY mp-archive -d "$T/cf" \
    --s3=$B/cred --s3-credentials="$T/cred" <"$T/ev50" >/dev/null 2>"$T/err"
is "$?" 0 "--s3-credentials=FILE"
is "$(keys cred/ | wc -l)" 1 "--s3-credentials: uploaded"
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY mp-fetch "$B/cred/" \
    --s3-credentials="$T/cred" >"$T/out" 2>"$T/err"
[ $? -eq 0 ] && cmp -s "$T/out" "$T/ev50"
ok $? "mp-fetch --s3-credentials=FILE"
run mp-archive -d "$T/x" --s3=$B/x --s3-credentials="$T/nofile"
check "--s3-credentials: a missing file, 66" 66 /dev/null "nofile"
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY mp-archive -d "$T/x" \
    --s3=$B/x </dev/null >/dev/null 2>"$T/err"
is "$?" 78 "no credentials at all: 78"

AWS_SECRET_ACCESS_KEY=wrong-secret-123 mp-archive -d "$T/bad" --s3=$B/bad \
    --s3-retries=1 <"$T/ev50" >"$T/out" 2>"$T/err"
is "$?" 77 "a refused signature: exit 77"
cmp -s "$T/out" "$T/ev50"
ok $? "the tee went on: stdout is the input"
grep -q "SignatureDoesNotMatch" "$T/err" && ! grep -q "wrong-secret" "$T/err"
ok $? "the message names the S3 error, never the secret"
is "$(local_files "$T/bad")" 1 "the file is kept for the next run"
run mp-archive -d "$T/bad" --s3=$B/bad --maintain --stats="$T/st"
check "the next run uploads what was left" 0 /dev/null ""
is "$(stat1 "upload_left uploaded") $(local_files "$T/bad")" \
    "upload_left=1 uploaded=1 0" "left files uploaded, then removed"
s3lines bad/ | cmp -s - "$T/ev50"
ok $? "the late upload holds the lines"

# a server that cannot be reached: 69, the file kept
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mp-archive -d "$T/down" --s3=$B/down --s3-endpoint="http://127.0.0.1:$port" \
    --s3-retries=1 <"$T/ev50" >/dev/null 2>"$T/err"
is "$?" 69 "an unreachable server: exit 69"
grep -q "retrying" "$T/err" && grep -q "kept for the next run" "$T/err"
ok $? "it retried, then kept the file: $(tail -c 200 "$T/err")"
is "$(local_files "$T/down")" 1 "the file is still there"
run mp-fetch "$B/x/" --s3-endpoint="http://127.0.0.1:$port" --s3-retries=1
check "mp-fetch s3:// from an unreachable server: 69" 69 /dev/null "127.0.0.1"
run mp-fetch s3://no-such-bucket/x/
check "mp-fetch s3:// of a bucket that does not exist: 78" 78 /dev/null \
    "NoSuchBucket"
AWS_SECRET_ACCESS_KEY=nope run mp-fetch "$B/ev/"
check "mp-fetch s3:// with a wrong secret: 77" 77 /dev/null "Signature"

# --- objects mp-fetch refuses, and plain ones it passes
head -100 "$T/ev" | zstd -q --check >"$T/good.zst"
head -c $(($(stat -c %s "$T/good.zst") - 9)) "$T/good.zst" >"$T/torn.zst"
s3c put -q "$T/torn.zst" "$B/torn/a.ndjson.zst" >/dev/null
run mp-fetch "$B/torn/"
check "a torn object: 65" 65 /dev/null "truncated"
cp "$T/good.zst" "$T/flip.zst"
printf 'x' | dd of="$T/flip.zst" bs=1 seek=100 conv=notrunc 2>/dev/null
s3c put -q "$T/flip.zst" "$B/flip/a.ndjson.zst" >/dev/null
run mp-fetch "$B/flip/"
[ "$rc" -eq 65 ] && grep -qi "s3://mp-archive/flip/a.ndjson.zst" "$T/err"
ok $? "a corrupt object: 65, named: $(head -c 200 "$T/err")"
s3c put -q "$T/ev50" "$B/plain/weird name+&ü.ndjson" >/dev/null
run mp-fetch "$B/plain/"
check "a plain object (a key with a space, + & and UTF-8) passes as it is" \
    0 "$T/ev50" ""

# --- kill -9 while an upload hangs: the next run uploads the file
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    c, _ = s.accept(); conns.append(c)	# never answers
' >"$T/hang.port" &
hang=$!
at_exit "kill $hang 2>/dev/null"
waitfor "$T/hang.port" "the server that never answers"
mp-archive -d "$T/hang" --s3=$B/hang \
    --s3-endpoint="http://127.0.0.1:$(cat "$T/hang.port")" <"$T/ev50" \
    >"$T/out" 2>/dev/null &
pid=$!
for _ in $(seq 100); do [ -s "$T/out" ] && break; sleep 0.05; done
sleep 0.5
kill -9 $pid
wait $pid 2>/dev/null
is "$(local_files "$T/hang"):$(keys hang/ | wc -l)" "1:0" \
    "killed during an upload: the file is complete, in its partition, not in S3"
run mp-archive -d "$T/hang" --s3=$B/hang --maintain --stats="$T/st"
check "the next run uploads it" 0 /dev/null ""
is "$(stat1 upload_left) $(local_files "$T/hang")" "upload_left=1 0" \
    "uploaded, then removed"
s3lines hang/ | cmp -s - "$T/ev50"
ok $? "S3 holds the lines once"

# --- kill -9 during writing and uploading, then runs on the rest: each
# line archived exactly once
scripts/gen-events -n 40000 --seed 22 >"$T/k" 2>/dev/null
K=$T/k.a
kills=0 bad=0
for i in $(seq 8); do
	n=$(s3lines kill/ | wc -l)
	tail -n +$((n + 1)) "$T/k" >"$T/rest"
	[ -s "$T/rest" ] || break
	mp-archive -d "$K" --max-size=100K --s3=$B/kill <"$T/rest" \
	    >/dev/null 2>>"$T/kerr" &
	pid=$!
	sleep "0.$((RANDOM % 6 + 1))"
	kill -9 $pid 2>/dev/null && kills=$((kills + 1))
	wait $pid 2>/dev/null
	mp-archive -d "$K" --s3=$B/kill --maintain 2>>"$T/kerr" ||
	    { bad=1; diag "round $i: --maintain failed"; }
	[ "$(local_files "$K")" -eq 0 ] ||
	    { bad=1; diag "round $i: files left after --maintain"; }
	s3lines kill/ | sort >"$T/got"
	head -n "$(wc -l <"$T/got")" "$T/k" | sort | cmp -s - "$T/got" ||
	    { bad=1; diag "round $i: S3 does not hold a prefix of the input, once"; }
done
n=$(s3lines kill/ | wc -l)
tail -n +$((n + 1)) "$T/k" | mp-archive -d "$K" --s3=$B/kill >/dev/null
ok $bad "$kills kills -9 while writing and uploading: S3 always holds a prefix of the input"
cmp -s <(sort "$T/k") <(s3lines kill/ | sort)
ok $? "after the kills and a last run, S3 holds every line exactly once"

# --- replay: the pipeline over the archive read back gives the original
# run's output
mp-archive -d "$T/r" --max-size=64K --s3=$B/replay-run <"$T/ev" |
    mp-validate -r .event_id,.ts | mp-dedup >"$T/orig" 2>/dev/null
mp-fetch "$B/replay-run/" | mp-validate -r .event_id,.ts |
    mp-dedup >"$T/again" 2>/dev/null
[ -s "$T/orig" ] && cmp -s "$T/orig" "$T/again"
ok $? "replay from S3 through mp-validate | mp-dedup: the same output ($(wc -l <"$T/orig") lines)"

# --- mp-fetch s3:// options
run mp-fetch "$B/ev/" --s3-retries=0 --s3-part-size=5M
[ "$rc" -eq 0 ] && [ "$(wc -l <"$T/out")" -eq 6000 ]
ok $? "mp-fetch s3:// with --s3-retries=0 --s3-part-size"
run mp-fetch "http-not-s3://x" --s3-retries=x
check "--s3-retries=x: 64" 64 /dev/null "s3-retries"

done_testing
