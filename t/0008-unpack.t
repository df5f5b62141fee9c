#!/bin/bash
# Unit tests of compressed files (unpack.c): 0008-unpack.d/make.py makes
# gzip, zstd and zip fixtures (and broken ones); see 0008-unpack.c
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 is not installed"
command -v zstd >/dev/null || skip_all "zstd is not installed"
command -v gzip >/dev/null || skip_all "gzip is not installed"
python3 "$top/t/0008-unpack.d/make.py" "$T" ||
	{ echo "Bail out! cannot make the fixtures"; exit 1; }
"$top/t/0008-unpack" "$T"
