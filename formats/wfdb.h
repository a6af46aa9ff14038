/* SPDX-License-Identifier: MIT */
/* formats/wfdb.h: PhysioNet WFDB records (.hea header + .dat signal files): the header parser, the
 * signal decoders (formats 0, 8, 16, 24, 32, 61, 80, 160, 212, 310, 311 and, through libsndfile,
 * the FLAC formats 508/516/524), the importer (single- and multi-segment records, fixed and
 * variable layouts) and the exporter (format 16).
 *
 * Reference: the WFDB Applications Guide, header(5) and signal(5). One stream per signal, at
 * samples-per-frame x frame rate; physical = (digital - baseline) / gain as float32, the format's
 * invalid sample (-32768 in format 16, -2048 in 212, ...) becomes NaN. Nothing is resampled. */
#ifndef MC_FORMATS_WFDB_H
#define MC_FORMATS_WFDB_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "formats/import.h"

/** Longest file name, units or description kept from a header line (bytes without the NUL). */
#define MC_WFDB_TEXT_MAX 127

/** Most signals a record may have (real records have at most a few hundred). */
#define MC_WFDB_MAX_SIGNALS 4096

/** Most gap rows an import may create (a master header of many tiny missing segments). */
#define MC_WFDB_MAX_GAPS (1 << 20)

/** One signal line of a header. */
typedef struct mc_wfdb_signal {
    char file[MC_WFDB_TEXT_MAX + 1]; /* signal file name; "~" = no file (a layout's signal) */
    int format;          /* 0, 8, 16, 24, 32, 61, 80, 160, 212, 310, 311, 508, 516, 524 */
    int spf;             /* samples per frame, >= 1 ("x" suffix) */
    int skew;            /* frames (":" suffix), >= 0 */
    int64_t byte_offset; /* bytes before the first sample of the file ("+" suffix) */
    double gain;         /* ADC units per physical unit; 200 when 0 or absent */
    int gain_given;      /* 0: the header gave no gain (or 0: "uncalibrated") */
    int64_t baseline;    /* ADC units at physical zero; adc_zero when absent */
    char units[MC_WFDB_TEXT_MAX + 1];       /* as written ("mV" when absent), <= 63 bytes */
    int adc_res;                            /* bits, 0 = unknown */
    int64_t adc_zero;                       /* ADC units */
    int64_t init_value;                     /* first sample (ADC units) */
    int has_checksum;                       /* the header gives a checksum */
    int checksum;                           /* 16-bit sum of the signal's samples, -32768..32767 */
    int block_size;                         /* bytes, 0 = not a block device */
    char description[MC_WFDB_TEXT_MAX + 1]; /* signal name, "" when absent */
    int64_t line;                           /* header line of the signal (1-based) */
} mc_wfdb_signal;

/** One segment line of a multi-segment master header. */
typedef struct mc_wfdb_segment {
    char name[MC_WFDB_TEXT_MAX + 1]; /* record name of the segment; "~" = a gap */
    int64_t n_frames;                /* frames of the segment (>= 0) */
    int64_t line;
} mc_wfdb_segment;

/** A parsed header. Free with mc_wfdb_header_free. */
typedef struct mc_wfdb_header {
    char name[MC_WFDB_TEXT_MAX + 1]; /* record name */
    int n_segments;                  /* 0 for a single-segment record */
    int n_signals;                   /* signals of the record */
    double fs_hz;                    /* frame rate; 250 when absent */
    double counter_hz;               /* counter frequency, 0 when absent */
    int64_t n_frames;                /* frames, -1 when absent */
    int has_time;                    /* base time given */
    double base_time_s;              /* seconds after midnight */
    int has_date;                    /* base date given */
    int day, month, year;            /* base date */
    mc_wfdb_signal *signals;         /* [n_signals] (single-segment headers) */
    mc_wfdb_segment *segments;       /* [n_segments] (multi-segment headers) */
    char comments[512];              /* '#' lines joined by "; " (cut to fit) */
} mc_wfdb_header;

/** Parse a header from bytes. Thread: any. Allocates (bounded by the lines present).
 *  @param name  the header's file name, used in messages ("x.hea: line 3: ...")
 *  @param text  [len] bytes, not NUL-terminated; len <= 1 MiB
 *  @param out   receives the header (zeroed first); free with mc_wfdb_header_free, also on failure
 *  @return MC_OK; MC_EFORMAT (the diagnostic gives the line); MC_ENOMEM */
MC_NODISCARD mc_status mc_wfdb_header_parse(const char *name, const uint8_t *text, size_t len,
                                            mc_wfdb_header *out, mc_diag *d);

/** Release a parsed header. NULL is a no-op. Thread: one per header. */
void mc_wfdb_header_free(mc_wfdb_header *h);

/** Whether a format code is one of the decoders here (0, 8, 16, 24, 32, 61, 80, 160, 212, 310,
 *  311, 508, 516, 524). Thread: any. */
int mc_wfdb_format_known(int format);

/** The invalid-sample value of a format (read as NaN): -32768 for 16, 61, 160, 516; -2048 for
 *  212; -512 for 310, 311; -128 for 80, 508; -2^23 for 24, 524; -2^31 for 32. Thread: any.
 *  @return 1 and *value, or 0 when the format has none (0, 8) */
int mc_wfdb_invalid_value(int format, int32_t *value);

/** How many whole samples `len` bytes of a (non-FLAC) signal file hold in `format`.
 *  Format 0 holds none. Thread: any. */
int64_t mc_wfdb_samples_in(int format, size_t len);

/** Decode samples [first, first + n) of the interleaved sample sequence of a non-FLAC signal file
 *  (after its byte offset), as raw ADC values. Format 8 gives the raw first differences (the caller
 *  sums them per signal from init_value). Pure, bounded: never reads past `len`. Thread: any.
 *  @param out [n]
 *  @return the number of samples decoded (fewer than n when the bytes end) */
size_t mc_wfdb_decode(int format, const uint8_t *buf, size_t len, int64_t first, size_t n,
                      int32_t *out);

/** Decode a FLAC signal file (format 508/516/524) held in memory through libsndfile into raw ADC
 *  values, interleaved by channel (= the file's signals). Thread: any. Allocates.
 *  @param max_frames FLAC frames wanted at most (n_frames x spf)
 *  @param out        receives malloc'ed [*n_frames * channels]; free() it
 *  @return MC_OK; MC_EFORMAT (not FLAC, wrong channel count); MC_ENOMEM */
MC_NODISCARD mc_status mc_wfdb_decode_flac(int format, const uint8_t *buf, size_t len, int channels,
                                           int64_t max_frames, int32_t **out, int64_t *n_frames,
                                           mc_diag *d);

/** 1 when the first bytes (up to 4096) and/or the name say this is a WFDB header: a record line
 *  `name[/nseg] nsig [fs ...]` whose name matches the file name, or a ".hea" name with a record
 * line of the right shape. Pure. */
int mc_wfdb_detect(const uint8_t *head, size_t n, const char *name);

/** Import a record from its header bytes; signal files and segment headers come from `load`
 *  (called with `ctx` and names relative to the header). Thread: one per import. Allocates.
 *  Rules:
 *  - one stream per signal, named after its description (signal_<i> when empty), rate = samples
 *    per frame x frame rate, units in UCUM where obvious (mmHg -> mm[Hg]), gain and baseline as
 *    the channel's scale; attributes wfdb_record, wfdb_signal, wfdb_format, ... ;
 *  - start_unix_ns from base time and date (read as UTC: WFDB gives no zone); a time without a
 *    date leaves it unknown and is kept as the attribute wfdb_base_time; a skew moves the
 *    signal's start_ns earlier;
 *  - '#' comments are not imported (they may hold age, sex or diagnoses);
 *  - a single-segment signal file shorter than the header says gives the frames it holds (the
 *    stream attribute wfdb_truncated says so); in a multi-segment record a short, missing or `~`
 *    segment becomes NaN rows and a gap ("wfdb truncated", "missing segment", "wfdb gap",
 *    "wfdb signal absent"; adjacent gaps with one reason make one row), so that later segments
 *    keep their time; a missing variable-layout header is an error (it lists the signals);
 *  - a checksum that does not match a complete signal is an error.
 *  @param hea_name the header's file name (for messages and out->source)
 *  @return MC_OK; MC_EFORMAT; MC_ENOTFOUND (a single-segment record's signal file); MC_ENOMEM
 *          (also: past out->limit_bytes); MC_EIO */
MC_NODISCARD mc_status mc_wfdb_read(const char *hea_name, const uint8_t *hea, size_t len,
                                    mc_load_fn load, void *ctx, mc_import *out, mc_diag *d);

/** Import the record whose header is `path` (companion files beside it). Thread: one per import.
 *  @return as mc_wfdb_read, plus MC_ENOTFOUND / MC_EIO for the header itself */
MC_NODISCARD mc_status mc_wfdb_import(const char *path, mc_import *out, mc_diag *d);

/** Write an import as a WFDB record in format 16: `path` is the header (name.hea) and name.dat is
 *  written beside it; both appear only when complete and never replace a file. Each channel of
 *  each stream becomes one signal with a gain chosen so that its range fits 16 bits (NaN is
 *  written as -32768). Streams of different rates share one frame rate with samples-per-frame
 *  when every rate is an integer multiple of it (nothing is resampled); streams that start later
 *  or end earlier are padded with invalid samples. Thread: any. Does I/O.
 *  @return MC_OK; MC_EINVAL (irregular stream, rates without a common frame rate, bad record
 *          name, empty import: the message names the stream); MC_EEXIST; MC_EIO; MC_ENOMEM */
MC_NODISCARD mc_status mc_wfdb_write(const mc_import *rec, const char *path, mc_diag *d);

#endif
