# SPDX-License-Identifier: MIT
"""tests/fuzz/make_intellivue_seeds.py: writes the seed corpus of fuzz_intellivue
(tests/fuzz/corpus/intellivue/) from the layouts of DEVICES.md section 2 and formats/intellivue.h,
independently of formats/intellivue*.c: VSCapture's extended poll request and keep-alive (bytes of
its Class2.cs), an association result, an MDS create event report, a poll result with SpO2/PR/Perf
numerics (plain and compound) and a Pleth sample array; each framed for the MIB serial line (with
an FCS computed here), a stream with garbage and a bad FCS, and raw UDP datagrams.

  /usr/bin/python3 tests/fuzz/make_intellivue_seeds.py tests/fuzz/corpus"""
import os
import struct
import sys


def fcs(data):
    crc = 0xFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return (~crc) & 0xFFFF


def frame(msg):
    raw = bytes([0x11, 0x01]) + struct.pack(">H", len(msg)) + msg
    f = fcs(raw)
    raw += bytes([f & 0xFF, f >> 8])
    out = bytearray([0xC0])
    for b in raw:
        if b in (0xC0, 0xC1, 0x7D):
            out += bytes([0x7D, b ^ 0x20])
        else:
            out.append(b)
    out.append(0xC1)
    return bytes(out)


def u16(v):
    return struct.pack(">H", v)


def u32(v):
    return struct.pack(">I", v)


def data_msg(ro_type, invoke, command, body, linked=None):
    ro = (bytes(linked) if linked else b"") + u16(invoke) + u16(command) + u16(len(body)) + body
    return u16(0xE100) + u16(2) + u16(ro_type) + u16(len(ro)) + ro


def attr_list(avas):
    body = b"".join(u16(i) + u16(len(v)) + v for i, v in avas)
    return u16(len(avas)) + u16(len(body)) + body


def float_type(mantissa, exponent):
    return u32(((exponent & 0xFF) << 24) | (mantissa & 0xFFFFFF))


def nu(physio, unit, mantissa, exponent, state=0):
    return u16(physio) + u16(state) + u16(unit) + float_type(mantissa, exponent)


def poll_result(observations, obj_code=6, ext=True, linked=None):
    obs = b"".join(u16(h) + attr_list(avas) for h, avas in observations)
    ctx = u16(0) + u16(len(observations)) + u16(len(obs)) + obs
    info = u16(1) + u16(len(ctx)) + ctx
    reply = u16(1) + (u16(5) if ext else b"") + u32(0x00123456) + bytes(
        [0x20, 0x26, 0x11, 0x26, 0x06, 0x00, 0x00, 0x00]) + u16(1) + u16(obj_code) + u16(0) + info
    action = 0xF13B if ext else 0x0C16
    body = u16(33) + u16(0) + u16(0) + u16(action) + u16(len(reply)) + reply
    return data_msg(5 if linked else 2, 1, 7, body, linked)


def main(root):
    out = os.path.join(root, "intellivue")
    os.makedirs(out, exist_ok=True)
    # VSCapture Class2.cs ext_poll_request_msg and keep_alive_msg.
    ext_poll = bytes([0xE1, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x20, 0x00, 0x01, 0x00, 0x07,
                      0x00, 0x1A, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                      0xF1, 0x3B, 0x00, 0x0C, 0x00, 0x01, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00,
                      0x00, 0x00, 0x00, 0x00])
    keep_alive = bytes([0xE1, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x1C, 0x00, 0x01, 0x00, 0x07,
                        0x00, 0x16, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                        0x0C, 0x16, 0x00, 0x08, 0x00, 0x01, 0x00, 0x01, 0x00, 0x21, 0x08, 0x0C])
    assoc_ok = bytes([0x0E, 0x06, 0x05, 0x08, 0x13, 0x01, 0x00, 0x16])
    assoc_refused = bytes([0x0C, 0x00])
    info = u16(33) + u16(0) + u16(0) + attr_list([
        (0x098F, u32(0x00100000)),
        (0x0987, bytes([0x20, 0x26, 0x11, 0x26, 0x06, 0x00, 0x00, 0x00]))])
    mds_create = data_msg(1, 0x0007, 1, u16(33) + u16(0) + u16(0) + u32(0x00100000) + u16(0x0D06) +
                          u16(len(info)) + info)
    numerics = poll_result([
        (10, [(0x0950, nu(19384, 544, 97, 0))]),
        (11, [(0x0950, nu(18466, 2720, 72, 0))]),
        (12, [(0x0950, nu(19376, 512, 25, -1))]),
        (13, [(0x0950, nu(63840, 544, 0x7FFFFF, 0, 0x8000))]),
    ])
    cmpd = nu(20684, 3872, 45, 0) + nu(20688, 3843, 95, -1)
    compound = poll_result([(20, [(0x094B, u16(2) + u16(len(cmpd)) + cmpd)])], linked=(1, 1))
    samples = b"".join(u16(2048 + ((i * 97) % 1000)) for i in range(16))
    wave = poll_result([(40, [
        (0x096D, u16(16) + bytes([16, 12]) + u16(0x8000)),
        (0x096F, float_type(0, 0) + float_type(100, 0) + u16(0) + u16(4095)),
        (0x098D, u32(1000)),
        (0x096E, u16(19380) + u16(0) + u16(len(samples)) + samples),
    ])], obj_code=9)
    seeds = {
        "udp_numerics.bin": numerics,
        "udp_compound_linked.bin": compound,
        "udp_pleth.bin": wave,
        "udp_mds_create.bin": mds_create,
        "udp_ext_poll_request.bin": ext_poll,
        "serial_session.raw": frame(assoc_ok) + frame(mds_create) + frame(numerics) +
        frame(wave) + frame(compound),
        "serial_requests.raw": frame(ext_poll) + frame(keep_alive),
        "serial_refused.raw": frame(assoc_refused),
    }
    bad = bytearray(frame(numerics))
    bad[10] ^= 0x01
    seeds["serial_garbage_badfcs.raw"] = b"\x00\x7d\xc1junk" + bytes(bad) + b"\xc0\x11\x01\x7d\xc1" \
        + frame(numerics)
    for name, blob in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus")
