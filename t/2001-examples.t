#!/bin/bash
# Every command in the EXAMPLES of every man page runs, as written, in a
# folder holding the files of examples/ (events, schemas, option files) and
# a day of archive made from them; a crontab entry runs as cron would run
# it.  Pages with examples of mp-load or psql get a PostgreSQL server of
# their own (pg_start); an option file shown in a page is the one in
# examples/.
. "$(dirname "$0")/lib.sh"

w=$T/w
arc=archive/2026/11/20/13/host-1-1.ndjson.zst
mkdir -p "$w/${arc%/*}"
cp -R "$top/examples/." "$w/"
ln -s "$top/examples" "$w/examples"
zstd -q "$w/events.ndjson" -o "$w/$arc"
# crontab entries read the archive of the hour before (HOUR/*.zst) and of
# the day before (DAY/*/*.zst); between 00:00 and 01:00 both are yesterday
hour=$(date -u -d '1 hour ago' +%Y/%m/%d/%H)
day=$(date -u -d yesterday +%Y/%m/%d)
mkdir -p "$w/archive/$hour" "$w/archive/$day/00"
cp "$w/$arc" "$w/archive/$hour/"
cp "$w/$arc" "$w/archive/$day/00/"

# Prints the literal blocks of the EXAMPLES section of an mdoc page, one
# per paragraph, unescaped; blocks that are file contents (a schema, a
# record, an option file) start with something that is not a command.
blocks() {
	awk '
	/^\.Sh EXAMPLES/ { ex = 1; next }
	/^\.Sh / { ex = 0 }
	ex && /^\.Bd -literal/ { lit = 1; next }
	ex && /^\.Ed/ { lit = 0; print "\036"; next }
	ex && lit {
		gsub(/\\e/, "\\"); gsub(/\\\(dq/, "\""); gsub(/\\&/, "")
		print
	}' "$1"
}

# Commands start with a program; a crontab starts with a variable or the
# time fields of an entry.  An option file starts "# mp-NAME -K FILE".
mkdir "$T/blocks" "$T/files"
i=0
for page in "$top"/man/*.[0-9]; do
	blocks "$page" | awk -v dir="$T/blocks" -v files="$T/files" \
	    -v page="$(basename "$page")" -v base="$i" '
		BEGIN { RS = "\036\n"; n = base }
		/^(mp-|zstdcat|jq|cat|psql|[A-Z_]+=|[0-9*@])/ {
			f = sprintf("%s/%03d %s", dir, ++n, page); printf "%s\n", $0 > f; close(f)
		}
		/^# mp-[a-z]+ -K [^ \n]+\n/ {
			f = sprintf("%s/%03d %s", files, ++m, page); printf "%s", $0 > f; close(f)
		}
		END { print n > (dir "/.count") }'
	i=$(cat "$T/blocks/.count")
done

if grep -qE '(^|[|&;] *)(mp-load|psql) ' "$T"/blocks/[0-9]*; then
	pg_start
fi

# The APIs that mp-fetch's examples name are the loopback mock of t/,
# reached as an HTTP proxy: the examples keep their real-looking URLs.
# The partners' answers kept in examples/revenue are files it serves.
if grep -qE '(^|[|&;] *)(mp-fetch|curl) ' "$T"/blocks/[0-9]*; then
	mkdir -p "$T/www/v1"
	cp "$top/examples/revenue/shopx-transactions.json" \
	    "$T/www/v1/transactions.json"
	"$top/t/mock-network" --port 0 --port-file "$T/mock.port" \
	    --files "$T/www" >"$T/mock.log" 2>&1 &
	at_exit "kill $! 2>/dev/null"
	waitfor "$T/mock.port" t/mock-network
	export http_proxy=http://127.0.0.1:$(cat "$T/mock.port")
	export TRACKER_KEY=example-key SHOPX_KEY=example-key
	export no_proxy= NO_PROXY=
fi

# The buckets of mp-archive's and mp-fetch's examples are s3rver's, behind
# the checking proxy (s3_start exports the AWS_* variables)
if grep -qE 's3://' "$T"/blocks/[0-9]*; then
	s3_start
	# by a name of its own, that the mock's proxy is not asked for
	export AWS_ENDPOINT_URL=http://s3.localhost:$S3_PROXY_PORT
	export no_proxy=s3.localhost NO_PROXY=s3.localhost
fi

# A crontab block runs as cron(8) would: NAME=value lines set the
# environment, SHELL the shell (/bin/sh unless set), and each entry runs
# the command after its time fields with that shell, \% as %.  A bare %
# would end the command and feed the rest to it as input: an error here.
# /srv/mp, where the crontabs keep their files, is the examples' folder.
cron() (
	SHELL=/bin/sh
	while IFS= read -r line; do
		case $line in
		'' | '#'*) continue ;;
		[A-Za-z_]*=*) export "${line%%=*}=${line#*=}"; continue ;;
		@*) cmd=${line#* } ;;
		*) cmd=$(printf '%s\n' "$line" | sed -E 's/^([^ \t]+[ \t]+){5}//') ;;
		esac
		case $cmd in
		%* | *[!\\]%*) echo "a bare % in the crontab entry" >&2; exit 1 ;;
		esac
		cmd=${cmd//\\%/%}
		cmd=${cmd//\/srv\/mp/$w}
		(cd "$w" && "$SHELL" -c "$cmd") || exit
	done <"$1"
)

for b in "$T"/blocks/[0-9]*; do
	page=${b##* }
	if head -n 1 "$b" | grep -qE '^([A-Z_]+=|[0-9*@])'; then
		cron "$b"
	else
		(cd "$w" && bash -e -o pipefail "$b")
	fi >"$T/out" 2>"$T/err"
	rc=$?
	# The sample has bad records: a block with an mp-validate that keeps
	# no rejects file, or runs with --strict, ends with 65 (pipefail).
	want=0
	while read -r cmd; do
		case $cmd in
		mp-validate*--strict*) want=65 ;;
		mp-validate*rejects*|mp-validate*-K*) ;;
		mp-validate*) want=65 ;;
		esac
	done < <(awk '{ if (sub(/\\$/, "")) printf "%s", $0; else print }' "$b" |
	    tr '|' '\n' | sed 's/^ *//')
	# | head closes the pipe early: what writes into it may die of SIGPIPE
	[ "$rc" = 141 ] && grep -q '| *head' "$b" && rc=$want
	is "$rc" "$want" "$page: $(grep -v '^[A-Z_]*=' "$b" | head -n 1)"
	[ "$rc" = "$want" ] || diag "$(head -c 300 "$T/err")"
done
[ "$i" -ge 8 ]
ok $? "the man pages have at least 8 example commands ($i)"

for f in "$T"/files/[0-9]*; do
	[ -e "$f" ] || continue
	name=$(head -n 1 "$f" | sed 's/.* -K //')
	cmp -s "$f" "$top/examples/$name"
	ok $? "${f##* }: $name is examples/$name"
done
done_testing
