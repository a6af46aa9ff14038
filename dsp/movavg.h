/* SPDX-License-Identifier: MIT */
/* dsp/movavg.h: causal moving average over the last W samples, streaming and exact across blocks;
 * NaN samples are left out of the mean (the mean of the finite samples in the window, NaN when
 * there are none). A running sum kept in double, recomputed every W samples so that rounding
 * cannot accumulate. */
#ifndef MC_DSP_MOVAVG_H
#define MC_DSP_MOVAVG_H

#include <stddef.h>

#include "dsp/status.h"

typedef struct mc_movavg mc_movavg;

/** @param w window, samples, >= 1. Thread: any. Allocates.
 *  @return MC_OK, MC_EINVAL, MC_ENOMEM; *out NULL on failure */
MC_NODISCARD mc_status mc_movavg_create(size_t w, mc_movavg **out);
/** out[i] = mean of the finite samples among the last w inputs up to in[i] (fewer at the start).
 *  in and out may alias. Thread: one per handle. Real-time safe. */
void mc_movavg_process(mc_movavg *m, const float *in, float *out, size_t n);
void mc_movavg_reset(mc_movavg *m);
void mc_movavg_destroy(mc_movavg *m); /* NULL is a no-op */

#endif
