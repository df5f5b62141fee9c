#!/bin/bash
# mp-archive on local disk: a tee whose archive always holds what it
# passed on; partitions, rotation, recovery after kill -9, write errors,
# pruning, replay with standard tools.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-archive" ] || skip_all "cmd/mp-archive is not built"
command -v zstd >/dev/null || skip_all "zstd is not installed"

A=$T/a
# files DIR: the complete archive files under DIR, in name order within
# each partition (the order zstdcat DIR/*/*/*/*/*.zst reads them)
files() { find "$1" -path "$1/.tmp" -prune -o -type f -name '*.zst' -print 2>/dev/null |
    sort; }
# cat_archive DIR: every line archived under DIR, file by file
cat_archive() { local f; f=$(files "$1"); [ -z "$f" ] || zstdcat $f; }
# temps DIR: how many temporary files DIR/.tmp holds
temps() { find "$1/.tmp" -type f | wc -l; }

scripts/gen-events -n 3000 --seed 7 >"$T/ev" 2>/dev/null ||
    gen-events -n 3000 --seed 7 >"$T/ev"

# --- a tee: stdout is the input, byte for byte; the archive holds it
IN=$T/ev run mp-archive -d "$A" --host h1 --stats="$T/st"
check "stdout is the input" 0 "$T/ev" ""
cat_archive "$A" | cmp -s - "$T/ev"
ok $? "the archive holds every line once, in order"
f=$(files "$A")
is "$(echo "$f" | wc -l)" 1 "one file"
echo "$f" | grep -qE "^$A/[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{2}/[0-9]{8}T[0-9]{6}Z-h1-[0-9]+-000001\.ndjson\.zst$"
ok $? "named DIR/YYYY/MM/DD/HH/STAMP-HOST-PID-SEQ.ndjson.zst: $f"
is "$(echo "$f" | cut -d/ -f$(($(echo "$A" | tr -cd / | wc -c) + 2))-$(($(echo "$A" | tr -cd / | wc -c) + 5)))" \
    "$(date -u +%Y/%m/%d/%H)" "partitioned by arrival hour (UTC)"
zstd -lv "$f" 2>&1 | grep -q "Check: XXH64"
ok $? "frames carry checksums"
zstd -tq "$f"
ok $? "zstd -t passes"
is "$(temps "$A")" 0 "no temporary file left"
is "$(stat1 "records_in records_out files")" \
    "records_in=3000 records_out=3000 files=1" "stats: lines and files"
jqok "$T/st" '.bytes_archived > 0 and .bytes_archived < .bytes_in / 3 and
    .frames >= 1' "stats: bytes archived, compressed"

# --- hostile input: passed and archived as it came
{
	printf '{"a":1}\r\n\n'
	printf 'not json\n'
	printf '\xff\xfe invalid UTF-8\n'
	printf '{"deep":%s}\n' "$(printf '[%.0s' $(seq 3000))"
	printf '\000nul inside\n'
	printf '{"last":"no newline"}'
} >"$T/bad"
IN=$T/bad run mp-archive -d "$T/bad.a"
check "hostile lines pass unchanged" 0 "$T/bad" ""
{ cat "$T/bad"; echo; } | cmp -s - <(cat_archive "$T/bad.a")
ok $? "and are archived unchanged (the last line gets its newline)"

# a line longer than the buffer: archived whole, in a frame of its own
{
	head -5 "$T/ev"
	printf '{"big":"%s"}\n' "$(head -c 3500000 /dev/zero | tr '\0' x)"
	tail -5 "$T/ev"
} >"$T/long"
IN=$T/long run mp-archive -d "$T/long.a" --stats="$T/st"
check "a 3.5 MB line passes" 0 "$T/long" ""
cat_archive "$T/long.a" | cmp -s - "$T/long"
ok $? "and is archived whole"
is "$(stat1 long_lines)" "long_lines=1" "counted as a long line"

# empty input: no file at all
IN=/dev/null run mp-archive -d "$T/empty.a"
check "empty input" 0 /dev/null ""
is "$(files "$T/empty.a" | wc -l) $(temps "$T/empty.a")" "0 0" \
    "empty input leaves no file"

# --- --partition=day
IN=$T/ev run mp-archive -d "$T/day.a" --partition=day
check "--partition=day" 0 "$T/ev" ""
files "$T/day.a" | grep -qE "^$T/day.a/[0-9]{4}/[0-9]{2}/[0-9]{2}/[^/]+\.ndjson\.zst$"
ok $? "a day's folder holds the files"

# --- --by: by event time; each line in its hour, none lost
{
	cat "$T/ev"
	echo '{"event_id":"nots"}'
	echo '{"event_id":"badts","ts":"yesterday"}'
	echo '{"event_id":"esc","ts":"\u0032026-11-19T23:59:59Z"}'
} >"$T/evb"
IN=$T/evb run mp-archive -d "$T/by.a" --by=.ts --stats="$T/st"
check "--by=.ts passes the input" 0 "$T/evb" ""
cmp -s <(sort "$T/evb") <(cat_archive "$T/by.a" | sort)
ok $? "--by: every line archived once"
bad=0
for f in $(files "$T/by.a"); do
	h=$(echo "$f" | sed -E 's|.*/([0-9]{4})/([0-9]{2})/([0-9]{2})/([0-9]{2})/[^/]*$|\1-\2-\3T\4|')
	n=$(zstdcat "$f" | jq -r 'select((.ts | type) == "string" and (.ts | test("^[0-9]{4}-"))) | .ts[0:13]' |
	    grep -vc "^$h" )
	[ "$n" -eq 0 ] || { bad=1; diag "$f: $n lines of another hour"; }
done
ok $bad "--by: each file holds its hour's events only"
files "$T/by.a" | grep -q "/2026/11/19/23/" && zstdcat \
    $(files "$T/by.a" | grep "/2026/11/19/23/") | grep -q '"esc"'
ok $? "--by: a time written with escapes is read"
is "$(stat1 by_fallback)" "by_fallback=2" \
    "--by: lines without a time go by arrival, counted"
is "$(files "$T/by.a" | grep -c "/$(date -u +%Y/%m/%d/%H)/")" 1 \
    "--by: those are in the arrival hour's file"
IN=$T/evb run mp-archive -d "$T/by1.a" --by=.ts --partition=day
files "$T/by1.a" | grep -q "/2026/11/19/[^/]*zst$" &&
    files "$T/by1.a" | grep -q "/2026/11/20/[^/]*zst$"
ok $? "--by with --partition=day"

# --max-open: files closed the oldest first; still each line once
IN=$T/evb run mp-archive -d "$T/open.a" --by=.ts --max-open=2 --stats="$T/st"
check "--max-open=2" 0 "$T/evb" ""
cmp -s <(sort "$T/evb") <(cat_archive "$T/open.a" | sort)
ok $? "--max-open: every line once"
jqok "$T/st" '.files > 24' "--max-open: more files than partitions"

# --- rotation by size: files in name order hold the input in order
scripts/gen-events -n 20000 --seed 8 >"$T/big" 2>/dev/null
IN=$T/big run mp-archive -d "$T/size.a" --max-size=64K --level=19 \
    --stats="$T/st"
check "--max-size=64K" 0 "$T/big" ""
n=$(files "$T/size.a" | wc -l)
[ "$n" -ge 3 ]
ok $? "--max-size: rotated into $n files"
cat_archive "$T/size.a" | cmp -s - "$T/big"
ok $? "--max-size: the files in name order are the input"
IN=$T/big run mp-archive -d "$T/l1.a" --level=1
IN=$T/big run mp-archive -d "$T/l19.a" -l 19
[ "$(cat $(files "$T/l19.a") | wc -c)" -lt \
    "$(cat $(files "$T/l1.a") | wc -c)" ]
ok $? "--level 19 compresses harder than --level 1"

# --- live: lines pass on at once, archived before they do; --max-age
mkfifo "$T/fifo"
mp-archive -d "$T/live.a" --max-age=1s --host live <"$T/fifo" \
    >"$T/live.out" 2>"$T/live.err" &
pid=$!
exec 3>"$T/fifo"
head -3 "$T/ev" >&3
i=0
while [ "$(wc -l <"$T/live.out")" -lt 3 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
is "$(wc -l <"$T/live.out")" 3 "lines pass on while input stays open"
zstdcat "$T/live.a/.tmp/"* 2>/dev/null | cmp -s - <(head -3 "$T/ev")
ok $? "what passed on is already in a complete frame"
sleep 1.5
is "$(files "$T/live.a" | wc -l)" 1 "--max-age=1s: the file is completed while idle"
sed -n 4,6p "$T/ev" >&3
sleep 0.5
exec 3>&-
wait $pid
is "$?" 0 "the live run ends with its input"
is "$(files "$T/live.a" | wc -l)" 2 "a new file after the old one aged out"
cat_archive "$T/live.a" | cmp -s - <(head -6 "$T/ev")
ok $? "the live archive is the input"

# --- a trickle: a line every 0.15 s never lets the input go idle; each
# line still passes on (archived first) within --flush of coming in,
# and files are completed at --max-age while the input goes on.
# trickle N: N lines, one every 0.15 s, each with the time it was sent
trickle() {
	perl -MTime::HiRes=time,sleep -e '$| = 1; for (1 .. $ARGV[0]) {
	    printf "{\"seq\":%d,\"ts\":\"%s\",\"sent\":%.6f}\n", $_,
	    "2026-11-20T05:00:00Z", time; sleep 0.15 }' "$1"
}
# lateness DIR: for each line read, the seconds since it was sent, and
# whether the files under DIR held it by then (1 or 0; looked at again
# when a file was renamed meanwhile)
lateness() {
	perl -MTime::HiRes=time -ne 'my $t = time;
	    my ($seq, $sent) = /"seq":(\d+),.*"sent":([0-9.]+)/ or next;
	    my $n = 0;
	    for my $try (1 .. 3) {
		$n = `find $d -type f -name "*.zst" -exec zstdcat -q {} + \\
		    2>/dev/null | wc -l`;
		last if $n >= $seq;
	    }
	    printf "%.3f %d\n", $t - $sent, $n >= $seq ? 1 : 0;
	    BEGIN { $d = shift @ARGV }' -- "$1"
}
# latecheck NAME: the lines of $T/late were each passed on within 1 s
# (--flush, 0.2 s, and room for a loaded machine), archived first
latecheck() {
	local n max
	n=$(wc -l <"$T/late")
	max=$(sort -n "$T/late" | tail -1 | cut -d' ' -f1)
	diag "$1: $n lines, latest $max s, median $(sort -n "$T/late" |
	    sed -n "$(((n + 1) / 2))p" | cut -d' ' -f1) s"
	[ "$n" -eq "$2" ] && awk '$1 > 1.0 { exit 1 }' "$T/late"
	ok $? "$1: each line passed on within 1 s (latest $max s)"
	! grep -q ' 0$' "$T/late"
	ok $? "$1: each line was archived before it passed on"
}
trickle 30 | mp-archive -d "$T/tr.a" 2>"$T/err" | lateness "$T/tr.a" >"$T/late"
latecheck "a trickle" 30
trickle 20 | mp-archive -d "$T/trb.a" --by=.ts 2>"$T/err" |
    lateness "$T/trb.a" >"$T/late"
latecheck "a trickle, --by" 20
trickle 8 | mp-archive -d "$T/trf.a" --flush=1s 2>"$T/err" |
    lateness "$T/trf.a" >"$T/late"
max=$(sort -n "$T/late" | tail -1 | cut -d' ' -f1)
[ "$(wc -l <"$T/late")" -eq 8 ] &&
    awk -v m="$max" 'BEGIN { exit !(m > 0.7 && m < 2) }'
ok $? "--flush=1s: lines wait for it (latest $max s)"
trickle 40 | mp-archive -d "$T/age.a" --max-age=2s >"$T/age.out" 2>"$T/err" &
t0=$(date +%s.%N) first=
# the input ends after 6 s: look until then
while el=$(awk -v t0="$t0" -v t="$(date +%s.%N)" 'BEGIN { print t - t0 }') &&
    awk -v e="$el" 'BEGIN { exit !(e < 5.7) }'; do
	n=$(files "$T/age.a" | wc -l)
	[ -z "$first" ] && [ "$n" -gt 0 ] && first=$el
	sleep 0.1
done
wait $!
diag "--max-age=2s: first file completed after ${first:-never} s, $n by 5.7 s"
[ -n "$first" ] && awk -v e="$first" 'BEGIN { exit !(e < 3.5) }' &&
    [ "$n" -ge 2 ]
ok $? "--max-age=2s: files completed while the input goes on ($n)"
cat_archive "$T/age.a" | cmp -s - "$T/age.out" &&
    [ "$(wc -l <"$T/age.out")" -eq 40 ]
ok $? "--max-age=2s, a trickle: every line archived once, in order"

# lines that come in pieces, with pauses (pieces PAUSE) inside and
# between them
pieces() {
	local i l
	for i in 1 2 3 4 5 6; do
		l=$(sed -n "${i}p" "$T/ev")
		printf '%s' "${l:0:100}"
		sleep "$1"
		printf '%s\n' "${l:100}"
		sed -n "$((i * 500)),$((i * 500 + 400))p" "$T/ev"
		sleep "$1"
	done
}
pieces 0 >"$T/pieces.out"
pieces 0.3 | mp-archive -d "$T/pieces.a" --by=.ts >"$T/out" 2>"$T/err"
cmp -s "$T/out" "$T/pieces.out" && [ ! -s "$T/err" ]
ok $? "lines in pieces, with pauses: passed on whole, in order"
cmp -s <(sort "$T/pieces.out") <(cat_archive "$T/pieces.a" | sort)
ok $? "lines in pieces: archived once each"

# --- SIGTERM: stops, completes its files, exit 143
mkfifo "$T/fifo2"
mp-archive -d "$T/term.a" <"$T/fifo2" >"$T/term.out" 2>"$T/term.err" &
pid=$!
exec 3>"$T/fifo2"
head -100 "$T/ev" >&3
sleep 0.5
kill -TERM $pid
wait $pid
is "$?" 143 "SIGTERM: exit 143"
exec 3>&-
cmp -s "$T/term.out" <(head -100 "$T/ev") &&
    cat_archive "$T/term.a" | cmp -s - "$T/term.out"
ok $? "SIGTERM: what passed on is archived, in complete files"
is "$(temps "$T/term.a")" 0 "SIGTERM: no temporary file left"

# --- kill -9 at random moments, then a run on the rest: each line once
scripts/gen-events -n 60000 --seed 9 >"$T/k" 2>/dev/null
total=$(wc -l <"$T/k")
K=$T/k.a
bad=0 kills=0 left=$total
for i in $(seq 12); do
	arch=$(cat_archive "$K" | wc -l)
	tail -n +$((arch + 1)) "$T/k" >"$T/rest"
	[ -s "$T/rest" ] || break
	mp-archive -d "$K" --max-size=200K <"$T/rest" >"$T/down" 2>"$T/kerr" &
	pid=$!
	sleep "0.0$((RANDOM % 9 + 1))"
	kill -9 $pid 2>/dev/null && kills=$((kills + 1))
	wait $pid 2>/dev/null
	# what went downstream is in the archive once recovered
	mp-archive -d "$K" --maintain 2>>"$T/kerr"
	cat_archive "$K" >"$T/karch"
	n=$(wc -l <"$T/karch")
	head -n "$n" "$T/k" | cmp -s - "$T/karch" ||
	    { bad=1; diag "round $i: the archive is not a prefix of the input"; }
	[ "$(cat "$T/karch" | wc -c)" -ge "$(($(head -n "$arch" "$T/k" | wc -c) +
	    $(wc -c <"$T/down")))" ] ||
	    { bad=1; diag "round $i: passed on more than was archived"; }
	[ "$(temps "$K")" -eq 0 ] ||
	    { bad=1; diag "round $i: a temporary file was not recovered"; }
done
arch=$(cat_archive "$K" | wc -l)
tail -n +$((arch + 1)) "$T/k" | mp-archive -d "$K" >/dev/null
ok $bad "$kills kills -9: the archive is always a prefix of the input and holds what passed on"
cat_archive "$K" | cmp -s - "$T/k"
ok $? "after the kills and a last run, every line archived exactly once"

# --- recovery: a torn tail is cut, an empty file removed, a live one kept
mkdir -p "$T/rec.a/.tmp"
head -10 "$T/ev" | zstd -q --check >"$T/f1"
sed -n 11,20p "$T/ev" | zstd -q --check >"$T/f2"
cat "$T/f1" "$T/f2" >"$T/rec.a/.tmp/2026-11-20T05.torn.ndjson.zst"
head -c 37 "$T/f1" >>"$T/rec.a/.tmp/2026-11-20T05.torn.ndjson.zst"
head -c 20 "$T/f1" >"$T/rec.a/.tmp/2026-11-20.empty.ndjson.zst"
cp "$T/f1" "$T/rec.a/.tmp/2026-11-20T06.live.ndjson.zst"
# a frame whose checksum does not match ends what is kept
cat "$T/f1" "$T/f2" >"$T/rec.a/.tmp/2026-11-20T07.flip.ndjson.zst"
printf 'x' | dd of="$T/rec.a/.tmp/2026-11-20T07.flip.ndjson.zst" bs=1 \
    seek=$(($(stat -c %s "$T/f1") + 20)) conv=notrunc 2>/dev/null
echo junk >"$T/rec.a/.tmp/notours"
flock "$T/rec.a/.tmp/2026-11-20T06.live.ndjson.zst" sleep 3 &
lk=$!
sleep 0.3
run mp-archive -d "$T/rec.a" --maintain --stats="$T/st"
verdict "recovery" "" "torn tail of 37 bytes"
grep -q "notours: not an mp-archive temporary file" "$T/err"
ok $? "a file that is not ours is named and left alone"
zstdcat "$T/rec.a/2026/11/20/05/torn.ndjson.zst" | cmp -s - <(head -20 "$T/ev")
ok $? "a torn tail is cut: the complete frames are kept, in place"
zstdcat "$T/rec.a/2026/11/20/07/flip.ndjson.zst" | cmp -s - <(head -10 "$T/ev")
ok $? "a frame with a bad checksum ends what is kept"
[ ! -e "$T/rec.a/.tmp/2026-11-20.empty.ndjson.zst" ] &&
    [ ! -e "$T/rec.a/2026/11/20/empty.ndjson.zst" ]
ok $? "a file without a complete frame is removed"
[ -e "$T/rec.a/.tmp/2026-11-20T06.live.ndjson.zst" ]
ok $? "a file a live writer holds is left alone"
[ -e "$T/rec.a/.tmp/notours" ]
ok $? "the foreign file is still there"
is "$(stat1 "recovered recovered_lines removed_temp")" \
    "recovered=2 recovered_lines=30 removed_temp=1" "recovery counted"
wait $lk

# --- write errors: exit 74 with the file named; what passed on is archived
# (stdout goes to a reader outside the limit)
mkfifo "$T/fullfifo"
cat "$T/fullfifo" >"$T/out" &
cp=$!
( ulimit -f 1024; trap '' XFSZ; exec mp-archive -d "$T/full.a" --max-size=1G \
    <"$T/big" >"$T/fullfifo" 2>"$T/err" )
rc=$?
wait $cp
is "$rc" 74 "a file size limit (as a full disk): exit 74"
grep -qE "writing .*\.tmp/.*: File too large" "$T/err"
ok $? "the message names the file and the error: $(head -c 200 "$T/err")"
mp-archive -d "$T/full.a" --maintain 2>/dev/null
n=$(wc -c <"$T/out")
[ "$n" -gt 0 ] && cat_archive "$T/full.a" | cmp -s -n "$n" - "$T/out"
ok $? "what passed on before the error ($n bytes) is in the archive"
# standard output a file under the limit, SIGXFSZ left as it comes (mp
# ignores it itself): exit 74 with a message, not death by the signal
( ulimit -f 1024; exec mp-archive -d "$T/fo.a" <"$T/big" >"$T/fo.out" \
    2>"$T/err" )
rc=$?
is "$rc" 74 "standard output over a file size limit: exit 74"
grep -qx "mp-archive: writing stdout: File too large" "$T/err"
ok $? "the message says what failed: $(head -c 200 "$T/err")"
mp-archive -d "$T/fo.a" --maintain 2>/dev/null
n=$(wc -c <"$T/fo.out")
[ "$n" -gt 0 ] && cat_archive "$T/fo.a" | cmp -s -n "$n" - "$T/fo.out"
ok $? "what passed on before the error ($n bytes) is in the archive"
# a line longer than the buffer, streamed into its own frame: the same
{ printf '{"big":"'; head -c 2600000 /dev/urandom | base64 -w0; echo '"}'; } \
    >"$T/huge"
( ulimit -f 1024; exec mp-archive -d "$T/fh.a" <"$T/huge" >/dev/null \
    2>"$T/err" )
rc=$?
is "$rc" 74 "a long line over a file size limit: exit 74"
grep -qE "^mp-archive: writing .*/fh\.a/\.tmp/.*: File too large$" "$T/err"
ok $? "the message names the file: $(head -c 200 "$T/err")"
echo x >"$T/plain"
IN=$T/ev run mp-archive -d "$T/plain/sub"
check "a folder that cannot be made: exit 73" 73 /dev/null "plain/sub"

# --- the reader goes away (| head): what was read is archived, exit 0
mp-archive -d "$T/head.a" <"$T/big" 2>"$T/err" | head -1 >/dev/null
is "${PIPESTATUS[0]}:$(temps "$T/head.a")" "0:0" \
    "the reader of stdout gone: exit 0, files complete"
n=$(cat_archive "$T/head.a" | wc -l)
[ "$n" -ge 1 ] && head -n "$n" "$T/big" | cmp -s - <(cat_archive "$T/head.a")
ok $? "... and what was read is archived ($n lines)"

# --- --prune: old partitions go, recent ones and live files stay
printf '{"ts":"2020-01-01T00:00:00Z"}\n{"ts":"2020-01-02T00:00:00Z"}\n' |
    mp-archive -d "$T/p.a" --by=.ts >/dev/null
head -3 "$T/ev" | mp-archive -d "$T/p.a" >/dev/null
mkdir -p "$T/p.a/2020/01/03/00"
run mp-archive -d "$T/p.a" --prune=30d --maintain --stats="$T/st"
check "--prune=30d" 0 /dev/null ""
is "$(stat1 pruned)" "pruned=2" "--prune: the old files are removed"
[ ! -e "$T/p.a/2020/01/01/00" ] && [ ! -e "$T/p.a/2020/01/03/00" ]
ok $? "--prune: emptied old partition folders are removed"
cat_archive "$T/p.a" | cmp -s - <(head -3 "$T/ev")
ok $? "--prune: this hour's file stays"

# --maintain does not read its input
echo '{"x":1}' >"$T/one"
IN=$T/one run mp-archive -d "$T/m.a" --maintain
check "--maintain reads nothing" 0 /dev/null ""
is "$(files "$T/m.a" | wc -l)" 0 "--maintain archives nothing"

# --- two writers on one folder keep apart
scripts/gen-events -n 20000 --seed 10 >"$T/w2" 2>/dev/null
mp-archive -d "$T/two.a" --max-size=100K <"$T/big" >/dev/null &
p1=$!
mp-archive -d "$T/two.a" --max-size=100K <"$T/w2" >/dev/null
wait $p1
cmp -s <(cat "$T/big" "$T/w2" | sort) <(cat_archive "$T/two.a" | sort)
ok $? "two runs at once on one folder: each line once"

# --- replay: zstdcat of the archive through a stage gives what the
# original run did
mp-validate -r .event_id,.ts <"$T/evb" >"$T/v1" 2>/dev/null
zstdcat $(files "$T/size.a") >/dev/null
cat_archive "$T/by.a" | sort >"$T/sorted.by"
mp-validate -r .event_id,.ts <"$T/sorted.by" >"$T/v2" 2>/dev/null
cmp -s <(sort "$T/v1") "$T/v2"
ok $? "zstdcat DIR/... | mp-validate gives the original run's records"
mp-archive -d "$T/rp.a" <"$T/big" | mp-validate -r .event_id >"$T/v3" 2>/dev/null
zstdcat "$T"/rp.a/*/*/*/*/*.zst | mp-validate -r .event_id >"$T/v4" 2>/dev/null
cmp -s "$T/v3" "$T/v4"
ok $? "arrival order: the replay is byte for byte the original output"

# --- options
run mp-archive
check "no --dir: usage, 64" 64 /dev/null "dir is required"
head -3 "$T/ev" >"$T/f1"
sed -n 4,5p "$T/ev" >"$T/f2"
IN=$T/f2 run mp-archive -d "$T/files.a" "$T/f1" - "$T/f1"
check "file arguments, and - for stdin, in turn" 0 \
    <(cat "$T/f1" "$T/f2" "$T/f1") ""
cat_archive "$T/files.a" | cmp -s - <(cat "$T/f1" "$T/f2" "$T/f1")
ok $? "file arguments: archived in turn"
run mp-archive -d "$T/x" --partition=week
check "--partition=week: 64" 64 /dev/null "hour or day"
run mp-archive -d "$T/x" --level=99
check "--level=99: 64" 64 /dev/null "level"
run mp-archive -d "$T/x" --max-age=0s
check "--max-age=0s: 64" 64 /dev/null "max-age"
run mp-archive -d "$T/x" --flush=0s
check "--flush=0s: 64" 64 /dev/null "flush"
run mp-archive -d "$T/x" --max-size=1
check "--max-size=1: 64" 64 /dev/null "max-size"
run mp-archive -d "$T/x" --max-open=0
check "--max-open=0: 64" 64 /dev/null "max-open"
run mp-archive -d "$T/x" --host=a/b
check "--host with a slash: 64" 64 /dev/null "host"
run mp-archive -d "$T/x" --by='.['
check "--by with a bad path: 64" 64 /dev/null "by"
run mp-archive -d "$T/x" --s3=http://x
check "--s3 not s3://: 64" 64 /dev/null "s3://bucket"
run mp-archive --help
[ "$rc" -eq 0 ] && grep -q "usage: mp-archive" "$T/out"
ok $? "--help"
run mp-archive --version
check "--version" 0 <(echo "mp-archive $(mp-validate --version | cut -d' ' -f2)") ""
printf -- '--dir=%s\n--max-size=64K\n' "$T/kf.a" >"$T/conf"
IN=$T/big run mp-archive -K "$T/conf" --metrics="$T/prom"
check "-K: options from a file" 0 "$T/big" ""
[ "$(files "$T/kf.a" | wc -l)" -ge 3 ]
ok $? "-K: its --max-size is used"
grep -q '^mp_files_total{prog="mp-archive"} [0-9]' "$T/prom"
ok $? "--metrics: mp_files_total"
IN=$T/big run mp-archive -d "$T/pg.a" --progress --log-format=json
[ "$rc" -eq 0 ]
ok $? "--progress and --log-format=json"
IN=$T/big run mp-archive -d "$T/np.a" --no-progress
check "--no-progress" 0 "$T/big" ""

done_testing
