/* SPDX-License-Identifier: MIT */
/* formats/import_map.h: the mapping file of `mcirc import --map`: how the channels of a source
 * become streams (name, modality, unit, site, calibration, or left out), and the settings of the
 * general delimited-text reader. The file uses the configuration format of formats/ini.h:
 *
 *     # BIDMC exports of centre 3
 *     [channel.pleth]        # a source channel: its stream name as imported, in lower case
 *     stream = ppg_finger    # the stream's name in the session file
 *     modality = ppg         # ppg, ldf, nirs, pco2, other
 *     unit = a.u.            # UCUM unit of the calibrated values
 *     site = finger
 *     gain = 1               # calibration: physical = gain * value + offset
 *     offset = 0
 *     [channel.ii]
 *     skip = yes             # leave this channel out of the session file
 *     [text]                 # the delimited-text reader (formats/delim.h): delimiter, decimal,
 *     delimiter = semicolon  # header_row, time_column, rate_hz, missing... passed on as they are
 *
 * (A ';' or '#' after a space starts a comment, so delimiters are written by name.)
 *
 * A channel is matched by its stream name as the importer made it (mc_import_stream_name of the
 * source's channel name, e.g. "ECG ECG1" → ecg_ecg1), compared in lower case. Sections for
 * channels a file does not have are allowed (one map serves a cohort) and counted. */
#ifndef MC_FORMATS_IMPORT_MAP_H
#define MC_FORMATS_IMPORT_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "dsp/stream.h"
#include "formats/import.h"

/** What the map says about one channel. Unset strings are empty; unset numbers NaN. */
typedef struct mc_import_map_channel {
    char key[MC_NAME_MAX + 1];    /* the section's channel name, lower case */
    char stream[MC_NAME_MAX + 1]; /* new stream name, or "" */
    char modality[16];            /* "", or a modality name */
    char unit[MC_NAME_MAX + 1];
    char site[MC_NAME_MAX + 1];
    double gain, offset; /* NaN when not set */
    int skip;
    int64_t line; /* of the section's first setting, for messages */
    int used;     /* set by mc_import_map_apply when a stream matched */
} mc_import_map_channel;

/** A `[text]` setting, kept as text for the reader that understands it. */
typedef struct mc_import_map_setting {
    char key[64];
    char value[256];
    int64_t line;
} mc_import_map_setting;

/** A parsed mapping file. Release with mc_import_map_free. */
typedef struct mc_import_map {
    size_t n_channels;
    mc_import_map_channel *channels;
    size_t n_text;
    mc_import_map_setting *text;
} mc_import_map;

/** Parse a mapping file held in memory (`name` is used in messages). Unknown sections or keys,
 *  bad numbers, a modality that is not one of the names, an invalid stream name, gain 0 or a
 *  channel given twice are errors naming the line. Thread: any. Allocates.
 *  @return MC_OK, MC_EFORMAT, MC_ENOMEM; on failure *map is empty */
MC_NODISCARD mc_status mc_import_map_parse(const char *text, size_t len, const char *name,
                                           mc_import_map *map, mc_diag *d);

/** Apply a map to an import: calibration (values and the recorded device scale), renames,
 *  modality, unit, site; skipped channels are removed. Thread: one per import. Allocates.
 *  @param unmatched optional: the number of channel sections no stream matched
 *  @return MC_OK, MC_EINVAL (two streams would get one name, or a rename is not a valid stream
 *          name), MC_ENOMEM */
MC_NODISCARD mc_status mc_import_map_apply(mc_import_map *map, mc_import *imp, size_t *unmatched,
                                           mc_diag *d);

/** Release a map. NULL is a no-op. */
void mc_import_map_free(mc_import_map *map);

#endif
