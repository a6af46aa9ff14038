/* SPDX-License-Identifier: MIT */
/* formats/osc_schema.h: the OSC address space of mcirc in one place (DESIGN.md "OSC address
 * space"): every address pattern with its type tags and unit, the schema version, name validation
 * and address building. Pure: no sockets, no liblo. */
#ifndef MC_FORMATS_OSC_SCHEMA_H
#define MC_FORMATS_OSC_SCHEMA_H

#include <stddef.h>

#include "dsp/features.h"
#include "dsp/status.h"

/** Version of the address space; sent in every schema message. Bump on any incompatible change. */
#define MC_OSC_SCHEMA_VERSION 1

enum {
    MC_OSC_NAME_MAX = 63,       /* bytes of a subject, stream or feature name (without NUL) */
    MC_OSC_PATH_MAX = 256,      /* bytes of a built address, including the NUL */
    MC_OSC_DATAGRAM_MAX = 1400, /* every packet mcirc sends stays strictly below this */
    MC_OSC_WAVE_MAX_HZ = 50,    /* waveforms are decimated to at most this rate */
    MC_OSC_ENTRY_MAX = 320,     /* bytes of one schema entry string, including the NUL */
};

/** The kinds of address. */
typedef enum mc_osc_kind {
    MC_OSC_FEATURE,  /* /mcirc/<subject>/<stream>/<feature> ,f   value (NaN when not OK) */
    MC_OSC_WAVE,     /* /mcirc/<subject>/<stream>/wave      ,f...  decimated samples */
    MC_OSC_STATUS,   /* /mcirc/<subject>/<stream>/status    ,si  state, dropped samples */
    MC_OSC_EVENT,    /* /mcirc/<subject>/event              ,ssf kind, text, value */
    MC_OSC_SCHEMA,   /* /mcirc/<subject>/schema             ,s...  version, part, entries */
    MC_OSC_EVENT_IN, /* /mcirc/event                        ,ssf (input) kind, text, value */
    MC_OSC_KIND_COUNT
} mc_osc_kind;

/** One row of the address table. */
typedef struct mc_osc_pattern {
    mc_osc_kind kind;
    const char *pattern; /* e.g. "/mcirc/<subject>/<stream>/status" */
    const char *types;   /* OSC type tags without the comma; "f*" = one or more floats */
    const char *unit;    /* "<feature>" (the feature's unit), "<stream>" (the wave's unit), or
                            the meaning of each argument */
} mc_osc_pattern;

/** The row of a kind. Thread: any. @return NULL for a kind outside the table */
const mc_osc_pattern *mc_osc_schema_get_pattern(mc_osc_kind kind);

/** A stream as OSC shows it. Caller-owned; the strings must outlive any user of the schema. */
typedef struct mc_osc_stream_def {
    const char *name;               /* stream name, OSC-safe (mc_osc_name_is_valid) */
    const mc_feature_def *features; /* the features of a hop, in the order values are pushed */
    size_t n_features;
    double wave_fs_hz;     /* sample rate of the waveform pushed; 0 = no waveform */
    const char *wave_unit; /* unit of the waveform samples ("a.u.", "PU"...) */
} mc_osc_stream_def;

/** What a sender announces: the subject and its streams. Caller-owned value struct. */
typedef struct mc_osc_schema {
    const char *subject; /* OSC-safe */
    const mc_osc_stream_def *streams;
    size_t n_streams;
} mc_osc_schema;

/** 1 when `name` is 1..MC_OSC_NAME_MAX bytes of [A-Za-z0-9_.-] and not "." or "..": none of the
 *  characters OSC reserves (space # * , / ? [ ] { }) nor any control or non-ASCII byte.
 *  Thread: any. */
int mc_osc_name_is_valid(const char *name);

/** Check every name of a schema (subject, streams, features), that stream names are unique,
 *  that feature names within a stream are unique and are not "wave" or "status", and that every
 *  address fits MC_OSC_PATH_MAX. Thread: any.
 *  @return MC_OK, or MC_EINVAL with the offending name in `d` */
MC_NODISCARD mc_status mc_osc_schema_validate(const mc_osc_schema *s, mc_diag *d);

/** Build an address. `stream` is ignored for EVENT, SCHEMA and EVENT_IN, `feature` for all but
 *  FEATURE. Thread: any.
 *  @param cap bytes of `out` (MC_OSC_PATH_MAX is always enough for valid names)
 *  @return MC_OK; MC_EINVAL for an invalid name or kind, or when `out` is too small */
MC_NODISCARD mc_status mc_osc_schema_build_path(char *out, size_t cap, mc_osc_kind kind,
                                                const char *subject, const char *stream,
                                                const char *feature);

/** Number of entries the schema message lists: per stream its features, its status and, with a
 *  waveform, its wave; then the event address and the event input address. */
size_t mc_osc_schema_count_entries(const mc_osc_schema *s);

/** Entry `i` of the schema message: "ADDRESS ,TYPES UNIT", e.g. "/mcirc/s01/ppg/pi ,f %".
 *  Thread: any.
 *  @return MC_OK; MC_EINVAL when i >= count or `out` is too small (MC_OSC_ENTRY_MAX suffices) */
MC_NODISCARD mc_status mc_osc_schema_get_entry(const mc_osc_schema *s, size_t i, char *out,
                                               size_t cap);

#endif
