/* SPDX-License-Identifier: MIT */
/* tests/formats/test_intellivue.c: the Philips IntelliVue Data Export codec (formats/intellivue.h):
 * the FCS against the CRC catalogue's check value and RFC 1662's good-FCS residue, frames with
 * bytes that need escaping through the decoder, every split of a stream, bad FCS, garbage,
 * aborts and oversize frames counted; FLOAT-Type known values and specials; the driver's requests
 * against VSCapture's fixed messages (Class2.cs) byte for byte; association result, MDS create
 * event report and poll results (numerics plain, compound and linked; a Pleth sample array with
 * its specifications) encoded and parsed back to exactly the values put in; truncations refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/intellivue.h"
#include "tests/guard.h"
#include "tests/harness.h"

/* ---- helpers ---- */

enum { MAX_FRAMES = 16, BUF = 4096 };

typedef struct frames {
    int n;
    size_t len[MAX_FRAMES];
    uint8_t data[MAX_FRAMES][BUF];
} frames;

static mc_status keep(void *ctx, const uint8_t *data, size_t n)
{
    frames *f = ctx;
    if (f->n < MAX_FRAMES && n <= BUF) {
        f->len[f->n] = n;
        memcpy(f->data[f->n], data, n);
    }
    f->n++;
    return MC_OK;
}

static void assert_same_frames(const frames *a, const frames *b)
{
    ASSERT_EQ_INT(a->n, b->n);
    for (int i = 0; i < a->n && i < MAX_FRAMES; i++) {
        ASSERT_EQ_INT(a->len[i], b->len[i]);
        ASSERT_TRUE(memcmp(a->data[i], b->data[i], a->len[i]) == 0);
    }
}

static void assert_same_stats(const mc_intellivue_stats *a, const mc_intellivue_stats *b)
{
    ASSERT_EQ_INT(a->frames_good, b->frames_good);
    ASSERT_EQ_INT(a->bad_fcs, b->bad_fcs);
    ASSERT_EQ_INT(a->short_frames, b->short_frames);
    ASSERT_EQ_INT(a->bad_header, b->bad_header);
    ASSERT_EQ_INT(a->oversize, b->oversize);
    ASSERT_EQ_INT(a->aborted, b->aborted);
    ASSERT_EQ_INT(a->garbage_bytes, b->garbage_bytes);
}

static size_t frame(const uint8_t *data, size_t n, uint8_t *out, size_t cap)
{
    size_t len = 0;
    ASSERT_STATUS(mc_intellivue_frame_encode(data, n, out, cap, &len, NULL), MC_OK);
    return len;
}

/* Unescaped bytes of an encoded frame (between BOF and EOF). */
static size_t unescape(const uint8_t *f, size_t n, uint8_t *out)
{
    size_t k = 0;
    ASSERT_EQ_INT(f[0], 0xC0);
    ASSERT_EQ_INT(f[n - 1], 0xC1);
    for (size_t i = 1; i + 1 < n; i++) {
        ASSERT_TRUE(f[i] != 0xC0 && f[i] != 0xC1);
        out[k++] = f[i] == 0x7D ? (uint8_t)(f[++i] ^ 0x20) : f[i];
    }
    return k;
}

/* ---- FCS and frames ---- */

TEST(fcs_check_value)
{
    /* CRC-16/X-25 (= PPP FCS-16, transmitted complemented): check value of "123456789". */
    const uint8_t s[] = "123456789";
    ASSERT_EQ_INT(mc_intellivue_fcs(s, 9), 0x906E);
    /* Hand-computed: the CRC of no bytes is the initial 0xFFFF, whose complement is 0. */
    ASSERT_EQ_INT(mc_intellivue_fcs(s, 0), 0x0000);
}

TEST(frame_layout_and_residue)
{
    const uint8_t data[] = {0xE1, 0x00, 0x00, 0x02};
    uint8_t f[64], raw[64];
    const size_t n = frame(data, sizeof data, f, sizeof f);
    const size_t k = unescape(f, n, raw);
    ASSERT_EQ_INT(k, 4 + 4 + 2);
    const uint8_t header[4] = {0x11, 0x01, 0x00, 0x04};
    ASSERT_TRUE(memcmp(raw, header, 4) == 0);
    ASSERT_TRUE(memcmp(raw + 4, data, 4) == 0);
    /* RFC 1662: the (uncomplemented) CRC over the frame and its FCS, low byte first, is the good
     * residue 0xF0B8; so complemented it is 0x0F47. This checks byte order and complement. */
    ASSERT_EQ_INT(mc_intellivue_fcs(raw, k), 0x0F47);
    const uint16_t fcs = mc_intellivue_fcs(raw, 8);
    ASSERT_EQ_INT(raw[8], fcs & 0xFF);
    ASSERT_EQ_INT(raw[9], fcs >> 8);
}

TEST(frame_escapes_round_trip)
{
    /* Every special byte in the data; 125 bytes so that len_lo is 0x7D and is escaped too. */
    uint8_t data[125];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 37 + 5);
    data[0] = 0xC0;
    data[1] = 0xC1;
    data[2] = 0x7D;
    data[3] = 0x5D;
    data[4] = 0xE0;
    data[124] = 0x7D;
    uint8_t f[512];
    const size_t n = frame(data, sizeof data, f, sizeof f);
    ASSERT_EQ_INT(f[1], 0x11);
    ASSERT_EQ_INT(f[3], 0x00);
    ASSERT_EQ_INT(f[4], 0x7D); /* len_lo 0x7D escaped */
    ASSERT_EQ_INT(f[5], 0x5D);
    ASSERT_EQ_INT(f[6], 0x7D); /* data[0] = 0xC0 */
    ASSERT_EQ_INT(f[7], 0xE0);
    mc_intellivue_decoder dec;
    mc_intellivue_decoder_reset(&dec);
    static frames got;
    got.n = 0;
    ASSERT_STATUS(mc_intellivue_decoder_push(&dec, f, n, keep, &got), MC_OK);
    ASSERT_EQ_INT(got.n, 1);
    ASSERT_EQ_INT(got.len[0], sizeof data);
    ASSERT_TRUE(memcmp(got.data[0], data, sizeof data) == 0);
    ASSERT_EQ_INT(dec.stats.frames_good, 1);
    ASSERT_EQ_INT(dec.stats.garbage_bytes + dec.stats.bad_fcs + dec.stats.aborted, 0);
}

TEST(frame_fcs_needing_escape)
{
    /* Find data whose FCS holds a special byte: the FCS is escaped like the rest. */
    uint8_t data[3] = {0x01, 0x02, 0x00};
    int found = 0;
    for (unsigned v = 0; v < 65536 && !found; v++) {
        data[1] = (uint8_t)(v >> 8);
        data[2] = (uint8_t)v;
        const uint8_t raw[7] = {0x11, 0x01, 0x00, 0x03, data[0], data[1], data[2]};
        const uint16_t fcs = mc_intellivue_fcs(raw, 7);
        const int lo = (fcs & 0xFF) == 0xC1, hi = (fcs >> 8) == 0x7D;
        found = lo && hi;
    }
    ASSERT_TRUE(found);
    uint8_t f[64];
    const size_t n = frame(data, 3, f, sizeof f);
    ASSERT_EQ_INT(f[n - 5], 0x7D);
    ASSERT_EQ_INT(f[n - 4], 0xE1);
    ASSERT_EQ_INT(f[n - 3], 0x7D);
    ASSERT_EQ_INT(f[n - 2], 0x5D);
    mc_intellivue_decoder dec;
    mc_intellivue_decoder_reset(&dec);
    static frames got;
    got.n = 0;
    ASSERT_STATUS(mc_intellivue_decoder_push(&dec, f, n, keep, &got), MC_OK);
    ASSERT_EQ_INT(got.n, 1);
    ASSERT_TRUE(memcmp(got.data[0], data, 3) == 0);
}

/* A stream: garbage, a good frame, a bad-FCS frame, a short frame, a frame cut by a BOF, an
 * abort sequence, a good frame with escapes, a wrong header, garbage, a good frame. */
static size_t build_stream(uint8_t *s, size_t cap)
{
    size_t n = 0;
    const uint8_t garbage[] = {0x00, 0x7D, 0xC1, 0x41};
    memcpy(s + n, garbage, sizeof garbage);
    n += sizeof garbage;
    const uint8_t a[] = {0xE1, 0x00, 0x00, 0x02, 0x00, 0x02};
    n += frame(a, sizeof a, s + n, cap - n);
    const size_t bad_at = n;
    n += frame(a, sizeof a, s + n, cap - n);
    s[bad_at + 6] ^= 0x01; /* a data byte (no escapes in this frame): FCS now wrong */
    const uint8_t short_frame[] = {0xC0, 0x11, 0x01, 0x00, 0x00, 0x12, 0x34, 0xC1};
    memcpy(s + n, short_frame, sizeof short_frame);
    n += sizeof short_frame;
    const uint8_t cut[] = {0xC0, 0x11, 0x01, 0x00, 0x09, 0xE1};
    memcpy(s + n, cut, sizeof cut);
    n += sizeof cut;
    const uint8_t aborted[] = {0xC0, 0x11, 0x01, 0x7D, 0xC1};
    memcpy(s + n, aborted, sizeof aborted);
    n += sizeof aborted;
    const uint8_t b[] = {0xC0, 0xC1, 0x7D, 0x20, 0x5D, 0xE1, 0xE0};
    n += frame(b, sizeof b, s + n, cap - n);
    /* Right FCS over a wrong protocol id. */
    const uint8_t wrong[] = {0x12, 0x01, 0x00, 0x01, 0x55};
    const uint16_t fcs = mc_intellivue_fcs(wrong, sizeof wrong);
    s[n++] = 0xC0;
    memcpy(s + n, wrong, sizeof wrong);
    n += sizeof wrong;
    s[n++] = (uint8_t)(fcs & 0xFF);
    s[n++] = (uint8_t)(fcs >> 8);
    s[n++] = 0xC1;
    s[n++] = 0x99;
    const uint8_t c[] = {0x0E, 0x01, 0x00};
    n += frame(c, sizeof c, s + n, cap - n);
    return n;
}

static void check_stream_stats(const mc_intellivue_stats *st)
{
    ASSERT_EQ_INT(st->frames_good, 3);
    ASSERT_EQ_INT(st->bad_fcs, 1);
    ASSERT_EQ_INT(st->short_frames, 1);
    ASSERT_EQ_INT(st->bad_header, 1);
    ASSERT_EQ_INT(st->aborted, 2);
    ASSERT_EQ_INT(st->oversize, 0);
    ASSERT_EQ_INT(st->garbage_bytes, 4 + 1);
}

TEST(stream_counts)
{
    static uint8_t s[1024];
    const size_t n = build_stream(s, sizeof s);
    mc_intellivue_decoder dec;
    mc_intellivue_decoder_reset(&dec);
    static frames got;
    got.n = 0;
    ASSERT_STATUS(mc_intellivue_decoder_push(&dec, s, n, keep, &got), MC_OK);
    check_stream_stats(&dec.stats);
    ASSERT_EQ_INT(got.n, 3);
    ASSERT_EQ_INT(got.len[0], 6);
    ASSERT_EQ_INT(got.len[1], 7);
    ASSERT_EQ_INT(got.data[1][0], 0xC0);
    ASSERT_EQ_INT(got.data[1][2], 0x7D);
    ASSERT_EQ_INT(got.len[2], 3);
    ASSERT_EQ_INT(got.data[2][0], 0x0E);
}

TEST(stream_every_split)
{
    static uint8_t s[1024];
    const size_t n = build_stream(s, sizeof s);
    static mc_intellivue_decoder whole, part;
    static frames a, b;
    mc_intellivue_decoder_reset(&whole);
    a.n = 0;
    ASSERT_STATUS(mc_intellivue_decoder_push(&whole, s, n, keep, &a), MC_OK);
    for (size_t i = 0; i <= n; i++) {
        for (size_t j = i; j <= n; j += 7) {
            mc_intellivue_decoder_reset(&part);
            b.n = 0;
            ASSERT_STATUS(mc_intellivue_decoder_push(&part, s, i, keep, &b), MC_OK);
            ASSERT_STATUS(mc_intellivue_decoder_push(&part, s + i, j - i, keep, &b), MC_OK);
            ASSERT_STATUS(mc_intellivue_decoder_push(&part, s + j, n - j, keep, &b), MC_OK);
            assert_same_frames(&a, &b);
            assert_same_stats(&whole.stats, &part.stats);
        }
    }
    /* Byte by byte. */
    mc_intellivue_decoder_reset(&part);
    b.n = 0;
    for (size_t i = 0; i < n; i++)
        ASSERT_STATUS(mc_intellivue_decoder_push(&part, s + i, 1, keep, &b), MC_OK);
    assert_same_frames(&a, &b);
    check_stream_stats(&part.stats);
}

TEST(stream_oversize_then_good)
{
    static uint8_t s[2 * MC_INTELLIVUE_DATA_MAX + 64];
    size_t n = 0;
    s[n++] = 0xC0;
    for (size_t i = 0; i < MC_INTELLIVUE_DATA_MAX + 10; i++)
        s[n++] = 0x42;
    s[n++] = 0xC1;
    const uint8_t a[] = {0xE1, 0x00, 0x00, 0x02};
    n += frame(a, sizeof a, s + n, sizeof s - n);
    static mc_intellivue_decoder dec;
    mc_intellivue_decoder_reset(&dec);
    static frames got;
    got.n = 0;
    ASSERT_STATUS(mc_intellivue_decoder_push(&dec, s, n, keep, &got), MC_OK);
    ASSERT_EQ_INT(dec.stats.oversize, 1);
    ASSERT_EQ_INT(dec.stats.aborted, 0);
    ASSERT_EQ_INT(dec.stats.frames_good, 1);
    /* An oversize frame ended by a BOF instead: counted once, as oversize. */
    mc_intellivue_decoder_reset(&dec);
    got.n = 0;
    s[MC_INTELLIVUE_DATA_MAX + 11] = 0x42; /* the EOF above */
    ASSERT_STATUS(mc_intellivue_decoder_push(&dec, s, n, keep, &got), MC_OK);
    ASSERT_EQ_INT(dec.stats.oversize, 1);
    ASSERT_EQ_INT(dec.stats.aborted, 0);
    ASSERT_EQ_INT(got.n, 1);
    ASSERT_EQ_INT(got.n, 1);
    ASSERT_EQ_INT(got.len[0], 4);
}

static mc_status stop_at_first(void *ctx, const uint8_t *data, size_t n)
{
    (void)data;
    (void)n;
    (*(int *)ctx)++;
    return MC_END;
}

TEST(frame_callback_status_stops)
{
    uint8_t s[64];
    const uint8_t a[] = {0x01, 0x02};
    size_t n = frame(a, 2, s, sizeof s);
    n += frame(a, 2, s + n, sizeof s - n);
    mc_intellivue_decoder dec;
    mc_intellivue_decoder_reset(&dec);
    int calls = 0;
    ASSERT_STATUS(mc_intellivue_decoder_push(&dec, s, n, stop_at_first, &calls), MC_END);
    ASSERT_EQ_INT(calls, 1);
}

TEST(frame_encode_refusals)
{
    uint8_t data[4] = {0}, out[16];
    size_t len = 99;
    mc_diag d;
    ASSERT_STATUS(mc_intellivue_frame_encode(data, 0, out, sizeof out, &len, &d), MC_EINVAL);
    ASSERT_STATUS(mc_intellivue_frame_encode(data, 4, out, 9, &len, &d), MC_EINVAL);
    ASSERT_TRUE(d.message[0] != '\0');
    ASSERT_STATUS(
        mc_intellivue_frame_encode(data, 4, out, MC_INTELLIVUE_FRAME_ENCODED_MAX(4), &len, NULL),
        MC_OK);
}

/* ---- FLOAT-Type ---- */

TEST(float_known_values)
{
    /* 0x0FA0 is 4000: 0xFF000FA0 = 4000 * 10^-1 = 400; 40.0 = 400 * 10^-1 is 0xFF000190. */
    ASSERT_NEAR_F(mc_intellivue_float_decode(0xFF000FA0u), 400.0, 1e-9);
    ASSERT_NEAR_F(mc_intellivue_float_decode(0xFF000190u), 40.0, 1e-12);
    ASSERT_NEAR_F(mc_intellivue_float_decode(0x00000061u), 97.0, 0);
    ASSERT_NEAR_F(mc_intellivue_float_decode(0xFF000019u), 2.5, 1e-12);
    ASSERT_NEAR_F(mc_intellivue_float_decode(0x00FFFFFFu), -1.0, 0);
    ASSERT_NEAR_F(mc_intellivue_float_decode(0x02000003u), 300.0, 1e-9);
    ASSERT_NEAR_F(mc_intellivue_float_decode(0xFEFFFF9Cu), -1.0, 1e-12); /* -100 * 10^-2 */
    ASSERT_TRUE(isnan(mc_intellivue_float_decode(MC_INTELLIVUE_FLOAT_NAN)));
    ASSERT_TRUE(isnan(mc_intellivue_float_decode(MC_INTELLIVUE_FLOAT_NRES)));
    ASSERT_TRUE(isinf(mc_intellivue_float_decode(MC_INTELLIVUE_FLOAT_POS_INF)) &&
                mc_intellivue_float_decode(MC_INTELLIVUE_FLOAT_POS_INF) > 0);
    ASSERT_TRUE(isinf(mc_intellivue_float_decode(MC_INTELLIVUE_FLOAT_NEG_INF)) &&
                mc_intellivue_float_decode(MC_INTELLIVUE_FLOAT_NEG_INF) < 0);
}

TEST(float_encode)
{
    ASSERT_EQ_INT(mc_intellivue_float_encode(2.5), 0xFF000019u);
    ASSERT_EQ_INT(mc_intellivue_float_encode(97.0), 0x00000061u);
    ASSERT_EQ_INT(mc_intellivue_float_encode(40.0), 0x01000004u);
    ASSERT_EQ_INT(mc_intellivue_float_encode(-1.5), 0xFFFFFFF1u);
    ASSERT_EQ_INT(mc_intellivue_float_encode(0.0), 0);
    ASSERT_EQ_INT(mc_intellivue_float_encode((double)NAN), MC_INTELLIVUE_FLOAT_NAN);
    ASSERT_EQ_INT(mc_intellivue_float_encode((double)INFINITY), MC_INTELLIVUE_FLOAT_POS_INF);
    ASSERT_EQ_INT(mc_intellivue_float_encode(-(double)INFINITY), MC_INTELLIVUE_FLOAT_NEG_INF);
    ASSERT_EQ_INT(mc_intellivue_float_encode(1e300), MC_INTELLIVUE_FLOAT_POS_INF);
    const double vals[] = {0.01, 1.0 / 3.0, 123.456, -7.25, 8388605.0, 12345678.0, 6.02e23, 1e-100};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        const uint32_t f = mc_intellivue_float_encode(vals[i]);
        ASSERT_TRUE((f & 0xFFFFFFu) != 0x7FFFFFu && (f & 0xFFFFFFu) != 0x800000u);
        ASSERT_NEAR_F(mc_intellivue_float_decode(f), vals[i], fabs(vals[i]) * 1e-6);
    }
}

/* ---- the driver's requests against VSCapture's fixed messages (Class2.cs) ---- */

static void assert_bytes(const uint8_t *got, size_t n, const uint8_t *want, size_t m)
{
    ASSERT_EQ_INT(n, m);
    for (size_t i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            fprintf(stderr, "byte %zu: 0x%02X, expected 0x%02X\n", i, got[i], want[i]);
            ASSERT_TRUE(0);
        }
    }
}

TEST(requests_match_vscapture)
{
    uint8_t out[MC_INTELLIVUE_REQUEST_MAX];
    size_t len;
    /* ext_poll_request_msg */
    const uint8_t ext[] = {0xE1, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x20, 0x00, 0x01,
                           0x00, 0x07, 0x00, 0x1A, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00,
                           0x00, 0x00, 0x00, 0x00, 0xF1, 0x3B, 0x00, 0x0C, 0x00, 0x01,
                           0x00, 0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    mc_intellivue_poll_request req = {
        .invoke_id = 1, .poll_number = 1, .extended = 1, .obj_code = MC_INTELLIVUE_OBJ_NUMERIC};
    ASSERT_STATUS(mc_intellivue_poll_request_encode(&req, out, sizeof out, &len, NULL), MC_OK);
    assert_bytes(out, len, ext, sizeof ext);
    /* ext_poll_request_msg5: the same with NOM_ATTR_TIME_PD_POLL = 240000 ticks (30 s). */
    const uint8_t ext5[] = {0xE1, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x28, 0x00, 0x01, 0x00, 0x07,
                            0x00, 0x22, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                            0xF1, 0x3B, 0x00, 0x14, 0x00, 0x01, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00,
                            0x00, 0x01, 0x00, 0x08, 0xF1, 0x3E, 0x00, 0x04, 0x00, 0x03, 0xA9, 0x80};
    req.period_ticks = 240000;
    ASSERT_STATUS(mc_intellivue_poll_request_encode(&req, out, sizeof out, &len, NULL), MC_OK);
    assert_bytes(out, len, ext5, sizeof ext5);
    /* ext_poll_request_wave_msg3: waves (class 9), poll number 2. */
    const uint8_t wave3[] = {0xE1, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x28, 0x00, 0x01,
                             0x00, 0x07, 0x00, 0x22, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00,
                             0x00, 0x00, 0x00, 0x00, 0xF1, 0x3B, 0x00, 0x14, 0x00, 0x02,
                             0x00, 0x01, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01, 0x00, 0x08,
                             0xF1, 0x3E, 0x00, 0x04, 0x00, 0x03, 0xA9, 0x80};
    req.poll_number = 2;
    req.obj_code = MC_INTELLIVUE_OBJ_WAVE;
    ASSERT_STATUS(mc_intellivue_poll_request_encode(&req, out, sizeof out, &len, NULL), MC_OK);
    assert_bytes(out, len, wave3, sizeof wave3);
    /* poll_request_msg: a single poll of the numerics, invoke id 0. */
    const uint8_t single[] = {0xE1, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x1C, 0x00,
                              0x00, 0x00, 0x07, 0x00, 0x16, 0x00, 0x21, 0x00, 0x00,
                              0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x16, 0x00,
                              0x08, 0x00, 0x01, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00};
    const mc_intellivue_poll_request sreq = {
        .invoke_id = 0, .poll_number = 1, .obj_code = MC_INTELLIVUE_OBJ_NUMERIC};
    ASSERT_STATUS(mc_intellivue_poll_request_encode(&sreq, out, sizeof out, &len, NULL), MC_OK);
    assert_bytes(out, len, single, sizeof single);
    /* keep_alive_msg */
    const uint8_t keep_alive[] = {0xE1, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x1C, 0x00,
                                  0x01, 0x00, 0x07, 0x00, 0x16, 0x00, 0x21, 0x00, 0x00,
                                  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x16, 0x00,
                                  0x08, 0x00, 0x01, 0x00, 0x01, 0x00, 0x21, 0x08, 0x0C};
    ASSERT_STATUS(mc_intellivue_keep_alive_encode(1, 1, out, sizeof out, &len, NULL), MC_OK);
    assert_bytes(out, len, keep_alive, sizeof keep_alive);
    /* mds_create_resp_msg: the answer to a report with invoke id 1 and event time 0x000ABD00. */
    const uint8_t mds_resp[] = {0xE1, 0x00, 0x00, 0x02, 0x00, 0x02, 0x00, 0x14, 0x00, 0x01,
                                0x00, 0x01, 0x00, 0x0E, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00,
                                0x00, 0x0A, 0xBD, 0x00, 0x0D, 0x06, 0x00, 0x00};
    const mc_intellivue_event_report rep = {.invoke_id = 1,
                                            .context_id = 2,
                                            .obj_class = MC_INTELLIVUE_OBJ_MDS,
                                            .event_time = 0x000ABD00,
                                            .event_type = MC_INTELLIVUE_EVENT_MDS_CREATE};
    ASSERT_STATUS(mc_intellivue_mds_create_result_encode(&rep, out, sizeof out, &len, NULL), MC_OK);
    assert_bytes(out, len, mds_resp, sizeof mds_resp);
}

TEST(release_and_wave_select_match_vscapture)
{
    uint8_t out[MC_INTELLIVUE_REQUEST_MAX];
    size_t len;
    /* rlrq_msg */
    const uint8_t rlrq[] = {0x09, 0x18, 0xC1, 0x16, 0x61, 0x80, 0x30, 0x80, 0x02,
                            0x01, 0x01, 0xA0, 0x80, 0x62, 0x80, 0x80, 0x01, 0x00,
                            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    ASSERT_STATUS(mc_intellivue_release_request_encode(out, sizeof out, &len, NULL), MC_OK);
    assert_bytes(out, len, rlrq, sizeof rlrq);
    ASSERT_EQ_INT(mc_intellivue_classify(out, len), MC_INTELLIVUE_RELEASE_REQUEST);
    /* set_rtsa_prio_msg: one label, 0x00020102. */
    const uint8_t prio[] = {0xE1, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00, 0x22, 0x00, 0x00, 0x00,
                            0x05, 0x00, 0x1C, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                            0x00, 0x00, 0x00, 0x01, 0x00, 0x0E, 0x00, 0x00, 0xF2, 0x3A, 0x00,
                            0x08, 0x00, 0x01, 0x00, 0x04, 0x00, 0x02, 0x01, 0x02};
    const uint32_t label = 0x00020102;
    ASSERT_STATUS(mc_intellivue_wave_select_encode(0, &label, 1, out, sizeof out, &len, NULL),
                  MC_OK);
    assert_bytes(out, len, prio, sizeof prio);
    /* Two labels: the lengths grow by 4 each, and the data headers stay consistent. */
    const uint32_t two[] = {MC_INTELLIVUE_LABEL_PLETH, 0x00020102};
    ASSERT_STATUS(mc_intellivue_wave_select_encode(3, two, 2, out, sizeof out, &len, NULL), MC_OK);
    ASSERT_EQ_INT(len, sizeof prio + 4);
    mc_intellivue_data h;
    ASSERT_STATUS(mc_intellivue_data_parse(out, len, &h, NULL), MC_OK);
    ASSERT_EQ_INT(h.invoke_id, 3);
    ASSERT_EQ_INT(h.command_type, 5);
    ASSERT_EQ_INT(out[38] << 24 | out[39] << 16 | out[40] << 8 | out[41], 0x00024BB4);
    ASSERT_STATUS(mc_intellivue_wave_select_encode(0, two, 0, out, sizeof out, &len, NULL),
                  MC_EINVAL);
    ASSERT_STATUS(mc_intellivue_wave_select_encode(0, two, 2, out, 40, &len, NULL), MC_EINVAL);
}

TEST(assoc_request_blob)
{
    uint8_t out[MC_INTELLIVUE_REQUEST_MAX];
    size_t len;
    ASSERT_STATUS(mc_intellivue_assoc_request_encode(0, out, sizeof out, &len, NULL), MC_OK);
    /* The session LI covers the rest of the message. */
    ASSERT_EQ_INT(len, 238);
    ASSERT_EQ_INT(out[0], 0x0D);
    ASSERT_EQ_INT(out[1], len - 2);
    ASSERT_EQ_INT(mc_intellivue_classify(out, len), MC_INTELLIVUE_ASSOC_REQUEST);
    /* Spot checks against Class2.cs aarq_msg: the presentation header, the user-info length
     * (0x81 0x48), the MDSEUserInfoStd start, min poll period and extended options. */
    const uint8_t start[] = {0x0D, 0xEC, 0x05, 0x08, 0x13, 0x01, 0x00, 0x16,
                             0x01, 0x02, 0x80, 0x00, 0x14, 0x02, 0x00, 0x02};
    ASSERT_TRUE(memcmp(out, start, sizeof start) == 0);
    ASSERT_EQ_INT(out[16], 0xC1);
    ASSERT_EQ_INT(out[17], 0xDC);
    ASSERT_EQ_INT(out[148], 0x81);
    ASSERT_EQ_INT(out[149], 0x48);
    ASSERT_EQ_INT(out[150], 0x80);
    const uint8_t poll_profile[] = {0x00, 0x01, 0x00, 0x28, 0x80, 0x00, 0x00, 0x00,
                                    0x00, 0x00, 0x09, 0xC4, 0x00, 0x00, 0x09, 0xC4};
    ASSERT_TRUE(memcmp(out + 178, poll_profile, sizeof poll_profile) == 0);
    ASSERT_EQ_INT(out[210], 0xF0);
    ASSERT_EQ_INT(out[211], 0x01);
    ASSERT_EQ_INT(out[214], 0x8C);
    for (size_t i = 218; i < len; i++)
        ASSERT_EQ_INT(out[i], 0);
    uint8_t wave[MC_INTELLIVUE_REQUEST_MAX];
    size_t wlen;
    ASSERT_STATUS(mc_intellivue_assoc_request_encode(1, wave, sizeof wave, &wlen, NULL), MC_OK);
    ASSERT_EQ_INT(wlen, 238);
    /* aarq_msg_wave_ext_poll differs in exactly three bytes. */
    int diff = 0;
    for (size_t i = 0; i < len; i++)
        diff += out[i] != wave[i];
    ASSERT_EQ_INT(diff, 3);
    ASSERT_EQ_INT(wave[188], 0x03);
    ASSERT_EQ_INT(wave[189], 0xE8);
    ASSERT_EQ_INT(wave[214], 0x88);
    size_t small;
    ASSERT_STATUS(mc_intellivue_assoc_request_encode(0, out, 237, &small, NULL), MC_EINVAL);
}

/* ---- association result and event report ---- */

TEST(assoc_result)
{
    uint8_t out[MC_INTELLIVUE_REQUEST_MAX];
    size_t len;
    int accepted = -1;
    ASSERT_STATUS(mc_intellivue_assoc_result_encode(1, out, sizeof out, &len, NULL), MC_OK);
    ASSERT_EQ_INT(mc_intellivue_classify(out, len), MC_INTELLIVUE_ASSOC_ACCEPTED);
    ASSERT_STATUS(mc_intellivue_assoc_result_parse(out, len, &accepted, NULL), MC_OK);
    ASSERT_EQ_INT(accepted, 1);
    /* Cut: the LI runs past the end. */
    mc_diag d;
    ASSERT_STATUS(mc_intellivue_assoc_result_parse(out, len - 1, &accepted, &d), MC_EFORMAT);
    ASSERT_EQ_INT(d.offset, 1);
    ASSERT_STATUS(mc_intellivue_assoc_result_encode(0, out, sizeof out, &len, NULL), MC_OK);
    ASSERT_EQ_INT(mc_intellivue_classify(out, len), MC_INTELLIVUE_ASSOC_REFUSED);
    ASSERT_STATUS(mc_intellivue_assoc_result_parse(out, len, &accepted, NULL), MC_OK);
    ASSERT_EQ_INT(accepted, 0);
    /* The two-byte LI form (0xFF, hi, lo). */
    const uint8_t long_li[] = {0x0E, 0xFF, 0x00, 0x02, 0xAA, 0xBB};
    ASSERT_STATUS(mc_intellivue_assoc_result_parse(long_li, sizeof long_li, &accepted, NULL),
                  MC_OK);
    ASSERT_EQ_INT(accepted, 1);
    ASSERT_STATUS(mc_intellivue_assoc_result_parse(long_li, 5, &accepted, NULL), MC_EFORMAT);
    /* Not results: the request, a data message, an abort, nothing. */
    ASSERT_STATUS(mc_intellivue_assoc_request_encode(0, out, sizeof out, &len, NULL), MC_OK);
    ASSERT_STATUS(mc_intellivue_assoc_result_parse(out, len, &accepted, NULL), MC_EFORMAT);
    const uint8_t data[] = {0xE1, 0x00, 0x00, 0x02};
    ASSERT_STATUS(mc_intellivue_assoc_result_parse(data, 4, &accepted, NULL), MC_EFORMAT);
    ASSERT_EQ_INT(mc_intellivue_classify(data, 4), MC_INTELLIVUE_DATA);
    const uint8_t abort_msg[] = {0x19, 0x00};
    ASSERT_EQ_INT(mc_intellivue_classify(abort_msg, 2), MC_INTELLIVUE_ABORT);
    ASSERT_STATUS(mc_intellivue_assoc_result_parse(abort_msg, 0, &accepted, NULL), MC_EFORMAT);
    ASSERT_EQ_INT(mc_intellivue_classify(abort_msg, 0), MC_INTELLIVUE_UNKNOWN);
}

TEST(event_report_round_trip)
{
    const mc_intellivue_event_report in = {
        .invoke_id = 0x1234,
        .context_id = 2,
        .obj_class = MC_INTELLIVUE_OBJ_MDS,
        .obj_context = 0,
        .obj_handle = 0,
        .event_time = 0x00ABCDEF,
        .event_type = MC_INTELLIVUE_EVENT_MDS_CREATE,
        .has_time_rel = 1,
        .time_rel = 0x01020304,
        .has_time_abs = 1,
        .time_abs = {0x20, 0x26, 0x11, 0x26, 0x05, 0x59, 0x30, 0x00},
    };
    uint8_t out[256];
    size_t len;
    ASSERT_STATUS(mc_intellivue_event_report_encode(&in, out, sizeof out, &len, NULL), MC_OK);
    /* The MDS create info's attribute list starts at byte 34 (Class3.cs reads a 34-byte
     * header), and the invoke id is at byte 8. */
    ASSERT_EQ_INT(out[8] << 8 | out[9], 0x1234);
    ASSERT_EQ_INT(out[34] << 8 | out[35], 2);
    mc_intellivue_event_report got;
    ASSERT_STATUS(mc_intellivue_event_report_parse(out, len, &got, NULL), MC_OK);
    ASSERT_EQ_INT(got.invoke_id, 0x1234);
    ASSERT_EQ_INT(got.context_id, 2);
    ASSERT_EQ_INT(got.obj_class, 33);
    ASSERT_EQ_INT(got.event_time, 0x00ABCDEF);
    ASSERT_EQ_INT(got.event_type, 0x0D06);
    ASSERT_EQ_INT(got.has_time_rel, 1);
    ASSERT_EQ_INT(got.time_rel, 0x01020304);
    ASSERT_EQ_INT(got.has_time_abs, 1);
    ASSERT_TRUE(memcmp(got.time_abs, in.time_abs, 8) == 0);
    /* The answer echoes the invoke id. */
    uint8_t res[64];
    size_t rlen;
    ASSERT_STATUS(mc_intellivue_mds_create_result_encode(&got, res, sizeof res, &rlen, NULL),
                  MC_OK);
    mc_intellivue_data h;
    ASSERT_STATUS(mc_intellivue_data_parse(res, rlen, &h, NULL), MC_OK);
    ASSERT_EQ_INT(h.ro_type, 2);
    ASSERT_EQ_INT(h.invoke_id, 0x1234);
    ASSERT_EQ_INT(h.command_type, 1);
    ASSERT_EQ_INT(h.body_len, 14);
    /* Every truncation is refused; a result is not a report. */
    for (size_t k = 0; k < len; k++)
        ASSERT_STATUS(mc_intellivue_event_report_parse(out, k, &got, NULL), MC_EFORMAT);
    ASSERT_STATUS(mc_intellivue_event_report_parse(res, rlen, &got, NULL), MC_EFORMAT);
    /* Without the time attributes. */
    mc_intellivue_event_report bare = in;
    bare.has_time_rel = bare.has_time_abs = 0;
    ASSERT_STATUS(mc_intellivue_event_report_encode(&bare, out, sizeof out, &len, NULL), MC_OK);
    ASSERT_STATUS(mc_intellivue_event_report_parse(out, len, &got, NULL), MC_OK);
    ASSERT_EQ_INT(got.has_time_rel + got.has_time_abs, 0);
}

TEST(poll_request_round_trip)
{
    const mc_intellivue_poll_request reqs[] = {
        {7, 3, 1, MC_INTELLIVUE_OBJ_NUMERIC, 0, 0},
        {8, 4, 1, MC_INTELLIVUE_OBJ_WAVE, 0, 240000},
        {9, 5, 0, MC_INTELLIVUE_OBJ_MDS, 0x080C, 0},
    };
    for (size_t i = 0; i < 3; i++) {
        uint8_t out[MC_INTELLIVUE_REQUEST_MAX];
        size_t len;
        ASSERT_STATUS(mc_intellivue_poll_request_encode(&reqs[i], out, sizeof out, &len, NULL),
                      MC_OK);
        mc_intellivue_poll_request got;
        ASSERT_STATUS(mc_intellivue_poll_request_parse(out, len, &got, NULL), MC_OK);
        ASSERT_EQ_INT(got.invoke_id, reqs[i].invoke_id);
        ASSERT_EQ_INT(got.poll_number, reqs[i].poll_number);
        ASSERT_EQ_INT(got.extended, reqs[i].extended);
        ASSERT_EQ_INT(got.obj_code, reqs[i].obj_code);
        ASSERT_EQ_INT(got.attr_group, reqs[i].attr_group);
        ASSERT_EQ_INT(got.period_ticks, reqs[i].period_ticks);
        for (size_t k = 0; k < len; k++)
            ASSERT_STATUS(mc_intellivue_poll_request_parse(out, k, &got, NULL), MC_EFORMAT);
    }
    const mc_intellivue_poll_request bad = {1, 1, 0, MC_INTELLIVUE_OBJ_NUMERIC, 0, 8000};
    uint8_t out[MC_INTELLIVUE_REQUEST_MAX];
    size_t len;
    ASSERT_STATUS(mc_intellivue_poll_request_encode(&bad, out, sizeof out, &len, NULL), MC_EINVAL);
}

/* ---- poll results ---- */

typedef struct got_values {
    size_t n_num, n_wave;
    mc_intellivue_numeric num[16];
    mc_intellivue_wave wave[4];
} got_values;

static mc_status on_numeric(void *ctx, const mc_intellivue_numeric *v)
{
    got_values *g = ctx;
    if (g->n_num < 16)
        g->num[g->n_num] = *v;
    g->n_num++;
    return MC_OK;
}

static mc_status on_wave(void *ctx, const mc_intellivue_wave *w)
{
    got_values *g = ctx;
    if (g->n_wave < 4)
        g->wave[g->n_wave] = *w;
    g->n_wave++;
    return MC_OK;
}

static mc_intellivue_numeric num(uint16_t ctx, uint16_t handle, uint16_t id, uint16_t unit,
                                 double v)
{
    return (mc_intellivue_numeric){.context_id = ctx,
                                   .obj_handle = handle,
                                   .physio_id = id,
                                   .unit_code = unit,
                                   .raw = mc_intellivue_float_encode(v)};
}

/* SpO2 97 %, PR 72 /min, Perf 2.5, StO2 71 %, tcpCO2 45 mmHg, and an invalid tcpO2 (NaN). */
static size_t five_numerics(mc_intellivue_numeric *n)
{
    n[0] = num(0, 10, MC_INTELLIVUE_SPO2, MC_INTELLIVUE_UNIT_PERCENT, 97);
    n[1] = num(0, 11, MC_INTELLIVUE_PULSE_RATE, MC_INTELLIVUE_UNIT_PER_MIN, 72);
    n[2] = num(0, 12, MC_INTELLIVUE_PERF, MC_INTELLIVUE_UNIT_NONE, 2.5);
    n[3] = num(0, 13, MC_INTELLIVUE_STO2, MC_INTELLIVUE_UNIT_PERCENT, 71);
    n[4] = num(0, 14, MC_INTELLIVUE_TCPCO2, MC_INTELLIVUE_UNIT_MMHG, 45);
    n[5] = num(0, 15, MC_INTELLIVUE_TCPO2, MC_INTELLIVUE_UNIT_MMHG, (double)NAN);
    n[5].state = 0x8000; /* INVALID */
    return 6;
}

static const mc_intellivue_poll ext_header = {
    .invoke_id = 1,
    .action_type = MC_INTELLIVUE_ACTION_POLL_EXT,
    .poll_number = 1,
    .sequence_no = 17,
    .rel_time = 0x00123456,
    .abs_time = {0x20, 0x26, 0x11, 0x26, 0x05, 0x59, 0x30, 0x00},
    .obj_code = MC_INTELLIVUE_OBJ_NUMERIC,
};

static void check_header(const mc_intellivue_poll *got, const mc_intellivue_poll *in)
{
    ASSERT_EQ_INT(got->invoke_id, in->invoke_id);
    ASSERT_EQ_INT(got->linked_state, in->linked_state);
    ASSERT_EQ_INT(got->action_type, in->action_type);
    ASSERT_EQ_INT(got->poll_number, in->poll_number);
    ASSERT_EQ_INT(got->sequence_no,
                  in->action_type == MC_INTELLIVUE_ACTION_POLL_EXT ? in->sequence_no : 0);
    ASSERT_EQ_INT(got->rel_time, in->rel_time);
    ASSERT_TRUE(memcmp(got->abs_time, in->abs_time, 8) == 0);
    ASSERT_EQ_INT(got->obj_code, in->obj_code);
    ASSERT_EQ_INT(got->attr_group, in->attr_group);
}

static void check_numerics(const got_values *g, const mc_intellivue_numeric *in, size_t n)
{
    ASSERT_EQ_INT(g->n_num, n);
    for (size_t i = 0; i < n; i++) {
        ASSERT_EQ_INT(g->num[i].context_id, in[i].context_id);
        ASSERT_EQ_INT(g->num[i].obj_handle, in[i].obj_handle);
        ASSERT_EQ_INT(g->num[i].physio_id, in[i].physio_id);
        ASSERT_EQ_INT(g->num[i].state, in[i].state);
        ASSERT_EQ_INT(g->num[i].unit_code, in[i].unit_code);
        ASSERT_EQ_INT(g->num[i].raw, in[i].raw);
    }
}

TEST(poll_numerics_round_trip)
{
    mc_intellivue_numeric in[8];
    const size_t n = five_numerics(in);
    static uint8_t out[4096];
    size_t len;
    ASSERT_STATUS(mc_intellivue_poll_result_encode(&ext_header, in, n, 0, NULL, 0, out, sizeof out,
                                                   &len, NULL),
                  MC_OK);
    /* Class3.cs reads the action type at byte 20 and the PollInfoList at byte 46. */
    ASSERT_EQ_INT(out[20] << 8 | out[21], 0xF13B);
    ASSERT_EQ_INT(out[46] << 8 | out[47], 1);
    got_values g = {0};
    const mc_intellivue_poll_fns fns = {on_numeric, on_wave, &g};
    mc_intellivue_poll got;
    ASSERT_STATUS(mc_intellivue_poll_parse(out, len, &got, &fns, NULL), MC_OK);
    check_header(&got, &ext_header);
    ASSERT_EQ_INT(got.n_numerics, n);
    ASSERT_EQ_INT(got.n_waves, 0);
    check_numerics(&g, in, n);
    ASSERT_NEAR_F(g.num[0].value, 97.0, 0);
    ASSERT_NEAR_F(g.num[1].value, 72.0, 0);
    ASSERT_NEAR_F(g.num[2].value, 2.5, 1e-12);
    ASSERT_NEAR_F(g.num[3].value, 71.0, 0);
    ASSERT_NEAR_F(g.num[4].value, 45.0, 0);
    ASSERT_TRUE(isnan(g.num[5].value));
    ASSERT_EQ_INT(g.num[3].physio_id, 63840);
    ASSERT_EQ_INT(g.num[4].unit_code, 3872);
    /* Every truncation is refused, never read past. */
    for (size_t k = 0; k < len; k++) {
        got_values g2 = {0};
        const mc_intellivue_poll_fns f2 = {on_numeric, on_wave, &g2};
        ASSERT_STATUS(mc_intellivue_poll_parse(out, k, &got, &f2, NULL), MC_EFORMAT);
    }
    /* No callbacks: only counted. */
    ASSERT_STATUS(mc_intellivue_poll_parse(out, len, &got, NULL, NULL), MC_OK);
    ASSERT_EQ_INT(got.n_numerics, n);
}

TEST(poll_numerics_compound_linked_contexts)
{
    mc_intellivue_numeric in[8];
    const size_t n = five_numerics(in);
    /* Two compounds (handles 20 and 21) in context 0, then context 3. */
    for (size_t i = 0; i < n; i++)
        in[i].obj_handle = i < 3 ? 20 : 21;
    in[5].context_id = 3;
    mc_intellivue_poll hdr = ext_header;
    hdr.linked_state = 2;
    static uint8_t out[4096];
    size_t len;
    ASSERT_STATUS(
        mc_intellivue_poll_result_encode(&hdr, in, n, 1, NULL, 0, out, sizeof out, &len, NULL),
        MC_OK);
    ASSERT_EQ_INT(out[5], 5);                      /* ROLRS */
    ASSERT_EQ_INT(out[22] << 8 | out[23], 0xF13B); /* Class3.cs: linked action type at 22 */
    ASSERT_EQ_INT(out[48] << 8 | out[49], 2);      /* two contexts, PollInfoList at 48 */
    got_values g = {0};
    const mc_intellivue_poll_fns fns = {on_numeric, NULL, &g};
    mc_intellivue_poll got;
    ASSERT_STATUS(mc_intellivue_poll_parse(out, len, &got, &fns, NULL), MC_OK);
    check_header(&got, &hdr);
    check_numerics(&g, in, n);
    /* The single (not extended) poll reply: no sequence number. */
    hdr.action_type = MC_INTELLIVUE_ACTION_POLL;
    hdr.linked_state = 0;
    ASSERT_STATUS(
        mc_intellivue_poll_result_encode(&hdr, in, n, 0, NULL, 0, out, sizeof out, &len, NULL),
        MC_OK);
    ASSERT_EQ_INT(out[20] << 8 | out[21], 0x0C16);
    ASSERT_EQ_INT(out[44] << 8 | out[45], 2); /* Class3.cs: PollInfoList at 44 */
    got_values g2 = {0};
    const mc_intellivue_poll_fns f2 = {on_numeric, NULL, &g2};
    ASSERT_STATUS(mc_intellivue_poll_parse(out, len, &got, &f2, NULL), MC_OK);
    check_header(&got, &hdr);
    check_numerics(&g2, in, n);
}

TEST(poll_pleth_wave_round_trip)
{
    /* 32 Pleth samples, 12 significant bits, scale 0..4095 <-> 0..100 (arbitrary units), sample
     * period 8 ms = 1000 ticks (125 Hz); flag bits above the 12 significant ones in a sample. */
    uint8_t samples[64];
    for (int i = 0; i < 32; i++) {
        const unsigned c = (unsigned)(2048 + 1000 * sin(i * 0.3)) | (i == 5 ? 0x8000u : 0u);
        samples[2 * i] = (uint8_t)(c >> 8);
        samples[2 * i + 1] = (uint8_t)c;
    }
    const mc_intellivue_wave w = {.context_id = 0,
                                  .obj_handle = 40,
                                  .physio_id = MC_INTELLIVUE_PLETH,
                                  .data = samples,
                                  .n_samples = 32,
                                  .has_spec = 1,
                                  .array_size = 32,
                                  .sample_size = 16,
                                  .significant_bits = 12,
                                  .flags = 0x8000,
                                  .has_scale = 1,
                                  .scale = {0.0, 100.0, 0, 4095},
                                  .has_period = 1,
                                  .period_ticks = 1000};
    mc_intellivue_numeric in[8];
    five_numerics(in);
    mc_intellivue_poll hdr = ext_header;
    hdr.obj_code = MC_INTELLIVUE_OBJ_WAVE;
    static uint8_t out[4096];
    size_t len;
    ASSERT_STATUS(
        mc_intellivue_poll_result_encode(&hdr, in, 1, 0, &w, 1, out, sizeof out, &len, NULL),
        MC_OK);
    got_values g = {0};
    const mc_intellivue_poll_fns fns = {on_numeric, on_wave, &g};
    mc_intellivue_poll got;
    ASSERT_STATUS(mc_intellivue_poll_parse(out, len, &got, &fns, NULL), MC_OK);
    ASSERT_EQ_INT(got.n_waves, 1);
    ASSERT_EQ_INT(g.n_num, 1);
    const mc_intellivue_wave *r = &g.wave[0];
    ASSERT_EQ_INT(r->physio_id, 19380);
    ASSERT_EQ_INT(r->obj_handle, 40);
    ASSERT_EQ_INT(r->n_samples, 32);
    ASSERT_EQ_INT(r->has_spec, 1);
    ASSERT_EQ_INT(r->array_size, 32);
    ASSERT_EQ_INT(r->sample_size, 16);
    ASSERT_EQ_INT(r->significant_bits, 12);
    ASSERT_EQ_INT(r->flags, 0x8000);
    ASSERT_EQ_INT(r->has_scale, 1);
    ASSERT_NEAR_F(r->scale.lower_abs, 0.0, 0);
    ASSERT_NEAR_F(r->scale.upper_abs, 100.0, 0);
    ASSERT_EQ_INT(r->scale.upper_scaled, 4095);
    ASSERT_EQ_INT(r->has_period, 1);
    ASSERT_EQ_INT(r->period_ticks, 1000);
    for (size_t i = 0; i < 32; i++)
        ASSERT_EQ_INT(mc_intellivue_wave_sample(r, i), samples[2 * i] << 8 | samples[2 * i + 1]);
    float phys[32];
    ASSERT_STATUS(mc_intellivue_wave_physical(r, &r->scale, phys, 32), MC_OK);
    for (int i = 0; i < 32; i++) {
        const double c = (double)((samples[2 * i] << 8 | samples[2 * i + 1]) & 0x0FFF);
        ASSERT_NEAR_F(phys[i], c * 100.0 / 4095.0, 1e-4);
    }
    ASSERT_STATUS(mc_intellivue_wave_physical(r, NULL, phys, 32), MC_OK);
    ASSERT_NEAR_F(phys[5], (double)((samples[10] << 8 | samples[11]) & 0x0FFF), 0);
    ASSERT_STATUS(mc_intellivue_wave_physical(r, NULL, phys, 31), MC_EINVAL);
    for (size_t k = 0; k < len; k++)
        ASSERT_STATUS(mc_intellivue_poll_parse(out, k, &got, &fns, NULL), MC_EFORMAT);
}

static mc_status stop_numeric(void *ctx, const mc_intellivue_numeric *v)
{
    (void)v;
    (*(int *)ctx)++;
    return MC_END;
}

TEST(poll_parse_refusals)
{
    mc_intellivue_numeric in[8];
    const size_t n = five_numerics(in);
    static uint8_t out[4096];
    size_t len;
    ASSERT_STATUS(mc_intellivue_poll_result_encode(&ext_header, in, n, 0, NULL, 0, out, sizeof out,
                                                   &len, NULL),
                  MC_OK);
    mc_intellivue_poll got;
    mc_diag d;
    /* A trailing byte: the ROapdus length disagrees. */
    out[len] = 0;
    ASSERT_STATUS(mc_intellivue_poll_parse(out, len + 1, &got, NULL, &d), MC_EFORMAT);
    ASSERT_EQ_INT(d.offset, 6);
    /* A numeric attribute claiming more bytes than its list holds. */
    static uint8_t bad[4096];
    memcpy(bad, out, len);
    /* PollInfoList at 46 (count, length), context 50 (id, count, length), observation 56
     * (handle, count, length), its first AVA at 62 (id, length 64). */
    ASSERT_EQ_INT(bad[62] << 8 | bad[63], 0x0950);
    ASSERT_EQ_INT(bad[64] << 8 | bad[65], 10);
    bad[65] = 11;
    ASSERT_STATUS(mc_intellivue_poll_parse(bad, len, &got, NULL, &d), MC_EFORMAT);
    ASSERT_TRUE(d.offset > 0);
    /* Another action type, a request, an event report. */
    memcpy(bad, out, len);
    bad[20] = 0x0C;
    bad[21] = 0x17;
    ASSERT_STATUS(mc_intellivue_poll_parse(bad, len, &got, NULL, &d), MC_EFORMAT);
    uint8_t req[MC_INTELLIVUE_REQUEST_MAX];
    size_t rlen;
    ASSERT_STATUS(mc_intellivue_keep_alive_encode(1, 1, req, sizeof req, &rlen, NULL), MC_OK);
    ASSERT_STATUS(mc_intellivue_poll_parse(req, rlen, &got, NULL, &d), MC_EFORMAT);
    /* A callback's status stops the parse. */
    int calls = 0;
    const mc_intellivue_poll_fns fns = {stop_numeric, NULL, &calls};
    ASSERT_STATUS(mc_intellivue_poll_parse(out, len, &got, &fns, NULL), MC_END);
    ASSERT_EQ_INT(calls, 1);
    /* Encoders refuse a short buffer. */
    ASSERT_STATUS(
        mc_intellivue_poll_result_encode(&ext_header, in, n, 0, NULL, 0, out, len - 1, &len, &d),
        MC_EINVAL);
    const mc_intellivue_wave empty = {.physio_id = MC_INTELLIVUE_PLETH};
    ASSERT_STATUS(mc_intellivue_poll_result_encode(&ext_header, NULL, 0, 0, &empty, 1, out,
                                                   sizeof out, &len, &d),
                  MC_EINVAL);
}

TEST(poll_result_through_frames)
{
    /* The serial path end to end: poll result -> frame -> decoder in 3-byte pieces -> parse. */
    mc_intellivue_numeric in[8];
    const size_t n = five_numerics(in);
    static uint8_t msg[4096], f[MC_INTELLIVUE_FRAME_ENCODED_MAX(4096)];
    size_t len, flen;
    ASSERT_STATUS(mc_intellivue_poll_result_encode(&ext_header, in, n, 1, NULL, 0, msg, sizeof msg,
                                                   &len, NULL),
                  MC_OK);
    ASSERT_STATUS(mc_intellivue_frame_encode(msg, len, f, sizeof f, &flen, NULL), MC_OK);
    static mc_intellivue_decoder dec;
    mc_intellivue_decoder_reset(&dec);
    static frames got;
    got.n = 0;
    for (size_t i = 0; i < flen; i += 3)
        ASSERT_STATUS(
            mc_intellivue_decoder_push(&dec, f + i, flen - i < 3 ? flen - i : 3, keep, &got),
            MC_OK);
    ASSERT_EQ_INT(got.n, 1);
    got_values g = {0};
    const mc_intellivue_poll_fns fns = {on_numeric, NULL, &g};
    mc_intellivue_poll p;
    ASSERT_STATUS(mc_intellivue_poll_parse(got.data[0], got.len[0], &p, &fns, NULL), MC_OK);
    check_numerics(&g, in, n);
}

TEST(poll_result_hand_laid)
{
    /* An extended poll result laid out by hand from the layout in formats/intellivue.h (the same
     * bytes as tests/fuzz/corpus/intellivue/udp_numerics.bin, written by the independent
     * make_intellivue_seeds.py): SpO2 97 %, PR 72 /min, Perf 25 * 10^-1, StO2 NaN (invalid). */
    const uint8_t msg[] = {
        0xE1, 0x00, 0x00, 0x02,             /* SPpdu: session 0xE100, context 2 */
        0x00, 0x02, 0x00, 0x80,             /* ROapdus: RORS, 128 bytes follow */
        0x00, 0x01, 0x00, 0x07, 0x00, 0x7A, /* RORS: invoke 1, confirmed action, 122 bytes */
        0x00, 0x21, 0x00, 0x00, 0x00, 0x00, /* managed object: MDS */
        0xF1, 0x3B, 0x00, 0x70,             /* extended poll, 112 bytes */
        0x00, 0x01, 0x00, 0x05,             /* poll number 1, sequence 5 */
        0x00, 0x12, 0x34, 0x56,             /* relative time */
        0x20, 0x26, 0x11, 0x26, 0x06, 0x00, 0x00, 0x00, /* absolute time, BCD */
        0x00, 0x01, 0x00, 0x06, 0x00, 0x00,             /* polled type {1, numerics}, group 0 */
        0x00, 0x01, 0x00, 0x56,                         /* PollInfoList: 1 context, 86 bytes */
        0x00, 0x00, 0x00, 0x04, 0x00, 0x50,             /* context 0: 4 observations, 80 bytes */
        0x00, 0x0A, 0x00, 0x01, 0x00, 0x0E,             /* handle 10: 1 attribute, 14 bytes */
        0x09, 0x50, 0x00, 0x0A, 0x4B, 0xB8, 0x00, 0x00, 0x02, 0x20, 0x00, 0x00, 0x00, 0x61,
        0x00, 0x0B, 0x00, 0x01, 0x00, 0x0E, /* handle 11 */
        0x09, 0x50, 0x00, 0x0A, 0x48, 0x22, 0x00, 0x00, 0x0A, 0xA0, 0x00, 0x00, 0x00, 0x48,
        0x00, 0x0C, 0x00, 0x01, 0x00, 0x0E, /* handle 12 */
        0x09, 0x50, 0x00, 0x0A, 0x4B, 0xB0, 0x00, 0x00, 0x02, 0x00, 0xFF, 0x00, 0x00, 0x19,
        0x00, 0x0D, 0x00, 0x01, 0x00, 0x0E, /* handle 13 */
        0x09, 0x50, 0x00, 0x0A, 0xF9, 0x60, 0x80, 0x00, 0x02, 0x20, 0x00, 0x7F, 0xFF, 0xFF};
    ASSERT_EQ_INT(sizeof msg, 136);
    got_values g = {0};
    const mc_intellivue_poll_fns fns = {on_numeric, on_wave, &g};
    mc_intellivue_poll got;
    ASSERT_STATUS(mc_intellivue_poll_parse(msg, sizeof msg, &got, &fns, NULL), MC_OK);
    ASSERT_EQ_INT(got.sequence_no, 5);
    ASSERT_EQ_INT(got.rel_time, 0x00123456);
    ASSERT_EQ_INT(g.n_num, 4);
    ASSERT_EQ_INT(g.num[0].physio_id, MC_INTELLIVUE_SPO2);
    ASSERT_EQ_INT(g.num[0].unit_code, MC_INTELLIVUE_UNIT_PERCENT);
    ASSERT_NEAR_F(g.num[0].value, 97.0, 0);
    ASSERT_EQ_INT(g.num[1].physio_id, MC_INTELLIVUE_PULSE_RATE);
    ASSERT_EQ_INT(g.num[1].unit_code, MC_INTELLIVUE_UNIT_PER_MIN);
    ASSERT_NEAR_F(g.num[1].value, 72.0, 0);
    ASSERT_EQ_INT(g.num[2].physio_id, MC_INTELLIVUE_PERF);
    ASSERT_NEAR_F(g.num[2].value, 2.5, 1e-12);
    ASSERT_EQ_INT(g.num[3].physio_id, MC_INTELLIVUE_STO2);
    ASSERT_EQ_INT(g.num[3].state, 0x8000);
    ASSERT_TRUE(isnan(g.num[3].value));
    ASSERT_EQ_INT(g.num[3].obj_handle, 13);
    /* Our encoder lays the same values out in the same bytes. */
    mc_intellivue_poll hdr = ext_header;
    hdr.sequence_no = 5;
    memcpy(hdr.abs_time, msg + 32, 8);
    static uint8_t out[512];
    size_t len;
    ASSERT_STATUS(
        mc_intellivue_poll_result_encode(&hdr, g.num, 4, 0, NULL, 0, out, sizeof out, &len, NULL),
        MC_OK);
    assert_bytes(out, len, msg, sizeof msg);
}

TEST(remote_error)
{
    /* ROER: invoke 9, error value 3 (no such action, say), no parameter. */
    const uint8_t msg[] = {0xE1, 0x00, 0x00, 0x02, 0x00, 0x03, 0x00,
                           0x06, 0x00, 0x09, 0x00, 0x03, 0x00, 0x00};
    mc_intellivue_data h;
    ASSERT_STATUS(mc_intellivue_data_parse(msg, sizeof msg, &h, NULL), MC_OK);
    ASSERT_EQ_INT(h.ro_type, MC_INTELLIVUE_RO_ERROR);
    ASSERT_EQ_INT(h.invoke_id, 9);
    ASSERT_EQ_INT(h.command_type, 3);
    ASSERT_EQ_INT(h.body_len, 0);
    mc_intellivue_poll p;
    ASSERT_STATUS(mc_intellivue_poll_parse(msg, sizeof msg, &p, NULL, NULL), MC_EFORMAT);
    mc_intellivue_event_report r;
    ASSERT_STATUS(mc_intellivue_event_report_parse(msg, sizeof msg, &r, NULL), MC_EFORMAT);
    /* Every truncation and a wrong session id are refused. */
    for (size_t k = 0; k < sizeof msg; k++)
        ASSERT_STATUS(mc_intellivue_data_parse(msg, k, &h, NULL), MC_EFORMAT);
    uint8_t bad[sizeof msg];
    memcpy(bad, msg, sizeof msg);
    bad[1] = 0x01;
    ASSERT_STATUS(mc_intellivue_data_parse(bad, sizeof bad, &h, NULL), MC_EFORMAT);
}

/* Every prefix of each message, placed at the end of a page followed by a PROT_NONE page, goes
 * through every parser (a read one byte too far crashes), and the frame decoder over the framed
 * message too. */
static void parse_guarded(const uint8_t *msg, size_t n)
{
    for (size_t k = 0; k <= n; k++) {
        mc_guard g;
        const uint8_t *p = (const uint8_t *)mc_guard_put(&g, msg, k);
        ASSERT_TRUE(p != NULL);
        int accepted;
        mc_intellivue_data h;
        mc_intellivue_event_report r;
        mc_intellivue_poll_request q;
        mc_intellivue_poll poll;
        got_values gv = {0};
        const mc_intellivue_poll_fns fns = {on_numeric, on_wave, &gv};
        (void)mc_intellivue_classify(p, k);
        const mc_status sts[] = {mc_intellivue_assoc_result_parse(p, k, &accepted, NULL),
                                 mc_intellivue_data_parse(p, k, &h, NULL),
                                 mc_intellivue_event_report_parse(p, k, &r, NULL),
                                 mc_intellivue_poll_request_parse(p, k, &q, NULL)};
        for (size_t i = 0; i < 4; i++)
            ASSERT_TRUE(sts[i] == MC_OK || sts[i] == MC_EFORMAT);
        /* A cut data message is refused by its length. */
        if (k < n && n >= 2 && msg[0] == 0xE1)
            ASSERT_STATUS(sts[1], MC_EFORMAT);
        const mc_status st = mc_intellivue_poll_parse(p, k, &poll, &fns, NULL);
        ASSERT_TRUE(st == MC_OK || st == MC_EFORMAT);
        for (size_t i = 0; i < gv.n_wave && i < 4; i++) {
            float out[64];
            ASSERT_TRUE(gv.wave[i].n_samples <= 64);
            ASSERT_STATUS(mc_intellivue_wave_physical(&gv.wave[i], NULL, out, 64), MC_OK);
        }
        mc_guard_free(&g);
    }
    static uint8_t f[MC_INTELLIVUE_FRAME_ENCODED_MAX(4096)];
    size_t flen;
    ASSERT_STATUS(mc_intellivue_frame_encode(msg, n, f, sizeof f, &flen, NULL), MC_OK);
    for (size_t k = 0; k <= flen; k++) {
        mc_guard g;
        const uint8_t *p = (const uint8_t *)mc_guard_put(&g, f, k);
        static mc_intellivue_decoder dec;
        mc_intellivue_decoder_reset(&dec);
        ASSERT_STATUS(mc_intellivue_decoder_push(&dec, p, k, NULL, NULL), MC_OK);
        ASSERT_EQ_INT(dec.stats.frames_good, k == flen ? 1 : 0);
        mc_guard_free(&g);
    }
}

TEST(guard_page_boundaries)
{
    static uint8_t msg[4096];
    size_t len;
    mc_intellivue_numeric in[8];
    const size_t n = five_numerics(in);
    ASSERT_STATUS(mc_intellivue_poll_result_encode(&ext_header, in, n, 1, NULL, 0, msg, sizeof msg,
                                                   &len, NULL),
                  MC_OK);
    parse_guarded(msg, len);
    uint8_t samples[32] = {0x08, 0x00, 0x0F, 0xFF};
    const mc_intellivue_wave w = {.physio_id = MC_INTELLIVUE_PLETH,
                                  .data = samples,
                                  .n_samples = 16,
                                  .has_spec = 1,
                                  .significant_bits = 12,
                                  .has_scale = 1,
                                  .scale = {0, 100, 0, 4095},
                                  .has_period = 1,
                                  .period_ticks = 1000};
    ASSERT_STATUS(mc_intellivue_poll_result_encode(&ext_header, NULL, 0, 0, &w, 1, msg, sizeof msg,
                                                   &len, NULL),
                  MC_OK);
    parse_guarded(msg, len);
    const mc_intellivue_event_report rep = {.invoke_id = 5,
                                            .obj_class = 33,
                                            .event_type = MC_INTELLIVUE_EVENT_MDS_CREATE,
                                            .has_time_rel = 1,
                                            .has_time_abs = 1};
    ASSERT_STATUS(mc_intellivue_event_report_encode(&rep, msg, sizeof msg, &len, NULL), MC_OK);
    parse_guarded(msg, len);
    const mc_intellivue_poll_request req = {1, 1, 1, MC_INTELLIVUE_OBJ_WAVE, 0, 240000};
    ASSERT_STATUS(mc_intellivue_poll_request_encode(&req, msg, sizeof msg, &len, NULL), MC_OK);
    parse_guarded(msg, len);
    ASSERT_STATUS(mc_intellivue_assoc_result_encode(1, msg, sizeof msg, &len, NULL), MC_OK);
    parse_guarded(msg, len);
}
