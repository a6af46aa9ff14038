/* SPDX-License-Identifier: MIT */
/* tests/dsp/test_wavelet.c: the Morlet CWT: the ridge of a sine, the amplitude calibration (a
 * sine of amplitude A gives mean |W| = A at its scale) over 0.01-1 Hz in a 30-min record at 10 Hz,
 * two sines resolved, the cone of influence, and missing samples. Each case prints what it
 * measured. */
#include "dsp/wavelet.h"

#include <stdint.h>
#include <stdio.h>

#include "tests/harness.h"

static const double two_pi = 6.283185307179586476925;

enum { FS = 10, N30 = 18000 }; /* 30 min at 10 Hz: the LDF record of DOMAIN.md 3.4 */

static mc_cwt *make(const mc_cwt_config *c)
{
    mc_cwt *w = NULL;
    ASSERT_STATUS(mc_cwt_create(c, &w), MC_OK);
    ASSERT_TRUE(w != NULL);
    return w;
}

static void fill_sine(float *x, size_t n, double f, double a, double phase)
{
    for (size_t t = 0; t < n; t++)
        x[t] = (float)(a * sin(two_pi * f * (double)t / FS + phase));
}

static size_t nearest_scale(const mc_cwt *w, double f)
{
    const double *fr = mc_cwt_get_freqs(w);
    size_t best = 0;
    for (size_t k = 1; k < mc_cwt_get_n_scales(w); k++)
        if (fabs(log(fr[k] / f)) < fabs(log(fr[best] / f)))
            best = k;
    return best;
}

static size_t argmax(const double *v, size_t n)
{
    size_t best = 0;
    for (size_t k = 1; k < n; k++)
        if (v[k] > v[best])
            best = k;
    return best;
}

TEST(config_errors)
{
    mc_cwt_config c = mc_cwt_config_default(10.0, 1000);
    ASSERT_NEAR_F(c.f_min_hz, 0.005, 0.0);
    ASSERT_NEAR_F(c.f_max_hz, 2.0, 0.0);
    ASSERT_EQ_INT(c.voices_per_octave, 16);
    ASSERT_NEAR_F(c.f0, 1.0, 0.0);
    ASSERT_NEAR_F(mc_cwt_config_default(4.0, 1000).f_max_hz, 1.6, 1e-15); /* below Nyquist */

    mc_cwt *w = NULL;
    ASSERT_STATUS(mc_cwt_create(NULL, &w), MC_EINVAL);
    ASSERT_STATUS(mc_cwt_create(&c, NULL), MC_EINVAL);
    mc_cwt_config bad[9];
    for (int i = 0; i < 9; i++)
        bad[i] = c;
    bad[0].fs_hz = 0.0;
    bad[1].f_min_hz = 0.0;
    bad[2].f_max_hz = 0.004; /* below f_min */
    bad[3].f_max_hz = 5.0;   /* Nyquist */
    bad[4].voices_per_octave = 0;
    bad[5].f0 = 0.0;
    bad[6].max_len = 1;
    bad[7].max_len = (size_t)1 << 30;
    bad[8].fs_hz = (double)INFINITY;
    for (int i = 0; i < 9; i++) {
        w = (mc_cwt *)&bad[i];
        ASSERT_STATUS(mc_cwt_create(&bad[i], &w), MC_EINVAL);
        ASSERT_TRUE(w == NULL);
    }
    mc_cwt_destroy(NULL);

    /* 0.005 .. 2 Hz is log2(400) = 8.64 octaves: 138 scales at 16 voices, the last 1.9 Hz. */
    w = make(&c);
    const size_t ns = mc_cwt_get_n_scales(w);
    ASSERT_EQ_INT(ns, 139);
    const double *fr = mc_cwt_get_freqs(w);
    ASSERT_NEAR_F(fr[0], 0.005, 1e-15);
    for (size_t k = 1; k < ns; k++)
        ASSERT_NEAR_F(fr[k] / fr[k - 1], exp2(1.0 / 16.0), 1e-12);
    ASSERT_TRUE(fr[ns - 1] <= 2.0);
    double amp[139];
    float x[8] = {0};
    ASSERT_STATUS(mc_cwt_process(w, x, 1001, amp, NULL), MC_EINVAL); /* n > max_len */
    ASSERT_STATUS(mc_cwt_process(w, x, 1, amp, NULL), MC_EINVAL);
    ASSERT_STATUS(mc_cwt_process(w, NULL, 8, amp, NULL), MC_EINVAL);
    mc_cwt_destroy(w);
    /* An f_max exactly a whole number of voices above f_min is a scale. */
    c.f_min_hz = 0.01;
    c.f_max_hz = 1.28;
    w = make(&c);
    ASSERT_EQ_INT(mc_cwt_get_n_scales(w), 7 * 16 + 1);
    mc_cwt_destroy(w);
}

/* The ridge (the scale of largest mean amplitude) of a pure sine is within one voice of it. */
TEST(ridge_of_sine)
{
    mc_cwt *w = make(&(mc_cwt_config){.fs_hz = FS,
                                      .f_min_hz = 0.005,
                                      .f_max_hz = 2.0,
                                      .voices_per_octave = 16,
                                      .f0 = 1.0,
                                      .max_len = N30});
    const size_t ns = mc_cwt_get_n_scales(w);
    const double *fr = mc_cwt_get_freqs(w);
    double *amp = calloc(ns, sizeof *amp);
    float *x = calloc(N30, sizeof *x);
    ASSERT_TRUE(amp && x);
    static const double fs_test[] = {0.0113, 0.047, 0.1, 0.333, 1.07, 1.8};
    for (size_t i = 0; i < sizeof fs_test / sizeof fs_test[0]; i++) {
        fill_sine(x, N30, fs_test[i], 1.7, 0.5);
        ASSERT_STATUS(mc_cwt_process(w, x, N30, amp, NULL), MC_OK);
        size_t k = argmax(amp, ns);
        double voices = fabs(log2(fr[k] / fs_test[i])) * 16.0;
        printf("f = %.4f Hz: ridge at %.4f Hz (%.2f voices away)\n", fs_test[i], fr[k], voices);
        ASSERT_TRUE(voices <= 1.0);
    }
    free(amp);
    free(x);
    mc_cwt_destroy(w);
}

/* The calibration: a sine of amplitude A at a scale's centre frequency gives mean amplitude A
 * there; at an arbitrary frequency, the nearest scale (at most half a voice away: a Gaussian loss
 * of at most 1 - exp(-(2 pi (2^(1/32) - 1))^2 / 2) = 0.94 %) is within 2 %. Over 0.01-1 Hz in
 * 30 min at 10 Hz. The residual at the centre frequency is the attenuation just inside the cone
 * of influence, where the wavelet still overlaps the zero padding: for a tone it is a deficit of
 * about 2 * 0.0357 s / (T - 2 sqrt(2) s) (the Gaussian tail integral), 0.47 % at 0.01 Hz
 * (s = 100 s, T = 1800 s) and 0.04 % at 0.1 Hz; measured 0.46 % and 0.04 %. */
TEST(calibration)
{
    mc_cwt *w = make(&(mc_cwt_config){.fs_hz = FS,
                                      .f_min_hz = 0.008,
                                      .f_max_hz = 1.3,
                                      .voices_per_octave = 16,
                                      .f0 = 1.0,
                                      .max_len = N30});
    const size_t ns = mc_cwt_get_n_scales(w);
    const double *fr = mc_cwt_get_freqs(w);
    double *amp = calloc(ns, sizeof *amp);
    float *x = calloc(N30, sizeof *x);
    ASSERT_TRUE(amp && x);
    const double a = 2.5;
    double worst_centre = 0.0, worst_any = 0.0;
    for (int i = 0; i <= 20; i++) {
        /* 0.01 .. 1 Hz, log-spaced, off the scale grid */
        const double f = 0.01 * pow(100.0, (double)i / 20.0) * (i % 2 ? 1.011 : 0.993);
        const size_t k = nearest_scale(w, f);
        fill_sine(x, N30, f, a, 0.1 * i);
        ASSERT_STATUS(mc_cwt_process(w, x, N30, amp, NULL), MC_OK);
        double e = fabs(amp[k] / a - 1.0);
        worst_any = e > worst_any ? e : worst_any;
        ASSERT_NEAR_F(amp[k], a, 0.02 * a);
        /* and exactly at that scale's centre frequency */
        fill_sine(x, N30, fr[k], a, 0.1 * i);
        ASSERT_STATUS(mc_cwt_process(w, x, N30, amp, NULL), MC_OK);
        e = fabs(amp[k] / a - 1.0);
        worst_centre = e > worst_centre ? e : worst_centre;
        ASSERT_NEAR_F(amp[k], a, 0.006 * a);
    }
    printf("calibration: worst |mean amp / A - 1| = %.2e at the centre frequency, %.2e at the "
           "nearest scale\n",
           worst_centre, worst_any);
    free(amp);
    free(x);
    mc_cwt_destroy(w);
}

/* A myogenic sine (1.0 at 0.1 Hz) and a weaker neurogenic one (0.3 at 0.03 Hz): two ridges,
 * each with its own amplitude, and a valley between. */
TEST(two_sines_resolved)
{
    mc_cwt *w = make(&(mc_cwt_config){.fs_hz = FS,
                                      .f_min_hz = 0.005,
                                      .f_max_hz = 2.0,
                                      .voices_per_octave = 16,
                                      .f0 = 1.0,
                                      .max_len = N30});
    const size_t ns = mc_cwt_get_n_scales(w);
    double *amp = calloc(ns, sizeof *amp);
    float *x = calloc(N30, sizeof *x);
    ASSERT_TRUE(amp && x);
    const double f1 = 0.1, a1 = 1.0, f2 = 0.03, a2 = 0.3;
    for (size_t t = 0; t < N30; t++)
        x[t] = (float)(a1 * sin(two_pi * f1 * (double)t / FS) +
                       a2 * sin(two_pi * f2 * (double)t / FS + 1.0) + 40.0);
    ASSERT_STATUS(mc_cwt_process(w, x, N30, amp, NULL), MC_OK);
    size_t k1 = nearest_scale(w, f1), k2 = nearest_scale(w, f2);
    ASSERT_NEAR_F(amp[k1], a1, 0.02 * a1);
    ASSERT_NEAR_F(amp[k2], a2, 0.02 * a2);
    /* The valley between is far below the weaker, and the stronger is the global ridge. */
    double valley = amp[k2];
    for (size_t k = k2; k <= k1; k++)
        valley = amp[k] < valley ? amp[k] : valley;
    printf("two sines: %.4f at %.4f Hz, %.4f at %.4f Hz, valley %.4f\n", amp[k1],
           mc_cwt_get_freqs(w)[k1], amp[k2], mc_cwt_get_freqs(w)[k2], valley);
    ASSERT_TRUE(valley < 0.2 * a2);
    size_t top = argmax(amp, ns);
    ASSERT_TRUE(top + 1 >= k1 && top <= k1 + 1);
    free(amp);
    free(x);
    mc_cwt_destroy(w);
}

/* The cone of influence: sqrt(2) s = sqrt(2) f0 / f seconds at each end are left out, so the
 * count of averaged samples grows with frequency, and is 0 (amplitude NaN) where the cone covers
 * the whole record. */
TEST(cone_of_influence)
{
    const size_t n = 3000; /* 5 min: the lowest bands do not fit */
    mc_cwt *w = make(&(mc_cwt_config){.fs_hz = FS,
                                      .f_min_hz = 0.005,
                                      .f_max_hz = 2.0,
                                      .voices_per_octave = 8,
                                      .f0 = 1.0,
                                      .max_len = n});
    const size_t ns = mc_cwt_get_n_scales(w);
    const double *fr = mc_cwt_get_freqs(w);
    double *amp = calloc(ns, sizeof *amp);
    size_t *nv = calloc(ns, sizeof *nv);
    float *x = calloc(n, sizeof *x);
    ASSERT_TRUE(amp && nv && x);
    fill_sine(x, n, 0.2, 1.0, 0.0);
    ASSERT_STATUS(mc_cwt_process(w, x, n, amp, nv), MC_OK);
    size_t n_empty = 0;
    for (size_t k = 0; k < ns; k++) {
        const double coi = sqrt(2.0) / fr[k] * FS; /* samples */
        /* kept: coi <= t <= n - 1 - coi */
        double lo = ceil(coi), hi = floor((double)(n - 1) - coi);
        size_t expect = hi >= lo ? (size_t)(hi - lo + 1.0) : 0;
        ASSERT_EQ_INT(nv[k], expect);
        if (k > 0)
            ASSERT_TRUE(nv[k] >= nv[k - 1]);
        if (nv[k] == 0) {
            ASSERT_TRUE(isnan(amp[k]));
            n_empty++;
        } else {
            ASSERT_TRUE(isfinite(amp[k]));
        }
    }
    /* Empty up to f = 2 sqrt(2) / 300 s = 0.0094 Hz: 0.005 * 2^(k/8) < 0.0094 for k <= 7. */
    ASSERT_EQ_INT(n_empty, 8);
    ASSERT_TRUE(nv[ns - 1] < n && nv[ns - 1] > n - 20);
    printf("COI: %zu of %zu scales empty; %zu of %zu samples kept at %.3f Hz, %zu at %.3f Hz\n",
           n_empty, ns, nv[n_empty], n, fr[n_empty], nv[ns - 1], fr[ns - 1]);
    free(amp);
    free(nv);
    free(x);
    mc_cwt_destroy(w);
}

/* Missing samples: replaced by the mean, the cone around them left out, the amplitude kept. */
TEST(nan_handling)
{
    mc_cwt *w = make(&(mc_cwt_config){.fs_hz = FS,
                                      .f_min_hz = 0.02,
                                      .f_max_hz = 2.0,
                                      .voices_per_octave = 16,
                                      .f0 = 1.0,
                                      .max_len = N30});
    const size_t ns = mc_cwt_get_n_scales(w);
    const double *fr = mc_cwt_get_freqs(w);
    double *amp = calloc(ns, sizeof *amp), *amp0 = calloc(ns, sizeof *amp0);
    size_t *nv = calloc(ns, sizeof *nv), *nv0 = calloc(ns, sizeof *nv0);
    float *x = calloc(N30, sizeof *x);
    ASSERT_TRUE(amp && amp0 && nv && nv0 && x);
    const double a = 3.0;
    const size_t k = nearest_scale(w, fr[40]);
    fill_sine(x, N30, fr[40], a, 0.0);
    for (size_t t = 0; t < N30; t++)
        x[t] += 100.0f; /* an LDF-like mean, far above the oscillation */
    ASSERT_STATUS(mc_cwt_process(w, x, N30, amp0, nv0), MC_OK);
    /* A 2-s gap in the middle and a lone NaN. */
    for (size_t t = 9000; t < 9020; t++)
        x[t] = (float)NAN;
    x[4000] = (float)NAN;
    ASSERT_STATUS(mc_cwt_process(w, x, N30, amp, nv), MC_OK);
    for (size_t j = 0; j < ns; j++) {
        /* Left out: the cone (c samples) on both sides of each missing stretch, where the
         * stretches' cones do not overlap the ends or each other. */
        const double c = ceil(sqrt(2.0) / fr[j] * FS);
        size_t lost = (size_t)(2.0 * c - 1.0) + (size_t)(2.0 * c - 2.0) + 20;
        if (c < 2000.0)
            ASSERT_EQ_INT(nv0[j] - nv[j], lost);
        ASSERT_TRUE(nv[j] < nv0[j]);
    }
    printf("NaN: scale %.4f Hz: %.4f vs %.4f without the gap (%zu vs %zu samples)\n", fr[k], amp[k],
           amp0[k], nv[k], nv0[k]);
    ASSERT_NEAR_F(amp0[k], a, 0.005 * a);
    ASSERT_NEAR_F(amp[k], a, 0.01 * a);

    /* All missing: nothing to average anywhere, but not an error. */
    for (size_t t = 0; t < 100; t++)
        x[t] = (float)NAN;
    ASSERT_STATUS(mc_cwt_process(w, x, 100, amp, nv), MC_OK);
    for (size_t j = 0; j < ns; j++) {
        ASSERT_TRUE(isnan(amp[j]));
        ASSERT_EQ_INT(nv[j], 0);
    }
    free(amp);
    free(amp0);
    free(nv);
    free(nv0);
    free(x);
    mc_cwt_destroy(w);
}
