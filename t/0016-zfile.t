#!/bin/sh
# Unit tests of durable zstd files and s3.c's helpers: see 0016-zfile.c
exec "$(dirname "$0")/0016-zfile"
