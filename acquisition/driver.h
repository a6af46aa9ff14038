/* SPDX-License-Identifier: MIT */
/* acquisition/driver.h: what a device driver is (issue 6). A driver turns the bytes of one
 * device into frames of its streams and events; it never touches a file descriptor, a thread or
 * a clock of its own. The device source (acquisition/device.h) owns the transport, reads it,
 * hands the bytes to the driver's `push`, stamps what comes out with the time the bytes arrived,
 * and turns connections, outages and silences into status events and labelled gaps. So one file
 * per driver holds only the protocol: the streams it makes, the requests it sends, and its
 * decoding, which itself is a pure function in formats/ (fuzzed).
 *
 *   transport ─► bytes ─► driver.push ─► sink: frames, skips, events, identity ─► blocks, events
 *        ▲                      │
 *        └──── driver.start / driver.tick: requests (start streaming, keep-alive)
 *
 * Departure from DESIGN.md ("irregular streams such as 1 Hz numerics"): a device's numerics
 * that come at a fixed pace (Masimo every second, Nonin every 1/3 s, the S/5 and the IntelliVue
 * every interval the driver asks for) are regular streams at that rate. The clock fit then
 * counts the rows a disconnect or a silent device cost, and the gaps table says how many and
 * why (an irregular stream can only mark an outage of unknown length), and they are analysed
 * like the simulated 1 Hz NIRS and PCO2 streams. Numerics that come when they come (the text
 * devices, whose files say rate_hz = 0) stay irregular. */
#ifndef MC_ACQUISITION_DRIVER_H
#define MC_ACQUISITION_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "acquisition/transport.h"
#include "dsp/status.h"
#include "dsp/stream.h"
#include "formats/source_spec.h"

/** One stream a driver produces. The device source names it NAME (suffix "") or NAME_suffix. */
typedef struct mc_driver_stream {
    const char *suffix;              /* "" for the main stream, else e.g. "numerics" */
    mc_modality modality;            /* what the analysers should make of it */
    uint32_t n_channels;             /* >= 1 */
    const mc_channel_info *channels; /* [n_channels] */
    double rate_hz;                  /* nominal rate; 0: irregular (stamped as each frame comes) */
} mc_driver_stream;

/** Counters a driver keeps about its bytes (the device source adds the transport's). */
typedef struct mc_driver_stats {
    uint64_t frames;        /* frames (or lines) decoded */
    uint64_t bad_frames;    /* frames or lines rejected: checksum, syntax, impossible value */
    uint64_t skipped_bytes; /* bytes outside any frame (garbage, resynchronisation) */
} mc_driver_stats;

/** Where a driver's push delivers what it decoded. Implemented by the device source. */
typedef struct mc_device_sink mc_device_sink;

/** One frame of stream `stream`: n_channels values in physical units, NaN for missing. */
void mc_device_sink_frame(mc_device_sink *s, size_t stream, const float *values);
/** n frames of `stream` that the device sent but that were lost on the way (a frame with a bad
 *  checksum inside a packet whose position is known): they become a "dropped" gap. */
void mc_device_sink_skip(mc_device_sink *s, size_t stream, uint32_t n);
/** An event about stream `stream` (kind "status" for a device state change, "alarm"...):
 *  stamped with the arrival time of the bytes. */
void mc_device_sink_event(mc_device_sink *s, size_t stream, const char *kind, const char *text,
                          double value);
/** Send bytes to the device in answer to what was just decoded (a reply the protocol requires,
 *  e.g. the IntelliVue MDS Create Event Result). @return as mc_transport_write */
mc_status mc_device_sink_reply(mc_device_sink *s, const void *bytes, size_t n);
/** What the device says it is (NULL or "" for what it does not say). Before the session file is
 *  created this fills the streams' device_model / device_serial / firmware; a later change (a
 *  device swapped under the cable) is written as a status event. */
void mc_device_sink_identity(mc_device_sink *s, const char *model, const char *serial,
                             const char *firmware);

/** A driver: a description (for `mcirc devices`) and its operations. One per protocol, a
 *  static constant defined in its own file (acquisition/driver_<name>.c). */
typedef struct mc_driver {
    const char *name;    /* as `record --source NAME=DRIVER:ADDRESS` writes it */
    const char *summary; /* one line: devices and protocol */
    const char
        *defaults;    /* transport settings before the user's keys, e.g. "baud=9600,framing=8N1" */
    const char *keys; /* the driver's own keys, one "key=default  meaning" per line */
    const char *streams;    /* what it records, for `mcirc devices` */
    double identity_wait_s; /* how long the source waits for the identity before the file is made
                               (0: the protocol gives none) */
    double silence_s;       /* connected but no frame for this long: a status event says so */

    /** Parse the driver's keys (the source spec's params; transport keys are to be ignored) and
     *  allocate the state. Control thread. @return MC_OK, MC_EINVAL/MC_EFORMAT with d naming
     *  the key, MC_ENOMEM */
    mc_status (*create)(const mc_source_spec *spec, mc_diag *d, void **self);
    /** Transport settings decided by the keys (a device file's), instead of `defaults`. NULL:
     *  `defaults`. */
    const char *(*get_defaults)(const void *self);
    size_t (*get_n_streams)(const void *self);
    const mc_driver_stream *(*get_stream)(const void *self, size_t i);
    /** The transport is (again) connected: send what the device needs to start streaming, and
     *  forget any partial frame. NULL: nothing to do. Source thread. */
    mc_status (*start)(void *self, mc_transport *t);
    /** Called about every 100 ms while connected, with CLOCK_MONOTONIC ns: periodic requests,
     *  keep-alives. NULL: none. Source thread. */
    mc_status (*tick)(void *self, mc_transport *t, int64_t now_ns);
    /** Decode bytes (any split) into the sink. Never fails: bad bytes are counted. Source
     *  thread. */
    void (*push)(void *self, const uint8_t *bytes, size_t n, mc_device_sink *sink);
    mc_driver_stats (*get_stats)(const void *self);
    void (*destroy)(void *self);
} mc_driver;

/** The drivers built in, in the order `mcirc devices` lists them. Thread: any.
 *  @param n receives their number @return a static array */
const mc_driver *const *mc_drivers(size_t *n);

/** The driver called `name`, or NULL. Thread: any. */
const mc_driver *mc_driver_find(const char *name);

#endif
