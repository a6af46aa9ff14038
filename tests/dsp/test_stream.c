/* SPDX-License-Identifier: MIT */
/* tests/dsp/test_stream.c: stream description checks and deep copies. */
#include "dsp/stream.h"
#include "tests/harness.h"

static const mc_channel_info ch2[] = {{"ir", "a.u.", 0, 0}, {"red", "a.u.", 2.5, 100}};
static const mc_kv kv[] = {{"sim_hr", "75"}, {"loinc", "61006-3"}};

static mc_stream_info good(void)
{
    mc_stream_info s;
    memset(&s, 0, sizeof s);
    s.name = "ppg_finger";
    s.modality = MC_MODALITY_PPG;
    s.n_channels = 2;
    s.channels = ch2;
    s.rate_hz = 250;
    s.device_model = "mcirc sim ppg";
    s.site = "finger";
    s.n_attrs = 2;
    s.attrs = kv;
    return s;
}

TEST(valid_passes)
{
    mc_stream_info s = good();
    ASSERT_STATUS(mc_stream_info_check(&s, NULL), MC_OK);
}

TEST(invalid_refused)
{
    mc_diag d;
    mc_stream_info s = good();
    s.name = "bad name";
    ASSERT_STATUS(mc_stream_info_check(&s, &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "bad name") != NULL);
    s = good();
    s.n_channels = 0;
    ASSERT_STATUS(mc_stream_info_check(&s, &d), MC_EINVAL);
    s = good();
    s.rate_hz = -1;
    ASSERT_STATUS(mc_stream_info_check(&s, &d), MC_EINVAL);
    s = good();
    s.rate_hz = (double)NAN;
    ASSERT_STATUS(mc_stream_info_check(&s, &d), MC_EINVAL);
    mc_channel_info dup[] = {{"ir", "", 1, 0}, {"ir", "", 1, 0}};
    s = good();
    s.channels = dup;
    ASSERT_STATUS(mc_stream_info_check(&s, &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "twice") != NULL);
    mc_kv dupkv[] = {{"a", "1"}, {"a", "2"}};
    s = good();
    s.attrs = dupkv;
    ASSERT_STATUS(mc_stream_info_check(&s, &d), MC_EINVAL);
    mc_kv badkey[] = {{"Upper", "1"}};
    s = good();
    s.n_attrs = 1;
    s.attrs = badkey;
    ASSERT_STATUS(mc_stream_info_check(&s, &d), MC_EINVAL);
}

TEST(copy_is_deep)
{
    char name[32] = "ldf_forearm";
    mc_channel_info ch[] = {{"perfusion", "PU", 0, 0}};
    mc_stream_info s;
    memset(&s, 0, sizeof s);
    s.name = name;
    s.modality = MC_MODALITY_LDF;
    s.n_channels = 1;
    s.channels = ch;
    s.rate_hz = 32;
    mc_stream_info *copy = NULL;
    ASSERT_STATUS(mc_stream_info_copy(&s, &copy), MC_OK);
    strcpy(name, "changed");
    ch[0].name = "other";
    ASSERT_STR_EQ(copy->name, "ldf_forearm");
    ASSERT_STR_EQ(copy->channels[0].name, "perfusion");
    ASSERT_STR_EQ(copy->device_model, "");               /* NULL became "" */
    ASSERT_NEAR_F(copy->channels[0].scale_gain, 1.0, 0); /* gain 0 reads as 1 */
    mc_stream_info_destroy(copy);

    mc_stream_info g = good();
    ASSERT_STATUS(mc_stream_info_copy(&g, &copy), MC_OK);
    ASSERT_STR_EQ(mc_stream_info_get_attr(copy, "loinc"), "61006-3");
    ASSERT_TRUE(mc_stream_info_get_attr(copy, "absent") == NULL);
    ASSERT_NEAR_F(copy->channels[1].scale_gain, 2.5, 0);
    ASSERT_NEAR_F(copy->channels[1].scale_offset, 100, 0);
    mc_stream_info_destroy(copy);
    mc_stream_info_destroy(NULL);

    g.name = "";
    copy = (mc_stream_info *)&g;
    ASSERT_STATUS(mc_stream_info_copy(&g, &copy), MC_EINVAL);
    ASSERT_TRUE(copy == NULL);
}

TEST(modality_names)
{
    mc_modality m;
    const char *names[] = {"ppg", "ldf", "nirs", "pco2", "other"};
    for (size_t i = 0; i < 5; i++) {
        ASSERT_STATUS(mc_modality_parse(names[i], &m), MC_OK);
        ASSERT_STR_EQ(mc_modality_name(m), names[i]);
    }
    ASSERT_STATUS(mc_modality_parse("PPG", &m), MC_EINVAL);
    ASSERT_EQ_INT(m, MC_MODALITY_OTHER);
}
