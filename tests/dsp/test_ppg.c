/* SPDX-License-Identifier: MIT */
/* tests/dsp/test_ppg.c: the PPG analyser against analytic truth: the simulator's exact beat PI and
 * HR over rates and values, the DOMAIN.md 1.8 tests PI-1..PI-6 (sine, drift, harmonics, PVI,
 * edge cases with floating-point traps, polarity), motion artefacts and dropouts against the
 * simulator's truth events, block-size invariance, the urethral scale and the configuration.
 * Measured worst errors go to stderr for the report. */
#define _GNU_SOURCE /* feenableexcept */
#include "dsp/ppg.h"

#include <fenv.h>
#include <stdint.h>
#include <time.h>

#include "acquisition/sim.h"
#include "tests/harness.h"

static const double PI = 3.14159265358979323846;
enum { NF = MC_PPG_N_FEATURES };

/* ---- rows ---- */

typedef struct row_rec {
    int64_t end;
    double v[NF]; /* the row's float, widened */
    uint8_t st[NF];
} row_rec;

typedef struct rows {
    row_rec *r;
    size_t n, cap;
} rows;

/* Every row keeps the contract: a value is a finite number exactly when its status is OK. */
static void emit_row(void *ctx, const mc_analysis_row *row)
{
    rows *rs = ctx;
    ASSERT_EQ_INT(row->n_features, NF);
    ASSERT_TRUE(row->end_t_ns == INT64_MIN);
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? 2 * rs->cap : 64;
        rs->r = realloc(rs->r, rs->cap * sizeof *rs->r);
        ASSERT_TRUE(rs->r != NULL);
    }
    row_rec *r = &rs->r[rs->n++];
    r->end = row->end_index;
    for (int k = 0; k < NF; k++) {
        r->v[k] = (double)row->value[k];
        r->st[k] = row->status[k];
        ASSERT_TRUE(row->status[k] <= MC_FS_NOT_AVAILABLE);
        if (row->status[k] == MC_FS_OK)
            ASSERT_TRUE(isfinite(row->value[k]));
        else
            ASSERT_TRUE(isnan(row->value[k]));
    }
}

static mc_analyser *make(const mc_ppg_config *cfg, double fs, uint32_t nch, const char *site)
{
    mc_ppg_config def = mc_ppg_config_default();
    mc_analyser *a = NULL;
    mc_diag d;
    mc_status st = mc_ppg_analyser_create(cfg ? cfg : &def, fs, nch, 0, site, &d, &a);
    if (st != MC_OK)
        fprintf(stderr, "create: %s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    return a;
}

/* Analyse n frames of nch channels (channel 0) in one call, or when seed != 0 in random blocks,
 * half of them of 1 to 3 frames (as a live source may deliver) and half of up to 700. */
static rows analyse_blocks(const float *x, size_t n, uint32_t nch, double fs,
                           const mc_ppg_config *cfg, const char *site, uint64_t seed)
{
    rows rs = {NULL, 0, 0};
    mc_analyser *a = make(cfg, fs, nch, site);
    if (!seed) {
        mc_analyser_process(a, x, NULL, n, nch, emit_row, &rs);
    } else {
        size_t i = 0;
        while (i < n) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            size_t b = 1 + (size_t)((seed >> 33) % (seed & 1 ? 700 : 3));
            if (b > n - i)
                b = n - i;
            mc_analyser_process(a, x + i * nch, NULL, b, nch, emit_row, &rs);
            i += b;
        }
    }
    mc_analyser_destroy(a);
    return rs;
}

static rows analyse(const float *x, size_t n, uint32_t nch, double fs, const mc_ppg_config *cfg,
                    const char *site)
{
    return analyse_blocks(x, n, nch, fs, cfg, site, 0);
}

/* ---- the simulator ---- */

typedef struct sim_run {
    float *x; /* [n * 2] ir, red */
    size_t n;
    double fs;
    double on[64], off[64]; /* motion or dropout intervals, s */
    size_t n_iv;
} sim_run;

/* spec "k=v,k=v"; intervals of the events whose kind starts with iv_kind ("motion", "dropout"). */
static sim_run sim_make(const char *spec, double seconds, const char *iv_kind)
{
    char buf[512], *save = NULL;
    mc_kv kv[16];
    size_t nkv = 0;
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *tok = strtok_r(buf, ",", &save); tok && nkv < 16; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        ASSERT_TRUE(eq != NULL);
        *eq = '\0';
        kv[nkv++] = (mc_kv){tok, eq + 1};
    }
    mc_sim *s = NULL;
    mc_diag d;
    mc_status st = mc_sim_create("ppg", "ppg_test", kv, nkv, &d, &s);
    if (st != MC_OK)
        fprintf(stderr, "sim: %s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    sim_run r = {0};
    r.fs = mc_sim_get_rate(s);
    r.n = (size_t)nearbyint(seconds * r.fs);
    r.x = malloc(r.n * 2 * sizeof *r.x);
    ASSERT_TRUE(r.x != NULL);
    (void)mc_sim_read(s, r.n, r.x, NULL);
    mc_event ev;
    while (mc_sim_pop_event(s, &ev)) {
        if (!iv_kind || strncmp(ev.kind, iv_kind, strlen(iv_kind)) != 0)
            continue;
        double t = (double)ev.t_ns * 1e-9;
        if (strstr(ev.kind, "_start") && r.n_iv < 64)
            r.on[r.n_iv] = t, r.off[r.n_iv++] = seconds + 100;
        else if (strstr(ev.kind, "_end") && r.n_iv > 0)
            r.off[r.n_iv - 1] = t;
    }
    mc_sim_destroy(s);
    return r;
}

static int overlaps(const sim_run *r, double a, double b)
{
    for (size_t i = 0; i < r->n_iv; i++)
        if (r->on[i] < b && r->off[i] > a)
            return 1;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* The simulator's truth (acquisition/sim.c): beat k starts at k 60/hr, PI_k = a_k / DC with
 * a_k = a0 (1 + m sin(2 pi resp/60 t_k)), m = pvi / (200 - pvi). A window's truth is the median
 * over its beats; with the respiratory modulation that median moves by up to 2 % when one beat
 * more or less is counted, and a beat whose last foot is at the window's very end cannot be seen
 * whole. So the truth is the median over the beats that lie in [t0, t1], or over that set less
 * its first or last beat, whichever is closest to the measured value. */
/* The median of v[n] (n <= 512), or of v less its first or last value, whichever is closest to
 * the measured value (see above). */
static double best_median(const double *v, size_t n, double measured)
{
    double w[512], best = (double)NAN;
    for (size_t drop = 0; drop < 4 && n > 2; drop++) {
        size_t lo = drop & 1, hi = n - (drop >> 1);
        memcpy(w, v + lo, (hi - lo) * sizeof *w);
        double t = median_of(w, hi - lo);
        if (isnan(best) || fabs(t - measured) < fabs(best - measured))
            best = t;
    }
    return best;
}

static double sim_truth_pi(double hr, double pi, double pvi, double t0, double t1, double measured)
{
    double v[512], m = pvi / (200.0 - pvi), period = 60.0 / hr;
    size_t n = 0;
    for (long k = (long)ceil(t0 / period - 1e-9); (k + 1) * period <= t1 + 1e-9 && n < 512; k++)
        v[n++] = pi * (1.0 + m * sin(2 * PI * 14.0 / 60.0 * k * period));
    return best_median(v, n, measured);
}

/* ---- configuration and creation ---- */

TEST(config)
{
    mc_ppg_config c = mc_ppg_config_default();
    ASSERT_NEAR_F(c.window_s, 8, 0);
    ASSERT_NEAR_F(c.hop_s, 1, 0);
    ASSERT_NEAR_F(c.pvi_window_s, 15, 0);
    ASSERT_NEAR_F(c.f_lo_hz, 0.5, 0);
    ASSERT_NEAR_F(c.f_hi_hz, 8, 0);
    ASSERT_NEAR_F(c.hr_min_bpm, 30, 0);
    ASSERT_NEAR_F(c.hr_max_bpm, 220, 0);
    ASSERT_NEAR_F(c.sqi_threshold, 0.86, 0);
    ASSERT_NEAR_F(c.low_perf_pi, 0.2, 0);
    ASSERT_NEAR_F(c.low_perf_upi, 1.0, 0);
    mc_diag d;
    ASSERT_STATUS(mc_ppg_config_set(&c, "window_s", "10", &d), MC_OK);
    ASSERT_NEAR_F(c.window_s, 10, 0);
    ASSERT_STATUS(mc_ppg_config_set(&c, "sqi_threshold", "0.9", &d), MC_OK);
    ASSERT_NEAR_F(c.sqi_threshold, 0.9, 0);
    ASSERT_STATUS(mc_ppg_config_set(&c, "min_beats", "4", &d), MC_OK);
    ASSERT_STATUS(mc_ppg_config_set(&c, "polarity", "upright", &d), MC_OK);
    ASSERT_EQ_INT(c.polarity, 1);
    ASSERT_STATUS(mc_ppg_config_set(&c, "polarity", "inverted", &d), MC_OK);
    ASSERT_EQ_INT(c.polarity, -1);
    ASSERT_STATUS(mc_ppg_config_set(&c, "baseline", "linear", &d), MC_OK);
    ASSERT_EQ_INT(c.cubic_baseline, 0);

    /* Refusals leave the configuration unchanged and say why. */
    const mc_ppg_config before = c;
    ASSERT_STATUS(mc_ppg_config_set(&c, "windows", "8", &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "windows") != NULL);
    ASSERT_STATUS(mc_ppg_config_set(&c, NULL, "8", NULL), MC_EINVAL);
    ASSERT_STATUS(mc_ppg_config_set(&c, "window_s", " 9 ", NULL), MC_OK); /* blanks around */
    ASSERT_NEAR_F(c.window_s, 9, 0);
    c.window_s = before.window_s;
    static const char *const bad[] = {"",      "abc", "8s", "nan", "inf", "0x10",
                                      "1e999", "8 8", "-1", "1e3", NULL};
    for (int i = 0; bad[i]; i++) {
        ASSERT_STATUS(mc_ppg_config_set(&c, "window_s", bad[i], &d), MC_EINVAL);
        ASSERT_TRUE(strstr(d.message, "window_s") != NULL);
    }
    ASSERT_STATUS(mc_ppg_config_set(&c, "window_s", NULL, &d), MC_EINVAL);
    ASSERT_STATUS(mc_ppg_config_set(&c, "min_beats", "3.5", &d), MC_EINVAL);
    ASSERT_STATUS(mc_ppg_config_set(&c, "hop_s", "0", &d), MC_EINVAL);
    ASSERT_STATUS(mc_ppg_config_set(&c, "sqi_threshold", "1.01", &d), MC_EINVAL);
    ASSERT_STATUS(mc_ppg_config_set(&c, "pvi_percentile", "40", &d), MC_EINVAL);
    ASSERT_STATUS(mc_ppg_config_set(&c, "polarity", "up", &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "polarity") != NULL);
    ASSERT_STATUS(mc_ppg_config_set(&c, "baseline", "spline", &d), MC_EINVAL);
    ASSERT_TRUE(memcmp(&before, &c, sizeof c) == 0);
}

TEST(create_errors)
{
    mc_ppg_config c = mc_ppg_config_default();
    mc_analyser *a = (mc_analyser *)&c;
    mc_diag d;
    ASSERT_STATUS(mc_ppg_analyser_create(NULL, 125, 1, 0, NULL, &d, &a), MC_EINVAL);
    ASSERT_TRUE(a == NULL);
    static const double bad_fs[] = {0, -125, (double)NAN, (double)INFINITY, 10 /* > Nyquist */};
    for (int i = 0; i < 5; i++) {
        a = (mc_analyser *)&c;
        ASSERT_STATUS(mc_ppg_analyser_create(&c, bad_fs[i], 1, 0, NULL, &d, &a), MC_EINVAL);
        ASSERT_TRUE(a == NULL && d.message[0] != '\0');
    }
    ASSERT_STATUS(mc_ppg_analyser_create(&c, 125, 2, 2, NULL, &d, &a), MC_EINVAL);
    ASSERT_STATUS(mc_ppg_analyser_create(&c, 125, 0, 0, NULL, &d, &a), MC_EINVAL);
    mc_ppg_config e = c;
    e.hop_s = 9;
    ASSERT_STATUS(mc_ppg_analyser_create(&e, 125, 1, 0, NULL, &d, &a), MC_EINVAL);
    e = c;
    e.pvi_window_s = 5;
    ASSERT_STATUS(mc_ppg_analyser_create(&e, 125, 1, 0, NULL, &d, &a), MC_EINVAL);
    e = c;
    e.f_lo_hz = 9;
    ASSERT_STATUS(mc_ppg_analyser_create(&e, 125, 1, 0, NULL, &d, &a), MC_EINVAL);
    e = c;
    e.sqi_threshold = (double)NAN;
    ASSERT_STATUS(mc_ppg_analyser_create(&e, 125, 1, 0, NULL, &d, &a), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "sqi_threshold") != NULL);
    e = c;
    e.polarity = 2;
    ASSERT_STATUS(mc_ppg_analyser_create(&e, 125, 1, 0, NULL, &d, &a), MC_EINVAL);

    /* The feature table: DESIGN.md vocabulary plus pi_rms, in the documented order. */
    ASSERT_STATUS(mc_ppg_analyser_create(&c, 125, 3, 2, "finger", &d, &a), MC_OK);
    static const char *const names[NF] = {"hr", "pi", "pi_spectral", "pi_rms", "pvi", "sqi"};
    static const char *const units[NF] = {"bpm", "%", "%", "%", "%", "1"};
    ASSERT_EQ_INT(mc_analyser_get_n_features(a), NF);
    for (size_t k = 0; k < NF; k++) {
        const mc_feature_def *f = mc_analyser_get_feature(a, k);
        ASSERT_STR_EQ(f->name, names[k]);
        ASSERT_STR_EQ(f->unit, units[k]);
        ASSERT_TRUE(strstr(f->algorithm, "DOMAIN.md") != NULL);
    }
    ASSERT_TRUE(mc_analyser_get_feature(a, NF) == NULL);
    ASSERT_TRUE(strstr(mc_analyser_get_parameters(a), "window_s=8 ") != NULL);
    ASSERT_TRUE(strstr(mc_analyser_get_parameters(a), "site=finger") != NULL);
    mc_analyser_destroy(a);
    mc_analyser_destroy(NULL);
}

/* The first row comes with the first full window, then one per hop; a pending row stops push. */
TEST(rows_and_hops)
{
    sim_run r = sim_make("rate=125,hr=75", 20.0, NULL);
    mc_analyser *a = make(NULL, 125, 2, NULL);
    mc_analysis_row row;
    ASSERT_EQ_INT(mc_analyser_push(a, r.x, NULL, r.n), 1000);
    ASSERT_EQ_INT(mc_analyser_push(a, r.x + 2000, NULL, r.n - 1000), 0);
    ASSERT_EQ_INT(mc_analyser_pop(a, &row), 1);
    ASSERT_EQ_INT(row.end_index, 1000);
    ASSERT_EQ_INT(mc_analyser_pop(a, &row), 0);
    ASSERT_EQ_INT(mc_analyser_push(a, r.x + 2000, NULL, r.n - 1000), 125);
    ASSERT_EQ_INT(mc_analyser_pop(a, &row), 1);
    ASSERT_EQ_INT(row.end_index, 1125);
    mc_analyser_destroy(a);
    rows rs = analyse(r.x, r.n, 2, r.fs, NULL, NULL);
    ASSERT_EQ_INT(rs.n, 13);
    for (size_t i = 0; i < rs.n; i++)
        ASSERT_EQ_INT(rs.r[i].end, 1000 + 125 * (int64_t)i);
    ASSERT_EQ_INT(rs.r[0].st[MC_PPG_PVI], MC_FS_INSUFFICIENT_LENGTH);
    ASSERT_EQ_INT(rs.r[7].st[MC_PPG_PVI], MC_FS_OK); /* 15 s seen */
    free(rs.r);
    free(r.x);
}

/* ---- accuracy on the simulator ---- */

/* With pvi = 0 every beat has the set PI: each window within 1 % of it. With the default
 * respiratory modulation (pvi 10 %) the beat PIs follow an arcsine distribution, dense at the
 * extremes and sparse at the median, so one beat's noise moves a window's median by up to 2 %:
 * each window within 2 % of its truth, and the median of the windows within 1 % of the set
 * value. */
TEST(pi_sim)
{
    static const double rates[] = {100, 125, 250, 500}, pis[] = {0.3, 1, 2, 5, 10};
    for (int ir = 0; ir < 4; ir++) {
        double worst0 = 0, worst_w = 0, worst_set = 0, worst_med = 0;
        for (int ip = 0; ip < 5; ip++) {
            for (int pvi = 0; pvi <= 10; pvi += 10) {
                char spec[128];
                snprintf(spec, sizeof spec, "rate=%g,pi=%g,hr=75,seed=3,pvi=%d", rates[ir], pis[ip],
                         pvi);
                sim_run r = sim_make(spec, pvi ? 60.0 : 30.0, NULL);
                rows rs = analyse(r.x, r.n, 2, r.fs, NULL, NULL);
                ASSERT_EQ_INT(rs.n, pvi ? 53 : 23);
                double meds[64];
                for (size_t i = 0; i < rs.n; i++) {
                    const row_rec *w = &rs.r[i];
                    ASSERT_EQ_INT(w->st[MC_PPG_PI], MC_FS_OK);
                    ASSERT_EQ_INT(w->st[MC_PPG_HR], MC_FS_OK);
                    ASSERT_TRUE(w->v[MC_PPG_SQI] > 0.95);
                    double v = w->v[MC_PPG_PI], t1 = (double)w->end / r.fs;
                    double truth = sim_truth_pi(75, pis[ip], pvi, t1 - 8.0, t1, v);
                    double e_set = fabs(v / pis[ip] - 1.0);
                    if (pvi == 0) {
                        worst0 = fmax(worst0, e_set);
                        ASSERT_NEAR_F(v, pis[ip], 0.01 * pis[ip]);
                        continue;
                    }
                    worst_w = fmax(worst_w, fabs(v / truth - 1.0));
                    worst_set = fmax(worst_set, e_set);
                    ASSERT_NEAR_F(v, truth, 0.02 * truth);
                    meds[i] = v;
                }
                if (pvi) {
                    double med = median_of(meds, rs.n);
                    worst_med = fmax(worst_med, fabs(med / pis[ip] - 1.0));
                    ASSERT_NEAR_F(med, pis[ip], 0.01 * pis[ip]);
                }
                free(rs.r);
                free(r.x);
            }
        }
        fprintf(stderr,
                "pi_sim %g Hz: pvi 0: worst |pi/set-1| %.3f %%; pvi 10: worst per window vs its "
                "truth %.3f %%, vs set value %.3f %%, median of windows vs set %.3f %%\n",
                rates[ir], 100 * worst0, 100 * worst_w, 100 * worst_set, 100 * worst_med);
    }
}

TEST(hr_sim)
{
    static const double rates[] = {100, 125, 250, 500}, hrs[] = {40, 60, 90, 120, 150, 180};
    for (int ir = 0; ir < 4; ir++) {
        double worst = 0, worst_pi = 0;
        for (int ih = 0; ih < 6; ih++) {
            char spec[128];
            snprintf(spec, sizeof spec, "rate=%g,hr=%g,pi=1.5,seed=5", rates[ir], hrs[ih]);
            sim_run r = sim_make(spec, 30.0, NULL);
            rows rs = analyse(r.x, r.n, 2, r.fs, NULL, NULL);
            ASSERT_EQ_INT(rs.n, 23);
            for (size_t i = 0; i < rs.n; i++) {
                ASSERT_EQ_INT(rs.r[i].st[MC_PPG_HR], MC_FS_OK);
                ASSERT_EQ_INT(rs.r[i].st[MC_PPG_PI], MC_FS_OK);
                worst = fmax(worst, fabs(rs.r[i].v[MC_PPG_HR] - hrs[ih]));
                ASSERT_NEAR_F(rs.r[i].v[MC_PPG_HR], hrs[ih], 0.5);
                double t1 = (double)rs.r[i].end / r.fs;
                double truth = sim_truth_pi(hrs[ih], 1.5, 10, t1 - 8, t1, rs.r[i].v[MC_PPG_PI]);
                worst_pi = fmax(worst_pi, fabs(rs.r[i].v[MC_PPG_PI] / truth - 1));
                ASSERT_NEAR_F(rs.r[i].v[MC_PPG_PI], truth, 0.02 * truth);
            }
            free(rs.r);
            free(r.x);
        }
        fprintf(stderr, "hr_sim %g Hz: worst |hr - truth| %.3f bpm over 40-180 bpm (pi %.3f %%)\n",
                rates[ir], worst, 100 * worst_pi);
    }
}

/* Motion artefacts (simulator truth intervals): a window that overlaps one is flagged MOTION or
 * its PI stays within 2 % of the truth; clean windows are OK within 1 %. */
TEST(motion)
{
    sim_run r = sim_make("rate=125,hr=72,pi=2,pvi=0,motion=4,seed=11", 240.0, "motion");
    ASSERT_TRUE(r.n_iv >= 8);
    rows rs = analyse(r.x, r.n, 2, r.fs, NULL, NULL);
    size_t flagged = 0, hit = 0, kept = 0;
    double worst_in = 0, worst_out = 0;
    for (size_t i = 0; i < rs.n; i++) {
        const row_rec *w = &rs.r[i];
        double t1 = (double)w->end / r.fs, t0 = t1 - 8.0;
        if (overlaps(&r, t0, t1)) {
            hit++;
            if (w->st[MC_PPG_PI] == MC_FS_MOTION) {
                flagged++;
                ASSERT_EQ_INT(w->st[MC_PPG_HR], MC_FS_MOTION);
                continue;
            }
            ASSERT_EQ_INT(w->st[MC_PPG_PI], MC_FS_OK);
            kept++;
            worst_in = fmax(worst_in, fabs(w->v[MC_PPG_PI] / 2.0 - 1));
            ASSERT_NEAR_F(w->v[MC_PPG_PI], 2.0, 0.02 * 2.0);
        } else {
            ASSERT_EQ_INT(w->st[MC_PPG_PI], MC_FS_OK);
            worst_out = fmax(worst_out, fabs(w->v[MC_PPG_PI] / 2.0 - 1));
            ASSERT_NEAR_F(w->v[MC_PPG_PI], 2.0, 0.01 * 2.0);
        }
    }
    fprintf(stderr,
            "motion: %zu intervals, %zu windows overlap them: %zu MOTION, %zu kept (worst %.2f "
            "%%); clean windows worst %.2f %%\n",
            r.n_iv, hit, flagged, kept, 100 * worst_in, 100 * worst_out);
    ASSERT_TRUE(flagged >= 1);
    free(rs.r);
    free(r.x);
}

/* Dropouts: partially dropped windows are NO_SIGNAL or keep their PI; a fully dropped window is
 * NO_SIGNAL in every feature; the analyser recovers after the gap. */
TEST(dropout)
{
    sim_run r = sim_make("rate=250,hr=80,pi=1,pvi=0,dropout=6,seed=2", 180.0, "dropout");
    ASSERT_TRUE(r.n_iv >= 6);
    rows rs = analyse(r.x, r.n, 2, r.fs, NULL, NULL);
    size_t lost = 0, kept = 0;
    double worst = 0;
    for (size_t i = 0; i < rs.n; i++) {
        const row_rec *w = &rs.r[i];
        double t1 = (double)w->end / r.fs;
        if (overlaps(&r, t1 - 8.0, t1) && w->st[MC_PPG_PI] != MC_FS_OK) {
            ASSERT_EQ_INT(w->st[MC_PPG_PI], MC_FS_NO_SIGNAL);
            lost++;
            continue;
        }
        ASSERT_EQ_INT(w->st[MC_PPG_PI], MC_FS_OK);
        kept += overlaps(&r, t1 - 8.0, t1);
        worst = fmax(worst, fabs(w->v[MC_PPG_PI] - 1.0));
        ASSERT_NEAR_F(w->v[MC_PPG_PI], 1.0, 0.02);
    }
    fprintf(stderr,
            "dropout: %zu intervals; overlapping windows %zu NO_SIGNAL, %zu kept; worst "
            "pi error %.2f %%\n",
            r.n_iv, lost, kept, 100 * worst);
    free(rs.r);

    /* 20 s of NaN from 30 s: windows entirely inside are NO_SIGNAL throughout. */
    for (size_t i = (size_t)(30 * r.fs); i < (size_t)(50 * r.fs); i++)
        r.x[2 * i] = NAN;
    rs = analyse(r.x, r.n, 2, r.fs, NULL, NULL);
    size_t inside = 0;
    for (size_t i = 0; i < rs.n; i++) {
        double t1 = (double)rs.r[i].end / r.fs;
        if (t1 - 8 >= 30 && t1 <= 50) {
            inside++;
            for (int k = 0; k < NF; k++)
                ASSERT_EQ_INT(rs.r[i].st[k], MC_FS_NO_SIGNAL);
        }
        if (t1 >= 75 && !overlaps(&r, t1 - 8.0, t1))
            ASSERT_EQ_INT(rs.r[i].st[MC_PPG_PI], MC_FS_OK);
    }
    ASSERT_EQ_INT(inside, 13);
    free(rs.r);
    free(r.x);
}

/* ---- DOMAIN.md 1.8 ---- */

/* x = D + (a/2) sin(2 pi f t) + drift(t), in one channel. */
static float *sine(size_t n, double fs, double dc, double a, double f, double drift)
{
    float *x = malloc(n * sizeof *x);
    ASSERT_TRUE(x != NULL);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / fs;
        x[i] = (float)(dc + 0.5 * a * sin(2 * PI * f * t) + drift * sin(2 * PI * 0.1 * t));
    }
    return x;
}

/* PI-1: DC 1e4 + 50 sin(2 pi 1.5 t) at 125 Hz: 1.000 % by every method. */
TEST(pi1_sine)
{
    const size_t n = 40 * 125;
    float *x = sine(n, 125, 1e4, 100, 1.5, 0);
    rows rs = analyse(x, n, 1, 125, NULL, NULL);
    double w[3] = {0, 0, 0};
    for (size_t i = 0; i < rs.n; i++) {
        for (int k = MC_PPG_PI; k <= MC_PPG_PI_RMS; k++) {
            ASSERT_EQ_INT(rs.r[i].st[k], MC_FS_OK);
            if (k == MC_PPG_PI_RMS && i < 2)
                continue; /* the causal band-pass settles over the stream's first seconds */
            w[k - MC_PPG_PI] = fmax(w[k - MC_PPG_PI], fabs(rs.r[i].v[k] - 1.0));
            ASSERT_NEAR_F(rs.r[i].v[k], 1.0, 0.005);
        }
        ASSERT_NEAR_F(rs.r[i].v[MC_PPG_HR], 90.0, 0.5);
        ASSERT_NEAR_F(rs.r[i].v[MC_PPG_SQI], 1.0, 0.01);
    }
    fprintf(stderr, "PI-1: worst |pi-1| %.5f %%, pi_spectral %.5f %%, pi_rms %.5f %% (relative)\n",
            100 * w[0], 100 * w[1], 100 * w[2]);
    free(rs.r);
    free(x);
}

/* PI-2: the same plus a 0.1 Hz drift of amplitude 5a. The truth per beat is a / (D + the drift's
 * mean over the beat), the window's the median over its beats (with or without an edge beat, as
 * for the simulator); beat-wise PI follows it within 2 %, where the naive (max - min) / mean over
 * the window is far off. The linear onset baseline of DOMAIN.md 1.2 is shown for comparison. */
TEST(pi2_drift)
{
    const double fs = 125, f = 1.5, period = 1 / f;
    const size_t n = 60 * 125;
    float *x = sine(n, fs, 1e4, 100, f, 500);
    mc_ppg_config lin = mc_ppg_config_default();
    lin.cubic_baseline = 0;
    rows rs = analyse(x, n, 1, fs, NULL, NULL), rl = analyse(x, n, 1, fs, &lin, NULL);
    ASSERT_EQ_INT(rs.n, rl.n);
    double worst = 0, worst_lin = 0, worst_naive = 0;
    for (size_t i = 0; i < rs.n; i++) {
        double t1 = (double)rs.r[i].end / fs, t0 = t1 - 8;
        /* Beats start at the sine's maxima of intensity (troughs of the inverted pulse). */
        double v[16];
        size_t m = 0;
        for (double tb = ceil((t0 - 0.25 * period) / period) * period + 0.25 * period;
             tb + period <= t1; tb += period) {
            double mean_drift = 500 * (cos(2 * PI * 0.1 * tb) - cos(2 * PI * 0.1 * (tb + period))) /
                                (2 * PI * 0.1 * period);
            v[m++] = 100 * 100 / (1e4 + mean_drift);
        }
        double truth = best_median(v, m, rs.r[i].v[MC_PPG_PI]), lo = (double)INFINITY,
               hi = -(double)INFINITY, sum = 0;
        for (size_t j = rs.r[i].end - 1000; j < (size_t)rs.r[i].end; j++) {
            lo = fmin(lo, (double)x[j]);
            hi = fmax(hi, (double)x[j]);
            sum += (double)x[j];
        }
        worst_naive = fmax(worst_naive, fabs(100 * (hi - lo) / (sum / 1000) / truth - 1));
        ASSERT_EQ_INT(rs.r[i].st[MC_PPG_PI], MC_FS_OK);
        worst = fmax(worst, fabs(rs.r[i].v[MC_PPG_PI] / truth - 1));
        ASSERT_NEAR_F(rs.r[i].v[MC_PPG_PI], truth, 0.02 * truth);
        if (rl.r[i].st[MC_PPG_PI] == MC_FS_OK)
            worst_lin = fmax(worst_lin, fabs(rl.r[i].v[MC_PPG_PI] / truth - 1));
    }
    fprintf(stderr,
            "PI-2: worst beat-wise error %.3f %% (cubic baseline), %.3f %% (linear), naive "
            "max-min %.1f %%\n",
            100 * worst, 100 * worst_lin, 100 * worst_naive);
    ASSERT_TRUE(worst_naive > 0.5);
    ASSERT_TRUE(worst_lin > worst);
    free(rs.r);
    free(rl.r);
    free(x);
}

/* PI-3: s(t) = sum c_h sin(2 pi h f t + phi_h), c = (1, 0.4, 0.15) A: beat-wise PI = the
 * oversampled peak-to-trough within 1 %, pi_spectral = 2 c1 / D within 2 %. */
TEST(pi3_harmonics)
{
    const double fs = 125, f = 1.2, dc = 1e4, amp = 50, c[3] = {1, 0.4, 0.15};
    const double phi[3] = {0, PI, 0}; /* a sawtooth-like pulse: fast fall of intensity */
    const size_t n = 40 * 125;
    float *x = malloc(n * sizeof *x);
    ASSERT_TRUE(x != NULL);
    double lo = (double)INFINITY, hi = -(double)INFINITY;
    for (int i = 0; i < 100000; i++) { /* 100x oversampled over one period and more */
        double t = i / (100 * fs), s = 0;
        for (int h = 0; h < 3; h++)
            s += c[h] * sin(2 * PI * (h + 1) * f * t + phi[h]);
        lo = fmin(lo, s);
        hi = fmax(hi, s);
    }
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / fs, s = 0;
        for (int h = 0; h < 3; h++)
            s += c[h] * sin(2 * PI * (h + 1) * f * t + phi[h]);
        x[i] = (float)(dc + amp * s);
    }
    const double truth = 100 * amp * (hi - lo) / dc, spec = 100 * 2 * c[0] * amp / dc;
    rows rs = analyse(x, n, 1, fs, NULL, NULL);
    double w = 0, ws = 0;
    for (size_t i = 0; i < rs.n; i++) {
        ASSERT_EQ_INT(rs.r[i].st[MC_PPG_PI], MC_FS_OK);
        ASSERT_EQ_INT(rs.r[i].st[MC_PPG_PI_SPECTRAL], MC_FS_OK);
        w = fmax(w, fabs(rs.r[i].v[MC_PPG_PI] / truth - 1));
        ws = fmax(ws, fabs(rs.r[i].v[MC_PPG_PI_SPECTRAL] / spec - 1));
        ASSERT_NEAR_F(rs.r[i].v[MC_PPG_PI], truth, 0.01 * truth);
        ASSERT_NEAR_F(rs.r[i].v[MC_PPG_PI_SPECTRAL], spec, 0.02 * spec);
        ASSERT_NEAR_F(rs.r[i].v[MC_PPG_HR], 72, 0.5);
    }
    fprintf(stderr,
            "PI-3: p-p truth %.4f %%, worst beat-wise error %.3f %%; pi_spectral truth 2c1/D = "
            "%.4f %%, worst %.3f %% (p-p / 2A1 = %.3f)\n",
            truth, 100 * w, spec, 100 * ws, truth / spec);
    free(rs.r);
    free(x);
}

/* PI-4: HR 1 Hz, beat amplitudes a_k = a0 (1 + m sin(2 pi k / 4)), m = 0.1, beats
 * I = D - a_k (1 - cos(2 pi (t - k))) / 2 (continuous at the onsets, AC_k = a_k exactly, DC_k =
 * D - a_k / 2): PVI = 2m / (1 + m) = 18.18 % with the beats on the modulation's extrema; the
 * DC_k difference moves the exact value to 18.26 %. */
TEST(pi4_pvi)
{
    const double fs = 125, dc = 1e4, a0 = 100, m = 0.1;
    const size_t n = 60 * 125;
    float *x = malloc(n * sizeof *x);
    ASSERT_TRUE(x != NULL);
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / fs, k = floor(t);
        double a = a0 * (1 + m * sin(2 * PI * k / 4));
        x[i] = (float)(dc - a * (1 - cos(2 * PI * (t - k))) / 2);
    }
    const double exact = 100 * (1 - (0.9 / (dc - 45)) / (1.1 / (dc - 55)));
    for (int variant = 0; variant < 2; variant++) {
        mc_ppg_config c = mc_ppg_config_default();
        if (variant)
            c.pvi_percentile = 100; /* the true max and min (Masimo-like) */
        rows rs = analyse(x, n, 1, fs, &c, NULL);
        double worst = 0;
        size_t ok = 0;
        for (size_t i = 0; i < rs.n; i++) {
            if (rs.r[i].end < 15 * 125) {
                ASSERT_EQ_INT(rs.r[i].st[MC_PPG_PVI], MC_FS_INSUFFICIENT_LENGTH);
                continue;
            }
            ASSERT_EQ_INT(rs.r[i].st[MC_PPG_PVI], MC_FS_OK);
            ok++;
            worst = fmax(worst, fabs(rs.r[i].v[MC_PPG_PVI] - 18.18));
            ASSERT_NEAR_F(rs.r[i].v[MC_PPG_PVI], 18.18, 0.5);
            ASSERT_NEAR_F(rs.r[i].v[MC_PPG_PI], 1.0, 0.005 + 0.1);
        }
        ASSERT_TRUE(ok >= 40);
        fprintf(stderr, "PI-4 (%s): worst |PVI - 18.18| %.3f (exact with DC_k: %.3f %%)\n",
                variant ? "max/min" : "P90/P10", worst, exact);
        free(rs.r);
    }
    free(x);
}

/* DOMAIN.md 2.6: a pulse whose second harmonic is stronger than its fundamental (two humps a
 * beat): the half-frequency rule and the beat detector must both find the true 60 bpm, whatever
 * the harmonics' phase; PI is the oversampled peak-to-trough. */
TEST(harmonic_trap)
{
    const double fs = 125, dc = 1e4, amp = 50, c[3] = {1, 1.3, 0.2};
    const size_t n = 30 * 125;
    float *x = malloc(n * sizeof *x);
    ASSERT_TRUE(x != NULL);
    double worst_hr = 0, worst_pi = 0;
    for (int j = 0; j < 8; j++) {
        double ph = 0.8 * j, lo = (double)INFINITY, hi = -(double)INFINITY;
        for (size_t i = 0; i < 100 * 125; i++) {
            double w = 2 * PI * (double)i / (100 * fs), v = 0;
            for (int h = 0; h < 3; h++)
                v += c[h] * sin((h + 1) * w + h * ph);
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
        for (size_t i = 0; i < n; i++) {
            double w = 2 * PI * (double)i / fs, v = 0;
            for (int h = 0; h < 3; h++)
                v += c[h] * sin((h + 1) * w + h * ph);
            x[i] = (float)(dc - amp * v);
        }
        const double truth = 100 * amp * (hi - lo) / dc;
        rows rs = analyse(x, n, 1, fs, NULL, NULL);
        for (size_t i = 0; i < rs.n; i++) {
            ASSERT_EQ_INT(rs.r[i].st[MC_PPG_HR], MC_FS_OK);
            ASSERT_EQ_INT(rs.r[i].st[MC_PPG_PI], MC_FS_OK);
            worst_hr = fmax(worst_hr, fabs(rs.r[i].v[MC_PPG_HR] - 60));
            worst_pi = fmax(worst_pi, fabs(rs.r[i].v[MC_PPG_PI] / truth - 1));
            ASSERT_NEAR_F(rs.r[i].v[MC_PPG_HR], 60, 0.5);
            ASSERT_NEAR_F(rs.r[i].v[MC_PPG_PI], truth, 0.01 * truth);
        }
        free(rs.r);
    }
    fprintf(stderr, "harmonic_trap: c2/c1 = 1.3, 8 phases: worst |hr - 60| %.3f bpm, pi %.3f %%\n",
            worst_hr, 100 * worst_pi);
    free(x);
}

static void status_all(const rows *rs, int feature, uint8_t st)
{
    ASSERT_TRUE(rs->n > 0);
    for (size_t i = 0; i < rs->n; i++)
        for (int k = 0; k < NF; k++)
            if (feature < 0 || k == feature)
                ASSERT_EQ_INT(rs->r[i].st[k], st);
}

/* PI-5: DC = 0, DC < 0, NaN, flat, infinities and clipping give statuses, never a trap: division
 * by zero, invalid operations and overflow raise SIGFPE here. */
TEST(pi5_edges)
{
    feenableexcept(FE_DIVBYZERO | FE_INVALID | FE_OVERFLOW);
    const double fs = 125;
    const size_t n = 20 * 125;
    /* No DC (0, negative): no PI (NO_SIGNAL, DOMAIN 1.7), but the pulse still gives the heart
     * rate, as from a monitor pleth exported without its DC. */
    static const double dcs[] = {0, -1e4};
    for (int i = 0; i < 2; i++) {
        float *x = sine(n, fs, dcs[i], 100, 1.5, 0);
        rows rs = analyse(x, n, 1, fs, NULL, NULL);
        status_all(&rs, MC_PPG_PI, MC_FS_NO_SIGNAL);
        status_all(&rs, MC_PPG_PI_SPECTRAL, MC_FS_NO_SIGNAL);
        status_all(&rs, MC_PPG_PI_RMS, MC_FS_NO_SIGNAL);
        status_all(&rs, MC_PPG_PVI, MC_FS_NO_SIGNAL);
        status_all(&rs, MC_PPG_HR, MC_FS_OK);
        for (size_t r = 0; r < rs.n; r++)
            ASSERT_NEAR_F(rs.r[r].v[MC_PPG_HR], 90.0, 0.5);
        free(rs.r);
        free(x);
    }
    float *x = malloc(n * sizeof *x);
    ASSERT_TRUE(x != NULL);
    static const float fills[] = {NAN, 0.0f, 1e4f, INFINITY, -INFINITY};
    for (int f = 0; f < 5; f++) {
        for (size_t i = 0; i < n; i++)
            x[i] = fills[f];
        rows rs = analyse(x, n, 1, fs, NULL, NULL);
        status_all(&rs, -1, MC_FS_NO_SIGNAL);
        free(rs.r);
    }
    /* Every fifth sample missing: no beat is whole. */
    free(x);
    x = sine(n, fs, 1e4, 100, 1.5, 0);
    for (size_t i = 0; i < n; i += 5)
        x[i] = NAN;
    rows rs = analyse(x, n, 1, fs, NULL, NULL);
    status_all(&rs, MC_PPG_PI, MC_FS_NO_SIGNAL);
    status_all(&rs, MC_PPG_HR, MC_FS_NO_SIGNAL);
    free(rs.r);
    free(x);
    /* Extreme but valid scales: a tiny and a huge DC give PI 1 %. */
    static const double scales[] = {1e-30, 1e30};
    for (int i = 0; i < 2; i++) {
        x = sine(n, fs, 1e4 * scales[i], 100 * scales[i], 1.5, 0);
        rs = analyse(x, n, 1, fs, NULL, NULL);
        for (size_t r = 0; r < rs.n; r++)
            ASSERT_NEAR_F(rs.r[r].v[MC_PPG_PI], 1.0, 0.005);
        free(rs.r);
        free(x);
    }
    /* Clipping: a simulated PPG whose intensity is cut at a rail just below its maximum. */
    sim_run r = sim_make("rate=125,hr=70,pi=2", 20.0, NULL);
    float rail = 50000.0f + 0.15f * 1000.0f;
    for (size_t i = 0; i < r.n; i++)
        r.x[2 * i] = fminf(r.x[2 * i], rail);
    rs = analyse(r.x, r.n, 2, r.fs, NULL, NULL);
    status_all(&rs, MC_PPG_PI, MC_FS_CLIPPED);
    status_all(&rs, MC_PPG_PI_SPECTRAL, MC_FS_CLIPPED);
    status_all(&rs, MC_PPG_PI_RMS, MC_FS_CLIPPED);
    free(rs.r);
    free(r.x);
    fedisableexcept(FE_ALL_EXCEPT);
}

/* PI-6: the inverted waveform (an absorbance-like stream, 2 DC - I) gives the same PI, by
 * automatic polarity; so does the inverted sine of PI-1. */
TEST(pi6_polarity)
{
    sim_run r = sim_make("rate=250,hr=75,pi=2,seed=9", 30.0, NULL);
    float *inv = malloc(r.n * sizeof *inv);
    ASSERT_TRUE(inv != NULL);
    for (size_t i = 0; i < r.n; i++)
        inv[i] = 100000.0f - r.x[2 * i];
    rows a = analyse(r.x, r.n, 2, r.fs, NULL, NULL), b = analyse(inv, r.n, 1, r.fs, NULL, NULL);
    mc_ppg_config wrong = mc_ppg_config_default();
    wrong.polarity = 1; /* forced the wrong way: onsets become peaks, the PI changes */
    rows c = analyse(r.x, r.n, 2, r.fs, &wrong, NULL);
    ASSERT_EQ_INT(a.n, b.n);
    double worst = 0, worst_wrong = 0;
    for (size_t i = 0; i < a.n; i++) {
        ASSERT_EQ_INT(a.r[i].st[MC_PPG_PI], MC_FS_OK);
        ASSERT_EQ_INT(b.r[i].st[MC_PPG_PI], MC_FS_OK);
        worst = fmax(worst, fabs(b.r[i].v[MC_PPG_PI] / a.r[i].v[MC_PPG_PI] - 1));
        ASSERT_NEAR_F(b.r[i].v[MC_PPG_PI], a.r[i].v[MC_PPG_PI], 0.001 * a.r[i].v[MC_PPG_PI]);
        if (c.r[i].st[MC_PPG_PI] == MC_FS_OK)
            worst_wrong = fmax(worst_wrong, fabs(c.r[i].v[MC_PPG_PI] / a.r[i].v[MC_PPG_PI] - 1));
    }
    fprintf(stderr,
            "PI-6: inverted sim PPG vs original: worst %.4f %%; forced wrong polarity "
            "differs by up to %.2f %%\n",
            100 * worst, 100 * worst_wrong);
    free(a.r);
    free(b.r);
    free(c.r);
    free(inv);
    free(r.x);

    const size_t n = 30 * 125;
    float *x = sine(n, 125, 1e4, -100, 1.5, 0);
    rows s = analyse(x, n, 1, 125, NULL, NULL);
    for (size_t i = 0; i < s.n; i++)
        ASSERT_NEAR_F(s.r[i].v[MC_PPG_PI], 1.0, 0.005);
    free(s.r);
    free(x);
}

/* ---- streaming ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Live and offline agree: random block sizes give bit-identical rows (motion, dropouts, noise). */
TEST(block_invariance)
{
    sim_run r = sim_make("rate=250,hr=88,pi=1.2,noise=0.05,motion=4,dropout=4,seed=21", 90.0, NULL);
    double t0 = now_s();
    rows a = analyse(r.x, r.n, 2, r.fs, NULL, NULL);
    double dt = now_s() - t0;
    fprintf(stderr, "block_invariance: %zu rows, %.1f us per hop at 250 Hz (this build)\n", a.n,
            1e6 * dt / (double)a.n);
    for (uint64_t seed = 1; seed <= 3; seed++) {
        rows b = analyse_blocks(r.x, r.n, 2, r.fs, NULL, NULL, seed);
        ASSERT_EQ_INT(a.n, b.n);
        for (size_t i = 0; i < a.n; i++) {
            ASSERT_EQ_INT(a.r[i].end, b.r[i].end);
            ASSERT_TRUE(memcmp(a.r[i].v, b.r[i].v, sizeof a.r[i].v) == 0);
            ASSERT_TRUE(memcmp(a.r[i].st, b.r[i].st, sizeof a.r[i].st) == 0);
        }
        free(b.r);
    }
    size_t st_count[9] = {0};
    for (size_t i = 0; i < a.n; i++)
        st_count[a.r[i].st[MC_PPG_PI]]++;
    fprintf(stderr, "block_invariance: pi statuses ok %zu, no_signal %zu, motion %zu\n",
            st_count[MC_FS_OK], st_count[MC_FS_NO_SIGNAL], st_count[MC_FS_MOTION]);
    ASSERT_TRUE(st_count[MC_FS_OK] > 0 && st_count[MC_FS_OK] < a.n);
    free(a.r);
    free(r.x);
}

/* ---- thresholds ---- */

/* uPI is on its own scale: 0.5 % is a fine finger PI but LOW_PERF at the urethra (1.0 %). */
TEST(urethral_site)
{
    sim_run r = sim_make("rate=125,hr=80,pi=0.5", 20.0, NULL);
    rows f = analyse(r.x, r.n, 2, r.fs, NULL, "finger");
    rows u = analyse(r.x, r.n, 2, r.fs, NULL, "Urethral");
    rows u2 = analyse(r.x, r.n, 2, r.fs, NULL, "urethra");
    for (size_t i = 0; i < f.n; i++) {
        ASSERT_EQ_INT(f.r[i].st[MC_PPG_PI], MC_FS_OK);
        ASSERT_EQ_INT(u.r[i].st[MC_PPG_PI], MC_FS_LOW_PERF);
        ASSERT_EQ_INT(u2.r[i].st[MC_PPG_PI], MC_FS_LOW_PERF);
        ASSERT_EQ_INT(u.r[i].st[MC_PPG_HR], MC_FS_OK);
    }
    mc_analyser *a = make(NULL, 125, 2, "urethra");
    ASSERT_TRUE(strstr(mc_analyser_get_parameters(a), "site=urethral") != NULL);
    mc_analyser_destroy(a);
    free(f.r);
    free(u.r);
    free(u2.r);
    free(r.x);

    /* The finger threshold and the plausibility ranges. */
    r = sim_make("rate=125,hr=80,pi=0.1", 20.0, NULL);
    f = analyse(r.x, r.n, 2, r.fs, NULL, NULL);
    status_all(&f, MC_PPG_PI, MC_FS_LOW_PERF);
    for (size_t i = 0; i < f.n; i++)
        ASSERT_EQ_INT(f.r[i].st[MC_PPG_PVI],
                      f.r[i].end < 15 * 125 ? MC_FS_INSUFFICIENT_LENGTH : MC_FS_LOW_PERF);
    free(f.r);
    free(r.x);
}

TEST(invalid_ranges)
{
    sim_run r = sim_make("rate=125,hr=120,pi=10", 20.0, NULL);
    mc_ppg_config c = mc_ppg_config_default();
    c.pi_max = 5;
    rows f = analyse(r.x, r.n, 2, r.fs, &c, NULL);
    status_all(&f, MC_PPG_PI, MC_FS_INVALID);
    status_all(&f, MC_PPG_PI_SPECTRAL, MC_FS_INVALID);
    status_all(&f, MC_PPG_HR, MC_FS_OK);
    free(f.r);
    /* Above the search range, the spectral peak disagrees with the beats; their rate is
     * reported as INVALID. */
    c = mc_ppg_config_default();
    c.hr_min_bpm = 130;
    f = analyse(r.x, r.n, 2, r.fs, &c, NULL);
    status_all(&f, MC_PPG_HR, MC_FS_INVALID);
    status_all(&f, MC_PPG_PI, MC_FS_OK);
    free(f.r);
    free(r.x);
}

/* Orphanidou R2/R3 (DOMAIN 2.6): a beat without a pulse makes one interval of two periods
 * (ratio 2.0 < 2.2: the window stays acceptable); two consecutive ones a gap of three (ratio 3:
 * the window is not, sqi is MOTION). Only windows that hold the flattened beats are judged. */
TEST(orphanidou_missed_beats)
{
    for (int missed = 1; missed <= 2; missed++) {
        sim_run r = sim_make("rate=125,hr=60,pi=2,pvi=0,noise=0.005,seed=4", 40.0, NULL);
        /* Flatten the pulses of beats 20 .. 20 + missed - 1 (onsets at whole seconds). */
        for (size_t i = (size_t)(20 * r.fs); i < (size_t)((20 + missed) * r.fs); i++)
            for (int c = 0; c < 2; c++)
                r.x[2 * i + c] = c == 0 ? 50000.0f : 30000.0f;
        rows rs = analyse(r.x, r.n, 2, r.fs, NULL, NULL);
        int judged = 0, motion = 0;
        for (size_t k = 0; k < rs.n; k++) {
            double end_s = (double)rs.r[k].end / r.fs;
            /* Windows that wholly contain the flat stretch and a beat on each side of it. */
            if (end_s - 8.0 < 19.5 && end_s > 20.5 + missed) {
                judged++;
                motion += rs.r[k].st[MC_PPG_SQI] == MC_FS_MOTION;
            }
        }
        ASSERT_TRUE(judged >= 3);
        if (missed == 1)
            ASSERT_EQ_INT(motion, 0);
        else
            ASSERT_EQ_INT(motion, judged);
        free(rs.r);
        free(r.x);
    }
}

/* A gap of under a second in a clean record costs a beat or two, not the window: every window
 * keeps its PI within 2 %, including those just after the gap, whose first beat may have no start
 * (the beats measured before the gap are kept across hops, dsp/ppg.h). Gaps at several phases of
 * the beat and of the hop. */
TEST(short_gap)
{
    double worst = 0;
    size_t across = 0;
    for (int j = 0; j < 8; j++) {
        sim_run r = sim_make("rate=250,hr=88,pi=1.2,pvi=0,seed=7", 45.0, NULL);
        const double g0 = 30.0 + 0.13 * j, g1 = g0 + 0.5 + 0.1 * j;
        for (size_t i = (size_t)(g0 * r.fs); i < (size_t)(g1 * r.fs); i++)
            r.x[2 * i] = NAN;
        rows rs = analyse(r.x, r.n, 2, r.fs, NULL, NULL);
        for (size_t i = 0; i < rs.n; i++) {
            double t1 = (double)rs.r[i].end / r.fs;
            across += t1 - 8.0 < g1 && t1 > g0;
            ASSERT_EQ_INT(rs.r[i].st[MC_PPG_PI], MC_FS_OK);
            worst = fmax(worst, fabs(rs.r[i].v[MC_PPG_PI] / 1.2 - 1));
            ASSERT_NEAR_F(rs.r[i].v[MC_PPG_PI], 1.2, 0.02 * 1.2);
        }
        free(rs.r);
        free(r.x);
    }
    ASSERT_TRUE(across >= 64);
    fprintf(stderr, "short_gap: %zu windows hold a gap of 0.5-1.2 s; worst pi error %.2f %%\n",
            across, 100 * worst);
}
