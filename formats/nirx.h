/* SPDX-License-Identifier: MIT */
/* formats/nirx.h: importer of a NIRx NIRScout/NIRSport native recording (FORMATS.md §4): the
 * INI-like `.hdr` the user points at, with `.wl1`, `.wl2`, ... (one whitespace-separated ASCII
 * matrix per wavelength: a row per time point, a column per source–detector pair in S-D-Key
 * order) and the `.evt` trigger list beside it. One regular stream per channel of the S-D-Mask and
 * wavelength, named S<s>_D<d>_<wavelength>nm, modality nirs, unit V (raw detector intensity), with
 * the attributes source, detector, wavelength_nm, short_channel (ShortDetIndex) and distance_mm
 * (ChanDis). Triggers become events of kind "trigger" whose value is the 8-bit code. The `.inf`
 * file (subject name, age, contact) and the Subject field are never read. */
#ifndef MC_FORMATS_NIRX_H
#define MC_FORMATS_NIRX_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "formats/import.h"

/** 1 when the first bytes (up to 4096) are a NIRx header ([GeneralInfo] section with a NIRStar=
 *  or Device="NIRScout/NIRSport" line, or [ImagingParameters] with SamplingRate=), or when the name
 *  ends in .hdr and the content has [GeneralInfo]; else 0. Pure. Thread: any. */
int mc_nirx_detect(const uint8_t *head, size_t n, const char *name);

/** Read a NIRx recording from its header bytes and a loader of its companion files
 *  (`<stem>.wl1` ... `<stem>.wl<N>`, `<stem>.evt`; a missing .evt falls back to the header's
 *  [Markers] Events). The start time is the header's Date and Time, read as UTC (NIRStar writes
 *  the local time without a zone). Thread: one per import. Allocates.
 *  @param hdr  the .hdr bytes [n], not NUL-terminated
 *  @param stem the recording's name without extension, e.g. "NIRS-2019-08-23_001"
 *  @param load loader of the companion files (mc_load_file with the folder as ctx)
 *  @return MC_OK, MC_EFORMAT ("FILE: line L: expected ..."), MC_ENOTFOUND (a .wl file is
 *          missing), MC_EIO, MC_ENOMEM */
MC_NODISCARD mc_status mc_nirx_read(const uint8_t *hdr, size_t n, const char *stem, mc_load_fn load,
                                    void *ctx, mc_import *out, mc_diag *d);

/** Read the NIRx recording whose .hdr is at `path` (its companions beside it).
 *  @return as mc_nirx_read */
MC_NODISCARD mc_status mc_nirx_import(const char *path, mc_import *out, mc_diag *d);

#endif
