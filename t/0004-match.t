#!/bin/sh
# Unit tests of the matching topics: see 0004-match.c
exec "$(dirname "$0")/0004-match"
