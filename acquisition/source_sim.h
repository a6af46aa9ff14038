/* SPDX-License-Identifier: MIT */
/* acquisition/source_sim.h: a source that plays a simulator model (acquisition/sim.h), paced in
 * real time like a device (record) or as fast as possible on a synthetic clock (sim, tests). */
#ifndef MC_ACQUISITION_SOURCE_SIM_H
#define MC_ACQUISITION_SOURCE_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "acquisition/source.h"
#include "dsp/status.h"
#include "dsp/stream.h"

typedef struct mc_source_sim_config {
    const char *model;   /* ppg, ldf, nirs, pco2 */
    const char *name;    /* stream name */
    const mc_kv *params; /* [n_params] model keys (DESIGN.md "Simulator models") */
    size_t n_params;
    double block_s;        /* frames per block as seconds of data (default 0.1) */
    int paced;             /* 1: deliver each block when its last frame is due, stamped with the
                              monotonic time it was delivered; 0: at once, stamped exactly */
    double speed;          /* paced: X times real time (1); the blocks are stamped on a clock that
                              runs X times faster from start_mono_ns, so a recording made at
                              speed X holds the same times as one made in real time */
    int64_t start_mono_ns; /* monotonic time of frame 0 (paced), or origin of the synthetic clock */
    int start_on_first_read; /* paced: frame 0 is due at the first read (a device starts when it
                                is opened), start_mono_ns stays the origin of the speed-up */
    double duration_s;       /* > 0: read returns MC_END after this much data; 0: until stopped */
} mc_source_sim_config;

/** Defaults: block 0.1 s, paced at speed 1, start 0, no duration limit. Thread: any. */
mc_source_sim_config mc_source_sim_config_default(void);

/** Create a simulated source of one stream. Control thread. Allocates.
 *  @return MC_OK, MC_EINVAL (bad model or parameters: the diagnostic names the key), MC_ENOMEM;
 *          *out NULL on failure */
MC_NODISCARD mc_status mc_source_sim_create(const mc_source_sim_config *cfg, mc_diag *d,
                                            mc_source **out);

#endif
