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

/** Where a displayed value lies in a basic-class physiological subrecord. */
typedef struct mc_ge_s5_phys_field {
    uint16_t offset;  /* byte offset of its int16 in the subrecord (after the 4-byte time) */
    const char *name; /* stream name, as in mc_ge_s5_value */
    const char *unit; /* UCUM */
    double scale;     /* physical units per count */
} mc_ge_s5_phys_field;

/** The i-th value mc_ge_s5_phys_decode gives (the order of its `out`), or NULL when
 *  i >= MC_GE_S5_PHYS_VALUES. Static table. Thread: any. */
const mc_ge_s5_phys_field *mc_ge_s5_phys_field_at(size_t i);

/** Index of a displayed value by stream name ("SPO2", "SPO2_PR", ...): its position in
 *  mc_ge_s5_phys_decode's `out`, or MC_GE_S5_PHYS_VALUES when unknown. Thread: any. Pure. */
size_t mc_ge_s5_phys_index(const char *name);

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

/* ---- encoders (formats/ge_s5_encode.c): requests for a live driver, records for an emulator ----
 *
 * What they rely on (the GE specification M1017413 was not available; the layouts below are read
 * from python-pycollect's headers.py, device.py and dataconstants.py, and from the monitor's own
 * records in FORMATS.md section 8's captures):
 * - A frame is 0x7E, the record and a checksum byte with 0x7E and 0x7D escaped as 0x7D, x ^ 0x20,
 *   then 0x7E; the checksum is the sum of the unescaped record bytes modulo 256 (as the monitor
 *   sends it: 21/21 frames of raw.raw). pycollect computes its requests' checksum over the escaped
 *   bytes and does not escape the checksum; the two agree whenever no byte needs escaping, which
 *   holds for every request below except intervals or lengths holding 0x7D/0x7E.
 * - The port (pycollect device.py): 19200 baud, 8 data bits, even parity, 1 stop bit, RTS/CTS.
 * - A request is a record with the 40-byte header (r_len, r_nbr 0, dri_level 0, plug_id 0, r_time
 *   0, reserved 0), one subrecord at offset 0 and 0xFF as the second subrecord type; the other
 *   table entries are zero.
 * - Physiological transmission request: maintype 0, sr_type 0 (DRI_PH_XMIT_REQ), body of 9 bytes
 *   = uint8 phdb_rcrd_type (1 displayed values, 2 10-s trend, 3 60-s trend), int16 tx_interval
 *   (s; 0 stops that transmission), uint32 phdb_class_bf (bit 0 denies the basic class, bits 1..3
 *   ask for ext1..ext3), uint16 reserved 0; r_len 49.
 * - Waveform request: maintype 1, sr_type 0 (CMD), body of 32 bytes = uint16 req_type (0
 *   continuous start, 1 stop, 2 timed start), uint16 res (snapshot duration for a timed start,
 *   otherwise 0), uint8 type[8] (the wave sr_types, ended by 0xFF unless 8 are listed, zero after
 *   the end; all zero in a stop, as pycollect sends it), 20 reserved zero bytes; r_len 72. The
 *   monitor sends at most 600 samples/s of waves and ignores the types beyond.
 * - Records the monitor sends (checked against raw.raw): dri_level 10 in the header, r_nbr counting
 *   per main type, r_time the unix time; a displayed-values subrecord (sr_type 1) is the 4-byte
 *   time, 270 bytes of groups (each a uint32 status, bit 0 "exists" and bit 1 "active", a uint16
 *   label, then int16 values; invalid values -32767), a marker and a reserved byte, and a uint16
 *   cl_drilvl_subt = class << 8 | dri_level << 4 | subtype (0x00A1: basic class, level 10,
 *   displayed). */

/** Bytes that mc_ge_s5_frame_encode may write for a record of n bytes (every byte and the
 *  checksum escaped, two flags). */
#define MC_GE_S5_FRAME_ENCODED_MAX(n) (2 * ((size_t)(n) + 1) + 2)
/** Room enough for any request mc_ge_s5_request_encode writes, and for mc_ge_s5_request_stop's
 *  four frames. */
#define MC_GE_S5_REQUEST_BYTES_MAX 512
/** dri_level written in the records of the emulator (the monitor of the captures: 10). */
#define MC_GE_S5_DRI_LEVEL 10

/** Frame a record: 0x7E, the record and its checksum (sum of the record bytes modulo 256) with
 *  0x7E and 0x7D escaped, 0x7E. The inverse of mc_ge_s5_decoder_push. Thread: any. Pure.
 *  @param n record bytes, 40..MC_GE_S5_FRAME_MAX - 1 (what the decoder accepts)
 *  @param cap room in out; MC_GE_S5_FRAME_ENCODED_MAX(n) always suffices
 *  @param len bytes written
 *  @return MC_OK, MC_EINVAL (n out of range, or cap too small for this record: nothing useful is
 *          written) */
MC_NODISCARD mc_status mc_ge_s5_frame_encode(const uint8_t *record, size_t n, uint8_t *out,
                                             size_t cap, size_t *len, mc_diag *d);

/** Kinds of transmission request. */
typedef enum mc_ge_s5_request_kind {
    MC_GE_S5_REQUEST_PHYS = 1,   /* physiological data: start (interval > 0) or stop (0) */
    MC_GE_S5_REQUEST_WAVE_START, /* continuous waveforms of wave_types */
    MC_GE_S5_REQUEST_WAVE_STOP,  /* stop every waveform */
    MC_GE_S5_REQUEST_WAVE_TIMED, /* a timed snapshot of wave_types (parsed, not used) */
} mc_ge_s5_request_kind;

/** phdb_rcrd_type values: displayed values, 10-s and 60-s trends. */
enum { MC_GE_S5_PHYS_DISPLAYED = 1, MC_GE_S5_PHYS_TREND_10S = 2, MC_GE_S5_PHYS_TREND_60S = 3 };
/** phdb_class_bf bits. 0 asks for the basic class only. */
enum {
    MC_GE_S5_CLASS_DENY_BASIC = 0x1,
    MC_GE_S5_CLASS_EXT1 = 0x2,
    MC_GE_S5_CLASS_EXT2 = 0x4,
    MC_GE_S5_CLASS_EXT3 = 0x8,
};

/** A transmission request, as encoded and parsed (fields not of its kind are zero). */
typedef struct mc_ge_s5_request {
    mc_ge_s5_request_kind kind;
    uint8_t phys_type;   /* PHYS: MC_GE_S5_PHYS_DISPLAYED, _TREND_10S or _TREND_60S */
    int16_t interval_s;  /* PHYS: transmission interval, s; 0 stops (negative: parsed only) */
    uint32_t class_mask; /* PHYS: MC_GE_S5_CLASS_* bits */
    uint16_t duration;   /* WAVE_TIMED: the res field (snapshot duration, unit not documented) */
    size_t n_waves;      /* WAVE_START, WAVE_TIMED: wave types listed, 1..8 */
    uint8_t wave_types[8];
} mc_ge_s5_request;

/** Encode a request as one complete frame, ready to write to the port. Wave types must be
 *  known to mc_ge_s5_wave_type_find, listed once each, and their rates add up to at most 600
 *  samples/s (the monitor's limit). Thread: any. Pure.
 *  @param cap room in out (MC_GE_S5_REQUEST_BYTES_MAX suffices); @param len bytes written
 *  @return MC_OK, MC_EINVAL (unknown kind or phys_type, interval < 0, class bits beyond 0xF,
 *          no or more than 8 wave types, an unknown or repeated type, more than 600 samples/s,
 *          cap too small) */
MC_NODISCARD mc_status mc_ge_s5_request_encode(const mc_ge_s5_request *req, uint8_t *out,
                                               size_t cap, size_t *len, mc_diag *d);

/** The displayed values (basic class) every interval_s seconds, as one frame. Thread: any. Pure.
 *  @param interval_s 1..32767 @return as mc_ge_s5_request_encode */
MC_NODISCARD mc_status mc_ge_s5_request_displayed(int16_t interval_s, uint8_t *out, size_t cap,
                                                  size_t *len, mc_diag *d);

/** Continuous waveforms of types[0..n) (e.g. 8 for PLETH), as one frame. Thread: any. Pure.
 *  @return as mc_ge_s5_request_encode */
MC_NODISCARD mc_status mc_ge_s5_request_waves(const uint8_t *types, size_t n, uint8_t *out,
                                              size_t cap, size_t *len, mc_diag *d);

/** Stop everything, as pycollect's stop() does: four frames one after the other (waveforms
 *  stop, then interval 0 for the displayed values, the 10-s and the 60-s trends). A driver
 *  sends them before its requests too, to start from a quiet monitor. Thread: any. Pure.
 *  @param cap MC_GE_S5_REQUEST_BYTES_MAX suffices @return MC_OK, MC_EINVAL (cap too small) */
MC_NODISCARD mc_status mc_ge_s5_request_stop(uint8_t *out, size_t cap, size_t *len, mc_diag *d);

/** Recognise a request in a record (a frame that mc_ge_s5_decoder_push delivered): for an
 *  emulator. Fields the request does not use are ignored (reserved bytes, r_nbr, r_time).
 *  Thread: any. Pure.
 *  @return MC_OK, MC_EFORMAT (not a request: r_len differs from n, too short, a subrecord type
 *          other than 0 at offset 0, an unknown main type, phdb_rcrd_type or req_type, a wave
 *          type list without types or holding type 0) with the byte offset in the record */
MC_NODISCARD mc_status mc_ge_s5_request_parse(const uint8_t *rec, size_t n, mc_ge_s5_request *out,
                                              mc_diag *d);

/** One waveform subrecord to encode: samples in physical units (mc_ge_s5_wave_type_find's
 *  unit). */
typedef struct mc_ge_s5_wave_block {
    uint8_t sr_type; /* e.g. 8 for PLETH */
    const float *samples;
    size_t n;
} mc_ge_s5_wave_block;

/** Encode a waveform record (maintype 1): header with r_nbr, r_time, dri_level
 *  MC_GE_S5_DRI_LEVEL, then per block act_len, status 0, reserved 0 and the samples as int16 in
 *  the type's unit (rounded to the nearest count). NaN becomes the invalid marker -32767; a value
 *  beyond the int16 range becomes the over-range (-32763) or under-range (-32764) marker, as a
 *  monitor sends it (the decoder reads all three as NaN). The record is not framed
 *  (mc_ge_s5_frame_encode). Thread: any. Pure.
 *  @param n_blocks 1..MC_GE_S5_MAX_SUBRECORDS
 *  @return MC_OK, MC_EINVAL (no block or too many, an unknown type, a record longer than
 *          MC_GE_S5_FRAME_MAX - 1 bytes, cap too small) */
MC_NODISCARD mc_status mc_ge_s5_wave_record_encode(uint8_t r_nbr, uint32_t r_time,
                                                   const mc_ge_s5_wave_block *blocks,
                                                   size_t n_blocks, uint8_t *rec, size_t cap,
                                                   size_t *len, mc_diag *d);

/** Bytes of a record from mc_ge_s5_phys_record_encode (header + one 278-byte subrecord). */
#define MC_GE_S5_PHYS_RECORD_BYTES 318

/** Encode a physiological record (maintype 0) holding one displayed-values subrecord of the
 *  basic class: its time is r_time, values[i] goes where mc_ge_s5_phys_decode reads its i-th
 *  value (mc_ge_s5_phys_field_at), as int16 counts (rounded), NaN as the invalid marker -32767,
 *  out of range as the over/under-range marker; every other value of the subrecord (flow and
 *  volume, cardiac output, NMT, SvO2, P5, P6) is the invalid marker; a group's status is 3
 *  (exists, active) when one of its values is valid, else 0; labels are 0. Not framed.
 *  Thread: any. Pure.
 *  @param cap at least MC_GE_S5_PHYS_RECORD_BYTES
 *  @return MC_OK, MC_EINVAL (cap too small) */
MC_NODISCARD mc_status mc_ge_s5_phys_record_encode(uint8_t r_nbr, uint32_t r_time,
                                                   const float values[MC_GE_S5_PHYS_VALUES],
                                                   uint8_t *rec, size_t cap, size_t *len,
                                                   mc_diag *d);

#endif
