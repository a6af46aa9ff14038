/* SPDX-License-Identifier: MIT */
/* tests/formats/test_source_spec.c: NAME=DRIVER:ADDRESS[,k=v] and NAME=MODEL[,k=v] specs. */
#include "formats/source_spec.h"
#include "tests/harness.h"

TEST(model_form)
{
    mc_source_spec s;
    ASSERT_STATUS(mc_source_spec_parse("ppg_finger=ppg,hr=80,pi=1.5", 0, &s, NULL), MC_OK);
    ASSERT_STR_EQ(s.name, "ppg_finger");
    ASSERT_STR_EQ(s.driver, "sim");
    ASSERT_STR_EQ(s.address, "ppg");
    ASSERT_EQ_INT(s.n_params, 2);
    ASSERT_STR_EQ(mc_source_spec_get(&s, "hr"), "80");
    ASSERT_STR_EQ(mc_source_spec_get(&s, "pi"), "1.5");
    ASSERT_TRUE(mc_source_spec_get(&s, "rate") == NULL);
    ASSERT_STATUS(mc_source_spec_parse("x=ldf", 0, &s, NULL), MC_OK);
    ASSERT_EQ_INT(s.n_params, 0);
}

TEST(driver_form)
{
    mc_source_spec s;
    ASSERT_STATUS(mc_source_spec_parse("ppg=sim:ppg,seed=3", 1, &s, NULL), MC_OK);
    ASSERT_STR_EQ(s.driver, "sim");
    ASSERT_STR_EQ(s.address, "ppg");
    ASSERT_STATUS(mc_source_spec_parse("pleth=ge-s5:tcp://10.0.0.2:4000,baud=19200", 1, &s, NULL),
                  MC_OK);
    ASSERT_STR_EQ(s.driver, "ge-s5");
    ASSERT_STR_EQ(s.address, "tcp://10.0.0.2:4000");
    ASSERT_STR_EQ(mc_source_spec_get(&s, "baud"), "19200");
    ASSERT_STATUS(mc_source_spec_parse("ldf=pcm:-", 1, &s, NULL), MC_OK);
    ASSERT_STR_EQ(s.address, "-");
}

TEST(malformed_refused_with_offset)
{
    struct {
        const char *text;
        int with_driver;
        const char *expect;
    } bad[] = {
        {"", 0, "empty"},
        {"ppg", 0, "no '='"},
        {"=ppg", 0, "stream name"},
        {"bad name=ppg", 0, "printable"},
        {"x=", 0, "model"},
        {"x=ppg,hr", 0, "key=value"},
        {"x=ppg,=3", 0, "key=value"},
        {"x=ppg,HR=3", 0, "parameter name"},
        {"x=ppg,hr=", 0, "no value"},
        {"x=ppg,hr=1,hr=2", 0, "twice"},
        {"x=ppg", 1, "DRIVER:ADDRESS"},
        {"x=:ppg", 1, "empty driver"},
        {"x=sim:", 1, "an address"},
        {"x=Sim:ppg", 1, "driver name"},
        {"x=ppg,,hr=1", 0, "key=value"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_source_spec s;
        mc_diag d;
        mc_diag_clear(&d);
        ASSERT_STATUS(mc_source_spec_parse(bad[i].text, bad[i].with_driver, &s, &d), MC_EFORMAT);
        if (!strstr(d.message, bad[i].expect))
            fprintf(stderr, "'%s': message '%s' lacks '%s'\n", bad[i].text, d.message,
                    bad[i].expect);
        ASSERT_TRUE(strstr(d.message, bad[i].expect) != NULL);
        ASSERT_TRUE(d.offset >= 0 && d.offset <= (int64_t)strlen(bad[i].text));
    }
}

TEST(limits)
{
    char big[2048];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    big[1] = '=';
    mc_source_spec s;
    ASSERT_STATUS(mc_source_spec_parse(big, 0, &s, NULL), MC_EFORMAT);
    char many[1024] = "x=ppg";
    for (int i = 0; i < 33; i++) {
        char kv[16];
        snprintf(kv, sizeof kv, ",k%d=1", i);
        strcat(many, kv);
    }
    mc_diag d;
    ASSERT_STATUS(mc_source_spec_parse(many, 0, &s, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "more than 32") != NULL);
    ASSERT_STATUS(mc_source_spec_parse(NULL, 0, &s, NULL), MC_EFORMAT);
}
