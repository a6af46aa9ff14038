/* SPDX-License-Identifier: MIT */
/* acquisition/source.h: a source of one or more streams (a simulator, later a device driver),
 * behind an ops table so that the recorder never knows which device it drives (STYLE.md 4).
 * One thread per source calls mc_source_read in a loop; any thread may call mc_source_stop. */
#ifndef MC_ACQUISITION_SOURCE_H
#define MC_ACQUISITION_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/block.h"
#include "dsp/event.h"
#include "dsp/status.h"
#include "dsp/stream.h"

/** What one read produced. */
typedef enum mc_item_kind {
    MC_ITEM_BLOCK = 0, /* a block of frames of stream `stream` */
    MC_ITEM_EVENT,     /* an event (protocol truth, device status); event.t_ns is host
                          CLOCK_MONOTONIC ns, which the recorder turns into session time */
} mc_item_kind;

typedef struct mc_source_item {
    mc_item_kind kind;
    size_t stream;  /* which of the source's streams */
    mc_block block; /* arrays owned by the source, valid until its next read */
    mc_event event;
} mc_source_item;

/** The operations a source implements. */
typedef struct mc_source_ops {
    /* Waits up to about 100 ms for the next item. MC_OK with an item, MC_ETIMEDOUT when nothing
     * came, MC_END once stopped or finished, another code for a failure. */
    mc_status (*read)(void *self, mc_source_item *item);
    void (*stop)(void *self); /* any thread: makes read return MC_END soon */
    size_t (*get_n_streams)(const void *self);
    const mc_stream_info *(*get_info)(const void *self, size_t stream);
    uint32_t (*get_max_frames)(const void *self, size_t stream); /* largest block */
    /* The shortest time between two blocks of a stream in steady operation, s (> 0): the
     * recorder sizes its queues in blocks from it, so a source that hands out blocks more often
     * than it says loses data whenever the writer falls that many blocks behind. */
    double (*get_block_s)(const void *self, size_t stream);
    void (*destroy)(void *self);
} mc_source_ops;

/** A source: an ops table and its object. Each implementation exports one constructor that fills
 *  both (e.g. mc_source_sim_create). */
typedef struct mc_source {
    const mc_source_ops *ops;
    void *self;
} mc_source;

/** Next item. Thread: the source's own thread. @return see mc_source_ops.read */
MC_NODISCARD mc_status mc_source_read(mc_source *s, mc_source_item *item);
/** Ask the source to stop. Thread: any. */
void mc_source_stop(mc_source *s);
size_t mc_source_get_n_streams(const mc_source *s);
/** Description of one of the source's streams; borrowed until destroy. */
const mc_stream_info *mc_source_get_info(const mc_source *s, size_t stream);
uint32_t mc_source_get_max_frames(const mc_source *s, size_t stream);
double mc_source_get_block_s(const mc_source *s, size_t stream);
/** Destroy the source and free the handle. NULL is a no-op. No thread may be reading it. */
void mc_source_destroy(mc_source *s);

#endif
