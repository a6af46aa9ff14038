/* SPDX-License-Identifier: MIT */
/* tests/harness.h: the in-house test harness. One executable per module; each TEST(name) is its own
 * CTest case (tests/CMakeLists.txt finds the names), run as `test_x name`. Failures print both
 * values and the place, then exit 1. */
#ifndef MC_TESTS_HARNESS_H
#define MC_TESTS_HARNESS_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/status.h"

typedef void (*mc_test_fn)(void);
typedef struct mc_test_case {
    const char *name;
    mc_test_fn fn;
} mc_test_case;

enum { MC_TEST_MAX = 256 };
static mc_test_case mc_test_table[MC_TEST_MAX];
static int mc_test_count;

static inline void mc_test_register(const char *name, mc_test_fn fn)
{
    if (mc_test_count < MC_TEST_MAX)
        mc_test_table[mc_test_count++] = (mc_test_case){name, fn};
}

/* Registration runs before main through a constructor (a GCC/Clang extension). */
#define TEST(name)                                                                                 \
    static void test_##name(void);                                                                 \
    __attribute__((constructor)) static void register_##name(void)                                 \
    {                                                                                              \
        mc_test_register(#name, test_##name);                                                      \
    }                                                                                              \
    static void test_##name(void)

/* A case that is not registered with CTest: run by another case in a child process (for example
 * a reader that must not share the parent's HDF5 state), as `exe name` with its input in the
 * environment. */
#define HELPER(name) TEST(name)

static inline void mc_test_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what);
    exit(1);
}

#define ASSERT_TRUE(cond)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            mc_test_fail(__FILE__, __LINE__, #cond);                                               \
    } while (0)

#define ASSERT_EQ_INT(a, b)                                                                        \
    do {                                                                                           \
        long long mc_a_ = (long long)(a), mc_b_ = (long long)(b);                                  \
        if (mc_a_ != mc_b_) {                                                                      \
            fprintf(stderr, "%s:%d: %s == %s: %lld != %lld\n", __FILE__, __LINE__, #a, #b, mc_a_,  \
                    mc_b_);                                                                        \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#define ASSERT_NEAR_F(a, b, tol)                                                                   \
    do {                                                                                           \
        double mc_a_ = (double)(a), mc_b_ = (double)(b), mc_t_ = (double)(tol);                    \
        if (!(fabs(mc_a_ - mc_b_) <= mc_t_)) {                                                     \
            fprintf(stderr, "%s:%d: %s ~ %s: %.9g vs %.9g (diff %.3g > tol %.3g)\n", __FILE__,     \
                    __LINE__, #a, #b, mc_a_, mc_b_, fabs(mc_a_ - mc_b_), mc_t_);                   \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#define ASSERT_STR_EQ(a, b)                                                                        \
    do {                                                                                           \
        const char *mc_a_ = (a), *mc_b_ = (b);                                                     \
        if (!mc_a_ || !mc_b_ || strcmp(mc_a_, mc_b_) != 0) {                                       \
            fprintf(stderr, "%s:%d: %s == %s: \"%s\" != \"%s\"\n", __FILE__, __LINE__, #a, #b,     \
                    mc_a_ ? mc_a_ : "(null)", mc_b_ ? mc_b_ : "(null)");                           \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#define ASSERT_STATUS(expr, expected)                                                              \
    do {                                                                                           \
        mc_status mc_s_ = (expr), mc_e_ = (expected);                                              \
        if (mc_s_ != mc_e_) {                                                                      \
            fprintf(stderr, "%s:%d: %s: %s (%d), expected %s (%d)\n", __FILE__, __LINE__, #expr,   \
                    mc_strerror(mc_s_), (int)mc_s_, mc_strerror(mc_e_), (int)mc_e_);               \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

/* Runs the case named by argv[1]; with no argument, runs every case (handy under a debugger). */
/* Skip the running case: CTest reports exit code 77 as skipped (SKIP_RETURN_CODE). For cases that
 * need something absent on this machine, such as ../shared/data; the message says what. */
#define SKIP(...)                                                                                  \
    do {                                                                                           \
        fprintf(stderr, "SKIP: " __VA_ARGS__);                                                     \
        fputc('\n', stderr);                                                                       \
        exit(77);                                                                                  \
    } while (0)

/* The path of a file of the shared real recordings (MC_SHARED_DATA, set by CMake), or a skip of
 * the running case with a clear message when the folder or the file is absent. */
static inline const char *mc_test_shared(const char *rel)
{
    static char path[1024];
#ifdef MC_SHARED_DATA
    snprintf(path, sizeof path, "%s/%s", MC_SHARED_DATA, rel);
    FILE *f = fopen(path, "rb");
    if (f) {
        fclose(f);
        return path;
    }
#endif
    SKIP("%s is absent (the shared data folder, MC_SHARED_DATA, is not on this machine)", rel);
}

int main(int argc, char **argv)
{
    for (int i = 0; i < mc_test_count; i++) {
        if (argc < 2 || strcmp(argv[1], mc_test_table[i].name) == 0) {
            mc_test_table[i].fn();
            if (argc >= 2)
                return 0;
        }
    }
    if (argc >= 2) {
        fprintf(stderr, "no test named '%s'\n", argv[1]);
        return 2;
    }
    return 0;
}

#endif
