/* SPDX-License-Identifier: MIT */
/* formats/edf_internal.h: what the EDF reader and writer share (TAL parsing, civil dates). Never
 * included from outside formats/. */
#ifndef MC_FORMATS_EDF_INTERNAL_H
#define MC_FORMATS_EDF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "formats/import.h"

/* The longest onset accepted in a TAL, s (about 31 years: keeps ns sums inside int64). */
#define MC__EDF_MAX_ONSET_S 1000000000LL

/* What a record's annotation signal gave besides its events. */
typedef struct mc__edf_tal_result {
    int has_first;          /* the signal holds at least one TAL */
    int64_t first_onset_ns; /* onset of its first TAL (the time-keeping TAL), ns from the start */
    size_t n_events;        /* events added */
} mc__edf_tal_result;

/* Parse the TALs of one annotation signal in one record, buf[off .. off + len) (NUL padded).
 * Each non-empty text becomes an event of kind "annotation" (t_ns = onset, value = duration in s
 * or NaN, text as UTF-8 with invalid bytes and control characters replaced) unless out is NULL.
 * @return MC_OK; MC_EFORMAT with "name: byte N: ..."; MC_ENOMEM */
mc_status mc__edf_tal_read(const uint8_t *buf, size_t off, size_t len, const char *name,
                           mc_import *out, mc__edf_tal_result *res, mc_diag *d);

/* Seconds since 1970-01-01 00:00:00 UTC of a proleptic Gregorian date and time. */
int64_t mc__edf_unix_seconds(int year, int month, int day, int hh, int mm, int ss);

/* The inverse: date and time (UTC) of seconds since 1970. */
void mc__edf_civil(int64_t t_s, int *year, int *month, int *day, int *hh, int *mm, int *ss);

#endif
