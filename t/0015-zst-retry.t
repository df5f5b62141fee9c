#!/bin/sh
# Unit tests of zstd frames and the retry policy: see 0015-zst-retry.c
exec "$(dirname "$0")/0015-zst-retry"
