/* SPDX-License-Identifier: MIT */
/* formats/osc_event.h: decodes the OSC input message `/mcirc/event ,ssf` (kind, text, value) from
 * the bytes of one UDP datagram into an event (DESIGN.md "OSC address space"). A pure function of
 * bytes, so that it can be fuzzed; the socket lives in acquisition/osc_in. */
#ifndef MC_FORMATS_OSC_EVENT_H
#define MC_FORMATS_OSC_EVENT_H

#include <stddef.h>

#include "dsp/event.h"
#include "dsp/status.h"

#define MC_OSC_EVENT_ADDRESS "/mcirc/event"
#define MC_OSC_EVENT_TYPES   ",ssf"
/** A dashboard asks for the schema again with this message, without arguments. */
#define MC_OSC_SCHEMA_REQUEST "/mcirc/schema"

/** Decode one OSC packet (OSC 1.0: address, type tag string, arguments, each padded to 4 bytes,
 *  float big-endian) holding `/mcirc/event ,ssf`. The kind is checked as a bedside event line
 *  checks it (formats/event_line.h: letters, digits and _, starting with a letter, folded to lower
 *  case, up to 63 bytes); the text is up to 255 bytes without control characters (tab allowed);
 *  the value is finite, or NaN for "no value"; an infinite value is refused. Bundles are refused
 *  (a dashboard sends plain messages; one packet is one event). t_ns and stream are left 0 / "".
 *  Thread: any. Pure.
 *  @param packet bytes of the datagram [size]; need not be aligned or NUL-terminated
 *  @return MC_OK; MC_EFORMAT (not OSC, a bundle, another address or type tags, a bad kind, an
 *          overlong string, an infinite value) with the byte offset and the reason in `d` */
MC_NODISCARD mc_status mc_osc_event_decode(const void *packet, size_t size, mc_event *ev,
                                           mc_diag *d);

/** 1 when the packet is the message `/mcirc/schema` without arguments (type tags "," or none),
 *  else 0. Thread: any. Pure. */
int mc_osc_is_schema_request(const void *packet, size_t size);

#endif
