/* SPDX-License-Identifier: MIT */
/* dsp/fft.h: the spectral engine's transforms, and the only module that sees FFTW (STYLE.md 3.3).
 * Plans are made at create, on the control thread, under one planner lock; a plan is then
 * executed any number of times on its own aligned buffers, with no allocation and no lock. */
#ifndef MC_DSP_FFT_H
#define MC_DSP_FFT_H

#include <stddef.h>

#include "dsp/status.h"

typedef struct mc_fft mc_fft;

typedef enum mc_fft_kind {
    MC_FFT_R2C = 0,      /* forward, real [n] -> complex [n/2 + 1] */
    MC_FFT_C2C_BACKWARD, /* backward (inverse, unnormalised), complex [n] -> complex [n] */
    MC_FFT_C2C_FORWARD,  /* forward, complex [n] -> complex [n] */
} mc_fft_kind;

typedef struct mc_fft_config {
    size_t n; /* transform length, 1 .. 2^26; any size, fastest for 2^a 3^b 5^c 7^d */
    mc_fft_kind kind;
    int measure; /* 1: FFTW_MEASURE (planning takes ms to s, reused from wisdom);
                    0: FFTW_ESTIMATE (fast planning) */
} mc_fft_config;

/** Plan a transform and allocate its aligned input and output buffers. Control thread only
 *  (calls the FFTW planner, serialised by a lock). Allocates.
 *  @return MC_OK, MC_EINVAL (n out of range), MC_ENOMEM (allocation or planning failed);
 *          *out NULL on failure */
MC_NODISCARD mc_status mc_fft_create(const mc_fft_config *cfg, mc_fft **out);

/** The input buffer: R2C [n] floats; C2C [2n] floats (re, im interleaved). Fill it before each
 *  mc_fft_process; its contents are destroyed by the transform. Borrowed until destroy. */
float *mc_fft_get_input(mc_fft *f);

/** The output buffer: R2C [n/2 + 1] complex as [2 (n/2 + 1)] floats (re, im interleaved),
 *  unnormalised (a sine of amplitude A at bin k gives |X[k]| = A n / 2); C2C [2n] floats.
 *  Borrowed until destroy. */
const float *mc_fft_get_output(const mc_fft *f);

/** Transform the input buffer into the output buffer. Thread: one per handle (different handles
 *  may run on different threads at once). Real-time safe. */
void mc_fft_process(mc_fft *f);

size_t mc_fft_get_n(const mc_fft *f);

/** Destroy a plan. Control thread only (the planner lock). NULL is a no-op. */
void mc_fft_destroy(mc_fft *f);

/** Load FFTW wisdom (float precision) from a file, so that measured plans are made at once.
 *  Control thread only. @return MC_OK, MC_ENOTFOUND (missing or not valid wisdom for this
 *  FFTW build: treated as "no wisdom") */
MC_NODISCARD mc_status mc_fft_import_wisdom(const char *path);

/** Save the wisdom gathered so far. Control thread only. @return MC_OK, MC_EIO */
MC_NODISCARD mc_status mc_fft_export_wisdom(const char *path);

#endif
