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

void mc_recording_destroy(mc_recording *r); /* NULL is a no-op */

#endif
