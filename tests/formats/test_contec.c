/* SPDX-License-Identifier: MIT */
/* tests/formats/test_contec.c: Contec CMS50 live protocols (formats/contec.h): hand-built legacy
 * and v4.6 frames from the bit layouts of DEVICES.md section 4, encode -> decode round trips with
 * known values (PR above 127 through the legacy bit 7, missing codes), every split of a stream,
 * garbage and resynchronisation, the encoder's refusals and clamping, the v4.6 host commands. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/contec.h"
#include "tests/guard.h"
#include "tests/harness.h"

enum { MAX_EV = 1024, LOG_CAP = 1 << 18 };

typedef struct rec {
    mc_contec_frame f[MAX_EV];
    size_t n;
    char text[LOG_CAP];
    size_t len;
} rec;

static rec *rec_new(void)
{
    rec *r = calloc(1, sizeof *r);
    ASSERT_TRUE(r != NULL);
    return r;
}

static mc_status on_frame(void *ctx, const mc_contec_frame *f)
{
    rec *r = ctx;
    if (r->n < MAX_EV)
        r->f[r->n++] = *f;
    char s[128];
    const int k = snprintf(s, sizeof s, "%g %g %g %g %x %u %u\n", (double)f->pleth,
                           (double)f->pleth2, (double)f->pr_bpm, (double)f->spo2_pct, f->flags,
                           f->signal_strength, f->bar_graph);
    ASSERT_TRUE(k > 0 && r->len + (size_t)k < LOG_CAP);
    memcpy(r->text + r->len, s, (size_t)k + 1);
    r->len += (size_t)k;
    return MC_OK;
}

/* Decode in pieces of the given sizes (cycled; NULL = whole), then finish. */
static mc_contec_stats decode(mc_contec_mode mode, const uint8_t *b, size_t n, const size_t *pieces,
                              size_t n_pieces, rec *r)
{
    mc_contec_decoder dec;
    ASSERT_STATUS(mc_contec_decoder_reset(&dec, mode), MC_OK);
    size_t pos = 0, k = 0;
    while (pos < n) {
        size_t m = pieces ? pieces[k++ % n_pieces] : n;
        if (m > n - pos)
            m = n - pos;
        ASSERT_STATUS(mc_contec_decoder_push(&dec, b + pos, m, on_frame, r), MC_OK);
        pos += m;
    }
    mc_contec_decoder_finish(&dec);
    const size_t size = mode == MC_CONTEC_LEGACY ? 5 : 9;
    ASSERT_EQ_INT(dec.stats.frames_good * size + dec.stats.skipped_bytes, n);
    return dec.stats;
}

static void assert_same(const mc_contec_frame *a, const mc_contec_frame *b)
{
    const float x[4] = {a->pleth, a->pleth2, a->pr_bpm, a->spo2_pct};
    const float y[4] = {b->pleth, b->pleth2, b->pr_bpm, b->spo2_pct};
    for (int i = 0; i < 4; i++) {
        if (isnan(y[i]))
            ASSERT_TRUE(isnan(x[i]));
        else
            ASSERT_NEAR_F(x[i], y[i], 0);
    }
    ASSERT_EQ_INT(a->flags, b->flags);
    ASSERT_EQ_INT(a->signal_strength, b->signal_strength);
    ASSERT_EQ_INT(a->bar_graph, b->bar_graph);
}

/* A legacy frame built by hand from the bit layout: every field at a distinct value. */
TEST(legacy_layout)
{
    /* b1: 0x80 | signal 5 | finger out 0x10 | pulse 0x40; b2: pleth 100; b3: bar 9 | probe
     * error 0x10 | PR bit 7 (0x40); b4: PR low bits 0x2C (PR = 128 + 44 = 172); b5: SpO2 95. */
    static const uint8_t b[5] = {0xD5, 100, 0x59, 0x2C, 95};
    mc_guard g;
    const uint8_t *p = (const uint8_t *)mc_guard_put(&g, b, sizeof b);
    ASSERT_TRUE(p != NULL);
    rec *r = rec_new();
    const mc_contec_stats s = decode(MC_CONTEC_LEGACY, p, sizeof b, NULL, 0, r);
    mc_guard_free(&g);
    ASSERT_EQ_INT(s.frames_good, 1);
    ASSERT_EQ_INT(r->n, 1);
    const mc_contec_frame *f = &r->f[0];
    ASSERT_EQ_INT(f->signal_strength, 5);
    ASSERT_EQ_INT(f->flags, MC_CONTEC_FINGER_OUT | MC_CONTEC_PULSE | MC_CONTEC_PROBE_ERROR);
    ASSERT_NEAR_F(f->pleth, 100, 0);
    ASSERT_TRUE(isnan(f->pleth2));
    ASSERT_EQ_INT(f->bar_graph, 9);
    ASSERT_NEAR_F(f->pr_bpm, 172, 0);
    ASSERT_NEAR_F(f->spo2_pct, 95, 0);
    /* The encoder gives the same bytes back. */
    uint8_t e[5];
    ASSERT_STATUS(mc_contec_frame_encode(MC_CONTEC_LEGACY, f, e, NULL), MC_OK);
    ASSERT_TRUE(memcmp(e, b, 5) == 0);
    free(r);
}

TEST(v46_layout)
{
    /* 01, b1: finger out | searching, b2: heartbeat 0x40, b3: pleth 77, b4: wave 2 = 5,
     * b5: PR 88, b6: SpO2 99, FF FF. */
    static const uint8_t b[9] = {0x01,      0x83,      0xC0, 0x80 | 77, 0x85,
                                 0x80 | 88, 0x80 | 99, 0xFF, 0xFF};
    rec *r = rec_new();
    const mc_contec_stats s = decode(MC_CONTEC_V46, b, sizeof b, NULL, 0, r);
    ASSERT_EQ_INT(s.frames_good, 1);
    const mc_contec_frame *f = &r->f[0];
    ASSERT_EQ_INT(f->flags, MC_CONTEC_FINGER_OUT | MC_CONTEC_SEARCHING | MC_CONTEC_PULSE);
    ASSERT_NEAR_F(f->pleth, 77, 0);
    ASSERT_NEAR_F(f->pleth2, 5, 0);
    ASSERT_NEAR_F(f->pr_bpm, 88, 0);
    ASSERT_NEAR_F(f->spo2_pct, 99, 0);
    uint8_t e[9];
    ASSERT_STATUS(mc_contec_frame_encode(MC_CONTEC_V46, f, e, NULL), MC_OK);
    ASSERT_TRUE(memcmp(e, b, 9) == 0);
    free(r);
}

/* The missing codes: PR 0x7F / 0xFF, SpO2 0x7F, and 0 for both, become NaN. */
TEST(missing_codes)
{
    static const uint8_t legacy[] = {0x80, 10, 0x40, 0x7F, 0x7F, /* PR 0xFF, SpO2 0x7F */
                                     0x80, 10, 0x00, 0x7F, 0x00, /* PR 0x7F, SpO2 0 */
                                     0x80, 10, 0x20, 0x00, 0x00, /* searching, PR 0 */
                                     0x80, 10, 0x00, 0x01, 0x01};
    rec *r = rec_new();
    decode(MC_CONTEC_LEGACY, legacy, sizeof legacy, NULL, 0, r);
    ASSERT_EQ_INT(r->n, 4);
    for (int i = 0; i < 3; i++)
        ASSERT_TRUE(isnan(r->f[i].pr_bpm) && isnan(r->f[i].spo2_pct));
    ASSERT_EQ_INT(r->f[2].flags, MC_CONTEC_SEARCHING);
    ASSERT_NEAR_F(r->f[3].pr_bpm, 1, 0);
    ASSERT_NEAR_F(r->f[3].spo2_pct, 1, 0);
    static const uint8_t v46[] = {0x01, 0x80, 0x80, 0x80, 0x80, 0xFF, 0xFF, 0xFF, 0xFF,
                                  0x01, 0x82, 0x80, 0x80, 0x80, 0x80, 0x80, 0xFF, 0xFF};
    rec *q = rec_new();
    decode(MC_CONTEC_V46, v46, sizeof v46, NULL, 0, q);
    ASSERT_EQ_INT(q->n, 2);
    for (int i = 0; i < 2; i++)
        ASSERT_TRUE(isnan(q->f[i].pr_bpm) && isnan(q->f[i].spo2_pct));
    free(r);
    free(q);
}

static mc_contec_frame known(mc_contec_mode mode, int i)
{
    mc_contec_frame f = {
        .pleth = (float)(i * 37 % 128),
        .pleth2 = mode == MC_CONTEC_V46 ? (float)(i * 11 % 128) : NAN,
        .pr_bpm =
            i % 7 == 3 ? NAN : (float)(mode == MC_CONTEC_LEGACY ? 30 + i * 5 % 220 : 40 + i % 80),
        .spo2_pct = i % 9 == 4 ? NAN : (float)(70 + i % 30),
        .flags = mode == MC_CONTEC_LEGACY ? (uint32_t)(i % 32) : (uint32_t)(i % 8),
        .signal_strength = mode == MC_CONTEC_LEGACY ? (uint8_t)(i % 16) : 0,
        .bar_graph = mode == MC_CONTEC_LEGACY ? (uint8_t)((i * 3) % 16) : 0,
    };
    if (f.pr_bpm == 127) /* decodes as missing: not encodable */
        f.pr_bpm = 128;
    return f;
}

static size_t stream(mc_contec_mode mode, int n, uint8_t *out, mc_contec_frame *truth)
{
    const size_t size = mode == MC_CONTEC_LEGACY ? 5 : 9;
    for (int i = 0; i < n; i++) {
        truth[i] = known(mode, i);
        ASSERT_STATUS(mc_contec_frame_encode(mode, &truth[i], out + (size_t)i * size, NULL), MC_OK);
    }
    return (size_t)n * size;
}

TEST(roundtrip)
{
    for (int mode = MC_CONTEC_LEGACY; mode <= MC_CONTEC_V46; mode++) {
        uint8_t b[120 * 9];
        mc_contec_frame t[120];
        const size_t n = stream((mc_contec_mode)mode, 120, b, t);
        rec *r = rec_new();
        const mc_contec_stats s = decode((mc_contec_mode)mode, b, n, NULL, 0, r);
        ASSERT_EQ_INT(s.frames_good, 120);
        ASSERT_EQ_INT(s.skipped_bytes + s.bad_frames, 0);
        for (int i = 0; i < 120; i++)
            assert_same(&r->f[i], &t[i]);
        free(r);
    }
}

static void splits(mc_contec_mode mode, const uint8_t *b, size_t n)
{
    rec *whole = rec_new(), *part = rec_new();
    const mc_contec_stats s0 = decode(mode, b, n, NULL, 0, whole);
    ASSERT_TRUE(whole->n > 0);
    for (size_t cut = 0; cut <= n; cut++) {
        part->n = part->len = 0;
        part->text[0] = '\0';
        const size_t pieces[2] = {cut, n};
        const mc_contec_stats s = decode(mode, b, n, pieces, 2, part);
        ASSERT_STR_EQ(part->text, whole->text);
        ASSERT_TRUE(memcmp(&s, &s0, sizeof s) == 0);
    }
    for (size_t m = 1; m <= 10; m++) {
        part->n = part->len = 0;
        part->text[0] = '\0';
        decode(mode, b, n, &m, 1, part);
        ASSERT_STR_EQ(part->text, whole->text);
    }
    free(whole);
    free(part);
}

TEST(every_split)
{
    for (int mode = MC_CONTEC_LEGACY; mode <= MC_CONTEC_V46; mode++) {
        uint8_t b[40 * 9 + 16];
        mc_contec_frame t[40];
        size_t n = stream((mc_contec_mode)mode, 40, b + 2, t) + 2;
        b[0] = 0x01; /* garbage before, a cut frame after */
        b[1] = 0x85;
        b[n++] = mode == MC_CONTEC_LEGACY ? 0x80 : 0x01;
        b[n++] = 0x81;
        splits((mc_contec_mode)mode, b, n);
    }
}

TEST(garbage_resync)
{
    /* Legacy: garbage of bytes with and without bit 7, and a frame cut short. */
    uint8_t b[64 * 9], g[64 * 9 + 32];
    mc_contec_frame t[64];
    size_t n = stream(MC_CONTEC_LEGACY, 10, b, t), m = 0;
    memcpy(g, b, 15);
    m = 15;
    memcpy(g + m, "\x90\x91\x05", 3); /* two starts, one low byte */
    m += 3;
    memcpy(g + m, b + 15, 12); /* frames 3, 4 and 2 bytes of frame 5 */
    m += 12;
    memcpy(g + m, b + 30, n - 30); /* frames 6.. */
    m += n - 30;
    rec *r = rec_new();
    mc_contec_stats s = decode(MC_CONTEC_LEGACY, g, m, NULL, 0, r);
    ASSERT_EQ_INT(s.frames_good, 9);
    ASSERT_EQ_INT(s.skipped_bytes, 5);
    ASSERT_EQ_INT(s.bad_frames, 2);
    static const int order[9] = {0, 1, 2, 3, 4, 6, 7, 8, 9};
    for (int i = 0; i < 9; i++)
        assert_same(&r->f[i], &t[order[i]]);
    free(r);

    /* v4.6: a payload byte without bit 7 (corrupted) and 0x01 bytes inside the garbage. */
    n = stream(MC_CONTEC_V46, 6, b, t);
    memcpy(g, b, n);
    g[9 + 4] &= 0x7F; /* frame 1 broken */
    m = n;
    memmove(g + 27 + 4, g + 27, n - 27);
    memcpy(g + 27, "\x01\x01\x85\x00", 4); /* before frame 3 */
    m += 4;
    r = rec_new();
    s = decode(MC_CONTEC_V46, g, m, NULL, 0, r);
    ASSERT_EQ_INT(s.frames_good, 5);
    ASSERT_EQ_INT(s.skipped_bytes, 13);
    ASSERT_EQ_INT(s.bad_frames, 2);
    static const int order46[5] = {0, 2, 3, 4, 5};
    for (int i = 0; i < 5; i++)
        assert_same(&r->f[i], &t[order46[i]]);
    free(r);
}

TEST(encode_refusals_and_clamping)
{
    mc_contec_frame f = known(MC_CONTEC_LEGACY, 1);
    uint8_t b[9];
    int clamped = -1;
    ASSERT_STATUS(mc_contec_frame_encode((mc_contec_mode)3, &f, b, NULL), MC_EINVAL);
    static const float bad_pr_legacy[] = {0, 127, 255, 300, -3, INFINITY};
    for (size_t i = 0; i < 6; i++) {
        f.pr_bpm = bad_pr_legacy[i];
        ASSERT_STATUS(mc_contec_frame_encode(MC_CONTEC_LEGACY, &f, b, NULL), MC_EINVAL);
    }
    f.pr_bpm = 254;
    ASSERT_STATUS(mc_contec_frame_encode(MC_CONTEC_LEGACY, &f, b, NULL), MC_OK);
    f.pr_bpm = 127;
    ASSERT_STATUS(mc_contec_frame_encode(MC_CONTEC_V46, &f, b, NULL), MC_EINVAL);
    f.pr_bpm = 126;
    ASSERT_STATUS(mc_contec_frame_encode(MC_CONTEC_V46, &f, b, NULL), MC_OK);
    f.pr_bpm = 128;
    ASSERT_STATUS(mc_contec_frame_encode(MC_CONTEC_V46, &f, b, NULL), MC_EINVAL);
    f.pr_bpm = 80;
    f.spo2_pct = 127;
    ASSERT_STATUS(mc_contec_frame_encode(MC_CONTEC_LEGACY, &f, b, NULL), MC_EINVAL);
    f.spo2_pct = 0;
    ASSERT_STATUS(mc_contec_frame_encode(MC_CONTEC_V46, &f, b, NULL), MC_EINVAL);
    f.spo2_pct = 100;
    f.pleth = 200;
    ASSERT_STATUS(mc_contec_frame_encode(MC_CONTEC_LEGACY, &f, b, &clamped), MC_OK);
    ASSERT_EQ_INT(clamped, 1);
    ASSERT_EQ_INT(b[1], 127);
    f.pleth = 5;
    f.pleth2 = NAN;
    ASSERT_STATUS(mc_contec_frame_encode(MC_CONTEC_V46, &f, b, &clamped), MC_OK);
    ASSERT_EQ_INT(clamped, 1);
    ASSERT_EQ_INT(b[3], 0x85);
    ASSERT_EQ_INT(b[4], 0x80);
    f.pleth2 = 126.6f;
    ASSERT_STATUS(mc_contec_frame_encode(MC_CONTEC_V46, &f, b, &clamped), MC_OK);
    ASSERT_EQ_INT(clamped, 0);
    ASSERT_EQ_INT(b[4], 0xFF);
    ASSERT_EQ_INT(b[7], 0xFF);
    ASSERT_EQ_INT(b[8], 0xFF);
}

TEST(commands)
{
    static const uint8_t start[9] = {0x7D, 0x81, 0xA1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80};
    static const uint8_t keep[9] = {0x7D, 0x81, 0xAF, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80};
    uint8_t c[9];
    mc_contec_command cmd = (mc_contec_command)0;
    ASSERT_STATUS(mc_contec_command_bytes(MC_CONTEC_CMD_START, c), MC_OK);
    ASSERT_TRUE(memcmp(c, start, 9) == 0);
    ASSERT_STATUS(mc_contec_command_parse(c, 9, &cmd), MC_OK);
    ASSERT_EQ_INT(cmd, MC_CONTEC_CMD_START);
    ASSERT_STATUS(mc_contec_command_bytes(MC_CONTEC_CMD_KEEPALIVE, c), MC_OK);
    ASSERT_TRUE(memcmp(c, keep, 9) == 0);
    ASSERT_STATUS(mc_contec_command_parse(c, 9, &cmd), MC_OK);
    ASSERT_EQ_INT(cmd, MC_CONTEC_CMD_KEEPALIVE);
    ASSERT_STATUS(mc_contec_command_bytes((mc_contec_command)7, c), MC_EINVAL);
    for (size_t k = 0; k < 9; k++) {
        ASSERT_STATUS(mc_contec_command_parse(start, k, &cmd), MC_END);
        ASSERT_STATUS(mc_contec_command_parse(keep, k, &cmd), MC_END);
    }
    uint8_t bad[9];
    memcpy(bad, start, 9);
    bad[8] = 0x81;
    ASSERT_STATUS(mc_contec_command_parse(bad, 9, &cmd), MC_EFORMAT);
    bad[2] = 0xA2;
    ASSERT_STATUS(mc_contec_command_parse(bad, 3, &cmd), MC_EFORMAT);
}

static mc_status stop(void *ctx, const mc_contec_frame *f)
{
    (void)f;
    ++*(int *)ctx;
    return MC_ESTATE;
}

TEST(reset_and_stop)
{
    mc_contec_decoder dec;
    ASSERT_STATUS(mc_contec_decoder_reset(&dec, (mc_contec_mode)0), MC_EINVAL);
    ASSERT_STATUS(mc_contec_decoder_reset(&dec, MC_CONTEC_V46), MC_OK);
    uint8_t b[27];
    mc_contec_frame t[3];
    stream(MC_CONTEC_V46, 3, b, t);
    int calls = 0;
    ASSERT_STATUS(mc_contec_decoder_push(&dec, b, sizeof b, stop, &calls), MC_ESTATE);
    ASSERT_EQ_INT(calls, 1);
    ASSERT_EQ_INT(dec.stats.frames_good, 1);
}
