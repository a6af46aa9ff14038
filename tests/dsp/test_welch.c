/* SPDX-License-Identifier: MIT */
/* tests/dsp/test_welch.c: the streaming Welch PSD: Parseval (FFT-1 of DOMAIN.md 10) over segment
 * lengths, hops and detrend modes; block-size invariance; NaN segments; the sliding mean of the
 * last K; and scipy.signal.welch as the oracle (Debian's /usr/bin/python3). */
#include "dsp/welch.h"

#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "dsp/spectrum.h"
#include "tests/harness.h"
#include "tests/util.h"

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

/* Standard normal (Box-Muller). */
static double rng_normal(uint64_t *s)
{
    double u = rng_unit(s), v = rng_unit(s);
    return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586476925 * v);
}

static const double two_pi = 6.283185307179586476925;

static mc_welch *make(const mc_welch_config *c)
{
    mc_welch *w = NULL;
    ASSERT_STATUS(mc_welch_create(c, &w), MC_OK);
    ASSERT_TRUE(w != NULL);
    return w;
}

static float *sine(size_t n, double fs, double f, double a, double phase)
{
    float *x = calloc(n, sizeof *x);
    ASSERT_TRUE(x != NULL);
    for (size_t t = 0; t < n; t++)
        x[t] = (float)(a * sin(two_pi * f * (double)t / fs + phase));
    return x;
}

TEST(config_errors)
{
    mc_welch_config c = mc_welch_config_default(100.0, 256);
    ASSERT_EQ_INT(c.seg_hop, 128);
    ASSERT_EQ_INT(c.nfft, 0);
    ASSERT_EQ_INT(c.n_segments, 0);
    ASSERT_EQ_INT(c.detrend, MC_DETREND_MEAN);
    mc_welch *w = NULL;
    ASSERT_STATUS(mc_welch_create(NULL, &w), MC_EINVAL);
    ASSERT_STATUS(mc_welch_create(&c, NULL), MC_EINVAL);
    const mc_welch_config good = c;
    mc_welch_config bad[9];
    for (int i = 0; i < 9; i++)
        bad[i] = good;
    bad[0].fs_hz = 0.0;
    bad[1].fs_hz = (double)NAN;
    bad[2].seg_len = 3;
    bad[3].nfft = 255;
    bad[4].seg_hop = 0;
    bad[5].seg_hop = 257;
    bad[6].detrend = (mc_detrend)9;
    bad[7].measure = -1;
    bad[8].n_segments = SIZE_MAX / 2;
    for (int i = 0; i < 9; i++) {
        w = (mc_welch *)&bad[i];
        mc_status st = mc_welch_create(&bad[i], &w);
        if (i == 8)
            ASSERT_TRUE(st == MC_EINVAL || st == MC_ENOMEM);
        else
            ASSERT_STATUS(st, MC_EINVAL);
        ASSERT_TRUE(w == NULL);
    }
    mc_welch_destroy(NULL);
    c.nfft = 1000;
    w = make(&c);
    ASSERT_EQ_INT(mc_welch_get_n_bins(w), 501);
    ASSERT_NEAR_F(mc_welch_get_df(w), 0.1, 1e-15);
    ASSERT_EQ_INT(mc_welch_get_to_next_segment(w), 256);
    mc_welch_destroy(w);
}

/* FFT-1: a sine of amplitude A has band power A^2/2 within 1 %, whatever L, D and the detrend. */
TEST(parseval_sine)
{
    static const size_t lens[] = {250, 1000, 1001, 4096};
    static const mc_detrend modes[] = {MC_DETREND_NONE, MC_DETREND_MEAN, MC_DETREND_LINEAR};
    const double fs = 125.0, a = 3.0, f = 9.37;
    double worst_all = 0.0, worst_band = 0.0;
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        const size_t len = lens[i];
        const size_t hops[] = {len / 2, len / 4, len, len / 3};
        for (size_t h = 0; h < 4; h++) {
            for (size_t d = 0; d < 3; d++) {
                mc_welch_config c = mc_welch_config_default(fs, len);
                c.seg_hop = hops[h];
                c.detrend = modes[d];
                c.nfft = (h == 3) ? 2 * len : 0; /* zero padding changes nothing either */
                mc_welch *w = make(&c);
                const size_t n = 8 * len + 17;
                float *x = sine(n, fs, f, a, 0.4);
                size_t segs = mc_welch_push(w, x, n);
                ASSERT_EQ_INT(segs, (n - len) / hops[h] + 1);
                const size_t nb = mc_welch_get_n_bins(w);
                const double df = mc_welch_get_df(w);
                double *psd = calloc(nb, sizeof *psd);
                ASSERT_TRUE(psd != NULL);
                size_t nv = 0;
                ASSERT_STATUS(mc_welch_get_psd(w, psd, &nv), MC_OK);
                ASSERT_EQ_INT(nv, segs);
                double all = mc_band_power(psd, nb, df, 0.0, fs);
                /* +-3 native bins (fs / L) around the line: a Hann main lobe is +-2 bins. */
                double bin = fs / (double)len;
                double band = mc_band_power(psd, nb, df, f - 3.0 * bin, f + 3.0 * bin);
                double e_all = fabs(all / (a * a / 2.0) - 1.0);
                double e_band = fabs(band / (a * a / 2.0) - 1.0);
                worst_all = e_all > worst_all ? e_all : worst_all;
                worst_band = e_band > worst_band ? e_band : worst_band;
                ASSERT_NEAR_F(all, a * a / 2.0, 0.01 * a * a / 2.0);
                ASSERT_NEAR_F(band, a * a / 2.0, 0.01 * a * a / 2.0);
                free(psd);
                free(x);
                mc_welch_destroy(w);
            }
        }
    }
    printf("worst relative error of the band power: whole spectrum %.2e, +-3 bins %.2e\n",
           worst_all, worst_band);
}

/* Pushing in random blocks (empty, single samples, longer than a segment) gives the same bits as
 * one push of the whole signal. */
TEST(block_size_invariance)
{
    static const size_t ks[] = {0, 3};
    for (size_t ki = 0; ki < 2; ki++) {
        mc_welch_config c = mc_welch_config_default(50.0, 300);
        c.seg_hop = 70;
        c.n_segments = ks[ki];
        c.detrend = MC_DETREND_LINEAR;
        mc_welch *one = make(&c), *many = make(&c);
        const size_t n = 5000;
        uint64_t seed = 99;
        float *x = calloc(n, sizeof *x);
        ASSERT_TRUE(x != NULL);
        for (size_t t = 0; t < n; t++)
            x[t] = (float)(rng_normal(&seed) + 0.01 * (double)t);
        size_t segs_one = mc_welch_push(one, x, n);
        size_t segs_many = 0, done = 0;
        while (done < n) {
            size_t r = rng_next(&seed) % 5;
            size_t blk = r == 0 ? 0 : r == 1 ? 1 : (size_t)(rng_next(&seed) % 700);
            if (blk > n - done)
                blk = n - done;
            size_t before = mc_welch_get_to_next_segment(many);
            size_t got = mc_welch_push(many, x + done, blk);
            ASSERT_EQ_INT(got > 0, blk >= before);
            segs_many += got;
            done += blk;
        }
        ASSERT_EQ_INT(segs_many, segs_one);
        ASSERT_EQ_INT(mc_welch_get_to_next_segment(many), mc_welch_get_to_next_segment(one));
        const size_t nb = mc_welch_get_n_bins(one);
        double *p1 = calloc(nb, sizeof *p1), *p2 = calloc(nb, sizeof *p2);
        ASSERT_TRUE(p1 && p2);
        ASSERT_STATUS(mc_welch_get_psd(one, p1, NULL), MC_OK);
        ASSERT_STATUS(mc_welch_get_psd(many, p2, NULL), MC_OK);
        ASSERT_TRUE(memcmp(p1, p2, nb * sizeof *p1) == 0);
        free(p1);
        free(p2);
        free(x);
        mc_welch_destroy(one);
        mc_welch_destroy(many);
    }
}

/* The periodogram of one stretch of samples, by the module itself (K = 1, fresh state). */
static void periodogram(mc_welch *w1, const float *x, double *p)
{
    mc_welch_reset(w1);
    ASSERT_EQ_INT(mc_welch_push(w1, x, mc_welch_get_to_next_segment(w1)), 1);
    ASSERT_STATUS(mc_welch_get_psd(w1, p, NULL), MC_OK);
}

TEST(nan_segment_excluded)
{
    const size_t len = 128, hop = 64, n = 128 * 10;
    mc_welch_config c = mc_welch_config_default(10.0, len);
    c.seg_hop = hop;
    mc_welch *w = make(&c);
    c.n_segments = 1;
    mc_welch *w1 = make(&c);
    uint64_t seed = 5;
    float *x = calloc(n, sizeof *x);
    ASSERT_TRUE(x != NULL);
    for (size_t t = 0; t < n; t++)
        x[t] = (float)rng_normal(&seed);
    x[300] = (float)NAN;       /* in segments 3 (192..319) and 4 (256..383) */
    x[1000] = (float)INFINITY; /* in segments 14 (896..1023) and 15 (960..1087) */
    size_t segs = mc_welch_push(w, x, n);
    ASSERT_EQ_INT(segs, (n - len) / hop + 1);
    int64_t ok = 0, bad = 0;
    mc_welch_get_counts(w, &ok, &bad);
    ASSERT_EQ_INT(bad, 4);
    ASSERT_EQ_INT(ok, (int64_t)segs - 4);

    const size_t nb = mc_welch_get_n_bins(w);
    double *psd = calloc(nb, sizeof *psd), *p = calloc(nb, sizeof *p),
           *ref = calloc(nb, sizeof *ref);
    ASSERT_TRUE(psd && p && ref);
    size_t nv = 0;
    ASSERT_STATUS(mc_welch_get_psd(w, psd, &nv), MC_OK);
    ASSERT_EQ_INT(nv, segs - 4);
    for (size_t s = 0; s < segs; s++) {
        if (s == 3 || s == 4 || s == 14 || s == 15)
            continue;
        periodogram(w1, x + s * hop, p);
        for (size_t m = 0; m < nb; m++)
            ref[m] += p[m];
    }
    for (size_t m = 0; m < nb; m++) {
        ASSERT_TRUE(isfinite(psd[m]));
        ASSERT_NEAR_F(psd[m], ref[m] / (double)nv, 1e-12 * ref[m]);
    }
    free(psd);
    free(p);
    free(ref);
    free(x);
    mc_welch_destroy(w);
    mc_welch_destroy(w1);
}

TEST(end_without_valid_segment)
{
    mc_welch_config c = mc_welch_config_default(10.0, 64);
    c.n_segments = 2;
    mc_welch *w = make(&c);
    double psd[33];
    size_t nv = 99;
    ASSERT_STATUS(mc_welch_get_psd(w, psd, &nv), MC_END);
    ASSERT_EQ_INT(nv, 0);
    for (size_t m = 0; m < 33; m++)
        ASSERT_TRUE(isnan(psd[m]));
    /* Three segments, each with a NaN: the last two (the ring) are invalid. */
    float x[128];
    for (size_t t = 0; t < 128; t++)
        x[t] = (t % 32 == 5) ? (float)NAN : 1.0f;
    ASSERT_EQ_INT(mc_welch_push(w, x, 128), 3);
    ASSERT_STATUS(mc_welch_get_psd(w, psd, &nv), MC_END);
    ASSERT_EQ_INT(nv, 0);
    ASSERT_TRUE(isnan(psd[0]));
    int64_t ok = -1, bad = -1;
    mc_welch_get_counts(w, &ok, &bad);
    ASSERT_EQ_INT(ok, 0);
    ASSERT_EQ_INT(bad, 3);
    /* Valid data slides the bad segments out of the ring. */
    float y[64];
    for (size_t t = 0; t < 64; t++)
        y[t] = (float)sin(0.3 * (double)t);
    ASSERT_EQ_INT(mc_welch_push(w, y, 32), 1); /* x[96..127] y[0..31]: holds x[101] */
    ASSERT_STATUS(mc_welch_get_psd(w, psd, &nv), MC_END);
    ASSERT_EQ_INT(mc_welch_push(w, y + 32, 32), 1); /* y[0..63] */
    ASSERT_STATUS(mc_welch_get_psd(w, psd, &nv), MC_OK);
    ASSERT_EQ_INT(nv, 1);
    ASSERT_EQ_INT(mc_welch_push(w, y, 32), 1);
    ASSERT_STATUS(mc_welch_get_psd(w, psd, &nv), MC_OK);
    ASSERT_EQ_INT(nv, 2);
    /* Reset forgets everything, keeps the plan. */
    mc_welch_reset(w);
    ASSERT_STATUS(mc_welch_get_psd(w, psd, &nv), MC_END);
    mc_welch_get_counts(w, &ok, &bad);
    ASSERT_EQ_INT(ok + bad, 0);
    ASSERT_EQ_INT(mc_welch_get_to_next_segment(w), 64);
    mc_welch_destroy(w);

    c.n_segments = 0; /* cumulative: likewise */
    w = make(&c);
    ASSERT_STATUS(mc_welch_get_psd(w, psd, NULL), MC_END);
    ASSERT_EQ_INT(mc_welch_push(w, x, 96), 2);
    ASSERT_STATUS(mc_welch_get_psd(w, psd, &nv), MC_END);
    ASSERT_EQ_INT(nv, 0);
    mc_welch_destroy(w);
}

/* K = 4, D = L/2: after every segment the estimate is the mean of the last 4 periodograms. */
TEST(sliding_mean_of_last_k)
{
    const size_t len = 200, hop = 100, k = 4, n = 3000;
    mc_welch_config c = mc_welch_config_default(20.0, len);
    c.seg_hop = hop;
    c.n_segments = k;
    mc_welch *w = make(&c);
    c.n_segments = 1;
    mc_welch *w1 = make(&c);
    uint64_t seed = 11;
    float *x = calloc(n, sizeof *x);
    ASSERT_TRUE(x != NULL);
    for (size_t t = 0; t < n; t++)
        x[t] = (float)(rng_normal(&seed) + 2.0 * sin(0.7 * (double)t));
    const size_t nb = mc_welch_get_n_bins(w);
    double *psd = calloc(nb, sizeof *psd), *p = calloc(nb, sizeof *p);
    double *per = calloc(((n - len) / hop + 1) * nb, sizeof *per);
    ASSERT_TRUE(psd && p && per);
    size_t segs = 0, done = 0;
    while (done < n) {
        size_t blk = mc_welch_get_to_next_segment(w);
        if (blk > n - done)
            break;
        ASSERT_EQ_INT(mc_welch_push(w, x + done, blk), 1);
        done += blk;
        periodogram(w1, x + segs * hop, per + segs * nb);
        segs++;
        size_t nv = 0;
        ASSERT_STATUS(mc_welch_get_psd(w, psd, &nv), MC_OK);
        size_t have = segs < k ? segs : k;
        ASSERT_EQ_INT(nv, have);
        for (size_t m = 0; m < nb; m++) {
            double sum = 0.0; /* oldest to newest, the module's order */
            for (size_t s = segs - have; s < segs; s++)
                sum += per[s * nb + m];
            ASSERT_TRUE(psd[m] == sum / (double)have);
        }
    }
    ASSERT_EQ_INT(segs, (n - len) / hop + 1);
    free(psd);
    free(p);
    free(per);
    free(x);
    mc_welch_destroy(w);
    mc_welch_destroy(w1);
}

/* ---- scipy as the oracle ---- */

static const char oracle_py[] =
    "import sys\n"
    "import numpy as np\n"
    "from scipy.signal import welch\n"
    "x = np.loadtxt(sys.argv[1], dtype=np.float64)\n"
    "fs, L, D, nfft = float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])\n"
    "det = {'none': False, 'constant': 'constant', 'linear': 'linear'}[sys.argv[6]]\n"
    "f, p = welch(x, fs=fs, window='hann', nperseg=L, noverlap=L - D, nfft=nfft, detrend=det,\n"
    "             scaling='density')\n"
    "sys.stdout.write('\\n'.join('%.17g' % v for v in p) + '\\n')\n";

static int have_scipy(void)
{
    if (access("/usr/bin/python3", X_OK) != 0) {
        printf("SKIP: /usr/bin/python3 is missing, no scipy oracle\n");
        return 0;
    }
    if (system("/usr/bin/python3 -c 'import numpy, scipy.signal' >/dev/null 2>&1") != 0) {
        printf("SKIP: /usr/bin/python3 has no numpy/scipy (apt install python3-scipy)\n");
        return 0;
    }
    return 1;
}

TEST(scipy_oracle)
{
    if (!have_scipy())
        return;
    char script[600], data[600];
    snprintf(script, sizeof script, "%s", mc_test_tmp_path("oracle.py"));
    snprintf(data, sizeof data, "%s", mc_test_tmp_path("x.txt"));
    FILE *fp = fopen(script, "w");
    ASSERT_TRUE(fp != NULL);
    fputs(oracle_py, fp);
    fclose(fp);

    /* Noise, a line, and a drift that the linear detrend must remove: LDF-like. */
    const double fs = 10.0;
    const size_t n = 6007;
    uint64_t seed = 2024;
    float *x = calloc(n, sizeof *x);
    ASSERT_TRUE(x != NULL);
    fp = fopen(data, "w");
    ASSERT_TRUE(fp != NULL);
    for (size_t t = 0; t < n; t++) {
        x[t] = (float)(50.0 + 0.002 * (double)t + rng_normal(&seed) +
                       3.0 * sin(two_pi * 0.1 * (double)t / fs));
        fprintf(fp, "%.9g\n", (double)x[t]); /* a float round-trips exactly through %.9g */
    }
    fclose(fp);

    static const struct {
        size_t len, hop, nfft;
        mc_detrend det;
        const char *name;
    } cases[] = {
        {512, 256, 512, MC_DETREND_MEAN, "constant"},
        {512, 256, 512, MC_DETREND_LINEAR, "linear"},
        {600, 200, 1024, MC_DETREND_LINEAR, "linear"},
        {1000, 333, 1000, MC_DETREND_MEAN, "constant"},
        {257, 257, 257, MC_DETREND_NONE, "none"},
    };
    double worst_all = 0.0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mc_welch_config c = mc_welch_config_default(fs, cases[i].len);
        c.seg_hop = cases[i].hop;
        c.nfft = cases[i].nfft;
        c.detrend = cases[i].det;
        mc_welch *w = make(&c);
        mc_welch_push(w, x, n);
        const size_t nb = mc_welch_get_n_bins(w);
        double *psd = calloc(nb, sizeof *psd);
        ASSERT_TRUE(psd != NULL);
        ASSERT_STATUS(mc_welch_get_psd(w, psd, NULL), MC_OK);

        char cmd[1600];
        snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s %s %.17g %zu %zu %zu %s", script, data, fs,
                 cases[i].len, cases[i].hop, cases[i].nfft, cases[i].name);
        FILE *py = popen(cmd, "r");
        ASSERT_TRUE(py != NULL);
        size_t m = 0;
        double v, worst = 0.0;
        while (fscanf(py, "%lf", &v) == 1) {
            ASSERT_TRUE(m < nb);
            double rel = fabs(psd[m] - v) / fabs(v);
            worst = rel > worst ? rel : worst;
            m++;
        }
        ASSERT_EQ_INT(pclose(py), 0);
        ASSERT_EQ_INT(m, nb);
        printf("L %zu, D %zu, nfft %zu, detrend %s: max relative difference %.2e\n", cases[i].len,
               cases[i].hop, cases[i].nfft, cases[i].name, worst);
        ASSERT_TRUE(worst < 1e-4);
        worst_all = worst > worst_all ? worst : worst_all;
        free(psd);
        mc_welch_destroy(w);
    }
    printf("scipy oracle: worst relative difference %.2e\n", worst_all);
    free(x);
}
