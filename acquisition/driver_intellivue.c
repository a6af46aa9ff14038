/* SPDX-License-Identifier: MIT */
/* acquisition/driver_intellivue.c: Philips IntelliVue MX/MP data export (DEVICES.md section 2, as
 * VSCaptureMP implements it), decoded by formats/intellivue.h: over the MIB/RS-232 port (115200
 * 8N1, framed messages) or the LAN (udp://MONITOR:24105,peer=1: one message per datagram). The
 * driver runs the session: Association Request at each connection (again every 5 s until the
 * monitor answers), the reply to the MDS Create Event Report, the Pleth wave selection, then a
 * numerics poll every `interval` seconds and a wave poll every 0.25 s. NAME is the Pleth wave (in
 * the scale the monitor gives; at the sample period it gives, `pleth_rate` nominally);
 * NAME_numerics holds SpO2, pulse rate, Perf (Philips' relative perfusion index, not Masimo's PI),
 * StO2, tcpCO2 and tcpO2 (kPa converted to mm[Hg]), NaN for those the monitor does not have.
 * Checked against the emulator built from the same layouts only: no monitor was available. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acquisition/drivers.h"
#include "formats/intellivue.h"

enum { S_IDLE, S_ASSOCIATING, S_ASSOCIATED, S_RUNNING };
enum { N_NUM = 6, WAVE_MAX = 2048 };

static const mc_channel_info pleth_channels[] = {{"pleth", "1", 1, 0}};
static const mc_channel_info num_channels[N_NUM] = {
    {"spo2", "%", 1, 0}, {"pr", "/min", 1, 0},       {"perf", "1", 1, 0},
    {"sto2", "%", 1, 0}, {"tcpco2", "mm[Hg]", 1, 0}, {"tcpo2", "mm[Hg]", 1, 0},
};
static const uint16_t num_ids[N_NUM] = {MC_INTELLIVUE_SPO2,   MC_INTELLIVUE_PULSE_RATE,
                                        MC_INTELLIVUE_PERF,   MC_INTELLIVUE_STO2,
                                        MC_INTELLIVUE_TCPCO2, MC_INTELLIVUE_TCPO2};

typedef struct iv {
    mc_intellivue_decoder dec;
    mc_driver_stream streams[2];
    double interval_s;
    int state;
    int datagrams; /* LAN: one unframed message per datagram */
    int64_t next_assoc_ns, next_num_ns, next_wave_ns;
    uint16_t invoke;
    float num[N_NUM];
    int have_num;
    float wave[WAVE_MAX];
    uint64_t messages, bad_messages;
    mc_device_sink *sink; /* during push */
} iv;

static const char *const keys[] = {"interval", "pleth_rate", NULL};

static mc_status iv_create(const mc_source_spec *spec, mc_diag *d, void **self)
{
    *self = NULL;
    mc_status st = mc_driver_check_keys(spec, "intellivue", keys, d);
    double interval = 1, rate = 125;
    if (st == MC_OK)
        st = mc_driver_key_double(spec, "interval", 1, 60, &interval, d);
    if (st == MC_OK)
        st = mc_driver_key_double(spec, "pleth_rate", 1, 1000, &rate, d);
    if (st != MC_OK)
        return st;
    iv *v = calloc(1, sizeof *v);
    if (!v)
        return MC_ENOMEM;
    mc_intellivue_decoder_reset(&v->dec);
    v->interval_s = interval;
    v->datagrams = strncmp(spec->address, "udp://", 6) == 0;
    if (v->datagrams && !mc_source_spec_get(spec, "peer")) {
        free(v);
        return mc_diag_set(d, MC_EINVAL, -1, -1,
                           "--source %s: an IntelliVue on the LAN is udp://MONITOR:24105,peer=1 "
                           "(the driver speaks first)",
                           spec->name);
    }
    v->streams[0] = (mc_driver_stream){"", MC_MODALITY_PPG, 1, pleth_channels, rate};
    v->streams[1] =
        (mc_driver_stream){"numerics", MC_MODALITY_OTHER, N_NUM, num_channels, 1.0 / interval};
    *self = v;
    return MC_OK;
}

static size_t iv_get_n_streams(const void *self)
{
    (void)self;
    return 2;
}

static const mc_driver_stream *iv_get_stream(const void *self, size_t i)
{
    return &((const iv *)self)->streams[i];
}

/* Frame a message and send it: through the transport (start, tick) or as a reply (push). */
static mc_status send_msg(iv *v, mc_transport *t, const uint8_t *msg, size_t n)
{
    uint8_t framed[MC_INTELLIVUE_FRAME_ENCODED_MAX(MC_INTELLIVUE_REQUEST_MAX)];
    size_t len = n;
    mc_status st = MC_OK;
    if (v->datagrams) {
        len = n < sizeof framed ? n : sizeof framed;
        memcpy(framed, msg, len);
    } else
        st = mc_intellivue_frame_encode(msg, n, framed, sizeof framed, &len, NULL);
    if (st != MC_OK)
        return st;
    return t ? mc_transport_write(t, framed, len) : mc_device_sink_reply(v->sink, framed, len);
}

/* The Association Request; asked again 5 s after the first tick without an answer. */
static mc_status send_assoc(iv *v, mc_transport *t)
{
    uint8_t msg[MC_INTELLIVUE_REQUEST_MAX];
    size_t n;
    v->state = S_ASSOCIATING;
    v->next_assoc_ns = -1; /* set by the next tick, which knows the time */
    mc_status st = mc_intellivue_assoc_request_encode(1, msg, sizeof msg, &n, NULL);
    return st == MC_OK ? send_msg(v, t, msg, n) : st;
}

static mc_status iv_start(void *self, mc_transport *t)
{
    iv *v = self;
    mc_intellivue_stats kept = v->dec.stats;
    mc_intellivue_decoder_reset(&v->dec);
    v->dec.stats = kept;
    return send_assoc(v, t);
}

static mc_status poll(iv *v, mc_transport *t, uint16_t obj)
{
    mc_intellivue_poll_request r = {
        ++v->invoke, v->invoke, 0, obj, MC_INTELLIVUE_ATTR_GROUP_ALL, 0};
    uint8_t msg[MC_INTELLIVUE_REQUEST_MAX];
    size_t n;
    mc_status st = mc_intellivue_poll_request_encode(&r, msg, sizeof msg, &n, NULL);
    return st == MC_OK ? send_msg(v, t, msg, n) : st;
}

static mc_status iv_tick(void *self, mc_transport *t, int64_t now_ns)
{
    iv *v = self;
    if (v->state == S_ASSOCIATING && v->next_assoc_ns < 0)
        v->next_assoc_ns = now_ns + 5000000000LL;
    else if (v->state == S_ASSOCIATING && now_ns >= v->next_assoc_ns)
        return send_assoc(v, t); /* no answer: ask again */
    if (v->state != S_RUNNING)
        return MC_OK;
    mc_status st = MC_OK;
    if (now_ns >= v->next_num_ns) {
        v->next_num_ns = now_ns + (int64_t)(v->interval_s * 1e9);
        st = poll(v, t, MC_INTELLIVUE_OBJ_NUMERIC);
    }
    if (st == MC_OK && now_ns >= v->next_wave_ns) {
        v->next_wave_ns = now_ns + 250000000;
        st = poll(v, t, MC_INTELLIVUE_OBJ_WAVE);
    }
    return st;
}

static mc_status on_numeric(void *ctx, const mc_intellivue_numeric *x)
{
    iv *v = ctx;
    for (int i = 0; i < N_NUM; i++) {
        if (x->physio_id != num_ids[i])
            continue;
        double val = (x->state & 0x8000) ? (double)NAN : x->value;
        if (x->unit_code == MC_INTELLIVUE_UNIT_KPA)
            val *= 760.0 / 101.325; /* kPa -> mm[Hg] */
        v->num[i] = (float)val;
        v->have_num = 1;
    }
    return MC_OK;
}

static mc_status on_wave(void *ctx, const mc_intellivue_wave *w)
{
    iv *v = ctx;
    if (w->physio_id != MC_INTELLIVUE_PLETH || w->n_samples > WAVE_MAX)
        return MC_OK;
    if (w->has_scale) {
        if (mc_intellivue_wave_physical(w, &w->scale, v->wave, WAVE_MAX) != MC_OK)
            return MC_OK;
    } else {
        for (size_t k = 0; k < w->n_samples; k++)
            v->wave[k] = (float)mc_intellivue_wave_sample(w, k);
    }
    for (size_t k = 0; k < w->n_samples; k++)
        mc_device_sink_frame(v->sink, 0, &v->wave[k]);
    return MC_OK;
}

static void on_data(iv *v, const uint8_t *msg, size_t n)
{
    mc_intellivue_data dm;
    if (mc_intellivue_data_parse(msg, n, &dm, NULL) != MC_OK) {
        v->bad_messages++;
        return;
    }
    mc_intellivue_event_report er;
    if (dm.ro_type == MC_INTELLIVUE_RO_INVOKE &&
        mc_intellivue_event_report_parse(msg, n, &er, NULL) == MC_OK &&
        er.event_type == MC_INTELLIVUE_EVENT_MDS_CREATE) {
        uint8_t reply[MC_INTELLIVUE_REQUEST_MAX];
        size_t len;
        const uint32_t labels[1] = {MC_INTELLIVUE_LABEL_PLETH};
        mc_status st = mc_intellivue_mds_create_result_encode(&er, reply, sizeof reply, &len, NULL);
        if (st == MC_OK)
            st = send_msg(v, NULL, reply, len);
        if (st == MC_OK)
            st = mc_intellivue_wave_select_encode(++v->invoke, labels, 1, reply, sizeof reply, &len,
                                                  NULL);
        if (st == MC_OK)
            st = send_msg(v, NULL, reply, len);
        if (v->state != S_RUNNING)
            mc_device_sink_event(v->sink, 0, "status", "IntelliVue data export started",
                                 (double)NAN);
        v->state = S_RUNNING;
        v->next_num_ns = v->next_wave_ns = 0;
        return;
    }
    if (dm.ro_type == MC_INTELLIVUE_RO_ERROR) {
        v->bad_messages++;
        return;
    }
    if (dm.ro_type != MC_INTELLIVUE_RO_RESULT && dm.ro_type != MC_INTELLIVUE_RO_LINKED)
        return;
    mc_intellivue_poll p;
    for (int i = 0; i < N_NUM; i++)
        v->num[i] = NAN;
    v->have_num = 0;
    mc_intellivue_poll_fns fns = {on_numeric, on_wave, v};
    if (mc_intellivue_poll_parse(msg, n, &p, &fns, NULL) != MC_OK) {
        v->bad_messages++;
        return;
    }
    if (p.obj_code == MC_INTELLIVUE_OBJ_NUMERIC && v->have_num)
        mc_device_sink_frame(v->sink, 1, v->num);
}

static mc_status on_frame(void *ctx, const uint8_t *msg, size_t n)
{
    iv *v = ctx;
    v->messages++;
    switch (mc_intellivue_classify(msg, n)) {
    case MC_INTELLIVUE_ASSOC_ACCEPTED:
        v->state = S_ASSOCIATED; /* the MDS Create Event Report follows */
        break;
    case MC_INTELLIVUE_ASSOC_REFUSED:
        mc_device_sink_event(v->sink, 0, "status", "IntelliVue refused the association",
                             (double)NAN);
        break;
    case MC_INTELLIVUE_RELEASE_RESULT:
    case MC_INTELLIVUE_ABORT:
        mc_device_sink_event(v->sink, 0, "status", "IntelliVue ended the association", (double)NAN);
        v->state = S_ASSOCIATING;
        v->next_assoc_ns = 0; /* ask again at the next tick */
        break;
    case MC_INTELLIVUE_DATA:
        on_data(v, msg, n);
        break;
    default:
        v->bad_messages++;
        break;
    }
    return MC_OK;
}

static void iv_push(void *self, const uint8_t *bytes, size_t n, mc_device_sink *sink)
{
    iv *v = self;
    v->sink = sink;
    mc_status st = v->datagrams ? on_frame(v, bytes, n)
                                : mc_intellivue_decoder_push(&v->dec, bytes, n, on_frame, v);
    (void)st; /* on_frame never stops the push */
    v->sink = NULL;
}

static mc_driver_stats iv_get_stats(const void *self)
{
    const iv *v = self;
    const mc_intellivue_stats *s = &v->dec.stats;
    mc_driver_stats out = {v->messages,
                           s->bad_fcs + s->short_frames + s->bad_header + s->oversize + s->aborted +
                               v->bad_messages,
                           s->garbage_bytes};
    return out;
}

static void iv_destroy(void *self)
{
    free(self);
}

const mc_driver mc_driver_intellivue = {
    .name = "intellivue",
    .summary = "Philips IntelliVue MX/MP data export, MIB/RS-232 or LAN (udp://HOST:24105,peer=1)",
    .defaults = "baud=115200,framing=8N1",
    .keys = "interval=1       seconds between numerics polls\n"
            "pleth_rate=125   the Pleth wave's nominal rate, Hz\n",
    .streams = "NAME: Pleth wave; NAME_numerics: spo2 %, pr /min, perf, sto2 %, tcpco2 and tcpo2 "
               "mm[Hg] at 1/interval Hz (NaN when the monitor has none)",
    .identity_wait_s = 0,
    .silence_s = 5,
    .create = iv_create,
    .get_n_streams = iv_get_n_streams,
    .get_stream = iv_get_stream,
    .start = iv_start,
    .tick = iv_tick,
    .push = iv_push,
    .get_stats = iv_get_stats,
    .destroy = iv_destroy,
};
