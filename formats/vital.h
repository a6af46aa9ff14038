/* SPDX-License-Identifier: MIT */
/* formats/vital.h: importer of Vital Recorder files (.vital, VitalDB): gzip-compressed packets of
 * device and track descriptions and time-stamped records. Wave tracks become regular streams,
 * numeric tracks irregular streams, string tracks events (FORMATS.md section 7). */
#ifndef MC_FORMATS_VITAL_H
#define MC_FORMATS_VITAL_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "formats/import.h"

/** 1 when the first bytes are a gzip member that inflates to "VITA" (or are "VITA" themselves),
 *  or, when the content is too short to tell, when the name ends in ".vital". Pure. Thread: any.
 *  @param head first bytes of the file (up to 4096 are used); @param name file name or NULL */
int mc_vital_detect(const uint8_t *head, size_t n, const char *name);

/** Inflate gzip bytes (one member or several concatenated, trailing zero padding allowed) into a
 *  new buffer of at most max_bytes. Thread: any. Allocates.
 *  @param out receives the inflated bytes (the caller frees them), NULL on failure
 *  @return MC_OK, MC_EFORMAT (not gzip, corrupt, truncated: the diagnostic gives the byte offset
 *          in the compressed input), MC_ENOMEM (inflates to more than max_bytes, or no memory) */
MC_NODISCARD mc_status mc_vital_inflate(const uint8_t *gz, size_t n, size_t max_bytes,
                                        uint8_t **out, size_t *out_len, mc_diag *d);

/** Decode inflated .vital bytes ("VITA" header, then packets) into an initialised import.
 *  - Wave tracks (rec_type 1) become one regular stream each at the track's srate; each REC is
 *    placed by its absolute time: a REC within half a sample period + 1 ms (the time stamps'
 *    resolution) of where the previous one ended continues it; a later one is preceded by NaN
 *    rows recorded as a gap "vital gap"; an earlier one (overlap) keeps the samples already
 *    placed and drops the overlapping samples of the later record, which are counted (see the
 *    diagnostic note below).
 *  - Numeric tracks (rec_type 2) become irregular streams, one value per REC.
 *  - String tracks (rec_type 5) become events of kind "note" whose text is the string.
 *  - Integer formats (recfmt 3..8) are scaled to physical = raw * adc_gain + adc_offset, as
 *    VitalDB does; float formats (1, 2) hold physical values already. The device's scale is kept
 *    in the channel's scale_gain/offset.
 *  - start_unix_ns is the earliest REC time; tracks without any REC give no stream (a wave REC
 *    without samples counts as none); DEVINFO gives the streams' device_model; the header's
 *    time-zone bias (UTC minus local time, minutes) is kept as the attribute vital_tzbias_min;
 *    CMD and unknown packet types are skipped.
 *  Thread: one per import. Allocates (through the import).
 *  @param d on MC_OK, a non-empty message is a note (overlapping samples dropped); on failure it
 *           gives the offset in the inflated bytes
 *  @return MC_OK, MC_EFORMAT (bad header, truncated packet, impossible rate, unknown recfmt, a
 *          sample count larger than its packet, non-UTF-8 text, a time outside 1970..2100),
 *          MC_ENOMEM
 *          (the import's limit_bytes or no memory) */
MC_NODISCARD mc_status mc_vital_parse(const uint8_t *buf, size_t n, mc_import *out, mc_diag *d);

/** Inflate (bounded by out->limit_bytes) then decode a whole .vital file held in memory; bytes
 *  that already start with "VITA" are decoded as they are. Thread: one per import. Allocates.
 *  @return as mc_vital_inflate and mc_vital_parse */
MC_NODISCARD mc_status mc_vital_read(const uint8_t *bytes, size_t n, mc_import *out, mc_diag *d);

/** Import a .vital file: sets out->format to "vital" and out->source to the file's name; the
 *  diagnostic starts with the file's name. Thread: one per import. Allocates, reads the file.
 *  @return MC_OK, MC_ENOTFOUND, MC_EIO, and as mc_vital_read */
MC_NODISCARD mc_status mc_vital_import(const char *path, mc_import *out, mc_diag *d);

#endif
