#!/bin/bash
# Unit tests of HTTP through libcurl (http.c), against a loopback server
# (0007-http.d/server.py): see 0007-http.c
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 is not installed"
# loopback, never through a proxy
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
python3 "$top/t/0007-http.d/server.py" >"$T/port" &
srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$T"' EXIT
i=0
while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -s "$T/port" ] || { echo "Bail out! the test server did not start"; exit 1; }
"$top/t/0007-http" "$(cat "$T/port")" "$T"
