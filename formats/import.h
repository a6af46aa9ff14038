/* SPDX-License-Identifier: MIT */
/* formats/import.h: a recording read from another format, held in memory the way a session file
 * holds it — streams (description, samples in physical units, times), gaps and events — so that
 * every importer fills the same structure and one function (mc_import_write) turns it into a
 * session file. Nothing is resampled: a regular stream keeps its rate and the time of its first
 * sample, an irregular one keeps one time per sample.
 *
 * Importers take bytes (or a loader that hands them the bytes of a record's companion files), so
 * that they can be fuzzed; they never print and never exit. Sizes declared by an input are
 * checked against the bytes really present before anything is allocated, and the whole import is
 * bounded by mc_import.limit_bytes, so a file that claims 2^40 samples costs a diagnostic. */
#ifndef MC_FORMATS_IMPORT_H
#define MC_FORMATS_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/event.h"
#include "dsp/status.h"
#include "dsp/stream.h"
#include "formats/session.h"

/** Default bound on the samples and times an import may hold in memory (bytes). */
#define MC_IMPORT_LIMIT_DEFAULT ((size_t)8 << 30)

/** Unknown start time of a recording (mc_import.start_unix_ns). */
#define MC_IMPORT_NO_TIME INT64_MIN

/** Lost or absent samples of a stream, as /streams/<name>/gaps stores them. */
typedef struct mc_import_gap {
    int64_t first_index;
    int64_t n_missing;
    char reason[32];
} mc_import_gap;

/** One imported stream. Fields are read-only outside formats/import.c. */
typedef struct mc_import_stream {
    mc_stream_info *info; /* owned copy (mc_stream_info_copy) */
    int64_t start_ns;     /* regular streams: time of sample 0, ns since the recording start */
    int64_t n_frames;
    float *data;   /* [n_frames * info->n_channels], physical units, NaN = missing */
    int64_t *t_ns; /* irregular streams (rate 0): [n_frames] ns since the recording start */
    size_t n_gaps;
    mc_import_gap *gaps;
    size_t n_anchors; /* regular streams: clock anchors (dsp/clock_fit.h), when the source has */
    int64_t *anchors; /* them: [n_anchors * 2] (frame index, t_ns) pairs, index increasing; */
                      /* without anchors a frame's time is start_ns + index / rate_hz */
    size_t cap_frames, cap_gaps; /* allocated */
} mc_import_stream;

/** A recording in memory. Initialise with mc_import_init, release with mc_import_free. */
typedef struct mc_import {
    int64_t start_unix_ns; /* start of the recording (ns since 1970, UTC), or MC_IMPORT_NO_TIME */
    char format[32];       /* what the input was: "wfdb", "edf", "edf+", "bdf", "snirf", ... */
    char source[256];      /* the input file's name, without its folder */
    size_t n_streams;
    mc_import_stream *streams;
    size_t n_events;
    mc_event *events;   /* t_ns since the recording start */
    size_t limit_bytes; /* bound on samples + times held (0 at init means the default) */
    size_t used_bytes;  /* held so far */
    size_t cap_streams, cap_events;
} mc_import;

/** An empty import with the default memory bound. Thread: one per import. */
void mc_import_init(mc_import *imp);

/** Release everything an import holds and leave it empty (re-initialised). NULL is a no-op. */
void mc_import_free(mc_import *imp);

/** Add a stream. The description is checked and copied; a name already taken gets the first free
 *  suffix _2, _3, ... (two EDF signals may share a label). Thread: one per import. Allocates.
 *  @param start_ns regular streams: time of the first sample since the recording start
 *  @param index    optional: the new stream's index
 *  @return MC_OK, MC_EINVAL (the diagnostic names what is wrong), MC_ENOMEM */
MC_NODISCARD mc_status mc_import_add_stream(mc_import *imp, const mc_stream_info *info,
                                            int64_t start_ns, size_t *index, mc_diag *d);

/** Append n frames (interleaved, n * n_channels floats) to a stream; irregular streams give one
 *  time per frame (ns since the recording start), regular streams pass NULL. Thread: one per
 *  import. Allocates (geometric growth).
 *  @return MC_OK, MC_EINVAL (bad index, missing or unexpected times), MC_ENOMEM (allocation
 *          failed or limit_bytes would be passed: the diagnostic says which) */
MC_NODISCARD mc_status mc_import_append(mc_import *imp, size_t stream, size_t n,
                                        const float *frames, const int64_t *t_ns, mc_diag *d);

/** Append n frames to a regular stream without copying them: room is reserved (and charged
 *  against limit_bytes) exactly as mc_import_append does, the frames count as appended at once,
 *  and *frames points at where they go ([n * n_channels] floats, interleaved). The caller must
 *  write all of them before the import is read, written or appended to again; the pointer is
 *  valid until the next append to this import. Importers use it to decode straight into the
 *  stream instead of into a buffer that mc_import_append would copy. Thread: one per import.
 *  Allocates (geometric growth).
 *  @param expect frames the caller expects to append in this and later calls (>= n; 0 = unknown):
 *                when the stream must grow it grows to hold them at once, as far as the memory
 *                left under limit_bytes allows (nothing is charged until appended)
 *  @return MC_OK (with n = 0, *frames may be NULL), MC_EINVAL (bad index, irregular stream),
 *          MC_ENOMEM (allocation failed or limit_bytes would be passed; then nothing is appended)
 */
MC_NODISCARD mc_status mc_import_extend(mc_import *imp, size_t stream, size_t n, size_t expect,
                                        float **frames, mc_diag *d);

/** Append n frames of NaN to a regular stream and record them as a gap with `reason` (cut to 31
 *  bytes), e.g. a WFDB `~` segment or an EDF+D discontinuity. Thread: one per import.
 *  @return MC_OK, MC_EINVAL (irregular stream, bad index), MC_ENOMEM */
MC_NODISCARD mc_status mc_import_append_gap(mc_import *imp, size_t stream, int64_t n,
                                            const char *reason, mc_diag *d);

/** Record a gap over frames already appended (their values are whatever was read, normally NaN),
 *  or a time discontinuity before first_index (n_missing 0). Thread: one per import.
 *  @return MC_OK, MC_EINVAL (bad index or rows outside the stream), MC_ENOMEM */
MC_NODISCARD mc_status mc_import_mark_gap(mc_import *imp, size_t stream, int64_t first_index,
                                          int64_t n_missing, const char *reason, mc_diag *d);

/** Give a regular stream the clock anchors of its source (a session file's time_index), copied;
 *  they replace any given before. Thread: one per import. Allocates.
 *  @param pairs [n * 2] (frame index, t_ns), index strictly increasing
 *  @return MC_OK, MC_EINVAL (irregular stream, indices not increasing), MC_ENOMEM */
MC_NODISCARD mc_status mc_import_set_anchors(mc_import *imp, size_t stream, size_t n,
                                             const int64_t *pairs, mc_diag *d);

/** Times of frames [first, first + n) of a stream, ns since the recording start: the stored
 *  times (irregular), the anchors (mc_time_index_map), or start_ns + index / rate_hz.
 *  Thread: any. @return MC_OK, MC_EINVAL (bad index or range) */
MC_NODISCARD mc_status mc_import_times(const mc_import *imp, size_t stream, int64_t first, size_t n,
                                       int64_t *t_ns);

/** Append an event (t_ns since the recording start). Thread: one per import. Allocates.
 *  @return MC_OK, MC_ENOMEM */
MC_NODISCARD mc_status mc_import_add_event(mc_import *imp, const mc_event *ev, mc_diag *d);

/** Move every stream and event of `src` into `dst`, shifting their times by offset_ns (the
 *  difference of the two recordings' starts); names already taken in dst get suffixes. src is
 *  left empty. Thread: one per import. Allocates.
 *  @return MC_OK, MC_ENOMEM (then src keeps what was not moved) */
MC_NODISCARD mc_status mc_import_merge(mc_import *dst, mc_import *src, int64_t offset_ns,
                                       mc_diag *d);

/** Write an import as a session file. The file is not SWMR: it appears under `path` only once
 *  complete, so a failed import leaves nothing behind, and an existing file is never touched.
 *  Regular streams get two clock anchors (first and last sample at the nominal rate), gaps and
 *  events are copied, and the root attribute derived_from names the input.
 *  Thread: one per import. Allocates, does I/O.
 *  @param session root metadata; its start is set from the import (or kept when unknown)
 *  @return MC_OK, MC_EEXIST, MC_EPRIVACY, MC_EINVAL, MC_EIO, MC_ENOMEM (diagnostic filled) */
MC_NODISCARD mc_status mc_import_write(const mc_import *imp, const mc_session_info *session,
                                       int allow_id, int compression, const char *path, mc_diag *d);

/** The modality a channel's name or unit suggests: PLETH, PPG, pleth → ppg; SpO2, PI, PVI → ppg
 *  (pulse-oximeter numerics); StO2, SmO2, TSI, HbO, HbR, HHb, O2Hb, tHb → nirs; perfusion, LDF,
 *  flux, or unit PU → ldf; PCO2, tcpCO2, PtCO2 → pco2; anything else → other. Thread: any. */
mc_modality mc_import_guess_modality(const char *name, const char *unit);

/** Turn a source's channel name into a stream name ([A-Za-z0-9_.-], no leading '.', at most
 *  MC_NAME_MAX bytes): every other byte run becomes one '_', leading and trailing '_' are
 *  dropped; an empty result becomes `fallback`. Thread: any. @return out */
char *mc_import_stream_name(const char *channel, const char *fallback, char out[MC_NAME_MAX + 1]);

/** A function that hands an importer the bytes of a file named relative to the input (a WFDB
 *  record's .dat files and segment headers, a NIRx set's .wl1/.wl2/.evt). The buffer is the
 *  caller's to free() on success.
 *  @return MC_OK, MC_ENOTFOUND (no such file), MC_EIO, MC_ENOMEM; the diagnostic says which file */
typedef mc_status (*mc_load_fn)(void *ctx, const char *name, uint8_t **buf, size_t *len,
                                mc_diag *d);

/** The loader of real files: `name` is resolved in the folder `ctx` (a const char *; "" = the
 *  current folder). Refuses names with a '/' that climb out of it ("../"). Thread: any. */
mc_status mc_load_file(void *ctx, const char *name, uint8_t **buf, size_t *len, mc_diag *d);

/** A reader of a whole input held in memory; `name` is the input's file name, for messages. */
typedef mc_status (*mc_import_bytes_fn)(const uint8_t *buf, size_t n, const char *name,
                                        mc_import *out, mc_diag *d);

/** The usual importer of a file: read it whole (bounded by out->limit_bytes), record its name in
 *  out->source and `format` in out->format (the reader may refine it), hand the bytes to `fn`,
 *  and make sure a message names the file ("NAME: ..."). Thread: one per import. Allocates,
 *  does I/O. @return fn's status, or mc_read_whole_file's */
MC_NODISCARD mc_status mc_import_file_with(const char *path, const char *format,
                                           mc_import_bytes_fn fn, mc_import *out, mc_diag *d);

/** Read a whole file into memory (at most max_bytes). Thread: any. Allocates.
 *  @return MC_OK, MC_ENOTFOUND, MC_EIO, MC_ENOMEM (larger than max_bytes, or no memory) */
MC_NODISCARD mc_status mc_read_whole_file(const char *path, size_t max_bytes, uint8_t **buf,
                                          size_t *len, mc_diag *d);

#endif
