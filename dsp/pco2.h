/* SPDX-License-Identifier: MIT */
/* dsp/pco2.h: the PCO2 streaming analyser (DOMAIN.md 5): the level (mean over a short window) and
 * the trend (least-squares slope over a long window), one row every hop, on regular streams (hops
 * in frames) and irregular ones (hops by the pushed times), with the sensor's settling period
 * after the start left out (DOMAIN.md 5.3). The gap to an arterial value is a protocol function
 * (mc_pco2_gap_analyse in dsp/protocol.h). */
#ifndef MC_DSP_PCO2_H
#define MC_DSP_PCO2_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/analyser.h"
#include "dsp/status.h"

/** Settings of the PCO2 analyser; mc_pco2_config_default() fills them. */
typedef struct mc_pco2_config {
    double hop_s;          /* time between rows, s, > 0 (1) */
    double window_s;       /* pco2 = mean over the last window_s, s, > 0 (10) */
    double trend_window_s; /* pco2_trend = least-squares slope over the last trend_window_s,
                              s, > 0 (600) */
    double discard_s;      /* samples in the first discard_s after the start are left out (the
                              electrode's overshoot, DOMAIN.md 5.3), s, >= 0 (600; 0 = none) */
} mc_pco2_config;

/** hop_s 1, window_s 10, trend_window_s 600, discard_s 600. Thread: any. */
mc_pco2_config mc_pco2_config_default(void);

/** Set one setting by name ("hop_s", "window_s", "trend_window_s", "discard_s") from its text
 *  (plain decimal). Thread: one per config.
 *  @return MC_OK, or MC_EINVAL (unknown key, not a number, not finite, <= 0, or < 0 for
 *          discard_s; the diagnostic says which and what was expected); the config is unchanged
 *          on failure */
MC_NODISCARD mc_status mc_pco2_config_set(mc_pco2_config *cfg, const char *key, const char *value,
                                          mc_diag *d);

/** Create the PCO2 analyser of one channel. Features: pco2 (mmHg), pco2_trend (mmHg/h).
 *  Rows and times as for mc_nirs_analyser_create (dsp/nirs.h): a regular stream (fs_hz > 0) has
 *  hops of round(hop_s fs) frames (at least 1) and end_t_ns = MC_NO_TIME; an irregular stream
 *  (fs_hz = 0) has hops [m hop, (m + 1) hop) of the pushed clock, end_t_ns = the time of the
 *  window's last frame (or the boundary when the window holds no frame), and one NO_SIGNAL row
 *  per gap once the window is empty. Windows are whole hops (at least one).
 *  The start is the first frame (index 0, or the first pushed time). Samples before start +
 *  discard_s are never used; a recalibration needs a new analyser.
 *  Statuses, both features: NOT_AVAILABLE while the row's window ends within the discarded
 *  period (the sensor is settling: the values exist but are not yet the patient's).
 *  pco2: OK; NO_SIGNAL when its window holds no finite sample; INVALID while a sample outside
 *  0-200 mmHg (or infinite) is in its window (left out of the mean).
 *  pco2_trend: OK; INSUFFICIENT_LENGTH until the trend window lies wholly after the discarded
 *  period; NO_SIGNAL when fewer than half of its hops hold a finite sample (out-of-range samples
 *  count as missing). Times are frame index / fs (regular) or the pushed times (irregular).
 *  Thread: any. Allocates.
 *  @param cfg        settings (copied)
 *  @param fs_hz      nominal rate, Hz, finite >= 0; 0 = irregular stream
 *  @param n_channels channels per frame, >= 1
 *  @param channel    the PCO2 channel (mmHg), < n_channels
 *  @param d          optional diagnostic
 *  @param out        receives the analyser; NULL on failure; destroy with mc_analyser_destroy
 *  @return MC_OK, MC_EINVAL (a setting or argument out of range: a hop of more than 10^6 s or
 *          10^9 frames, a window of more than 10^6 hops or 10^9 s, discard_s above 10^7 s),
 *          MC_ENOMEM */
MC_NODISCARD mc_status mc_pco2_analyser_create(const mc_pco2_config *cfg, double fs_hz,
                                               uint32_t n_channels, uint32_t channel, mc_diag *d,
                                               mc_analyser **out);

#endif
