#!/usr/bin/env bash
# bench/peers.sh: xfs_verify_media next to xfs_scrub -n -x and xfs_io
# verifymedia (xfsprogs 7.x) on one damaged filesystem, in the Linux 7.x
# guest (testbed/guest). See bench/README.md, "Peers".
#
#   bench/peers.sh [--out DIR] [--binary PATH]
#
# Needs root (qemu, loop devices and mounts in the guest). Builds the release
# binary unless --binary is given; writes DIR (default
# bench/results/peers-<date>): every command's output, summary.json and
# summary.md.
set -euo pipefail
export LC_ALL=C
BENCH=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
REPO=$(dirname "$BENCH")
OUT="" BINARY=""
while [ $# -gt 0 ]; do
    case $1 in
    --out) OUT=$2; shift ;;
    --binary) BINARY=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "peers.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "peers.sh: must run as root" >&2; exit 1; }
OUT=$(realpath -m "${OUT:-$REPO/bench/results/peers-$(date +%Y-%m-%d)}")
if [ -z "$BINARY" ]; then
    (cd "$REPO" && swift build -c release >&2)
    BINARY=$REPO/.build/release/xfs_verify_media
fi
make -s -C "$REPO" .build/testbed/faultdisk
reason=$("$REPO/testbed/guest" check) || { echo "peers.sh: the guest cannot run here: $reason" >&2; exit 1; }
mkdir -p "$OUT"
"$REPO/testbed/guest" run --rw "$OUT" --env "PEERS_GIT=$(git -C "$REPO" describe --always --dirty)" \
    -- /usr/bin/python3 "$BENCH/peers.py" run "$OUT" "$(realpath "$BINARY")"
/usr/bin/python3 "$BENCH/peers.py" summarize "$OUT"
echo "peers.sh: results in $OUT" >&2
