/* SPDX-License-Identifier: MIT */
/* formats/h5_recover.h: a clean copy of a session file that a crash (or a running recorder) left
 * open, for tools that cannot read SWMR files (h5dump, HDFView, MATLAB's older HDF5). The original
 * is opened read-only and never modified; LIBS.md 1 shows why `h5clear -s` alone is no repair. */
#ifndef MC_FORMATS_H5_RECOVER_H
#define MC_FORMATS_H5_RECOVER_H

#include <stdint.h>

#include "dsp/status.h"

/** What was copied. */
typedef struct mc_h5_recover_stats {
    int64_t streams;
    int64_t frames; /* over all streams */
    int64_t anchors;
    int64_t gaps;
    int64_t events;
    int64_t feature_values;
    int was_open; /* 1 when the source was still marked open (crash or live recording) */
} mc_h5_recover_stats;

/** Copy every stream (samples, times, anchors, gaps, attributes), every event and every feature
 *  series of `src` into a new plain HDF5 file `dst` (HDF5 1.8-compatible format, shuffle+deflate),
 *  adding the root attribute recovered_from. `dst` appears only when complete and is never an
 *  existing file. Control thread. Does I/O.
 *  @param stats optional
 *  @return MC_OK; MC_EEXIST (dst exists); MC_ENOTFOUND, MC_EFORMAT (src unreadable: the
 *          diagnostic says why); MC_EIO; MC_ENOMEM */
MC_NODISCARD mc_status mc_h5_recover(const char *src, const char *dst, mc_diag *d,
                                     mc_h5_recover_stats *stats);

#endif
