/* SPDX-License-Identifier: MIT */
/* tests/formats/test_nonin.c: Nonin formats 2, 7 and 8 (formats/nonin.h): the verbatim format-2
 * frames of DEVICES.md section 3, encode -> decode round trips with known numerics (missing
 * sentinels, HR above 255 through the MSB), every split of a multi-packet stream, garbage and
 * resynchronisation, bad checksums, lost frames and positions, the encoders' refusals and
 * clamping, the format-select command. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/nonin.h"
#include "tests/guard.h"
#include "tests/harness.h"

/* ---- a log of the callbacks, as text, so that two decodings compare with strcmp ---- */

enum { LOG_CAP = 1 << 20, MAX_EV = 4096 };

typedef struct rec {
    char *text;
    size_t len;
    mc_nonin_frame frames[MAX_EV];
    size_t n_frames;
    mc_nonin_numerics nums[MAX_EV];
    size_t n_nums;
} rec;

static rec *rec_new(void)
{
    rec *r = calloc(1, sizeof *r);
    ASSERT_TRUE(r != NULL);
    r->text = calloc(1, LOG_CAP);
    ASSERT_TRUE(r->text != NULL);
    return r;
}

static void rec_free(rec *r)
{
    free(r->text);
    free(r);
}

static void logf_(rec *r, const char *s)
{
    const size_t n = strlen(s);
    ASSERT_TRUE(r->len + n < LOG_CAP);
    memcpy(r->text + r->len, s, n + 1);
    r->len += n;
}

static mc_status on_frame(void *ctx, const mc_nonin_frame *f)
{
    rec *r = ctx;
    char s[128];
    snprintf(s, sizeof s, "F %u %d %02x %02x %.0f\n", f->index, (int)f->lost, f->status, f->value,
             (double)f->pleth);
    logf_(r, s);
    if (r->n_frames < MAX_EV)
        r->frames[r->n_frames++] = *f;
    return MC_OK;
}

static mc_status on_numerics(void *ctx, const mc_nonin_numerics *n)
{
    rec *r = ctx;
    char s[256];
    snprintf(s, sizeof s, "N %d %g %g %g %g %g %g %g %g %g %g %x %u %u %u\n", n->format,
             (double)n->hr, (double)n->spo2, (double)n->hr_d, (double)n->spo2_d,
             (double)n->spo2_fast, (double)n->spo2_bb, (double)n->e_hr, (double)n->e_spo2,
             (double)n->e_spo2_d, (double)n->e_hr_d, n->flags, n->has_stat2, n->complete,
             n->n_frames);
    logf_(r, s);
    if (r->n_nums < MAX_EV)
        r->nums[r->n_nums++] = *n;
    return MC_OK;
}

static const mc_nonin_callbacks cbs = {on_frame, on_numerics};

/* Decode `bytes` in pieces of the given sizes (cycled; NULL = whole), then finish. */
static mc_nonin_stats decode(int format, const uint8_t *bytes, size_t n, const size_t *pieces,
                             size_t n_pieces, rec *r)
{
    mc_nonin_decoder dec;
    ASSERT_STATUS(mc_nonin_decoder_reset(&dec, format), MC_OK);
    size_t pos = 0, k = 0;
    while (pos < n) {
        size_t m = pieces ? pieces[k++ % n_pieces] : n;
        if (m > n - pos)
            m = n - pos;
        ASSERT_STATUS(mc_nonin_decoder_push(&dec, bytes + pos, m, &cbs, r), MC_OK);
        pos += m;
    }
    ASSERT_STATUS(mc_nonin_decoder_finish(&dec, &cbs, r), MC_OK);
    /* Every byte is either in a good frame or skipped. */
    const size_t size = format == 8 ? 4 : 5;
    ASSERT_EQ_INT(dec.stats.frames_good * size + dec.stats.skipped_bytes, n);
    return dec.stats;
}

/* ---- known truth ---- */

static mc_nonin_numerics truth(int k)
{
    mc_nonin_numerics t = {
        .hr = (float)(60 + k),
        .spo2 = (float)(90 + k % 9),
        .hr_d = (float)(61 + k),
        .spo2_d = (float)(91 + k % 8),
        .spo2_fast = 95,
        .spo2_bb = 96,
        .e_hr = (float)(62 + k),
        .e_spo2 = 97,
        .e_spo2_d = 98,
        .e_hr_d = (float)(63 + k),
        .flags = (uint32_t)(k % 4 == 1 ? MC_NONIN_FLAG_SPA : 0) |
                 (uint32_t)(k % 4 == 2 ? MC_NONIN_FLAG_LOW_BATTERY : 0),
    };
    return t;
}

static void pleth_of(int format, int k, float p[25])
{
    for (int i = 0; i < 25; i++)
        p[i] = format == 2 ? (float)((k * 25 + i) * 7 % 256) : (float)((k * 25 + i) * 2621 % 65536);
}

/* `n_packets` packets of known truth (truth(k), pleth_of). */
static size_t stream(int format, int n_packets, uint8_t *out)
{
    size_t len = 0;
    for (int k = 0; k < n_packets; k++) {
        float p[25];
        pleth_of(format, k, p);
        const mc_nonin_numerics t = truth(k);
        const uint8_t st = MC_NONIN_STATUS_GPRF;
        size_t m;
        ASSERT_STATUS(mc_nonin_packet_encode(format, p, &st, 1, &t, out + len, 125, &m, NULL),
                      MC_OK);
        ASSERT_EQ_INT(m, MC_NONIN_PACKET_BYTES);
        len += m;
    }
    return len;
}

static void assert_num_eq(const mc_nonin_numerics *a, const mc_nonin_numerics *b)
{
    const float x[10] = {a->hr,      a->spo2, a->hr_d,   a->spo2_d,   a->spo2_fast,
                         a->spo2_bb, a->e_hr, a->e_spo2, a->e_spo2_d, a->e_hr_d};
    const float y[10] = {b->hr,      b->spo2, b->hr_d,   b->spo2_d,   b->spo2_fast,
                         b->spo2_bb, b->e_hr, b->e_spo2, b->e_spo2_d, b->e_hr_d};
    for (int i = 0; i < 10; i++) {
        if (isnan(y[i]))
            ASSERT_TRUE(isnan(x[i]));
        else
            ASSERT_NEAR_F(x[i], y[i], 0);
    }
    ASSERT_EQ_INT(a->flags, b->flags);
}

/* ---- tests ---- */

TEST(verbatim_format2)
{
    static const uint8_t b[] = {0x01, 0x80, 0x49, 0x00, 0xCA, 0x01, 0x80, 0x46, 0x4A,
                                0x11, 0x01, 0x80, 0x44, 0x00, 0xC5, 0x01, 0x80, 0x43,
                                0x00, 0xC4, 0x01, 0x81, 0x43, 0x00, 0xC5};
    rec *r = rec_new();
    mc_guard g;
    const uint8_t *p = (const uint8_t *)mc_guard_put(&g, b, sizeof b);
    ASSERT_TRUE(p != NULL);
    const mc_nonin_stats s = decode(2, p, sizeof b, NULL, 0, r);
    mc_guard_free(&g);
    ASSERT_EQ_INT(s.frames_good, 5);
    ASSERT_EQ_INT(s.bad_checksums, 0);
    ASSERT_EQ_INT(s.skipped_bytes, 0);
    ASSERT_EQ_INT(r->n_frames, 5);
    static const int pleth[5] = {0x49, 0x46, 0x44, 0x43, 0x43};
    for (int i = 0; i < 5; i++) {
        ASSERT_NEAR_F(r->frames[i].pleth, pleth[i], 0);
        ASSERT_EQ_INT(r->frames[i].sync, i == 4);
        ASSERT_EQ_INT(r->frames[i].artifact + r->frames[i].out_of_track +
                          r->frames[i].sensor_alarm + r->frames[i].red_perfusion +
                          r->frames[i].green_perfusion,
                      0);
        /* Before the first SYNC the positions are unknown; the SYNC frame is frame 1. */
        ASSERT_EQ_INT(r->frames[i].index, i == 4 ? 1 : 0);
        ASSERT_EQ_INT(r->frames[i].lost, -1);
    }
    ASSERT_EQ_INT(r->frames[1].value, 0x4A);
    /* finish reports the packet that frame 1 began: incomplete, nothing known but frame 1. */
    ASSERT_EQ_INT(r->n_nums, 1);
    ASSERT_EQ_INT(r->nums[0].complete, 0);
    ASSERT_EQ_INT(r->nums[0].n_frames, 1);
    ASSERT_TRUE(isnan(r->nums[0].hr) && isnan(r->nums[0].spo2));
    rec_free(r);
}

static void roundtrip(int format)
{
    uint8_t b[4 * 125];
    size_t n = 0;
    /* Packet 0: ordinary values. 1: HR above 255 (MSB used), 2: every value missing. */
    mc_nonin_numerics t[4] = {truth(0), truth(1), truth(2), truth(3)};
    t[1].hr = 300;
    t[1].hr_d = 510;
    t[1].e_hr = 256;
    t[1].e_hr_d = 0;
    t[1].spo2 = 0;
    t[1].spo2_d = 126;
    t[2].hr = t[2].spo2 = t[2].hr_d = t[2].spo2_d = t[2].spo2_fast = t[2].spo2_bb = NAN;
    t[2].e_hr = t[2].e_spo2 = t[2].e_spo2_d = t[2].e_hr_d = NAN;
    t[3].flags = MC_NONIN_FLAG_SPA | MC_NONIN_FLAG_LOW_BATTERY;
    float p[4][25];
    uint8_t st[25];
    for (int i = 0; i < 25; i++)
        st[i] = (uint8_t)(i * 2); /* every combination of bits 1..5 across the packet */
    for (int k = 0; k < 4; k++) {
        pleth_of(format, k, p[k]);
        size_t m;
        ASSERT_STATUS(
            mc_nonin_packet_encode(format, p[k], st, 25, &t[k], b + n, sizeof b - n, &m, NULL),
            MC_OK);
        n += m;
    }
    /* The HR of packet 1 is 300 = 2 << 7 | 44: frame 1 carries the MSB, frame 2 the LSB. */
    ASSERT_EQ_INT(b[125 + 3], 2);
    ASSERT_EQ_INT(b[125 + 5 + 3], 44);
    ASSERT_EQ_INT(b[2 * 125 + 3], 3);        /* 511 >> 7 */
    ASSERT_EQ_INT(b[2 * 125 + 5 + 3], 0x7F); /* 511 & 0x7F */
    ASSERT_EQ_INT(b[2 * 125 + 10 + 3], 127);
    rec *r = rec_new();
    const mc_nonin_stats s = decode(format, b, n, NULL, 0, r);
    ASSERT_EQ_INT(s.frames_good, 100);
    ASSERT_EQ_INT(s.bad_frames + s.bad_checksums + s.skipped_bytes + s.frames_lost, 0);
    ASSERT_EQ_INT(s.packets, 4);
    ASSERT_EQ_INT(s.packets_incomplete, 0);
    ASSERT_EQ_INT(r->n_nums, 4);
    for (int k = 0; k < 4; k++) {
        assert_num_eq(&r->nums[k], &t[k]);
        ASSERT_EQ_INT(r->nums[k].format, format);
        ASSERT_EQ_INT(r->nums[k].complete, 1);
        ASSERT_EQ_INT(r->nums[k].n_frames, 25);
        ASSERT_EQ_INT(r->nums[k].has_stat2, 1);
        for (int i = 0; i < 25; i++) {
            const mc_nonin_frame *f = &r->frames[k * 25 + i];
            ASSERT_NEAR_F(f->pleth, p[k][i], 0);
            ASSERT_EQ_INT(f->index, i + 1);
            ASSERT_EQ_INT(f->lost, k == 0 && i == 0 ? -1 : 0);
            ASSERT_EQ_INT(f->sync, i == 0);
            ASSERT_EQ_INT(f->green_perfusion, (st[i] >> 1) & 1);
            ASSERT_EQ_INT(f->red_perfusion, (st[i] >> 2) & 1);
            ASSERT_EQ_INT(f->sensor_alarm, (st[i] >> 3) & 1);
            ASSERT_EQ_INT(f->out_of_track, (st[i] >> 4) & 1);
            ASSERT_EQ_INT(f->artifact, (st[i] >> 5) & 1);
            ASSERT_EQ_INT(f->status & 0x80, 0x80);
        }
    }
    /* The numerics of a packet come right after its frame 25. */
    ASSERT_TRUE(strstr(r->text, "F 25 0") < strstr(r->text, "N "));
    rec_free(r);
}

TEST(roundtrip_format2)
{
    roundtrip(2);
}

TEST(roundtrip_format7)
{
    roundtrip(7);
    /* 16-bit pleth: MSB first. */
    float p[25];
    for (int i = 0; i < 25; i++)
        p[i] = 0x1234;
    const mc_nonin_numerics t = truth(0);
    const uint8_t st = 0;
    uint8_t b[125];
    size_t n;
    ASSERT_STATUS(mc_nonin_packet_encode(7, p, &st, 1, &t, b, sizeof b, &n, NULL), MC_OK);
    ASSERT_EQ_INT(b[0], 0x81);
    ASSERT_EQ_INT(b[1], 0x12);
    ASSERT_EQ_INT(b[2], 0x34);
    ASSERT_EQ_INT(b[4], (0x81 + 0x12 + 0x34 + b[3]) & 0xFF);
}

TEST(roundtrip_format8)
{
    static const struct {
        float hr, spo2;
        uint32_t flags;
    } v[] = {
        {72, 97, 0},
        {300, 88, MC_NONIN_FLAG_OOT | MC_NONIN_FLAG_SNSA},
        {NAN, NAN, MC_NONIN_FLAG_LPRF | MC_NONIN_FLAG_LOW_BATTERY},
        {510, 0, MC_NONIN_FLAG_MPRF | MC_NONIN_FLAG_ARTF | MC_NONIN_FLAG_SPA},
        {0, 126, 0x7F},
    };
    enum { NV = sizeof v / sizeof v[0] };
    uint8_t b[NV * 4];
    for (size_t i = 0; i < NV; i++)
        ASSERT_STATUS(mc_nonin_format8_encode(v[i].hr, v[i].spo2, v[i].flags, b + 4 * i), MC_OK);
    ASSERT_EQ_INT(b[4], 0x80 | 0x20 | 2); /* 300 = 2 << 7 | 44, OOT */
    ASSERT_EQ_INT(b[5], 44);
    ASSERT_EQ_INT(b[8] & 3, 3); /* 511 */
    ASSERT_EQ_INT(b[9], 0x7F);
    ASSERT_EQ_INT(b[10], 127);
    rec *r = rec_new();
    const mc_nonin_stats s = decode(8, b, sizeof b, NULL, 0, r);
    ASSERT_EQ_INT(s.frames_good, NV);
    ASSERT_EQ_INT(s.skipped_bytes, 0);
    ASSERT_EQ_INT(r->n_frames, 0);
    ASSERT_EQ_INT(r->n_nums, NV);
    for (size_t i = 0; i < NV; i++) {
        const mc_nonin_numerics *n = &r->nums[i];
        if (isnan(v[i].hr))
            ASSERT_TRUE(isnan(n->hr) && isnan(n->hr_d));
        else
            ASSERT_NEAR_F(n->hr, v[i].hr, 0);
        if (isnan(v[i].spo2))
            ASSERT_TRUE(isnan(n->spo2) && isnan(n->spo2_d));
        else
            ASSERT_NEAR_F(n->spo2_d, v[i].spo2, 0);
        ASSERT_EQ_INT(n->flags, v[i].flags);
        ASSERT_TRUE(isnan(n->e_hr) && isnan(n->spo2_fast));
        ASSERT_EQ_INT(n->format, 8);
        ASSERT_EQ_INT(n->complete, 1);
    }
    rec_free(r);
}

/* Every split in two, and pieces of 1..7 bytes, give the callbacks of the whole stream. */
static void splits(int format, const uint8_t *b, size_t n)
{
    rec *whole = rec_new(), *part = rec_new();
    const mc_nonin_stats s0 = decode(format, b, n, NULL, 0, whole);
    ASSERT_TRUE(whole->len > 0);
    for (size_t cut = 0; cut <= n; cut++) {
        part->len = 0;
        part->text[0] = '\0';
        const size_t pieces[2] = {cut, n};
        const mc_nonin_stats s = decode(format, b, n, pieces, 2, part);
        ASSERT_STR_EQ(part->text, whole->text);
        ASSERT_TRUE(memcmp(&s, &s0, sizeof s) == 0);
    }
    for (size_t m = 1; m <= 7; m++) {
        part->len = 0;
        part->text[0] = '\0';
        decode(format, b, n, &m, 1, part);
        ASSERT_STR_EQ(part->text, whole->text);
    }
    rec_free(whole);
    rec_free(part);
}

TEST(every_split)
{
    uint8_t b[4 * 125 + 16];
    for (int format = 2; format <= 7; format += 5) {
        size_t n = stream(format, 3, b + 3);
        b[0] = 0x55; /* garbage before, inside (after frame 30) and after */
        b[1] = 0x01;
        b[2] = 0x80;
        memmove(b + 3 + 155, b + 3 + 150, n - 150);
        memcpy(b + 3 + 150, "\x01\x81\x07\xFF\x00", 5);
        n += 3 + 5;
        b[n++] = 0x01;
        b[n++] = 0x80;
        splits(format, b, n);
    }
    for (int i = 0; i < 20; i++)
        ASSERT_STATUS(mc_nonin_format8_encode((float)(50 + 13 * i), (float)(80 + i % 20),
                                              (uint32_t)i, b + 4 * i),
                      MC_OK);
    b[80] = 0x90; /* a partial record at the end */
    splits(8, b, 81);
}

TEST(garbage_resync)
{
    uint8_t b[3 * 125 + 16];
    const size_t n = stream(2, 3, b);
    /* 3 bytes of garbage between packets 0 and 1, 4 more after frame 10 of packet 2. */
    uint8_t g[sizeof b];
    size_t m = 0;
    memcpy(g, b, 125);
    m = 125;
    memcpy(g + m, "\x01\x80\x33", 3);
    m += 3;
    memcpy(g + m, b + 125, 125 + 50);
    m += 125 + 50;
    memcpy(g + m, "\x99\x01\x02\x03", 4);
    m += 4;
    memcpy(g + m, b + 300, n - 300);
    m += n - 300;
    rec *r = rec_new();
    const mc_nonin_stats s = decode(2, g, m, NULL, 0, r);
    /* Every frame decoded: the decoder resynchronises on the first frame after the garbage. */
    ASSERT_EQ_INT(s.frames_good, 75);
    ASSERT_EQ_INT(s.skipped_bytes, 7);
    ASSERT_EQ_INT(s.bad_frames, 2);
    /* After the first garbage the SYNC frame is frame 1 of packet 1 again, nothing lost. */
    ASSERT_EQ_INT(r->frames[25].index, 1);
    ASSERT_EQ_INT(r->frames[25].lost, 0);
    /* After the second the positions are unknown until the end (no SYNC follows). */
    ASSERT_EQ_INT(r->frames[59].index, 10);
    ASSERT_EQ_INT(r->frames[60].index, 0);
    ASSERT_EQ_INT(r->frames[60].lost, -1);
    ASSERT_EQ_INT(r->frames[74].index, 0);
    ASSERT_EQ_INT(r->n_nums, 3);
    const mc_nonin_numerics t1 = truth(1);
    assert_num_eq(&r->nums[1], &t1);
    ASSERT_EQ_INT(r->nums[1].complete, 1);
    /* Packet 2: frames 1..10 placed, the rest not: incomplete, reported by finish. */
    ASSERT_EQ_INT(r->nums[2].complete, 0);
    ASSERT_EQ_INT(r->nums[2].n_frames, 10);
    ASSERT_NEAR_F(r->nums[2].hr, 62, 0);
    ASSERT_TRUE(isnan(r->nums[2].e_hr));
    rec_free(r);
}

TEST(bad_checksum)
{
    uint8_t b[2 * 125];
    const size_t n = stream(2, 2, b);
    b[6 * 5 + 4] ^= 0x01;   /* frame 7 of packet 0 */
    b[125 + 5 + 4] ^= 0x40; /* frame 2 (HR LSB) of packet 1 */
    rec *r = rec_new();
    const mc_nonin_stats s = decode(2, b, n, NULL, 0, r);
    ASSERT_EQ_INT(s.frames_good, 48);
    ASSERT_TRUE(s.bad_checksums >= 2);
    ASSERT_EQ_INT(s.bad_frames, 2);
    ASSERT_EQ_INT(s.skipped_bytes, 10);
    ASSERT_EQ_INT(s.frames_lost, 2);
    ASSERT_EQ_INT(r->frames[6].index, 8); /* frame 8 follows frame 6: 1 lost */
    ASSERT_EQ_INT(r->frames[6].lost, 1);
    ASSERT_EQ_INT(r->frames[25].index, 3);
    ASSERT_EQ_INT(r->n_nums, 2);
    ASSERT_EQ_INT(r->nums[0].n_frames, 24);
    ASSERT_EQ_INT(r->nums[0].complete, 0);
    ASSERT_NEAR_F(r->nums[0].hr, 60, 0); /* frame 7 is TMR LSB: HR unaffected */
    ASSERT_TRUE(isnan(r->nums[1].hr));   /* HR LSB lost */
    ASSERT_NEAR_F(r->nums[1].spo2, 91, 0);
    ASSERT_EQ_INT(s.packets_incomplete, 2);
    rec_free(r);
}

/* Remove frames (1-based, across packets) from a stream of n_packets; with `zero`, their bytes
 * are replaced by zeros (a line glitch: the bytes arrive, the frames are bad). */
static size_t drop_frames(const uint8_t *in, int n_packets, const int *drop, size_t n_drop,
                          int zero, uint8_t *out)
{
    size_t m = 0;
    for (int f = 1; f <= 25 * n_packets; f++) {
        int skip = 0;
        for (size_t i = 0; i < n_drop; i++)
            skip |= drop[i] == f;
        if (!skip)
            memcpy(out + m, in + (size_t)(f - 1) * 5, 5);
        else if (zero)
            memset(out + m, 0, 5);
        if (!skip || zero)
            m += 5;
    }
    return m;
}

TEST(lost_frames)
{
    uint8_t b[4 * 125], d[4 * 125];
    stream(7, 4, b);
    /* Global frame numbers (packet k holds 25k+1 .. 25k+25). Frames 8, 9 lost (7 then 10);
     * packet 1's 24, 25 and packet 2's 1, 2 lost (23 then 3: 4 lost, across the boundary);
     * packet 2's 11 to packet 3's 11 lost (10 then 12: 26 lost, more than a packet). */
    int drop[32];
    size_t nd = 0;
    drop[nd++] = 8;
    drop[nd++] = 9;
    for (int g = 49; g <= 52; g++)
        drop[nd++] = g;
    for (int g = 61; g <= 86; g++)
        drop[nd++] = g;
    const size_t n = drop_frames(b, 4, drop, nd, 1, d);
    rec *r = rec_new();
    const mc_nonin_stats s = decode(7, d, n, NULL, 0, r);
    ASSERT_EQ_INT(s.frames_good, 100 - 32);
    ASSERT_EQ_INT(s.frames_lost, 32);
    ASSERT_EQ_INT(s.skipped_bytes, 32 * 5);
    ASSERT_EQ_INT(s.bad_frames, 3);
    ASSERT_EQ_INT(s.sync_out_of_turn, 0);
    ASSERT_EQ_INT(r->frames[6].index, 7);
    ASSERT_EQ_INT(r->frames[7].index, 10);
    ASSERT_EQ_INT(r->frames[7].lost, 2);
    ASSERT_EQ_INT(r->frames[45].index, 23);
    ASSERT_EQ_INT(r->frames[46].index, 3);
    ASSERT_EQ_INT(r->frames[46].lost, 4);
    ASSERT_EQ_INT(r->frames[53].index, 10);
    ASSERT_EQ_INT(r->frames[54].index, 12);
    ASSERT_EQ_INT(r->frames[54].lost, 26);
    ASSERT_EQ_INT(r->frames[67].index, 25);
    /* Packets 0 (8, 9 missing), 1 (24, 25), 2 (3..10 only), 3 (12..25 only). */
    ASSERT_EQ_INT(r->n_nums, 4);
    ASSERT_EQ_INT(r->nums[0].n_frames, 23);
    ASSERT_EQ_INT(r->nums[1].n_frames, 23);
    ASSERT_NEAR_F(r->nums[1].hr, 61, 0);
    ASSERT_EQ_INT(r->nums[2].n_frames, 8);
    ASSERT_TRUE(isnan(r->nums[2].hr));
    ASSERT_NEAR_F(r->nums[2].spo2, 92, 0);
    ASSERT_EQ_INT(r->nums[3].n_frames, 14);
    ASSERT_TRUE(isnan(r->nums[3].hr) && isnan(r->nums[3].spo2));
    ASSERT_NEAR_F(r->nums[3].e_hr, 65, 0);
    ASSERT_EQ_INT(s.packets_incomplete, 4);
    /* Packet 1's numerics come right before frame 3 of packet 2, which closed it. */
    const char *f3 = strstr(r->text, "F 3 4 ");
    ASSERT_TRUE(f3 != NULL && f3 - r->text > 2);
    const char *line = f3 - 2;
    while (line > r->text && line[-1] != '\n')
        line--;
    ASSERT_TRUE(line[0] == 'N');
    rec_free(r);
}

/* Frames 8 and 9 vanish without a byte: the frames after them take indexes 8.. until the SYNC,
 * which comes out of turn: 2 lost, the packet not complete. The next packet is complete. */
TEST(vanished_frames)
{
    uint8_t b[2 * 125], d[2 * 125];
    stream(2, 2, b);
    static const int drop[2] = {8, 9};
    const size_t n = drop_frames(b, 2, drop, 2, 0, d);
    rec *r = rec_new();
    const mc_nonin_stats s = decode(2, d, n, NULL, 0, r);
    ASSERT_EQ_INT(s.frames_good, 48);
    ASSERT_EQ_INT(s.skipped_bytes, 0);
    ASSERT_EQ_INT(r->frames[7].index, 8); /* frame 10, misplaced: nothing shows the loss yet */
    ASSERT_EQ_INT(r->frames[23].index, 1);
    ASSERT_EQ_INT(r->frames[23].lost, 2);
    ASSERT_EQ_INT(s.frames_lost, 2);
    ASSERT_EQ_INT(s.sync_out_of_turn, 1);
    ASSERT_EQ_INT(r->n_nums, 2);
    ASSERT_EQ_INT(r->nums[0].complete, 0);
    ASSERT_EQ_INT(r->nums[1].complete, 1);
    ASSERT_EQ_INT(s.packets_incomplete, 1);
    rec_free(r);
}

/* Bytes dropped inside frame 25: frame 24, then a SYNC 3 bytes later = 1 frame lost. Bytes
 * dropped inside frame 5: positions unknown until the next SYNC. */
TEST(bytes_dropped)
{
    uint8_t b[3 * 125], d[3 * 125];
    const size_t n = stream(2, 3, b);
    size_t m = 0;
    memcpy(d, b, 24 * 5 + 3);
    m = 24 * 5 + 3;
    memcpy(d + m, b + 125, 4 * 5 + 1);
    m += 4 * 5 + 1;
    memcpy(d + m, b + 125 + 4 * 5 + 3, n - (125 + 4 * 5 + 3));
    m += n - (125 + 4 * 5 + 3);
    rec *r = rec_new();
    const mc_nonin_stats s = decode(2, d, m, NULL, 0, r);
    ASSERT_EQ_INT(s.frames_good, 73);
    ASSERT_EQ_INT(r->frames[24].index, 1);
    ASSERT_EQ_INT(r->frames[24].lost, 1);
    ASSERT_EQ_INT(r->frames[27].index, 4);
    ASSERT_EQ_INT(r->frames[28].index, 0); /* frame 6 after a partial frame 5 */
    ASSERT_EQ_INT(r->frames[28].lost, -1);
    ASSERT_EQ_INT(r->frames[47].index, 0);
    ASSERT_EQ_INT(r->frames[48].index, 1); /* packet 2's SYNC: unknown before it, lost unknown */
    ASSERT_EQ_INT(r->frames[48].lost, -1);
    ASSERT_EQ_INT(r->frames[49].index, 2);
    ASSERT_EQ_INT(r->n_nums, 3);
    ASSERT_EQ_INT(r->nums[1].n_frames, 4);
    ASSERT_NEAR_F(r->nums[1].hr, 61, 0);
    ASSERT_EQ_INT(r->nums[2].complete, 1);
    rec_free(r);
}

/* Frame 24, then 3 bytes of frame 25 and a whole packet's worth of zeros, then a SYNC: frame 25
 * and the 25 frames of a packet lost (26), found from the positions and the skipped bytes. */
TEST(bytes_dropped_packet)
{
    uint8_t b[2 * 125], d[3 * 125];
    stream(2, 2, b);
    size_t m = 24 * 5 + 3;
    memcpy(d, b, m);
    memset(d + m, 0, 125);
    m += 125;
    memcpy(d + m, b + 125, 125);
    m += 125;
    rec *r = rec_new();
    const mc_nonin_stats s = decode(2, d, m, NULL, 0, r);
    ASSERT_EQ_INT(s.frames_good, 49);
    ASSERT_EQ_INT(s.skipped_bytes, 128);
    ASSERT_EQ_INT(r->frames[24].index, 1);
    ASSERT_EQ_INT(r->frames[24].lost, 26);
    ASSERT_EQ_INT(s.frames_lost, 26);
    ASSERT_EQ_INT(s.sync_out_of_turn, 0);
    rec_free(r);
}

/* An emulator's start: every value missing encodes as the sentinels and decodes as NaN. */
TEST(numerics_default)
{
    const mc_nonin_numerics t = mc_nonin_numerics_default();
    float p[25] = {0};
    const uint8_t st = 0;
    uint8_t b[125];
    size_t n;
    ASSERT_STATUS(mc_nonin_packet_encode(2, p, &st, 1, &t, b, sizeof b, &n, NULL), MC_OK);
    ASSERT_EQ_INT(b[3], 3);    /* HR MSB of 511 */
    ASSERT_EQ_INT(b[8], 0x7F); /* HR LSB */
    ASSERT_EQ_INT(b[13], 127); /* SpO2 */
    ASSERT_EQ_INT(b[38], 0);   /* STAT2: no flag */
    rec *r = rec_new();
    decode(2, b, n, NULL, 0, r);
    ASSERT_EQ_INT(r->n_nums, 1);
    assert_num_eq(&r->nums[0], &t);
    ASSERT_EQ_INT(r->nums[0].has_stat2, 1);
    rec_free(r);
}

TEST(format8_garbage)
{
    uint8_t b[64];
    size_t n = 0;
    ASSERT_STATUS(mc_nonin_format8_encode(72, 97, 0, b), MC_OK);
    n = 4;
    memcpy(b + n, "\x85\x86\x10", 3); /* two starts that do not lead to a record */
    n += 3;
    ASSERT_STATUS(mc_nonin_format8_encode(73, 96, MC_NONIN_FLAG_ARTF, b + n), MC_OK);
    n += 4;
    b[n++] = 0x90; /* cut record */
    b[n++] = 0x20;
    ASSERT_STATUS(mc_nonin_format8_encode(NAN, NAN, 0, b + n), MC_OK);
    n += 4;
    rec *r = rec_new();
    const mc_nonin_stats s = decode(8, b, n, NULL, 0, r);
    ASSERT_EQ_INT(s.frames_good, 3);
    ASSERT_EQ_INT(s.skipped_bytes, 5);
    ASSERT_EQ_INT(s.bad_frames, 2);
    ASSERT_EQ_INT(r->n_nums, 3);
    ASSERT_NEAR_F(r->nums[1].hr, 73, 0);
    ASSERT_EQ_INT(r->nums[1].flags, MC_NONIN_FLAG_ARTF);
    ASSERT_TRUE(isnan(r->nums[2].hr) && isnan(r->nums[2].spo2));
    rec_free(r);
}

TEST(encode_refusals_and_clamping)
{
    float p[25];
    for (int i = 0; i < 25; i++)
        p[i] = 100;
    mc_nonin_numerics t = truth(0);
    const uint8_t st[25] = {0};
    uint8_t b[125];
    size_t n = 0, clamped = 99;
    ASSERT_STATUS(mc_nonin_packet_encode(3, p, st, 1, &t, b, sizeof b, &n, NULL), MC_EINVAL);
    ASSERT_STATUS(mc_nonin_packet_encode(8, p, st, 1, &t, b, sizeof b, &n, NULL), MC_EINVAL);
    ASSERT_STATUS(mc_nonin_packet_encode(2, p, st, 2, &t, b, sizeof b, &n, NULL), MC_EINVAL);
    ASSERT_STATUS(mc_nonin_packet_encode(2, p, st, 25, &t, b, 124, &n, NULL), MC_EOVERRUN);
    static const float bad_hr[] = {511, -1, 1000, INFINITY};
    for (size_t i = 0; i < 4; i++) {
        t = truth(0);
        t.e_hr_d = bad_hr[i];
        ASSERT_STATUS(mc_nonin_packet_encode(2, p, st, 1, &t, b, sizeof b, &n, NULL), MC_EINVAL);
        ASSERT_STATUS(mc_nonin_format8_encode(bad_hr[i], 90, 0, b), MC_EINVAL);
    }
    t = truth(0);
    t.spo2_bb = 127;
    ASSERT_STATUS(mc_nonin_packet_encode(7, p, st, 1, &t, b, sizeof b, &n, NULL), MC_EINVAL);
    ASSERT_STATUS(mc_nonin_format8_encode(60, 127, 0, b), MC_EINVAL);
    ASSERT_STATUS(mc_nonin_format8_encode(60, 126.4f, 0, b), MC_OK);
    ASSERT_EQ_INT(b[2], 126);

    /* Clamping: out of range and NaN pleth are written as the range's ends and counted. */
    t = truth(0);
    p[0] = 300;
    p[1] = -5;
    p[2] = NAN;
    p[3] = 254.6f;
    ASSERT_STATUS(mc_nonin_packet_encode(2, p, st, 1, &t, b, sizeof b, &n, &clamped), MC_OK);
    ASSERT_EQ_INT(clamped, 3);
    ASSERT_EQ_INT(b[2], 255);
    ASSERT_EQ_INT(b[7], 0);
    ASSERT_EQ_INT(b[12], 0);
    ASSERT_EQ_INT(b[17], 255);
    p[0] = 70000;
    p[3] = 65535;
    ASSERT_STATUS(mc_nonin_packet_encode(7, p, st, 1, &t, b, sizeof b, &n, &clamped), MC_OK);
    ASSERT_EQ_INT(clamped, 3);
    ASSERT_EQ_INT(b[1] << 8 | b[2], 65535);
    ASSERT_EQ_INT(b[16] << 8 | b[17], 65535);
}

TEST(format_command)
{
    uint8_t c[6];
    int fmt = -1;
    for (int f = 0; f < 20; f++) {
        const int ok = f == 2 || f == 7 || f == 8 || f == 13;
        ASSERT_STATUS(mc_nonin_format_command(f, c), ok ? MC_OK : MC_EINVAL);
        if (!ok)
            continue;
        static const uint8_t head[5] = {0x02, 0x70, 0x02, 0x02};
        ASSERT_TRUE(memcmp(c, head, 4) == 0);
        ASSERT_EQ_INT(c[4], f);
        ASSERT_EQ_INT(c[5], 0x03);
        ASSERT_STATUS(mc_nonin_format_command_parse(c, 6, &fmt), MC_OK);
        ASSERT_EQ_INT(fmt, f);
        for (size_t k = 0; k < 6; k++)
            ASSERT_STATUS(mc_nonin_format_command_parse(c, k, &fmt), MC_END);
    }
    static const uint8_t other[6] = {0x02, 0x70, 0x02, 0x02, 0x05, 0x03};
    ASSERT_STATUS(mc_nonin_format_command_parse(other, 6, &fmt), MC_OK);
    ASSERT_EQ_INT(fmt, 5); /* parsed: the emulator answers NAK */
    static const uint8_t bad[][6] = {{0x03, 0x70, 0x02, 0x02, 0x02, 0x03},
                                     {0x02, 0x72, 0x02, 0x02, 0x02, 0x03},
                                     {0x02, 0x70, 0x02, 0x02, 0x02, 0x04}};
    for (size_t i = 0; i < 3; i++)
        ASSERT_STATUS(mc_nonin_format_command_parse(bad[i], 6, &fmt), MC_EFORMAT);
    ASSERT_STATUS(mc_nonin_format_command_parse(bad[0], 1, &fmt), MC_EFORMAT);
    ASSERT_EQ_INT(MC_NONIN_ACK, 0x06);
    ASSERT_EQ_INT(MC_NONIN_NAK, 0x15);
}

static mc_status stop_at_numerics(void *ctx, const mc_nonin_numerics *n)
{
    (void)n;
    ++*(int *)ctx;
    return MC_ESTATE;
}

TEST(reset_and_stop)
{
    mc_nonin_decoder dec;
    ASSERT_STATUS(mc_nonin_decoder_reset(&dec, 1), MC_EINVAL);
    ASSERT_STATUS(mc_nonin_decoder_reset(&dec, 13), MC_EINVAL);
    /* A callback's status stops the push and is returned. */
    uint8_t b[2 * 125];
    const size_t n = stream(2, 2, b);
    ASSERT_STATUS(mc_nonin_decoder_reset(&dec, 2), MC_OK);
    int calls = 0;
    const mc_nonin_callbacks cb = {NULL, stop_at_numerics};
    ASSERT_STATUS(mc_nonin_decoder_push(&dec, b, n, &cb, &calls), MC_ESTATE);
    ASSERT_EQ_INT(calls, 1);
    ASSERT_EQ_INT(dec.stats.frames_good, 25);
}
