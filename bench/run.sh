#!/usr/bin/env bash
# bench/run.sh: xfs_verify_media benchmarks, reported as ratios against fio
# measured in the same run on the same device. See bench/README.md.
#
#   bench/run.sh [--quick] [--only NAME[,NAME...]] [--pairs N] [--out DIR]
#                [--binary PATH] [--no-build] [--list] [-h]
#
# Needs root. Builds the release binary, builds test beds (loop devices on
# image files under /var/tmp, or FUSE fault disks) with testbed/testbed,
# tears them down on exit, writes bench/results/<timestamp>/{runs.jsonl,
# raw/, meta.json, summary.txt, summary.json, log.txt}.
set -uo pipefail
export LC_ALL=C
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

BENCH=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
REPO=$(dirname "$BENCH")
TESTBED=$REPO/testbed/testbed
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
TIME=/usr/bin/time

DEFAULT_BENCHES=(throughput-big throughput-small extents-1m engines pinpoint-overhead background)
KNOWN_BENCHES=("${DEFAULT_BENCHES[@]}" sweep)

usage() {
    sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    echo "Benchmarks: ${KNOWN_BENCHES[*]} (sweep only with --only)."
    echo "Sizes and counts are environment variables; see bench/README.md."
    exit "${1:-0}"
}

# --- options -----------------------------------------------------------------

MODE=full ONLY="" OUT="" BINARY="" BUILD=1
while [ $# -gt 0 ]; do
    case $1 in
    --quick) MODE=quick ;;
    --only) [ $# -ge 2 ] || usage 2; ONLY=$2; shift ;;
    --only=*) ONLY=${1#--only=} ;;
    --pairs) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || usage 2; PAIRS=$2; shift ;;
    --out) [ $# -ge 2 ] || usage 2; OUT=$2; shift ;;
    --binary) [ $# -ge 2 ] || usage 2; BINARY=$2; BUILD=0; shift ;;
    --no-build) BUILD=0 ;;
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
    : "${EXT_DEV_SIZE:=4G}" "${EXT_FILE_SIZE:=1G}" "${EXT_PAIRS:=1}"
    : "${PIN_DEV_SIZE:=1G}" "${PIN_FILES:=3}" "${PIN_FILE_SIZE:=256M}" "${PIN_PAIRS:=3}"
    : "${BG_RUNTIME:=10}" "${BG_PAIRS:=1}"
else
    : "${PAIRS:=7}"
    : "${BIG_DEV_SIZE:=16G}" "${BIG_FILES:=4}" "${BIG_FILE_SIZE:=2G}"
    : "${SMALL_DEV_SIZE:=16G}" "${SMALL_FILES:=60000}"
    : "${EXT_DEV_SIZE:=16G}" "${EXT_FILE_SIZE:=8G}" "${EXT_PAIRS:=3}"
    : "${PIN_DEV_SIZE:=2G}" "${PIN_FILES:=3}" "${PIN_FILE_SIZE:=512M}" "${PIN_PAIRS:=5}"
    : "${BG_RUNTIME:=30}" "${BG_PAIRS:=3}"
fi
: "${SMALL_MIN:=4096}" "${SMALL_MAX:=65536}" "${SMALL_DIRS:=8}"
: "${AGCOUNT:=4}" "${MKFS_OPTS:=-m rmapbt=1,reflink=1}"
: "${ENGINES:=uring aio sync kernel}"
: "${SWEEP_QD:=4 8 16 32 64}" "${SWEEP_IO:=128K 256K 512K 1M 2M 4M}"
: "${PIN_FAULTS:=100}" "${BG_DELAY:=2}"
: "${PRECONDITION:=1}" "${SEED:=1}" "${WARMUP:=1}"
: "${EMULATOR:=$REPO/.build/testbed/libverify_media_emulator.so}"

SELECTED=()
if [ -z "$ONLY" ]; then
    SELECTED=("${DEFAULT_BENCHES[@]}")
else
    IFS=, read -r -a wanted <<<"$ONLY"
    for w in "${wanted[@]}"; do
        case $w in big) w=throughput-big ;; small) w=throughput-small ;; extents) w=extents-1m ;;
        pinpoint) w=pinpoint-overhead ;; bg) w=background ;; esac
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
    if selected pinpoint-overhead; then
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
if selected pinpoint-overhead && [ ! -x "$REPO/.build/testbed/faultdisk" ]; then
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
    PIN_DEV_SIZE="$PIN_DEV_SIZE", PIN_FILES="$PIN_FILES", PIN_FILE_SIZE="$PIN_FILE_SIZE", PIN_PAIRS="$PIN_PAIRS",
    PIN_FAULTS="$PIN_FAULTS", BG_RUNTIME="$BG_RUNTIME", BG_PAIRS="$BG_PAIRS", BG_DELAY="$BG_DELAY",
    ENGINES="$ENGINES", SWEEP_QD="$SWEEP_QD", SWEEP_IO="$SWEEP_IO", AGCOUNT="$AGCOUNT", MKFS_OPTS="$MKFS_OPTS",
    PRECONDITION="$PRECONDITION", SEED="$SEED", WARMUP="$WARMUP")
json.dump(meta, open(sys.argv[1], "w"), indent=1)
EOF
say "results in $OUT ($MODE run: ${SELECTED[*]}; $("$TOOL" -V))"

# --- test beds -------------------------------------------------------------------

BED="" MNT="" DATA_DEV="" DATA_CONTROL=""
bed_up() {     # bed_up NAME SIZE [faults]: sets BED MNT DATA_DEV DATA_CONTROL
    local name=bench-$STAMP-$1 size=$2 faults=${3:-} dir
    local -a args=(--size "$size" --agcount "$AGCOUNT" --mkfs "$MKFS_OPTS" --owner $$)
    [ "$faults" = faults ] || args+=(--no-faults)
    say "test bed $name: $size, agcount $AGCOUNT, $MKFS_OPTS${faults:+, FUSE fault disk}"
    BEDS+=("$name")
    dir=$("$TESTBED" up "$name" "${args[@]}") || die "testbed up $name failed"
    BEDS[${#BEDS[@]}-1]=$dir
    BED=$dir
    MNT=$(sed -n 's/^MNT=//p' "$dir/env" | tail -n 1)
    DATA_DEV=$(sed -n 's/^DATA_DEV=//p' "$dir/env" | tail -n 1)
    DATA_CONTROL=$(sed -n 's/^DATA_CONTROL=//p' "$dir/env" | tail -n 1)
    [ -n "$MNT" ] && [ -b "$DATA_DEV" ] || die "test bed $dir: no MNT or DATA_DEV in env"
    say "  $DATA_DEV on $MNT"
}

bed_down() {
    [ -n "$BED" ] || return 0
    say "tearing down $BED"
    "$TESTBED" down "$BED" || say "warning: could not tear down $BED"
    local -a left=() b
    for b in "${BEDS[@]}"; do [ "$b" != "$BED" ] && left+=("$b"); done
    BEDS=("${left[@]}")
    BED="" MNT="" DATA_DEV="" DATA_CONTROL=""
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

bench_extents() {
    say "== extents-1m: a $EXT_FILE_SIZE file with every other 4 KiB block punched, $EXT_PAIRS pairs"
    bed_up extents "$EXT_DEV_SIZE"
    precondition
    write_big_files "$MNT" ext 1 "$EXT_FILE_SIZE"
    local f t0 holes secs
    f=$(ls "$MNT"/ext.0.0) || die "no extents file"
    t0=$(now)
    holes=$(PUNCH_PROGRESS=262144 "$PY" "$BENCH/punch.py" "$f") || die "punch.py failed"
    sync
    secs=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
    say "  punched $holes holes in $secs s"
    "$PY" "$BENCH/lib.py" line bench=extents-1m role=setup holes="$holes" punch_seconds="$secs" >>"$RUNS"
    LAST_BYTES=""
    EXTRA=()
    pairs extents-1m "$EXT_PAIRS" tool_default ref_seq
    fsmap_reference extents-1m
    bed_down
}

# The kernel's GETFSMAP rate as xfs_io sees it (it prints every record, so
# this is a lower bound), with cold and warm caches, and one tool run with
# warm caches: what the tool's space_map.records_per_second can be compared with.
fsmap_reference() {
    local bench=$1 cache t0 t1 n
    for cache in cold warm; do
        [ $cache = cold ] && drop_caches
        t0=$(now)
        n=$(xfs_io -r -c 'fsmap -d' "$MNT" | wc -l)
        t1=$(now)
        "$PY" "$BENCH/lib.py" line bench="$bench" role=fsmap-xfs_io variant=$cache records="$n" \
            seconds="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')" >>"$RUNS"
        say "  xfs_io -c 'fsmap -d', $cache caches: $n lines in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s = %.0f/s", b - a, '"$n"' / (b - a) }')"
    done
    # And the tool with the metadata still cached (every other run drops caches first).
    NO_DROP=1 run_tool "$bench" tool-warm 0 1 --json --bench "$MNT"
}

bench_pinpoint() {
    say "== pinpoint-overhead: $PIN_FILES x $PIN_FILE_SIZE on a $PIN_DEV_SIZE fault disk, $PIN_FAULTS single-sector EIO faults, $PIN_PAIRS pairs"
    bed_up pinpoint "$PIN_DEV_SIZE" faults
    [ -n "$DATA_CONTROL" ] && [ -e "$DATA_CONTROL" ] || die "no DATA_CONTROL in the fault-disk test bed"
    precondition
    write_big_files "$MNT/data" pin "$PIN_FILES" "$PIN_FILE_SIZE"
    local faults=$RAW/pinpoint-faults.txt p
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
            reads="$reads" bytes="$bytes" >>"$RUNS"
        say "  fault disk: $reads reads, $((bytes >> 20)) MiB"
    }
    pin_clean() {
        disarm
        echo reset >"$DATA_CONTROL"
        run_tool pinpoint-overhead tool-clean "$2" "$3" --json --bench "$MNT"
        disk_io clean "$2" "$3"
    }
    pin_faults() {
        arm
        echo reset >"$DATA_CONTROL"
        run_tool pinpoint-overhead tool-faults "$2" "$3" --json --bench "$MNT"
        disk_io faults "$2" "$3"
        # Per fault: reads that touched it and failed.
        cp "$DATA_CONTROL" "$RAW/$(printf '%04d' "$RUN_ID")-pinpoint-overhead-control.txt" 2>/dev/null
        disarm
    }
    EXTRA=("faults=$PIN_FAULTS")
    for p in $(seq "$WARMUP"); do
        say " warm-up $p/$WARMUP"
        disarm
        run_tool pinpoint-overhead warmup 0 "$p" --json --bench "$MNT"
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
    disarm
    EXTRA=()
    bed_down
}

# --- main ------------------------------------------------------------------------------

START=$(now)
if selected throughput-big engines sweep background; then
    setup_big
    selected throughput-big && bench_throughput_big
    selected engines && bench_engines
    selected sweep && bench_sweep
    selected background && bench_background
    bed_down
fi
selected throughput-small && bench_throughput_small
selected extents-1m && bench_extents
selected pinpoint-overhead && bench_pinpoint

say "done in $(awk -v a="$START" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }') s; results in $OUT"
echo
"$PY" "$BENCH/lib.py" summary "$OUT"
