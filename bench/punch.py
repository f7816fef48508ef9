#!/usr/bin/python3
"""punch.py FILE [BLOCK]: punch a hole into every other BLOCK-byte block of
FILE (the odd ones: offsets BLOCK, 3*BLOCK, ...), keeping its size, so an
N-byte file leaves N / (2*BLOCK) separate extents. Prints the number of
holes on stdout, the time on stderr. PUNCH_SYNC_EVERY (default 4096): fsync
after so many holes; PUNCH_PROGRESS=N: a progress line every N holes."""
import ctypes
import ctypes.util
import os
import sys
import time

FALLOC_FL_KEEP_SIZE = 0x01
FALLOC_FL_PUNCH_HOLE = 0x02
PROGRESS = int(os.environ.get("PUNCH_PROGRESS", "0"))
SYNC_EVERY = int(os.environ.get("PUNCH_SYNC_EVERY", "4096"))


def main():
    path = sys.argv[1]
    block = int(sys.argv[2]) if len(sys.argv) > 2 else 4096
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    fallocate = libc.fallocate
    fallocate.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int64, ctypes.c_int64]
    fallocate.restype = ctypes.c_int
    mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
    fd = os.open(path, os.O_RDWR)
    size = os.fstat(fd).st_size
    start = time.monotonic()
    count = 0
    for off in range(block, size, 2 * block):
        if fallocate(fd, mode, off, block) != 0:
            err = ctypes.get_errno()
            sys.exit(f"punch.py: fallocate({off}): {os.strerror(err)}")
        count += 1
        if count % SYNC_EVERY == 0:
            # Freed blocks stay "busy" until the log checkpoint that frees them
            # is on disk, and every allocation walks them: forcing the log now
            # and then keeps that list short (10x faster than never syncing).
            os.fsync(fd)
        if PROGRESS and count % PROGRESS == 0:
            print(f"  {count} holes, {time.monotonic() - start:.1f} s", file=sys.stderr)
    os.fsync(fd)
    os.close(fd)
    if sys.stdout.isatty():
        print(f"punched {count} holes in {time.monotonic() - start:.1f} s", file=sys.stderr)
    print(count)


if __name__ == "__main__":
    main()
