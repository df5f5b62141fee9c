#!/bin/bash
# Option tables (opt.h): every kind of option and its parse errors, which
# name the form expected; --help with a line for every option; -K option
# files in place, with file names relative to the option file (mp.7,
# Option files); an optional argument that never swallows a file name; the
# progress line of a pipeline.  t/0012-opt is a tool with one option of
# every kind.
. "$(dirname "$0")/lib.sh"

opt=$top/t/0012-opt
cd "$T" || exit 1

# --- kinds
run "$opt" -f -n 5 -z 4k -d 1h30m -m 12.5 -c b --str=x --path=p \
    --s3-endpoint=http://s3.test --s3-region=eu-west-1 --s3-addressing=path \
    --s3-part-size=8M --s3-retries=0 a -- -b
cat >want <<X
flag=7 num=5 size=4096 dur=5400000000 money=12500000 choice=1
str=x path=p calls=0
rejects=(null) stats=(null) strict=0 max_record=0 progress=0
s3 endpoint=http://s3.test region=eu-west-1 style=1 part=8388608 retries=-1
operand=a
operand=-b
X
check "every kind of option, the --s3-* entries, operands after --" 0 want ""

# usage errors: the option, the value, the form expected; usage; 64
bad() {
	local name=$1 want=$2; shift 2
	run "$opt" "$@"
	[ "$rc" = 64 ] && [ ! -s out ] && grep -q '^usage: 0012-opt ' err &&
	    grep -qF -- "0012-opt: $want" err
	ok $? "$name"
	[ "$rc" = 64 ] || diag "status $rc"
	grep -qF -- "$want" err || diag "stderr: $(head -c 300 err)"
}
bad "INT out of range" "--num: '0': too small (1 to 100)" -n 0
bad "INT not a number" "--num: '5x': not a whole number (1 to 100)" --num=5x
bad "SIZE" "--size: '12x': not a size such as 512, 64k, 1M or 2G (1K to 1G)" \
    -z 12x
bad "SIZE out of range" "--size: '2G': too large (1K to 1G)" --size=2G
bad "DURATION" "--dur: '48': not a duration such as 48h, 30m, 2d or 1h30m" \
    --dur=48
bad "DURATION out of range" "--dur: '3d': too large (1s to 2d)" -d 3d
bad "MONEY" "--money: 'ten': not an amount such as 12, 0.50 or 1999.99" \
    -m ten
bad "MONEY places" "--money: '1.1234567': more than 6 decimal places" \
    --money=1.1234567
bad "CHOICE" "--choice: 'd': want a, b or c" -c d
bad "CALL" "--call: 'bad': not a good one" --call=bad
bad "common SIZE" "--max-record: '1': too small (2 to 1G)" --max-record=1
bad "common CALL" "--log-format: 'xml': want text or json" --log-format=xml
bad "s3 entry" "--s3-addressing: 'sideways': path or virtual" \
    --s3-addressing=sideways
bad "s3 entry, range" "--s3-part-size: '1M': too small (5M to 5G)" \
    --s3-part-size=1M
bad "a missing argument" "option '--num' requires an argument" --num
run "$opt" --no-such
[ "$rc" = 64 ] && grep -q "unrecognized option '--no-such'" err &&
    grep -q '^usage: 0012-opt ' err
ok $? "an unknown option: getopt's message, the usage, 64"

# --- --help
helpcols() {
	# the column each option's line starts at, for lines not wrapped
	sed -n '/^Options:$/,/^$/p' "$1" |
	    grep -E '^  (-[A-Za-z0-9], |    )--[^ ]+  +[^ ]' |
	    awk '{ match($0, /^  (-[A-Za-z0-9], |    )--[^ ]+  +/);
		print RLENGTH }' | sort -u
}
run "$opt" --help
[ "$rc" = 0 ] && [ ! -s err ] && grep -q '^usage: 0012-opt ' out &&
    [ "$(sed -n '/^Options:$/,/^$/p' out | grep -c -- '--')" = 26 ]
ok $? "--help: the usage, then the tool's options and the common ones"
[ "$(helpcols out | wc -l)" = 1 ]
ok $? "--help: the lines aligned"
grep -q '^      --s3-addressing=path|virtual$' out &&
    grep -A1 -- '--s3-addressing=path|virtual$' out |
    grep -qE '^ {30}the bucket'
ok $? "--help: a long option's line goes under the others"
for t in mp-validate mp-botfilter mp-dedup mp-reconcile; do
	run "$t" --help
	[ "$rc" = 0 ] && [ "$(helpcols out | wc -l)" = 1 ] &&
	    ! sed -n '/^Options:$/,$p' out | grep -q '.\{81\}'
	ok $? "$t --help: every option with a line, aligned, in 80 columns"
done
run mp-validate --help
! grep -q -- '--dropped' out
ok $? "mp-validate --help: no --dropped, that it has no use for"

OPT_NOCFG=1 run "$opt" --help
[ "$rc" = 0 ] && grep -q -- '--log-format=' out && grep -q -- '--config=' out &&
    ! grep -qE -- '--(rejects|stats|strict|max-record|progress)' out
ok $? "a tool without records: only -h, -V, -K and --log-format are added"
OPT_NOCFG=1 run "$opt" --rejects=x
[ "$rc" = 64 ] && grep -q "unrecognized option '--rejects=x'" err
ok $? "a tool without records: --rejects is not an option"

# --- option files: in place, later options win
mkdir -p sub/inner
printf 'num = 5\n-c a\n' >sub/c.conf
run "$opt" -n 7 -K sub/c.conf -c b
grep -q '^flag=0 num=5 .* choice=1$' out
ok $? "-K: its options in place; later ones on the command line win"
run "$opt" --config=sub/c.conf -n 9 x y
grep -q 'num=9 .* choice=0$' out && grep -qx 'operand=x' out &&
    grep -qx 'operand=y' out
ok $? "--config=FILE, then options and operands"

# --- file names in option files: relative to the option file
printf 'path = data/x.ndjson\nrejects = rej.ndjson\nstats = st.json\ncall = c\nconfig = inner/d.conf\n' \
    >sub/c.conf
printf 'str = s\n--call=d\n' >sub/inner/d.conf
run "$opt" -K sub/c.conf
grep -qx 'str=s path=sub/data/x.ndjson calls=2' out &&
    grep -q '^rejects=sub/rej.ndjson stats=sub/st.json ' out
ok $? "-K: PATH values and --rejects/--stats relative to the option file"
grep -qx 'call=c from=sub/c.conf' out &&
    grep -qx 'call=d from=sub/inner/d.conf' out
ok $? "-K: an option file named in another is relative to it (mp_opt_file)"
run "$opt" -K "$T/sub/c.conf"
grep -qx "str=s path=$T/sub/data/x.ndjson calls=2" out
ok $? "-K with an absolute name: values relative to its folder"
printf 'path = /abs/x\nrejects = -\n' >sub/c.conf
run "$opt" -K sub/c.conf --str=rel
grep -q 'str=rel path=/abs/x ' out && grep -q '^rejects=- ' out
ok $? "-K: an absolute name and - stay; the command line's names too"
printf 'path = p\n' >c2.conf
run "$opt" -K c2.conf
grep -q ' path=p ' out
ok $? "-K: an option file in the current folder gives names as they are"

# the same with the tools: an option file and its files move together
mkdir -p ex
cp -R "$top/examples/schemas" "$top/examples/validate.conf" \
    "$top/examples/events.ndjson" ex/
(cd ex && mp-validate -K validate.conf events.ndjson >../v1 2>../err1)
rc1=$?
mv ex/rejects.ndjson rej1
mp-validate -K ex/validate.conf ex/events.ndjson >v2 2>err2
rc2=$?
[ "$rc1" = 0 ] && [ "$rc2" = 0 ] && [ -s v1 ] && cmp -s v1 v2 &&
    cmp -s <(jq -c '[.line, .reason]' rej1) \
    <(jq -c '[.line, .reason]' ex/rejects.ndjson) && [ -s ex/mp-validate.prom ] &&
    [ ! -s err1 ] && [ ! -s err2 ]
ok $? "examples/validate.conf works from examples/ and from its parent"

mkdir -p cfg/lists cfg/st
printf 'http-library curl/\n' >cfg/lists/ua.list
printf '10.0.0.0/8\n' >cfg/lists/dc.cidr
printf 'no-default-list\nua-list = lists/ua.list\ncidr-list = dc=lists/dc.cidr\ntag = flag\n' \
    >cfg/bf.conf
printf '{"ua":"curl/8"}\n{"ua":"Firefox","ip":"10.0.0.1"}\n{"ua":"Firefox"}\n' >in
run mp-botfilter -K cfg/bf.conf in
is "$(jq -r '.flag.reason // "-"' out | paste -sd' ')" "ua:http-library ip:dc -" \
    "mp-botfilter -K: list files relative to the option file"
printf 'key = .id\nstate = st/dedup.state\n' >cfg/dd.conf
printf '{"id":1}\n{"id":1}\n{"id":2}\n' >in
run mp-dedup -K cfg/dd.conf in
[ "$rc" = 0 ] && [ "$(wc -l <out)" = 2 ] && [ -s cfg/st/dedup.state ]
ok $? "mp-dedup -K: the state relative to the option file"
printf '{"k":"a","v":"1.00"}\n' >cfg/theirs.ndjson
printf 'key = k\namount = v\ntheirs = theirs.ndjson\n' >cfg/rec.conf
printf '{"k":"a","v":"1.00"}\n' >ours.ndjson
run mp-reconcile -K cfg/rec.conf ours.ndjson
check "mp-reconcile -K: their side relative to the option file" 0 /dev/null ""

# --- an optional argument takes its value with '=' only
printf '{"a":1}\n' >in.ndjson
printf '{"prog":"mp-validate","records_in":1}\n' >old.json
for t in $(cd "$top/cmd" && ls mp-*.c | sed 's/\.c$//'); do
	IN=in.ndjson run "$t" --stats st.json
	[ "$rc" = 64 ] && [ ! -s out ] && [ ! -e st.json ] &&
	    grep -qF -- "$t: --stats takes its file with '=': --stats=st.json" err
	ok $? "$t --stats st.json: refused, 64, not read as input"
done
run mp-validate --stats old.json
[ "$rc" = 64 ] && [ ! -s out ] && grep -qF -- "--stats=old.json" err
ok $? "--stats FILE.json that exists: refused too"
run mp-validate --stats newname
[ "$rc" = 64 ] && grep -qF -- "--stats=newname" err
ok $? "--stats NAME that does not exist: refused"
run mp-validate --stats=st.json in.ndjson
[ "$rc" = 0 ] && cmp -s out in.ndjson && jq -e '.records_in == 1' st.json \
    >/dev/null
ok $? "--stats=FILE"
run mp-validate --stats in.ndjson
[ "$rc" = 0 ] && cmp -s out in.ndjson && jq -e '.records_in == 1' err \
    >/dev/null
ok $? "--stats before an input that is not a .json name: stats to stderr"
run mp-validate in.ndjson --stats
[ "$rc" = 0 ] && cmp -s out in.ndjson && jq -e '.records_in == 1' err \
    >/dev/null
ok $? "--stats after the files"
run mp-validate --stats /dev/null
[ "$rc" = 0 ] && [ ! -s out ] && jq -e '.records_in == 0' err >/dev/null
ok $? "--stats before a device: read as input"
run mp-validate --stats - <in.ndjson
[ "$rc" = 0 ] && jq -e '.records_in == 0' err >/dev/null
ok $? "--stats before -: an option-like word is not a file name"
printf 'stats\n' >s.conf
run mp-validate -K s.conf in.ndjson
[ "$rc" = 0 ] && cmp -s out in.ndjson && jq -e '.records_in == 1' err \
    >/dev/null
ok $? "a bare stats line in an option file: stderr, the files still read"
run "$opt" --call x.json
[ "$rc" = 64 ] && grep -qF -- "--call takes its x with '=': --call=x.json" err
ok $? "any optional argument: the message names its form"
run mp-botfilter --no-default-list --ua-missing=pass --tag=why in.ndjson
[ "$rc" = 0 ] && cmp -s out in.ndjson
ok $? "mp-botfilter --tag=name"

# --- the progress line
gen() { seq "$1" "$2" | sed 's/.*/{"event_id":"&"}/'; }
{ gen 1 4096; sleep 0.8; gen 4097 8192; } |
    mp-validate --progress >/dev/null 2>err
grep -aqE 'mp-validate: [0-9]+ records, [0-9.]+ MiB, [0-9.]+ MiB/s, 0 rejected' err &&
    ! grep -aq 'MB/s' err
ok $? "--progress: the tool's name, MiB and MiB/s"
if ! command -v script >/dev/null; then
	ok 0 "a pipeline on a terminal # SKIP no script(1)"
	done_testing
	exit
fi
{ gen 1 4096; sleep 0.8; gen 4097 8192; } >slow.in
slow='{ head -n 4096 slow.in; sleep 0.8; tail -n 4096 slow.in; }'
script -qec "$slow | mp-validate | mp-dedup >/dev/null" /dev/null >tty 2>&1
grep -aq 'mp-dedup: [0-9]* records' tty && ! grep -aq 'mp-validate: ' tty
ok $? "on a terminal, a pipeline: only the last stage draws its line"
[ -s tty ] || diag "script wrote nothing"
script -qec "$slow | mp-validate --progress | mp-dedup >/dev/null" /dev/null \
    >tty 2>&1
grep -aq 'mp-dedup: [0-9]* records' tty && grep -aq 'mp-validate: ' tty
ok $? "on a terminal, --progress on an earlier stage: it draws too"
script -qec "$slow | mp-validate --no-progress >/dev/null" /dev/null >tty 2>&1
! grep -aq 'mp-validate: ' tty
ok $? "--no-progress"

done_testing
