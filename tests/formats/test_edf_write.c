/* SPDX-License-Identifier: MIT */
/* tests/formats/test_edf_write.c: the EDF+C writer (formats/edf.h, mc_edf_write): round trips
 * import -> EDF+C -> import within one digital step (crafted recordings and the shared
 * chtypes_edf.edf), the written files read by numpy and MNE-Python, record durations for
 * fractional rates, and what EDF cannot hold refused by name. */
#include "tests/formats/edf_testutil.h"

/* ---- the writer ---- */

/* An import as mc_export_load gives one: PLETH 125 Hz with a NaN gap, a 2-channel LDF stream at
 * 25 Hz that ends within a record, SpO2 at 1 Hz starting 2 s later, an annotation and a CRT. */
static void build_recording(mc_import *imp)
{
    mc_import_init(imp);
    imp->start_unix_ns = 1714558830250000000LL; /* 2024-05-01 10:20:30.25 UTC */
    mc_channel_info pleth = {.name = "PLETH", .unit = "", .scale_gain = 1};
    mc_channel_info ldf[2] = {{.name = "perfusion", .unit = "PU", .scale_gain = 1},
                              {.name = "temp", .unit = "Cel", .scale_gain = 1}};
    mc_channel_info spo2 = {.name = "SpO2", .unit = "%", .scale_gain = 1};
    mc_stream_info a = {.name = "PLETH", .n_channels = 1, .channels = &pleth, .rate_hz = 125};
    mc_stream_info b = {.name = "ldf", .n_channels = 2, .channels = ldf, .rate_hz = 25};
    mc_stream_info c = {.name = "SpO2", .n_channels = 1, .channels = &spo2, .rate_hz = 1};
    size_t ia, ib, ic;
    ASSERT_STATUS(mc_import_add_stream(imp, &a, 0, &ia, NULL), MC_OK);
    ASSERT_STATUS(mc_import_add_stream(imp, &b, 0, &ib, NULL), MC_OK);
    ASSERT_STATUS(mc_import_add_stream(imp, &c, 2000000000LL, &ic, NULL), MC_OK);
    float x[1000];
    for (int i = 0; i < 1000; i++)
        x[i] = (float)(1.5 + sin(i * 0.07) * 0.8);
    ASSERT_STATUS(mc_import_append(imp, ia, 100, x, NULL, NULL), MC_OK);
    ASSERT_STATUS(mc_import_append_gap(imp, ia, 50, "device off", NULL), MC_OK);
    ASSERT_STATUS(mc_import_append(imp, ia, 850, x + 150, NULL, NULL), MC_OK);
    float y[400];
    for (int i = 0; i < 200; i++) {
        y[2 * i] = (float)(120 + 40 * cos(i * 0.1));
        y[2 * i + 1] = (float)(33.0 + i * 0.001);
    }
    ASSERT_STATUS(mc_import_append(imp, ib, 190, y, NULL, NULL), MC_OK); /* 7.6 s: padded */
    const float s[6] = {97, 98, 96, 95, 97, 99};
    ASSERT_STATUS(mc_import_append(imp, ic, 6, s, NULL, NULL), MC_OK);
    /* A stream that ends 5.5 s before the others: whole records of padding after it. */
    mc_channel_info tc = {.name = "tcpCO2", .unit = "mm[Hg]", .scale_gain = 1};
    mc_stream_info e = {.name = "tcpCO2", .n_channels = 1, .channels = &tc, .rate_hz = 10};
    size_t ie;
    ASSERT_STATUS(mc_import_add_stream(imp, &e, 0, &ie, NULL), MC_OK);
    float z[25];
    for (int i = 0; i < 25; i++)
        z[i] = (float)(40 + i * 0.1);
    ASSERT_STATUS(mc_import_append(imp, ie, 25, z, NULL, NULL), MC_OK);
    mc_event e1 = {.t_ns = 1500000000LL, .value = 2.5};
    snprintf(e1.kind, sizeof e1.kind, "annotation");
    snprintf(e1.text, sizeof e1.text, "cuff inflated");
    mc_event e2 = {.t_ns = 6250000000LL, .value = 3.5};
    snprintf(e2.kind, sizeof e2.kind, "crt");
    snprintf(e2.text, sizeof e2.text, "finger\x14tip");
    ASSERT_STATUS(mc_import_add_event(imp, &e2, NULL), MC_OK);
    ASSERT_STATUS(mc_import_add_event(imp, &e1, NULL), MC_OK);
}

TEST(round_trip)
{
    mc_import rec, back;
    build_recording(&rec);
    const char *path = mc_test_tmp_path("round.edf");
    char file[700];
    snprintf(file, sizeof file, "%s", path);
    mc_diag d;
    mc_status st = mc_edf_write(&rec, file, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    ASSERT_STATUS(mc_edf_write(&rec, file, &d), MC_EEXIST); /* never over a file */

    mc_import_init(&back);
    st = mc_edf_import(file, &back, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    ASSERT_STR_EQ(back.format, "edf+");
    ASSERT_EQ_INT(back.start_unix_ns, 1714558830000000000LL); /* the second; .25 s in the TAL */
    ASSERT_EQ_INT(back.n_streams, 5);
    const mc_import_stream *p = find(&back, "PLETH"), *l = find(&back, "ldf.perfusion"),
                           *t = find(&back, "ldf.temp"), *s = find(&back, "SpO2");
    ASSERT_EQ_INT(p->start_ns, 250000000LL);
    ASSERT_NEAR_F(p->info->rate_hz, 125, 0);
    ASSERT_NEAR_F(l->info->rate_hz, 25, 0);
    ASSERT_STR_EQ(l->info->channels[0].unit, "PU");
    ASSERT_STR_EQ(t->info->channels[0].unit, "Cel");
    ASSERT_STR_EQ(s->info->channels[0].unit, "%");
    /* Lengths come back exactly (the last record's padding is dropped). */
    ASSERT_EQ_INT(p->n_frames, 1000);
    ASSERT_EQ_INT(l->n_frames, 190);
    const mc_import_stream *co2 = find(&back, "tcpCO2");
    ASSERT_EQ_INT(co2->n_frames, 25); /* 55 samples of padding in records 2-7 are dropped */
    ASSERT_EQ_INT(co2->n_gaps, 0);
    ASSERT_EQ_INT(co2->info->modality, MC_MODALITY_PCO2);
    ASSERT_STR_EQ(co2->info->channels[0].unit, "mm[Hg]");
    ASSERT_NEAR_F(co2->data[24], 42.4, 2.5 / 65534 + 1e-5);
    /* SpO2 started 2 s later: 2 missing samples before it, marked as a gap. */
    ASSERT_EQ_INT(s->n_frames, 8);
    ASSERT_TRUE(isnan(s->data[0]) && isnan(s->data[1]));
    ASSERT_NEAR_F(s->data[2], 97, 4.0 / 65535 + 1e-6);
    ASSERT_EQ_INT(s->n_gaps, 1);
    /* Within one digital step of the header's range, NaN where NaN was. */
    const mc_import_stream *orig[4] = {&rec.streams[0], &rec.streams[1], &rec.streams[1], NULL};
    const mc_import_stream *got[3] = {p, l, t};
    for (int k = 0; k < 3; k++) {
        const int nch = (int)orig[k]->info->n_channels, ch = k == 2;
        double lo = 1e30, hi = -1e30, worst = 0;
        for (int64_t j = 0; j < orig[k]->n_frames; j++) {
            const double v = (double)orig[k]->data[j * nch + ch];
            if (isfinite(v))
                lo = fmin(lo, v), hi = fmax(hi, v);
        }
        const double step = (hi - lo) / 65534 * 1.01 + 1e-6 * fabs(hi);
        for (int64_t j = 0; j < orig[k]->n_frames; j++) {
            const double v = (double)orig[k]->data[j * nch + ch], w = (double)got[k]->data[j];
            ASSERT_EQ_INT(isnan(v), isnan(w));
            if (!isnan(v))
                worst = fmax(worst, fabs(v - w));
        }
        fprintf(stderr, "%s: worst error %.3g, one step %.3g\n", got[k]->info->name, worst, step);
        ASSERT_TRUE(worst <= step);
    }
    ASSERT_EQ_INT(p->n_gaps, 1);
    ASSERT_EQ_INT(p->gaps[0].first_index, 100);
    ASSERT_EQ_INT(p->gaps[0].n_missing, 50);
    ASSERT_STR_EQ(p->gaps[0].reason, "edf missing");
    /* Events: the annotation with its duration, the note as text, the gaps as annotations; all
     * relative to the header's second (0.25 s later than the recording's own start). */
    ASSERT_EQ_INT(back.n_events, 3); /* in record order */
    ASSERT_STR_EQ(back.events[0].text, "gap PLETH: device off");
    ASSERT_EQ_INT(back.events[0].t_ns, 250000000LL + 800000000LL);
    ASSERT_NEAR_F(back.events[0].value, 0.4, 1e-9);
    ASSERT_STR_EQ(back.events[1].text, "cuff inflated");
    ASSERT_EQ_INT(back.events[1].t_ns, 1750000000LL);
    ASSERT_NEAR_F(back.events[1].value, 2.5, 0);
    ASSERT_STR_EQ(back.events[2].text, "crt: finger tip = 3.5");
    ASSERT_EQ_INT(back.events[2].t_ns, 6500000000LL);
    ASSERT_TRUE(isnan(back.events[2].value));

    /* The same file through numpy and MNE. */
    const char *dump_path = mc_test_tmp_path("round.dump");
    dump(&back, dump_path);
    crosscheck("numpy", file, dump_path);
    mc_import_free(&back);
    mc_import_free(&rec);
}

TEST(round_trip_mne)
{
    /* MNE reads every signal at one rate: two 125 Hz streams, values and annotations. */
    mc_import rec, back;
    mc_import_init(&rec);
    rec.start_unix_ns = 1714558830000000000LL;
    mc_channel_info ch = {.name = "v", .unit = "mm[Hg]", .scale_gain = 1};
    mc_stream_info a = {.name = "ABP", .n_channels = 1, .channels = &ch, .rate_hz = 125};
    mc_stream_info b = {.name = "PLETH", .n_channels = 1, .channels = &ch, .rate_hz = 125};
    size_t ia, ib;
    ASSERT_STATUS(mc_import_add_stream(&rec, &a, 0, &ia, NULL), MC_OK);
    ASSERT_STATUS(mc_import_add_stream(&rec, &b, 0, &ib, NULL), MC_OK);
    float x[500];
    for (int i = 0; i < 500; i++)
        x[i] = (float)(80 + 30 * sin(i * 0.05));
    ASSERT_STATUS(mc_import_append(&rec, ia, 500, x, NULL, NULL), MC_OK);
    for (int i = 0; i < 500; i++)
        x[i] = (float)(-0.2 + 0.01 * i);
    ASSERT_STATUS(mc_import_append(&rec, ib, 500, x, NULL, NULL), MC_OK);
    mc_event e = {.t_ns = 1200000000LL, .value = 0.75};
    snprintf(e.kind, sizeof e.kind, "annotation");
    snprintf(e.text, sizeof e.text, "occlusion");
    ASSERT_STATUS(mc_import_add_event(&rec, &e, NULL), MC_OK);
    const char *path = mc_test_tmp_path("mne.edf");
    char file[700];
    snprintf(file, sizeof file, "%s", path);
    mc_diag d;
    ASSERT_STATUS(mc_edf_write(&rec, file, &d), MC_OK);
    mc_import_init(&back);
    ASSERT_STATUS(mc_edf_import(file, &back, &d), MC_OK);
    ASSERT_STR_EQ(back.streams[0].info->channels[0].unit, "mm[Hg]");
    ASSERT_EQ_INT(back.streams[1].n_frames, 500);
    const char *dump_path = mc_test_tmp_path("mne.dump");
    dump(&back, dump_path);
    crosscheck("mne", file, dump_path);
    mc_import_free(&back);
    mc_import_free(&rec);
}

TEST(write_record_durations)
{
    /* 62.4725 Hz needs 800 s records (49978 samples), 0.25 Hz 4 s; pi Hz is refused. */
    const double rates[3] = {62.4725, 0.25, 3.14159265358979};
    for (int k = 0; k < 3; k++) {
        mc_import rec, back;
        mc_import_init(&rec);
        mc_channel_info ch = {.name = "v", .unit = "", .scale_gain = 1};
        mc_stream_info a = {.name = "x", .n_channels = 1, .channels = &ch, .rate_hz = rates[k]};
        size_t ia;
        ASSERT_STATUS(mc_import_add_stream(&rec, &a, 0, &ia, NULL), MC_OK);
        const float v[3] = {1, 2, 3};
        ASSERT_STATUS(mc_import_append(&rec, ia, 3, v, NULL, NULL), MC_OK);
        char file[700];
        snprintf(file, sizeof file, "%s", mc_test_tmp_path(k == 0 ? "r0.edf" : "r1.edf"));
        mc_diag d;
        mc_status st = mc_edf_write(&rec, file, &d);
        if (k == 2) {
            ASSERT_STATUS(st, MC_EINVAL);
            ASSERT_TRUE(strstr(d.message, "stream x") != NULL);
            mc_import_free(&rec);
            continue;
        }
        ASSERT_STATUS(st, MC_OK);
        mc_import_init(&back);
        ASSERT_STATUS(mc_edf_import(file, &back, &d), MC_OK);
        ASSERT_NEAR_F(back.streams[0].info->rate_hz, rates[k], 1e-9 * rates[k]);
        ASSERT_EQ_INT(back.streams[0].n_frames, 3);
        ASSERT_NEAR_F(back.streams[0].data[2], 3, 3.0 / 65534);
        ASSERT_EQ_INT(mc_stream_info_get_attr(back.streams[0].info, "edf_digital_min")[0], '-');
        mc_import_free(&back);
        mc_import_free(&rec);
    }
}

TEST(write_refusals)
{
    mc_import rec;
    mc_import_init(&rec);
    mc_channel_info ch = {.name = "v", .unit = "%", .scale_gain = 1};
    mc_stream_info a = {.name = "SpO2_numeric", .n_channels = 1, .channels = &ch, .rate_hz = 0};
    size_t ia;
    ASSERT_STATUS(mc_import_add_stream(&rec, &a, 0, &ia, NULL), MC_OK);
    const float v[2] = {97, 98};
    const int64_t t[2] = {0, 1300000000LL};
    ASSERT_STATUS(mc_import_append(&rec, ia, 2, v, t, NULL), MC_OK);
    mc_diag d;
    char file[700];
    snprintf(file, sizeof file, "%s", mc_test_tmp_path("irregular.edf"));
    ASSERT_STATUS(mc_edf_write(&rec, file, &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "SpO2_numeric") != NULL);
    ASSERT_TRUE(strstr(d.message, "--streams") != NULL);
    FILE *f = fopen(file, "rb");
    ASSERT_TRUE(f == NULL); /* nothing left behind */
    mc_import_free(&rec);

    /* Values beyond the 8 characters of the physical range; a start before 1985. */
    mc_import_init(&rec);
    a.rate_hz = 10;
    ASSERT_STATUS(mc_import_add_stream(&rec, &a, 0, &ia, NULL), MC_OK);
    const float big[2] = {-5e9f, 1};
    ASSERT_STATUS(mc_import_append(&rec, ia, 2, big, NULL, NULL), MC_OK);
    ASSERT_STATUS(mc_edf_write(&rec, file, &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "8 characters") != NULL);
    mc_import_free(&rec);
    mc_import_init(&rec);
    rec.start_unix_ns = 0; /* 1970 */
    ASSERT_STATUS(mc_import_add_stream(&rec, &a, 0, &ia, NULL), MC_OK);
    ASSERT_STATUS(mc_import_append(&rec, ia, 2, v, NULL, NULL), MC_OK);
    ASSERT_STATUS(mc_edf_write(&rec, file, &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "1985") != NULL);
    mc_import_free(&rec);
}

TEST(shared_round_trip)
{
    /* chtypes_edf.edf -> EDF+C by mcirc -> read again: labels, rates, counts, start, the 8
     * annotations, and every value within one digital step of the new file's range; then MNE
     * reads the rewritten file. */
    mc_import rec, back;
    import_shared(&rec);
    char file[700];
    snprintf(file, sizeof file, "%s", mc_test_tmp_path("chtypes_again.edf"));
    mc_diag d;
    mc_status st = mc_edf_write(&rec, file, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    mc_import_init(&back);
    ASSERT_STATUS(mc_edf_import(file, &back, &d), MC_OK);
    ASSERT_EQ_INT(back.n_streams, rec.n_streams);
    ASSERT_EQ_INT(back.start_unix_ns, rec.start_unix_ns);
    double worst_steps = 0;
    for (size_t i = 0; i < rec.n_streams; i++) {
        const mc_import_stream *a = &rec.streams[i], *b = &back.streams[i];
        ASSERT_STR_EQ(a->info->name, b->info->name);
        ASSERT_STR_EQ(mc_stream_info_get_attr(b->info, "edf_label"),
                      mc_stream_info_get_attr(a->info, "edf_label"));
        ASSERT_NEAR_F(b->info->rate_hz, a->info->rate_hz, 0);
        ASSERT_EQ_INT(b->n_frames, a->n_frames);
        const double step = (strtod(mc_stream_info_get_attr(b->info, "edf_physical_max"), NULL) -
                             strtod(mc_stream_info_get_attr(b->info, "edf_physical_min"), NULL)) /
                            65535;
        for (int64_t j = 0; j < a->n_frames; j++) {
            const double e = fabs((double)a->data[j] - (double)b->data[j]) / step;
            worst_steps = e > worst_steps ? e : worst_steps;
        }
    }
    fprintf(stderr, "worst error: %.3f digital steps\n", worst_steps);
    /* Rounding to the nearest step: half a step, plus float32 rounding of both values (measured:
     * 0.501). The brief's bound is one step. */
    ASSERT_TRUE(worst_steps <= 0.52);
    ASSERT_EQ_INT(back.n_events, 8);
    for (size_t i = 0; i < 8; i++) {
        ASSERT_STR_EQ(back.events[i].text, rec.events[i].text);
        ASSERT_EQ_INT(back.events[i].t_ns, rec.events[i].t_ns);
    }
    const char *dump_path = mc_test_tmp_path("again.dump");
    dump(&back, dump_path);
    mc_import_free(&back);
    mc_import_free(&rec);
    crosscheck("mne", file, dump_path);
}
