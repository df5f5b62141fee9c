# t/lib/s3.sh: a local S3 (s3rver behind t/s3proxy) for a test
# (sourced by t/lib.sh)

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
