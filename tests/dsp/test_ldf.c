/* SPDX-License-Identifier: MIT */
/* tests/dsp/test_ldf.c: the LDF analyser against analytic truth (DOMAIN.md 3.8, 10: LDF-1,
 * LDF-2): band powers of tones at the band centres, the record-length rules, normalised wavelet
 * amplitudes against the Morlet response, perfusion, spike and gap handling, block-size
 * invariance, configuration errors, and the simulator's "ldf" model. */
#include "dsp/ldf.h"

#include <stdint.h>

#include "acquisition/sim.h"
#include "dsp/spectrum.h"
#include "tests/harness.h"

enum { NB = 6, NF = 19, MAX_ROWS = 128 };

static const double two_pi = 6.283185307179586476925;
static const double centre_hz[NB] = {0.007, 0.015, 0.035, 0.1, 0.3, 1.2};
static const char *const band_name[NB] = {"endothelial_no_indep", "endothelial_no_dep",
                                          "neurogenic",           "myogenic",
                                          "respiratory",          "cardiac"};

/* ---- deterministic randomness (splitmix64) ---- */

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double rng_unit(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) * 0x1p-53;
}

static double rng_normal(uint64_t *s)
{
    double u = rng_unit(s), v = rng_unit(s);
    return sqrt(-2.0 * log(1.0 - u)) * cos(two_pi * v);
}

/* ---- signals and runs ---- */

/* pu + sum_b a_b sin(2 pi f_b t + phi_b) + sigma N(0, 1) at fs for dur_s. Caller frees. */
static float *tones(double fs, double dur_s, double pu, const double *a, double sigma,
                    uint64_t seed, size_t *n_out)
{
    size_t n = (size_t)llround(fs * dur_s);
    float *x = calloc(n, sizeof *x);
    ASSERT_TRUE(x != NULL);
    double phi[NB];
    for (int b = 0; b < NB; b++)
        phi[b] = two_pi * rng_unit(&seed);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / fs, v = pu;
        for (int b = 0; b < NB; b++)
            v += a[b] * sin(two_pi * centre_hz[b] * t + phi[b]);
        x[i] = (float)(v + sigma * rng_normal(&seed));
    }
    *n_out = n;
    return x;
}

typedef struct rows {
    size_t n;
    int64_t end[MAX_ROWS];
    double v[MAX_ROWS][NF]; /* the rows' float values, exactly */
    uint8_t st[MAX_ROWS][NF];
} rows;

static void collect(void *ctx, const mc_analysis_row *r)
{
    rows *out = ctx;
    ASSERT_EQ_INT(r->n_features, NF);
    ASSERT_EQ_INT(r->end_t_ns, INT64_MIN);
    ASSERT_TRUE(out->n < MAX_ROWS);
    out->end[out->n] = r->end_index;
    for (int k = 0; k < NF; k++)
        out->v[out->n][k] = (double)r->value[k];
    memcpy(out->st[out->n], r->status, sizeof out->st[0]);
    for (int k = 0; k < NF; k++) /* a value is a number exactly when its status is OK */
        ASSERT_EQ_INT(isnan(r->value[k]) ? 1 : 0, r->status[k] == MC_FS_OK ? 0 : 1);
    out->n++;
}

static mc_analyser *make(const mc_ldf_config *c, double fs)
{
    mc_diag d = {{0}, 0, 0};
    mc_analyser *a = NULL;
    mc_status st = mc_ldf_analyser_create(c, fs, 1, 0, &d, &a);
    if (st != MC_OK)
        fprintf(stderr, "create: %s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    ASSERT_TRUE(a != NULL);
    return a;
}

/* Runs x through a new analyser in blocks of `block` frames (0: random sizes 1..5000). */
static rows *run(const mc_ldf_config *c, double fs, const float *x, size_t n, size_t block)
{
    rows *r = calloc(1, sizeof *r);
    ASSERT_TRUE(r != NULL);
    mc_analyser *a = make(c, fs);
    uint64_t seed = 12345;
    for (size_t i = 0; i < n;) {
        size_t m = block ? block : 1 + (size_t)(rng_next(&seed) % 5000);
        if (m > n - i)
            m = n - i;
        mc_analyser_process(a, x + i, NULL, m, 1, collect, r);
        i += m;
    }
    mc_analyser_destroy(a);
    return r;
}

static mc_ldf_config config(const char *key, const char *value)
{
    mc_ldf_config c = mc_ldf_config_default();
    if (key)
        ASSERT_STATUS(mc_ldf_config_set(&c, key, value, NULL), MC_OK);
    return c;
}

/* Feature indices. */
static int k_abs(int b)
{
    return 1 + 3 * b;
}
static int k_rel(int b)
{
    return 2 + 3 * b;
}
static int k_amp(int b)
{
    return 3 + 3 * b;
}

/* Expected band power: the tone's a^2/2 plus white noise of one-sided density 2 sigma^2 / fs. */
static double expected_power(const double *a, double sigma, double fs, int b)
{
    const double w = mc_ldf_bands[b].f_hi_hz - mc_ldf_bands[b].f_lo_hz;
    return 0.5 * a[b] * a[b] + 2.0 * sigma * sigma / fs * w;
}

/* Every band's absolute and relative power in row r within rel_tol of the truth. */
static void check_powers(const rows *r, size_t row, const double *a, double sigma, double fs,
                         int first_band, double rel_tol)
{
    double total = 0.0;
    for (int b = 0; b < NB; b++)
        total += expected_power(a, sigma, fs, b);
    for (int b = first_band; b < NB; b++) {
        double p = expected_power(a, sigma, fs, b);
        ASSERT_EQ_INT(r->st[row][k_abs(b)], MC_FS_OK);
        fprintf(stderr, "  %-21s %.5f vs %.5f (%+.2f %%)", band_name[b], r->v[row][k_abs(b)], p,
                100.0 * ((double)r->v[row][k_abs(b)] / p - 1.0));
        if (first_band == 0)
            fprintf(stderr, "  rel %.5f vs %.5f (%+.2f %%)", r->v[row][k_rel(b)], p / total,
                    100.0 * ((double)r->v[row][k_rel(b)] / (p / total) - 1.0));
        fprintf(stderr, "\n");
        ASSERT_NEAR_F(r->v[row][k_abs(b)], p, rel_tol * p);
        if (first_band == 0) {
            ASSERT_EQ_INT(r->st[row][k_rel(b)], MC_FS_OK);
            ASSERT_NEAR_F(r->v[row][k_rel(b)], p / total, rel_tol * p / total);
        }
    }
}

/* The first row at which feature k is OK (MAX_ROWS: never). */
static size_t first_ok(const rows *r, int k)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->st[i][k] == MC_FS_OK)
            return i;
    return MAX_ROWS;
}

static const double amps_ldf1[NB] = {1.0, 0.8, 1.2, 1.5, 0.7, 1.0};
static const double fs32 = 32.0;

/* ---- LDF-1: 30 min of six tones ---- */

TEST(tones_30min)
{
    size_t n;
    float *x = tones(fs32, 1800.0, 20.0, amps_ldf1, 0.01, 1, &n);
    mc_ldf_config c = config("wavelet", "0");
    rows *r = run(&c, fs32, x, n, 4096);
    ASSERT_EQ_INT(r->n, 30);
    ASSERT_EQ_INT(r->end[0], 1920);
    ASSERT_EQ_INT(r->end[29], (int64_t)n);
    check_powers(r, 29, amps_ldf1, 0.01, fs32, 0, 0.02);

    /* The record-length rule: a band's first number comes once 3 segments (2 L) fit, L from
     * 666.7 s (I, II), 260.9 s (III), 96.8 s (IV-VI) at 10.67 Hz, plus the 0.5 s median delay. */
    const size_t first_row[NB] = {22, 22, 8, 3, 3, 3}; /* rows end at 60 (i + 1) s */
    for (int b = 0; b < NB; b++) {
        ASSERT_EQ_INT(first_ok(r, k_abs(b)), first_row[b]);
        ASSERT_EQ_INT(r->st[first_row[b] - 1][k_abs(b)], MC_FS_INSUFFICIENT_LENGTH);
        ASSERT_TRUE(isnan(r->v[first_row[b] - 1][k_abs(b)]));
        ASSERT_EQ_INT(r->st[29][k_amp(b)], MC_FS_NOT_AVAILABLE);
    }
    ASSERT_EQ_INT(first_ok(r, k_rel(0)), 22);
    ASSERT_EQ_INT(r->st[21][k_rel(3)], MC_FS_INSUFFICIENT_LENGTH);
    free(r);
    free(x);
}

/* ---- LDF-2: the same over 10 min ---- */

TEST(tones_10min)
{
    size_t n;
    float *x = tones(fs32, 600.0, 20.0, amps_ldf1, 0.01, 2, &n);
    mc_ldf_config c = mc_ldf_config_default();
    rows *r = run(&c, fs32, x, n, 1000);
    ASSERT_EQ_INT(r->n, 10);
    for (int b = 0; b < 2; b++) {
        ASSERT_EQ_INT(r->st[9][k_abs(b)], MC_FS_INSUFFICIENT_LENGTH);
        ASSERT_TRUE(isnan(r->v[9][k_abs(b)]));
    }
    check_powers(r, 9, amps_ldf1, 0.01, fs32, 2, 0.02);
    for (int b = 0; b < NB; b++) {
        ASSERT_EQ_INT(r->st[9][k_rel(b)], MC_FS_INSUFFICIENT_LENGTH);
        ASSERT_EQ_INT(r->st[9][k_amp(b)], MC_FS_INSUFFICIENT_LENGTH);
    }
    free(r);
    free(x);
}

/* ---- Normalised amplitudes against the Morlet response ---- */

/* |W| of a unit sine at f seen at the scale of centre fc (dsp/wavelet.c: the admissible Morlet
 * of MODA, f0 = 1, amplitude-preserving). */
static double morlet_gain(double f, double fc)
{
    const double w0 = two_pi, xi = w0 * f / fc, dx = xi - w0;
    return (exp(-0.5 * dx * dx) - exp(-0.5 * (w0 * w0 + xi * xi))) / (1.0 - exp(-w0 * w0));
}

TEST(amp_equal)
{
    /* Equal amplitudes give equal absolute powers but not equal normalised amplitudes: the band
     * mean runs over log-spaced scales, and a tone fills about 0.58 octave of them, so a band
     * wider in octaves has a lower mean. The truth is the Morlet response of the six tones at
     * the scales f_k = 0.005 2^(k/16) Hz, averaged per band. The tones are 1.1 octave apart or
     * more, so at any scale one of them dominates and |W| is constant in time to within the
     * product of the two responses (< 2 % where they cross, at the band edges, where both are
     * small), and the noise adds < 0.002 PU at a scale: 1 % holds (measured: 0.12 %). */
    const double a[NB] = {1, 1, 1, 1, 1, 1};
    size_t n;
    float *x = tones(fs32, 1800.0, 20.0, a, 0.01, 3, &n);
    mc_ldf_config c = config("hop_s", "300");
    rows *r = run(&c, fs32, x, n, 7777);
    ASSERT_EQ_INT(r->n, 6);
    const size_t last = 5;

    const size_t n_scales = (size_t)floor(log2(2.0 / 0.005) * 16.0 + 1e-9) + 1;
    double sum_b[NB] = {0}, total = 0.0;
    size_t n_b[NB] = {0};
    for (size_t k = 0; k < n_scales; k++) {
        double fc = 0.005 * exp2((double)k / 16.0), p2 = 0.0;
        for (int j = 0; j < NB; j++)
            p2 += pow(a[j] * morlet_gain(centre_hz[j], fc), 2.0);
        int b = 0;
        while (b < NB - 1 && fc >= mc_ldf_bands[b].f_hi_hz)
            b++;
        sum_b[b] += sqrt(p2);
        n_b[b]++;
        total += sqrt(p2);
    }
    double check = 0.0;
    for (int b = 0; b < NB; b++) {
        double want = sum_b[b] / (double)n_b[b] / (total / (double)n_scales);
        double got = r->v[last][k_amp(b)];
        fprintf(stderr, "  %-21s amp %.4f vs %.4f (%+.2f %%), %zu scales\n", band_name[b], got,
                want, 100.0 * (got / want - 1.0), n_b[b]);
        ASSERT_EQ_INT(r->st[last][k_amp(b)], MC_FS_OK);
        ASSERT_NEAR_F(got, want, 0.01 * want);
        check += got * (double)n_b[b] / (double)n_scales;
    }
    /* The bands tile the scales, so the normalised amplitudes weighted by their scale counts
     * sum to one. */
    ASSERT_NEAR_F(check, 1.0, 1e-5);
    /* Not equal: band I (0.93 octave) against the respiratory band (2.05 octaves). */
    ASSERT_TRUE(r->v[last][k_amp(0)] > 1.8 * r->v[last][k_amp(4)]);
    /* No number before every band has passed its record-length rule. */
    ASSERT_EQ_INT(r->st[3][k_amp(5)], MC_FS_INSUFFICIENT_LENGTH);
    ASSERT_EQ_INT(r->st[4][k_amp(5)], MC_FS_OK);
    free(r);
    free(x);
}

/* ---- Drift (DOMAIN.md 3.7): linear detrend per Welch segment and of the CWT window ---- */

TEST(drift)
{
    const double a[NB] = {1, 1, 1, 1, 1, 1};
    size_t n;
    float *x = tones(fs32, 1800.0, 20.0, a, 0.01, 3, &n);
    mc_ldf_config c = config("hop_s", "1800");
    rows *r0 = run(&c, fs32, x, n, 10000);
    for (size_t i = 0; i < n; i++) /* 40 PU more at the end, as during a vasopressor change */
        x[i] += (float)(40.0 * (double)i / (double)n);
    rows *r1 = run(&c, fs32, x, n, 10000);
    check_powers(r1, 0, a, 0.01, fs32, 0, 0.02);
    for (int b = 0; b < NB; b++) {
        ASSERT_NEAR_F(r1->v[0][k_abs(b)], r0->v[0][k_abs(b)], 0.002 * r0->v[0][k_abs(b)]);
        ASSERT_NEAR_F(r1->v[0][k_amp(b)], r0->v[0][k_amp(b)], 0.002 * r0->v[0][k_amp(b)]);
    }
    free(r0);
    free(r1);
    free(x);
}

/* ---- Perfusion ---- */

TEST(perfusion_constant)
{
    const size_t n = (size_t)(fs32 * 300.0);
    float *x = calloc(n, sizeof *x);
    ASSERT_TRUE(x != NULL);
    for (size_t i = 0; i < n; i++)
        x[i] = 20.25f;
    mc_ldf_config c = mc_ldf_config_default();
    rows *r = run(&c, fs32, x, n, 333);
    ASSERT_EQ_INT(r->n, 5);
    for (size_t i = 0; i < r->n; i++) {
        ASSERT_EQ_INT(r->st[i][0], MC_FS_OK);
        ASSERT_TRUE(r->v[i][0] == 20.25);
    }
    ASSERT_EQ_INT(r->st[4][k_rel(5)], MC_FS_INSUFFICIENT_LENGTH); /* bands I-III: too short */
    free(r);

    /* A constant has no flowmotion: zero power, and no relative power (a zero total). A table
     * of short bands (all 90-s segments) gives every band a number within 5 min. */
    c = config("band_edges_hz", "0.05,0.1,0.2,0.3,0.5,1,2");
    r = run(&c, fs32, x, n, 1000);
    for (int b = 0; b < NB; b++) {
        ASSERT_EQ_INT(r->st[4][k_abs(b)], MC_FS_OK);
        ASSERT_NEAR_F(r->v[4][k_abs(b)], 0.0, 1e-9);
        ASSERT_EQ_INT(r->st[4][k_rel(b)], MC_FS_NO_SIGNAL);
        ASSERT_EQ_INT(r->st[4][k_amp(b)], MC_FS_NO_SIGNAL);
    }
    free(r);
    free(x);
}

/* ---- Artefacts ---- */

/* Multiplies x by 10 for 0.2 s at every `every_s` seconds from start_s. */
static void add_spikes(float *x, size_t n, double fs, double start_s, double every_s)
{
    for (double t = start_s; t * fs < (double)n; t += every_s) {
        size_t i0 = (size_t)(t * fs), i1 = (size_t)((t + 0.2) * fs);
        for (size_t i = i0; i < i1 && i < n; i++)
            x[i] *= 10.0f;
    }
}

TEST(spike_rejection)
{
    size_t n;
    float *clean = tones(fs32, 1800.0, 20.0, amps_ldf1, 0.01, 4, &n);
    float *x = malloc(n * sizeof *x);
    ASSERT_TRUE(x != NULL);
    memcpy(x, clean, n * sizeof *x);
    add_spikes(x, n, fs32, 37.3, 211.0); /* 9 spikes of x10 for 0.2 s (DOMAIN.md 3.8) */
    mc_ldf_config c = config("wavelet", "0");
    rows *r0 = run(&c, fs32, clean, n, 4096);
    rows *r1 = run(&c, fs32, x, n, 4096);
    for (int b = 0; b < NB; b++) {
        double p0 = r0->v[29][k_abs(b)], p1 = r1->v[29][k_abs(b)];
        fprintf(stderr, "  %-21s spikes %.5f clean %.5f (%+.3f %%)\n", band_name[b], p1, p0,
                100.0 * (p1 / p0 - 1.0));
        ASSERT_EQ_INT(r1->st[29][k_abs(b)], MC_FS_OK);
        ASSERT_NEAR_F(p1, p0, 0.02 * p0);
    }
    for (size_t i = 0; i < r1->n; i++) /* spikes left out of the perfusion too */
        ASSERT_NEAR_F(r1->v[i][0], r0->v[i][0], 0.002 * r0->v[i][0]);
    check_powers(r1, 29, amps_ldf1, 0.01, fs32, 0, 0.02);

    /* Without detection the same spikes ruin the cardiac band: the test can fail. */
    c.artefact_k = 0.0;
    rows *r2 = run(&c, fs32, x, n, 4096);
    ASSERT_TRUE(r2->v[29][k_abs(5)] > 2.0 * r0->v[29][k_abs(5)]);
    free(r0);
    free(r1);
    free(r2);
    free(x);
    free(clean);
}

TEST(spike_frequent)
{
    /* A spike every 1.5 s: the decimated groups they touch cover ~20 % of the window, over the
     * 10 % limit, so the spectral outputs are ARTEFACT; the perfusion still has most samples. */
    size_t n;
    float *x = tones(fs32, 300.0, 20.0, amps_ldf1, 0.01, 5, &n);
    mc_ldf_config c = mc_ldf_config_default();
    rows *r0 = run(&c, fs32, x, n, 4096);
    add_spikes(x, n, fs32, 2.2, 1.5); /* detection starts after 1.5 s (ldf.h) */
    rows *r = run(&c, fs32, x, n, 4096);
    ASSERT_EQ_INT(r->n, 5);
    for (int b = 2; b < NB; b++) {
        ASSERT_EQ_INT(r->st[4][k_abs(b)], b == 2 ? MC_FS_INSUFFICIENT_LENGTH : MC_FS_ARTEFACT);
        ASSERT_EQ_INT(r->st[4][k_rel(b)], MC_FS_INSUFFICIENT_LENGTH);
    }
    for (size_t i = 0; i < r->n; i++) {
        ASSERT_EQ_INT(r->st[i][0], MC_FS_OK);
        ASSERT_NEAR_F(r->v[i][0], r0->v[i][0], 0.05);
    }
    ASSERT_EQ_INT(r0->st[4][k_abs(5)], MC_FS_OK);
    free(r0);
    free(r);
    free(x);
}

TEST(nan_runs)
{
    size_t n;
    float *clean = tones(fs32, 1800.0, 20.0, amps_ldf1, 0.01, 6, &n);
    float *x = malloc(n * sizeof *x);
    ASSERT_TRUE(x != NULL);
    memcpy(x, clean, n * sizeof *x);
    /* Short runs (1 s, 1.9 s) are bridged; the 10-s run at 500 s is not, so the two band-I
     * segments that hold it (starting at 0 and 333 s) are dropped: 2 of 4 are left, fewer than
     * 3, so bands I-II have no number; band III loses 2 of its 12 segments and keeps one. */
    const double runs[][2] = {{130.0, 1.0}, {700.0, 1.9}, {1500.0, 1.0}, {500.0, 10.0}};
    for (size_t j = 0; j < 4; j++)
        for (size_t i = (size_t)(runs[j][0] * fs32); i < (size_t)((runs[j][0] + runs[j][1]) * fs32);
             i++)
            x[i] = (float)NAN;
    mc_ldf_config c = config("wavelet", "0");
    rows *r0 = run(&c, fs32, clean, n, 4096);
    rows *r1 = run(&c, fs32, x, n, 4096);
    for (int b = 0; b < NB; b++) {
        if (b < 2) {
            ASSERT_EQ_INT(r1->st[29][k_abs(b)], MC_FS_NO_SIGNAL);
            ASSERT_EQ_INT(r1->st[29][k_rel(b)], MC_FS_NO_SIGNAL);
            continue;
        }
        double p0 = r0->v[29][k_abs(b)], p1 = r1->v[29][k_abs(b)];
        fprintf(stderr, "  %-21s gaps %.5f clean %.5f (%+.3f %%)\n", band_name[b], p1, p0,
                100.0 * (p1 / p0 - 1.0));
        ASSERT_EQ_INT(r1->st[29][k_abs(b)], MC_FS_OK);
        ASSERT_NEAR_F(p1, p0, 0.02 * p0);
    }
    ASSERT_EQ_INT(r1->st[8][0], MC_FS_OK); /* perfusion of the hop with the 10-s run */
    ASSERT_EQ_INT(r1->st[7][k_abs(0)], MC_FS_INSUFFICIENT_LENGTH);

    /* Missing data over 10 % of the window: NO_SIGNAL for every spectral output. */
    for (size_t i = (size_t)(1500.0 * fs32); i < (size_t)(1700.0 * fs32); i++)
        x[i] = (float)NAN;
    rows *r2 = run(&c, fs32, x, n, 4096);
    for (int b = 0; b < NB; b++)
        ASSERT_EQ_INT(r2->st[29][k_abs(b)], MC_FS_NO_SIGNAL);
    ASSERT_EQ_INT(r2->st[26][0], MC_FS_NO_SIGNAL); /* the hop 1560-1620 s is all NaN */
    free(r0);
    free(r1);
    free(r2);
    free(x);
    free(clean);
}

/* ---- Streaming ---- */

TEST(blocks)
{
    /* 25 min of the simulator with spikes and gaps: bands I-II and the CWT produce numbers in
     * the last two rows; any blocking gives bit-identical rows. */
    mc_sim *sim = NULL;
    mc_kv kv[] = {{"noise", "0.3"}, {"seed", "7"}};
    ASSERT_STATUS(mc_sim_create("ldf", "ldf_test", kv, 2, NULL, &sim), MC_OK);
    size_t n = (size_t)(fs32 * 1500.0);
    float *x = calloc(n, sizeof *x);
    ASSERT_TRUE(x != NULL);
    mc_sim_read(sim, n, x, NULL);
    add_spikes(x, n, fs32, 100.0, 97.0);
    for (size_t i = 20000; i < 20040; i++)
        x[i] = (float)NAN;
    mc_ldf_config c = mc_ldf_config_default();
    rows *r0 = run(&c, fs32, x, n, n);
    rows *r1 = run(&c, fs32, x, n, 0);
    rows *r2 = run(&c, fs32, x, n, 1);
    ASSERT_EQ_INT(r0->n, 25);
    ASSERT_EQ_INT(r1->n, 25);
    ASSERT_EQ_INT(r2->n, 25);
    ASSERT_TRUE(memcmp(r0->v, r1->v, sizeof r0->v) == 0);
    ASSERT_TRUE(memcmp(r0->st, r1->st, sizeof r0->st) == 0);
    ASSERT_TRUE(memcmp(r0->v, r2->v, sizeof r0->v) == 0);
    ASSERT_TRUE(memcmp(r0->st, r2->st, sizeof r0->st) == 0);
    ASSERT_TRUE(memcmp(r0->end, r1->end, sizeof r0->end) == 0);
    ASSERT_TRUE(memcmp(r0->end, r2->end, sizeof r0->end) == 0);
    ASSERT_EQ_INT(r0->st[24][k_amp(0)], MC_FS_OK);
    ASSERT_EQ_INT(r0->st[24][k_rel(0)], MC_FS_OK);

    /* push stops at the hop boundary and takes nothing while a row waits. */
    mc_analyser *a = make(&c, fs32);
    ASSERT_EQ_INT(mc_analyser_push(a, x, NULL, 5000), 1920);
    ASSERT_EQ_INT(mc_analyser_push(a, x, NULL, 5000), 0);
    mc_analysis_row row;
    ASSERT_EQ_INT(mc_analyser_pop(a, &row), 1);
    ASSERT_EQ_INT(row.end_index, 1920);
    ASSERT_EQ_INT(mc_analyser_pop(a, &row), 0);
    ASSERT_EQ_INT(mc_analyser_push(a, x, NULL, 100), 100);
    mc_analyser_destroy(a);
    free(r0);
    free(r1);
    free(r2);
    free(x);
    mc_sim_destroy(sim);
}

/* ---- The simulator's ldf model, default keys, 35 min ---- */

TEST(sim_35min)
{
    mc_sim *sim = NULL;
    ASSERT_STATUS(mc_sim_create("ldf", "ldf_test", NULL, 0, NULL, &sim), MC_OK);
    const mc_stream_info *info = mc_sim_get_info(sim);
    double a[NB], fs = mc_sim_get_rate(sim);
    char key[16];
    for (int b = 0; b < NB; b++) {
        snprintf(key, sizeof key, "sim_a%d", b + 1);
        const char *v = mc_stream_info_get_attr(info, key);
        ASSERT_TRUE(v != NULL);
        a[b] = atof(v);
    }
    const char *noise = mc_stream_info_get_attr(info, "sim_noise");
    ASSERT_TRUE(noise != NULL);
    size_t n = (size_t)(fs * 2100.0);
    float *x = calloc(n, sizeof *x);
    ASSERT_TRUE(x != NULL);
    mc_sim_read(sim, n, x, NULL);
    mc_ldf_config c = config("wavelet", "0");
    rows *r = run(&c, fs, x, n, 3200);
    ASSERT_EQ_INT(r->n, 35);
    check_powers(r, 34, a, atof(noise), fs, 0, 0.02);
    free(r);
    free(x);
    mc_sim_destroy(sim);
}

/* ---- Configuration ---- */

TEST(features)
{
    mc_ldf_config c = mc_ldf_config_default();
    mc_analyser *a = make(&c, fs32);
    ASSERT_EQ_INT(mc_analyser_get_n_features(a), NF);
    ASSERT_STR_EQ(mc_analyser_get_feature(a, 0)->name, "perfusion");
    ASSERT_STR_EQ(mc_analyser_get_feature(a, 0)->unit, "PU");
    char name[64];
    for (int b = 0; b < NB; b++) {
        ASSERT_STR_EQ(mc_analyser_get_feature(a, (size_t)k_abs(b))->name, mc_ldf_bands[b].name);
        ASSERT_STR_EQ(mc_analyser_get_feature(a, (size_t)k_abs(b))->unit, "PU2");
        snprintf(name, sizeof name, "%s_rel", band_name[b]);
        ASSERT_STR_EQ(mc_analyser_get_feature(a, (size_t)k_rel(b))->name, name);
        snprintf(name, sizeof name, "%s_amp", band_name[b]);
        ASSERT_STR_EQ(mc_analyser_get_feature(a, (size_t)k_amp(b))->name, name);
        ASSERT_STR_EQ(mc_analyser_get_feature(a, (size_t)k_amp(b))->unit, "1");
    }
    ASSERT_TRUE(mc_analyser_get_feature(a, NF) == NULL);
    const char *p = mc_analyser_get_parameters(a);
    fprintf(stderr, "%s\n", p);
    ASSERT_TRUE(strstr(p, "decimation=3 ") != NULL);
    ASSERT_TRUE(strstr(p, "segment_samples=7112,7112,2783,1033,1033,1033") != NULL);
    mc_analyser_destroy(a);

    /* The DOMAIN.md 3.4 table read per band; a window of 10 min leaves band I out for good. */
    c = config("resolution_rule", "own");
    ASSERT_STATUS(mc_ldf_config_set(&c, "window_s", "600", NULL), MC_OK);
    a = make(&c, fs32);
    p = mc_analyser_get_parameters(a);
    ASSERT_TRUE(strstr(p, "segment_samples=none,2783,1033,1033,1033,1033") != NULL);
    mc_analyser_destroy(a);
}

static void expect_set_error(const char *key, const char *value, const char *needle)
{
    mc_ldf_config c = mc_ldf_config_default(), before = c;
    mc_diag d = {{0}, 0, 0};
    ASSERT_STATUS(mc_ldf_config_set(&c, key, value, &d), MC_EINVAL);
    if (!strstr(d.message, needle)) {
        fprintf(stderr, "message '%s' lacks '%s'\n", d.message, needle);
        ASSERT_TRUE(0);
    }
    ASSERT_TRUE(memcmp(&c, &before, sizeof c) == 0);
}

TEST(config_errors)
{
    expect_set_error("hop", "60", "unknown setting");
    expect_set_error("hop_s", "0", "hop_s");
    expect_set_error("hop_s", "abc", "hop_s");
    expect_set_error("hop_s", "60 s", "hop_s");
    expect_set_error("window_s", "nan", "window_s");
    expect_set_error("lowpass_order", "9", "lowpass_order");
    expect_set_error("lowpass_order", "2.5", "whole number");
    expect_set_error("min_segments", "0", "min_segments");
    expect_set_error("artefact_max_frac", "1.5", "artefact_max_frac");
    expect_set_error("wavelet", "2", "wavelet");
    expect_set_error("detrend", "quadratic", "none, mean or linear");
    expect_set_error("resolution_rule", "both", "neighbours or own");
    expect_set_error("band_edges_hz", "0.005,0.01,0.02", "7 increasing");
    expect_set_error("band_edges_hz", "0.005,0.0095,0.021,0.052,0.6,0.145,2", "7 increasing");
    expect_set_error("band_edges_hz", "0.005,0.0095,0.021,0.052,0.145,0.6,2,3", "7 increasing");
    expect_set_error("cardiac_hi_hz", "0.5", "cardiac");

    mc_ldf_config c = mc_ldf_config_default();
    ASSERT_STATUS(mc_ldf_config_set(&c, "cardiac_hi_hz", "2.5", NULL), MC_OK);
    ASSERT_NEAR_F(c.band_edges_hz[6], 2.5, 0);
    ASSERT_STATUS(
        mc_ldf_config_set(&c, "band_edges_hz", "0.005, 0.0095,0.021,0.052,0.145,0.6,2", NULL),
        MC_OK);
    ASSERT_NEAR_F(c.band_edges_hz[1], 0.0095, 0);
    ASSERT_STATUS(mc_ldf_config_set(&c, "detrend", "mean", NULL), MC_OK);
    ASSERT_EQ_INT(c.detrend, MC_DETREND_MEAN);
    ASSERT_STATUS(mc_ldf_config_set(&c, "hop_s", " 30", NULL), MC_OK);
    ASSERT_NEAR_F(c.hop_s, 30.0, 0);
    ASSERT_STATUS(mc_ldf_config_set(NULL, "hop_s", "1", NULL), MC_EINVAL);

    /* At create: the rate, the channel, limits that depend on the rate. */
    static mc_analyser dummy;
    mc_diag d = {{0}, 0, 0};
    mc_analyser *a = &dummy;
    ASSERT_STATUS(mc_ldf_analyser_create(NULL, 0.0, 1, 0, &d, &a), MC_EINVAL);
    ASSERT_TRUE(a == NULL);
    ASSERT_STATUS(mc_ldf_analyser_create(NULL, 32.0, 2, 2, &d, &a), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "channel") != NULL);
    c = mc_ldf_config_default();
    c.lowpass_hz = 6.0; /* above 10.67 / 2 */
    ASSERT_STATUS(mc_ldf_analyser_create(&c, 32.0, 1, 0, &d, &a), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "lowpass_hz") != NULL);
    c = mc_ldf_config_default();
    ASSERT_STATUS(mc_ldf_config_set(&c, "cardiac_hi_hz", "4.5", NULL), MC_OK);
    ASSERT_STATUS(mc_ldf_analyser_create(&c, 32.0, 1, 0, &d, &a), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "top band edge") != NULL);
    ASSERT_STATUS(mc_ldf_analyser_create(NULL, 3.0, 1, 0, &d, &a), MC_EINVAL); /* 2 Hz >= 1.5 */
    c = mc_ldf_config_default();
    c.hop_s = -1.0; /* set directly, checked at create */
    ASSERT_STATUS(mc_ldf_analyser_create(&c, 32.0, 1, 0, &d, &a), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "hop_s") != NULL);
    ASSERT_TRUE(a == NULL);

    /* Channel 1 of 3 interleaved: the same rows as the channel alone. */
    size_t n;
    float *x = tones(fs32, 240.0, 20.0, amps_ldf1, 0.01, 9, &n);
    float *y = calloc(3 * n, sizeof *y);
    ASSERT_TRUE(y != NULL);
    for (size_t i = 0; i < n; i++) {
        y[3 * i] = -1.0f;
        y[3 * i + 1] = x[i];
        y[3 * i + 2] = (float)NAN;
    }
    c = mc_ldf_config_default();
    rows *r0 = run(&c, fs32, x, n, 500);
    rows *r1 = calloc(1, sizeof *r1);
    ASSERT_TRUE(r1 != NULL);
    ASSERT_STATUS(mc_ldf_analyser_create(&c, 32.0, 3, 1, NULL, &a), MC_OK);
    mc_analyser_process(a, y, NULL, n, 3, collect, r1);
    mc_analyser_destroy(a);
    ASSERT_EQ_INT(r1->n, 4);
    ASSERT_TRUE(memcmp(r0->v, r1->v, sizeof r0->v) == 0);
    ASSERT_EQ_INT(r1->st[3][k_abs(5)], MC_FS_OK);
    free(r0);
    free(r1);
    free(y);
    free(x);
    mc_analyser_destroy(NULL);
}
