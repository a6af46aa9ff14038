/* SPDX-License-Identifier: MIT */
/* tests/dsp/test_runmed.c: the running median against a naive sort of the window (ties, NaN runs,
 * even and odd counts), block-size invariance, a large window, and mc_median. */
#include "dsp/runmed.h"

#include <stdint.h>

#include "tests/harness.h"

/* ---- deterministic randomness (splitmix64) ---- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double rng_unit(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1p-53;
}

static mc_runmed *make(size_t w)
{
    mc_runmed *m = NULL;
    ASSERT_STATUS(mc_runmed_create(w, &m), MC_OK);
    ASSERT_TRUE(m != NULL);
    return m;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Median of the finite values of x[0..n) by sorting a copy; NaN when none. The mean of the two
 * middle values is formed as the module documents: in double, rounded once. */
static float naive_median(const float *x, size_t n, float *tmp)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(x[i]))
            tmp[m++] = x[i];
    }
    if (m == 0)
        return (float)NAN;
    qsort(tmp, m, sizeof *tmp, cmp_float);
    if (m % 2)
        return tmp[m / 2];
    return (float)(0.5 * ((double)tmp[m / 2 - 1] + (double)tmp[m / 2]));
}

/* Continuous values, or a few levels (many ties), with NaN runs and a spike now and then. */
static void fill(rng *r, float *x, size_t n, int ties)
{
    for (size_t i = 0; i < n; i++) {
        x[i] = ties ? (float)(rng_next(r) % 5) : (float)(10.0 * rng_unit(r) - 5.0);
        if (rng_next(r) % 50 == 0)
            x[i] = (float)(1e3 * (rng_unit(r) - 0.5));
    }
    for (int g = 0; g < 6; g++) {
        size_t at = (size_t)(rng_next(r) % (n - 600)), len = 1 + (size_t)(rng_next(r) % 600);
        for (size_t k = 0; k < len; k++)
            x[at + k] = (float)NAN;
    }
}

static int same(float a, float b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

TEST(config_errors)
{
    mc_runmed *m = (mc_runmed *)&m;
    ASSERT_STATUS(mc_runmed_create(0, &m), MC_EINVAL);
    ASSERT_TRUE(m == NULL);
    m = (mc_runmed *)&m;
    ASSERT_STATUS(mc_runmed_create(100001, &m), MC_EINVAL);
    ASSERT_TRUE(m == NULL);
    ASSERT_STATUS(mc_runmed_create(3, NULL), MC_EINVAL);
    m = make(100000);
    mc_runmed_destroy(m);
    m = make(1);
    mc_runmed_destroy(m);
    mc_runmed_destroy(NULL);
}

/* Every output against the naive median of the window (bitwise, NaN for an empty window). */
TEST(vs_naive)
{
    enum { N = 5000 };
    static float x[N], y[N], tmp[N];
    const size_t ws[] = {1, 2, 3, 4, 5, 31, 32, 500};
    rng r = {11};
    for (size_t wi = 0; wi < sizeof ws / sizeof ws[0]; wi++) {
        for (int ties = 0; ties <= 1; ties++) {
            size_t w = ws[wi];
            fill(&r, x, N, ties);
            mc_runmed *m = make(w);
            mc_runmed_process(m, x, y, N);
            for (size_t i = 0; i < N; i++) {
                size_t from = i + 1 > w ? i + 1 - w : 0;
                ASSERT_TRUE(same(y[i], naive_median(x + from, i + 1 - from, tmp)));
            }
            mc_runmed_destroy(m);
        }
    }
}

/* Small cases by hand: the start (fewer samples), even counts averaged, NaN and Inf left out, an
 * all-NaN window, reset. */
TEST(by_hand)
{
    const float nan = (float)NAN;
    const float in[] = {1.0f, 2.0f, 3.0f, 10.0f, nan, -4.0f, nan, nan, nan, nan, 8.0f};
    const float expect[] = {1.0f, 1.5f, 2.0f, 2.5f, 3.0f, 3.0f, 3.0f, -4.0f, -4.0f, nan, 8.0f};
    float out[11];
    mc_runmed *m = make(4);
    mc_runmed_process(m, in, out, 11);
    for (int i = 0; i < 11; i++)
        ASSERT_TRUE(same(out[i], expect[i]));
    mc_runmed_reset(m);
    const float in2[] = {(float)INFINITY, 5.0f, (float)-INFINITY, 7.0f};
    mc_runmed_process(m, in2, out, 4);
    ASSERT_TRUE(isnan(out[0]));
    ASSERT_TRUE(out[1] == 5.0f && out[2] == 5.0f && out[3] == 6.0f);
    mc_runmed_destroy(m);

    /* The mean of two large middle values does not overflow in float. */
    m = make(2);
    const float big[] = {3e38f, 3.2e38f};
    mc_runmed_process(m, big, out, 2);
    ASSERT_TRUE(out[1] == (float)(0.5 * (3e38 + 3.2e38)) && isfinite(out[1]));
    mc_runmed_destroy(m);
}

TEST(block_invariance)
{
    enum { N = 30000 };
    static float x[N], y1[N], y2[N];
    const size_t ws[] = {1, 2, 7, 32, 501, 1000};
    rng r = {12};
    for (size_t wi = 0; wi < sizeof ws / sizeof ws[0]; wi++) {
        fill(&r, x, N, (int)(wi % 2));
        mc_runmed *m = make(ws[wi]);
        mc_runmed_process(m, x, y1, N);
        mc_runmed_reset(m);
        memcpy(y2, x, sizeof x);
        for (size_t at = 0; at < N;) {
            size_t len = (size_t)(rng_next(&r) % 700); /* 0 included; in place */
            if (len > N - at)
                len = N - at;
            mc_runmed_process(m, y2 + at, y2 + at, len);
            at += len;
        }
        ASSERT_TRUE(memcmp(y1, y2, sizeof y1) == 0);
        mc_runmed_destroy(m);
    }
}

/* A window of 1000 over 10^6 samples of a random walk (the sorted array shifts a little per
 * sample) and of white noise (it shifts a lot), checked against the naive median on a
 * subsample. */
TEST(large_window)
{
    enum { N = 1000000, W = 1000, STRIDE = 4999 };
    float *x = calloc(N, sizeof *x), *y = calloc(N, sizeof *y), *tmp = calloc(W, sizeof *tmp);
    ASSERT_TRUE(x && y && tmp);
    rng r = {13};
    for (int walk = 0; walk <= 1; walk++) {
        double v = 0.0;
        for (size_t i = 0; i < N; i++) {
            v = walk ? v + rng_unit(&r) - 0.5 : rng_unit(&r);
            x[i] = (float)v;
        }
        mc_runmed *m = make(W);
        mc_runmed_process(m, x, y, N);
        for (size_t i = 0; i < N; i += STRIDE) {
            size_t from = i + 1 > W ? i + 1 - W : 0;
            ASSERT_TRUE(same(y[i], naive_median(x + from, i + 1 - from, tmp)));
        }
        mc_runmed_destroy(m);
    }
    free(tmp);
    free(y);
    free(x);
}

/* mc_median against a sort, for sizes 0..300 with ties, NaN and Inf; the input is unchanged. */
TEST(median)
{
    enum { MAXN = 300 };
    static float x[MAXN], copy[MAXN], scratch[MAXN], tmp[MAXN];
    rng r = {14};
    for (size_t n = 0; n <= MAXN; n++) {
        for (int kind = 0; kind < 4; kind++) {
            for (size_t i = 0; i < n; i++) {
                uint64_t u = rng_next(&r);
                x[i] = kind == 0   ? (float)rng_unit(&r)
                       : kind == 1 ? (float)(u % 3)
                       : kind == 2 ? (float)(n - i) /* sorted descending */
                                   : 7.0f;          /* all equal */
                if (u % 13 == 0)
                    x[i] = (float)NAN;
                else if (u % 29 == 0)
                    x[i] = u % 2 ? (float)INFINITY : (float)-INFINITY;
            }
            memcpy(copy, x, n * sizeof *x);
            double got = mc_median(x, n, scratch);
            float want = naive_median(x, n, tmp);
            ASSERT_TRUE(memcmp(copy, x, n * sizeof *x) == 0);
            if (isnan(want))
                ASSERT_TRUE(isnan(got));
            else
                ASSERT_TRUE((float)got == want);
        }
    }
    const float even[] = {4.0f, 1.0f, 3.0f, 2.0f};
    ASSERT_TRUE(mc_median(even, 4, scratch) == 2.5);
    const float odd[] = {5.0f, (float)NAN, 1.0f, 3.0f};
    ASSERT_TRUE(mc_median(odd, 4, scratch) == 3.0);
    const float none[] = {(float)NAN, (float)NAN};
    ASSERT_TRUE(isnan(mc_median(none, 2, scratch)));
    ASSERT_TRUE(isnan(mc_median(NULL, 0, NULL)));
}
