/* SPDX-License-Identifier: MIT */
/* formats/snirf.h: SNIRF (fNIRS data in HDF5, formatVersion 1.0) read into an mc_import and an
 * mc_import written as SNIRF that MNE-Python's read_raw_snirf reads.
 *
 * Reading (FORMATS.md §3): every /nirs{i}/data{j} block gives one stream per measurement channel,
 * named S<source>_D<detector>_<wavelength>nm (CW amplitude, dataType 1), S<s>_D<d>_<label>
 * (processed, dataType 99999 with dataTypeLabel HbO, HbR, ...) or S<s>_D<d>_<wl>nm_type<code>
 * (other codes), modality nirs, unit from dataUnit or "a.u."; source and detector indices,
 * wavelength, data type and label are stream attributes. A time vector that is regular to 1e-3 of
 * a sample period gives a regular stream (rate = (n - 1) / (t_last - t_first)), otherwise the
 * stream stays irregular with one time per sample; time [2] with more than two rows is (start,
 * step). /nirs{i}/aux{k} become streams (one per column), /nirs{i}/stim{k} rows become events of
 * kind "stim" whose text is the stim name, followed by " (duration D s)" when D is not 0, and
 * whose value is the amplitude. MeasurementDate + MeasurementTime give start_unix_ns (UTC when
 * the time has no zone); a later /nirs{i} group with its own date is placed at its start.
 * SubjectID and every other metaDataTag are never copied (privacy).
 * Channels are described by measurementList<k> groups or by SNIRF 1.1's measurementLists arrays.
 * Both fixed- and variable-length strings and integer or float index fields are accepted. Only
 * hard links are followed; datasets with external storage or a virtual layout are refused, and a
 * dataset's declared size is checked against the bytes it holds before anything is allocated.
 *
 * Writing: see mc_snirf_write. */
#ifndef MC_FORMATS_SNIRF_H
#define MC_FORMATS_SNIRF_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "formats/import.h"

/** 1 when the first bytes are an HDF5 file (signature at 0, 512, 1024 or 2048) that holds the
 *  link names "formatVersion" and "nirs" within them, or when the bytes are HDF5 and the name
 *  ends in ".snirf" (case-insensitive); else 0. Thread: any. Pure.
 *  @param head first n bytes of the file (up to 4096 are looked at); may be NULL when n is 0
 *  @param name the file's name, or NULL */
int mc_snirf_detect(const uint8_t *head, size_t n, const char *name);

/** Read a SNIRF file held in memory (a file image; the bytes are not modified or kept) into an
 *  initialised import. Thread: any (HDF5 serialises calls). Allocates.
 *  @param name used in diagnostics and as out->source (may be NULL: "snirf")
 *  @return MC_OK; MC_EFORMAT (not HDF5, not SNIRF, or a malformed dataset: the diagnostic names
 *          the file and the dataset path), MC_ENOMEM (import limit or no memory). On failure
 *          `out` may hold partial data (the caller frees it). */
MC_NODISCARD mc_status mc_snirf_read(const uint8_t *image, size_t n, const char *name,
                                     mc_import *out, mc_diag *d);

/** Read the SNIRF file at `path` (as mc_snirf_read; out->source is its base name).
 *  Thread: any. Allocates, does I/O.
 *  @return as mc_snirf_read, plus MC_ENOTFOUND and MC_EIO */
MC_NODISCARD mc_status mc_snirf_import(const char *path, mc_import *out, mc_diag *d);

/** Write a recording as a SNIRF 1.0 file (through formats/output.h: the file appears only when
 *  complete and never replaces one).
 *  - /nirs/data1 holds every NIRS stream channel that is CW amplitude (stream attribute
 *    data_type 1 with wavelength_nm) or processed haemoglobin/optical density (label HbO, HbR or
 *    dOD from data_type_label, or guessed from the channel or stream name: hbo/o2hb, hbr/hhb);
 *    if both kinds occur, the kind of the first goes to data1 and the other to data2 (MNE reads
 *    data1 only). Those NIRS streams must be regular and share one rate and one sample grid
 *    (shorter ones are padded with NaN); otherwise MC_EINVAL names the stream.
 *  - Every other stream channel (other modalities, StO2, HbT, irregular non-NIRS streams) becomes
 *    an /nirs/aux<k> with its own time vector, so nothing is dropped; gap rows are not kept (the
 *    NaN samples are). Exception: when no channel qualifies for data1 but NIRS channels such as
 *    StO2 exist (mcirc's own NIRS streams), they fill data1 as dataType 99999 with their label
 *    ("StO2", "HbT"; StO2 is not in the SNIRF label list and MNE 1.3 reads only CW amplitude,
 *    HbO/HbR and dOD, so such a file keeps the data but MNE cannot open it).
 *  - Probe: wavelengths from the channels (or the attribute probe_wavelengths_nm, else 760 and
 *    850 nm as placeholders); source/detector indices from the stream attributes when every
 *    data channel has them, else one new pair per stream (streams whose names differ only by
 *    hbo/hbr share one); positions are PLACEHOLDERS on a 30 mm grid (2D and 3D, LengthUnit mm)
 *    since mcirc does not know optode positions.
 *  - Events: kind "stim" become stim groups by name (the "(duration D s)" suffix restored);
 *    other events become groups named after their kind (and text), duration 0, amplitude =
 *    value or 1 when NaN.
 *  - metaDataTags: SubjectID "anonymous" (never an identifier), MeasurementDate/Time in UTC to
 *    the second from start_unix_ns ("unknown" when absent; the sub-second part is added to every
 *    time), LengthUnit mm, TimeUnit s, FrequencyUnit Hz.
 *  Thread: any. Allocates, does I/O.
 *  @return MC_OK, MC_EINVAL (no NIRS stream, an irregular or other-rate NIRS stream in data1:
 *          the diagnostic names it), MC_EEXIST, MC_EIO, MC_ENOMEM */
MC_NODISCARD mc_status mc_snirf_write(const mc_import *rec, const char *path, mc_diag *d);

#endif
