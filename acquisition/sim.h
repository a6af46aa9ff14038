/* SPDX-License-Identifier: MIT */
/* acquisition/sim.h: simulator models with known truth (DOMAIN.md 10, DESIGN.md "Simulator
 * models"): ppg, ldf, nirs, pco2. A model is a deterministic function of its parameters and seed:
 * the same frames come out whatever the block sizes, so a recording can be checked against a
 * regenerated copy. The parameters are written into the stream's attributes as sim_<key>. */
#ifndef MC_ACQUISITION_SIM_H
#define MC_ACQUISITION_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/event.h"
#include "dsp/status.h"
#include "dsp/stream.h"

typedef struct mc_sim mc_sim;

/** Create a model. Thread: any. Allocates.
 *  @param model  "ppg", "ldf", "nirs" or "pco2"
 *  @param name   stream name (checked with mc_name_is_valid); copied
 *  @param params [n_params] key=value settings (DESIGN.md keys); copied; unknown keys, bad numbers
 *                and out-of-range values are refused with a message naming the key and the range
 *  @param d      optional diagnostic
 *  @return MC_OK, MC_EINVAL (unknown model, bad name, bad key or value), MC_ENOMEM */
MC_NODISCARD mc_status mc_sim_create(const char *model, const char *name, const mc_kv *params,
                                     size_t n_params, mc_diag *d, mc_sim **out);

/** The stream this model produces: name, modality, channels and units, rate (0 when the model was
 *  asked for an irregular stream), device_model "mcirc sim <model>", driver "sim", and one
 *  attribute sim_<key> per parameter with its effective value (defaults included).
 *  Thread: any. Borrowed: valid until mc_sim_destroy. */
const mc_stream_info *mc_sim_get_info(const mc_sim *s);

/** Nominal rate of the model in Hz, also for irregular streams. Thread: any. */
double mc_sim_get_rate(const mc_sim *s);

/** Generate the next n frames. Thread: one per handle. Real-time safe.
 *  @param samples [n * n_channels] interleaved output, physical units, NaN during dropouts
 *  @param t_ns    optional [n] model time of each frame, ns since the model's start (frame k of
 *                 the stream is at k / rate exactly); may be NULL
 *  @return index of the first generated frame */
int64_t mc_sim_read(mc_sim *s, size_t n, float *samples, int64_t *t_ns);

/** Take the next truth event whose time has been generated (protocol occlusion start/end, motion
 *  artefact and dropout intervals), oldest first. t_ns is model time; stream is the stream name.
 *  Thread: one per handle. @return 1 and the event, 0 when none is ready */
int mc_sim_pop_event(mc_sim *s, mc_event *ev);

/** Names of the models, NULL-terminated. Thread: any. */
const char *const *mc_sim_models(void);

void mc_sim_destroy(mc_sim *s); /* NULL is a no-op */

#endif
