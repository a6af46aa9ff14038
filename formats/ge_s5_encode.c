/* SPDX-License-Identifier: MIT */
/* formats/ge_s5_encode.c: GE / Datex-Ohmeda S/5 Computer Interface encoders (formats/ge_s5.h):
 * frames, the transmission requests a live driver sends and an emulator recognises, and the
 * waveform and displayed-values records an emulator sends. The layouts are documented in the
 * header, above MC_GE_S5_FRAME_ENCODED_MAX. */
#include "formats/ge_s5.h"

#include <math.h>
#include <string.h>

enum {
    FLAG = 0x7E,
    ESC = 0x7D,
    SUB_END = 0xFF,
    SUB_REQUEST = 0, /* DRI_PH_XMIT_REQ (maintype 0) and CMD (maintype 1) */
    SUB_DISPLAYED = 1,
    MAINTYPE_PHYS = 0,
    MAINTYPE_WAVE = 1,
    PHYS_REQ_BYTES = 9,  /* phdb_rcrd_type, tx_interval, phdb_class_bf, reserved */
    WAVE_REQ_BYTES = 32, /* req_type, res, type[8], reserved[20] */
    WF_CONT_START = 0,
    WF_CONT_STOP = 1,
    WF_TIMED_START = 2,
    WAVE_RATE_LIMIT = 600, /* samples/s the monitor sends at most */
    PHYS_BYTES = 278,
    DATA_INVALID = -32767,
    DATA_UNDER_RANGE = -32764,
    DATA_OVER_RANGE = -32763,
    MARKER_LIMIT = -32001,
    GROUP_EXISTS_ACTIVE = 3,
};

static void put16(uint8_t *p, uint16_t x)
{
    p[0] = (uint8_t)x;
    p[1] = (uint8_t)(x >> 8);
}

static void put32(uint8_t *p, uint32_t x)
{
    put16(p, (uint16_t)x);
    put16(p + 2, (uint16_t)(x >> 16));
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

/* ---- frames ---------------------------------------------------------------------------------- */

mc_status mc_ge_s5_frame_encode(const uint8_t *record, size_t n, uint8_t *out, size_t cap,
                                size_t *len, mc_diag *d)
{
    *len = 0;
    if (n < MC_GE_S5_HEADER_BYTES || n >= MC_GE_S5_FRAME_MAX)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "record of %zu bytes: a frame holds %d..%d", n,
                           MC_GE_S5_HEADER_BYTES, MC_GE_S5_FRAME_MAX - 1);
    size_t k = 0;
    unsigned sum = 0;
    if (cap < 1)
        goto full;
    out[k++] = FLAG;
    for (size_t i = 0; i <= n; i++) {
        const uint8_t c = i < n ? record[i] : (uint8_t)sum;
        if (i < n)
            sum += c;
        if (c == FLAG || c == ESC) {
            if (cap - k < 2)
                goto full;
            out[k++] = ESC;
            out[k++] = c ^ 0x20;
        } else {
            if (cap - k < 1)
                goto full;
            out[k++] = c;
        }
    }
    if (cap - k < 1)
        goto full;
    out[k++] = FLAG;
    *len = k;
    return MC_OK;
full:
    return mc_diag_set(d, MC_EINVAL, -1, -1, "frame of a %zu-byte record: %zu bytes are too few", n,
                       cap);
}

/* ---- requests -------------------------------------------------------------------------------- */

/* The 40-byte header of a request: one subrecord of type 0 at offset 0, then the end mark. */
static void request_header(uint8_t *rec, size_t r_len, uint16_t maintype)
{
    memset(rec, 0, r_len);
    put16(rec, (uint16_t)r_len);
    put16(rec + 14, maintype);
    rec[18] = SUB_REQUEST;
    rec[21] = SUB_END;
}

static mc_status check_waves(const mc_ge_s5_request *req, mc_diag *d)
{
    if (req->n_waves < 1 || req->n_waves > 8)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "%zu wave types: a request lists 1..8",
                           req->n_waves);
    double rate = 0;
    for (size_t i = 0; i < req->n_waves; i++) {
        const mc_ge_s5_wave_type *t = mc_ge_s5_wave_type_find(req->wave_types[i]);
        if (!t)
            return mc_diag_set(d, MC_EINVAL, -1, -1, "wave type %u is not one mcirc decodes",
                               (unsigned)req->wave_types[i]);
        for (size_t j = 0; j < i; j++)
            if (req->wave_types[j] == req->wave_types[i])
                return mc_diag_set(d, MC_EINVAL, -1, -1, "wave type %s listed twice", t->name);
        rate += t->rate_hz;
    }
    if (rate > WAVE_RATE_LIMIT)
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "waves of %.0f samples/s: the monitor sends at most %d", rate,
                           WAVE_RATE_LIMIT);
    return MC_OK;
}

mc_status mc_ge_s5_request_encode(const mc_ge_s5_request *req, uint8_t *out, size_t cap,
                                  size_t *len, mc_diag *d)
{
    *len = 0;
    uint8_t rec[MC_GE_S5_HEADER_BYTES + WAVE_REQ_BYTES];
    size_t n;
    mc_status st;
    switch (req->kind) {
    case MC_GE_S5_REQUEST_PHYS:
        if (req->phys_type < MC_GE_S5_PHYS_DISPLAYED || req->phys_type > MC_GE_S5_PHYS_TREND_60S)
            return mc_diag_set(d, MC_EINVAL, -1, -1, "physiological record type %u (1..3)",
                               (unsigned)req->phys_type);
        if (req->interval_s < 0)
            return mc_diag_set(d, MC_EINVAL, -1, -1, "interval %d s: 0 (stop) or more",
                               (int)req->interval_s);
        if (req->class_mask > 0xF)
            return mc_diag_set(d, MC_EINVAL, -1, -1, "class bits 0x%x beyond 0xF",
                               (unsigned)req->class_mask);
        n = MC_GE_S5_HEADER_BYTES + PHYS_REQ_BYTES;
        request_header(rec, n, MAINTYPE_PHYS);
        rec[40] = req->phys_type;
        put16(rec + 41, (uint16_t)req->interval_s);
        put32(rec + 43, req->class_mask);
        break;
    case MC_GE_S5_REQUEST_WAVE_START:
    case MC_GE_S5_REQUEST_WAVE_TIMED:
    case MC_GE_S5_REQUEST_WAVE_STOP: {
        n = MC_GE_S5_HEADER_BYTES + WAVE_REQ_BYTES;
        request_header(rec, n, MAINTYPE_WAVE);
        if (req->kind == MC_GE_S5_REQUEST_WAVE_STOP) {
            put16(rec + 40, WF_CONT_STOP); /* type[] all zero, as pycollect sends it */
            break;
        }
        st = check_waves(req, d);
        if (st != MC_OK)
            return st;
        const int timed = req->kind == MC_GE_S5_REQUEST_WAVE_TIMED;
        put16(rec + 40, timed ? WF_TIMED_START : WF_CONT_START);
        put16(rec + 42, timed ? req->duration : 0);
        memcpy(rec + 44, req->wave_types, req->n_waves);
        if (req->n_waves < 8)
            rec[44 + req->n_waves] = SUB_END;
        break;
    }
    default:
        return mc_diag_set(d, MC_EINVAL, -1, -1, "request kind %d", (int)req->kind);
    }
    return mc_ge_s5_frame_encode(rec, n, out, cap, len, d);
}

mc_status mc_ge_s5_request_displayed(int16_t interval_s, uint8_t *out, size_t cap, size_t *len,
                                     mc_diag *d)
{
    if (interval_s < 1) {
        *len = 0;
        return mc_diag_set(d, MC_EINVAL, -1, -1, "interval %d s: 1 or more", (int)interval_s);
    }
    const mc_ge_s5_request req = {.kind = MC_GE_S5_REQUEST_PHYS,
                                  .phys_type = MC_GE_S5_PHYS_DISPLAYED,
                                  .interval_s = interval_s};
    return mc_ge_s5_request_encode(&req, out, cap, len, d);
}

mc_status mc_ge_s5_request_waves(const uint8_t *types, size_t n, uint8_t *out, size_t cap,
                                 size_t *len, mc_diag *d)
{
    mc_ge_s5_request req = {.kind = MC_GE_S5_REQUEST_WAVE_START, .n_waves = n};
    if (n > 8) {
        *len = 0;
        return mc_diag_set(d, MC_EINVAL, -1, -1, "%zu wave types: a request lists 1..8", n);
    }
    if (n)
        memcpy(req.wave_types, types, n);
    return mc_ge_s5_request_encode(&req, out, cap, len, d);
}

mc_status mc_ge_s5_request_stop(uint8_t *out, size_t cap, size_t *len, mc_diag *d)
{
    *len = 0;
    mc_ge_s5_request req[4] = {{.kind = MC_GE_S5_REQUEST_WAVE_STOP}};
    for (int i = 1; i < 4; i++) {
        req[i].kind = MC_GE_S5_REQUEST_PHYS;
        req[i].phys_type = (uint8_t)i; /* displayed, 10-s trend, 60-s trend; interval 0 */
    }
    size_t k = 0;
    for (int i = 0; i < 4; i++) {
        size_t m;
        mc_status st = mc_ge_s5_request_encode(&req[i], out + k, cap - k, &m, d);
        if (st != MC_OK)
            return st;
        k += m;
    }
    *len = k;
    return MC_OK;
}

mc_status mc_ge_s5_request_parse(const uint8_t *rec, size_t n, mc_ge_s5_request *out, mc_diag *d)
{
    memset(out, 0, sizeof *out);
    if (n < MC_GE_S5_HEADER_BYTES)
        return mc_diag_set(d, MC_EFORMAT, 0, -1, "byte 0: %zu bytes, shorter than a header", n);
    if (rd16(rec) != n)
        return mc_diag_set(d, MC_EFORMAT, 0, -1, "byte 0: r_len %u, the record holds %zu bytes",
                           (unsigned)rd16(rec), n);
    if (rd16(rec + 16) != 0 || rec[18] != SUB_REQUEST)
        return mc_diag_set(d, MC_EFORMAT, 16, -1,
                           "byte 16: first subrecord of type %u at offset %u, not a request",
                           (unsigned)rec[18], (unsigned)rd16(rec + 16));
    const uint16_t maintype = rd16(rec + 14);
    const uint8_t *b = rec + MC_GE_S5_HEADER_BYTES;
    if (maintype == MAINTYPE_PHYS) {
        if (n < MC_GE_S5_HEADER_BYTES + PHYS_REQ_BYTES)
            return mc_diag_set(d, MC_EFORMAT, 0, -1,
                               "byte 0: physiological request of %zu bytes (%d expected)", n,
                               MC_GE_S5_HEADER_BYTES + PHYS_REQ_BYTES);
        if (b[0] < MC_GE_S5_PHYS_DISPLAYED || b[0] > MC_GE_S5_PHYS_TREND_60S)
            return mc_diag_set(d, MC_EFORMAT, 40, -1, "byte 40: physiological record type %u",
                               (unsigned)b[0]);
        out->kind = MC_GE_S5_REQUEST_PHYS;
        out->phys_type = b[0];
        out->interval_s = (int16_t)rd16(b + 1);
        out->class_mask = rd32(b + 3);
        return MC_OK;
    }
    if (maintype != MAINTYPE_WAVE)
        return mc_diag_set(d, MC_EFORMAT, 14, -1, "byte 14: main type %u is not a request",
                           (unsigned)maintype);
    if (n < MC_GE_S5_HEADER_BYTES + 12)
        return mc_diag_set(d, MC_EFORMAT, 0, -1, "byte 0: waveform request of %zu bytes", n);
    const uint16_t req_type = rd16(b);
    if (req_type == WF_CONT_STOP) {
        out->kind = MC_GE_S5_REQUEST_WAVE_STOP;
        return MC_OK;
    }
    if (req_type != WF_CONT_START && req_type != WF_TIMED_START)
        return mc_diag_set(d, MC_EFORMAT, 40, -1, "byte 40: waveform request type %u",
                           (unsigned)req_type);
    out->kind =
        req_type == WF_CONT_START ? MC_GE_S5_REQUEST_WAVE_START : MC_GE_S5_REQUEST_WAVE_TIMED;
    if (req_type == WF_TIMED_START)
        out->duration = rd16(b + 2);
    size_t k = 0;
    for (; k < 8 && b[4 + k] != SUB_END; k++) {
        if (b[4 + k] == SUB_REQUEST) {
            memset(out, 0, sizeof *out);
            return mc_diag_set(d, MC_EFORMAT, 44 + (int64_t)k, -1,
                               "byte %zu: wave type 0 in the list", 44 + k);
        }
        out->wave_types[k] = b[4 + k];
    }
    if (k == 0) {
        memset(out, 0, sizeof *out);
        return mc_diag_set(d, MC_EFORMAT, 44, -1, "byte 44: no wave type listed");
    }
    out->n_waves = k;
    return MC_OK;
}

/* ---- records --------------------------------------------------------------------------------- */

/* A physical value as the interface's int16 count: rounded; NaN invalid; beyond int16 (or into
 * the marker range) over/under range. */
static int16_t to_count(float v, double scale)
{
    if (isnan(v))
        return DATA_INVALID;
    const double c = nearbyint((double)v / scale);
    if (c > 32767)
        return DATA_OVER_RANGE;
    if (c <= MARKER_LIMIT)
        return DATA_UNDER_RANGE;
    return (int16_t)c;
}

/* The record header with n_sub subrecords at off[] of type[], then the end mark. */
static void record_header(uint8_t *rec, size_t r_len, uint8_t r_nbr, uint32_t r_time,
                          uint16_t maintype, const uint16_t *off, const uint8_t *type, size_t n_sub)
{
    memset(rec, 0, MC_GE_S5_HEADER_BYTES);
    put16(rec, (uint16_t)r_len);
    rec[2] = r_nbr;
    rec[3] = MC_GE_S5_DRI_LEVEL;
    put32(rec + 6, r_time);
    put16(rec + 14, maintype);
    for (size_t k = 0; k < n_sub; k++) {
        put16(rec + 16 + 3 * k, off[k]);
        rec[18 + 3 * k] = type[k];
    }
    if (n_sub < MC_GE_S5_MAX_SUBRECORDS)
        rec[18 + 3 * n_sub] = SUB_END;
}

mc_status mc_ge_s5_wave_record_encode(uint8_t r_nbr, uint32_t r_time,
                                      const mc_ge_s5_wave_block *blocks, size_t n_blocks,
                                      uint8_t *rec, size_t cap, size_t *len, mc_diag *d)
{
    *len = 0;
    if (n_blocks < 1 || n_blocks > MC_GE_S5_MAX_SUBRECORDS)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "%zu waveform subrecords (1..%d)", n_blocks,
                           MC_GE_S5_MAX_SUBRECORDS);
    uint16_t off[MC_GE_S5_MAX_SUBRECORDS];
    uint8_t type[MC_GE_S5_MAX_SUBRECORDS];
    size_t body = 0;
    for (size_t k = 0; k < n_blocks; k++) {
        if (!mc_ge_s5_wave_type_find(blocks[k].sr_type))
            return mc_diag_set(d, MC_EINVAL, -1, -1, "wave type %u is not one mcirc decodes",
                               (unsigned)blocks[k].sr_type);
        if (blocks[k].n > (MC_GE_S5_FRAME_MAX - MC_GE_S5_HEADER_BYTES) / 2)
            return mc_diag_set(d, MC_EINVAL, -1, -1, "%zu samples in a record", blocks[k].n);
        off[k] = (uint16_t)body;
        type[k] = blocks[k].sr_type;
        body += 6 + 2 * blocks[k].n;
        if (MC_GE_S5_HEADER_BYTES + body >= MC_GE_S5_FRAME_MAX)
            return mc_diag_set(d, MC_EINVAL, -1, -1,
                               "waveform record longer than %d bytes: send fewer samples",
                               MC_GE_S5_FRAME_MAX - 1);
    }
    const size_t n = MC_GE_S5_HEADER_BYTES + body;
    if (cap < n)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "waveform record of %zu bytes, room for %zu", n,
                           cap);
    record_header(rec, n, r_nbr, r_time, MAINTYPE_WAVE, off, type, n_blocks);
    for (size_t k = 0; k < n_blocks; k++) {
        const mc_ge_s5_wave_type *t = mc_ge_s5_wave_type_find(blocks[k].sr_type);
        uint8_t *s = rec + MC_GE_S5_HEADER_BYTES + off[k];
        put16(s, (uint16_t)blocks[k].n);
        put16(s + 2, 0); /* status */
        put16(s + 4, 0); /* reserved */
        for (size_t i = 0; i < blocks[k].n; i++)
            put16(s + 6 + 2 * i, (uint16_t)to_count(blocks[k].samples[i], t->scale));
    }
    *len = n;
    return MC_OK;
}

/* Groups of the basic class: offset in the subrecord, int16 values, whether a 6-byte header
 * (status, label) precedes them (pycollect headers.py basic_phdb; the ECG extra group has none).
 * ECG, P1-P4, NIBP, T1-T4, SpO2, CO2, O2, N2O, AA, flow & volume, CO & wedge, NMT, ECG extra, SvO2,
 * P5, P6; then 2 reserved bytes up to 274. */
static const struct {
    uint16_t offset;
    uint8_t n_values;
    uint8_t header;
} basic_groups[] = {
    {4, 5, 1},   {20, 4, 1},  {34, 4, 1},  {48, 4, 1},  {62, 4, 1},  {76, 4, 1},
    {90, 1, 1},  {98, 1, 1},  {106, 1, 1}, {114, 1, 1}, {122, 4, 1}, {136, 4, 1},
    {150, 2, 1}, {160, 2, 1}, {170, 3, 1}, {182, 8, 1}, {204, 4, 1}, {218, 3, 1},
    {230, 3, 0}, {236, 1, 1}, {244, 4, 1}, {258, 4, 1},
};

mc_status mc_ge_s5_phys_record_encode(uint8_t r_nbr, uint32_t r_time,
                                      const float values[MC_GE_S5_PHYS_VALUES], uint8_t *rec,
                                      size_t cap, size_t *len, mc_diag *d)
{
    *len = 0;
    const size_t n = MC_GE_S5_HEADER_BYTES + PHYS_BYTES;
    if (cap < n)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "physiological record of %zu bytes, room for %zu",
                           n, cap);
    const uint16_t off = 0;
    const uint8_t type = SUB_DISPLAYED;
    record_header(rec, n, r_nbr, r_time, MAINTYPE_PHYS, &off, &type, 1);
    uint8_t *s = rec + MC_GE_S5_HEADER_BYTES;
    memset(s, 0, PHYS_BYTES);
    put32(s, r_time);
    const size_t n_groups = sizeof basic_groups / sizeof basic_groups[0];
    for (size_t g = 0; g < n_groups; g++) {
        const size_t first = basic_groups[g].offset + (basic_groups[g].header ? 6u : 0u);
        for (size_t v = 0; v < basic_groups[g].n_values; v++)
            put16(s + first + 2 * v, (uint16_t)DATA_INVALID);
    }
    for (size_t i = 0; i < MC_GE_S5_PHYS_VALUES; i++) {
        const mc_ge_s5_phys_field *f = mc_ge_s5_phys_field_at(i);
        const int16_t c = to_count(values[i], f->scale);
        put16(s + f->offset, (uint16_t)c);
        if (c <= MARKER_LIMIT)
            continue;
        size_t g = n_groups;
        while (g > 0 && basic_groups[g - 1].offset > f->offset)
            g--;
        if (g > 0 && basic_groups[g - 1].header)
            put32(s + basic_groups[g - 1].offset, GROUP_EXISTS_ACTIVE);
    }
    /* marker 0, reserved 0, cl_drilvl_subt: basic class, the dri level, displayed values */
    put16(s + 276, (uint16_t)(MC_GE_S5_DRI_LEVEL << 4 | MC_GE_S5_PHYS_DISPLAYED));
    *len = n;
    return MC_OK;
}
