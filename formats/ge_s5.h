/* SPDX-License-Identifier: MIT */
/* formats/ge_s5.h: GE / Datex-Ohmeda S/5 "Computer Interface" byte stream (FORMATS.md section 8):
 * an incremental frame decoder (0x7E flags, 0x7D escapes, 8-bit additive checksum) that live
 * drivers and the capture-file importer share, the parsers of a record (40-byte header and
 * subrecord table), of waveform subrecords and of the displayed physiological values, and the
 * importer of a capture file.
 *
 * What is decoded, from FORMATS.md and the public python-pycollect tables (the GE specification,
 * document M1017413, was not available): waveforms ECG1-3 (300 Hz, uV -> mV), INVP1-6 (100 Hz,
 * 1/100 mmHg), PLETH (100 Hz, 1/100 %), CO2/O2/N2O/AA (25 Hz, 1/100 %), AWP (25 Hz, 1/10 cmH2O),
 * FLOW (25 Hz, 1/10 L/min), RESP (25 Hz, 1/100 Ohm), EEG1-4 and ENT_100 (100 Hz, 1/10 uV); the
 * displayed values (subrecord type 1) of the basic class: ECG HR/ST1-3/IMP-RR, P1-P4
 * sys/dia/mean/HR, NIBP sys/dia/mean/HR, T1-T4, SpO2/PR/IR-AMP/SO2, CO2 ET/FI/RR/ambient
 * pressure, O2, N2O and AA ET/FI (+ MAC sum). Not decoded: EEG_BIS and VOL waves (rate and scale
 * unknown), the ext1-ext3 classes, the 10 s / 60 s trend subrecords, alarm records (maintype 4),
 * the group status bits beyond "value valid". Values at or below -32001 are the interface's
 * markers (invalid, not updated, discontinuity, under/over range, not calibrated) and become NaN.
 */
#ifndef MC_FORMATS_GE_S5_H
#define MC_FORMATS_GE_S5_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"
#include "formats/import.h"

/** Longest unescaped frame accepted (record + checksum), bytes. Records are at most ~1.5 KB. */
#define MC_GE_S5_FRAME_MAX 4096
/** Record header size, bytes. */
#define MC_GE_S5_HEADER_BYTES 40
/** Most subrecords in a record. */
#define MC_GE_S5_MAX_SUBRECORDS 8

/** Counts kept by the frame decoder (never reset by a bad frame). */
typedef struct mc_ge_s5_stats {
    uint64_t frames_good;   /* delivered: checksum right */
    uint64_t bad_checksum;  /* complete frames whose checksum is wrong */
    uint64_t short_frames;  /* complete frames too short for a header + checksum (< 41 bytes) */
    uint64_t oversize;      /* frames longer than MC_GE_S5_FRAME_MAX, discarded */
    uint64_t aborted;       /* frames cut by an escape followed by a flag (0x7D 0x7E) */
    uint64_t garbage_bytes; /* bytes before the first flag (later ones belong to a frame) */
} mc_ge_s5_stats;

/** The incremental frame decoder: a caller-allocated value, no allocation at all. Fields are
 *  private except `stats`. Thread: one per decoder. Initialise with mc_ge_s5_decoder_reset. */
typedef struct mc_ge_s5_decoder {
    uint8_t frame[MC_GE_S5_FRAME_MAX]; /* unescaped bytes of the frame being received */
    size_t len;
    int state; /* outside a frame, inside, after 0x7D, discarding an oversize frame */
    mc_ge_s5_stats stats;
} mc_ge_s5_decoder;

/** Called for each frame whose checksum is right, with the record (unescaped, checksum removed:
 *  n >= 40 bytes). The bytes are the decoder's and valid during the call only. A status other
 *  than MC_OK stops mc_ge_s5_decoder_push, which returns it. */
typedef mc_status (*mc_ge_s5_frame_fn)(void *ctx, const uint8_t *record, size_t n);

/** Forget any partial frame and zero the counts. Thread: one per decoder. Real-time safe. */
void mc_ge_s5_decoder_reset(mc_ge_s5_decoder *dec);

/** Push any number of bytes (any split: a frame may span many pushes). Bad frames are counted,
 *  never fatal. Thread: one per decoder. Real-time safe (no allocation, no I/O).
 *  @param fn called for every good frame (may be NULL: frames are only counted)
 *  @return MC_OK, or the first non-OK status returned by fn (the remaining bytes are not read) */
MC_NODISCARD mc_status mc_ge_s5_decoder_push(mc_ge_s5_decoder *dec, const uint8_t *bytes, size_t n,
                                             mc_ge_s5_frame_fn fn, void *ctx);

/** A record's header and subrecord table. */
typedef struct mc_ge_s5_record {
    uint16_t r_len;    /* record length, bytes (= the unescaped frame without its checksum) */
    uint8_t r_nbr;     /* record number, counts per main type modulo 256 */
    uint8_t dri_level; /* interface level */
    uint16_t plug_id;  /* plug id */
    uint32_t r_time;   /* unix time, s */
    uint16_t maintype; /* 0 physiological, 1 waveform, 4 alarm, ... */
    size_t n_sub;      /* subrecords listed */
    uint8_t sub_type[MC_GE_S5_MAX_SUBRECORDS];
    const uint8_t *sub[MC_GE_S5_MAX_SUBRECORDS]; /* into the record (borrowed) */
    size_t sub_len[MC_GE_S5_MAX_SUBRECORDS];     /* up to the next subrecord or the record end */
} mc_ge_s5_record;

/** Parse a record header and its subrecord table. Thread: any. Pure.
 *  @return MC_OK, MC_EFORMAT (shorter than 40 bytes, r_len differs from n, a subrecord offset
 *          outside the record or before the previous one) with the byte offset in the record */
MC_NODISCARD mc_status mc_ge_s5_record_parse(const uint8_t *rec, size_t n, mc_ge_s5_record *out,
                                             mc_diag *d);

/** A waveform type: name, rate and scale (physical = raw * scale), or NULL for an unknown or
 *  undecoded sr_type. Thread: any. */
typedef struct mc_ge_s5_wave_type {
    uint8_t sr_type;
    const char *name; /* "ECG1", "PLETH", "ENT_100", ... */
    double rate_hz;
    const char *unit; /* UCUM */
    double scale;     /* physical units per count */
} mc_ge_s5_wave_type;
const mc_ge_s5_wave_type *mc_ge_s5_wave_type_find(uint8_t sr_type);

/** Decode a waveform subrecord (int16 act_len, uint16 status, uint16 reserved, act_len int16
 *  samples) into physical values; markers (<= -32001) become NaN. Thread: any. Pure.
 *  @param out [cap] receives the samples; @param n_out their number (act_len)
 *  @return MC_OK, MC_EFORMAT (negative act_len, or more samples than the subrecord holds or
 *          than cap) */
MC_NODISCARD mc_status mc_ge_s5_wave_decode(const uint8_t *sub, size_t n,
                                            const mc_ge_s5_wave_type *type, float *out, size_t cap,
                                            size_t *n_out, mc_diag *d);

/** One displayed physiological value. */
typedef struct mc_ge_s5_value {
    const char *name; /* stream name: "HR", "SPO2", "SPO2_PR", "NIBP_SYS", ... (static) */
    const char *unit; /* UCUM (static) */
    float value;      /* physical, NaN for a marker */
} mc_ge_s5_value;

/** Number of values mc_ge_s5_phys_decode gives for a basic-class subrecord. */
#define MC_GE_S5_PHYS_VALUES 44

/** Decode a physiological subrecord (uint32 time, 270 bytes of groups, marker, reserved,
 *  uint16 class/level). Only the basic class is decoded; other classes give no values.
 *  Thread: any. Pure.
 *  @param out [MC_GE_S5_PHYS_VALUES]; @param n_out values written (0 for another class)
 *  @return MC_OK, MC_EFORMAT (shorter than 278 bytes) */
MC_NODISCARD mc_status mc_ge_s5_phys_decode(const uint8_t *sub, size_t n,
                                            mc_ge_s5_value out[MC_GE_S5_PHYS_VALUES], size_t *n_out,
                                            mc_diag *d);

/** Decode a whole capture held in memory into an initialised import. Waveform subrecords become
 *  regular streams at their type's rate, placed in record order: a record that follows the
 *  previous one (next r_nbr) continues it; a jump of r_nbr (records lost) or of r_time (more
 *  than 1.5 s, the 1 s resolution) inserts NaN rows as a gap "ge_s5 gap"; a record whose time
 *  lies before the stream's end (a capture restarted, data repeated) is dropped and counted.
 *  Displayed values become irregular streams (time = r_time), created at their first valid
 *  value; a record not later than the stream's last one is dropped. A record whose r_time is
 *  more than 600 s from both neighbouring records while they agree with each other is taken for
 *  a corrupted frame that passed the 8-bit checksum, and skipped (counted). start_unix_ns is the
 *  earliest r_time of the other records. Bad frames and records that do not parse are counted,
 *  never fatal. Thread: one per import. Allocates.
 *  @param stats optional: the frame decoder's counts
 *  @param d on MC_OK, a note with the counts (frames good/bad, records dropped)
 *  @return MC_OK, MC_EFORMAT (no good frame at all: the counts are in the diagnostic),
 *          MC_ENOMEM */
MC_NODISCARD mc_status mc_ge_s5_read(const uint8_t *bytes, size_t n, mc_import *out,
                                     mc_ge_s5_stats *stats, mc_diag *d);

/** 1 when the first bytes hold a frame (0x7E, then a record with a right checksum, or at least
 *  a plausible header: r_len 40..4096 and maintype < 16 after the first flag), or, when the
 *  content cannot tell, the name ends in ".raw" and a 0x7E flag is present. Pure. Thread: any. */
int mc_ge_s5_detect(const uint8_t *head, size_t n, const char *name);

/** Import a capture file (mc_ge_s5_read); sets format "ge_s5" and the source name; the
 *  diagnostic starts with the file's name. Thread: one per import. Allocates, reads the file.
 *  @return MC_OK, MC_ENOTFOUND, MC_EIO, and as mc_ge_s5_read */
MC_NODISCARD mc_status mc_ge_s5_import(const char *path, mc_import *out, mc_diag *d);

#endif
