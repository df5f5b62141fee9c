#!/usr/bin/env python3
"""Writes the fixtures of t/0008-unpack.c into the folder given: gzip and
zip files made by python's gzip, zipfile and zlib, zstd files by the zstd
CLI, and the corrupted copies the tests refuse."""
import gzip
import io
import os
import struct
import subprocess
import sys
import zipfile
import zlib

d = sys.argv[1]


def put(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def flip(data, i):
    b = bytearray(data)
    b[i] ^= 0x55
    return bytes(b)


A = b'{"event_id":"a1","kind":"click"}\n' * 200
B = b'{"event_id":"b2","kind":"impression"}\n' * 300

# gzip: FNAME from the file name given to GzipFile
def gz(data, name=""):
    out = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=out, mtime=0) as f:
        f.write(data)
    return out.getvalue()


one = gz(A, "report.csv")
put("one.gz", one)
two = subprocess.run(["gzip", "-c"], input=A, capture_output=True,
                     check=True).stdout + \
    subprocess.run(["gzip", "-c"], input=B, capture_output=True,
                   check=True).stdout
put("two.gz", two)
put("cut.gz", one[:-10])
put("badcrc.gz", flip(one, len(one) - 6))     # in the CRC-32 of the trailer
put("badsize.gz", flip(one, len(one) - 2))    # in ISIZE
# a byte of the deflate data (past the 10-byte header and FNAME)
put("flip.gz", flip(one, len(one) // 2))
put("crc2.gz", two[:len(two) - 6] + flip(two[-6:], 0))
put("garbage.gz", one + b"hello")
put("zeros.gz", one + b"\0" * 8)
put("bomb.gz", gz(b"\0" * (50 << 20)))

# zstd, through the CLI
def zst(data, *opts):
    return subprocess.run(["zstd", "-q", "-c", *opts], input=data,
                          capture_output=True, check=True).stdout


z1 = zst(A, "--check")
assert z1[4] & 4, "zstd --check: the checksum flag is not set"
put("one.zst", z1)
put("two.zst", zst(A, "--check") + zst(B, "--no-check"))
# the content checksum is the last 4 bytes: flip a byte of the data
# before it (a literal, so the frame still decodes and only the checksum
# tells)
lit = zst(b"abcdefghijklmnopqrstuvwxyz0123456789" * 2, "--check", "-1")
i = lit.find(b"abcdefghij")
assert i > 0, "zstd kept no literals"
put("badsum.zst", flip(lit, i + 3))
put("cut.zst", z1[:-7])
put("garbage.zst", z1 + b"junk")
put("bomb.zst", zst(b"\0" * (50 << 20)))

# zip
class Unseekable:
    """A stream without tell or seek: zipfile then writes data descriptors."""

    def __init__(self):
        self.b = io.BytesIO()

    def write(self, x):
        return self.b.write(x)

    def flush(self):
        pass


def zipof(entries, stream=False, comp=zipfile.ZIP_DEFLATED):
    out = Unseekable() if stream else io.BytesIO()
    with zipfile.ZipFile(out, "w", comp) as z:
        for name, data in entries:
            z.writestr(zipfile.ZipInfo(name, (2024, 1, 2, 3, 4, 5)), data,
                       compress_type=comp)
    return out.b.getvalue() if stream else out.getvalue()


put("two.zip", zipof([("a.csv", A), ("dir/b.csv", B)]))
put("junk.zip", zipof([("dir/", b""), ("__MACOSX/", b""),
                       ("__MACOSX/._a.csv", b"\0\5\026\7"),
                       ("a.csv", A), ("dir/._b.csv", b"x"),
                       ("dir/b.csv", B)]))
dd = zipof([("a.csv", A), ("b.csv", B)], stream=True)
flags = struct.unpack("<H", dd[6:8])[0]
assert dd[:4] == b"PK\3\4" and flags & 8, "no data descriptor"
put("desc.zip", dd)
put("slip.zip", zipof([("a.csv", A), ("../evil.csv", B)]))
put("abs.zip", zipof([("/abs.csv", B)]))
put("deep.zip", zipof([("a/../../x.csv", B)]))
put("bomb.zip", zipof([("zeros.csv", b"\0" * (50 << 20))]))
st = zipof([("a.csv", A), ("b.csv", B)], comp=zipfile.ZIP_STORED)
put("stored.zip", st)
put("storedflip.zip", flip(st, 30 + len("a.csv") + 5))
# a wrong CRC-32 in both the local header and the central directory, so
# that only the data can tell
z = bytearray(zipof([("a.csv", A)]))
crc = struct.pack("<I", zlib.crc32(A))
bad = struct.pack("<I", zlib.crc32(A) ^ 1)
assert z.count(crc) == 2
z = z.replace(crc, bad)
put("badcrc.zip", bytes(z))
enc = bytearray(zipof([("a.csv", A)]))
# the encryption flag, bit 0, in the local header and the central directory
enc[6] |= 1
cd = enc.find(b"PK\1\2")
enc[cd + 8] |= 1
put("enc.zip", bytes(enc))
put("empty.zip", zipof([]))
# three entries, cut after the second: no central directory
z = zipof([("a.csv", A), ("b.csv", B), ("c.csv", A)])
put("cut.zip", z[:z.find(b"PK\3\4", z.find(b"b.csv"))])
put("plain.txt", A)
