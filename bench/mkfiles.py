#!/usr/bin/python3
"""mkfiles.py DIR COUNT MIN MAX [DIRS] [SEED]: create COUNT files of random
sizes between MIN and MAX bytes (uniform), spread round-robin over DIRS
subdirectories of DIR (XFS puts new directories in different allocation
groups), filled with random data; fsyncs nothing (the caller syncs).
Prints the total number of bytes written on stdout."""
import os
import random
import sys


def main():
    root, count, lo, hi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    ndirs = int(sys.argv[5]) if len(sys.argv) > 5 else 8
    rng = random.Random(int(sys.argv[6]) if len(sys.argv) > 6 else 1)
    # One pool of random bytes, sliced at random offsets: content that no
    # layer can compress or deduplicate, without generating 2 GiB of it.
    pool = memoryview(os.urandom(16 << 20))
    dirs = [os.path.join(root, f"d{i:02d}") for i in range(ndirs)]
    for d in dirs:
        os.makedirs(d, exist_ok=True)
    total = 0
    for i in range(count):
        size = rng.randint(lo, hi)
        off = rng.randrange(0, len(pool) - size)
        fd = os.open(os.path.join(dirs[i % ndirs], f"f{i:06d}"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, pool[off:off + size])
        finally:
            os.close(fd)
        total += size
    print(total)


if __name__ == "__main__":
    main()
