/* SPDX-License-Identifier: MIT */
/* formats/xlsx.h: importer of spreadsheets in Office Open XML (.xlsx): a bounded ZIP reader (the
 * central directory, stored or deflated members with their CRC checked), the first worksheet
 * and the shared strings read by a scanner of the few elements they use (no general XML
 * parser), turned into TAB-separated rows (one line per sheet row, so that diagnostics name the
 * spreadsheet's row) and read by the delimited-text reader (formats/delim.h).
 *
 * Artinis Oxysoft exports (FORMATS.md §5: "Oxysoft export of" in A1) are recognised: the rate
 * comes from "Export sample rate" or "Data file sample rate", the legend ("Column", "Trace
 * (Measurement)") names the columns, the sample-number column becomes the time (sample / rate,
 * so the streams are regular unless samples are missing), the trace columns become streams
 * named by their quantity (tHb, HHb, O2Hb; prefixed with the receiver-transmitter pair when
 * there are several) in umol/L, and the event column's labels become events of kind "event". */
#ifndef MC_FORMATS_XLSX_H
#define MC_FORMATS_XLSX_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "formats/import.h"

/** 1 when the bytes start a ZIP archive (PK\3\4) whose first members are those of a workbook
 *  ([Content_Types].xml, xl/...) or the name ends in .xlsx; else 0. Pure. Thread: any. */
int mc_xlsx_detect(const uint8_t *head, size_t n, const char *name);

/** Read the first worksheet of an .xlsx file held in memory into an initialised import.
 *  Thread: one per import. Allocates (members bounded by 256 MiB and by out->limit_bytes).
 *  @param buf  the file's bytes [n]
 *  @param name the file's name for diagnostics and imp->source (NULL: "workbook")
 *  @return MC_OK, MC_EFORMAT ("NAME: byte B: ..." for the archive, "NAME: line L: ..." with L
 *          the sheet's row for the table), MC_ENOMEM */
MC_NODISCARD mc_status mc_xlsx_read(const uint8_t *buf, size_t n, const char *name, mc_import *out,
                                    mc_diag *d);

/** Read the .xlsx file at `path`. @return as mc_xlsx_read, plus MC_ENOTFOUND, MC_EIO */
MC_NODISCARD mc_status mc_xlsx_import(const char *path, mc_import *out, mc_diag *d);

#endif
