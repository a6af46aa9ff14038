# SPDX-License-Identifier: MIT
"""tests/bench/bench_dsp_welch.py: the scipy reference that bench_dsp runs as a child, on the very
samples the analysers saw (raw little-endian float32, one channel, written by bench_dsp).

  sliding FILE FS N_WIN N_HOP MAX_WINDOWS [NFFT]
      scipy.signal.welch(x[s:s + N_WIN], fs=FS, nperseg=N_WIN[, nfft=NFFT]) for every window
      s = k N_HOP (k = 0 .. while s + N_WIN <= len(x)): the PPG analyser's windows. Only the first
      MAX_WINDOWS are timed (0 = all); bench_dsp scales that time to all windows.
  whole FILE FS NPERSEG DETREND REPS
      one scipy.signal.welch(x, fs=FS, nperseg=NPERSEG, detrend=DETREND) call over the whole record
      (noverlap = NPERSEG // 2, Hann), REPS times; the fastest and the median are printed.

Only the welch calls are timed (time.perf_counter, wall; time.process_time alongside), after a
short warm-up with the same segment size (pocketfft caches its plans per size). Prints one line
of key=value pairs on stdout; anything else goes to stderr.
"""
import statistics
import sys
import time


def main():
    import numpy as np
    from scipy.signal import welch
    import scipy

    mode, path, fs = sys.argv[1], sys.argv[2], float(sys.argv[3])
    x = np.fromfile(path, dtype="<f4")
    versions = f"python={sys.version.split()[0]} numpy={np.__version__} scipy={scipy.__version__}"
    if mode == "sliding":
        n_win, n_hop, max_windows = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
        kw = {"fs": fs, "nperseg": n_win}
        if len(sys.argv) > 7:
            kw["nfft"] = int(sys.argv[7])
        total = (len(x) - n_win) // n_hop + 1 if len(x) >= n_win else 0
        n = total if max_windows <= 0 else min(total, max_windows)
        for k in range(min(n, 50)):  # warm-up
            welch(x[k * n_hop:k * n_hop + n_win], **kw)
        w0, c0 = time.perf_counter(), time.process_time()
        for k in range(n):
            s = k * n_hop
            welch(x[s:s + n_win], **kw)
        wall, cpu = time.perf_counter() - w0, time.process_time() - c0
        print(f"wall_s={wall:.6f} cpu_s={cpu:.6f} windows={n} total_windows={total} "
              f"samples={len(x)} {versions}")
    elif mode == "whole":
        nperseg, detrend, reps = int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
        welch(x[:3 * nperseg], fs=fs, nperseg=nperseg, detrend=detrend)  # warm-up
        walls, cpus = [], []
        for _ in range(reps):
            w0, c0 = time.perf_counter(), time.process_time()
            welch(x, fs=fs, nperseg=nperseg, detrend=detrend)
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
        print(f"wall_s={min(walls):.6f} median_wall_s={statistics.median(walls):.6f} "
              f"cpu_s={min(cpus):.6f} segments={(len(x) - nperseg) // (nperseg // 2) + 1} "
              f"samples={len(x)} {versions}")
    else:
        sys.exit(f"bench_dsp_welch.py: unknown mode {mode!r}")


if __name__ == "__main__":
    main()
