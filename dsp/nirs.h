/* SPDX-License-Identifier: MIT */
/* dsp/nirs.h: the NIRS streaming analyser (DOMAIN.md 4.1): StO2 as the mean of the finite samples
 * over the last window, one row every hop, on regular streams (hops in frames) and on irregular
 * ones (hops by the pushed times). The VOT on StO2 is a protocol function (dsp/protocol.h). */
#ifndef MC_DSP_NIRS_H
#define MC_DSP_NIRS_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/analyser.h"
#include "dsp/status.h"

/** Settings of the NIRS analyser; mc_nirs_config_default() fills them. */
typedef struct mc_nirs_config {
    double hop_s;    /* time between rows, s, > 0 (1) */
    double window_s; /* sto2 = mean over the last window_s, s, > 0 (5); rounded to whole hops,
                        at least one */
} mc_nirs_config;

/** hop_s 1, window_s 5. Thread: any. */
mc_nirs_config mc_nirs_config_default(void);

/** Set one setting by name ("hop_s", "window_s") from its text (plain decimal).
 *  Thread: one per config.
 *  @return MC_OK, or MC_EINVAL (unknown key, not a finite number > 0; the diagnostic says
 *          which and what was expected); the config is unchanged on failure */
MC_NODISCARD mc_status mc_nirs_config_set(mc_nirs_config *cfg, const char *key, const char *value,
                                          mc_diag *d);

/** Create the NIRS analyser of one channel. Feature (one): sto2 (%).
 *  Rows: a regular stream (fs_hz > 0) has hops of round(hop_s fs) frames (at least 1), and the
 *  window is the last round(window_s fs / hop) hops; row k ends at end_index = (k + 1) hop, with
 *  end_t_ns = MC_NO_TIME. An irregular stream (fs_hz = 0) passes a time per frame to push; hops are
 *  the intervals [m hop, (m + 1) hop) of the pushed clock, and a frame with t >= the current
 *  boundary completes the hop before it is consumed. Its row has end_index = frames consumed before
 *  the boundary and end_t_ns = the time of the window's last frame (NaN frames included), or the
 *  boundary when the window holds no frame. Once the window is empty, a gap in the times gives one
 *  row (NO_SIGNAL), then rows resume at the hop of the next frame. Times that go backwards are
 *  taken into the current hop.
 *  Statuses: OK; NO_SIGNAL when the window holds no finite sample; INVALID while a sample outside
 *  0-100 % (or infinite) is in the window (such samples are left out of the mean).
 *  Thread: any. Allocates.
 *  @param cfg        settings (copied)
 *  @param fs_hz      nominal rate, Hz, finite >= 0; 0 = irregular stream
 *  @param n_channels channels per frame, >= 1
 *  @param channel    the StO2 channel, < n_channels
 *  @param d          optional diagnostic
 *  @param out        receives the analyser; NULL on failure; destroy with mc_analyser_destroy
 *  @return MC_OK, MC_EINVAL (a setting or argument out of range: a hop of more than 10^9 s or
 *          10^9 frames, a window of more than 10^6 hops), MC_ENOMEM */
MC_NODISCARD mc_status mc_nirs_analyser_create(const mc_nirs_config *cfg, double fs_hz,
                                               uint32_t n_channels, uint32_t channel, mc_diag *d,
                                               mc_analyser **out);

#endif
