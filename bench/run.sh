#!/usr/bin/env bash
# bench/run.sh: xfs_verify_media benchmarks, reported as ratios against fio
# measured in the same run on the same device. See bench/README.md.
#
#   bench/run.sh [--quick] [--only NAME[,NAME...]] [--pairs N] [--out DIR]
#                [--binary PATH] [--no-build] [--wait-load L] [--list] [-h]
#
# Needs root. Builds the release binary, builds test beds (loop devices on
# image files under /var/tmp, or FUSE fault disks) with testbed/testbed,
# tears them down on exit, writes bench/results/<timestamp>/{runs.jsonl,
# raw.tar.xz, meta.json, summary.txt, summary.json, log.txt}: what is kept
# in git (the copy of the binary is not).
set -uo pipefail
export LC_ALL=C
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

BENCH=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
REPO=$(dirname "$BENCH")
TESTBED=$REPO/testbed/testbed
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
TIME=/usr/bin/time

DEFAULT_BENCHES=(throughput-big engines background throughput-small extents pinpoint-overhead rotational many-disks)
KNOWN_BENCHES=("${DEFAULT_BENCHES[@]}" sweep)

usage() {
    sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    echo "Benchmarks: ${KNOWN_BENCHES[*]} (sweep only with --only)."
    echo "Sizes and counts are environment variables; see bench/README.md."
    exit "${1:-0}"
}

# --- options -----------------------------------------------------------------

MODE=full ONLY="" OUT="" BINARY="" BUILD=1 WAIT_LOAD=${WAIT_LOAD:-}
while [ $# -gt 0 ]; do
    case $1 in
    --quick) MODE=quick ;;
    --only) [ $# -ge 2 ] || usage 2; ONLY=$2; shift ;;
    --only=*) ONLY=${1#--only=} ;;
    --pairs) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage 2; PAIRS=$2; shift ;;
    --out) [ $# -ge 2 ] || usage 2; OUT=$2; shift ;;
    --binary) [ $# -ge 2 ] || usage 2; BINARY=$2; BUILD=0; shift ;;
    --no-build) BUILD=0 ;;
    --wait-load) [[ ${2:-} =~ ^[0-9]+(\.[0-9]+)?$ ]] || usage 2; WAIT_LOAD=$2; shift ;;
    --list) printf '%s\n' "${KNOWN_BENCHES[@]}"; exit 0 ;;
    -h | --help) usage 0 ;;
    *) echo "run.sh: unknown option $1" >&2; usage 2 ;;
    esac
    shift
done

# Sizes: environment overrides both modes.
if [ $MODE = quick ]; then
    : "${PAIRS:=3}"
    : "${BIG_DEV_SIZE:=4G}" "${BIG_FILES:=4}" "${BIG_FILE_SIZE:=512M}"
    : "${SMALL_DEV_SIZE:=4G}" "${SMALL_FILES:=10000}"
    : "${EXT_DEV_SIZE:=6G}" "${EXT_FILE_SIZE:=1G}" "${EXT_PAIRS:=1}" "${EXT4_FILES:=4}" "${EXT4_PAIRS:=1}" "${EXT_AGCOUNT:=8}"
    : "${PIN_DEV_SIZE:=1G}" "${PIN_FILES:=3}" "${PIN_FILE_SIZE:=256M}" "${PIN_PAIRS:=3}"
    : "${BG_RUNTIME:=5}" "${BG_PAIRS:=1}"
    : "${ROT_DEV_SIZE:=2G}" "${ROT_FILES:=5000}" "${ROT_PAIRS:=1}"
    : "${MANY_BEDS:=3}" "${MANY_DEV_SIZE:=2G}" "${MANY_FILES:=2}" "${MANY_FILE_SIZE:=256M}" "${MANY_LOG_SIZE:=256M}"
    : "${MANY_PAIRS:=1}"
else
    : "${PAIRS:=5}"
    : "${BIG_DEV_SIZE:=16G}" "${BIG_FILES:=4}" "${BIG_FILE_SIZE:=2G}"
    : "${SMALL_DEV_SIZE:=16G}" "${SMALL_FILES:=60000}"
    : "${EXT_DEV_SIZE:=36G}" "${EXT_FILE_SIZE:=8G}" "${EXT_PAIRS:=5}" "${EXT4_FILES:=4}" "${EXT4_PAIRS:=5}" "${EXT_AGCOUNT:=8}"
    : "${PIN_DEV_SIZE:=2G}" "${PIN_FILES:=3}" "${PIN_FILE_SIZE:=512M}" "${PIN_PAIRS:=5}"
    : "${BG_RUNTIME:=10}" "${BG_PAIRS:=1}"
    : "${ROT_DEV_SIZE:=4G}" "${ROT_FILES:=20000}" "${ROT_PAIRS:=5}"
    : "${MANY_BEDS:=3}" "${MANY_DEV_SIZE:=4G}" "${MANY_FILES:=2}" "${MANY_FILE_SIZE:=1G}" "${MANY_LOG_SIZE:=1G}"
    : "${MANY_PAIRS:=5}"
fi
: "${SMALL_MIN:=4096}" "${SMALL_MAX:=65536}" "${SMALL_DIRS:=8}"
: "${AGCOUNT:=4}" "${MKFS_OPTS:=-m rmapbt=1,reflink=1}"
: "${ENGINES:=uring aio sync kernel}"
: "${SWEEP_QD:=4 8 16 32 64}" "${SWEEP_IO:=128K 256K 512K 1M 2M 4M}"
: "${PIN_FAULTS:=100}" "${PIN_IO_SIZES:=default 512K}" "${BG_DELAY:=2}"
: "${ROT_SEEK:=4000 1000}"
: "${PRECONDITION:=1}" "${SEED:=1}" "${WARMUP:=1}" "${KEEP_RAW:=0}" "${FSMAP_LOAD_SECONDS:=15}"
: "${EMULATOR:=$REPO/.build/testbed/libverify_media_emulator.so}"

SELECTED=()
if [ -z "$ONLY" ]; then
    SELECTED=("${DEFAULT_BENCHES[@]}")
else
    IFS=, read -r -a wanted <<<"$ONLY"
    for w in "${wanted[@]}"; do
        case $w in big) w=throughput-big ;; small) w=throughput-small ;; extents-1m | extents-4m) w=extents ;;
        pinpoint) w=pinpoint-overhead ;; bg) w=background ;; many) w=many-disks ;; rot) w=rotational ;; esac
        printf '%s\n' "${KNOWN_BENCHES[@]}" | grep -qxF -- "$w" || { echo "run.sh: unknown benchmark $w" >&2; usage 2; }
        SELECTED+=("$w")
    done
fi
selected() { local b; for b in "$@"; do printf '%s\n' "${SELECTED[@]}" | grep -qxF -- "$b" && return 0; done; return 1; }

# --- logging, results ----------------------------------------------------------

[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root (loop devices, mounts, drop_caches)" >&2; exit 1; }
STAMP=$(date +%Y%m%d-%H%M%S)
OUT=${OUT:-$BENCH/results/$STAMP}
RAW=$OUT/raw
RUNS=$OUT/runs.jsonl
mkdir -p "$RAW" || { echo "run.sh: cannot create $RAW" >&2; exit 1; }
: >"$RUNS"
# tee ignores INT/TERM so that a Ctrl-C still lets the cleanup log and tear down.
exec > >(trap "" INT TERM HUP; exec tee -a "$OUT/log.txt") 2>&1
TEE_PID=$!

say() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { say "run.sh: $*"; exit 1; }

# --- cleanup -------------------------------------------------------------------

BEDS=()      # test beds we brought up
KIDS=()      # background processes we started
cleanup() {
    local rc=$? pid bed
    trap - EXIT INT TERM HUP
    for pid in "${KIDS[@]}"; do
        kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
    done
    for pid in "${KIDS[@]}"; do wait "$pid" 2>/dev/null; done
    for bed in "${BEDS[@]}"; do
        [ -e "$bed" ] || continue
        say "tearing down $bed"
        "$TESTBED" down "$bed" || say "warning: could not tear down $bed"
    done
    [ $rc -ne 0 ] && say "exit status $rc; partial results in $OUT"
    exec >&- 2>&-
    wait "$TEE_PID" 2>/dev/null
    exit $rc
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM HUP

# --- dependencies and the binary ---------------------------------------------------

need_packages() {
    local -a missing=()
    command -v fio >/dev/null || missing+=(fio)
    command -v mkfs.xfs >/dev/null && command -v xfs_io >/dev/null || missing+=(xfsprogs)
    [ -x "$TIME" ] || missing+=(time)
    command -v "$PY" >/dev/null || missing+=(python3)
    command -v losetup >/dev/null || missing+=(util-linux)
    if selected pinpoint-overhead rotational; then
        command -v fusermount3 >/dev/null || missing+=(fuse3)
        [ -x "$REPO/.build/testbed/faultdisk" ] || missing+=(libfuse3-dev pkg-config gcc make)
    fi
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
        die "apt-get install ${missing[*]} failed"
}
need_packages
if selected pinpoint-overhead rotational && [ ! -x "$REPO/.build/testbed/faultdisk" ]; then
    say "building the fault disk (make .build/testbed/faultdisk)"
    make -C "$REPO" -s .build/testbed/faultdisk || die "cannot build the fault disk"
fi
if [ $BUILD = 1 ]; then
    # The product's flags (Makefile), so that this build is the one installed.
    say "make product"
    make -C "$REPO" -s product 2>&1 | tail -n 3 || die "release build failed"
    BINARY=$REPO/.build/release/xfs_verify_media
fi
BINARY=${BINARY:-$REPO/.build/release/xfs_verify_media}
[ -x "$BINARY" ] || die "$BINARY missing (make release)"
# Benchmark a private copy: a rebuild elsewhere must not swap the binary mid-run.
TOOL=$OUT/xfs_verify_media
cp "$BINARY" "$TOOL" || die "cannot copy $BINARY"

# The figures are only worth keeping from a quiet machine: --wait-load L
# waits until the 1-minute load average is below L. The load before and
# after every benchmark is recorded either way (role "load").
if [ -n "$WAIT_LOAD" ]; then
    while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v m="$WAIT_LOAD" 'BEGIN { exit !(l >= m) }'; do
        say "waiting for the 1-minute load to drop below $WAIT_LOAD: $(cut -d' ' -f1-3 /proc/loadavg)"
        sleep 30
    done
fi

"$PY" - "$OUT/meta.json" <<EOF
import json, os, platform, subprocess, sys
def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd="$REPO").stdout.strip()
    except OSError:
        return ""
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
meta = {"started": "$STAMP", "mode": "$MODE", "benches": "${SELECTED[*]}".split(),
        "tool_version": sh("$TOOL", "-V"), "binary": "$BINARY",
        "binary_sha256": sh("sha256sum", "$TOOL").split(" ")[0],
        "git": sh("git", "describe", "--always", "--dirty"), "fio": sh("fio", "--version"),
        "kernel": platform.release(), "cpus": os.cpu_count(), "cpu": cpu,
        "mem_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "params": {k: os.environ.get(k, "") for k in []}}
meta["params"] = dict(PAIRS="$PAIRS", BIG_DEV_SIZE="$BIG_DEV_SIZE", BIG_FILES="$BIG_FILES", BIG_FILE_SIZE="$BIG_FILE_SIZE",
    SMALL_DEV_SIZE="$SMALL_DEV_SIZE", SMALL_FILES="$SMALL_FILES", SMALL_MIN="$SMALL_MIN", SMALL_MAX="$SMALL_MAX",
    SMALL_DIRS="$SMALL_DIRS", EXT_DEV_SIZE="$EXT_DEV_SIZE", EXT_FILE_SIZE="$EXT_FILE_SIZE", EXT_PAIRS="$EXT_PAIRS",
    EXT4_FILES="$EXT4_FILES", EXT4_PAIRS="$EXT4_PAIRS", EXT_AGCOUNT="$EXT_AGCOUNT",
    PIN_DEV_SIZE="$PIN_DEV_SIZE", PIN_FILES="$PIN_FILES", PIN_FILE_SIZE="$PIN_FILE_SIZE", PIN_PAIRS="$PIN_PAIRS",
    PIN_FAULTS="$PIN_FAULTS", PIN_IO_SIZES="$PIN_IO_SIZES", BG_RUNTIME="$BG_RUNTIME", BG_PAIRS="$BG_PAIRS",
    BG_DELAY="$BG_DELAY", ROT_DEV_SIZE="$ROT_DEV_SIZE", ROT_FILES="$ROT_FILES", ROT_PAIRS="$ROT_PAIRS",
    ROT_SEEK="$ROT_SEEK", MANY_BEDS="$MANY_BEDS", MANY_DEV_SIZE="$MANY_DEV_SIZE", MANY_FILES="$MANY_FILES",
    MANY_FILE_SIZE="$MANY_FILE_SIZE", MANY_LOG_SIZE="$MANY_LOG_SIZE", MANY_PAIRS="$MANY_PAIRS",
    ENGINES="$ENGINES", SWEEP_QD="$SWEEP_QD", SWEEP_IO="$SWEEP_IO", AGCOUNT="$AGCOUNT", MKFS_OPTS="$MKFS_OPTS",
    PRECONDITION="$PRECONDITION", SEED="$SEED", WARMUP="$WARMUP", WAIT_LOAD="$WAIT_LOAD")
meta["device"] = {"backing": sh("findmnt", "-n", "-o", "SOURCE,FSTYPE", "--target", "/var/tmp"),
                  "disks": sh("lsblk", "-d", "-n", "-o", "NAME,SIZE,ROTA,MODEL", "-e", "7")}
meta["load_before"] = open("/proc/loadavg").read().split()[:3]
meta["uptime_before"] = sh("uptime")
json.dump(meta, open(sys.argv[1], "w"), indent=1)
EOF
say "results in $OUT ($MODE run: ${SELECTED[*]}; $("$TOOL" -V))"

record_load() {    # BENCH WHEN: the load averages now, as a line of runs.jsonl
    local l1 l5 l15 rest
    read -r l1 l5 l15 rest </proc/loadavg
    "$PY" "$BENCH/lib.py" line bench="$1" role=load when="$2" load1="$l1" load5="$l5" load15="$l15" \
        "uptime=$(uptime)" >>"$RUNS"
    say "  load $l1 $l5 $l15 ($2 of $1)"
}

# --- test beds -------------------------------------------------------------------

# The virtual disk under the images says it spins (virtio's default) and is
# flash on the host: the beds say what they are (--rotational 0), except
# where a spinning disk is modelled (the rotational benchmark).
BED="" MNT="" DATA_DEV="" DATA_CONTROL="" LOG_DEV=""
bed_up() {     # bed_up NAME SIZE [faults] [testbed up options...]: sets BED MNT DATA_DEV DATA_CONTROL LOG_DEV
    local name=bench-$STAMP-$1 size=$2 faults=${3:-} dir agcount=${BED_AGCOUNT:-$AGCOUNT}
    shift 2
    [ $# -gt 0 ] && shift
    local -a args=(--size "$size" --agcount "$agcount" --mkfs "$MKFS_OPTS" --owner $$)
    [ "$faults" = faults ] || args+=(--no-faults)
    [[ " $* " == *" --rotational "* ]] || args+=(--rotational 0)
    args+=("$@")
    say "test bed $name: $size, agcount $agcount, $MKFS_OPTS${faults:+, FUSE fault disk}${*:+, $*}"
    BEDS+=("$name")
    dir=$("$TESTBED" up "$name" "${args[@]}") || die "testbed up $name failed"
    BEDS[${#BEDS[@]}-1]=$dir
    BED=$dir
    MNT=$(sed -n 's/^MNT=//p' "$dir/env" | tail -n 1)
    DATA_DEV=$(sed -n 's/^DATA_DEV=//p' "$dir/env" | tail -n 1)
    DATA_CONTROL=$(sed -n 's/^DATA_CONTROL=//p' "$dir/env" | tail -n 1)
    LOG_DEV=$(sed -n 's/^LOG_DEV=//p' "$dir/env" | tail -n 1)
    [ -n "$MNT" ] && [ -b "$DATA_DEV" ] || die "test bed $dir: no MNT or DATA_DEV in env"
    say "  $DATA_DEV${LOG_DEV:+ (log $LOG_DEV)} on $MNT, rotational $(sed -n 's/^DATA_ROTATIONAL=//p' "$dir/env" | tail -n 1)"
}

bed_down() {   # bed_down [DIR]: the bed at DIR (default: the last one brought up)
    local dir=${1:-$BED}
    [ -n "$dir" ] || return 0
    say "tearing down $dir"
    "$TESTBED" down "$dir" || say "warning: could not tear down $dir"
    local -a left=() b
    for b in "${BEDS[@]}"; do [ "$b" != "$dir" ] && left+=("$b"); done
    BEDS=("${left[@]}")
    [ "$dir" = "$BED" ] && BED="" MNT="" DATA_DEV="" DATA_CONTROL="" LOG_DEV=""
    return 0
}

drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }
now() { date +%s.%N; }

# Writes every free block once (a file filling the free space, then
# deleted): the image file is sparse, and a read of a hole in it returns
# zeroes without any disk I/O, which would flatter fio's reads of the raw
# device (and the tool's reads of free-space gaps) against real data.
precondition() {
    [ "$PRECONDITION" = 1 ] || return 0
    local free
    free=$(df --output=avail -B1 "$MNT" | tail -n 1)
    free=$(((free - (64 << 20)) / (4 << 20) * (4 << 20)))
    [ "$free" -gt 0 ] || return 0
    say "  preconditioning: writing $((free >> 20)) MiB of free space once"
    fio --name=precondition --filename="$MNT/.precondition" --rw=write --bs=4M --size="$free" \
        --ioengine=io_uring --iodepth=8 --direct=1 --output-format=terse >/dev/null 2>"$RAW/precondition.err" ||
        say "  warning: preconditioning failed: $(tail -n 1 "$RAW/precondition.err")"
    rm -f "$MNT/.precondition"
    sync
}

# N files of SIZE bytes, written with O_DIRECT, one writer per file.
write_big_files() {  # DIR PREFIX COUNT SIZE
    mkdir -p "$1"
    fio --name="$2" --directory="$1" --rw=write --bs=1M --size="$4" --nrfiles=1 --numjobs="$3" \
        --ioengine=io_uring --iodepth=16 --direct=1 --output-format=terse >/dev/null 2>"$RAW/write-$2.err" ||
        die "writing $3 x $4 failed: $(tail -n 1 "$RAW/write-$2.err")"
    sync
}

# --- measured runs -----------------------------------------------------------------

EXTRA=()          # key=value pairs added to the next JSON line(s)
LAST_BYTES=""     # the tool's summary.bytes_read of its last run
RUN_ID=0
next_raw() { RUN_ID=$((RUN_ID + 1)); printf -v RAWBASE '%s/%04d-%s' "$RAW" "$RUN_ID" "$1"; }   # sets RAWBASE

brief() { "$PY" "$BENCH/lib.py" brief <<<"$1"; }

# run_tool BENCH ROLE PAIR SLOT ARGS...: one tool run, caches dropped first.
# TOOL_ENV (array) goes in front of the binary (e.g. LD_PRELOAD=...).
TOOL_ENV=()
run_tool() {
    local bench=$1 role=$2 pair=$3 slot=$4 base t0 t1 rc line
    shift 4
    next_raw "$bench-$role"
    base=$RAWBASE
    [ "${NO_DROP:-0}" = 1 ] || drop_caches
    t0=$(now)
    "$TIME" -f '%e %U %S %M' -o "$base.time" env "${TOOL_ENV[@]}" "$TOOL" "$@" >"$base.json" 2>"$base.err"
    rc=$?
    t1=$(now)
    line=$("$PY" "$BENCH/lib.py" tool --bench "$bench" --role "$role" --pair "$pair" --slot "$slot" \
        --raw "$base.json" --time "$base.time" --t0 "$t0" --t1 "$t1" --rc "$rc" "${EXTRA[@]}")
    echo "$line" >>"$RUNS"
    say "  $(brief "$line")"
    # The tool catches SIGINT (a Ctrl-C reaches the whole process group) and
    # exits 4 with a partial report, so bash does not see the interrupt itself.
    if grep -q '"stop_reason" *: *"interrupted by SIG' "$base.json" 2>/dev/null; then
        say "  the scan was interrupted by a signal: stopping the benchmark"
        exit 130
    fi
    LAST_BYTES=$("$PY" "$BENCH/lib.py" get "$base.json" summary.bytes_read 2>/dev/null) || LAST_BYTES=""
    if [ "$rc" -ne 0 ] && [ "$role" != tool-faults ]; then
        say "  tool exited $rc: $(grep -v '^$' "$base.err" | tail -n 2 | paste -sd ' ' -)"
    fi
    return 0
}

# run_fio BENCH ROLE PAIR SLOT FIO-ARGS...
run_fio() {
    local bench=$1 role=$2 pair=$3 slot=$4 base t0 t1 rc line
    shift 4
    next_raw "$bench-$role"
    base=$RAWBASE
    drop_caches
    t0=$(now)
    fio --readonly --output-format=json "$@" >"$base.json" 2>"$base.err"
    rc=$?
    t1=$(now)
    line=$("$PY" "$BENCH/lib.py" fio --bench "$bench" --role "$role" --pair "$pair" --slot "$slot" \
        --raw "$base.json" --t0 "$t0" --t1 "$t1" --rc "$rc" "${EXTRA[@]}")
    echo "$line" >>"$RUNS"
    say "  $(brief "$line")"
    return 0
}

fio_seq() {       # BENCH ROLE PAIR SLOT: the reference sequential read of LAST_BYTES
    run_fio "$1" "$2" "$3" "$4" --name=seq --filename="$DATA_DEV" --rw=read --bs=1M --iodepth=32 \
        --ioengine=io_uring --direct=1 --size="$LAST_BYTES"
}
fio_rand() {      # BENCH ROLE PAIR SLOT: random 1 MiB reads over the same LAST_BYTES
    run_fio "$1" "$2" "$3" "$4" --name=rand --filename="$DATA_DEV" --rw=randread --bs=1M --iodepth=32 \
        --ioengine=io_uring --direct=1 --size="$LAST_BYTES" --randrepeat=0
}

# pairs BENCH N TOOLFN REFFN...: N pairs; the tool first in odd pairs,
# the references first in even ones. Each function gets BENCH PAIR SLOT.
# WARMUP (default 1) tool runs come first, recorded as pair 0 and left out
# of the statistics: the first scan of a fresh test bed is often slower.
pairs() {
    local bench=$1 n=$2 toolfn=$3 p slot f
    shift 3
    warmup "$bench" "$toolfn"
    for p in $(seq "$n"); do
        say " pair $p/$n"
        slot=1
        if [ $((p % 2)) = 1 ]; then
            $toolfn "$bench" "$p" $slot; slot=$((slot + 1))
            [ -n "$LAST_BYTES" ] || { say "  no bytes_read from the tool; skipping fio"; continue; }
            for f in "$@"; do $f "$bench" "$p" $slot; slot=$((slot + 1)); done
        else
            for f in "$@"; do $f "$bench" "$p" $slot; slot=$((slot + 1)); done
            $toolfn "$bench" "$p" $slot
        fi
    done
}

warmup() {    # BENCH TOOLFN: WARMUP runs of TOOLFN, as role "warmup"
    local i
    for i in $(seq "$WARMUP"); do
        say " warm-up $i/$WARMUP"
        WARMUP_ROLE=warmup $2 "$1" 0 "$i"
    done
}

tool_default() { run_tool "$1" "${WARMUP_ROLE:-tool}" "$2" "$3" --json --bench "$MNT"; }
ref_seq() { fio_seq "$1" fio "$2" "$3"; }
ref_rand() { fio_rand "$1" fio-randread "$2" "$3"; }

# --- the benchmarks ------------------------------------------------------------------

setup_big() {
    bed_up big "$BIG_DEV_SIZE"
    precondition
    say "  writing $BIG_FILES x $BIG_FILE_SIZE"
    local t0=$(now)
    write_big_files "$MNT/big" big "$BIG_FILES" "$BIG_FILE_SIZE"
    say "  written in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s"
    LAST_BYTES=""
}

bench_throughput_big() {
    say "== throughput-big: $BIG_FILES x $BIG_FILE_SIZE on $BIG_DEV_SIZE, $PAIRS pairs"
    EXTRA=()
    pairs throughput-big "$PAIRS" tool_default ref_seq
}

tool_engine() { run_tool "$1" "${WARMUP_ROLE:-tool}" "$2" "$3" --json --bench --engine "$ENGINE" "$MNT"; }
bench_engines() {
    say "== engines: ${ENGINES} on the big-file set, one pair each"
    local i=0 e
    for e in $ENGINES; do
        i=$((i + 1))
        EXTRA=("variant=$e")
        TOOL_ENV=()
        if [ "$e" = kernel ]; then
            if [ ! -f "$EMULATOR" ]; then
                say " engine kernel: skipped, $EMULATOR missing (make testbed builds it)"
                "$PY" "$BENCH/lib.py" line bench=engines role=skipped variant=kernel \
                    "note=$EMULATOR missing" >>"$RUNS"
                continue
            fi
            TOOL_ENV=("LD_PRELOAD=$EMULATOR")
        fi
        ENGINE=$e
        say " engine $e"
        # Odd engines tool first, even ones fio first (with the last bytes_read).
        if [ -z "$LAST_BYTES" ] || [ $((i % 2)) = 1 ]; then
            tool_engine engines "$i" 1
            [ -n "$LAST_BYTES" ] && ref_seq engines "$i" 2
        else
            ref_seq engines "$i" 1
            tool_engine engines "$i" 2
        fi
    done
    TOOL_ENV=()
    EXTRA=()
}

bench_sweep() {
    say "== sweep: QD {$SWEEP_QD} x io size {$SWEEP_IO} on the big-file set"
    local qd io p=0
    EXTRA=()
    warmup sweep tool_default    # also gives fio its --size
    for qd in $SWEEP_QD; do
        p=$((p + 1))
        EXTRA=()
        ref_seq sweep "$p" 0
        for io in $SWEEP_IO; do
            EXTRA=("qd=$qd" "io=$("$PY" -c "import sys; s=sys.argv[1].upper(); m={'K':1<<10,'M':1<<20,'G':1<<30}; print(int(s[:-1])*m[s[-1]] if s[-1] in m else int(s))" "$io")")
            run_tool sweep tool "$p" 1 --json --bench --queue-depth "$qd" --io-size "$io" "$MNT"
        done
    done
    EXTRA=()
}

# Foreground fio with and without a background scan started BG_DELAY s later.
fg_run() {    # VARIANT PAIR SLOT WITHBG FIO-ARGS...
    local variant=$1 pair=$2 slot=$3 withbg=$4 base bgbase fpid tpid t0 t1 rc trc=0 line role=fg-alone
    shift 4
    [ "$withbg" = 1 ] && role=fg-with-bg
    next_raw "background-$variant-$role"
    base=$RAWBASE
    drop_caches
    t0=$(now)
    fio --readonly --output-format=json --name=fg --filename="$DATA_DEV" --direct=1 --ioengine=io_uring \
        --time_based --runtime="$BG_RUNTIME" "$@" >"$base.json" 2>"$base.err" &
    fpid=$!
    KIDS+=("$fpid")
    if [ "$withbg" = 1 ]; then
        sleep "$BG_DELAY"
        next_raw "background-$variant-bg"
        bgbase=$RAWBASE
        rm -f "$bgbase.json"
        "$TOOL" -b --report "$bgbase.json" "$MNT" >"$bgbase.out" 2>&1 &
        tpid=$!
        KIDS+=("$tpid")
    fi
    wait "$fpid"
    rc=$?
    t1=$(now)
    if [ "$withbg" = 1 ]; then
        if kill -0 "$tpid" 2>/dev/null; then
            kill -INT "$tpid"
            local i
            for i in $(seq 100); do kill -0 "$tpid" 2>/dev/null || break; sleep 0.1; done
            kill -0 "$tpid" 2>/dev/null && { say "  background scan ignored SIGINT for 10 s; SIGKILL"; kill -KILL "$tpid"; }
        fi
        wait "$tpid"
        trc=$?
    fi
    EXTRA=("variant=$variant")
    line=$("$PY" "$BENCH/lib.py" fio --bench background --role "$role" --pair "$pair" --slot "$slot" \
        --raw "$base.json" --t0 "$t0" --t1 "$t1" --rc "$rc" "${EXTRA[@]}")
    echo "$line" >>"$RUNS"
    say "  $(brief "$line")"
    if [ "$withbg" = 1 ]; then
        line=$("$PY" "$BENCH/lib.py" bg --bench background --role bg --pair "$pair" --slot "$slot" \
            --raw "$bgbase.json" --t0 "$t0" --t1 "$t1" --rc "$trc" "${EXTRA[@]}")
        echo "$line" >>"$RUNS"
        say "  $(brief "$line")"
    fi
    KIDS=()
    EXTRA=()
}

bench_background() {
    say "== background: foreground fio for ${BG_RUNTIME}s alone and with 'xfs_verify_media -b' (from +${BG_DELAY}s), $BG_PAIRS pairs per job"
    local p variant
    local -a args
    for variant in randread-4k read-128k; do
        case $variant in
        randread-4k) args=(--rw=randread --bs=4k --iodepth=4 --randrepeat=0) ;;
        read-128k) args=(--rw=read --bs=128k --iodepth=4) ;;
        esac
        say " foreground $variant: fio ${args[*]}"
        for p in $(seq "$BG_PAIRS"); do
            if [ $((p % 2)) = 1 ]; then
                fg_run "$variant" "$p" 1 0 "${args[@]}"
                fg_run "$variant" "$p" 2 1 "${args[@]}"
            else
                fg_run "$variant" "$p" 1 1 "${args[@]}"
                fg_run "$variant" "$p" 2 0 "${args[@]}"
            fi
        done
    done
}

bench_throughput_small() {
    say "== throughput-small: $SMALL_FILES files of $SMALL_MIN..$SMALL_MAX bytes in $SMALL_DIRS directories, $PAIRS pairs"
    bed_up small "$SMALL_DEV_SIZE"
    precondition
    local t0=$(now) bytes
    bytes=$("$PY" "$BENCH/mkfiles.py" "$MNT/small" "$SMALL_FILES" "$SMALL_MIN" "$SMALL_MAX" "$SMALL_DIRS" "$SEED") ||
        die "mkfiles.py failed"
    sync
    say "  $SMALL_FILES files, $((bytes >> 20)) MiB, written and synced in $(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }') s"
    "$PY" "$BENCH/lib.py" line bench=throughput-small role=setup files="$SMALL_FILES" bytes="$bytes" >>"$RUNS"
    LAST_BYTES=""
    EXTRA=()
    pairs throughput-small "$PAIRS" tool_default ref_seq ref_rand
    bed_down
}

# Files with every other 4 KiB block punched, one per directory (XFS puts
# each new directory, and so its file, in the next allocation group):
# written one after the other, punched side by side.
punched_files() {   # BENCH FIRST LAST: files e$FIRST/ext.0.0 .. e$LAST/ext.0.0
    local bench=$1 i t0 secs holes=0 n pid
    local -a pids=()
    for i in $(seq "$2" "$3"); do write_big_files "$MNT/e$i" ext 1 "$EXT_FILE_SIZE"; done
    t0=$(now)
    for i in $(seq "$2" "$3"); do
        PUNCH_PROGRESS=262144 "$PY" "$BENCH/punch.py" "$MNT/e$i/ext.0.0" >"$RAW/punch-e$i.out" 2>"$RAW/punch-e$i.err" &
        pids+=("$!")
        KIDS+=("$!")
    done
    for pid in "${pids[@]}"; do wait "$pid" || die "punch.py failed: $(tail -n 1 "$RAW"/punch-e*.err)"; done
    KIDS=()
    sync
    for i in $(seq "$2" "$3"); do n=$(cat "$RAW/punch-e$i.out"); holes=$((holes + n)); done
    secs=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
    say "  punched $holes holes in $(($3 - $2 + 1)) file(s) in $secs s"
    "$PY" "$BENCH/lib.py" line bench="$bench" role=setup holes="$holes" files="$(($3 - $2 + 1))" \
        punch_seconds="$secs" >>"$RUNS"
}

bench_extents() {
    say "== extents: $EXT_FILE_SIZE files with every other 4 KiB block punched: one (extents-1m, $EXT_PAIRS pairs), then $EXT4_FILES (extents-4m, $EXT4_PAIRS pairs)"
    # Allocation groups of about 4 GiB, as on the 16 GiB beds: a file spans two.
    BED_AGCOUNT=$EXT_AGCOUNT bed_up extents "$EXT_DEV_SIZE"
    precondition
    punched_files extents-1m 0 0
    LAST_BYTES=""
    EXTRA=()
    record_load extents-1m start
    pairs extents-1m "$EXT_PAIRS" tool_default ref_seq
    fsmap_reference extents-1m cold warm
    fsmap_under_fio extents-1m
    record_load extents-1m end
    if [ "$EXT4_FILES" -gt 1 ]; then
        punched_files extents-4m 1 $((EXT4_FILES - 1))
        LAST_BYTES=""
        record_load extents-4m start
        # The bed is warm from extents-1m: no warm-up run (32 GiB, half a minute).
        WARMUP=0 pairs extents-4m "$EXT4_PAIRS" tool_default ref_seq
        fsmap_reference extents-4m cold
        record_load extents-4m end
    fi
    bed_down
}

# The kernel's GETFSMAP rate and CPU time as xfs_io sees them (it prints
# every record, so the rate is a lower bound; its system time is mostly
# GETFSMAP's), with cold and/or warm caches, and with warm caches also one
# tool run: what the tool's space_map figures can be compared with.
fsmap_reference() {    # BENCH cold|warm...
    local bench=$1 cache t0 t1 n base
    shift
    for cache in "$@"; do
        [ $cache = cold ] && drop_caches
        next_raw "$bench-fsmap-$cache"
        base=$RAWBASE
        t0=$(now)
        n=$("$TIME" -f '%e %U %S %M' -o "$base.time" xfs_io -r -c 'fsmap -d' "$MNT" | wc -l)
        t1=$(now)
        "$PY" "$BENCH/lib.py" line bench="$bench" role=fsmap-xfs_io variant=$cache records="$n" \
            seconds="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" \
            $(awk 'NF == 4 { printf "user=%s sys=%s", $2, $3 }' "$base.time") raw="$(basename "$base").time" >>"$RUNS"
        say "  xfs_io -c 'fsmap -d', $cache caches: $n lines in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s = %.0f/s", b - a, '"$n"' / (b - a) }'), $(awk 'NF == 4 { printf "user %s s, sys %s s", $2, $3 }' "$base.time")"
    done
    # And the tool with the metadata still cached (every other run drops caches first).
    if [[ " $* " == *" warm "* ]]; then NO_DROP=1 run_tool "$bench" tool-warm 0 1 --json --bench "$MNT"; fi
    return 0
}

# GETFSMAP's rate, caches cold, while fio reads the same device (QD 32 x
# 1 MiB, as in the reference): how much the btree's block reads, one at a
# time, are slowed by reads queued ahead of them on the device. xfs_io is
# stopped after FSMAP_LOAD_SECONDS; the rate counts the records printed
# (128 per call, so at most one call's records are missed).
fsmap_under_fio() {    # BENCH
    local bench=$1 base t0 t1 n fpid
    drop_caches
    next_raw "$bench-fsmap-under-fio"
    base=$RAWBASE
    fio --readonly --output-format=json --name=load --filename="$DATA_DEV" --rw=read --bs=1M --iodepth=32 \
        --ioengine=io_uring --direct=1 --time_based --runtime=$((FSMAP_LOAD_SECONDS + 30)) >"$base.json" 2>"$base.err" &
    fpid=$!
    KIDS+=("$fpid")
    sleep 1
    t0=$(now)
    n=$(timeout "$FSMAP_LOAD_SECONDS" xfs_io -r -c 'fsmap -d -n 128' "$MNT" | wc -l)
    t1=$(now)
    kill -INT "$fpid" 2>/dev/null
    wait "$fpid"
    KIDS=()
    "$PY" "$BENCH/lib.py" line bench="$bench" role=fsmap-xfs_io variant=cold-under-fio records="$n" \
        seconds="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" raw="$(basename "$base").json" >>"$RUNS"
    say "  xfs_io -c 'fsmap -d', cold caches, fio reading the device: $n lines in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s = %.0f/s", b - a, '"$n"' / (b - a) }')"
}

bench_pinpoint() {
    say "== pinpoint-overhead: $PIN_FILES x $PIN_FILE_SIZE on a $PIN_DEV_SIZE fault disk, $PIN_FAULTS single-sector EIO faults, $PIN_PAIRS pairs per I/O size ($PIN_IO_SIZES)"
    bed_up pinpoint "$PIN_DEV_SIZE" faults
    [ -n "$DATA_CONTROL" ] && [ -e "$DATA_CONTROL" ] || die "no DATA_CONTROL in the fault-disk test bed"
    precondition
    write_big_files "$MNT/data" pin "$PIN_FILES" "$PIN_FILE_SIZE"
    local faults=$RAW/pinpoint-faults.txt p io
    local -a ioargs=()
    "$PY" "$BENCH/faults.py" "$PIN_FAULTS" "$SEED" "$MNT"/data/* >"$faults" || die "faults.py failed"
    say "  $(wc -l <"$faults") fault offsets in raw/$(basename "$faults")"
    arm() { cat "$faults" >"$DATA_CONTROL"; }
    disarm() { echo clear >"$DATA_CONTROL"; }
    # The fault disk counts every read that reaches it: reset before a scan,
    # its `total READS BYTES` after it is the scan's device I/O, noise-free.
    disk_io() {    # VARIANT PAIR SLOT
        local total reads bytes
        total=$(grep '^total ' "$DATA_CONTROL") || return 0
        read -r _ reads bytes <<<"$total"
        "$PY" "$BENCH/lib.py" line bench=pinpoint-overhead role=disk-io variant="$1" pair="$2" slot="$3" \
            io="$io" reads="$reads" bytes="$bytes" >>"$RUNS"
        say "  fault disk: $reads reads, $((bytes >> 20)) MiB"
    }
    pin_clean() {
        disarm
        echo reset >"$DATA_CONTROL"
        run_tool pinpoint-overhead tool-clean "$2" "$3" --json --bench "${ioargs[@]}" "$MNT"
        disk_io clean "$2" "$3"
    }
    pin_faults() {
        arm
        echo reset >"$DATA_CONTROL"
        run_tool pinpoint-overhead tool-faults "$2" "$3" --json --bench "${ioargs[@]}" "$MNT"
        disk_io faults "$2" "$3"
        # Per fault: reads that touched it and failed.
        cp "$DATA_CONTROL" "$RAW/$(printf '%04d' "$RUN_ID")-pinpoint-overhead-control.txt" 2>/dev/null
        disarm
    }
    for io in $PIN_IO_SIZES; do
        ioargs=()
        [ "$io" = default ] || ioargs=(--io-size "$io")
        say " I/O size $io"
        EXTRA=("faults=$PIN_FAULTS" "io=$io")
        for p in $(seq "$WARMUP"); do
            say " warm-up $p/$WARMUP"
            disarm
            run_tool pinpoint-overhead warmup 0 "$p" --json --bench "${ioargs[@]}" "$MNT"
        done
        for p in $(seq "$PIN_PAIRS"); do
            say " pair $p/$PIN_PAIRS"
            if [ $((p % 2)) = 1 ]; then
                pin_clean pinpoint-overhead "$p" 1
                pin_faults pinpoint-overhead "$p" 2
            else
                pin_faults pinpoint-overhead "$p" 1
                pin_clean pinpoint-overhead "$p" 2
            fi
        done
    done
    disarm
    EXTRA=()
    bed_down
}

# A spinning disk: the fault disk's seek model (ROT_SEEK: microseconds to
# move at all, and per GiB of distance), small files in every allocation
# group; the same device read as rotational (one sweep) and as flash
# (nearest lane ready, a planning thread per group), by flipping its
# queue/rotational, against fio reading as many bytes from its start.
bench_rotational() {
    say "== rotational: $ROT_FILES files of $SMALL_MIN..$SMALL_MAX bytes in $SMALL_DIRS directories on a $ROT_DEV_SIZE fault disk, seek model '$ROT_SEEK', read as a spinning disk and as flash, $ROT_PAIRS pairs"
    bed_up rotational "$ROT_DEV_SIZE" faults --rotational 1
    precondition
    local bytes queue=/sys/block/${DATA_DEV#/dev/}/queue/rotational
    bytes=$("$PY" "$BENCH/mkfiles.py" "$MNT/small" "$ROT_FILES" "$SMALL_MIN" "$SMALL_MAX" "$SMALL_DIRS" "$SEED") ||
        die "mkfiles.py failed"
    sync
    say "  $ROT_FILES files, $((bytes >> 20)) MiB"
    echo "seek $ROT_SEEK" >"$DATA_CONTROL" || die "the fault disk refuses its seek model"
    seeks_line() {    # VARIANT PAIR SLOT: what the seek model and the counters saw
        local seek total s_count s_us reads bytes
        seek=$(grep '^seek ' "$DATA_CONTROL") total=$(grep '^total ' "$DATA_CONTROL")
        read -r _ _ _ s_count s_us <<<"$seek"
        read -r _ reads bytes <<<"$total"
        "$PY" "$BENCH/lib.py" line bench=rotational role=disk-io variant="$1" pair="$2" slot="$3" \
            seeks="$s_count" seek_us="$s_us" reads="$reads" bytes="$bytes" >>"$RUNS"
        say "  seek model: $s_count seeks, $((s_us / 1000)) ms waited; $reads reads, $((bytes >> 20)) MiB"
    }
    rot_tool() {      # ORDER ROLE PAIR SLOT
        if [ "$1" = sweep ]; then echo 1 >"$queue"; else echo 0 >"$queue"; fi
        echo reset >"$DATA_CONTROL"
        EXTRA=("variant=$1")
        run_tool rotational "$2" "$3" "$4" --json --bench "$MNT"
        EXTRA=()
        seeks_line "$1" "$3" "$4"
    }
    rot_sweep() { rot_tool sweep "${WARMUP_ROLE:-tool}" "$2" "$3"; }
    rot_nearest() { rot_tool nearest tool-nearest "$2" "$3"; }
    rot_fio() {
        echo reset >"$DATA_CONTROL"
        fio_seq rotational fio "$2" "$3"
        seeks_line fio "$2" "$3"
    }
    LAST_BYTES=""
    EXTRA=()
    pairs rotational "$ROT_PAIRS" rot_sweep rot_nearest rot_fio
    echo "seek off" >"$DATA_CONTROL"
    bed_down
}

# Many disks: MANY_BEDS filesystems on as many loop devices, one scan
# process each, all at once (as xfs_verify_media_all runs the filesystems of
# different disks), against one fio with a job per device reading as many
# bytes from each; then one filesystem with an external log device (this
# kernel has no realtime support), one process reading both devices,
# against fio with a job per device.
MANY_MNTS=() MANY_DEVS=() MANY_BYTES=()
many_tools() {    # BENCH PAIR SLOT
    local i t0 t1 rc=0 one pid
    local -a bases=() pids=()
    drop_caches
    t0=$(now)
    for i in "${!MANY_MNTS[@]}"; do
        next_raw "$1-part$i"
        bases+=("$RAWBASE")
        "$TIME" -f '%e %U %S %M' -o "$RAWBASE.time" "$TOOL" --json --bench "${MANY_MNTS[$i]}" >"$RAWBASE.json" 2>"$RAWBASE.err" &
        pids+=("$!")
    done
    for pid in "${pids[@]}"; do wait "$pid"; one=$?; [ $one -gt $rc ] && rc=$one; done
    t1=$(now)
    local jsons times line
    jsons=$(printf '%s.json,' "${bases[@]}") times=$(printf '%s.time,' "${bases[@]}")
    line=$("$PY" "$BENCH/lib.py" toolset --bench "$1" --role "${WARMUP_ROLE:-tool}" --pair "$2" --slot "$3" \
        --raw "${jsons%,}" --time "${times%,}" --t0 "$t0" --t1 "$t1" --rc "$rc" "${EXTRA[@]}")
    echo "$line" >>"$RUNS"
    say "  $(brief "$line")"
    MANY_BYTES=()
    for i in "${!bases[@]}"; do MANY_BYTES+=("$("$PY" "$BENCH/lib.py" get "${bases[$i]}.json" summary.bytes_read)"); done
    LAST_BYTES=${MANY_BYTES[0]}
}
many_fio() {      # BENCH PAIR SLOT: one job per device, as many bytes as the scans read there
    local i
    local -a jobs=()
    for i in "${!MANY_DEVS[@]}"; do jobs+=(--name="dev$i" --filename="${MANY_DEVS[$i]}" --size="${MANY_BYTES[$i]}"); done
    run_fio "$1" fio "$2" "$3" --rw=read --bs=1M --iodepth=32 --ioengine=io_uring --direct=1 "${jobs[@]}"
}
log_tool() {      # BENCH PAIR SLOT: one scan of the data and log devices
    run_tool "$1" "${WARMUP_ROLE:-tool}" "$2" "$3" --json --bench "$MNT"
    local raw=$RAW/$(printf '%04d' "$RUN_ID")-$1-${WARMUP_ROLE:-tool}.json
    MANY_BYTES=("$("$PY" "$BENCH/lib.py" get "$raw" devices.0.bytes_read)"
                "$("$PY" "$BENCH/lib.py" get "$raw" devices.1.bytes_read)")
}

bench_many() {
    say "== many-disks: $MANY_BEDS filesystems of $MANY_FILES x $MANY_FILE_SIZE on $MANY_DEV_SIZE loop devices scanned at once, then data and log devices of one filesystem, $MANY_PAIRS pairs each"
    local i
    local -a dirs=()
    MANY_MNTS=() MANY_DEVS=()
    for i in $(seq "$MANY_BEDS"); do
        bed_up "many$i" "$MANY_DEV_SIZE"
        precondition
        write_big_files "$MNT/big" big "$MANY_FILES" "$MANY_FILE_SIZE"
        dirs+=("$BED")
        MANY_MNTS+=("$MNT")
        MANY_DEVS+=("$DATA_DEV")
    done
    LAST_BYTES=""
    EXTRA=("filesystems=$MANY_BEDS")
    pairs many-disks "$MANY_PAIRS" many_tools many_fio
    for i in "${dirs[@]}"; do bed_down "$i"; done
    bed_up manylog "$MANY_DEV_SIZE" "" --logdev "$MANY_LOG_SIZE"
    precondition
    write_big_files "$MNT/big" big "$MANY_FILES" "$MANY_FILE_SIZE"
    MANY_DEVS=("$DATA_DEV" "$LOG_DEV")
    LAST_BYTES=""
    EXTRA=("devices=2")
    pairs many-devices "$MANY_PAIRS" log_tool many_fio
    EXTRA=()
    bed_down
}

# --- main ------------------------------------------------------------------------------

run_bench() {     # NAME FUNCTION: the load before and after it
    record_load "$1" start
    "$2"
    record_load "$1" end
}

START=$(now)
record_load run start
if selected throughput-big engines sweep background; then
    setup_big
    selected throughput-big && run_bench throughput-big bench_throughput_big
    selected engines && run_bench engines bench_engines
    selected sweep && run_bench sweep bench_sweep
    selected background && run_bench background bench_background
    bed_down
fi
selected throughput-small && run_bench throughput-small bench_throughput_small
selected extents && bench_extents
selected pinpoint-overhead && run_bench pinpoint-overhead bench_pinpoint
selected rotational && run_bench rotational bench_rotational
selected many-disks && run_bench many-disks bench_many

say "done in $(awk -v a="$START" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }') s; results in $OUT"
record_load run end
"$PY" - "$OUT/meta.json" "$(awk -v a="$START" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }')" <<'EOF'
import json, subprocess, sys
meta = json.load(open(sys.argv[1]))
meta["seconds"] = int(sys.argv[2])
meta["load_after"] = open("/proc/loadavg").read().split()[:3]
meta["uptime_after"] = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
json.dump(meta, open(sys.argv[1], "w"), indent=1)
EOF
echo
"$PY" "$BENCH/lib.py" summary "$OUT"
# What is kept in git: the lines, the summary, and the raw outputs packed.
if [ "$KEEP_RAW" != 1 ] && [ -d "$RAW" ]; then
    tar -C "$OUT" -cJf "$OUT/raw.tar.xz" raw && rm -rf "$RAW"
fi
