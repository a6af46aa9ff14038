/* SPDX-License-Identifier: MIT */
/* formats/audio.h: multichannel audio-style files (WAV, W64, RF64, CAF, FLAC, AIFF and whatever
 * else libsndfile reads) imported into the in-memory recording (formats/import.h), and regular
 * streams of one rate exported to WAV (float32, PCM 16/24), RF64 (float32) or FLAC (16/24 bit).
 *
 * Values and calibration. Each audio channel becomes one stream (or a channel of one, see the
 * metadata below) at the file's rate, every frame kept. The importer reads every sample as a
 * double with libsndfile's normalisation OFF, so `value` is:
 *   - the integer code for integer encodings (PCM 8/16/24/32, FLAC, ALAC, u-law/A-law, ADPCM...):
 *     a 16-bit ADC code 1234 reads as 1234.0, exactly (unsigned 8-bit PCM is centred: 0..255 ->
 *     -128..127, as libsndfile gives it);
 *   - the stored number for FLOAT/DOUBLE files;
 *   - the decoded sample in [-1, 1] for lossy codecs (Vorbis, Opus, MPEG), read normalised.
 * and the physical sample is  physical = gain * value + offset  (computed in double, stored as
 * float32). The device scale kept for provenance in mc_channel_info is the inverse map
 * (scale_gain = 1/gain, scale_offset = -offset/gain), so a channel records how to get its codes
 * back. float32 holds integers exactly up to 2^24: 8/16/24-bit codes survive any gain that is a
 * power of two, 32-bit codes are rounded to 24 significant bits.
 *
 * Threads: libsndfile keeps the reason of a failed open in a global, so when two threads fail to
 * open files at once, a diagnostic may give the other file's reason (the status is right).
 *
 * mcirc metadata. Integer files cannot hold physical values, so the exporter stores, in the
 * file's comment string (SF_STR_COMMENT: WAV/RF64 LIST INFO ICMT, FLAC Vorbis comment COMMENT),
 * a small text the importer reads back to restore names, units and scales:
 *
 *     mcirc-audio 1
 *     start_unix_ns=1700000000000000000 start_ns=0 nan=-32768
 *     stream=ppg modality=ppg first=0 frames=2500
 *     channel=red unit=a.u. gain=1.5259e-05 offset=0.5
 *     channel=ir unit=a.u. gain=1.5259e-05 offset=0.5
 *
 * One `stream=` line per exported stream, followed by one `channel=` line per audio channel of
 * that stream, in the file's channel order. Tokens are key=value separated by one space; values
 * are percent-encoded (%XX for bytes outside '!'..'~' and for '%' and '='). Defaults: unit a.u.,
 * gain 1, offset 0, first 0, frames = the file's frames - first; `first` is where the stream
 * starts in the file (streams that start later are padded with NaN before, shorter ones after:
 * the importer keeps [first, first + frames)). `nan` is the reserved code that stands for a
 * missing sample (NaN): MC_AUDIO_NAN_CODE16 = -32768 for 16-bit files, MC_AUDIO_NAN_CODE24 =
 * -8388608 for 24-bit ones, absent for float files (which hold NaN itself). Unknown keys are
 * ignored. A comment that does not start with "mcirc-audio " is not metadata and is ignored (the
 * file's other strings — artist, title — are never copied: they may name a person).
 * libsndfile drops a WAV/RF64 comment of 2047 bytes or more on reading, so the exporter refuses
 * metadata longer than MC_AUDIO_META_MAX_WAV bytes in those containers (FLAC has no such bound). */
#ifndef MC_FORMATS_AUDIO_H
#define MC_FORMATS_AUDIO_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "formats/import.h"

/** Reserved integer codes for a missing sample (NaN) in 16- and 24-bit exports. The exporter
 *  maps finite values to [-32767, 32767] (16 bit) or [-8388607, 8388607] (24 bit). */
#define MC_AUDIO_NAN_CODE16 (-32768)
#define MC_AUDIO_NAN_CODE24 (-8388608)

/** Longest metadata comment written into a WAV or RF64 file, bytes (libsndfile 1.2.0 reads back
 *  none of a longer one). */
#define MC_AUDIO_META_MAX_WAV 2000

/** Highest sample rate accepted on import, Hz: the highest a stream may have
 * (mc_stream_info_check). */
#define MC_AUDIO_MAX_RATE_HZ 1000000

/** Most channels libsndfile handles (SF_MAX_CHANNELS) and most FLAC can hold. */
#define MC_AUDIO_MAX_CHANNELS      1024
#define MC_AUDIO_MAX_CHANNELS_FLAC 8

/** How one audio channel becomes physical values: physical = gain * value + offset (see the file
 *  comment for `value`). A field left at its "unset" value keeps what the file's mcirc metadata
 *  says, or the default: gain 1, offset 0, unit "a.u.", name "ch<k>" (k = 1-based channel),
 *  modality guessed from the name and unit (mc_import_guess_modality). */
typedef struct mc_audio_calibration {
    double gain;          /* physical units per value; NAN = unset; else finite, non-zero */
    double offset;        /* physical units at value 0; NAN = unset; else finite */
    const char *unit;     /* UCUM unit text (<= MC_NAME_MAX bytes, UTF-8); NULL = unset */
    const char *name;     /* stream name (cleaned by mc_import_stream_name); NULL = unset. A
                             channel given a name is its own stream, never grouped with others */
    const char *modality; /* "ppg", "ldf", "nirs", "pco2", "other"; NULL = unset (guessed). A
                             stream of several channels takes its first channel's */
} mc_audio_calibration;

/** Every field unset. Thread: any. */
mc_audio_calibration mc_audio_calibration_default(void);

/** Options of the importer. */
typedef struct mc_audio_read_opts {
    const mc_audio_calibration *cal; /* [n_cal] per audio channel, 0-based; borrowed; may be NULL */
    size_t n_cal;                    /* channels beyond n_cal keep the file's / default values */
    uint32_t max_channels;           /* refuse files with more channels (default 1024) */
    int64_t max_frames;              /* refuse files with more frames (default: no bound beyond the
                                        import's limit_bytes) */
} mc_audio_read_opts;

/** No calibration, at most MC_AUDIO_MAX_CHANNELS channels, frames bounded by limit_bytes only.
 *  Thread: any. */
mc_audio_read_opts mc_audio_read_opts_default(void);

/** 1 when the first bytes (up to 4096) are those of a file libsndfile reads (RIFF/RIFX/RF64/BW64
 *  WAVE, Sony Wave64, CAF, FLAC, AIFF/AIFC, Sun .au), or when there is no content to judge (n <
 *  12) and the name ends in .wav, .w64, .rf64, .caf, .flac, .aif, .aiff, .aifc, .au. Pure.
 *  Thread: any. @param name file name or NULL */
int mc_audio_detect(const uint8_t *head, size_t n, const char *name);

/** Import bytes in memory (libsndfile virtual I/O; the fuzz target's entry). `out` is
 *  initialised by the caller; on failure it may hold partial data (the caller frees it).
 *  Frames are read in chunks and appended, so a header that claims more frames than there are
 *  costs nothing: the import holds what is really there (the frames counted by libsndfile from
 *  the bytes present), bounded by out->limit_bytes and o->max_frames. Sets out->format ("wav",
 *  "flac", ...) and out->source (`name` without its folder). Thread: any (one per import).
 *  Allocates.
 *  @param buf  the file's bytes [len]; borrowed, not modified, need not be NUL-terminated
 *  @param name file name for the diagnostic and out->source, or NULL
 *  @param o    options or NULL (defaults)
 *  @return MC_OK; MC_EFORMAT (not a sound file libsndfile reads, no channels, rate outside
 *          1..MC_AUDIO_MAX_RATE_HZ, too many channels, bad mcirc metadata: the diagnostic says
 *          which, with the comment's line for metadata); MC_EINVAL (bad calibration); MC_ENOMEM
 *          (limit_bytes or max_frames passed, or no memory) */
MC_NODISCARD mc_status mc_audio_read(const uint8_t *buf, size_t len, const char *name,
                                     const mc_audio_read_opts *o, mc_import *out, mc_diag *d);

/** Import a file (opened by libsndfile, not read whole into memory), with options (as
 *  mc_audio_read). Thread: any. Allocates, does I/O.
 *  @return as mc_audio_read, plus MC_ENOTFOUND (no such file) and MC_EIO */
MC_NODISCARD mc_status mc_audio_read_file(const char *path, const mc_audio_read_opts *o,
                                          mc_import *out, mc_diag *d);

/** The importer entry point `mcirc import` calls: mc_audio_read_file with default options. */
MC_NODISCARD mc_status mc_audio_import(const char *path, mc_import *out, mc_diag *d);

/** Formats the exporter writes. */
typedef enum mc_audio_format {
    MC_AUDIO_WAV_FLOAT = 1, /* WAV, float32: values kept exactly (NaN and Inf too) */
    MC_AUDIO_WAV_PCM16,     /* WAV, 16-bit integer codes, per-channel scale in the metadata */
    MC_AUDIO_WAV_PCM24,     /* WAV, 24-bit integer codes */
    MC_AUDIO_FLAC16,        /* FLAC, 16 bit (lossless on the codes), at most 8 channels */
    MC_AUDIO_FLAC24,        /* FLAC, 24 bit, at most 8 channels */
    MC_AUDIO_RF64_FLOAT,    /* RF64 (WAV beyond 4 GiB), float32 */
} mc_audio_format;

/** Parse a format name: "wav" (= wav-float), "wav-float", "wav-pcm16", "wav-pcm24", "flac" (=
 *  flac24), "flac16", "flac24", "rf64". Thread: any.
 *  @return MC_OK, or MC_EINVAL (unknown name; *out untouched) */
MC_NODISCARD mc_status mc_audio_format_parse(const char *s, mc_audio_format *out);

/** Export the streams of `rec` to one audio file at `path` (through formats/output.h: it appears
 *  only when complete and never replaces a file). Every stream must be regular, at one whole
 *  number of Hz shared by all, starting a whole number of samples apart: the file's channels are
 *  the streams' channels in order, streams that start later or end earlier are padded with
 *  missing samples (NaN / the reserved code), and the mcirc metadata records where each stream
 *  starts and how long it is, so the importer gives them back unpadded. Integer formats map each
 *  channel's finite range [lo, hi] linearly onto [-32767, 32767] (or +-8388607): gain = (hi -
 *  lo) / 65534, offset = (hi + lo) / 2, so the import restores values within half a step
 *  (gain / 2; a constant channel exactly); +-Inf saturate to the range's ends; NaN becomes the
 *  reserved code. Gaps and events are not written (NaN rows are). Thread: any. Allocates, does
 *  I/O.
 *  @param format a mc_audio_format value
 *  @return MC_OK; MC_EINVAL (no streams, an irregular stream, rates that differ or are not whole
 *          Hz, starts not on the common sample grid, more than 8 channels for FLAC or 1024 in
 *          all, metadata too long for a WAV, data beyond 4 GiB in a WAV: the diagnostic names
 *          the stream and what to do); MC_EEXIST (path exists); MC_EIO; MC_ENOMEM */
MC_NODISCARD mc_status mc_audio_write(const mc_import *rec, const char *path, int format,
                                      mc_diag *d);

#endif
