/* SPDX-License-Identifier: MIT */
/* dsp/event.h: an event on the session timeline (occlusion start/end, iontophoresis dose, CRT,
 * mottling score, notes, status changes). Fixed-size strings, as stored in /events. */
#ifndef MC_DSP_EVENT_H
#define MC_DSP_EVENT_H

#include <stdint.h>

enum {
    MC_EVENT_STREAM_LEN = 64, /* bytes including the NUL */
    MC_EVENT_KIND_LEN = 64,
    MC_EVENT_TEXT_LEN = 256,
};

/** One event. Strings are NUL-terminated within their arrays; value is NaN when it has none. */
typedef struct mc_event {
    int64_t t_ns;                     /* session time, ns since the session start */
    char stream[MC_EVENT_STREAM_LEN]; /* stream it concerns, "" for the whole session */
    char kind[MC_EVENT_KIND_LEN];     /* occlusion_start, occlusion_end, iontophoresis, crt,
                                         mottling, arterial_pco2, map, drug, note, status... */
    char text[MC_EVENT_TEXT_LEN];     /* free text */
    double value;                     /* numeric value (CRT s, mottling 0-5, mmHg...) or NaN */
} mc_event;

#endif
