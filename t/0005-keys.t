#!/bin/sh
# Unit tests of the key store: see 0005-keys.c
exec "$(dirname "$0")/0005-keys"
