/* SPDX-License-Identifier: MIT */
/* formats/nonin.c: Nonin serial data formats 2, 7 and 8 (formats/nonin.h): the sliding-window
 * decoder with packet positions and numerics, and the encoders for emulators. */
#include "formats/nonin.h"

#include <assert.h>
#include <math.h>
#include <string.h>

enum {
    NPKT = MC_NONIN_FRAMES_PER_PACKET,
    ALL_FRAMES = (1 << NPKT) - 1,
    HR_MISSING = 511,
    SPO2_MISSING = 127,
    STX = 0x02,
    ETX = 0x03,
    OP_FORMAT = 0x70,
};

/* Frame indexes (1-based) of the FLOAT bytes (DEVICES.md section 3, 9560 specification). */
enum {
    F_HR_MSB = 1,
    F_HR_LSB = 2,
    F_SPO2 = 3,
    F_STAT2 = 8,
    F_SPO2_D = 9,
    F_SPO2_FAST = 10,
    F_SPO2_BB = 11,
    F_EHR_MSB = 14,
    F_EHR_LSB = 15,
    F_ESPO2 = 16,
    F_ESPO2_D = 17,
    F_HR_D_MSB = 20,
    F_HR_D_LSB = 21,
    F_EHR_D_MSB = 22,
    F_EHR_D_LSB = 23,
};

static size_t frame_bytes(int format)
{
    return format == 8 ? MC_NONIN_RECORD8_BYTES : MC_NONIN_FRAME_BYTES;
}

mc_status mc_nonin_decoder_reset(mc_nonin_decoder *dec, int format)
{
    memset(dec, 0, sizeof *dec);
    if (format != 2 && format != 7 && format != 8)
        return MC_EINVAL;
    dec->format = format;
    return MC_OK;
}

/* 1 when the first `len` bytes of the window can start a frame (the fixed bits; the checksum when
 * the window is full). Checking a prefix rejects as soon as the full check would, so sliding early
 * gives the same frames as waiting for a full window. */
static int window_ok(const mc_nonin_decoder *dec, size_t len, int *bad_checksum)
{
    const uint8_t *w = dec->win;
    *bad_checksum = 0;
    if (dec->format == 8) {
        if (!(w[0] & 0x80))
            return 0;
        for (size_t i = 1; i < len; i++)
            if (w[i] & 0x80)
                return 0;
        return 1;
    }
    if (dec->format == 2) {
        if (w[0] != 0x01 || (len > 1 && !(w[1] & 0x80)))
            return 0;
    } else if (!(w[0] & 0x80)) {
        return 0;
    }
    if (len > 3 && (w[3] & 0x80))
        return 0;
    if (len == MC_NONIN_FRAME_BYTES && (uint8_t)(w[0] + w[1] + w[2] + w[3]) != w[4]) {
        *bad_checksum = 1;
        return 0;
    }
    return 1;
}

static float nine_bit(const mc_nonin_decoder *dec, int msb, int lsb)
{
    const uint32_t need = 1u << (msb - 1) | 1u << (lsb - 1);
    if ((dec->pkt_got & need) != need)
        return NAN;
    const int v = (dec->pkt_value[msb - 1] & 0x03) << 7 | (dec->pkt_value[lsb - 1] & 0x7F);
    return v == HR_MISSING ? NAN : (float)v;
}

static float seven_bit(const mc_nonin_decoder *dec, int index)
{
    if (!(dec->pkt_got & 1u << (index - 1)))
        return NAN;
    const int v = dec->pkt_value[index - 1] & 0x7F;
    return v == SPO2_MISSING ? NAN : (float)v;
}

/* Report the packet in progress (if any) and close it. */
static mc_status close_packet(mc_nonin_decoder *dec, const mc_nonin_callbacks *cb, void *ctx)
{
    if (!dec->pkt_open)
        return MC_OK;
    mc_nonin_numerics n = {
        .format = dec->format,
        .hr = nine_bit(dec, F_HR_MSB, F_HR_LSB),
        .spo2 = seven_bit(dec, F_SPO2),
        .hr_d = nine_bit(dec, F_HR_D_MSB, F_HR_D_LSB),
        .spo2_d = seven_bit(dec, F_SPO2_D),
        .spo2_fast = seven_bit(dec, F_SPO2_FAST),
        .spo2_bb = seven_bit(dec, F_SPO2_BB),
        .e_hr = nine_bit(dec, F_EHR_MSB, F_EHR_LSB),
        .e_spo2 = seven_bit(dec, F_ESPO2),
        .e_spo2_d = seven_bit(dec, F_ESPO2_D),
        .e_hr_d = nine_bit(dec, F_EHR_D_MSB, F_EHR_D_LSB),
        .complete = dec->pkt_got == ALL_FRAMES && !dec->pkt_suspect,
    };
    for (int i = 0; i < NPKT; i++)
        n.n_frames = (uint8_t)(n.n_frames + ((dec->pkt_got >> i) & 1));
    if (dec->pkt_got & 1u << (F_STAT2 - 1)) {
        const uint8_t stat2 = dec->pkt_value[F_STAT2 - 1];
        n.has_stat2 = 1;
        n.flags = (stat2 & 0x20 ? MC_NONIN_FLAG_SPA : 0u) |
                  (stat2 & 0x01 ? MC_NONIN_FLAG_LOW_BATTERY : 0u);
    }
    dec->pkt_open = 0;
    dec->pkt_suspect = 0;
    dec->pkt_got = 0;
    dec->pkt_last = 0;
    dec->stats.packets++;
    if (!n.complete)
        dec->stats.packets_incomplete++;
    return cb && cb->numerics ? cb->numerics(ctx, &n) : MC_OK;
}

/* The index of a good frame and the frames lost before it (nonin.h, mc_nonin_decoder_push). */
static void locate(const mc_nonin_decoder *dec, int sync, int *index, int32_t *lost,
                   int *out_of_turn)
{
    *out_of_turn = 0;
    *index = 0;
    *lost = -1;
    const uint64_t gap = dec->gap_bytes;
    const int known = dec->have_prev && dec->pos > 0;
    if (known && gap % MC_NONIN_FRAME_BYTES == 0) {
        const uint64_t k = gap / MC_NONIN_FRAME_BYTES;
        const int expect = (int)(((uint64_t)dec->pos + k) % NPKT) + 1;
        if ((expect == 1) == (sync != 0)) {
            *index = expect;
            *lost = k > INT32_MAX ? INT32_MAX : (int32_t)k;
            return;
        }
    }
    if (!sync)
        return;
    *index = 1;
    if (!known)
        return;
    if (gap % MC_NONIN_FRAME_BYTES == 0)
        *out_of_turn = 1;
    /* Both positions known, the gap inconsistent with whole frames: the smallest loss that joins
     * the two positions, plus the whole packets the skipped bytes stand for. */
    const uint64_t base = (uint64_t)(NPKT - dec->pos);
    const uint64_t est = gap / MC_NONIN_FRAME_BYTES;
    const uint64_t packets = est > base ? (est - base + NPKT / 2) / NPKT : 0;
    const uint64_t l = base + packets * NPKT;
    *lost = l > INT32_MAX ? INT32_MAX : (int32_t)l;
}

static mc_status good_frame(mc_nonin_decoder *dec, const mc_nonin_callbacks *cb, void *ctx)
{
    const uint8_t *w = dec->win;
    mc_nonin_frame f;
    memset(&f, 0, sizeof f);
    if (dec->format == 2) {
        f.status = w[1];
        f.pleth = (float)w[2];
    } else {
        f.status = w[0];
        f.pleth = (float)(w[1] << 8 | w[2]);
    }
    f.value = w[3];
    f.artifact = (f.status >> 5) & 1;
    f.out_of_track = (f.status >> 4) & 1;
    f.sensor_alarm = (f.status >> 3) & 1;
    f.red_perfusion = (f.status >> 2) & 1;
    f.green_perfusion = (f.status >> 1) & 1;
    f.sync = f.status & 1;
    int index, out_of_turn;
    locate(dec, f.sync, &index, &f.lost, &out_of_turn);
    if (out_of_turn) {
        /* Whole frames vanished without a byte (or whole frames were inserted): the frames since
         * the vanishing were placed at wrong indexes, so the packet they filled is not trusted. */
        dec->stats.sync_out_of_turn++;
        dec->pkt_suspect = dec->pkt_open;
    }
    f.index = (uint8_t)index;
    if (f.lost > 0)
        dec->stats.frames_lost += (uint64_t)f.lost;
    dec->stats.frames_good++;
    dec->have_prev = 1;
    dec->pos = index;
    dec->gap_bytes = 0;

    mc_status st = MC_OK;
    if (index > 0) {
        /* A SYNC, an index not after the last one, or a loss that runs past frame 25: the
         * packet in progress is over. */
        if (dec->pkt_open && (index == 1 || index <= dec->pkt_last || f.lost < 0 ||
                              (int64_t)dec->pkt_last + f.lost + 1 > NPKT))
            st = close_packet(dec, cb, ctx);
        if (st != MC_OK)
            return st;
        if (!dec->pkt_open) {
            dec->pkt_open = 1;
            dec->pkt_got = 0;
        }
        dec->pkt_value[index - 1] = f.value;
        dec->pkt_got |= 1u << (index - 1);
        dec->pkt_last = index;
    }
    if (cb && cb->frame)
        st = cb->frame(ctx, &f);
    if (st == MC_OK && index == NPKT)
        st = close_packet(dec, cb, ctx);
    return st;
}

static mc_status good_record8(mc_nonin_decoder *dec, const mc_nonin_callbacks *cb, void *ctx)
{
    const uint8_t *w = dec->win;
    const int hr = (w[0] & 0x03) << 7 | w[1];
    mc_nonin_numerics n = {
        .format = 8,
        .hr_d = hr == HR_MISSING ? NAN : (float)hr,
        .spo2_d = w[2] == SPO2_MISSING ? NAN : (float)w[2],
        .spo2_fast = NAN,
        .spo2_bb = NAN,
        .e_hr = NAN,
        .e_spo2 = NAN,
        .e_spo2_d = NAN,
        .e_hr_d = NAN,
        .flags = (w[0] & 0x20 ? MC_NONIN_FLAG_OOT : 0u) | (w[0] & 0x10 ? MC_NONIN_FLAG_LPRF : 0u) |
                 (w[0] & 0x08 ? MC_NONIN_FLAG_MPRF : 0u) | (w[0] & 0x04 ? MC_NONIN_FLAG_ARTF : 0u) |
                 (w[3] & 0x20 ? MC_NONIN_FLAG_SPA : 0u) | (w[3] & 0x08 ? MC_NONIN_FLAG_SNSA : 0u) |
                 (w[3] & 0x01 ? MC_NONIN_FLAG_LOW_BATTERY : 0u),
        .has_stat2 = 1,
        .complete = 1,
        .n_frames = 1,
    };
    n.hr = n.hr_d;
    n.spo2 = n.spo2_d;
    dec->stats.frames_good++;
    dec->have_prev = 1;
    dec->gap_bytes = 0;
    return cb && cb->numerics ? cb->numerics(ctx, &n) : MC_OK;
}

mc_status mc_nonin_decoder_push(mc_nonin_decoder *dec, const uint8_t *bytes, size_t n,
                                const mc_nonin_callbacks *cb, void *ctx)
{
    assert(dec->format == 2 || dec->format == 7 || dec->format == 8);
    const size_t size = frame_bytes(dec->format);
    for (size_t i = 0; i < n; i++) {
        dec->win[dec->len++] = bytes[i];
        int bad_sum;
        /* Slide one byte at a time until the window can start a frame. */
        while (dec->len > 0 && !window_ok(dec, dec->len, &bad_sum)) {
            if (bad_sum)
                dec->stats.bad_checksums++;
            if (dec->in_sync)
                dec->stats.bad_frames++;
            dec->in_sync = 0;
            memmove(dec->win, dec->win + 1, --dec->len);
            dec->stats.skipped_bytes++;
            dec->gap_bytes++;
        }
        if (dec->len < size)
            continue;
        dec->len = 0;
        dec->in_sync = 1;
        const mc_status st =
            dec->format == 8 ? good_record8(dec, cb, ctx) : good_frame(dec, cb, ctx);
        if (st != MC_OK)
            return st;
    }
    return MC_OK;
}

mc_status mc_nonin_decoder_finish(mc_nonin_decoder *dec, const mc_nonin_callbacks *cb, void *ctx)
{
    dec->stats.skipped_bytes += dec->len;
    dec->len = 0;
    dec->in_sync = 0;
    dec->have_prev = 0;
    dec->pos = 0;
    dec->gap_bytes = 0;
    return close_packet(dec, cb, ctx);
}

mc_nonin_numerics mc_nonin_numerics_default(void)
{
    const mc_nonin_numerics n = {.hr = NAN,
                                 .spo2 = NAN,
                                 .hr_d = NAN,
                                 .spo2_d = NAN,
                                 .spo2_fast = NAN,
                                 .spo2_bb = NAN,
                                 .e_hr = NAN,
                                 .e_spo2 = NAN,
                                 .e_spo2_d = NAN,
                                 .e_hr_d = NAN};
    return n;
}

/* ---- encoders -------------------------------------------------------------------------------- */

/* A numerics value as its byte(s): rounded, NaN -> sentinel. 0 when out of range. */
static int code_value(float v, int missing, int *out)
{
    if (isnan(v)) {
        *out = missing;
        return 1;
    }
    if (!(v > -0.5f && v < (float)missing - 0.5f))
        return 0;
    *out = (int)lroundf(v);
    return 1;
}

mc_status mc_nonin_packet_encode(int format, const float pleth[25], const uint8_t *status,
                                 size_t n_status, const mc_nonin_numerics *num, uint8_t *out,
                                 size_t cap, size_t *len, size_t *n_clamped)
{
    if ((format != 2 && format != 7) || (n_status != 1 && n_status != NPKT))
        return MC_EINVAL;
    int hr, spo2, hr_d, spo2_d, spo2_fast, spo2_bb, e_hr, e_spo2, e_spo2_d, e_hr_d;
    if (!code_value(num->hr, HR_MISSING, &hr) || !code_value(num->spo2, SPO2_MISSING, &spo2) ||
        !code_value(num->hr_d, HR_MISSING, &hr_d) ||
        !code_value(num->spo2_d, SPO2_MISSING, &spo2_d) ||
        !code_value(num->spo2_fast, SPO2_MISSING, &spo2_fast) ||
        !code_value(num->spo2_bb, SPO2_MISSING, &spo2_bb) ||
        !code_value(num->e_hr, HR_MISSING, &e_hr) ||
        !code_value(num->e_spo2, SPO2_MISSING, &e_spo2) ||
        !code_value(num->e_spo2_d, SPO2_MISSING, &e_spo2_d) ||
        !code_value(num->e_hr_d, HR_MISSING, &e_hr_d))
        return MC_EINVAL;
    if (cap < MC_NONIN_PACKET_BYTES)
        return MC_EOVERRUN;
    uint8_t value[NPKT];
    memset(value, 0, sizeof value);
    value[F_HR_MSB - 1] = (uint8_t)(hr >> 7);
    value[F_HR_LSB - 1] = (uint8_t)(hr & 0x7F);
    value[F_SPO2 - 1] = (uint8_t)spo2;
    value[F_STAT2 - 1] = (uint8_t)((num->flags & MC_NONIN_FLAG_SPA ? 0x20 : 0) |
                                   (num->flags & MC_NONIN_FLAG_LOW_BATTERY ? 0x01 : 0));
    value[F_SPO2_D - 1] = (uint8_t)spo2_d;
    value[F_SPO2_FAST - 1] = (uint8_t)spo2_fast;
    value[F_SPO2_BB - 1] = (uint8_t)spo2_bb;
    value[F_EHR_MSB - 1] = (uint8_t)(e_hr >> 7);
    value[F_EHR_LSB - 1] = (uint8_t)(e_hr & 0x7F);
    value[F_ESPO2 - 1] = (uint8_t)e_spo2;
    value[F_ESPO2_D - 1] = (uint8_t)e_spo2_d;
    value[F_HR_D_MSB - 1] = (uint8_t)(hr_d >> 7);
    value[F_HR_D_LSB - 1] = (uint8_t)(hr_d & 0x7F);
    value[F_EHR_D_MSB - 1] = (uint8_t)(e_hr_d >> 7);
    value[F_EHR_D_LSB - 1] = (uint8_t)(e_hr_d & 0x7F);

    const float top = format == 2 ? 255.0f : 65535.0f;
    size_t clamped = 0;
    for (int i = 0; i < NPKT; i++) {
        float p = pleth[i];
        if (isnan(p) || p < -0.5f || p >= top + 0.5f) {
            clamped++;
            p = isnan(p) || p < 0 ? 0 : top;
        }
        const unsigned count = (unsigned)lroundf(p);
        const uint8_t st = (uint8_t)(0x80 | (status[n_status == 1 ? 0 : i] & 0x3E) | (i == 0));
        uint8_t *f = out + (size_t)i * MC_NONIN_FRAME_BYTES;
        if (format == 2) {
            f[0] = 0x01;
            f[1] = st;
            f[2] = (uint8_t)count;
        } else {
            f[0] = st;
            f[1] = (uint8_t)(count >> 8);
            f[2] = (uint8_t)(count & 0xFF);
        }
        f[3] = value[i];
        f[4] = (uint8_t)(f[0] + f[1] + f[2] + f[3]);
    }
    *len = MC_NONIN_PACKET_BYTES;
    if (n_clamped)
        *n_clamped = clamped;
    return MC_OK;
}

mc_status mc_nonin_format8_encode(float hr_bpm, float spo2_pct, uint32_t flags,
                                  uint8_t out[MC_NONIN_RECORD8_BYTES])
{
    int hr, spo2;
    if (!code_value(hr_bpm, HR_MISSING, &hr) || !code_value(spo2_pct, SPO2_MISSING, &spo2))
        return MC_EINVAL;
    out[0] = (uint8_t)(0x80 | (flags & MC_NONIN_FLAG_OOT ? 0x20 : 0) |
                       (flags & MC_NONIN_FLAG_LPRF ? 0x10 : 0) |
                       (flags & MC_NONIN_FLAG_MPRF ? 0x08 : 0) |
                       (flags & MC_NONIN_FLAG_ARTF ? 0x04 : 0) | (hr >> 7));
    out[1] = (uint8_t)(hr & 0x7F);
    out[2] = (uint8_t)spo2;
    out[3] =
        (uint8_t)((flags & MC_NONIN_FLAG_SPA ? 0x20 : 0) | (flags & MC_NONIN_FLAG_SNSA ? 0x08 : 0) |
                  (flags & MC_NONIN_FLAG_LOW_BATTERY ? 0x01 : 0));
    return MC_OK;
}

/* ---- format-select command ------------------------------------------------------------------- */

mc_status mc_nonin_format_command(int format, uint8_t out[MC_NONIN_COMMAND_BYTES])
{
    if (format != 2 && format != 7 && format != 8 && format != 13)
        return MC_EINVAL;
    const uint8_t cmd[MC_NONIN_COMMAND_BYTES] = {STX, OP_FORMAT, 0x02, 0x02, (uint8_t)format, ETX};
    memcpy(out, cmd, sizeof cmd);
    return MC_OK;
}

mc_status mc_nonin_format_command_parse(const uint8_t *bytes, size_t n, int *format)
{
    static const uint8_t head[4] = {STX, OP_FORMAT, 0x02, 0x02};
    for (size_t i = 0; i < n && i < MC_NONIN_COMMAND_BYTES; i++) {
        if (i < 4 && bytes[i] != head[i])
            return MC_EFORMAT;
        if (i == 5 && bytes[i] != ETX)
            return MC_EFORMAT;
    }
    if (n < MC_NONIN_COMMAND_BYTES)
        return MC_END;
    *format = bytes[4];
    return MC_OK;
}
