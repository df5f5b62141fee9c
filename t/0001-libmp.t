#!/bin/sh
# Unit tests of libmp: see 0001-libmp.c
exec "$(dirname "$0")/0001-libmp"
