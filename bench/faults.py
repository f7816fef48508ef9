#!/usr/bin/python3
"""faults.py COUNT SEED FILE...: print COUNT fault commands `eio OFFSET 512`
for the fault disk's control file, one per line: single 512-byte sectors
inside the data of FILEs (from `xfs_io -r -c 'fiemap -v'`, whose block
ranges are 512-byte device addresses), scattered evenly: the written
extents are laid end to end and cut into COUNT equal strata, one random
sector per stratum, so no two faults share a read."""
import random
import re
import subprocess
import sys

UNWRITTEN = 0x800


def extents(path):
    out = subprocess.run(["xfs_io", "-r", "-c", "fiemap -v", path], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        m = re.match(r"\s*\d+: \[\d+\.\.\d+\]:\s+(\d+)\.\.(\d+)\s+\d+\s+(0x[0-9a-f]+)", line)
        if m and not int(m.group(3), 16) & UNWRITTEN:
            yield int(m.group(1)), int(m.group(2)) + 1        # [start, end) in 512-byte sectors


def main():
    count, rng = int(sys.argv[1]), random.Random(int(sys.argv[2]))
    spans = sorted({e for f in sys.argv[3:] for e in extents(f)})
    total = sum(e - s for s, e in spans)
    if total < count * 16:
        sys.exit(f"faults.py: only {total} sectors of file data for {count} faults")
    stratum = total // count
    picks = [i * stratum + rng.randrange(stratum // 8, stratum - stratum // 8) for i in range(count)]
    for p in picks:
        for s, e in spans:
            if p < e - s:
                print(f"eio {(s + p) * 512} 512")
                break
            p -= e - s


if __name__ == "__main__":
    main()
