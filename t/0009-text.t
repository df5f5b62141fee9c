#!/bin/sh
# Unit tests of text encodings made UTF-8: see 0009-text.c
exec "$(dirname "$0")/0009-text"
