/* SPDX-License-Identifier: MIT */
/* tests/dsp/test_pco2.c: the PCO2 analyser: configuration, the level and the least-squares trend
 * against ramps (exact to 1e-6), the settling period, statuses, irregular times, and rows that are
 * bit-identical whatever the block sizes. */
#include "dsp/pco2.h"

#include "acquisition/sim.h"
#include "dsp/block.h"
#include "tests/harness.h"

/* ---- rows collected from an analyser --------------------------------------------------------- */

typedef struct rows {
    size_t n, cap, n_features;
    int64_t *end_index, *end_t_ns;
    float *value;
    uint8_t *status;
} rows;

static void rows_emit(void *ctx, const mc_analysis_row *row)
{
    rows *r = ctx;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->end_index = realloc(r->end_index, r->cap * sizeof *r->end_index);
        r->end_t_ns = realloc(r->end_t_ns, r->cap * sizeof *r->end_t_ns);
        r->value = realloc(r->value, r->cap * row->n_features * sizeof *r->value);
        r->status = realloc(r->status, r->cap * row->n_features);
        ASSERT_TRUE(r->end_index && r->end_t_ns && r->value && r->status);
    }
    r->n_features = row->n_features;
    r->end_index[r->n] = row->end_index;
    r->end_t_ns[r->n] = row->end_t_ns;
    memcpy(r->value + r->n * row->n_features, row->value, row->n_features * sizeof *r->value);
    memcpy(r->status + r->n * row->n_features, row->status, row->n_features);
    r->n++;
}

static void rows_free(rows *r)
{
    free(r->end_index);
    free(r->end_t_ns);
    free(r->value);
    free(r->status);
    memset(r, 0, sizeof *r);
}

static int rows_equal(const rows *a, const rows *b)
{
    return a->n == b->n && a->n_features == b->n_features &&
           memcmp(a->end_index, b->end_index, a->n * sizeof *a->end_index) == 0 &&
           memcmp(a->end_t_ns, b->end_t_ns, a->n * sizeof *a->end_t_ns) == 0 &&
           memcmp(a->value, b->value, a->n * a->n_features * sizeof *a->value) == 0 &&
           memcmp(a->status, b->status, a->n * a->n_features) == 0;
}

static mc_analyser *make(const mc_pco2_config *c, double fs, uint32_t nc, uint32_t ch)
{
    mc_diag d;
    mc_analyser *a = NULL;
    mc_status st = mc_pco2_analyser_create(c, fs, nc, ch, &d, &a);
    if (st != MC_OK)
        fprintf(stderr, "create: %s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    return a;
}

/* Run frames through a new analyser in blocks of `block` (0: pseudo-random sizes 1-97). */
static rows run(const mc_pco2_config *c, double fs, uint32_t nc, uint32_t ch, const float *x,
                const int64_t *t, size_t n, size_t block)
{
    mc_analyser *a = make(c, fs, nc, ch);
    rows r = {0};
    uint32_t seed = 12345;
    for (size_t i = 0; i < n;) {
        size_t k = block;
        if (k == 0) {
            seed = seed * 1103515245u + 12345u;
            k = 1 + (seed >> 16) % 97;
        }
        if (k > n - i)
            k = n - i;
        mc_analyser_process(a, x + i * nc, t ? t + i : NULL, k, nc, rows_emit, &r);
        i += k;
    }
    mc_analyser_destroy(a);
    return r;
}

static mc_sim *make_sim(const char *spec_drift, const char *noise, const char *dropout,
                        const char *irregular)
{
    mc_diag d;
    mc_sim *sim = NULL;
    const mc_kv kv[] = {
        {"drift", spec_drift}, {"noise", noise}, {"dropout", dropout}, {"irregular", irregular}};
    ASSERT_STATUS(mc_sim_create("pco2", "pco2_ear", kv, 4, &d, &sim), MC_OK);
    return sim;
}

/* ---- configuration --------------------------------------------------------------------------- */

TEST(config)
{
    mc_pco2_config c = mc_pco2_config_default();
    ASSERT_NEAR_F(c.hop_s, 1, 0);
    ASSERT_NEAR_F(c.window_s, 10, 0);
    ASSERT_NEAR_F(c.trend_window_s, 600, 0);
    ASSERT_NEAR_F(c.discard_s, 600, 0);
    mc_diag d;
    ASSERT_STATUS(mc_pco2_config_set(&c, "discard_s", "0", &d), MC_OK);
    ASSERT_NEAR_F(c.discard_s, 0, 0);
    ASSERT_STATUS(mc_pco2_config_set(&c, "trend_window_s", "300", NULL), MC_OK);
    ASSERT_NEAR_F(c.trend_window_s, 300, 0);
    ASSERT_STATUS(mc_pco2_config_set(&c, "window_s", "20", NULL), MC_OK);
    ASSERT_STATUS(mc_pco2_config_set(&c, "hop_s", "2", NULL), MC_OK);
    ASSERT_NEAR_F(c.hop_s, 2, 0);
    mc_pco2_config before = c;
    const char *keys[] = {"hop_s", "window_s", "trend_window_s"};
    const char *bad[] = {"", "x", "0", "-2", "inf", "nan", "1e999", "10 s", NULL};
    for (size_t k = 0; k < 3; k++)
        for (size_t i = 0; bad[i]; i++) {
            ASSERT_STATUS(mc_pco2_config_set(&c, keys[k], bad[i], &d), MC_EINVAL);
            ASSERT_TRUE(strstr(d.message, keys[k]) != NULL);
        }
    ASSERT_STATUS(mc_pco2_config_set(&c, "discard_s", "-1", &d), MC_EINVAL);
    ASSERT_STATUS(mc_pco2_config_set(&c, "discard_s", NULL, &d), MC_EINVAL);
    ASSERT_STATUS(mc_pco2_config_set(&c, "level_s", "1", &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "level_s") != NULL);
    ASSERT_TRUE(memcmp(&before, &c, sizeof c) == 0);
}

TEST(create_errors)
{
    mc_pco2_config c = mc_pco2_config_default();
    mc_analyser *a = (mc_analyser *)&c;
    mc_diag d;
    ASSERT_STATUS(mc_pco2_analyser_create(NULL, 1, 1, 0, &d, &a), MC_EINVAL);
    ASSERT_TRUE(a == NULL);
    ASSERT_STATUS(mc_pco2_analyser_create(&c, -1, 1, 0, &d, &a), MC_EINVAL);
    ASSERT_STATUS(mc_pco2_analyser_create(&c, (double)NAN, 1, 0, &d, &a), MC_EINVAL);
    ASSERT_STATUS(mc_pco2_analyser_create(&c, 1, 0, 0, &d, &a), MC_EINVAL);
    ASSERT_STATUS(mc_pco2_analyser_create(&c, 1, 1, 1, NULL, &a), MC_EINVAL);
    const size_t offsets[] = {offsetof(mc_pco2_config, hop_s), offsetof(mc_pco2_config, window_s),
                              offsetof(mc_pco2_config, trend_window_s),
                              offsetof(mc_pco2_config, discard_s)};
    const double values[] = {-1, 0, (double)NAN, (double)INFINITY, 1e12};
    for (size_t k = 0; k < 4; k++)
        for (size_t v = 0; v < 5; v++) {
            mc_pco2_config bad = c;
            if (k == 3 && values[v] == 0)
                continue; /* discard_s 0 is allowed */
            memcpy((char *)&bad + offsets[k], &values[v], sizeof values[v]);
            a = (mc_analyser *)&c;
            ASSERT_STATUS(mc_pco2_analyser_create(&bad, k == 0 && v == 4 ? 0 : 1, 1, 0, &d, &a),
                          MC_EINVAL);
            ASSERT_TRUE(a == NULL);
        }
    a = make(&c, 1, 1, 0);
    ASSERT_EQ_INT(mc_analyser_get_n_features(a), 2);
    ASSERT_STR_EQ(mc_analyser_get_feature(a, 0)->name, "pco2");
    ASSERT_STR_EQ(mc_analyser_get_feature(a, 0)->unit, "mmHg");
    ASSERT_STR_EQ(mc_analyser_get_feature(a, 1)->name, "pco2_trend");
    ASSERT_STR_EQ(mc_analyser_get_feature(a, 1)->unit, "mmHg/h");
    ASSERT_TRUE(mc_analyser_get_feature(a, 2) == NULL);
    ASSERT_STR_EQ(mc_analyser_get_parameters(a),
                  "window_s=10 trend_window_s=600 discard_s=600 hop_s=1");
    mc_analyser_destroy(a);
}

/* ---- level and trend ------------------------------------------------------------------------- */

/* The least-squares slope of x over frames [end - w, end) at 1 Hz, straight from the samples in
 * double: what the analyser's binned sums must reproduce. */
static double direct_slope(const float *x, int64_t end, int64_t w)
{
    double mt = 0, mx = 0, sxx = 0, sxy = 0;
    for (int64_t i = end - w; i < end; i++) {
        mt += (double)i;
        mx += (double)x[i];
    }
    mt /= (double)w;
    mx /= (double)w;
    for (int64_t i = end - w; i < end; i++) {
        sxx += ((double)i - mt) * ((double)i - mt);
        sxy += ((double)i - mt) * ((double)x[i] - mx);
    }
    return sxy / sxx * 3600;
}

/* The simulator's ramp (noise 0, 1 Hz, no discard): from the first row whose 600-s window is
 * covered (before it, INSUFFICIENT_LENGTH) the trend equals the drift to 1e-6, and the slope of
 * the float32 samples themselves to float32 output rounding (the binned sums lose nothing). The
 * level is the mean of the last 10 samples: the ramp 5.5 s before the row's end. */
TEST(trend_exact)
{
    const char *drifts[] = {"6", "-3", "120", "0.5"};
    mc_pco2_config c = mc_pco2_config_default();
    c.discard_s = 0;
    for (size_t k = 0; k < 4; k++) {
        double drift = strtod(drifts[k], NULL);
        mc_sim *sim = make_sim(drifts[k], "0", "0", "0");
        const size_t n = 1800;
        float *x = calloc(n, sizeof *x);
        ASSERT_TRUE(x != NULL);
        mc_sim_read(sim, n, x, NULL);
        rows r = run(&c, 1, 1, 0, x, NULL, n, 0);
        ASSERT_EQ_INT(r.n, n);
        double worst = 0, worst_direct = 0, worst_level = 0;
        for (size_t j = 0; j < r.n; j++) {
            int64_t end = r.end_index[j];
            ASSERT_EQ_INT(end, (int64_t)j + 1);
            ASSERT_EQ_INT(r.status[2 * j], MC_FS_OK);
            double t_mid = end < 10 ? 0.5 * (double)(end - 1) : (double)end - 5.5;
            double level = 45 + drift * t_mid / 3600;
            worst_level = fmax(worst_level, fabs((double)r.value[2 * j] - level));
            if (end < 600) {
                ASSERT_EQ_INT(r.status[2 * j + 1], MC_FS_INSUFFICIENT_LENGTH);
                continue;
            }
            ASSERT_EQ_INT(r.status[2 * j + 1], MC_FS_OK);
            double v = (double)r.value[2 * j + 1], direct = direct_slope(x, end, 600);
            worst = fmax(worst, fabs(v - drift) / fabs(drift));
            worst_direct = fmax(worst_direct, fabs(v - direct) / fabs(direct));
        }
        printf("drift %4s mmHg/h: trend max rel err %.2e (vs the samples' own slope %.2e), level "
               "max abs err %.2e mmHg\n",
               drifts[k], worst, worst_direct, worst_level);
        ASSERT_TRUE(worst <= 1e-6);
        ASSERT_TRUE(worst_direct <= 1.2e-7); /* float32 output */
        ASSERT_TRUE(worst_level <= 1e-4);
        rows_free(&r);
        free(x);
        mc_sim_destroy(sim);
    }
}

/* An irregular ramp (times 0.4-1.6 s apart, from 7.3 s): the least-squares slope of a line is the
 * line's slope whatever the times; the level is the mean over [B - 10 s, B). */
TEST(trend_irregular)
{
    const size_t n = 3000;
    float *x = calloc(n, sizeof *x);
    int64_t *t = calloc(n, sizeof *t);
    ASSERT_TRUE(x && t);
    const double drift = -7.5;
    int64_t now = 7300000000;
    for (size_t i = 0; i < n; i++) {
        t[i] = now;
        x[i] = (float)(52 + drift * (double)now * 1e-9 / 3600);
        now += 400000000 + (int64_t)((i * 7919) % 1201) * 1000000;
    }
    mc_pco2_config c = mc_pco2_config_default();
    c.discard_s = 0;
    rows r = run(&c, 0, 1, 0, x, t, n, 0);
    const int64_t s = 1000000000;
    double worst = 0;
    size_t ok = 0;
    for (size_t j = 0; j < r.n; j++) {
        int64_t b = 8 * s + (int64_t)j * s;
        double sum = 0;
        int cnt = 0;
        for (size_t i = 0; i < n && t[i] < b; i++)
            if (t[i] >= b - 10 * s) {
                sum += (double)x[i];
                cnt++;
            }
        if (cnt == 0) {
            ASSERT_EQ_INT(r.status[2 * j], MC_FS_NO_SIGNAL);
        } else {
            ASSERT_EQ_INT(r.status[2 * j], MC_FS_OK);
            ASSERT_NEAR_F(r.value[2 * j], sum / cnt, 1e-4);
        }
        if (b < t[0] + 600 * s) {
            ASSERT_EQ_INT(r.status[2 * j + 1], MC_FS_INSUFFICIENT_LENGTH);
        } else if (r.status[2 * j + 1] == MC_FS_OK) {
            worst = fmax(worst, fabs((double)r.value[2 * j + 1] - drift) / fabs(drift));
            ok++;
        }
    }
    printf("irregular ramp: %zu rows, %zu trends, max rel err %.2e\n", r.n, ok, worst);
    ASSERT_TRUE(ok > r.n / 2);
    ASSERT_TRUE(worst <= 1e-6);
    rows_free(&r);
    free(x);
    free(t);
}

/* The default 600-s settling period: NOT_AVAILABLE up to 600 s, then the level, and the trend
 * once its window lies after the settling period (1200 s). */
TEST(discard)
{
    mc_sim *sim = make_sim("2", "0", "0", "0");
    const size_t n = 1500;
    float *x = calloc(n, sizeof *x);
    ASSERT_TRUE(x != NULL);
    mc_sim_read(sim, n, x, NULL);
    for (size_t i = 0; i < 600; i++)
        x[i] = 90; /* the overshoot: never seen */
    mc_pco2_config c = mc_pco2_config_default();
    rows r = run(&c, 1, 1, 0, x, NULL, n, 13);
    for (size_t j = 0; j < r.n; j++) {
        int64_t end = r.end_index[j];
        uint8_t want_level = end <= 600 ? MC_FS_NOT_AVAILABLE : MC_FS_OK;
        uint8_t want_trend = end <= 600   ? MC_FS_NOT_AVAILABLE
                             : end < 1200 ? MC_FS_INSUFFICIENT_LENGTH
                                          : MC_FS_OK;
        ASSERT_EQ_INT(r.status[2 * j], want_level);
        ASSERT_EQ_INT(r.status[2 * j + 1], want_trend);
        if (want_level == MC_FS_OK)
            ASSERT_TRUE(r.value[2 * j] < 46);
        if (want_trend == MC_FS_OK)
            ASSERT_NEAR_F(r.value[2 * j + 1], 2, 2e-6);
    }
    ASSERT_NEAR_F(r.value[2 * 600], 45 + 2 * 600.0 / 3600, 1e-4); /* only frame 600 is used */
    rows_free(&r);
    /* The same frames as an irregular stream from 0.3 s: the settling period ends at 600.3 s, the
     * row ending at 601 s has only the frame at 600.3 s, the trend starts at 1201 s. */
    int64_t *t = calloc(n, sizeof *t);
    ASSERT_TRUE(t != NULL);
    for (size_t i = 0; i < n; i++)
        t[i] = 300000000 + (int64_t)i * 1000000000;
    r = run(&c, 0, 1, 0, x, t, n, 13);
    ASSERT_EQ_INT(r.n, n - 1);
    for (size_t j = 0; j < r.n; j++) {
        uint8_t want_level = j < 600 ? MC_FS_NOT_AVAILABLE : MC_FS_OK;
        uint8_t want_trend = j < 600    ? MC_FS_NOT_AVAILABLE
                             : j < 1200 ? MC_FS_INSUFFICIENT_LENGTH
                                        : MC_FS_OK;
        ASSERT_EQ_INT(r.status[2 * j], want_level);
        ASSERT_EQ_INT(r.status[2 * j + 1], want_trend);
        if (want_trend == MC_FS_OK)
            ASSERT_NEAR_F(r.value[2 * j + 1], 2, 2e-6);
    }
    ASSERT_EQ_INT(r.end_t_ns[600], t[600]);
    ASSERT_NEAR_F(r.value[2 * 600], x[600], 0);
    rows_free(&r);
    free(t);
    free(x);
    mc_sim_destroy(sim);
}

/* Missing and impossible values: NO_SIGNAL and INVALID for the level; the trend tolerates gaps
 * until fewer than half of its hops hold a sample. */
TEST(statuses)
{
    const size_t n = 2000;
    float *x = calloc(n, sizeof *x);
    ASSERT_TRUE(x != NULL);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(40 + 0.001 * (double)i);
    for (size_t i = 700; i < 720; i++)
        x[i] = NAN; /* 20 s: the level has nothing at 720 */
    x[800] = 250;   /* impossible: level INVALID for 10 rows, the trend leaves it out */
    for (size_t i = 1300; i < 1620; i++)
        x[i] = NAN; /* 320 s: the trend loses half its window at 1601 */
    mc_pco2_config c = mc_pco2_config_default();
    c.discard_s = 0;
    rows r = run(&c, 1, 1, 0, x, NULL, n, 100);
    ASSERT_EQ_INT(r.n, n);
    ASSERT_EQ_INT(r.status[2 * 719], MC_FS_NO_SIGNAL); /* row ending at 720 */
    ASSERT_EQ_INT(r.status[2 * 720], MC_FS_OK);
    ASSERT_EQ_INT(r.status[2 * 800], MC_FS_INVALID);
    ASSERT_EQ_INT(r.status[2 * 809], MC_FS_INVALID);
    ASSERT_EQ_INT(r.status[2 * 810], MC_FS_OK);
    ASSERT_EQ_INT(r.status[2 * 805 + 1], MC_FS_OK);
    ASSERT_NEAR_F(r.value[2 * 805 + 1], 3.6, 1e-5);
    ASSERT_EQ_INT(r.status[2 * 1599 + 1], MC_FS_OK); /* 300 of 600 hops */
    ASSERT_NEAR_F(r.value[2 * 1599 + 1], 3.6, 1e-5);
    ASSERT_EQ_INT(r.status[2 * 1600 + 1], MC_FS_NO_SIGNAL); /* 299 of 600 */
    ASSERT_EQ_INT(r.status[2 * 1600], MC_FS_NO_SIGNAL);
    ASSERT_EQ_INT(r.status[2 * 1999 + 1], MC_FS_OK);
    rows_free(&r);
    free(x);
}

/* The simulator with noise and dropouts: any blocking gives the same rows, bit for bit, on
 * regular and irregular streams (the irregular one with jittered times). */
TEST(block_invariance)
{
    mc_sim *sim = make_sim("3", "0.5", "4", "0");
    const size_t n = 1500;
    float *x = calloc(n, sizeof *x);
    int64_t *t = calloc(n, sizeof *t);
    ASSERT_TRUE(x && t);
    mc_sim_read(sim, n, x, t);
    for (size_t i = 0; i < n; i++)
        t[i] += (int64_t)((i * 7919) % 900) * 1000000;
    mc_pco2_config c = mc_pco2_config_default();
    c.discard_s = 60;
    c.trend_window_s = 300;
    for (int irregular = 0; irregular <= 1; irregular++) {
        const int64_t *tt = irregular ? t : NULL;
        double fs = irregular ? 0 : 1;
        rows ref = run(&c, fs, 1, 0, x, tt, n, n);
        ASSERT_TRUE(ref.n > 1400);
        const size_t blocks[] = {1, 2, 7, 64, 1000, 0};
        for (size_t b = 0; b < 6; b++) {
            rows r = run(&c, fs, 1, 0, x, tt, n, blocks[b]);
            ASSERT_TRUE(rows_equal(&ref, &r));
            rows_free(&r);
        }
        size_t trends = 0;
        for (size_t j = 0; j < ref.n; j++)
            if (ref.status[2 * j + 1] == MC_FS_OK) {
                trends++;
                ASSERT_NEAR_F(ref.value[2 * j + 1], 3, 6); /* noise 0.5 over 300 s: SE 1.2 */
            }
        printf("%s: %zu rows, %zu trends\n", irregular ? "irregular" : "regular", ref.n, trends);
        ASSERT_TRUE(trends > 1000);
        rows_free(&ref);
    }
    free(x);
    free(t);
    mc_sim_destroy(sim);
}
