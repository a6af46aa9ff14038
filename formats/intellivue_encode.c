/* SPDX-License-Identifier: MIT */
/* formats/intellivue_encode.c: Philips IntelliVue Data Export encoders (formats/intellivue.h): the
 * serial framing, the requests a live driver sends and the monitor's messages for an emulator. */
#include "formats/intellivue.h"

#include <string.h>

#include "formats/intellivue_internal.h"

/* A big-endian writer that keeps counting past `cap`, so that a short buffer is detected once at
 * the end; lengths are written as placeholders and patched when their content is complete. */
typedef struct wr {
    uint8_t *out;
    size_t cap, at;
} wr;

static void put8(wr *w, unsigned v)
{
    if (w->at < w->cap)
        w->out[w->at] = (uint8_t)v;
    w->at++;
}

static void put16(wr *w, unsigned v)
{
    put8(w, v >> 8 & 0xFF);
    put8(w, v & 0xFF);
}

static void put32(wr *w, uint32_t v)
{
    put16(w, v >> 16);
    put16(w, v & 0xFFFF);
}

static void put_bytes(wr *w, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(w, p[i]);
}

/* Reserve a 16-bit field; returns its position. */
static size_t hold16(wr *w)
{
    const size_t at = w->at;
    put16(w, 0);
    return at;
}

static void patch16(wr *w, size_t at, size_t v)
{
    if (at + 2 <= w->cap) {
        w->out[at] = (uint8_t)(v >> 8);
        w->out[at + 1] = (uint8_t)v;
    }
}

/* Patch the length at `at` with the bytes written after it. */
static void close_len(wr *w, size_t at)
{
    patch16(w, at, w->at - at - 2);
}

static mc_status finish(const wr *w, size_t *len, mc_diag *d, const char *what)
{
    if (w->at > 0xFFFF + 8)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "intellivue: %s of %zu bytes is too long", what,
                           w->at);
    if (w->at > w->cap)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "intellivue: %s needs %zu bytes, room for %zu",
                           what, w->at, w->cap);
    *len = w->at;
    return MC_OK;
}

/* ---- frames ---------------------------------------------------------------------------------- */

static void put_escaped(wr *w, unsigned c)
{
    if (c == 0xC0 || c == 0xC1 || c == 0x7D) {
        put8(w, 0x7D);
        put8(w, c ^ 0x20);
    } else {
        put8(w, c);
    }
}

mc_status mc_intellivue_frame_encode(const uint8_t *data, size_t n, uint8_t *out, size_t cap,
                                     size_t *len, mc_diag *d)
{
    *len = 0;
    if (n == 0 || n > MC_INTELLIVUE_DATA_MAX)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "intellivue: %zu bytes of user data (1..%d)", n,
                           MC_INTELLIVUE_DATA_MAX);
    const uint8_t header[4] = {0x11, 0x01, (uint8_t)(n >> 8), (uint8_t)n};
    /* The FCS runs over header and data before escaping (Class3.cs WriteBuffer). */
    const unsigned fcs =
        ~mc__intellivue_crc(mc__intellivue_crc(0xFFFF, header, 4), data, n) & 0xFFFF;
    wr w = {out, cap, 0};
    put8(&w, 0xC0);
    for (size_t i = 0; i < 4; i++)
        put_escaped(&w, header[i]);
    for (size_t i = 0; i < n; i++)
        put_escaped(&w, data[i]);
    put_escaped(&w, fcs & 0xFF);
    put_escaped(&w, fcs >> 8);
    put8(&w, 0xC1);
    return finish(&w, len, d, "frame");
}

/* ---- association ----------------------------------------------------------------------------- */

/* VSCapture's association request (Class2.cs aarq_msg), 238 bytes: session header (CN SPDU 0x0D,
 * LI 236), session and presentation headers with the ASN.1 context of the MDS data export, then
 * the MDSEUserInfoStd at offset 150 (protocol version 0x80000000, nomenclature 0x40000000, system
 * type client 0x80000000, startup mode hot start 0x20000000) with its supported application
 * profile NOM_POLL_PROFILE_SUPPORT (offset 174: revision, min_poll_period at 186, max_mtu_rx
 * 2500, max_mtu_tx 1000, max_bw_tx unlimited, options 0x60000000) and the optional package
 * NOM_ATTR_POLL_PROFILE_EXT (0xF001) whose option bits sit at offset 214; a zero trailer. */
static const uint8_t aarq[238] = {
    0x0D, 0xEC, 0x05, 0x08, 0x13, 0x01, 0x00, 0x16, 0x01, 0x02, 0x80, 0x00, 0x14, 0x02, 0x00, 0x02,
    0xC1, 0xDC, 0x31, 0x80, 0xA0, 0x80, 0x80, 0x01, 0x01, 0x00, 0x00, 0xA2, 0x80, 0xA0, 0x03, 0x00,
    0x00, 0x01, 0xA4, 0x80, 0x30, 0x80, 0x02, 0x01, 0x01, 0x06, 0x04, 0x52, 0x01, 0x00, 0x01, 0x30,
    0x80, 0x06, 0x02, 0x51, 0x01, 0x00, 0x00, 0x00, 0x00, 0x30, 0x80, 0x02, 0x01, 0x02, 0x06, 0x0C,
    0x2A, 0x86, 0x48, 0xCE, 0x14, 0x02, 0x01, 0x00, 0x00, 0x00, 0x01, 0x01, 0x30, 0x80, 0x06, 0x0C,
    0x2A, 0x86, 0x48, 0xCE, 0x14, 0x02, 0x01, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x61, 0x80, 0x30, 0x80, 0x02, 0x01, 0x01, 0xA0, 0x80, 0x60, 0x80, 0xA1, 0x80, 0x06,
    0x0C, 0x2A, 0x86, 0x48, 0xCE, 0x14, 0x02, 0x01, 0x00, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0xBE,
    0x80, 0x28, 0x80, 0x06, 0x0C, 0x2A, 0x86, 0x48, 0xCE, 0x14, 0x02, 0x01, 0x00, 0x00, 0x00, 0x01,
    0x01, 0x02, 0x01, 0x02, 0x81, 0x48, 0x80, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x2C, 0x00, 0x01, 0x00, 0x28, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09, 0xC4, 0x00, 0x00,
    0x09, 0xC4, 0x00, 0x00, 0x03, 0xE8, 0xFF, 0xFF, 0xFF, 0xFF, 0x60, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x0C, 0xF0, 0x01, 0x00, 0x08, 0x8C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};

enum { AARQ_MIN_POLL_PERIOD = 186, AARQ_POLL_EXT_OPTIONS = 214 };

mc_status mc_intellivue_assoc_request_encode(int with_waves, uint8_t *out, size_t cap, size_t *len,
                                             mc_diag *d)
{
    wr w = {out, cap, 0};
    put_bytes(&w, aarq, sizeof aarq);
    if (with_waves && w.at <= cap) {
        /* aarq_msg_wave_ext_poll: minimum poll period 1000 ticks, extended options 0x88. */
        out[AARQ_MIN_POLL_PERIOD + 2] = 0x03;
        out[AARQ_MIN_POLL_PERIOD + 3] = 0xE8;
        out[AARQ_POLL_EXT_OPTIONS] = 0x88;
    }
    return finish(&w, len, d, "association request");
}

mc_status mc_intellivue_assoc_result_encode(int accepted, uint8_t *out, size_t cap, size_t *len,
                                            mc_diag *d)
{
    wr w = {out, cap, 0};
    if (accepted) {
        put8(&w, 0x0E);
        put_bytes(&w, aarq + 1, sizeof aarq - 1);
    } else {
        put8(&w, 0x0C);
        put8(&w, 0x00);
    }
    return finish(&w, len, d, "association result");
}

/* ---- data export ----------------------------------------------------------------------------- */

/* SPpdu and ROapdus; returns the position of the ROapdus length. */
static size_t open_data(wr *w, unsigned context_id, unsigned ro_type)
{
    put16(w, 0xE100);
    put16(w, context_id);
    put16(w, ro_type);
    return hold16(w);
}

static void put_mds(wr *w)
{
    put16(w, MC_INTELLIVUE_OBJ_MDS);
    put16(w, 0);
    put16(w, 0);
}

mc_status mc_intellivue_mds_create_result_encode(const mc_intellivue_event_report *report,
                                                 uint8_t *out, size_t cap, size_t *len, mc_diag *d)
{
    wr w = {out, cap, 0};
    const size_t ro = open_data(&w, report->context_id, MC_INTELLIVUE_RO_RESULT);
    put16(&w, report->invoke_id);
    put16(&w, 1); /* CMD_CONFIRMED_EVENT_REPORT */
    const size_t cmd = hold16(&w);
    put16(&w, report->obj_class);
    put16(&w, report->obj_context);
    put16(&w, report->obj_handle);
    put32(&w, report->event_time);
    put16(&w, report->event_type);
    put16(&w, 0);
    close_len(&w, cmd);
    close_len(&w, ro);
    return finish(&w, len, d, "MDS create result");
}

mc_status mc_intellivue_poll_request_encode(const mc_intellivue_poll_request *req, uint8_t *out,
                                            size_t cap, size_t *len, mc_diag *d)
{
    *len = 0;
    if (!req->extended && req->period_ticks != 0)
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "intellivue: a poll period needs the extended poll");
    wr w = {out, cap, 0};
    const size_t ro = open_data(&w, 2, MC_INTELLIVUE_RO_INVOKE);
    put16(&w, req->invoke_id);
    put16(&w, 7); /* CMD_CONFIRMED_ACTION */
    const size_t cmd = hold16(&w);
    put_mds(&w);
    put32(&w, 0); /* scope */
    put16(&w, req->extended ? MC_INTELLIVUE_ACTION_POLL_EXT : MC_INTELLIVUE_ACTION_POLL);
    const size_t act = hold16(&w);
    put16(&w, req->poll_number);
    put16(&w, 1); /* NOM_PART_OBJ */
    put16(&w, req->obj_code);
    put16(&w, req->attr_group);
    if (req->extended) {
        put16(&w, req->period_ticks ? 1 : 0);
        const size_t list = hold16(&w);
        if (req->period_ticks) {
            put16(&w, MC__IV_ATTR_TIME_PD_POLL);
            put16(&w, 4);
            put32(&w, req->period_ticks);
        }
        close_len(&w, list);
    }
    close_len(&w, act);
    close_len(&w, cmd);
    close_len(&w, ro);
    return finish(&w, len, d, "poll request");
}

mc_status mc_intellivue_keep_alive_encode(uint16_t invoke_id, uint16_t poll_number, uint8_t *out,
                                          size_t cap, size_t *len, mc_diag *d)
{
    const mc_intellivue_poll_request req = {.invoke_id = invoke_id,
                                            .poll_number = poll_number,
                                            .obj_code = MC_INTELLIVUE_OBJ_MDS,
                                            .attr_group = 0x080C};
    return mc_intellivue_poll_request_encode(&req, out, cap, len, d);
}

mc_status mc_intellivue_poll_request_parse(const uint8_t *msg, size_t n,
                                           mc_intellivue_poll_request *out, mc_diag *d)
{
    memset(out, 0, sizeof *out);
    mc_intellivue_data h;
    const mc_status st = mc_intellivue_data_parse(msg, n, &h, d);
    if (st != MC_OK)
        return st;
    const uint8_t *p = h.body;
    if (h.ro_type != 1 || h.command_type != 7 || h.body_len < 22)
        return mc_diag_set(d, MC_EFORMAT, 4, -1, "intellivue: not a poll request");
    const uint16_t action = mc__iv_rd16(p + 10), act_len = mc__iv_rd16(p + 12);
    const int ext = action == MC_INTELLIVUE_ACTION_POLL_EXT;
    if ((!ext && action != MC_INTELLIVUE_ACTION_POLL) || act_len != h.body_len - 14 ||
        act_len < (ext ? 12 : 8))
        return mc_diag_set(d, MC_EFORMAT, (int64_t)(p - msg) + 10, -1,
                           "intellivue: not a poll action (type 0x%04X, length %u)",
                           (unsigned)action, (unsigned)act_len);
    out->invoke_id = h.invoke_id;
    out->extended = ext;
    out->poll_number = mc__iv_rd16(p + 14);
    out->obj_code = mc__iv_rd16(p + 18);
    out->attr_group = mc__iv_rd16(p + 20);
    if (ext) {
        const size_t count = mc__iv_rd16(p + 22), list = mc__iv_rd16(p + 24);
        if (list > h.body_len - 26)
            return mc_diag_set(d, MC_EFORMAT, (int64_t)(p - msg) + 24, -1,
                               "intellivue: poll attribute list runs past the message");
        for (size_t i = 0, at = 26; i < count && at + 4 <= 26 + list; i++) {
            const uint16_t id = mc__iv_rd16(p + at), alen = mc__iv_rd16(p + at + 2);
            if (at + 4 + alen > 26 + list)
                break;
            if (id == MC__IV_ATTR_TIME_PD_POLL && alen >= 4)
                out->period_ticks = mc__iv_rd32(p + at + 4);
            at += 4 + (size_t)alen;
        }
    }
    return MC_OK;
}

mc_status mc_intellivue_release_request_encode(uint8_t *out, size_t cap, size_t *len, mc_diag *d)
{
    /* Class2.cs rlrq_msg: FN SPDU, LI 24, presentation data of the ACSE release request. */
    static const uint8_t rlrq[26] = {0x09, 0x18, 0xC1, 0x16, 0x61, 0x80, 0x30, 0x80, 0x02,
                                     0x01, 0x01, 0xA0, 0x80, 0x62, 0x80, 0x80, 0x01};
    wr w = {out, cap, 0};
    put_bytes(&w, rlrq, sizeof rlrq);
    return finish(&w, len, d, "release request");
}

mc_status mc_intellivue_wave_select_encode(uint16_t invoke_id, const uint32_t *labels, size_t n,
                                           uint8_t *out, size_t cap, size_t *len, mc_diag *d)
{
    *len = 0;
    if (n == 0 || n > MC_INTELLIVUE_WAVE_LABELS_MAX)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "intellivue: %zu wave labels (1..%d)", n,
                           MC_INTELLIVUE_WAVE_LABELS_MAX);
    wr w = {out, cap, 0};
    const size_t ro = open_data(&w, 2, MC_INTELLIVUE_RO_INVOKE);
    put16(&w, invoke_id);
    put16(&w, 5); /* CMD_CONFIRMED_SET */
    const size_t cmd = hold16(&w);
    put_mds(&w);
    put32(&w, 0); /* scope */
    put16(&w, 1); /* ModificationList: one AttributeModEntry */
    const size_t mods = hold16(&w);
    put16(&w, 0);      /* modify operator: replace */
    put16(&w, 0xF23A); /* NOM_ATTR_POLL_RTSA_PRIO_LIST */
    put16(&w, (unsigned)(4 + 4 * n));
    put16(&w, (unsigned)n); /* TextIdList */
    put16(&w, (unsigned)(4 * n));
    for (size_t i = 0; i < n; i++)
        put32(&w, labels[i]);
    close_len(&w, mods);
    close_len(&w, cmd);
    close_len(&w, ro);
    return finish(&w, len, d, "wave priority list");
}

/* ---- the monitor's messages, for an emulator ---------------------------------------------------
 */

mc_status mc_intellivue_event_report_encode(const mc_intellivue_event_report *report, uint8_t *out,
                                            size_t cap, size_t *len, mc_diag *d)
{
    wr w = {out, cap, 0};
    const size_t ro = open_data(&w, report->context_id, MC_INTELLIVUE_RO_INVOKE);
    put16(&w, report->invoke_id);
    put16(&w, 1); /* CMD_CONFIRMED_EVENT_REPORT */
    const size_t cmd = hold16(&w);
    put16(&w, report->obj_class);
    put16(&w, report->obj_context);
    put16(&w, report->obj_handle);
    put32(&w, report->event_time);
    put16(&w, report->event_type);
    const size_t info = hold16(&w);
    put16(&w, report->obj_class);
    put16(&w, report->obj_context);
    put16(&w, report->obj_handle);
    put16(&w, (report->has_time_rel ? 1u : 0u) + (report->has_time_abs ? 1u : 0u));
    const size_t list = hold16(&w);
    if (report->has_time_rel) {
        put16(&w, MC__IV_ATTR_TIME_REL);
        put16(&w, 4);
        put32(&w, report->time_rel);
    }
    if (report->has_time_abs) {
        put16(&w, MC__IV_ATTR_TIME_ABS);
        put16(&w, 8);
        put_bytes(&w, report->time_abs, 8);
    }
    close_len(&w, list);
    close_len(&w, info);
    close_len(&w, cmd);
    close_len(&w, ro);
    return finish(&w, len, d, "MDS create event report");
}

static void put_numeric(wr *w, const mc_intellivue_numeric *v)
{
    put16(w, v->physio_id);
    put16(w, v->state);
    put16(w, v->unit_code);
    put32(w, v->raw);
}

static void put_ava_header(wr *w, unsigned id, unsigned len)
{
    put16(w, id);
    put16(w, len);
}

/* One ObservationPoll holding a wave and the specifications it has. */
static void put_wave_observation(wr *w, const mc_intellivue_wave *v)
{
    put16(w, v->obj_handle);
    put16(w, 1u + (v->has_spec ? 1u : 0u) + (v->has_scale ? 1u : 0u) + (v->has_period ? 1u : 0u));
    const size_t list = hold16(w);
    if (v->has_spec) {
        put_ava_header(w, MC__IV_ATTR_SA_SPECN, 6);
        put16(w, v->array_size);
        put8(w, v->sample_size);
        put8(w, v->significant_bits);
        put16(w, v->flags);
    }
    if (v->has_scale) {
        put_ava_header(w, MC__IV_ATTR_SCALE_I16, 12);
        put32(w, mc_intellivue_float_encode(v->scale.lower_abs));
        put32(w, mc_intellivue_float_encode(v->scale.upper_abs));
        put16(w, v->scale.lower_scaled);
        put16(w, v->scale.upper_scaled);
    }
    if (v->has_period) {
        put_ava_header(w, MC__IV_ATTR_TIME_PD_SAMP, 4);
        put32(w, v->period_ticks);
    }
    put_ava_header(w, MC__IV_ATTR_SA_VAL, (unsigned)(6 + 2 * v->n_samples));
    put16(w, v->physio_id);
    put16(w, v->state);
    put16(w, (unsigned)(2 * v->n_samples));
    put_bytes(w, v->data, 2 * v->n_samples);
    close_len(w, list);
}

/* Context of the i-th item: numerics first, then waves. */
static uint16_t item_context(const mc_intellivue_numeric *nums, size_t n_nums,
                             const mc_intellivue_wave *waves, size_t i)
{
    return i < n_nums ? nums[i].context_id : waves[i - n_nums].context_id;
}

mc_status mc_intellivue_poll_result_encode(const mc_intellivue_poll *poll,
                                           const mc_intellivue_numeric *nums, size_t n_nums,
                                           int compound, const mc_intellivue_wave *waves,
                                           size_t n_waves, uint8_t *out, size_t cap, size_t *len,
                                           mc_diag *d)
{
    *len = 0;
    for (size_t i = 0; i < n_waves; i++)
        if (!waves[i].data || waves[i].n_samples == 0 || waves[i].n_samples > 0x7FF0)
            return mc_diag_set(d, MC_EINVAL, -1, -1, "intellivue: wave %zu has no data or too much",
                               i);
    const size_t n_items = n_nums + n_waves;
    if (n_items > 0xFFFF)
        return mc_diag_set(d, MC_EINVAL, -1, -1, "intellivue: %zu values in one poll", n_items);
    wr w = {out, cap, 0};
    const int linked = poll->linked_state != 0;
    const size_t ro = open_data(&w, 2, linked ? MC_INTELLIVUE_RO_LINKED : MC_INTELLIVUE_RO_RESULT);
    if (linked) {
        put8(&w, poll->linked_state);
        put8(&w, 1);
    }
    put16(&w, poll->invoke_id);
    put16(&w, 7); /* CMD_CONFIRMED_ACTION */
    const size_t cmd = hold16(&w);
    put_mds(&w);
    const int ext = poll->action_type == MC_INTELLIVUE_ACTION_POLL_EXT;
    put16(&w, ext ? MC_INTELLIVUE_ACTION_POLL_EXT : MC_INTELLIVUE_ACTION_POLL);
    const size_t act = hold16(&w);
    put16(&w, poll->poll_number);
    if (ext)
        put16(&w, poll->sequence_no);
    put32(&w, poll->rel_time);
    put_bytes(&w, poll->abs_time, 8);
    put16(&w, 1); /* NOM_PART_OBJ */
    put16(&w, poll->obj_code);
    put16(&w, poll->attr_group);
    /* PollInfoList: one SingleContextPoll per run of items of the same context. */
    size_t n_contexts = 0;
    for (size_t i = 0; i < n_items; i++)
        if (i == 0 ||
            item_context(nums, n_nums, waves, i) != item_context(nums, n_nums, waves, i - 1))
            n_contexts++;
    put16(&w, (unsigned)n_contexts);
    const size_t contexts = hold16(&w);
    size_t i = 0;
    while (i < n_items) {
        const uint16_t context = item_context(nums, n_nums, waves, i);
        put16(&w, context);
        const size_t count_at = hold16(&w);
        const size_t obs = hold16(&w);
        size_t n_obs = 0;
        while (i < n_items && item_context(nums, n_nums, waves, i) == context) {
            n_obs++;
            if (i >= n_nums) {
                put_wave_observation(&w, &waves[i - n_nums]);
                i++;
                continue;
            }
            /* A numeric, or with `compound` the run of numerics of its handle. */
            size_t run = 1;
            while (compound && i + run < n_nums && nums[i + run].context_id == context &&
                   nums[i + run].obj_handle == nums[i].obj_handle && run < 0x0FFF)
                run++;
            put16(&w, nums[i].obj_handle);
            put16(&w, 1);
            const size_t list = hold16(&w);
            if (compound) {
                put_ava_header(&w, MC__IV_ATTR_NU_CMPD, (unsigned)(4 + 10 * run));
                put16(&w, (unsigned)run);
                put16(&w, (unsigned)(10 * run));
            } else {
                put_ava_header(&w, MC__IV_ATTR_NU_VAL, 10);
            }
            for (size_t k = 0; k < run; k++)
                put_numeric(&w, &nums[i + k]);
            close_len(&w, list);
            i += run;
        }
        patch16(&w, count_at, n_obs);
        close_len(&w, obs);
    }
    close_len(&w, contexts);
    close_len(&w, act);
    close_len(&w, cmd);
    close_len(&w, ro);
    return finish(&w, len, d, "poll result");
}
