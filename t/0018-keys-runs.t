#!/bin/sh
# The key store's limit on runs a state holds: see 0018-keys-runs.c
exec "$(dirname "$0")/0018-keys-runs"
