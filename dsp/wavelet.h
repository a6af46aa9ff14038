/* SPDX-License-Identifier: MIT */
/* dsp/wavelet.h: continuous wavelet transform with the Morlet wavelet for flowmotion analysis
 * (DOMAIN.md 3.4), by FFT convolution: the signal is transformed once, then each scale is one
 * product with the wavelet's spectrum and one inverse FFT. The normalisation is amplitude-
 * preserving: a sine of amplitude A at frequency f gives a mean amplitude A at the scale of f. */
#ifndef MC_DSP_WAVELET_H
#define MC_DSP_WAVELET_H

#include <stddef.h>

#include "dsp/status.h"

typedef struct mc_cwt mc_cwt;

typedef struct mc_cwt_config {
    double fs_hz;          /* sample rate of the signal, Hz */
    double f_min_hz;       /* lowest frequency analysed (default 0.005) */
    double f_max_hz;       /* highest (default 2.0), < fs / 2 */
    int voices_per_octave; /* scales per octave (default 16) */
    double f0;             /* Morlet centre frequency, omega0 = 2 pi f0 (default 1, as MODA) */
    size_t max_len;        /* longest signal, samples (sizes the FFTs) */
} mc_cwt_config;

/** Defaults for a rate and a maximum length. Thread: any. */
mc_cwt_config mc_cwt_config_default(double fs_hz, size_t max_len);

/** Create. Control thread only (plans FFTs). Allocates.
 *  @return MC_OK, MC_EINVAL, MC_ENOMEM; *out NULL on failure */
MC_NODISCARD mc_status mc_cwt_create(const mc_cwt_config *cfg, mc_cwt **out);

size_t mc_cwt_get_n_scales(const mc_cwt *w);
/** Centre frequency of each scale, Hz, increasing. Borrowed until destroy. */
const double *mc_cwt_get_freqs(const mc_cwt *w);

/** Time-averaged wavelet amplitude per scale, outside the cone of influence (samples closer to
 *  either end than the e-folding time sqrt(2) * s are left out). NaN samples are replaced by the
 *  mean before the transform and the times within the cone of a NaN are left out too.
 *  Thread: one per handle. Does not allocate.
 *  @param x        [n] signal, n <= max_len
 *  @param mean_amp [n_scales] mean |W| (amplitude units), NaN where no sample is left
 *  @param n_valid  optional [n_scales] samples averaged at each scale
 *  @return MC_OK, MC_EINVAL (n > max_len or n < 2) */
MC_NODISCARD mc_status mc_cwt_process(mc_cwt *w, const float *x, size_t n, double *mean_amp,
                                      size_t *n_valid);

void mc_cwt_destroy(mc_cwt *w); /* control thread; NULL is a no-op */

#endif
