/* SPDX-License-Identifier: MIT */
/* tests/formats/test_session.c: the subject privacy rule and ISO 8601 times. */
#include "formats/session.h"
#include "tests/harness.h"

TEST(pseudonyms_pass)
{
    const char *ok[] = {"ICU-014", "IMICRO_012_034", "P0001", "S-123456",
                        "a",       "ICU-000123",     "X2024", "centre3-patient17"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        mc_diag d;
        mc_status st = mc_subject_check(ok[i], 0, &d);
        if (st != MC_OK)
            fprintf(stderr, "%s: %s\n", ok[i], d.message);
        ASSERT_STATUS(st, MC_OK);
    }
}

TEST(names_refused)
{
    const char *bad[] = {"John Smith", "Smith, John", "O'Brien", "Jean-Pierre Dupont"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_diag d;
        ASSERT_STATUS(mc_subject_check(bad[i], 0, &d), MC_EPRIVACY);
        ASSERT_TRUE(strstr(d.message, "name") || strstr(d.message, "not allowed"));
    }
}

TEST(dates_refused)
{
    const char *bad[] = {"19800101", "ICU-19800101", "01011980",   "P-1980-01-01", "01-01-1980",
                         "12_03_75", "ICU-31121999", "1975.03.12", "P010190"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_diag d;
        mc_status st = mc_subject_check(bad[i], 0, &d);
        if (st != MC_EPRIVACY)
            fprintf(stderr, "not refused: %s\n", bad[i]);
        ASSERT_STATUS(st, MC_EPRIVACY);
        ASSERT_TRUE(strstr(d.message, "date") || strstr(d.message, "not allowed"));
    }
}

TEST(allow_id_overrides)
{
    ASSERT_STATUS(mc_subject_check("John Smith 1980-01-01", 1, NULL), MC_OK);
    ASSERT_STATUS(mc_subject_check("", 1, NULL), MC_EINVAL);
    ASSERT_STATUS(mc_subject_check("tab\there", 1, NULL), MC_EINVAL);
}

TEST(length_and_charset)
{
    ASSERT_STATUS(mc_subject_check("", 0, NULL), MC_EINVAL);
    ASSERT_STATUS(mc_subject_check("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG", 0, NULL), MC_EINVAL);
    ASSERT_STATUS(mc_subject_check("ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF", 0, NULL), MC_OK);
    ASSERT_STATUS(mc_subject_check("a/b", 0, NULL), MC_EPRIVACY);
}

TEST(utc_round_trip)
{
    mc_session_info s;
    memset(&s, 0, sizeof s);
    int64_t t = 1795639066123000000LL; /* 2026-11-25T20:37:46.123Z */
    mc_session_set_start(&s, t);
    ASSERT_STR_EQ(s.start_utc, "2026-11-25T20:37:46.123Z");
    int64_t back = 0;
    ASSERT_STATUS(mc_utc_parse(s.start_utc, &back), MC_OK);
    ASSERT_EQ_INT(back, t);
    ASSERT_STATUS(mc_utc_parse("1970-01-01T00:00:00Z", &back), MC_OK);
    ASSERT_EQ_INT(back, 0);
}

TEST(utc_rejects_malformed)
{
    int64_t t;
    const char *bad[] = {"",
                         "2026-11-25",
                         "2026-13-01T00:00:00Z",
                         "2026-02-30T00:00:00Z",
                         "2026-11-25T20:37:46",
                         "2026-11-25T20:37:46.Z",
                         "2026-11-25 20:37:46Z",
                         "2026-11-25T24:00:00Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ASSERT_STATUS(mc_utc_parse(bad[i], &t), MC_EFORMAT);
}
