/* SPDX-License-Identifier: MIT */
/* formats/pcm.c: raw interleaved PCM samples. */
#include "formats/pcm.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

mc_status mc_pcm_format_parse(const char *name, mc_pcm_format *out)
{
    static const struct {
        const char *name;
        mc_pcm_format f;
    } names[] = {
        {"s16le", MC_PCM_S16LE},  {"s16be", MC_PCM_S16BE},   {"s24le", MC_PCM_S24LE},
        {"s243le", MC_PCM_S24LE}, {"s32le", MC_PCM_S32LE},   {"u8", MC_PCM_U8},
        {"f32le", MC_PCM_F32LE},  {"floatle", MC_PCM_F32LE},
    };
    char norm[16];
    size_t n = 0;
    for (const char *c = name; c && *c; c++) {
        if (*c == '_')
            continue;
        if (n + 1 == sizeof norm)
            return MC_EINVAL;
        norm[n++] = (char)tolower((unsigned char)*c);
    }
    norm[n] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(norm, names[i].name) == 0) {
            *out = names[i].f;
            return MC_OK;
        }
    return MC_EINVAL;
}

size_t mc_pcm_sample_bytes(mc_pcm_format f)
{
    switch (f) {
    case MC_PCM_S16LE:
    case MC_PCM_S16BE:
        return 2;
    case MC_PCM_S24LE:
        return 3;
    case MC_PCM_U8:
        return 1;
    case MC_PCM_S32LE:
    case MC_PCM_F32LE:
    default:
        return 4;
    }
}

mc_status mc_pcm_decoder_init(mc_pcm_decoder *dec, mc_pcm_format format, uint32_t n_channels)
{
    if (n_channels < 1 || n_channels > MC_PCM_MAX_CHANNELS)
        return MC_EINVAL;
    memset(dec, 0, sizeof *dec);
    dec->format = format;
    dec->n_channels = n_channels;
    dec->frame_bytes = mc_pcm_sample_bytes(format) * n_channels;
    return MC_OK;
}

static double sample(mc_pcm_format f, const uint8_t *b)
{
    switch (f) {
    case MC_PCM_S16LE:
        return (double)(int16_t)(uint16_t)(b[0] | b[1] << 8);
    case MC_PCM_S16BE:
        return (double)(int16_t)(uint16_t)(b[1] | b[0] << 8);
    case MC_PCM_S24LE: {
        int32_t v = (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16);
        return (double)(v >= 0x800000 ? v - 0x1000000 : v);
    }
    case MC_PCM_S32LE:
        return (double)(int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                                 (uint32_t)b[3] << 24);
    case MC_PCM_U8:
        return (double)b[0] - 128.0;
    case MC_PCM_F32LE:
    default: {
        uint32_t u =
            (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        float x;
        memcpy(&x, &u, sizeof x);
        return isfinite(x) ? (double)x : (double)NAN;
    }
    }
}

static void deliver(const mc_pcm_decoder *dec, const uint8_t *frame, mc_pcm_frame_fn fn, void *ctx)
{
    double v[MC_PCM_MAX_CHANNELS];
    size_t sb = mc_pcm_sample_bytes(dec->format);
    for (uint32_t c = 0; c < dec->n_channels; c++)
        v[c] = sample(dec->format, frame + c * sb);
    fn(ctx, v);
}

void mc_pcm_decoder_push(mc_pcm_decoder *dec, const uint8_t *bytes, size_t n, mc_pcm_frame_fn fn,
                         void *ctx)
{
    size_t fb = dec->frame_bytes;
    if (dec->n_partial > 0) {
        size_t take = fb - dec->n_partial < n ? fb - dec->n_partial : n;
        memcpy(dec->partial + dec->n_partial, bytes, take);
        dec->n_partial += take;
        bytes += take;
        n -= take;
        if (dec->n_partial < fb)
            return;
        deliver(dec, dec->partial, fn, ctx);
        dec->frames++;
        dec->n_partial = 0;
    }
    for (; n >= fb; bytes += fb, n -= fb) {
        deliver(dec, bytes, fn, ctx);
        dec->frames++;
    }
    memcpy(dec->partial, bytes, n);
    dec->n_partial = n;
}

static int64_t clamp_round(double x, double lo, double hi)
{
    if (!(x == x))
        return 0;
    x = x < lo ? lo : x > hi ? hi : x;
    return (int64_t)llround(x);
}

void mc_pcm_encode_frame(mc_pcm_format f, uint32_t n_channels, const double *values, uint8_t *out)
{
    size_t sb = mc_pcm_sample_bytes(f);
    for (uint32_t c = 0; c < n_channels; c++, out += sb) {
        double x = values[c];
        uint32_t u;
        switch (f) {
        case MC_PCM_S16LE:
        case MC_PCM_S16BE:
            u = (uint32_t)clamp_round(x, -32768, 32767);
            out[f == MC_PCM_S16LE ? 0 : 1] = (uint8_t)u;
            out[f == MC_PCM_S16LE ? 1 : 0] = (uint8_t)(u >> 8);
            break;
        case MC_PCM_S24LE:
            u = (uint32_t)clamp_round(x, -8388608, 8388607);
            out[0] = (uint8_t)u;
            out[1] = (uint8_t)(u >> 8);
            out[2] = (uint8_t)(u >> 16);
            break;
        case MC_PCM_U8:
            out[0] = (uint8_t)(clamp_round(x, -128, 127) + 128);
            break;
        case MC_PCM_S32LE:
        case MC_PCM_F32LE:
        default:
            if (f == MC_PCM_S32LE) {
                u = (uint32_t)clamp_round(x, -2147483648.0, 2147483647.0);
            } else {
                float y = (float)x;
                memcpy(&u, &y, sizeof u);
            }
            for (int k = 0; k < 4; k++)
                out[k] = (uint8_t)(u >> (8 * k));
            break;
        }
    }
}
