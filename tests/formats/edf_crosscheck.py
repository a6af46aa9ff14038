#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tests/formats/edf_crosscheck.py: independent readings of an EDF/EDF+ file compared with what
# mcirc's reader made of it (a dump written by tests/formats/test_edf.c).
#
#   edf_crosscheck.py numpy FILE.edf DUMP   own reading with numpy over the documented header
#   edf_crosscheck.py mne FILE.edf DUMP     MNE-Python's reader (exit 77 when MNE is absent)
#
# DUMP lines (tab-separated): "T start_unix_ns|none", "S label rate unit v0 v1 ..." (every value,
# nan for missing), "E onset_s duration|nan text". Exit 0 when everything matches, 1 otherwise
# (the differences are printed), 77 to skip.
import math
import sys

try:
    import numpy as np
except ImportError:
    print("SKIP: numpy is absent")
    sys.exit(77)


def read_dump(path):
    start, streams, events = None, [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "T":
                start = None if parts[1] == "none" else int(parts[1])
            elif parts[0] == "S":
                values = np.array([float(v) for v in parts[4].split()] if parts[4] else [])
                streams.append(dict(label=parts[1], rate=float(parts[2]), unit=parts[3],
                                    values=values))
            elif parts[0] == "E":
                events.append((float(parts[1]), float(parts[2]), parts[3]))
    return start, streams, events


def numpy_read(path):
    """EDF/EDF+ read from the header description alone (FORMATS.md 11, EDF+ spec)."""
    b = open(path, "rb").read()
    ns = int(b[252:256])
    hdr = 256 * (ns + 1)
    assert int(b[184:192]) == hdr, "header size"

    def field(off, width, conv=lambda s: s):
        return [conv(b[256 + ns * off + i * width:256 + ns * off + (i + 1) * width]
                     .decode("ascii").strip()) for i in range(ns)]

    labels = field(0, 16)
    units = field(96, 8)
    pmin, pmax = field(104, 8, float), field(112, 8, float)
    dmin, dmax = field(120, 8, int), field(128, 8, int)
    spr = field(216, 8, int)
    nrec, dur = int(b[236:244]), float(b[244:252])
    rec = 2 * sum(spr)
    if nrec == -1:
        nrec = (len(b) - hdr) // rec
    data = np.frombuffer(b[hdr:hdr + nrec * rec], dtype="<i2").reshape(nrec, sum(spr))
    offs = np.concatenate([[0], np.cumsum(spr)])
    signals, events, tk = [], [], []
    for i in range(ns):
        block = data[:, offs[i]:offs[i + 1]]
        if labels[i] == "EDF Annotations":
            for r in range(nrec):
                raw = block[r].tobytes()
                first = True
                for tal in raw.split(b"\x14\x00"):
                    tal = tal.lstrip(b"\x00")
                    if not tal:
                        continue
                    head, *texts = tal.split(b"\x14")
                    onset, _, duration = head.partition(b"\x15")
                    if first:
                        tk.append(float(onset))
                        first = False
                    for t in texts:
                        if t:
                            events.append((float(onset), float(duration) if duration else math.nan,
                                           t.decode("utf-8")))
            continue
        d = block.reshape(-1).astype(np.float64)
        phys = (d - dmin[i]) * (pmax[i] - pmin[i]) / (dmax[i] - dmin[i]) + pmin[i]
        signals.append(dict(label=labels[i], rate=spr[i] / dur, unit=units[i], values=phys))
    # Start: header date and time read as UTC, EDF+ Startdate for the 4-digit year.
    dd, mm, yy = (int(x) for x in b[168:176].decode().split("."))
    hh, mi, ss = (int(x) for x in b[176:184].decode().split("."))
    year = 1900 + yy if yy >= 85 else 2000 + yy
    recording = b[88:168].decode("ascii", "replace").split()
    if b[192:196] == b"EDF+" and len(recording) > 1 and recording[0] == "Startdate":
        if recording[1] == "X":
            year = None
        else:
            year = int(recording[1][-4:])
    start = None
    if year is not None:
        import calendar
        start = calendar.timegm((year, mm, dd, hh, mi, ss)) * 10**9
    return start, signals, events


def compare_values(name, ours, ref, n, tol):
    """The first n values: equal within tol; NaN only where ours says missing."""
    bad = []
    a, b = ours[:n], ref[:n]
    if len(a) != n or len(b) < n:
        return [f"{name}: {len(a)} values, reference {len(b)}, expected {n}"]
    finite = np.isfinite(a)
    diff = np.abs(a[finite] - b[finite])
    if diff.size and diff.max() > tol:
        k = int(np.argmax(np.abs(np.where(finite, a - b, 0))))
        bad.append(f"{name}: value {k}: {a[k]!r} vs {b[k]!r} (tol {tol:g})")
    return bad


def check_numpy(edf, dump):
    start, streams, events = read_dump(dump)
    rstart, signals, revents = numpy_read(edf)
    recording = open(edf, "rb").read(168)[88:].split()
    by_mcirc = len(recording) > 3 and recording[3] == b"mcirc"
    bad = []
    if len(streams) != len(signals):
        bad.append(f"{len(streams)} streams, numpy reads {len(signals)} signals")
    for s, r in zip(streams, signals):
        if s["label"] != r["label"]:
            bad.append(f"label {s['label']!r} vs {r['label']!r}")
        if abs(s["rate"] - r["rate"]) > 1e-9 * r["rate"]:
            bad.append(f"{s['label']}: rate {s['rate']} vs {r['rate']}")
        scale = max(1.0, float(np.max(np.abs(r["values"])))) if r["values"].size else 1.0
        # mcirc drops the padding of its own files' last record (technician "mcirc").
        n = len(s["values"]) if by_mcirc and len(s["values"]) <= len(r["values"]) \
            else len(r["values"])
        bad += compare_values(s["label"], s["values"], r["values"], n, 1e-6 * scale)
    if start != rstart:
        bad.append(f"start {start} vs numpy {rstart}")
    bad += compare_events(events, revents, 0.0)
    return bad


def compare_events(events, ref, offset):
    bad = []
    if len(events) != len(ref):
        return [f"{len(events)} events, reference {len(ref)}: {ref[:5]}"]
    for (t, dur, text), (rt, rdur, rtext) in zip(events, ref):
        if abs(t - (rt + offset)) > 1e-6 or text != rtext:
            bad.append(f"event {text!r} at {t} vs {rtext!r} at {rt + offset}")
        if not (math.isnan(dur) and math.isnan(rdur)) and abs(dur - rdur) > 1e-6:
            bad.append(f"event {text!r}: duration {dur} vs {rdur}")
    return bad


def check_mne(edf, dump):
    try:
        import mne
    except ImportError:
        print("SKIP: MNE-Python is absent (python3-mne)")
        sys.exit(77)
    start, streams, events = read_dump(dump)
    raw = mne.io.read_raw_edf(edf, preload=True, verbose="error")
    extras = raw._raw_extras[0]
    bad = []
    names = raw.ch_names
    if len(names) != len(streams):
        bad.append(f"{len(streams)} streams, MNE reads {len(names)} channels")
    data = raw.get_data()
    for k, (s, name) in enumerate(zip(streams, names)):
        if s["label"] != name:
            bad.append(f"label {s['label']!r} vs MNE {name!r}")
        rate = extras["n_samps"][k] / extras["record_length"][0]
        if abs(s["rate"] - rate) > 1e-9 * rate:
            bad.append(f"{name}: rate {s['rate']} vs MNE {rate}")
        # MNE gives volts for uV and mV signals.
        factor = {"uV": 1e-6, "mV": 1e-3}.get(s["unit"], 1.0)
        ref = data[k] / factor
        scale = max(1.0, float(np.max(np.abs(ref)))) if ref.size else 1.0
        bad += compare_values(name, s["values"], ref, len(s["values"]), 1e-6 * scale)
    if start is not None:
        meas = raw.info["meas_date"]
        mstart = round(meas.timestamp()) * 10**9
        if mstart != start:
            bad.append(f"start {start} vs MNE {mstart}")
    ref = [(a["onset"], a["duration"] if a["duration"] > 0 else math.nan, a["description"])
           for a in raw.annotations]
    # MNE has no "no duration": 0 stands for it; ours carries NaN. Both count onsets from the
    # header's start.
    ours = [(t, dur if (not math.isnan(dur) and dur > 0) else math.nan, text)
            for t, dur, text in events]
    bad += compare_events(ours, ref, 0.0)
    return bad


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("numpy", "mne"):
        print("usage: edf_crosscheck.py numpy|mne FILE.edf DUMP")
        return 2
    mode, edf, dump = sys.argv[1:]
    bad = check_numpy(edf, dump) if mode == "numpy" else check_mne(edf, dump)
    for line in bad[:20]:
        print("MISMATCH:", line)
    if not bad:
        print(f"{mode}: {edf} agrees with the mcirc reader")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
