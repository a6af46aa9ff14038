/* SPDX-License-Identifier: MIT */
/* dsp/clock_fit.c: the online index-to-time fit of a regular stream (DOMAIN.md 7.5) and the pure
 * function that rebuilds frame times from the anchors it emits. */
#include "dsp/clock_fit.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "dsp/block.h"

/* Anchors wait in a fixed queue inside the handle, so process() never allocates. The caller pops
 * after every process()/finish(); one call then produces at most a few anchors with the default
 * settings (one per anchor interval crossed, plus the two ends of a segment). When a single call
 * would produce more (a block far longer than the anchor interval), the intermediate anchors are
 * thinned rather than overflowing: interpolation over a longer span loses nothing but the
 * resolution of drift. Two slots stay reserved for the anchors that must never be lost, the last
 * frame of a closing segment and the first frame of a new one. */
enum { ANCHOR_QUEUE_CAP = 256, ANCHOR_RESERVED = 2 };

/* A run of this many rejected blocks means the fit no longer describes the clock (a sustained
 * latency change smaller than gap_s, or jitter that grew faster than the scale could follow); the
 * next outlier then starts a new segment instead of being rejected again. */
enum { REJECT_RUN_MAX = 50 };

/* Data a new segment needs, in anchor lags, before its first anchor is emitted (see emit_due). */
enum { FIRST_ANCHOR_LAGS = 4 };

/* Robust jitter scale: an EWMA of |residual| of the accepted blocks. It starts wide (10 ms) so that
 * the first seconds, when the slope is still unknown, reject nothing but gross outliers, and has a
 * floor (0.2 ms) so that an almost jitter-free source still tolerates scheduling noise. A block is
 * an outlier when |r| > 6 scale + 1 ms: for Gaussian jitter the mean absolute deviation is 0.8
 * sigma, so 6 scales are ~5 sigma, and the 1 ms margin keeps a tiny scale from rejecting
 * everything. The EWMA gain 1/32 follows a change of jitter within a few seconds at 10 blocks/s. */
static const double JITTER_START_NS = 10e6;
static const double JITTER_FLOOR_NS = 0.2e6;
static const double REJECT_SCALES = 6.0;
static const double REJECT_MARGIN_NS = 1e6;
static const double JITTER_GAIN = 1.0 / 32.0;

/* Ridge prior on the slope: the fit minimises sum w (y - a - b x)^2 + k b^2, which is the MAP
 * estimate for a per-block jitter sigma_t and a prior b ~ N(0, sigma_b^2) with k = sigma_t^2 /
 * sigma_b^2. We take sigma_t = 1 ms (a typical USB/serial arrival jitter) and sigma_b = 100 ppm of
 * the period (a plain crystal), so k = (1e6 ns / (1e-4 period_ns))^2 frames^2. A few points close
 * together then cannot produce a wild slope, and the prior fades as data accumulate: at 250 Hz
 * k = 6.25e6 frames^2, against sum w (x - mean)^2 ~ 5e7 after 10 s of 10 blocks/s and ~1e11 once
 * tau is filled. The pull is towards 0 (nominal), never towards a previous segment's rate, so that
 * a new segment owes nothing to the one a gap or step closed. */
static const double PRIOR_JITTER_NS = 1e6;
static const double PRIOR_RATE_ERROR = 1e-4;

/* Stored indices are kept within +-2^61 so that index + shift + n_frames never overflows int64.
 * Frame counts derived from seconds are capped at 2^53, where doubles stop counting exactly. */
static const int64_t INDEX_LIMIT = INT64_C(1) << 61;
static const double FRAMES_LIMIT = 9007199254740992.0; /* 2^53 */

/* Frame period and timestamps must be resolvable in integer ns: above 1 GHz consecutive frames
 * would share a nanosecond and anchors could not be strictly increasing in time. */
static const double RATE_LIMIT_HZ = 1e9;

typedef struct anchor {
    int64_t index; /* stored frame index */
    int64_t t_ns;  /* session time, ns */
} anchor;

struct mc_clock_fit {
    mc_clock_fit_config cfg;
    double period_ns;        /* nominal frame period, ns */
    double ridge_frames2;    /* k of the slope prior, frames^2 */
    double decay_per_frame;  /* 1 / (tau_s rate_hz): log of the forgetting per frame of distance */
    double gap_ns;           /* forward residual that makes a gap: max(gap_s, 2 periods), ns */
    double step_ns;          /* backward residual that makes a step, ns */
    double max_slope_ns;     /* bound on |b|, ns per frame */
    int64_t anchor_interval; /* frames between anchors, >= 1 */
    int64_t anchor_lag;      /* frames of data needed beyond an anchor, >= 0 */

    int started;         /* a block has been seen since create/reset */
    int64_t next_source; /* source index that continues the previous block */
    int64_t shift;       /* stored index - source index (frames inserted for time gaps) */

    /* Weighted sums in coordinates centred on the newest fitted point (ref_index, ref_t_ns):
     * x = index - ref_index (frames), y = t - ref_t_ns - x period_ns (ns). */
    int64_t ref_index;
    int64_t ref_t_ns;
    double s0, s1, s2, sy, sxy;
    double slope_ns;  /* b: deviation of the fitted period from nominal, ns per frame */
    double offset_ns; /* a: fitted time at ref_index minus ref_t_ns, ns */

    /* Current segment, in stored indices. */
    int64_t seg_first;   /* first frame */
    int64_t seg_last;    /* last frame seen (end of the newest block) */
    int64_t next_anchor; /* next grid index seg_first + m interval not yet emitted */
    int have_anchor;     /* an anchor of this segment has been emitted */
    int64_t last_anchor_index;
    int64_t last_anchor_t_ns;

    double jitter_scale_ns; /* EWMA of |r| of accepted blocks */
    double jitter_var_ns2;  /* EWMA of r^2 of accepted blocks, for the stats */
    int reject_run;         /* consecutive rejected blocks */

    mc_clock_fit_stats stats;

    anchor queue[ANCHOR_QUEUE_CAP];
    size_t q_head; /* oldest queued anchor */
    size_t q_count;
};

mc_clock_fit_config mc_clock_fit_config_default(double rate_hz)
{
    return (mc_clock_fit_config){
        .rate_hz = rate_hz,
        .tau_s = 60.0,
        .anchor_interval_s = 10.0,
        .anchor_lag_s = 10.0,
        .gap_s = 0.5,
        .step_s = 0.5,
        .max_rate_error = 0.01,
    };
}

static int positive_finite(double v)
{
    return isfinite(v) && v > 0.0;
}

/* Rounds to the nearest integer and saturates to the int64 range, never producing MC_NO_TIME
 * (INT64_MIN), so that absurd extrapolations cannot overflow or be mistaken for "unknown". */
static int64_t round_sat(long double v)
{
    if (!(v < 0x1p63L - 1.0L))
        return INT64_MAX;
    if (!(v > -0x1p63L + 2.0L))
        return INT64_MIN + 1;
    return llroundl(v);
}

static int64_t add_sat(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN + 1 - b)
        return INT64_MIN + 1;
    return a + b;
}

static void clear_state(mc_clock_fit *f)
{
    f->started = 0;
    f->next_source = 0;
    f->shift = 0;
    f->ref_index = 0;
    f->ref_t_ns = 0;
    f->s0 = f->s1 = f->s2 = f->sy = f->sxy = 0.0;
    f->slope_ns = 0.0;
    f->offset_ns = 0.0;
    f->seg_first = f->seg_last = f->next_anchor = 0;
    f->have_anchor = 0;
    f->last_anchor_index = 0;
    f->last_anchor_t_ns = 0;
    f->jitter_scale_ns = JITTER_START_NS;
    f->jitter_var_ns2 = JITTER_START_NS * JITTER_START_NS;
    f->reject_run = 0;
    f->stats = (mc_clock_fit_stats){.rate_hz = f->cfg.rate_hz};
    f->q_head = 0;
    f->q_count = 0;
}

mc_status mc_clock_fit_create(const mc_clock_fit_config *cfg, mc_clock_fit **out)
{
    if (!out)
        return MC_EINVAL;
    *out = NULL;
    if (!cfg)
        return MC_EINVAL;
    const mc_clock_fit_config c = *cfg;
    if (!positive_finite(c.rate_hz) || c.rate_hz > RATE_LIMIT_HZ || !positive_finite(c.tau_s) ||
        !positive_finite(c.anchor_interval_s) || !positive_finite(c.anchor_lag_s) ||
        !positive_finite(c.gap_s) || !positive_finite(c.step_s) ||
        !positive_finite(c.max_rate_error))
        return MC_EINVAL;
    /* A rate error of 100 % or more would allow a fitted period <= 0: time could stand still. */
    if (c.max_rate_error >= 1.0)
        return MC_EINVAL;
    double interval = c.anchor_interval_s * c.rate_hz;
    double lag = c.anchor_lag_s * c.rate_hz;
    if (!(interval < FRAMES_LIMIT) || !(lag < FRAMES_LIMIT))
        return MC_EINVAL;

    mc_clock_fit *f = calloc(1, sizeof *f);
    if (!f)
        return MC_ENOMEM;
    f->cfg = c;
    f->period_ns = 1e9 / c.rate_hz;
    double sigma_b = PRIOR_RATE_ERROR * f->period_ns;
    f->ridge_frames2 = (PRIOR_JITTER_NS / sigma_b) * (PRIOR_JITTER_NS / sigma_b);
    f->decay_per_frame = 1.0 / (c.tau_s * c.rate_hz);
    f->gap_ns = fmax(c.gap_s * 1e9, 2.0 * f->period_ns);
    f->step_ns = c.step_s * 1e9;
    f->max_slope_ns = c.max_rate_error * f->period_ns;
    f->anchor_interval = llround(interval);
    if (f->anchor_interval < 1)
        f->anchor_interval = 1;
    f->anchor_lag = llround(lag);
    clear_state(f);
    *out = f;
    return MC_OK;
}

void mc_clock_fit_destroy(mc_clock_fit *f)
{
    free(f);
}

void mc_clock_fit_reset(mc_clock_fit *f)
{
    if (f)
        clear_state(f);
}

/* ---- the regression ---- */

/* Solves the ridge-regularised weighted least squares for the slope b, clamps it to the allowed
 * rate error, and takes the intercept a that is optimal for that b (so a clamped slope still
 * passes through the weighted mean of the data). */
static void fit_solve(mc_clock_fit *f)
{
    /* S0 S2 - S1^2 >= 0 by Cauchy-Schwarz; rounding may push it a hair below. */
    double det = fmax(f->s0 * f->s2 - f->s1 * f->s1, 0.0);
    double b = (f->s0 * f->sxy - f->s1 * f->sy) / (det + f->s0 * f->ridge_frames2);
    f->slope_ns = fmin(fmax(b, -f->max_slope_ns), f->max_slope_ns);
    f->offset_ns = (f->sy - f->slope_ns * f->s1) / f->s0;
}

static void fit_start(mc_clock_fit *f, int64_t index, int64_t t_ns)
{
    f->ref_index = index;
    f->ref_t_ns = t_ns;
    f->s0 = 1.0;
    f->s1 = f->s2 = f->sy = f->sxy = 0.0;
    f->slope_ns = 0.0;
    f->offset_ns = 0.0;
}

/* Adds a point and re-centres the sums on it. Keeping x and y relative to the newest point (and y
 * relative to the nominal clock) keeps every term small: x spans a few tau of frames and y only
 * jitter and drift, so the sums keep their full double precision (far below a nanosecond) when
 * indices reach 1e10 and times 1e15 ns, where raw t^2 or x t sums would have lost everything.
 * Moving the reference by dx frames and dy ns (dy being the residual of the new point from the old
 * reference's nominal clock) maps x -> x - dx, y -> y - dy, hence
 *   S1' = S1 - dx S0,  S2' = S2 - 2 dx S1 + dx^2 S0,
 *   Sy' = Sy - dy S0,  Sxy' = Sxy - dy S1 - dx Sy + dx dy S0.
 * Forgetting multiplies every old weight by exp(-dx / (tau rate)), i.e. per frame of distance, so
 * the memory is tau in sample time whatever the block size and however many blocks were rejected
 * in between. */
static void fit_add(mc_clock_fit *f, int64_t index, int64_t t_ns)
{
    double dx = (double)(index - f->ref_index);
    double dy = (double)((long double)t_ns - (long double)f->ref_t_ns -
                         (long double)dx * (long double)f->period_ns);
    double w = exp(-dx * f->decay_per_frame);
    double s0 = w * f->s0, s1 = w * f->s1, s2 = w * f->s2, sy = w * f->sy, sxy = w * f->sxy;
    f->s2 = s2 - 2.0 * dx * s1 + dx * dx * s0;
    f->sxy = sxy - dy * s1 - dx * sy + dx * dy * s0;
    f->s1 = s1 - dx * s0;
    f->sy = sy - dy * s0;
    f->s0 = s0 + 1.0; /* the new point sits at x = 0, y = 0 */
    f->ref_index = index;
    f->ref_t_ns = t_ns;
    fit_solve(f);
}

/* The fitted time of a stored index, ns. long double keeps ~1e10 frames of extrapolation exact to
 * well under a nanosecond on x86-64; where long double is double the error is still ~10 ns. */
static long double fit_eval(const mc_clock_fit *f, int64_t index)
{
    long double x = (long double)index - (long double)f->ref_index;
    return (long double)f->ref_t_ns + (long double)f->offset_ns +
           x * ((long double)f->period_ns + (long double)f->slope_ns);
}

/* ---- anchors ---- */

static void queue_push(mc_clock_fit *f, int64_t index, int64_t t_ns)
{
    size_t tail = (f->q_head + f->q_count) % ANCHOR_QUEUE_CAP;
    f->queue[tail] = (anchor){index, t_ns};
    f->q_count++;
}

/* Emits the anchor at stored index i with the current fit. Anchors of a segment must be strictly
 * increasing in index and time for the reader's interpolation to be a valid clock: an index at or
 * before the last emitted one is skipped, and the time is clamped so that the rate implied since
 * the previous anchor stays within max_rate_error of nominal (it can only leave that band when the
 * fit moved between the two evaluations, e.g. right after a burst of jitter). `essential` marks the
 * first and the last frame of a segment, which use the reserved slots of the queue. */
static void emit_anchor(mc_clock_fit *f, int64_t i, int essential)
{
    if (f->have_anchor && i <= f->last_anchor_index)
        return;
    if (!essential && f->q_count + ANCHOR_RESERVED >= ANCHOR_QUEUE_CAP)
        return; /* thinned; see ANCHOR_QUEUE_CAP */
    if (f->q_count >= ANCHOR_QUEUE_CAP) {
        assert(!"clock_fit: anchor queue full; pop anchors after every call");
        return;
    }
    long double t = fit_eval(f, i);
    if (f->have_anchor) {
        long double span =
            ((long double)i - (long double)f->last_anchor_index) * (long double)f->period_ns;
        long double lo =
            (long double)f->last_anchor_t_ns + span * (1.0L - (long double)f->cfg.max_rate_error);
        long double hi =
            (long double)f->last_anchor_t_ns + span * (1.0L + (long double)f->cfg.max_rate_error);
        t = fminl(fmaxl(t, lo), hi);
    }
    int64_t t_ns = round_sat(t);
    if (f->have_anchor && t_ns <= f->last_anchor_t_ns) {
        if (f->last_anchor_t_ns == INT64_MAX)
            return; /* time has saturated: nothing later can be stored */
        t_ns = f->last_anchor_t_ns + 1;
    }
    queue_push(f, i, t_ns);
    f->have_anchor = 1;
    f->last_anchor_index = i;
    f->last_anchor_t_ns = t_ns;
}

/* Emits the grid anchors that now have anchor_lag frames of fitted data beyond them. The lag puts
 * data on both sides of every anchor but the first, so each is evaluated near the middle of its
 * data, where a line is best determined; the time is the fit at that moment and is never revised,
 * so a reader of a live file only ever sees final values.
 * The first anchor of a segment sits at the edge of its data, where the variance of a fitted line
 * is four times that at the centre (1/N + 3/N for evenly spread points). It therefore waits for
 * FIRST_ANCHOR_LAGS lags of data instead of one: with the defaults, 10 blocks/s and 2.9 ms rms
 * jitter that is 400 points and ~0.3 ms rms at the segment's first frame, against ~0.6 ms after
 * one lag, which too often broke 1 ms. A segment shorter than that gets its anchors at close. */
static void emit_due(mc_clock_fit *f)
{
    if (f->ref_index - f->seg_first < FIRST_ANCHOR_LAGS * f->anchor_lag)
        return;
    while (f->next_anchor <= f->ref_index - f->anchor_lag) {
        emit_anchor(f, f->next_anchor, f->next_anchor == f->seg_first);
        f->next_anchor += f->anchor_interval;
    }
}

/* Closes the segment: the grid anchors up to the last frame seen are emitted with the current
 * fit, then the last frame itself, so that the reader's interpolation ends exactly at the
 * segment's end and never reaches across the gap or step into the next segment. */
static void close_segment(mc_clock_fit *f)
{
    while (f->next_anchor <= f->seg_last) {
        emit_anchor(f, f->next_anchor, f->next_anchor == f->seg_first);
        f->next_anchor += f->anchor_interval;
    }
    emit_anchor(f, f->seg_last, 1);
}

static void start_segment(mc_clock_fit *f, int64_t index, int64_t t_ns)
{
    fit_start(f, index, t_ns);
    f->seg_first = index;
    f->seg_last = index;
    f->next_anchor = index;
    f->have_anchor = 0;
    f->reject_run = 0;
    f->stats.segments++;
}

/* ---- processing ---- */

static void note_accepted(mc_clock_fit *f, long double r)
{
    double a = fabs((double)r);
    f->jitter_scale_ns =
        fmax(f->jitter_scale_ns + JITTER_GAIN * (a - f->jitter_scale_ns), JITTER_FLOOR_NS);
    f->jitter_var_ns2 += JITTER_GAIN * (a * a - f->jitter_var_ns2);
    f->reject_run = 0;
}

mc_status mc_clock_fit_process(mc_clock_fit *f, int64_t first_frame, uint32_t n_frames,
                               int64_t t0_ns, mc_clock_result *res)
{
    if (!f || !res || n_frames == 0 || first_frame < -INDEX_LIMIT || first_frame > INDEX_LIMIT)
        return MC_EINVAL;
    mc_clock_result out = {.event = MC_CLOCK_CONTINUOUS};

    if (!f->started) {
        f->started = 1;
        f->shift = 0;
        start_segment(f, first_frame, t0_ns);
        out.event = MC_CLOCK_FIRST;
        out.first_index = first_frame;
        out.restarted = 1;
        f->seg_last = first_frame + (int64_t)n_frames - 1;
        f->next_source = first_frame + (int64_t)n_frames;
        f->stats.points++;
        emit_due(f);
        *res = out;
        return MC_OK;
    }
    if (first_frame < f->next_source)
        return MC_EINVAL;

    /* Everything up to the first state change is checked first, so that MC_EINVAL leaves the fit
     * exactly as it was. */
    int64_t src_jump = first_frame - f->next_source;
    int64_t stored = first_frame + f->shift;
    long double r = (long double)t0_ns - fit_eval(f, stored);
    int is_gap = r > (long double)f->gap_ns;
    int is_step = r < -(long double)f->step_ns;
    int64_t inserted = 0;
    if (is_gap) {
        /* The receive time says how long the source was silent; rounding to whole frames keeps
         * the new segment on the grid of the old clock to within half a period plus jitter. */
        long double n = r / (long double)f->period_ns;
        if (!((long double)stored + n < (long double)INDEX_LIMIT))
            return MC_EINVAL;
        inserted = llroundl(n);
    }
    if (stored + inserted > INDEX_LIMIT || stored < -INDEX_LIMIT)
        return MC_EINVAL;

    int64_t gap_first = f->seg_last + 1;
    if (is_gap || is_step) {
        /* A forward jump beyond gap_s is taken as a pause of the source: its frames are missing,
         * so the stored index moves on by the silent time and the reader gets NaN there. A
         * latency burst longer than gap_s is indistinguishable at this block; it costs a spurious
         * NaN gap, the delayed blocks are timed by their late arrival, and the blocks on time
         * that follow come back as a step that restarts the fit on the true clock, so the error
         * does not outlive the burst. A backward jump cannot be missing data: the session clock
         * (or the device's buffering) stepped, and the frames stay contiguous. Either way the
         * old fit no longer predicts the new times, so the segment is closed and a new one
         * starts here; its anchors keep interpolation from crossing the discontinuity. */
        close_segment(f);
        f->shift += inserted;
        stored += inserted;
        if (is_gap) {
            out.event = MC_CLOCK_GAP;
            f->stats.gaps++;
        } else {
            out.event = MC_CLOCK_STEP;
            f->stats.steps++;
        }
        start_segment(f, stored, t0_ns);
        out.restarted = 1;
    } else {
        if (src_jump > 0) {
            /* Frames were lost upstream (a ring overrun, a lost packet) but the clock ran on:
             * the receive time still agrees with the fit, so the segment continues and only
             * the missing index range is reported. */
            out.event = MC_CLOCK_GAP;
            f->stats.gaps++;
        }
        double threshold = REJECT_SCALES * f->jitter_scale_ns + REJECT_MARGIN_NS;
        if (fabsl(r) <= (long double)threshold) {
            note_accepted(f, r);
            fit_add(f, stored, t0_ns);
        } else if (f->reject_run >= REJECT_RUN_MAX) {
            /* The fit has lost the clock; the jitter scale restarts wide as well, since a scale
             * that was too small is one way to get here. */
            close_segment(f);
            start_segment(f, stored, t0_ns);
            f->jitter_scale_ns = JITTER_START_NS;
            f->jitter_var_ns2 = JITTER_START_NS * JITTER_START_NS;
            out.restarted = 1;
        } else {
            f->stats.rejected++;
            f->reject_run++;
        }
    }
    /* A step or a restart can coincide with lost frames; the missing range is reported with
     * whatever event the block carries, so that the writer can fill it. */
    if (stored > gap_first) {
        out.gap_first = gap_first;
        out.gap_frames = stored - gap_first;
    }
    out.first_index = stored;
    f->seg_last = stored + (int64_t)n_frames - 1;
    f->next_source = first_frame + (int64_t)n_frames;
    f->stats.points++;
    emit_due(f);
    *res = out;
    return MC_OK;
}

int mc_clock_fit_pop_anchor(mc_clock_fit *f, int64_t *index, int64_t *t_ns)
{
    if (!f || f->q_count == 0)
        return 0;
    anchor a = f->queue[f->q_head];
    f->q_head = (f->q_head + 1) % ANCHOR_QUEUE_CAP;
    f->q_count--;
    if (index)
        *index = a.index;
    if (t_ns)
        *t_ns = a.t_ns;
    return 1;
}

mc_status mc_clock_fit_finish(mc_clock_fit *f)
{
    /* Idempotent: the segment's last frame becomes the last emitted anchor, so a second call
     * finds nothing left to emit. If blocks follow, the segment simply continues after it. */
    if (f && f->started)
        close_segment(f);
    return MC_OK;
}

int64_t mc_clock_fit_get_time(const mc_clock_fit *f, int64_t index)
{
    if (!f || !f->started)
        return MC_NO_TIME;
    return round_sat(fit_eval(f, index));
}

mc_clock_fit_stats mc_clock_fit_get_stats(const mc_clock_fit *f)
{
    if (!f)
        return (mc_clock_fit_stats){0};
    mc_clock_fit_stats s = f->stats;
    s.rate_hz = 1e9 / (f->period_ns + f->slope_ns);
    s.jitter_rms_ns = f->started ? sqrt(f->jitter_var_ns2) : 0.0;
    return s;
}

/* ---- the reader's side ---- */

/* Slope of two anchors for extrapolation, ns per frame, if it is a plausible clock (within 1 % of
 * nominal); otherwise, e.g. across a step or a NaN gap, the nominal period. */
static long double edge_slope(const int64_t *index, const int64_t *t_ns, size_t a, size_t b,
                              long double period_ns)
{
    long double s = ((long double)t_ns[b] - (long double)t_ns[a]) /
                    ((long double)index[b] - (long double)index[a]);
    return fabsl(s - period_ns) <= 0.01L * period_ns ? s : period_ns;
}

mc_status mc_time_index_map(const int64_t *index, const int64_t *t_ns, size_t n_anchors,
                            double rate_hz, int64_t first, size_t n, int64_t *out_t_ns)
{
    if (!index || !t_ns || n_anchors == 0 || !positive_finite(rate_hz) || (n > 0 && !out_t_ns))
        return MC_EINVAL;
    for (size_t k = 1; k < n_anchors; k++) {
        if (index[k] <= index[k - 1])
            return MC_EINVAL;
    }
    if (n > 0) {
        uint64_t last_offset = (uint64_t)(n - 1);
        if (last_offset > (uint64_t)INT64_MAX || first > INT64_MAX - (int64_t)last_offset)
            return MC_EINVAL; /* the frame range would overflow int64 */
    }

    long double period = 1e9L / (long double)rate_hz;
    long double head = period, tail = period;
    if (n_anchors >= 2) {
        head = edge_slope(index, t_ns, 0, 1, period);
        tail = edge_slope(index, t_ns, n_anchors - 2, n_anchors - 1, period);
    }

    /* k = number of anchors at or before the current frame; found once by binary search, then
     * advanced as the frames are consecutive. */
    size_t lo = 0, hi = n_anchors;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (index[mid] <= first)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t k = lo;
    for (size_t m = 0; m < n; m++) {
        long double j = (long double)first + (long double)m;
        while (k < n_anchors && (long double)index[k] <= j)
            k++;
        /* The frame's time is an anchor's integer time plus an offset; the offset is rounded on
         * its own before the addition. Its operands are exact in long double (64-bit mantissa)
         * and it is small (an anchor interval, ~1e10 ns), so it is resolved to ~1e-9 ns, whereas
         * a floating-point sum near 1e15 ns would resolve only 1e-4 ns (0.125 ns in double) and
         * could round a .4999999 to the wrong side. */
        size_t a = k == 0 ? 0 : k - 1;
        long double offset;
        if (k == 0)
            offset = (j - (long double)index[0]) * head;
        else if (k == n_anchors)
            offset = (j - (long double)index[a]) * tail;
        else
            offset = (j - (long double)index[a]) * ((long double)t_ns[k] - (long double)t_ns[a]) /
                     ((long double)index[k] - (long double)index[a]);
        out_t_ns[m] = add_sat(t_ns[a], round_sat(offset));
    }
    return MC_OK;
}

mc_status mc_time_index_map_pairs(const int64_t *pairs, size_t n_anchors, double rate_hz,
                                  int64_t first, size_t n, int64_t *out_t_ns)
{
    if (!pairs || n_anchors == 0 || n_anchors > SIZE_MAX / (2 * sizeof(int64_t)))
        return MC_EINVAL;
    int64_t *idx = malloc(n_anchors * 2 * sizeof *idx);
    if (!idx)
        return MC_ENOMEM;
    int64_t *t = idx + n_anchors;
    for (size_t k = 0; k < n_anchors; k++) {
        idx[k] = pairs[2 * k];
        t[k] = pairs[2 * k + 1];
    }
    mc_status st = mc_time_index_map(idx, t, n_anchors, rate_hz, first, n, out_t_ns);
    free(idx);
    return st;
}
