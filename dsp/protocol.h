/* SPDX-License-Identifier: MIT */
/* dsp/protocol.h: the provocation tests on the events timeline, as pure functions of a stream's
 * samples and times and the event times: post-occlusive reactive hyperaemia on LDF (DOMAIN.md
 * 3.6), iontophoresis on LDF (3.5), the vascular occlusion test on StO2 (4.2), PI during a VOT
 * (1.5), and the PCO2 gap to an arterial value (5.1, 5.3). Each result value has a status; a value
 * whose status is not OK is NaN. */
#ifndef MC_DSP_PROTOCOL_H
#define MC_DSP_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/features.h"
#include "dsp/status.h"

/** A protocol's results: named values with units and statuses, in a fixed order per protocol. */
enum { MC_PROTOCOL_MAX_VALUES = 16 };
typedef struct mc_protocol_result {
    size_t n;
    const mc_feature_def *defs[MC_PROTOCOL_MAX_VALUES]; /* names as in DESIGN.md (porh_peak...) */
    double value[MC_PROTOCOL_MAX_VALUES];
    uint8_t status[MC_PROTOCOL_MAX_VALUES];
} mc_protocol_result;

/** Settings of all protocols (DOMAIN.md defaults); mc_protocol_config_default() fills them. */
typedef struct mc_protocol_config {
    double porh_rest_s;        /* rest window before the occlusion, s (DOMAIN 3.6: 2-5 min) */
    double porh_bz_s;          /* BZ = mean over the last bz_s of the occlusion (30) */
    double porh_smooth_s;      /* peak from the moving median over smooth_s (1) */
    double porh_return_frac;   /* return when F' <= rest * (1 + frac) ... (0.10) */
    double porh_return_hold_s; /* ... for hold_s (10) */
    double ionto_baseline_s;   /* baseline window before the first dose, s (120) */
    double ionto_smooth_s;     /* moving median, s (5) */
    double ionto_plateau_s;    /* plateau = mean over the last plateau_s of the response (60) */
    double vot_baseline_s;     /* baseline window before the occlusion (60) */
    double vot_desat_s;        /* desaturation slope over the first desat_s of occlusion (60) */
    double vot_recovery_s;     /* recovery slope over the first recovery_s after release (14) */
    double vot_max_s;          /* StO2max searched within max_s after release (120) */
    double pco2_window_s;      /* mean PCO2 over +-window_s around the gas sample (60) */
    double pco2_delay_s;       /* sensor delay: the window is shifted by it (60) */
    double pco2_max_age_s;     /* no gap when no PCO2 lies within this of the gas (300) */
} mc_protocol_config;

mc_protocol_config mc_protocol_config_default(void);

/** Set one setting by name ("porh_rest_s", ...). @return MC_OK or MC_EINVAL (unknown name,
 *  not a finite positive number (pco2_delay_s may be 0); the diagnostic says which) */
MC_NODISCARD mc_status mc_protocol_config_set(mc_protocol_config *c, const char *key,
                                              const char *value, mc_diag *d);

/* In all functions: x [n] samples (physical units, NaN = missing), t_s [n] their times in s,
 * increasing; event times in s on the same clock. Thread: any. Pure. Allocation: none, except
 * where a scratch array is passed. They never fail: what cannot be computed gets a status. */

/** PORH (DOMAIN.md 3.6): porh_rest, porh_bz, porh_peak, porh_t_peak (s), porh_t_half (s),
 *  porh_auc (PU.s), porh_debt (PU.s), porh_repayment (1), porh_increase (%).
 *  @param scratch [n] floats */
void mc_porh_analyse(const float *x, const double *t_s, size_t n, double t_occlusion,
                     double t_release, const mc_protocol_config *c, float *scratch,
                     mc_protocol_result *r);

/** Iontophoresis (DOMAIN.md 3.5): ionto_baseline, ionto_peak, ionto_plateau (PU),
 *  ionto_increase (%), ionto_auc (PU.s), ionto_cvc (PU/mmHg, when map_mmhg is finite).
 *  The response runs from t_dose to t_end (the next dose, or the end of the record).
 *  @param scratch [n] floats */
void mc_ionto_analyse(const float *x, const double *t_s, size_t n, double t_first_dose,
                      double t_dose, double t_end, double map_mmhg, const mc_protocol_config *c,
                      float *scratch, mc_protocol_result *r);

/** VOT on StO2 (DOMAIN.md 4.2): vot_baseline (%), vot_desat_slope (%/min), vot_min (%),
 *  vot_recovery_slope (%/s), vot_max (%), vot_auc (%.s), vot_recovery_time (s),
 *  vot_time_to_max (s). */
void mc_vot_analyse(const float *sto2, const double *t_s, size_t n, double t_occlusion,
                    double t_release, const mc_protocol_config *c, mc_protocol_result *r);

/** PI during a VOT (DOMAIN.md 1.5): pi_vot_baseline (%), pi_vot_min (%) during the occlusion,
 *  pi_vot_peak (%) within 120 s after release, pi_vot_delta (%) = PI 60 s after release minus
 *  baseline. pi [n] is the PI feature series (one value per hop). */
void mc_pi_vot_analyse(const float *pi, const double *t_s, size_t n, double t_occlusion,
                       double t_release, const mc_protocol_config *c, mc_protocol_result *r);

/** PCO2 gap (DOMAIN.md 5.3): pco2_gap (mmHg) = mean PCO2 over the shifted window minus the
 *  arterial value entered at t_gas. */
void mc_pco2_gap_analyse(const float *pco2, const double *t_s, size_t n, double t_gas,
                         double arterial_mmhg, const mc_protocol_config *c, mc_protocol_result *r);

#endif
