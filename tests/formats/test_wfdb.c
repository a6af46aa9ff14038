/* SPDX-License-Identifier: MIT */
/* tests/formats/test_wfdb.c: the WFDB header parser, every signal decoder on crafted bytes, the
 * importer on the shared PhysioNet records (v102s, 041s, mixedsignals) against an independent
 * numpy decoding and the headers' own checksums, multi-segment gaps, malformed and truncated
 * inputs, and the format 16 exporter (round trips). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/export.h"
#include "formats/import.h"
#include "formats/wfdb.h"
#include "tests/harness.h"
#include "tests/util.h"

/* ---- an in-memory loader ---- */
typedef struct mem_entry {
    const char *name;
    const uint8_t *data;
    size_t len;
} mem_entry;

typedef struct mem_files {
    mem_entry e[8];
    int n;
} mem_files;

static mc_status mem_load(void *ctx, const char *name, uint8_t **buf, size_t *len, mc_diag *d)
{
    const mem_files *m = ctx;
    for (int i = 0; i < m->n; i++) {
        if (strcmp(m->e[i].name, name) == 0) {
            *buf = malloc(m->e[i].len ? m->e[i].len : 1);
            ASSERT_TRUE(*buf != NULL);
            memcpy(*buf, m->e[i].data, m->e[i].len);
            *len = m->e[i].len;
            return MC_OK;
        }
    }
    return mc_diag_set(d, MC_ENOTFOUND, -1, -1, "%s: not found", name);
}

static void add_file(mem_files *m, const char *name, const void *data, size_t len)
{
    m->e[m->n++] = (mem_entry){name, data, len};
}

static mc_status read_text(const char *hea, mem_files *m, mc_import *imp, mc_diag *d)
{
    mc_import_init(imp);
    const mc_status st =
        mc_wfdb_read("rec.hea", (const uint8_t *)hea, strlen(hea), mem_load, m, imp, d);
    if (st != MC_OK) /* shown when a case fails */
        fprintf(stderr, "mc_wfdb_read: %s\n", d->message);
    return st;
}

static mc_status parse_text(const char *text, mc_wfdb_header *h, mc_diag *d)
{
    return mc_wfdb_header_parse("x.hea", (const uint8_t *)text, strlen(text), h, d);
}

/* ---- header ---- */

TEST(header_v102s)
{
    const char *text = "v102s 4 250 75000\n"
                       "v102s.dat 212 2281/mV 0 0 -26 -9286 0 II\n"
                       "v102s.dat 212 1856/mV 0 0 340 2647 0 V\n"
                       "v102s.dat 212 1250/NU 0 0 -46 -11021 0 PLETH\n"
                       "v102s.dat 212 38880/NU 0 0 339 12236 0 RESP\n"
                       "#Ventricular_Tachycardia\n"
                       "#False alarm\n";
    mc_wfdb_header h;
    mc_diag d;
    ASSERT_STATUS(parse_text(text, &h, &d), MC_OK);
    ASSERT_STR_EQ(h.name, "v102s");
    ASSERT_EQ_INT(h.n_signals, 4);
    ASSERT_EQ_INT(h.n_segments, 0);
    ASSERT_NEAR_F(h.fs_hz, 250, 0);
    ASSERT_EQ_INT(h.n_frames, 75000);
    ASSERT_EQ_INT(h.has_time, 0);
    ASSERT_STR_EQ(h.signals[0].file, "v102s.dat");
    ASSERT_EQ_INT(h.signals[0].format, 212);
    ASSERT_EQ_INT(h.signals[0].spf, 1);
    ASSERT_NEAR_F(h.signals[0].gain, 2281, 0);
    ASSERT_STR_EQ(h.signals[0].units, "mV");
    ASSERT_EQ_INT(h.signals[0].adc_res, 12); /* 0 in the header: the format's default */
    ASSERT_EQ_INT(h.signals[0].init_value, -26);
    ASSERT_EQ_INT(h.signals[0].checksum, -9286);
    ASSERT_STR_EQ(h.signals[2].description, "PLETH");
    ASSERT_STR_EQ(h.signals[3].units, "NU");
    ASSERT_EQ_INT(h.signals[3].line, 5);
    ASSERT_STR_EQ(h.comments, "Ventricular_Tachycardia; False alarm");
    mc_wfdb_header_free(&h);
}

TEST(header_options_and_defaults)
{
    const char *text = "# leading comment\r\n"
                       "rec 3 62.4725/999.56(12) 14400 8:26:04.5 26/10/1994\r\n"
                       "a.dat 16x4:2+24 16(800)/mmHg 12 2048 5 -3 0 ABP mean pressure  \r\n"
                       "\r\n"
                       "a.dat 16\r\n"
                       "b.dat 212 0(7)\r\n";
    mc_wfdb_header h;
    mc_diag d;
    ASSERT_STATUS(parse_text(text, &h, &d), MC_OK);
    ASSERT_NEAR_F(h.fs_hz, 62.4725, 1e-12);
    ASSERT_NEAR_F(h.counter_hz, 999.56, 1e-12);
    ASSERT_EQ_INT(h.has_time, 1);
    ASSERT_NEAR_F(h.base_time_s, 8 * 3600 + 26 * 60 + 4.5, 1e-9);
    ASSERT_EQ_INT(h.has_date, 1);
    ASSERT_EQ_INT(h.day, 26);
    ASSERT_EQ_INT(h.month, 10);
    ASSERT_EQ_INT(h.year, 1994);
    const mc_wfdb_signal *s = &h.signals[0];
    ASSERT_EQ_INT(s->format, 16);
    ASSERT_EQ_INT(s->spf, 4);
    ASSERT_EQ_INT(s->skew, 2);
    ASSERT_EQ_INT(s->byte_offset, 24);
    ASSERT_NEAR_F(s->gain, 16, 0);
    ASSERT_EQ_INT(s->baseline, 800);
    ASSERT_STR_EQ(s->units, "mmHg");
    ASSERT_EQ_INT(s->adc_zero, 2048);
    ASSERT_STR_EQ(s->description, "ABP mean pressure");
    /* Defaults: gain 200, units mV, baseline = adc_zero = 0, no checksum, empty description. */
    s = &h.signals[1];
    ASSERT_NEAR_F(s->gain, 200, 0);
    ASSERT_EQ_INT(s->gain_given, 0);
    ASSERT_STR_EQ(s->units, "mV");
    ASSERT_EQ_INT(s->baseline, 0);
    ASSERT_EQ_INT(s->has_checksum, 0);
    ASSERT_STR_EQ(s->description, "");
    /* Gain 0 means uncalibrated: 200; the baseline in parentheses is kept. */
    s = &h.signals[2];
    ASSERT_NEAR_F(s->gain, 200, 0);
    ASSERT_EQ_INT(s->baseline, 7);
    ASSERT_EQ_INT(s->line, 6);
    mc_wfdb_header_free(&h);

    /* Record line with only name and nsig: fs 250, nsamp unknown. */
    ASSERT_STATUS(parse_text("r 0\n", &h, &d), MC_OK);
    ASSERT_NEAR_F(h.fs_hz, 250, 0);
    ASSERT_EQ_INT(h.n_frames, -1);
    mc_wfdb_header_free(&h);

    /* Multi-segment master header, verbatim 041s.hea. */
    ASSERT_STATUS(
        parse_text("041s/2 7 125 2000 8:26:04 26/10/1994\n041s01 1000\n041s02 1000\n", &h, &d),
        MC_OK);
    ASSERT_EQ_INT(h.n_segments, 2);
    ASSERT_EQ_INT(h.n_signals, 7);
    ASSERT_STR_EQ(h.name, "041s");
    ASSERT_STR_EQ(h.segments[1].name, "041s02");
    ASSERT_EQ_INT(h.segments[1].n_frames, 1000);
    mc_wfdb_header_free(&h);
}

TEST(header_malformed)
{
    static const struct {
        const char *text;
        int64_t line;
        const char *says;
    } cases[] = {
        {"", 0, "no record line"},
        {"# only a comment\n", 0, "no record line"},
        {"rec\n", 1, "record line"},
        {"rec x 250\n", 1, "number of signals"},
        {"rec 1 -5\n", 1, "sampling frequency"},
        {"rec 1 0\n", 1, "sampling frequency"},
        {"rec 1 nan\n", 1, "sampling frequency"},
        {"rec 1 2e7\n", 1, "sampling frequency"},
        {"rec 1 250 -1\n", 1, "samples"},
        {"rec 1 250 10 25:99:00\n", 1, "base time"},
        {"rec 1 250 10 0:0:0 32/01/2000\n", 1, "base date"},
        {"rec 2 250 10\nr.dat 16\n", 1, "declares 2 signals"},
        {"rec 1 250 10\nr.dat 999\n", 2, "unsupported signal format"},
        {"rec 1 250 10\nr.dat 16x0\n", 2, "samples per frame"},
        {"rec 1 250 10\nr.dat 16+-4\n", 2, "byte offset"},
        {"rec 1 250 10\nr.dat 16q\n", 2, "format field"},
        {"rec 1 250 10\nr.dat 16 abc\n", 2, "gain"},
        {"rec 1 250 10\nr.dat 16 200(x)\n", 2, "baseline"},
        {"rec 1 250 10\nr.dat 16 200/\n", 2, "units"},
        {"rec 1 250 10\nr.dat 16 200 12 z\n", 2, "ADC zero"},
        {"rec 1 250 10\nr.dat 16 200 12 0 0 0 0 \xff\xfe\n", 2, "UTF-8"},
        {"rec 1 250 10\nr.dat 16\nr.dat 16\n", 3, "more lines"},
        {"rec/2 1 250 10\nseg 5\nseg\n", 3, "segment line"},
        {"rec/1 1 250 10\n../etc 5\n", 2, "plain record name"},
        {"rec/0 1 250\n", 1, "segment count"},
        {"rec 1 250000 10\nr.dat 16x8\n", 2, "above 1 MHz"},
        {"rec 1 250 10\nr.dat 16 1e-30\n", 2, "gain"},
        {"rec 5000 250 10\n", 1, "number of signals"},
        {"rec 1 250 10\nr.dat 16:-1\n", 2, "skew"},
        {"rec 1 250 10 1:2:3 1/1/2000 extra\n", 1, "unexpected"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mc_wfdb_header h;
        mc_diag d;
        mc_diag_clear(&d);
        const mc_status st = parse_text(cases[i].text, &h, &d);
        if (st != MC_EFORMAT || !strstr(d.message, cases[i].says) ||
            (cases[i].line > 0 && d.line != cases[i].line)) {
            fprintf(stderr, "case %zu: status %d line %lld message '%s'\n", i, (int)st,
                    (long long)d.line, d.message);
            ASSERT_TRUE(0);
        }
        ASSERT_TRUE(strncmp(d.message, "x.hea: ", 7) == 0);
        mc_wfdb_header_free(&h);
    }
    /* A NUL byte: not a text header, with its offset. */
    mc_wfdb_header h;
    mc_diag d;
    const uint8_t bin[] = {'r', ' ', '1', 0, '\n'};
    ASSERT_STATUS(mc_wfdb_header_parse("x.hea", bin, sizeof bin, &h, &d), MC_EFORMAT);
    ASSERT_EQ_INT(d.offset, 3);
    mc_wfdb_header_free(&h);
}

/* ---- decoders ---- */

/* Decode from a heap buffer of exactly len bytes (AddressSanitizer sees a read past it). */
static size_t decode(int format, const uint8_t *bytes, size_t len, int64_t first, size_t n,
                     int32_t *out)
{
    uint8_t *b = malloc(len ? len : 1);
    ASSERT_TRUE(b != NULL);
    memcpy(b, bytes, len);
    const size_t got = mc_wfdb_decode(format, b, len, first, n, out);
    free(b);
    return got;
}

TEST(decode_every_format)
{
    int32_t v[8];
    /* 16: little-endian two's complement. */
    const uint8_t f16[] = {0x01, 0x00, 0xFF, 0xFF, 0x00, 0x80, 0xFF, 0x7F, 0x34};
    ASSERT_EQ_INT(decode(16, f16, sizeof f16, 0, 8, v), 4);
    ASSERT_EQ_INT(v[0], 1);
    ASSERT_EQ_INT(v[1], -1);
    ASSERT_EQ_INT(v[2], -32768);
    ASSERT_EQ_INT(v[3], 32767);
    ASSERT_EQ_INT(decode(16, f16, sizeof f16, 2, 8, v), 2);
    ASSERT_EQ_INT(v[0], -32768);
    /* 61: big-endian. */
    const uint8_t f61[] = {0x00, 0x01, 0xFF, 0xFE};
    ASSERT_EQ_INT(decode(61, f61, sizeof f61, 0, 2, v), 2);
    ASSERT_EQ_INT(v[0], 1);
    ASSERT_EQ_INT(v[1], -2);
    /* 80: offset binary; 160: 16-bit offset binary. */
    const uint8_t f80[] = {0x00, 0x80, 0xFF};
    ASSERT_EQ_INT(decode(80, f80, sizeof f80, 0, 3, v), 3);
    ASSERT_EQ_INT(v[0], -128);
    ASSERT_EQ_INT(v[1], 0);
    ASSERT_EQ_INT(v[2], 127);
    const uint8_t f160[] = {0x00, 0x00, 0x01, 0x80};
    ASSERT_EQ_INT(decode(160, f160, sizeof f160, 0, 2, v), 2);
    ASSERT_EQ_INT(v[0], -32768);
    ASSERT_EQ_INT(v[1], 1);
    /* 8: raw first differences (signed bytes). */
    const uint8_t f8[] = {0x05, 0xFB, 0x80};
    ASSERT_EQ_INT(decode(8, f8, sizeof f8, 0, 3, v), 3);
    ASSERT_EQ_INT(v[0], 5);
    ASSERT_EQ_INT(v[1], -5);
    ASSERT_EQ_INT(v[2], -128);
    /* 24 and 32. */
    const uint8_t f24[] = {0xFE, 0xFF, 0xFF, 0x00, 0x00, 0x80, 0x01, 0x02};
    ASSERT_EQ_INT(decode(24, f24, sizeof f24, 0, 3, v), 2);
    ASSERT_EQ_INT(v[0], -2);
    ASSERT_EQ_INT(v[1], -8388608);
    const uint8_t f32[] = {0xFD, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x80, 0x78, 0x56, 0x34, 0x12};
    ASSERT_EQ_INT(decode(32, f32, sizeof f32, 0, 3, v), 3);
    ASSERT_EQ_INT(v[0], -3);
    ASSERT_EQ_INT(v[1], INT32_MIN);
    ASSERT_EQ_INT(v[2], 0x12345678);
    /* 212: s0 = b0 | (b1 & 0x0F) << 8, s1 = b2 | (b1 & 0xF0) << 4, 12-bit; an odd count ends
     * with a two-byte group. Values 1000, -1, -2048, 2047, then -5 alone. */
    const uint8_t f212[] = {0xE8, 0xF3, 0xFF, 0x00, 0x78, 0xFF, 0xFB, 0x0F};
    ASSERT_EQ_INT(mc_wfdb_samples_in(212, sizeof f212), 5);
    ASSERT_EQ_INT(decode(212, f212, sizeof f212, 0, 8, v), 5);
    ASSERT_EQ_INT(v[0], 1000);
    ASSERT_EQ_INT(v[1], -1);
    ASSERT_EQ_INT(v[2], -2048);
    ASSERT_EQ_INT(v[3], 2047);
    ASSERT_EQ_INT(v[4], -5);
    ASSERT_EQ_INT(decode(212, f212, sizeof f212, 3, 1, v), 1);
    ASSERT_EQ_INT(v[0], 2047);
    ASSERT_EQ_INT(decode(212, f212, 7, 0, 8, v), 4); /* 7 bytes: the fifth sample is cut */
    /* 310: words w0, w1; s0 = w0 bits 1-10, s1 = w1 bits 1-10, s2 = w0 bits 11-15 (low) and w1
     * bits 11-15 (high). Samples 5, -3, -300: w0 = 5<<1 | (-300 & 0x1F)<<11,
     * w1 = (-3 & 0x3FF)<<1 | ((-300 & 0x3FF) >> 5)<<11. Then one lone sample 511 (2 bytes). */
    {
        const uint32_t s2 = (uint32_t)(-300) & 0x3FF;
        const uint32_t w0 = 5u << 1 | (s2 & 0x1F) << 11;
        const uint32_t w1 = ((uint32_t)(-3) & 0x3FF) << 1 | (s2 >> 5) << 11;
        const uint32_t w2 = 511u << 1;
        const uint8_t f310[] = {(uint8_t)w0,        (uint8_t)(w0 >> 8), (uint8_t)w1,
                                (uint8_t)(w1 >> 8), (uint8_t)w2,        (uint8_t)(w2 >> 8)};
        ASSERT_EQ_INT(decode(310, f310, sizeof f310, 0, 8, v), 4);
        ASSERT_EQ_INT(v[0], 5);
        ASSERT_EQ_INT(v[1], -3);
        ASSERT_EQ_INT(v[2], -300);
        ASSERT_EQ_INT(v[3], 511);
    }
    /* 311: one 32-bit word, samples at bits 0-9, 10-19, 20-29: -512, 7, -1; then 3 bytes hold
     * two more (100, -100). */
    {
        const uint32_t w = 0x200u | 7u << 10 | 0x3FFu << 20;
        const uint32_t w2 = 100u | ((uint32_t)(-100) & 0x3FF) << 10;
        const uint8_t f311[] = {(uint8_t)w,         (uint8_t)(w >> 8), (uint8_t)(w >> 16),
                                (uint8_t)(w >> 24), (uint8_t)w2,       (uint8_t)(w2 >> 8),
                                (uint8_t)(w2 >> 16)};
        ASSERT_EQ_INT(mc_wfdb_samples_in(311, sizeof f311), 5);
        ASSERT_EQ_INT(decode(311, f311, sizeof f311, 0, 8, v), 5);
        ASSERT_EQ_INT(v[0], -512);
        ASSERT_EQ_INT(v[1], 7);
        ASSERT_EQ_INT(v[2], -1);
        ASSERT_EQ_INT(v[3], 100);
        ASSERT_EQ_INT(v[4], -100);
    }
    /* Out of range requests decode nothing. */
    ASSERT_EQ_INT(decode(16, f16, sizeof f16, 4, 2, v), 0);
    ASSERT_EQ_INT(decode(16, f16, sizeof f16, -1, 2, v), 0);
    ASSERT_EQ_INT(mc_wfdb_samples_in(0, 100), 0);
    int32_t inv;
    ASSERT_TRUE(mc_wfdb_invalid_value(212, &inv) && inv == -2048);
    ASSERT_TRUE(mc_wfdb_invalid_value(516, &inv) && inv == -32768);
    ASSERT_TRUE(!mc_wfdb_invalid_value(8, &inv));
}

TEST(import_crafted_interleaved)
{
    /* Two files: a.dat holds A (16x2) and B (16) interleaved with a 4-byte offset; b.dat holds C
     * in format 8 (differences from init 10). Frame rate 100 Hz, 3 frames. */
    const int16_t a[] = {1, 2, 100, 3, 4, -32768, 5, 6, 300};
    uint8_t abytes[4 + sizeof a];
    memset(abytes, 0xEE, 4);
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
        abytes[4 + 2 * i] = (uint8_t)((uint16_t)a[i] & 0xFF);
        abytes[4 + 2 * i + 1] = (uint8_t)((uint16_t)a[i] >> 8);
    }
    const uint8_t b[] = {0, 0xFE, 5};
    const char *hea = "rec 3 100 3 23:59:59 31/12/1999\n"
                      "a.dat 16x2+4 2(1)/uV 16 0 1 21 0 A\n"
                      "a.dat 16+4 100/mmHg 16 0 100 -32368 0 B\n"
                      "b.dat 8 10/% 8 0 10 31 0 C\n";
    mem_files m = {.n = 0};
    add_file(&m, "a.dat", abytes, sizeof abytes);
    add_file(&m, "b.dat", b, sizeof b);
    mc_import imp;
    mc_diag d;
    mc_diag_clear(&d);
    ASSERT_STATUS(read_text(hea, &m, &imp, &d), MC_OK);
    ASSERT_STR_EQ(imp.format, "wfdb");
    ASSERT_STR_EQ(imp.source, "rec.hea");
    ASSERT_EQ_INT(imp.start_unix_ns, 946684799LL * 1000000000LL);
    ASSERT_EQ_INT(imp.n_streams, 3);
    const mc_import_stream *sa = &imp.streams[0], *sb = &imp.streams[1], *sc = &imp.streams[2];
    ASSERT_STR_EQ(sa->info->name, "A");
    ASSERT_NEAR_F(sa->info->rate_hz, 200, 0);
    ASSERT_EQ_INT(sa->n_frames, 6);
    static const float want_a[] = {0, 0.5f, 1, 1.5f, 2, 2.5f};
    for (int i = 0; i < 6; i++)
        ASSERT_NEAR_F(sa->data[i], want_a[i], 1e-6);
    ASSERT_STR_EQ(sa->info->channels[0].unit, "uV");
    ASSERT_NEAR_F(sa->info->channels[0].scale_gain, 2, 0);
    ASSERT_NEAR_F(sa->info->channels[0].scale_offset, 1, 0);
    ASSERT_EQ_INT(sb->n_frames, 3);
    ASSERT_NEAR_F(sb->data[0], 1.0, 1e-6);
    ASSERT_TRUE(isnan(sb->data[1])); /* -32768: invalid */
    ASSERT_NEAR_F(sb->data[2], 3.0, 1e-6);
    ASSERT_STR_EQ(sb->info->channels[0].unit, "mm[Hg]");
    ASSERT_STR_EQ(mc_stream_info_get_attr(sb->info, "wfdb_format"), "16");
    ASSERT_EQ_INT(sc->n_frames, 3); /* 10, 8, 13 */
    ASSERT_NEAR_F(sc->data[0], 1.0, 1e-6);
    ASSERT_NEAR_F(sc->data[1], 0.8, 1e-6);
    ASSERT_NEAR_F(sc->data[2], 1.3, 1e-6);
    mc_import_free(&imp);
}

/* ---- the shared records ---- */

static const char *shared_dir(const char *rel_hea)
{
    static char dir[1024];
    const char *path = mc_test_shared(rel_hea);
    snprintf(dir, sizeof dir, "%s", path);
    return dir;
}

TEST(v102s_matches_numpy)
{
    const char *path = shared_dir("ppg/wfdb/v102s.hea");
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    mc_diag_clear(&d);
    ASSERT_STATUS(mc_wfdb_import(path, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 4);
    ASSERT_EQ_INT(imp.start_unix_ns, MC_IMPORT_NO_TIME);
    ASSERT_STR_EQ(imp.source, "v102s.hea");
    static const char *const names[] = {"II", "V", "PLETH", "RESP"};
    static const char *const units[] = {"mV", "mV", "NU", "NU"};
    static const double gains[] = {2281, 1856, 1250, 38880};
    /* The first 10 digital values of each signal, from tests/formats/wfdb_numpy_check.py's
     * numpy decoding of the 212 bytes (and the header's init values -26, 340, -46, 339). */
    static const int first[4][10] = {
        {-26, -18, 13, 55, 105, 155, 205, 253, 308, 377},
        {340, 471, 505, 501, 521, 565, 603, 623, 639, 664},
        {-46, 1410, 1545, 1074, 841, 942, 1000, 822, 605, 534},
        {339, 462, 477, 441, 420, 424, 433, 433, 435, 442},
    };
    static const int invalid[4] = {3, 2, 17, 1}; /* samples equal to -2048 (numpy) */
    for (int k = 0; k < 4; k++) {
        const mc_import_stream *s = &imp.streams[k];
        ASSERT_STR_EQ(s->info->name, names[k]);
        ASSERT_STR_EQ(s->info->channels[0].unit, units[k]);
        ASSERT_NEAR_F(s->info->rate_hz, 250, 0);
        ASSERT_EQ_INT(s->n_frames, 75000); /* 300 s */
        for (int i = 0; i < 10; i++)
            ASSERT_NEAR_F(s->data[i], (float)(first[k][i] / gains[k]), 1e-7);
        int nan = 0;
        for (int64_t i = 0; i < s->n_frames; i++)
            nan += isnan(s->data[i]);
        ASSERT_EQ_INT(nan, invalid[k]);
        ASSERT_EQ_INT(s->n_gaps, 0);
    }
    ASSERT_EQ_INT(imp.streams[2].info->modality, MC_MODALITY_PPG);
    ASSERT_EQ_INT(imp.streams[0].info->modality, MC_MODALITY_OTHER);
    mc_import_free(&imp);
}

TEST(multisegment_041s)
{
    const char *path = shared_dir("ppg/wfdb/041s/041s.hea");
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    mc_diag_clear(&d);
    ASSERT_STATUS(mc_wfdb_import(path, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 7);
    /* 8:26:04 26/10/1994 (taken as UTC: WFDB times carry no zone). */
    ASSERT_EQ_INT(imp.start_unix_ns, 783159964LL * 1000000000LL); /* calendar.timegm */
    static const char *const names[] = {"III", "I", "V", "ABP", "PAP", "PLETH", "RESP"};
    /* First frame of each segment (numpy over the 212 bytes); ECG signals 4 samples a frame. */
    static const int seg1[7] = {168, 2, 155, -242, 706, -841, 401};
    static const int seg2[7] = {-103, -64, 89, -715, -583, -840, -861};
    static const double gain[7] = {2000, 2000, 2000, 20, 80, 2000, 2000};
    static const double base[7] = {0, 0, 0, -1600, -1600, 0, 0};
    for (int k = 0; k < 7; k++) {
        const mc_import_stream *s = &imp.streams[k];
        const int spf = k < 3 ? 4 : 1;
        ASSERT_STR_EQ(s->info->name, names[k]);
        ASSERT_NEAR_F(s->info->rate_hz, 125.0 * spf, 0);
        ASSERT_EQ_INT(s->n_frames, 2000 * spf); /* 16 s */
        ASSERT_NEAR_F(s->data[0], (seg1[k] - base[k]) / gain[k], 1e-5);
        ASSERT_NEAR_F(s->data[1000 * spf], (seg2[k] - base[k]) / gain[k], 1e-5);
        ASSERT_EQ_INT(s->n_gaps, 0);
    }
    ASSERT_STR_EQ(imp.streams[3].info->channels[0].unit, "mm[Hg]");
    ASSERT_STR_EQ(imp.streams[0].info->channels[0].unit, "mV"); /* no units: WFDB's default */
    ASSERT_EQ_INT(imp.streams[5].info->modality, MC_MODALITY_PPG);
    /* numpy: III's first frame is 168, 168, 166, 164. */
    ASSERT_NEAR_F(imp.streams[0].data[3], 164 / 2000.0, 1e-7);
    mc_import_free(&imp);
}

TEST(flac_mixedsignals)
{
    const char *path = shared_dir("ppg/wfdb/mixedsignals/mixedsignals.hea");
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    mc_diag_clear(&d);
    /* Success means each signal's 16-bit sum equals the header's checksum (24460, 19772, ...),
     * which WFDB computed when it wrote the record: a libsndfile-independent check of every
     * sample. */
    ASSERT_STATUS(mc_wfdb_import(path, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 6);
    static const char *const names[] = {"II", "III", "V", "ABP", "Pleth", "Resp"};
    static const int spf[] = {4, 4, 4, 2, 2, 1};
    /* Invalid samples (-32768) as decoded here: the ECG leads start with 256 invalid frames. */
    static const int invalid[] = {1024, 1024, 1024, 192, 0, 0};
    for (int k = 0; k < 6; k++) {
        const mc_import_stream *s = &imp.streams[k];
        ASSERT_STR_EQ(s->info->name, names[k]);
        ASSERT_NEAR_F(s->info->rate_hz, 62.4725 * spf[k], 1e-9);
        ASSERT_EQ_INT(s->n_frames, 14400 * spf[k]); /* 230.5 s */
        int nan = 0;
        for (int64_t i = 0; i < s->n_frames; i++)
            nan += isnan(s->data[i]);
        ASSERT_EQ_INT(nan, invalid[k]);
    }
    for (int i = 0; i < 1024; i++)
        ASSERT_TRUE(isnan(imp.streams[0].data[i]));
    ASSERT_TRUE(!isnan(imp.streams[0].data[1024]));
    /* The header's initial values (0) are the first samples of Pleth and Resp. */
    ASSERT_NEAR_F(imp.streams[4].data[0], 0, 0);
    ASSERT_NEAR_F(imp.streams[5].data[0], (0 - 2) / 4093.0, 1e-7);
    ASSERT_NEAR_F(imp.streams[0].info->rate_hz, 249.89, 0.001);
    ASSERT_STR_EQ(imp.streams[3].info->channels[0].unit, "mm[Hg]");
    ASSERT_STR_EQ(imp.streams[5].info->channels[0].unit, "Ohm");
    ASSERT_EQ_INT(imp.streams[4].info->modality, MC_MODALITY_PPG);
    /* Pleth: gain 4096, baseline 0: values within the 12-bit ADC range [0, 4095]/4096 or NaN. */
    const mc_import_stream *p = &imp.streams[4];
    for (int64_t i = 0; i < p->n_frames; i++)
        ASSERT_TRUE(isnan(p->data[i]) || (p->data[i] >= 0 && p->data[i] < 1));
    mc_import_free(&imp);
}

/* ---- multi-segment gaps, layouts, truncation, huge claims ---- */

TEST(multisegment_gaps_and_layout)
{
    /* Variable layout: the layout lists X and Y; seg1 has Y only (16), a "~" gap of 2 frames,
     * seg2 is missing on disk, seg3 has X and Y swapped. */
    const char *master = "rec/5 2 10 11\n"
                         "rec_layout 0\n"
                         "seg1 3\n"
                         "~ 2\n"
                         "seg2 4\n"
                         "seg3 2\n";
    const char *layout = "rec_layout 2 10 0\n~ 0 100/mV 16 0 0 0 0 X\n~ 0 1/mmHg 16 0 0 0 0 Y\n";
    const char *seg1 = "seg1 1 10 3\nseg1.dat 16 1/mmHg 16 0 7 24 0 Y\n";
    const char *seg3 = "seg3 2 10 2\nseg3.dat 16 1/mmHg 16 0 1 3 0 Y\nseg3.dat 16 100/mV 16 0 "
                       "200 300 0 X\n";
    const uint8_t d1[] = {7, 0, 8, 0, 9, 0};
    const uint8_t d3[] = {1, 0, 200, 0, 2, 0, 100, 0};
    mem_files m = {.n = 0};
    add_file(&m, "rec_layout.hea", layout, strlen(layout));
    add_file(&m, "seg1.hea", seg1, strlen(seg1));
    add_file(&m, "seg1.dat", d1, sizeof d1);
    add_file(&m, "seg3.hea", seg3, strlen(seg3));
    add_file(&m, "seg3.dat", d3, sizeof d3);
    mc_import imp;
    mc_diag d;
    mc_diag_clear(&d);
    ASSERT_STATUS(read_text(master, &m, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 2);
    const mc_import_stream *x = &imp.streams[0], *y = &imp.streams[1];
    ASSERT_STR_EQ(x->info->name, "X");
    ASSERT_EQ_INT(x->n_frames, 11);
    ASSERT_EQ_INT(y->n_frames, 11);
    static const float want_y[11] = {7, 8, 9, NAN, NAN, NAN, NAN, NAN, NAN, 1, 2};
    static const float want_x[11] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, 2, 1};
    for (int i = 0; i < 11; i++) {
        ASSERT_TRUE(isnan(want_y[i]) ? isnan(y->data[i]) : y->data[i] == want_y[i]);
        ASSERT_TRUE(isnan(want_x[i]) ? isnan(x->data[i]) : x->data[i] == want_x[i]);
    }
    /* Gaps: Y: "~" (3, 2) and missing seg2 (5, 4); X also lacks seg1 (0, 3). */
    ASSERT_EQ_INT(y->n_gaps, 2);
    ASSERT_EQ_INT(y->gaps[0].first_index, 3);
    ASSERT_EQ_INT(y->gaps[0].n_missing, 2);
    ASSERT_STR_EQ(y->gaps[0].reason, "wfdb gap");
    ASSERT_EQ_INT(y->gaps[1].first_index, 5);
    ASSERT_EQ_INT(y->gaps[1].n_missing, 4);
    ASSERT_STR_EQ(y->gaps[1].reason, "missing segment");
    ASSERT_EQ_INT(x->n_gaps, 3);
    ASSERT_STR_EQ(x->gaps[0].reason, "wfdb signal absent");
    mc_import_free(&imp);

    /* A segment whose .dat is shorter than the master says: NaN rows and a gap, later segments
     * keep their place. */
    const char *m2 = "r/2 1 10 6\nsa 3\nsb 3\n";
    const char *sa = "sa 1 10 3\nsa.dat 16 1 16 0 0 0 0 S\n";
    const char *sb = "sb 1 10 3\nsb.dat 16 1 16 0 0 15 0 S\n";
    const uint8_t da[] = {1, 0}, db[] = {4, 0, 5, 0, 6, 0};
    mem_files m3 = {.n = 0};
    add_file(&m3, "sa.hea", sa, strlen(sa));
    add_file(&m3, "sa.dat", da, sizeof da);
    add_file(&m3, "sb.hea", sb, strlen(sb));
    add_file(&m3, "sb.dat", db, sizeof db);
    ASSERT_STATUS(read_text(m2, &m3, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.streams[0].n_frames, 6);
    ASSERT_NEAR_F(imp.streams[0].data[0], 1, 0);
    ASSERT_TRUE(isnan(imp.streams[0].data[1]) && isnan(imp.streams[0].data[2]));
    ASSERT_NEAR_F(imp.streams[0].data[3], 4, 0);
    ASSERT_EQ_INT(imp.streams[0].n_gaps, 1);
    ASSERT_STR_EQ(imp.streams[0].gaps[0].reason, "wfdb truncated");
    mc_import_free(&imp);

    /* Adjacent gaps with one reason make one row: sa, "~" 2, two missing segments (3 + 4), sb. */
    const char *m4 = "r/5 1 10 15\nsa 3\n~ 2\ngone1 3\ngone2 4\nsb 3\n";
    const uint8_t da3[] = {1, 0, 2, 0, 3, 0};
    const char *sa3 = "sa 1 10 3\nsa.dat 16 1 16 0 1 6 0 S\n";
    m3.e[0].data = (const uint8_t *)sa3;
    m3.e[0].len = strlen(sa3);
    m3.e[1].data = da3;
    m3.e[1].len = sizeof da3;
    ASSERT_STATUS(read_text(m4, &m3, &imp, &d), MC_OK);
    const mc_import_stream *s4 = &imp.streams[0];
    ASSERT_EQ_INT(s4->n_frames, 15);
    ASSERT_EQ_INT(s4->n_gaps, 2);
    ASSERT_EQ_INT(s4->gaps[0].first_index, 3);
    ASSERT_EQ_INT(s4->gaps[0].n_missing, 2);
    ASSERT_EQ_INT(s4->gaps[1].first_index, 5);
    ASSERT_EQ_INT(s4->gaps[1].n_missing, 7);
    ASSERT_STR_EQ(s4->gaps[1].reason, "missing segment");
    ASSERT_NEAR_F(s4->data[12], 4, 0);
    mc_import_free(&imp);
}

TEST(truncated_and_huge)
{
    /* Single segment, 5 frames declared, 3 present: the 3 are imported, the stream says so. */
    const char *hea = "r 1 10 5\nr.dat 16 1 16 0 0 6 0 S\n";
    const uint8_t dat[] = {1, 0, 2, 0, 3, 0, 9};
    mem_files m = {.n = 0};
    add_file(&m, "r.dat", dat, sizeof dat);
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_text(hea, &m, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.streams[0].n_frames, 3);
    ASSERT_STR_EQ(mc_stream_info_get_attr(imp.streams[0].info, "wfdb_truncated"),
                  "r.dat holds 3 of the 5 frames the header declares");
    mc_import_free(&imp);

    /* 2^40 frames declared, 3 present: what is there, no allocation for the claim. */
    const char *huge = "r 1 10 1099511627776 7:05:03.25\nr.dat 16 1 16 0 0 6 0 S\n";
    ASSERT_STATUS(read_text(huge, &m, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.streams[0].n_frames, 3);
    /* A base time without a date: no absolute start, the time kept as an attribute. */
    ASSERT_EQ_INT(imp.start_unix_ns, MC_IMPORT_NO_TIME);
    ASSERT_STR_EQ(mc_stream_info_get_attr(imp.streams[0].info, "wfdb_base_time"), "07:05:03.250");
    mc_import_free(&imp);

    /* A multi-segment "~" gap of 2^40 frames: one diagnostic (the memory bound), at once. */
    const char *gap = "r/2 1 10 1099511627777\nsa 1\n~ 1099511627776\n";
    const char *sa = "sa 1 10 1\nsa.dat 16 1 16 0 0 1 0 S\n";
    const uint8_t da[] = {1, 0};
    mem_files m2 = {.n = 0};
    add_file(&m2, "sa.hea", sa, strlen(sa));
    add_file(&m2, "sa.dat", da, sizeof da);
    mc_diag_clear(&d);
    ASSERT_STATUS(read_text(gap, &m2, &imp, &d), MC_ENOMEM);
    ASSERT_TRUE(strstr(d.message, "import limit") != NULL || strstr(d.message, "memory") != NULL);
    mc_import_free(&imp);

    /* The signal file of a single-segment record is missing: a clear error naming it. */
    mem_files none = {.n = 0};
    mc_diag_clear(&d);
    ASSERT_STATUS(read_text(hea, &none, &imp, &d), MC_ENOTFOUND);
    ASSERT_TRUE(strstr(d.message, "r.dat") != NULL);
    ASSERT_EQ_INT(d.line, 2);
    mc_import_free(&imp);
}

TEST(signal_file_outside_the_folder)
{
    /* The real loader refuses a signal file that climbs out of the header's folder. */
    const char *hea_path = mc_test_tmp_path("up.hea");
    FILE *f = fopen(hea_path, "w");
    ASSERT_TRUE(f != NULL);
    fputs("up 1 10 1\n../up.dat 16\n", f);
    ASSERT_EQ_INT(fclose(f), 0);
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    mc_diag_clear(&d);
    ASSERT_STATUS(mc_wfdb_import(hea_path, &imp, &d), MC_EFORMAT);
    ASSERT_EQ_INT(d.line, 2);
    ASSERT_TRUE(strstr(d.message, "beside") != NULL);
    mc_import_free(&imp);
}

TEST(bad_checksum_and_formats)
{
    const char *hea = "r 1 10 3\nr.dat 16 1 16 0 1 7 0 S\n"; /* 1 + 2 + 3 = 6, not 7 */
    const uint8_t dat[] = {1, 0, 2, 0, 3, 0};
    mem_files m = {.n = 0};
    add_file(&m, "r.dat", dat, sizeof dat);
    mc_import imp;
    mc_diag d;
    mc_diag_clear(&d);
    ASSERT_STATUS(read_text(hea, &m, &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "checksum 7") != NULL);
    ASSERT_EQ_INT(d.line, 2);
    mc_import_free(&imp);

    /* Two formats in one file; a FLAC format over bytes that are not FLAC. */
    const char *mixed = "r 2 10 3\nr.dat 16\nr.dat 212\n";
    mc_diag_clear(&d);
    ASSERT_STATUS(read_text(mixed, &m, &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "same format") != NULL);
    mc_import_free(&imp);
    const char *flac = "r 1 10 3\nr.dat 516\n";
    mc_diag_clear(&d);
    ASSERT_STATUS(read_text(flac, &m, &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "r.dat: byte 0") == d.message);
    mc_import_free(&imp);
}

TEST(detect)
{
    const char *v = "v102s 4 250 75000\nv102s.dat 212 2281/mV 0 0 -26 -9286 0 II\n";
    ASSERT_EQ_INT(mc_wfdb_detect((const uint8_t *)v, strlen(v), "v102s.hea"), 1);
    ASSERT_EQ_INT(mc_wfdb_detect((const uint8_t *)v, strlen(v), "data.bin"), 1);
    ASSERT_EQ_INT(mc_wfdb_detect((const uint8_t *)v, strlen(v), NULL), 1);
    const char *m = "041s/2 7 125 2000 8:26:04 26/10/1994\n041s01 1000\n041s02 1000\n";
    ASSERT_EQ_INT(mc_wfdb_detect((const uint8_t *)m, strlen(m), "x"), 1);
    const char *csv = "Time [s], RESP, PLETH\n0,0.35,0.43\n";
    ASSERT_EQ_INT(mc_wfdb_detect((const uint8_t *)csv, strlen(csv), "x.csv"), 0);
    const char *edf = "0       X X X 01.01.01";
    ASSERT_EQ_INT(mc_wfdb_detect((const uint8_t *)edf, strlen(edf), "x.edf"), 0);
    const char *ini = "[GeneralInfo]\nDevice=\"NIRScout\"\n";
    ASSERT_EQ_INT(mc_wfdb_detect((const uint8_t *)ini, strlen(ini), "x.hdr"), 0);
    /* A whole file without a final newline. */
    const char *one = "r 1 10 3\nr.dat 16";
    ASSERT_EQ_INT(mc_wfdb_detect((const uint8_t *)one, strlen(one), "x"), 1);
    const char *words = "hello 3 world\nfoo bar\n";
    ASSERT_EQ_INT(mc_wfdb_detect((const uint8_t *)words, strlen(words), "notes.txt"), 0);
}

/* ---- export ---- */

static void add_sine(mc_import *imp, const char *name, double rate, int64_t n, double amp,
                     double offset, int64_t start_ns)
{
    mc_channel_info ch = {"value", "mm[Hg]", 1, 0};
    mc_stream_info info = {.name = name, .n_channels = 1, .channels = &ch, .rate_hz = rate};
    size_t k;
    ASSERT_STATUS(mc_import_add_stream(imp, &info, start_ns, &k, NULL), MC_OK);
    float *x = malloc((size_t)n * sizeof *x);
    ASSERT_TRUE(x != NULL);
    for (int64_t i = 0; i < n; i++)
        x[i] = (float)(offset + amp * sin(2 * M_PI * 1.3 * (double)i / rate));
    if (n > 10)
        x[10] = NAN;
    ASSERT_STATUS(mc_import_append(imp, k, (size_t)n, x, NULL, NULL), MC_OK);
    free(x);
}

/* Every sample of `a` within half a quantum of `b` (range / 65000), NaN where NaN. */
static void assert_same_stream(const mc_import_stream *a, const mc_import_stream *b)
{
    ASSERT_EQ_INT(b->n_frames, a->n_frames);
    ASSERT_NEAR_F(b->info->rate_hz, a->info->rate_hz, 1e-9 * a->info->rate_hz);
    float lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < a->n_frames; i++)
        if (!isnan(a->data[i])) {
            lo = fminf(lo, a->data[i]);
            hi = fmaxf(hi, a->data[i]);
        }
    const double tol = (hi > lo ? (double)(hi - lo) : 1.0) / 65000 * 0.5 + 1e-6 * fabs((double)hi);
    for (int64_t i = 0; i < a->n_frames; i++) {
        if (isnan(a->data[i]))
            ASSERT_TRUE(isnan(b->data[i]));
        else
            ASSERT_NEAR_F(b->data[i], a->data[i], tol);
    }
}

TEST(write_round_trip)
{
    mc_import rec;
    mc_import_init(&rec);
    rec.start_unix_ns = 783160000LL * 1000000000LL + 250000000; /* 1994-10-26 08:26:40.250 */
    add_sine(&rec, "ABP", 125, 1001, 40, 90, 0);
    add_sine(&rec, "ECG", 500, 4004, 1.5, 0, 0);
    add_sine(&rec, "flat", 62.5, 500, 0, 7, 0);
    /* A stream of two channels: two signals named stream_channel. */
    mc_channel_info two[2] = {{"red", "a.u.", 1, 0}, {"ir", "a.u.", 1, 0}};
    mc_stream_info info2 = {.name = "ppg", .n_channels = 2, .channels = two, .rate_hz = 125};
    size_t k2;
    ASSERT_STATUS(mc_import_add_stream(&rec, &info2, 0, &k2, NULL), MC_OK);
    float pairs[2 * 1001];
    for (int i = 0; i < 1001; i++) {
        pairs[2 * i] = (float)(0.001 * i);
        pairs[2 * i + 1] = (float)(-5.0 + 0.37 * sin(i * 0.1));
    }
    ASSERT_STATUS(mc_import_append(&rec, k2, 1001, pairs, NULL, NULL), MC_OK);
    const char *path = mc_test_tmp_path("rt.hea");
    mc_diag d;
    mc_diag_clear(&d);
    ASSERT_STATUS(mc_wfdb_write(&rec, path, &d), MC_OK);
    mc_import back;
    mc_import_init(&back);
    ASSERT_STATUS(mc_wfdb_import(path, &back, &d), MC_OK);
    ASSERT_EQ_INT(back.n_streams, 5);
    ASSERT_EQ_INT(back.start_unix_ns, rec.start_unix_ns);
    ASSERT_STR_EQ(back.streams[3].info->name, "ppg_red");
    ASSERT_STR_EQ(back.streams[4].info->name, "ppg_ir");
    ASSERT_STR_EQ(back.streams[4].info->channels[0].unit, "a.u.");
    for (int i = 0; i < 1001; i++) {
        ASSERT_NEAR_F(back.streams[3].data[i], pairs[2 * i], 1.001 / 65000 / 2);
        ASSERT_NEAR_F(back.streams[4].data[i], pairs[2 * i + 1], 0.75 / 65000 / 2 + 1e-6);
    }
    /* Frame rate 62.5 Hz: ECG 8 samples a frame, ABP 2, flat 1; 501 frames (ABP's 1001 samples
     * rounded up to whole frames), so the shorter streams end with invalid samples. */
    ASSERT_STR_EQ(mc_stream_info_get_attr(back.streams[1].info, "wfdb_samples_per_frame"), "8");
    ASSERT_EQ_INT(back.streams[0].n_frames, 1002);
    ASSERT_TRUE(isnan(back.streams[0].data[1001]));
    back.streams[0].n_frames = 1001; /* compare the samples written */
    back.streams[1].n_frames = 4004;
    back.streams[2].n_frames = 500;
    for (int k = 0; k < 3; k++)
        assert_same_stream(&rec.streams[k], &back.streams[k]);
    ASSERT_STR_EQ(back.streams[0].info->channels[0].unit, "mm[Hg]");
    mc_import_free(&back);

    /* Never replaces a file. */
    mc_diag_clear(&d);
    ASSERT_STATUS(mc_wfdb_write(&rec, path, &d), MC_EEXIST);
    mc_import_free(&rec);
}

TEST(write_refuses)
{
    mc_import rec;
    mc_import_init(&rec);
    add_sine(&rec, "a", 250, 100, 1, 0, 0);
    add_sine(&rec, "b", 333.3, 100, 1, 0, 0); /* no common frame rate */
    mc_diag d;
    mc_diag_clear(&d);
    ASSERT_STATUS(mc_wfdb_write(&rec, mc_test_tmp_path("no.hea"), &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "resampling") != NULL);
    ASSERT_TRUE(access(mc_test_tmp_path("no.hea"), F_OK) != 0);
    ASSERT_TRUE(access(mc_test_tmp_path("no.dat"), F_OK) != 0);
    mc_import_free(&rec);

    mc_import_init(&rec);
    mc_channel_info ch = {"v", "%", 1, 0};
    mc_stream_info info = {.name = "spo2", .n_channels = 1, .channels = &ch, .rate_hz = 0};
    size_t k;
    ASSERT_STATUS(mc_import_add_stream(&rec, &info, 0, &k, NULL), MC_OK);
    mc_diag_clear(&d);
    ASSERT_STATUS(mc_wfdb_write(&rec, mc_test_tmp_path("irr.hea"), &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "spo2") != NULL && strstr(d.message, "--streams") != NULL);
    mc_diag_clear(&d);
    ASSERT_STATUS(mc_wfdb_write(&rec, mc_test_tmp_path("bad name.hea"), &d), MC_EINVAL);
    ASSERT_STATUS(mc_wfdb_write(&rec, mc_test_tmp_path("x.dat"), &d), MC_EINVAL);
    mc_import_free(&rec);
}

TEST(v102s_round_trip)
{
    const char *path = shared_dir("ppg/wfdb/v102s.hea");
    mc_import a, b;
    mc_import_init(&a);
    mc_import_init(&b);
    mc_diag d;
    mc_diag_clear(&d);
    ASSERT_STATUS(mc_wfdb_import(path, &a, &d), MC_OK);
    const char *out = mc_test_tmp_path("v102s_copy.hea");
    ASSERT_STATUS(mc_wfdb_write(&a, out, &d), MC_OK);
    ASSERT_STATUS(mc_wfdb_import(out, &b, &d), MC_OK);
    ASSERT_EQ_INT(b.n_streams, 4);
    for (int k = 0; k < 4; k++) {
        const mc_import_stream *x = &a.streams[k], *y = &b.streams[k];
        ASSERT_STR_EQ(y->info->name, x->info->name);
        /* The source's own gain and baseline fit 16 bits: kept, so the copy is exact. */
        ASSERT_NEAR_F(y->info->channels[0].scale_gain, x->info->channels[0].scale_gain, 0);
        ASSERT_EQ_INT(y->n_frames, x->n_frames);
        for (int64_t i = 0; i < x->n_frames; i++)
            ASSERT_TRUE(isnan(x->data[i]) ? isnan(y->data[i]) : y->data[i] == x->data[i]);
    }
    mc_import_free(&a);
    mc_import_free(&b);
}

TEST(session_chain_041s)
{
    /* WFDB -> session file (mc_import_write, what `mcirc import` does) -> mc_export_load ->
     * mc_wfdb_write -> WFDB: the same samples, rates and start time at the end. */
    const char *path = shared_dir("ppg/wfdb/041s/041s.hea");
    mc_import a, b, c;
    mc_import_init(&a);
    mc_import_init(&b);
    mc_import_init(&c);
    mc_diag d;
    mc_diag_clear(&d);
    ASSERT_STATUS(mc_wfdb_import(path, &a, &d), MC_OK);
    mc_session_info s;
    memset(&s, 0, sizeof s);
    snprintf(s.subject, sizeof s.subject, "WFDB-041");
    snprintf(s.software, sizeof s.software, "mcirc test");
    const char *h5 = mc_test_tmp_path("041s.h5");
    const mc_status st = mc_import_write(&a, &s, 0, 4, h5, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    const mc_export_opts o = mc_export_opts_default();
    ASSERT_STATUS(mc_export_load(h5, &o, &b, &d), MC_OK);
    ASSERT_EQ_INT(b.n_streams, 7);
    const char *out = mc_test_tmp_path("chain041.hea");
    ASSERT_STATUS(mc_wfdb_write(&b, out, &d), MC_OK);
    ASSERT_STATUS(mc_wfdb_import(out, &c, &d), MC_OK);
    ASSERT_EQ_INT(c.start_unix_ns, a.start_unix_ns);
    ASSERT_EQ_INT(c.n_streams, 7);
    for (int k = 0; k < 7; k++) {
        ASSERT_STR_EQ(c.streams[k].info->name, a.streams[k].info->name);
        assert_same_stream(&a.streams[k], &c.streams[k]);
    }
    mc_import_free(&a);
    mc_import_free(&b);
    mc_import_free(&c);
}

TEST(skew_shifts_the_start)
{
    /* Skew 2 at 100 Hz: the signal's first stored sample lies 20 ms before the record start. */
    const char *hea = "r 2 100 3\nr.dat 16:2 1 16 0 1 9 0 A\nr.dat 16 1 16 0 4 15 0 B\n";
    const uint8_t dat[] = {1, 0, 4, 0, 3, 0, 5, 0, 5, 0, 6, 0};
    mem_files m = {.n = 0};
    add_file(&m, "r.dat", dat, sizeof dat);
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_text(hea, &m, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.streams[0].start_ns, -20000000);
    ASSERT_EQ_INT(imp.start_unix_ns, MC_IMPORT_NO_TIME);
    ASSERT_TRUE(mc_stream_info_get_attr(imp.streams[0].info, "wfdb_base_time") == NULL);
    ASSERT_EQ_INT(imp.streams[1].start_ns, 0);
    mc_session_info s;
    memset(&s, 0, sizeof s);
    snprintf(s.subject, sizeof s.subject, "SKEW-1");
    ASSERT_STATUS(mc_import_write(&imp, &s, 0, 0, mc_test_tmp_path("skew.h5"), &d), MC_OK);
    mc_import_free(&imp);
}

/* ---- for tests/formats/wfdb_numpy_check.py ---- */

/* Import the record MC_WFDB_HEA and write every stream to MC_TEST_FILE as int64 n_samples, then
 * n_samples float32 (native byte order), so that numpy can compare every sample. */
HELPER(dump)
{
    const char *hea = getenv("MC_WFDB_HEA"), *out = getenv("MC_TEST_FILE");
    ASSERT_TRUE(hea && out);
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    mc_diag_clear(&d);
    ASSERT_STATUS(mc_wfdb_import(hea, &imp, &d), MC_OK);
    FILE *f = fopen(out, "wb");
    ASSERT_TRUE(f != NULL);
    for (size_t k = 0; k < imp.n_streams; k++) {
        const mc_import_stream *s = &imp.streams[k];
        const int64_t n = s->n_frames * (int64_t)s->info->n_channels;
        ASSERT_EQ_INT(fwrite(&n, sizeof n, 1, f), 1);
        ASSERT_EQ_INT(fwrite(s->data, sizeof(float), (size_t)n, f), (size_t)n);
    }
    ASSERT_EQ_INT(fclose(f), 0);
    mc_import_free(&imp);
}
