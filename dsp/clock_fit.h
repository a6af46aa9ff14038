/* SPDX-License-Identifier: MIT */
/* dsp/clock_fit.h: online fit that maps a regular stream's sample index to session time from
 * jittery receive times (DOMAIN.md 7.5, DESIGN.md "Stream model"). It rejects arrival jitter,
 * follows clock drift, and restarts after a gap; the anchors it emits, stored as time_index rows,
 * rebuild every sample's time by linear interpolation. */
#ifndef MC_DSP_CLOCK_FIT_H
#define MC_DSP_CLOCK_FIT_H

#include <stdint.h>

#include "dsp/status.h"

typedef struct mc_clock_fit mc_clock_fit;

/** Settings. Start from mc_clock_fit_config_default(). */
typedef struct mc_clock_fit_config {
    double rate_hz;           /* nominal sample rate, Hz, > 0 */
    double tau_s;             /* forgetting time constant of the regression, s (default 60) */
    double anchor_interval_s; /* spacing of anchors in sample time, s (default 10) */
    double anchor_lag_s;   /* data needed beyond an anchor before it is emitted, s (default 10) */
    double gap_s;          /* a forward jump of receive time beyond max(gap_s, 2 periods) is a
                              gap: the missing frames are inserted, the fit restarts (0.5) */
    double step_s;         /* a backward jump beyond this is a clock step: the fit restarts
                              without inserting frames (default 0.5) */
    double max_rate_error; /* bound on |fitted rate / nominal - 1| (default 0.01) */
} mc_clock_fit_config;

/** Defaults for a stream of `rate_hz`. Thread: any. */
mc_clock_fit_config mc_clock_fit_config_default(double rate_hz);

/** What one call of mc_clock_fit_process found. */
typedef enum mc_clock_event {
    MC_CLOCK_CONTINUOUS = 0, /* the block follows the previous one */
    MC_CLOCK_FIRST,          /* the first block: a segment starts */
    MC_CLOCK_GAP,            /* frames are missing before this block (index or time jump) */
    MC_CLOCK_STEP,           /* receive time jumped back: a new segment, no frames inserted */
} mc_clock_event;

typedef struct mc_clock_result {
    mc_clock_event event;
    int64_t first_index; /* stored index of the block's first frame (source index + shift) */
    int64_t gap_first;   /* first missing stored index when gap_frames > 0 */
    int64_t gap_frames;  /* missing frames before this block: > 0 for MC_CLOCK_GAP, and for
                            MC_CLOCK_STEP when the source index also jumped; else 0 */
    int restarted;       /* 1 when the block starts a new fit segment */
} mc_clock_result;

/** Counters for the status line and the tests. */
typedef struct mc_clock_fit_stats {
    int64_t points;       /* blocks seen */
    int64_t rejected;     /* blocks whose receive time was treated as jitter and not fitted */
    int64_t gaps;         /* gaps detected (index or time) */
    int64_t steps;        /* backward clock steps */
    int64_t segments;     /* fit segments started */
    double rate_hz;       /* current fitted rate, Hz */
    double jitter_rms_ns; /* current estimate of the arrival jitter, ns */
} mc_clock_fit_stats;

/** Create a fit. Thread: any. Allocates.
 *  @return MC_OK, MC_EINVAL (rate <= 0 or > 1e9, a non-positive/non-finite setting,
 *          max_rate_error >= 1), MC_ENOMEM;
 *          *out is NULL on failure */
MC_NODISCARD mc_status mc_clock_fit_create(const mc_clock_fit_config *cfg, mc_clock_fit **out);

/** Feed the timing of one block. Thread: one per handle. Real-time safe (no allocation).
 *  @param first_frame the source's index of the block's first frame; must not go backwards
 *  @param n_frames    frames in the block, >= 1
 *  @param t0_ns       receive time of the first frame, ns on the session clock
 *  @param res         receives where the block is stored and what discontinuity it follows
 *  @return MC_OK, or MC_EINVAL (n_frames == 0 or first_frame before the end of the previous
 *          block; the fit is unchanged) */
MC_NODISCARD mc_status mc_clock_fit_process(mc_clock_fit *f, int64_t first_frame, uint32_t n_frames,
                                            int64_t t0_ns, mc_clock_result *res);

/** Take the next anchor that is ready to store, oldest first. Thread: one per handle.
 *  Anchors of a segment are strictly increasing in index and in time; the last stored frame of a
 *  segment and the first frame of the next are both anchors, so that interpolation never crosses a
 *  gap. An anchor is emitted once the fit has anchor_lag_s of data beyond it; the first anchor of
 *  a segment, which lies at the edge of the data, waits for 4 lags (40 s by default), so a reader
 *  of a recording cut short before that places the frames at the nominal rate.
 *  Call after every mc_clock_fit_process: the queue holds 256 anchors.
 *  @return 1 and the anchor in *index, *t_ns; 0 when none is ready */
int mc_clock_fit_pop_anchor(mc_clock_fit *f, int64_t *index, int64_t *t_ns);

/** Make every remaining anchor of the current segment ready, ending with one at the last frame
 *  seen (end of recording). Thread: one per handle. @return MC_OK */
mc_status mc_clock_fit_finish(mc_clock_fit *f);

/** Current estimate of the session time of a stored index, ns (extrapolated past the data).
 *  Thread: one per handle. Before any block, returns MC_NO_TIME (dsp/block.h). */
int64_t mc_clock_fit_get_time(const mc_clock_fit *f, int64_t index);

/** Counters. Thread: one per handle. */
mc_clock_fit_stats mc_clock_fit_get_stats(const mc_clock_fit *f);

/** Clear all state, keep the configuration. Thread: one per handle. */
void mc_clock_fit_reset(mc_clock_fit *f);

void mc_clock_fit_destroy(mc_clock_fit *f); /* NULL is a no-op */

/** Rebuild the times of frames [first, first + n) from stored anchors by linear interpolation
 *  between the anchors that bracket each frame. Beyond the first or the last anchor, frames are
 *  extrapolated with the slope of the two nearest anchors when it is within 1 % of the nominal
 *  period, else at the nominal period (one anchor: nominal). This is how a reader turns
 *  time_index rows into times.
 *  Thread: any. Pure.
 *  @param index, t_ns anchors [n_anchors], index strictly increasing
 *  @param rate_hz     nominal rate, > 0
 *  @param out_t_ns    [n] times, ns
 *  @return MC_OK, MC_EINVAL (no anchors, rate <= 0, indices not increasing) */
MC_NODISCARD mc_status mc_time_index_map(const int64_t *index, const int64_t *t_ns,
                                         size_t n_anchors, double rate_hz, int64_t first, size_t n,
                                         int64_t *out_t_ns);

/** mc_time_index_map over anchors stored as the time_index table holds them: [n_anchors * 2]
 *  (index, t_ns) pairs. Thread: any. Allocates a scratch copy.
 *  @return MC_OK, MC_EINVAL, MC_ENOMEM */
MC_NODISCARD mc_status mc_time_index_map_pairs(const int64_t *pairs, size_t n_anchors,
                                               double rate_hz, int64_t first, size_t n,
                                               int64_t *out_t_ns);

#endif
