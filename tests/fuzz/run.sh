#!/bin/sh
# SPDX-License-Identifier: MIT
# tests/fuzz/run.sh BUILD_DIR SECONDS: runs every libFuzzer binary fuzz_<name> of a build made
# with MC_FUZZ=ON (cmake --preset fuzz) for SECONDS each, over a copy of its seed corpus
# tests/fuzz/corpus/<name>/ (the repository corpus is never modified). New inputs the fuzzer keeps
# and any crash, leak, timeout or out-of-memory input land in BUILD_DIR/fuzz-out/<name>/.
# Exits non-zero if any fuzzer fails; the crash file's path is printed.
set -u

if [ $# -ne 2 ]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build=$(cd "$1" && pwd) || exit 2
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
bindir=$build/tests/fuzz
out=$build/fuzz-out

# -max_len per target: a spec is at most 1023 bytes (more only tests the length check), and so is
# a transport spec (its address and options, which come from a source spec); an event line a few
# hundred; the h5_reader script uses about 1 KiB for three streams and their tables;
# file formats get room for their largest seed (a WFDB header and .dat, a NIRx set, an .xlsx, an
# HDF5 image of a SNIRF file).
max_len() {
    case $1 in
        source_spec | transport_spec) echo 1100 ;;
        event_line | osc_event) echo 512 ;;
        h5_reader) echo 4096 ;;
        wfdb | nirx | xlsx | audio | vital) echo 8192 ;;
        snirf) echo 32768 ;;
        *) echo 4096 ;;
    esac
}

# Sanitizers stop at the first error; impossible allocations return NULL (the code under test
# must report MC_ENOMEM, not crash). Caller-given options come first and may be overridden here
# only where fuzzing needs it.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}halt_on_error=1:detect_leaks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:print_stacktrace=1"
# libhdf5 1.10.8 leaks on some corrupt object headers (its own allocations: lsan_hdf5.supp).
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$here/lsan_hdf5.supp"

# Temporary HDF5 files (h5_reader) go to memory when possible: fsync there costs nothing.
scratch=
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    scratch=$(mktemp -d /dev/shm/mcirc-fuzz.XXXXXX) || scratch=
fi
[ -n "$scratch" ] || scratch=$(mktemp -d "${TMPDIR:-/tmp}/mcirc-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$scratch"' EXIT INT TERM

found=0
failed=0
summary=
for bin in "$bindir"/fuzz_*; do
    [ -x "$bin" ] && [ -f "$bin" ] || continue
    case $bin in *_obj*) continue ;; esac
    name=${bin##*/fuzz_}
    found=$((found + 1))
    seeds=$here/corpus/$name
    dir=$out/$name
    rm -rf "$dir"
    mkdir -p "$dir/corpus" "$dir/artifacts" "$scratch/$name"
    if [ -d "$seeds" ]; then
        cp "$seeds"/* "$dir/corpus/" 2>/dev/null
    fi
    log=$dir/fuzz.log
    echo "== fuzz_$name: $seconds s, -max_len=$(max_len "$name"), corpus $(ls "$dir/corpus" | wc -l) seeds"
    TMPDIR=$scratch/$name "$bin" "$dir/corpus" \
        -max_total_time="$seconds" -max_len="$(max_len "$name")" -timeout=20 \
        -rss_limit_mb=4096 -print_final_stats=1 \
        -artifact_prefix="$dir/artifacts/" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.*\(cov: [0-9]*\).*\(ft: [0-9]*\).*\(corp: [^ ]*\).*/\1 \2 \3/p')
    line="fuzz_$name: rc=$rc executions=${execs:-?} exec/s=${speed:-?} $cov"
    echo "$line"
    summary="$summary$line
"
    artifacts=$(ls "$dir/artifacts" 2>/dev/null)
    if [ $rc -ne 0 ] || [ -n "$artifacts" ]; then
        failed=$((failed + 1))
        echo "fuzz_$name FAILED (exit $rc); log: $log" >&2
        grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_[a-z_0-9]+: invariant)' "$log" | head -n 5 >&2
        for a in $artifacts; do
            echo "crash file: $dir/artifacts/$a" >&2
        done
        grep -E 'Test unit written to' "$log" >&2
    fi
done

if [ $found -eq 0 ]; then
    echo "no fuzz_* binaries in $bindir (configure with -DMC_FUZZ=ON, e.g. cmake --preset fuzz)" >&2
    exit 2
fi
echo "== summary"
printf '%s' "$summary"
if [ $failed -ne 0 ]; then
    echo "$failed fuzzer(s) failed" >&2
    exit 1
fi
echo "all $found fuzzers ran $seconds s without a failure"
