#!/bin/bash
# s3.c and md5.c (through the driver 0010-s3) against s3rver, s3cmd as an
# independent client, and t/s3proxy, a proxy in front of
# s3rver that checks every SigV4 signature (s3rver 3.7.1 does not), logs
# each request and breaks some on purpose: uploads (one PUT, multipart),
# listings (pages, prefixes), streamed downloads resumed with Range,
# path-style and virtual-hosted URLs, odd keys, retries and exit statuses.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 is not installed"
command -v curl >/dev/null || skip_all "curl is not installed"
# loopback, never through a proxy
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
unset no_proxy NO_PROXY
d=$top/t/0010-s3
cd "$T" || exit 1

# --- md5.c: RFC 1321's test suite (A.5), and lengths around a block
md5of() { printf '%s' "$1" >m.in; "$d" md5 m.in; }
while read -r want text; do
	is "$(md5of "$text")" "$want" "MD5 (\"$text\")"
done <<'EOF'
d41d8cd98f00b204e9800998ecf8427e 
0cc175b9c0f1b6a831c399e269772661 a
900150983cd24fb0d6963f7d28e17f72 abc
f96b697d7cb7938d525a2f31aaf161d0 message digest
c3fcd3d76192e4007dfb496cca67e13b abcdefghijklmnopqrstuvwxyz
d174ab98d277d9f5a5611c2c9f419d9f ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789
57edf4a22be3c955ac49da2e2107b67a 12345678901234567890123456789012345678901234567890123456789012345678901234567890
EOF
bad=
for n in 1 55 56 57 63 64 65 119 120 127 128 129 777 778 1000 65536 1048579; do
	head -c "$n" /dev/urandom >m.in
	[ "$("$d" md5 m.in)" = "$(md5sum <m.in | cut -c1-32)" ] || bad="$bad $n"
done
is "$bad" "" "MD5 of random bytes, 17 lengths around 64-byte blocks: md5sum's"

# --- mp_s3_parse
parse() {
	local url=$1 want=$2 got
	got=$("$d" parse "$url" | tr '\n' '|')
	is "$got" "$want" "parse '$url'"
}
parse s3://mp-archive/2026/11/x.zst 'mp-archive|2026/11/x.zst|'
parse s3://mp-archive 'mp-archive||'
parse s3://mp-archive/ 'mp-archive||'
parse s3://b//x/ 'b|/x/|'
parse 'S3://Legacy_Bucket.1/a b/é?x#y%20' 'Legacy_Bucket.1|a b/é?x#y%20|'
for url in s3:// s3:///key s3:/b/k http://b/k '' 's3://b c/k' 's3://b?x/k' \
    's3://user@b/k' "s3://$(printf 'b%.0s' $(seq 256))/k"; do
	"$d" parse "$url" >/dev/null
	is $? 1 "parse '${url:0:40}': not an S3 URL (-1)"
done

# --- mp_s3_credentials
printf '%s\r\n' '# a comment' '; another' '' \
    '  export AWS_ACCESS_KEY_ID=AKIAEXAMPLE  ' \
    'AWS_SECRET_ACCESS_KEY = "se cr\"et\\x#y" ' "AWS_SESSION_TOKEN='tok \"en'" \
    'AWS_REGION=eu-west-1' 'OTHER="=="' >creds
run "$d" creds creds
printf 'akid=AKIAEXAMPLE\nsecret=se cr"et\\x#y\ntoken=tok "en\n' >want
check "credentials: comments, export, quotes, blanks around =, CRLF, \
others ignored" 0 want ""
printf 'AWS_ACCESS_KEY_ID=a=b\nAWS_SECRET_ACCESS_KEY=\nAWS_SESSION_TOKEN=x\n' \
    >creds2
run "$d" creds creds2
printf 'akid=a=b\nsecret=\ntoken=x\n' >want
check "credentials: '=' in a value, an empty value" 0 want ""
run "$d" creds nonexistent
check "credentials: a missing file is 66, named" 66 /dev/null \
    "^0010-s3: nonexistent: No such file or directory$"
printf 'AWS_ACCESS_KEY_ID=ok\nAWS_SECRET_ACCESS_KEY="hunter2\n' >creds3
run "$d" creds creds3
check "credentials: no closing quote is 78, naming file and line" 78 \
    /dev/null "^0010-s3: creds3:2: no closing quote$"
printf 'AWS_ACCESS_KEY_ID=ok\nhunter2\n' >creds4
run "$d" creds creds4
check "credentials: a line without = is 78" 78 /dev/null \
    "^0010-s3: creds4:2: not NAME=VALUE$"
printf 'AWS-KEY=hunter2\n' >creds5
run "$d" creds creds5
check "credentials: a bad name is 78" 78 /dev/null "creds5:1: not NAME=VALUE"
printf 'AWS_SECRET_ACCESS_KEY="hunter2" x\n' >creds6
run "$d" creds creds6
check "credentials: text after the closing quote is 78" 78 /dev/null \
    "creds6:1: text after the closing quote"
! grep -q hunter2 "$T/err"
ok $? "credentials: a message never shows a value"

# --- s3rver, and the checking proxy in front of it (s3_start's)
s3_start mp-other
PX=http://127.0.0.1:$S3_PROXY_PORT
VX=http://s3.localhost:$S3_PROXY_PORT
# s3 ARG...: the driver through the proxy; faults JSON: the proxy's rules;
# plog JQ: the proxy's log since the last reset, through jq -s
s3() { "$d" -e "$PX" "$@"; }
faults() { curl -s --data-binary "$1" "$PX/__proxy/faults" >/dev/null; }
plog() { jq -s -c "$1" "$T/s3proxy.log"; }
preset() { : >"$T/s3proxy.log"; }

# the proxy's checks agree with an independent signer: s3cmd's
sed "s/:$S3_PORT\$/:${PX##*:}/" "$T/s3cfg" >s3cfg-proxy
printf 'through the proxy\n' >viaproxy
preset
s3cmd -c s3cfg-proxy put -q viaproxy "s3://mp-archive/via proxy/ü+&.txt" &&
    s3cmd -c s3cfg-proxy ls "s3://mp-archive/via proxy/" >/dev/null
jqok <(plog .) 'length >= 2 and all(.sig == "ok" and .status == 200)' \
    "the proxy accepts s3cmd's signatures, of a PUT and a listing"
preset
s3cmd -c s3cfg-proxy --secret_key=wrong ls s3://mp-archive/ >/dev/null 2>&1
jqok <(plog .) 'length >= 1 and all(.sig == "bad" and
    .code == "SignatureDoesNotMatch")' \
    "... and refuses them made with another secret"

# --- mp_s3_setup
run env -u AWS_ACCESS_KEY_ID "$d" list s3://mp-archive/
check "no credentials: 78" 78 /dev/null \
    "^0010-s3: no S3 credentials: AWS_ACCESS_KEY_ID and"
run "$d" -e ftp://127.0.0.1/ list s3://mp-archive/
check "an endpoint that is not http(s): 78" 78 /dev/null \
    "S3 endpoint 'ftp://127.0.0.1/' is not an http\(s\) URL"
run "$d" -p 1048576 list s3://mp-archive/
check "a part size under 5 MiB: 78" 78 /dev/null "not within 5 MiB and 5 GiB"
run env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$d" -e "$PX" -c creds \
    list s3://mp-archive/nothing
check "credentials from a file (a key id the proxy does not know: 77)" 77 \
    /dev/null "403 InvalidAccessKeyId"
printf 'AWS_ACCESS_KEY_ID=S3RVER\nAWS_SECRET_ACCESS_KEY=S3RVER\n' >creds7
run env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$d" -e "$PX" -c creds7 \
    list s3://mp-archive/nothing
check "credentials from a file, signed right" 0 /dev/null ""

# --- one PUT, path-style
head -c 100000 /dev/urandom >small
preset
run s3 put small s3://mp-archive/dir/small.bin
check "put a small file: 0, quiet" 0 /dev/null ""
jqok <(plog .) 'length == 1 and .[0].method == "PUT" and .[0].sig == "ok" and
    .[0].target == "/mp-archive/dir/small.bin" and
    (.[0].signed | split(";") | index("x-amz-content-sha256") != null and
    index("content-md5") != null)' \
    "one PUT, path-style, signed, x-amz-content-sha256 and Content-MD5 too"
rm -f back
s3c get -q s3://mp-archive/dir/small.bin back
cmp -s small back
ok $? "s3cmd gets the same bytes"
run s3 list s3://mp-archive/dir/
echo "100000 dir/small.bin" >want
check "mp_s3_list sees it, with its size" 0 want ""
run s3 get s3://mp-archive/dir/small.bin
check "mp_s3_get streams the same bytes" 0 small ""
: >empty
run s3 put empty s3://mp-archive/dir/empty
check "put an empty file" 0 /dev/null ""
run s3 get s3://mp-archive/dir/empty
check "get it: nothing" 0 empty ""
run s3 put nonexistent s3://mp-archive/x
check "put a missing file: 66" 66 /dev/null \
    "^0010-s3: nonexistent: No such file or directory$"
run s3 put . s3://mp-archive/x
check "put a folder: 66" 66 /dev/null "^0010-s3: \.: Is a directory$"

# --- multipart: 3 parts of 5 MiB, the last of 2 MiB + 1 byte
head -c $((12 * 1048576 + 1)) /dev/urandom >big
preset
run s3 -p 5242880 put big s3://mp-archive/big/one.bin
check "put 12 MiB + 1 byte in parts of 5 MiB" 0 /dev/null ""
jqok <(plog .) '[.[] | .method + " " + (.target | sub("uploadId=[0-9a-f]+";
    "uploadId=ID"))] == ["POST /mp-archive/big/one.bin?uploads=",
    "PUT /mp-archive/big/one.bin?partNumber=1&uploadId=ID",
    "PUT /mp-archive/big/one.bin?partNumber=2&uploadId=ID",
    "PUT /mp-archive/big/one.bin?partNumber=3&uploadId=ID",
    "POST /mp-archive/big/one.bin?uploadId=ID",
    "HEAD /mp-archive/big/one.bin"] and all(.sig == "ok")' \
    "start, 3 parts, complete, HEAD: each signed"
rm -f back
s3c get -q s3://mp-archive/big/one.bin back
cmp -s big back
ok $? "s3cmd gets the same 12 MiB + 1 byte"
s3c ls s3://mp-archive/big/ >ls.out
grep -q " 12582913  *s3://mp-archive/big/one.bin$" ls.out
ok $? "s3cmd ls shows it, 12582913 bytes"
[ -z "$(ls -A "$T/s3/mp-archive/._S3rver_uploads" 2>/dev/null)" ] &&
    [ -s "$T/s3/mp-archive/big/one.bin._S3rver_object" ]
ok $? "s3rver keeps no multipart upload (it lists none: s3cmd multipart can't)"
run s3 get s3://mp-archive/big/one.bin
check "mp_s3_get streams the same 12 MiB + 1 byte" 0 big ""

# --- virtual-hosted: bucket.s3.localhost
preset
run "$d" -e "$VX" -s virtual put small s3://mp-other/v/small
check "put, virtual-hosted" 0 /dev/null ""
jqok <(plog .) "length == 1 and .[0].host == \"mp-other.s3.localhost:${PX##*:}\"
    and .[0].target == \"/v/small\" and .[0].sig == \"ok\"" \
    "to mp-other.s3.localhost, path /v/small, signed"
rm -f back
s3c get -q s3://mp-other/v/small back
cmp -s small back
ok $? "s3cmd gets it from mp-other"
run "$d" -e "$VX" -s virtual list s3://mp-other/
echo "100000 v/small" >want
check "list, virtual-hosted" 0 want ""
run "$d" -e "$VX" -s virtual -p 5242880 put big s3://mp-other/v/big
check "multipart, virtual-hosted" 0 /dev/null ""
run "$d" -e "$VX" -s virtual get s3://mp-other/v/big
check "get, virtual-hosted" 0 big ""
preset
run "$d" -e "$VX" list s3://mp-other/v/
jqok <(plog .) 'length == 1 and
    .[0].target == "/mp-other?list-type=2&prefix=v%2F"' \
    "auto: path-style for an endpoint not AWS's"

# --- a key with dot segments is sent and signed as it is (S3 keeps them)
preset
faults '[{"method": "GET", "status": 404, "code": "NoSuchKey"}]'
run s3 get "s3://mp-archive/dots/../x/./y"
jqok <(plog .) 'length == 1 and .[0].target == "/mp-archive/dots/../x/./y"
    and .[0].sig == "ok"' "a key 'dots/../x/./y': that path, signed right"

# --- keys s3cmd wrote: spaces, UTF-8, + & % < > ' " are listed and read
mkdir odd
keys=("a b+c&d=e.txt" "ünï cödé €.txt" "x<y>&amp;'q\".txt"
    "100% real%20.txt" "tab	and~star*(1).txt")
for k in "${keys[@]}"; do
	printf 'the key is %s\n' "$k" >"odd/$k"
	# (s3cmd warns of the tab)
	s3c put -q "odd/$k" "s3://mp-archive/odd/$k" 2>/dev/null ||
	    diag "s3cmd put '$k' failed"
done
printf '%s\n' "${keys[@]}" | sort | while IFS= read -r k; do
	printf '%s odd/%s\n' "$(wc -c <"odd/$k")" "$k"
done >want
run s3 list s3://mp-archive/odd/
check "s3cmd's odd keys listed exactly, in key order" 0 want ""
bad=
for k in "${keys[@]}"; do
	s3 get "s3://mp-archive/odd/$k" >got 2>err && cmp -s got "odd/$k" ||
	    bad="$bad '$k'"
done
is "$bad" "" "each read back exactly"
run s3 list "s3://mp-archive/odd/ü"
k="ünï cödé €.txt"
printf '%s odd/%s\n' "$(wc -c <"odd/$k")" "$k" >want
check "a prefix in UTF-8" 0 want ""

# --- listing: pages (max_keys 10), prefixes, a function that stops
mkdir page
for i in $(seq -w 0 24); do echo "$i" >"page/k$i"; done
s3c sync -q page/ s3://mp-archive/page/ || diag "s3cmd sync failed"
preset
run s3 -k 10 list s3://mp-archive/page/
for i in $(seq -w 0 24); do echo "3 page/k$i"; done >want
check "25 keys, 10 a page: all, once, in order" 0 want ""
jqok <(plog .) '[.[].target | test("continuation-token=")] ==
    [false, true, true] and
    all(.[]; .target | test("list-type=2&max-keys=10&prefix=page%2F$")) and
    all(.[]; .sig == "ok")' \
    "3 pages, a continuation token (encoded, in canonical order) for two"
run s3 list s3://mp-archive/page/k1
for i in $(seq 10 19); do echo "3 page/k$i"; done >want
check "a prefix: only the keys under it" 0 want ""
run s3 list s3://mp-archive/nothing/
check "a prefix nothing is under: nothing" 0 /dev/null ""
run s3 -n 3 -k 2 list s3://mp-archive/page/
for i in 00 01 02; do echo "3 page/k$i"; done >want
check "the function stops at 3 keys: its value (42) returned" 42 want ""
run s3 -n 1000 get s3://mp-archive/big/one.bin
[ "$rc" = 42 ] && [ "$(wc -c <out)" -ge 1000 ] &&
    [ "$(wc -c <out)" -lt 12582913 ] && [ ! -s err ] &&
    cmp -s out <(head -c "$(wc -c <out)" big)
ok $? "the function stops a GET: its value returned, the bytes so far right"

# --- a session token is sent as x-amz-security-token, and signed
preset
AWS_SESSION_TOKEN=tok-123 run s3 list s3://mp-archive/dir/
jqok <(plog .) '.[0].token == "tok-123" and .[0].sig == "ok" and
    (.[0].signed | split(";") | index("x-amz-security-token") != null)' \
    "AWS_SESSION_TOKEN: x-amz-security-token, signed"

# --- GET resumed with Range after a cut, each byte once
preset
faults '[{"method": "GET", "match": "/big/one.bin", "cut": 3000000}]'
run s3 get s3://mp-archive/big/one.bin
check "a GET cut after 3000000 bytes is resumed: the bytes, once each" 0 big \
    "^0010-s3: s3: s3://mp-archive/big/one.bin: get: .*; retrying in [0-9.]+s$"
jqok <(plog .) 'length == 2 and .[0].range == null and .[0].ifmatch == null and
    .[1].range == "bytes=3000000-" and .[1].ifmatch == .[0].etag and
    .[0].etag != null and .[1].status == 206 and all(.sig == "ok")' \
    "the second GET: Range: bytes=3000000-, If-Match the first ETag, 206"
preset
faults '[{"method": "GET", "match": "/big/one.bin", "cut": 0}]'
run s3 get s3://mp-archive/big/one.bin
check "a GET cut before any byte is tried again" 0 big "retrying in"
jqok <(plog .) 'length == 2 and .[1].range == null' "... from the start"
preset
faults '[{"method": "GET", "match": "/dir/small.bin", "cut": 10, "times": 3}]'
run s3 get s3://mp-archive/dir/small.bin
check "cut three times: resumed three times" 0 small "retrying in"
jqok <(plog .) '[.[].range] == [null, "bytes=10-", "bytes=20-", "bytes=30-"]' \
    "Range from 10, 20, 30"

# --- an object replaced between the cut and the resumption: never spliced
preset
faults '[{"method": "GET", "cut": 1000},
    {"method": "GET", "status": 412, "code": "PreconditionFailed"}]'
run s3 get s3://mp-archive/dir/small.bin
[ "$rc" = 75 ] && cmp -s out <(head -c 1000 small) &&
    grep -q "get: 412 PreconditionFailed: injected by the proxy (2 tries)$" err
ok $? "If-Match refused (412): 75, and only the bytes of the first response"
preset
faults '[{"method": "GET", "cut": 1000}, {"method": "GET", "etag": "bad"}]'
run s3 get s3://mp-archive/dir/small.bin
[ "$rc" = 75 ] && cmp -s out <(head -c 1000 small) &&
    grep -q "get: the object was replaced while it was read (2 tries)$" err
ok $? "a server that ignores If-Match, another ETag: 75, nothing spliced"

# --- S3's error documents: Code and Message, XML entities decoded
m1='&#233;&#xE9;&#x20AC;&#128512; &lt;b&gt; &quot;&apos;&amp;amp;'
m2='&#0; &#xD800; &bogus; & a'
faults "[{\"method\": \"GET\", \"status\": 403, \"code\": \"AccessDenied\",
    \"message\": \"$m1 $m2\"}]"
run s3 list s3://mp-archive/
check "a Message's entities decoded (numeric ones too), bad ones kept" 77 \
    /dev/null "list: 403 AccessDenied: éé€😀 <b> \"'&amp; $m2$"

# --- retries: 503 SlowDown, an ETag mismatch, 500 to the end
preset
faults '[{"method": "PUT", "status": 503, "code": "SlowDown", "times": 2}]'
run s3 put small s3://mp-archive/retry/a
check "503 SlowDown twice, then stored" 0 /dev/null \
    "put: 503 SlowDown: injected by the proxy; retrying in"
is "$(grep -c 'retrying in' err)" 2 "one warning a retry"
preset
faults '[{"method": "PUT", "etag": "bad"}]'
run s3 put small s3://mp-archive/retry/b
check "an ETag that is not the MD5 sent: tried again" 0 /dev/null \
    "ETag mismatch: sent MD5 [0-9a-f]{32}, ETag '0123456789abcdef"
is "$(plog length)" 2 "... two PUTs"
preset
faults '[{"method": "PUT", "match": "partNumber=2", "status": 500,
    "code": "InternalError"}]'
run s3 -p 5242880 put big s3://mp-archive/retry/c
check "a part's 500, once: the part again" 0 /dev/null "part 2 of 3: 500"
preset
faults '[{"method": "POST", "match": "?uploadId=", "status": 200,
    "code": "InternalError"}]'
run s3 -p 5242880 put big s3://mp-archive/retry/d
check "complete: a 200 with an InternalError document is tried again" 0 \
    /dev/null "complete multipart upload: 200 InternalError"
run s3 get s3://mp-archive/retry/d
check "... and the object is whole" 0 big ""
preset
faults '[{"method": "PUT", "status": 500, "code": "InternalError", "times": 9}]'
run s3 -r 2 put small s3://mp-archive/retry/e
check "500 to the end: 69 after retries 2 (3 tries)" 69 /dev/null \
    "^0010-s3: s3://mp-archive/retry/e: put: 500 InternalError: injected \
by the proxy \(3 tries\)$"
faults '[]'

# --- failures that are not retried
preset
faults '[{"method": "PUT", "match": "partNumber=2", "status": 400,
    "code": "InvalidPart"}]'
run s3 -p 5242880 put big s3://mp-archive/fail/multi
check "a part refused (400): 78" 78 /dev/null "part 2 of 3: 400 InvalidPart"
jqok <(plog .) '.[-1].method == "DELETE" and
    (.[-1].target | test("^/mp-archive/fail/multi\\?uploadId=[0-9a-f]+$"))' \
    "the multipart upload is aborted"
run s3 list s3://mp-archive/fail/
check "... and no object is there" 0 /dev/null ""
AWS_SECRET_ACCESS_KEY=hunter2-wrong run s3 put small s3://mp-archive/x
check "a wrong secret: 77, SignatureDoesNotMatch" 77 /dev/null \
    "^0010-s3: s3://mp-archive/x: put: 403 SignatureDoesNotMatch: "
! grep -q hunter2 err
ok $? "... the secret is not in the message"
AWS_ACCESS_KEY_ID=NOBODY run "$d" list s3://mp-archive/
check "a key id s3rver does not know: 77" 77 /dev/null \
    "^0010-s3: s3://mp-archive/: list: 403 InvalidAccessKeyId: "
run s3 put small s3://no-such-bucket/k
check "no such bucket: 78, naming it" 78 /dev/null \
    "^0010-s3: s3://no-such-bucket/k: put: 404 NoSuchBucket: "
run s3 get s3://mp-archive/no/such/key
check "no such key: 78" 78 /dev/null \
    "^0010-s3: s3://mp-archive/no/such/key: get: 404 NoSuchKey: "
run s3 list s3://no-such-bucket/
check "list of no such bucket: 78" 78 /dev/null "404 NoSuchBucket"

# what this libcurl does with a query that is not in canonical order
# (7.88 signs it as written: s3.c writes queries sorted)
code=$(curl -s -o /dev/null -w '%{http_code}' --aws-sigv4 aws:amz:us-east-1:s3 \
    -u S3RVER:S3RVER -H "x-amz-content-sha256: $(sha256sum </dev/null |
    cut -c1-64)" "$PX/mp-archive?prefix=dir&list-type=2")
diag "libcurl $(curl -V | head -1 | cut -d' ' -f2), an unsorted query:" \
    "HTTP $code"

# --- the server stopped: refused, retried, 69
kill "$s3_pid"
wait "$s3_pid" 2>/dev/null
run "$d" -e "http://127.0.0.1:$S3_PORT" -r 1 -R 5 put small s3://mp-archive/down
check "s3rver stopped: 69 after 1 retry" 69 /dev/null \
    "^0010-s3: s3://mp-archive/down: put: .*(Connection refused|connect).* \
\(2 tries\)$"
is "$(grep -c 'retrying in' err)" 1 "... one warning"
t0=$(ms)
run "$d" -r 50 -R 1 list s3://mp-archive/
t1=$(ms)
[ "$rc" = 69 ] && [ $((t1 - t0)) -lt 10000 ]
ok $? "retry_max 1 s bounds 50 retries ($((t1 - t0)) ms)"

done_testing
