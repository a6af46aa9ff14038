/* SPDX-License-Identifier: MIT */
/* acquisition/osc_in.h: a live source of events: a UDP socket that receives `/mcirc/event ,ssf`
 * (kind, text, value) from a dashboard or a foot switch (formats/osc_event.h), stamps each event
 * with its arrival time and hands it to the recorder through its own SPSC event queue. Bound to
 * loopback by default. It also counts `/mcirc/schema` requests, which the recorder answers by
 * sending the schema again. Anything malformed is counted and ignored, never fatal.
 *
 * Why a plain socket and not a liblo server: once any lo_server exists in a process, liblo's UDP
 * sends without an explicit server go out from that server's socket (LIBS.md 4, global
 * lo_client_sockets), which would tie the OSC output of `record` to this input; lo_server_thread
 * also starts a thread inside a library (STYLE.md 3.6: only tools/ creates threads). The wire
 * format is the same: any OSC client (liblo's lo_send, oscsend) talks to it. */
#ifndef MC_ACQUISITION_OSC_IN_H
#define MC_ACQUISITION_OSC_IN_H

#include <stdint.h>

#include "dsp/event.h"
#include "dsp/status.h"

typedef struct mc_osc_in mc_osc_in;

typedef struct mc_osc_in_config {
    const char *host;        /* address to bind: numeric IPv4/IPv6 or a name; default
                                "127.0.0.1" (NULL or ""): anything else exposes the recorder */
    uint16_t port;           /* UDP port; 0 picks a free one (mc_osc_in_get_port) */
    uint32_t queue_capacity; /* events the queue holds, >= 2 (default 256) */
} mc_osc_in_config;

mc_osc_in_config mc_osc_in_config_default(void);

/** Counters. */
typedef struct mc_osc_in_stats {
    uint64_t received;        /* valid events pushed into the queue */
    uint64_t ignored;         /* malformed datagrams (wrong address, types, kind, strings, value) */
    uint64_t dropped;         /* valid events refused because the queue was full */
    uint64_t schema_requests; /* `/mcirc/schema` messages (a dashboard asking for the schema) */
} mc_osc_in_stats;

/** Bind the socket and create the queue. Control thread. Allocates.
 *  @return MC_OK; MC_EINVAL (queue_capacity < 2, a host that does not resolve); MC_EIO (the
 *          address cannot be bound: port in use, not an address of this machine), with the
 *          reason in `d`; MC_ENOMEM. *out is NULL on failure */
MC_NODISCARD mc_status mc_osc_in_create(const mc_osc_in_config *cfg, mc_diag *d, mc_osc_in **out);

/** The bound UDP port (the one picked when cfg.port was 0). Any thread. */
uint16_t mc_osc_in_get_port(const mc_osc_in *r);

/** Wait up to timeout_ms for datagrams, then decode every one pending; each valid event is
 *  stamped with CLOCK_MONOTONIC ns at its reception (mc_clock_now_ns) and pushed. Producer
 *  thread only (one thread per handle). Allocates nothing.
 *  @param timeout_ms 0 polls, > 0 waits at most that long
 *  @return MC_OK (something was received, valid or not); MC_ETIMEDOUT (nothing came);
 *          MC_EIO (the socket failed) */
MC_NODISCARD mc_status mc_osc_in_read(mc_osc_in *r, int timeout_ms);

/** Copy the oldest received event out. Consumer thread only. @return 1 and the event, or 0 */
int mc_osc_in_pop(mc_osc_in *r, mc_event *ev);

/** Counters. Any thread (each counter is atomic; the three are not one snapshot). */
mc_osc_in_stats mc_osc_in_get_stats(const mc_osc_in *r);

void mc_osc_in_destroy(mc_osc_in *r); /* NULL is a no-op; no thread may be using it */

#endif
