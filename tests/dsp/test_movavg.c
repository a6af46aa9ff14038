/* SPDX-License-Identifier: MIT */
/* tests/dsp/test_movavg.c: the moving average against a naive mean over the window, NaN handling,
 * block-size invariance, and a long run mixing large and small values, where a running sum that
 * is never recomputed would drift. */
#include "dsp/movavg.h"

#include <float.h>
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

/* Uniform in [0, 1). */
static double rng_unit(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1p-53;
}

static mc_movavg *make(size_t w)
{
    mc_movavg *m = NULL;
    ASSERT_STATUS(mc_movavg_create(w, &m), MC_OK);
    ASSERT_TRUE(m != NULL);
    return m;
}

/* Mean of the finite values among x[i - w + 1 .. i] (fewer at the start), in long double; NaN
 * when there are none. Also returns the largest magnitude seen, for tolerances. */
static double naive_mean(const float *x, size_t i, size_t w, double *maxabs)
{
    long double sum = 0.0L;
    size_t count = 0;
    double mx = 0.0;
    for (size_t k = i + 1 > w ? i + 1 - w : 0; k <= i; k++) {
        if (isfinite(x[k])) {
            sum += (long double)x[k];
            count++;
            mx = fmax(mx, fabs((double)x[k]));
        }
    }
    if (maxabs)
        *maxabs = mx;
    return count ? (double)(sum / (long double)count) : (double)NAN;
}

/* Random data: uniform noise, or ADC-like multiples of 1/4 on an offset, with NaN runs. */
static void fill(rng *r, float *x, size_t n, int quantised)
{
    for (size_t i = 0; i < n; i++) {
        if (quantised)
            x[i] = (float)(1000.0 + 0.25 * (double)(rng_next(r) % 4096));
        else
            x[i] = (float)(2.0 * rng_unit(r) - 1.0);
    }
    for (int g = 0; g < 8; g++) {
        size_t at = (size_t)(rng_next(r) % (n - 64)), len = 1 + (size_t)(rng_next(r) % 60);
        for (size_t k = 0; k < len; k++)
            x[at + k] = (float)NAN;
    }
}

TEST(config_errors)
{
    mc_movavg *m = (mc_movavg *)&m;
    ASSERT_STATUS(mc_movavg_create(0, &m), MC_EINVAL);
    ASSERT_TRUE(m == NULL);
    ASSERT_STATUS(mc_movavg_create(4, NULL), MC_EINVAL);
    ASSERT_STATUS(mc_movavg_create(1, &m), MC_OK);
    mc_movavg_destroy(m);
    mc_movavg_destroy(NULL);
}

/* Every output against the naive mean. Quantised data sum exactly in double, so the output is
 * then the correctly rounded mean, bit for bit; for general floats it is within float rounding. */
TEST(vs_naive)
{
    enum { N = 6000 };
    static float x[N], y[N];
    const size_t ws[] = {1, 2, 3, 7, 32, 100, 1000, 5000};
    rng r = {1};
    double worst = 0.0;
    for (size_t wi = 0; wi < sizeof ws / sizeof ws[0]; wi++) {
        for (int quantised = 0; quantised <= 1; quantised++) {
            fill(&r, x, N, quantised);
            mc_movavg *m = make(ws[wi]);
            mc_movavg_process(m, x, y, N);
            for (size_t i = 0; i < N; i++) {
                double mx = 0.0, ref = naive_mean(x, i, ws[wi], &mx);
                if (isnan(ref)) {
                    ASSERT_TRUE(isnan(y[i]));
                } else if (quantised) {
                    ASSERT_TRUE(y[i] == (float)ref);
                } else {
                    ASSERT_NEAR_F(y[i], ref, (double)FLT_EPSILON * mx);
                    worst = fmax(worst, fabs((double)y[i] - ref) / mx);
                }
            }
            mc_movavg_destroy(m);
        }
    }
    printf("worst |mean - naive| / max|x| = %.3g (float eps %.3g)\n", worst, (double)FLT_EPSILON);
}

/* NaN (and +-Inf) samples are left out; a window without finite samples gives NaN; the start
 * averages the samples seen so far; reset forgets them. */
TEST(nan_skipped)
{
    const float in[] = {1.0f,       (float)NAN,      3.0f, (float)NAN,
                        (float)NAN, (float)INFINITY, 5.0f, 7.0f};
    const float expect[] = {1.0f, 1.0f, 2.0f, 3.0f, 3.0f, (float)NAN, 5.0f, 6.0f};
    float out[8];
    mc_movavg *m = make(3);
    mc_movavg_process(m, in, out, 8);
    for (int i = 0; i < 8; i++) {
        if (isnan(expect[i]))
            ASSERT_TRUE(isnan(out[i]));
        else
            ASSERT_TRUE(out[i] == expect[i]);
    }
    mc_movavg_reset(m);
    const float in2[] = {(float)NAN, (float)NAN, 10.0f};
    mc_movavg_process(m, in2, out, 3);
    ASSERT_TRUE(isnan(out[0]) && isnan(out[1]));
    ASSERT_TRUE(out[2] == 10.0f);
    mc_movavg_destroy(m);
}

/* Random block sizes (0 included), in place, give the output of one call bit for bit. */
TEST(block_invariance)
{
    enum { N = 30000 };
    static float x[N], y1[N], y2[N];
    const size_t ws[] = {1, 5, 64, 333, 2000};
    rng r = {2};
    for (size_t wi = 0; wi < sizeof ws / sizeof ws[0]; wi++) {
        fill(&r, x, N, 0);
        for (size_t i = 0; i < N; i++)
            x[i] = 1e4f + x[i]; /* rounding in the running sum, so the order of updates shows */
        mc_movavg *m = make(ws[wi]);
        mc_movavg_process(m, x, y1, N);
        mc_movavg_reset(m);
        memcpy(y2, x, sizeof x);
        for (size_t at = 0; at < N;) {
            size_t len = (size_t)(rng_next(&r) % 700);
            if (len > N - at)
                len = N - at;
            mc_movavg_process(m, y2 + at, y2 + at, len);
            at += len;
        }
        ASSERT_TRUE(memcmp(y1, y2, sizeof y1) == 0);
        mc_movavg_destroy(m);
    }
}

/* 10^7 samples alternating between a large offset with noise (1e4 + U(-1, 1)) and small values
 * (1e-3 U(0, 1)). A running sum carries the rounding of the large era (ulps of ~2.5e6) into the
 * small one, where it is a visible relative error of the small mean, and it would random-walk
 * over the run; the periodic recomputation clears it within two windows of a change. Checked
 * against the naive mean on a subsample, to float rounding. */
TEST(long_run)
{
    enum { N = 10000000, W = 250, REGIME = 5000, BLOCK = 4096, STRIDE = 97 };
    float *x = calloc(N, sizeof *x);
    float *y = calloc(BLOCK, sizeof *y);
    ASSERT_TRUE(x && y);
    rng r = {3};
    for (size_t i = 0; i < N; i++) {
        int large = (i / REGIME) % 2 == 0;
        x[i] = large ? (float)(1e4 + 2.0 * rng_unit(&r) - 1.0) : (float)(1e-3 * rng_unit(&r));
    }
    mc_movavg *m = make(W);
    double worst_small = 0.0, worst_large = 0.0;
    size_t checked = 0;
    for (size_t at = 0; at < N; at += BLOCK) {
        size_t len = N - at < BLOCK ? N - at : BLOCK;
        mc_movavg_process(m, x + at, y, len);
        for (size_t k = 0; k < len; k++) {
            size_t i = at + k;
            if (i % STRIDE || i % REGIME < 2 * W)
                continue;
            double ref = naive_mean(x, i, W, NULL);
            double rel = fabs((double)y[k] - ref) / ref;
            ASSERT_TRUE(rel <= (double)FLT_EPSILON);
            if ((i / REGIME) % 2)
                worst_small = fmax(worst_small, rel);
            else
                worst_large = fmax(worst_large, rel);
            checked++;
        }
    }
    printf("%zu checks: worst relative error %.3g (large values), %.3g (small values)\n", checked,
           worst_large, worst_small);
    mc_movavg_destroy(m);
    free(y);
    free(x);
}
