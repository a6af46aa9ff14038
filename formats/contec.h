/* SPDX-License-Identifier: MIT */
/* formats/contec.h: Contec CMS50 pulse oximeters (CMS50D+, CMS50E, ...), the two reverse-
 * engineered live protocols of DEVICES.md section 4: an incremental decoder with a callback per
 * frame, the encoders an emulator needs, and the v4.6 host commands with their recogniser.
 *
 * Legacy (a): 19200 8O1, ~60 frames/s, 5-byte frames, bit 7 set in byte 1 only:
 *   b1: bits 3-0 signal strength, 0x10 finger out ("searching too long"), 0x20 SpO2 dropping,
 *       0x40 beep (pulse); b2: pleth (7 bits); b3: bits 3-0 bar graph, 0x10 probe error,
 *       0x20 searching, 0x40 PR bit 7; b4: PR bits 6-0; b5: SpO2 (7 bits).
 * Firmware v4.6+ (b): 115200 8N1, ~60 frames/s after the host sends the start command, 9-byte
 * frames `01 b1..b8` with bit 7 set in b1..b8: b1 bit 0 finger out, bit 1 searching; b2 bit 6
 * heartbeat marker; b3 pleth (7 bits); b4 a second waveform (meaning unsure); b5 PR (7 bits: where
 * PR bit 7 goes is not known, so PR is limited to 0..126 here); b6 SpO2 (7 bits); b7, b8 0xFF.
 *
 * Missing values: PR 0x7F (and 0xFF, i.e. 0x7F with the legacy bit 7) and SpO2 0x7F are the
 * "no value" codes of these devices. DEVICES.md does not say what the bytes hold while the
 * device searches; 0 is not a PR or SpO2 a device can display (it shows dashes), so 0 is taken
 * as missing too, whatever the flags. Both become NaN. Confidence: medium (reverse engineered);
 * the keep-alive command is from memory and not verified. */
#ifndef MC_FORMATS_CONTEC_H
#define MC_FORMATS_CONTEC_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"

/** The protocol a decoder reads or an encoder writes. */
typedef enum mc_contec_mode {
    MC_CONTEC_LEGACY = 1, /* 5-byte frames, 19200 8O1 */
    MC_CONTEC_V46 = 2,    /* 9-byte frames, 115200 8N1, firmware v4.6+ */
} mc_contec_mode;

#define MC_CONTEC_LEGACY_BYTES 5
#define MC_CONTEC_V46_BYTES    9
#define MC_CONTEC_FRAME_MAX    9
/** Nominal frame rate of both protocols, Hz (not stated for v4.6). */
#define MC_CONTEC_RATE_HZ 60

/** Flags of a frame (mc_contec_frame.flags). */
enum {
    MC_CONTEC_FINGER_OUT = 0x01,    /* legacy b1 0x10 ("searching too long"); v4.6 b1 bit 0 */
    MC_CONTEC_SEARCHING = 0x02,     /* legacy b3 0x20; v4.6 b1 bit 1 */
    MC_CONTEC_PULSE = 0x04,         /* legacy b1 0x40 (beep); v4.6 b2 bit 6 (heartbeat) */
    MC_CONTEC_SPO2_DROPPING = 0x08, /* legacy only: b1 0x20 */
    MC_CONTEC_PROBE_ERROR = 0x10,   /* legacy only: b3 0x10 */
};

/** One frame. */
typedef struct mc_contec_frame {
    float pleth;             /* 0..127, the device's count */
    float pleth2;            /* v4.6: the second waveform, 0..127; legacy: NaN */
    float pr_bpm;            /* pulse rate, /min; NaN when missing (0, 0x7F, 0xFF) */
    float spo2_pct;          /* SpO2, %; NaN when missing (0, 0x7F) */
    uint32_t flags;          /* MC_CONTEC_* */
    uint8_t signal_strength; /* legacy: 0..15; v4.6: 0 */
    uint8_t bar_graph;       /* legacy: 0..15; v4.6: 0 */
} mc_contec_frame;

/** Called for every good frame; the struct is the decoder's and valid during the call only. A
 *  status other than MC_OK stops mc_contec_decoder_push, which returns it. */
typedef mc_status (*mc_contec_frame_fn)(void *ctx, const mc_contec_frame *f);

/** Counts kept by the decoder (zeroed by reset only). */
typedef struct mc_contec_stats {
    uint64_t frames_good;
    uint64_t bad_frames;    /* frames rejected where a frame was due (right after a good one) */
    uint64_t skipped_bytes; /* bytes discarded while (re)synchronising (and by finish) */
} mc_contec_stats;

/** The incremental decoder: a caller-allocated value, no allocation. Fields other than `stats`
 *  are private. Thread: one per decoder. Initialise with mc_contec_decoder_reset. */
typedef struct mc_contec_decoder {
    mc_contec_mode mode;
    uint8_t win[MC_CONTEC_FRAME_MAX];
    size_t len;
    int in_sync;
    mc_contec_stats stats;
} mc_contec_decoder;

/** Start decoding `mode` with no partial frame and zero counts. Thread: one per decoder.
 *  @return MC_OK, MC_EINVAL (unknown mode: the decoder is unusable until a good reset) */
MC_NODISCARD mc_status mc_contec_decoder_reset(mc_contec_decoder *dec, mc_contec_mode mode);

/** Push any number of bytes (any split gives the same frames). Frames are found by sliding one
 *  byte at a time until the window has the sync bits of the mode (legacy: bit 7 set in the first
 *  byte only; v4.6: 0x01 then 8 bytes with bit 7 set; bytes 7-8 are not checked). There is no
 *  checksum and no frame counter: a corrupted byte that keeps the sync bits is not detected, and
 *  lost frames cannot be counted. Nothing is fatal. Thread: one per decoder. Real-time safe.
 *  @param fn called for every good frame (NULL: only count)
 *  @return MC_OK, or the first non-OK status of fn (the rest of the bytes is not read) */
MC_NODISCARD mc_status mc_contec_decoder_push(mc_contec_decoder *dec, const uint8_t *bytes,
                                              size_t n, mc_contec_frame_fn fn, void *ctx);

/** End of the stream: count the bytes of a partial frame as skipped and forget them.
 *  Thread: one per decoder. */
void mc_contec_decoder_finish(mc_contec_decoder *dec);

/** Encode one frame for an emulator. Pleth values (pleth, and pleth2 in v4.6) are rounded and
 *  clamped to 0..127 (NaN becomes 0); *clamped tells whether one was. PR and SpO2 are rounded;
 *  NaN is written as 0x7F (legacy PR: 0xFF). Signal strength and bar graph are masked to 4 bits.
 *  v4.6 bytes 7-8 are 0xFF. Pure. Thread: any.
 *  @param out     [MC_CONTEC_LEGACY_BYTES] or [MC_CONTEC_V46_BYTES] by mode
 *  @param clamped optional (NULL allowed): 1 when a pleth value was clamped
 *  @return MC_OK; MC_EINVAL (unknown mode; a PR outside 1..254 (legacy) or 1..126 (v4.6) or
 *          equal to 127; an SpO2 outside 1..126: such values would decode as missing or not fit;
 *          nothing is written) */
MC_NODISCARD mc_status mc_contec_frame_encode(mc_contec_mode mode, const mc_contec_frame *f,
                                              uint8_t *out, int *clamped);

/** Host commands of the v4.6 protocol (9 bytes each). */
typedef enum mc_contec_command {
    MC_CONTEC_CMD_START = 1,     /* 7D 81 A1 80 80 80 80 80 80: start live data */
    MC_CONTEC_CMD_KEEPALIVE = 2, /* 7D 81 AF 80 80 80 80 80 80: keep-alive (unverified) */
} mc_contec_command;

#define MC_CONTEC_COMMAND_BYTES 9

/** The bytes of a command. Thread: any.
 *  @return MC_OK, MC_EINVAL (unknown command: nothing written) */
MC_NODISCARD mc_status mc_contec_command_bytes(mc_contec_command cmd,
                                               uint8_t out[MC_CONTEC_COMMAND_BYTES]);

/** Recognise a command at the start of `bytes` (for an emulator). Thread: any. Pure.
 *  @param cmd receives the command on MC_OK
 *  @return MC_OK (9 bytes, a known command); MC_END (fewer than 9 bytes, the start of a known
 *          command: wait for more); MC_EFORMAT (not a known command: the first byte can be
 *          dropped) */
MC_NODISCARD mc_status mc_contec_command_parse(const uint8_t *bytes, size_t n,
                                               mc_contec_command *cmd);

#endif
