/* SPDX-License-Identifier: MIT */
/* formats/h5_layout.h: the session file schema in one place (DESIGN.md "HDF5 session file",
 * format version 1): every group, dataset and attribute name, and the fixed string sizes of the
 * tables. Python and MATLAB readers, the README and the tests take their names from here. */
#ifndef MC_FORMATS_H5_LAYOUT_H
#define MC_FORMATS_H5_LAYOUT_H

/** Version written to the root attribute mcirc_format; readers refuse other versions. */
#define MC_H5_FORMAT_VERSION 1

/* Root attributes. Strings are variable-length UTF-8 (written before SWMR starts). */
#define MC_H5_ATTR_FORMAT         "mcirc_format"  /* int32, = MC_H5_FORMAT_VERSION */
#define MC_H5_ATTR_SUBJECT        "subject"       /* pseudonymous code */
#define MC_H5_ATTR_SESSION        "session"       /* baseline, D1..D28, free text */
#define MC_H5_ATTR_SITE           "site"          /* recording centre */
#define MC_H5_ATTR_START_UTC      "start_utc"     /* ISO 8601, "2026-11-25T20:37:46.123Z" */
#define MC_H5_ATTR_START_UNIX_NS  "start_unix_ns" /* int64, the same instant in ns since 1970 */
#define MC_H5_ATTR_SOFTWARE       "software"      /* "mcirc 0.1.0" */
#define MC_H5_ATTR_TIMEZONE       "timezone"      /* local zone at the bedside */
#define MC_H5_ATTR_NOTES          "notes"
#define MC_H5_ATTR_RECOVERED_FROM "recovered_from" /* only in copies made by mcirc recover */
#define MC_H5_ATTR_DERIVED_FROM   "derived_from" /* only in files made from a recording (analyze) */

/* Groups. */
#define MC_H5_STREAMS  "streams"  /* /streams/<name>/ */
#define MC_H5_EVENTS   "events"   /* /events (a dataset) */
#define MC_H5_FEATURES "features" /* /features/<stream>/<feature>/ */

/* Stream group attributes. */
#define MC_H5_ATTR_MODALITY       "modality"
#define MC_H5_ATTR_CHANNEL_NAMES  "channel_names" /* string [C] */
#define MC_H5_ATTR_UNITS          "units"         /* string [C], UCUM */
#define MC_H5_ATTR_RATE_HZ        "rate_hz"       /* float64, 0 = irregular */
#define MC_H5_ATTR_DEVICE_MODEL   "device_model"
#define MC_H5_ATTR_DEVICE_SERIAL  "device_serial"
#define MC_H5_ATTR_DRIVER         "driver"
#define MC_H5_ATTR_DRIVER_VERSION "driver_version"
#define MC_H5_ATTR_STREAM_SITE    "site"
#define MC_H5_ATTR_DEVICE_DELAY_S "device_delay_s" /* float64 */
#define MC_H5_ATTR_SCALE_GAIN     "scale_gain"     /* float64 [C] */
#define MC_H5_ATTR_SCALE_OFFSET   "scale_offset"   /* float64 [C] */

/* Stream datasets. */
#define MC_H5_DATA       "data"       /* float32 [N, C], NaN fill; row = stream sample index */
#define MC_H5_TIME       "time"       /* irregular streams: int64 [N], ns since session start */
#define MC_H5_TIME_INDEX "time_index" /* regular streams: int64 [K, 2] (sample_index, t_ns) */
#define MC_H5_GAPS       "gaps"       /* compound [G] (first_index, n_missing, reason) */
/* A gap row says that n_missing samples were lost. In a regular stream they are the NaN rows
 * [first_index, first_index + n_missing) of data, so that row = sample index stays true; a row
 * with n_missing = 0 marks a time discontinuity before first_index (a clock step). In an
 * irregular stream rows are only appended: the samples were lost just before row first_index;
 * n_missing = 0 there marks an outage of unknown length before that row (a device disconnected),
 * its reason saying what happened. */

/* Field names of the compound tables. */
#define MC_H5_GAP_FIRST "first_index" /* int64: see above */
#define MC_H5_GAP_COUNT "n_missing"   /* int64: samples lost; 0 for a clock step */
#define MC_H5_GAP_REASON                                                                           \
    "reason" /* fixed string: dropped, no data, clock step, disconnect,                            \
                probe off, bad frame... */
#define MC_H5_GAP_REASON_LEN 32

#define MC_H5_EV_T      "t_ns" /* int64, ns since session start */
#define MC_H5_EV_STREAM "stream"
#define MC_H5_EV_KIND   "kind"
#define MC_H5_EV_TEXT   "text"
#define MC_H5_EV_VALUE  "value" /* float64, NaN when none */

/* Feature series: /features/<stream>/<feature>/{t_ns, value, status} and their attributes. */
#define MC_H5_FT_T            "t_ns"   /* int64 [K], end of the analysed window */
#define MC_H5_FT_VALUE        "value"  /* float32 [K], NaN unless status is OK */
#define MC_H5_FT_STATUS       "status" /* uint8 [K] */
#define MC_H5_ATTR_UNIT       "unit"
#define MC_H5_ATTR_ALGORITHM  "algorithm"
#define MC_H5_ATTR_PARAMETERS "parameters"
/* (also MC_H5_ATTR_SOFTWARE) */

#endif
