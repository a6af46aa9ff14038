/* SPDX-License-Identifier: MIT */
/* dsp/runmed.h: causal running median over the last W samples (spike rejection in LDF, DOMAIN.md
 * 3.5 and 3.7), streaming and exact across blocks. NaN samples are left out (the median of the
 * finite samples in the window, NaN when there are none); for an even count, the mean of the two
 * middle values. */
#ifndef MC_DSP_RUNMED_H
#define MC_DSP_RUNMED_H

#include <stddef.h>

#include "dsp/status.h"

typedef struct mc_runmed mc_runmed;

/** @param w window, samples, 1 .. 100000. Thread: any. Allocates.
 *  @return MC_OK, MC_EINVAL, MC_ENOMEM; *out NULL on failure */
MC_NODISCARD mc_status mc_runmed_create(size_t w, mc_runmed **out);
/** in and out may alias. Thread: one per handle. Real-time safe; O(w) per sample worst case. */
void mc_runmed_process(mc_runmed *r, const float *in, float *out, size_t n);
void mc_runmed_reset(mc_runmed *r);
void mc_runmed_destroy(mc_runmed *r); /* NULL is a no-op */

/** Median of n values (NaN left out), without changing them. Thread: any. Pure.
 *  @param scratch [n] working space
 *  @return the median, NaN when no value is finite */
double mc_median(const float *x, size_t n, float *scratch);

#endif
