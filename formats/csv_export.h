/* SPDX-License-Identifier: MIT */
/* formats/csv_export.h: recordings as CSV for spreadsheets, R and pandas. Two forms:
 * - long (tidy): one row per sample and channel, `t_s,stream,channel,value,unit`, streams one
 *   after the other, each in time order;
 * - wide: one file per stream, `t_s,<channel> (<unit>),...`, one row per frame.
 * `t_s` is seconds since the session start with nanosecond digits (times from the stream's clock
 * anchors, or its stored times); values are printed with 9 significant digits, which gives back
 * the float32 exactly; a missing value is `NaN`. Files appear only when complete and never
 * replace another (formats/output.h). */
#ifndef MC_FORMATS_CSV_EXPORT_H
#define MC_FORMATS_CSV_EXPORT_H

#include "dsp/status.h"
#include "formats/import.h"

/** Write the long form of every stream of `rec` to `path`. Thread: any. Does I/O.
 *  @return MC_OK, MC_EEXIST, MC_EIO, MC_ENOMEM */
MC_NODISCARD mc_status mc_csv_write_long(const mc_import *rec, const char *path, mc_diag *d);

/** Write the wide form: `<prefix>.<stream>.csv` for every stream. Every name is checked first:
 *  when one exists nothing is written. Thread: any. Does I/O.
 *  @return MC_OK, MC_EEXIST, MC_EIO, MC_ENOMEM */
MC_NODISCARD mc_status mc_csv_write_wide(const mc_import *rec, const char *prefix, mc_diag *d);

#endif
