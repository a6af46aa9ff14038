/* SPDX-License-Identifier: MIT */
/* formats/labchart.h: importer of ADInstruments LabChart text exports (FORMATS.md §6): `Key=`
 * header lines (Interval, ExcelDateTime, ChannelTitle, UnitName, Range, ...) then TAB-separated
 * rows of an optional time column, one column per channel and an optional comment column, in
 * one or more blocks. One regular stream per channel at 1/Interval; a block that continues the
 * previous one's channels within 10 minutes appends to its streams after NaN gap rows (reason
 * "labchart block"), any other block gets streams of its own (names suffixed _2, _3, ...). Cells
 * that are empty, NaN or not numbers are NaN; comments become events of kind "comment". */
#ifndef MC_FORMATS_LABCHART_H
#define MC_FORMATS_LABCHART_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "formats/import.h"

/** 1 when the first bytes (up to 4096) are a LabChart text export (an `Interval=` line followed
 *  by other `Key=` lines, TAB-separated), else 0; the name is not needed. Pure. Thread: any. */
int mc_labchart_detect(const uint8_t *head, size_t n, const char *name);

/** Read a LabChart text export held in memory into an initialised import. The start time is the
 *  first block's ExcelDateTime, read as UTC (LabChart writes the computer's local time without
 *  a zone). Thread: one per import. Allocates.
 *  @param buf  the file's bytes [n], not NUL-terminated
 *  @param name the file's name for the diagnostic and imp->source (NULL: "labchart")
 *  @return MC_OK, MC_EFORMAT (diagnostic: "NAME: line L: expected ..."), MC_ENOMEM */
MC_NODISCARD mc_status mc_labchart_read(const uint8_t *buf, size_t n, const char *name,
                                        mc_import *out, mc_diag *d);

/** Read the LabChart text export at `path` (mc_labchart_read over the whole file).
 *  @return as mc_labchart_read, plus MC_ENOTFOUND, MC_EIO */
MC_NODISCARD mc_status mc_labchart_import(const char *path, mc_import *out, mc_diag *d);

#endif
