/* SPDX-License-Identifier: MIT */
/* tools/recording.h: turns what sources produce (blocks and events stamped on the monotonic
 * clock) into a session file: the clock fit of each regular stream places its frames, its anchors
 * go to time_index, index and time jumps become gap rows, irregular frames keep their own times.
 * Used by `mcirc record` (from the rings, on the writer thread) and `mcirc sim` (directly). */
#ifndef MC_TOOLS_RECORDING_H
#define MC_TOOLS_RECORDING_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/block.h"
#include "dsp/event.h"
#include "dsp/status.h"
#include "formats/h5_writer.h"

typedef struct mc_recording mc_recording;

/** Per-stream counters. */
typedef struct mc_recording_stream_stats {
    int64_t frames;         /* rows in the file (frames written plus inserted missing rows) */
    int64_t frames_written; /* frames received and written */
    int64_t missing;        /* rows recorded as missing */
    int64_t gaps;           /* gap rows */
    double rate_hz;         /* fitted rate (regular streams) */
    double jitter_ms;       /* arrival jitter estimate (regular streams) */
    int64_t rows_waiting;   /* feature rows not yet written (waiting for their time or a flush) */
} mc_recording_stream_stats;

/** Create the session file (see mc_h5_writer_create) and a clock fit per regular stream.
 *  @param mono0_ns CLOCK_MONOTONIC time of the session start; every time given to this object is
 *                  on that clock and is stored as ns since mono0_ns
 *  Control thread. @return as mc_h5_writer_create */
MC_NODISCARD mc_status mc_recording_create(const mc_h5_writer_config *cfg, int64_t mono0_ns,
                                           mc_diag *d, mc_recording **out);

/** Store a block of stream `stream`. Thread: one per handle.
 *  @return MC_OK, MC_EINVAL (bad stream or block), MC_EIO (the file could not be written) */
MC_NODISCARD mc_status mc_recording_write_block(mc_recording *r, size_t stream, const mc_block *b);

/** Store an event whose t_ns is CLOCK_MONOTONIC. Thread: one per handle. */
MC_NODISCARD mc_status mc_recording_write_event(mc_recording *r, const mc_event *ev);

/** Make everything durable (mc_h5_writer_flush). Thread: one per handle. */
MC_NODISCARD mc_status mc_recording_flush(mc_recording *r);

/** Store the last anchors, then finish the file. Thread: one per handle. */
MC_NODISCARD mc_status mc_recording_finish(mc_recording *r, mc_diag *d);

mc_recording_stream_stats mc_recording_get_stream_stats(const mc_recording *r, size_t stream);

/** Where the last block written to `stream` went: its first stored index (the source's index
 *  shifted by the frames inserted for gaps) and the clock fit's present estimate of that frame's
 *  session time, ns (irregular streams: the frame's own time). Thread: one per handle. */
typedef struct mc_recording_placement {
    int64_t first_index;
    int64_t t0_ns;
} mc_recording_placement;
mc_recording_placement mc_recording_get_placement(const mc_recording *r, size_t stream);

/** Store one row of a stream's feature values (the analyser row of the window that ends at
 *  end_index; values in the order of the stream's feature specs in the writer configuration,
 *  which must be consecutive). An irregular stream's row carries its time (end_t_ns, session ns)
 *  and is written at the next flush. A regular stream's row waits until the clock anchors that
 *  bracket its window's last frame are stored, and gets the time a reader rebuilds from them
 *  (mc_time_index_map) plus one period, which is how `mcirc analyze` times a window: features
 *  recorded live and computed from the file afterwards then have equal times.
 *  Thread: one per handle. @return MC_OK; MC_EINVAL (stream without features, wrong count,
 *  end_index not increasing); MC_ENOMEM */
MC_NODISCARD mc_status mc_recording_add_row(mc_recording *r, size_t stream, int64_t end_index,
                                            int64_t end_t_ns, size_t n, const float *value,
                                            const uint8_t *status);

void mc_recording_destroy(mc_recording *r); /* NULL is a no-op */

#endif
