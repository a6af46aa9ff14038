/* SPDX-License-Identifier: MIT */
/* formats/osc_sender.h: OSC output to ONE destination (UDP, TCP or UDP multicast), synchronous.
 * liblo encodes the messages and bundles; the sender owns its socket, so that nothing blocks
 * (liblo 0.31 offers no access to a lo_address's socket, its TCP connect and send block without a
 * timeout, and its UDP sends share a global socket with any lo_server of the process: LIBS.md §4).
 * The thread that sends (tools/osc_out) is the only user of a sender. */
#ifndef MC_FORMATS_OSC_SENDER_H
#define MC_FORMATS_OSC_SENDER_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "formats/osc_schema.h"

/** Destination used when none is given: loopback, UDP. */
#define MC_OSC_DEFAULT_URL "osc.udp://127.0.0.1:57130"

typedef enum mc_osc_proto { MC_OSC_UDP = 0, MC_OSC_TCP = 1 } mc_osc_proto;

/** A parsed destination URL: "osc.udp://HOST:PORT[/]" or "osc.tcp://HOST:PORT[/]"; HOST is a
 *  name, an IPv4 address or an IPv6 address in brackets; an empty HOST means loopback. */
typedef struct mc_osc_url {
    mc_osc_proto proto;
    char host[256]; /* without brackets; "127.0.0.1" when the URL had none */
    char port[8];   /* decimal, 1-65535 */
} mc_osc_url;

/** Parse a URL. Thread: any. Pure.
 *  @return MC_OK, or MC_EINVAL with what was expected in `d` */
MC_NODISCARD mc_status mc_osc_url_parse(const char *url, mc_osc_url *out, mc_diag *d);

typedef struct mc_osc_sender_config {
    int send_timeout_ms;  /* TCP: longest wait for a connect or for the peer to read (20) */
    int stall_timeout_ms; /* TCP: a peer that reads nothing for this long is dropped (2000) */
    int reconnect_ms;     /* TCP: wait between connection attempts (500) */
    int multicast_ttl;    /* hops of multicast packets (1: the local network) */
} mc_osc_sender_config;

mc_osc_sender_config mc_osc_sender_config_default(void);

/** Counters, in packets (a UDP datagram or a TCP frame). */
typedef struct mc_osc_sender_stats {
    uint64_t sent;   /* handed to the kernel (UDP: whether or not anyone listens) */
    uint64_t failed; /* not sent: no connection, peer not reading, socket error */
    uint64_t bytes;  /* OSC bytes of the packets sent (without TCP length prefixes) */
} mc_osc_sender_stats;

/** One analysis hop of one stream: one bundle (or several with the same timetag when the
 *  features do not fit MC_OSC_DATAGRAM_MAX) with every feature value and the status message. */
typedef struct mc_osc_hop {
    size_t stream;           /* index into the schema's streams */
    int64_t t_end_wall_ns;   /* end of the analysed window, ns since the Unix epoch: the timetag */
    const float *values;     /* [n_values] in the schema's feature order */
    const uint8_t *statuses; /* [n_values] mc_feature_status, or NULL for all OK */
    size_t n_values;         /* must equal the stream's n_features */
    const char *state;       /* status state; NULL = name of the first status not OK, or "ok" */
    int64_t dropped;         /* dropped samples of the stream so far (status message) */
} mc_osc_hop;

typedef struct mc_osc_sender mc_osc_sender;

/** Create a sender for `url` (NULL = MC_OSC_DEFAULT_URL). UDP needs no peer; TCP connects
 *  lazily on the first write, without blocking. A multicast address (224.0.0.0/4, ff00::/8) gets
 *  cfg->multicast_ttl. The schema is copied by reference: it must outlive the sender.
 *  Thread: one per sender. @param cfg NULL = defaults */
MC_NODISCARD mc_status mc_osc_sender_create(mc_osc_sender **out, const char *url,
                                            const mc_osc_schema *schema,
                                            const mc_osc_sender_config *cfg, mc_diag *d);

/** Close the socket and free. NULL is a no-op. */
void mc_osc_sender_destroy(mc_osc_sender *s);

/** Send a hop. A value whose status is not OK is sent as NaN.
 *  @return MC_OK when every packet was sent; MC_EIO or MC_ETIMEDOUT (counted in `failed`);
 *          MC_EINVAL for a bad stream index or value count */
MC_NODISCARD mc_status mc_osc_sender_write_hop(mc_osc_sender *s, const mc_osc_hop *hop);

/** Send waveform samples of a stream at its wave_fs_hz, the last one at t_end_wall_ns. They are
 *  decimated by the mean of groups of ceil(fs / MC_OSC_WAVE_MAX_HZ) samples (NaN ignored; all NaN
 *  gives NaN), carried across calls, and sent as bundles of one ,f... message, each packet under
 *  MC_OSC_DATAGRAM_MAX bytes, timetag = time of the last sample in it. */
MC_NODISCARD mc_status mc_osc_sender_write_wave(mc_osc_sender *s, size_t stream,
                                                int64_t t_end_wall_ns, const float *samples,
                                                size_t n);

/** Send a status message of a stream (,si state, dropped samples) in a bundle at t_wall_ns. */
MC_NODISCARD mc_status mc_osc_sender_write_status(mc_osc_sender *s, size_t stream,
                                                  int64_t t_wall_ns, const char *state,
                                                  int64_t dropped);

/** Send an event (,ssf kind, text, value) in a bundle at t_wall_ns. NULL strings are "". */
MC_NODISCARD mc_status mc_osc_sender_write_event(mc_osc_sender *s, int64_t t_wall_ns,
                                                 const char *kind, const char *text, double value);

/** Send the schema: messages /mcirc/<subject>/schema ,s... each holding "version N", "part I/K"
 *  and as many entries (mc_osc_schema_get_entry) as fit one packet under MC_OSC_DATAGRAM_MAX. */
MC_NODISCARD mc_status mc_osc_sender_write_schema(mc_osc_sender *s);

/** Counters. Thread: the sender's thread (copy them out for others). */
void mc_osc_sender_get_stats(const mc_osc_sender *s, mc_osc_sender_stats *st);

/** Decimation factor for a rate: ceil(fs_hz / MC_OSC_WAVE_MAX_HZ), at least 1. */
size_t mc_osc_wave_decimation(double fs_hz);

/** Largest number of floats of one wave message so that the bundle carrying it at `path` stays
 *  under MC_OSC_DATAGRAM_MAX bytes. */
size_t mc_osc_wave_max_floats(const char *path);

#endif
