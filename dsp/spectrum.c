/* SPDX-License-Identifier: MIT */
/* dsp/spectrum.c: band power and interpolated peak frequency of a one-sided PSD, and the LDF
 * flowmotion band table (DOMAIN.md 3.2). */
#include "dsp/spectrum.h"

#include <math.h>

const mc_band mc_ldf_bands[6] = {
    {"endothelial_no_indep", 0.005, 0.0095},
    {"endothelial_no_dep", 0.0095, 0.021},
    {"neurogenic", 0.021, 0.052},
    {"myogenic", 0.052, 0.145},
    {"respiratory", 0.145, 0.6},
    {"cardiac", 0.6, 2.0},
};

/* The first bin m with m * df >= f (n_bins when there is none). Membership is decided by the
 * same product m * df that the header defines, so the edges are exact whatever the rounding of
 * f / df: the estimate from the division is only a starting point, corrected both ways. */
static size_t first_bin_at_or_above(size_t n_bins, double df, double f)
{
    if (!(f > 0.0))
        return 0;
    double guess = floor(f / df);
    if (!(guess < (double)n_bins))
        return n_bins;
    size_t m = (size_t)guess;
    while (m > 0 && (double)(m - 1) * df >= f)
        m--;
    while (m < n_bins && (double)m * df < f)
        m++;
    return m;
}

/* The first bin m with m * df > f. */
static size_t first_bin_above(size_t n_bins, double df, double f)
{
    size_t m = first_bin_at_or_above(n_bins, df, f);
    while (m < n_bins && (double)m * df <= f)
        m++;
    return m;
}

double mc_band_power(const double *psd, size_t n_bins, double df, double f_lo, double f_hi)
{
    if (!psd || !(df > 0.0) || !isfinite(df) || isnan(f_lo) || isnan(f_hi))
        return (double)NAN;
    size_t lo = first_bin_at_or_above(n_bins, df, f_lo);
    size_t hi = first_bin_at_or_above(n_bins, df, f_hi);
    /* Sum the densities, then multiply once by df: the same value as sum(psd[m] df) up to
     * rounding, one multiplication instead of many. NaN propagates through the sum. */
    double sum = 0.0;
    for (size_t m = lo; m < hi; m++)
        sum += psd[m];
    return sum * df;
}

mc_status mc_spectrum_peak(const double *psd, size_t n_bins, double df, double f_lo, double f_hi,
                           double *f_peak, double *p_peak)
{
    if (!psd || !f_peak || n_bins == 0 || !(df > 0.0) || !isfinite(df) || !(f_lo <= f_hi))
        return MC_EINVAL;
    size_t lo = first_bin_at_or_above(n_bins, df, f_lo);
    size_t hi = first_bin_above(n_bins, df, f_hi); /* [f_lo, f_hi] is closed */
    size_t k = n_bins;
    double best = 0.0;
    for (size_t m = lo; m < hi; m++) {
        if (isfinite(psd[m]) && psd[m] > best) {
            best = psd[m];
            k = m;
        }
    }
    if (k == n_bins)
        return MC_EINVAL;

    /* The vertex of the parabola through (k - 1, ln P), (k, ln P), (k + 1, ln P) (DOMAIN.md 2.2).
     * The neighbours are read even outside [f_lo, f_hi]: the peak is where it is. The log makes
     * the fit exact for a Gaussian line shape and close for a Hann main lobe. Without two usable
     * neighbours, or when the three points are not concave, the bin itself is the answer. */
    double delta = 0.0;
    if (k > 0 && k + 1 < n_bins && psd[k - 1] > 0.0 && psd[k + 1] > 0.0 && isfinite(psd[k - 1]) &&
        isfinite(psd[k + 1])) {
        double l0 = log(psd[k - 1]), l1 = log(psd[k]), l2 = log(psd[k + 1]);
        double den = l0 - 2.0 * l1 + l2;
        if (den < 0.0) {
            delta = 0.5 * (l0 - l2) / den;
            if (delta > 0.5)
                delta = 0.5;
            else if (delta < -0.5)
                delta = -0.5;
        }
    }
    *f_peak = ((double)k + delta) * df;
    if (p_peak)
        *p_peak = best;
    return MC_OK;
}
