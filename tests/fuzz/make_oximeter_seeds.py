# SPDX-License-Identifier: MIT
"""tests/fuzz/make_oximeter_seeds.py: writes the seed corpora of fuzz_nonin and fuzz_contec
(tests/fuzz/corpus/nonin/, corpus/contec/) from the byte layouts of DEVICES.md sections 3 and 4,
independently of formats/nonin.c and formats/contec.c: Nonin format 2 and 7 packets (with a bad
checksum, garbage, a cut frame), format 8 records, the format-select command; Contec legacy and
v4.6 frames (missing codes, garbage) and the v4.6 start command.

  /usr/bin/python3 tests/fuzz/make_oximeter_seeds.py tests/fuzz/corpus"""
import os
import sys

# FLOAT byte per frame index (1-based) for HR 300, SpO2 97, STAT2 SPA, the rest 0/values.
def floats(hr=300, spo2=97):
    v = [0] * 25
    v[0], v[1], v[2] = hr >> 7, hr & 0x7F, spo2
    v[7] = 0x20
    v[8], v[9], v[10] = spo2, spo2, spo2
    v[13], v[14], v[15], v[16] = hr >> 7, hr & 0x7F, spo2, spo2
    v[19], v[20], v[21], v[22] = hr >> 7, hr & 0x7F, 511 >> 7, 511 & 0x7F
    return v


def nonin_packet(fmt, k, hr=300, spo2=97):
    out = bytearray()
    for i, f in enumerate(floats(hr, spo2)):
        st = 0x80 | (1 if i == 0 else 0) | (0x02 if i % 3 else 0x24)
        p = (k * 25 + i) * 9
        if fmt == 2:
            fr = [0x01, st, p & 0xFF, f]
        else:
            fr = [st, (p * 97 >> 8) & 0xFF, (p * 97) & 0xFF, f]
        out += bytes(fr + [sum(fr) & 0xFF])
    return out


def nonin_seeds():
    two = nonin_packet(2, 0) + nonin_packet(2, 1, 72, 127)
    seven = nonin_packet(7, 0) + nonin_packet(7, 1, 511, 88)
    bad = bytearray(two)
    bad[34] ^= 0x10
    rec8 = bytes([0x80 | 0x20 | 2, 44, 97, 0x21, 0x80, 72, 98, 0x00, 0x83, 0x7F, 127, 0x09])
    return {
        "f2_two_packets.bin": bytes(two),
        "f7_two_packets.bin": bytes(seven),
        "f2_bad_checksum.bin": bytes(bad),
        "f2_garbage_cut.bin": b"\x55\x01\x80" + two[:61] + b"\x99\x01" + two[63:] + b"\x01\x80",
        "verbatim_f2.bin": bytes.fromhex("01804900CA0180464A1101804400C501804300C401814300C5"),
        "f8_records.bin": rec8 + b"\x85\x86" + rec8[:6],
        "format_command.bin": bytes([0x02, 0x70, 0x02, 0x02, 0x07, 0x03]),
    }


def contec_seeds():
    legacy = bytearray()
    for i in range(30):
        pr = 40 + i * 7
        legacy += bytes([0x80 | (i % 16) | (0x40 if i % 5 == 0 else 0), i * 4 % 128,
                         (i % 16) | (0x20 if i == 3 else 0) | (0x40 if pr & 0x80 else 0),
                         pr & 0x7F, 90 + i % 10])
    legacy += bytes([0x80, 1, 0x40, 0x7F, 0x7F])
    v46 = bytearray()
    for i in range(30):
        v46 += bytes([0x01, 0x80 | (i % 4), 0x80 | (0x40 if i % 6 == 0 else 0), 0x80 | (i * 4 % 128),
                      0x80 | (i * 3 % 128), 0x80 | (60 + i), 0x80 | (95 + i % 4), 0xFF, 0xFF])
    return {
        "legacy.bin": bytes(legacy),
        "legacy_garbage.bin": b"\x01\x90\x91" + bytes(legacy[:12]) + b"\x05" + bytes(legacy[12:]),
        "v46.bin": bytes(v46),
        "v46_garbage.bin": b"\x01\x01\x85" + bytes(v46[:20]) + b"\x00" + bytes(v46[20:]),
        "v46_start.bin": bytes([0x7D, 0x81, 0xA1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]),
    }


def main():
    root = sys.argv[1]
    for name, seeds in (("nonin", nonin_seeds()), ("contec", contec_seeds())):
        os.makedirs(os.path.join(root, name), exist_ok=True)
        for fn, data in seeds.items():
            with open(os.path.join(root, name, fn), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
