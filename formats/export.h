/* SPDX-License-Identifier: MIT */
/* formats/export.h: what `mcirc export` hands every exporter — the selected streams and time range
 * of a session file, loaded into the same in-memory recording the importers fill
 * (formats/import.h), so that an exporter writes one structure whatever its source and a round
 * trip import → export → import goes through one model. Exporters write through formats/output.h:
 * their file appears only when complete and never replaces another. */
#ifndef MC_FORMATS_EXPORT_H
#define MC_FORMATS_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "formats/import.h"

/** What to take from a session file. */
typedef struct mc_export_opts {
    const char *const *streams; /* [n_streams] stream names; every stream when n_streams is 0 */
    size_t n_streams;
    int64_t from_ns; /* session time range [from_ns, to_ns), ns since the session start */
    int64_t to_ns;
} mc_export_opts;

/** Every stream, the whole recording. Thread: any. */
mc_export_opts mc_export_opts_default(void);

/** Load the selection of a session file into `out` (initialised by the caller; mc_import_free
 *  after use). Times stay relative to the session start (out->start_unix_ns is the session's);
 *  a regular stream's start_ns is the time of its first selected frame, and its gaps and the
 *  events are those inside the range. Features are not exported. Thread: any. Allocates.
 *  @return MC_OK; MC_ENOTFOUND (file or a named stream absent); MC_EFORMAT, MC_EIO, MC_ENOMEM */
MC_NODISCARD mc_status mc_export_load(const char *path, const mc_export_opts *o, mc_import *out,
                                      mc_diag *d);

#endif
