/* SPDX-License-Identifier: MIT */
/* tests/formats/test_delim.c: the delimited-text reader on the four shared exports it has presets
 * for (facts from SOURCES.md / FORMATS.md §2, §5, §10; BIDMC cross-checked with numpy.loadtxt),
 * on crafted tables (delimiters, decimal commas, clocks, dates, missing markers, options), and on
 * malformed ones that must give one clear diagnostic. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/delim.h"
#include "formats/text_scan.h"
#include "tests/formats/import_check.h"
#include "tests/harness.h"

static const mc_import_stream *find(const mc_import *imp, const char *name)
{
    for (size_t i = 0; i < imp->n_streams; i++)
        if (strcmp(imp->streams[i].info->name, name) == 0)
            return &imp->streams[i];
    return NULL;
}

static mc_status read_opts(const char *text, const mc_delim_options *o, mc_import *imp, mc_diag *d)
{
    mc_import_init(imp);
    mc_diag_clear(d);
    return mc_delim_read((const uint8_t *)text, strlen(text), o, "t.csv", imp, d);
}

static mc_status read_text(const char *text, mc_import *imp, mc_diag *d)
{
    return read_opts(text, NULL, imp, d);
}

static mc_status import_shared(const char *rel, mc_import *imp, mc_diag *d)
{
    const char *path = mc_test_shared(rel);
    mc_import_init(imp);
    mc_diag_clear(d);
    return mc_delim_import(path, imp, d);
}

TEST(bidmc)
{
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(import_shared("ppg/bidmc_01_Signals.csv", &imp, &d), MC_OK);
    ASSERT_STR_EQ(imp.format, "bidmc_csv");
    ASSERT_STR_EQ(imp.source, "bidmc_01_Signals.csv");
    ASSERT_EQ_INT(imp.start_unix_ns, MC_IMPORT_NO_TIME);
    ASSERT_EQ_INT(imp.n_streams, 5);
    const char *names[5] = {"RESP", "PLETH", "V", "AVR", "II"};
    const double first[5] = {0.35386, 0.43597, 0.52549, 0.30392, 0.72549};
    const double last[5] = {0.13783, 0.40274, 0.49412, 0.53529, 0.38039};
    for (int i = 0; i < 5; i++) {
        const mc_import_stream *s = &imp.streams[i];
        ASSERT_STR_EQ(s->info->name, names[i]);
        ASSERT_EQ_INT(s->n_frames, 60001);
        /* Regular 125 Hz from the time column, although it is written with 2 decimals after
         * 100 s (100.01 for 100.008). */
        ASSERT_NEAR_F(s->info->rate_hz, 125.0, 1e-9);
        ASSERT_TRUE(s->t_ns == NULL);
        ASSERT_NEAR_F(s->data[0], first[i], 1e-6);
        ASSERT_NEAR_F(s->data[60000], last[i], 1e-6);
    }
    ASSERT_EQ_INT(imp.streams[1].info->modality, MC_MODALITY_PPG);
    ASSERT_STR_EQ(mc_stream_info_get_attr(imp.streams[0].info, "source_column"), "RESP");

    /* Every value against numpy.loadtxt of the same file. */
    char cmd[1400];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import sys, numpy; a = numpy.loadtxt(sys.argv[1], "
             "delimiter=\",\", skiprows=1); print(*a.shape); "
             "print(*(repr(v) for v in a[:, 1:].ravel()), sep=\"\\n\")' '%s' 2>/dev/null",
             mc_test_shared("ppg/bidmc_01_Signals.csv"));
    FILE *p = popen(cmd, "r");
    ASSERT_TRUE(p != NULL);
    int rows = 0, cols = 0;
    if (fscanf(p, "%d %d", &rows, &cols) != 2) {
        pclose(p);
        SKIP("python3 with numpy is not available");
    }
    ASSERT_EQ_INT(rows, 60001);
    ASSERT_EQ_INT(cols, 6);
    long compared = 0;
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < 5; c++, compared++) {
            double v;
            ASSERT_EQ_INT(fscanf(p, "%lf", &v), 1);
            ASSERT_NEAR_F(imp.streams[c].data[r], (float)v, 0);
        }
    pclose(p);
    ASSERT_EQ_INT(compared, 300005);
    mc_check_session_round_trip(&imp, "bidmc.h5");
    mc_import_free(&imp);
}

TEST(trainred)
{
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(import_shared("nirs/mnirs/train.red_intervals.csv", &imp, &d), MC_OK);
    ASSERT_STR_EQ(imp.format, "trainred_csv");
    /* Lap/Event, then four columns per sensor; the empty separator columns are dropped. */
    ASSERT_EQ_INT(imp.n_streams, 9);
    ASSERT_STR_EQ(imp.streams[0].info->name, "Lap_Event");
    const mc_import_stream *a = find(&imp, "SmO2_0673"), *b = find(&imp, "SmO2_0702");
    ASSERT_TRUE(a && b && find(&imp, "HHb_unfiltered_0702"));
    ASSERT_EQ_INT(a->n_frames, 11995);
    ASSERT_TRUE(a->info->rate_hz == 0); /* irregular, about 10 Hz */
    ASSERT_NEAR_F(a->data[0], 67.7, 1e-5);
    ASSERT_NEAR_F(b->data[0], 72.18, 1e-5);
    ASSERT_NEAR_F(a->data[11994], 68.22, 1e-5);
    ASSERT_STR_EQ(a->info->channels[0].unit, "%");
    ASSERT_EQ_INT(a->info->modality, MC_MODALITY_NIRS);
    ASSERT_STR_EQ(a->info->site, "legRightUpperFront");
    ASSERT_STR_EQ(b->info->site, "legLeftUpperFront");
    ASSERT_STR_EQ(mc_stream_info_get_attr(a->info, "sensor"), "Train.Red FYER 0673");
    /* 2084.15 ... 3295.48 s: times from the first row, never decreasing (equal ones occur). */
    ASSERT_EQ_INT(a->t_ns[0], 0);
    ASSERT_EQ_INT(a->t_ns[1], 20000000);
    ASSERT_EQ_INT(a->t_ns[11994], 1211330000000LL);
    int64_t equal = 0;
    for (int64_t i = 1; i < a->n_frames; i++) {
        ASSERT_TRUE(a->t_ns[i] >= a->t_ns[i - 1]);
        equal += a->t_ns[i] == a->t_ns[i - 1];
    }
    ASSERT_TRUE(equal > 0);
    mc_check_session_round_trip(&imp, "trainred.h5");
    mc_import_free(&imp);
}

/* SOURCES.md says 930 rows: the file has 931 (930 intervals of 2 s, 13:17:13 to 13:48:13). */
TEST(moxy)
{
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(import_shared("nirs/mnirs/moxy_intervals.csv", &imp, &d), MC_OK);
    ASSERT_STR_EQ(imp.format, "moxy_csv");
    ASSERT_EQ_INT(imp.start_unix_ns, MC_IMPORT_NO_TIME); /* the date has no year */
    ASSERT_EQ_INT(imp.n_streams, 5);
    const mc_import_stream *live = find(&imp, "SmO2_Live"), *thb = find(&imp, "THb");
    ASSERT_TRUE(live && thb && find(&imp, "SmO2_Averaged") && find(&imp, "Session_Ct"));
    ASSERT_EQ_INT(live->n_frames, 931);
    ASSERT_NEAR_F(live->info->rate_hz, 0.5, 1e-12);
    ASSERT_NEAR_F(live->data[0], 56, 0);
    ASSERT_NEAR_F(live->data[930], 41, 0);
    ASSERT_NEAR_F(thb->data[0], 13.01, 1e-5);
    ASSERT_NEAR_F(thb->data[930], 12.29, 1e-5);
    ASSERT_STR_EQ(live->info->channels[0].unit, "%");
    ASSERT_EQ_INT(live->info->modality, MC_MODALITY_NIRS);
    mc_check_session_round_trip(&imp, "moxy.h5");
    mc_import_free(&imp);
}

TEST(vscapture)
{
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(import_shared("serial/vscapture_datex_as3/AS3ExampleData.csv", &imp, &d), MC_OK);
    ASSERT_STR_EQ(imp.format, "vscapture_csv");
    /* 15/05/2016 12:50:56, day-first, read as UTC. */
    ASSERT_EQ_INT(imp.start_unix_ns,
                  (mc_text_days_from_civil(2016, 5, 15) * 86400 + 12 * 3600 + 50 * 60 + 56) *
                      1000000000LL);
    /* 42 named columns after Date and Time, and 2 values more than the header names. */
    ASSERT_EQ_INT(imp.n_streams, 44);
    const mc_import_stream *hr = find(&imp, "Heart_Rate"), *spo2 = find(&imp, "SpO2"),
                           *sys = find(&imp, "Systolic_BP");
    ASSERT_TRUE(hr && spo2 && sys && find(&imp, "RR_2") && find(&imp, "column_46"));
    ASSERT_EQ_INT(hr->n_frames, 13);
    ASSERT_NEAR_F(hr->info->rate_hz, 0.2, 1e-12); /* 13 rows 5 s apart: 60 s */
    ASSERT_STR_EQ(hr->info->channels[0].unit, "/min");
    ASSERT_NEAR_F(hr->data[0], 68, 0);
    ASSERT_NEAR_F(hr->data[12], 67, 0);
    ASSERT_STR_EQ(spo2->info->channels[0].unit, "%");
    ASSERT_NEAR_F(spo2->data[2], 97, 0);
    ASSERT_EQ_INT(spo2->info->modality, MC_MODALITY_PPG);
    ASSERT_STR_EQ(sys->info->channels[0].unit, "mm[Hg]");
    for (int i = 0; i < 13; i++) /* '-' everywhere */
        ASSERT_TRUE(isnan(sys->data[i]));
    ASSERT_TRUE(isnan(find(&imp, "N2O_FI")->data[0])); /* None */
    mc_check_session_round_trip(&imp, "vscapture.h5");
    mc_import_free(&imp);
}

/* Semicolons, quoted decimal commas, a clock column passing midnight, missing markers. */
TEST(semicolon_decimal_comma_clock)
{
    const char *text = "\xef\xbb\xbf"
                       "Device X export\n"
                       "\n"
                       "Clock;HR (bpm);Temp [degC];Note\n"
                       "23:59:58;\"61,5\";36,6;ok\n"
                       "23:59:59.5;--.-;36,7;ok\n"
                       "00:00:05;62;---;\n";
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_text(text, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 2); /* Note holds only text */
    const mc_import_stream *hr = find(&imp, "HR"), *t = find(&imp, "Temp");
    ASSERT_TRUE(hr && t);
    ASSERT_STR_EQ(hr->info->channels[0].unit, "/min");
    ASSERT_STR_EQ(t->info->channels[0].unit, "Cel");
    ASSERT_TRUE(hr->info->rate_hz == 0);
    ASSERT_NEAR_F(hr->data[0], 61.5, 1e-6);
    ASSERT_TRUE(isnan(hr->data[1]));
    ASSERT_NEAR_F(t->data[1], 36.7, 1e-6);
    ASSERT_TRUE(isnan(t->data[2]));
    ASSERT_EQ_INT(hr->t_ns[1], 1500000000LL);
    ASSERT_EQ_INT(hr->t_ns[2], 7000000000LL); /* after midnight */
    ASSERT_EQ_INT(imp.start_unix_ns, MC_IMPORT_NO_TIME);
    mc_import_free(&imp);
}

/* Comma-separated with quoted decimal commas (VO2master), a rate instead of times, options. */
TEST(options)
{
    const char *text = "n,t,a,b,c\n"
                       "1,00:00:01,131,\"13,80\",7\n"
                       "2,00:00:02,132,\"14,20\",8\n";
    mc_delim_options o = mc_delim_options_default();
    mc_diag d;
    ASSERT_STATUS(mc_delim_options_set(&o, "time_column", "none", &d), MC_OK);
    ASSERT_STATUS(mc_delim_options_set(&o, "rate_hz", "4", &d), MC_OK);
    ASSERT_STATUS(mc_delim_options_set(&o, "columns", "1-2,5", &d), MC_OK);
    mc_import imp;
    ASSERT_STATUS(read_opts(text, &o, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 2);
    ASSERT_STR_EQ(imp.streams[0].info->name, "a");
    ASSERT_NEAR_F(imp.streams[0].info->rate_hz, 4, 0);
    ASSERT_NEAR_F(imp.streams[1].data[0], 13.8, 1e-5);
    ASSERT_NEAR_F(imp.streams[1].data[1], 14.2, 1e-5);
    mc_import_free(&imp);

    /* An explicit header row, no header, an explicit time column in ms, a decimal comma,
     * a missing marker of one's own, month-first dates. */
    o = mc_delim_options_default();
    ASSERT_STATUS(mc_delim_options_set(&o, "header_row", "none", &d), MC_OK);
    ASSERT_STATUS(mc_delim_options_set(&o, "time_format", "ms", &d), MC_OK);
    ASSERT_STATUS(mc_delim_options_set(&o, "delimiter", "tab", &d), MC_OK);
    ASSERT_STATUS(mc_delim_options_set(&o, "decimal", ",", &d), MC_OK);
    ASSERT_STATUS(mc_delim_options_set(&o, "missing", "ERR|n.v.", &d), MC_OK);
    ASSERT_STATUS(read_opts("0\t1,5\tERR\n500\t2,5\t3\n", &o, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 2);
    ASSERT_STR_EQ(imp.streams[0].info->name, "column_2");
    ASSERT_NEAR_F(imp.streams[0].info->rate_hz, 2, 1e-9);
    ASSERT_NEAR_F(imp.streams[0].data[1], 2.5, 1e-6);
    ASSERT_TRUE(isnan(imp.streams[1].data[0]));
    mc_import_free(&imp);

    o = mc_delim_options_default();
    ASSERT_STATUS(mc_delim_options_set(&o, "date_order", "mdy", &d), MC_OK);
    ASSERT_STATUS(mc_delim_options_set(&o, "skip_rows", "1", &d), MC_OK);
    ASSERT_STATUS(read_opts("1,2,3\ndate,time,x\n12/28/2021,10:00:00,1\n12/28/2021,10:00:05,2\n"
                            "12/28/2021,10:00:06,3\n",
                            &o, &imp, &d),
                  MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 1);
    ASSERT_EQ_INT(imp.start_unix_ns,
                  (mc_text_days_from_civil(2021, 12, 28) * 86400 + 36000) * 1000000000LL);
    ASSERT_EQ_INT(imp.streams[0].t_ns[1], 5000000000LL);
    mc_import_free(&imp);

    /* Sample numbers at 10 Hz: regular while none is missing, irregular after a gap. */
    o = mc_delim_options_default();
    ASSERT_STATUS(mc_delim_options_set(&o, "time_format", "samples", &d), MC_OK);
    ASSERT_STATUS(read_opts("sample,x\n0,1\n1,2\n2,3\n", &o, &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "time_format samples needs rate_hz") != NULL);
    mc_import_free(&imp);
    ASSERT_STATUS(mc_delim_options_set(&o, "rate_hz", "10", &d), MC_OK);
    ASSERT_STATUS(mc_delim_options_set(&o, "time_column", "1", &d), MC_OK);
    ASSERT_STATUS(read_opts("sample,x\n7,1\n8,2\n9,3\n", &o, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 1);
    ASSERT_NEAR_F(imp.streams[0].info->rate_hz, 10, 1e-9);
    mc_import_free(&imp);
    ASSERT_STATUS(read_opts("sample,x\n7,1\n8,2\n10,3\n", &o, &imp, &d), MC_OK);
    ASSERT_TRUE(imp.streams[0].info->rate_hz == 0);
    ASSERT_EQ_INT(imp.streams[0].t_ns[2], 300000000LL);
    mc_import_free(&imp);

    /* Every key rejects what it cannot hold, naming itself. */
    const char *bad[][2] = {
        {"delimiter", "::"},   {"decimal", ";"},        {"header_row", "0"},
        {"header_row", "x"},   {"group_row", "-3"},     {"skip_rows", "-1"},
        {"time_column", "0"},  {"time_column", "2000"}, {"time_format", "hours"},
        {"date_order", "ymd"}, {"rate_hz", "0"},        {"rate_hz", "nan"},
        {"rate_hz", "1e9"},    {"columns", "0"},        {"columns", "5-2"},
        {"columns", "2,x"},    {"columns", "1025"},     {"colour", "red"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_diag_clear(&d);
        ASSERT_STATUS(mc_delim_options_set(&o, bad[i][0], bad[i][1], &d), MC_EINVAL);
        ASSERT_TRUE(strstr(d.message, bad[i][0]) != NULL);
    }
    ASSERT_STATUS(mc_delim_options_set(&o, "header_row", "3", &d), MC_OK);
    ASSERT_EQ_INT(o.header_row, 3);
    ASSERT_STATUS(mc_delim_options_set(&o, "group_row", "above", &d), MC_OK);
    ASSERT_EQ_INT(o.group_row, -1);
    ASSERT_STATUS(mc_delim_options_set(&o, "delimiter", "auto", &d), MC_OK);
    ASSERT_EQ_INT(o.delimiter, 0);
}

TEST(malformed)
{
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_text("time,x\n0,1\n1,2\n0.5,3\n", &imp, &d), MC_EFORMAT);
    ASSERT_STR_EQ(d.message, "t.csv: line 4: the time goes back at '0.5'");
    ASSERT_EQ_INT(d.line, 4);
    mc_import_free(&imp);
    ASSERT_STATUS(read_text("time,x\n0,1\n1,2\n2,3\nabc,4\n", &imp, &d), MC_EFORMAT);
    ASSERT_STR_EQ(d.message, "t.csv: line 5: expected a time in the time column, got 'abc'");
    mc_import_free(&imp);
    ASSERT_STATUS(read_text("t,x\n0,1\n1,2\n2,3\n3,4,5\n", &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "line 5: a value beyond the columns of the header") != NULL);
    mc_import_free(&imp);
    ASSERT_STATUS(read_text("a,b\n1,2\n3,4\n5,6\n", &imp, &d), MC_EFORMAT);
    ASSERT_STR_EQ(d.message,
                  "t.csv: line 2: no time column recognised: set time_column or rate_hz");
    mc_import_free(&imp);
    ASSERT_STATUS(read_text("date,time,x\n01/01/9999,10:00:00,1\n01/01/9999,10:00:01,2\n"
                            "01/01/9999,10:00:02,3\n",
                            &imp, &d),
                  MC_EFORMAT); /* found by fuzzing: years past 2200 overflowed ns since 1970 */
    mc_import_free(&imp);
    ASSERT_STATUS(read_text("just words\nand more\n", &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "no rows of numbers") != NULL);
    mc_import_free(&imp);
    ASSERT_STATUS(read_text("", &imp, &d), MC_EFORMAT);
    mc_import_free(&imp);
    ASSERT_STATUS(read_text("\xff\xfe\x00\x01\x02", &imp, &d), MC_EFORMAT);
    mc_import_free(&imp);
    /* A name that is not UTF-8 gives a valid stream name and a marked attribute. */
    ASSERT_STATUS(read_text("time,\xff\xfe val\n0,1\n1,2\n2,3\n", &imp, &d), MC_OK);
    ASSERT_STR_EQ(imp.streams[0].info->name, "val");
    ASSERT_STR_EQ(mc_stream_info_get_attr(imp.streams[0].info, "source_column"), "?? val");
    mc_import_free(&imp);
    /* More than 1024 columns. */
    char *wide = malloc(5000);
    size_t n = 0;
    for (int i = 0; i < 1100; i++)
        wide[n++] = '1', wide[n++] = ',';
    wide[n - 1] = '\n';
    memcpy(wide + n, "1,2\n", 5);
    ASSERT_STATUS(read_text(wide, &imp, &d), MC_EFORMAT);
    mc_import_free(&imp);
    /* A wide header over short rows is bounded by the import's limit. */
    n = 0;
    memcpy(wide, "time", 4);
    n = 4;
    for (int i = 0; i < 1000; i++)
        wide[n++] = ',', wide[n++] = 'x';
    wide[n++] = '\n';
    for (int i = 0; i < 50; i++)
        wide[n++] = '1', wide[n++] = '\n';
    wide[n] = '\0';
    mc_import_init(&imp);
    imp.limit_bytes = 100000;
    ASSERT_STATUS(mc_delim_read((const uint8_t *)wide, n, NULL, "w.csv", &imp, &d), MC_ENOMEM);
    mc_import_free(&imp);
    free(wide);
    mc_import_init(&imp);
    ASSERT_STATUS(mc_delim_import("/nonexistent/x.csv", &imp, &d), MC_ENOTFOUND);
    mc_import_free(&imp);
}

TEST(detect)
{
    const char *bidmc = "Time [s], RESP, PLETH, V, AVR, II\n0,1,2,3,4,5\n";
    ASSERT_STR_EQ(mc_delim_preset((const uint8_t *)bidmc, strlen(bidmc)), "bidmc_csv");
    const char *tr = "\xef\xbb\xbfTrain.Red Export for,Session at 2025-05-06,,\n";
    ASSERT_STR_EQ(mc_delim_preset((const uint8_t *)tr, strlen(tr)), "trainred_csv");
    const char *moxy = "\n FW Part Number: 2000195 v1.3\n LUT Part Number: x\n \n"
                       "mm-dd,hh:mm:ss,SmO2 Live\n";
    ASSERT_STR_EQ(mc_delim_preset((const uint8_t *)moxy, strlen(moxy)), "moxy_csv");
    const char *vs = "\xef\xbb\xbfVitalSignsCapture v1.005\r\nDatex AS3 Monitor\r\n";
    ASSERT_STR_EQ(mc_delim_preset((const uint8_t *)vs, strlen(vs)), "vscapture_csv");
    ASSERT_EQ_INT(mc_delim_detect((const uint8_t *)vs, strlen(vs), NULL), 1);
    const char *plain = "a,b\n1,2\n";
    ASSERT_TRUE(mc_delim_preset((const uint8_t *)plain, strlen(plain)) == NULL);
    ASSERT_EQ_INT(mc_delim_detect((const uint8_t *)plain, strlen(plain), "x.CSV"), 1);
    ASSERT_EQ_INT(mc_delim_detect((const uint8_t *)plain, strlen(plain), "x.txt"), 0);
    mc_delim_options o = mc_delim_preset_options((const uint8_t *)tr, strlen(tr));
    ASSERT_EQ_INT(o.group_row, -1);
    ASSERT_STR_EQ(o.format, "trainred_csv");
}
