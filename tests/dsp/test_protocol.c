/* SPDX-License-Identifier: MIT */
/* tests/dsp/test_protocol.c: the provocation tests against closed forms (DOMAIN.md 3.8 PORH-1,
 * ION-1, 4.6 VOT-1, 5.4 PCO2-1), against the simulator's truth, and their edge rules (statuses
 * for missing, short and flagged records; never a crash). Measured errors are printed. */
#include "dsp/protocol.h"

#include "acquisition/sim.h"
#include "tests/harness.h"

/* ---- helpers --------------------------------------------------------------------------------- */

/* The value of a result by name; fails when the name is not there. */
static double rv(const mc_protocol_result *r, const char *name, uint8_t *status)
{
    for (size_t k = 0; k < r->n; k++)
        if (strcmp(r->defs[k]->name, name) == 0) {
            if (status)
                *status = r->status[k];
            return r->value[k];
        }
    fprintf(stderr, "no result named %s\n", name);
    exit(1);
}

static uint8_t rs(const mc_protocol_result *r, const char *name)
{
    uint8_t st;
    rv(r, name, &st);
    return st;
}

/* OK, and within rel (relative) of the truth; prints the measured error. */
static void check_rel(const mc_protocol_result *r, const char *tag, const char *name, double truth,
                      double rel)
{
    uint8_t st;
    double v = rv(r, name, &st);
    printf("%s %-20s %12.5f truth %12.5f rel err %.2e\n", tag, name, v, truth,
           fabs(v - truth) / fabs(truth));
    ASSERT_EQ_INT(st, MC_FS_OK);
    ASSERT_NEAR_F(v, truth, rel * fabs(truth));
}

static void check_abs(const mc_protocol_result *r, const char *tag, const char *name, double truth,
                      double tol)
{
    uint8_t st;
    double v = rv(r, name, &st);
    printf("%s %-20s %12.5f truth %12.5f abs err %.3g (tol %.3g)\n", tag, name, v, truth,
           fabs(v - truth), tol);
    ASSERT_EQ_INT(st, MC_FS_OK);
    ASSERT_NEAR_F(v, truth, tol);
}

/* Every value either OK and finite, or not OK and NaN; the names are those given. */
static void check_shape(const mc_protocol_result *r, const char *const *names)
{
    size_t n = 0;
    while (names[n])
        n++;
    ASSERT_EQ_INT(r->n, n);
    for (size_t k = 0; k < n; k++) {
        ASSERT_STR_EQ(r->defs[k]->name, names[k]);
        ASSERT_TRUE(r->defs[k]->unit != NULL && r->defs[k]->algorithm != NULL);
        if (r->status[k] == MC_FS_OK)
            ASSERT_TRUE(isfinite(r->value[k]));
        else
            ASSERT_TRUE(isnan(r->value[k]));
    }
}

static const char *const porh_names[] = {"porh_rest",     "porh_bz",  "porh_peak", "porh_t_peak",
                                         "porh_t_half",   "porh_auc", "porh_debt", "porh_repayment",
                                         "porh_increase", NULL};
static const char *const ionto_names[] = {
    "ionto_baseline", "ionto_peak", "ionto_plateau", "ionto_increase", "ionto_auc",
    "ionto_cvc",      NULL};
static const char *const vot_names[] = {"vot_baseline",       "vot_desat_slope", "vot_min",
                                        "vot_recovery_slope", "vot_max",         "vot_auc",
                                        "vot_recovery_time",  "vot_time_to_max", NULL};
static const char *const pi_names[] = {"pi_vot_baseline", "pi_vot_min", "pi_vot_peak",
                                       "pi_vot_delta", NULL};
static const char *const gap_names[] = {"pco2_gap", NULL};

/* A record on a regular grid: n samples at fs from t0; arrays owned by the caller. */
typedef struct rec {
    float *x;
    double *t;
    float *scratch;
    size_t n;
} rec;

static rec rec_make(size_t n, double fs, double t0)
{
    rec r = {calloc(n ? n : 1, sizeof(float)), calloc(n ? n : 1, sizeof(double)),
             calloc(n ? n : 1, sizeof(float)), n};
    ASSERT_TRUE(r.x && r.t && r.scratch);
    for (size_t i = 0; i < n; i++)
        r.t[i] = t0 + (double)i / fs;
    return r;
}

static void rec_free(rec *r)
{
    free(r->x);
    free(r->t);
    free(r->scratch);
}

/* ---- PORH (DOMAIN.md 3.8) -------------------------------------------------------------------- */

/* Rest 20 PU, BZ 3 PU for 180 s, release to 80 PU linearly in 8 s, decay to rest with tau 40 s.
 * After BZ subtraction rest' = 17 and peak' = 77.
 *   return: F' <= 1.1 rest' = 18.7, i.e. 60 exp(-s/40) = 1.7: s_ret = 40 ln(60/1.7) = 142.56 s
 *           after the peak
 *   AUC above rest', rise: F' = 77 t/8 exceeds 17 after t1 = 8 x 17/77; 0.5 (8 - t1) 60 = 187.01
 *                   decay: 60 tau (1 - exp(-s_ret/tau)) = 2400 (1 - 1.7/60) = 2332
 *   debt 17 x 180 = 3060; repayment = AUC / debt; t_half = 40 ln 2 after the peak;
 *   increase = 100 (77 - 17) / 17.
 * The 1-s centred median cuts the sharp corner at the peak by 0.5 s / (8/77 + 40/60) = 0.65 PU
 * (the time both slopes spend above the median must be half the window): peak -0.85 %, and t_half
 * about +1.8 % (a lower half level, crossed 0.43 s later). */
static const double porh_fs = 32, porh_occ = 300, porh_rel = 480;

static double porh_truth_auc(void)
{
    double t1 = 8.0 * 17.0 / 77.0;
    return 0.5 * (8.0 - t1) * 60.0 + 2400.0 * (1.0 - 1.7 / 60.0);
}

static double porh_flux(double t, double rest, double bz)
{
    if (t < porh_occ)
        return rest;
    if (t < porh_rel)
        return bz;
    if (t < porh_rel + 8)
        return bz + (80.0 - bz) * (t - porh_rel) / 8.0;
    return rest + (80.0 - rest) * exp(-(t - porh_rel - 8.0) / 40.0);
}

static rec porh_record(double duration_s, double rest, double bz)
{
    rec r = rec_make((size_t)(duration_s * porh_fs), porh_fs, 0);
    for (size_t i = 0; i < r.n; i++)
        r.x[i] = (float)porh_flux(r.t[i], rest, bz);
    return r;
}

static void porh_check_truth(const mc_protocol_result *r, const char *tag, double tol)
{
    double auc = porh_truth_auc();
    check_rel(r, tag, "porh_rest", 17, tol);
    check_rel(r, tag, "porh_bz", 3, tol);
    check_rel(r, tag, "porh_peak", 77, tol);
    check_rel(r, tag, "porh_t_peak", 8, tol);
    check_rel(r, tag, "porh_t_half", 40 * log(2.0), tol);
    check_rel(r, tag, "porh_auc", auc, tol);
    check_rel(r, tag, "porh_debt", 3060, tol);
    check_rel(r, tag, "porh_repayment", auc / 3060, tol);
    check_rel(r, tag, "porh_increase", 100.0 * 60.0 / 17.0, tol);
}

TEST(porh_analytic)
{
    rec d = porh_record(900, 20, 3);
    mc_protocol_config c = mc_protocol_config_default();
    mc_protocol_result r;
    mc_porh_analyse(d.x, d.t, d.n, porh_occ, porh_rel, &c, d.scratch, &r);
    check_shape(&r, porh_names);
    porh_check_truth(&r, "PORH-1", 0.02);
    /* Exact where no smoothing bias enters: rest, BZ and debt are means of constants. */
    ASSERT_NEAR_F(rv(&r, "porh_rest", NULL), 17, 1e-9);
    ASSERT_NEAR_F(rv(&r, "porh_debt", NULL), 3060, 1e-6);
    ASSERT_NEAR_F(rv(&r, "porh_auc", NULL), porh_truth_auc(), 0.002 * porh_truth_auc());
    rec_free(&d);
}

/* Spikes of x10 for 0.2 s, on the decay and on the peak itself: the smoothed peak holds. */
TEST(porh_spike)
{
    mc_protocol_result clean, r;
    rec d = porh_record(900, 20, 3);
    mc_porh_analyse(d.x, d.t, d.n, porh_occ, porh_rel, NULL, d.scratch, &clean);
    const double at[] = {porh_rel + 20, porh_rel + 7.9, porh_rel + 60};
    for (size_t k = 0; k < 3; k++) {
        rec s = porh_record(900, 20, 3);
        for (size_t i = 0; i < s.n; i++)
            if (s.t[i] >= at[k] && s.t[i] < at[k] + 0.2)
                s.x[i] *= 10.0f;
        mc_porh_analyse(s.x, s.t, s.n, porh_occ, porh_rel, NULL, s.scratch, &r);
        double p0 = rv(&clean, "porh_peak", NULL), p = rv(&r, "porh_peak", NULL);
        printf("spike at release+%.1f s: peak %.4f (clean %.4f, rel %.2e), auc %.2f (clean %.2f)\n",
               at[k] - porh_rel, p, p0, fabs(p - p0) / p0, rv(&r, "porh_auc", NULL),
               rv(&clean, "porh_auc", NULL));
        ASSERT_EQ_INT(rs(&r, "porh_peak"), MC_FS_OK);
        ASSERT_NEAR_F(p, p0, 0.02 * p0);
        ASSERT_NEAR_F(p, 77, 0.02 * 77);
        ASSERT_NEAR_F(rv(&r, "porh_auc", NULL), rv(&clean, "porh_auc", NULL),
                      0.02 * rv(&clean, "porh_auc", NULL));
        rec_free(&s);
    }
    rec_free(&d);
}

/* The simulator's PORH (acquisition/sim.c: the same shape, flowmotion weighted 1 - h in the
 * decay, noise 0.2 PU). The slow bands a1, a2 (0.007, 0.015 Hz) are off: no window of this record
 * averages them. a3..a6 (0.035, 0.1, 0.3, 1.2 Hz) are 0.5 PU: they complete 7, 20, 60 and 240
 * cycles in the 200-s rest window, so they leave the rest exactly; the occlusion is BZ without
 * flowmotion; the peak has weight 1 - h = 0. In the AUC they average out while the excess is large,
 * but not at the tail, where (F' - rest)+ rectifies them and they hold F' above the return level
 * longer: +1.2 % at 0.5 PU (measured: +1.1 % at 0.25 PU, +2.4 % at the default 1-1.5 PU). t_half
 * is a single crossing where they do not average out: at h = 1/2 they add up to 4 x 0.5 x 0.5 =
 * 1 PU on a slope of 0.75 PU/s, +-1.3 s, plus 0.5 s of smoothing bias: checked within 7 %. */
TEST(porh_sim)
{
    mc_diag dg;
    mc_sim *sim = NULL;
    const mc_kv kv[] = {{"porh", "400"}, {"a1", "0"},   {"a2", "0"},   {"a3", "0.5"},
                        {"a4", "0.5"},   {"a5", "0.5"}, {"a6", "0.5"}, {"noise", "0.2"}};
    ASSERT_STATUS(mc_sim_create("ldf", "ldf_forearm", kv, 8, &dg, &sim), MC_OK);
    rec d = rec_make(1000 * 32, 32, 0);
    mc_sim_read(sim, d.n, d.x, NULL);
    double ev[2] = {(double)NAN, (double)NAN};
    mc_event e;
    while (mc_sim_pop_event(sim, &e)) {
        if (strcmp(e.kind, "occlusion_start") == 0)
            ev[0] = (double)e.t_ns / 1e9;
        if (strcmp(e.kind, "occlusion_end") == 0)
            ev[1] = (double)e.t_ns / 1e9;
    }
    ASSERT_NEAR_F(ev[0], 400, 1e-9);
    ASSERT_NEAR_F(ev[1], 580, 1e-9);
    mc_protocol_config c = mc_protocol_config_default();
    c.porh_rest_s = 200;
    mc_protocol_result r;
    mc_porh_analyse(d.x, d.t, d.n, ev[0], ev[1], &c, d.scratch, &r);
    check_shape(&r, porh_names);
    double auc = porh_truth_auc();
    const char *tag = "PORH-sim";
    check_rel(&r, tag, "porh_rest", 17, 0.02);
    check_rel(&r, tag, "porh_bz", 3, 0.02);
    check_rel(&r, tag, "porh_peak", 77, 0.02);
    check_rel(&r, tag, "porh_t_peak", 8, 0.02);
    check_rel(&r, tag, "porh_t_half", 40 * log(2.0), 0.07);
    check_rel(&r, tag, "porh_auc", auc, 0.02);
    check_rel(&r, tag, "porh_debt", 3060, 0.02);
    check_rel(&r, tag, "porh_repayment", auc / 3060, 0.02);
    check_rel(&r, tag, "porh_increase", 100.0 * 60.0 / 17.0, 0.02);
    rec_free(&d);
    mc_sim_destroy(sim);
}

/* BZ above half the resting flux: bz and the ratios are flagged, the rest stays. */
TEST(porh_bz_flag)
{
    rec d = porh_record(900, 20, 12);
    mc_protocol_result r;
    mc_porh_analyse(d.x, d.t, d.n, porh_occ, porh_rel, NULL, d.scratch, &r);
    check_shape(&r, porh_names);
    ASSERT_EQ_INT(rs(&r, "porh_bz"), MC_FS_ARTEFACT);
    ASSERT_EQ_INT(rs(&r, "porh_repayment"), MC_FS_ARTEFACT);
    ASSERT_EQ_INT(rs(&r, "porh_increase"), MC_FS_ARTEFACT);
    ASSERT_EQ_INT(rs(&r, "porh_peak"), MC_FS_OK);
    ASSERT_NEAR_F(rv(&r, "porh_rest", NULL), 8, 1e-6);
    rec_free(&d);
}

/* No flow debt (the cuff did not stop the flow): repayment is INVALID, the debt is what it is. */
TEST(porh_no_debt)
{
    rec d = porh_record(900, 20, 3);
    for (size_t i = 0; i < d.n; i++)
        if (d.t[i] >= porh_occ && d.t[i] < porh_rel - 40)
            d.x[i] = 30; /* above rest, then BZ for the last 40 s */
    mc_protocol_result r;
    mc_porh_analyse(d.x, d.t, d.n, porh_occ, porh_rel, NULL, d.scratch, &r);
    check_shape(&r, porh_names);
    ASSERT_EQ_INT(rs(&r, "porh_debt"), MC_FS_OK);
    ASSERT_NEAR_F(rv(&r, "porh_debt", NULL), 140 * -10 + 40 * 17, 1e-3);
    ASSERT_EQ_INT(rs(&r, "porh_repayment"), MC_FS_INVALID);
    ASSERT_EQ_INT(rs(&r, "porh_auc"), MC_FS_OK);
    rec_free(&d);
}

/* The record stops 60 s after release: no return, so no AUC or repayment; the peak and the
 * half-time (36 s) are there. */
TEST(porh_short_record)
{
    rec d = porh_record(porh_rel + 60, 20, 3);
    mc_protocol_result r;
    mc_porh_analyse(d.x, d.t, d.n, porh_occ, porh_rel, NULL, d.scratch, &r);
    check_shape(&r, porh_names);
    ASSERT_EQ_INT(rs(&r, "porh_auc"), MC_FS_INSUFFICIENT_LENGTH);
    ASSERT_EQ_INT(rs(&r, "porh_repayment"), MC_FS_INSUFFICIENT_LENGTH);
    ASSERT_EQ_INT(rs(&r, "porh_peak"), MC_FS_OK);
    ASSERT_EQ_INT(rs(&r, "porh_t_half"), MC_FS_OK);
    /* It stops during the occlusion: nothing after it. */
    rec e = porh_record(porh_rel - 50, 20, 3);
    mc_porh_analyse(e.x, e.t, e.n, porh_occ, porh_rel, NULL, e.scratch, &r);
    check_shape(&r, porh_names);
    ASSERT_EQ_INT(rs(&r, "porh_rest"), MC_FS_INSUFFICIENT_LENGTH);
    ASSERT_EQ_INT(rs(&r, "porh_debt"), MC_FS_INSUFFICIENT_LENGTH);
    ASSERT_EQ_INT(rs(&r, "porh_auc"), MC_FS_INSUFFICIENT_LENGTH);
    rec_free(&d);
    rec_free(&e);
}

TEST(porh_bad_input)
{
    mc_protocol_result r;
    rec d = porh_record(900, 20, 3);
    mc_porh_analyse(NULL, NULL, 0, porh_occ, porh_rel, NULL, NULL, &r);
    check_shape(&r, porh_names);
    for (size_t k = 0; k < r.n; k++)
        ASSERT_EQ_INT(r.status[k], MC_FS_NO_SIGNAL);
    mc_porh_analyse(d.x, d.t, d.n, (double)NAN, porh_rel, NULL, d.scratch, &r);
    ASSERT_EQ_INT(rs(&r, "porh_auc"), MC_FS_NOT_AVAILABLE);
    mc_porh_analyse(d.x, d.t, d.n, porh_rel, porh_occ, NULL, d.scratch, &r);
    check_shape(&r, porh_names);
    ASSERT_EQ_INT(rs(&r, "porh_peak"), MC_FS_NOT_AVAILABLE);
    /* No rest (the record starts at the occlusion), and all NaN. */
    mc_porh_analyse(d.x + (size_t)(porh_occ * porh_fs), d.t + (size_t)(porh_occ * porh_fs),
                    d.n - (size_t)(porh_occ * porh_fs), porh_occ, porh_rel, NULL, d.scratch, &r);
    check_shape(&r, porh_names);
    ASSERT_EQ_INT(rs(&r, "porh_rest"), MC_FS_NO_SIGNAL);
    ASSERT_EQ_INT(rs(&r, "porh_bz"), MC_FS_OK);
    ASSERT_EQ_INT(rs(&r, "porh_repayment"), MC_FS_NO_SIGNAL);
    for (size_t i = 0; i < d.n; i++)
        d.x[i] = NAN;
    mc_porh_analyse(d.x, d.t, d.n, porh_occ, porh_rel, NULL, d.scratch, &r);
    check_shape(&r, porh_names);
    for (size_t k = 0; k < r.n; k++)
        ASSERT_EQ_INT(r.status[k], MC_FS_NO_SIGNAL);
    rec_free(&d);
}

/* ---- iontophoresis (ION-1) ------------------------------------------------------------------- */

/* Baseline b = 10 PU; at the dose a step s0 = 5 PU, then an exponential rise A = 30 PU with
 * tau = 120 s, response T = 600 s, 10 Hz. Monotone, so the centred moving median is the curve.
 *   peak = b + s0 + A (1 - e^-5);  increase = 100 (peak - b) / b;  CVC = peak / MAP
 *   AUC = (s0 + A) T - A tau (1 - e^-5);  plateau (last 60 s) = b + s0 + A (1 - 2 (e^-4.5 - e^-5))
 */
TEST(ionto_analytic)
{
    const double b = 10, s0 = 5, A = 30, tau = 120, td = 300, T = 600;
    rec d = rec_make(1000 * 10, 10, 0);
    for (size_t i = 0; i < d.n; i++)
        d.x[i] = (float)(d.t[i] < td ? b : b + s0 + A * (1 - exp(-(d.t[i] - td) / tau)));
    mc_protocol_result r;
    mc_ionto_analyse(d.x, d.t, d.n, td, td, td + T, 70, NULL, d.scratch, &r);
    check_shape(&r, ionto_names);
    double peak = b + s0 + A * (1 - exp(-T / tau));
    check_rel(&r, "ION-1", "ionto_baseline", b, 1e-6);
    check_rel(&r, "ION-1", "ionto_peak", peak, 1e-4);
    check_rel(&r, "ION-1", "ionto_plateau", b + s0 + A * (1 - 2 * (exp(-4.5) - exp(-5))), 1e-4);
    check_rel(&r, "ION-1", "ionto_increase", 100 * (peak - b) / b, 1e-4);
    check_rel(&r, "ION-1", "ionto_auc", (s0 + A) * T - A * tau * (1 - exp(-T / tau)), 1e-3);
    check_rel(&r, "ION-1", "ionto_cvc", peak / 70, 1e-4);

    /* A second dose: baseline still before the first; the response starts at the step. */
    mc_ionto_analyse(d.x, d.t, d.n, td - 100, td, td + T, 15, NULL, d.scratch, &r);
    check_shape(&r, ionto_names);
    ASSERT_EQ_INT(rs(&r, "ionto_cvc"), MC_FS_INVALID); /* MAP < 20 mmHg */
    mc_ionto_analyse(d.x, d.t, d.n, td, td, (double)NAN, (double)NAN, NULL, d.scratch, &r);
    check_shape(&r, ionto_names);
    ASSERT_EQ_INT(rs(&r, "ionto_cvc"), MC_FS_NOT_AVAILABLE);
    ASSERT_EQ_INT(rs(&r, "ionto_auc"), MC_FS_OK); /* NaN end: to the end of the record */
    /* The response runs past the end of the record. */
    mc_ionto_analyse(d.x, d.t, d.n, td, td, 2000, 70, NULL, d.scratch, &r);
    ASSERT_EQ_INT(rs(&r, "ionto_plateau"), MC_FS_INSUFFICIENT_LENGTH);
    ASSERT_EQ_INT(rs(&r, "ionto_auc"), MC_FS_INSUFFICIENT_LENGTH);
    ASSERT_EQ_INT(rs(&r, "ionto_peak"), MC_FS_OK);
    rec_free(&d);
}

TEST(ionto_bad_input)
{
    rec d = rec_make(600 * 10, 10, 0);
    mc_protocol_result r;
    mc_ionto_analyse(NULL, NULL, 0, 100, 100, 200, 70, NULL, NULL, &r);
    check_shape(&r, ionto_names);
    ASSERT_EQ_INT(rs(&r, "ionto_peak"), MC_FS_NO_SIGNAL);
    mc_ionto_analyse(d.x, d.t, d.n, 300, 200, 400, 70, NULL, d.scratch, &r);
    ASSERT_EQ_INT(rs(&r, "ionto_peak"), MC_FS_NOT_AVAILABLE);
    /* Zero baseline: no percentage. */
    mc_ionto_analyse(d.x, d.t, d.n, 300, 300, 500, 70, NULL, d.scratch, &r);
    check_shape(&r, ionto_names);
    ASSERT_EQ_INT(rs(&r, "ionto_increase"), MC_FS_INVALID);
    ASSERT_EQ_INT(rs(&r, "ionto_peak"), MC_FS_OK);
    for (size_t i = 0; i < d.n; i++)
        d.x[i] = NAN;
    mc_ionto_analyse(d.x, d.t, d.n, 300, 300, 500, 70, NULL, d.scratch, &r);
    check_shape(&r, ionto_names);
    for (size_t k = 0; k < r.n; k++)
        ASSERT_EQ_INT(r.status[k], MC_FS_NO_SIGNAL);
    rec_free(&d);
}

/* ---- VOT (DOMAIN.md 4.6) --------------------------------------------------------------------- */

/* Base 85 %, occlusion from 120 s for 180 s at -12 %/min (min 49 %), release at 300 s, +3 %/s to
 * 95 % (15.33 s), back to 85 % linearly over 90 s. Recovery time (85 - 49)/3 = 12 s; AUC above
 * base: 0.5 (15.33 - 12) 10 + 0.5 90 10 = 466.67 %.s. */
static double vot_sto2(double t)
{
    const double occ = 120, rel = 300, t_top = rel + 46.0 / 3.0;
    if (t < occ)
        return 85;
    if (t < rel)
        return 85 - 12 * (t - occ) / 60;
    if (t < t_top)
        return 49 + 3 * (t - rel);
    if (t < t_top + 90)
        return 95 - 10 * (t - t_top) / 90;
    return 85;
}

/* Sampled at 0.5 Hz, rounded to integers: every metric within one quantisation step of 1 %:
 * levels 1 %, slopes 1 % over their window (1 %/min over 60 s, 1/14 %/s over 14 s), times one
 * sample (2 s), the area 1 % over the 93 s of hyperaemia. */
TEST(vot_quantised)
{
    rec d = rec_make(300, 0.5, 0); /* 0 .. 598 s */
    for (size_t i = 0; i < d.n; i++)
        d.x[i] = (float)nearbyint(vot_sto2(d.t[i]));
    mc_protocol_result r;
    mc_vot_analyse(d.x, d.t, d.n, 120, 300, NULL, &r);
    check_shape(&r, vot_names);
    check_abs(&r, "VOT-1", "vot_baseline", 85, 1);
    check_abs(&r, "VOT-1", "vot_desat_slope", -12, 1);
    check_abs(&r, "VOT-1", "vot_min", 49, 1);
    check_abs(&r, "VOT-1", "vot_recovery_slope", 3, 1.0 / 14);
    check_abs(&r, "VOT-1", "vot_max", 95, 1);
    check_abs(&r, "VOT-1", "vot_recovery_time", 12, 2);
    check_abs(&r, "VOT-1", "vot_time_to_max", 46.0 / 3.0, 2);
    check_abs(&r, "VOT-1", "vot_auc", 0.5 * (46.0 / 3 - 12) * 10 + 450, 93);
    ASSERT_NEAR_F(rv(&r, "vot_auc", NULL), 466.67, 0.02 * 466.67);
    rec_free(&d);
}

/* The simulator's VOT (noise 0, 1 Hz): base 86, -12 %/min for 180 s (min 50), +3 %/s to 95 at
 * 15 s, back over 90 s; every breakpoint on a sample, so the piecewise-linear truth is exact. */
TEST(vot_sim)
{
    mc_diag dg;
    mc_sim *sim = NULL;
    const mc_kv kv[] = {{"vot", "100"}, {"sto2", "86"}, {"overshoot", "9"}, {"noise", "0"}};
    ASSERT_STATUS(mc_sim_create("nirs", "nirs_thenar", kv, 4, &dg, &sim), MC_OK);
    rec d = rec_make(600, 1, 0);
    mc_sim_read(sim, d.n, d.x, NULL);
    double ev[2] = {(double)NAN, (double)NAN};
    mc_event e;
    while (mc_sim_pop_event(sim, &e))
        ev[strcmp(e.kind, "occlusion_end") == 0] = (double)e.t_ns / 1e9;
    mc_protocol_result r;
    mc_vot_analyse(d.x, d.t, d.n, ev[0], ev[1], NULL, &r);
    check_shape(&r, vot_names);
    check_rel(&r, "VOT-sim", "vot_baseline", 86, 0.02);
    check_rel(&r, "VOT-sim", "vot_desat_slope", -12, 0.02);
    check_rel(&r, "VOT-sim", "vot_min", 50, 0.02);
    check_rel(&r, "VOT-sim", "vot_recovery_slope", 3, 0.02);
    check_rel(&r, "VOT-sim", "vot_max", 95, 0.02);
    check_rel(&r, "VOT-sim", "vot_recovery_time", 12, 0.02);
    check_rel(&r, "VOT-sim", "vot_time_to_max", 15, 0.02);
    check_rel(&r, "VOT-sim", "vot_auc", 0.5 * 3 * 9 + 0.5 * 90 * 9, 0.02);
    rec_free(&d);
    mc_sim_destroy(sim);
}

/* Desaturation at -1 %/min: incomplete occlusion, the reperfusion values are flagged. */
TEST(vot_incomplete)
{
    rec d = rec_make(600, 1, 0);
    for (size_t i = 0; i < d.n; i++) {
        double t = d.t[i];
        d.x[i] = (float)(t < 120 ? 85 : t < 300 ? 85 - (t - 120) / 60 : fmin(90, 82 + (t - 300)));
        if (t > 320)
            d.x[i] = 85;
    }
    mc_protocol_result r;
    mc_vot_analyse(d.x, d.t, d.n, 120, 300, NULL, &r);
    check_shape(&r, vot_names);
    ASSERT_EQ_INT(rs(&r, "vot_desat_slope"), MC_FS_OK);
    ASSERT_NEAR_F(rv(&r, "vot_desat_slope", NULL), -1, 1e-4);
    ASSERT_EQ_INT(rs(&r, "vot_recovery_slope"), MC_FS_INVALID);
    ASSERT_EQ_INT(rs(&r, "vot_max"), MC_FS_INVALID);
    ASSERT_EQ_INT(rs(&r, "vot_auc"), MC_FS_INVALID);
    ASSERT_EQ_INT(rs(&r, "vot_baseline"), MC_FS_OK);
    rec_free(&d);
}

TEST(vot_short_and_missing)
{
    rec d = rec_make(340, 1, 0); /* stops 40 s after release: no maximum window */
    for (size_t i = 0; i < d.n; i++)
        d.x[i] = (float)vot_sto2(d.t[i]);
    mc_protocol_result r;
    mc_vot_analyse(d.x, d.t, d.n, 120, 300, NULL, &r);
    check_shape(&r, vot_names);
    ASSERT_EQ_INT(rs(&r, "vot_recovery_slope"), MC_FS_OK);
    ASSERT_EQ_INT(rs(&r, "vot_recovery_time"), MC_FS_OK);
    ASSERT_EQ_INT(rs(&r, "vot_max"), MC_FS_INSUFFICIENT_LENGTH);
    ASSERT_EQ_INT(rs(&r, "vot_time_to_max"), MC_FS_INSUFFICIENT_LENGTH);
    ASSERT_EQ_INT(rs(&r, "vot_auc"), MC_FS_INSUFFICIENT_LENGTH);
    /* The probe is off for the first 14 s after release, and for 10 s during the hyperaemia. */
    rec e = rec_make(600, 1, 0);
    for (size_t i = 0; i < e.n; i++)
        e.x[i] = (e.t[i] >= 300 && e.t[i] <= 314) || (e.t[i] >= 330 && e.t[i] < 340)
                     ? NAN
                     : (float)vot_sto2(e.t[i]);
    mc_vot_analyse(e.x, e.t, e.n, 120, 300, NULL, &r);
    check_shape(&r, vot_names);
    ASSERT_EQ_INT(rs(&r, "vot_recovery_slope"), MC_FS_NO_SIGNAL);
    ASSERT_EQ_INT(rs(&r, "vot_auc"), MC_FS_NO_SIGNAL); /* a 10-s hole is not bridged */
    ASSERT_EQ_INT(rs(&r, "vot_max"), MC_FS_OK);
    mc_vot_analyse(NULL, NULL, 0, 120, 300, NULL, &r);
    check_shape(&r, vot_names);
    ASSERT_EQ_INT(rs(&r, "vot_min"), MC_FS_NO_SIGNAL);
    mc_vot_analyse(e.x, e.t, e.n, 120, (double)INFINITY, NULL, &r);
    ASSERT_EQ_INT(rs(&r, "vot_min"), MC_FS_NOT_AVAILABLE);
    rec_free(&d);
    rec_free(&e);
}

/* ---- PI during a VOT (DOMAIN.md 1.5) --------------------------------------------------------- */

/* A PI series, one value per second (row end times): 2.0 % before the occlusion at 100 s, falling
 * linearly to 0.5 % at the release (280 s), up to 3.5 % in 10 s, then 2 + 1.5 exp(-(t - 290)/30).
 * Delta at release + 60 s = 1.5 exp(-50/30) = 0.2833. */
TEST(pi_vot_synthetic)
{
    rec d = rec_make(500, 1, 0.5);
    for (size_t i = 0; i < d.n; i++) {
        double t = d.t[i];
        d.x[i] = (float)(t < 100   ? 2.0
                         : t < 280 ? 2.0 - 1.5 * (t - 100) / 180
                         : t < 290 ? 0.5 + 0.3 * (t - 280)
                                   : 2.0 + 1.5 * exp(-(t - 290) / 30));
    }
    mc_protocol_result r;
    mc_pi_vot_analyse(d.x, d.t, d.n, 100, 280, NULL, &r);
    check_shape(&r, pi_names);
    check_rel(&r, "PI-VOT", "pi_vot_baseline", 2.0, 1e-6);
    check_abs(&r, "PI-VOT", "pi_vot_min", 0.5, 1.5 / 180 + 1e-6);  /* one hop of the fall */
    check_abs(&r, "PI-VOT", "pi_vot_peak", 3.5, 0.3 * 0.5 + 1e-6); /* one hop of the rise */
    /* Linear interpolation of the exponential between 339.5 and 340.5: error < 1e-4. */
    check_abs(&r, "PI-VOT", "pi_vot_delta", 1.5 * exp(-50.0 / 30), 1e-4);
    /* Missing values: a NaN at +60 s is interpolated over; a long hole is not. */
    d.x[339] = NAN;
    mc_pi_vot_analyse(d.x, d.t, d.n, 100, 280, NULL, &r);
    ASSERT_EQ_INT(rs(&r, "pi_vot_delta"), MC_FS_OK);
    for (size_t i = 330; i < 350; i++)
        d.x[i] = NAN;
    mc_pi_vot_analyse(d.x, d.t, d.n, 100, 280, NULL, &r);
    check_shape(&r, pi_names);
    ASSERT_EQ_INT(rs(&r, "pi_vot_delta"), MC_FS_NO_SIGNAL);
    mc_pi_vot_analyse(d.x, d.t, 300, 100, 280, NULL, &r); /* stops at 300 s */
    check_shape(&r, pi_names);
    ASSERT_EQ_INT(rs(&r, "pi_vot_peak"), MC_FS_INSUFFICIENT_LENGTH);
    ASSERT_EQ_INT(rs(&r, "pi_vot_delta"), MC_FS_INSUFFICIENT_LENGTH);
    ASSERT_EQ_INT(rs(&r, "pi_vot_min"), MC_FS_OK);
    mc_pi_vot_analyse(NULL, NULL, 0, 100, 280, NULL, &r);
    check_shape(&r, pi_names);
    ASSERT_EQ_INT(rs(&r, "pi_vot_baseline"), MC_FS_NO_SIGNAL);
    rec_free(&d);
}

/* ---- PCO2 gap (DOMAIN.md 5.4, PCO2-1) -------------------------------------------------------- */

/* Tissue PCO2 steps from 40 to 60 mmHg at 600 s; the sensor is first order (tau 45 s); blood is
 * drawn 120 s after the step with PaCO2 50: the true gap is 10 mmHg. With the 60-s delay the window
 * is 120-240 s after the step: mean lag error 20 (45/120)(e^-8/3 - e^-16/3) = 0.49 mmHg. Without
 * it, 60-180 s: 1.84 mmHg, outside the 1 mmHg the test asks. */
TEST(pco2_gap_step)
{
    rec d = rec_make(1500, 1, 0);
    for (size_t i = 0; i < d.n; i++)
        d.x[i] = (float)(d.t[i] < 600 ? 40 : 60 - 20 * exp(-(d.t[i] - 600) / 45));
    mc_protocol_config c = mc_protocol_config_default();
    mc_protocol_result r;
    mc_pco2_gap_analyse(d.x, d.t, d.n, 720, 50, &c, &r);
    check_shape(&r, gap_names);
    check_abs(&r, "PCO2-1", "pco2_gap", 10, 1);
    c.pco2_delay_s = 0;
    mc_pco2_gap_analyse(d.x, d.t, d.n, 720, 50, &c, &r);
    printf("PCO2-1 without delay compensation: gap %.3f (error %.3f)\n", rv(&r, "pco2_gap", NULL),
           10 - rv(&r, "pco2_gap", NULL));
    ASSERT_TRUE(fabs(rv(&r, "pco2_gap", NULL) - 10) > 1);
    rec_free(&d);
}

/* Sparse, stale and switched-off PCO2. */
TEST(pco2_gap_missing)
{
    mc_protocol_result r;
    rec d = rec_make(2, 1, 0);
    d.t[0] = 800;
    d.t[1] = 1400;
    d.x[0] = 55;
    d.x[1] = 70;
    /* tc = 1060, window 1000-1120 empty; 800 lies 260 s away, within max_age 300. */
    mc_pco2_gap_analyse(d.x, d.t, d.n, 1000, 40, NULL, &r);
    check_shape(&r, gap_names);
    ASSERT_EQ_INT(rs(&r, "pco2_gap"), MC_FS_OK);
    ASSERT_NEAR_F(rv(&r, "pco2_gap", NULL), 15, 1e-9);
    /* tc = 1160: 800 is 360 s and 1400 is 240 s away. */
    mc_pco2_gap_analyse(d.x, d.t, d.n, 1100, 40, NULL, &r);
    ASSERT_NEAR_F(rv(&r, "pco2_gap", NULL), 30, 1e-9);
    /* Nothing within 300 s of tc = 2060. */
    mc_pco2_gap_analyse(d.x, d.t, d.n, 2000, 40, NULL, &r);
    check_shape(&r, gap_names);
    ASSERT_EQ_INT(rs(&r, "pco2_gap"), MC_FS_NO_SIGNAL);
    /* Sensor off (NaN) over the whole window: no fallback to older values. */
    rec e = rec_make(1500, 1, 0);
    for (size_t i = 0; i < e.n; i++)
        e.x[i] = e.t[i] >= 650 && e.t[i] <= 900 ? NAN : 45.0f;
    mc_pco2_gap_analyse(e.x, e.t, e.n, 700, 40, NULL, &r);
    check_shape(&r, gap_names);
    ASSERT_EQ_INT(rs(&r, "pco2_gap"), MC_FS_NO_SIGNAL);
    mc_pco2_gap_analyse(e.x, e.t, e.n, 300, 40, NULL, &r);
    ASSERT_NEAR_F(rv(&r, "pco2_gap", NULL), 5, 1e-9);
    mc_pco2_gap_analyse(e.x, e.t, e.n, 300, (double)NAN, NULL, &r);
    ASSERT_EQ_INT(rs(&r, "pco2_gap"), MC_FS_NOT_AVAILABLE);
    mc_pco2_gap_analyse(e.x, e.t, e.n, 300, -3, NULL, &r);
    ASSERT_EQ_INT(rs(&r, "pco2_gap"), MC_FS_INVALID);
    mc_pco2_gap_analyse(NULL, NULL, 0, 300, 40, NULL, &r);
    check_shape(&r, gap_names);
    ASSERT_EQ_INT(rs(&r, "pco2_gap"), MC_FS_NO_SIGNAL);
    rec_free(&d);
    rec_free(&e);
}

/* ---- configuration --------------------------------------------------------------------------- */

TEST(config)
{
    mc_protocol_config c = mc_protocol_config_default();
    ASSERT_NEAR_F(c.porh_bz_s, 30, 0);
    ASSERT_NEAR_F(c.porh_return_frac, 0.1, 0);
    ASSERT_NEAR_F(c.vot_recovery_s, 14, 0);
    ASSERT_NEAR_F(c.pco2_delay_s, 60, 0);
    ASSERT_NEAR_F(c.pco2_max_age_s, 300, 0);
    mc_diag d;
    ASSERT_STATUS(mc_protocol_config_set(&c, "porh_rest_s", "200", &d), MC_OK);
    ASSERT_NEAR_F(c.porh_rest_s, 200, 0);
    ASSERT_STATUS(mc_protocol_config_set(&c, "vot_max_s", "90.5", NULL), MC_OK);
    ASSERT_NEAR_F(c.vot_max_s, 90.5, 0);
    ASSERT_STATUS(mc_protocol_config_set(&c, "pco2_delay_s", "0", &d), MC_OK);
    ASSERT_NEAR_F(c.pco2_delay_s, 0, 0);
    mc_protocol_config before = c;
    const char *bad[] = {"", "abc", "-1", "0", "inf", "nan", "1e999", "0x10", "12abc", NULL};
    for (size_t i = 0; bad[i]; i++) {
        ASSERT_STATUS(mc_protocol_config_set(&c, "porh_bz_s", bad[i], &d), MC_EINVAL);
        ASSERT_TRUE(strstr(d.message, "porh_bz_s") != NULL);
    }
    ASSERT_STATUS(mc_protocol_config_set(&c, "porh_bz_s", NULL, &d), MC_EINVAL);
    ASSERT_STATUS(mc_protocol_config_set(&c, "pco2_delay_s", "-1", &d), MC_EINVAL);
    ASSERT_STATUS(mc_protocol_config_set(&c, "nope", "1", &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "nope") != NULL);
    ASSERT_STATUS(mc_protocol_config_set(&c, NULL, "1", &d), MC_EINVAL);
    ASSERT_TRUE(memcmp(&before, &c, sizeof c) == 0);
}
