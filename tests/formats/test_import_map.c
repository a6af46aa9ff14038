/* SPDX-License-Identifier: MIT */
/* tests/formats/test_import_map.c: the mapping file of `mcirc import --map`: parsing, messages
 * with line numbers, and its application (calibration, recorded scale, renames, skips). */
#include <math.h>
#include <string.h>

#include "formats/import_map.h"
#include "tests/harness.h"

/* An import with streams PLETH (2 samples 1, 2; device scale gain 4) and II and ECG_ECG1. */
static void three_streams(mc_import *imp)
{
    mc_import_init(imp);
    const char *names[] = {"PLETH", "II", "ECG_ECG1"};
    for (size_t i = 0; i < 3; i++) {
        mc_channel_info ch = {.name = "value", .unit = "NU", .scale_gain = i == 0 ? 4 : 1};
        mc_stream_info info = {.name = names[i], .n_channels = 1, .channels = &ch, .rate_hz = 125};
        if (mc_import_add_stream(imp, &info, 0, NULL, NULL) != MC_OK)
            abort();
        const float v[2] = {1, 2};
        if (mc_import_append(imp, i, 2, v, NULL, NULL) != MC_OK)
            abort();
    }
}

static mc_status parse(const char *text, mc_import_map *m, mc_diag *d)
{
    return mc_import_map_parse(text, strlen(text), "map.ini", m, d);
}

TEST(applies_calibration_renames_skips)
{
    const char *text = "# centre 3\n"
                       "[channel.pleth]\n"
                       "stream = ppg_finger\n"
                       "modality = ppg\n"
                       "unit = %\n"
                       "site = finger\n"
                       "gain = 0.5   # codes to percent\n"
                       "offset = 10\n"
                       "[channel.ii]\n"
                       "skip = yes\n"
                       "[channel.spo2]\n"
                       "modality = ppg\n"
                       "[text]\n"
                       "delimiter = semicolon\n";
    mc_import_map m;
    mc_diag d;
    ASSERT_STATUS(parse(text, &m, &d), MC_OK);
    ASSERT_EQ_INT(m.n_channels, 3);
    ASSERT_EQ_INT(m.n_text, 1);
    ASSERT_STR_EQ(m.text[0].key, "delimiter");
    ASSERT_STR_EQ(m.text[0].value, "semicolon");
    mc_import imp;
    three_streams(&imp);
    size_t unmatched;
    ASSERT_STATUS(mc_import_map_apply(&m, &imp, &unmatched, &d), MC_OK);
    ASSERT_EQ_INT(unmatched, 1); /* spo2 is not in this file */
    ASSERT_EQ_INT(imp.n_streams, 2);
    const mc_import_stream *s = &imp.streams[0];
    ASSERT_STR_EQ(s->info->name, "ppg_finger");
    ASSERT_EQ_INT(s->info->modality, MC_MODALITY_PPG);
    ASSERT_STR_EQ(s->info->site, "finger");
    ASSERT_STR_EQ(s->info->channels[0].unit, "%");
    ASSERT_NEAR_F(s->data[0], 10.5, 0);
    ASSERT_NEAR_F(s->data[1], 11.0, 0);
    /* The recorded scale still maps the device's codes to the new physical values: the device
     * sent 4 (= 1 * gain 4) for the first sample, which is now 10.5. */
    const double dev = 4.0,
                 p = (dev - s->info->channels[0].scale_offset) / s->info->channels[0].scale_gain;
    ASSERT_NEAR_F(p, 10.5, 1e-12);
    ASSERT_STR_EQ(imp.streams[1].info->name, "ECG_ECG1");
    mc_import_free(&imp);
    mc_import_map_free(&m);
}

TEST(errors_name_the_line)
{
    struct {
        const char *text, *want;
        int64_t line;
    } bad[] = {
        {"stream = x\n", "expected a [channel.NAME]", 1},
        {"[channel.a]\ngain = zero\n", "expected a number", 2},
        {"[channel.a]\ngain = 0\n", "must not be 0", 2},
        {"[channel.a]\nmodality = eeg\n", "expected ppg, ldf", 2},
        {"[channel.a]\nstream = two words\n", "stream: expected", 2},
        {"[channel.a]\ncolour = red\n", "unknown key 'colour'", 2},
        {"[channel.a]\nskip = maybe\n", "expected yes or no", 2},
        {"[channel.a]\nunit = %\n[channel.b]\nunit = %\n[channel.a]\nsite = x\n", "second time", 6},
        {"[channel.]\nunit = %\n", "channel name", 2},
        {"[other]\nunit = %\n", "[channel.NAME] or [text]", 2},
        {"[channel.a\n", "map.ini", 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_import_map m;
        mc_diag d;
        mc_diag_clear(&d);
        ASSERT_STATUS(parse(bad[i].text, &m, &d), MC_EFORMAT);
        if (!strstr(d.message, bad[i].want) || d.line != bad[i].line)
            fprintf(stderr, "case %zu: '%s' line %lld\n", i, d.message, (long long)d.line);
        ASSERT_TRUE(strstr(d.message, bad[i].want) != NULL);
        ASSERT_TRUE(strstr(d.message, "map.ini") != NULL);
        ASSERT_EQ_INT(d.line, bad[i].line);
        ASSERT_EQ_INT(m.n_channels, 0);
    }
}

TEST(duplicate_names_refused)
{
    mc_import_map m;
    mc_diag d;
    ASSERT_STATUS(parse("[channel.pleth]\nstream = II\n", &m, &d), MC_OK);
    mc_import imp;
    three_streams(&imp);
    ASSERT_STATUS(mc_import_map_apply(&m, &imp, NULL, &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "two streams the name II") != NULL);
    mc_import_free(&imp);
    mc_import_map_free(&m);
}

TEST(calibration_out_of_float_range_refused)
{
    mc_import_map m;
    mc_diag d;
    ASSERT_STATUS(parse("[channel.pleth]\ngain = 1e300\n", &m, &d), MC_OK);
    mc_import imp;
    three_streams(&imp);
    ASSERT_STATUS(mc_import_map_apply(&m, &imp, NULL, &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "float range") != NULL && strstr(d.message, "line 2") != NULL);
    mc_import_free(&imp);
    mc_import_map_free(&m);
}
