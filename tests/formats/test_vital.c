/* SPDX-License-Identifier: MIT */
/* tests/formats/test_vital.c: the .vital importer on the two real files (facts of SOURCES.md and
 * an independent Python decoder, vital_check.py), on crafted files (gaps, overlaps, every recfmt,
 * concatenated gzip members) and on malformed ones (truncation at every byte, huge counts,
 * impossible rates, non-UTF-8 names, corrupt or exploding gzip). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "formats/ge_s5.h"
#include "formats/masimo.h"
#include "formats/vital.h"
#include "tests/formats/session_roundtrip.h"
#include "tests/guard.h"
#include "tests/harness.h"

/* ---- a builder of .vital bytes ---- */

typedef struct vbuf {
    uint8_t b[1 << 16];
    size_t n;
} vbuf;

static void put(vbuf *v, const void *p, size_t n)
{
    ASSERT_TRUE(v->n + n <= sizeof v->b);
    memcpy(v->b + v->n, p, n);
    v->n += n;
}

static void put8(vbuf *v, uint8_t x)
{
    put(v, &x, 1);
}

static void put16(vbuf *v, uint16_t x)
{
    const uint8_t b[2] = {(uint8_t)x, (uint8_t)(x >> 8)};
    put(v, b, 2);
}

static void put32(vbuf *v, uint32_t x)
{
    const uint8_t b[4] = {(uint8_t)x, (uint8_t)(x >> 8), (uint8_t)(x >> 16), (uint8_t)(x >> 24)};
    put(v, b, 4);
}

static void putf32(vbuf *v, float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    put32(v, u);
}

static void putf64(vbuf *v, double x)
{
    uint64_t u;
    memcpy(&u, &x, 8);
    put32(v, (uint32_t)u);
    put32(v, (uint32_t)(u >> 32));
}

static void putstr(vbuf *v, const char *s)
{
    put32(v, (uint32_t)strlen(s));
    put(v, s, strlen(s));
}

static void header(vbuf *v)
{
    v->n = 0;
    put(v, "VITA", 4);
    put32(v, 3);
    put16(v, 10);
    put16(v, (uint16_t)-120);
    put32(v, 0);
    put32(v, 0);
}

/* Packet header with its length patched by end_packet. */
static size_t begin_packet(vbuf *v, uint8_t type)
{
    put8(v, type);
    put32(v, 0);
    return v->n;
}

static void end_packet(vbuf *v, size_t start)
{
    const uint32_t len = (uint32_t)(v->n - start);
    for (int i = 0; i < 4; i++)
        v->b[start - 4 + i] = (uint8_t)(len >> (8 * i));
}

static void trkinfo(vbuf *v, uint16_t id, uint8_t type, uint8_t fmt, const char *name,
                    const char *unit, float srate, double gain, double offset)
{
    size_t s = begin_packet(v, 0);
    put16(v, id);
    put8(v, type);
    put8(v, fmt);
    putstr(v, name);
    putstr(v, unit);
    putf32(v, 0);
    putf32(v, 100);
    put32(v, 0xFFFFFF);
    putf32(v, srate);
    putf64(v, gain);
    putf64(v, offset);
    put8(v, 0);
    put32(v, 7);
    end_packet(v, s);
}

static void devinfo(vbuf *v, uint32_t id, const char *name)
{
    size_t s = begin_packet(v, 9);
    put32(v, id);
    putstr(v, name);
    putstr(v, name);
    putstr(v, "COM1");
    end_packet(v, s);
}

/* A wave REC of int16 samples v0, v0+1, ... */
static void wave_rec(vbuf *v, uint16_t id, double t_s, uint32_t num, int16_t v0)
{
    size_t s = begin_packet(v, 1);
    put16(v, 10);
    putf64(v, t_s);
    put16(v, id);
    put32(v, num);
    for (uint32_t i = 0; i < num; i++)
        put16(v, (uint16_t)(v0 + (int16_t)i));
    end_packet(v, s);
}

static void num_rec(vbuf *v, uint16_t id, double t_s, const void *val, size_t size)
{
    size_t s = begin_packet(v, 1);
    put16(v, 10);
    putf64(v, t_s);
    put16(v, id);
    put(v, val, size);
    end_packet(v, s);
}

static void str_rec(vbuf *v, uint16_t id, double t_s, const char *text)
{
    size_t s = begin_packet(v, 1);
    put16(v, 10);
    putf64(v, t_s);
    put16(v, id);
    put32(v, 0);
    putstr(v, text);
    end_packet(v, s);
}

/* gzip-compress src into dst (one member). */
static size_t gz(const uint8_t *src, size_t n, uint8_t *dst, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    ASSERT_EQ_INT(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)src;
    z.avail_in = (uInt)n;
    z.next_out = dst;
    z.avail_out = (uInt)cap;
    ASSERT_EQ_INT(deflate(&z, Z_FINISH), Z_STREAM_END);
    const size_t out = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

static const mc_import_stream *find(const mc_import *imp, const char *name)
{
    for (size_t i = 0; i < imp->n_streams; i++)
        if (strcmp(imp->streams[i].info->name, name) == 0)
            return &imp->streams[i];
    fprintf(stderr, "no stream %s\n", name);
    exit(1);
}

/* ---- real files ---- */

TEST(demo2_facts)
{
    const char *path = mc_test_shared("vital/test_intelliue_demo2.vital");
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    ASSERT_STATUS(mc_vital_import(path, &imp, &d), MC_OK);
    ASSERT_STR_EQ(imp.format, "vital");
    ASSERT_STR_EQ(imp.source, "test_intelliue_demo2.vital");
    ASSERT_EQ_INT(imp.n_streams, 17); /* 4 waves + 13 numerics; EVENT is events */
    ASSERT_EQ_INT(imp.n_events, 7);
    ASSERT_STR_EQ(imp.events[0].text, "Start ventolator settings");
    /* 2019-07-11 09:47:43.407 UTC */
    ASSERT_NEAR_F((double)imp.start_unix_ns * 1e-9, 1562838463.407, 1e-6);
    const mc_import_stream *ecg = find(&imp, "ECG_II");
    ASSERT_NEAR_F(ecg->info->rate_hz, 500, 0);
    ASSERT_EQ_INT(ecg->n_frames, 109056);
    ASSERT_STR_EQ(ecg->info->channels[0].unit, "mV");
    ASSERT_STR_EQ(ecg->info->device_model, "Intellivue");
    ASSERT_STR_EQ(mc_stream_info_get_attr(ecg->info, "vital_tzbias_min"), "-120");
    const mc_import_stream *pleth = find(&imp, "PLETH");
    ASSERT_EQ_INT(pleth->info->modality, MC_MODALITY_PPG);
    ASSERT_NEAR_F(pleth->info->rate_hz, 125, 0);
    ASSERT_EQ_INT(pleth->n_frames, 27264);
    /* 218.8 s recording: the waves cover 218.1 s from the first REC (852 RECs of 0.256 s) */
    ASSERT_NEAR_F((double)pleth->n_frames / 125.0, 218.112, 1e-9);
    const mc_import_stream *abp = find(&imp, "ABP");
    ASSERT_STR_EQ(abp->info->channels[0].unit, "mm[Hg]");
    ASSERT_NEAR_F(abp->info->channels[0].scale_gain, 16, 1e-12);   /* 1 / 0.0625 */
    ASSERT_NEAR_F(abp->info->channels[0].scale_offset, 800, 1e-9); /* 50 / 0.0625 */
    const mc_import_stream *resp = find(&imp, "RESP");
    ASSERT_NEAR_F(resp->info->rate_hz, 62.5, 0);
    ASSERT_EQ_INT(resp->n_frames, 13632);
    ASSERT_STR_EQ(resp->info->channels[0].unit, "Ohm");
    const mc_import_stream *spo2 = find(&imp, "PLETH_SAT_O2");
    ASSERT_NEAR_F(spo2->info->rate_hz, 0, 0);
    ASSERT_EQ_INT(spo2->n_frames, 213);
    ASSERT_NEAR_F(spo2->data[0], 95, 0);
    ASSERT_EQ_INT(find(&imp, "PLETH_HR")->n_frames, 213);
    ASSERT_NEAR_F(find(&imp, "PLETH_PERF_REL")->data[0], 10, 0);
    for (size_t i = 0; i < imp.n_streams; i++)
        ASSERT_EQ_INT(imp.streams[i].n_gaps, 0);
    mc_import_free(&imp);
}

/* Every line of the independent decoder agrees with the import. */
static void cross_check(const char *rel)
{
    const char *path = mc_test_shared(rel);
    char script[1024], cmd[3072];
    snprintf(script, sizeof script, "%s", __FILE__);
    char *slash = strrchr(script, '/');
    ASSERT_TRUE(slash != NULL);
    snprintf(slash + 1, sizeof script - (size_t)(slash + 1 - script), "vital_check.py");
    FILE *py = fopen("/usr/bin/python3", "rb");
    if (!py)
        SKIP("/usr/bin/python3 is absent");
    fclose(py);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' '%s'", script, path);
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    ASSERT_STATUS(mc_vital_import(path, &imp, &d), MC_OK);
    FILE *f = popen(cmd, "r");
    ASSERT_TRUE(f != NULL);
    char line[1024];
    int n_lines = 0;
    while (fgets(line, sizeof line, f)) {
        char kind[16], name[256];
        long long t_ns;
        if (sscanf(line, "start %lld", &t_ns) == 1) {
            ASSERT_EQ_INT(imp.start_unix_ns, t_ns);
        } else if (sscanf(line, "%15s %255s", kind, name) == 2 && strcmp(kind, "wave") == 0) {
            double rate, first, sum;
            long long n;
            ASSERT_EQ_INT(
                sscanf(line, "wave %*s %lf %lld %lld %lf %lf", &rate, &n, &t_ns, &first, &sum), 5);
            const mc_import_stream *s = find(&imp, name);
            ASSERT_NEAR_F(s->info->rate_hz, rate, 1e-6);
            ASSERT_EQ_INT(s->n_frames, n);
            ASSERT_EQ_INT(s->start_ns, t_ns);
            ASSERT_NEAR_F(s->data[0], first, 1e-5 * fabs(first) + 1e-6);
            double mine = 0;
            for (int64_t i = 0; i < s->n_frames; i++)
                mine += (double)s->data[i];
            ASSERT_NEAR_F(mine, sum, 1e-6 * fabs(sum) + 1e-3);
        } else if (strcmp(kind, "num") == 0) {
            long long n;
            double first;
            ASSERT_EQ_INT(sscanf(line, "num %*s %lld %lld %lf", &n, &t_ns, &first), 3);
            const mc_import_stream *s = find(&imp, name);
            ASSERT_EQ_INT(s->n_frames, n);
            ASSERT_EQ_INT(s->t_ns[0], t_ns);
            ASSERT_NEAR_F(s->data[0], first, 1e-6);
        } else if (strcmp(kind, "str") == 0) {
            long long n;
            int off = 0;
            ASSERT_EQ_INT(sscanf(line, "str %*s %lld %lld %n", &n, &t_ns, &off), 2);
            line[strcspn(line, "\n")] = '\0';
            ASSERT_EQ_INT(imp.n_events, n);
            ASSERT_EQ_INT(imp.events[0].t_ns, t_ns);
            ASSERT_STR_EQ(imp.events[0].text, line + off);
        }
        n_lines++;
    }
    ASSERT_EQ_INT(pclose(f), 0);
    ASSERT_EQ_INT(n_lines, 19); /* start + 18 tracks */
    mc_import_free(&imp);
}

TEST(demo2_cross_check)
{
    cross_check("vital/test_intelliue_demo2.vital");
}

TEST(data_demo_cross_check)
{
    cross_check("vital/test_data_demo.vital");
}

TEST(data_demo_facts)
{
    const char *path = mc_test_shared("vital/test_data_demo.vital");
    mc_import imp;
    mc_import_init(&imp);
    ASSERT_STATUS(mc_vital_import(path, &imp, NULL), MC_OK);
    /* 37.3 s: from the first REC to the last numeric */
    const mc_import_stream *hr = find(&imp, "HR");
    ASSERT_NEAR_F((double)hr->t_ns[hr->n_frames - 1] * 1e-9, 37.28, 0.01);
    ASSERT_EQ_INT(find(&imp, "ABP")->start_ns, 0);
    ASSERT_NEAR_F((double)find(&imp, "ECG_II")->start_ns, 768e6, 1000);
    ASSERT_EQ_INT(find(&imp, "ECG_II")->n_frames, 17536);
    ASSERT_EQ_INT(imp.n_events, 4);
    mc_import_free(&imp);
}

TEST(detect)
{
    const char *path = mc_test_shared("vital/test_data_demo.vital");
    FILE *f = fopen(path, "rb");
    ASSERT_TRUE(f != NULL);
    uint8_t head[4096];
    const size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    ASSERT_EQ_INT(mc_vital_detect(head, n, NULL), 1);
    ASSERT_EQ_INT(mc_vital_detect(head, n, "x.edf"), 1);
    ASSERT_EQ_INT(mc_vital_detect((const uint8_t *)"VITA\3\0\0\0", 8, NULL), 1);
    /* another gzip file is not a .vital file */
    uint8_t z[128];
    const size_t zn = gz((const uint8_t *)"hello world", 11, z, sizeof z);
    ASSERT_EQ_INT(mc_vital_detect(z, zn, NULL), 0);
    ASSERT_EQ_INT(mc_vital_detect((const uint8_t *)"0,1,2\n", 6, "a.csv"), 0);
    ASSERT_EQ_INT(mc_vital_detect((const uint8_t *)"", 0, "rec.vital"), 1);
    ASSERT_EQ_INT(mc_vital_detect(head, 1, "rec.vital"), 1); /* too short to tell */
}

/* ---- crafted files ---- */

static vbuf v;

TEST(gap_overlap_jitter)
{
    header(&v);
    devinfo(&v, 7, "SNUADC");
    trkinfo(&v, 1, 1, 5, "PLETH", "", 100, 0.5, 1);
    wave_rec(&v, 1, 999.0, 0, 0);       /* no samples: starts nothing */
    wave_rec(&v, 1, 1000.0, 10, 0);     /* frames 0..9 */
    wave_rec(&v, 1, 1000.1005, 10, 10); /* 0.5 ms late: continues, frames 10..19 */
    wave_rec(&v, 1, 1000.3, 10, 20);    /* 10 rows missing: gap 20..29, frames 30..39 */
    wave_rec(&v, 1, 1000.35, 10, 30);   /* 5 samples overlap: 35..39 dropped, frames 40..44 */
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    ASSERT_STATUS(mc_vital_parse(v.b, v.n, &imp, &d), MC_OK);
    ASSERT_TRUE(strstr(d.message, "5 overlapping samples of 'PLETH' dropped") != NULL);
    ASSERT_EQ_INT(imp.n_streams, 1);
    const mc_import_stream *s = &imp.streams[0];
    ASSERT_STR_EQ(s->info->device_model, "SNUADC");
    ASSERT_EQ_INT(s->info->modality, MC_MODALITY_PPG);
    ASSERT_EQ_INT(s->n_frames, 45);
    ASSERT_EQ_INT(s->n_gaps, 1);
    ASSERT_EQ_INT(s->gaps[0].first_index, 20);
    ASSERT_EQ_INT(s->gaps[0].n_missing, 10);
    ASSERT_STR_EQ(s->gaps[0].reason, "vital gap");
    ASSERT_NEAR_F(s->data[0], 1, 0);     /* 0 * 0.5 + 1 */
    ASSERT_NEAR_F(s->data[19], 10.5, 0); /* 19 * 0.5 + 1 */
    ASSERT_TRUE(isnan(s->data[25]));
    ASSERT_NEAR_F(s->data[30], 11, 0);   /* raw 20 */
    ASSERT_NEAR_F(s->data[40], 18.5, 0); /* raw 35: the first sample not overlapped */
    ASSERT_NEAR_F(s->info->channels[0].scale_gain, 2, 0);
    ASSERT_NEAR_F(s->info->channels[0].scale_offset, -2, 0);
    ASSERT_EQ_INT(imp.start_unix_ns, 1000000000000);
    mc_import_free(&imp);
}

TEST(every_recfmt)
{
    header(&v);
    const uint8_t b_f32[4] = {0x00, 0x00, 0xC0, 0x3F};       /* 1.5 */
    const uint8_t b_f64[8] = {0, 0, 0, 0, 0, 0, 0x04, 0x40}; /* 2.5 */
    const uint8_t b_i8[1] = {0xFE};                          /* -2 */
    const uint8_t b_u8[1] = {0xFE};                          /* 254 */
    const uint8_t b_i16[2] = {0x00, 0x80};                   /* -32768 */
    const uint8_t b_u16[2] = {0x00, 0x80};                   /* 32768 */
    const uint8_t b_i32[4] = {0xFF, 0xFF, 0xFF, 0xFF};       /* -1 */
    const uint8_t b_u32[4] = {0xFF, 0xFF, 0xFF, 0xFF};       /* 4294967295 */
    const uint8_t *vals[8] = {b_f32, b_f64, b_i8, b_u8, b_i16, b_u16, b_i32, b_u32};
    const size_t sizes[8] = {4, 8, 1, 1, 2, 2, 4, 4};
    /* float formats are physical already; integer formats get raw * 2 + 1 */
    const double expect[8] = {1.5, 2.5, -3, 509, -65535, 65537, -1, 8589934591.0};
    char name[16];
    for (int f = 1; f <= 8; f++) {
        snprintf(name, sizeof name, "N%d", f);
        trkinfo(&v, (uint16_t)f, 2, (uint8_t)f, name, "mmHg", 0, 2, 1);
    }
    trkinfo(&v, 9, 5, 1, "EVENT", "", 0, 1, 0);
    for (int f = 1; f <= 8; f++)
        num_rec(&v, (uint16_t)f, 2000.0 + f, vals[f - 1], sizes[f - 1]);
    str_rec(&v, 9, 1999.5, "Vent \xc3\xa9 Setting");
    /* a CMD packet and an unknown type are skipped */
    size_t s = begin_packet(&v, 6);
    put8(&v, 5);
    end_packet(&v, s);
    s = begin_packet(&v, 200);
    put32(&v, 1234);
    end_packet(&v, s);
    mc_import imp;
    mc_import_init(&imp);
    ASSERT_STATUS(mc_vital_parse(v.b, v.n, &imp, NULL), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 8);
    ASSERT_EQ_INT(imp.start_unix_ns, 1999500000000);
    for (int f = 1; f <= 8; f++) {
        const mc_import_stream *st = &imp.streams[f - 1];
        ASSERT_EQ_INT(st->n_frames, 1);
        ASSERT_NEAR_F(st->data[0], expect[f - 1], fabs(expect[f - 1]) * 1e-7);
        ASSERT_EQ_INT(st->t_ns[0], 500000000 + (int64_t)f * 1000000000);
        ASSERT_STR_EQ(st->info->channels[0].unit, "mm[Hg]");
    }
    ASSERT_EQ_INT(imp.n_events, 1);
    ASSERT_EQ_INT(imp.events[0].t_ns, 0);
    ASSERT_STR_EQ(imp.events[0].kind, "note");
    ASSERT_STR_EQ(imp.events[0].text, "Vent \xc3\xa9 Setting");
    mc_import_free(&imp);
}

TEST(concatenated_members)
{
    header(&v);
    trkinfo(&v, 1, 1, 6, "ECG", "mV", 250, 1, 0);
    wave_rec(&v, 1, 5000.0, 100, 0);
    wave_rec(&v, 1, 5000.4, 100, 100);
    static uint8_t z[1 << 17];
    const size_t half = v.n / 2;
    size_t zn = gz(v.b, half, z, sizeof z);
    zn += gz(v.b + half, v.n - half, z + zn, sizeof z - zn);
    memset(z + zn, 0, 16); /* zero padding after the last member is allowed */
    zn += 16;
    mc_import imp;
    mc_import_init(&imp);
    ASSERT_STATUS(mc_vital_read(z, zn, &imp, NULL), MC_OK);
    ASSERT_EQ_INT(imp.streams[0].n_frames, 200);
    ASSERT_NEAR_F(imp.streams[0].data[199], 199, 0);
    mc_import_free(&imp);
    /* garbage after a member is an error at its offset */
    z[zn - 16] = 'x';
    mc_diag d;
    ASSERT_STATUS(mc_vital_read(z, zn, &imp, &d), MC_EFORMAT);
    ASSERT_EQ_INT(d.offset, (int64_t)zn - 16);
    mc_import_free(&imp);
}

/* ---- malformed ---- */

static mc_status parse_err(const vbuf *b, mc_diag *d)
{
    mc_import imp;
    mc_import_init(&imp);
    mc_status st = mc_vital_parse(b->b, b->n, &imp, d);
    mc_import_free(&imp);
    return st;
}

TEST(truncated_everywhere)
{
    header(&v);
    trkinfo(&v, 1, 1, 5, "ECG", "mV", 100, 1, 0);
    trkinfo(&v, 2, 2, 1, "HR", "/min", 0, 1, 0);
    trkinfo(&v, 3, 5, 1, "EV", "", 0, 1, 0);
    wave_rec(&v, 1, 10.0, 20, 0);
    const float hr = 60;
    num_rec(&v, 2, 10.0, &hr, 4);
    str_rec(&v, 3, 10.0, "x");
    const vbuf full = v;
    /* every cut is either a packet boundary (OK) or one clear error inside [0, cut] */
    int ok = 0;
    for (size_t cut = 0; cut < full.n; cut++) {
        vbuf *c = malloc(sizeof *c);
        ASSERT_TRUE(c != NULL);
        memcpy(c->b, full.b, cut);
        c->n = cut;
        mc_diag d;
        mc_status st = parse_err(c, &d);
        if (st == MC_OK) {
            ok++;
        } else {
            ASSERT_STATUS(st, MC_EFORMAT);
            ASSERT_TRUE(d.offset >= 0 && d.offset <= (int64_t)cut);
            ASSERT_TRUE(strstr(d.message, "inflated byte") != NULL);
        }
        free(c);
    }
    ASSERT_EQ_INT(ok, 6); /* the header's end and the ends of the first 5 packets */
    /* and the gzip of the whole file, cut anywhere, is a truncation error */
    static uint8_t z[1 << 16];
    const size_t zn = gz(full.b, full.n, z, sizeof z);
    for (size_t cut = 0; cut < zn; cut++) {
        mc_import imp;
        mc_import_init(&imp);
        mc_diag d;
        ASSERT_STATUS(mc_vital_read(z, cut, &imp, &d), MC_EFORMAT);
        mc_import_free(&imp);
    }
}

TEST(bad_values)
{
    mc_diag d;
    header(&v);
    trkinfo(&v, 1, 1, 5, "ECG", "mV", 0, 1, 0);
    ASSERT_STATUS(parse_err(&v, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "impossible rate") != NULL);

    header(&v);
    trkinfo(&v, 1, 1, 5, "ECG", "mV", NAN, 1, 0);
    ASSERT_STATUS(parse_err(&v, &d), MC_EFORMAT);

    /* a gain whose inverse (the device scale) is not finite; float tracks ignore the gain */
    header(&v);
    trkinfo(&v, 1, 1, 5, "ECG", "mV", 100, 1e-320, 0);
    ASSERT_STATUS(parse_err(&v, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "impossible adc gain") != NULL);
    header(&v);
    trkinfo(&v, 1, 2, 1, "HR", "/min", 0, 0, 0);
    const float hr = 61;
    num_rec(&v, 1, 10.0, &hr, 4);
    ASSERT_STATUS(parse_err(&v, &d), MC_OK);

    header(&v);
    trkinfo(&v, 1, 2, 9, "HR", "/min", 0, 1, 0);
    ASSERT_STATUS(parse_err(&v, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "unknown recfmt 9") != NULL);

    header(&v);
    trkinfo(&v, 1, 2, 1, "H\xff\xfeR", "/min", 0, 1, 0);
    ASSERT_STATUS(parse_err(&v, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "UTF-8") != NULL);
    ASSERT_EQ_INT(d.offset, 20 + 5 + 4); /* header, packet header, length */

    /* a wave REC that claims 2^32-1 samples: one diagnostic, nothing allocated for them */
    header(&v);
    trkinfo(&v, 1, 1, 5, "ECG", "mV", 100, 1, 0);
    size_t s = begin_packet(&v, 1);
    put16(&v, 10);
    putf64(&v, 10.0);
    put16(&v, 1);
    put32(&v, 0xFFFFFFFF);
    put16(&v, 1);
    end_packet(&v, s);
    ASSERT_STATUS(parse_err(&v, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "declares 4294967295 samples") != NULL);

    /* a REC time that is not a number, or centuries away */
    header(&v);
    trkinfo(&v, 1, 1, 5, "ECG", "mV", 100, 1, 0);
    wave_rec(&v, 1, (double)NAN, 2, 0);
    ASSERT_STATUS(parse_err(&v, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "plausible") != NULL);
    header(&v);
    trkinfo(&v, 1, 1, 5, "ECG", "mV", 100, 1, 0);
    wave_rec(&v, 1, -1.0, 2, 0);
    ASSERT_STATUS(parse_err(&v, &d), MC_EFORMAT);
    header(&v);
    trkinfo(&v, 1, 1, 5, "ECG", "mV", 100, 1, 0);
    wave_rec(&v, 1, 5e9, 2, 0);
    ASSERT_STATUS(parse_err(&v, &d), MC_EFORMAT);

    /* a float64 value beyond the float range is an infinity, not undefined behaviour */
    header(&v);
    trkinfo(&v, 1, 2, 2, "X", "", 0, 1, 0);
    const double huge = -1e300;
    num_rec(&v, 1, 10.0, &huge, 8);
    mc_import imp_inf;
    mc_import_init(&imp_inf);
    ASSERT_STATUS(mc_vital_parse(v.b, v.n, &imp_inf, &d), MC_OK);
    ASSERT_TRUE(isinf(imp_inf.streams[0].data[0]) && imp_inf.streams[0].data[0] < 0);
    mc_import_free(&imp_inf);

    /* a jump of 10^9 s at 100 Hz: the gap passes the import's limit, one diagnostic */
    header(&v);
    trkinfo(&v, 1, 1, 5, "ECG", "mV", 100, 1, 0);
    wave_rec(&v, 1, 10.0, 2, 0);
    wave_rec(&v, 1, 1e9, 2, 0);
    ASSERT_STATUS(parse_err(&v, &d), MC_ENOMEM);

    /* a packet that claims 4 GiB */
    header(&v);
    put8(&v, 1);
    put32(&v, 0xFFFFFFFF);
    ASSERT_STATUS(parse_err(&v, &d), MC_EFORMAT);
    ASSERT_EQ_INT(d.offset, 20);

    /* not a vital file at all */
    const uint8_t junk[12] = "VITX\3\0\0\0\0\0\0";
    mc_import imp;
    mc_import_init(&imp);
    ASSERT_STATUS(mc_vital_parse(junk, sizeof junk, &imp, &d), MC_EFORMAT);
    ASSERT_STATUS(mc_vital_read(junk, sizeof junk, &imp, &d), MC_EFORMAT);
    mc_import_free(&imp);
}

TEST(gzip_bounds)
{
    /* 4 MiB of zeros inflate from a few KiB; with a 1 MiB limit that is one diagnostic */
    const size_t big = (size_t)4 << 20;
    uint8_t *zeros = calloc(big, 1);
    ASSERT_TRUE(zeros != NULL);
    memcpy(zeros, "VITA", 4);
    static uint8_t z[1 << 16];
    const size_t zn = gz(zeros, big, z, sizeof z);
    free(zeros);
    uint8_t *out;
    size_t len;
    mc_diag d;
    ASSERT_STATUS(mc_vital_inflate(z, zn, (size_t)1 << 20, &out, &len, &d), MC_ENOMEM);
    ASSERT_TRUE(out == NULL);
    ASSERT_TRUE(strstr(d.message, "more than the 1048576 bytes") != NULL);
    ASSERT_STATUS(mc_vital_inflate(z, zn, big, &out, &len, &d), MC_OK);
    ASSERT_EQ_INT(len, big);
    free(out);
    /* a corrupted deflate stream */
    z[20] ^= 0xFF;
    z[21] ^= 0xFF;
    mc_status st = mc_vital_inflate(z, zn, big, &out, &len, &d);
    ASSERT_TRUE(st == MC_EFORMAT);
    ASSERT_TRUE(out == NULL);
}

TEST(missing_file)
{
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    ASSERT_STATUS(mc_vital_import("/nonexistent/x.vital", &imp, &d), MC_ENOTFOUND);
    mc_import_free(&imp);
}

/* What `mcirc import` does: the import written as a session file and loaded back unchanged. */
TEST(session_round_trip)
{
    mc_import imp;
    mc_import_init(&imp);
    ASSERT_STATUS(mc_vital_import(mc_test_shared("vital/test_intelliue_demo2.vital"), &imp, NULL),
                  MC_OK);
    mc_rt_check(&imp, "demo2.h5");
    mc_import_free(&imp);
    header(&v);
    trkinfo(&v, 1, 1, 5, "PLETH", "", 100, 0.5, 1);
    wave_rec(&v, 1, 1000.0, 10, 0);
    wave_rec(&v, 1, 1000.3, 10, 20);
    mc_import_init(&imp);
    ASSERT_STATUS(mc_vital_parse(v.b, v.n, &imp, NULL), MC_OK);
    ASSERT_EQ_INT(imp.streams[0].n_gaps, 1);
    mc_rt_check(&imp, "gap.h5");
    mc_import_free(&imp);
}

/* Every prefix of a file, raw and gzip, ending at a PROT_NONE page. */
TEST(guard_page)
{
    header(&v);
    devinfo(&v, 7, "SNUADC");
    trkinfo(&v, 1, 1, 5, "ECG", "mV", 100, 1, 0);
    trkinfo(&v, 3, 5, 1, "EV", "", 0, 1, 0);
    wave_rec(&v, 1, 10.0, 20, 0);
    str_rec(&v, 3, 10.0, "x");
    static uint8_t z[1 << 16];
    const size_t zn = gz(v.b, v.n, z, sizeof z);
    for (int zipped = 0; zipped < 2; zipped++) {
        const uint8_t *src = zipped ? z : v.b;
        const size_t total = zipped ? zn : v.n;
        for (size_t n = 0; n <= total; n++) {
            mc_guard g;
            const uint8_t *p = (const uint8_t *)mc_guard_put(&g, src, n);
            ASSERT_TRUE(p != NULL);
            mc_import imp;
            mc_import_init(&imp);
            mc_status st = mc_vital_read(p, n, &imp, NULL);
            ASSERT_TRUE(n == total ? st == MC_OK : st != MC_OK || !zipped);
            (void)mc_vital_detect(p, n, NULL);
            mc_import_free(&imp);
            mc_guard_free(&g);
        }
    }
}

/* The three detectors on every kind of file of the shared data: each claims its own files only
 * (content first: the names are given too, as the lead's dispatch will). */
TEST(detect_among_other_files)
{
    static const struct {
        const char *rel;
        int vital, ge_s5;
    } files[] = {
        {"vital/test_intelliue_demo2.vital", 1, 0},
        {"vital/test_data_demo.vital", 1, 0},
        {"serial/ge_datex_s5/raw.raw", 0, 1},
        {"serial/ge_datex_s5/db01.raw", 0, 1},
        {"edf/chtypes_edf.edf", 0, 0},
        {"ppg/bidmc_01_Signals.csv", 0, 0},
        {"ppg/wfdb/v102s.hea", 0, 0},
        {"ppg/wfdb/v102s.dat", 0, 0},
        {"ppg/wfdb/mixedsignals/mixedsignals_p.dat", 0, 0},
        {"nirs/mnirs/portamon-oxcap.xlsx", 0, 0},
        {"nirs/mnirs/train.red_intervals.csv", 0, 0},
        {"nirs/nirx/NIRS-2019-08-23_001.wl1", 0, 0},
        {"nirs/nirx/NIRS-2019-08-23_001_probeInfo.mat", 0, 0},
        {"nirs/snirf/neuro_run01.snirf", 0, 0},
        {"ldf/ShabinaBP.txt", 0, 0},
        {"serial/vscapture_datex_as3/AS3ExampleData.csv", 0, 0},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        const char *path = mc_test_shared(files[i].rel);
        FILE *f = fopen(path, "rb");
        ASSERT_TRUE(f != NULL);
        uint8_t head[4096];
        const size_t n = fread(head, 1, sizeof head, f);
        fclose(f);
        const char *name = strrchr(path, '/') + 1;
        if (mc_vital_detect(head, n, name) != files[i].vital ||
            mc_ge_s5_detect(head, n, name) != files[i].ge_s5 || mc_masimo_detect(head, n, name))
            fprintf(stderr, "%s\n", files[i].rel);
        ASSERT_EQ_INT(mc_vital_detect(head, n, name), files[i].vital);
        ASSERT_EQ_INT(mc_ge_s5_detect(head, n, name), files[i].ge_s5);
        ASSERT_EQ_INT(mc_masimo_detect(head, n, name), 0);
    }
}
