/* SPDX-License-Identifier: MIT */
/* tests/formats/test_audio.c: the audio importer and exporter (formats/audio.h) on files made
 * here with libsndfile (known integer codes and sines in every container), crafted malformed
 * headers, round trips import -> export -> import, and sndfile-info reading our exports. */
#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/audio.h"
#include "formats/export.h"
#include "tests/guard.h"
#include "tests/harness.h"
#include "tests/util.h"

enum { RATE = 250, FRAMES = 1000, CH = 3 };

/* The 16-bit code of channel c at frame f: covers negative, positive and both extremes. */
static int code16(int f, int c)
{
    if (f == 0)
        return c == 0 ? -32768 : 32767;
    return ((f * 37 + c * 9001) % 65536) - 32768;
}

/* Write a file with libsndfile: integer codes (bits 16 or 24: the codes are scaled to the 32-bit
 * ints libsndfile takes) or floats; optional comment. */
static void write_codes(const char *path, int format, int channels, int frames, int bits,
                        const char *comment)
{
    SF_INFO info = {.samplerate = RATE, .channels = channels, .format = format};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf)
        fprintf(stderr, "%s: %s\n", path, sf_strerror(NULL));
    ASSERT_TRUE(sf != NULL);
    if (comment)
        ASSERT_EQ_INT(sf_set_string(sf, SF_STR_COMMENT, comment), 0);
    int *v = calloc((size_t)frames * channels, sizeof *v);
    ASSERT_TRUE(v != NULL);
    for (int f = 0; f < frames; f++)
        for (int c = 0; c < channels; c++)
            v[f * channels + c] = bits == 24 ? code16(f, c) * 256 * 256 : code16(f, c) * 65536;
    ASSERT_EQ_INT(sf_writef_int(sf, v, frames), frames);
    ASSERT_EQ_INT(sf_close(sf), 0);
    free(v);
}

static float sine(int f, int c)
{
    return (float)(2.5 * sin(2 * M_PI * 10.0 * f / RATE + c) + 100.0 * c);
}

static void write_floats(const char *path, int format)
{
    SF_INFO info = {.samplerate = RATE, .channels = CH, .format = format};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    ASSERT_TRUE(sf != NULL);
    float v[FRAMES * CH];
    for (int f = 0; f < FRAMES; f++)
        for (int c = 0; c < CH; c++)
            v[f * CH + c] = sine(f, c);
    ASSERT_EQ_INT(sf_writef_float(sf, v, FRAMES), FRAMES);
    ASSERT_EQ_INT(sf_close(sf), 0);
}

static uint8_t *slurp(const char *path, size_t *len)
{
    uint8_t *buf;
    ASSERT_STATUS(mc_read_whole_file(path, (size_t)1 << 30, &buf, len, NULL), MC_OK);
    return buf;
}

/* The import of a file both ways (path and bytes) must agree; returns the path's. */
static mc_status import_both(const char *path, mc_import *imp, mc_diag *d)
{
    mc_import_init(imp);
    mc_status st = mc_audio_import(path, imp, d);
    size_t len;
    uint8_t *buf = slurp(path, &len);
    mc_import mem;
    mc_import_init(&mem);
    mc_diag d2;
    ASSERT_STATUS(mc_audio_read(buf, len, path, NULL, &mem, &d2), st);
    if (st == MC_OK) {
        ASSERT_EQ_INT(mem.n_streams, imp->n_streams);
        for (size_t i = 0; i < mem.n_streams; i++) {
            ASSERT_EQ_INT(mem.streams[i].n_frames, imp->streams[i].n_frames);
            ASSERT_TRUE(memcmp(mem.streams[i].data, imp->streams[i].data,
                               (size_t)mem.streams[i].n_frames * mem.streams[i].info->n_channels *
                                   sizeof(float)) == 0);
        }
        ASSERT_STR_EQ(mem.format, imp->format);
        ASSERT_STR_EQ(mem.source, imp->source);
    }
    mc_import_free(&mem);
    free(buf);
    return st;
}

TEST(detect)
{
    const uint8_t wav[] = "RIFF\x24\0\0\0WAVEfmt ";
    const uint8_t rf64[] = "RF64\xff\xff\xff\xffWAVEds64";
    const uint8_t flac[] = "fLaC\0\0\0\x22\x10\0\x10\0";
    const uint8_t caf[] = "caff\0\x01\0\0desc";
    const uint8_t aiff[] = "FORM\0\0\0\x30"
                           "AIFFCOMM";
    const uint8_t w64[] = {'r',  'i',  'f',  'f',  0x2E, 0x91, 0xCF, 0x11, 0xA5, 0xD6,
                           0x28, 0xDB, 0x04, 0xC1, 0x00, 0x00, 0,    0,    0,    0};
    const uint8_t csv[] = "Time [s], PLETH\n0,1\n";
    const uint8_t form[] = "FORM\0\0\0\x30"
                           "ILBMBMHD"; /* an IFF picture, not sound */
    ASSERT_EQ_INT(mc_audio_detect(wav, sizeof wav - 1, "x.dat"), 1);
    ASSERT_EQ_INT(mc_audio_detect(rf64, sizeof rf64 - 1, NULL), 1);
    ASSERT_EQ_INT(mc_audio_detect(flac, sizeof flac - 1, NULL), 1);
    ASSERT_EQ_INT(mc_audio_detect(caf, sizeof caf - 1, NULL), 1);
    ASSERT_EQ_INT(mc_audio_detect(aiff, sizeof aiff - 1, NULL), 1);
    ASSERT_EQ_INT(mc_audio_detect(w64, sizeof w64, NULL), 1);
    ASSERT_EQ_INT(mc_audio_detect(csv, sizeof csv - 1, "x.wav"), 0); /* content first */
    ASSERT_EQ_INT(mc_audio_detect(form, sizeof form - 1, NULL), 0);
    ASSERT_EQ_INT(mc_audio_detect(NULL, 0, "REC.FLAC"), 1);
    ASSERT_EQ_INT(mc_audio_detect(NULL, 0, "rec.csv"), 0);
    ASSERT_EQ_INT(mc_audio_detect(wav, 4, NULL), 0);
}

/* Every container: 3 channels of known 16-bit codes come back as exactly those codes, one
 * stream per channel named ch1..ch3 at 250 Hz with 1000 frames. */
TEST(containers_keep_integer_codes)
{
    static const struct {
        int format;
        const char *ext, *name;
    } cases[] = {
        {SF_FORMAT_WAV | SF_FORMAT_PCM_16, "wav", "wav"},
        {SF_FORMAT_W64 | SF_FORMAT_PCM_16, "w64", "w64"},
        {SF_FORMAT_RF64 | SF_FORMAT_PCM_16, "rf64", "rf64"},
        {SF_FORMAT_CAF | SF_FORMAT_PCM_16, "caf", "caf"},
        {SF_FORMAT_FLAC | SF_FORMAT_PCM_16, "flac", "flac"},
        {SF_FORMAT_AIFF | SF_FORMAT_PCM_16, "aiff", "aiff"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "codes.%s", cases[i].ext);
        const char *path = mc_test_tmp_path(name);
        write_codes(path, cases[i].format, CH, FRAMES, 16, NULL);
        mc_import imp;
        mc_diag d;
        ASSERT_STATUS(import_both(path, &imp, &d), MC_OK);
        ASSERT_STR_EQ(imp.format, cases[i].name);
        ASSERT_STR_EQ(imp.source, name);
        ASSERT_EQ_INT(imp.n_streams, CH);
        for (int c = 0; c < CH; c++) {
            const mc_import_stream *s = &imp.streams[c];
            char want[8];
            snprintf(want, sizeof want, "ch%d", c + 1);
            ASSERT_STR_EQ(s->info->name, want);
            ASSERT_EQ_INT(s->info->n_channels, 1);
            ASSERT_STR_EQ(s->info->channels[0].unit, "a.u.");
            ASSERT_NEAR_F(s->info->rate_hz, RATE, 0);
            ASSERT_EQ_INT(s->info->modality, MC_MODALITY_OTHER);
            ASSERT_EQ_INT(s->n_frames, FRAMES);
            ASSERT_EQ_INT(s->start_ns, 0);
            for (int f = 0; f < FRAMES; f++)
                if (s->data[f] != (float)code16(f, c)) {
                    fprintf(stderr, "%s ch%d frame %d: %g != %d\n", name, c, f, (double)s->data[f],
                            code16(f, c));
                    ASSERT_TRUE(0);
                }
        }
        ASSERT_EQ_INT(imp.streams[0].data[0], -32768);
        ASSERT_EQ_INT(imp.streams[1].data[0], 32767);
        mc_import_free(&imp);
    }
}

/* 24-bit codes (FLAC and WAV) are kept exactly too, up to +-2^23. */
TEST(pcm24_codes_exact)
{
    const int formats[] = {SF_FORMAT_WAV | SF_FORMAT_PCM_24, SF_FORMAT_FLAC | SF_FORMAT_PCM_24};
    for (int i = 0; i < 2; i++) {
        const char *path = mc_test_tmp_path(i ? "c24.flac" : "c24.wav");
        write_codes(path, formats[i], 2, 100, 24, NULL);
        mc_import imp;
        ASSERT_STATUS(import_both(path, &imp, NULL), MC_OK);
        ASSERT_EQ_INT(imp.streams[0].data[0], -32768 * 256); /* -2^23 */
        ASSERT_EQ_INT(imp.streams[1].data[0], 32767 * 256);
        for (int f = 0; f < 100; f++)
            ASSERT_EQ_INT(imp.streams[1].data[f], code16(f, 1) * 256);
        mc_import_free(&imp);
    }
}

/* Float files keep their values, including values beyond +-1, in every float container. */
TEST(float_files_keep_values)
{
    const int formats[] = {SF_FORMAT_WAV | SF_FORMAT_FLOAT, SF_FORMAT_W64 | SF_FORMAT_FLOAT,
                           SF_FORMAT_RF64 | SF_FORMAT_FLOAT, SF_FORMAT_CAF | SF_FORMAT_FLOAT,
                           SF_FORMAT_AIFF | SF_FORMAT_FLOAT};
    const char *names[] = {"f.wav", "f.w64", "f.rf64", "f.caf", "f.aiff"};
    for (int i = 0; i < 5; i++) {
        const char *path = mc_test_tmp_path(names[i]);
        write_floats(path, formats[i]);
        mc_import imp;
        ASSERT_STATUS(import_both(path, &imp, NULL), MC_OK);
        ASSERT_EQ_INT(imp.n_streams, CH);
        for (int c = 0; c < CH; c++) {
            ASSERT_EQ_INT(imp.streams[c].n_frames, FRAMES);
            for (int f = 0; f < FRAMES; f++)
                ASSERT_TRUE(imp.streams[c].data[f] == sine(f, c));
        }
        ASSERT_NEAR_F(imp.streams[2].data[0], 200 + 2.5 * sin(2), 1e-4);
        mc_import_free(&imp);
    }
}

/* physical = gain * code + offset, exactly, with the caller's names, units and modality. */
TEST(calibration_exact_on_codes)
{
    const char *path = mc_test_tmp_path("cal.wav");
    write_codes(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, CH, FRAMES, 16, NULL);
    mc_audio_calibration cal[2] = {mc_audio_calibration_default(), mc_audio_calibration_default()};
    cal[0].gain = 0.5, cal[0].offset = -3, cal[0].unit = "mm[Hg]", cal[0].name = "ABP art";
    cal[1].gain = 0.25, cal[1].unit = "PU", cal[1].modality = "ldf";
    mc_audio_read_opts o = mc_audio_read_opts_default();
    o.cal = cal, o.n_cal = 2;
    mc_import imp;
    mc_import_init(&imp);
    ASSERT_STATUS(mc_audio_read_file(path, &o, &imp, NULL), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 3);
    ASSERT_STR_EQ(imp.streams[0].info->name, "ABP_art");
    ASSERT_STR_EQ(imp.streams[0].info->channels[0].unit, "mm[Hg]");
    ASSERT_NEAR_F(imp.streams[0].info->channels[0].scale_gain, 2, 0);
    ASSERT_NEAR_F(imp.streams[0].info->channels[0].scale_offset, 6, 0);
    ASSERT_STR_EQ(imp.streams[1].info->name, "ch2");
    ASSERT_EQ_INT(imp.streams[1].info->modality, MC_MODALITY_LDF);
    ASSERT_STR_EQ(imp.streams[2].info->channels[0].unit, "a.u.");
    for (int f = 0; f < FRAMES; f++) {
        ASSERT_TRUE(imp.streams[0].data[f] == (float)(0.5 * code16(f, 0) - 3));
        ASSERT_TRUE(imp.streams[1].data[f] == (float)(0.25 * code16(f, 1)));
        ASSERT_TRUE(imp.streams[2].data[f] == (float)code16(f, 2));
    }
    ASSERT_NEAR_F(imp.streams[0].data[0], -16387, 0); /* 0.5 * -32768 - 3 */
    mc_import_free(&imp);

    mc_diag d;
    cal[1].gain = 0;
    mc_import_init(&imp);
    ASSERT_STATUS(mc_audio_read_file(path, &o, &imp, &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "channel 2") != NULL);
    mc_import_free(&imp);
    cal[1].gain = 1, cal[1].modality = "ecg";
    mc_import_init(&imp);
    ASSERT_STATUS(mc_audio_read_file(path, &o, &imp, &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "ecg") != NULL);
    mc_import_free(&imp);
}

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

/* ---- malformed and hostile inputs ------------------------------------------------------- */

static void le16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    le16(p, v & 0xFFFF), le16(p + 2, v >> 16);
}

/* A canonical 44-byte PCM WAV header followed by `frames` frames of 16-bit codes f * 10 + c,
 * with the given fields (data_bytes as declared, whatever is really there). */
static uint8_t *crafted_wav(uint16_t channels, uint32_t rate, uint32_t data_bytes, int frames,
                            size_t *len)
{
    const size_t n = 44 + (size_t)frames * (channels ? channels : 1) * 2;
    uint8_t *b = calloc(n, 1);
    ASSERT_TRUE(b != NULL);
    memcpy(b, "RIFF", 4);
    le32(b + 4, (uint32_t)(n - 8));
    memcpy(b + 8, "WAVEfmt ", 8);
    le32(b + 16, 16);
    le16(b + 20, 1); /* PCM */
    le16(b + 22, channels);
    le32(b + 24, rate);
    le32(b + 28, rate * channels * 2);
    le16(b + 32, (uint32_t)channels * 2);
    le16(b + 34, 16);
    memcpy(b + 36, "data", 4);
    le32(b + 40, data_bytes);
    for (int f = 0; f < frames; f++)
        for (int c = 0; c < (channels ? channels : 1); c++)
            le16(b + 44 + ((size_t)f * (channels ? channels : 1) + c) * 2, (uint32_t)(f * 10 + c));
    *len = n;
    return b;
}

static mc_status read_bytes(const uint8_t *b, size_t len, const mc_audio_read_opts *o, size_t limit,
                            mc_import *imp, mc_diag *d)
{
    mc_import_init(imp);
    if (limit)
        imp->limit_bytes = limit;
    /* In a heap block of exactly len bytes, so that ASan sees a read past it. */
    uint8_t *copy = malloc(len ? len : 1);
    ASSERT_TRUE(copy != NULL);
    memcpy(copy, b, len);
    mc_diag_clear(d);
    const mc_status st = mc_audio_read(copy, len, "crafted.wav", o, imp, d);
    free(copy);
    return st;
}

TEST(crafted_wav_reads)
{
    size_t len;
    uint8_t *b = crafted_wav(2, 500, 100 * 4, 100, &len);
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_bytes(b, len, NULL, 0, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 2);
    ASSERT_EQ_INT(imp.streams[1].n_frames, 100);
    ASSERT_NEAR_F(imp.streams[1].info->rate_hz, 500, 0);
    ASSERT_NEAR_F(imp.streams[1].data[99], 991, 0);
    ASSERT_STR_EQ(imp.source, "crafted.wav");
    mc_import_free(&imp);
    free(b);
}

TEST(truncated_header)
{
    size_t len;
    uint8_t *b = crafted_wav(2, 500, 100 * 4, 100, &len);
    const size_t cuts[] = {0, 3, 4, 11, 12, 20, 30, 36, 40};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        mc_import imp;
        mc_diag d;
        ASSERT_STATUS(read_bytes(b, cuts[i], NULL, 0, &imp, &d), MC_EFORMAT);
        ASSERT_TRUE(strstr(d.message, "crafted.wav: ") == d.message);
        ASSERT_EQ_INT(imp.n_streams, 0);
        mc_import_free(&imp);
    }
    /* Cut inside the samples: what is there (10 whole frames), no error. */
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_bytes(b, 44 + 10 * 4 + 3, NULL, 0, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.streams[0].n_frames, 10);
    ASSERT_NEAR_F(imp.streams[0].data[9], 90, 0);
    mc_import_free(&imp);
    free(b);
}

TEST(zero_channels)
{
    size_t len;
    uint8_t *b = crafted_wav(0, 500, 200, 100, &len);
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_bytes(b, len, NULL, 0, &imp, &d), MC_EFORMAT);
    fprintf(stderr, "zero channels: %s\n", d.message);
    ASSERT_EQ_INT(imp.n_streams, 0);
    mc_import_free(&imp);
    free(b);
}

TEST(absurd_rate)
{
    const uint32_t rates[] = {0, 1000001, 5505524, 0x7FFFFFFF, 0xFFFFFFFF};
    for (int i = 0; i < 5; i++) {
        size_t len;
        uint8_t *b = crafted_wav(1, rates[i], 200, 100, &len);
        mc_import imp;
        mc_diag d;
        ASSERT_STATUS(read_bytes(b, len, NULL, 0, &imp, &d), MC_EFORMAT);
        fprintf(stderr, "rate %u: %s\n", rates[i], d.message);
        ASSERT_EQ_INT(imp.n_streams, 0);
        mc_import_free(&imp);
        free(b);
    }
    size_t len;
    uint8_t *b = crafted_wav(1, 20000000, 200, 100, &len);
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_bytes(b, len, NULL, 0, &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "sample rate 20000000 Hz is outside 1..1000000 Hz") != NULL);
    mc_import_free(&imp);
    free(b);
}

/* A data chunk that claims 4 GiB holds 100 frames: the import has those 100, and holds no more
 * memory than they need. The import limit and max_frames give one clear error. */
TEST(huge_data_chunk_size)
{
    size_t len;
    uint8_t *b = crafted_wav(1, 500, 0xFFFFFFF0u, 100, &len);
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_bytes(b, len, NULL, 0, &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.streams[0].n_frames, 100);
    ASSERT_NEAR_F(imp.streams[0].data[99], 990, 0);
    ASSERT_EQ_INT(imp.used_bytes, 100 * sizeof(float));
    mc_import_free(&imp);

    ASSERT_STATUS(read_bytes(b, len, NULL, 200, &imp, &d), MC_ENOMEM);
    ASSERT_TRUE(strstr(d.message, "import limit") != NULL);
    mc_import_free(&imp);

    mc_audio_read_opts o = mc_audio_read_opts_default();
    o.max_frames = 50;
    ASSERT_STATUS(read_bytes(b, len, &o, 0, &imp, &d), MC_ENOMEM);
    ASSERT_TRUE(strstr(d.message, "more than 50 frames") != NULL);
    mc_import_free(&imp);
    o.max_frames = 0;
    o.max_channels = 0;
    free(b);

    b = crafted_wav(3, 500, 600, 100, &len);
    o.max_channels = 2;
    ASSERT_STATUS(read_bytes(b, len, &o, 0, &imp, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "3 channels") != NULL);
    mc_import_free(&imp);
    free(b);
}

/* A FLAC whose STREAMINFO claims 2^36 - 1 samples holds FRAMES: those are imported. */
TEST(flac_lying_length)
{
    const char *path = mc_test_tmp_path("lie.flac");
    write_codes(path, SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 1, FRAMES, 16, NULL);
    size_t len;
    uint8_t *b = slurp(path, &len);
    ASSERT_TRUE(len > 26 && memcmp(b, "fLaC", 4) == 0 && (b[4] & 0x7F) == 0);
    b[21] |= 0x0F; /* the 36-bit total-samples field of STREAMINFO */
    memset(b + 22, 0xFF, 4);
    mc_import imp;
    mc_diag d;
    const mc_status st = read_bytes(b, len, NULL, 0, &imp, &d);
    if (st != MC_OK)
        fprintf(stderr, "%s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    ASSERT_EQ_INT(imp.streams[0].n_frames, FRAMES);
    ASSERT_EQ_INT(imp.used_bytes, FRAMES * sizeof(float));
    mc_import_free(&imp);
    free(b);
}

TEST(not_audio)
{
    const char text[] = "Time [s], PLETH\n0,0.5\n0.008,0.51\n";
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(read_bytes((const uint8_t *)text, sizeof text - 1, NULL, 0, &imp, &d),
                  MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "libsndfile") != NULL);
    mc_import_free(&imp);
    mc_import_init(&imp);
    ASSERT_STATUS(mc_audio_import(mc_test_tmp_path("absent.wav"), &imp, &d), MC_ENOTFOUND);
    ASSERT_TRUE(strstr(d.message, "absent.wav") != NULL);
    mc_import_free(&imp);
}

/* ---- the mcirc metadata ------------------------------------------------------------------ */

static mc_status import_with_comment(const char *comment, mc_import *imp, mc_diag *d)
{
    const char *path = mc_test_tmp_path("meta.wav");
    unlink(path);
    write_codes(path, SF_FORMAT_WAV | SF_FORMAT_PCM_16, CH, 20, 16, comment);
    mc_import_init(imp);
    mc_diag_clear(d);
    return mc_audio_import(path, imp, d);
}

TEST(metadata_groups_and_scales)
{
    mc_import imp;
    mc_diag d;
    ASSERT_STATUS(import_with_comment("mcirc-audio 1\n"
                                      "start_unix_ns=1600000000000000000 start_ns=8000000 "
                                      "nan=-32768 future_key=x\n"
                                      "stream=nirs modality=nirs frames=15\n"
                                      "channel=hbo unit=umol%2FL gain=0.001\n"
                                      "channel=hbr unit=umol/L gain=0.001 offset=-1\n"
                                      "stream=x first=4\n"
                                      "channel=v unit=%C2%B5V\n",
                                      &imp, &d),
                  MC_OK);
    ASSERT_EQ_INT(imp.start_unix_ns, INT64_C(1600000000000000000));
    ASSERT_EQ_INT(imp.n_streams, 2);
    const mc_import_stream *a = &imp.streams[0], *b = &imp.streams[1];
    ASSERT_STR_EQ(a->info->name, "nirs");
    ASSERT_EQ_INT(a->info->modality, MC_MODALITY_NIRS);
    ASSERT_EQ_INT(a->info->n_channels, 2);
    ASSERT_STR_EQ(a->info->channels[1].name, "hbr");
    ASSERT_STR_EQ(a->info->channels[0].unit, "umol/L");
    ASSERT_STR_EQ(mc_stream_info_get_attr(a->info, "audio_channels"), "1-2");
    ASSERT_EQ_INT(a->n_frames, 15);
    ASSERT_EQ_INT(a->start_ns, 8000000);
    ASSERT_TRUE(isnan(a->data[0])); /* code -32768 */
    ASSERT_TRUE(a->data[1] == (float)(0.001 * 32767 - 1));
    ASSERT_TRUE(a->data[2 * 7] == (float)(0.001 * code16(7, 0)));
    ASSERT_STR_EQ(b->info->name, "x");
    ASSERT_STR_EQ(b->info->channels[0].unit, "\xc2\xb5V");
    ASSERT_EQ_INT(b->n_frames, 16);
    ASSERT_EQ_INT(b->start_ns, 8000000 + 16000000); /* 4 frames at 250 Hz later */
    ASSERT_TRUE(b->data[0] == (float)code16(4, 2));
    mc_import_free(&imp);

    /* An extent beyond the file is the file's end. */
    ASSERT_STATUS(import_with_comment("mcirc-audio 1\nstream=s frames=9223372036854775807\n"
                                      "channel=a\nchannel=b\nchannel=c\n",
                                      &imp, &d),
                  MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 1);
    ASSERT_EQ_INT(imp.streams[0].n_frames, 20);
    mc_import_free(&imp);

    /* An ordinary comment is not metadata. */
    ASSERT_STATUS(import_with_comment("recorded on the bench", &imp, &d), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 3);
    ASSERT_STR_EQ(imp.streams[2].info->name, "ch3");
    ASSERT_EQ_INT(imp.start_unix_ns, MC_IMPORT_NO_TIME);
    mc_import_free(&imp);
}

TEST(metadata_errors)
{
    static const struct {
        const char *comment, *words;
    } cases[] = {
        {"mcirc-audio 2\n", "version '2' is not"},
        {"mcirc-audio 1\nstream=s\nchannel=a unit=%FF\nchannel=b\nchannel=c\n", "line 3): unit"},
        {"mcirc-audio 1\nstream=s\nchannel=a\nchannel=b\n", "2 channel lines for a file of 3"},
        {"mcirc-audio 1\nstream=s\nchannel=a\nchannel=b\nchannel=c\nchannel=d\n", "line 6)"},
        {"mcirc-audio 1\nstream=b%20d\nchannel=a\nchannel=b\nchannel=c\n", "stream name 'b d'"},
        {"mcirc-audio 1\nstream=s\nchannel=a gain=0\nchannel=b\nchannel=c\n", "gain='0'"},
        {"mcirc-audio 1\nstream=s\nchannel=a gain=1e-320\nchannel=b\nchannel=c\n", "gain='1e-320'"},
        {"mcirc-audio 1\nchannel=a\n", "before any stream"},
        {"mcirc-audio 1\nstream=s frames=-4\nchannel=a\nchannel=b\nchannel=c\n", "frames='-4'"},
        {"mcirc-audio 1\nstream=s modality=ecg\n", "modality 'ecg'"},
        {"mcirc-audio 1\nstream=s\nchannel=a\nchannel=a\nchannel=c\n", "'a' twice"},
        {"mcirc-audio 1\nstream=s\nchannel=a unit=%4\nchannel=b\nchannel=c\n", "escape"},
        {"mcirc-audio 1\nstream=s\nchannel=a loose\nchannel=b\nchannel=c\n", "'loose'"},
        {"mcirc-audio 1\nstream=s first=9223372036854775807\nchannel=a\nchannel=b\nchannel=c\n",
         "frame 9223372036854775807, beyond 2^62 ns"},
        {"mcirc-audio 1\nstream=a%0Ab%FF\nchannel=a\nchannel=b\nchannel=c\n", "'a?b?' is not"},
        {"mcirc-audio 1\nstream=s\nchannel=a Gain=2\nchannel=b\nchannel=c\n", "a-z 0-9 _"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mc_import imp;
        mc_diag d;
        const mc_status st = import_with_comment(cases[i].comment, &imp, &d);
        if (st != MC_EFORMAT || !strstr(d.message, cases[i].words))
            fprintf(stderr, "case %zu: %s: %s\n", i, mc_strerror(st), d.message);
        ASSERT_STATUS(st, MC_EFORMAT);
        ASSERT_TRUE(strstr(d.message, cases[i].words) != NULL);
        ASSERT_TRUE(strstr(d.message, "meta.wav: mcirc metadata") != NULL);
        mc_import_free(&imp);
    }
}

/* ---- independent cross-checks (scipy, numpy) --------------------------------------------- */

/* Runs tests/formats/audio_check.py (beside this file) with Debian's python3; skips the case
 * when python3 or scipy is missing (exit 77). */
static void run_check(const char *args)
{
    if (access("/usr/bin/python3", X_OK) != 0)
        SKIP("/usr/bin/python3 is absent");
    const char *slash = strrchr(__FILE__, '/');
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%.*s/audio_check.py' %s",
             (int)(slash ? slash - __FILE__ : 1), slash ? __FILE__ : ".", args);
    fflush(NULL);
    const int rc = system(cmd);
    ASSERT_TRUE(rc != -1 && WIFEXITED(rc));
    if (WEXITSTATUS(rc) == 77)
        SKIP("numpy or scipy is missing for /usr/bin/python3");
    ASSERT_EQ_INT(WEXITSTATUS(rc), 0);
}

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

TEST(python_written_files)
{
    char args[700];
    snprintf(args, sizeof args, "make '%s'", mc_test_tmp_dir());
    run_check(args);
    mc_import imp;
    ASSERT_STATUS(import_both(mc_test_tmp_path("py16.wav"), &imp, NULL), MC_OK);
    ASSERT_EQ_INT(imp.n_streams, 3);
    for (int c = 0; c < 3; c++) {
        ASSERT_EQ_INT(imp.streams[c].n_frames, FRAMES);
        for (int f = 0; f < FRAMES; f++)
            ASSERT_TRUE(imp.streams[c].data[f] == (float)code16(f, c));
    }
    mc_import_free(&imp);

    ASSERT_STATUS(import_both(mc_test_tmp_path("pyfloat.wav"), &imp, NULL), MC_OK);
    size_t len;
    uint8_t *raw = slurp(mc_test_tmp_path("pyfloat.f32"), &len);
    ASSERT_EQ_INT(len, FRAMES * 2 * sizeof(float));
    const float *want = (const float *)(const void *)raw;
    ASSERT_EQ_INT(imp.n_streams, 2);
    for (int c = 0; c < 2; c++)
        for (int f = 0; f < FRAMES; f++)
            ASSERT_TRUE(imp.streams[c].data[f] == want[f * 2 + c]);
    ASSERT_NEAR_F(imp.streams[1].data[0], 100 + 2.5 * sin(1), 1e-4);
    free(raw);
    mc_import_free(&imp);
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
TEST(guard_page)
{
    size_t len;
    uint8_t *wav = crafted_wav(2, 500, 100 * 4, 100, &len);
    const char *fl = mc_test_tmp_path("guard.flac");
    write_codes(fl, SF_FORMAT_FLAC | SF_FORMAT_PCM_16, 2, 100, 16, NULL);
    size_t flen;
    uint8_t *flac = slurp(fl, &flen);
    const uint8_t *files[2] = {wav, flac};
    const size_t lens[2] = {len, flen};
    for (int i = 0; i < 2; i++)
        for (size_t cut = 0; cut <= lens[i]; cut += cut < 64 ? 1 : 37) {
            mc_guard g;
            const uint8_t *at_end = (const uint8_t *)mc_guard_put(&g, files[i], cut);
            ASSERT_TRUE(at_end != NULL);
            mc_import imp;
            mc_import_init(&imp);
            const mc_status st = mc_audio_read(at_end, cut, "guard", NULL, &imp, NULL);
            ASSERT_TRUE(st == MC_OK || st == MC_EFORMAT);
            mc_import_free(&imp);
            if (cut >= 12)
                ASSERT_EQ_INT(mc_audio_detect(at_end, cut, NULL), 1);
            mc_guard_free(&g);
        }
    free(wav);
    free(flac);
}

/* A DOUBLE file holds values beyond float32: they become +-Inf; NaN stays NaN. */
TEST(double_beyond_float)
{
    const char *path = mc_test_tmp_path("big.wav");
    SF_INFO info = {.samplerate = RATE, .channels = 1, .format = SF_FORMAT_WAV | SF_FORMAT_DOUBLE};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    ASSERT_TRUE(sf != NULL);
    const double v[5] = {1e300, -1e300, (double)NAN, 3.0, 1e-310};
    ASSERT_EQ_INT(sf_writef_double(sf, v, 5), 5);
    ASSERT_EQ_INT(sf_close(sf), 0);
    mc_import imp;
    ASSERT_STATUS(import_both(path, &imp, NULL), MC_OK);
    const float *x = imp.streams[0].data;
    ASSERT_TRUE(isinf(x[0]) && x[0] > 0);
    ASSERT_TRUE(isinf(x[1]) && x[1] < 0);
    ASSERT_TRUE(isnan(x[2]));
    ASSERT_TRUE(x[3] == 3.0f);
    ASSERT_TRUE(x[4] == 0.0f);
    mc_import_free(&imp);
}
