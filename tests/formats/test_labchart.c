/* SPDX-License-Identifier: MIT */
/* tests/formats/test_labchart.c: the LabChart text importer on the two shared LDF exports (facts
 * from SOURCES.md / FORMATS.md §6) and on crafted exports: several channels, comments, blocks,
 * and malformed inputs that must give one clear diagnostic. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "formats/labchart.h"
#include "formats/text_scan.h"
#include "tests/formats/import_check.h"
#include "tests/harness.h"

static mc_status read_text(const char *text, mc_import *imp, mc_diag *d)
{
    mc_import_init(imp);
    mc_diag_clear(d);
    return mc_labchart_read((const uint8_t *)text, strlen(text), "x.txt", imp, d);
}

static int64_t unix_ns(int y, unsigned mo, unsigned day, int h, int mi, double s)
{
    return (mc_text_days_from_civil(y, mo, day) * 86400 + h * 3600 + mi * 60) * 1000000000LL +
           (int64_t)llround(s * 1e9);
}

TEST(shabina_bp)
{
    const char *path = mc_test_shared("ldf/ShabinaBP.txt");
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    ASSERT_STATUS(mc_labchart_import(path, &imp, &d), MC_OK);
    ASSERT_STR_EQ(imp.format, "labchart");
    ASSERT_STR_EQ(imp.source, "ShabinaBP.txt");
    ASSERT_EQ_INT(imp.n_streams, 1);
    const mc_import_stream *s = &imp.streams[0];
    ASSERT_STR_EQ(s->info->name, "Channel_1");
    ASSERT_EQ_INT(s->n_frames, 41050);
    ASSERT_NEAR_F(s->info->rate_hz, 1000.0, 1e-9);
    ASSERT_STR_EQ(s->info->channels[0].unit, "PU");
    ASSERT_EQ_INT(s->info->modality, MC_MODALITY_LDF);
    ASSERT_NEAR_F(s->data[0], 476.56, 1e-4);
    ASSERT_NEAR_F(s->data[1], 475.47, 1e-4);
    ASSERT_NEAR_F(s->data[41049], 84.06, 1e-4);
    ASSERT_EQ_INT(s->start_ns, 0);
    /* 2021-12-28 10:50:41.375506, the text column of ExcelDateTime, to 2 us (Excel days). */
    ASSERT_NEAR_F((double)(imp.start_unix_ns - unix_ns(2021, 12, 28, 10, 50, 41.375506)), 0, 2e3);
    ASSERT_EQ_INT(imp.n_events, 0);
    ASSERT_EQ_INT(s->n_gaps, 0);
    mc_import_free(&imp);
}

/* SOURCES.md gives 35 800 samples (35.80 s): that is the second block. The export holds two
 * blocks: 750 rows from 10:38:09.047598, then 35 800 rows from 10:38:12.296592, 2.499 s after the
 * first block ends, read as 2 499 NaN rows. */
TEST(shabina_fingertip)
{
    const char *path = mc_test_shared("ldf/Shabina_fingertip.txt");
    mc_import imp;
    mc_import_init(&imp);
    mc_diag d;
    ASSERT_STATUS(mc_labchart_import(path, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 1);
    const mc_import_stream *s = &imp.streams[0];
    ASSERT_EQ_INT(s->n_frames, 750 + 2499 + 35800);
    ASSERT_NEAR_F(s->data[0], 613.75, 1e-4);
    ASSERT_NEAR_F(s->data[3], 614.22, 1e-4);
    ASSERT_EQ_INT(s->n_gaps, 1);
    ASSERT_EQ_INT(s->gaps[0].first_index, 750);
    ASSERT_EQ_INT(s->gaps[0].n_missing, 2499);
    ASSERT_TRUE(isnan(s->data[750]) && isnan(s->data[3248]));
    ASSERT_NEAR_F(s->data[3249], 620.00, 1e-4);
    int64_t finite = 0;
    for (int64_t i = 0; i < s->n_frames; i++)
        finite += !isnan(s->data[i]);
    ASSERT_EQ_INT(finite, 750 + 35800);
    ASSERT_NEAR_F((double)(imp.start_unix_ns - unix_ns(2021, 12, 28, 10, 38, 9.047598)), 0, 2e3);
    mc_check_session_round_trip(&imp, "fingertip.h5");
    mc_import_free(&imp);
}

TEST(detect)
{
    const char *lc = "Interval=\t0.001 s\r\nChannelTitle=\tA\r\n0\t1\r\n";
    ASSERT_EQ_INT(mc_labchart_detect((const uint8_t *)lc, strlen(lc), NULL), 1);
    const char *csv = "Time [s], RESP\n0,1\n";
    ASSERT_EQ_INT(mc_labchart_detect((const uint8_t *)csv, strlen(csv), "a.txt"), 0);
    const char *ini = "Interval=\t0.001 s\r\n0\t1\r\n"; /* one key only */
    ASSERT_EQ_INT(mc_labchart_detect((const uint8_t *)ini, strlen(ini), NULL), 0);
    ASSERT_EQ_INT(mc_labchart_detect((const uint8_t *)"", 0, NULL), 0);
}

/* Two channels with units, a comment column, empty and NaN cells. */
TEST(channels_comments_missing)
{
    const char *text = "Interval=\t10 ms\n"
                       "ExcelDateTime=\t4.4558451867772063e+004\t12/28/2021 10:50:41.375506\n"
                       "ChannelTitle=\tBP\tFlux\n"
                       "UnitName=\tmmHg\tpu\n"
                       "Range=\t1 V\t5 V\n"
                       "0\t80.5\t100\n"
                       "0.01\t\t101\t#1 cuff on\n"
                       "0.02\t81.5\tNaN\n"
                       "0.03\t82\n";
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_text(text, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 2);
    ASSERT_STR_EQ(imp.streams[0].info->name, "BP");
    ASSERT_STR_EQ(imp.streams[0].info->channels[0].unit, "mm[Hg]");
    ASSERT_STR_EQ(imp.streams[1].info->channels[0].unit, "PU");
    ASSERT_EQ_INT(imp.streams[1].info->modality, MC_MODALITY_LDF);
    ASSERT_NEAR_F(imp.streams[0].info->rate_hz, 100.0, 1e-9);
    ASSERT_STR_EQ(mc_stream_info_get_attr(imp.streams[0].info, "range"), "1 V");
    ASSERT_EQ_INT(imp.streams[0].n_frames, 4);
    ASSERT_TRUE(isnan(imp.streams[0].data[1]));
    ASSERT_NEAR_F(imp.streams[0].data[3], 82.0, 1e-6);
    ASSERT_TRUE(isnan(imp.streams[1].data[2]));
    ASSERT_TRUE(isnan(imp.streams[1].data[3]));
    ASSERT_EQ_INT(imp.n_events, 1);
    ASSERT_EQ_INT(imp.events[0].t_ns, 10000000);
    ASSERT_STR_EQ(imp.events[0].kind, "comment");
    ASSERT_STR_EQ(imp.events[0].text, "#1 cuff on");
    mc_check_session_round_trip(&imp, "channels.h5");
    mc_import_free(&imp);
}

/* Exports with clock times, and with a date column before them. */
TEST(date_and_clock_columns)
{
    const char *text = "Interval=\t0.5 s\nTimeFormat=\tClockTime\nChannelTitle=\tA\tB\n"
                       "10:50:41.000\t1\t2\n10:50:41.500\t3\t4\n";
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_text(text, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 2);
    ASSERT_NEAR_F(imp.streams[1].data[1], 4, 0);
    mc_import_free(&imp);
    ASSERT_STATUS(read_text("Interval=\t0.5 s\nChannelTitle=\tA\n0\t7\t\n0.5\t8\t\n", &imp, &d),
                  MC_OK); /* a TAB at the end of each row */
    ASSERT_NEAR_F(imp.streams[0].data[0], 7, 0);
    mc_import_free(&imp);
    text = "Interval=\t0.5 s\nDateFormat=\tM/d/yyyy\nChannelTitle=\tA\n"
           "12/28/2021\t10:50:41.000\t1\n12/28/2021\t10:50:41.500\t3\t#2 cuff\n";
    ASSERT_STATUS(read_text(text, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 1);
    ASSERT_EQ_INT(imp.streams[0].n_frames, 2);
    ASSERT_NEAR_F(imp.streams[0].data[1], 3, 0);
    ASSERT_EQ_INT(imp.n_events, 1);
    ASSERT_EQ_INT(imp.events[0].t_ns, 500000000);
    mc_import_free(&imp);
}

/* A second block 1 s after the first ends continues the streams after 100 NaN rows; a block with
 * other channels gets streams of its own. */
TEST(blocks)
{
    const char *text = "Interval=\t0.01 s\n"
                       "ExcelDateTime=\t44558.5\n"
                       "ChannelTitle=\tA\n"
                       "0\t1\n0.01\t2\n"
                       "Interval=\t0.01 s\n"
                       "ExcelDateTime=\t44558.500034722222\n" /* + 3 s */
                       "ChannelTitle=\tA\n"
                       "0\t3\n"
                       "Interval=\t0.5 s\n"
                       "ChannelTitle=\tA\n"
                       "0\t4\n";
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_text(text, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 2);
    const mc_import_stream *a = &imp.streams[0];
    ASSERT_EQ_INT(a->n_frames, 2 + 298 + 1);
    ASSERT_EQ_INT(a->n_gaps, 1);
    ASSERT_EQ_INT(a->gaps[0].first_index, 2);
    ASSERT_EQ_INT(a->gaps[0].n_missing, 298);
    ASSERT_STR_EQ(a->gaps[0].reason, "labchart block");
    ASSERT_NEAR_F(a->data[300], 3.0, 1e-6);
    ASSERT_STR_EQ(imp.streams[1].info->name, "A_2");
    ASSERT_NEAR_F(imp.streams[1].info->rate_hz, 2.0, 1e-9);
    ASSERT_EQ_INT(imp.streams[1].start_ns, 3010000000LL);
    mc_import_free(&imp);
}

TEST(malformed)
{
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_text("ChannelTitle=\tA\n0\t1\n", &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "x.txt: line 2: expected an Interval=") != NULL);
    ASSERT_EQ_INT(d.line, 2);
    mc_import_free(&imp);
    ASSERT_STATUS(read_text("Interval=\t0 s\nChannelTitle=\tA\n0\t1\n", &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "line 1: expected a sample interval") != NULL);
    mc_import_free(&imp);
    ASSERT_STATUS(read_text("Interval=\t1e-12 s\nChannelTitle=\tA\n0\t1\n", &imp, &d), MC_EFORMAT);
    mc_import_free(&imp);
    ASSERT_STATUS(read_text("0\t1\n", &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "line 1: expected LabChart") != NULL);
    mc_import_free(&imp);
    ASSERT_STATUS(read_text("Interval=\t0.1 s\nChannelTitle=\tA\n", &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "no rows") != NULL);
    mc_import_free(&imp);
    ASSERT_STATUS(read_text("Interval=\t0.1 s\nChannelTitle=\tA\n0\t1\nabc\t2\n", &imp, &d),
                  MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "line 4: expected the time of a row") != NULL);
    mc_import_free(&imp);
    /* A title that is not UTF-8 gives a valid stream name; truncated input is still read. */
    ASSERT_STATUS(
        read_text("Interval=\t0.1 s\nChannelTitle=\t\xff\xfe\x80\n0\t1\n0.1\t2", &imp, &d), MC_OK);
    ASSERT_STR_EQ(imp.streams[0].info->name, "channel_1");
    ASSERT_EQ_INT(imp.streams[0].n_frames, 2);
    mc_import_free(&imp);
    /* Found by fuzzing: an Excel date past 2200 overflowed; a block dated before the first one
     * made negative times. Both dates are ignored: the blocks follow each other. */
    ASSERT_STATUS(
        read_text("Interval=\t1 s\nExcelDateTime=\t4.4e+05\nChannelTitle=\tA\n0\t1\n", &imp, &d),
        MC_OK);
    ASSERT_EQ_INT(imp.start_unix_ns, MC_IMPORT_NO_TIME);
    mc_import_free(&imp);
    ASSERT_STATUS(read_text("Interval=\t1 s\nExcelDateTime=\t44558.5\nChannelTitle=\tA\n0\t1\n"
                            "Interval=\t1 s\nExcelDateTime=\t44557.5\nChannelTitle=\tA\n0\t2\t#c\n",
                            &imp, &d),
                  MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 1);
    ASSERT_EQ_INT(imp.streams[0].n_frames, 2);
    ASSERT_EQ_INT(imp.n_events, 1);
    ASSERT_EQ_INT(imp.events[0].t_ns, 1000000000LL);
    mc_import_free(&imp);
    /* The memory bound is a diagnostic. */
    mc_import_init(&imp);
    imp.limit_bytes = 64;
    const char *many = "Interval=\t0.1 s\nChannelTitle=\tA\n0\t1\n0\t1\n0\t1\n0\t1\n0\t1\n0\t1\n"
                       "0\t1\n0\t1\n0\t1\n0\t1\n0\t1\n0\t1\n0\t1\n0\t1\n0\t1\n0\t1\n0\t1\n0\t1\n";
    ASSERT_STATUS(mc_labchart_read((const uint8_t *)many, strlen(many), "x", &imp, &d), MC_ENOMEM);
    mc_import_free(&imp);
    mc_import_init(&imp);
    ASSERT_STATUS(mc_labchart_import("/nonexistent/x.txt", &imp, &d), MC_ENOTFOUND);
    mc_import_free(&imp);
}
