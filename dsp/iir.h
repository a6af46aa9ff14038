/* SPDX-License-Identifier: MIT */
/* dsp/iir.h: Butterworth low-, high- and band-pass filters as cascades of biquads (second-order
 * sections), designed at create by the bilinear transform with prewarping, run in transposed
 * direct form II with double coefficients and states (DOMAIN.md 7.4: float states give visible
 * errors for 0.5 Hz poles at 500 Hz). Streaming and exact across blocks: filtering a signal in
 * blocks of any size gives the same output as in one go. */
#ifndef MC_DSP_IIR_H
#define MC_DSP_IIR_H

#include <stddef.h>

#include "dsp/status.h"

typedef struct mc_iir mc_iir;

typedef enum mc_iir_type {
    MC_IIR_LOWPASS = 0,
    MC_IIR_HIGHPASS,
    MC_IIR_BANDPASS, /* order N gives a 2N-th order band-pass, as scipy butter(N, [f1, f2]) */
} mc_iir_type;

typedef struct mc_iir_config {
    mc_iir_type type;
    int order;    /* Butterworth order, 1 .. 8 */
    double fs_hz; /* sample rate, > 0 */
    double f1_hz; /* cut-off (low-/high-pass), or the lower edge (band-pass); 0 < f1 < fs/2 */
    double f2_hz; /* band-pass upper edge, f1 < f2 < fs/2; ignored otherwise */
} mc_iir_config;

/** Design the filter. Thread: any. Allocates.
 *  @return MC_OK, MC_EINVAL (order or frequencies out of range), MC_ENOMEM; *out NULL on failure */
MC_NODISCARD mc_status mc_iir_create(const mc_iir_config *cfg, mc_iir **out);

/** Filter n samples; in and out may be the same array. NaN (or +-Inf) in the input is not
 *  filtered: the
 *  output is NaN there and the filter restarts from the next finite sample at its steady state
 *  (DOMAIN.md 7.4, scipy lfilter_zi), so that a gap costs no transient ringing.
 *  Thread: one per handle. Real-time safe. */
void mc_iir_process(mc_iir *f, const float *in, float *out, size_t n);

/** The same in double precision (tests compare it with scipy's sosfilt). */
void mc_iir_process_double(mc_iir *f, const double *in, double *out, size_t n);

/** Set the states to the steady state of a constant input x0 (the output starts at x0 times the
 *  DC gain, without a transient). A non-finite x0 zeroes the states and restarts the filter at
 *  the steady state of the next finite sample. Thread: one per handle. */
void mc_iir_reset_to(mc_iir *f, double x0);

/** Zero the states. Thread: one per handle. */
void mc_iir_reset(mc_iir *f);

/** Number of sections, and their coefficients [n_sections * 6] as scipy's sos rows
 *  (b0, b1, b2, a0 = 1, a1, a2). @return the number of sections */
size_t mc_iir_get_sos(const mc_iir *f, double *sos, size_t max_sections);

void mc_iir_destroy(mc_iir *f); /* NULL is a no-op */

#endif
