/* SPDX-License-Identifier: MIT */
/* tests/dsp/test_status.c: status strings and diagnostics. */
#include "dsp/status.h"
#include "tests/harness.h"

TEST(every_code_has_text)
{
#define X(name, value, text) ASSERT_STR_EQ(mc_strerror(MC_##name), text);
    MC_STATUS_MAP(X)
#undef X
    ASSERT_STR_EQ(mc_strerror((mc_status)12345), "unknown status");
}

TEST(diag_set_and_clear)
{
    mc_diag d;
    mc_diag_clear(&d);
    ASSERT_STR_EQ(d.message, "");
    ASSERT_EQ_INT(d.offset, -1);
    ASSERT_STATUS(mc_diag_set(&d, MC_EFORMAT, 17, 3, "byte %d: expected %s", 17, "0x7E"),
                  MC_EFORMAT);
    ASSERT_STR_EQ(d.message, "byte 17: expected 0x7E");
    ASSERT_EQ_INT(d.offset, 17);
    ASSERT_EQ_INT(d.line, 3);
    ASSERT_STATUS(mc_diag_set(NULL, MC_EIO, -1, -1, "ignored"), MC_EIO);
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    mc_diag_set(&d, MC_EINVAL, -1, -1, "%s", big);
    ASSERT_EQ_INT(strlen(d.message), sizeof d.message - 1);
}

TEST(size_mul_overflow)
{
    size_t out = 0;
    ASSERT_EQ_INT(mc_size_mul(1000, 1000, &out), 1);
    ASSERT_EQ_INT(out, 1000000);
    ASSERT_EQ_INT(mc_size_mul(SIZE_MAX / 2 + 1, 2, &out), 0);
    ASSERT_EQ_INT(mc_size_mul(0, SIZE_MAX, &out), 1);
    ASSERT_EQ_INT(out, 0);
}
