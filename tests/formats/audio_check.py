#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tests/formats/audio_check.py: an independent reader and writer for the audio tests
(tests/formats/test_audio.c), with scipy.io.wavfile and numpy and its own parser of the RIFF
LIST/INFO/ICMT comment that holds the mcirc metadata (formats/audio.h).

  audio_check.py export FILE.wav EXPECTED.f32  our export, read here: rate, shape, metadata,
                                                padding, values within half a code (bit-exact for
                                                float files); EXPECTED = float32 [frames, channels]
  audio_check.py make DIR                       writes DIR/py16.wav (int16 codes), DIR/pyfloat.wav
                                                (float32) and DIR/pyfloat.f32 for the C test

Exit 0 when every check holds, 1 with a message when one fails, 77 when scipy is missing."""
import struct
import sys
import urllib.parse
import warnings

try:
    import numpy as np
    from scipy.io import wavfile
except ImportError:
    print("SKIP: numpy/scipy missing", file=sys.stderr)
    sys.exit(77)

RATE = 250
# scipy warns about the LIST and PEAK chunks it skips; this script reads LIST itself.
warnings.filterwarnings("ignore", category=wavfile.WavFileWarning)


def fail(msg):
    print("FAILED: " + msg, file=sys.stderr)
    sys.exit(1)


def riff_comment(path):
    """The ICMT string of a RIFF WAVE file's LIST/INFO chunk, or None."""
    with open(path, "rb") as f:
        b = f.read()
    if b[:4] != b"RIFF" or b[8:12] != b"WAVE":
        fail(path + ": not RIFF WAVE")
    pos = 12
    while pos + 8 <= len(b):
        cid, size = b[pos:pos + 4], struct.unpack("<I", b[pos + 4:pos + 8])[0]
        body = b[pos + 8:pos + 8 + size]
        if cid == b"LIST" and body[:4] == b"INFO":
            p = 4
            while p + 8 <= len(body):
                sid, ssize = body[p:p + 4], struct.unpack("<I", body[p + 4:p + 8])[0]
                if sid == b"ICMT":
                    return body[p + 8:p + 8 + ssize].split(b"\0")[0].decode("utf-8")
                p += 8 + ssize + (ssize & 1)
        pos += 8 + size + (size & 1)
    return None


def parse_meta(text):
    """(globals, streams, channels) from the mcirc-audio comment."""
    lines = text.split("\n")
    if lines[0] != "mcirc-audio 1":
        fail("metadata header: %r" % lines[0])
    glob, streams, channels = {}, [], []
    for line in lines[1:]:
        if not line:
            continue
        kv = dict(tok.split("=", 1) for tok in line.split(" "))
        kv = {k: urllib.parse.unquote(v) for k, v in kv.items()}
        if "stream" in kv:
            streams.append(kv)
        elif "channel" in kv:
            kv["_stream"] = len(streams) - 1
            channels.append(kv)
        else:
            glob.update(kv)
    return glob, streams, channels


def check_export(path, expected_path):
    rate, data = wavfile.read(path)
    if rate != RATE:
        fail("rate %d" % rate)
    if data.ndim == 1:
        data = data[:, None]
    frames, n_ch = data.shape
    expected = np.fromfile(expected_path, dtype="<f4").reshape(frames, n_ch)
    glob, streams, channels = parse_meta(riff_comment(path))
    if len(channels) != n_ch:
        fail("%d channel lines for %d channels" % (len(channels), n_ch))
    if data.dtype == np.float32:
        same = (data == expected) | (np.isnan(data) & np.isnan(expected))
        if not same.all():
            fail("float values differ at %s" % (np.argwhere(~same)[:3].tolist(),))
        print("float32: %d x %d bit-exact" % (frames, n_ch))
        return
    if data.dtype == np.int16:
        codes = data.astype(np.int64)
    else:  # scipy gives 24-bit samples left-justified in int32
        codes = data.astype(np.int64) >> 8
    nan_code = int(glob["nan"])
    worst = 0.0
    for c, ch in enumerate(channels):
        st = streams[ch["_stream"]]
        first, n = int(st.get("first", 0)), int(st["frames"])
        gain, offset = float(ch["gain"]), float(ch["offset"])
        col = codes[:, c]
        outside = np.ones(frames, bool)
        outside[first:first + n] = False
        if not (col[outside] == nan_code).all():
            fail("channel %d: padding is not the NaN code" % c)
        phys = gain * col[first:first + n] + offset
        exp = expected[first:first + n, c].astype(np.float64)
        missing = col[first:first + n] == nan_code
        if not (missing == np.isnan(exp)).all():
            fail("channel %d: NaN positions differ" % c)
        finite = exp[np.isfinite(exp)]
        exp = np.where(np.isposinf(exp), finite.max(), np.where(np.isneginf(exp), finite.min(), exp))
        err = np.abs(phys - exp)[~missing]
        tol = 0.5 * abs(gain) * (1 + 1e-9) + 1e-12 * np.abs(exp[~missing])
        if not (err <= tol).all():
            fail("channel %d: error %g > half a code %g" % (c, err.max(), abs(gain) / 2))
        worst = max(worst, float((err / abs(gain)).max()) if err.size else 0.0)
    print("int%d: %d x %d, worst error %.3f of a code" % (16 if data.dtype == np.int16 else 24,
                                                          frames, n_ch, worst))


def make(folder):
    f = np.arange(1000)
    codes = np.stack([((f * 37 + c * 9001) % 65536) - 32768 for c in range(3)], axis=1)
    codes[0] = [-32768, 32767, 32767]  # the extremes, as code16() in test_audio.c
    wavfile.write(folder + "/py16.wav", RATE, codes.astype(np.int16))
    sines = np.stack([2.5 * np.sin(2 * np.pi * 10 * f / RATE + c) + 100 * c for c in range(2)],
                     axis=1).astype(np.float32)
    wavfile.write(folder + "/pyfloat.wav", RATE, sines)
    sines.astype("<f4").tofile(folder + "/pyfloat.f32")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "export":
        check_export(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        fail("usage: audio_check.py export FILE.wav EXPECTED.f32 | make DIR")
