/* SPDX-License-Identifier: MIT */
/* dsp/features.h: the feature vocabulary (DESIGN.md "Feature vocabulary") and the status every
 * feature value carries. One table of names and units serves HDF5 /features, OSC and CSV. */
#ifndef MC_DSP_FEATURES_H
#define MC_DSP_FEATURES_H

#include <stddef.h>
#include <stdint.h>

/** Why a value is, or is not, a number. A value whose status is not OK is NaN. */
#define MC_FEATURE_STATUS_MAP(X)                                                                   \
    X(OK, 0, "ok")                                                                                 \
    X(NO_SIGNAL, 1, "no_signal")                     /* missing data, flat line, DC <= 0 */        \
    X(MOTION, 2, "motion")                           /* artefacts: too many beats rejected */      \
    X(LOW_PERF, 3, "low_perf")                       /* pulsatile signal too weak to trust */      \
    X(INSUFFICIENT_LENGTH, 4, "insufficient_length") /* record too short for this value */         \
    X(CLIPPED, 5, "clipped")                         /* samples at the ADC rails */                \
    X(ARTEFACT, 6, "artefact")                       /* spikes, probe pressure */                  \
    X(INVALID, 7, "invalid")                         /* outside the physiological range */         \
    X(NOT_AVAILABLE, 8, "not_available")             /* needs an event or a channel not there */

typedef enum mc_feature_status {
#define X(name, value, text) MC_FS_##name = value,
    MC_FEATURE_STATUS_MAP(X)
#undef X
} mc_feature_status;

/** Short name of a status, as written in CSV ("ok", "motion"...). Never NULL. */
const char *mc_feature_status_name(uint8_t status);

/** A feature an analyser produces. */
typedef struct mc_feature_def {
    const char *name;      /* vocabulary name, e.g. "pi" */
    const char *unit;      /* "bpm", "%", "PU", "PU2", "1", "mmHg", "mmHg/h" */
    const char *algorithm; /* one line: method and DOMAIN.md section */
} mc_feature_def;

#endif
