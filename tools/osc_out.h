/* SPDX-License-Identifier: MIT */
/* tools/osc_out.h: OSC output of a live session to one or more destinations. One thread and one
 * bounded queue per destination, so that a receiver that is absent, slow or a TCP peer that
 * stops reading delays only its own queue. Pushing copies and never blocks: when a queue is full
 * its oldest item is dropped and counted. */
#ifndef MC_TOOLS_OSC_OUT_H
#define MC_TOOLS_OSC_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "formats/osc_schema.h"
#include "formats/osc_sender.h"

typedef struct mc_osc_out mc_osc_out;

typedef struct mc_osc_out_config {
    size_t queue_len;            /* items per destination queue (256) */
    size_t wave_max_samples;     /* raw samples per queued wave item; longer pushes split (512) */
    int finish_deadline_ms;      /* how long finish() drains before it gives up (500) */
    mc_osc_sender_config sender; /* socket timeouts (mc_osc_sender_config_default) */
} mc_osc_out_config;

mc_osc_out_config mc_osc_out_config_default(void);

/** Counters of one destination. */
typedef struct mc_osc_out_stats {
    uint64_t pushed;            /* items accepted by push_* */
    uint64_t dropped;           /* items dropped from a full queue (the oldest) */
    uint64_t left;              /* items still queued when finish() gave up */
    uint64_t queued;            /* items waiting now */
    mc_osc_sender_stats sender; /* packets sent and failed */
} mc_osc_out_stats;

/** Create the senders (mc_osc_sender_create per URL), start one thread per destination and
 *  queue the schema message on each ("on start"). Control thread.
 *  @param urls [n_urls] destination URLs; n_urls = 0 means one destination, MC_OSC_DEFAULT_URL
 *  @param schema must outlive the object; @param cfg NULL = defaults
 *  @return MC_OK; MC_EINVAL (bad URL or schema, in `d`); MC_ENOMEM; MC_EIO (socket, thread) */
MC_NODISCARD mc_status mc_osc_out_create(mc_osc_out **out, const char *const *urls, size_t n_urls,
                                         const mc_osc_schema *schema, const mc_osc_out_config *cfg,
                                         mc_diag *d);

/** Queue a hop (copies the values and statuses; hop->state is copied, truncated to 31 bytes).
 *  Any thread; never blocks on the network.
 *  @return MC_OK; MC_EOVERRUN when a destination queue was full (its oldest item dropped, the
 *          hop queued); MC_EINVAL; MC_ESTATE after finish() */
MC_NODISCARD mc_status mc_osc_out_push_hop(mc_osc_out *o, const mc_osc_hop *hop);

/** Queue waveform samples of a stream (at its wave_fs_hz, last one at t_end_wall_ns). */
MC_NODISCARD mc_status mc_osc_out_push_wave(mc_osc_out *o, size_t stream, int64_t t_end_wall_ns,
                                            const float *samples, size_t n);

/** Queue an event (,ssf); strings truncated to the mc_event sizes. */
MC_NODISCARD mc_status mc_osc_out_push_event(mc_osc_out *o, int64_t t_wall_ns, const char *kind,
                                             const char *text, double value);

/** Queue a status message of a stream (,si state, dropped samples). */
MC_NODISCARD mc_status mc_osc_out_push_status(mc_osc_out *o, size_t stream, int64_t t_wall_ns,
                                              const char *state, int64_t dropped);

/** Queue the schema again ("on request"). */
MC_NODISCARD mc_status mc_osc_out_push_schema(mc_osc_out *o);

/** Number of destinations. */
size_t mc_osc_out_count(const mc_osc_out *o);

/** Counters of destination `i`. Any thread (consistent snapshot under the queue lock). */
void mc_osc_out_get_stats(mc_osc_out *o, size_t i, mc_osc_out_stats *st);

/** Drain every queue until empty or cfg.finish_deadline_ms has passed (each packet then waits at
 *  most cfg.sender.send_timeout_ms more), then join the threads. Pushes after this fail.
 *  Control thread. @return MC_OK when everything queued was sent or attempted; MC_ETIMEDOUT when
 *  items were left (counted in `left`) */
MC_NODISCARD mc_status mc_osc_out_finish(mc_osc_out *o);

/** Finish (if not done) and free. NULL is a no-op. Control thread. */
void mc_osc_out_destroy(mc_osc_out *o);

#endif
