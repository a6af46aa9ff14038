/* SPDX-License-Identifier: MIT */
/* tests/dsp/test_nirs.c: the NIRS analyser: configuration, the StO2 window mean on regular and
 * irregular streams against a direct computation, statuses, gaps, and rows that are bit-identical
 * whatever the block sizes. */
#include "dsp/nirs.h"

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

static mc_analyser *make(const mc_nirs_config *c, double fs, uint32_t nc, uint32_t ch)
{
    mc_diag d;
    mc_analyser *a = NULL;
    mc_status st = mc_nirs_analyser_create(c, fs, nc, ch, &d, &a);
    if (st != MC_OK)
        fprintf(stderr, "create: %s\n", d.message);
    ASSERT_STATUS(st, MC_OK);
    return a;
}

/* Run frames through a new analyser in blocks of `block` (0: pseudo-random sizes 1-97). */
static rows run(const mc_nirs_config *c, double fs, uint32_t nc, uint32_t ch, const float *x,
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

/* ---- configuration --------------------------------------------------------------------------- */

TEST(config)
{
    mc_nirs_config c = mc_nirs_config_default();
    ASSERT_NEAR_F(c.hop_s, 1, 0);
    ASSERT_NEAR_F(c.window_s, 5, 0);
    mc_diag d;
    ASSERT_STATUS(mc_nirs_config_set(&c, "window_s", "8", &d), MC_OK);
    ASSERT_NEAR_F(c.window_s, 8, 0);
    ASSERT_STATUS(mc_nirs_config_set(&c, "hop_s", "0.5", NULL), MC_OK);
    ASSERT_NEAR_F(c.hop_s, 0.5, 0);
    mc_nirs_config before = c;
    const char *bad[] = {"", "x", "0", "-2", "inf", "nan", "1e999", "5s", NULL};
    for (size_t i = 0; bad[i]; i++) {
        ASSERT_STATUS(mc_nirs_config_set(&c, "window_s", bad[i], &d), MC_EINVAL);
        ASSERT_TRUE(strstr(d.message, "window_s") != NULL);
    }
    ASSERT_STATUS(mc_nirs_config_set(&c, "hop_s", NULL, &d), MC_EINVAL);
    ASSERT_STATUS(mc_nirs_config_set(&c, "hops", "1", &d), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "hops") != NULL);
    ASSERT_STATUS(mc_nirs_config_set(&c, NULL, "1", &d), MC_EINVAL);
    ASSERT_TRUE(memcmp(&before, &c, sizeof c) == 0);
}

TEST(create_errors)
{
    mc_nirs_config c = mc_nirs_config_default();
    mc_analyser *a = (mc_analyser *)&c;
    mc_diag d;
    ASSERT_STATUS(mc_nirs_analyser_create(NULL, 1, 1, 0, &d, &a), MC_EINVAL);
    ASSERT_TRUE(a == NULL);
    const double rates[] = {-1, (double)NAN, (double)INFINITY};
    for (size_t i = 0; i < 3; i++) {
        a = (mc_analyser *)&c;
        ASSERT_STATUS(mc_nirs_analyser_create(&c, rates[i], 1, 0, &d, &a), MC_EINVAL);
        ASSERT_TRUE(a == NULL);
    }
    ASSERT_STATUS(mc_nirs_analyser_create(&c, 1, 0, 0, &d, &a), MC_EINVAL);
    ASSERT_STATUS(mc_nirs_analyser_create(&c, 1, 2, 2, NULL, &a), MC_EINVAL);
    ASSERT_TRUE(a == NULL);
    mc_nirs_config bad = c;
    bad.hop_s = 0;
    ASSERT_STATUS(mc_nirs_analyser_create(&bad, 1, 1, 0, &d, &a), MC_EINVAL);
    ASSERT_TRUE(strstr(d.message, "hop_s") != NULL);
    bad = c;
    bad.window_s = (double)NAN;
    ASSERT_STATUS(mc_nirs_analyser_create(&bad, 0, 1, 0, &d, &a), MC_EINVAL);
    bad = c;
    bad.window_s = 1e7; /* 10^7 hops */
    ASSERT_STATUS(mc_nirs_analyser_create(&bad, 1, 1, 0, &d, &a), MC_EINVAL);
    ASSERT_TRUE(a == NULL);
    a = make(&c, 0, 1, 0);
    ASSERT_EQ_INT(mc_analyser_get_n_features(a), 1);
    ASSERT_STR_EQ(mc_analyser_get_feature(a, 0)->name, "sto2");
    ASSERT_STR_EQ(mc_analyser_get_feature(a, 0)->unit, "%");
    ASSERT_TRUE(mc_analyser_get_feature(a, 1) == NULL);
    ASSERT_STR_EQ(mc_analyser_get_parameters(a), "window_s=5 hop_s=1");
    mc_analyser_destroy(a);
    mc_analyser_destroy(NULL);
}

/* ---- regular streams ------------------------------------------------------------------------- */

/* Channel 1 of 3 at 2 Hz: row k ends at frame 2(k + 1) and is the mean of the finite samples of
 * the last 10 frames; NaN stretches and out-of-range samples give their statuses. */
TEST(regular_mean)
{
    const size_t n = 200, nc = 3;
    float *x = calloc(n * nc, sizeof *x);
    ASSERT_TRUE(x != NULL);
    for (size_t i = 0; i < n; i++) {
        x[i * nc] = 1000; /* other channels: never read */
        x[i * nc + 1] = (float)(50 + 0.25 * (double)i);
        x[i * nc + 2] = -5;
    }
    for (size_t i = 40; i < 60; i++)
        x[i * nc + 1] = NAN;
    x[100 * nc + 1] = 101;
    mc_nirs_config c = mc_nirs_config_default();
    rows r = run(&c, 2, 3, 1, x, NULL, n, 7);
    ASSERT_EQ_INT(r.n, n / 2);
    for (size_t k = 0; k < r.n; k++) {
        int64_t end = (int64_t)(2 * (k + 1));
        ASSERT_EQ_INT(r.end_index[k], end);
        ASSERT_EQ_INT(r.end_t_ns[k], MC_NO_TIME);
        double sum = 0;
        int cnt = 0, bad = 0;
        for (int64_t i = end - 10 > 0 ? end - 10 : 0; i < end; i++) {
            float v = x[i * 3 + 1];
            bad += v > 100;
            if (isfinite(v) && v <= 100) {
                sum += (double)v;
                cnt++;
            }
        }
        uint8_t want = bad ? MC_FS_INVALID : cnt ? MC_FS_OK : MC_FS_NO_SIGNAL;
        ASSERT_EQ_INT(r.status[k], want);
        if (want == MC_FS_OK)
            ASSERT_NEAR_F(r.value[k], sum / cnt, 1e-5);
        else
            ASSERT_TRUE(isnan(r.value[k]));
    }
    ASSERT_EQ_INT(r.status[29], MC_FS_NO_SIGNAL); /* frames 50-59: all NaN */
    ASSERT_EQ_INT(r.status[50], MC_FS_INVALID);
    ASSERT_EQ_INT(r.status[55], MC_FS_OK);
    rows_free(&r);
    free(x);
}

/* The simulator's VOT with noise and dropouts: any blocking gives the same rows, bit for bit. */
TEST(block_invariance)
{
    mc_diag dg;
    mc_sim *sim = NULL;
    const mc_kv kv[] = {{"rate", "4"}, {"vot", "60"}, {"dropout", "6"}, {"quantize", "1"}};
    ASSERT_STATUS(mc_sim_create("nirs", "nirs_thenar", kv, 4, &dg, &sim), MC_OK);
    const size_t n = 4 * 600;
    float *x = calloc(n, sizeof *x);
    int64_t *t = calloc(n, sizeof *t);
    ASSERT_TRUE(x && t);
    mc_sim_read(sim, n, x, t);
    for (size_t i = 0; i < n; i++) /* jitter for the irregular runs */
        t[i] += (int64_t)((i * 7919) % 200) * 1000000;
    mc_nirs_config c = mc_nirs_config_default();
    c.hop_s = 0.75;
    c.window_s = 0.75; /* short enough for dropouts to empty it */
    for (int irregular = 0; irregular <= 1; irregular++) {
        const int64_t *tt = irregular ? t : NULL;
        double fs = irregular ? 0 : 4;
        rows ref = run(&c, fs, 1, 0, x, tt, n, n);
        ASSERT_TRUE(ref.n > 700);
        const size_t blocks[] = {1, 2, 3, 64, 1000, 0};
        for (size_t b = 0; b < 6; b++) {
            rows r = run(&c, fs, 1, 0, x, tt, n, blocks[b]);
            ASSERT_TRUE(rows_equal(&ref, &r));
            rows_free(&r);
        }
        size_t nan_rows = 0, ok_rows = 0;
        for (size_t k = 0; k < ref.n; k++) {
            nan_rows += ref.status[k] == MC_FS_NO_SIGNAL;
            ok_rows += ref.status[k] == MC_FS_OK;
        }
        printf("%s: %zu rows, %zu OK, %zu NO_SIGNAL\n", irregular ? "irregular" : "regular", ref.n,
               ok_rows, nan_rows);
        ASSERT_TRUE(ok_rows > ref.n / 2);
        ASSERT_TRUE(nan_rows > 0);
        rows_free(&ref);
    }
    free(x);
    free(t);
    mc_sim_destroy(sim);
}

/* ---- irregular streams ----------------------------------------------------------------------- */

/* Jittered times about 0.7 s apart: row m ends at the boundary B = m hop, its value is the mean
 * over [B - 5, B) and its time is the last frame's before B. */
TEST(irregular_times)
{
    const size_t n = 400;
    float x[400];
    int64_t t[400];
    for (size_t i = 0; i < n; i++) {
        t[i] = 2300000000 + (int64_t)i * 700000000 + (int64_t)((i * 37) % 11) * 20000000;
        x[i] = (float)(60 + 10 * sin(0.05 * (double)i));
    }
    mc_nirs_config c = mc_nirs_config_default();
    rows r = run(&c, 0, 1, 0, x, t, n, 5);
    const int64_t hop = 1000000000;
    int64_t first_b = 3 * hop; /* the hop holding 2.3 s ends at 3 s */
    ASSERT_EQ_INT((int64_t)r.n, (t[n - 1] - first_b) / hop + 1);
    for (size_t k = 0; k < r.n; k++) {
        int64_t b = first_b + (int64_t)k * hop;
        double sum = 0;
        int cnt = 0;
        int64_t consumed = 0, last = b;
        for (size_t i = 0; i < n; i++) {
            if (t[i] < b) {
                consumed++;
                if (t[i] >= b - 5 * hop) {
                    sum += (double)x[i];
                    cnt++;
                    last = t[i];
                }
            }
        }
        ASSERT_EQ_INT(r.end_index[k], consumed);
        ASSERT_EQ_INT(r.end_t_ns[k], last);
        ASSERT_EQ_INT(r.status[k], MC_FS_OK);
        ASSERT_NEAR_F(r.value[k], sum / cnt, 1e-4);
    }
    rows_free(&r);
}

/* A 30-s gap: the window drains (rows with data), one NO_SIGNAL row, then rows resume at the hop
 * of the next frame. A time that goes backwards joins the current hop. */
TEST(irregular_gap)
{
    float x[8] = {70, 71, 72, 73, 80, 81, NAN, 82};
    int64_t s = 1000000000;
    int64_t t[8] = {0, s / 2, s, 3 * s / 2, 40 * s, 40 * s + s / 2, 41 * s, 40 * s + s / 4};
    mc_nirs_config c = mc_nirs_config_default();
    c.window_s = 2;
    rows r = run(&c, 0, 1, 0, x, t, 8, 1);
    /* rows at 1 s, 2 s, 3 s (the window [1, 3) still holds 1 and 1.5), 4 s (empty), then the
     * frame at 40 s: next boundary 41 s. */
    ASSERT_EQ_INT(r.n, 5);
    ASSERT_NEAR_F(r.value[0], 70.5, 1e-6);
    ASSERT_NEAR_F(r.value[1], 71.5, 1e-6);
    ASSERT_NEAR_F(r.value[2], 72.5, 1e-6);
    ASSERT_EQ_INT(r.end_t_ns[2], 3 * s / 2);
    ASSERT_EQ_INT(r.status[3], MC_FS_NO_SIGNAL);
    ASSERT_EQ_INT(r.end_t_ns[3], 4 * s);
    ASSERT_EQ_INT(r.end_index[3], 4);
    ASSERT_EQ_INT(r.end_index[4], 6);
    ASSERT_EQ_INT(r.end_t_ns[4], 40 * s + s / 2);
    ASSERT_NEAR_F(r.value[4], 80.5, 1e-6);
    rows_free(&r);
    /* Extreme times never hang or overflow. */
    int64_t big[3] = {INT64_MIN, 0, INT64_MAX};
    float y[3] = {50, 60, 70};
    rows q = run(&c, 0, 1, 0, y, big, 3, 1);
    ASSERT_TRUE(q.n >= 1);
    rows_free(&q);
}
