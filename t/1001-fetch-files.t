#!/bin/bash
# mp-fetch on the files networks send (mp-fetch.1, Files): every encoding,
# every compression and every kind of CSV, from local files, file:// URLs
# and standard input.  Each fixture is made here, and each lands exactly
# the rows it holds, or fails with a clear message and writes nothing.
. "$(dirname "$0")/lib.sh"
[ -x "$top/cmd/mp-fetch" ] || skip_all "cmd/mp-fetch is not built"
for c in python3 gzip zstd iconv; do
	command -v $c >/dev/null || skip_all "$c is not installed"
done


cd "$T" || exit 1

# --- the fixtures: bytes as networks send them
python3 - <<'EOF' || { echo "Bail out! cannot make the fixtures"; exit 1; }
import gzip, io, os, zipfile, zlib, subprocess

def w(name, data):
    if isinstance(data, str):
        data = data.encode()
    with open(name, "wb") as f:
        f.write(data)

def gz(data):
    return gzip.compress(data, mtime=0)

def zst(data):
    return subprocess.run(["zstd", "-q", "-c"], input=data,
                          stdout=subprocess.PIPE, check=True).stdout

def zipped(entries, seekable=True):
    b = io.BytesIO()
    if seekable:
        z = zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED)
    else:
        class Stream(io.RawIOBase):        # no seek, no tell: data descriptors
            def writable(self): return True
            def write(self, d): b.write(d); return len(d)
        z = zipfile.ZipFile(Stream(), "w", zipfile.ZIP_DEFLATED)
    for name, data in entries:
        if isinstance(data, str):
            data = data.encode()
        if name.endswith("/"):
            z.writestr(zipfile.ZipInfo(name), b"")
        elif seekable:
            z.writestr(name, data)
        else:
            with z.open(name, "w") as e:
                e.write(data)
    z.close()
    return b.getvalue()

text = "name,city\nRenée,Zürich €\nJoão,Málaga\n"
base = b"a,b\n1,x\n2,y\n"
w("utf8.csv", text)
w("utf8-bom.csv", b"\xef\xbb\xbf" + text.encode())
w("utf16le.csv", b"\xff\xfe" + text.encode("utf-16-le"))
w("utf16be.csv", b"\xfe\xff" + text.encode("utf-16-be"))
w("utf16le-nobom.csv", text.encode("utf-16-le"))
w("cp1252.csv", text.encode("cp1252"))
latin = "name,city\nRenée,Zürich\nJoão,Málaga\n"
w("latin1.csv", latin.encode("latin-1"))
w("bad-cp1252.csv", b"a,b\n1,x\n2,y\x81\n3,z\n")
w("bad-utf8.csv", b"a,b\n1,x\n2,y\xc3\x28\n3,z\n")
w("odd-utf16.csv", b"\xff\xfe" + "a,b\n1,x\n2,y".encode("utf-16-le") + b"z")

w("base.csv", base)
w("base.csv.gz", gz(base))
w("multi.csv.gz", gz(b"a,b\n1,x\n") + gz(b"2,y\n3,z\n"))
g = gz(base)
w("truncated.csv.gz", g[:-10])
crc = bytearray(g)
crc[-8] ^= 0xff
w("badcrc.csv.gz", bytes(crc))
w("base.csv.zst", zst(base))
w("frames.csv.zst", zst(b"a,b\n1,x\n") + zst(b"2,y\n3,z\n"))
z = zst(base)
w("truncated.csv.zst", z[:-3])
w("two.zip", zipped([("first.csv", b"a,b\n1,x\n2,y\n"),
                     ("second.csv", b"a,b\n3,z\n4\n5,w\n")]))
w("stream.zip", zipped([("data.csv", base)], seekable=False))
w("slip.zip", zipped([("../x.csv", base)]))
w("slip-abs.zip", zipped([("/tmp/x.csv", base)]))
w("slip-mixed.zip", zipped([("good.csv", base), ("../x.csv", base)]))
w("bomb.zip", zipped([("zeros.csv", b"a,b\n" + b"\0" * (50 << 20))]))
w("bomb.csv.gz", gzip.compress(b"a,b\n" + b"\0" * (50 << 20), 9, mtime=0))
w("mac.zip", zipped([("data/", b""), ("data/data.csv", base),
                     ("__MACOSX/data/._data.csv", b"\0\5\26\7junk,\xff\n"),
                     ("._data.csv", b"\0\5\26\7junk\xff\n")]))
zb = bytearray(zipped([("data.csv", base * 20)]))
zb[40] ^= 0xff                           # inside the deflated data
w("corrupt.zip", bytes(zb))
w("types.zip", zipped([("t.tsv", b"a\tb\n1\tx\n")]))
w("types.tsv.gz", gz(b"a\tb\n1\tx\n"))
w("types.tsv.zst", zst(b"a\tb\n1\tx\n"))
w("types.json.gz", gz(b'[{"a":"1","b":"x"}]'))

w("rfc.csv", b'a,b,c\r\n"x, y","say ""hi""","line1\nline2"\r\n'
             b'plain,,last\r\n"",",",""""\r\n')
w("tab.tsv", b'a\tb\tc\n1\t"q"\tx,y\n2\t\t"\n')
w("semi.csv", b"a;b\n1;x,y\n2;z\n")
w("pipe.csv", b"a|b\n1|x;y\n2|z\n")
w("sep-hint.csv", b"sep=;\r\na;b\r\n1;x,y\r\n2;z\r\n")
w("title.csv", b"Spend report 20.11.2026\nNetwork: Example\na,b\n1,x\n2,y\n")
w("footer.csv", b"Campaign,Spend\nA,1\nB,2\nTotal,3\n")
w("ragged.csv", b"a,b\n1,x\n2\n3,y,extra\n4,z\n")
w("unterminated.csv", b'a,b\n1,x\n2,"open\n3,y\n')
w("decimal.csv", b'x;m\n12,50;3,10\n-0,5;1000000,123456\n')
w("typed.csv",
  b"i,n,m,b,d,t\n"
  b"42,3.14,0.42,yes,20.11.2026,2026-11-20T10:00:00+01:00\n"
  b"-7,12345678901234567890,10,0,01.01.2026,2026-11-20T09:00:00Z\n"
  b"0,-0.5,-1.5,false,31.12.2025,2026-11-20T09:00:00.5Z\n"
  b",,,,,\n")
w("typed-bad.csv",
  b"i,n,m,b,d,t\n"
  b"1,1,1,true,20.11.2026,2026-11-20T09:00:00Z\n"
  b"4.5,1,1,true,20.11.2026,2026-11-20T09:00:00Z\n"
  b"1,abc,1,true,20.11.2026,2026-11-20T09:00:00Z\n"
  b"1,1,0.1234567,true,20.11.2026,2026-11-20T09:00:00Z\n"
  b"1,1,1,maybe,20.11.2026,2026-11-20T09:00:00Z\n"
  b"1,1,1,true,2026-11-20,2026-11-20T09:00:00Z\n"
  b"1,1,1,true,20.11.2026,yesterday\n"
  b"2,2,2,no,21.11.2026,2026-11-21T09:00:00Z\n")
w("dup.csv", b"a,b,a\n1,2,3\n")
w("csv-in.txt", base)
w("json-in.csv", b'[{"a":"1","b":"x"},{"a":"2","b":"y"}]')
w("csv-noname", base)
w("arr.json", b'[{"a":"1","b":"x"},{"a":"2","b":"y"}]')
w("obj.json", b'{"a":"1","b":"x"}')
w("lines.ndjson", b'{"a":"1","b":"x"}\n{"a":"2","b":"y"}\n')
w("lines.jsonl", b'{"a":"1","b":"x"}\n{"a":"2","b":"y"}\n')
w("exact.json", b'[{"a":0.1,"b":12345678901234567890,"c":1.10,'
                b'"d":1e400,"e":-0.0}]')
# never partial data: a bad checksum late in the file
w("multi-badcrc.csv.gz", gz(b"a,b\n1,x\n") + bytes(crc))
f2 = bytearray(zst(b"2,y\n3,z\n"))
f2[-1] ^= 0xff                           # the frame's content checksum
w("frames-bad.csv.zst", zst(b"a,b\n1,x\n") + bytes(f2))
big = b"i,v\n" + b"".join(b"%d,row %d\n" % (i, i) for i in range(300000))
w("big.csv.gz", gz(big))
bb = bytearray(gz(big))
bb[-8] ^= 0xff
w("big-badcrc.csv.gz", bytes(bb))
zs = io.BytesIO()
with zipfile.ZipFile(zs, "w", zipfile.ZIP_STORED) as zz:
    zz.writestr("first.csv", b"a,b\n1,x\n2,y\n")
    zz.writestr("second.csv", b"a,b\n3,z\n")
zs = bytearray(zs.getvalue())
w("stored.zip", bytes(zs))
zs[zs.index(b"3,z")] ^= 0x01             # stored: the data, so the CRC fails
w("stored-badcrc.zip", bytes(zs))
w("plain.csv.gz", base)
w("gzip.csv.zst", gz(base))
w("excel.txt", b"\xff\xfe" + "name\tcity\nRenée\tZürich €\nJoão\tMálaga\n"
                                  .encode("utf-16-le"))
w("bom-sep.csv", b"\xef\xbb\xbfsep=;\r\na;b\r\n1;x,y\r\n2;z\r\n")
w("arr16.json", b"\xff\xfe" + '[{"a":"1","b":"x"},{"a":"2","b":"y"}]'
                                 .encode("utf-16-le"))
w("lines.csv", b'Title\n\na,b\n"1\n2",x\n3\n4,y\n')
w("blank.csv", b"a,b\n1,x\n\n2,y")
w("exact.ndjson", b'{"a":0.1,"b":12345678901234567890}\n')
w("empty.csv", b"")
w("empty.csv.gz", gz(b""))
w("header.csv", b"a,b\r\n")
w("header.tsv", b"a\tb\n")
w("title-only.csv", b"Spend report 20.11.2026\na,b\n")
w("empty.json", b"[]")
w("quoted.tsv", b'a\tb\tc\n"say ""hi"""\t"line1\nline2"\t"x\ty"\n'
                b'plain\t\t"it\'s"\n')
w("quoted.txt", b'a\tb\tc\n"say ""hi"""\t"line1\nline2"\t"x\ty"\n'
                b'plain\t\t"it\'s"\n')
EOF

# want NAME: the records expected, one JSON value a line from stdin, in
# $T/want.NAME
want() { cat >"$T/want.$1"; }
# lands NAME WANT MP-FETCH-ARGS...: exit 0, nothing on stderr, and stdout
# holds exactly the records of want.WANT (fetched_at aside), in order
lands() {
	local name=$1 w=$2 bad=
	shift 2
	run mp-fetch "$@"
	[ "$rc" = 0 ] || bad="status $rc, want 0"
	if [ -z "$bad" ] && ! jq -e 'has("fetched_at")' "$T/out" \
	    >/dev/null 2>&1; then
		bad="no fetched_at"
	fi
	if [ -z "$bad" ] && ! cmp -s <(jq -S -c 'del(.fetched_at)' "$T/out") \
	    <(jq -S -c . "$T/want.$w"); then
		bad="records differ: want $(jq -S -c . "$T/want.$w" | head -c 300)"
	fi
	verdict "$name" "$bad" ""
}
# fails NAME RC ERR-PATTERN MP-FETCH-ARGS...: exit RC ("!0": any but 0),
# a message matching ERR-PATTERN, nothing on stdout
fails() {
	local name=$1 wrc=$2 werr=$3 bad=
	shift 3
	run mp-fetch "$@"
	case $wrc in
	!0) [ "$rc" != 0 ] || bad="status 0, want a failure" ;;
	*) [ "$rc" = "$wrc" ] || bad="status $rc, want $wrc" ;;
	esac
	[ -z "$bad" ] && [ -s "$T/out" ] && bad="stdout not empty"
	verdict "$name" "$bad" "$werr"
}

want base <<'EOF'
{"a":"1","b":"x","fetch_source":"file"}
{"a":"2","b":"y","fetch_source":"file"}
EOF
want base3 <<'EOF'
{"a":"1","b":"x","fetch_source":"file"}
{"a":"2","b":"y","fetch_source":"file"}
{"a":"3","b":"z","fetch_source":"file"}
EOF
want text <<'EOF'
{"name":"Renée","city":"Zürich €","fetch_source":"file"}
{"name":"João","city":"Málaga","fetch_source":"file"}
EOF
want latin <<'EOF'
{"name":"Renée","city":"Zürich","fetch_source":"file"}
{"name":"João","city":"Málaga","fetch_source":"file"}
EOF

# --- encodings
lands "UTF-8" text utf8.csv
lands "UTF-8 with a BOM: the BOM is not in the first key" text utf8-bom.csv
lands "UTF-16LE with a BOM" text utf16le.csv
lands "UTF-16BE with a BOM" text utf16be.csv
lands "UTF-16LE without a BOM, --encoding=utf-16le" text \
    --encoding=utf-16le utf16le-nobom.csv
lands "windows-1252 (é, €, ü)" text --encoding=windows-1252 cp1252.csv
lands "iso-8859-1" latin --encoding=iso-8859-1 latin1.csv
lands "--encoding=utf-16le on a file with its BOM" text \
    --encoding=utf-16le utf16le.csv
lands "--encoding=utf-8 on a file with a BOM" text --encoding=utf-8 \
    utf8-bom.csv
lands "a name iconv knows: --encoding=CP1252" text --encoding=CP1252 \
    cp1252.csv
lands "UTF-16LE through a file:// URL" text "file://$T/utf16le.csv"
fails "0x81 in windows-1252: 65, the line named" 65 'line 3\b.*0x81' \
    --encoding=windows-1252 bad-cp1252.csv
fails "invalid UTF-8: 65, the line named" 65 'line 3' bad-utf8.csv
fails "windows-1252 bytes read as UTF-8: 65, the line named" 65 'line 2' \
    cp1252.csv
fails "UTF-16 with an odd byte: 65, the line named" 65 'line 3' \
    odd-utf16.csv
fails "invalid UTF-8 with --rejects: still 65, nothing written" 65 'line 3' \
    --rejects=rej bad-utf8.csv
run mp-fetch --encoding=no-such-encoding base.csv
{ [ "$rc" = 64 ] || [ "$rc" = 65 ]; } && [ ! -s "$T/out" ] &&
    grep -q "no-such-encoding" "$T/err"
ok $? "an encoding iconv does not know: an error naming it, nothing written"

# --- compression
lands "gzip" base base.csv.gz
lands "gzip, two members: both halves' rows" base3 multi.csv.gz
fails "gzip truncated: fails, nothing written" 65 'truncated\.csv\.gz.*truncated' \
    --retries=0 truncated.csv.gz
fails "gzip with a bad CRC: fails, nothing written" 65 'badcrc\.csv\.gz.*CRC' \
    --retries=0 badcrc.csv.gz
fails "gzip with a bad CRC, as a file:// URL" '!0' 'badcrc.csv.gz' \
    --retries=0 "file://$T/badcrc.csv.gz"
IN=$T/badcrc.csv.gz fails "gzip with a bad CRC on stdin: fails" '!0' \
    'CRC' --format=csv
fails "gzip with a bad CRC, default retries: fails, nothing written" '!0' \
    'badcrc.csv.gz' --retry-max-time=3s badcrc.csv.gz
lands "zstd" base base.csv.zst
lands "zstd, two frames: both" base3 frames.csv.zst
fails "zstd truncated: fails, nothing written" 65 'truncated\.csv\.zst.*truncated' \
    --retries=0 truncated.csv.zst
want two <<'EOF'
{"a":"1","b":"x","fetch_source":"file"}
{"a":"2","b":"y","fetch_source":"file"}
{"a":"3","b":"z","fetch_source":"file"}
{"a":"5","b":"w","fetch_source":"file"}
EOF
lands "zip, two CSV entries: both, in order" two --rejects=rej two.zip
jqok rej 'select(.line == 3) | .reason and (.file | test("two\\.zip!second\\.csv$")) and .record == "4"' \
    "...a rejected row names file!entry and its line in the entry"
is "$(wc -l <rej)" 1 "...one reject"
lands "zip with a data descriptor (written to a stream)" base stream.zip
fails "zip slip: an entry ../x.csv refused" 65 "'\.\./x\.csv'.*outside" \
    --retries=0 slip.zip
fails "zip slip: an absolute entry refused" 65 "'/tmp/x\.csv'.*outside" \
    --retries=0 slip-abs.zip
fails "zip slip after a good entry: refused, nothing written" 65 \
    "'\.\./x\.csv'" --retries=0 slip-mixed.zip
fails "zip bomb (50 MiB of zeros): refused" 65 'bomb' --retries=0 bomb.zip
fails "gzip bomb (50 MiB of zeros): refused" 65 'bomb' --retries=0 \
    bomb.csv.gz
run mp-fetch big.csv.gz
is "$rc $(wc -l <"$T/out") $(jq -r .v "$T/out" | tail -1)" \
    "0 300000 row 299999" "...a big file unpacked under the ratio lands whole"
lands "zip: a directory, __MACOSX/ and ._* entries skipped" base mac.zip
lands "zip with stored entries" base3 stored.zip
for f in multi-badcrc.csv.gz frames-bad.csv.zst stored-badcrc.zip \
    big-badcrc.csv.gz; do
	fails "$f: a bad checksum late in the file: nothing written" 65 \
	    "${f//./\\.}.*corrupt" --retries=0 "$f"
done
lands "gzip bytes named .zst: told by the first bytes" base gzip.csv.zst
lands "plain bytes named .gz: told by the first bytes" base plain.csv.gz
fails "zip with corrupt data, --retries=0: fails, nothing written" 65 \
    'corrupt\.zip.*corrupt' --retries=0 corrupt.zip
IN=$T/base.csv.gz lands "gzip on stdin, --format=csv" base --source=file \
    --format=csv
IN=$T/frames.csv.zst lands "zstd on stdin, --format=csv" base3 \
    --source=file --format=csv -
IN=$T/two.zip lands "zip on stdin: the entries' names give the format" two \
    --rejects=rej --source=file
jqok rej '.file | test("!second\\.csv$")' "...the reject names -!entry"

# --- CSV
want rfc <<'EOF'
{"a":"x, y","b":"say \"hi\"","c":"line1\nline2","fetch_source":"file"}
{"a":"plain","b":"","c":"last","fetch_source":"file"}
{"a":"","b":",","c":"\"","fetch_source":"file"}
EOF
lands "RFC 4180: quotes, doubled quotes, line ends inside, CRLF" rfc rfc.csv
want tsv <<'EOF'
{"a":"1","b":"\"q\"","c":"x,y","fetch_source":"file"}
{"a":"2","b":"","c":"\"","fetch_source":"file"}
EOF
lands "TSV, --no-quote: quotes are data" tsv --no-quote tab.tsv
cp tab.tsv tab.txt
lands "--format=tsv --no-quote over a .txt name" tsv --format=tsv \
    --no-quote "file://$T/tab.txt"
want qtsv <<'EOF'
{"a":"say \"hi\"","b":"line1\nline2","c":"x\ty","fetch_source":"file"}
{"a":"plain","b":"","c":"it's","fetch_source":"file"}
EOF
lands "TSV as spreadsheets write it: quoted cells unquoted, a line end inside" \
    qtsv quoted.tsv
lands "...--quote, --format=tsv over a .txt name" qtsv --quote --format=tsv \
    quoted.txt
run mp-fetch tab.tsv
[ "$rc" = 65 ] && grep -q 'tab\.tsv:3: .*quote' "$T/err"
ok $? "...a lone quote in a TSV cell, without --no-quote: 65 naming line 3"
want sep <<'EOF'
{"a":"1","b":"x,y","fetch_source":"file"}
{"a":"2","b":"z","fetch_source":"file"}
EOF
lands "--separator=';'" sep --separator=';' semi.csv
want pipe <<'EOF'
{"a":"1","b":"x;y","fetch_source":"file"}
{"a":"2","b":"z","fetch_source":"file"}
EOF
lands "--separator='|'" pipe --separator='|' pipe.csv
lands "Excel's sep=; first line" sep sep-hint.csv
lands "Excel's sep=; after a UTF-8 BOM" sep bom-sep.csv
lands "Excel's Unicode text: UTF-16LE TSV, --format=tsv" text --format=tsv \
    excel.txt
lands "JSON in UTF-16LE with a BOM" base arr16.json
want lines <<'EOF'
{"a":"1\n2","b":"x","fetch_source":"file"}
{"a":"4","b":"y","fetch_source":"file"}
EOF
lands "line numbers count every line: title, blank, a cell over two" lines \
    --skip-rows=2 --rejects=rej lines.csv
jqok rej '.line == 6 and .record == "3"' "...the ragged row is line 6"
lands "a blank line skipped, no newline at the end" base --stats=st.json \
    blank.csv
jqok st.json '.records_in == 2 and .bytes_in > 0' \
    "...records_in and bytes_in count what was read (mp.7)"
lands "--skip-rows=2: a report's title" base --skip-rows=2 title.csv
want footer <<'EOF'
{"Campaign":"A","Spend":"1","fetch_source":"file"}
{"Campaign":"B","Spend":"2","fetch_source":"file"}
EOF
lands "--footer: the Total row dropped" footer \
    --footer='.Campaign == "Total"' --dropped=dr --stats=st.json footer.csv
jqok dr '.reason == "footer" and .line == 4 and
    (.record | fromjson | .Campaign == "Total")' \
    "...kept in --dropped as footer, with its line"
jqok st.json '.footer_rows == 1 and .dropped == 1 and .records_out == 2' \
    "...counted in --stats: footer_rows, dropped"
want ragged <<'EOF'
{"a":"1","b":"x","fetch_source":"file"}
{"a":"4","b":"z","fetch_source":"file"}
EOF
lands "ragged rows rejected, the rest land" ragged --rejects=rej ragged.csv
is "$(jq -c '[.line, .record]' rej | tr -d '\n')" '[3,"2"][4,"3,y,extra"]' \
    "...each reject with its line and its row"
run mp-fetch ragged.csv
[ "$rc" = 65 ] && grep -q 'ragged\.csv:3: ' "$T/err" &&
    grep -q 'ragged\.csv:4: ' "$T/err" &&
    cmp -s <(jq -S -c 'del(.fetched_at)' "$T/out") \
    <(jq -S -c . "$T/want.ragged")
ok $? "...without --rejects: 65, each line named, the other rows written"
want unterminated <<'EOF'
{"a":"1","b":"x","fetch_source":"file"}
EOF
lands "an unterminated quote rejected with its line" unterminated \
    --rejects=rej unterminated.csv
jqok rej '.line == 3 and (.reason | test("quote"))' \
    "...the reject names line 3 and the quote"
run mp-fetch --decimal-comma --separator=';' --field=x:number \
    --field=m:money decimal.csv
is "$rc $(jq -c 'del(.fetched_at)' "$T/out" | tr -d '\n')" \
    '0 {"x":12.5,"m":3.1,"fetch_source":"file"}{"x":-0.5,"m":1000000.123456,"fetch_source":"file"}' \
    "--decimal-comma: numbers and money"
grep -q '"x":12\.50[,}]' "$T/out"
ok $? "...number keeps its text: 12,50 is 12.50"
[ $? = 0 ] || diag "$(head -1 "$T/out")"
want typed <<'EOF'
{"i":42,"n":3.14,"m":0.42,"b":true,"d":"2026-11-20T00:00:00Z","t":"2026-11-20T09:00:00Z","fetch_source":"file"}
{"i":-7,"n":12345678901234567890,"m":10,"b":false,"d":"2026-01-01T00:00:00Z","t":"2026-11-20T09:00:00Z","fetch_source":"file"}
{"i":0,"n":-0.5,"m":-1.5,"b":false,"d":"2025-12-31T00:00:00Z","t":"2026-11-20T09:00:00.5Z","fetch_source":"file"}
{"i":null,"n":null,"m":null,"b":null,"d":null,"t":null,"fetch_source":"file"}
EOF
types="--field=i:integer --field=n:number --field=m:money --field=b:boolean
--field=d:time:%d.%m.%Y --field=t:time"
lands "--field: integer, number, money, boolean, time:FORMAT, time" typed \
    $types typed.csv
grep -q '"n":12345678901234567890[,}]' "$T/out"
ok $? "...a number of 20 digits kept exact"
run mp-fetch $types --rejects=rej typed-bad.csv
is "$rc $(jq -r .i "$T/out" | tr -d '\n') $(jq -r .line rej | tr -d '\n')" \
    "0 12 345678" "a cell not of its type rejects its row, the others land"
for c in "3 i integer" "4 n number" "5 m money" "6 b boolean" "7 d time" \
    "8 t time"; do
	set -- $c
	jq -e -s "map(select(.line == $1)) | length == 1 and
	    (.[0].reason | test(\"'$2'.*$3\"))" rej >/dev/null
	ok $? "...line $1: the reason names the column $2, not $3"
done
fails "duplicate header names: 65, an error naming the name" 65 \
    "duplicate name 'a'" dup.csv
IN=$T/dup.csv fails "...on stdin too" 65 "duplicate name 'a'" --format=csv

# --- the format
lands "--format=csv over a .txt name" base --format=csv csv-in.txt
lands "--format=json over a .csv name" base --format=json json-in.csv
fails "no name, no --format: JSON, so CSV is a bad body, a data error: 65" \
    65 'csv-noname.*bad JSON' --retries=0 csv-noname
want tsvtypes <<'EOF'
{"a":"1","b":"x","fetch_source":"file"}
EOF
lands ".tsv.gz: TSV" tsvtypes types.tsv.gz
lands ".tsv.zst: TSV" tsvtypes types.tsv.zst
lands "a .tsv entry in a .zip: TSV" tsvtypes types.zip
lands ".json.gz: JSON" tsvtypes types.json.gz
lands ".json: an array" base arr.json
lands ".json: one object" tsvtypes obj.json
lands ".ndjson: each line" base lines.ndjson
lands ".jsonl: each line" base lines.jsonl
cp lines.ndjson lines-in.csv
lands "--format=ndjson over a .csv name, a file:// URL" base \
    --format=ndjson "file://$T/lines-in.csv"
run mp-fetch exact.json
grep -q '"a":0\.1,"b":12345678901234567890,"c":1\.10,"d":1e400,"e":-0\.0[,}]' \
    "$T/out" && [ "$rc" = 0 ]
ok $? "JSON numbers kept exact: 0.1, 12345678901234567890, 1.10, 1e400, -0.0"
[ $? = 0 ] || diag "$rc $(cat "$T/out" "$T/err")"
run mp-fetch exact.ndjson
grep -q '"a":0\.1,"b":12345678901234567890[,}]' "$T/out" && [ "$rc" = 0 ]
ok $? "...and in NDJSON"
run mp-fetch --format=bogus base.csv
is "$rc" 64 "--format=bogus: 64"

# --- an empty report is an error: it is not "no rows today"
for f in empty.csv empty.csv.gz header.csv header.tsv title-only.csv \
    empty.json; do
	o=
	[ $f = title-only.csv ] && o=--skip-rows=1
	fails "$f: an empty report, 65" 65 "${f//./\\.}: .*empty report" $o $f
	run mp-fetch --allow-empty $o $f
	check "...--allow-empty: no record, 0" 0 /dev/null ""
done
fails "an empty report as a file:// URL: 65" 65 'empty report' \
    "file://$T/header.csv"
IN=/dev/null run mp-fetch
check "standard input empty: no record, 0 (as every filter)" 0 /dev/null ""

# --- the man page's example
cp "$top/examples/report.csv.gz" .
want report <<'EOF'
{"Campaign":"Rentrée café","Day":"2026-11-20T00:00:00Z","Spend":12.50,"fetch_source":"file"}
{"Campaign":"Soldes d'hiver","Day":"2026-11-20T00:00:00Z","Spend":3.10,"fetch_source":"file"}
{"Campaign":"München Süd","Day":"2026-11-19T00:00:00Z","Spend":7,"fetch_source":"file"}
EOF
lands "examples/report.csv.gz, as in EXAMPLES: the 3 rows, their values" \
    report --encoding=windows-1252 --separator=';' --skip-rows=1 \
    --footer='.Campaign == "Total"' --decimal-comma \
    --field=Spend:money --field=Day:time:%d.%m.%Y report.csv.gz
lands "...the same from a file:// URL" report --encoding=windows-1252 \
    --separator=';' --skip-rows=1 --footer='.Campaign == "Total"' \
    --decimal-comma --field=Spend:money --field=Day:time:%d.%m.%Y \
    "file://$T/report.csv.gz"

done_testing
