# SPDX-License-Identifier: MIT
"""tests/fuzz/make_snirf_seeds.py: writes the seed corpus of fuzz_snirf (tests/fuzz/corpus/snirf/):
tiny SNIRF files made with h5py in the compact "latest" HDF5 format (about 15 KB each: a few
bases for mutations of the HDF5 bytes; the script seeds cover the near-valid structures), plus a
cut of the shared neuro_run01.snirf (its first 40 rows and 4 channels) when the shared data
folder is given. The vlen_* seeds are valid_cw with a corrupt string length / heap object size.

  /usr/bin/python3 tests/fuzz/make_snirf_seeds.py OUT_DIR [SHARED_DATA_DIR]"""
import os
import sys

import h5py
import numpy as np


def s(g, name, value, fixed=False):
    if fixed:
        g.create_dataset(name, data=np.bytes_(value))
    else:
        g.create_dataset(name, data=value, dtype=h5py.string_dtype("utf-8"))


def write(path, rows=6, chans=2, processed=False, fixed=False, time="vector", aux=True,
          stims=True, tweak=None):
    with h5py.File(path, "w", libver="latest") as f:
        s(f, "formatVersion", "1.0", fixed)
        n = f.create_group("nirs")
        m = n.create_group("metaDataTags")
        s(m, "SubjectID", "anonymous", fixed)
        s(m, "MeasurementDate", "2026-11-25", fixed)
        s(m, "MeasurementTime", "10:20:30Z", fixed)
        s(m, "LengthUnit", "mm", fixed)
        s(m, "TimeUnit", "s", fixed)
        s(m, "FrequencyUnit", "Hz", fixed)
        p = n.create_group("probe")
        p["wavelengths"] = np.array([760.0, 850.0])
        p["sourcePos3D"] = np.zeros((1, 3))
        p["detectorPos3D"] = np.zeros((1, 3))
        d = n.create_group("data1")
        d["dataTimeSeries"] = np.arange(rows * chans, dtype=np.float64).reshape(rows, chans) / 7
        t = np.arange(rows) * 0.1 + 1.0
        if time == "irregular":
            t[rows // 2] += 0.03
        d["time"] = np.array([1.0, 0.1]) if time == "startstep" else t
        for k in range(chans):
            ml = d.create_group("measurementList%d" % (k + 1))
            ml["sourceIndex"] = np.int32(1)
            ml["detectorIndex"] = np.int32(1 + k // 2)
            if processed:
                ml["dataType"] = np.int64(99999)
                s(ml, "dataTypeLabel", "HbO" if k % 2 == 0 else "HbR", fixed)
                s(ml, "dataUnit", "uM", fixed)
            else:
                ml["dataType"] = np.int32(1)
                ml["wavelengthIndex"] = np.int32(1 + k % 2)
        if aux:
            a = n.create_group("aux1")
            s(a, "name", "ppg", fixed)
            a["dataTimeSeries"] = np.linspace(0, 1, rows).reshape(rows, 1)
            a["time"] = t
            a["timeOffset"] = np.array([0.0])
        if stims:
            st = n.create_group("stim1")
            s(st, "name", "tap", fixed)
            st["data"] = np.array([[1.2, 0.5, 1.0], [1.3, 0.0, 2.0]])
        if tweak:
            tweak(f)


def cut(src, path, rows=40, chans=4):
    with h5py.File(src, "r") as f, h5py.File(path, "w", libver="latest") as o:
        o.create_dataset("formatVersion", data=f["formatVersion"][()])
        n, m = f["nirs"], o.create_group("nirs")
        for k in ("metaDataTags", "probe"):
            f.copy(n[k], m, name=k)
        d, dd = n["data1"], m.create_group("data1")
        dd["dataTimeSeries"] = d["dataTimeSeries"][:rows, :chans]
        dd["time"] = d["time"][:rows]
        for k in range(chans):
            f.copy(d["measurementList%d" % (k + 1)], dd, name="measurementList%d" % (k + 1))
        st = m.create_group("stim1")
        st.create_dataset("name", data=n["stim1/name"][()])
        st["data"] = n["stim1/data"][:1] - 157.0


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    j = lambda name: os.path.join(out, name)  # noqa: E731
    write(j("valid_cw"))
    write(j("valid_processed_fixed_strings"), processed=True, fixed=True, chans=4)
    write(j("valid_irregular_time"), time="irregular")
    write(j("int_data_float_index"), tweak=lambda f: (
        f["nirs/data1"].pop("dataTimeSeries"),
        f["nirs/data1"].create_dataset("dataTimeSeries", data=np.arange(12, dtype=np.int16).reshape(6, 2)),
        f["nirs/data1/measurementList1"].pop("sourceIndex"),
        f["nirs/data1/measurementList1"].create_dataset("sourceIndex", data=1.0)))
    if len(sys.argv) > 2:
        cut(os.path.join(sys.argv[2], "nirs/snirf/neuro_run01.snirf"), j("neuro_run01_cut"))


if __name__ == "__main__":
    main()
