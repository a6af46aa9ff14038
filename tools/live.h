/* SPDX-License-Identifier: MIT */
/* tools/live.h: the analysis of a session while it is recorded (`record`) or played (`replay`).
 * Each stream gets the analyser `mcirc analyze` uses (mc_analysis_create_analyser) and is fed the
 * rows the session file holds, in the same order: frames at their stored index, NaN rows where the
 * file has missing rows. The analysers accept frames only up to each hop boundary, so rows do not
 * depend on how frames were blocked: the live feature values equal those `analyze` computes from
 * the file afterwards. The object also lays out what the outputs need: the /features series of the
 * session file and the OSC schema. One thread per handle; create and destroy on the control
 * thread (analysers plan FFTs). */
#ifndef MC_TOOLS_LIVE_H
#define MC_TOOLS_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "dsp/stream.h"
#include "formats/h5_writer.h"
#include "formats/osc_schema.h"
#include "tools/analysis.h"

typedef struct mc_live mc_live;

/** One analyser row of one stream, with its time. */
typedef struct mc_live_row {
    size_t stream;
    int64_t end_index;     /* one past the window's last stored row */
    int64_t t_end_ns;      /* session ns: end of the window (regular streams: the time given for
                              its last frame plus one nominal period, as `analyze` times it) */
    size_t n_features;     /* the stream's feature count (mc_live_get_n_features) */
    const float *value;    /* [n_features], NaN unless OK; borrowed during the callback */
    const uint8_t *status; /* [n_features] mc_feature_status */
} mc_live_row;

typedef void (*mc_live_emit_fn)(void *ctx, const mc_live_row *row);

/** Create the analysers of `n` streams. A stream without an analyser (modality other, PPG
 *  without a regular rate) has no features and still appears in the schema (status, wave).
 *  @param streams [n] descriptions; borrowed, must outlive the object
 *  @param subject OSC-safe subject code (mc_osc_name_is_valid); copied
 *  @return MC_OK; MC_EINVAL (a name OSC cannot carry, a bad analysis parameter: in `d`);
 *          MC_ENOMEM */
MC_NODISCARD mc_status mc_live_create(const mc_stream_info *streams, size_t n,
                                      const mc_analysis_config *cfg, const char *subject,
                                      mc_diag *d, mc_live **out);

/** Feed stored rows [first_index, first_index + n) of `stream` and emit every row the analyser
 *  completes. Rows already fed are skipped; rows between the last one fed and first_index are fed
 *  as missing (NaN), placed in time between their neighbours.
 *  @param frames [n * n_channels] interleaved, physical units
 *  @param t_ns   [n] session ns of each frame (regular streams: exact from the file, or the clock
 *                fit's estimate live); the times irregular analysers see
 *  @return MC_OK; MC_EINVAL (no such stream); MC_ENOMEM */
MC_NODISCARD mc_status mc_live_push(mc_live *l, size_t stream, int64_t first_index,
                                    const float *frames, size_t n, const int64_t *t_ns,
                                    mc_live_emit_fn emit, void *ctx);

/** Rows fed so far to a stream (its next stored index). */
int64_t mc_live_get_next_index(const mc_live *l, size_t stream);

size_t mc_live_get_n_streams(const mc_live *l);
/** Features of a stream's hop (0 without an analyser), in the order of its rows' values. */
size_t mc_live_get_n_features(const mc_live *l, size_t stream);
const mc_feature_def *mc_live_get_feature(const mc_live *l, size_t stream, size_t k);
/** The channel a stream's waveform shows (its analyser's channel). */
uint32_t mc_live_get_channel(const mc_live *l, size_t stream);

/** The /features series of every stream, stream by stream (for mc_h5_writer_config.features):
 *  [*n] borrowed until destroy. */
const mc_h5_feature_spec *mc_live_get_specs(const mc_live *l, size_t *n);

/** The OSC schema: every stream with its features and its waveform at the stream's rate (none
 *  for an irregular stream). Borrowed until destroy. */
const mc_osc_schema *mc_live_get_schema(const mc_live *l);

void mc_live_destroy(mc_live *l); /* NULL is a no-op */

#endif
