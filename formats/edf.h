/* SPDX-License-Identifier: MIT */
/* formats/edf.h: EDF, EDF+ (continuous and discontinuous) and BDF recordings read into an import
 * (formats/import.h), and an import written as EDF+C. The reader works on bytes so that it can be
 * fuzzed; the writer publishes its file through formats/output.h.
 *
 * What the reader decides (and its tests check):
 * - one regular stream per ordinary signal, rate = samples per record / record duration, values
 *   physical = (d - dmin) * (pmax - pmin) / (dmax - dmin) + pmin; the signal's own scale is kept
 *   as the channel's scale_gain/offset and the header fields as attributes edf_*;
 * - `EDF Annotations` (`BDF Annotations`) signals become events of kind "annotation" (value = the
 *   duration in s, or NaN); their time-keeping TALs give each record's start: the first record's
 *   is the sub-second part of the start, and in EDF+D a later start becomes NaN rows with a gap
 *   "edf+d discontinuity" (", rounded" added when the jump is not a whole number of samples);
 * - a file shorter than its declared records is refused (MC_EFORMAT naming the record and byte):
 *   a silently shortened import would hide the loss. Bytes after the last declared record are
 *   ignored. With the record count -1 (a recorder that did not finish), the complete records
 *   present are read and a trailing partial record is ignored;
 * - the start time is the header's date and time read as UTC (EDF stores the local time of the
 *   recording site without a zone); two-digit years are 1985-2084, and an EDF+ `Startdate` in the
 *   recording field gives the four-digit year; EDF+ `Startdate X` means an unknown start;
 * - header text outside printable ASCII is refused with its byte offset, except the micro and
 *   degree signs (Latin-1 or UTF-8) in a physical dimension, read as `u` and `deg`;
 * - PRIVACY: the patient field and the recording field's code, technician and equipment are never
 *   copied into the import.
 * - Files written by mcirc (EDF+ recording field technician `mcirc`) store a missing sample as
 *   the digital value -32768 (see mc_edf_write); for those files alone it is read back as NaN,
 *   each run of NaN becomes a gap "edf missing", and the missing samples that end a signal (the
 *   writer's padding of the records after a stream's end) are not kept, so lengths come back. */
#ifndef MC_FORMATS_EDF_H
#define MC_FORMATS_EDF_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "formats/import.h"

/** Does this look like EDF/BDF? The content decides, not the name: the version field is EDF's
 *  "0" and 7 spaces or BDF's 0xFF "BIOSEMI", and the header-size field a number >= 512 that is a
 *  multiple of 256 (at least 192 bytes of head are needed). Pure; thread: any.
 *  @param head first bytes of the file (up to 4096), n their count; name may be NULL
 *  @return 1 or 0 */
int mc_edf_detect(const uint8_t *head, size_t n, const char *name);

/** Read an EDF/EDF+/BDF/BDF+ file held in memory into `out` (initialised by the caller; on
 *  failure it may hold partial data, which the caller frees). Never reads outside buf[0..n).
 *  Thread: one per import. Allocates (bounded by out->limit_bytes).
 *  @param name the input's file name for imp->source and the diagnostic (NULL: "EDF")
 *  @return MC_OK; MC_EFORMAT (the diagnostic gives "name: byte N: what was expected"); MC_ENOMEM
 *          (the import limit or no memory); MC_EINVAL (a description the import refuses) */
MC_NODISCARD mc_status mc_edf_read(const uint8_t *buf, size_t n, const char *name, mc_import *out,
                                   mc_diag *d);

/** Read the file at `path` (bounded by the import's limit) with mc_edf_read. Thread: one per
 *  import. Allocates, does I/O.
 *  @return as mc_edf_read, plus MC_ENOTFOUND and MC_EIO */
MC_NODISCARD mc_status mc_edf_import(const char *path, mc_import *out, mc_diag *d);

/** Write an import as an EDF+C file. Every stream must be regular (an irregular one is refused by
 *  name: pick streams with --streams); each channel becomes one signal, and an `EDF Annotations`
 *  signal holds the time-keeping TAL of each record and the events (kind "annotation" with a
 *  finite value >= 0 as a duration; other kinds as "kind: text" with "= value" when finite).
 *
 *  Record duration: the smallest whole number of seconds that holds a whole number of samples of
 *  every stream (1 s for integer rates, 4 s for 0.25 Hz, 800 s for 62.4725 Hz); a rate that is
 *  no fraction p/q with q <= 1000, or a record over 8 MiB, is refused. Records after a stream's
 *  end are padded with missing samples, which other readers see (mcirc drops them: see above).
 *  Streams that start later than the first are preceded by missing samples (their start is
 *  rounded to the nearest sample), read back as a gap. Annotations and records beyond 1e9 s from
 *  the start are refused.
 *
 *  Scale: per channel, the finite values' range [lo, hi] maps to digital -32767..32767 and the
 *  header's physical minimum (for -32768) lies one step below lo, both rounded outward to the
 *  8 characters of the field; a missing (NaN) sample is written as -32768, the digital minimum,
 *  which other readers see as the physical minimum and mcirc reads back as NaN. Each gap of a
 *  stream is also written as an annotation "gap <stream>: <reason>" with its duration. Values
 *  beyond what 8 characters hold (|x| >= 1e7) are refused.
 *
 *  Header: patient `X X X X`, recording `Startdate dd-MMM-yyyy X mcirc X` (`Startdate X` and
 *  01.01.85 00.00.00 when the start is unknown), date and time in UTC; a start before 1985 or after
 *  2084 is refused. Thread: any. Allocates, does I/O (through formats/output.h: the file appears
 *  only when complete, never over an existing one).
 *  @return MC_OK, MC_EINVAL (what EDF cannot hold; the diagnostic names the stream), MC_EEXIST,
 *          MC_EIO, MC_ENOMEM */
MC_NODISCARD mc_status mc_edf_write(const mc_import *rec, const char *path, mc_diag *d);

#endif
