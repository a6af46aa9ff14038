# SPDX-License-Identifier: MIT
"""Cross-check of the WFDB importer (formats/wfdb_import.c) against an independent numpy decoding
of the same bytes: every sample of v102s (format 212, 4 signals interleaved) and of the
multi-segment record 041s (212 with 4 samples per frame for the ECG signals), converted with the
header's gain and baseline to float32, -2048 read as NaN.

Usage: wfdb_numpy_check.py TEST_WFDB_EXE SHARED_DATA_DIR. Exit 77 (skipped) when numpy or the
shared data is absent."""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("SKIP: numpy is not installed")
    sys.exit(77)


def decode_212(raw):
    """Every 12-bit sample of a format 212 file, in file order."""
    b = np.frombuffer(raw, dtype=np.uint8).astype(np.int32)
    g = b[: len(b) // 3 * 3].reshape(-1, 3)
    s = np.empty(2 * len(g), dtype=np.int32)
    s[0::2] = g[:, 0] | ((g[:, 1] & 0x0F) << 8)
    s[1::2] = g[:, 2] | ((g[:, 1] & 0xF0) << 4)
    return np.where(s >= 2048, s - 4096, s)


def physical(digital, gain, baseline=0):
    x = ((digital - baseline) / gain).astype(np.float32)
    return np.where(digital == -2048, np.float32(np.nan), x)


def imported(exe, hea):
    """Every stream of the record as the importer gives it."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "dump.bin")
        env = dict(os.environ, MC_WFDB_HEA=hea, MC_TEST_FILE=out)
        subprocess.run([exe, "dump"], env=env, check=True)
        data = open(out, "rb").read()
    streams, pos = [], 0
    while pos < len(data):
        n = int(np.frombuffer(data, dtype=np.int64, count=1, offset=pos)[0])
        pos += 8
        streams.append(np.frombuffer(data, dtype=np.float32, count=n, offset=pos))
        pos += 4 * n
    return streams


def same(name, got, want):
    if got.shape != want.shape:
        sys.exit(f"{name}: {got.shape[0]} samples imported, numpy decodes {want.shape[0]}")
    nan_ok = np.array_equal(np.isnan(got), np.isnan(want))
    ok = nan_ok and np.array_equal(got[~np.isnan(got)], want[~np.isnan(want)])
    if not ok:
        bad = np.flatnonzero(~((got == want) | (np.isnan(got) & np.isnan(want))))[0]
        sys.exit(f"{name}: sample {bad}: imported {got[bad]!r}, numpy {want[bad]!r}")
    print(f"{name}: {got.shape[0]} samples equal, {int(np.isnan(got).sum())} NaN")


def main():
    exe, shared = sys.argv[1], sys.argv[2]
    base = os.path.join(shared, "ppg", "wfdb")
    if not os.path.exists(os.path.join(base, "v102s.hea")):
        print(f"SKIP: {base} is absent")
        sys.exit(77)

    raw = open(os.path.join(base, "v102s.dat"), "rb").read()
    d = decode_212(raw)[: 75000 * 4].reshape(75000, 4)
    got = imported(exe, os.path.join(base, "v102s.hea"))
    for k, (name, gain) in enumerate([("II", 2281), ("V", 1856), ("PLETH", 1250), ("RESP", 38880)]):
        same(f"v102s {name}", got[k], physical(d[:, k], gain))

    # 041s: per frame III x4, I x4, V x4, ABP, PAP, PLETH, RESP (16 samples); two segments.
    segs = [decode_212(open(os.path.join(base, "041s", f"041s0{i}.dat"), "rb").read())[: 16000]
            .reshape(1000, 16) for i in (1, 2)]
    d = np.concatenate(segs)
    got = imported(exe, os.path.join(base, "041s", "041s.hea"))
    ecg = [("III", 0), ("I", 4), ("V", 8)]
    for k, (name, col) in enumerate(ecg):
        same(f"041s {name}", got[k], physical(d[:, col:col + 4].reshape(-1), 2000))
    rest = [("ABP", 12, 20, -1600), ("PAP", 13, 80, -1600), ("PLETH", 14, 2000, 0),
            ("RESP", 15, 2000, 0)]
    for k, (name, col, gain, baseline) in enumerate(rest):
        same(f"041s {name}", got[3 + k], physical(d[:, col], gain, baseline))


if __name__ == "__main__":
    main()
