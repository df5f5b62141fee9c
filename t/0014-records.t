#!/bin/bash
# The record reader every tool shares (mp_run_loop): a record is the same
# however its line arrives, whole or in pieces through a pipe.  Found by
# the records fuzz target (t/fuzz/records.c).
. "$(dirname "$0")/lib.sh"
plan 2

rec='{"a":"12345678"}'	# 16 bytes: exactly --max-record=16
printf '\357\273\277%s\n{"b":1}\n' "$rec" >"$T/in"
run mp-validate --max-record=16 "$T/in"
printf '%s\n{"b":1}\n' "$rec" >"$T/want"
check "line 1's BOM does not count against --max-record (a file)" 0 \
    "$T/want" ""
{ printf '\357\273\277%s' "$rec"; sleep 0.5; printf '\n{"b":1}\n'; } |
    mp-validate --max-record=16 >"$T/out" 2>"$T/err"
rc=$?
check "nor when the line comes in pieces through a pipe" 0 "$T/want" ""
