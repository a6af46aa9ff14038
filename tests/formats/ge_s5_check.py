# SPDX-License-Identifier: MIT
# tests/formats/ge_s5_check.py: an independent reader of GE/Datex S/5 captures (written from
# FORMATS.md section 8 with struct, sharing nothing with formats/ge_s5.c): splits the bytes at
# every 0x7E, unescapes 0x7D, keeps frames of >= 41 bytes whose additive checksum is right, and
# prints
#   good N                         (frames with a right checksum)
#   start R_TIME                   (earliest r_time of those frames)
#   wave TYPE N FIRST              (samples of every waveform subrecord of TYPE, in file order)
#   spo2 FIRST_SPO2 FIRST_PR FIRST_IR_AMP   (first displayed basic-class SpO2 group, raw)
import struct
import sys


def frames(b):
    out, cur, esc = [], None, False
    for c in b:
        if c == 0x7E:
            if cur:
                out.append(bytes(cur))
            cur, esc = bytearray(), False
        elif cur is None:
            continue
        elif c == 0x7D:
            esc = True
        else:
            cur.append(c ^ 0x20 if esc else c)
            esc = False
    return out


def main(path):
    good = [f[:-1] for f in frames(open(path, 'rb').read())
            if len(f) >= 41 and sum(f[:-1]) & 0xFF == f[-1]]
    print('good %d' % len(good))
    recs = [r for r in good if struct.unpack_from('<H', r, 0)[0] == len(r)]
    print('start %d' % min(struct.unpack_from('<I', r, 6)[0] for r in recs))
    waves, spo2 = {}, None
    for r in recs:
        maintype = struct.unpack_from('<H', r, 14)[0]
        for k in range(8):
            off, typ = struct.unpack_from('<HB', r, 16 + 3 * k)
            if typ == 0xFF:
                break
            sub = r[40 + off:]
            if maintype == 1:
                n = struct.unpack_from('<h', sub, 0)[0]
                waves.setdefault(typ, []).extend(struct.unpack_from('<%dh' % n, sub, 6))
            elif maintype == 0 and typ == 1 and spo2 is None:
                if (struct.unpack_from('<H', sub, 276)[0] >> 8) & 15 == 0:
                    spo2 = struct.unpack_from('<3h', sub, 4 + 118 + 6)
    for typ, v in sorted(waves.items()):
        print('wave %d %d %d' % (typ, len(v), v[0]))
    print('spo2 %d %d %d' % spo2)


if __name__ == '__main__':
    main(sys.argv[1])
