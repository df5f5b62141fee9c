#!/bin/sh
# Unit tests of mp-fetch's topics in common/: see 1004-fetch-topics.c
exec "$(dirname "$0")/1004-fetch-topics"
