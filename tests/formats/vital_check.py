# SPDX-License-Identifier: MIT
# tests/formats/vital_check.py: an independent decoder of .vital files (gzip + struct, written from
# FORMATS.md section 7, sharing nothing with formats/vital.c) that prints, one line per track:
#   wave NAME RATE N START_NS FIRST SUM     (samples of the track's RECs in file order, physical)
#   num NAME N FIRST_T_NS FIRST             (numeric track)
#   str NAME N FIRST_T_NS TEXT              (string track)
# plus "start START_UNIX_NS". test_vital.c compares these lines with its import.
import gzip
import struct
import sys

FMT = {1: 'f', 2: 'd', 3: 'b', 4: 'B', 5: 'h', 6: 'H', 7: 'i', 8: 'I'}


def main(path):
    b = gzip.open(path).read()
    assert b[:4] == b'VITA'
    pos = 10 + struct.unpack_from('<H', b, 8)[0]
    trk, recs = {}, {}
    while pos + 5 <= len(b):
        typ, n = struct.unpack_from('<BI', b, pos)
        d = b[pos + 5:pos + 5 + n]
        pos += 5 + n
        if typ == 0:
            tid, rt, fmt = struct.unpack_from('<HBB', d, 0)
            q = 4
            ln = struct.unpack_from('<I', d, q)[0]
            name = d[q + 4:q + 4 + ln].decode()
            q += 4 + ln
            ln = struct.unpack_from('<I', d, q)[0]
            q += 4 + ln
            srate, gain, offset = struct.unpack_from('<fdd', d, q + 12)
            trk[tid] = (name, rt, fmt, srate, gain, offset)
            recs[tid] = []
        elif typ == 1:
            infolen, dt, tid = struct.unpack_from('<HdH', d, 0)
            if tid in trk:
                recs[tid].append((dt, d[2 + infolen:]))
    t0 = min(r[0] for v in recs.values() for r in v)
    print('start %d' % round(t0 * 1e9))
    for tid, (name, rt, fmt, srate, gain, offset) in sorted(trk.items()):
        r = recs[tid]
        if not r:
            continue
        if rt == 1:
            vals = []
            for dt, p in r:
                num = struct.unpack_from('<I', p, 0)[0]
                vals += struct.unpack_from('<%d%s' % (num, FMT[fmt]), p, 4)
            if fmt > 2:
                vals = [v * gain + offset for v in vals]
            print('wave %s %g %d %d %.9g %.9g' % (name, srate, len(vals),
                  round((r[0][0] - t0) * 1e9), vals[0], sum(vals)))
        elif rt == 2:
            v = struct.unpack_from('<' + FMT[fmt], r[0][1], 0)[0]
            print('num %s %d %d %.9g' % (name, len(r), round((r[0][0] - t0) * 1e9), v))
        elif rt == 5:
            ln = struct.unpack_from('<I', r[0][1], 4)[0]
            print('str %s %d %d %s' % (name, len(r), round((r[0][0] - t0) * 1e9),
                  r[0][1][8:8 + ln].decode()))


if __name__ == '__main__':
    main(sys.argv[1])
