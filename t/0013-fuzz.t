#!/bin/bash
# The fuzz targets (t/fuzz/NAME.c, `make fuzz`) build, and each runs over
# its seeds in t/fuzz/corpus-NAME, the reproducers of what fuzzing found
# among them: no fuzzing here, so that the targets keep compiling and the
# bugs stay fixed as the code moves.  Skipped without clang's libFuzzer.
. "$(dirname "$0")/lib.sh"

command -v clang >/dev/null 2>&1 || skip_all "no clang"
printf 'int LLVMFuzzerTestOneInput(const char *p, long n) { return 0; }\n' \
    >"$T/f.c"
clang -fsanitize=fuzzer -o "$T/f" "$T/f.c" >/dev/null 2>&1 ||
    skip_all "clang without libFuzzer"

cd "$top" || exit 1
targets=$(sed -n 's/^FUZZ[	 ]*= *//p' Makefile)
make -s fuzz-build >"$T/build" 2>&1
ok $? "make fuzz-build builds every target: $targets" ||
    sed 's/^/# /' "$T/build" | tail -20 >&2
for t in $targets; do
	[ -x "t/fuzz/$t-fuzz" ] || { ok 1 "$t: built"; continue; }
	seeds=$(ls "t/fuzz/corpus-$t" 2>/dev/null | wc -l)
	[ "$seeds" -gt 0 ]
	ok $? "$t: has seeds ($seeds)"
	run "t/fuzz/$t-fuzz" "t/fuzz/corpus-$t"/*
	ok $rc "$t: runs over its seeds without a crash, a leak or UB"
	[ "$rc" = 0 ] || grep -E 'ERROR|SUMMARY|runtime error|Running' \
	    "$T/err" | tail -5 | sed 's/^/# /' >&2
done
done_testing
