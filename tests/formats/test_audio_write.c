/* SPDX-License-Identifier: MIT */
/* tests/formats/test_audio_write.c: the audio exporter (formats/audio.h): round trips
 * import -> export -> import in every written format, sndfile-info and scipy reading our files,
 * what an audio file cannot hold, and the whole path audio -> session file -> audio. */
#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/audio.h"
#include "formats/export.h"
#include "tests/formats/audio_fixtures.h"
#include "tests/harness.h"
#include "tests/util.h"

/* ---- round trips ---------------------------------------------------------------------- */

/* Three streams at 250 Hz: a 2-channel PPG (a NaN, a +Inf), an LDF stream starting 10 samples
 * later and shorter, and a constant channel with a unit that needs escaping. */
static void make_recording(mc_import *rec)
{
    mc_import_init(rec);
    rec->start_unix_ns = INT64_C(1700000000123456789);
    const mc_channel_info ppg_ch[2] = {{"red", "a.u.", 1, 0},
                                       {"ir",
                                        "\xc2\xb5"
                                        "A %=",
                                        1, 0}};
    const mc_stream_info ppg = {.name = "ppg_finger",
                                .modality = MC_MODALITY_PPG,
                                .n_channels = 2,
                                .channels = ppg_ch,
                                .rate_hz = RATE};
    const mc_channel_info ldf_ch[1] = {{"perfusion", "PU", 1, 0}};
    const mc_stream_info ldf = {.name = "ldf",
                                .modality = MC_MODALITY_LDF,
                                .n_channels = 1,
                                .channels = ldf_ch,
                                .rate_hz = RATE};
    const mc_channel_info co2_ch[1] = {{"tcpco2", "mm[Hg]", 1, 0}};
    const mc_stream_info co2 = {.name = "pco2",
                                .modality = MC_MODALITY_PCO2,
                                .n_channels = 1,
                                .channels = co2_ch,
                                .rate_hz = RATE};
    ASSERT_STATUS(mc_import_add_stream(rec, &ppg, 1000000000, NULL, NULL), MC_OK);
    ASSERT_STATUS(mc_import_add_stream(rec, &ldf, 1040000000, NULL, NULL), MC_OK);
    ASSERT_STATUS(mc_import_add_stream(rec, &co2, 1000000000, NULL, NULL), MC_OK);
    float v[FRAMES * 2];
    for (int f = 0; f < FRAMES; f++) {
        v[2 * f] = (float)(1000 + 50 * sin(2 * M_PI * 1.2 * f / RATE));
        v[2 * f + 1] = (float)(-0.002 + 1e-4 * cos(2 * M_PI * 1.2 * f / RATE));
    }
    v[2 * 5] = NAN;
    v[2 * 7 + 1] = INFINITY;
    ASSERT_STATUS(mc_import_append(rec, 0, FRAMES, v, NULL, NULL), MC_OK);
    for (int f = 0; f < 500; f++)
        v[f] = (float)(0.6 * f);
    v[0] = NAN;
    ASSERT_STATUS(mc_import_append(rec, 1, 500, v, NULL, NULL), MC_OK);
    for (int f = 0; f < FRAMES - 20; f++)
        v[f] = 40.25f;
    ASSERT_STATUS(mc_import_append(rec, 2, FRAMES - 20, v, NULL, NULL), MC_OK);
}

/* The finite range of one channel. */
static void range_of(const mc_import_stream *s, uint32_t j, float *lo, float *hi)
{
    *lo = INFINITY, *hi = -INFINITY;
    for (int64_t f = 0; f < s->n_frames; f++) {
        const float x = s->data[f * s->info->n_channels + j];
        if (isfinite(x)) {
            *lo = x < *lo ? x : *lo;
            *hi = x > *hi ? x : *hi;
        }
    }
}

/* back must hold rec's streams; values exact (bits == 0) or within one step of range/(2^bits-1)
 * (plus the float32 resolution of the value), NaN as NaN, +Inf saturated to the range's top. */
static void check_round_trip(const mc_import *rec, const mc_import *back, int bits)
{
    ASSERT_EQ_INT(back->n_streams, rec->n_streams);
    ASSERT_EQ_INT(back->start_unix_ns, rec->start_unix_ns);
    double worst = 0;
    for (size_t i = 0; i < rec->n_streams; i++) {
        const mc_import_stream *a = &rec->streams[i], *b = &back->streams[i];
        ASSERT_STR_EQ(b->info->name, a->info->name);
        ASSERT_EQ_INT(b->info->modality, a->info->modality);
        ASSERT_EQ_INT(b->info->n_channels, a->info->n_channels);
        ASSERT_NEAR_F(b->info->rate_hz, a->info->rate_hz, 0);
        ASSERT_EQ_INT(b->start_ns, a->start_ns);
        ASSERT_EQ_INT(b->n_frames, a->n_frames);
        for (uint32_t j = 0; j < a->info->n_channels; j++) {
            ASSERT_STR_EQ(b->info->channels[j].name, a->info->channels[j].name);
            ASSERT_STR_EQ(b->info->channels[j].unit, a->info->channels[j].unit);
            float lo, hi;
            range_of(a, j, &lo, &hi);
            const double step =
                bits ? ((double)hi - (double)lo) / (bits == 16 ? 65535.0 : 16777215.0) : 0;
            for (int64_t f = 0; f < a->n_frames; f++) {
                const float x = a->data[f * a->info->n_channels + j];
                const float y = b->data[f * b->info->n_channels + j];
                if (isnan(x)) {
                    ASSERT_TRUE(isnan(y));
                } else if (bits == 0) {
                    ASSERT_TRUE(memcmp(&x, &y, sizeof x) == 0);
                } else {
                    const float want = isinf(x) ? hi : x;
                    const double err = fabs((double)y - (double)want);
                    ASSERT_NEAR_F(y, want, step + fabs((double)want) * 1.2e-7);
                    worst = step > 0 && err / step > worst ? err / step : worst;
                }
            }
        }
    }
    if (bits)
        fprintf(stderr, "%d bit: worst error %.3f of a step (range / (2^bits - 1))\n", bits, worst);
}

static void round_trip(int format, const char *name, int bits)
{
    mc_import rec, back;
    make_recording(&rec);
    const char *path = mc_test_tmp_path(name);
    mc_diag d;
    if (mc_audio_write(&rec, path, format, &d) != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(mc_audio_write(&rec, path, format, &d), MC_EEXIST); /* never overwritten */
    ASSERT_STATUS(import_both(path, &back, &d), MC_OK);
    check_round_trip(&rec, &back, bits);
    ASSERT_STR_EQ(back.streams[1].info->channels[0].unit, "PU");
    ASSERT_EQ_INT(back.streams[0].data[2 * 7 + 1] == back.streams[0].data[2 * 7 + 1], 1);
    if (bits) /* the constant channel is exact whatever the width */
        ASSERT_TRUE(back.streams[2].data[100] == 40.25f);
    mc_import_free(&rec);
    mc_import_free(&back);
}

TEST(round_trip_wav_float_exact)
{
    round_trip(MC_AUDIO_WAV_FLOAT, "rt.wav", 0);
}

TEST(round_trip_rf64_float_exact)
{
    round_trip(MC_AUDIO_RF64_FLOAT, "rt.rf64", 0);
}

TEST(round_trip_wav_pcm16)
{
    round_trip(MC_AUDIO_WAV_PCM16, "rt16.wav", 16);
}

TEST(round_trip_wav_pcm24)
{
    round_trip(MC_AUDIO_WAV_PCM24, "rt24.wav", 24);
}

TEST(round_trip_flac16)
{
    round_trip(MC_AUDIO_FLAC16, "rt16.flac", 16);
}

TEST(round_trip_flac24)
{
    round_trip(MC_AUDIO_FLAC24, "rt24.flac", 24);
}

TEST(format_names)
{
    mc_audio_format f = 0;
    ASSERT_STATUS(mc_audio_format_parse("flac16", &f), MC_OK);
    ASSERT_EQ_INT(f, MC_AUDIO_FLAC16);
    ASSERT_STATUS(mc_audio_format_parse("wav", &f), MC_OK);
    ASSERT_EQ_INT(f, MC_AUDIO_WAV_FLOAT);
    ASSERT_STATUS(mc_audio_format_parse("mp3", &f), MC_EINVAL);
    ASSERT_EQ_INT(f, MC_AUDIO_WAV_FLOAT);
}

/* Runs sndfile-info on a file and checks the rate, channels and frames it reports. */
static void check_sndfile_info(const char *path, int rate, int channels, int frames)
{
    if (access("/usr/bin/sndfile-info", X_OK) != 0)
        SKIP("sndfile-info (package sndfile-programs) is not installed");
    char cmd[700], out[65536];
    snprintf(cmd, sizeof cmd, "/usr/bin/sndfile-info '%s'", path);
    FILE *p = popen(cmd, "r");
    ASSERT_TRUE(p != NULL);
    const size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    ASSERT_EQ_INT(pclose(p), 0);
    char want[64];
    snprintf(want, sizeof want, "Sample Rate : %d\n", rate);
    ASSERT_TRUE(strstr(out, want) != NULL);
    snprintf(want, sizeof want, "Channels    : %d\n", channels);
    ASSERT_TRUE(strstr(out, want) != NULL);
    snprintf(want, sizeof want, "Frames      : %d\n", frames);
    if (!strstr(out, want))
        fprintf(stderr, "%s\n", out);
    ASSERT_TRUE(strstr(out, want) != NULL);
    ASSERT_TRUE(strstr(out, "mcirc-audio 1") != NULL); /* the comment, as another tool sees it */
}

TEST(sndfile_info_reads_exports)
{
    const struct {
        int format;
        const char *name;
    } cases[] = {{MC_AUDIO_WAV_FLOAT, "i.wav"},   {MC_AUDIO_WAV_PCM16, "i16.wav"},
                 {MC_AUDIO_WAV_PCM24, "i24.wav"}, {MC_AUDIO_FLAC16, "i16.flac"},
                 {MC_AUDIO_FLAC24, "i24.flac"},   {MC_AUDIO_RF64_FLOAT, "i.rf64"}};
    mc_import rec;
    make_recording(&rec);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = mc_test_tmp_path(cases[i].name);
        ASSERT_STATUS(mc_audio_write(&rec, path, cases[i].format, NULL), MC_OK);
        /* 2 + 1 + 1 channels; the LDF stream ends at 10 + 500 frames, the PPG at 1000. */
        check_sndfile_info(path, RATE, 4, FRAMES);
    }
    mc_import_free(&rec);
}

/* ---- what an audio file cannot hold --------------------------------------------------- */

static void add_one(mc_import *rec, const char *name, double rate, int64_t start_ns, int n)
{
    const mc_channel_info ch[1] = {{"v", "a.u.", 1, 0}};
    const mc_stream_info info = {.name = name, .n_channels = 1, .channels = ch, .rate_hz = rate};
    size_t k;
    ASSERT_STATUS(mc_import_add_stream(rec, &info, start_ns, &k, NULL), MC_OK);
    for (int i = 0; i < n; i++) {
        const float v = (float)i;
        const int64_t t = i * 1000000;
        ASSERT_STATUS(mc_import_append(rec, k, 1, &v, rate == 0 ? &t : NULL, NULL), MC_OK);
    }
}

static void expect_refusal(const mc_import *rec, int format, const char *path, const char *word)
{
    mc_diag d;
    ASSERT_STATUS(mc_audio_write(rec, path, format, &d), MC_EINVAL);
    if (!strstr(d.message, word))
        fprintf(stderr, "message: %s\n", d.message);
    ASSERT_TRUE(strstr(d.message, word) != NULL);
    ASSERT_TRUE(access(path, F_OK) != 0); /* nothing left behind */
}

TEST(flac_nine_channels_refused)
{
    mc_import rec;
    mc_import_init(&rec);
    for (int i = 0; i < 9; i++) {
        char name[8];
        snprintf(name, sizeof name, "s%d", i);
        add_one(&rec, name, RATE, 0, 10);
    }
    const char *path = mc_test_tmp_path("nine.flac");
    expect_refusal(&rec, MC_AUDIO_FLAC16, path, "FLAC: 8");
    expect_refusal(&rec, MC_AUDIO_FLAC24, path, "s8");
    ASSERT_STATUS(mc_audio_write(&rec, mc_test_tmp_path("nine.wav"), MC_AUDIO_WAV_PCM16, NULL),
                  MC_OK);
    mc_import_free(&rec);
}

TEST(export_refusals)
{
    const char *path = mc_test_tmp_path("no.wav");
    mc_import rec;
    mc_import_init(&rec);
    expect_refusal(&rec, MC_AUDIO_WAV_FLOAT, path, "no stream");
    add_one(&rec, "a", RATE, 0, 10);
    add_one(&rec, "events", 0, 0, 3);
    expect_refusal(&rec, MC_AUDIO_WAV_FLOAT, path, "events is irregular");
    mc_import_free(&rec);

    mc_import_init(&rec);
    add_one(&rec, "a", RATE, 0, 10);
    add_one(&rec, "b", 125, 0, 10);
    expect_refusal(&rec, MC_AUDIO_WAV_FLOAT, path, "stream b is at 125 Hz");
    mc_import_free(&rec);

    mc_import_init(&rec);
    add_one(&rec, "pleth", 62.4725, 0, 10);
    expect_refusal(&rec, MC_AUDIO_FLAC16, path, "not a whole number");
    mc_import_free(&rec);

    mc_import_init(&rec);
    add_one(&rec, "a", RATE, 0, 10);
    add_one(&rec, "late", RATE, 1000000, 10); /* 1 ms = a quarter sample at 250 Hz */
    expect_refusal(&rec, MC_AUDIO_WAV_FLOAT, path, "late starts 0.2500 samples");
    mc_import_free(&rec);

    mc_import_init(&rec); /* 40 channels of long names: too long for a WAV comment */
    for (int i = 0; i < 40; i++) {
        char name[64];
        snprintf(name, sizeof name, "a_rather_long_stream_name_for_channel_%02d", i);
        add_one(&rec, name, RATE, 0, 10);
    }
    expect_refusal(&rec, MC_AUDIO_WAV_PCM16, path, "use flac");
    ASSERT_STATUS(mc_audio_write(&rec, path, 99, NULL), MC_EINVAL);
    mc_import_free(&rec);
}

/* ---- independent cross-check (scipy reads) --------------------------------------------- */

/* The file layout the exporter promises for make_recording: 1000 frames x 4 channels, each
 * stream at its lead, NaN outside it. */
static void write_expected(const mc_import *rec, const char *path)
{
    float *v = malloc(FRAMES * 4 * sizeof *v);
    ASSERT_TRUE(v != NULL);
    for (int i = 0; i < FRAMES * 4; i++)
        v[i] = NAN;
    int k = 0;
    for (size_t i = 0; i < rec->n_streams; i++) {
        const mc_import_stream *s = &rec->streams[i];
        const int64_t lead = (s->start_ns - 1000000000) * RATE / 1000000000;
        for (uint32_t j = 0; j < s->info->n_channels; j++, k++)
            for (int64_t f = 0; f < s->n_frames; f++)
                v[(lead + f) * 4 + k] = s->data[f * s->info->n_channels + j];
    }
    FILE *f = fopen(path, "wb");
    ASSERT_TRUE(f != NULL);
    ASSERT_EQ_INT(fwrite(v, sizeof *v, FRAMES * 4, f), FRAMES * 4);
    ASSERT_EQ_INT(fclose(f), 0);
    free(v);
}

TEST(python_reads_exports)
{
    mc_import rec;
    make_recording(&rec);
    char expected[600], args[1400];
    snprintf(expected, sizeof expected, "%s", mc_test_tmp_path("expected.f32"));
    write_expected(&rec, expected);
    const struct {
        int format;
        const char *name;
    } cases[] = {{MC_AUDIO_WAV_FLOAT, "py.wav"},
                 {MC_AUDIO_WAV_PCM16, "py16.wav"},
                 {MC_AUDIO_WAV_PCM24, "py24.wav"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *path = mc_test_tmp_path(cases[i].name);
        ASSERT_STATUS(mc_audio_write(&rec, path, cases[i].format, NULL), MC_OK);
        snprintf(args, sizeof args, "export '%s' '%s'", path, expected);
        run_check(args);
    }
    mc_import_free(&rec);
}

/* ---- the whole path: audio -> session file -> audio -> import ----------------------------- */

TEST(session_round_trip)
{
    const char *src = mc_test_tmp_path("ecg.flac");
    write_codes(src, SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 2, FRAMES, 16, NULL);
    mc_audio_calibration cal[2] = {mc_audio_calibration_default(), mc_audio_calibration_default()};
    cal[0].gain = 0.005, cal[0].unit = "mV", cal[0].name = "ECG II";
    cal[1].gain = 0.01, cal[1].offset = 100, cal[1].unit = "mm[Hg]", cal[1].name = "ABP";
    mc_audio_read_opts o = mc_audio_read_opts_default();
    o.cal = cal, o.n_cal = 2;
    mc_import first;
    mc_import_init(&first);
    mc_diag d;
    ASSERT_STATUS(mc_audio_read_file(src, &o, &first, &d), MC_OK);

    mc_session_info s;
    memset(&s, 0, sizeof s);
    snprintf(s.subject, sizeof s.subject, "AUD-001");
    snprintf(s.software, sizeof s.software, "mcirc test");
    const char *h5 = mc_test_tmp_path("ecg.h5");
    const mc_status st = mc_import_write(&first, &s, 0, 4, h5, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    mc_import loaded;
    mc_import_init(&loaded);
    const mc_export_opts eo = mc_export_opts_default();
    ASSERT_STATUS(mc_export_load(h5, &eo, &loaded, &d), MC_OK);
    const char *out = mc_test_tmp_path("ecg24.flac");
    ASSERT_STATUS(mc_audio_write(&loaded, out, MC_AUDIO_FLAC24, &d), MC_OK);
    mc_import back;
    ASSERT_STATUS(import_both(out, &back, &d), MC_OK);

    ASSERT_EQ_INT(back.n_streams, 2);
    ASSERT_STR_EQ(back.streams[0].info->name, "ECG_II");
    ASSERT_STR_EQ(back.streams[0].info->channels[0].unit, "mV");
    ASSERT_STR_EQ(back.streams[1].info->name, "ABP");
    ASSERT_STR_EQ(back.streams[1].info->channels[0].unit, "mm[Hg]");
    for (int c = 0; c < 2; c++) {
        ASSERT_EQ_INT(back.streams[c].n_frames, FRAMES);
        const double step = (c ? 0.01 : 0.005) * 65535 / 16777215.0;
        for (int f = 0; f < FRAMES; f++) {
            const double want = (c ? 0.01 : 0.005) * code16(f, c) + (c ? 100 : 0);
            ASSERT_TRUE(first.streams[c].data[f] == (float)want);
            ASSERT_NEAR_F(back.streams[c].data[f], want, step + fabs(want) * 1.2e-7);
        }
    }
    mc_import_free(&first);
    mc_import_free(&loaded);
    mc_import_free(&back);
}

/* The file ends where a PROT_NONE page begins: nothing may read past it (STYLE.md 3.9). */
