#!/bin/sh
# Unit tests of the loader's SQL and COPY text: see 6004-pgtable.c
exec "$(dirname "$0")/6004-pgtable"
