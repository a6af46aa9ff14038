/* SPDX-License-Identifier: MIT */
/* dsp/block.h: the block, the unit of flow from a source through the ring to the DSP and the sinks.
 */
#ifndef MC_DSP_BLOCK_H
#define MC_DSP_BLOCK_H

#include <stdint.h>

/** Marks a time that is not known (a device that sends no clock). */
#define MC_NO_TIME INT64_MIN

/** A block of frames of one stream. A frame is one sample of every channel; samples are
 *  interleaved [frame][channel], float32 in physical units, NaN for a missing value.
 *  Who owns the arrays is said by whoever hands out the block (a source's scratch, a ring slot). */
typedef struct mc_block {
    uint64_t seq;         /* block sequence number from the source; a jump means blocks were lost */
    int64_t first_frame;  /* stream index of the first frame (the source's sample counter) */
    int64_t t0_ns;        /* host CLOCK_MONOTONIC time of the first frame, ns (may be back-dated) */
    int64_t device_t0_ns; /* device clock at the first frame, ns, or MC_NO_TIME */
    uint32_t n_frames;    /* frames in this block */
    uint32_t n_channels;  /* channels per frame, equal to the stream's n_channels */
    float *samples;       /* [n_frames * n_channels], interleaved */
    int64_t *t_ns;        /* irregular streams: [n_frames] host times per frame, ns; else NULL */
    const char *gap_reason; /* NULL, or why the stream had no data just before this block, as
                               the source saw it ("disconnected: hang-up"): static storage, at
                               most 31 bytes; the recorder labels the missing rows with it */
} mc_block;

#endif
