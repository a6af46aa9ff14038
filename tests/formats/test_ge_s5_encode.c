/* SPDX-License-Identifier: MIT */
/* tests/formats/test_ge_s5_encode.c: the GE/Datex S/5 encoders (formats/ge_s5.h): frames checked
 * byte for byte and through the decoder, requests against the layout documented in ge_s5.h
 * (pycollect's headers.py tables), request encode -> frame decoder -> parse, refusals, and
 * waveform and displayed-values records read back by the existing decoder and importer; the
 * records also checked against the monitor's own records in raw.raw. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ge_s5.h"
#include "tests/harness.h"

/* ---- helpers ---- */

static const double PI = 3.14159265358979323846;

typedef struct frames {
    int n;
    size_t len[8];
    uint8_t rec[8][MC_GE_S5_FRAME_MAX];
} frames;

static mc_status keep(void *ctx, const uint8_t *rec, size_t n)
{
    frames *f = ctx;
    if (f->n < 8) {
        f->len[f->n] = n;
        memcpy(f->rec[f->n], rec, n);
    }
    f->n++;
    return MC_OK;
}

/* Decode a byte stream with a fresh decoder; every frame must be good. */
static void decode_all(const uint8_t *b, size_t n, frames *f)
{
    static mc_ge_s5_decoder dec;
    mc_ge_s5_decoder_reset(&dec);
    f->n = 0;
    ASSERT_STATUS(mc_ge_s5_decoder_push(&dec, b, n, keep, f), MC_OK);
    ASSERT_EQ_INT(dec.stats.bad_checksum + dec.stats.short_frames + dec.stats.oversize +
                      dec.stats.aborted + dec.stats.garbage_bytes,
                  0);
    ASSERT_EQ_INT(dec.stats.frames_good, f->n);
}

static void assert_same_request(const mc_ge_s5_request *a, const mc_ge_s5_request *b)
{
    ASSERT_EQ_INT(a->kind, b->kind);
    ASSERT_EQ_INT(a->phys_type, b->phys_type);
    ASSERT_EQ_INT(a->interval_s, b->interval_s);
    ASSERT_EQ_INT(a->class_mask, b->class_mask);
    ASSERT_EQ_INT(a->duration, b->duration);
    ASSERT_EQ_INT(a->n_waves, b->n_waves);
    for (size_t i = 0; i < a->n_waves; i++)
        ASSERT_EQ_INT(a->wave_types[i], b->wave_types[i]);
}

/* ---- frames ---- */

TEST(frame_escapes_byte_for_byte)
{
    /* r_len 40, 0x7E and 0x7D in the record, and a checksum of 0x7D: 0x28 + 0x7E + 0x7D + 0x5A */
    uint8_t rec[40] = {0x28, 0x00, 0x7E, 0x7D, 0x5A};
    uint8_t want[46] = {0x7E, 0x28, 0x00, 0x7D, 0x5E, 0x7D, 0x5D, 0x5A};
    want[43] = 0x7D;
    want[44] = 0x5D;
    want[45] = 0x7E;
    uint8_t out[MC_GE_S5_FRAME_ENCODED_MAX(40)];
    size_t len;
    ASSERT_STATUS(mc_ge_s5_frame_encode(rec, 40, out, sizeof out, &len, NULL), MC_OK);
    ASSERT_EQ_INT(len, sizeof want);
    ASSERT_TRUE(memcmp(out, want, len) == 0);
    frames f;
    decode_all(out, len, &f);
    ASSERT_EQ_INT(f.n, 1);
    ASSERT_EQ_INT(f.len[0], 40);
    ASSERT_TRUE(memcmp(f.rec[0], rec, 40) == 0);
    /* every smaller room is refused, the exact room is enough */
    for (size_t cap = 0; cap < len; cap++)
        ASSERT_STATUS(mc_ge_s5_frame_encode(rec, 40, out, cap, &len, NULL), MC_EINVAL);
    ASSERT_STATUS(mc_ge_s5_frame_encode(rec, 40, out, sizeof want, &len, NULL), MC_OK);
    /* records the decoder would not take */
    mc_diag d;
    ASSERT_STATUS(mc_ge_s5_frame_encode(rec, 39, out, sizeof out, &len, &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "39 bytes") != NULL);
    static uint8_t big[MC_GE_S5_FRAME_MAX], bigout[MC_GE_S5_FRAME_ENCODED_MAX(MC_GE_S5_FRAME_MAX)];
    ASSERT_STATUS(mc_ge_s5_frame_encode(big, MC_GE_S5_FRAME_MAX, bigout, sizeof bigout, &len, NULL),
                  MC_EINVAL);
    /* the worst case: every byte and the checksum escaped */
    memset(big, 0x7D, 4095);
    memset(big, 0x7E, 250); /* 250 * 0x7E + 3845 * 0x7D = 0x7D mod 256 */
    ASSERT_STATUS(mc_ge_s5_frame_encode(big, 4095, bigout, sizeof bigout, &len, NULL), MC_OK);
    ASSERT_EQ_INT(len, MC_GE_S5_FRAME_ENCODED_MAX(4095));
}

/* Random records of random lengths, framed one after the other: the decoder gives them back. */
TEST(frame_random_round_trip)
{
    static uint8_t stream[64 * MC_GE_S5_FRAME_ENCODED_MAX(300)];
    static uint8_t recs[64][300];
    size_t lens[64], pos = 0;
    unsigned seed = 12345;
    for (int k = 0; k < 64; k++) {
        lens[k] = 40 + (size_t)(k * 37) % 260;
        for (size_t i = 0; i < lens[k]; i++) {
            seed = seed * 1103515245u + 12345u;
            /* a byte in four is a flag or an escape */
            const uint8_t r = (uint8_t)(seed >> 16);
            recs[k][i] = (r & 3) == 0 ? (r & 4 ? 0x7E : 0x7D) : r;
        }
        size_t len;
        ASSERT_STATUS(
            mc_ge_s5_frame_encode(recs[k], lens[k], stream + pos, sizeof stream - pos, &len, NULL),
            MC_OK);
        ASSERT_TRUE(len <= MC_GE_S5_FRAME_ENCODED_MAX(lens[k]));
        pos += len;
    }
    /* byte by byte, comparing each frame as it is delivered */
    static mc_ge_s5_decoder dec;
    mc_ge_s5_decoder_reset(&dec);
    int k = 0;
    for (size_t i = 0; i < pos; i++) {
        frames one;
        one.n = 0;
        ASSERT_STATUS(mc_ge_s5_decoder_push(&dec, stream + i, 1, keep, &one), MC_OK);
        if (one.n) {
            ASSERT_TRUE(k < 64);
            ASSERT_EQ_INT(one.len[0], lens[k]);
            ASSERT_TRUE(memcmp(one.rec[0], recs[k], lens[k]) == 0);
            k++;
        }
    }
    ASSERT_EQ_INT(k, 64);
    ASSERT_EQ_INT(dec.stats.frames_good, 64);
    ASSERT_EQ_INT(dec.stats.bad_checksum + dec.stats.garbage_bytes, 0);
}

/* ---- requests ---- */

/* The displayed-values request of pycollect's DatexHeaderRequest table (bytes numbered from 1
 * there): flag, r_len 0x0031, zeros, maintype 0, sr_desc[0] = {0, DRI_PH_XMIT_REQ 0},
 * sr_desc[1].sr_type 0xFF, zeros; phdb_rcrd_type DRI_PH_DISPL 1, tx_interval 0x000A, class bits 0
 * (basic), reserved 0; checksum 0x31 + 0xFF + 0x01 + 0x0A = 0x13B -> 0x3B; flag. */
TEST(request_displayed_bytes)
{
    uint8_t want[52] = {0x7E, 0x31};
    want[22] = 0xFF;
    want[41] = 0x01;
    want[42] = 0x0A;
    want[50] = 0x3B;
    want[51] = 0x7E;
    uint8_t out[MC_GE_S5_REQUEST_BYTES_MAX];
    size_t len;
    ASSERT_STATUS(mc_ge_s5_request_displayed(10, out, sizeof out, &len, NULL), MC_OK);
    ASSERT_EQ_INT(len, sizeof want);
    ASSERT_TRUE(memcmp(out, want, len) == 0);
    frames f;
    decode_all(out, len, &f);
    ASSERT_EQ_INT(f.n, 1);
    mc_ge_s5_request r;
    ASSERT_STATUS(mc_ge_s5_request_parse(f.rec[0], f.len[0], &r, NULL), MC_OK);
    ASSERT_EQ_INT(r.kind, MC_GE_S5_REQUEST_PHYS);
    ASSERT_EQ_INT(r.phys_type, MC_GE_S5_PHYS_DISPLAYED);
    ASSERT_EQ_INT(r.interval_s, 10);
    ASSERT_EQ_INT(r.class_mask, 0);
    /* the record also parses as a record (one subrecord of type 0) */
    mc_ge_s5_record rec;
    ASSERT_STATUS(mc_ge_s5_record_parse(f.rec[0], f.len[0], &rec, NULL), MC_OK);
    ASSERT_EQ_INT(rec.maintype, 0);
    ASSERT_EQ_INT(rec.n_sub, 1);
    ASSERT_EQ_INT(rec.sub_type[0], 0);
}

/* The waveform request of pycollect's DatexHeaderWaveRequest table for PLETH: r_len 0x0048,
 * maintype 1, sr_desc[0] = {0, CMD 0}, 0xFF; req_type WF_REQ_CONT_START 0, res 0, type {8, 0xFF,
 * 0...}, 20 reserved bytes; checksum 0x48 + 0x01 + 0xFF + 0x08 + 0xFF = 0x24F -> 0x4F. */
TEST(request_pleth_bytes)
{
    uint8_t want[75] = {0x7E, 0x48};
    want[15] = 0x01;
    want[22] = 0xFF;
    want[45] = 0x08;
    want[46] = 0xFF;
    want[73] = 0x4F;
    want[74] = 0x7E;
    const uint8_t pleth = 8;
    uint8_t out[MC_GE_S5_REQUEST_BYTES_MAX];
    size_t len;
    ASSERT_STATUS(mc_ge_s5_request_waves(&pleth, 1, out, sizeof out, &len, NULL), MC_OK);
    ASSERT_EQ_INT(len, sizeof want);
    ASSERT_TRUE(memcmp(out, want, len) == 0);
    frames f;
    decode_all(out, len, &f);
    mc_ge_s5_request r;
    ASSERT_STATUS(mc_ge_s5_request_parse(f.rec[0], f.len[0], &r, NULL), MC_OK);
    ASSERT_EQ_INT(r.kind, MC_GE_S5_REQUEST_WAVE_START);
    ASSERT_EQ_INT(r.n_waves, 1);
    ASSERT_EQ_INT(r.wave_types[0], 8);
}

/* Stop: the waveform stop (req_type 1, types all zero), then interval 0 for the displayed values,
 * the 10-s and the 60-s trends; every split of the stream gives the same four requests. */
TEST(request_stop_every_split)
{
    uint8_t out[MC_GE_S5_REQUEST_BYTES_MAX];
    size_t len;
    ASSERT_STATUS(mc_ge_s5_request_stop(out, sizeof out, &len, NULL), MC_OK);
    ASSERT_EQ_INT(len, 75 + 3 * 52);
    /* the waveform stop byte for byte: req_type 1 at record byte 40; checksum 0x48+1+0xFF+1 */
    ASSERT_EQ_INT(out[41], 0x01);
    for (int i = 43; i < 73; i++)
        ASSERT_EQ_INT(out[i], 0);
    ASSERT_EQ_INT(out[73], 0x49);
    for (size_t cut = 0; cut <= len; cut++) {
        static mc_ge_s5_decoder dec;
        mc_ge_s5_decoder_reset(&dec);
        static frames f;
        f.n = 0;
        ASSERT_STATUS(mc_ge_s5_decoder_push(&dec, out, cut, keep, &f), MC_OK);
        ASSERT_STATUS(mc_ge_s5_decoder_push(&dec, out + cut, len - cut, keep, &f), MC_OK);
        ASSERT_EQ_INT(f.n, 4);
        mc_ge_s5_request r;
        ASSERT_STATUS(mc_ge_s5_request_parse(f.rec[0], f.len[0], &r, NULL), MC_OK);
        ASSERT_EQ_INT(r.kind, MC_GE_S5_REQUEST_WAVE_STOP);
        for (int i = 1; i < 4; i++) {
            ASSERT_STATUS(mc_ge_s5_request_parse(f.rec[i], f.len[i], &r, NULL), MC_OK);
            ASSERT_EQ_INT(r.kind, MC_GE_S5_REQUEST_PHYS);
            ASSERT_EQ_INT(r.phys_type, i);
            ASSERT_EQ_INT(r.interval_s, 0);
        }
    }
    for (size_t cap = 0; cap < len; cap++)
        ASSERT_STATUS(mc_ge_s5_request_stop(out, cap, &len, NULL), MC_EINVAL);
}

TEST(request_round_trip)
{
    static const int16_t intervals[] = {0, 1, 5, 10, 0x7D, 0x7E, 0x7E7D, 32767};
    static const uint32_t classes[] = {0, 0xE, 0x1, 0xF};
    uint8_t out[MC_GE_S5_REQUEST_BYTES_MAX];
    size_t len;
    frames f;
    int n = 0;
    for (uint8_t type = 1; type <= 3; type++)
        for (size_t i = 0; i < sizeof intervals / sizeof intervals[0]; i++)
            for (size_t c = 0; c < sizeof classes / sizeof classes[0]; c++) {
                const mc_ge_s5_request q = {.kind = MC_GE_S5_REQUEST_PHYS,
                                            .phys_type = type,
                                            .interval_s = intervals[i],
                                            .class_mask = classes[c]};
                ASSERT_STATUS(mc_ge_s5_request_encode(&q, out, sizeof out, &len, NULL), MC_OK);
                decode_all(out, len, &f);
                ASSERT_EQ_INT(f.n, 1);
                mc_ge_s5_request r;
                ASSERT_STATUS(mc_ge_s5_request_parse(f.rec[0], f.len[0], &r, NULL), MC_OK);
                assert_same_request(&q, &r);
                n++;
            }
    /* wave lists: one type, three (600 samples/s), eight (no end mark), a timed snapshot */
    const mc_ge_s5_request waves[] = {
        {.kind = MC_GE_S5_REQUEST_WAVE_START, .n_waves = 1, .wave_types = {32}},
        {.kind = MC_GE_S5_REQUEST_WAVE_START, .n_waves = 3, .wave_types = {1, 8, 4}},
        {.kind = MC_GE_S5_REQUEST_WAVE_START,
         .n_waves = 8,
         .wave_types = {8, 9, 10, 11, 12, 13, 14, 15}},
        {.kind = MC_GE_S5_REQUEST_WAVE_TIMED,
         .duration = 0x7E7E,
         .n_waves = 2,
         .wave_types = {8, 1}},
        {.kind = MC_GE_S5_REQUEST_WAVE_STOP},
    };
    for (size_t k = 0; k < sizeof waves / sizeof waves[0]; k++) {
        ASSERT_STATUS(mc_ge_s5_request_encode(&waves[k], out, sizeof out, &len, NULL), MC_OK);
        decode_all(out, len, &f);
        ASSERT_EQ_INT(f.n, 1);
        ASSERT_EQ_INT(f.len[0], 72);
        mc_ge_s5_request r;
        ASSERT_STATUS(mc_ge_s5_request_parse(f.rec[0], f.len[0], &r, NULL), MC_OK);
        assert_same_request(&waves[k], &r);
        n++;
    }
    ASSERT_EQ_INT(n, 3 * 8 * 4 + 5);
}

TEST(request_refusals)
{
    uint8_t out[MC_GE_S5_REQUEST_BYTES_MAX];
    size_t len = 99;
    mc_diag d;
    mc_ge_s5_request q = {.kind = MC_GE_S5_REQUEST_PHYS, .phys_type = 4, .interval_s = 1};
    ASSERT_STATUS(mc_ge_s5_request_encode(&q, out, sizeof out, &len, &d), MC_EINVAL);
    ASSERT_EQ_INT(len, 0);
    q.phys_type = 0;
    ASSERT_STATUS(mc_ge_s5_request_encode(&q, out, sizeof out, &len, &d), MC_EINVAL);
    q.phys_type = 1;
    q.interval_s = -1;
    ASSERT_STATUS(mc_ge_s5_request_encode(&q, out, sizeof out, &len, &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "interval -1") != NULL);
    q.interval_s = 1;
    q.class_mask = 0x10;
    ASSERT_STATUS(mc_ge_s5_request_encode(&q, out, sizeof out, &len, &d), MC_EINVAL);
    q.class_mask = 0;
    ASSERT_STATUS(mc_ge_s5_request_encode(&q, out, 51, &len, &d), MC_EINVAL); /* room */
    ASSERT_STATUS(mc_ge_s5_request_encode(&q, out, 52, &len, &d), MC_OK);
    q.kind = (mc_ge_s5_request_kind)0;
    ASSERT_STATUS(mc_ge_s5_request_encode(&q, out, sizeof out, &len, &d), MC_EINVAL);
    ASSERT_STATUS(mc_ge_s5_request_displayed(0, out, sizeof out, &len, &d), MC_EINVAL);
    ASSERT_STATUS(mc_ge_s5_request_displayed(-5, out, sizeof out, &len, &d), MC_EINVAL);

    const uint8_t nine[9] = {8, 9, 10, 11, 12, 13, 14, 15, 1};
    ASSERT_STATUS(mc_ge_s5_request_waves(nine, 9, out, sizeof out, &len, &d), MC_EINVAL);
    ASSERT_STATUS(mc_ge_s5_request_waves(nine, 0, out, sizeof out, &len, &d), MC_EINVAL);
    const uint8_t bis = 35, zero = 0, dup[2] = {8, 8}, ecg[3] = {1, 2, 3}, ecg2[2] = {1, 2};
    ASSERT_STATUS(mc_ge_s5_request_waves(&bis, 1, out, sizeof out, &len, &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "35") != NULL);
    ASSERT_STATUS(mc_ge_s5_request_waves(&zero, 1, out, sizeof out, &len, &d), MC_EINVAL);
    ASSERT_STATUS(mc_ge_s5_request_waves(dup, 2, out, sizeof out, &len, &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "PLETH listed twice") != NULL);
    ASSERT_STATUS(mc_ge_s5_request_waves(ecg, 3, out, sizeof out, &len, &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "900 samples/s") != NULL);
    ASSERT_STATUS(mc_ge_s5_request_waves(ecg2, 2, out, sizeof out, &len, &d), MC_OK); /* 600 */
}

/* Records that are not requests, and requests out of the documented ranges. */
TEST(request_parse_refusals)
{
    uint8_t out[MC_GE_S5_REQUEST_BYTES_MAX];
    size_t len;
    frames f;
    mc_ge_s5_request r;
    mc_diag d;
    const uint8_t pleth = 8;
    ASSERT_STATUS(mc_ge_s5_request_waves(&pleth, 1, out, sizeof out, &len, NULL), MC_OK);
    decode_all(out, len, &f);
    uint8_t rec[72];
    memcpy(rec, f.rec[0], 72);
    ASSERT_STATUS(mc_ge_s5_request_parse(rec, 71, &r, &d), MC_EFORMAT); /* r_len */
    ASSERT_STATUS(mc_ge_s5_request_parse(rec, 39, &r, &d), MC_EFORMAT);
    rec[44] = 0xFF; /* no type */
    ASSERT_STATUS(mc_ge_s5_request_parse(rec, 72, &r, &d), MC_EFORMAT);
    ASSERT_EQ_INT(d.offset, 44);
    rec[44] = 8;
    rec[45] = 0; /* type 0 before the end mark */
    ASSERT_STATUS(mc_ge_s5_request_parse(rec, 72, &r, &d), MC_EFORMAT);
    ASSERT_EQ_INT(d.offset, 45);
    ASSERT_EQ_INT(r.kind, 0);
    rec[45] = 0xFF;
    rec[40] = 3; /* req_type */
    ASSERT_STATUS(mc_ge_s5_request_parse(rec, 72, &r, &d), MC_EFORMAT);
    ASSERT_EQ_INT(d.offset, 40);
    rec[40] = 0;
    rec[14] = 4; /* alarm main type */
    ASSERT_STATUS(mc_ge_s5_request_parse(rec, 72, &r, &d), MC_EFORMAT);
    ASSERT_EQ_INT(d.offset, 14);
    rec[14] = 1;
    rec[18] = 8; /* a PLETH data record, not a request */
    ASSERT_STATUS(mc_ge_s5_request_parse(rec, 72, &r, &d), MC_EFORMAT);
    ASSERT_EQ_INT(d.offset, 16);
    rec[18] = 0;
    ASSERT_STATUS(mc_ge_s5_request_parse(rec, 72, &r, &d), MC_OK);

    ASSERT_STATUS(mc_ge_s5_request_displayed(1, out, sizeof out, &len, NULL), MC_OK);
    decode_all(out, len, &f);
    memcpy(rec, f.rec[0], 49);
    rec[40] = 4; /* phdb_rcrd_type beyond the 60-s trend */
    ASSERT_STATUS(mc_ge_s5_request_parse(rec, 49, &r, &d), MC_EFORMAT);
    ASSERT_EQ_INT(d.offset, 40);
    rec[0] = 45; /* a physiological request too short for its body */
    ASSERT_STATUS(mc_ge_s5_request_parse(rec, 45, &r, &d), MC_EFORMAT);
    /* a negative interval is reported as it stands */
    memcpy(rec, f.rec[0], 49);
    rec[41] = 0xFF;
    rec[42] = 0xFF;
    ASSERT_STATUS(mc_ge_s5_request_parse(rec, 49, &r, &d), MC_OK);
    ASSERT_EQ_INT(r.interval_s, -1);
}

/* ---- records ---- */

TEST(wave_record_round_trip)
{
    /* in range, on the 1/100 % grid; tricky counts (0x7E7E, 0x7D7D, 0x007E); NaN; over range;
     * the first count of the marker range (-32001) and the last valid one (-32000) */
    const float v[12] = {97.53f, -1.54f, 0.0f,   327.67f,  323.82f, 321.25f,
                         1.26f,  NAN,    400.0f, -320.01f, -320.0f, 0.004f};
    const mc_ge_s5_wave_block b = {8, v, 12};
    uint8_t rec[512], fr[MC_GE_S5_FRAME_ENCODED_MAX(512)];
    size_t n, len;
    ASSERT_STATUS(mc_ge_s5_wave_record_encode(200, 1532624798u, &b, 1, rec, sizeof rec, &n, NULL),
                  MC_OK);
    ASSERT_EQ_INT(n, 40 + 6 + 24);
    ASSERT_STATUS(mc_ge_s5_frame_encode(rec, n, fr, sizeof fr, &len, NULL), MC_OK);
    frames f;
    decode_all(fr, len, &f);
    ASSERT_EQ_INT(f.n, 1);
    mc_ge_s5_record r;
    ASSERT_STATUS(mc_ge_s5_record_parse(f.rec[0], f.len[0], &r, NULL), MC_OK);
    ASSERT_EQ_INT(r.r_nbr, 200);
    ASSERT_EQ_INT(r.r_time, 1532624798u);
    ASSERT_EQ_INT(r.maintype, 1);
    ASSERT_EQ_INT(r.dri_level, MC_GE_S5_DRI_LEVEL);
    ASSERT_EQ_INT(r.n_sub, 1);
    ASSERT_EQ_INT(r.sub_type[0], 8);
    float out[16];
    size_t m;
    ASSERT_STATUS(
        mc_ge_s5_wave_decode(r.sub[0], r.sub_len[0], mc_ge_s5_wave_type_find(8), out, 16, &m, NULL),
        MC_OK);
    ASSERT_EQ_INT(m, 12);
    for (int i = 0; i < 12; i++) {
        if (i == 7 || i == 8 || i == 9) {
            ASSERT_TRUE(isnan(out[i]));
            continue;
        }
        ASSERT_NEAR_F(out[i], v[i], 0.005 + 1e-4);
        ASSERT_NEAR_F(out[i], (double)nearbyintf(v[i] * 100) * 0.01, 1e-4);
    }
    ASSERT_EQ_INT((int16_t)(rec[46 + 2 * 7] | rec[47 + 2 * 7] << 8), -32767); /* invalid */
    ASSERT_EQ_INT((int16_t)(rec[46 + 2 * 8] | rec[47 + 2 * 8] << 8), -32763); /* over range */
    ASSERT_EQ_INT((int16_t)(rec[46 + 2 * 9] | rec[47 + 2 * 9] << 8), -32764); /* under range */
    /* refusals */
    mc_diag d;
    const mc_ge_s5_wave_block bis = {35, v, 1};
    ASSERT_STATUS(mc_ge_s5_wave_record_encode(0, 0, &bis, 1, rec, sizeof rec, &n, &d), MC_EINVAL);
    ASSERT_STATUS(mc_ge_s5_wave_record_encode(0, 0, &b, 0, rec, sizeof rec, &n, &d), MC_EINVAL);
    ASSERT_STATUS(mc_ge_s5_wave_record_encode(0, 0, &b, 1, rec, 69, &n, &d), MC_EINVAL);
    ASSERT_STATUS(mc_ge_s5_wave_record_encode(0, 0, &b, 1, rec, 70, &n, &d), MC_OK);
    static float many[2100];
    const mc_ge_s5_wave_block big = {8, many, 2100};
    static uint8_t bigrec[8192];
    ASSERT_STATUS(mc_ge_s5_wave_record_encode(0, 0, &big, 1, bigrec, sizeof bigrec, &n, &d),
                  MC_EINVAL);
    const mc_ge_s5_wave_block most = {8, many, (4095 - 46) / 2};
    ASSERT_STATUS(mc_ge_s5_wave_record_encode(0, 0, &most, 1, bigrec, sizeof bigrec, &n, &d),
                  MC_OK);
    ASSERT_TRUE(n <= 4095);
}

/* The third frame of raw.raw (PLETH and ENT_100, 100 samples each) decoded, then encoded again:
 * the same header byte for byte and the same sample counts. */
TEST(wave_record_like_the_monitor)
{
    FILE *fp = fopen(mc_test_shared("serial/ge_datex_s5/raw.raw"), "rb");
    ASSERT_TRUE(fp != NULL);
    static uint8_t buf[65536];
    const size_t nb = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    static frames f;
    static mc_ge_s5_decoder dec;
    mc_ge_s5_decoder_reset(&dec);
    f.n = 0;
    ASSERT_STATUS(mc_ge_s5_decoder_push(&dec, buf, nb, keep, &f), MC_OK);
    ASSERT_TRUE(f.n >= 3);
    const uint8_t *real = f.rec[2];
    mc_ge_s5_record r;
    ASSERT_STATUS(mc_ge_s5_record_parse(real, f.len[2], &r, NULL), MC_OK);
    ASSERT_EQ_INT(r.maintype, 1);
    ASSERT_EQ_INT(r.n_sub, 2);
    static float s[2][200];
    mc_ge_s5_wave_block b[2];
    for (size_t k = 0; k < 2; k++) {
        size_t m;
        const mc_ge_s5_wave_type *t = mc_ge_s5_wave_type_find(r.sub_type[k]);
        ASSERT_STATUS(mc_ge_s5_wave_decode(r.sub[k], r.sub_len[k], t, s[k], 200, &m, NULL), MC_OK);
        b[k] = (mc_ge_s5_wave_block){r.sub_type[k], s[k], m};
    }
    static uint8_t rec[MC_GE_S5_FRAME_MAX];
    size_t n;
    ASSERT_STATUS(mc_ge_s5_wave_record_encode(r.r_nbr, r.r_time, b, 2, rec, sizeof rec, &n, NULL),
                  MC_OK);
    ASSERT_EQ_INT(n, f.len[2]);
    ASSERT_TRUE(memcmp(rec, real, 40) == 0);
    for (size_t k = 0; k < 2; k++) {
        const size_t off = (size_t)(r.sub[k] - real);
        ASSERT_TRUE(memcmp(rec + off, real + off, 2) == 0); /* act_len */
        for (size_t i = 0; i < b[k].n; i++) {
            const uint8_t *pa = real + off + 6 + 2 * i, *pb = rec + off + 6 + 2 * i;
            const int16_t a = (int16_t)(pa[0] | pa[1] << 8), c = (int16_t)(pb[0] | pb[1] << 8);
            ASSERT_EQ_INT(c, a <= -32001 ? -32767 : a);
        }
    }
}

/* SpO2, PR and IR-AMP in, everything else invalid: the decoder gives exactly those back. */
TEST(phys_record_spo2)
{
    float v[MC_GE_S5_PHYS_VALUES];
    for (size_t i = 0; i < MC_GE_S5_PHYS_VALUES; i++)
        v[i] = NAN;
    const size_t i_spo2 = mc_ge_s5_phys_index("SPO2"), i_pr = mc_ge_s5_phys_index("SPO2_PR"),
                 i_amp = mc_ge_s5_phys_index("SPO2_IR_AMP");
    ASSERT_TRUE(i_spo2 < MC_GE_S5_PHYS_VALUES && i_pr < MC_GE_S5_PHYS_VALUES &&
                i_amp < MC_GE_S5_PHYS_VALUES);
    ASSERT_EQ_INT(mc_ge_s5_phys_index("NOPE"), MC_GE_S5_PHYS_VALUES);
    ASSERT_TRUE(mc_ge_s5_phys_field_at(MC_GE_S5_PHYS_VALUES) == NULL);
    ASSERT_EQ_INT(mc_ge_s5_phys_field_at(i_spo2)->offset, 128);
    v[i_spo2] = 97.53f;
    v[i_pr] = 72;
    v[i_amp] = 377;
    uint8_t rec[MC_GE_S5_PHYS_RECORD_BYTES], fr[MC_GE_S5_FRAME_ENCODED_MAX(318)];
    size_t n, len;
    ASSERT_STATUS(mc_ge_s5_phys_record_encode(7, 1532624765u, v, rec, sizeof rec, &n, NULL), MC_OK);
    ASSERT_EQ_INT(n, MC_GE_S5_PHYS_RECORD_BYTES);
    ASSERT_STATUS(mc_ge_s5_frame_encode(rec, n, fr, sizeof fr, &len, NULL), MC_OK);
    frames f;
    decode_all(fr, len, &f);
    ASSERT_EQ_INT(f.n, 1);
    mc_ge_s5_record r;
    ASSERT_STATUS(mc_ge_s5_record_parse(f.rec[0], f.len[0], &r, NULL), MC_OK);
    ASSERT_EQ_INT(r.r_nbr, 7);
    ASSERT_EQ_INT(r.r_time, 1532624765u);
    ASSERT_EQ_INT(r.maintype, 0);
    ASSERT_EQ_INT(r.n_sub, 1);
    ASSERT_EQ_INT(r.sub_type[0], 1);
    ASSERT_EQ_INT(r.sub_len[0], 278);
    mc_ge_s5_value out[MC_GE_S5_PHYS_VALUES];
    size_t m;
    ASSERT_STATUS(mc_ge_s5_phys_decode(r.sub[0], r.sub_len[0], out, &m, NULL), MC_OK);
    ASSERT_EQ_INT(m, MC_GE_S5_PHYS_VALUES);
    for (size_t i = 0; i < m; i++) {
        if (i == i_spo2 || i == i_pr || i == i_amp)
            ASSERT_NEAR_F(out[i].value, v[i], 1e-5);
        else
            ASSERT_TRUE(isnan(out[i].value));
    }
    ASSERT_STR_EQ(out[i_spo2].name, "SPO2");
    /* the subrecord as the monitor lays it out: time, SpO2 group status 3 (exists, active),
     * other groups 0, invalid markers, cl_drilvl_subt 0x00A1 */
    const uint8_t *s = rec + 40;
    ASSERT_EQ_INT(s[0] | s[1] << 8 | s[2] << 16 | (uint32_t)s[3] << 24, 1532624765u);
    ASSERT_EQ_INT(s[122], 3);
    ASSERT_EQ_INT(s[4], 0);
    ASSERT_EQ_INT((int16_t)(s[10] | s[11] << 8), -32767);
    ASSERT_EQ_INT((int16_t)(s[188] | s[189] << 8), -32767); /* flow-volume RR, not decoded */
    ASSERT_EQ_INT(s[276] | s[277] << 8, 0x00A1);
    /* refusals */
    ASSERT_STATUS(mc_ge_s5_phys_record_encode(7, 0, v, rec, 317, &n, NULL), MC_EINVAL);
}

/* Every value the decoder reads, each set: read back within half a count. */
TEST(phys_record_all_values)
{
    float v[MC_GE_S5_PHYS_VALUES];
    for (size_t i = 0; i < MC_GE_S5_PHYS_VALUES; i++) {
        const mc_ge_s5_phys_field *fd = mc_ge_s5_phys_field_at(i);
        v[i] = (float)((double)(i + 1) * (fd->scale < 1 ? 1.2345 : 7) * (i % 2 ? 1 : -1));
    }
    uint8_t rec[MC_GE_S5_PHYS_RECORD_BYTES];
    size_t n;
    ASSERT_STATUS(mc_ge_s5_phys_record_encode(0, 1000, v, rec, sizeof rec, &n, NULL), MC_OK);
    mc_ge_s5_record r;
    ASSERT_STATUS(mc_ge_s5_record_parse(rec, n, &r, NULL), MC_OK);
    mc_ge_s5_value out[MC_GE_S5_PHYS_VALUES];
    size_t m;
    ASSERT_STATUS(mc_ge_s5_phys_decode(r.sub[0], r.sub_len[0], out, &m, NULL), MC_OK);
    ASSERT_EQ_INT(m, MC_GE_S5_PHYS_VALUES);
    for (size_t i = 0; i < m; i++) {
        const double scale = mc_ge_s5_phys_field_at(i)->scale;
        ASSERT_STR_EQ(out[i].name, mc_ge_s5_phys_field_at(i)->name);
        ASSERT_NEAR_F(out[i].value, v[i], scale / 2 + 1e-4);
    }
    /* every group with a decoded value is marked present */
    static const int with_values[] = {4,   20,  34,  48,  62,  76,  90, 98,
                                      106, 114, 122, 136, 150, 160, 170};
    for (size_t g = 0; g < sizeof with_values / sizeof with_values[0]; g++)
        ASSERT_EQ_INT(rec[40 + with_values[g]], 3);
    ASSERT_EQ_INT(rec[40 + 182], 0); /* flow & volume: not encoded */
}

/* raw.raw's first basic-class subrecord decoded and encoded again: every decoded value has the
 * monitor's count (or its invalid marker), and the class/level/subtype word is the monitor's. */
TEST(phys_record_like_the_monitor)
{
    FILE *fp = fopen(mc_test_shared("serial/ge_datex_s5/raw.raw"), "rb");
    ASSERT_TRUE(fp != NULL);
    static uint8_t buf[65536];
    const size_t nb = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    static frames f;
    static mc_ge_s5_decoder dec;
    mc_ge_s5_decoder_reset(&dec);
    f.n = 0;
    ASSERT_STATUS(mc_ge_s5_decoder_push(&dec, buf, nb, keep, &f), MC_OK);
    mc_ge_s5_record r;
    ASSERT_STATUS(mc_ge_s5_record_parse(f.rec[0], f.len[0], &r, NULL), MC_OK);
    ASSERT_EQ_INT(r.maintype, 0);
    mc_ge_s5_value val[MC_GE_S5_PHYS_VALUES];
    size_t m;
    ASSERT_STATUS(mc_ge_s5_phys_decode(r.sub[0], r.sub_len[0], val, &m, NULL), MC_OK);
    float v[MC_GE_S5_PHYS_VALUES];
    for (size_t i = 0; i < m; i++)
        v[i] = val[i].value;
    uint8_t rec[MC_GE_S5_PHYS_RECORD_BYTES];
    size_t n;
    ASSERT_STATUS(mc_ge_s5_phys_record_encode(r.r_nbr, r.r_time, v, rec, sizeof rec, &n, NULL),
                  MC_OK);
    const uint8_t *real = r.sub[0], *ours = rec + 40;
    int valid = 0;
    for (size_t i = 0; i < m; i++) {
        const uint16_t o = mc_ge_s5_phys_field_at(i)->offset;
        const int16_t a = (int16_t)(real[o] | real[o + 1] << 8);
        const int16_t b = (int16_t)(ours[o] | ours[o + 1] << 8);
        ASSERT_EQ_INT(b, a <= -32001 ? -32767 : a);
        valid += a > -32001;
    }
    ASSERT_TRUE(valid >= 10);
    ASSERT_TRUE(memcmp(ours, real, 4) == 0);             /* time */
    ASSERT_TRUE(memcmp(ours + 276, real + 276, 2) == 0); /* 0x00A1 */
    ASSERT_EQ_INT(ours[122], real[122]);                 /* SpO2 group: 3 */
    ASSERT_TRUE(memcmp(rec + 2, f.rec[0] + 2, 14) == 0); /* r_nbr .. maintype */
}

/* What an emulator sends, imported: a PLETH stream of 3 records of 100 samples and SpO2 each
 * second. */
TEST(emulated_stream_imports)
{
    static uint8_t stream[16384];
    size_t pos = 0;
    float v[MC_GE_S5_PHYS_VALUES];
    for (size_t i = 0; i < MC_GE_S5_PHYS_VALUES; i++)
        v[i] = NAN;
    float pleth[100];
    for (int k = 0; k < 3; k++) {
        uint8_t rec[512];
        size_t n, len;
        v[mc_ge_s5_phys_index("SPO2")] = 95.0f + (float)k;
        v[mc_ge_s5_phys_index("SPO2_PR")] = 60.0f + (float)k;
        ASSERT_STATUS(mc_ge_s5_phys_record_encode((uint8_t)k, 5000u + (uint32_t)k, v, rec,
                                                  sizeof rec, &n, NULL),
                      MC_OK);
        ASSERT_STATUS(mc_ge_s5_frame_encode(rec, n, stream + pos, sizeof stream - pos, &len, NULL),
                      MC_OK);
        pos += len;
        for (int i = 0; i < 100; i++)
            pleth[i] = (float)(50 + 40 * sin(2 * PI * (k * 100 + i) / 80.0));
        const mc_ge_s5_wave_block b = {8, pleth, 100};
        ASSERT_STATUS(mc_ge_s5_wave_record_encode((uint8_t)(255 + k), 5000u + (uint32_t)k, &b, 1,
                                                  rec, sizeof rec, &n, NULL),
                      MC_OK);
        ASSERT_STATUS(mc_ge_s5_frame_encode(rec, n, stream + pos, sizeof stream - pos, &len, NULL),
                      MC_OK);
        pos += len;
    }
    mc_import imp;
    mc_import_init(&imp);
    mc_ge_s5_stats st;
    mc_diag d;
    ASSERT_STATUS(mc_ge_s5_read(stream, pos, &imp, &st, &d), MC_OK);
    ASSERT_EQ_INT(st.frames_good, 6);
    ASSERT_EQ_INT(imp.start_unix_ns, 5000LL * 1000000000);
    const mc_import_stream *p = NULL, *s = NULL;
    for (size_t i = 0; i < imp.n_streams; i++) {
        if (strcmp(imp.streams[i].info->name, "PLETH") == 0)
            p = &imp.streams[i];
        if (strcmp(imp.streams[i].info->name, "SPO2") == 0)
            s = &imp.streams[i];
    }
    ASSERT_TRUE(p != NULL && s != NULL);
    ASSERT_EQ_INT(imp.n_streams, 3); /* PLETH, SPO2, SPO2_PR */
    ASSERT_EQ_INT(p->n_frames, 300); /* r_nbr 255, 0, 1: no gap */
    ASSERT_EQ_INT(p->n_gaps, 0);
    for (int i = 0; i < 300; i++)
        ASSERT_NEAR_F(p->data[i], 50 + 40 * sin(2 * PI * i / 80.0), 0.005 + 1e-4);
    ASSERT_EQ_INT(s->n_frames, 3);
    ASSERT_NEAR_F(s->data[2], 97.0, 1e-5);
    ASSERT_EQ_INT(s->t_ns[2], 2LL * 1000000000);
    mc_import_free(&imp);
}
