#!/usr/bin/env python3
"""bench/peers.py: xfs_verify_media and its peers on one damaged filesystem.

Runs inside the Linux 7.x guest (bench/peers.sh starts it there), as root:
builds one XFS with mkfs.xfs 7.x defaults (rmapbt, reflink, parent
pointers) on a fault disk, damages it (file data in several files, a
reflinked block, a directory block, an inode in use, free space), then runs
with caches dropped before each:

  xfs_scrub -n -x MNT                   xfsprogs 7.x, media scan in phase 6
  xfs_io -c verifymedia MNT             one call over the data device, as a user would
  xfs_io -c 'verifymedia START END' ... called again after each error, to the end
  xfs_verify_media --engine kernel|uring, and --scope device

and, with the inode fault cleared, xfs_scrub -n -x once more. Each timed
command runs PEERS_REPEAT (3) times, caches dropped each time. Writes every
command's output, the faults (with what they hit) and summary.json to OUT.
"""

import json
import os
import re
import shlex
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
TESTBED = os.path.join(REPO, "testbed", "testbed")
GUEST = os.path.join(REPO, "testbed", "guest")


def sid(tool, *args):
    """A tool of the guest's userland (xfsprogs 7.x)."""
    return [GUEST, "userland", "--", tool, *args]


def run(argv, check=True, **kwargs):
    result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    if check and result.returncode != 0:
        raise SystemExit(f"{shlex.join(argv)} exited {result.returncode}: {result.stderr.strip()}")
    return result


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


def write_random(path, size):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        left = size
        while left:
            n = min(left, 1 << 20)
            f.write(os.urandom(n))
            left -= n
        os.fsync(f.fileno())


def extents(path):
    """(file offset, physical, length) in bytes, from xfs_io bmap -v (files and directories)."""
    out = run(["xfs_io", "-r", "-c", "bmap -v", path]).stdout
    found = []
    for line in out.splitlines():
        m = re.match(r"\s*\d+: \[(\d+)\.\.(\d+)\]:\s+(\d+)\.\.(\d+)", line)
        if m:
            start, end, phys = int(m.group(1)), int(m.group(2)), int(m.group(3))
            found.append((start * 512, phys * 512, (end - start + 1) * 512))
    return found


def physical(path, offset):
    for start, phys, length in extents(path):
        if start <= offset < start + length:
            return phys + offset - start
    raise SystemExit(f"{path}: nothing mapped at {offset}")


def geometry(mnt):
    info = run(["xfs_info", mnt]).stdout
    value = {k: int(v) for k, v in re.findall(r"\b(isize|agsize|bsize)=(\d+)", info)}
    return value["isize"], value["agsize"], value["bsize"]


def inode_daddr(mnt, ino):
    isize, agblocks, bsize = geometry(mnt)
    inopblog = (bsize // isize).bit_length() - 1
    agblklog = (agblocks - 1).bit_length()
    ag = ino >> (agblklog + inopblog)
    agbno = (ino >> inopblog) & ((1 << agblklog) - 1)
    return ((ag * agblocks + agbno) * bsize + (ino & ((1 << inopblog) - 1)) * isize) // 512


def free_sector(mnt):
    rows = []
    for line in run(["xfs_io", "-r", "-c", "fsmap -d", mnt]).stdout.splitlines():
        m = re.match(r"\s*\d+: \S+ \[(\d+)\.\.(\d+)\]: free space", line)
        if m:
            rows.append((int(m.group(1)), int(m.group(2))))
    start, end = max(rows, key=lambda r: r[1] - r[0])
    return (start + end) // 2


class Bed:
    def __init__(self, directory):
        self.dir = directory
        env = dict(os.environ, XVM_MKFS_XFS=shlex.join(sid("mkfs.xfs")))
        # mkfs.xfs 7.x defaults (rmapbt, reflink, parent pointers) on 1 GiB.
        run([TESTBED, "up", directory, "--size", "1G", "--mkfs", "", "--owner", str(os.getpid())], env=env)
        self.env = dict(line.split("=", 1) for line in open(os.path.join(directory, "env")).read().splitlines() if "=" in line)
        self.mnt = self.env["MNT"]

    def arm(self, offset, length):
        with open(self.env["DATA_CONTROL"], "w") as f:
            f.write(f"eio {offset} {length}\n")

    def clear(self):
        with open(self.env["DATA_CONTROL"], "w") as f:
            f.write("clear\n")

    def down(self):
        run([TESTBED, "down", self.dir], check=False)


def populate(bed):
    m = bed.mnt
    for name in "abc":
        write_random(f"{m}/photos/{name}.raw", 8 << 20)
    run(["cp", "--reflink=always", f"{m}/photos/c.raw", f"{m}/photos/c-copy.raw"])
    for i in range(50):
        write_random(f"{m}/docs/note-{i:02}.txt", (16 + i) << 10)
    write_random(f"{m}/docs/report.txt", 64 << 10)
    os.makedirs(f"{m}/mail")
    for i in range(2000):
        with open(f"{m}/mail/message-{i:05}.eml", "wb") as f:
            f.write(os.urandom(512))
    os.sync()


def damage(bed):
    """The faults, each with what it hits, as (name, offset, length, what)."""
    m = bed.mnt
    victim = f"{m}/mail/message-01000.eml"
    faults = [
        ("file data", physical(f"{m}/photos/a.raw", 3 << 20), 512, "photos/a.raw offset 3145728, 1 sector"),
        ("file data", physical(f"{m}/photos/b.raw", 0), 4096, "photos/b.raw offset 0, 8 sectors"),
        ("reflinked file data", physical(f"{m}/photos/c.raw", 1 << 20), 512,
         "photos/c.raw and photos/c-copy.raw offset 1048576, 1 sector"),
        ("file data", physical(f"{m}/docs/report.txt", 16 << 10), 512, "docs/report.txt offset 16384, 1 sector"),
        ("directory block", physical(f"{m}/mail", 4096), 512, "mail/ directory, its second data block, 1 sector"),
        ("inode in use", inode_daddr(m, os.stat(victim).st_ino) * 512, 512,
         f"the inode of mail/message-01000.eml (inode {os.stat(victim).st_ino}), 1 sector"),
        ("free space", free_sector(m) * 512, 512, "free space, 1 sector"),
    ]
    return [{"kind": k, "offset": o, "length": n, "what": w, "daddr": o // 512, "sectors": n // 512}
            for k, o, n, w in faults]


REPEAT = int(os.environ.get("PEERS_REPEAT", "3"))


def timed(out, name, argv, repeat=REPEAT):
    """Runs argv `repeat` times (the qemu guest's timings wander); keeps the
    first run's output and every run's wall time, the median as `seconds`."""
    times = []
    for attempt in range(repeat):
        drop_caches()
        started = time.monotonic()
        result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        times.append(round(time.monotonic() - started, 2))
        if attempt == 0:
            first = result
    with open(os.path.join(out, f"{name}.out"), "w") as f:
        f.write(f"$ {shlex.join(argv)}\n# exit {first.returncode}, {times[0]:.2f} s (runs: {times})\n")
        f.write(first.stdout)
        if first.stderr:
            f.write("--- stderr\n" + first.stderr)
    seconds = sorted(times)[len(times) // 2]
    print(f"peers: {name}: exit {first.returncode}, {times} s", file=sys.stderr, flush=True)
    return {"name": name, "argv": argv, "exit": first.returncode, "seconds": seconds, "runs": times,
            "output": f"{name}.out", "stdout": first.stdout, "stderr": first.stderr}


def verifymedia_to_the_end(out, mnt, device_bytes):
    """xfs_io verifymedia resumed after each error: what a script could get out of it."""
    start, errors, calls, seconds, lines = 0, [], 0, 0.0, []
    drop_caches()
    while start < device_bytes and calls < 200:
        argv = sid("xfs_io", "-c", f"verifymedia {start} {device_bytes}", mnt)
        began = time.monotonic()
        result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seconds += time.monotonic() - began
        calls += 1
        lines.append(f"$ {shlex.join(argv)}\n{result.stdout}")
        # An error in the first read of the call: "verify error at offset X
        # length L" (L: the rest of the range). An error after some reads:
        # no message, only "verified L/N bytes at offset S" with N < L, the
        # bytes read before the kernel stopped. Either way a script can only
        # skip the read that failed (1 MiB) and go on.
        m = re.search(r"verify error at offset (\d+) length (\d+)", result.stdout)
        short = re.search(r"verified (\d+)/(\d+) bytes at offset (\d+)", result.stdout)
        if m:
            offset = int(m.group(1))
        elif short and int(short.group(2)) < int(short.group(1)):
            offset = int(short.group(3)) + int(short.group(2))
        else:
            break
        errors.append({"offset": offset, "length": min(1 << 20, device_bytes - offset)})
        start = offset + (1 << 20)
    with open(os.path.join(out, "xfs_io-verifymedia-loop.out"), "w") as f:
        f.write("".join(lines))
    print(f"peers: xfs_io-verifymedia-loop: {calls} calls, {len(errors)} errors in {seconds:.1f} s", file=sys.stderr)
    return {"name": "xfs_io-verifymedia-loop", "calls": calls, "errors": errors, "seconds": round(seconds, 2),
            "output": "xfs_io-verifymedia-loop.out"}


def measure(out, binary):
    os.makedirs(out, exist_ok=True)
    base = os.environ.get("XVM_TESTBED_BASE", "/var/tmp/xfs_verify_media-testbed")
    bed = Bed(os.path.join(base, f"peers-{os.getpid()}"))
    try:
        populate(bed)
        faults = damage(bed)
        for fault in faults:
            bed.arm(fault["offset"], fault["length"])
        m = bed.mnt
        device_bytes = int(run(["blockdev", "--getsize64", bed.env["DATA_DEV"]]).stdout)
        runs = [
            # What running a tool of the userland costs by itself (a chroot in
            # a new mount namespace, from Python): part of the peers' times.
            timed(out, "userland-true", sid("true")),
            timed(out, "xfs_scrub", sid("xfs_scrub", "-n", "-x", m)),
            timed(out, "xfs_io-verifymedia", sid("xfs_io", "-c", "verifymedia", m), repeat=1),
            verifymedia_to_the_end(out, m, device_bytes),
            timed(out, "xfs_verify_media-kernel", [binary, "--engine", "kernel", "--json", m]),
            timed(out, "xfs_verify_media-uring", [binary, "--engine", "uring", "--json", m]),
            timed(out, "xfs_verify_media-uring-device", [binary, "--engine", "uring", "--scope", "device", "--json", m]),
            timed(out, "xfs_verify_media-text", [binary, "--engine", "kernel", m], repeat=1),
        ]
        # xfs_scrub again, the inode readable.
        bed.clear()
        for fault in faults:
            if fault["kind"] != "inode in use":
                bed.arm(fault["offset"], fault["length"])
        runs.append(timed(out, "xfs_scrub-inode-readable", sid("xfs_scrub", "-n", "-x", m)))
        versions = {
            "kernel": os.uname().release,
            "xfsprogs": run(sid("xfs_scrub", "-V"), check=False).stdout.strip(),
            "xfs_verify_media": run([binary, "--version"], check=False).stdout.strip(),
            # Described on the host (peers.sh): git in the guest sees the
            # checkout through 9p and calls every file changed.
            "git": os.environ.get("PEERS_GIT", "?"),
        }
        with open(os.path.join(out, "summary.json"), "w") as f:
            json.dump({"versions": versions, "mountpoint": m, "device_bytes": device_bytes, "faults": faults,
                       "runs": [{k: v for k, v in r.items() if k not in ("stdout", "stderr")} for r in runs]},
                      f, indent=1)
    finally:
        bed.down()


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "run":
        measure(os.path.realpath(sys.argv[2]), os.path.realpath(sys.argv[3]))
    elif len(sys.argv) == 3 and sys.argv[1] == "summarize":
        summarize(os.path.realpath(sys.argv[2]))
    else:
        raise SystemExit("usage: peers.py run OUT BINARY | peers.py summarize OUT")


def summarize(out):
    """summary.md: per fault, what each tool said about it, and the times."""
    summary = json.load(open(os.path.join(out, "summary.json")))
    mnt, faults = summary["mountpoint"], summary["faults"]
    runs = {r["name"]: r for r in summary["runs"]}

    def text(name):
        path = os.path.join(out, f"{name}.out")
        return open(path).read() if os.path.exists(path) else ""

    def ours(name, fault):
        doc = text(name)
        doc = json.loads(doc[doc.index("{"):doc.rindex("}") + 1]) if "{" in doc else {}
        said = []
        for bad in doc.get("bad_ranges", []):
            if bad["start_daddr"] < fault["daddr"] + fault["sectors"] and fault["daddr"] < bad["end_daddr"]:
                for owner in bad["owners"]:
                    if owner["type"] == "file":
                        where = f"offset {owner['file_offset']}" if "file_offset" in owner else owner["fork"]
                        said.append(f"{(owner.get('path') or '?').replace(mnt + '/', '')} {where}")
                    else:
                        said.append(owner.get("what", owner["type"]))
                said[-len(bad["owners"]):] = [f"daddr {bad['start_daddr']}+{bad['end_daddr'] - bad['start_daddr']}: "
                                              + ", ".join(said[-len(bad["owners"]):])]
        return "; ".join(said) or "-"

    def scrub(name, fault):
        lines = [l.replace(mnt + "/", "").replace(mnt, "/") for l in text(name).splitlines()]
        if fault["kind"] == "inode in use":
            hits = [l for l in lines if "inode record" in l]
        elif fault["kind"] == "directory block":
            hits = [l for l in lines if l.split(":")[-2:-1] and "mail" in l and ("media error" in l or "directory" in l)]
        else:
            paths = re.findall(r"(\S+\.(?:raw|txt))", fault["what"])
            hits = [l for l in lines if "media error" in l and any(p + ":" in l for p in paths)]
        return "<br>".join(h.strip() for h in hits) or "-"

    def xfs_io(fault):
        stop = re.search(r"verified (\d+)/(\d+) bytes at offset (\d+)", text("xfs_io-verifymedia"))
        err = re.search(r"verify error at offset (\d+) length (\d+)", text("xfs_io-verifymedia"))
        if err:
            start, length = int(err.group(1)), int(err.group(2))
        elif stop and int(stop.group(2)) < int(stop.group(1)):
            start, length = int(stop.group(3)) + int(stop.group(2)), 1 << 20
        else:
            return "-"
        return f"stopped at byte {start}, no error message" if start <= fault["offset"] < start + length else "-"

    def xfs_io_loop(fault):
        loop = runs.get("xfs_io-verifymedia-loop", {})
        for e in loop.get("errors", []):
            if e["offset"] <= fault["offset"] < e["offset"] + e["length"]:
                return f"1 MiB at byte {e['offset']}"
        return "-"

    peers = [("xfs_verify_media (kernel)", lambda f: ours("xfs_verify_media-kernel", f)),
             ("xfs_verify_media (uring)", lambda f: ours("xfs_verify_media-uring", f)),
             ("xfs_verify_media --scope device", lambda f: ours("xfs_verify_media-uring-device", f)),
             ("xfs_scrub -n -x", lambda f: scrub("xfs_scrub", f)),
             ("xfs_scrub -n -x, inode readable", lambda f: scrub("xfs_scrub-inode-readable", f)),
             ("xfs_io verifymedia", xfs_io),
             ("xfs_io verifymedia, resumed", xfs_io_loop)]
    v = summary["versions"]
    lines = [f"# Peers on one damaged filesystem ({v['kernel']}, {v['xfsprogs']}, {v['xfs_verify_media']} {v['git']})", "",
             "Each fault, and what each tool reported about it. Times are wall seconds, caches dropped before each run.", ""]
    for fault in faults:
        lines.append(f"## {fault['kind']}: {fault['what']} (data daddr {fault['daddr']}+{fault['sectors']})")
        lines.append("")
        lines.append("| tool | reported |")
        lines.append("|---|---|")
        lines += [f"| {name} | {said(fault)} |" for name, said in peers]
        lines.append("")
    lines += ["## Runs", "", "| run | exit | seconds (median) | each run |", "|---|---|---|---|"]
    for r in summary["runs"]:
        exit_status = r.get("exit", f"{r.get('calls')} calls")
        lines.append(f"| {r['name']} | {exit_status} | {r['seconds']} | {r.get('runs', '')} |")
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
