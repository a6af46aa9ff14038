/* SPDX-License-Identifier: MIT */
/* acquisition/ring.h: single-producer / single-consumer queues, the only hand-off between threads:
 * mc_ring carries blocks of one stream (preallocated slots, samples copied in), mc_event_queue
 * carries events. When full, the incoming item is dropped and counted (STYLE.md 4: dropping the
 * newest keeps the ring trivial); the next block's first_frame shows the hole, and the recorder
 * writes it into the stream's gaps. Nothing here blocks, allocates or locks after create. */
#ifndef MC_ACQUISITION_RING_H
#define MC_ACQUISITION_RING_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/block.h"
#include "dsp/event.h"
#include "dsp/status.h"

typedef struct mc_ring mc_ring;

typedef struct mc_ring_config {
    uint32_t n_slots;    /* blocks the ring holds, >= 2 */
    uint32_t max_frames; /* largest block, frames, >= 1 */
    uint32_t n_channels; /* channels per frame, >= 1 */
    int with_times;      /* 1: slots also carry per-frame times (irregular streams) */
} mc_ring_config;

/** Counters, readable from any thread (relaxed: a consistent snapshot is not promised). */
typedef struct mc_ring_stats {
    uint64_t pushed_blocks;
    uint64_t dropped_blocks; /* refused because the ring was full */
    uint64_t dropped_frames;
    uint32_t high_water; /* most slots ever in use */
} mc_ring_stats;

/** Create a ring. Control thread. Allocates n_slots * max_frames * n_channels floats.
 *  @return MC_OK, MC_EINVAL (a zero or too large size), MC_ENOMEM; *out NULL on failure */
MC_NODISCARD mc_status mc_ring_create(const mc_ring_config *cfg, mc_ring **out);

/** Copy a block into the next free slot. Producer thread only. Real-time safe.
 *  @return MC_OK; MC_EOVERRUN when full (the block is dropped and counted); MC_EINVAL (more
 *          frames than max_frames, wrong channel count, times missing or unexpected) */
MC_NODISCARD mc_status mc_ring_push(mc_ring *r, const mc_block *b);

/** The oldest block, or NULL when the ring is empty. The block stays valid and unchanged until
 *  mc_ring_release. Consumer thread only. */
const mc_block *mc_ring_peek(mc_ring *r);

/** Free the slot returned by the last mc_ring_peek. Consumer thread only. */
void mc_ring_release(mc_ring *r);

/** Counters. Any thread. */
mc_ring_stats mc_ring_get_stats(const mc_ring *r);

void mc_ring_destroy(mc_ring *r); /* NULL is a no-op; no thread may be using it */

typedef struct mc_event_queue mc_event_queue;

/** Create an event queue of `capacity` events (>= 2). Control thread. Allocates. */
MC_NODISCARD mc_status mc_event_queue_create(uint32_t capacity, mc_event_queue **out);
/** Copy an event in. Producer only. @return MC_OK or MC_EOVERRUN (dropped, counted) */
MC_NODISCARD mc_status mc_event_queue_push(mc_event_queue *q, const mc_event *ev);
/** Copy the oldest event out. Consumer only. @return 1 and the event, or 0 when empty */
int mc_event_queue_pop(mc_event_queue *q, mc_event *ev);
/** Events dropped because the queue was full. Any thread. */
uint64_t mc_event_queue_get_dropped(const mc_event_queue *q);
void mc_event_queue_destroy(mc_event_queue *q); /* NULL is a no-op */

#endif
