/* SPDX-License-Identifier: MIT */
/* dsp/stream.h: the description of one stream (name, modality, channels with units, nominal rate,
 * device provenance, free key/values) shared by sources, DSP, the HDF5 store and OSC. */
#ifndef MC_DSP_STREAM_H
#define MC_DSP_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"

/** Longest stream name, channel name, unit or attribute key accepted, in bytes without the NUL. */
#define MC_NAME_MAX 63
/** Longest attribute value or device string accepted, in bytes without the NUL. */
#define MC_VALUE_MAX 255

/** What a stream measures. The names are those of DESIGN.md "Stream model". */
typedef enum mc_modality {
    MC_MODALITY_OTHER = 0,
    MC_MODALITY_PPG,
    MC_MODALITY_LDF,
    MC_MODALITY_NIRS,
    MC_MODALITY_PCO2,
} mc_modality;

/** Name of a modality ("ppg", "ldf", "nirs", "pco2", "other"). Thread: any. Never NULL. */
const char *mc_modality_name(mc_modality m);

/** Parse a modality name (exact, lower case). Thread: any.
 *  @return MC_OK, or MC_EINVAL when `s` is not one of the names (then *out is MC_MODALITY_OTHER) */
MC_NODISCARD mc_status mc_modality_parse(const char *s, mc_modality *out);

/** One channel. Samples travel in physical units; the device's own scale is kept for provenance:
 *  physical = (device_value - scale_offset) / scale_gain  (gain 1, offset 0: no device scale). */
typedef struct mc_channel_info {
    const char *name;    /* e.g. "ir", "perfusion", "sto2"; unique within the stream */
    const char *unit;    /* UCUM: "a.u.", "PU", "%", "mm[Hg]", "umol/L" */
    double scale_gain;   /* device units per physical unit; 0 is read as 1 */
    double scale_offset; /* device units at physical zero */
} mc_channel_info;

/** A free key/value attribute (the simulator's truth is stored as sim_<key>). */
typedef struct mc_kv {
    const char *key;   /* [a-z0-9_], 1..MC_NAME_MAX bytes */
    const char *value; /* any text, up to MC_VALUE_MAX bytes */
} mc_kv;

/** Description of a stream: a plain value struct whose strings and arrays are borrowed. Whoever
 *  keeps one beyond a call keeps a copy (mc_stream_info_copy). NULL strings read as "". */
typedef struct mc_stream_info {
    const char *name;                /* unique in a session, [A-Za-z0-9_.-], e.g. "ppg_finger" */
    mc_modality modality;            /* ppg, ldf, nirs, pco2, other */
    uint32_t n_channels;             /* >= 1 */
    const mc_channel_info *channels; /* [n_channels] */
    double rate_hz;                  /* nominal sample rate in Hz; 0 for an irregular stream */
    const char *device_model;        /* e.g. "mcirc sim ppg", "Masimo Radical-7" */
    const char *device_serial;
    const char *driver; /* driver name, e.g. "sim" */
    const char *driver_version;
    const char *site;      /* body site: finger, ear, forearm, thenar, urethra... */
    double device_delay_s; /* known device processing delay, s (>= 0) */
    size_t n_attrs;
    const mc_kv *attrs; /* [n_attrs] free key/values */
} mc_stream_info;

/** Check a description: name syntax, channel count and unique non-empty channel names, finite
 *  non-negative rate and delay, key syntax, unique keys, string lengths. Thread: any.
 *  @param d optional diagnostic (names the field that is wrong)
 *  @return MC_OK or MC_EINVAL */
MC_NODISCARD mc_status mc_stream_info_check(const mc_stream_info *info, mc_diag *d);

/** Deep-copy a description into one allocation that owns all its strings and arrays.
 *  Thread: any. Allocates. The copy is freed with mc_stream_info_destroy.
 *  @return MC_OK, MC_EINVAL (info fails mc_stream_info_check), MC_ENOMEM; *out NULL on failure */
MC_NODISCARD mc_status mc_stream_info_copy(const mc_stream_info *info, mc_stream_info **out);

/** Free a copy made by mc_stream_info_copy. NULL is a no-op. Never on a caller-built struct. */
void mc_stream_info_destroy(mc_stream_info *copy);

/** Value of a free attribute, or NULL when the key is absent. Thread: any. */
const char *mc_stream_info_get_attr(const mc_stream_info *info, const char *key);

/** Check a name against the stream/channel name rule: 1..MC_NAME_MAX bytes of [A-Za-z0-9_.-],
 *  not starting with '.'. Thread: any. @return 1 if valid, else 0 */
int mc_name_is_valid(const char *s);

#endif
