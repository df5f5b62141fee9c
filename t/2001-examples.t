#!/bin/bash
# Every command in the EXAMPLES of every man page runs, as written, in a
# folder holding the files of examples/ (events, schemas, option file) and
# a day of archive made from them.
. "$(dirname "$0")/lib.sh"

w=$T/w
mkdir -p "$w/archive/2026/11/20/13"
cp -R "$top/examples/." "$w/"
ln -s "$top/examples" "$w/examples"
zstd -q "$w/events.ndjson" -o "$w/archive/2026/11/20/13/host-1-1.ndjson.zst"

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

mkdir "$T/blocks"
i=0
for page in "$top"/man/*.[0-9]; do
	blocks "$page" | awk -v dir="$T/blocks" -v page="$(basename "$page")" -v base="$i" '
		BEGIN { RS = "\036\n"; n = base }
		/^(mp-|zstdcat|jq|cat)/ {
			f = sprintf("%s/%03d %s", dir, ++n, page); printf "%s\n", $0 > f; close(f)
		}
		END { print n > (dir "/.count") }'
	i=$(cat "$T/blocks/.count")
done

for b in "$T"/blocks/[0-9]*; do
	page=${b##* }
	(cd "$w" && bash -e -o pipefail "$b") >"$T/out" 2>"$T/err"
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
	is "$rc" "$want" "$page: $(head -n 1 "$b")"
	[ "$rc" = "$want" ] || diag "$(head -c 300 "$T/err")"
done
[ "$i" -ge 8 ]
ok $? "the man pages have at least 8 example commands ($i)"
done_testing
