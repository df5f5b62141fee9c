#!/bin/sh
# Unit tests of the CSV and TSV reader and of CSV texts made into records:
# see 0006-csv.c
exec "$(dirname "$0")/0006-csv"
