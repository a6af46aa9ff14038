/* SPDX-License-Identifier: MIT */
/* tests/dsp/test_iir.c: the Butterworth filters against their analytic response (cut-off, pass
 * band, stop-band mask), against scipy's sosfilt (DOMAIN.md IIR-1, through Debian's python3), and
 * for the streaming properties: block-size invariance, steady-state reset, NaN gaps, linearity. */
#include "dsp/iir.h"

#include <complex.h>
#include <stdint.h>
#include <unistd.h>

#include "tests/harness.h"

static const double PI = 3.14159265358979323846;

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

/* Uniform in [-1, 1). */
static double rng_sym(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1p-52 - 1.0;
}

/* ---- configurations ---- */

static mc_iir_config cfg_make(mc_iir_type type, int order, double fs, double f1, double f2)
{
    mc_iir_config c = {type, order, fs, f1, f2};
    return c;
}

/* A spread of orders, rates and edges, including the DOMAIN cases: the PPG band-pass 0.5-8 Hz at
 * 500 Hz (poles near |z| = 0.9956), its odd-order variant with real band-pass poles, and the LDF
 * anti-alias low-pass 4 Hz at 32 Hz. */
static const mc_iir_config configs[] = {
    {MC_IIR_LOWPASS, 1, 500.0, 10.0, 0.0},    {MC_IIR_LOWPASS, 2, 500.0, 8.0, 0.0},
    {MC_IIR_LOWPASS, 3, 100.0, 20.0, 0.0},    {MC_IIR_LOWPASS, 4, 32.0, 4.0, 0.0},
    {MC_IIR_LOWPASS, 8, 32.0, 4.0, 0.0},      {MC_IIR_LOWPASS, 5, 250.0, 1.0, 0.0},
    {MC_IIR_LOWPASS, 8, 1000.0, 50.0, 0.0},   {MC_IIR_LOWPASS, 6, 44100.0, 20000.0, 0.0},
    {MC_IIR_HIGHPASS, 1, 500.0, 0.5, 0.0},    {MC_IIR_HIGHPASS, 2, 500.0, 0.5, 0.0},
    {MC_IIR_HIGHPASS, 4, 100.0, 1.0, 0.0},    {MC_IIR_HIGHPASS, 7, 1000.0, 100.0, 0.0},
    {MC_IIR_HIGHPASS, 8, 32.0, 10.0, 0.0},    {MC_IIR_BANDPASS, 2, 500.0, 0.5, 8.0},
    {MC_IIR_BANDPASS, 1, 500.0, 0.5, 8.0},    {MC_IIR_BANDPASS, 3, 125.0, 0.5, 8.0},
    {MC_IIR_BANDPASS, 4, 32.0, 0.6, 2.0},     {MC_IIR_BANDPASS, 8, 1000.0, 40.0, 60.0},
    {MC_IIR_BANDPASS, 5, 20.0, 0.145, 0.6},   {MC_IIR_BANDPASS, 6, 100.0, 1.0, 45.0},
    {MC_IIR_BANDPASS, 7, 250.0, 0.5, 3.6667},
};
enum { N_CONFIGS = sizeof configs / sizeof configs[0] };

static const char *type_name(mc_iir_type t)
{
    return t == MC_IIR_LOWPASS ? "lowpass" : t == MC_IIR_HIGHPASS ? "highpass" : "bandpass";
}

static void cfg_print(const char *what, const mc_iir_config *c, double value)
{
    printf("%-22s %-8s N=%d fs=%g f1=%g f2=%g: %.3g\n", what, type_name(c->type), c->order,
           c->fs_hz, c->f1_hz, c->type == MC_IIR_BANDPASS ? c->f2_hz : 0.0, value);
}

static mc_iir *make(const mc_iir_config *c)
{
    mc_iir *f = NULL;
    ASSERT_STATUS(mc_iir_create(c, &f), MC_OK);
    ASSERT_TRUE(f != NULL);
    return f;
}

/* ---- analytic response of the sections ---- */

typedef struct sos_set {
    size_t n;
    double c[8 * 6];
} sos_set;

static sos_set sos_of(const mc_iir *f)
{
    sos_set s = {0, {0}};
    s.n = mc_iir_get_sos(f, s.c, 8);
    ASSERT_TRUE(s.n >= 1 && s.n <= 8);
    return s;
}

static double complex response(const sos_set *s, double f_hz, double fs_hz)
{
    double w = 2.0 * PI * f_hz / fs_hz;
    double complex e1 = cos(w) - sin(w) * (double complex)I, e2 = e1 * e1;
    double complex h = 1.0;
    for (size_t i = 0; i < s->n; i++) {
        const double *r = s->c + 6 * i;
        h *= (r[0] + r[1] * e1 + r[2] * e2) / (r[3] + r[4] * e1 + r[5] * e2);
    }
    return h;
}

static double gain_db(const sos_set *s, double f_hz, double fs_hz)
{
    return 20.0 * log10(cabs(response(s, f_hz, fs_hz)));
}

/* Centre of a band-pass: the frequency whose prewarped image is the geometric mean of the
 * prewarped edges (where the prototype sits at DC). */
static double bp_centre(const mc_iir_config *c)
{
    double w1 = tan(PI * c->f1_hz / c->fs_hz), w2 = tan(PI * c->f2_hz / c->fs_hz);
    return atan(sqrt(w1 * w2)) * c->fs_hz / PI;
}

/* ---- configuration ---- */

static void expect_einval(const mc_iir_config *c)
{
    mc_iir *f = (mc_iir *)&f; /* any non-NULL value: create must overwrite it */
    ASSERT_STATUS(mc_iir_create(c, &f), MC_EINVAL);
    ASSERT_TRUE(f == NULL);
}

TEST(config_errors)
{
    const double fs = 500.0;
    expect_einval(NULL);
    for (int t = MC_IIR_LOWPASS; t <= MC_IIR_BANDPASS; t++) {
        mc_iir_type ty = (mc_iir_type)t;
        expect_einval(&(mc_iir_config){ty, 0, fs, 10.0, 20.0});
        expect_einval(&(mc_iir_config){ty, 9, fs, 10.0, 20.0});
        expect_einval(&(mc_iir_config){ty, -1, fs, 10.0, 20.0});
        expect_einval(&(mc_iir_config){ty, 2, 0.0, 10.0, 20.0});
        expect_einval(&(mc_iir_config){ty, 2, -500.0, 10.0, 20.0});
        expect_einval(&(mc_iir_config){ty, 2, (double)NAN, 10.0, 20.0});
        expect_einval(&(mc_iir_config){ty, 2, (double)INFINITY, 10.0, 20.0});
        expect_einval(&(mc_iir_config){ty, 2, fs, 0.0, 20.0});
        expect_einval(&(mc_iir_config){ty, 2, fs, -1.0, 20.0});
        expect_einval(&(mc_iir_config){ty, 2, fs, (double)NAN, 20.0});
        expect_einval(&(mc_iir_config){ty, 2, fs, fs / 2, 300.0});
        expect_einval(&(mc_iir_config){ty, 2, fs, 260.0, 300.0});
    }
    expect_einval(&(mc_iir_config){MC_IIR_BANDPASS, 2, fs, 10.0, 10.0});
    expect_einval(&(mc_iir_config){MC_IIR_BANDPASS, 2, fs, 10.0, 5.0});
    expect_einval(&(mc_iir_config){MC_IIR_BANDPASS, 2, fs, 10.0, fs / 2});
    expect_einval(&(mc_iir_config){MC_IIR_BANDPASS, 2, fs, 10.0, (double)NAN});
    expect_einval(&(mc_iir_config){MC_IIR_BANDPASS, 2, fs, 10.0, (double)INFINITY});
    expect_einval(&(mc_iir_config){(mc_iir_type)3, 2, fs, 10.0, 20.0});
    expect_einval(&(mc_iir_config){(mc_iir_type)-1, 2, fs, 10.0, 20.0});
    ASSERT_STATUS(mc_iir_create(&configs[0], NULL), MC_EINVAL);
    /* Edges so close to DC or Nyquist that the rounded poles would sit on the unit circle. */
    for (int t = MC_IIR_LOWPASS; t <= MC_IIR_BANDPASS; t++) {
        mc_iir_type ty = (mc_iir_type)t;
        expect_einval(&(mc_iir_config){ty, 4, fs, 1e-20 * fs, 2e-20 * fs});
        expect_einval(&(mc_iir_config){ty, 4, fs, nextafter(fs / 2, 0.0), fs / 2});
        if (ty == MC_IIR_BANDPASS)
            expect_einval(&(mc_iir_config){ty, 4, fs, 0.1 * fs, nextafter(fs / 2, 0.0)});
    }

    /* f2 is ignored outside the band-pass; the extreme orders and edges are accepted. */
    mc_iir *f = make(&(mc_iir_config){MC_IIR_LOWPASS, 1, fs, 10.0, -5.0});
    mc_iir_destroy(f);
    f = make(&(mc_iir_config){MC_IIR_HIGHPASS, 8, fs, 249.0, (double)NAN});
    mc_iir_destroy(f);
    f = make(&(mc_iir_config){MC_IIR_BANDPASS, 8, fs, 1e-3, 249.999});
    mc_iir_destroy(f);
    mc_iir_destroy(NULL);
}

/* Section count, a0 = 1, a first-order section exactly when the order is odd (not for the
 * band-pass, whose sections are all second order), stable poles, and get_sos's truncation. */
TEST(sections)
{
    for (int t = MC_IIR_LOWPASS; t <= MC_IIR_BANDPASS; t++) {
        for (int n = 1; n <= 8; n++) {
            mc_iir_config c = cfg_make((mc_iir_type)t, n, 500.0, 5.0, 50.0);
            mc_iir *f = make(&c);
            sos_set s = sos_of(f);
            size_t expect = t == MC_IIR_BANDPASS ? (size_t)n : (size_t)(n + 1) / 2;
            ASSERT_EQ_INT(s.n, expect);
            int first_order = 0;
            for (size_t i = 0; i < s.n; i++) {
                const double *r = s.c + 6 * i;
                ASSERT_TRUE(r[3] == 1.0);
                if (r[2] == 0.0 && r[5] == 0.0)
                    first_order++;
                /* Stability triangle of z^2 + a1 z + a2. */
                ASSERT_TRUE(fabs(r[5]) < 1.0 && fabs(r[4]) < 1.0 + r[5]);
            }
            ASSERT_EQ_INT(first_order, t != MC_IIR_BANDPASS && n % 2);

            double part[2 * 6 + 1];
            for (size_t i = 0; i < sizeof part / sizeof part[0]; i++)
                part[i] = -99.0;
            ASSERT_EQ_INT(mc_iir_get_sos(f, part, 2), expect);
            for (size_t i = 0; i < 6 * (expect < 2 ? expect : 2); i++)
                ASSERT_TRUE(part[i] == s.c[i]);
            ASSERT_TRUE(part[12] == -99.0);
            ASSERT_EQ_INT(mc_iir_get_sos(f, NULL, 0), expect);
            mc_iir_destroy(f);
        }
    }
}

/* ---- frequency response ---- */

/* -3.0103 dB at the cut-off (both edges of a band-pass), for every order and a range of edges
 * from close to DC to close to Nyquist. */
TEST(cutoff_3db)
{
    const double target = -10.0 * log10(2.0);
    const double edges[] = {0.001, 0.01, 0.1, 0.2, 0.3, 0.45};
    double worst = 0.0;
    for (int n = 1; n <= 8; n++) {
        for (size_t e = 0; e < sizeof edges / sizeof edges[0]; e++) {
            const double fs = 1000.0, fc = edges[e] * fs;
            for (int t = MC_IIR_LOWPASS; t <= MC_IIR_HIGHPASS; t++) {
                mc_iir *f = make(&(mc_iir_config){(mc_iir_type)t, n, fs, fc, 0.0});
                sos_set s = sos_of(f);
                double db = gain_db(&s, fc, fs);
                ASSERT_NEAR_F(db, target, 0.01);
                worst = fmax(worst, fabs(db - target));
                mc_iir_destroy(f);
            }
            if (e + 1 < sizeof edges / sizeof edges[0]) {
                double f2 = edges[e + 1] * fs;
                mc_iir *f = make(&(mc_iir_config){MC_IIR_BANDPASS, n, fs, fc, f2});
                sos_set s = sos_of(f);
                ASSERT_NEAR_F(gain_db(&s, fc, fs), target, 0.01);
                ASSERT_NEAR_F(gain_db(&s, f2, fs), target, 0.01);
                worst = fmax(worst, fabs(gain_db(&s, fc, fs) - target));
                worst = fmax(worst, fabs(gain_db(&s, f2, fs) - target));
                mc_iir_destroy(f);
            }
        }
    }
    for (int i = 0; i < N_CONFIGS; i++) {
        mc_iir *f = make(&configs[i]);
        sos_set s = sos_of(f);
        ASSERT_NEAR_F(gain_db(&s, configs[i].f1_hz, configs[i].fs_hz), target, 0.01);
        if (configs[i].type == MC_IIR_BANDPASS)
            ASSERT_NEAR_F(gain_db(&s, configs[i].f2_hz, configs[i].fs_hz), target, 0.01);
        mc_iir_destroy(f);
    }
    printf("worst |dB at cut-off - (-3.0103)| = %.3g dB\n", worst);
}

/* LPF DC gain 1, HPF Nyquist gain 1, band-pass centre gain 1, and the zeros: HPF and band-pass
 * block DC, LPF and band-pass block Nyquist. */
TEST(passband_gain)
{
    double worst = 0.0;
    for (int n = 1; n <= 8; n++) {
        for (int i = 0; i < N_CONFIGS; i++) {
            mc_iir_config c = configs[i];
            c.order = n;
            mc_iir *f = make(&c);
            sos_set s = sos_of(f);
            double fs = c.fs_hz, g, stop0, stop_nyq;
            if (c.type == MC_IIR_LOWPASS)
                g = cabs(response(&s, 0.0, fs));
            else if (c.type == MC_IIR_HIGHPASS)
                g = cabs(response(&s, fs / 2, fs));
            else
                g = cabs(response(&s, bp_centre(&c), fs));
            stop0 = cabs(response(&s, 0.0, fs));
            stop_nyq = cabs(response(&s, fs / 2, fs));
            ASSERT_NEAR_F(g, 1.0, 1e-9);
            worst = fmax(worst, fabs(g - 1.0));
            if (c.type != MC_IIR_LOWPASS)
                ASSERT_NEAR_F(stop0, 0.0, 1e-12);
            if (c.type != MC_IIR_HIGHPASS)
                ASSERT_NEAR_F(stop_nyq, 0.0, 1e-6); /* e^{-j pi} is -1 only to 1e-16 */
            mc_iir_destroy(f);
        }
    }
    printf("worst |pass-band gain - 1| = %.3g\n", worst);
}

/* Spectral mask. A Butterworth filter is maximally flat and monotonic: |H| <= 1 everywhere,
 * >= -3.0103 dB inside the pass band, and at twice the cut-off (half of it for the high-pass,
 * both for a band-pass) the attenuation of order N is 10 log10(1 + 4^N) ~ 6N dB, more with the
 * bilinear transform's compression of frequencies: we require >= 6N - 1 dB. */
TEST(stopband_mask)
{
    for (int n = 1; n <= 8; n++) {
        for (int i = 0; i < N_CONFIGS; i++) {
            mc_iir_config c = configs[i];
            c.order = n;
            const double fs = c.fs_hz, min_att = 6.0 * n - 1.0;
            mc_iir *f = make(&c);
            sos_set s = sos_of(f);
            if (c.type != MC_IIR_HIGHPASS) {
                double edge = c.type == MC_IIR_LOWPASS ? c.f1_hz : c.f2_hz;
                if (2.0 * edge < fs / 2)
                    ASSERT_TRUE(-gain_db(&s, 2.0 * edge, fs) >= min_att);
            }
            if (c.type != MC_IIR_LOWPASS)
                ASSERT_TRUE(-gain_db(&s, c.f1_hz / 2, fs) >= min_att);
            for (int k = 1; k < 2000; k++) {
                double fk = fs / 2 * k / 2000.0;
                double g = cabs(response(&s, fk, fs));
                ASSERT_TRUE(g <= 1.0 + 1e-9);
                int pass = c.type == MC_IIR_LOWPASS    ? fk <= c.f1_hz
                           : c.type == MC_IIR_HIGHPASS ? fk >= c.f1_hz
                                                       : fk >= c.f1_hz && fk <= c.f2_hz;
                if (pass)
                    ASSERT_TRUE(20.0 * log10(g) >= -10.0 * log10(2.0) - 1e-9);
            }
            mc_iir_destroy(f);
        }
    }
}

/* ---- IIR-1: scipy oracle ---- */

/* Debian's python3 prints scipy's impulse responses of n samples for the configurations given as
 * (type, order, fs, f1, f2) groups after n, one value per line, or "SKIP" without numpy/scipy.
 * One process for all configurations: importing scipy costs most of a second. The arguments are
 * printed with 17 digits so that python designs from the same doubles. */
static const char ORACLE[] =
    "import sys\n"
    "try:\n"
    "    import numpy as np\n"
    "    from scipy import signal\n"
    "except ImportError:\n"
    "    print('SKIP')\n"
    "    sys.exit(0)\n"
    "n, a = int(sys.argv[1]), sys.argv[2:]\n"
    "x = np.zeros(n)\n"
    "x[0] = 1.0\n"
    "for i in range(0, len(a), 5):\n"
    "    t, order, fs, f1, f2 = a[i], int(a[i + 1]), float(a[i + 2]), float(a[i + 3]), "
    "float(a[i + 4])\n"
    "    wn = [f1, f2] if t == 'bandpass' else f1\n"
    "    sos = signal.butter(order, wn, btype=t, fs=fs, output='sos')\n"
    "    print('\\n'.join(repr(float(v)) for v in signal.sosfilt(sos, x)))\n";

static const char PYTHON[] = "/usr/bin/python3";

/* Fills ref[n_cfg][n]; returns 0 when python or scipy is missing (the caller skips). */
static int scipy_impulses(const mc_iir_config *c, size_t n_cfg, double *ref, size_t n)
{
    if (access(PYTHON, X_OK) != 0)
        return 0;
    static char cmd[8192];
    size_t len = (size_t)snprintf(cmd, sizeof cmd, "%s -c \"%s\" %zu", PYTHON, ORACLE, n);
    for (size_t i = 0; i < n_cfg && len < sizeof cmd; i++)
        len +=
            (size_t)snprintf(cmd + len, sizeof cmd - len, " %s %d %.17g %.17g %.17g",
                             type_name(c[i].type), c[i].order, c[i].fs_hz, c[i].f1_hz, c[i].f2_hz);
    ASSERT_TRUE(len < sizeof cmd);
    FILE *p = popen(cmd, "r");
    ASSERT_TRUE(p != NULL);
    char line[128];
    size_t got = 0;
    int skip = 0;
    while (fgets(line, sizeof line, p)) {
        if (strncmp(line, "SKIP", 4) == 0) {
            skip = 1;
            break;
        }
        char *end = NULL;
        double v = strtod(line, &end);
        ASSERT_TRUE(end != line);
        ASSERT_TRUE(got < n_cfg * n);
        ref[got++] = v;
    }
    int rc = pclose(p);
    if (skip)
        return 0;
    ASSERT_EQ_INT(rc, 0);
    ASSERT_EQ_INT(got, n_cfg * n);
    return 1;
}

/* IIR-1: the impulse response equals scipy's sosfilt(butter(N, Wn, btype, fs=fs, output='sos'))
 * within 1e-12 of its peak (our sections are paired and ordered differently; the response is the
 * same up to the rounding of the coefficients). */
TEST(scipy_impulse)
{
    enum { N = 6000 };
    static double ref[N_CONFIGS * N], x[N], y[N];
    if (!scipy_impulses(configs, N_CONFIGS, ref, N)) {
        printf("SKIPPED: %s with numpy and scipy is not available; IIR-1 not checked\n", PYTHON);
        return;
    }
    double worst = 0.0;
    for (int i = 0; i < N_CONFIGS; i++) {
        const mc_iir_config *c = &configs[i];
        const double *h = ref + (size_t)i * N;
        mc_iir *f = make(c);
        memset(x, 0, sizeof x);
        x[0] = 1.0;
        mc_iir_process_double(f, x, y, N);
        double peak = 0.0, err = 0.0;
        for (int k = 0; k < N; k++) {
            peak = fmax(peak, fabs(h[k]));
            err = fmax(err, fabs(y[k] - h[k]));
        }
        double rel = err / peak;
        cfg_print("impulse vs scipy", c, rel);
        ASSERT_TRUE(peak > 0.0);
        ASSERT_TRUE(rel <= 1e-12);
        worst = fmax(worst, rel);
        mc_iir_destroy(f);
    }
    printf("worst max|h - h_scipy| / max|h_scipy| = %.3g\n", worst);
}

/* ---- streaming properties ---- */

/* Noise on an offset, with a few NaN runs (one sample, and longer gaps). */
static void test_signal(rng *r, double *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = 100.0 + 10.0 * sin(2.0 * PI * (double)i / 300.0) + rng_sym(r);
    for (int g = 0; g < 6; g++) {
        size_t at = (size_t)(rng_next(r) % (n - 100)), len = 1 + (size_t)(rng_next(r) % 40);
        for (size_t k = 0; k < len; k++)
            x[at + k] = (double)NAN;
    }
}

TEST(block_invariance)
{
    enum { N = 20000 };
    static double x[N], y1[N], y2[N], part[300];
    static float xf[N], yf1[N], yf2[N];
    rng r = {42};
    for (int i = 0; i < N_CONFIGS; i++) {
        test_signal(&r, x, N);
        for (size_t k = 0; k < N; k++) {
            xf[k] = (float)x[k];
            x[k] = (double)xf[k];
        }
        mc_iir *f = make(&configs[i]);
        mc_iir_process_double(f, x, y1, N);
        mc_iir_reset(f);
        mc_iir_process(f, xf, yf1, N);
        mc_iir_reset(f);
        for (size_t at = 0; at < N;) {
            size_t len = (size_t)(rng_next(&r) % 300); /* 0 included */
            if (len > N - at)
                len = N - at;
            mc_iir_process_double(f, x + at, part, len);
            memcpy(y2 + at, part, len * sizeof *y2);
            at += len;
        }
        ASSERT_TRUE(memcmp(y1, y2, sizeof y1) == 0);
        mc_iir_reset(f);
        /* Float path, in place (in and out aliased). */
        memcpy(yf2, xf, sizeof xf);
        for (size_t at = 0; at < N;) {
            size_t len = (size_t)(rng_next(&r) % 300);
            if (len > N - at)
                len = N - at;
            mc_iir_process(f, yf2 + at, yf2 + at, len);
            at += len;
        }
        ASSERT_TRUE(memcmp(yf1, yf2, sizeof yf1) == 0);
        /* The float path is the double path rounded once. */
        for (size_t k = 0; k < N; k++)
            ASSERT_TRUE(isnan(y1[k]) ? isnan(yf1[k]) : yf1[k] == (float)y1[k]);
        mc_iir_destroy(f);
    }
}

static double dc_gain(const mc_iir_config *c)
{
    return c->type == MC_IIR_LOWPASS ? 1.0 : 0.0;
}

/* reset_to(x0) then a constant x0: no transient, the output is DC gain x x0 from the first
 * sample on (within 1e-9 relative; float path within float rounding). */
TEST(reset_to_steady)
{
    enum { N = 20000 };
    static double x[N], y[N];
    static float xf[N], yf[N];
    const double levels[] = {123.456, -7.5e3, 1e-3, 0.0};
    double worst = 0.0;
    for (int i = 0; i < N_CONFIGS; i++) {
        mc_iir *f = make(&configs[i]);
        for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
            double x0 = levels[l], expect = dc_gain(&configs[i]) * x0;
            for (size_t k = 0; k < N; k++) {
                x[k] = x0;
                xf[k] = (float)x0;
            }
            mc_iir_reset_to(f, x0);
            mc_iir_process_double(f, x, y, N);
            for (size_t k = 0; k < N; k++) {
                ASSERT_NEAR_F(y[k], expect, 1e-9 * fabs(x0));
                worst = fmax(worst, fabs(y[k] - expect) / (fabs(x0) > 0 ? fabs(x0) : 1.0));
            }
            mc_iir_reset_to(f, (double)(float)x0);
            mc_iir_process(f, xf, yf, N);
            for (size_t k = 0; k < N; k++)
                ASSERT_NEAR_F(yf[k], expect, 1e-6 * fabs(x0));
        }
        /* Without reset_to, a zero state rings at a step: the test above is not vacuous. */
        mc_iir_reset(f);
        for (size_t k = 0; k < N; k++)
            x[k] = 100.0;
        mc_iir_process_double(f, x, y, N);
        double ring = 0.0;
        for (size_t k = 0; k < N; k++)
            ring = fmax(ring, fabs(y[k] - dc_gain(&configs[i]) * 100.0));
        ASSERT_TRUE(ring > 1.0);
        mc_iir_destroy(f);
    }
    printf("worst |y - G x0| / |x0| after reset_to = %.3g\n", worst);
}

/* A NaN gap: NaN out for every missing sample, then the filter restarts at the steady state of
 * the first new sample, i.e. exactly as a fresh filter after reset_to(that sample). A constant
 * after the gap therefore comes out at once, with no ringing, even after a level jump. +-Inf
 * counts as missing too. */
TEST(nan_gap_restart)
{
    enum { N1 = 3000, GAP = 25, N2 = 3000, N = N1 + GAP + N2 };
    static double x[N], y[N], y_ref[N2];
    rng r = {7};
    for (int i = 0; i < N_CONFIGS; i++) {
        const mc_iir_config *c = &configs[i];
        for (int variant = 0; variant < 3; variant++) {
            for (size_t k = 0; k < N1; k++)
                x[k] = 50.0 + rng_sym(&r);
            for (size_t k = N1; k < N1 + GAP; k++)
                x[k] = variant == 2 && k % 2 ? (double)-INFINITY : (double)NAN;
            for (size_t k = N1 + GAP; k < N; k++)
                x[k] = variant == 0 ? 200.0 : 200.0 + 5.0 * rng_sym(&r);
            mc_iir *f = make(c);
            mc_iir_process_double(f, x, y, N);
            for (size_t k = N1; k < N1 + GAP; k++)
                ASSERT_TRUE(isnan(y[k]));
            for (size_t k = 0; k < N1; k++)
                ASSERT_TRUE(isfinite(y[k]));
            if (variant == 0) {
                for (size_t k = N1 + GAP; k < N; k++)
                    ASSERT_NEAR_F(y[k], dc_gain(c) * 200.0, 1e-9 * 200.0);
            }
            mc_iir *g = make(c);
            mc_iir_reset_to(g, x[N1 + GAP]);
            mc_iir_process_double(g, x + N1 + GAP, y_ref, N2);
            ASSERT_TRUE(memcmp(y + N1 + GAP, y_ref, sizeof y_ref) == 0);
            mc_iir_destroy(g);
            mc_iir_destroy(f);
        }
    }
    /* reset_to a non-finite value waits for the first finite sample. */
    mc_iir *f = make(&configs[13]);
    mc_iir_reset_to(f, (double)NAN);
    double in[3] = {(double)NAN, 7.0, 7.0}, out[3];
    mc_iir_process_double(f, in, out, 3);
    ASSERT_TRUE(isnan(out[0]));
    ASSERT_NEAR_F(out[1], 0.0, 1e-12);
    ASSERT_NEAR_F(out[2], 0.0, 1e-12);
    mc_iir_destroy(f);
}

/* Superposition and time shift, from zero states (double path). */
TEST(linearity)
{
    enum { N = 8000, SHIFT = 37 };
    static double x1[N], x2[N], x3[N], y1[N], y2[N], y3[N];
    const double a = 2.5, b = -0.75;
    rng r = {99};
    double worst = 0.0;
    for (int i = 0; i < N_CONFIGS; i++) {
        for (size_t k = 0; k < N; k++) {
            x1[k] = rng_sym(&r);
            x2[k] = rng_sym(&r) * 10.0;
            x3[k] = a * x1[k] + b * x2[k];
        }
        mc_iir *f = make(&configs[i]);
        mc_iir_process_double(f, x1, y1, N);
        mc_iir_reset(f);
        mc_iir_process_double(f, x2, y2, N);
        mc_iir_reset(f);
        mc_iir_process_double(f, x3, y3, N);
        double peak = 0.0, err = 0.0;
        for (size_t k = 0; k < N; k++) {
            peak = fmax(peak, fabs(y3[k]));
            err = fmax(err, fabs(y3[k] - (a * y1[k] + b * y2[k])));
        }
        ASSERT_TRUE(err <= 1e-12 * peak);
        worst = fmax(worst, err / peak);

        /* Delaying the input by SHIFT zeros delays the output exactly. */
        memmove(x3 + SHIFT, x1, (N - SHIFT) * sizeof *x1);
        memset(x3, 0, SHIFT * sizeof *x3);
        mc_iir_reset(f);
        mc_iir_process_double(f, x3, y3, N);
        for (size_t k = 0; k < SHIFT; k++)
            ASSERT_TRUE(y3[k] == 0.0);
        ASSERT_TRUE(memcmp(y3 + SHIFT, y1, (N - SHIFT) * sizeof *y1) == 0);
        mc_iir_destroy(f);
    }
    printf("worst superposition error / peak = %.3g\n", worst);
}
