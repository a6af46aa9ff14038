# SPDX-License-Identifier: MIT
"""tests/formats/snirf_check.py: independent cross-checks of the SNIRF reader and writer, run by
tests/formats/test_snirf.c with /usr/bin/python3 (h5py, numpy; MNE for the `mne` case).

  snirf_check.py session SNIRF SESSION   every measurement channel and aux of SNIRF, read with
                                         h5py, equals the stream of the session file that
                                         mcirc wrote from our import (names, counts, rate, values)
  snirf_check.py written SNIRF           a file written by mc_snirf_write is SNIRF as h5py sees it
  snirf_check.py mne WRITTEN ORIGINAL    MNE's read_raw_snirf reads WRITTEN; its samples equal
                                         ORIGINAL's data1 in float32 (exit 77 without MNE)
  snirf_check.py mne_reads WRITTEN N     MNE reads WRITTEN as N channels equal to its data1
Exit 0 = pass, 1 = fail (the reason on stderr), 77 = skipped."""
import sys

try:
    import h5py
    import numpy as np
except ImportError:
    print("SKIP: h5py or numpy is not installed for this Python", file=sys.stderr)
    sys.exit(77)


def fail(msg):
    print("snirf_check: " + msg, file=sys.stderr)
    sys.exit(1)


def text(ds):
    v = np.array(ds).ravel()[0]
    return v.decode() if isinstance(v, bytes) else str(v)


def numbered(group, prefix):
    keys = [k for k in group if k.startswith(prefix) and k[len(prefix):].isdigit()]
    return sorted(keys, key=lambda k: int(k[len(prefix):]))


def expected_streams(path):
    """(name, column values, times) for every channel, as the reader should name them."""
    out = []
    with h5py.File(path, "r") as f:
        nirs = f["nirs"]
        wl = np.array(nirs["probe/wavelengths"]).ravel() if "probe/wavelengths" in nirs else []
        scale = {"s": 1.0, "ms": 1e-3}.get(text(nirs["metaDataTags/TimeUnit"]), 1.0)
        for d in numbered(nirs, "data"):
            block = nirs[d]
            data = np.array(block["dataTimeSeries"])
            t = np.array(block["time"]).ravel() * scale
            for j, ml in enumerate(numbered(block, "measurementList")):
                m = block[ml]
                s, det = int(np.array(m["sourceIndex"]).ravel()[0]), int(
                    np.array(m["detectorIndex"]).ravel()[0])
                code = int(np.array(m["dataType"]).ravel()[0])
                if code == 1:
                    w = wl[int(np.array(m["wavelengthIndex"]).ravel()[0]) - 1]
                    name = "S%d_D%d_%snm" % (s, det, "%g" % w)
                else:
                    name = "S%d_D%d_%s" % (s, det, text(m["dataTypeLabel"]))
                out.append((name, data[:, j], t))
        for a in numbered(nirs, "aux"):
            data = np.array(nirs[a]["dataTimeSeries"]).reshape(-1, 1)
            out.append((text(nirs[a]["name"]), data[:, 0], np.array(nirs[a]["time"]).ravel()))
    return out


def check_session(snirf, session):
    exp = expected_streams(snirf)
    with h5py.File(session, "r") as s:
        streams = s["streams"]
        if len(streams) != len(exp):
            fail("%d streams in the session, %d channels in the SNIRF file" % (len(streams), len(exp)))
        seen = set()
        for name, col, t in exp:
            if name in seen:  # the importer adds _2, _3 to a repeated name
                k = 2
                while "%s_%d" % (name, k) in seen:
                    k += 1
                name = "%s_%d" % (name, k)
            seen.add(name)
            if name not in streams:
                fail("stream %s missing from the session" % name)
            g = streams[name]
            got = np.array(g["data"])[:, 0]
            want = col.astype(np.float32)
            if got.shape != want.shape or not np.array_equal(got, want, equal_nan=True):
                fail("stream %s: values differ from h5py's" % name)
            rate = float(g.attrs["rate_hz"])
            if len(t) > 1:
                want_rate = (len(t) - 1) / (t[-1] - t[0])
                if abs(rate - want_rate) > 1e-9 * want_rate:
                    fail("stream %s: rate %.12g, h5py gives %.12g" % (name, rate, want_rate))
    print("session: %d streams equal h5py's values" % len(exp))


def check_written(path):
    with h5py.File(path, "r") as f:
        if text(f["formatVersion"]) != "1.0":
            fail("formatVersion")
        meta = f["nirs/metaDataTags"]
        for k in ("SubjectID", "MeasurementDate", "MeasurementTime", "LengthUnit", "TimeUnit",
                  "FrequencyUnit"):
            if k not in meta:
                fail("metaDataTags/%s missing" % k)
        if text(meta["SubjectID"]) != "anonymous":
            fail("SubjectID is not the placeholder")
        d = f["nirs/data1"]
        n, c = d["dataTimeSeries"].shape
        if d["time"].shape != (n,):
            fail("time shape")
        if len(numbered(d, "measurementList")) != c:
            fail("measurementList count")
        for k in ("wavelengths", "sourcePos3D", "detectorPos3D"):
            if k not in f["nirs/probe"]:
                fail("probe/%s missing" % k)
    print("written: data1 %d x %d" % (n, c))


def check_mne(written, original):
    try:
        import mne
    except ImportError:
        print("SKIP: MNE-Python is not installed", file=sys.stderr)
        sys.exit(77)
    raw = mne.io.read_raw_snirf(written, preload=True, verbose="error")
    with h5py.File(original, "r") as f:
        want = np.array(f["nirs/data1/dataTimeSeries"]).astype(np.float32).T
        t = np.array(f["nirs/data1/time"]).ravel()
        stims = sum(np.atleast_2d(f["nirs"][k]["data"]).shape[0] for k in numbered(f["nirs"], "stim"))
    got = raw.get_data()
    if got.shape != want.shape:
        fail("MNE reads %s, expected %s" % (got.shape, want.shape))
    if not np.array_equal(got.astype(np.float32), want, equal_nan=True):
        fail("MNE's samples differ from the original's (float32)")
    rate = (len(t) - 1) / (t[-1] - t[0])
    if abs(raw.info["sfreq"] - rate) > 5e-3 * rate:  # MNE rounds the step to 1e-4 s
        fail("MNE rate %g, original %g" % (raw.info["sfreq"], rate))
    if len(raw.annotations) != stims:
        fail("MNE found %d annotations, %d stims expected" % (len(raw.annotations), stims))
    print("mne: %d channels x %d samples, %.6g Hz, %d annotations, %s" % (
        got.shape[0], got.shape[1], raw.info["sfreq"], len(raw.annotations), raw.info["meas_date"]))


def check_mne_reads(written, n):
    try:
        import mne
    except ImportError:
        print("SKIP: MNE-Python is not installed", file=sys.stderr)
        sys.exit(77)
    raw = mne.io.read_raw_snirf(written, preload=True, verbose="error")
    with h5py.File(written, "r") as f:
        want = np.array(f["nirs/data1/dataTimeSeries"]).T
    got = raw.get_data()
    if got.shape[0] != n or not np.array_equal(got, want, equal_nan=True):
        fail("MNE reads %s (%s), expected %d channels equal to data1" % (got.shape, raw.ch_names, n))
    print("mne_reads: %s" % raw.ch_names)


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "session" and len(sys.argv) == 4:
        check_session(sys.argv[2], sys.argv[3])
    elif cmd == "written" and len(sys.argv) == 3:
        check_written(sys.argv[2])
    elif cmd == "mne_reads" and len(sys.argv) == 4:
        check_mne_reads(sys.argv[2], int(sys.argv[3]))
    elif cmd == "mne" and len(sys.argv) == 4:
        check_mne(sys.argv[2], sys.argv[3])
    else:
        fail("usage: snirf_check.py session|written|mne FILES")
