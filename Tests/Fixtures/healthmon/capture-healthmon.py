#!/usr/bin/env python3
# Records the raw bytes of an XFS health monitor until end of file.
import fcntl, os, struct, sys
mnt, out = sys.argv[1], sys.argv[2]
fd = os.open(mnt, os.O_RDONLY | os.O_DIRECTORY)
arg = bytearray(struct.pack('<QB23x', 0, 0))          # FMT_V0, not verbose
mon = fcntl.ioctl(fd, 0x40205844, arg, True)          # XFS_IOC_HEALTH_MONITOR
os.close(fd)
open(out + '.ready', 'w').close()
with open(out, 'wb') as f:
    while True:
        data = os.read(mon, 64 * 64)
        if not data:
            break
        f.write(data)
        f.flush()
