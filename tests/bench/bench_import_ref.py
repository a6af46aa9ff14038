# SPDX-License-Identifier: MIT
"""tests/bench/bench_import_ref.py: the reference reader that bench_import runs as a child on the
very file mcirc imported: the samples read into float32 physical values with numpy (WFDB format
16, EDF) or h5py (SNIRF), as an analyst would without mcirc.

  wfdb FILE.hea | edf FILE.edf | snirf FILE.snirf     [REPS]

Prints one line: `wall_s=<fastest of REPS> samples=<n> versions=...`; errors go to stderr.
"""
import sys
import time


def read_wfdb16(hea):
    import os
    import numpy as np
    lines = [l.split() for l in open(hea) if l.strip() and not l.startswith("#")]
    nsig = int(lines[0][1])
    sig = lines[1:1 + nsig]
    gains, bases = [], []
    for s in sig:
        g = s[2].split("/")[0]
        base = float(g[g.index("(") + 1:g.index(")")]) if "(" in g else float(s[4])
        gains.append(float(g.split("(")[0]) or 200.0)
        bases.append(base)
    dat = os.path.join(os.path.dirname(hea), sig[0][0])
    d = np.fromfile(dat, dtype="<i2").reshape(-1, nsig)
    return ((d - np.array(bases)) / np.array(gains)).astype(np.float32)


def read_edf(path):
    import numpy as np
    raw = open(path, "rb").read()
    hdr = int(raw[184:192]); nrec = int(raw[236:244]); ns = int(raw[252:256])
    fld = lambda start, w: [raw[256 + start * ns + i * w:256 + start * ns + (i + 1) * w].decode().strip()
                            for i in range(ns)]
    # Offsets of the per-signal fields in units of ns-bytes: label 16, transducer 80, dim 8,
    # pmin 8, pmax 8, dmin 8, dmax 8, prefilter 80, spr 8.
    pmin = np.array([float(v) for v in fld(104, 8)])
    pmax = np.array([float(v) for v in fld(112, 8)])
    dmin = np.array([float(v) for v in fld(120, 8)])
    dmax = np.array([float(v) for v in fld(128, 8)])
    spr = [int(v) for v in fld(216, 8)]
    d = np.frombuffer(raw, dtype="<i2", offset=hdr, count=nrec * sum(spr)).reshape(nrec, sum(spr))
    out, at = [], 0
    for i in range(ns):
        x = d[:, at:at + spr[i]].reshape(-1)
        out.append(((x - dmin[i]) * ((pmax[i] - pmin[i]) / (dmax[i] - dmin[i])) + pmin[i])
                   .astype(np.float32))
        at += spr[i]
    return out


def read_snirf(path):
    import h5py
    with h5py.File(path, "r") as f:
        nirs = f["nirs"]
        return [nirs[k]["dataTimeSeries"][:].astype("float32") for k in nirs.keys()
                if k.startswith("data") or k.startswith("aux")]


def main():
    import numpy as np
    mode, path = sys.argv[1], sys.argv[2]
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    reader = {"wfdb": read_wfdb16, "edf": read_edf, "snirf": read_snirf}[mode]
    best, n = float("inf"), 0
    for _ in range(reps):
        t0 = time.perf_counter()
        out = reader(path)
        best = min(best, time.perf_counter() - t0)
        n = sum(a.size for a in out) if isinstance(out, list) else out.size
    print(f"wall_s={best:.6f} samples={n} versions=numpy-{np.__version__}")


if __name__ == "__main__":
    sys.exit(main())
