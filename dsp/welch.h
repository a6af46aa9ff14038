/* SPDX-License-Identifier: MIT */
/* dsp/welch.h: streaming Welch power spectral density (DOMAIN.md 7.2). Samples are pushed as they
 * come; each segment of L samples (every D samples: 50 % overlap when D = L/2) is detrended,
 * Hann-windowed and transformed once, and its periodogram kept in a ring of the last K, so a
 * sliding analysis reuses every segment's FFT across the windows it belongs to. The density is
 * one-sided and scaled so that a sine of amplitude A has band power A^2/2 (Parseval); it matches
 * scipy.signal.welch(x, fs, window='hann', nperseg=L, noverlap=L-D, detrend=...,
 * scaling='density').
 */
#ifndef MC_DSP_WELCH_H
#define MC_DSP_WELCH_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"

typedef struct mc_welch mc_welch;

typedef enum mc_detrend {
    MC_DETREND_NONE = 0,
    MC_DETREND_MEAN,   /* subtract the segment mean (scipy 'constant'; PPG) */
    MC_DETREND_LINEAR, /* subtract the least-squares line (scipy 'linear'; LDF) */
} mc_detrend;

typedef struct mc_welch_config {
    double fs_hz;       /* sample rate, Hz, > 0 */
    size_t seg_len;     /* L: samples per segment, >= 4 */
    size_t nfft;        /* FFT length >= L (zero padding), 0 = L */
    size_t seg_hop;     /* D: samples between segment starts, 1 .. L (default L/2) */
    size_t n_segments;  /* K: segments averaged per estimate (the last K); 0 = all since the
                           last reset (cumulative, for one estimate over a whole record) */
    mc_detrend detrend; /* default MC_DETREND_MEAN */
    int measure;        /* FFTW_MEASURE planning (see dsp/fft.h); default 0 */
} mc_welch_config;

/** Defaults for a segment length: D = L/2, nfft = L, K = 0, mean detrend. Thread: any. */
mc_welch_config mc_welch_config_default(double fs_hz, size_t seg_len);

/** Create. Control thread only (plans an FFT). Allocates.
 *  @return MC_OK, MC_EINVAL (a size or the rate out of range), MC_ENOMEM; *out NULL on failure */
MC_NODISCARD mc_status mc_welch_create(const mc_welch_config *cfg, mc_welch **out);

/** Push samples of one channel. Every completed segment is transformed at once. A segment that
 *  holds a NaN or an infinity is counted as invalid and left out of the averages.
 *  Thread: one per handle. Real-time safe.
 *  @return the number of segments completed by this call */
size_t mc_welch_push(mc_welch *w, const float *x, size_t n);

/** Samples still needed to complete the next segment (1 .. D, or 1 .. L before the first). */
size_t mc_welch_get_to_next_segment(const mc_welch *w);

/** The PSD averaged over the valid segments among the last K (or all, when K = 0).
 *  @param psd     [n_bins] one-sided density, unit^2/Hz, f_m = m * fs / nfft
 *  @param n_valid optional: valid segments averaged; 0 means psd is all NaN
 *  @return MC_OK, or MC_END when no valid segment is available (psd set to NaN) */
mc_status mc_welch_get_psd(const mc_welch *w, double *psd, size_t *n_valid);

size_t mc_welch_get_n_bins(const mc_welch *w); /* nfft / 2 + 1 */
double mc_welch_get_df(const mc_welch *w);     /* fs / nfft, Hz */
/** Segments completed since reset: valid and invalid. */
void mc_welch_get_counts(const mc_welch *w, int64_t *valid, int64_t *invalid);

/** Forget all samples and segments, keep the plan. Thread: one per handle. */
void mc_welch_reset(mc_welch *w);
void mc_welch_destroy(mc_welch *w); /* control thread; NULL is a no-op */

#endif
