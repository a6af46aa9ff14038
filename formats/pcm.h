/* SPDX-License-Identifier: MIT */
/* formats/pcm.h: raw interleaved PCM, as an ADC or a sound card delivers it (`arecord -t raw`):
 * the sample formats, and an incremental decoder of a byte stream into frames of integer counts
 * (a frame may be split across pushes). The analog outputs of flowmeters and oximeters reach
 * mcirc this way (acquisition/driver_pcm.c applies each channel's gain and offset). */
#ifndef MC_FORMATS_PCM_H
#define MC_FORMATS_PCM_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/status.h"

typedef enum mc_pcm_format {
    MC_PCM_S16LE = 0, /* signed 16-bit little-endian (arecord S16_LE) */
    MC_PCM_S16BE,     /* signed 16-bit big-endian */
    MC_PCM_S24LE,     /* signed 24-bit packed in 3 bytes, little-endian (S24_3LE) */
    MC_PCM_S32LE,     /* signed 32-bit little-endian */
    MC_PCM_U8,        /* unsigned 8-bit, 128 = zero */
    MC_PCM_F32LE,     /* IEEE float32 little-endian: the value itself */
} mc_pcm_format;

enum { MC_PCM_MAX_CHANNELS = 32 };

/** Parse a format name: s16le, s16be, s24le (or s24_3le), s32le, u8, f32le, in any case and
 *  with or without underscores (arecord's S16_LE). Thread: any.
 *  @return MC_OK or MC_EINVAL */
MC_NODISCARD mc_status mc_pcm_format_parse(const char *name, mc_pcm_format *out);

/** Bytes of one sample. Thread: any. */
size_t mc_pcm_sample_bytes(mc_pcm_format f);

/** The incremental decoder: a caller-allocated value. Fields private. */
typedef struct mc_pcm_decoder {
    mc_pcm_format format;
    uint32_t n_channels;
    size_t frame_bytes;
    uint8_t partial[4 * MC_PCM_MAX_CHANNELS];
    size_t n_partial;
    uint64_t frames;
} mc_pcm_decoder;

/** Start with no partial frame. Thread: one per decoder.
 *  @return MC_OK, MC_EINVAL (channels outside 1..MC_PCM_MAX_CHANNELS) */
MC_NODISCARD mc_status mc_pcm_decoder_init(mc_pcm_decoder *dec, mc_pcm_format format,
                                           uint32_t n_channels);

/** Called for each complete frame: n_channels values (integer counts, or the float32 value;
 *  a non-finite float32 is passed as NaN). */
typedef void (*mc_pcm_frame_fn)(void *ctx, const double *values);

/** Push any number of bytes. Thread: one per decoder. Real-time safe. */
void mc_pcm_decoder_push(mc_pcm_decoder *dec, const uint8_t *bytes, size_t n, mc_pcm_frame_fn fn,
                         void *ctx);

/** Encode one frame (the emulator's side): values are clamped to the format's range and
 *  rounded. Thread: any. @param out [n_channels * mc_pcm_sample_bytes] bytes */
void mc_pcm_encode_frame(mc_pcm_format f, uint32_t n_channels, const double *values, uint8_t *out);

#endif
