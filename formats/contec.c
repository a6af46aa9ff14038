/* SPDX-License-Identifier: MIT */
/* formats/contec.c: Contec CMS50 live protocols (formats/contec.h): the sliding-window decoder of
 * the legacy 5-byte and the v4.6 9-byte frames, the frame encoder, and the v4.6 host commands. */
#include "formats/contec.h"

#include <assert.h>
#include <math.h>
#include <string.h>

enum { MISSING = 0x7F };

static size_t frame_bytes(mc_contec_mode mode)
{
    return mode == MC_CONTEC_LEGACY ? MC_CONTEC_LEGACY_BYTES : MC_CONTEC_V46_BYTES;
}

mc_status mc_contec_decoder_reset(mc_contec_decoder *dec, mc_contec_mode mode)
{
    memset(dec, 0, sizeof *dec);
    if (mode != MC_CONTEC_LEGACY && mode != MC_CONTEC_V46)
        return MC_EINVAL;
    dec->mode = mode;
    return MC_OK;
}

/* 1 when the first `len` bytes of the window have the sync bits of the mode. */
static int window_ok(const mc_contec_decoder *dec, size_t len)
{
    const uint8_t *w = dec->win;
    if (dec->mode == MC_CONTEC_LEGACY) {
        if (!(w[0] & 0x80))
            return 0;
        for (size_t i = 1; i < len; i++)
            if (w[i] & 0x80)
                return 0;
        return 1;
    }
    if (w[0] != 0x01)
        return 0;
    for (size_t i = 1; i < len; i++)
        if (!(w[i] & 0x80))
            return 0;
    return 1;
}

static float pr_value(unsigned v)
{
    return v == 0 || v == 0x7F || v == 0xFF ? NAN : (float)v;
}

static float spo2_value(unsigned v)
{
    return v == 0 || v == MISSING ? NAN : (float)v;
}

static void decode(const mc_contec_decoder *dec, mc_contec_frame *f)
{
    const uint8_t *w = dec->win;
    memset(f, 0, sizeof *f);
    if (dec->mode == MC_CONTEC_LEGACY) {
        f->signal_strength = w[0] & 0x0F;
        f->flags =
            (w[0] & 0x10 ? MC_CONTEC_FINGER_OUT : 0u) |
            (w[0] & 0x20 ? MC_CONTEC_SPO2_DROPPING : 0u) | (w[0] & 0x40 ? MC_CONTEC_PULSE : 0u) |
            (w[2] & 0x10 ? MC_CONTEC_PROBE_ERROR : 0u) | (w[2] & 0x20 ? MC_CONTEC_SEARCHING : 0u);
        f->pleth = (float)w[1];
        f->pleth2 = NAN;
        f->bar_graph = w[2] & 0x0F;
        f->pr_bpm = pr_value((unsigned)(w[2] & 0x40) << 1 | w[3]);
        f->spo2_pct = spo2_value(w[4]);
        return;
    }
    f->flags = (w[1] & 0x01 ? MC_CONTEC_FINGER_OUT : 0u) |
               (w[1] & 0x02 ? MC_CONTEC_SEARCHING : 0u) | (w[2] & 0x40 ? MC_CONTEC_PULSE : 0u);
    f->pleth = (float)(w[3] & 0x7F);
    f->pleth2 = (float)(w[4] & 0x7F);
    f->pr_bpm = pr_value(w[5] & 0x7Fu);
    f->spo2_pct = spo2_value(w[6] & 0x7Fu);
}

mc_status mc_contec_decoder_push(mc_contec_decoder *dec, const uint8_t *bytes, size_t n,
                                 mc_contec_frame_fn fn, void *ctx)
{
    assert(dec->mode == MC_CONTEC_LEGACY || dec->mode == MC_CONTEC_V46);
    const size_t size = frame_bytes(dec->mode);
    for (size_t i = 0; i < n; i++) {
        dec->win[dec->len++] = bytes[i];
        /* Slide one byte at a time until the window can start a frame. A prefix is rejected as
         * soon as the full window would be, so this gives the frames of a full-window check. */
        while (dec->len > 0 && !window_ok(dec, dec->len)) {
            if (dec->in_sync)
                dec->stats.bad_frames++;
            dec->in_sync = 0;
            memmove(dec->win, dec->win + 1, --dec->len);
            dec->stats.skipped_bytes++;
        }
        if (dec->len < size)
            continue;
        dec->len = 0;
        dec->in_sync = 1;
        dec->stats.frames_good++;
        mc_contec_frame f;
        decode(dec, &f);
        if (fn) {
            const mc_status st = fn(ctx, &f);
            if (st != MC_OK)
                return st;
        }
    }
    return MC_OK;
}

void mc_contec_decoder_finish(mc_contec_decoder *dec)
{
    dec->stats.skipped_bytes += dec->len;
    dec->len = 0;
    dec->in_sync = 0;
}

/* ---- encoder --------------------------------------------------------------------------------- */

static uint8_t pleth_count(float p, int *clamped)
{
    if (isnan(p) || p < -0.5f || p >= 127.5f) {
        *clamped = 1;
        return isnan(p) || p < 0 ? 0 : 127;
    }
    return (uint8_t)lroundf(p);
}

/* A PR or SpO2 as its code: NaN -> `missing`; else rounded and within lo..hi, not 0x7F. */
static int code_value(float v, unsigned missing, unsigned hi, unsigned *out)
{
    if (isnan(v)) {
        *out = missing;
        return 1;
    }
    if (!(v >= 0.5f && v < (float)hi + 0.5f))
        return 0;
    *out = (unsigned)lroundf(v);
    return *out != MISSING;
}

mc_status mc_contec_frame_encode(mc_contec_mode mode, const mc_contec_frame *f, uint8_t *out,
                                 int *clamped)
{
    int c = 0;
    unsigned pr, spo2;
    if (mode == MC_CONTEC_LEGACY) {
        if (!code_value(f->pr_bpm, 0xFF, 254, &pr) || !code_value(f->spo2_pct, MISSING, 126, &spo2))
            return MC_EINVAL;
        const uint32_t fl = f->flags;
        out[0] =
            (uint8_t)(0x80 | (f->signal_strength & 0x0F) | (fl & MC_CONTEC_FINGER_OUT ? 0x10 : 0) |
                      (fl & MC_CONTEC_SPO2_DROPPING ? 0x20 : 0) |
                      (fl & MC_CONTEC_PULSE ? 0x40 : 0));
        out[1] = pleth_count(f->pleth, &c);
        out[2] = (uint8_t)((f->bar_graph & 0x0F) | (fl & MC_CONTEC_PROBE_ERROR ? 0x10 : 0) |
                           (fl & MC_CONTEC_SEARCHING ? 0x20 : 0) | (pr & 0x80 ? 0x40 : 0));
        out[3] = (uint8_t)(pr & 0x7F);
        out[4] = (uint8_t)spo2;
    } else if (mode == MC_CONTEC_V46) {
        if (!code_value(f->pr_bpm, MISSING, 126, &pr) ||
            !code_value(f->spo2_pct, MISSING, 126, &spo2))
            return MC_EINVAL;
        const uint32_t fl = f->flags;
        out[0] = 0x01;
        out[1] = (uint8_t)(0x80 | (fl & MC_CONTEC_FINGER_OUT ? 0x01 : 0) |
                           (fl & MC_CONTEC_SEARCHING ? 0x02 : 0));
        out[2] = (uint8_t)(0x80 | (fl & MC_CONTEC_PULSE ? 0x40 : 0));
        out[3] = (uint8_t)(0x80 | pleth_count(f->pleth, &c));
        out[4] = (uint8_t)(0x80 | pleth_count(f->pleth2, &c));
        out[5] = (uint8_t)(0x80 | pr);
        out[6] = (uint8_t)(0x80 | spo2);
        out[7] = 0xFF;
        out[8] = 0xFF;
    } else {
        return MC_EINVAL;
    }
    if (clamped)
        *clamped = c;
    return MC_OK;
}

/* ---- v4.6 host commands ---------------------------------------------------------------------- */

static const uint8_t cmd_start[MC_CONTEC_COMMAND_BYTES] = {0x7D, 0x81, 0xA1, 0x80, 0x80,
                                                           0x80, 0x80, 0x80, 0x80};
static const uint8_t cmd_keepalive[MC_CONTEC_COMMAND_BYTES] = {0x7D, 0x81, 0xAF, 0x80, 0x80,
                                                               0x80, 0x80, 0x80, 0x80};

mc_status mc_contec_command_bytes(mc_contec_command cmd, uint8_t out[MC_CONTEC_COMMAND_BYTES])
{
    if (cmd == MC_CONTEC_CMD_START)
        memcpy(out, cmd_start, MC_CONTEC_COMMAND_BYTES);
    else if (cmd == MC_CONTEC_CMD_KEEPALIVE)
        memcpy(out, cmd_keepalive, MC_CONTEC_COMMAND_BYTES);
    else
        return MC_EINVAL;
    return MC_OK;
}

static int is_prefix(const uint8_t *bytes, size_t n, const uint8_t *cmd)
{
    return memcmp(bytes, cmd, n < MC_CONTEC_COMMAND_BYTES ? n : MC_CONTEC_COMMAND_BYTES) == 0;
}

mc_status mc_contec_command_parse(const uint8_t *bytes, size_t n, mc_contec_command *cmd)
{
    if (n == 0)
        return MC_END;
    const int start = is_prefix(bytes, n, cmd_start);
    const int keep = is_prefix(bytes, n, cmd_keepalive);
    if (!start && !keep)
        return MC_EFORMAT;
    if (n < MC_CONTEC_COMMAND_BYTES)
        return MC_END;
    *cmd = start ? MC_CONTEC_CMD_START : MC_CONTEC_CMD_KEEPALIVE;
    return MC_OK;
}
