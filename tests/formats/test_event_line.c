/* SPDX-License-Identifier: MIT */
/* tests/formats/test_event_line.c: bedside event lines. */
#include "formats/event_line.h"
#include "tests/guard.h"
#include "tests/harness.h"

static mc_status parse(const char *s, mc_event *ev, mc_diag *d)
{
    return mc_event_line_parse(s, strlen(s), ev, d);
}

TEST(kinds_values_text)
{
    mc_event ev;
    ASSERT_STATUS(parse("occlusion_start\n", &ev, NULL), MC_OK);
    ASSERT_STR_EQ(ev.kind, "occlusion_start");
    ASSERT_TRUE(isnan(ev.value));
    ASSERT_STR_EQ(ev.text, "");
    ASSERT_STATUS(parse("mottling 3", &ev, NULL), MC_OK);
    ASSERT_STR_EQ(ev.kind, "mottling");
    ASSERT_NEAR_F(ev.value, 3, 0);
    ASSERT_STATUS(parse("  CRT 4,5 right index finger  \r\n", &ev, NULL), MC_OK);
    ASSERT_STR_EQ(ev.kind, "crt");
    ASSERT_NEAR_F(ev.value, 4.5, 1e-12);
    ASSERT_STR_EQ(ev.text, "right index finger");
    ASSERT_STATUS(parse("note patient moved, probe re-taped", &ev, NULL), MC_OK);
    ASSERT_STR_EQ(ev.text, "patient moved, probe re-taped");
    ASSERT_TRUE(isnan(ev.value));
    ASSERT_STATUS(parse("occlusion_end @nirs_thenar", &ev, NULL), MC_OK);
    ASSERT_STR_EQ(ev.stream, "nirs_thenar");
    ASSERT_STATUS(parse("arterial_pco2 @pco2_ear 41.5 gas 14:02", &ev, NULL), MC_OK);
    ASSERT_NEAR_F(ev.value, 41.5, 1e-12);
    ASSERT_STR_EQ(ev.text, "gas 14:02");
    ASSERT_STATUS(parse("note nan is not a number here", &ev, NULL), MC_OK);
    ASSERT_TRUE(isnan(ev.value));
    ASSERT_STR_EQ(ev.text, "nan is not a number here");
    ASSERT_STATUS(parse("drug 0x10 ml", &ev, NULL), MC_OK);
    ASSERT_TRUE(isnan(ev.value)); /* hexadecimal is text, not a value */
}

TEST(blank_and_comments)
{
    mc_event ev;
    ASSERT_STATUS(parse("", &ev, NULL), MC_END);
    ASSERT_STATUS(parse("   \n", &ev, NULL), MC_END);
    ASSERT_STATUS(parse("# a comment", &ev, NULL), MC_END);
}

TEST(malformed)
{
    const char *bad[] = {"9lives", "occlusion-start", "note\x01hidden", "x @", "x @bad/name", "_x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mc_event ev;
        mc_diag d;
        ASSERT_STATUS(parse(bad[i], &ev, &d), MC_EFORMAT);
        ASSERT_TRUE(d.offset >= 0 && d.offset < (int64_t)strlen(bad[i]) + 1);
    }
    char longtext[400] = "note ";
    memset(longtext + 5, 'x', 300);
    longtext[305] = '\0';
    mc_event ev;
    ASSERT_STATUS(parse(longtext, &ev, NULL), MC_EFORMAT);
    char longkind[100];
    memset(longkind, 'k', 80);
    longkind[80] = '\0';
    ASSERT_STATUS(parse(longkind, &ev, NULL), MC_EFORMAT);
}

TEST(no_read_past_the_end)
{
    /* Lines that end exactly at an unreadable page, without a NUL. */
    const char *lines[] = {"mottling 3", "note x", "occlusion_end @s", "crt", "x 1e5", "#", " "};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        mc_guard g;
        char *p = mc_guard_put(&g, lines[i], strlen(lines[i]));
        ASSERT_TRUE(p != NULL);
        mc_event ev;
        mc_status st = mc_event_line_parse(p, strlen(lines[i]), &ev, NULL);
        ASSERT_TRUE(st == MC_OK || st == MC_END);
        mc_guard_free(&g);
    }
}
