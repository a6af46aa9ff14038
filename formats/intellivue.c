/* SPDX-License-Identifier: MIT */
/* formats/intellivue.c: Philips IntelliVue Data Export (formats/intellivue.h): the serial frame
 * decoder, the FCS, the FLOAT-Type and the parsers of the monitor's messages. */
#include "formats/intellivue.h"

#include <math.h>
#include <string.h>

#include "formats/intellivue_internal.h"

enum {
    BOF = 0xC0,
    EOF_ = 0xC1,
    ESC = 0x7D,
    ST_OUTSIDE = 0,
    ST_INSIDE,
    ST_ESCAPED,
    ST_DISCARD,
    HEADER = 4,
    FCS_BYTES = 2,
};

/* ---- frames ---------------------------------------------------------------------------------- */

unsigned mc__intellivue_crc(unsigned crc, const uint8_t *bytes, size_t n)
{
    /* RFC 1662 section C.2, bit by bit: the reflected CCITT polynomial 0x8408. */
    for (size_t i = 0; i < n; i++) {
        crc ^= bytes[i];
        for (int k = 0; k < 8; k++)
            crc = (crc & 1) ? (crc >> 1) ^ 0x8408u : crc >> 1;
    }
    return crc;
}

uint16_t mc_intellivue_fcs(const uint8_t *bytes, size_t n)
{
    /* Initial 0xFFFF; the ones' complement is what goes on the line. */
    return (uint16_t)(~mc__intellivue_crc(0xFFFF, bytes, n) & 0xFFFF);
}

void mc_intellivue_decoder_reset(mc_intellivue_decoder *dec)
{
    dec->len = 0;
    dec->state = ST_OUTSIDE;
    memset(&dec->stats, 0, sizeof dec->stats);
}

/* An EOF closed a frame of dec->len unescaped bytes: check it and hand its user data on. */
static mc_status end_frame(mc_intellivue_decoder *dec, mc_intellivue_frame_fn fn, void *ctx)
{
    const size_t n = dec->len;
    const uint8_t *f = dec->frame;
    dec->len = 0;
    if (n <= HEADER + FCS_BYTES) {
        dec->stats.short_frames++;
        return MC_OK;
    }
    const uint16_t fcs = mc_intellivue_fcs(f, n - FCS_BYTES);
    if (f[n - 2] != (fcs & 0xFF) || f[n - 1] != (fcs >> 8)) {
        dec->stats.bad_fcs++;
        return MC_OK;
    }
    const size_t data_len = n - HEADER - FCS_BYTES;
    if (f[0] != 0x11 || f[1] != 0x01 || ((size_t)f[2] << 8 | f[3]) != data_len) {
        dec->stats.bad_header++;
        return MC_OK;
    }
    dec->stats.frames_good++;
    return fn ? fn(ctx, f + HEADER, data_len) : MC_OK;
}

mc_status mc_intellivue_decoder_push(mc_intellivue_decoder *dec, const uint8_t *bytes, size_t n,
                                     mc_intellivue_frame_fn fn, void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        const uint8_t c = bytes[i];
        if (c == BOF) {
            /* A BOF always starts a frame: one still open was cut short (an oversize frame
             * being discarded is already counted). */
            if (dec->state == ST_INSIDE || dec->state == ST_ESCAPED)
                dec->stats.aborted++;
            dec->state = ST_INSIDE;
            dec->len = 0;
            continue;
        }
        switch (dec->state) {
        case ST_OUTSIDE:
            dec->stats.garbage_bytes++;
            break;
        case ST_DISCARD:
            if (c == EOF_)
                dec->state = ST_OUTSIDE;
            break;
        case ST_INSIDE:
        case ST_ESCAPED:
            if (c == EOF_) {
                if (dec->state == ST_ESCAPED) {
                    /* 0x7D 0xC1 is the frame abort sequence (VSCapture's FrameAbort). */
                    dec->stats.aborted++;
                    dec->state = ST_OUTSIDE;
                    dec->len = 0;
                    break;
                }
                dec->state = ST_OUTSIDE;
                const mc_status st = end_frame(dec, fn, ctx);
                if (st != MC_OK)
                    return st;
                break;
            }
            if (c == ESC && dec->state == ST_INSIDE) {
                dec->state = ST_ESCAPED;
                break;
            }
            if (dec->len >= sizeof dec->frame) {
                dec->stats.oversize++;
                dec->state = ST_DISCARD;
                dec->len = 0;
                break;
            }
            dec->frame[dec->len++] = dec->state == ST_ESCAPED ? (uint8_t)(c ^ 0x20) : c;
            dec->state = ST_INSIDE;
            break;
        default:
            break;
        }
    }
    return MC_OK;
}

/* ---- FLOAT-Type ------------------------------------------------------------------------------ */

double mc_intellivue_float_decode(uint32_t f)
{
    switch (f) {
    case MC_INTELLIVUE_FLOAT_NAN:
    case MC_INTELLIVUE_FLOAT_NRES:
    case 0x00800001u: /* reserved */
        return (double)NAN;
    case MC_INTELLIVUE_FLOAT_POS_INF:
        return (double)INFINITY;
    case MC_INTELLIVUE_FLOAT_NEG_INF:
        return -(double)INFINITY;
    default:
        break;
    }
    const int exponent = (int)(int8_t)(uint8_t)(f >> 24);
    int32_t mantissa = (int32_t)(f & 0xFFFFFFu);
    if (mantissa & 0x800000)
        mantissa -= 0x1000000;
    return (double)mantissa * pow(10.0, (double)exponent);
}

static uint32_t float_pack(int exponent, double mantissa)
{
    const int32_t m = (int32_t)mantissa;
    return (uint32_t)(uint8_t)(int8_t)exponent << 24 | ((uint32_t)m & 0xFFFFFFu);
}

uint32_t mc_intellivue_float_encode(double v)
{
    if (isnan(v))
        return MC_INTELLIVUE_FLOAT_NAN;
    if (isinf(v))
        return v > 0 ? MC_INTELLIVUE_FLOAT_POS_INF : MC_INTELLIVUE_FLOAT_NEG_INF;
    if (v == 0.0)
        return 0;
    const double max_m = 8388605.0; /* 2^23 - 3: clear of the special mantissas */
    const int top = (int)floor(log10(fabs(v)));
    /* Exact with at most 7 significant digits: the largest exponent that represents v. */
    for (int e = top; e >= top - 6; e--) {
        if (e > 127 || e < -128)
            continue;
        const double m = v / pow(10.0, (double)e);
        const double r = round(m);
        if (fabs(r) <= max_m && fabs(r - m) <= 1e-9 * fabs(m))
            return float_pack(e, r);
    }
    /* Otherwise the finest exponent whose mantissa fits. */
    for (int e = top - 6 > -128 ? top - 6 : -128; e <= 127; e++) {
        const double r = round(v / pow(10.0, (double)e));
        if (fabs(r) <= max_m)
            return r == 0.0 ? 0 : float_pack(e, r);
    }
    return v > 0 ? MC_INTELLIVUE_FLOAT_POS_INF : MC_INTELLIVUE_FLOAT_NEG_INF;
}

/* ---- association control --------------------------------------------------------------------- */

mc_intellivue_kind mc_intellivue_classify(const uint8_t *msg, size_t n)
{
    if (n == 0)
        return MC_INTELLIVUE_UNKNOWN;
    switch (msg[0]) {
    case 0x0D:
        return MC_INTELLIVUE_ASSOC_REQUEST;
    case 0x0E:
        return MC_INTELLIVUE_ASSOC_ACCEPTED;
    case 0x0C:
        return MC_INTELLIVUE_ASSOC_REFUSED;
    case 0x09:
        return MC_INTELLIVUE_RELEASE_REQUEST;
    case 0x0A:
        return MC_INTELLIVUE_RELEASE_RESULT;
    case 0x19:
        return MC_INTELLIVUE_ABORT;
    case 0xE1:
        return n >= 2 && msg[1] == 0x00 ? MC_INTELLIVUE_DATA : MC_INTELLIVUE_UNKNOWN;
    default:
        return MC_INTELLIVUE_UNKNOWN;
    }
}

mc_status mc__intellivue_spdu_li(const uint8_t *msg, size_t n, size_t *body_at, size_t *body_len)
{
    if (n < 2)
        return MC_EFORMAT;
    size_t li = msg[1], at = 2;
    if (li == 0xFF) {
        if (n < 4)
            return MC_EFORMAT;
        li = (size_t)msg[2] << 8 | msg[3];
        at = 4;
    }
    if (li > n - at)
        return MC_EFORMAT;
    *body_at = at;
    *body_len = li;
    return MC_OK;
}

mc_status mc_intellivue_assoc_result_parse(const uint8_t *msg, size_t n, int *accepted, mc_diag *d)
{
    const mc_intellivue_kind k = mc_intellivue_classify(msg, n);
    if (k != MC_INTELLIVUE_ASSOC_ACCEPTED && k != MC_INTELLIVUE_ASSOC_REFUSED)
        return mc_diag_set(d, MC_EFORMAT, 0, -1,
                           "intellivue: not an association result (SPDU type 0x%02X)",
                           n ? msg[0] : 0);
    size_t at, li;
    if (mc__intellivue_spdu_li(msg, n, &at, &li) != MC_OK)
        return mc_diag_set(d, MC_EFORMAT, 1, -1,
                           "intellivue: association result length runs past the %zu bytes", n);
    *accepted = k == MC_INTELLIVUE_ASSOC_ACCEPTED;
    return MC_OK;
}

/* ---- data export ----------------------------------------------------------------------------- */

mc_status mc_intellivue_data_parse(const uint8_t *msg, size_t n, mc_intellivue_data *out,
                                   mc_diag *d)
{
    memset(out, 0, sizeof *out);
    if (n < 8 || msg[0] != 0xE1 || msg[1] != 0x00)
        return mc_diag_set(d, MC_EFORMAT, 0, -1,
                           "intellivue: not a data export message (session 0xE100, 8+ bytes)");
    out->context_id = mc__iv_rd16(msg + 2);
    out->ro_type = mc__iv_rd16(msg + 4);
    const size_t ro_len = mc__iv_rd16(msg + 6);
    if (ro_len != n - 8)
        return mc_diag_set(d, MC_EFORMAT, 6, -1,
                           "intellivue: ROapdus length %zu, but %zu bytes follow", ro_len, n - 8);
    size_t at = 8;
    if (out->ro_type == MC_INTELLIVUE_RO_LINKED) {
        if (n < at + 2)
            return mc_diag_set(d, MC_EFORMAT, (int64_t)at, -1, "intellivue: linked id cut");
        out->linked_state = msg[at];
        out->linked_count = msg[at + 1];
        at += 2;
    }
    /* ROIV, RORS and ROER (invoke_id, error_value, length) share the layout that follows. */
    if (n < at + 6)
        return mc_diag_set(d, MC_EFORMAT, (int64_t)at, -1,
                           "intellivue: remote operation header cut (%zu bytes)", n);
    out->invoke_id = mc__iv_rd16(msg + at);
    out->command_type = mc__iv_rd16(msg + at + 2);
    const size_t len = mc__iv_rd16(msg + at + 4);
    at += 6;
    if (len != n - at)
        return mc_diag_set(d, MC_EFORMAT, (int64_t)at - 2, -1,
                           "intellivue: command length %zu, but %zu bytes follow", len, n - at);
    out->body = msg + at;
    out->body_len = len;
    return MC_OK;
}

/* A reader over a region of a message, offsets kept relative to the message for diagnostics. */
typedef struct rd {
    const uint8_t *msg;
    size_t at, end;
} rd;

static int take16(rd *r, uint16_t *v)
{
    if (r->end - r->at < 2)
        return 0;
    *v = mc__iv_rd16(r->msg + r->at);
    r->at += 2;
    return 1;
}

static int take32(rd *r, uint32_t *v)
{
    if (r->end - r->at < 4)
        return 0;
    *v = mc__iv_rd32(r->msg + r->at);
    r->at += 4;
    return 1;
}

/* A sub-region of `length` bytes at the reader's position; the reader moves past it. */
static int take_region(rd *r, size_t length, rd *sub)
{
    if (r->end - r->at < length)
        return 0;
    *sub = (rd){r->msg, r->at, r->at + length};
    r->at += length;
    return 1;
}

/* An attribute list {count, length, AVAs}: the region of its AVAs. */
static int take_list(rd *r, uint16_t *count, rd *items)
{
    uint16_t len;
    return take16(r, count) && take16(r, &len) && take_region(r, len, items);
}

/* One AVA {attribute_id, length, value}. */
static int take_ava(rd *r, uint16_t *id, rd *value)
{
    uint16_t len;
    return take16(r, id) && take16(r, &len) && take_region(r, len, value);
}

static mc_status cut(mc_diag *d, const rd *r, const char *what)
{
    return mc_diag_set(d, MC_EFORMAT, (int64_t)r->at, -1, "intellivue: %s cut or overlong", what);
}

mc_status mc_intellivue_event_report_parse(const uint8_t *msg, size_t n,
                                           mc_intellivue_event_report *out, mc_diag *d)
{
    memset(out, 0, sizeof *out);
    mc_intellivue_data h;
    const mc_status st = mc_intellivue_data_parse(msg, n, &h, d);
    if (st != MC_OK)
        return st;
    if (h.ro_type != 1 || (h.command_type != 1 && h.command_type != 0))
        return mc_diag_set(d, MC_EFORMAT, 4, -1,
                           "intellivue: not an event report (ro_type %u, command %u)",
                           (unsigned)h.ro_type, (unsigned)h.command_type);
    out->invoke_id = h.invoke_id;
    out->context_id = h.context_id;
    rd r = {msg, (size_t)(h.body - msg), n};
    uint16_t len;
    if (!take16(&r, &out->obj_class) || !take16(&r, &out->obj_context) ||
        !take16(&r, &out->obj_handle) || !take32(&r, &out->event_time) ||
        !take16(&r, &out->event_type) || !take16(&r, &len))
        return cut(d, &r, "event report header");
    if (out->event_type != MC_INTELLIVUE_EVENT_MDS_CREATE)
        return mc_diag_set(d, MC_EFORMAT, (int64_t)r.at - 4, -1,
                           "intellivue: event type 0x%04X is not MDS create (0x0D06)",
                           (unsigned)out->event_type);
    rd info;
    if (!take_region(&r, len, &info))
        return cut(d, &r, "MDS create info");
    uint16_t cls, ctx, handle, count;
    rd items;
    if (!take16(&info, &cls) || !take16(&info, &ctx) || !take16(&info, &handle) ||
        !take_list(&info, &count, &items))
        return cut(d, &info, "MDS create attribute list");
    for (uint16_t i = 0; i < count; i++) {
        uint16_t id;
        rd v;
        if (!take_ava(&items, &id, &v))
            return cut(d, &items, "MDS attribute");
        if (id == MC__IV_ATTR_TIME_REL && v.end - v.at >= 4) {
            out->has_time_rel = 1;
            out->time_rel = mc__iv_rd32(msg + v.at);
        } else if (id == MC__IV_ATTR_TIME_ABS && v.end - v.at >= 8) {
            out->has_time_abs = 1;
            memcpy(out->time_abs, msg + v.at, 8);
        }
    }
    return MC_OK;
}

uint16_t mc_intellivue_wave_sample(const mc_intellivue_wave *w, size_t i)
{
    return mc__iv_rd16(w->data + 2 * i);
}

mc_status mc_intellivue_wave_physical(const mc_intellivue_wave *w, const mc_intellivue_scale *scale,
                                      float *out, size_t cap)
{
    if (cap < w->n_samples)
        return MC_EINVAL;
    const unsigned bits = w->has_spec && w->significant_bits >= 1 && w->significant_bits <= 16
                              ? w->significant_bits
                              : 12;
    const unsigned mask = (1u << bits) - 1u;
    const int linear = scale && scale->upper_scaled != scale->lower_scaled;
    for (size_t i = 0; i < w->n_samples; i++) {
        const double c = (double)(mc_intellivue_wave_sample(w, i) & mask);
        double v = c;
        if (linear)
            v = scale->lower_abs + (c - (double)scale->lower_scaled) *
                                       (scale->upper_abs - scale->lower_abs) /
                                       ((double)scale->upper_scaled - (double)scale->lower_scaled);
        out[i] = (float)v;
    }
    return MC_OK;
}

/* ---- poll results ---------------------------------------------------------------------------- */

/* An SaObsValue {physio_id, state, {length, bytes}} at r's position. */
static int take_wave(rd *r, mc_intellivue_wave *w)
{
    uint16_t len;
    rd samples;
    if (!take16(r, &w->physio_id) || !take16(r, &w->state) || !take16(r, &len) ||
        !take_region(r, len, &samples))
        return 0;
    w->data = r->msg + samples.at;
    w->n_samples = len / 2;
    return (len & 1) == 0;
}

static int take_numeric(rd *r, mc_intellivue_numeric *v)
{
    if (!take16(r, &v->physio_id) || !take16(r, &v->state) || !take16(r, &v->unit_code) ||
        !take32(r, &v->raw))
        return 0;
    v->value = mc_intellivue_float_decode(v->raw);
    return 1;
}

/* The specifications an observation carries, for its waves (first pass over its attributes). */
static mc_status observation_specs(rd attrs, uint16_t count, mc_intellivue_wave *w, mc_diag *d)
{
    for (uint16_t k = 0; k < count; k++) {
        uint16_t id;
        rd v;
        if (!take_ava(&attrs, &id, &v))
            return cut(d, &attrs, "attribute");
        const uint8_t *p = v.msg + v.at;
        const size_t len = v.end - v.at;
        if (id == MC__IV_ATTR_SA_SPECN && len >= 6) {
            w->has_spec = 1;
            w->array_size = mc__iv_rd16(p);
            w->sample_size = p[2];
            w->significant_bits = p[3];
            w->flags = mc__iv_rd16(p + 4);
        } else if (id == MC__IV_ATTR_SCALE_I16 && len >= 12) {
            w->has_scale = 1;
            w->scale.lower_abs = mc_intellivue_float_decode(mc__iv_rd32(p));
            w->scale.upper_abs = mc_intellivue_float_decode(mc__iv_rd32(p + 4));
            w->scale.lower_scaled = mc__iv_rd16(p + 8);
            w->scale.upper_scaled = mc__iv_rd16(p + 10);
        } else if (id == MC__IV_ATTR_TIME_PD_SAMP && len >= 4) {
            w->has_period = 1;
            w->period_ticks = mc__iv_rd32(p);
        }
    }
    return MC_OK;
}

/* Second pass: the values of one observation, called back in order. */
static mc_status observation_values(rd attrs, uint16_t count, const mc_intellivue_wave *spec,
                                    mc_intellivue_poll *out, const mc_intellivue_poll_fns *fns,
                                    mc_diag *d)
{
    for (uint16_t k = 0; k < count; k++) {
        uint16_t id;
        rd v;
        if (!take_ava(&attrs, &id, &v))
            return cut(d, &attrs, "attribute");
        if (id == MC__IV_ATTR_NU_VAL || id == MC__IV_ATTR_NU_CMPD) {
            uint16_t n_items = 1;
            rd items = v;
            if (id == MC__IV_ATTR_NU_CMPD && !take_list(&v, &n_items, &items))
                return cut(d, &v, "compound numeric");
            for (uint16_t i = 0; i < n_items; i++) {
                mc_intellivue_numeric num = {.context_id = spec->context_id,
                                             .obj_handle = spec->obj_handle};
                if (!take_numeric(&items, &num))
                    return cut(d, &items, "numeric observed value");
                out->n_numerics++;
                if (fns && fns->numeric) {
                    const mc_status st = fns->numeric(fns->ctx, &num);
                    if (st != MC_OK)
                        return st;
                }
            }
        } else if (id == MC__IV_ATTR_SA_VAL || id == MC__IV_ATTR_SA_CMPD) {
            uint16_t n_items = 1;
            rd items = v;
            if (id == MC__IV_ATTR_SA_CMPD && !take_list(&v, &n_items, &items))
                return cut(d, &v, "compound sample array");
            for (uint16_t i = 0; i < n_items; i++) {
                mc_intellivue_wave w = *spec;
                if (!take_wave(&items, &w))
                    return cut(d, &items, "sample array observed value (or odd length)");
                out->n_waves++;
                if (fns && fns->wave) {
                    const mc_status st = fns->wave(fns->ctx, &w);
                    if (st != MC_OK)
                        return st;
                }
            }
        }
    }
    return MC_OK;
}

mc_status mc_intellivue_poll_parse(const uint8_t *msg, size_t n, mc_intellivue_poll *out,
                                   const mc_intellivue_poll_fns *fns, mc_diag *d)
{
    memset(out, 0, sizeof *out);
    mc_intellivue_data h;
    mc_status st = mc_intellivue_data_parse(msg, n, &h, d);
    if (st != MC_OK)
        return st;
    if ((h.ro_type != 2 && h.ro_type != 5) || h.command_type != 7)
        return mc_diag_set(d, MC_EFORMAT, 4, -1,
                           "intellivue: not an action result (ro_type %u, command %u)",
                           (unsigned)h.ro_type, (unsigned)h.command_type);
    out->invoke_id = h.invoke_id;
    out->linked_state = h.linked_state;
    rd r = {msg, (size_t)(h.body - msg), n}, act;
    uint16_t obj[3], len, partition;
    if (!take16(&r, &obj[0]) || !take16(&r, &obj[1]) || !take16(&r, &obj[2]) ||
        !take16(&r, &out->action_type) || !take16(&r, &len) || !take_region(&r, len, &act))
        return cut(d, &r, "action result header");
    if (out->action_type != MC_INTELLIVUE_ACTION_POLL &&
        out->action_type != MC_INTELLIVUE_ACTION_POLL_EXT)
        return mc_diag_set(d, MC_EFORMAT, (int64_t)act.at - 4, -1,
                           "intellivue: action type 0x%04X is not a poll",
                           (unsigned)out->action_type);
    if (!take16(&act, &out->poll_number) ||
        (out->action_type == MC_INTELLIVUE_ACTION_POLL_EXT && !take16(&act, &out->sequence_no)) ||
        !take32(&act, &out->rel_time) || act.end - act.at < 8)
        return cut(d, &act, "poll reply header");
    memcpy(out->abs_time, msg + act.at, 8);
    act.at += 8;
    uint16_t n_contexts;
    rd contexts;
    if (!take16(&act, &partition) || !take16(&act, &out->obj_code) ||
        !take16(&act, &out->attr_group) || !take_list(&act, &n_contexts, &contexts))
        return cut(d, &act, "poll reply header");
    for (uint16_t i = 0; i < n_contexts; i++) {
        uint16_t context_id, n_obs;
        rd obs;
        if (!take16(&contexts, &context_id) || !take_list(&contexts, &n_obs, &obs))
            return cut(d, &contexts, "single context poll");
        for (uint16_t j = 0; j < n_obs; j++) {
            mc_intellivue_wave spec = {.context_id = context_id};
            uint16_t n_attrs;
            rd attrs;
            if (!take16(&obs, &spec.obj_handle) || !take_list(&obs, &n_attrs, &attrs))
                return cut(d, &obs, "observation poll");
            st = observation_specs(attrs, n_attrs, &spec, d);
            if (st == MC_OK)
                st = observation_values(attrs, n_attrs, &spec, out, fns, d);
            if (st != MC_OK)
                return st;
        }
    }
    return MC_OK;
}
