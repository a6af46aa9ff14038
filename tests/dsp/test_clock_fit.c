/* SPDX-License-Identifier: MIT */
/* tests/dsp/test_clock_fit.c: the clock fit against simulated sources whose true frame times are
 * known analytically (k / true_rate plus the pauses and steps the test injects), and the reader's
 * interpolation on hand-computed anchors. Each case prints its measured worst error. */
#include "dsp/clock_fit.h"

#include <stdint.h>

#include "dsp/block.h"
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

/* Uniform in [lo, hi). */
static double rng_range(rng *r, double lo, double hi)
{
    return lo + (double)(rng_next(r) >> 11) * 0x1p-53 * (hi - lo);
}

static double rng_sym(rng *r, double half)
{
    return rng_range(r, -half, half);
}

/* ---- a run: feeds blocks, pops anchors after every call, remembers the truth ---- */

typedef struct truth_block {
    int64_t stored;   /* stored index of the first frame, as the fit returned it */
    uint32_t n;       /* frames */
    double t_ns;      /* true time of the first frame, ns */
    double period_ns; /* true frame period, ns */
} truth_block;

typedef struct run {
    mc_clock_fit *f;
    double rate_hz;
    int64_t *a_index, *a_t;
    size_t n_anchors, cap_anchors;
    truth_block *blocks;
    size_t n_blocks, cap_blocks;
    int times_may_drop; /* a step is expected: anchor times may decrease between segments */
} run;

static void run_init(run *r, const mc_clock_fit_config *cfg)
{
    memset(r, 0, sizeof *r);
    r->rate_hz = cfg->rate_hz;
    ASSERT_STATUS(mc_clock_fit_create(cfg, &r->f), MC_OK);
}

static void run_free(run *r)
{
    mc_clock_fit_destroy(r->f);
    free(r->a_index);
    free(r->a_t);
    free(r->blocks);
}

static void *grow(void *p, size_t *cap, size_t elem)
{
    *cap = *cap ? 2 * *cap : 1024;
    void *q = realloc(p, *cap * elem);
    ASSERT_TRUE(q != NULL);
    return q;
}

static void run_pop(run *r)
{
    int64_t i, t;
    while (mc_clock_fit_pop_anchor(r->f, &i, &t)) {
        if (r->n_anchors == r->cap_anchors) {
            size_t cap = r->cap_anchors;
            r->a_index = grow(r->a_index, &cap, sizeof *r->a_index);
            r->a_t = grow(r->a_t, &r->cap_anchors, sizeof *r->a_t);
        }
        if (r->n_anchors > 0) {
            ASSERT_TRUE(i > r->a_index[r->n_anchors - 1]);
            if (!r->times_may_drop)
                ASSERT_TRUE(t > r->a_t[r->n_anchors - 1]);
        }
        r->a_index[r->n_anchors] = i;
        r->a_t[r->n_anchors] = t;
        r->n_anchors++;
    }
}

/* Feeds one block whose first frame truly happened at true_t_ns; the fit sees t0_ns. */
static mc_clock_result run_feed(run *r, int64_t first_frame, uint32_t n, int64_t t0_ns,
                                double true_t_ns, double true_period_ns)
{
    mc_clock_result res;
    ASSERT_STATUS(mc_clock_fit_process(r->f, first_frame, n, t0_ns, &res), MC_OK);
    run_pop(r);
    if (r->n_blocks == r->cap_blocks)
        r->blocks = grow(r->blocks, &r->cap_blocks, sizeof *r->blocks);
    r->blocks[r->n_blocks++] = (truth_block){res.first_index, n, true_t_ns, true_period_ns};
    return res;
}

static void run_finish(run *r)
{
    ASSERT_STATUS(mc_clock_fit_finish(r->f), MC_OK);
    run_pop(r);
}

/* Worst |rebuilt - true| over the frames of blocks [b0, b1), rebuilding each frame's time from
 * the popped anchors exactly as a reader would; the rms error goes to *rms_ns if not NULL. */
static double run_error(const run *r, size_t b0, size_t b1, double *rms_ns)
{
    int64_t buf[4096];
    const uint32_t chunk = (uint32_t)(sizeof buf / sizeof buf[0]);
    double worst = 0.0, sum2 = 0.0;
    size_t count = 0;
    for (size_t b = b0; b < b1 && b < r->n_blocks; b++) {
        const truth_block *tb = &r->blocks[b];
        for (uint32_t m0 = 0; m0 < tb->n; m0 += chunk) {
            uint32_t n = tb->n - m0 < chunk ? tb->n - m0 : chunk;
            ASSERT_STATUS(mc_time_index_map(r->a_index, r->a_t, r->n_anchors, r->rate_hz,
                                            tb->stored + m0, n, buf),
                          MC_OK);
            for (uint32_t m = 0; m < n; m++) {
                double e = fabs((double)buf[m] - (tb->t_ns + (double)(m0 + m) * tb->period_ns));
                worst = e > worst ? e : worst;
                sum2 += e * e;
                count++;
            }
        }
    }
    if (rms_ns)
        *rms_ns = count ? sqrt(sum2 / (double)count) : 0.0;
    return worst;
}

static int run_has_anchor(const run *r, int64_t index)
{
    for (size_t k = 0; k < r->n_anchors; k++) {
        if (r->a_index[k] == index)
            return 1;
    }
    return 0;
}

/* A 250 Hz-nominal stream in blocks of 25 frames: block b carries source frames [25 b, 25 b + 25)
 * whose first frame truly happened at t_start + 25 b / true_rate. */
enum { BLOCK = 25 };
static const double T_START_NS = 1.5e9;

static double true_time(int64_t frame, double true_rate_hz)
{
    return T_START_NS + (double)frame * 1e9 / true_rate_hz;
}

/* ---- cases ---- */

TEST(config_invalid)
{
    mc_clock_fit_config base = mc_clock_fit_config_default(250.0);
    ASSERT_NEAR_F(base.tau_s, 60.0, 0.0);
    ASSERT_NEAR_F(base.anchor_interval_s, 10.0, 0.0);
    ASSERT_NEAR_F(base.anchor_lag_s, 10.0, 0.0);
    ASSERT_NEAR_F(base.gap_s, 0.5, 0.0);
    ASSERT_NEAR_F(base.step_s, 0.5, 0.0);
    ASSERT_NEAR_F(base.max_rate_error, 0.01, 0.0);

    mc_clock_fit *valid = NULL;
    ASSERT_STATUS(mc_clock_fit_create(&base, &valid), MC_OK);
    ASSERT_TRUE(valid != NULL);

    /* Every field non-positive or non-finite, then values out of range although positive: a
     * 100 % rate error, a sub-ns period, an anchor spacing beyond 2^53 frames. */
    const double bad[] = {0.0, -1.0, (double)NAN, (double)INFINITY, -(double)INFINITY};
    const struct {
        int field;
        double value;
    } extra[] = {{6, 1.0}, {0, 2e9}, {2, 1e300}};
    for (size_t e = 0; e < 7 * 5 + 3; e++) {
        mc_clock_fit_config c = base;
        double *fields[] = {&c.rate_hz, &c.tau_s,  &c.anchor_interval_s, &c.anchor_lag_s,
                            &c.gap_s,   &c.step_s, &c.max_rate_error};
        if (e < 7 * 5)
            *fields[e / 5] = bad[e % 5];
        else
            *fields[extra[e - 7 * 5].field] = extra[e - 7 * 5].value;
        mc_clock_fit *f = valid; /* must be overwritten with NULL */
        ASSERT_STATUS(mc_clock_fit_create(&c, &f), MC_EINVAL);
        ASSERT_TRUE(f == NULL);
    }
    mc_clock_fit *f = valid;
    ASSERT_STATUS(mc_clock_fit_create(NULL, &f), MC_EINVAL);
    ASSERT_TRUE(f == NULL);
    ASSERT_STATUS(mc_clock_fit_create(&base, NULL), MC_EINVAL);

    /* A fresh fit knows no time, has no anchors, and finishing it is harmless. */
    int64_t i, t;
    ASSERT_EQ_INT(mc_clock_fit_get_time(valid, 0), MC_NO_TIME);
    ASSERT_EQ_INT(mc_clock_fit_pop_anchor(valid, &i, &t), 0);
    ASSERT_STATUS(mc_clock_fit_finish(valid), MC_OK);
    ASSERT_EQ_INT(mc_clock_fit_pop_anchor(valid, &i, &t), 0);
    mc_clock_fit_stats s = mc_clock_fit_get_stats(valid);
    ASSERT_EQ_INT(s.points, 0);
    ASSERT_EQ_INT(s.segments, 0);
    ASSERT_NEAR_F(s.rate_hz, 250.0, 0.0);
    mc_clock_fit_destroy(valid);
    mc_clock_fit_destroy(NULL);
}

TEST(ideal_clock)
{
    mc_clock_fit_config cfg = mc_clock_fit_config_default(250.0);
    run r;
    run_init(&r, &cfg);
    const int n_blocks = 1200; /* 120 s */
    for (int b = 0; b < n_blocks; b++) {
        int64_t k = (int64_t)b * BLOCK;
        double t = true_time(k, 250.0);
        mc_clock_result res = run_feed(&r, k, BLOCK, llround(t), t, 4e6);
        ASSERT_EQ_INT(res.event, b == 0 ? MC_CLOCK_FIRST : MC_CLOCK_CONTINUOUS);
        ASSERT_EQ_INT(res.first_index, k);
        ASSERT_EQ_INT(res.restarted, b == 0);
        ASSERT_EQ_INT(res.gap_frames, 0);
    }
    /* Anchors are already flowing before the end: every 10 s, 10 s behind the data. */
    ASSERT_TRUE(r.n_anchors >= 10);
    ASSERT_EQ_INT(r.a_index[1] - r.a_index[0], 2500);
    run_finish(&r);
    ASSERT_EQ_INT(r.a_index[r.n_anchors - 1], (int64_t)n_blocks * BLOCK - 1);
    double worst = run_error(&r, 0, r.n_blocks, NULL);
    fprintf(stderr, "ideal_clock: %zu anchors, worst error %.3f ns\n", r.n_anchors, worst);
    ASSERT_NEAR_F(worst, 0.0, 1e3);

    /* The live estimate extrapolates the exact clock, here 1e10 frames ahead. */
    ASSERT_EQ_INT(mc_clock_fit_get_time(r.f, INT64_C(10000000000)), INT64_C(40000001500000000));
    mc_clock_fit_stats s = mc_clock_fit_get_stats(r.f);
    ASSERT_EQ_INT(s.points, n_blocks);
    ASSERT_EQ_INT(s.rejected, 0);
    ASSERT_EQ_INT(s.gaps, 0);
    ASSERT_EQ_INT(s.segments, 1);
    ASSERT_NEAR_F(s.rate_hz, 250.0, 1e-9);
    run_free(&r);
}

/* 10 minutes of a source at true_rate with +-5 ms uniform jitter on every receive time. */
static void drift_case(double true_rate_hz, uint64_t seed)
{
    mc_clock_fit_config cfg = mc_clock_fit_config_default(250.0);
    run r;
    run_init(&r, &cfg);
    rng g = {seed};
    for (int b = 0; b < 6000; b++) {
        int64_t k = (int64_t)b * BLOCK;
        double t = true_time(k, true_rate_hz);
        mc_clock_result res =
            run_feed(&r, k, BLOCK, llround(t + rng_sym(&g, 5e6)), t, 1e9 / true_rate_hz);
        ASSERT_EQ_INT(res.first_index, k);
        ASSERT_EQ_INT(res.restarted, b == 0);
    }
    mc_clock_fit_stats s = mc_clock_fit_get_stats(r.f);
    run_finish(&r);
    double worst = run_error(&r, 0, r.n_blocks, NULL);
    double ppm = (s.rate_hz / true_rate_hz - 1.0) * 1e6;
    fprintf(stderr, "drift %.4f Hz: worst error %.1f us, rate error %.3f ppm, jitter %.2f ms\n",
            true_rate_hz, worst / 1e3, ppm, s.jitter_rms_ns / 1e6);
    ASSERT_NEAR_F(worst, 0.0, 1e6);
    /* The rate is only as good as tau allows: for exponential weights over tau the slope of a
     * line through points of jitter sigma at rho points/s has sd sigma / (2 sqrt(rho tau^3)),
     * here 2.89 ms / (2 sqrt(10 * 60^3)) = 0.98 ppm (0.99 ppm measured over 1000 seeds). 2 ppm
     * would be a 2-sigma bound that ~5 % of seeds fail; 4 ppm is 4 sigma. */
    ASSERT_NEAR_F(ppm, 0.0, 4.0);
    ASSERT_EQ_INT(s.rejected, 0); /* +-5 ms never exceeds 6 scales + 1 ms */
    ASSERT_EQ_INT(s.segments, 1);
    /* The uniform +-5 ms jitter has an rms of 10 / sqrt(12) = 2.89 ms. */
    ASSERT_NEAR_F(s.jitter_rms_ns, 2.89e6, 0.5e6);
    run_free(&r);
}

TEST(drift_jitter)
{
    drift_case(250.0001, 11);
    drift_case(250.025, 12); /* 100 ppm fast */
}

TEST(drift_change)
{
    /* The crystal warms up: the rate ramps by 20 ppm between minutes 3 and 8 (fast for a real
     * crystal). Without forgetting the fit bends towards the average rate (1.4 ms worst, 11 ppm
     * off at the end); with tau = 60 s it follows. The period is held fixed within a block. */
    mc_clock_fit_config cfg = mc_clock_fit_config_default(250.0);
    run r;
    run_init(&r, &cfg);
    rng g = {13};
    double t = T_START_NS;
    for (int b = 0; b < 6000; b++) {
        double ramp = b < 1800 ? 0.0 : b > 4800 ? 1.0 : (b - 1800) / 3000.0;
        double period = 4e6 / (1.0 + 20e-6 * ramp);
        run_feed(&r, (int64_t)b * BLOCK, BLOCK, llround(t + rng_sym(&g, 5e6)), t, period);
        t += BLOCK * period;
    }
    mc_clock_fit_stats s = mc_clock_fit_get_stats(r.f);
    run_finish(&r);
    double worst = run_error(&r, 0, r.n_blocks, NULL);
    double ppm = (s.rate_hz / (250.0 * 1.00002) - 1.0) * 1e6;
    fprintf(stderr, "drift change: worst error %.1f us, final rate error %.3f ppm\n", worst / 1e3,
            ppm);
    ASSERT_NEAR_F(worst, 0.0, 1e6);
    ASSERT_NEAR_F(ppm, 0.0, 4.0); /* see drift_jitter */
    run_free(&r);
}

TEST(gap_time_jump)
{
    /* +-1 ms jitter here, not 5: the number of inserted frames is rounded from one receive time,
     * so it is exact only while jitter stays below half a period (2 ms). */
    mc_clock_fit_config cfg = mc_clock_fit_config_default(250.0);
    run r;
    run_init(&r, &cfg);
    rng g = {21};
    const int pause_block = 600;
    for (int b = 0; b < 1800; b++) {
        int64_t k = (int64_t)b * BLOCK;
        double t = true_time(k, 250.0) + (b >= pause_block ? 3e9 : 0.0);
        mc_clock_result res = run_feed(&r, k, BLOCK, llround(t + rng_sym(&g, 1e6)), t, 4e6);
        if (b == pause_block) {
            ASSERT_EQ_INT(res.event, MC_CLOCK_GAP);
            ASSERT_EQ_INT(res.gap_first, k);
            ASSERT_EQ_INT(res.gap_frames, 750);
            ASSERT_EQ_INT(res.restarted, 1);
        } else if (b > 0) {
            ASSERT_EQ_INT(res.event, MC_CLOCK_CONTINUOUS);
            ASSERT_EQ_INT(res.gap_frames, 0);
        }
        ASSERT_EQ_INT(res.first_index, k + (b >= pause_block ? 750 : 0));
    }
    run_finish(&r);
    /* The segment before ends on an anchor and the one after starts on one. */
    ASSERT_TRUE(run_has_anchor(&r, (int64_t)pause_block * BLOCK - 1));
    ASSERT_TRUE(run_has_anchor(&r, (int64_t)pause_block * BLOCK + 750));
    double before = run_error(&r, 0, pause_block, NULL);
    double after = run_error(&r, pause_block, r.n_blocks, NULL);
    fprintf(stderr, "gap: worst error %.1f us before, %.1f us after the pause\n", before / 1e3,
            after / 1e3);
    ASSERT_NEAR_F(before, 0.0, 1e6);
    ASSERT_NEAR_F(after, 0.0, 1e6);
    mc_clock_fit_stats s = mc_clock_fit_get_stats(r.f);
    ASSERT_EQ_INT(s.gaps, 1);
    ASSERT_EQ_INT(s.segments, 2);
    run_free(&r);
}

TEST(gap_index_jump)
{
    mc_clock_fit_config cfg = mc_clock_fit_config_default(250.0);
    run r;
    run_init(&r, &cfg);
    rng g = {31};
    const int drop_block = 600;
    for (int b = 0; b < 1800; b++) {
        /* 100 frames were lost upstream; the device clock ran on, so the times agree. */
        int64_t k = (int64_t)b * BLOCK + (b >= drop_block ? 100 : 0);
        double t = true_time(k, 250.0);
        mc_clock_result res = run_feed(&r, k, BLOCK, llround(t + rng_sym(&g, 5e6)), t, 4e6);
        ASSERT_EQ_INT(res.first_index, k);
        if (b == drop_block) {
            ASSERT_EQ_INT(res.event, MC_CLOCK_GAP);
            ASSERT_EQ_INT(res.gap_first, k - 100);
            ASSERT_EQ_INT(res.gap_frames, 100);
            ASSERT_EQ_INT(res.restarted, 0);
        } else if (b > 0) {
            ASSERT_EQ_INT(res.event, MC_CLOCK_CONTINUOUS);
        }
    }
    run_finish(&r);
    double worst = run_error(&r, 0, r.n_blocks, NULL);
    fprintf(stderr, "index jump: worst error %.1f us\n", worst / 1e3);
    ASSERT_NEAR_F(worst, 0.0, 1e6);
    mc_clock_fit_stats s = mc_clock_fit_get_stats(r.f);
    ASSERT_EQ_INT(s.gaps, 1);
    ASSERT_EQ_INT(s.segments, 1);
    run_free(&r);
}

TEST(step_backward)
{
    /* The receive clock steps back by 2 s at 60 s. "Truth" afterwards is the new clock, since
     * session time is whatever the receive clock says. Errors are measured over every frame of
     * both segments, including the new segment's first seconds: its anchors are lagged, so none
     * is emitted from a fit of only a few points. */
    mc_clock_fit_config cfg = mc_clock_fit_config_default(250.0);
    run r;
    run_init(&r, &cfg);
    r.times_may_drop = 1;
    rng g = {41};
    const int step_block = 600;
    for (int b = 0; b < 1800; b++) {
        int64_t k = (int64_t)b * BLOCK;
        double t = true_time(k, 250.0) - (b >= step_block ? 2e9 : 0.0);
        mc_clock_result res = run_feed(&r, k, BLOCK, llround(t + rng_sym(&g, 5e6)), t, 4e6);
        ASSERT_EQ_INT(res.first_index, k); /* no frames inserted */
        ASSERT_EQ_INT(res.gap_frames, 0);
        if (b == step_block) {
            ASSERT_EQ_INT(res.event, MC_CLOCK_STEP);
            ASSERT_EQ_INT(res.restarted, 1);
        } else if (b > 0) {
            ASSERT_EQ_INT(res.event, MC_CLOCK_CONTINUOUS);
        }
    }
    run_finish(&r);
    ASSERT_TRUE(run_has_anchor(&r, (int64_t)step_block * BLOCK - 1));
    ASSERT_TRUE(run_has_anchor(&r, (int64_t)step_block * BLOCK));
    double before = run_error(&r, 0, step_block, NULL);
    double after = run_error(&r, step_block, r.n_blocks, NULL);
    fprintf(stderr, "step: worst error %.1f us before, %.1f us after the step\n", before / 1e3,
            after / 1e3);
    ASSERT_NEAR_F(before, 0.0, 1e6);
    ASSERT_NEAR_F(after, 0.0, 1e6);
    mc_clock_fit_stats s = mc_clock_fit_get_stats(r.f);
    ASSERT_EQ_INT(s.steps, 1);
    ASSERT_EQ_INT(s.gaps, 0);
    ASSERT_EQ_INT(s.segments, 2);
    run_free(&r);
}

TEST(latency_spikes)
{
    mc_clock_fit_config cfg = mc_clock_fit_config_default(250.0);
    run r;
    run_init(&r, &cfg);
    rng g = {51};
    int64_t spikes = 0;
    for (int b = 0; b < 6000; b++) {
        int64_t k = (int64_t)b * BLOCK;
        double t = true_time(k, 250.0);
        double late = rng_sym(&g, 5e6);
        /* 1 % of blocks (never the first, which has nothing to be judged against) arrive
         * 100..400 ms late: below gap_s, so they are jitter, not gaps. */
        if (b > 0 && rng_range(&g, 0.0, 1.0) < 0.01) {
            late += rng_range(&g, 100e6, 400e6);
            spikes++;
        }
        mc_clock_result res = run_feed(&r, k, BLOCK, llround(t + late), t, 4e6);
        ASSERT_EQ_INT(res.first_index, k);
        ASSERT_EQ_INT(res.restarted, b == 0);
    }
    run_finish(&r);
    double worst = run_error(&r, 0, r.n_blocks, NULL);
    mc_clock_fit_stats s = mc_clock_fit_get_stats(r.f);
    fprintf(stderr, "spikes: %" PRId64 " spikes, %" PRId64 " rejected, worst error %.1f us\n",
            spikes, s.rejected, worst / 1e3);
    ASSERT_TRUE(spikes > 30);
    ASSERT_EQ_INT(s.rejected, spikes);
    ASSERT_EQ_INT(s.gaps, 0);
    ASSERT_EQ_INT(s.segments, 1);
    ASSERT_NEAR_F(worst, 0.0, 1e6);
    run_free(&r);
}

TEST(reject_run_restart)
{
    /* The receive latency grows by 200 ms for good, below gap_s: at first this is jitter, and
     * REJECT_RUN_MAX (50) blocks are rejected, keeping the old clock; the 51st restarts the fit,
     * which then follows the new latency. Session time is the receive clock, so the truth after
     * the restart is the shifted clock; for the 50 rejected blocks it is the old one. */
    mc_clock_fit_config cfg = mc_clock_fit_config_default(250.0);
    run r;
    run_init(&r, &cfg);
    rng g = {81};
    const int shift_block = 600, restart_block = 650;
    for (int b = 0; b < 1800; b++) {
        int64_t k = (int64_t)b * BLOCK;
        double t = true_time(k, 250.0);
        double late = b >= shift_block ? 200e6 : 0.0;
        mc_clock_result res = run_feed(&r, k, BLOCK, llround(t + late + rng_sym(&g, 1e6)),
                                       b >= restart_block ? t + late : t, 4e6);
        ASSERT_EQ_INT(res.first_index, k);
        ASSERT_EQ_INT(res.event, b == 0 ? MC_CLOCK_FIRST : MC_CLOCK_CONTINUOUS);
        ASSERT_EQ_INT(res.restarted, b == 0 || b == restart_block);
    }
    run_finish(&r);
    mc_clock_fit_stats s = mc_clock_fit_get_stats(r.f);
    ASSERT_EQ_INT(s.rejected, restart_block - shift_block);
    ASSERT_EQ_INT(s.segments, 2);
    ASSERT_TRUE(run_has_anchor(&r, (int64_t)restart_block * BLOCK - 1));
    ASSERT_TRUE(run_has_anchor(&r, (int64_t)restart_block * BLOCK));
    double before = run_error(&r, 0, restart_block, NULL);
    double after = run_error(&r, restart_block, r.n_blocks, NULL);
    fprintf(stderr, "reject run: worst error %.1f us before, %.1f us after the restart\n",
            before / 1e3, after / 1e3);
    ASSERT_NEAR_F(before, 0.0, 1e6);
    ASSERT_NEAR_F(after, 0.0, 1e6);
    run_free(&r);
}

TEST(latency_burst)
{
    /* One block arrives 800 ms late (beyond gap_s). At that block this cannot be told from a
     * pause of the source: 200 frames are inserted (a spurious NaN gap) and the block is timed
     * by its late arrival. The next block, on time again, is then a backward step that restarts
     * the fit on the true clock, so the error does not outlive the burst: frames keep their true
     * times before and after it. */
    mc_clock_fit_config cfg = mc_clock_fit_config_default(250.0);
    run r;
    run_init(&r, &cfg);
    r.times_may_drop = 1;
    rng g = {91};
    const int burst = 600;
    for (int b = 0; b < 1800; b++) {
        int64_t k = (int64_t)b * BLOCK;
        double t = true_time(k, 250.0);
        double late = (b == burst ? 800e6 : 0.0) + rng_sym(&g, 1e6);
        mc_clock_result res = run_feed(&r, k, BLOCK, llround(t + late), t, 4e6);
        ASSERT_EQ_INT(res.first_index, k + (b >= burst ? 200 : 0));
        if (b == burst) {
            ASSERT_EQ_INT(res.event, MC_CLOCK_GAP);
            ASSERT_EQ_INT(res.gap_frames, 200);
        } else if (b == burst + 1) {
            ASSERT_EQ_INT(res.event, MC_CLOCK_STEP);
            ASSERT_EQ_INT(res.restarted, 1);
        }
    }
    run_finish(&r);
    double before = run_error(&r, 0, burst, NULL);
    double late_block = run_error(&r, burst, burst + 1, NULL);
    double after = run_error(&r, burst + 1, r.n_blocks, NULL);
    fprintf(stderr, "burst: worst error %.1f us before, %.1f ms in the late block, %.1f us after\n",
            before / 1e3, late_block / 1e6, after / 1e3);
    ASSERT_NEAR_F(before, 0.0, 1e6);
    ASSERT_NEAR_F(late_block, 800e6, 5e6);
    ASSERT_NEAR_F(after, 0.0, 1e6);
    mc_clock_fit_stats s = mc_clock_fit_get_stats(r.f);
    ASSERT_EQ_INT(s.gaps, 1);
    ASSERT_EQ_INT(s.steps, 1);
    ASSERT_EQ_INT(s.segments, 3);
    run_free(&r);
}

TEST(slow_numeric)
{
    /* A 1 Hz numeric, one frame per block, +-20 ms uniform jitter (11.5 ms rms), for 1 hour.
     * 1 ms at every frame is out of reach: with tau = 60 s the fit holds ~60 points, and the
     * lagged anchor (10 s from the newest of them, near the edge of exponentially weighted data)
     * is known to ~1.5 ms rms; over 360 anchors the worst is ~3-4 sigma. A segment's first anchor
     * sees 40 points on one side only: 2 sigma / sqrt(40) = 3.6 ms rms. What must hold is that
     * the fit averages the jitter down by ~7x in rms, and that a longer tau buys more: with
     * tau = 600 s (10x the points) the rms error falls below 1 ms. The bounds sit above the worst
     * of 500 seeds run while writing this test (tau 60: worst 13.3 ms early, 7.1 ms later, rms
     * 1.9 ms; tau 600: worst 4.0 ms and rms 1.1 ms after 5 minutes). */
    for (int pass = 0; pass < 2; pass++) {
        mc_clock_fit_config cfg = mc_clock_fit_config_default(1.0);
        size_t settle = 120; /* blocks (= s) before the "steady" part */
        if (pass == 1) {
            cfg.tau_s = 600.0;
            settle = 300;
        }
        run r;
        run_init(&r, &cfg);
        rng g = {61};
        for (int64_t k = 0; k < 3600; k++) {
            double t = T_START_NS + (double)k * 1e9;
            mc_clock_result res = run_feed(&r, k, 1, llround(t + rng_sym(&g, 20e6)), t, 1e9);
            ASSERT_EQ_INT(res.first_index, k);
            ASSERT_EQ_INT(res.restarted, k == 0);
        }
        run_finish(&r);
        double rms;
        double early = run_error(&r, 0, settle, NULL);
        double steady = run_error(&r, settle, r.n_blocks, &rms);
        fprintf(stderr,
                "1 Hz, tau %.0f s: worst error %.2f ms in the first %zu s, then worst %.2f ms, "
                "rms %.2f ms\n",
                cfg.tau_s, early / 1e6, settle, steady / 1e6, rms / 1e6);
        ASSERT_NEAR_F(early, 0.0, 20e6);
        if (pass == 0) {
            ASSERT_NEAR_F(steady, 0.0, 10e6);
            ASSERT_NEAR_F(rms, 0.0, 2.5e6);
        } else {
            ASSERT_NEAR_F(steady, 0.0, 5e6);
            ASSERT_NEAR_F(rms, 0.0, 1.5e6);
        }
        run_free(&r);
    }
}

TEST(map_cases)
{
    /* Nominal period 10 ns. Slopes 10.04 and 9.96 ns/frame are within 1 % of it. */
    const int64_t ia[] = {100, 200, 300};
    const int64_t ta[] = {1000, 2004, 3000};
    int64_t out[8];
    ASSERT_STATUS(mc_time_index_map(ia, ta, 3, 1e8, 125, 1, out), MC_OK);
    ASSERT_EQ_INT(out[0], 1251); /* 1000 + 25 * 10.04 = 1251.0 */
    ASSERT_STATUS(mc_time_index_map(ia, ta, 3, 1e8, 199, 3, out), MC_OK);
    ASSERT_EQ_INT(out[0], 1994); /* 2004 - 10.04 = 1993.96 */
    ASSERT_EQ_INT(out[1], 2004); /* exactly on the anchor */
    ASSERT_EQ_INT(out[2], 2014); /* 2004 + 9.96 = 2013.96 */
    ASSERT_STATUS(mc_time_index_map(ia, ta, 3, 1e8, 60, 1, out), MC_OK);
    ASSERT_EQ_INT(out[0], 598); /* before the first: 1000 - 40 * 10.04 = 598.4 */
    ASSERT_STATUS(mc_time_index_map(ia, ta, 3, 1e8, 300, 2, out), MC_OK);
    ASSERT_EQ_INT(out[0], 3000);
    ASSERT_EQ_INT(out[1], 3010); /* after the last: 3000 + 9.96 = 3009.96 */
    ASSERT_STATUS(mc_time_index_map(ia, ta, 3, 1e8, 310, 1, out), MC_OK);
    ASSERT_EQ_INT(out[0], 3100); /* 3000 + 10 * 9.96 = 3099.6 */

    /* Edge slopes 20 and 0.5 ns/frame are no clock: extrapolation falls back to nominal, while
     * interpolation still follows the anchors (these could be the two sides of a NaN gap). */
    const int64_t ib[] = {0, 10, 20};
    const int64_t tb[] = {0, 200, 205};
    ASSERT_STATUS(mc_time_index_map(ib, tb, 3, 1e8, -5, 1, out), MC_OK);
    ASSERT_EQ_INT(out[0], -50);
    ASSERT_STATUS(mc_time_index_map(ib, tb, 3, 1e8, 5, 1, out), MC_OK);
    ASSERT_EQ_INT(out[0], 100);
    ASSERT_STATUS(mc_time_index_map(ib, tb, 3, 1e8, 22, 1, out), MC_OK);
    ASSERT_EQ_INT(out[0], 225);

    /* One anchor: nominal period both ways; rate 3 Hz has a non-integer period. */
    const int64_t ic[] = {7};
    const int64_t tc[] = {1000};
    ASSERT_STATUS(mc_time_index_map(ic, tc, 1, 1e8, 5, 5, out), MC_OK);
    ASSERT_EQ_INT(out[0], 980);
    ASSERT_EQ_INT(out[4], 1020);
    ASSERT_STATUS(mc_time_index_map(ic, tc, 1, 3.0, 8, 2, out), MC_OK);
    ASSERT_EQ_INT(out[0], 1000 + 333333333); /* 333333333.33 */
    ASSERT_EQ_INT(out[1], 1000 + 666666667); /* 666666666.67 */

    /* Large values: index 1e10 and 1e15 ns (11.6 days). The exact results have fractional parts
     * .4999992 and .5000008, far finer than the resolution of a floating-point time near 1e15
     * (0.125 ns in double, 1.2e-4 ns in x87 long double), so only rounding the offset from the
     * anchor before adding the anchor's integer time gets them right. */
    const int64_t big_i[] = {INT64_C(10000000000), INT64_C(10002500000)};
    const int64_t big_t[] = {INT64_C(1000000000000000), INT64_C(1000010000000001)};
    /* j = i0 + 1249998: offset = 1249998 * 10000000001 / 2500000 = 4999992000.4999992 */
    ASSERT_STATUS(mc_time_index_map(big_i, big_t, 2, 250.0, INT64_C(10001249998), 1, out), MC_OK);
    ASSERT_EQ_INT(out[0], INT64_C(1000004999992000));
    /* j = i0 + 1250002: offset = 5000008000.5000008 */
    ASSERT_STATUS(mc_time_index_map(big_i, big_t, 2, 250.0, INT64_C(10001250002), 1, out), MC_OK);
    ASSERT_EQ_INT(out[0], INT64_C(1000005000008001));
    /* Extrapolating 1e10 frames at 3 Hz from one anchor: exactly 1e9/3 * 3e9 = 1e18 ns. */
    const int64_t zero[] = {0};
    ASSERT_STATUS(mc_time_index_map(zero, zero, 1, 3.0, INT64_C(3000000000), 1, out), MC_OK);
    ASSERT_EQ_INT(out[0], INT64_C(1000000000000000000));

    /* Invalid inputs. */
    const int64_t dup[] = {5, 5};
    const int64_t down[] = {5, 4};
    ASSERT_STATUS(mc_time_index_map(ia, ta, 0, 1e8, 0, 1, out), MC_EINVAL);
    ASSERT_STATUS(mc_time_index_map(dup, ta, 2, 1e8, 0, 1, out), MC_EINVAL);
    ASSERT_STATUS(mc_time_index_map(down, ta, 2, 1e8, 0, 1, out), MC_EINVAL);
    ASSERT_STATUS(mc_time_index_map(ia, ta, 3, 0.0, 0, 1, out), MC_EINVAL);
    ASSERT_STATUS(mc_time_index_map(ia, ta, 3, (double)NAN, 0, 1, out), MC_EINVAL);
    ASSERT_STATUS(mc_time_index_map(ia, ta, 3, 1e8, 0, 1, NULL), MC_EINVAL);
    ASSERT_STATUS(mc_time_index_map(NULL, ta, 3, 1e8, 0, 1, out), MC_EINVAL);
    ASSERT_STATUS(mc_time_index_map(ia, ta, 3, 1e8, INT64_MAX, 2, out), MC_EINVAL);
    ASSERT_STATUS(mc_time_index_map(ia, ta, 3, 1e8, 0, 0, NULL), MC_OK); /* nothing to do */
}

/* Feeds the same jittery blocks to two fits; `a` also gets invalid calls, which must change
 * nothing: both must then agree on every result, anchor and counter. */
TEST(process_einval)
{
    mc_clock_fit_config cfg = mc_clock_fit_config_default(250.0);
    mc_clock_fit *a, *b;
    ASSERT_STATUS(mc_clock_fit_create(&cfg, &a), MC_OK);
    ASSERT_STATUS(mc_clock_fit_create(&cfg, &b), MC_OK);
    mc_clock_result ra, rb;
    ASSERT_STATUS(mc_clock_fit_process(a, 0, 0, 1000, &ra), MC_EINVAL); /* empty, before any */
    ASSERT_EQ_INT(mc_clock_fit_get_time(a, 0), MC_NO_TIME);
    rng g = {71};
    int64_t prev_end = 0; /* source index after the previous block */
    for (int blk = 0; blk < 3000; blk++) {
        int64_t k = (int64_t)blk * BLOCK + (blk >= 1500 ? 40 : 0);
        int64_t t0 = llround(true_time(k, 250.0) + rng_sym(&g, 5e6));
        if (blk > 0) {
            int64_t before = mc_clock_fit_get_time(a, k);
            ASSERT_STATUS(mc_clock_fit_process(a, k, 0, t0, &ra), MC_EINVAL);
            ASSERT_STATUS(mc_clock_fit_process(a, prev_end - 1, BLOCK, t0, &ra), MC_EINVAL);
            ASSERT_STATUS(mc_clock_fit_process(a, prev_end - BLOCK, BLOCK, t0, &ra), MC_EINVAL);
            ASSERT_STATUS(mc_clock_fit_process(a, k, BLOCK, t0, NULL), MC_EINVAL);
            ASSERT_EQ_INT(mc_clock_fit_get_time(a, k), before);
        }
        ASSERT_STATUS(mc_clock_fit_process(a, k, BLOCK, t0, &ra), MC_OK);
        ASSERT_STATUS(mc_clock_fit_process(b, k, BLOCK, t0, &rb), MC_OK);
        prev_end = k + BLOCK;
        ASSERT_EQ_INT(ra.event, rb.event);
        ASSERT_EQ_INT(ra.first_index, rb.first_index);
        ASSERT_EQ_INT(ra.gap_frames, rb.gap_frames);
        int64_t ia, ta, ib, tb;
        int na, nb;
        while ((na = mc_clock_fit_pop_anchor(a, &ia, &ta)) |
               (nb = mc_clock_fit_pop_anchor(b, &ib, &tb))) {
            ASSERT_EQ_INT(na, nb);
            ASSERT_EQ_INT(ia, ib);
            ASSERT_EQ_INT(ta, tb);
        }
    }
    mc_clock_fit_stats sa = mc_clock_fit_get_stats(a), sb = mc_clock_fit_get_stats(b);
    ASSERT_EQ_INT(sa.points, sb.points);
    ASSERT_EQ_INT(sa.rejected, sb.rejected);
    ASSERT_EQ_INT(sa.gaps, 1);
    ASSERT_NEAR_F(sa.rate_hz, sb.rate_hz, 0.0);
    ASSERT_NEAR_F(sa.jitter_rms_ns, sb.jitter_rms_ns, 0.0);
    mc_clock_fit_destroy(a);
    mc_clock_fit_destroy(b);
}

/* A fit of an exact clock, an anchor every frame and one enormous block: one call then crosses far
 * more anchors than the queue holds. The surplus must be thinned (never overflowing, never
 * dropping a segment's ends), and since every anchor still lies on the exact line, the rebuilt
 * times must stay exact. finish() is idempotent, and reset() gives back a fresh fit. */
TEST(thinning_finish_reset)
{
    mc_clock_fit_config cfg = mc_clock_fit_config_default(250.0);
    cfg.anchor_interval_s = 0.004; /* 1 frame */
    int64_t first_pass_last = 0;
    for (int pass = 0; pass < 2; pass++) {
        run r;
        run_init(&r, &cfg);
        int64_t k = 0;
        size_t most = 0;
        for (int b = 0; b < 1500 + 3; b++) {
            uint32_t n = b == 1500 ? 100000 : BLOCK;
            double t = true_time(k, 250.0);
            size_t had = r.n_anchors;
            run_feed(&r, k, n, llround(t), t, 4e6);
            most = r.n_anchors - had > most ? r.n_anchors - had : most;
            k += n;
        }
        ASSERT_TRUE(most <= 256);
        size_t had = r.n_anchors;
        run_finish(&r);
        ASSERT_TRUE(r.n_anchors > had);
        ASSERT_EQ_INT(r.a_index[r.n_anchors - 1], k - 1);
        ASSERT_STATUS(mc_clock_fit_finish(r.f), MC_OK); /* nothing left */
        ASSERT_EQ_INT(mc_clock_fit_pop_anchor(r.f, NULL, NULL), 0);
        double worst = run_error(&r, 0, r.n_blocks, NULL);
        fprintf(stderr, "thinning: %zu anchors, at most %zu per call, worst error %.0f ns\n",
                r.n_anchors, most, worst);
        ASSERT_NEAR_F(worst, 0.0, 1e3);
        if (pass == 0)
            first_pass_last = r.a_t[r.n_anchors - 1];
        else
            ASSERT_EQ_INT(r.a_t[r.n_anchors - 1], first_pass_last);

        mc_clock_fit_reset(r.f);
        mc_clock_fit_stats s = mc_clock_fit_get_stats(r.f);
        ASSERT_EQ_INT(s.points, 0);
        ASSERT_EQ_INT(s.segments, 0);
        ASSERT_EQ_INT(mc_clock_fit_get_time(r.f, 0), MC_NO_TIME);
        ASSERT_EQ_INT(mc_clock_fit_pop_anchor(r.f, NULL, NULL), 0);
        mc_clock_result res;
        ASSERT_STATUS(mc_clock_fit_process(r.f, 0, 1, 5, &res), MC_OK); /* index may restart */
        ASSERT_EQ_INT(res.event, MC_CLOCK_FIRST);
        run_free(&r);
    }
}

/* Random abuse: jitter, spikes, lost frames, pauses, steps and odd block sizes. Whatever happens,
 * the results must describe a consistent stored index line and the anchors a valid time_index. */
TEST(random_invariants)
{
    for (uint64_t seed = 1; seed <= 20; seed++) {
        mc_clock_fit_config cfg = mc_clock_fit_config_default(250.0);
        cfg.anchor_interval_s = 0.5;
        cfg.anchor_lag_s = 1.0;
        run r;
        run_init(&r, &cfg);
        r.times_may_drop = 1;
        rng g = {seed};
        int64_t src = 0, stored_end = 0, restarts = 0;
        double clock_ns = T_START_NS;
        for (int b = 0; b < 3000; b++) {
            uint32_t n = 1 + (uint32_t)(rng_next(&g) % 300);
            double u = rng_range(&g, 0.0, 1.0), late = rng_sym(&g, 5e6);
            if (u < 0.01)
                src += 1 + (int64_t)(rng_next(&g) % 1000); /* lost frames */
            else if (u < 0.02)
                clock_ns += rng_range(&g, 0.6e9, 5e9); /* pause */
            else if (u < 0.03)
                clock_ns -= rng_range(&g, 0.6e9, 3e9); /* step */
            else if (u < 0.06)
                late += rng_range(&g, 50e6, 450e6); /* spike */
            mc_clock_result res = run_feed(&r, src, n, llround(clock_ns + late), clock_ns, 4e6);
            if (b == 0) {
                ASSERT_EQ_INT(res.event, MC_CLOCK_FIRST);
            } else if (res.gap_frames > 0) {
                ASSERT_EQ_INT(res.gap_first, stored_end);
                ASSERT_EQ_INT(res.first_index, stored_end + res.gap_frames);
            } else {
                ASSERT_EQ_INT(res.first_index, stored_end);
                ASSERT_TRUE(res.event != MC_CLOCK_GAP);
            }
            if (res.event == MC_CLOCK_STEP || res.event == MC_CLOCK_FIRST)
                ASSERT_EQ_INT(res.restarted, 1);
            restarts += res.restarted;
            stored_end = res.first_index + n;
            src += n;
            clock_ns += n * 4e6;
        }
        run_finish(&r);
        ASSERT_EQ_INT(r.a_index[r.n_anchors - 1], stored_end - 1);
        mc_clock_fit_stats s = mc_clock_fit_get_stats(r.f);
        ASSERT_EQ_INT(s.points, 3000);
        ASSERT_EQ_INT(s.segments, restarts);
        run_error(&r, 0, r.n_blocks, NULL); /* the anchors are a valid time_index */
        run_free(&r);
    }
}
