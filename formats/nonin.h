/* SPDX-License-Identifier: MIT */
/* formats/nonin.h: Nonin pulse-oximeter serial data formats 2, 7 and 8 (DEVICES.md section 3, from
 * the Nonin 9560 Bluetooth specification): an incremental decoder that live drivers and replays
 * push the bytes of a serial port into, with a callback per frame and per packet of numerics, and
 * the encoders an emulator needs (one 25-frame packet, one format-8 record, the format-select
 * command and its parser).
 *
 * Formats 2 and 7: 5-byte frames at 75 Hz, 25 frames = 1 packet (1/3 s), checksum = sum of the 4
 * other bytes mod 256. Format 2 is `[0x01][STATUS][PLETH][FLOAT][CHK]` (8-bit pleth), format 7
 * `[STATUS][PLETH MSB][PLETH LSB][FLOAT][CHK]` (16-bit pleth). STATUS has bit 7 set, bit 0 (SYNC)
 * on frame 1 of a packet; FLOAT (0..127) carries one byte of the numerics per frame, by the
 * frame's index in its packet. Format 8: 4-byte records at 1 Hz
 * `[STATUS1][HR-D LSB7][SpO2-D][STATUS2]`, no checksum, STATUS1 alone has bit 7 set.
 *
 * Not decoded: format 1 / ASCII and format 13 (SmartPoint spot checks), the FLOAT bytes SREV and
 * TMR and the reserved ones (they are received, not reported), the set-clock command. */
#ifndef MC_FORMATS_NONIN_H
#define MC_FORMATS_NONIN_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"

/** Frames per packet in formats 2 and 7. */
#define MC_NONIN_FRAMES_PER_PACKET 25
/** Bytes of one frame (formats 2, 7) and of one record (format 8). */
#define MC_NONIN_FRAME_BYTES   5
#define MC_NONIN_RECORD8_BYTES 4
/** Bytes of one encoded packet (formats 2, 7): 25 frames of 5 bytes. */
#define MC_NONIN_PACKET_BYTES (MC_NONIN_FRAMES_PER_PACKET * MC_NONIN_FRAME_BYTES)
/** Frame rate of formats 2 and 7, Hz; record rate of format 8, Hz. */
#define MC_NONIN_FRAME_RATE_HZ   75
#define MC_NONIN_RECORD8_RATE_HZ 1

/** STATUS bits of a format 2/7 frame (bit 7 is always set). */
enum {
    MC_NONIN_STATUS_SYNC = 0x01, /* frame 1 of a packet */
    MC_NONIN_STATUS_GPRF = 0x02, /* green perfusion (with RPRF: yellow) */
    MC_NONIN_STATUS_RPRF = 0x04, /* red perfusion */
    MC_NONIN_STATUS_SNSA = 0x08, /* sensor alarm */
    MC_NONIN_STATUS_OOT = 0x10,  /* out of track */
    MC_NONIN_STATUS_ARTF = 0x20, /* artifact */
};

/** Flags of the numerics (mc_nonin_numerics.flags). Formats 2/7 give SPA and LOW_BATTERY (from
 *  STAT2, frame 8); format 8 gives all of them (STATUS1 and STATUS2). */
enum {
    MC_NONIN_FLAG_SPA = 0x01,         /* SmartPoint algorithm (high quality reading) */
    MC_NONIN_FLAG_LOW_BATTERY = 0x02, /* low battery */
    MC_NONIN_FLAG_OOT = 0x04,         /* format 8: out of track */
    MC_NONIN_FLAG_LPRF = 0x08,        /* format 8: low perfusion */
    MC_NONIN_FLAG_MPRF = 0x10,        /* format 8: marginal perfusion */
    MC_NONIN_FLAG_ARTF = 0x20,        /* format 8: artifact */
    MC_NONIN_FLAG_SNSA = 0x40,        /* format 8: sensor alarm */
};

/** One good frame of format 2 or 7. */
typedef struct mc_nonin_frame {
    float pleth;    /* the device's pleth count: 0..255 (format 2) or 0..65535 (format 7) */
    uint8_t status; /* the STATUS byte as received (MC_NONIN_STATUS_* bits, bit 7 set) */
    uint8_t artifact, out_of_track, sensor_alarm; /* STATUS bits 5, 4, 3 (0 or 1) */
    uint8_t red_perfusion, green_perfusion, sync; /* STATUS bits 2, 1, 0 (0 or 1) */
    uint8_t value; /* the FLOAT byte (0..127): the numerics byte of this index */
    uint8_t index; /* 1..25 within its packet (SYNC = 1), 0 when the position is unknown */
    int32_t lost;  /* frames lost since the previous good frame, -1 when it cannot be known */
} mc_nonin_frame;

/** Numerics of one packet (formats 2, 7) or one record (format 8). Values are physical (HR in
 *  beats/min, SpO2 in %), NaN for the device's "missing" sentinels (HR 511, SpO2 127) and, in
 *  formats 2/7, for bytes of frames not received in that packet. */
typedef struct mc_nonin_numerics {
    int format;        /* 2, 7 or 8 */
    float hr;          /* /min, 4-beat average, updated every 1/3 s (format 8: = hr_d) */
    float spo2;        /* %, 4-beat average (format 8: = spo2_d) */
    float hr_d;        /* /min, display-formatted (1.5 s update) */
    float spo2_d;      /* %, display-formatted */
    float spo2_fast;   /* %, fast average (formats 2/7 only) */
    float spo2_bb;     /* %, beat to beat (formats 2/7 only) */
    float e_hr;        /* /min, extended (8-beat) average (formats 2/7 only) */
    float e_spo2;      /* %, extended average (formats 2/7 only) */
    float e_spo2_d;    /* %, extended, display-formatted (formats 2/7 only) */
    float e_hr_d;      /* /min, extended, display-formatted (formats 2/7 only) */
    uint32_t flags;    /* MC_NONIN_FLAG_* */
    uint8_t has_stat2; /* formats 2/7: 1 when frame 8 (STAT2) was received (else no flags) */
    uint8_t complete;  /* formats 2/7: all 25 frames received, in turn; format 8: always 1 */
    uint8_t n_frames;  /* formats 2/7: frames of the packet received (1..25); format 8: 1 */
} mc_nonin_numerics;

/** Numerics with every value missing (NaN) and no flag: a start for an emulator that sets only
 *  some values. Thread: any. */
mc_nonin_numerics mc_nonin_numerics_default(void);

/** Callbacks of the decoder (either may be NULL). The structs are the decoder's and valid during
 *  the call only. A status other than MC_OK stops mc_nonin_decoder_push, which returns it. */
typedef struct mc_nonin_callbacks {
    /** Every good frame of format 2/7 (never called in format 8). At the end of a packet the
     *  numerics callback comes after the frame callback of frame 25; a packet closed by the next
     *  packet's frame is reported before that frame. */
    mc_status (*frame)(void *ctx, const mc_nonin_frame *f);
    /** Every packet (formats 2/7: at its frame 25, at the next SYNC frame, or when a later frame
     *  shows that the packet is over) and every format-8 record. */
    mc_status (*numerics)(void *ctx, const mc_nonin_numerics *n);
} mc_nonin_callbacks;

/** Counts kept by the decoder (zeroed by reset only). */
typedef struct mc_nonin_stats {
    uint64_t frames_good;   /* good frames (formats 2/7) or records (format 8) */
    uint64_t bad_frames;    /* frames rejected where a frame was due (right after a good one) */
    uint64_t bad_checksums; /* candidate frames with the fixed bits right but a wrong checksum */
    uint64_t skipped_bytes; /* bytes discarded while (re)synchronising (and by finish) */
    uint64_t frames_lost;   /* sum of the known `lost` counts of the frames */
    uint64_t packets;       /* numerics callbacks of formats 2/7 (packets closed) */
    uint64_t packets_incomplete; /* of those, packets with frames missing (or misplaced) */
    uint64_t sync_out_of_turn;   /* SYNC frames where a whole number of frames after the last
                                    known position does not lead to frame 1 */
} mc_nonin_stats;

/** The incremental decoder: a caller-allocated value, no allocation. Fields other than `stats`
 *  are private. Thread: one per decoder. Initialise with mc_nonin_decoder_reset. */
typedef struct mc_nonin_decoder {
    int format;
    uint8_t win[MC_NONIN_FRAME_BYTES]; /* candidate frame being received */
    size_t len;
    int in_sync;        /* the window starts right after a good frame */
    int have_prev;      /* a good frame was seen */
    int pos;            /* index of the last good frame, 0 unknown */
    uint64_t gap_bytes; /* bytes skipped since the last good frame */
    int pkt_open, pkt_last, pkt_suspect;
    uint32_t pkt_got; /* bit i: frame i+1 of the packet received */
    uint8_t pkt_value[MC_NONIN_FRAMES_PER_PACKET];
    mc_nonin_stats stats;
} mc_nonin_decoder;

/** Start decoding `format` with no partial frame, no packet and zero counts. Thread: one per
 *  decoder. Real-time safe.
 *  @param format 2, 7 or 8
 *  @return MC_OK, MC_EINVAL (another format: the decoder is then unusable until a good reset) */
MC_NODISCARD mc_status mc_nonin_decoder_reset(mc_nonin_decoder *dec, int format);

/** Push any number of bytes (any split: a frame may span pushes; the callbacks are the same for
 *  every split). Frames are found by sliding one byte at a time until a candidate has the fixed
 *  bits of the format (format 2: first byte 0x01; 2/7: STATUS bit 7 set, FLOAT < 0x80, right
 *  checksum; 8: first byte >= 0x80, the other three < 0x80). A frame's index comes from the SYNC
 *  bit and from the number of bytes skipped since the previous good frame: a gap of a whole number
 *  k of frames means k frames lost; any other gap (bytes dropped or inserted) makes the index
 *  unknown (0) until the next SYNC, where the loss is taken as the smallest count consistent with
 *  both positions, plus the whole packets that the skipped bytes hold. Bytes inserted in multiples
 *  of 5 cannot be told from lost frames. Whole frames that vanish without a byte (a host buffer
 *  dropped) are seen only at the next SYNC, which comes out of turn: it counts the frames missing
 *  from the packet as lost (stats.sync_out_of_turn), and that packet, whose later frames were
 *  placed at wrong indexes, is reported with complete = 0. Nothing is fatal: bad frames and skipped
 * bytes are counted. Thread: one per decoder. Real-time safe (no allocation, no I/O).
 *  @param cb callbacks (NULL: only count)
 *  @return MC_OK, or the first non-OK status of a callback (the rest of the bytes is not read) */
MC_NODISCARD mc_status mc_nonin_decoder_push(mc_nonin_decoder *dec, const uint8_t *bytes, size_t n,
                                             const mc_nonin_callbacks *cb, void *ctx);

/** End of the stream: report the packet in progress (incomplete) and count the bytes of a partial
 *  frame as skipped. The decoder can then take new bytes (positions are unknown until a SYNC).
 *  Thread: one per decoder.
 *  @return MC_OK or the numerics callback's status */
MC_NODISCARD mc_status mc_nonin_decoder_finish(mc_nonin_decoder *dec, const mc_nonin_callbacks *cb,
                                               void *ctx);

/** Encode one packet of 25 frames (format 2 or 7) for an emulator. Pleth values are rounded to
 *  the nearest count and clamped to the format's range (0..255 or 0..65535; NaN becomes 0); the
 *  number of values changed by clamping is reported in *n_clamped. The STATUS byte of frame i is
 *  0x80 | (status[i] & 0x3E), plus SYNC on frame 1 (bits 7, 6 and 0 of status[] are ignored). The
 *  FLOAT bytes carry the numerics in the device's schedule: NaN is written as the missing
 *  sentinel (HR 511, SpO2 127); STAT2 (frame 8) has SPA and LOW_BATTERY from num->flags; SREV,
 *  TMR and reserved bytes are 0. Pure. Thread: any.
 *  @param pleth     [25] pleth counts
 *  @param status    [n_status] status bits: n_status 1 (the same for every frame) or 25
 *  @param num       the numerics (format, has_stat2, complete, n_frames are ignored)
 *  @param out       [cap] bytes; cap >= MC_NONIN_PACKET_BYTES
 *  @param len       bytes written (MC_NONIN_PACKET_BYTES)
 *  @param n_clamped optional (NULL allowed): pleth values clamped
 *  @return MC_OK; MC_EINVAL (format not 2 or 7, n_status not 1 or 25, an HR not NaN and outside
 *          0..510 after rounding, an SpO2 not NaN and outside 0..126); MC_EOVERRUN (cap too
 *          small). On failure nothing is written. */
MC_NODISCARD mc_status mc_nonin_packet_encode(int format, const float pleth[25],
                                              const uint8_t *status, size_t n_status,
                                              const mc_nonin_numerics *num, uint8_t *out,
                                              size_t cap, size_t *len, size_t *n_clamped);

/** Encode one format-8 record. Pure. Thread: any.
 *  @param hr_bpm   display HR, rounded, 0..510, or NaN (written as 511)
 *  @param spo2_pct display SpO2, rounded, 0..126, or NaN (written as 127)
 *  @param flags    MC_NONIN_FLAG_*: OOT, LPRF, MPRF, ARTF into STATUS1; SPA, SNSA, LOW_BATTERY
 *                  into STATUS2 (other bits ignored)
 *  @param out      [4] bytes
 *  @return MC_OK, MC_EINVAL (a value out of range: nothing written) */
MC_NODISCARD mc_status mc_nonin_format8_encode(float hr_bpm, float spo2_pct, uint32_t flags,
                                               uint8_t out[MC_NONIN_RECORD8_BYTES]);

/** Bytes of the format-select command and of its answers. */
#define MC_NONIN_COMMAND_BYTES 6
#define MC_NONIN_ACK           0x06
#define MC_NONIN_NAK           0x15

/** The format-select command `02 70 02 02 <fmt> 03` (STX, op 0x70, size 2, type 2, format, ETX).
 *  Thread: any.
 *  @param format 2, 7, 8 or 13 (the formats the 9560 accepts)
 *  @param out    [6] bytes
 *  @return MC_OK, MC_EINVAL (another format: nothing written) */
MC_NODISCARD mc_status mc_nonin_format_command(int format, uint8_t out[MC_NONIN_COMMAND_BYTES]);

/** Recognise a format-select command at the start of `bytes` (for an emulator, which answers
 *  MC_NONIN_ACK when it supports *format, MC_NONIN_NAK otherwise). Thread: any. Pure.
 *  @param n      bytes available
 *  @param format receives the requested format byte (any value, 0..255) on MC_OK
 *  @return MC_OK (the 6 bytes are a command); MC_END (n < 6 and the bytes are the start of a
 *          command: wait for more); MC_EFORMAT (not a command: the first byte can be dropped) */
MC_NODISCARD mc_status mc_nonin_format_command_parse(const uint8_t *bytes, size_t n, int *format);

#endif
