#!/usr/bin/env bash
# make demo: xfs_verify_media finds damaged files on a small XFS whose disk
# has a few unreadable sectors; then its watch mode turns one health event
# of the kernel into a named file.
#
# Builds nothing (make demo builds the release binary and the test bed
# first). Needs root and /dev/fuse. Makes a 512 MiB XFS on a loop device
# behind the project's FUSE fault disk (testbed/testbed), writes some files,
# makes a handful of sectors fail every read with EIO, scans, explains the
# exit status, watches the kernel's health monitor (or the LD_PRELOAD
# emulator's, on kernels before 7.0) while one more sector is reported bad,
# and tears everything down, also on Ctrl-C or an error.
set -uo pipefail
export LC_ALL=C
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
TESTBED=$REPO/testbed/testbed
BINARY=${XVM_BINARY:-$REPO/.build/release/xfs_verify_media}
RATE=${DEMO_RATE:-40M}

if [ -t 1 ]; then B=$'\e[1m' D=$'\e[2m' R=$'\e[0m'; else B= D= R=; fi
step() { printf '\n%s%s%s\n' "$B" "$*" "$R"; }
die() { echo "demo: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "needs root (loop devices, mounts): sudo make demo"
[ -e /dev/fuse ] || die "needs /dev/fuse (the fault disk is a FUSE file system)"
[ -x "$BINARY" ] || die "$BINARY is missing: run 'make demo', which builds it"
for tool in xfs_io mkfs.xfs losetup; do
    command -v "$tool" >/dev/null || die "needs $tool: run 'make demo', which installs it"
done

DIR=
LOG=$(mktemp /tmp/xfs_verify_media-demo.XXXXXX)
cleanup() {
    local status=$?
    trap '' INT TERM HUP
    if [ -n "$DIR" ]; then
        printf '\n%sTearing down the test bed...%s ' "$D" "$R"
        if "$TESTBED" down "$DIR" >>"$LOG" 2>&1; then echo "${D}done.$R"; else echo "failed, see $LOG"; exit 1; fi
    fi
    rm -f "$LOG"
    exit "$status"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT
trap 'exit 143' TERM HUP

echo "${B}xfs_verify_media demo$R: find the files that unreadable sectors hit."

# --- 1. a small XFS on a disk whose sectors can be made to fail ----------------
step "1. A 512 MiB XFS (rmapbt, reflink) on a loop device over a fault disk"
DIR=/tmp/xvm-demo-$$
DIR=$("$TESTBED" up "$DIR" --size 512M --owner $$ 2>>"$LOG") || die "testbed up failed: $(tail -n 3 "$LOG")"
# shellcheck disable=SC1091
. "$DIR/env"
echo "   mounted at $MNT, data device $DATA_DEV"

# --- 2. files ------------------------------------------------------------------
step "2. Some files"
cd "$MNT" || exit 1
mkdir -p media docs projects/report/figures projects/archive
head -c 64M /dev/urandom >media/holiday.mkv
head -c 48K /dev/urandom >docs/notes.txt
head -c 12K /dev/urandom >docs/todo.txt
head -c 200K /dev/urandom >projects/report/draft.odt
head -c 300K /dev/urandom >projects/report/figures/chart.png
head -c 4M /dev/urandom >projects/report/data.csv
cp --reflink=always projects/report/data.csv projects/archive/data-2025.csv
ln docs/notes.txt projects/report/notes.txt
cd / || exit 1
sync -f "$MNT"
echo "   media/holiday.mkv                  64 MiB"
echo "   docs/notes.txt, docs/todo.txt      48 KiB, 12 KiB"
echo "   projects/report/draft.odt          200 KiB"
echo "   projects/report/figures/chart.png  300 KiB"
echo "   projects/report/data.csv           4 MiB"
echo "   projects/archive/data-2025.csv     reflinked copy of data.csv (shares its blocks)"
echo "   projects/report/notes.txt          hard link to docs/notes.txt"

# --- 3. bad sectors ------------------------------------------------------------
# daddr (512-byte sector of the data device) holding byte OFFSET of FILE.
daddr_of() {
    xfs_io -r -c 'fiemap -v' "$MNT/$1" | awk -v t=$(($2 / 512)) '
        $2 ~ /^\[/ && $3 != "hole" {
            f = $2; gsub(/\[|\]|:/, "", f); split(f, a, /\.\./); split($3, p, /\.\./)
            if (t >= a[1] && t <= a[2]) { print p[1] + t - a[1]; exit }
        }'
}
# First sector + SKIP of the first GETFSMAP record whose owner matches WHAT
# and that is at least twice SKIP long (the last column: its length in sectors).
daddr_in() {
    xfs_io -r -c 'fsmap -d' "$MNT" | awk -v what="$1" -v skip="$2" '
        $0 ~ what && $NF + 0 >= 2 * skip {
            r = $3; gsub(/\[|\]|:/, "", r); split(r, a, /\.\./); print a[1] + skip; exit
        }'
}
arm() {            # arm DADDR WHAT
    [ -n "$1" ] || die "could not place a bad sector ($2)"
    echo "eio $(($1 * 512)) 512" >"$DATA_CONTROL" || die "cannot arm a fault at daddr $1"
    printf '   daddr %-8s %s\n' "$1" "$2"
}
step "3. Five sectors now fail every read with EIO"
arm "$(daddr_of media/holiday.mkv $((20 << 20)))" "in media/holiday.mkv, 20 MiB into the file"
arm "$(daddr_of docs/notes.txt $((16 << 10)))" "in docs/notes.txt (two names: it has a hard link)"
arm "$(daddr_of projects/report/data.csv $((1 << 20)))" "in the extent data.csv shares with its reflinked copy"
arm "$(daddr_in ' inodes ' 16)" "in an inode chunk (metadata: inodes of AG 0)"
arm "$(daddr_in 'free space' 4096)" "in free space: holds nothing, so not read by default"

# --- 4. the scan ---------------------------------------------------------------
step "4. The scan"
echo "   ${D}(capped at $RATE/s so that you can watch the progress bar; without"
echo "   --rate it reads at full disk speed)$R"
echo
echo "   ${B}# xfs_verify_media --rate $RATE $MNT$R"
"$BINARY" --rate "$RATE" "$MNT"
status=$?

# --- 5. what the exit status says ----------------------------------------------
step "5. Exit status $status"
meaning=(
    "1  media errors found"
    "2  media errors hit file data: those files have lost data"
    "4  something in scope could not be verified"
    "8  usage error"
    "16 media errors not seen by the last recorded scan (--history)"
)
if [ "$status" -eq 0 ]; then
    echo "   0: everything in scope was verified and is readable"
else
    for i in 0 1 2 3 4; do
        bit=$((1 << i))
        if (( status & bit )); then echo "   ${meaning[i]}"; fi
    done
fi
cat <<EOF

   Bits OR-ed together, for scripts and cron. The free-space sector was not
   reported: only allocated space is read unless --scope device.
EOF

# --- 6. watch mode: one health event becomes a named file ----------------------
step "6. Watch mode: the kernel reports a media error, the watcher names the file"
EMULATOR=$REPO/.build/testbed/libverify_media_emulator.so
CALL=$REPO/.build/testbed/verify_media_call
PRELOAD=
if "$BINARY" watch --check --no-history "$MNT" >>"$LOG" 2>&1; then
    echo "   ${D}(this kernel has the XFS health monitor)$R"
elif [ -r "$EMULATOR" ] && LD_PRELOAD=$EMULATOR "$BINARY" watch --check --no-history "$MNT" >>"$LOG" 2>&1; then
    PRELOAD=$EMULATOR
    echo "   ${D}(this kernel has no XFS health monitor (Linux 7.0): the project's LD_PRELOAD"
    echo "   emulator stands in for it, Tests/Emulator/)$R"
else
    echo "   skipped: no XFS health monitor here, and no emulator (make testbed)"
    exit 0
fi
WATCHLOG=$DIR/watch.log
LD_PRELOAD=$PRELOAD "$BINARY" watch --no-history "$MNT" 2>"$WATCHLOG" &
WATCHER=$!
for _ in $(seq 100); do grep -q 'monitoring started' "$WATCHLOG" && break; sleep 0.1; done
BAD=$(daddr_of projects/report/draft.odt $((64 << 10)))
arm "$BAD" "in projects/report/draft.odt, 64 KiB into the file"
echo "   The kernel is asked to verify that sector and report what fails"
echo "   (XFS_IOC_VERIFY_MEDIA with XFS_VERIFY_MEDIA_REPORT, as xfs_scrub does)."
LD_PRELOAD=$PRELOAD "$CALL" "$MNT" 1 "$BAD" $((BAD + 1)) 1 >>"$LOG" 2>&1
for _ in $(seq 300); do grep -q ': verified ' "$WATCHLOG" && break; sleep 0.1; done
echo
echo "   ${B}# xfs_verify_media watch $MNT$R"
sed 's/^/   /' "$WATCHLOG"
kill -TERM "$WATCHER" 2>/dev/null
wait "$WATCHER" 2>/dev/null
cat <<EOF

   One event became a verified, pinpointed bad sector with the file and the
   offset named. (The sector is reported twice: the second time by the
   watcher's own verification through the kernel, which it knows to be
   covered.) Under systemd, xfs_verify_media_watch_mounts.service starts
   such a watcher for every XFS mount.
EOF

# --- 6. status, as another shell sees it -----------------------------------------
step "6. The scan's status, from another shell (also while it runs)"
echo "   ${B}# xfs_verify_media status $MNT$R"
"$BINARY" status "$MNT"
cat <<EOF

   Next: --json for the machine-readable report, -b for a gentle background
   scan, xfs_verify_media history for past scans, man -l man/xfs_verify_media.8.
EOF
exit 0
