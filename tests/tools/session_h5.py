# SPDX-License-Identifier: MIT
"""tests/tools/session_h5.py: writes an mcirc session file (format 1, formats/h5_layout.h) with
h5py, for tests that feed recordings from elsewhere (PhysioNet, LabChart exports) to mcirc before
the importers exist. It also shows that a file written by another tool is read by mcirc."""
import h5py
import numpy as np

STR = h5py.string_dtype("utf-8")


def write_session(path, subject, session, streams, events=()):
    """streams: list of dicts with name, modality, rate_hz, channels [(name, unit)], data [N, C],
    and for irregular streams (rate_hz 0) time_ns [N]. events: (t_ns, stream, kind, text, value)."""
    with h5py.File(path, "w-") as f:
        f.attrs["mcirc_format"] = np.int32(1)
        for k, v in [("subject", subject), ("session", session), ("site", "test"),
                     ("start_utc", "2026-01-01T00:00:00.000Z"), ("software", "session_h5.py"),
                     ("timezone", "UTC"), ("notes", "")]:
            f.attrs.create(k, v, dtype=STR)
        f.attrs["start_unix_ns"] = np.int64(1767225600 * 10**9)
        g = f.create_group("streams")
        for s in streams:
            sg = g.create_group(s["name"])
            data = np.asarray(s["data"], dtype=np.float32)
            if data.ndim == 1:
                data = data[:, None]
            sg.attrs.create("modality", s["modality"], dtype=STR)
            sg.attrs.create("channel_names", [c[0] for c in s["channels"]], dtype=STR)
            sg.attrs.create("units", [c[1] for c in s["channels"]], dtype=STR)
            sg.attrs["rate_hz"] = float(s["rate_hz"])
            sg.attrs.create("site", s.get("site", ""), dtype=STR)
            sg.attrs.create("device_model", s.get("device_model", ""), dtype=STR)
            sg.create_dataset("data", data=data, maxshape=(None, data.shape[1]), chunks=True)
            n = data.shape[0]
            if s["rate_hz"] > 0:
                ti = np.array([[0, 0], [n - 1, round((n - 1) * 1e9 / s["rate_hz"])]],
                              dtype=np.int64)
                sg.create_dataset("time_index", data=ti, maxshape=(None, 2), chunks=True)
            else:
                sg.create_dataset("time", data=np.asarray(s["time_ns"], dtype=np.int64))
        ev_type = np.dtype([("t_ns", "<i8"), ("stream", "S64"), ("kind", "S64"),
                            ("text", "S256"), ("value", "<f8")])
        ev = np.array([(t, st.encode(), k.encode(), x.encode(), v)
                       for t, st, k, x, v in events], dtype=ev_type)
        f.create_dataset("events", data=ev, maxshape=(None,), chunks=(64,))
        f.create_group("features")
