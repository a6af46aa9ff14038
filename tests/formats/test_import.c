/* SPDX-License-Identifier: MIT */
/* tests/formats/test_import.c: the in-memory import (streams, gaps, events, limits, names,
 * modality guesses) and its session file, read back by the session reader. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/export.h"
#include "formats/h5_reader.h"
#include "formats/import.h"
#include "formats/output.h"
#include "tests/harness.h"
#include "tests/util.h"

static mc_stream_info one_channel(const char *name, double rate, mc_channel_info *ch)
{
    ch->name = "value";
    ch->unit = "%";
    ch->scale_gain = 1;
    ch->scale_offset = 0;
    mc_stream_info info = {.name = name, .n_channels = 1, .channels = ch, .rate_hz = rate};
    return info;
}

TEST(names_modalities)
{
    char out[MC_NAME_MAX + 1];
    ASSERT_STR_EQ(mc_import_stream_name(" PLETH", "x", out), "PLETH");
    ASSERT_STR_EQ(mc_import_stream_name("ECG ECG1", "x", out), "ECG_ECG1");
    ASSERT_STR_EQ(mc_import_stream_name("Heart Rate(/min)", "x", out), "Heart_Rate_min");
    ASSERT_STR_EQ(mc_import_stream_name("%%%", "signal_3", out), "signal_3");
    ASSERT_STR_EQ(mc_import_stream_name(".hidden", "x", out), "hidden");
    char longname[200];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    ASSERT_EQ_INT(strlen(mc_import_stream_name(longname, "x", out)), MC_NAME_MAX);

    ASSERT_EQ_INT(mc_import_guess_modality("PLETH", "NU"), MC_MODALITY_PPG);
    ASSERT_EQ_INT(mc_import_guess_modality("PLETH_SAT_O2", "%"), MC_MODALITY_PPG);
    ASSERT_EQ_INT(mc_import_guess_modality("SmO2 Live", "%"), MC_MODALITY_NIRS);
    ASSERT_EQ_INT(mc_import_guess_modality("HbO", "uM"), MC_MODALITY_NIRS);
    ASSERT_EQ_INT(mc_import_guess_modality("Channel 1", "pu"), MC_MODALITY_LDF);
    ASSERT_EQ_INT(mc_import_guess_modality("tcpCO2", "mmHg"), MC_MODALITY_PCO2);
    ASSERT_EQ_INT(mc_import_guess_modality("II", "mV"), MC_MODALITY_OTHER);
}

TEST(duplicate_names_get_suffixes)
{
    mc_import imp;
    mc_import_init(&imp);
    mc_channel_info ch;
    mc_stream_info info = one_channel("SaO2", 200, &ch);
    size_t k;
    for (int i = 0; i < 3; i++)
        ASSERT_STATUS(mc_import_add_stream(&imp, &info, 0, &k, NULL), MC_OK);
    ASSERT_STR_EQ(imp.streams[0].info->name, "SaO2");
    ASSERT_STR_EQ(imp.streams[1].info->name, "SaO2_2");
    ASSERT_STR_EQ(imp.streams[2].info->name, "SaO2_3");
    mc_stream_info bad = one_channel("no spaces", 1, &ch);
    mc_diag d;
    ASSERT_STATUS(mc_import_add_stream(&imp, &bad, 0, NULL, &d), MC_EINVAL);
    mc_import_free(&imp);
}

TEST(limit_is_a_diagnostic)
{
    mc_import imp;
    mc_import_init(&imp);
    imp.limit_bytes = 1000;
    mc_channel_info ch;
    mc_stream_info info = one_channel("x", 10, &ch);
    ASSERT_STATUS(mc_import_add_stream(&imp, &info, 0, NULL, NULL), MC_OK);
    float v[300] = {0};
    ASSERT_STATUS(mc_import_append(&imp, 0, 200, v, NULL, NULL), MC_OK);
    mc_diag d;
    ASSERT_STATUS(mc_import_append(&imp, 0, 300, v, NULL, &d), MC_ENOMEM);
    ASSERT_TRUE(strstr(d.message, "import limit") != NULL);
    ASSERT_STATUS(mc_import_append_gap(&imp, 0, INT64_MAX / 2, "huge", &d), MC_ENOMEM);
    int64_t t[1] = {0};
    ASSERT_STATUS(mc_import_append(&imp, 0, 1, v, t, &d), MC_EINVAL); /* times on a regular one */
    ASSERT_EQ_INT(imp.streams[0].n_frames, 200);
    mc_import_free(&imp);
}

/* mc_import_extend: frames written in place count as appended; the room sized for `expect`
 * stays within the limit (the room left unused by other streams counted); failures append
 * nothing. */
TEST(extend_writes_in_place)
{
    mc_import imp;
    mc_import_init(&imp);
    imp.limit_bytes = 40000; /* 10000 floats */
    mc_channel_info ch;
    mc_stream_info info = one_channel("a", 10, &ch), irr = one_channel("b", 0, &ch);
    size_t a, b;
    ASSERT_STATUS(mc_import_add_stream(&imp, &info, 0, &a, NULL), MC_OK);
    ASSERT_STATUS(mc_import_add_stream(&imp, &irr, 0, &b, NULL), MC_OK);
    float *p = NULL;
    mc_diag d;
    ASSERT_STATUS(mc_import_extend(&imp, a, 0, 0, &p, NULL), MC_OK);
    ASSERT_EQ_INT(imp.streams[a].n_frames, 0);
    ASSERT_STATUS(mc_import_extend(&imp, b, 1, 1, &p, &d), MC_EINVAL); /* irregular */
    ASSERT_STATUS(mc_import_extend(&imp, 7, 1, 1, &p, &d), MC_EINVAL);
    ASSERT_STATUS(mc_import_extend(&imp, a, 100, 6000, &p, NULL), MC_OK);
    for (int i = 0; i < 100; i++)
        p[i] = (float)i;
    ASSERT_EQ_INT(imp.streams[a].n_frames, 100);
    ASSERT_EQ_INT(imp.used_bytes, 400);
    ASSERT_EQ_INT(imp.streams[a].cap_frames, 6000); /* the expected frames, at once */
    ASSERT_STATUS(mc_import_extend(&imp, a, 50, 50, &p, NULL), MC_OK);
    ASSERT_TRUE(p == imp.streams[a].data + 100);
    p[49] = -1;
    ASSERT_EQ_INT(imp.streams[a].cap_frames, 6000);
    ASSERT_TRUE(imp.streams[a].data[99] == 99.0f && imp.streams[a].data[149] == -1.0f);
    /* A second stream expecting more than the limit leaves (5850 frames are held unused by a). */
    mc_stream_info info2 = one_channel("c", 10, &ch);
    size_t c;
    ASSERT_STATUS(mc_import_add_stream(&imp, &info2, 0, &c, NULL), MC_OK);
    ASSERT_STATUS(mc_import_extend(&imp, c, 2000, 1000000, &p, NULL), MC_OK);
    ASSERT_TRUE(imp.streams[c].cap_frames <= 10000 - 150 - 5850);
    ASSERT_STATUS(mc_import_extend(&imp, c, 9000, 9000, &p, &d), MC_ENOMEM);
    ASSERT_TRUE(strstr(d.message, "import limit") != NULL);
    ASSERT_TRUE(p == NULL);
    ASSERT_EQ_INT(imp.streams[c].n_frames, 2000);
    ASSERT_EQ_INT(imp.used_bytes, 4 * 2150);
    mc_import_free(&imp);
}

TEST(written_file_reads_back)
{
    mc_import imp;
    mc_import_init(&imp);
    snprintf(imp.format, sizeof imp.format, "test");
    snprintf(imp.source, sizeof imp.source, "made-up.dat");
    imp.start_unix_ns = 1700000000LL * 1000000000LL;
    mc_channel_info ch[2];
    mc_stream_info reg = one_channel("PLETH", 125, &ch[0]);
    reg.modality = MC_MODALITY_PPG;
    mc_stream_info irr = one_channel("SpO2", 0, &ch[1]);
    size_t a, b;
    ASSERT_STATUS(mc_import_add_stream(&imp, &reg, 2000000000LL, &a, NULL), MC_OK);
    ASSERT_STATUS(mc_import_add_stream(&imp, &irr, 0, &b, NULL), MC_OK);
    float x[250];
    for (int i = 0; i < 250; i++)
        x[i] = (float)i * 0.5f;
    ASSERT_STATUS(mc_import_append(&imp, a, 100, x, NULL, NULL), MC_OK);
    ASSERT_STATUS(mc_import_append_gap(&imp, a, 25, "segment gap", NULL), MC_OK);
    ASSERT_STATUS(mc_import_append(&imp, a, 150, x + 100, NULL, NULL), MC_OK);
    const float sp[3] = {97, 98, 96};
    const int64_t ts[3] = {0, 1100000000LL, 3000000000LL};
    ASSERT_STATUS(mc_import_append(&imp, b, 3, sp, ts, NULL), MC_OK);
    mc_event ev = {.t_ns = 5000000000LL, .value = (double)NAN};
    snprintf(ev.kind, sizeof ev.kind, "note");
    snprintf(ev.text, sizeof ev.text, "annotation");
    ASSERT_STATUS(mc_import_add_event(&imp, &ev, NULL), MC_OK);

    mc_session_info s;
    memset(&s, 0, sizeof s);
    snprintf(s.subject, sizeof s.subject, "IMP-001");
    snprintf(s.session, sizeof s.session, "baseline");
    snprintf(s.software, sizeof s.software, "mcirc test");
    const char *path = mc_test_tmp_path("imported.h5");
    mc_diag d;
    mc_status st = mc_import_write(&imp, &s, 0, 4, path, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    /* Never over an existing file, and nothing left behind by the refusal. */
    ASSERT_STATUS(mc_import_write(&imp, &s, 0, 4, path, &d), MC_EEXIST);

    /* Exported back: the selection [2.5 s, 4 s) of PLETH and every event in it. */
    mc_export_opts o = mc_export_opts_default();
    const char *names[] = {"PLETH"};
    o.streams = names;
    o.n_streams = 1;
    o.from_ns = 2500000000LL;
    o.to_ns = 4000000000LL;
    mc_import back_imp;
    mc_import_init(&back_imp);
    ASSERT_STATUS(mc_export_load(path, &o, &back_imp, &d), MC_OK);
    ASSERT_EQ_INT(back_imp.n_streams, 1);
    ASSERT_EQ_INT(back_imp.streams[0].n_frames, 187); /* t = 2.5 s + k / 125 < 4 s: 62.5 .. 249 */
    ASSERT_EQ_INT(back_imp.streams[0].start_ns, 2504000000LL);
    ASSERT_EQ_INT(back_imp.streams[0].n_gaps, 1);
    ASSERT_EQ_INT(back_imp.streams[0].gaps[0].first_index, 37); /* row 100 */
    ASSERT_EQ_INT(back_imp.streams[0].gaps[0].n_missing, 25);
    ASSERT_NEAR_F(back_imp.streams[0].data[0], 31.5, 0); /* row 63 */
    ASSERT_EQ_INT(back_imp.n_events, 0);
    int64_t tsel[2];
    ASSERT_STATUS(mc_import_times(&back_imp, 0, 100, 2, tsel), MC_OK); /* from the anchors */
    ASSERT_EQ_INT(tsel[0], 2504000000LL + 800000000LL);
    ASSERT_EQ_INT(tsel[1] - tsel[0], 8000000);
    const char *missing[] = {"ABP"};
    o.streams = missing;
    mc_import_free(&back_imp);
    ASSERT_STATUS(mc_export_load(path, &o, &back_imp, &d), MC_ENOTFOUND);
    ASSERT_TRUE(strstr(d.message, "ABP") != NULL);
    mc_import_free(&back_imp);

    mc_h5_reader *r;
    ASSERT_STATUS(mc_h5_reader_open(path, &d, &r), MC_OK);
    ASSERT_EQ_INT(mc_h5_reader_get_session(r)->start_unix_ns, imp.start_unix_ns);
    const int64_t ra = mc_h5_reader_find_stream(r, "PLETH");
    const int64_t rb = mc_h5_reader_find_stream(r, "SpO2");
    ASSERT_TRUE(ra >= 0 && rb >= 0);
    ASSERT_EQ_INT(mc_h5_reader_get_n_frames(r, (size_t)ra), 275);
    float back[275];
    ASSERT_STATUS(mc_h5_reader_read(r, (size_t)ra, 0, 275, back), MC_OK);
    ASSERT_NEAR_F(back[99], 49.5, 0);
    ASSERT_TRUE(isnan(back[100]) && isnan(back[124]));
    ASSERT_NEAR_F(back[125], 50.0, 0);
    int64_t t[275];
    ASSERT_STATUS(mc_h5_reader_read_times(r, (size_t)ra, 0, 275, t), MC_OK);
    ASSERT_EQ_INT(t[0], 2000000000LL);
    ASSERT_EQ_INT(t[125], 3000000000LL); /* 125 samples at 125 Hz later */
    size_t ng;
    const mc_h5_gap *g = mc_h5_reader_get_gaps(r, (size_t)ra, &ng);
    ASSERT_EQ_INT(ng, 1);
    ASSERT_EQ_INT(g[0].first_index, 100);
    ASSERT_EQ_INT(g[0].n_missing, 25);
    int64_t tb[3];
    ASSERT_STATUS(mc_h5_reader_read_times(r, (size_t)rb, 0, 3, tb), MC_OK);
    ASSERT_EQ_INT(tb[1], ts[1]);
    size_t ne;
    const mc_event *e = mc_h5_reader_get_events(r, &ne);
    ASSERT_EQ_INT(ne, 1);
    ASSERT_STR_EQ(e[0].text, "annotation");
    mc_h5_reader_destroy(r);
    mc_import_free(&imp);
}

TEST(loader_stays_beside_the_input)
{
    uint8_t *buf;
    size_t n;
    mc_diag d;
    char tmp[] = "/tmp", dir[256];
    snprintf(dir, sizeof dir, "%s", mc_test_tmp_dir());
    ASSERT_STATUS(mc_load_file(tmp, "../etc/passwd", &buf, &n, &d), MC_EINVAL);
    ASSERT_STATUS(mc_load_file(tmp, "/etc/passwd", &buf, &n, &d), MC_EINVAL);
    ASSERT_STATUS(mc_load_file(dir, "absent.dat", &buf, &n, &d), MC_ENOTFOUND);
    ASSERT_TRUE(strstr(d.message, "absent.dat") != NULL);
}

TEST(output_never_replaces)
{
    const char *path = mc_test_tmp_path("out.txt");
    mc_output o;
    mc_diag d;
    ASSERT_STATUS(mc_output_begin(&o, path, &d), MC_OK);
    ASSERT_TRUE(access(path, F_OK) != 0); /* not visible before publish */
    FILE *f = fopen(o.tmp, "w");
    ASSERT_TRUE(f != NULL);
    fputs("first\n", f);
    fclose(f);
    ASSERT_STATUS(mc_output_publish(&o, &d), MC_OK);
    ASSERT_TRUE(access(path, F_OK) == 0 && access(o.tmp, F_OK) != 0);
    ASSERT_STATUS(mc_output_begin(&o, path, &d), MC_EEXIST);
    ASSERT_TRUE(strstr(d.message, "exists") != NULL);

    const char *other = mc_test_tmp_path("out2.txt");
    ASSERT_STATUS(mc_output_begin(&o, other, &d), MC_OK);
    FILE *g = fopen(other, "w"); /* someone takes the name meanwhile */
    fputs("theirs\n", g);
    fclose(g);
    ASSERT_STATUS(mc_output_publish(&o, &d), MC_EEXIST);
    ASSERT_TRUE(access(o.tmp, F_OK) != 0);
    char buf[16] = {0};
    g = fopen(other, "r");
    ASSERT_TRUE(fgets(buf, sizeof buf, g) != NULL);
    fclose(g);
    ASSERT_STR_EQ(buf, "theirs\n");
    ASSERT_STATUS(mc_output_begin(&o, mc_test_tmp_path("no/such/dir/x"), &d), MC_EIO);
}

TEST(whole_file_of_the_shared_data)
{
    const char *path = mc_test_shared("ldf/ShabinaBP.txt");
    uint8_t *buf;
    size_t n;
    mc_diag d;
    ASSERT_STATUS(mc_read_whole_file(path, 100, &buf, &n, &d), MC_ENOMEM); /* over the bound */
    ASSERT_STATUS(mc_read_whole_file(path, MC_IMPORT_LIMIT_DEFAULT, &buf, &n, &d), MC_OK);
    ASSERT_TRUE(n > 100000 && memcmp(buf, "Interval=", 9) == 0);
    free(buf);
}
