/* SPDX-License-Identifier: MIT */
/* tests/formats/test_ini.c: the configuration parser. */
#include "formats/ini.h"
#include "tests/harness.h"

typedef struct seen {
    char text[1024];
    int n;
} seen;

static mc_status collect(void *ctx, const mc_ini_entry *e, mc_diag *d)
{
    (void)d;
    seen *s = ctx;
    char one[256];
    snprintf(one, sizeof one, "%s.%s=%s@%lld;", e->section, e->key, e->value, (long long)e->line);
    strncat(s->text, one, sizeof s->text - strlen(s->text) - 1);
    s->n++;
    return MC_OK;
}

static mc_status parse(const char *text, seen *s, mc_diag *d)
{
    memset(s, 0, sizeof *s);
    return mc_ini_parse(text, strlen(text), collect, s, d);
}

TEST(sections_keys_values)
{
    seen s;
    const char *text = "# comment\n"
                       "top = 1\n"
                       "[ppg]\n"
                       "window_s = 8\n"
                       "  hop_s=1   # every second\n"
                       "; other comment\n"
                       "\n"
                       "[ ldf ]\r\n"
                       "note = two words;not a comment ; a comment\r\n"
                       "empty =\n"
                       "last = x";
    ASSERT_STATUS(parse(text, &s, NULL), MC_OK);
    ASSERT_EQ_INT(s.n, 6);
    ASSERT_STR_EQ(s.text,
                  ".top=1@2;ppg.window_s=8@4;ppg.hop_s=1@5;ldf.note=two words;not a comment@9;"
                  "ldf.empty=@10;ldf.last=x@11;");
}

TEST(malformed_lines_named)
{
    struct {
        const char *text;
        int64_t line;
        const char *expect;
    } bad[] = {
        {"[ppg]\nno equals\n", 2, "key = value"},
        {"[ppg\n", 1, "[section]"},
        {"[]\n", 1, "[section]"},
        {"[p p]\n", 1, "section name"},
        {"[ppg]\nWindow = 8\n", 2, "key"},
        {"= 3\n", 1, "key"},
        {"[a]\nk = \x01\n", 2, "control character"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        seen s;
        mc_diag d;
        ASSERT_STATUS(parse(bad[i].text, &s, &d), MC_EFORMAT);
        ASSERT_EQ_INT(d.line, bad[i].line);
        ASSERT_TRUE(strstr(d.message, bad[i].expect) != NULL);
        ASSERT_TRUE(d.offset >= 0 && d.offset <= (int64_t)strlen(bad[i].text));
    }
    char longline[1200] = "[s]\nk=";
    memset(longline + 6, 'v', 1100);
    longline[1106] = '\0';
    seen s;
    mc_diag d;
    ASSERT_STATUS(parse(longline, &s, &d), MC_EFORMAT);
    ASSERT_TRUE(strstr(d.message, "longer") != NULL);
}

static mc_status refuse_second(void *ctx, const mc_ini_entry *e, mc_diag *d)
{
    int *count = ctx;
    if (++*count == 2)
        return mc_diag_set(d, MC_EINVAL, -1, e->line, "line %lld: unknown key '%s'",
                           (long long)e->line, e->key);
    return MC_OK;
}

TEST(callback_stops_the_parse)
{
    int count = 0;
    mc_diag d;
    const char *text = "a=1\nb=2\nc=3\n";
    ASSERT_STATUS(mc_ini_parse(text, strlen(text), refuse_second, &count, &d), MC_EINVAL);
    ASSERT_EQ_INT(count, 2);
    ASSERT_EQ_INT(d.line, 2);
    ASSERT_TRUE(strstr(d.message, "'b'") != NULL);
}

TEST(carriage_return_only_at_line_end)
{
    seen s;
    mc_diag d;
    ASSERT_STATUS(parse("[a]\r\nk = v\r\n", &s, &d), MC_OK);
    ASSERT_STR_EQ(s.text, "a.k=v@2;");
    ASSERT_STATUS(parse("[a]\nk = v\rw = x\n", &s, &d), MC_EFORMAT);
    ASSERT_EQ_INT(d.line, 2);
    ASSERT_TRUE(strstr(d.message, "control character 0x0d") != NULL);
}
