/* SPDX-License-Identifier: MIT */
/* tests/formats/test_audio.c: the audio importer (formats/audio.h) on files made here with
 * libsndfile (known integer codes and sines in every container) and with scipy, calibration,
 * the mcirc metadata comment, crafted malformed headers and reads that end at a guard page. The
 * exporter is tested in test_audio_write.c. */
#include <math.h>
#include <sndfile.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/audio.h"
#include "tests/formats/audio_fixtures.h"
#include "tests/guard.h"
#include "tests/harness.h"
#include "tests/util.h"

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

/* ---- independent cross-check (scipy writes) -------------------------------------------- */

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
