# SPDX-License-Identifier: MIT
# tests/fuzz/make_ge_s5_request_seeds.py: writes the seed corpus of fuzz_ge_s5_request
# (corpus/ge_s5_request/) from the request layouts documented in formats/ge_s5.h, with struct
# (independent of the C encoders): request frames, a stop stream, unframed request records, a
# malformed request, and float32 values for the record encoders.
import os
import struct

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'ge_s5_request')


def header(r_len, maintype):
    h = struct.pack('<HBBHIBBHH', r_len, 0, 0, 0, 0, 0, 0, 0, maintype)
    return h + struct.pack('<HBHB', 0, 0, 0, 0xFF) + bytes(18)


def phys(rcrd_type, interval, classes=0):
    return header(49, 0) + struct.pack('<BhIH', rcrd_type, interval, classes, 0)


def wave(req_type, types, res=0):
    t = bytes(types) + (b'\xff' if len(types) < 8 else b'')
    return header(72, 1) + struct.pack('<HH', req_type, res) + t.ljust(8, b'\0') + bytes(20)


def frame(rec):
    out = bytearray(b'\x7e')
    for c in rec + bytes([sum(rec) & 0xFF]):
        out += bytes([0x7D, c ^ 0x20]) if c in (0x7D, 0x7E) else bytes([c])
    return bytes(out + b'\x7e')


def stop():
    return (frame(header(72, 1) + struct.pack('<HH', 1, 0) + bytes(28)) +
            b''.join(frame(phys(t, 0)) for t in (1, 2, 3)))


seeds = {
    'displayed_10s.bin': frame(phys(1, 10)),
    'displayed_126s_all_classes.bin': frame(phys(1, 126, 0xE)),  # 0x7E escaped
    'pleth.bin': frame(wave(0, [8])),
    'eight_waves.bin': frame(wave(0, [8, 9, 10, 11, 12, 13, 14, 15])),
    'timed_ecg.bin': frame(wave(2, [1, 8], 30)),
    'stop_all.bin': stop(),
    'start_sequence.bin': stop() + frame(phys(1, 5)) + frame(wave(0, [8, 1])),
    'type0_in_list.bin': frame(wave(0, [8, 0, 9])),
    'record_displayed.bin': phys(1, 1),
    'record_pleth.bin': wave(0, [8]),
    'values.bin': struct.pack('<12f', 97.53, -1.54, 0, 327.67, 327.68, -320.0, -320.01,
                              float('nan'), float('inf'), 1e9, 72, 377),
}
os.makedirs(here, exist_ok=True)
for name, b in seeds.items():
    with open(os.path.join(here, name), 'wb') as f:
        f.write(b)
