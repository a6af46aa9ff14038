/* SPDX-License-Identifier: MIT */
/* dsp/spectrum.h: reading a one-sided PSD: band power over arbitrary band tables (DOMAIN.md 3.2,
 * 3.3, 7.2) and the peak frequency with parabolic interpolation (DOMAIN.md 2.2). Pure. */
#ifndef MC_DSP_SPECTRUM_H
#define MC_DSP_SPECTRUM_H

#include <stddef.h>

#include "dsp/status.h"

/** A frequency band [f_lo_hz, f_hi_hz). */
typedef struct mc_band {
    const char *name;
    double f_lo_hz;
    double f_hi_hz;
} mc_band;

/** The six flowmotion bands of DOMAIN.md 3.2 (endothelial_no_indep 0.005-0.0095,
 *  endothelial_no_dep 0.0095-0.021, neurogenic 0.021-0.052, myogenic 0.052-0.145,
 *  respiratory 0.145-0.6, cardiac 0.6-2.0 Hz). */
extern const mc_band mc_ldf_bands[6];

/** Power in [f_lo, f_hi): the sum of psd[m] * df over the bins whose frequency m * df lies in
 *  the band. Thread: any. @return the power (unit^2), NaN when a bin in the band is NaN */
double mc_band_power(const double *psd, size_t n_bins, double df, double f_lo, double f_hi);

/** The highest bin in [f_lo, f_hi], refined by a parabola through the log power of it and its
 *  two neighbours. Thread: any.
 *  @param f_peak receives the interpolated frequency, Hz
 *  @param p_peak optional: the power of the highest bin
 *  @return MC_OK, MC_EINVAL (empty range, no positive power) */
MC_NODISCARD mc_status mc_spectrum_peak(const double *psd, size_t n_bins, double df, double f_lo,
                                        double f_hi, double *f_peak, double *p_peak);

#endif
