/* SPDX-License-Identifier: MIT */
/* formats/h5_reader.h: reads an mcirc session file, also one that is still being recorded or
 * that a crash left open (SWMR read): session metadata, each stream's description, samples and
 * times by index or by time range, gaps, events and feature series. Never modifies the file. */
#ifndef MC_FORMATS_H5_READER_H
#define MC_FORMATS_H5_READER_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/event.h"
#include "dsp/status.h"
#include "dsp/stream.h"
#include "formats/h5_layout.h"
#include "formats/h5_writer.h"
#include "formats/session.h"

typedef struct mc_h5_reader mc_h5_reader;

/** How the file was found. */
typedef enum mc_h5_file_state {
    MC_H5_CLOSED = 0, /* closed cleanly: any HDF5 tool opens it */
    MC_H5_OPEN,       /* still open for writing, or left open by a crash: readable by mcirc
                         (SWMR read) and by h5py with swmr=True; `mcirc recover` makes a clean copy */
} mc_h5_file_state;

/** One row of a stream's gaps table. */
typedef struct mc_h5_gap {
    int64_t first_index; /* regular: first missing (NaN) row; irregular: the row after the loss */
    int64_t n_missing;   /* samples lost; 0 for a time discontinuity (formats/h5_layout.h) */
    char reason[MC_H5_GAP_REASON_LEN];
} mc_h5_gap;

/** Open a session file read-only. Thread: any (one thread per handle afterwards).
 *  @param d optional diagnostic naming the file and the problem (missing, not HDF5, not an mcirc
 *           session, unsupported format version, a malformed stream)
 *  @return MC_OK, MC_ENOTFOUND (no such file), MC_EFORMAT, MC_EIO, MC_ENOMEM; *out NULL on
 *          failure */
MC_NODISCARD mc_status mc_h5_reader_open(const char *path, mc_diag *d, mc_h5_reader **out);

/** Re-read the extents of every table (for a file that is still being written). Thread: one per
 *  handle. @return MC_OK, MC_EIO */
MC_NODISCARD mc_status mc_h5_reader_refresh(mc_h5_reader *r);

mc_h5_file_state mc_h5_reader_get_state(const mc_h5_reader *r);
/** Root metadata. Borrowed until destroy. */
const mc_session_info *mc_h5_reader_get_session(const mc_h5_reader *r);

size_t mc_h5_reader_get_n_streams(const mc_h5_reader *r);
/** Description of stream i (all attributes besides the layout's own are in attrs). Borrowed
 *  until destroy. @return NULL when i is out of range */
const mc_stream_info *mc_h5_reader_get_stream(const mc_h5_reader *r, size_t i);
/** Index of the stream named `name`, or -1. */
int64_t mc_h5_reader_find_stream(const mc_h5_reader *r, const char *name);
/** Rows of a stream's data (as of open or the last refresh), or -1 for a bad index. */
int64_t mc_h5_reader_get_n_frames(const mc_h5_reader *r, size_t stream);

/** Read frames [first, first + n) of a stream into samples [n * n_channels].
 *  Thread: one per handle. @return MC_OK, MC_EINVAL (out of range), MC_EIO */
MC_NODISCARD mc_status mc_h5_reader_read(mc_h5_reader *r, size_t stream, int64_t first, size_t n,
                                         float *samples);

/** Times of frames [first, first + n), ns since the session start: the time dataset of an
 *  irregular stream, or the time_index anchors of a regular one (dsp/clock_fit.h
 *  mc_time_index_map); a regular stream without anchors yet (a crash in its first seconds) is
 *  placed at index / rate_hz from the session start. Thread: one per handle.
 *  @return MC_OK, MC_EINVAL, MC_EIO */
MC_NODISCARD mc_status mc_h5_reader_read_times(mc_h5_reader *r, size_t stream, int64_t first,
                                               size_t n, int64_t *t_ns);

/** The frames whose time t satisfies t_from_ns <= t < t_to_ns (times are non-decreasing within
 *  a stream, up to clock steps, which are searched as recorded). Thread: one per handle.
 *  @return MC_OK with *first and *n (n may be 0), MC_EINVAL, MC_EIO */
MC_NODISCARD mc_status mc_h5_reader_find_range(mc_h5_reader *r, size_t stream, int64_t t_from_ns,
                                               int64_t t_to_ns, int64_t *first, size_t *n);

/** Anchor rows of a regular stream (empty for an irregular one). Borrowed until the next refresh
 *  or destroy; *n receives the count. */
const int64_t *mc_h5_reader_get_anchors(const mc_h5_reader *r, size_t stream, size_t *n);

/** Gaps of a stream. Borrowed until the next refresh or destroy; *n receives the count. */
const mc_h5_gap *mc_h5_reader_get_gaps(const mc_h5_reader *r, size_t stream, size_t *n);

/** Events, in the order they were written. Borrowed until the next refresh or destroy. */
const mc_event *mc_h5_reader_get_events(const mc_h5_reader *r, size_t *n);

size_t mc_h5_reader_get_n_features(const mc_h5_reader *r);
/** Description of feature series k (stream, feature, unit, algorithm, parameters). Borrowed. */
const mc_h5_feature_spec *mc_h5_reader_get_feature(const mc_h5_reader *r, size_t k);
/** Values in feature series k. */
int64_t mc_h5_reader_get_n_feature_values(const mc_h5_reader *r, size_t k);
/** Read values [first, first + n) of feature series k. @return MC_OK, MC_EINVAL, MC_EIO */
MC_NODISCARD mc_status mc_h5_reader_read_feature(mc_h5_reader *r, size_t k, int64_t first, size_t n,
                                                 int64_t *t_ns, float *value, uint8_t *status);

/** Whether a writer holds the file open, from the superblock's file-consistency flags (byte 11 of
 *  a version 2 or 3 superblock at offset 0: bit 0 open for write, bit 2 open for SWMR write).
 *  HDF5 sets them when a writer opens the file and clears them when it closes it, so a running
 *  recorder reads 1 and a finished one 0; a recorder that crashed also leaves 1 (only a time
 *  without growth tells it from a running one). Reads 12 bytes with open/pread and never
 *  takes HDF5's file lock, so it may be called while any process has the file open. Pure
 *  otherwise: no HDF5 call, no state. Thread: any.
 *  @param written receives 1 (a flag set) or 0 (closed cleanly)
 *  @return MC_OK; MC_ENOTFOUND (no such file); MC_EIO (unreadable); MC_EFORMAT (no HDF5
 *          signature at offset 0, or a version 0/1 superblock, which has no such flags) */
MC_NODISCARD mc_status mc_h5_file_is_being_written(const char *path, int *written);

void mc_h5_reader_destroy(mc_h5_reader *r); /* NULL is a no-op */

#endif
