/* SPDX-License-Identifier: MIT */
/* dsp/analyser.h: a streaming analyser of one stream: frames go in as they come, and a row of
 * feature values comes out at every hop. The same object runs live (the recorder) and offline
 * (`mcirc analyze`), so live and offline features are equal by construction: push accepts frames
 * only up to the next hop boundary, so the rows do not depend on how the frames were blocked.
 * Each modality (dsp/ppg.h, ldf.h, nirs.h, pco2.h) exports one constructor that fills the ops. */
#ifndef MC_DSP_ANALYSER_H
#define MC_DSP_ANALYSER_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/features.h"
#include "dsp/status.h"

/** One row: the features of the window that ends at end_index. */
typedef struct mc_analysis_row {
    int64_t end_index;     /* stream index one past the window's last frame */
    int64_t end_t_ns;      /* irregular streams: time of the window's last frame (ns, as pushed);
                              regular streams: MC_NO_TIME (the caller maps end_index to time) */
    size_t n_features;     /* = the analyser's feature count */
    const float *value;    /* [n_features], NaN unless status is OK; borrowed until next call */
    const uint8_t *status; /* [n_features] mc_feature_status */
} mc_analysis_row;

typedef struct mc_analyser_ops {
    /* Consume frames, at most up to the next hop boundary. frames: [n * n_channels] interleaved,
     * physical units, NaN = missing; t_ns: [n] times for irregular streams, NULL for regular.
     * Returns the number of frames consumed (>= 1 when n >= 1, unless a row is waiting). */
    size_t (*push)(void *self, const float *frames, const int64_t *t_ns, size_t n);
    /* 1 and the row when a hop has completed (then the next push may go on), else 0. */
    int (*pop)(void *self, mc_analysis_row *row);
    size_t (*get_n_features)(const void *self);
    const mc_feature_def *(*get_feature)(const void *self, size_t k);
    const char *(*get_parameters)(const void *self); /* "window_s=8 hop_s=1 ..." */
    void (*destroy)(void *self);
} mc_analyser_ops;

typedef struct mc_analyser {
    const mc_analyser_ops *ops;
    void *self;
} mc_analyser;

/** Thread: one per handle for all of these. push/pop are real-time safe. */
size_t mc_analyser_push(mc_analyser *a, const float *frames, const int64_t *t_ns, size_t n);
int mc_analyser_pop(mc_analyser *a, mc_analysis_row *row);
size_t mc_analyser_get_n_features(const mc_analyser *a);
const mc_feature_def *mc_analyser_get_feature(const mc_analyser *a, size_t k);
const char *mc_analyser_get_parameters(const mc_analyser *a);
/** Destroy (control thread: analysers may own FFT plans). NULL is a no-op. */
void mc_analyser_destroy(mc_analyser *a);

/** Feed n frames and collect every row: the loop that makes blocking irrelevant.
 *  @param emit called for each row, in order */
void mc_analyser_process(mc_analyser *a, const float *frames, const int64_t *t_ns, size_t n,
                         size_t n_channels, void (*emit)(void *ctx, const mc_analysis_row *row),
                         void *ctx);

#endif
