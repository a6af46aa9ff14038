/* SPDX-License-Identifier: MIT */
/* formats/h5_writer.h: writes an mcirc session file (formats/h5_layout.h). Every group, dataset
 * and attribute is created at create; in SWMR mode the file is then switched to single-writer /
 * multiple-reader, so that a crash loses at most what was written since the last flush and the
 * file stays readable while it grows. The writer never overwrites an existing file. */
#ifndef MC_FORMATS_H5_WRITER_H
#define MC_FORMATS_H5_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/event.h"
#include "dsp/status.h"
#include "dsp/stream.h"
#include "formats/session.h"

typedef struct mc_h5_writer mc_h5_writer;

/** A feature series to create under /features/<stream>/<feature>. */
typedef struct mc_h5_feature_spec {
    const char *stream;     /* stream name (any valid name, need not be a recorded stream) */
    const char *feature;    /* feature name (DESIGN.md "Feature vocabulary") */
    const char *unit;       /* UCUM unit */
    const char *algorithm;  /* e.g. "beat-wise median PI, DOMAIN.md 1.2" */
    const char *parameters; /* e.g. "window_s=8 hop_s=1" */
} mc_h5_feature_spec;

typedef struct mc_h5_writer_config {
    const char *path;               /* file to create; must not exist */
    const mc_session_info *session; /* root metadata; subject is checked (mc_subject_check) */
    int allow_id;                   /* pass to mc_subject_check */
    size_t n_streams;
    const mc_stream_info *streams; /* [n_streams], names unique */
    size_t n_features;
    const mc_h5_feature_spec *features; /* [n_features], (stream, feature) pairs unique */
    int swmr;        /* 1: crash-safe recording (SWMR, HDF5 >= 1.10 format), the file appears
                        under `path` at create; 0: a plain file readable by any HDF5 tool,
                        which appears under `path` only at a successful finish */
    int compression; /* deflate level 0..9 after shuffle (0: shuffle only) */
    const char *recovered_from; /* optional: written as a root attribute (mcirc recover) */
    const char *derived_from;   /* optional: root attribute of a file computed from a recording */
} mc_h5_writer_config;

/** Defaults: swmr 1, compression 4, everything else empty. Thread: any. */
mc_h5_writer_config mc_h5_writer_config_default(void);

/** Create the file and every object in it. Control thread. Allocates, does I/O.
 *  The file is built under a hidden temporary name in the same folder and linked to `path`
 *  without replacing anything, so an existing file is never touched, even in a race.
 *  @param d  optional diagnostic: one line naming the file and what went wrong
 *  @return MC_OK; MC_EEXIST (path exists); MC_EPRIVACY (subject looks like an identifier);
 *          MC_EINVAL (bad config, bad or duplicate stream/feature); MC_EIO (cannot create: the
 *          diagnostic gives the system's reason); MC_ENOMEM. *out is NULL on failure. */
MC_NODISCARD mc_status mc_h5_writer_create(const mc_h5_writer_config *cfg, mc_diag *d,
                                           mc_h5_writer **out);

/** Append frames to stream `stream`. Thread: one per handle.
 *  Regular streams: rows [first_index, first_index + n_frames) are written; first_index may skip
 *  ahead of the rows written so far (the skipped rows keep the NaN fill: record them with
 *  mc_h5_writer_write_gap) but never go back. Irregular streams (rate 0): first_index must equal
 *  the rows written so far and t_ns gives each frame's time.
 *  @param samples [n_frames * n_channels] interleaved float32
 *  @param t_ns    irregular streams: [n_frames] ns since session start; regular: NULL
 *  @return MC_OK, MC_EINVAL (bad stream, overlap, missing or unexpected t_ns), MC_EIO */
MC_NODISCARD mc_status mc_h5_writer_write(mc_h5_writer *w, size_t stream, int64_t first_index,
                                          uint32_t n_frames, const float *samples,
                                          const int64_t *t_ns);

/** Store a clock anchor (sample_index, t_ns) of a regular stream (dsp/clock_fit.h). Indices must
 *  increase. Thread: one per handle. @return MC_OK, MC_EINVAL, MC_EIO */
MC_NODISCARD mc_status mc_h5_writer_write_anchor(mc_h5_writer *w, size_t stream, int64_t index,
                                                 int64_t t_ns);

/** Record lost samples of a stream (formats/h5_layout.h says how a gap row reads for regular and
 *  irregular streams). `reason` is cut to 31 bytes.
 *  Thread: one per handle. @return MC_OK, MC_EINVAL, MC_EIO */
MC_NODISCARD mc_status mc_h5_writer_write_gap(mc_h5_writer *w, size_t stream, int64_t first_index,
                                              int64_t n_missing, const char *reason);

/** Append an event to /events. Thread: one per handle. @return MC_OK, MC_EIO */
MC_NODISCARD mc_status mc_h5_writer_write_event(mc_h5_writer *w, const mc_event *ev);

/** Append n values to feature series `feature` (index into cfg->features).
 *  Thread: one per handle. @return MC_OK, MC_EINVAL, MC_EIO */
MC_NODISCARD mc_status mc_h5_writer_write_feature(mc_h5_writer *w, size_t feature, size_t n,
                                                  const int64_t *t_ns, const float *value,
                                                  const uint8_t *status);

/** Make everything written so far durable: HDF5 flush, then fsync. In SWMR mode readers see it
 *  from then on. Call at least once a second while recording. Thread: one per handle.
 *  @return MC_OK, MC_EIO */
MC_NODISCARD mc_status mc_h5_writer_flush(mc_h5_writer *w);

/** Rows written so far to a stream (the extent of its data). Thread: one per handle. */
int64_t mc_h5_writer_get_n_frames(const mc_h5_writer *w, size_t stream);

/** Flush and close. Without SWMR, this is when the file appears under its name. The handle is
 *  still to be destroyed. Thread: one per handle.
 *  @return MC_OK, MC_EEXIST (non-SWMR: the name was taken meanwhile; the data stays in the
 *          temporary file the diagnostic names), MC_EIO */
MC_NODISCARD mc_status mc_h5_writer_finish(mc_h5_writer *w, mc_diag *d);

/** Release the writer. Without a successful finish, a non-SWMR file is removed (abandoned) and a
 *  SWMR file is closed as it is. NULL is a no-op. */
void mc_h5_writer_destroy(mc_h5_writer *w);

#endif
