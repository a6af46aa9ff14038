/* SPDX-License-Identifier: MIT */
/* tests/formats/test_masimo.c: Masimo ASCII 1 lines: the verbatim lines of FORMATS.md section 9
 * and DEVICES.md section 1, missing values, every exception bit, malformed lines; the line
 * splitter (CR LF, CR only, LF only, garbage between lines, overlong lines, any split); the
 * importer of a text log. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/masimo.h"
#include "tests/formats/session_roundtrip.h"
#include "tests/guard.h"
#include "tests/harness.h"
#include "tests/util.h"

static const char rad8[] = "02/22/16 22:47:45 SN=0000056661 SPO2=098% BPM=097 PI=03.60% "
                           "SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 EXC=000800";
static const char rad7[] = "12/01/05 11:56:29 SN=0123456789 SPO2=098% BPM=240 PI=20.00% "
                           "SPCO=01.0% SPMET=00.5% DESAT=01 PIDELTA=-02 PVI=027 ALARM=0000 "
                           "EXC=000820";

static mc_masimo_line parse_ok(const char *s)
{
    mc_masimo_line l;
    mc_diag d;
    mc_status st = mc_masimo_line_parse(s, strlen(s), &l, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    return l;
}

static mc_masimo_line parse_ok2(const char *s, size_t n)
{
    mc_masimo_line l;
    mc_diag d;
    mc_status st = mc_masimo_line_parse(s, n, &l, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    return l;
}

TEST(verbatim_rad8)
{
    const mc_masimo_line l = parse_ok(rad8);
    ASSERT_EQ_INT(l.unix_s, 1456181265); /* 2016-02-22 22:47:45 */
    ASSERT_STR_EQ(l.serial, "0000056661");
    ASSERT_NEAR_F(l.value[MC_MASIMO_SPO2], 98, 0);
    ASSERT_NEAR_F(l.value[MC_MASIMO_BPM], 97, 0);
    ASSERT_NEAR_F(l.value[MC_MASIMO_PI], 3.60, 1e-6);
    ASSERT_TRUE(l.present[MC_MASIMO_SPCO] && isnan(l.value[MC_MASIMO_SPCO]));
    ASSERT_TRUE(l.present[MC_MASIMO_SPMET] && isnan(l.value[MC_MASIMO_SPMET]));
    ASSERT_TRUE(l.present[MC_MASIMO_DESAT] && isnan(l.value[MC_MASIMO_DESAT]));
    ASSERT_TRUE(l.present[MC_MASIMO_PIDELTA] && isnan(l.value[MC_MASIMO_PIDELTA]));
    ASSERT_TRUE(!l.present[MC_MASIMO_PVI] && isnan(l.value[MC_MASIMO_PVI]));
    ASSERT_TRUE(l.has_alarm && l.alarm == 0);
    ASSERT_TRUE(l.has_exc);
    ASSERT_EQ_INT(l.exc, MC_MASIMO_EXC_SET_MODE);
    ASSERT_EQ_INT(l.n_unknown, 0);
}

TEST(verbatim_radical7)
{
    const mc_masimo_line l = parse_ok(rad7);
    ASSERT_EQ_INT(l.unix_s, 1133438189); /* 2005-12-01 11:56:29 */
    ASSERT_NEAR_F(l.value[MC_MASIMO_BPM], 240, 0);
    ASSERT_NEAR_F(l.value[MC_MASIMO_PI], 20.0, 0);
    ASSERT_NEAR_F(l.value[MC_MASIMO_SPCO], 1.0, 1e-6);
    ASSERT_NEAR_F(l.value[MC_MASIMO_SPMET], 0.5, 1e-6);
    ASSERT_NEAR_F(l.value[MC_MASIMO_DESAT], 1, 0);
    ASSERT_NEAR_F(l.value[MC_MASIMO_PIDELTA], -2, 0);
    ASSERT_NEAR_F(l.value[MC_MASIMO_PVI], 27, 0);
    ASSERT_EQ_INT(l.exc, 0x820);
    char text[128];
    ASSERT_STR_EQ(mc_masimo_exc_describe(l.exc, text, sizeof text), "sensor off, Masimo SET mode");
}

/* The other public lines of DEVICES.md section 1: another field set, dashes, a rainbow device. */
TEST(other_models)
{
    mc_masimo_line l = parse_ok("09/15/10 15:10:29 SPO2=097% BPM=064 PI=11.82% ALARM=20 EXC=800");
    ASSERT_NEAR_F(l.value[MC_MASIMO_PI], 11.82, 1e-5);
    ASSERT_EQ_INT(l.alarm, MC_MASIMO_ALARM_SILENCED);
    ASSERT_STR_EQ(l.serial, "");
    l = parse_ok("05/15/07 08:12:21 SN=0000070986 SPO2=---% BPM=--- PI=--.--% SPCO=--.-% "
                 "SPMET=--.-% DESAT=-- PIDELTA=+-- PVI=--- ALARM=0000 EXC=000000");
    for (int f = 0; f < MC_MASIMO_N_FIELDS; f++)
        if (f != MC_MASIMO_SPHB && f != MC_MASIMO_SPOC)
            ASSERT_TRUE(l.present[f] && isnan(l.value[f]));
    l = parse_ok("03/17/16 19:19:36 SN=---------- SPO2=098% BPM=123 PI=00.55 SPCO=--% "
                 "SPMET=--.-% SPHB=--.- SPOC=-- RESVD=--- DESAT=-- PIDELTA=+-- PVI=--- "
                 "ALARM=000000 EXC=0000C00 EXC1=00000000");
    ASSERT_STR_EQ(l.serial, ""); /* dashes: no serial number */
    ASSERT_NEAR_F(l.value[MC_MASIMO_PI], 0.55, 1e-6);
    ASSERT_TRUE(l.present[MC_MASIMO_SPHB] && isnan(l.value[MC_MASIMO_SPHB]));
    ASSERT_EQ_INT(l.exc, 0xC00);
    ASSERT_TRUE(l.has_exc1);
    ASSERT_EQ_INT(l.n_unknown, 1); /* RESVD */
    l = parse_ok("03/19/16 13:37:12 SN=0000093112 SPO2=---% BPM=--- DESAT=-- PIDELTA=+-- "
                 "ALARM=0000 EXC=000001");
    ASSERT_EQ_INT(l.exc, MC_MASIMO_EXC_NO_SENSOR);
    l = parse_ok("03/19/16 13:37:12 SPHB=12.3 SPOC=18");
    ASSERT_NEAR_F(l.value[MC_MASIMO_SPHB], 12.3, 1e-5);
    ASSERT_NEAR_F(l.value[MC_MASIMO_SPOC], 18, 0);
}

TEST(every_exception_bit)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } bits[] = {
        {MC_MASIMO_EXC_NO_SENSOR, "no sensor"},
        {MC_MASIMO_EXC_DEFECTIVE_SENSOR, "defective sensor"},
        {MC_MASIMO_EXC_LOW_PERFUSION, "low perfusion"},
        {MC_MASIMO_EXC_PULSE_SEARCH, "pulse search"},
        {MC_MASIMO_EXC_INTERFERENCE, "interference"},
        {MC_MASIMO_EXC_SENSOR_OFF, "sensor off"},
        {MC_MASIMO_EXC_AMBIENT_LIGHT, "ambient light"},
        {MC_MASIMO_EXC_UNRECOGNIZED_SENSOR, "unrecognized sensor"},
        {MC_MASIMO_EXC_INCOMPATIBLE_SENSOR, "incompatible sensor"},
        {MC_MASIMO_EXC_LOW_SIGNAL_IQ, "low signal IQ"},
        {MC_MASIMO_EXC_SET_MODE, "Masimo SET mode"},
        {MC_MASIMO_EXC_NO_CABLE, "no cable"},
    };
    char line[128], text[256];
    uint32_t all = 0;
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) {
        snprintf(line, sizeof line, "01/01/20 00:00:00 SPO2=099%% EXC=%06X", (unsigned)bits[i].bit);
        const mc_masimo_line l = parse_ok(line);
        ASSERT_EQ_INT(l.exc, bits[i].bit);
        ASSERT_STR_EQ(mc_masimo_exc_describe(l.exc, text, sizeof text), bits[i].name);
        all |= bits[i].bit;
    }
    mc_masimo_exc_describe(all | 0x200 | 0x400000, text, sizeof text);
    ASSERT_TRUE(strstr(text, "no sensor, defective sensor, low perfusion, pulse search") == text);
    ASSERT_TRUE(strstr(text, "bits 0x400200") != NULL); /* not named: written as hex */
    ASSERT_STR_EQ(mc_masimo_exc_describe(0, text, sizeof text), "");
}

TEST(malformed_lines)
{
    static const struct {
        const char *line;
        int64_t column;
    } bad[] = {
        {"", 1},
        {"garbage", 1},
        {"13/01/05 11:56:29 SPO2=098%", 1}, /* month 13 */
        {"02/29/15 11:56:29 SPO2=098%", 1}, /* 2015 is not a leap year */
        {"12/01/05 24:00:00 SPO2=098%", 1},
        {"12/01/05 11:56:29 SPO2", 19},
        {"12/01/05 11:56:29 SPO2=9x8%", 19},
        {"12/01/05 11:56:29 SPO2=098% EXC=XYZ", 29},
        {"12/01/05 11:56:29 spo2=098%", 19},
        {"12/01/05 11:56:29 SPO2=%", 19},
        {"12/01/05 11:56:29 \xff\xfe=1", 19},
        {"12/01/05 11:56:29 EXC=123456789", 19}, /* 9 hex digits */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_masimo_line l;
        mc_diag d;
        ASSERT_STATUS(mc_masimo_line_parse(bad[i].line, strlen(bad[i].line), &l, &d), MC_EFORMAT);
        ASSERT_EQ_INT(d.offset, bad[i].column - 1); /* byte offset; the message says column */
        char col[32];
        snprintf(col, sizeof col, "column %lld", (long long)bad[i].column);
        ASSERT_TRUE(strstr(d.message, col) != NULL);
        ASSERT_TRUE(d.message[0] != '\0');
    }
    /* leap day of a leap year is fine; tabs and double spaces separate tokens */
    mc_masimo_line l = parse_ok("02/29/16 00:00:00  SPO2=097%\tBPM=060");
    ASSERT_NEAR_F(l.value[MC_MASIMO_BPM], 60, 0);
}

/* ---- splitter ---- */

typedef struct lines_seen {
    int n;
    char text[8][MC_MASIMO_LINE_MAX + 1];
    int64_t line_no[8];
} lines_seen;

static mc_status collect(void *ctx, const char *line, size_t n, int64_t line_no)
{
    lines_seen *s = ctx;
    ASSERT_EQ_INT(strlen(line), n);
    if (s->n < 8) {
        memcpy(s->text[s->n], line, n + 1);
        s->line_no[s->n] = line_no;
    }
    s->n++;
    return MC_OK;
}

TEST(splitter_line_ends)
{
    static const char *const inputs[] = {"a\r\nb\r\nc\r\n", "a\rb\rc\r", "a\nb\nc\n", "a\r\nb\rc",
                                         "\r\n\r\na\n\nb\r\rc\n"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        static mc_masimo_splitter sp;
        mc_masimo_splitter_reset(&sp);
        lines_seen s = {0};
        ASSERT_STATUS(mc_masimo_splitter_push(&sp, (const uint8_t *)inputs[i], strlen(inputs[i]),
                                              collect, &s),
                      MC_OK);
        ASSERT_STATUS(mc_masimo_splitter_finish(&sp, collect, &s), MC_OK);
        ASSERT_EQ_INT(s.n, 3);
        ASSERT_STR_EQ(s.text[0], "a");
        ASSERT_STR_EQ(s.text[1], "b");
        ASSERT_STR_EQ(s.text[2], "c");
        ASSERT_EQ_INT(sp.lines, 3);
    }
}

TEST(splitter_overlong_and_splits)
{
    static char in[4096];
    size_t n = 0;
    n += (size_t)snprintf(in + n, sizeof in - n, "%s\r\n", rad8);
    memset(in + n, 'X', 1000); /* an overlong line: dropped, counted */
    n += 1000;
    n += (size_t)snprintf(in + n, sizeof in - n, "\r\n%s\r\n", rad7);
    static mc_masimo_splitter whole, split;
    mc_masimo_splitter_reset(&whole);
    lines_seen a = {0};
    ASSERT_STATUS(mc_masimo_splitter_push(&whole, (const uint8_t *)in, n, collect, &a), MC_OK);
    ASSERT_EQ_INT(a.n, 2);
    ASSERT_EQ_INT(whole.overlong_lines, 1);
    ASSERT_EQ_INT(whole.bytes_dropped, 1000);
    ASSERT_STR_EQ(a.text[1], rad7);
    ASSERT_EQ_INT(a.line_no[1], 3);
    for (size_t cut = 0; cut <= n; cut++) {
        mc_masimo_splitter_reset(&split);
        lines_seen b = {0};
        ASSERT_STATUS(mc_masimo_splitter_push(&split, (const uint8_t *)in, cut, collect, &b),
                      MC_OK);
        ASSERT_STATUS(
            mc_masimo_splitter_push(&split, (const uint8_t *)in + cut, n - cut, collect, &b),
            MC_OK);
        ASSERT_EQ_INT(b.n, 2);
        ASSERT_STR_EQ(b.text[0], a.text[0]);
        ASSERT_STR_EQ(b.text[1], a.text[1]);
        ASSERT_EQ_INT(split.overlong_lines, 1);
        ASSERT_EQ_INT(split.bytes_dropped, 1000);
    }
    /* a line of exactly MC_MASIMO_LINE_MAX bytes is kept */
    mc_masimo_splitter_reset(&split);
    memset(in, 'Y', MC_MASIMO_LINE_MAX);
    in[MC_MASIMO_LINE_MAX] = '\n';
    lines_seen c = {0};
    ASSERT_STATUS(
        mc_masimo_splitter_push(&split, (const uint8_t *)in, MC_MASIMO_LINE_MAX + 1, collect, &c),
        MC_OK);
    ASSERT_EQ_INT(c.n, 1);
    ASSERT_EQ_INT(split.overlong_lines, 0);
}

/* ---- import ---- */

TEST(import_log)
{
    char log[4096];
    static const char noise[] = {0x00, (char)0xFF, ' ', 'n', 'o', 'i', 's', 'e', '\r', '\n'};
    memcpy(log, noise, sizeof noise);
    size_t n = sizeof noise;
    n += (size_t)snprintf(
        log + n, sizeof log - n,
        "12/01/05 11:56:27 SN=0123456789 SPO2=---%% BPM=--- PI=--.--%% ALARM=0000 EXC=000028\r\n"
        "12/01/05 11:56:28 SN=0123456789 SPO2=097%% BPM=071 PI=02.10%% ALARM=0000 EXC=000800\r\n"
        "garbage between lines\r\n"
        "12/01/05 11:56:29 SN=0123456789 SPO2=098%% BPM=072 PI=--.--%% ALARM=0002 EXC=000800\r\n"
        "12/01/05 11:56:20 SN=0123456789 SPO2=050%% BPM=072 PI=01.00%% ALARM=0000 EXC=000800\r"
        "12/01/05 11:56:31 SN=0123456789 SPO2=099%% BPM=073 PI=02.30%% ALARM=0002 EXC=000800");
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    ASSERT_STATUS(mc_masimo_read((const uint8_t *)log, n, &imp, &d), MC_OK);
    ASSERT_TRUE(strstr(d.message, "4 lines read, 2 skipped (first at line 1") != NULL);
    ASSERT_TRUE(strstr(d.message, "1 earlier than the line before") != NULL);
    ASSERT_EQ_INT(imp.start_unix_ns, 1133438187LL * 1000000000);
    ASSERT_EQ_INT(imp.n_streams, 3); /* SpO2, PR, PI: the others never had a value */
    const mc_import_stream *spo2 = &imp.streams[0];
    ASSERT_STR_EQ(spo2->info->name, "SpO2");
    ASSERT_STR_EQ(spo2->info->channels[0].unit, "%");
    ASSERT_STR_EQ(spo2->info->device_serial, "0123456789");
    ASSERT_EQ_INT(spo2->info->modality, MC_MODALITY_PPG);
    ASSERT_NEAR_F(spo2->info->rate_hz, 0, 0);
    ASSERT_EQ_INT(spo2->n_frames, 3); /* from its first value on */
    ASSERT_EQ_INT(spo2->t_ns[0], 1000000000);
    ASSERT_EQ_INT(spo2->t_ns[2], 4000000000);
    ASSERT_NEAR_F(spo2->data[2], 99, 0);
    ASSERT_STR_EQ(imp.streams[1].info->name, "PR");
    ASSERT_STR_EQ(imp.streams[1].info->channels[0].unit, "/min");
    const mc_import_stream *pi = &imp.streams[2];
    ASSERT_EQ_INT(pi->n_frames, 3);
    ASSERT_TRUE(isnan(pi->data[1])); /* dashes after the first value: NaN */
    /* events: EXC 0x28 (pulse search, sensor off) at 0 s, 0x800 at 1 s; ALARM 2 at 2 s, 0 never
     * changes back before the out-of-order line (skipped), so ALARM stays 2 at 4 s */
    ASSERT_EQ_INT(imp.n_events, 3);
    ASSERT_STR_EQ(imp.events[0].kind, "status");
    ASSERT_STR_EQ(imp.events[0].text, "pulse search, sensor off");
    ASSERT_EQ_INT(imp.events[0].t_ns, 0);
    ASSERT_STR_EQ(imp.events[1].text, "Masimo SET mode");
    ASSERT_STR_EQ(imp.events[2].kind, "alarm");
    ASSERT_NEAR_F(imp.events[2].value, 2, 0);
    mc_rt_check(&imp, "log.h5"); /* what `mcirc import` does, loaded back unchanged */
    mc_import_free(&imp);
}

TEST(import_file_and_failures)
{
    const char *path = mc_test_tmp_path("pulseox.log");
    FILE *f = fopen(path, "wb");
    ASSERT_TRUE(f != NULL);
    fprintf(f, "%s\r\n%s\r\n", rad8, rad8);
    fclose(f);
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    ASSERT_STATUS(mc_masimo_import(path, &imp, &d), MC_OK);
    ASSERT_STR_EQ(imp.format, "masimo");
    ASSERT_STR_EQ(imp.source, "pulseox.log");
    ASSERT_EQ_INT(imp.streams[0].n_frames, 2); /* the same second twice is kept */
    mc_import_free(&imp);

    /* nothing parses: one error naming the count and the first bad line */
    f = fopen(path, "wb");
    ASSERT_TRUE(f != NULL);
    fprintf(f, "\r\nhello\r\nworld\r\n");
    fclose(f);
    mc_import_init(&imp);
    ASSERT_STATUS(mc_masimo_import(path, &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "pulseox.log: no line parsed: 2 lines") == d.message);
    ASSERT_EQ_INT(d.line, 2);
    mc_import_free(&imp);
    mc_import_init(&imp);
    ASSERT_STATUS(mc_masimo_read((const uint8_t *)"", 0, &imp, &d), MC_EFORMAT);
    mc_import_free(&imp);
}

TEST(detect)
{
    ASSERT_EQ_INT(mc_masimo_detect((const uint8_t *)rad8, strlen(rad8), NULL), 1);
    ASSERT_EQ_INT(mc_masimo_detect((const uint8_t *)rad7, strlen(rad7), "x.txt"), 1);
    ASSERT_EQ_INT(mc_masimo_detect((const uint8_t *)"02/22/16 22:47:45 X=1", 21, NULL), 0);
    ASSERT_EQ_INT(mc_masimo_detect((const uint8_t *)"Date,Time,SpO2", 14, "a.csv"), 0);
    ASSERT_EQ_INT(mc_masimo_detect((const uint8_t *)"VITA", 4, NULL), 0);
}

/* Every prefix of a line, ending at a PROT_NONE page: the parser never reads past the line. */
TEST(guard_page)
{
    for (size_t n = 0; n <= strlen(rad7); n++) {
        mc_guard g;
        const char *p = mc_guard_put(&g, rad7, n);
        ASSERT_TRUE(p != NULL);
        mc_masimo_line l;
        mc_status st = mc_masimo_line_parse(p, n, &l, NULL);
        ASSERT_TRUE(st == MC_OK || st == MC_EFORMAT);
        ASSERT_EQ_INT(mc_masimo_detect((const uint8_t *)p, n, NULL), n >= 21);
        mc_masimo_splitter sp;
        mc_masimo_splitter_reset(&sp);
        ASSERT_STATUS(mc_masimo_splitter_push(&sp, (const uint8_t *)p, n, NULL, NULL), MC_OK);
        mc_guard_free(&g);
    }
}

/* Format then parse: every field comes back at the device's resolution, in the documented
 * layout (the Radical-7 verbatim line is reproduced byte for byte). */
TEST(format_round_trip)
{
    const mc_masimo_line in = parse_ok(rad7);
    char buf[MC_MASIMO_LINE_MAX + 1];
    size_t n;
    ASSERT_STATUS(mc_masimo_line_format(&in, buf, sizeof buf, &n), MC_OK);
    ASSERT_EQ_INT(n, strlen(buf));
    ASSERT_TRUE(n >= 2 && buf[n - 2] == '\r' && buf[n - 1] == '\n');
    buf[n - 2] = '\0';
    ASSERT_STR_EQ(buf, rad7);

    mc_masimo_line v;
    memset(&v, 0, sizeof v);
    v.unix_s = 1456181265; /* 02/22/16 22:47:45 */
    for (int f = 0; f < MC_MASIMO_N_FIELDS; f++)
        v.present[f] = 1;
    v.value[MC_MASIMO_SPO2] = 96;
    v.value[MC_MASIMO_BPM] = 72.4f;
    v.value[MC_MASIMO_PI] = 3.1f;
    v.value[MC_MASIMO_PVI] = 9;
    v.value[MC_MASIMO_SPCO] = 1.04f;
    v.value[MC_MASIMO_SPMET] = NAN;
    v.value[MC_MASIMO_SPHB] = 14.2f;
    v.value[MC_MASIMO_SPOC] = 18;
    v.value[MC_MASIMO_DESAT] = 0;
    v.value[MC_MASIMO_PIDELTA] = -3;
    v.has_alarm = v.has_exc = v.has_exc1 = 1;
    v.alarm = 0x12;
    v.exc = MC_MASIMO_EXC_SET_MODE | MC_MASIMO_EXC_SENSOR_OFF;
    v.exc1 = 0xABCDEF01;
    ASSERT_STATUS(mc_masimo_line_format(&v, buf, sizeof buf, &n), MC_OK);
    ASSERT_STR_EQ(buf, "02/22/16 22:47:45 SN=---------- SPO2=096% BPM=072 PI=03.10% SPCO=01.0% "
                       "SPMET=--.-% SPHB=14.2 SPOC=18 DESAT=00 PIDELTA=-03 PVI=009 ALARM=0012 "
                       "EXC=000820 EXC1=ABCDEF01\r\n");
    const mc_masimo_line out = parse_ok2(buf, n - 2);
    ASSERT_EQ_INT(out.unix_s, v.unix_s);
    const float want[MC_MASIMO_N_FIELDS] = {96, 72, 3.1f, 9, 1.0f, NAN, 14.2f, 18, 0, -3};
    for (int f = 0; f < MC_MASIMO_N_FIELDS; f++) {
        ASSERT_TRUE(out.present[f]);
        if (isnan(want[f]))
            ASSERT_TRUE(isnan(out.value[f]));
        else
            ASSERT_NEAR_F(out.value[f], want[f], 1e-5);
    }
    ASSERT_EQ_INT(out.alarm, v.alarm);
    ASSERT_EQ_INT(out.exc, v.exc);
    ASSERT_EQ_INT(out.exc1, v.exc1);
    ASSERT_EQ_INT(out.n_unknown, 0);
    ASSERT_STR_EQ(out.serial, "");

    /* Missing everything: the dashes of the Radical-7 service manual's line. */
    mc_masimo_line none;
    memset(&none, 0, sizeof none);
    none.unix_s = 1179216741; /* 05/15/07 08:12:21 */
    strcpy(none.serial, "0000070986");
    const mc_masimo_field keep[] = {MC_MASIMO_SPO2,    MC_MASIMO_BPM,   MC_MASIMO_PI,
                                    MC_MASIMO_SPCO,    MC_MASIMO_SPMET, MC_MASIMO_DESAT,
                                    MC_MASIMO_PIDELTA, MC_MASIMO_PVI};
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
        none.present[keep[i]] = 1;
        none.value[keep[i]] = NAN;
    }
    none.has_alarm = none.has_exc = 1;
    ASSERT_STATUS(mc_masimo_line_format(&none, buf, sizeof buf, &n), MC_OK);
    ASSERT_STR_EQ(buf, "05/15/07 08:12:21 SN=0000070986 SPO2=---% BPM=--- PI=--.--% SPCO=--.-% "
                       "SPMET=--.-% DESAT=-- PIDELTA=+-- PVI=--- ALARM=0000 EXC=000000\r\n");
    const mc_masimo_line back = parse_ok2(buf, n - 2);
    for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
        ASSERT_TRUE(back.present[keep[i]] && isnan(back.value[keep[i]]));
    ASSERT_STR_EQ(back.serial, "0000070986");
}

/* Values that do not fit their field, dates the two-digit year cannot hold, a short buffer. */
TEST(format_refusals)
{
    mc_masimo_line v = parse_ok(rad7);
    char buf[MC_MASIMO_LINE_MAX + 1];
    size_t n;
    const struct {
        mc_masimo_field f;
        float x;
    } bad[] = {{MC_MASIMO_SPO2, 1000},    {MC_MASIMO_SPO2, -1},     {MC_MASIMO_PI, 100},
               {MC_MASIMO_BPM, INFINITY}, {MC_MASIMO_PIDELTA, 100}, {MC_MASIMO_PVI, 999.5f}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_masimo_line w = v;
        w.value[bad[i].f] = bad[i].x;
        ASSERT_STATUS(mc_masimo_line_format(&w, buf, sizeof buf, &n), MC_EINVAL);
    }
    mc_masimo_line w = v;
    w.unix_s = 946684799; /* 1999-12-31 23:59:59 */
    ASSERT_STATUS(mc_masimo_line_format(&w, buf, sizeof buf, &n), MC_EINVAL);
    w.unix_s = 4102444800; /* 2100-01-01 */
    ASSERT_STATUS(mc_masimo_line_format(&w, buf, sizeof buf, &n), MC_EINVAL);
    w = v;
    strcpy(w.serial, "A B");
    ASSERT_STATUS(mc_masimo_line_format(&w, buf, sizeof buf, &n), MC_EINVAL);
    for (size_t cap = 0; cap <= strlen(rad7) + 2; cap++)
        ASSERT_STATUS(mc_masimo_line_format(&v, buf, cap, &n), MC_EOVERRUN);
    ASSERT_STATUS(mc_masimo_line_format(&v, buf, strlen(rad7) + 3, &n), MC_OK);
    ASSERT_EQ_INT(n, strlen(rad7) + 2);
}
