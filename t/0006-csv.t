#!/bin/sh
# Unit tests of the CSV and TSV reader: see 0006-csv.c
exec "$(dirname "$0")/0006-csv"
