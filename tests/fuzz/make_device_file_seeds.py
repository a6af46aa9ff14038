# SPDX-License-Identifier: MIT
"""tests/fuzz/make_device_file_seeds.py: writes the seed corpus of fuzz_device_file
(tests/fuzz/corpus/device_file/): each built-in device file (formats/devices/*.ini), a form feed,
then lines of that device as DEVICES.md shows them (data, heading, banner, missing values,
malformed), plus a small hand-made file that uses every key.

  python3 tests/fuzz/make_device_file_seeds.py"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus", "device_file")

LINES = {
    "sensmart": [
        "Ch1=071 Ch2=068 Ch3=--- Ch4=---2*|2026-11-26T05:30:00|rSO2=071,068,---,---|"
        "HbI=11.5,12.0,--.-,--.-|AUC=0000,0012,----,----|ALM=OFF,LOW,OFF,OFF\r",
        "Nonin Medical SenSmart X-100 V1.2\r",
        "Ch1=071|rSO2=071,x68,---,---\r",
    ],
    "invos": [
        "1.2.34.56/1/1  11/26/26  05:30:00  72  0  0  0  68  12  3  0  0  0  0  0  ---  0  0  0",
        "1.2.34.56/1/1  11/26/26  05:30:06  71  0  0  0",
    ],
    "tosca": [
        "Date Time,PCO2[mmHg],St,SpO2[%],St,PR[bpm]050:150,N,HPWR[mW]256,Perf.Index[%],"
        "Temp[C]42.0,Timer,Mode,\r",
        "26-11-26 05:30,045,N,097,N,087,N,252,12.3,41.9,03:12,M,\r",
        "26-11-26 05:30,---,N,---,N,---,N,---,--.-,--.-,--:--,C,\r",
        "26-11-26 05:30,045,N,097,N,08:7,N,252,12.3,41.9,03:12,M,\r",
    ],
    "nonin_ascii": [
        "SPO2=097 HR=072\r",
        "12:30:01 SPO2=095 HR=101* F\r",
        "SPO2=--- HR=---\r",
        "NONIN 7500 V2.1 11/26/26 05:30\r",
    ],
    "periflux_csv": [
        "time,temp,pressure,perfusion\r",
        "45986.2291666667,33.5,0,123.4\r",
        "45986.2291782407,33.5,---,1e3\r",
    ],
}

EVERY_KEY = """[device]
name = every-key
model = Every Key
description = uses every key once
baud = 19200
framing = 7E2
rtscts = 1
line_end = crlf
request = "\\r\\n02$\\x00"
request_interval_s = 0.5
separator = "  "
missing = ---, --.-, N/A
require_prefix = 00
skip_prefix = 000
skip_if_contains = ERR
[stream]
modality = ppg
rate_hz = 75
[stream.b]
modality = pco2
[field.x]
stream = b
channel = X.1
unit = mm[Hg]
column = 2
key = P
index = 2
scale = 0.5
offset = -1
missing = 0
[field.y]
unit = %
column = 3
"""
EVERY_LINES = ["00  P=1,078mmHg,3  97%", "00  P=1,0,3  N/A", "000 banner", "00  ERR"]


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, lines in LINES.items():
        with open(os.path.join(ROOT, "formats", "devices", name + ".ini"), "rb") as f:
            text = f.read()
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(text + b"\f" + "\n".join(lines).encode())
    with open(os.path.join(OUT, "every_key"), "wb") as f:
        f.write(EVERY_KEY.encode() + b"\f" + "\n".join(EVERY_LINES).encode())
    with open(os.path.join(OUT, "bad_section"), "wb") as f:
        f.write(b"[device]\nname = x\nmodel = X\n[streams]\nmodality = ppg\n\f1 2 3")


main()
