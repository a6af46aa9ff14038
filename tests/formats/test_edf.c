/* SPDX-License-Identifier: MIT */
/* tests/formats/test_edf.c: the EDF/EDF+/BDF reader (formats/edf.h): the shared chtypes_edf.edf
 * against its documented facts and independent readings (numpy over the header, MNE-Python),
 * crafted EDF+D, BDF, fractional-duration and annotation-only files, values bit for bit and
 * mcirc's missing runs, malformed headers, records and TALs, the import's memory bound, and every
 * prefix of crafted files at a guard page. */
#include "formats/export.h"
#include "tests/formats/edf_testutil.h"
#include "tests/guard.h"

TEST(shared_chtypes_facts)
{
    mc_import imp;
    import_shared(&imp);
    /* SOURCES.md: EDF+C, 43 signals of which one is EDF Annotations, 5 records x 1 s, 200 Hz. */
    ASSERT_STR_EQ(imp.format, "edf+");
    ASSERT_STR_EQ(imp.source, "chtypes_edf.edf");
    ASSERT_EQ_INT(imp.n_streams, 42);
    ASSERT_STR_EQ(imp.streams[0].info->name, "EEG_Fp1-Ref");
    ASSERT_STR_EQ(imp.streams[26].info->name, "ECG_ECG1");
    ASSERT_STR_EQ(imp.streams[27].info->name, "ECG_ECG2");
    ASSERT_STR_EQ(imp.streams[34].info->name, "SaO2_X9");
    ASSERT_STR_EQ(imp.streams[41].info->name, "POL_A2"); /* "POL $A2" */
    for (size_t i = 0; i < imp.n_streams; i++) {
        ASSERT_NEAR_F(imp.streams[i].info->rate_hz, 200, 0);
        ASSERT_EQ_INT(imp.streams[i].n_frames, 1000);
        ASSERT_EQ_INT(imp.streams[i].start_ns, 0);
    }
    ASSERT_STR_EQ(imp.streams[0].info->channels[0].unit, "uV");
    ASSERT_STR_EQ(mc_stream_info_get_attr(imp.streams[26].info, "edf_label"), "ECG ECG1");
    /* First samples: (d - dmin) (pmax - pmin) / (dmax - dmin) + pmin, computed apart. */
    ASSERT_NEAR_F(imp.streams[0].data[0], 97.2656494, 1e-4);
    ASSERT_NEAR_F(imp.streams[0].data[1], 84.4726830, 1e-4);
    ASSERT_NEAR_F(imp.streams[26].data[0], -17.0850872, 1e-4);
    ASSERT_NEAR_F(imp.streams[26].data[4], 2.93439721, 1e-4);
    ASSERT_NEAR_F(imp.streams[34].data[2], -295.019917, 1e-3);
    /* Provenance: device = physical * gain + offset, gain = 9290 / 907.2264 for Fp1. */
    ASSERT_NEAR_F(imp.streams[0].info->channels[0].scale_gain, 9290.0 / 907.2264, 1e-9);
    /* Start 19.11.15 19.33.09 (Startdate 19-NOV-2015) read as UTC. */
    ASSERT_EQ_INT(imp.start_unix_ns, 1447961589LL * 1000000000LL);
    /* 8 annotations in the TALs (time-keeping TALs excluded). */
    ASSERT_EQ_INT(imp.n_events, 8);
    ASSERT_STR_EQ(imp.events[1].text, "Segment: REC START LTM+6 EEG");
    ASSERT_EQ_INT(imp.events[1].t_ns, 0);
    ASSERT_STR_EQ(imp.events[2].kind, "annotation");
    ASSERT_STR_EQ(imp.events[5].text, "high amp RDA F4, C4");
    ASSERT_EQ_INT(imp.events[5].t_ns, 1000000000LL);
    ASSERT_TRUE(isnan(imp.events[5].value));
    /* Privacy: the patient field ("X 25-JUN-1985 No_Name") and the equipment never appear. */
    ASSERT_TRUE(!import_holds(&imp, "No_Name"));
    ASSERT_TRUE(!import_holds(&imp, "25-JUN"));
    ASSERT_TRUE(!import_holds(&imp, "NKC-EEG"));
    mc_import_free(&imp);
}

TEST(shared_chtypes_numpy)
{
    mc_import imp;
    import_shared(&imp);
    const char *dump_path = mc_test_tmp_path("chtypes.dump");
    dump(&imp, dump_path);
    mc_import_free(&imp);
    crosscheck("numpy", mc_test_shared("edf/chtypes_edf.edf"), dump_path);
}

TEST(shared_chtypes_mne)
{
    mc_import imp;
    import_shared(&imp);
    const char *dump_path = mc_test_tmp_path("chtypes.dump");
    dump(&imp, dump_path);
    mc_import_free(&imp);
    crosscheck("mne", mc_test_shared("edf/chtypes_edf.edf"), dump_path);
}

TEST(detect)
{
    uint8_t head[4096];
    FILE *f = fopen(mc_test_shared("edf/chtypes_edf.edf"), "rb");
    ASSERT_TRUE(f != NULL);
    const size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    ASSERT_EQ_INT(mc_edf_detect(head, n, "x.bin"), 1);
    ASSERT_EQ_INT(mc_edf_detect(head, 100, "x.edf"), 0); /* too short to tell */
    head[0] = 0xFF;
    memcpy(head + 1, "BIOSEMI", 7);
    ASSERT_EQ_INT(mc_edf_detect(head, n, NULL), 1);
    const char *csv = "Time,PLETH\n0,1\n";
    ASSERT_EQ_INT(mc_edf_detect((const uint8_t *)csv, strlen(csv), "x.edf"), 0);
    uint8_t zeros[300] = {0};
    ASSERT_EQ_INT(mc_edf_detect(zeros, sizeof zeros, "x.edf"), 0);
}

/* ---- crafted files ---- */

/* EDF+D: 10 Hz signal A, 4 Hz SpO2, annotations; record starts 0.5, 1.5, 4.5, 5.75 s. */
static void build_edf_plus_d(tfile *f, const char *last_onset)
{
    const tsig s[] = {
        {"A", "mV", "-100", "100", "-1000", "1000", "10"},
        {"SpO2", "%", "0", "100", "0", "1000", "4"},
        {"EDF Annotations", "", "-1", "1", "-32768", "32767", "30"},
    };
    put_header(f, 0, "Startdate 29-FEB-2020 X X X", "29.02.20", "12.00.00", "EDF+D", "4", "1", 3,
               s);
    const char *onsets[4] = {"+0.5", "+1.5", "+4.5", last_onset};
    for (int r = 0; r < 4; r++) {
        for (int j = 0; j < 10; j++)
            put_i16(f, r * 100 + j * 10); /* A = d / 10 mV */
        for (int j = 0; j < 4; j++)
            put_i16(f, 900 + r * 10 + j); /* SpO2 = d / 10 % */
        char tal[60];
        int n = snprintf(tal, sizeof tal, "%s\x14\x14", onsets[r]);
        tal[n++] = 0;
        if (r == 1) {
            n += snprintf(tal + n, sizeof tal - (size_t)n,
                          "+1.6\x15"
                          "2.5\x14Occlusion start\x14");
            tal[n++] = 0;
        }
        put_annotations(f, tal, (size_t)n, 60);
    }
}

TEST(edf_plus_d)
{
    tfile f = {0};
    build_edf_plus_d(&f, "+5.75");
    mc_import imp;
    mc_diag d;
    mc_status st = read_into(&f, &imp, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    ASSERT_STR_EQ(imp.format, "edf+");
    /* 29.02.20 12:00:00 UTC with the year from Startdate. */
    ASSERT_EQ_INT(imp.start_unix_ns, 1582977600LL * 1000000000LL);
    ASSERT_EQ_INT(imp.n_streams, 2);
    const mc_import_stream *a = find(&imp, "A"), *sp = find(&imp, "SpO2");
    ASSERT_EQ_INT(a->start_ns, 500000000LL); /* sub-second start from the first TAL */
    ASSERT_EQ_INT(sp->info->modality, MC_MODALITY_PPG);
    ASSERT_STR_EQ(sp->info->channels[0].unit, "%");
    /* 4 records of 10 + a 2 s jump (20 NaN) + a 0.25 s jump (2.5 samples: 3, rounded). */
    ASSERT_EQ_INT(a->n_frames, 40 + 20 + 3);
    ASSERT_EQ_INT(a->n_gaps, 2);
    ASSERT_EQ_INT(a->gaps[0].first_index, 20);
    ASSERT_EQ_INT(a->gaps[0].n_missing, 20);
    ASSERT_STR_EQ(a->gaps[0].reason, "edf+d discontinuity");
    ASSERT_EQ_INT(a->gaps[1].first_index, 50);
    ASSERT_EQ_INT(a->gaps[1].n_missing, 3);
    ASSERT_STR_EQ(a->gaps[1].reason, "edf+d discontinuity, rounded");
    ASSERT_NEAR_F(a->data[0], 0, 1e-6);
    ASSERT_NEAR_F(a->data[19], 19, 1e-4); /* record 1, j 9: d = 190 */
    ASSERT_TRUE(isnan(a->data[20]) && isnan(a->data[39]));
    ASSERT_NEAR_F(a->data[40], 20, 1e-4); /* record 2: d = 200 */
    ASSERT_NEAR_F(a->data[53], 30, 1e-4); /* record 3 after 3 NaN: d = 300 */
    /* 4 Hz: 2 s = 8 NaN, 0.25 s = 1 NaN exactly. */
    ASSERT_EQ_INT(sp->n_frames, 16 + 8 + 1);
    ASSERT_EQ_INT(sp->gaps[1].n_missing, 1);
    ASSERT_STR_EQ(sp->gaps[1].reason, "edf+d discontinuity");
    ASSERT_NEAR_F(sp->data[0], 90, 1e-4);
    ASSERT_NEAR_F(sp->data[24], 93.3, 1e-4);
    ASSERT_EQ_INT(imp.n_events, 1);
    ASSERT_STR_EQ(imp.events[0].text, "Occlusion start");
    ASSERT_EQ_INT(imp.events[0].t_ns, 1600000000LL);
    ASSERT_NEAR_F(imp.events[0].value, 2.5, 0);
    ASSERT_TRUE(!import_holds(&imp, "Jane"));
    mc_import_free(&imp);

    /* A jump of 0.02 s is less than a sample: no row, a discontinuity mark said to be rounded. */
    f.n = 0;
    build_edf_plus_d(&f, "+5.52");
    ASSERT_STATUS(read_into(&f, &imp, &d), MC_OK);
    a = find(&imp, "A");
    ASSERT_EQ_INT(a->n_frames, 60);
    ASSERT_EQ_INT(a->n_gaps, 2);
    ASSERT_EQ_INT(a->gaps[1].first_index, 50);
    ASSERT_EQ_INT(a->gaps[1].n_missing, 0);
    ASSERT_STR_EQ(a->gaps[1].reason, "edf+d discontinuity, rounded");
    mc_import_free(&imp);

    /* A record that starts before the previous one ends. */
    f.n = 0;
    build_edf_plus_d(&f, "+4.9");
    ASSERT_STATUS(read_into(&f, &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "before the previous record ends") != NULL);
    ASSERT_TRUE(d.offset > 0);
    mc_import_free(&imp);
    free(f.b);
}

TEST(bdf_24bit)
{
    const tsig s[] = {{"EXG1", "uV", "-262144", "262143", "-8388608", "8388607", "3"}};
    tfile f = {0};
    put_header(&f, 1, "", "01.02.99", "03.04.05", "24BIT", "2", "1", 1, s);
    const int32_t v[6] = {-8388608, 8388607, 0, -1, 1, 4194304};
    for (int i = 0; i < 6; i++)
        put_i24(&f, v[i]);
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_into(&f, &imp, &d), MC_OK);
    ASSERT_STR_EQ(imp.format, "bdf");
    ASSERT_EQ_INT(imp.start_unix_ns, 917838245LL * 1000000000LL); /* 1999-02-01 03:04:05 */
    ASSERT_EQ_INT(imp.n_streams, 1);
    const mc_import_stream *x = &imp.streams[0];
    ASSERT_EQ_INT(x->n_frames, 6);
    ASSERT_NEAR_F(x->info->rate_hz, 3, 0);
    const double k = 524287.0 / 16777215.0;
    for (int i = 0; i < 6; i++)
        ASSERT_NEAR_F(x->data[i], ((double)v[i] + 8388608.0) * k - 262144.0, 0.02);
    ASSERT_NEAR_F(x->data[0], -262144, 0);
    ASSERT_NEAR_F(x->data[1], 262143, 0);
    mc_import_free(&imp);
    /* A BDF shorter than 3 bytes per sample claims: truncated. */
    f.n -= 2;
    ASSERT_STATUS(read_into(&f, &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "truncated") != NULL);
    mc_import_free(&imp);
    free(f.b);
}

/* The bits of a float, so that two values compare exactly and a failure prints both. */
static uint32_t float_bits(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

TEST(values_bit_exact)
{
    /* Every sample, EDF and BDF, through record and block boundaries (13 samples per record is
     * one vector block and a tail, 16 two whole blocks), equals the documented formula evaluated
     * as (d - dmin) * k + pmin with k = (pmax - pmin) / (dmax - dmin) in double, then rounded
     * once to float: bit for bit. */
    for (int bdf = 0; bdf < 2; bdf++) {
        const char *dmin = bdf ? "-8388608" : "-32768", *dmax = bdf ? "8388607" : "32767";
        const tsig s[] = {{"A", "uV", "-3276.8", "3276.7", dmin, dmax, "13"},
                          {"B", "mmHg", "-0.125", "1E3", "-2000", "30000", "16"}};
        tfile f = {0};
        put_header(&f, bdf, "", "01.02.03", "04.05.06", "", "3", "1", 2, s);
        const int32_t lo[2] = {bdf ? -8388608 : -32768, -2000};
        const int32_t hi[2] = {bdf ? 8388607 : 32767, 30000};
        const int spr[2] = {13, 16};
        int32_t v[3][29];
        uint32_t seed = 12345;
        for (int r = 0; r < 3; r++) {
            int j = 0;
            for (int i = 0; i < 2; i++) {
                for (int m = 0; m < spr[i]; m++, j++) {
                    seed = seed * 1103515245u + 12345u;
                    const int64_t span = (int64_t)hi[i] - lo[i] + 1;
                    v[r][j] = m == 0 ? lo[i] : m == 1 ? hi[i] : (int32_t)(lo[i] + seed % span);
                    if (bdf)
                        put_i24(&f, v[r][j]);
                    else
                        put_i16(&f, v[r][j]);
                }
            }
        }
        mc_import imp;
        mc_diag d;
        ASSERT_STATUS(read_into(&f, &imp, &d), MC_OK);
        ASSERT_EQ_INT(imp.n_streams, 2);
        const double pmin[2] = {-3276.8, -0.125}, pmax[2] = {3276.7, 1e3};
        for (int i = 0; i < 2; i++) {
            const mc_import_stream *x = &imp.streams[i];
            ASSERT_EQ_INT(x->n_frames, 3 * spr[i]);
            const double k = (pmax[i] - pmin[i]) / (double)((int64_t)hi[i] - lo[i]);
            for (int r = 0; r < 3; r++) {
                for (int m = 0; m < spr[i]; m++) {
                    const int32_t dv = v[r][(i ? spr[0] : 0) + m];
                    const float want = (float)(((double)dv - (double)lo[i]) * k + pmin[i]);
                    ASSERT_EQ_INT(float_bits(x->data[r * spr[i] + m]), float_bits(want));
                }
            }
        }
        mc_import_free(&imp);
        free(f.b);
    }
}

TEST(mcirc_missing_runs)
{
    /* A file written by mcirc (technician "mcirc"): runs of the digital minimum at a record's
     * start, across a vector block, across a record boundary and at the end of a record become
     * gaps "edf missing"; the run that ends the file is dropped. 20 samples per record:
     *   record 0: missing 0-2, 8-9, 18-19; record 1: missing 0-9; record 2: missing 19;
     *   record 3: missing 15-19 (the writer's padding). */
    const tsig s[] = {{"A", "mV", "-100", "100", "-32768", "32767", "20"},
                      {"EDF Annotations", "", "-1", "1", "-32768", "32767", "8"}};
    tfile f = {0};
    put_header(&f, 0, "Startdate 01-JAN-2020 X mcirc X", "01.01.20", "00.00.00", "EDF+C", "4", "1",
               2, s);
    float want[80];
    size_t n_want = 0, pending = 0;
    for (int r = 0; r < 4; r++) {
        for (int j = 0; j < 20; j++) {
            const int missing = (r == 0 && (j < 3 || (j >= 8 && j < 10) || j >= 18)) ||
                                (r == 1 && j < 10) || (r == 2 && j == 19) || (r == 3 && j >= 15);
            const int v = missing ? -32768 : r * 1000 + j * 37 - 900;
            put_i16(&f, v);
            if (missing) {
                pending++;
                continue;
            }
            for (; pending > 0; pending--)
                want[n_want++] = NAN;
            want[n_want++] = (float)(((double)v + 32768.0) * (200.0 / 65535.0) - 100.0);
        }
        char tal[16];
        const int n = snprintf(tal, sizeof tal, "+%d\x14\x14", r);
        put_annotations(&f, tal, (size_t)n + 1, 16);
    }
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_into(&f, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 1);
    const mc_import_stream *x = &imp.streams[0];
    ASSERT_EQ_INT(x->n_frames, 75);
    ASSERT_EQ_INT(n_want, 75);
    for (size_t i = 0; i < n_want; i++)
        ASSERT_EQ_INT(float_bits(x->data[i]), float_bits(want[i]));
    const int64_t gaps[4][2] = {{0, 3}, {8, 2}, {18, 12}, {59, 1}};
    ASSERT_EQ_INT(x->n_gaps, 4);
    for (size_t g = 0; g < 4; g++) {
        ASSERT_EQ_INT(x->gaps[g].first_index, gaps[g][0]);
        ASSERT_EQ_INT(x->gaps[g].n_missing, gaps[g][1]);
        ASSERT_STR_EQ(x->gaps[g].reason, "edf missing");
    }
    mc_import_free(&imp);
    free(f.b);
}

TEST(fractional_duration_unknown_records)
{
    /* 0.25 s records: 25 samples = 100 Hz, 1 sample = 4 Hz; record count -1 and half a record
     * at the end (a recorder that stopped): the 3 complete records are read. */
    const tsig s[] = {{"PLETH", "", "-1", "1", "-32768", "32767", "25"},
                      {"HR", "bpm", "0", "250", "0", "250", "1"}};
    tfile f = {0};
    put_header(&f, 0, "", "31.12.84", "23.59.59", "", "-1", "0.25", 2, s);
    for (int r = 0; r < 3; r++) {
        for (int j = 0; j < 25; j++)
            put_i16(&f, (r * 25 + j) * 100);
        put_i16(&f, 60 + r);
    }
    for (int j = 0; j < 13; j++)
        put_i16(&f, 1);
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_into(&f, &imp, &d), MC_OK);
    ASSERT_STR_EQ(imp.format, "edf");
    ASSERT_EQ_INT(imp.start_unix_ns, 3629145599LL * 1000000000LL); /* 2084-12-31 23:59:59 */
    const mc_import_stream *p = find(&imp, "PLETH"), *hr = find(&imp, "HR");
    ASSERT_NEAR_F(p->info->rate_hz, 100, 0);
    ASSERT_NEAR_F(hr->info->rate_hz, 4, 0);
    ASSERT_EQ_INT(p->info->modality, MC_MODALITY_PPG);
    ASSERT_STR_EQ(hr->info->channels[0].unit, "/min");
    ASSERT_EQ_INT(p->n_frames, 75);
    ASSERT_EQ_INT(hr->n_frames, 3);
    ASSERT_NEAR_F(p->data[74], (7400.0 + 32768.0) * 2.0 / 65535.0 - 1.0, 1e-6);
    ASSERT_NEAR_F(hr->data[2], 62, 1e-6);
    mc_import_free(&imp);
    free(f.b);
}

TEST(annotation_only)
{
    const tsig s[] = {{"EDF Annotations", "", "-1", "1", "-32768", "32767", "20"}};
    tfile f = {0};
    put_header(&f, 0, "Startdate X X X X", "01.01.85", "00.00.00", "EDF+C", "1", "0", 1, s);
    const char tal[] = "+0\x14\x14\0+12.25\x14Lights off\x14Note 2\x14";
    put_annotations(&f, tal, sizeof tal, 40);
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_into(&f, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 0);
    ASSERT_EQ_INT(imp.start_unix_ns, MC_IMPORT_NO_TIME); /* Startdate X */
    ASSERT_EQ_INT(imp.n_events, 2);
    ASSERT_STR_EQ(imp.events[1].text, "Note 2");
    ASSERT_EQ_INT(imp.events[1].t_ns, 12250000000LL);
    mc_import_free(&imp);
    free(f.b);
}

/* A good 2-signal EDF+C file (2 records) that the malformed cases spoil. */
static void build_good(tfile *f)
{
    const tsig s[] = {{"ECG ECG1", "uV", "-3200", "3200", "-32768", "32767", "8"},
                      {"EDF Annotations", "", "-1", "1", "-32768", "32767", "8"}};
    put_header(f, 0, "Startdate 02-JAN-2021 X X X", "02.01.21", "10.11.12", "EDF+C", "2", "1", 2,
               s);
    for (int r = 0; r < 2; r++) {
        for (int j = 0; j < 8; j++)
            put_i16(f, j * 1000 - 4000);
        char tal[16];
        const int n = snprintf(tal, sizeof tal, "+%d\x14\x14", r);
        put_annotations(f, tal, (size_t)n + 1, 16);
    }
}

/* Overwrite `len` bytes at `off` with `text` (space padded) and expect a format error whose
 * message holds `what` and whose offset is `at` (-1: any offset within the file). */
static void expect_bad(size_t off, size_t len, const char *text, const char *what, int64_t at)
{
    tfile f = {0};
    build_good(&f);
    memset(f.b + off, ' ', len);
    memcpy(f.b + off, text, strlen(text));
    mc_import imp;
    mc_diag d;
    mc_status st = read_into(&f, &imp, &d);
    if (st != MC_EFORMAT || !strstr(d.message, what))
        fprintf(stderr, "byte %zu = \"%s\": %s: %s\n", off, text, mc_strerror(st), d.message);
    ASSERT_STATUS(st, MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, what) != NULL);
    ASSERT_TRUE(strncmp(d.message, "crafted.edf: byte ", 18) == 0);
    if (at >= 0)
        ASSERT_EQ_INT(d.offset, at);
    ASSERT_TRUE(d.offset >= 0 && d.offset <= (int64_t)f.n);
    mc_import_free(&imp);
    free(f.b);
}

TEST(good_base_reads)
{
    tfile f = {0};
    build_good(&f);
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_into(&f, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 1);
    ASSERT_EQ_INT(imp.streams[0].n_frames, 16);
    ASSERT_NEAR_F(imp.streams[0].data[1], (-3000.0 + 32768.0) * 6400.0 / 65535.0 - 3200.0, 1e-3);
    mc_import_free(&imp);
    free(f.b);
}

TEST(malformed_header)
{
    /* The signal fields of a 2-signal file: label at 256, dims at 256 + 2*96, ... */
    const size_t b = 256, ns = 2;
    expect_bad(0, 8, "1", "version", 0);
    expect_bad(184, 8, "512", "header size", 184);
    expect_bad(184, 8, "7x8", "expected an integer", 184);
    expect_bad(236, 8, "two", "number of records", 236);
    expect_bad(236, 8, "-5", "number of records", 236);
    expect_bad(244, 8, "1,0", "expected a decimal number", 244);
    expect_bad(244, 8, "nan", "expected a decimal number", 244);
    expect_bad(244, 8, "0", "record duration 0", 244);
    expect_bad(252, 4, "0", "expected at least 1", 252);
    expect_bad(252, 4, "9999", "need a header of", 252);
    expect_bad(168, 8, "32.01.21", "not a date", 168);
    expect_bad(168, 8, "2.1.2021", "start date", 168);
    expect_bad(176, 8, "25.00.00", "not a time", 176);
    expect_bad(192, 44, "EDF+X", "EDF+C or EDF+D", 196);
    expect_bad(b + ns * 104, 8, "abc", "physical minimum", (int64_t)(b + ns * 104));
    expect_bad(b + ns * 112, 8, "-3200", "physical minimum and maximum", -1);
    expect_bad(b + ns * 128, 8, "-32768", "digital maximum", -1);
    expect_bad(b + ns * 216, 8, "0", "samples per record", (int64_t)(b + ns * 216));
    expect_bad(b + ns * 216, 8, "99999999", "samples per record", (int64_t)(b + ns * 216));
    expect_bad(b + ns * 216, 8, "300", "truncated", -1);
    expect_bad(b + 3, 1, "\xe9", "not printable ASCII", (int64_t)(b + 3));
    expect_bad(b + ns * 96, 8, "\x01V", "not printable ASCII", (int64_t)(b + ns * 96));
    /* Records beyond the bytes present. */
    expect_bad(236, 8, "3", "truncated file", 768 + 2 * 32);
    expect_bad(236, 8, "99999999", "truncated file", 768 + 2 * 32);
    /* Broken TALs in the annotation signal (record 0 starts at 768 + 16). */
    expect_bad(784, 3, "x0\x14", "TAL starts with", 784);
    expect_bad(784, 4, "+0\x14x", "not ended by", -1);
    expect_bad(784, 3, "+.\x14", "onset in seconds", 785);
}

TEST(truncated_header)
{
    tfile f = {0};
    build_good(&f);
    mc_import imp;
    mc_diag d;
    for (size_t n = 0; n < 768; n += 97) {
        mc_import_init(&imp);
        ASSERT_STATUS(mc_edf_read(f.b, n, "t.edf", &imp, &d), MC_EFORMAT);
        ASSERT_TRUE(d.offset >= 0 && d.offset <= (int64_t)n);
        mc_import_free(&imp);
    }
    /* Shorter than one record: no record. */
    mc_import_init(&imp);
    ASSERT_STATUS(mc_edf_read(f.b, 768 + 20, "t.edf", &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "holds 0 complete records") != NULL);
    mc_import_free(&imp);
    free(f.b);
}

TEST(micro_degree_units_and_duplicates)
{
    const tsig s[] = {{"EEG", "\xb5V", "-1", "1", "-100", "100", "2"},
                      {"EEG", "\xc2\xb5V", "-1", "1", "-100", "100", "2"},
                      {"Temp",
                       "\xb0"
                       "C",
                       "20", "40", "0", "200", "2"},
                      {"Temp2",
                       "\xc2\xb0"
                       "C",
                       "20", "40", "0", "200", "2"}};
    tfile f = {0};
    put_header(&f, 0, "", "01.01.00", "00.00.00", "", "1", "1", 4, s);
    for (int j = 0; j < 8; j++)
        put_i16(&f, 100);
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_into(&f, &imp, &d), MC_OK);
    ASSERT_STR_EQ(imp.streams[0].info->channels[0].unit, "uV");
    ASSERT_STR_EQ(imp.streams[1].info->channels[0].unit, "uV");
    ASSERT_STR_EQ(imp.streams[1].info->name, "EEG_2");
    ASSERT_STR_EQ(imp.streams[2].info->channels[0].unit, "Cel"); /* degC */
    ASSERT_STR_EQ(imp.streams[3].info->channels[0].unit, "Cel");
    ASSERT_NEAR_F(imp.streams[3].data[0], 30, 1e-5);
    ASSERT_NEAR_F(imp.streams[1].data[1], 1, 1e-6);
    ASSERT_EQ_INT(imp.start_unix_ns, 946684800LL * 1000000000LL);
    mc_import_free(&imp);
    free(f.b);
}

TEST(import_limit)
{
    /* The import's memory bound gives MC_ENOMEM with a message, not an allocation storm. */
    tfile f = {0};
    build_edf_plus_d(&f, "+99999999");
    mc_import imp;
    mc_diag d;
    mc_import_init(&imp);
    imp.limit_bytes = 1 << 20;
    ASSERT_STATUS(mc_edf_read(f.b, f.n, "big.edf", &imp, &d), MC_ENOMEM);
    ASSERT_TRUE(strstr(d.message, "limit") != NULL);
    mc_import_free(&imp);
    free(f.b);
}

TEST(guard_page_prefixes)
{
    /* Every prefix of crafted EDF+C, EDF+D and BDF files ends at a PROT_NONE page: the reader
     * gives MC_OK or MC_EFORMAT and never reads past the last byte. */
    tfile files[3] = {{0}, {0}, {0}};
    build_good(&files[0]);
    build_edf_plus_d(&files[1], "+5.75");
    const tsig s[] = {{"EXG1", "uV", "-262144", "262143", "-8388608", "8388607", "3"},
                      {"BDF Annotations", "", "-1", "1", "-8388608", "8388607", "8"}};
    put_header(&files[2], 1, "Startdate 01-FEB-1999 X X X", "01.02.99", "03.04.05", "BDF+C", "1",
               "1", 2, s);
    for (int i = 0; i < 3; i++)
        put_i24(&files[2], i * 1000);
    const char tal[] = "+0\x14\x14\0+0.5\x14stim\x14"; /* sizeof: the closing 0 too */
    put_annotations(&files[2], tal, sizeof tal, 24);
    size_t ok = 0;
    for (int k = 0; k < 3; k++) {
        for (size_t n = 0; n <= files[k].n; n++) {
            mc_guard g;
            const char *p = mc_guard_put(&g, files[k].b, n);
            ASSERT_TRUE(p != NULL);
            mc_import imp;
            mc_diag d;
            mc_import_init(&imp);
            mc_status st = mc_edf_read((const uint8_t *)p, n, "g.edf", &imp, &d);
            ASSERT_TRUE(st == MC_OK || st == MC_EFORMAT);
            ok += st == MC_OK;
            mc_import_free(&imp);
            mc_guard_free(&g);
        }
        free(files[k].b);
    }
    /* Complete files read (the BDF+ also as its whole) and nothing shorter than a record. */
    ASSERT_EQ_INT(ok, 3);
}

TEST(shared_to_session_file)
{
    /* What `mcirc import` does with the result: a session file, loaded back by the exporter's
     * loader with the same streams, values, start and annotations. */
    mc_import imp, back;
    import_shared(&imp);
    mc_session_info s;
    memset(&s, 0, sizeof s);
    snprintf(s.subject, sizeof s.subject, "EDF-001");
    snprintf(s.session, sizeof s.session, "import");
    snprintf(s.software, sizeof s.software, "mcirc test");
    char path[700];
    snprintf(path, sizeof path, "%s", mc_test_tmp_path("chtypes.h5"));
    mc_diag d;
    mc_status st = mc_import_write(&imp, &s, 0, 4, path, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    mc_export_opts o = mc_export_opts_default();
    mc_import_init(&back);
    ASSERT_STATUS(mc_export_load(path, &o, &back, &d), MC_OK);
    ASSERT_EQ_INT(back.n_streams, 42);
    ASSERT_EQ_INT(back.start_unix_ns, imp.start_unix_ns);
    ASSERT_EQ_INT(back.streams[26].n_frames, 1000);
    ASSERT_STR_EQ(back.streams[26].info->name, "ECG_ECG1");
    ASSERT_NEAR_F(back.streams[26].data[4], imp.streams[26].data[4], 0);
    ASSERT_EQ_INT(back.n_events, 8);
    ASSERT_STR_EQ(back.events[5].text, "high amp RDA F4, C4");
    mc_import_free(&back);
    mc_import_free(&imp);
}
