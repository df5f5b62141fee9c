#!/bin/sh
# Unit tests of the lookup tables' bytes and the spend's shares: see 5004-lookup.c
exec "$(dirname "$0")/5004-lookup"
