/* SPDX-License-Identifier: MIT */
/* tests/formats/test_ge_s5.c: the GE/Datex S/5 frame decoder (crafted frames with escapes, bad
 * checksums, garbage, oversize and cut frames, every split position), the record, waveform and
 * physiological parsers, and the importer on the two real captures (raw.raw: 21/21 frames good;
 * db01.raw: about 12 % corrupt frames, none fatal). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/ge_s5.h"
#include "tests/formats/session_roundtrip.h"
#include "tests/guard.h"
#include "tests/harness.h"

/* ---- building frames ---- */

typedef struct bytes {
    uint8_t b[8192];
    size_t n;
} bytes;

static void put16(uint8_t *p, uint16_t x)
{
    p[0] = (uint8_t)x;
    p[1] = (uint8_t)(x >> 8);
}

/* A waveform record of one subrecord of `type` with samples s[0..n). */
static size_t wave_record(uint8_t *rec, uint8_t nbr, uint32_t t, uint8_t type, const int16_t *s,
                          size_t n)
{
    memset(rec, 0, 40);
    const size_t len = 40 + 6 + 2 * n;
    put16(rec, (uint16_t)len);
    rec[2] = nbr;
    rec[3] = 10;
    put16(rec + 6, (uint16_t)t);
    put16(rec + 8, (uint16_t)(t >> 16));
    put16(rec + 14, 1);
    put16(rec + 16, 0);
    rec[18] = type;
    rec[21] = 0xFF;
    put16(rec + 40, (uint16_t)n);
    put16(rec + 42, 0);
    put16(rec + 44, 0);
    for (size_t i = 0; i < n; i++)
        put16(rec + 46 + 2 * i, (uint16_t)s[i]);
    return len;
}

/* Frame a record: flag, escaped bytes + checksum, flag. */
static void frame(bytes *out, const uint8_t *rec, size_t n, int corrupt_sum)
{
    unsigned sum = 0;
    out->b[out->n++] = 0x7E;
    for (size_t i = 0; i <= n; i++) {
        uint8_t c = i < n ? rec[i] : (uint8_t)(sum + (corrupt_sum ? 1 : 0));
        if (i < n)
            sum += rec[i];
        if (c == 0x7E || c == 0x7D) {
            out->b[out->n++] = 0x7D;
            c ^= 0x20;
        }
        out->b[out->n++] = c;
    }
    out->b[out->n++] = 0x7E;
}

typedef struct seen {
    int frames;
    size_t last_len;
    uint8_t last[MC_GE_S5_FRAME_MAX];
} seen;

static mc_status keep(void *ctx, const uint8_t *rec, size_t n)
{
    seen *s = ctx;
    s->frames++;
    s->last_len = n;
    memcpy(s->last, rec, n);
    return MC_OK;
}

static const int16_t tricky[8] = {0x7E7E, 0x7D7D, 0x007E, -32767, 100, -100, 0x5D7D, 0};

TEST(crafted_frames)
{
    uint8_t rec[256];
    const size_t len = wave_record(rec, 5, 1532624765, 8, tricky, 8);
    static bytes in;
    in.n = 0;
    const char junk[] = "garbage";
    memcpy(in.b, junk, 7);
    in.n = 7;
    frame(&in, rec, len, 0);
    frame(&in, rec, len, 1); /* bad checksum */
    frame(&in, rec, 10, 0);  /* short: 10 bytes + checksum */
    frame(&in, rec, len, 0);
    static mc_ge_s5_decoder dec;
    mc_ge_s5_decoder_reset(&dec);
    seen s = {0};
    ASSERT_STATUS(mc_ge_s5_decoder_push(&dec, in.b, in.n, keep, &s), MC_OK);
    ASSERT_EQ_INT(s.frames, 2);
    ASSERT_EQ_INT(dec.stats.frames_good, 2);
    ASSERT_EQ_INT(dec.stats.bad_checksum, 1);
    ASSERT_EQ_INT(dec.stats.short_frames, 1);
    ASSERT_EQ_INT(dec.stats.garbage_bytes, 7);
    ASSERT_EQ_INT(s.last_len, len);
    ASSERT_TRUE(memcmp(s.last, rec, len) == 0);

    mc_ge_s5_record r;
    ASSERT_STATUS(mc_ge_s5_record_parse(s.last, s.last_len, &r, NULL), MC_OK);
    ASSERT_EQ_INT(r.r_nbr, 5);
    ASSERT_EQ_INT(r.r_time, 1532624765);
    ASSERT_EQ_INT(r.maintype, 1);
    ASSERT_EQ_INT(r.n_sub, 1);
    const mc_ge_s5_wave_type *t = mc_ge_s5_wave_type_find(r.sub_type[0]);
    ASSERT_TRUE(t != NULL);
    ASSERT_STR_EQ(t->name, "PLETH");
    float v[16];
    size_t n;
    ASSERT_STATUS(mc_ge_s5_wave_decode(r.sub[0], r.sub_len[0], t, v, 16, &n, NULL), MC_OK);
    ASSERT_EQ_INT(n, 8);
    ASSERT_NEAR_F(v[0], 0x7E7E * 0.01, 1e-3);
    ASSERT_NEAR_F(v[2], 1.26, 1e-6);
    ASSERT_TRUE(isnan(v[3])); /* -32767: invalid marker */
    ASSERT_NEAR_F(v[5], -1.0, 1e-6);
    ASSERT_STATUS(mc_ge_s5_wave_decode(r.sub[0], r.sub_len[0], t, v, 4, &n, NULL), MC_EFORMAT);
}

/* The same bytes pushed in two pieces split at every position give the same frames and counts. */
TEST(split_at_every_byte)
{
    uint8_t rec[256];
    const size_t len = wave_record(rec, 1, 1000, 8, tricky, 8);
    static bytes in;
    in.n = 0;
    frame(&in, rec, len, 0);
    in.b[in.n++] = 'x';
    frame(&in, rec, len, 1);
    frame(&in, rec, len, 0);
    static mc_ge_s5_decoder whole, split;
    mc_ge_s5_decoder_reset(&whole);
    seen a = {0};
    ASSERT_STATUS(mc_ge_s5_decoder_push(&whole, in.b, in.n, keep, &a), MC_OK);
    ASSERT_EQ_INT(a.frames, 2);
    for (size_t cut = 0; cut <= in.n; cut++) {
        mc_ge_s5_decoder_reset(&split);
        seen b = {0};
        ASSERT_STATUS(mc_ge_s5_decoder_push(&split, in.b, cut, keep, &b), MC_OK);
        ASSERT_STATUS(mc_ge_s5_decoder_push(&split, in.b + cut, in.n - cut, keep, &b), MC_OK);
        ASSERT_EQ_INT(b.frames, a.frames);
        ASSERT_TRUE(memcmp(&split.stats, &whole.stats, sizeof whole.stats) == 0);
        ASSERT_TRUE(b.last_len == a.last_len && memcmp(b.last, a.last, a.last_len) == 0);
    }
    /* and byte by byte */
    mc_ge_s5_decoder_reset(&split);
    seen c = {0};
    for (size_t i = 0; i < in.n; i++)
        ASSERT_STATUS(mc_ge_s5_decoder_push(&split, in.b + i, 1, keep, &c), MC_OK);
    ASSERT_EQ_INT(c.frames, 2);
    ASSERT_TRUE(memcmp(&split.stats, &whole.stats, sizeof whole.stats) == 0);
}

TEST(oversize_cut_and_lost_flags)
{
    static bytes in;
    static mc_ge_s5_decoder dec;
    uint8_t rec[256];
    const size_t len = wave_record(rec, 1, 1000, 8, tricky, 8);
    in.n = 0;
    in.b[in.n++] = 0x7E;
    memset(in.b + in.n, 0x11, MC_GE_S5_FRAME_MAX + 10); /* an endless frame */
    in.n += MC_GE_S5_FRAME_MAX + 10;
    frame(&in, rec, len, 0); /* its opening flag closes the oversize one */
    frame(&in, rec, len, 0);
    mc_ge_s5_decoder_reset(&dec);
    seen s = {0};
    ASSERT_STATUS(mc_ge_s5_decoder_push(&dec, in.b, in.n, keep, &s), MC_OK);
    ASSERT_EQ_INT(dec.stats.oversize, 1);
    ASSERT_TRUE(s.frames >= 1); /* the stream realigns */

    /* an escape followed by a flag cuts the frame; the flag opens the next one */
    in.n = 0;
    in.b[in.n++] = 0x7E;
    in.b[in.n++] = 0x01;
    in.b[in.n++] = 0x7D;
    frame(&in, rec, len, 0);
    mc_ge_s5_decoder_reset(&dec);
    s.frames = 0;
    ASSERT_STATUS(mc_ge_s5_decoder_push(&dec, in.b, in.n, keep, &s), MC_OK);
    ASSERT_EQ_INT(dec.stats.aborted, 1);
    ASSERT_EQ_INT(s.frames, 1);

    /* frames sharing their flags ("7E a 7E b 7E") are all decoded */
    in.n = 0;
    frame(&in, rec, len, 0);
    in.n--;
    frame(&in, rec, len, 0);
    in.n--;
    frame(&in, rec, len, 0);
    mc_ge_s5_decoder_reset(&dec);
    s.frames = 0;
    ASSERT_STATUS(mc_ge_s5_decoder_push(&dec, in.b, in.n, keep, &s), MC_OK);
    ASSERT_EQ_INT(s.frames, 3);
    /* a lost flag merges the two frames it separated into one bad frame; the next is decoded */
    in.n = 0;
    frame(&in, rec, len, 0);
    in.n--; /* drop the closing flag of frame 1 */
    const size_t second = in.n;
    frame(&in, rec, len, 0);
    memmove(in.b + second, in.b + second + 1, in.n - second - 1); /* and frame 2's opening */
    in.n--;
    frame(&in, rec, len, 0);
    mc_ge_s5_decoder_reset(&dec);
    s.frames = 0;
    ASSERT_STATUS(mc_ge_s5_decoder_push(&dec, in.b, in.n, keep, &s), MC_OK);
    ASSERT_EQ_INT(s.frames, 1);
    ASSERT_EQ_INT(dec.stats.bad_checksum, 1);
    ASSERT_EQ_INT(dec.stats.garbage_bytes, 0);
}

TEST(record_errors)
{
    uint8_t rec[256];
    size_t len = wave_record(rec, 1, 1000, 8, tricky, 8);
    mc_ge_s5_record r;
    mc_diag d;
    ASSERT_STATUS(mc_ge_s5_record_parse(rec, 39, &r, &d), MC_EFORMAT);
    ASSERT_STATUS(mc_ge_s5_record_parse(rec, len - 1, &r, &d), MC_EFORMAT); /* r_len differs */
    ASSERT_TRUE(strstr(d.message, "r_len") != NULL);
    put16(rec + 16, 500); /* subrecord offset past the body */
    ASSERT_STATUS(mc_ge_s5_record_parse(rec, len, &r, &d), MC_EFORMAT);
    ASSERT_EQ_INT(d.offset, 16);
    len = wave_record(rec, 1, 1000, 8, tricky, 8);
    put16(rec + 40, 9000); /* act_len larger than the subrecord */
    ASSERT_STATUS(mc_ge_s5_record_parse(rec, len, &r, &d), MC_OK);
    float v[16];
    size_t n;
    ASSERT_STATUS(
        mc_ge_s5_wave_decode(r.sub[0], r.sub_len[0], mc_ge_s5_wave_type_find(8), v, 16, &n, &d),
        MC_EFORMAT);
    put16(rec + 40, (uint16_t)-3);
    ASSERT_STATUS(
        mc_ge_s5_wave_decode(r.sub[0], r.sub_len[0], mc_ge_s5_wave_type_find(8), v, 16, &n, &d),
        MC_EFORMAT);
    ASSERT_TRUE(mc_ge_s5_wave_type_find(35) == NULL); /* EEG_BIS: not decoded */
}

/* Records 0, 1, 3 (record 2 lost), then a restart at an earlier time: one gap, one drop. */
TEST(wave_gaps_and_restarts)
{
    static bytes in;
    in.n = 0;
    int16_t s[100];
    for (int i = 0; i < 100; i++)
        s[i] = (int16_t)i;
    uint8_t rec[512];
    /* an empty record first (starts nothing), then records 0, 1, 3, 0 again (restart), 4, an
     * empty record 5 (no gap after it) and record 6 */
    frame(&in, rec, wave_record(rec, 200, 1990, 8, s, 0), 0);
    const uint8_t nbr[5] = {0, 1, 3, 0, 4};
    const uint32_t t[5] = {2000, 2001, 2003, 2000, 2004};
    for (int k = 0; k < 5; k++)
        frame(&in, rec, wave_record(rec, nbr[k], t[k], 8, s, 100), 0);
    frame(&in, rec, wave_record(rec, 5, 2005, 8, s, 0), 0);
    frame(&in, rec, wave_record(rec, 6, 2005, 8, s, 100), 0);
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    mc_ge_s5_stats st;
    ASSERT_STATUS(mc_ge_s5_read(in.b, in.n, &imp, &st, &d), MC_OK);
    ASSERT_EQ_INT(st.frames_good, 8);
    ASSERT_TRUE(strstr(d.message, "1 wave records") != NULL);
    ASSERT_EQ_INT(imp.n_streams, 1);
    const mc_import_stream *p = &imp.streams[0];
    ASSERT_STR_EQ(p->info->name, "PLETH");
    ASSERT_NEAR_F(p->info->rate_hz, 100, 0);
    ASSERT_STR_EQ(p->info->channels[0].unit, "%");
    ASSERT_EQ_INT(p->n_frames, 600);               /* 0, 1, gap, 3, 4, 6 */
    ASSERT_EQ_INT(p->start_ns, 10LL * 1000000000); /* the recording starts at the empty record */
    ASSERT_EQ_INT(p->n_gaps, 1);
    ASSERT_EQ_INT(p->gaps[0].first_index, 200);
    ASSERT_EQ_INT(p->gaps[0].n_missing, 100);
    ASSERT_STR_EQ(p->gaps[0].reason, "ge_s5 gap");
    ASSERT_NEAR_F(p->data[399], 0.99, 1e-6);
    ASSERT_EQ_INT(imp.start_unix_ns, 1990000000000LL); /* the earliest record */
    mc_import_free(&imp);

    /* a record whose time is corrupted (far from both neighbours) is skipped: the next one
     * continues after a one-record gap, nothing else is lost */
    in.n = 0;
    const uint32_t t2[5] = {3000, 3001, 3002 + 86400, 3003, 3004};
    for (int k = 0; k < 5; k++)
        frame(&in, rec, wave_record(rec, (uint8_t)k, t2[k], 8, s, 100), 0);
    mc_import_init(&imp);
    ASSERT_STATUS(mc_ge_s5_read(in.b, in.n, &imp, &st, &d), MC_OK);
    ASSERT_TRUE(strstr(d.message, "1 with an isolated time skipped") != NULL);
    ASSERT_EQ_INT(imp.streams[0].n_frames, 500);
    ASSERT_EQ_INT(imp.streams[0].n_gaps, 1);
    ASSERT_EQ_INT(imp.streams[0].gaps[0].first_index, 200);
    ASSERT_EQ_INT(imp.start_unix_ns, 3000000000000LL);
    mc_import_free(&imp);
    /* the same at the first record: it does not pull the start back */
    in.n = 0;
    const uint32_t t3[4] = {1000, 5000, 5001, 5002};
    for (int k = 0; k < 4; k++)
        frame(&in, rec, wave_record(rec, (uint8_t)k, t3[k], 8, s, 100), 0);
    mc_import_init(&imp);
    ASSERT_STATUS(mc_ge_s5_read(in.b, in.n, &imp, &st, &d), MC_OK);
    ASSERT_EQ_INT(imp.start_unix_ns, 5000000000000LL);
    ASSERT_EQ_INT(imp.streams[0].n_frames, 300);
    mc_import_free(&imp);

    /* nothing but garbage: one error with the counts */
    mc_import_init(&imp);
    ASSERT_STATUS(mc_ge_s5_read((const uint8_t *)"\x7e\x01\x02\x7e hello", 10, &imp, NULL, &d),
                  MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "no valid S/5 record") != NULL);
    mc_import_free(&imp);
}

/* ---- real captures ---- */

static const mc_import_stream *find(const mc_import *imp, const char *name)
{
    for (size_t i = 0; i < imp->n_streams; i++)
        if (strcmp(imp->streams[i].info->name, name) == 0)
            return &imp->streams[i];
    fprintf(stderr, "no stream %s\n", name);
    exit(1);
}

TEST(raw_capture)
{
    const char *path = mc_test_shared("serial/ge_datex_s5/raw.raw");
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    ASSERT_STATUS(mc_ge_s5_import(path, &imp, &d), MC_OK);
    fprintf(stderr, "%s\n", d.message);
    ASSERT_TRUE(strstr(d.message, "raw.raw: 21 frames good, 0 bad checksums, 0 short") != NULL);
    ASSERT_STR_EQ(imp.format, "ge_s5");
    /* first r_time 0x5B59FF7D = 2018-07-26 17:06:05 UTC */
    ASSERT_EQ_INT(imp.start_unix_ns, 1532624765LL * 1000000000);
    const mc_import_stream *pleth = find(&imp, "PLETH");
    ASSERT_NEAR_F(pleth->info->rate_hz, 100, 0);
    ASSERT_EQ_INT(pleth->info->modality, MC_MODALITY_PPG);
    ASSERT_EQ_INT(pleth->n_frames, 1000);              /* 10 waveform records of 100 samples */
    ASSERT_EQ_INT(pleth->start_ns, 33LL * 1000000000); /* first waveform record at ...798 */
    ASSERT_NEAR_F(pleth->data[0], -1.54, 1e-6);        /* raw -154 */
    ASSERT_EQ_INT(find(&imp, "ENT_100")->n_frames, 1000);
    ASSERT_NEAR_F(find(&imp, "ENT_100")->data[0], 13.0, 1e-5); /* raw 130, 1/10 uV */
    const mc_import_stream *spo2 = find(&imp, "SPO2");
    ASSERT_EQ_INT(spo2->n_frames, 11);
    ASSERT_NEAR_F(spo2->data[0], 96.65, 1e-4);
    ASSERT_NEAR_F(spo2->data[1], 95.72, 1e-4);
    ASSERT_EQ_INT(spo2->t_ns[1], 33LL * 1000000000);
    ASSERT_NEAR_F(find(&imp, "SPO2_PR")->data[0], 83, 0);
    ASSERT_NEAR_F(find(&imp, "SPO2_IR_AMP")->data[0], 377, 0);
    ASSERT_NEAR_F(find(&imp, "ECG_HR")->data[0], 80, 0);
    ASSERT_NEAR_F(find(&imp, "NIBP_SYS")->data[0], 93, 1e-4);
    ASSERT_NEAR_F(find(&imp, "NIBP_DIA")->data[0], 48, 1e-4);
    ASSERT_NEAR_F(find(&imp, "NIBP_MEAN")->data[0], 69, 1e-4);
    ASSERT_NEAR_F(find(&imp, "CO2_ET")->data[0], 4.87, 1e-5);
    mc_import_free(&imp);
}

TEST(db01_capture)
{
    const char *path = mc_test_shared("serial/ge_datex_s5/db01.raw");
    FILE *f = fopen(path, "rb");
    ASSERT_TRUE(f != NULL);
    static uint8_t buf[2 << 20];
    const size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    ASSERT_EQ_INT(n, 1852244);
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    mc_ge_s5_stats st;
    ASSERT_STATUS(mc_ge_s5_read(buf, n, &imp, &st, &d), MC_OK);
    fprintf(stderr, "db01.raw: %s\n", d.message);
    const uint64_t bad = st.bad_checksum + st.short_frames + st.oversize + st.aborted;
    const double frac = (double)bad / (double)(bad + st.frames_good);
    fprintf(stderr, "db01.raw: %.1f %% of frames corrupt\n", 100 * frac);
    /* An independent count (split at every 0x7E, unescape, frames >= 41 bytes whose additive
     * checksum is right) finds 2138 good frames; every one of them is decoded. */
    ASSERT_EQ_INT(st.frames_good, 2138);
    ASSERT_TRUE(frac > 0.10 && frac < 0.14);
    /* The capture repeats its session (restarts at the same r_time): the streams keep one
     * copy, 798..843 s for the waves (46 records of 100 samples). */
    const mc_import_stream *pleth = find(&imp, "PLETH");
    ASSERT_EQ_INT(pleth->n_frames, 4600);
    ASSERT_EQ_INT(pleth->n_gaps, 0);
    ASSERT_EQ_INT(imp.start_unix_ns, 1532624765LL * 1000000000);
    mc_import_free(&imp);
}

TEST(detect)
{
    const char *path = mc_test_shared("serial/ge_datex_s5/raw.raw");
    FILE *f = fopen(path, "rb");
    ASSERT_TRUE(f != NULL);
    uint8_t head[4096];
    const size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    ASSERT_EQ_INT(mc_ge_s5_detect(head, n, NULL), 1);
    ASSERT_EQ_INT(mc_ge_s5_detect(head, n, "capture.bin"), 1);
    ASSERT_EQ_INT(mc_ge_s5_detect((const uint8_t *)"VITA\3\0\0\0", 8, "x.vital"), 0);
    ASSERT_EQ_INT(mc_ge_s5_detect((const uint8_t *)"02/22/16 22:47:45 SN=1", 22, NULL), 0);
    ASSERT_EQ_INT(mc_ge_s5_detect((const uint8_t *)"\x7e\x80", 2, "cap.raw"), 1);
    ASSERT_EQ_INT(mc_ge_s5_detect((const uint8_t *)"\x7e\x80", 2, "cap.txt"), 0);
}

/* What `mcirc import` does: the import written as a session file and loaded back unchanged. */
TEST(session_round_trip)
{
    mc_import imp;
    mc_import_init(&imp);
    ASSERT_STATUS(mc_ge_s5_import(mc_test_shared("serial/ge_datex_s5/raw.raw"), &imp, NULL), MC_OK);
    mc_rt_check(&imp, "raw.h5");
    mc_import_free(&imp);
}

/* Every prefix of a frame and of a record, ending at a PROT_NONE page. */
TEST(guard_page)
{
    uint8_t rec[256];
    const size_t len = wave_record(rec, 1, 1000, 8, tricky, 8);
    static bytes in;
    in.n = 0;
    frame(&in, rec, len, 0);
    for (size_t n = 0; n <= in.n; n++) {
        mc_guard g;
        const uint8_t *p = (const uint8_t *)mc_guard_put(&g, in.b, n);
        ASSERT_TRUE(p != NULL);
        mc_ge_s5_decoder dec;
        mc_ge_s5_decoder_reset(&dec);
        ASSERT_STATUS(mc_ge_s5_decoder_push(&dec, p, n, NULL, NULL), MC_OK);
        ASSERT_EQ_INT(dec.stats.frames_good, n == in.n);
        (void)mc_ge_s5_detect(p, n, NULL);
        mc_guard_free(&g);
    }
    for (size_t n = 0; n <= len; n++) {
        mc_guard g;
        const uint8_t *p = (const uint8_t *)mc_guard_put(&g, rec, n);
        ASSERT_TRUE(p != NULL);
        mc_ge_s5_record r;
        if (mc_ge_s5_record_parse(p, n, &r, NULL) == MC_OK) {
            float v[64];
            size_t nv;
            for (size_t k = 0; k < r.n_sub; k++)
                ASSERT_TRUE(mc_ge_s5_wave_decode(r.sub[k], r.sub_len[k], mc_ge_s5_wave_type_find(8),
                                                 v, 64, &nv, NULL) != MC_ESTATE);
        }
        /* the record cut to n bytes, read as a physiological subrecord */
        mc_ge_s5_value vals[MC_GE_S5_PHYS_VALUES];
        size_t nv;
        ASSERT_STATUS(mc_ge_s5_phys_decode(p, n, vals, &nv, NULL), MC_EFORMAT); /* < 278 */
        mc_guard_free(&g);
    }
}

/* The independent reader ge_s5_check.py agrees with the decoder and the importer. */
static void cross_check(const char *rel, int compare_waves)
{
    const char *path = mc_test_shared(rel);
    FILE *py = fopen("/usr/bin/python3", "rb");
    if (!py)
        SKIP("/usr/bin/python3 is absent");
    fclose(py);
    char script[1024], cmd[3072];
    snprintf(script, sizeof script, "%s", __FILE__);
    char *slash = strrchr(script, '/');
    ASSERT_TRUE(slash != NULL);
    snprintf(slash + 1, sizeof script - (size_t)(slash + 1 - script), "ge_s5_check.py");
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s'", script, path);
    FILE *f = fopen(path, "rb");
    ASSERT_TRUE(f != NULL);
    static uint8_t buf[2 << 20];
    const size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    mc_import imp;
    mc_import_init(&imp);
    mc_ge_s5_stats st;
    ASSERT_STATUS(mc_ge_s5_read(buf, n, &imp, &st, NULL), MC_OK);
    FILE *p = popen(cmd, "r");
    ASSERT_TRUE(p != NULL);
    char line[256];
    int checked = 0;
    while (fgets(line, sizeof line, p)) {
        long long a, b, c;
        int type;
        if (sscanf(line, "good %lld", &a) == 1) {
            ASSERT_EQ_INT(st.frames_good, a);
            checked++;
        } else if (sscanf(line, "start %lld", &a) == 1) {
            ASSERT_EQ_INT(imp.start_unix_ns, a * 1000000000);
            checked++;
        } else if (sscanf(line, "wave %d %lld %lld", &type, &a, &b) == 3 && compare_waves) {
            const mc_ge_s5_wave_type *t = mc_ge_s5_wave_type_find((uint8_t)type);
            ASSERT_TRUE(t != NULL);
            const mc_import_stream *s = find(&imp, t->name);
            ASSERT_EQ_INT(s->n_frames, a);
            ASSERT_NEAR_F(s->data[0], (double)b * t->scale, 1e-6);
            checked++;
        } else if (sscanf(line, "spo2 %lld %lld %lld", &a, &b, &c) == 3) {
            ASSERT_NEAR_F(find(&imp, "SPO2")->data[0], (double)a / 100, 1e-5);
            ASSERT_NEAR_F(find(&imp, "SPO2_PR")->data[0], (double)b, 0);
            ASSERT_NEAR_F(find(&imp, "SPO2_IR_AMP")->data[0], (double)c, 0);
            checked++;
        }
    }
    ASSERT_EQ_INT(pclose(p), 0);
    ASSERT_EQ_INT(checked, compare_waves ? 5 : 3);
    mc_import_free(&imp);
}

TEST(raw_cross_check)
{
    cross_check("serial/ge_datex_s5/raw.raw", 1);
}

TEST(db01_cross_check)
{
    cross_check("serial/ge_datex_s5/db01.raw", 0);
}
